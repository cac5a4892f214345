//! The integer-percentage Monte Carlo (Kobak, Shpilkin & Pshenichnikov 2016) over every
//! station of the Russian 2011 Duma election: 1000 binomial replicates. Brief §7 target:
//! at most 10 s on 2 cores, beside the Python reference in bench/python (run both with
//! bench/forensics-mc.sh).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use interchange::{Mapping, StationResultsReader};
use stats::forensics::{self, IntegerOptions, StationCounts};

fn shared() -> PathBuf {
    match std::env::var_os("SCRUTINEER_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

pub fn load_russia_2011() -> anyhow::Result<Vec<StationCounts>> {
    let mapping = Mapping::from_path(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../mappings/russia-duma-2011.toml"),
    )?;
    let path = shared().join("data/russia/duma-2011.csv.zip");
    let mut out = Vec::new();
    for row in StationResultsReader::open(&path, &mapping).context("open the Russian file")? {
        let row = row?;
        let form = row.forms.into_iter().next().context("no source")?;
        out.push(StationCounts {
            id: row.station,
            registered: form.counts.registered,
            ballots_issued: form.counts.ballots_issued,
            valid: form.counts.valid,
            invalid: form.counts.invalid,
            total: form.counts.total,
            votes: form.votes,
        });
    }
    Ok(out)
}

pub fn run() -> anyhow::Result<()> {
    let start = Instant::now();
    let stations = load_russia_2011()?;
    let read = start.elapsed();
    let leader = forensics::leader(&stations)?;
    let options = IntegerOptions {
        replicates: 1000,
        seed: 1,
        ..Default::default()
    };
    let mut result = None;
    let mut once = || {
        result = Some(forensics::integer_percentages(
            &stations,
            leader,
            &options,
            &|| {},
        ));
    };
    let threads = rayon::current_num_threads();
    let all = crate::median_time(5, &mut once);
    let one_pool = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let single = one_pool.install(|| crate::median_time(3, &mut once));
    let t = result.context("no run")??;

    println!("| what | figure |");
    println!("|---|---|");
    println!(
        "| stations read through the mapping (95,225 rows, .csv.zip) | {:.2} s |",
        read.as_secs_f64()
    );
    println!(
        "| Monte Carlo, 1000 replicates × {} stations, {threads} threads (median of 5) | **{:.2} s** |",
        t.included,
        all.as_secs_f64()
    );
    println!(
        "| the same on 1 thread (median of 3) | {:.2} s |",
        single.as_secs_f64()
    );
    println!(
        "| result | {} integer stations, MC mean {:.1}, SD {:.1}, excess {:.1} |",
        t.integer, t.mc_mean, t.mc_sd, t.excess
    );
    println!("\nPython reference (numpy, same method): `bench/forensics-mc.sh` runs both.");
    Ok(())
}
