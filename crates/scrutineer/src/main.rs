//! The `scrutineer` command line. It only parses arguments and wires the crates together;
//! every capability lives in a library crate.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "scrutineer",
    version,
    about = "A tamper-evident, multi-party record of an election, and the tools to review it.",
    long_about = "scrutineer keeps every fact of an election as a signed entry in a C2SP transparency \
log. Witnesses run by each party cosign the log, and anyone can download the published log, verify \
it and rebuild every number from it.\n\nStart with `scrutineer demo` to see the whole chain on a \
small synthetic election."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {}
}
