//! A small two-party election for tests: nine members (four per party and one chosen by
//! consensus), a clerk, a registration officer and a polling official; two provinces with two
//! districts each and a station per district; ten voters.
//!
//! The fuzz crate's `ledger` fixtures build on the keys, commission and genesis pieces here
//! (`fuzz/src/election.rs` includes this file), so both stay one.
#![allow(dead_code)]

use ledger::event::*;
use ledger::{Applied, Election, SubmitError};
use std::collections::BTreeMap;
use tlog::note::{PrivateKey, TYPE_ED25519};
use tlog::{Log, LogMeta, Policy, SqliteStorage};

pub const ORIGIN: &str = "elections.test/assembly";

pub fn key(name: &str, seed: u8) -> PrivateKey {
    PrivateKey::from_seed(name, TYPE_ED25519, [seed; 32]).unwrap()
}

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub election: Election,
    pub log_key: PrivateKey,
    /// a1..a4 (party A), b1..b4 (party B), c (no party), in that order.
    pub members: Vec<PrivateKey>,
    pub clerk: PrivateKey,
    pub officer: PrivateKey,
    pub official: PrivateKey,
}

pub fn genesis_config(members: &[PrivateKey], extra: &[(&PrivateKey, Role)]) -> Genesis {
    let mut seats = BTreeMap::new();
    seats.insert("P1".to_string(), 3);
    seats.insert("P2".to_string(), 2);
    Genesis {
        bulk_threshold: 100,
        card_threshold: None,
        complaint_deadlines: None,
        contests: vec![Contest {
            choices: vec![
                Choice {
                    id: "A".into(),
                    name: "Party A".into(),
                    party: Some("A".into()),
                },
                Choice {
                    id: "B".into(),
                    name: "Party B".into(),
                    party: Some("B".into()),
                },
            ],
            constituency_level: "province".into(),
            id: "assembly".into(),
            kind: ContestKind::PartyList,
            method: Method::Dhondt,
            name: "Assembly".into(),
            seats,
        }],
        election: "Test election".into(),
        keys: extra
            .iter()
            .map(|(k, role)| enrol(k, *role, Scope::all()))
            .collect(),
        levels: vec!["province".into(), "district".into()],
        log_key: Some(key(ORIGIN, 1).vkey().to_string()),
        members: commission(members),
        origin: ORIGIN.into(),
        parties: two_parties(),
        rule: two_party_rule(),
    }
}

/// An enrolment of `k` under its own name, with no party, organisation or person.
pub fn enrol(k: &PrivateKey, role: Role, scope: Scope) -> Enrol {
    Enrol {
        name: k.name().into(),
        organisation: None,
        party: None,
        person: None,
        role,
        scope,
        vkey: k.vkey().to_string(),
    }
}

/// The commission of [`members`]' keys: the first four of party A, the next four of party B,
/// the rest of no party.
pub fn commission(members: &[PrivateKey]) -> Vec<Member> {
    members
        .iter()
        .enumerate()
        .map(|(i, k)| Member {
            name: k.name().into(),
            party: match i {
                0..=3 => Some("A".into()),
                4..=7 => Some("B".into()),
                _ => None,
            },
            person: format!("Member {i}"),
            vkey: k.vkey().to_string(),
        })
        .collect()
}

/// Parties A and B.
pub fn two_parties() -> Vec<Party> {
    ["A", "B"]
        .iter()
        .map(|p| Party {
            id: p.to_string(),
            name: format!("Party {p}"),
        })
        .collect()
}

/// Five approvals from at least two parties; not every party need be asked.
pub fn two_party_rule() -> Rule {
    Rule {
        every_party_asked: false,
        min_approvals: 5,
        min_parties: 2,
    }
}

pub fn members() -> Vec<PrivateKey> {
    ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4", "c"]
        .iter()
        .enumerate()
        .map(|(i, n)| key(&format!("nec.{n}"), 10 + i as u8))
        .collect()
}

pub fn new_log(dir: &std::path::Path, log_key: &PrivateKey) -> Log<SqliteStorage> {
    let meta = LogMeta {
        origin: ORIGIN.into(),
        vkey: log_key.vkey().to_string(),
    };
    Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap()
}

pub fn signed_genesis(g: Genesis, members: &[PrivateKey]) -> Vec<u8> {
    let mut entry = Entry::genesis(g, &members[0]);
    for m in &members[1..] {
        entry.cosign(m);
    }
    entry.to_bytes()
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let log_key = key(ORIGIN, 1);
        let members = members();
        let clerk = key("nec.clerk", 2);
        let officer = key("reg.officer", 3);
        let official = key("poll.official", 4);
        let g = genesis_config(
            &members,
            &[
                (&clerk, Role::CommissionClerk),
                (&officer, Role::RegistrationOfficer),
                (&official, Role::PollingOfficial),
            ],
        );
        let election =
            Election::create(new_log(dir.path(), &log_key), &signed_genesis(g, &members)).unwrap();
        let mut f = Fixture {
            dir,
            election,
            log_key,
            members,
            clerk,
            officer,
            official,
        };
        let areas = two_provinces();
        let p = f.governed_batch(Content::Areas, areas);
        f.approve(&p, &[0, 1, 4, 5, 8]);
        let stations = ["D11", "D12", "D21", "D22"]
            .iter()
            .map(|d| {
                Event::Station(Station {
                    area: d.to_string(),
                    code: format!("S-{d}"),
                    name: None,
                    registered: Some(5),
                })
            })
            .collect();
        let p = f.governed_batch(Content::Stations, stations);
        f.approve(&p, &[0, 1, 4, 5, 8]);
        let voters = (0..10)
            .map(|i| {
                Event::Register(Register {
                    names: None,
                    birth_year: 1980 + i as u16,
                    commitment: None,
                    name: format!("Voter {i}"),
                    sex: if i % 2 == 0 { Sex::F } else { Sex::M },
                    station: ["S-D11", "S-D12", "S-D21", "S-D22"][i % 4].to_string(),
                    voter: format!("V{i:03}"),
                })
            })
            .collect();
        f.submit(build_batch(
            &f.officer.clone(),
            Content::Registrations,
            voters,
            None,
        ))
        .unwrap();
        f
    }

    pub fn submit(&mut self, entries: Vec<Vec<u8>>) -> Result<Vec<Applied>, SubmitError> {
        self.election.submit(&entries).map(|r| r.applied)
    }

    pub fn sign(&mut self, by: &PrivateKey, event: Event) -> Result<Applied, SubmitError> {
        let applied = self.submit(vec![Entry::signed(event, by).to_bytes()])?;
        Ok(applied.into_iter().next().unwrap())
    }

    /// A governed batch by the clerk; returns the proposal id.
    pub fn governed_batch(&mut self, content: Content, events: Vec<Event>) -> String {
        let entries = build_batch(
            &self.clerk.clone(),
            content,
            events,
            Some(("setting up".into(), vec![])),
        );
        match &self.submit(entries).unwrap()[0] {
            Applied::Proposed(id) => id.clone(),
            other => panic!("{other:?}"),
        }
    }

    pub fn propose(&mut self, by: &PrivateKey, action: Action) -> Result<String, SubmitError> {
        match self.sign(
            by,
            Event::Proposal(Proposal {
                action,
                asked: vec![],
                reason: "because".into(),
            }),
        )? {
            Applied::Proposed(id) => Ok(id),
            other => panic!("{other:?}"),
        }
    }

    /// Approvals by the members at these positions; returns the last outcome.
    pub fn approve(&mut self, proposal: &str, who: &[usize]) -> Applied {
        let mut last = None;
        for &i in who {
            let m = self.members[i].clone();
            last = Some(
                self.sign(
                    &m,
                    Event::Approval(Approval {
                        proposal: proposal.into(),
                    }),
                )
                .unwrap(),
            );
        }
        last.unwrap()
    }

    pub fn status(&self, proposal: &str) -> String {
        self.election
            .conn()
            .query_row(
                "SELECT status FROM proposal WHERE id = ?1",
                [proposal],
                |r| r.get(0),
            )
            .unwrap()
    }

    pub fn voter_removed(&self, voter: &str) -> bool {
        self.election
            .conn()
            .query_row(
                "SELECT removed_at IS NOT NULL FROM voter WHERE id = ?1",
                [voter],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Publishes the log and replays it from the tiles alone; returns (replayed digest,
    /// operator digest, refusals).
    pub fn replay(&mut self) -> (String, String, usize) {
        let r = self.replayed();
        (r.digest, self.election.digest().unwrap(), r.refusals.len())
    }

    /// Publishes the log and replays it from the tiles alone.
    pub fn replayed(&mut self) -> ledger::replay::Replay {
        let key = self.log_key.clone();
        let note = self.election.sign_checkpoint(&key).unwrap();
        let out = self.dir.path().join("public");
        tlog::publish::publish(self.election.log(), &note, &out, &mut |_, _| {}).unwrap();
        let policy = Policy::k_of_n(key.vkey(), vec![], 0).unwrap();
        ledger::replay::replay(
            &tlog::verify::DirSource::new(&out),
            &policy,
            None,
            None,
            &mut |_, _| {},
        )
        .unwrap()
    }
}

/// The fixture's log followed by entries an operator appended without intake's checks,
/// published in a directory of its own: what a replay must refuse part of.
pub struct Forged {
    pub dir: tempfile::TempDir,
    /// The size of the honest log before the appended entries.
    pub size: u64,
    policy: Policy,
}

impl Fixture {
    /// Copies the log, appends `extra` unchecked, and publishes the result.
    pub fn forged(&self, extra: Vec<Vec<u8>>) -> Forged {
        self.rewritten(|entries| entries.extend(extra))
    }

    /// Copies the log's entries, lets `change` rewrite them, and publishes the result as a
    /// new log signed with the log's key, with none of intake's checks.
    pub fn rewritten(&self, change: impl FnOnce(&mut Vec<Vec<u8>>)) -> Forged {
        let size = self.election.log().size();
        let mut entries = Vec::new();
        self.election
            .log()
            .for_each_entry(0, size, |_, e| entries.push(e.to_vec()))
            .unwrap();
        change(&mut entries);
        let dir = tempfile::tempdir().unwrap();
        let mut log = new_log(dir.path(), &self.log_key);
        log.append(&entries).unwrap();
        let note = log.sign_checkpoint(&self.log_key).unwrap();
        tlog::publish::publish(&log, &note, &dir.path().join("public"), &mut |_, _| {}).unwrap();
        let policy = Policy::k_of_n(self.log_key.vkey(), vec![], 0).unwrap();
        Forged { dir, size, policy }
    }
}

impl Forged {
    /// The published directory.
    pub fn public(&self) -> std::path::PathBuf {
        self.dir.path().join("public")
    }

    /// The policy it verifies under: the log's key, no witnesses.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Replays the published log into memory, or into a new state file.
    pub fn replay(&self, state: Option<&std::path::Path>) -> ledger::replay::Replay {
        ledger::replay::replay(
            &tlog::verify::DirSource::new(self.public()),
            &self.policy,
            None,
            state,
            &mut |_, _| {},
        )
        .unwrap()
    }
}

/// Provinces P1 and P2, each of two districts (D11, D12; D21, D22).
pub fn two_provinces() -> Vec<Event> {
    vec![
        area("P1", "province", None),
        area("P2", "province", None),
        area("D11", "district", Some("P1")),
        area("D12", "district", Some("P1")),
        area("D21", "district", Some("P2")),
        area("D22", "district", Some("P2")),
    ]
}

pub fn area(code: &str, level: &str, parent: Option<&str>) -> Event {
    Event::Area(Area {
        code: code.into(),
        level: level.into(),
        name: format!("Area {code}"),
        parent: parent.map(Into::into),
    })
}

/// A result form for the test contest that adds up: `a` votes for A, `b` for B.
pub fn result_form(station: &str, source: &str, a: u64, b: u64, invalid: u64) -> ResultForm {
    let mut votes = BTreeMap::new();
    votes.insert("A".to_string(), a);
    votes.insert("B".to_string(), b);
    ResultForm {
        ballots_issued: Some(a + b + invalid + 1),
        ballots_received: Some(a + b + invalid + 10),
        contest: "assembly".into(),
        invalid,
        photos: vec![],
        registered: Some(5),
        source: source.into(),
        spoiled: Some(1),
        station: station.into(),
        time: None,
        unused: Some(8),
        valid: a + b,
        votes,
    }
}
