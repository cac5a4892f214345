//! The checks of election day beyond the poll book: the observers' reports (conflicting
//! checklists, failed quality checks, answers that do not fit the form, messages from unknown
//! numbers, incidents by severity), complaints and their deadlines, and the ballot
//! reconciliation of each station's official form against its check-ins.

use std::collections::BTreeMap;

use ledger::report::FlagFilter;
use review::Review;
use review::render::group;

use crate::{Check, Finding, state, svg};

/// A flag's reports (`detail.reports`): each one's station, when it names one, and what is
/// wrong with it in words (the checks it fails with their rules, or the problems).
fn flagged_reports(flag: &ledger::report::Flag) -> Vec<(Option<String>, String)> {
    let Some(reports) = flag.detail.get("reports").and_then(|r| r.as_array()) else {
        return vec![(flag.station.clone(), String::new())];
    };
    let text = |v: &serde_json::Value, key: &str| {
        v.get(key)
            .and_then(|s| s.as_str())
            .unwrap_or_default()
            .to_string()
    };
    reports
        .iter()
        .map(|r| {
            let station = r
                .get("station")
                .and_then(|s| s.as_str())
                .map(str::to_string);
            let mut what: Vec<String> = Vec::new();
            for c in r
                .get("checks")
                .and_then(|c| c.as_array())
                .into_iter()
                .flatten()
            {
                what.push(format!(
                    "fails the check {} ({})",
                    text(c, "check"),
                    text(c, "rule")
                ));
            }
            for p in r
                .get("problems")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
            {
                what.extend(p.as_str().map(str::to_string));
            }
            let by = text(r, "observer");
            let words = if by.is_empty() {
                what.join("; ")
            } else {
                format!("observer {by}: {}", what.join("; "))
            };
            (station, words)
        })
        .collect()
}

// ---------------------------------------------------------------- observers

pub(crate) fn observers(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "Observers' checklists, incidents and SMS",
        "Every checklist and incident report observers filed, signed or by SMS: two observers \
         of one organisation at one station whose checklists differ (the differing fields, \
         each observer's answer), checklists that fail a quality check of their form or do not \
         fit it, messages from numbers no gateway registered, and every incident, by severity.",
        "docs/observer-forms.md (merged records, quality checks, SMS) and docs/flags.md",
    );
    let conn = review.conn();
    let reports = state(ledger::report::observer::reports(conn))?;
    if reports.is_empty() {
        return Ok(c.skipped("the record holds no observer report"));
    }
    // The entries of each observer's checklists at a station, for the evidence.
    let mut at_station: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
    let mut incidents: BTreeMap<String, u64> = BTreeMap::new();
    for r in &reports {
        match &r.report {
            ledger::report::observer::Report::Checklist(k) => at_station
                .entry((k.station.clone(), k.form.clone()))
                .or_default()
                .push(r.index),
            ledger::report::observer::Report::Incident(i) => {
                let severity = serde_json::to_value(i.severity)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                *incidents.entry(severity.clone()).or_default() += 1;
                let subject = i.station.clone().unwrap_or(format!("entry {}", r.index));
                c.findings.push(Finding {
                    kind: "incident".into(),
                    subject: subject.clone(),
                    text: format!(
                        "{subject}: {severity} incident (category {}, {} channel) by {}: {}",
                        i.category, r.channel, i.observer, i.text
                    ),
                    entries: vec![r.index],
                });
            }
        }
    }
    for m in state(ledger::report::observer::merged(conn))? {
        let master = &m.master;
        if master.conflicts.is_empty() {
            continue;
        }
        let mut words = Vec::new();
        for tag in &master.conflicts {
            if let Some(observer::merge::Merged::Conflict { answers }) = master.fields.get(tag) {
                let each: Vec<String> = answers.iter().map(|(o, v)| format!("{o} {v}")).collect();
                words.push(format!("{tag}: {}", each.join(" against ")));
            }
        }
        let mut entries = at_station
            .get(&(master.station.clone(), master.form.clone()))
            .cloned()
            .unwrap_or_default();
        entries.sort_unstable();
        entries.dedup();
        c.findings.push(Finding {
            kind: "observer_conflict".into(),
            subject: master.station.clone(),
            text: format!(
                "{}: {}'s {} checklists ({} observers) differ on {}: {}",
                master.station,
                m.organisation,
                master.form,
                master.observers.len(),
                master.conflicts.join(", "),
                words.join("; ")
            ),
            entries,
        });
    }
    // Failed quality checks, answers that do not fit, unknown senders: one finding per
    // station (or message), from the flags, whose entries may pack many SMS.
    let mut by: BTreeMap<(String, String), (Vec<u64>, Vec<String>)> = BTreeMap::new();
    for kind in [
        "observer_quality_check",
        "observer_out_of_form",
        "sms_unknown_sender",
    ] {
        let filter = FlagFilter {
            kind: Some(kind),
            ..Default::default()
        };
        for f in state(ledger::report::flags(conn, &filter))? {
            if kind == "sms_unknown_sender" {
                let senders = f
                    .detail
                    .get("senders")
                    .and_then(|s| s.as_array())
                    .cloned()
                    .unwrap_or_default();
                for s in senders.iter().filter_map(|s| s.as_str()) {
                    let subject = format!("sender {}", &s[..s.len().min(16)]);
                    let e = by.entry((kind.into(), subject)).or_default();
                    e.0.push(f.index);
                    e.1.push(format!(
                        "a message from the number whose HMAC is {s}, which no gateway \
                         registered for an observer: recorded, not counted"
                    ));
                }
                continue;
            }
            for (station, words) in flagged_reports(&f) {
                let subject = station.unwrap_or(format!("entry {}", f.index));
                let e = by.entry((kind.into(), subject)).or_default();
                e.0.push(f.index);
                if !words.is_empty() && !e.1.contains(&words) {
                    e.1.push(words);
                }
            }
        }
    }
    for ((kind, subject), (mut entries, words)) in by {
        entries.sort_unstable();
        entries.dedup();
        c.findings.push(Finding {
            text: format!("{subject}: {}", words.join("; ")),
            kind,
            subject,
            entries,
        });
    }
    let o = review::observer::observers(review).map_err(|e| e.to_string())?;
    let signed: u64 = o.checklists.iter().map(|k| k.signed).sum();
    let sms: u64 = o.checklists.iter().map(|k| k.sms).sum();
    let conflicts = o.merged.iter().filter(|m| !m.master.conflicts.is_empty());
    c.summary.push(format!(
        "{} checklists ({} signed, {} by SMS); {} stations with two or more observers, \
         {} of them with conflicting answers; {} SMS received: {} counted, {} refused with a \
         reply, {} repeats counted once, {} from unregistered numbers.",
        group(signed + sms),
        group(signed),
        group(sms),
        group(o.merged.len() as u64),
        group(conflicts.count() as u64),
        group(o.sms.received),
        group(o.sms.accepted + o.sms.flagged),
        group(o.sms.refused),
        group(o.sms.repeats),
        group(o.sms.unknown_sender)
    ));
    let severities = ["critical", "high", "medium", "low"];
    let told: Vec<String> = severities
        .iter()
        .filter_map(|s| incidents.get(*s).map(|n| format!("{n} {s}")))
        .collect();
    c.summary.push(if told.is_empty() {
        "No incident was reported.".into()
    } else {
        format!("Incidents by severity: {}.", told.join(", "))
    });
    if !incidents.is_empty() {
        let rows: Vec<(String, f64)> = severities
            .iter()
            .map(|s| (s.to_string(), *incidents.get(*s).unwrap_or(&0) as f64))
            .collect();
        c.plots.push((
            svg::bars(
                &svg::Frame::new("Incidents by severity", "incidents", ""),
                &rows,
                &[0],
            ),
            "Incident reports by the severity the observer gave (critical in red).".into(),
        ));
    }
    Ok(c)
}

// ---------------------------------------------------------------- complaints

pub(crate) fn complaints(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "Complaints and their deadlines",
        "Every complaint filed by party agents and observers, what the commission decided and \
         why, and its deadlines judged by witness time (the recorded checkpoints' cosigned \
         times, never a claimed time): a complaint still waiting past a deadline, a decision \
         first witnessed after its deadline, and a decision proposed without the approvals \
         the rule needs, which has no effect.",
        "docs/complaints.md (decisions, deadlines and witness time)",
    );
    let conn = review.conn();
    let all = state(ledger::report::complaints(conn, None))?;
    if all.is_empty() {
        return Ok(c.skipped("no complaint was filed"));
    }
    let place = |k: &ledger::report::ComplaintRecord| {
        k.station
            .clone()
            .unwrap_or_else(|| format!("area {}", k.area))
    };
    let utc = |t: Option<u64>| t.map_or("-".into(), ledger::report::utc);
    for k in &all {
        let at = place(k);
        let mut entries = vec![k.index];
        entries.extend(k.investigation_overdue_at);
        entries.extend(k.decision_overdue_at);
        if k.overdue() {
            c.findings.push(Finding {
                kind: "complaint_overdue".into(),
                subject: at.clone(),
                text: format!(
                    "{at}: complaint {} ({}, by {}: \"{}\") is {}; witnessed {}, to be acted on \
                     by {} and decided by {}; the checkpoint at entry {} showed the deadline \
                     passed",
                    k.index,
                    k.category,
                    k.author,
                    k.text,
                    k.status,
                    utc(k.witnessed),
                    utc(k.investigate_by),
                    utc(k.decide_by),
                    k.decision_overdue_at
                        .or(k.investigation_overdue_at)
                        .unwrap_or(k.index)
                ),
                entries: entries.clone(),
            });
        }
        if k.acted_late == Some(true) || k.decided_late == Some(true) {
            entries.extend(k.investigation.iter().chain(&k.decision).map(|s| s.index));
            c.findings.push(Finding {
                kind: "complaint_decided_late".into(),
                subject: at.clone(),
                text: format!(
                    "{at}: complaint {} was {} after its deadline, by witness time",
                    k.index, k.status
                ),
                entries,
            });
        }
    }
    for p in state(ledger::report::pending_decisions(conn))? {
        let Some(k) = all.iter().find(|k| k.index == p.complaint) else {
            continue;
        };
        let at = place(k);
        c.findings.push(Finding {
            kind: "decision_without_effect".into(),
            subject: at.clone(),
            text: format!(
                "{at}: the proposal (entry {}) to mark complaint {} {} (\"{}\") has {} \
                 approvals, from {}: the rule is not met, so it has no effect",
                p.proposal.index,
                p.complaint,
                p.status,
                p.proposal.reason,
                p.proposal.approvals.len(),
                if p.proposal.parties.is_empty() {
                    "no party".into()
                } else {
                    p.proposal.parties.join(" and ")
                }
            ),
            entries: vec![p.complaint, p.proposal.index],
        });
    }
    let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
    for k in &all {
        *by_status.entry(k.status.as_str()).or_default() += 1;
    }
    let told: Vec<String> = by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
    c.summary.push(format!(
        "{} complaints: {}; {} overdue by witness time.",
        all.len(),
        told.join(", "),
        all.iter().filter(|k| k.overdue()).count()
    ));
    for k in all.iter().filter(|k| k.decision.is_some()) {
        let d = k.decision.as_ref().expect("filtered");
        c.summary.push(format!(
            "Complaint {} ({}, {}): {} at entry {}, because \"{}\".",
            k.index,
            k.category,
            place(k),
            d.status,
            d.index,
            d.reason
        ));
    }
    Ok(c)
}

// ---------------------------------------------------------------- reconciliation

pub(crate) fn reconciliation(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "Ballot reconciliation",
        "Each station's official form against itself and the poll book: ballots received \
         against issued + spoiled + unused, ballots issued against the check-ins recorded at \
         the station, and ballots counted (valid + invalid) against ballots issued. Each gap \
         with its size, and summed area by area.",
        "review::reconcile (docs/json.md, `scrutineer reconcile`)",
    );
    let r = review::reconcile::reconcile(review, None).map_err(|e| e.to_string())?;
    if r.forms == 0 {
        return Ok(c.skipped("the record holds no official form"));
    }
    let conn = review.conn();
    for g in &r.gaps {
        let entries = state(ledger::report::form_history(
            conn, &g.station, &g.contest, "official",
        ))?
        .last()
        .map(|v| vec![v.index])
        .unwrap_or_default();
        c.findings.push(Finding {
            kind: g.kind.into(),
            subject: g.station.clone(),
            text: g.describe(),
            entries,
        });
    }
    c.summary.push(format!(
        "{} official forms at {} stations; {} without the ballot-accounting fields; {} \
         stations where the poll book was not used; {} gaps at {} stations.",
        group(r.forms),
        group(r.stations),
        group(r.without_accounting.len() as u64),
        group(r.without_poll_book),
        group(r.gaps.len() as u64),
        group(r.stations_with_gaps())
    ));
    let top = r.levels.first().cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for a in r
        .by_area
        .iter()
        .filter(|a| a.level == top && a.stations_with_gaps > 0)
    {
        let ballots: u64 = a.ballots.values().sum();
        let kinds: Vec<String> = a.gaps.iter().map(|(k, n)| format!("{n} {k}")).collect();
        c.summary.push(format!(
            "{} {} ({}): {} of {} stations with gaps ({}), {} ballots in all.",
            a.level,
            a.area,
            a.name,
            group(a.stations_with_gaps),
            group(a.stations),
            kinds.join(", "),
            group(ballots)
        ));
        rows.push((format!("{} {}", a.area, a.name), ballots as f64));
    }
    if !rows.is_empty() {
        c.plots.push((
            svg::bars(
                &svg::Frame::new(
                    &format!("Ballots in reconciliation gaps, by {top}"),
                    "ballots (sum of the gaps' sizes)",
                    "",
                ),
                &rows,
                &[],
            ),
            format!("Each {top} with a gap: the sum of its gaps' sizes, every kind together."),
        ));
    }
    Ok(c)
}
