//! An election's status, a replay's result and the headline numbers, as `status` and
//! `replay` print them.

use super::outln;
use crate::summary::{Headline, Replayed, Status};

/// `scrutineer status`.
pub fn status(s: &Status) -> String {
    let mut o = String::new();
    let rule = &s.rule;
    outln!(o, "{} ({} entries in the log)", s.election, s.entries);
    outln!(
        o,
        "rule: {} approvals from at least {} parties{}",
        rule.min_approvals,
        rule.min_parties,
        if rule.every_party_asked {
            ", every party asked"
        } else {
            ""
        }
    );
    outln!(o, "commission:");
    for (name, person, party, revoked) in &s.members {
        outln!(
            o,
            "  {name:<24} {:<28} {}{}",
            person.as_deref().unwrap_or(""),
            party.as_deref().unwrap_or("(consensus)"),
            if *revoked { "  REVOKED" } else { "" }
        );
    }
    let voters: u64 = s.roll.iter().map(|r| r.voters).sum();
    let stations: u64 = s.roll.iter().map(|r| r.stations).sum();
    outln!(
        o,
        "roll: {voters} voters at {stations} stations in {} areas",
        s.roll.len()
    );
    if s.pending.is_empty() {
        outln!(o, "nothing is pending approval");
    }
    for p in &s.pending {
        outln!(
            o,
            "pending {} ({}, by {}, entry {}): {}",
            &p.id[..16],
            p.action,
            p.author,
            p.index,
            p.reason
        );
        if p.staged > 0 {
            outln!(o, "  stages {} entries", p.staged);
        }
        outln!(
            o,
            "  approved by {} of {} needed ({}), from {} of {} parties needed{}",
            p.approvals.len(),
            rule.min_approvals,
            if p.approvals.is_empty() {
                "nobody yet".to_string()
            } else {
                p.approvals.join(", ")
            },
            p.parties.len(),
            rule.min_parties,
            if p.rejections.is_empty() {
                String::new()
            } else {
                format!("; rejected by {}", p.rejections.join(", "))
            }
        );
    }
    o
}

/// `scrutineer replay`: what was checked, the digest against the published one, the
/// refusals (the first 20), then the headline numbers.
pub fn replayed(r: &Replayed) -> String {
    let mut o = String::new();
    let size = r.entries;
    outln!(
        o,
        "replayed {} entries of {} (checkpoint cosigned by {} witness(es))",
        size,
        r.origin,
        r.cosigned_by
    );
    outln!(o, "state digest {}", r.digest);
    match &r.published {
        Some(Ok((s, d))) if *s == size && *d == r.digest => {
            outln!(
                o,
                "  matches the digest the commission published for this size"
            )
        }
        Some(Ok((s, d))) if *s == size => {
            outln!(o, "  DIFFERS from the digest the commission published: {d}")
        }
        Some(Ok((s, _))) => outln!(
            o,
            "  the commission's published digest is for size {s}, not {size}; nothing to compare"
        ),
        Some(Err(e)) => outln!(o, "  the published digest cannot be read: {e}"),
        None => outln!(o, "  no digest was published beside the checkpoint"),
    }
    if r.refused.is_empty() {
        outln!(o, "every entry passed every check");
    } else {
        outln!(
            o,
            "{} entries were refused (and not applied):",
            r.refused.len()
        );
        for refusal in r.refused.iter().take(20) {
            outln!(o, "  {refusal}");
        }
    }
    o.push_str(&headline(&r.headline));
    o
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let cut: String = s.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

/// The roll by area, the totals by source and the seats, each after a blank line.
pub fn headline(h: &Headline) -> String {
    let mut o = String::new();
    if !h.roll.is_empty() {
        outln!(o, "\nregistered voters by area:");
        for r in &h.roll {
            // Where an area's code is its name (as in files without codes), say it once.
            let label = if r.name == r.area {
                r.area.clone()
            } else {
                format!("{} {}", r.area, r.name)
            };
            outln!(
                o,
                "  {:<35} {:>10} on the roll {:>10} published {:>6} stations",
                truncate(&label, 35),
                r.voters,
                r.registered,
                r.stations
            );
        }
        let voters: u64 = h.roll.iter().map(|r| r.voters).sum();
        let registered: u64 = h.roll.iter().map(|r| r.registered).sum();
        outln!(
            o,
            "  {:<35} {voters:>10} on the roll {registered:>10} published",
            "total"
        );
    }
    if !h.totals.is_empty() {
        outln!(o, "\nresult totals by source:");
        for t in &h.totals {
            let votes: Vec<String> = t.votes.iter().map(|(k, v)| format!("{k} {v}")).collect();
            outln!(
                o,
                "  {} {:<24} {:>7} forms  valid {:>10}  invalid {:>8}  {}{}",
                t.contest,
                t.source,
                t.forms,
                t.valid,
                t.invalid,
                votes.join(", "),
                if t.flagged == 0 {
                    String::new()
                } else {
                    format!(
                        "  ({} of the forms flagged, {} valid ballots on them)",
                        t.flagged, t.flagged_valid
                    )
                }
            );
        }
    }
    for s in &h.seats {
        if s.seats.is_empty() && s.ties.is_empty() {
            continue;
        }
        let ties: Vec<String> = s.ties.iter().map(|t| t.words()).collect();
        outln!(
            o,
            "\nseats in {} ({}, {} constituencies{}): {}{}",
            s.contest,
            s.method,
            s.constituencies,
            if s.missing.is_empty() {
                String::new()
            } else {
                format!(", {} without official forms", s.missing.len())
            },
            s.split(),
            if ties.is_empty() {
                String::new()
            } else {
                format!(
                    "; not counted: {}, which only the commission's rule can settle",
                    ties.join("; ")
                )
            }
        );
    }
    o
}
