//! Conformance with consistent_sampler 1.0.10: ../shared/vectors/consistent_sampler.json.

mod common;

use stats::consistent_sampler::{SampleOptions, first_fraction, sample, sha256_hex};

#[test]
fn every_case_reproduced_exactly() {
    let v = common::vector("consistent_sampler.json");
    let cases = v["cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let ids: Vec<&str> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let options = SampleOptions {
            with_replacement: case["with_replacement"].as_bool().unwrap(),
            drop: 0,
            take: case["take"].as_u64().unwrap() as usize,
            digits: case["digits"].as_u64().unwrap() as usize,
        };
        let seed = case["seed"].as_str().unwrap();
        let got = sample(&ids, seed, &options).unwrap();
        let want = case["draws"].as_array().unwrap();
        assert_eq!(got.len(), want.len(), "seed {seed}");
        for (g, w) in got.iter().zip(want) {
            assert_eq!(
                g.ticket_number,
                w["ticket"].as_str().unwrap(),
                "seed {seed}"
            );
            assert_eq!(g.id, w["id"].as_str().unwrap(), "seed {seed}");
            assert_eq!(
                g.generation,
                w["generation"].as_u64().unwrap(),
                "seed {seed}"
            );
        }
    }
}

#[test]
fn full_precision_first_tickets() {
    let v = common::vector("consistent_sampler.json");
    let fp = &v["full_precision"];
    let seed = fp["seed"].as_str().unwrap();
    assert_eq!(sha256_hex(seed), fp["sha256_hex_seed"].as_str().unwrap());
    let fractions = fp["first_fraction"].as_object().unwrap();
    assert_eq!(fractions.len(), fp["ids"].as_array().unwrap().len());
    for (id, want) in fractions {
        assert_eq!(first_fraction(id, seed), want.as_str().unwrap(), "id {id}");
    }
}
