//! Opening `.csv`, `.csv.gz` and `.csv.zip` files as one stream of bytes.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::{DeflateDecoder, MultiGzDecoder};
use zip::CompressionMethod;

use crate::Error;

/// Opens a data file for reading, decompressing by its name: `.gz` is gzip, `.zip` is the
/// first `.csv` member of the archive (or its first file if none ends in `.csv`), anything
/// else is read as it is.
pub fn open_data(path: &Path) -> Result<Box<dyn Read + Send>, Error> {
    open_data_counted(path, None)
}

/// Like [`open_data`], also adding to `read` the bytes read from the file itself (before
/// decompression), so that a caller can show progress against the file's size.
pub fn open_data_counted(
    path: &Path,
    read: Option<Arc<AtomicU64>>,
) -> Result<Box<dyn Read + Send>, Error> {
    let io_err = |source: io::Error| Error::Io {
        file: path.to_path_buf(),
        source,
    };
    let file = Counted {
        inner: File::open(path).map_err(io_err)?,
        read: read.clone(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.ends_with(".gz") {
        Ok(Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            file,
        ))))
    } else if name.ends_with(".zip") {
        open_zip_member(path, file.inner, read).map_err(io_err)
    } else {
        Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
    }
}

/// Streams one member of a zip archive. The zip crate's own reader borrows the archive, so
/// it is used only to find the member; the bytes are read straight from the file and
/// checked against the member's CRC-32 at the end.
fn open_zip_member(
    path: &Path,
    file: File,
    read: Option<Arc<AtomicU64>>,
) -> io::Result<Box<dyn Read + Send>> {
    let bad = |m: String| io::Error::new(io::ErrorKind::InvalidData, m);
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let mut chosen = None;
    for i in 0..archive.len() {
        let member = archive
            .by_index_raw(i)
            .map_err(|e| bad(format!("zip member {i}: {e}")))?;
        if member.is_dir() {
            continue;
        }
        let is_csv = member.name().to_ascii_lowercase().ends_with(".csv");
        if chosen.is_none() || is_csv {
            chosen = Some((
                member.name().to_string(),
                member.data_start(),
                member.compressed_size(),
                member.compression(),
                member.crc32(),
            ));
        }
        if is_csv {
            break;
        }
    }
    let Some((name, start, size, method, crc)) = chosen else {
        return Err(bad("the zip archive has no file in it".into()));
    };
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let file = Counted { inner: file, read };
    let raw = BufReader::with_capacity(1 << 16, file).take(size);
    let inner: Box<dyn Read + Send> = match method {
        CompressionMethod::Stored => Box::new(raw),
        CompressionMethod::Deflated => Box::new(DeflateDecoder::new(raw)),
        other => {
            return Err(bad(format!(
                "zip member {name:?} uses compression {other}; only stored and deflate are read"
            )));
        }
    };
    Ok(Box::new(CrcCheck {
        inner,
        crc: flate2::Crc::new(),
        expected: crc,
        name,
    }))
}

/// Passes bytes through and fails at the end of the stream if their CRC-32 is wrong.
struct CrcCheck {
    inner: Box<dyn Read + Send>,
    crc: flate2::Crc,
    expected: u32,
    name: String,
}

impl Read for CrcCheck {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.crc.sum() != self.expected {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "zip member {:?} is corrupt (CRC-32 {:08x}, expected {:08x})",
                    self.name,
                    self.crc.sum(),
                    self.expected
                ),
            ));
        }
        self.crc.update(&buf[..n]);
        Ok(n)
    }
}

/// A file that counts the bytes read from it.
struct Counted {
    inner: File,
    read: Option<Arc<AtomicU64>>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(read) = &self.read {
            read.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(n)
    }
}
