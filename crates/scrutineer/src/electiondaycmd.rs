//! Election day's record: `complain`, `complaints`, `reconcile` (ballots per station) and
//! `flags` (every public flag and poll-book alert).

use crate::reviewing::{ElectionArgs, fail, open, print_json, write_stdout};
use ledger::event::{Complaint, Event};
use serde::Serialize;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// File a complaint about a station or an area, as a party agent or an observer.
///
/// Its log index is its id; this machine's time is its claimed time. The commission decides it
/// (`propose ... complaint-decision ID --status STATUS`) by deadlines judged by witness time.
///
///   scrutineer complain kh-2013 --station 0101-001 --category intimidation --text "..." --as a.key
#[derive(clap::Args)]
pub struct ComplainArgs {
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// The station the complaint is about.
    #[arg(long, required_unless_present = "area", conflicts_with = "area")]
    station: Option<String>,
    /// The area the complaint is about, instead of a station.
    #[arg(long)]
    area: Option<String>,
    /// A short word: intimidation, vote_buying, ...
    #[arg(long)]
    category: String,
    /// What happened.
    #[arg(long)]
    text: String,
    /// The SHA-256 (hex) of a piece of evidence kept outside the log; repeat.
    #[arg(long)]
    evidence: Vec<String>,
    /// Your key as a party agent or observer.
    #[arg(long = "as")]
    key: PathBuf,
}

pub fn complain(a: ComplainArgs) -> anyhow::Result<()> {
    let (_, mut election) = crate::logdir::open_election(&a.dir)?;
    let complaint = Complaint {
        area: a.area,
        category: a.category,
        evidence: a.evidence,
        station: a.station,
        text: a.text,
        time: Some(SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs()),
    };
    let key = crate::logdir::read_key(&a.key)?;
    let index = crate::refusal::sign_and_submit(&mut election, Event::Complaint(complaint), &key)?;
    println!("complaint {index} recorded");
    Ok(())
}

/// Reconcile the ballots on each station's official form, and sum the gaps by area.
///
/// received = issued + spoiled + unused; issued = check-ins (pseudonyms and cards); valid +
/// invalid = issued. A form without the ballot-accounting fields is counted, not a gap.
///
///   scrutineer reconcile kh-2013 --area 01
#[derive(clap::Args)]
pub struct List {
    #[command(flatten)]
    election: ElectionArgs,
    /// Only this area (its code) and everything below it.
    #[arg(long)]
    area: Option<String>,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
}

/// Opens the election, runs the review and prints its report.
fn show<T: Serialize>(
    l: &List,
    run: impl FnOnce(&review::Review, Option<&str>) -> review::Result<T>,
    text: fn(&T) -> String,
) -> anyhow::Result<()> {
    let r = run(&open(&l.election)?, l.area.as_deref()).map_err(fail)?;
    if l.json {
        return print_json(&r);
    }
    write_stdout(&text(&r))
}

pub fn reconcile(l: List) -> anyhow::Result<()> {
    let text = review::render::reconcile::reconciliation;
    show(&l, review::reconcile::reconcile, text)
}

/// List the complaints: status, deadlines by witness time, decisions and their reasons.
///
/// Overdue: waiting past a deadline, as a recorded checkpoint's witness time shows.
///
///   scrutineer complaints kh-2013 --overdue
#[derive(clap::Args)]
pub struct ComplaintsArgs {
    #[command(flatten)]
    list: List,
    /// Only the complaints that are overdue.
    #[arg(long)]
    overdue: bool,
}

pub fn complaints(a: ComplaintsArgs) -> anyhow::Result<()> {
    let run = |r: &_, area: Option<&str>| review::complaints::complaints(r, area, a.overdue);
    show(&a.list, run, review::render::complaints::complaints)
}

/// List every public flag and poll-book alert, in log order, with its entry index.
///
/// Flags (docs/flags.md) and alerts (docs/pollbook.md): forms that do not add up, complaints
/// overdue, second check-ins, cards misused...
///
///   scrutineer flags kh-2013 --kind double_checkin --area 0102 --json
#[derive(clap::Args)]
pub struct FlagsArgs {
    #[command(flatten)]
    list: List,
    /// Only this kind of flag or alert.
    #[arg(long)]
    kind: Option<String>,
}

pub fn flags(a: FlagsArgs) -> anyhow::Result<()> {
    let run = |r: &_, area: Option<&str>| review::flags::findings(r, a.kind.as_deref(), area);
    show(&a.list, run, review::render::flags::findings)
}
