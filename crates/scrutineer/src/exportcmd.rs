//! `scrutineer export`: an election's results as NIST SP 1500-100 JSON (CDF) or as CSV.

use anyhow::Context;
use std::path::PathBuf;

/// Write the election's results as NIST SP 1500-100 JSON (CDF) or CSV.
///
/// The results go station by station and added up over every area, in NIST SP 1500-100
/// version 2 JSON (the Election Results Common Data Format) or CSV. Only what is in effect
/// is written: forms and stations still awaiting the commission's approval are left out.
///
/// CDF (--format cdf): one ElectionReport with a ReportingUnit for every station
/// (polling-place), area (other, OtherType = the level) and the whole election (country);
/// the parties; one Election per contest, holding the contest, its selections and
/// BallotCounts (BallotsCast = valid + invalid, BallotsRejected = invalid). VoteCounts are
/// given per selection, unit and source: official counts have Type "total"; other copies of
/// the result forms have Type "other" and OtherType "party:<id>" or "observer:<organisation>".
/// --level sets the finest level given (default: station). The format needs an election
/// date, which the record does not hold: give it with --date. See docs/export.md.
///
/// CSV (--format csv): one contest per file (--contest when the election has several); one
/// row per unit of --level (station, an area level, or country) and source, with the header
///
///   level,code,name,parent,contest,source,forms,registered,ballots_received,
///   ballots_issued,spoiled,unused,valid,invalid,<one column per choice id, ballot order>
///
/// where forms is how many station forms were added up, and a figure is empty when any of
/// those forms lacks it.
///
///   scrutineer export kh-2013 --format cdf --date 2013-07-28 -o results.json
///   scrutineer export kh-2013 --format csv --level province --source party:CNRP
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    dir: PathBuf,
    #[arg(long, value_enum)]
    format: Format,
    /// Only this source: official, party:<id> or observer:<organisation>.
    #[arg(long)]
    source: Option<String>,
    /// station, country, or an area level (for CDF: the finest level given).
    #[arg(long, default_value = "station")]
    level: String,
    /// Only this contest (CSV needs one when the election has several).
    #[arg(long)]
    contest: Option<String>,
    /// CDF: the election day, YYYY-MM-DD.
    #[arg(long)]
    date: Option<String>,
    /// CDF: who issues the report (default: the log's origin).
    #[arg(long)]
    issuer: Option<String>,
    /// Write here instead of standard output.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Cdf,
    Csv,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    use import::export::{Export, ExportError};
    let (_, election) = crate::logdir::open_election(&a.dir)?;
    let name = a.dir.display().to_string();
    let ask = Export {
        format: match a.format {
            Format::Cdf => import::export::Format::Cdf,
            Format::Csv => import::export::Format::Csv,
        },
        source: a.source.as_deref(),
        level: &a.level,
        contest: a.contest.as_deref(),
        date: a.date.as_deref(),
        issuer: a.issuer.as_deref(),
        generator: &format!("scrutineer {}", env!("CARGO_PKG_VERSION")),
        now: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        name: &name,
    };
    let bytes = import::export::export(&election, &ask).map_err(|e| match e {
        ExportError::DateNeeded => anyhow::anyhow!(
            "the NIST format needs the election day: give it with --date YYYY-MM-DD (the election record does not hold it)"
        ),
        ExportError::ChooseContest(known) => anyhow::anyhow!(
            "a CSV file holds one contest: choose one with --contest ({})",
            known.join(", ")
        ),
        other => other.into(),
    })?;
    match &a.output {
        Some(path) => {
            tlog::publish::write_atomic(path, &bytes)
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} ({} bytes)", path.display(), bytes.len());
        }
        None => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth a message.
            if let Err(e) = stdout.write_all(&bytes).and_then(|_| stdout.flush())
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e.into());
            }
        }
    }
    Ok(())
}
