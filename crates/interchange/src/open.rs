//! Opening `.csv`, `.csv.gz` and `.csv.zip` files as one stream of bytes, with every line
//! bounded in size, and reading whole files up to a size cap.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::{DeflateDecoder, MultiGzDecoder};
use zip::CompressionMethod;

use crate::Error;

/// The longest line a data file may have. A CSV reader buffers a whole record, so without a
/// bound a file with no line breaks (a sparse file, a binary, a decompression bomb) would be
/// read into memory whole before any error.
pub const MAX_LINE_BYTES: u64 = 1 << 20;

/// Opens a data file for reading, decompressing by its name: `.gz` is gzip, `.zip` is the
/// first `.csv` member of the archive (or its first file if none ends in `.csv`), anything
/// else is read as it is. A line longer than [`MAX_LINE_BYTES`] (after decompression) is a
/// read error, [`TooLong`], naming the line.
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
    let inner: Box<dyn Read + Send> = if name.ends_with(".gz") {
        Box::new(MultiGzDecoder::new(BufReader::with_capacity(1 << 16, file)))
    } else if name.ends_with(".zip") {
        open_zip_member(path, file.inner, read).map_err(io_err)?
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    };
    Ok(Box::new(LineBound {
        inner,
        line: 1,
        run: 0,
        limit: MAX_LINE_BYTES,
    }))
}

/// A line or a record past its size limit: the read error that [`open_data`]'s stream (and
/// the CSV readers) give instead of buffering it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    /// The 1-based line where the over-long line or record starts (0 when the stream does not
    /// know; the CSV reader then fills it in).
    pub line: u64,
    /// "line" or "record".
    pub what: &'static str,
    pub limit: u64,
}

impl TooLong {
    /// The error inside an `io::Error`, if that is what it is.
    pub fn of(e: &io::Error) -> Option<&TooLong> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<TooLong>())
    }

    /// What is wrong, without the line.
    pub fn reason(&self) -> String {
        format!(
            "the {} runs past {} MiB; this is not a CSV file of records, or its quoting is broken",
            self.what,
            self.limit >> 20
        )
    }
}

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason())
    }
}

impl std::error::Error for TooLong {}

/// Fails a read once the current line (bytes since the last `\n` or `\r`) passes `limit`.
struct LineBound {
    inner: Box<dyn Read + Send>,
    /// The 1-based line the stream is in.
    line: u64,
    /// Bytes of that line read so far.
    run: u64,
    limit: u64,
}

impl Read for LineBound {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let data = &buf[..n];
        let mut at = 0usize;
        for (i, segment) in data.split(|&b| b == b'\n' || b == b'\r').enumerate() {
            if i == 0 {
                self.run += segment.len() as u64;
            } else {
                // `data[at]` is the break before this segment.
                if data[at] == b'\n' {
                    self.line += 1;
                }
                at += 1;
                self.run = segment.len() as u64;
            }
            at += segment.len();
            if self.run > self.limit {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    TooLong {
                        line: self.line,
                        what: "line",
                        limit: self.limit,
                    },
                ));
            }
        }
        Ok(n)
    }
}

/// The largest file of events (`submit`, `log append`) read whole.
pub const MAX_EVENTS_FILE: u64 = 1 << 30;
/// The largest NIST CDF file read whole.
pub const MAX_CDF_FILE: u64 = 256 << 20;

/// Reads a whole file that must fit in memory, refusing one larger than `limit` bytes
/// (`what` names the kind of file in the message) before reading it, or as soon as it passes
/// the limit when its size is not known in advance (a pipe).
pub fn read_capped(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, Error> {
    let io_err = |source: io::Error| Error::Io {
        file: path.to_path_buf(),
        source,
    };
    let too_big = || {
        io_err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "larger than {} MiB, the limit for {what}; split it into several files",
                limit >> 20
            ),
        ))
    };
    let file = File::open(path).map_err(io_err)?;
    let known = file.metadata().map(|m| m.len()).unwrap_or(0);
    if known > limit {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(known as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
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
