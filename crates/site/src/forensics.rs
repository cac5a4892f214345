//! The forensics page of each contest and the site's plots: `review::forensics::screen` over
//! the official forms (whole-number percentages, red flags) and its plots' numbers
//! (`review::forensics::shapes`), drawn by `report::svg` as SVG files, one per language, that
//! the pages show as images (so that no markup from a data file is ever put into a page).

use std::path::Path;

use report::svg;
use review::Review;
use review::forensics::{Options, Stations};
use review::scope::ScopeStation;
use serde::Serialize;

use crate::{Error, Writer, file_name};

/// Monte Carlo replicates of the whole-number-percentage test at each writing of the site:
/// a p-value to two places, in about 1.3 s at 66,822 stations (the screen's red flags take
/// 0.3 s more; the toolkit and the fraud model, which the review report runs, are left out).
const REPLICATES: usize = 100;

/// Stations listed by name under the red flags; the counts cover them all.
const FLAGGED_SHOWN: usize = 500;

/// The fingerprint's points are drawn at most once per cell of this grid (a plot is about
/// 560 by 250 pixels, so a cell is about two pixels by one): at national size, tens of
/// thousands of stations make a few thousand circles, not tens of thousands.
const GRID: f64 = 250.0;

/// The plots' words, in each language of the site.
struct Words {
    lang: &'static str,
    digits: &'static str,
    digit: &'static str,
    counts: &'static str,
    fingerprint: &'static str,
    turnout: &'static str,
    /// "{leader}" is replaced by the leader's id.
    share: &'static str,
    pvt: &'static str,
    /// The PVT plot's axis: party shares are of the valid votes, turnout of the registered.
    percent: &'static str,
}

const LANGS: [Words; 2] = [
    Words {
        lang: "en",
        digits: "Last digits of the vote counts",
        digit: "last digit",
        counts: "counts",
        fingerprint: "Turnout against the leader's share, by station",
        turnout: "turnout",
        share: "{leader}'s share of the valid votes",
        pvt: "PVT estimates and the official shares",
        percent: "% (a party: of valid votes; turnout: of registered voters)",
    },
    Words {
        lang: "km",
        digits: "ខ្ទង់ចុងក្រោយនៃចំនួនសំឡេងឆ្នោត",
        digit: "ខ្ទង់ចុងក្រោយ",
        counts: "ចំនួន",
        fingerprint: "អត្រាចូលរួម ធៀបនឹងចំណែករបស់អ្នកនាំមុខ តាមការិយាល័យ",
        turnout: "អត្រាចូលរួម",
        share: "ចំណែករបស់ {leader} ក្នុងសំឡេងឆ្នោតត្រឹមត្រូវ",
        pvt: "ការប៉ាន់ស្មាន PVT និងចំណែកផ្លូវការ",
        // Needs native review.
        percent: "% (គណបក្ស៖ នៃសំឡេងឆ្នោតត្រឹមត្រូវ; អត្រាចូលរួម៖ នៃអ្នកបោះឆ្នោតដែលបានចុះឈ្មោះ)",
    },
];

#[derive(Debug, Serialize)]
struct Page {
    contest: String,
    /// The copy analysed (the official forms).
    source: String,
    /// Why there is no analysis, when there is none.
    unavailable: Option<String>,
    stations: usize,
    leader: Option<review::forensics::Leader>,
    integer_percentages: Option<stats::forensics::IntegerTest>,
    /// Each red flag's kind, its words and how many stations raise it.
    red_flags: Vec<(String, String, usize)>,
    /// The first stations flagged (station, its last-level area, the flags' words), and how
    /// many are flagged in all.
    flagged: Vec<(String, String, Vec<String>)>,
    flagged_total: usize,
    last_digits: [u64; 10],
    /// Stations in the fingerprint.
    fingerprint: usize,
    /// Plots by name: `data/<file>.<lang>.svg`.
    plots: Vec<(String, String)>,
}

/// Writes `data/forensics/<contest>` and its plots.
pub(crate) fn write(
    w: &mut Writer,
    data: &Path,
    review: &Review,
    contest: &str,
    in_scope: &[ScopeStation],
) -> Result<(), Error> {
    let mut page = Page {
        contest: contest.to_string(),
        source: review::results::OFFICIAL.into(),
        unavailable: None,
        stations: 0,
        leader: None,
        integer_percentages: None,
        red_flags: Vec::new(),
        flagged: Vec::new(),
        flagged_total: 0,
        last_digits: [0; 10],
        fingerprint: 0,
        plots: Vec::new(),
    };
    let name = format!("forensics/{}", file_name(contest));
    let ran = Stations::from_election(review, Some(contest), None, None).and_then(|stations| {
        let o = Options {
            replicates: REPLICATES,
            ..Options::default()
        };
        let report = review::forensics::screen(&stations, &o)?;
        Ok((stations, report))
    });
    let (stations, report) = match ran {
        Ok(r) => r,
        Err(e) => {
            // Too few forms, or none yet: said on the page, not an error of the site.
            page.unavailable = Some(e.to_string());
            return w.data(data, &name, &page);
        }
    };
    let shapes = review::forensics::shapes(&stations, report.leader.index);
    let area_of: std::collections::HashMap<&str, &str> = in_scope
        .iter()
        .map(|s| (s.code.as_str(), s.area.as_str()))
        .collect();
    let red = &report.red_flags;
    page.red_flags = red
        .totals
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(f, n)| {
            let kind = serde_json::to_value(f)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            (kind, f.describe().to_string(), *n)
        })
        .collect();
    page.flagged_total = red.flagged.len();
    page.flagged = red
        .flagged
        .iter()
        .take(FLAGGED_SHOWN)
        .map(|s| {
            let area = area_of.get(s.station.as_str()).copied().unwrap_or_default();
            let words = s.flags.iter().map(|f| f.describe().to_string()).collect();
            (s.station.clone(), area.to_string(), words)
        })
        .collect();
    page.stations = report.stations;
    page.last_digits = shapes.last_digits;
    page.fingerprint = shapes.fingerprint.len();

    let dir = format!("plot/{}", file_name(contest));
    let total: u64 = shapes.last_digits.iter().sum();
    if total > 0 {
        let file = format!("{dir}/last-digits");
        for words in &LANGS {
            let plot = svg::histogram(
                &svg::Frame::new(words.digits, words.digit, words.counts),
                // Each digit's bar centred on its tick.
                -0.5,
                9.5,
                &shapes.last_digits,
                Some(total as f64 / 10.0),
            );
            w.file(&svg_path(data, &file, words), plot.as_bytes())?;
        }
        page.plots.push(("last_digits".into(), file));
    }
    if !shapes.fingerprint.is_empty() {
        let mut cells: Vec<(f64, f64)> = shapes
            .fingerprint
            .iter()
            .map(|(x, y)| ((x * GRID).round() / GRID, (y * GRID).round() / GRID))
            .collect();
        cells.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        cells.dedup();
        let x_max = shapes.fingerprint.iter().map(|p| p.0).fold(1.0, f64::max);
        let file = format!("{dir}/fingerprint");
        for words in &LANGS {
            let share = words.share.replace("{leader}", &report.leader.name);
            let plot = svg::scatter(
                &svg::Frame::new(words.fingerprint, words.turnout, &share),
                (0.0, x_max),
                (0.0, 1.0),
                &cells,
                &[],
            );
            w.file(&svg_path(data, &file, words), plot.as_bytes())?;
        }
        page.plots.push(("fingerprint".into(), file));
    }
    page.leader = Some(report.leader);
    page.integer_percentages = Some(report.integer_percentages);
    w.data(data, &name, &page)
}

/// The plot of PVT estimate number `i` (estimates and 95% intervals, the official shares
/// marked), if it has a verdict to draw; its name.
pub(crate) fn pvt_plot(
    w: &mut Writer,
    data: &Path,
    i: usize,
    r: &review::pvt::EstimateReport,
) -> Result<Option<String>, Error> {
    let Some(v) = &r.verdict else {
        return Ok(None);
    };
    let rows: Vec<svg::Interval> = v
        .figures
        .iter()
        .filter(|f| f.estimate >= 0.01 || f.official >= 0.01)
        .map(|f| svg::Interval {
            label: f.figure.clone(),
            estimate: 100.0 * f.estimate,
            lo: 100.0 * f.interval_95.0,
            hi: 100.0 * f.interval_95.1,
            reference: Some(100.0 * f.official),
        })
        .collect();
    if rows.is_empty() {
        return Ok(None);
    }
    let file = format!("plot/pvt-{i}");
    for words in &LANGS {
        let plot = svg::intervals(&svg::Frame::new(words.pvt, words.percent, ""), &rows);
        w.file(&svg_path(data, &file, words), plot.as_bytes())?;
    }
    Ok(Some(file))
}

fn svg_path(data: &Path, file: &str, words: &Words) -> std::path::PathBuf {
    data.join(format!("{file}.{}.svg", words.lang))
}
