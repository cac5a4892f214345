//! The public roll of a recorded or replayed election, fed to the `roll` crate.
//!
//! Any observer group can build its own "find my name" index ([`build_index`]) from the roll as
//! the log records it: voters registered, approved and not removed, each with its station and
//! the station's area.

use crate::{Error, Result, Review, error::state};
use ledger::event::Sex;
use ledger::report::{self, RollEntry};
use roll::index::{Builder, Entry, Summary};
use std::collections::HashMap;
use std::io::BufWriter;
use std::path::Path;

/// The family and given names of a roll entry, in Khmer script and romanised: apart where the
/// roll has them apart; otherwise the printed name's first word is taken as the family name
/// (the Cambodian order), in whichever script it is written.
fn parts(v: &RollEntry) -> [String; 4] {
    if let Some(n) = &v.names {
        return [
            n.family.clone(),
            n.given.clone(),
            n.family_latin.clone().unwrap_or_default(),
            n.given_latin.clone().unwrap_or_default(),
        ];
    }
    let name = v.name.trim();
    let (family, given) = name.split_once(' ').unwrap_or((name, ""));
    let (family, given) = (family.to_owned(), given.trim().to_owned());
    if roll::name::khmer::has_khmer(name) {
        [family, given, String::new(), String::new()]
    } else {
        [String::new(), String::new(), family, given]
    }
}

/// Builds the name index of the election's public roll into `out` (written beside it first and
/// renamed into place, so a failed build leaves no index behind); `tick` is called with the
/// number of voters read so far, every 10,000.
pub fn build_index(review: &Review, out: &Path, tick: &mut dyn FnMut(u64)) -> Result<Summary> {
    let area: HashMap<String, String> = state(report::stations(review.conn()))?
        .into_iter()
        .map(|s| (s.code, s.area))
        .collect();
    let mut builder = Builder::new();
    let mut n = 0u64;
    report::each_voter(review.conn(), |v: RollEntry| -> Result<()> {
        let [family, given, family_latin, given_latin] = parts(&v);
        builder.add(&Entry {
            voter: &v.voter,
            station: &v.station,
            area: area.get(&v.station).map_or("", String::as_str),
            family: &family,
            given: &given,
            family_latin: &family_latin,
            given_latin: &given_latin,
            birth_year: v.birth_year,
            sex: match v.sex {
                Sex::F => 'F',
                Sex::M => 'M',
                Sex::X => 'X',
            },
        })?;
        n += 1;
        if n.is_multiple_of(10_000) {
            tick(n);
        }
        Ok(())
    })?;
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = Path::new(&partial);
    let io = |source| {
        Error::Index(roll::index::Error::Io {
            path: out.to_owned(),
            source,
        })
    };
    let file = std::fs::File::create(partial).map_err(io)?;
    let summary = builder.finish(out, BufWriter::new(&file)).and_then(|s| {
        file.sync_all().map_err(|source| roll::index::Error::Io {
            path: out.to_owned(),
            source,
        })?;
        Ok(s)
    });
    match summary {
        Ok(s) => {
            std::fs::rename(partial, out).map_err(io)?;
            Ok(s)
        }
        Err(e) => {
            let _ = std::fs::remove_file(partial);
            Err(e.into())
        }
    }
}
