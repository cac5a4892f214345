//! Fixtures for the `ledger` targets: fixed keys, a small two-party election built through the
//! real intake, sample entries of every kind, and a generator that turns fuzz bytes into
//! well-typed events.
//!
//! Every key comes from a fixed seed, so the harness can sign what the fuzzer builds and a
//! crash reproduces from its input alone.

use crate::Input;
use ledger::event::*;
use ledger::{Applied, Election};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use tlog::note::PrivateKey;
use tlog::{Log, LogMeta, SqliteStorage};

pub const ELECTION_ORIGIN: &str = "fuzz.scrutineer.example/election";

/// The ledger tests' fixtures: the same members' keys, commission, parties, rule and helpers.
#[path = "../../crates/ledger/tests/common/mod.rs"]
mod tests_common;
pub use tests_common::area;
use tests_common::{commission, enrol, key, two_parties, two_party_rule};

/// Every key the fixture election knows, and one it does not.
pub struct Keys {
    pub log: PrivateKey,
    /// a1..a4 (party A), b1..b4 (party B), c (no party), in that order.
    pub members: Vec<PrivateKey>,
    pub clerk: PrivateKey,
    /// Registration officer, everywhere.
    pub officer: PrivateKey,
    /// Polling official, everywhere.
    pub official: PrivateKey,
    /// Party agent of party A.
    pub agent: PrivateKey,
    /// Observer of the organisation "watch", everywhere.
    pub observer: PrivateKey,
    pub witness: PrivateKey,
    /// Registration officer of province P1 only (enrolled by a governed proposal).
    pub officer_p1: PrivateKey,
    /// Polling official of district D11 only (enrolled by a governed proposal).
    pub official_d11: PrivateKey,
    /// Observer of "watch" in province P2 only (enrolled by the clerk directly).
    pub observer_p2: PrivateKey,
    /// Never enrolled; the fuzzer may enrol it.
    pub stranger: PrivateKey,
}

pub fn keys() -> &'static Keys {
    static K: OnceLock<Keys> = OnceLock::new();
    K.get_or_init(|| Keys {
        log: key(ELECTION_ORIGIN, 1),
        members: tests_common::members(),
        clerk: key("nec.clerk", 2),
        officer: key("reg.officer", 3),
        official: key("poll.official", 4),
        agent: key("agent.a", 5),
        observer: key("obs.watch", 6),
        witness: key("witness.one", 7),
        officer_p1: key("reg.p1", 20),
        official_d11: key("poll.d11", 21),
        observer_p2: key("obs.p2", 22),
        stranger: key("stranger", 23),
    })
}

impl Keys {
    /// Every key, in a fixed order, for the fuzzer to pick a signer by index.
    pub fn all(&self) -> Vec<&PrivateKey> {
        let mut v: Vec<&PrivateKey> = self.members.iter().collect();
        v.extend([
            &self.clerk,
            &self.officer,
            &self.official,
            &self.agent,
            &self.observer,
            &self.witness,
            &self.officer_p1,
            &self.official_d11,
            &self.observer_p2,
            &self.stranger,
            &self.log,
        ]);
        v
    }
}

fn choice(id: &str, party: Option<&str>) -> Choice {
    Choice {
        id: id.into(),
        name: format!("Choice {id}"),
        party: party.map(Into::into),
    }
}

/// The fixture's genesis: two contests (a party list by province, a candidate race by
/// district), a 5-of-9, two-party rule, and a bulk threshold of 4 so that small batches
/// already need approval.
pub fn genesis() -> Genesis {
    let k = keys();
    let mut agent = enrol(&k.agent, Role::PartyAgent, Scope::all());
    agent.party = Some("A".into());
    let mut observer = enrol(&k.observer, Role::Observer, Scope::all());
    observer.organisation = Some("watch".into());
    Genesis {
        bulk_threshold: 4,
        card_threshold: None,
        complaint_deadlines: None,
        contests: vec![
            Contest {
                choices: vec![
                    choice("A", Some("A")),
                    choice("B", Some("B")),
                    choice("C", None),
                ],
                constituency_level: "province".into(),
                id: "assembly".into(),
                kind: ContestKind::PartyList,
                method: Method::Dhondt,
                name: "Assembly".into(),
                seats: BTreeMap::from([("P1".into(), 3), ("P2".into(), 2)]),
            },
            Contest {
                choices: vec![choice("c1", Some("A")), choice("c2", None)],
                constituency_level: "district".into(),
                id: "mayor".into(),
                kind: ContestKind::Candidates,
                method: Method::SainteLague,
                name: "Mayor".into(),
                seats: BTreeMap::from([("D11".into(), 1), ("D21".into(), 1)]),
            },
        ],
        election: "Fuzz election".into(),
        keys: vec![
            enrol(&k.clerk, Role::CommissionClerk, Scope::all()),
            enrol(&k.officer, Role::RegistrationOfficer, Scope::all()),
            enrol(&k.official, Role::PollingOfficial, Scope::all()),
            agent,
            observer,
            enrol(&k.witness, Role::Witness, Scope::all()),
        ],
        levels: vec!["province".into(), "district".into()],
        log_key: None,
        members: commission(&k.members),
        origin: ELECTION_ORIGIN.into(),
        parties: two_parties(),
        rule: two_party_rule(),
    }
}

/// The genesis entry, signed by every member.
pub fn signed_genesis() -> Vec<u8> {
    tests_common::signed_genesis(genesis(), &keys().members)
}

pub fn register(voter: &str, station: &str, year: u16) -> Event {
    Event::Register(Register {
        names: None,
        birth_year: year,
        commitment: None,
        name: format!("Voter {voter}"),
        sex: Sex::F,
        station: station.into(),
        voter: voter.into(),
    })
}

pub fn form(station: &str, contest: &str, source: &str, votes: &[(&str, u64)]) -> ResultForm {
    let valid = votes.iter().map(|v| v.1).sum();
    ResultForm {
        ballots_issued: Some(valid + 3),
        ballots_received: Some(valid + 10),
        contest: contest.into(),
        invalid: 2,
        photos: vec![],
        registered: Some(50),
        source: source.into(),
        spoiled: Some(1),
        station: station.into(),
        time: None,
        unused: Some(6),
        valid,
        votes: votes.iter().map(|(c, n)| (c.to_string(), *n)).collect(),
    }
}

/// The fixture election, as built by [`build`].
pub struct Base {
    pub election: Election,
    /// Proposals in the base state: a voter removal with two approvals of party A, a
    /// certification of P1 that adds up, a station change, all pending; and a rejected
    /// revocation.
    pub proposals: Vec<String>,
}

/// A new empty log for the fixture election in `dir`.
pub fn new_log(dir: &Path) -> Log<SqliteStorage> {
    let meta = LogMeta {
        origin: ELECTION_ORIGIN.into(),
        vkey: keys().log.vkey().to_string(),
    };
    Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap()
}

/// Builds the fixture election in `dir` through intake: two provinces of two districts, a
/// station per district, ten voters (one ungoverned batch, one governed), two area-bound
/// officials enrolled by proposals, an area-bound observer, result forms from three sources,
/// the proposals listed in [`Base::proposals`], and an audit committed by party A's agent.
pub fn build(dir: &Path) -> Base {
    let k = keys();
    let mut e = Election::create(new_log(dir), &signed_genesis()).unwrap();
    let mut submit = |entries: Vec<Vec<u8>>| -> Vec<Applied> {
        e.submit(&entries)
            .unwrap_or_else(|err| panic!("fixture: {err}"))
            .applied
    };
    let proposed = |applied: &[Applied]| match &applied[0] {
        Applied::Proposed(id) => id.clone(),
        other => panic!("fixture: {other:?}"),
    };
    let approvals = |p: &str, who: &[usize]| -> Vec<Vec<u8>> {
        who.iter()
            .map(|&i| {
                Entry::signed(
                    Event::Approval(Approval { proposal: p.into() }),
                    &k.members[i],
                )
                .to_bytes()
            })
            .collect()
    };
    let quorum = [0usize, 1, 4, 5, 8];
    let governed = || Some(("setting up".to_string(), vec![]));

    let areas = tests_common::two_provinces();
    let p = proposed(&submit(build_batch(
        &k.clerk,
        Content::Areas,
        areas,
        governed(),
    )));
    submit(approvals(&p, &quorum));
    let stations = STATIONS[..4]
        .iter()
        .map(|s| {
            Event::Station(Station {
                area: s[2..].to_string(),
                code: s.to_string(),
                name: (s.ends_with('1')).then(|| format!("School {s}")),
                registered: Some(50),
            })
        })
        .collect();
    let p = proposed(&submit(build_batch(
        &k.clerk,
        Content::Stations,
        stations,
        governed(),
    )));
    submit(approvals(&p, &quorum));
    let voters = |range: std::ops::Range<usize>| -> Vec<Event> {
        range
            .map(|i| register(VOTERS[i], STATIONS[i % 4], 1950 + i as u16))
            .collect()
    };
    submit(build_batch(
        &k.officer,
        Content::Registrations,
        voters(0..4),
        None,
    ));
    let p = proposed(&submit(build_batch(
        &k.officer,
        Content::Registrations,
        voters(4..10),
        Some(("the second half".into(), vec![])),
    )));
    submit(approvals(&p, &quorum));
    for (key, role, area) in [
        (&k.officer_p1, Role::RegistrationOfficer, "P1"),
        (&k.official_d11, Role::PollingOfficial, "D11"),
    ] {
        let action = Action::Enrol(enrol(key, role, Scope::Areas(vec![area.into()])));
        let p = proposed(&submit(vec![
            Entry::signed(
                Event::Proposal(Proposal {
                    action,
                    asked: vec![],
                    reason: "an area official".into(),
                }),
                &k.clerk,
            )
            .to_bytes(),
        ]));
        submit(approvals(&p, &quorum));
    }
    let mut obs = enrol(
        &k.observer_p2,
        Role::Observer,
        Scope::Areas(vec!["P2".into()]),
    );
    obs.organisation = Some("watch".into());
    submit(vec![Entry::signed(Event::Enrol(obs), &k.clerk).to_bytes()]);

    let forms = [
        (
            &k.official,
            form("S-D11", "assembly", "official", &[("A", 20), ("B", 15)]),
        ),
        (
            &k.official_d11,
            form("S-D11", "mayor", "official", &[("c1", 18), ("c2", 17)]),
        ),
        (
            &k.official,
            form(
                "S-D12",
                "assembly",
                "official",
                &[("A", 9), ("B", 12), ("C", 1)],
            ),
        ),
        (
            &k.agent,
            form("S-D11", "assembly", "party:A", &[("A", 21), ("B", 14)]),
        ),
        (
            &k.observer_p2,
            form("S-D21", "assembly", "observer:watch", &[("A", 5), ("B", 5)]),
        ),
    ];
    for (key, f) in forms {
        submit(vec![Entry::signed(Event::ResultForm(f), key).to_bytes()]);
    }

    let propose = |action: Action, by: &PrivateKey| {
        Entry::signed(
            Event::Proposal(Proposal {
                action,
                asked: vec![],
                reason: "pending".into(),
            }),
            by,
        )
        .to_bytes()
    };
    let mut proposals = Vec::new();
    let removal = Action::RemoveVoter(RemoveVoter {
        reason: RemovalReason::Duplicate,
        voter: "V001".into(),
    });
    let p = proposed(&submit(vec![propose(removal, &k.officer)]));
    submit(approvals(&p, &[0, 1]));
    proposals.push(p);
    let p = proposed(&submit(vec![propose(
        Action::Certify(p1_certify()),
        &k.clerk,
    )]));
    proposals.push(p);
    let change = Action::Station(Station {
        area: "D22".into(),
        code: "S-D22".into(),
        name: Some("Moved".into()),
        registered: Some(9),
    });
    let p = proposed(&submit(vec![propose(change, &k.clerk)]));
    proposals.push(p);
    let revoke = Action::Revoke(Revoke {
        name: k.agent.name().into(),
        reason: "misconduct".into(),
    });
    let p = proposed(&submit(vec![propose(revoke, &k.members[4])]));
    let rejections: Vec<Vec<u8>> = [0usize, 1, 2, 3, 8]
        .iter()
        .map(|&i| {
            Entry::signed(
                Event::Rejection(Rejection {
                    proposal: p.clone(),
                    reason: "no".into(),
                }),
                &k.members[i],
            )
            .to_bytes()
        })
        .collect();
    submit(rejections);
    proposals.push(p);
    // An audit committed by party A's agent, its seed not yet revealed.
    submit(vec![
        Entry::signed(
            Event::AuditCommitment(AuditCommitment {
                audit: "pvt-1".into(),
                commitment: seed_commitment(),
                purpose: "PVT sample".into(),
                draw: None,
            }),
            &k.agent,
        )
        .to_bytes(),
    ]);
    Base {
        election: e,
        proposals,
    }
}

/// The certification of P1's assembly results that the base state's official forms add up to.
pub fn p1_certify() -> Certify {
    Certify {
        area: "P1".into(),
        contest: "assembly".into(),
        invalid: 4,
        totals: BTreeMap::from([("A".into(), 29), ("B".into(), 27), ("C".into(), 1)]),
        valid: 57,
    }
}

// ------------------------------------------------------------------ pools

pub const STATIONS: &[&str] = &["S-D11", "S-D12", "S-D21", "S-D22", "S-D99", "S-P1"];
pub const VOTERS: &[&str] = &[
    "V000", "V001", "V002", "V003", "V004", "V005", "V006", "V007", "V008", "V009", "V010", "V011",
    "V012", "",
];
pub const AREAS: &[&str] = &["P1", "P2", "D11", "D12", "D21", "D22", "D13", "P3", ""];
pub const LEVELS: &[&str] = &["province", "district", "ward"];
pub const CONTESTS: &[&str] = &["assembly", "mayor", "senate"];
/// With a name at the top of the Basic Multilingual Plane and one above it: RFC 8785 and a
/// `BTreeMap` order those two differently.
pub const CHOICES: &[&str] = &["A", "B", "C", "c1", "c2", "D", "\u{ffff}", "\u{10000}"];
pub const SOURCES: &[&str] = &[
    "official",
    "party:A",
    "party:B",
    "observer:watch",
    "observer:other",
    "party",
    "unofficial",
];
pub const PARTIES: &[&str] = &["A", "B", "Z"];
pub const REASONS: &[&str] = &["because", "", " ", "a reason\nwith a line"];

/// What the generator knows beyond the pools: proposal ids and batch ids to refer to.
#[derive(Default, Clone)]
pub struct Ctx {
    pub proposals: Vec<String>,
}

/// Picks a string from `pool` by one byte; bytes from 250 up read a string from the input.
pub fn pick(input: &mut Input, pool: &[&str]) -> String {
    let b = input.u8();
    if b >= 250 {
        fuzz_string(input)
    } else {
        pool[usize::from(b) % pool.len()].to_string()
    }
}

/// A length byte and that many bytes, as (lossy) UTF-8.
pub fn fuzz_string(input: &mut Input) -> String {
    String::from_utf8_lossy(input.chunk()).into_owned()
}

/// A count: mostly small, sometimes at or past the limits.
pub fn num(input: &mut Input) -> u64 {
    match input.u8() {
        b @ 0..=199 => u64::from(b),
        b @ 200..=239 => u64::from(b - 200) * 1000,
        240 => MAX_SAFE_INTEGER,
        241 => MAX_SAFE_INTEGER + 1,
        242 => u64::MAX,
        243 => i64::MAX as u64,
        244 => i64::MAX as u64 + 1,
        245 => u64::from(u32::MAX),
        246..=250 => u64::from(input.u16()),
        _ => input.u64(),
    }
}

fn opt<T>(input: &mut Input, f: impl FnOnce(&mut Input) -> T) -> Option<T> {
    (input.u8() & 1 == 1).then(|| f(input))
}

fn sex(input: &mut Input) -> Sex {
    [Sex::F, Sex::M, Sex::X][usize::from(input.u8() % 3)]
}

fn role(input: &mut Input) -> Role {
    [
        Role::CommissionMember,
        Role::CommissionClerk,
        Role::RegistrationOfficer,
        Role::PollingOfficial,
        Role::PartyAgent,
        Role::Observer,
        Role::Witness,
    ][usize::from(input.u8() % 7)]
}

fn content(input: &mut Input) -> Content {
    [
        Content::Areas,
        Content::Stations,
        Content::Registrations,
        Content::ResultForms,
        Content::Enrolments,
        Content::Removals,
    ][usize::from(input.u8() % 6)]
}

fn scope(input: &mut Input) -> Scope {
    match input.u8() % 4 {
        0 | 1 => Scope::all(),
        2 => Scope::Areas(vec![pick(input, AREAS)]),
        _ => Scope::Areas((0..input.u8() % 3).map(|_| pick(input, AREAS)).collect()),
    }
}

fn key_name(input: &mut Input) -> String {
    let all = keys().all();
    let b = input.u8();
    if b >= 250 {
        fuzz_string(input)
    } else {
        all[usize::from(b) % all.len()].name().to_string()
    }
}

fn gen_enrol(input: &mut Input) -> Enrol {
    let all = keys().all();
    let k = all[usize::from(input.u8()) % all.len()];
    let flags = input.u8();
    Enrol {
        name: if flags & 1 == 0 {
            k.name().into()
        } else {
            key_name(input)
        },
        organisation: (flags & 2 != 0).then(|| pick(input, &["watch", "other", ""])),
        party: (flags & 4 != 0).then(|| pick(input, PARTIES)),
        person: (flags & 8 != 0).then(|| fuzz_string(input)),
        role: role(input),
        scope: scope(input),
        vkey: if flags & 16 == 0 {
            k.vkey().to_string()
        } else {
            fuzz_string(input)
        },
    }
}

fn gen_area(input: &mut Input) -> Area {
    Area {
        code: pick(input, AREAS),
        level: pick(input, LEVELS),
        name: pick(input, &["North", ""]),
        parent: opt(input, |i| pick(i, AREAS)),
    }
}

fn gen_station(input: &mut Input) -> Station {
    Station {
        area: pick(input, AREAS),
        code: pick(input, STATIONS),
        name: opt(input, fuzz_string),
        registered: opt(input, num),
    }
}

fn gen_names(input: &mut Input) -> VoterNames {
    VoterNames {
        family: pick(input, &["Sok", "សុខ", ""]),
        family_latin: opt(input, fuzz_string),
        given: pick(input, &["Chan", "ចាន់", ""]),
        given_latin: opt(input, fuzz_string),
    }
}

fn gen_register(input: &mut Input) -> Register {
    Register {
        names: opt(input, gen_names),
        birth_year: 1900 + u16::from(input.u8()),
        commitment: opt(input, fuzz_string),
        name: pick(input, &["Sok Chan", "សុខ ចាន់", ""]),
        sex: sex(input),
        station: pick(input, STATIONS),
        voter: pick(input, VOTERS),
    }
}

fn gen_votes(input: &mut Input, contest: &str) -> BTreeMap<String, u64> {
    let n = input.u8() % 4;
    let mut votes = BTreeMap::new();
    for i in 0..n {
        let choice = match contest {
            "assembly" if input.u8() < 240 => ["A", "B", "C"][usize::from(i % 3)].to_string(),
            "mayor" if input.u8() < 240 => ["c1", "c2"][usize::from(i % 2)].to_string(),
            _ => pick(input, CHOICES),
        };
        votes.insert(choice, num(input));
    }
    votes
}

fn gen_form(input: &mut Input) -> ResultForm {
    let contest = pick(input, CONTESTS);
    let votes = gen_votes(input, &contest);
    let flags = input.u8();
    let sum = votes.values().fold(0u64, |a, b| a.saturating_add(*b));
    // Mostly consistent figures, so that the fuzzer gets past the arithmetic checks.
    let valid = if flags & 1 == 0 { sum } else { num(input) };
    let invalid = num(input);
    let cast = valid.saturating_add(invalid);
    let issued = (flags & 2 != 0).then(|| {
        if flags & 32 == 0 {
            cast.saturating_add(num(input))
        } else {
            num(input)
        }
    });
    ResultForm {
        ballots_issued: issued,
        ballots_received: (flags & 4 != 0).then(|| {
            if flags & 64 == 0 {
                issued
                    .unwrap_or(cast)
                    .saturating_add(num(input).min(1000) * 3)
            } else {
                num(input)
            }
        }),
        contest,
        invalid,
        photos: if flags & 8 != 0 {
            vec![pick(
                input,
                &[
                    "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9",
                    "5FECEB66FFC86F38D952786C6D696C79C2DBC239DD4E91B46729D73A27FB57E9",
                    "abc",
                ],
            )]
        } else {
            vec![]
        },
        registered: opt(input, num),
        source: pick(input, SOURCES),
        spoiled: (flags & 16 != 0).then(|| num(input) % 8),
        station: pick(input, STATIONS),
        time: None,
        unused: (flags & 128 != 0).then(|| num(input) % 8),
        valid,
        votes,
    }
}

fn gen_certify(input: &mut Input) -> Certify {
    if input.u8() < 128 {
        let mut c = p1_certify();
        if input.u8() & 1 == 1 {
            c.valid = num(input);
        }
        return c;
    }
    let contest = pick(input, CONTESTS);
    Certify {
        area: pick(input, AREAS),
        totals: gen_votes(input, &contest),
        contest,
        invalid: num(input),
        valid: num(input),
    }
}

fn gen_rule(input: &mut Input) -> Rule {
    Rule {
        every_party_asked: input.u8() & 1 == 1,
        min_approvals: u32::from(input.u8() % 12),
        min_parties: u32::from(input.u8() % 4),
    }
}

fn gen_manifest(input: &mut Input) -> Manifest {
    Manifest {
        content: content(input),
        count: num(input),
        id: pick(input, &["0123456789abcdef0123456789abcdef", "0123", ""]),
        root: pick(
            input,
            &["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "AAAA", "%%"],
        ),
    }
}

fn proposal_id(input: &mut Input, ctx: &Ctx) -> String {
    let b = input.u8();
    if b >= 250 || ctx.proposals.is_empty() {
        fuzz_string(input)
    } else {
        ctx.proposals[usize::from(b) % ctx.proposals.len()].clone()
    }
}

/// An audit's seed: dice digits and a salt, and their commitment.
pub const SEED: &str = "3141526535126643146232";
pub const SALT: &str = "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9";
pub const AUDITS: &[&str] = &["rla-1", "pvt-1", ""];

pub fn seed_commitment() -> String {
    ledger::audit::commitment(SALT, SEED)
}

fn gen_audit(input: &mut Input) -> Event {
    let audit = pick(input, AUDITS);
    match input.u8() % 3 {
        0 => Event::AuditCommitment(AuditCommitment {
            audit,
            commitment: match input.u8() % 4 {
                0 | 1 => seed_commitment(),
                2 => SALT.to_uppercase(),
                _ => fuzz_string(input),
            },
            purpose: pick(input, &["RLA of assembly in P1", ""]),
            draw: None,
        }),
        1 => Event::AuditSeed(AuditSeed {
            audit,
            salt: pick(input, &[SALT, "00", ""]),
            seed: pick(
                input,
                &[SEED, "1234561234561234561", "31415265351266431462327", ""],
            ),
        }),
        _ => Event::AuditSample(AuditSample {
            audit,
            draws: (0..input.u8() % 3).map(|_| pick(input, STATIONS)).collect(),
            round: u32::from(input.u8() % 4),
        }),
    }
}

/// An event of any kind, its fields drawn from the pools or from the input.
pub fn gen_event(input: &mut Input, ctx: &Ctx) -> Event {
    match input.u8() % 14 {
        13 => gen_audit(input),
        0 => {
            let mut g = genesis();
            match input.u8() % 4 {
                0 => g.bulk_threshold = num(input),
                1 => g.rule = gen_rule(input),
                2 => g.levels.push(pick(input, LEVELS)),
                _ => g.contests[0]
                    .choices
                    .push(choice(&fuzz_string(input), None)),
            }
            Event::Genesis(g)
        }
        1 => Event::Enrol(gen_enrol(input)),
        2 => Event::Revoke(Revoke {
            name: key_name(input),
            reason: pick(input, REASONS),
        }),
        3 => Event::Area(gen_area(input)),
        4 => Event::Station(gen_station(input)),
        5 => Event::Register(gen_register(input)),
        6 => Event::UpdateVoter(UpdateVoter {
            names: None,
            birth_year: opt(input, |i| 1900 + u16::from(i.u8())),
            commitment: opt(input, fuzz_string),
            name: opt(input, fuzz_string),
            sex: opt(input, sex),
            voter: pick(input, VOTERS),
        }),
        7 => Event::Transfer(Transfer {
            station: pick(input, STATIONS),
            voter: pick(input, VOTERS),
        }),
        8 => Event::Proposal(gen_proposal(input)),
        9 => Event::Approval(Approval {
            proposal: proposal_id(input, ctx),
        }),
        10 => Event::Rejection(Rejection {
            proposal: proposal_id(input, ctx),
            reason: pick(input, REASONS),
        }),
        11 => Event::Batch(gen_manifest(input)),
        _ => Event::ResultForm(gen_form(input)),
    }
}

fn gen_removal_reason(input: &mut Input) -> RemovalReason {
    [
        RemovalReason::Deceased,
        RemovalReason::Duplicate,
        RemovalReason::NotEligible,
        RemovalReason::MovedAway,
        RemovalReason::CourtOrder,
        RemovalReason::OwnRequest,
    ][usize::from(input.u8() % 6)]
}

pub fn gen_proposal(input: &mut Input) -> Proposal {
    let action = match input.u8() % 9 {
        0 => Action::RemoveVoter(RemoveVoter {
            reason: gen_removal_reason(input),
            voter: pick(input, VOTERS),
        }),
        8 => Action::ReinstateVoter(ReinstateVoter {
            reason: pick(input, REASONS),
            voter: pick(input, VOTERS),
        }),
        1 => Action::Enrol(gen_enrol(input)),
        2 => Action::Revoke(Revoke {
            name: key_name(input),
            reason: pick(input, REASONS),
        }),
        3 => Action::ChangeRule(gen_rule(input)),
        4 => Action::Area(gen_area(input)),
        5 => Action::Station(gen_station(input)),
        6 => Action::Certify(gen_certify(input)),
        _ => Action::Batch(gen_manifest(input)),
    };
    let asked = (0..input.u8() % 3).map(|_| key_name(input)).collect();
    Proposal {
        action,
        asked,
        reason: pick(input, REASONS),
    }
}

/// An event that fits a batch of `content`, mostly.
pub fn gen_batch_event(input: &mut Input, content: Content, ctx: &Ctx) -> Event {
    if input.u8() >= 240 {
        return gen_event(input, ctx);
    }
    match content {
        Content::Areas => Event::Area(gen_area(input)),
        Content::Stations if input.u8() & 3 == 0 => Event::Area(gen_area(input)),
        Content::Stations => Event::Station(gen_station(input)),
        Content::Registrations => match input.u8() % 4 {
            0 => Event::UpdateVoter(UpdateVoter {
                names: None,
                birth_year: None,
                commitment: None,
                name: Some(fuzz_string(input)),
                sex: None,
                voter: pick(input, VOTERS),
            }),
            1 => Event::Transfer(Transfer {
                station: pick(input, STATIONS),
                voter: pick(input, VOTERS),
            }),
            _ => Event::Register(gen_register(input)),
        },
        Content::ResultForms => Event::ResultForm(gen_form(input)),
        Content::Enrolments => Event::Enrol(gen_enrol(input)),
        Content::Removals => Event::Removal(Removal {
            evidence: if input.u8() & 7 == 0 {
                "not a hash".into()
            } else {
                "ab".repeat(32)
            },
            reason: gen_removal_reason(input),
            voter: pick(input, VOTERS),
        }),
        // The poll book's batches get any event: the generator does not build lists,
        // check-ins or cards yet (the `checkins` target covers their parsing and fold).
        Content::Pseudonyms | Content::Checkins | Content::TemporaryCards => gen_event(input, ctx),
    }
}

// ------------------------------------------------------------------ samples

/// Real entries of every kind and every governed action, signed with the fixture's keys:
/// the seeds of the `event` target and the starting points of its structural mutations.
pub fn samples() -> Vec<Vec<u8>> {
    let k = keys();
    let mut out = vec![signed_genesis()];
    let signed = |e: Event, key: &PrivateKey| Entry::signed(e, key).to_bytes();
    let mut agent = enrol(&k.agent, Role::PartyAgent, Scope::Areas(vec!["P1".into()]));
    agent.party = Some("A".into());
    agent.person = Some("Sok \"Agent\" Chan\t".into());
    out.push(signed(Event::Enrol(agent.clone()), &k.clerk));
    out.push(signed(
        Event::Revoke(Revoke {
            name: k.agent.name().into(),
            reason: "lost".into(),
        }),
        &k.agent,
    ));
    out.push(signed(area("D13", "district", Some("P1")), &k.clerk));
    out.push(signed(
        Event::Station(Station {
            area: "D11".into(),
            code: "S-D99".into(),
            name: Some("École n° 5".into()),
            registered: Some(700),
        }),
        &k.clerk,
    ));
    out.push(signed(
        Event::Register(Register {
            names: None,
            birth_year: 1961,
            commitment: Some(commitment(
                &[9; 32],
                &BTreeMap::from([("date_of_birth".into(), "1961-04-12".into())]),
            )),
            name: "សុខ ចាន់".into(),
            sex: Sex::X,
            station: "S-D12".into(),
            voter: "V010".into(),
        }),
        &k.officer,
    ));
    out.push(signed(
        Event::UpdateVoter(UpdateVoter {
            names: None,
            birth_year: Some(1962),
            commitment: None,
            name: Some("Sok Chan".into()),
            sex: Some(Sex::M),
            voter: "V002".into(),
        }),
        &k.officer,
    ));
    out.push(signed(
        Event::Transfer(Transfer {
            station: "S-D21".into(),
            voter: "V003".into(),
        }),
        &k.officer,
    ));
    let mut full = form(
        "S-D21",
        "assembly",
        "official",
        &[("A", 7), ("B", 0), ("C", 3)],
    );
    full.photos = vec!["ab".repeat(32)];
    out.push(signed(Event::ResultForm(full), &k.official));
    out.push(signed(
        Event::ResultForm(form("S-D21", "mayor", "party:A", &[("c1", 4)])),
        &k.agent,
    ));
    let actions = vec![
        Action::RemoveVoter(RemoveVoter {
            reason: RemovalReason::Deceased,
            voter: "V004".into(),
        }),
        Action::Enrol(agent),
        Action::Revoke(Revoke {
            name: k.observer.name().into(),
            reason: "misconduct".into(),
        }),
        Action::ChangeRule(Rule {
            every_party_asked: true,
            min_approvals: 6,
            min_parties: 2,
        }),
        Action::Area(match area("D23", "district", Some("P2")) {
            Event::Area(a) => a,
            _ => unreachable!(),
        }),
        Action::Station(Station {
            area: "D12".into(),
            code: "S-D12".into(),
            name: None,
            registered: None,
        }),
        Action::Certify(p1_certify()),
    ];
    for (i, action) in actions.into_iter().enumerate() {
        out.push(signed(
            Event::Proposal(Proposal {
                action,
                asked: if i % 2 == 0 {
                    vec!["nec.a1".into(), "nec.b1".into()]
                } else {
                    vec![]
                },
                reason: format!("reason {i}"),
            }),
            &k.clerk,
        ));
    }
    let audit = "rla-1".to_string();
    out.push(signed(
        Event::AuditCommitment(AuditCommitment {
            audit: audit.clone(),
            commitment: seed_commitment(),
            purpose: "RLA of assembly in P1".into(),
            draw: None,
        }),
        &k.clerk,
    ));
    out.push(signed(
        Event::AuditSeed(AuditSeed {
            audit: audit.clone(),
            salt: SALT.into(),
            seed: SEED.into(),
        }),
        &k.clerk,
    ));
    out.push(signed(
        Event::AuditSample(AuditSample {
            audit,
            draws: vec!["S-D11".into(), "S-D12:7".into()],
            round: 1,
        }),
        &k.clerk,
    ));
    let p = entry_id(&out[out.len() - 4]);
    out.push(signed(
        Event::Approval(Approval {
            proposal: p.clone(),
        }),
        &k.members[0],
    ));
    out.push(signed(
        Event::Rejection(Rejection {
            proposal: p,
            reason: "does not add up".into(),
        }),
        &k.members[4],
    ));
    // Batches: manifest first, then its entries; governed ones open with a proposal.
    out.extend(build_batch(
        &k.officer,
        Content::Registrations,
        vec![
            register("V020", "S-D11", 1990),
            register("V021", "S-D22", 2001),
        ],
        None,
    ));
    out.extend(build_batch(
        &k.clerk,
        Content::Stations,
        vec![
            area("D14", "district", Some("P1")),
            Event::Station(Station {
                area: "D14".into(),
                code: "S-D14".into(),
                name: None,
                registered: Some(1),
            }),
        ],
        Some(("new district".into(), vec!["nec.a1".into()])),
    ));
    out.extend(build_batch(
        &k.official,
        Content::ResultForms,
        vec![Event::ResultForm(form(
            "S-D22",
            "assembly",
            "official",
            &[("A", 1), ("B", 2)],
        ))],
        None,
    ));
    let mut obs = enrol(&k.stranger, Role::Observer, Scope::all());
    obs.organisation = Some("watch".into());
    out.extend(build_batch(
        &k.clerk,
        Content::Enrolments,
        vec![Event::Enrol(obs)],
        None,
    ));
    out.extend(build_batch(
        &k.clerk,
        Content::Areas,
        vec![area("P3", "province", None)],
        Some(("a province".into(), vec![])),
    ));
    out
}
