//! Public flags: evidence that something is wrong, recorded beside the entry that shows it.
//!
//! The rule of the record is "refuse the unauthentic, record the suspicious": an entry that is
//! authentic, authorised and well formed is taken even when its content is evidence of a
//! problem (a result form whose numbers do not add up, a claimed time later than the
//! witnesses saw the entry), and the fold raises a flag for it. A flag is a row of the `flag`
//! table, in the state digest, so replay raises exactly the same flags. The kinds are short
//! stable words, listed in [`KINDS`] and explained in `docs/flags.md`.
//!
//! A flag is written only when raised, so that clean entries cost nothing more to fold.

use super::*;

/// Every kind of flag this module's callers raise, with what it means.
pub const KINDS: &[(&str, &str)] = &[
    (
        "votes_not_valid",
        "a result form's votes do not add up to its valid ballots",
    ),
    (
        "counted_over_issued",
        "a result form counts more ballots (valid + invalid) than it says were issued",
    ),
    (
        "counted_over_received",
        "a result form counts more ballots than the station received",
    ),
    (
        "used_over_received",
        "a result form's issued, spoiled and unused ballots exceed those received",
    ),
    (
        "counted_over_registered",
        "a result form counts more ballots than the station has registered voters",
    ),
    (
        "claimed_time_after_witness",
        "an event claims a time later than the witnesses' time of a checkpoint that already covered it",
    ),
    (
        "observer_out_of_form",
        "an observer's report has answers that do not fit its form (out of range, not an option, missing)",
    ),
    (
        "observer_quality_check",
        "an observer's report fails a quality check its form declares",
    ),
    (
        "observer_conflict",
        "an observer's checklist differs from another observer's of the same station, form and version",
    ),
    (
        "sms_unknown_sender",
        "an SMS came from a number no gateway registered for an observer",
    ),
    (
        "complaint_investigation_overdue",
        "a recorded checkpoint's witness time is past a complaint's deadline to open an investigation, and none was opened nor the complaint decided",
    ),
    (
        "complaint_decision_overdue",
        "a recorded checkpoint's witness time is past a complaint's deadline to decide, and it was not decided",
    ),
    (
        "complaint_investigation_late",
        "the first decision on a complaint (an investigation opened, or a decision without one) was first witnessed after the deadline to open an investigation",
    ),
    (
        "complaint_decision_late",
        "a complaint was upheld or dismissed by a decision first witnessed after its deadline to decide",
    ),
];

/// A flag to raise.
pub(crate) struct Flag<'a> {
    /// The entry flagged.
    pub idx: u64,
    pub kind: &'static str,
    pub station: Option<&'a str>,
    pub area: Option<&'a str>,
    pub detail: serde_json::Value,
}

/// Records `flag`, raised while folding the entry at `raised_at`. A second flag of the same
/// kind on the same entry adds nothing: the first stands.
pub(crate) fn raise(conn: &Connection, raised_at: u64, flag: Flag) -> Check<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO flag(idx, kind, raised_at, station, area, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .map_err(sql)?
    .execute(params![
        flag.idx as i64,
        flag.kind,
        raised_at as i64,
        flag.station,
        flag.area,
        flag.detail.to_string()
    ])
    .map_err(sql)?;
    Ok(())
}
