//! `scrutineer sample`: draw a reproducible sample of ids from a public seed.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use stats::StatsError;
use stats::consistent_sampler::{SampleOptions, sample};
use stats::seed::AuditSeed;

/// Draw a random sample of ids (stations, ballots, names) from a public seed.
///
/// The seed is the audit seed: at least 20 dice rolls, digits 1 to 6, rolled in public after
/// the list of ids was fixed and a commitment to it published. The same ids and seed always
/// give the same sample, in the same order. Anyone can redo it with Ron Rivest's
/// consistent_sampler (PyPI consistent-sampler 1.0.10):
/// `consistent_sampler.sampler(ids, seed=SEED, take=K, with_replacement=W, digits=D)`,
/// where W is True with --with-replacement.
///
/// IDS_FILE has one id per line, exactly as written (a trailing \r is dropped; use - for
/// standard input). Ids must be distinct and lines must not be empty.
///
/// Output is CSV in draw order, with a header:
///   ticket      the id's pseudorandom number in (0, 1); the sample is the ids in ascending
///               ticket order. Shown to D digits after any leading 9s (truncated).
///   id          the id drawn.
///   generation  how many times this id has been drawn so far: always 1 without replacement;
///               with replacement a drawn id goes back with a larger ticket and may come again.
///
/// Example, with stations.txt holding KDL-0001 to KDL-0010, one per line:
///   $ scrutineer sample --seed 16253441256312546312 --take 3 stations.txt
///   ticket,id,generation
///   0.047378347736701348,KDL-0005,1
///   0.169453961654340628,KDL-0004,1
///   0.257059398710172164,KDL-0009,1
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The audit seed: at least 20 dice rolls, digits 1-6 only.
    #[arg(long)]
    seed: String,
    /// How many draws to print.
    #[arg(long, value_name = "K")]
    take: usize,
    /// Put each drawn id back, so it can be drawn again.
    #[arg(long)]
    with_replacement: bool,
    /// Digits shown after a ticket's leading 9s (the Python tool's default is 9; Arlo uses 18).
    #[arg(long, value_name = "D", default_value_t = 18)]
    digits: usize,
    /// Accept a seed that is not dice rolls, to redo a sample another tool drew.
    #[arg(long)]
    any_seed: bool,
    /// One id per line; - for standard input.
    #[arg(value_name = "IDS_FILE")]
    ids_file: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    if !args.any_seed {
        AuditSeed::parse(&args.seed).context(
            "--seed must be the dice rolls as rolled (use --any-seed to redo a sample drawn \
             with another kind of seed)",
        )?;
    }
    let name = args.ids_file.display().to_string();
    let text = read_input(&args.ids_file).with_context(|| format!("reading {name}"))?;
    let ids = stats::consistent_sampler::parse_ids(&text, &name).map_err(anyhow::Error::msg)?;
    let options = SampleOptions {
        with_replacement: args.with_replacement,
        drop: 0,
        take: args.take,
        digits: args.digits,
    };
    let drawn = sample(&ids, &args.seed, &options).map_err(|e| match e {
        StatsError::TakeExceedsIds { wanted, available } => anyhow::anyhow!(
            "{name} has {available} ids, so {wanted} cannot be drawn without replacement \
             (use --with-replacement, or a smaller --take)"
        ),
        other => anyhow::Error::new(other).context(format!("sampling {name}")),
    })?;

    let mut out = std::io::stdout().lock();
    match out
        .write_all(stats::consistent_sampler::to_csv(&drawn).as_bytes())
        .and_then(|_| out.flush())
    {
        // A reader that stops early (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing the sample"),
    }
}

fn read_input(path: &PathBuf) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin().read_to_end(&mut bytes)?;
    } else {
        bytes = std::fs::read(path)?;
    }
    Ok(bytes)
}
