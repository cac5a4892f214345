//! `scrutineer rla {plan,draw,assess}`: a risk-limiting audit of one contest's paper ballots
//! against the official result forms recorded in the election. The audit itself is
//! `review::rla`; this module parses the arguments and renders the reports.

use std::path::PathBuf;

use anyhow::bail;
use review::rla::{self, Audit, Drawn, Method, Recounts, Spec};
use serde::Serialize;
use stats::rla::batch::BatchDecision;
use stats::rla::comparison::ComparisonDecision;

use review::render::rla as render;

use crate::reviewing::{self, ElectionArgs, Lift, SeedArgs, outln, shell};

const LONG_ABOUT: &str = "\
A risk-limiting audit checks the reported outcome of one contest against the paper ballots.
The reported result is the official result forms recorded in the election. The audit counts
a random sample of ballots by hand and stops once the risk - the largest chance that it
would confirm a wrong outcome - is at or below the risk limit. A wrong outcome is confirmed
with a chance of at most the risk limit; otherwise the audit grows, round by round, into a
full hand count, and the hand count decides.

The cycle, which anyone can run from the public record:

  1. plan    How many stations (macro) or ballots (bravo) the first round needs.
  2. draw    Which ones, from a seed of at least 20 dice rolled in public. It prints the
             seed's SHA-256 commitment: whoever rolls records it before revealing the roll,
             and anyone checks it later with --salt and --commitment. --template writes the
             file to fill in with the hand counts.
  3. assess  Reads the hand counts (CSV) and decides: CONFIRMED; CONTINUE, with the size of
             the next round (draw it with --first and --count, then assess again with every
             round's file and the new --draws); or FULL HAND COUNT.

To keep the audit in the election's log, where anyone can check the seed and every draw,
commit to the dice first with `scrutineer audit commit` (see `scrutineer audit --help`).
Then `draw --audit ID --record DIR --as KEY` takes the revealed seed from the log, draws with
the parameters committed with it, and records the draws as the audit's next round; `assess
--audit ID` takes the seed and the draws from the log, and refuses to assess a recorded sample
that the seed does not draw.

Methods:

  macro  Batch comparison with the polling station as the batch (MACRO, as VotingWorks
         Arlo). Stations are drawn with replacement, with probability proportional to their
         error bound (PPEB). Every ballot of a drawn station is counted by hand, and the
         count is compared with the station's official form.
  bravo  Ballot polling (BRAVO). Single ballots are drawn with replacement, by Rivest's
         consistent_sampler, from the ballot manifest: ballots 1 to B of every station, where
         B is valid + invalid on its official form, with ids STATION:N. A ballot drawn twice
         counts twice.
  comparison
         Ballot-level comparison (Kaplan-Markov, Stark's super-simple method, as rlacalc
         computes it; error inflation factor 1.03905). Ballots are drawn as for bravo; each
         drawn ballot's hand interpretation is compared with its cast vote record (--cvrs),
         and the discrepancies are counted in votes of margin (one- and two-vote over- and
         understatements). A drawn ballot with no record counts as a two-vote overstatement.
         The records must add up to the official forms, station by station.

The contest is --contest (needed when the election has several) in --area (default: the
whole election). Its reported winners are the --winners choices with the most official
votes there (default 1), and every winner-loser pair is checked. For a party-list contest
this audits which lists got the most votes in the area, not the seat allocation. Stations
without an official form are left out and listed.

Recount files (CSV; .csv.gz and .csv.zip are read too):

  macro  One row per station drawn. The header is station,<choice id>,... with one column
         per choice id of the contest, in any order; other columns are ignored. Counts are
         whole numbers. Any other layout is read through --mapping (a station-results
         mapping, docs/mapping.md; --from picks one of its sources) whose station id is the
         station code. Rows for stations not drawn do not enter the p-value; a file with
         every station is a full hand count.
  bravo  One row per ballot drawn, with the header ballot,choice (other columns ignored):
         the ballot's id as drawn, and the choice marked on it by id or name, or blank,
         invalid or an empty cell for a ballot with no vote for any choice.
  comparison
         The recount as for bravo; the cast vote records (--cvrs) in the same layout, one
         row for every ballot of the manifest, with the choice the tabulation recorded.

The election is an election directory, a published log replayed first (--vkey and
--witness, or --policy; add --state-db FILE to keep the rebuilt state), or --state-db FILE
alone for a state kept by an earlier replay.

Every formula, and how to redo a draw with the Python tools: docs/methods.md, sections 2, 3
and 9; audits in the log: section 11.";

const EXAMPLES: &str = "\
Example: a MACRO audit of the demo election at a 5% risk limit.

  scrutineer demo --scale 1/100 --dir demo
  scrutineer rla plan demo/election --method macro
      First round: 58 draws of stations ...
  scrutineer rla draw demo/election --method macro --seed 35216452316254163524 \\
      --template round1.csv
      Count the ballots of every station listed; fill in round1.csv.
  scrutineer rla assess demo/election --method macro --seed 35216452316254163524 \\
      --draws 58 --recount round1.csv
      080201-008 (drawn 1x): CNRP 142 -> 177, CPP 202 -> 167 ...
      p-value (risk) 0.057589 ... Decision: CONTINUE. Draw 3 more stations
  scrutineer rla draw demo/election --method macro --seed 35216452316254163524 \\
      --first 59 --count 3 --template round2.csv
  scrutineer rla assess demo/election --method macro --seed 35216452316254163524 \\
      --draws 61 --recount round1.csv --recount round2.csv
      p-value (risk) 0.049237 ... Decision: CONFIRMED.

From the published log, keeping the rebuilt state for the next steps:

  scrutineer rla plan demo/public --vkey LOG_VKEY --witness W1 --witness W2 \\
      --state-db kh.db --method bravo
  scrutineer rla draw --state-db kh.db --method bravo --seed 35216452316254163524";

/// Run a risk-limiting audit of a contest: plan, draw, assess.
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

    /// The command that names this audit again.
    fn command(&self, step: &str) -> String {
        let mut w = vec![format!("scrutineer rla {step}")];
        w.extend(reviewing::election_words(&self.election));
        w.push(format!("--method {}", self.spec().method.name()));
        if let Some(c) = &self.contest {
            w.push(format!("--contest {}", shell(c)));
        }
        if let Some(x) = &self.area {
            w.push(format!("--area {}", shell(x)));
        }
        if self.winners != 1 {
            w.push(format!("--winners {}", self.winners));
        }
        w.push(format!("--risk-limit {}", self.risk_limit));
        w.join(" ")
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

/// A report with the next command to run, as the JSON output gives it.
#[derive(Serialize)]
struct WithNext<'a, T: Serialize> {
    #[serde(flatten)]
    report: &'a T,
    next: Option<String>,
}

// ---------------------------------------------------------------- plan

fn plan(p: PlanArgs) -> anyhow::Result<()> {
    let a = &p.audit;
    let opened = reviewing::open(&a.election)?;
    let audit = Audit::build(&opened, &a.spec()).lift()?;
    let report = audit.plan(&opened.provenance).lift()?;
    let next = format!(
        "{} --seed DICE --count {} --template recount.csv",
        a.command("draw"),
        report.first_round
    );
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
    let last = first + count - 1;
    let file = d.template.as_ref().map_or("RECOUNT.csv".to_string(), |t| {
        shell(&t.display().to_string())
    });
    o.push_str(&format!(
        "Next: count them by hand{}, then\n  {} {} {}--recount {file}\n",
        d.template
            .as_ref()
            .map_or(String::new(), |t| format!(" into {}", t.display())),
        a.command("assess"),
        match &report.recorded {
            Some(r) => format!("--audit {}", shell(&r.audit)),
            None => format!("--seed {seed} --draws {last}"),
        },
        if first > 1 {
            "--recount EARLIER_ROUNDS.csv "
        } else {
            ""
        },
    ));
    reviewing::write_stdout(&o)
}

// ---------------------------------------------------------------- assess

/// The options that name the next round's draw.
fn next_draw(source: &Drawn, first: u64, count: u64) -> String {
    match &source.audit {
        Some(id) => format!(
            "--audit {} --count {count} --record DIR --as KEY --template round.csv",
            shell(id)
        ),
        None => format!(
            "--seed {} --first {first} --count {count} --template round.csv",
            source.seed
        ),
    }
}

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
    let source = match (&x.audit_id, given_seed, x.draws) {
        (Some(id), _, given) => {
            let revealed = review::audit::Revealed::read(&opened, id).lift()?;
            audit.check_committed(&revealed).lift()?;
            if revealed.record.rounds.is_empty() {
                bail!(
                    "audit {id:?} has no recorded sample yet: draw and record round 1 with \
                     `{} --audit {} --record DIR --as KEY`",
                    a.command("draw"),
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
    // The command of the next round, when the decision is to continue with `count` draws
    // from draw `first`.
    let next = |round: Option<(u64, u64)>| {
        round.map(|(first, count)| {
            format!("{} {}", a.command("draw"), next_draw(&source, first, count))
        })
    };
    match audit.spec.method {
        Method::Macro => {
            let report = audit
                .assess_macro(&opened.provenance, &source, &files, x.escalate_after)
                .lift()?;
            let next = next(match report.decision {
                BatchDecision::Continue {
                    further_draws,
                    next_first,
                } => Some((next_first, further_draws)),
                _ => None,
            });
            show(a.json, &report, next, |n| {
                render::macro_assessment(&audit, &report, &names, n)
            })
        }
        Method::Bravo => {
            let report = audit
                .assess_bravo(&opened.provenance, &source, &files, x.escalate_after)
                .lift()?;
            let next = next(report.next_round.map(|q90| (source.draws + 1, q90)));
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
            let next = next(match report.assessment.decision {
                ComparisonDecision::Continue {
                    further_draws,
                    next_first,
                } => Some((next_first, further_draws)),
                _ => None,
            });
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
