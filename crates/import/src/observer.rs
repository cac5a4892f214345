//! Observers' files into an election (`docs/observer-forms.md`): a form definition file
//! recorded by an observer of the organisation ([`define_forms`]), a file of checklists and
//! incidents, one JSON object a line, each signed by the observer ([`submit_reports`]), and a
//! file of received SMS packed many to an entry and signed by the organisation's gateway
//! ([`receive_sms`]). Each is taken whole or not at all; a refusal names the file and line.
//! What the fold made of them (flags, each message's reply) is read back through
//! `ledger::report`.

use std::fmt::Write as _;
use std::path::Path;

use ledger::event::{Entry, Event, ObserverForms, SmsChannel, SmsMessage, SmsMessages};
use ledger::report::observer::{RecordedSms, sms_messages};
use ledger::report::{Flag, FlagFilter, flags};
use ledger::{Election, SubmitError};
use serde::Serialize;

use crate::{Error, Result, Span};

/// The largest file read: a definition, or a day of reports or messages.
const MAX_FILE: u64 = 64 << 20;
/// Messages are packed into an entry up to about this many bytes of body, below the log's
/// 65,535-byte entry limit with room for the envelope.
const ENTRY_BYTES: usize = 60_000;

fn read_text(path: &Path, what: &str) -> Result<String> {
    let bytes = interchange::read_capped(path, MAX_FILE, what)?;
    String::from_utf8(bytes).map_err(|e| {
        Error::Refused(format!(
            "{}: not UTF-8 (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// A submission refused: which line (or lines) of the file, and why.
fn refused(path: &Path, e: SubmitError, line_of: impl Fn(usize) -> String) -> Error {
    match e {
        SubmitError::Refused { position, refusal } => Error::Refused(format!(
            "refused, nothing was recorded: {}: {}: {}: {}",
            path.display(),
            line_of(position),
            refusal.path,
            refusal.message
        )),
        other => Error::Submit(other),
    }
}

/// What was recorded, and the flags raised on it.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    pub file: String,
    pub entries: Span,
    pub flags: Vec<Flag>,
}

impl Recorded {
    fn read(election: &Election, path: &Path, entries: Span) -> Result<Recorded> {
        let flags = flags(election.conn(), &FlagFilter::default())?
            .into_iter()
            .filter(|f| (entries.first..=entries.last).contains(&f.index))
            .collect();
        Ok(Recorded {
            file: path.display().to_string(),
            entries,
            flags,
        })
    }

    /// "recorded FILE at entries 12..14", then each flag on a line.
    pub fn text(&self, what: &str) -> String {
        let mut o = format!(
            "recorded {what} of {} at log entries {}\n",
            self.file, self.entries
        );
        for f in &self.flags {
            let _ = writeln!(
                o,
                "  flagged entry {}: {}: {}",
                f.index,
                f.kind,
                f.detail["message"].as_str().unwrap_or("")
            );
        }
        o
    }
}

fn span(receipt: &ledger::election::Receipt) -> Span {
    Span {
        first: receipt.first,
        last: receipt.first + receipt.applied.len() as u64 - 1,
    }
}

/// Records the form definition file at `path`, signed by `key`, an observer of the
/// organisation whose forms they are.
pub fn define_forms(
    election: &mut Election,
    key: &tlog::PrivateKey,
    path: &Path,
) -> Result<Recorded> {
    let text = read_text(path, "a form definition file")?;
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    // Read here first, so that a definition that does not read is refused by its file's line.
    ::observer::Forms::parse(&text, &file).map_err(|e| Error::Refused(e.to_string()))?;
    let entry = Entry::signed(Event::ObserverForms(ObserverForms { file, text }), key);
    let receipt = election
        .submit(&[entry.to_bytes()])
        .map_err(|e| refused(path, e, |_| "the definition".into()))?;
    Recorded::read(election, path, span(&receipt))
}

/// Records the checklists and incidents of `path`, one JSON object a line, each signed by
/// `key`, the observer: the event's body with `"kind": "checklist"` or `"incident"` beside it
/// (docs/observer-forms.md). Blank lines are skipped.
pub fn submit_reports(
    election: &mut Election,
    key: &tlog::PrivateKey,
    path: &Path,
) -> Result<Recorded> {
    let text = read_text(path, "a file of observer reports")?;
    let mut events = String::new();
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad =
            |why: String| Error::Refused(format!("{}: line {}: {why}", path.display(), i + 1));
        let mut body: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let kind = match body.remove("kind").as_ref().and_then(|k| k.as_str()) {
            Some("checklist") => "observer_checklist",
            Some("incident") => "observer_incident",
            _ => return Err(bad("kind: \"checklist\" or \"incident\"".into())),
        };
        let _ = writeln!(
            events,
            "{}",
            serde_json::json!({"kind": kind, "body": body})
        );
        lines.push(i + 1);
    }
    if lines.is_empty() {
        return Err(Error::Refused(format!(
            "{} holds no reports",
            path.display()
        )));
    }
    let signed = ledger::event::sign_lines(&events, key).map_err(|(n, why)| {
        Error::Refused(format!(
            "{}: line {}: {why}",
            path.display(),
            lines[n.saturating_sub(1)]
        ))
    })?;
    let entries: Vec<Vec<u8>> = signed.into_iter().map(|(_, e)| e).collect();
    let receipt = election
        .submit(&entries)
        .map_err(|e| refused(path, e, |p| format!("line {}", lines[p])))?;
    Recorded::read(election, path, span(&receipt))
}

/// One message of the file, as recorded, with the line it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub line: usize,
    #[serde(flatten)]
    pub recorded: RecordedSms,
}

/// What a file of messages became.
#[derive(Debug, Clone, Serialize)]
pub struct SmsReport {
    pub recorded: Recorded,
    pub messages: Vec<Received>,
}

impl SmsReport {
    /// Each message and its reply, then the counts and the flags.
    pub fn text(&self) -> String {
        let mut o = String::new();
        for m in &self.messages {
            let r = &m.recorded;
            let _ = writeln!(
                o,
                "line {} {} {}: {}\n  {}: {}",
                m.line,
                ::observer::messages::format_time(r.received_at as i64),
                &r.sender[..8],
                r.text.trim(),
                r.status,
                r.reply
            );
        }
        let count = |s: &str| {
            self.messages
                .iter()
                .filter(|m| m.recorded.status == s)
                .count()
        };
        let _ = writeln!(
            o,
            "{} messages: {} accepted, {} accepted with flags, {} refused, {} repeats counted once, {} from unregistered numbers",
            self.messages.len(),
            count("accepted"),
            count("flagged"),
            count("refused"),
            count("repeat"),
            count("unknown_sender")
        );
        o.push_str(&self.recorded.text("the messages"));
        o
    }
}

/// Records the messages of `path` (`time,sender_hmac,text`, as `observer check-sms` reads
/// them), packed many to an entry and signed by `key`, the organisation's SMS gateway; the
/// channel is unsigned. Every line must read: one that does not refuses the file, naming it.
pub fn receive_sms(
    election: &mut Election,
    key: &tlog::PrivateKey,
    path: &Path,
) -> Result<SmsReport> {
    let bytes = interchange::read_capped(path, MAX_FILE, "a file of messages")?;
    let mut read = Vec::new();
    for m in ::observer::messages::read(&bytes) {
        let m = m.map_err(|e| {
            Error::Refused(format!(
                "{}: line {}: {}: {}",
                path.display(),
                e.line,
                e.field,
                e.message
            ))
        })?;
        let received_at = u64::try_from(m.time).map_err(|_| {
            Error::Refused(format!(
                "{}: line {}: time: before 1970",
                path.display(),
                m.line
            ))
        })?;
        read.push((
            m.line,
            SmsMessage {
                received_at,
                sender: m.sender.as_str().to_string(),
                text: m.text,
            },
        ));
    }
    if read.is_empty() {
        return Err(Error::Refused(format!(
            "{} holds no messages",
            path.display()
        )));
    }
    // Entries of messages up to ENTRY_BYTES each, and each entry's first line.
    let mut packs: Vec<(usize, Vec<SmsMessage>)> = Vec::new();
    let mut bytes = 0;
    for (line, m) in &read {
        let size = serde_json::to_string(m)
            .expect("a message serialises")
            .len()
            + 1;
        match packs.last_mut() {
            Some((_, pack)) if bytes + size <= ENTRY_BYTES => pack.push(m.clone()),
            _ => {
                packs.push((*line, vec![m.clone()]));
                bytes = 0;
            }
        }
        bytes += size;
    }
    let entries: Vec<Vec<u8>> = packs
        .iter()
        .map(|(_, messages)| {
            Entry::signed(
                Event::SmsMessages(SmsMessages {
                    channel: SmsChannel::Unsigned,
                    messages: messages.clone(),
                }),
                key,
            )
            .to_bytes()
        })
        .collect();
    let receipt = election.submit(&entries).map_err(|e| {
        refused(path, e, |p| {
            format!("the messages from line {}", packs[p].0)
        })
    })?;
    let entries = span(&receipt);
    let recorded: Vec<RecordedSms> = sms_messages(election.conn())?
        .into_iter()
        .filter(|m| (entries.first..=entries.last).contains(&m.index))
        .collect();
    let messages = recorded
        .into_iter()
        .zip(&read)
        .map(|(recorded, (line, _))| Received {
            line: *line,
            recorded,
        })
        .collect();
    Ok(SmsReport {
        recorded: Recorded::read(election, path, entries)?,
        messages,
    })
}
