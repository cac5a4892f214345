//! `scrutineer report`: the review report, one self-contained HTML file (the `report` crate).

use std::path::PathBuf;

use anyhow::Context;

use crate::reviewing::{self, ElectionArgs};

const EXAMPLES: &str = "\
Examples:
  scrutineer report demo/election --out report.html
  scrutineer report demo/public --vkey LOG_VKEY --witness W1 --witness W2 --out report.html
  scrutineer report https://elections.example/kh-2013/ --policy policy.txt --out report.html

Open the file in any browser, offline; it holds every plot, entry and proof. Each finding's
entries can be checked with `scrutineer verify --proof entry-N.tlog-proof --vkey LOG_VKEY
entry-N.json`, from the files the report offers for download.";

/// Write the review report: every review that applies, what it found, and for each finding
/// the log entries that show it with their inclusion proofs, as one HTML file that opens
/// offline and prints.
#[derive(clap::Args)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    #[command(flatten)]
    election: ElectionArgs,
    /// The HTML file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Leave out deduplication of the roll (minutes on a national roll).
    #[arg(long)]
    no_dedup: bool,
}

struct Told;

impl report::Progress for Told {
    fn review(&mut self, title: &str) {
        eprintln!("reviewing {title}…");
    }
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let opened = reviewing::open(&a.election)?;
    let options = report::Options {
        dedup: !a.no_dedup,
        ..Default::default()
    };
    let built = report::build(&opened, &options, &mut Told).map_err(anyhow::Error::msg)?;
    let source = match (&a.election.election, opened.election()) {
        (Some(s), None) => Some(
            net::open_source(s, &net::Limits::defaults(crate::trust::NET_FLAGS))
                .map_err(anyhow::Error::msg)?,
        ),
        _ => None,
    };
    let html =
        report::render_for(&built, &opened, source.as_deref()).map_err(anyhow::Error::msg)?;
    std::fs::write(&a.out, html).with_context(|| format!("writing {}", a.out.display()))?;
    println!(
        "{} findings in {} reviews; open {} in a browser",
        built.findings().count(),
        built.checks.len(),
        a.out.display()
    );
    Ok(())
}
