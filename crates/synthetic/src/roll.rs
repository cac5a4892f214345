//! A synthetic Cambodian voter roll, with its truth kept beside it.
//!
//! Names are Khmer name elements in Khmer script with their romanisation, from the lists in
//! ../shared/data/khmer/names (family names and given names from sovanken/kname, MIT, © 2025
//! Sovankên), compiled in by the build script: the lists are never copied into the repository.
//! A given name is one element or two written as one word (សុខា + ដារា, "Sokhadara"). Voters have
//! a sex, a birth year (younger voters more common) and a village; villages belong to communes,
//! districts and provinces (25 × 8 × 8 × 9, hierarchical codes `PP`, `PPDD`, `PPDDCC`,
//! `PPDDCCVV`), and each village votes at its own station (code = the village's).
//!
//! Planted in it, with the truth for each record ([`Voter::person`], [`Voter::variants`],
//! [`Voter::removed`]):
//! - duplicates: a share of the records (5% by default) are a second registration of an earlier
//!   record's person, each with one or two [`Variant`]s: a typo (in either script), a
//!   romanisation variant, the family and given names swapped, a birth-year slip, or a move to
//!   another village of the district;
//! - a deletion wave: in exactly [`Config::wave_communes`] communes, a share of the records
//!   (half by default) are removed at once.
//!
//! Record `i` is computed from the seed and `i` alone, so the roll streams ([`Roll::iter`]) and
//! can be generated in parallel ([`Roll::voter`]); the same seed gives the same roll.

use crate::Rng;
use ledger::event::{Sex, VoterNames};
use std::fmt;
use std::io::Write;
use std::sync::OnceLock;

const SURNAMES: &str = include_str!(concat!(env!("KHMER_NAMES"), "/kname_surnames.tsv"));
const GIVEN_NAMES: &str = include_str!(concat!(env!("KHMER_NAMES"), "/kname_given_names.tsv"));

pub const PROVINCES: u32 = 25;
pub const DISTRICTS_PER_PROVINCE: u32 = 8;
pub const COMMUNES_PER_DISTRICT: u32 = 8;
pub const VILLAGES_PER_COMMUNE: u32 = 9;
pub const COMMUNES: u32 = PROVINCES * DISTRICTS_PER_PROVINCE * COMMUNES_PER_DISTRICT;
pub const VILLAGES: u32 = COMMUNES * VILLAGES_PER_COMMUNE;

/// One name element: Khmer script and its romanisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element {
    pub khmer: &'static str,
    pub latin: &'static str,
    female: bool,
    male: bool,
}

/// The name elements the roll is built from.
#[derive(Debug)]
pub struct Lists {
    pub family: Vec<Element>,
    pub given: Vec<Element>,
}

/// The compiled-in name lists.
pub fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| Lists {
        family: parse(SURNAMES, false),
        given: parse(GIVEN_NAMES, true),
    })
}

/// A TSV of `khmer`, `romanised` and, for given names, `gender` (comma-separated), after `#`
/// comments and a header line.
fn parse(text: &'static str, gendered: bool) -> Vec<Element> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split('\t');
            let khmer = f.next()?.trim();
            let latin = f.next()?.trim();
            let gender = f.next().unwrap_or("unisex");
            let has = |g: &str| !gendered || gender.split(',').any(|x| x == g || x == "unisex");
            (!khmer.is_empty() && !latin.is_empty()).then_some(Element {
                khmer,
                latin,
                female: has("female"),
                male: has("male"),
            })
        })
        .collect()
}

/// A village, by its number in 0..[`VILLAGES`]; its commune, district and province follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Village(pub u32);

/// A commune, by its number in 0..[`COMMUNES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Commune(pub u32);

impl Village {
    pub fn commune(self) -> Commune {
        Commune(self.0 / VILLAGES_PER_COMMUNE)
    }
    /// `PPDDCCVV`.
    pub fn code(self) -> String {
        format!(
            "{}{:02}",
            self.commune().code(),
            self.0 % VILLAGES_PER_COMMUNE + 1
        )
    }
}

impl Commune {
    pub fn district(self) -> u32 {
        self.0 / COMMUNES_PER_DISTRICT
    }
    pub fn province(self) -> u32 {
        self.district() / DISTRICTS_PER_PROVINCE
    }
    /// `PPDDCC`: province, district and commune; `PPDD` is the district's code.
    pub fn code(self) -> String {
        format!(
            "{:02}{:02}{:02}",
            self.province() + 1,
            self.district() % DISTRICTS_PER_PROVINCE + 1,
            self.0 % COMMUNES_PER_DISTRICT + 1
        )
    }
}

/// How a duplicate differs from the record it duplicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Typo,
    Transliteration,
    SwappedOrder,
    BirthYearSlip,
    MovedVillage,
}

impl Variant {
    pub const ALL: [Variant; 5] = [
        Variant::Typo,
        Variant::Transliteration,
        Variant::SwappedOrder,
        Variant::BirthYearSlip,
        Variant::MovedVillage,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::Typo => "typo",
            Variant::Transliteration => "transliteration",
            Variant::SwappedOrder => "swapped-order",
            Variant::BirthYearSlip => "birth-year-slip",
            Variant::MovedVillage => "moved-village",
        }
    }

    fn bit(self) -> u8 {
        1 << Variant::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }
}

/// A set of variants; empty for an original record. Shown as `typo+moved-village`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Variants(u8);

impl Variants {
    pub fn contains(self, v: Variant) -> bool {
        self.0 & v.bit() != 0
    }
    pub fn insert(&mut self, v: Variant) {
        self.0 |= v.bit();
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Variant> {
        Variant::ALL.into_iter().filter(move |v| self.contains(*v))
    }
}

impl fmt::Display for Variants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Variant::name).collect();
        f.write_str(&names.join("+"))
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Config {
    pub seed: u64,
    /// Records, duplicates included.
    pub voters: u64,
    /// The share of records that are duplicates of an earlier record's person.
    pub duplicate_share: f64,
    /// How many communes the deletion wave strikes.
    pub wave_communes: u32,
    /// The share of those communes' records the wave removes.
    pub wave_share: f64,
    /// The election year: voters are 18 or older in it.
    pub year: u16,
}

impl Config {
    pub fn new(seed: u64, voters: u64) -> Config {
        Config {
            seed,
            voters,
            duplicate_share: 0.05,
            wave_communes: 3,
            wave_share: 0.5,
            year: 2026,
        }
    }
}

/// One record of the roll, with its truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    /// The record's place in the roll.
    pub index: u64,
    /// The voter's id on the roll.
    pub voter: String,
    pub family: String,
    pub given: String,
    pub family_latin: String,
    pub given_latin: String,
    pub sex: Sex,
    pub birth_year: u16,
    /// Month and day of birth: a commission's file has the full date (kept private, in the
    /// registration's commitment); the public roll has only the year.
    pub birth_month_day: (u8, u8),
    pub village: Village,
    /// Truth: the index of the person's first record (its own index for an original).
    pub person: u64,
    /// Truth: how this record differs from the person's first record (empty for an original).
    pub variants: Variants,
    /// Truth: removed by the deletion wave.
    pub removed: bool,
}

impl Voter {
    pub fn is_duplicate(&self) -> bool {
        self.person != self.index
    }
    /// Each village votes at its own station, named by the village's code.
    pub fn station(&self) -> String {
        self.village.code()
    }
    /// The name as a Cambodian roll prints it: family name first, in Khmer script.
    pub fn printed_name(&self) -> String {
        format!("{} {}", self.family, self.given)
    }
    pub fn names(&self) -> VoterNames {
        VoterNames {
            family: self.family.clone(),
            family_latin: Some(self.family_latin.clone()),
            given: self.given.clone(),
            given_latin: Some(self.given_latin.clone()),
        }
    }
}

/// A roll: any record on demand, or all of them in order.
#[derive(Debug, Clone)]
pub struct Roll {
    config: Config,
    wave: Vec<Commune>,
}

/// SplitMix64's finaliser: independent streams for each (seed, record, purpose).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn stream(seed: u64, index: u64, purpose: u64) -> Rng {
    Rng::new(mix(seed ^ mix(index.wrapping_add(purpose << 56))))
}

impl Roll {
    pub fn new(config: Config) -> Roll {
        let mut rng = stream(config.seed, u64::MAX, 3);
        let mut wave: Vec<Commune> = Vec::new();
        let wanted = config.wave_communes.min(COMMUNES) as usize;
        while wave.len() < wanted {
            let c = Commune(rng.below(u64::from(COMMUNES)) as u32);
            if !wave.contains(&c) {
                wave.push(c);
            }
        }
        wave.sort();
        Roll { config, wave }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The communes the deletion wave strikes.
    pub fn wave_communes(&self) -> &[Commune] {
        &self.wave
    }

    pub fn iter(&self) -> impl Iterator<Item = Voter> + '_ {
        (0..self.config.voters).map(|i| self.voter(i))
    }

    /// The record an earlier record duplicates, if `index` is a duplicate (not yet followed to
    /// the original).
    fn duplicates(&self, index: u64) -> Option<u64> {
        let mut rng = stream(self.config.seed, index, 2);
        (index > 0 && rng.unit() < self.config.duplicate_share).then(|| rng.below(index))
    }

    /// Record `index`.
    pub fn voter(&self, index: u64) -> Voter {
        let mut person = index;
        while let Some(earlier) = self.duplicates(person) {
            person = earlier;
        }
        let mut v = self.original(person);
        v.index = index;
        v.voter = format!("KH{index:010}");
        if person != index {
            let mut rng = stream(self.config.seed, index, 4);
            let n = if rng.unit() < 0.3 { 2 } else { 1 };
            while v.variants.iter().count() < n {
                let kind = Variant::ALL[rng.below(Variant::ALL.len() as u64) as usize];
                if !v.variants.contains(kind) {
                    vary(&mut v, kind, &mut rng);
                    v.variants.insert(kind);
                }
            }
        }
        let mut rng = stream(self.config.seed, index, 5);
        v.removed = self.wave.contains(&v.village.commune()) && rng.unit() < self.config.wave_share;
        v
    }

    /// The first record of person `index`, as registered.
    fn original(&self, index: u64) -> Voter {
        let mut rng = stream(self.config.seed, index, 1);
        let sex = if rng.unit() < 0.52 { Sex::F } else { Sex::M };
        let (family, given) = person_name(&mut rng, sex);
        // Ages 18 to 87, the young more numerous.
        let age = 18 + (rng.unit().powf(1.6) * 70.0) as u16;
        Voter {
            index,
            voter: String::new(),
            family: family.khmer.to_owned(),
            family_latin: family.latin.to_owned(),
            given: given.0,
            given_latin: given.1,
            sex,
            birth_year: self.config.year - age,
            birth_month_day: {
                // A stream of its own, so the other fields are as before dates were added.
                let mut rng = stream(self.config.seed, index, 6);
                (1 + rng.below(12) as u8, 1 + rng.below(28) as u8)
            },
            village: Village(rng.below(u64::from(VILLAGES)) as u32),
            person: index,
            variants: Variants::default(),
            removed: false,
        }
    }
}

/// A family name element, and a given name (Khmer, romanised) fitting the sex: one element, or
/// two written as one word.
pub fn person_name(rng: &mut Rng, sex: Sex) -> (Element, (String, String)) {
    let l = lists();
    let family = l.family[rng.below(l.family.len() as u64) as usize];
    let pick = |rng: &mut Rng| loop {
        let e = l.given[rng.below(l.given.len() as u64) as usize];
        if match sex {
            Sex::F => e.female,
            Sex::M => e.male,
            Sex::X => true,
        } {
            return e;
        }
    };
    let first = pick(rng);
    let given = if rng.unit() < 0.35 {
        let second = pick(rng);
        (
            format!("{}{}", first.khmer, second.khmer),
            format!("{}{}", first.latin, second.latin.to_lowercase()),
        )
    } else {
        (first.khmer.to_owned(), first.latin.to_owned())
    };
    (family, given)
}

/// Makes `v` differ from itself in the way `kind` says (the truth is the caller's to record).
pub fn vary(v: &mut Voter, kind: Variant, rng: &mut Rng) {
    match kind {
        Variant::Typo => {
            let family = rng.unit() < 0.5;
            if rng.unit() < 0.6 {
                let s = if family {
                    &mut v.family_latin
                } else {
                    &mut v.given_latin
                };
                *s = latin_typo(s, rng);
            } else {
                let s = if family { &mut v.family } else { &mut v.given };
                *s = khmer_typo(s, rng);
            }
        }
        Variant::Transliteration => {
            if rng.unit() < 0.5 {
                v.family_latin = romanisation_variant(&v.family_latin, rng);
            } else {
                v.given_latin = romanisation_variant(&v.given_latin, rng);
            }
        }
        Variant::SwappedOrder => {
            std::mem::swap(&mut v.family, &mut v.given);
            std::mem::swap(&mut v.family_latin, &mut v.given_latin);
        }
        Variant::BirthYearSlip => {
            let by = 1 + (rng.unit() < 0.3) as u16;
            if rng.unit() < 0.5 {
                v.birth_year -= by;
            } else {
                v.birth_year += by;
            }
        }
        Variant::MovedVillage => {
            let per_district = COMMUNES_PER_DISTRICT * VILLAGES_PER_COMMUNE;
            let first = v.village.0 / per_district * per_district;
            let other = (v.village.0 - first + 1 + rng.below(u64::from(per_district - 1)) as u32)
                % per_district;
            v.village = Village(first + other);
        }
    }
}

/// One keyboard slip in a romanised name: a letter replaced, dropped, doubled in or two
/// neighbours swapped. Always differs from the input.
pub fn latin_typo(s: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = s.to_lowercase().chars().collect();
    if c.is_empty() {
        return s.to_owned();
    }
    let letter = |rng: &mut Rng| (b'a' + rng.below(26) as u8) as char;
    let before = c.clone();
    for _ in 0..16 {
        let i = rng.below(c.len() as u64) as usize;
        match rng.below(4) {
            0 => c[i] = letter(rng),
            1 if c.len() > 2 => {
                c.remove(i);
            }
            2 => c.insert(i, letter(rng)),
            _ if i + 1 < c.len() => c.swap(i, i + 1),
            _ => {}
        }
        if c != before {
            break;
        }
    }
    capitalise(&c.into_iter().collect::<String>())
}

/// One slip in a name typed in Khmer script: the other shifter (៉ for ៊), a vowel or sign
/// dropped, or a consonant replaced. Always differs from the input.
pub fn khmer_typo(s: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let before = c.clone();
    for _ in 0..16 {
        let i = rng.below(c.len().max(1) as u64) as usize;
        match (rng.below(3), c.get(i).copied()) {
            (0, Some('\u{17C9}')) => c[i] = '\u{17CA}',
            (0, Some('\u{17CA}')) => c[i] = '\u{17C9}',
            (1, Some(m)) if ('\u{17B6}'..='\u{17D1}').contains(&m) && c.len() > 1 => {
                c.remove(i);
            }
            (2, Some(k)) if ('\u{1780}'..='\u{17A2}').contains(&k) => {
                c[i] = char::from_u32(0x1780 + rng.below(0x23) as u32).unwrap_or(k);
            }
            _ => {}
        }
        if c != before {
            break;
        }
    }
    c.into_iter().collect()
}

/// The spellings of one romanised name that differ by system or habit (see
/// ../shared/data/khmer/names/romanisation_variants_sourced.tsv): ch/chh, o/or before ng, b/p,
/// v/w, i/y/ei, ea/ia, ou/u, a final n doubled or an h after a final vowel.
pub fn romanisation_variant(s: &str, rng: &mut Rng) -> String {
    const SWAPS: [(&str, &str); 16] = [
        ("chh", "ch"),
        ("ch", "chh"),
        ("orng", "ong"),
        ("ong", "orng"),
        ("ea", "ia"),
        ("ia", "ea"),
        ("ou", "u"),
        ("u", "ou"),
        ("ei", "i"),
        ("ey", "ei"),
        ("kh", "k"),
        ("ph", "p"),
        ("th", "t"),
        ("v", "w"),
        ("nn", "n"),
        ("y", "i"),
    ];
    let lower = s.to_lowercase();
    let mut options: Vec<String> = SWAPS
        .iter()
        .filter(|(from, _)| lower.contains(from))
        .filter(|(from, _)| !(*from == "ch" && lower.contains("chh")))
        .map(|(from, to)| lower.replacen(from, to, 1))
        .collect();
    if let Some(rest) = lower.strip_prefix('b') {
        options.push(format!("p{rest}"));
    }
    if lower.ends_with('n') && !lower.ends_with("nn") {
        options.push(format!("{lower}n"));
    }
    if lower.ends_with(['a', 'e', 'o']) {
        options.push(format!("{lower}h"));
    }
    options.retain(|o| *o != lower);
    match options.len() {
        0 => capitalise(&format!("{lower}h")),
        n => capitalise(&options[rng.below(n as u64) as usize]),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Writes the roll as CSV (what an observer would be given: `voter, family, given,
/// family_latin, given_latin, sex, birth_year, commune, village, station`; read by
/// mappings/synthetic-khmer-roll.toml) and its truth as another (`voter, person, variants,
/// removed_in_wave`, where `person` is the voter id of the person's first record).
pub fn write_csv(roll: &Roll, out: impl Write, truth: impl Write) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(out);
    let mut truth = csv::Writer::from_writer(truth);
    out.write_record([
        "voter",
        "family",
        "given",
        "family_latin",
        "given_latin",
        "sex",
        "birth_year",
        "date_of_birth",
        "district",
        "commune",
        "village",
        "station",
    ])?;
    truth.write_record(["voter", "person", "variants", "removed_in_wave"])?;
    for v in roll.iter() {
        let sex = match v.sex {
            Sex::F => "F",
            Sex::M => "M",
            Sex::X => "X",
        };
        out.write_record([
            v.voter.as_str(),
            &v.family,
            &v.given,
            &v.family_latin,
            &v.given_latin,
            sex,
            &v.birth_year.to_string(),
            &format!(
                "{}-{:02}-{:02}",
                v.birth_year, v.birth_month_day.0, v.birth_month_day.1
            ),
            &v.village.commune().code()[..4],
            &v.village.commune().code(),
            &v.village.code(),
            &v.station(),
        ])?;
        truth.write_record([
            v.voter.as_str(),
            &format!("KH{:010}", v.person),
            &v.variants.to_string(),
            if v.removed { "1" } else { "0" },
        ])?;
    }
    out.flush()?;
    truth.flush()?;
    Ok(())
}
