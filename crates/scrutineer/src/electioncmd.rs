//! The election's commands: init, sign-genesis, submit, propose, approve, reject, status,
//! publish and replay.

use crate::logdir::{LogDir, open_election as open, read_key};
use crate::refusal::{explain_in, report_applied, sign_and_submit};
use anyhow::bail;
use ledger::event::*;
use std::path::PathBuf;

/// Start an election: make its log and record the genesis, signed by every founding member.
///
/// The configuration (TOML) names the election, the log's origin, the parties, the commission's
/// members and their keys, the approval rule, the area levels and the contests; see
/// `docs/election-config.md` or the demo's configuration for a full example. The genesis must be
/// signed by every founding member: give each member's key with --member-key, or have each
/// member run `scrutineer sign-genesis CONFIG --key THEIR.key > NAME.sig` on their own machine
/// and pass the files with --signature.
///
///   scrutineer init kh-2013 --config election.toml --key log.key --signature m1.sig --signature m2.sig ...
#[derive(clap::Args)]
pub struct InitArgs {
    /// The directory to create for the election (its log and state).
    dir: PathBuf,
    /// The election configuration (TOML; see docs/election-config.md).
    #[arg(long)]
    config: PathBuf,
    /// The log's checkpoint-signing key (its name must be the configuration's origin).
    #[arg(long)]
    key: PathBuf,
    /// A founding member's private key; repeat.
    #[arg(long = "member-key")]
    member_keys: Vec<PathBuf>,
    /// A file written by `scrutineer sign-genesis`; repeat.
    #[arg(long = "signature")]
    signatures: Vec<PathBuf>,
}

pub fn init(a: InitArgs) -> anyhow::Result<()> {
    let (m, s) = (&a.member_keys, &a.signatures);
    println!(
        "{}",
        ledger::dir::init_election(&a.dir, &a.config, &a.key, m, s)?.1
    );
    Ok(())
}

/// Sign the genesis of an election configuration as a founding member.
///
/// Prints one line, "<member> <signature>"; give the file to whoever runs `scrutineer init`.
/// Check the configuration before signing: the signature covers all of it.
#[derive(clap::Args)]
pub struct SignGenesisArgs {
    /// The election configuration (TOML) whose genesis you sign.
    config: PathBuf,
    /// Your private key as a founding member.
    #[arg(long)]
    key: PathBuf,
}

pub fn sign_genesis(a: SignGenesisArgs) -> anyhow::Result<()> {
    println!(
        "{}",
        ledger::config::sign_genesis_file(&a.config, &a.key).map_err(anyhow::Error::msg)?
    );
    Ok(())
}

/// Sign and submit events from a file of JSON lines, all or none.
///
/// Each line is {"kind": KIND, "body": {...}}; each is signed with --as and the whole file is
/// submitted as one step: if any event is refused, none is recorded, and the error names the
/// line and the field. Kinds: enrol, revoke, register, update_voter, transfer, result_form,
/// proposal, approval, rejection.
///
///   scrutineer submit kh-2013 --as agent.key forms.jsonl
#[derive(clap::Args)]
pub struct SubmitArgs {
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// The events, one JSON object per line.
    file: PathBuf,
    /// The signing key.
    #[arg(long = "as")]
    key: PathBuf,
}

pub fn submit(a: SubmitArgs) -> anyhow::Result<()> {
    let (_, mut election) = open(&a.dir)?;
    let receipt = import::submit_events_file(&mut election, &a.file, &read_key(&a.key)?).map_err(
        |e| match e {
            import::EventsError::Submit(e) => explain_in(&a.dir, e),
            e => e.into(),
        },
    )?;
    let (first, n) = (receipt.first, receipt.applied.len() as u64);
    let last = first + n - 1;
    println!("recorded {n} events at log indexes {first}..{last}");
    report_applied(&receipt.applied, receipt.first);
    Ok(())
}

/// Propose a governed action; it takes effect once the commission's approval rule is met.
///
/// Members then approve it with `scrutineer approve DIR PROPOSAL --as MEMBER.key`. The proposal
/// id is printed; any unique prefix of 8 or more digits will do.
#[derive(clap::Args)]
pub struct ProposeArgs {
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// The proposer's key (a commission member or clerk; a registration officer for voter removals).
    #[arg(long = "as")]
    key: PathBuf,
    /// Why: recorded in the log with the proposal.
    #[arg(long)]
    reason: String,
    /// Members asked to decide (needed for every party when the rule says so); repeat.
    #[arg(long = "ask")]
    asked: Vec<String>,
    #[command(subcommand)]
    action: ProposedAction,
}

/// Each action's words, serialised as the event spells the action (`docs/election-config.md`).
#[derive(clap::Subcommand, serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum ProposedAction {
    /// Remove a voter from the roll.
    RemoveVoter {
        voter: String,
        /// deceased, duplicate, not_eligible, moved_away, court_order or own_request
        #[arg(long = "because")]
        #[serde(rename = "reason")]
        because: String,
    },
    /// Put a wrongly removed voter back on the roll (the proposal's --reason says why).
    ReinstateVoter { voter: String },
    /// Enrol a key.
    Enrol(EnrolWords),
    /// Revoke a key.
    Revoke { name: String },
    /// Change the approval rule itself.
    ChangeRule {
        #[arg(long)]
        min_approvals: u32,
        #[arg(long)]
        min_parties: u32,
        #[arg(long)]
        every_party_asked: bool,
    },
    /// Add or change a polling station.
    Station {
        code: String,
        #[arg(long)]
        area: String,
        #[arg(long)]
        registered: Option<u64>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Add an area.
    Area {
        code: String,
        #[arg(long)]
        level: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        parent: Option<String>,
    },
    /// Move a complaint on; the proposal's --reason gives the commission's reasons.
    ComplaintDecision {
        /// The complaint's id (its log index).
        complaint: u64,
        /// under_investigation, upheld or dismissed
        #[arg(long)]
        status: String,
    },
    /// Certify an area's totals in a contest, as the official result forms give them now.
    Certify {
        #[arg(long)]
        contest: String,
        #[arg(long)]
        area: String,
    },
}

/// A key to enrol, in words.
#[derive(clap::Args, serde::Serialize)]
struct EnrolWords {
    /// The key's verifier key (its name becomes the signer's name).
    vkey: String,
    /// commission_member, commission_clerk, registration_officer, polling_official,
    /// party_agent, observer or witness
    #[arg(long)]
    role: String,
    #[arg(long)]
    party: Option<String>,
    #[arg(long)]
    organisation: Option<String>,
    #[arg(long)]
    person: Option<String>,
    /// Area codes where the key may act (default: all).
    #[arg(long, value_delimiter = ',')]
    scope: Vec<String>,
}

pub fn propose(a: ProposeArgs) -> anyhow::Result<()> {
    let (_, mut election) = open(&a.dir)?;
    let key = read_key(&a.key)?;
    let reason = a.reason.clone();
    let action = match a.action {
        ProposedAction::ReinstateVoter { voter } => {
            Action::ReinstateVoter(ReinstateVoter { reason, voter })
        }
        ProposedAction::Revoke { name } => Action::Revoke(Revoke { name, reason }),
        ProposedAction::Enrol(w) => Action::Enrol(Enrol {
            organisation: w.organisation,
            party: w.party,
            person: w.person,
            ..Enrol::of_key(w.vkey, &w.role, w.scope).map_err(anyhow::Error::msg)?
        }),
        ProposedAction::Certify { contest, area } => Action::Certify(
            ledger::report::certification(election.conn(), &contest, &area)?,
        ),
        words => serde_json::from_value(serde_json::to_value(words)?)
            .map_err(|e| anyhow::anyhow!("the proposed action: {e}"))?,
    };
    let (asked, reason) = (a.asked, a.reason);
    let proposal = Event::Proposal(Proposal {
        action,
        asked,
        reason,
    });
    sign_and_submit(&mut election, proposal, &key).map(|_| ())
}

/// Approve a pending proposal as a commission member.
#[derive(clap::Args)]
pub struct DecideArgs {
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// The proposal id (or a unique prefix of 8 or more digits).
    proposal: String,
    /// Your key as a commission member.
    #[arg(long = "as")]
    key: PathBuf,
}

/// Reject a pending proposal as a commission member.
#[derive(clap::Args)]
pub struct RejectArgs {
    #[command(flatten)]
    pub decide: DecideArgs,
    /// Why: recorded in the log with the rejection.
    #[arg(long)]
    pub reason: String,
}

pub fn decide(a: &DecideArgs, reason: Option<String>) -> anyhow::Result<()> {
    let (_, mut election) = open(&a.dir)?;
    let key = read_key(&a.key)?;
    let proposal = ledger::report::find_proposal(election.conn(), &a.proposal)?;
    let event = match reason {
        None => Event::Approval(Approval { proposal }),
        Some(reason) => Event::Rejection(Rejection { proposal, reason }),
    };
    sign_and_submit(&mut election, event, &key).map(|_| ())
}

/// Show the election: its size, rule, members, and what is pending approval, by whom.
///
/// With --check, check the store on disk instead: SQLite's integrity check of log.db, every
/// entry hashed again and every tile and the root rebuilt from them, every stored
/// checkpoint's signature and root, and every private file of a voter roll in DIR/private
/// against the commitments of its batch; each problem on one line, and a non-zero exit if any.
/// `publish` and `log witness` check what is new on every run; --check reads everything.
///
///   scrutineer status kh-2013
///   scrutineer status kh-2013 --check
#[derive(clap::Args)]
#[command(verbatim_doc_comment)]
pub struct StatusArgs {
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// Print as JSON.
    #[arg(long)]
    json: bool,
    /// Check the whole store on disk (see above) instead of showing the election.
    #[arg(long, conflicts_with = "json")]
    check: bool,
}

pub fn status(a: StatusArgs) -> anyhow::Result<()> {
    if a.check {
        // Before opening the election, whose opening may itself fail on a damaged store.
        LogDir::open(&a.dir)?;
        crate::logdir::check_store(&a.dir)?;
        let (_, election) = open(&a.dir)?;
        let (text, failed) = review::summary::check_private(&election, &a.dir)?;
        crate::reviewing::write_stdout(&text)?;
        if let Some(failed) = failed {
            bail!(failed);
        }
        return Ok(());
    }
    let (_, election) = open(&a.dir)?;
    let report = review::summary::Status::read(&election)?;
    if a.json {
        return crate::reviewing::print_json(&serde_json::to_value(&report)?);
    }
    crate::reviewing::write_stdout(&review::render::summary::status(&report))
}

/// Publish the election: the log's tiles (C2SP tlog-tiles), the signed state digest, and the
/// public site in OUT/site (open OUT/site/index.html, or serve OUT with any web server).
///
/// Anyone can then rebuild the state with `scrutineer replay OUT_OR_URL --vkey LOG_VKEY` and
/// compare digests.
#[derive(clap::Args)]
pub struct PublishArgs {
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// Where to write the static files (serve this directory as it is).
    out: PathBuf,
    /// Do not write the public site.
    #[arg(long)]
    no_site: bool,
}

pub fn publish(a: PublishArgs) -> anyhow::Result<()> {
    let (log_dir, mut election) = open(&a.dir)?;
    let bar = crate::progress::bar(0, "publishing tiles");
    let p = log_dir.publish(&mut election, &a.out, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    println!("{}", p.describe(&a.out));
    if !a.no_site {
        let log =
            review::summary::LogStatus::read(election.log().storage(), &log_dir.witness_vkeys()?)?;
        let review = review::Review::of_election(election, &a.dir.display().to_string())?;
        let started = std::time::Instant::now();
        let w = site::write(&review, Some(&log), &a.out)?;
        println!(
            "wrote the public site ({} files, {} bytes, in {:.1?}) to {}/index.html",
            w.files,
            w.bytes,
            started.elapsed(),
            w.dir.display()
        );
    }
    Ok(())
}

/// Rebuild an election's state from its published log alone, and print its numbers.
///
/// SOURCE is a published directory or URL. replay verifies the log (signature, witness quorum,
/// every hash), then folds every entry with the same checks the commission's intake applies:
/// every signature, role, scope and approval. It prints the state digest and compares it with
/// the commission's published one, then the headline numbers: registered voters by area, result
/// totals per source, and seats. Entries the fold refuses are listed: an honest log has none.
///
///   scrutineer replay https://log.example/kh-2013/ --vkey LOG_VKEY --witness W1 --witness W2
#[derive(clap::Args)]
pub struct ReplayArgs {
    /// The published directory or its http(s) URL.
    source: String,
    #[command(flatten)]
    trust: crate::trust::TrustArgs,
    /// Keep the rebuilt state in this SQLite file (it must not exist).
    #[arg(long)]
    state_db: Option<PathBuf>,
    /// Print the results as JSON.
    #[arg(long)]
    json: bool,
}

pub fn replay(a: ReplayArgs) -> anyhow::Result<()> {
    let policy = a.trust.policy()?;
    let limits = a.trust.limits();
    let (replayed, published) =
        crate::trust::replay_published(&a.source, &policy, a.state_db.as_deref(), &limits)?;
    let report = review::summary::Replayed::read(&replayed, published)?;
    if a.json {
        crate::reviewing::print_json(&serde_json::to_value(&report)?)?;
    } else {
        crate::reviewing::write_stdout(&review::render::summary::replayed(&report))?;
    }
    if !report.agrees() {
        bail!("the replayed election differs from what was published")
    }
    Ok(())
}
