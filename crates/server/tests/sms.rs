//! The SMS gateway webhooks of `scrutineer serve`, over HTTP on 127.0.0.1: each gateway's
//! payload recorded and answered with the fold's reply in the gateway's format, the shared
//! secret, the size limit and malformed bodies refused with their statuses, a repeat counted
//! once, messages packed many to an entry, a replay of the publication giving the served
//! digest, and the senders' numbers found nowhere in the log, the state or the publication.
//! Every loop is bounded in count and time.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use ledger::Election;
use ledger::dir::LogDir;
use ledger::event::*;
use server::app::Options;
use server::limit::Rate;
use server::sms::{Config, Shape};
use synthetic::observers::Observers;
use synthetic::{Cambodia2013, Scale};

mod common;
use common::{Answer, Running};

const NUMBER_SECRET: &[u8] = b"the organisation's number secret";
const GENERIC: &str = "generic-secret-0123456789";
const TWILIO: &str = "twilio-secret-0123456789";
const TELNYX: &str = "telnyx-secret-0123456789";
/// Two observers' numbers, as their gateways write them, and one no one registered.
const FIRST: &str = "+855 12 345 678";
const SECOND: &str = "+85597111222";
const STRANGER: &str = "+85516000999";

/// An election with stations, the observers and their gateway enrolled, the observers' forms
/// recorded, and the two observers' numbers registered (as their HMAC) at stations 0 and 1.
fn election_dir(dir: &Path) -> (Cambodia2013, Observers) {
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 11);
    let obs = Observers::new(&e, 7, 2);
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join("log.key");
    std::fs::write(&key, format!("{}\n", e.keys.log.to_skey())).unwrap();
    let log_dir = LogDir::init(&dir.join("election"), None, &key).unwrap();
    let mut election = Election::create(log_dir.log().unwrap(), &e.genesis_entry()).unwrap();
    let r = election.submit(&e.stations_submission()).unwrap();
    let id = r.applied[0].proposal().unwrap().to_string();
    election.submit(&e.approvals(&id)).unwrap();
    election.submit(&e.enrolments()).unwrap();
    election.submit(&obs.enrolments(&e)).unwrap();
    election.submit(&obs.submissions()[0]).unwrap();
    let senders: Vec<Vec<u8>> = [FIRST, SECOND]
        .iter()
        .enumerate()
        .map(|(i, number)| {
            Entry::signed(
                Event::SmsSender(SmsSender {
                    observer: obs.observers[i].name().into(),
                    sender: sender_hmac(NUMBER_SECRET, number).unwrap(),
                    station: e.stations[i].code.clone(),
                }),
                &obs.gateway,
            )
            .to_bytes()
        })
        .collect();
    election.submit(&senders).unwrap();
    (e, obs)
}

fn options(dir: &Path, obs: &Observers) -> Options {
    let mut o = Options::new(dir.join("public"));
    o.checkpoint_every = Duration::from_millis(100);
    o.witness_timeout = Duration::from_secs(2);
    o.rate = Rate::per_second(0.0);
    o.sms = Some(Config {
        gateway: obs.gateway.clone(),
        number_secret: NUMBER_SECRET.to_vec(),
        webhooks: vec![
            (Shape::Generic, GENERIC.as_bytes().to_vec()),
            (Shape::Twilio, TWILIO.as_bytes().to_vec()),
            (Shape::Telnyx, TELNYX.as_bytes().to_vec()),
        ],
        // Long enough that messages sent at once share an entry on a loaded machine.
        window: Duration::from_millis(300),
        max_body: 4 << 10,
        body_timeout: Duration::from_secs(5),
    });
    o
}

/// One POST of `body` as `media` to a webhook.
fn request(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    media: &str,
    body: &[u8],
) -> Answer {
    let mut all = vec![("Content-Type", media)];
    all.extend_from_slice(headers);
    common::request(addr, "POST", path, &all, body)
}

const FORM: &str = "application/x-www-form-urlencoded";

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    serde_urlencoded::to_string(fields).unwrap().into_bytes()
}

fn generic(addr: SocketAddr, fields: &[(&str, &str)]) -> Answer {
    let auth = format!("Bearer {GENERIC}");
    request(
        addr,
        "/sms/generic",
        &[("Authorization", &auth)],
        FORM,
        &form(fields),
    )
}

fn telnyx(from: &str, text: &str, at: &str) -> Vec<u8> {
    serde_json::json!({"data": {"event_type": "message.received", "occurred_at": at,
        "payload": {"direction": "inbound", "from": {"phone_number": from},
            "to": [{"phone_number": "+85523000000"}], "text": text, "type": "SMS"}}})
    .to_string()
    .into_bytes()
}

#[test]
fn each_gateway_is_recorded_and_answered_in_its_format() {
    let tmp = tempfile::tempdir().unwrap();
    let (e, obs) = election_dir(tmp.path());
    let server = Running::start(tmp.path(), options(tmp.path(), &obs));
    let addr = server.addr;

    // The generic gateway: a checklist, answered in plain text.
    let good = "OPN 100000 AA5AB2AC1AD1AE2AF12";
    let a = generic(
        addr,
        &[
            ("from", FIRST),
            ("text", good),
            ("time", "2028-07-30T07:02:11Z"),
        ],
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(a.text(), "OK OPN 100000: 6 answers received. Thank you.");
    // The same message again within 12 hours, its case and spacing aside: counted once.
    let a = generic(
        addr,
        &[
            ("from", "85512345678"),
            ("text", "opn 100000 aa5 ab2 ac1 ad1 ae2 af12"),
            ("time", "1848553800"),
        ],
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(
        a.text(),
        "Already received at 2028-07-30 07:02:11 UTC; counted once."
    );

    // Twilio: From and Body among its other fields, answered with TwiML; the secret in the
    // query.
    let body = form(&[
        ("ToCountry", "KH"),
        ("SmsMessageSid", "SM0123"),
        ("NumMedia", "0"),
        ("From", SECOND),
        ("Body", "OPN 100001 AA5AB2AD1AE0"),
        ("To", "+85523000000"),
        ("AccountSid", "AC0123"),
    ]);
    let a = request(
        addr,
        &format!("/sms/twilio?secret={TWILIO}"),
        &[],
        FORM,
        &body,
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.headers["content-type"], "text/xml; charset=utf-8");
    assert_eq!(
        a.text(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>Error in OPN 100001: field AC is missing. Please correct and send again.</Message></Response>"
    );

    // Telnyx: a JSON event, answered with JSON; a number no one registered.
    let auth = format!("Bearer {TELNYX}");
    let a = request(
        addr,
        "/sms/telnyx",
        &[("Authorization", &auth)],
        "application/json",
        &telnyx(STRANGER, "OPN 100002 AA5", "2028-07-30T07:10:00.574Z"),
    );
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(a.headers["content-type"], "application/json");
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&a.body).unwrap(),
        serde_json::json!({"reply": "This number is not registered for an observer; the message is recorded but not counted."})
    );

    // Refusals, each before anything is recorded.
    let good_body = form(&[("from", FIRST), ("text", good)]);
    // (path, the Bearer secret, body, status)
    let refusals: Vec<(&str, Option<&str>, Vec<u8>, u16)> = vec![
        ("/sms/generic", None, good_body.clone(), 401),
        ("/sms/generic", Some(TWILIO), good_body.clone(), 401),
        (
            "/sms/generic?secret=generic-secret-012345678",
            None,
            good_body.clone(),
            401,
        ),
        ("/sms/nokia", Some(GENERIC), good_body.clone(), 404),
        (
            "/sms/generic",
            Some(GENERIC),
            form(&[("from", FIRST), ("text", &"A".repeat(5000))]),
            413,
        ),
        ("/sms/generic", Some(GENERIC), form(&[("from", FIRST)]), 400),
        ("/sms/telnyx", Some(TELNYX), b"{\"data\":".to_vec(), 400),
        (
            "/sms/generic",
            Some(GENERIC),
            form(&[("from", "call me"), ("text", good)]),
            422,
        ),
        (
            "/sms/generic",
            Some(GENERIC),
            form(&[("from", FIRST), ("text", good), ("time", "yesterday")]),
            422,
        ),
        (
            "/sms/generic",
            Some(GENERIC),
            form(&[("from", FIRST), ("text", &"A".repeat(1601))]),
            422,
        ),
    ];
    for (path, secret, body, status) in &refusals {
        let bearer = secret.map(|s| format!("Bearer {s}"));
        let headers: Vec<(&str, &str)> = bearer
            .iter()
            .map(|b| ("Authorization", b.as_str()))
            .collect();
        let a = request(addr, path, &headers, FORM, body);
        assert_eq!(a.status, *status, "{path}: {}", a.text());
        let message = serde_json::from_slice::<serde_json::Value>(&a.body).unwrap();
        assert!(
            message["message"].as_str().unwrap().contains("/sms/"),
            "{message}"
        );
        if *status == 401 {
            assert_eq!(a.headers["www-authenticate"], "Bearer");
        }
    }

    // Messages arriving at once share an entry.
    let clients: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || {
                let text = format!("MID 100000 X{i} BA1");
                generic(addr, &[("from", FIRST), ("text", &text)])
            })
        })
        .collect();
    for c in clients {
        let a = c.join().unwrap();
        assert_eq!(a.status, 200, "{}", a.text());
    }

    let (election, status) = server.stop();
    assert_eq!(status.error, None);
    let recorded = ledger::report::observer::sms_messages(election.conn()).unwrap();
    assert_eq!(recorded.len(), 10);
    let statuses: Vec<&str> = recorded[..4].iter().map(|m| m.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["accepted", "repeat", "refused", "unknown_sender"]
    );
    assert!(recorded.iter().all(|m| m.gateway == obs.gateway.name()));
    assert_eq!(recorded[0].received_at, 1848553331);
    assert_eq!(recorded[3].received_at, 1848553800);
    let mut entries: Vec<u64> = recorded[4..].iter().map(|m| m.index).collect();
    entries.dedup();
    assert!(
        entries.len() < 6,
        "six messages in six entries: {entries:?}"
    );

    // A replay of the publication gives the served digest.
    let public = tmp.path().join("public");
    let policy = tlog::Policy::k_of_n(e.keys.log.vkey(), vec![], 0).unwrap();
    let source = tlog::verify::DirSource::new(&public);
    let (replayed, published) =
        review::summary::replay_published(&source, &policy, None, &mut |_, _| {}).unwrap();
    assert!(replayed.refusals.is_empty());
    assert_eq!(
        published.unwrap().unwrap(),
        (election.log().size(), election.digest().unwrap())
    );
    drop(election);

    // No number, in any of the forms it was sent in, is in the log, the state or the
    // publication.
    let mut files = vec![];
    for dir in [tmp.path().join("election"), public] {
        let mut stack = vec![dir];
        while let Some(d) = stack.pop() {
            for f in std::fs::read_dir(&d).unwrap() {
                let p = f.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    files.push(p);
                }
            }
        }
    }
    assert!(files.iter().any(|f| f.ends_with("log.db")));
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for number in ["12345678", "12 345 678", "97111222", "16000999"] {
            assert!(
                !bytes.windows(number.len()).any(|w| w == number.as_bytes()),
                "{number} is in {}",
                f.display()
            );
        }
    }
}
