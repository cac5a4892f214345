//! A small "find my name" index for the `roll_find` target and its seeds: a few voters with
//! Khmer and romanised names in three areas.

use roll::index::{Builder, Entry};
use std::path::Path;
use std::sync::OnceLock;

const VOTERS: [(&str, &str, &str, &str, &str, u16); 6] = [
    ("សុខ", "ដារា", "Sok", "Dara", "010101", 1980),
    ("ឆន", "សុភា", "Chan", "Sophea", "010102", 1975),
    ("ចាន់", "បុប្ផា", "Chan", "Bopha", "010201", 1990),
    ("ហេង", "ស្រីណា", "Heng", "Sreyna", "020101", 1962),
    ("អ៊ុំ", "វិបុល", "Um", "Vibol", "010101", 2001),
    ("លី", "", "Ly", "", "020101", 1955),
];

/// The index file's bytes.
pub fn bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let mut b = Builder::new();
        for (i, (family, given, fl, gl, area, year)) in VOTERS.iter().enumerate() {
            let voter = format!("KH{i:04}");
            let station = format!("{area}-001");
            b.add(&Entry {
                voter: &voter,
                station: &station,
                area,
                family,
                given,
                family_latin: fl,
                given_latin: gl,
                birth_year: *year,
                sex: 'F',
            })
            .expect("a small index builds");
        }
        let mut out = Vec::new();
        b.finish(Path::new("fuzz.idx"), &mut out)
            .expect("written to memory");
        out
    })
}
