//! `GET /api/flags`: the public flags and the poll book's alerts (`review::flags`), filtered
//! by kinds, station and area (the area and everything below it), a page at a time with the
//! total. They are read once per publication and indexed by kind, station and area, so that a
//! request only walks the findings that can match.

use std::collections::{BTreeMap, HashMap};

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::app::ApiError;
use review::flags::Finding;

/// The most findings on one page, and the page size when none is asked.
pub const MAX_LIMIT: usize = 500;
pub const DEFAULT_LIMIT: usize = 100;

/// The query string, as given (numbers are read by [`FlagIndex::page`], which names the
/// parameter when one does not read).
#[derive(Debug, Default, Deserialize)]
pub struct FlagsQuery {
    /// Kinds, separated by commas.
    pub kind: Option<String>,
    pub station: Option<String>,
    pub area: Option<String>,
    pub offset: Option<String>,
    pub limit: Option<String>,
}

/// One page of findings.
#[derive(Debug, Serialize)]
pub struct Page<'a> {
    /// Findings that match, on every page.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
    /// The matching findings counted by kind.
    pub by_kind: BTreeMap<&'a str, usize>,
    pub findings: Vec<&'a Finding>,
}

/// Every finding of one publication, with the positions of each kind's, each station's and
/// each area's (an area's include those of every area and station below it).
pub struct FlagIndex {
    findings: Vec<Finding>,
    by_kind: HashMap<String, Vec<usize>>,
    by_station: HashMap<String, Vec<usize>>,
    by_area: HashMap<String, Vec<usize>>,
    areas: HashMap<String, Option<String>>,
    stations: HashMap<String, String>,
}

impl FlagIndex {
    /// Reads the findings of the state in `conn`.
    pub fn read(review: &review::Review) -> Result<FlagIndex, ApiError> {
        let conn = review.conn();
        let internal = |e: ledger::report::Error| {
            ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("the state: {e}"))
        };
        let findings = review::flags::findings(review, None, None)?.findings;
        let areas: HashMap<String, Option<String>> = ledger::report::areas(conn)
            .map_err(internal)?
            .into_iter()
            .map(|a| (a.code, a.parent))
            .collect();
        let stations: HashMap<String, String> = ledger::report::stations(conn)
            .map_err(internal)?
            .into_iter()
            .map(|s| (s.code, s.area))
            .collect();
        let mut index = FlagIndex {
            findings: Vec::new(),
            by_kind: HashMap::new(),
            by_station: HashMap::new(),
            by_area: HashMap::new(),
            areas,
            stations,
        };
        for (i, f) in findings.iter().enumerate() {
            index.by_kind.entry(f.kind.clone()).or_default().push(i);
            if let Some(s) = &f.station {
                index.by_station.entry(s.clone()).or_default().push(i);
            }
            // Up the tree, each area once (a cycle cannot be recorded, but is not followed).
            let mut at = f.area.clone();
            let mut depth = 0;
            while let Some(a) = at
                && depth < 64
            {
                at = index.areas.get(&a).cloned().flatten();
                index.by_area.entry(a).or_default().push(i);
                depth += 1;
            }
        }
        index.findings = findings;
        Ok(index)
    }

    /// The page that `q` asks for; 400 for a parameter that does not read or an unknown kind,
    /// 404 for an unknown station or area.
    pub fn page(&self, q: &FlagsQuery) -> Result<Page<'_>, ApiError> {
        let bad = |m: String| ApiError(StatusCode::BAD_REQUEST, m);
        let number = |name: &str, v: &Option<String>, default: usize| match v {
            None => Ok(default),
            Some(v) => v.parse::<usize>().map_err(|_| {
                bad(format!(
                    "the query parameter {name}: {v:?} is not a whole number"
                ))
            }),
        };
        let offset = number("offset", &q.offset, 0)?;
        let limit = number("limit", &q.limit, DEFAULT_LIMIT)?;
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(bad(format!(
                "the query parameter limit: {limit} is not from 1 to {MAX_LIMIT}"
            )));
        }
        let kinds: Option<Vec<&str>> = q.kind.as_deref().map(|k| {
            k.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .collect()
        });
        if let Some(kinds) = &kinds {
            let known: Vec<&str> = ledger::fold::flags::KINDS
                .iter()
                .map(|(k, _)| *k)
                .chain(review::flags::ALERT_KINDS)
                .collect();
            if let Some(k) = kinds.iter().find(|k| !known.contains(k)) {
                return Err(bad(format!(
                    "the query parameter kind: no flag or alert is of kind {k:?}; the kinds are {}",
                    known.join(", ")
                )));
            }
        }
        if let Some(s) = &q.station
            && !self.stations.contains_key(s)
        {
            return Err(ApiError(
                StatusCode::NOT_FOUND,
                format!("the station {s:?} does not exist"),
            ));
        }
        if let Some(a) = &q.area
            && !self.areas.contains_key(a)
        {
            return Err(ApiError(
                StatusCode::NOT_FOUND,
                format!("the area {a:?} does not exist"),
            ));
        }
        // The narrowest of the lists that a match must be on; the others are checked on it.
        let none = Vec::new();
        let mut lists: Vec<Vec<usize>> = Vec::new();
        if let Some(s) = &q.station {
            lists.push(self.by_station.get(s).unwrap_or(&none).clone());
        }
        if let Some(a) = &q.area {
            lists.push(self.by_area.get(a).unwrap_or(&none).clone());
        }
        if let Some(kinds) = &kinds {
            let mut of_kinds: Vec<usize> = kinds
                .iter()
                .flat_map(|k| self.by_kind.get(*k).unwrap_or(&none))
                .copied()
                .collect();
            of_kinds.sort_unstable();
            of_kinds.dedup();
            lists.push(of_kinds);
        }
        let in_area = |i: usize| {
            q.area.as_ref().is_none_or(|a| {
                self.by_area
                    .get(a)
                    .is_some_and(|l| l.binary_search(&i).is_ok())
            })
        };
        let matches = |i: usize| {
            let f = &self.findings[i];
            kinds
                .as_ref()
                .is_none_or(|ks| ks.contains(&f.kind.as_str()))
                && q.station
                    .as_ref()
                    .is_none_or(|s| f.station.as_ref() == Some(s))
                && in_area(i)
        };
        let candidates: Box<dyn Iterator<Item = usize>> =
            match lists.into_iter().min_by_key(Vec::len) {
                Some(l) => Box::new(l.into_iter()),
                None => Box::new(0..self.findings.len()),
            };
        let mut total = 0;
        let mut by_kind = BTreeMap::new();
        let mut findings = Vec::new();
        for i in candidates.filter(|&i| matches(i)) {
            let f = &self.findings[i];
            if total >= offset && findings.len() < limit {
                findings.push(f);
            }
            total += 1;
            *by_kind.entry(f.kind.as_str()).or_insert(0) += 1;
        }
        Ok(Page {
            total,
            offset,
            limit,
            by_kind,
            findings,
        })
    }
}
