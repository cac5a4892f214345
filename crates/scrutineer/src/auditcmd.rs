//! `scrutineer audit {commit,reveal,show}`: a public-seed audit recorded in the election's log.
//! The seed is committed to (SHA-256 with a random salt) before it is revealed; the draw's
//! parameters are fixed in the same entry (its `draw` field); then the seed; then each round's
//! sample. Anyone who replays the log can check that the seed matches the commitment and redo
//! every draw. The checks are `review::audit`; this module wires and renders them.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use anyhow::{Context, bail};
use review::audit::Tool;
use review::rla::Method;
use stats::list_audit::ListTest;
use stats::seed::AuditSeed;

use review::render::audit as render;

use crate::reviewing::{self, ElectionArgs, Lift};

/// Run a public-seed audit in the log: commit to the dice, reveal them, show and check it.
#[derive(clap::Args)]
#[command(long_about = render::HELP, after_long_help = render::HELP_EXAMPLE)]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(clap::Subcommand)]
enum Step {
    Commit(CommitArgs),
    Reveal(RevealArgs),
    Show(ShowArgs),
}

/// What the seed will draw.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum For {
    /// A risk-limiting audit (`scrutineer rla`).
    Rla,
    /// A parallel vote tabulation (`scrutineer pvt`).
    Pvt,
    /// A voter-list audit of the roll (`scrutineer list-audit`).
    List,
    /// Anything else (`scrutineer sample`): the purpose text says what; the log records the
    /// seed and the samples, but cannot redo the draw.
    Other,
}

/// Record a commitment to the audit's dice, and keep the dice in a private file for the reveal.
///
/// The dice are read from standard input unless --seed is given (so they do not land in the
/// shell's history). A new random 32-byte salt makes the commitment hiding.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  \
    scrutineer audit commit demo/election --audit na-macro-1 --for rla --method macro \\\n      \
    --purpose 'MACRO audit of the National Assembly result' --as demo/keys/nec.cpp.1.key\n\n\
    The whole cycle: scrutineer audit --help")]
struct CommitArgs {
    /// The election directory.
    dir: PathBuf,
    /// The audit's id: letters, digits, '-', '_' and '.', unique in the election.
    #[arg(long = "audit", value_name = "ID")]
    id: String,
    /// What the seed is for, in words; the draw's parameters are added to it.
    #[arg(long)]
    purpose: String,
    /// What the seed will draw.
    #[arg(long = "for", value_enum)]
    tool: For,
    /// The dice as rolled, digits 1-6, at least 20 (default: read from standard input).
    #[arg(long, value_name = "DICE")]
    seed: Option<String>,
    /// The contest's id (needed when the election has several).
    #[arg(long)]
    contest: Option<String>,
    /// Only this area (an area code); default the whole election.
    #[arg(long, value_name = "CODE")]
    area: Option<String>,
    /// rla: macro (batch comparison by station), bravo (ballot polling) or comparison.
    #[arg(long, value_enum)]
    method: Option<MethodArg>,
    /// rla: how many choices win.
    #[arg(long)]
    winners: Option<usize>,
    /// rla: the risk limit (default 0.05).
    #[arg(long, value_name = "ALPHA")]
    risk_limit: Option<f64>,
    /// pvt: the strata, the areas of this level (its name), or none; default the top level.
    /// list: what a cluster is, station or an area level (default station).
    #[arg(long)]
    level: Option<String>,
    /// list: list-to-people (names drawn from the roll, looked for in the field) or
    /// people-to-list (people met in drawn areas, looked up on the roll).
    #[arg(long, value_enum)]
    test: Option<ListTestArg>,
    /// list: how many clusters to draw.
    #[arg(long, value_name = "K")]
    clusters: Option<usize>,
    /// list: names (list-to-people) or households (people-to-list) per cluster.
    #[arg(long, value_name = "N")]
    per_cluster: Option<usize>,
    /// pvt: how many stations to draw.
    #[arg(long, value_name = "K")]
    take: Option<usize>,
    /// The key that signs, and that alone may reveal the seed and record the samples.
    #[arg(long = "as", value_name = "KEY")]
    key: PathBuf,
}

/// Record the seed and salt of a committed audit, from the private file `commit` kept.
#[derive(clap::Args)]
#[command(after_help = "Example:\n  \
    scrutineer audit reveal demo/election --audit na-macro-1 --as demo/keys/nec.cpp.1.key\n\n\
    The whole cycle: scrutineer audit --help")]
struct RevealArgs {
    /// The election directory.
    dir: PathBuf,
    #[arg(long = "audit", value_name = "ID")]
    id: String,
    /// The key that committed the audit.
    #[arg(long = "as", value_name = "KEY")]
    key: PathBuf,
}

/// Show an audit and check it: the seed against the commitment, each recorded sample against
/// a fresh draw from the seed. Without --audit, list the election's audits.
///
/// Exits with status 1 when a check fails.
#[derive(clap::Args)]
#[command(after_help = "Examples:\n  \
    scrutineer audit show demo/election --audit na-macro-1\n  \
    scrutineer audit show demo/public --vkey LOG_VKEY --audit na-macro-1\n\n\
    The whole cycle: scrutineer audit --help")]
struct ShowArgs {
    #[command(flatten)]
    election: ElectionArgs,
    #[arg(long = "audit", value_name = "ID")]
    id: Option<String>,
    /// Print the result as JSON (docs/json.md).
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.step {
        Step::Commit(c) => commit(c),
        Step::Reveal(r) => reveal(r),
        Step::Show(s) => show(s),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ListTestArg {
    ListToPeople,
    PeopleToList,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum MethodArg {
    /// Batch comparison, the polling station as the batch.
    Macro,
    /// Ballot polling.
    Bravo,
    /// Ballot-level comparison with cast vote records.
    Comparison,
}

// ---------------------------------------------------------------- commit

/// The dice: from --seed, or read from standard input.
fn read_dice(given: Option<&str>) -> anyhow::Result<AuditSeed> {
    let (text, from) = match given {
        Some(s) => {
            eprintln!(
                "note: --seed leaves the dice in your shell's history; leave it out to type them instead"
            );
            (s.to_string(), "--seed")
        }
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprint!("Type the dice as rolled (digits 1-6, at least 20), then Enter: ");
            }
            let mut text = String::new();
            if stdin.is_terminal() {
                stdin
                    .read_line(&mut text)
                    .context("reading the dice from standard input")?;
            } else {
                stdin
                    .lock()
                    .take(4096)
                    .read_to_string(&mut text)
                    .context("reading the dice from standard input")?;
            }
            (text.trim().to_string(), "the dice read from standard input")
        }
    };
    AuditSeed::parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "{from}: {e}. The audit seed is the dice as rolled: at least {} digits 1-6, nothing else",
            stats::seed::MIN_DICE
        )
    })
}

fn commit(c: CommitArgs) -> anyhow::Result<()> {
    review::audit::check_id(&c.id).lift()?;
    let dir_text = c.dir.display().to_string();
    if !c.dir.join("log.toml").exists() {
        bail!("{dir_text} is not an election directory (no log.toml)");
    }
    let (_, election) = crate::logdir::open_election(&c.dir)?;
    let opened = review::Review::of_election(election, &dir_text).lift()?;
    let key = crate::logdir::read_key(&c.key)?;
    let request = review::audit::CommitRequest {
        tool: match c.tool {
            For::Rla => Tool::Rla,
            For::Pvt => Tool::Pvt,
            For::List => Tool::List,
            For::Other => Tool::Other,
        },
        method: c.method.map(|m| match m {
            MethodArg::Macro => Method::Macro,
            MethodArg::Bravo => Method::Bravo,
            MethodArg::Comparison => Method::Comparison,
        }),
        test: c.test.map(|t| match t {
            ListTestArg::ListToPeople => ListTest::ListToPeople,
            ListTestArg::PeopleToList => ListTest::PeopleToList,
        }),
        contest: c.contest,
        area: c.area,
        level: c.level,
        winners: c.winners,
        risk_limit: c.risk_limit,
        clusters: c.clusters,
        per_cluster: c.per_cluster,
        take: c.take,
    };
    let plan = review::audit::prepare_commitment(&opened, &c.id, &c.purpose, request).lift()?;
    let seed = read_dice(c.seed.as_deref())?;
    let done =
        review::audit::record_commitment(opened, &c.dir, &c.id, &c.purpose, plan, &seed, &key)
            .lift()?;
    let key_text = c.key.display().to_string();
    let commands = render::Commands {
        dir: &dir_text,
        id: &c.id,
        key: &key_text,
    };
    reviewing::write_stdout(&render::committed(&commands, &done, &c.purpose))
}

// ---------------------------------------------------------------- reveal

fn reveal(r: RevealArgs) -> anyhow::Result<()> {
    review::audit::check_id(&r.id).lift()?;
    let key = crate::logdir::read_key(&r.key)?;
    let dir_text = r.dir.display().to_string();
    let (_, election) = crate::logdir::open_election(&r.dir)?;
    let opened = review::Review::of_election(election, &dir_text).lift()?;
    let done = review::audit::record_reveal(opened, &r.dir, &r.id, &key).lift()?;
    let key_text = r.key.display().to_string();
    let commands = render::Commands {
        dir: &dir_text,
        id: &r.id,
        key: &key_text,
    };
    reviewing::write_stdout(&render::revealed(&commands, &done))
}

// ---------------------------------------------------------------- show

/// An audit as `show` lists it, with its draw as command-line options.
#[derive(serde::Serialize)]
struct WithOptions<'a, T: serde::Serialize> {
    #[serde(flatten)]
    report: &'a T,
    /// The committed draw as options of `scrutineer rla` or `scrutineer pvt`.
    draw_options: Option<String>,
}

fn show(s: ShowArgs) -> anyhow::Result<()> {
    let opened = reviewing::open(&s.election)?;
    let Some(id) = &s.id else {
        let report = review::audit::list(&opened).lift()?;
        if s.json {
            return reviewing::print_json(&report);
        }
        let o = render::list(&report);
        return reviewing::write_stdout(&o);
    };
    let report = review::audit::show(&opened, id).lift()?;
    if s.json {
        reviewing::print_json(&WithOptions {
            report: &report,
            draw_options: report.draw.as_ref().map(reviewing::plan_flags),
        })?;
    } else {
        reviewing::write_stdout(&render::show(
            &report,
            report.draw.as_ref().map(reviewing::plan_flags).as_deref(),
        ))?;
    }
    if let Some(line) = render::problems(&report) {
        bail!(line);
    }
    Ok(())
}
