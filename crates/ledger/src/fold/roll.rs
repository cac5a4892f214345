//! The geography and the roll: areas, stations and a key's scope over them; voters registered,
//! updated, transferred.

use super::*;

impl Fold {
    pub(super) fn in_scope(
        &mut self,
        conn: &Connection,
        signer: &Signer,
        area: &str,
    ) -> Check<bool> {
        let Scope::Areas(areas) = &signer.scope else {
            return Ok(true);
        };
        if !self.ancestors.contains_key(area) {
            let mut chain = Vec::new();
            let mut cur = Some(area.to_string());
            while let Some(code) = cur {
                if chain.len() > 64 {
                    break;
                }
                cur = conn
                    .query_row("SELECT parent FROM area WHERE code = ?1", [&code], |r| {
                        r.get::<_, Option<String>>(0)
                    })
                    .optional()
                    .map_err(sql)?
                    .flatten();
                chain.push(code);
            }
            self.ancestors.insert(area.to_string(), chain);
        }
        let chain = &self.ancestors[area];
        Ok(chain.iter().any(|a| areas.contains(a)))
    }

    pub(super) fn station_area(
        &mut self,
        conn: &Connection,
        station: &str,
        path: &str,
    ) -> Check<String> {
        self.station_area_at(conn, station, At::whole(path))
    }

    fn station_area_at(&mut self, conn: &Connection, station: &str, at: At<'_>) -> Check<String> {
        if let Some(area) = self.station_areas.get(station) {
            return Ok(area.clone());
        }
        let row: Option<(String, Option<String>)> = conn
            .prepare_cached("SELECT area, proposal FROM station WHERE code = ?1")
            .map_err(sql)?
            .query_row([station], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()
            .map_err(sql)?;
        match row {
            None => refuse(at.path(), format!("unknown station {station:?}")),
            Some((_, Some(p))) => refuse(
                at.path(),
                format!("station {station:?} awaits the commission's approval (proposal {p})"),
            ),
            Some((area, None)) => {
                self.station_areas.insert(station.to_string(), area.clone());
                Ok(area)
            }
        }
    }

    pub(super) fn check_station_scope(
        &mut self,
        conn: &Connection,
        signer: &Signer,
        station: &str,
        path: &str,
    ) -> Check<()> {
        self.check_station_scope_at(conn, signer, station, At::whole(path))
    }

    fn check_station_scope_at(
        &mut self,
        conn: &Connection,
        signer: &Signer,
        station: &str,
        at: At<'_>,
    ) -> Check<()> {
        let area = self.station_area_at(conn, station, at)?;
        if !self.in_scope(conn, signer, &area)? {
            return refuse(
                at.path(),
                format!(
                    "station {station:?} is outside the areas where {} may act",
                    signer.name
                ),
            );
        }
        Ok(())
    }

    pub(super) fn register(
        &mut self,
        conn: &Connection,
        author: &Signer,
        r: &Register,
        index: u64,
        proposal: Option<&str>,
        path: &str,
    ) -> Check<()> {
        self.check_station_scope_at(conn, author, &r.station, At::field(path, "station"))?;
        if r.voter.is_empty() {
            return refuse(format!("{path}.voter"), "empty voter id");
        }
        check_names(r.names.as_ref(), At::field(path, "names"))?;
        let n = r.names.as_ref();
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO voter(id, name, sex, birth_year, station, commitment, registered_at, proposal,
                 family, given, family_latin, given_latin)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .map_err(sql)?
            .execute(params![
                r.voter,
                r.name,
                sex(r.sex),
                r.birth_year,
                r.station,
                r.commitment,
                index as i64,
                proposal,
                n.map(|n| &n.family),
                n.map(|n| &n.given),
                n.and_then(|n| n.family_latin.as_ref()),
                n.and_then(|n| n.given_latin.as_ref()),
            ])
            .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                format!("{path}.voter"),
                format!("voter {:?} is already registered", r.voter),
            );
        }
        // The history reads a registration from this row (`ledger::report::voter_history`):
        // `voter_event` keeps only the changes after it, so that millions of registrations
        // are not written twice.
        Ok(())
    }

    pub(super) fn voter_station(
        &mut self,
        conn: &Connection,
        voter: &str,
        path: &str,
    ) -> Check<String> {
        // A voter's batch proposal stays set once applied; only a pending one stages them.
        let row: Option<(String, Option<i64>, Option<String>)> = conn
            .prepare_cached(
                "SELECT v.station, v.removed_at, p.id FROM voter v
                 LEFT JOIN proposal p ON p.id = v.proposal AND p.status != 'applied'
                 WHERE v.id = ?1",
            )
            .map_err(sql)?
            .query_row([voter], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(sql)?;
        match row {
            None => refuse(path, format!("unknown voter {voter:?}")),
            Some((_, Some(_), _)) => refuse(path, format!("voter {voter:?} has been removed")),
            Some((_, _, Some(p))) => refuse(
                path,
                format!("voter {voter:?} awaits the commission's approval (proposal {p})"),
            ),
            Some((station, None, None)) => Ok(station),
        }
    }

    pub(super) fn update_voter(
        &mut self,
        conn: &Connection,
        author: &Signer,
        u: &UpdateVoter,
        index: u64,
        path: &str,
    ) -> Check<()> {
        let station = self.voter_station(conn, &u.voter, &format!("{path}.voter"))?;
        self.check_station_scope(conn, author, &station, &format!("{path}.voter"))?;
        if u.name.is_none()
            && u.names.is_none()
            && u.sex.is_none()
            && u.birth_year.is_none()
            && u.commitment.is_none()
        {
            return refuse(path, "the update changes nothing");
        }
        check_names(u.names.as_ref(), At::field(path, "names"))?;
        conn.execute(
            "UPDATE voter SET name = coalesce(?2, name), sex = coalesce(?3, sex),
             birth_year = coalesce(?4, birth_year), commitment = coalesce(?5, commitment) WHERE id = ?1",
            params![u.voter, u.name, u.sex.map(sex), u.birth_year, u.commitment],
        )
        .map_err(sql)?;
        if let Some(n) = &u.names {
            conn.execute(
                "UPDATE voter SET family = ?2, given = ?3, family_latin = ?4, given_latin = ?5 WHERE id = ?1",
                params![u.voter, n.family, n.given, n.family_latin, n.given_latin],
            )
            .map_err(sql)?;
        }
        let fields: Vec<&str> = [
            ("name", u.name.is_some()),
            ("names", u.names.is_some()),
            ("sex", u.sex.is_some()),
            ("birth_year", u.birth_year.is_some()),
            ("commitment", u.commitment.is_some()),
        ]
        .iter()
        .filter(|f| f.1)
        .map(|f| f.0)
        .collect();
        record_change_fields(
            conn,
            &Change {
                before: Some(&station),
                after: Some(&station),
                ..Change::new(&u.voter, index, index, "update")
            },
            Some(&fields.join(",")),
        )
    }

    pub(super) fn transfer(
        &mut self,
        conn: &Connection,
        author: &Signer,
        t: &Transfer,
        index: u64,
        path: &str,
    ) -> Check<()> {
        let from = self.voter_station(conn, &t.voter, &format!("{path}.voter"))?;
        self.check_station_scope(conn, author, &from, &format!("{path}.voter"))?;
        self.check_station_scope(conn, author, &t.station, &format!("{path}.station"))?;
        if from == t.station {
            return refuse(
                format!("{path}.station"),
                "the voter is already at this station",
            );
        }
        conn.execute(
            "UPDATE voter SET station = ?2 WHERE id = ?1",
            params![t.voter, t.station],
        )
        .map_err(sql)?;
        record_change(
            conn,
            &Change {
                before: Some(&from),
                after: Some(&t.station),
                ..Change::new(&t.voter, index, index, "transfer")
            },
        )
    }

    /// Stages one removal of a governed batch: the voter must be on the roll, in the author's
    /// scope, and listed once.
    pub(super) fn stage_removal(
        &mut self,
        conn: &Connection,
        author: &Signer,
        r: &Removal,
        index: u64,
        proposal: &str,
    ) -> Check<()> {
        let station = self.voter_station(conn, &r.voter, "body.voter")?;
        self.check_station_scope(conn, author, &station, "body.voter")?;
        if !is_sha256_hex(&r.evidence) {
            return refuse(
                "body.evidence",
                "the evidence is the lowercase hex SHA-256 of the evidence document (64 digits)",
            );
        }
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO removal(proposal, voter, idx, reason, evidence) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?
            .execute(params![
                proposal,
                r.voter,
                index as i64,
                removal_reason(r.reason),
                r.evidence
            ])
            .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                "body.voter",
                format!("voter {:?} is listed twice in this batch", r.voter),
            );
        }
        Ok(())
    }

    /// Takes a voter off the roll: the row stays, marked removed, and the history gains the
    /// removal.
    pub(super) fn remove_voter(
        &mut self,
        conn: &Connection,
        removal: Change<'_>,
        path: &str,
    ) -> Check<()> {
        let station = self.voter_station(conn, removal.voter, path)?;
        conn.prepare_cached("UPDATE voter SET removed_at = ?2, removal_reason = ?3 WHERE id = ?1")
            .map_err(sql)?
            .execute(params![removal.voter, removal.idx as i64, removal.reason])
            .map_err(sql)?;
        record_change(
            conn,
            &Change {
                before: Some(&station),
                ..removal
            },
        )
    }

    /// A removed voter's station, or why they cannot be reinstated.
    pub(super) fn removed_voter_station(
        &mut self,
        conn: &Connection,
        voter: &str,
        path: &str,
    ) -> Check<String> {
        let row: Option<(String, Option<i64>, Option<String>)> = conn
            .query_row(
                "SELECT station, removed_at, proposal FROM voter WHERE id = ?1",
                [voter],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sql)?;
        match row {
            None => refuse(path, format!("unknown voter {voter:?}")),
            Some((_, None, _)) => refuse(path, format!("voter {voter:?} is on the roll")),
            Some((station, Some(_), _)) => {
                self.station_area(conn, &station, path)?;
                Ok(station)
            }
        }
    }
}

/// One change to the roll, as `voter_event` keeps it (see [`crate::state`]).
#[derive(Clone, Copy)]
pub(super) struct Change<'a> {
    pub voter: &'a str,
    pub idx: u64,
    pub entry: u64,
    pub kind: &'static str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub evidence: Option<&'a str>,
    pub proposal: Option<&'a str>,
}

impl<'a> Change<'a> {
    pub fn new(voter: &'a str, idx: u64, entry: u64, kind: &'static str) -> Change<'a> {
        Change {
            voter,
            idx,
            entry,
            kind,
            before: None,
            after: None,
            reason: None,
            evidence: None,
            proposal: None,
        }
    }
}

pub(super) fn record_change(conn: &Connection, c: &Change<'_>) -> Check<()> {
    record_change_fields(conn, c, None)
}

fn record_change_fields(conn: &Connection, c: &Change<'_>, fields: Option<&str>) -> Check<()> {
    conn.prepare_cached(
        "INSERT INTO voter_event(voter, idx, entry, kind, station_before, station_after, fields, reason, evidence, proposal)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .map_err(sql)?
    .execute(params![
        c.voter,
        c.idx as i64,
        c.entry as i64,
        c.kind,
        c.before,
        c.after,
        fields,
        c.reason,
        c.evidence,
        c.proposal
    ])
    .map_err(sql)?;
    Ok(())
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A JSON path as a prefix and a field, joined only when a refusal names it, so that a
/// registration that is accepted formats no path.
#[derive(Clone, Copy)]
struct At<'a> {
    path: &'a str,
    field: &'a str,
}

impl<'a> At<'a> {
    fn whole(path: &'a str) -> At<'a> {
        At { path, field: "" }
    }

    fn field(path: &'a str, field: &'a str) -> At<'a> {
        At { path, field }
    }

    fn path(self) -> String {
        if self.field.is_empty() {
            self.path.to_string()
        } else {
            format!("{}.{}", self.path, self.field)
        }
    }
}

fn check_names(names: Option<&VoterNames>, at: At<'_>) -> Check<()> {
    match names {
        Some(n) if n.family.trim().is_empty() && n.given.trim().is_empty() => {
            refuse(at.path(), "both the family and the given name are empty")
        }
        _ => Ok(()),
    }
}

pub(super) fn sex(s: Sex) -> &'static str {
    match s {
        Sex::F => "F",
        Sex::M => "M",
        Sex::X => "X",
    }
}

pub(super) fn removal_reason(r: RemovalReason) -> &'static str {
    match r {
        RemovalReason::Deceased => "deceased",
        RemovalReason::Duplicate => "duplicate",
        RemovalReason::NotEligible => "not_eligible",
        RemovalReason::MovedAway => "moved_away",
        RemovalReason::CourtOrder => "court_order",
        RemovalReason::OwnRequest => "own_request",
    }
}

pub(super) fn area_exists(conn: &Connection, code: &str, path: &str) -> Check<(i64, String)> {
    area_in(conn, code, path, None)
}

/// Like [`area_exists`], also accepting an area staged by the same governed batch.
pub(super) fn area_in(
    conn: &Connection,
    code: &str,
    path: &str,
    staged: Option<&str>,
) -> Check<(i64, String)> {
    let row: Option<(i64, String, Option<String>)> = conn
        .prepare_cached("SELECT level, top, proposal FROM area WHERE code = ?1")
        .map_err(sql)?
        .query_row([code], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()
        .map_err(sql)?;
    match row {
        None => refuse(path, format!("unknown area {code:?}")),
        Some((level, top, Some(p))) if Some(p.as_str()) == staged => Ok((level, top)),
        Some((_, _, Some(p))) => refuse(
            path,
            format!("area {code:?} awaits the commission's approval (proposal {p})"),
        ),
        Some((level, top, None)) => Ok((level, top)),
    }
}

pub(super) fn levels(conn: &Connection) -> Check<Vec<String>> {
    let text: String = conn
        .query_row("SELECT value FROM election WHERE key = 'levels'", [], |r| {
            r.get(0)
        })
        .map_err(sql)?;
    serde_json::from_str(&text).map_err(|e| sql_text(e.to_string()))
}

pub(super) fn check_area(
    conn: &Connection,
    a: &Area,
    path: &str,
    staged: Option<&str>,
) -> Check<(i64, String)> {
    let levels = levels(conn)?;
    let Some(level) = levels.iter().position(|l| *l == a.level) else {
        return refuse(
            format!("{path}.level"),
            format!(
                "unknown level {:?}; the levels are {}",
                a.level,
                levels.join(", ")
            ),
        );
    };
    if a.code.is_empty() {
        return refuse(format!("{path}.code"), "empty area code");
    }
    let top = match (&a.parent, level) {
        (None, 0) => a.code.clone(),
        (None, _) => {
            return refuse(
                format!("{path}.parent"),
                format!("an area of level {:?} needs a parent", a.level),
            );
        }
        (Some(_), 0) => {
            return refuse(format!("{path}.parent"), "a top-level area has no parent");
        }
        (Some(parent), _) => {
            let (parent_level, top) = area_in(conn, parent, &format!("{path}.parent"), staged)?;
            if parent_level as usize != level - 1 {
                return refuse(
                    format!("{path}.parent"),
                    format!(
                        "{parent:?} is a {}, not a {}",
                        levels[parent_level as usize],
                        levels[level - 1]
                    ),
                );
            }
            top
        }
    };
    Ok((level as i64, top))
}

pub(super) fn insert_area(
    conn: &Connection,
    a: &Area,
    proposal: Option<&str>,
    path: &str,
) -> Check<()> {
    let (level, top) = check_area(conn, a, path, proposal)?;
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO area(code, name, level, parent, top, proposal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(sql)?
        .execute(params![a.code, a.name, level, a.parent, top, proposal])
        .map_err(sql)?;
    if inserted == 0 {
        return refuse(
            format!("{path}.code"),
            format!("area {:?} already exists", a.code),
        );
    }
    Ok(())
}

/// Checks a station's area; returns the area's top-level ancestor. With `new_only`, an existing
/// station is refused (batches add stations; a single governed action may also change one).
pub(super) fn check_station(
    conn: &Connection,
    s: &Station,
    path: &str,
    new_only: bool,
    staged: Option<&str>,
) -> Check<String> {
    if s.code.is_empty() {
        return refuse(format!("{path}.code"), "empty station code");
    }
    let (level, top) = area_in(conn, &s.area, &format!("{path}.area"), staged)?;
    let levels = levels(conn)?;
    if level as usize != levels.len() - 1 {
        return refuse(
            format!("{path}.area"),
            format!(
                "stations sit in areas of the last level ({}); {:?} is a {}",
                levels[levels.len() - 1],
                s.area,
                levels[level as usize]
            ),
        );
    }
    if new_only {
        let exists = conn
            .prepare_cached("SELECT 1 FROM station WHERE code = ?1")
            .map_err(sql)?
            .query_row([&s.code], |_| Ok(()))
            .optional()
            .map_err(sql)?
            .is_some();
        if exists {
            return refuse(
                format!("{path}.code"),
                format!("station {:?} already exists", s.code),
            );
        }
    }
    Ok(top)
}

pub(super) fn upsert_station(
    conn: &Connection,
    s: &Station,
    proposal: Option<&str>,
    path: &str,
    new_only: bool,
) -> Check<()> {
    let top = check_station(conn, s, path, new_only, proposal)?;
    conn.prepare_cached(
        "INSERT INTO station(code, name, area, top, registered, proposal) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(code) DO UPDATE SET name = excluded.name, area = excluded.area, top = excluded.top,
         registered = excluded.registered",
    )
    .map_err(sql)?
    .execute(params![
        s.code,
        s.name,
        s.area,
        top,
        s.registered.map(|r| r as i64),
        proposal
    ])
    .map_err(sql)?;
    Ok(())
}
