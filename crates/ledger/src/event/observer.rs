//! Observers' events: an organisation's form definitions, its observers' checklists and
//! incident reports, and the coded SMS its gateway received. The exact formats (also in
//! `docs/observer-forms.md`):
//!
//! **Form definitions** (`kind: "observer_forms"`), signed by an observer of the organisation:
//! `{"file":"cambodia-observer.toml","text":"<the definition file, as written>"}`. The text is
//! read by `observer::Forms::parse`, so one file drives the validation, the SMS replies and the
//! merge. Each form in it is recorded under the author's organisation, its prefix and its
//! version; a later version of a prefix supersedes the earlier, and every version is kept.
//!
//! **Checklist** (`kind: "observer_checklist"`), signed by an observer:
//! `{"answers":{TAG:{"integer":N}|{"select":N}|{"multiselect":[N,…]}|{"text":S}|{"photo":HASH},…},
//! "at":UNIX_SECONDS,"comment":S?,"form":PREFIX,"schedule":"opening"|"midday"|"closing"|"count",
//! "serial":N?,"station":CODE,"version":N}`. The observer is the author.
//!
//! **Incident** (`kind: "observer_incident"`), signed by an observer:
//! `{"answers":{…}?,"at":UNIX_SECONDS,"category":N,"evidence":[SHA-256 hex,…]?,"form":PREFIX,
//! "location":{"latitude_e6":N,"longitude_e6":N}?,"severity":"low"|"medium"|"high"|"critical",
//! "station":CODE?,"text":S,"version":N}`.
//!
//! **SMS messages** (`kind: "sms_messages"`), signed by an enrolled SMS gateway
//! (role `sms_gateway`) of the organisation: `{"channel":"unsigned","messages":[[RECEIVED_AT,
//! SENDER_HMAC,TEXT],…]}`, many messages to an entry as check-ins are. `RECEIVED_AT` is when the
//! gateway received the message (Unix seconds), `SENDER_HMAC` the HMAC-SHA256 of the sender's
//! number (64 lowercase hex digits; never the number), `TEXT` the message as received. The
//! channel is unsigned: the gateway vouches only that it received the message; what it says is
//! read in the fold, which derives its reading and its reply.
//!
//! **SMS sender** (`kind: "sms_sender"`), signed by the organisation's SMS gateway: an enrolled
//! observer of the organisation reports by SMS from the number whose HMAC is `sender`, about
//! `station`: `{"observer":KEY_NAME,"sender":SENDER_HMAC,"station":CODE}`. Observers are
//! enrolled as keys, as before; the gateway, which knows its observers' numbers, registers only
//! their HMAC. A later registration of the same HMAC replaces the earlier.

use ::observer::form::Schedule;
use ::observer::report::{Answers, Location, Severity};
use serde::{Deserialize, Serialize};

/// Longest definition file recorded, in bytes: it must fit one entry with its envelope.
pub const MAX_DEFINITION: usize = 60_000;

/// An observer organisation's form definition file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObserverForms {
    /// The file's name, for messages.
    pub file: String,
    /// The definition, as written (TOML).
    pub text: String,
}

/// A checklist filed by its author, an observer, at a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObserverChecklist {
    pub answers: Answers,
    /// Claimed time, Unix seconds.
    pub at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub form: String,
    pub schedule: Schedule,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<u32>,
    pub station: String,
    pub version: u32,
}

/// An incident reported by its author, an observer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObserverIncident {
    #[serde(default, skip_serializing_if = "Answers::is_empty")]
    pub answers: Answers,
    /// Claimed time, Unix seconds.
    pub at: u64,
    pub category: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    pub form: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    pub text: String,
    pub version: u32,
}

/// The channel SMS arrive by: no signature of the sender's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsChannel {
    Unsigned,
}

/// Messages an SMS gateway received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsMessages {
    pub channel: SmsChannel,
    pub messages: Vec<SmsMessage>,
}

/// One message received: `[received_at, sender_hmac, text]` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SmsWire", into = "SmsWire")]
pub struct SmsMessage {
    /// Unix seconds.
    pub received_at: u64,
    /// HMAC-SHA256 of the sender's number, 64 lowercase hex digits.
    pub sender: String,
    pub text: String,
}

#[derive(Serialize, Deserialize)]
struct SmsWire(u64, String, String);

impl TryFrom<SmsWire> for SmsMessage {
    type Error = String;
    fn try_from(w: SmsWire) -> Result<SmsMessage, String> {
        if !super::is_hex64(&w.1) {
            return Err(format!(
                "sender {:?} is not an HMAC-SHA256 (64 lowercase hex digits)",
                w.1
            ));
        }
        if w.2.len() > ::observer::sms::MAX_MESSAGE {
            return Err(format!(
                "the message is {} bytes long, more than {}",
                w.2.len(),
                ::observer::sms::MAX_MESSAGE
            ));
        }
        Ok(SmsMessage {
            received_at: w.0,
            sender: w.1,
            text: w.2,
        })
    }
}

impl From<SmsMessage> for SmsWire {
    fn from(m: SmsMessage) -> SmsWire {
        SmsWire(m.received_at, m.sender, m.text)
    }
}

/// An enrolled observer's SMS number, as its HMAC-SHA256 (never the number), and the station
/// their coded messages report on, registered by their organisation's SMS gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmsSender {
    /// The observer's key name.
    pub observer: String,
    /// HMAC-SHA256 of the number, 64 lowercase hex digits.
    pub sender: String,
    pub station: String,
}

/// The `sender` of an SMS: HMAC-SHA256, under the organisation's number secret, of the
/// sender's number in international form, its digits only (`+855 12-345 678` and
/// `85512345678` are the same number, `85512345678` in ASCII). Spaces, `-`, `.`, brackets and
/// a leading `+` are dropped; anything else, or fewer than 4 or more than 15 digits (E.164),
/// is not a number.
pub fn sender_hmac(secret: &[u8], number: &str) -> Result<String, String> {
    use hmac::{Hmac, Mac};
    let trimmed = number.trim();
    let digits: String = trimmed
        .strip_prefix('+')
        .unwrap_or(trimmed)
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    if !(4..=15).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("not a phone number in international form (4 to 15 digits)".into());
    }
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(digits.as_bytes());
    Ok(super::hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_number_is_its_digits() {
        let h = sender_hmac(b"Jefe", "+855 12-345 678").unwrap();
        assert_eq!(h, sender_hmac(b"Jefe", "85512345678").unwrap());
        assert_eq!(h, super::super::pollbook::pseudonym(b"Jefe", "85512345678"));
        assert_ne!(h, sender_hmac(b"other", "85512345678").unwrap());
        for bad in ["", "+", "123", "+855 12 345 678 9012345", "0855x1234"] {
            assert!(sender_hmac(b"Jefe", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_message_is_an_array_of_three() {
        let m = SmsMessage {
            received_at: 1374987600,
            sender: "ab".repeat(32),
            text: "OPN 100234 AA5".into(),
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            format!(r#"[1374987600,"{}","OPN 100234 AA5"]"#, "ab".repeat(32))
        );
        assert_eq!(serde_json::from_str::<SmsMessage>(&json).unwrap(), m);
        assert!(serde_json::from_str::<SmsMessage>(r#"[1,"AB","x"]"#).is_err());
    }
}
