//! Khmer script: every way of typing a name that looks the same normalises to one string.

use roll::name::khmer::{matching_key, normalise};

const PAIRS: &str = "../../../shared/data/khmer/normalisation/khmer_equivalence_pairs.tsv";

/// The 85 pairs derived from SIL's khmer-normalizer fixtures: a string as people type it and
/// its canonical form.
fn pairs() -> Vec<(String, String)> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAIRS);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[1].to_owned())
        })
        .collect()
}

fn codepoints(s: &str) -> String {
    s.chars().map(|c| format!("{:04X} ", c as u32)).collect()
}

/// Every pair normalises to one string, and that string is SIL's canonical form except where we
/// fold further on purpose: repeated marks are kept once (SIL keeps ំំ), and ទ with subscript ប
/// is the letter ឡ it looks like (SIL keeps ទ្ប).
#[test]
fn every_sil_pair_normalises_to_one_string() {
    let pairs = pairs();
    assert_eq!(pairs.len(), 85);
    let mut bad = Vec::new();
    for (typed, canonical) in &pairs {
        let (a, b) = (normalise(typed), normalise(canonical));
        if a != b {
            bad.push(format!(
                "{} → {} but {} → {}",
                codepoints(typed),
                codepoints(&a),
                codepoints(canonical),
                codepoints(&b)
            ));
        }
        let folded_further = canonical.contains("\u{17C6}\u{17C6}") || canonical == "ទ្ប";
        if a != *canonical && !folded_further {
            bad.push(format!(
                "{} → {}, SIL: {}",
                codepoints(typed),
                codepoints(&a),
                codepoints(canonical)
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    assert_eq!(normalise("ស៊ាំំ"), "ស៊ាំ");
    assert_eq!(normalise("ទ្ប"), "ឡ");
}

/// Invisible characters, deprecated code points and split vowels.
#[test]
fn invisible_and_deprecated_characters() {
    // សុខ ZWSP ជា, with a ZWJ and a ZWNJ and the inherent-vowel signs U+17B4/U+17B5.
    assert_eq!(normalise("សុខ\u{200B}ជា"), "សុខជា");
    assert_eq!(
        normalise("\u{FEFF}ស\u{200D}ុ\u{200C}ខ\u{17B4}\u{17B5}"),
        "សុខ"
    );
    assert_eq!(normalise("\u{17A3}"), "\u{17A2}");
    assert_eq!(normalise("\u{17A4}"), "\u{17A2}\u{17B6}");
    // Subscript ដ and subscript ត are drawn alike.
    assert_eq!(normalise("ចន្ដា"), normalise("ចន្តា"));
    // Spacing: runs of white space are one space, none at the ends.
    assert_eq!(normalise("  សុខ \t\n ជា "), "សុខ ជា");
    // A coeng with no letter after it draws nothing.
    assert_eq!(normalise("សុខ\u{17D2}"), "សុខ");
}

/// The two shifters are different code points that readers confuse: normalisation keeps them
/// apart (as SIL does), the matching key merges them, and spaces between syllables do not count.
#[test]
fn matching_key_merges_the_shifters() {
    assert_ne!(normalise("ស៉ី"), normalise("ស៊ី"));
    assert_eq!(matching_key("ស៉ី"), matching_key("ស៊ី"));
    assert_eq!(matching_key("ស៊ីហា"), matching_key("ស៊ី ហា"));
    // The real typo in the name lists: ហាក៉ with U+17C9 where U+17CB belongs stays a different key.
    assert_ne!(matching_key("ហាក៉"), matching_key("ហាក់"));
}

/// Names that differ by a letter or a vowel must not merge: the kname family names ឆន and ចាន់
/// (both romanised "Chan"), សុភា and សោភា (both "Sophea"), សាន and សាន្ត (both "San").
#[test]
fn different_names_stay_apart() {
    for (a, b) in [
        ("ឆន", "ចាន់"),
        ("សុភា", "សោភា"),
        ("សាន", "សាន្ត"),
        ("សុខ", "សុក"),
        ("ម៉ី", "មី"),
    ] {
        assert_ne!(matching_key(a), matching_key(b), "{a} and {b}");
    }
}

/// Normalising twice gives the same as once, for every code point alone, after a Khmer letter,
/// and in pseudo-random strings of Khmer marks, letters, invisibles and combining marks.
#[test]
fn normalise_is_idempotent() {
    let once = |s: &str| {
        let n = normalise(s);
        assert_eq!(normalise(&n), n, "{}", codepoints(s));
        let key = matching_key(s);
        assert_eq!(matching_key(&key), key, "{}", codepoints(s));
        assert_eq!(matching_key(&n), key, "{}", codepoints(s));
    };
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        once(&c.to_string());
        if (0x1780..=0x17FF).contains(&(c as u32)) || (0x300..=0x36F).contains(&(c as u32)) {
            for base in ['ក', 'ទ', 'a'] {
                once(&format!("{base}{c}"));
                once(&format!("{base}\u{17D2}{c}\u{17BB}"));
            }
        }
    }
    let pool: Vec<char> = (0x1780..=0x17DDu32)
        .chain([
            0x200B, 0x200D, 0x20, 0x301, 0x316, 0x345, 0x41, 0x17D2, 0x17D2, 0x17BB,
        ])
        .filter_map(char::from_u32)
        .collect();
    let mut state = 0x2545F4914F6CDD1Du64;
    for _ in 0..200_000 {
        let mut s = String::new();
        for _ in 0..(state % 9) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            s.push(pool[(state % pool.len() as u64) as usize]);
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        once(&s);
    }
    once("ស\u{17C9}\u{17CA}ី");
    for (typed, canonical) in pairs() {
        once(&typed);
        once(&canonical);
    }
}
