//! Result forms, one per station, from one copy of the form in a file.

use crate::{BadRow, Choice, Error, Import, Result, Span, Staged, safe};
use interchange::CountField as F;
use ledger::event::{Content, Event, ResultForm};
use serde::Serialize;
use std::collections::BTreeMap;

/// What to read and how to file it; `None` where the file or the election leaves one choice.
#[derive(Debug, Clone, Default)]
pub struct ResultsImport<'s> {
    /// Which of the mapping's copies of the form to read.
    pub from: Option<&'s str>,
    /// What the forms are: official, party:PARTY or observer:ORGANISATION; by default what
    /// the signing key is enrolled as.
    pub source: Option<&'s str>,
    pub contest: Option<&'s str>,
}

/// What a results import recorded, in numbers anyone can compare with the file.
#[derive(Debug, Clone, Serialize)]
pub struct ResultsReport {
    pub forms: usize,
    pub source: String,
    pub contest: String,
    /// The copy of the form read.
    pub from: String,
    pub span: Span,
    /// Rows whose copy has no votes at all: no form for those stations.
    pub no_copy: u64,
    /// Forms whose total is not valid + invalid (valid and invalid were recorded as given).
    pub total_differs: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Votes per choice id over the forms taken.
    pub votes: BTreeMap<String, u64>,
    /// Forms recorded whose numbers do not add up: taken, and flagged publicly
    /// (`ledger::report::flags`, docs/flags.md).
    pub flagged: u64,
    /// The rows left out, by line.
    pub left_out: Vec<BadRow>,
}

/// Where in a row a form is wrong.
pub enum Field {
    Count(F),
    Vote(usize),
}

impl Import<'_> {
    /// Records the file's forms of one copy as one batch.
    pub fn results(&mut self, want: &ResultsImport) -> Result<ResultsReport> {
        let mapping_path = self.mapping.path.display().to_string();
        // Which copy of the form to read.
        let names: Vec<&str> = self
            .mapping
            .sources
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        let from = match (want.from, names.as_slice()) {
            (Some(f), _) => {
                if !names.contains(&f) {
                    return Err(Error::Refused(format!(
                        "{mapping_path}: has no source {f:?}; its [[source]] tables are {}",
                        names.join(", ")
                    )));
                }
                f.to_string()
            }
            (None, [one]) => one.to_string(),
            (None, _) => {
                return Err(Error::Choose {
                    what: Choice::Copy,
                    context: mapping_path,
                    among: names.iter().map(|n| n.to_string()).collect(),
                });
            }
        };
        let source_index = names.iter().position(|n| *n == from).expect("checked");
        // Read only that copy, so that a bad cell in another copy does not stop this one.
        let mut mapping = self.mapping.clone();
        mapping.sources = vec![mapping.sources[source_index].clone()];
        let source_keys = format!("source[{source_index}]");

        // The contest, and the mapping's choices as the contest's ids.
        let contests = ledger::report::contests(self.election.conn())?;
        let ids = || contests.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        let contest = match (want.contest, contests.as_slice()) {
            (Some(id), _) => match contests.iter().find(|c| c.id == id) {
                Some(c) => c.clone(),
                None => {
                    return Err(Error::Refused(format!(
                        "the election has no contest {id:?}; its contests are {}",
                        ids().join(", ")
                    )));
                }
            },
            (None, [one]) => one.clone(),
            (None, []) => return Err(Error::Refused("the election has no contest".into())),
            (None, _) => {
                return Err(Error::Choose {
                    what: Choice::Contest,
                    context: "the election".into(),
                    among: ids(),
                });
            }
        };
        let mut choice_ids = Vec::new();
        for (i, name) in mapping.choices.iter().enumerate() {
            let wanted = name.trim().to_lowercase();
            let found = contest
                .choices
                .iter()
                .find(|c| c.id.to_lowercase() == wanted || c.name.trim().to_lowercase() == wanted);
            match found {
                Some(c) => choice_ids.push(c.id.clone()),
                None => {
                    return Err(Error::Refused(format!(
                        "{mapping_path}: key `contest.choices[{i}]`: {name:?} is not a choice of contest {:?}; its choices are {}",
                        contest.id,
                        contest.choice_list()
                    )));
                }
            }
        }

        let source = match want.source {
            Some(s) => s.to_string(),
            None => default_source(self.election, self.key.name())?,
        };

        let (input, counter) = self.input()?;
        let reader = interchange::StationResultsReader::from_reader(input, &self.file, &mapping)?
            .keep_going();
        let rows = self.collect(reader, counter)?;

        let key_of = |field: F| -> Option<String> {
            let spec = mapping.sources[0]
                .counts
                .iter()
                .chain(mapping.shared_counts.iter())
                .find(|(f, _)| *f == field)?;
            Some(spec.1.key.replace("source[0]", &source_keys))
        };
        let mut staged = Staged::default();
        let mut no_copy = 0u64;
        let mut total_differs = 0u64;
        for row in &rows {
            let form = &row.forms[0];
            if form.votes.iter().all(Option::is_none) {
                no_copy += 1;
                continue;
            }
            match result_form(row, form, &choice_ids, &contest.id, &source) {
                Ok((f, differs)) => {
                    total_differs += differs as u64;
                    staged.push(Event::ResultForm(f), row.line);
                }
                Err((field, reason)) => {
                    let field = match field {
                        Field::Count(c) => match key_of(c) {
                            Some(k) => format!("{} (mapping key `{k}`)", c.as_str()),
                            None => c.as_str().to_string(),
                        },
                        Field::Vote(i) => format!(
                            "votes.{} (mapping key `{source_keys}.votes[{i}]`)",
                            choice_ids[i]
                        ),
                    };
                    self.bad.push(BadRow {
                        line: row.line,
                        field,
                        reason,
                    });
                }
            }
        }
        let field_key = |field: &str| -> Option<String> {
            if let Some(choice) = field.strip_prefix("votes.") {
                let i = choice_ids.iter().position(|c| c == choice)?;
                return Some(format!("{source_keys}.votes[{i}]"));
            }
            match field {
                "station" => Some("station.id".into()),
                "valid" => key_of(F::Valid).or_else(|| key_of(F::Total)),
                "invalid" => key_of(F::Invalid).or_else(|| key_of(F::Total)),
                "registered" => key_of(F::Registered),
                "ballots_issued" => key_of(F::BallotsIssued),
                "ballots_received" => key_of(F::BallotsReceived),
                "spoiled" => key_of(F::BallotsSpoiled),
                "unused" => key_of(F::BallotsUnused),
                _ => None,
            }
        };
        let (receipt, taken) = self.submit(Content::ResultForms, staged, None, &field_key)?;

        let (mut valid, mut invalid) = (0u64, 0u64);
        let mut votes: BTreeMap<String, u64> = BTreeMap::new();
        for e in &taken.events {
            if let Event::ResultForm(f) = e {
                valid += f.valid;
                invalid += f.invalid;
                for (c, n) in &f.votes {
                    *votes.entry(c.clone()).or_default() += n;
                }
            }
        }
        let span = Span::of(&receipt);
        let flagged = ledger::report::flagged_entries(self.election.conn(), span.first, span.last)?;
        Ok(ResultsReport {
            forms: taken.events.len(),
            source,
            contest: contest.id,
            from,
            span,
            no_copy,
            total_differs,
            valid,
            invalid,
            votes,
            flagged,
            left_out: self.left_out(),
        })
    }
}

/// One copy's form as an event; the error names the field. Also says whether the form's
/// total disagrees with valid + invalid. Where the form gives only a total and one of valid
/// or invalid, the other is derived.
pub fn result_form(
    row: &interchange::StationResult,
    form: &interchange::ResultForm,
    choices: &[String],
    contest: &str,
    source: &str,
) -> std::result::Result<(ResultForm, bool), (Field, String)> {
    let c = &form.counts;
    let mut votes = BTreeMap::new();
    for (i, v) in form.votes.iter().enumerate() {
        let Some(v) = v else {
            return Err((
                Field::Vote(i),
                "missing, while other choices have votes".into(),
            ));
        };
        let v = safe(*v, "votes").map_err(|m| (Field::Vote(i), m))?;
        *votes.entry(choices[i].clone()).or_insert(0u64) += v;
    }
    let count = |f: F| -> std::result::Result<Option<u64>, (Field, String)> {
        c.get(f)
            .map(|v| safe(v, f.as_str()).map_err(|m| (Field::Count(f), m)))
            .transpose()
    };
    let (valid, invalid, total) = (count(F::Valid)?, count(F::Invalid)?, count(F::Total)?);
    let (valid, invalid) = match (valid, invalid, total) {
        (Some(v), Some(i), _) => (v, i),
        (None, Some(i), Some(t)) => (
            t.checked_sub(i).ok_or((
                Field::Count(F::Invalid),
                format!("{i} invalid ballots, more than the total {t}"),
            ))?,
            i,
        ),
        (Some(v), None, Some(t)) => (
            v,
            t.checked_sub(v).ok_or((
                Field::Count(F::Valid),
                format!("{v} valid ballots, more than the total {t}"),
            ))?,
        ),
        (None, _, _) => {
            return Err((
                Field::Count(F::Valid),
                "missing (and cannot be derived from a total and invalid)".into(),
            ));
        }
        (_, None, _) => {
            return Err((
                Field::Count(F::Invalid),
                "missing (and cannot be derived from a total and valid)".into(),
            ));
        }
    };
    let differs = total.is_some_and(|t| t != valid + invalid);
    Ok((
        ResultForm {
            ballots_issued: count(F::BallotsIssued)?,
            ballots_received: count(F::BallotsReceived)?,
            contest: contest.to_string(),
            invalid,
            photos: Vec::new(),
            registered: count(F::Registered)?,
            source: source.to_string(),
            spoiled: count(F::BallotsSpoiled)?,
            station: row.station.clone(),
            time: None,
            unused: count(F::BallotsUnused)?,
            valid,
            votes,
        },
        differs,
    ))
}

/// The source a key files by default: what it is enrolled as.
fn default_source(election: &ledger::Election, name: &str) -> Result<String> {
    let Some(ledger::report::Enrolled {
        role,
        party,
        organisation,
    }) = ledger::report::enrolled(election.conn(), name)?
    else {
        return Err(Error::Refused(format!(
            "{name:?} is not an enrolled key of this election"
        )));
    };
    Ok(match (role.as_str(), party, organisation) {
        ("party_agent", Some(p), _) => format!("party:{p}"),
        ("observer", _, Some(o)) => format!("observer:{o}"),
        ("polling_official" | "commission_clerk", _, _) => "official".to_string(),
        (role, _, _) => {
            return Err(Error::SourceNeeded {
                name: name.to_string(),
                role: role.replace('_', " "),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(counts: interchange::Counts, votes: Vec<Option<u64>>) -> interchange::StationResult {
        interchange::StationResult {
            line: 4,
            station: "S1".into(),
            areas: Vec::new(),
            forms: vec![interchange::ResultForm { counts, votes }],
        }
    }

    fn form(r: &interchange::StationResult) -> std::result::Result<(ResultForm, bool), String> {
        let choices = ["A".to_string(), "B".to_string()];
        result_form(r, &r.forms[0], &choices, "c", "official").map_err(|(f, m)| match f {
            Field::Count(c) => format!("{}: {m}", c.as_str()),
            Field::Vote(i) => format!("votes[{i}]: {m}"),
        })
    }

    #[test]
    fn valid_is_derived_from_the_total_and_invalid() {
        let r = row(
            interchange::Counts {
                invalid: Some(3),
                total: Some(20),
                ..Default::default()
            },
            vec![Some(10), Some(7)],
        );
        let (f, differs) = form(&r).unwrap();
        assert_eq!((f.valid, f.invalid, differs), (17, 3, false));
        assert_eq!(f.votes["A"], 10);
    }

    #[test]
    fn a_form_is_refused_by_field() {
        let short = row(
            interchange::Counts {
                invalid: Some(30),
                total: Some(20),
                ..Default::default()
            },
            vec![Some(10), Some(7)],
        );
        assert_eq!(
            form(&short).unwrap_err(),
            "invalid: 30 invalid ballots, more than the total 20"
        );
        let gap = row(
            interchange::Counts {
                valid: Some(17),
                invalid: Some(3),
                ..Default::default()
            },
            vec![Some(10), None],
        );
        assert_eq!(
            form(&gap).unwrap_err(),
            "votes[1]: missing, while other choices have votes"
        );
    }

    #[test]
    fn a_total_that_is_not_valid_plus_invalid_is_kept_and_said() {
        let r = row(
            interchange::Counts {
                valid: Some(17),
                invalid: Some(3),
                total: Some(21),
                ..Default::default()
            },
            vec![Some(10), Some(7)],
        );
        let (f, differs) = form(&r).unwrap();
        assert_eq!((f.valid, f.invalid, differs), (17, 3, true));
    }
}
