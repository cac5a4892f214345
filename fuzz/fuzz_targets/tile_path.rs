//! Tile paths: `TileId::parse`, and that `parse(path()) == id`.
//!
//! Input: the path text. The first 11 bytes also make a tile id (kind or level, index,
//! width), whose path must parse back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::tile::{TileId, TileKind};
use tlog_fuzz::Input;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match TileId::parse(text) {
            Ok(id) => {
                assert_eq!(id.path(), text, "parse accepted a non-canonical path");
                assert!((1..=256).contains(&id.width));
                let _ = id.first_entry();
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
    let mut input = Input(data);
    let level = input.u8();
    let index = input.u64();
    let width = input.u16() % 256 + 1;
    let kind = if level == 0xff {
        TileKind::Entries
    } else {
        // Tile levels stop at 63; deeper ones have no path.
        TileKind::Hashes(level % 64)
    };
    let id = TileId { kind, index, width };
    assert_eq!(
        TileId::parse(&id.path()),
        Ok(id),
        "{} does not round-trip",
        id.path()
    );
    let _ = id.first_entry();
});
