//! Voter-list audits: the list-to-people and people-to-list tests (Merloe & Klein, *Building
//! Confidence in the Voter Registry*, NDI 2001), the tests behind Cambodia's 2013 registry audit.
//!
//! - **List to people.** Names are drawn from the list; field teams look for each person. The
//!   estimate is the share of listed names that could not be found (or were not who the list
//!   says). A high share means names on the list that nobody can answer to.
//! - **People to list.** Eligible people are met in the field; each is looked up on the list.
//!   The estimate is the share of eligible people who are not listed: people disenfranchised.
//!
//! Both samples are clustered (names from a sample of stations or communes, people from a
//! sample of villages), so the interval uses the cluster (ratio-estimator) variance from
//! [`crate::pvt::ratio_estimate`], never the simple binomial one, which would be too narrow.

use serde::Serialize;

use crate::StatsError;
use crate::consistent_sampler::{SampleOptions, Ticket, sample};
use crate::pvt::{RatioStratum, ratio_estimate};

/// Which test a sample belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListTest {
    /// Share of listed names not found.
    ListToPeople,
    /// Share of eligible people not listed.
    PeopleToList,
}

/// One sampled cluster's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterResult {
    pub cluster: String,
    /// Names on the list (list to people) or eligible people (people to list) in the whole
    /// cluster, when known. With it, each cluster's share is weighted by its size; without it,
    /// by the number checked (right when clusters were drawn with probability proportional to
    /// size, or the same share was checked everywhere).
    pub size: Option<u64>,
    /// Names or people checked.
    pub checked: u64,
    /// Of those, names not found (list to people) or people not listed (people to list).
    pub failed: u64,
}

/// The audit's estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListAuditEstimate {
    pub test: ListTest,
    pub share: f64,
    pub standard_error: f64,
    /// Clamped to [0, 1].
    pub interval_95: (f64, f64),
    pub interval_99: (f64, f64),
    pub clusters: usize,
    /// Sampled clusters where nobody was checked; they are left out.
    pub clusters_without_checks: Vec<String>,
    pub checked: u64,
    pub failed: u64,
    /// The cluster variance over the simple-random-sample variance p(1−p)/n: how much
    /// clustering widens the interval.
    pub design_effect: f64,
}

/// Estimates the failure share of a list audit from its clusters.
///
/// With `a_i = w_i · failed_i`, `m_i = w_i · checked_i`, `w_i = size_i / checked_i` (or 1):
/// `p̂ = Σa / Σm`, with the ratio estimator's cluster variance and `f = clusters / clusters_in_frame`.
pub fn estimate(
    test: ListTest,
    results: &[ClusterResult],
    clusters_in_frame: u64,
) -> Result<ListAuditEstimate, StatsError> {
    if results.is_empty() {
        return Err(StatsError::EmptySample {
            what: "no cluster results were given",
        });
    }
    let mut observations = Vec::with_capacity(results.len());
    let mut empty = Vec::new();
    let (mut checked, mut failed) = (0u64, 0u64);
    for (i, r) in results.iter().enumerate() {
        if results[..i].iter().any(|o| o.cluster == r.cluster) {
            return Err(StatsError::DuplicateStation {
                station: r.cluster.clone(),
            });
        }
        if r.failed > r.checked {
            return Err(StatsError::OutOfRange {
                name: "failures in a cluster",
                value: r.failed as f64,
                expected: "at most the number checked there",
            });
        }
        if r.checked == 0 {
            empty.push(r.cluster.clone());
            continue;
        }
        let w = match r.size {
            Some(size) if size < r.checked => {
                return Err(StatsError::OutOfRange {
                    name: "a cluster's size",
                    value: size as f64,
                    expected: "at least the number checked there",
                });
            }
            Some(size) => size as f64 / r.checked as f64,
            None => 1.0,
        };
        observations.push((w * r.failed as f64, w * r.checked as f64));
        checked += r.checked;
        failed += r.failed;
    }
    let e = ratio_estimate(&[RatioStratum {
        stratum: String::new(),
        clusters_in_frame,
        observations,
    }])?;
    let srs = e.estimate * (1.0 - e.estimate) / checked as f64;
    let clamp = |(lo, hi): (f64, f64)| (lo.max(0.0), hi.min(1.0));
    Ok(ListAuditEstimate {
        test,
        share: e.estimate,
        standard_error: e.standard_error,
        interval_95: clamp(e.interval_95),
        interval_99: clamp(e.interval_99),
        clusters: e.clusters,
        clusters_without_checks: empty,
        checked,
        failed,
        design_effect: if srs > 0.0 {
            e.variance / srs
        } else {
            f64::NAN
        },
    })
}

/// First stage of either test: `take` clusters (stations, communes, villages) drawn from the
/// seed with consistent_sampler, without replacement, in draw order.
pub fn draw_clusters<S: AsRef<str>>(
    seed: &str,
    clusters: &[S],
    take: usize,
) -> Result<Vec<Ticket>, StatsError> {
    sample(clusters, seed, &SampleOptions::take(take))
}

/// A name on the list and the cluster (station or commune) it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedName {
    pub voter: String,
    pub cluster: String,
}

/// The names to look for in one drawn cluster, in draw order: teams work down the list, so
/// names beyond the quota serve as replacements in the same order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterDraw {
    pub cluster: Ticket,
    /// Names on the list in this cluster.
    pub size: u64,
    pub names: Vec<Ticket>,
}

/// The list-to-people sample: `clusters` clusters from the seed, then up to `per_cluster`
/// names in each (all of them in a smaller cluster), each stage a consistent_sampler draw
/// without replacement from the same seed: stage one over cluster ids, stage two over the
/// voter ids of that cluster.
pub fn draw_names(
    seed: &str,
    names: &[ListedName],
    clusters: usize,
    per_cluster: usize,
) -> Result<Vec<ClusterDraw>, StatsError> {
    let mut members: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for n in names {
        members
            .entry(n.cluster.as_str())
            .or_default()
            .push(n.voter.as_str());
    }
    let ids: Vec<&str> = members.keys().copied().collect();
    let drawn = draw_clusters(seed, &ids, clusters)?;
    drawn
        .into_iter()
        .map(|cluster| {
            let voters = &members[cluster.id.as_str()];
            let take = per_cluster.min(voters.len());
            Ok(ClusterDraw {
                size: voters.len() as u64,
                names: sample(voters, seed, &SampleOptions::take(take))?,
                cluster,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(id: &str, size: Option<u64>, checked: u64, failed: u64) -> ClusterResult {
        ClusterResult {
            cluster: id.into(),
            size,
            checked,
            failed,
        }
    }

    #[test]
    fn unweighted_share_and_cluster_interval() {
        // Four communes of 414, 25 names checked in each: 2, 3, 4, 1 not found.
        // p̂ = 10/100; d = failed − 0.1 · 25 = −0.5, 0.5, 1.5, −1.5; Σd² = 5;
        // V = (1 − 4/414)/(4 · 25²) · 5/3.
        let r = [
            cluster("a", None, 25, 2),
            cluster("b", None, 25, 3),
            cluster("c", None, 25, 4),
            cluster("d", None, 25, 1),
        ];
        let e = estimate(ListTest::ListToPeople, &r, 414).unwrap();
        assert!((e.share - 0.1).abs() < 1e-15);
        let v: f64 = (1.0 - 4.0 / 414.0) / 2500.0 * 5.0 / 3.0;
        assert!((e.standard_error - v.sqrt()).abs() < 1e-15);
        assert!((e.design_effect - v / (0.09 / 100.0)).abs() < 1e-12);
        assert_eq!((e.checked, e.failed), (100, 10));
    }

    #[test]
    fn sizes_weight_clusters() {
        // A big cluster with few failures and a small one with many: weighting by size pulls
        // the share towards the big one. (2000·0.05 + 500·0.4) / 2500 = 0.12.
        let r = [
            cluster("big", Some(2000), 20, 1),
            cluster("small", Some(500), 20, 8),
        ];
        let e = estimate(ListTest::PeopleToList, &r, 100).unwrap();
        assert!((e.share - 0.12).abs() < 1e-15);
        let unweighted = [cluster("big", None, 20, 1), cluster("small", None, 20, 8)];
        let u = estimate(ListTest::PeopleToList, &unweighted, 100).unwrap();
        assert!((u.share - 9.0 / 40.0).abs() < 1e-15);
        assert!(e.interval_95.0 >= 0.0 && e.interval_95.1 <= 1.0);
    }

    #[test]
    fn clusters_where_nobody_was_checked_are_listed_apart() {
        let r = [
            cluster("a", None, 10, 1),
            cluster("b", None, 0, 0),
            cluster("c", None, 10, 2),
        ];
        let e = estimate(ListTest::ListToPeople, &r, 50).unwrap();
        assert_eq!(e.clusters, 2);
        assert_eq!(e.clusters_without_checks, vec!["b".to_string()]);
    }

    #[test]
    fn bad_input() {
        assert!(matches!(
            estimate(ListTest::ListToPeople, &[], 10),
            Err(StatsError::EmptySample { .. })
        ));
        assert!(estimate(ListTest::ListToPeople, &[cluster("a", None, 1, 2)], 10).is_err());
        assert!(estimate(ListTest::ListToPeople, &[cluster("a", Some(1), 2, 0)], 10).is_err());
        assert!(matches!(
            estimate(ListTest::ListToPeople, &[cluster("a", None, 5, 1)], 10),
            Err(StatsError::TooFewStations { .. })
        ));
        assert!(matches!(
            estimate(
                ListTest::ListToPeople,
                &[cluster("a", None, 5, 1), cluster("a", None, 5, 1)],
                10
            ),
            Err(StatsError::DuplicateStation { .. })
        ));
        assert!(matches!(
            estimate(ListTest::ListToPeople, &[cluster("a", None, 0, 0)], 10),
            Err(StatsError::EmptySample { .. })
        ));
    }

    #[test]
    fn two_stage_name_draw() {
        let names: Vec<ListedName> = (0..10)
            .flat_map(|c| {
                (0..(5 + c)).map(move |v| ListedName {
                    voter: format!("V{c}-{v}"),
                    cluster: format!("C{c}"),
                })
            })
            .collect();
        let seed = "11223344556611223344";
        let draws = draw_names(seed, &names, 4, 6).unwrap();
        assert_eq!(draws.len(), 4);
        let first_stage: Vec<String> = draw_clusters(
            seed,
            &(0..10).map(|c| format!("C{c}")).collect::<Vec<_>>(),
            4,
        )
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
        for (d, c) in draws.iter().zip(&first_stage) {
            assert_eq!(&d.cluster.id, c);
            assert_eq!(d.names.len(), 6.min(d.size as usize));
            assert!(
                d.names
                    .iter()
                    .all(|n| n.id.starts_with(&format!("V{}-", &c[1..])))
            );
        }
        assert!(matches!(
            draw_names(seed, &names, 11, 6),
            Err(StatsError::TakeExceedsIds { .. })
        ));
    }
}
