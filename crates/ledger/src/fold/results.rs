//! Results: a station's result form (who may file which copy, and numbers that cannot be), the
//! contests they count for, and the certification of an area's totals.

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
        let sum: u64 = f.votes.values().sum();
        if sum != f.valid {
            return refuse(
                format!("{path}.valid"),
                format!(
                    "the votes add up to {sum}, not to the {} valid ballots",
                    f.valid
                ),
            );
        }
        let cast = f.valid + f.invalid;
        if let Some(issued) = f.ballots_issued {
            if cast > issued {
                return refuse(
                    format!("{path}.invalid"),
                    format!("{cast} ballots counted (valid + invalid) but only {issued} issued"),
                );
            }
            if let Some(received) = f.ballots_received {
                let used = issued + f.spoiled.unwrap_or(0) + f.unused.unwrap_or(0);
                if used > received {
                    return refuse(
                        format!("{path}.ballots_received"),
                        format!(
                            "{used} ballots issued, spoiled and unused but only {received} received"
                        ),
                    );
                }
            }
        } else if let Some(received) = f.ballots_received
            && cast > received
        {
            return refuse(
                format!("{path}.invalid"),
                format!("{cast} ballots counted but only {received} received"),
            );
        }
        for (i, p) in f.photos.iter().enumerate() {
            if p.len() != 64 || !p.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                return refuse(
                    format!("{path}.photos[{i}]"),
                    "a photo is named by its SHA-256 in lowercase hex",
                );
            }
        }
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
        Ok(())
    }
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
    let mut stmt = conn
        .prepare(
            "WITH RECURSIVE under(code) AS (
                SELECT ?1 UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code
             )
             SELECT v.choice, sum(v.votes) FROM station s
             JOIN result_form f ON f.station = s.code
             JOIN result_vote v ON v.station = f.station AND v.contest = f.contest AND v.source = f.source
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
