//! An election's results written out: NIST SP 1500-100 JSON (CDF) or CSV, from [`tally()`],
//! after checking that the source, contest and level asked for exist.

use crate::tally;
use interchange::cdf;
use ledger::Election;

/// The file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Cdf,
    Csv,
}

/// What to write.
pub struct Export<'a> {
    pub format: Format,
    /// Only this source: official, party:<id> or observer:<organisation>.
    pub source: Option<&'a str>,
    /// station, country, or an area level (for CDF: the finest level given).
    pub level: &'a str,
    /// Only this contest (CSV needs one when the election has several).
    pub contest: Option<&'a str>,
    /// CDF: the election day, YYYY-MM-DD.
    pub date: Option<&'a str>,
    /// CDF: who issues the report (default: the log's origin).
    pub issuer: Option<&'a str>,
    /// CDF: the program that wrote it.
    pub generator: &'a str,
    /// CDF: when, in seconds since 1970.
    pub now: u64,
    /// The election as the caller names it, for messages.
    pub name: &'a str,
}

/// Why the results cannot be written as asked.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Refused(String),
    /// CDF needs the election day, which the record does not hold.
    #[error("the NIST format needs the election day, which the election record does not hold")]
    DateNeeded,
    /// A CSV file holds one contest; these are the election's.
    #[error("a CSV file holds one contest: choose one ({})", .0.join(", "))]
    ChooseContest(Vec<String>),
}

fn refused(e: impl std::fmt::Display) -> ExportError {
    ExportError::Refused(e.to_string())
}

/// The file's bytes.
pub fn export(election: &Election, e: &Export) -> Result<Vec<u8>, ExportError> {
    let t = tally(election).map_err(refused)?;
    let level = t.level(e.level).map_err(ExportError::Refused)?;
    if let Some(s) = e.source
        && !t.forms.iter().any(|f| f.source == s)
    {
        let mut sources: Vec<&str> = t.forms.iter().map(|f| f.source.as_str()).collect();
        sources.sort();
        sources.dedup();
        return Err(refused(format!(
            "no result forms from source {s:?} in {}; its sources are: {}",
            e.name,
            if sources.is_empty() {
                "none yet".to_string()
            } else {
                sources.join(", ")
            }
        )));
    }
    let known: Vec<String> = t.contests.iter().map(|c| c.id.clone()).collect();
    if let Some(c) = e.contest
        && !known.iter().any(|x| x == c)
    {
        return Err(refused(format!(
            "unknown contest {c:?}; the contests are {}",
            known.join(", ")
        )));
    }
    match e.format {
        Format::Cdf => {
            let Some(date) = e.date else {
                return Err(ExportError::DateNeeded);
            };
            let origin = ledger::report::origin(election.conn()).map_err(refused)?;
            let issuer = e.issuer.unwrap_or(&origin);
            let mut o =
                cdf::ExportOptions::new(date, &cdf::utc_timestamp(e.now), issuer, e.generator);
            o.finest = level;
            o.contest = e.contest.map(str::to_string);
            o.source = e.source.map(str::to_string);
            o.notes = Some(format!(
                "Results from the log {origin} at size {} (state digest {}), as replayed by anyone with `scrutineer replay`. \
                 Official counts have Type \"total\"; other copies of the result forms have Type \"other\" and \
                 OtherType \"party:<id>\" or \"observer:<organisation>\".",
                election.log().size(),
                election.digest().map_err(refused)?
            ));
            let report = cdf::export(&t, &o).map_err(refused)?;
            let mut out = serde_json::to_vec_pretty(&report).map_err(refused)?;
            out.push(b'\n');
            Ok(out)
        }
        Format::Csv => {
            let contest = match (e.contest, known.as_slice()) {
                (Some(c), _) => c.to_string(),
                (None, [one]) => one.clone(),
                (None, _) => return Err(ExportError::ChooseContest(known)),
            };
            let mut out = Vec::new();
            t.write_csv(&mut out, level, &contest, e.source)
                .map_err(refused)?;
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use synthetic::{Cambodia2013, Scale};
    use tlog::{Log, LogMeta, SqliteStorage};

    fn election(dir: &std::path::Path) -> Election {
        let e = Cambodia2013::new(Scale { divisor: 1000 }, 2013);
        let meta = LogMeta {
            origin: synthetic::cambodia::ORIGIN.into(),
            vkey: e.keys.log.vkey().to_string(),
        };
        let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap();
        let mut election = Election::create(log, &e.genesis_entry()).unwrap();
        let applied = election.submit(&e.stations_submission()).unwrap().applied;
        let id = applied
            .iter()
            .find_map(|a| a.proposal())
            .unwrap()
            .to_string();
        election.submit(&e.approvals(&id)).unwrap();
        election.submit(&e.enrolments()).unwrap();
        election.submit(&e.official_forms()).unwrap();
        election
    }

    #[test]
    fn results_go_out_only_as_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let election = election(tmp.path());
        let ask = |format, source, date| Export {
            format,
            source,
            level: "country",
            contest: None,
            date,
            issuer: None,
            generator: "test",
            now: 0,
            name: "kh",
        };
        let csv = export(&election, &ask(Format::Csv, None, None)).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.starts_with("level,code,name,parent,contest,source,forms,"),
            "{csv}"
        );
        assert_eq!(csv.lines().count(), 2, "{csv}");
        assert!(matches!(
            export(&election, &ask(Format::Cdf, None, None)),
            Err(ExportError::DateNeeded)
        ));
        let cdf = export(&election, &ask(Format::Cdf, None, Some("2013-07-28"))).unwrap();
        assert!(String::from_utf8(cdf).unwrap().contains("ElectionReport"));
        let err = export(&election, &ask(Format::Csv, Some("party:X"), None)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no result forms from source \"party:X\" in kh; its sources are: official"
        );
    }
}
