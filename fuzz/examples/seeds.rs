//! Writes a seed corpus for every fuzz target into `corpus/<target>/` (or the directory given
//! as the first argument). The seeds are valid inputs built with the real code, so the fuzzer
//! starts from deep inside each parser rather than from nothing.
//!
//! Run from `fuzz/`: `cargo run --release --example seeds`.

use std::path::PathBuf;
use tlog::note::{add_signatures, checkpoint_text, sign_checkpoint};
use tlog::proof_file::InclusionProof;
use tlog::tile::{TileId, push_bundle_entry};
use tlog::witness::AddCheckpoint;
use tlog_fuzz::{entries, log_key, mth, new_log, witness_keys};

fn main() {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "corpus".into()));
    let mut n = 0;
    let mut put = |target: &str, name: &str, bytes: &[u8]| {
        let dir = out.join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
        n += 1;
    };

    // Notes and checkpoints.
    let root = mth(&entries(5));
    let note = sign_checkpoint(&log_key(), 5, root);
    let text = checkpoint_text(tlog_fuzz::ORIGIN, 5, root);
    let cosigs: Vec<_> = witness_keys()
        .iter()
        .map(|w| w.sign_note(&text, 1_700_000_000))
        .collect();
    let cosigned = add_signatures(&note, &cosigs).unwrap();
    put("note", "raw-log-only", &[&[0u8, 0][..], &note].concat());
    put("note", "raw-cosigned", &[&[0u8, 0][..], &cosigned].concat());
    let sigs_only: Vec<u8> = cosigs.iter().flat_map(|s| s.to_bytes()).collect();
    put(
        "note",
        "raw-signature-lines",
        &[&[0u8, 0][..], &sigs_only].concat(),
    );
    for flags in [
        0b0000_0011u8,
        0b0000_1111,
        0b0001_1111,
        0b0011_0111,
        0b0100_1011,
        0b1000_1111,
    ] {
        let text = &text[..text.len() - 1];
        put(
            "note",
            &format!("signed-{flags:08b}"),
            &[&[flags, 3][..], text].concat(),
        );
    }

    // Keys.
    put("keys", "log-vkey", log_key().vkey().to_string().as_bytes());
    put(
        "keys",
        "witness-vkey",
        witness_keys()[0].vkey().to_string().as_bytes(),
    );
    put("keys", "log-skey", log_key().to_skey().as_bytes());
    put(
        "keys",
        "witness-skey",
        witness_keys()[0].to_skey().as_bytes(),
    );
    put(
        "keys",
        "c2sp-vkey",
        b"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
    );

    // Policies (the target substitutes real keys for $L, $I, $W1..$W3).
    put("policy", "two-of-three", b"log $L\nwitness w1 $W1\nwitness w2 $W2\nwitness w3 $W3 https://w3.example/\ngroup g 2 w1 w2 w3\nquorum g\n");
    put("policy", "nested", b"# nested groups\nlog $L https://log.example/\nlog $I\nwitness a $W1\nwitness b $W2\nwitness c $W3\ngroup ab any a b\ngroup top all ab c\nquorum top\n");
    put("policy", "none", b"log $L\nquorum none\n");
    // Each group names the two before it: must be refused quickly, not fill memory.
    let mut doubling =
        String::from("log $L\nwitness a $W1\nwitness b $W2\ngroup g0 any a b\ngroup g1 any a g0\n");
    for i in 2..40 {
        doubling.push_str(&format!("group g{i} any g{} g{}\n", i - 1, i - 2));
    }
    doubling.push_str("quorum g39\n");
    put("policy", "doubling", doubling.as_bytes());

    // Proof files and the add-checkpoint requests, from a real log of 40 entries.
    let tmp = tempfile::tempdir().unwrap();
    let mut log = new_log(tmp.path());
    log.append(&entries(40)).unwrap();
    for (index, size) in [
        (0u64, 1u64),
        (3, 5),
        (0, 40),
        (17, 40),
        (39, 40),
        (255 % 40, 33),
    ] {
        let proof = InclusionProof {
            extra: (index % 2 == 1).then(|| b"extra".to_vec()),
            index,
            proof: log.prove_inclusion(index, size).unwrap(),
            checkpoint: sign_checkpoint(&log_key(), size, log.root_at(size).unwrap()),
        };
        put(
            "proof_file",
            &format!("{index}-of-{size}"),
            &[&[index as u8][..], &proof.to_bytes()].concat(),
        );
    }
    for (old, size) in [(0u64, 0u64), (0, 10), (10, 30), (30, 30), (1, 40)] {
        let req = AddCheckpoint {
            old_size: old,
            proof: log.prove_consistency(old, size).unwrap(),
            checkpoint: sign_checkpoint(&log_key(), size, log.root_at(size).unwrap()),
        };
        put(
            "witness_request",
            &format!("{old}-to-{size}"),
            &req.to_bytes(),
        );
        // As a raw request to the end-to-end witness target: op 0, two-byte length, body.
        let body = req.to_bytes();
        let mut raw = vec![0u8];
        raw.extend_from_slice(&(body.len() as u16).to_be_bytes());
        raw.extend_from_slice(&body);
        raw.extend_from_slice(&[0, 0]);
        put("witness", &format!("raw-{old}-to-{size}"), &raw);
    }

    // The witness target's built requests: op, which, size, old, proof mode, signer, flip (2).
    let grow = |which: u8, size: u8| [1u8, which, size, 0x80, 0, 0, 0, 0];
    put(
        "witness",
        "grow",
        &[grow(0, 10), grow(0, 30), grow(0, 40)].concat(),
    );
    put(
        "witness",
        "grow-then-fork",
        &[grow(0, 25), grow(1, 30)].concat(),
    );
    put(
        "witness",
        "fork-within-shared",
        &[grow(1, 15), grow(0, 20), grow(1, 40)].concat(),
    );
    put(
        "witness",
        "other-log",
        &[grow(0x80, 5), grow(0, 5), grow(0x81, 9)].concat(),
    );
    put(
        "witness",
        "bad-proofs",
        &[
            grow(0, 10),
            [1, 0, 20, 0x80, 2, 0, 0, 0],
            [1, 0, 20, 0x80, 3, 0, 0, 0],
            [1, 0, 20, 0x80, 4, 0, 0, 0],
        ]
        .concat(),
    );
    put(
        "witness",
        "signers",
        &[
            [1u8, 0, 10, 0, 0, 1, 0, 0],
            [1, 0, 10, 0, 0, 2, 0, 0],
            [1, 0, 10, 0, 0, 3, 0, 0],
            [1, 0, 10, 0, 0, 4, 0, 0],
        ]
        .concat(),
    );
    let mut made_up = vec![1u8, 2, 7, 0, 1];
    made_up.extend_from_slice(&[0xab; 32]);
    made_up.extend_from_slice(&[0, 0, 0]);
    put(
        "witness",
        "made-up-root",
        &[&made_up[..], &grow(0, 12)].concat(),
    );

    // Tile paths.
    for (i, id) in [
        TileId::hashes(0, 0, 256),
        TileId::hashes(0, 1, 5),
        TileId::hashes(1, 1_234_067, 256),
        TileId::hashes(2, 999, 255),
        TileId::entries(1000, 1),
        TileId::entries(u64::MAX, 256),
    ]
    .iter()
    .enumerate()
    {
        put("tile_path", &format!("path-{i}"), id.path().as_bytes());
    }

    // Entry bundles: the expected count, then the bundle.
    for size in [0usize, 1, 3, 256] {
        let mut bundle = (size as u16).to_be_bytes().to_vec();
        for e in entries(size as u64) {
            push_bundle_entry(&mut bundle, &e).unwrap();
        }
        put("bundle", &format!("bundle-{size}"), &bundle);
    }

    // The verifier: every fixture log untouched, seen before, rewritten, and lightly damaged.
    for i in 0..tlog_fuzz::SIZES.len() as u8 {
        put("verify_log", &format!("log{i}"), &[i, 0, 0]);
        put(
            "verify_log",
            &format!("log{i}-seen"),
            &[i, 2, i.saturating_sub(2)],
        );
        put(
            "verify_log",
            &format!("log{i}-rewritten"),
            &[i, 3, i, 1, 2, b'h', b'i', 3],
        );
        put(
            "verify_log",
            &format!("log{i}-flip"),
            &[i, 0, 0, 0, 1, 0, 7, 0x40],
        );
    }
    election_seeds(&mut put);
    interchange_seeds(&mut put);
    observer_seeds(&mut put);
    println!("wrote {n} seeds to {}", out.display());
}

/// Seeds of the `ledger` targets: `event`, `fold` and `config`.
fn election_seeds(put: &mut dyn FnMut(&str, &str, &[u8])) {
    use tlog_fuzz::election::samples;
    // Entries: every sample as it is, picked for mutation, and generated events of every kind.
    for (i, s) in samples().iter().enumerate() {
        put("event", &format!("raw-{i}"), &[&[0u8][..], s].concat());
        put(
            "event",
            &format!("sample-{i}"),
            &[1, i as u8, 1, 0, 0, 3, 0],
        );
        put("fold", &format!("sample-{i}"), &[9, i as u8]);
    }
    for kind in 0..14u8 {
        put("event", &format!("generated-{kind}"), &[2, kind]);
        put("fold", &format!("signed-{kind}"), &[2, 0, kind]);
    }
    for audit in 0..3u8 {
        put(
            "event",
            &format!("generated-audit-{audit}"),
            &[2, 13, 0, audit],
        );
    }

    // The fold, from the base state: signed events by the right keys, batches, approvals.
    // Signer indexes: 0-8 members, 9 clerk, 10 officer, 11 official, 12 agent, 13 observer,
    // 14 witness, 15 officer of P1, 16 official of D11, 17 observer of P2, 18 stranger.
    // Each comment says what the bytes build; `SCRUTINEER_FUZZ_TRACE=1` shows it.
    let fold: &[(&str, &[u8])] = &[
        // Approvals by b1, b2, b3: the voter removal (two approvals of party A) takes effect.
        ("approve-removal", &[7, 0, 0x00, 0x70]),
        // Five approvals of both parties for the certification and the station change.
        ("approve-certify", &[7, 1, 0x01, 0x33]),
        ("approve-station", &[7, 2, 0x01, 0x33]),
        // An approval of a rejected proposal.
        ("approve-rejected", &[7, 3, 0x00, 0x10]),
        // The official form of S-D12 in the mayor race: c1 30, c2 25, 3 invalid, ballots
        // issued and received, 80 registered.
        (
            "form-official",
            &[2, 11, 12, 1, 2, 0, 30, 0, 25, 6, 3, 2, 1, 1, 80, 0, 1, 0],
        ),
        // The officer registers V010 at S-D11, updates V003 and moves V003 to S-D21.
        ("register", &[2, 10, 5, 61, 0, 0, 0, 0, 10, 0]),
        ("update", &[2, 10, 6, 1, 62, 0, 0, 1, 1, 3, 0]),
        ("transfer", &[2, 10, 7, 2, 3, 0]),
        // The officer registers V010 and V011 in one ungoverned batch.
        (
            "batch-registrations",
            &[
                5, 10, 2, 1, 0, 2, 61, 0, 0, 0, 0, 10, 0, 2, 62, 0, 0, 1, 1, 11, 0, 0,
            ],
        ),
        // The clerk proposes a batch of one new station, S-D99 in D11; five approvals follow.
        (
            "batch-governed-station",
            &[5, 9, 1, 0, 0, 1, 2, 4, 0, 1, 100, 1, 0, 7, 4, 0x01, 0x33],
        ),
        // The clerk proposes removing V004; five approvals follow.
        (
            "propose-then-approve",
            &[2, 9, 8, 0, 0, 4, 0, 0, 0, 7, 4, 0x01, 0x33],
        ),
        // Two registrations by the officer in one submission.
        (
            "several",
            &[
                8, 0, 10, 5, 61, 0, 0, 0, 0, 10, 0, 10, 5, 62, 0, 0, 0, 0, 11, 0,
            ],
        ),
        // Party A's agent reveals the seed of its committed audit, then records a sample.
        (
            "audit",
            &[2, 12, 13, 1, 1, 0, 0, 0, 2, 12, 13, 1, 2, 2, 0, 1, 1, 0],
        ),
        // Entries already in the log, again: the genesis, and a batch member.
        ("duplicate-genesis", &[1, 0, 0]),
        ("duplicate-member", &[1, 0, 5]),
    ];
    for (name, bytes) in fold {
        put("fold", name, bytes);
    }

    // Configurations: the documented example, with the fixture's keys.
    let mut config = String::from(
        "election = \"National Assembly election 2013\"\norigin = \"elections.example/kh-2013\"\n\
         levels = [\"province\", \"district\", \"commune\"]\nbulk_threshold = 100\n\n\
         [rule]\nmin_approvals = 5\nmin_parties = 2\nevery_party_asked = true\n\n\
         [[party]]\nid = \"CPP\"\nname = \"Cambodian People's Party\"\n\n\
         [[party]]\nid = \"CNRP\"\nname = \"Cambodia National Rescue Party\"\n",
    );
    let names = ["a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4", "c"];
    for (i, name) in names.iter().enumerate() {
        let party = match i {
            0..=3 => "party = \"CPP\"\n",
            4..=7 => "party = \"CNRP\"\n",
            _ => "",
        };
        config.push_str(&format!(
            "\n[[member]]\nname = \"nec.{name}\"\nperson = \"Member {i}\"\n{party}vkey = \"$M{}\"\n",
            i + 1
        ));
    }
    let keys = "\n[[key]]\nname = \"nec.clerk\"\nrole = \"commission_clerk\"\nscope = \"all\"\nvkey = \"$K1\"\n\
                \n[[key]]\nname = \"agent.a\"\nrole = \"party_agent\"\nparty = \"CPP\"\nscope = \"all\"\nvkey = \"$K4\"\n\
                \n[[key]]\nname = \"obs.watch\"\nrole = \"observer\"\norganisation = \"watch\"\nscope = \"all\"\nvkey = \"$K5\"\n";
    let contests = "\n[[contest]]\nid = \"na-2013\"\nname = \"National Assembly\"\nkind = \"party_list\"\n\
                    constituency_level = \"province\"\nmethod = \"dhondt\"\n\
                    choices = [{ id = \"CPP\", name = \"CPP\", party = \"CPP\" }, { id = \"CNRP\", name = \"CNRP\", party = \"CNRP\" }]\n\
                    seats = { \"01\" = 6, \"02\" = 8 }\n\
                    \n[[contest]]\nid = \"mayor\"\nname = \"Mayor\"\nkind = \"candidates\"\n\
                    constituency_level = \"commune\"\nmethod = \"sainte_lague\"\n\
                    choices = [{ id = \"c1\", name = \"Sok\" }]\nseats = { \"0101\" = 1 }\n";
    put("config", "minimal", config.as_bytes());
    put(
        "config",
        "full",
        format!("{config}{keys}{contests}").as_bytes(),
    );
    put(
        "config",
        "largest-remainder",
        format!(
            "{config}{}",
            contests.replace("dhondt", "largest_remainder")
        )
        .as_bytes(),
    );
}

/// Seeds of the `interchange` targets: `mapping`, `csv_rows`, `cdf` and `recount`.
fn interchange_seeds(put: &mut dyn FnMut(&str, &str, &[u8])) {
    use std::io::Write;
    use tlog_fuzz::rows::CASES;
    for (i, case) in CASES.iter().enumerate() {
        put("mapping", case.name, case.mapping.as_bytes());
        put(
            "mapping",
            &format!("{}-with-rows", case.name),
            &[case.mapping.as_bytes(), &[0], case.csv].concat(),
        );
        let i = i as u8;
        put("csv_rows", case.name, &[&[i, 0][..], case.csv].concat());
        put(
            "csv_rows",
            &format!("{}-gz", case.name),
            &[&[i, 1][..], case.csv].concat(),
        );
        put(
            "csv_rows",
            &format!("{}-zip", case.name),
            &[&[i, 2][..], case.csv].concat(),
        );
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(case.csv).unwrap();
        put(
            "csv_rows",
            &format!("{}-raw-gz", case.name),
            &[&[i, 3][..], &gz.finish().unwrap()].concat(),
        );
    }
    // The first rows of the real Russian and Indonesian files, where ../shared is present.
    for (i, name, file) in [
        (
            0u8,
            "russia-real",
            "../../shared/data/russia/duma-2011.csv.zip",
        ),
        (
            2,
            "indonesia-real",
            "../../shared/data/indonesia/kawalpemilu-2019-jakarta-bali-yogyakarta-aceh.csv.gz",
        ),
    ] {
        let Ok(mut data) = interchange::open_data(std::path::Path::new(file)) else {
            continue;
        };
        let mut head = vec![0u8; 4096];
        let mut got = 0;
        while got < head.len() {
            match std::io::Read::read(&mut data, &mut head[got..]) {
                Ok(0) | Err(_) => break,
                Ok(k) => got += k,
            }
        }
        head.truncate(got);
        if let Some(end) = head.iter().rposition(|&b| b == b'\n') {
            head.truncate(end + 1);
        }
        put("csv_rows", name, &[&[i, 0][..], &head].concat());
    }

    // CDF: the fixture's export as it is, and picked for mutation.
    let report = serde_json::to_vec(tlog_fuzz::cdf::report()).unwrap();
    put("cdf", "export", &[&[0u8][..], &report].concat());
    put(
        "cdf",
        "export-pretty",
        &[
            &[0u8][..],
            &serde_json::to_vec_pretty(tlog_fuzz::cdf::report()).unwrap(),
        ]
        .concat(),
    );
    put("cdf", "untouched", &[1, 0]);
    put("cdf", "one-mutation", &[1, 1, 0, 40, 3, 0]);
    put("cdf", "two-mutations", &[1, 2, 1, 7, 2, 0, 0, 200, 1, 0]);

    // Recount files: ballot marks, and station counts under the default header or a mapping.
    put(
        "recount",
        "ballots",
        b"\0ballot,choice,note\nS1:1,A\nS1:2,blue party\n\nS2:10,blank\nS2:11,-\nX:1,A\n",
    );
    put(
        "recount",
        "ballots-bad-mark",
        b"\0Choice,Ballot\nC,S1:3\nnobody,S1:4\n",
    );
    put(
        "recount",
        "stations",
        b"\x01station,A,B,C,ballots_cast\nS1,3,4,5,12\nS2,,1,0,\n",
    );
    put(
        "recount",
        "stations-mapped",
        b"\x02uik,c,blue,a\nS1,5,6,7\nS2,0,0,1\n",
    );

    // Names: Khmer script typed in several orders, with invisibles, romanised and Latin names.
    for (i, name) in [
        "ស៊ី",
        "សុី",
        "ស្រ្តី",
        "ខែ្មរ",
        "សំុា",
        "ទ្ប",
        "ស៉េីប",
        "សុខ\u{200B}ជា",
        "\u{17A4}\u{17B4}",
        "Sam Rainsy",
        "Sâm Rôngsi",
        "Sam Raṅs′ī",
        "CHEA SYHA",
        "Chhan-Norng",
        "O'Neil  Müller",
        "ជា សីហា Chea Seiha",
    ]
    .iter()
    .enumerate()
    {
        put("names", &format!("name-{i}"), name.as_bytes());
    }

    // Find my name: queries (first byte even: the filters), and the real index (odd).
    for (i, (choice, query)) in [
        (0u8, "Sok Dara"),
        (6, "Dara Sok 0101"),
        (0, "ដារា សុខ"),
        (2, "សុខដារ"),
        (4, "Chhan Sophia 01"),
        (0, "Sok ដារា"),
        (0, "  \u{7} "),
    ]
    .iter()
    .enumerate()
    {
        put(
            "roll_find",
            &format!("query-{i}"),
            &[&[*choice][..], query.as_bytes()].concat(),
        );
    }
    put(
        "roll_find",
        "index",
        &[&[1u8][..], tlog_fuzz::rollindex::bytes()].concat(),
    );

    // `removals`: CSV (first byte even) and JSON lines (odd), with and without evidence given.
    for (i, (kind, text)) in [
        (
            0u8,
            "voter,reason,evidence\nKH1,deceased,\nKH2,duplicate,abab\n",
        ),
        (
            0,
            "voter,reason,kept,score\nKH1,duplicate,KH9,0.97\n\"KH,3\",own_request,,\n",
        ),
        (0, "id,why\nKH1,gone\n"),
        (
            1,
            "{\"voter\":\"KH1\",\"reason\":\"deceased\"}\n\nnot json\n",
        ),
        (
            1,
            "{\"voter\":\"KH2\",\"reason\":\"court_order\",\"evidence\":\"00\",\"x\":[1]}\n",
        ),
    ]
    .iter()
    .enumerate()
    {
        for given in [0u8, 1] {
            put(
                "removals",
                &format!("removals-{i}-{given}"),
                &[&[*kind, given][..], text.as_bytes()].concat(),
            );
        }
    }
}

/// Seeds of the `observer` targets: `observer_forms` and `observer_sms`.
fn observer_seeds(put: &mut dyn FnMut(&str, &str, &[u8])) {
    // `observer_forms`: the repository's definitions, whole and one form at a time.
    let forms = include_str!("../../forms/cambodia-observer.toml");
    put("observer_forms", "cambodia-observer", forms.as_bytes());
    for (i, part) in forms.split("\n[[form]]\n").skip(1).enumerate() {
        put(
            "observer_forms",
            &format!("form-{i}"),
            format!("[[form]]\n{part}").as_bytes(),
        );
    }
    // `observer_sms`: messages of every form, good and bad.
    for (i, text) in [
        "OPN 100234 AA5AB2AC1AD1AE3AF12",
        "0PN 1OO240 AA5 ABI ACl AD1 AEO @ballot box sealed at 6:45",
        "OPN 100237 X17 AA2AB2AC1AD1AE4",
        "MID 100234 BA25BB3BC1BD1",
        "CLS 100235 CA2 CB I5 CC I2",
        "CNT 100234 DA600DB600DC450DD5DE150DF440DG10DH250DJ180DK10DM2 @agents left",
        "CNT ១០០២៣៤ DA៦០០ DB600 DP1 DQ2",
        "OPN 100251 AA15AB9AE0AA6ZZ3 all good",
        "INC 100234 EA3 @ink washes off",
        "ZZ 100234 AA1",
    ]
    .iter()
    .enumerate()
    {
        put("observer_sms", &format!("sms-{i}"), text.as_bytes());
    }
}
