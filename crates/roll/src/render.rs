//! The roll's answers and reports as plain text, as the command line prints them (the server
//! renders its own): a "find my name" answer, and a roll diff.

use crate::diff::RollDiff;
use crate::index::Found;
use std::fmt::Write as _;

/// The voters a "find my name" query found, best first, one a line: voter id, the name in both
/// scripts as the roll has it, sex and birth year, station and area, and how it matched.
pub fn found(query: &str, found: &[Found]) -> String {
    let mut out = String::new();
    if found.is_empty() {
        let _ = writeln!(out, "No voter found for \"{query}\".");
        return out;
    }
    let _ = writeln!(
        out,
        "{} voter{} found for \"{query}\", best first:",
        found.len(),
        if found.len() == 1 { "" } else { "s" }
    );
    for f in found {
        let how = match f.edits {
            0 => "exact".to_owned(),
            1 => "1 edit".to_owned(),
            n => format!("{n} edits"),
        };
        let order = if f.swapped { ", names swapped" } else { "" };
        let latin = format!("{} {}", f.family_latin, f.given_latin);
        let _ = writeln!(
            out,
            "  {}  {} {} ({})  {} {}  station {}  area {}  [{how}{order}]",
            f.voter,
            f.family,
            f.given,
            latin.trim(),
            f.sex,
            f.birth_year,
            f.station,
            f.area,
        );
    }
    out
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |x| format!("{:.2}%", x * 100.0))
}

/// A roll diff: the totals, the flag rule and its figures, the flagged areas, a line per
/// area with its vote shares, and who approved the removals. `title` says between what.
pub fn diff(title: &str, r: &RollDiff) -> String {
    let mut o = String::new();
    let t = &r.totals;
    let _ = writeln!(o, "Roll changes {title}");
    let _ = writeln!(
        o,
        "  voters {} -> {}: {} added, {} removed ({}), {} moved between areas, {} between stations of an area, {} edited",
        t.before,
        t.after,
        t.additions,
        t.removals,
        pct(t.removal_rate),
        t.moved_in,
        t.moved_within,
        t.edits
    );
    if !t.reasons.is_empty() {
        let reasons: Vec<String> = t.reasons.iter().map(|(k, n)| format!("{k} {n}")).collect();
        let _ = writeln!(o, "  removals by reason: {}", reasons.join(", "));
    }
    let _ = writeln!(
        o,
        "Removal rates: median {}, MAD {}, pooled {}; an area is flagged when its score exceeds {} with at least {} removals (areas of {}+ voters scored)",
        pct(r.median_rate),
        pct(r.mad),
        pct(r.pooled_rate),
        r.rule.k,
        r.rule.min_removals,
        r.rule.min_roll
    );
    if r.flagged.is_empty() {
        let _ = writeln!(o, "No area's removal rate stands out.");
    } else {
        let _ = writeln!(
            o,
            "FLAGGED: {} area(s) whose removal rate stands far above the rest: {}",
            r.flagged.len(),
            r.flagged.join(", ")
        );
    }
    // The choices with the most votes over all areas, as share columns.
    let mut weight: std::collections::BTreeMap<&str, f64> = Default::default();
    for a in &r.areas {
        for (c, s) in &a.shares {
            *weight.entry(c).or_default() += s * (a.before + a.after) as f64;
        }
    }
    let mut choices: Vec<(&str, f64)> = weight.into_iter().collect();
    choices.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    choices.truncate(3);
    let _ = write!(
        o,
        "\n{:<12} {:>8} {:>8} {:>7} {:>8} {:>8} {:>7} {:>9} {:>6}",
        "area", "before", "after", "added", "removed", "rate", "score", "in/out", "edits"
    );
    for (c, _) in &choices {
        let _ = write!(o, " {:>7}", c);
    }
    let _ = writeln!(o);
    for a in &r.areas {
        let _ = write!(
            o,
            "{:<12} {:>8} {:>8} {:>7} {:>8} {:>8} {:>7} {:>9} {:>6}",
            a.area,
            a.before,
            a.after,
            a.additions,
            a.removals,
            pct(a.removal_rate),
            a.score.map_or("-".into(), |z| format!("{z:.1}")),
            format!("{}/{}", a.moved_in, a.moved_out),
            a.edits
        );
        for (c, _) in &choices {
            let _ = write!(
                o,
                " {:>7}",
                a.shares
                    .get(*c)
                    .map_or("-".into(), |s| format!("{:.1}%", s * 100.0))
            );
        }
        let _ = writeln!(o, "{}", if a.flagged { "  FLAGGED" } else { "" });
    }
    if !r.approvals.is_empty() {
        let _ = writeln!(o, "\nRemovals and who approved them:");
        for p in &r.approvals {
            let who: Vec<String> = p
                .approvers
                .iter()
                .map(|a| match &a.party {
                    Some(party) => format!("{} ({party})", a.member),
                    None => a.member.clone(),
                })
                .collect();
            let _ = writeln!(
                o,
                "  proposal {}: {} voter(s) in {} area(s), approved by {}",
                &p.proposal[..p.proposal.len().min(16)],
                p.removals,
                p.areas.len(),
                if who.is_empty() {
                    "nobody recorded".into()
                } else {
                    who.join(", ")
                }
            );
        }
    }
    let unapproved = r
        .removed
        .iter()
        .filter(|x| x.record.proposal.is_none())
        .count();
    if unapproved > 0 {
        let _ = writeln!(
            o,
            "{unapproved} removal(s) with no approval on record (a snapshot diff records none)"
        );
    }
    o
}
