//! Names in Latin letters: romanised Khmer, and Latin names in general (as in FEBRL).

use rphonetic::DoubleMetaphone;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The written form of a Latin name, for display and exact comparison: compatibility
/// decomposition (NFKD) with the accents dropped (Sâm → sam, Raṅs′ī → rans′i, then rans i),
/// lower case, the letters with no decomposition spelled out (ß → ss, æ → ae, ø → o, đ → d,
/// ł → l, …), apostrophes dropped (O'Neil → oneil), any other punctuation or hyphen a space, and
/// runs of spaces collapsed. Digits are kept. Idempotent.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.nfkd() {
        if is_combining_mark(c) || matches!(c, '\'' | '’' | '‘' | 'ʼ' | '′' | '`' | '´') {
            continue;
        }
        let folded: &str = match c {
            'ß' | 'ẞ' => "ss",
            'æ' | 'Æ' => "ae",
            'œ' | 'Œ' => "oe",
            'ø' | 'Ø' => "o",
            'đ' | 'Đ' | 'ð' | 'Ð' => "d",
            'ł' | 'Ł' => "l",
            'þ' | 'Þ' => "th",
            'ı' => "i",
            _ => "",
        };
        if !folded.is_empty() {
            if space {
                out.push(' ');
                space = false;
            }
            out.push_str(folded);
        } else if c.is_alphanumeric() {
            if space {
                out.push(' ');
                space = false;
            }
            out.extend(c.to_lowercase());
        } else {
            space = !out.is_empty();
        }
    }
    out
}

/// A phonetic key for romanised Khmer: names that are spelled differently because there is no
/// one romanisation get the same key. From the [`normalise`]d text, with spaces removed
/// (Sok Heng = Sokheng), these are merged:
///
/// - aspirated and plain stops: kh/k, chh/ch/j, ph/p/b, th/t;
/// - the nasals n, ng and nh;
/// - v and w;
/// - every run of vowels (a, e, i, o, u, and y where no vowel follows it) into one vowel, so
///   ea/ia, ou/u/o, ei/i/y, ai/ô are all alike;
/// - an r or h after a vowel and before a consonant or the end, which spells a vowel, not a
///   sound (Norng = Nong, Cheah = Chea);
/// - doubled letters (Hunn = Hun).
///
/// Other consonants stay apart: d from t, s from ch, k from g, m from n, l from r. So the key
/// joins the variants of one name, and also different names that differ only by a vowel (Sok,
/// Sak): it is for finding candidates, to be scored by a finer comparison. In the kname lists
/// (../shared/data/khmer/names) the family names Chea and Chhay, Heng and Heoun, Sen, Saen and
/// Seng, and Van, Vann and Vong share keys in this way.
pub fn khmer_key(text: &str) -> String {
    let letters: Vec<char> = normalise(text)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let is_vowel_at = |i: usize| -> bool {
        match letters.get(i) {
            Some('a' | 'e' | 'i' | 'o' | 'u') => true,
            Some('y') => !matches!(letters.get(i + 1), Some('a' | 'e' | 'i' | 'o' | 'u')),
            _ => false,
        }
    };
    let starts = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| letters.get(i + k) == Some(&c))
    };
    let mut key = String::with_capacity(letters.len());
    let mut i = 0;
    while i < letters.len() {
        if is_vowel_at(i) {
            while i < letters.len() && is_vowel_at(i) {
                i += 1;
            }
            push(&mut key, 'a');
            continue;
        }
        let after_vowel = key.ends_with('a');
        let (sound, len) = if starts(i, "chh") {
            ('c', 3)
        } else if starts(i, "ch") || starts(i, "kh") || starts(i, "ph") || starts(i, "th") {
            (
                match letters[i] {
                    'c' => 'c',
                    'k' => 'k',
                    'p' => 'p',
                    _ => 't',
                },
                2,
            )
        } else if starts(i, "ng") || starts(i, "nh") {
            ('n', 2)
        } else {
            let c = letters[i];
            let sound = match c {
                'j' => 'c',
                'b' => 'p',
                'w' => 'v',
                'c' | 'q' => 'k',
                _ => c,
            };
            if matches!(c, 'r' | 'h') && after_vowel && !is_vowel_at(i + 1) {
                i += 1;
                continue;
            }
            (sound, 1)
        };
        push(&mut key, sound);
        i += len;
    }
    key
}

fn push(key: &mut String, c: char) {
    if !key.ends_with(c) {
        key.push(c);
    }
}

/// A phonetic key for Latin names in general: the primary Double Metaphone code (Lawrence
/// Philips, 2000, as implemented by the `rphonetic` crate, a port of Apache commons-codec) of
/// the ASCII letters of the [`normalise`]d text (accents are already folded; other scripts
/// give nothing), at most 8 characters. Double Metaphone knows
/// English spellings and many European ones (Smith = Smyth, Catherine = Kathryn).
pub fn phonetic_key(text: &str) -> String {
    // Only ASCII letters: the algorithm knows no others (and rphonetic slices the text by bytes).
    let joined: String = normalise(text)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect();
    DoubleMetaphone::new(Some(8))
        .double_metaphone(&joined)
        .primary()
}
