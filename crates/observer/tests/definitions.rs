//! The form definition file in the repository, and bad definitions refused by place.

use observer::Forms;
use observer::form::{FieldType, Kind, Schedule};

const FILE: &str = include_str!("../../../forms/cambodia-observer.toml");

#[test]
fn the_cambodian_forms_read() {
    let forms = Forms::parse(FILE, "cambodia-observer.toml").unwrap();
    let prefixes: Vec<&str> = forms.forms.iter().map(|f| f.prefix.as_str()).collect();
    assert_eq!(prefixes, ["OPN", "MID", "CLS", "CNT", "INC"]);
    let cnt = forms.get("CNT").unwrap();
    assert_eq!(cnt.kind, Kind::Checklist);
    assert_eq!(cnt.schedule, Some(Schedule::Count));
    assert_eq!(cnt.fields().count(), 14);
    assert_eq!(cnt.checks.len(), 5);
    let dd = cnt.field("DD").unwrap();
    assert_eq!(
        (dd.kind, dd.min, dd.max, dd.required),
        (FieldType::Integer, 0, 100, true)
    );
    assert_eq!(cnt.field("DM").unwrap().options.len(), 3);
    assert!(cnt.field("DM").unwrap().label.km.starts_with("ភ្នាក់ងារ"));
    let inc = forms.get("INC").unwrap();
    assert_eq!(inc.kind, Kind::Incident);
    assert_eq!(inc.categories.len(), 7);
    assert_eq!(inc.schedule, None);
}

/// Replaces `from` (which must occur) in the good file and returns the error.
fn refused(from: &str, to: &str) -> String {
    assert!(FILE.contains(from), "{from:?} is not in the file");
    let text = FILE.replacen(from, to, 1);
    Forms::parse(&text, "forms.toml").unwrap_err().to_string()
}

#[test]
fn bad_definitions_are_refused_by_place() {
    let cases: &[(&str, &str, &str)] = &[
        // A tag used twice in one form.
        (
            "tag = \"AB\"",
            "tag = \"AA\"",
            "forms.toml: line 25: form[0].group[0].field[1].tag: AA is the tag of an earlier field of OPN",
        ),
        // A range upside down.
        (
            "min = 0\nmax = 9",
            "min = 10\nmax = 9",
            "forms.toml: line 17: form[0].group[0].field[0].min: 10 is above the maximum 9",
        ),
        // A check naming a tag the form does not have.
        (
            "rule = \"CC <= CB\"",
            "rule = \"CC <= CZ\"",
            "forms.toml: line 191: form[2].check[0].rule: names CZ, which is no field of CLS",
        ),
        // A check that does not parse.
        (
            "rule = \"DC <= DA\"",
            "rule = \"DC <= + DA\"",
            "forms.toml: line 322: form[3].check[1].rule: \"DC <= + DA\": expected a field tag, a number or \"(\", found \"+\"",
        ),
        (
            "rule = \"AA >= 3\"",
            "rule = \"AA >= 3 AB\"",
            "form[0].check[0].rule: \"AA >= 3 AB\": unexpected field AB after a complete rule",
        ),
        (
            "rule = \"AA >= 3\"",
            "rule = \"AA => 3\"",
            "form[0].check[0].rule: \"AA => 3\": expected a field tag, a number or \"(\", found \">\"",
        ),
        (
            "rule = \"AA >= 3\"",
            "rule = \"aa >= 3\"",
            "form[0].check[0].rule: \"aa >= 3\": \"aa\" is neither a field tag (two capital letters) nor one of required, if, and",
        ),
        (
            "rule = \"AA >= 3\"",
            "rule = \"AF >= 3\"",
            "form[0].check[0].rule: compares AF, a multiselect field; only integer and select fields have a number",
        ),
        (
            "rule = \"AA >= 3\"",
            "rule = \"AA required when AB > 1\"",
            "form[0].check[0].rule: \"AA required when AB > 1\": \"when\" is neither",
        ),
        // Options numbered twice, or past 9 in a multiselect.
        (
            "{ value = 2, en = \"No\", km = \"ទេ\" },\n]\nrequired = true\n\n[[form.group.field]]\ntag = \"AD\"",
            "{ value = 1, en = \"No\", km = \"ទេ\" },\n]\nrequired = true\n\n[[form.group.field]]\ntag = \"AD\"",
            "form[0].group[0].field[2].options[1].value: 1 is numbered twice",
        ),
        (
            "{ value = 5, en = \"Another party\"",
            "{ value = 10, en = \"Another party\"",
            "form[0].group[1].field[1].options[4].value: 10 is not from 1 to 9",
        ),
        // Labels without Khmer.
        (
            "km = \"ការមកដល់ និងការរៀបចំ\"",
            "km = \" \"",
            "form[0].group[0].name.km: is empty",
        ),
        // Misspelt keys and bad types, named by line.
        (
            "required = true\n\n[[form.group.field]]\ntag = \"AB\"",
            "requried = true\n\n[[form.group.field]]\ntag = \"AB\"",
            "forms.toml: line 23: unknown field `requried`, expected one of `tag`, `type`",
        ),
        (
            "type = \"integer\"",
            "type = \"number\"",
            "forms.toml: line 19: unknown variant `number`, expected one of `integer`",
        ),
        (
            "kind = \"checklist\"",
            "kind = \"survey\"",
            "forms.toml: line 9: unknown variant `survey`, expected `checklist` or `incident`",
        ),
        (
            "schedule = \"opening\"\n",
            "",
            "form[0].schedule: a checklist needs one: opening, midday, closing or count",
        ),
        (
            "prefix = \"MID\"",
            "prefix = \"OPN\"",
            "form[1].prefix: OPN is the prefix of an earlier form",
        ),
        (
            "prefix = \"MID\"",
            "prefix = \"M1D\"",
            "form[1].prefix: \"M1D\" is not 1 to 6 capital letters",
        ),
        (
            "tag = \"BA\"",
            "tag = \"XA\"",
            "form[1].group[0].field[0].tag: XA starts with X, which marks a serial number in an SMS",
        ),
        (
            "tag = \"BA\"",
            "tag = \"B\"",
            "form[1].group[0].field[0].tag: \"B\" is not two capital letters",
        ),
        (
            "version = 1\nschedule = \"count\"",
            "version = 0\nschedule = \"count\"",
            "form[3].version: 0 is not a version from 1",
        ),
        (
            "min = 0\nmax = 10000",
            "min = -1\nmax = 10000",
            "form[4].group[0].field[0].min: -1 is not from 0 to 4294967295",
        ),
        (
            "tag = \"AC\"\ntype = \"select\"",
            "tag = \"AC\"\ntype = \"integer\"",
            "form[0].group[0].field[2].options: are for select and multiselect fields; AC is integer",
        ),
        ("no form", "no form", "no form"),
    ];
    for (from, to, expected) in cases {
        if *from == "no form" {
            let e = Forms::parse("# nothing\n", "forms.toml")
                .unwrap_err()
                .to_string();
            assert_eq!(e, "forms.toml: form: no form is defined");
            continue;
        }
        let got = refused(from, to);
        assert!(
            got.contains(expected),
            "replacing {from:?}:\n  got      {got}\n  expected {expected}"
        );
        assert!(!got.contains('\n'), "one line: {got}");
    }
}

const SMALL: &str = r#"
[[form]]
prefix = "OPN"
kind = "checklist"
version = 1
schedule = "opening"
name = { en = "Opening", km = "ការបើក" }

[[form.group]]
name = { en = "Arrival", km = "ការមកដល់" }

[[form.group.field]]
tag = "AA"
type = "select"
label = { en = "Opened on time", km = "បើកទាន់ពេល" }
options = [OPTIONS]
"#;

#[test]
fn empty_lists_are_refused_by_place() {
    let e = Forms::parse(&SMALL.replace("OPTIONS", ""), "small.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "small.toml: line 12: form[0].group[0].field[0].options: is empty"
    );
    let ok = SMALL.replace("OPTIONS", r#"{ value = 1, en = "Yes", km = "បាទ/ចាស" }"#);
    Forms::parse(&ok, "small.toml").unwrap();
    let no_fields = ok.replace("[[form.group.field]]", "[[form.group.fieldx]]");
    let e = Forms::parse(&no_fields, "small.toml").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("small.toml: line 12: unknown field `fieldx`"),
        "{e}"
    );
    let incident = ok
        .replace("\"checklist\"", "\"incident\"")
        .replace("schedule = \"opening\"\n", "");
    let e = Forms::parse(&incident, "small.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "small.toml: line 2: form[0].category: is empty"
    );
    let with_category = incident.replace(
        "version = 1",
        "version = 1\ncategory = [{ value = 0, en = \"Other\", km = \"ផ្សេងៗ\" }]",
    );
    let e = Forms::parse(&with_category, "small.toml").unwrap_err();
    assert_eq!(
        e.to_string(),
        "small.toml: line 2: form[0].category[0].value: 0 is not from 1 to 4294967295"
    );
    let deep = ok.replace("[[form.group]]", "[[form.check]]\nname = \"deep\"\nrule = \"((((((((((AA)))))))))) > 1\"\nlabel = { en = \"x\", km = \"x\" }\n\n[[form.group]]");
    let e = Forms::parse(&deep, "small.toml").unwrap_err();
    assert!(
        e.to_string()
            .ends_with("brackets are nested more than 8 deep"),
        "{e}"
    );
}
