//! The election configuration: what `config::parse` accepts must make a genesis that the log
//! takes. Each case here was found by the `config` fuzz target (fuzz/README.md).

mod common;

use common::*;
use ledger::event::Entry;
use ledger::{Election, config};

/// Two members of two parties and whatever `extra` adds.
fn config_text(extra: &str) -> String {
    let mut text = String::from(
        "election = \"Test\"\norigin = \"elections.test/assembly\"\nlevels = [\"province\"]\n\
         [rule]\nmin_approvals = 2\nmin_parties = 2\nevery_party_asked = false\n\
         [[party]]\nid = \"A\"\nname = \"Party A\"\n[[party]]\nid = \"B\"\nname = \"Party B\"\n",
    );
    for (name, party, seed) in [("m.a", "A", 40), ("m.b", "B", 41)] {
        text.push_str(&format!(
            "[[member]]\nname = \"{name}\"\nperson = \"{name}\"\nparty = \"{party}\"\nvkey = \"{}\"\n",
            key(name, seed).vkey()
        ));
    }
    text.push_str(extra);
    text
}

fn refused(extra: &str) -> String {
    match config::parse(&config_text(extra)) {
        Ok(g) => panic!("accepted: {g:?}"),
        Err(e) => e,
    }
}

#[test]
fn a_good_configuration_makes_a_genesis_the_log_takes() {
    let clerk = key("clerk", 42);
    let g = config::parse(&config_text(&format!(
        "[[key]]\nname = \"clerk\"\nrole = \"commission_clerk\"\nscope = \"all\"\nvkey = \"{}\"\n",
        clerk.vkey()
    )))
    .unwrap();
    let mut entry = Entry::genesis(g, &key("m.a", 40));
    entry.cosign(&key("m.b", 41));
    let dir = tempfile::tempdir().unwrap();
    Election::create(new_log(dir.path(), &key(ORIGIN, 1)), &entry.to_bytes()).unwrap();
}

#[test]
fn genesis_keys_are_checked_as_the_fold_checks_them() {
    let k = key("agent", 43);
    let e = refused(&format!(
        "[[key]]\nname = \"agent.x\"\nrole = \"observer\"\norganisation = \"o\"\nscope = \"all\"\nvkey = \"{}\"\n",
        k.vkey()
    ));
    assert!(
        e.starts_with("keys[0].name:") && e.contains("differs"),
        "{e}"
    );
    let e = refused(&format!(
        "[[key]]\nname = \"agent\"\nrole = \"party_agent\"\nscope = \"all\"\nvkey = \"{}\"\n",
        k.vkey()
    ));
    assert!(e.starts_with("keys[0].party:"), "{e}");
    let e = refused(&format!(
        "[[key]]\nname = \"agent\"\nrole = \"observer\"\nscope = \"all\"\nvkey = \"{}\"\n",
        k.vkey()
    ));
    assert!(e.starts_with("keys[0].organisation:"), "{e}");
}

#[test]
fn what_an_entry_cannot_carry_is_refused() {
    let e = config::parse(&format!(
        "bulk_threshold = 9007199254740992\n{}",
        config_text("")
    ))
    .unwrap_err();
    assert!(
        e.starts_with("bulk_threshold:") && e.contains("2^53"),
        "{e}"
    );
    let e = refused(
        "[[contest]]\nid = \"c\"\nname = \"C\"\nkind = \"party_list\"\nconstituency_level = \"province\"\n\
         method = \"dhondt\"\nchoices = [{ id = \"A\", name = \"A\" }]\nseats = { \"\u{10000}\" = 1, \"\u{ffff}\" = 1 }\n",
    );
    assert!(e.starts_with("contests[0].seats."), "{e}");
}

#[test]
fn every_founding_member_signs_the_genesis_and_nobody_else() {
    let g = config::parse(&config_text("")).unwrap();
    let (a, b) = (key("m.a", 40), key("m.b", 41));
    assert!(config::sign_genesis(&g, &key("stranger", 43)).is_none());
    let mut sigs: std::collections::BTreeMap<String, String> = [&a, &b]
        .iter()
        .map(|k| config::sign_genesis(&g, k).unwrap())
        .collect();
    let mut only_a = sigs.clone();
    only_a.remove("m.b");
    assert_eq!(
        config::signed_genesis(&g, only_a).unwrap_err(),
        "every founding member must sign the genesis; missing: m.b"
    );
    let entry = config::signed_genesis(&g, sigs.clone()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    Election::create(new_log(tmp.path(), &key(ORIGIN, 1)), &entry.to_bytes()).unwrap();
    sigs.insert("intruder".into(), "c2ln".into());
    assert_eq!(
        config::signed_genesis(&g, sigs).unwrap_err(),
        "\"intruder\" signed but is not a founding member"
    );
}
