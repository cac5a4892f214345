//! An election's (or a bare log's) working directory: `log.db` (the SQLite store), `log.toml`
//! (the origin, where the signing key is, and which witnesses to ask) and, for an election,
//! `private/` (`crate::private`). Errors are one line naming the file.

use crate::Election;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tlog::note::{PrivateKey, Vkey};
use tlog::{Log, LogMeta, SqliteStorage};

/// A directory that cannot be made, opened or used, in one line naming the file.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DirError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl DirError {
    fn new(message: String) -> DirError {
        DirError {
            message,
            source: None,
        }
    }

    /// The cause as it is.
    fn cause(cause: impl std::error::Error + Send + Sync + 'static) -> DirError {
        DirError {
            message: cause.to_string(),
            source: Some(Box::new(cause)),
        }
    }

    /// `what: cause`, keeping the cause.
    fn with(what: String, cause: impl std::error::Error + Send + Sync + 'static) -> DirError {
        DirError {
            message: format!("{what}: {cause}"),
            source: Some(Box::new(cause)),
        }
    }
}

type Result<T> = std::result::Result<T, DirError>;

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
    pub fn init(dir: &Path, origin: Option<&str>, key_path: &Path) -> Result<LogDir> {
        let key = read_key(key_path)?;
        if key.kind() != tlog::note::TYPE_ED25519 {
            return Err(DirError::new(format!(
                "{} is a witness key; a log signs its checkpoints with an ordinary key (`scrutineer keygen ORIGIN`)",
                key_path.display()
            )));
        }
        let origin = origin.unwrap_or(key.name());
        if key.name() != origin {
            return Err(DirError::new(format!(
                "the key in {} is named {:?}, but the origin is {:?}: a log's checkpoints are signed by a key named after its origin (make one with `scrutineer keygen {origin}`)",
                key_path.display(),
                key.name(),
                origin
            )));
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| DirError::with(format!("creating {}", dir.display()), e))?;
        if dir.join("log.toml").exists() || dir.join("log.db").exists() {
            return Err(DirError::new(format!(
                "{} already holds a log",
                dir.display()
            )));
        }
        let key_abs = std::fs::canonicalize(key_path)
            .map_err(|e| DirError::with(format!("resolving {}", key_path.display()), e))?;
        let meta = LogMeta {
            origin: origin.to_string(),
            vkey: key.vkey().to_string(),
        };
        let db = dir.join("log.db");
        SqliteStorage::create(&db, &meta).map_err(DirError::cause)?;
        let log_dir = LogDir {
            dir: dir.to_path_buf(),
            config: LogConfig {
                origin: origin.to_string(),
                key: key_abs,
                witnesses: Vec::new(),
            },
        };
        log_dir.save()?;
        Ok(log_dir)
    }

    pub fn open(dir: &Path) -> Result<LogDir> {
        let config_path = dir.join("log.toml");
        let text = std::fs::read_to_string(&config_path).map_err(|e| {
            DirError::with(
                format!(
                    "{} is not a log directory (no log.toml); create one with `scrutineer log init`",
                    dir.display()
                ),
                e,
            )
        })?;
        let config: LogConfig = toml::from_str(&text)
            .map_err(|e| DirError::with(format!("reading {}", config_path.display()), e))?;
        Ok(LogDir {
            dir: dir.to_path_buf(),
            config,
        })
    }

    /// Adds a witness (its cosignature/v1 vkey and an http(s) URL) to log.toml and saves it;
    /// returns its name. Refuses another kind of key, another scheme and a name already there.
    pub fn add_witness(&mut self, vkey: &str, url: &str) -> Result<String> {
        let key = Vkey::parse(vkey).map_err(|e| DirError::with(vkey.to_string(), e))?;
        if key.kind != tlog::note::TYPE_COSIGNATURE_V1 {
            return Err(DirError::new(format!(
                "{vkey} is not a witness key (cosignature/v1, type 0x04); witnesses make theirs with `scrutineer keygen --witness`"
            )));
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(DirError::new(format!(
                "{url} is not an http:// or https:// URL"
            )));
        }
        if self
            .config
            .witnesses
            .iter()
            .any(|w| Vkey::parse(&w.vkey).is_ok_and(|k| k.name == key.name))
        {
            return Err(DirError::new(format!(
                "a witness named {} is already configured",
                key.name
            )));
        }
        self.config.witnesses.push(WitnessConfig {
            vkey: key.to_string(),
            url: url.to_string(),
        });
        self.save()?;
        Ok(key.name.clone())
    }

    pub fn save(&self) -> Result<()> {
        let path = self.dir.join("log.toml");
        let text = toml::to_string_pretty(&self.config)
            .map_err(|e| DirError::with(path.display().to_string(), e))?;
        let text = format!("# scrutineer log configuration\n{text}");
        tlog::publish::write_atomic(&path, text.as_bytes())
            .map_err(|e| DirError::with(format!("writing {}", path.display()), e))
    }

    /// Opens the log; an error names `log.db` on one line.
    pub fn log(&self) -> Result<Log<SqliteStorage>> {
        let path = self.dir.join("log.db");
        let log = SqliteStorage::open(&path)
            .map_err(tlog::LogError::from)
            .and_then(Log::open)
            .map_err(|e| DirError::new(format!("{}: {e}", path.display())))?;
        if log.origin() != self.config.origin {
            return Err(DirError::new(format!(
                "log.toml says origin {:?} but log.db holds {:?}",
                self.config.origin,
                log.origin()
            )));
        }
        Ok(log)
    }

    /// The checkpoint-signing key, checked against the log.
    pub fn key(&self, log: &Log<SqliteStorage>) -> Result<PrivateKey> {
        let key = read_key(&self.config.key)?;
        if key.vkey().to_string() != log.vkey() {
            return Err(DirError::new(format!(
                "{} is not this log's key: the log's checkpoints are signed by {}",
                self.config.key.display(),
                log.vkey()
            )));
        }
        Ok(key)
    }

    /// The checkpoint to publish or witness: the latest stored one if it covers every entry,
    /// otherwise a new one for the current size, signed with the log's key.
    pub fn current_checkpoint(&self, log: &mut Log<SqliteStorage>) -> Result<Vec<u8>> {
        let db = || self.dir.join("log.db").display().to_string();
        if let Some(note) = log
            .latest_checkpoint()
            .map_err(|e| DirError::with(db(), e))?
        {
            let (cp, _, _) =
                tlog::note::open_checkpoint(&note).map_err(|e| DirError::with(db(), e))?;
            if cp.size() == log.size() {
                return Ok(note);
            }
        }
        let key = self.key(log)?;
        log.sign_checkpoint(&key)
            .map_err(|e| DirError::with(db(), e))
    }

    /// `log status`: the log's origin, key, size and root, its latest checkpoint, and how far
    /// each witness has cosigned, one per line.
    pub fn status(&self) -> Result<String> {
        let db = || self.dir.join("log.db").display().to_string();
        let log = self.log()?;
        let mut o = format!(
            "origin:  {}\nvkey:    {}\nsize:    {}\nroot:    {}\n",
            log.origin(),
            log.vkey(),
            log.size(),
            log.root()
        );
        match log
            .latest_checkpoint()
            .map_err(|e| DirError::with(db(), e))?
        {
            Some(note) => {
                let (cp, _, sigs) =
                    tlog::note::open_checkpoint(&note).map_err(|e| DirError::with(db(), e))?;
                o.push_str(&format!(
                    "latest checkpoint: size {}, {} cosignature(s)\n",
                    cp.size(),
                    sigs.len().saturating_sub(1)
                ));
            }
            None => o.push_str("latest checkpoint: none yet\n"),
        }
        for (key, url) in self.witness_vkeys()? {
            let size = tlog::Storage::witness_size(log.storage(), &key.name)
                .map_err(|e| DirError::with(db(), e))?;
            o.push_str(&format!(
                "witness {} at {url}: last cosigned size {size}\n",
                key.name
            ));
        }
        Ok(o)
    }

    /// The witnesses at `urls` (all of them when `urls` is empty), each of which must be one
    /// of this log's; a trailing `/` does not count.
    pub fn witnesses_at(&self, urls: &[String]) -> Result<Vec<(Vkey, String)>> {
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        let mut chosen = self.witness_vkeys()?;
        if let Some(url) = urls
            .iter()
            .find(|u| !chosen.iter().any(|(_, c)| same(c, u)))
        {
            return Err(DirError::new(format!(
                "{url} is not one of this log's witnesses; add it with `scrutineer log add-witness {} VKEY {url}`",
                self.dir.display()
            )));
        }
        if !urls.is_empty() {
            chosen.retain(|(_, c)| urls.iter().any(|u| same(c, u)));
        }
        if chosen.is_empty() {
            return Err(DirError::new(format!(
                "this log has no witnesses; add one with `scrutineer log add-witness {} VKEY URL`",
                self.dir.display()
            )));
        }
        Ok(chosen)
    }

    pub fn witness_vkeys(&self) -> Result<Vec<(Vkey, String)>> {
        self.config
            .witnesses
            .iter()
            .map(|w| {
                let key = Vkey::parse(&w.vkey)
                    .map_err(|e| DirError::with("a witness key in log.toml".into(), e))?;
                Ok((key, w.url.clone()))
            })
            .collect()
    }
}

/// Reads a private key file, naming the file in errors.
pub fn read_key(path: &Path) -> Result<PrivateKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| DirError::with(format!("reading the key file {}", path.display()), e))?;
    PrivateKey::parse(&text).map_err(|e| DirError::with(path.display().to_string(), e))
}

/// Opens an election directory (a log directory whose log starts with a genesis), and
/// settles the private files an earlier import left when it was stopped
/// (`crate::private::resolve`), returning what it did for the caller to tell.
pub fn open_election(dir: &Path) -> Result<(LogDir, Election, Vec<crate::private::Resolution>)> {
    let log_dir = LogDir::open(dir)?;
    let election = Election::open(log_dir.log()?)
        .map_err(|e| DirError::new(format!("{}: {e}", dir.join("log.db").display())))?;
    let settled = crate::private::resolve(&election, &dir.join(crate::private::PRIVATE_DIR))
        .map_err(DirError::cause)?;
    Ok((log_dir, election, settled))
}

/// Starts an election in the new directory `dir`: its log, signed by the key at `key_path`,
/// and the genesis of the configuration at `config` signed by every founding member (see
/// [`crate::config::genesis_from_files`]); and what was started, in one line. A refused
/// genesis leaves nothing behind.
pub fn init_election(
    dir: &Path,
    config: &Path,
    key_path: &Path,
    member_keys: &[PathBuf],
    signatures: &[PathBuf],
) -> Result<(Election, String)> {
    let (g, entry) = crate::config::genesis_from_files(config, key_path, member_keys, signatures)
        .map_err(DirError::new)?;
    let log_dir = LogDir::init(dir, Some(&g.origin), key_path)?;
    match Election::create(log_dir.log()?, &entry.to_bytes()) {
        Ok(e) => {
            let line = format!(
                "started {:?} in {}: genesis signed by all {} members; log {}",
                g.election,
                dir.display(),
                g.members.len(),
                e.log().origin()
            );
            Ok((e, line))
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(dir);
            Err(DirError::new(match e {
                crate::SubmitError::Refused { position, refusal } => format!(
                    "refused, nothing was recorded: entry {} of the submission, at {}: {}",
                    position + 1,
                    refusal.path,
                    refusal.message
                ),
                other => other.to_string(),
            }))
        }
    }
}

/// What [`LogDir::publish`] wrote.
#[derive(Debug, Clone)]
pub struct Published {
    /// Entries published, and the files written for them this time.
    pub size: u64,
    pub written: usize,
    /// Cosignatures on the checkpoint published.
    pub cosignatures: usize,
    /// The state digest published beside it.
    pub digest: String,
}

impl Published {
    /// What was published to `out`, in one line.
    pub fn describe(&self, out: &Path) -> String {
        format!(
            "published {} entries to {} ({} files written); checkpoint with {} cosignature(s); state digest {}",
            self.size,
            out.display(),
            self.written,
            self.cosignatures,
            self.digest
        )
    }
}

impl LogDir {
    /// Publishes the election: a checkpoint of the log as it stands, its tiles (C2SP
    /// tlog-tiles) in `out`, and the signed state digest; `progress` is told (files done,
    /// files in all). A problem of the store names log.db and says that nothing was published.
    pub fn publish(
        &self,
        election: &mut Election,
        out: &Path,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Published> {
        let key = self.key(election.log())?;
        let note = election.sign_checkpoint(&key).map_err(DirError::cause)?;
        let published = tlog::publish::publish(election.log(), &note, out, progress)
            .map_err(|e| publish_error(&self.dir, e))?;
        let digest = election.digest().map_err(DirError::cause)?;
        crate::replay::write_digest(out, &key, published.size, &digest).map_err(DirError::cause)?;
        let cosignatures = tlog::note::open_checkpoint(&note)
            .map_err(DirError::cause)?
            .2
            .len()
            .saturating_sub(1);
        Ok(Published {
            size: published.size,
            written: published.written,
            cosignatures,
            digest,
        })
    }
}

/// A publication's error on one line; a problem of the store names log.db and says that
/// nothing was published.
pub fn publish_error(dir: &Path, e: tlog::publish::PublishError) -> DirError {
    match e {
        tlog::publish::PublishError::Log(e) => DirError::new(format!(
            "{}: {e}; nothing was published (see `scrutineer log check --help`)",
            dir.join("log.db").display()
        )),
        other => DirError::cause(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_file(dir: &Path, name: &str) -> PathBuf {
        let key = PrivateKey::generate(name, tlog::note::TYPE_ED25519).unwrap();
        let path = dir.join("log.key");
        std::fs::write(&path, format!("{}\n", key.to_skey())).unwrap();
        path
    }

    #[test]
    fn a_log_directory_is_made_once_and_opens_again() {
        let tmp = tempfile::tempdir().unwrap();
        let key = key_file(tmp.path(), "example.org/log");
        let dir = tmp.path().join("log");
        let made = LogDir::init(&dir, None, &key).unwrap();
        assert_eq!(made.config.origin, "example.org/log");
        let opened = LogDir::open(&dir).unwrap();
        let log = opened.log().unwrap();
        assert_eq!(log.origin(), "example.org/log");
        assert!(opened.key(&log).is_ok());
        let mut log = log;
        let first = opened.current_checkpoint(&mut log).unwrap();
        assert_eq!(opened.current_checkpoint(&mut log).unwrap(), first);
        log.append(&[b"entry".to_vec()]).unwrap();
        let second = opened.current_checkpoint(&mut log).unwrap();
        assert_ne!(second, first);
        let (cp, _, _) = tlog::note::open_checkpoint(&second).unwrap();
        assert_eq!(cp.size(), 1);
        let again = LogDir::init(&dir, None, &key).err().unwrap().to_string();
        assert_eq!(again, format!("{} already holds a log", dir.display()));
    }

    #[test]
    fn errors_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let key = key_file(tmp.path(), "example.org/log");
        let err = LogDir::init(&tmp.path().join("x"), Some("other.org/log"), &key)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("named \"example.org/log\", but the origin is \"other.org/log\""));
        let err = LogDir::open(tmp.path()).err().unwrap().to_string();
        assert!(err.starts_with(&format!(
            "{} is not a log directory (no log.toml)",
            tmp.path().display()
        )));
        std::fs::write(tmp.path().join("log.toml"), "origin = 3\n").unwrap();
        let err = LogDir::open(tmp.path()).err().unwrap().to_string();
        assert!(err.starts_with(&format!(
            "reading {}",
            tmp.path().join("log.toml").display()
        )));
        let missing = tmp.path().join("none.key");
        let err = read_key(&missing).err().unwrap().to_string();
        assert!(err.starts_with(&format!("reading the key file {}: ", missing.display())));
    }
}
