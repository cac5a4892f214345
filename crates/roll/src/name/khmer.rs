//! Khmer script: one encoding for every way of typing the same visible name.
//!
//! The same name can be typed with its marks in several orders (a vowel before a subscript, the
//! two halves of a split vowel in either order, a shifter written as ុ), with invisible
//! characters between syllables, or with deprecated code points. [`normalise`] maps all of these
//! to one string. It works syllable by syllable, as SIL's khnormal does: a base letter, then its
//! marks, which are put into one order — robat, subscripts (subscript ro last), shifter, vowel,
//! signs, final signs.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

const COENG: char = '\u{17D2}';
const RO: char = '\u{179A}';
const DA: char = '\u{178A}';
const TA: char = '\u{178F}';
const TO: char = '\u{1791}';
const BA: char = '\u{1794}';
const LA: char = '\u{17A1}';
const U: char = '\u{17BB}';
const E: char = '\u{17C1}';
const AA: char = '\u{17B6}';
const II: char = '\u{17B8}';
const OE: char = '\u{17BE}';
const OO: char = '\u{17C4}';
const NIKAHIT: char = '\u{17C6}';
const MUUSIKATOAN: char = '\u{17C9}';
const TRIISAP: char = '\u{17CA}';

/// Characters that draw nothing: dropped wherever they are.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{FEFF}'
            | '\u{17B4}'
            | '\u{17B5}'
    )
}

fn is_khmer(c: char) -> bool {
    ('\u{1780}'..='\u{17FF}').contains(&c) || ('\u{19E0}'..='\u{19FF}').contains(&c)
}

/// A letter that starts a syllable: a consonant or an independent vowel.
fn is_base(c: char) -> bool {
    ('\u{1780}'..='\u{17A2}').contains(&c) || ('\u{17A5}'..='\u{17B3}').contains(&c)
}

/// A mark that belongs to the syllable before it.
fn is_mark(c: char) -> bool {
    ('\u{17B6}'..='\u{17D1}').contains(&c) || c == '\u{17D3}' || c == '\u{17DD}' || c == COENG
}

/// Consonants of the first (a-) series: a shifter on them is triisap (៊), on the others
/// muusikatoan (៉).
fn is_first_series(c: char) -> bool {
    matches!(
        c,
        '\u{1780}'
            | '\u{1781}'
            | '\u{1785}'
            | '\u{1786}'
            | '\u{178A}'
            | '\u{178B}'
            | '\u{178E}'
            | '\u{178F}'
            | '\u{1790}'
            | '\u{1794}'
            | '\u{1795}'
            | '\u{179F}'
            | '\u{17A0}'
            | '\u{17A1}'
            | '\u{17A2}'
    )
}

/// A vowel drawn above the base: with one of these, a ុ is the shifter, not the vowel u.
fn is_above_vowel(c: char) -> bool {
    ('\u{17B7}'..='\u{17BA}').contains(&c) || c == OE
}

/// One mark of a syllable; a subscript is the coeng with its letter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Sub(char),
    Sign(char),
}

impl Mark {
    /// The place of a mark in the canonical order.
    fn rank(self) -> u8 {
        match self {
            Mark::Sub(RO) => 2,
            Mark::Sub(_) => 1,
            Mark::Sign(c) => match c {
                '\u{17CC}' => 0,              // robat
                MUUSIKATOAN | TRIISAP => 3,   // shifters
                '\u{17BE}'..='\u{17C5}' => 4, // vowels drawn before the base
                '\u{17BB}'..='\u{17BD}' => 5, // below
                '\u{17B7}'..='\u{17BA}' => 6, // above
                AA => 7,                      // after
                '\u{17C7}' | '\u{17C8}' => 9, // final signs
                _ => 8,                       // other signs
            },
        }
    }
}

/// Khmer text in its one canonical encoding; other text passes through.
///
/// Steps: Unicode NFC; invisible characters dropped (zero-width space, joiners, byte order
/// mark, soft hyphen, bidi controls, U+17B4 and U+17B5); whitespace collapsed to single spaces
/// and trimmed; non-Khmer combining marks attached to Khmer dropped; U+17A3 → អ and U+17A4 → អា.
/// Then in each syllable: subscript ដ → subscript ត (they are drawn alike); ទ with subscript ប →
/// ឡ; a coeng not followed by a letter dropped; repeated marks kept once; split vowels composed
/// (េ + ី → ើ, េ + ា → ោ); ុ with a vowel above (or with ាំ) turned into the shifter of the
/// base's series; the marks sorted into the canonical order. Marks with no letter before them
/// are dropped. Idempotent.
pub fn normalise(text: &str) -> String {
    let mut chars: Vec<char> = Vec::with_capacity(text.len());
    let mut space = false;
    // Invisible characters go before NFC, which must see the marks they separated side by side.
    for c in text.chars().filter(|&c| !is_invisible(c)).nfc() {
        if c.is_whitespace() {
            space = !chars.is_empty();
            continue;
        }
        if !is_khmer(c) && is_combining_mark(c) && chars.last().is_some_and(|&p| is_khmer(p)) {
            continue;
        }
        if space {
            chars.push(' ');
            space = false;
        }
        match c {
            '\u{17A3}' => chars.push('\u{17A2}'),
            '\u{17A4}' => chars.extend(['\u{17A2}', AA]),
            _ => chars.push(c),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_base(c) {
            let mut marks = Vec::new();
            let mut j = i + 1;
            while j < chars.len() && is_mark(chars[j]) {
                if chars[j] == COENG {
                    if let Some(&l) = chars.get(j + 1).filter(|&&l| is_base(l)) {
                        marks.push(Mark::Sub(l));
                        j += 2;
                    } else {
                        j += 1;
                    }
                } else {
                    marks.push(Mark::Sign(chars[j]));
                    j += 1;
                }
            }
            syllable(c, marks, &mut out);
            i = j;
        } else if is_mark(c) {
            // Marks with no letter to sit on: a typing slip, dropped.
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    // A dropped coeng can leave a space at an end or two together.
    if out.starts_with(' ') || out.ends_with(' ') || out.contains("  ") {
        out = out
            .split(' ')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
    }
    out
}

fn syllable(mut base: char, marks: Vec<Mark>, out: &mut String) {
    let mut marks: Vec<Mark> = marks
        .into_iter()
        .map(|m| if m == Mark::Sub(DA) { Mark::Sub(TA) } else { m })
        .collect();
    dedup(&mut marks);
    let has = |marks: &[Mark], c: char| marks.contains(&Mark::Sign(c));
    for (a, b, whole) in [(E, II, OE), (E, AA, OO)] {
        if has(&marks, a) && has(&marks, b) {
            marks.retain(|&m| m != Mark::Sign(a) && m != Mark::Sign(b));
            marks.push(Mark::Sign(whole));
        }
    }
    dedup(&mut marks);
    if base == TO
        && let Some(p) = marks
            .iter()
            .position(|m| matches!(m, Mark::Sub(s) if *s != RO))
        && marks[p] == Mark::Sub(BA)
    {
        marks.remove(p);
        base = LA;
    }
    let shifted = has(&marks, MUUSIKATOAN) || has(&marks, TRIISAP);
    let above = marks
        .iter()
        .any(|m| matches!(m, Mark::Sign(c) if is_above_vowel(*c)));
    if !shifted && has(&marks, U) && (above || (has(&marks, AA) && has(&marks, NIKAHIT))) {
        let shifter = if is_first_series(base) {
            TRIISAP
        } else {
            MUUSIKATOAN
        };
        for m in marks.iter_mut() {
            if *m == Mark::Sign(U) {
                *m = Mark::Sign(shifter);
            }
        }
    }
    marks.sort_by_key(|m| m.rank());
    out.push(base);
    for m in marks {
        match m {
            Mark::Sub(l) => out.extend([COENG, l]),
            Mark::Sign(c) => out.push(c),
        }
    }
}

fn dedup(marks: &mut Vec<Mark>) {
    let mut seen = Vec::with_capacity(marks.len());
    marks.retain(|m| {
        let new = !seen.contains(m);
        seen.push(*m);
        new
    });
}

/// A key for names that are the same to the eye or nearly: the [`normalise`]d text with the two
/// shifters ៉ and ៊ merged (ស៉ី and ស៊ី are often confused, and neither SIL's normaliser nor
/// Wikimedia's merges them) and spaces removed (syllables are spaced inconsistently). Two names
/// with the same key are candidates for the same person, not proof of it.
pub fn matching_key(text: &str) -> String {
    let merged: String = normalise(text)
        .chars()
        .filter(|&c| c != ' ')
        .map(|c| if c == MUUSIKATOAN { TRIISAP } else { c })
        .collect();
    // Again: merging can make a shifter appear twice in one syllable.
    normalise(&merged)
}

/// Whether the text holds any Khmer letter.
pub fn has_khmer(text: &str) -> bool {
    text.chars().any(is_khmer)
}
