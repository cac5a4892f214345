//! The election's commands: init, sign-genesis, submit, propose, approve, reject, status,
//! publish and replay.

use crate::logdir::{LogDir, open_election as open, read_key};
use crate::progress;
use crate::refusal::{explain, explain_in, report_applied};
use anyhow::{Context, bail};
use ledger::event::*;
use ledger::{Election, SubmitError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- init

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
    let g = ledger::config::read(&a.config).map_err(anyhow::Error::msg)?;
    let log_key = read_key(&a.key)?;
    if log_key.name() != g.origin {
        bail!(
            "the log key {} is named {:?} but the configuration's origin is {:?}",
            a.key.display(),
            log_key.name(),
            g.origin
        );
    }
    let mut sigs: BTreeMap<String, String> = BTreeMap::new();
    for path in &a.member_keys {
        let Some((name, sig)) = ledger::config::sign_genesis(&g, &read_key(path)?) else {
            bail!(
                "{} is not the key of any member in {}",
                path.display(),
                a.config.display()
            );
        };
        sigs.insert(name, sig);
    }
    for path in &a.signatures {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let (name, sig) = text.trim().split_once(' ').with_context(|| {
            format!(
                "{}: want one line \"<member> <signature>\" from `scrutineer sign-genesis`",
                path.display()
            )
        })?;
        sigs.insert(name.to_string(), sig.to_string());
    }
    let entry = ledger::config::signed_genesis(&g, sigs).map_err(anyhow::Error::msg)?;
    let log_dir = LogDir::init(&a.dir, Some(&g.origin), &a.key)?;
    let election = match Election::create(log_dir.log()?, &entry.to_bytes()) {
        Ok(e) => e,
        Err(e) => {
            // Leave nothing half made.
            let _ = std::fs::remove_dir_all(&a.dir);
            return Err(explain(e));
        }
    };
    println!(
        "started {:?} in {}: genesis signed by all {} members; log {}",
        g.election,
        a.dir.display(),
        g.members.len(),
        election.log().origin()
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
    let g = ledger::config::read(&a.config).map_err(anyhow::Error::msg)?;
    let Some((name, sig)) = ledger::config::sign_genesis(&g, &read_key(&a.key)?) else {
        bail!(
            "{} is not the key of any member in {}",
            a.key.display(),
            a.config.display()
        );
    };
    println!("{name} {sig}");
    Ok(())
}

// ---------------------------------------------------------------- submit

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
    let key = read_key(&a.key)?;
    let (lines, entries) = import::sign_events_file(&a.file, &key).map_err(anyhow::Error::msg)?;
    match election.submit(&entries) {
        Ok(receipt) => {
            println!(
                "recorded {} events at log indexes {}..{}",
                entries.len(),
                receipt.first,
                receipt.first + entries.len() as u64 - 1
            );
            report_applied(&receipt.applied, receipt.first);
            Ok(())
        }
        Err(SubmitError::Refused { position, refusal }) => bail!(
            "refused, nothing was recorded: {}: line {}: {}: {}",
            a.file.display(),
            lines[position.min(lines.len() - 1)],
            refusal.path,
            refusal.message
        ),
        Err(e) => Err(explain_in(&a.dir, e)),
    }
}

// ---------------------------------------------------------------- governance

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

#[derive(clap::Subcommand)]
enum ProposedAction {
    /// Remove a voter from the roll.
    RemoveVoter {
        voter: String,
        /// deceased, duplicate, not_eligible, moved_away, court_order or own_request
        #[arg(long = "because")]
        because: String,
    },
    /// Put a wrongly removed voter back on the roll (the proposal's --reason says why).
    ReinstateVoter { voter: String },
    /// Enrol a key.
    Enrol {
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
    },
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
    /// Certify an area's totals in a contest, as the official result forms give them now.
    Certify {
        #[arg(long)]
        contest: String,
        #[arg(long)]
        area: String,
    },
}

pub fn propose(a: ProposeArgs) -> anyhow::Result<()> {
    let (_, mut election) = open(&a.dir)?;
    let key = read_key(&a.key)?;
    let action = match a.action {
        ProposedAction::RemoveVoter { voter, because } => Action::RemoveVoter(RemoveVoter {
            reason: serde_json::from_value(serde_json::Value::String(because.clone()))
                .map_err(|_| anyhow::anyhow!("{because:?} is not a removal reason"))?,
            voter,
        }),
        ProposedAction::ReinstateVoter { voter } => Action::ReinstateVoter(ReinstateVoter {
            reason: a.reason.clone(),
            voter,
        }),
        ProposedAction::Enrol {
            vkey,
            role,
            party,
            organisation,
            person,
            scope,
        } => Action::Enrol(Enrol {
            organisation,
            party,
            person,
            ..Enrol::of_key(vkey, &role, scope).map_err(anyhow::Error::msg)?
        }),
        ProposedAction::Revoke { name } => Action::Revoke(Revoke {
            name,
            reason: a.reason.clone(),
        }),
        ProposedAction::ChangeRule {
            min_approvals,
            min_parties,
            every_party_asked,
        } => Action::ChangeRule(Rule {
            every_party_asked,
            min_approvals,
            min_parties,
        }),
        ProposedAction::Station {
            code,
            area,
            registered,
            name,
        } => Action::Station(Station {
            area,
            code,
            name,
            registered,
        }),
        ProposedAction::Area {
            code,
            level,
            name,
            parent,
        } => Action::Area(Area {
            code,
            level,
            name,
            parent,
        }),
        ProposedAction::Certify { contest, area } => Action::Certify(
            ledger::report::certification(election.conn(), &contest, &area)?,
        ),
    };
    let entry = Entry::signed(
        Event::Proposal(Proposal {
            action,
            asked: a.asked,
            reason: a.reason,
        }),
        &key,
    );
    let receipt = election.submit(&[entry.to_bytes()]).map_err(explain)?;
    report_applied(&receipt.applied, receipt.first);
    Ok(())
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
    /// The election's directory (made by `scrutineer init`).
    dir: PathBuf,
    /// The proposal id (or a unique prefix of 8 or more digits).
    proposal: String,
    /// Your key as a commission member.
    #[arg(long = "as")]
    key: PathBuf,
    /// Why: recorded in the log with the rejection.
    #[arg(long)]
    reason: String,
}

fn decide(dir: &Path, prefix: &str, key: &Path, reason: Option<String>) -> anyhow::Result<()> {
    let (_, mut election) = open(dir)?;
    let key = read_key(key)?;
    let proposal = ledger::report::find_proposal(election.conn(), prefix)?;
    let event = match reason {
        None => Event::Approval(Approval { proposal }),
        Some(reason) => Event::Rejection(Rejection { proposal, reason }),
    };
    let receipt = election
        .submit(&[Entry::signed(event, &key).to_bytes()])
        .map_err(explain)?;
    report_applied(&receipt.applied, receipt.first);
    Ok(())
}

pub fn approve(a: DecideArgs) -> anyhow::Result<()> {
    decide(&a.dir, &a.proposal, &a.key, None)
}

pub fn reject(a: RejectArgs) -> anyhow::Result<()> {
    decide(&a.dir, &a.proposal, &a.key, Some(a.reason))
}

// ---------------------------------------------------------------- status

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

// ---------------------------------------------------------------- publish

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
    let key = log_dir.key(election.log())?;
    let note = election.sign_checkpoint(&key)?;
    let bar = progress::bar(0, "publishing tiles");
    let published = tlog::publish::publish(election.log(), &note, &a.out, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })
    .map_err(|e| crate::logdir::publish_error(&a.dir, e))?;
    bar.finish_and_clear();
    let digest = election.digest()?;
    ledger::replay::write_digest(&a.out, &key, published.size, &digest)?;
    let cosignatures = tlog::note::open_checkpoint(&note)?
        .2
        .len()
        .saturating_sub(1);
    println!(
        "published {} entries to {} ({} files written); checkpoint with {cosignatures} cosignature(s); state digest {digest}",
        published.size,
        a.out.display(),
        published.written
    );
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

// ---------------------------------------------------------------- replay

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
