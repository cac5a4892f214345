//! The observers' record as text: forms and their versions, checklists per form and point of
//! the day, incidents by category and severity, merged records with their conflicting fields,
//! SMS counts and each message's reply, and the flags.

use super::outln;
use crate::observer::Observers;
use observer::merge::Merged;

/// The whole observers' review.
pub fn observers(r: &Observers) -> String {
    let mut o = String::new();
    outln!(
        o,
        "Forms recorded (organisation, prefix, version, kind, entry):"
    );
    if r.forms.is_empty() {
        outln!(o, "  none");
    }
    for f in &r.forms {
        outln!(
            o,
            "  {}  {} v{}  {}{}  entry {}{}",
            f.organisation,
            f.prefix,
            f.version,
            f.kind,
            f.schedule
                .as_deref()
                .map_or(String::new(), |s| format!(" ({s})")),
            f.index,
            if f.superseded { "  superseded" } else { "" }
        );
    }
    if !r.checklists.is_empty() {
        outln!(
            o,
            "\nChecklists (organisation, form, point of the day, signed, by SMS, stations):"
        );
        for c in &r.checklists {
            outln!(
                o,
                "  {}  {} v{}  {}  {}  {}  {}",
                c.organisation,
                c.form,
                c.version,
                c.schedule,
                c.signed,
                c.sms,
                c.stations
            );
        }
    }
    if !r.incidents.is_empty() {
        outln!(
            o,
            "\nIncidents (organisation, form, category, severity, count):"
        );
        for i in &r.incidents {
            outln!(
                o,
                "  {}  {}  {} {}  {}  {}",
                i.organisation,
                i.form,
                i.category,
                i.label,
                i.severity,
                i.incidents
            );
        }
    }
    if !r.merged.is_empty() {
        outln!(
            o,
            "\nMerged records of stations with two or more observers:"
        );
        for m in &r.merged {
            let master = &m.master;
            outln!(
                o,
                "  {} {} v{} at {} ({}): {} observers ({}); {}",
                m.organisation,
                master.form,
                master.version,
                master.station,
                master.schedule.as_str(),
                master.observers.len(),
                master.observers.join(", "),
                if master.conflicts.is_empty() {
                    "they agree".to_string()
                } else {
                    format!("conflicting fields: {}", master.conflicts.join(", "))
                }
            );
            for tag in &master.conflicts {
                if let Some(Merged::Conflict { answers }) = master.fields.get(tag) {
                    let each: Vec<String> = answers
                        .iter()
                        .map(|(who, v)| format!("{who} {v}"))
                        .collect();
                    outln!(o, "      {tag}: {}", each.join("; "));
                }
            }
        }
    }
    let s = &r.sms;
    if s.received > 0 {
        outln!(
            o,
            "\nSMS: {} received, {} accepted, {} accepted with flags, {} refused, {} repeats counted once, {} from unregistered numbers",
            s.received,
            s.accepted,
            s.flagged,
            s.refused,
            s.repeats,
            s.unknown_sender
        );
        for m in &r.messages {
            outln!(
                o,
                "  entry {} #{} {} {}: {}\n    {}: {}",
                m.index,
                m.seq,
                observer::messages::format_time(m.received_at as i64),
                &m.sender[..8.min(m.sender.len())],
                m.text.trim(),
                m.status,
                m.reply
            );
        }
    }
    outln!(o, "\nFlags: {}", r.flags.len());
    for (kind, n) in &r.flag_counts {
        outln!(o, "  {n:>8}  {kind}");
    }
    for f in &r.flags {
        outln!(
            o,
            "  entry {}: {}{}: {}",
            f.index,
            f.kind,
            f.station
                .as_deref()
                .map_or(String::new(), |s| format!(" at {s}")),
            f.detail["message"].as_str().unwrap_or("")
        );
    }
    o
}
