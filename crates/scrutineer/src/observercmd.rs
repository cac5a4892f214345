//! `scrutineer observer`: observers' forms and reports, over the `observer` crate.

use observer::messages::{self, Checked};
use std::path::PathBuf;

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
/// FORMS is a form definition file (docs/observer-forms.md). MESSAGES has one message a line,
/// `time,sender_hmac,text`: UTC time (2028-07-30T07:02:11Z), the HMAC-SHA256 of the sender's
/// number in hex (never the number), and the text as received. Identical messages from one
/// sender within 12 hours count once. Nothing is recorded.
///
/// Example:
///   $ scrutineer observer check-sms forms/cambodia-observer.toml sms.csv
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct CheckSmsArgs {
    #[arg(value_name = "FORMS")]
    forms: PathBuf,
    #[arg(value_name = "MESSAGES")]
    messages: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let Command::CheckSms(a) = args.command;
    let cap = |path, what| interchange::read_capped(path, 64 << 20, what);
    let name = a.forms.display().to_string();
    let text = String::from_utf8(cap(&a.forms, "a form definition file")?)
        .map_err(|_| anyhow::anyhow!("{name}: not UTF-8"))?;
    let forms = observer::Forms::parse(&text, &name)?;
    let checked = messages::check(&forms, &cap(&a.messages, "a file of messages")?);
    let file = a.messages.display().to_string();
    crate::reviewing::write_stdout(&messages::render(&file, &checked))?;
    match checked
        .iter()
        .filter(|c| matches!(c, Checked::Bad(_)))
        .count()
    {
        0 => Ok(()),
        bad => anyhow::bail!("{bad} line(s) of {file} could not be read"),
    }
}
