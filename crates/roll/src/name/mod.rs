//! Names on a voter roll: normal forms and matching keys in Khmer script and in Latin letters,
//! and a person's family and given names kept apart.

pub mod khmer;
pub mod latin;

/// One name (a family name or a given name), in Khmer script, in Latin letters, or both side
/// by side, as Cambodian rolls and ID cards carry them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Name {
    pub khmer: Option<String>,
    pub latin: Option<String>,
}

impl Name {
    /// A name from its two written forms; an empty or blank form counts as absent.
    pub fn new(khmer: Option<&str>, latin: Option<&str>) -> Name {
        let keep = |s: Option<&str>| s.filter(|s| !s.trim().is_empty()).map(str::to_owned);
        Name {
            khmer: keep(khmer),
            latin: keep(latin),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.khmer.is_none() && self.latin.is_none()
    }

    /// Whether two names agree: at least one script is written in both, and every script
    /// written in both has the same key. So ឆន and ចាន់, both romanised "Chan", disagree.
    pub fn agrees(&self, other: &Name, latin: LatinKey) -> bool {
        let mut compared = false;
        if let (Some(a), Some(b)) = (&self.khmer, &other.khmer) {
            let (a, b) = (khmer::matching_key(a), khmer::matching_key(b));
            if a.is_empty() || a != b {
                return false;
            }
            compared = true;
        }
        if let (Some(a), Some(b)) = (&self.latin, &other.latin) {
            let (a, b) = (latin.key(a), latin.key(b));
            if a.is_empty() || a != b {
                return false;
            }
            compared = true;
        }
        compared
    }
}

/// Which phonetic key compares the Latin forms of names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatinKey {
    /// Romanised Khmer: [`latin::khmer_key`].
    RomanisedKhmer,
    /// Latin names in general: [`latin::phonetic_key`] (Double Metaphone).
    General,
}

impl LatinKey {
    pub fn key(self, text: &str) -> String {
        match self {
            LatinKey::RomanisedKhmer => latin::khmer_key(text),
            LatinKey::General => latin::phonetic_key(text),
        }
    }
}

/// A person's name: family name and given names kept apart, since rolls disagree on their order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonName {
    pub family: Name,
    pub given: Name,
}

/// How two persons' names compare, part by part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameMatch {
    /// Family with family and given with given agree.
    Same,
    /// They agree only crosswise: one record has the family name where the other has the given
    /// name, and the other way round.
    Swapped,
    /// Only the family names agree.
    FamilyOnly,
    /// Only the given names agree.
    GivenOnly,
    Different,
}

impl PersonName {
    pub fn compare(&self, other: &PersonName, latin: LatinKey) -> NameMatch {
        let family = self.family.agrees(&other.family, latin);
        let given = self.given.agrees(&other.given, latin);
        match (family, given) {
            (true, true) => NameMatch::Same,
            _ if self.family.agrees(&other.given, latin)
                && self.given.agrees(&other.family, latin) =>
            {
                NameMatch::Swapped
            }
            (true, false) => NameMatch::FamilyOnly,
            (false, true) => NameMatch::GivenOnly,
            (false, false) => NameMatch::Different,
        }
    }
}
