//! CSV interchange for scrutineer: reads foreign CSV layouts through a column-mapping file,
//! so that a new country's files import without code changes.
//!
//! A mapping describes one kind of row (its `record` key): station-level results (one row per
//! polling station, possibly with several copies of the result form), read by
//! [`StationResultsReader`]; a station list (areas, name, registered voters), read by
//! [`StationListReader`]; or a voter roll (public fields and private ones), read by
//! [`VoterRollReader`]. Results also go out as CSV and NIST CDF ([`tally`], [`cdf`]).
//! Recount files (a ballot-polling audit's ballots and marks, station-level recounts) are read
//! by [`ballots`]; field sheets (a voter-list audit's results) by [`fieldsheet`]. The crate
//! never knows about the log, signatures or statistics: it turns bytes into typed rows, or
//! into an error that names the file, the line and the column (or the mapping file's key).
//!
//! ```no_run
//! use interchange::{Mapping, StationResultsReader};
//! let mapping = Mapping::from_path("mappings/russia-duma-2011.toml")?;
//! for row in StationResultsReader::open("../shared/data/russia/duma-2011.csv.zip", &mapping)? {
//!     let row = row?;
//!     println!("{} {:?}", row.station, row.forms[0].counts.registered);
//! }
//! # Ok::<(), interchange::Error>(())
//! ```
//!
//! # The mapping file
//!
//! A mapping is a TOML file. Columns are named by 0-based index (`3`) or by header name
//! (`"kpu_sah"`); an array of columns (`[5, 6, 7]`) means their sum. Every key below is
//! checked; an unknown key is an error, so a typo never goes unnoticed.
//!
//! ```toml
//! record = "station-results"        # or "stations" or "voter-roll" (below)
//! description = "free text"         # optional
//!
//! [csv]                              # optional; these are the defaults
//! delimiter = ","                    # one ASCII character; "\t" for tab
//! quote = '"'
//! header = true                      # the first row names the columns
//! encoding = "utf-8"                 # or "latin-1"
//! missing = [""]                     # cell values meaning "not available" (e.g. "", "-1")
//!
//! [station]
//! id = ["region", "tik", "uik"]      # one column, or several joined with id_separator
//! id_separator = "/"                 # optional, default "/"
//! areas = [                          # optional: the area hierarchy, outermost first
//!   { level = "region", column = "region" },
//!   { level = "territorial commission", column = "tik" },
//! ]
//!
//! [contest]
//! name = "State Duma 2011"           # optional
//! choices = ["Party A", "Party B"]   # candidates or party lists, in ballot order
//!
//! [counts]                           # optional: figures shared by every source
//! registered = 3
//!
//! [[source]]                         # one table per copy of the result form; first = reference
//! name = "official"
//! ballots_issued = [5, 6, 7]         # a sum of three columns
//! valid = 12
//! invalid = 11
//! votes = [21, 22]                   # one column per contest choice, same order
//! ```
//!
//! The count fields are `registered`, `ballots_received`, `ballots_issued`,
//! `ballots_spoiled`, `ballots_unused`, `ballots_cast` (found in the boxes), `valid`,
//! `invalid` and `total` (valid + invalid given as one figure). A field may sit in
//! `[counts]` (shared by all sources) or in a `[[source]]`, not both. Any field may be left
//! out; it is then `None` in every row.
//!
//! A cell whose trimmed text is in `csv.missing` reads as `None`, never as zero; a sum with
//! a missing part is missing as a whole. Any other cell of a count must be a whole number
//! written with digits; anything else is an error naming the file, the line, the column
//! and the mapping key. Files ending in `.gz` are gunzipped and files ending in `.zip` are
//! read from their first `.csv` member, both as a stream.
//!
//! A station list (`record = "stations"`) uses `[station]` only: `id`, `id_separator`, `areas`
//! (required: every level, outermost first; each area's `column` is its name, and an optional
//! `code` column its code, which otherwise is the path of names joined with `id_separator`),
//! and optionally `name` and `registered`.
//!
//! ```toml
//! record = "stations"
//! [station]
//! id = ["region", "tik", "uik"]
//! areas = [{ level = "region", column = "region" }, { level = "tik", column = "tik" }]
//! registered = 3
//! ```
//!
//! A voter roll (`record = "voter-roll"`) names the voter's station in `[station]` (`id`,
//! `id_separator`), the public fields in `[voter]`, and fields that must never be published in
//! `[private]`; several columns of a name or a private field are joined with a space.
//!
//! ```toml
//! record = "voter-roll"
//! [station]
//! id = ["village_id", "tps"]
//! [voter]
//! id = "nik"
//! name = ["given_name", "surname"]
//! sex = "sex"
//! sex_values = { F = ["P"], M = ["L"] }  # optional; default f/female, m/male, x
//! birth_date = "dob"                      # or birth_year = "year"
//! birth_date_format = "DD/MM/YYYY"
//! [private]
//! date_of_birth = "dob"
//! address = ["street", "village"]
//! ```
//!
//! Every reader stops at the first bad row unless told to `keep_going()`, in which case each
//! bad row is one error item and reading goes on (an importer lists them all).
//!
//! `docs/mapping.md` has the same reference with worked examples, and `mappings/` holds the
//! mappings for the Russian 2011 and Indonesian 2019 files.

pub mod ballots;
pub mod cdf;
mod error;
pub mod fieldsheet;
pub mod mapping;
mod open;
pub mod reader;
pub mod results;
pub mod roll;
pub mod stations;
mod table;
pub mod tally;

pub use error::{Column, Error};
pub use mapping::{CountField, Mapping, RecordKind, Sex};
pub use open::{
    MAX_CDF_FILE, MAX_EVENTS_FILE, MAX_LINE_BYTES, TooLong, open_data, open_data_counted,
    read_capped,
};
pub use reader::{Reader, Record};
pub use results::{Counts, ResultForm, ResultsPlan, StationResult, StationResultsReader};
pub use roll::{RollPlan, VoterRollReader, VoterRow};
pub use stations::{AreaCell, StationListReader, StationRow, StationsPlan};
