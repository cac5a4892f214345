//! Issue 11's acceptance: the demo's report lists every planted irregularity of the demo's
//! truth file and no invented ones, and a proof taken from the report verifies with the code
//! `scrutineer verify --proof` runs (`InclusionProof::parse`, then `verify` against the log's
//! and the witnesses' keys).

use std::collections::BTreeSet;

use base64::prelude::*;
use synthetic::{Cambodia2013, Scale};
use tlog::Policy;
use tlog::proof_file::InclusionProof;

struct Quiet;

impl demo::Narrator for Quiet {
    fn step(&mut self, _: u32, _: &str) {}
    fn say(&mut self, _: &str) {}
    fn progress(&mut self, _: &str, _: u64, _: u64) {}
    fn progress_done(&mut self) {}
}

const FLAGS: net::Flags = net::Flags {
    connect_timeout: "connect",
    read_timeout: "read",
    request_timeout: "request",
    deadline: "deadline",
};

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The value of `name="…"` in `tag`.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

/// Every finding the page lists: (kind, subject) from each `<li class="finding" …>`.
fn findings(html: &str) -> BTreeSet<(String, String)> {
    html.match_indices("<li class=\"finding\"")
        .map(|(at, _)| {
            let tag = &html[at..at + html[at..].find('>').unwrap()];
            (
                unescape(attribute(tag, "data-kind").unwrap()),
                unescape(attribute(tag, "data-subject").unwrap()),
            )
        })
        .collect()
}

/// The bytes of the page's download named `file`.
fn download(html: &str, file: &str) -> Vec<u8> {
    let at = html
        .find(&format!("download=\"{file}\""))
        .unwrap_or_else(|| panic!("no download {file}"));
    let tag = &html[at..at + html[at..].find('>').unwrap()];
    let href = attribute(&format!(" {tag}"), "href").unwrap().to_string();
    let (_, data) = href.split_once(";base64,").unwrap();
    BASE64_STANDARD.decode(data).unwrap()
}

#[test]
fn the_report_lists_every_planted_irregularity_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let (scale, seed) = (Scale { divisor: 100 }, 2013);
    let options = demo::Options {
        dir: tmp.path().join("demo"),
        scale,
        seed,
        limits: net::Limits::defaults(FLAGS),
    };
    demo::run(&options, &mut Quiet).unwrap();

    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(options.dir.join("truth.json")).unwrap()).unwrap();
    let planted: BTreeSet<(String, String)> = truth["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap().to_string(),
                f["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Every kind the demo plants is in the truth file.
    let kinds: BTreeSet<&str> = planted.iter().map(|(k, _)| k.as_str()).collect();
    for kind in [
        "votes_not_valid",
        "counted_over_issued",
        "amended_form",
        "copies_differ",
        "double_checkin",
        "not_on_list",
        "card_reused",
        "unknown_card",
        "card_wrong_station",
        "card_unapproved",
        "card_over_threshold",
        "conflicting_checkin",
        "removal_wave",
        "cards_without_document",
        "unaccounted_ballots",
        "issued_vs_checkins",
        "counted_vs_issued",
        "observer_conflict",
        "observer_out_of_form",
        "observer_quality_check",
        "sms_unknown_sender",
        "incident",
        "complaint_overdue",
        "decision_without_effect",
    ] {
        assert!(kinds.contains(kind), "the truth file plants no {kind}");
    }
    // One checklist failing a quality check came by SMS: the truth names the gateway's entry
    // that holds it, which the report's finding must cite (below).
    let by_sms = truth["findings"].as_array().unwrap().iter().find(|f| {
        f["kind"] == "observer_quality_check"
            && f["planted"].as_str().unwrap().contains("SMS")
            && f["entries"].as_array().is_some_and(|e| e.len() == 1)
    });
    assert!(
        by_sms.is_some(),
        "the truth file plants no quality-check failure by SMS"
    );
    assert!(
        !truth["second_registrations"].as_array().unwrap().is_empty(),
        "the truth file lists no second registrations"
    );

    let html = std::fs::read_to_string(options.dir.join("report.html")).unwrap();
    let listed = findings(&html);
    let missed: Vec<_> = planted.difference(&listed).collect();
    let invented: Vec<_> = listed.difference(&planted).collect();
    assert!(missed.is_empty(), "the report misses {missed:?}");
    assert!(invented.is_empty(), "the report invents {invented:?}");

    // Where the truth names the entries it planted, the report's finding cites them.
    for f in truth["findings"].as_array().unwrap() {
        let Some(entries) = f["entries"].as_array() else {
            continue;
        };
        let (kind, subject) = (f["kind"].as_str().unwrap(), f["subject"].as_str().unwrap());
        let tag = format!(
            "data-kind=\"{kind}\" data-subject=\"{}\"",
            subject.replace('&', "&amp;").replace('"', "&quot;")
        );
        let at = html
            .find(&tag)
            .unwrap_or_else(|| panic!("no finding {tag}"));
        let cited = &html[at..at + html[at..].find("</li>").unwrap()];
        for e in entries {
            let e = e.as_u64().unwrap();
            assert!(
                cited.contains(&format!("href=\"#entry-{e}\"")),
                "the report's {kind} finding at {subject} does not cite entry {e}: {cited}"
            );
        }
    }
    // The PVT beside the official result, from the sample recorded in the log; and nothing
    // planted that it could see.
    assert!(html.contains("audit comfrel-pvt, recorded in the log"));
    assert!(!listed.iter().any(|(k, _)| k == "pvt_outside"));

    // Self-contained: nothing is fetched from elsewhere.
    for outside in ["src=\"http", "href=\"http", "<script", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "the report refers outside: {outside}"
        );
    }

    // A proof taken from the report: the amended form's first version.
    let at = html.find("data-kind=\"amended_form\"").unwrap();
    let cited = &html[at..at + html[at..].find("</li>").unwrap()];
    let index: u64 = cited
        .split("href=\"#entry-")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .parse()
        .unwrap();
    let entry = download(&html, &format!("entry-{index}.json"));
    let proof = download(&html, &format!("entry-{index}.tlog-proof"));
    let keys = Cambodia2013::new(scale, seed).keys;
    let policy = Policy::k_of_n(
        keys.log.vkey(),
        vec![keys.witness_cpp.vkey(), keys.witness_cnrp.vkey()],
        2,
    )
    .unwrap();
    let parsed = InclusionProof::parse(&proof).unwrap();
    assert_eq!(parsed.index, index);
    let cp = parsed.verify(&entry, &policy).unwrap();
    assert!(cp.size > index);
    assert!(String::from_utf8_lossy(&entry).contains("\"result_form\""));
    // The proof is for that entry, not any: a changed byte fails.
    let mut changed = entry.clone();
    let last = changed.len() / 2;
    changed[last] ^= 1;
    assert!(parsed.verify(&changed, &policy).is_err());
}
