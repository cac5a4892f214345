//! Results: a station's result form (who may file which copy; numbers that do not add up are
//! recorded and flagged, never refused), the contests they count for, the certification of an
//! area's totals, and the governed amendment of an official form.

use super::keys::describe_role;
use super::*;

impl Fold {
    /// The contest with this id, parsed once per fold (contests only come from the genesis).
    pub(super) fn contest(
        &mut self,
        conn: &Connection,
        id: &str,
    ) -> Check<Option<std::sync::Arc<Contest>>> {
        if let Some(c) = self.contests.get(id) {
            return Ok(Some(c.clone()));
        }
        let Some(c) = contest(conn, id)? else {
            return Ok(None);
        };
        let c = std::sync::Arc::new(c);
        self.contests.insert(id.to_string(), c.clone());
        Ok(Some(c))
    }

    pub(super) fn result_form(
        &mut self,
        conn: &Connection,
        author: &Signer,
        f: &ResultForm,
        index: u64,
        proposal: Option<&str>,
        path: &str,
    ) -> Check<()> {
        // Who may file which copy.
        let allowed = match f.source.split_once(':') {
            None if f.source == "official" => {
                matches!(author.role, Role::PollingOfficial | Role::CommissionClerk)
            }
            Some(("party", p)) => {
                author.role == Role::PartyAgent && author.party.as_deref() == Some(p)
            }
            Some(("observer", o)) => {
                author.role == Role::Observer && author.organisation.as_deref() == Some(o)
            }
            _ => {
                return refuse(
                    format!("{path}.source"),
                    format!(
                        "{:?} is not a source: use official, party:<party> or observer:<organisation>",
                        f.source
                    ),
                );
            }
        };
        if !allowed {
            return refuse(
                format!("{path}.source"),
                format!(
                    "{} ({}) may not file a {:?} copy",
                    author.name,
                    describe_role(author),
                    f.source
                ),
            );
        }
        self.check_station_scope(conn, author, &f.station, &format!("{path}.station"))?;
        self.check_form_content(conn, f, path)?;
        let inserted = conn
            .prepare_cached(
                "INSERT OR IGNORE INTO result_form(station, contest, source, idx, author, registered,
                 ballots_received, ballots_issued, spoiled, unused, valid, invalid, photos, proposal)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            )
            .map_err(sql)?
            .execute(params![
                f.station,
                f.contest,
                f.source,
                index as i64,
                author.name,
                f.registered.map(|v| v as i64),
                f.ballots_received.map(|v| v as i64),
                f.ballots_issued.map(|v| v as i64),
                f.spoiled.map(|v| v as i64),
                f.unused.map(|v| v as i64),
                f.valid as i64,
                f.invalid as i64,
                (!f.photos.is_empty()).then(|| f.photos.join(",")),
                proposal
            ])
            .map_err(sql)?;
        if inserted == 0 {
            return refuse(
                path,
                format!(
                    "station {:?} already has a {:?} result form for contest {:?}",
                    f.station, f.source, f.contest
                ),
            );
        }
        let mut put = conn
            .prepare_cached(
                "INSERT INTO result_vote(station, contest, source, choice, votes) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .map_err(sql)?;
        for (choice, n) in &f.votes {
            put.execute(params![f.station, f.contest, f.source, choice, *n as i64])
                .map_err(sql)?;
        }
        self.flag_form(conn, f, index, index)?;
        if let Some(t) = f.time {
            super::witness::claim_time(conn, index, t, Some(&f.station))?;
        }
        Ok(())
    }

    /// What a form must be whoever files it: a known contest, its choices only, and photos
    /// named by their SHA-256.
    pub(super) fn check_form_content(
        &mut self,
        conn: &Connection,
        f: &ResultForm,
        path: &str,
    ) -> Check<()> {
        let contest = self.contest(conn, &f.contest)?.ok_or_else(|| {
            (
                format!("{path}.contest"),
                format!("unknown contest {:?}", f.contest),
            )
        })?;
        for choice in f.votes.keys() {
            if !contest.choices.iter().any(|c| &c.id == choice) {
                return refuse(
                    format!("{path}.votes.{choice}"),
                    format!("{choice:?} is not a choice in contest {:?}", f.contest),
                );
            }
        }
        for (i, p) in f.photos.iter().enumerate() {
            if p.len() != 64 || !p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return refuse(
                    format!("{path}.photos[{i}]"),
                    "a photo is named by its SHA-256 in lowercase hex",
                );
            }
        }
        Ok(())
    }

    /// Raises a flag for each way the form at `idx` does not add up (see [`form_problems`]),
    /// while folding the entry at `raised_at`.
    pub(super) fn flag_form(
        &mut self,
        conn: &Connection,
        f: &ResultForm,
        idx: u64,
        raised_at: u64,
    ) -> Check<()> {
        let station_registered = || -> Check<Option<u64>> {
            Ok(conn
                .prepare_cached("SELECT registered FROM station WHERE code = ?1")
                .map_err(sql)?
                .query_row([&f.station], |r| r.get::<_, Option<i64>>(0))
                .optional()
                .map_err(sql)?
                .flatten()
                .map(|v| v as u64))
        };
        let registered = match f.registered {
            Some(r) => Some(r),
            None => station_registered()?,
        };
        let problems = form_problems(f, registered);
        if problems.is_empty() {
            return Ok(());
        }
        let area = self.station_area(conn, &f.station, "body.station")?;
        for (kind, mut detail) in problems {
            detail["contest"] = f.contest.clone().into();
            detail["source"] = f.source.clone().into();
            super::flags::raise(
                conn,
                raised_at,
                super::flags::Flag {
                    idx,
                    kind,
                    station: Some(&f.station),
                    area: Some(&area),
                    detail,
                },
            )?;
        }
        Ok(())
    }
}

/// The ways a result form's numbers do not add up, as flag kinds with their figures: evidence
/// to record and flag, never a reason to refuse the form. `registered` is the form's own count
/// of registered voters, or else the station's.
pub(crate) fn form_problems(
    f: &ResultForm,
    registered: Option<u64>,
) -> Vec<(&'static str, serde_json::Value)> {
    use serde_json::json;
    let mut out = Vec::new();
    let sum: u64 = f.votes.values().sum();
    if sum != f.valid {
        out.push((
            "votes_not_valid",
            json!({"votes": sum, "valid": f.valid, "message": format!(
                "the votes add up to {sum}, not to the {} valid ballots", f.valid)}),
        ));
    }
    let cast = f.valid.saturating_add(f.invalid);
    if let Some(issued) = f.ballots_issued {
        if cast > issued {
            out.push((
                "counted_over_issued",
                json!({"counted": cast, "issued": issued, "message": format!(
                    "{cast} ballots counted (valid + invalid) but only {issued} issued")}),
            ));
        }
        if let Some(received) = f.ballots_received {
            let used = issued
                .saturating_add(f.spoiled.unwrap_or(0))
                .saturating_add(f.unused.unwrap_or(0));
            if used > received {
                out.push((
                    "used_over_received",
                    json!({"used": used, "received": received, "message": format!(
                        "{used} ballots issued, spoiled and unused but only {received} received")}),
                ));
            }
        }
    } else if let Some(received) = f.ballots_received
        && cast > received
    {
        out.push((
            "counted_over_received",
            json!({"counted": cast, "received": received, "message": format!(
                "{cast} ballots counted but only {received} received")}),
        ));
    }
    if let Some(registered) = registered
        && cast > registered
    {
        out.push((
            "counted_over_registered",
            json!({"counted": cast, "registered": registered, "message": format!(
                "{cast} ballots counted but only {registered} voters registered")}),
        ));
    }
    out
}

pub(crate) fn contest(conn: &Connection, id: &str) -> Check<Option<Contest>> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM contest WHERE id = ?1")
        .map_err(sql)?
        .query_row([id], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| sql_text(e.to_string())))
        .transpose()
}

pub(super) fn certify(conn: &Connection, c: &Certify, index: u64, proposal: &str) -> Check<()> {
    let p = "body.action.certify";
    // Every station under the area, official forms only.
    let (valid, invalid, stations, forms): (i64, i64, i64, i64) = conn
        .query_row(
            "WITH RECURSIVE under(code) AS (
                SELECT ?1 UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code
             )
             SELECT coalesce(sum(f.valid), 0), coalesce(sum(f.invalid), 0),
                    (SELECT count(*) FROM station s WHERE s.area IN under AND s.proposal IS NULL),
                    count(f.station)
             FROM station s JOIN result_form f ON f.station = s.code
             WHERE s.area IN under AND s.proposal IS NULL AND f.contest = ?2 AND f.source = 'official' AND f.proposal IS NULL",
            params![c.area, c.contest],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .map_err(sql)?;
    if forms < stations {
        return refuse(
            format!("{p}.area"),
            format!(
                "{} of {stations} stations in {:?} have no official result form",
                stations - forms,
                c.area
            ),
        );
    }
    // Stations first (CROSS JOIN fixes the order): left to itself, SQLite would read every
    // station's votes of every source and keep those under the area.
    let mut stmt = conn
        .prepare(
            "WITH RECURSIVE under(code) AS (
                SELECT ?1 UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code
             )
             SELECT v.choice, sum(v.votes) FROM station s
             CROSS JOIN result_form f ON f.station = s.code
             CROSS JOIN result_vote v ON v.station = f.station AND v.contest = f.contest AND v.source = f.source
             WHERE s.area IN under AND s.proposal IS NULL AND f.contest = ?2 AND f.source = 'official' AND f.proposal IS NULL
             GROUP BY v.choice ORDER BY v.choice",
        )
        .map_err(sql)?;
    let totals: std::collections::BTreeMap<String, u64> = stmt
        .query_map(params![c.area, c.contest], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .map_err(sql)?
        .collect::<Result<_, _>>()
        .map_err(sql)?;
    let claimed: std::collections::BTreeMap<String, u64> = c
        .totals
        .iter()
        .filter(|(_, v)| **v > 0)
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let counted: std::collections::BTreeMap<String, u64> =
        totals.into_iter().filter(|(_, v)| *v > 0).collect();
    if claimed != counted || c.valid != valid as u64 || c.invalid != invalid as u64 {
        return refuse(
            format!("{p}.totals"),
            format!(
                "the official forms add up to valid {valid}, invalid {invalid}, votes {counted:?}; the certification says valid {}, invalid {}, votes {claimed:?}",
                c.valid, c.invalid
            ),
        );
    }
    conn.execute(
        "INSERT INTO certification(contest, area, idx, proposal, valid, invalid, totals) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(contest, area) DO UPDATE SET idx = excluded.idx, proposal = excluded.proposal,
         valid = excluded.valid, invalid = excluded.invalid, totals = excluded.totals",
        params![
            c.contest,
            c.area,
            index as i64,
            proposal,
            c.valid as i64,
            c.invalid as i64,
            serde_json::to_string(&c.totals).expect("totals")
        ],
    )
    .map_err(sql)?;
    Ok(())
}
