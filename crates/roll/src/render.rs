//! The text of the roll's answers, for the command line (the server renders its own).

use crate::index::Found;
use std::fmt::Write;

/// The voters a "find my name" query found, best first, one a line: voter id, the name in both
/// scripts as the roll has it, sex and birth year, station and area, and how it matched.
pub fn found(query: &str, found: &[Found]) -> String {
    let mut out = String::new();
    if found.is_empty() {
        let _ = writeln!(out, "No voter found for \"{query}\".");
        return out;
    }
    let _ = writeln!(
        out,
        "{} voter{} found for \"{query}\", best first:",
        found.len(),
        if found.len() == 1 { "" } else { "s" }
    );
    for f in found {
        let how = match f.edits {
            0 => "exact".to_owned(),
            1 => "1 edit".to_owned(),
            n => format!("{n} edits"),
        };
        let order = if f.swapped { ", names swapped" } else { "" };
        let latin = format!("{} {}", f.family_latin, f.given_latin);
        let _ = writeln!(
            out,
            "  {}  {} {} ({})  {} {}  station {}  area {}  [{how}{order}]",
            f.voter,
            f.family,
            f.given,
            latin.trim(),
            f.sex,
            f.birth_year,
            f.station,
            f.area,
        );
    }
    out
}
