//! `scrutineer demo` runs end to end and shows each check catching what it should.

#[test]
fn the_demo_builds_witnesses_publishes_and_catches_tampering() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(["demo", "--stations", "300", "--dir"])
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
        "cosigned size 600",
        "OK: all 600 entries hashed",
        "a copy with one digit changed is refused",
        "verify refuses it: entry 450 in tile/entries/001 has been altered",
        "party A's witness refuses to cosign it",
        "the log forked",
        "extend the 600 verified before",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // The command it prints for the reader works.
    let line = text.lines().last().unwrap().trim();
    let args: Vec<String> = shell_words(line.strip_prefix("scrutineer ").unwrap());
    let verify = std::process::Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(&args)
        .arg("--no-state")
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
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
