//! `scrutineer roll ...`: the voter roll's commands, one module each under `rollcmd/`.

mod dedup;

use clap::Subcommand;

/// The voter roll: deduplication.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Dedup(dedup::Args),
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Dedup(a) => dedup::run(a),
    }
}
