//! Amendment of an official result form by a governed action (`amend_form`): the commission's
//! approval rule decides, and both versions stay on the record.
//!
//! When the rule is met, the form in effect (`result_form`, `result_vote`) becomes the amended
//! version, whose entry is the proposal's; `form_version` keeps every version, the first as
//! filed (written on the first amendment, so that forms never amended cost nothing more). The
//! flags of an earlier version stay, on that version's entry; the amended version is checked
//! as a filed form is and flagged on the proposal's entry if it does not add up either.

use super::*;

impl Fold {
    /// Checks an `amend_form` action; returns the area it concerns (the station's).
    pub(super) fn check_amendment(
        &mut self,
        conn: &Connection,
        author: &Signer,
        f: &ResultForm,
        path: &str,
    ) -> Check<String> {
        if f.source != "official" {
            return refuse(
                format!("{path}.source"),
                "only official forms are amended by the commission; a party or observer files its own copy",
            );
        }
        self.check_station_scope(conn, author, &f.station, &format!("{path}.station"))?;
        self.check_form_content(conn, f, path)?;
        if stored_form(conn, &f.station, &f.contest, &f.source)?.is_none() {
            return refuse(
                format!("{path}.station"),
                format!(
                    "station {:?} has no official result form for contest {:?} to amend",
                    f.station, f.contest
                ),
            );
        }
        self.station_area(conn, &f.station, &format!("{path}.station"))
    }

    /// The amendment takes effect at `index` (the decision that met the rule); `entry` is the
    /// proposal's index, which becomes the form's.
    pub(super) fn amend_form(
        &mut self,
        conn: &Connection,
        index: u64,
        entry: u64,
        proposal: &str,
        reason: &str,
        f: &ResultForm,
    ) -> Check<()> {
        let path = "body.action.amend_form";
        let Some((old_idx, old)) = stored_form(conn, &f.station, &f.contest, &f.source)? else {
            return refuse(
                format!("{path}.station"),
                format!(
                    "station {:?} no longer has an official form for contest {:?}",
                    f.station, f.contest
                ),
            );
        };
        let versions: i64 = conn
            .query_row(
                "SELECT count(*) FROM form_version WHERE station = ?1 AND contest = ?2 AND source = ?3",
                params![f.station, f.contest, f.source],
                |r| r.get(0),
            )
            .map_err(sql)?;
        let put = |version: i64,
                   idx: u64,
                   amended: Option<(u64, &str, &str)>,
                   form: &ResultForm|
         -> Check<()> {
            conn.execute(
                "INSERT INTO form_version(station, contest, source, version, idx, amended_at, proposal, reason, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    f.station,
                    f.contest,
                    f.source,
                    version,
                    idx as i64,
                    amended.map(|a| a.0 as i64),
                    amended.map(|a| a.1),
                    amended.map(|a| a.2),
                    String::from_utf8(Event::ResultForm(form.clone()).body_json()).expect("utf-8"),
                ],
            )
            .map_err(sql)?;
            Ok(())
        };
        if versions == 0 {
            put(1, old_idx, None, &old)?;
        }
        put(
            versions.max(1) + 1,
            entry,
            Some((index, proposal, reason)),
            f,
        )?;
        let author: String = conn
            .query_row(
                "SELECT author FROM proposal WHERE id = ?1",
                [proposal],
                |r| r.get(0),
            )
            .map_err(sql)?;
        conn.execute(
            "UPDATE result_form SET idx = ?4, author = ?5, registered = ?6, ballots_received = ?7,
             ballots_issued = ?8, spoiled = ?9, unused = ?10, valid = ?11, invalid = ?12, photos = ?13
             WHERE station = ?1 AND contest = ?2 AND source = ?3",
            params![
                f.station,
                f.contest,
                f.source,
                entry as i64,
                author,
                f.registered.map(|v| v as i64),
                f.ballots_received.map(|v| v as i64),
                f.ballots_issued.map(|v| v as i64),
                f.spoiled.map(|v| v as i64),
                f.unused.map(|v| v as i64),
                f.valid as i64,
                f.invalid as i64,
                (!f.photos.is_empty()).then(|| f.photos.join(",")),
            ],
        )
        .map_err(sql)?;
        conn.execute(
            "DELETE FROM result_vote WHERE station = ?1 AND contest = ?2 AND source = ?3",
            params![f.station, f.contest, f.source],
        )
        .map_err(sql)?;
        for (choice, n) in &f.votes {
            conn.execute(
                "INSERT INTO result_vote(station, contest, source, choice, votes) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![f.station, f.contest, f.source, choice, *n as i64],
            )
            .map_err(sql)?;
        }
        self.flag_form(conn, f, entry, index)
    }
}

/// The form in effect for (station, contest, source), with its entry's index.
pub(crate) fn stored_form(
    conn: &Connection,
    station: &str,
    contest: &str,
    source: &str,
) -> Check<Option<(u64, ResultForm)>> {
    let opt = |v: Option<i64>| v.map(|v| v as u64);
    let row = conn
        .query_row(
            "SELECT idx, registered, ballots_received, ballots_issued, spoiled, unused, valid, invalid, photos
             FROM result_form WHERE station = ?1 AND contest = ?2 AND source = ?3 AND proposal IS NULL",
            params![station, contest, source],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    ResultForm {
                        ballots_issued: opt(r.get(3)?),
                        ballots_received: opt(r.get(2)?),
                        contest: contest.to_string(),
                        invalid: r.get::<_, i64>(7)? as u64,
                        photos: r
                            .get::<_, Option<String>>(8)?
                            .map(|p| p.split(',').map(str::to_string).collect())
                            .unwrap_or_default(),
                        registered: opt(r.get(1)?),
                        source: source.to_string(),
                        spoiled: opt(r.get(4)?),
                        station: station.to_string(),
                        time: None,
                        unused: opt(r.get(5)?),
                        valid: r.get::<_, i64>(6)? as u64,
                        votes: Default::default(),
                    },
                ))
            },
        )
        .optional()
        .map_err(sql)?;
    let Some((idx, mut form)) = row else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT choice, votes FROM result_vote WHERE station = ?1 AND contest = ?2 AND source = ?3",
        )
        .map_err(sql)?;
    let votes = stmt
        .query_map(params![station, contest, source], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .map_err(sql)?;
    for v in votes {
        let (choice, n) = v.map_err(sql)?;
        form.votes.insert(choice, n);
    }
    Ok(Some((idx, form)))
}
