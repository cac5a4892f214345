//! Fixtures and checks for the `interchange` CSV targets: mapping files of every record kind
//! (the repository's real ones and hand-written ones for the other options), a few rows that
//! fit each, and [`check_csv`], which reads CSV bytes through a mapping in both reading modes
//! and checks every row and error.

use interchange::{
    Error, Mapping, RecordKind, StationListReader, StationResultsReader, VoterRollReader,
};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

/// A mapping and rows that fit it.
pub struct Case {
    pub name: &'static str,
    pub mapping: &'static str,
    pub csv: &'static [u8],
}

pub const CASES: &[Case] = &[
    Case {
        name: "russia",
        mapping: include_str!("../../mappings/russia-duma-2011.toml"),
        csv: b"region,tik,uik,reg,recv,early,in,out,cancelled,portable,fixed,invalid,valid,a,b,c,d,e,f,g,h,p1,p2,p3,p4,p5,p6,p7,url\n\
              R,1 T,1,2609,2356,0,1614,182,560,182,1614,4,1792,10,10,2,0,11,0,0,0,36,13,7,472,16,1242,6,http://x\n\
              R,1 T,2,2594,2344,0,1520,54,770,54,1520,59,1515,20,20,2,0,4,0,0,0,141,65,11,433,35,822,8,\n",
    },
    Case {
        name: "russia-stations",
        mapping: include_str!("../../mappings/russia-duma-2011-stations.toml"),
        csv: b"region,tik,uik,reg\nR,1 T,1,2609\nR,1 T,2,\n",
    },
    Case {
        name: "indonesia",
        mapping: include_str!("../../mappings/indonesia-kawalpemilu-2019.toml"),
        csv: b"province,regency,district,village,village_id,tps,dpt_a,dpt_b,kpu_pas1,kpu_pas2,kpu_sah,kpu_tSah,kpu_jum,crowd_pas1,crowd_pas2,crowd_sah,crowd_tSah,crowd_jum,crowd_photos,crowd_flagged\n\
              ACEH,ACEH SELATAN,KLUET UTARA,FAJAR HARAPAN,10,1,113,131,18,188,206,7,213,18,188,206,7,213,5,0\n\
              ACEH,ACEH SELATAN,KLUET UTARA,FAJAR HARAPAN,10,2,-1,113,17,183,200,2,202,,,,,,0,0\n",
    },
    Case {
        name: "indonesia-stations",
        mapping: include_str!("../../mappings/indonesia-kawalpemilu-2019-stations.toml"),
        csv: b"province,regency,district,village,village_id,tps,dpt_a,dpt_b\n\
              ACEH,ACEH SELATAN,KLUET UTARA,FAJAR HARAPAN,10,1,113,131\n\
              BALI,BADUNG,KUTA,\"Kuta, Pantai\",11,1,-1,7\n",
    },
    Case {
        name: "roll-date",
        mapping: "record = \"voter-roll\"\n\
                  [csv]\ndelimiter = \";\"\nmissing = [\"\", \"-\"]\n\
                  [station]\nid = [\"village_id\", \"tps\"]\nid_separator = \"/\"\n\
                  [voter]\nid = \"nik\"\nname = [\"given\", \"family\"]\nsex = \"sex\"\n\
                  sex_values = { F = [\"P\"], M = [\"L\"] }\n\
                  birth_date = \"dob\"\nbirth_date_format = \"DD/MM/YYYY\"\n\
                  [private]\ndate_of_birth = \"dob\"\naddress = [\"street\", \"village\"]\n",
        csv: b"nik;given;family;sex;dob;street;village;village_id;tps\n\
              3201;Siti;Aminah;P;7/3/1961;Jl. Merdeka 1;Kuta;11;1\n\
              3202;Budi;-;L;29/02/2000;-;Kuta;11;2\n",
    },
    Case {
        name: "roll-year",
        mapping: "record = \"voter-roll\"\n\
                  [csv]\nheader = false\nencoding = \"latin-1\"\n\
                  [station]\nid = 4\n\
                  [voter]\nid = [0, 1]\nid_separator = \"-\"\nname = 2\nsex = 3\nbirth_year = 5\n",
        csv: b"KH,0001,Sok Chan,f,S-1,1961\nKH,0002,Dara \xe9,M,S-1,1990\n",
    },
    Case {
        name: "stations-codes",
        mapping: "record = \"stations\"\n\
                  [csv]\ndelimiter = \"\\t\"\nquote = \"'\"\n\
                  [station]\nid = \"code\"\n\
                  areas = [{ level = \"province\", column = \"prov\", code = \"prov_code\" },\
                           { level = \"district\", column = \"dist\" }]\n\
                  name = [\"name\", \"annex\"]\nregistered = [\"men\", \"women\"]\n",
        csv: b"code\tprov\tprov_code\tdist\tname\tannex\tmen\twomen\n\
              S-1\tNorth\t01\tRiver\t'School, main'\t\t300\t310\n\
              S-2\tNorth\t01\tHill\tTemple\tB\t\t5\n",
    },
    Case {
        name: "results-shared",
        mapping: "record = \"station-results\"\n\
                  [csv]\nheader = false\nmissing = [\"\", \"n/a\"]\n\
                  [station]\nid = [0, 1]\nareas = [{ level = \"area\", column = 0 }]\n\
                  [contest]\nchoices = [\"A\", \"B\"]\n\
                  [counts]\nregistered = 2\nballots_received = 3\n\
                  [[source]]\nname = \"official\"\nballots_issued = [4, 5]\nballots_spoiled = 6\n\
                  ballots_unused = 7\nballots_cast = 8\nvalid = 9\ninvalid = 10\ntotal = 11\nvotes = [12, 13]\n\
                  [[source]]\nname = \"party:A\"\nvalid = 14\nvotes = [[15], [16, 17]]\n",
        csv: b"North,1,100,120,5,50,1,14,55,50,5,55,30,20,50,30,10,10\n\
              South,2,n/a,,,,,,,,,,,,,,,\n",
    },
];

/// The parsed mappings of [`CASES`], in order.
pub fn mappings() -> &'static [Mapping] {
    static M: OnceLock<Vec<Mapping>> = OnceLock::new();
    M.get_or_init(|| {
        CASES
            .iter()
            .map(|c| {
                let m = Mapping::parse(c.mapping, format!("{}.toml", c.name))
                    .unwrap_or_else(|e| panic!("mapping {}: {e}", c.name));
                // Every case's rows must read cleanly, or the seeds start from the wrong place.
                let items = read(&m, c.csv, "data.csv", false);
                for item in &items {
                    if let Err(e) = item {
                        panic!("case {}: {e:?}", c.name);
                    }
                }
                assert_eq!(items.len(), 2, "case {}", c.name);
                m
            })
            .collect()
    })
}

/// A row, of whichever kind, as text (rows of every kind are `Debug` and `PartialEq`, but
/// not one type).
/// An error is its line (if it has one) and its text.
pub type Item = Result<(u64, String), (Option<u64>, String)>;

fn input(bytes: &[u8]) -> Box<dyn Read + Send> {
    Box::new(std::io::Cursor::new(bytes.to_vec()))
}

/// More items than this means the reader does not stop.
fn bound(csv: &[u8]) -> usize {
    csv.iter().filter(|&&b| b == b'\n' || b == b'\r').count() + 2
}

/// Reads `csv` through `mapping` from memory, naming it `name`; every row or error.
pub fn read(mapping: &Mapping, csv: &[u8], name: &str, keep_going: bool) -> Vec<Item> {
    collect(mapping, name, keep_going, Limit::Fail(bound(csv)), || {
        Ok(input(csv))
    })
}

/// Reads the file at `path` (decompressing by its name) through `mapping`, stopping after
/// `stop_after` items if it is given.
pub fn read_file(mapping: &Mapping, path: &Path, stop_after: Option<usize>) -> Vec<Item> {
    let name = path.to_str().unwrap().to_string();
    let limit = stop_after.map_or(Limit::Fail(usize::MAX), Limit::Stop);
    collect(mapping, &name, false, limit, || {
        interchange::open_data(path).map_err(|e| e.to_string())
    })
}

/// What to do after so many items.
#[derive(Clone, Copy)]
enum Limit {
    /// Fail: the reader loops.
    Fail(usize),
    /// Stop reading (a small archive may hold a great deal of data).
    Stop(usize),
}

fn collect(
    mapping: &Mapping,
    name: &str,
    keep_going: bool,
    limit: Limit,
    open: impl FnOnce() -> Result<Box<dyn Read + Send>, String>,
) -> Vec<Item> {
    let data = match open() {
        Ok(d) => d,
        Err(e) => return vec![Err((None, e))],
    };
    fn drain<T: std::fmt::Debug>(
        it: Result<impl Iterator<Item = Result<T, Error>>, Error>,
        line: impl Fn(&T) -> u64,
        limit: Limit,
    ) -> Vec<Item> {
        let mut it = match it {
            Ok(it) => it,
            Err(e) => return vec![Err(checked_error(&e))],
        };
        let mut out = Vec::new();
        for item in it.by_ref() {
            out.push(match item {
                Ok(row) => Ok((line(&row), format!("{row:?}"))),
                Err(e) => Err(checked_error(&e)),
            });
            match limit {
                Limit::Fail(n) => assert!(out.len() <= n, "more rows than lines: the reader loops"),
                Limit::Stop(n) if out.len() >= n => return out,
                Limit::Stop(_) => {}
            }
        }
        assert!(it.next().is_none(), "the reader goes on after its end");
        out
    }
    match mapping.record {
        RecordKind::StationResults => drain(
            StationResultsReader::from_reader(data, name, mapping)
                .map(|r| if keep_going { r.keep_going() } else { r }),
            |r| {
                check_result(mapping, r);
                r.line
            },
            limit,
        ),
        RecordKind::Stations => drain(
            StationListReader::from_reader(data, name, mapping)
                .map(|r| if keep_going { r.keep_going() } else { r }),
            |r| {
                assert_eq!(r.areas.len(), mapping.station.areas.len());
                assert!(!r.station.is_empty());
                for a in &r.areas {
                    assert!(!a.name.is_empty() && !a.code.is_empty(), "{r:?}");
                }
                assert!(r.name.as_ref().is_none_or(|n| !n.is_empty()));
                r.line
            },
            limit,
        ),
        RecordKind::VoterRoll => drain(
            VoterRollReader::from_reader(data, name, mapping)
                .map(|r| if keep_going { r.keep_going() } else { r }),
            |r| {
                assert!(!r.voter.is_empty() && !r.name.is_empty());
                assert!(r.station.as_ref().is_none_or(|s| !s.is_empty()));
                let v = mapping.voter.as_ref().unwrap();
                for (k, value) in &r.private {
                    assert!(v.private.iter().any(|(name, _)| name == k), "{k}");
                    assert!(!value.is_empty());
                }
                r.line
            },
            limit,
        ),
    }
}

fn check_result(mapping: &Mapping, r: &interchange::StationResult) {
    assert!(!r.station.is_empty());
    assert_eq!(r.areas.len(), mapping.station.areas.len());
    assert!(r.areas.iter().all(|a| !a.is_empty()));
    assert_eq!(r.forms.len(), mapping.sources.len());
    for (form, source) in r.forms.iter().zip(&mapping.sources) {
        assert_eq!(form.votes.len(), mapping.choices.len());
        for field in interchange::CountField::ALL {
            let mapped = mapping.shared_counts.iter().any(|(f, _)| *f == field)
                || source.counts.iter().any(|(f, _)| *f == field);
            if !mapped {
                assert_eq!(form.counts.get(field), None, "{field:?} without a column");
            }
        }
    }
}

/// An error's line and text, after checking that it says what went wrong and where.
fn checked_error(e: &Error) -> (Option<u64>, String) {
    let text = e.to_string();
    assert!(!text.trim().is_empty());
    if let Error::Mapping { key, message, .. } = e {
        assert!(!key.is_empty() && !message.is_empty(), "{text}");
    }
    if let Some(line) = e.line() {
        assert!(line >= 1, "an error on line 0: {text}");
    }
    (e.line(), text)
}

/// Reads `csv` through `mapping` in both modes and checks them against each other: the
/// rows before the first error are the same, and so is that error; reading stops at it unless
/// told to keep going. Every row fits the mapping, rows come in order of their lines, and no
/// error is on a line past the end of the input. Returns what the first mode read.
pub fn check_csv(mapping: &Mapping, csv: &[u8], name: &str) -> Vec<Item> {
    let stop = read(mapping, csv, name, false);
    let keep = read(mapping, csv, name, true);
    let first_err = stop.iter().position(Result::is_err);
    match first_err {
        Some(i) => {
            assert_eq!(stop.len(), i + 1, "reading went on after an error");
            assert_eq!(&keep[..=i], &stop[..], "the two modes disagree");
        }
        None => assert_eq!(keep, stop, "keep_going changed a clean read"),
    }
    let lines = csv.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    let mut last = 0;
    for item in &keep {
        if let Err((Some(line), text)) = item {
            assert!(*line <= lines, "an error on line {line} of {lines}: {text}");
        }
        if let Ok((line, row)) = item {
            assert!(*line > last, "rows out of order: {row}");
            assert!(*line <= lines, "a row on line {line} of {lines}: {row}");
            if mapping.csv.header {
                assert!(*line >= 2, "a row on the header line: {row}");
            }
            last = *line;
        }
    }
    stop
}
