//! Data for the election-record benchmarks: the synthetic Cambodia-2013 election recorded
//! through [`ledger::Election::submit`] the way `scrutineer demo` records it, with election
//! day's poll book in the same log (every station's pseudonym list, then every station's
//! check-ins with planted double votes, as `bench checkins` makes them), published, and cached.
//!
//! The log is built once per scale and kept under `$SCRUTINEER_BENCH_DATA` (default
//! `target/bench-data`), in `election-<divisor>/`: `log.db` (the operator's log and state),
//! `published/` (tiles, checkpoint and the signed state digest) and `manifest` (written last:
//! what was built: entries, pseudonyms, check-ins and planted double votes, the operator's
//! state digest and how long it took). A later run reuses it when
//! the manifest, the database, the published checkpoint, the genesis entry, the state schema
//! (`ledger::state::SCHEMA`) and the digest's format (`ledger::state::DIGEST_FORMAT`) agree;
//! otherwise it is rebuilt.

use crate::logdata::data_dir;
use anyhow::{Context, bail};
use ledger::event::{Action, Entry, Event, Proposal, RemovalReason, RemoveVoter};
use ledger::{Applied, Election};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use synthetic::cambodia::{CONSTITUENCIES, ORIGIN};
use synthetic::pollbook::PollBook;
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, Policy, SqliteStorage};

/// The demo's default seed.
pub const SEED: u64 = 2013;

/// Bumped whenever what the builder records changes.
const FORMAT: u32 = 3;

/// A published election log.
pub struct ElectionLog {
    pub scale: Scale,
    pub published: PathBuf,
    /// Trusts the log key alone (no witnesses).
    pub policy: Policy,
    pub entries: u64,
    /// Pseudonyms on the station lists, check-ins, and planted double votes among them.
    pub pseudonyms: u64,
    pub checkins: u64,
    pub planted: u64,
    /// The operator's state digest.
    pub digest: String,
    pub build: Duration,
    pub publish: Duration,
    pub fresh: bool,
}

/// `national`, `tenth` or `1/N`.
pub fn parse_scale(s: &str) -> anyhow::Result<Scale> {
    Ok(match s {
        "national" => Scale::NATIONAL,
        "tenth" => Scale::TENTH,
        other => match other.strip_prefix("1/").and_then(|n| n.parse::<u32>().ok()) {
            Some(divisor) if divisor >= 1 => Scale { divisor },
            _ => bail!("scale {other:?}: use national, tenth or 1/N"),
        },
    })
}

pub fn describe_scale(scale: Scale) -> String {
    match scale.divisor {
        1 => "national".into(),
        10 => "tenth".into(),
        d => format!("1/{d}"),
    }
}

/// Submits, turning a refusal into an error that says which entry and why.
fn submit(election: &mut Election, entries: &[Vec<u8>]) -> anyhow::Result<Vec<Applied>> {
    election
        .submit(entries)
        .map(|r| r.applied)
        .map_err(|e| anyhow::anyhow!("{e}"))
}

pub(crate) fn proposal_of(applied: &[Applied]) -> anyhow::Result<String> {
    match applied.first().and_then(Applied::proposal) {
        Some(id) => Ok(id.to_string()),
        None => bail!("expected a proposal, got {:?}", applied.first()),
    }
}

pub(crate) fn decided(applied: &[Applied]) -> bool {
    applied.last().is_some_and(Applied::took_effect)
}

/// Records the synthetic election in `election` as `scrutineer demo` does (steps 2 to 6):
/// stations, the roll in one governed batch per constituency, the result forms of every source,
/// certifications and a voter removal.
pub fn record(e: &Cambodia2013, election: &mut Election) -> anyhow::Result<()> {
    let id = proposal_of(&submit(election, &e.stations_submission())?)?;
    if !decided(&submit(election, &e.approvals(&id))?) {
        bail!("the stations did not take effect");
    }
    for p in 0..CONSTITUENCIES.len() {
        let batch = e.roll_submission(p);
        if batch.is_empty() {
            continue;
        }
        let id = proposal_of(&submit(election, &batch)?)?;
        drop(batch);
        if !decided(&submit(election, &e.approvals(&id))?) {
            bail!("the roll of constituency {p} did not take effect");
        }
    }
    submit(election, &e.enrolments())?;
    submit(election, &e.official_forms())?;
    submit(election, &e.party_forms("CPP"))?;
    submit(election, &e.party_forms("CNRP"))?;
    submit(election, &e.observer_forms())?;
    for p in 0..CONSTITUENCIES.len() {
        let id = proposal_of(&submit(election, &[e.certification(p)])?)?;
        submit(election, &e.approvals(&id))?;
    }
    let k = &e.keys;
    let removal = Entry::signed(
        Event::Proposal(Proposal {
            action: Action::RemoveVoter(RemoveVoter {
                reason: RemovalReason::Duplicate,
                voter: format!("KH{:02}{:07}", 12, 42),
            }),
            asked: vec![k.members[0].name().into(), k.members[4].name().into()],
            reason: "registered twice".into(),
        }),
        &k.members[0],
    );
    let id = proposal_of(&submit(election, &[removal.to_bytes()])?)?;
    submit(election, &e.approvals_by(&id, &[0, 1, 2, 3, 8, 4]))?;
    Ok(())
}

/// Records election day's poll book after the rest of the election: the polling officials,
/// every station's pseudonym list (a governed batch per province), then every station's
/// check-ins, [`crate::checkins::GROUP`] syncs to a submission as the server's group commit
/// takes them. Every planted double vote must raise its alerts and nothing else. Returns
/// (check-ins, planted double votes).
pub fn record_pollbook(book: &PollBook, election: &mut Election) -> anyhow::Result<(u64, u64)> {
    for s in book.officials_submission() {
        submit(election, &s)?;
    }
    for p in 0..CONSTITUENCIES.len() {
        let lists = book.lists_submission(p);
        if lists.is_empty() {
            continue;
        }
        submit(election, &lists[0])?;
        if !decided(&submit(election, &lists[1])?) {
            bail!("the pseudonym lists of province {p} did not take effect");
        }
    }
    let mut group = Vec::with_capacity(crate::checkins::GROUP);
    let mut flush = |group: &mut Vec<Vec<Vec<u8>>>| -> anyhow::Result<()> {
        for (i, r) in election.submit_group(group)?.into_iter().enumerate() {
            if let Err(err) = r {
                bail!("a station's sync was refused ({i} of its group): {err}");
            }
        }
        group.clear();
        Ok(())
    };
    let (checkins, planted) = crate::checkins::station_syncs(book, |sync| {
        group.push(sync);
        if group.len() == crate::checkins::GROUP {
            flush(&mut group)?;
        }
        Ok(())
    })?;
    flush(&mut group)?;
    let alerts = ledger::report::pollbook::checkin_alerts(election.conn())?;
    let doubles = alerts.iter().filter(|a| a.kind == "double_checkin").count() as u64;
    if doubles != planted || alerts.len() as u64 != 2 * planted {
        bail!(
            "{planted} double votes planted, but {doubles} double_checkin alerts of {} alerts",
            alerts.len()
        );
    }
    Ok((checkins, planted))
}

/// The scale of the cached election log: `$SCRUTINEER_BENCH_ELECTION_SCALE`, else `default`.
pub fn election_scale(default: Scale) -> anyhow::Result<Scale> {
    match std::env::var("SCRUTINEER_BENCH_ELECTION_SCALE") {
        Ok(s) => parse_scale(&s),
        Err(_) => Ok(default),
    }
}

/// Opens the cached election log of this scale, building and publishing it first if the cache
/// is missing or does not check out.
pub fn election_log(scale: Scale) -> anyhow::Result<ElectionLog> {
    let dir = data_dir().join(format!("election-{}", scale.divisor));
    let published = dir.join("published");
    let book = PollBook::unplanned(Cambodia2013::new(scale, SEED), SEED, false);
    let e = &book.election;
    let policy = Policy::k_of_n(e.keys.log.vkey(), vec![], 0)?;
    let genesis = book.genesis_entry();
    if let Some(m) = reuse(&dir, &genesis)? {
        return Ok(ElectionLog {
            scale,
            published,
            policy,
            entries: m.entries,
            pseudonyms: m.pseudonyms,
            checkins: m.checkins,
            planted: m.planted,
            digest: m.digest,
            build: m.build,
            publish: m.publish,
            fresh: false,
        });
    }
    if dir.exists() {
        eprintln!("rebuilding {}", dir.display());
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    eprintln!(
        "recording the {} synthetic election ({} stations, {} voters, their pseudonyms and check-ins) in {} (once; later runs reuse it)",
        describe_scale(scale),
        e.stations.len(),
        e.voters(),
        dir.display()
    );
    let meta = LogMeta {
        origin: ORIGIN.to_string(),
        vkey: e.keys.log.vkey().to_string(),
    };
    let start = Instant::now();
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta)?)?;
    let mut election = Election::create(log, &genesis).map_err(|e| anyhow::anyhow!("{e}"))?;
    record(e, &mut election)?;
    let (checkins, planted) = record_pollbook(&book, &mut election)?;
    let pseudonyms = e.voters();
    let build = start.elapsed();
    let start = Instant::now();
    let checkpoint = election.sign_checkpoint(&e.keys.log)?;
    tlog::publish::publish(election.log(), &checkpoint, &published, &mut |_, _| {})?;
    let entries = election.log().size();
    let digest = election.digest()?;
    tlog::publish::write_atomic(
        &published.join(ledger::replay::DIGEST_FILE),
        &ledger::replay::sign_digest(&e.keys.log, entries, &digest),
    )?;
    let publish = start.elapsed();
    let manifest = format!(
        "format {FORMAT}\nentries {entries}\npseudonyms {pseudonyms}\ncheckins {checkins}\nplanted {planted}\ndigest {digest}\ngenesis {}\nschema {}\nbuild_ms {}\npublish_ms {}\n",
        ledger::event::entry_id(&genesis),
        schema_id(),
        build.as_millis(),
        publish.as_millis()
    );
    let tmp = dir.join("manifest.tmp");
    std::fs::write(&tmp, manifest)?;
    std::fs::rename(&tmp, dir.join("manifest"))?;
    Ok(ElectionLog {
        scale,
        published,
        policy,
        entries,
        pseudonyms,
        checkins,
        planted,
        digest,
        build,
        publish,
        fresh: true,
    })
}

/// A fingerprint of the state tables and of how the digest is taken from them: a cached log
/// recorded under another schema or digest format has a digest that replay can no longer
/// reproduce.
fn schema_id() -> String {
    let fingerprint = format!("{}{}", ledger::state::SCHEMA, ledger::state::DIGEST_FORMAT);
    ledger::event::entry_id(fingerprint.as_bytes())
}

struct Manifest {
    entries: u64,
    pseudonyms: u64,
    checkins: u64,
    planted: u64,
    digest: String,
    build: Duration,
    publish: Duration,
}

/// The cached election in `dir`, if it is complete and was recorded from this genesis.
fn reuse(dir: &Path, genesis: &[u8]) -> anyhow::Result<Option<Manifest>> {
    let Ok(text) = std::fs::read_to_string(dir.join("manifest")) else {
        return Ok(None);
    };
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map(str::to_string)
    };
    let number = |name: &str| field(name).and_then(|v| v.parse::<u64>().ok());
    if number("format") != Some(u64::from(FORMAT))
        || field("genesis") != Some(ledger::event::entry_id(genesis))
        || field("schema") != Some(schema_id())
    {
        return Ok(None);
    }
    let (Some(pseudonyms), Some(checkins), Some(planted)) =
        (number("pseudonyms"), number("checkins"), number("planted"))
    else {
        return Ok(None);
    };
    let (Some(entries), Some(digest), Some(build_ms), Some(publish_ms)) = (
        number("entries"),
        field("digest"),
        number("build_ms"),
        number("publish_ms"),
    ) else {
        return Ok(None);
    };
    let Ok(storage) = SqliteStorage::open(&dir.join("log.db")) else {
        return Ok(None);
    };
    let Ok(log) = Log::open(storage) else {
        return Ok(None);
    };
    if log.size() != entries || log.entry(0).ok().as_deref() != Some(genesis) {
        return Ok(None);
    }
    let Ok(published) = std::fs::read(dir.join("published/checkpoint")) else {
        return Ok(None);
    };
    let stored = tlog::Storage::checkpoint(log.storage(), Some(entries))?;
    if stored.as_deref() != Some(&published[..]) {
        return Ok(None);
    }
    Ok(Some(Manifest {
        entries,
        pseudonyms,
        checkins,
        planted,
        digest,
        build: Duration::from_millis(build_ms),
        publish: Duration::from_millis(publish_ms),
    }))
}

/// Peak resident memory of this process (VmHWM), in bytes; 0 where /proc is missing.
pub fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Resets the peak resident memory to the current one (Linux: `5` into
/// `/proc/self/clear_refs`), so that [`peak_rss`] measures what follows. False if unsupported.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `n` bytes in MiB or GiB.
pub fn bytes(n: u64) -> String {
    let mib = n as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.2} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

/// Where the release `scrutineer` binary is, building it first (`cargo build --release`).
pub fn scrutineer_binary() -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .context("workspace root")?
        .to_path_buf();
    let status = std::process::Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "scrutineer"])
        .current_dir(&root)
        .status()
        .context("running cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p scrutineer failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release/scrutineer"))
}
