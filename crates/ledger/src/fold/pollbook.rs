//! The poll book: station pseudonym lists (governed), check-ins and temporary cards.
//!
//! Refuse the unauthentic, record the suspicious: a check-in is refused only when it is not
//! well formed or its author may not act at its station; a second check-in of a voter or card,
//! a pseudonym not on the station's list, a re-sent check-in that differs, a card that is
//! unknown, used elsewhere than its station, or issued above the threshold without approval
//! are all recorded and raised as alerts in `checkin_alert`.

use super::batches::decode_hex32;
use super::*;
use rusqlite::types::{ToSqlOutput, ValueRef};

/// Why the poll book raised an alert (`checkin_alert.kind`).
pub(crate) mod kind {
    /// A pseudonym checked in a second time (here or at another station).
    pub const DOUBLE_CHECKIN: &str = "double_checkin";
    /// A temporary card used a second time.
    pub const CARD_REUSED: &str = "card_reused";
    /// A pseudonym that is not on the station's published list.
    pub const NOT_ON_LIST: &str = "not_on_list";
    /// A check-in id sent again with a different time or voter.
    pub const CONFLICTING_CHECKIN: &str = "conflicting_checkin";
    /// A card number no card was issued under.
    pub const UNKNOWN_CARD: &str = "unknown_card";
    /// A card used at a station other than the one it was issued for.
    pub const CARD_WRONG_STATION: &str = "card_wrong_station";
    /// A card issued above the officer's daily threshold without approval, used to vote.
    pub const CARD_UNAPPROVED: &str = "card_unapproved";
    /// A card issued directly above the officer's daily threshold.
    pub const CARD_OVER_THRESHOLD: &str = "card_over_threshold";
}

/// An alert as stored.
struct Alert<'a> {
    idx: u64,
    seq: usize,
    kind: &'static str,
    station: &'a str,
    checkin: Option<&'a str>,
    at: u64,
    other: Option<&'a Earlier>,
    other_station: Option<&'a str>,
    detail: Option<String>,
}

/// A check-in already recorded.
struct Earlier {
    station: String,
    id: String,
    at: u64,
    idx: u64,
}

fn raise(conn: &Connection, a: Alert<'_>) -> Check<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO checkin_alert(idx, seq, kind, station, checkin, at, other_station,
         other_checkin, other_at, other_idx, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .map_err(sql)?
    .execute(params![
        a.idx as i64,
        a.seq as i64,
        a.kind,
        a.station,
        a.checkin,
        a.at as i64,
        a.other
            .map(|o| o.station.as_str())
            .or(a.other_station),
        a.other.map(|o| o.id.as_str()),
        a.other.map(|o| o.at as i64),
        a.other.map(|o| o.idx as i64),
        a.detail,
    ])
    .map_err(sql)?;
    Ok(())
}

/// A check-in already recorded, from columns `from..from + 4` (station, id, claimed time, log
/// index).
fn earlier_row(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<Earlier> {
    Ok(Earlier {
        station: r.get(from)?,
        id: r.get(from + 1)?,
        at: r.get::<_, i64>(from + 2)? as u64,
        idx: r.get::<_, i64>(from + 3)? as u64,
    })
}

/// The `pseudonym` and `checkin` tables, kept by the fold in memory during a replay into a
/// new state and written once, sorted by their primary keys, when the fold is done
/// ([`Fold::write_lists`]). Row by row in SQLite, the lists' 9.7M pseudonyms at national
/// scale were each an insert and each of the 7M check-ins an insert and an update of its
/// pseudonym's row, inside the savepoint of its batch: most of the replay's fold on election
/// day. The rows here are exactly those the tables would hold at the same point; what a
/// savepoint rolls back is undone here too ([`Lists::savepoint`]).
#[derive(Default)]
pub(crate) struct Lists {
    stations: Vec<String>,
    numbers: HashMap<String, u32>,
    /// Keyed with a per-process random seed, so that lists ground to collide cannot slow it.
    rows: HashMap<[u8; 32], Listed, foldhash::fast::RandomState>,
    /// The check-in ids of first check-ins, one after another (`First::checkin`).
    ids: String,
    /// The `checkin` table: each check-in by its station and id.
    synced: HashMap<(u32, Box<str>), Synced, foldhash::fast::RandomState>,
    /// Changes to undo back to each open savepoint's mark (`marks`). Nothing is kept while no
    /// savepoint is open: a replay's transaction is never rolled back.
    undo: Vec<Undo>,
    marks: Vec<usize>,
}

/// A row of `pseudonym`: the station whose list holds it, that list's log index, and its
/// first check-in.
struct Listed {
    station: u32,
    idx: u64,
    first: Option<First>,
}

/// The `first_*` columns of a row: the station and check-in id (`Lists::ids[checkin]`), its
/// claimed time and its sync's log index.
struct First {
    station: u32,
    checkin: std::ops::Range<usize>,
    at: u64,
    idx: u64,
}

/// A row of `checkin`: the claimed time, what was presented (`presented_key`), and the
/// sync's log index.
struct Synced {
    at: u64,
    presented: Box<[u8]>,
    idx: u64,
}

enum Undo {
    /// A check-in recorded.
    Synced(u32, Box<str>),
    /// A pseudonym listed.
    Listed([u8; 32]),
    /// A first check-in recorded.
    First([u8; 32]),
    /// A row deleted, with a rejected list.
    Dropped([u8; 32], Listed),
}

impl Lists {
    fn number(&mut self, station: &str) -> u32 {
        match self.numbers.get(station) {
            Some(&n) => n,
            None => {
                let n = self.stations.len() as u32;
                self.stations.push(station.to_string());
                self.numbers.insert(station.to_string(), n);
                n
            }
        }
    }

    fn remember(&mut self, change: Undo) {
        if !self.marks.is_empty() {
            self.undo.push(change);
        }
    }

    /// Records a check-in, or gives the one recorded before under its station and id (claimed
    /// time, what was presented, log index), as `INSERT OR IGNORE` and a look back do in SQL.
    fn sync(
        &mut self,
        station: &str,
        id: &str,
        at: u64,
        presented: &[u8],
        idx: u64,
    ) -> Option<(i64, Vec<u8>, i64)> {
        let station = self.number(station);
        match self.synced.entry((station, id.into())) {
            std::collections::hash_map::Entry::Occupied(o) => {
                let row = o.get();
                Some((row.at as i64, row.presented.to_vec(), row.idx as i64))
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(Synced {
                    at,
                    presented: presented.into(),
                    idx,
                });
                self.remember(Undo::Synced(station, id.into()));
                None
            }
        }
    }

    /// The number of `station`, whose list is about to be read. Before the first list, room
    /// is made for about one pseudonym per voter on the roll, rather than moving every row
    /// each time the table doubles.
    fn numbered_for_list(&mut self, conn: &Connection, station: &str) -> Check<u32> {
        if self.rows.capacity() == 0 {
            let voters: i64 = conn
                .query_row("SELECT count(*) FROM voter", [], |r| r.get(0))
                .map_err(sql)?;
            self.rows.reserve(voters.max(0) as usize);
        }
        Ok(self.number(station))
    }

    /// Lists `pseudonym` on the list at `idx` of the station numbered `station`; false (and
    /// nothing changed) when a list, in effect or staged, holds it already.
    fn list(&mut self, pseudonym: [u8; 32], station: u32, idx: u64) -> bool {
        match self.rows.entry(pseudonym) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(row) => {
                row.insert(Listed {
                    station,
                    idx,
                    first: None,
                });
                self.remember(Undo::Listed(pseudonym));
                true
            }
        }
    }

    /// Records the first check-in of a listed pseudonym whose row has none.
    fn set_first(&mut self, pseudonym: [u8; 32], station: &str, id: &str, at: u64, idx: u64) {
        let station = self.number(station);
        let start = self.ids.len();
        self.ids.push_str(id);
        let checkin = start..self.ids.len();
        if let Some(row) = self.rows.get_mut(&pseudonym) {
            row.first = Some(First {
                station,
                checkin,
                at,
                idx,
            });
            self.remember(Undo::First(pseudonym));
        }
    }

    /// Records the first check-in of `pseudonym` at `station` when the station's list in
    /// effect holds it and it has none yet (as `first_on_list` does in SQL); says whether it did.
    #[allow(clippy::too_many_arguments)]
    fn first_here(
        &mut self,
        conn: &Connection,
        effect: &mut ListsInEffect,
        pseudonym: &[u8],
        station: &str,
        id: &str,
        at: u64,
        idx: u64,
    ) -> Check<bool> {
        let Ok(key) = <[u8; 32]>::try_from(pseudonym) else {
            return Ok(false);
        };
        let (Some(row), Some(&here)) = (self.rows.get(&key), self.numbers.get(station)) else {
            return Ok(false);
        };
        if row.station != here || row.first.is_some() || !effect.check(conn, row.idx)? {
            return Ok(false);
        }
        self.set_first(key, station, id, at, idx);
        Ok(true)
    }

    /// The row of `pseudonym` if its list is in effect: its station, and its first check-in.
    fn in_effect(
        &self,
        conn: &Connection,
        effect: &mut ListsInEffect,
        pseudonym: &[u8; 32],
    ) -> Check<Option<(&str, Option<Earlier>)>> {
        let Some(row) = self.rows.get(pseudonym) else {
            return Ok(None);
        };
        if !effect.check(conn, row.idx)? {
            return Ok(None);
        }
        let first = row.first.as_ref().map(|f| Earlier {
            station: self.stations[f.station as usize].clone(),
            id: self.ids[f.checkin.clone()].to_string(),
            at: f.at,
            idx: f.idx,
        });
        Ok(Some((self.stations[row.station as usize].as_str(), first)))
    }

    /// Deletes the rows of the lists at these log indexes (a rejected or failed batch).
    pub(super) fn drop_lists(&mut self, lists: &std::collections::HashSet<u64>) {
        let gone: Vec<[u8; 32]> = self
            .rows
            .iter()
            .filter(|(_, row)| lists.contains(&row.idx))
            .map(|(p, _)| *p)
            .collect();
        for p in gone {
            if let Some(row) = self.rows.remove(&p) {
                self.remember(Undo::Dropped(p, row));
            }
        }
    }

    /// A savepoint opened.
    pub(super) fn savepoint(&mut self) {
        self.marks.push(self.undo.len());
    }

    /// The innermost savepoint released: its changes now belong to the one around it.
    pub(super) fn release(&mut self) {
        self.marks.pop();
        if self.marks.is_empty() {
            self.undo.clear();
        }
    }

    /// The innermost savepoint rolled back and released.
    pub(super) fn roll_back(&mut self) {
        let Some(mark) = self.marks.pop() else {
            return;
        };
        while self.undo.len() > mark {
            match self.undo.pop().expect("above the mark") {
                Undo::Listed(p) => {
                    self.rows.remove(&p);
                }
                Undo::First(p) => {
                    if let Some(row) = self.rows.get_mut(&p) {
                        row.first = None;
                    }
                }
                Undo::Dropped(p, row) => {
                    self.rows.insert(p, row);
                }
                Undo::Synced(station, id) => {
                    self.synced.remove(&(station, id));
                }
            }
        }
    }

    /// Writes the rows into the empty `pseudonym` and `checkin` tables, in their primary keys'
    /// order (each insert then lands at the end of the table), and hashes them for the state
    /// digest in the same order. SQLite writes on this thread alone; the other core meanwhile
    /// sorts the check-ins and hashes both tables, so that only the pseudonyms' sort and the
    /// inserts are left here.
    fn write<'a>(&'a self, conn: &Connection) -> rusqlite::Result<Vec<state::KnownTable>> {
        // The stations' rank in SQLite's order for text (bytes, as Rust's `str` orders them).
        let mut by_name: Vec<u32> = (0..self.stations.len() as u32).collect();
        by_name
            .sort_unstable_by(|a, b| self.stations[*a as usize].cmp(&self.stations[*b as usize]));
        let mut rank = vec![0u32; self.stations.len()];
        for (r, &n) in by_name.iter().enumerate() {
            rank[n as usize] = r as u32;
        }
        let rank = &rank;
        let text = |t: &'a str| ValueRef::Text(t.as_bytes());
        let station = |n: u32| text(&self.stations[n as usize]);
        let listed = |&(p, row): &(&'a [u8; 32], &'a Listed)| {
            let first = row.first.as_ref();
            [
                station(row.station),
                ValueRef::Blob(&p[..]),
                ValueRef::Integer(row.idx as i64),
                first.map_or(ValueRef::Null, |f| station(f.station)),
                first.map_or(ValueRef::Null, |f| text(&self.ids[f.checkin.clone()])),
                first.map_or(ValueRef::Null, |f| ValueRef::Integer(f.at as i64)),
                first.map_or(ValueRef::Null, |f| ValueRef::Integer(f.idx as i64)),
            ]
        };
        let synced = |&(&(n, ref id), row): &(&'a (u32, Box<str>), &'a Synced)| {
            [
                station(n),
                text(id),
                ValueRef::Integer(row.at as i64),
                ValueRef::Blob(&row.presented),
                ValueRef::Integer(row.idx as i64),
            ]
        };
        let (rows, checkin_rows) = std::thread::scope(|s| {
            let checkins = s.spawn(|| {
                let mut rows: Vec<(&(u32, Box<str>), &Synced)> = self.synced.iter().collect();
                rows.sort_unstable_by(|a, b| {
                    (rank[a.0.0 as usize], &a.0.1).cmp(&(rank[b.0.0 as usize], &b.0.1))
                });
                rows
            });
            let mut rows: Vec<(&[u8; 32], &Listed)> = self.rows.iter().collect();
            rows.sort_unstable_by(|a, b| {
                (rank[a.1.station as usize], a.0).cmp(&(rank[b.1.station as usize], b.0))
            });
            (
                rows,
                checkins.join().expect("sorting the check-ins panicked"),
            )
        });
        std::thread::scope(|s| {
            let hashed = s.spawn(|| {
                let lists = hash_rows("pseudonym", &rows, listed);
                lists
                    .into_iter()
                    .chain(hash_rows("checkin", &checkin_rows, synced))
            });
            let written = insert_rows(
                conn,
                "pseudonym",
                "station, pseudonym, idx, first_station, first_checkin, first_at, first_idx",
                &rows,
                listed,
            )
            .and_then(|()| {
                insert_rows(
                    conn,
                    "checkin",
                    "station, id, at, presented, idx",
                    &checkin_rows,
                    synced,
                )
            });
            let known = hashed
                .join()
                .expect("hashing the poll book's rows panicked");
            written.map(|()| known.collect())
        })
    }
}

/// The hash of `table`'s rows for the state digest, `rows` being all of them in its primary
/// key's order, their values (in column order) as `values` gives them.
fn hash_rows<'a, T, const N: usize>(
    table: &str,
    rows: &[T],
    values: impl Fn(&T) -> [ValueRef<'a>; N],
) -> Option<state::KnownTable> {
    let mut hashed = state::TableRows::new(table)?;
    for row in rows {
        hashed.row(&values(row));
    }
    Some(hashed.finish())
}

/// Writes `rows` into the empty `table` (`columns`, in the table's order, as `values` gives
/// them). Many rows to a statement: its cursor stays at the table's end from one row to the
/// next (the rows come in primary-key order), where each statement of its own would search
/// down from the root again. OR FAIL: a statement that could be undone alone would journal
/// every page it changes.
fn insert_rows<'a, T, const N: usize>(
    conn: &Connection,
    table: &str,
    columns: &str,
    rows: &[T],
    values: impl Fn(&T) -> [ValueRef<'a>; N],
) -> rusqlite::Result<()> {
    let insert = |count: usize| {
        let row = format!("({})", vec!["?"; N].join(","));
        let all = vec![row; count].join(",");
        conn.prepare(&format!(
            "INSERT OR FAIL INTO {table}({columns}) VALUES {all}"
        ))
    };
    let mut full = insert(ROWS_PER_INSERT)?;
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut last;
        let stmt = if chunk.len() == ROWS_PER_INSERT {
            &mut full
        } else {
            last = insert(chunk.len())?;
            &mut last
        };
        for (i, row) in chunk.iter().enumerate() {
            for (j, value) in values(row).into_iter().enumerate() {
                stmt.raw_bind_parameter(i * N + j + 1, ToSqlOutput::Borrowed(value))?;
            }
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// Rows written by one statement when the lists kept in memory are written out.
const ROWS_PER_INSERT: usize = 64;

/// Whether each list met is in effect (its batch approved), within one sync: nothing in a
/// sync changes a list.
#[derive(Default)]
struct ListsInEffect(HashMap<u64, bool>);

impl ListsInEffect {
    fn check(&mut self, conn: &Connection, idx: u64) -> Check<bool> {
        if let Some(&known) = self.0.get(&idx) {
            return Ok(known);
        }
        let in_effect = conn
            .prepare_cached("SELECT proposal IS NULL FROM pseudonym_list WHERE idx = ?1")
            .map_err(sql)?
            .query_row([idx as i64], |r| r.get::<_, bool>(0))
            .optional()
            .map_err(sql)?
            .unwrap_or(false);
        self.0.insert(idx, in_effect);
        Ok(in_effect)
    }
}

/// The stored form of what a voter presented: `0x00` and the 32-byte pseudonym, or `0x01` and
/// the card number.
pub(crate) fn presented_key(p: &Presented) -> Vec<u8> {
    match p {
        Presented::Pseudonym(hex) => {
            let mut out = Vec::with_capacity(33);
            out.push(0);
            out.extend_from_slice(&decode_hex32(hex).expect("checked when parsed"));
            out
        }
        Presented::Card(c) => {
            let mut out = Vec::with_capacity(c.len() + 1);
            out.push(1);
            out.extend_from_slice(c.as_bytes());
            out
        }
    }
}

impl Fold {
    /// Part of a station's pseudonym list, in a governed batch.
    pub(super) fn pseudonyms(
        &mut self,
        conn: &Connection,
        p: &Pseudonyms,
        index: u64,
        proposal: &str,
    ) -> Check<()> {
        self.station_area(conn, &p.station, "body.station")?;
        if p.pseudonyms.is_empty() {
            return refuse("body.pseudonyms", "a list holds at least one pseudonym");
        }
        let mut insert = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO pseudonym(pseudonym, station, idx) VALUES (?1, ?2, ?3)",
            )
            .map_err(sql)?;
        let number = match &mut self.lists {
            Some(lists) => Some(lists.numbered_for_list(conn, &p.station)?),
            None => None,
        };
        for (i, hex) in p.pseudonyms.iter().enumerate() {
            let path = || format!("body.pseudonyms[{i}]");
            let Some(raw) = decode_hex32(hex) else {
                return refuse(path(), "a pseudonym is 64 lowercase hex digits");
            };
            // With `pseudonym_unique` the insert itself finds a pseudonym listed anywhere.
            let listed = match (&mut self.lists, number) {
                (Some(lists), Some(number)) => !lists.list(raw, number, index),
                _ => {
                    insert
                        .execute(params![&raw[..], p.station, index as i64])
                        .map_err(sql)?
                        == 0
                }
            };
            if listed {
                return refuse(path(), "this pseudonym is already on a station's list");
            }
        }
        conn.prepare_cached(
            "INSERT INTO pseudonym_list(idx, station, count, proposal) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(sql)?
        .execute(params![
            index as i64,
            p.station,
            p.pseudonyms.len() as i64,
            proposal
        ])
        .map_err(sql)?;
        Ok(())
    }

    /// From here on, keeps the `pseudonym` and `checkin` tables in memory ([`Lists`]) until
    /// [`Fold::write_lists`]: for a replay into a new state, which also builds
    /// `pseudonym_unique` once at the end ([`crate::state::create_deferring`]).
    pub fn index_lists_in_memory(&mut self) {
        self.lists = Some(Lists::default());
    }

    /// Writes the `pseudonym` and `checkin` tables kept in memory since
    /// [`Fold::index_lists_in_memory`], once every entry is applied, and gives their hashes for
    /// the state digest. Their memory is freed on a thread of its own.
    pub fn write_lists(&mut self, conn: &Connection) -> rusqlite::Result<Vec<state::KnownTable>> {
        let Some(lists) = self.lists.take() else {
            return Ok(Vec::new());
        };
        let written = lists.write(conn);
        std::thread::spawn(move || drop(lists));
        written
    }

    /// The station whose list in effect holds `pseudonym`, and the pseudonym's first check-in.
    fn listed(
        &self,
        conn: &Connection,
        effect: &mut ListsInEffect,
        pseudonym: &[u8],
    ) -> Check<Option<(String, Option<Earlier>)>> {
        let row = |r: &rusqlite::Row<'_>| -> rusqlite::Result<(String, Option<Earlier>)> {
            let first = match r.get::<_, Option<i64>>(4)? {
                Some(_) => Some(earlier_row(r, 1)?),
                None => None,
            };
            Ok((r.get(0)?, first))
        };
        match &self.lists {
            None => conn
                .prepare_cached(
                    "SELECT station, first_station, first_checkin, first_at, first_idx FROM pseudonym p
                     WHERE pseudonym = ?1
                       AND (SELECT proposal IS NULL FROM pseudonym_list WHERE idx = p.idx)",
                )
                .map_err(sql)?
                .query_row([pseudonym], row)
                .optional()
                .map_err(sql),
            Some(lists) => {
                let Ok(key) = <[u8; 32]>::try_from(pseudonym) else {
                    return Ok(None);
                };
                Ok(lists
                    .in_effect(conn, effect, &key)?
                    .map(|(station, first)| (station.to_string(), first)))
            }
        }
    }

    /// A station's check-ins.
    pub(super) fn checkins(
        &mut self,
        conn: &Connection,
        author: &Signer,
        c: &Checkins,
        index: u64,
    ) -> Check<()> {
        require_role(author, &[Role::PollingOfficial])?;
        self.check_station_scope(conn, author, &c.station, "body.station")?;
        if c.checkins.is_empty() {
            return refuse("body.checkins", "a sync holds at least one check-in");
        }
        let station = c.station.as_str();
        let mut insert = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO checkin(station, id, at, presented, idx) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?;
        let mut stored = conn
            .prepare_cached("SELECT at, presented, idx FROM checkin WHERE station = ?1 AND id = ?2")
            .map_err(sql)?;
        // The common case: a pseudonym on this station's list, checked in for the first time.
        // NOT INDEXED: by its primary key, one lookup; through pseudonym_unique, which the
        // planner otherwise picks, it is two (each a cache miss at national scale).
        let mut first_on_list = conn
            .prepare_cached(
                "UPDATE pseudonym NOT INDEXED SET first_station = ?2, first_checkin = ?3, first_at = ?4, first_idx = ?5
                 WHERE station = ?2 AND pseudonym = ?1 AND first_idx IS NULL
                   AND (SELECT proposal IS NULL FROM pseudonym_list WHERE idx = pseudonym.idx)",
            )
            .map_err(sql)?;
        let mut first_off_station = conn
            .prepare_cached(
                "UPDATE pseudonym NOT INDEXED SET first_station = ?2, first_checkin = ?3, first_at = ?4, first_idx = ?5
                 WHERE station = ?6 AND pseudonym = ?1",
            )
            .map_err(sql)?;
        let mut first_elsewhere = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO first_checkin(presented, station, checkin, at, idx) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?;
        let mut earlier_elsewhere = conn
            .prepare_cached(
                "SELECT station, checkin, at, idx FROM first_checkin WHERE presented = ?1",
            )
            .map_err(sql)?;
        let mut card = conn
            .prepare_cached(
                "SELECT station, over_threshold, proposal FROM temporary_card WHERE card = ?1",
            )
            .map_err(sql)?;
        // Whether `first_checkin` holds a pseudonym (one checked in while on no list in
        // effect; such keys begin with 0). Until it does, a pseudonym's first check-in on its
        // list needs no look there: on election day that is nearly every check-in.
        let mut effect = ListsInEffect::default();
        let mut off_list = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM first_checkin WHERE presented < x'01')")
            .map_err(sql)?
            .query_row([], |r| r.get::<_, bool>(0))
            .map_err(sql)?;
        for (seq, ci) in c.checkins.iter().enumerate() {
            let key = presented_key(&ci.presented);
            let at = ci.at;
            let alert = |kind, other: Option<&Earlier>, other_station: Option<&str>, detail| {
                raise(
                    conn,
                    Alert {
                        idx: index,
                        seq,
                        kind,
                        station,
                        checkin: Some(&ci.id),
                        at,
                        other,
                        other_station,
                        detail,
                    },
                )
            };
            let before = match &mut self.lists {
                None => {
                    if insert
                        .execute(params![station, ci.id, at as i64, key, index as i64])
                        .map_err(sql)?
                        == 0
                    {
                        Some(
                            stored
                                .query_row(params![station, ci.id], |r| {
                                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                                })
                                .map_err(sql)?,
                        )
                    } else {
                        None
                    }
                }
                Some(lists) => lists.sync(station, &ci.id, at, &key, index),
            };
            if let Some((old_at, old_key, old_idx)) = before {
                // Sent before: the same check-in counts once; a different one is evidence.
                if old_at as u64 != at || old_key != key {
                    let earlier = Earlier {
                        station: station.to_string(),
                        id: ci.id.clone(),
                        at: old_at as u64,
                        idx: old_idx as u64,
                    };
                    let what = if old_key != key {
                        "a different voter"
                    } else {
                        "a different time"
                    };
                    alert(
                        kind::CONFLICTING_CHECKIN,
                        Some(&earlier),
                        None,
                        Some(format!("check-in id sent again with {what}")),
                    )?;
                }
                continue;
            }
            // The first check-in of what was presented, if it is not on a list in effect.
            let mut first_off_list = || -> Check<Option<Earlier>> {
                if first_elsewhere
                    .execute(params![key, station, ci.id, at as i64, index as i64])
                    .map_err(sql)?
                    == 1
                {
                    return Ok(None);
                }
                earlier_elsewhere
                    .query_row([&key], |r| earlier_row(r, 0))
                    .optional()
                    .map_err(sql)
            };
            match &ci.presented {
                Presented::Pseudonym(_) => {
                    let pseudonym = &key[1..];
                    // Counted with changes(), not RETURNING, which would gather its rows in
                    // a table of their own on every check-in.
                    let fresh = match &mut self.lists {
                        None => {
                            first_on_list
                                .execute(params![
                                    pseudonym,
                                    station,
                                    ci.id,
                                    at as i64,
                                    index as i64
                                ])
                                .map_err(sql)?
                                == 1
                        }
                        Some(lists) => lists.first_here(
                            conn,
                            &mut effect,
                            pseudonym,
                            station,
                            &ci.id,
                            at,
                            index,
                        )?,
                    }
                    .then(|| station.to_string());
                    let (on, earlier) = match fresh {
                        // On a list; checked in off-list before, if the list came later.
                        Some(on) if off_list => (Some(on), {
                            earlier_elsewhere
                                .query_row([&key], |r| earlier_row(r, 0))
                                .optional()
                                .map_err(sql)?
                        }),
                        Some(on) => (Some(on), None),
                        None => {
                            match self.listed(conn, &mut effect, pseudonym)? {
                                Some((on, Some(first))) => (Some(on), Some(first)),
                                // On another station's list, and its first check-in.
                                Some((on, None)) => {
                                    match &mut self.lists {
                                        None => {
                                            first_off_station
                                                .execute(params![
                                                    pseudonym,
                                                    station,
                                                    ci.id,
                                                    at as i64,
                                                    index as i64,
                                                    on
                                                ])
                                                .map_err(sql)?;
                                        }
                                        Some(lists) => lists.set_first(
                                            pseudonym.try_into().expect("32 bytes"),
                                            station,
                                            &ci.id,
                                            at,
                                            index,
                                        ),
                                    }
                                    (Some(on), None)
                                }
                                None => {
                                    off_list = true;
                                    (None, first_off_list()?)
                                }
                            }
                        }
                    };
                    if let Some(e) = &earlier {
                        alert(kind::DOUBLE_CHECKIN, Some(e), None, None)?;
                    }
                    if on.as_deref() != Some(station) {
                        let detail = match &on {
                            Some(_) => "on another station's list",
                            None => "on no station's list",
                        };
                        alert(kind::NOT_ON_LIST, None, on.as_deref(), Some(detail.into()))?;
                    }
                }
                Presented::Card(number) => {
                    if let Some(e) = first_off_list()? {
                        alert(kind::CARD_REUSED, Some(&e), None, None)?;
                    }
                    let issued: Option<(String, i64, Option<String>)> = card
                        .query_row([number], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                        .optional()
                        .map_err(sql)?;
                    match issued {
                        None => alert(kind::UNKNOWN_CARD, None, None, None)?,
                        Some((card_station, over, pending)) => {
                            if card_station != station {
                                alert(
                                    kind::CARD_WRONG_STATION,
                                    None,
                                    Some(&card_station),
                                    Some("issued for another station".into()),
                                )?;
                            }
                            if pending.is_some() {
                                alert(
                                    kind::CARD_UNAPPROVED,
                                    None,
                                    None,
                                    Some("its issuance awaits the commission's approval".into()),
                                )?;
                            } else if over != 0 {
                                alert(
                                    kind::CARD_UNAPPROVED,
                                    None,
                                    None,
                                    Some(
                                        "issued above the officer's daily threshold without approval"
                                            .into(),
                                    ),
                                )?;
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// A temporary card issued by a registration officer, directly or in a batch (governed by
    /// `proposal`, or not).
    pub(super) fn temporary_card(
        &mut self,
        conn: &Connection,
        author: &Signer,
        c: &TemporaryCard,
        index: u64,
        proposal: Option<&str>,
    ) -> Check<()> {
        require_role(author, &[Role::RegistrationOfficer])?;
        check_card_number(&c.card).or_else(|e| refuse("body.card", e))?;
        self.check_station_scope(conn, author, &c.station, "body.station")?;
        match (&c.voter, &c.registrant) {
            (Some(v), None) => {
                self.voter_station(conn, v, "body.voter")?;
            }
            (None, Some(r)) => {
                if super::batches::decode_hash(r).is_none() {
                    return refuse(
                        "body.registrant",
                        "a registrant's commitment is a base64 SHA-256 hash",
                    );
                }
            }
            _ => {
                return refuse(
                    "body",
                    "name either the voter the card is for or the new registrant's commitment, not both",
                );
            }
        }
        if !is_hex64(&c.evidence) {
            return refuse(
                "body.evidence",
                "the evidence is its lowercase hex SHA-256 hash",
            );
        }
        let day = c.at / 86_400;
        let over = match proposal {
            Some(_) => false,
            None => {
                let issued: i64 = conn
                    .prepare_cached(
                        "SELECT count(*) FROM temporary_card WHERE officer = ?1 AND day = ?2 AND governed_by IS NULL",
                    )
                    .map_err(sql)?
                    .query_row(params![author.name, day as i64], |r| r.get(0))
                    .map_err(sql)?;
                issued as u64 >= card_threshold(conn)?
            }
        };
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO temporary_card(card, station, voter, registrant, basis, evidence,
                 officer, at, day, idx, governed_by, over_threshold, proposal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?11)",
            )
            .map_err(sql)?
            .execute(params![
                c.card,
                c.station,
                c.voter,
                c.registrant,
                c.basis.as_str(),
                c.evidence,
                author.name,
                c.at as i64,
                day as i64,
                index as i64,
                proposal,
                over as i64,
            ])
            .map_err(sql)?;
        if inserted == 0 {
            return refuse("body.card", format!("card {:?} was issued before", c.card));
        }
        if over {
            raise(
                conn,
                Alert {
                    idx: index,
                    seq: 0,
                    kind: kind::CARD_OVER_THRESHOLD,
                    station: &c.station,
                    checkin: None,
                    at: c.at,
                    other: None,
                    other_station: None,
                    detail: Some(format!(
                        "{} issued more than {} cards on day {day} without the commission's approval",
                        author.name,
                        card_threshold(conn)?
                    )),
                },
            )?;
        }
        Ok(())
    }
}

/// Temporary cards one officer may issue in a day without approval.
pub(crate) fn card_threshold(conn: &Connection) -> Check<u64> {
    let text: Option<String> = conn
        .prepare_cached("SELECT value FROM election WHERE key = 'card_threshold'")
        .map_err(sql)?
        .query_row([], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    match text {
        None => Ok(DEFAULT_CARD_THRESHOLD),
        Some(t) => t.parse().map_err(|_| sql_text("card threshold".into())),
    }
}
