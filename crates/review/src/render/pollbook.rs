//! The poll book as text: alerts by kind, each alert on a line, the stations where temporary
//! cards without a document make up a share of the check-ins, and cards per officer and commune.

use super::{outln, percent};
use crate::pollbook::PollBook;
use ledger::report::pollbook::CardCount;

/// The whole poll book review.
pub fn poll_book(p: &PollBook) -> String {
    let mut o = String::new();
    outln!(
        o,
        "{} check-ins at {} stations; {} alert(s)",
        p.checkins(),
        p.stations.len(),
        p.alerts.len()
    );
    for (kind, n) in &p.counts {
        outln!(o, "  {n:>8}  {kind}");
    }
    if !p.alerts.is_empty() {
        outln!(o, "\nAlerts, in log order:");
        for a in &p.alerts {
            outln!(o, "  {}", a.describe());
        }
    }
    let carded: Vec<_> = p.stations.iter().filter(|s| s.cards > 0).collect();
    if !carded.is_empty() {
        outln!(
            o,
            "\nStations with check-ins on temporary cards (station, check-ins, cards, without a document, share):"
        );
        for s in carded {
            outln!(
                o,
                "  {}  {}  {}  {}  {}",
                s.station,
                s.checkins,
                s.cards,
                s.cards_without_document,
                percent(s.cards_without_document as f64 / s.checkins as f64)
            );
        }
    }
    cards(&mut o, "officer", &p.cards_by_officer);
    cards(&mut o, "commune", &p.cards_by_commune);
    o
}

fn cards(o: &mut String, what: &str, rows: &[CardCount]) {
    if rows.is_empty() {
        return;
    }
    outln!(
        o,
        "\nTemporary cards by {what} (issued, without a document, two witnesses, other, above the threshold unapproved, approved by the commission):"
    );
    for c in rows {
        outln!(
            o,
            "  {}  {}  {}  {}  {}  {}  {}",
            c.key,
            c.issued,
            c.without_document,
            c.two_witnesses,
            c.other,
            c.over_threshold,
            c.approved
        );
    }
}
