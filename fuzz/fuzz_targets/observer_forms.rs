//! Observer form definitions (`observer::Forms::parse`, the TOML of docs/observer-forms.md).
//!
//! Input: the definition's text (UTF-8, bad sequences replaced).
//!
//! Properties: never a panic. A refusal is one line that starts with the file's name and says
//! something. A definition that is accepted keeps its promises: prefixes unique and 1-6 capital
//! letters; in each form, tags unique, two capital letters, none starting with X; integer
//! ranges with min <= max; options of select and multiselect fields non-empty, numbered from 1,
//! unique, and at most 9 for a multiselect; every check naming only the form's fields; a
//! checklist with its schedule point, an incident with its categories. And the forms drive the
//! SMS reader: for each checklist, a message answering every field an SMS can carry with its
//! minimum or first option is accepted, with exactly those answers, and reads back from its
//! plain form to the same report.
#![no_main]

use std::collections::BTreeSet;

use libfuzzer_sys::fuzz_target;
use observer::form::{FieldType, Kind};
use observer::sms::{self, Outcome};
use observer::{Forms, Value};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let forms = match Forms::parse(&text, "forms.toml") {
        Ok(f) => f,
        Err(e) => {
            let message = e.to_string();
            assert!(message.starts_with("forms.toml: "), "{message}");
            assert!(message.len() > "forms.toml: ".len() + 2, "{message}");
            assert!(!message.contains('\n'), "{message}");
            return;
        }
    };
    serde_json::to_string(&forms).unwrap();
    let mut prefixes = BTreeSet::new();
    for form in &forms.forms {
        assert!(prefixes.insert(form.prefix.clone()));
        assert!((1..=6).contains(&form.prefix.len()));
        assert!(form.prefix.bytes().all(|b| b.is_ascii_uppercase()));
        assert!(form.version >= 1);
        match form.kind {
            Kind::Checklist => assert!(
                form.schedule.is_some() && form.categories.is_empty() && !form.groups.is_empty()
            ),
            Kind::Incident => assert!(form.schedule.is_none() && !form.categories.is_empty()),
        }
        let mut tags = BTreeSet::new();
        for f in form.fields() {
            assert!(tags.insert(f.tag.clone()));
            assert!(
                f.tag.len() == 2
                    && f.tag.bytes().all(|b| b.is_ascii_uppercase())
                    && !f.tag.starts_with('X')
            );
            assert!(f.min <= f.max);
            if matches!(f.kind, FieldType::Select | FieldType::Multiselect) {
                assert!(!f.options.is_empty());
                let numbers: BTreeSet<u32> = f.options.iter().map(|o| o.value).collect();
                assert_eq!(numbers.len(), f.options.len());
                assert!(numbers.iter().all(|&n| n >= 1));
                if f.kind == FieldType::Multiselect {
                    assert!(numbers.iter().all(|&n| n <= 9));
                }
            } else {
                assert!(f.options.is_empty());
            }
        }
        for c in &form.checks {
            for (tag, _) in c.parsed.tags() {
                assert!(tags.contains(tag), "check {} names {tag}", c.name);
            }
        }
        if form.kind == Kind::Incident {
            continue;
        }
        // A message answering every field an SMS can carry.
        let mut message = format!("{} 2 ", form.prefix);
        let mut expected = observer::report::Answers::new();
        for f in form.fields().filter(|f| f.kind.by_sms()) {
            let value = match f.kind {
                FieldType::Integer => Value::Integer(f.min),
                FieldType::Select => Value::Select(f.options[0].value),
                _ => Value::Multiselect(vec![f.options[0].value]),
            };
            let digits = match &value {
                Value::Integer(n) | Value::Select(n) => n.to_string(),
                Value::Multiselect(v) => v[0].to_string(),
                _ => unreachable!(),
            };
            message.push_str(&format!("{}{digits}", f.tag));
            expected.insert(f.tag.clone(), value);
        }
        match sms::read(&forms, &message) {
            Outcome::Accepted { sms, .. } => {
                assert_eq!(sms.form, form.prefix, "{message}");
                assert_eq!(sms.answers, expected, "{message}");
                assert_eq!(sms::read(&forms, &sms.text()), sms::read(&forms, &message));
            }
            refused => panic!("{message:?} refused: {}", refused.reply()),
        }
    }
});
