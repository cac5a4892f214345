//! A person's name: family and given names kept apart, in either or both scripts.

use roll::name::{LatinKey, Name, NameMatch, PersonName};

fn person(family: (&str, &str), given: (&str, &str)) -> PersonName {
    let part = |(k, l): (&str, &str)| Name::new(Some(k), Some(l));
    PersonName {
        family: part(family),
        given: part(given),
    }
}

#[test]
fn same_person_in_other_spellings_and_encodings() {
    // ជា សីហា, once with a zero-width space inside, romanised two ways.
    let a = person(("ជា", "CHEA"), ("សីហា", "SYHA"));
    let b = person(("ជា", "Chea"), ("ស\u{200B}ីហា", "Seiha"));
    assert_eq!(a.compare(&b, LatinKey::RomanisedKhmer), NameMatch::Same);
}

#[test]
fn swapped_order_is_noticed() {
    let a = person(("ជា", "Chea"), ("សីហា", "Seiha"));
    let b = person(("សីហា", "Seiha"), ("ជា", "Chea"));
    assert_eq!(a.compare(&b, LatinKey::RomanisedKhmer), NameMatch::Swapped);
    // Latin only, FEBRL-style.
    let c = PersonName {
        family: Name::new(None, Some("Waller")),
        given: Name::new(None, Some("Lachlan")),
    };
    let d = PersonName {
        family: Name::new(None, Some("Lachlan")),
        given: Name::new(None, Some("Waler")),
    };
    assert_eq!(c.compare(&d, LatinKey::General), NameMatch::Swapped);
}

/// One romanisation for two Khmer names: the Khmer script decides.
#[test]
fn khmer_script_outranks_a_shared_romanisation() {
    let a = person(("ឆន", "Chan"), ("សុភា", "Sophea"));
    let b = person(("ចាន់", "Chan"), ("សុភា", "Sophea"));
    assert_eq!(
        a.compare(&b, LatinKey::RomanisedKhmer),
        NameMatch::GivenOnly
    );
    // Without the script on one side, the romanisations are all there is.
    let c = PersonName {
        family: Name::new(None, Some("Chhan")),
        given: Name::new(Some("សុភា"), None),
    };
    assert_eq!(a.compare(&c, LatinKey::RomanisedKhmer), NameMatch::Same);
}

#[test]
fn empty_and_different_names_do_not_match() {
    let a = person(("ជា", "Chea"), ("សីហា", "Seiha"));
    let empty = PersonName::default();
    assert_eq!(
        a.compare(&empty, LatinKey::RomanisedKhmer),
        NameMatch::Different
    );
    assert_eq!(
        empty.compare(&empty, LatinKey::RomanisedKhmer),
        NameMatch::Different
    );
    assert!(Name::new(Some("  "), Some("")).is_empty());
    let b = person(("ជា", "Chea"), ("សុខា", "Sokha"));
    assert_eq!(
        a.compare(&b, LatinKey::RomanisedKhmer),
        NameMatch::FamilyOnly
    );
    let c = person(("សម", "Sam"), ("រង្ស៊ី", "Rainsy"));
    assert_eq!(
        a.compare(&c, LatinKey::RomanisedKhmer),
        NameMatch::Different
    );
    // A name of only invisible characters or punctuation has an empty key: it matches nothing.
    let d = PersonName {
        family: Name::new(Some("\u{200B}"), Some("-")),
        given: Name::new(None, Some("?")),
    };
    assert_eq!(
        d.compare(&d, LatinKey::RomanisedKhmer),
        NameMatch::Different
    );
}
