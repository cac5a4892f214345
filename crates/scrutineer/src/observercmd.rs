//! `scrutineer observer`: observers' forms and reports, over the `observer` crate.

use crate::reviewing;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};

/// Observers' forms and reports: check coded SMS against a form definition file.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    CheckSms(CheckSmsArgs),
}

/// Read a file of received SMS against a form definition file and print each reply.
///
/// FORMS is a form definition file (docs/observer-forms.md; forms/cambodia-observer.toml is
/// one). MESSAGES has one message a line, `time,sender_hmac,text`: the time in UTC
/// (2028-07-30T07:02:11Z), the HMAC-SHA256 of the sender's number as 64 hex digits (never the
/// number), and the message as received, commas and all. A header line is optional; blank lines
/// and lines starting with # are skipped. Identical messages from one sender within 12 hours
/// count once. Nothing is recorded: this shows what the observers would be told.
///
/// Example:
///   $ scrutineer observer check-sms forms/cambodia-observer.toml sms.csv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CheckSmsArgs {
    /// The form definition file.
    #[arg(value_name = "FORMS")]
    forms: PathBuf,
    /// The file of received messages.
    #[arg(value_name = "MESSAGES")]
    messages: PathBuf,
}

/// Larger files of messages are refused rather than read whole.
const MAX_FILE: u64 = 64 << 20;

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    if size > MAX_FILE {
        bail!("{}: {size} bytes, more than {MAX_FILE}", path.display());
    }
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::CheckSms(a) => check_sms(a),
    }
}

fn check_sms(a: CheckSmsArgs) -> anyhow::Result<()> {
    let name = a.forms.display().to_string();
    let text =
        String::from_utf8(read(&a.forms)?).map_err(|_| anyhow::anyhow!("{name}: not UTF-8"))?;
    let forms = observer::Forms::parse(&text, &name)?;
    let checked = observer::messages::check(&forms, &read(&a.messages)?);
    let file = a.messages.display().to_string();
    reviewing::write_stdout(&observer::messages::render(&file, &checked))?;
    let bad = checked
        .iter()
        .filter(|c| matches!(c, observer::messages::Checked::Bad(_)))
        .count();
    if bad > 0 {
        bail!("{bad} line(s) of {file} could not be read");
    }
    Ok(())
}
