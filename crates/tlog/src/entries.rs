//! Files of entries to append: one entry a line, or (raw) each entry after its 2-byte
//! big-endian length, as in a tile's entry bundle.

use std::io::{BufRead, Read};

/// Why a file of entries cannot be read; each names the file (`name`) and the place.
#[derive(Debug, thiserror::Error)]
pub enum EntriesError {
    #[error("reading {name}: {source}")]
    Io {
        name: String,
        source: std::io::Error,
    },
    #[error("{name}: larger than {} MiB, the limit for a file of entries; split it", limit >> 20)]
    TooLarge { name: String, limit: u64 },
    #[error("{name}: byte {at}: entry {entry} has a cut-off length prefix")]
    CutPrefix {
        name: String,
        at: usize,
        entry: usize,
    },
    #[error("{name}: byte {at}: entry {entry} says {len} bytes but only {left} remain")]
    CutEntry {
        name: String,
        at: usize,
        entry: usize,
        len: usize,
        left: usize,
    },
    #[error("{name}: line {line}: entry of {len} bytes is over the 65,535-byte limit")]
    LineTooLong {
        name: String,
        line: usize,
        len: usize,
    },
}

/// Reads the entries of `input` (named `name` in errors), refusing more than `limit` bytes:
/// the entries are held in memory until appended, so a file past the cap is refused, not
/// swapped. A line is read only up to just past the entry limit, which it then fails.
pub fn read_entries(
    input: &mut dyn Read,
    name: &str,
    raw: bool,
    limit: u64,
) -> Result<Vec<Vec<u8>>, EntriesError> {
    let mut entries = Vec::new();
    let io = |source| EntriesError::Io {
        name: name.to_string(),
        source,
    };
    let too_big = || EntriesError::TooLarge {
        name: name.to_string(),
        limit,
    };
    let mut input = input.take(limit + 1);
    if raw {
        let mut bytes = Vec::new();
        input.read_to_end(&mut bytes).map_err(io)?;
        if bytes.len() as u64 > limit {
            return Err(too_big());
        }
        let mut at = 0usize;
        while at < bytes.len() {
            let entry = entries.len() + 1;
            if bytes.len() - at < 2 {
                return Err(EntriesError::CutPrefix {
                    name: name.to_string(),
                    at,
                    entry,
                });
            }
            let len = usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
            if bytes.len() - at - 2 < len {
                return Err(EntriesError::CutEntry {
                    name: name.to_string(),
                    at,
                    entry,
                    len,
                    left: bytes.len() - at - 2,
                });
            }
            entries.push(bytes[at + 2..at + 2 + len].to_vec());
            at += 2 + len;
        }
        return Ok(entries);
    }
    let mut reader = std::io::BufReader::new(&mut input);
    let mut line = Vec::new();
    let mut number = 0usize;
    let mut total = 0u64;
    loop {
        line.clear();
        let n = (&mut reader)
            .take(crate::tile::MAX_ENTRY_SIZE as u64 + 2)
            .read_until(b'\n', &mut line)
            .map_err(io)?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > limit {
            return Err(too_big());
        }
        number += 1;
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if line.len() > crate::tile::MAX_ENTRY_SIZE {
            return Err(EntriesError::LineTooLong {
                name: name.to_string(),
                line: number,
                len: line.len(),
            });
        }
        entries.push(line.clone());
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8], raw: bool, limit: u64) -> Result<Vec<Vec<u8>>, String> {
        read_entries(&mut &bytes[..], "f", raw, limit).map_err(|e| e.to_string())
    }

    #[test]
    fn lines_and_length_prefixed_entries_are_read() {
        assert_eq!(
            read(b"a\nbc\n", false, 100).unwrap(),
            vec![b"a".to_vec(), b"bc".to_vec()]
        );
        assert_eq!(
            read(b"\x00\x01a\x00\x02bc", true, 100).unwrap(),
            vec![b"a".to_vec(), b"bc".to_vec()]
        );
    }

    #[test]
    fn cut_and_oversized_files_are_refused_by_place() {
        assert_eq!(
            read(b"\x00\x01a\x00", true, 100).unwrap_err(),
            "f: byte 3: entry 2 has a cut-off length prefix"
        );
        assert_eq!(
            read(b"\x00\x05ab", true, 100).unwrap_err(),
            "f: byte 0: entry 1 says 5 bytes but only 2 remain"
        );
        assert!(
            read(
                &b"ab
"
                .repeat(1 << 20),
                false,
                2 << 20
            )
            .unwrap_err()
            .starts_with("f: larger than 2 MiB")
        );
        let long = vec![b'x'; crate::tile::MAX_ENTRY_SIZE + 1];
        assert_eq!(
            read(&long, false, 1 << 20).unwrap_err(),
            "f: line 1: entry of 65536 bytes is over the 65,535-byte limit"
        );
    }
}
