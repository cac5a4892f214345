//! A roll's deduplication as text.

use super::outln;
use crate::roll::Report;

/// The summary, the model's heaviest evidence and the first pairs with their explanations.
pub fn dedup(r: &Report, show: usize) -> String {
    let mut o = String::new();
    let s = &r.summary;
    outln!(
        o,
        "{} records, {} candidate pairs; {} pairs at p >= {} in {} clusters.",
        s.records,
        s.candidate_pairs,
        s.duplicate_pairs,
        s.threshold,
        s.clusters
    );
    if s.skipped_blocks > 0 {
        outln!(
            o,
            "{} blocks larger than the limit were skipped ({} pairs not compared there).",
            s.skipped_blocks,
            s.skipped_pairs
        );
    }
    for (rule, pairs) in &s.skipped_rules {
        outln!(
            o,
            "Blocking rule {rule} left out: it would compare {pairs} pairs in a roll this size."
        );
    }
    if r.unreadable > 0 {
        outln!(
            o,
            "{} unreadable cells taken as missing; the first:",
            r.unreadable
        );
        for u in &r.unreadable_first {
            outln!(o, "  {u}");
        }
    }
    outln!(
        o,
        "Prior (two random records are the same person): {:.3e}; EM ran {} iterations; u from {} random pairs.",
        r.model.prior,
        r.model.iterations,
        r.model.random_pairs
    );
    for p in r.pairs.iter().take(show) {
        let why: Vec<String> = p
            .agreements
            .iter()
            .map(|a| format!("{} {} ({:+.1})", a.field, a.level, a.weight))
            .collect();
        outln!(
            o,
            "{} ~ {}  p={:.4}{}  {}",
            p.a,
            p.b,
            p.probability,
            if p.swapped { " names swapped" } else { "" },
            why.join(", ")
        );
    }
    if r.pairs.len() > show {
        outln!(
            o,
            "... and {} more pairs (--out writes them all).",
            r.pairs.len() - show
        );
    }
    o
}
