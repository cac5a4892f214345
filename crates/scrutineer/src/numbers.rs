//! The headline numbers of an election (the roll by area, result totals by source, seats),
//! as `replay` and `demo` print them.

use ledger::event::{Contest, Method};
use std::collections::BTreeMap;

/// Seats per contest and party, allocated per constituency from the official totals.
#[derive(serde::Serialize)]
pub struct SeatTable {
    pub contest: String,
    pub method: String,
    pub seats: BTreeMap<String, u32>,
    pub constituencies: usize,
    /// Constituencies without official forms yet.
    pub missing: Vec<String>,
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

pub fn seats(
    contests: &[Contest],
    by_area: &[ledger::report::Totals],
) -> anyhow::Result<Vec<SeatTable>> {
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
            let alloc =
                stats::seats::allocate(method, &parties, *seats, &stats::seats::TieBreak::Refuse)
                    .map_err(|e| anyhow::anyhow!("seats in {area}: {e}"))?;
            for (party, n) in alloc.parties.iter().zip(alloc.seats) {
                *table.seats.entry(party.clone()).or_default() += n;
            }
        }
        out.push(table);
    }
    Ok(out)
}

fn truncate(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let cut: String = s.chars().take(width - 1).collect();
        format!("{cut}…")
    }
}

pub fn print(
    roll: &[ledger::report::AreaRoll],
    totals: &[ledger::report::Totals],
    seats: &[SeatTable],
) {
    if !roll.is_empty() {
        println!("\nregistered voters by area:");
        for r in roll {
            // Where an area's code is its name (as in files without codes), say it once.
            let label = if r.name == r.area {
                r.area.clone()
            } else {
                format!("{} {}", r.area, r.name)
            };
            println!(
                "  {:<35} {:>10} on the roll {:>10} published {:>6} stations",
                truncate(&label, 35),
                r.voters,
                r.registered,
                r.stations
            );
        }
        let voters: u64 = roll.iter().map(|r| r.voters).sum();
        let registered: u64 = roll.iter().map(|r| r.registered).sum();
        println!(
            "  {:<35} {voters:>10} on the roll {registered:>10} published",
            "total"
        );
    }
    if !totals.is_empty() {
        println!("\nresult totals by source:");
        for t in totals {
            let votes: Vec<String> = t.votes.iter().map(|(k, v)| format!("{k} {v}")).collect();
            println!(
                "  {} {:<24} {:>7} forms  valid {:>10}  invalid {:>8}  {}",
                t.contest,
                t.source,
                t.forms,
                t.valid,
                t.invalid,
                votes.join(", ")
            );
        }
    }
    for s in seats {
        if s.seats.is_empty() {
            continue;
        }
        println!(
            "\nseats in {} ({}, {} constituencies{}): {}",
            s.contest,
            s.method,
            s.constituencies,
            if s.missing.is_empty() {
                String::new()
            } else {
                format!(", {} without official forms", s.missing.len())
            },
            s.split()
        );
    }
}
