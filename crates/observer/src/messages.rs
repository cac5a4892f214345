//! A file of received messages, checked one by one: what `scrutineer observer check-sms` reads
//! and prints.
//!
//! One message a line, `time,sender_hmac,text`:
//!
//! ```text
//! time,sender_hmac,text
//! 2028-07-29T07:02:11Z,3b1f…(64 hex digits)…,OPN 1234 AA1AB2 @all fine
//! ```
//!
//! `time` is UTC, `YYYY-MM-DDTHH:MM:SSZ`; `sender_hmac` is the HMAC-SHA256 of the sender's
//! number as 64 hex digits (never the number); `text` is the rest of the line as it is, commas
//! included, with no quoting. The header line is optional; blank lines and lines starting with
//! `#` are skipped. A line that cannot be read is reported by its number and field, and the
//! others are still checked.

use std::fmt::Write;

use crate::form::Forms;
use crate::sms::{self, Admission, Outcome, Repeats, SenderHmac};

/// One line of the file, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub line: usize,
    pub time: i64,
    pub sender: SenderHmac,
    pub text: String,
}

/// A line that could not be read: its number, the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub field: &'static str,
    pub message: String,
}

/// Reads the file's lines, each a message or an error.
pub fn read(bytes: &[u8]) -> Vec<Result<Message, LineError>> {
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let err = |field, message: String| {
            Err(LineError {
                line,
                field,
                message,
            })
        };
        let Ok(text) = std::str::from_utf8(raw) else {
            out.push(err("line", "is not UTF-8".into()));
            continue;
        };
        let text = text.strip_suffix('\r').unwrap_or(text);
        if text.trim().is_empty()
            || text.starts_with('#')
            || (line == 1 && text.trim().eq_ignore_ascii_case("time,sender_hmac,text"))
        {
            continue;
        }
        let mut parts = text.splitn(3, ',');
        let (Some(time), Some(sender), Some(message)) = (parts.next(), parts.next(), parts.next())
        else {
            out.push(err("line", "expected time,sender_hmac,text".into()));
            continue;
        };
        let time = match parse_time(time.trim()) {
            Ok(t) => t,
            Err(m) => {
                out.push(err("time", m));
                continue;
            }
        };
        match SenderHmac::parse(sender) {
            Ok(sender) => out.push(Ok(Message {
                line,
                time,
                sender,
                text: message.to_string(),
            })),
            Err(m) => out.push(err("sender_hmac", m)),
        }
    }
    out
}

/// Days since 1970-01-01 of a date in the proleptic Gregorian calendar (H. Hinnant's
/// days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_time(s: &str) -> Result<i64, String> {
    let bad = || format!("{s:?} is not a UTC time YYYY-MM-DDTHH:MM:SSZ");
    let b = s.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return Err(bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            Ok(part.parse().expect("digits"))
        } else {
            Err(bad())
        }
    };
    let (y, mo, d, h, mi, se) = (
        num(0..4)?,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let month_days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if d < 1 || d > month_days || h > 23 || mi > 59 || se > 59 {
        return Err(bad());
    }
    Ok(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// `YYYY-MM-DDTHH:MM:SSZ` of seconds since 1970.
pub fn format_time(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The reply to a repeat of a message counted at `counted_at`.
pub fn repeat_reply(counted_at: i64) -> String {
    format!(
        "Already received at {}; counted once.",
        format_time(counted_at)
            .replace('T', " ")
            .replace('Z', " UTC")
    )
}

/// What became of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    Bad(LineError),
    Repeat { message: Message, counted_at: i64 },
    Read { message: Message, outcome: Outcome },
}

impl Checked {
    /// The reply the sender gets (none for a line that could not be read).
    pub fn reply(&self) -> Option<String> {
        match self {
            Checked::Bad(_) => None,
            Checked::Repeat { counted_at, .. } => Some(repeat_reply(*counted_at)),
            Checked::Read { outcome, .. } => Some(outcome.reply()),
        }
    }
}

/// Reads the file and each message in turn, repeats counted once.
pub fn check(forms: &Forms, bytes: &[u8]) -> Vec<Checked> {
    let mut repeats = Repeats::new();
    read(bytes)
        .into_iter()
        .map(|m| match m {
            Err(e) => Checked::Bad(e),
            Ok(message) => match repeats.admit(&message.sender, message.time, &message.text) {
                Admission::Repeat { counted_at } => Checked::Repeat {
                    message,
                    counted_at,
                },
                Admission::Counted => {
                    let outcome = sms::read(forms, &message.text);
                    Checked::Read { message, outcome }
                }
            },
        })
        .collect()
}

/// The text `check-sms` prints: each message and its reply, then the counts. `file` names the
/// file in the lines that could not be read.
pub fn render(file: &str, checked: &[Checked]) -> String {
    let mut out = String::new();
    let (mut ok, mut flagged, mut refused, mut repeats, mut bad) = (0, 0, 0, 0, 0);
    for c in checked {
        match c {
            Checked::Bad(e) => {
                bad += 1;
                let _ = writeln!(out, "{file}: line {}: {}: {}", e.line, e.field, e.message);
                continue;
            }
            Checked::Repeat { message, .. } | Checked::Read { message, .. } => {
                let _ = writeln!(
                    out,
                    "line {} {} {}: {}",
                    message.line,
                    format_time(message.time),
                    &message.sender.as_str()[..8],
                    message.text.trim()
                );
            }
        }
        match c {
            Checked::Repeat { .. } => repeats += 1,
            Checked::Read {
                outcome: Outcome::Accepted { flags, .. },
                ..
            } if !flags.is_empty() => flagged += 1,
            Checked::Read {
                outcome: Outcome::Accepted { .. },
                ..
            } => ok += 1,
            _ => refused += 1,
        }
        let _ = writeln!(out, "  reply: {}", c.reply().unwrap_or_default());
    }
    let _ = writeln!(
        out,
        "{} messages: {ok} reports accepted, {flagged} accepted with flags, {refused} refused, {repeats} repeats counted once, {bad} lines unreadable",
        checked.len()
    );
    out
}
