//! Election events and their envelope: the exact bytes of a log entry.
//!
//! An entry is the RFC 8785 (JCS) canonical JSON of
//!
//! ```text
//! {"author":<key name>,"batch":<manifest id>,"body":{…},"cosigs":[…],"kind":"…","sig":"…","v":1}
//! ```
//!
//! where `author` and `sig` are present on a signed event, `batch` (the id of the signed batch
//! manifest) replaces them on an entry of a bulk submission, and `cosigs` appear only on the
//! genesis, which every founding member signs. A signature is Ed25519 over the canonical
//! envelope without `sig` and `cosigs`, base64-encoded.
//!
//! Canonical form is produced by serialising the types below, whose fields are declared in
//! sorted order and hold only strings, integers (at most 2^53 − 1), booleans, arrays and
//! objects; absent optional fields are omitted, never `null`. A parsed entry is re-encoded and
//! must come out byte for byte the same, so one event has exactly one valid encoding.
//!
//! An entry's id is the lowercase hex SHA-256 of its bytes.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

mod pollbook;
pub use pollbook::*;
mod observer;
pub use observer::*;
mod complaint;
pub use complaint::*;

/// The envelope version this code writes and reads.
pub const VERSION: u32 = 1;

/// The largest integer an event may carry (I-JSON / JCS: exactly representable as a double).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A signer's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A member of the election commission: proposes and approves governed actions.
    CommissionMember,
    /// Commission staff: proposes, imports stations and official results.
    CommissionClerk,
    /// Registers, updates and transfers voters in their areas.
    RegistrationOfficer,
    /// Signs the official result forms of the stations in their areas.
    PollingOfficial,
    /// A party's agent: files that party's copies of result forms.
    PartyAgent,
    /// An observer organisation's member: files observer copies and reports.
    Observer,
    /// Runs a witness; writes nothing to the log.
    Witness,
    /// An observer organisation's SMS gateway: records the coded messages it received.
    SmsGateway,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::CommissionMember => "commission_member",
            Role::CommissionClerk => "commission_clerk",
            Role::RegistrationOfficer => "registration_officer",
            Role::PollingOfficial => "polling_official",
            Role::PartyAgent => "party_agent",
            Role::Observer => "observer",
            Role::Witness => "witness",
            Role::SmsGateway => "sms_gateway",
        }
    }

    /// Whether enrolling a key with this role needs the commission's approval.
    pub fn is_official(self) -> bool {
        matches!(
            self,
            Role::CommissionMember
                | Role::CommissionClerk
                | Role::RegistrationOfficer
                | Role::PollingOfficial
        )
    }
}

/// Where a key may act: everywhere, or in the listed areas and everything below them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scope {
    All(AllAreas),
    Areas(Vec<String>),
}

/// The word `"all"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllAreas {
    All,
}

impl Scope {
    pub fn all() -> Scope {
        Scope::All(AllAreas::All)
    }
}

/// The approval rule for governed actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Whether a proposal must name, in `asked`, at least one member of every party.
    pub every_party_asked: bool,
    /// Approvals needed, from distinct members.
    pub min_approvals: u32,
    /// Distinct parties those approvers must come from (members of no party do not count).
    pub min_parties: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    pub id: String,
    pub name: String,
}

/// A founding member of the commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// The key's name (the `author` of the member's events).
    pub name: String,
    /// The party that appointed the member; absent for a member chosen by consensus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The person's name.
    pub person: String,
    /// The member's verifier key.
    pub vkey: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContestKind {
    /// Voters choose a party list.
    PartyList,
    /// Voters choose a candidate.
    Candidates,
}

/// How seats are shared out in a constituency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Dhondt,
    SainteLague,
    LargestRemainder,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contest {
    pub choices: Vec<Choice>,
    /// The area level whose areas are the constituencies.
    pub constituency_level: String,
    pub id: String,
    pub kind: ContestKind,
    pub method: Method,
    pub name: String,
    /// Seats per constituency, by area code.
    pub seats: BTreeMap<String, u32>,
}

impl Contest {
    /// "CPP (Cambodian People's Party), CNRP (…)", for messages that list the choices.
    pub fn choice_list(&self) -> String {
        self.choices
            .iter()
            .map(|c| format!("{} ({})", c.id, c.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The first entry of every election's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    /// Registration batches larger than this need the commission's approval.
    pub bulk_threshold: u64,
    /// Temporary cards one registration officer may issue in a day before further cards need
    /// the commission's approval; absent means [`DEFAULT_CARD_THRESHOLD`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_threshold: Option<u64>,
    /// How long the commission has to act on a complaint; absent means
    /// [`DEFAULT_COMPLAINT_DEADLINES`] for every category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint_deadlines: Option<ComplaintDeadlines>,
    pub contests: Vec<Contest>,
    /// The election's name.
    pub election: String,
    /// Keys enrolled from the start, besides the members (clerks, officials, agents...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<Enrol>,
    /// Area levels from the top down, e.g. province, district, commune. Stations sit in areas
    /// of the last level.
    pub levels: Vec<String>,
    /// The verifier key that signs the log's checkpoints (its name is the origin). Absent in
    /// elections that record no witnessed checkpoints: a `checkpoint` event is checked
    /// against it, so without it none can be recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_key: Option<String>,
    pub members: Vec<Member>,
    /// The log's origin (its checkpoints' first line).
    pub origin: String,
    pub parties: Vec<Party>,
    pub rule: Rule,
}

/// Enrolment of a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrol {
    /// The key's name; must equal the name in `vkey`.
    pub name: String,
    /// For observers: their organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// For party agents and members: their party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<String>,
    /// The person or device behind the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    pub role: Role,
    pub scope: Scope,
    pub vkey: String,
}

impl Enrol {
    /// The enrolment of `vkey` (its name taken from it) in `role`, written as in an event
    /// (`polling_official`), acting in `areas` (none: everywhere).
    pub fn of_key(vkey: String, role: &str, areas: Vec<String>) -> Result<Enrol, String> {
        let name = tlog::note::Vkey::parse(&vkey)
            .map_err(|e| format!("{vkey}: {e}"))?
            .name;
        let role = serde_json::from_value(serde_json::Value::String(role.to_string()))
            .map_err(|_| format!("{role:?} is not a role"))?;
        Ok(Enrol {
            name,
            organisation: None,
            party: None,
            person: None,
            role,
            scope: if areas.is_empty() {
                Scope::all()
            } else {
                Scope::Areas(areas)
            },
            vkey,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Revoke {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    pub code: String,
    pub level: String,
    pub name: String,
    /// The area above; absent at the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Station {
    /// The area (of the last level) the station is in.
    pub area: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Registered voters as published for the station; absent where the source lacks it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sex {
    F,
    M,
    X,
}

/// A voter's registration. Personal fields that must not be public (full date of birth, ID
/// number, address) are only committed to: `commitment` is the base64 SHA-256 of a secret salt
/// followed by those fields, kept by the commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Register {
    pub birth_year: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    /// The full name as the roll prints it.
    pub name: String,
    /// The family and given names apart, and their romanisation, where the roll has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<VoterNames>,
    pub sex: Sex,
    pub station: String,
    /// The voter's id on the roll.
    pub voter: String,
}

/// A voter's family and given names kept apart, as written (in Khmer script on a Cambodian
/// roll), and their romanisation where the roll or ID card carries one. Matching uses both:
/// `{"family":"សុខ","given":"ដារ៉ា","family_latin":"Sok","given_latin":"Dara"}`. Either name may be
/// empty (one-word names), not both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoterNames {
    pub family: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_latin: Option<String>,
    pub given: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_latin: Option<String>,
}

/// The commitment to a voter's private fields: base64 SHA-256 of the 32-byte `salt` followed by
/// the fields as a canonical JSON object of strings (RFC 8785; field names are ASCII, so byte
/// order is JCS order), e.g. `{"date_of_birth":"1961-04-12","id_number":"K123"}`. Whoever
/// holds the salt and the fields can show that they match the registration; nobody else learns
/// them, and a guessed date of birth cannot be checked without the salt.
pub fn commitment(salt: &[u8; 32], fields: &BTreeMap<String, String>) -> String {
    use base64::prelude::*;
    let mut h = Sha256::new();
    h.update(salt);
    h.update(serde_json::to_vec(fields).expect("strings serialise"));
    BASE64_STANDARD.encode(h.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateVoter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_year: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Replaces all four parts of the names at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub names: Option<VoterNames>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    pub voter: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub station: String,
    pub voter: String,
}

/// Why a voter was removed from the roll.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemovalReason {
    Deceased,
    Duplicate,
    NotEligible,
    MovedAway,
    CourtOrder,
    OwnRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoveVoter {
    pub reason: RemovalReason,
    pub voter: String,
}

/// One voter of a governed batch of removals (`content: removals`): why, and the lowercase hex
/// SHA-256 of the evidence document (a death register extract, a court order, a duplicate
/// finding), which is kept outside the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    pub evidence: String,
    pub reason: RemovalReason,
    pub voter: String,
}

/// Puts a removed voter back on the roll, at the station they were removed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReinstateVoter {
    /// Why the removal was wrong, in words.
    pub reason: String,
    pub voter: String,
}

/// What a signed batch manifest commits to: the RFC 6962 Merkle root and the number of the
/// entries that follow it in the log, and what they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub content: Content,
    pub count: u64,
    /// The batch's id, which each of its entries names: 32 lowercase hex digits, unique in the
    /// election (see [`batch_id`]).
    pub id: String,
    /// Base64 Merkle tree hash of the batch's entries, in order.
    pub root: String,
}

/// The kind of entries a batch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Content {
    Areas,
    Stations,
    Registrations,
    ResultForms,
    Enrolments,
    /// Voter removals ([`Removal`]); always governed.
    Removals,
    /// Station pseudonym lists ([`Pseudonyms`]); always governed.
    Pseudonyms,
    /// A station's check-ins ([`Checkins`]).
    Checkins,
    /// Temporary voting cards ([`TemporaryCard`]).
    TemporaryCards,
}

/// A station's result form for one contest, from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultForm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballots_issued: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ballots_received: Option<u64>,
    pub contest: String,
    pub invalid: u64,
    /// SHA-256 (hex) of photographs of the paper form, kept outside the log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<u64>,
    /// `official`, `party:<party id>` or `observer:<organisation>`.
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spoiled: Option<u64>,
    pub station: String,
    /// When the author says the form was signed, in seconds since the Unix epoch (UTC): a
    /// claim, judged against witness time (a claimed time later than the witnessed checkpoint
    /// that covers the form is flagged `claimed_time_after_witness`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unused: Option<u64>,
    pub valid: u64,
    /// Votes per choice id.
    pub votes: BTreeMap<String, u64>,
}

/// Certification of an area's totals in a contest: the official forms of every station in the
/// area must add up to exactly these numbers when the certification takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Certify {
    pub area: String,
    pub contest: String,
    pub invalid: u64,
    pub totals: BTreeMap<String, u64>,
    pub valid: u64,
}

/// A governed action, which takes effect only when the approval rule is met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    RemoveVoter(RemoveVoter),
    ReinstateVoter(ReinstateVoter),
    Enrol(Enrol),
    Revoke(Revoke),
    ChangeRule(Rule),
    Area(Area),
    Station(Station),
    Certify(Certify),
    /// The signed batch of entries that follows this proposal in the log.
    Batch(Manifest),
    /// Replaces a station's official result form by this version; the version it replaces
    /// stays on the record (`report::form_history`), and so do its flags.
    AmendForm(ResultForm),
    /// Moves a complaint on: under investigation, upheld or dismissed; the proposal's reason
    /// is the commission's reasons.
    ComplaintDecision(ComplaintDecision),
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::RemoveVoter(_) => "remove_voter",
            Action::ReinstateVoter(_) => "reinstate_voter",
            Action::Enrol(_) => "enrol",
            Action::Revoke(_) => "revoke",
            Action::ChangeRule(_) => "change_rule",
            Action::Area(_) => "area",
            Action::Station(_) => "station",
            Action::Certify(_) => "certify",
            Action::Batch(_) => "batch",
            Action::AmendForm(_) => "amend_form",
            Action::ComplaintDecision(_) => "complaint_decision",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub action: Action,
    /// Members asked to decide (see [`Rule::every_party_asked`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub asked: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// The proposal's entry id.
    pub proposal: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    pub proposal: String,
    pub reason: String,
}

/// A commitment to an audit's public seed, recorded before the dice are rolled, so that the seed
/// cannot be chosen after the fact. The commitment is the lowercase hex
/// `SHA-256("scrutineer audit seed commitment v1" ‖ "\n" ‖ hex(salt) ‖ "\n" ‖ seed)`, the
/// formula of `stats::seed::seed_commitment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditCommitment {
    /// The audit's id, chosen by its author; unique in the election.
    pub audit: String,
    pub commitment: String,
    /// Why the audit is run, in words, e.g. "risk-limiting audit of na-2013 in 01, MACRO".
    pub purpose: String,
    /// What the seed will draw, fixed before it is revealed, so that anyone can redo the
    /// draw and no one can choose its parameters after seeing the seed. Absent for a seed
    /// drawn by other tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draw: Option<DrawPlan>,
}

/// The parameters of an audit's draw, as `{"tool":"rla",…}`, `{"tool":"pvt",…}` or
/// `{"tool":"list",…}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tool", rename_all = "lowercase")]
pub enum DrawPlan {
    Rla(RlaPlan),
    Pvt(PvtPlan),
    List(ListPlan),
}

/// A voter-list audit's draw: `clusters` clusters (stations, or the areas of one level) from
/// the seed, then in each either `per_cluster` names from the roll (list to people) or, once
/// the field teams have listed the households of each drawn area, `per_cluster` household
/// numbers (people to list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListPlan {
    /// `list_to_people` or `people_to_list`.
    pub test: String,
    /// The area audited (its code); absent for the whole election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// What a cluster is: `station`, or the name of an area level (`commune`, `village`).
    pub level: String,
    pub clusters: usize,
    pub per_cluster: usize,
}

/// The tests a list audit's plan may name.
pub const LIST_TESTS: [&str; 2] = ["list_to_people", "people_to_list"];

/// A risk-limiting audit's draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RlaPlan {
    /// `macro` (stations, batch comparison), `bravo` (ballot polling) or `comparison`
    /// (ballot-level comparison).
    pub method: String,
    /// The contest's id.
    pub contest: String,
    /// The area audited (its code); absent for the whole election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    pub winners: usize,
    pub risk_limit: f64,
}

/// A parallel vote tabulation's draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PvtPlan {
    pub contest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// The strata's level name, or `none`.
    pub level: String,
    /// The number of stations drawn.
    pub take: usize,
}

/// The RLA methods a draw plan may name.
pub const RLA_METHODS: [&str; 3] = ["macro", "bravo", "comparison"];

impl DrawPlan {
    /// The contest the draw is about; None for a list audit (it draws from the roll).
    pub fn contest(&self) -> Option<&str> {
        match self {
            DrawPlan::Rla(p) => Some(&p.contest),
            DrawPlan::Pvt(p) => Some(&p.contest),
            DrawPlan::List(_) => None,
        }
    }

    /// Why the plan cannot be drawn, with the JSON path under the plan, or None.
    pub fn check(&self) -> Option<(&'static str, String)> {
        match self {
            DrawPlan::Rla(p) => {
                if !RLA_METHODS.contains(&p.method.as_str()) {
                    return Some((
                        "method",
                        format!(
                            "{:?} is not a method; use one of {}",
                            p.method,
                            RLA_METHODS.join(", ")
                        ),
                    ));
                }
                if p.contest.trim().is_empty() {
                    return Some(("contest", "name the contest".into()));
                }
                if p.winners == 0 {
                    return Some(("winners", "at least one choice wins".into()));
                }
                if !(p.risk_limit > 0.0 && p.risk_limit < 1.0) {
                    return Some(("risk_limit", "the risk limit is between 0 and 1".into()));
                }
                None
            }
            DrawPlan::Pvt(p) => {
                if p.contest.trim().is_empty() {
                    return Some(("contest", "name the contest".into()));
                }
                if p.take == 0 {
                    return Some(("take", "draw at least one station".into()));
                }
                None
            }
            DrawPlan::List(p) => {
                if !LIST_TESTS.contains(&p.test.as_str()) {
                    return Some((
                        "test",
                        format!(
                            "{:?} is not a list audit test; use one of {}",
                            p.test,
                            LIST_TESTS.join(", ")
                        ),
                    ));
                }
                if p.level.trim().is_empty() {
                    return Some((
                        "level",
                        "name what a cluster is (station or a level)".into(),
                    ));
                }
                if p.clusters == 0 {
                    return Some(("clusters", "draw at least one cluster".into()));
                }
                if p.per_cluster == 0 {
                    return Some(("per_cluster", "draw at least one per cluster".into()));
                }
                None
            }
        }
    }
}

impl std::fmt::Display for DrawPlan {
    /// "rla macro: contest na-2013, area 01, 1 winner, risk limit 0.05" or
    /// "pvt: contest na-2013, strata by province, 60 stations".
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DrawPlan::Rla(p) => {
                write!(f, "rla {}: contest {}", p.method, p.contest)?;
                if let Some(a) = &p.area {
                    write!(f, ", area {a}")?;
                }
                write!(
                    f,
                    ", {} winner{}, risk limit {}",
                    p.winners,
                    if p.winners == 1 { "" } else { "s" },
                    p.risk_limit
                )
            }
            DrawPlan::Pvt(p) => {
                write!(f, "pvt: contest {}", p.contest)?;
                if let Some(a) = &p.area {
                    write!(f, ", area {a}")?;
                }
                match p.level.as_str() {
                    "none" => write!(f, ", no strata")?,
                    l => write!(f, ", strata by {l}")?,
                }
                write!(f, ", {} stations", p.take)
            }
            DrawPlan::List(p) => {
                write!(f, "list audit, {}", p.test.replace('_', " "))?;
                if let Some(a) = &p.area {
                    write!(f, ": area {a},")?;
                } else {
                    write!(f, ":")?;
                }
                let what = if p.test == "people_to_list" {
                    "households"
                } else {
                    "names"
                };
                write!(
                    f,
                    " {} {}s, {} {what} in each",
                    p.clusters, p.level, p.per_cluster
                )
            }
        }
    }
}

/// The revealed seed of a committed audit: dice digits 1-6 (at least 20) and the 32-byte salt
/// (hex) that make up the commitment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSeed {
    pub audit: String,
    pub salt: String,
    pub seed: String,
}

/// The sample an audit's seed drew, in draw order (station codes, or `STATION:N` ballots), so
/// that anyone can redo the draw and compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSample {
    pub audit: String,
    pub draws: Vec<String>,
    /// The audit round, from 1.
    pub round: u32,
}

/// A checkpoint of this very log with its witnesses' cosignatures, recorded so that "the
/// entries below its size existed no later than the witnesses' time" is part of the state.
///
/// `note` is the signed note exactly as the witnesses cosigned it (C2SP tlog-checkpoint: the
/// origin, size and base64 root, a blank line, then one signature line by the log key and one
/// cosignature/v1 line per witness). The entry carries no `author` or `sig`: the note's own
/// signatures authenticate it. The fold checks that the origin is this election's, the log
/// signature is by the genesis's `log_key`, every other signature is a valid cosignature by
/// an enrolled, unrevoked witness (at least one), and that the size is not beyond the log at
/// that point and its root is the log's root at that size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedCheckpoint {
    pub note: String,
}

/// How every well-formed `checkpoint` entry begins (it has no author, so its body comes first
/// in canonical order): a cheap test that lets intake and replay skip every other entry when
/// looking for checkpoints whose roots the fold will need.
pub const CHECKPOINT_PREFIX: &[u8] = b"{\"body\":{\"note\":";

/// Every kind of event, by its `kind` string.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Genesis(Genesis),
    Enrol(Enrol),
    Revoke(Revoke),
    Area(Area),
    Station(Station),
    Register(Register),
    UpdateVoter(UpdateVoter),
    Transfer(Transfer),
    Proposal(Proposal),
    Approval(Approval),
    Rejection(Rejection),
    AuditCommitment(AuditCommitment),
    AuditSeed(AuditSeed),
    AuditSample(AuditSample),
    Batch(Manifest),
    ResultForm(ResultForm),
    Removal(Removal),
    Checkpoint(RecordedCheckpoint),
    Pseudonyms(Pseudonyms),
    Checkins(Checkins),
    TemporaryCard(TemporaryCard),
    ObserverForms(ObserverForms),
    ObserverChecklist(ObserverChecklist),
    ObserverIncident(ObserverIncident),
    SmsMessages(SmsMessages),
    SmsSender(SmsSender),
    Complaint(Complaint),
}

/// Every kind string, for messages.
pub const KINDS: &[&str] = &[
    "genesis",
    "enrol",
    "revoke",
    "area",
    "station",
    "register",
    "update_voter",
    "transfer",
    "proposal",
    "approval",
    "rejection",
    "audit_commitment",
    "audit_seed",
    "audit_sample",
    "batch",
    "result_form",
    "removal",
    "checkpoint",
    "pseudonyms",
    "checkins",
    "temporary_card",
    "observer_forms",
    "observer_checklist",
    "observer_incident",
    "sms_messages",
    "sms_sender",
    "complaint",
];

impl Event {
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Genesis(_) => "genesis",
            Event::Enrol(_) => "enrol",
            Event::Revoke(_) => "revoke",
            Event::Area(_) => "area",
            Event::Station(_) => "station",
            Event::Register(_) => "register",
            Event::UpdateVoter(_) => "update_voter",
            Event::Transfer(_) => "transfer",
            Event::Proposal(_) => "proposal",
            Event::Approval(_) => "approval",
            Event::Rejection(_) => "rejection",
            Event::AuditCommitment(_) => "audit_commitment",
            Event::AuditSeed(_) => "audit_seed",
            Event::AuditSample(_) => "audit_sample",
            Event::Batch(_) => "batch",
            Event::ResultForm(_) => "result_form",
            Event::Removal(_) => "removal",
            Event::Checkpoint(_) => "checkpoint",
            Event::Pseudonyms(_) => "pseudonyms",
            Event::Checkins(_) => "checkins",
            Event::TemporaryCard(_) => "temporary_card",
            Event::ObserverForms(_) => "observer_forms",
            Event::ObserverChecklist(_) => "observer_checklist",
            Event::ObserverIncident(_) => "observer_incident",
            Event::SmsMessages(_) => "sms_messages",
            Event::SmsSender(_) => "sms_sender",
            Event::Complaint(_) => "complaint",
        }
    }

    /// The canonical JSON of the body.
    pub fn body_json(&self) -> Vec<u8> {
        serde_json::to_vec(&Body(self)).expect("events serialise")
    }

    fn parse_body(kind: &str, body: &str) -> Result<Event, EventError> {
        /// A body parsed from its own text.
        struct Alone<'a>(&'a str);
        impl BodyParser for Alone<'_> {
            fn parse<T: DeserializeOwned>(self) -> Result<T, EventError> {
                let body = self.0;
                // Without path tracking first: most entries are well formed, and tracking
                // costs. A refused body is parsed again with it, for the error's path.
                if let Ok(t) = serde_json::from_str(body) {
                    return Ok(t);
                }
                let de = &mut serde_json::Deserializer::from_str(body);
                serde_path_to_error::deserialize(de).map_err(|e| located(e, "body", "body."))
            }
        }
        Event::of_kind(kind, Alone(body))
    }

    /// The event of `kind`, its body parsed by `p` as that kind's type.
    fn of_kind(kind: &str, p: impl BodyParser) -> Result<Event, EventError> {
        Ok(match kind {
            "genesis" => Event::Genesis(p.parse()?),
            "enrol" => Event::Enrol(p.parse()?),
            "revoke" => Event::Revoke(p.parse()?),
            "area" => Event::Area(p.parse()?),
            "station" => Event::Station(p.parse()?),
            "register" => Event::Register(p.parse()?),
            "update_voter" => Event::UpdateVoter(p.parse()?),
            "transfer" => Event::Transfer(p.parse()?),
            "proposal" => Event::Proposal(p.parse()?),
            "approval" => Event::Approval(p.parse()?),
            "rejection" => Event::Rejection(p.parse()?),
            "audit_commitment" => Event::AuditCommitment(p.parse()?),
            "audit_seed" => Event::AuditSeed(p.parse()?),
            "audit_sample" => Event::AuditSample(p.parse()?),
            "batch" => Event::Batch(p.parse()?),
            "result_form" => Event::ResultForm(p.parse()?),
            "removal" => Event::Removal(p.parse()?),
            "checkpoint" => Event::Checkpoint(p.parse()?),
            "pseudonyms" => Event::Pseudonyms(p.parse()?),
            "checkins" => Event::Checkins(p.parse()?),
            "temporary_card" => Event::TemporaryCard(p.parse()?),
            "observer_forms" => Event::ObserverForms(p.parse()?),
            "observer_checklist" => Event::ObserverChecklist(p.parse()?),
            "observer_incident" => Event::ObserverIncident(p.parse()?),
            "sms_messages" => Event::SmsMessages(p.parse()?),
            "sms_sender" => Event::SmsSender(p.parse()?),
            "complaint" => Event::Complaint(p.parse()?),
            other => {
                return Err(EventError::new(
                    "kind",
                    format!("unknown kind {other:?}; known kinds: {}", KINDS.join(", ")),
                ));
            }
        })
    }
}

/// An event's body, serialised in place (the same bytes as [`Event::body_json`]).
struct Body<'a>(&'a Event);

impl Serialize for Body<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Event::Genesis(b) => b.serialize(serializer),
            Event::Enrol(b) => b.serialize(serializer),
            Event::Revoke(b) => b.serialize(serializer),
            Event::Area(b) => b.serialize(serializer),
            Event::Station(b) => b.serialize(serializer),
            Event::Register(b) => b.serialize(serializer),
            Event::UpdateVoter(b) => b.serialize(serializer),
            Event::Transfer(b) => b.serialize(serializer),
            Event::Proposal(b) => b.serialize(serializer),
            Event::Approval(b) => b.serialize(serializer),
            Event::Rejection(b) => b.serialize(serializer),
            Event::AuditCommitment(b) => b.serialize(serializer),
            Event::AuditSeed(b) => b.serialize(serializer),
            Event::AuditSample(b) => b.serialize(serializer),
            Event::Batch(b) => b.serialize(serializer),
            Event::ResultForm(b) => b.serialize(serializer),
            Event::Removal(b) => b.serialize(serializer),
            Event::Checkpoint(b) => b.serialize(serializer),
            Event::Pseudonyms(b) => b.serialize(serializer),
            Event::Checkins(b) => b.serialize(serializer),
            Event::TemporaryCard(b) => b.serialize(serializer),
            Event::ObserverForms(b) => b.serialize(serializer),
            Event::ObserverChecklist(b) => b.serialize(serializer),
            Event::ObserverIncident(b) => b.serialize(serializer),
            Event::SmsMessages(b) => b.serialize(serializer),
            Event::SmsSender(b) => b.serialize(serializer),
            Event::Complaint(b) => b.serialize(serializer),
        }
    }
}

/// Refuses JSON in which an object has the same key twice, naming the JSON path of the second
/// (under `root`, such as `body`). serde keeps the last of two equal keys of a map without a
/// word, so anything that decodes and re-encodes JSON must check this first.
pub fn no_duplicate_keys(json: &str, root: &str) -> Result<(), EventError> {
    use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    /// Walks a value; on a repeated key fails with the key's path as the message.
    struct Walk(String);

    impl Walk {
        fn child(&self, name: &str) -> Walk {
            let bare = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            let part = if bare {
                name.to_string()
            } else {
                format!("{name:?}")
            };
            Walk(if self.0.is_empty() {
                part
            } else {
                format!("{}.{part}", self.0)
            })
        }
    }

    impl<'de> DeserializeSeed<'de> for Walk {
        type Value = ();
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            let mut i = 0usize;
            while seq
                .next_element_seed(Walk(format!("{}[{i}]", self.0)))?
                .is_some()
            {
                i += 1;
            }
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                let child = self.child(&key);
                if !seen.insert(key) {
                    return Err(A::Error::custom(format!("\u{0}{}", child.0)));
                }
                map.next_value_seed(child)?;
            }
            Ok(())
        }
    }

    let mut de = serde_json::Deserializer::from_str(json);
    match Walk(root.to_string()).deserialize(&mut de) {
        Ok(()) => Ok(()),
        Err(e) => {
            let message = strip_position(&e.to_string());
            match message.strip_prefix('\u{0}') {
                Some(path) => Err(EventError::new(
                    path,
                    "duplicate key: an object may name each key once",
                )),
                // Not JSON at all: the typed parse says what is wrong with it.
                None => Ok(()),
            }
        }
    }
}

/// serde_json appends "at line 1 column N"; the JSON path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

/// A founding member's signature on the genesis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cosig {
    pub author: String,
    pub sig: String,
}

/// A parsed entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub author: Option<String>,
    /// The id of the batch manifest this entry belongs to.
    pub batch: Option<String>,
    pub event: Event,
    pub cosigs: Vec<Cosig>,
    /// Base64 Ed25519 signature by `author`.
    pub sig: Option<String>,
}

/// What is wrong with an entry, and where (a JSON path such as `body.votes.CPP`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct EventError {
    pub path: String,
    pub message: String,
}

impl EventError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> EventError {
        EventError {
            path: path.into(),
            message: message.into(),
        }
    }
}

/// A parse error at its JSON path, which starts with `prefix`; `whole` names the value parsed
/// when the path is empty (an unknown member named "" has an empty path).
fn located(
    e: serde_path_to_error::Error<serde_json::Error>,
    whole: &str,
    prefix: &str,
) -> EventError {
    let path = e.path().to_string();
    EventError::new(
        if path == "." || path.is_empty() {
            whole.to_string()
        } else {
            format!("{prefix}{path}")
        },
        strip_position(&e.into_inner().to_string()),
    )
}

/// Parses an event's body as the type its kind names ([`Event::of_kind`]).
trait BodyParser {
    fn parse<T: DeserializeOwned>(self) -> Result<T, EventError>;
}

/// An entry's envelope with its body read as `T` (see [`Whole`]).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedEnvelope<'a, T> {
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    batch: Option<String>,
    body: T,
    #[serde(default)]
    cosigs: Option<Vec<Cosig>>,
    kind: &'a str,
    #[serde(default)]
    sig: Option<String>,
    v: u32,
}

/// A whole entry parsed in one pass, its kind read ahead of its body: in canonical form
/// `kind` is the last member but `sig` and `v`, whose values hold no quote, so it is the
/// last `"kind":"` in the text. Whatever this reads, the entry is then re-encoded and
/// compared with its bytes, so a wrong guess cannot pass; when anything fails, the entry is
/// parsed again in two passes (the envelope, then the body as its kind says), which gives
/// the error.
struct Whole<'a> {
    text: &'a str,
    kind: &'a str,
    envelope: Option<Envelope>,
}

/// An entry's members but its body (and kind, which the body's event gives).
struct Envelope {
    author: Option<String>,
    batch: Option<String>,
    cosigs: Vec<Cosig>,
    sig: Option<String>,
}

impl<'a> Whole<'a> {
    fn new(text: &'a str) -> Option<Whole<'a>> {
        const KEY: &str = "\"kind\":\"";
        let at = text.rfind(KEY)? + KEY.len();
        let len = text[at..].find('"')?;
        Some(Whole {
            text,
            kind: &text[at..at + len],
            envelope: None,
        })
    }

    /// The entry, if it parses and is in canonical form.
    fn entry(mut self) -> Option<Entry> {
        let event = Event::of_kind(self.kind, &mut self).ok()?;
        check_values(&event).ok()?;
        let Envelope {
            author,
            batch,
            cosigs,
            sig,
        } = self.envelope?;
        let entry = Entry {
            author,
            batch,
            event,
            cosigs,
            sig,
        };
        (entry.encode_into(true, Vec::with_capacity(self.text.len())) == self.text.as_bytes())
            .then_some(entry)
    }
}

impl BodyParser for &mut Whole<'_> {
    fn parse<T: DeserializeOwned>(self) -> Result<T, EventError> {
        let no = || EventError::new("entry", "");
        let e: TypedEnvelope<'_, T> = serde_json::from_str(self.text).map_err(|_| no())?;
        if e.kind != self.kind || e.v != VERSION {
            return Err(no());
        }
        self.envelope = Some(Envelope {
            author: e.author,
            batch: e.batch,
            cosigs: e.cosigs.unwrap_or_default(),
            sig: e.sig,
        });
        Ok(e.body)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope<'a> {
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    batch: Option<String>,
    #[serde(borrow)]
    body: &'a RawValue,
    #[serde(default)]
    cosigs: Option<Vec<Cosig>>,
    kind: String,
    #[serde(default)]
    sig: Option<String>,
    v: u32,
}

#[derive(Serialize)]
struct OutEnvelope<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    batch: Option<&'a str>,
    body: Body<'a>,
    #[serde(skip_serializing_if = "<[Cosig]>::is_empty")]
    cosigs: &'a [Cosig],
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sig: Option<&'a str>,
    v: u32,
}

impl Entry {
    /// Parses and checks the form of an entry: JSON, known kind, typed body, version, and
    /// canonical encoding. Signatures are checked against enrolled keys by the fold.
    pub fn parse(bytes: &[u8]) -> Result<Entry, EventError> {
        let text = std::str::from_utf8(bytes).map_err(|_| EventError::new("entry", "not UTF-8"))?;
        if let Some(entry) = Whole::new(text).and_then(Whole::entry) {
            return Ok(entry);
        }
        // As for bodies: path tracking only to describe a refusal.
        let raw: RawEnvelope = match serde_json::from_str(text) {
            Ok(raw) => raw,
            Err(_) => {
                let de = &mut serde_json::Deserializer::from_str(text);
                serde_path_to_error::deserialize(de).map_err(|e| located(e, "entry", ""))?
            }
        };
        if raw.v != VERSION {
            return Err(EventError::new(
                "v",
                format!(
                    "envelope version {} is not supported (this is version {VERSION})",
                    raw.v
                ),
            ));
        }
        let event = Event::parse_body(&raw.kind, raw.body.get())?;
        check_values(&event)?;
        let entry = Entry {
            author: raw.author,
            batch: raw.batch,
            event,
            cosigs: raw.cosigs.unwrap_or_default(),
            sig: raw.sig,
        };
        if entry.encode_into(true, Vec::with_capacity(bytes.len())) != bytes {
            // A repeated key inside a map decodes (the last wins) and re-encodes once, so
            // only here is it seen; say where, rather than only "not canonical".
            no_duplicate_keys(text, "")?;
            return Err(EventError::new(
                "entry",
                "not in canonical form (RFC 8785: sorted keys, no spaces, no nulls or empty optional lists)",
            ));
        }
        Ok(entry)
    }

    /// The canonical bytes of the entry.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode(true)
    }

    /// The bytes that `sig` and every cosig sign: the canonical envelope without them.
    pub fn signed_message(&self) -> Vec<u8> {
        self.encode(false)
    }

    fn encode(&self, with_sigs: bool) -> Vec<u8> {
        self.encode_into(with_sigs, Vec::with_capacity(256))
    }

    /// The envelope with the body serialised in place, appended to `out`.
    fn encode_into(&self, with_sigs: bool, mut out: Vec<u8>) -> Vec<u8> {
        let envelope = OutEnvelope {
            author: self.author.as_deref(),
            batch: self.batch.as_deref(),
            body: Body(&self.event),
            cosigs: if with_sigs { &self.cosigs } else { &[] },
            kind: self.event.kind(),
            sig: if with_sigs { self.sig.as_deref() } else { None },
            v: VERSION,
        };
        serde_json::to_writer(&mut out, &envelope).expect("envelope serialises");
        out
    }

    /// A signed event by `key` (whose name becomes the author).
    pub fn signed(event: Event, key: &tlog::PrivateKey) -> Entry {
        let mut entry = Entry {
            author: Some(key.name().to_string()),
            batch: None,
            event,
            cosigs: Vec::new(),
            sig: None,
        };
        entry.sig = Some(sign(&entry.signed_message(), key));
        entry
    }

    /// The genesis, signed by `author`; the other founding members add theirs with
    /// [`Entry::cosign`].
    pub fn genesis(g: Genesis, author: &tlog::PrivateKey) -> Entry {
        Entry::signed(Event::Genesis(g), author)
    }

    /// Adds a founding member's signature to the genesis.
    pub fn cosign(&mut self, key: &tlog::PrivateKey) {
        let sig = sign(&self.signed_message(), key);
        self.cosigs.retain(|c| c.author != key.name());
        self.cosigs.push(Cosig {
            author: key.name().to_string(),
            sig,
        });
    }

    /// An entry of the batch whose manifest has id `manifest`.
    pub fn in_batch(event: Event, manifest: &str) -> Entry {
        Entry {
            author: None,
            batch: Some(manifest.to_string()),
            event,
            cosigs: Vec::new(),
            sig: None,
        }
    }
}

/// A batch id derived from its author and events, so that building the same batch twice gives
/// the same id (and the second submission is refused as a duplicate).
pub fn batch_id(author: &str, content: Content, events: &[Event]) -> String {
    let mut h = Sha256::new();
    h.update(author.as_bytes());
    h.update(b"\n");
    h.update(serde_json::to_vec(&content).expect("content"));
    for e in events {
        h.update(b"\n");
        h.update(e.kind().as_bytes());
        h.update(b" ");
        h.update(e.body_json());
    }
    hex(&h.finalize()[..16])
}

/// The entries of a bulk submission: the signed manifest (a plain `batch` event, or, for a
/// governed batch, a `proposal` whose action is the batch) followed by its entries.
pub fn build_batch(
    key: &tlog::PrivateKey,
    content: Content,
    events: Vec<Event>,
    governed: Option<(String, Vec<String>)>,
) -> Vec<Vec<u8>> {
    let id = batch_id(key.name(), content, &events);
    let members: Vec<Vec<u8>> = events
        .into_iter()
        .map(|e| Entry::in_batch(e, &id).to_bytes())
        .collect();
    let mut edge = tlog::merkle::RightEdge::default();
    let mut full = Vec::new();
    for m in &members {
        edge.push(tlog::record_hash(m), &mut full);
    }
    use base64::prelude::*;
    let manifest = Manifest {
        content,
        count: members.len() as u64,
        id,
        root: BASE64_STANDARD.encode(edge.root().0),
    };
    let head = match governed {
        None => Event::Batch(manifest),
        Some((reason, asked)) => Event::Proposal(Proposal {
            action: Action::Batch(manifest),
            asked,
            reason,
        }),
    };
    let mut out = Vec::with_capacity(members.len() + 1);
    out.push(Entry::signed(head, key).to_bytes());
    out.extend(members);
    out
}

/// Base64 Ed25519 signature of `message`.
pub fn sign(message: &[u8], key: &tlog::PrivateKey) -> String {
    use base64::prelude::*;
    BASE64_STANDARD.encode(key.sign_raw(message))
}

/// The id of an entry: lowercase hex SHA-256 of its bytes.
pub fn entry_id(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Refuses what the types can hold but an entry cannot: integers that JSON cannot carry
/// exactly, and map keys that would not be in RFC 8785 order.
pub(crate) fn check_values(event: &Event) -> Result<(), EventError> {
    check_integers(event)?;
    check_keys(event)
}

/// RFC 8785 sorts members by their names' UTF-16 code units, and a `BTreeMap` by their UTF-8
/// bytes. The two orders agree for names within the Basic Multilingual Plane, so map keys
/// (choice ids, area codes) must stay within it, as choice ids already do.
fn check_keys(event: &Event) -> Result<(), EventError> {
    fn bmp<V>(path: &str, map: &BTreeMap<String, V>) -> Result<(), EventError> {
        match map
            .keys()
            .find(|k| k.chars().any(|c| u32::from(c) > 0xFFFF))
        {
            Some(k) => Err(EventError::new(
                format!("{path}.{k}"),
                "names use characters of the Basic Multilingual Plane only (RFC 8785 orders them by UTF-16 code units)",
            )),
            None => Ok(()),
        }
    }
    match event {
        Event::ResultForm(f) => bmp("body.votes", &f.votes),
        Event::Proposal(Proposal {
            action: Action::AmendForm(f),
            ..
        }) => bmp("body.action.amend_form.votes", &f.votes),
        Event::Proposal(Proposal {
            action: Action::Certify(c),
            ..
        }) => bmp("body.action.certify.totals", &c.totals),
        Event::Genesis(g) => g
            .contests
            .iter()
            .enumerate()
            .try_for_each(|(i, c)| bmp(&format!("body.contests[{i}].seats"), &c.seats)),
        _ => Ok(()),
    }
}

/// Refuses integers that JSON cannot carry exactly.
fn check_integers(event: &Event) -> Result<(), EventError> {
    let check = |path: &str, v: u64| {
        if v > MAX_SAFE_INTEGER {
            Err(EventError::new(
                path,
                format!("{v} is larger than 2^53 - 1"),
            ))
        } else {
            Ok(())
        }
    };
    let opt = |path: &str, v: Option<u64>| v.map_or(Ok(()), |v| check(path, v));
    match event {
        Event::Station(s) => opt("body.registered", s.registered),
        Event::ResultForm(f) => form_integers("body", f),
        Event::Batch(m) => check("body.count", m.count),
        Event::Proposal(p) => match &p.action {
            Action::Batch(m) => check("body.action.batch.count", m.count),
            Action::Station(s) => opt("body.action.station.registered", s.registered),
            Action::AmendForm(f) => form_integers("body.action.amend_form", f),
            Action::ComplaintDecision(d) => {
                check("body.action.complaint_decision.complaint", d.complaint)
            }
            Action::Certify(c) => {
                check("body.action.certify.valid", c.valid)?;
                check("body.action.certify.invalid", c.invalid)?;
                for (choice, n) in &c.totals {
                    check(&format!("body.action.certify.totals.{choice}"), *n)?;
                }
                Ok(())
            }
            _ => Ok(()),
        },
        Event::Genesis(g) => {
            if let Some((path, message)) = g.complaint_deadlines.as_ref().and_then(|d| d.check()) {
                return Err(EventError::new(
                    format!("body.complaint_deadlines.{path}"),
                    message,
                ));
            }
            opt("body.card_threshold", g.card_threshold)?;
            check("body.bulk_threshold", g.bulk_threshold)
        }
        Event::Checkins(c) => c
            .checkins
            .iter()
            .enumerate()
            .try_for_each(|(i, c)| check(&format!("body.checkins[{i}][1]"), c.at)),
        Event::TemporaryCard(c) => check("body.at", c.at),
        Event::ObserverChecklist(c) => check("body.at", c.at),
        Event::ObserverIncident(c) => check("body.at", c.at),
        Event::SmsMessages(m) => m
            .messages
            .iter()
            .enumerate()
            .try_for_each(|(i, m)| check(&format!("body.messages[{i}][0]"), m.received_at)),
        Event::Complaint(c) => opt("body.time", c.time),
        _ => Ok(()),
    }
}

/// Refuses a result form's integers that JSON cannot carry exactly, under `path`.
fn form_integers(path: &str, f: &ResultForm) -> Result<(), EventError> {
    let check = |field: &str, v: u64| {
        if v > MAX_SAFE_INTEGER {
            Err(EventError::new(
                format!("{path}.{field}"),
                format!("{v} is larger than 2^53 - 1"),
            ))
        } else {
            Ok(())
        }
    };
    let opt = |field: &str, v: Option<u64>| v.map_or(Ok(()), |v| check(field, v));
    opt("ballots_issued", f.ballots_issued)?;
    opt("ballots_received", f.ballots_received)?;
    opt("registered", f.registered)?;
    opt("spoiled", f.spoiled)?;
    opt("time", f.time)?;
    opt("unused", f.unused)?;
    check("valid", f.valid)?;
    check("invalid", f.invalid)?;
    for (choice, n) in &f.votes {
        check(&format!("votes.{choice}"), *n)?;
    }
    Ok(())
}

/// Signed entries, each with the line (from 1) it was written on.
pub type SignedLines = Vec<(usize, Vec<u8>)>;

/// Events written by hand, one JSON object `{"kind": KIND, "body": {...}}` a line (blank lines
/// skipped), each signed by `key`: the entries with their line numbers (from 1). The first line
/// that is not such an event is refused with its number and why.
pub fn sign_lines(text: &str, key: &tlog::PrivateKey) -> Result<SignedLines, (usize, String)> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Unsigned {
        kind: String,
        body: Box<RawValue>,
    }
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let refuse = |e: &dyn std::fmt::Display| (i + 1, e.to_string());
        let u: Unsigned = serde_json::from_str(line).map_err(|e| refuse(&e))?;
        // The canonical re-encoding below would keep the last of two equal keys silently.
        no_duplicate_keys(u.body.get(), "body").map_err(|e| refuse(&e))?;
        // Build the envelope, then let the entry parser type-check the body.
        let quoted = |s: &str| serde_json::Value::String(s.to_string()).to_string();
        let raw = format!(
            "{{\"author\":{},\"body\":{},\"kind\":{},\"v\":1}}",
            quoted(key.name()),
            u.body.get(),
            quoted(&u.kind)
        );
        let value: serde_json::Value = serde_json::from_str(&raw).map_err(|e| refuse(&e))?;
        let canonical = serde_json::to_vec(&value).map_err(|e| refuse(&e))?;
        let entry = Entry::parse(&canonical).map_err(|e| refuse(&e))?;
        entries.push((i + 1, Entry::signed(entry.event, key).to_bytes()));
    }
    Ok(entries)
}
