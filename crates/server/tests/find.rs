//! `GET /api/find` ("find my name") and the public site's routes, over HTTP on 127.0.0.1, with
//! exact statuses: a voter found by a misspelled name, bad queries 400, over the search bucket
//! 429 with Retry-After, no index 503; `/` redirects to the site, which the operator loop wrote,
//! and paths out of it are 404. Every loop is bounded in count and time.

use std::path::Path;
use std::time::{Duration, Instant};

use ledger::Election;
use ledger::dir::LogDir;
use server::app::Options;
use server::limit::Rate;
use synthetic::{Cambodia2013, Scale};

mod common;
use common::Running;

/// An election with stations and its roll in effect; returns a voter's id and romanised name.
fn election_dir(dir: &Path) -> (String, String, String) {
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 3);
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join("log.key");
    std::fs::write(&key, format!("{}\n", e.keys.log.to_skey())).unwrap();
    let log_dir = LogDir::init(&dir.join("election"), None, &key).unwrap();
    let mut election = Election::create(log_dir.log().unwrap(), &e.genesis_entry()).unwrap();
    let mut governed = |batch: &[Vec<u8>]| {
        let r = election.submit(batch).unwrap();
        let id = r.applied[0].proposal().unwrap().to_string();
        election.submit(&e.approvals(&id)).unwrap();
    };
    governed(&e.stations_submission());
    governed(&e.roll_submission(0));
    let (r, _) = e
        .roll_voters(0)
        .into_iter()
        .find(|(r, _)| {
            r.names
                .as_ref()
                .is_some_and(|n| n.given_latin.as_ref().is_some_and(|g| g.len() >= 4))
        })
        .unwrap();
    let n = r.names.unwrap();
    (r.voter, n.family_latin.unwrap(), n.given_latin.unwrap())
}

fn options(dir: &Path) -> Options {
    let mut o = Options::new(dir.join("public"));
    o.checkpoint_every = Duration::from_millis(100);
    o.rate = Rate::per_second(0.0);
    o.site_every = Duration::from_millis(100);
    o
}

fn query(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            b' ' => "+".to_string(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn find_my_name_answers_and_refuses_with_exact_statuses() {
    let tmp = tempfile::tempdir().unwrap();
    let (voter, family, given) = election_dir(tmp.path());
    let mut o = options(tmp.path());
    o.find_rate = Rate::per_second(1000.0);
    let server = Running::start(tmp.path(), o);

    // A typo in the given name still finds the voter, among the first five.
    let mut typo: Vec<char> = given.chars().collect();
    typo[1] = if typo[1] == 'x' { 'q' } else { 'x' };
    let typo: String = typo.into_iter().collect();
    let path = format!("/api/find?q={}&limit=5", query(&format!("{family} {typo}")));
    let a = server.until(&path, 503);
    assert_eq!(a.status, 200, "{}", String::from_utf8_lossy(&a.body));
    let found = a.json()["found"].as_array().unwrap().clone();
    assert!(found.len() <= 5);
    let hit = found
        .iter()
        .find(|v| v["voter"] == voter.as_str())
        .unwrap_or_else(|| panic!("{voter} not in {found:?}"));
    assert!(hit["edits"].as_u64().unwrap() >= 1);
    assert!(hit["station"].is_string() && hit["area"].is_string());
    // Filters: a birth year far from the voter's leaves them out.
    let year = hit["birth_year"].as_u64().unwrap();
    let far = format!("{path}&birth_year={}", year + 10);
    let a = server.get(&far);
    assert_eq!(a.status, 200);
    assert!(
        !a.json()["found"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["voter"] == voter.as_str())
    );

    // Bad queries: 400, each saying what is wrong.
    for (path, says) in [
        ("/api/find".to_string(), "q:"),
        ("/api/find?q=".to_string(), "empty"),
        ("/api/find?q=%20%20".to_string(), "empty"),
        (format!("/api/find?q={}", "a".repeat(201)), "longer than"),
        ("/api/find?q=Sok%E1%9E%9F".to_string(), "mixes Khmer"),
        ("/api/find?q=123".to_string(), "no letters"),
        ("/api/find?q=Sok&birth_year=old".to_string(), "birth_year"),
        ("/api/find?q=Sok&limit=0".to_string(), "limit"),
        ("/api/find?q=Sok&limit=51".to_string(), "limit"),
        ("/api/find?q=Sok%01".to_string(), "control"),
    ] {
        let a = server.get(&path);
        assert_eq!(a.status, 400, "{path}");
        assert!(a.message().contains(says), "{path}: {}", a.message());
    }

    // The site: / redirects to it, the operator loop wrote it, and nothing outside is served.
    let a = server.get("/");
    assert_eq!(a.status, 308);
    assert_eq!(a.headers["location"], "/site/");
    let a = server.until("/site/data/election.json", 404);
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["content-type"], "application/json");
    assert!(a.json()["contests"].is_array());
    let a = server.get("/site/");
    assert_eq!(a.status, 200);
    assert!(a.headers["content-type"].starts_with("text/html"));
    assert!(String::from_utf8_lossy(&a.body).contains("site.js"));
    assert_eq!(
        server.get("/site/site.js").headers["cache-control"],
        "no-cache"
    );
    for path in [
        "/site/nothing.json",
        "/site/%2e%2e/log.db",
        "/site/data/%2e%2e/%2e%2e/%2e%2e/election/log.db",
        "/site/..%2flog.db",
    ] {
        assert_eq!(server.get(path).status, 404, "{path}");
    }
    drop(server);

    // Over the search bucket: 429 with Retry-After, while other routes still answer.
    let mut o = options(tmp.path());
    o.find_rate = Rate {
        per_second: 0.5,
        burst: 3.0,
    };
    let server = Running::start(tmp.path(), o);
    server.until("/api/find?q=Sok", 503);
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(server.get("/api/find?q=Sok").status);
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let a = server.get("/api/find?q=Sok");
    assert_eq!(a.status, 429);
    assert!(a.headers["retry-after"].parse::<u64>().unwrap() >= 1);
    assert!(a.message().starts_with("too many requests"));
    assert_eq!(server.get("/api/headline").status, 200);
    drop(server);

    // An index that cannot be opened: 503, naming the file.
    let mut o = options(tmp.path());
    o.find_index = Some(tmp.path().join("missing.idx"));
    let server = Running::start(tmp.path(), o);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut a = server.get("/api/find?q=Sok");
    while a.message().contains("still being built") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        a = server.get("/api/find?q=Sok");
    }
    assert_eq!(a.status, 503);
    assert!(a.message().contains("missing.idx"), "{}", a.message());
}
