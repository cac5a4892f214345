//! `scrutineer roll ...`: the voter roll's commands, one module each under `rollcmd/`.

mod diff;
mod remove;

/// The voter roll: its changes between two points, and removals proposed from a file.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    Diff(diff::Args),
    Remove(remove::Args),
}

pub fn run(a: Args) -> anyhow::Result<()> {
    match a.what {
        What::Diff(a) => diff::run(a),
        What::Remove(a) => remove::run(a),
    }
}
