//! A log's working directory: `log.db` (the SQLite store) and `log.toml` (where the signing
//! key is, and which witnesses to ask).

use anyhow::{Context, bail};
use ledger::Election;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tlog::note::{PrivateKey, Vkey};
use tlog::{Log, LogMeta, SqliteStorage};

/// The contents of `log.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// The log's origin (its checkpoints' first line, and its key's name).
    pub origin: String,
    /// The private key file that signs checkpoints.
    pub key: PathBuf,
    /// Witnesses to ask for cosignatures.
    #[serde(default, rename = "witness")]
    pub witnesses: Vec<WitnessConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessConfig {
    /// The witness's cosignature verifier key.
    pub vkey: String,
    /// Its submission prefix, e.g. `http://127.0.0.1:7380`.
    pub url: String,
}

pub struct LogDir {
    pub dir: PathBuf,
    pub config: LogConfig,
}

impl LogDir {
    /// Creates a new log directory with an empty log signed by `key_path`.
    pub fn init(dir: &Path, origin: Option<&str>, key_path: &Path) -> anyhow::Result<LogDir> {
        let key = read_key(key_path)?;
        if key.kind() != tlog::note::TYPE_ED25519 {
            bail!(
                "{} is a witness key; a log signs its checkpoints with an ordinary key (`scrutineer keygen ORIGIN`)",
                key_path.display()
            );
        }
        let origin = origin.unwrap_or(key.name());
        if key.name() != origin {
            bail!(
                "the key in {} is named {:?}, but the origin is {:?}: a log's checkpoints are signed by a key named after its origin (make one with `scrutineer keygen {origin}`)",
                key_path.display(),
                key.name(),
                origin
            );
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let config_path = dir.join("log.toml");
        if config_path.exists() || dir.join("log.db").exists() {
            bail!("{} already holds a log", dir.display());
        }
        let key_abs = std::fs::canonicalize(key_path)
            .with_context(|| format!("resolving {}", key_path.display()))?;
        let config = LogConfig {
            origin: origin.to_string(),
            key: key_abs,
            witnesses: Vec::new(),
        };
        let meta = LogMeta {
            origin: origin.to_string(),
            vkey: key.vkey().to_string(),
        };
        SqliteStorage::create(&dir.join("log.db"), &meta)?;
        let log_dir = LogDir {
            dir: dir.to_path_buf(),
            config,
        };
        log_dir.save()?;
        Ok(log_dir)
    }

    pub fn open(dir: &Path) -> anyhow::Result<LogDir> {
        let config_path = dir.join("log.toml");
        let text = std::fs::read_to_string(&config_path).with_context(|| {
            format!(
                "{} is not a log directory (no log.toml); create one with `scrutineer log init`",
                dir.display()
            )
        })?;
        let config: LogConfig =
            toml::from_str(&text).with_context(|| format!("reading {}", config_path.display()))?;
        Ok(LogDir {
            dir: dir.to_path_buf(),
            config,
        })
    }

    pub fn save(&self) -> anyhow::Result<()> {
        let text = format!(
            "# scrutineer log configuration\n{}",
            toml::to_string_pretty(&self.config)?
        );
        tlog::publish::write_atomic(&self.dir.join("log.toml"), text.as_bytes())?;
        Ok(())
    }

    /// Opens the log; an error names `log.db` on one line.
    pub fn log(&self) -> anyhow::Result<Log<SqliteStorage>> {
        let path = self.dir.join("log.db");
        let log = SqliteStorage::open(&path)
            .map_err(tlog::LogError::from)
            .and_then(Log::open)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if log.origin() != self.config.origin {
            bail!(
                "log.toml says origin {:?} but log.db holds {:?}",
                self.config.origin,
                log.origin()
            );
        }
        Ok(log)
    }

    /// The checkpoint-signing key, checked against the log.
    pub fn key(&self, log: &Log<SqliteStorage>) -> anyhow::Result<PrivateKey> {
        let key = read_key(&self.config.key)?;
        if key.vkey().to_string() != log.vkey() {
            bail!(
                "{} is not this log's key: the log's checkpoints are signed by {}",
                self.config.key.display(),
                log.vkey()
            );
        }
        Ok(key)
    }

    pub fn witness_vkeys(&self) -> anyhow::Result<Vec<(Vkey, String)>> {
        self.config
            .witnesses
            .iter()
            .map(|w| {
                let key = Vkey::parse(&w.vkey).context("a witness key in log.toml")?;
                Ok((key, w.url.clone()))
            })
            .collect()
    }
}

/// Reads a private key file, naming the file in errors.
pub fn read_key(path: &Path) -> anyhow::Result<PrivateKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the key file {}", path.display()))?;
    PrivateKey::parse(&text).with_context(|| format!("{}", path.display()))
}

/// Opens an election directory (a log directory whose log starts with a genesis), and
/// settles, one line each on standard error, the private files an earlier import left when it
/// was stopped (`ledger::private`).
pub fn open_election(dir: &Path) -> anyhow::Result<(LogDir, Election)> {
    let log_dir = LogDir::open(dir)?;
    let election = Election::open(log_dir.log()?)
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.join("log.db").display()))?;
    let settled = ledger::private::resolve(&election, &dir.join(ledger::private::PRIVATE_DIR))?;
    for r in settled {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "{r}");
    }
    Ok((log_dir, election))
}

/// Checks the store of the log in `dir` (see `log check --help`) and prints what was found.
pub fn check_store(dir: &std::path::Path) -> anyhow::Result<()> {
    let path = dir.join("log.db");
    let storage =
        tlog::SqliteStorage::open(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let found = tlog::Log::check_storage(storage)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if found.problems.is_empty() {
        println!(
            "{}: sound: SQLite's integrity check passes, all {} entries and every tile match the root, and {} stored checkpoint(s) are signed by the log's key over that tree",
            path.display(),
            found.size,
            found.checkpoints
        );
        return Ok(());
    }
    for p in &found.problems {
        println!("{}: {p}", path.display());
    }
    bail!(
        "{}: {} problem(s) found (listed above): do not publish or witness from this store; restore log.db from a copy, or rebuild the state with `scrutineer replay` from the last good publication",
        path.display(),
        found.problems.len()
    )
}

/// A publication's error on one line; a problem of the store names log.db and says that
/// nothing was published.
pub fn publish_error(dir: &std::path::Path, e: tlog::publish::PublishError) -> anyhow::Error {
    match e {
        tlog::publish::PublishError::Log(e) => anyhow::anyhow!(
            "{}: {e}; nothing was published (see `scrutineer log check --help`)",
            dir.join("log.db").display()
        ),
        other => other.into(),
    }
}
