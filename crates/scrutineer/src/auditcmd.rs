//! `scrutineer audit {commit,reveal,show}`: a public-seed audit recorded in the election's log.
//! The seed is committed to (SHA-256 with a random salt) before it is revealed; the draw's
//! parameters are fixed in the same entry; then the seed; then each round's sample. Anyone who
//! replays the log can check that the seed matches the commitment and redo every draw.
//!
//! The draw's parameters travel in the commitment's `purpose` text, as its last line:
//! `draw: {"tool":"rla","method":"macro","contest":"na-2013","winners":1,"risk_limit":0.05}`
//! (see [`DrawPlan`]). `rla draw`, `rla assess`, `pvt draw` and `pvt estimate` take `--audit ID`
//! and use what is recorded here.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use ledger::event::{AuditCommitment, AuditSample, Entry, Event};
use ledger::report::{AuditRecord, AuditRound};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use stats::seed::AuditSeed;

use crate::review::{self, ElectionArgs, Provenance, group, outln, shell};

const LONG_ABOUT: &str = "\
An audit in the log makes a public-seed draw checkable by anyone, step by step:

  1. commit   Whoever runs the audit (a commission member or clerk, a party agent or an
              observer group) rolls at least 20 dice and records a commitment to them:
              SHA-256 of the dice and a random 32-byte salt. The same entry fixes what the
              seed will draw: the tool (rla or pvt), the contest, the area, and the method,
              winners and risk limit (rla) or the strata and the number of stations (pvt).
              The dice and the salt stay in a private file in the election directory.
  2. reveal   Later, the seed and salt are recorded. The log refuses them unless they match
              the commitment, and only the key that committed may reveal.
  3. draw     `rla draw` or `pvt draw` with --audit ID --record DIR --as KEY reads the
              revealed seed from the log, draws with the committed parameters, and records the
              sample, in draw order, as the audit's next round.
  4. assess   `rla assess --audit ID` or `pvt estimate --audit ID` reads the seed and the
              recorded sample from the log, and refuses to go on if a fresh draw from the seed
              differs from what was recorded.
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
    /// Anything else (a list audit, `scrutineer sample`): the purpose text says what; the log
    /// records the seed and the samples, but cannot redo the draw.
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
    /// rla: macro (batch comparison by station) or bravo (ballot polling).
    #[arg(long, value_enum)]
    method: Option<crate::rlacmd::Method>,
    /// rla: how many choices win.
    #[arg(long)]
    winners: Option<usize>,
    /// rla: the risk limit (default 0.05).
    #[arg(long, value_name = "ALPHA")]
    risk_limit: Option<f64>,
    /// pvt: the strata, the areas of this level (its name), or none; default the top level.
    #[arg(long)]
    level: Option<String>,
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
    /// Print the result as JSON.
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

// ---------------------------------------------------------------- the draw's parameters

/// What a committed seed will draw, fixed before the seed is revealed. It is the last line of
/// the commitment's purpose, `draw: ` followed by this object as JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tool", rename_all = "lowercase")]
pub(crate) enum DrawPlan {
    Rla(RlaPlan),
    Pvt(PvtPlan),
}

/// A risk-limiting audit's draw: `scrutineer rla draw --method M --contest C [--area A]
/// --winners W --risk-limit R`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RlaPlan {
    /// macro or bravo.
    pub method: String,
    pub contest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    pub winners: usize,
    pub risk_limit: f64,
}

/// A PVT's draw: `scrutineer pvt draw --contest C [--area A] --level L --take K`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PvtPlan {
    pub contest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// The strata's level name, or "none".
    pub level: String,
    pub take: usize,
}

/// The prefix of the purpose's last line that holds the [`DrawPlan`].
const DRAW_LINE: &str = "draw: ";

impl DrawPlan {
    /// The purpose text with this plan as its last line.
    fn purpose(&self, text: &str) -> String {
        format!(
            "{}\n{DRAW_LINE}{}",
            text.trim_end(),
            serde_json::to_string(self).expect("a plan serialises")
        )
    }

    /// The plan in a purpose text: None when its last line is not a draw line; an error when
    /// it is one that cannot be read.
    fn of(purpose: &str) -> Result<Option<DrawPlan>, String> {
        let last = purpose.lines().last().unwrap_or("");
        let Some(json) = last.strip_prefix(DRAW_LINE) else {
            return Ok(None);
        };
        serde_json::from_str(json)
            .map(Some)
            .map_err(|e| format!("the purpose's draw line cannot be read: {e}"))
    }

    /// The draw as command-line options, e.g. "rla --method macro --contest na-2013 ...".
    pub(crate) fn flags(&self) -> String {
        let mut w = Vec::new();
        match self {
            DrawPlan::Rla(p) => {
                w.push(format!("rla --method {}", shell(&p.method)));
                w.push(format!("--contest {}", shell(&p.contest)));
                if let Some(a) = &p.area {
                    w.push(format!("--area {}", shell(a)));
                }
                w.push(format!("--winners {}", p.winners));
                w.push(format!("--risk-limit {}", p.risk_limit));
            }
            DrawPlan::Pvt(p) => {
                w.push(format!("pvt --contest {}", shell(&p.contest)));
                if let Some(a) = &p.area {
                    w.push(format!("--area {}", shell(a)));
                }
                w.push(format!("--level {}", shell(&p.level)));
                w.push(format!("--take {}", p.take));
            }
        }
        w.join(" ")
    }
}

/// The purpose text without its draw line.
fn purpose_text(purpose: &str) -> &str {
    match purpose.rsplit_once('\n') {
        Some((text, last)) if last.starts_with(DRAW_LINE) => text,
        _ => purpose,
    }
}

// ---------------------------------------------------------------- what the review commands use

/// Election arguments naming nothing, for an election the caller already has open.
pub(crate) fn no_election() -> ElectionArgs {
    ElectionArgs {
        election: None,
        vkey: None,
        witnesses: Vec::new(),
        quorum: None,
        policy: None,
        state_db: None,
    }
}

/// An audit whose seed has been revealed, as `rla` and `pvt` use it.
pub(crate) struct Revealed {
    pub record: AuditRecord,
    pub seed: AuditSeed,
    pub plan: DrawPlan,
}

impl Revealed {
    /// Reads audit `id` from an election's state: it must be committed, revealed, with a
    /// seed that matches its commitment and a draw line `rla` or `pvt` can follow.
    pub(crate) fn read(conn: &Connection, id: &str) -> anyhow::Result<Revealed> {
        let record = ledger::report::audit(conn, id)
            .map_err(anyhow::Error::msg)
            .context("reading the election's audits")?;
        let Some(record) = record else {
            bail!(
                "--audit {id:?}: the election has no such audit (`scrutineer audit show ELECTION` lists them)"
            );
        };
        let (Some(seed), Some(salt)) = (&record.seed, &record.salt) else {
            bail!(
                "audit {id:?} has not revealed its seed yet: reveal it first with \
                 `scrutineer audit reveal DIR --audit {} --as KEY`",
                shell(id)
            );
        };
        if ledger::audit::commitment(salt, seed) != record.commitment {
            bail!(
                "audit {id:?}: the recorded seed and salt do not match the commitment at entry {}; \
                 nothing can be drawn from them",
                record.committed_at
            );
        }
        let seed = review::parse_seed(seed)?;
        let plan = match DrawPlan::of(&record.purpose) {
            Ok(Some(p)) => p,
            Ok(None) => bail!(
                "audit {id:?} was committed without the draw's parameters (its purpose has no \
                 `draw:` line), so no draw can be checked against it"
            ),
            Err(e) => bail!("audit {id:?}: {e}"),
        };
        Ok(Revealed { record, seed, plan })
    }

    /// The recorded rounds, checked to run 1, 2, … without a gap.
    pub(crate) fn rounds(&self) -> anyhow::Result<&[AuditRound]> {
        for (i, r) in self.record.rounds.iter().enumerate() {
            if r.round as usize != i + 1 {
                bail!(
                    "audit {:?} records round {} but not round {}: its draws cannot be numbered",
                    self.record.id,
                    r.round,
                    i + 1
                );
            }
        }
        Ok(&self.record.rounds)
    }

    /// Every recorded draw, in order.
    pub(crate) fn recorded_draws(&self) -> anyhow::Result<Vec<String>> {
        Ok(self
            .rounds()?
            .iter()
            .flat_map(|r| r.draws.iter().cloned())
            .collect())
    }

    /// Refuses when `fresh` (a new draw of draws 1..N from the seed) differs from the rounds
    /// recorded, naming the first draw that differs.
    pub(crate) fn check_recorded(&self, fresh: &[String]) -> anyhow::Result<()> {
        match first_difference(&self.record.rounds, fresh) {
            None => Ok(()),
            Some(why) => bail!(
                "audit {:?}: {why}. The sample recorded is not the one the seed draws; nothing \
                 was assessed (`scrutineer audit show` gives the details)",
                self.record.id
            ),
        }
    }

    /// The rla plan, or an error saying what the audit is for.
    pub(crate) fn rla(&self) -> anyhow::Result<&RlaPlan> {
        match &self.plan {
            DrawPlan::Rla(p) => Ok(p),
            other => bail!(
                "audit {:?} was committed for `scrutineer {}`, not for a risk-limiting audit",
                self.record.id,
                other.flags()
            ),
        }
    }

    pub(crate) fn pvt(&self) -> anyhow::Result<&PvtPlan> {
        match &self.plan {
            DrawPlan::Pvt(p) => Ok(p),
            other => bail!(
                "audit {:?} was committed for `scrutineer {}`, not for a PVT",
                self.record.id,
                other.flags()
            ),
        }
    }

    /// Refuses when the command's parameters differ from the committed ones: `given` is
    /// (option, committed value, given value) for each.
    pub(crate) fn check_parameters(&self, given: &[(&str, String, String)]) -> anyhow::Result<()> {
        let differ: Vec<String> = given
            .iter()
            .filter(|(_, committed, now)| committed != now)
            .map(|(opt, committed, now)| format!("{opt} {committed} (not {now})"))
            .collect();
        if !differ.is_empty() {
            bail!(
                "audit {:?} was committed to draw with {}: the parameters fixed before the seed \
                 was revealed cannot change. The committed draw: {}",
                self.record.id,
                differ.join(", "),
                self.plan.flags()
            );
        }
        Ok(())
    }

    /// The seed's commitment record, as `draw` prints it.
    pub(crate) fn seed_record(&self) -> anyhow::Result<review::SeedRecord> {
        review::commit(
            &self.seed,
            self.record.salt.as_deref(),
            Some(&self.record.commitment),
        )
    }
}

/// Where the fresh draws (numbered from 1) first differ from the recorded rounds, taken in
/// round order, or None when they agree.
fn first_difference(rounds: &[AuditRound], fresh: &[String]) -> Option<String> {
    let mut first = 1u64;
    for r in rounds {
        if let Some(d) = round_difference(r, first, fresh) {
            return Some(d);
        }
        first += r.draws.len() as u64;
    }
    let recorded = first - 1;
    (fresh.len() as u64 > recorded).then(|| {
        format!(
            "the rounds record {recorded} draws, and the seed's draw has {}",
            fresh.len()
        )
    })
}

/// Where round `r`, whose first draw is number `first`, differs from `fresh` (draws 1, 2, …).
fn round_difference(r: &AuditRound, first: u64, fresh: &[String]) -> Option<String> {
    for (i, d) in r.draws.iter().enumerate() {
        let n = (first - 1) as usize + i;
        match fresh.get(n) {
            Some(f) if f == d => {}
            Some(f) => {
                return Some(format!(
                    "round {} (entry {}) records draw {} as {d:?}, but the seed draws {f:?} there",
                    r.round,
                    r.index,
                    n + 1
                ));
            }
            None => {
                return Some(format!(
                    "round {} (entry {}) records draw {} ({d:?}), but the seed's draw has only {} draws",
                    r.round,
                    r.index,
                    n + 1,
                    fresh.len()
                ));
            }
        }
    }
    None
}

/// The audit a draw takes its seed from, if any: with `--record DIR --as KEY` a [`Recorder`]
/// (whose `revealed` is the audit as the election recorded into holds it), otherwise the audit
/// read from the reviewed election. Shared by `rla draw` and `pvt draw`.
pub(crate) enum DrawSeed {
    None,
    Recording(Box<Recorder>),
    Read(Box<Revealed>),
}

impl DrawSeed {
    pub(crate) fn open(
        conn: &Connection,
        origin: &str,
        audit_id: Option<&str>,
        record: Option<&Path>,
        key: Option<&Path>,
        round: Option<u32>,
    ) -> anyhow::Result<DrawSeed> {
        Ok(match (audit_id, record, key) {
            (Some(id), Some(dir), Some(key)) => {
                DrawSeed::Recording(Box::new(Recorder::open(dir, id, key, round, origin)?))
            }
            (_, Some(_), _) => bail!("--record needs --audit ID and --as KEY"),
            (Some(id), None, _) => DrawSeed::Read(Box::new(Revealed::read(conn, id)?)),
            (None, None, _) => DrawSeed::None,
        })
    }

    pub(crate) fn revealed(&self) -> Option<&Revealed> {
        match self {
            DrawSeed::None => None,
            DrawSeed::Recording(r) => Some(&r.revealed),
            DrawSeed::Read(r) => Some(r),
        }
    }

    pub(crate) fn recording(&self) -> Option<&Recorder> {
        match self {
            DrawSeed::Recording(r) => Some(r),
            _ => None,
        }
    }

    pub(crate) fn recorder(&mut self) -> Option<&mut Recorder> {
        match self {
            DrawSeed::Recording(r) => Some(r),
            _ => None,
        }
    }
}

/// Where a recorded sample goes: the election directory, the audit and the signing key.
pub(crate) struct Recorder {
    dir: PathBuf,
    election: ledger::Election,
    key: tlog::PrivateKey,
    pub revealed: Revealed,
    pub round: u32,
    /// The first draw's number: 1 + the draws of the rounds before.
    pub first: u64,
}

impl Recorder {
    /// Opens `dir` to record the next round (or `round`) of audit `id`, signed by `key`,
    /// checking everything the log would: the key is the audit's, the seed is revealed, the
    /// round is the next one. `origin` is the reviewed election's, which must be this one.
    pub(crate) fn open(
        dir: &Path,
        id: &str,
        key: &Path,
        round: Option<u32>,
        origin: &str,
    ) -> anyhow::Result<Recorder> {
        let key = crate::logdir::read_key(key)?;
        let (_, election) = crate::electioncmd::open(dir)?;
        let here = ledger::report::origin(election.conn()).map_err(anyhow::Error::msg)?;
        if here != origin {
            bail!(
                "--record {}: that is election {here:?}, and the draw is made from election {origin:?}",
                dir.display()
            );
        }
        let revealed = Revealed::read(election.conn(), id)?;
        if revealed.record.author != key.name() {
            bail!(
                "audit {id:?} was committed by {}; only that key may record its samples (--as is {})",
                revealed.record.author,
                key.name()
            );
        }
        let recorded = revealed.rounds()?;
        let next = recorded.len() as u32 + 1;
        let round = round.unwrap_or(next);
        if round == 0 {
            bail!("--round counts from 1");
        }
        if round < next {
            bail!(
                "round {round} of audit {id:?} is already recorded (entry {}); the next round is {next}",
                recorded[round as usize - 1].index
            );
        }
        if round > next {
            bail!(
                "--round {round}: audit {id:?} has {} recorded round(s), so the next round is {next}",
                recorded.len()
            );
        }
        let first = 1 + recorded.iter().map(|r| r.draws.len() as u64).sum::<u64>();
        Ok(Recorder {
            dir: dir.to_path_buf(),
            election,
            key,
            revealed,
            round,
            first,
        })
    }

    /// Records `draws` (in draw order) as this round's sample; returns the entry index.
    pub(crate) fn record(&mut self, draws: Vec<String>) -> anyhow::Result<u64> {
        let count = draws.len();
        let entry = Entry::signed(
            Event::AuditSample(AuditSample {
                audit: self.revealed.record.id.clone(),
                draws,
                round: self.round,
            }),
            &self.key,
        )
        .to_bytes();
        if entry.len() > tlog::tile::MAX_ENTRY_SIZE {
            let fits = (count as u64 * (tlog::tile::MAX_ENTRY_SIZE as u64 - 1024)
                / entry.len() as u64)
                .max(1);
            bail!(
                "a sample of {} draws makes a log entry of {} bytes, above the log's limit of \
                 {} bytes: nothing was recorded. Record it as several rounds of at most {fits} \
                 draws (--count {fits}, then the rest as the next round); the draws continue \
                 their numbering from round to round",
                group(count as u64),
                group(entry.len() as u64),
                group(tlog::tile::MAX_ENTRY_SIZE as u64)
            );
        }
        let receipt = self
            .election
            .submit(&[entry])
            .map_err(crate::electioncmd::explain)
            .with_context(|| format!("recording the sample in {}", self.dir.display()))?;
        Ok(receipt.first)
    }
}

/// The JSON that a draw adds when it records its sample.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RecordedSample {
    pub audit: String,
    pub round: u32,
    pub entry: u64,
    pub first: u64,
    pub draws: usize,
}

// ---------------------------------------------------------------- commit

/// The private file `commit` keeps for `reveal`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Secret {
    audit: String,
    origin: String,
    author: String,
    commitment: String,
    salt: String,
    seed: String,
}

const SECRETS: &str = "audit-seeds";

fn secret_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(SECRETS).join(format!("{id}.json"))
}

/// Audit ids made here are also file names.
fn check_id(id: &str) -> anyhow::Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        bail!(
            "--audit {id:?}: an audit id is 1 to 64 letters, digits, '-', '_' or '.', starting \
             with a letter or digit"
        );
    }
    Ok(())
}

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

/// Writes the secret file, readable by its owner only; refuses to overwrite one.
fn write_secret(path: &Path, secret: &Secret) -> anyhow::Result<()> {
    use std::io::Write;
    let dir = path.parent().expect("a secret file is in a directory");
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!(
                "{} already exists: it holds the dice of an earlier commitment to audit {:?}. \
                 Nothing was recorded; choose another audit id (or, if that commitment was never \
                 recorded, remove the file)",
                path.display(),
                secret.audit
            )
        } else {
            anyhow::anyhow!("creating {}: {e}", path.display())
        }
    })?;
    let text = serde_json::to_string_pretty(secret)? + "\n";
    file.write_all(text.as_bytes())
        .and_then(|_| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn commit(c: CommitArgs) -> anyhow::Result<()> {
    check_id(&c.id)?;
    if c.purpose.trim().is_empty() {
        bail!("--purpose: say in words what the seed will draw");
    }
    let opened = review::open(&ElectionArgs {
        election: Some(c.dir.display().to_string()),
        ..no_election()
    })?;
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
    let plan = match c.tool {
        For::Rla => {
            only("--level", c.level.is_some(), "pvt")?;
            only("--take", c.take.is_some(), "pvt")?;
            let Some(method) = c.method else {
                bail!("--for rla needs --method macro or --method bravo");
            };
            Some(DrawPlan::Rla(crate::rlacmd::plan_for_audit(
                &opened,
                method,
                c.contest.as_deref(),
                c.area.as_deref(),
                c.winners.unwrap_or(1),
                c.risk_limit.unwrap_or(0.05),
            )?))
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
            Some(DrawPlan::Pvt(crate::pvtcmd::plan_for_audit(
                &opened,
                c.contest.as_deref(),
                c.area.as_deref(),
                c.level.as_deref(),
                take,
            )?))
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
            None
        }
    };
    let origin = opened.provenance.origin.clone();
    drop(opened);
    let seed = read_dice(c.seed.as_deref())?;
    let mut salt = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut salt);
    let salt = ledger::event::hex(&salt);
    let commitment = ledger::audit::commitment(&salt, seed.as_str());
    let purpose = match &plan {
        Some(p) => p.purpose(&c.purpose),
        None => c.purpose.trim_end().to_string(),
    };
    let path = secret_path(&c.dir, &c.id);
    write_secret(
        &path,
        &Secret {
            audit: c.id.clone(),
            origin,
            author: key.name().to_string(),
            commitment: commitment.clone(),
            salt,
            seed: seed.to_string(),
        },
    )?;
    let entry = Entry::signed(
        Event::AuditCommitment(AuditCommitment {
            audit: c.id.clone(),
            commitment: commitment.clone(),
            purpose,
        }),
        &key,
    )
    .to_bytes();
    let submitted = crate::electioncmd::open(&c.dir)
        .and_then(|(_, mut e)| e.submit(&[entry]).map_err(crate::electioncmd::explain));
    let receipt = match submitted {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
    };
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
        Some(p) => outln!(o, "  the seed will draw: scrutineer {}", p.flags()),
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
        shell(&c.dir.display().to_string())
    );
    outln!(
        o,
        "  2. when the time comes, reveal the seed:\n       scrutineer audit reveal {} --audit {} --as {}",
        shell(&c.dir.display().to_string()),
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
    review::write_stdout(&o)
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
    check_id(&r.id)?;
    let key = crate::logdir::read_key(&r.key)?;
    let (_, mut election) = crate::electioncmd::open(&r.dir)?;
    let conn = election.conn();
    let Some(record) = ledger::report::audit(conn, &r.id).map_err(anyhow::Error::msg)? else {
        bail!(
            "no audit {:?} was committed in {}; commit it first with `scrutineer audit commit`",
            r.id,
            r.dir.display()
        );
    };
    if let Some(at) = record.revealed_at {
        bail!(
            "audit {:?} revealed its seed at entry {at}; a seed is revealed once",
            r.id
        );
    }
    if record.author != key.name() {
        bail!(
            "audit {:?} was committed by {}; only that key may reveal its seed (--as is {})",
            r.id,
            record.author,
            key.name()
        );
    }
    let path = secret_path(&r.dir, &r.id);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow::anyhow!(
                "{} does not exist: the dice are kept in the election directory where \
                 `scrutineer audit commit` ran; reveal from there",
                path.display()
            )
        } else {
            anyhow::anyhow!("reading {}: {e}", path.display())
        }
    })?;
    let secret: Secret = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a kept audit seed", path.display()))?;
    if secret.audit != r.id {
        bail!(
            "{} holds the seed of audit {:?}, not {:?}",
            path.display(),
            secret.audit,
            r.id
        );
    }
    if ledger::audit::commitment(&secret.salt, &secret.seed) != record.commitment {
        bail!(
            "the seed and salt kept in {} do not match the commitment recorded at entry {} ({}): \
             the file was changed, or belongs to another commitment. Nothing was recorded",
            path.display(),
            record.committed_at,
            record.commitment
        );
    }
    let entry = Entry::signed(
        Event::AuditSeed(ledger::event::AuditSeed {
            audit: r.id.clone(),
            salt: secret.salt.clone(),
            seed: secret.seed.clone(),
        }),
        &key,
    )
    .to_bytes();
    let receipt = election
        .submit(&[entry])
        .map_err(crate::electioncmd::explain)?;
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
    match DrawPlan::of(&record.purpose) {
        Ok(Some(p)) => outln!(
            o,
            "Next: draw and record the sample:\n  {}",
            draw_command(&p, &r.dir, &r.id, &r.key)
        ),
        _ => outln!(
            o,
            "Next: draw with the seed, and record the sample with `scrutineer submit` (kind \
             audit_sample)"
        ),
    }
    review::write_stdout(&o)
}

// ---------------------------------------------------------------- show

#[derive(Serialize)]
struct ShowReport {
    election: Provenance,
    audit: String,
    author: String,
    /// The purpose in words (without the draw line).
    purpose: String,
    /// The committed draw's parameters, when the purpose records them.
    draw: Option<DrawPlan>,
    /// The same as options of `scrutineer rla` or `scrutineer pvt`.
    draw_options: Option<String>,
    commitment: String,
    committed_at: u64,
    seed: Option<String>,
    salt: Option<String>,
    revealed_at: Option<u64>,
    /// Whether the revealed seed and salt hash to the commitment (None before the reveal).
    seed_matches_commitment: Option<bool>,
    rounds: Vec<RoundCheck>,
    /// Official forms of the contest recorded after the commitment and after the reveal.
    official_forms_after_commitment: Option<u64>,
    official_forms_after_reveal: Option<u64>,
    /// What failed; empty when every check passes.
    problems: Vec<String>,
}

#[derive(Serialize)]
struct RoundCheck {
    round: u32,
    entry: u64,
    /// The number of the round's first draw.
    first: Option<u64>,
    draws: Vec<String>,
    /// Whether a fresh draw from the seed gives the same sample (None: cannot be redone).
    matches_fresh_draw: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    difference: Option<String>,
}

#[derive(Serialize)]
struct ListReport {
    election: Provenance,
    audits: Vec<ListedAudit>,
}

#[derive(Serialize)]
struct ListedAudit {
    audit: String,
    author: String,
    purpose: String,
    draw_options: Option<String>,
    committed_at: u64,
    revealed_at: Option<u64>,
    rounds: usize,
    draws: usize,
}

fn show(s: ShowArgs) -> anyhow::Result<()> {
    let opened = review::open(&s.election)?;
    let conn = opened.conn();
    let Some(id) = &s.id else {
        let audits = ledger::report::audits(conn).map_err(anyhow::Error::msg)?;
        let report = ListReport {
            election: opened.provenance.clone(),
            audits: audits
                .iter()
                .map(|a| ListedAudit {
                    audit: a.id.clone(),
                    author: a.author.clone(),
                    purpose: purpose_text(&a.purpose).to_string(),
                    draw_options: DrawPlan::of(&a.purpose).ok().flatten().map(|p| p.flags()),
                    committed_at: a.committed_at,
                    revealed_at: a.revealed_at,
                    rounds: a.rounds.len(),
                    draws: a.rounds.iter().map(|r| r.draws.len()).sum(),
                })
                .collect(),
        };
        if s.json {
            return review::print_json(&report);
        }
        let mut o = String::new();
        election_line(&mut o, &opened.provenance);
        if report.audits.is_empty() {
            outln!(o, "No audits are recorded.");
        }
        for a in &report.audits {
            outln!(
                o,
                "{}: by {}, committed at entry {}, {}; {} round(s), {} draws",
                a.audit,
                a.author,
                group(a.committed_at),
                a.revealed_at.map_or("seed not revealed".to_string(), |i| {
                    format!("seed revealed at entry {}", group(i))
                }),
                a.rounds,
                a.draws
            );
            outln!(o, "  {}", a.purpose.lines().next().unwrap_or("").trim());
        }
        return review::write_stdout(&o);
    };
    let Some(record) = ledger::report::audit(conn, id).map_err(anyhow::Error::msg)? else {
        let ids: Vec<String> = ledger::report::audits(conn)
            .map_err(anyhow::Error::msg)?
            .into_iter()
            .map(|a| a.id)
            .collect();
        bail!(
            "--audit {id:?}: the election has no such audit; {}",
            if ids.is_empty() {
                "it has none".to_string()
            } else {
                format!("its audits are {}", ids.join(", "))
            }
        );
    };
    let mut problems = Vec::new();
    let plan = match DrawPlan::of(&record.purpose) {
        Ok(p) => p,
        Err(e) => {
            problems.push(e);
            None
        }
    };
    let seed_matches = match (&record.seed, &record.salt) {
        (Some(seed), Some(salt)) => {
            let ok = ledger::audit::commitment(salt, seed) == record.commitment;
            if !ok {
                problems.push(format!(
                    "the seed and salt revealed at entry {} do not match the commitment at entry {}",
                    record.revealed_at.unwrap_or(0),
                    record.committed_at
                ));
            }
            Some(ok)
        }
        _ => None,
    };
    let contest = match &plan {
        Some(DrawPlan::Rla(p)) => Some(p.contest.as_str()),
        Some(DrawPlan::Pvt(p)) => Some(p.contest.as_str()),
        None => None,
    };
    let after = |index: Option<u64>| -> anyhow::Result<Option<u64>> {
        match (contest, index) {
            (Some(c), Some(i)) => Ok(Some(
                ledger::report::forms_recorded_after(conn, c, "official", i)
                    .map_err(anyhow::Error::msg)?,
            )),
            _ => Ok(None),
        }
    };
    let after_commitment = after(Some(record.committed_at))?;
    let after_reveal = after(record.revealed_at)?;
    // The rounds: numbered draws, and a fresh draw from the seed to compare.
    let mut rounds = Vec::new();
    let mut next_first = Some(1u64);
    for (i, r) in record.rounds.iter().enumerate() {
        if r.round as usize != i + 1 {
            next_first = None; // a gap: later draws cannot be numbered
        }
        rounds.push(RoundCheck {
            round: r.round,
            entry: r.index,
            first: next_first,
            draws: r.draws.clone(),
            matches_fresh_draw: None,
            difference: None,
        });
        next_first = next_first.map(|f| f + r.draws.len() as u64);
    }
    if let (Some(plan), Some(true), false) = (&plan, seed_matches, rounds.is_empty()) {
        let seed = review::parse_seed(record.seed.as_deref().unwrap_or_default());
        let fresh = seed.and_then(|seed| {
            let total = rounds.iter().map(|r| r.draws.len() as u64).sum::<u64>();
            match plan {
                DrawPlan::Rla(p) => crate::rlacmd::redo(&opened, p, seed.as_str(), 1, total),
                DrawPlan::Pvt(p) => crate::pvtcmd::redo(&opened, p, seed.as_str()),
            }
        });
        match fresh {
            Err(e) => problems.push(format!("the draw cannot be redone: {e:#}")),
            Ok(fresh) => {
                let single = matches!(plan, DrawPlan::Pvt(_));
                for r in &mut rounds {
                    let recorded = AuditRound {
                        round: r.round,
                        index: r.entry,
                        draws: r.draws.clone(),
                    };
                    let diff = match r.first {
                        _ if single && r.round != 1 => {
                            Some("a PVT draws its sample once, in round 1".to_string())
                        }
                        // A PVT's one round is the whole draw, every station of it.
                        Some(_) if single => first_difference(&[recorded], &fresh),
                        Some(first) => round_difference(&recorded, first, &fresh),
                        None => Some("an earlier round is not recorded".to_string()),
                    };
                    r.matches_fresh_draw = Some(diff.is_none());
                    if let Some(d) = &diff {
                        problems.push(format!("round {}: {d}", r.round));
                    }
                    r.difference = diff;
                }
            }
        }
    }
    let report = ShowReport {
        election: opened.provenance.clone(),
        audit: record.id.clone(),
        author: record.author.clone(),
        purpose: purpose_text(&record.purpose).to_string(),
        draw_options: plan.as_ref().map(DrawPlan::flags),
        draw: plan,
        commitment: record.commitment.clone(),
        committed_at: record.committed_at,
        seed: record.seed.clone(),
        salt: record.salt.clone(),
        revealed_at: record.revealed_at,
        seed_matches_commitment: seed_matches,
        rounds,
        official_forms_after_commitment: after_commitment,
        official_forms_after_reveal: after_reveal,
        problems,
    };
    if s.json {
        review::print_json(&report)?;
    } else {
        review::write_stdout(&show_text(&report))?;
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

fn election_line(o: &mut String, p: &Provenance) {
    outln!(
        o,
        "Election: {} ({} {}{})",
        p.name,
        p.kind,
        p.path,
        p.entries
            .map_or(String::new(), |n| format!(", {} entries", group(n)))
    );
}

fn show_text(r: &ShowReport) -> String {
    let mut o = String::new();
    outln!(o, "Audit {}", r.audit);
    election_line(&mut o, &r.election);
    outln!(
        o,
        "Committed at entry {} by {}: commitment {}",
        group(r.committed_at),
        r.author,
        r.commitment
    );
    for line in r.purpose.lines() {
        outln!(o, "  purpose: {line}");
    }
    match &r.draw_options {
        Some(d) => outln!(o, "  the seed draws: scrutineer {d}"),
        None => outln!(
            o,
            "  the purpose records no draw parameters: the samples cannot be redone here"
        ),
    }
    match (&r.seed, &r.salt, r.revealed_at) {
        (Some(seed), Some(salt), Some(at)) => {
            outln!(
                o,
                "Seed revealed at entry {}: {seed} ({} dice), salt {salt}",
                group(at),
                seed.len()
            );
            outln!(
                o,
                "  the seed and salt match the commitment: {}",
                if r.seed_matches_commitment == Some(true) {
                    "yes"
                } else {
                    "NO"
                }
            );
        }
        _ => outln!(o, "Seed: not revealed yet"),
    }
    if let (Some(c), Some(n)) = (&r.draw, r.official_forms_after_commitment) {
        let contest = match c {
            DrawPlan::Rla(p) => &p.contest,
            DrawPlan::Pvt(p) => &p.contest,
        };
        if n == 0 {
            outln!(
                o,
                "No official form of contest {contest} was recorded or approved after the commitment."
            );
        } else {
            outln!(
                o,
                "Note: {n} official forms of contest {contest} were recorded or approved after the commitment{}; \
                 the draw is redone from the forms as they are now",
                r.official_forms_after_reveal
                    .map_or(String::new(), |m| format!(" ({m} after the reveal)"))
            );
        }
    }
    if r.rounds.is_empty() && r.revealed_at.is_some() {
        outln!(o, "No sample is recorded yet.");
    }
    for round in &r.rounds {
        let range = match round.first {
            Some(f) => format!("draws {}-{}", f, f + round.draws.len() as u64 - 1),
            None => format!("{} draws", round.draws.len()),
        };
        outln!(
            o,
            "Round {} recorded at entry {}: {range} ({} draws)",
            round.round,
            group(round.entry),
            round.draws.len()
        );
        let shown: Vec<&str> = round.draws.iter().take(12).map(String::as_str).collect();
        outln!(
            o,
            "  {}{}",
            shown.join(", "),
            if round.draws.len() > shown.len() {
                format!(
                    ", ... ({} more; --json lists them all)",
                    round.draws.len() - shown.len()
                )
            } else {
                String::new()
            }
        );
        match (round.matches_fresh_draw, &round.difference) {
            (Some(true), _) => outln!(
                o,
                "  a fresh draw from the seed gives the same sample, in the same order"
            ),
            (Some(false), Some(d)) | (None, Some(d)) => {
                outln!(o, "  DIFFERS from a fresh draw: {d}")
            }
            _ => outln!(o, "  not checked"),
        }
    }
    if r.problems.is_empty() {
        if r.seed_matches_commitment == Some(true) {
            outln!(o, "Every check passes.");
        }
    } else {
        outln!(o, "{} problem(s):", r.problems.len());
        for p in &r.problems {
            outln!(o, "  {p}");
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_is_the_purposes_last_line() {
        let plan = DrawPlan::Rla(RlaPlan {
            method: "macro".into(),
            contest: "na-2013".into(),
            area: None,
            winners: 1,
            risk_limit: 0.05,
        });
        let purpose = plan.purpose("MACRO audit\nof the national result\n");
        assert_eq!(
            purpose,
            "MACRO audit\nof the national result\ndraw: {\"tool\":\"rla\",\"method\":\"macro\",\
             \"contest\":\"na-2013\",\"winners\":1,\"risk_limit\":0.05}"
        );
        assert_eq!(DrawPlan::of(&purpose), Ok(Some(plan.clone())));
        assert_eq!(
            purpose_text(&purpose),
            "MACRO audit\nof the national result"
        );
        assert_eq!(DrawPlan::of("no draw here"), Ok(None));
        let pvt = DrawPlan::Pvt(PvtPlan {
            contest: "c".into(),
            area: Some("01".into()),
            level: "none".into(),
            take: 60,
        });
        assert_eq!(DrawPlan::of(&pvt.purpose("x")), Ok(Some(pvt)));
        // Unknown members and tools are refused, not ignored.
        let err = DrawPlan::of("x\ndraw: {\"tool\":\"rla\",\"method\":\"macro\",\"contest\":\"c\",\"winners\":1,\"risk_limit\":0.05,\"extra\":1}")
            .unwrap_err();
        assert!(err.contains("extra"), "{err}");
        let err = DrawPlan::of("x\ndraw: {\"tool\":\"dice\"}").unwrap_err();
        assert!(err.contains("dice"), "{err}");
    }

    #[test]
    fn differences_name_the_round_and_the_draw() {
        let rounds = vec![
            AuditRound {
                round: 1,
                index: 10,
                draws: vec!["a".into(), "b".into()],
            },
            AuditRound {
                round: 2,
                index: 12,
                draws: vec!["c".into()],
            },
        ];
        let fresh = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(first_difference(&rounds, &fresh(&["a", "b", "c"])), None);
        let d = first_difference(&rounds, &fresh(&["a", "b", "x"])).unwrap();
        assert!(
            d.contains("round 2 (entry 12) records draw 3 as \"c\""),
            "{d}"
        );
        let d = first_difference(&rounds, &fresh(&["a", "b"])).unwrap();
        assert!(d.contains("only 2 draws"), "{d}");
        let d = first_difference(&rounds, &fresh(&["a", "b", "c", "d"])).unwrap();
        assert!(d.contains("record 3 draws"), "{d}");
    }

    #[test]
    fn audit_ids_are_file_names() {
        assert!(check_id("na-macro-1").is_ok());
        assert!(check_id("pvt_2013.v2").is_ok());
        for bad in ["", "../x", "a/b", ".hidden", "-x", "a b", &"x".repeat(65)] {
            assert!(check_id(bad).is_err(), "{bad:?}");
        }
    }
}
