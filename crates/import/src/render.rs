//! What an import did, in plain text as the command line prints it. A front end adds its own
//! lines (what members must run to approve a proposal) through `next`.

use crate::{BadRow, ResultsReport, RollReport, StationsReport};
use std::fmt::Write as _;
use std::path::Path;

/// A station's sync: what was recorded and the alerts it raised.
pub fn sync(r: &crate::SyncReport) -> String {
    let mut o = String::new();
    match &r.span {
        None => {
            let _ = writeln!(
                o,
                "station {}: this sync ({} check-ins, batch {}) was recorded before; nothing new",
                r.station, r.checkins, r.batch
            );
        }
        Some(span) => {
            let _ = writeln!(
                o,
                "station {}: recorded {} check-ins from {} (batch {}, log entries {span}); {} alert(s)",
                r.station,
                r.checkins,
                r.file.display(),
                r.batch,
                r.alerts.len()
            );
        }
    }
    for a in &r.alerts {
        let _ = writeln!(o, "  {}", a.describe());
    }
    o
}

/// One line per bad row: `  FILE:LINE: FIELD: REASON`.
pub fn bad_lines(file: &Path, bad: &[BadRow]) -> Vec<String> {
    bad.iter()
        .map(|b| format!("  {}:{}: {}: {}", file.display(), b.line, b.field, b.reason))
        .collect()
}

/// The bad rows that refused a file, one line each (none for any other error).
pub fn error_lines(e: &crate::Error) -> Vec<String> {
    match e {
        crate::Error::BadRows { file, bad } => bad_lines(file, bad),
        _ => Vec::new(),
    }
}

/// The rows left out, listed before what was recorded.
fn left_out(o: &mut String, file: &Path, bad: &[BadRow]) {
    if !bad.is_empty() {
        let _ = writeln!(o, "left out {} rows that cannot be taken:", bad.len());
        for l in bad_lines(file, bad) {
            let _ = writeln!(o, "{l}");
        }
    }
}

fn left_out_note(o: &mut String, bad: &[BadRow]) {
    if !bad.is_empty() {
        let _ = writeln!(o, "left out {} rows (listed above)", bad.len());
    }
}

/// A stations import; `next` follows (what members do about the proposal).
pub fn stations(r: &StationsReport, file: &Path, next: &str) -> String {
    let mut o = String::new();
    left_out(&mut o, file, &r.left_out);
    let _ = writeln!(
        o,
        "proposed {} new areas and {} stations ({} registered voters) as proposal {} (log entries {})",
        r.areas, r.stations, r.registered, r.proposal, r.span
    );
    left_out_note(&mut o, &r.left_out);
    o.push_str(next);
    o
}

/// A roll import; `next` follows a proposal (what members do about it).
pub fn roll(r: &RollReport, file: &Path, next: &str) -> String {
    let mut o = String::new();
    left_out(&mut o, file, &r.left_out);
    match &r.proposal {
        Some(id) => {
            let _ = writeln!(
                o,
                "proposed the registration of {} voters as proposal {id} (log entries {}): above the bulk threshold of {}",
                r.voters, r.span, r.threshold
            );
            left_out_note(&mut o, &r.left_out);
            o.push_str(next);
        }
        None => {
            let _ = writeln!(o, "registered {} voters (log entries {})", r.voters, r.span);
            left_out_note(&mut o, &r.left_out);
        }
    }
    if r.with_private > 0 {
        let _ = writeln!(
            o,
            "the salts and private fields of {} voters are in {}: the commission keeps this file; it is never published, and without it the commitments cannot be opened",
            r.with_private,
            r.private_file.display()
        );
    }
    o
}

/// A results import: the forms recorded, and their totals with each choice's share.
pub fn results(r: &ResultsReport, file: &Path) -> String {
    let mut o = String::new();
    left_out(&mut o, file, &r.left_out);
    let _ = writeln!(
        o,
        "recorded {} {} result forms for contest {} from the {:?} copy in {} (log entries {})",
        r.forms,
        r.source,
        r.contest,
        r.from,
        file.display(),
        r.span
    );
    left_out_note(&mut o, &r.left_out);
    if r.no_copy > 0 {
        let _ = writeln!(
            o,
            "{} rows have no votes in this copy: no form for those stations",
            r.no_copy
        );
    }
    if r.total_differs > 0 {
        let _ = writeln!(
            o,
            "{} forms give a total that is not valid + invalid; valid and invalid were recorded as given",
            r.total_differs
        );
    }
    if r.flagged > 0 {
        let _ = writeln!(
            o,
            "{} forms do not add up (more ballots counted than issued, received or registered, or votes that are not the valid ballots): recorded and flagged publicly",
            r.flagged
        );
    }
    let _ = writeln!(o, "  valid {}, invalid {}", r.valid, r.invalid);
    let cast = r.valid + r.invalid;
    for (c, n) in &r.votes {
        let share = if cast > 0 {
            100.0 * *n as f64 / cast as f64
        } else {
            0.0
        };
        let _ = writeln!(o, "  {c:<24} {n:>12} ({share:.2}% of valid + invalid)");
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Span;

    #[test]
    fn results_list_the_rows_left_out_then_the_totals_with_shares() {
        let r = ResultsReport {
            forms: 2,
            source: "official".into(),
            contest: "na".into(),
            from: "official".into(),
            span: Span { first: 5, last: 7 },
            no_copy: 1,
            total_differs: 0,
            valid: 300,
            invalid: 100,
            votes: [("A".to_string(), 200), ("B".to_string(), 100)].into(),
            flagged: 0,
            left_out: vec![BadRow {
                line: 4,
                field: "votes A".into(),
                reason: "not a number".into(),
            }],
        };
        let text = results(&r, Path::new("r.csv"));
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "left out 1 rows that cannot be taken:",
                "  r.csv:4: votes A: not a number",
                "recorded 2 official result forms for contest na from the \"official\" copy in r.csv (log entries 5..7)",
                "left out 1 rows (listed above)",
                "1 rows have no votes in this copy: no form for those stations",
                "  valid 300, invalid 100",
                "  A                                 200 (50.00% of valid + invalid)",
                "  B                                 100 (25.00% of valid + invalid)",
            ]
        );
    }
}
