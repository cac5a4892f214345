//! Election day and forensics on the public site: a small Cambodia-shaped election with its poll
//! book (planted double check-ins and card misuse, `synthetic::pollbook`), observers
//! (conflicting checklists, incidents, SMS: `synthetic::observers`), official forms with
//! reconciliation gaps (`synthetic::reconcile`) and complaints (one overdue by witness time,
//! one decided, one about an area) is written as a site, and its data files must carry exactly
//! what was planted: at each station, summed in each area, and listed on the election-day page;
//! the forensics page and its plots are written; no file names a voter.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ledger::Election;
use ledger::event::*;
use ledger::witnessing::record_checkpoint;
use serde_json::Value;
use synthetic::pollbook::PollBook;
use synthetic::{Cambodia2013, Scale};
use tlog::note::{add_signatures, open_checkpoint};

const DAY: u64 = 86_400;
/// Stations with two observers: enough that one gateway entry carries conflicts at two.
const OBSERVED: usize = 10;

struct Planted {
    book: PollBook,
    observers: synthetic::observers::Observers,
    accounts: synthetic::reconcile::Accounts,
    /// Complaint indexes: overdue (about a station), decided (about a station), about an area.
    overdue: u64,
    decided: u64,
    about_area: u64,
    /// The district the third complaint is about.
    district: String,
}

fn submit(e: &mut Election, entries: &[Vec<u8>]) -> ledger::election::Receipt {
    e.submit(entries)
        .unwrap_or_else(|err| panic!("submission refused: {err}"))
}

/// Records the log's checkpoint cosigned by both parties' witnesses at `time`.
fn witnessed_at(election: &mut Election, c: &Cambodia2013, time: u64) {
    let note = election.sign_checkpoint(&c.keys.log).unwrap();
    let (_, text, _) = open_checkpoint(&note).unwrap();
    let sigs: Vec<_> = [&c.keys.witness_cpp, &c.keys.witness_cnrp]
        .iter()
        .map(|w| w.sign_note(&text, time))
        .collect();
    record_checkpoint(election, &add_signatures(&note, &sigs).unwrap()).unwrap();
}

fn complaint(by: &tlog::PrivateKey, station: Option<&str>, area: Option<&str>) -> Vec<u8> {
    Entry::signed(
        Event::Complaint(Complaint {
            area: area.map(Into::into),
            category: "intimidation".into(),
            evidence: vec![],
            station: station.map(Into::into),
            text: "Agents were turned away at 07:10".into(),
            time: None,
        }),
        by,
    )
    .to_bytes()
}

/// With `tie`, the official forms keep `synthetic::reconcile`'s even split of the votes,
/// which ties the two parties for a seat.
fn record(dir: &Path, tie: bool) -> (Election, Planted) {
    let book = PollBook::new(Cambodia2013::new(Scale { divisor: 1000 }, 5), 5, false);
    let log = tlog::Log::open(
        tlog::SqliteStorage::create(
            &dir.join("log.db"),
            &tlog::LogMeta {
                origin: synthetic::cambodia::ORIGIN.into(),
                vkey: book.election.keys.log.vkey().to_string(),
            },
        )
        .unwrap(),
    )
    .unwrap();
    let setup = book.setup();
    let mut election = Election::create(log, &setup[0][0]).unwrap();
    for s in &setup[1..] {
        submit(&mut election, s);
    }
    for s in book.checkin_submissions() {
        submit(&mut election, &s);
    }
    let e = &book.election;
    let observers = synthetic::observers::Observers::new(e, 5, OBSERVED);
    submit(&mut election, &observers.enrolments(e));
    for s in observers.submissions() {
        submit(&mut election, &s);
    }
    let accounts = synthetic::reconcile::accounts(&book);
    // Its forms split the votes evenly between two parties, which ties seats; another split
    // keeps every figure that reconciliation reads.
    let forms: Vec<Event> = accounts.forms[1..]
        .iter()
        .map(|bytes| {
            let mut event = Entry::parse(bytes).unwrap().event;
            if let (false, Event::ResultForm(f)) = (tie, &mut event) {
                let cpp = f.valid * 7 / 11;
                f.votes = [("CPP", cpp), ("CNRP", f.valid - cpp)]
                    .into_iter()
                    .map(|(p, v)| (p.to_string(), v))
                    .collect();
            }
            event
        })
        .collect();
    submit(
        &mut election,
        &build_batch(&e.keys.clerk, Content::ResultForms, forms, None),
    );
    submit(&mut election, &e.enrolments());

    // Complaints: one left waiting past its deadline, one dismissed in time, one about an
    // area filed after the last checkpoint (no deadline yet).
    let t0 = synthetic::pollbook::ELECTION_DAY + DAY;
    let (s0, s1) = (e.stations[0].code.clone(), e.stations[1].code.clone());
    let overdue = submit(
        &mut election,
        &[complaint(&e.keys.cpp_agent, Some(&s0), None)],
    )
    .first;
    let decided = submit(
        &mut election,
        &[complaint(&e.keys.cnrp_agent, Some(&s1), None)],
    )
    .first;
    witnessed_at(&mut election, e, t0);
    let m = &e.keys.members;
    let proposal = Entry::signed(
        Event::Proposal(Proposal {
            action: Action::ComplaintDecision(ComplaintDecision {
                complaint: decided,
                status: ComplaintStatus::Dismissed,
            }),
            asked: vec![m[0].name().into(), m[4].name().into()],
            reason: "the statement names no one".into(),
        }),
        &e.keys.clerk,
    );
    let applied = submit(&mut election, &[proposal.to_bytes()]);
    let id = applied.applied[0].proposal().unwrap().to_string();
    submit(&mut election, &e.approvals(&id));
    // Three days on: the first complaint's deadline to open an investigation (two days) passed.
    witnessed_at(&mut election, e, t0 + 3 * DAY);
    let district = e
        .areas
        .iter()
        .find(|a| a.level == "district")
        .unwrap()
        .code
        .clone();
    let about_area = submit(
        &mut election,
        &[complaint(&e.keys.cpp_agent, None, Some(&district))],
    )
    .first;
    (
        election,
        Planted {
            book,
            observers,
            accounts,
            overdue,
            decided,
            about_area,
            district,
        },
    )
}

fn read(site: &Path, name: &str) -> Value {
    let path = site.join("data").join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The page at `hash` as Chromium draws it from `file://` (its DOM once the data is shown);
/// bounded to a minute.
fn rendered(site: &Path, hash: &str) -> String {
    let url = format!("file://{}#{hash}", site.join("index.html").display());
    let mut child = Command::new("/usr/bin/chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(&url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("/usr/bin/chromium (apt-get install -y chromium fonts-khmeros, as .ci/run does)");
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium took over a minute on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let dom = reader.join().unwrap();
    assert!(
        dom.contains(&format!("data-drawn=\"#{hash}\"")),
        "{url} was not drawn:\n{dom}"
    );
    assert!(!dom.contains("data file is missing"), "{url}:\n{dom}");
    dom
}

/// A count; one of zero is left out of the data.
fn u(v: &Value) -> u64 {
    if v.is_null() {
        return 0;
    }
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// A list; an empty one is left out of the data.
fn list(v: &Value) -> Vec<Value> {
    if v.is_null() {
        return Vec::new();
    }
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .clone()
}

#[test]
fn the_site_shows_exactly_what_election_day_planted() {
    let tmp = tempfile::tempdir().unwrap();
    let (election, p) = record(tmp.path(), false);
    let review = review::Review::of_election(election, "test").unwrap();
    let public = tmp.path().join("public");
    let written = site::write(&review, None, &public).unwrap();
    let site = written.dir;
    let e = &p.book.election;
    let contest = synthetic::cambodia::CONTEST;
    let station_area: BTreeMap<&str, &str> = e
        .stations
        .iter()
        .map(|s| (s.code.as_str(), s.commune.as_str()))
        .collect();
    // Every station's page, by code.
    let mut pages: BTreeMap<String, Value> = BTreeMap::new();
    for commune in station_area.values().collect::<BTreeSet<_>>() {
        let file = read(
            &site,
            &format!("station/{contest}/{}", site::file_name(commune)),
        );
        for page in file.as_array().unwrap() {
            let code = page["forms"]["station"]["code"]
                .as_str()
                .unwrap()
                .to_string();
            pages.insert(code, page.clone());
        }
    }
    assert_eq!(pages.len(), e.stations.len());
    let day = read(&site, "day");

    // The poll book's alerts: each planted one at its station, and at the earlier check-in's
    // station too; counted once, by kind.
    let truth = &p.book.truth;
    assert!(
        truth
            .alerts
            .iter()
            .any(|a| a.earlier.as_ref().is_some_and(|(s, _)| *s != a.station)),
        "a second check-in at another station is planted"
    );
    assert!(!p.accounts.planted.is_empty() && !p.observers.truth.conflicts.is_empty());
    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    for a in &truth.alerts {
        *by_kind.entry(a.kind.to_string()).or_default() += 1;
    }
    let counts: BTreeMap<String, u64> = day["alert_counts"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), u(v)))
        .collect();
    assert_eq!(counts, by_kind);
    let mut shown: BTreeSet<(String, String, Option<String>)> = BTreeSet::new();
    for (code, page) in &pages {
        for a in list(&page["day"]["alerts"]) {
            let named = [&a["station"], &a["earlier"]["station"], &a["other_station"]];
            assert!(
                named.iter().any(|s| s.as_str() == Some(code)),
                "{code} shows an alert that does not name it: {a}"
            );
            if a["station"].as_str() == Some(code) {
                shown.insert((
                    a["kind"].as_str().unwrap().into(),
                    code.clone(),
                    a["checkin"].as_str().map(Into::into),
                ));
            }
        }
        let raised = list(&page["day"]["alerts"])
            .iter()
            .filter(|a| a["station"].as_str() == Some(code))
            .count() as u64;
        assert_eq!(u(&page["day"]["counts"]["alerts"]), raised, "{code}");
    }
    let planted: BTreeSet<(String, String, Option<String>)> = truth
        .alerts
        .iter()
        .map(|a| (a.kind.into(), a.station.clone(), a.checkin.clone()))
        .collect();
    assert_eq!(shown, planted);
    for a in truth.alerts.iter().filter(|a| a.earlier.is_some()) {
        let (earlier, _) = a.earlier.as_ref().unwrap();
        let there = list(&pages[earlier]["day"]["alerts"]);
        assert!(
            there
                .iter()
                .any(|x| x["checkin"].as_str() == a.checkin.as_deref()
                    && x["station"].as_str() == Some(&a.station)),
            "the alert at {} is not shown at {earlier}, its earlier check-in's station",
            a.station
        );
    }
    // Check-ins and cards without a document at each station, and their share of its turnout.
    for (code, page) in &pages {
        let d = &page["day"];
        let n = truth.checkins.get(code).copied().unwrap_or(0);
        assert_eq!(u(&d["counts"]["checkins"]), n, "{code}");
        if n > 0 {
            let without = u(&d["counts"]["cards_without_document"]);
            let share = d["cards_share"].as_f64().unwrap();
            assert!((share - without as f64 / n as f64).abs() < 1e-12, "{code}");
            let registered = u(&d["registered"]);
            assert!((d["turnout"].as_f64().unwrap() - n as f64 / registered as f64).abs() < 1e-12);
        }
    }
    let communes: BTreeMap<String, (u64, u64)> = day["cards_by_commune"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let k = c["key"].as_str().unwrap().to_string();
            (k, (u(&c["issued"]), u(&c["without_document"])))
        })
        .collect();
    assert_eq!(communes, truth.cards_by_commune);
    let officers: BTreeMap<String, (u64, u64)> = day["cards_by_officer"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let k = c["key"].as_str().unwrap().to_string();
            (k, (u(&c["issued"]), u(&c["without_document"])))
        })
        .collect();
    assert_eq!(officers, truth.cards_by_officer);

    // Reconciliation gaps: exactly the planted ones, each at its station.
    let gaps = |v: &Value| -> BTreeSet<(String, String, i64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|g| {
                let s = g["station"].as_str().unwrap().to_string();
                (
                    s,
                    g["kind"].as_str().unwrap().into(),
                    g["size"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let planted_gaps: BTreeSet<(String, String, i64)> = p
        .accounts
        .planted
        .iter()
        .map(|g| (g.station.clone(), g.kind.into(), g.size))
        .collect();
    assert_eq!(gaps(&day["gaps"]), planted_gaps);
    let mut at_stations = BTreeSet::new();
    for page in pages.values() {
        at_stations.extend(gaps(&Value::Array(list(&page["day"]["gaps"]))));
    }
    assert_eq!(at_stations, planted_gaps);
    assert_eq!(
        day["without_accounting"],
        serde_json::json!(p.accounts.without_accounting)
    );

    // Observers: the merged records' conflicting fields, exactly, at their stations; the
    // incidents at theirs.
    let mut conflicts: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut incidents = BTreeSet::new();
    let mut checklists = 0;
    for (code, page) in &pages {
        for m in list(&page["day"]["merged"]) {
            let c: Vec<String> = serde_json::from_value(m["master"]["conflicts"].clone()).unwrap();
            if !c.is_empty() {
                conflicts.insert(code.clone(), c);
            }
        }
        for i in list(&page["day"]["incidents"]) {
            assert_eq!(i["report"]["station"].as_str(), Some(code.as_str()));
            incidents.insert(code.clone());
        }
        checklists += list(&page["day"]["checklists"]).len();
    }
    assert_eq!(conflicts, p.observers.truth.conflicts);
    let listed: BTreeMap<String, Vec<String>> = day["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let station = m["master"]["station"].as_str().unwrap().to_string();
            (
                station,
                serde_json::from_value(m["master"]["conflicts"].clone()).unwrap(),
            )
        })
        .collect();
    assert_eq!(listed, p.observers.truth.conflicts);
    // Their flags at their stations, SMS ones included (a gateway's entry packs the messages
    // of many stations; each report names its sender's station), and in each commune's count.
    let flags = read(&site, "flags");
    let about = |f: &Value| -> BTreeSet<String> {
        match f["station"].as_str() {
            Some(s) => [s.to_string()].into(),
            None => list(&f["detail"]["reports"])
                .iter()
                .filter_map(|r| r["station"].as_str().map(str::to_string))
                .collect(),
        }
    };
    let all_flags = list(&flags["flags"]);
    assert!(
        all_flags
            .iter()
            .any(|f| f["kind"] == "observer_conflict" && about(f).len() > 1),
        "an SMS entry's conflicts span stations: {all_flags:?}"
    );
    for code in p.observers.truth.conflicts.keys() {
        let here = list(&pages[code]["flags"]);
        assert!(
            here.iter().any(|f| f["kind"] == "observer_conflict"),
            "{code} does not show its observer_conflict flag: {here:?}"
        );
        assert_eq!(u(&pages[code]["day"]["counts"]["flags"]), here.len() as u64);
    }
    for commune in station_area.values().collect::<BTreeSet<_>>() {
        let want = all_flags
            .iter()
            .filter(|f| {
                f["area"].as_str() == Some(*commune)
                    || about(f)
                        .iter()
                        .any(|s| station_area.get(s.as_str()) == Some(commune))
            })
            .count() as u64;
        let page = read(
            &site,
            &format!("area/{contest}/{}", site::file_name(commune)),
        );
        assert_eq!(u(&page["day"]["flags"]), want, "flags in commune {commune}");
    }
    let expected_incidents: BTreeSet<String> = (0..OBSERVED)
        .filter(|s| s % 4 == 2)
        .map(|s| e.stations[s].code.clone())
        .collect();
    assert_eq!(incidents, expected_incidents);
    // Two observers' opening checklists at each station (SMS ones included).
    assert_eq!(checklists, 2 * OBSERVED);
    // Their answers in the form's words, in both languages: a label and an option label,
    // never a raw tag.
    for page in pages.values() {
        for c in list(&page["day"]["checklists"]) {
            let answers = list(&c["answers"]);
            assert_eq!(
                answers.len(),
                c["report"]["answers"].as_object().unwrap().len(),
                "{c}"
            );
            for a in &answers {
                let (en, km) = (a["en"].as_str().unwrap(), a["km"].as_str().unwrap());
                assert!(!en.starts_with(a["tag"].as_str().unwrap()), "{a}");
                assert!(
                    km.chars().any(|c| ('\u{1780}'..='\u{17ff}').contains(&c)),
                    "{a}"
                );
                if a["tag"] == "AC" {
                    assert_eq!(
                        en,
                        "The ballot box was shown empty before it was sealed: Yes"
                    );
                    assert_eq!(km, "ហិបឆ្នោតត្រូវបានបង្ហាញថាទទេ មុនពេលបិទត្រា: បាទ/ចាស");
                }
                if a["tag"] == "AF" {
                    assert_eq!(
                        en,
                        "Parties whose agents were present: Cambodian People's Party, Cambodia National Rescue Party"
                    );
                }
            }
        }
    }
    // The gaps' figures have Khmer names (site.js's Khmer words), not English ones.
    let js = std::fs::read_to_string(site.join("site.js")).unwrap();
    let km = &js[js.find("    km: {").unwrap()..];
    for g in list(&day["gaps"]) {
        for figure in g["figures"].as_object().unwrap().keys() {
            let at = km
                .find(&format!("f_{figure}: \""))
                .unwrap_or_else(|| panic!("no Khmer name for the figure {figure}"));
            let word = km[at..].split('"').nth(1).unwrap();
            assert!(
                !word.chars().any(|c| c.is_ascii_alphabetic()),
                "{figure}: {word}"
            );
        }
    }

    // Complaints: the overdue one listed as overdue, the decided one with its reasons, the
    // area's one counted in the area and the areas above it.
    let complaints = day["complaints"].as_array().unwrap();
    let by_index = |i: u64| complaints.iter().find(|c| u(&c["index"]) == i).unwrap();
    assert_eq!(complaints.len(), 3);
    let overdue: Vec<u64> = complaints
        .iter()
        .filter(|c| c["overdue"] == true)
        .map(|c| u(&c["index"]))
        .collect();
    assert_eq!(overdue, [p.overdue]);
    assert!(by_index(p.overdue)["investigate_by"].as_u64().is_some());
    assert_eq!(by_index(p.decided)["status"], "dismissed");
    assert_eq!(
        by_index(p.decided)["decision"]["reason"],
        "the statement names no one"
    );
    assert_eq!(by_index(p.about_area)["status"], "received");
    let s0 = &pages[&e.stations[0].code]["day"];
    assert_eq!(u(&s0["counts"]["complaints_overdue"]), 1);
    assert_eq!(s0["complaints"][0]["overdue"], true);

    // Each area page sums what lies below it; the top page's total is the whole election's.
    let top = read(&site, &format!("area/{contest}/_"));
    let total = &top["day"];
    assert_eq!(u(&total["alerts"]), truth.alerts.len() as u64);
    assert_eq!(u(&total["gaps"]), planted_gaps.len() as u64);
    assert_eq!(u(&total["complaints"]), 3);
    assert_eq!(u(&total["complaints_open"]), 2);
    assert_eq!(u(&total["complaints_overdue"]), 1);
    assert_eq!(
        u(&total["conflicts"]),
        p.observers
            .truth
            .conflicts
            .values()
            .map(|c| c.len() as u64)
            .sum::<u64>()
    );
    assert_eq!(u(&total["incidents"]), expected_incidents.len() as u64);
    assert_eq!(u(&total["checkins"]), truth.checkins.values().sum::<u64>());
    let election = read(&site, "election");
    assert_eq!(election["day"], *total);
    assert_eq!(
        u(&total["flags"]),
        flags["flags"].as_array().unwrap().len() as u64,
        "every flag counts in the total, placed or not"
    );
    for key in ["alerts", "gaps", "incidents", "checkins", "complaints"] {
        let rows: u64 = top["rows_day"]
            .as_object()
            .unwrap()
            .values()
            .map(|c| u(&c[key]))
            .sum();
        assert_eq!(
            rows,
            u(&total[key]),
            "{key}: the provinces add up to the whole"
        );
    }
    let district = read(
        &site,
        &format!("area/{contest}/{}", site::file_name(&p.district)),
    );
    assert!(u(&district["day"]["complaints"]) >= 1);
    assert!(u(&district["day"]["complaints_open"]) >= 1);
    let province = district["path"][0][0].as_str().unwrap();
    assert!(u(&top["rows_day"][province]["complaints"]) >= 1);

    // Forensics: the page and its plots, in both languages.
    let forensics = read(&site, &format!("forensics/{contest}"));
    assert!(forensics["unavailable"].is_null(), "{forensics}");
    assert_eq!(u(&forensics["stations"]), e.stations.len() as u64);
    let digits: u64 = forensics["last_digits"]
        .as_array()
        .unwrap()
        .iter()
        .map(u)
        .sum();
    assert!(digits > 0);
    let plots: Vec<String> = forensics["plots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_str().unwrap().to_string())
        .collect();
    assert_eq!(plots.len(), 2);
    for plot in &plots {
        for lang in ["en", "km"] {
            let svg =
                std::fs::read_to_string(site.join(format!("data/{plot}.{lang}.svg"))).unwrap();
            assert!(svg.starts_with("<svg") && svg.contains("<title>"), "{plot}");
        }
    }

    // The pages draw it, in words: a station whose copies all agree (its data has no
    // differences) with its overdue complaint, alerts and disagreeing observers; the
    // election-day page with the overdue complaint listed plainly and every gap; the area
    // page's counts; the forensics page's plots.
    let s0 = &e.stations[0];
    let page = rendered(
        &site,
        &format!("/station/{contest}/{}/{}", s0.commune, s0.code),
    );
    assert!(page.contains("OVERDUE"), "{page}");
    for a in truth.alerts.iter().filter(|a| a.station == s0.code) {
        assert!(page.contains(a.checkin.as_deref().unwrap()), "{page}");
    }
    let fields = p.observers.truth.conflicts[&s0.code].join(", ");
    assert!(
        page.contains(&format!("they disagree on {fields}")),
        "{page}"
    );
    assert!(page.contains("Turnout (check-ins)"), "{page}");
    assert!(
        page.contains("The ballot box was shown empty before it was sealed: Yes"),
        "{page}"
    );
    assert!(!page.contains("AC=1"), "{page}");
    let page = rendered(&site, "/day");
    assert!(
        page.contains(&format!(
            "Complaint {} (intimidation) about Station {}",
            p.overdue, s0.code
        )),
        "{page}"
    );
    for g in &p.accounts.planted {
        assert!(page.contains(&g.station), "{page}");
    }
    let page = rendered(&site, &format!("/area/{contest}/_"));
    assert!(page.contains("3 complaint(s), 2 open, 1 overdue"), "{page}");
    let page = rendered(&site, "/forensics");
    for plot in &plots {
        assert!(
            page.contains(&format!("src=\"data/{plot}.en.svg\"")),
            "{page}"
        );
    }

    // Nothing written names a voter who checked in twice.
    let mut files = vec![site.clone()];
    let mut text = String::new();
    while let Some(d) = files.pop() {
        for f in std::fs::read_dir(&d).unwrap() {
            let path = f.unwrap().path();
            if path.is_dir() {
                files.push(path);
            } else {
                text.push_str(&std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    assert!(!truth.double_voters.is_empty());
    for v in &truth.double_voters {
        assert!(!text.contains(v.as_str()), "the site names voter {v}");
    }
}

#[test]
fn a_seat_tie_is_stated_and_the_site_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (election, _) = record(tmp.path(), true);
    let review = review::Review::of_election(election, "test").unwrap();
    let site = site::write(&review, None, &tmp.path().join("public"))
        .unwrap()
        .dir;
    let seats = &read(&site, "election")["headline"]["seats"][0];
    let ties = list(&seats["ties"]);
    assert!(!ties.is_empty(), "no tie stated: {seats}");
    for t in &ties {
        assert_eq!(t["parties"], serde_json::json!(["CNRP", "CPP"]), "{t}");
        let (seat, of) = (u(&t["seat"]), u(&t["of"]));
        assert!(seat >= 1 && seat <= of, "{t}");
        assert!(t["area"].as_str().is_some_and(|a| !a.is_empty()), "{t}");
    }
}
