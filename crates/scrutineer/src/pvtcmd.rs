//! `scrutineer pvt {plan,draw,estimate}`: a parallel vote tabulation (quick count) over an
//! election. The PVT itself is `review::pvt`; this module parses the arguments and renders
//! the reports.

use std::path::PathBuf;

use anyhow::bail;
use review::pvt::{Figures, Frame, FrameSpec, PlanAsk};
use stats::pvt::MissingFigures;

use review::render::pvt as render;

use crate::reviewing::{self, ElectionArgs, Lift, SeedArgs, outln};

const LONG_ABOUT: &str = "\
A parallel vote tabulation (PVT, or quick count) estimates the result from the forms of a
random sample of polling stations, as NDI teaches it, and says whether each official figure
lies inside the estimate's interval. Observers run it from their own copies of the forms;
anyone can rerun it from the public record.

The cycle:

  1. plan      The sample size in voters, n = P(1-P) / (E²/Z² + P(1-P)/N), and in
               stations, from the margin of error E, the confidence, the expected share P
               and the expected turnout; N is the registered voters of the stations.
  2. draw      The stations, stratified, from a seed of at least 20 dice rolled in public.
               The strata are the areas of the top level (or --level LEVEL, or --level none).
               Each stratum gets stations in proportion to its number of stations (Hare
               largest remainder) and draws them with Rivest's consistent_sampler, so anyone
               can redo it. The draw prints the seed's SHA-256 commitment, as `rla draw` does.
  3. estimate  Each choice's share of the valid votes, and turnout, by the ratio estimator
               with its cluster variance and margins at 95% and 99%, from the sampled
               stations' figures of one source: a copy of the forms recorded in the election
               (--source official, party:PARTY or observer:ORGANISATION), or a CSV file of
               observers' reports (--reports). Then the verdict: is each official figure (the
               official forms added up over the same stations) inside the 95% and the 99%
               interval? An official figure outside the 99% interval is strong evidence that
               the official count differs from the forms at the stations.

To keep the PVT's sample in the election's log, commit to the dice with `scrutineer audit
commit --for pvt --take K` (see `scrutineer audit --help`); then `draw --audit ID --record DIR
--as KEY` draws from the revealed seed and records the sample, and `estimate --audit ID` takes
the seed from the log and refuses a recorded sample the seed does not draw.

The estimate draws the sample again from --seed, --take and --level, so it uses the sampled
stations and only those; rows of other stations in a reports file are ignored. A stratum
with any sampled station needs at least two reporting, unless all its stations were drawn.

Reports files (CSV; .csv.gz and .csv.zip are read too): one row per station, with the header
station,<choice id>,... (one column per choice id, in any order) and optionally registered
and ballots_cast columns; an empty cell is a figure not reported. Any other layout is read
through --mapping (a station-results mapping, docs/mapping.md; --from picks one of its
sources) whose station id is the station code.

A sampled station without a row, or lacking a vote figure, is missing. --missing
non-response (the default) leaves it out and lets its stratum's other stations stand for
it; --missing not-counted counts it as a station with no votes (to check a copy against
that copy's own full count).

The election is given as for `scrutineer rla`: a directory, a published log with --vkey or
--policy, or --state-db FILE. Formulas and sources: docs/methods.md, sections 5 and 9; audits
in the log: section 11.";

const EXAMPLES: &str = "\
Example, on the demo election (its provinces are too small at 1/100 for strata):

  scrutineer demo --scale 1/100 --dir demo
  scrutineer pvt plan demo/election --margin-of-error 0.01 --turnout 0.7
  scrutineer pvt draw demo/election --seed 35216452316254163524 --take 60 --level none \\
      --template reports.csv
  scrutineer pvt estimate demo/election --seed 35216452316254163524 --take 60 --level none \\
      --source observer:COMFREL
  scrutineer pvt estimate demo/election --seed 35216452316254163524 --take 60 --level none \\
      --reports reports.csv";

/// Run a parallel vote tabulation over an election: plan, draw, estimate.
#[derive(clap::Args)]
#[command(long_about = LONG_ABOUT, after_long_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(clap::Subcommand)]
enum Step {
    Plan(PlanArgs),
    Draw(DrawArgs),
    Estimate(EstimateArgs),
}

#[derive(clap::Args)]
struct FrameArgs {
    #[command(flatten)]
    election: ElectionArgs,
    /// The contest's id (needed when the election has several).
    #[arg(long)]
    contest: Option<String>,
    /// Only the stations of this area (an area code); default the whole election.
    #[arg(long, value_name = "CODE")]
    area: Option<String>,
    /// Strata: the areas of this level (its name), or none; default the top level.
    #[arg(long)]
    level: Option<String>,
    /// Print the result as JSON (docs/json.md).
    #[arg(long)]
    json: bool,
}

impl FrameArgs {
    fn spec(&self) -> FrameSpec {
        FrameSpec {
            contest: self.contest.clone(),
            area: self.area.clone(),
            level: self.level.clone(),
        }
    }

    fn command(&self, step: &str) -> String {
        render::command(
            step,
            &reviewing::election_words(&self.election),
            &self.spec(),
        )
    }
}

/// How many voters and stations the sample needs.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  scrutineer pvt plan demo/election --margin-of-error 0.01 --turnout 0.7\n\nThe whole cycle: scrutineer pvt --help"
)]
struct PlanArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// E: the margin of error wanted, as a fraction (0.01 is ±1 point).
    #[arg(long, value_name = "E")]
    margin_of_error: f64,
    /// The expected turnout, as a fraction (0.7 is 70%).
    #[arg(long, value_name = "T")]
    turnout: f64,
    /// The confidence level.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// P: the expected share of the closest choice (0.5 is the safe, largest sample).
    #[arg(long, value_name = "P", default_value_t = 0.5)]
    expected_share: f64,
}

/// Draw the stratified sample of stations from the public seed.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  scrutineer pvt draw demo/election --seed 35216452316254163524 --take 60 \\\n      --level none --template reports.csv\n\nThe whole cycle: scrutineer pvt --help"
)]
struct DrawArgs {
    #[command(flatten)]
    frame: FrameArgs,
    #[command(flatten)]
    seed: SeedArgs,
    /// How many stations to draw (with --audit, the number committed).
    #[arg(long, value_name = "K", required_unless_present = "audit_id")]
    take: Option<usize>,
    /// Write a reports file to fill in: one row per station drawn.
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
}

/// Estimate the shares and turnout from the sampled stations, and judge the official figures.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  scrutineer pvt estimate demo/election --seed 35216452316254163524 --take 60 \\\n      --level none --source observer:COMFREL\n\n  Two copies of the forms side by side, from one sample:\n  scrutineer pvt estimate demo/election --seed 35216452316254163524 --take 60 \\\n      --level none --source official --source observer:COMFREL\n\nThe whole cycle: scrutineer pvt --help"
)]
struct EstimateArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// The seed the sample was drawn with.
    #[arg(
        long,
        required_unless_present = "audit_id",
        conflicts_with = "audit_id"
    )]
    seed: Option<String>,
    /// How many stations were drawn (with --audit, the number committed).
    #[arg(long, value_name = "K", required_unless_present = "audit_id")]
    take: Option<usize>,
    /// Take the seed and the sample from this audit in the log (`scrutineer audit`), and
    /// refuse to go on unless a fresh draw from the seed is the sample recorded.
    #[arg(long = "audit", value_name = "ID")]
    audit_id: Option<String>,
    /// Read the sampled stations' figures from this copy of the forms in the election:
    /// official, party:PARTY or observer:ORGANISATION. Repeat to estimate from several copies
    /// of the same sample, side by side (--json then prints a list).
    #[arg(long, required_unless_present = "reports", conflicts_with = "reports")]
    source: Vec<String>,
    /// Read them from this CSV file of observers' reports instead.
    #[arg(long, value_name = "FILE")]
    reports: Option<PathBuf>,
    /// A station-results mapping describing the reports file's layout.
    #[arg(long, value_name = "MAP", requires = "reports")]
    mapping: Option<PathBuf>,
    /// Which of the mapping's [[source]] tables to read.
    #[arg(long = "from", value_name = "MAPPING_SOURCE", requires = "mapping")]
    from: Option<String>,
    /// What a sampled station without figures means.
    #[arg(long, value_enum, default_value = "non-response")]
    missing: Missing,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Missing {
    /// The report did not arrive: leave the station out.
    NonResponse,
    /// The source has no figures there: count it as a station with no votes.
    NotCounted,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.step {
        Step::Plan(p) => plan(p),
        Step::Draw(d) => draw(d),
        Step::Estimate(e) => estimate(e),
    }
}

// ---------------------------------------------------------------- plan

#[derive(serde::Serialize)]
struct PlanOut<'a> {
    #[serde(flatten)]
    report: &'a review::pvt::PlanReport,
    next: String,
}

fn plan(p: PlanArgs) -> anyhow::Result<()> {
    let a = &p.frame;
    let opened = reviewing::open(&a.election)?;
    let frame = Frame::read(&opened, &a.spec()).lift()?;
    let ask = PlanAsk {
        margin_of_error: p.margin_of_error,
        turnout: p.turnout,
        confidence: p.confidence,
        expected_share: p.expected_share,
    };
    let report = frame.plan(&opened.provenance, &ask).lift()?;
    let next = render::next_after_plan(&a.command("draw"), &report);
    if a.json {
        let out = PlanOut {
            report: &report,
            next,
        };
        return reviewing::print_json(&out);
    }
    let mut o = render::plan(&frame, &report);
    outln!(o, "Next: roll the dice in public, then\n  {next}");
    reviewing::write_stdout(&o)
}

// ---------------------------------------------------------------- draw

fn draw(d: DrawArgs) -> anyhow::Result<()> {
    let a = &d.frame;
    if let Some(s) = &d.seed.seed {
        review::seed::parse_seed(s).lift()?;
    }
    if let Some(t) = d.template.as_ref().filter(|t| t.exists()) {
        bail!(
            "{} already exists; --template writes a new file",
            t.display()
        );
    }
    let opened = reviewing::open(&a.election)?;
    let frame = Frame::read(&opened, &a.spec()).lift()?;
    let mut source = reviewing::draw_seed(&d.seed, &opened, None)?;
    let take = frame.draw_take(&source, d.take).lift()?;
    let (seed, seed_record) = source.seed().lift()?;
    let mut report = frame
        .draw_report(&opened.provenance, &seed, seed_record, take)
        .lift()?;
    if let Some(r) = source.recorder() {
        report.recorded = Some(r.record(report.recorded_ids()).lift()?);
    }
    if let Some(path) = &d.template {
        reviewing::write_file(path, frame.template(&report).as_bytes())?;
        if !a.json {
            eprintln!("wrote {}", path.display());
        }
    }
    if a.json {
        return reviewing::print_json(&report);
    }
    let mut o = render::draw(&frame, &report, d.seed.audit_id.as_deref());
    let template = d.template.as_ref().map(|t| t.display().to_string());
    let estimate = a.command("estimate");
    o.push_str(&render::next_after_draw(
        &estimate,
        &report,
        &seed,
        template.as_deref(),
    ));
    reviewing::write_stdout(&o)
}

// ---------------------------------------------------------------- estimate

fn estimate(e: EstimateArgs) -> anyhow::Result<()> {
    let a = &e.frame;
    if let Some(s) = &e.seed {
        review::seed::parse_seed(s).lift()?;
    }
    let opened = reviewing::open(&a.election)?;
    let frame = Frame::read(&opened, &a.spec()).lift()?;
    let (audit, seed) = (e.audit_id.as_deref(), e.seed.as_deref());
    let sample = frame.sample(&opened, audit, seed, e.take).lift()?;
    let figures: Vec<Figures> = match &e.reports {
        Some(path) => vec![Figures::File {
            path: path.clone(),
            mapping: e.mapping.clone(),
            from: e.from.clone(),
        }],
        None => e.source.iter().cloned().map(Figures::Source).collect(),
    };
    let missing = match e.missing {
        Missing::NonResponse => MissingFigures::NonResponse,
        Missing::NotCounted => MissingFigures::NotCounted,
    };
    let reports = frame
        .estimates(&opened.provenance, &sample, &figures, missing)
        .lift()?;
    if a.json {
        return match reports.as_slice() {
            [one] => reviewing::print_json(one),
            many => reviewing::print_json(&many),
        };
    }
    let o = render::estimates(
        &frame,
        &opened.provenance,
        sample.audit.as_deref(),
        &reports,
    );
    reviewing::write_stdout(&o)
}
