//! What `scrutineer rla` and `scrutineer pvt` share: the election they review (an election
//! directory, a published log replayed on the spot, or the state an earlier replay kept), one
//! contest's stations and result forms, the audit seed and its commitment, and station-level
//! CSV files (recounts, observer reports) read through a column mapping.
//!
//! Everything here only reads the election; nothing is written to its log.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use interchange::{Mapping, StationResultsReader};
use ledger::event::{Contest, ResultForm};
use rusqlite::{Connection, OpenFlags};
use serde::Serialize;
use stats::seed::{AuditSeed, commitment_matches, seed_commitment};

/// `writeln!` into a String, which cannot fail. Output is collected and written once, so a
/// reader that stops early (`| head`) is not an error.
macro_rules! outln {
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}
pub(crate) use outln;

fn lift<T, E: std::fmt::Display>(r: Result<T, E>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{e}"))
}

// ---------------------------------------------------------------- the election

/// Where the election comes from.
#[derive(clap::Args, Debug)]
pub struct ElectionArgs {
    /// An election directory (from `scrutineer init`), or a published log (directory or
    /// http(s) URL) to replay here, which needs --vkey or --policy.
    #[arg(value_name = "ELECTION", required_unless_present = "state_db")]
    pub election: Option<String>,
    /// The published log's checkpoint key (replays ELECTION before reviewing it).
    #[arg(long)]
    pub vkey: Option<String>,
    /// A witness's cosignature key that must have cosigned the published log; repeat.
    #[arg(long = "witness", requires = "vkey")]
    pub witnesses: Vec<String>,
    /// How many of the witnesses must have cosigned (default: all given).
    #[arg(long, requires = "vkey")]
    pub quorum: Option<usize>,
    /// A C2SP tlog-policy file, instead of --vkey, --witness and --quorum.
    #[arg(long, conflicts_with_all = ["vkey", "witnesses", "quorum"])]
    pub policy: Option<PathBuf>,
    /// Without ELECTION: the state database kept by an earlier
    /// `scrutineer replay --state-db FILE` (read, not replayed again). With a published
    /// ELECTION: keep the state rebuilt by this replay in FILE (it must not exist).
    #[arg(long, value_name = "FILE")]
    pub state_db: Option<PathBuf>,
}

/// Where the reviewed state came from, as the output reports it.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    pub name: String,
    pub origin: String,
    /// "election directory", "replayed log" or "state database".
    pub kind: &'static str,
    pub path: String,
    /// Entries in the log, when known.
    pub entries: Option<u64>,
    /// The rebuilt state's digest (replays and election directories).
    pub digest: Option<String>,
    /// For a replay: whether the digest equals the one the commission published beside the log.
    pub matches_published_digest: Option<bool>,
}

/// The election's state, opened for reading.
pub struct Opened {
    _election: Option<ledger::Election>,
    conn: Option<Connection>,
    pub provenance: Provenance,
}

impl Opened {
    pub fn conn(&self) -> &Connection {
        match (&self._election, &self.conn) {
            (Some(e), _) => e.conn(),
            (None, Some(c)) => c,
            (None, None) => unreachable!("an opened election has a connection"),
        }
    }
}

/// Opens the election named by the arguments: an election directory, a replay of a published
/// log, or an earlier replay's state database.
pub fn open(a: &ElectionArgs) -> anyhow::Result<Opened> {
    let replaying = a.vkey.is_some() || a.policy.is_some();
    match (&a.election, &a.state_db) {
        (None, Some(db)) => {
            if replaying {
                bail!(
                    "--vkey and --policy replay a published log: give its directory or URL as ELECTION"
                );
            }
            open_state_db(db)
        }
        (Some(source), state_db) if replaying => replay(a, source, state_db.as_deref()),
        (Some(dir), state_db) => {
            let path = Path::new(dir);
            if !path.join("log.toml").exists() {
                if path.join("checkpoint").exists() || dir.starts_with("http") {
                    bail!(
                        "{dir} is a published log: give the log's key with --vkey (and --witness) \
                         or --policy to replay it"
                    );
                }
                bail!(
                    "{dir} is not an election directory (no log.toml); give an election directory, \
                     a published log with --vkey, or --state-db FILE"
                );
            }
            if state_db.is_some() {
                bail!(
                    "--state-db is for a replayed log; an election directory already holds its state"
                );
            }
            let (_, election) = crate::electioncmd::open(path)?;
            let conn = election.conn();
            let provenance = Provenance {
                name: lift(ledger::report::election_name(conn))?,
                origin: lift(ledger::report::origin(conn))?,
                kind: "election directory",
                path: dir.clone(),
                entries: Some(election.log().size()),
                digest: None,
                matches_published_digest: None,
            };
            Ok(Opened {
                _election: Some(election),
                conn: None,
                provenance,
            })
        }
        (None, None) => bail!("give the election: a directory, a published log, or --state-db"),
    }
}

fn open_state_db(db: &Path) -> anyhow::Result<Opened> {
    if !db.is_file() {
        bail!(
            "{} does not exist; make it with `scrutineer replay PUBLISHED --vkey KEY --state-db {}`",
            db.display(),
            db.display()
        );
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", db.display()))?;
    if !ledger::report::is_state(&conn) {
        bail!(
            "{} is not an election state database (made by `scrutineer replay --state-db`)",
            db.display()
        );
    }
    let provenance = Provenance {
        name: lift(ledger::report::election_name(&conn))?,
        origin: lift(ledger::report::origin(&conn))?,
        kind: "state database",
        path: db.display().to_string(),
        entries: None,
        digest: None,
        matches_published_digest: None,
    };
    Ok(Opened {
        _election: None,
        conn: Some(conn),
        provenance,
    })
}

fn replay(a: &ElectionArgs, source: &str, state_db: Option<&Path>) -> anyhow::Result<Opened> {
    if let Some(db) = state_db
        && db.exists()
    {
        bail!(
            "{} already exists: to review the state it holds, give --state-db {} without the \
             published log; to replay again, name a new file",
            db.display(),
            db.display()
        );
    }
    let policy = crate::verifycmd::build_policy(
        a.policy.as_deref(),
        a.vkey.as_deref(),
        &a.witnesses,
        a.quorum,
    )?;
    let (replayed, published) = crate::electioncmd::replay_published(source, &policy, state_db)?;
    let size = replayed.verified.checkpoint.size;
    // A digest that cannot be fetched or opened is treated as none published.
    let published = published.and_then(Result::ok);
    let matches = published.map(|(s, d)| s == size && d == replayed.digest);
    if !replayed.refusals.is_empty() {
        eprintln!(
            "warning: the replay refused {} entries of {source}; they are not in the reviewed state \
             (see `scrutineer replay`)",
            replayed.refusals.len()
        );
    }
    if matches == Some(false) {
        eprintln!(
            "warning: the rebuilt state of {source} differs from the digest the commission published"
        );
    }
    let conn = replayed.state;
    let provenance = Provenance {
        name: lift(ledger::report::election_name(&conn))?,
        origin: lift(ledger::report::origin(&conn))?,
        kind: "replayed log",
        path: source.to_string(),
        entries: Some(size),
        digest: Some(replayed.digest),
        matches_published_digest: matches,
    };
    Ok(Opened {
        _election: None,
        conn: Some(conn),
        provenance,
    })
}

// ---------------------------------------------------------------- one contest's stations

/// A station in the reviewed area, with the areas above it.
#[derive(Debug, Clone, Serialize)]
pub struct ScopeStation {
    pub code: String,
    pub name: Option<String>,
    /// The area (of the last level) the station is in.
    pub area: String,
    /// Area codes from the top level down to `area`.
    #[serde(skip)]
    pub path: Vec<String>,
    pub registered: Option<u64>,
}

/// One contest as recorded, and the stations of the reviewed area.
pub struct Scope {
    pub contest: Contest,
    /// The area reviewed (code, name), or None for the whole election.
    pub area: Option<(String, String)>,
    pub levels: Vec<String>,
    /// Area code → (name, level index).
    pub areas: HashMap<String, (String, usize)>,
    /// Stations in effect in the area, sorted by code.
    pub stations: Vec<ScopeStation>,
    /// Every station code in effect, in the area or not.
    all_codes: HashSet<String>,
    conn_forms: Vec<ResultForm>,
}

/// A station-level figure set from one source, in the contest's choice order.
#[derive(Debug, Clone)]
pub struct Figures {
    pub registered: Option<u64>,
    pub valid: u64,
    pub invalid: u64,
    pub votes: Vec<u64>,
}

impl Scope {
    /// Reads the contest (`--contest`, or the only one) and the stations in `area` (or all).
    pub fn read(
        conn: &Connection,
        contest: Option<&str>,
        area: Option<&str>,
    ) -> anyhow::Result<Scope> {
        let contests = lift(ledger::report::contests(conn))?;
        let ids = || {
            contests
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let contest = match (contest, contests.as_slice()) {
            (Some(id), _) => contests
                .iter()
                .find(|c| c.id == id)
                .with_context(|| {
                    format!(
                        "the election has no contest {id:?}; its contests are {}",
                        ids()
                    )
                })?
                .clone(),
            (None, [one]) => one.clone(),
            (None, []) => bail!("the election has no contest"),
            (None, _) => bail!(
                "the election has several contests ({}); choose one with --contest",
                ids()
            ),
        };
        let levels = lift(ledger::report::levels(conn))?;
        let area_rows = lift(ledger::report::areas(conn))?;
        let mut areas = HashMap::new();
        let mut parent: HashMap<String, Option<String>> = HashMap::new();
        for a in &area_rows {
            let level = levels.iter().position(|l| *l == a.level).unwrap_or(0);
            areas.insert(a.code.clone(), (a.name.clone(), level));
            parent.insert(a.code.clone(), a.parent.clone());
        }
        let chosen = match area {
            Some(code) => {
                let Some((name, _)) = areas.get(code) else {
                    bail!(
                        "--area {code:?}: the election has no area with that code \
                         (codes are as in `scrutineer export --format csv --level LEVEL`)"
                    );
                };
                Some((code.to_string(), name.clone()))
            }
            None => None,
        };
        let mut stations = Vec::new();
        let mut all_codes = HashSet::new();
        for s in lift(ledger::report::stations(conn))? {
            all_codes.insert(s.code.clone());
            let mut path = vec![s.area.clone()];
            let mut at = s.area.clone();
            while let Some(Some(p)) = parent.get(&at) {
                if path.len() > levels.len() + 1 {
                    break; // a cycle cannot happen through the fold; never loop on one
                }
                path.push(p.clone());
                at = p.clone();
            }
            path.reverse();
            if let Some((code, _)) = &chosen
                && !path.contains(code)
            {
                continue;
            }
            stations.push(ScopeStation {
                code: s.code,
                name: s.name,
                area: s.area,
                path,
                registered: s.registered,
            });
        }
        stations.sort_by(|a, b| a.code.cmp(&b.code));
        let conn_forms = lift(ledger::report::result_forms(conn))?
            .into_iter()
            .filter(|f| f.contest == contest.id)
            .collect();
        Ok(Scope {
            contest,
            area: chosen,
            levels,
            areas,
            stations,
            all_codes,
            conn_forms,
        })
    }

    /// Whether the election has a station with this code (in the area or not).
    pub fn is_station(&self, code: &str) -> bool {
        self.all_codes.contains(code)
    }

    pub fn choice_ids(&self) -> Vec<&str> {
        self.contest.choices.iter().map(|c| c.id.as_str()).collect()
    }

    /// "in all areas" or "in area 08 (Kampong Cham)".
    pub fn area_text(&self) -> String {
        match &self.area {
            Some((code, name)) => format!("in area {code} ({name})"),
            None => "in the whole election".into(),
        }
    }

    /// The sources that have forms for this contest.
    pub fn sources(&self) -> Vec<String> {
        let mut s: Vec<String> = self.conn_forms.iter().map(|f| f.source.clone()).collect();
        s.sort();
        s.dedup();
        s
    }

    /// The figures of every station in scope that has a form from `source`.
    pub fn figures(&self, source: &str) -> BTreeMap<String, Figures> {
        let in_scope: HashMap<&str, &ScopeStation> =
            self.stations.iter().map(|s| (s.code.as_str(), s)).collect();
        let mut out = BTreeMap::new();
        for f in self.conn_forms.iter().filter(|f| f.source == source) {
            let Some(s) = in_scope.get(f.station.as_str()) else {
                continue;
            };
            out.insert(
                f.station.clone(),
                Figures {
                    registered: f.registered.or(s.registered),
                    valid: f.valid,
                    invalid: f.invalid,
                    votes: self
                        .contest
                        .choices
                        .iter()
                        .map(|c| f.votes.get(&c.id).copied().unwrap_or(0))
                        .collect(),
                },
            );
        }
        out
    }

    /// Checks that `source` has forms, naming the sources that do otherwise.
    pub fn check_source(&self, source: &str) -> anyhow::Result<()> {
        let sources = self.sources();
        if !sources.iter().any(|s| s == source) {
            bail!(
                "no {source:?} result forms for contest {:?}; the sources with forms are: {}",
                self.contest.id,
                if sources.is_empty() {
                    "none yet".to_string()
                } else {
                    sources.join(", ")
                }
            );
        }
        Ok(())
    }

    /// The area of `station` at `level` (index into `levels`), if it has one.
    pub fn area_at<'a>(&self, station: &'a ScopeStation, level: usize) -> Option<&'a str> {
        station
            .path
            .iter()
            .find(|a| self.areas.get(*a).is_some_and(|(_, l)| *l == level))
            .map(String::as_str)
    }

    pub fn area_name(&self, code: &str) -> &str {
        self.areas.get(code).map_or("", |(n, _)| n.as_str())
    }
}

// ---------------------------------------------------------------- the seed

/// The seed's commitment, as `draw` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct SeedRecord {
    pub seed: String,
    /// The salt, hex; revealed with the seed.
    pub salt: String,
    /// SHA-256 commitment to the seed and salt (docs/methods.md §1).
    pub commitment: String,
    /// Whether the salt was made here (no --salt given).
    pub salt_generated: bool,
    /// Whether --commitment was given and matched.
    pub commitment_checked: bool,
}

/// Reads the audit seed, refusing anything but at least 20 dice rolls.
pub fn parse_seed(seed: &str) -> anyhow::Result<AuditSeed> {
    AuditSeed::parse(seed).map_err(|e| {
        anyhow::anyhow!(
            "--seed: {e}. The audit seed is the dice as rolled in public: at least {} digits 1-6, \
             nothing else",
            stats::seed::MIN_DICE
        )
    })
}

/// The commitment to `seed` with `salt` (hex; a new random one when absent), checked against
/// `expected` when given.
pub fn commit(
    seed: &AuditSeed,
    salt: Option<&str>,
    expected: Option<&str>,
) -> anyhow::Result<SeedRecord> {
    let (bytes, generated) = match salt {
        Some(hex) => (parse_salt(hex)?, false),
        None => {
            if expected.is_some() {
                bail!("--commitment needs the --salt that was published with the seed");
            }
            let mut b = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
            (b, true)
        }
    };
    let commitment = seed_commitment(seed, &bytes);
    if let Some(want) = expected
        && !commitment_matches(seed, &bytes, want)
    {
        bail!(
            "the seed and salt do not match --commitment {want}: they commit to {commitment}. \
             Nothing was drawn; check the seed as rolled and the salt as published"
        );
    }
    Ok(SeedRecord {
        seed: seed.to_string(),
        salt: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        commitment,
        salt_generated: generated,
        commitment_checked: expected.is_some(),
    })
}

fn parse_salt(hex: &str) -> anyhow::Result<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!(
            "--salt must be 64 hex digits (32 bytes), as printed by an earlier draw; got {} characters",
            hex.len()
        );
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked hex");
    }
    Ok(out)
}

/// The lines a draw prints about its seed.
pub fn seed_lines(o: &mut String, r: &SeedRecord) {
    outln!(o, "Seed {} ({} dice)", r.seed, r.seed.len());
    if r.commitment_checked {
        outln!(
            o,
            "  matches the recorded commitment {} with salt {}",
            r.commitment,
            r.salt
        );
    } else if r.salt_generated {
        outln!(o, "  commitment to record: {}", r.commitment);
        outln!(
            o,
            "  salt (new; publish it with the seed, and pass it as --salt to redo this check): {}",
            r.salt
        );
    } else {
        outln!(
            o,
            "  commitment to record: {} (salt {})",
            r.commitment,
            r.salt
        );
    }
}

// ---------------------------------------------------------------- station files

/// One row of a station-level file, with the votes in the contest's choice order.
#[derive(Debug, Clone)]
pub struct StationRow {
    pub line: u64,
    pub station: String,
    pub counts: interchange::Counts,
    pub votes: Vec<Option<u64>>,
}

/// How to read a station-level CSV file: through `--mapping` (and `--from`), or with the
/// documented header `station,<choice id>…` plus any of `extra` (count fields) present.
pub struct StationFile<'a> {
    pub file: &'a Path,
    pub mapping: Option<&'a Path>,
    pub from: Option<&'a str>,
    /// Optional columns of the default header, by name: (column, field).
    pub extra: &'a [(&'a str, interchange::CountField)],
}

impl StationFile<'_> {
    /// Reads every row; the first bad row stops it with an error naming the file, the line and
    /// the column (or the mapping key).
    pub fn read(&self, contest: &Contest) -> anyhow::Result<Vec<StationRow>> {
        let name = self.file.display().to_string();
        let (mapping, order) = match self.mapping {
            Some(path) => self.user_mapping(path, contest)?,
            None => {
                let ids: Vec<&str> = contest.choices.iter().map(|c| c.id.as_str()).collect();
                let present = self.header_of(&name)?;
                let mut text = String::from(
                    "record = \"station-results\"\n[station]\nid = \"station\"\n[contest]\nchoices = [",
                );
                text.push_str(&quoted(&ids));
                text.push_str("]\n[[source]]\nname = \"file\"\n");
                for (column, field) in self.extra {
                    if present.iter().any(|h| h == column) {
                        text.push_str(&format!("{} = {:?}\n", field.as_str(), column));
                    }
                }
                text.push_str("votes = [");
                text.push_str(&quoted(&ids));
                text.push_str("]\n");
                let mapping = Mapping::parse(&text, "(the default header)")
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                (mapping, (0..ids.len()).collect())
            }
        };
        let reader = StationResultsReader::open(self.file, &mapping).map_err(|e| {
            match (&e, self.mapping) {
                (interchange::Error::Mapping { message, .. }, None) => anyhow::anyhow!(
                    "{name}:1: {message}. Without --mapping the header must be \
                     station,{} (one column per choice id)",
                    contest
                        .choices
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                _ => anyhow::Error::new(e),
            }
        })?;
        let mut rows = Vec::new();
        for row in reader {
            let row = row?;
            let form = row.forms.into_iter().next().unwrap_or_default();
            let votes = order.iter().map(|&i| form.votes[i]).collect();
            rows.push(StationRow {
                line: row.line,
                station: row.station,
                counts: form.counts,
                votes,
            });
        }
        Ok(rows)
    }

    /// The header names of the file (for the default header's optional columns).
    fn header_of(&self, name: &str) -> anyhow::Result<Vec<String>> {
        let input = interchange::open_data(self.file)?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => Ok(record
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                .collect()),
            Ok(false) => bail!("{name}: the file is empty; it needs a header row"),
            Err(e) => bail!("{name}:1: the header cannot be read: {e}"),
        }
    }

    /// The user's mapping: one of its sources, its choices matched to the contest's by id or
    /// name. Returns the mapping reduced to that source, and for each contest choice the
    /// mapping's column index.
    fn user_mapping(
        &self,
        path: &Path,
        contest: &Contest,
    ) -> anyhow::Result<(Mapping, Vec<usize>)> {
        let mut mapping = Mapping::from_path(path)?;
        let map_name = path.display().to_string();
        let names: Vec<&str> = mapping.sources.iter().map(|s| s.name.as_str()).collect();
        let index = match (self.from, names.as_slice()) {
            (Some(f), _) => names.iter().position(|n| *n == f).with_context(|| {
                format!(
                    "{map_name}: has no source {f:?}; its [[source]] tables are {}",
                    names.join(", ")
                )
            })?,
            (None, [_]) => 0,
            (None, _) => bail!(
                "{map_name} describes several copies of the form ({}); choose one with --from",
                names.join(", ")
            ),
        };
        mapping.sources = vec![mapping.sources[index].clone()];
        let mut order = Vec::with_capacity(contest.choices.len());
        let mut used = vec![false; mapping.choices.len()];
        for (i, name) in mapping.choices.iter().enumerate() {
            let wanted = name.trim().to_lowercase();
            if !contest
                .choices
                .iter()
                .any(|c| c.id.to_lowercase() == wanted || c.name.trim().to_lowercase() == wanted)
            {
                bail!(
                    "{map_name}: key `contest.choices[{i}]`: {name:?} is not a choice of contest {:?}; its choices are {}",
                    contest.id,
                    choice_list(contest)
                );
            }
        }
        for c in &contest.choices {
            let found = mapping.choices.iter().position(|name| {
                let n = name.trim().to_lowercase();
                n == c.id.to_lowercase() || n == c.name.trim().to_lowercase()
            });
            match found {
                Some(i) if !used[i] => {
                    used[i] = true;
                    order.push(i);
                }
                _ => bail!(
                    "{map_name}: key `contest.choices`: contest {:?}'s choice {} ({}) is not mapped; \
                     every choice needs its column",
                    contest.id,
                    c.id,
                    c.name
                ),
            }
        }
        Ok((mapping, order))
    }
}

fn quoted(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("{i:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// "CPP (Cambodian People's Party), CNRP (…)".
pub fn choice_list(contest: &Contest) -> String {
    contest
        .choices
        .iter()
        .map(|c| format!("{} ({})", c.id, c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------- output

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    write_stdout(&format!("{text}\n"))
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Quotes a CSV field when it holds a comma, a quote or a line break (RFC 4180).
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// 12,345.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Writes a file atomically, naming it in errors.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    tlog::publish::write_atomic(path, bytes).with_context(|| format!("writing {}", path.display()))
}

/// A shell-safe rendering of an argument for a printed command.
pub fn shell(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=+@,".contains(&b))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// The arguments that name the election again, for a printed next command.
pub fn election_words(a: &ElectionArgs) -> Vec<String> {
    let mut w = Vec::new();
    if let (Some(_), Some(db)) = (&a.election, &a.state_db) {
        // This run replayed into db: the next step reads it instead of replaying again.
        w.push(format!("--state-db {}", shell(&db.display().to_string())));
        return w;
    }
    if let Some(e) = &a.election {
        w.push(shell(e));
    }
    if let Some(v) = &a.vkey {
        w.push(format!("--vkey {}", shell(v)));
    }
    for x in &a.witnesses {
        w.push(format!("--witness {}", shell(x)));
    }
    if let Some(q) = a.quorum {
        w.push(format!("--quorum {q}"));
    }
    if let Some(p) = &a.policy {
        w.push(format!("--policy {}", shell(&p.display().to_string())));
    }
    if a.election.is_none()
        && let Some(db) = &a.state_db
    {
        w.push(format!("--state-db {}", shell(&db.display().to_string())));
    }
    w
}
