//! "Find my name": the query parser and the index reader of `roll::index`.
//!
//! Input: a first byte that chooses, then the rest. Even: the rest is a query (UTF-8 with bad
//! sequences replaced), the first byte's upper bits choose the filters (a birth year, an area
//! taken from the query's last word), and it is searched in a small real index. Odd: the rest
//! is an index file, opened and searched with a fixed query; the seeds hold the real index, so
//! the fuzzer mutates a file that opens.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roll::index::{Index, Query};
use std::path::Path;
use std::sync::OnceLock;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        Index::from_bytes(
            Path::new("fuzz.idx"),
            tlog_fuzz::rollindex::bytes().to_vec(),
        )
        .expect("the real index opens")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    if choice & 1 == 1 {
        match Index::from_bytes(Path::new("fuzz.idx"), rest.to_vec()) {
            Ok(ix) => {
                for q in ["Sok Dara", "ដារា សុខ", "chan"] {
                    let q = Query::parse(q, Some(1980), Some("01")).expect("a good query");
                    if let Err(e) = ix.find(&q, 5) {
                        assert!(e.to_string().starts_with("fuzz.idx: "), "{e}");
                    }
                }
            }
            Err(e) => assert!(e.to_string().starts_with("fuzz.idx: "), "{e}"),
        }
        return;
    }
    let text = String::from_utf8_lossy(rest);
    let year = (choice & 2 != 0).then_some(1900 + u16::from(choice >> 2) * 2);
    let area = (choice & 4 != 0).then(|| text.split(' ').next_back().unwrap_or(""));
    match Query::parse(&text, year, area) {
        Ok(q) => {
            assert!(!q.key.is_empty());
            assert!(text.chars().count() <= roll::index::MAX_QUERY);
            let found = index().find(&q, 3).expect("the real index answers");
            assert!(found.len() <= 3);
            assert!(found.windows(2).all(|w| w[0].edits <= w[1].edits));
            for f in &found {
                assert!(f.edits <= roll::index::MAX_EDITS);
                if let Some(y) = year {
                    assert!(f.birth_year.abs_diff(y) <= 2);
                }
                if let Some(a) = &q.area {
                    assert!(f.area.starts_with(a.as_str()));
                }
            }
        }
        Err(e) => assert!(e.to_string().starts_with("query: "), "{e}"),
    }
});
