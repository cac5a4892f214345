//! Public-seed audits' reports as text.

use ledger::event::DrawPlan;

use super::outln;
use crate::Provenance;
use crate::audit::{ListReport, ShowReport};
use crate::text::group;

/// "Election: NAME (KIND PATH, N entries)".
pub fn election_line(o: &mut String, p: &Provenance) {
    outln!(
        o,
        "Election: {} ({} {}{})",
        p.name,
        p.kind,
        p.path,
        p.entries
            .map_or(String::new(), |n| format!(", {} entries", group(n)))
    );
}

/// The audits recorded in an election.
pub fn list(report: &ListReport) -> String {
    let mut o = String::new();
    election_line(&mut o, &report.election);
    if report.audits.is_empty() {
        outln!(o, "No audits are recorded.");
    }
    for a in &report.audits {
        outln!(
            o,
            "{}: by {}, committed at entry {}, {}; {} round(s), {} draws",
            a.audit,
            a.author,
            group(a.committed_at),
            a.revealed_at.map_or("seed not revealed".to_string(), |i| {
                format!("seed revealed at entry {}", group(i))
            }),
            a.rounds,
            a.draws
        );
        outln!(o, "  {}", a.purpose.lines().next().unwrap_or("").trim());
    }
    o
}

/// An audit checked end to end; `draw_options` words the committed draw for the reader.
pub fn show(r: &ShowReport, draw_options: Option<&str>) -> String {
    let mut o = String::new();
    outln!(o, "Audit {}", r.audit);
    election_line(&mut o, &r.election);
    outln!(
        o,
        "Committed at entry {} by {}: commitment {}",
        group(r.committed_at),
        r.author,
        r.commitment
    );
    for line in r.purpose.lines() {
        outln!(o, "  purpose: {line}");
    }
    match (&r.draw, draw_options) {
        (Some(_), Some(d)) => outln!(o, "  the seed draws: scrutineer {d}"),
        (Some(d), None) => outln!(o, "  the seed draws: {d}"),
        (None, _) => outln!(
            o,
            "  the commitment records no draw parameters: the samples cannot be redone here"
        ),
    }
    match (&r.seed, &r.salt, r.revealed_at) {
        (Some(seed), Some(salt), Some(at)) => {
            outln!(
                o,
                "Seed revealed at entry {}: {seed} ({} dice), salt {salt}",
                group(at),
                seed.len()
            );
            outln!(
                o,
                "  the seed and salt match the commitment: {}",
                if r.seed_matches_commitment == Some(true) {
                    "yes"
                } else {
                    "NO"
                }
            );
        }
        _ => outln!(o, "Seed: not revealed yet"),
    }
    if let (Some(contest), Some(n)) = (
        r.draw.as_ref().and_then(DrawPlan::contest),
        r.official_forms_after_commitment,
    ) {
        if n == 0 {
            outln!(
                o,
                "No official form of contest {contest} was recorded or approved after the commitment."
            );
        } else {
            outln!(
                o,
                "Note: {n} official forms of contest {contest} were recorded or approved after the commitment{}; \
                 the draw is redone from the forms as they are now",
                r.official_forms_after_reveal
                    .map_or(String::new(), |m| format!(" ({m} after the reveal)"))
            );
        }
    }
    if r.rounds.is_empty() && r.revealed_at.is_some() {
        outln!(o, "No sample is recorded yet.");
    }
    for round in &r.rounds {
        let range = match round.first {
            Some(f) => format!("draws {}-{}", f, f + round.draws.len() as u64 - 1),
            None => format!("{} draws", round.draws.len()),
        };
        outln!(
            o,
            "Round {} recorded at entry {}: {range} ({} draws)",
            round.round,
            group(round.entry),
            round.draws.len()
        );
        let shown: Vec<&str> = round.draws.iter().take(12).map(String::as_str).collect();
        outln!(
            o,
            "  {}{}",
            shown.join(", "),
            if round.draws.len() > shown.len() {
                format!(
                    ", ... ({} more; --json lists them all)",
                    round.draws.len() - shown.len()
                )
            } else {
                String::new()
            }
        );
        match (round.matches_fresh_draw, &round.difference) {
            (Some(true), _) => outln!(
                o,
                "  a fresh draw from the seed gives the same sample, in the same order"
            ),
            (Some(false), Some(d)) | (None, Some(d)) => {
                outln!(o, "  DIFFERS from a fresh draw: {d}")
            }
            _ => outln!(o, "  not checked"),
        }
    }
    if r.problems.is_empty() {
        if r.seed_matches_commitment == Some(true) {
            outln!(o, "Every check passes.");
        }
    } else {
        outln!(o, "{} problem(s):", r.problems.len());
        for p in &r.problems {
            outln!(o, "  {p}");
        }
    }
    o
}
