//! SMS reports read through the repository's form definition, each with its exact reply:
//! good messages, malformed ones, confusable characters, repeats, unknown prefixes, values out
//! of range, missing answers and extra text.

use observer::Forms;
use observer::messages::{self, Checked};
use observer::sms::{self, Outcome, Repeats, SenderHmac};

const FILE: &str = include_str!("../../../forms/cambodia-observer.toml");

fn forms() -> Forms {
    Forms::parse(FILE, "cambodia-observer.toml").unwrap()
}

/// Three observers' phones, as the gateway's HMACs.
const SENDERS: [&str; 3] = [
    "3b1f0c9e5a7d2e4f6a8b0c1d2e3f405162738495a6b7c8d9e0f1a2b3c4d5e6f7",
    "a94c1e07b3d25f6e8c0a1b2c3d4e5f60718293a4b5c6d7e8f9012345c6d7e8f9",
    "0d2e4f6a8b9c1e3f5a7b9c0d2e4f6a8b0c1d3e5f7a9b1c3d5e7f9a0b2c4d6e8f",
];

/// (minutes after 07:00, sender, text, reply)
const TABLE: &[(i64, usize, &str, &str)] = &[
    // Good messages, in every form's shape.
    (
        0,
        0,
        "OPN 100234 AA5AB2AC1AD1AE3AF12",
        "OK OPN 100234: 6 answers received. Thank you.",
    ),
    (
        1,
        1,
        "opn.100235, aa5 ab2 ac1 ad1 ae3 af12",
        "OK OPN 100235: 6 answers received. Thank you.",
    ),
    (
        2,
        2,
        "OPN 100236 AA5 AB2 AC1 AD1 AE0 @ all calm, ballot box sealed at 6:45",
        "OK OPN 100236: 5 answers received. Thank you.",
    ),
    (
        3,
        0,
        "OPN 100237 X17 AA5AB2AC1AD1AE0",
        "OK OPN 100237 X17: 5 answers received. Thank you.",
    ),
    (
        4,
        1,
        "OPN-100238: AA=7; AB=1; AC=1; AD=1; AE=2; AF=1,2.",
        "OK OPN 100238: 6 answers received. Thank you.",
    ),
    (
        5,
        2,
        "OPN ១០០២៣៩ AA៥AB២AC១AD១AE០ @ការិយាល័យបើកទាន់ពេល",
        "OK OPN 100239: 5 answers received. Thank you.",
    ),
    (
        300,
        0,
        "MID 100234 BA25BB3BC1BD2",
        "OK MID 100234: 4 answers received. Thank you.",
    ),
    (
        480,
        0,
        "CLS 100234 CA2CB0CC0",
        "OK CLS 100234: 3 answers received. Thank you.",
    ),
    (
        540,
        0,
        "CNT 100234 DA600DB600DC450DD5DE145DF440DG10DH250DJ180DK10DM1",
        "OK CNT 100234: 11 answers received. Thank you.",
    ),
    (
        541,
        1,
        "CNT 100235 DA 512 DB 520 DC 401 DD 3 DE 116 DF 395 DG 6 DH 201 DJ 187 DK 7 DM 2 DN 1 @agent of party 5 left before signing",
        "OK CNT 100235: 12 answers received. Thank you.",
    ),
    // Confusable characters: O for 0, I and L for 1, 0 for O in the prefix.
    (
        6,
        0,
        "0PN 1OO240 AA5AB2AC1AD1AE0",
        "OK OPN 100240: 5 answers received. Thank you.",
    ),
    (
        7,
        1,
        "OPN 100241 AA5 ABI ACl AD1 AEO",
        "OK OPN 100241: 5 answers received. Thank you.",
    ),
    (
        8,
        2,
        "opn 1oo242 aa5 ab2 ac1 ad1 ae2 afl2",
        "OK OPN 100242: 6 answers received. Thank you.",
    ),
    (
        301,
        1,
        "mid 1oo235 ba25 bb3 bc1 bd2 be0",
        "OK MID 100235: 5 answers received. Thank you.",
    ),
    (
        481,
        1,
        "CLS 100235 CA2 CB I5 CC I2",
        "OK CLS 100235: 3 answers received. Thank you.",
    ),
    (
        542,
        2,
        "CNT 100236 DA6OO DB6OO DC45O DD5 DE145 DF44O DG1O DH25O DJ18O DK1O DMI",
        "OK CNT 100236: 11 answers received. Thank you.",
    ),
    // Quality checks flag, and the reply asks the observer to check.
    (
        9,
        0,
        "OPN 100243 AA2AB2AC1AD1AE0",
        "OK OPN 100243: 5 answers received, but please check: AA >= 3.",
    ),
    (
        10,
        1,
        "OPN 100244 AA5AB2AC1AD1AE4",
        "OK OPN 100244: 5 answers received, but please check: AF required if AE > 0.",
    ),
    (
        302,
        2,
        "MID 100236 BA0BB12BC2BD1",
        "OK MID 100236: 4 answers received, but please check: BE required if BD == 1.",
    ),
    (
        482,
        2,
        "CLS 100236 CA3CB10CC12",
        "OK CLS 100236: 3 answers received, but please check: CC <= CB.",
    ),
    (
        543,
        0,
        "CNT 100237 DA600DB600DC450DD5DE150DF440DG10DH250DJ180DK10DM1",
        "OK CNT 100237: 11 answers received, but please check: DC + DD + DE == DB.",
    ),
    (
        544,
        1,
        "CNT 100238 DA400DB600DC450DD5DE145DF450DG10DH250DJ180DK10DM2",
        "OK CNT 100238: 11 answers received, but please check: DC <= DA; DF + DG <= DC; DH + DJ + DK == DF; DN required if DM > 1.",
    ),
    // Values out of range and options a field does not have.
    (
        11,
        2,
        "OPN 100245 AA12AB2AC1AD1AE0",
        "Error in OPN 100245: field AA: 12 is above the maximum 9. Please correct and send again.",
    ),
    (
        12,
        0,
        "OPN 100246 AA5AB7AC1AD1AE0",
        "Error in OPN 100246: field AB: 7 is not an option (1-4). Please correct and send again.",
    ),
    (
        13,
        1,
        "OPN 100247 AA5AB2AC1AD1AE0AF16",
        "Error in OPN 100247: field AF: 6 is not an option (1-5). Please correct and send again.",
    ),
    (
        14,
        2,
        "OPN 100248 AA5AB2AC1AD1AE2AF11",
        "Error in OPN 100248: field AF: option 1 is given twice. Please correct and send again.",
    ),
    (
        15,
        0,
        "OPN 100249 AA99999999999AB2AC1AD1AE0",
        "Error in OPN 100249: field AA: 99999999999 is above the maximum 9. Please correct and send again.",
    ),
    (
        545,
        2,
        "CNT 100239 DA600DB600DC450DD150DE145DF440DG10DH250DJ180DK10DM1",
        "Error in CNT 100239: field DD: 150 is above the maximum 100. Please correct and send again.",
    ),
    (
        546,
        0,
        "CNT 100240 DA600DB600DC450DD5DE145DF440DG10DH250DJ180DK10DM0",
        "Error in CNT 100240: field DM: 0 is not an option (1-3). Please correct and send again.",
    ),
    // Missing answers.
    (
        16,
        1,
        "OPN 100250 AA5AB2AD1AE0",
        "Error in OPN 100250: field AC is missing. Please correct and send again.",
    ),
    (
        17,
        2,
        "OPN 100251 AA15AB9AE0",
        "Error in OPN 100251: field AA: 15 is above the maximum 9; field AB: 9 is not an option (1-4); field AC is missing; field AD is missing. Please correct and send again.",
    ),
    (
        18,
        0,
        "OPN 100252 AA5ABAC1AD1AE0",
        "Error in OPN 100252: field AB has no value. Please correct and send again.",
    ),
    (
        547,
        1,
        "CNT 100241 DC450DD5DE145DF440DG10DH250DJ180DK10DM1",
        "Error in CNT 100241: field DA is missing; field DB is missing. Please correct and send again.",
    ),
    // Malformed messages.
    (
        19,
        1,
        "",
        "Error: the message is empty. Please correct and send again.",
    ),
    (
        20,
        2,
        " .,;- ",
        "Error: the message is empty. Please correct and send again.",
    ),
    (
        21,
        0,
        "ZZ 100234 AA1",
        "Error: unknown form prefix ZZ (forms: CLS, CNT, INC, MID, OPN). Please correct and send again.",
    ),
    (
        22,
        1,
        "OBS 100234 AA5",
        "Error: unknown form prefix OBS (forms: CLS, CNT, INC, MID, OPN). Please correct and send again.",
    ),
    (
        23,
        2,
        "100234 AA5AB2",
        "Error: the message must start with a form prefix (CLS, CNT, INC, MID, OPN). Please correct and send again.",
    ),
    (
        24,
        0,
        "OPN AA5AB2AC1AD1AE0",
        "Error: the observer id is missing after OPN. Please correct and send again.",
    ),
    (
        25,
        1,
        "OPN 12345678901234567 AA5",
        "Error: observer id 12345678901234567 is longer than 16 digits. Please correct and send again.",
    ),
    (
        26,
        2,
        "OPN 100253 X99999999999 AA5AB2AC1AD1AE0",
        "Error in OPN 100253: serial number X99999999999 is too long. Please correct and send again.",
    ),
    (
        27,
        0,
        "OPN 100254 AA5AB2AC1AD1AE0AA6",
        "Error in OPN 100254: field AA is given twice. Please correct and send again.",
    ),
    (
        28,
        1,
        "OPN 100255 AA5AB2AC1AD1AE0ZZ3",
        "Error in OPN 100255: unknown field ZZ in form OPN. Please correct and send again.",
    ),
    (
        548,
        2,
        "CNT 100242 DA600DB600DC450DD5DE145DF440DG10DH250DJ180DK10DM1DP1",
        "Error in CNT 100242: field DP is a photo field and cannot be sent by SMS. Please correct and send again.",
    ),
    (
        29,
        2,
        "INC 100234 EA3 @ink washes off with soap",
        "Error: INC is an incident form; send incidents through the app. Please correct and send again.",
    ),
    // Extra text that is not a comment.
    (
        30,
        0,
        "OPN 100256 AA5AB2AC1AD1AE0 all good",
        "Error in OPN 100256: cannot read \"all good\" after AE0; put comments after @. Please correct and send again.",
    ),
    (
        31,
        1,
        "OPN 100257 AA5AB2AC1AD1AE0B",
        "Error in OPN 100257: cannot read \"B\" after AE0; put comments after @. Please correct and send again.",
    ),
    (
        32,
        2,
        "OPN 100258 AA5 AB2 AC1 AD1 AE0 thanks, the chief sent us away at 8",
        "Error in OPN 100258: cannot read \"thanks, the chief sent u…\" after AE0; put comments after @. Please correct and send again.",
    ),
    // Repeats: identical messages from one sender within 12 hours count once, case and
    // spacing aside; the same text from another sender, or 12 hours later, counts.
    (
        33,
        0,
        "OPN 100234 AA5AB2AC1AD1AE3AF12",
        "Already received at 2028-07-30 07:00:00 UTC; counted once.",
    ),
    (
        34,
        0,
        "opn 100234 aa5 ab2 ac1 ad1 ae3 af12",
        "Already received at 2028-07-30 07:00:00 UTC; counted once.",
    ),
    (
        35,
        1,
        "OPN 100234 AA5AB2AC1AD1AE3AF12",
        "OK OPN 100234: 6 answers received. Thank you.",
    ),
    (
        719,
        0,
        "OPN 100234 AA5AB2AC1AD1AE3AF12",
        "Already received at 2028-07-30 07:00:00 UTC; counted once.",
    ),
    (
        720,
        0,
        "OPN 100234 AA5AB2AC1AD1AE3AF12",
        "OK OPN 100234: 6 answers received. Thank you.",
    ),
    (
        36,
        2,
        "OPN 100236 AA5 AB2 AC1 AD1 AE0 @ all calm, ballot box sealed at 6:45",
        "Already received at 2028-07-30 07:02:00 UTC; counted once.",
    ),
    (
        37,
        2,
        "OPN 100236 AA5 AB2 AC1 AD1 AE0 @ all calm",
        "OK OPN 100236: 5 answers received. Thank you.",
    ),
    (
        38,
        1,
        "OPN 100250 AA5AB2AD1AE0",
        "Already received at 2028-07-30 07:16:00 UTC; counted once.",
    ),
];

const BASE: i64 = 1_848_553_200; // 2028-07-30T07:00:00Z

#[test]
fn every_message_gets_its_exact_reply() {
    assert_eq!(messages::format_time(BASE), "2028-07-30T07:00:00Z");
    assert!(TABLE.len() >= 40, "{} messages", TABLE.len());
    // In time order, as the gateway receives them.
    let mut rows: Vec<_> = TABLE.iter().collect();
    rows.sort_by_key(|r| r.0);
    let mut file = String::from("time,sender_hmac,text\n");
    for (minutes, sender, text, _) in &rows {
        file.push_str(&format!(
            "{},{},{text}\n",
            messages::format_time(BASE + minutes * 60),
            SENDERS[*sender]
        ));
    }
    let checked = messages::check(&forms(), file.as_bytes());
    assert_eq!(checked.len(), rows.len());
    let mut wrong = Vec::new();
    for (c, (_, _, text, expected)) in checked.iter().zip(&rows) {
        let reply = c.reply().unwrap();
        if reply != *expected {
            wrong.push(format!(
                "{text:?}\n   got      {reply}\n   expected {expected}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} replies differ:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
}

#[test]
fn an_accepted_message_becomes_a_checklist_at_the_observers_station() {
    let forms = forms();
    let Outcome::Accepted { sms, flags } = sms::read(
        &forms,
        "CNT 100235 X3 DA 512 DB 520 DC 401 DD 3 DE 116 DF 395 DG 6 DH 201 DJ 187 DK 7 DM 2 DN 1 @agent left",
    ) else {
        panic!("refused")
    };
    assert!(flags.is_empty());
    let form = forms.get("CNT").unwrap();
    let report = sms.checklist(form, "12-03-0417").unwrap();
    assert_eq!(report.station, "12-03-0417");
    assert_eq!(report.schedule, observer::form::Schedule::Count);
    assert_eq!(report.serial, Some(3));
    assert_eq!(report.comment.as_deref(), Some("agent left"));
    assert_eq!(report.answers["DM"], observer::Value::Select(2));
    assert_eq!(report.answers["DA"], observer::Value::Integer(512));
    assert_eq!(
        report.validate(form, observer::report::Channel::Sms),
        Ok(vec![])
    );
    // The same checklist from the app must also carry the photo and comment fields it marks
    // required; this form marks none, so it stands.
    assert_eq!(
        report.validate(form, observer::report::Channel::App),
        Ok(vec![])
    );
    // It is a value the ledger can carry: it goes through JSON unchanged.
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<observer::Checklist>(&json).unwrap(),
        report
    );
    assert!(json.contains(r#""DM":{"select":2}"#), "{json}");
}

#[test]
fn repeats_count_once_per_sender_within_twelve_hours() {
    let a = SenderHmac::parse(SENDERS[0]).unwrap();
    let b = SenderHmac::parse(&SENDERS[1].to_uppercase()).unwrap();
    assert_eq!(b.as_str(), SENDERS[1]);
    let mut r = Repeats::new();
    use sms::Admission::*;
    assert_eq!(r.admit(&a, 1000, "OPN 1 AA1"), Counted);
    assert_eq!(
        r.admit(&a, 1000 + Repeats::WINDOW - 1, "opn 1 aa1"),
        Repeat { counted_at: 1000 }
    );
    assert_eq!(r.admit(&b, 1001, "OPN 1 AA1"), Counted);
    // Out of order: a message received before the counted one, within the window.
    assert_eq!(r.admit(&a, 10, "OPN 1 AA1"), Repeat { counted_at: 1000 });
    assert_eq!(r.admit(&a, 1000 + Repeats::WINDOW, "OPN 1 AA1"), Counted);
    r.forget_before(1000 + Repeats::WINDOW);
    assert_eq!(r.admit(&b, 1002, "OPN 1 AA1"), Counted);
    assert!(SenderHmac::parse("+85512345678").is_err());
    assert!(SenderHmac::parse(&SENDERS[0][..63]).is_err());
}

#[test]
fn bad_lines_of_a_messages_file_are_named() {
    let file = format!(
        "time,sender_hmac,text\n2028-07-30T07:00:00Z,{s},OPN 100234 AA5AB2AC1AD1AE0\n2028-07-30 07:01,{s},OPN 1\n2028-07-30T07:02:00Z,+85512345678,OPN 1\njust text\n# a note\n\n2028-02-30T07:00:00Z,{s},OPN 1\n",
        s = SENDERS[0]
    );
    let checked = messages::check(&forms(), file.as_bytes());
    let bad: Vec<String> = checked
        .iter()
        .filter_map(|c| match c {
            Checked::Bad(e) => Some(format!("line {}: {}: {}", e.line, e.field, e.message)),
            _ => None,
        })
        .collect();
    assert_eq!(
        bad,
        [
            "line 3: time: \"2028-07-30 07:01\" is not a UTC time YYYY-MM-DDTHH:MM:SSZ",
            "line 4: sender_hmac: \"+85512345678\" is not an HMAC-SHA256 (64 hex digits)",
            "line 5: line: expected time,sender_hmac,text",
            "line 8: time: \"2028-02-30T07:00:00Z\" is not a UTC time YYYY-MM-DDTHH:MM:SSZ",
        ]
    );
    let text = messages::render("sms.csv", &checked);
    assert!(text.contains("sms.csv: line 4: sender_hmac:"), "{text}");
    assert!(
        text.contains("  reply: OK OPN 100234: 5 answers received. Thank you."),
        "{text}"
    );
    assert!(text.ends_with("5 messages: 1 reports accepted, 0 accepted with flags, 0 refused, 0 repeats counted once, 4 lines unreadable\n"), "{text}");
}
