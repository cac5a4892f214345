//! Public-seed audits in the log. A commitment to the dice is recorded with the draw's
//! parameters ([`DrawPlan`]) before the roll is revealed; then the seed; then each round's
//! sample. [`Revealed`] is an audit whose seed can be drawn from; [`show`] checks an audit
//! end to end (the seed against its commitment, every recorded round against a fresh draw);
//! [`Recorder`] records a round's sample through the election's one intake path.

use std::path::{Path, PathBuf};

use ledger::event::{AuditCommitment, AuditSample, DrawPlan, Entry, Event, PvtPlan, RlaPlan};
use ledger::report::{AuditRecord, AuditRound};
use serde::{Deserialize, Serialize};
use stats::seed::AuditSeed;

use crate::error::{Differs, Error, Param, Result, refuse, state};
use crate::seed::{SeedRecord, commit, parse_seed};
use crate::text::group;
use crate::{Provenance, Review, pvt, rla};

/// An audit whose seed has been revealed, as `rla` and `pvt` use it.
#[derive(Debug, Clone)]
pub struct Revealed {
    pub record: AuditRecord,
    pub seed: AuditSeed,
    pub plan: DrawPlan,
}

impl Revealed {
    /// Reads audit `id` from an election's state: it must be committed, revealed, with a
    /// seed that matches its commitment and a draw plan.
    pub fn read(review: &Review, id: &str) -> Result<Revealed> {
        let Some(record) = state(ledger::report::audit(review.conn(), id))? else {
            return Err(Error::param(
                Param::Audit,
                format!(
                    "{{}} {id:?}: the election has no such audit (`scrutineer audit show ELECTION` lists them)"
                ),
            ));
        };
        let (Some(seed), Some(salt)) = (&record.seed, &record.salt) else {
            refuse!(
                "audit {id:?} has not revealed its seed yet: reveal it first with \
                 `scrutineer audit reveal DIR --audit {id} --as KEY`"
            );
        };
        if ledger::audit::commitment(salt, seed) != record.commitment {
            refuse!(
                "audit {id:?}: the recorded seed and salt do not match the commitment at entry {}; \
                 nothing can be drawn from them",
                record.committed_at
            );
        }
        let seed = parse_seed(seed)?;
        let Some(plan) = record.draw.clone() else {
            refuse!(
                "audit {id:?} was committed without the draw's parameters, so no draw can be \
                 checked against it"
            );
        };
        Ok(Revealed { record, seed, plan })
    }

    /// The recorded rounds, checked to run 1, 2, … without a gap.
    pub fn rounds(&self) -> Result<&[AuditRound]> {
        for (i, r) in self.record.rounds.iter().enumerate() {
            if r.round as usize != i + 1 {
                refuse!(
                    "audit {:?} records round {} but not round {}: its draws cannot be numbered",
                    self.record.id,
                    r.round,
                    i + 1
                );
            }
        }
        Ok(&self.record.rounds)
    }

    /// Every recorded draw, in order.
    pub fn recorded_draws(&self) -> Result<Vec<String>> {
        Ok(self
            .rounds()?
            .iter()
            .flat_map(|r| r.draws.iter().cloned())
            .collect())
    }

    /// Refuses when `fresh` (a new draw of draws 1..N from the seed) differs from the rounds
    /// recorded, naming the first draw that differs.
    pub fn check_recorded(&self, fresh: &[String]) -> Result<()> {
        match first_difference(&self.record.rounds, fresh) {
            None => Ok(()),
            Some(why) => refuse!(
                "audit {:?}: {why}. The sample recorded is not the one the seed draws; nothing \
                 was assessed (`scrutineer audit show` gives the details)",
                self.record.id
            ),
        }
    }

    /// The rla plan, or an error saying what the audit is for.
    pub fn rla(&self) -> Result<&RlaPlan> {
        match &self.plan {
            DrawPlan::Rla(p) => Ok(p),
            other => refuse!(
                "audit {:?} was committed for a draw of another kind ({other}), not for a \
                 risk-limiting audit",
                self.record.id
            ),
        }
    }

    /// The pvt plan, or an error saying what the audit is for.
    pub fn pvt(&self) -> Result<&PvtPlan> {
        match &self.plan {
            DrawPlan::Pvt(p) => Ok(p),
            other => refuse!(
                "audit {:?} was committed for a draw of another kind ({other}), not for a PVT",
                self.record.id
            ),
        }
    }

    /// Refuses when any parameter given differs from the committed one.
    pub fn check_parameters(&self, given: Vec<Differs>) -> Result<()> {
        let differs: Vec<Differs> = given
            .into_iter()
            .filter(|d| d.committed != d.given)
            .collect();
        if differs.is_empty() {
            return Ok(());
        }
        Err(Error::Committed {
            audit: self.record.id.clone(),
            differs,
            plan: Box::new(self.plan.clone()),
        })
    }

    /// The seed's commitment record, as a draw reports it.
    pub fn seed_record(&self) -> Result<SeedRecord> {
        commit(
            &self.seed,
            self.record.salt.as_deref(),
            Some(&self.record.commitment),
        )
    }
}

/// Where the fresh draws (numbered from 1) first differ from the recorded rounds, taken in
/// round order, or None when they agree.
pub fn first_difference(rounds: &[AuditRound], fresh: &[String]) -> Option<String> {
    let mut first = 1u64;
    for r in rounds {
        if let Some(d) = round_difference(r, first, fresh) {
            return Some(d);
        }
        first += r.draws.len() as u64;
    }
    let recorded = first - 1;
    (fresh.len() as u64 > recorded).then(|| {
        format!(
            "the rounds record {recorded} draws, and the seed's draw has {}",
            fresh.len()
        )
    })
}

/// Where round `r`, whose first draw is number `first`, differs from `fresh` (draws 1, 2, …).
pub fn round_difference(r: &AuditRound, first: u64, fresh: &[String]) -> Option<String> {
    for (i, d) in r.draws.iter().enumerate() {
        let n = (first - 1) as usize + i;
        match fresh.get(n) {
            Some(f) if f == d => {}
            Some(f) => {
                return Some(format!(
                    "round {} (entry {}) records draw {} as {d:?}, but the seed draws {f:?} there",
                    r.round,
                    r.index,
                    n + 1
                ));
            }
            None => {
                return Some(format!(
                    "round {} (entry {}) records draw {} ({d:?}), but the seed's draw has only {} draws",
                    r.round,
                    r.index,
                    n + 1,
                    fresh.len()
                ));
            }
        }
    }
    None
}

/// Draws 1..`total` of a committed plan afresh from `seed`, as they are recorded (a PVT and a
/// list audit draw their whole sample at once).
pub fn redo(review: &Review, plan: &DrawPlan, seed: &str, total: u64) -> Result<Vec<String>> {
    match plan {
        DrawPlan::Rla(p) => {
            let audit = rla::Audit::build(review, &rla::Audit::spec_of(p)?)?;
            rla::check_draws(Some(total), Param::Draws)?;
            audit.draw_ids(seed, 1, total)
        }
        DrawPlan::Pvt(p) => {
            let frame = pvt::Frame::read(review, &pvt::FrameSpec::of(p))?;
            Ok(frame
                .draw(seed, p.take)?
                .into_iter()
                .flat_map(|h| h.draws.into_iter().map(|t| t.id))
                .collect())
        }
        DrawPlan::List(p) => crate::list_audit::redo(review, p, seed),
    }
}

// ---------------------------------------------------------------- recording

/// A round recorded in the log.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedSample {
    pub audit: String,
    pub round: u32,
    pub entry: u64,
    pub first: u64,
    pub draws: usize,
}

/// Where a recorded sample goes: the election and the signing key, checked as the log would.
pub struct Recorder {
    election: ledger::Election,
    key: tlog::PrivateKey,
    pub revealed: Revealed,
    pub round: u32,
    /// The first draw's number: 1 + the draws of the rounds before.
    pub first: u64,
}

impl Recorder {
    /// Prepares to record the next round (or `round`) of audit `id` in `election`, signed by
    /// `key`, checking everything the log would: the key is the audit's, the seed is revealed,
    /// the round is the next one. `origin` is the reviewed election's, which must be this one.
    pub fn open(
        election: ledger::Election,
        path: &str,
        id: &str,
        key: tlog::PrivateKey,
        round: Option<u32>,
        origin: &str,
    ) -> Result<Recorder> {
        let review = Review::of_election(election, path)?;
        let here = review.provenance.origin.clone();
        if here != origin {
            return Err(Error::param(
                Param::Record,
                format!(
                    "{{}} {path}: that is election {here:?}, and the draw is made from election {origin:?}"
                ),
            ));
        }
        let revealed = Revealed::read(&review, id)?;
        if revealed.record.author != key.name() {
            refuse!(
                "audit {id:?} was committed by {}; only that key may record its samples (the key given is {})",
                revealed.record.author,
                key.name()
            );
        }
        let recorded = revealed.rounds()?;
        let next = recorded.len() as u32 + 1;
        let round = round.unwrap_or(next);
        if round == 0 {
            return Err(Error::param(Param::Round, "{} counts from 1"));
        }
        if round < next {
            refuse!(
                "round {round} of audit {id:?} is already recorded (entry {}); the next round is {next}",
                recorded[round as usize - 1].index
            );
        }
        if round > next {
            return Err(Error::param(
                Param::Round,
                format!(
                    "{{}} {round}: audit {id:?} has {} recorded round(s), so the next round is {next}",
                    recorded.len()
                ),
            ));
        }
        let first = 1 + recorded.iter().map(|r| r.draws.len() as u64).sum::<u64>();
        let election = review.into_election().expect("opened from an election");
        Ok(Recorder {
            election,
            key,
            revealed,
            round,
            first,
        })
    }

    /// Records `draws` (in draw order) as this round's sample.
    pub fn record(&mut self, draws: Vec<String>) -> Result<RecordedSample> {
        let count = draws.len();
        let entry = Entry::signed(
            Event::AuditSample(AuditSample {
                audit: self.revealed.record.id.clone(),
                draws,
                round: self.round,
            }),
            &self.key,
        )
        .to_bytes();
        if entry.len() > tlog::tile::MAX_ENTRY_SIZE {
            let fits = (count as u64 * (tlog::tile::MAX_ENTRY_SIZE as u64 - 1024)
                / entry.len() as u64)
                .max(1);
            refuse!(
                "a sample of {} draws makes a log entry of {} bytes, above the log's limit of \
                 {} bytes: nothing was recorded. Record it as several rounds of at most {fits} \
                 draws, then the rest as the next round; the draws continue their numbering \
                 from round to round",
                group(count as u64),
                group(entry.len() as u64),
                group(tlog::tile::MAX_ENTRY_SIZE as u64)
            );
        }
        let receipt = self
            .election
            .submit(&[entry])
            .map_err(|e| Error::Record(submit_error(e)))?;
        Ok(RecordedSample {
            audit: self.revealed.record.id.clone(),
            round: self.round,
            entry: receipt.first,
            first: self.first,
            draws: count,
        })
    }
}

/// A refused submission in the user's terms.
pub fn submit_error(e: ledger::SubmitError) -> String {
    match e {
        ledger::SubmitError::Refused { position, refusal } => format!(
            "refused, nothing was recorded: entry {} of the submission, at {}: {}",
            position + 1,
            refusal.path,
            refusal.message
        ),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------- commit and reveal

/// The dice and salt of a commitment, kept privately in the election directory until the
/// reveal.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secret {
    pub audit: String,
    pub origin: String,
    pub author: String,
    pub commitment: String,
    pub salt: String,
    pub seed: String,
}

/// The folder of an election directory that keeps the dice until the reveal.
pub const SECRETS: &str = "audit-seeds";

/// Where the dice of audit `id` are kept.
pub fn secret_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(SECRETS).join(format!("{id}.json"))
}

impl Secret {
    /// Writes the secret file at `path`, readable by its owner only, in a folder only its
    /// owner can open; refuses to overwrite one (it would lose an earlier commitment's dice).
    pub fn keep(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        let io = |what: &str, e: std::io::Error| Error::Refused(format!("{what}: {e}"));
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .map_err(|e| io(&format!("creating {}", dir.display()), e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| io(&format!("making {} private", dir.display()), e))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Refused(format!(
                    "{} already exists: it holds the dice of an earlier commitment to audit {:?}. \
                     Nothing was recorded; choose another audit id (or, if that commitment was never \
                     recorded, remove the file)",
                    path.display(),
                    self.audit
                ))
            } else {
                io(&format!("creating {}", path.display()), e)
            }
        })?;
        let text = serde_json::to_string_pretty(self).expect("a secret serialises") + "\n";
        file.write_all(text.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| io(&format!("writing {}", path.display()), e))
    }

    /// Reads the secret file kept at `path` by [`Secret::keep`].
    pub fn read(path: &Path) -> Result<Secret> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Refused(if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "{} does not exist: the dice are kept in the election directory where \
                     `scrutineer audit commit` ran; reveal from there",
                    path.display()
                )
            } else {
                format!("reading {}: {e}", path.display())
            })
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::Refused(format!("{} is not a kept audit seed: {e}", path.display()))
        })
    }
}

/// Where a draw takes its seed: dice given by the caller (with their commitment record), an
/// audit in the log whose sample is being recorded, or an audit in the log read only.
pub enum DrawSeed {
    Given(SeedRecord, AuditSeed),
    Recording(Box<Recorder>),
    Read(Box<Revealed>),
}

impl DrawSeed {
    /// Dice given by the caller, checked against `commitment` when there is one (`salt`
    /// default: a new random one).
    pub fn given(seed: &str, salt: Option<&str>, commitment: Option<&str>) -> Result<DrawSeed> {
        let seed = parse_seed(seed)?;
        Ok(DrawSeed::Given(commit(&seed, salt, commitment)?, seed))
    }

    /// The audit in the log, if the seed is one's.
    pub fn revealed(&self) -> Option<&Revealed> {
        match self {
            DrawSeed::Given(..) => None,
            DrawSeed::Recording(r) => Some(&r.revealed),
            DrawSeed::Read(r) => Some(r),
        }
    }

    pub fn recorder(&mut self) -> Option<&mut Recorder> {
        match self {
            DrawSeed::Recording(r) => Some(r),
            _ => None,
        }
    }

    /// The seed and its commitment record.
    pub fn seed(&self) -> Result<(String, SeedRecord)> {
        match self {
            DrawSeed::Given(record, seed) => Ok((seed.to_string(), record.clone())),
            DrawSeed::Recording(r) => Ok((r.revealed.seed.to_string(), r.revealed.seed_record()?)),
            DrawSeed::Read(r) => Ok((r.seed.to_string(), r.seed_record()?)),
        }
    }
}

/// Audit ids are also file names: 1 to 64 letters, digits, '-', '_' or '.'.
pub fn check_id(id: &str) -> Result<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    if !ok {
        return Err(Error::param(
            Param::Audit,
            format!(
                "{{}} {id:?}: an audit id is 1 to 64 letters, digits, '-', '_' or '.', starting \
                 with a letter or digit"
            ),
        ));
    }
    Ok(())
}

/// What a commitment will draw: the tool's parameters checked against the election.
#[derive(Debug, Clone)]
pub enum Commit {
    Rla(rla::Spec),
    Pvt(pvt::FrameSpec, usize),
    List(crate::list_audit::Spec),
    /// A seed for a draw scrutineer does not redo.
    Other,
}

/// What a committed seed will draw for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Rla,
    Pvt,
    List,
    Other,
}

/// An audit commitment's parameters as the command line gives them, before they are checked
/// to belong to the tool; the refusals name the command line's flags.
#[derive(Debug, Clone)]
pub struct CommitRequest {
    pub tool: Tool,
    pub method: Option<rla::Method>,
    pub test: Option<stats::list_audit::ListTest>,
    pub contest: Option<String>,
    pub area: Option<String>,
    pub level: Option<String>,
    pub winners: Option<usize>,
    pub risk_limit: Option<f64>,
    pub clusters: Option<usize>,
    pub per_cluster: Option<usize>,
    pub take: Option<usize>,
}

impl CommitRequest {
    /// What the seed will draw, or a one-line refusal naming the flag that does not belong to
    /// the tool or is missing.
    pub fn commit(self) -> std::result::Result<Commit, String> {
        let only = |what: &str, given: bool, tool: &str| {
            if given {
                return Err(format!("{what} is for --for {tool} only"));
            }
            Ok(())
        };
        let tool = self.tool;
        if tool != Tool::List {
            only("--test", self.test.is_some(), "list")?;
            only("--clusters", self.clusters.is_some(), "list")?;
            only("--per-cluster", self.per_cluster.is_some(), "list")?;
        }
        let not_for = |given: &[(&str, bool)], why: &str| match given.iter().find(|g| g.1) {
            Some((what, _)) => Err(format!("{what} {why}")),
            None => Ok(()),
        };
        Ok(match tool {
            Tool::Rla => {
                only("--level", self.level.is_some(), "pvt or list")?;
                only("--take", self.take.is_some(), "pvt")?;
                let Some(method) = self.method else {
                    return Err("--for rla needs --method macro, bravo or comparison".into());
                };
                Commit::Rla(rla::Spec {
                    method,
                    contest: self.contest,
                    area: self.area,
                    winners: self.winners.unwrap_or(1),
                    risk_limit: self.risk_limit.unwrap_or(0.05),
                })
            }
            Tool::List => {
                not_for(
                    &[
                        ("--contest", self.contest.is_some()),
                        ("--method", self.method.is_some()),
                        ("--winners", self.winners.is_some()),
                        ("--risk-limit", self.risk_limit.is_some()),
                        ("--take", self.take.is_some()),
                    ],
                    "is not for --for list",
                )?;
                let (Some(test), Some(clusters), Some(per_cluster)) =
                    (self.test, self.clusters, self.per_cluster)
                else {
                    return Err(
                        "--for list needs --test, --clusters K and --per-cluster N (see \
                                `scrutineer list-audit plan`)"
                            .into(),
                    );
                };
                Commit::List(crate::list_audit::Spec {
                    test,
                    area: self.area,
                    level: self.level,
                    clusters,
                    per_cluster,
                })
            }
            Tool::Pvt => {
                only("--method", self.method.is_some(), "rla")?;
                only("--winners", self.winners.is_some(), "rla")?;
                only("--risk-limit", self.risk_limit.is_some(), "rla")?;
                let Some(take) = self.take else {
                    return Err(
                        "--for pvt needs --take K, the number of stations to draw (see \
                                `scrutineer pvt plan`)"
                            .into(),
                    );
                };
                let frame = pvt::FrameSpec {
                    contest: self.contest,
                    area: self.area,
                    level: self.level,
                };
                Commit::Pvt(frame, take)
            }
            Tool::Other => {
                not_for(
                    &[
                        ("--contest", self.contest.is_some()),
                        ("--area", self.area.is_some()),
                        ("--method", self.method.is_some()),
                        ("--winners", self.winners.is_some()),
                        ("--risk-limit", self.risk_limit.is_some()),
                        ("--level", self.level.is_some()),
                        ("--take", self.take.is_some()),
                    ],
                    "describes an rla or pvt draw; --for other records no draw",
                )?;
                Commit::Other
            }
        })
    }
}

/// The committed plan for `what`, checked against the election: the contest resolved to its
/// id and a draw that can be made.
pub fn plan_for(review: &Review, what: &Commit) -> Result<Option<DrawPlan>> {
    Ok(match what {
        Commit::Rla(spec) => Some(DrawPlan::Rla(
            rla::Audit::build(review, spec)?.committed_plan(),
        )),
        Commit::Pvt(spec, take) => {
            let frame = pvt::Frame::read(review, spec)?;
            Some(DrawPlan::Pvt(frame.committed_plan(*take)?))
        }
        Commit::List(spec) => Some(DrawPlan::List(
            crate::list_audit::Frame::read(review, spec)?.committed_plan(),
        )),
        Commit::Other => None,
    })
}

/// Whether a new audit can be committed as `id` with this purpose: the id is well formed and
/// not taken, and the purpose says something.
pub fn check_new(review: &Review, id: &str, purpose: &str) -> Result<()> {
    check_id(id)?;
    if purpose.trim().is_empty() {
        return Err(Error::Refused(
            "--purpose: say in words what the seed will draw".into(),
        ));
    }
    if let Some(a) = ledger::report::audit(review.conn(), id)? {
        return Err(Error::Refused(format!(
            "audit {id:?} already exists: committed by {} at entry {}; choose another id",
            a.author, a.committed_at
        )));
    }
    Ok(())
}

/// The commitment entry of audit `id` to `seed` with a new random salt, and the secret to
/// keep until the reveal.
pub fn commitment(
    review: &Review,
    id: &str,
    purpose: &str,
    draw: Option<DrawPlan>,
    seed: &AuditSeed,
    key: &tlog::PrivateKey,
) -> Result<(Vec<u8>, Secret)> {
    check_id(id)?;
    if purpose.trim().is_empty() {
        refuse!("say in words what the seed will draw (the purpose is empty)");
    }
    if let Some(a) = state(ledger::report::audit(review.conn(), id))? {
        refuse!(
            "audit {id:?} already exists: committed by {} at entry {}; choose another id",
            a.author,
            a.committed_at
        );
    }
    let mut salt = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut salt);
    let salt = ledger::event::hex(&salt);
    let commitment = ledger::audit::commitment(&salt, seed.as_str());
    let entry = Entry::signed(
        Event::AuditCommitment(AuditCommitment {
            audit: id.to_string(),
            commitment: commitment.clone(),
            purpose: purpose.trim_end().to_string(),
            draw,
        }),
        key,
    )
    .to_bytes();
    Ok((
        entry,
        Secret {
            audit: id.to_string(),
            origin: review.provenance.origin.clone(),
            author: key.name().to_string(),
            commitment,
            salt,
            seed: seed.to_string(),
        },
    ))
}

/// The reveal entry of audit `id` from the kept secret, checked against the recorded
/// commitment; returns the entry and the audit as recorded.
pub fn reveal(
    review: &Review,
    id: &str,
    secret: &Secret,
    secret_file: &Path,
    key: &tlog::PrivateKey,
) -> Result<(Vec<u8>, AuditRecord)> {
    check_id(id)?;
    let Some(record) = state(ledger::report::audit(review.conn(), id))? else {
        refuse!(
            "no audit {id:?} was committed in {}; commit it first with `scrutineer audit commit`",
            review.provenance.path
        );
    };
    if let Some(at) = record.revealed_at {
        refuse!("audit {id:?} revealed its seed at entry {at}; a seed is revealed once");
    }
    if record.author != key.name() {
        refuse!(
            "audit {id:?} was committed by {}; only that key may reveal its seed (the key given is {})",
            record.author,
            key.name()
        );
    }
    if secret.audit != id {
        refuse!(
            "{} holds the seed of audit {:?}, not {id:?}",
            secret_file.display(),
            secret.audit
        );
    }
    if ledger::audit::commitment(&secret.salt, &secret.seed) != record.commitment {
        refuse!(
            "the seed and salt kept in {} do not match the commitment recorded at entry {} ({}): \
             the file was changed, or belongs to another commitment. Nothing was recorded",
            secret_file.display(),
            record.committed_at,
            record.commitment
        );
    }
    let entry = Entry::signed(
        Event::AuditSeed(ledger::event::AuditSeed {
            audit: id.to_string(),
            salt: secret.salt.clone(),
            seed: secret.seed.clone(),
        }),
        key,
    )
    .to_bytes();
    Ok((entry, record))
}

// ---------------------------------------------------------------- recording them

/// A commitment recorded in the log, as `audit commit` tells it.
#[derive(Debug, Clone)]
pub struct Committed {
    pub entry: u64,
    pub signer: String,
    pub commitment: String,
    pub plan: Option<DrawPlan>,
    /// Where the dice and salt are kept until the reveal.
    pub secret_path: PathBuf,
}

/// The draw a new audit `id` will commit to, checked against the election before anyone
/// rolls the dice, so that a refusal costs no roll.
pub fn prepare_commitment(
    review: &Review,
    id: &str,
    purpose: &str,
    request: CommitRequest,
) -> Result<Option<DrawPlan>> {
    check_new(review, id, purpose)?;
    let what = request.commit().map_err(Error::Refused)?;
    plan_for(review, &what)
}

/// Records audit `id`'s commitment to `seed` in the election directory `dir` that `review`
/// was opened from. The secret is made durable first (no commitment without its dice), and
/// removed again if the log refuses the entry.
pub fn record_commitment(
    review: Review,
    dir: &Path,
    id: &str,
    purpose: &str,
    plan: Option<DrawPlan>,
    seed: &AuditSeed,
    key: &tlog::PrivateKey,
) -> Result<Committed> {
    let (entry, secret) = commitment(&review, id, purpose, plan.clone(), seed, key)?;
    let mut election = directory(review)?;
    let path = secret_path(dir, id);
    secret.keep(&path)?;
    let receipt = election.submit(&[entry]).map_err(|e| {
        let _ = std::fs::remove_file(&path);
        Error::Record(submit_error(e))
    })?;
    Ok(Committed {
        entry: receipt.first,
        signer: key.name().to_string(),
        commitment: secret.commitment,
        plan,
        secret_path: path,
    })
}

/// A seed revealed in the log, as `audit reveal` tells it.
#[derive(Debug, Clone)]
pub struct RevealedNow {
    pub entry: u64,
    pub secret: Secret,
    pub record: AuditRecord,
    pub secret_path: PathBuf,
}

/// Records the seed of audit `id` from the secret `commit` kept in the election directory
/// `dir` that `review` was opened from.
pub fn record_reveal(
    review: Review,
    dir: &Path,
    id: &str,
    key: &tlog::PrivateKey,
) -> Result<RevealedNow> {
    check_id(id)?;
    if state(ledger::report::audit(review.conn(), id))?.is_none() {
        refuse!(
            "no audit {id:?} was committed in {}; commit it first with `scrutineer audit commit`",
            dir.display()
        );
    }
    let path = secret_path(dir, id);
    let secret = Secret::read(&path)?;
    let (entry, record) = reveal(&review, id, &secret, &path, key)?;
    let receipt = directory(review)?
        .submit(&[entry])
        .map_err(|e| Error::Record(submit_error(e)))?;
    Ok(RevealedNow {
        entry: receipt.first,
        secret,
        record,
        secret_path: path,
    })
}

/// The election a review of a directory holds; a replayed log records nothing.
fn directory(review: Review) -> Result<ledger::Election> {
    let path = review.provenance.path.clone();
    match review.into_election() {
        Some(e) => Ok(e),
        None => refuse!("{path} is not an election directory: an audit is recorded in one"),
    }
}

// ---------------------------------------------------------------- show

/// An audit checked end to end.
#[derive(Debug, Clone, Serialize)]
pub struct ShowReport {
    pub election: Provenance,
    pub audit: String,
    pub author: String,
    /// Why the audit is run, in words.
    pub purpose: String,
    /// The committed draw's parameters.
    pub draw: Option<DrawPlan>,
    pub commitment: String,
    pub committed_at: u64,
    pub seed: Option<String>,
    pub salt: Option<String>,
    pub revealed_at: Option<u64>,
    /// Whether the revealed seed and salt hash to the commitment (None before the reveal).
    pub seed_matches_commitment: Option<bool>,
    pub rounds: Vec<RoundCheck>,
    /// Official forms of the contest recorded after the commitment and after the reveal.
    pub official_forms_after_commitment: Option<u64>,
    pub official_forms_after_reveal: Option<u64>,
    /// What failed; empty when every check passes.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoundCheck {
    pub round: u32,
    pub entry: u64,
    /// The number of the round's first draw.
    pub first: Option<u64>,
    pub draws: Vec<String>,
    /// Whether a fresh draw from the seed gives the same sample (None: cannot be redone).
    pub matches_fresh_draw: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub difference: Option<String>,
}

/// The audits recorded in an election.
#[derive(Debug, Clone, Serialize)]
pub struct ListReport {
    pub election: Provenance,
    pub audits: Vec<ListedAudit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ListedAudit {
    pub audit: String,
    pub author: String,
    pub purpose: String,
    pub draw: Option<DrawPlan>,
    pub committed_at: u64,
    pub revealed_at: Option<u64>,
    pub rounds: usize,
    pub draws: usize,
}

/// Every audit recorded in the election.
pub fn list(review: &Review) -> Result<ListReport> {
    let audits = state(ledger::report::audits(review.conn()))?;
    Ok(ListReport {
        election: review.provenance.clone(),
        audits: audits
            .iter()
            .map(|a| ListedAudit {
                audit: a.id.clone(),
                author: a.author.clone(),
                purpose: a.purpose.clone(),
                draw: a.draw.clone(),
                committed_at: a.committed_at,
                revealed_at: a.revealed_at,
                rounds: a.rounds.len(),
                draws: a.rounds.iter().map(|r| r.draws.len()).sum(),
            })
            .collect(),
    })
}

/// Audit `id` checked end to end: the seed against its commitment, every recorded round
/// against a fresh draw from the seed, and the official forms recorded after the commitment.
pub fn show(review: &Review, id: &str) -> Result<ShowReport> {
    let conn = review.conn();
    let Some(record) = state(ledger::report::audit(conn, id))? else {
        let ids: Vec<String> = state(ledger::report::audits(conn))?
            .into_iter()
            .map(|a| a.id)
            .collect();
        return Err(Error::param(
            Param::Audit,
            format!(
                "{{}} {id:?}: the election has no such audit; {}",
                if ids.is_empty() {
                    "it has none".to_string()
                } else {
                    format!("its audits are {}", ids.join(", "))
                }
            ),
        ));
    };
    let mut problems = Vec::new();
    let plan = record.draw.clone();
    let seed_matches = match (&record.seed, &record.salt) {
        (Some(seed), Some(salt)) => {
            let ok = ledger::audit::commitment(salt, seed) == record.commitment;
            if !ok {
                problems.push(format!(
                    "the seed and salt revealed at entry {} do not match the commitment at entry {}",
                    record.revealed_at.unwrap_or(0),
                    record.committed_at
                ));
            }
            Some(ok)
        }
        _ => None,
    };
    let contest = plan.as_ref().and_then(DrawPlan::contest);
    let after = |index: Option<u64>| -> Result<Option<u64>> {
        match (contest, index) {
            (Some(c), Some(i)) => Ok(Some(state(ledger::report::forms_recorded_after(
                conn, c, "official", i,
            ))?)),
            _ => Ok(None),
        }
    };
    let after_commitment = after(Some(record.committed_at))?;
    let after_reveal = after(record.revealed_at)?;
    // The rounds: numbered draws, and a fresh draw from the seed to compare.
    let mut rounds = Vec::new();
    let mut next_first = Some(1u64);
    for (i, r) in record.rounds.iter().enumerate() {
        if r.round as usize != i + 1 {
            next_first = None; // a gap: later draws cannot be numbered
        }
        rounds.push(RoundCheck {
            round: r.round,
            entry: r.index,
            first: next_first,
            draws: r.draws.clone(),
            matches_fresh_draw: None,
            difference: None,
        });
        next_first = next_first.map(|f| f + r.draws.len() as u64);
    }
    if let (Some(plan), Some(true), false) = (&plan, seed_matches, rounds.is_empty()) {
        let seed = parse_seed(record.seed.as_deref().unwrap_or_default());
        let fresh = seed.and_then(|seed| {
            let total = rounds.iter().map(|r| r.draws.len() as u64).sum::<u64>();
            redo(review, plan, seed.as_str(), total)
        });
        match fresh {
            Err(e) => problems.push(format!("the draw cannot be redone: {e}")),
            Ok(fresh) => {
                let single = matches!(plan, DrawPlan::Pvt(_) | DrawPlan::List(_));
                for r in &mut rounds {
                    let recorded = AuditRound {
                        round: r.round,
                        index: r.entry,
                        draws: r.draws.clone(),
                    };
                    let diff = match r.first {
                        _ if single && r.round != 1 => Some(format!(
                            "a {} draws its sample once, in round 1",
                            if matches!(plan, DrawPlan::Pvt(_)) {
                                "PVT"
                            } else {
                                "list audit"
                            }
                        )),
                        // A PVT's one round is the whole draw, every station of it.
                        Some(_) if single => first_difference(&[recorded], &fresh),
                        Some(first) => round_difference(&recorded, first, &fresh),
                        None => Some("an earlier round is not recorded".to_string()),
                    };
                    r.matches_fresh_draw = Some(diff.is_none());
                    if let Some(d) = &diff {
                        problems.push(format!("round {}: {d}", r.round));
                    }
                    r.difference = diff;
                }
            }
        }
    }
    Ok(ShowReport {
        election: review.provenance.clone(),
        audit: record.id.clone(),
        author: record.author.clone(),
        purpose: record.purpose.clone(),
        draw: plan,
        commitment: record.commitment.clone(),
        committed_at: record.committed_at,
        seed: record.seed.clone(),
        salt: record.salt.clone(),
        revealed_at: record.revealed_at,
        seed_matches_commitment: seed_matches,
        rounds,
        official_forms_after_commitment: after_commitment,
        official_forms_after_reveal: after_reveal,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(round: u32, index: u64, draws: &[&str]) -> AuditRound {
        AuditRound {
            round,
            index,
            draws: draws.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn fresh(draws: &[&str]) -> Vec<String> {
        draws.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn recorded_rounds_are_compared_draw_by_draw_across_rounds() {
        let rounds = [round(1, 10, &["a", "b"]), round(2, 20, &["c"])];
        assert_eq!(first_difference(&rounds, &fresh(&["a", "b", "c"])), None);
        let d = first_difference(&rounds, &fresh(&["a", "b", "x"])).unwrap();
        assert!(
            d.contains("round 2 (entry 20) records draw 3 as \"c\", but the seed draws \"x\""),
            "{d}"
        );
        let d = first_difference(&rounds, &fresh(&["a", "b"])).unwrap();
        assert!(d.contains("the seed's draw has only 2 draws"), "{d}");
        let d = first_difference(&rounds, &fresh(&["a", "b", "c", "d"])).unwrap();
        assert!(
            d.contains("the rounds record 3 draws, and the seed's draw has 4"),
            "{d}"
        );
        // A round checked on its own, from its first draw's number.
        assert_eq!(
            round_difference(&rounds[1], 3, &fresh(&["a", "b", "c"])),
            None
        );
    }

    #[test]
    fn audit_ids_are_file_names() {
        assert!(check_id("na-macro-1").is_ok());
        assert!(check_id("a.b_c").is_ok());
        for bad in ["", "-x", "../x", "a/b", &"x".repeat(65)] {
            let e = check_id(bad).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::Param {
                        param: Param::Audit,
                        ..
                    }
                ),
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn the_dice_are_kept_once_privately_and_read_back() {
        let tmp = tempfile::tempdir().unwrap();
        let path = secret_path(tmp.path(), "na-1");
        let secret = Secret {
            audit: "na-1".into(),
            origin: "o".into(),
            author: "a".into(),
            commitment: "c".into(),
            salt: "s".into(),
            seed: "35216452316254163524".into(),
        };
        let missing = Secret::read(&path).unwrap_err().to_string();
        assert!(missing.ends_with("reveal from there"), "{missing}");
        secret.keep(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(Secret::read(&path).unwrap().seed, secret.seed);
        let again = secret.keep(&path).unwrap_err().to_string();
        assert!(again.contains("already exists"), "{again}");
        std::fs::write(&path, "{").unwrap();
        let bad = Secret::read(&path).unwrap_err().to_string();
        assert!(bad.contains("is not a kept audit seed: "), "{bad}");
    }
}

#[cfg(test)]
mod commit_request_tests {
    use super::*;

    fn ask(tool: Tool) -> CommitRequest {
        CommitRequest {
            tool,
            method: None,
            test: None,
            contest: None,
            area: None,
            level: None,
            winners: None,
            risk_limit: None,
            clusters: None,
            per_cluster: None,
            take: None,
        }
    }

    #[test]
    fn each_tool_takes_only_its_own_flags() {
        let refused = |r: CommitRequest| r.commit().expect_err("refused");
        let mut r = ask(Tool::Pvt);
        r.clusters = Some(3);
        assert_eq!(refused(r), "--clusters is for --for list only");
        let mut r = ask(Tool::Rla);
        r.method = Some(rla::Method::Macro);
        r.take = Some(5);
        assert_eq!(refused(r), "--take is for --for pvt only");
        let mut r = ask(Tool::List);
        r.winners = Some(2);
        assert_eq!(refused(r), "--winners is not for --for list");
        let mut r = ask(Tool::Other);
        r.level = Some("province".into());
        assert_eq!(
            refused(r),
            "--level describes an rla or pvt draw; --for other records no draw"
        );
        assert_eq!(
            refused(ask(Tool::List)),
            "--for list needs --test, --clusters K and --per-cluster N (see `scrutineer \
             list-audit plan`)"
        );
        let mut r = ask(Tool::Rla);
        r.method = Some(rla::Method::Bravo);
        match r.commit() {
            Ok(Commit::Rla(spec)) => assert_eq!((spec.winners, spec.risk_limit), (1, 0.05)),
            _ => panic!("an rla commit with its defaults"),
        }
        let mut r = ask(Tool::Pvt);
        r.take = Some(40);
        assert!(matches!(r.commit(), Ok(Commit::Pvt(_, 40))));
    }
}
