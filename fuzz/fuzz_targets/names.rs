//! Names on a voter roll: every normaliser and key of `roll::name`.
//!
//! Input: any bytes, read as UTF-8 with bad sequences replaced. The first half is one name and
//! the second another, for `PersonName::compare`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roll::name::{LatinKey, Name, NameMatch, PersonName, khmer, latin};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let k = khmer::normalise(&text);
    assert_eq!(
        khmer::normalise(&k),
        k,
        "khmer::normalise is not idempotent"
    );
    assert_eq!(khmer::matching_key(&k), khmer::matching_key(&text));
    let key = khmer::matching_key(&text);
    assert_eq!(
        khmer::matching_key(&key),
        key,
        "khmer::matching_key is not idempotent"
    );
    let l = latin::normalise(&text);
    assert_eq!(
        latin::normalise(&l),
        l,
        "latin::normalise is not idempotent"
    );
    assert_eq!(latin::khmer_key(&l), latin::khmer_key(&text));
    assert_eq!(latin::phonetic_key(&l), latin::phonetic_key(&text));

    let half = text
        .char_indices()
        .nth(text.chars().count() / 2)
        .map_or(text.len(), |(i, _)| i);
    let (a, b) = text.split_at(half);
    let name = |s: &str| Name::new(Some(s), Some(s));
    let p = PersonName {
        family: name(a),
        given: name(b),
    };
    let q = PersonName {
        family: name(b),
        given: name(a),
    };
    for scheme in [LatinKey::RomanisedKhmer, LatinKey::General] {
        let pq = p.compare(&q, scheme);
        // Comparison is symmetric, and a swapped name is seen as such unless it reads the same.
        assert_eq!(pq, q.compare(&p, scheme));
        if p.compare(&p, scheme) == NameMatch::Same && pq != NameMatch::Same {
            assert_eq!(pq, NameMatch::Swapped);
        }
    }
});
