//! The `scrutineer` command line. It only parses arguments and wires the crates together;
//! every capability lives in a library crate.

use clap::{Parser, Subcommand};

// Replay allocates on one thread and frees on another; glibc's arenas make that contend.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod auditcmd;
mod checkin;
mod demo;
mod electioncmd;
mod electiondaycmd;
mod exportcmd;
mod forensics;
mod importcmd;
mod keygen;
mod listauditcmd;
mod logcmd;
mod logdir;
mod observercmd;
mod progress;
mod pvtcmd;
mod refusal;
mod reportcmd;
mod reviewing;
mod rlacmd;
mod rollcmd;
mod sample;
mod servecmd;
mod trust;
mod verifycmd;
mod witnesscmd;

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
enum Command {
    /// Build a demo election log, witness, publish and verify it, and show what is checked.
    Demo(demo::Args),
    Init(electioncmd::InitArgs),
    SignGenesis(electioncmd::SignGenesisArgs),
    Submit(electioncmd::SubmitArgs),
    Propose(electioncmd::ProposeArgs),
    Approve(electioncmd::DecideArgs),
    Reject(electioncmd::RejectArgs),
    Status(electioncmd::StatusArgs),
    Publish(electioncmd::PublishArgs),
    Replay(electioncmd::ReplayArgs),
    Serve(servecmd::Args),
    Import(importcmd::Args),
    Export(exportcmd::Args),
    Keygen(keygen::Args),
    Log(logcmd::Args),
    Witness(witnesscmd::Args),
    Verify(verifycmd::Args),
    Forensics(forensics::Args),
    Sample(sample::Args),
    Rla(rlacmd::Args),
    Pvt(pvtcmd::Args),
    Audit(auditcmd::Args),
    ListAudit(listauditcmd::Args),
    Report(reportcmd::Args),
    /// The voter roll: duplicates, "find my name", changes between two points, removals.
    Roll(rollcmd::Args),
    /// Observers' forms, reports and SMS: record them, review them, or check coded SMS.
    Observer(observercmd::Args),
    Checkin(checkin::Args),
    Complain(electiondaycmd::ComplainArgs),
    Complaints(electiondaycmd::ComplaintsArgs),
    Reconcile(electiondaycmd::List),
    Flags(electiondaycmd::FlagsArgs),
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

fn main() -> std::process::ExitCode {
    // Rust ignores SIGPIPE, which turns every print after the reader has gone (`| head`) into
    // a panic. A command line tool should end quietly instead, as the default action does.
    // Sockets are unaffected: the standard library sends with MSG_NOSIGNAL.
    #[cfg(unix)]
    // SAFETY: called first, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            std::process::ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, each cause once: most messages already include
/// their cause ("FILE: No such file or directory"), which the chain then repeats.
fn one_line(e: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        let text = text.trim();
        if text.is_empty() || line.contains(text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(text);
    }
    line
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => demo::run(args),
        Command::Init(args) => electioncmd::init(args),
        Command::SignGenesis(args) => electioncmd::sign_genesis(args),
        Command::Submit(args) => electioncmd::submit(args),
        Command::Propose(args) => electioncmd::propose(args),
        Command::Approve(args) => electioncmd::decide(&args, None),
        Command::Reject(args) => electioncmd::decide(&args.decide, Some(args.reason)),
        Command::Status(args) => electioncmd::status(args),
        Command::Publish(args) => electioncmd::publish(args),
        Command::Replay(args) => electioncmd::replay(args),
        Command::Serve(args) => servecmd::run(args),
        Command::Import(args) => importcmd::run(args),
        Command::Export(args) => exportcmd::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Log(args) => logcmd::run(args),
        Command::Roll(args) => rollcmd::run(args),
        Command::Observer(args) => observercmd::run(args),
        Command::Checkin(args) => checkin::run(args),
        Command::Witness(args) => witnesscmd::run(args),
        Command::Verify(args) => verifycmd::run(args),
        Command::Forensics(args) => forensics::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Rla(args) => rlacmd::run(args),
        Command::Pvt(args) => pvtcmd::run(args),
        Command::Audit(args) => auditcmd::run(args),
        Command::ListAudit(args) => listauditcmd::run(args),
        Command::Complain(args) => electiondaycmd::complain(args),
        Command::Complaints(args) => electiondaycmd::complaints(args),
        Command::Reconcile(args) => electiondaycmd::reconcile(args),
        Command::Flags(args) => electiondaycmd::flags(args),
        Command::Report(args) => reportcmd::run(args),
    }
}
