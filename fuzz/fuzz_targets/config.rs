//! The election configuration: `ledger::config::parse`.
//!
//! Input: the TOML text. `$M1`–`$M9` are replaced by the vkeys of the fixture's nine members
//! and `$K1`–`$K6` by those of its clerk, officer, official, party agent, observer and
//! witness, so the fuzzer can write configurations with real keys without inventing them.
//!
//! Properties: never a panic; every error has a message. `parse` promises to check a
//! configuration "as a genesis would be checked", so a configuration it accepts must become a
//! genesis entry that `Entry::parse` accepts, and, when every member's key is one of the
//! fixture's (so the harness can sign for all of them), a genesis that the fold takes as the
//! first entry of a new election.
#![no_main]

use ledger::Fold;
use ledger::event::{Entry, Event};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use tlog::PrivateKey;
use tlog_fuzz::election::keys;

fn substitutions() -> &'static [(String, String)] {
    static S: OnceLock<Vec<(String, String)>> = OnceLock::new();
    S.get_or_init(|| {
        let k = keys();
        let mut v: Vec<(String, String)> = k
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (format!("$M{}", i + 1), m.vkey().to_string()))
            .collect();
        for (i, key) in [
            &k.clerk,
            &k.officer,
            &k.official,
            &k.agent,
            &k.observer,
            &k.witness,
        ]
        .iter()
        .enumerate()
        {
            v.push((format!("$K{}", i + 1), key.vkey().to_string()));
        }
        v
    })
}

fn our_key(vkey: &str) -> Option<&'static PrivateKey> {
    keys()
        .all()
        .into_iter()
        .find(|k| k.vkey().to_string() == vkey)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut text = text.to_string();
    for (k, v) in substitutions() {
        text = text.replace(k.as_str(), v);
    }
    let g = match ledger::config::parse(&text) {
        Ok(g) => g,
        Err(e) => {
            assert!(!e.trim().is_empty(), "empty error");
            return;
        }
    };
    let signers: Option<Vec<&PrivateKey>> = g.members.iter().map(|m| our_key(&m.vkey)).collect();
    let entry = match &signers {
        Some(signers) => {
            let mut entry = Entry::genesis(g.clone(), signers[0]);
            for s in &signers[1..] {
                entry.cosign(s);
            }
            entry
        }
        None => Entry {
            author: Some(g.members[0].name.clone()),
            batch: None,
            event: Event::Genesis(g.clone()),
            cosigs: vec![],
            sig: None,
        },
    };
    let bytes = entry.to_bytes();
    if let Err(e) = Entry::parse(&bytes) {
        panic!("the configuration parses but its genesis entry is refused: {e}");
    }
    if signers.is_some() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        ledger::state::create(&conn).unwrap();
        if let Err(r) = Fold::new().apply(&conn, 0, &bytes) {
            panic!("the configuration parses but the fold refuses its genesis: {r}");
        }
    }
});
