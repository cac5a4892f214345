//! `scrutineer log …`: run a transparency log by hand.

use crate::logdir::LogDir;
use crate::progress;
use anyhow::{Context, bail};
use std::io::Read;
use std::path::PathBuf;
use tlog::note::open_checkpoint;
use tlog::proof_file::InclusionProof;

/// Create, append to, witness, publish and prove entries of a transparency log.
///
/// A log lives in a directory holding `log.db` (entries, tiles and checkpoints in SQLite) and
/// `log.toml` (the origin, where the signing key is, and the witnesses to ask). The usual cycle:
///
///   scrutineer keygen elections.example/kh-2013
///   scrutineer log init LOGDIR --key elections.example_kh-2013.key
///   scrutineer log append LOGDIR events.jsonl
///   scrutineer log add-witness LOGDIR WITNESS_VKEY http://127.0.0.1:7380
///   scrutineer log witness LOGDIR
///   scrutineer log publish LOGDIR public/
///   scrutineer log check LOGDIR
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Init(InitArgs),
    Append(AppendArgs),
    Publish(PublishArgs),
    Prove(ProveArgs),
    Witness(WitnessArgs),
    AddWitness(AddWitnessArgs),
    Status(StatusArgs),
    Check(CheckArgs),
    Serve(ServeArgs),
}

/// Create an empty log in DIR, signed by KEYFILE.
///
/// The key's name is the log's origin: the first line of every checkpoint, which verifiers and
/// witnesses use to tell logs apart. Make the key with `scrutineer keygen ORIGIN`.
#[derive(clap::Args)]
struct InitArgs {
    dir: PathBuf,
    /// The private key that signs checkpoints.
    #[arg(long)]
    key: PathBuf,
    /// The origin; must equal the key's name (the default).
    #[arg(long)]
    origin: Option<String>,
}

/// Append entries from FILE (or standard input), all or none, then sign a checkpoint.
///
/// By default each line is one entry (without its newline; a final line without a newline
/// counts). With --raw the input is a sequence of entries each preceded by its length as a
/// 2-byte big-endian number, the entry-bundle encoding. An entry is at most 65,535 bytes. The
/// whole input is appended in one durable step: if any entry is refused, nothing is appended.
#[derive(clap::Args)]
struct AppendArgs {
    dir: PathBuf,
    file: Option<PathBuf>,
    /// Read length-prefixed entries instead of lines.
    #[arg(long)]
    raw: bool,
}

/// Write the log as a static C2SP tlog-tiles directory into OUT.
///
/// Publishes the latest checkpoint with the cosignatures gathered for it (signing a new one
/// first if entries were appended since). Publishing again writes only what changed. Serve OUT
/// with any web server, or with `scrutineer log serve`.
#[derive(clap::Args)]
struct PublishArgs {
    dir: PathBuf,
    out: PathBuf,
}

/// Print a tlog-proof (c2sp.org/tlog-proof@v1) that entry INDEX is in the log.
///
/// The proof carries the latest checkpoint with its cosignatures, so it can be checked offline
/// with `scrutineer verify --proof FILE --vkey LOG_VKEY ENTRYFILE`.
#[derive(clap::Args)]
struct ProveArgs {
    dir: PathBuf,
    index: u64,
    /// Also write the entry itself to this file.
    #[arg(long)]
    entry_out: Option<PathBuf>,
}

/// Ask the log's witnesses to cosign the latest checkpoint.
///
/// Asks every witness listed in log.toml (see `log add-witness`), or only those at the URLs
/// given. Each witness checks a consistency proof from the last checkpoint it cosigned and
/// refuses a history that forks from it. Exits non-zero if any witness did not cosign. In an
/// election whose genesis names the log's key, the cosigned checkpoint is then recorded as an
/// entry of the log (witness time: the entries below its size existed by the witnesses' time).
#[derive(clap::Args)]
struct WitnessArgs {
    dir: PathBuf,
    /// Only these witnesses (by URL).
    urls: Vec<String>,
}

/// Add a witness that `log witness` will ask.
#[derive(clap::Args)]
struct AddWitnessArgs {
    dir: PathBuf,
    /// The witness's verifier key (from `scrutineer keygen --witness` or the witness operator).
    vkey: String,
    /// The witness's submission prefix, e.g. http://witness.party-a.example/ or http://127.0.0.1:7380
    url: String,
}

/// Show the log's size, root, latest checkpoint and witnesses.
#[derive(clap::Args)]
struct StatusArgs {
    dir: PathBuf,
}

/// Check the whole store on disk: is log.db sound, and does it hold what its checkpoints sign?
///
/// Runs SQLite's own integrity check on log.db, hashes every entry again and rebuilds every tile
/// and the root from them, comparing each with what is stored, and checks every stored
/// checkpoint's signature and root. Each problem is printed on one line naming the tile, entry
/// or checkpoint; the command exits non-zero if there is any. It reads the whole store (a few
/// seconds per million entries). `publish` and `witness` check only what is new, on every run.
///
///   scrutineer log check LOGDIR
///   scrutineer status ELECTION --check        (the same, for an election's directory)
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct CheckArgs {
    dir: PathBuf,
}

/// Serve a published directory over HTTP (for tests and small deployments).
#[derive(clap::Args)]
struct ServeArgs {
    /// The directory written by `log publish`.
    out: PathBuf,
    #[arg(long, default_value = "127.0.0.1:7381")]
    listen: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Init(a) => init(a),
        Command::Append(a) => append(a),
        Command::Publish(a) => publish(a),
        Command::Prove(a) => prove(a),
        Command::Witness(a) => witness(a),
        Command::AddWitness(a) => add_witness(a),
        Command::Status(a) => status(a),
        Command::Check(a) => crate::logdir::check_store(&a.dir),
        Command::Serve(a) => serve(a),
    }
}

fn init(a: InitArgs) -> anyhow::Result<()> {
    let dir = LogDir::init(&a.dir, a.origin.as_deref(), &a.key)?;
    let log = dir.log()?;
    println!("created log {} in {}", log.origin(), a.dir.display());
    println!("checkpoints are signed by {}", log.vkey());
    Ok(())
}

fn read_entries(input: &mut dyn Read, name: &str, raw: bool) -> anyhow::Result<Vec<Vec<u8>>> {
    let limit = interchange::MAX_EVENTS_FILE;
    Ok(tlog::entries::read_entries(input, name, raw, limit)?)
}

fn append(a: AppendArgs) -> anyhow::Result<()> {
    let dir = LogDir::open(&a.dir)?;
    let mut log = dir.log()?;
    let key = dir.key(&log)?;
    let (name, entries) = match &a.file {
        Some(path) => {
            let mut f =
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            // Refused before reading when its size is known; read_entries caps the rest.
            if f.metadata().map(|m| m.len()).unwrap_or(0) > interchange::MAX_EVENTS_FILE {
                bail!(
                    "{}: larger than {} MiB, the limit for a file of entries; split it",
                    path.display(),
                    interchange::MAX_EVENTS_FILE >> 20
                );
            }
            (
                path.display().to_string(),
                read_entries(&mut f, &path.display().to_string(), a.raw)?,
            )
        }
        None => (
            "standard input".to_string(),
            read_entries(&mut std::io::stdin().lock(), "standard input", a.raw)?,
        ),
    };
    if entries.is_empty() {
        println!("{name} holds no entries; nothing appended");
        return Ok(());
    }
    let first = log.append(&entries)?;
    log.sign_checkpoint(&key)?;
    println!(
        "appended {} entries (indexes {first}..{}); the log has {} entries, root {}",
        entries.len(),
        first + entries.len() as u64 - 1,
        log.size(),
        log.root()
    );
    Ok(())
}

fn publish(a: PublishArgs) -> anyhow::Result<()> {
    let dir = LogDir::open(&a.dir)?;
    let mut log = dir.log()?;
    let note = dir.current_checkpoint(&mut log)?;
    let cosignatures = open_checkpoint(&note)?.2.len().saturating_sub(1);
    let bar = progress::bar(0, "publishing tiles");
    let published = tlog::publish::publish(&log, &note, &a.out, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .map_err(|e| crate::logdir::publish_error(&a.dir, e))?;
    bar.finish_and_clear();
    println!(
        "published {} entries to {}: {} tiles and bundles written (was {} entries), checkpoint with {cosignatures} cosignature(s)",
        published.size,
        a.out.display(),
        published.written,
        published.from_size,
    );
    if cosignatures == 0 && !dir.config.witnesses.is_empty() {
        println!(
            "note: no witness has cosigned this checkpoint yet; run `scrutineer log witness` and publish again"
        );
    }
    Ok(())
}

fn prove(a: ProveArgs) -> anyhow::Result<()> {
    let dir = LogDir::open(&a.dir)?;
    let mut log = dir.log()?;
    let note = dir.current_checkpoint(&mut log)?;
    let (cp, _, _) = open_checkpoint(&note)?;
    if a.index >= cp.size() {
        bail!(
            "entry {} is not in the log: it has {} entries",
            a.index,
            cp.size()
        );
    }
    let proof = InclusionProof {
        extra: None,
        index: a.index,
        proof: log.prove_inclusion(a.index, cp.size())?,
        checkpoint: note,
    };
    if let Some(path) = &a.entry_out {
        std::fs::write(path, log.entry(a.index)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    use std::io::Write;
    std::io::stdout().write_all(&proof.to_bytes())?;
    Ok(())
}

fn witness(a: WitnessArgs) -> anyhow::Result<()> {
    let dir = LogDir::open(&a.dir)?;
    let mut log = dir.log()?;
    let chosen = dir.witnesses_at(&a.urls)?;
    let note = dir.current_checkpoint(&mut log)?;
    let limits = net::Limits::defaults(crate::trust::NET_FLAGS);
    let (cosigned, results) =
        net::witness_checkpoint(&mut log, &note, &chosen, &limits).map_err(|e| match e {
            tlog::witness::CosignError::Log(e) => anyhow::anyhow!(
                "{}: {e}; no witness was asked",
                a.dir.join("log.db").display()
            ),
            other => other.into(),
        })?;
    let (cp, _, sigs) = open_checkpoint(&cosigned)?;
    let mut failed = 0;
    for ((key, url), result) in chosen.iter().zip(&results) {
        match result {
            Ok(()) => println!("cosigned by {} ({url})", key.name),
            Err(e) => {
                failed += 1;
                println!("NOT cosigned: {e}");
            }
        }
    }
    println!(
        "checkpoint for {} entries now carries {} cosignature(s)",
        cp.size(),
        sigs.len().saturating_sub(1)
    );
    if failed > 0 {
        bail!("{failed} witness(es) did not cosign");
    }
    // An election records every witnessed checkpoint in its own log: witness time.
    drop(log);
    if let Some(index) =
        ledger::witnessing::record_in_dir(&a.dir, &cosigned).map_err(anyhow::Error::msg)?
    {
        println!("recorded in the election's log as entry {index}");
    }
    Ok(())
}

fn add_witness(a: AddWitnessArgs) -> anyhow::Result<()> {
    let name = LogDir::open(&a.dir)?.add_witness(&a.vkey, &a.url)?;
    println!("added witness {name} at {}", a.url);
    Ok(())
}

fn status(a: StatusArgs) -> anyhow::Result<()> {
    crate::reviewing::write_stdout(&LogDir::open(&a.dir)?.status()?)
}

fn serve(a: ServeArgs) -> anyhow::Result<()> {
    if !a.out.join("checkpoint").is_file() {
        bail!(
            "{} holds no published log (no checkpoint file); run `scrutineer log publish` first",
            a.out.display()
        );
    }
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        println!(
            "serving {} at http://{}/",
            a.out.display(),
            listener.local_addr()?
        );
        // Idle and slow clients are dropped, as the witness drops them.
        server::serve(
            listener,
            server::tiles::router(a.out.clone(), ""),
            server::Timeouts::default(),
            crate::shutdown_signal(),
        )
        .await?;
        anyhow::Ok(())
    })
}
