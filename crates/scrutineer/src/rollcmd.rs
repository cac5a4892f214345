//! `scrutineer roll`: the voter roll, in a file or in a recorded or replayed election. One
//! module per subcommand under rollcmd/; this file holds the enum and the dispatch only.

mod dedup;
mod diff;
mod find;
mod index;
mod remove;

/// The voter roll: duplicates, "find my name", changes between two points, removals.
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
    Diff(diff::Args),
    Remove(remove::Args),
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Dedup(a) => dedup::run(a),
        Command::Index(a) => index::run(a),
        Command::Find(a) => find::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Remove(a) => remove::run(a),
    }
}
