//! Voter-list audits as text: the frame, the field sheet, the households to visit, the
//! estimate.

use super::{group, outln, percent, shell};
use crate::list_audit::{EstimateReport, FrameSummary, HouseholdDraw, Sheet, Spec};

fn what(test: &str) -> &'static str {
    if test == "people_to_list" {
        "people to list: eligible people met in drawn areas, looked up on the roll"
    } else {
        "list to people: names drawn from the roll, looked for in the field"
    }
}

/// The frame a plan would draw from.
pub fn frame(f: &FrameSummary) -> String {
    let mut o = String::new();
    outln!(o, "List audit, {}", what(f.test));
    outln!(
        o,
        "Frame: {} voters on the roll in {} {}s{}",
        group(f.voters),
        group(f.clusters as u64),
        f.level,
        f.area
            .as_ref()
            .map_or(String::new(), |a| format!(" of area {a}"))
    );
    o
}

/// The field sheet, cluster by cluster.
pub fn sheet(s: &Sheet) -> String {
    let mut o = frame(&s.frame);
    outln!(
        o,
        "Drawn: {}",
        ledger::event::DrawPlan::List(s.plan.clone())
    );
    for (i, c) in s.clusters.iter().enumerate() {
        outln!(
            o,
            "{:>4}. {} {} ({}), {} voters",
            i + 1,
            s.frame.level,
            c.cluster,
            c.name,
            group(c.voters)
        );
        for (j, n) in c.names.iter().enumerate() {
            outln!(
                o,
                "        {:>3}. {}  {}  born {}  station {}",
                j + 1,
                n.voter,
                n.name,
                n.birth_year,
                n.station
            );
        }
    }
    o
}

/// The households to visit in each drawn area.
pub fn households(h: &[HouseholdDraw]) -> String {
    let mut o = String::new();
    for d in h {
        let visit: Vec<String> = d.visit.iter().map(u64::to_string).collect();
        outln!(
            o,
            "{}: {} households listed; visit {}",
            d.cluster,
            group(d.households),
            if visit.is_empty() {
                "none".to_string()
            } else {
                visit.join(", ")
            }
        );
    }
    o
}

/// The estimate with its interval and the clusters behind it.
pub fn estimate(r: &EstimateReport) -> String {
    let mut o = String::new();
    let e = &r.estimate;
    outln!(o, "List audit {}: {}", r.audit, what(&r.plan.test));
    let failed = if r.plan.test == "people_to_list" {
        "eligible people not on the roll"
    } else {
        "listed names not found"
    };
    outln!(
        o,
        "Share of {failed}: {} (95% interval {} to {}; 99% {} to {})",
        percent(e.share),
        percent(e.interval_95.0),
        percent(e.interval_95.1),
        percent(e.interval_99.0),
        percent(e.interval_99.1)
    );
    outln!(
        o,
        "  {} of {} checked in {} of {} {}s; standard error {}; design effect {:.2}",
        group(e.failed),
        group(e.checked),
        e.clusters,
        group(r.clusters_in_frame),
        r.plan.level,
        percent(e.standard_error),
        e.design_effect
    );
    if !e.clusters_without_checks.is_empty() {
        outln!(
            o,
            "  left out, nobody checked: {}",
            e.clusters_without_checks.join(", ")
        );
    }
    outln!(
        o,
        "{:<16} {:>8} {:>8} {:>8}",
        r.plan.level,
        "checked",
        "failed",
        "share"
    );
    for c in &r.clusters {
        let share = if c.checked > 0 {
            percent(c.failed as f64 / c.checked as f64)
        } else {
            "-".into()
        };
        outln!(
            o,
            "{:<16} {:>8} {:>8} {:>8}",
            c.cluster,
            c.checked,
            c.failed,
            share
        );
    }
    o
}

/// After a plan: the command that commits its seed (`test` as the command line spells it).
pub fn plan_next(test: &str, s: &Spec) -> String {
    format!(
        "Next: commit the seed before rolling it where others can watch:\n  scrutineer audit commit DIR --audit ID --for list --test {} --level {}{} --clusters {} --per-cluster {} --purpose '...' --as KEY\n",
        test,
        shell(s.level.as_deref().unwrap_or("station")),
        s.area
            .as_ref()
            .map_or(String::new(), |a| format!(" --area {}", shell(a))),
        s.clusters,
        s.per_cluster
    )
}

/// After a draw of audit `id`: what the teams do with the sheet, and the command that follows.
pub fn draw_next(test: &str, id: &str, sheet_file: Option<&str>) -> String {
    let id = shell(id);
    let sheet_file = sheet_file.map_or("SHEET".to_string(), shell);
    if test == "people_to_list" {
        format!(
            "Next: the teams list each drawn area's households and write their number in the \
             households column of {sheet_file}; then\n  scrutineer list-audit households ELECTION \
             --audit {id} --listing {sheet_file}\n"
        )
    } else {
        format!(
            "Next: the teams look for every person drawn and write yes or no in the found column \
             of {sheet_file}; then\n  scrutineer list-audit estimate ELECTION --audit {id} \
             --results {sheet_file}\n"
        )
    }
}
