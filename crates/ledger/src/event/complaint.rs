//! Complaints and the commission's decisions on them, with deadlines judged by witness time.
//! The exact formats (also in `docs/complaints.md`):
//!
//! **Complaint** (`kind: "complaint"`), signed by a party agent or an observer whose scope
//! covers the place it is about:
//!
//! ```json
//! {"kind":"complaint","body":{"category":"intimidation","evidence":["9b1e…(64 hex)"],"station":"0101-001","text":"Agents were turned away at 07:10","time":1374988200}}
//! ```
//!
//! - `station` or `area` (exactly one): the polling station, or the area, it is about;
//! - `category`: a short word, 1 to 64 characters `a-z 0-9 _ -` (`intimidation`,
//!   `vote_buying`); the genesis may give a category deadlines of its own;
//! - `text`: what happened, in words (not empty);
//! - `evidence`: optional, the lowercase hex SHA-256 of each piece of evidence kept outside
//!   the log (a photograph, a statement);
//! - `time`: optional, when the author says it was filed, Unix seconds: a claim, judged
//!   against witness time like any claimed time.
//!
//! The complaint's log index is its id.
//!
//! **Decision**: a governed action `complaint_decision` proposed by a commission member or
//! clerk, `{"action":{"complaint_decision":{"complaint":57,"status":"dismissed"}},"reason":"…"}`,
//! whose `reason` is the commission's reasons. It takes effect only when the approval rule is
//! met. A complaint is `received` when filed, and moves to `under_investigation`, then to
//! `upheld` or `dismissed`; it may also be upheld or dismissed without an investigation.
//! A decided complaint stays decided.
//!
//! **Deadlines** (the genesis's `complaint_deadlines`, see [`ComplaintDeadlines`]): seconds of
//! witness time, counted from the earliest witness time of a recorded checkpoint that covers
//! the complaint: `investigate_within` to open an investigation (or decide), `decide_within`
//! to decide.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A complaint about a station or an area (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Complaint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    pub category: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub station: Option<String>,
    pub text: String,
    /// The author's claimed time of filing, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    Received,
    UnderInvestigation,
    Upheld,
    Dismissed,
}

impl ComplaintStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintStatus::Received => "received",
            ComplaintStatus::UnderInvestigation => "under_investigation",
            ComplaintStatus::Upheld => "upheld",
            ComplaintStatus::Dismissed => "dismissed",
        }
    }

    /// Upheld or dismissed: nothing moves it any more.
    pub fn is_decided(self) -> bool {
        matches!(self, ComplaintStatus::Upheld | ComplaintStatus::Dismissed)
    }

    /// Why a complaint standing here cannot move to `to`, or None when it can.
    pub fn refuses(self, to: ComplaintStatus) -> Option<String> {
        if to == ComplaintStatus::Received {
            return Some(
                "a complaint is received when it is filed; decide under_investigation, upheld or dismissed".into(),
            );
        }
        if self.is_decided() {
            return Some(format!("it is already {}", self.as_str()));
        }
        if self == to {
            return Some(format!("it is already {}", self.as_str().replace('_', " ")));
        }
        None
    }
}

impl std::str::FromStr for ComplaintStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<ComplaintStatus, String> {
        serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
            format!("{s:?} is not a complaint's status: received, under_investigation, upheld or dismissed")
        })
    }
}

/// The commission's decision on the complaint filed at log index `complaint`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDecision {
    pub complaint: u64,
    pub status: ComplaintStatus,
}

/// How long the commission has, in seconds of witness time from the complaint's witnessed
/// filing, to open an investigation (or decide without one) and to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    pub decide_within: u64,
    pub investigate_within: u64,
}

/// The deadlines of complaints, set in the genesis: the default, and any category's own.
///
/// In the election configuration:
///
/// ```toml
/// [complaint_deadlines]
/// investigate_within = 172800       # two days
/// decide_within = 604800            # seven days
/// [complaint_deadlines.by_category.intimidation]
/// investigate_within = 21600
/// decide_within = 172800
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintDeadlines {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_category: BTreeMap<String, Deadlines>,
    pub decide_within: u64,
    pub investigate_within: u64,
}

/// The deadlines when the genesis sets none: two days to open an investigation, seven to
/// decide.
pub const DEFAULT_COMPLAINT_DEADLINES: Deadlines = Deadlines {
    decide_within: 7 * 86_400,
    investigate_within: 2 * 86_400,
};

impl ComplaintDeadlines {
    /// The deadlines of `category`.
    pub fn of(&self, category: &str) -> Deadlines {
        self.by_category
            .get(category)
            .copied()
            .unwrap_or(Deadlines {
                decide_within: self.decide_within,
                investigate_within: self.investigate_within,
            })
    }

    /// Why these deadlines cannot be, with the JSON path under them, or None.
    pub fn check(&self) -> Option<(String, String)> {
        let one = |path: String, d: Deadlines| {
            for (field, v) in [
                ("decide_within", d.decide_within),
                ("investigate_within", d.investigate_within),
            ] {
                if v == 0 {
                    return Some((
                        format!("{path}{field}"),
                        "a deadline is at least one second".into(),
                    ));
                }
                if v > super::MAX_SAFE_INTEGER {
                    return Some((
                        format!("{path}{field}"),
                        format!("{v} is larger than 2^53 - 1"),
                    ));
                }
            }
            if d.investigate_within > d.decide_within {
                return Some((
                    format!("{path}investigate_within"),
                    "opening an investigation cannot be due after the decision".to_string(),
                ));
            }
            None
        };
        let default = Deadlines {
            decide_within: self.decide_within,
            investigate_within: self.investigate_within,
        };
        one(String::new(), default).or_else(|| {
            self.by_category.iter().find_map(|(c, d)| {
                check_category(c)
                    .map(|m| (format!("by_category.{c}"), m))
                    .or_else(|| one(format!("by_category.{c}."), *d))
            })
        })
    }
}

/// Why `category` is not a complaint's category (1 to 64 characters `a-z 0-9 _ -`), or None.
pub fn check_category(category: &str) -> Option<String> {
    if category.is_empty()
        || category.len() > 64
        || !category
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Some(format!(
            "category {category:?} is not 1 to 64 characters a-z, 0-9, _ or -"
        ));
    }
    None
}
