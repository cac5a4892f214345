//! Deduplication of a voter roll: the roll read from a file through a mapping (leniently:
//! every field but the id may be missing) or from a recorded election's public roll
//! (`ledger::report::each_voter`), fed to `roll::dedup`, and the result as a report, CSV
//! files and a proposal to remove the duplicates found in an election. [`index`] builds the
//! "find my name" index of a recorded roll; [`diff`] what changed on the roll between two points
//! of the log or two snapshots.

use std::collections::HashMap;
use std::path::Path;

use interchange::{Mapping, VoterRollReader};
use ledger::event::{Action, RemovalReason, RemoveVoter};
use roll::dedup::{Agreement, Birth, Dedup, Model, Progress, Record, Settings, Summary};
use roll::name::{LatinKey, Name, PersonName, khmer};
use serde::Serialize;

use crate::{Error, Result, Review};

pub mod diff;
pub mod index;
pub use diff::{DiffSpec, RollDiffReport, diff_log, diff_snapshots, render};
pub use index::build_index;

/// A roll ready to deduplicate.
pub struct Roll {
    pub records: Vec<Record>,
    /// The names of the records' other fields (a file's private fields).
    pub fields: Vec<String>,
    /// Whether the names are romanised Khmer (any name in Khmer script) or Latin names.
    pub latin: LatinKey,
    /// Cells that could not be read and were taken as missing, one line each.
    pub unreadable: Vec<String>,
    /// Whether the records are a recorded election's voters (so removal can be proposed).
    pub recorded: bool,
}

/// A name part from a cell that may be in Khmer script or Latin letters, and its romanisation.
fn name(written: Option<&str>, latin: Option<&str>) -> Name {
    match written {
        Some(w) if khmer::has_khmer(w) => Name::new(Some(w), latin),
        Some(w) => Name::new(None, Some(w)),
        None => Name::new(None, latin),
    }
}

fn latin_key(records: &[Record]) -> LatinKey {
    let khmer = records
        .iter()
        .any(|r| r.name.family.khmer.is_some() || r.name.given.khmer.is_some());
    if khmer {
        LatinKey::RomanisedKhmer
    } else {
        LatinKey::General
    }
}

/// Reads a roll file through a voter-roll mapping. The private fields are compared too
/// (the commission holds them), except one read from the birth date's own column.
pub fn from_file(path: &Path, mapping: &Mapping) -> Result<Roll> {
    let voter = mapping.voter.as_ref();
    let birth_columns = voter.and_then(|v| v.birth.as_ref()).map(|b| match b {
        interchange::mapping::BirthSpec::Year(c) | interchange::mapping::BirthSpec::Date(c, _) => {
            c.parts.clone()
        }
    });
    let fields: Vec<String> = voter
        .map(|v| {
            v.private
                .iter()
                .filter(|(_, c)| Some(&c.parts) != birth_columns.as_ref())
                .map(|(k, _)| k.clone())
                .collect()
        })
        .unwrap_or_default();
    let mut records = Vec::new();
    let mut unreadable = Vec::new();
    for row in VoterRollReader::open(path, mapping)?.lenient() {
        let row = row?;
        unreadable.extend(row.unreadable.iter().cloned());
        let (family, given) = if row.family.is_none() && row.given.is_none() {
            (
                Name::default(),
                name(Some(&row.name), row.name_latin.as_deref()),
            )
        } else {
            (
                name(row.family.as_deref(), row.family_latin.as_deref()),
                name(row.given.as_deref(), row.given_latin.as_deref()),
            )
        };
        records.push(Record {
            id: row.voter,
            name: PersonName { family, given },
            birth: row.birth_year.map(|year| Birth {
                year,
                month: row.birth_month_day.map(|m| m.0),
                day: row.birth_month_day.map(|m| m.1),
            }),
            sex: row.sex.map(|s| s.as_str().chars().next().unwrap_or('X')),
            station: row.station,
            area: row.area,
            fields: fields.iter().map(|f| row.private.get(f).cloned()).collect(),
        });
    }
    Ok(Roll {
        latin: latin_key(&records),
        records,
        fields,
        unreadable,
        recorded: false,
    })
}

/// The public roll of a recorded election: names, sex, birth year, station and the area
/// above the station's (the district, where stations sit in communes), never the committed
/// private fields.
pub fn from_election(review: &Review) -> Result<Roll> {
    let parent: HashMap<String, Option<String>> = ledger::report::areas(review.conn())?
        .into_iter()
        .map(|a| (a.code, a.parent))
        .collect();
    let area: HashMap<String, String> = ledger::report::stations(review.conn())?
        .into_iter()
        .map(|s| {
            let up = parent.get(&s.area).cloned().flatten();
            (s.code, up.unwrap_or(s.area))
        })
        .collect();
    let mut records = Vec::new();
    ledger::report::each_voter(review.conn(), |v| -> std::result::Result<(), Error> {
        let (family, given) = match &v.names {
            Some(n) => (
                name(
                    Some(&n.family)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.as_str()),
                    n.family_latin.as_deref(),
                ),
                name(
                    Some(&n.given).filter(|s| !s.is_empty()).map(|s| s.as_str()),
                    n.given_latin.as_deref(),
                ),
            ),
            None => (Name::default(), name(Some(&v.name), None)),
        };
        records.push(Record {
            id: v.voter,
            name: PersonName { family, given },
            birth: Some(Birth {
                year: v.birth_year,
                month: None,
                day: None,
            }),
            sex: Some(match v.sex {
                ledger::event::Sex::F => 'F',
                ledger::event::Sex::M => 'M',
                ledger::event::Sex::X => 'X',
            }),
            area: area.get(&v.station).cloned(),
            station: Some(v.station),
            fields: Vec::new(),
        });
        Ok(())
    })?;
    Ok(Roll {
        latin: latin_key(&records),
        records,
        fields: Vec::new(),
        unreadable: Vec::new(),
        recorded: true,
    })
}

/// One pair at or above the threshold, with what each field contributed.
#[derive(Debug, Clone, Serialize)]
pub struct PairRow {
    pub a: String,
    pub b: String,
    pub probability: f64,
    pub weight: f64,
    pub swapped: bool,
    pub agreements: Vec<Agreement>,
}

/// What deduplication found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub summary: Summary,
    pub model: Model,
    pub pairs: Vec<PairRow>,
    /// Each cluster's record ids, in roll order.
    pub clusters: Vec<Vec<String>>,
    /// How many cells could not be read and were taken as missing, and the first few.
    pub unreadable: usize,
    pub unreadable_first: Vec<String>,
    /// Whether the roll is a recorded election's (its duplicates can be proposed for removal).
    pub recorded: bool,
}

/// Deduplicates a roll. `rules`, when given, replace the default blocking rules (each written
/// as keys joined with `+`).
pub fn dedup(
    roll: Roll,
    threshold: f64,
    rules: &[String],
    progress: &dyn Progress,
) -> Result<Report> {
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::Refused(format!(
            "the threshold {threshold} must be between 0 and 1"
        )));
    }
    let mut settings = Settings::new(roll.fields.clone(), roll.latin);
    settings.threshold = threshold;
    if !rules.is_empty() {
        settings.rules = rules
            .iter()
            .map(|r| roll::dedup::Rule::parse(r, &roll.fields))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Refused(e.to_string()))?;
    }
    let d =
        Dedup::run(roll.records, settings, progress).map_err(|e| Error::Refused(e.to_string()))?;
    let pairs = d
        .pairs
        .iter()
        .map(|p| PairRow {
            a: d.id(p.a).to_string(),
            b: d.id(p.b).to_string(),
            probability: p.probability,
            weight: p.weight,
            swapped: p.swapped,
            agreements: d.explain(p),
        })
        .collect();
    let clusters = d
        .clusters()
        .into_iter()
        .map(|c| c.into_iter().map(|i| d.id(i).to_string()).collect())
        .collect();
    Ok(Report {
        summary: d.summary.clone(),
        model: d.model.clone(),
        pairs,
        clusters,
        unreadable: roll.unreadable.len(),
        unreadable_first: roll.unreadable.into_iter().take(5).collect(),
        recorded: roll.recorded,
    })
}

impl Report {
    /// The pairs as CSV: `a,b,probability,weight,swapped,explanation`, the explanation as
    /// `field=level(weight)` separated by `; `.
    pub fn pairs_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| Error::Refused(format!("writing CSV: {e}"));
        w.write_record(["a", "b", "probability", "weight", "swapped", "explanation"])
            .map_err(csv_err)?;
        for p in &self.pairs {
            let why: Vec<String> = p
                .agreements
                .iter()
                .map(|a| format!("{}={}({:+.2})", a.field, a.level, a.weight))
                .collect();
            w.write_record([
                p.a.as_str(),
                &p.b,
                &format!("{:.6}", p.probability),
                &format!("{:.3}", p.weight),
                if p.swapped { "yes" } else { "no" },
                &why.join("; "),
            ])
            .map_err(csv_err)?;
        }
        Ok(
            String::from_utf8(w.into_inner().map_err(|e| Error::Refused(e.to_string()))?)
                .expect("CSV of strings"),
        )
    }

    /// The clusters as CSV: `cluster,voter`, one row per member, clusters numbered from 1.
    pub fn clusters_csv(&self) -> String {
        let mut out = String::from("cluster,voter\n");
        for (n, c) in self.clusters.iter().enumerate() {
            for id in c {
                let id = if id.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", id.replace('"', "\"\""))
                } else {
                    id.clone()
                };
                out.push_str(&format!("{},{id}\n", n + 1));
            }
        }
        out
    }

    /// The removal of the duplicates as governed actions, one JSON `remove_voter` action a
    /// line (`{"remove_voter":{"reason":"duplicate","voter":"V2"}}`): in each cluster the
    /// first voter in roll order stays and the others go. Only for a recorded election.
    pub fn removal_proposal(&self) -> Result<String> {
        if !self.recorded {
            return Err(Error::Refused(
                "a removal can be proposed only for a recorded election's roll, not a file".into(),
            ));
        }
        let mut out = String::new();
        for c in &self.clusters {
            for voter in &c[1..] {
                let action = Action::RemoveVoter(RemoveVoter {
                    reason: RemovalReason::Duplicate,
                    voter: voter.clone(),
                });
                out.push_str(&serde_json::to_string(&action).expect("serialisable"));
                out.push('\n');
            }
        }
        Ok(out)
    }
}
