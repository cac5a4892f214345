//! `scrutineer observer`: observers' forms, reports and SMS: recorded through `import::observer`,
//! reviewed through `review::observer`, or coded SMS checked through the `observer` crate.

use crate::logdir::{open_election, read_key};
use crate::reviewing::{ElectionArgs, fail, open, print_json, write_stdout};
use observer::messages::{self, Checked};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    CheckSms(CheckSmsArgs),
    Define(RecordArgs),
    Submit(RecordArgs),
    ReceiveSms(RecordArgs),
    Show(ShowArgs),
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

/// define: record an organisation's form definition file, signed by one of its observers; a
/// later version of a form supersedes the earlier, and every version is kept.
/// submit: record checklists and incidents, one JSON object a line, each signed by the
/// observer: the event's body with "kind": "checklist" or "incident" (docs/observer-forms.md).
/// What does not fit the form is recorded and flagged, never refused.
/// receive-sms: record received SMS (`time,sender_hmac,text`, as check-sms reads them), signed
/// by the organisation's SMS gateway, and print each message's reply.
///
/// Examples:
///   $ scrutineer observer define kh-2013 forms/cambodia-observer.toml --as obs.key
///   $ scrutineer observer submit kh-2013 reports.jsonl --as obs.key
///       {"kind":"checklist","answers":{"AA":{"integer":5},"AB":{"select":2}},"at":1848553200,
///        "form":"OPN","schedule":"opening","station":"0101-001","version":1}
///   $ scrutineer observer receive-sms kh-2013 sms.csv --as gateway.key
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct RecordArgs {
    /// The election's directory.
    dir: PathBuf,
    /// The file to record.
    file: PathBuf,
    /// The signing key (an observer's; for receive-sms, the SMS gateway's).
    #[arg(long = "as", value_name = "KEYFILE")]
    key: PathBuf,
    /// Print what was recorded as JSON.
    #[arg(long)]
    json: bool,
}

/// The observers' record: forms and versions, checklists per form and point of the day,
/// incidents by category and severity, merged station records with their conflicting fields,
/// SMS with their replies, and the flags.
///
/// Example:
///   $ scrutineer observer show kh-2013
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ShowArgs {
    #[command(flatten)]
    election: ElectionArgs,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    match args.command {
        Command::CheckSms(a) => check_sms(a),
        Command::Define(a) => record(a, import::observer::define_forms, "the forms"),
        Command::Submit(a) => record(a, import::observer::submit_reports, "the reports"),
        Command::ReceiveSms(a) => {
            let (_, mut election) = open_election(&a.dir)?;
            let r = import::observer::receive_sms(&mut election, &read_key(&a.key)?, &a.file)?;
            if a.json {
                return print_json(&r);
            }
            write_stdout(&r.text())
        }
        Command::Show(a) => {
            let r = review::observer::observers(&open(&a.election)?).map_err(fail)?;
            if a.json {
                return print_json(&r);
            }
            write_stdout(&review::render::observer::observers(&r))
        }
    }
}

type Recorder = fn(
    &mut ledger::Election,
    &tlog::PrivateKey,
    &Path,
) -> import::Result<import::observer::Recorded>;

fn record(a: RecordArgs, how: Recorder, what: &str) -> anyhow::Result<()> {
    let (_, mut election) = open_election(&a.dir)?;
    let r = how(&mut election, &read_key(&a.key)?, &a.file)?;
    if a.json {
        return print_json(&r);
    }
    write_stdout(&r.text(what))
}

fn check_sms(a: CheckSmsArgs) -> anyhow::Result<()> {
    let cap = |path, what| interchange::read_capped(path, 64 << 20, what);
    let name = a.forms.display().to_string();
    let text = String::from_utf8(cap(&a.forms, "a form definition file")?)
        .map_err(|_| anyhow::anyhow!("{name}: not UTF-8"))?;
    let forms = observer::Forms::parse(&text, &name)?;
    let checked = messages::check(&forms, &cap(&a.messages, "a file of messages")?);
    let file = a.messages.display().to_string();
    write_stdout(&messages::render(&file, &checked))?;
    match checked
        .iter()
        .filter(|c| matches!(c, Checked::Bad(_)))
        .count()
    {
        0 => Ok(()),
        bad => anyhow::bail!("{bad} line(s) of {file} could not be read"),
    }
}
