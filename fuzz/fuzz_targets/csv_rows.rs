//! The CSV readers: `StationResultsReader`, `StationListReader` and `VoterRollReader`, through
//! the mappings of `tlog_fuzz::rows::CASES` (the repository's Russian and Indonesian
//! mappings and hand-written ones for voter rolls, tab and semicolon delimiters, another
//! quote, Latin-1, no header, sums, shared counts, several sources).
//!
//! Input: a byte that picks the mapping, a mode byte, then the CSV bytes.
//! - mode 0 (and anything unlisted): the bytes are read from memory;
//! - mode 1: also gzipped into a `.csv.gz` file and read through `open_data`;
//! - mode 2: also stored as the one member of a `.csv.zip` archive, deflated, and read so;
//! - mode 3 and 4: the bytes themselves are written as a `.gz` or a `.zip` file and read.
//!
//! Properties: never a panic, never an endless read. Both reading modes agree up to the first
//! error, and reading stops there unless told to keep going. Every row fits the mapping (as
//! many areas, sources and vote columns as it names, no figure it does not map, no empty
//! label), rows come in order of their lines, and errors name a line within the file. A file
//! read through gzip or zip gives exactly what the same bytes give from memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;
use tlog_fuzz::Input;
use tlog_fuzz::rows::{check_csv, mappings, read_file};

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn zip(bytes: &[u8]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("results.csv", options).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap().into_inner()
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let all = mappings();
    let mapping = &all[usize::from(input.u8()) % all.len()];
    let mode = input.u8();
    let csv = input.rest();
    match mode {
        1 | 2 => {
            let path = tlog_fuzz::scratch_dir().join(if mode == 1 {
                "data.csv.gz"
            } else {
                "data.csv.zip"
            });
            let name = path.to_str().unwrap().to_string();
            let plain = check_csv(mapping, csv, &name);
            let packed = if mode == 1 { gzip(csv) } else { zip(csv) };
            std::fs::write(&path, packed).unwrap();
            let read = read_file(mapping, &path, None);
            assert_eq!(read, plain, "compressed and plain bytes read differently");
        }
        3 | 4 => {
            let path = tlog_fuzz::scratch_dir().join(if mode == 3 {
                "raw.csv.gz"
            } else {
                "raw.csv.zip"
            });
            std::fs::write(&path, csv).unwrap();
            // A broken archive can stand for any amount of data; a bound keeps runs short.
            let _ = read_file(mapping, &path, Some(10_000));
        }
        _ => {
            check_csv(mapping, csv, "data.csv");
        }
    }
});
