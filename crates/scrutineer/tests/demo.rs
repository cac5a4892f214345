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
    let line = text.lines().last().unwrap().trim();
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
