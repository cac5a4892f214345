//! The electronic poll book's events: each station's pseudonym list, check-ins packed many to an
//! entry, and temporary voting cards. The exact formats (also in `docs/pollbook.md`):
//!
//! **Pseudonym.** A voter's pseudonym is the lowercase hex `HMAC-SHA256(election secret, voter
//! id)`, the voter id in UTF-8 ([`pseudonym`]). The commission keeps the secret; it never enters
//! the log. By hand: `printf %s KH010000001 | openssl dgst -sha256 -hmac "$SECRET"`.
//!
//! **Station list** (`kind: "pseudonyms"`), an entry of a governed batch of `content:
//! "pseudonyms"` that the commission proposes at roll freeze:
//! `{"pseudonyms":["<64 hex>",…],"station":"0101010001"}`. A station's list may take several
//! entries (an entry is at most 65,535 bytes, so about 950 pseudonyms each).
//!
//! **Check-ins** (`kind: "checkins"`), signed by a polling official of the station, alone or as
//! the entries of an ungoverned batch of `content: "checkins"` (an offline station's sync, signed
//! once): `{"checkins":[[ID,AT,PRESENTED],…],"station":CODE}`, each check-in a JSON array of
//!
//! - `ID`: the check-in id, a string of 1 to 64 characters `[A-Za-z0-9._:-]`, unique at the
//!   station (a sync sent again repeats its ids: the same id with the same time and voter is
//!   counted once and raises nothing; the same id with anything different raises an alert);
//! - `AT`: the claimed time the ballot was handed out, Unix seconds (UTC);
//! - `PRESENTED`: the voter's pseudonym (64 lowercase hex digits) or `"card:"` followed by the
//!   temporary card's number (1 to 32 characters `[A-Za-z0-9-]`).
//!
//! A check-in takes about 90 bytes, so one entry holds up to about 700: a station's day (about
//! 370 on average in Cambodia 2013) is one entry, and 7 million check-ins are about 19,000
//! entries and 19,000 signatures rather than 7 million of each.
//!
//! **Temporary voting card** (`kind: "temporary_card"`), signed by a registration officer, alone
//! or in a batch of `content: "temporary_cards"` (governed when the officer's day is above the
//! genesis's `card_threshold`): see [`TemporaryCard`].

use serde::{Deserialize, Serialize};

/// The pseudonym of `voter` under the election's secret: lowercase hex HMAC-SHA256.
pub fn pseudonym(secret: &[u8], voter: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(voter.as_bytes());
    super::hex(&mac.finalize().into_bytes())
}

/// The default of the genesis's `card_threshold`: temporary cards one registration officer may
/// issue in one day (UTC, by the cards' claimed times) before further cards need the
/// commission's approval.
pub const DEFAULT_CARD_THRESHOLD: u64 = 100;

/// Part or all of a station's pseudonym list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pseudonyms {
    pub pseudonyms: Vec<String>,
    pub station: String,
}

/// Check-ins at one station (see the module documentation for the format).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkins {
    pub checkins: Vec<CheckIn>,
    pub station: String,
}

/// One ballot handed out: `[id, at, presented]` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "CheckInWire", into = "CheckInWire")]
pub struct CheckIn {
    pub id: String,
    /// Claimed time, Unix seconds.
    pub at: u64,
    pub presented: Presented,
}

/// What the voter presented: their place on the roll, as a pseudonym, or a temporary card.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Presented {
    /// 64 lowercase hex digits.
    Pseudonym(String),
    /// The card's number.
    Card(String),
}

impl std::fmt::Display for Presented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Presented::Pseudonym(p) => f.write_str(p),
            Presented::Card(c) => write!(f, "card:{c}"),
        }
    }
}

impl Presented {
    /// Reads `<64 hex>` or `card:<number>`.
    pub fn parse(s: &str) -> Result<Presented, String> {
        if let Some(card) = s.strip_prefix("card:") {
            check_card_number(card)?;
            return Ok(Presented::Card(card.to_string()));
        }
        if is_hex64(s) {
            return Ok(Presented::Pseudonym(s.to_string()));
        }
        Err(format!(
            "{s:?} is neither a pseudonym (64 lowercase hex digits) nor card:<number>"
        ))
    }
}

/// Whether `s` is 64 lowercase hex digits.
pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A card number: 1 to 32 characters `[A-Za-z0-9-]`.
pub fn check_card_number(card: &str) -> Result<(), String> {
    if card.is_empty()
        || card.len() > 32
        || !card.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "card number {card:?} is not 1 to 32 characters A-Z, a-z, 0-9 or -"
        ));
    }
    Ok(())
}

/// A check-in id: 1 to 64 characters `[A-Za-z0-9._:-]`.
pub fn check_checkin_id(id: &str) -> Result<(), String> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    {
        return Err(format!(
            "check-in id {id:?} is not 1 to 64 characters A-Z, a-z, 0-9, '.', '_', ':' or '-'"
        ));
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct CheckInWire(String, u64, String);

impl TryFrom<CheckInWire> for CheckIn {
    type Error = String;
    fn try_from(w: CheckInWire) -> Result<CheckIn, String> {
        check_checkin_id(&w.0)?;
        Ok(CheckIn {
            presented: Presented::parse(&w.2)?,
            id: w.0,
            at: w.1,
        })
    }
}

impl From<CheckIn> for CheckInWire {
    fn from(c: CheckIn) -> CheckInWire {
        CheckInWire(c.id, c.at, c.presented.to_string())
    }
}

/// On what the registration officer issued a temporary card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CardBasis {
    /// An identity document was seen.
    IdentityDocument,
    /// Two witnesses vouched for the person.
    TwoWitnesses,
    Other,
}

impl CardBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            CardBasis::IdentityDocument => "identity_document",
            CardBasis::TwoWitnesses => "two_witnesses",
            CardBasis::Other => "other",
        }
    }
}

/// A temporary voting card issued by a registration officer, for a voter on the roll (`voter`)
/// or for a new registrant (`registrant`: a commitment to their details, as
/// [`super::commitment`] makes), exactly one of the two. The card is valid at `station` only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemporaryCard {
    /// Claimed time of issuance, Unix seconds; its UTC day counts towards the threshold.
    pub at: u64,
    pub basis: CardBasis,
    /// The card's number, unique in the election.
    pub card: String,
    /// Lowercase hex SHA-256 of the evidence (a scan of the document seen, the witnesses'
    /// statements), kept outside the log.
    pub evidence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrant: Option<String>,
    pub station: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voter: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonym_is_rfc_4231_hmac() {
        // RFC 4231 test case 2.
        assert_eq!(
            pseudonym(b"Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_checkin_is_an_array_of_three() {
        let c = CheckIn {
            id: "0101-17".into(),
            at: 1374987600,
            presented: Presented::Card("TC-9".into()),
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, r#"["0101-17",1374987600,"card:TC-9"]"#);
        assert_eq!(serde_json::from_str::<CheckIn>(&json).unwrap(), c);
        assert!(serde_json::from_str::<CheckIn>(r#"["a",1,"ABC"]"#).is_err());
        assert!(serde_json::from_str::<CheckIn>(r#"["",1,"card:1"]"#).is_err());
    }
}
