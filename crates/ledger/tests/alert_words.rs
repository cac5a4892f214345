//! A poll-book alert in words gives its times in UTC (RFC 3339), as every time the report
//! shows, not as Unix seconds.

use ledger::report::pollbook::{CheckinAlert, CheckinRef};

#[test]
fn an_alert_says_its_times_in_utc() {
    let alert = CheckinAlert {
        kind: "double_checkin".into(),
        index: 812,
        position: 0,
        station: "0101-001".into(),
        checkin: Some("0101-001-L004".into()),
        at: 1_374_998_410,
        earlier: Some(CheckinRef {
            station: "0102-001".into(),
            checkin: "0102-001-00017".into(),
            at: 1_374_972_000,
            index: 640,
        }),
        other_station: None,
        detail: None,
    };
    assert_eq!(
        alert.describe(),
        "entry 812: double_checkin at 0101-001, check-in 0101-001-L004 at \
         2013-07-28T08:00:10Z; first at 0102-001, check-in 0102-001-00017 at \
         2013-07-28T00:40:00Z (entry 640)"
    );
}
