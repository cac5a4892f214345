//! `scrutineer demo`: the whole chain on a small synthetic election, narrated.
//!
//! Everything runs on loopback in one process: the commission's log, two party witnesses, a
//! web server for the published tiles, and an observer's verifier that trusts only keys.

use crate::http::{HttpSource, HttpWitness};
use crate::logdir::LogDir;
use anyhow::{Context, bail};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tlog::note::{PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519, Vkey, open_checkpoint};
use tlog::proof_file::InclusionProof;
use tlog::verify::{DirSource, TrustedState, VerifyError, verify_log};
use tlog::witness::{WitnessTransport, witness_checkpoint};
use tlog::{Log, Policy, SqliteStorage, Storage};

/// Build a demo election log, have two party witnesses cosign it, publish it, and verify it
/// as an observer would; then show what happens when someone tampers with it.
///
/// Runs entirely on this machine (loopback only) and takes a few seconds. The demo grows as
/// scrutineer does.
#[derive(clap::Args)]
pub struct Args {
    /// Where to build the demo (default: a new directory under the system's temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Number of polling stations in the synthetic election.
    #[arg(long, default_value_t = 400)]
    stations: u32,
}

const ORIGIN: &str = "elections.demo/kh-2013";

/// A small deterministic generator, so every run builds the same election.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Synthetic election-like events: stations, then one official result form per station.
fn events(stations: u32, rng: &mut SplitMix, first_form: u32) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let provinces = [
        "Phnom Penh",
        "Kandal",
        "Kampong Cham",
        "Battambang",
        "Siem Reap",
    ];
    let mut station_events = Vec::new();
    let mut forms = Vec::new();
    for s in first_form..first_form + stations {
        let province = provinces[(s as usize) % provinces.len()];
        let code = format!("{:02}-{:04}", s as usize % provinces.len() + 1, s);
        let registered = 300 + rng.below(500);
        station_events.push(
            format!(
                r#"{{"kind":"station","body":{{"code":"{code}","province":"{province}","registered":{registered}}}}}"#
            )
            .into_bytes(),
        );
        let issued = registered * (60 + rng.below(30)) / 100;
        let invalid = rng.below(issued / 40 + 1);
        let valid = issued - invalid;
        let a = valid * (40 + rng.below(20)) / 100;
        let b = valid - a;
        forms.push(
            format!(
                r#"{{"kind":"result_form","body":{{"station":"{code}","source":"official","registered":{registered},"ballots_issued":{issued},"invalid":{invalid},"valid":{valid},"votes":{{"CPP":{a},"CNRP":{b}}}}}}}"#
            )
            .into_bytes(),
        );
    }
    (station_events, forms)
}

/// Runs the axum apps on a background runtime; returns their addresses.
struct Servers {
    runtime: tokio::runtime::Runtime,
}

impl Servers {
    fn new() -> anyhow::Result<Servers> {
        Ok(Servers {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()?,
        })
    }

    fn start(&self, app: axum::Router) -> anyhow::Result<SocketAddr> {
        let listener = self
            .runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        self.runtime.spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(addr)
    }
}

fn step(n: u32, title: &str) {
    println!("\n{n}. {title}");
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("scrutineer-demo-{}", std::process::id())),
    };
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        bail!("{} is not empty; give an empty or new --dir", dir.display());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    if args.stations == 0 {
        bail!("--stations must be at least 1");
    }
    println!("scrutineer demo: a synthetic election recorded in a transparency log");
    println!("working in {}", dir.display());
    let mut rng = SplitMix(2013);

    step(1, "Keys");
    let log_key = PrivateKey::generate(ORIGIN, TYPE_ED25519)?;
    let key_path = dir.join("commission.key");
    std::fs::write(&key_path, format!("{}\n", log_key.to_skey()))?;
    let party_a = PrivateKey::generate("witness.party-a.demo", TYPE_COSIGNATURE_V1)?;
    let party_b = PrivateKey::generate("witness.party-b.demo", TYPE_COSIGNATURE_V1)?;
    println!(
        "   the commission signs the log's checkpoints with {}",
        log_key.vkey()
    );
    println!("   party A runs a witness with  {}", party_a.vkey());
    println!("   party B runs a witness with  {}", party_b.vkey());

    step(2, "The commission's log");
    let log_dir = LogDir::init(&dir.join("log"), None, &key_path)?;
    let mut log = log_dir.log()?;
    let (stations, forms) = events(args.stations, &mut rng, 0);
    log.append(&stations)?;
    log.append(&forms)?;
    let note = log.sign_checkpoint(&log_key)?;
    println!(
        "   appended {} station records and {} official result forms: {} entries, root {}",
        stations.len(),
        forms.len(),
        log.size(),
        log.root()
    );

    step(3, "Witnesses run by each party cosign the checkpoint");
    let servers = Servers::new()?;
    let mut witness_urls = Vec::new();
    for (key, name) in [(&party_a, "party-a"), (&party_b, "party-b")] {
        let wdir = dir.join(format!("witness-{name}"));
        std::fs::create_dir_all(&wdir)?;
        let db = wdir.join("witness.db");
        tlog::witness::add_log(&db, ORIGIN, &log_key.vkey().to_string())
            .map_err(anyhow::Error::msg)?;
        let witness = tlog::witness::Witness::open(&db, key.clone()).map_err(anyhow::Error::msg)?;
        let addr = servers.start(server::witness::router(Arc::new(witness), ""))?;
        witness_urls.push(format!("http://{addr}"));
    }
    let transports: Vec<HttpWitness> = witness_urls.iter().map(|u| HttpWitness::new(u)).collect();
    let witnesses: Vec<(Vkey, &dyn WitnessTransport)> = vec![
        (party_a.vkey(), &transports[0]),
        (party_b.vkey(), &transports[1]),
    ];
    let (cosigned, results) = witness_checkpoint(&mut log, &note, &witnesses)?;
    for ((key, _), (result, url)) in witnesses.iter().zip(results.iter().zip(&witness_urls)) {
        match result {
            Ok(()) => println!("   {} at {url} cosigned size {}", key.name, log.size()),
            Err(e) => bail!("witness failed: {e}"),
        }
    }

    step(4, "Publication as static C2SP tiles");
    let public = dir.join("public");
    let published = tlog::publish::publish(&log, &cosigned, &public, &mut |_, _| {})?;
    println!(
        "   wrote the checkpoint and {} tiles and entry bundles to {}",
        published.written,
        public.display()
    );
    let tiles_addr = servers.start(server::tiles::router(public.clone(), ""))?;
    let url = format!("http://{tiles_addr}");
    println!("   and serve them at {url}/");

    step(
        5,
        "An observer verifies the log over HTTP, trusting only the keys",
    );
    let policy = Policy::k_of_n(log_key.vkey(), vec![party_a.vkey(), party_b.vkey()], 2)?;
    let state_file = dir.join("observer-state.json");
    let verified = verify_log(&HttpSource::new(&url), &policy, None, &mut |_, _| {})?;
    println!(
        "   OK: signature by the commission, cosignatures by {}",
        verified
            .checkpoint
            .cosigned_by
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(" and ")
    );
    println!(
        "   OK: all {} entries hashed; {} bundles and {} hash tiles rebuilt and matched; root {}",
        verified.checkpoint.size, verified.bundles, verified.tiles, verified.checkpoint.root
    );
    TrustedState::from_checkpoint(&verified.checkpoint).save(&state_file)?;
    println!("   the observer remembers this checkpoint for next time");

    step(6, "A citizen checks one result form offline");
    let index = stations.len() as u64 + u64::from(args.stations / 2);
    let entry = log.entry(index)?;
    let proof = InclusionProof {
        extra: None,
        index,
        proof: log.prove_inclusion(index, log.size())?,
        checkpoint: cosigned.clone(),
    };
    std::fs::write(dir.join("result-form.tlog-proof"), proof.to_bytes())?;
    let cp = proof.verify(&entry, &policy)?;
    println!("   {}", String::from_utf8_lossy(&entry));
    println!(
        "   OK: entry {index} is in the log of size {} cosigned by both parties ({} hashes of proof)",
        cp.size,
        proof.proof.len()
    );
    let mut forged = entry.clone();
    let at = forged
        .windows(5)
        .position(|w| w == b"CPP\":")
        .map(|p| p + 5)
        .unwrap_or(0);
    forged[at] = if forged[at] == b'9' {
        b'1'
    } else {
        forged[at] + 1
    };
    match proof.verify(&forged, &policy) {
        Ok(_) => bail!("a forged result form passed its proof"),
        Err(e) => println!("   a copy with one digit changed is refused: {e}"),
    }

    step(7, "Someone edits a result form in a published copy");
    let copy = dir.join("tampered-copy");
    copy_dir(&public, &copy)?;
    let bundle =
        copy.join(tlog::tile::TileId::entries(index / 256, bundle_width(log.size(), index)).path());
    let mut bytes = std::fs::read(&bundle)?;
    let position = find(&bytes, &entry).context("entry in its bundle")?;
    let digit = position + at;
    bytes[digit] = if bytes[digit] == b'9' {
        b'1'
    } else {
        bytes[digit] + 1
    };
    std::fs::write(&bundle, &bytes)?;
    match verify_log(&DirSource::new(&copy), &policy, None, &mut |_, _| {}) {
        Ok(_) => bail!("the tampered copy verified"),
        Err(e) => println!("   verify refuses it: {e}"),
    }

    step(8, "The commission tries to rewrite history and re-sign it");
    let fork_dir = dir.join("rewritten");
    std::fs::create_dir_all(&fork_dir)?;
    let mut fork = Log::open(SqliteStorage::create(
        &fork_dir.join("log.db"),
        &tlog::LogMeta {
            origin: ORIGIN.into(),
            vkey: log_key.vkey().to_string(),
        },
    )?)?;
    let mut rewritten = forms.clone();
    rewritten[(args.stations / 2) as usize] = forged.clone();
    fork.append(&stations)?;
    fork.append(&rewritten)?;
    let fork_note = fork.sign_checkpoint(&log_key)?;
    println!(
        "   a log of the same size with one result form changed, signed with the commission's key"
    );
    let a_only: Vec<(Vkey, &dyn WitnessTransport)> = vec![(party_a.vkey(), &transports[0])];
    fork.storage_mut()
        .set_witness_size(party_a.name(), log.size())?;
    let (_, results) = witness_checkpoint(&mut fork, &fork_note, &a_only)?;
    match &results[0] {
        Ok(()) => bail!("a witness cosigned a rewritten history"),
        Err(e) => println!("   party A's witness refuses to cosign it: {e}"),
    }
    let fork_public = dir.join("rewritten-public");
    tlog::publish::publish(&fork, &fork_note, &fork_public, &mut |_, _| {})?;
    let remembered = TrustedState::load(&state_file)?;
    let lenient = Policy::k_of_n(log_key.vkey(), vec![], 0)?;
    match verify_log(
        &DirSource::new(&fork_public),
        &lenient,
        remembered.as_ref(),
        &mut |_, _| {},
    ) {
        Err(e @ VerifyError::Fork { .. }) => {
            println!("   even without witnesses, the observer who verified before refuses it: {e}")
        }
        Err(e) => println!("   the observer refuses it: {e}"),
        Ok(_) => bail!("the observer accepted a rewritten history"),
    }

    step(9, "The honest log grows; witnesses and the observer follow");
    let (more_stations, more_forms) = events(args.stations / 4 + 1, &mut rng, args.stations);
    log.append(&more_stations)?;
    log.append(&more_forms)?;
    let note = log.sign_checkpoint(&log_key)?;
    let (cosigned, results) = witness_checkpoint(&mut log, &note, &witnesses)?;
    if let Some(Err(e)) = results.iter().find(|r| r.is_err()) {
        bail!("witness failed: {e}");
    }
    let published = tlog::publish::publish(&log, &cosigned, &public, &mut |_, _| {})?;
    println!(
        "   {} new entries; both witnesses cosigned size {}; republishing wrote {} files",
        log.size() - published.from_size,
        log.size(),
        published.written
    );
    let remembered = TrustedState::load(&state_file)?;
    let verified = verify_log(
        &HttpSource::new(&url),
        &policy,
        remembered.as_ref(),
        &mut |_, _| {},
    )?;
    println!(
        "   OK: the observer verified {} entries, and that they extend the {} verified before",
        verified.checkpoint.size,
        verified.consistent_with.unwrap_or(0)
    );
    let (cp, _, sigs) = open_checkpoint(&cosigned)?;
    println!(
        "\nDone. The published log ({} entries, {} signatures on its checkpoint) is in {}.",
        cp.size(),
        sigs.len(),
        public.display()
    );
    println!(
        "Verify it yourself:\n  scrutineer verify {} --vkey '{}' --witness '{}' --witness '{}'",
        public.display(),
        log_key.vkey(),
        party_a.vkey(),
        party_b.vkey()
    );
    drop(servers);
    Ok(())
}

fn bundle_width(size: u64, index: u64) -> u16 {
    let start = index / 256 * 256;
    (size - start).min(256) as u16
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
