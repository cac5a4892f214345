//! The public site: static pages (HTML, CSS and a little plain JavaScript, embedded in the
//! binary with `include_str!`, no external CDN) and JSON data files made from `review`'s report
//! values, written beside a publication (`<public>/site/`), so that the whole public record,
//! site included, can be served by any web server, object store or CDN, or opened offline from
//! `file://` (the pages then read the data through `<script>` files, as browsers refuse
//! `fetch` there; "find my name" alone needs `scrutineer serve`).
//!
//! The site never computes a figure: every number is a field of a report value
//! (`summary::Headline`, `results::Drilldown`, `results::StationForms`, `pvt::EstimateReport`,
//! the flags of `ledger::report`, `review::pollbook`, `summary::LogStatus`,
//! `election_day::ElectionDay`, `forensics::Screen` and `forensics::shapes`), so it shows what
//! every other front end shows; its plots are `report::svg`'s.
//!
//! # Files
//!
//! Under `site/`: `index.html`, `site.css`, `site.js`, the observer web form's `observer.html`,
//! `observer.js` and `observer.css` (the same at every publication), and
//! `data/`, each file a JSON value also written as `<name>.js` (`window.SITE_DATA[name] = …`):
//!
//! Every data file is about the size below, and written twice (`.json` and `.js`).
//!
//! | file | what | size |
//! |---|---|---|
//! | `data/election` | name, log size, levels, contests, headline, PVT estimates | ~1 KB per constituency and contest |
//! | `data/area/<contest>/_` | the whole election's drill-down | ~300 B per top-level area and source |
//! | `data/area/<contest>/<area>` | an area's drill-down (areas one level below, or its stations) | ~300 B per row and source |
//! | `data/station/<contest>/<area>` | every station of one last-level area: its copies side by side, differences, photos, flags | ~1 KB per station |
//! | `data/flags` | every public flag, and the poll book's alerts | ~300 B per flag or alert |
//! | `data/witnesses` | the log's status: witnesses and their last cosignatures | ~200 B per witness |
//! | `data/day` | election day: counts, alerts by kind, cards per officer and commune, every reconciliation gap, every complaint, observers' counts and disagreements | ~200 B per gap, complaint, commune and officer |
//! | `data/forensics/<contest>` | forensics of the official forms (whole-number percentages, red flags, the first 500 flagged stations) | ~1 KB + ~100 B per flagged station |
//! | `data/plot/…/<name>.<lang>.svg` | plots (last digits, fingerprint, each PVT's intervals) in English and Khmer, shown as images | 5–300 KB each |
//!
//! Election day is on the pages that exist already: each area's page carries its counts and
//! each row's (`day`, `rows_day`), each station's its `day` (check-ins, turnout, cards without
//! a document and their share, the alerts naming it, gaps, checklists, merged records,
//! incidents, complaints), with zero counts and empty lists left out. Measured on the synthetic
//! Cambodia at a hundredth (190 stations, its poll book, observers and gaps planted): a
//! station's `day` is about 100 B (median; 230 B mean with what was planted), an area row's
//! counts about 60 B; so at national size (66,822 stations, both files of each) election day
//! adds about 15 MB with a poll book and about 4 MB without one, and forensics under 1 MB
//! (the fingerprint draws one point per cell of a 250 × 250 grid: 66,822 stations of a
//! plausible cloud make about 4,000 points, ~300 KB per language). Forensics add about
//! 1.6 s at that size (the whole-number-percentage test's 100 replicates, the red flags).
//!
//! Files are per area, so a national election (19,009 stations, ~1,850 areas) makes about
//! 2 × 2 × 1,850 small files rather than one huge one, and a page reads only the area it shows.
//! Measured: Indonesia 2019's 66,822 stations in four levels (two copies of each form) made
//! 32,713 files, 121 MB in all, in 9.3 s; most of it is the stations' pages, about 1.8 KB per
//! station and copy of the data. Names in file paths are area codes, kept as they are when made of
//! `[A-Za-z0-9_.-]` and written `~` + hex of their UTF-8 otherwise (`site.js` does the same).
//! Each file is written atomically (a temporary file renamed), so a reader sees a whole old
//! or a whole new file; files of areas that no longer exist are left, unread.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use ledger::report::{Flag, FlagFilter};
use review::Review;
use review::election_day::{Counts, ElectionDay, StationDay};
use review::results::{Drilldown, Results, StationForms};
use review::summary::{Headline, LogStatus};
use serde::Serialize;

/// The static files, embedded.
pub const INDEX_HTML: &str = include_str!("../assets/index.html");
pub const SITE_CSS: &str = include_str!("../assets/site.css");
pub const SITE_JS: &str = include_str!("../assets/site.js");
/// The observer web form (`observer.html`): needs `scrutineer serve` (it signs in the browser
/// and posts to `/submit`).
pub const OBSERVER_HTML: &str = include_str!("../assets/observer.html");
pub const OBSERVER_JS: &str = include_str!("../assets/observer.js");
pub const OBSERVER_CSS: &str = include_str!("../assets/observer.css");

/// The directory under a publication that holds the site.
pub const SITE_DIR: &str = "site";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the public site: {0}")]
    Review(#[from] review::Error),
    #[error("the public site: {0}")]
    State(#[from] ledger::report::Error),
}

/// What a write made.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Written {
    /// Where the site is (`<public>/site`).
    pub dir: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

/// The election as the summary page shows it.
#[derive(Debug, Serialize)]
struct Election<'a> {
    name: &'a str,
    origin: &'a str,
    /// Entries in the log when the site was written.
    entries: Option<u64>,
    levels: Vec<String>,
    contests: Vec<ContestOut>,
    headline: Headline,
    pvt: Vec<review::pvt::EstimateReport>,
    flags: usize,
    alerts: usize,
    /// Each PVT estimate's plot (`data/<name>.<lang>.svg`), in the order of `pvt`.
    pvt_plots: Vec<Option<String>>,
    /// Election day's counts over the whole election.
    day: Counts,
}

#[derive(Debug, Serialize)]
struct ContestOut {
    id: String,
    name: String,
    /// Choice id → its name.
    choices: BTreeMap<String, String>,
}

/// An area's page: its drill-down, and the areas above it from the top level down (code, name).
#[derive(Debug, Serialize)]
struct AreaPage<'a> {
    path: &'a [(String, String)],
    #[serde(flatten)]
    drilldown: Drilldown,
    /// Election day below the area, and below each row (an area or a station), by code.
    day: Counts,
    rows_day: BTreeMap<String, Counts>,
}

/// A station's page: its copies of the form and the flags raised at it.
#[derive(Debug, Serialize)]
struct StationPage<'a> {
    forms: StationForms,
    flags: Vec<&'a Flag>,
    day: StationDay,
}

#[derive(Debug, Serialize)]
struct FlagsPage<'a> {
    flags: &'a [Flag],
    alerts: &'a review::pollbook::PollBook,
}

/// Writes the site for `review` under `public/site`; `log` is the log's status (witnesses and
/// their last cosignatures) where the caller has the log at hand.
pub fn write(review: &Review, log: Option<&LogStatus>, public: &Path) -> Result<Written, Error> {
    let conn = review.conn();
    let dir = public.join(SITE_DIR);
    let mut w = Writer {
        written: Written {
            dir: dir.clone(),
            ..Written::default()
        },
        names: HashMap::new(),
    };
    w.file(&dir.join("index.html"), INDEX_HTML.as_bytes())?;
    w.file(&dir.join("site.css"), SITE_CSS.as_bytes())?;
    w.file(&dir.join("site.js"), SITE_JS.as_bytes())?;
    w.file(&dir.join("observer.html"), OBSERVER_HTML.as_bytes())?;
    w.file(&dir.join("observer.js"), OBSERVER_JS.as_bytes())?;
    w.file(&dir.join("observer.css"), OBSERVER_CSS.as_bytes())?;
    let data = dir.join("data");

    let flags = ledger::report::flags(conn, &FlagFilter::default())?;
    let mut by_station: HashMap<String, Vec<&Flag>> = HashMap::new();
    for f in &flags {
        for s in f.stations() {
            by_station.entry(s).or_default().push(f);
        }
    }
    let poll_book = review::pollbook::poll_book(review)?;
    w.data(
        &data,
        "flags",
        &FlagsPage {
            flags: &flags,
            alerts: &poll_book,
        },
    )?;
    w.data(&data, "witnesses", &log)?;
    let day = ElectionDay::read(review)?;
    w.data(&data, "day", &day)?;

    let contests = ledger::report::contests(conn)?;
    for c in &contests {
        let results = Results::read(conn, Some(&c.id))?;
        let scope = results.scope();
        let area_dir = format!("area/{}", file_name(&c.id));
        let drilldown = results.drilldown(None)?;
        let top = AreaPage {
            path: &[],
            rows_day: rows_day(&day, &drilldown),
            day: day.total.clone(),
            drilldown,
        };
        w.data(&data, &format!("{area_dir}/_"), &top)?;
        // The areas above each area, from any station under it.
        let mut above: BTreeMap<&str, Vec<(String, String)>> = BTreeMap::new();
        for s in &scope.stations {
            for (i, code) in s.path.iter().enumerate() {
                above.entry(code).or_insert_with(|| {
                    s.path[..i]
                        .iter()
                        .map(|a| (a.clone(), scope.area_name(a).to_string()))
                        .collect()
                });
            }
        }
        let mut codes: Vec<&String> = scope.areas.keys().collect();
        codes.sort();
        for code in codes {
            let drilldown = results.drilldown(Some(code))?;
            let page = AreaPage {
                path: above.get(code.as_str()).map_or(&[], Vec::as_slice),
                rows_day: rows_day(&day, &drilldown),
                day: day.area(code),
                drilldown,
            };
            w.data(&data, &format!("{area_dir}/{}", file_name(code)), &page)?;
        }
        // Each last-level area's stations in one file.
        let mut by_area: BTreeMap<&str, Vec<StationPage>> = BTreeMap::new();
        for s in &scope.stations {
            by_area.entry(&s.area).or_default().push(StationPage {
                forms: results.station(&s.code)?,
                flags: by_station.get(&s.code).cloned().unwrap_or_default(),
                day: day.station(&s.code),
            });
        }
        for (area, pages) in by_area {
            let name = format!("station/{}/{}", file_name(&c.id), file_name(area));
            w.data(&data, &name, &pages)?;
        }
        forensics::write(&mut w, &data, review, &c.id, &scope.stations)?;
    }

    let pvt = pvt_estimates(review)?;
    let mut pvt_plots = Vec::new();
    for (i, r) in pvt.iter().enumerate() {
        pvt_plots.push(forensics::pvt_plot(&mut w, &data, i, r)?);
    }
    let election = Election {
        name: &review.provenance.name,
        origin: &review.provenance.origin,
        entries: review.provenance.entries.or(log.map(|l| l.size)),
        levels: ledger::report::levels(conn)?,
        contests: contests
            .iter()
            .map(|c| ContestOut {
                id: c.id.clone(),
                name: c.name.clone(),
                choices: c
                    .choices
                    .iter()
                    .map(|x| (x.id.clone(), x.name.clone()))
                    .collect(),
            })
            .collect(),
        headline: Headline::read(conn)?,
        pvt,
        flags: flags.len(),
        alerts: poll_book.alerts.len(),
        pvt_plots,
        day: day.total.clone(),
    };
    // Last: the summary names the log size the rest was written at.
    w.data(&data, "election", &election)?;
    Ok(w.written)
}

/// Each row's election day: an area's counts below it, or a station's own.
fn rows_day(day: &ElectionDay, d: &Drilldown) -> BTreeMap<String, Counts> {
    d.rows
        .iter()
        .map(|r| {
            let counts = if d.below == "station" {
                day.station(&r.code).counts
            } else {
                day.area(&r.code)
            };
            (r.code.clone(), counts)
        })
        .collect()
}

/// Each PVT sample recorded in the log (a PVT audit revealed, with its sample recorded),
/// estimated from each observer group's copies of the forms and judged against the official
/// result: the PVT beside the official result.
fn pvt_estimates(review: &Review) -> Result<Vec<review::pvt::EstimateReport>, Error> {
    use review::pvt::{Figures, Frame, FrameSpec};
    let mut out = Vec::new();
    for audit in ledger::report::audits(review.conn())? {
        let Some(ledger::event::DrawPlan::Pvt(plan)) = &audit.draw else {
            continue;
        };
        if audit.seed.is_none() || audit.rounds.is_empty() {
            continue;
        }
        let frame = Frame::read(review, &FrameSpec::of(plan))?;
        let sample = frame.sample(review, Some(&audit.id), None, None)?;
        let observers: Vec<Figures> = frame
            .scope
            .sources()
            .into_iter()
            .filter(|s| s.starts_with("observer:"))
            .map(Figures::Source)
            .collect();
        // A sampled station whose observers sent nothing is left out, as NDI's PVT does.
        let missing = stats::pvt::MissingFigures::NonResponse;
        out.extend(frame.estimates(&review.provenance, &sample, &observers, missing)?);
    }
    Ok(out)
}

/// Longest hex part of a file name: beyond it, the name is cut and a hash added (file
/// systems refuse names over 255 bytes, and a code may be a long name in Cyrillic).
const MAX_HEX: usize = 80;

/// An area code or contest id as a file name: as it is when made of `[A-Za-z0-9_.-]` (and not
/// starting with a dot, and short), otherwise `~` and the hex of its UTF-8; a hex part over
/// 80 digits is cut to 80 and followed by `-` and the 64-bit FNV-1a hash of the whole code
/// (16 hex digits). `site.js` computes the same.
pub fn file_name(code: &str) -> String {
    let plain = !code.is_empty()
        && code.len() <= MAX_HEX
        && !code.starts_with('.')
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
    if plain {
        return code.to_string();
    }
    let mut hex = String::new();
    for b in code.bytes() {
        hex.push_str(&format!("{b:02x}"));
    }
    if hex.len() <= MAX_HEX {
        return format!("~{hex}");
    }
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in code.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("~{}-{hash:016x}", &hex[..MAX_HEX])
}

mod forensics;

struct Writer {
    written: Written,
    /// Every data file written, and the name it is for: two names in one file would be a
    /// hash collision of [`file_name`], refused rather than overwritten.
    names: HashMap<PathBuf, String>,
}

impl Writer {
    fn file(&mut self, path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: path.to_owned(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // Atomic: a reader sees the old file or the new one, never half of one.
        tlog::publish::write_atomic(path, bytes).map_err(|e| Error::Io {
            path: path.to_owned(),
            source: std::io::Error::other(e.to_string()),
        })?;
        self.written.files += 1;
        self.written.bytes += bytes.len() as u64;
        Ok(())
    }

    /// `name` as `data/<name>.json`, and as `data/<name>.js` for pages opened from `file://`.
    fn data(&mut self, data: &Path, name: &str, value: &impl Serialize) -> Result<(), Error> {
        let path = data.join(format!("{name}.json"));
        if let Some(other) = self.names.insert(path.clone(), name.to_string()) {
            return Err(Error::Io {
                path,
                source: std::io::Error::other(format!("written for {other:?} already")),
            });
        }
        let json = serde_json::to_string(value).expect("report values serialise");
        self.file(&path, json.as_bytes())?;
        // U+2028 and U+2029 are valid in JSON strings, and in JavaScript since ES2019.
        let js = format!(
            "(window.SITE_DATA=window.SITE_DATA||{{}})[{}]={json};\n",
            serde_json::to_string(name).expect("a string serialises")
        );
        self.file(&data.join(format!("{name}.js")), js.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_become_safe_file_names() {
        assert_eq!(file_name("0102"), "0102");
        assert_eq!(file_name("na-2013"), "na-2013");
        assert_eq!(file_name("../x"), "~2e2e2f78");
        assert_eq!(file_name(".hidden"), "~2e68696464656e");
        assert_eq!(file_name("ភ"), "~e19e97");
        assert_eq!(file_name(""), "~");
        // FNV-1a 64 of "a" is af63dc4c8601ec8c.
        let long = "a".repeat(41);
        assert_eq!(file_name(&"a".repeat(40)), "a".repeat(40));
        assert_eq!(file_name(&"/".repeat(40)), format!("~{}", "2f".repeat(40)));
        let name = file_name(&format!("/{long}"));
        assert_eq!(name.len(), 1 + 80 + 1 + 16);
        assert!(
            name.starts_with(&format!("~2f{}", "61".repeat(39))),
            "{name}"
        );
        assert_eq!(file_name(&"a".repeat(81)).len(), 98);
        let mut one = "a".to_string();
        one.insert(0, '\u{e9}');
        assert_eq!(file_name(&one), "~c3a961");
    }

    #[test]
    fn fnv_is_fnv_1a_64() {
        // The hash part of a long name whose hex is cut; the reference vector of "a".
        let cut = file_name(&format!("a{}", "\u{e9}".repeat(40)));
        assert!(cut.starts_with("~61c3a9"), "{cut}");
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        hash ^= u64::from(b'a');
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        assert_eq!(hash, 0xaf63_dc4c_8601_ec8c);
    }
}
