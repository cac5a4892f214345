//! `scrutineer demo` runs end to end and shows each check catching what it should.

#[test]
fn the_demo_governs_publishes_replays_and_catches_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["demo", "--scale", "1/100", "--dir"])
        .arg(tmp.path().join("demo"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for want in [
        "after 3 approvals: still pending",
        "after 5 approvals (CPP, CPP, CNRP, CNRP, consensus): in effect",
        "the commission certified 24 of 24",
        "approved by the four CPP members and the consensus member: still pending",
        "a CNRP member approves too: in effect",
        "0 entries refused",
        "matches the commission's published digest",
        "seats by D'Hondt in each constituency: CNRP 55, CPP 68",
        "the official shares are inside the PVT's 95% intervals",
        "a risk-limiting audit of the official count (MACRO, 5% risk) starts with",
        "verify refuses it: entry",
        "the CPP's own witness refuses to cosign it",
        "the log forked",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // The replay command it prints for the reader works and agrees.
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("scrutineer replay "))
        .unwrap()
        .trim();
    let args = shell_words(line.strip_prefix("scrutineer ").unwrap());
    let replay = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(&args)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&replay.stdout);
    assert!(
        replay.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(
        out.contains("matches the digest the commission published"),
        "{out}"
    );
    assert!(out.contains("CNRP 55, CPP 68"), "{out}");

    // `scrutineer report` on the election directory writes the same findings, each entry
    // with a proof that `scrutineer verify --proof` accepts.
    let dir = tmp.path().join("demo");
    let html = dir.join("again.html");
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .arg("report")
        .arg(dir.join("election"))
        .arg("--out")
        .arg(&html)
        .arg("--no-dedup")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&made.stdout);
    assert!(
        made.status.success(),
        "{said}\n{}",
        String::from_utf8_lossy(&made.stderr)
    );
    // The public site is written beside the publication.
    let site = dir.join("public/site");
    assert!(
        site.join("index.html").is_file(),
        "no site in {}",
        site.display()
    );
    assert!(
        std::fs::read_dir(site.join("data")).unwrap().count() > 3,
        "the site has no data files"
    );
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("truth.json")).unwrap()).unwrap();
    let planted = truth["findings"].as_array().unwrap().len();
    assert!(
        said.starts_with(&format!("{planted} findings in 11 reviews")),
        "{said}"
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let at = page.find("download=\"entry-").unwrap();
    let index: String = page[at + 16..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    for file in [
        format!("entry-{index}.json"),
        format!("entry-{index}.tlog-proof"),
    ] {
        let at = page.find(&format!("download=\"{file}\"")).unwrap();
        let data = &page[at..];
        let data = &data[data.find(";base64,").unwrap() + 8..];
        let data = &data[..data.find('"').unwrap()];
        std::fs::write(
            dir.join(&file),
            base64::Engine::decode(&base64::prelude::BASE64_STANDARD, data).unwrap(),
        )
        .unwrap();
    }
    let vkey = args[args.iter().position(|a| a == "--vkey").unwrap() + 1].clone();
    let verified = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .arg("verify")
        .arg("--proof")
        .arg(dir.join(format!("entry-{index}.tlog-proof")))
        .args(["--vkey", &vkey])
        .arg(dir.join(format!("entry-{index}.json")))
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
}

/// Splits the demo's printed command, which quotes keys in single quotes.
fn shell_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in s.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}
