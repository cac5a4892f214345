//! The reviews as a library, on a synthetic election at 1/1000 of Cambodia 2013's size built
//! in-process: one review opened once serves many questions, parameters that do not fit are
//! named as parameters, a PVT reconciles a reports file with its sample, and forensics runs on
//! the recorded forms with every other copy compared.

use std::path::Path;

use ledger::Election;
use review::pvt::{Figures, Frame, FrameSpec, Sample};
use review::rla::{Audit, Method, Spec};
use review::{Error, Param, Review};
use stats::pvt::MissingFigures;
use synthetic::{Cambodia2013, Scale};
use tlog::{Log, LogMeta, SqliteStorage};

const SEED: &str = "35216452316254163524";

fn election(dir: &Path) -> Review {
    let e = Cambodia2013::new(Scale { divisor: 1000 }, 2013);
    let meta = LogMeta {
        origin: synthetic::cambodia::ORIGIN.into(),
        vkey: e.keys.log.vkey().to_string(),
    };
    let log = Log::open(SqliteStorage::create(&dir.join("log.db"), &meta).unwrap()).unwrap();
    let mut election = Election::create(log, &e.genesis_entry()).unwrap();
    let mut submit = |entries: &[Vec<u8>]| election.submit(entries).unwrap().applied;
    let applied = submit(&e.stations_submission());
    let id = applied
        .iter()
        .find_map(|a| a.proposal())
        .unwrap()
        .to_string();
    let decided = submit(&e.approvals(&id));
    assert!(decided.iter().any(|a| a.took_effect()));
    submit(&e.enrolments());
    submit(&e.official_forms());
    submit(&e.party_forms("CPP"));
    submit(&e.observer_forms());
    Review::of_election(election, &dir.display().to_string()).unwrap()
}

#[test]
fn one_review_serves_many_questions() {
    let tmp = tempfile::tempdir().unwrap();
    let review = election(tmp.path());
    // The scope of a contest in an area is read once.
    let a = review.scope(None, None).unwrap();
    let b = review.scope(None, None).unwrap();
    assert!(std::sync::Arc::ptr_eq(&a, &b));
    assert!(!a.stations.is_empty());

    // A MACRO plan and the draw it leads to; the same seed draws the same stations.
    let spec = Spec {
        method: Method::Macro,
        contest: None,
        area: None,
        winners: 1,
        risk_limit: 0.05,
    };
    let audit = Audit::build(&review, &spec).unwrap();
    let plan = audit.plan(&review.provenance).unwrap();
    let draws = plan.macro_plan.as_ref().unwrap().draws;
    assert!(draws > 0);
    let once = audit.draw_ids(SEED, 1, draws).unwrap();
    assert_eq!(once, audit.draw_ids(SEED, 1, draws).unwrap());
    assert_eq!(once.len() as u64, draws);
    // A later round continues the same sequence.
    assert_eq!(audit.draw_ids(SEED, 3, 2).unwrap(), once[2..4]);

    // Parameters that do not fit are named as parameters, for any front end to word.
    let bad = Spec {
        risk_limit: 1.5,
        ..spec.clone()
    };
    match Audit::build(&review, &bad) {
        Err(
            e @ Error::Param {
                param: Param::RiskLimit,
                ..
            },
        ) => {
            assert!(
                e.to_string()
                    .starts_with("the risk limit 1.5 must be between 0 and 1")
            );
            let flag = e.render(&|p| format!("--{p:?}").to_lowercase());
            assert!(flag.starts_with("--risklimit 1.5"), "{flag}");
        }
        other => panic!("{:?}", other.err()),
    }
    let nowhere = Spec {
        area: Some("99".into()),
        ..spec
    };
    assert!(matches!(
        Audit::build(&review, &nowhere),
        Err(Error::Param {
            param: Param::Area,
            ..
        })
    ));
}

#[test]
fn a_pvt_reconciles_its_reports_with_the_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let review = election(tmp.path());
    let frame = Frame::read(
        &review,
        &FrameSpec {
            contest: None,
            area: None,
            level: Some("none".into()),
        },
    )
    .unwrap();
    let sample = Sample {
        seed: SEED.into(),
        take: 12,
        audit: None,
    };
    let drawn: Vec<String> = frame
        .draw(SEED, 12)
        .unwrap()
        .into_iter()
        .flat_map(|h| h.draws.into_iter().map(|t| t.id))
        .collect();
    let outside = frame
        .scope
        .stations
        .iter()
        .map(|s| s.code.clone())
        .find(|c| !drawn.contains(c))
        .unwrap();
    let choices = frame.scope.choice_ids();

    // Reports with the votes only (no ballots cast), for all but one sampled station, and one
    // row for a station outside the sample.
    let mut text = format!("station,{}\n", choices.join(","));
    for s in drawn.iter().skip(1).chain([&outside]) {
        let votes: Vec<String> = (0..choices.len()).map(|i| (10 + i).to_string()).collect();
        text.push_str(&format!("{s},{}\n", votes.join(",")));
    }
    let path = tmp.path().join("reports.csv");
    std::fs::write(&path, &text).unwrap();
    let file = Figures::File {
        path: path.clone(),
        mapping: None,
        from: None,
    };
    for missing in [MissingFigures::NonResponse, MissingFigures::NotCounted] {
        let r = frame
            .estimate(&review.provenance, &sample, &file, missing)
            .unwrap();
        assert_eq!(r.rows_ignored, 1);
        assert_eq!(r.estimate.stations_sampled, 12);
        assert_eq!(r.estimate.stations_missing, vec![drawn[0].clone()]);
        assert!(r.estimate.turnout.is_none(), "{missing:?}");
        assert!(r.estimate.turnout_not_estimated.is_some());
    }

    // A station given twice, and one the election does not have, are refused by line.
    std::fs::write(&path, format!("{text}{outside},1,1,1,1,1,1,1,1\n")).unwrap();
    let err = frame
        .estimate(
            &review.provenance,
            &sample,
            &file,
            MissingFigures::NonResponse,
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("reports.csv:{}", drawn.len() + 2)),
        "{err}"
    );
    assert!(err.contains("already on line"), "{err}");
    std::fs::write(
        &path,
        format!("station,{}\nNOWHERE,1,1,1,1,1,1,1,1\n", choices.join(",")),
    )
    .unwrap();
    let err = frame
        .estimate(
            &review.provenance,
            &sample,
            &file,
            MissingFigures::NonResponse,
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("reports.csv:2: column station: unknown station"),
        "{err}"
    );

    // Several copies of the forms from one frame and one draw.
    for source in ["official", "observer:COMFREL", "party:CPP"] {
        let r = frame
            .estimate(
                &review.provenance,
                &sample,
                &Figures::Source(source.into()),
                MissingFigures::NonResponse,
            )
            .unwrap();
        assert_eq!(r.estimate.stations_sampled, 12, "{source}");
        assert!(r.verdict.is_some());
    }
    let err = frame
        .estimate(
            &review.provenance,
            &sample,
            &Figures::Source("party:NOBODY".into()),
            MissingFigures::NonResponse,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("the sources with forms are"), "{err}");
}

#[test]
fn forensics_runs_on_the_recorded_forms() {
    let tmp = tempfile::tempdir().unwrap();
    let review = election(tmp.path());
    let stations = review::forensics::Stations::from_election(&review, None, None, None).unwrap();
    assert_eq!(stations.source, "official");
    let others: Vec<&str> = stations.others.iter().map(|(n, _)| n.as_str()).collect();
    assert!(others.contains(&"observer:COMFREL"), "{others:?}");
    assert!(others.contains(&"party:CPP"), "{others:?}");
    let options = review::forensics::Options {
        replicates: 50,
        bootstrap: 20,
        ..Default::default()
    };
    let (report, svg) =
        review::forensics::run(&stations, &options, &review::forensics::Quiet).unwrap();
    assert_eq!(report.stations, stations.stations.len());
    assert_eq!(report.source, "official");
    assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
    // The synthetic election's manipulated stations disagree with the observers' copies.
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["red_flags"].is_object(), "{json}");
}
