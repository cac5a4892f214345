//! Whom a reader of a published log trusts (the log's key, the witnesses, a policy file),
//! the network limits that travel with it, and a published log's replay with a progress bar:
//! shared by `verify`, `replay` and the review commands.

use crate::progress;
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tlog::Policy;
use tlog::note::Vkey;
use tlog::verify::TileSource;

/// The flags that set the network limits, as errors name them.
pub const NET_FLAGS: net::Flags = net::Flags {
    connect_timeout: "--connect-timeout",
    read_timeout: "--read-timeout",
    request_timeout: "--request-timeout",
    deadline: "--deadline",
};

/// How long the network may take: each connection, each silence, each request, and the whole
/// run. `verify`, `replay` and the review commands take them as flags.
#[derive(clap::Args, Clone, Debug)]
#[command(next_help_heading = "Network")]
pub struct NetArgs {
    /// Give up connecting to a server after this long (seconds, or with a unit: 500ms, 2m).
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = net::parse_duration)]
    pub connect_timeout: Duration,
    /// Give up on a request when the server sends nothing for this long.
    #[arg(long, value_name = "TIME", default_value = "30s", value_parser = net::parse_duration)]
    pub read_timeout: Duration,
    /// Give up on one request (one tile, headers and body) after this long.
    #[arg(long, value_name = "TIME", default_value = "5m", value_parser = net::parse_duration)]
    pub request_timeout: Duration,
    /// Give up on the whole run after this long (a national log takes minutes).
    #[arg(long, value_name = "TIME", default_value = "4h", value_parser = net::parse_duration)]
    pub deadline: Duration,
}

/// Whom a reader trusts: the log's key and the witnesses that must have cosigned, or a policy
/// file. `verify` and `replay` take the same flags.
#[derive(clap::Args)]
pub struct TrustArgs {
    /// The log's checkpoint-signing verifier key, as published.
    #[arg(long, required_unless_present = "policy")]
    vkey: Option<String>,
    /// A witness's cosignature verifier key; repeat for each witness.
    #[arg(long = "witness")]
    witnesses: Vec<String>,
    /// How many of the witnesses must have cosigned (default: all given).
    #[arg(long)]
    quorum: Option<usize>,
    /// A C2SP tlog-policy file, instead of --vkey, --witness and --quorum.
    #[arg(long, conflicts_with_all = ["vkey", "witnesses", "quorum"])]
    policy: Option<PathBuf>,
    /// Every command that trusts a published log also fetches it, so the network limits
    /// travel with the trust flags.
    #[command(flatten)]
    net: NetArgs,
}

impl TrustArgs {
    /// The network limits, whose deadline counts from now.
    pub fn limits(&self) -> net::Limits {
        let n = &self.net;
        net::Limits::new(
            n.connect_timeout,
            n.read_timeout,
            n.request_timeout,
            n.deadline,
            NET_FLAGS,
        )
    }

    /// The trust policy.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        build_policy(
            self.policy.as_deref(),
            self.vkey.as_deref(),
            &self.witnesses,
            self.quorum,
        )
    }
}

pub fn build_policy(
    policy: Option<&std::path::Path>,
    vkey: Option<&str>,
    witnesses: &[String],
    quorum: Option<usize>,
) -> anyhow::Result<Policy> {
    if let Some(path) = policy {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        return Policy::parse(&text).with_context(|| format!("{}", path.display()));
    }
    let log = Vkey::parse(vkey.context("--vkey is needed")?).context("--vkey")?;
    let witnesses = witnesses
        .iter()
        .map(|w| Vkey::parse(w).with_context(|| format!("--witness {w}")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let k = quorum.unwrap_or(witnesses.len());
    Ok(Policy::k_of_n(log, witnesses, k)?)
}

/// A published directory, or an http(s) URL.
pub fn open_source(source: &str, limits: &net::Limits) -> anyhow::Result<Box<dyn TileSource>> {
    net::open_source(source, limits).map_err(anyhow::Error::msg)
}

/// Replays a published log (directory or URL) with a progress bar, and reads the state digest
/// the commission published beside it (`review::summary::replay_published`).
pub fn replay_published(
    source: &str,
    policy: &tlog::Policy,
    state_db: Option<&Path>,
    limits: &net::Limits,
) -> anyhow::Result<(ledger::replay::Replay, review::summary::Published)> {
    let tiles: Box<dyn TileSource> = open_source(source, limits)?;
    let bar = progress::bar(0, "replaying entries");
    let replayed =
        review::summary::replay_published(tiles.as_ref(), policy, state_db, &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        });
    bar.finish_and_clear();
    replayed.with_context(|| format!("replaying {}", tiles.describe()))
}
