//! Ron Rivest's consistent_sampler (PyPI `consistent-sampler` 1.0.10), bit for bit.
//!
//! Every id gets a pseudorandom "ticket number" in (0, 1), written as a decimal string, that
//! depends only on the seed and the id; the sample is the ids in ascending ticket order. With
//! replacement, a drawn id goes back with a new, larger ticket. Because tickets are strings and
//! the rules below are exact, an observer running the Python tool on the same ids and seed gets
//! the same tickets, ids and generations in the same order.
//!
//! - `uniform(s)` = `"0."` + the decimal digits of SHA-256(s) read as a big-endian integer,
//!   zero-padded to at least 64 digits, in reverse order;
//! - first ticket of `id` = `uniform(hex(SHA-256(seed)) + id)`;
//! - next ticket of `x`: let `x0 = x + "0"` and `k` the first position ≥ 2 holding a digit below
//!   9; for i = 1, 2, …: `y = x0[..k] + uniform(x + ":" + i)[2..]`; the first `y > x0` wins;
//! - draw order: ascending (ticket string, id, generation);
//! - output trims a ticket to its leading 9s plus `digits` more digits (truncation).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};

use serde::Serialize;
use sha2::digest::generic_array::{GenericArray, typenum::U64};
use sha2::{Digest, Sha256};

use crate::StatsError;

/// The digits the Python tool shows by default.
pub const DEFAULT_DIGITS: usize = 9;

/// 10^19, the largest power of ten below 2^64: one u64 "chunk" of decimal digits.
const TEN19: u128 = 10_000_000_000_000_000_000;

/// One draw: the ticket number, the id it belongs to, and how many times that id has now been
/// drawn (1 for the first draw). Field order is the sort order, as in the Python namedtuple.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Ticket {
    pub ticket_number: String,
    pub id: String,
    pub generation: u64,
}

/// How to draw: the same knobs as the Python `sampler`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleOptions {
    /// Put each drawn id back with a new, larger ticket.
    pub with_replacement: bool,
    /// Skip this many draws first (to extend an earlier sample by another round).
    pub drop: usize,
    /// Return this many draws after the dropped ones.
    pub take: usize,
    /// Digits shown after a ticket's leading 9s.
    pub digits: usize,
}

impl SampleOptions {
    /// `take` draws without replacement, tickets trimmed to the tool's default 9 digits.
    pub fn take(take: usize) -> Self {
        SampleOptions {
            with_replacement: false,
            drop: 0,
            take,
            digits: DEFAULT_DIGITS,
        }
    }
}

/// Lower-case hex of SHA-256 of the UTF-8 of `input` (the tool's `sha256_hex`).
pub fn sha256_hex(input: &str) -> String {
    hex(&Sha256::digest(input.as_bytes()))
}

/// SHA-256 of `input` as a decimal fraction with reversed digits (the tool's `sha256_uniform`).
pub fn sha256_uniform(input: &str) -> String {
    uniform_from_digest(&Sha256::digest(input.as_bytes()).into())
}

/// The generation-1 ticket number of `id` under `seed`, at full precision.
pub fn first_fraction(id: &str, seed: &str) -> String {
    SeededTickets::new(seed).first_fraction(id)
}

/// The next ticket number after `x`: a pseudorandom fraction strictly between `x` and 1.
pub fn next_fraction(x: &str) -> Result<String, StatsError> {
    let k = first_non_nine(x)?;
    let mut x0 = String::with_capacity(x.len() + 1);
    x0.push_str(x);
    x0.push('0');
    let mut i: u64 = 0;
    loop {
        i += 1;
        let u = sha256_uniform(&format!("{x}:{i}"));
        let mut y = String::with_capacity(k + u.len());
        y.push_str(&x0[..k]);
        y.push_str(&u[2..]);
        if y > x0 {
            return Ok(y);
        }
    }
}

/// Truncates ticket `x` to its leading 9s plus `digits` more digits (the tool's `trim`).
pub fn trim(x: &str, digits: usize) -> Result<String, StatsError> {
    let k = first_non_nine(x)?;
    Ok(x[..(k + digits).min(x.len())].to_string())
}

/// The next ticket for the same id, one generation later.
pub fn next_ticket(ticket: &Ticket) -> Result<Ticket, StatsError> {
    Ok(Ticket {
        ticket_number: next_fraction(&ticket.ticket_number)?,
        id: ticket.id.clone(),
        generation: ticket.generation + 1,
    })
}

/// Draws a sample of `ids` exactly as `consistent_sampler.sampler(ids, seed, …)` does, returning
/// the tickets in draw order with ticket numbers trimmed to `options.digits`.
///
/// Unlike the Python tool, asking for more distinct ids than exist is an error rather than a
/// silently shorter sample, so an audit never believes it drew stations it did not.
pub fn sample<S: AsRef<str>>(
    ids: &[S],
    seed: &str,
    options: &SampleOptions,
) -> Result<Vec<Ticket>, StatsError> {
    check_ids(ids)?;
    let tickets = SeededTickets::new(seed);
    let keys: Vec<(u64, usize)> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (tickets.first_key(id.as_ref()), i))
        .collect();
    sample_keyed(&tickets, ids, keys, options)
}

/// [`sample`] over ids made one at a time, holding only the candidates for the draws wanted,
/// so that memory does not grow with the ids (a ballot manifest of ten million `STATION:N`
/// ids). The ids must be distinct; the caller guarantees it (this cannot check it without
/// holding them all). Draws exactly what [`sample`] draws from the same ids.
pub fn sample_streamed<I, S>(
    ids: I,
    seed: &str,
    options: &SampleOptions,
) -> Result<Vec<Ticket>, StatsError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let tickets = SeededTickets::new(seed);
    let wanted = wanted(options)?;
    // The `wanted` smallest first keys (a max-heap), and the ids that tie the largest of them
    // but did not fit: `sample_keyed` keeps every id whose key ties the cut-off.
    let mut heap: BinaryHeap<(u64, String)> = BinaryHeap::with_capacity(wanted.min(1 << 20) + 1);
    let mut ties: Vec<String> = Vec::new();
    let mut n = 0usize;
    for id in ids {
        let id = id.as_ref();
        n += 1;
        if wanted == 0 {
            continue;
        }
        let key = tickets.first_key(id);
        if heap.len() < wanted {
            heap.push((key, id.to_string()));
            continue;
        }
        let top = heap.peek().expect("a full heap").0;
        if key < top {
            heap.push((key, id.to_string()));
            let (out, out_id) = heap.pop().expect("a full heap");
            let new_top = heap.peek().expect("a full heap").0;
            if new_top < out {
                ties.clear();
            } else {
                ties.push(out_id);
            }
        } else if key == top {
            ties.push(id.to_string());
        }
    }
    if n == 0 {
        return Err(StatsError::NoIds);
    }
    if !options.with_replacement && wanted > n {
        return Err(StatsError::TakeExceedsIds {
            wanted,
            available: n,
        });
    }
    if options.take == 0 {
        return Ok(Vec::new());
    }
    let mut kept: Vec<String> = heap.into_iter().map(|(_, id)| id).collect();
    kept.extend(ties);
    let keys: Vec<(u64, usize)> = kept
        .iter()
        .enumerate()
        .map(|(i, id)| (tickets.first_key(id), i))
        .collect();
    sample_keyed(&tickets, &kept, keys, options)
}

/// How many draws a sample makes: the dropped ones and the ones taken.
fn wanted(options: &SampleOptions) -> Result<usize, StatsError> {
    options
        .drop
        .checked_add(options.take)
        .ok_or(StatsError::OutOfRange {
            name: "drop + take",
            value: f64::INFINITY,
            expected: "a number of draws that fits in memory",
        })
}

/// Draws from `ids` whose first-ticket keys are already computed (`keys` holds (key, index into
/// `ids`) for the ids taking part). Shared by `sample` and the stratified PVT draw.
pub(crate) fn sample_keyed<S: AsRef<str>>(
    tickets: &SeededTickets,
    ids: &[S],
    mut keys: Vec<(u64, usize)>,
    options: &SampleOptions,
) -> Result<Vec<Ticket>, StatsError> {
    if keys.is_empty() {
        return Err(StatsError::NoIds);
    }
    let wanted = wanted(options)?;
    if !options.with_replacement && wanted > keys.len() {
        return Err(StatsError::TakeExceedsIds {
            wanted,
            available: keys.len(),
        });
    }
    if options.take == 0 {
        return Ok(Vec::new());
    }

    // Only ids whose first ticket is among the `wanted` smallest can appear in the first
    // `wanted` draws, with or without replacement (a later generation is always larger than the
    // first). Keys order tickets by their first 19 digits, so keep every id whose key ties the
    // cut-off and let the full strings decide.
    let m = wanted.min(keys.len());
    let (_, nth, _) = keys.select_nth_unstable(m - 1);
    let cutoff = nth.0;
    let mut candidates: Vec<Ticket> = keys
        .iter()
        .filter(|(key, _)| *key <= cutoff)
        .map(|&(_, i)| {
            let id = ids[i].as_ref();
            Ticket {
                ticket_number: tickets.first_fraction(id),
                id: id.to_string(),
                generation: 1,
            }
        })
        .collect();

    let mut drawn = Vec::with_capacity(options.take);
    if options.with_replacement {
        let mut heap: BinaryHeap<Reverse<Ticket>> = candidates.into_iter().map(Reverse).collect();
        for count in 1..=wanted {
            let Some(Reverse(ticket)) = heap.pop() else {
                break;
            };
            heap.push(Reverse(next_ticket(&ticket)?));
            if count > options.drop {
                drawn.push(ticket);
            }
        }
    } else {
        candidates.sort_unstable();
        drawn.extend(candidates.into_iter().skip(options.drop).take(options.take));
    }
    for ticket in &mut drawn {
        ticket.ticket_number = trim(&ticket.ticket_number, options.digits)?;
    }
    Ok(drawn)
}

/// Rejects an empty id list and repeated ids, as the Python tool's assertion does.
pub(crate) fn check_ids<S: AsRef<str>>(ids: &[S]) -> Result<(), StatsError> {
    if ids.is_empty() {
        return Err(StatsError::NoIds);
    }
    let mut seen = HashSet::with_capacity(ids.len());
    for id in ids {
        if !seen.insert(id.as_ref()) {
            return Err(StatsError::DuplicateId {
                id: id.as_ref().to_string(),
            });
        }
    }
    Ok(())
}

/// Ticket maker for one seed. The hex of SHA-256(seed) is exactly one 64-byte SHA-256 block,
/// so the hash state after it is computed once and each id costs a single compression.
#[derive(Clone)]
pub struct SeededTickets {
    after_seed: Sha256,
    /// The raw SHA-256 state after that block, for the one-block fast path of `first_key`.
    state: [u32; 8],
}

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// `REVERSED_4_DIGITS[n]` is n written with 4 digits (leading zeros kept) and read backwards.
static REVERSED_4_DIGITS: [u16; 10_000] = {
    let mut table = [0u16; 10_000];
    let mut n = 0;
    while n < 10_000 {
        table[n] = ((n % 10) * 1000 + (n / 10 % 10) * 100 + (n / 100 % 10) * 10 + n / 1000) as u16;
        n += 1;
    }
    table
};

impl SeededTickets {
    pub fn new(seed: &str) -> Self {
        let seed_hex = sha256_hex(seed);
        let mut after_seed = Sha256::new();
        after_seed.update(seed_hex.as_bytes());
        let mut state = SHA256_H0;
        let block: [u8; 64] = seed_hex.as_bytes().try_into().expect("64 hex digits");
        sha2::compress256(&mut state, &[block.into()]);
        SeededTickets { after_seed, state }
    }

    /// The full-precision generation-1 ticket number of `id`.
    pub fn first_fraction(&self, id: &str) -> String {
        uniform_from_digest(&self.digest(id))
    }

    /// A number that orders ids as their first tickets' leading 19 digits do: equal keys mean
    /// the full strings must be compared; different keys decide the order on their own.
    ///
    /// This is the hot loop of every draw (once per id per seed), so ids of up to 55 bytes are
    /// hashed with one raw compression instead of the general hasher.
    pub fn first_key(&self, id: &str) -> u64 {
        let bytes = id.as_bytes();
        let limbs = if bytes.len() <= 55 {
            // The final block: id, 0x80, zeros, then the message length in bits.
            let mut block = [0u8; 64];
            block[..bytes.len()].copy_from_slice(bytes);
            block[bytes.len()] = 0x80;
            let bits = (64 + bytes.len() as u64) * 8;
            block[56..].copy_from_slice(&bits.to_be_bytes());
            let mut h = self.state;
            let block: &GenericArray<u8, U64> = (&block).into();
            sha2::compress256(&mut h, std::slice::from_ref(block));
            [
                u64::from(h[0]) << 32 | u64::from(h[1]),
                u64::from(h[2]) << 32 | u64::from(h[3]),
                u64::from(h[4]) << 32 | u64::from(h[5]),
                u64::from(h[6]) << 32 | u64::from(h[7]),
            ]
        } else {
            let d = self.digest(id);
            let mut limbs = [0u64; 4];
            for (limb, b) in limbs.iter_mut().zip(d.chunks_exact(8)) {
                *limb = u64::from_be_bytes(b.try_into().expect("8-byte chunk"));
            }
            limbs
        };
        // The ticket's leading digits are the integer's trailing 19 digits, reversed.
        let mut rem = u128::from(limbs[0]) % TEN19;
        rem = ((rem << 64) | u128::from(limbs[1])) % TEN19;
        rem = ((rem << 64) | u128::from(limbs[2])) % TEN19;
        rem = ((rem << 64) | u128::from(limbs[3])) % TEN19;
        let r = rem as u64;
        let rev = |chunk: u64| u64::from(REVERSED_4_DIGITS[chunk as usize]);
        rev(r % 10_000) * 1_000_000_000_000_000
            + rev(r / 10_000 % 10_000) * 100_000_000_000
            + rev(r / 100_000_000 % 10_000) * 10_000_000
            + rev(r / 1_000_000_000_000 % 10_000) * 1_000
            + rev(r / 10_000_000_000_000_000) / 10
    }

    fn digest(&self, id: &str) -> [u8; 32] {
        let mut h = self.after_seed.clone();
        h.update(id.as_bytes());
        h.finalize().into()
    }
}

/// Checks `x` is "0." followed by digits and returns the position of its first digit below 9
/// (counting an appended "0", as the tool does).
fn first_non_nine(x: &str) -> Result<usize, StatsError> {
    let b = x.as_bytes();
    if b.len() < 2 || &b[..2] != b"0." || !b[2..].iter().all(u8::is_ascii_digit) {
        return Err(StatsError::MalformedTicket {
            ticket: x.to_string(),
        });
    }
    Ok(b[2..]
        .iter()
        .position(|&c| c < b'9')
        .map_or(b.len(), |p| p + 2))
}

fn uniform_from_digest(d: &[u8; 32]) -> String {
    let dec = decimal(d);
    let mut s = String::with_capacity(2 + dec.len().max(64));
    s.push_str("0.");
    s.extend(dec.chars().rev());
    // Zero-padding on the left becomes zeros on the right once reversed.
    for _ in dec.len()..64 {
        s.push('0');
    }
    s
}

/// Decimal digits of a 256-bit big-endian integer, without leading zeros ("0" for zero).
fn decimal(d: &[u8; 32]) -> String {
    let mut limbs = [0u64; 4];
    for (limb, bytes) in limbs.iter_mut().zip(d.chunks_exact(8)) {
        *limb = u64::from_be_bytes(bytes.try_into().expect("8-byte chunk"));
    }
    // Repeated division by 10^19 yields 19-digit chunks, least significant first.
    let mut chunks = Vec::with_capacity(5);
    while limbs != [0; 4] {
        let mut rem: u128 = 0;
        for limb in limbs.iter_mut() {
            let cur = (rem << 64) | u128::from(*limb);
            *limb = (cur / TEN19) as u64;
            rem = cur % TEN19;
        }
        chunks.push(rem as u64);
    }
    let Some((most, rest)) = chunks.split_last() else {
        return "0".to_string();
    };
    let mut s = most.to_string();
    for chunk in rest.iter().rev() {
        s.push_str(&format!("{chunk:019}"));
    }
    s
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_draw_is_the_draw() {
        let ids: Vec<String> = (0..50)
            .flat_map(|s| (1..=40).map(move |n| format!("S{s:03}:{n}")))
            .collect();
        let seed = "35216452316254163524";
        for (with_replacement, drop, take) in [
            (true, 0, 25),
            (true, 10, 300),
            (false, 0, 30),
            (false, 7, 1993),
            (true, 0, 1),
        ] {
            let o = SampleOptions {
                with_replacement,
                drop,
                take,
                digits: 18,
            };
            assert_eq!(
                sample_streamed(ids.iter(), seed, &o).unwrap(),
                sample(&ids, seed, &o).unwrap(),
                "{o:?}"
            );
        }
        let o = SampleOptions::take(2001);
        assert!(matches!(
            sample_streamed(ids.iter(), seed, &o),
            Err(StatsError::TakeExceedsIds { .. })
        ));
        assert!(matches!(
            sample_streamed(Vec::<String>::new(), seed, &SampleOptions::take(1)),
            Err(StatsError::NoIds)
        ));
    }

    // The examples in the tool's own docstrings.
    #[test]
    fn docstring_examples() {
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sha256_uniform("abc"),
            "0.56998071861792858926477341561059638840106636224182943832566300809078486324348"
        );
        assert_eq!(
            first_fraction("AB-130", "01382438112797316654"),
            "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
        );
        assert_eq!(
            next_fraction("0.25471").unwrap(),
            "0.642853261655004694691182528114375607701032283189922170593838029306715548381901"
        );
        assert_eq!(
            next_fraction(
                "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
            )
            .unwrap(),
            "0.8232357229934205790595761924514048157652891124687533667363938813600770093316"
        );
        assert_eq!(trim("0.9991234567890", 4).unwrap(), "0.9991234");
    }

    #[test]
    fn docstring_sampler_examples() {
        let ids = ["A#2", "B#7", "C#1", "D#4"];
        let opts = SampleOptions {
            with_replacement: true,
            drop: 0,
            take: 8,
            digits: DEFAULT_DIGITS,
        };
        let got: Vec<String> = sample(&ids, "314159", &opts)
            .unwrap()
            .into_iter()
            .map(|t| t.id)
            .collect();
        assert_eq!(
            got,
            ["D#4", "C#1", "C#1", "B#7", "A#2", "C#1", "D#4", "B#7"]
        );

        let got = sample(
            &["ab-1", "ab-2", "cd-1", "ef-3"],
            "314159",
            &SampleOptions::take(4),
        )
        .unwrap();
        let got: Vec<(&str, &str, u64)> = got
            .iter()
            .map(|t| (t.ticket_number.as_str(), t.id.as_str(), t.generation))
            .collect();
        assert_eq!(
            got,
            [
                ("0.317685817", "cd-1", 1),
                ("0.832984519", "ef-3", 1),
                ("0.9098039269", "ab-1", 1),
                ("0.9231549043", "ab-2", 1),
            ]
        );
    }

    #[test]
    fn keys_order_like_the_strings() {
        let t = SeededTickets::new("31415926535897932384");
        // Short ids take the one-block path, long ones (over 55 bytes) the general hasher.
        let mut ids: Vec<String> = (0..2000)
            .map(|i| format!("S-{i}{}", "x".repeat(i % 70)))
            .collect();
        let mut by_key = ids.clone();
        by_key.sort_by_key(|id| t.first_key(id));
        ids.sort_by_key(|id| t.first_fraction(id));
        assert_eq!(by_key, ids);
        let full = t.first_fraction("S-1");
        assert_eq!(
            t.first_key("S-1").to_string(),
            full[2..21].trim_start_matches('0')
        );
    }

    #[test]
    fn drop_then_take_continues_the_same_stream() {
        let ids: Vec<String> = (1..=30).map(|i| format!("B-{i}")).collect();
        for with_replacement in [false, true] {
            let all = sample(
                &ids,
                "12345612345612345612",
                &SampleOptions {
                    with_replacement,
                    drop: 0,
                    take: 12,
                    digits: 18,
                },
            )
            .unwrap();
            let later = sample(
                &ids,
                "12345612345612345612",
                &SampleOptions {
                    with_replacement,
                    drop: 5,
                    take: 7,
                    digits: 18,
                },
            )
            .unwrap();
            assert_eq!(&all[5..], &later[..]);
        }
    }

    #[test]
    fn consistency_subset_filtering() {
        // Sampling a subset equals filtering the superset's stream: the property observers rely
        // on when a stratum is sampled on its own.
        let ids: Vec<String> = (1..=200).map(|i| format!("T-{i}")).collect();
        let subset: Vec<String> = ids.iter().filter(|s| s.ends_with('7')).cloned().collect();
        let seed = "61616161616161616161";
        let all = sample(&ids, seed, &SampleOptions::take(200)).unwrap();
        let sub = sample(&subset, seed, &SampleOptions::take(subset.len())).unwrap();
        let filtered: Vec<_> = all.into_iter().filter(|t| t.id.ends_with('7')).collect();
        assert_eq!(filtered, sub);
    }

    #[test]
    fn bad_input_is_an_error() {
        let opts = SampleOptions::take(3);
        assert_eq!(sample::<&str>(&[], "1", &opts), Err(StatsError::NoIds));
        assert_eq!(
            sample(&["a", "b", "a"], "1", &opts),
            Err(StatsError::DuplicateId { id: "a".into() })
        );
        assert_eq!(
            sample(&["a", "b"], "1", &opts),
            Err(StatsError::TakeExceedsIds {
                wanted: 3,
                available: 2
            })
        );
        // With replacement, two ids can give any number of draws.
        let with = SampleOptions {
            with_replacement: true,
            ..opts
        };
        assert_eq!(sample(&["a", "b"], "1", &with).unwrap().len(), 3);
        assert_eq!(
            sample(&["a", "b"], "1", &SampleOptions::take(0)),
            Ok(vec![])
        );
        for bad in ["", "0", "1.5", "0.12a", ".5", "0,5"] {
            assert!(matches!(
                next_fraction(bad),
                Err(StatsError::MalformedTicket { .. })
            ));
            assert!(trim(bad, 3).is_err());
        }
    }

    #[test]
    fn next_fraction_of_all_nines() {
        // x0 = x + "0" guarantees a digit below 9; the result keeps the leading 9s.
        let y = next_fraction("0.999").unwrap();
        assert!(y.starts_with("0.999") && y.as_str() > "0.9990");
        assert_eq!(trim("0.999", 2).unwrap(), "0.999");
        assert_eq!(trim("0.", 2).unwrap(), "0.");
    }
}

/// A file of ids, one per line, exactly as written (a trailing CR is dropped): the ids, or why
/// not, naming `name` and the line. Ids must be distinct; only the last line may lack its
/// newline.
pub fn parse_ids(bytes: &[u8], name: &str) -> Result<Vec<String>, String> {
    let mut ids = Vec::new();
    let mut first_line: std::collections::HashMap<String, usize> = Default::default();
    let lines = bytes.split(|&b| b == b'\n').count();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            if line == lines {
                break; // the newline at the end of the last line
            }
            return Err(format!(
                "{name}:{line}: empty line; every line must hold one id"
            ));
        }
        let id = std::str::from_utf8(raw)
            .map_err(|e| format!("{name}:{line}: the id is not valid UTF-8: {e}"))?;
        if let Some(earlier) = first_line.insert(id.to_string(), line) {
            return Err(format!(
                "{name}:{line}: id {id:?} is already on line {earlier}; ids must be distinct"
            ));
        }
        ids.push(id.to_string());
    }
    if ids.is_empty() {
        return Err(format!("{name} has no ids"));
    }
    Ok(ids)
}

/// A sample as the Python `sampler` writes it: `ticket,id,generation`, one line per ticket,
/// an id quoted when it holds a comma, a quote or a line break (RFC 4180).
pub fn to_csv(tickets: &[Ticket]) -> String {
    let mut out = String::from("ticket,id,generation\n");
    for t in tickets {
        let id = if t.id.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", t.id.replace('"', "\"\""))
        } else {
            t.id.clone()
        };
        out.push_str(&format!("{},{id},{}\n", t.ticket_number, t.generation));
    }
    out
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn id_files_are_read_by_line_and_refused_by_line() {
        assert_eq!(parse_ids(b"a\r\nb\n", "f").unwrap(), ["a", "b"]);
        assert_eq!(parse_ids(b"a\nb", "f").unwrap(), ["a", "b"]);
        assert_eq!(
            parse_ids(b"a\n\nb\n", "f").unwrap_err(),
            "f:2: empty line; every line must hold one id"
        );
        assert_eq!(
            parse_ids(b"a\nb\na\n", "f").unwrap_err(),
            "f:3: id \"a\" is already on line 1; ids must be distinct"
        );
        assert!(
            parse_ids(b"\xff\n", "f")
                .unwrap_err()
                .starts_with("f:1: the id is not valid UTF-8")
        );
        assert_eq!(parse_ids(b"", "f").unwrap_err(), "f has no ids");
    }

    #[test]
    fn a_sample_is_written_as_csv_with_ids_quoted_when_needed() {
        let t = |id: &str| Ticket {
            ticket_number: "0.1".into(),
            id: id.into(),
            generation: 1,
        };
        assert_eq!(
            to_csv(&[t("plain"), t("a,b"), t("say \"hi\"")]),
            "ticket,id,generation\n0.1,plain,1\n0.1,\"a,b\",1\n0.1,\"say \"\"hi\"\"\",1\n"
        );
    }
}
