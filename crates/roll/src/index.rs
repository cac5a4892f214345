//! "Find my name": a fuzzy index over a roll's names, in either script and either name order,
//! forgiving up to two typos.
//!
//! Each voter is indexed under four keys: the family and given names in Khmer script
//! ([`khmer::matching_key`] of each, run together) and romanised ([`latin::normalise`] of each,
//! spaces dropped), each in both orders. The keys go into an [`fst`] map (a finite state
//! transducer, searched with a Levenshtein automaton from `levenshtein_automata`, with
//! transpositions counted as one edit); each key leads to a list of postings that carry what the
//! filters need (area and birth year), so only the voters shown are read from the payload.
//!
//! # File format (version 1)
//!
//! Little-endian throughout.
//!
//! | bytes | what |
//! |---|---|
//! | 22 | magic `scrutineer-roll-index\n` |
//! | 4 | version (1) |
//! | 8 × 6 | voters `V`, then the byte lengths of: the fst, the postings, the string offsets, the strings, the areas |
//! | … | the fst: key → offset (in 8-byte words) of its posting list |
//! | … | postings: per key, a count `n` (u64) then `n` postings (u64): area rank (bits 40–63), birth-year code (32–39: year − 1849 for 1850–2104, else 0), voter number × 2 + 1 when the key has the names swapped (0–31); each list sorted |
//! | 32 × V | voters: string numbers (u32) of the voter id, station, area, family, given, family romanised, given romanised; birth year (u16), sex (u8: `F`, `M`, `X`), 0 |
//! | … | string offsets: u32 per string plus one, into the strings |
//! | … | strings: UTF-8, run together |
//! | … | areas: u32 string numbers of the area codes, in code order (a posting's area rank is its place here) |
//!
//! Opening checks the magic, the version, that the lengths add up to the file's, and the fst's
//! checksum; every later read is bounds-checked, so a damaged file gives an error, never a panic.

use crate::name::{khmer, latin};
use fst::{Automaton, IntoStreamer, Map, MapBuilder, Streamer};
use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const MAGIC: &[u8; 22] = b"scrutineer-roll-index\n";
pub const VERSION: u32 = 1;
const HEADER: usize = 22 + 4 + 8 * 6;
const VOTER: usize = 32;
/// The most edits a query forgives.
pub const MAX_EDITS: u8 = 2;
/// The longest query, in characters.
pub const MAX_QUERY: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {what}")]
    Format { path: PathBuf, what: String },
    #[error("voter {voter}: {what}")]
    Voter { voter: String, what: String },
    #[error(transparent)]
    Query(#[from] QueryError),
}

/// A query that cannot be searched; `at` is the character's place (from 1) where that helps.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("query: empty")]
    Empty,
    #[error("query: longer than {MAX_QUERY} characters")]
    TooLong,
    #[error("query: character {at} (U+{code:04X}) is a control character")]
    Control { at: usize, code: u32 },
    #[error("query: mixes Khmer script and Latin letters (character {at})")]
    MixedScripts { at: usize },
    #[error("query: no letters to search for")]
    NoLetters,
    #[error("query: area is empty")]
    EmptyArea,
}

/// One voter as the index takes it in.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    pub voter: &'a str,
    pub station: &'a str,
    pub area: &'a str,
    pub family: &'a str,
    pub given: &'a str,
    pub family_latin: &'a str,
    pub given_latin: &'a str,
    pub birth_year: u16,
    pub sex: char,
}

/// The key of a family and a given name in one script; empty when neither has a letter.
fn khmer_key(family: &str, given: &str) -> String {
    khmer::matching_key(&format!("{family}{given}"))
}

fn latin_key(family: &str, given: &str) -> String {
    latin::normalise(&format!("{family} {given}")).replace(' ', "")
}

fn year_code(year: u16) -> u64 {
    if (1850..=2104).contains(&year) {
        u64::from(year - 1849)
    } else {
        0
    }
}

/// Builds an index from voters given one at a time; memory grows with the distinct keys and
/// eight bytes per key per voter, not with the roll's text.
#[derive(Default)]
pub struct Builder {
    postings: HashMap<Box<[u8]>, Vec<u64>>,
    voters: Vec<u8>,
    count: u64,
    strings: Vec<u8>,
    offsets: Vec<u32>,
    interned: HashMap<Box<str>, u32>,
    /// Area string number → area number in order of first appearance.
    areas: HashMap<u32, u32>,
    area_strings: Vec<u32>,
    /// The keys of names seen before: a roll repeats a few thousand names, and normalising is
    /// most of the cost of a build.
    keys: HashMap<String, [String; 4]>,
}

/// How many distinct names' keys the builder remembers.
const KEY_CACHE: usize = 1 << 20;

/// What a build made.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub voters: u64,
    pub keys: u64,
    pub bytes: u64,
}

impl Builder {
    pub fn new() -> Builder {
        Builder {
            offsets: vec![0],
            ..Builder::default()
        }
    }

    fn push_string(&mut self, s: &str) -> Result<u32, String> {
        let n = u32::try_from(self.offsets.len() - 1).map_err(|_| "too many strings")?;
        self.strings.extend_from_slice(s.as_bytes());
        let end = u32::try_from(self.strings.len()).map_err(|_| "strings over 4 GiB")?;
        self.offsets.push(end);
        Ok(n)
    }

    fn intern(&mut self, s: &str) -> Result<u32, String> {
        if let Some(&n) = self.interned.get(s) {
            return Ok(n);
        }
        let n = self.push_string(s)?;
        self.interned.insert(s.into(), n);
        Ok(n)
    }

    pub fn add(&mut self, e: &Entry) -> Result<(), Error> {
        let refuse = |what: String| Error::Voter {
            voter: e.voter.to_owned(),
            what,
        };
        if self.count >= 1 << 31 {
            return Err(refuse("more than 2^31 voters".into()));
        }
        let number = self.count as u32;
        let voter = self.push_string(e.voter).map_err(refuse)?;
        let mut fields = [0u32; 7];
        for (slot, s) in fields.iter_mut().zip([
            e.station,
            e.area,
            e.family,
            e.given,
            e.family_latin,
            e.given_latin,
        ]) {
            *slot = self.intern(s).map_err(refuse)?;
        }
        let area_string = fields[1];
        let next = self.area_strings.len() as u32;
        let area = *self.areas.entry(area_string).or_insert(next);
        if area == next {
            self.area_strings.push(area_string);
        }
        if area >= 1 << 24 {
            return Err(refuse("more than 2^24 areas".into()));
        }
        self.voters.extend_from_slice(&voter.to_le_bytes());
        for f in &fields[..6] {
            self.voters.extend_from_slice(&f.to_le_bytes());
        }
        self.voters.extend_from_slice(&e.birth_year.to_le_bytes());
        self.voters
            .push(if e.sex.is_ascii() { e.sex as u8 } else { b'X' });
        self.voters.push(0);
        let posting = (u64::from(area) << 40) | (year_code(e.birth_year) << 32);
        let names = format!(
            "{}\0{}\0{}\0{}",
            e.family, e.given, e.family_latin, e.given_latin
        );
        let keys = match self.keys.get(&names) {
            Some(k) => k.clone(),
            None => {
                let mut k = [
                    khmer_key(e.family, e.given),
                    khmer_key(e.given, e.family),
                    latin_key(e.family_latin, e.given_latin),
                    latin_key(e.given_latin, e.family_latin),
                ];
                // A one-name voter has the same key both ways round: one posting, in the
                // written order.
                if k[1] == k[0] {
                    k[1].clear();
                }
                if k[3] == k[2] {
                    k[3].clear();
                }
                if self.keys.len() >= KEY_CACHE {
                    self.keys.clear();
                }
                self.keys.insert(names, k.clone());
                k
            }
        };
        let keys = keys.into_iter().zip([0, 1, 0, 1]);
        for (key, swapped) in keys {
            if key.is_empty() {
                continue;
            }
            let p = posting | (u64::from(number) << 1) | swapped;
            match self.postings.get_mut(key.as_bytes()) {
                Some(list) => list.push(p),
                None => {
                    self.postings.insert(key.into_bytes().into(), vec![p]);
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Writes the index; `path` only names it in errors.
    pub fn finish(self, path: &Path, mut out: impl Write) -> Result<Summary, Error> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        // Areas in code order: a posting's area becomes its rank, so an area and everything
        // under it (codes that start with its code) are one run of each sorted list.
        let text = |n: u32| {
            let (a, b) = (self.offsets[n as usize], self.offsets[n as usize + 1]);
            &self.strings[a as usize..b as usize]
        };
        let mut order: Vec<u32> = (0..self.area_strings.len() as u32).collect();
        order.sort_by(|&a, &b| {
            text(self.area_strings[a as usize]).cmp(text(self.area_strings[b as usize]))
        });
        let mut rank = vec![0u64; order.len()];
        for (r, &a) in order.iter().enumerate() {
            rank[a as usize] = r as u64;
        }
        let mut keys: Vec<(Box<[u8]>, Vec<u64>)> = self.postings.into_iter().collect();
        keys.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let mut postings: Vec<u8> = Vec::new();
        let mut map = MapBuilder::memory();
        for (key, mut list) in keys.iter_mut().map(|(k, l)| (k, std::mem::take(l))) {
            for p in list.iter_mut() {
                *p = (rank[(*p >> 40) as usize] << 40) | (*p & ((1 << 40) - 1));
            }
            list.sort_unstable();
            let at = (postings.len() / 8) as u64;
            map.insert(key, at).map_err(|e| Error::Format {
                path: path.to_owned(),
                what: format!("building the fst: {e}"),
            })?;
            postings.extend_from_slice(&(list.len() as u64).to_le_bytes());
            for p in list {
                postings.extend_from_slice(&p.to_le_bytes());
            }
        }
        let fst = map.into_inner().map_err(|e| Error::Format {
            path: path.to_owned(),
            what: format!("building the fst: {e}"),
        })?;
        let offsets: Vec<u8> = self.offsets.iter().flat_map(|o| o.to_le_bytes()).collect();
        let areas: Vec<u8> = order
            .iter()
            .flat_map(|&a| self.area_strings[a as usize].to_le_bytes())
            .collect();
        out.write_all(MAGIC).map_err(io)?;
        out.write_all(&VERSION.to_le_bytes()).map_err(io)?;
        for n in [
            self.count,
            fst.len() as u64,
            postings.len() as u64,
            offsets.len() as u64,
            self.strings.len() as u64,
            areas.len() as u64,
        ] {
            out.write_all(&n.to_le_bytes()).map_err(io)?;
        }
        for section in [
            &fst,
            &postings,
            &self.voters,
            &offsets,
            &self.strings,
            &areas,
        ] {
            out.write_all(section).map_err(io)?;
        }
        out.flush().map_err(io)?;
        let bytes = (HEADER
            + fst.len()
            + postings.len()
            + self.voters.len()
            + offsets.len()
            + self.strings.len()
            + areas.len()) as u64;
        Ok(Summary {
            voters: self.count,
            keys: keys.len() as u64,
            bytes,
        })
    }
}

/// A parsed query: the name's key in its script, and the filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub key: String,
    pub khmer: bool,
    pub birth_year: Option<u16>,
    pub area: Option<String>,
}

impl Query {
    /// A name as someone types it: family and given names in either order, in Khmer script or
    /// in Latin letters (not both), with or without spaces.
    pub fn parse(
        text: &str,
        birth_year: Option<u16>,
        area: Option<&str>,
    ) -> Result<Query, QueryError> {
        if text.chars().count() > MAX_QUERY {
            return Err(QueryError::TooLong);
        }
        if text.trim().is_empty() {
            return Err(QueryError::Empty);
        }
        let (mut khmer_at, mut latin_at) = (None, None);
        for (i, c) in text.chars().enumerate() {
            if c.is_control() {
                return Err(QueryError::Control {
                    at: i + 1,
                    code: c as u32,
                });
            }
            if khmer::has_khmer(c.encode_utf8(&mut [0; 4])) {
                khmer_at.get_or_insert(i + 1);
            } else if c.is_alphabetic() {
                latin_at.get_or_insert(i + 1);
            }
        }
        if let (Some(k), Some(l)) = (khmer_at, latin_at) {
            return Err(QueryError::MixedScripts { at: k.max(l) });
        }
        let is_khmer = khmer_at.is_some();
        let key = if is_khmer {
            khmer::matching_key(text)
        } else {
            latin::normalise(text).replace(' ', "")
        };
        if !key.chars().any(char::is_alphabetic) {
            return Err(QueryError::NoLetters);
        }
        let area = match area.map(str::trim) {
            Some("") => return Err(QueryError::EmptyArea),
            a => a.map(str::to_owned),
        };
        Ok(Query {
            key,
            khmer: is_khmer,
            birth_year,
            area,
        })
    }
}

/// A voter found, with how well it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    pub voter: String,
    pub family: String,
    pub given: String,
    pub family_latin: String,
    pub given_latin: String,
    pub birth_year: u16,
    pub sex: String,
    pub station: String,
    pub area: String,
    /// Edits between the query and the name (0 to 2).
    pub edits: u8,
    /// The query had the names the other way round.
    pub swapped: bool,
}

/// An index opened for searching.
pub struct Index {
    path: PathBuf,
    map: Map<Vec<u8>>,
    bytes: Vec<u8>,
    voters: u64,
    postings: std::ops::Range<usize>,
    records: std::ops::Range<usize>,
    offsets: std::ops::Range<usize>,
    strings: std::ops::Range<usize>,
    areas: std::ops::Range<usize>,
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The Levenshtein automaton as an fst automaton.
struct Lev<'a>(&'a DFA);

impl Automaton for Lev<'_> {
    type State = u32;
    fn start(&self) -> u32 {
        self.0.initial_state()
    }
    fn is_match(&self, s: &u32) -> bool {
        matches!(self.0.distance(*s), Distance::Exact(_))
    }
    fn can_match(&self, s: &u32) -> bool {
        *s != SINK_STATE
    }
    fn accept(&self, s: &u32, byte: u8) -> u32 {
        self.0.transition(*s, byte)
    }
}

fn automata() -> &'static LevenshteinAutomatonBuilder {
    static BUILDER: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    BUILDER.get_or_init(|| LevenshteinAutomatonBuilder::new(MAX_EDITS, true))
}

impl Index {
    pub fn open(path: &Path) -> Result<Index, Error> {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_owned(),
            source,
        })?;
        Index::from_bytes(path, bytes)
    }

    /// An index from its bytes; `path` only names it in errors.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<Index, Error> {
        let bad = |what: &str| Error::Format {
            path: path.to_owned(),
            what: what.to_owned(),
        };
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(bad("not a scrutineer roll index (no magic at the start)"));
        }
        let version = u32_at(&bytes, 22).ok_or_else(|| bad("cut short in the header"))?;
        if version != VERSION {
            return Err(bad(&format!(
                "roll index version {version}; this build reads version {VERSION}"
            )));
        }
        let mut n = [0u64; 6];
        for (i, slot) in n.iter_mut().enumerate() {
            *slot = u64_at(&bytes, 26 + 8 * i).ok_or_else(|| bad("cut short in the header"))?;
        }
        let voters = n[0];
        let mut lengths = [n[1], n[2], 0, n[3], n[4], n[5]];
        lengths[2] = voters
            .checked_mul(VOTER as u64)
            .ok_or_else(|| bad("voter count out of range"))?;
        let mut at = HEADER;
        let mut ranges = Vec::new();
        for len in lengths {
            let end = usize::try_from(len)
                .ok()
                .and_then(|l| at.checked_add(l))
                .filter(|&e| e <= bytes.len())
                .ok_or_else(|| bad("cut short: its sections are longer than the file"))?;
            ranges.push(at..end);
            at = end;
        }
        if at != bytes.len() {
            return Err(bad("trailing bytes after the last section"));
        }
        if ranges[1].len() % 8 != 0 || ranges[3].len() % 4 != 0 || ranges[5].len() % 4 != 0 {
            return Err(bad("a section's length is not a whole number of entries"));
        }
        let fst_bytes = bytes[ranges[0].clone()].to_vec();
        let map = Map::new(fst_bytes).map_err(|e| bad(&format!("the name map: {e}")))?;
        map.as_fst()
            .verify()
            .map_err(|e| bad(&format!("the name map: {e}")))?;
        Ok(Index {
            path: path.to_owned(),
            map,
            voters,
            postings: ranges[1].clone(),
            records: ranges[2].clone(),
            offsets: ranges[3].clone(),
            strings: ranges[4].clone(),
            areas: ranges[5].clone(),
            bytes,
        })
    }

    pub fn voters(&self) -> u64 {
        self.voters
    }

    fn corrupt(&self, what: &str) -> Error {
        Error::Format {
            path: self.path.clone(),
            what: format!("corrupt: {what}"),
        }
    }

    fn string(&self, n: u32) -> Result<&str, Error> {
        let off = &self.bytes[self.offsets.clone()];
        let (a, b) = (
            u32_at(off, 4 * n as usize).ok_or_else(|| self.corrupt("string number"))?,
            u32_at(off, 4 * n as usize + 4).ok_or_else(|| self.corrupt("string number"))?,
        );
        let s = self.bytes[self.strings.clone()]
            .get(a as usize..b as usize)
            .ok_or_else(|| self.corrupt("string offsets"))?;
        std::str::from_utf8(s).map_err(|_| self.corrupt("a string is not UTF-8"))
    }

    /// The ranks of the areas whose code starts with `prefix`.
    fn area_ranks(&self, prefix: &str) -> Result<std::ops::Range<u64>, Error> {
        let count = self.areas.len() / 4;
        let code = |i: usize| -> Result<&str, Error> {
            let n = u32_at(&self.bytes[self.areas.clone()], 4 * i)
                .ok_or_else(|| self.corrupt("areas"))?;
            self.string(n)
        };
        let (mut lo, mut hi) = (0, count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if code(mid)? < prefix {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let start = lo;
        // Codes that start with the prefix follow one another from there.
        let mut hi = count;
        while lo < hi {
            let mid = (lo + hi) / 2;
            if code(mid)?.starts_with(prefix) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let end = lo;
        Ok(start as u64..end as u64)
    }

    fn voter(&self, number: u64) -> Result<(Found, u16), Error> {
        let at = usize::try_from(number)
            .ok()
            .filter(|&n| (n as u64) < self.voters)
            .ok_or_else(|| self.corrupt("a posting names no voter"))?
            * VOTER;
        let r = &self.bytes[self.records.clone()][at..at + VOTER];
        let field = |i: usize| u32_at(r, 4 * i).unwrap_or(0);
        let year = u16::from_le_bytes([r[28], r[29]]);
        Ok((
            Found {
                voter: self.string(field(0))?.to_owned(),
                station: self.string(field(1))?.to_owned(),
                area: self.string(field(2))?.to_owned(),
                family: self.string(field(3))?.to_owned(),
                given: self.string(field(4))?.to_owned(),
                family_latin: self.string(field(5))?.to_owned(),
                given_latin: self.string(field(6))?.to_owned(),
                birth_year: year,
                sex: char::from(r[30]).to_string(),
                edits: 0,
                swapped: false,
            },
            year,
        ))
    }

    /// The best `limit` voters for the query: fewest edits first, then the names in the order
    /// given before swapped, then the nearest birth year (the filter lets a slip of two years
    /// through), then roll order. A voter is listed once, under its best key.
    pub fn find(&self, q: &Query, limit: usize) -> Result<Vec<Found>, Error> {
        let dfa = automata().build_dfa(&q.key);
        let ranks = match &q.area {
            Some(a) => Some(self.area_ranks(a)?),
            None => None,
        };
        let mut keys: Vec<(u8, u64)> = Vec::new();
        let mut stream = self.map.search(Lev(&dfa)).into_stream();
        while let Some((key, at)) = stream.next() {
            if let Distance::Exact(edits) = dfa.eval(key) {
                keys.push((edits, at));
            }
        }
        keys.sort_unstable();
        // (edits, swapped, year distance, voter number)
        let mut hits: Vec<(u8, u8, u16, u64)> = Vec::new();
        let postings = &self.bytes[self.postings.clone()];
        for (k, &(edits, at)) in keys.iter().enumerate() {
            // Fewer edits always rank first: once enough voters are found, keys with more
            // edits cannot enter the list.
            if k > 0 && keys[k - 1].0 < edits && hits.len() >= limit {
                let distinct: std::collections::HashSet<u64> = hits.iter().map(|h| h.3).collect();
                if distinct.len() >= limit {
                    break;
                }
            }
            let start = usize::try_from(at)
                .ok()
                .and_then(|a| a.checked_mul(8))
                .ok_or_else(|| self.corrupt("a posting list's place"))?;
            let n = u64_at(postings, start).ok_or_else(|| self.corrupt("a posting list"))?;
            let n = usize::try_from(n)
                .ok()
                .filter(|&n| n < (postings.len() - start) / 8)
                .ok_or_else(|| self.corrupt("a posting list's length"))?;
            let list = &postings[start + 8..start + 8 + 8 * n];
            let get = |i: usize| u64_at(list, 8 * i).unwrap_or(0);
            let (mut lo, mut hi) = (0, n);
            if let Some(r) = &ranks {
                lo = partition(n, |i| get(i) >> 40 < r.start);
                hi = partition(n, |i| get(i) >> 40 < r.end);
            }
            for i in lo..hi.max(lo) {
                let p = get(i);
                let year = (p >> 32) & 0xFF;
                let distance = match q.birth_year {
                    Some(y) => {
                        let want = year_code(y);
                        if want == 0 || year == 0 || want.abs_diff(year) > 2 {
                            continue;
                        }
                        want.abs_diff(year) as u16
                    }
                    None => 0,
                };
                let number = (p & 0xFFFF_FFFF) >> 1;
                hits.push((edits, (p & 1) as u8, distance, number));
            }
        }
        hits.sort_unstable();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (edits, swapped, _, number) in hits {
            if out.len() >= limit {
                break;
            }
            if !seen.insert(number) {
                continue;
            }
            let (mut found, _) = self.voter(number)?;
            found.edits = edits;
            found.swapped = swapped == 1;
            out.push(found);
        }
        Ok(out)
    }
}

/// The first `i` in 0..n where `before(i)` is false, `before` being true then false.
fn partition(n: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}
