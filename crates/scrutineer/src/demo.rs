//! `scrutineer demo`: the demo election (the `demo` crate), its story printed step by step
//! with progress bars.

use crate::progress;
use anyhow::bail;
use std::path::PathBuf;

/// Build a synthetic election shaped like Cambodia's in 2013 and show what scrutineer checks.
///
/// The election has the 2013 shape: 24 constituencies and 123 seats, a nine-member commission
/// (four members appointed by each party and one by consensus, as agreed in 2014), the voter
/// roll, official result forms, the parties' and an observer group's copies of them, and a few
/// stations whose official form was altered. The demo records it all in a transparency log
/// through the commission's multi-party approvals, has a witness of each party cosign it,
/// publishes it, and then acts as an observer: it replays the published log over HTTP,
/// rebuilds every number and the seats, finds the altered forms, checks one result offline,
/// and shows tampering and a rewritten history being refused.
///
/// By default the election has a tenth of the national size (1,900 stations, 967,545
/// voters) and takes about two minutes; --scale national builds all 19,009 stations and
/// 9,675,453 voters. Runs on loopback only.
#[derive(clap::Args)]
pub struct Args {
    /// Where to build the demo (default: a new directory under the system's temp directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// tenth (default), national, or 1/N for a smaller election (1/100 runs in seconds).
    #[arg(long, default_value = "tenth")]
    scale: String,
    /// Seed for the synthetic election (the same seed builds the same election).
    #[arg(long, default_value_t = 2013)]
    seed: u64,
}

/// Prints the story on standard output, and long tasks as bars on standard error.
#[derive(Default)]
struct Printer(Option<indicatif::ProgressBar>);

impl demo::Narrator for Printer {
    fn step(&mut self, n: u32, title: &str) {
        println!("\n{n}. {title}");
    }
    fn say(&mut self, line: &str) {
        println!("{line}");
    }
    fn progress(&mut self, what: &str, done: u64, total: u64) {
        let bar = self.0.get_or_insert_with(|| progress::bar(total, what));
        bar.set_length(total);
        bar.set_position(done);
    }
    fn progress_done(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let scale = match demo::parse_scale(&args.scale) {
        Ok(scale) => scale,
        Err(e) => bail!("--scale {e}"),
    };
    let dir = match args.dir {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("scrutineer-demo-{}", std::process::id())),
    };
    let options = demo::Options {
        dir,
        scale,
        seed: args.seed,
        limits: net::Limits::defaults(crate::trust::NET_FLAGS),
    };
    demo::run(&options, &mut Printer::default())
}
