//! `scrutineer import {stations,roll,results}`: CSV files through a column-mapping file, each
//! imported as one signed batch that the election takes whole or not at all.
//!
//! The work (rows read by interchange become one batch of ledger events; bad rows are found
//! and listed) is the `import` crate's; this module parses the arguments and prints what an
//! import did. `--skip-invalid` leaves the bad rows out, says which, and imports the rest.

use crate::logdir::{open_election, read_key};
use crate::progress;
use import::{BadRow, Choice, Error, Import, Step};
use interchange::{Mapping, RecordKind};
use std::path::{Path, PathBuf};

mod cdf;

/// Import stations, a voter roll or result forms from a CSV file through a mapping file.
///
/// Each import is one batch signed once with --as: the election takes all of it or none. A row
/// that cannot be read, or that the election's checks refuse (an unknown station, more ballots
/// counted than issued, a voter registered twice...), is a bad row. By default one bad row
/// refuses the whole file and every bad row is listed with its file, line and field; with
/// --skip-invalid the bad rows are left out, listed, and the rest is imported.
///
/// The mapping file says which column holds what (docs/mapping.md; examples in mappings/).
/// Its `record` key must match the kind imported: "stations", "voter-roll" or
/// "station-results". (`import cdf` reads result forms from NIST SP 1500-100 JSON instead,
/// without a mapping.)
///
/// Examples:
///
///   scrutineer import stations ru-2011 duma-2011.csv.zip \
///       --mapping mappings/russia-duma-2011-stations.toml --as clerk.key
///   scrutineer approve ru-2011 PROPOSAL --as member.key     (by enough members)
///
///   scrutineer import roll kh-2013 roll.csv --mapping roll.toml --as officer.key
///
///   scrutineer import results id-2019 kawalpemilu-2019.csv.gz \
///       --mapping mappings/indonesia-kawalpemilu-2019.toml \
///       --from crowd --source observer:kawalpemilu --as kawal.key
///
/// See `scrutineer import KIND --help` for each kind.
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    Stations(StationsArgs),
    Roll(RollArgs),
    Results(ResultsArgs),
    Cdf(cdf::Args),
}

#[derive(clap::Args)]
struct Common {
    /// The election directory (made by `scrutineer init`).
    dir: PathBuf,
    /// The CSV file: .csv, .csv.gz or .csv.zip.
    file: PathBuf,
    /// The column-mapping file (TOML; see docs/mapping.md).
    #[arg(long)]
    mapping: PathBuf,
    /// The key that signs the batch.
    #[arg(long = "as", value_name = "KEYFILE")]
    key: PathBuf,
    /// Leave bad rows out (and list them) instead of refusing the whole file.
    #[arg(long)]
    skip_invalid: bool,
}

/// Add areas and polling stations, as one batch the commission approves.
///
/// The batch is governed: it takes effect once the commission's approval rule is met. The
/// mapping's record is "stations". Its [station] table names the station's id column(s),
/// the area levels (every level of the election, top down, each with the column holding the
/// area's name and optionally its code), and optionally the station's name and registered
/// voters. Areas not yet in the election are created; existing ones are reused if the file
/// places them the same way.
///
/// The batch is a proposal: members then approve it with
/// `scrutineer approve DIR PROPOSAL --as MEMBER.key`.
///
/// Example, with levels region > tik in the election:
///
///   scrutineer import stations ru-2011 ../shared/data/russia/duma-2011.csv.zip \
///       --mapping mappings/russia-duma-2011-stations.toml --as clerk.key
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct StationsArgs {
    #[command(flatten)]
    common: Common,
    /// The reason recorded with the proposal.
    #[arg(long, default_value = "station list")]
    reason: String,
}

/// Register voters from a voter roll.
///
/// The mapping's record is "voter-roll": [station] names the voter's station id column(s),
/// [voter] the id, name, sex and birth year (or full birth date and its layout), and [private]
/// any fields that must never be public (full date of birth, ID number, address). Those are
/// replaced in the log by a commitment: the base64 SHA-256 of a random 32-byte salt per voter
/// followed by the fields as canonical JSON. The salts and the private fields go to a local
/// file that the commission keeps (DIR/private/ unless --private-out says otherwise); it is
/// never published.
///
/// A batch larger than the election's bulk threshold is a proposal that needs the
/// commission's approval; a smaller one, signed by a registration officer, takes effect at
/// once.
///
/// Example: a roll with the columns voter_id,given,family,sex,dob,id_card,address,station
/// and this roll.toml
///
///   record = "voter-roll"
///   [station]
///   id = "station"
///   [voter]
///   id = "voter_id"
///   name = ["given", "family"]
///   sex = "sex"
///   birth_date = "dob"
///   birth_date_format = "DD/MM/YYYY"
///   [private]
///   date_of_birth = "dob"
///   id_number = "id_card"
///   address = "address"
///
///   scrutineer import roll kh-2013 roll-phnom-penh.csv --mapping roll.toml --as officer.key
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct RollArgs {
    #[command(flatten)]
    common: Common,
    /// Where to write the salts and private fields (default DIR/private/roll-BATCH.jsonl).
    #[arg(long)]
    private_out: Option<PathBuf>,
    /// The reason recorded with a proposal (for a batch above the bulk threshold).
    #[arg(long, default_value = "voter roll")]
    reason: String,
}

/// Record result forms, one per station, from one source.
///
/// The mapping's record is "station-results". When it describes several copies of the form
/// ([[source]] tables, for example an official count and a crowd transcription), --from picks
/// the one to read. --source says what the forms are in the election: official,
/// party:PARTY or observer:ORGANISATION; it defaults to what the signing key is enrolled as.
/// The mapping's choice names are matched to the contest's choice ids or names.
///
/// A station whose copy has no votes at all has no form from this source and is counted, not
/// refused. Where the form gives only a total and one of valid or invalid, the other is derived.
///
/// Examples:
///
///   scrutineer import results ru-2011 ../shared/data/russia/duma-2011.csv.zip \
///       --mapping mappings/russia-duma-2011.toml --source official --as clerk.key
///
///   scrutineer import results id-2019 kawalpemilu-2019.csv.gz \
///       --mapping mappings/indonesia-kawalpemilu-2019.toml --from crowd \
///       --source observer:kawalpemilu --as kawal.key
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
struct ResultsArgs {
    #[command(flatten)]
    common: Common,
    /// Which of the mapping's [[source]] tables to read (needed when it has several).
    #[arg(long = "from", value_name = "MAPPING_SOURCE")]
    from: Option<String>,
    /// What the forms are: official, party:PARTY or observer:ORGANISATION.
    #[arg(long)]
    source: Option<String>,
    /// The contest (needed when the election has several).
    #[arg(long)]
    contest: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.what {
        What::Stations(a) => stations(a),
        What::Roll(a) => roll(a),
        What::Results(a) => results(a),
        What::Cdf(a) => cdf::run(a),
    }
}

// ---------------------------------------------------------------- shared

/// Progress bars on standard error, and the count of rows read on standard output.
#[derive(Default)]
struct Bars(Option<indicatif::ProgressBar>);

impl import::Progress for Bars {
    fn begin(&mut self, step: Step, total: u64) {
        let what = match step {
            Step::Reading(name) => format!("reading {name}"),
            Step::Checking => "checking".into(),
            Step::Recording => "recording".into(),
        };
        self.0 = Some(progress::bar(total, &what));
    }
    fn advance(&mut self, done: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(done);
        }
    }
    fn end(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
    fn read(&mut self, rows: u64, file: &Path) {
        println!("read {rows} rows from {}", file.display());
    }
    fn warn(&mut self, message: &str) {
        eprintln!("{message}");
    }
}

/// Runs `import` over the election in `c.dir` with the mapping (checked for `kind`) and key.
fn with_import<T>(
    c: &Common,
    kind: RecordKind,
    import: impl FnOnce(&mut Import) -> import::Result<T>,
) -> anyhow::Result<(T, ledger::Election)> {
    let mapping = Mapping::from_path(&c.mapping)?;
    mapping.expect(kind)?;
    let (_, mut election) = open_election(&c.dir)?;
    let key = read_key(&c.key)?;
    let mut bars = Bars::default();
    let mut im = Import::new(
        &mut election,
        key,
        &c.dir,
        &c.file,
        mapping,
        c.skip_invalid,
        &mut bars,
    );
    let out = import(&mut im).map_err(|e| fail(e, c))?;
    Ok((out, election))
}

fn bad_lines(file: &Path, bad: &[BadRow]) -> impl Iterator<Item = String> {
    import::render::bad_lines(file, bad).into_iter()
}

/// An import's error in the command's terms: the bad rows listed, the flags named.
fn fail(e: Error, c: &Common) -> anyhow::Error {
    match e {
        Error::BadRows { file, bad } => {
            eprintln!("{} bad rows in {}:", bad.len(), file.display());
            bad_lines(&file, &bad).for_each(|l| eprintln!("{l}"));
            anyhow::anyhow!(
                "refused, nothing was recorded: {} of the rows of {} cannot be taken (listed above); fix them, or import the rest with --skip-invalid",
                bad.len(),
                file.display()
            )
        }
        Error::EveryRowRefused { ref file, ref bad } => {
            bad_lines(file, bad).for_each(|l| println!("{l}"));
            e.into()
        }
        Error::Choose {
            what: Choice::Copy,
            context,
            among,
        } => anyhow::anyhow!(
            "{context} describes several copies of the form ({}); choose one with --from",
            among.join(", ")
        ),
        Error::Choose {
            what: Choice::Contest,
            among,
            ..
        } => anyhow::anyhow!(
            "the election has several contests ({}); choose one with --contest",
            among.join(", ")
        ),
        Error::SourceNeeded { name, role } => anyhow::anyhow!(
            "{name:?} is a {role}; say which copy these forms are with --source official|party:P|observer:O"
        ),
        Error::Check(e) => crate::refusal::explain(e),
        Error::Submit(e) => crate::refusal::explain_in(&c.dir, e),
        other => other.into(),
    }
}

/// What members must do about a proposal.
fn explain_proposal(election: &ledger::Election, dir: &Path, id: &str) -> anyhow::Result<String> {
    let rule = ledger::report::rule(election.conn())?;
    Ok(format!(
        "it takes effect once {} commission members from at least {} parties approve it; each runs:\n  scrutineer approve {} {id} --as MEMBER.key\n",
        rule.min_approvals,
        rule.min_parties,
        dir.display()
    ))
}

fn stations(a: StationsArgs) -> anyhow::Result<()> {
    let c = &a.common;
    let (r, election) = with_import(c, RecordKind::Stations, |im| im.stations(&a.reason))?;
    let next = explain_proposal(&election, &c.dir, &r.proposal)?;
    print!("{}", import::render::stations(&r, &c.file, &next));
    Ok(())
}

fn roll(a: RollArgs) -> anyhow::Result<()> {
    let c = &a.common;
    let (r, election) = with_import(c, RecordKind::VoterRoll, |im| {
        im.roll(&a.reason, a.private_out.as_deref())
    })?;
    let next = match &r.proposal {
        Some(id) => explain_proposal(&election, &c.dir, id)?,
        None => String::new(),
    };
    print!("{}", import::render::roll(&r, &c.file, &next));
    Ok(())
}

fn results(a: ResultsArgs) -> anyhow::Result<()> {
    let c = &a.common;
    let want = import::ResultsImport {
        from: a.from.as_deref(),
        source: a.source.as_deref(),
        contest: a.contest.as_deref(),
    };
    let (r, _) = with_import(c, RecordKind::StationResults, |im| im.results(&want))?;
    print!("{}", import::render::results(&r, &c.file));
    Ok(())
}
