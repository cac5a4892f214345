//! Data for the transparency-log benchmarks: 200-byte entries, scratch logs, and the large
//! published log that `proof` and `verify` share.
//!
//! The large log is built once and kept under `$SCRUTINEER_BENCH_DATA` (default
//! `target/bench-data`), in `log-<size>/`: `log.db` (the SQLite log), `published/` (its static
//! tiles) and `manifest` (written last; what was built and how long it took). A later run reuses
//! it when the manifest, the database and the published checkpoint agree; otherwise it is
//! rebuilt. `SCRUTINEER_BENCH_LOG_SIZE` changes the number of entries (default 10,000,000).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tlog::note::{PrivateKey, TYPE_ED25519, Vkey};
use tlog::{Log, LogMeta, SqliteStorage};

/// Bytes in every benchmark entry.
pub const ENTRY_SIZE: usize = 200;

/// Origin of the benchmark logs.
pub const ORIGIN: &str = "bench.scrutineer.example/log";

/// Bumped whenever the entries or the layout of the cached log change.
const FORMAT: u32 = 1;

/// Entries per commit while building the large log.
pub const BUILD_BATCH: usize = 16_384;

/// Where benchmark data lives.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("SCRUTINEER_BENCH_DATA") {
        Some(dir) => PathBuf::from(dir),
        // The workspace root is two levels above this crate.
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .expect("crates/bench sits two levels below the workspace")
            .join("target/bench-data"),
    }
}

/// A scratch directory on the same file system as the cached data (so `fsync` costs what it
/// costs there; `/tmp` may be memory), removed when dropped.
pub fn scratch_dir() -> anyhow::Result<tempfile::TempDir> {
    let parent = data_dir().join("scratch");
    std::fs::create_dir_all(&parent)?;
    Ok(tempfile::Builder::new().prefix("run-").tempdir_in(parent)?)
}

/// Entry `i`: 200 pseudo-random bytes determined by `i`, so every entry differs and the large
/// log's root is the same on every machine.
pub fn entry(i: u64) -> [u8; ENTRY_SIZE] {
    let mut out = [0u8; ENTRY_SIZE];
    let mut state = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5DEE_CE66_D1CE_4E5B;
    for chunk in out.chunks_mut(8) {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
    out
}

/// Entries `start..start + n`.
pub fn entries(start: u64, n: usize) -> Vec<[u8; ENTRY_SIZE]> {
    (start..start + n as u64).map(entry).collect()
}

/// The benchmark logs' signing key (fixed, so checkpoints are reproducible).
pub fn log_key() -> PrivateKey {
    PrivateKey::from_seed(ORIGIN, TYPE_ED25519, [42; 32]).expect("valid key name")
}

/// A new, empty log in `dir/log.db`.
pub fn new_log(dir: &Path) -> anyhow::Result<Log<SqliteStorage>> {
    let meta = LogMeta {
        origin: ORIGIN.to_string(),
        vkey: log_key().vkey().to_string(),
    };
    Ok(Log::open(SqliteStorage::create(
        &dir.join("log.db"),
        &meta,
    )?)?)
}

/// The large log, open, with its published directory.
pub struct BigLog {
    pub log: Log<SqliteStorage>,
    pub published: PathBuf,
    pub vkey: Vkey,
    /// How long building took (when it was built, possibly by an earlier run).
    pub build: BuildTimes,
    /// Whether this run built it (rather than reusing the cache).
    pub fresh: bool,
}

/// Timings of one build of the large log.
#[derive(Debug, Clone, Copy)]
pub struct BuildTimes {
    pub append: Duration,
    pub publish: Duration,
}

/// Number of entries in the large log.
pub fn big_log_size() -> anyhow::Result<u64> {
    match std::env::var("SCRUTINEER_BENCH_LOG_SIZE") {
        Ok(s) => Ok(s.replace(['_', ','], "").parse()?),
        Err(_) => Ok(10_000_000),
    }
}

/// Opens the cached large log, building and publishing it first if the cache is missing or
/// does not check out.
pub fn big_log() -> anyhow::Result<BigLog> {
    let size = big_log_size()?;
    let dir = data_dir().join(format!("log-{size}"));
    let published = dir.join("published");
    let vkey = log_key().vkey();
    if let Some((log, build)) = reuse(&dir, size)? {
        return Ok(BigLog {
            log,
            published,
            vkey,
            build,
            fresh: false,
        });
    }
    if dir.exists() {
        eprintln!("rebuilding {}", dir.display());
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    eprintln!(
        "building a log of {size} entries of {ENTRY_SIZE} bytes in {} (once; later runs reuse it)",
        dir.display()
    );
    let mut log = new_log(&dir)?;
    let start = Instant::now();
    let mut batch = Vec::with_capacity(BUILD_BATCH);
    let mut next = 0u64;
    while next < size {
        let n = (size - next).min(BUILD_BATCH as u64);
        batch.clear();
        batch.extend((next..next + n).map(entry));
        log.append(&batch)?;
        next += n;
    }
    let append = start.elapsed();
    let start = Instant::now();
    let checkpoint = log.sign_checkpoint(&log_key())?;
    tlog::publish::publish(&log, &checkpoint, &published, &mut |_, _| {})?;
    let publish = start.elapsed();
    let manifest = format!(
        "format {FORMAT}\nentries {size}\nentry_size {ENTRY_SIZE}\nroot {}\nappend_ms {}\npublish_ms {}\n",
        log.root(),
        append.as_millis(),
        publish.as_millis()
    );
    write_file(&dir.join("manifest"), &manifest)?;
    Ok(BigLog {
        log,
        published,
        vkey,
        build: BuildTimes { append, publish },
        fresh: true,
    })
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The cached log in `dir` and its build times, if it is complete and matches `size`.
fn reuse(dir: &Path, size: u64) -> anyhow::Result<Option<(Log<SqliteStorage>, BuildTimes)>> {
    let Ok(manifest) = std::fs::read_to_string(dir.join("manifest")) else {
        return Ok(None);
    };
    let field = |name: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .map(str::to_string)
    };
    let number = |name: &str| field(name).and_then(|v| v.parse::<u64>().ok());
    if number("format") != Some(u64::from(FORMAT))
        || number("entries") != Some(size)
        || number("entry_size") != Some(ENTRY_SIZE as u64)
    {
        return Ok(None);
    }
    let (Some(append_ms), Some(publish_ms)) = (number("append_ms"), number("publish_ms")) else {
        return Ok(None);
    };
    let Ok(storage) = SqliteStorage::open(&dir.join("log.db")) else {
        return Ok(None);
    };
    let Ok(log) = Log::open(storage) else {
        return Ok(None);
    };
    if log.size() != size || field("root") != Some(log.root().to_string()) {
        return Ok(None);
    }
    let Ok(published) = std::fs::read(dir.join("published/checkpoint")) else {
        return Ok(None);
    };
    let stored = tlog::Storage::checkpoint(log.storage(), Some(size))?;
    if stored.as_deref() != Some(&published[..]) {
        return Ok(None);
    }
    Ok(Some((
        log,
        BuildTimes {
            append: Duration::from_millis(append_ms),
            publish: Duration::from_millis(publish_ms),
        },
    )))
}

/// Formats a rate with thousands separators.
pub fn rate(count: f64, time: Duration) -> String {
    thousands((count / time.as_secs_f64()).round() as u64)
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// CPU time (all threads) and bytes sent to storage by this process: read from `/proc/self`
/// on Linux, zero elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cpu: Duration,
    pub written: u64,
}

impl Usage {
    pub fn now() -> Usage {
        let cpu = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|stat| {
                // Fields after the command name: state is the 3rd, utime the 14th, stime the 15th.
                let rest = stat.rsplit_once(')')?.1;
                let mut fields = rest.split_whitespace().skip(11);
                let user: u64 = fields.next()?.parse().ok()?;
                let system: u64 = fields.next()?.parse().ok()?;
                // Clock ticks of 10 ms (USER_HZ is 100 on every Linux target we run on).
                Some(Duration::from_millis((user + system) * 10))
            })
            .unwrap_or_default();
        let written = std::fs::read_to_string("/proc/self/io")
            .ok()
            .and_then(|io| {
                io.lines()
                    .find_map(|l| l.strip_prefix("write_bytes:"))
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or(0);
        Usage { cpu, written }
    }

    /// What was used since `earlier`.
    pub fn since(self, earlier: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            written: self.written.saturating_sub(earlier.written),
        }
    }
}
