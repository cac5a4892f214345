//! `scrutineer forensics`: election forensics over a station-results file read through a
//! column-mapping file, or over the result forms recorded in an election. The tests are
//! `review::forensics` (over `stats::forensics`); this module wires and renders them.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use review::forensics::{self, Options, Stations};

use crate::reviewing::{self, ElectionArgs, Lift};

const LONG_ABOUT: &str = "\
Looks for numbers that were written rather than counted, in station-level results: of any \
election whose CSV layout a mapping file describes (see docs/mapping.md), or of an election \
recorded here (its directory, or its published log replayed with --vkey), where the official \
forms are analysed (or --source) and every other copy of the forms is compared with them. \
Every test is seeded: the same input and seed give the same numbers on any machine.

The tests:

  Integer percentages (Kobak, Shpilkin & Pshenichnikov 2016). People who invent results tend \
to pick round figures, so stations whose turnout or leader's share is a whole percent (within \
0.05 points) are counted and compared with a Monte Carlo of the same stations in which \
turnout and the leader's votes are drawn from binomial distributions with the observed \
rates. Reported: the excess of integer stations over the simulations' mean, in simulation \
standard deviations, and its p-value. Stations with fewer than 100 registered voters, no \
ballots, or turnout or leader's share above 99% are left out, as in the paper.

  Election Forensics Toolkit tests (Mebane; Kalinin), for turnout and each choice, each with \
a bootstrap interval: 2BL, the mean second digit of counts of 10 or more (4.187 under \
Benford's law); LastC, the mean last digit (4.5 if uniform); C05s and P05s, the share of \
counts and of rounded percentages ending in 0 or 5 (0.2 if uniform); skewness and kurtosis \
of the percentages (0 and 3 for a normal shape); Hartigan's dip test of unimodality with a \
Monte Carlo p-value (a small p means several peaks, e.g. a second cluster of stations); the \
Sobyanin-Sukhovolsky measure (slope of a choice's share on turnout, minus its mean share: \
large and positive when extra turnout goes to one choice); and the turnout-share \
correlation.

  Election fingerprint (Klimek et al. 2012): the 2-D histogram of stations by turnout and \
the winner's share, written as SVG with --svg. A fair election is one round blob; ballot \
stuffing draws a streak towards 100%/100%. The fitted fraud model reports the fraction of \
stations with incremental fraud (some stuffing) and with extreme fraud (nearly all \
non-voters' ballots cast for the winner).

  Red flags per station: turnout above 100% or at or above --turnout-threshold; votes \
above the valid ballots; more ballots counted than issued; a result form identical to \
another station's; turnout or winner's share exactly a multiple of 5%; and, when the \
mapping has several sources (official count, party or crowd copies), every station where \
another copy disagrees with the one analysed.

None of these proves fraud; each says where to look. Every formula, with its source: \
docs/methods.md, section 10.";

const EXAMPLES: &str = "\
Examples:
  # The Russian Duma election of 2011, with the fingerprint as SVG:
  scrutineer forensics ../shared/data/russia/duma-2011.csv.zip \\
      --mapping mappings/russia-duma-2011.toml --svg russia-2011.svg

  # The Indonesian 2019 file, analysing the crowd copy against the official one, as JSON:
  scrutineer forensics ../shared/data/indonesia/kawalpemilu-2019-*.csv.gz \\
      --mapping mappings/indonesia-kawalpemilu-2019.toml --source crowd --json > report.json

  # The official forms recorded in an election, with every other copy compared with them:
  scrutineer forensics demo/election
  scrutineer forensics demo/public --vkey LOG_VKEY --source observer:COMFREL";

/// Review station results for signs of manufactured numbers (integer percentages, the
/// Election Forensics Toolkit tests, the Klimek fingerprint, red flags), in a station-results
/// file or in the result forms recorded in an election.
#[derive(clap::Args, Debug)]
#[command(long_about = LONG_ABOUT, after_help = EXAMPLES)]
pub struct Args {
    /// A station-results file (.csv, .csv.gz or .csv.zip) read through --mapping; or, without
    /// --mapping, an election: its directory, or its published log (with --vkey or --policy).
    #[command(flatten)]
    pub input: ElectionArgs,
    /// Column-mapping file (TOML) describing the file's layout; see docs/mapping.md.
    #[arg(long, value_name = "MAP")]
    pub mapping: Option<PathBuf>,
    /// An election's contest (needed when it has several).
    #[arg(long, conflicts_with = "mapping")]
    pub contest: Option<String>,
    /// An election's area (a code): only its stations; default all.
    #[arg(long, value_name = "CODE", conflicts_with = "mapping")]
    pub area: Option<String>,
    /// Print every result as JSON on stdout instead of the report (docs/json.md).
    #[arg(long)]
    pub json: bool,
    /// Write the election fingerprint (turnout against the winner's share) to this SVG file.
    #[arg(long, value_name = "OUT.svg")]
    pub svg: Option<PathBuf>,
    /// Seed of the Monte Carlo, the bootstrap and the model fit.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Monte Carlo replicates of the integer-percentage test.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub replicates: usize,
    /// Bootstrap replicates of the toolkit intervals.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub bootstrap: usize,
    /// The source (copy of the form) to analyse; default: the mapping's first, or an
    /// election's official forms.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// The choice tested as leader or winner; default: the one with most votes.
    #[arg(long, value_name = "CHOICE")]
    pub leader: Option<String>,
    /// Turnout, in percent, at or above which a station is flagged.
    #[arg(long, value_name = "PERCENT", default_value_t = 95)]
    pub turnout_threshold: u64,
    /// Stations listed per red flag in the report (JSON lists them all).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub list: usize,
}

/// Bars on standard error for the long stages, when it is a terminal.
struct Bars {
    current: std::sync::Mutex<Option<ProgressBar>>,
}

impl forensics::Progress for Bars {
    fn stage(&self, name: &str, steps: Option<u64>) {
        let pb = if !std::io::stderr().is_terminal() {
            ProgressBar::hidden()
        } else if let Some(n) = steps {
            let pb = ProgressBar::new(n);
            pb.set_style(
                ProgressStyle::with_template("{msg:<28} {bar:40} {pos}/{len} [{elapsed_precise}]")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            pb.set_message(name.to_string());
            pb
        } else {
            let pb = ProgressBar::new_spinner();
            pb.set_message(name.to_string());
            pb.enable_steady_tick(Duration::from_millis(120));
            pb
        };
        *self.current.lock().expect("bars") = Some(pb);
    }

    fn step(&self) {
        if let Some(pb) = &*self.current.lock().expect("bars") {
            pb.inc(1);
        }
    }

    fn done(&self) {
        if let Some(pb) = self.current.lock().expect("bars").take() {
            pb.finish_and_clear();
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let stations = match (&args.mapping, &args.input.election) {
        (Some(mapping), Some(file)) => {
            if args.input.vkey.is_some()
                || args.input.policy.is_some()
                || args.input.state_db.is_some()
            {
                bail!(
                    "--mapping reads a station-results file; --vkey, --policy and --state-db name an election"
                );
            }
            Stations::from_file(Path::new(file), mapping, args.source.as_deref()).lift()?
        }
        (Some(_), None) => bail!("--mapping describes a station-results file: give the file"),
        (None, _) => {
            let opened = reviewing::open(&args.input)?;
            Stations::from_election(
                &opened,
                args.contest.as_deref(),
                args.area.as_deref(),
                args.source.as_deref(),
            )
            .lift()?
        }
    };
    let bars = Bars {
        current: std::sync::Mutex::new(None),
    };
    let (mut report, svg) = forensics::run(
        &stations,
        &Options {
            seed: args.seed,
            replicates: args.replicates,
            bootstrap: args.bootstrap,
            leader: args.leader.clone(),
            turnout_threshold: args.turnout_threshold,
        },
        &bars,
    )
    .lift()?;
    if let Some(path) = &args.svg {
        std::fs::write(path, svg).with_context(|| format!("cannot write {}", path.display()))?;
        report.fingerprint.svg = Some(path.display().to_string());
    }
    if args.json {
        reviewing::print_json(&report)
    } else {
        reviewing::write_stdout(&review::render::forensics::report(&report, args.list))
    }
}
