//! Evidence blobs (photos of forms, documents), content-addressed: `PUT /blob/{sha256}` stores
//! a body that hashes to its name, within size and media-type limits; `GET /blob/{sha256}`
//! answers it as immutable. A blob is written to a temporary file, synced and renamed, with
//! its media type beside it, so a blob is whole or absent after a crash.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// What a blob may be.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest blob, in bytes.
    pub max_size: usize,
    /// Accepted media types (`image/jpeg`, …).
    pub types: Vec<String>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_size: 10 << 20,
            types: ["image/jpeg", "image/png", "image/webp", "application/pdf"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// Why a blob was not stored or found.
#[derive(Debug, PartialEq, Eq)]
pub enum BlobError {
    /// The name is not a SHA-256 in lowercase hex.
    BadName(String),
    /// The media type is not accepted.
    Type(String),
    /// The body hashes to something else.
    Mismatch {
        name: String,
        actual: String,
    },
    NotFound,
    /// Writing or reading the store failed.
    Io(String),
}

impl std::fmt::Display for BlobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobError::BadName(n) => write!(
                f,
                "{n:?} is not a blob name: a blob is named by the SHA-256 of its bytes, 64 lowercase hex digits"
            ),
            BlobError::Type(t) => write!(f, "media type {t:?} is not accepted"),
            BlobError::Mismatch { name, actual } => {
                write!(f, "the body hashes to {actual}, not to its name {name}")
            }
            BlobError::NotFound => write!(f, "no such blob"),
            BlobError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// The blob store: `<dir>/<first two hex digits>/<sha256>` and `….type` beside it.
#[derive(Debug, Clone)]
pub struct Blobs {
    pub dir: PathBuf,
    pub limits: Limits,
}

fn check_name(name: &str) -> Result<(), BlobError> {
    if name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(())
    } else {
        Err(BlobError::BadName(name.chars().take(80).collect()))
    }
}

fn io(path: &Path, e: std::io::Error) -> BlobError {
    BlobError::Io(format!("{}: {e}", path.display()))
}

impl Blobs {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(&name[..2]).join(name)
    }

    /// Whether `media` (a Content-Type, parameters allowed) is accepted; the bare type.
    pub fn media_type(&self, media: Option<&str>) -> Result<String, BlobError> {
        let bare = media
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if self.limits.types.contains(&bare) {
            Ok(bare)
        } else {
            Err(BlobError::Type(bare))
        }
    }

    /// Stores `body` as `name` with media type `media`; Ok(true) if it was new.
    pub fn put(&self, name: &str, media: &str, body: &[u8]) -> Result<bool, BlobError> {
        check_name(name)?;
        let actual = ledger::event::hex(&Sha256::digest(body));
        if actual != name {
            return Err(BlobError::Mismatch {
                name: name.to_string(),
                actual,
            });
        }
        let path = self.path(name);
        if path.is_file() {
            return Ok(false);
        }
        let parent = path.parent().expect("a blob path has a parent");
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        // The type first: a blob file present means its type is there too.
        write_new(parent, &path.with_extension("type"), media.as_bytes())?;
        write_new(parent, &path, body)?;
        Ok(true)
    }

    /// The blob `name` and its media type.
    pub fn get(&self, name: &str) -> Result<(Vec<u8>, String), BlobError> {
        check_name(name)?;
        let path = self.path(name);
        let body = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(BlobError::NotFound),
            Err(e) => return Err(io(&path, e)),
        };
        let media = std::fs::read_to_string(path.with_extension("type"))
            .unwrap_or_else(|_| "application/octet-stream".into());
        Ok((body, media))
    }
}

/// Writes `bytes` to `path` through a file of `dir` that no other writer uses, synced and
/// renamed, so that two uploads of the same blob at once cannot leave a part of one.
fn write_new(dir: &Path, path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let tmp = dir.join(format!(".tmp-{}-{n}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|_| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(path, e));
    }
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
