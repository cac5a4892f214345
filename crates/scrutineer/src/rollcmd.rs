//! `scrutineer roll`: the voter roll of a recorded or replayed election. One module per
//! subcommand under rollcmd/; this file holds the enum and the dispatch only.

mod find;
mod index;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Index(index::Args),
    Find(find::Args),
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Index(a) => index::run(a),
        Command::Find(a) => find::run(a),
    }
}
