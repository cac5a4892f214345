//! `scrutineer roll`: the voter roll, in a file or in a recorded or replayed election. One
//! module per subcommand under rollcmd/; this file holds the enum and the dispatch only.

mod dedup;
mod find;
mod index;

/// The voter roll: duplicates, "find my name".
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Dedup(dedup::Args),
    Index(index::Args),
    Find(find::Args),
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Dedup(a) => dedup::run(a),
        Command::Index(a) => index::run(a),
        Command::Find(a) => find::run(a),
    }
}
