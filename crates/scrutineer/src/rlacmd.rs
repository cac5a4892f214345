//! `scrutineer rla {plan,draw,assess}`: a risk-limiting audit of one contest's paper ballots
//! against the official result forms recorded in the election: MACRO batch comparison with the
//! polling station as the batch, or BRAVO ballot polling.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Serialize;
use stats::consistent_sampler::{SampleOptions, Ticket, sample};
use stats::rla::Contest;
use stats::rla::batch::{BatchAudit, DrawFinding, StationRecount, StationResult};
use stats::rla::bravo::{self, PairRisk, PollingSample};

use crate::auditcmd::{self, RlaPlan};
use crate::review::{
    self, ElectionArgs, Opened, Provenance, Scope, SeedRecord, group, outln, shell,
};

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

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Method {
    /// Batch comparison, the polling station as the batch.
    Macro,
    /// Ballot polling.
    Bravo,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Macro => "macro",
            Method::Bravo => "bravo",
        }
    }
}

#[derive(clap::Args)]
struct AuditArgs {
    #[command(flatten)]
    election: ElectionArgs,
    /// macro (batch comparison by station) or bravo (ballot polling).
    #[arg(long, value_enum)]
    method: Method,
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
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
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
    /// The audit seed: at least 20 dice rolls, digits 1-6, as rolled in public.
    #[arg(
        long,
        required_unless_present = "audit_id",
        conflicts_with = "audit_id"
    )]
    seed: Option<String>,
    /// The salt published with the seed (64 hex digits); default: a new random one.
    #[arg(long, value_name = "HEX", conflicts_with = "audit_id")]
    salt: Option<String>,
    /// The commitment recorded before the roll was revealed: refuse to draw unless the seed
    /// and --salt match it.
    #[arg(long, value_name = "HEX", conflicts_with = "audit_id")]
    commitment: Option<String>,
    /// Draw from the seed of this audit in the log (`scrutineer audit`), with the parameters
    /// committed with it, instead of --seed.
    #[arg(long = "audit", value_name = "ID")]
    audit_id: Option<String>,
    /// Record the draws as the audit's next round in this election directory.
    #[arg(long, value_name = "DIR", requires_all = ["audit_id", "key"])]
    record: Option<PathBuf>,
    /// With --record: the key that committed the audit.
    #[arg(long = "as", value_name = "KEY", requires = "record")]
    key: Option<PathBuf>,
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

// ---------------------------------------------------------------- the audited contest

/// A choice's reported total.
#[derive(Serialize)]
struct ChoiceTotal {
    choice: String,
    name: String,
    votes: u64,
    winner: bool,
}

/// The contest as reported, in the output.
#[derive(Serialize)]
struct ContestSummary {
    id: String,
    name: String,
    area: Option<String>,
    area_name: Option<String>,
    /// Stations with an official form: the audit's stations.
    stations: usize,
    /// Stations in the area without an official form: not audited.
    stations_without_official_form: Vec<String>,
    ballots: u64,
    choices: Vec<ChoiceTotal>,
    winners: Vec<String>,
    /// Smallest winner-minus-loser margin, in votes and as a share of ballots.
    smallest_margin: u64,
    diluted_margin: f64,
}

/// The audit's data: the reported contest and, per station, its official figures.
struct Audit {
    method: Method,
    alpha: f64,
    scope: Scope,
    contest: Contest,
    /// Stations with an official form, sorted by code: (code, ballots, votes in choice order).
    stations: Vec<StationResult>,
    index: HashMap<String, usize>,
    without_forms: Vec<String>,
    batch: Option<BatchAudit>,
}

impl Audit {
    fn build(a: &AuditArgs, opened: &Opened) -> anyhow::Result<Audit> {
        if !(a.risk_limit > 0.0 && a.risk_limit < 1.0) {
            bail!(
                "--risk-limit {} must be between 0 and 1 (0.05 is a 5% risk limit)",
                a.risk_limit
            );
        }
        let scope = Scope::read(opened.conn(), a.contest.as_deref(), a.area.as_deref())?;
        let official = scope.figures("official");
        let mut stations = Vec::new();
        let mut without_forms = Vec::new();
        for s in &scope.stations {
            match official.get(&s.code) {
                Some(f) => stations.push(StationResult {
                    station: s.code.clone(),
                    ballots_cast: f.valid + f.invalid,
                    votes: f.votes.clone(),
                }),
                None => without_forms.push(s.code.clone()),
            }
        }
        if stations.is_empty() {
            bail!(
                "contest {:?} has no official result forms {}; there is nothing to audit",
                scope.contest.id,
                scope.area_text()
            );
        }
        let ids = scope.choice_ids();
        let mut totals = vec![0u64; ids.len()];
        let mut ballots = 0u64;
        for s in &stations {
            for (t, v) in totals.iter_mut().zip(&s.votes) {
                *t += v;
            }
            ballots += s.ballots_cast;
        }
        let named: Vec<(&str, u64)> = ids.iter().copied().zip(totals).collect();
        let contest = Contest::new(&scope.contest.id, &named, ballots, a.winners)
            .with_context(|| format!("contest {:?} {}", scope.contest.id, scope.area_text()))?;
        let batch = match a.method {
            Method::Macro => Some(
                BatchAudit::new(contest.clone(), stations.clone()).with_context(|| {
                    format!("contest {:?} {}", scope.contest.id, scope.area_text())
                })?,
            ),
            Method::Bravo => None,
        };
        let index = stations
            .iter()
            .enumerate()
            .map(|(i, s)| (s.station.clone(), i))
            .collect();
        Ok(Audit {
            method: a.method,
            alpha: a.risk_limit,
            scope,
            contest,
            stations,
            index,
            without_forms,
            batch,
        })
    }

    fn batch(&self) -> &BatchAudit {
        self.batch.as_ref().expect("a macro audit has its batches")
    }

    fn summary(&self) -> ContestSummary {
        let c = &self.contest;
        ContestSummary {
            id: self.scope.contest.id.clone(),
            name: self.scope.contest.name.clone(),
            area: self.scope.area.as_ref().map(|a| a.0.clone()),
            area_name: self.scope.area.as_ref().map(|a| a.1.clone()),
            stations: self.stations.len(),
            stations_without_official_form: self.without_forms.clone(),
            ballots: c.ballots_cast,
            choices: self
                .scope
                .contest
                .choices
                .iter()
                .enumerate()
                .map(|(i, ch)| ChoiceTotal {
                    choice: ch.id.clone(),
                    name: ch.name.clone(),
                    votes: c.reported_votes[i],
                    winner: c.winners.contains(&i),
                })
                .collect(),
            winners: c.winners.iter().map(|&w| c.choices[w].clone()).collect(),
            smallest_margin: c.smallest_margin(),
            diluted_margin: c.diluted_margin(),
        }
    }

    fn header(&self, o: &mut String, what: &str, provenance: &Provenance) {
        let c = &self.contest;
        outln!(
            o,
            "{what}: {} at a risk limit of {}",
            match self.method {
                Method::Macro => "MACRO batch comparison by polling station",
                Method::Bravo => "BRAVO ballot polling",
            },
            percent(self.alpha)
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
            "Contest {} ({}) {}: {} stations with official forms, {} ballots",
            self.scope.contest.id,
            self.scope.contest.name,
            self.scope.area_text(),
            group(self.stations.len() as u64),
            group(c.ballots_cast)
        );
        if !self.without_forms.is_empty() {
            outln!(
                o,
                "  {} stations have no official form and are not audited: {}",
                self.without_forms.len(),
                list(&self.without_forms, 5)
            );
        }
        let mut order: Vec<usize> = (0..c.choices.len()).collect();
        order.sort_by(|&a, &b| c.reported_votes[b].cmp(&c.reported_votes[a]));
        let shown: Vec<String> = order
            .iter()
            .take(4)
            .map(|&i| {
                format!(
                    "{} {}{}",
                    c.choices[i],
                    group(c.reported_votes[i]),
                    if c.winners.contains(&i) {
                        " (winner)"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        outln!(
            o,
            "  reported: {}{}",
            shown.join(", "),
            if c.choices.len() > 4 { ", ..." } else { "" }
        );
        outln!(
            o,
            "  smallest margin {} votes, {} of ballots",
            group(c.smallest_margin()),
            percent(c.diluted_margin())
        );
    }

    /// The ballot manifest: "STATION:N" for N = 1..B of every station, in station order.
    fn ballot_ids(&self) -> Vec<String> {
        let mut ids = Vec::with_capacity(self.contest.ballots_cast as usize);
        for s in &self.stations {
            for n in 1..=s.ballots_cast {
                ids.push(format!("{}:{n}", s.station));
            }
        }
        ids
    }

    /// BRAVO draws `first..first+count` (with replacement) from the manifest.
    fn draw_ballots(&self, seed: &str, first: u64, count: u64) -> anyhow::Result<Vec<Ticket>> {
        let ids = self.ballot_ids();
        if ids.is_empty() {
            bail!("the official forms report no ballots; there is nothing to draw");
        }
        let options = SampleOptions {
            with_replacement: true,
            drop: usize::try_from(first - 1).context("--first is too large")?,
            take: usize::try_from(count).context("--count is too large")?,
            digits: 18,
        };
        Ok(sample(&ids, seed, &options)?)
    }

    /// The command that names this audit again.
    fn command(&self, a: &AuditArgs, step: &str) -> String {
        let mut w = vec![format!("scrutineer rla {step}")];
        w.extend(review::election_words(&a.election));
        w.push(format!("--method {}", self.method.name()));
        if let Some(c) = &a.contest {
            w.push(format!("--contest {}", shell(c)));
        }
        if let Some(x) = &a.area {
            w.push(format!("--area {}", shell(x)));
        }
        if a.winners != 1 {
            w.push(format!("--winners {}", a.winners));
        }
        w.push(format!("--risk-limit {}", a.risk_limit));
        w.join(" ")
    }

    /// Draws `first..first+count` as recorded in the log: station codes (macro) or ballot
    /// ids (bravo), in draw order.
    fn draw_ids(&self, seed: &str, first: u64, count: u64) -> anyhow::Result<Vec<String>> {
        if count == 0 {
            return Ok(Vec::new());
        }
        Ok(match self.method {
            Method::Macro => self
                .batch()
                .draw(seed, first, count)?
                .into_iter()
                .map(|d| d.station)
                .collect(),
            Method::Bravo => self
                .draw_ballots(seed, first, count)?
                .into_iter()
                .map(|t| t.id)
                .collect(),
        })
    }

    /// Refuses when this audit is not the one `revealed` was committed to draw.
    fn check_committed(&self, a: &AuditArgs, revealed: &auditcmd::Revealed) -> anyhow::Result<()> {
        let p = revealed.rla()?;
        let area = |x: Option<&str>| x.map_or("(the whole election)".to_string(), str::to_string);
        revealed.check_parameters(&[
            ("--method", p.method.clone(), self.method.name().to_string()),
            (
                "--contest",
                p.contest.clone(),
                self.scope.contest.id.clone(),
            ),
            ("--area", area(p.area.as_deref()), area(a.area.as_deref())),
            ("--winners", p.winners.to_string(), a.winners.to_string()),
            (
                "--risk-limit",
                p.risk_limit.to_string(),
                a.risk_limit.to_string(),
            ),
        ])
    }
}

/// The audit a plan describes, as `AuditArgs` (no election: the caller has it open).
fn plan_args(
    method: Method,
    contest: Option<&str>,
    area: Option<&str>,
    winners: usize,
    risk_limit: f64,
) -> AuditArgs {
    AuditArgs {
        election: auditcmd::no_election(),
        method,
        contest: contest.map(str::to_string),
        area: area.map(str::to_string),
        winners,
        risk_limit,
        json: false,
    }
}

/// The parameters `scrutineer audit commit --for rla` records, checked against the election:
/// the contest resolved to its id, and an audit that can be drawn.
pub(crate) fn plan_for_audit(
    opened: &Opened,
    method: Method,
    contest: Option<&str>,
    area: Option<&str>,
    winners: usize,
    risk_limit: f64,
) -> anyhow::Result<RlaPlan> {
    let audit = Audit::build(
        &plan_args(method, contest, area, winners, risk_limit),
        opened,
    )?;
    Ok(RlaPlan {
        method: method.name().to_string(),
        contest: audit.scope.contest.id.clone(),
        area: area.map(str::to_string),
        winners,
        risk_limit,
    })
}

/// Draws `first..first+count` of a committed audit afresh from `seed`, as they are recorded.
pub(crate) fn redo(
    opened: &Opened,
    plan: &RlaPlan,
    seed: &str,
    first: u64,
    count: u64,
) -> anyhow::Result<Vec<String>> {
    let method = match plan.method.as_str() {
        "macro" => Method::Macro,
        "bravo" => Method::Bravo,
        other => bail!("the committed method {other:?} is neither macro nor bravo"),
    };
    let audit = Audit::build(
        &plan_args(
            method,
            Some(&plan.contest),
            plan.area.as_deref(),
            plan.winners,
            plan.risk_limit,
        ),
        opened,
    )?;
    check_draws(
        first.checked_add(count).map(|n| n.saturating_sub(1)),
        "the recorded draws",
    )?;
    audit.draw_ids(seed, first, count)
}

fn percent(x: f64) -> String {
    let p = x * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p:.2}%")
    }
}

fn list(items: &[String], n: usize) -> String {
    let mut s = items.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        s.push_str(&format!(" and {} more", items.len() - n));
    }
    s
}

// ---------------------------------------------------------------- plan

#[derive(Serialize)]
struct PlanReport {
    election: Provenance,
    method: Method,
    risk_limit: f64,
    contest: ContestSummary,
    #[serde(skip_serializing_if = "Option::is_none")]
    macro_plan: Option<MacroPlan>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bravo_plan: Option<BravoPlan>,
    /// The draw command for the first round (with SEED to fill in).
    next: String,
}

#[derive(Serialize)]
struct MacroPlan {
    total_error_bound: f64,
    /// Draws that confirm the outcome if no recount finds an error.
    draws: u64,
    expected_distinct_stations: f64,
    /// Set when the first round would need every station: count them all instead.
    full_hand_count: Option<String>,
}

#[derive(Serialize)]
struct BravoPlan {
    #[serde(flatten)]
    decision: bravo::Decision,
    /// The round `draw` takes by default: the 90% quantile.
    default_round: Option<u64>,
}

fn plan(p: PlanArgs) -> anyhow::Result<()> {
    let a = &p.audit;
    let opened = review::open(&a.election)?;
    let audit = Audit::build(a, &opened)?;
    let (macro_plan, bravo_plan, count) = match a.method {
        Method::Macro => {
            let batch = audit.batch();
            let draws = batch.sample_size(a.risk_limit, &[])?;
            let stations = audit.stations.len() as u64;
            let full = (draws >= stations && stations > 1).then(|| {
                format!(
                    "the first round would need {draws} draws for {stations} stations; counting every \
                     station by hand is no more work"
                )
            });
            (
                Some(MacroPlan {
                    total_error_bound: batch.total_error_bound(),
                    draws,
                    expected_distinct_stations: batch.expected_distinct_stations(draws),
                    full_hand_count: full,
                }),
                None,
                draws,
            )
        }
        Method::Bravo => {
            let assessed = bravo::assess(
                &audit.contest,
                a.risk_limit,
                &PollingSample::none(&audit.contest),
                None,
            )?;
            let q90 = match &assessed.decision {
                bravo::Decision::Continue { next_round } => next_round
                    .quantiles
                    .iter()
                    .find(|q| q.probability == 0.9)
                    .map(|q| q.ballots),
                _ => None,
            };
            (
                None,
                Some(BravoPlan {
                    decision: assessed.decision,
                    default_round: q90,
                }),
                q90.unwrap_or(0),
            )
        }
    };
    let next = format!(
        "{} --seed DICE --count {count} --template recount.csv",
        audit.command(a, "draw")
    );
    if a.json {
        return review::print_json(&PlanReport {
            election: opened.provenance.clone(),
            method: a.method,
            risk_limit: a.risk_limit,
            contest: audit.summary(),
            macro_plan,
            bravo_plan,
            next,
        });
    }
    let mut o = String::new();
    audit.header(&mut o, "Plan", &opened.provenance);
    if let Some(m) = &macro_plan {
        outln!(
            o,
            "Total error bound U = {:.4} (the sum over stations of (margin at the station + its ballots) / contest margin)",
            m.total_error_bound
        );
        outln!(
            o,
            "First round: {} draws of stations, with replacement; expected to touch {:.1} distinct stations of {}",
            m.draws,
            m.expected_distinct_stations,
            audit.stations.len()
        );
        outln!(
            o,
            "  enough if the recounts find no error; errors call for more draws"
        );
        if let Some(why) = &m.full_hand_count {
            outln!(o, "Recommendation: a full hand count: {why}");
        }
    }
    if let Some(b) = &bravo_plan {
        match &b.decision {
            bravo::Decision::Continue { next_round } => {
                outln!(
                    o,
                    "Average sample number (ASN): {} ballots (a round of that size finishes the audit with probability {:.2})",
                    group(next_round.asn),
                    next_round.asn_completion_probability
                );
                for q in &next_round.quantiles {
                    outln!(
                        o,
                        "  a round of {:>8} ballots finishes the audit with probability {:.0}%",
                        group(q.ballots),
                        q.probability * 100.0
                    );
                }
                outln!(
                    o,
                    "  (if the reported shares are right; the ballots are drawn with replacement)"
                );
            }
            bravo::Decision::FullHandCount { reason } => {
                outln!(o, "Recommendation: a full hand count: {reason}");
            }
            bravo::Decision::Confirmed => {}
        }
    }
    outln!(o, "Next: roll the dice in public, then\n  {next}");
    review::write_stdout(&o)
}

// ---------------------------------------------------------------- draw

#[derive(Serialize)]
struct DrawReport {
    election: Provenance,
    method: Method,
    risk_limit: f64,
    contest: ContestSummary,
    seed: SeedRecord,
    first: u64,
    count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    station_draws: Vec<StationDrawOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    stations: Vec<DrawnStation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ballot_draws: Vec<BallotDraw>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ballots: Vec<DrawnBallot>,
    /// The round recorded in the log (--record).
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded: Option<auditcmd::RecordedSample>,
}

#[derive(Serialize)]
struct StationDrawOut {
    draw: u64,
    ticket: String,
    station: String,
    error_bound: f64,
}

#[derive(Serialize)]
struct DrawnStation {
    station: String,
    name: Option<String>,
    area: String,
    area_name: String,
    /// Draws (numbers) that chose it.
    draws: Vec<u64>,
}

#[derive(Serialize)]
struct BallotDraw {
    draw: u64,
    ticket: String,
    ballot: String,
    /// How many times this ballot has now been drawn.
    generation: u64,
}

#[derive(Serialize)]
struct DrawnBallot {
    ballot: String,
    station: String,
    /// The ballot's position in the station's manifest, 1..B.
    number: u64,
    draws: Vec<u64>,
}

fn draw(d: DrawArgs) -> anyhow::Result<()> {
    let a = &d.audit;
    if d.first == Some(0) {
        bail!("--first counts draws from 1");
    }
    let given_seed = match &d.seed {
        Some(s) => Some(review::parse_seed(s)?),
        None => None,
    };
    if let Some(t) = &d.template
        && t.exists()
    {
        bail!(
            "{} already exists; --template writes a new file (a later round's rows are added to the first file by hand)",
            t.display()
        );
    }
    let opened = review::open(&a.election)?;
    let audit = Audit::build(a, &opened)?;
    // The seed: --seed, or an audit's in the log (of the election recorded into, with --record).
    let mut source = auditcmd::DrawSeed::open(
        opened.conn(),
        &opened.provenance.origin,
        d.audit_id.as_deref(),
        d.record.as_deref(),
        d.key.as_deref(),
        d.round,
    )?;
    let revealed = source.revealed();
    let (seed, seed_record, first) = match (revealed, given_seed) {
        (Some(revealed), _) => {
            audit.check_committed(a, revealed)?;
            let first = match source.recording() {
                Some(r) => match d.first {
                    Some(f) if f != r.first => bail!(
                        "--first {f}: audit {:?} records {} draws before round {}, so its first \
                         draw is {} (leave out --first)",
                        revealed.record.id,
                        r.first - 1,
                        r.round,
                        r.first
                    ),
                    _ => r.first,
                },
                None => d.first.unwrap_or(1),
            };
            (revealed.seed.clone(), revealed.seed_record()?, first)
        }
        (None, Some(seed)) => {
            let record = review::commit(&seed, d.salt.as_deref(), d.commitment.as_deref())?;
            (seed, record, d.first.unwrap_or(1))
        }
        (None, None) => bail!("give the seed: --seed DICE, or --audit ID for an audit in the log"),
    };
    let count = match (d.count, first) {
        (Some(0), _) => bail!("--count must be at least 1"),
        (Some(n), _) => n,
        (None, 1) => match a.method {
            Method::Macro => audit.batch().sample_size(a.risk_limit, &[])?,
            Method::Bravo => {
                let assessed = bravo::assess(
                    &audit.contest,
                    a.risk_limit,
                    &PollingSample::none(&audit.contest),
                    None,
                )?;
                match assessed.decision {
                    bravo::Decision::Continue { next_round } => next_round
                        .quantiles
                        .iter()
                        .find(|q| q.probability == 0.9)
                        .map_or(next_round.asn, |q| q.ballots),
                    bravo::Decision::FullHandCount { reason } => {
                        bail!("the plan is a full hand count, not a sample: {reason}")
                    }
                    bravo::Decision::Confirmed => bail!("nothing to draw"),
                }
            }
        },
        (None, _) => bail!(
            "give --count for a later round: the number of draws `scrutineer rla assess` asked for"
        ),
    };
    check_draws(
        first.checked_add(count).map(|n| n - 1),
        "--first + --count - 1",
    )?;
    let mut report = DrawReport {
        election: opened.provenance.clone(),
        method: a.method,
        risk_limit: a.risk_limit,
        contest: audit.summary(),
        seed: seed_record,
        first,
        count,
        station_draws: Vec::new(),
        stations: Vec::new(),
        ballot_draws: Vec::new(),
        ballots: Vec::new(),
        recorded: None,
    };
    match a.method {
        Method::Macro => {
            let batch = audit.batch();
            let bounds: HashMap<&str, f64> = batch.error_bounds().collect();
            let draws = batch.draw(seed.as_str(), first, count)?;
            let mut by_station: BTreeMap<String, Vec<u64>> = BTreeMap::new();
            for x in &draws {
                by_station
                    .entry(x.station.clone())
                    .or_default()
                    .push(x.draw);
                report.station_draws.push(StationDrawOut {
                    draw: x.draw,
                    ticket: x.ticket.clone(),
                    station: x.station.clone(),
                    error_bound: bounds[x.station.as_str()],
                });
            }
            let info: HashMap<&str, &review::ScopeStation> = audit
                .scope
                .stations
                .iter()
                .map(|s| (s.code.as_str(), s))
                .collect();
            report.stations = by_station
                .into_iter()
                .map(|(station, draws)| {
                    let s = info[station.as_str()];
                    DrawnStation {
                        name: s.name.clone(),
                        area: s.area.clone(),
                        area_name: audit.scope.area_name(&s.area).to_string(),
                        station,
                        draws,
                    }
                })
                .collect();
        }
        Method::Bravo => {
            let tickets = audit.draw_ballots(seed.as_str(), first, count)?;
            let mut by_ballot: BTreeMap<(usize, u64), (String, Vec<u64>)> = BTreeMap::new();
            for (i, t) in tickets.iter().enumerate() {
                let j = first + i as u64;
                let (station, number) = split_ballot(&t.id).expect("manifest ids are STATION:N");
                let k = audit.index[station];
                by_ballot
                    .entry((k, number))
                    .or_insert_with(|| (t.id.clone(), Vec::new()))
                    .1
                    .push(j);
                report.ballot_draws.push(BallotDraw {
                    draw: j,
                    ticket: t.ticket_number.clone(),
                    ballot: t.id.clone(),
                    generation: t.generation,
                });
            }
            report.ballots = by_ballot
                .into_iter()
                .map(|((k, number), (ballot, draws))| DrawnBallot {
                    ballot,
                    station: audit.stations[k].station.clone(),
                    number,
                    draws,
                })
                .collect();
        }
    }
    if let Some(r) = source.recorder() {
        let draws: Vec<String> = match a.method {
            Method::Macro => report
                .station_draws
                .iter()
                .map(|x| x.station.clone())
                .collect(),
            Method::Bravo => report
                .ballot_draws
                .iter()
                .map(|x| x.ballot.clone())
                .collect(),
        };
        let entry = r.record(draws)?;
        report.recorded = Some(auditcmd::RecordedSample {
            audit: r.revealed.record.id.clone(),
            round: r.round,
            entry,
            first,
            draws: count as usize,
        });
    }
    if let Some(path) = &d.template {
        review::write_file(path, template(&audit, &report).as_bytes())?;
        if !a.json {
            eprintln!("wrote {}", path.display());
        }
    }
    if a.json {
        return review::print_json(&report);
    }
    let mut o = String::new();
    audit.header(&mut o, "Draw", &opened.provenance);
    review::seed_lines(&mut o, &report.seed);
    let last = first + count - 1;
    match (&report.recorded, &d.audit_id) {
        (Some(r), _) => outln!(
            o,
            "Recorded in the log as round {} of audit {} (entry {}): draws {first}-{last}",
            r.round,
            r.audit,
            group(r.entry)
        ),
        (None, Some(id)) => outln!(
            o,
            "The seed of audit {id} in the log; this draw is not recorded (add --record DIR --as KEY)"
        ),
        (None, None) => {}
    }
    match a.method {
        Method::Macro => {
            o.push_str(&format!(
                "Draws {}-{last}, stations chosen with probability proportional to error bound:\n",
                first
            ));
            o.push_str("draw,ticket,station,error_bound\n");
            for x in &report.station_draws {
                o.push_str(&format!(
                    "{},{},{},{:.6}\n",
                    x.draw,
                    x.ticket,
                    review::csv_field(&x.station),
                    x.error_bound
                ));
            }
            o.push_str(&format!(
                "Stations to count by hand ({} distinct):\n",
                report.stations.len()
            ));
            for s in &report.stations {
                o.push_str(&format!(
                    "  {}{} in {} {}: drawn {} time{} (draw {})\n",
                    s.station,
                    s.name.as_ref().map_or(String::new(), |n| format!(" ({n})")),
                    s.area,
                    s.area_name,
                    s.draws.len(),
                    if s.draws.len() == 1 { "" } else { "s" },
                    s.draws
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Method::Bravo => {
            o.push_str(&format!(
                "Draws {}-{last}, ballots drawn with replacement from the manifest STATION:1..B:\n",
                first
            ));
            o.push_str("draw,ticket,ballot,generation\n");
            for x in &report.ballot_draws {
                o.push_str(&format!(
                    "{},{},{},{}\n",
                    x.draw,
                    x.ticket,
                    review::csv_field(&x.ballot),
                    x.generation
                ));
            }
            let mut by_station: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for b in &report.ballots {
                by_station
                    .entry(b.station.as_str())
                    .or_default()
                    .push(if b.draws.len() > 1 {
                        format!("{} (x{})", b.number, b.draws.len())
                    } else {
                        b.number.to_string()
                    });
            }
            o.push_str(&format!(
                "Ballots to retrieve ({} distinct, at {} stations), by station and position in its stack:\n",
                report.ballots.len(),
                by_station.len()
            ));
            for (station, numbers) in by_station {
                o.push_str(&format!("  {station}: {}\n", numbers.join(", ")));
            }
        }
    }
    let file = d.template.as_ref().map_or("RECOUNT.csv".to_string(), |t| {
        shell(&t.display().to_string())
    });
    o.push_str(&format!(
        "Next: count them by hand{}, then\n  {} {} {}--recount {file}\n",
        d.template
            .as_ref()
            .map_or(String::new(), |t| format!(" into {}", t.display())),
        audit.command(a, "assess"),
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
    review::write_stdout(&o)
}

/// The recount file to fill in, in the layout `assess` reads without a mapping.
fn template(audit: &Audit, report: &DrawReport) -> String {
    let mut out = String::new();
    match audit.method {
        Method::Macro => {
            out.push_str("station");
            for c in &audit.scope.contest.choices {
                out.push(',');
                out.push_str(&review::csv_field(&c.id));
            }
            out.push('\n');
            for s in &report.stations {
                out.push_str(&review::csv_field(&s.station));
                for _ in &audit.scope.contest.choices {
                    out.push(',');
                }
                out.push('\n');
            }
        }
        Method::Bravo => {
            out.push_str("ballot,station,number,choice\n");
            for b in &report.ballots {
                out.push_str(&format!(
                    "{},{},{},\n",
                    review::csv_field(&b.ballot),
                    review::csv_field(&b.station),
                    b.number
                ));
            }
        }
    }
    out
}

/// The most draws an audit may number: far beyond any real audit (a full hand count is less
/// work long before), and small enough to hold in memory.
const MAX_DRAWS: u64 = 10_000_000;

fn check_draws(last: Option<u64>, what: &str) -> anyhow::Result<()> {
    match last {
        Some(n) if n <= MAX_DRAWS => Ok(()),
        _ => bail!("{what} is beyond {MAX_DRAWS} draws; an audit that large is a full hand count"),
    }
}

/// "STATION:N" → (STATION, N).
fn split_ballot(id: &str) -> Option<(&str, u64)> {
    let (station, n) = id.rsplit_once(':')?;
    if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) || n.starts_with('0') {
        return None;
    }
    Some((station, n.parse().ok()?))
}

// ---------------------------------------------------------------- assess

/// What the audit should do now.
#[derive(Serialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
enum MacroDecision {
    Confirmed,
    Continue {
        /// Further draws that confirm the outcome if they find no more errors.
        further_draws: u64,
        next_first: u64,
    },
    FullHandCount {
        reason: String,
    },
}

#[derive(Serialize)]
struct Discrepancy {
    station: String,
    times_drawn: usize,
    reported: BTreeMap<String, u64>,
    recounted: BTreeMap<String, u64>,
    /// The worst pair's overstatement of the reported margin, in votes (negative: the recount
    /// favours the winner more than the form).
    overstatement_votes: i64,
    /// e_p, in units of the contest margin (0 when not an overstatement).
    overstatement: f64,
    error_bound: f64,
    taint: f64,
}

#[derive(Serialize)]
struct MacroAssessment {
    election: Provenance,
    method: Method,
    risk_limit: f64,
    contest: ContestSummary,
    seed: String,
    /// The audit in the log whose recorded draws these are.
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<String>,
    draws: u64,
    /// Drawn stations counted by hand.
    stations_recounted: usize,
    /// Rows of the file for stations not drawn: not part of the p-value.
    rows_not_drawn: usize,
    /// Every station of the contest was counted by hand: the count is the outcome.
    full_hand_count_done: bool,
    total_error_bound: f64,
    p_value: f64,
    /// Draws in order, up to the one that confirmed the outcome.
    findings: Vec<DrawFinding>,
    /// Recounted stations whose count differs from the official form.
    discrepancies: Vec<Discrepancy>,
    #[serde(flatten)]
    decision: MacroDecision,
    next: Option<String>,
}

#[derive(Serialize)]
struct ChoiceCount {
    choice: String,
    ballots: u64,
}

#[derive(Serialize)]
struct BravoAssessment {
    election: Provenance,
    method: Method,
    risk_limit: f64,
    contest: ContestSummary,
    seed: String,
    /// The audit in the log whose recorded draws these are.
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<String>,
    draws: u64,
    distinct_ballots: usize,
    /// Draws showing each choice (a ballot drawn twice counts twice).
    sample: Vec<ChoiceCount>,
    /// Draws of ballots with no vote for any choice.
    no_vote: u64,
    pairs: Vec<PairRisk>,
    /// The largest pair risk.
    risk: f64,
    #[serde(flatten)]
    decision: bravo::Decision,
    next: Option<String>,
}

/// The draws an assessment reads: their seed, how many, and the audit in the log they come
/// from.
struct Drawn {
    seed: String,
    draws: u64,
    audit: Option<String>,
}

impl Drawn {
    fn audit_line(&self, o: &mut String) {
        if let Some(id) = &self.audit {
            outln!(
                o,
                "Audit {id} in the log: its {} recorded draws are the ones its seed draws",
                self.draws
            );
        }
    }

    /// The options that name the next round's draw.
    fn next_draw(&self, first: u64, count: u64) -> String {
        match &self.audit {
            Some(id) => format!(
                "--audit {} --count {count} --record DIR --as KEY --template round.csv",
                shell(id)
            ),
            None => format!(
                "--seed {} --first {first} --count {count} --template round.csv",
                self.seed
            ),
        }
    }
}

fn assess(x: AssessArgs) -> anyhow::Result<()> {
    let a = &x.audit;
    if x.mapping.is_some() && a.method == Method::Bravo {
        bail!("--mapping reads station-level recounts (macro); a bravo file is ballot,choice");
    }
    let given_seed = match &x.seed {
        Some(s) => Some(review::parse_seed(s)?),
        None => None,
    };
    if x.draws == Some(0) {
        bail!("--draws is the number of draws made so far, at least 1");
    }
    check_draws(x.draws.or(Some(1)), "--draws")?;
    let opened = review::open(&a.election)?;
    let audit = Audit::build(a, &opened)?;
    let source = match (&x.audit_id, given_seed, x.draws) {
        (Some(id), _, given) => {
            let revealed = auditcmd::Revealed::read(opened.conn(), id)?;
            audit.check_committed(a, &revealed)?;
            let recorded = revealed.recorded_draws()?;
            if recorded.is_empty() {
                bail!(
                    "audit {id:?} has no recorded sample yet: draw and record round 1 with \
                     `{} --audit {} --record DIR --as KEY`",
                    audit.command(a, "draw"),
                    shell(id)
                );
            }
            let n = recorded.len() as u64;
            check_draws(Some(n), "the recorded draws")?;
            if let Some(d) = given
                && d != n
            {
                bail!(
                    "--draws {d}: audit {id:?} records {n} draws in {} round(s); the assessment \
                     takes them all (leave out --draws)",
                    revealed.record.rounds.len()
                );
            }
            let fresh = audit.draw_ids(revealed.seed.as_str(), 1, n)?;
            revealed.check_recorded(&fresh)?;
            Drawn {
                seed: revealed.seed.to_string(),
                draws: n,
                audit: Some(id.clone()),
            }
        }
        (None, Some(seed), Some(draws)) => Drawn {
            seed: seed.to_string(),
            draws,
            audit: None,
        },
        (None, None, _) => bail!("give --seed SEED and --draws N, or --audit ID"),
        (None, Some(_), None) => bail!("--draws N: how many draws have been made so far"),
    };
    match a.method {
        Method::Macro => assess_macro(&x, &opened, &audit, &source),
        Method::Bravo => assess_bravo(&x, &opened, &audit, &source),
    }
}

fn assess_macro(
    x: &AssessArgs,
    opened: &Opened,
    audit: &Audit,
    source: &Drawn,
) -> anyhow::Result<()> {
    let a = &x.audit;
    let seed = source.seed.as_str();
    let n_draws = source.draws;
    let batch = audit.batch();
    let draws = batch.draw(seed, 1, n_draws)?;
    let mut drawn: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for d in &draws {
        drawn.entry(d.station.as_str()).or_default().push(d.draw);
    }
    let name = files_text(&x.recount);
    let choices = audit.scope.choice_ids();
    // Station → where its count was first given, and the count.
    let mut seen: HashMap<String, (String, Vec<u64>)> = HashMap::new();
    let mut recounts = Vec::new();
    let mut not_drawn = 0usize;
    for file in &x.recount {
        let rows = review::StationFile {
            file,
            mapping: x.mapping.as_deref(),
            from: x.from.as_deref(),
            extra: &[],
        }
        .read(&audit.scope.contest)?;
        for row in rows {
            let at = format!("{}:{}", file.display(), row.line);
            if !audit.index.contains_key(&row.station) {
                if audit.scope.is_station(&row.station) {
                    bail!(
                        "{at}: column station: station {:?} is not in this audit: it is outside {} or has no official form",
                        row.station,
                        audit.scope.area_text()
                    );
                }
                bail!(
                    "{at}: column station: unknown station {:?}; station ids are the election's station codes",
                    row.station
                );
            }
            let mut votes = Vec::with_capacity(choices.len());
            for (c, v) in choices.iter().zip(&row.votes) {
                match v {
                    Some(v) => votes.push(*v),
                    None => bail!(
                        "{at}: station {:?} has no count for choice {c}{}; write 0 for none",
                        row.station,
                        if x.mapping.is_some() {
                            String::new()
                        } else {
                            format!(" (column {c:?})")
                        }
                    ),
                }
            }
            if let Some((earlier, counted)) = seen.get(&row.station) {
                if *counted == votes {
                    continue; // the same count again: a station drawn in two rounds
                }
                bail!(
                    "{at}: station {:?} has a different count at {earlier}; give each station's count once",
                    row.station
                );
            }
            seen.insert(row.station.clone(), (at, votes.clone()));
            if !drawn.contains_key(row.station.as_str()) {
                // Not drawn: it does not enter the p-value (a full hand count file is all rows).
                not_drawn += 1;
            }
            recounts.push(StationRecount {
                station: row.station,
                votes,
            });
        }
    }
    let missing: Vec<String> = drawn
        .keys()
        .filter(|s| !seen.contains_key(**s))
        .map(|s| s.to_string())
        .collect();
    if !missing.is_empty() {
        bail!(
            "{name}: no count for {} of the {} stations drawn in draws 1-{}: {}",
            missing.len(),
            drawn.len(),
            n_draws,
            list(&missing, 8)
        );
    }
    let draw_ids: Vec<&str> = draws.iter().map(|d| d.station.as_str()).collect();
    let full_count = recounts.len() == audit.stations.len();
    let drawn_recounts: Vec<StationRecount> = recounts
        .iter()
        .filter(|r| drawn.contains_key(r.station.as_str()))
        .cloned()
        .collect();
    let risk = batch.risk(a.risk_limit, &draw_ids, &drawn_recounts)?;
    let bounds: HashMap<&str, f64> = batch.error_bounds().collect();
    let mut discrepancies = Vec::new();
    for r in &recounts {
        let k = audit.index[&r.station];
        let reported = &audit.stations[k].votes;
        if *reported == r.votes {
            continue;
        }
        let o = batch.overstatement(r)?;
        let u = bounds[r.station.as_str()];
        let e = if o.counted_as > 0 { o.weighted } else { 0.0 };
        discrepancies.push(Discrepancy {
            station: r.station.clone(),
            times_drawn: drawn.get(r.station.as_str()).map_or(0, Vec::len),
            reported: choices
                .iter()
                .map(|c| c.to_string())
                .zip(reported.iter().copied())
                .collect(),
            recounted: choices
                .iter()
                .map(|c| c.to_string())
                .zip(r.votes.iter().copied())
                .collect(),
            overstatement_votes: o.counted_as,
            overstatement: e,
            error_bound: u,
            taint: if e == 0.0 { 0.0 } else { e / u },
        });
    }
    let stations = audit.stations.len() as u64;
    let decision = if full_count {
        // Every station was counted by hand: the hand count is the outcome, and it confirms
        // the reported one only if every reported winner beats every reported loser.
        let hand = batch.risk(a.risk_limit, &[], &recounts)?;
        match hand.full_hand_count {
            None if hand.confirmed => MacroDecision::Confirmed,
            reason => MacroDecision::FullHandCount {
                reason: format!(
                    "{}; the hand count's winners are {}",
                    reason.unwrap_or_else(|| "the hand count does not confirm the outcome".into()),
                    hand_count_winners(audit, &recounts).join(", ")
                ),
            },
        }
    } else if risk.confirmed {
        MacroDecision::Confirmed
    } else if let Some(reason) = &risk.full_hand_count {
        MacroDecision::FullHandCount {
            reason: reason.clone(),
        }
    } else {
        let further = batch.further_draws(a.risk_limit, risk.p_value)?;
        match x.escalate_after {
            Some(limit) if n_draws >= limit => MacroDecision::FullHandCount {
                reason: format!(
                    "{} draws have not confirmed the outcome (p-value {:.4} > {}), and the limit set \
                     before the audit is {limit} draws",
                    n_draws, risk.p_value, a.risk_limit
                ),
            },
            _ if n_draws.saturating_add(further) >= stations => MacroDecision::FullHandCount {
                reason: format!(
                    "the p-value is {:.4} > {}; confirming would take {further} more draws, {} in all, \
                     at least as many as the {stations} stations: counting them all is no more work",
                    risk.p_value,
                    a.risk_limit,
                    n_draws + further
                ),
            },
            _ => MacroDecision::Continue {
                further_draws: further,
                next_first: n_draws + 1,
            },
        }
    };
    let next = match &decision {
        MacroDecision::Continue {
            further_draws,
            next_first,
        } => Some(format!(
            "{} {}",
            audit.command(a, "draw"),
            source.next_draw(*next_first, *further_draws)
        )),
        _ => None,
    };
    let report = MacroAssessment {
        election: opened.provenance.clone(),
        method: a.method,
        risk_limit: a.risk_limit,
        contest: audit.summary(),
        seed: seed.to_string(),
        audit: source.audit.clone(),
        draws: n_draws,
        stations_recounted: recounts.len() - not_drawn,
        rows_not_drawn: not_drawn,
        full_hand_count_done: full_count,
        total_error_bound: risk.total_error_bound,
        p_value: if full_count { 0.0 } else { risk.p_value },
        findings: risk.findings,
        discrepancies,
        decision,
        next,
    };
    if a.json {
        return review::print_json(&report);
    }
    let mut o = String::new();
    audit.header(&mut o, "Assessment", &opened.provenance);
    source.audit_line(&mut o);
    outln!(
        o,
        "Draws 1-{} from seed {seed}: {} distinct stations counted by hand ({name})",
        n_draws,
        report.stations_recounted
    );
    if report.rows_not_drawn > 0 && !report.full_hand_count_done {
        outln!(
            o,
            "  {} rows of {name} are for stations not drawn in draws 1-{}: they do not enter the p-value",
            report.rows_not_drawn,
            n_draws
        );
    }
    if report.full_hand_count_done {
        outln!(
            o,
            "Every station of the contest was counted by hand: the hand count is the outcome."
        );
    }
    if report.discrepancies.is_empty() {
        outln!(o, "Every recount agrees with its station's official form.");
    } else {
        outln!(
            o,
            "{} recounts differ from the official form:",
            report.discrepancies.len()
        );
        for d in &report.discrepancies {
            let changes: Vec<String> = d
                .reported
                .iter()
                .filter(|(c, v)| d.recounted[*c] != **v)
                .map(|(c, v)| format!("{c} {v} -> {}", d.recounted[c]))
                .collect();
            outln!(
                o,
                "  {} (drawn {}x): {}; {}",
                d.station,
                d.times_drawn,
                changes.join(", "),
                if d.overstatement_votes > 0 {
                    format!(
                        "overstates a winner's margin by {} votes (taint {:.3})",
                        d.overstatement_votes, d.taint
                    )
                } else {
                    "no overstatement of any winner's margin".to_string()
                }
            );
        }
    }
    if risk.confirmed && (report.findings.len() as u64) < n_draws {
        outln!(
            o,
            "The p-value reached the risk limit at draw {}; later draws are not needed.",
            report.findings.len()
        );
    }
    outln!(
        o,
        "p-value (risk) {:.6} against the risk limit {} (U = {:.4})",
        report.p_value,
        a.risk_limit,
        report.total_error_bound
    );
    match &report.decision {
        MacroDecision::Confirmed => outln!(o, "Decision: CONFIRMED. The reported outcome stands."),
        MacroDecision::Continue { further_draws, .. } => {
            outln!(
                o,
                "Decision: CONTINUE. Draw {further_draws} more stations (enough if they find no further error):"
            );
            if let Some(n) = &report.next {
                outln!(o, "  {n}");
            }
            match &source.audit {
                Some(_) => outln!(
                    o,
                    "  then assess again with every round's recount file (--recount, repeated)"
                ),
                None => outln!(
                    o,
                    "  then add their counts to {name} and assess with --draws {}",
                    n_draws + further_draws
                ),
            }
        }
        MacroDecision::FullHandCount { reason } => {
            outln!(
                o,
                "Decision: FULL HAND COUNT. {reason}. The hand count decides the outcome."
            )
        }
    }
    review::write_stdout(&o)
}

/// The winners by the hand counts of every station: the `W` choices with most votes.
fn hand_count_winners(audit: &Audit, recounts: &[StationRecount]) -> Vec<String> {
    let c = &audit.contest;
    let mut totals = vec![0u64; c.choices.len()];
    for r in recounts {
        for (t, v) in totals.iter_mut().zip(&r.votes) {
            *t += v;
        }
    }
    let mut order: Vec<usize> = (0..totals.len()).collect();
    order.sort_by(|&a, &b| totals[b].cmp(&totals[a]));
    order.truncate(c.num_winners);
    order.iter().map(|&i| c.choices[i].clone()).collect()
}

fn assess_bravo(
    x: &AssessArgs,
    opened: &Opened,
    audit: &Audit,
    source: &Drawn,
) -> anyhow::Result<()> {
    let a = &x.audit;
    let seed = source.seed.as_str();
    let n_draws = source.draws;
    let tickets = audit.draw_ballots(seed, 1, n_draws)?;
    let mut times: HashMap<&str, u64> = HashMap::new();
    for t in &tickets {
        *times.entry(t.id.as_str()).or_default() += 1;
    }
    let mut seen = HashMap::new();
    let mut marks = Vec::new();
    for file in &x.recount {
        read_ballots(file, audit, &times, n_draws, &mut seen, &mut marks)?;
    }
    if marks.len() < times.len() {
        let mut missing: Vec<String> = times
            .keys()
            .filter(|b| !seen.contains_key(**b))
            .map(|b| b.to_string())
            .collect();
        missing.sort();
        bail!(
            "{}: no row for {} of the {} ballots drawn in draws 1-{}: {}",
            files_text(&x.recount),
            missing.len(),
            times.len(),
            n_draws,
            list(&missing, 8)
        );
    }
    let c = &audit.contest;
    let mut votes = vec![0u64; c.choices.len()];
    let mut no_vote = 0;
    for (ballot, choice) in &marks {
        let n = times[ballot.as_str()];
        match choice {
            Some(i) => votes[*i] += n,
            None => no_vote += n,
        }
    }
    let sample = PollingSample {
        ballots_drawn: n_draws,
        votes: votes.clone(),
    };
    let assessed = bravo::assess(c, a.risk_limit, &sample, x.escalate_after)?;
    let next = match &assessed.decision {
        bravo::Decision::Continue { next_round } => {
            let q90 = next_round
                .quantiles
                .iter()
                .find(|q| q.probability == 0.9)
                .map_or(next_round.asn, |q| q.ballots);
            Some(format!(
                "{} {}",
                audit.command(a, "draw"),
                source.next_draw(n_draws + 1, q90)
            ))
        }
        _ => None,
    };
    let report = BravoAssessment {
        election: opened.provenance.clone(),
        method: a.method,
        risk_limit: a.risk_limit,
        contest: audit.summary(),
        seed: seed.to_string(),
        audit: source.audit.clone(),
        draws: n_draws,
        distinct_ballots: times.len(),
        sample: c
            .choices
            .iter()
            .zip(&votes)
            .map(|(ch, n)| ChoiceCount {
                choice: ch.clone(),
                ballots: *n,
            })
            .collect(),
        no_vote,
        pairs: assessed.pairs,
        risk: assessed.risk,
        decision: assessed.decision,
        next,
    };
    if a.json {
        return review::print_json(&report);
    }
    let mut o = String::new();
    audit.header(&mut o, "Assessment", &opened.provenance);
    source.audit_line(&mut o);
    outln!(
        o,
        "Draws 1-{} from seed {seed}: {} distinct ballots examined ({})",
        n_draws,
        report.distinct_ballots,
        files_text(&x.recount)
    );
    let shown: Vec<String> = report
        .sample
        .iter()
        .filter(|s| s.ballots > 0)
        .map(|s| format!("{} {}", s.choice, s.ballots))
        .collect();
    outln!(
        o,
        "  the draws show: {}{}",
        shown.join(", "),
        if report.no_vote > 0 {
            format!(", no vote {}", report.no_vote)
        } else {
            String::new()
        }
    );
    for p in &report.pairs {
        outln!(o, "  risk for {} over {}: {:.6}", p.winner, p.loser, p.risk);
    }
    outln!(
        o,
        "Risk {:.6} against the risk limit {}",
        report.risk,
        a.risk_limit
    );
    match &report.decision {
        bravo::Decision::Confirmed => {
            outln!(o, "Decision: CONFIRMED. The reported outcome stands.")
        }
        bravo::Decision::Continue { next_round } => {
            outln!(
                o,
                "Decision: CONTINUE. The next round: ASN {} ballots; {}",
                next_round.asn,
                next_round
                    .quantiles
                    .iter()
                    .map(|q| format!(
                        "{} ballots for a {:.0}% chance to finish",
                        q.ballots,
                        q.probability * 100.0
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if let Some(n) = &report.next {
                outln!(o, "  {n}");
            }
        }
        bravo::Decision::FullHandCount { reason } => {
            outln!(
                o,
                "Decision: FULL HAND COUNT. {reason}. The hand count decides the outcome."
            )
        }
    }
    review::write_stdout(&o)
}

/// "a.csv" or "a.csv, b.csv".
fn files_text(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads a BRAVO recount file into `out`: (ballot id, the choice marked (index) or None for no
/// vote). `seen` holds where each ballot was first given, across files.
fn read_ballots(
    path: &Path,
    audit: &Audit,
    times: &HashMap<&str, u64>,
    draws: u64,
    seen: &mut HashMap<String, (String, Option<usize>)>,
    out: &mut Vec<(String, Option<usize>)>,
) -> anyhow::Result<()> {
    let name = path.display().to_string();
    let input = interchange::open_data(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut records = reader.records();
    let header = match records.next() {
        None => bail!("{name}: the file is empty; a bravo recount has the header ballot,choice"),
        Some(Err(e)) => bail!("{name}:1: the header cannot be read: {e}"),
        Some(Ok(h)) => h,
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    let column = |wanted: &str| -> anyhow::Result<usize> {
        let found: Vec<usize> = (0..names.len()).filter(|&i| names[i] == wanted).collect();
        match found.as_slice() {
            [i] => Ok(*i),
            [] => bail!(
                "{name}:1: the header has no {wanted:?} column; a bravo recount has the header \
                 ballot,choice (other columns are ignored)"
            ),
            _ => bail!("{name}:1: the header has {wanted:?} more than once"),
        }
    };
    let (bc, cc) = (column("ballot")?, column("choice")?);
    let contest = &audit.scope.contest;
    let ballots_at: HashMap<&str, u64> = audit
        .stations
        .iter()
        .map(|s| (s.station.as_str(), s.ballots_cast))
        .collect();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                bail!("{name}:{line}: {e}");
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |i: usize| -> anyhow::Result<&str> {
            record.get(i).map(str::trim).with_context(|| {
                format!(
                    "{name}:{line}: the row has {} fields; the header has {}",
                    record.len(),
                    names.len()
                )
            })
        };
        let ballot = cell(bc)?;
        let at = |col: usize| format!("{name}:{line}: column {col} ({:?})", names[col]);
        let Some((station, number)) = split_ballot(ballot) else {
            bail!(
                "{}: {ballot:?} is not a ballot id; ids are STATION:N as `rla draw` prints them",
                at(bc)
            );
        };
        match ballots_at.get(station) {
            None => bail!(
                "{}: ballot {ballot:?}: {station:?} is not a station of this audit",
                at(bc)
            ),
            Some(&b) if number > b => bail!(
                "{}: there is no ballot {ballot:?}: station {station} has {b} ballots on its official form",
                at(bc)
            ),
            _ => {}
        }
        if !times.contains_key(ballot) {
            bail!(
                "{}: ballot {ballot:?} was not drawn in draws 1-{draws} (is --draws right?)",
                at(bc)
            );
        }
        let mark = cell(cc)?;
        let lower = mark.to_lowercase();
        let choice = if ["", "blank", "invalid", "spoiled", "none", "no vote", "-"]
            .contains(&lower.as_str())
        {
            None
        } else {
            match contest
                .choices
                .iter()
                .position(|c| c.id.to_lowercase() == lower || c.name.trim().to_lowercase() == lower)
            {
                Some(i) => Some(i),
                None => bail!(
                    "{}: {mark:?} is not a choice of contest {} (its choices are {}); write blank or \
                     invalid for a ballot with no vote for any of them",
                    at(cc),
                    contest.id,
                    review::choice_list(contest)
                ),
            }
        };
        if let Some((earlier, marked)) = seen.get(ballot) {
            if *marked == choice {
                continue; // the same ballot again: drawn in two rounds
            }
            bail!(
                "{}: ballot {ballot:?} is marked differently at {earlier}; list a ballot once, however often it was drawn",
                at(cc)
            );
        }
        seen.insert(ballot.to_string(), (format!("{name}:{line}"), choice));
        out.push((ballot.to_string(), choice));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballot_ids_split_at_the_last_colon() {
        assert_eq!(split_ballot("010101-001:17"), Some(("010101-001", 17)));
        assert_eq!(split_ballot("a:b:3"), Some(("a:b", 3)));
        assert_eq!(split_ballot("x:03"), None);
        assert_eq!(split_ballot("x:"), None);
        assert_eq!(split_ballot("x"), None);
        assert_eq!(split_ballot("x:1e3"), None);
    }
}
