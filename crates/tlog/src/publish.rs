//! Publication as a static directory in the C2SP tlog-tiles layout.
//!
//! The directory holds `checkpoint`, hash tiles `tile/<L>/<N>[.p/<W>]` and entry bundles
//! `tile/entries/<N>[.p/<W>]`, ready for any web server or object store. Publishing again after
//! more appends writes only the tiles that are new or grew, then replaces `checkpoint` last, so
//! a reader never sees a checkpoint whose tiles are missing. Before anything is written, the
//! tiles and entries to be written are checked against the checkpoint's root
//! ([`Log::check_tiles`]), so a store damaged on disk is not published. Partial tiles of earlier
//! checkpoints stay, as the spec requires. Every file is written to a temporary name and
//! renamed into place.

use crate::log::{Log, LogError};
use crate::note::open_checkpoint;
use crate::storage::Storage;
use crate::tile::{TileKind, changed_tiles};
use std::path::{Path, PathBuf};

/// What a publication did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The tree size of the published checkpoint.
    pub size: u64,
    /// The size that was already published there (0 for a first publication).
    pub from_size: u64,
    /// Tiles and bundles written.
    pub written: usize,
}

/// Why a publication failed.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the checkpoint to publish is not one of this log's: {0}")]
    ForeignCheckpoint(String),
}

/// Publishes the log as of `checkpoint` (a signed note for one of its tree sizes) into `out`.
///
/// `progress` is called with (tiles written, tiles to write).
pub fn publish<S: Storage>(
    log: &Log<S>,
    checkpoint: &[u8],
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Published, PublishError> {
    let (cp, _, _) =
        open_checkpoint(checkpoint).map_err(|e| PublishError::ForeignCheckpoint(e.to_string()))?;
    if cp.origin() != log.origin() {
        return Err(PublishError::ForeignCheckpoint(format!(
            "origin {:?}, not {:?}",
            cp.origin(),
            log.origin()
        )));
    }
    let size = cp.size();
    if size > log.size() || log.root_at(size)? != *cp.hash() {
        return Err(PublishError::ForeignCheckpoint(format!(
            "size {size} with root {} does not match this log",
            cp.hash()
        )));
    }
    let from_size = already_published(log, out, size);
    // What is about to be published must be what the checkpoint signs: a tile damaged in the
    // store is refused here, by name, rather than found by an observer.
    log.check_tiles(from_size, size, *cp.hash())?;
    let tiles = changed_tiles(from_size, size);
    let total = tiles.len();
    for (done, tile) in tiles.iter().enumerate() {
        let bytes = match tile.kind {
            TileKind::Hashes(level) => log.hash_tile_at(level, tile.index, size)?,
            TileKind::Entries => log.bundle_at(tile.index, size)?,
        };
        write_atomic(&out.join(tile.path()), &bytes)?;
        if done % 256 == 0 {
            progress(done, total);
        }
    }
    progress(total, total);
    // The tiles reach the disk before the checkpoint that points at them, or a power cut could
    // leave a checkpoint whose tiles are empty: one filesystem sync, not one per tile.
    if total > 0 {
        sync_filesystem(out).map_err(|source| PublishError::Io {
            path: out.to_path_buf(),
            source,
        })?;
    }
    write_durable(&out.join("checkpoint"), checkpoint)?;
    Ok(Published {
        size,
        from_size,
        written: total,
    })
}

/// The size already published in `out`, if its checkpoint is an earlier state of this very
/// log; otherwise 0, and everything is written again.
fn already_published<S: Storage>(log: &Log<S>, out: &Path, size: u64) -> u64 {
    let Ok(existing) = std::fs::read(out.join("checkpoint")) else {
        return 0;
    };
    let Ok((cp, _, _)) = open_checkpoint(&existing) else {
        return 0;
    };
    if cp.origin() != log.origin() || cp.size() > size {
        return 0;
    }
    match log.root_at(cp.size()) {
        Ok(root) if root == *cp.hash() && tiles_present(out, cp.size()) => cp.size(),
        _ => 0,
    }
}

/// Whether the partial tiles for `size` are there (a cheap check that a previous publication
/// was not cut short or partly deleted).
fn tiles_present(out: &Path, size: u64) -> bool {
    changed_tiles(0, size)
        .iter()
        .filter(|t| !t.is_full())
        .all(|t| out.join(t.path()).is_file())
}

/// [`write_atomic`], and the file and its directory synced, so that the new content survives a
/// power cut once this returns.
pub fn write_durable(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    write_file(path, bytes, true)
}

/// Flushes every file written under `dir` to the disk: `syncfs` on Linux, `sync` elsewhere.
fn sync_filesystem(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = std::fs::File::open(dir)?;
        // SAFETY: syncfs takes an open file descriptor, which `d` holds for the call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let _ = dir;
        // SAFETY: sync has no arguments and cannot fail.
        unsafe { libc::sync() };
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to `path` via a temporary file and a rename, creating directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    write_file(path, bytes, false)
}

fn write_file(path: &Path, bytes: &[u8], durable: bool) -> Result<(), PublishError> {
    use std::io::Write;
    let io = |source| PublishError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(bytes).map_err(io)?;
        if durable {
            f.sync_all().map_err(io)?;
        }
    }
    std::fs::rename(&tmp, path).map_err(io)?;
    if durable && let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io)?;
    }
    Ok(())
}
