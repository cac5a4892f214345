//! The public site in a real browser (issue 11's browser tests): a small synthetic election with
//! one planted discrepancy (an official form that differs from the observers' copy), published
//! with its site by `scrutineer publish` and served by `scrutineer serve` on 127.0.0.1, then
//! driven by `tests/browser/check.js` in Debian's Chromium (playwright-core) and checked with
//! axe-core: the drill-down reaches the planted station and shows it highlighted and in words,
//! a misspelled name finds the voter, no page has a moderate or worse accessibility
//! violation, the Khmer switch works, and the site opens from file:// too. On the same served
//! election, `tests/browser/form.js` drives the observer web form (key, signing as the ledger
//! does, errors, sending, the offline queue, a re-send counted once, a photo uploaded by its
//! hash online and after the network returns, the hash found in the recorded entry). A second
//! test runs `scrutineer demo` and `tests/browser/demo.js` opens its site (drilled down to a
//! planted station; the PVT's interval plot, the official shares marked inside or outside as
//! the data says) and its report (every planted finding). Screenshots of the main pages go to
//! target/browser-artifacts/{site,form,demo}/.
//!
//! Needs /usr/bin/chromium (`apt-get install -y chromium fonts-khmeros`, which `.ci/run`
//! does) and Node.js; the Node packages are installed with `npm ci` when missing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ledger::Election;
use ledger::dir::LogDir;
use ledger::event::{Entry, Event, ObserverForms, ObserverIncident, ResultForm};
use synthetic::{Cambodia2013, Scale};

// The server child, shared with the command-line tests.
#[path = "../../scrutineer/tests/common/served.rs"]
#[allow(dead_code)]
mod served;
use served::Served;

/// Whether the binary at `bin` embeds the site's files as they are now.
fn embeds_this_site(bin: &Path) -> bool {
    let Ok(bytes) = std::fs::read(bin) else {
        return false;
    };
    [
        site::INDEX_HTML,
        site::SITE_CSS,
        site::SITE_JS,
        site::OBSERVER_HTML,
        site::OBSERVER_JS,
        site::OBSERVER_CSS,
    ]
    .iter()
    .all(|asset| bytes.windows(asset.len()).any(|w| w == asset.as_bytes()))
}

/// The binary beside this test (the same profile), built again when it is missing or embeds
/// other site files than these (`cargo test -p site` alone does not build it).
fn scrutineer() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let bin = profile_dir.join("scrutineer");
    if !embeds_this_site(&bin) {
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut cargo = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cargo.args(["build", "-p", "scrutineer"]);
        if release {
            cargo.arg("--release");
        }
        run(&mut cargo, Duration::from_secs(1800));
        assert!(
            embeds_this_site(&bin),
            "{} embeds other site files",
            bin.display()
        );
    }
    bin
}

/// Runs `cmd` to the end, at most `limit`; its stdout, or a panic with its stderr.
fn run(cmd: &mut Command, limit: Duration) -> String {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout).to_string();
            let stderr = String::from_utf8_lossy(&out.stderr).to_string();
            assert!(status.success(), "{cmd:?}: {status}\n{stdout}\n{stderr}");
            return stdout;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{cmd:?} took over {limit:?}\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An official form at `station` whose first party's count is `shift` above the true count.
fn official_form(e: &Cambodia2013, station: usize, shift: u64) -> Vec<u8> {
    let s = &e.stations[station];
    let votes: BTreeMap<String, u64> = synthetic::cambodia::PARTIES
        .iter()
        .zip(s.official)
        .enumerate()
        .map(|(i, (p, v))| (p.0.to_string(), if i == 0 { v + shift } else { v }))
        .collect();
    Entry::signed(
        Event::ResultForm(ResultForm {
            ballots_issued: None,
            ballots_received: None,
            contest: synthetic::cambodia::CONTEST.into(),
            invalid: s.invalid,
            photos: vec![],
            registered: None,
            source: "official".into(),
            spoiled: None,
            station: s.code.clone(),
            time: None,
            unused: None,
            valid: votes.values().sum(),
            votes,
        }),
        &e.keys.clerk,
    )
    .to_bytes()
}

/// The election: stations, the roll, every official form (one of them altered) and the
/// observers' copies. Returns the planted station's code and a voter to look for, with a
/// misspelling of their name.
fn record(e: &Cambodia2013, dir: &Path) -> (String, String, String) {
    let key = dir.join("log.key");
    std::fs::write(&key, format!("{}\n", e.keys.log.to_skey())).unwrap();
    let log_dir = LogDir::init(&dir.join("election"), None, &key).unwrap();
    let mut election = Election::create(log_dir.log().unwrap(), &e.genesis_entry()).unwrap();
    let approve = |election: &mut Election, batch: &[Vec<u8>]| {
        let r = election.submit(batch).unwrap();
        let id = r.applied[0].proposal().unwrap().to_string();
        election.submit(&e.approvals(&id)).unwrap();
    };
    approve(&mut election, &e.stations_submission());
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut voters = Vec::new();
    for p in 0..synthetic::cambodia::CONSTITUENCIES.len() {
        let batch = e.roll_submission(p);
        if !batch.is_empty() {
            approve(&mut election, &batch);
        }
        for (r, _) in e.roll_voters(p) {
            if let Some(n) = &r.names
                && let (Some(f), Some(g)) = (&n.family_latin, &n.given_latin)
            {
                let name = format!("{f} {g}").to_lowercase();
                *names.entry(name.clone()).or_default() += 1;
                voters.push((r.voter.clone(), f.clone(), g.clone(), name));
            }
        }
    }
    election.submit(&e.enrolments()).unwrap();
    let planted = e.stations.len() / 2;
    let forms: Vec<Vec<u8>> = (0..e.stations.len())
        .map(|i| official_form(e, i, if i == planted { 37 } else { 0 }))
        .collect();
    for f in &forms {
        election.submit(std::slice::from_ref(f)).unwrap();
    }
    election.submit(&e.observer_forms()).unwrap();
    // The observers' organisation records its forms, which the web form draws.
    election
        .submit(&[Entry::signed(
            Event::ObserverForms(ObserverForms {
                file: "cambodia-observer.toml".into(),
                text: include_str!("../../../forms/cambodia-observer.toml").into(),
            }),
            &e.keys.observer,
        )
        .to_bytes()])
        .unwrap();
    // A voter whose name is rare, misspelled into a name nobody has: one letter of the given
    // name changed.
    let (voter, family, given) = voters
        .iter()
        .find_map(|(v, f, g, name)| {
            if names[name] > 2 || g.chars().count() < 4 {
                return None;
            }
            let mut chars: Vec<char> = g.chars().collect();
            chars[2] = if chars[2] == 'x' { 'q' } else { 'x' };
            let typo: String = chars.into_iter().collect();
            let misspelled = format!("{f} {typo}");
            (!names.contains_key(&misspelled.to_lowercase())).then(|| (v.clone(), f.clone(), typo))
        })
        .expect("a voter with a rare name");
    (
        e.stations[planted].code.clone(),
        voter,
        format!("{family} {given}"),
    )
}

/// Area codes that are not plain file names: Khmer, and a long Russian commission's name.
const CODES: [&str; 4] = [
    "ភ្នំពេញ",
    "Город Санкт-Петербург/101 Территориальная избирательная комиссия №1",
    "../x",
    "0102",
];

/// `target/browser-artifacts/<name>/`, emptied: each test's screenshots in their own folder.
fn artifacts(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/browser-artifacts")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// One browser at a time: the machine has two cores, and each script bounds its waits.
static BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// `npm ci` when the Node packages are missing; the scripts' directory.
fn node_packages() -> PathBuf {
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "the browser tests need /usr/bin/chromium: apt-get install -y chromium fonts-khmeros (.ci/run does)"
    );
    let browser_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    if !browser_dir.join("node_modules/playwright-core").exists() {
        run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&browser_dir),
            Duration::from_secs(300),
        );
    }
    browser_dir
}

/// The demo's output (`scrutineer demo --scale 1/150`): its public site from file://, drilled
/// down to a station its truth file names as planted, highlighted; its report, listing every
/// planted finding; axe on both (tests/browser/demo.js). 1/150, not 1/1000: the synthetic
/// election moves votes at one station in 200, so at 1/1000 (33 stations) no copy differs.
#[test]
fn the_demos_site_and_report_in_a_browser() {
    let browser_dir = node_packages();
    let bin = scrutineer();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("demo");
    run(
        Command::new(&bin)
            .args(["demo", "--scale", "1/150", "--dir"])
            .arg(&dir),
        Duration::from_secs(300),
    );
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let artifacts = artifacts("demo");
    let plan = serde_json::json!({
        "site": format!("file://{}", dir.join("public/site/index.html").display()),
        "report": format!("file://{}", dir.join("report.html").display()),
        "truth": truth,
        "artifacts": artifacts,
    });
    let _one = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let out = run(
        Command::new("node")
            .arg(browser_dir.join("demo.js"))
            .arg(plan.to_string())
            .current_dir(&browser_dir),
        Duration::from_secs(150),
    );
    eprintln!("{out}");
    assert!(out.contains("demo check: passed"), "{out}");
    for page in ["demo-drilldown-top", "demo-station", "report"] {
        assert!(
            artifacts.join(format!("{page}.png")).is_file(),
            "{page}.png"
        );
    }
}

#[test]
fn the_site_in_a_browser() {
    let browser_dir = node_packages();
    let bin = scrutineer();
    let artifacts = artifacts("site");

    let tmp = tempfile::tempdir().unwrap();
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 5);
    let (station, voter, misspelled) = record(&e, tmp.path());
    let election = tmp.path().join("election");
    let public = election.join("public");
    let out = run(
        Command::new(&bin)
            .arg("publish")
            .arg(&election)
            .arg(&public),
        Duration::from_secs(60),
    );
    assert!(out.contains("wrote the public site"), "{out}");
    assert!(public.join("site/index.html").is_file());

    let served = Served::start(
        Command::new(&bin)
            .arg("serve")
            .arg(&election)
            .args(["--listen", "127.0.0.1:0", "--checkpoint-every", "1h"])
            .args(["--rate", "0"])
            .stderr(Stdio::null()),
        Duration::from_secs(60),
    );
    let base = format!("{}/", served.url);
    let plan = serde_json::json!({
        "base": format!("{base}site/"),
        "file": format!("file://{}", public.join("site/index.html").display()),
        "artifacts": artifacts,
        "station": station,
        "misspelled": misspelled,
        "voter": voter,
        // Codes whose file names the page must compute as the writer does.
        "names": CODES.iter().map(|c| (c.to_string(), site::file_name(c))).collect::<BTreeMap<_, _>>(),
    });
    let _one = BROWSER.lock().unwrap_or_else(|p| p.into_inner());
    let out = run(
        Command::new("node")
            .arg(browser_dir.join("check.js"))
            .arg(plan.to_string())
            .current_dir(&browser_dir),
        Duration::from_secs(180),
    );
    eprintln!("{out}");
    assert!(out.contains("browser check: passed"), "{out}");
    for page in ["summary", "drilldown-top", "station", "find", "summary-km"] {
        assert!(
            artifacts.join(format!("{page}.png")).is_file(),
            "{page}.png"
        );
    }

    // The observer web form, on the same served election.
    let artifacts = self::artifacts("form");
    let key_file = tmp.path().join("observer.key");
    std::fs::write(&key_file, format!("{}\n", e.keys.observer.to_skey())).unwrap();
    let plan = serde_json::json!({
        "base": format!("{base}site/"),
        "artifacts": artifacts,
        "keyFile": key_file,
        "observer": e.keys.observer.name(),
        "keyId": format!("{:08x}", e.keys.observer.vkey().id),
        "station": e.stations[1].code,
        "signed": signed_by_the_ledger(&e.keys.observer),
    });
    let out = run(
        Command::new("node")
            .arg(browser_dir.join("form.js"))
            .arg(plan.to_string())
            .current_dir(&browser_dir),
        Duration::from_secs(150),
    );
    eprintln!("{out}");
    assert!(out.contains("form check: passed"), "{out}");
    for page in ["observer-form", "observer-offline", "observer-form-phone"] {
        assert!(
            artifacts.join(format!("{page}.png")).is_file(),
            "{page}.png"
        );
    }
    drop(served);

    // Each photo's hash is in the checklist recorded at the index the page was answered with.
    let photos: Vec<serde_json::Value> = out
        .lines()
        .filter_map(|l| l.strip_prefix("photo: "))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        photos.len(),
        3,
        "a photo sent online, one offline and one after a 503:\n{out}"
    );
    let (_, election, _) = ledger::dir::open_election(&election).unwrap();
    for p in &photos {
        let index = p["index"].as_u64().unwrap();
        let entry: serde_json::Value =
            serde_json::from_slice(&election.log().entry(index).unwrap()).unwrap();
        assert_eq!(entry["kind"], "observer_checklist", "entry {index}");
        assert_eq!(
            entry["body"]["answers"]["AG"],
            serde_json::json!({ "photo": p["hash"] }),
            "entry {index}: {entry}"
        );
    }
}

/// An incident whose strings need every kind of escaping (quotes, a backslash, a newline, a
/// control character, Khmer, an emoji outside the BMP), signed by the ledger's own code: the
/// web form must make the same bytes from the same body and key.
fn signed_by_the_ledger(key: &tlog::PrivateKey) -> serde_json::Value {
    let event = Event::ObserverIncident(ObserverIncident {
        answers: [(
            "ZB".to_string(),
            observer::report::Value::Multiselect(vec![1, 3]),
        )]
        .into_iter()
        .collect(),
        at: 1_374_987_600,
        category: 3,
        evidence: vec!["ab".repeat(32)],
        form: "INC".into(),
        location: Some(observer::report::Location {
            latitude_e6: 11_562_108,
            longitude_e6: 104_888_535,
        }),
        severity: observer::report::Severity::Critical,
        station: Some("ភ្នំពេញ/01".into()),
        text: "\"Ink\" \\ washed\n off\u{1}\u{7f} ទឹកខ្មៅ 🗳 </script>".into(),
        version: 1,
    });
    let entry = Entry::signed(event, key).to_bytes();
    let value: serde_json::Value = serde_json::from_slice(&entry).unwrap();
    serde_json::json!({
        "kind": value["kind"],
        "body": value["body"],
        "entry": String::from_utf8(entry).unwrap(),
    })
}
