//! `scrutineer audit {commit,reveal,show}`: a public-seed audit recorded in the election's log.
//! The seed is committed to (SHA-256 with a random salt) before it is revealed; the draw's
//! parameters are fixed in the same entry (its `draw` field); then the seed; then each round's
//! sample. Anyone who replays the log can check that the seed matches the commitment and redo
//! every draw. The checks are `review::audit`; this module wires and renders them.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ledger::event::DrawPlan;
use review::audit::{Commit, Secret};
use review::pvt::FrameSpec;
use review::rla::{Method, Spec};
use stats::seed::AuditSeed;

use review::render::audit as render;

use crate::reviewing::{self, ElectionArgs, Lift, group, outln, shell};

const LONG_ABOUT: &str = "\
An audit in the log makes a public-seed draw checkable by anyone, step by step:

  1. commit   Whoever runs the audit (a commission member or clerk, a party agent or an
              observer group) rolls at least 20 dice and records a commitment to them:
              SHA-256 of the dice and a random 32-byte salt. The same entry fixes what the
              seed will draw: the tool (rla, pvt or list), the contest, the area, and the
              method, winners and risk limit (rla), the strata and the number of stations
              (pvt), or the test, clusters and names per cluster (list, a voter-list audit).
              The dice and the salt stay in a private file in the election directory.
  2. reveal   Later, the seed and salt are recorded. The log refuses them unless they match
              the commitment, and only the key that committed may reveal.
  3. draw     `rla draw`, `pvt draw` or `list-audit draw` with --audit ID --record DIR
              --as KEY reads the revealed seed from the log, draws with the committed
              parameters, and records the sample, in draw order, as the audit's next round.
  4. assess   `rla assess`, `pvt estimate` or `list-audit estimate` with --audit ID reads the
              seed and the recorded sample from the log, and refuses to go on if a fresh draw
              from the seed differs from what was recorded.
  5. show     `audit show` prints the commitment, the seed and every round, and checks that
              the seed matches the commitment and that every recorded sample is the one the
              seed draws. It works on the election directory or on the published log, replayed.

Fix the data before the commitment: the official result forms of the contest should all be
recorded (certified) first, because the draw is made from them. `audit show` says how many
official forms were recorded or approved after the commitment and after the reveal. A commitment does not
stop whoever rolls from rolling again until a sample suits them: roll where the other parties'
agents can watch.

Procedure and formulas: docs/methods.md, section 11.";

const EXAMPLES: &str = "\
Example: a MACRO audit of the demo election, run by a commission member.

  scrutineer demo --scale 1/100 --dir demo
  scrutineer audit commit demo/election --audit na-macro-1 --for rla --method macro \\
      --purpose 'MACRO audit of the National Assembly result' --as demo/keys/nec.cpp.1.key
      Type the dice as rolled (digits 1-6, at least 20), then Enter: 35216452316254163524
      Audit na-macro-1 committed at entry 98,096 ...
  scrutineer publish demo/election demo/public       (everyone sees the commitment)
  scrutineer audit reveal demo/election --audit na-macro-1 --as demo/keys/nec.cpp.1.key
  scrutineer rla draw demo/election --method macro --audit na-macro-1 \\
      --record demo/election --as demo/keys/nec.cpp.1.key --template round1.csv
      Count the ballots of every station listed; fill in round1.csv.
  scrutineer rla assess demo/election --method macro --audit na-macro-1 --recount round1.csv
      Decision: CONTINUE. Draw 3 more stations ...
  scrutineer rla draw demo/election --method macro --audit na-macro-1 --count 3 \\
      --record demo/election --as demo/keys/nec.cpp.1.key --template round2.csv
  scrutineer rla assess demo/election --method macro --audit na-macro-1 \\
      --recount round1.csv --recount round2.csv
  scrutineer publish demo/election demo/public
  scrutineer audit show demo/public --vkey LOG_VKEY --audit na-macro-1

A PVT is committed with --for pvt --take K [--level LEVEL], drawn with
`scrutineer pvt draw ... --audit ID --record DIR --as KEY` and estimated with
`scrutineer pvt estimate ... --audit ID`.";

/// Run a public-seed audit in the log: commit to the dice, reveal them, show and check it.
#[derive(clap::Args)]
#[command(long_about = LONG_ABOUT, after_long_help = EXAMPLES)]
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
    if c.purpose.trim().is_empty() {
        bail!("--purpose: say in words what the seed will draw");
    }
    let dir_text = c.dir.display().to_string();
    if !c.dir.join("log.toml").exists() {
        bail!("{dir_text} is not an election directory (no log.toml)");
    }
    let (_, election) = crate::logdir::open_election(&c.dir)?;
    let opened = review::Review::of_election(election, &dir_text).lift()?;
    let key = crate::logdir::read_key(&c.key)?;
    if let Some(a) = ledger::report::audit(opened.conn(), &c.id).map_err(anyhow::Error::msg)? {
        bail!(
            "audit {:?} already exists: committed by {} at entry {}; choose another id",
            c.id,
            a.author,
            a.committed_at
        );
    }
    let only = |what: &str, given: bool, tool: &str| -> anyhow::Result<()> {
        if given {
            bail!("{what} is for --for {tool} only");
        }
        Ok(())
    };
    let list_only = [
        ("--test", c.test.is_some()),
        ("--clusters", c.clusters.is_some()),
        ("--per-cluster", c.per_cluster.is_some()),
    ];
    if c.tool != For::List {
        for (what, given) in list_only {
            only(what, given, "list")?;
        }
    }
    let what = match c.tool {
        For::Rla => {
            only("--level", c.level.is_some(), "pvt or list")?;
            only("--take", c.take.is_some(), "pvt")?;
            let Some(method) = c.method else {
                bail!("--for rla needs --method macro, bravo or comparison");
            };
            Commit::Rla(Spec {
                method: match method {
                    MethodArg::Macro => Method::Macro,
                    MethodArg::Bravo => Method::Bravo,
                    MethodArg::Comparison => Method::Comparison,
                },
                contest: c.contest.clone(),
                area: c.area.clone(),
                winners: c.winners.unwrap_or(1),
                risk_limit: c.risk_limit.unwrap_or(0.05),
            })
        }
        For::List => {
            for (what, given) in [
                ("--contest", c.contest.is_some()),
                ("--method", c.method.is_some()),
                ("--winners", c.winners.is_some()),
                ("--risk-limit", c.risk_limit.is_some()),
                ("--take", c.take.is_some()),
            ] {
                if given {
                    bail!("{what} is not for --for list");
                }
            }
            let (Some(test), Some(clusters), Some(per_cluster)) =
                (c.test, c.clusters, c.per_cluster)
            else {
                bail!(
                    "--for list needs --test, --clusters K and --per-cluster N (see `scrutineer list-audit plan`)"
                );
            };
            Commit::List(review::list_audit::Spec {
                test: match test {
                    ListTestArg::ListToPeople => stats::list_audit::ListTest::ListToPeople,
                    ListTestArg::PeopleToList => stats::list_audit::ListTest::PeopleToList,
                },
                area: c.area.clone(),
                level: c.level.clone(),
                clusters,
                per_cluster,
            })
        }
        For::Pvt => {
            only("--method", c.method.is_some(), "rla")?;
            only("--winners", c.winners.is_some(), "rla")?;
            only("--risk-limit", c.risk_limit.is_some(), "rla")?;
            let Some(take) = c.take else {
                bail!(
                    "--for pvt needs --take K, the number of stations to draw (see `scrutineer pvt plan`)"
                );
            };
            Commit::Pvt(
                FrameSpec {
                    contest: c.contest.clone(),
                    area: c.area.clone(),
                    level: c.level.clone(),
                },
                take,
            )
        }
        For::Other => {
            for (what, given) in [
                ("--contest", c.contest.is_some()),
                ("--area", c.area.is_some()),
                ("--method", c.method.is_some()),
                ("--winners", c.winners.is_some()),
                ("--risk-limit", c.risk_limit.is_some()),
                ("--level", c.level.is_some()),
                ("--take", c.take.is_some()),
            ] {
                if given {
                    bail!("{what} describes an rla or pvt draw; --for other records no draw");
                }
            }
            Commit::Other
        }
    };
    let plan = review::audit::plan_for(&opened, &what).lift()?;
    let seed = read_dice(c.seed.as_deref())?;
    let (entry, secret) =
        review::audit::commitment(&opened, &c.id, &c.purpose, plan.clone(), &seed, &key).lift()?;
    let mut election = opened.into_election().expect("opened from the directory");
    let path = review::audit::secret_path(&c.dir, &c.id);
    secret.keep(&path).lift()?;
    let receipt = match election.submit(&[entry]) {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(crate::refusal::explain(e));
        }
    };
    let commitment = &secret.commitment;
    let mut o = String::new();
    outln!(
        o,
        "Audit {} committed at entry {} by {}",
        c.id,
        group(receipt.first),
        key.name()
    );
    outln!(o, "  commitment {commitment}");
    outln!(o, "  purpose: {}", c.purpose.trim());
    match &plan {
        Some(p) => outln!(
            o,
            "  the seed will draw: scrutineer {}",
            reviewing::plan_flags(p)
        ),
        None => outln!(
            o,
            "  the seed's draw is not one scrutineer can redo (--for other)"
        ),
    }
    outln!(
        o,
        "The dice and the salt are kept in {} (readable by you only) until the reveal; do not \
         share them.",
        path.display()
    );
    outln!(o, "Next:");
    outln!(
        o,
        "  1. publish the log, so that everyone holds the commitment before the reveal:\n       \
         scrutineer publish {} PUBLIC_DIR",
        shell(&dir_text)
    );
    outln!(
        o,
        "  2. when the time comes, reveal the seed:\n       scrutineer audit reveal {} --audit {} --as {}",
        shell(&dir_text),
        shell(&c.id),
        shell(&c.key.display().to_string())
    );
    if let Some(p) = &plan {
        outln!(
            o,
            "  3. draw and record the sample:\n       {}",
            draw_command(p, &c.dir, &c.id, &c.key)
        );
    }
    reviewing::write_stdout(&o)
}

/// The command that draws and records the first round.
fn draw_command(plan: &DrawPlan, dir: &Path, id: &str, key: &Path) -> String {
    let d = shell(&dir.display().to_string());
    let k = shell(&key.display().to_string());
    match plan {
        DrawPlan::Rla(p) => {
            let mut w = vec![format!("scrutineer rla draw {d} --method {}", p.method)];
            w.push(format!("--contest {}", shell(&p.contest)));
            if let Some(a) = &p.area {
                w.push(format!("--area {}", shell(a)));
            }
            if p.winners != 1 {
                w.push(format!("--winners {}", p.winners));
            }
            w.push(format!("--risk-limit {}", p.risk_limit));
            w.push(format!("--audit {} --record {d} --as {k}", shell(id)));
            w.push("--template round1.csv".into());
            w.join(" ")
        }
        DrawPlan::List(_) => format!(
            "scrutineer list-audit draw {d} --audit {} --record {d} --as {k} --out sheet.csv",
            shell(id)
        ),
        DrawPlan::Pvt(p) => {
            let mut w = vec![format!(
                "scrutineer pvt draw {d} --contest {}",
                shell(&p.contest)
            )];
            if let Some(a) = &p.area {
                w.push(format!("--area {}", shell(a)));
            }
            w.push(format!("--level {}", shell(&p.level)));
            w.push(format!("--audit {} --record {d} --as {k}", shell(id)));
            w.push("--template reports.csv".into());
            w.join(" ")
        }
    }
}

// ---------------------------------------------------------------- reveal

fn reveal(r: RevealArgs) -> anyhow::Result<()> {
    review::audit::check_id(&r.id).lift()?;
    let key = crate::logdir::read_key(&r.key)?;
    let dir_text = r.dir.display().to_string();
    let (_, election) = crate::logdir::open_election(&r.dir)?;
    let opened = review::Review::of_election(election, &dir_text).lift()?;
    let record = ledger::report::audit(opened.conn(), &r.id).map_err(anyhow::Error::msg)?;
    if record.is_none() {
        bail!(
            "no audit {:?} was committed in {}; commit it first with `scrutineer audit commit`",
            r.id,
            r.dir.display()
        );
    }
    let path = review::audit::secret_path(&r.dir, &r.id);
    let secret = Secret::read(&path).lift()?;
    let (entry, record) = review::audit::reveal(&opened, &r.id, &secret, &path, &key).lift()?;
    let mut election = opened.into_election().expect("opened from the directory");
    let receipt = election.submit(&[entry]).map_err(crate::refusal::explain)?;
    let mut o = String::new();
    outln!(
        o,
        "Audit {} revealed its seed at entry {}",
        r.id,
        group(receipt.first)
    );
    outln!(o, "  seed {} ({} dice)", secret.seed, secret.seed.len());
    outln!(o, "  salt {}", secret.salt);
    outln!(
        o,
        "  matches the commitment {} recorded at entry {}",
        record.commitment,
        group(record.committed_at)
    );
    outln!(
        o,
        "{} is no longer secret; keep it or delete it.",
        path.display()
    );
    match &record.draw {
        Some(p) => outln!(
            o,
            "Next: draw and record the sample:\n  {}",
            draw_command(p, &r.dir, &r.id, &r.key)
        ),
        None => outln!(
            o,
            "Next: draw with the seed, and record the sample with `scrutineer submit` (kind \
             audit_sample)"
        ),
    }
    reviewing::write_stdout(&o)
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
    if let Some(p) = report.problems.first() {
        bail!(
            "audit {} does not check out: {p}{}",
            report.audit,
            if report.problems.len() > 1 {
                format!(" (and {} more problems)", report.problems.len() - 1)
            } else {
                String::new()
            }
        );
    }
    Ok(())
}
