//! `scrutineer serve` as a library, over HTTP on 127.0.0.1: every route with its refusals and
//! their exact status codes, the operator loop (publication, proofs, witnesses, a dead witness
//! that must not stall intake), the OpenAPI document against the router, rate limits, and a
//! restart that keeps every acknowledged submission. Every loop is bounded in count and time.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ledger::Election;
use ledger::dir::LogDir;
use ledger::event::*;
use server::app::Options;
use server::limit::Rate;
use sha2::{Digest, Sha256};
use synthetic::{Cambodia2013, Scale};

mod common;
use common::{Running, request};

/// An election directory with stations in effect and the parties' agents and the observers
/// enrolled.
fn election_dir(dir: &Path) -> Cambodia2013 {
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 11);
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join("log.key");
    std::fs::write(&key, format!("{}\n", e.keys.log.to_skey())).unwrap();
    let log_dir = LogDir::init(&dir.join("election"), None, &key).unwrap();
    let mut election = Election::create(log_dir.log().unwrap(), &e.genesis_entry()).unwrap();
    let r = election.submit(&e.stations_submission()).unwrap();
    let id = r.applied[0].proposal().unwrap().to_string();
    election.submit(&e.approvals(&id)).unwrap();
    election.submit(&e.enrolments()).unwrap();
    e
}

/// A result form for `station` from `source`, signed by `key`.
fn form(
    e: &Cambodia2013,
    station: usize,
    source: &str,
    shift: u64,
    key: &tlog::PrivateKey,
) -> Vec<u8> {
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
            source: source.into(),
            spoiled: None,
            station: s.code.clone(),
            time: None,
            unused: None,
            valid: votes.values().sum(),
            votes,
        }),
        key,
    )
    .to_bytes()
}

fn options(dir: &Path) -> Options {
    let mut o = Options::new(dir.join("public"));
    o.checkpoint_every = Duration::from_millis(100);
    o.witness_timeout = Duration::from_secs(2);
    o.rate = Rate::per_second(0.0);
    o.intake.max_body = 64 << 10;
    o.blobs.max_size = 1 << 16;
    o
}

#[test]
fn every_route_answers_and_refuses_with_its_status() {
    let tmp = tempfile::tempdir().unwrap();
    let e = election_dir(tmp.path());
    let server = Running::start(tmp.path(), options(tmp.path()));

    // Intake: a signed official form is taken once durable, with its index.
    let a = server.submit(&form(&e, 0, "official", 0, &e.keys.clerk));
    assert_eq!(a.status, 200, "{}", a.text());
    let index = a.json()["first"].as_u64().unwrap();
    // A party's copy that differs from the official one at station 0.
    let a = server.submit(&form(&e, 0, "party:CPP", 7, &e.keys.cpp_agent));
    assert_eq!(a.status, 200, "{}", a.text());
    // Unsigned: the signature taken off.
    let mut unsigned: serde_json::Value =
        serde_json::from_slice(&form(&e, 1, "official", 0, &e.keys.clerk)).unwrap();
    unsigned["sig"] = serde_json::Value::String(String::new());
    let a = server.submit(&serde_json::to_vec(&unsigned).unwrap());
    assert_eq!(a.status, 422, "{}", a.text());
    assert!(
        a.json()["path"].as_str().unwrap().starts_with("sig"),
        "{}",
        a.text()
    );
    // Signed by a key with the wrong role: an observer may not file an official form.
    let a = server.submit(&form(&e, 1, "official", 0, &e.keys.observer));
    assert_eq!(a.status, 422, "{}", a.text());
    assert!(!a.json()["message"].as_str().unwrap().is_empty());
    // Malformed: not an entry.
    let a = server.submit(b"{\"not\":\"an entry\"}\n");
    assert_eq!(a.status, 422, "{}", a.text());
    let a = server.submit(b"\n");
    assert_eq!(a.status, 400, "{}", a.text());
    // Oversized.
    let a = server.submit(&vec![b'x'; (64 << 10) + 1]);
    assert_eq!(a.status, 413, "{}", a.text());
    // A wrong method, and no such route.
    assert_eq!(server.get("/submit").status, 405);
    let a = server.get("/nowhere");
    assert_eq!(a.status, 404);
    assert!(
        a.json()["message"]
            .as_str()
            .unwrap()
            .contains("/openapi.json")
    );

    // The publication: checkpoint, tiles, state digest, each at the same size.
    let note = server.published(index + 2);
    let (cp, _, _) = tlog::note::open_checkpoint(&note).unwrap();
    let a = server.get("/state-digest");
    assert_eq!(a.status, 200);
    let log_vkey = tlog::Vkey::parse(&e.keys.log.vkey().to_string()).unwrap();
    let (digest_size, _) = ledger::replay::open_digest(&a.body, &log_vkey).unwrap();
    assert!(digest_size >= cp.size());
    // The digest of the published size itself is kept.
    let a = server.get(&format!("/state-digests/{}", cp.size()));
    assert_eq!(a.status, 200);
    let (size, _) = ledger::replay::open_digest(&a.body, &log_vkey).unwrap();
    assert_eq!(size, cp.size());
    assert_eq!(server.get("/state-digests/999999").status, 404);
    let tile = tlog::tile::TileId::hashes(0, 0, (cp.size() % 256) as u16).path();
    let a = server.get(&format!("/{tile}"));
    assert_eq!(a.status, 200, "{tile}");
    assert!(a.headers["cache-control"].contains("immutable"));
    assert_eq!(a.body.len(), 32 * (cp.size() % 256) as usize);
    assert_eq!(server.get("/tile/../log.db").status, 404);

    // Proofs: the first form's, checkable offline against the published checkpoint.
    let a = server.get(&format!("/proof/{index}"));
    assert_eq!(a.status, 200, "{}", a.text());
    let proof = tlog::proof_file::InclusionProof::parse(&a.body).unwrap();
    assert_eq!(proof.index, index);
    let policy = tlog::Policy::k_of_n(log_vkey.clone(), vec![], 0).unwrap();
    let entry = form(&e, 0, "official", 0, &e.keys.clerk);
    proof.verify(&entry, &policy).unwrap();
    let a = server.get("/proof/1000000");
    assert_eq!(a.status, 404);
    assert!(
        a.json()["message"]
            .as_str()
            .unwrap()
            .contains("not covered")
    );
    assert_eq!(server.get("/proof/x").status, 400);

    // Blobs.
    let photo = b"\x89PNG a photo of a form".to_vec();
    let name = ledger::event::hex(&Sha256::digest(&photo));
    let png = [("Content-Type", "image/png")];
    let put = |name: &str, headers: &[(&str, &str)], body: &[u8]| {
        request(server.addr, "PUT", &format!("/blob/{name}"), headers, body)
    };
    assert_eq!(put(&name, &png, &photo).status, 201);
    assert_eq!(put(&name, &png, &photo).status, 200);
    let other = ledger::event::hex(&Sha256::digest(b"other"));
    let a = put(&other, &png, &photo);
    assert_eq!(a.status, 422, "{}", a.text());
    assert_eq!(put("ABC", &png, &photo).status, 400);
    assert_eq!(
        put(&name, &[("Content-Type", "text/html")], &photo).status,
        415
    );
    let big = vec![0u8; (1 << 16) + 1];
    let big_name = ledger::event::hex(&Sha256::digest(&big));
    assert_eq!(put(&big_name, &png, &big).status, 413);
    let a = server.get(&format!("/blob/{name}"));
    assert_eq!(a.status, 200);
    assert_eq!(a.body, photo);
    assert_eq!(a.headers["content-type"], "image/png");
    assert!(a.headers["cache-control"].contains("immutable"));
    assert_eq!(a.headers["etag"], format!("\"{name}\""));
    let a = request(
        server.addr,
        "GET",
        &format!("/blob/{name}"),
        &[("If-None-Match", &format!("\"{name}\""))],
        b"",
    );
    assert_eq!(a.status, 304);
    assert_eq!(server.get(&format!("/blob/{other}")).status, 404);
    assert_eq!(server.get("/blob/zz").status, 400);

    // The read API.
    let a = server.get("/api/status");
    assert_eq!(a.status, 200, "{}", a.text());
    let status = a.json();
    assert!(status["log"]["size"].as_u64().unwrap() >= index + 2);
    assert!(status["operator"]["published_size"].as_u64().unwrap() >= index + 2);
    let a = server.get("/api/headline");
    assert_eq!(a.status, 200, "{}", a.text());
    let a = server.get("/api/areas");
    assert_eq!(a.status, 200, "{}", a.text());
    let top = a.json();
    let first = &top["rows"][0];
    assert_eq!(top["total"]["stations_differing"], 1, "{top}");
    let station = &e.stations[0].code;
    // Drill down from the top to the station that differs.
    let mut area = top["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["stations_differing"] == 1)
        .unwrap_or(first)["code"]
        .as_str()
        .unwrap()
        .to_string();
    for _ in 0..5 {
        let a = server.get(&format!("/api/areas/{area}"));
        assert_eq!(a.status, 200, "{}", a.text());
        let d = a.json();
        let row = d["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["stations_differing"] == 1)
            .unwrap_or_else(|| panic!("no differing row in {d}"))
            .clone();
        if d["below"] == "station" {
            assert_eq!(row["code"].as_str(), Some(station.as_str()));
            assert_eq!(row["differences"][0]["source"], "party:CPP");
            break;
        }
        area = row["code"].as_str().unwrap().to_string();
    }
    let a = server.get(&format!("/api/stations/{station}"));
    assert_eq!(a.status, 200, "{}", a.text());
    let s = a.json();
    let diff = &s["station"]["differences"];
    assert_eq!(diff.as_array().unwrap().len(), 2, "{s}"); // valid and one party's votes
    assert_eq!(s["station"]["sources"]["official"]["forms"], 1);
    assert_eq!(server.get("/api/stations/NOWHERE").status, 404);
    assert_eq!(server.get("/api/areas/NOWHERE").status, 404);
    assert_eq!(server.get("/api/areas?contest=nope").status, 400);

    // Metrics count what happened.
    let a = server.get("/metrics");
    assert_eq!(a.status, 200);
    let m = a.text();
    assert!(
        m.contains("scrutineer_submissions_total{outcome=\"accepted\"} 2"),
        "{m}"
    );
    assert!(
        m.contains("scrutineer_submissions_total{outcome=\"refused\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("scrutineer_submissions_total{outcome=\"turned_away\"} 2"),
        "{m}"
    );
    assert!(
        // Seven submissions and one GET, answered 405.
        m.contains("scrutineer_request_seconds_count{route=\"/submit\"} 8"),
        "{m}"
    );
    assert!(m.contains("scrutineer_intake_step_entries_count"), "{m}");

    let (election, status) = server.stop();
    assert_eq!(status.error, None);
    assert_eq!(status.published_size, election.log().size());
}

#[test]
fn over_the_rate_limit_a_client_is_told_when_to_come_back() {
    let tmp = tempfile::tempdir().unwrap();
    election_dir(tmp.path());
    let mut o = options(tmp.path());
    o.rate = Rate {
        per_second: 0.5,
        burst: 3.0,
    };
    let server = Running::start(tmp.path(), o);
    for _ in 0..3 {
        assert_eq!(server.get("/openapi.json").status, 200);
    }
    let a = server.get("/openapi.json");
    assert_eq!(a.status, 429, "{}", a.text());
    assert_eq!(a.headers["retry-after"], "2");
    // Writes are limited too, and unknown routes.
    assert_eq!(server.submit(b"x\n").status, 429);
    assert_eq!(server.get("/nowhere").status, 429);
    server.stop();
}

/// A body that does not arrive in time is answered 408, on submissions and on blobs alike.
#[test]
fn a_body_that_does_not_arrive_is_timed_out() {
    let tmp = tempfile::tempdir().unwrap();
    election_dir(tmp.path());
    let mut o = options(tmp.path());
    o.intake.body_timeout = Duration::from_millis(300);
    o.timeouts.body = Duration::from_millis(300);
    let server = Running::start(tmp.path(), o);
    let name = "0".repeat(64);
    for (method, path, kind) in [
        ("POST", "/submit".to_string(), "application/x-ndjson"),
        ("PUT", format!("/blob/{name}"), "image/png"),
    ] {
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: t\r\nContent-Type: {kind}\r\nContent-Length: 100\r\n\r\nonly a part"
        )
        .unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        let out = String::from_utf8_lossy(&out);
        assert!(out.starts_with("HTTP/1.1 408"), "{method} {path}: {out}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    server.stop();
}

/// The OpenAPI document validates (the members OpenAPI 3.0 requires, every path parameter
/// declared) and lists exactly the routes the router serves: each documented operation is
/// answered by its handler, not the fallback, and the router answers no other.
#[test]
fn the_openapi_document_matches_the_routes() {
    let tmp = tempfile::tempdir().unwrap();
    election_dir(tmp.path());
    let witness_dir = tmp.path().join("witness");
    std::fs::create_dir_all(&witness_dir).unwrap();
    for with_witness in [false, true] {
        let mut o = options(tmp.path());
        if with_witness {
            let key =
                tlog::PrivateKey::from_seed("w.test", tlog::note::TYPE_COSIGNATURE_V1, [5; 32])
                    .unwrap();
            let w = tlog::witness::Witness::open(&witness_dir.join("witness.db"), key).unwrap();
            o.witness = Some(Arc::new(w));
        }
        let server = Running::start(tmp.path(), o);
        let doc = server.get("/openapi.json").json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.0."));
        assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
        let paths = doc["paths"].as_object().unwrap();
        let mut documented = Vec::new();
        for (path, item) in paths {
            assert!(path.starts_with('/'));
            for (method, op) in item.as_object().unwrap() {
                assert!(["get", "put", "post"].contains(&method.as_str()));
                assert!(!op["responses"].as_object().unwrap().is_empty());
                let declared: Vec<&str> = op["parameters"]
                    .as_array()
                    .map(|p| {
                        p.iter()
                            .filter(|p| p["in"] == "path")
                            .map(|p| p["name"].as_str().unwrap())
                            .collect()
                    })
                    .unwrap_or_default();
                let in_path: Vec<&str> = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
                    .collect();
                assert_eq!(declared, in_path, "{method} {path}");
                documented.push((method.to_uppercase(), path.clone()));
            }
        }
        documented.sort();
        let mut expected: Vec<(String, String)> = server::routes::served(with_witness)
            .map(|r| (r.method.to_uppercase(), r.path.to_string()))
            .collect();
        expected.sort();
        assert_eq!(documented, expected);
        assert_eq!(
            documented.iter().any(|(_, p)| p == "/add-checkpoint"),
            with_witness
        );
        // Each documented operation reaches its handler: the fallback's answer names
        // /openapi.json, and a method the path lacks is 405.
        for (method, path) in &documented {
            let concrete = path
                .replace("{path}", "0/000")
                .replace("{index}", "0")
                .replace("{size}", "1")
                .replace("{sha256}", &"0".repeat(64))
                .replace("{code}", "X");
            let a = request(server.addr, method, &concrete, &[], b"");
            assert_ne!(a.status, 405, "{method} {path}");
            assert!(
                !a.text().contains("no such route"),
                "{method} {path} fell through to the fallback"
            );
        }
        for (method, path) in [
            ("GET", "/add-checkpoint"),
            ("DELETE", "/blob/x"),
            ("GET", "/api"),
        ] {
            let a = request(server.addr, method, path, &[], b"");
            assert!(
                a.status == 404 || a.status == 405,
                "{method} {path}: {}",
                a.status
            );
        }
        if !with_witness {
            let a = request(server.addr, "POST", "/add-checkpoint", &[], b"x");
            assert_eq!(a.status, 404);
        }
        server.stop();
    }
}

/// Stopping and starting again keeps every acknowledged submission at its index, the last
/// publication covers all of them, and a replay of it gives the served digest.
#[test]
fn a_restart_keeps_every_acknowledged_submission() {
    let tmp = tempfile::tempdir().unwrap();
    let e = election_dir(tmp.path());
    let mut taken: Vec<(u64, Vec<u8>)> = Vec::new();
    for round in 0..2 {
        let server = Running::start(tmp.path(), options(tmp.path()));
        let addr = server.addr;
        let clients: Vec<_> = (0..4)
            .map(|c| {
                let entries: Vec<Vec<u8>> = (0..5)
                    .map(|i| {
                        let station = (round * 20 + c * 5 + i) % e.stations.len();
                        let shift = (round * 100 + c * 10 + i) as u64;
                        form(&e, station, "observer:COMFREL", shift, &e.keys.observer)
                    })
                    .collect();
                std::thread::spawn(move || {
                    entries
                        .into_iter()
                        .map(|entry| (request(addr, "POST", "/submit", &[], &entry), entry))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for c in clients {
            for (a, entry) in c.join().unwrap() {
                if a.status == 200 {
                    taken.push((a.json()["first"].as_u64().unwrap(), entry));
                } else {
                    // A later copy from the same source for a station is refused by the fold,
                    // never by the server.
                    assert_eq!(a.status, 422, "{}", a.text());
                }
            }
        }
        let (election, status) = server.stop();
        assert_eq!(status.error, None);
        assert_eq!(status.published_size, election.log().size());
    }
    assert!(taken.len() >= 10, "{}", taken.len());
    let log_dir = LogDir::open(&tmp.path().join("election")).unwrap();
    let election = Election::open(log_dir.log().unwrap()).unwrap();
    for (index, entry) in &taken {
        assert_eq!(&election.log().entry(*index).unwrap(), entry);
    }
    let public = tmp.path().join("public");
    let policy = tlog::Policy::k_of_n(e.keys.log.vkey(), vec![], 0).unwrap();
    let source = tlog::verify::DirSource::new(&public);
    let (replayed, published) =
        review::summary::replay_published(&source, &policy, None, &mut |_, _| {}).unwrap();
    assert!(replayed.refusals.is_empty());
    assert_eq!(replayed.verified.checkpoint.size, election.log().size());
    assert_eq!(
        published.unwrap().unwrap(),
        (election.log().size(), election.digest().unwrap())
    );
}

/// A witness that answers cosigns each publication, and the status says when; a witness that
/// accepts connections but never answers holds up neither intake nor the status route.
#[test]
fn witnesses_are_asked_off_the_intake_path() {
    let tmp = tempfile::tempdir().unwrap();
    let e = election_dir(tmp.path());
    // A live witness following the log.
    let wdir = tmp.path().join("w");
    std::fs::create_dir_all(&wdir).unwrap();
    let db = wdir.join("witness.db");
    tlog::witness::add_log(
        &db,
        synthetic::cambodia::ORIGIN,
        &e.keys.log.vkey().to_string(),
    )
    .unwrap();
    let witness = Arc::new(tlog::witness::Witness::open(&db, e.keys.witness_cpp.clone()).unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let app = server::witness::router(witness, "");
            let _ = server::serve(
                listener,
                app,
                server::Timeouts::default(),
                std::future::pending(),
            )
            .await;
        });
    });
    let live = rx.recv().unwrap();
    // A dead one: accepts, never reads, never answers.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_addr = dead.local_addr().unwrap();
    let mut log_dir = LogDir::open(&tmp.path().join("election")).unwrap();
    for (key, addr) in [
        (&e.keys.witness_cpp, live),
        (&e.keys.witness_cnrp, dead_addr),
    ] {
        log_dir.config.witnesses.push(ledger::dir::WitnessConfig {
            vkey: key.vkey().to_string(),
            url: format!("http://{addr}"),
        });
    }
    log_dir.save().unwrap();
    let server = Running::start(tmp.path(), options(tmp.path()));
    // Intake answers quickly while the dead witness holds the operator for its 2 s timeout.
    for i in 0..5 {
        let started = Instant::now();
        let a = server.submit(&form(&e, i, "official", 0, &e.keys.clerk));
        assert_eq!(a.status, 200, "{}", a.text());
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
        let started = Instant::now();
        assert_eq!(server.get("/api/headline").status, 200);
        assert!(started.elapsed() < Duration::from_millis(1500));
    }
    let size = LogDir::open(&tmp.path().join("election"))
        .unwrap()
        .log()
        .unwrap()
        .size();
    // Wait (bounded) for a publication of everything, cosigned by the live witness. The
    // genesis names the log's key, so the cosigned checkpoint is recorded as one more entry
    // (witness time), which is then published and cosigned in turn, and not recorded again.
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        let s = server.get("/api/status").json();
        let w = &s["log"]["witnesses"][0];
        if w["cosigned_size"].as_u64() == Some(size + 1)
            && s["operator"]["published_size"].as_u64() == Some(size + 1)
        {
            std::thread::sleep(Duration::from_millis(1500));
            let again = server.get("/api/status").json();
            assert_eq!(again["log"]["size"].as_u64(), Some(size + 1), "{again}");
            break s;
        }
        assert!(Instant::now() < deadline, "never cosigned: {s}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let w = &status["log"]["witnesses"];
    assert_eq!(w[0]["name"], e.keys.witness_cpp.name());
    assert!(w[0]["cosigned_at"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(w[1]["cosigned_size"], 0);
    let dead_outcome = status["operator"]["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == e.keys.witness_cnrp.name())
        .cloned()
        .unwrap();
    assert!(dead_outcome["error"].is_string(), "{status}");
    // The published checkpoint carries the live witness's cosignature.
    let note = server.published(size);
    let policy =
        tlog::Policy::k_of_n(e.keys.log.vkey(), vec![e.keys.witness_cpp.vkey()], 1).unwrap();
    policy.verify(&note).unwrap();
    drop(dead);
    server.stop();
}

/// The observer web form's read route: an enrolled observer with their organisation's forms in
/// effect as recorded in the log, 404 for a key that is not an observer; and a checklist sent
/// twice (a phone re-sending its offline queue) is refused the second time as a duplicate of
/// the first entry, so it counts once.
#[test]
fn an_observer_reads_their_forms_and_a_resent_checklist_counts_once() {
    let tmp = tempfile::tempdir().unwrap();
    let e = election_dir(tmp.path());
    let server = Running::start(tmp.path(), options(tmp.path()));
    let name = e.keys.observer.name().to_string();
    let a = server.get(&format!("/api/observers/{name}"));
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.json()["forms"], serde_json::json!([]), "{}", a.text());
    // What the form checks a photo against before signing: the server's own blob limits
    // (as this test configures them).
    assert_eq!(
        a.json()["photos"],
        serde_json::json!({
            "types": ["image/jpeg", "image/png", "image/webp", "application/pdf"],
            "max_bytes": 1 << 16,
        })
    );
    let definition = Entry::signed(
        Event::ObserverForms(ObserverForms {
            file: "cambodia-observer.toml".into(),
            text: include_str!("../../../forms/cambodia-observer.toml").into(),
        }),
        &e.keys.observer,
    );
    let a = server.submit(&definition.to_bytes());
    assert_eq!(a.status, 200, "{}", a.text());
    let defined = a.json()["first"].as_u64().unwrap();
    let a = server.get(&format!("/api/observers/{name}"));
    assert_eq!(a.status, 200, "{}", a.text());
    let o = a.json();
    assert_eq!(o["observer"]["organisation"], "COMFREL");
    assert_eq!(o["observer"]["vkey"], e.keys.observer.vkey().to_string());
    assert_eq!(o["observer"]["revoked"], false);
    let prefixes: Vec<&str> = o["forms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["prefix"].as_str().unwrap())
        .collect();
    assert_eq!(prefixes, ["CLS", "CNT", "INC", "MID", "OPN"]);
    let opening = o["forms"].as_array().unwrap().last().unwrap();
    assert_eq!(opening["index"], defined);
    assert_eq!(opening["schedule"], "opening");
    let first = &opening["groups"][0]["fields"][0];
    assert_eq!(first["tag"], "AA");
    assert_eq!(first["type"], "integer");
    assert_eq!(first["required"], true);
    assert!(first["label"]["km"].as_str().unwrap().chars().count() > 3);
    for missing in ["nobody", e.keys.clerk.name()] {
        let a = server.get(&format!("/api/observers/{missing}"));
        assert_eq!(a.status, 404, "{}", a.text());
        assert!(a.json()["message"].as_str().unwrap().contains(missing));
    }

    let checklist = Entry::signed(
        Event::ObserverChecklist(ObserverChecklist {
            answers: [("AA", 5), ("AE", 2)]
                .into_iter()
                .map(|(t, n)| (t.to_string(), observer::report::Value::Integer(n)))
                .chain([
                    ("AB".to_string(), observer::report::Value::Select(2)),
                    ("AC".to_string(), observer::report::Value::Select(1)),
                    ("AD".to_string(), observer::report::Value::Select(1)),
                ])
                .collect(),
            at: 1_374_987_600,
            comment: None,
            form: "OPN".into(),
            schedule: observer::form::Schedule::Opening,
            serial: None,
            station: e.stations[0].code.clone(),
            version: 1,
        }),
        &e.keys.observer,
    )
    .to_bytes();
    let a = server.submit(&checklist);
    assert_eq!(a.status, 200, "{}", a.text());
    let index = a.json()["first"].as_u64().unwrap();
    let a = server.submit(&checklist);
    assert_eq!(a.status, 422, "{}", a.text());
    assert_eq!(a.json()["path"], "entry");
    assert!(
        a.json()["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("duplicate of entry {index}:")),
        "{}",
        a.text()
    );
    let a = server.get(&format!("/api/observers/{name}"));
    let reports = &a.json()["reports"];
    assert_eq!(reports.as_array().unwrap().len(), 1, "{reports}");
    assert_eq!(reports[0]["index"], index);
    assert_eq!(reports[0]["station"], e.stations[0].code.as_str());
    let (election, _) = server.stop();
    let reports = ledger::report::observer::reports(election.conn()).unwrap();
    assert_eq!(reports.len(), 1);
}

/// The read API's results are read once per publication: a form taken since the latest
/// publication is not in them, and they are read again once a publication covers it.
#[test]
fn the_read_api_answers_from_the_latest_publication() {
    let tmp = tempfile::tempdir().unwrap();
    let e = election_dir(tmp.path());
    let mut o = options(tmp.path());
    o.checkpoint_every = Duration::from_secs(2);
    let server = Running::start(tmp.path(), o);
    let status = || server.get("/api/status").json();
    let official_forms = |station: &str| {
        let a = server.get(&format!("/api/stations/{station}"));
        assert_eq!(a.status, 200, "{}", a.text());
        a.json()["station"]["sources"]["official"]["forms"]
            .as_u64()
            .unwrap_or(0)
    };
    server.published(status()["log"]["size"].as_u64().unwrap());
    let mut stale_seen = false;
    // Each try on its own station; a try is judged only if no publication landed between
    // its reads, which a 2 s cadence makes the rule.
    for s in 3..8 {
        let station = &e.stations[s].code;
        let before = status()["operator"]["published_size"].as_u64().unwrap();
        assert_eq!(official_forms(station), 0);
        let a = server.submit(&form(&e, s, "official", 0, &e.keys.clerk));
        assert_eq!(a.status, 200, "{}", a.text());
        let index = a.json()["first"].as_u64().unwrap();
        let stale = official_forms(station);
        if status()["operator"]["published_size"].as_u64().unwrap() == before {
            assert_eq!(stale, 0, "read again between publications");
            stale_seen = true;
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while status()["operator"]["published_size"].as_u64().unwrap() <= index {
            assert!(
                Instant::now() < deadline,
                "nothing published covering {index}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Read again after the publication, on a thread of its own: the reads meanwhile
        // answer from the previous one (`server::fresh`).
        let deadline = Instant::now() + Duration::from_secs(20);
        while official_forms(station) != 1 {
            assert!(
                Instant::now() < deadline,
                "not read again after a publication"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        if stale_seen {
            break;
        }
    }
    assert!(stale_seen, "every try met a publication");
    server.stop();
}

/// `GET /api/flags`: the flags as of the latest publication, filtered by kinds, station and
/// area (and below), a page at a time with the total; every refusal with its status.
#[test]
fn the_flags_are_paged_and_filtered_by_kind_station_and_area() {
    let tmp = tempfile::tempdir().unwrap();
    let e = election_dir(tmp.path());
    let server = Running::start(tmp.path(), options(tmp.path()));
    // Official forms whose votes do not add up to their valid ballots (a flag each); the
    // second also counts more ballots than were issued (a second flag).
    let unsound = |station: usize, issued: Option<u64>| {
        let mut entry: Entry =
            Entry::parse(&form(&e, station, "official", 0, &e.keys.clerk)).unwrap();
        let Event::ResultForm(f) = &mut entry.event else {
            unreachable!()
        };
        f.valid += 1;
        f.ballots_issued = issued;
        Entry::signed(entry.event, &e.keys.clerk).to_bytes()
    };
    let mut last = 0;
    for (station, issued) in [(0, None), (1, Some(1)), (2, None)] {
        let a = server.submit(&unsound(station, issued));
        assert_eq!(a.status, 200, "{}", a.text());
        last = a.json()["first"].as_u64().unwrap();
    }
    server.published(last + 1);
    // Read again off the request path: wait (bounded) until the publication's flags are in.
    let deadline = Instant::now() + Duration::from_secs(20);
    let all = loop {
        let a = server.get("/api/flags");
        assert_eq!(a.status, 200, "{}", a.text());
        if a.json()["total"] == 4 {
            break a.json();
        }
        assert!(
            Instant::now() < deadline,
            "the flags never came: {}",
            a.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(all["by_kind"]["votes_not_valid"], 3, "{all}");
    assert_eq!(all["by_kind"]["counted_over_issued"], 1, "{all}");
    assert_eq!(
        (all["offset"].as_u64(), all["limit"].as_u64()),
        (Some(0), Some(100))
    );
    let stations: Vec<&str> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["station"].as_str().unwrap())
        .collect();
    let code = |i: usize| e.stations[i].code.as_str();
    assert_eq!(stations, [code(0), code(1), code(1), code(2)]);

    let total = |query: &str| {
        let a = server.get(&format!("/api/flags?{query}"));
        assert_eq!(a.status, 200, "{query}: {}", a.text());
        a.json()["total"].as_u64().unwrap()
    };
    assert_eq!(total("kind=counted_over_issued"), 1);
    assert_eq!(total("kind=votes_not_valid,counted_over_issued"), 4);
    assert_eq!(total("kind=counted_over_registered"), 0);
    assert_eq!(total(&format!("station={}", code(1))), 2);
    assert_eq!(
        total(&format!("station={}&kind=votes_not_valid", code(1))),
        1
    );
    assert_eq!(total(&format!("station={}", code(3))), 0);
    // An area takes in everything below it: the commune of station 0, and the area above it.
    let flagged = [0, 1, 1, 2];
    let commune = &e.stations[0].commune;
    let in_commune = flagged
        .iter()
        .filter(|&&i| &e.stations[i].commune == commune)
        .count() as u64;
    assert_eq!(total(&format!("area={commune}")), in_commune);
    let parent_of = |code: &str| {
        e.areas
            .iter()
            .find(|a| a.code == code)
            .and_then(|a| a.parent.clone())
    };
    let above = parent_of(commune).unwrap();
    let in_above = flagged
        .iter()
        .filter(|&&i| parent_of(&e.stations[i].commune).as_deref() == Some(above.as_str()))
        .count() as u64;
    assert_eq!(total(&format!("area={above}")), in_above);

    // Pages: the second finding alone, and past the end, each with the total.
    let a = server.get("/api/flags?offset=1&limit=1").json();
    assert_eq!(a["total"], 4);
    assert_eq!(a["findings"].as_array().unwrap().len(), 1);
    assert_eq!(a["findings"][0], all["findings"][1]);
    let a = server.get("/api/flags?offset=10").json();
    assert_eq!(
        (a["total"].as_u64(), a["findings"].as_array().unwrap().len()),
        (Some(4), 0)
    );

    // Refusals.
    for (query, status, says) in [
        ("kind=nope", 400, "the kinds are"),
        ("kind=votes_not_valid,nope", 400, "\"nope\""),
        ("limit=0", 400, "limit"),
        ("limit=501", 400, "limit"),
        ("limit=x", 400, "limit"),
        ("offset=-1", 400, "offset"),
        ("station=NOWHERE", 404, "NOWHERE"),
        ("area=NOWHERE", 404, "NOWHERE"),
    ] {
        let a = server.get(&format!("/api/flags?{query}"));
        assert_eq!(a.status, status, "{query}: {}", a.text());
        assert!(a.message().contains(says), "{query}: {}", a.text());
    }
    server.stop();
}
