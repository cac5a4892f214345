//! The fixture of the `cdf` target: a small tally (two provinces of two districts, five
//! stations, a party-list contest and a candidate race, forms from three sources), built on
//! the interchange tests' own, and its export as a NIST CDF report.

use interchange::cdf::{ExportOptions, export};
use interchange::tally::Tally;
use std::sync::OnceLock;

/// The interchange tests' fixture tally and its helpers.
#[path = "../../crates/interchange/tests/common/mod.rs"]
mod tests_common;
use tests_common::{counts, form};

/// The sources the fixture has forms from, and one it has none from.
pub const SOURCES: &[&str] = &["official", "party:A", "observer:watch", "party:Z"];

/// The interchange tests' tally, with what the fuzz target needs besides: an unnamed
/// station, an observer's copy where party A had one, a partial copy from party A in the
/// candidate race, and a certified area.
pub fn tally() -> &'static Tally {
    static T: OnceLock<Tally> = OnceLock::new();
    T.get_or_init(|| {
        let mut t = tests_common::tally();
        t.election = "Fuzz election".into();
        for s in &mut t.stations {
            if s.code == "S5" {
                s.name = None;
            }
        }
        t.forms
            .retain(|f| !(f.station == "S4" && f.source == "party:A"));
        t.forms.push(form(
            "S4",
            "assembly",
            "observer:watch",
            counts(&[("A", 11), ("B", 69)], 1, Some(90)),
        ));
        t.forms.push(form(
            "S2",
            "mayor",
            "party:A",
            counts(&[("ann", 35)], 0, Some(80)),
        ));
        t.certified = vec![("mayor".into(), "D11".into())];
        t
    })
}

pub fn options() -> ExportOptions {
    ExportOptions::new(
        "2013-07-28",
        "2013-07-29T10:00:00Z",
        "Fuzz commission",
        "scrutineer fuzz",
    )
}

/// The fixture exported with every level and source, as JSON.
pub fn report() -> &'static serde_json::Value {
    static R: OnceLock<serde_json::Value> = OnceLock::new();
    R.get_or_init(|| serde_json::to_value(export(tally(), &options()).unwrap()).unwrap())
}
