//! `scrutineer witness …`: run a witness that cosigns other parties' logs.

use crate::logdir::read_key;
use anyhow::{Context, bail};
use std::path::PathBuf;
use std::sync::Arc;

/// Run a C2SP witness: cosign a log's checkpoints only while its history never forks.
///
/// Each party or observer group can run one. The witness keeps, per log, the last checkpoint it
/// cosigned, and refuses any later checkpoint that is not an extension of it, so no one, the
/// log's operator included, can show two different histories without being caught.
///
///   scrutineer keygen --witness witness.party-a.example -o witness.key
///   scrutineer witness add-log WITNESS_DIR elections.example/kh-2013 LOG_VKEY
///   scrutineer witness serve WITNESS_DIR --key witness.key --listen 127.0.0.1:7380
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    Serve(ServeArgs),
    AddLog(AddLogArgs),
    Status(StatusArgs),
}

/// Serve `POST /add-checkpoint` (C2SP tlog-witness) until interrupted.
#[derive(clap::Args)]
struct ServeArgs {
    /// The witness's directory (holds witness.db).
    dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7380")]
    listen: String,
    /// The witness's private key (from `scrutineer keygen --witness`).
    #[arg(long)]
    key: PathBuf,
    /// Drop a connection that sends no request headers (or no body) for this long: idle
    /// and slow clients must not hold connections (seconds, or 500ms, 1m).
    #[arg(long, value_name = "TIME", default_value = "10s", value_parser = net::parse_duration)]
    idle_timeout: std::time::Duration,
}

/// Follow a log: trust checkpoints for ORIGIN signed by VKEY.
#[derive(clap::Args)]
struct AddLogArgs {
    dir: PathBuf,
    origin: String,
    /// The log's checkpoint-signing verifier key.
    vkey: String,
}

/// List the logs this witness follows and the size it last cosigned for each.
#[derive(clap::Args)]
struct StatusArgs {
    dir: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::Serve(a) => serve(a),
        Command::AddLog(a) => {
            std::fs::create_dir_all(&a.dir)
                .with_context(|| format!("creating {}", a.dir.display()))?;
            tlog::witness::add_log(&a.dir.join("witness.db"), &a.origin, &a.vkey)
                .map_err(anyhow::Error::msg)?;
            println!("now following {} (signed by {})", a.origin, a.vkey);
            Ok(())
        }
        Command::Status(a) => {
            let db = a.dir.join("witness.db");
            if !db.exists() {
                bail!(
                    "{} is not a witness directory (no witness.db)",
                    a.dir.display()
                );
            }
            for log in tlog::witness::witnessed_logs(&db).map_err(anyhow::Error::msg)? {
                println!(
                    "{}: cosigned up to size {} (root {})",
                    log.origin, log.size, log.root
                );
            }
            Ok(())
        }
    }
}

fn serve(a: ServeArgs) -> anyhow::Result<()> {
    let key = read_key(&a.key)?;
    std::fs::create_dir_all(&a.dir).with_context(|| format!("creating {}", a.dir.display()))?;
    let witness =
        tlog::witness::Witness::open(&a.dir.join("witness.db"), key).map_err(anyhow::Error::msg)?;
    let logs = witness.logs().map_err(anyhow::Error::msg)?;
    if logs.is_empty() {
        eprintln!(
            "warning: this witness follows no log yet; add one with `scrutineer witness add-log {} ORIGIN VKEY`",
            a.dir.display()
        );
    }
    let vkey = witness.vkey();
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("listening on {}", a.listen))?;
        println!(
            "witness {} listening on http://{}/",
            vkey.name,
            listener.local_addr()?
        );
        println!("vkey {vkey}");
        println!("following {} log(s)", logs.len());
        let timeouts = server::Timeouts {
            headers: a.idle_timeout,
            body: a.idle_timeout,
        };
        let app = server::witness::router_with(Arc::new(witness), "", timeouts.body);
        server::serve(listener, app, timeouts, crate::shutdown_signal()).await?;
        anyhow::Ok(())
    })
}
