//! The public flags (evidence recorded beside the entry that shows it), the versions of
//! amended result forms, and witness time: when the witnesses saw an entry.

use super::{Error, q};
use crate::event::ResultForm;
use rusqlite::{Connection, params};
use serde::Serialize;

/// One public flag.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// The log index of the entry flagged.
    pub index: u64,
    /// A short stable word (`crate::fold::flags::KINDS`, docs/flags.md).
    pub kind: String,
    /// The log index of the entry whose fold raised the flag (the entry itself, or a later
    /// one such as a recorded checkpoint).
    pub raised_at: u64,
    pub station: Option<String>,
    pub area: Option<String>,
    /// The figures behind the flag, and a `message` in words.
    pub detail: serde_json::Value,
}

impl Flag {
    /// The stations the flag is about: its own, or, for an entry that packs reports from many
    /// stations (a gateway's SMS), the station of each report its detail names, which the
    /// fold took from the sender's registration.
    pub fn stations(&self) -> Vec<String> {
        if let Some(s) = &self.station {
            return vec![s.clone()];
        }
        let mut out: Vec<String> = self
            .detail
            .get("reports")
            .and_then(|r| r.as_array())
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("station").and_then(|s| s.as_str()))
            .map(str::to_string)
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// Which flags to list: every field that is set must match. `area` takes in every area and
/// station below it.
#[derive(Debug, Clone, Default)]
pub struct FlagFilter<'a> {
    pub kind: Option<&'a str>,
    pub station: Option<&'a str>,
    pub area: Option<&'a str>,
}

/// Hands each flag that `filter` lets through to `each`, in log order (by the entry flagged,
/// then kind), without holding them all.
pub fn each_flag<E: From<Error>>(
    conn: &Connection,
    filter: &FlagFilter,
    each: &mut dyn FnMut(Flag) -> Result<(), E>,
) -> Result<(), E> {
    let mut stmt = q(conn.prepare(
        "WITH RECURSIVE under(code) AS (
            SELECT ?3 WHERE ?3 IS NOT NULL
            UNION ALL SELECT a.code FROM area a JOIN under u ON a.parent = u.code
         )
         SELECT idx, kind, raised_at, station, area, detail FROM flag
         WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR station = ?2)
           AND (?3 IS NULL OR area IN under)
         ORDER BY idx, kind",
    ))?;
    let mut rows = q(stmt.query(params![filter.kind, filter.station, filter.area]))?;
    while let Some(r) = q(rows.next())? {
        let detail: String = q(r.get(5))?;
        each(Flag {
            index: q(r.get::<_, i64>(0))? as u64,
            kind: q(r.get(1))?,
            raised_at: q(r.get::<_, i64>(2))? as u64,
            station: q(r.get(3))?,
            area: q(r.get(4))?,
            detail: serde_json::from_str(&detail).map_err(Error::from)?,
        })?;
    }
    Ok(())
}

/// The flags that `filter` lets through, in log order.
pub fn flags(conn: &Connection, filter: &FlagFilter) -> Result<Vec<Flag>, Error> {
    let mut out = Vec::new();
    each_flag::<Error>(conn, filter, &mut |f| {
        out.push(f);
        Ok(())
    })?;
    Ok(out)
}

/// How many entries from `first` to `last` (inclusive) carry a flag.
pub fn flagged_entries(conn: &Connection, first: u64, last: u64) -> Result<u64, Error> {
    q(conn.query_row(
        "SELECT count(DISTINCT idx) FROM flag WHERE idx BETWEEN ?1 AND ?2",
        params![first as i64, last as i64],
        |r| r.get::<_, i64>(0),
    ))
    .map(|n| n as u64)
}

/// One version of a result form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormVersion {
    /// 1 for the form as filed, then one more per amendment.
    pub version: u32,
    /// The entry that carries this version (the form, or the amendment's proposal).
    pub index: u64,
    /// For an amendment: the entry whose decision met the approval rule, the proposal and why.
    pub amended_at: Option<u64>,
    pub proposal: Option<String>,
    pub reason: Option<String>,
    pub form: ResultForm,
    /// The kinds of the flags raised on this version.
    pub flags: Vec<String>,
}

/// Every version of the form for (station, contest, source), oldest first, the last in
/// effect; empty if there is no such form. A form never amended has one version.
pub fn form_history(
    conn: &Connection,
    station: &str,
    contest: &str,
    source: &str,
) -> Result<Vec<FormVersion>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT version, idx, amended_at, proposal, reason, body FROM form_version
         WHERE station = ?1 AND contest = ?2 AND source = ?3 ORDER BY version",
    ))?;
    let mut versions: Vec<FormVersion> = Vec::new();
    let mut rows = q(stmt.query(params![station, contest, source]))?;
    while let Some(r) = q(rows.next())? {
        let body: String = q(r.get(5))?;
        versions.push(FormVersion {
            version: q(r.get::<_, i64>(0))? as u32,
            index: q(r.get::<_, i64>(1))? as u64,
            amended_at: q(r.get::<_, Option<i64>>(2))?.map(|v| v as u64),
            proposal: q(r.get(3))?,
            reason: q(r.get(4))?,
            form: serde_json::from_str(&body)?,
            flags: Vec::new(),
        });
    }
    if versions.is_empty() {
        let Some(current) = crate::fold::stored_form(conn, station, contest, source)
            .map_err(|(_, m)| Error::State(m))?
        else {
            return Ok(Vec::new());
        };
        versions.push(FormVersion {
            version: 1,
            index: current.0,
            amended_at: None,
            proposal: None,
            reason: None,
            form: current.1,
            flags: Vec::new(),
        });
    }
    let mut kinds = q(conn.prepare("SELECT kind FROM flag WHERE idx = ?1 ORDER BY kind"))?;
    for v in &mut versions {
        v.flags = q(q(kinds.query_map([v.index as i64], |r| r.get(0)))?.collect())?;
    }
    Ok(versions)
}

/// A form in effect that carries a flag: which form, and the kinds of its flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlaggedForm {
    pub station: String,
    pub contest: String,
    pub source: String,
    pub index: u64,
    pub kinds: Vec<String>,
}

/// The forms in effect whose version in effect is flagged, by station, contest and source.
/// A form flagged and then amended into one that adds up is not listed (its first version's
/// flags stay in [`flags`] and [`form_history`]).
pub fn flagged_forms(conn: &Connection) -> Result<Vec<FlaggedForm>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT f.station, f.contest, f.source, f.idx, group_concat(g.kind, ',')
         FROM result_form f JOIN flag g ON g.idx = f.idx
         WHERE f.proposal IS NULL
         GROUP BY f.station, f.contest, f.source ORDER BY f.station, f.contest, f.source",
    ))?;
    q(q(stmt.query_map([], |r| {
        let kinds: String = r.get(4)?;
        let mut kinds: Vec<String> = kinds.split(',').map(str::to_string).collect();
        kinds.sort();
        Ok(FlaggedForm {
            station: r.get(0)?,
            contest: r.get(1)?,
            source: r.get(2)?,
            index: r.get::<_, i64>(3)? as u64,
            kinds,
        })
    }))?
    .collect())
}

/// When the witnesses saw an entry: the earliest witness time among the recorded checkpoints
/// that cover it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WitnessedTime {
    /// Seconds since the Unix epoch: the entry existed no later than this.
    pub time: u64,
    /// The witnesses that cosigned that checkpoint (each at or before `time`).
    pub witnesses: Vec<String>,
    /// The entry that recorded the checkpoint, and the checkpoint's size.
    pub checkpoint: u64,
    pub size: u64,
}

/// The witness time of the entry at `index`, if a recorded checkpoint covers it: of the
/// checkpoints whose size is above `index`, the one with the earliest time (a checkpoint's
/// time is the latest of its cosignatures', so that every witness it names vouches for it).
pub fn witnessed_time(conn: &Connection, index: u64) -> Result<Option<WitnessedTime>, Error> {
    let mut stmt = q(conn.prepare_cached(
        "SELECT idx, size, max(time) AS t, group_concat(witness, ',') FROM witnessed
         WHERE size > ?1 GROUP BY idx ORDER BY t, idx LIMIT 1",
    ))?;
    let mut rows = q(stmt.query([index as i64]))?;
    let Some(r) = q(rows.next())? else {
        return Ok(None);
    };
    let witnesses: String = q(r.get(3))?;
    let mut witnesses: Vec<String> = witnesses.split(',').map(str::to_string).collect();
    witnesses.sort();
    Ok(Some(WitnessedTime {
        checkpoint: q(r.get::<_, i64>(0))? as u64,
        size: q(r.get::<_, i64>(1))? as u64,
        time: q(r.get::<_, i64>(2))? as u64,
        witnesses,
    }))
}

/// "2013-07-28T17:05:00Z": seconds since the Unix epoch as a UTC date and time.
pub fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rem = seconds % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Every form amended at least once: (station, contest, source), for `form_history`.
pub fn amended_forms(conn: &Connection) -> Result<Vec<(String, String, String)>, Error> {
    let mut stmt = q(conn.prepare(
        "SELECT DISTINCT station, contest, source FROM form_version WHERE version > 1
         ORDER BY station, contest, source",
    ))?;
    q(q(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))))?.collect())
}
