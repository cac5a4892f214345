//! The poll book: station pseudonym lists (governed), check-ins and temporary cards.
//!
//! Refuse the unauthentic, record the suspicious: a check-in is refused only when it is not
//! well formed or its author may not act at its station; a second check-in of a voter or card,
//! a pseudonym not on the station's list, a re-sent check-in that differs, a card that is
//! unknown, used elsewhere than its station, or issued above the threshold without approval
//! are all recorded and raised as alerts in `checkin_alert`.

use super::batches::decode_hex32;
use super::*;

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

/// Where each pseudonym's list is, kept by the fold while the state has no index by pseudonym
/// (a replay into a new state, which builds `pseudonym_unique` once at the end). A hint, never
/// the answer: it holds every pseudonym of the `pseudonym` table with its station, but may also
/// hold some that a rolled-back batch or a rejected list took away again, so each station it
/// gives is confirmed in the table by (station, pseudonym), its primary key.
#[derive(Default)]
pub(crate) struct ListIndex {
    stations: Vec<String>,
    numbers: HashMap<String, u32>,
    /// By a pseudonym's first 8 bytes, the station of the first pseudonym given with them.
    /// Keyed with a per-process random seed, so that lists ground to collide cannot slow it.
    by_prefix: HashMap<u64, u32, foldhash::fast::RandomState>,
    /// Pseudonyms whose first 8 bytes were already taken (rare by chance; whoever grinds
    /// HMACs to share them only fills this map).
    by_pseudonym: HashMap<[u8; 32], u32, foldhash::fast::RandomState>,
}

impl ListIndex {
    fn prefix(pseudonym: &[u8]) -> u64 {
        u64::from_le_bytes(pseudonym[..8].try_into().expect("32 bytes"))
    }

    fn insert(&mut self, pseudonym: &[u8; 32], station: &str) {
        let number = match self.numbers.get(station) {
            Some(&n) => n,
            None => {
                let n = self.stations.len() as u32;
                self.stations.push(station.to_string());
                self.numbers.insert(station.to_string(), n);
                n
            }
        };
        match self.by_prefix.entry(Self::prefix(pseudonym)) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(number);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.by_pseudonym.insert(*pseudonym, number);
            }
        }
    }

    /// The station whose list holds `pseudonym` (in effect or staged), confirmed in the table.
    fn find(&self, conn: &Connection, pseudonym: &[u8]) -> Check<Option<&str>> {
        let number = match <&[u8; 32]>::try_from(pseudonym)
            .ok()
            .and_then(|p| self.by_pseudonym.get(p))
        {
            Some(&n) => n,
            None => match self.by_prefix.get(&Self::prefix(pseudonym)) {
                Some(&n) => n,
                None => return Ok(None),
            },
        };
        let station = self.stations[number as usize].as_str();
        let there = conn
            .prepare_cached(
                "SELECT 1 FROM pseudonym NOT INDEXED WHERE station = ?1 AND pseudonym = ?2",
            )
            .map_err(sql)?
            .query_row(params![station, pseudonym], |_| Ok(()))
            .optional()
            .map_err(sql)?;
        Ok(there.map(|()| station))
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
        for (i, hex) in p.pseudonyms.iter().enumerate() {
            let path = || format!("body.pseudonyms[{i}]");
            let Some(raw) = decode_hex32(hex) else {
                return refuse(path(), "a pseudonym is 64 lowercase hex digits");
            };
            // With `pseudonym_unique` the insert itself finds a pseudonym listed anywhere;
            // without it (a replay building it later), the fold's map does.
            let listed = match &self.lists {
                Some(lists) => lists.find(conn, &raw)?.is_some(),
                None => false,
            };
            if listed
                || insert
                    .execute(params![&raw[..], p.station, index as i64])
                    .map_err(sql)?
                    == 0
            {
                return refuse(path(), "this pseudonym is already on a station's list");
            }
            if let Some(lists) = &mut self.lists {
                lists.insert(&raw, &p.station);
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

    /// From here on, finds pseudonyms through a map the fold keeps rather than through
    /// `pseudonym_unique`: for a replay into a new state, which has no pseudonym yet and builds
    /// that index once at the end ([`crate::state::create_deferring`]).
    pub fn index_lists_in_memory(&mut self) {
        self.lists = Some(ListIndex::default());
    }

    /// The station whose list in effect holds `pseudonym`, and the pseudonym's first check-in.
    fn listed(
        &self,
        conn: &Connection,
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
                let Some(station) = lists.find(conn, pseudonym)? else {
                    return Ok(None);
                };
                conn.prepare_cached(
                    "SELECT station, first_station, first_checkin, first_at, first_idx FROM pseudonym p NOT INDEXED
                     WHERE station = ?2 AND pseudonym = ?1
                       AND (SELECT proposal IS NULL FROM pseudonym_list WHERE idx = p.idx)",
                )
                .map_err(sql)?
                .query_row(params![pseudonym, station], row)
                .optional()
                .map_err(sql)
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
            if insert
                .execute(params![station, ci.id, at as i64, key, index as i64])
                .map_err(sql)?
                == 0
            {
                // Sent before: the same check-in counts once; a different one is evidence.
                let (old_at, old_key, old_idx): (i64, Vec<u8>, i64) = stored
                    .query_row(params![station, ci.id], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .map_err(sql)?;
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
                    let fresh = (first_on_list
                        .execute(params![pseudonym, station, ci.id, at as i64, index as i64])
                        .map_err(sql)?
                        == 1)
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
                            match self.listed(conn, pseudonym)? {
                                Some((on, Some(first))) => (Some(on), Some(first)),
                                // On another station's list, and its first check-in.
                                Some((on, None)) => {
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
