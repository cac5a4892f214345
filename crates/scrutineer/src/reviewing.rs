//! What the review commands (`rla`, `pvt`, `audit`, `forensics`) share: the arguments that
//! name the election and open it for review, the seed arguments of a draw, the rendering of a
//! review's errors in flag names, and the output helpers. The reviews themselves live in the
//! `review` crate; this module only wires arguments to it.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use review::{Param, Review};
use serde::Serialize;

/// `writeln!` into a String, which cannot fail. Output is collected and written once, so a
/// reader that stops early (`| head`) is not an error.
macro_rules! outln {
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}
pub(crate) use outln;

// ---------------------------------------------------------------- the election

/// Where the election comes from.
#[derive(clap::Args, Debug)]
pub struct ElectionArgs {
    /// An election directory (from `scrutineer init`), or a published log (directory or
    /// http(s) URL) to replay here, which needs --vkey or --policy.
    #[arg(value_name = "ELECTION", required_unless_present = "state_db")]
    pub election: Option<String>,
    /// The published log's checkpoint key (replays ELECTION before reviewing it).
    #[arg(long)]
    pub vkey: Option<String>,
    /// A witness's cosignature key that must have cosigned the published log; repeat.
    #[arg(long = "witness", requires = "vkey")]
    pub witnesses: Vec<String>,
    /// How many of the witnesses must have cosigned (default: all given).
    #[arg(long, requires = "vkey")]
    pub quorum: Option<usize>,
    /// A C2SP tlog-policy file, instead of --vkey, --witness and --quorum.
    #[arg(long, conflicts_with_all = ["vkey", "witnesses", "quorum"])]
    pub policy: Option<PathBuf>,
    /// Without ELECTION: the state database kept by an earlier
    /// `scrutineer replay --state-db FILE` (read, not replayed again). With a published
    /// ELECTION: keep the state rebuilt by this replay in FILE (it must not exist).
    #[arg(long, value_name = "FILE")]
    pub state_db: Option<PathBuf>,
}

/// Opens the election named by the arguments: an election directory, a replay of a published
/// log, or an earlier replay's state database.
pub fn open(a: &ElectionArgs) -> anyhow::Result<Review> {
    let replaying = a.vkey.is_some() || a.policy.is_some();
    match (&a.election, &a.state_db) {
        (None, Some(db)) => {
            if replaying {
                bail!(
                    "--vkey and --policy replay a published log: give its directory or URL as ELECTION"
                );
            }
            Review::of_state_db(db).map_err(fail)
        }
        (Some(source), state_db) if replaying => replay(a, source, state_db.as_deref()),
        (Some(dir), state_db) => {
            let path = Path::new(dir);
            if !path.join("log.toml").exists() {
                if path.join("checkpoint").exists() || dir.starts_with("http") {
                    bail!(
                        "{dir} is a published log: give the log's key with --vkey (and --witness) \
                         or --policy to replay it"
                    );
                }
                bail!(
                    "{dir} is not an election directory (no log.toml); give an election directory, \
                     a published log with --vkey, or --state-db FILE"
                );
            }
            if state_db.is_some() {
                bail!(
                    "--state-db is for a replayed log; an election directory already holds its state"
                );
            }
            let (_, election) = crate::logdir::open_election(path)?;
            Review::of_election(election, dir).map_err(fail)
        }
        (None, None) => bail!("give the election: a directory, a published log, or --state-db"),
    }
}

fn replay(a: &ElectionArgs, source: &str, state_db: Option<&Path>) -> anyhow::Result<Review> {
    if let Some(db) = state_db
        && db.exists()
    {
        bail!(
            "{} already exists: to review the state it holds, give --state-db {} without the \
             published log; to replay again, name a new file",
            db.display(),
            db.display()
        );
    }
    let policy = crate::trust::build_policy(
        a.policy.as_deref(),
        a.vkey.as_deref(),
        &a.witnesses,
        a.quorum,
    )?;
    let limits = net::Limits::defaults(crate::trust::NET_FLAGS);
    let (replayed, published) = crate::trust::replay_published(source, &policy, state_db, &limits)?;
    // A digest that cannot be fetched or opened is treated as none published.
    let published = published.and_then(Result::ok);
    if !replayed.refusals.is_empty() {
        eprintln!(
            "warning: the replay refused {} entries of {source}; they are not in the reviewed state \
             (see `scrutineer replay`)",
            replayed.refusals.len()
        );
    }
    let review = Review::of_replay(replayed, published, source).map_err(fail)?;
    if review.provenance.matches_published_digest == Some(false) {
        eprintln!(
            "warning: the rebuilt state of {source} differs from the digest the commission published"
        );
    }
    Ok(review)
}

/// The flag that sets a review parameter.
pub fn flag(p: Param) -> String {
    match p {
        Param::Method => "--method",
        Param::Contest => "--contest",
        Param::Area => "--area",
        Param::Level => "--level",
        Param::Winners => "--winners",
        Param::RiskLimit => "--risk-limit",
        Param::Seed => "--seed",
        Param::Salt => "--salt",
        Param::Commitment => "--commitment",
        Param::Audit => "--audit",
        Param::First => "--first",
        Param::Count => "--count",
        Param::Draws => "--draws",
        Param::Take => "--take",
        Param::Round => "--round",
        Param::Source => "--source",
        Param::MarginOfError => "--margin-of-error",
        Param::Turnout => "--turnout",
        Param::Confidence => "--confidence",
        Param::ExpectedShare => "--expected-share",
        Param::EscalateAfter => "--escalate-after",
        Param::From => "--from",
        Param::Record => "--record",
        Param::Test => "--test",
        Param::Cluster => "--level",
        Param::Clusters => "--clusters",
        Param::PerCluster => "--per-cluster",
        Param::FromSize => "--from",
        Param::ToSize => "--to",
        Param::Station => "STATION",
        Param::Observer => "--as",
    }
    .to_string()
}

/// A review's error in the command line's words: parameters named by their flags, and a
/// committed draw as the options that make it.
pub fn fail(e: review::Error) -> anyhow::Error {
    match &e {
        review::Error::Committed {
            audit,
            differs,
            plan,
        } => {
            let list: Vec<String> = differs
                .iter()
                .map(|d| format!("{} {} (not {})", flag(d.param), d.committed, d.given))
                .collect();
            anyhow::anyhow!(
                "audit {audit:?} was committed to draw with {}: the parameters fixed before the \
                 seed was revealed cannot change. The committed draw: {}",
                list.join(", "),
                plan_flags(plan)
            )
        }
        _ => anyhow::anyhow!(e.render(&flag)),
    }
}

/// `review`'s results in the command line's words.
pub trait Lift<T> {
    fn lift(self) -> anyhow::Result<T>;
}

impl<T> Lift<T> for review::Result<T> {
    fn lift(self) -> anyhow::Result<T> {
        self.map_err(fail)
    }
}

// ---------------------------------------------------------------- the seed of a draw

/// Where a draw takes its seed: dice given here, or an audit in the log (whose sample it can
/// record). `rla draw` and `pvt draw` share these.
#[derive(clap::Args, Debug)]
pub struct SeedArgs {
    /// The audit seed: at least 20 dice rolls, digits 1-6, as rolled in public.
    #[arg(
        long,
        required_unless_present = "audit_id",
        conflicts_with = "audit_id"
    )]
    pub seed: Option<String>,
    /// The salt published with the seed (64 hex digits); default: a new random one.
    #[arg(long, value_name = "HEX", conflicts_with = "audit_id")]
    pub salt: Option<String>,
    /// The commitment recorded before the roll was revealed: refuse to draw unless the seed
    /// and --salt match it.
    #[arg(long, value_name = "HEX", conflicts_with = "audit_id")]
    pub commitment: Option<String>,
    /// Draw from the seed of this audit in the log (`scrutineer audit`), with the parameters
    /// committed with it, instead of --seed.
    #[arg(long = "audit", value_name = "ID")]
    pub audit_id: Option<String>,
    /// Record the draws as the audit's next round in this election directory.
    #[arg(long, value_name = "DIR", requires_all = ["audit_id", "key"])]
    pub record: Option<PathBuf>,
    /// With --record: the key that committed the audit.
    #[arg(long = "as", value_name = "KEY", requires = "record")]
    pub key: Option<PathBuf>,
}

pub use review::audit::DrawSeed;

/// The audit a draw takes its seed from, if any: with --record a recorder (whose `revealed` is
/// the audit as the election recorded into holds it), otherwise the audit read from the
/// reviewed election.
pub fn draw_seed(s: &SeedArgs, reviewed: &Review, round: Option<u32>) -> anyhow::Result<DrawSeed> {
    Ok(match (&s.audit_id, &s.record, &s.key) {
        (Some(id), Some(dir), Some(key)) => {
            let key = crate::logdir::read_key(key)?;
            let (_, election) = crate::logdir::open_election(dir)?;
            DrawSeed::Recording(Box::new(
                review::audit::Recorder::open(
                    election,
                    &dir.display().to_string(),
                    id,
                    key,
                    round,
                    &reviewed.provenance.origin,
                )
                .lift()?,
            ))
        }
        (_, Some(_), _) => bail!("--record needs --audit ID and --as KEY"),
        (Some(id), None, _) => DrawSeed::Read(Box::new(
            review::audit::Revealed::read(reviewed, id).lift()?,
        )),
        (None, None, _) => {
            let Some(seed) = &s.seed else {
                bail!("give the seed: --seed DICE, or --audit ID for an audit in the log");
            };
            DrawSeed::given(seed, s.salt.as_deref(), s.commitment.as_deref()).lift()?
        }
    })
}

// ---------------------------------------------------------------- output

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    write_stdout(&format!("{text}\n"))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

pub use review::render::{plan_flags, shell};

/// Writes a file atomically, naming it in errors.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    tlog::publish::write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// The arguments that name the election again, for a printed next command.
pub fn election_words(a: &ElectionArgs) -> Vec<String> {
    let mut w = Vec::new();
    if let (Some(_), Some(db)) = (&a.election, &a.state_db) {
        // This run replayed into db: the next step reads it instead of replaying again.
        w.push(format!("--state-db {}", shell(&db.display().to_string())));
        return w;
    }
    if let Some(e) = &a.election {
        w.push(shell(e));
    }
    if let Some(v) = &a.vkey {
        w.push(format!("--vkey {}", shell(v)));
    }
    for x in &a.witnesses {
        w.push(format!("--witness {}", shell(x)));
    }
    if let Some(q) = a.quorum {
        w.push(format!("--quorum {q}"));
    }
    if let Some(p) = &a.policy {
        w.push(format!("--policy {}", shell(&p.display().to_string())));
    }
    if a.election.is_none()
        && let Some(db) = &a.state_db
    {
        w.push(format!("--state-db {}", shell(&db.display().to_string())));
    }
    w
}
