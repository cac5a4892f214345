//! Romanised Khmer and Latin names: normal forms and phonetic keys.

use roll::name::latin::{khmer_key, normalise, phonetic_key};

const VARIANTS: &str = "../../../shared/data/khmer/names/romanisation_variants_sourced.tsv";
const FEBRL: &str = "../../../shared/data/febrl";

fn shared(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A cell of the variants file without its notes in brackets: `Norng (DC-Cam: "N(or)ng Lina")`
/// is `Norng`; a cell may list several spellings separated by `;`.
fn spellings(cell: &str) -> Vec<String> {
    cell.split(';')
        .map(|s| {
            let mut depth = 0;
            s.chars()
                .filter(|&c| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => return depth == 0,
                    }
                    false
                })
                .collect::<String>()
                .trim()
                .to_owned()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Every row of the sourced file that names a Khmer name gives spellings of one name: they all
/// have one key. (Sam Rainsy, Sâm Rôngsi and Sam Raṅs′ī; Norng and Nong; Chan and Chhan; SOKHA
/// and Sokha; CHEA SYHA and Chea Seiha.)
#[test]
fn sourced_variants_share_a_key() {
    let text = shared(VARIANTS);
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f[0].starts_with('(') {
            continue; // a rule, not a name: see the next test
        }
        let all: Vec<String> = spellings(f[1]).into_iter().chain(spellings(f[2])).collect();
        assert!(all.len() >= 2, "{line}");
        let key = khmer_key(&all[0]);
        for s in &all {
            assert_eq!(khmer_key(s), key, "{s} and {} ({})", all[0], f[0]);
        }
        checked += 1;
    }
    assert_eq!(checked, 8);
}

/// The rules of the sourced file (b/p, v/w, one vowel sign written differently by series), and
/// the variant classes of the issue: kh/k, ch/chh/j, ea/ia, ou/u/o, double letters, final h,
/// case, spacing and hyphens.
#[test]
fn variant_classes_share_a_key() {
    for group in [
        &["Bopha", "Popha"][..],
        &["Vannak", "Wannak"],
        &["Seiha", "Siha", "Syha"],
        &["Khim", "Kim"],
        &["Chhay", "Chay", "Jay"],
        &["Chea", "Chia", "Cheah"],
        &["Sopheap", "Sopheab", "Sophiep"],
        &["Ouk", "Uk", "Ok"],
        &["Sok", "Sokh", "SOK", "Sokk"],
        &["Hun", "Hunn"],
        &["Meas", "Mias"],
        &["Sok Heng", "Sokheng", "Sok-Heng", "  sok  HENG "],
        &["Thida", "Tida"],
        &["Nhem", "Nem"],
    ] {
        for s in group {
            assert_eq!(khmer_key(s), khmer_key(group[0]), "{s} and {}", group[0]);
        }
    }
}

/// Near misses that must not match: real Cambodian names that differ by a consonant outside the
/// variant classes (k/m, ch/s, d/t, l/r, m/n, k/ng at the end, s/h), or by a syllable.
#[test]
fn near_misses_do_not_share_a_key() {
    for (a, b) in [
        ("Sok", "Som"),
        ("Chan", "San"),
        ("Dara", "Tara"),
        ("Lina", "Rina"),
        ("Mony", "Nony"),
        ("Sokha", "Sok"),
        ("Chea", "Sea"),
        ("Vuthy", "Vuth"),
        ("Kim", "Kin"),
        ("Lim", "Lin"),
        ("Sophal", "Sophat"),
        ("Rath", "Ratha"),
        ("Heng", "Seng"),
    ] {
        assert_ne!(khmer_key(a), khmer_key(b), "{a} and {b}");
    }
}

#[test]
fn latin_normal_form() {
    assert_eq!(normalise("  José-María  O'Neil "), "jose maria oneil");
    assert_eq!(normalise("Müller"), "muller");
    assert_eq!(normalise("Sâm Rôngsi"), "sam rongsi");
    assert_eq!(normalise("Sam Raṅs′ī"), "sam ransi");
    assert_eq!(normalise("STRAßE Łódź Æsir"), "strasse lodz aesir");
    assert_eq!(normalise("mc.carthy,  jr"), "mc carthy jr");
    assert_eq!(normalise("ＳＯＫ"), "sok");
}

/// Double Metaphone joins common English spellings and keeps different surnames apart.
#[test]
fn latin_phonetic_key() {
    for (a, b) in [
        ("Smith", "Smyth"),
        ("Catherine", "Kathryn"),
        ("Stephen", "Steven"),
        ("McCarthy", "Mc Carthy"),
        ("Müller", "Muller"),
    ] {
        assert_eq!(phonetic_key(a), phonetic_key(b), "{a} and {b}");
    }
    for (a, b) in [
        ("Berry", "Terry"),
        ("Waller", "Walker"),
        ("Green", "Gray"),
        ("Lanyon", "Langdon"),
    ] {
        assert_ne!(phonetic_key(a), phonetic_key(b), "{a} and {b}");
    }
}

/// On FEBRL dataset2 (rec_id names the original of each duplicate), the surname keys of a
/// duplicate and its original agree far more often than the exact spellings, and the keys of
/// unrelated records rarely agree. (Most FEBRL corruptions are typing slips, not sound-alikes,
/// so a phonetic key alone cannot find them all: the fuzzy comparison is the next step.)
#[test]
fn febrl_duplicates_share_surname_keys() {
    let text = shared(&format!("{FEBRL}/dataset2.csv"));
    let mut originals = std::collections::HashMap::new();
    let mut dups = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let (id, surname) = (f[0], f[2].to_owned());
        let n: String = id
            .trim_start_matches("rec-")
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if id.ends_with("-org") {
            originals.insert(n, surname);
        } else {
            dups.push((n, surname));
        }
    }
    let (mut exact, mut keyed, mut pairs) = (0, 0, 0);
    for (n, s) in &dups {
        let Some(o) = originals.get(n) else { continue };
        if o.is_empty() || s.is_empty() {
            continue;
        }
        pairs += 1;
        exact += usize::from(normalise(o) == normalise(s));
        keyed += usize::from(phonetic_key(o) == phonetic_key(s));
    }
    let names: Vec<&String> = originals.values().filter(|s| !s.is_empty()).collect();
    let unrelated = (0..names.len() - 1)
        .filter(|&i| normalise(names[i]) != normalise(names[i + 1]))
        .filter(|&i| phonetic_key(names[i]) == phonetic_key(names[i + 1]))
        .count();
    eprintln!(
        "pairs {pairs}, exact {exact}, keyed {keyed}, unrelated agreeing {unrelated} of {}",
        names.len() - 1
    );
    assert!(pairs > 900);
    assert!(keyed > exact);
    // Measured: 750 of 979 (77%) against 671 (69%) spelled alike; 4 of 3,955 unrelated.
    assert!(keyed * 100 >= pairs * 75);
    assert!(unrelated * 100 <= names.len());
}

/// Normalising twice gives the same as once, and the keys of a normal form are the keys of the
/// text, for every code point alone and after a letter.
#[test]
fn idempotent() {
    let check = |s: &str| {
        let n = normalise(s);
        assert_eq!(normalise(&n), n, "{s:?}");
        assert_eq!(khmer_key(&n), khmer_key(s), "{s:?}");
        assert_eq!(phonetic_key(&n), phonetic_key(s), "{s:?}");
    };
    for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
        check(&c.to_string());
        if c.is_alphabetic() && (c as u32) < 0x3000 {
            check(&format!("a{c}b"));
        }
    }
    for s in ["Sam Rainsy", "Sâm Rôngsi", "Chea-Seiha", "O'Neil", "  ", ""] {
        check(s);
    }
}
