//! `scrutineer verify`: check a published log, or one entry's proof, trusting only keys.

use crate::progress;
use crate::trust::{TrustArgs, open_source};
use anyhow::Context;
use std::path::PathBuf;
use tlog::Policy;
use tlog::proof_file::InclusionProof;
use tlog::verify::{TrustedState, verify_log};

/// Verify a published log, trusting nothing but the keys you give.
///
/// SOURCE is a directory written by `scrutineer log publish`, or its http(s) URL. verify checks
/// the checkpoint's signature by the log key and the witnesses' cosignatures, downloads every
/// tile and entry bundle, hashes every entry and rebuilds every tile and the root from them.
/// If it has verified this log before, it also checks that the new checkpoint extends the one
/// it accepted then (a consistency proof), so a rewritten or rolled-back history is refused.
/// It remembers the last accepted checkpoint per log key under $XDG_DATA_HOME/scrutineer (or
/// ~/.local/share/scrutineer), or in --state FILE. Any problem exits non-zero and names the
/// first bad tile or entry.
///
/// The quorum: by default every --witness given must have cosigned; --quorum K asks for K of
/// them; --policy FILE reads a C2SP tlog-policy file instead (log, witness, group and quorum
/// lines).
///
/// With --proof, checks one entry offline instead: ENTRY is a file holding exactly the entry's
/// bytes, and the proof file comes from `scrutineer log prove`.
///
/// Examples:
///   scrutineer verify public/ --vkey 'elections.example/kh-2013+1a2b3c4d+AQ...'
///   scrutineer verify https://log.example/kh-2013/ --vkey LOG --witness W1 --witness W2 --quorum 2
///   scrutineer verify --proof entry-42.tlog-proof --vkey LOG entry-42.json
#[derive(clap::Args)]
pub struct Args {
    /// The published directory or URL (or, with --proof, the entry file).
    source: String,
    #[command(flatten)]
    trust: TrustArgs,
    /// Where to remember the last verified checkpoint.
    #[arg(long, conflicts_with = "no_state")]
    state: Option<PathBuf>,
    /// Do not read or write the remembered checkpoint.
    #[arg(long)]
    no_state: bool,
    /// Check this tlog-proof for the entry in SOURCE, offline.
    #[arg(long)]
    proof: Option<PathBuf>,
}

fn state_path(args: &Args, policy: &Policy) -> Option<PathBuf> {
    if args.no_state {
        return None;
    }
    if let Some(p) = &args.state {
        return Some(p.clone());
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    let log = policy.logs.first()?;
    Some(tlog::verify::trusted_state_file(
        &base.join("scrutineer/verified"),
        log,
    ))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let policy = args.trust.policy()?;
    if let Some(proof_path) = &args.proof {
        let entry = std::fs::read(&args.source)
            .with_context(|| format!("reading the entry {}", args.source))?;
        let bytes = std::fs::read(proof_path)
            .with_context(|| format!("reading {}", proof_path.display()))?;
        let proof =
            InclusionProof::parse(&bytes).with_context(|| format!("{}", proof_path.display()))?;
        let cp = proof
            .verify(&entry, &policy)
            .with_context(|| format!("{}", proof_path.display()))?;
        println!(
            "OK: {} is entry {} of {} (size {}), cosigned by {} witness(es)",
            args.source,
            proof.index,
            cp.origin,
            cp.size,
            cp.cosigned_by.len()
        );
        return Ok(());
    }

    let source = open_source(&args.source, &args.trust.limits())?;
    let state_file = state_path(&args, &policy);
    let previous = match &state_file {
        Some(p) => TrustedState::load(p)?,
        None => None,
    };
    let bar = progress::bar(0, "verifying entries");
    // Ticks while a request waits, so a slow server shows as time passing, not a hang.
    bar.enable_steady_tick(std::time::Duration::from_secs(1));
    let verified = verify_log(
        source.as_ref(),
        &policy,
        previous.as_ref(),
        &mut |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        },
    );
    bar.finish_and_clear();
    let verified = verified.with_context(|| format!("verifying {}", source.describe()))?;
    let cp = &verified.checkpoint;
    println!(
        "OK: {} holds {} entries with root {}",
        cp.origin, cp.size, cp.root
    );
    println!(
        "    checked the log signature, {} cosignature(s){}, {} entry bundles and {} hash tiles",
        cp.cosigned_by.len(),
        if cp.cosigned_by.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                cp.cosigned_by
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        verified.bundles,
        verified.tiles
    );
    match verified.consistent_with {
        Some(size) => println!("    extends the checkpoint verified before (size {size})"),
        None if previous.is_none() && state_file.is_some() => {
            println!("    first verification of this log; remembered for next time")
        }
        None => {}
    }
    if let Some(p) = &state_file {
        TrustedState::from_checkpoint(cp).save(p)?;
    }
    Ok(())
}
