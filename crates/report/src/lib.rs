//! The review report: every review that applies to a recorded election, run over a
//! `review::Review` (an election directory or a replayed publication), written as ONE
//! self-contained HTML file a journalist can open offline and print: no external file, font or
//! script; plots drawn here as inline SVG ([`svg`]). It says what was checked (each review, its
//! method and where the method is written down), what was found, and for each finding its
//! evidence: the log entries, each with its inclusion proof (a tlog-proof file, shown and
//! offered as a download) that anyone can check with `scrutineer verify --proof`.
//!
//! Findings are what the record itself shows: public flags (forms that do not add up, claimed
//! times after witness time), amended official forms, poll-book alerts, copies of a form that
//! differ from the official one, a PVT whose interval misses the official share, and areas
//! whose removal rate stands far above the rest. Statistics that call for a look but prove
//! nothing alone (forensics' red flags, deduplication's candidate pairs) are leads, kept apart.
//!
//! [`build`] runs the reviews into a [`Report`]; [`html::render`] writes it with a [`Prover`].

mod day;
pub mod html;
pub mod proofs;
pub mod svg;

use std::collections::{BTreeMap, BTreeSet};

use ledger::report::FlagFilter;
use review::{Provenance, Review};
use serde::Serialize;

pub use html::render;
pub use proofs::{Prover, Published, Stored};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Deduplicate the recorded roll (seconds at a million voters, minutes at ten).
    pub dedup: bool,
    /// Forensics' Monte Carlo replicates and bootstrap resamples.
    pub replicates: usize,
    pub bootstrap: usize,
    /// The public seed of the report's own PVT draw (dice as rolled).
    pub pvt_seed: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            dedup: true,
            replicates: 200,
            bootstrap: 100,
            pvt_seed: "35216452316254163524".into(),
        }
    }
}

/// Where the report tells its progress.
pub trait Progress {
    /// A review begins.
    fn review(&mut self, title: &str);
}

/// A report that tells nothing.
pub struct Quiet;

impl Progress for Quiet {
    fn review(&mut self, _: &str) {}
}

/// One thing the record shows, with the entries that show it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Finding {
    /// A short stable word: a flag's or alert's kind, `amended_form`, `copies_differ`,
    /// `removal_wave`, `pvt_outside`.
    pub kind: String,
    /// What it is about: a station, a station and check-in, an area, a figure.
    pub subject: String,
    /// In words.
    pub text: String,
    /// The log entries that show it.
    pub entries: Vec<u64>,
}

/// What one review found.
#[derive(Debug, Clone, Serialize)]
pub enum Outcome {
    /// The review ran; its findings are listed.
    Ran,
    /// The review did not run, and why.
    Skipped(String),
}

/// One review, as the report tells it.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub title: String,
    /// What was checked, in words.
    pub checked: String,
    /// Where the method is written down.
    pub method: String,
    pub outcome: Outcome,
    /// What it found, in words, one paragraph each.
    pub summary: Vec<String>,
    pub findings: Vec<Finding>,
    /// Signals to look at that are not evidence alone.
    pub leads: Vec<String>,
    /// Inline SVG plots, each with a caption.
    #[serde(skip)]
    pub plots: Vec<(String, String)>,
}

impl Check {
    fn new(title: &str, checked: &str, method: &str) -> Check {
        Check {
            title: title.into(),
            checked: checked.into(),
            method: method.into(),
            outcome: Outcome::Ran,
            summary: Vec::new(),
            findings: Vec::new(),
            leads: Vec::new(),
            plots: Vec::new(),
        }
    }

    fn skipped(mut self, why: impl Into<String>) -> Check {
        self.outcome = Outcome::Skipped(why.into());
        self
    }
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub election: Provenance,
    pub checks: Vec<Check>,
}

impl Report {
    /// Every finding of every check.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.checks.iter().flat_map(|c| &c.findings)
    }
}

/// An error reading the state, in one line.
fn state<T, E: std::fmt::Display>(r: Result<T, E>) -> Result<T, String> {
    r.map_err(|e| format!("reading the election's state: {e}"))
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// Runs every review that applies to `review` and gathers what each found.
pub fn build(
    review: &Review,
    options: &Options,
    progress: &mut dyn Progress,
) -> Result<Report, String> {
    let mut checks = Vec::new();
    progress.review("public flags");
    checks.push(flags(review)?);
    progress.review("amended forms");
    checks.push(amended(review)?);
    progress.review("copies of the result forms");
    checks.push(copies(review)?);
    progress.review("the poll book");
    checks.push(poll_book(review)?);
    progress.review("ballot reconciliation");
    checks.push(day::reconciliation(review)?);
    progress.review("observers' reports");
    checks.push(day::observers(review)?);
    progress.review("complaints");
    checks.push(day::complaints(review)?);
    progress.review("parallel vote tabulation");
    checks.push(pvt(review, options));
    progress.review("forensics");
    checks.push(forensics(review, options));
    progress.review("removals from the roll");
    checks.push(roll_diff(review)?);
    progress.review("duplicate registrations");
    checks.push(dedup(review, options));
    Ok(Report {
        election: review.provenance.clone(),
        checks,
    })
}

// ---------------------------------------------------------------- flags

fn flags(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "Forms that do not add up, and claimed times after witness time",
        "Every public flag the record raised: a result form whose votes do not add up to its \
         valid ballots, or that counts more ballots than were issued, received or registered; \
         an event that claims a time later than the witnesses saw it. The log records such \
         entries rather than refusing them, so that they stay on the record.",
        "docs/flags.md (the kinds of flag and what raises each)",
    );
    // Observers' and complaints' flags are told by their own checks, in their terms.
    let all: Vec<_> = state(ledger::report::flags(review.conn(), &FlagFilter::default()))?
        .into_iter()
        .filter(|f| !told_elsewhere(&f.kind))
        .collect();
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for f in &all {
        *by_kind.entry(f.kind.clone()).or_default() += 1;
        let message = f
            .detail
            .get("message")
            .and_then(|m| m.as_str())
            .unwrap_or("")
            .to_string();
        let subject = f.station.clone().unwrap_or(format!("entry {}", f.index));
        let mut entries = vec![f.index];
        if f.raised_at != f.index {
            entries.push(f.raised_at);
        }
        c.findings.push(Finding {
            kind: f.kind.clone(),
            subject: subject.clone(),
            text: format!("{subject}: {message}"),
            entries,
        });
    }
    c.summary.push(if all.is_empty() {
        "No entry of the log raised a flag.".into()
    } else {
        let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{n} {k}")).collect();
        format!("{} flags: {}.", all.len(), kinds.join(", "))
    });
    Ok(c)
}

/// Flag kinds listed by the observers' check and the complaints' check.
fn told_elsewhere(kind: &str) -> bool {
    review::observer::FLAG_KINDS.contains(&kind) || kind.starts_with("complaint_")
}

// ---------------------------------------------------------------- amendments

fn amended(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "Amended official forms",
        "Official result forms the commission replaced by a governed amendment. Every version \
         stays on the record: the form as filed, each amendment, and who approved it.",
        "docs/flags.md (amending an official form)",
    );
    let conn = review.conn();
    for (station, contest, source) in state(ledger::report::amended_forms(conn))? {
        let versions = state(ledger::report::form_history(
            conn, &station, &contest, &source,
        ))?;
        let mut entries = Vec::new();
        let mut told = Vec::new();
        for v in &versions {
            entries.push(v.index);
            entries.extend(v.amended_at);
            let flags = if v.flags.is_empty() {
                String::new()
            } else {
                format!(", flagged {}", v.flags.join(", "))
            };
            told.push(format!(
                "version {} (entry {}{}): valid {}, invalid {}{}",
                v.version,
                v.index,
                v.amended_at
                    .map_or(String::new(), |a| format!(", in effect at entry {a}")),
                v.form.valid,
                v.form.invalid,
                flags
            ));
            if let Some(r) = &v.reason {
                told.push(format!("  reason: {r}"));
            }
        }
        entries.sort_unstable();
        entries.dedup();
        c.findings.push(Finding {
            kind: "amended_form".into(),
            subject: station.clone(),
            text: format!(
                "{station}: the {source} form for {contest} has {} versions. {}",
                versions.len(),
                told.join("; ")
            ),
            entries,
        });
    }
    c.summary.push(match c.findings.len() {
        0 => "No official form was amended.".into(),
        1 => "1 official form was amended; every version is listed below.".into(),
        n => format!("{n} official forms were amended; every version is listed below."),
    });
    Ok(c)
}

// ---------------------------------------------------------------- copies

fn copies(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "Copies of the result forms that differ from the official one",
        "Each station's official result form against the copies the parties' agents and the \
         observers filed of the same form: any vote figure that differs.",
        "docs/export.md and review::results (each figure compared, station by station)",
    );
    let conn = review.conn();
    let scope = match review.scope(None, None) {
        Ok(s) => s,
        Err(e) => return Ok(c.skipped(format!("no contest to compare: {e}"))),
    };
    let contest = scope.contest.id.clone();
    let sources: Vec<String> = scope
        .sources()
        .into_iter()
        .filter(|s| s != "official")
        .collect();
    if sources.is_empty() || !scope.sources().iter().any(|s| s == "official") {
        return Ok(c.skipped("the record holds no official form with a copy beside it"));
    }
    let mut differ: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &sources {
        for station in state(ledger::report::stations_where_sources_differ(
            conn, "official", s,
        ))? {
            let list = differ.entry(station).or_default();
            if !list.contains(s) {
                list.push(s.clone());
            }
        }
    }
    let choices = scope.choice_ids();
    let official = scope.figures("official");
    let describe = |f: &review::scope::Figures| -> String {
        choices
            .iter()
            .zip(&f.votes)
            .filter(|(_, v)| **v > 0)
            .map(|(c, v)| format!("{c} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut by_source: BTreeMap<String, BTreeMap<String, review::scope::Figures>> = BTreeMap::new();
    for s in &sources {
        by_source.insert(s.clone(), scope.figures(s));
    }
    for (station, others) in &differ {
        let mut entries = Vec::new();
        let mut words = Vec::new();
        for source in std::iter::once("official").chain(others.iter().map(String::as_str)) {
            if let Some(v) = state(ledger::report::form_history(
                conn, station, &contest, source,
            ))?
            .last()
            {
                entries.push(v.index);
            }
            let figures = if source == "official" {
                official.get(station)
            } else {
                by_source.get(source).and_then(|m| m.get(station))
            };
            if let Some(f) = figures {
                words.push(format!("{source}: {}", describe(f)));
            }
        }
        c.findings.push(Finding {
            kind: "copies_differ".into(),
            subject: station.clone(),
            text: format!("{station}: {}", words.join("; ")),
            entries,
        });
    }
    c.summary.push(format!(
        "{} stations have an official form; {} of them have a copy that differs ({}).",
        official.len(),
        differ.len(),
        sources.join(", ")
    ));
    // The leader's share on the official form against each station's first copy.
    if let Some(copy) = sources
        .iter()
        .find(|s| s.starts_with("observer:"))
        .or(sources.first())
    {
        let lead = leader(&official);
        let theirs = &by_source[copy];
        let mut points = Vec::new();
        let mut marked = Vec::new();
        for (station, f) in &official {
            let Some(g) = theirs.get(station) else {
                continue;
            };
            if differ.contains_key(station) {
                marked.push(points.len());
            }
            points.push((share(f, lead), share(g, lead)));
        }
        let name = choices.get(lead).copied().unwrap_or("?");
        c.plots.push((
            svg::scatter(
                &svg::Frame::new(
                    &format!("{name}'s share by station: official form against {copy}'s copy"),
                    &format!("{name}'s share, official form"),
                    &format!("{name}'s share, {copy}"),
                ),
                (0.0, 1.0),
                (0.0, 1.0),
                &points,
                &marked,
            ),
            format!(
                "Each dot is a station; stations whose copy differs are circled in red, off \
                 the diagonal where the official form gives {name} more or less than {copy}'s \
                 copy of the same form."
            ),
        ));
    }
    Ok(c)
}

/// The choice with the most votes over `stations`.
fn leader(stations: &BTreeMap<String, review::scope::Figures>) -> usize {
    let mut totals: Vec<u64> = Vec::new();
    for f in stations.values() {
        totals.resize(totals.len().max(f.votes.len()), 0);
        for (t, v) in totals.iter_mut().zip(&f.votes) {
            *t += v;
        }
    }
    (0..totals.len()).max_by_key(|&i| totals[i]).unwrap_or(0)
}

fn share(f: &review::scope::Figures, choice: usize) -> f64 {
    let valid: u64 = f.votes.iter().sum();
    if valid == 0 {
        return f64::NAN;
    }
    *f.votes.get(choice).unwrap_or(&0) as f64 / valid as f64
}

// ---------------------------------------------------------------- poll book

fn poll_book(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "The poll book: second check-ins and temporary cards",
        "Every check-in recorded on election day against the stations' pseudonym lists and the \
         temporary cards issued: a second check-in of the same pseudonym or card anywhere, a \
         pseudonym not on the station's list, a re-sent check-in that differs, a card unknown, \
         used at another station, used twice or issued above the officer's daily threshold \
         without approval. Alerts name check-ins and stations, never voters.",
        "docs/pollbook.md (the alerts and what raises each)",
    );
    let book = state(review::pollbook::poll_book(review))?;
    if book.checkins() == 0 && book.cards_by_officer.is_empty() {
        return Ok(c.skipped("the record holds no check-ins and no temporary cards"));
    }
    for a in &book.alerts {
        let subject = match &a.checkin {
            Some(id) => format!("{} {id}", a.station),
            None => a.station.clone(),
        };
        let mut entries = vec![a.index];
        if let Some(e) = &a.earlier {
            entries.push(e.index);
        }
        entries.sort_unstable();
        entries.dedup();
        c.findings.push(Finding {
            kind: a.kind.clone(),
            subject,
            text: a.describe(),
            entries,
        });
    }
    let cards: u64 = book.cards_by_officer.iter().map(|c| c.issued).sum();
    let without: u64 = book
        .cards_by_officer
        .iter()
        .map(|c| c.without_document)
        .sum();
    c.summary.push(format!(
        "{} check-ins at {} stations; {} temporary cards, {} of them without an identity \
         document; {} alerts.",
        book.checkins(),
        book.stations.len(),
        cards,
        without,
        book.alerts.len()
    ));
    if !book.counts.is_empty() {
        let rows: Vec<(String, f64)> = book
            .counts
            .iter()
            .map(|(k, n)| (k.clone(), *n as f64))
            .collect();
        c.plots.push((
            svg::bars(
                &svg::Frame::new("Poll-book alerts by kind", "alerts", ""),
                &rows,
                &[],
            ),
            "Alerts by kind (docs/pollbook.md).".into(),
        ));
    }
    // Communes where cards without a document concentrate: at least ten, and more than five
    // times the median commune's (docs/report.md).
    let mut counts: Vec<u64> = book
        .cards_by_commune
        .iter()
        .map(|c| c.without_document)
        .collect();
    counts.sort_unstable();
    let median = counts.get(counts.len() / 2).copied().unwrap_or(0).max(1);
    for cc in &book.cards_by_commune {
        if cc.without_document >= 10 && cc.without_document > 5 * median {
            c.findings.push(Finding {
                kind: "cards_without_document".into(),
                subject: cc.key.clone(),
                text: format!(
                    "{}: {} temporary cards issued without an identity document (of {}), where \
                     the median commune has {median}",
                    cc.key, cc.without_document, cc.issued
                ),
                entries: state(ledger::report::pollbook::cards_without_document_in(
                    review.conn(),
                    &cc.key,
                ))?,
            });
        }
    }
    let mut communes: Vec<&ledger::report::pollbook::CardCount> = book
        .cards_by_commune
        .iter()
        .filter(|c| c.without_document > 0)
        .collect();
    communes.sort_by(|a, b| {
        b.without_document
            .cmp(&a.without_document)
            .then(a.key.cmp(&b.key))
    });
    if !communes.is_empty() {
        let rows: Vec<(String, f64)> = communes
            .iter()
            .take(20)
            .map(|c| (c.key.clone(), c.without_document as f64))
            .collect();
        c.plots.push((
            svg::bars(
                &svg::Frame::new(
                    "Temporary cards issued without an identity document, by commune",
                    "cards without a document",
                    "",
                ),
                &rows,
                &[],
            ),
            format!(
                "The {} communes with the most cards issued without an identity document{}.",
                rows.len(),
                if communes.len() > 20 {
                    format!(" (of {})", communes.len())
                } else {
                    String::new()
                }
            ),
        ));
    }
    Ok(c)
}

// ---------------------------------------------------------------- PVT

fn pvt(review: &Review, options: &Options) -> Check {
    let mut c = Check::new(
        "Parallel vote tabulation against the official result",
        "A random sample of stations drawn from a public seed, counted from an observer group's \
         own copies of the forms, estimates each party's share of the valid votes with its 95% \
         interval; the official share should fall inside.",
        "docs/methods.md section 5 (parallel vote tabulation) and section 9 (frame and verdict)",
    );
    let run = || -> Result<Option<review::pvt::EstimateReport>, review::Error> {
        use review::pvt::{Figures, Frame, FrameSpec, Sample};
        let scope = review.scope(None, None)?;
        let Some(source) = scope
            .sources()
            .into_iter()
            .find(|s| s.starts_with("observer:"))
        else {
            return Ok(None);
        };
        // The sample an observer group recorded in the log, when there is one (as the
        // public site shows it); otherwise the report's own draw from public dice.
        let recorded = ledger::report::audits(review.conn())
            .map_err(|e| review::Error::Refused(e.to_string()))?
            .into_iter()
            .find(|a| {
                matches!(a.draw, Some(ledger::event::DrawPlan::Pvt(_)))
                    && a.seed.is_some()
                    && !a.rounds.is_empty()
            });
        if let Some(audit) = recorded
            && let Some(ledger::event::DrawPlan::Pvt(plan)) = &audit.draw
        {
            let frame = Frame::read(review, &FrameSpec::of(plan))?;
            let sample = frame.sample(review, Some(&audit.id), None, None)?;
            return frame
                .estimate(
                    &review.provenance,
                    &sample,
                    &Figures::Source(source),
                    stats::pvt::MissingFigures::NonResponse,
                )
                .map(Some);
        }
        let frame = Frame::read(
            review,
            &FrameSpec {
                contest: None,
                area: None,
                level: Some("none".into()),
            },
        )?;
        let take = (frame.stations.len() / 3).clamp(1, 600);
        let sample = Sample {
            seed: options.pvt_seed.clone(),
            take,
            audit: None,
        };
        frame
            .estimate(
                &review.provenance,
                &sample,
                &Figures::Source(source),
                stats::pvt::MissingFigures::NonResponse,
            )
            .map(Some)
    };
    let report = match run() {
        Ok(Some(r)) => r,
        Ok(None) => return c.skipped("no observer group filed copies of the forms to sample"),
        Err(e) => return c.skipped(format!("the PVT could not run: {e}")),
    };
    // The audit's commitment, reveal and sample: the sample is the one the dice drew.
    let audit_entries: Vec<u64> = report
        .audit
        .as_ref()
        .and_then(|id| ledger::report::audit(review.conn(), id).ok().flatten())
        .map(|a| {
            std::iter::once(a.committed_at)
                .chain(a.revealed_at)
                .chain(a.rounds.iter().map(|r| r.index))
                .collect()
        })
        .unwrap_or_default();
    c.summary.push(format!(
        "{} stations drawn with the public seed {}{} from {}'s copies.",
        report.take,
        report.seed,
        report.audit.as_ref().map_or(String::new(), |a| format!(
            " (audit {a}, recorded in the log)"
        )),
        report.figures_from
    ));
    let mut rows = Vec::new();
    if let Some(v) = &report.verdict {
        for f in &v.figures {
            rows.push(svg::Interval {
                label: f.figure.clone(),
                estimate: 100.0 * f.estimate,
                lo: 100.0 * f.interval_95.0,
                hi: 100.0 * f.interval_95.1,
                reference: Some(100.0 * f.official),
            });
            // Nine figures at 95% miss one by chance a third of the time: only a figure
            // outside its 99% interval is evidence (docs/report.md).
            if !f.inside_99 {
                c.findings.push(Finding {
                    kind: "pvt_outside".into(),
                    subject: f.figure.clone(),
                    text: format!(
                        "{}: official {} is outside the PVT's 99% interval {}–{} (estimate {})",
                        f.figure,
                        pct(f.official),
                        pct(f.interval_99.0),
                        pct(f.interval_99.1),
                        pct(f.estimate)
                    ),
                    entries: audit_entries.clone(),
                });
            }
        }
        c.summary.push(pvt_verdict(v));
    }
    if !rows.is_empty() {
        c.plots.push((
            svg::intervals(
                &svg::Frame::new(
                    "PVT estimates and the official shares",
                    // Turnout is drawn beside the parties' shares on the same scale.
                    "% (a party: of valid votes; turnout: of registered voters)",
                    "",
                ),
                &rows,
            ),
            "Dots and bars: the PVT's estimate and 95% interval; diamonds: the official share \
             (red when outside the interval)."
                .into(),
        ));
    }
    c
}

/// The PVT's verdict in words, as the report and the demo say it: every official figure is
/// judged against its 99% interval, since among several figures one outside its 95% interval
/// is expected by chance.
pub fn pvt_verdict(v: &stats::pvt::Verdict) -> String {
    let n = v.figures.len();
    let outside_95: Vec<String> = v
        .figures
        .iter()
        .filter(|f| !f.inside_95 && f.inside_99)
        .map(|f| {
            let p = |x: f64| format!("{:.3}%", 100.0 * x);
            format!(
                "{} (official {}, 95% interval {}–{})",
                f.figure,
                p(f.official),
                p(f.interval_95.0),
                p(f.interval_95.1)
            )
        })
        .collect();
    if !v.all_inside_99 {
        return "Some official figures fall outside the PVT's 99% interval: the official count \
                differs from the forms at the sampled stations by more than sampling explains."
            .into();
    }
    if outside_95.is_empty() {
        return format!("The official shares are inside the PVT's 95% intervals ({n} figures).");
    }
    format!(
        "The official shares are inside the PVT's 99% intervals ({n} figures); outside its 95% \
         interval only {}, as one figure in {n} is by chance about {:.0}% of the time.",
        outside_95.join(", "),
        100.0 * (1.0 - 0.95f64.powi(n as i32))
    )
}

// ---------------------------------------------------------------- forensics

fn forensics(review: &Review, options: &Options) -> Check {
    let mut c = Check::new(
        "Forensics of the official station results",
        "Statistical fingerprints of the official forms: whole-number percentages of turnout \
         and of the leader's share, last digits of the counts, and turnout against the leader's \
         share. They can point to where to look; they prove nothing on their own.",
        "docs/methods.md section 10 (election forensics, and what is not claimed)",
    );
    let stations = match review::forensics::Stations::from_election(review, None, None, None) {
        Ok(s) => s,
        Err(e) => return c.skipped(format!("no station results to analyse: {e}")),
    };
    let o = review::forensics::Options {
        replicates: options.replicates,
        bootstrap: options.bootstrap,
        ..Default::default()
    };
    let (report, _) = match review::forensics::run(&stations, &o, &review::forensics::Quiet) {
        Ok(r) => r,
        Err(e) => return c.skipped(format!("the forensics could not run: {e}")),
    };
    let t = &report.integer_percentages;
    c.summary.push(format!(
        "{} stations; leader {} with {}. Whole-number percentages: {} stations where {} were \
         expected by chance (p = {:.2}).",
        report.stations,
        report.leader.name,
        pct(report.leader.share),
        t.integer,
        format_args!("{:.1}", t.mc_mean),
        t.p_value
    ));
    // Last digits of every count of ten or more: uniform when no one made them up.
    let mut digits = [0u64; 10];
    let mut points = Vec::new();
    for s in &stations.stations {
        for v in s.votes.iter().flatten() {
            if *v >= 10 {
                digits[(*v % 10) as usize] += 1;
            }
        }
        let valid: u64 = s.votes.iter().flatten().sum();
        let cast = valid + s.invalid.unwrap_or(0);
        if let Some(r) = s.registered.filter(|r| *r > 0 && valid > 0) {
            let lead = s
                .votes
                .get(report.leader.index)
                .copied()
                .flatten()
                .unwrap_or(0);
            points.push((cast as f64 / r as f64, lead as f64 / valid as f64));
        }
    }
    let total: u64 = digits.iter().sum();
    if total > 0 {
        c.plots.push((
            svg::histogram(
                &svg::Frame::new("Last digits of the vote counts", "last digit", "counts"),
                0.0,
                10.0,
                &digits,
                Some(total as f64 / 10.0),
            ),
            format!(
                "Last digit of each party's count at each station (counts of 10 or more, {total} \
                 in all); the dashed line is what uniform digits give."
            ),
        ));
    }
    if !points.is_empty() {
        c.plots.push((
            svg::scatter(
                &svg::Frame::new(
                    "Turnout against the leader's share, by station",
                    "turnout",
                    &format!("{}'s share of the valid votes", report.leader.name),
                ),
                (0.0, points.iter().map(|p| p.0).fold(1.0, f64::max)),
                (0.0, 1.0),
                &points,
                &[],
            ),
            "The election's fingerprint: a cloud stretched toward full turnout and a high \
             share for the leader is the signature of ballot stuffing."
                .into(),
        ));
    }
    let red = &report.red_flags;
    for (flag, n) in &red.totals {
        if *n > 0 {
            let s = if *n == 1 { "" } else { "s" };
            c.leads.push(format!("{n} station{s}: {}", flag.describe()));
        }
    }
    c
}

// ---------------------------------------------------------------- roll diff

fn roll_diff(review: &Review) -> Result<Check, String> {
    let mut c = Check::new(
        "Removals from the voter roll, area by area",
        "Every removal from the roll since the first one, counted by commune (or the lowest \
         level), each area's removal rate scored against the others; an area far above the \
         rest is flagged beside its vote shares, since a wave of removals aimed at one party's \
         strongholds looks like this.",
        "docs/methods.md section 12 (roll diffs)",
    );
    let conn = review.conn();
    let Some(first) = state(ledger::report::first_roll_removal(conn))? else {
        return Ok(c.skipped("no voter was removed from the roll"));
    };
    let levels = state(ledger::report::levels(conn))?;
    let spec = review::roll::DiffSpec {
        level: levels.last().cloned(),
        contest: None,
        rule: Default::default(),
    };
    let diff = match review::roll::diff_log(review, first, None, &spec) {
        Ok(d) => d,
        Err(e) => return Ok(c.skipped(format!("the roll diff could not run: {e}"))),
    };
    let d = &diff.diff;
    c.summary.push(format!(
        "{} removals between log sizes {first} and the end, in {} {}s; median removal rate {}.",
        d.totals.removals,
        d.areas.iter().filter(|a| a.removals > 0).count(),
        diff.level,
        d.median_rate.map_or("-".into(), pct)
    ));
    let geography = review::scope::Geography::read(conn, None).map_err(|e| e.to_string())?;
    for area in &d.flagged {
        let Some(a) = d.areas.iter().find(|a| &a.area == area) else {
            continue;
        };
        let name = geography
            .areas
            .get(area)
            .map_or(String::new(), |(n, _)| format!(" ({n})"));
        // The removals' entries: where each took effect, and the batch that carried it.
        let mut entries = BTreeSet::new();
        for r in d.removed.iter().filter(|r| &r.area == area).take(3) {
            for ch in state(ledger::report::voter_history(conn, &r.voter))? {
                if ch.kind == ledger::report::ChangeKind::Remove {
                    entries.insert(ch.entry);
                    entries.insert(ch.index);
                }
            }
        }
        c.findings.push(Finding {
            kind: "removal_wave".into(),
            subject: area.clone(),
            text: format!(
                "{area}{name}: {} of {} voters removed ({}), score {:.1}",
                a.removals,
                a.before,
                a.removal_rate.map_or("-".into(), pct),
                a.score.unwrap_or(f64::NAN)
            ),
            entries: entries.into_iter().collect(),
        });
    }
    let mut rows: Vec<&roll::diff::AreaChanges> = d
        .areas
        .iter()
        .filter(|a| a.removal_rate.is_some())
        .collect();
    rows.sort_by(|a, b| {
        b.removal_rate
            .partial_cmp(&a.removal_rate)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let top: Vec<(String, f64)> = rows
        .iter()
        .take(15)
        .map(|a| (a.area.clone(), 100.0 * a.removal_rate.unwrap_or(0.0)))
        .collect();
    let marked: Vec<usize> = rows
        .iter()
        .take(15)
        .enumerate()
        .filter(|(_, a)| a.flagged)
        .map(|(i, _)| i)
        .collect();
    if !top.is_empty() {
        c.plots.push((
            svg::bars(
                &svg::Frame::new(
                    &format!("Removal rate by {}, highest first", diff.level),
                    "% of the voters removed",
                    "",
                ),
                &top,
                &marked,
            ),
            format!(
                "The {} {}s with the highest removal rates; flagged ones in red.",
                top.len(),
                diff.level
            ),
        ));
    }
    Ok(c)
}

// ---------------------------------------------------------------- dedup

fn dedup(review: &Review, options: &Options) -> Check {
    let mut c = Check::new(
        "Second registrations of one person",
        "The public roll deduplicated (Fellegi–Sunter, as Splink does it) on the public fields \
         alone: names in both scripts, sex, birth year and station. A pair is a lead for a \
         field check, not a finding: on these fields a namesake at the same station looks \
         like a second registration.",
        "docs/dedup.md",
    );
    if !options.dedup {
        return c.skipped("left out on request (--no-dedup)");
    }
    let run = || -> Result<(review::roll::Report, BTreeMap<String, String>), review::Error> {
        let roll = review::roll::from_election(review)?;
        let names = roll
            .records
            .iter()
            .map(|r| (r.id.clone(), written(r)))
            .collect();
        Ok((
            review::roll::dedup(roll, 0.5, &[], &roll::dedup::Quiet)?,
            names,
        ))
    };
    match run() {
        Ok((r, names)) => {
            c.summary.push(format!(
                "{} pairs of registrations at a match probability of 0.5 or more.",
                r.pairs.len()
            ));
            c.leads.push(format!(
                "{} candidate pairs to check in the field; `scrutineer roll dedup` lists them \
                 with the evidence for each. The {} most likely:",
                r.pairs.len(),
                r.pairs.len().min(10)
            ));
            let mut pairs: Vec<&review::roll::PairRow> = r.pairs.iter().collect();
            pairs.sort_by(|a, b| b.probability.total_cmp(&a.probability).then(a.a.cmp(&b.a)));
            for p in pairs.into_iter().take(10) {
                let name = |id: &str| names.get(id).cloned().unwrap_or_default();
                c.leads.push(format!(
                    "{} {} and {} {} (p = {:.3})",
                    p.a,
                    name(&p.a),
                    p.b,
                    name(&p.b),
                    p.probability
                ));
            }
        }
        Err(e) => return c.skipped(format!("deduplication could not run: {e}")),
    }
    c
}

/// A voter's name as written on the roll, in Khmer script and romanised where both are.
fn written(r: &roll::dedup::Record) -> String {
    let part = |n: &roll::name::Name| -> (String, String) {
        (
            n.khmer.clone().unwrap_or_default(),
            n.latin.clone().unwrap_or_default(),
        )
    };
    let (fk, fl) = part(&r.name.family);
    let (gk, gl) = part(&r.name.given);
    let khmer = format!("{fk} {gk}").trim().to_string();
    let latin = format!("{fl} {gl}").trim().to_string();
    match (khmer.is_empty(), latin.is_empty()) {
        (false, false) => format!("{khmer} ({latin})"),
        (false, true) => khmer,
        _ => latin,
    }
}

/// The report as HTML, each entry proved from where `review` came from: an election
/// directory's own log, or `published`, the publication it was replayed from.
pub fn render_for(
    report: &Report,
    review: &Review,
    published: Option<&dyn tlog::verify::TileSource>,
) -> Result<String, String> {
    match (review.election(), published) {
        (Some(e), _) => Ok(render(report, &Stored::open(e.log())?)),
        (None, Some(source)) => Ok(render(report, &Published::open(source)?)),
        (None, None) => Err(
            "the report proves each finding's entries, and a state database alone holds no \
             log: give the election directory or the published log (with --vkey) instead"
                .into(),
        ),
    }
}
