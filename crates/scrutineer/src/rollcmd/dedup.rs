//! `scrutineer roll dedup`: duplicates in a roll file (through a mapping) or in a recorded
//! election's roll, as pairs with explanations and clusters.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::ProgressBar;

use crate::reviewing::{self, ElectionArgs};

/// Find the voters registered twice: blocking, Fellegi-Sunter weights estimated from the roll
/// by EM, term frequencies, match probabilities and clusters.
#[derive(clap::Args)]
pub struct Args {
    /// With --mapping, ELECTION is a roll file (CSV, .gz or .zip) read through it.
    #[arg(long)]
    mapping: Option<PathBuf>,
    #[command(flatten)]
    election: ElectionArgs,
    /// Pairs at or above this match probability are duplicates.
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// A blocking rule, keys joined with + (family, given, family_key, given_key, names,
    /// birth_date, birth_year, sex, station, or a private field's name); repeat. Replaces the
    /// default rules.
    #[arg(long = "block", value_name = "RULE")]
    rules: Vec<String>,
    /// Write pairs.csv and clusters.csv (and, for an election, remove-duplicates.jsonl) here.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// One progress bar, restarted at each stage.
struct Bar(ProgressBar);

impl roll::dedup::Progress for Bar {
    fn stage(&self, name: &str, total: u64) {
        self.0.set_message(name.to_string());
        self.0.set_length(total);
        self.0.set_position(0);
    }
    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let roll = match &a.mapping {
        Some(m) => {
            let file = a
                .election
                .election
                .as_deref()
                .context("give the roll file to read through --mapping")?;
            let mapping = interchange::Mapping::from_path(m)?;
            review::roll::from_file(file.as_ref(), &mapping).map_err(reviewing::fail)?
        }
        None => {
            let election = reviewing::open(&a.election)?;
            review::roll::from_election(&election).map_err(reviewing::fail)?
        }
    };
    let bar = Bar(crate::progress::bar(roll.records.len() as u64, "reading"));
    let report = review::roll::dedup(roll, a.threshold, &a.rules, &bar).map_err(|e| match e {
        review::Error::Refused(m) if m.contains("threshold") => {
            anyhow::anyhow!("--threshold: {m}")
        }
        e => reviewing::fail(e),
    })?;
    bar.0.finish_and_clear();
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let pairs = report.pairs_csv().map_err(reviewing::fail)?;
        reviewing::write_file(&dir.join("pairs.csv"), pairs.as_bytes())?;
        reviewing::write_file(&dir.join("clusters.csv"), report.clusters_csv().as_bytes())?;
        if report.recorded {
            let proposal = report.removal_proposal().map_err(reviewing::fail)?;
            reviewing::write_file(&dir.join("remove-duplicates.jsonl"), proposal.as_bytes())?;
        }
    }
    if a.json {
        reviewing::print_json(&report)
    } else {
        reviewing::write_stdout(&review::render::roll::dedup(&report, 20))
    }
}
