//! Writes the synthetic Khmer roll as CSV, with its truth beside it.
//!
//! `cargo run --release -p synthetic --example roll_csv -- VOTERS OUT_DIR [SEED]` writes
//! `OUT_DIR/roll.csv` (read by mappings/synthetic-khmer-roll.toml) and `OUT_DIR/truth.csv`
//! (each record's person, how it differs from the person's first record, and whether the
//! deletion wave removed it), and prints the wave's communes.

use std::io::BufWriter;
use synthetic::roll::{Config, Roll, write_csv};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 || args.len() > 3 {
        return Err("usage: roll_csv VOTERS OUT_DIR [SEED]".into());
    }
    let voters: u64 = args[0]
        .parse()
        .map_err(|e| format!("VOTERS {:?}: {e}", args[0]))?;
    let seed: u64 = match args.get(2) {
        Some(s) => s.parse().map_err(|e| format!("SEED {s:?}: {e}"))?,
        None => 2013,
    };
    let dir = std::path::Path::new(&args[1]);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let create = |name: &str| -> Result<BufWriter<std::fs::File>, String> {
        let path = dir.join(name);
        std::fs::File::create(&path)
            .map(BufWriter::new)
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    let roll = Roll::new(Config::new(seed, voters));
    write_csv(&roll, create("roll.csv")?, create("truth.csv")?)?;
    let wave: Vec<String> = roll.wave_communes().iter().map(|c| c.code()).collect();
    println!(
        "{voters} records in {}; the deletion wave struck communes {}",
        dir.join("roll.csv").display(),
        wave.join(", ")
    );
    Ok(())
}
