//! Parallel vote tabulations' reports as text.

use std::collections::HashMap;

use stats::pvt::{self, MissingFigures};

use super::{outln, shell};
use crate::Provenance;
use crate::pvt::{DrawReport, EstimateReport, Frame, FrameSpec, PlanReport};
use crate::rla::csv_field;
use crate::text::group;

/// The lines every PVT report starts with.
pub fn header(o: &mut String, frame: &Frame, what: &str, provenance: &Provenance) {
    outln!(
        o,
        "{what}: parallel vote tabulation of contest {} ({}) {}",
        frame.scope.contest.id,
        frame.scope.contest.name,
        frame.scope.area_text()
    );
    outln!(
        o,
        "Election: {} ({} {}{})",
        provenance.name,
        provenance.kind,
        provenance.path,
        provenance
            .entries
            .map_or(String::new(), |n| format!(", {} entries", group(n)))
    );
    outln!(
        o,
        "Frame: {} stations, {}",
        group(frame.stations.len() as u64),
        frame.strata_text()
    );
}

/// A plan, up to the command that draws it.
pub fn plan(frame: &Frame, report: &PlanReport) -> String {
    let plan = &report.plan;
    let registered = report.input.registered_voters;
    let without = report.stations_without_registered;
    let mut o = String::new();
    header(&mut o, frame, "Plan", &report.election);
    outln!(
        o,
        "N = {} registered voters{}; expected share P = {}, margin of error E = ±{} points, confidence {}% (Z = {:.4})",
        group(registered),
        if without > 0 {
            format!(" ({without} stations have no registered count and add none)")
        } else {
            String::new()
        },
        report.input.expected_share,
        report.input.margin_of_error * 100.0,
        report.input.confidence * 100.0,
        plan.z
    );
    outln!(o, "Sample: n = {} voters", group(plan.voters));
    outln!(
        o,
        "  at {:.1} voters per station ({:.1} registered x turnout {}): {} stations of {}",
        plan.voters_per_station,
        registered as f64 / frame.stations.len() as f64,
        report.input.expected_turnout,
        group(plan.stations),
        group(frame.stations.len() as u64)
    );
    if frame.level.is_some() {
        let k = plan.stations as f64;
        let total = frame.stations.len() as f64;
        let shares: Vec<String> = frame
            .frame
            .stratum_sizes()
            .iter()
            .map(|h| format!("{} {:.1}", h.stratum, k * h.stations as f64 / total))
            .collect();
        outln!(
            o,
            "  by stratum, about (the draw rounds these by largest remainder): {}",
            shares.join(", ")
        );
        if report.thin_strata > 0 {
            outln!(
                o,
                "  {} strata would get fewer than 2 stations; a stratum with one sampled station \
                 of several has no variance estimate. Take more stations or use --level with \
                 larger areas (or none).",
                report.thin_strata
            );
        }
    }
    o
}

/// A draw; `audit_id` is the audit in the log the seed came from, if any.
pub fn draw(frame: &Frame, report: &DrawReport, audit_id: Option<&str>) -> String {
    let mut o = String::new();
    header(&mut o, frame, "Draw", &report.election);
    super::seed_lines(&mut o, &report.seed);
    match (&report.recorded, audit_id) {
        (Some(r), _) => outln!(
            o,
            "Recorded in the log as the sample of audit {} (entry {})",
            r.audit,
            group(r.entry)
        ),
        (None, Some(id)) => outln!(
            o,
            "The seed of audit {id} in the log; this draw is not recorded (add --record DIR --as KEY)"
        ),
        (None, None) => {}
    }
    o.push_str(&format!(
        "{} stations drawn; in each stratum the stations are consistent_sampler.sampler(stratum's station codes, seed, take=k):\n",
        report.take
    ));
    o.push_str("stratum,ticket,station\n");
    for h in &report.strata {
        for s in &h.stations {
            o.push_str(&format!(
                "{},{},{}\n",
                csv_field(&h.stratum),
                s.ticket,
                csv_field(&s.station)
            ));
        }
    }
    o.push_str("Per stratum (drawn of stations):");
    for h in &report.strata {
        o.push_str(&format!(
            " {}{} {}/{};",
            if h.stratum.is_empty() {
                "all"
            } else {
                &h.stratum
            },
            if h.name.is_empty() {
                String::new()
            } else {
                format!(" ({})", h.name)
            },
            h.drawn,
            h.stations_in_frame
        ));
    }
    o.pop();
    o.push('\n');
    o
}

/// The estimates from one sample, one per source of figures; `audit` is the audit in the log
/// whose recorded sample they use, if any.
pub fn estimates(
    frame: &Frame,
    provenance: &Provenance,
    audit: Option<&str>,
    reports: &[EstimateReport],
) -> String {
    let mut o = String::new();
    header(&mut o, frame, "Estimate", provenance);
    if let Some(id) = audit {
        outln!(
            o,
            "Audit {id} in the log: its recorded sample is the one its seed draws"
        );
    }
    for report in reports {
        estimate(&mut o, frame, report);
    }
    o
}

/// One estimate, with its verdict on the official figures.
pub fn estimate(o: &mut String, frame: &Frame, report: &EstimateReport) {
    let est = &report.estimate;
    outln!(
        o,
        "Sample: {} stations from seed {}; figures from {}: {} reporting{}",
        est.stations_sampled,
        report.seed,
        report.figures_from,
        est.stations_reporting,
        if est.stations_missing.is_empty() {
            String::new()
        } else {
            format!(
                ", {} missing ({}; {})",
                est.stations_missing.len(),
                match est.missing_figures {
                    MissingFigures::NonResponse => "left out",
                    MissingFigures::NotCounted => "counted as no votes",
                },
                est.stations_missing
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    if report.rows_ignored > 0 {
        outln!(
            o,
            "  {} rows of the file are for stations outside the sample and were ignored",
            report.rows_ignored
        );
    }
    if !est.strata_without_stations.is_empty() {
        outln!(
            o,
            "  no sampled station in strata {}: the estimate does not cover them",
            est.strata_without_stations.join(", ")
        );
    }
    if let Some(why) = &est.turnout_not_estimated {
        outln!(o, "  turnout is not estimated: {why}");
    }
    let pct = |x: f64| format!("{:.2}", x * 100.0);
    o.push_str(
        "figure        estimate   95% interval        99% interval      official  in 95%  in 99%\n",
    );
    let verdicts: HashMap<&str, &pvt::FigureVerdict> = report
        .verdict
        .iter()
        .flat_map(|v| v.figures.iter())
        .map(|f| (f.figure.as_str(), f))
        .collect();
    let rows = est
        .choices
        .iter()
        .map(|c| (c.choice.as_str(), &c.share))
        .chain(est.turnout.iter().map(|t| ("turnout", t)));
    for (figure, e) in rows {
        let v = verdicts.get(figure);
        o.push_str(&format!(
            "{:<12} {:>8}%  {:>7} - {:<7}  {:>7} - {:<7}  {:>8}  {:<6}  {}\n",
            figure,
            pct(e.estimate),
            pct(e.interval_95.0),
            pct(e.interval_95.1),
            pct(e.interval_99.0),
            pct(e.interval_99.1),
            v.map_or("-".to_string(), |v| format!("{}%", pct(v.official))),
            v.map_or("-", |v| if v.inside_95 { "yes" } else { "NO" }),
            v.map_or("-", |v| if v.inside_99 { "yes" } else { "NO" }),
        ));
    }
    match &report.verdict {
        None => outln!(
            o,
            "No official forms are recorded {}: nothing to judge.",
            frame.scope.area_text()
        ),
        Some(v) if v.all_inside_95 => outln!(
            o,
            "Verdict: every official figure is inside the PVT's 95% interval (and so its 99%)."
        ),
        Some(v) if v.all_inside_99 => outln!(
            o,
            "Verdict: some official figure is outside the 95% interval but every one is inside the 99% interval: \
             worth a closer look, not by itself evidence of a wrong count."
        ),
        Some(v) => {
            let outside: Vec<&str> = v
                .figures
                .iter()
                .filter(|f| !f.inside_99)
                .map(|f| f.figure.as_str())
                .collect();
            outln!(
                o,
                "Verdict: the official {} outside the PVT's 99% interval: strong evidence that the \
                 official count differs from the forms at the stations.",
                if outside.len() == 1 {
                    format!("figure for {} is", outside[0])
                } else {
                    format!("figures for {} are", outside.join(", "))
                }
            );
        }
    }
}

/// `scrutineer pvt STEP`, the election as `election` words it, and the frame's options: the
/// command a report names as the next step.
pub fn command(step: &str, election: &[String], spec: &FrameSpec) -> String {
    let mut w = vec![format!("scrutineer pvt {step}")];
    w.extend(election.iter().cloned());
    if let Some(c) = &spec.contest {
        w.push(format!("--contest {}", shell(c)));
    }
    if let Some(x) = &spec.area {
        w.push(format!("--area {}", shell(x)));
    }
    if let Some(l) = &spec.level {
        w.push(format!("--level {}", shell(l)));
    }
    w.join(" ")
}

/// The draw that follows a plan (`draw` is [`command`] for the draw).
pub fn next_after_plan(draw: &str, report: &PlanReport) -> String {
    format!(
        "{draw} --seed DICE --take {} --template reports.csv",
        report.plan.stations
    )
}

/// The line after a draw: the estimate to run once the figures are in (`estimate` is
/// [`command`] for the estimate; `template` the reports file written, if any).
pub fn next_after_draw(
    estimate: &str,
    report: &DrawReport,
    seed: &str,
    template: Option<&str>,
) -> String {
    format!(
        "Next: collect the drawn stations' figures, then\n  {estimate} {} {}\n",
        match &report.recorded {
            Some(r) => format!("--audit {}", shell(&r.audit)),
            None => format!("--seed {seed} --take {}", report.take),
        },
        match template {
            Some(t) => format!("--reports {}", shell(t)),
            None => "--source observer:ORGANISATION (or --reports FILE)".to_string(),
        }
    )
}
