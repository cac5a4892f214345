//! Complaints as text: counts by status, then each complaint with its place, status,
//! deadlines by witness time, decisions and reasons.

use super::outln;
use crate::complaints::Complaints;
use ledger::report::utc;

pub fn complaints(c: &Complaints) -> String {
    let mut o = String::new();
    let place = match &c.area {
        Some((code, name)) => format!(" about {name} ({code})"),
        None => String::new(),
    };
    let total: u64 = c.by_status.values().sum();
    let counts: Vec<String> = c
        .by_status
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    outln!(
        o,
        "{total} complaint(s){place}: {}; {} overdue; {} acted on or decided late",
        if counts.is_empty() {
            "none".to_string()
        } else {
            counts.join(", ")
        },
        c.overdue,
        c.decided_late
    );
    if c.overdue_only {
        outln!(o, "Overdue (waiting past a deadline, by witness time):");
    }
    for r in &c.complaints {
        let place = r.station.as_deref().unwrap_or(&r.area);
        outln!(
            o,
            "\nComplaint {} by {} about {place} ({}): {}{}",
            r.index,
            r.author,
            r.category,
            r.status.replace('_', " "),
            if r.overdue() { ", OVERDUE" } else { "" }
        );
        outln!(o, "  {}", r.text);
        if !r.evidence.is_empty() {
            outln!(o, "  evidence: {}", r.evidence.join(", "));
        }
        match (r.witnessed, r.investigate_by, r.decide_by) {
            (Some(w), Some(i), Some(d)) => outln!(
                o,
                "  witnessed {}; to be acted on by {}, decided by {}",
                utc(w),
                utc(i),
                utc(d)
            ),
            _ => outln!(
                o,
                "  not yet witnessed: its deadlines start when a checkpoint covers it"
            ),
        }
        for (at, what) in [
            (
                r.investigation_overdue_at,
                "nothing done by the deadline to open an investigation",
            ),
            (r.decision_overdue_at, "not decided by the deadline"),
        ] {
            if let Some(at) = at {
                outln!(o, "  {what} (checkpoint at entry {at})");
            }
        }
        for (step, late) in [
            (&r.investigation, r.acted_late),
            (&r.decision, r.decided_late),
        ] {
            if let Some(s) = step {
                outln!(
                    o,
                    "  {} at entry {} (proposal {}){}: {}",
                    s.status.replace('_', " "),
                    s.index,
                    s.proposal,
                    if late == Some(true) { ", LATE" } else { "" },
                    s.reason
                );
            }
        }
    }
    o
}
