//! `scrutineer forensics`: election forensics over a station-results file read through a
//! column-mapping file.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::{ProgressBar, ProgressStyle};
use interchange::{Mapping, StationResultsReader};
use serde::Serialize;
use stats::forensics::{
    self, EftOptions, EftReport, Estimate, FlagOptions, FraudFit, FraudFitOptions, IntegerOptions,
    IntegerTest, RedFlagReport, StationCounts,
};

const LONG_ABOUT: &str = "\
Looks for numbers that were written rather than counted, in station-level results of any \
election whose CSV layout a mapping file describes (see docs/mapping.md). Every test is \
seeded: the same file, mapping and seed give the same numbers on any machine.

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
      --mapping mappings/indonesia-kawalpemilu-2019.toml --source crowd --json > report.json";

/// Review station results for signs of manufactured numbers (integer percentages, the
/// Election Forensics Toolkit tests, the Klimek fingerprint, red flags).
#[derive(clap::Args, Debug)]
#[command(long_about = LONG_ABOUT, after_help = EXAMPLES)]
pub struct Args {
    /// Station-results file: .csv, .csv.gz or .csv.zip.
    pub file: PathBuf,
    /// Column-mapping file (TOML) describing the file's layout; see docs/mapping.md.
    #[arg(long, value_name = "MAP")]
    pub mapping: PathBuf,
    /// Print every result as JSON on stdout instead of the report.
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
    /// The source (copy of the form) to analyse; default: the mapping's first.
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

#[derive(Serialize)]
struct Report<'a> {
    file: String,
    mapping: String,
    contest: Option<&'a str>,
    source: &'a str,
    choices: &'a [String],
    stations: usize,
    leader: Leader<'a>,
    integer_percentages: IntegerTest,
    toolkit: EftReport,
    fingerprint: FingerprintSummary,
    fraud_model: FraudFit,
    red_flags: RedFlagReport,
}

#[derive(Serialize)]
struct Leader<'a> {
    index: usize,
    name: &'a str,
    /// Share of all ballots counted, over the stations where both are given.
    share: f64,
}

#[derive(Serialize)]
struct FingerprintSummary {
    bins: usize,
    stations: usize,
    above_full_turnout: usize,
    svg: Option<String>,
}

fn bar(len: u64, what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:<28} {bar:40} {pos}/{len} [{elapsed_precise}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    pb.set_message(what.to_string());
    pb
}

fn spinner(what: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_message(what.to_string());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let mapping = Mapping::from_path(&args.mapping)?;
    let source = match &args.source {
        None => 0,
        Some(name) => mapping
            .sources
            .iter()
            .position(|s| &s.name == name)
            .with_context(|| {
                format!(
                    "{}: no source named {name:?}; the mapping has: {}",
                    args.mapping.display(),
                    mapping
                        .sources
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })?,
    };

    let reading = spinner("reading stations");
    let mut copies: Vec<Vec<StationCounts>> = vec![Vec::new(); mapping.sources.len()];
    for row in StationResultsReader::open(&args.file, &mapping)? {
        let row = row?;
        for (form, out) in row.forms.into_iter().zip(&mut copies) {
            out.push(StationCounts {
                id: row.station.clone(),
                registered: form.counts.registered,
                ballots_issued: form.counts.ballots_issued,
                valid: form.counts.valid,
                invalid: form.counts.invalid,
                total: form.counts.total,
                votes: form.votes,
            });
        }
    }
    reading.finish_and_clear();
    let stations = std::mem::take(&mut copies[source]);
    if stations.is_empty() {
        bail!("{}: no station rows", args.file.display());
    }
    let others: Vec<(String, Vec<StationCounts>)> = mapping
        .sources
        .iter()
        .zip(copies)
        .enumerate()
        .filter(|(i, _)| *i != source)
        .map(|(_, (s, c))| (s.name.clone(), c))
        .collect();

    let leader = match &args.leader {
        None => forensics::leader(&stations)?,
        Some(name) => mapping
            .choices
            .iter()
            .position(|c| c == name)
            .with_context(|| {
                format!(
                    "no choice named {name:?}; the mapping's choices are: {}",
                    mapping.choices.join(", ")
                )
            })?,
    };
    let (leader_votes, ballots) = stations.iter().fold((0u128, 0u128), |(v, b), s| {
        match (s.votes[leader], s.ballots()) {
            (Some(x), Some(y)) => (v + x as u128, b + y as u128),
            _ => (v, b),
        }
    });

    let pb = bar(args.replicates as u64, "integer-percentage MC");
    let integer = forensics::integer_percentages(
        &stations,
        leader,
        &IntegerOptions {
            replicates: args.replicates,
            seed: args.seed,
            ..Default::default()
        },
        &|| pb.inc(1),
    )?;
    pb.finish_and_clear();

    let pb = bar(args.bootstrap as u64, "toolkit bootstrap");
    let toolkit = forensics::eft_tests(
        &stations,
        &mapping.choices,
        &EftOptions {
            bootstrap: args.bootstrap,
            seed: args.seed,
            ..Default::default()
        },
        &|| pb.inc(1),
    )?;
    pb.finish_and_clear();

    let fitting = spinner("fitting the fraud model");
    let fingerprint = forensics::fingerprint(&stations, leader, 100)?;
    let fraud_model = forensics::fit_fraud_model(
        &stations,
        leader,
        &FraudFitOptions {
            seed: args.seed,
            ..Default::default()
        },
    )?;
    fitting.finish_and_clear();
    if let Some(path) = &args.svg {
        let title = format!(
            "{}{} — {} copy",
            mapping.contest.as_deref().unwrap_or("Election fingerprint"),
            mapping.contest.as_ref().map_or("", |_| ": fingerprint"),
            mapping.sources[source].name
        );
        std::fs::write(path, fingerprint.svg(&title, &mapping.choices[leader]))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }

    let red_flags = forensics::red_flags(
        &stations,
        &others,
        leader,
        &FlagOptions {
            turnout_threshold_percent: args.turnout_threshold,
            ..Default::default()
        },
    )?;

    let report = Report {
        file: args.file.display().to_string(),
        mapping: args.mapping.display().to_string(),
        contest: mapping.contest.as_deref(),
        source: &mapping.sources[source].name,
        choices: &mapping.choices,
        stations: stations.len(),
        leader: Leader {
            index: leader,
            name: &mapping.choices[leader],
            share: if ballots > 0 {
                leader_votes as f64 / ballots as f64
            } else {
                f64::NAN
            },
        },
        integer_percentages: integer,
        toolkit,
        fingerprint: FingerprintSummary {
            bins: fingerprint.bins,
            stations: fingerprint.stations,
            above_full_turnout: fingerprint.above_full_turnout,
            svg: args.svg.as_ref().map(|p| p.display().to_string()),
        },
        fraud_model,
        red_flags,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", human(&report, args.list));
    }
    Ok(())
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
        r.contest.map(|c| format!(" ({c})")).unwrap_or_default()
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
        let cell = |v: &forensics::EftVariable| -> Option<Estimate> {
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
