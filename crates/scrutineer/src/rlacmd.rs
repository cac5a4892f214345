//! `scrutineer rla {plan,draw,assess}`: a risk-limiting audit of one contest's paper ballots
//! against the official result forms recorded in the election. The audit itself is
//! `review::rla`; this module parses the arguments and renders the reports.

use std::path::PathBuf;

use anyhow::bail;
use review::rla::{self, Audit, Drawn, Method, Recounts, Spec};
use serde::Serialize;

use review::render::rla::{self as render, WithNext};

use crate::reviewing::{self, ElectionArgs, Lift, SeedArgs, outln, shell};

/// Run a risk-limiting audit of a contest: plan, draw, assess.
#[derive(clap::Args)]
#[command(long_about = render::ABOUT, after_long_help = render::EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(clap::Subcommand)]
enum Step {
    Plan(PlanArgs),
    Draw(DrawArgs),
    Assess(AssessArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MethodArg {
    /// Batch comparison, the polling station as the batch.
    Macro,
    /// Ballot polling.
    Bravo,
    /// Ballot-level comparison with cast vote records (Kaplan-Markov).
    Comparison,
}

#[derive(clap::Args)]
struct AuditArgs {
    #[command(flatten)]
    election: ElectionArgs,
    /// macro (batch comparison by station), bravo (ballot polling) or comparison (ballot
    /// comparison with cast vote records).
    #[arg(long, value_enum)]
    method: MethodArg,
    /// The contest's id (needed when the election has several).
    #[arg(long)]
    contest: Option<String>,
    /// Audit the contest in this area only (an area code); default the whole election.
    #[arg(long, value_name = "CODE")]
    area: Option<String>,
    /// How many choices win: the reported winners are this many with the most votes.
    #[arg(long, default_value_t = 1)]
    winners: usize,
    /// The risk limit: the largest chance of confirming a wrong outcome (0.05 is 5%).
    #[arg(long, value_name = "ALPHA", default_value_t = 0.05)]
    risk_limit: f64,
    /// Print the result as JSON (docs/json.md).
    #[arg(long)]
    json: bool,
}

impl AuditArgs {
    fn spec(&self) -> Spec {
        Spec {
            method: match self.method {
                MethodArg::Macro => Method::Macro,
                MethodArg::Bravo => Method::Bravo,
                MethodArg::Comparison => Method::Comparison,
            },
            contest: self.contest.clone(),
            area: self.area.clone(),
            winners: self.winners,
            risk_limit: self.risk_limit,
        }
    }

    /// The words that name this audit again in a printed next command.
    fn again<'a>(&self, spec: &'a Spec) -> render::Again<'a> {
        render::Again {
            election: reviewing::election_words(&self.election),
            spec,
        }
    }
}

/// How large the first round must be.
///
/// macro: the number of PPEB draws that confirm the outcome if the recounts find no error,
/// `ceil(ln α / ln(1 − 1/U))` with U the total error bound, and the distinct stations that
/// many draws are expected to touch. bravo: the average sample number (ASN) and the round
/// sizes that finish the audit with probability 70%, 80% and 90% if the reported shares are
/// right (as Arlo plans them).
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  scrutineer rla plan demo/election --method macro --risk-limit 0.05\n\n\
    The whole cycle: scrutineer rla --help"
)]
struct PlanArgs {
    #[command(flatten)]
    audit: AuditArgs,
}

/// Draw the stations (macro) or ballots (bravo) to count by hand, from the public seed.
///
/// Draws are numbered from 1; a later round continues the numbering with --first. The same
/// election, contest, area and seed always draw the same sample, and anyone can redo it with
/// the standard tools (docs/methods.md).
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    scrutineer rla draw demo/election --method macro --seed 35216452316254163524 \\\n      \
    --template round1.csv\n  \
    scrutineer rla draw demo/election --method macro --seed 35216452316254163524 \\\n      \
    --first 59 --count 3 --template round2.csv\n\n\
    The whole cycle: scrutineer rla --help")]
struct DrawArgs {
    #[command(flatten)]
    audit: AuditArgs,
    #[command(flatten)]
    seed: SeedArgs,
    /// With --record: the round to record (default the next one).
    #[arg(long, value_name = "N", requires = "record")]
    round: Option<u32>,
    /// The number of the first draw (1 for the first round; the next round's from `assess`;
    /// with --record, the draw after the recorded rounds').
    #[arg(long)]
    first: Option<u64>,
    /// How many draws (default for a first round: the plan's size; bravo: its 90% round).
    #[arg(long)]
    count: Option<u64>,
    /// Write a recount file to fill in: one row per station (macro) or ballot (bravo) drawn.
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
}

/// Read the hand counts of what was drawn and decide: confirmed, continue, or full hand count.
///
/// The draws 1..N are made again from the seed, so the files must hold a count for every
/// station or ballot drawn. Rows for stations not drawn do not enter the p-value; a ballot
/// that was not drawn is an error.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  \
    scrutineer rla assess demo/election --method macro --seed 35216452316254163524 \\\n      \
    --draws 61 --recount round1.csv --recount round2.csv\n\n\
    The file layouts and the whole cycle: scrutineer rla --help")]
struct AssessArgs {
    #[command(flatten)]
    audit: AuditArgs,
    /// The audit seed the draws were made with.
    #[arg(
        long,
        required_unless_present = "audit_id",
        conflicts_with = "audit_id"
    )]
    seed: Option<String>,
    /// Take the seed and the draws from this audit in the log (`scrutineer audit`), and refuse
    /// to go on unless a fresh draw from the seed is the sample recorded.
    #[arg(long = "audit", value_name = "ID")]
    audit_id: Option<String>,
    /// How many draws have been made in all rounds so far (draws 1..N); with --audit, the
    /// draws recorded.
    #[arg(long, value_name = "N", required_unless_present = "audit_id")]
    draws: Option<u64>,
    /// The hand counts (CSV; see `scrutineer rla --help` for the layout). Repeat for one file
    /// per round; a station or ballot given in two files must have the same count in both.
    #[arg(long, value_name = "FILE", required = true)]
    recount: Vec<PathBuf>,
    /// macro: a station-results mapping describing the recount file's layout.
    #[arg(long, value_name = "MAP")]
    mapping: Option<PathBuf>,
    /// comparison: the cast vote records, `ballot,choice` for every ballot (see
    /// `scrutineer rla --help`).
    #[arg(long, value_name = "FILE")]
    cvrs: Option<PathBuf>,
    /// macro: which of the mapping's [[source]] tables holds the recount.
    #[arg(long = "from", value_name = "MAPPING_SOURCE", requires = "mapping")]
    from: Option<String>,
    /// Go to a full hand count once this many draws have not confirmed the outcome (the limit
    /// the commission set before the audit).
    #[arg(long, value_name = "N")]
    escalate_after: Option<u64>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.step {
        Step::Plan(p) => plan(p),
        Step::Draw(d) => draw(d),
        Step::Assess(x) => assess(x),
    }
}

// ---------------------------------------------------------------- plan

fn plan(p: PlanArgs) -> anyhow::Result<()> {
    let a = &p.audit;
    let opened = reviewing::open(&a.election)?;
    let audit = Audit::build(&opened, &a.spec()).lift()?;
    let report = audit.plan(&opened.provenance).lift()?;
    let next = a.again(&audit.spec).after_plan(&report);
    if a.json {
        return reviewing::print_json(&WithNext {
            report: &report,
            next: Some(next),
        });
    }
    let mut o = render::plan(&audit, &report);
    outln!(o, "Next: roll the dice in public, then\n  {next}");
    reviewing::write_stdout(&o)
}

// ---------------------------------------------------------------- draw

fn draw(d: DrawArgs) -> anyhow::Result<()> {
    let a = &d.audit;
    if let Some(t) = &d.template
        && t.exists()
    {
        bail!(
            "{} already exists; --template writes a new file (a later round's rows are added to the first file by hand)",
            t.display()
        );
    }
    if let Some(s) = &d.seed.seed {
        review::seed::parse_seed(s).lift()?;
    }
    let opened = reviewing::open(&a.election)?;
    let audit = Audit::build(&opened, &a.spec()).lift()?;
    let mut source = reviewing::draw_seed(&d.seed, &opened, d.round)?;
    let (first, count) = audit.draw_range(&source, d.first, d.count).lift()?;
    let (seed, seed_record) = source.seed().lift()?;
    let mut report = audit
        .draw(&opened.provenance, &seed, seed_record, first, count)
        .lift()?;
    if let Some(r) = source.recorder() {
        report.recorded = Some(r.record(report.recorded_ids()).lift()?);
    }
    if let Some(path) = &d.template {
        reviewing::write_file(path, audit.template(&report).as_bytes())?;
        if !a.json {
            eprintln!("wrote {}", path.display());
        }
    }
    if a.json {
        return reviewing::print_json(&report);
    }
    let mut o = render::draw(&audit, &report, d.seed.audit_id.as_deref());
    o.push_str(
        &a.again(&audit.spec)
            .after_draw(&report, &seed, d.template.as_deref()),
    );
    reviewing::write_stdout(&o)
}

// ---------------------------------------------------------------- assess

fn assess(x: AssessArgs) -> anyhow::Result<()> {
    let a = &x.audit;
    if x.mapping.is_some() && a.method != MethodArg::Macro {
        bail!(
            "--mapping reads station-level recounts (macro); a bravo or comparison file is ballot,choice"
        );
    }
    if x.cvrs.is_some() && a.method != MethodArg::Comparison {
        bail!("--cvrs is for --method comparison");
    }
    let given_seed = match &x.seed {
        Some(s) => Some(review::seed::parse_seed(s).lift()?),
        None => None,
    };
    if x.draws == Some(0) {
        bail!("--draws is the number of draws made so far, at least 1");
    }
    rla::check_draws(x.draws.or(Some(1)), review::Param::Draws).lift()?;
    let opened = reviewing::open(&a.election)?;
    let audit = Audit::build(&opened, &a.spec()).lift()?;
    let again = a.again(&audit.spec);
    let source = match (&x.audit_id, given_seed, x.draws) {
        (Some(id), _, given) => {
            let revealed = review::audit::Revealed::read(&opened, id).lift()?;
            audit.check_committed(&revealed).lift()?;
            if revealed.record.rounds.is_empty() {
                bail!(
                    "audit {id:?} has no recorded sample yet: draw and record round 1 with \
                     `{} --audit {} --record DIR --as KEY`",
                    again.command("draw"),
                    shell(id)
                );
            }
            audit.recorded_draws(&revealed, given).lift()?
        }
        (None, Some(seed), Some(draws)) => Drawn {
            seed: seed.to_string(),
            draws,
            audit: None,
        },
        (None, None, _) => bail!("give --seed SEED and --draws N, or --audit ID"),
        (None, Some(_), None) => bail!("--draws N: how many draws have been made so far"),
    };
    let files = Recounts {
        files: x.recount.clone(),
        mapping: x.mapping.clone(),
        from: x.from.clone(),
    };
    let names = files.names();
    match audit.spec.method {
        Method::Macro => {
            let report = audit
                .assess_macro(&opened.provenance, &source, &files, x.escalate_after)
                .lift()?;
            let next = again.next_round(&source, report.continue_with());
            show(a.json, &report, next, |n| {
                render::macro_assessment(&audit, &report, &names, n)
            })
        }
        Method::Bravo => {
            let report = audit
                .assess_bravo(&opened.provenance, &source, &files, x.escalate_after)
                .lift()?;
            let next = again.next_round(&source, report.continue_with(&source));
            show(a.json, &report, next, |n| {
                render::bravo_assessment(&audit, &report, &names, n)
            })
        }
        Method::Comparison => {
            let Some(cvrs) = &x.cvrs else {
                bail!(
                    "--cvrs FILE: a comparison audit compares each drawn ballot with its cast vote record"
                );
            };
            let report = audit
                .assess_comparison(&opened.provenance, &source, &files, cvrs, x.escalate_after)
                .lift()?;
            let next = again.next_round(&source, report.continue_with());
            show(a.json, &report, next, |n| {
                render::comparison_assessment(&audit, &report, &names, n)
            })
        }
    }
}

/// Prints an assessment as JSON (with the next command as `next`) or as text.
fn show<T: Serialize>(
    json: bool,
    report: &T,
    next: Option<String>,
    text: impl FnOnce(Option<&str>) -> String,
) -> anyhow::Result<()> {
    if json {
        return reviewing::print_json(&WithNext { report, next });
    }
    reviewing::write_stdout(&text(next.as_deref()))
}
