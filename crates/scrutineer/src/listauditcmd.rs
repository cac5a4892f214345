//! `scrutineer list-audit {plan,draw,households,estimate}`: voter-list audits of the recorded
//! roll, drawn from a seed committed in the log (`scrutineer audit commit --for list`). The
//! audit is `review::list_audit`; this module wires and renders it.

use std::path::PathBuf;

use anyhow::bail;
use review::list_audit::{self, Frame, Spec};
use review::render::list_audit as render;

use crate::reviewing::{self, ElectionArgs, Lift, SeedArgs};

const LONG_ABOUT: &str = "\
A voter-list audit checks the roll against the people it should list (NDI's method, used in \
Cambodia's 2013 registry audit), with a sample anyone can redraw:

  list-to-people  names are drawn from the roll, clusters first (stations, or areas of one
                  level), then names in each; field teams look for each person. The estimate
                  is the share of listed names nobody can find: ghosts, the dead, duplicates.
  people-to-list  areas are drawn; teams list their households, household numbers are drawn
                  from the same seed, and each eligible person met there is looked up on the
                  roll. The estimate is the share of eligible people missing from the roll.

  1. plan        shows the frame (voters per cluster) a commitment would draw from.
  2. commit      scrutineer audit commit DIR --for list --test ... --clusters K --per-cluster N
  3. reveal      scrutineer audit reveal DIR --audit ID --as KEY
  4. draw        draws the sheet from the revealed seed and records the draw in the log
                 (--record DIR --as KEY); --out writes the field sheet as CSV.
  5. households  (people-to-list) the households to visit, from the teams' listing.
  6. estimate    reads the filled sheet and gives the share with its cluster interval.

Anyone can check the draw with `scrutineer audit show`. Method: docs/methods.md.";

/// Audit the voter roll: list to people, people to list.
#[derive(clap::Args)]
#[command(long_about = LONG_ABOUT)]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(clap::Subcommand)]
enum Step {
    Plan(PlanArgs),
    Draw(DrawArgs),
    Households(HouseholdsArgs),
    Estimate(EstimateArgs),
}

/// Show the frame a list audit would draw from: voters per cluster.
#[derive(clap::Args)]
struct PlanArgs {
    #[command(flatten)]
    election: ElectionArgs,
    /// list-to-people or people-to-list.
    #[arg(long, default_value = "list-to-people")]
    test: String,
    /// Only this area (an area code); default the whole election.
    #[arg(long, value_name = "CODE")]
    area: Option<String>,
    /// What a cluster is: station, or an area level's name.
    #[arg(long, default_value = "station")]
    level: String,
    /// How many clusters to draw.
    #[arg(long, value_name = "K", default_value_t = 30)]
    clusters: usize,
    /// Names (list-to-people) or households (people-to-list) per cluster.
    #[arg(long, value_name = "N", default_value_t = 20)]
    per_cluster: usize,
    /// Print the frame as JSON.
    #[arg(long)]
    json: bool,
}

/// Draw the field sheet from the audit's revealed seed, and record the draw.
#[derive(clap::Args)]
struct DrawArgs {
    #[command(flatten)]
    election: ElectionArgs,
    #[command(flatten)]
    seed: SeedArgs,
    /// Write the field sheet as CSV (list-to-people: voter,name,...,found to fill in;
    /// people-to-list: cluster,households to fill in).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

/// People to list: the households to visit in each drawn area, from the teams' listing.
#[derive(clap::Args)]
struct HouseholdsArgs {
    #[command(flatten)]
    election: ElectionArgs,
    #[arg(long = "audit", value_name = "ID")]
    audit: String,
    /// The listing: a CSV with the header cluster,households.
    #[arg(long, value_name = "FILE")]
    listing: PathBuf,
    #[arg(long)]
    json: bool,
}

/// Estimate from the filled sheet: list-to-people `voter,found`, people-to-list
/// `cluster,listed` (one row per person met).
#[derive(clap::Args)]
struct EstimateArgs {
    #[command(flatten)]
    election: ElectionArgs,
    #[arg(long = "audit", value_name = "ID")]
    audit: String,
    /// The filled field sheet.
    #[arg(long, value_name = "FILE")]
    results: PathBuf,
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.step {
        Step::Plan(p) => plan(p),
        Step::Draw(d) => draw(d),
        Step::Households(h) => households(h),
        Step::Estimate(e) => estimate(e),
    }
}

fn plan(p: PlanArgs) -> anyhow::Result<()> {
    let test = match p.test.as_str() {
        "list-to-people" => stats::list_audit::ListTest::ListToPeople,
        "people-to-list" => stats::list_audit::ListTest::PeopleToList,
        other => bail!("--test {other:?}: use list-to-people or people-to-list"),
    };
    let opened = reviewing::open(&p.election)?;
    let spec = Spec {
        test,
        area: p.area,
        level: Some(p.level),
        clusters: p.clusters,
        per_cluster: p.per_cluster,
    };
    let frame = Frame::read(&opened, &spec).lift()?;
    if p.json {
        return reviewing::print_json(&frame.summary());
    }
    let mut o = render::frame(&frame.summary());
    o.push_str(&render::plan_next(&p.test, &spec));
    reviewing::write_stdout(&o)
}

fn draw(d: DrawArgs) -> anyhow::Result<()> {
    if d.seed.audit_id.is_none() {
        bail!("a list audit draws from a seed committed in the log: give --audit ID");
    }
    if let Some(out) = &d.out
        && out.exists()
    {
        bail!("{} already exists; --out writes a new file", out.display());
    }
    let opened = reviewing::open(&d.election)?;
    let mut source = reviewing::draw_seed(&d.seed, &opened, None)?;
    let revealed = source.revealed().expect("an audit's seed").clone();
    let ledger::event::DrawPlan::List(plan) = &revealed.plan else {
        bail!(
            "audit {:?} committed to a {} draw; list-audit draws list audits",
            revealed.record.id,
            revealed.plan
        );
    };
    let frame = Frame::read(&opened, &Spec::of(plan).lift()?).lift()?;
    let sheet = list_audit::draw(&opened, &frame, revealed.seed.as_str()).lift()?;
    if let Some(r) = source.recorder() {
        if r.round != 1 {
            bail!(
                "audit {:?} already records its draw (entry {}); a list audit draws once",
                revealed.record.id,
                revealed.record.rounds[0].index
            );
        }
        r.record(sheet.draws()).lift()?;
    }
    if let Some(out) = &d.out {
        reviewing::write_file(out, list_audit::sheet_csv(&sheet).as_bytes())?;
    }
    if d.json {
        return reviewing::print_json(&sheet);
    }
    let mut o = render::sheet(&sheet);
    let sheet_file = d.out.as_ref().map(|p| p.display().to_string());
    o.push_str(&render::draw_next(
        &plan.test,
        &revealed.record.id,
        sheet_file.as_deref(),
    ));
    reviewing::write_stdout(&o)
}

fn households(h: HouseholdsArgs) -> anyhow::Result<()> {
    let opened = reviewing::open(&h.election)?;
    let revealed = review::audit::Revealed::read(&opened, &h.audit).lift()?;
    let drawn = list_audit::recorded_people_to_list(&revealed).lift()?;
    let listed = list_audit::read_listing(&h.listing).lift()?;
    let plan = match &revealed.plan {
        ledger::event::DrawPlan::List(p) => p,
        _ => unreachable!("checked by recorded_people_to_list"),
    };
    let draws = list_audit::households(revealed.seed.as_str(), plan, &drawn, &listed).lift()?;
    if h.json {
        return reviewing::print_json(&draws);
    }
    reviewing::write_stdout(&render::households(&draws))
}

fn estimate(e: EstimateArgs) -> anyhow::Result<()> {
    let opened = reviewing::open(&e.election)?;
    let revealed = review::audit::Revealed::read(&opened, &e.audit).lift()?;
    let report = list_audit::estimate(&opened, &revealed, &e.results).lift()?;
    if e.json {
        return reviewing::print_json(&report);
    }
    reviewing::write_stdout(&render::estimate(&report))
}
