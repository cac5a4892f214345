//! Coded SMS reports (`observer::sms::read`) against the repository's observer forms
//! (`forms/cambodia-observer.toml`), and the repeat counting of `observer::sms::Repeats`.
//!
//! Input: the message (UTF-8, bad sequences replaced).
//!
//! Properties: never a panic. The reply is one line without control characters; a refusal
//! names at least one error. An accepted message fits its form (its answers validate again
//! through `validate_answers`, with the same flags), and its plain form (`Sms::text`) reads back
//! to the same report. The same message from the same sender a minute later is a repeat, and
//! from another sender is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use observer::Forms;
use observer::report::{Channel, validate_answers};
use observer::sms::{self, Admission, Outcome, Repeats, SenderHmac};
use std::sync::OnceLock;

fn forms() -> &'static Forms {
    static FORMS: OnceLock<Forms> = OnceLock::new();
    FORMS.get_or_init(|| {
        Forms::parse(
            include_str!("../../forms/cambodia-observer.toml"),
            "cambodia-observer.toml",
        )
        .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let forms = forms();
    let outcome = sms::read(forms, &text);
    let reply = outcome.reply();
    assert!(!reply.chars().any(char::is_control), "{reply:?}");
    match &outcome {
        Outcome::Accepted { sms, flags } => {
            let form = forms.get(&sms.form).unwrap();
            assert_eq!(
                validate_answers(form, &sms.answers, Channel::Sms).as_ref(),
                Ok(flags)
            );
            let again = sms::read(forms, &sms.text());
            assert_eq!(again, outcome, "{:?} read back as {:?}", sms.text(), again);
        }
        Outcome::Refused { errors, .. } => assert!(!errors.is_empty()),
    }
    let a = SenderHmac::parse(&"a1".repeat(32)).unwrap();
    let b = SenderHmac::parse(&"b2".repeat(32)).unwrap();
    let mut repeats = Repeats::new();
    assert_eq!(repeats.admit(&a, 1_000, &text), Admission::Counted);
    assert_eq!(
        repeats.admit(&a, 1_060, &text),
        Admission::Repeat { counted_at: 1_000 }
    );
    assert_eq!(repeats.admit(&b, 1_060, &text), Admission::Counted);
});
