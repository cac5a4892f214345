//! Roll diffs of a recorded election: between two points of its log (two log sizes), from the
//! roll's history in the state, with each removal's approvals; or between two CSV snapshots of
//! a roll read through a voter-roll mapping, with no approvals. Either way the stations are
//! put in areas of one level of the election's geography, the areas' vote shares come from the
//! official result forms of a contest, and `roll::diff` does the counting and the flagging.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use ledger::report::{ChangeKind, VoterSpan};
use roll::diff::{Approver, Diff, FlagRule, Place, RemovalRecord, RollDiff};

use crate::Review;
use crate::error::{Error, Param, Result, refuse, state};

/// What to diff by: the area level (None: the level stations sit in), the contest whose
/// results give the vote shares (None: the only one), and the flag rule.
#[derive(Debug, Clone, Default)]
pub struct DiffSpec {
    pub level: Option<String>,
    pub contest: Option<String>,
    pub rule: FlagRule,
}

/// A diff and what it was between, for rendering and JSON.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RollDiffReport {
    /// Where the reviewed state came from (named `election` like every review's).
    #[serde(rename = "election")]
    pub provenance: Option<crate::Provenance>,
    /// `log sizes 120 to 480`, or `snapshots a.csv and b.csv`.
    pub between: String,
    pub level: String,
    pub contest: Option<String>,
    #[serde(flatten)]
    pub diff: RollDiff,
}

/// Stations put in areas of one level, and each area's votes in the previous results.
struct Geography {
    level: String,
    station_area: HashMap<String, String>,
    areas: Vec<String>,
    contest: Option<String>,
    votes: BTreeMap<String, BTreeMap<String, u64>>,
}

impl Geography {
    fn of(review: &Review, spec: &DiffSpec) -> Result<Geography> {
        let conn = review.conn();
        let levels = state(ledger::report::levels(conn))?;
        let level = match &spec.level {
            None => levels.last().cloned().unwrap_or_default(),
            Some(l) if levels.contains(l) => l.clone(),
            Some(l) => {
                return Err(Error::param(
                    Param::Level,
                    format!(
                        "{{}} {l:?} is not a level of the election; its levels are {}",
                        levels.join(", ")
                    ),
                ));
            }
        };
        let areas = state(ledger::report::areas(conn))?;
        let by_code: HashMap<&str, &ledger::event::Area> =
            areas.iter().map(|a| (a.code.as_str(), a)).collect();
        // The area of the chosen level at or above `code`.
        let lift = |code: &str| -> Option<String> {
            let mut cur = by_code.get(code).copied();
            for _ in 0..64 {
                let a = cur?;
                if a.level == level {
                    return Some(a.code.clone());
                }
                cur = by_code.get(a.parent.as_deref()?).copied();
            }
            None
        };
        let mut station_area = HashMap::new();
        for s in state(ledger::report::stations(conn))? {
            if let Some(a) = lift(&s.area) {
                station_area.insert(s.code, a);
            }
        }
        let level_areas = areas
            .iter()
            .filter(|a| a.level == level)
            .map(|a| a.code.clone())
            .collect();
        let contests = state(ledger::report::contests(conn))?;
        let contest = match (&spec.contest, contests.as_slice()) {
            (Some(id), _) if contests.iter().any(|c| &c.id == id) => Some(id.clone()),
            (Some(id), _) => {
                return Err(Error::param(
                    Param::Contest,
                    format!(
                        "the election has no contest {id:?} for {{}}; its contests are {}",
                        contests
                            .iter()
                            .map(|c| c.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            (None, [one]) => Some(one.id.clone()),
            (None, []) => None,
            (None, _) => {
                return Err(Error::param(
                    Param::Contest,
                    "the election has several contests; choose the one whose results go beside the rates with {}",
                ));
            }
        };
        let mut votes: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        if let Some(c) = &contest {
            for f in state(ledger::report::result_forms(conn))? {
                if &f.contest != c || f.source != "official" {
                    continue;
                }
                let Some(area) = station_area.get(&f.station) else {
                    continue;
                };
                let entry = votes.entry(area.clone()).or_default();
                for (choice, n) in f.votes {
                    *entry.entry(choice).or_default() += n;
                }
            }
        }
        Ok(Geography {
            level,
            station_area,
            areas: level_areas,
            contest,
            votes,
        })
    }

    fn place<'a>(&'a self, station: &'a Option<String>) -> Option<Place<'a>> {
        station.as_deref().map(|station| Place {
            station,
            area: self.area(station),
        })
    }

    /// A station's area; a station the election does not know stands as its own area.
    fn area<'a>(&'a self, station: &'a str) -> &'a str {
        self.station_area
            .get(station)
            .map(String::as_str)
            .unwrap_or(station)
    }
}

/// The diff of the roll between log sizes `from` and `to` (None: the whole log as reviewed):
/// the changes that took effect at indexes `from..to`.
pub fn diff_log(
    review: &Review,
    from: u64,
    to: Option<u64>,
    spec: &DiffSpec,
) -> Result<RollDiffReport> {
    let conn = review.conn();
    let end = match review.provenance.entries {
        Some(n) => n,
        None => state(ledger::report::last_roll_change(conn))?.map_or(0, |i| i + 1),
    };
    let to = to.unwrap_or(end);
    if to > end {
        return Err(Error::param(
            Param::ToSize,
            format!("{{}} {to} is past the end of the log ({end} entries)"),
        ));
    }
    if from >= to {
        return Err(Error::param(
            Param::FromSize,
            format!("{{}} {from} must be below the second log size {to}"),
        ));
    }
    let geo = Geography::of(review, spec)?;
    let mut diff = Diff::new();
    for a in &geo.areas {
        diff.area_known(a);
    }
    ledger::report::each_voter_between::<Error>(conn, from, to, |span: VoterSpan| {
        let edited = span.changes.iter().any(|c| c.kind == ChangeKind::Update);
        let removal = span
            .changes
            .iter()
            .rev()
            .find(|c| c.kind == ChangeKind::Remove)
            .map(|c| RemovalRecord {
                reason: c.reason.clone(),
                evidence: c.evidence.clone(),
                proposal: c.proposal.clone(),
                approvers: c
                    .approvers
                    .iter()
                    .map(|a| Approver {
                        member: a.member.clone(),
                        party: a.party.clone(),
                    })
                    .collect(),
            });
        diff.voter(
            &span.voter,
            geo.place(&span.before),
            geo.place(&span.after),
            edited,
            removal,
        );
        Ok(())
    })
    .map_err(|e| match e {
        Error::State(_) => e,
        other => Error::State(other.to_string()),
    })?;
    Ok(RollDiffReport {
        provenance: Some(review.provenance.clone()),
        between: format!("log sizes {from} to {to}"),
        level: geo.level.clone(),
        contest: geo.contest.clone(),
        diff: diff.finish(spec.rule, &geo.votes),
    })
}

/// What a snapshot says of a voter.
struct Snap {
    station: String,
    name: String,
    sex: Option<interchange::Sex>,
    birth_year: Option<u16>,
}

fn read_snapshot(
    path: &Path,
    mapping: &interchange::Mapping,
    mut each: impl FnMut(String, Snap, u64) -> Result<()>,
) -> Result<()> {
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in interchange::VoterRollReader::open(path, mapping)? {
        let row = row?;
        if let Some(first) = seen.insert(row.voter.clone(), row.line) {
            refuse!(
                "{}:{}: voter {:?} is listed twice (first on line {first})",
                path.display(),
                row.line,
                row.voter
            );
        }
        let Some(station) = row.station else {
            refuse!(
                "{}:{}: voter {:?} has no station; a roll diff places each voter by station",
                path.display(),
                row.line,
                row.voter
            );
        };
        each(
            row.voter,
            Snap {
                station,
                name: row.name,
                sex: row.sex,
                birth_year: row.birth_year,
            },
            row.line,
        )?;
    }
    Ok(())
}

/// The diff between two snapshots of a roll, each read through `mapping`; stations are put in
/// areas of the election under review, if one is given (a station it does not know, or any
/// station without one, stands as its own area). Removals carry no approvals: a snapshot
/// records none.
pub fn diff_snapshots(
    old: &Path,
    new: &Path,
    mapping: &interchange::Mapping,
    review: Option<&Review>,
    spec: &DiffSpec,
) -> Result<RollDiffReport> {
    let geo = match review {
        Some(r) => Geography::of(r, spec)?,
        None => Geography {
            level: "station".into(),
            station_area: HashMap::new(),
            areas: Vec::new(),
            contest: None,
            votes: BTreeMap::new(),
        },
    };
    let mut before: HashMap<String, Snap> = HashMap::new();
    read_snapshot(old, mapping, |voter, snap, _| {
        before.insert(voter, snap);
        Ok(())
    })?;
    let mut diff = Diff::new();
    for a in &geo.areas {
        diff.area_known(a);
    }
    read_snapshot(new, mapping, |voter, snap, _| {
        let after = Place {
            station: &snap.station,
            area: geo.area(&snap.station),
        };
        match before.remove(&voter) {
            None => diff.voter(&voter, None, Some(after), false, None),
            Some(b) => {
                let edited =
                    b.name != snap.name || b.sex != snap.sex || b.birth_year != snap.birth_year;
                let place = Place {
                    station: &b.station,
                    area: geo.area(&b.station),
                };
                diff.voter(&voter, Some(place), Some(after), edited, None)
            }
        }
        Ok(())
    })?;
    let mut gone: Vec<(String, Snap)> = before.into_iter().collect();
    gone.sort_by(|a, b| a.0.cmp(&b.0));
    for (voter, b) in &gone {
        let place = Place {
            station: &b.station,
            area: geo.area(&b.station),
        };
        diff.voter(voter, Some(place), None, false, None);
    }
    Ok(RollDiffReport {
        provenance: review.map(|r| r.provenance.clone()),
        between: format!("snapshots {} and {}", old.display(), new.display()),
        level: geo.level.clone(),
        contest: geo.contest.clone(),
        diff: diff.finish(spec.rule, &geo.votes),
    })
}

/// The report as text.
pub fn render(r: &RollDiffReport) -> String {
    let mut title = format!("between {}, by {}", r.between, r.level);
    if let Some(c) = &r.contest {
        title.push_str(&format!("; vote shares from the official results of {c}"));
    }
    roll::render::diff(&title, &r.diff)
}
