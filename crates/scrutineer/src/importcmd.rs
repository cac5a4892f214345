//! `scrutineer import {stations,roll,results}`: CSV files through a column-mapping file, each
//! imported as one signed batch that the election takes whole or not at all.
//!
//! The work is: read the rows (interchange), turn them into events, and submit them as one
//! batch (ledger). A row the reader cannot read or the fold refuses is a bad row; by default one
//! bad row refuses the file, and every bad row is listed. `--skip-invalid` leaves the bad rows
//! out, says which, and imports the rest.

use crate::logdir::open_election as open;
use crate::logdir::read_key;
use crate::progress;
use crate::refusal::explain;

mod cdf;
use anyhow::{Context, bail};
use interchange::{Mapping, RecordKind};
use ledger::event::*;
use ledger::{Applied, Election, SubmitError};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// A row that cannot be taken, and why.
struct BadRow {
    line: u64,
    /// Where in the row: a column, or an event field and its mapping key.
    field: String,
    reason: String,
}

/// Everything an import needs: the election, the signer, the mapping and the rows' fate.
struct Import {
    election: Election,
    key: tlog::PrivateKey,
    dir: PathBuf,
    file: PathBuf,
    mapping: Mapping,
    skip_invalid: bool,
    bad: Vec<BadRow>,
}

impl Import {
    fn open(c: &Common, kind: RecordKind) -> anyhow::Result<Import> {
        let mapping = Mapping::from_path(&c.mapping)?;
        mapping.expect(kind)?;
        let (_, election) = open(&c.dir)?;
        let key = read_key(&c.key)?;
        Ok(Import {
            election,
            key,
            dir: c.dir.clone(),
            file: c.file.clone(),
            mapping,
            skip_invalid: c.skip_invalid,
            bad: Vec::new(),
        })
    }

    /// Opens the data file with a counter of the bytes read, for the progress bar.
    fn input(&self) -> anyhow::Result<(Box<dyn std::io::Read + Send>, Reading)> {
        let size = std::fs::metadata(&self.file)
            .with_context(|| format!("{}", self.file.display()))?
            .len();
        let counter = Arc::new(AtomicU64::new(0));
        let input = interchange::open_data_counted(&self.file, Some(counter.clone()))?;
        let name = self
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok((
            input,
            Reading {
                bar: progress::bar(size, &format!("reading {name}")),
                counter,
                rows: 0,
            },
        ))
    }

    /// Collects the rows; a row the reader cannot read becomes a bad row, and an unreadable
    /// file stops the import.
    fn collect<T>(
        &mut self,
        rows: impl Iterator<Item = Result<T, interchange::Error>>,
        mut reading: Reading,
    ) -> anyhow::Result<Vec<T>> {
        let mut out = Vec::new();
        for row in rows {
            reading.tick();
            match row {
                Ok(r) => out.push(r),
                Err(e @ (interchange::Error::Cell { .. } | interchange::Error::Row { .. })) => {
                    let line = e.line().unwrap_or(0);
                    let (field, reason) = match &e {
                        interchange::Error::Cell {
                            column, message, ..
                        } => (format!("column {column}"), message.clone()),
                        interchange::Error::Row { message, .. } => {
                            ("row".to_string(), message.clone())
                        }
                        _ => unreachable!("matched above"),
                    };
                    self.bad.push(BadRow {
                        line,
                        field,
                        reason,
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        reading.bar.finish_and_clear();
        println!("read {} rows from {}", reading.rows, self.file.display());
        Ok(out)
    }

    fn print_bad(&self, to_stderr: bool) {
        let mut sorted: Vec<&BadRow> = self.bad.iter().collect();
        sorted.sort_by_key(|b| b.line);
        for b in sorted {
            let line = format!(
                "  {}:{}: {}: {}",
                self.file.display(),
                b.line,
                b.field,
                b.reason
            );
            if to_stderr {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    }

    /// Refuses the import if rows are bad and --skip-invalid was not given.
    fn stop_if_bad(&self) -> anyhow::Result<()> {
        if self.bad.is_empty() || self.skip_invalid {
            return Ok(());
        }
        eprintln!("{} bad rows in {}:", self.bad.len(), self.file.display());
        self.print_bad(true);
        bail!(
            "refused, nothing was recorded: {} of the rows of {} cannot be taken (listed above); fix them, or import the rest with --skip-invalid",
            self.bad.len(),
            self.file.display()
        )
    }

    /// Submits `staged` as one batch. With --skip-invalid, first finds every event the election
    /// would refuse and leaves its row out; without, any bad row refuses the file, after every
    /// bad row has been found. Returns the receipt and the events taken.
    fn submit(
        &mut self,
        content: Content,
        staged: Staged,
        governed: Option<(String, Vec<String>)>,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<(ledger::election::Receipt, Staged)> {
        let staged = self.choose(content, staged, governed.clone(), field_key)?;
        let receipt = self.record(content, &staged, governed, field_key)?;
        Ok((receipt, staged))
    }

    /// The events to submit: `staged` without the rows that cannot be taken (--skip-invalid),
    /// or an error listing them. Records nothing.
    fn choose(
        &mut self,
        content: Content,
        mut staged: Staged,
        governed: Option<(String, Vec<String>)>,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Staged> {
        self.check_sizes(&mut staged);
        if !self.bad.is_empty() && !self.skip_invalid {
            // Some rows are bad already; find those the election would refuse too, then stop.
            if !staged.events.is_empty() {
                let entries = build(&self.key, content, &staged, governed.clone());
                self.find_refused(&entries, &staged, field_key)?;
            }
            self.stop_if_bad()?;
        }
        if staged.events.is_empty() {
            bail!(
                "nothing to import: no row of {} is left",
                self.file.display()
            );
        }
        if self.skip_invalid {
            // Leaving a row out can change what else is refused (an area and its stations),
            // so check again until nothing is.
            for round in 0.. {
                let entries = build(&self.key, content, &staged, governed.clone());
                let refused = self.find_refused(&entries, &staged, field_key)?;
                if !refused.contains(&true) {
                    break;
                }
                if round == 8 {
                    bail!(
                        "refused, nothing was recorded: rows keep being refused after 8 rounds of leaving bad rows out"
                    );
                }
                staged.retain(|i| !refused[i]);
                if staged.events.is_empty() {
                    self.print_bad(false);
                    bail!(
                        "nothing was recorded: every row of {} was refused",
                        self.file.display()
                    );
                }
            }
        }
        Ok(staged)
    }

    /// Submits the chosen events as one batch.
    fn record(
        &mut self,
        content: Content,
        staged: &Staged,
        governed: Option<(String, Vec<String>)>,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<ledger::election::Receipt> {
        let entries = build(&self.key, content, staged, governed);
        let bar = progress::bar(entries.len() as u64, "recording");
        let result = self
            .election
            .submit_with(&entries, &mut |done, _| bar.set_position(done));
        bar.finish_and_clear();
        match result {
            Ok(receipt) => {
                if !self.bad.is_empty() {
                    println!("left out {} rows that cannot be taken:", self.bad.len());
                    self.print_bad(false);
                }
                Ok(receipt)
            }
            Err(SubmitError::Refused {
                position: 0,
                refusal,
            }) => bail!(
                "refused, nothing was recorded: the batch itself: {}: {}",
                refusal.path,
                refusal.message
            ),
            Err(SubmitError::Refused { .. }) if !self.skip_invalid => {
                // List every refused row, not only the first.
                self.find_refused(&entries, staged, field_key)?;
                self.stop_if_bad()?;
                bail!("refused, nothing was recorded")
            }
            Err(e) => Err(crate::refusal::explain_in(&self.dir, e)),
        }
    }

    /// Runs the election's checks over `entries` (the batch of `staged`) without recording
    /// anything; each refused event's row becomes a bad row. Returns which events were refused.
    fn find_refused(
        &mut self,
        entries: &[Vec<u8>],
        staged: &Staged,
        field_key: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Vec<bool>> {
        let bar = progress::bar(entries.len() as u64, "checking");
        let refusals = self
            .election
            .check(entries, &mut |done, _| bar.set_position(done))
            .map_err(explain)?;
        bar.finish_and_clear();
        let mut refused = vec![false; staged.events.len()];
        for (position, r) in refusals {
            if position == 0 {
                bail!(
                    "refused, nothing was recorded: the batch itself: {}: {}",
                    r.path,
                    r.message
                );
            }
            refused[position - 1] = true;
            self.bad
                .push(bad_from_refusal(staged.lines[position - 1], &r, field_key));
        }
        Ok(refused)
    }

    /// An entry larger than the log takes would refuse the whole batch at append time.
    fn check_sizes(&mut self, staged: &mut Staged) {
        let mut too_big = vec![false; staged.events.len()];
        for (i, e) in staged.events.iter().enumerate() {
            let size = Entry::in_batch(e.clone(), &"0".repeat(32)).to_bytes().len();
            if size > tlog::tile::MAX_ENTRY_SIZE {
                too_big[i] = true;
                self.bad.push(BadRow {
                    line: staged.lines[i],
                    field: "row".into(),
                    reason: format!(
                        "its event would be {size} bytes, above the log's limit of {}",
                        tlog::tile::MAX_ENTRY_SIZE
                    ),
                });
            }
        }
        if too_big.contains(&true) {
            staged.retain(|i| !too_big[i]);
        }
    }

    fn levels(&self) -> anyhow::Result<Vec<String>> {
        Ok(ledger::report::levels(self.election.conn())?)
    }

    /// Members to ask, when the rule says every party must be asked: all of them.
    fn asked(&self) -> anyhow::Result<Vec<String>> {
        let conn = self.election.conn();
        let rule = ledger::report::rule(conn)?;
        if !rule.every_party_asked {
            return Ok(Vec::new());
        }
        Ok(ledger::report::members(conn)?
            .into_iter()
            .filter(|m| !m.3)
            .map(|m| m.0)
            .collect())
    }

    /// What members must do about a proposal.
    fn explain_proposal(&self, id: &str) -> anyhow::Result<()> {
        let rule = ledger::report::rule(self.election.conn())?;
        println!(
            "it takes effect once {} commission members from at least {} parties approve it; each runs:",
            rule.min_approvals, rule.min_parties
        );
        println!(
            "  scrutineer approve {} {id} --as MEMBER.key",
            self.dir.display()
        );
        Ok(())
    }
}

struct Reading {
    bar: indicatif::ProgressBar,
    counter: Arc<AtomicU64>,
    rows: u64,
}

impl Reading {
    fn tick(&mut self) {
        self.rows += 1;
        if self.rows.is_multiple_of(1024) {
            self.bar.set_position(self.counter.load(Ordering::Relaxed));
        }
    }
}

/// Events to submit, each with the line of the row it came from.
#[derive(Default)]
struct Staged {
    events: Vec<Event>,
    lines: Vec<u64>,
}

impl Staged {
    fn push(&mut self, event: Event, line: u64) {
        self.events.push(event);
        self.lines.push(line);
    }

    fn retain(&mut self, keep: impl Fn(usize) -> bool) {
        let mut i = 0;
        self.events.retain(|_| {
            i += 1;
            keep(i - 1)
        });
        let mut i = 0;
        self.lines.retain(|_| {
            i += 1;
            keep(i - 1)
        });
    }
}

fn build(
    key: &tlog::PrivateKey,
    content: Content,
    staged: &Staged,
    governed: Option<(String, Vec<String>)>,
) -> Vec<Vec<u8>> {
    build_batch(key, content, staged.events.clone(), governed)
}

fn bad_from_refusal(
    line: u64,
    r: &ledger::Refusal,
    field_key: &dyn Fn(&str) -> Option<String>,
) -> BadRow {
    let field = match r.path.strip_prefix("body.") {
        Some(field) => field.to_string(),
        None if r.path == "body" => "row".to_string(),
        None => r.path.clone(),
    };
    let field = match field_key(&field) {
        Some(key) => format!("{field} (mapping key `{key}`)"),
        None => field,
    };
    BadRow {
        line,
        field,
        reason: r.message.clone(),
    }
}

fn safe(v: u64, what: &str) -> Result<u64, String> {
    if v > MAX_SAFE_INTEGER {
        Err(format!("{what} {v} is larger than 2^53 - 1"))
    } else {
        Ok(v)
    }
}

/// Log indexes of a receipt, for messages.
fn span(receipt: &ledger::election::Receipt) -> String {
    format!(
        "{}..{}",
        receipt.first,
        receipt.first + receipt.applied.len() as u64 - 1
    )
}

// ---------------------------------------------------------------- stations

fn stations(a: StationsArgs) -> anyhow::Result<()> {
    let mut im = Import::open(&a.common, RecordKind::Stations)?;
    let levels = im.levels()?;
    let mapped: Vec<&str> = im
        .mapping
        .station
        .areas
        .iter()
        .map(|s| s.level.as_str())
        .collect();
    if mapped != levels {
        bail!(
            "{}: key `station.areas`: names the levels {} but the election's levels are {}; name every level, top down, as the election does",
            im.mapping.path.display(),
            mapped.join(" > "),
            levels.join(" > ")
        );
    }
    let (input, reading) = im.input()?;
    let reader =
        interchange::StationListReader::from_reader(input, &im.file, &im.mapping)?.keep_going();
    let rows = im.collect(reader, reading)?;

    // Areas in first-seen order, and where each existing one already sits.
    struct NewArea {
        area: Area,
        line: u64,
    }
    let mut seen: HashMap<String, (usize, String, Option<String>, u64)> = HashMap::new();
    let mut new_areas: Vec<Vec<NewArea>> = (0..levels.len()).map(|_| Vec::new()).collect();
    let mut stations = Staged::default();
    let conn = im.election.conn();
    let mut bad = Vec::new();
    'rows: for row in &rows {
        let mut parent: Option<String> = None;
        for (level, cell) in row.areas.iter().enumerate() {
            let key = format!("station.areas[{level}]");
            match seen.get(&cell.code) {
                Some((l, name, p, first)) => {
                    if *l != level || *p != parent || *name != cell.name {
                        bad.push(BadRow {
                            line: row.line,
                            field: format!("area (mapping key `{key}`)"),
                            reason: format!(
                                "area {:?} is placed differently on line {first}: a code names one area",
                                cell.code
                            ),
                        });
                        continue 'rows;
                    }
                }
                None => {
                    match ledger::report::area_place(conn, &cell.code)? {
                        Some(ledger::report::AreaPlace {
                            level: l,
                            parent: p,
                            ..
                        }) if l as usize != level || p != parent => {
                            bad.push(BadRow {
                                line: row.line,
                                field: format!("area (mapping key `{key}`)"),
                                reason: format!(
                                    "area {:?} already exists in the election as a {} under {}",
                                    cell.code,
                                    levels.get(l as usize).map_or("?", String::as_str),
                                    p.as_deref().unwrap_or("nothing")
                                ),
                            });
                            continue 'rows;
                        }
                        Some(_) => {}
                        None => new_areas[level].push(NewArea {
                            area: Area {
                                code: cell.code.clone(),
                                level: levels[level].clone(),
                                name: cell.name.clone(),
                                parent: parent.clone(),
                            },
                            line: row.line,
                        }),
                    }
                    seen.insert(
                        cell.code.clone(),
                        (level, cell.name.clone(), parent.clone(), row.line),
                    );
                }
            }
            parent = Some(cell.code.clone());
        }
        let registered_here = match row.registered.map(|r| safe(r, "registered")) {
            Some(Err(reason)) => {
                bad.push(BadRow {
                    line: row.line,
                    field: "registered (mapping key `station.registered`)".into(),
                    reason,
                });
                continue;
            }
            Some(Ok(r)) => Some(r),
            None => None,
        };
        stations.push(
            Event::Station(Station {
                area: parent.expect("a stations mapping names at least one level"),
                code: row.station.clone(),
                name: row.name.clone(),
                registered: registered_here,
            }),
            row.line,
        );
    }
    im.bad.extend(bad);
    let mut staged = Staged::default();
    for level in new_areas {
        for a in level {
            staged.push(Event::Area(a.area), a.line);
        }
    }
    staged.events.extend(stations.events);
    staged.lines.extend(stations.lines);
    let asked = im.asked()?;
    let field_key = |field: &str| -> Option<String> {
        match field {
            "code" => Some("station.id".into()),
            "registered" => Some("station.registered".into()),
            "name" => Some("station.name".into()),
            "area" | "parent" => Some("station.areas".into()),
            _ => None,
        }
    };
    let (receipt, taken) = im.submit(
        Content::Stations,
        staged,
        Some((a.reason.clone(), asked)),
        &field_key,
    )?;
    let areas = taken
        .events
        .iter()
        .filter(|e| matches!(e, Event::Area(_)))
        .count();
    let stations_taken = taken.events.len() - areas;
    let registered_taken: u64 = taken
        .events
        .iter()
        .map(|e| match e {
            Event::Station(s) => s.registered.unwrap_or(0),
            _ => 0,
        })
        .sum();
    let Some(Applied::Proposed(id)) = receipt.applied.first() else {
        bail!("the election did not record the batch as a proposal");
    };
    println!(
        "proposed {areas} new areas and {stations_taken} stations ({registered_taken} registered voters) as proposal {id} (log entries {})",
        span(&receipt)
    );
    if !im.bad.is_empty() {
        println!("left out {} rows (listed above)", im.bad.len());
    }
    im.explain_proposal(id)
}

// ---------------------------------------------------------------- roll

fn roll(a: RollArgs) -> anyhow::Result<()> {
    use rand_core::RngCore;
    let mut im = Import::open(&a.common, RecordKind::VoterRoll)?;
    let (input, reading) = im.input()?;
    let reader =
        interchange::VoterRollReader::from_reader(input, &im.file, &im.mapping)?.keep_going();
    let rows = im.collect(reader, reading)?;
    let mut staged = Staged::default();
    // The salt of each voter with private fields, by voter id.
    let mut salts: HashMap<String, [u8; 32]> = HashMap::new();
    let mut private: HashMap<String, &BTreeMap<String, String>> = HashMap::new();
    for row in &rows {
        let commitment = if row.private.is_empty() {
            None
        } else {
            let mut salt = [0u8; 32];
            rand_core::OsRng.fill_bytes(&mut salt);
            salts.insert(row.voter.clone(), salt);
            private.insert(row.voter.clone(), &row.private);
            Some(commitment(&salt, &row.private))
        };
        staged.push(
            Event::Register(Register {
                birth_year: row.birth_year,
                commitment,
                name: row.name.clone(),
                sex: match row.sex {
                    interchange::Sex::F => Sex::F,
                    interchange::Sex::M => Sex::M,
                    interchange::Sex::X => Sex::X,
                },
                station: row.station.clone(),
                voter: row.voter.clone(),
            }),
            row.line,
        );
    }
    let threshold = ledger::report::bulk_threshold(im.election.conn())?;
    let field_key = |field: &str| -> Option<String> {
        match field {
            "voter" => Some("voter.id".into()),
            "station" => Some("station.id".into()),
            "name" => Some("voter.name".into()),
            _ => None,
        }
    };
    // Whether the batch is governed depends on how many rows are left, so check first.
    let governed = |n: usize, im: &Import| -> anyhow::Result<Option<(String, Vec<String>)>> {
        Ok(if n as u64 > threshold {
            Some((a.reason.clone(), im.asked()?))
        } else {
            None
        })
    };
    if im.skip_invalid && !staged.events.is_empty() {
        let g = governed(staged.events.len(), &im)?;
        let entries = build(&im.key, Content::Registrations, &staged, g);
        let refused = im.find_refused(&entries, &staged, &field_key)?;
        staged.retain(|i| !refused[i]);
    }
    let g = governed(staged.events.len(), &im)?;
    let is_governed = g.is_some();

    let staged = im.choose(Content::Registrations, staged, g.clone(), &field_key)?;

    // The private file is made durable before the batch is submitted (ledger::private), so a
    // crash can never leave commitments in the log without their salts; it goes if the batch
    // is not taken.
    let batch = batch_id(im.key.name(), Content::Registrations, &staged.events);
    let private_dir = im.dir.join(ledger::private::PRIVATE_DIR);
    let private_path = a
        .private_out
        .clone()
        .unwrap_or_else(|| private_dir.join(format!("roll-{batch}.jsonl")));
    let records = private_records(&staged, &salts, &private);
    let pending = if records.is_empty() {
        None
    } else {
        Some(ledger::private::write_before_submit(
            &private_dir,
            &batch,
            &private_path,
            &records,
        )?)
    };
    drop(records);
    let receipt = match im.record(Content::Registrations, &staged, g, &field_key) {
        Ok(r) => r,
        Err(e) => {
            if let Some(p) = pending {
                // Whatever the error, the file goes only if the batch is not in the log.
                let in_log = ledger::private::batch_commitments(&im.election, &batch)
                    .map(|c| c.is_some())
                    .unwrap_or(true);
                let settled = if in_log { p.kept() } else { p.discard() };
                if let Err(s) = settled {
                    eprintln!("{s}");
                }
            }
            return Err(e);
        }
    };
    let taken = staged;
    if let Some(p) = pending {
        p.kept()?;
    }
    let with_private = taken
        .events
        .iter()
        .filter(|e| matches!(e, Event::Register(r) if r.commitment.is_some()))
        .count();
    match receipt.applied.first() {
        Some(Applied::Proposed(id)) if is_governed => {
            println!(
                "proposed the registration of {} voters as proposal {id} (log entries {}): above the bulk threshold of {threshold}",
                taken.events.len(),
                span(&receipt)
            );
            if !im.bad.is_empty() {
                println!("left out {} rows (listed above)", im.bad.len());
            }
            im.explain_proposal(id)?;
        }
        _ => {
            println!(
                "registered {} voters (log entries {})",
                taken.events.len(),
                span(&receipt)
            );
            if !im.bad.is_empty() {
                println!("left out {} rows (listed above)", im.bad.len());
            }
        }
    }
    if with_private > 0 {
        println!(
            "the salts and private fields of {with_private} voters are in {}: the commission keeps this file; it is never published, and without it the commitments cannot be opened",
            private_path.display()
        );
    }
    Ok(())
}

/// The private record of each voter taken with private fields, in batch order.
fn private_records(
    staged: &Staged,
    salts: &HashMap<String, [u8; 32]>,
    private: &HashMap<String, &BTreeMap<String, String>>,
) -> Vec<ledger::private::PrivateRecord> {
    use base64::prelude::*;
    let mut out = Vec::new();
    for e in &staged.events {
        let Event::Register(r) = e else { continue };
        let (Some(c), Some(salt), Some(fields)) =
            (&r.commitment, salts.get(&r.voter), private.get(&r.voter))
        else {
            continue;
        };
        out.push(ledger::private::PrivateRecord {
            voter: r.voter.clone(),
            salt: BASE64_STANDARD.encode(salt),
            fields: (*fields).clone(),
            commitment: c.clone(),
        });
    }
    out
}

// ---------------------------------------------------------------- results

fn results(a: ResultsArgs) -> anyhow::Result<()> {
    let mut im = Import::open(&a.common, RecordKind::StationResults)?;
    let mapping_path = im.mapping.path.display().to_string();
    // Which copy of the form to read.
    let names: Vec<&str> = im.mapping.sources.iter().map(|s| s.name.as_str()).collect();
    let from = match (&a.from, names.as_slice()) {
        (Some(f), _) => {
            if !names.contains(&f.as_str()) {
                bail!(
                    "{mapping_path}: has no source {f:?}; its [[source]] tables are {}",
                    names.join(", ")
                );
            }
            f.clone()
        }
        (None, [one]) => one.to_string(),
        (None, _) => bail!(
            "{mapping_path} describes several copies of the form ({}); choose one with --from",
            names.join(", ")
        ),
    };
    let source_index = names.iter().position(|n| *n == from).expect("checked");
    // Read only that copy, so that a bad cell in another copy does not stop this one.
    let mut mapping = im.mapping.clone();
    mapping.sources = vec![mapping.sources[source_index].clone()];
    let source_keys = format!("source[{source_index}]");

    // The contest, and the mapping's choices as the contest's ids.
    let contests = ledger::report::contests(im.election.conn())?;
    let contest = match (&a.contest, contests.as_slice()) {
        (Some(id), _) => contests
            .iter()
            .find(|c| &c.id == id)
            .with_context(|| {
                format!(
                    "the election has no contest {id:?}; its contests are {}",
                    contests
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?
            .clone(),
        (None, [one]) => one.clone(),
        (None, []) => bail!("the election has no contest"),
        (None, many) => bail!(
            "the election has several contests ({}); choose one with --contest",
            many.iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
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
            None => bail!(
                "{mapping_path}: key `contest.choices[{i}]`: {name:?} is not a choice of contest {:?}; its choices are {}",
                contest.id,
                contest
                    .choices
                    .iter()
                    .map(|c| format!("{} ({})", c.id, c.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    let source = match &a.source {
        Some(s) => s.clone(),
        None => default_source(im.election.conn(), im.key.name())?,
    };

    let (input, reading) = im.input()?;
    let reader =
        interchange::StationResultsReader::from_reader(input, &im.file, &mapping)?.keep_going();
    let rows = im.collect(reader, reading)?;

    let key_of = |field: interchange::CountField| -> Option<String> {
        let spec = mapping.sources[0]
            .counts
            .iter()
            .chain(mapping.shared_counts.iter())
            .find(|(f, _)| *f == field)?;
        Some(spec.1.key.replace("source[0]", &source_keys))
    };
    use interchange::CountField as F;
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
                im.bad.push(BadRow {
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
    let (receipt, taken) = im.submit(Content::ResultForms, staged, None, &field_key)?;

    // The summary: what was taken, in numbers anyone can compare with the file.
    let (mut valid, mut invalid) = (0u64, 0u64);
    let mut votes: BTreeMap<&str, u64> = BTreeMap::new();
    for e in &taken.events {
        if let Event::ResultForm(f) = e {
            valid += f.valid;
            invalid += f.invalid;
            for (c, n) in &f.votes {
                *votes.entry(c.as_str()).or_default() += n;
            }
        }
    }
    println!(
        "recorded {} {source} result forms for contest {} from the {from:?} copy in {} (log entries {})",
        taken.events.len(),
        contest.id,
        im.file.display(),
        span(&receipt)
    );
    if !im.bad.is_empty() {
        println!("left out {} rows (listed above)", im.bad.len());
    }
    if no_copy > 0 {
        println!("{no_copy} rows have no votes in this copy: no form for those stations");
    }
    if total_differs > 0 {
        println!(
            "{total_differs} forms give a total that is not valid + invalid; valid and invalid were recorded as given"
        );
    }
    println!("  valid {valid}, invalid {invalid}");
    let cast = valid + invalid;
    for (c, n) in &votes {
        let share = if cast > 0 {
            100.0 * *n as f64 / cast as f64
        } else {
            0.0
        };
        println!("  {c:<24} {n:>12} ({share:.2}% of valid + invalid)");
    }
    Ok(())
}

enum Field {
    Count(interchange::CountField),
    Vote(usize),
}

/// One copy's form as an event; the error names the field. Also says whether the form's
/// total disagrees with valid + invalid.
fn result_form(
    row: &interchange::StationResult,
    form: &interchange::ResultForm,
    choices: &[String],
    contest: &str,
    source: &str,
) -> Result<(ResultForm, bool), (Field, String)> {
    use interchange::CountField as F;
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
    let count = |f: F| -> Result<Option<u64>, (Field, String)> {
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
            unused: count(F::BallotsUnused)?,
            valid,
            votes,
        },
        differs,
    ))
}

/// The source a key files by default: what it is enrolled as.
fn default_source(conn: &rusqlite::Connection, name: &str) -> anyhow::Result<String> {
    let Some(ledger::report::Enrolled {
        role,
        party,
        organisation,
    }) = ledger::report::enrolled(conn, name)?
    else {
        bail!("{name:?} is not an enrolled key of this election");
    };
    Ok(match (role.as_str(), party, organisation) {
        ("party_agent", Some(p), _) => format!("party:{p}"),
        ("observer", _, Some(o)) => format!("observer:{o}"),
        ("polling_official" | "commission_clerk", _, _) => "official".to_string(),
        (role, _, _) => bail!(
            "{name:?} is a {}; say which copy these forms are with --source official|party:P|observer:O",
            role.replace('_', " ")
        ),
    })
}
