//! Roll diffs on a synthetic election (Cambodia 2013's shape at 1/200) with a planted deletion
//! wave: background removals everywhere, a wave in the three communes where the CNRP polled
//! best, and a one-party removal batch that never takes effect. The diff between the log sizes
//! before and after flags exactly the three, with each removal's approvers, in the election
//! directory and in a replay of its published log; a diff of two CSV snapshots counts the same
//! changes without approvals.
//!
//! To run it on engineer C's generated roll with its planted wave instead, replace `election`
//! and `plant` with that generator's election and removal submissions; the assertions only
//! need the planted communes' codes.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use ledger::Election;
use ledger::event::*;
use review::Review;
use review::roll::{DiffSpec, diff_log, diff_snapshots};
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

const EVIDENCE: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";

struct Planted {
    election: Option<Election>,
    e: Cambodia2013,
    /// Log sizes before and after the removals.
    from: u64,
    to: u64,
    wave: BTreeSet<String>,
    one_party: String,
    /// The voters on the roll at `from`: (voter, station).
    roll: Vec<(String, String)>,
    removed: BTreeSet<String>,
}

fn asked(e: &Cambodia2013) -> Vec<String> {
    vec![
        e.keys.members[0].name().into(),
        e.keys.members[4].name().into(),
    ]
}

fn approve(election: &mut Election, e: &Cambodia2013, proposal: &str, who: &[usize]) -> bool {
    let entries: Vec<Vec<u8>> = who
        .iter()
        .map(|&i| {
            Entry::signed(
                Event::Approval(Approval {
                    proposal: proposal.into(),
                }),
                &e.keys.members[i],
            )
            .to_bytes()
        })
        .collect();
    let r = election.submit(&entries).unwrap();
    r.applied.last().unwrap().took_effect()
}

fn remove_batch(election: &mut Election, e: &Cambodia2013, voters: &[String]) -> String {
    let events = voters
        .iter()
        .map(|v| {
            Event::Removal(Removal {
                evidence: EVIDENCE.into(),
                reason: RemovalReason::Deceased,
                voter: v.clone(),
            })
        })
        .collect();
    let entries = build_batch(
        &e.keys.officer,
        Content::Removals,
        events,
        Some(("deaths reported by the communes".into(), asked(e))),
    );
    let r = election.submit(&entries).unwrap();
    r.applied[0].proposal().unwrap().to_string()
}

fn election(dir: &Path) -> (Election, Cambodia2013) {
    let e = Cambodia2013::new(Scale { divisor: 200 }, 2013);
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: e.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap();
    let mut election = Election::create(log, &e.genesis_entry()).unwrap();
    let id = election.submit(&e.stations_submission()).unwrap().applied[0]
        .proposal()
        .unwrap()
        .to_string();
    election.submit(&e.approvals(&id)).unwrap();
    election.submit(&e.enrolments()).unwrap();
    election.submit(&e.official_forms()).unwrap();
    for p in 0..24 {
        let roll = e.roll_submission(p);
        if roll.is_empty() {
            continue;
        }
        let id = election.submit(&roll).unwrap().applied[0]
            .proposal()
            .unwrap()
            .to_string();
        election.submit(&e.approvals(&id)).unwrap();
    }
    (election, e)
}

/// Background removals of one voter in 100 everywhere; a wave of one in eight in the three
/// communes where the CNRP's official share was highest; a one-party batch of one in five in
/// another commune, which never takes effect; and a few transfers and edits.
fn plant(dir: &Path) -> Planted {
    let (mut election, e) = election(dir);
    let mut roll = Vec::new();
    ledger::report::each_voter::<ledger::report::Error>(election.conn(), |v| {
        roll.push((v.voter, v.station));
        Ok(())
    })
    .unwrap();
    let commune: HashMap<&str, &str> = e
        .stations
        .iter()
        .map(|s| (s.code.as_str(), s.commune.as_str()))
        .collect();
    let by_share = e.communes_by_share(1);
    let wave: BTreeSet<String> = by_share[..3].iter().cloned().collect();
    let quiet = by_share[by_share.len() - 1].clone();
    assert!(by_share.len() >= 20, "{} communes", by_share.len());

    let from = election.log().size();
    let mut background = Vec::new();
    let mut waved = Vec::new();
    let mut one_party = Vec::new();
    for (i, (voter, station)) in roll.iter().enumerate() {
        let c = commune[station.as_str()];
        if wave.contains(c) && i % 8 == 3 {
            waved.push(voter.clone());
        } else if c == quiet && i % 5 == 2 {
            one_party.push(voter.clone());
        } else if i % 100 == 7 {
            background.push(voter.clone());
        }
    }
    let p = remove_batch(&mut election, &e, &background);
    assert!(approve(&mut election, &e, &p, &[0, 1, 4, 5, 8]));
    let p = remove_batch(&mut election, &e, &waved);
    assert!(approve(&mut election, &e, &p, &[0, 1, 4, 5, 8]));
    let one = remove_batch(&mut election, &e, &one_party);
    // Five approvals, all from the CPP and the consensus member: the rule needs two parties.
    assert!(!approve(&mut election, &e, &one, &[0, 1, 2, 3, 8]));

    // A transfer to another commune and an edit.
    let (v1, s1) = &roll[11];
    let other = e
        .stations
        .iter()
        .find(|s| s.commune != commune[s1.as_str()])
        .unwrap();
    let officer = &e.keys.officer;
    let entries = vec![
        Entry::signed(
            Event::Transfer(Transfer {
                station: other.code.clone(),
                voter: v1.clone(),
            }),
            officer,
        )
        .to_bytes(),
        Entry::signed(
            Event::UpdateVoter(UpdateVoter {
                birth_year: Some(1950),
                commitment: None,
                name: None,
                names: None,
                sex: None,
                voter: roll[12].0.clone(),
            }),
            officer,
        )
        .to_bytes(),
    ];
    election.submit(&entries).unwrap();
    let to = election.log().size();
    let removed = background.into_iter().chain(waved).collect();
    Planted {
        election: Some(election),
        e,
        from,
        to,
        wave,
        one_party: one,
        roll,
        removed,
    }
}

fn check(r: &review::roll::RollDiffReport, p: &Planted) {
    let flagged: BTreeSet<String> = r.diff.flagged.iter().cloned().collect();
    assert_eq!(flagged, p.wave, "exactly the planted communes are flagged");
    assert_eq!(r.level, "commune");
    let t = &r.diff.totals;
    assert_eq!(t.removals as usize, p.removed.len());
    assert_eq!(t.before as usize, p.roll.len());
    assert_eq!((t.moved_in, t.moved_out, t.edits), (1, 1, 1));
    // Each removal names the proposal and its approvers, from both parties.
    assert_eq!(r.diff.approvals.len(), 2);
    for a in &r.diff.approvals {
        assert_eq!(a.parties.iter().collect::<Vec<_>>(), ["CNRP", "CPP"]);
        assert_ne!(a.proposal, p.one_party);
        assert_eq!(a.approvers.len(), 5);
    }
    assert!(
        r.diff
            .removed
            .iter()
            .all(|x| x.record.evidence.as_deref() == Some(EVIDENCE))
    );
    // Vote shares stand beside each flagged area.
    for a in r.diff.areas.iter().filter(|a| a.flagged) {
        assert!(a.shares["CNRP"] > 0.0);
    }
    let text = review::roll::render(r);
    assert!(text.contains("FLAGGED: 3 area(s)"), "{text}");
}

#[test]
fn a_planted_deletion_wave_in_three_communes_is_flagged_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let mut p = plant(tmp.path());
    let spec = DiffSpec::default();
    let mut election = p.election.take().unwrap();

    // The published log, replayed by someone who trusts only the log's key.
    let note = election.sign_checkpoint(&p.e.keys.log).unwrap();
    let public = tmp.path().join("public");
    tlog::publish::publish(election.log(), &note, &public, &mut |_, _| {}).unwrap();
    let policy = tlog::Policy::k_of_n(p.e.keys.log.vkey(), vec![], 0).unwrap();
    let replayed = ledger::replay::replay(
        &tlog::verify::DirSource::new(&public),
        &policy,
        None,
        None,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(replayed.digest, election.digest().unwrap());

    let review = Review::of_election(election, "dir").unwrap();
    let r = diff_log(&review, p.from, Some(p.to), &spec).unwrap();
    check(&r, &p);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["flagged"].as_array().unwrap().len(), 3);
    assert_eq!(json["between"], format!("log sizes {} to {}", p.from, p.to));

    let from_log = Review::of_replay(replayed, None, "public").unwrap();
    let again = diff_log(&from_log, p.from, Some(p.to), &spec).unwrap();
    check(&again, &p);
    assert_eq!(again.diff, r.diff, "the replayed log gives the same diff");

    // Nothing changed on the roll just before the removals: nothing is flagged.
    let before = diff_log(&review, p.from - 1, Some(p.from), &spec).unwrap();
    assert!(before.diff.flagged.is_empty());
    assert_eq!(before.diff.totals.removals, 0);

    // Sizes and levels that cannot be, named as parameters.
    let flag = |param: review::Param| format!("{param:?}");
    let e = diff_log(&review, p.to, Some(p.from), &spec).unwrap_err();
    assert_eq!(
        e.render(&flag),
        format!(
            "FromSize {} must be below the second log size {}",
            p.to, p.from
        )
    );
    let e = diff_log(&review, 0, Some(p.to + 5), &spec).unwrap_err();
    assert_eq!(
        e.render(&flag),
        format!(
            "ToSize {} is past the end of the log ({} entries)",
            p.to + 5,
            p.to
        )
    );
    let bad = DiffSpec {
        level: Some("village".into()),
        ..DiffSpec::default()
    };
    let e = diff_log(&review, p.from, None, &bad).unwrap_err();
    assert!(
        e.render(&flag)
            .starts_with("Level \"village\" is not a level"),
        "{e}"
    );
    let bad = DiffSpec {
        contest: Some("senate".into()),
        ..DiffSpec::default()
    };
    assert!(diff_log(&review, p.from, None, &bad).is_err());

    // The same changes from two CSV snapshots of the roll: the same flags, no approvals.
    let roll_at = |removed: &BTreeSet<String>| {
        let mut csv = String::from("id,name,sex,year,station\n");
        for (i, (v, s)) in p.roll.iter().enumerate() {
            if removed.contains(v) {
                continue;
            }
            csv.push_str(&format!("{v},Voter {i},F,1970,{s}\n"));
        }
        csv
    };
    std::fs::write(tmp.path().join("old.csv"), roll_at(&BTreeSet::new())).unwrap();
    std::fs::write(tmp.path().join("new.csv"), roll_at(&p.removed)).unwrap();
    let mapping = interchange::Mapping::parse(MAPPING, "m.toml").unwrap();
    let snap = diff_snapshots(
        &tmp.path().join("old.csv"),
        &tmp.path().join("new.csv"),
        &mapping,
        Some(&review),
        &spec,
    )
    .unwrap();
    let flagged: BTreeSet<String> = snap.diff.flagged.iter().cloned().collect();
    assert_eq!(flagged, p.wave);
    assert_eq!(snap.diff.totals.removals as usize, p.removed.len());
    assert!(snap.diff.approvals.is_empty());
    assert!(
        snap.diff
            .removed
            .iter()
            .all(|r| r.record.proposal.is_none())
    );
    assert!(review::roll::render(&snap).contains("with no approval on record"));
}

const MAPPING: &str = r#"
record = "voter-roll"
[station]
id = "station"
[voter]
id = "id"
name = "name"
sex = "sex"
birth_year = "year"
"#;

#[test]
fn snapshots_that_cannot_be_read_are_refused_by_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let mapping = interchange::Mapping::parse(MAPPING, "m.toml").unwrap();
    let old = tmp.path().join("old.csv");
    let new = tmp.path().join("new.csv");
    std::fs::write(
        &old,
        "id,name,sex,year,station\nV1,A,F,1970,S1\nV2,B,M,1980,S1\n",
    )
    .unwrap();
    std::fs::write(
        &new,
        "id,name,sex,year,station\nV1,A,F,1970,S2\nV1,A,F,1970,S2\n",
    )
    .unwrap();
    let spec = DiffSpec::default();
    let e = diff_snapshots(&old, &new, &mapping, None, &spec).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}:3: voter \"V1\" is listed twice (first on line 2)",
            new.display()
        )
    );
    std::fs::write(&new, "id,name,sex,year,station\nV1,A,F,nineteen,S2\n").unwrap();
    let e = diff_snapshots(&old, &new, &mapping, None, &spec)
        .unwrap_err()
        .to_string();
    assert!(e.contains("new.csv:2: column 3"), "{e}");
    let e = diff_snapshots(&old, &tmp.path().join("missing.csv"), &mapping, None, &spec)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.csv"), "{e}");

    // Without an election, each station stands as its own area.
    std::fs::write(
        &new,
        "id,name,sex,year,station\nV1,A,M,1970,S2\nV3,C,F,1990,S1\n",
    )
    .unwrap();
    let r = diff_snapshots(&old, &new, &mapping, None, &spec).unwrap();
    let t = &r.diff.totals;
    assert_eq!((t.additions, t.removals, t.moved_in, t.edits), (1, 1, 1, 0));
    assert_eq!(r.level, "station");
}
