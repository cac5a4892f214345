//! The NIST SP 1500-100 version 2 Election Results Common Data Format, JSON form: the subset
//! that carries station and area results, and the conversion from and to a [`Tally`].
//!
//! The types follow the schema `NIST_V2_election_results_reporting.json` (draft-04) of
//! usnistgov/ElectionResultsReporting: property names, `@type` values and required fields
//! are the schema's. Where the schema has two classes of one shape (ReportingUnit and
//! ReportingDevice; PartyContest and CandidateContest; PartySelection and CandidateSelection)
//! one Rust type holds the fields of both, so that reading a file keeps exact JSON paths in
//! its errors; [`export`] fills only the fields of the class it names in `@type`.
//!
//! # How a tally is written
//!
//! - `GpUnit`: a ReportingUnit per station (`Type` `polling-place`), per area (`Type`
//!   `other`, `OtherType` the level's name) and one for the whole election (`country`, the
//!   `ElectionScopeId`). `ComposingGpUnitIds` gives the hierarchy; `VotersRegistered` the
//!   published registered voters, added up (absent when any station lacks it). Each unit's
//!   code is its `ExternalIdentifier` of `Type` `national-level`.
//! - `Party`: the election's parties and the party lists of its contests.
//! - `Election`: one per contest, because `BallotCounts` belong to an Election, not to a
//!   contest, and each contest has its own ballot paper. It holds the contest (PartyContest
//!   or CandidateContest), its `Candidate`s, and `BallotCounts` per unit and source
//!   (`BallotsCast` = valid + invalid, `BallotsRejected` = invalid).
//! - `VoteCounts` per selection, unit (station, every area level, the country) and source.
//!   **Sources**: the official count has `Type` `total`; every other copy of the result forms
//!   has `Type` `other` and `OtherType` the source's name (`party:<id>`,
//!   `observer:<organisation>`). A reader that knows nothing of sources sums `total` and gets
//!   the official result.
//!
//! Per-form figures the format has no place for (registered voters as written on each copy,
//! ballots received, issued, spoiled and unused) are not carried; the CSV export has them.
//!
//! # How a file is read
//!
//! [`import`] takes the station-level counts of one source (`total`, or `other` with a given
//! `OtherType`) and returns one form per station and contest. A unit is a station when its
//! `Type` is `polling-place` or `precinct`; counts of other units (area totals) are skipped.
//! Codes are matched through `ExternalIdentifier`s of `Type` `national-level`, or the `@id`
//! when there is none: units to stations, contests to contests, parties and candidates to
//! choices. Valid ballots are the sum of the votes; invalid ballots are `BallotsRejected`,
//! or else `BallotsCast` minus the valid ones, or else 0. Every problem is an error naming
//! its JSON path, such as `$.Election[0].Contest[0].ContestSelection[1].VoteCounts[5].Count`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::tally::{ContestKind, Counts, Level, Tally};

/// The largest count a file may carry: beyond it JSON numbers are not exact.
pub const MAX_COUNT: u64 = (1 << 53) - 1;

// ------------------------------------------------------------------ the model

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ElectionReport {
    #[serde(rename = "@type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub election: Vec<Election>,
    /// `precinct-level` or `summary-contest`.
    pub format: String,
    /// Date and time with zone, e.g. `2024-05-01T12:00:00Z`.
    pub generated_date: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gp_unit: Vec<GpUnit>,
    pub issuer: String,
    pub issuer_abbreviation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub party: Vec<Party>,
    pub sequence_end: i64,
    pub sequence_start: i64,
    /// A ResultsStatus: `certified`, `unofficial-complete`, `unofficial-partial`...
    pub status: String,
    pub vendor_application_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Election {
    #[serde(rename = "@type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ballot_counts: Vec<BallotCounts>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidate: Vec<Candidate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contest: Vec<Contest>,
    pub election_scope_id: String,
    pub end_date: String,
    pub name: InternationalizedText,
    pub start_date: String,
    /// An ElectionType: `general`, `primary`, `runoff`...
    #[serde(rename = "Type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InternationalizedText {
    #[serde(rename = "@type")]
    pub type_: String,
    pub text: Vec<LanguageString>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LanguageString {
    #[serde(rename = "@type")]
    pub type_: String,
    pub content: String,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ExternalIdentifier {
    #[serde(rename = "@type")]
    pub type_: String,
    /// An IdentifierType: `national-level`, `local-level`, `ocd-id`, `other`...
    #[serde(rename = "Type")]
    pub kind: String,
    pub value: String,
}

/// A ReportingUnit or a ReportingDevice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GpUnit {
    #[serde(rename = "@id")]
    pub id: String,
    #[serde(rename = "@type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub composing_gp_unit_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_identifier: Vec<ExternalIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<InternationalizedText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_type: Option<String>,
    /// A ReportingUnitType (ReportingUnit only).
    #[serde(default, rename = "Type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters_registered: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Party {
    #[serde(rename = "@id")]
    pub id: String,
    #[serde(rename = "@type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_identifier: Vec<ExternalIdentifier>,
    pub name: InternationalizedText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Candidate {
    #[serde(rename = "@id")]
    pub id: String,
    #[serde(rename = "@type")]
    pub type_: String,
    pub ballot_name: InternationalizedText,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_identifier: Vec<ExternalIdentifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_id: Option<String>,
}

/// A PartyContest or a CandidateContest (the other contest classes are read only far enough
/// to refuse them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Contest {
    #[serde(rename = "@id")]
    pub id: String,
    #[serde(rename = "@type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contest_selection: Vec<ContestSelection>,
    pub election_district_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub external_identifier: Vec<ExternalIdentifier>,
    pub name: String,
    /// CandidateContest only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_elected: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vote_variation: Option<String>,
    /// CandidateContest only, where it is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub votes_allowed: Option<u64>,
}

/// A PartySelection or a CandidateSelection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContestSelection {
    #[serde(rename = "@id")]
    pub id: String,
    #[serde(rename = "@type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidate_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub party_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_order: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vote_counts: Vec<VoteCounts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoteCounts {
    #[serde(rename = "@type")]
    pub type_: String,
    /// The schema allows any number; [`import`] takes whole numbers from 0 to [`MAX_COUNT`].
    pub count: serde_json::Number,
    pub gp_unit_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_type: Option<String>,
    /// A CountItemType: `total`, `other`, `election-day`...
    #[serde(rename = "Type")]
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BallotCounts {
    #[serde(rename = "@type")]
    pub type_: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballots_cast: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballots_rejected: Option<u64>,
    pub gp_unit_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_type: Option<String>,
    #[serde(rename = "Type")]
    pub kind: String,
}

const T_REPORT: &str = "ElectionResults.ElectionReport";
const T_ELECTION: &str = "ElectionResults.Election";
const T_TEXT: &str = "ElectionResults.InternationalizedText";
const T_LANG: &str = "ElectionResults.LanguageString";
const T_EXTID: &str = "ElectionResults.ExternalIdentifier";
const T_UNIT: &str = "ElectionResults.ReportingUnit";
const T_PARTY: &str = "ElectionResults.Party";
const T_CANDIDATE: &str = "ElectionResults.Candidate";
const T_PARTY_CONTEST: &str = "ElectionResults.PartyContest";
const T_CANDIDATE_CONTEST: &str = "ElectionResults.CandidateContest";
const T_PARTY_SELECTION: &str = "ElectionResults.PartySelection";
const T_CANDIDATE_SELECTION: &str = "ElectionResults.CandidateSelection";
const T_VOTE_COUNTS: &str = "ElectionResults.VoteCounts";
const T_BALLOT_COUNTS: &str = "ElectionResults.BallotCounts";

/// The identifier type under which units, contests, parties and candidates carry their codes.
pub const CODE_TYPE: &str = "national-level";

fn text(s: &str, language: &str) -> InternationalizedText {
    InternationalizedText {
        type_: T_TEXT.into(),
        text: vec![LanguageString {
            type_: T_LANG.into(),
            content: s.into(),
            language: language.into(),
        }],
    }
}

fn code(value: &str) -> Vec<ExternalIdentifier> {
    vec![ExternalIdentifier {
        type_: T_EXTID.into(),
        kind: CODE_TYPE.into(),
        value: value.into(),
    }]
}

/// An object's code: its national-level identifier, or else its `@id`.
fn code_of<'a>(ids: &'a [ExternalIdentifier], id: &'a str) -> &'a str {
    ids.iter()
        .find(|e| e.kind == CODE_TYPE)
        .map_or(id, |e| e.value.as_str())
}

/// The count type of a source: `total` for the official count, `other` otherwise.
pub fn count_type(source: &str) -> (&'static str, Option<String>) {
    if source == "official" {
        ("total", None)
    } else {
        ("other", Some(source.to_string()))
    }
}

// ------------------------------------------------------------------ export

/// Seconds since 1970-01-01 as the report's generation time, `YYYY-MM-DDThh:mm:ssZ`.
pub fn utc_timestamp(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// What [`export`] needs besides the tally.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// The election day, `YYYY-MM-DD` (the format requires one; the election record has none).
    pub date: String,
    /// When the report was made: date and time with zone.
    pub generated: String,
    pub issuer: String,
    pub issuer_abbreviation: String,
    /// Names the program, e.g. `scrutineer 0.1.0`.
    pub vendor: String,
    pub notes: Option<String>,
    /// The finest level whose units get counts (coarser levels always do).
    pub finest: Level,
    /// Only this contest.
    pub contest: Option<String>,
    /// Only this source's counts.
    pub source: Option<String>,
    /// BCP 47 tag for names; `und` when unknown.
    pub language: String,
}

impl ExportOptions {
    pub fn new(date: &str, generated: &str, issuer: &str, vendor: &str) -> ExportOptions {
        ExportOptions {
            date: date.into(),
            generated: generated.into(),
            issuer: issuer.into(),
            issuer_abbreviation: issuer.into(),
            vendor: vendor.into(),
            notes: None,
            finest: Level::Station,
            contest: None,
            source: None,
            language: "und".into(),
        }
    }
}

fn unit_id(level: Level, code: &str) -> String {
    match level {
        Level::Country => "gpu-country".into(),
        Level::Area(_) => format!("gpu-area-{code}"),
        Level::Station => format!("gpu-station-{code}"),
    }
}

/// Checks `YYYY-MM-DD` (the schema's `date` format).
fn check_date(date: &str) -> Result<(), String> {
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let ok = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && {
        let m: u32 = date[5..7].parse().unwrap_or(0);
        let d: u32 = date[8..10].parse().unwrap_or(0);
        digits(8..10) && (1..=12).contains(&m) && (1..=31).contains(&d)
    };
    if ok {
        Ok(())
    } else {
        Err(format!("{date:?} is not a date written YYYY-MM-DD"))
    }
}

/// The report's status: certified when every constituency of every contest exported is
/// certified, complete when every station of every constituency has an official form,
/// partial otherwise.
fn status(tally: &Tally, contests: &[&crate::tally::Contest]) -> &'static str {
    let certified: BTreeSet<(&str, &str)> = tally
        .certified
        .iter()
        .map(|(c, a)| (c.as_str(), a.as_str()))
        .collect();
    if contests.iter().all(|c| {
        !c.constituencies.is_empty()
            && c.constituencies
                .iter()
                .all(|a| certified.contains(&(c.id.as_str(), a.as_str())))
    }) {
        return "certified";
    }
    let official: BTreeSet<(&str, &str)> = tally
        .forms
        .iter()
        .filter(|f| f.source == "official")
        .map(|f| (f.station.as_str(), f.contest.as_str()))
        .collect();
    let complete = contests.iter().all(|c| {
        tally
            .stations_in(&c.constituencies)
            .iter()
            .all(|s| official.contains(&(*s, c.id.as_str())))
    });
    if complete && !tally.stations.is_empty() {
        "unofficial-complete"
    } else {
        "unofficial-partial"
    }
}

/// Writes a tally as an ElectionReport; see the module documentation for the layout.
pub fn export(tally: &Tally, o: &ExportOptions) -> Result<ElectionReport, String> {
    check_date(&o.date)?;
    let contests: Vec<&crate::tally::Contest> = match &o.contest {
        None => tally.contests.iter().collect(),
        Some(id) => vec![
            tally
                .contests
                .iter()
                .find(|c| &c.id == id)
                .ok_or_else(|| format!("unknown contest {id:?}"))?,
        ],
    };
    let levels = tally.levels_down_to(o.finest);
    let lang = o.language.as_str();

    // The units, top down, each listing the units one level below it.
    let mut gp_unit = Vec::new();
    for (i, &level) in levels.iter().enumerate() {
        let below = levels.get(i + 1).copied();
        let children: Vec<crate::tally::Unit> = match below {
            Some(b) => tally.units(b)?,
            None => Vec::new(),
        };
        let registered = tally.registered(level)?;
        for u in tally.units(level)? {
            let composing: Vec<String> = children
                .iter()
                .filter(|c| level == Level::Country || c.parent.as_deref() == Some(&u.code))
                .map(|c| unit_id(below.expect("children have a level"), &c.code))
                .collect();
            let (kind, other_type) = match level {
                Level::Country => ("country", None),
                Level::Area(_) => ("other", Some(tally.level_name(level).to_string())),
                Level::Station => ("polling-place", None),
            };
            let name = match level {
                Level::Station if u.name.is_empty() => u.code.clone(),
                _ => u.name.clone(),
            };
            gp_unit.push(GpUnit {
                id: unit_id(level, &u.code),
                type_: T_UNIT.into(),
                composing_gp_unit_ids: composing,
                external_identifier: if level == Level::Country {
                    Vec::new()
                } else {
                    code(&u.code)
                },
                name: Some(text(&name, lang)),
                other_type,
                kind: Some(kind.into()),
                voters_registered: registered.get(&u.code).copied().flatten(),
            });
        }
    }

    // Parties: the election's, then any party list not among them.
    let mut parties: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut add_party = |id: &str, name: &str| {
        if !parties.contains_key(id) {
            parties.insert(id.to_string(), name.to_string());
            order.push(id.to_string());
        }
    };
    for p in &tally.parties {
        add_party(&p.id, &p.name);
    }
    for c in &contests {
        for ch in &c.choices {
            match (c.kind, &ch.party) {
                (ContestKind::PartyList, p) => add_party(p.as_deref().unwrap_or(&ch.id), &ch.name),
                (ContestKind::Candidates, Some(p)) => add_party(p, p),
                (ContestKind::Candidates, None) => {}
            }
        }
    }
    let party: Vec<Party> = order
        .iter()
        .map(|id| Party {
            id: format!("party-{id}"),
            type_: T_PARTY.into(),
            external_identifier: code(id),
            name: text(&parties[id], lang),
        })
        .collect();

    let mut election = Vec::new();
    for c in &contests {
        let mut selections: Vec<ContestSelection> = c
            .choices
            .iter()
            .enumerate()
            .map(|(i, ch)| {
                let (type_, party_ids, candidate_ids) = match c.kind {
                    ContestKind::PartyList => (
                        T_PARTY_SELECTION,
                        vec![format!("party-{}", ch.party.as_deref().unwrap_or(&ch.id))],
                        Vec::new(),
                    ),
                    ContestKind::Candidates => (
                        T_CANDIDATE_SELECTION,
                        Vec::new(),
                        vec![format!("cand-{}-{}", c.id, ch.id)],
                    ),
                };
                ContestSelection {
                    id: format!("sel-{}-{}", c.id, ch.id),
                    type_: type_.into(),
                    candidate_ids,
                    party_ids,
                    sequence_order: Some(i as u64 + 1),
                    vote_counts: Vec::new(),
                }
            })
            .collect();
        let mut ballot_counts = Vec::new();
        for &level in &levels {
            for row in tally.rows(level, Some(&c.id), o.source.as_deref())? {
                let gp = unit_id(level, &row.code);
                let (kind, other_type) = count_type(&row.source);
                for (ch, sel) in c.choices.iter().zip(selections.iter_mut()) {
                    let n = row.counts.votes.get(&ch.id).copied().unwrap_or(0);
                    sel.vote_counts.push(VoteCounts {
                        type_: T_VOTE_COUNTS.into(),
                        count: n.into(),
                        gp_unit_id: gp.clone(),
                        other_type: other_type.clone(),
                        kind: kind.into(),
                    });
                }
                ballot_counts.push(BallotCounts {
                    type_: T_BALLOT_COUNTS.into(),
                    ballots_cast: Some(row.counts.valid.saturating_add(row.counts.invalid)),
                    ballots_rejected: Some(row.counts.invalid),
                    gp_unit_id: gp,
                    other_type,
                    kind: kind.into(),
                });
            }
        }
        let candidate: Vec<Candidate> = match c.kind {
            ContestKind::PartyList => Vec::new(),
            ContestKind::Candidates => c
                .choices
                .iter()
                .map(|ch| Candidate {
                    id: format!("cand-{}-{}", c.id, ch.id),
                    type_: T_CANDIDATE.into(),
                    ballot_name: text(&ch.name, lang),
                    external_identifier: code(&ch.id),
                    party_id: ch.party.as_ref().map(|p| format!("party-{p}")),
                })
                .collect(),
        };
        let (type_, votes_allowed, number_elected, vote_variation) = match c.kind {
            ContestKind::PartyList => (T_PARTY_CONTEST, None, None, Some("proportional".into())),
            ContestKind::Candidates => (
                T_CANDIDATE_CONTEST,
                Some(1),
                (c.seats > 0).then_some(c.seats),
                None,
            ),
        };
        election.push(Election {
            type_: T_ELECTION.into(),
            ballot_counts,
            candidate,
            contest: vec![Contest {
                id: format!("contest-{}", c.id),
                type_: type_.into(),
                contest_selection: selections,
                election_district_id: unit_id(Level::Country, ""),
                external_identifier: code(&c.id),
                name: c.name.clone(),
                number_elected,
                vote_variation,
                votes_allowed,
            }],
            election_scope_id: unit_id(Level::Country, ""),
            end_date: o.date.clone(),
            name: text(&tally.election, lang),
            start_date: o.date.clone(),
            kind: "general".into(),
        });
    }

    Ok(ElectionReport {
        type_: T_REPORT.into(),
        election,
        format: if o.finest == Level::Station {
            "precinct-level"
        } else {
            "summary-contest"
        }
        .into(),
        generated_date: o.generated.clone(),
        gp_unit,
        issuer: o.issuer.clone(),
        issuer_abbreviation: o.issuer_abbreviation.clone(),
        notes: o.notes.clone(),
        party,
        sequence_end: 1,
        sequence_start: 1,
        status: status(tally, &contests).into(),
        vendor_application_id: o.vendor.clone(),
    })
}

// ------------------------------------------------------------------ import

/// What is wrong with a CDF file, and where (a JSON path from `$`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct CdfError {
    pub path: String,
    pub message: String,
}

fn err<T>(path: impl Into<String>, message: impl Into<String>) -> Result<T, CdfError> {
    Err(CdfError {
        path: path.into(),
        message: message.into(),
    })
}

/// Parses a CDF JSON document; type errors name the JSON path.
pub fn parse(bytes: &[u8]) -> Result<ElectionReport, CdfError> {
    // serde would read an array positionally into the report; say what is wrong instead.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        None => return err("$", "the file is empty"),
        Some(_) => return err("$", "a CDF document is a JSON object (an ElectionReport)"),
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let report: ElectionReport = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        // A path ends in "?" where the parser lost track (truncated or broken JSON); then
        // the line and column serde_json gives are the better guide, so they stay.
        let full = e.path().to_string();
        let known = full.trim_end_matches('?').trim_end_matches('.');
        let mut message = e.into_inner().to_string();
        if known == full
            && !known.is_empty()
            && let Some(i) = message.rfind(" at line ")
        {
            message.truncate(i);
        }
        CdfError {
            path: if known.is_empty() {
                "$".into()
            } else if known.starts_with('[') {
                format!("${known}")
            } else {
                format!("$.{known}")
            },
            message,
        }
    })?;
    de.end().map_err(|e| CdfError {
        path: "$".into(),
        message: e.to_string(),
    })?;
    if report.type_ != T_REPORT {
        return err(
            "$.@type",
            format!("is {:?}, not {T_REPORT:?}", report.type_),
        );
    }
    Ok(report)
}

/// One station's form for one contest, read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedForm {
    pub station: String,
    pub contest: String,
    pub counts: Counts,
    /// Where the station's first count is in the file, for messages.
    pub path: String,
}

/// What [`import`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Sorted by station, then contest.
    pub forms: Vec<ImportedForm>,
    /// Counts of the chosen source at units that are not stations (area totals), not used.
    pub aggregate_counts: u64,
    /// Counts of other sources, not used.
    pub other_counts: u64,
}

/// A count as a whole number in 0..=MAX_COUNT.
fn whole(n: &serde_json::Number, path: &str) -> Result<u64, CdfError> {
    if let Some(v) = n.as_u64() {
        if v > MAX_COUNT {
            return err(path, format!("{v} is larger than 2^53 - 1"));
        }
        return Ok(v);
    }
    if let Some(v) = n.as_i64() {
        return err(path, format!("a count cannot be negative ({v})"));
    }
    match n.as_f64() {
        Some(v) if v < 0.0 => err(path, format!("a count cannot be negative ({n})")),
        Some(v) if v.fract() == 0.0 && v <= MAX_COUNT as f64 => Ok(v as u64),
        Some(v) if v.fract() == 0.0 => err(path, format!("{n} is larger than 2^53 - 1")),
        _ => err(path, format!("{n} is not a whole number of votes")),
    }
}

/// One station's votes in one contest while a file is read.
struct Acc {
    votes: BTreeMap<String, u64>,
    invalid: Option<u64>,
    /// Where its first count is.
    path: String,
}

struct UnitInfo<'a> {
    /// The station's code, for a station unit.
    station: Option<&'a str>,
}

/// Reads the station-level counts of `source` (`official` reads `Type` `total`; any other
/// name reads `Type` `other` with that `OtherType`) from a CDF document into forms for the
/// stations and contests of `target`. Nothing is returned unless the whole file is right.
pub fn import(report: &ElectionReport, target: &Tally, source: &str) -> Result<Imported, CdfError> {
    let stations: BTreeSet<&str> = target.stations.iter().map(|s| s.code.as_str()).collect();
    let wanted = count_type(source);
    let matches = |kind: &str, other: &Option<String>| {
        kind == wanted.0 && (wanted.1.is_none() || *other == wanted.1)
    };

    let mut units: HashMap<&str, UnitInfo> = HashMap::new();
    for (i, u) in report.gp_unit.iter().enumerate() {
        let path = format!("$.GpUnit[{i}]");
        if u.type_ != T_UNIT && u.type_ != "ElectionResults.ReportingDevice" {
            return err(
                format!("{path}.@type"),
                format!("{:?} is not a ReportingUnit or ReportingDevice", u.type_),
            );
        }
        let is_station = u.type_ == T_UNIT
            && matches!(u.kind.as_deref(), Some("polling-place") | Some("precinct"));
        let info = UnitInfo {
            station: is_station.then(|| code_of(&u.external_identifier, &u.id)),
        };
        if units.insert(u.id.as_str(), info).is_some() {
            return err(
                format!("{path}.@id"),
                format!("a second GpUnit with @id {:?}", u.id),
            );
        }
    }
    let parties: HashMap<&str, &Party> = report.party.iter().map(|p| (p.id.as_str(), p)).collect();

    // A unit reference: Ok(Some(station)) for a station of the election, Ok(None) for another
    // unit, an error for a unit the file does not declare or a station the election lacks.
    let station_of = |id: &str, path: &str| -> Result<Option<String>, CdfError> {
        match units.get(id) {
            None => err(
                path,
                format!("unknown GpUnit {id:?}: no unit in $.GpUnit has this @id"),
            ),
            Some(UnitInfo { station: None }) => Ok(None),
            Some(UnitInfo {
                station: Some(code),
            }) => {
                if stations.contains(code) {
                    Ok(Some(code.to_string()))
                } else {
                    err(
                        path,
                        format!(
                            "GpUnit {id:?} is station {code:?}, which is not a station of this election"
                        ),
                    )
                }
            }
        }
    };

    let mut votes: BTreeMap<(String, String), Acc> = BTreeMap::new();
    let mut first_path: HashMap<(String, String, String), String> = HashMap::new();
    let mut aggregate_counts = 0u64;
    let mut other_counts = 0u64;
    let mut found_types: BTreeSet<String> = BTreeSet::new();

    for (ei, e) in report.election.iter().enumerate() {
        let epath = format!("$.Election[{ei}]");
        if e.type_ != T_ELECTION {
            return err(
                format!("{epath}.@type"),
                format!("is {:?}, not {T_ELECTION:?}", e.type_),
            );
        }
        let candidates: HashMap<&str, &Candidate> =
            e.candidate.iter().map(|c| (c.id.as_str(), c)).collect();
        let mut contests_here: Vec<String> = Vec::new();
        for (ci, c) in e.contest.iter().enumerate() {
            let cpath = format!("{epath}.Contest[{ci}]");
            let ccode = code_of(&c.external_identifier, &c.id);
            let Some(tc) = target.contests.iter().find(|t| t.id == ccode) else {
                let known: Vec<&str> = target.contests.iter().map(|t| t.id.as_str()).collect();
                return err(
                    cpath,
                    format!(
                        "contest {ccode:?} is not a contest of this election ({})",
                        known.join(", ")
                    ),
                );
            };
            let (want_contest, want_selection) = match tc.kind {
                ContestKind::PartyList => (T_PARTY_CONTEST, T_PARTY_SELECTION),
                ContestKind::Candidates => (T_CANDIDATE_CONTEST, T_CANDIDATE_SELECTION),
            };
            if c.type_ != want_contest {
                return err(
                    format!("{cpath}.@type"),
                    format!(
                        "is {:?}, but contest {:?} is a {want_contest}",
                        c.type_, tc.id
                    ),
                );
            }
            contests_here.push(tc.id.clone());
            let mut seen: BTreeMap<&str, String> = BTreeMap::new();
            for (si, s) in c.contest_selection.iter().enumerate() {
                let spath = format!("{cpath}.ContestSelection[{si}]");
                if s.type_ != want_selection {
                    return err(
                        format!("{spath}.@type"),
                        format!("is {:?}, not {want_selection:?}", s.type_),
                    );
                }
                // The choice this selection stands for.
                let (field, refs) = match tc.kind {
                    ContestKind::PartyList => ("PartyIds", &s.party_ids),
                    ContestKind::Candidates => ("CandidateIds", &s.candidate_ids),
                };
                if refs.len() != 1 {
                    return err(
                        format!("{spath}.{field}"),
                        format!(
                            "names {} entries; a selection must stand for exactly one choice",
                            refs.len()
                        ),
                    );
                }
                let rpath = format!("{spath}.{field}[0]");
                let choice_code = match tc.kind {
                    ContestKind::PartyList => match parties.get(refs[0].as_str()) {
                        Some(p) => code_of(&p.external_identifier, &p.id),
                        None => {
                            return err(
                                rpath,
                                format!(
                                    "unknown Party {:?}: no party in $.Party has this @id",
                                    refs[0]
                                ),
                            );
                        }
                    },
                    ContestKind::Candidates => match candidates.get(refs[0].as_str()) {
                        Some(c) => code_of(&c.external_identifier, &c.id),
                        None => {
                            return err(
                                rpath,
                                format!(
                                    "unknown Candidate {:?}: no candidate in {epath}.Candidate has this @id",
                                    refs[0]
                                ),
                            );
                        }
                    },
                };
                let choice = tc
                    .choices
                    .iter()
                    .find(|ch| ch.id == choice_code)
                    .or_else(|| {
                        let by_party: Vec<_> = tc
                            .choices
                            .iter()
                            .filter(|ch| {
                                tc.kind == ContestKind::PartyList
                                    && ch.party.as_deref() == Some(choice_code)
                            })
                            .collect();
                        (by_party.len() == 1).then(|| by_party[0])
                    });
                let Some(choice) = choice else {
                    let known: Vec<&str> = tc.choices.iter().map(|c| c.id.as_str()).collect();
                    return err(
                        rpath,
                        format!(
                            "{choice_code:?} is not a choice in contest {:?} ({})",
                            tc.id,
                            known.join(", ")
                        ),
                    );
                };
                if let Some(earlier) = seen.insert(choice.id.as_str(), spath.clone()) {
                    return err(
                        spath,
                        format!("choice {:?} was already given at {earlier}", choice.id),
                    );
                }
                for (vi, v) in s.vote_counts.iter().enumerate() {
                    let vpath = format!("{spath}.VoteCounts[{vi}]");
                    if v.type_ != T_VOTE_COUNTS {
                        return err(
                            format!("{vpath}.@type"),
                            format!("is {:?}, not {T_VOTE_COUNTS:?}", v.type_),
                        );
                    }
                    // Every count must be sound, whichever source it is.
                    let station = station_of(&v.gp_unit_id, &format!("{vpath}.GpUnitId"))?;
                    let n = whole(&v.count, &format!("{vpath}.Count"))?;
                    found_types.insert(match &v.other_type {
                        Some(o) if v.kind == "other" => format!("other:{o}"),
                        _ => v.kind.clone(),
                    });
                    if !matches(&v.kind, &v.other_type) {
                        other_counts += 1;
                        continue;
                    }
                    let Some(station) = station else {
                        aggregate_counts += 1;
                        continue;
                    };
                    let key = (station.clone(), tc.id.clone(), choice.id.clone());
                    if let Some(earlier) = first_path.get(&key) {
                        return err(
                            vpath,
                            format!(
                                "a second {source} count for station {station:?}, choice {:?} (the first is at {earlier})",
                                choice.id
                            ),
                        );
                    }
                    first_path.insert(key, vpath.clone());
                    votes
                        .entry((station, tc.id.clone()))
                        .or_insert_with(|| Acc {
                            votes: BTreeMap::new(),
                            invalid: None,
                            path: vpath.clone(),
                        })
                        .votes
                        .insert(choice.id.clone(), n);
                }
            }
        }

        // Ballots of this Election's stations, for each of its contests.
        let mut ballots: HashMap<String, (Option<u64>, Option<u64>, String)> = HashMap::new();
        for (bi, b) in e.ballot_counts.iter().enumerate() {
            let bpath = format!("{epath}.BallotCounts[{bi}]");
            if b.type_ != T_BALLOT_COUNTS {
                return err(
                    format!("{bpath}.@type"),
                    format!("is {:?}, not {T_BALLOT_COUNTS:?}", b.type_),
                );
            }
            let station = station_of(&b.gp_unit_id, &format!("{bpath}.GpUnitId"))?;
            if !matches(&b.kind, &b.other_type) {
                continue;
            }
            let Some(station) = station else { continue };
            for (field, v) in [
                ("BallotsCast", b.ballots_cast),
                ("BallotsRejected", b.ballots_rejected),
            ] {
                if let Some(v) = v
                    && v > MAX_COUNT
                {
                    return err(
                        format!("{bpath}.{field}"),
                        format!("{v} is larger than 2^53 - 1"),
                    );
                }
            }
            if let Some((_, _, earlier)) = ballots.get(&station) {
                return err(
                    bpath,
                    format!(
                        "a second {source} BallotCounts for station {station:?} (the first is at {earlier})"
                    ),
                );
            }
            ballots.insert(station, (b.ballots_cast, b.ballots_rejected, bpath));
        }
        for (station, (cast, rejected, bpath)) in &ballots {
            for contest in &contests_here {
                let Some(acc) = votes.get_mut(&(station.clone(), contest.clone())) else {
                    continue;
                };
                let valid: u64 = acc.votes.values().fold(0u64, |a, b| a.saturating_add(*b));
                acc.invalid = Some(match (rejected, cast) {
                    (Some(r), _) => *r,
                    (None, Some(cast)) if *cast >= valid => cast - valid,
                    (None, Some(cast)) => {
                        return err(
                            format!("{bpath}.BallotsCast"),
                            format!(
                                "{cast} ballots cast, but the votes for contest {contest:?} add up to {valid}"
                            ),
                        );
                    }
                    (None, None) => 0,
                });
            }
        }
    }

    let mut forms = Vec::with_capacity(votes.len());
    for ((station, contest), acc) in votes {
        let Acc {
            votes: choice_votes,
            invalid,
            path,
        } = acc;
        let mut valid: u64 = 0;
        for n in choice_votes.values() {
            valid = valid
                .checked_add(*n)
                .filter(|v| *v <= MAX_COUNT)
                .ok_or_else(|| CdfError {
                    path: path.clone(),
                    message: format!("the votes at station {station:?} add up past 2^53 - 1"),
                })?;
        }
        forms.push(ImportedForm {
            station,
            contest,
            counts: Counts {
                valid,
                invalid: invalid.unwrap_or(0),
                votes: choice_votes,
                ..Counts::default()
            },
            path,
        });
    }
    if forms.is_empty() {
        let found: Vec<String> = found_types.into_iter().collect();
        return err(
            "$",
            format!(
                "no station counts of source {source:?} ({}) in the file{}",
                match &wanted.1 {
                    None => "Type \"total\"".to_string(),
                    Some(o) => format!("Type \"other\", OtherType {o:?}"),
                },
                if found.is_empty() {
                    String::new()
                } else {
                    format!("; it has counts of {}", found.join(", "))
                }
            ),
        );
    }
    Ok(Imported {
        forms,
        aggregate_counts,
        other_counts,
    })
}

#[cfg(test)]
mod timestamp_tests {
    #[test]
    fn generation_times_are_civil_utc() {
        assert_eq!(super::utc_timestamp(0), "1970-01-01T00:00:00Z");
        // A leap day, and the last second of a century year that is a leap year.
        assert_eq!(super::utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::utc_timestamp(978_307_199), "2000-12-31T23:59:59Z");
        assert_eq!(super::utc_timestamp(1_374_969_600), "2013-07-28T00:00:00Z");
    }
}
