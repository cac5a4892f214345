//! Deduplication on FEBRL dataset2 and dataset3 (../shared/data/febrl), whose rec_id
//! (`rec-N-org`, `rec-N-dup-K`) names the person N: pairwise precision, recall and F1 at the
//! default threshold, with and without soc_sec_id, against Splink 5.0's measured F1 on the same
//! files (/work/shared/tools/splink/README.md).

use std::collections::HashMap;

use roll::dedup::{Birth, Dedup, Progress, Record, Settings};
use roll::name::{LatinKey, Name, PersonName};

const FEBRL: &str = "../../../shared/data/febrl";

/// Reads a FEBRL file (no quoting; cells padded with a space); returns the records, each
/// record's person, and the true pairs.
fn read(dataset: &str, ssn: bool) -> (Vec<Record>, Vec<String>, Vec<String>) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("{FEBRL}/{dataset}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut fields: Vec<String> = [
        "street_number",
        "address_1",
        "address_2",
        "suburb",
        "postcode",
        "state",
    ]
    .map(String::from)
    .to_vec();
    if ssn {
        fields.push("soc_sec_id".into());
    }
    let mut records = Vec::new();
    let mut person = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        let dob = f[9];
        let birth = (dob.len() == 8)
            .then(|| {
                let (y, m, d) = (
                    dob[..4].parse().ok()?,
                    dob[4..6].parse().ok()?,
                    dob[6..].parse().ok()?,
                );
                let valid = (1..=12).contains(&m) && (1..=31u8).contains(&d);
                valid.then_some(Birth {
                    year: y,
                    month: Some(m),
                    day: Some(d),
                })
            })
            .flatten();
        let mut other: Vec<Option<String>> = f[3..9].iter().map(|s| opt(s)).collect();
        if ssn {
            other.push(opt(f[10]));
        }
        records.push(Record {
            id: f[0].into(),
            name: PersonName {
                family: Name::new(None, Some(f[2])),
                given: Name::new(None, Some(f[1])),
            },
            birth,
            sex: None,
            station: None,
            area: None,
            fields: other,
        });
        person.push(f[0].split('-').nth(1).unwrap().to_string());
    }
    (records, person, fields)
}

/// Prints each stage's start, so a slow stage shows in `--nocapture`.
struct Stages(std::time::Instant);
impl Progress for Stages {
    fn stage(&self, name: &str, _total: u64) {
        eprintln!("{:>8.3}s {name}", self.0.elapsed().as_secs_f64());
    }
}

fn score(dataset: &str, ssn: bool) -> (f64, f64, f64) {
    let (records, person, fields) = read(dataset, ssn);
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    for p in &person {
        *sizes.entry(p).or_default() += 1;
    }
    let truth: u64 = sizes.values().map(|n| n * (n - 1) / 2).sum();
    let d = Dedup::run(
        records,
        Settings::new(fields, LatinKey::General),
        &Stages(std::time::Instant::now()),
    )
    .unwrap();
    let tp = d
        .pairs
        .iter()
        .filter(|p| person[p.a as usize] == person[p.b as usize])
        .count() as f64;
    // FEBRL_MISSED=1 lists the true pairs not found.
    if std::env::var_os("FEBRL_MISSED").is_some() {
        let found: std::collections::HashSet<(String, String)> = d
            .pairs
            .iter()
            .map(|p| (d.id(p.a).to_string(), d.id(p.b).to_string()))
            .collect();
        let (records, _, _) = read(dataset, ssn);
        for i in 0..records.len() {
            for j in i + 1..records.len() {
                if person[i] == person[j]
                    && !found.contains(&(records[i].id.clone(), records[j].id.clone()))
                {
                    eprintln!("missed {:?}\n       {:?}", records[i], records[j]);
                }
            }
        }
    }
    let (p, r) = (tp / d.pairs.len() as f64, tp / truth as f64);
    let f1 = 2.0 * p * r / (p + r);
    eprintln!(
        "{dataset} ssn={ssn}: precision {p:.4} recall {r:.4} F1 {f1:.4} ({} candidates, {} skipped blocks)",
        d.summary.candidate_pairs, d.summary.skipped_blocks
    );
    (p, r, f1)
}

// Splink 5.0 on the same files (pairwise F1 at p >= 0.5): 1.0, 0.999, 0.9995, 0.998.
#[test]
fn dataset2_with_ssn() {
    assert!(score("dataset2", true).2 >= 1.0 - 1e-9);
}
#[test]
fn dataset2_without_ssn() {
    assert!(score("dataset2", false).2 >= 0.999);
}
#[test]
fn dataset3_with_ssn() {
    assert!(score("dataset3", true).2 >= 0.9995);
}
#[test]
fn dataset3_without_ssn() {
    assert!(score("dataset3", false).2 >= 0.998);
}
