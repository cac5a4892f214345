//! Field comparisons: each pair of records gets, per column, a level from "missing" through
//! "different" to "exact". The levels are the comparison vector (γ) of Fellegi and Sunter.

use crate::name::{LatinKey, khmer, latin};

use super::{Birth, Record};

/// A name part ready to compare: its normal form and matching key in each script it is
/// written in.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    pub(crate) khmer: Option<(Box<str>, Box<str>)>,
    pub(crate) latin: Option<(Box<str>, Box<str>)>,
}

impl Prepared {
    fn new(name: &crate::name::Name, key: LatinKey) -> Prepared {
        let keep = |s: String| (!s.is_empty()).then(|| s.into_boxed_str());
        let khmer = name.khmer.as_deref().and_then(|k| {
            keep(khmer::normalise(k)).map(|n| (n, khmer::matching_key(k).into_boxed_str()))
        });
        let latin = name.latin.as_deref().and_then(|l| {
            keep(latin::normalise(l)).map(|n| {
                let k = key.key(&n).into_boxed_str();
                (n, k)
            })
        });
        Prepared { khmer, latin }
    }

    /// The exact text: what blocking on the name and term frequencies count.
    pub(crate) fn text(&self) -> Option<String> {
        match (&self.khmer, &self.latin) {
            (None, None) => None,
            (k, l) => Some(format!(
                "{}|{}",
                k.as_ref().map_or("", |k| &k.0),
                l.as_ref().map_or("", |l| &l.0)
            )),
        }
    }

    /// The matching key in the record's first script (Khmer when it has it).
    pub(crate) fn key(&self) -> Option<&str> {
        self.khmer
            .as_ref()
            .or(self.latin.as_ref())
            .map(|(_, k)| &**k)
            .filter(|k| !k.is_empty())
    }
}

/// A record ready to compare.
#[derive(Debug, Clone)]
pub(crate) struct Ready {
    pub(crate) family: Prepared,
    pub(crate) given: Prepared,
    pub(crate) birth: Option<Birth>,
    /// Days since 1970-01-01, when the full date is known.
    pub(crate) days: Option<i32>,
    pub(crate) sex: Option<char>,
    pub(crate) station: Option<Box<str>>,
    pub(crate) area: Option<Box<str>>,
    pub(crate) fields: Box<[Option<Box<str>>]>,
}

impl Ready {
    pub(crate) fn new(r: &Record, key: LatinKey) -> Ready {
        let clean = |s: &Option<String>| -> Option<Box<str>> {
            let t = s
                .as_deref()?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            (!t.is_empty()).then(|| t.to_lowercase().into_boxed_str())
        };
        Ready {
            family: Prepared::new(&r.name.family, key),
            given: Prepared::new(&r.name.given, key),
            birth: r.birth,
            days: r.birth.and_then(|b| b.days()),
            sex: r.sex,
            station: clean(&r.station),
            area: clean(&r.area),
            fields: r.fields.iter().map(clean).collect(),
        }
    }
}

/// The columns of the comparison vector, in order: the fixed ones, then the roll's other fields.
pub(crate) const FAMILY: usize = 0;
pub(crate) const GIVEN: usize = 1;
pub(crate) const BIRTH: usize = 2;
pub(crate) const SEX: usize = 3;
pub(crate) const STATION: usize = 4;
pub(crate) const FIXED: usize = 5;
/// Levels are packed three bits each into a u64.
pub(crate) const MAX_COLUMNS: usize = 21;

pub(crate) const NAME_LEVELS: &[&str] = &[
    "missing",
    "different",
    "jaro-winkler >= 0.70",
    "jaro-winkler >= 0.88",
    "same sound",
    "jaro-winkler >= 0.92",
    "exact",
];
pub(crate) const BIRTH_LEVELS: &[&str] = &[
    "missing",
    "different",
    "within 10 years",
    "within a year",
    "within a month",
    "one character apart",
    "exact",
];
pub(crate) const SAME_LEVELS: &[&str] = &["missing", "different", "same"];
/// The station, and the area above it: one column, since a station lies in one area (two
/// columns would count the same agreement twice).
pub(crate) const PLACE_LEVELS: &[&str] = &["missing", "different", "same area", "same"];
pub(crate) const FIELD_LEVELS: &[&str] = &[
    "missing",
    "different",
    "two edits apart",
    "one edit apart",
    "exact",
];

/// The labels of a column's levels; the last is exact agreement.
pub(crate) fn levels(column: usize) -> &'static [&'static str] {
    match column {
        FAMILY | GIVEN => NAME_LEVELS,
        BIRTH => BIRTH_LEVELS,
        SEX => SAME_LEVELS,
        STATION => PLACE_LEVELS,
        _ => FIELD_LEVELS,
    }
}

pub(crate) fn level_of(gamma: u64, column: usize) -> u8 {
    ((gamma >> (3 * column)) & 7) as u8
}

/// The comparison vector of two records, and whether their family and given names agree only
/// crosswise (one roll wrote them in the other order).
pub(crate) fn compare(a: &Ready, b: &Ready) -> (u64, bool) {
    let mut family = name_level(&a.family, &b.family);
    let mut given = name_level(&a.given, &b.given);
    let mut swapped = false;
    if family < 5 || given < 5 {
        let f = name_level(&a.family, &b.given);
        let g = name_level(&a.given, &b.family);
        // Crosswise, one name close and the other at least alike (a typo on top of the
        // swap), and better than as written.
        if f.min(g) >= 2 && f.max(g) >= 5 && f + g > family + given {
            (family, given, swapped) = (f, g, true);
        }
    }
    let mut gamma = family as u64 | (given as u64) << 3;
    gamma |= (birth_level(a, b) as u64) << (3 * BIRTH);
    gamma |= (same(a.sex, b.sex) as u64) << (3 * SEX);
    gamma |= (place_level(a, b) as u64) << (3 * STATION);
    for (i, (x, y)) in a.fields.iter().zip(b.fields.iter()).enumerate() {
        let level = match (x, y) {
            (Some(x), Some(y)) => field_level(x, y),
            _ => 0,
        };
        gamma |= (level as u64) << (3 * (FIXED + i));
    }
    (gamma, swapped)
}

/// Same station; else same area (where both have one); else different.
fn place_level(a: &Ready, b: &Ready) -> u8 {
    match (
        same(a.station.as_ref(), b.station.as_ref()),
        same(a.area.as_ref(), b.area.as_ref()),
    ) {
        (2, _) => 3,
        (_, 2) => 2,
        (1, _) | (_, 1) => 1,
        _ => 0,
    }
}

fn same<T: PartialEq>(a: Option<T>, b: Option<T>) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) if a == b => 2,
        (Some(_), Some(_)) => 1,
        _ => 0,
    }
}

/// The level of two name parts: in each script written in both, and the worse of the two,
/// so that ឆន and ចាន់, both romanised "Chan", do not count as exact.
pub(crate) fn name_level(a: &Prepared, b: &Prepared) -> u8 {
    let mut level: Option<u8> = None;
    for (x, y) in [(&a.khmer, &b.khmer), (&a.latin, &b.latin)] {
        if let (Some(x), Some(y)) = (x, y) {
            let l = text_level(x, y);
            level = Some(level.map_or(l, |m| m.min(l)));
        }
    }
    level.unwrap_or(0)
}

fn text_level((a, ka): &(Box<str>, Box<str>), (b, kb): &(Box<str>, Box<str>)) -> u8 {
    if a == b {
        return 6;
    }
    let jw = strsim::jaro_winkler(a, b);
    if jw >= 0.92 {
        5
    } else if !ka.is_empty() && ka == kb {
        4
    } else if jw >= 0.88 {
        3
    } else if jw >= 0.70 {
        2
    } else {
        1
    }
}

fn birth_level(a: &Ready, b: &Ready) -> u8 {
    let (Some(x), Some(y)) = (a.birth, b.birth) else {
        return 0;
    };
    if let (Some(dx), Some(dy)) = (a.days, b.days) {
        if dx == dy {
            return 6;
        }
        if one_slip(&x.digits(), &y.digits()) {
            return 5;
        }
        let apart = (dx - dy).abs();
        return if apart <= 31 {
            4
        } else if apart <= 366 {
            3
        } else if x.year.abs_diff(y.year) <= 10 {
            2
        } else {
            1
        };
    }
    match x.year.abs_diff(y.year) {
        0 => 6,
        1 => 3,
        2..=10 => 2,
        _ => 1,
    }
}

/// Whether two dates written YYYYMMDD differ by one digit or two adjacent digits swapped.
fn one_slip(a: &[u8; 8], b: &[u8; 8]) -> bool {
    let mut diff = (0..8).filter(|&i| a[i] != b[i]);
    match (diff.next(), diff.next(), diff.next()) {
        (Some(_), None, _) => true,
        (Some(i), Some(j), None) => j == i + 1 && a[i] == b[j] && a[j] == b[i],
        _ => false,
    }
}

fn field_level(a: &str, b: &str) -> u8 {
    if a == b {
        return 4;
    }
    // More than two characters longer is more than two edits, without counting them.
    if a.chars().count().abs_diff(b.chars().count()) > 2 {
        return 1;
    }
    match strsim::osa_distance(a, b) {
        1 => 3,
        2 => 2,
        _ => 1,
    }
}

impl Birth {
    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil), for a full date.
    fn days(&self) -> Option<i32> {
        let (m, d) = (self.month? as i32, self.day? as i32);
        let y = self.year as i32 - i32::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146_097 + doe - 719_468)
    }

    fn digits(&self) -> [u8; 8] {
        let (y, m, d) = (self.year, self.month.unwrap_or(0), self.day.unwrap_or(0));
        let digit = |n: u16| b'0' + (n % 10) as u8;
        [
            digit(y / 1000),
            digit(y / 100),
            digit(y / 10),
            digit(y),
            digit(m as u16 / 10),
            digit(m as u16),
            digit(d as u16 / 10),
            digit(d as u16),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::name::{Name, PersonName};

    fn record(family: &str, given: &str, birth: Option<Birth>) -> Ready {
        let r = Record {
            id: "x".into(),
            name: PersonName {
                family: Name::new(None, Some(family)),
                given: Name::new(None, Some(given)),
            },
            birth,
            sex: None,
            station: None,
            area: None,
            fields: vec![Some("12 Main St".into())],
        };
        Ready::new(&r, LatinKey::General)
    }

    fn date(y: u16, m: u8, d: u8) -> Option<Birth> {
        Some(Birth {
            year: y,
            month: Some(m),
            day: Some(d),
        })
    }

    #[test]
    fn levels_of_names_dates_and_fields() {
        let a = record("Harrington", "Kayla", date(1915, 6, 12));
        let b = record("harington", "kayla", date(1915, 6, 21));
        let (g, swapped) = compare(&a, &b);
        assert!(!swapped);
        assert_eq!(level_of(g, FAMILY), 5);
        assert_eq!(level_of(g, GIVEN), 6);
        assert_eq!(level_of(g, BIRTH), 5, "day digits transposed");
        assert_eq!(level_of(g, SEX), 0);
        assert_eq!(level_of(g, FIXED), 4);
    }

    #[test]
    fn swapped_names_are_noticed() {
        let a = record("Sok", "Dara", None);
        let b = record("Dara", "Sok", None);
        let (g, swapped) = compare(&a, &b);
        assert!(swapped);
        assert_eq!((level_of(g, FAMILY), level_of(g, GIVEN)), (6, 6));
    }

    #[test]
    fn both_scripts_must_agree() {
        let key = LatinKey::RomanisedKhmer;
        let a = Prepared::new(&Name::new(Some("ឆន"), Some("Chan")), key);
        let b = Prepared::new(&Name::new(Some("ចាន់"), Some("Chan")), key);
        assert!(name_level(&a, &b) < 6);
        let c = Prepared::new(&Name::new(None, Some("Chan")), key);
        assert_eq!(name_level(&a, &c), 6, "only the shared script compares");
    }

    #[test]
    fn days_count_from_1970() {
        assert_eq!(date(1970, 1, 1).unwrap().days(), Some(0));
        assert_eq!(date(2000, 3, 1).unwrap().days(), Some(11_017));
        let a = record("a", "b", date(1960, 12, 31));
        let b = record("a", "b", date(1961, 1, 2));
        assert_eq!(level_of(compare(&a, &b).0, BIRTH), 4);
    }
}
