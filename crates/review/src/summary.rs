//! An election at a glance: its status for the commission (size, rule, members, what is
//! pending and by whom), and the headline numbers anyone rebuilds from the published log (the
//! roll by area, result totals by source, seats per contest), with the replay that rebuilt
//! them. `render::summary` prints them.

use std::collections::BTreeMap;
use std::path::Path;

use ledger::event::{Contest, Method, Rule};
use ledger::report::{AreaRoll, MemberRow, Pending, Totals};
use rusqlite::Connection;
use serde::Serialize;
use stats::StatsError;
use stats::seats::TieBreak;
use tlog::Policy;
use tlog::verify::TileSource;

use crate::error::{Error, Result};

/// Seats per contest and party, allocated per constituency from the official totals.
#[derive(Debug, Serialize)]
pub struct SeatTable {
    pub contest: String,
    pub method: String,
    pub seats: BTreeMap<String, u32>,
    pub constituencies: usize,
    /// Constituencies without official forms yet.
    pub missing: Vec<String>,
    /// Constituencies whose official totals tie parties for a seat: only the commission's own
    /// rule can settle it, so none of their seats is counted in `seats`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ties: Vec<SeatTie>,
}

/// Parties tied for a seat of a constituency (equal votes, so equal quotients or remainders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeatTie {
    pub area: String,
    /// The first seat the tie decides, counted from 1, of the constituency's `of`.
    pub seat: u32,
    pub of: u32,
    pub parties: Vec<String>,
}

impl SeatTie {
    /// "CPP and CNRP tie for seat 3 of 3 in P2".
    pub fn words(&self) -> String {
        let parties = match self.parties.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        format!(
            "{parties} tie for seat {} of {} in {}",
            self.seat, self.of, self.area
        )
    }
}

impl SeatTable {
    /// "CPP 68, CNRP 55": the parties that won seats.
    pub fn split(&self) -> String {
        let won: Vec<String> = self
            .seats
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(p, n)| format!("{p} {n}"))
            .collect();
        won.join(", ")
    }
}

/// Each contest's seats, allocated constituency by constituency from the official totals
/// (`by_area`); a constituency without official votes is listed as missing, one whose
/// parties tie for a seat is listed with the tie.
pub fn seats(contests: &[Contest], by_area: &[Totals]) -> Result<Vec<SeatTable>> {
    let mut out = Vec::new();
    for c in contests {
        let method = match c.method {
            Method::Dhondt => stats::seats::Method::DHondt,
            Method::SainteLague => stats::seats::Method::SainteLague,
            Method::LargestRemainder => stats::seats::Method::HareLargestRemainder,
        };
        let mut table = SeatTable {
            contest: c.id.clone(),
            method: format!("{method:?}"),
            seats: BTreeMap::new(),
            constituencies: c.seats.len(),
            missing: Vec::new(),
            ties: Vec::new(),
        };
        for (area, seats) in &c.seats {
            let Some(t) = by_area.iter().find(|t| {
                t.contest == c.id && t.source == "official" && t.area.as_deref() == Some(area)
            }) else {
                table.missing.push(area.clone());
                continue;
            };
            let parties: Vec<(&str, u64)> = t.votes.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            if parties.iter().all(|p| p.1 == 0) {
                table.missing.push(area.clone());
                continue;
            }
            let alloc = match stats::seats::allocate(method, &parties, *seats, &TieBreak::Refuse) {
                Ok(alloc) => alloc,
                Err(StatsError::UnresolvedTie { seat, parties }) => {
                    table.ties.push(SeatTie {
                        area: area.clone(),
                        seat,
                        of: *seats,
                        parties,
                    });
                    continue;
                }
                Err(e) => return Err(Error::Refused(format!("seats in {area}: {e}"))),
            };
            for (party, n) in alloc.parties.iter().zip(alloc.seats) {
                *table.seats.entry(party.clone()).or_default() += n;
            }
        }
        out.push(table);
    }
    Ok(out)
}

/// The headline numbers of an election's state.
#[derive(Debug, Serialize)]
pub struct Headline {
    pub roll: Vec<AreaRoll>,
    /// Each source's totals over the whole election.
    pub totals: Vec<Totals>,
    pub seats: Vec<SeatTable>,
}

impl Headline {
    pub fn read(conn: &Connection) -> Result<Headline> {
        let by_area = ledger::report::totals(conn, true)?;
        let contests = ledger::report::contests(conn)?;
        Ok(Headline {
            roll: ledger::report::roll_by_area(conn)?,
            totals: ledger::report::totals(conn, false)?,
            seats: seats(&contests, &by_area)?,
        })
    }
}

/// An election as its commission sees it (`scrutineer status`).
#[derive(Debug, Serialize)]
pub struct Status {
    pub election: String,
    pub entries: u64,
    pub digest: String,
    pub rule: Rule,
    pub pending: Vec<Pending>,
    pub roll: Vec<AreaRoll>,
    /// The commission: name, person, party, revoked.
    #[serde(skip)]
    pub members: Vec<MemberRow>,
}

impl Status {
    pub fn read(election: &ledger::Election) -> Result<Status> {
        let conn = election.conn();
        Ok(Status {
            election: ledger::report::election_name(conn)?,
            entries: election.log().size(),
            digest: election.digest().map_err(|e| Error::State(e.to_string()))?,
            rule: ledger::report::rule(conn)?,
            pending: ledger::report::pending(conn)?,
            roll: ledger::report::roll_by_area(conn)?,
            members: ledger::report::members(conn)?,
        })
    }
}

/// The state digest published beside a log: its size and digest; an error if it cannot be
/// fetched or its signature is not the log's; None if none was published.
pub type Published = Option<std::result::Result<(u64, String), String>>;

/// Replays a published log from `tiles` (`progress` gets entries done and in all), and reads
/// the state digest the commission published beside it.
pub fn replay_published(
    tiles: &dyn TileSource,
    policy: &Policy,
    state_db: Option<&Path>,
    progress: &mut dyn FnMut(u64, u64),
) -> std::result::Result<(ledger::replay::Replay, Published), ledger::replay::ReplayError> {
    let replayed = ledger::replay::replay(tiles, policy, None, state_db, progress)?;
    let open = |path: &str| match tiles.fetch(path) {
        Ok(Some(note)) => Some(ledger::replay::open_digest(&note, &policy.logs[0])),
        Ok(None) => None,
        Err(e) => Some(Err(format!("fetching the state digest: {e}"))),
    };
    let mut published = open(ledger::replay::DIGEST_FILE);
    // A log that grew while it was replayed: the digest of the size replayed is kept too.
    let size = replayed.verified.checkpoint.size;
    if let Some(Ok((s, _))) = &published
        && *s != size
        && let Some(own) = open(&ledger::replay::digest_path(size))
    {
        published = Some(own);
    }
    Ok((replayed, published))
}

/// What a replay of a published log rebuilt (`scrutineer replay`).
#[derive(Debug, Serialize)]
pub struct Replayed {
    pub origin: String,
    pub entries: u64,
    pub digest: String,
    /// Whether the digest is the one the commission published for this size; None when
    /// there is none to compare with.
    pub matches_published_digest: Option<bool>,
    pub refused: Vec<String>,
    #[serde(flatten)]
    pub headline: Headline,
    /// The witnesses that cosigned the checkpoint.
    #[serde(skip)]
    pub cosigned_by: usize,
    #[serde(skip)]
    pub published: Published,
}

impl Replayed {
    pub fn read(replayed: &ledger::replay::Replay, published: Published) -> Result<Replayed> {
        let cp = &replayed.verified.checkpoint;
        let matches = match &published {
            Some(Ok((s, d))) => Some(*s == cp.size && *d == replayed.digest),
            _ => None,
        };
        Ok(Replayed {
            origin: cp.origin.clone(),
            entries: cp.size,
            digest: replayed.digest.clone(),
            matches_published_digest: matches,
            refused: replayed.refusals.iter().map(|r| r.to_string()).collect(),
            headline: Headline::read(&replayed.state)?,
            cosigned_by: cp.cosigned_by.len(),
            published,
        })
    }

    /// The replay agrees with what was published: nothing refused, and the digest matches
    /// where there is one.
    pub fn agrees(&self) -> bool {
        self.refused.is_empty() && self.matches_published_digest != Some(false)
    }
}

/// A log as its operator serves it: its size and root, its stored checkpoints, and which
/// witness cosigned how far and when (`serve`'s log status).
#[derive(Debug, Serialize)]
pub struct LogStatus {
    pub origin: String,
    pub size: u64,
    pub root: String,
    /// Checkpoints stored (signed at each publication).
    pub checkpoints: u64,
    /// The latest stored checkpoint.
    pub latest: Option<CheckpointStatus>,
    pub witnesses: Vec<WitnessStatus>,
}

/// A stored checkpoint and the cosignatures on it that verify.
#[derive(Debug, Serialize)]
pub struct CheckpointStatus {
    pub size: u64,
    /// (witness, Unix time of its cosignature).
    pub cosigned_by: Vec<(String, u64)>,
}

/// How far one witness has cosigned, and when it last did.
#[derive(Debug, Serialize)]
pub struct WitnessStatus {
    pub name: String,
    pub url: String,
    /// The largest size it has cosigned (0: never).
    pub cosigned_size: u64,
    /// The Unix time of its cosignature on the latest checkpoint it cosigned, among the last
    /// [`LogStatus::LOOK_BACK`] checkpoints.
    pub cosigned_at: Option<u64>,
}

impl LogStatus {
    /// How many of the latest checkpoints are searched for each witness's last cosignature.
    pub const LOOK_BACK: usize = 64;

    /// The status of the log in `storage`, whose witnesses are `witnesses` (key, URL).
    pub fn read(
        storage: &tlog::SqliteStorage,
        witnesses: &[(tlog::Vkey, String)],
    ) -> Result<LogStatus> {
        use tlog::Storage;
        let st = |e: tlog::StorageError| Error::State(e.to_string());
        let meta = storage.meta().map_err(st)?;
        let head = storage.tree_head().map_err(st)?;
        let log = tlog::Vkey::parse(&meta.vkey).map_err(|e| Error::State(e.to_string()))?;
        let policy = Policy::k_of_n(log, witnesses.iter().map(|(k, _)| k.clone()).collect(), 0)
            .map_err(|e| Error::State(e.to_string()))?;
        let (count, stored) = storage.recent_checkpoints(Self::LOOK_BACK).map_err(st)?;
        let cosigned = |note: &[u8]| {
            policy
                .verify(note)
                .map(|v| v.cosigned_by)
                .map_err(|e| Error::State(format!("a stored checkpoint: {e}")))
        };
        let latest = match stored.last() {
            Some((size, note)) => Some(CheckpointStatus {
                size: *size,
                cosigned_by: cosigned(note)?,
            }),
            None => None,
        };
        let mut found: Vec<Option<u64>> = vec![None; witnesses.len()];
        for (_, note) in stored.iter().rev() {
            if found.iter().all(Option::is_some) {
                break;
            }
            for (name, at) in cosigned(note)? {
                if let Some(i) = witnesses.iter().position(|(k, _)| k.name == name)
                    && found[i].is_none()
                {
                    found[i] = Some(at);
                }
            }
        }
        let mut status = Vec::new();
        for ((key, url), at) in witnesses.iter().zip(found) {
            status.push(WitnessStatus {
                name: key.name.clone(),
                url: url.clone(),
                cosigned_size: storage.witness_size(&key.name).map_err(st)?,
                cosigned_at: at,
            });
        }
        Ok(LogStatus {
            origin: meta.origin,
            size: head.size,
            root: head.root.to_string(),
            checkpoints: count,
            latest,
            witnesses: status,
        })
    }
}

/// `status --check`'s lines about the private files of the voter roll in `dir`: one per
/// problem, or the count of sound files; with the one-line failure when there are problems.
pub fn check_private(
    election: &ledger::Election,
    dir: &Path,
) -> std::result::Result<(String, Option<String>), ledger::private::PrivateError> {
    let private = dir.join(ledger::private::PRIVATE_DIR);
    let (sound, problems) = ledger::private::check_all(election, &private)?;
    let mut o = String::new();
    for p in &problems {
        o.push_str(&format!("{p}\n"));
    }
    if !problems.is_empty() {
        let failed = format!(
            "{}: {} problem(s) with the private files (listed above)",
            private.display(),
            problems.len()
        );
        return Ok((o, Some(failed)));
    }
    o.push_str(&format!(
        "{}: {sound} private file(s), each opening every commitment of its batch\n",
        private.display()
    ));
    Ok((o, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ledger::event::{Choice, ContestKind};

    fn contest() -> Contest {
        Contest {
            choices: ["A", "B"]
                .iter()
                .map(|c| Choice {
                    id: c.to_string(),
                    name: c.to_string(),
                    party: None,
                })
                .collect(),
            constituency_level: "province".into(),
            id: "na".into(),
            kind: ContestKind::PartyList,
            method: Method::Dhondt,
            name: "National Assembly".into(),
            seats: [
                ("P1".to_string(), 5),
                ("P2".to_string(), 3),
                ("P3".into(), 2),
            ]
            .into(),
        }
    }

    fn official(area: &str, a: u64, b: u64) -> Totals {
        Totals {
            contest: "na".into(),
            source: "official".into(),
            area: Some(area.into()),
            forms: 1,
            valid: a + b,
            invalid: 0,
            votes: [("A".to_string(), a), ("B".to_string(), b)].into(),
            flagged: 0,
            flagged_valid: 0,
        }
    }

    #[test]
    fn seats_add_up_over_constituencies_and_list_those_without_forms() {
        let mut observer = official("P3", 0, 100);
        observer.source = "observer:X".into();
        let by_area = vec![official("P1", 600, 400), official("P2", 100, 0), observer];
        let tables = seats(&[contest()], &by_area).unwrap();
        // D'Hondt: 600/400 over 5 seats gives 3 and 2; 100/0 over 3 gives 3 and 0. P3 has
        // only an observer's copy, so it is missing.
        assert_eq!(tables[0].seats["A"], 6);
        assert_eq!(tables[0].seats["B"], 2);
        assert_eq!(tables[0].missing, vec!["P3".to_string()]);
        assert_eq!(tables[0].split(), "A 6, B 2");
        assert_eq!(tables[0].method, "DHondt");
    }

    #[test]
    fn a_tie_for_the_last_seat_is_stated_naming_the_area_the_seat_and_the_parties() {
        let tables = seats(
            &[contest()],
            &[official("P1", 600, 400), official("P2", 100, 100)],
        )
        .unwrap();
        // D'Hondt over 3 seats of 100/100: A and B take one each and tie for the third.
        assert_eq!(
            tables[0].ties,
            vec![SeatTie {
                area: "P2".into(),
                seat: 3,
                of: 3,
                parties: vec!["A".into(), "B".into()],
            }]
        );
        assert_eq!(tables[0].split(), "A 3, B 2");
        let h = Headline {
            roll: vec![],
            totals: vec![],
            seats: tables,
        };
        let text = crate::render::summary::headline(&h);
        assert!(
            text.contains(
                "A 3, B 2; not counted: A and B tie for seat 3 of 3 in P2, which only the commission's rule can settle"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_headline_prints_roll_totals_and_seats() {
        let mut national = official("P1", 600, 400);
        national.area = None;
        let h = Headline {
            roll: vec![AreaRoll {
                area: "P1".into(),
                name: "Phnom Penh".into(),
                stations: 2,
                registered: 1200,
                voters: 1100,
            }],
            totals: vec![national],
            seats: seats(&[contest()], &[official("P1", 600, 400)]).unwrap(),
        };
        let text = crate::render::summary::headline(&h);
        assert!(text.contains("\nregistered voters by area:\n  P1 Phnom Penh"));
        assert!(text.contains("1100 on the roll       1200 published      2 stations"));
        assert!(text.contains("na official                       1 forms  valid       1000  invalid        0  A 600, B 400"));
        assert!(text.contains(
            "seats in na (DHondt, 3 constituencies, 2 without official forms): A 3, B 2"
        ));
        assert!(!text.contains("flagged"), "{text}");
    }

    #[test]
    fn the_headline_says_how_many_of_the_forms_counted_are_flagged() {
        let mut national = official("P1", 600, 400);
        (national.area, national.forms) = (None, 3);
        (national.flagged, national.flagged_valid) = (2, 130);
        let h = Headline {
            roll: vec![],
            totals: vec![national],
            seats: vec![],
        };
        let text = crate::render::summary::headline(&h);
        assert!(
            text.contains("A 600, B 400  (2 of the forms flagged, 130 valid ballots on them)"),
            "{text}"
        );
    }
}
