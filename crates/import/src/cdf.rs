//! Result forms from a NIST SP 1500-100 (CDF) file, as events.

use interchange::cdf::Imported;
use ledger::event::{Event, ResultForm};

/// The station forms `interchange::cdf::import` found, as result-form events filed as
/// `source`, in the file's order (entry i + 1 of the batch is form i). CDF gives valid and
/// invalid ballots and the votes; the other figures are absent.
pub fn cdf_forms(imported: &Imported, source: &str) -> Vec<Event> {
    imported
        .forms
        .iter()
        .map(|f| {
            Event::ResultForm(ResultForm {
                ballots_issued: None,
                ballots_received: None,
                contest: f.contest.clone(),
                invalid: f.counts.invalid,
                photos: Vec::new(),
                registered: None,
                source: source.to_string(),
                spoiled: None,
                station: f.station.clone(),
                time: None,
                unused: None,
                valid: f.counts.valid,
                votes: f.counts.votes.clone(),
            })
        })
        .collect()
}
