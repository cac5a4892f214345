//! Conformance with rlacalc 0.4.0 and VotingWorks Arlo: ../shared/vectors/rla_rlacalc.json
//! and the Arlo figures quoted in ../shared/vectors/README.md.

mod common;

use stats::rla::Contest;
use stats::rla::bravo::{self, Decision, PollingSample};
use stats::rla::comparison::{Discrepancies, kaplan_markov_p_value};

fn close(got: f64, want: f64) -> bool {
    ((got - want) / want).abs() <= 1e-9
}

#[test]
fn bravo_risk_levels() {
    let v = common::vector("rla_rlacalc.json");
    let cases = v["bravo_risk"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let n = |k: &str| c[k].as_u64().unwrap();
        let want = c["risk"].as_f64().unwrap();
        let got = bravo::pair_risk_level(
            n("winner_votes"),
            n("loser_votes"),
            n("winner_obs"),
            n("loser_obs"),
        );
        assert!(close(got, want), "{c}: got {got}");

        // The same through a contest and a sample, as an audit would compute it.
        let contest = Contest::new(
            "rlacalc",
            &[("w", n("winner_votes")), ("l", n("loser_votes"))],
            n("winner_votes") + n("loser_votes"),
            1,
        )
        .unwrap();
        let sample = PollingSample::from_named(
            &contest,
            n("winner_obs") + n("loser_obs"),
            &[("w", n("winner_obs")), ("l", n("loser_obs"))],
        )
        .unwrap();
        let pairs = bravo::risk(&contest, &sample).unwrap();
        assert!(close(pairs[0].risk, want), "{c}");
    }
}

#[test]
fn bravo_average_sample_numbers() {
    let v = common::vector("rla_rlacalc.json");
    let cases = v["bravo_asn"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let got =
            bravo::asn_for_margin(c["alpha"].as_f64().unwrap(), c["margin"].as_f64().unwrap())
                .unwrap();
        assert_eq!(got, c["asn"].as_u64().unwrap(), "{c}");
    }
}

#[test]
fn kaplan_markov_p_values() {
    let v = common::vector("rla_rlacalc.json");
    let cases = v["kaplan_markov_p"].as_array().unwrap();
    assert!(!cases.is_empty());
    for c in cases {
        let got = kaplan_markov_p_value(
            c["n"].as_u64().unwrap(),
            c["margin"].as_f64().unwrap(),
            c["gamma"].as_f64().unwrap(),
            &Discrepancies::default(),
        )
        .unwrap();
        assert!(close(got, c["p"].as_f64().unwrap()), "{c}: got {got}");
    }
}

#[test]
fn arlo_figures() {
    // Contest 600/400 of 1000 ballots, risk limit 10%.
    let contest = Contest::new("Arlo", &[("cand1", 600), ("cand2", 400)], 1000, 1).unwrap();
    let start = bravo::assess(&contest, 0.1, &PollingSample::none(&contest), None).unwrap();
    assert_eq!(start.risk, 1.0);
    let Decision::Continue { next_round } = start.decision.clone() else {
        panic!(
            "an unstarted audit must ask for a round: {:?}",
            start.decision
        );
    };
    assert_eq!(next_round.asn, 119);
    let sizes: Vec<(f64, u64)> = next_round
        .quantiles
        .iter()
        .map(|q| (q.probability, q.ballots))
        .collect();
    assert_eq!(sizes, vec![(0.7, 184), (0.8, 244), (0.9, 351)]);

    let sample = PollingSample::from_named(&contest, 119, &[("cand1", 72), ("cand2", 47)]).unwrap();
    let after = bravo::assess(&contest, 0.1, &sample, None).unwrap();
    assert_eq!(format!("{:.4}", after.risk), "0.0714");
    assert_eq!(after.decision, Decision::Confirmed);

    // The shape a `--json` report gets.
    let json = serde_json::to_value(&after).unwrap();
    assert_eq!(json["decision"], "confirmed");
    assert_eq!(json["pairs"][0]["winner"], "cand1");
    let json = serde_json::to_value(&start).unwrap();
    assert_eq!(json["decision"], "continue");
    assert_eq!(json["next_round"]["asn"], 119);
    assert_eq!(json["next_round"]["quantiles"][2]["ballots"], 351);
}
