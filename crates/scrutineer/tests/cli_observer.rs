//! `scrutineer observer check-sms` end to end: the repository's form definition and a file of
//! received messages, each printed with its reply; unreadable lines and bad definitions named
//! in one line.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scrutineer"))
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

const FORMS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../forms/cambodia-observer.toml"
);
const SENDER: &str = "3b1f0c9e5a7d2e4f6a8b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7";

#[test]
fn check_sms_prints_every_reply() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sms.csv");
    std::fs::write(
        &file,
        format!(
            "time,sender_hmac,text\n\
             2028-07-30T07:02:11Z,{SENDER},OPN 100234 AA5AB2AC1AD1AE3AF12\n\
             2028-07-30T07:05:00Z,{SENDER},opn 100234 aa5 ab2 ac1 ad1 ae3 af12\n\
             2028-07-30T16:40:00Z,{SENDER},CNT 100234 DA600DB600DC450DD150DE145DF440DG10DH250DJ180DK10DM1\n"
        ),
    )
    .unwrap();
    let out = run(&["observer", "check-sms", FORMS, file.to_str().unwrap()]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout,
        "line 2 2028-07-30T07:02:11Z 3b1f0c9e: OPN 100234 AA5AB2AC1AD1AE3AF12\n\
         \x20 reply: OK OPN 100234: 6 answers received. Thank you.\n\
         line 3 2028-07-30T07:05:00Z 3b1f0c9e: opn 100234 aa5 ab2 ac1 ad1 ae3 af12\n\
         \x20 reply: Already received at 2028-07-30 07:02:11 UTC; counted once.\n\
         line 4 2028-07-30T16:40:00Z 3b1f0c9e: CNT 100234 DA600DB600DC450DD150DE145DF440DG10DH250DJ180DK10DM1\n\
         \x20 reply: Error in CNT 100234: field DD: 150 is above the maximum 100. Please correct and send again.\n\
         3 messages: 1 reports accepted, 0 accepted with flags, 1 refused, 1 repeats counted once, 0 lines unreadable\n"
    );
}

#[test]
fn unreadable_lines_and_bad_definitions_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sms.csv");
    std::fs::write(&file, format!("2028-07-30T07:02:11Z,+85512345678,OPN 1\n2028-07-30T07:03:00Z,{SENDER},MID 100234 BA25BB3BC1BD2\n")).unwrap();
    let out = run(&["observer", "check-sms", FORMS, file.to_str().unwrap()]);
    assert!(!out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "{}: line 1: sender_hmac: \"+85512345678\" is not an HMAC-SHA256 (64 hex digits)\n",
            file.display()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("  reply: OK MID 100234: 4 answers received. Thank you.\n"),
        "{stdout}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "1 line(s) of {} could not be read",
            file.display()
        )),
        "{stderr}"
    );

    let forms = dir.path().join("forms.toml");
    let text = std::fs::read_to_string(FORMS)
        .unwrap()
        .replacen("max = 9", "max = -9", 1);
    std::fs::write(&forms, text).unwrap();
    let out = run(&[
        "observer",
        "check-sms",
        forms.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{}: line 17: form[0].group[0].field[0].max: -9 is not from 0 to 4294967295",
            forms.display()
        )),
        "{stderr}"
    );
}
