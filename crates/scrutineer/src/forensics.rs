//! `scrutineer forensics`: election forensics over a station-results file read through a
//! column-mapping file, or over the result forms recorded in an election. The tests are
//! `review::forensics` (over `stats::forensics`); this module wires and renders them.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use review::forensics::{self, Options, Report, Stations};
use stats::forensics::Estimate;

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
        reviewing::write_stdout(&human(&report, args.list))
    }
}

/// 12345.6 -> "12,345.6"; integers without decimals.
fn thousands(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

fn human(r: &Report, list: usize) -> String {
    let mut o = String::new();
    let n = |x: usize| thousands(x as f64, 0);
    let _ = writeln!(
        o,
        "{} — {} stations, {} copy{}",
        r.file,
        n(r.stations),
        r.source,
        r.contest
            .as_ref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "Leader: {} with {:.2}% of ballots counted\n",
        r.leader.name,
        100.0 * r.leader.share
    );

    let t = &r.integer_percentages;
    let _ = writeln!(
        o,
        "Integer percentages (Kobak, Shpilkin & Pshenichnikov 2016)"
    );
    let _ = writeln!(
        o,
        "  stations included   {} of {} (registered >= 100, ballots > 0, turnout and leader's share <= 99%)",
        n(t.included),
        n(t.stations)
    );
    let _ = writeln!(
        o,
        "  integer stations    {} (turnout {}, leader's share {}; within 0.05 points of a whole percent)",
        n(t.integer),
        n(t.integer_turnout),
        n(t.integer_share)
    );
    let _ = writeln!(
        o,
        "  binomial null       mean {}, SD {:.1}, range {}–{} over {} replicates (seed {})",
        thousands(t.mc_mean, 1),
        t.mc_sd,
        n(t.mc_min as usize),
        n(t.mc_max as usize),
        n(t.replicates),
        t.seed
    );
    let _ = writeln!(
        o,
        "  excess              {} stations = {:.1} SD, p = {:.4}{}\n",
        thousands(t.excess, 1),
        t.z,
        t.p_value,
        if t.mc_max < t.integer as u64 {
            " (no replicate reached the observed count)"
        } else {
            ""
        }
    );

    let k = &r.toolkit;
    let _ = writeln!(
        o,
        "Election Forensics Toolkit tests ({} bootstrap replicates, {:.0}% basic intervals; dip p-value from {} uniform samples)",
        k.bootstrap,
        100.0 * k.confidence,
        k.dip_null
    );
    // One row per statistic (value, then its interval), one column per variable.
    let e = &k.expected;
    let rows: [(&str, Option<f64>); 10] = [
        ("2BL (2nd digit)", Some(e.second_digit_mean)),
        ("LastC (last digit)", Some(e.last_digit_mean)),
        ("C05s", Some(e.c05s)),
        ("P05s", Some(e.p05s)),
        ("skewness", Some(e.skewness)),
        ("kurtosis", Some(e.kurtosis)),
        ("dip", None),
        ("dip p-value", None),
        ("Sobyanin", None),
        ("corr(turnout, share)", None),
    ];
    let width = 17;
    let _ = write!(o, "  {:<22}{:>9}", "", "expected");
    for v in &k.variables {
        let name: String = v.name.chars().take(width - 2).collect();
        let _ = write!(o, "{name:>width$}");
    }
    let _ = writeln!(o);
    for (row, (label, expected)) in rows.iter().enumerate() {
        let cell = |v: &stats::forensics::EftVariable| -> Option<Estimate> {
            match row {
                0 => v.second_digit_mean,
                1 => v.last_digit_mean,
                2 => v.c05s,
                3 => v.p05s,
                4 => v.skewness,
                5 => v.kurtosis,
                6 => v.dip,
                8 => v.sobyanin,
                9 => v.correlation,
                _ => None,
            }
        };
        let _ = write!(
            o,
            "  {label:<22}{:>9}",
            expected.map(|x| format!("{x:.3}")).unwrap_or_default()
        );
        for v in &k.variables {
            let text = if row == 7 {
                v.dip_p_value.map(|p| format!("{p:.3}"))
            } else {
                cell(v).map(|c| format!("{:.3}", c.value))
            };
            let _ = write!(o, "{:>width$}", text.unwrap_or_else(|| "—".into()));
        }
        let _ = writeln!(o);
        if row != 7 {
            let _ = write!(o, "  {:<31}", "");
            for v in &k.variables {
                let text = cell(v)
                    .map(|c| format!("{:.3}…{:.3}", c.lo, c.hi))
                    .unwrap_or_default();
                let _ = write!(o, "{text:>width$}");
            }
            let _ = writeln!(o);
        }
    }
    let _ = writeln!(o);

    let f = &r.fraud_model;
    let _ = writeln!(
        o,
        "Election fingerprint and fraud model (Klimek et al. 2012)"
    );
    let _ = writeln!(
        o,
        "  {} stations in the histogram{}{}",
        n(r.fingerprint.stations),
        if r.fingerprint.above_full_turnout > 0 {
            format!(
                " ({} with turnout above 100%)",
                n(r.fingerprint.above_full_turnout)
            )
        } else {
            String::new()
        },
        r.fingerprint
            .svg
            .as_ref()
            .map(|p| format!("; drawn to {p}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "  fair part           turnout {:.1}% (SD {:.1}), winner's share {:.1}% (SD {:.1})",
        100.0 * f.turnout_mean,
        100.0 * f.turnout_sd,
        100.0 * f.share_mean,
        100.0 * f.share_sd
    );
    let _ = writeln!(
        o,
        "  incremental fraud   {:.0}% of stations (stuffed fraction ~ |N(0, {:.3})|, alpha {:.1})",
        100.0 * f.incremental,
        f.incremental_sd,
        f.alpha
    );
    let _ = writeln!(
        o,
        "  extreme fraud       {:.1}% of stations",
        100.0 * f.extreme
    );
    let _ = writeln!(
        o,
        "  fit                 loss {:.0} against {:.0} without fraud\n",
        f.loss, f.loss_without_fraud
    );

    let rf = &r.red_flags;
    let _ = writeln!(
        o,
        "Red flags ({} stations with at least one)",
        n(rf.flagged.len())
    );
    for (flag, count) in &rf.totals {
        let _ = writeln!(o, "  {:<56} {:>8}", flag.describe(), n(*count));
        for s in rf
            .flagged
            .iter()
            .filter(|s| s.flags.contains(flag))
            .take(list)
        {
            let _ = writeln!(o, "      {}", s.station);
        }
    }
    if !rf.identical.is_empty() {
        let _ = writeln!(
            o,
            "  {} groups of identical forms (every figure equal, {} or more ballots); the largest:",
            n(rf.identical.len()),
            rf.options.min_ballots
        );
    }
    for g in rf.identical.iter().take(list) {
        let _ = writeln!(
            o,
            "      {} (registered {}, valid {}, votes {})",
            g.stations.join(", "),
            g.registered
                .map(|v| v.to_string())
                .unwrap_or_else(|| "—".into()),
            g.valid.map(|v| v.to_string()).unwrap_or_else(|| "—".into()),
            g.votes
                .iter()
                .map(|v| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into()))
                .collect::<Vec<_>>()
                .join("/")
        );
    }
    for c in &rf.comparisons {
        let _ = writeln!(
            o,
            "  {} copy against {}: {} stations compared, {} disagree",
            c.source,
            r.source,
            n(c.compared),
            n(c.disagreeing)
        );
    }
    for d in rf.disagreements.iter().take(list) {
        let diffs: Vec<String> = d
            .differences
            .iter()
            .map(|x| {
                let field = x
                    .field
                    .strip_prefix("votes[")
                    .and_then(|i| i.strip_suffix(']'))
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| r.choices.get(i))
                    .cloned()
                    .unwrap_or_else(|| x.field.clone());
                format!("{field} {} vs {}", x.reference, x.other)
            })
            .collect();
        let _ = writeln!(o, "    {} ({}): {}", d.station, d.source, diffs.join(", "));
    }
    let _ = writeln!(
        o,
        "\nNone of these proves fraud; each says where to look. See docs/methods.md, section 10."
    );
    o
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(1003.5, 1), "1,003.5");
        assert_eq!(thousands(95225.0, 0), "95,225");
        assert_eq!(thousands(-12.0, 0), "-12");
        assert_eq!(thousands(999.0, 0), "999");
    }
}
