//! Ballot reconciliation as text: the totals, each gap on a line, then each area's summary,
//! level by level.

use super::outln;
use crate::reconcile::{GAP_KINDS, Reconciliation};

pub fn reconciliation(r: &Reconciliation) -> String {
    let mut o = String::new();
    let place = match &r.area {
        Some((code, name)) => format!("{name} ({code})"),
        None => "the whole election".to_string(),
    };
    outln!(
        o,
        "Ballot reconciliation of {place}: {} stations, {} official forms; {} gap(s) at {} station(s)",
        r.stations,
        r.forms,
        r.gaps.len(),
        r.stations_with_gaps()
    );
    outln!(
        o,
        "  {} station(s) without an official form; {} form(s) without the ballot-accounting fields (not gaps); {} station(s) without the poll book (issued not compared with check-ins)",
        r.without_form.len(),
        r.without_accounting.len(),
        r.without_poll_book
    );
    if !r.without_accounting.is_empty() {
        outln!(
            o,
            "  without the ballot-accounting fields: {}",
            r.without_accounting.join(", ")
        );
    }
    if !r.gaps.is_empty() {
        outln!(o, "\nGaps, by station:");
        for g in &r.gaps {
            outln!(o, "  {}", g.describe());
        }
    }
    for level in &r.levels {
        let rows: Vec<_> = r.by_area.iter().filter(|a| &a.level == level).collect();
        if rows.is_empty() {
            continue;
        }
        outln!(
            o,
            "\nBy {level} (stations, forms, without accounting, stations with gaps, then gaps and ballots of each kind: {}):",
            GAP_KINDS.join(", ")
        );
        for a in rows {
            let kinds: Vec<String> = GAP_KINDS
                .iter()
                .map(|k| {
                    format!(
                        "{} ({})",
                        a.gaps.get(k).unwrap_or(&0),
                        a.ballots.get(k).unwrap_or(&0)
                    )
                })
                .collect();
            outln!(
                o,
                "  {} {}  {}  {}  {}  {}  {}",
                a.area,
                a.name,
                a.stations,
                a.forms,
                a.without_accounting,
                a.stations_with_gaps,
                kinds.join("  ")
            );
        }
    }
    o
}
