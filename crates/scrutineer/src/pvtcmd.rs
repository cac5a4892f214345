//! `scrutineer pvt {plan,draw,estimate}`: a parallel vote tabulation (quick count) over an
//! election: plan the sample, draw a stratified sample of stations from a public seed, and
//! estimate each choice's share and turnout from the sampled stations' forms, with the verdict
//! on the official figures.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde::Serialize;
use stats::pvt::{
    self, FrameStation, MissingFigures, OfficialResult, PlanInput, PvtEstimate, SamplePlan,
    StationFrame, StationReport, StratumDraw, StratumSize, Verdict,
};

use crate::auditcmd::{self, PvtPlan};
use crate::review::{
    self, ElectionArgs, Opened, Provenance, Scope, SeedRecord, group, outln, shell,
};

const LONG_ABOUT: &str = "\
A parallel vote tabulation (PVT, or quick count) estimates the result from the forms of a
random sample of polling stations, as NDI teaches it, and says whether each official figure
lies inside the estimate's interval. Observers run it from their own copies of the forms;
anyone can rerun it from the public record.

The cycle:

  1. plan      The sample size in voters, n = P(1-P) / (E²/Z² + P(1-P)/N), and in
               stations, from the margin of error E, the confidence, the expected share P
               and the expected turnout; N is the registered voters of the stations.
  2. draw      The stations, stratified, from a seed of at least 20 dice rolled in public.
               The strata are the areas of the top level (or --level LEVEL, or --level none).
               Each stratum gets stations in proportion to its number of stations (Hare
               largest remainder) and draws them with Rivest's consistent_sampler, so anyone
               can redo it. The draw prints the seed's SHA-256 commitment, as `rla draw` does.
  3. estimate  Each choice's share of the valid votes, and turnout, by the ratio estimator
               with its cluster variance and margins at 95% and 99%, from the sampled
               stations' figures of one source: a copy of the forms recorded in the election
               (--source official, party:PARTY or observer:ORGANISATION), or a CSV file of
               observers' reports (--reports). Then the verdict: is each official figure (the
               official forms added up over the same stations) inside the 95% and the 99%
               interval? An official figure outside the 99% interval is strong evidence that
               the official count differs from the forms at the stations.

To keep the PVT's sample in the election's log, commit to the dice with `scrutineer audit
commit --for pvt --take K` (see `scrutineer audit --help`); then `draw --audit ID --record DIR
--as KEY` draws from the revealed seed and records the sample, and `estimate --audit ID` takes
the seed from the log and refuses a recorded sample the seed does not draw.

The estimate draws the sample again from --seed, --take and --level, so it uses the sampled
stations and only those; rows of other stations in a reports file are ignored. A stratum
with any sampled station needs at least two reporting, unless all its stations were drawn.

Reports files (CSV; .csv.gz and .csv.zip are read too): one row per station, with the header
station,<choice id>,... (one column per choice id, in any order) and optionally registered
and ballots_cast columns; an empty cell is a figure not reported. Any other layout is read
through --mapping (a station-results mapping, docs/mapping.md; --from picks one of its
sources) whose station id is the station code.

A sampled station without a row, or lacking a vote figure, is missing. --missing
non-response (the default) leaves it out and lets its stratum's other stations stand for
it; --missing not-counted counts it as a station with no votes (to check a copy against
that copy's own full count).

The election is given as for `scrutineer rla`: a directory, a published log with --vkey or
--policy, or --state-db FILE. Formulas and sources: docs/methods.md, sections 5 and 9; audits
in the log: section 11.";

const EXAMPLES: &str = "\
Example, on the demo election (its provinces are too small at 1/100 for strata):

  scrutineer demo --scale 1/100 --dir demo
  scrutineer pvt plan demo/election --margin-of-error 0.01 --turnout 0.7
  scrutineer pvt draw demo/election --seed 35216452316254163524 --take 60 --level none \\
      --template reports.csv
  scrutineer pvt estimate demo/election --seed 35216452316254163524 --take 60 --level none \\
      --source observer:COMFREL
  scrutineer pvt estimate demo/election --seed 35216452316254163524 --take 60 --level none \\
      --reports reports.csv";

/// Run a parallel vote tabulation over an election: plan, draw, estimate.
#[derive(clap::Args)]
#[command(long_about = LONG_ABOUT, after_long_help = EXAMPLES)]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(clap::Subcommand)]
enum Step {
    Plan(PlanArgs),
    Draw(DrawArgs),
    Estimate(EstimateArgs),
}

#[derive(clap::Args)]
struct FrameArgs {
    #[command(flatten)]
    election: ElectionArgs,
    /// The contest's id (needed when the election has several).
    #[arg(long)]
    contest: Option<String>,
    /// Only the stations of this area (an area code); default the whole election.
    #[arg(long, value_name = "CODE")]
    area: Option<String>,
    /// Strata: the areas of this level (its name), or none; default the top level.
    #[arg(long)]
    level: Option<String>,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

/// How many voters and stations the sample needs.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  scrutineer pvt plan demo/election --margin-of-error 0.01 --turnout 0.7\n\nThe whole cycle: scrutineer pvt --help"
)]
struct PlanArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// E: the margin of error wanted, as a fraction (0.01 is ±1 point).
    #[arg(long, value_name = "E")]
    margin_of_error: f64,
    /// The expected turnout, as a fraction (0.7 is 70%).
    #[arg(long, value_name = "T")]
    turnout: f64,
    /// The confidence level.
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// P: the expected share of the closest choice (0.5 is the safe, largest sample).
    #[arg(long, value_name = "P", default_value_t = 0.5)]
    expected_share: f64,
}

/// Draw the stratified sample of stations from the public seed.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  scrutineer pvt draw demo/election --seed 35216452316254163524 --take 60 \\\n      --level none --template reports.csv\n\nThe whole cycle: scrutineer pvt --help"
)]
struct DrawArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// The seed: at least 20 dice rolls, digits 1-6, as rolled in public.
    #[arg(
        long,
        required_unless_present = "audit_id",
        conflicts_with = "audit_id"
    )]
    seed: Option<String>,
    /// How many stations to draw (with --audit, the number committed).
    #[arg(long, value_name = "K", required_unless_present = "audit_id")]
    take: Option<usize>,
    /// The salt published with the seed (64 hex digits); default: a new random one.
    #[arg(long, value_name = "HEX", conflicts_with = "audit_id")]
    salt: Option<String>,
    /// The commitment recorded before the roll was revealed: refuse to draw unless the seed
    /// and --salt match it.
    #[arg(long, value_name = "HEX", conflicts_with = "audit_id")]
    commitment: Option<String>,
    /// Draw from the seed of this audit in the log (`scrutineer audit`), with the parameters
    /// committed with it, instead of --seed.
    #[arg(long = "audit", value_name = "ID")]
    audit_id: Option<String>,
    /// Record the sample as the audit's round 1 in this election directory.
    #[arg(long, value_name = "DIR", requires_all = ["audit_id", "key"])]
    record: Option<PathBuf>,
    /// With --record: the key that committed the audit.
    #[arg(long = "as", value_name = "KEY", requires = "record")]
    key: Option<PathBuf>,
    /// Write a reports file to fill in: one row per station drawn.
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
}

/// Estimate the shares and turnout from the sampled stations, and judge the official figures.
#[derive(clap::Args)]
#[command(
    after_help = "Example:\n  scrutineer pvt estimate demo/election --seed 35216452316254163524 --take 60 \\\n      --level none --source observer:COMFREL\n\nThe whole cycle: scrutineer pvt --help"
)]
struct EstimateArgs {
    #[command(flatten)]
    frame: FrameArgs,
    /// The seed the sample was drawn with.
    #[arg(
        long,
        required_unless_present = "audit_id",
        conflicts_with = "audit_id"
    )]
    seed: Option<String>,
    /// How many stations were drawn (with --audit, the number committed).
    #[arg(long, value_name = "K", required_unless_present = "audit_id")]
    take: Option<usize>,
    /// Take the seed and the sample from this audit in the log (`scrutineer audit`), and
    /// refuse to go on unless a fresh draw from the seed is the sample recorded.
    #[arg(long = "audit", value_name = "ID")]
    audit_id: Option<String>,
    /// Read the sampled stations' figures from this copy of the forms in the election:
    /// official, party:PARTY or observer:ORGANISATION.
    #[arg(long, required_unless_present = "reports", conflicts_with = "reports")]
    source: Option<String>,
    /// Read them from this CSV file of observers' reports instead.
    #[arg(long, value_name = "FILE")]
    reports: Option<PathBuf>,
    /// A station-results mapping describing the reports file's layout.
    #[arg(long, value_name = "MAP", requires = "reports")]
    mapping: Option<PathBuf>,
    /// Which of the mapping's [[source]] tables to read.
    #[arg(long = "from", value_name = "MAPPING_SOURCE", requires = "mapping")]
    from: Option<String>,
    /// What a sampled station without figures means.
    #[arg(long, value_enum, default_value = "non-response")]
    missing: Missing,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Missing {
    /// The report did not arrive: leave the station out.
    NonResponse,
    /// The source has no figures there: count it as a station with no votes.
    NotCounted,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.step {
        Step::Plan(p) => plan(p),
        Step::Draw(d) => draw(d),
        Step::Estimate(e) => estimate(e),
    }
}

// ---------------------------------------------------------------- the frame

/// The sampling frame: the stations of the area, each in its stratum.
struct Frame {
    scope: Scope,
    /// The strata's level name, or None for no strata.
    level: Option<String>,
    stations: Vec<FrameStation>,
    frame: StationFrame,
}

impl Frame {
    fn read(a: &FrameArgs, opened: &Opened) -> anyhow::Result<Frame> {
        let scope = Scope::read(opened.conn(), a.contest.as_deref(), a.area.as_deref())?;
        if scope.stations.is_empty() {
            bail!("there are no stations {}", scope.area_text());
        }
        let level = match a.level.as_deref() {
            Some("none") => None,
            Some(l) => {
                let Some(i) = scope.levels.iter().position(|x| x == l) else {
                    bail!(
                        "--level {l:?}: the election's levels are {} (or none for no strata)",
                        scope.levels.join(", ")
                    );
                };
                Some(i)
            }
            None if scope.levels.is_empty() => None,
            None => Some(0),
        };
        let stations: Vec<FrameStation> = scope
            .stations
            .iter()
            .map(|s| FrameStation {
                station: s.code.clone(),
                stratum: match level {
                    Some(l) => scope.area_at(s, l).unwrap_or("").to_string(),
                    None => String::new(),
                },
            })
            .collect();
        let frame = StationFrame::new(&stations)?;
        Ok(Frame {
            level: level.map(|l| scope.levels[l].clone()),
            scope,
            stations,
            frame,
        })
    }

    fn strata_text(&self) -> String {
        match &self.level {
            Some(l) => format!("{} strata by {l}", self.frame.stratum_sizes().len()),
            None => "no strata".into(),
        }
    }

    fn draw(&self, seed: &str, take: usize) -> anyhow::Result<Vec<StratumDraw>> {
        if take == 0 {
            bail!("--take must be at least 1 station");
        }
        self.frame.draw(seed, take, 18).map_err(|e| match e {
            stats::StatsError::TakeExceedsIds { wanted, available } => anyhow::anyhow!(
                "--take {wanted}: there are only {available} stations {}",
                self.scope.area_text()
            ),
            other => other.into(),
        })
    }

    /// Refuses when this draw is not the one `revealed` was committed to; returns the
    /// committed number of stations.
    fn check_committed(
        &self,
        a: &FrameArgs,
        revealed: &auditcmd::Revealed,
        take: Option<usize>,
    ) -> anyhow::Result<usize> {
        let p = revealed.pvt()?;
        let area = |x: Option<&str>| x.map_or("(the whole election)".to_string(), str::to_string);
        revealed.check_parameters(&[
            (
                "--contest",
                p.contest.clone(),
                self.scope.contest.id.clone(),
            ),
            ("--area", area(p.area.as_deref()), area(a.area.as_deref())),
            (
                "--level",
                p.level.clone(),
                self.level.clone().unwrap_or_else(|| "none".into()),
            ),
            (
                "--take",
                p.take.to_string(),
                take.unwrap_or(p.take).to_string(),
            ),
        ])?;
        Ok(p.take)
    }

    fn command(&self, a: &FrameArgs, step: &str) -> String {
        let mut w = vec![format!("scrutineer pvt {step}")];
        w.extend(review::election_words(&a.election));
        if let Some(c) = &a.contest {
            w.push(format!("--contest {}", shell(c)));
        }
        if let Some(x) = &a.area {
            w.push(format!("--area {}", shell(x)));
        }
        if let Some(l) = &a.level {
            w.push(format!("--level {}", shell(l)));
        }
        w.join(" ")
    }
}

#[derive(Serialize)]
struct FrameSummary {
    contest: String,
    area: Option<String>,
    stations: usize,
    strata_level: Option<String>,
    strata: Vec<StratumSize>,
}

impl Frame {
    fn summary(&self) -> FrameSummary {
        FrameSummary {
            contest: self.scope.contest.id.clone(),
            area: self.scope.area.as_ref().map(|a| a.0.clone()),
            stations: self.stations.len(),
            strata_level: self.level.clone(),
            strata: self.frame.stratum_sizes(),
        }
    }

    fn header(&self, o: &mut String, what: &str, provenance: &Provenance) {
        outln!(
            o,
            "{what}: parallel vote tabulation of contest {} ({}) {}",
            self.scope.contest.id,
            self.scope.contest.name,
            self.scope.area_text()
        );
        outln!(
            o,
            "Election: {} ({} {}{})",
            provenance.name,
            provenance.kind,
            provenance.path,
            provenance
                .entries
                .map_or(String::new(), |n| format!(", {} entries", group(n)))
        );
        outln!(
            o,
            "Frame: {} stations, {}",
            group(self.stations.len() as u64),
            self.strata_text()
        );
    }
}

/// The frame a committed plan describes.
fn plan_frame(
    opened: &Opened,
    contest: Option<&str>,
    area: Option<&str>,
    level: Option<&str>,
) -> anyhow::Result<Frame> {
    Frame::read(
        &FrameArgs {
            election: auditcmd::no_election(),
            contest: contest.map(str::to_string),
            area: area.map(str::to_string),
            level: level.map(str::to_string),
            json: false,
        },
        opened,
    )
}

/// The parameters `scrutineer audit commit --for pvt` records, checked against the election:
/// the contest resolved to its id, the strata to their level's name (or "none").
pub(crate) fn plan_for_audit(
    opened: &Opened,
    contest: Option<&str>,
    area: Option<&str>,
    level: Option<&str>,
    take: usize,
) -> anyhow::Result<PvtPlan> {
    let frame = plan_frame(opened, contest, area, level)?;
    if take == 0 || take > frame.stations.len() {
        bail!(
            "--take {take}: draw between 1 and the {} stations {}",
            frame.stations.len(),
            frame.scope.area_text()
        );
    }
    Ok(PvtPlan {
        contest: frame.scope.contest.id.clone(),
        area: area.map(str::to_string),
        level: frame.level.clone().unwrap_or_else(|| "none".into()),
        take,
    })
}

/// A committed PVT's sample drawn afresh from `seed`: station codes, stratum by stratum, in
/// draw order, as recorded.
pub(crate) fn redo(opened: &Opened, plan: &PvtPlan, seed: &str) -> anyhow::Result<Vec<String>> {
    let frame = plan_frame(
        opened,
        Some(&plan.contest),
        plan.area.as_deref(),
        Some(&plan.level),
    )?;
    Ok(frame
        .draw(seed, plan.take)?
        .into_iter()
        .flat_map(|h| h.draws.into_iter().map(|t| t.id))
        .collect())
}

// ---------------------------------------------------------------- plan

#[derive(Serialize)]
struct PlanReport {
    election: Provenance,
    frame: FrameSummary,
    input: PlanInput,
    stations_without_registered: usize,
    plan: SamplePlan,
    next: String,
}

fn plan(p: PlanArgs) -> anyhow::Result<()> {
    let a = &p.frame;
    let opened = review::open(&a.election)?;
    let frame = Frame::read(a, &opened)?;
    let registered: u64 = frame
        .scope
        .stations
        .iter()
        .filter_map(|s| s.registered)
        .sum();
    let without = frame
        .scope
        .stations
        .iter()
        .filter(|s| s.registered.is_none())
        .count();
    let input = PlanInput {
        expected_share: p.expected_share,
        margin_of_error: p.margin_of_error,
        confidence: p.confidence,
        registered_voters: registered,
        stations: frame.stations.len() as u64,
        expected_turnout: p.turnout,
    };
    let plan = pvt::plan_sample(&input).map_err(|e| match e {
        stats::StatsError::EmptySample { .. } => anyhow::anyhow!(
            "the stations {} have no registered voters recorded; a plan needs N",
            frame.scope.area_text()
        ),
        other => anyhow::anyhow!("{other}"),
    })?;
    let next = format!(
        "{} --seed DICE --take {} --template reports.csv",
        frame.command(a, "draw"),
        plan.stations
    );
    if a.json {
        return review::print_json(&PlanReport {
            election: opened.provenance.clone(),
            frame: frame.summary(),
            input,
            stations_without_registered: without,
            plan,
            next,
        });
    }
    let mut o = String::new();
    frame.header(&mut o, "Plan", &opened.provenance);
    outln!(
        o,
        "N = {} registered voters{}; expected share P = {}, margin of error E = ±{} points, confidence {}% (Z = {:.4})",
        group(registered),
        if without > 0 {
            format!(" ({without} stations have no registered count and add none)")
        } else {
            String::new()
        },
        p.expected_share,
        p.margin_of_error * 100.0,
        p.confidence * 100.0,
        plan.z
    );
    outln!(o, "Sample: n = {} voters", group(plan.voters));
    outln!(
        o,
        "  at {:.1} voters per station ({:.1} registered x turnout {}): {} stations of {}",
        plan.voters_per_station,
        registered as f64 / frame.stations.len() as f64,
        p.turnout,
        group(plan.stations),
        group(frame.stations.len() as u64)
    );
    if frame.level.is_some() {
        let k = plan.stations as f64;
        let total = frame.stations.len() as f64;
        let shares: Vec<String> = frame
            .frame
            .stratum_sizes()
            .iter()
            .map(|h| format!("{} {:.1}", h.stratum, k * h.stations as f64 / total))
            .collect();
        outln!(
            o,
            "  by stratum, about (the draw rounds these by largest remainder): {}",
            shares.join(", ")
        );
        let thin = frame
            .frame
            .stratum_sizes()
            .iter()
            .filter(|h| {
                let share = k * h.stations as f64 / total;
                share < 2.0 && (h.stations as f64) > share.round()
            })
            .count();
        if thin > 0 {
            outln!(
                o,
                "  {thin} strata would get fewer than 2 stations; a stratum with one sampled station \
                 of several has no variance estimate. Take more stations or use --level with \
                 larger areas (or none)."
            );
        }
    }
    outln!(o, "Next: roll the dice in public, then\n  {next}");
    review::write_stdout(&o)
}

// ---------------------------------------------------------------- draw

#[derive(Serialize)]
struct DrawReport {
    election: Provenance,
    frame: FrameSummary,
    seed: SeedRecord,
    take: usize,
    strata: Vec<StratumOut>,
    /// The sample recorded in the log (--record).
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded: Option<auditcmd::RecordedSample>,
}

#[derive(Serialize)]
struct StratumOut {
    stratum: String,
    name: String,
    stations_in_frame: u64,
    drawn: usize,
    stations: Vec<DrawnStation>,
}

#[derive(Serialize)]
struct DrawnStation {
    ticket: String,
    station: String,
    name: Option<String>,
    area: String,
}

fn draw(d: DrawArgs) -> anyhow::Result<()> {
    let a = &d.frame;
    let given_seed = match &d.seed {
        Some(s) => Some(review::parse_seed(s)?),
        None => None,
    };
    if let Some(t) = &d.template
        && t.exists()
    {
        bail!(
            "{} already exists; --template writes a new file",
            t.display()
        );
    }
    let opened = review::open(&a.election)?;
    let frame = Frame::read(a, &opened)?;
    // The seed: --seed, or an audit's in the log (of the election recorded into, with --record).
    let mut source = auditcmd::DrawSeed::open(
        opened.conn(),
        &opened.provenance.origin,
        d.audit_id.as_deref(),
        d.record.as_deref(),
        d.key.as_deref(),
        None,
    )?;
    if let Some(r) = source.recording()
        && r.round != 1
    {
        bail!(
            "audit {:?} already records its sample (round 1, entry {}); a PVT draws once",
            r.revealed.record.id,
            r.revealed.record.rounds[0].index
        );
    }
    let revealed = source.revealed();
    let (seed, seed_record, take) = match (revealed, given_seed) {
        (Some(revealed), _) => {
            let take = frame.check_committed(a, revealed, d.take)?;
            (revealed.seed.clone(), revealed.seed_record()?, take)
        }
        (None, Some(seed)) => {
            let record = review::commit(&seed, d.salt.as_deref(), d.commitment.as_deref())?;
            let take = d.take.context("--take K: how many stations to draw")?;
            (seed, record, take)
        }
        (None, None) => bail!("give the seed: --seed DICE, or --audit ID for an audit in the log"),
    };
    let draws = frame.draw(seed.as_str(), take)?;
    let info: HashMap<&str, &review::ScopeStation> = frame
        .scope
        .stations
        .iter()
        .map(|s| (s.code.as_str(), s))
        .collect();
    let strata: Vec<StratumOut> = draws
        .into_iter()
        .map(|h| StratumOut {
            name: frame.scope.area_name(&h.stratum).to_string(),
            stations_in_frame: h.stations_in_frame,
            drawn: h.draws.len(),
            stations: h
                .draws
                .iter()
                .map(|t| {
                    let s = info[t.id.as_str()];
                    DrawnStation {
                        ticket: t.ticket_number.clone(),
                        station: t.id.clone(),
                        name: s.name.clone(),
                        area: s.area.clone(),
                    }
                })
                .collect(),
            stratum: h.stratum,
        })
        .collect();
    let mut report = DrawReport {
        election: opened.provenance.clone(),
        frame: frame.summary(),
        seed: seed_record,
        take,
        strata,
        recorded: None,
    };
    if let Some(r) = source.recorder() {
        let draws: Vec<String> = report
            .strata
            .iter()
            .flat_map(|h| h.stations.iter().map(|s| s.station.clone()))
            .collect();
        let entry = r.record(draws)?;
        report.recorded = Some(auditcmd::RecordedSample {
            audit: r.revealed.record.id.clone(),
            round: r.round,
            entry,
            first: 1,
            draws: take,
        });
    }
    if let Some(path) = &d.template {
        let mut text = String::from("station,registered,ballots_cast");
        for c in &frame.scope.contest.choices {
            text.push(',');
            text.push_str(&review::csv_field(&c.id));
        }
        text.push('\n');
        for h in &report.strata {
            for s in &h.stations {
                text.push_str(&review::csv_field(&s.station));
                text.push_str(&",".repeat(2 + frame.scope.contest.choices.len()));
                text.push('\n');
            }
        }
        review::write_file(path, text.as_bytes())?;
        if !a.json {
            eprintln!("wrote {}", path.display());
        }
    }
    if a.json {
        return review::print_json(&report);
    }
    let mut o = String::new();
    frame.header(&mut o, "Draw", &opened.provenance);
    review::seed_lines(&mut o, &report.seed);
    match (&report.recorded, &d.audit_id) {
        (Some(r), _) => outln!(
            o,
            "Recorded in the log as the sample of audit {} (entry {})",
            r.audit,
            group(r.entry)
        ),
        (None, Some(id)) => outln!(
            o,
            "The seed of audit {id} in the log; this draw is not recorded (add --record DIR --as KEY)"
        ),
        (None, None) => {}
    }
    o.push_str(&format!(
        "{} stations drawn; in each stratum the stations are consistent_sampler.sampler(stratum's station codes, seed, take=k):\n",
        take
    ));
    o.push_str("stratum,ticket,station\n");
    for h in &report.strata {
        for s in &h.stations {
            o.push_str(&format!(
                "{},{},{}\n",
                review::csv_field(&h.stratum),
                s.ticket,
                review::csv_field(&s.station)
            ));
        }
    }
    o.push_str("Per stratum (drawn of stations):");
    for h in &report.strata {
        o.push_str(&format!(
            " {}{} {}/{};",
            if h.stratum.is_empty() {
                "all"
            } else {
                &h.stratum
            },
            if h.name.is_empty() {
                String::new()
            } else {
                format!(" ({})", h.name)
            },
            h.drawn,
            h.stations_in_frame
        ));
    }
    o.pop();
    o.push('\n');
    o.push_str(&format!(
        "Next: collect the drawn stations' figures, then\n  {} {} {}\n",
        frame.command(a, "estimate"),
        match &report.recorded {
            Some(r) => format!("--audit {}", shell(&r.audit)),
            None => format!("--seed {seed} --take {take}"),
        },
        match &d.template {
            Some(t) => format!("--reports {}", shell(&t.display().to_string())),
            None => "--source observer:ORGANISATION (or --reports FILE)".to_string(),
        }
    ));
    review::write_stdout(&o)
}

// ---------------------------------------------------------------- estimate

#[derive(Serialize)]
struct EstimateReport {
    election: Provenance,
    frame: FrameSummary,
    seed: String,
    /// The audit in the log whose recorded sample this is.
    #[serde(skip_serializing_if = "Option::is_none")]
    audit: Option<String>,
    take: usize,
    /// Where the figures came from: a source in the election, or a reports file.
    figures_from: String,
    /// Rows of the reports file for stations not in the sample (ignored).
    rows_ignored: usize,
    estimate: PvtEstimate,
    /// The official forms added up over the frame's stations.
    official: Option<OfficialOut>,
    verdict: Option<Verdict>,
}

#[derive(Serialize)]
struct OfficialOut {
    stations_with_forms: usize,
    votes: BTreeMap<String, u64>,
    registered: Option<u64>,
    ballots_cast: u64,
}

fn estimate(e: EstimateArgs) -> anyhow::Result<()> {
    let a = &e.frame;
    let given_seed = match &e.seed {
        Some(s) => Some(review::parse_seed(s)?),
        None => None,
    };
    let opened = review::open(&a.election)?;
    let frame = Frame::read(a, &opened)?;
    let (seed, take, audit_id) = match (&e.audit_id, given_seed) {
        (Some(id), _) => {
            let revealed = auditcmd::Revealed::read(opened.conn(), id)?;
            let take = frame.check_committed(a, &revealed, e.take)?;
            let rounds = revealed.rounds()?;
            if rounds.is_empty() {
                bail!(
                    "audit {id:?} has no recorded sample yet: draw and record it with `{} --audit {} \
                     --record DIR --as KEY`",
                    frame.command(a, "draw"),
                    shell(id)
                );
            }
            if rounds.len() > 1 {
                bail!(
                    "audit {id:?} records {} rounds; a PVT draws its sample once",
                    rounds.len()
                );
            }
            let fresh: Vec<String> = frame
                .draw(revealed.seed.as_str(), take)?
                .into_iter()
                .flat_map(|h| h.draws.into_iter().map(|t| t.id))
                .collect();
            revealed.check_recorded(&fresh)?;
            (revealed.seed.clone(), take, Some(id.clone()))
        }
        (None, Some(seed)) => (
            seed,
            e.take.context("--take K: how many stations were drawn")?,
            None,
        ),
        (None, None) => bail!("give --seed SEED and --take K, or --audit ID"),
    };
    let draws = frame.draw(seed.as_str(), take)?;
    let info: HashMap<&str, &review::ScopeStation> = frame
        .scope
        .stations
        .iter()
        .map(|s| (s.code.as_str(), s))
        .collect();
    let mut sampled: Vec<(String, String)> = Vec::new(); // (station, stratum)
    for h in &draws {
        for t in &h.draws {
            sampled.push((t.id.clone(), h.stratum.clone()));
        }
    }
    let choices = frame.scope.choice_ids();
    let mut rows_ignored = 0;
    let (reports, figures_from) = match (&e.source, &e.reports) {
        (Some(source), _) => {
            frame.scope.check_source(source)?;
            let figures = frame.scope.figures(source);
            let reports = sampled
                .iter()
                .map(|(station, stratum)| match figures.get(station) {
                    Some(f) => StationReport {
                        station: station.clone(),
                        stratum: stratum.clone(),
                        registered: f.registered,
                        ballots_cast: Some(f.valid + f.invalid),
                        votes: f.votes.iter().map(|v| Some(*v)).collect(),
                    },
                    None => StationReport {
                        station: station.clone(),
                        stratum: stratum.clone(),
                        registered: info[station.as_str()].registered,
                        ballots_cast: None,
                        votes: vec![None; choices.len()],
                    },
                })
                .collect::<Vec<_>>();
            (reports, format!("{source} forms in the election"))
        }
        (None, Some(path)) => {
            use interchange::CountField as F;
            let name = path.display().to_string();
            let rows = review::StationFile {
                file: path,
                mapping: e.mapping.as_deref(),
                from: e.from.as_deref(),
                extra: &[
                    ("registered", F::Registered),
                    ("ballots_cast", F::BallotsCast),
                ],
            }
            .read(&frame.scope.contest)?;
            let in_sample: HashMap<&str, usize> = sampled
                .iter()
                .enumerate()
                .map(|(i, (s, _))| (s.as_str(), i))
                .collect();
            let mut found: Vec<Option<review::StationRow>> = vec![None; sampled.len()];
            let mut lines: HashMap<String, u64> = HashMap::new();
            for row in rows {
                let at = format!("{name}:{}", row.line);
                if !info.contains_key(row.station.as_str()) {
                    if frame.scope.is_station(&row.station) {
                        bail!(
                            "{at}: column station: station {:?} is outside {}",
                            row.station,
                            frame.scope.area_text()
                        );
                    }
                    bail!(
                        "{at}: column station: unknown station {:?}; station ids are the election's station codes",
                        row.station
                    );
                }
                if let Some(earlier) = lines.insert(row.station.clone(), row.line) {
                    bail!(
                        "{at}: station {:?} is already on line {earlier}; give each station once",
                        row.station
                    );
                }
                match in_sample.get(row.station.as_str()) {
                    Some(&i) => found[i] = Some(row),
                    None => rows_ignored += 1,
                }
            }
            let reports = sampled
                .iter()
                .zip(found)
                .map(|((station, stratum), row)| {
                    let registered = info[station.as_str()].registered;
                    match row {
                        Some(r) => {
                            let c = &r.counts;
                            let cast = c.ballots_cast.or(c.total).or(match (c.valid, c.invalid) {
                                (Some(v), Some(i)) => Some(v + i),
                                _ => None,
                            });
                            StationReport {
                                station: station.clone(),
                                stratum: stratum.clone(),
                                registered: c.registered.or(registered),
                                ballots_cast: cast,
                                votes: r.votes,
                            }
                        }
                        None => StationReport {
                            station: station.clone(),
                            stratum: stratum.clone(),
                            registered,
                            ballots_cast: None,
                            votes: vec![None; choices.len()],
                        },
                    }
                })
                .collect();
            (reports, format!("reports file {name}"))
        }
        (None, None) => bail!("give --source SOURCE or --reports FILE"),
    };
    let missing = match e.missing {
        Missing::NonResponse => MissingFigures::NonResponse,
        Missing::NotCounted => MissingFigures::NotCounted,
    };
    let estimate = pvt::estimate(&choices, &frame.frame.stratum_sizes(), &reports, missing)
        .map_err(|err| match err {
            stats::StatsError::TooFewStations { stratum, reporting } => anyhow::anyhow!(
                "stratum {stratum:?} ({}) has {reporting} reporting station(s) in the sample; its \
                 variance needs at least 2: draw more stations (--take), or use fewer strata (--level)",
                frame.scope.area_name(&stratum)
            ),
            other => anyhow::anyhow!("{other}"),
        })
        .with_context(|| format!("estimating from {figures_from}"))?;

    // The official result over the same frame.
    let official_forms = frame.scope.figures("official");
    let (official, verdict) = if official_forms.is_empty() {
        (None, None)
    } else {
        let mut votes = vec![0u64; choices.len()];
        let mut cast = 0;
        let mut registered = Some(0u64);
        for f in official_forms.values() {
            for (t, v) in votes.iter_mut().zip(&f.votes) {
                *t += v;
            }
            cast += f.valid + f.invalid;
            registered = registered.zip(f.registered).map(|(a, b)| a + b);
        }
        let result = OfficialResult {
            votes: votes.clone(),
            registered,
            ballots_cast: Some(cast),
        };
        let verdict = pvt::verdict(&estimate, &result)?;
        (
            Some(OfficialOut {
                stations_with_forms: official_forms.len(),
                votes: choices.iter().map(|c| c.to_string()).zip(votes).collect(),
                registered,
                ballots_cast: cast,
            }),
            Some(verdict),
        )
    };
    let report = EstimateReport {
        election: opened.provenance.clone(),
        frame: frame.summary(),
        seed: seed.to_string(),
        audit: audit_id.clone(),
        take,
        figures_from,
        rows_ignored,
        estimate,
        official,
        verdict,
    };
    if a.json {
        return review::print_json(&report);
    }
    let mut o = String::new();
    frame.header(&mut o, "Estimate", &opened.provenance);
    if let Some(id) = &audit_id {
        outln!(
            o,
            "Audit {id} in the log: its recorded sample is the one its seed draws"
        );
    }
    let est = &report.estimate;
    outln!(
        o,
        "Sample: {} stations from seed {seed}; figures from {}: {} reporting{}",
        est.stations_sampled,
        report.figures_from,
        est.stations_reporting,
        if est.stations_missing.is_empty() {
            String::new()
        } else {
            format!(
                ", {} missing ({}; {})",
                est.stations_missing.len(),
                match e.missing {
                    Missing::NonResponse => "left out",
                    Missing::NotCounted => "counted as no votes",
                },
                est.stations_missing
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    if report.rows_ignored > 0 {
        outln!(
            o,
            "  {} rows of the file are for stations outside the sample and were ignored",
            report.rows_ignored
        );
    }
    if !est.strata_without_stations.is_empty() {
        outln!(
            o,
            "  no sampled station in strata {}: the estimate does not cover them",
            est.strata_without_stations.join(", ")
        );
    }
    let pct = |x: f64| format!("{:.2}", x * 100.0);
    o.push_str(
        "figure        estimate   95% interval        99% interval      official  in 95%  in 99%\n",
    );
    let verdicts: HashMap<&str, &pvt::FigureVerdict> = report
        .verdict
        .iter()
        .flat_map(|v| v.figures.iter())
        .map(|f| (f.figure.as_str(), f))
        .collect();
    let rows = est
        .choices
        .iter()
        .map(|c| (c.choice.as_str(), &c.share))
        .chain(est.turnout.iter().map(|t| ("turnout", t)));
    for (figure, e) in rows {
        let v = verdicts.get(figure);
        o.push_str(&format!(
            "{:<12} {:>8}%  {:>7} - {:<7}  {:>7} - {:<7}  {:>8}  {:<6}  {}\n",
            figure,
            pct(e.estimate),
            pct(e.interval_95.0),
            pct(e.interval_95.1),
            pct(e.interval_99.0),
            pct(e.interval_99.1),
            v.map_or("-".to_string(), |v| format!("{}%", pct(v.official))),
            v.map_or("-", |v| if v.inside_95 { "yes" } else { "NO" }),
            v.map_or("-", |v| if v.inside_99 { "yes" } else { "NO" }),
        ));
    }
    match &report.verdict {
        None => outln!(
            o,
            "No official forms are recorded {}: nothing to judge.",
            frame.scope.area_text()
        ),
        Some(v) if v.all_inside_95 => outln!(
            o,
            "Verdict: every official figure is inside the PVT's 95% interval (and so its 99%)."
        ),
        Some(v) if v.all_inside_99 => outln!(
            o,
            "Verdict: some official figure is outside the 95% interval but every one is inside the 99% interval: \
             worth a closer look, not by itself evidence of a wrong count."
        ),
        Some(v) => {
            let outside: Vec<&str> = v
                .figures
                .iter()
                .filter(|f| !f.inside_99)
                .map(|f| f.figure.as_str())
                .collect();
            outln!(
                o,
                "Verdict: the official {} outside the PVT's 99% interval: strong evidence that the \
                 official count differs from the forms at the stations.",
                if outside.len() == 1 {
                    format!("figure for {} is", outside[0])
                } else {
                    format!("figures for {} are", outside.join(", "))
                }
            );
        }
    }
    review::write_stdout(&o)
}
