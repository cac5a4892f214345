//! Seat allocation for closed party lists: D'Hondt, Sainte-Laguë and Hare largest remainder.
//!
//! All comparisons are exact integer arithmetic (no floating point), so a tie is a real tie.
//!
//! **Tie rule.** When parties tie for the last seat or seats (equal quotients under a divisor
//! method, equal remainders under Hare), the seat goes to the party with more votes. If they
//! also have equal votes, the [`TieBreak`] decides: `Lot` draws lots with consistent_sampler
//! (the party whose name has the smallest first ticket under the public seed wins), and
//! `Refuse` returns [`StatsError::UnresolvedTie`] so that the commission settles it under its
//! own law. Ties that do not change the result (two tied parties, two seats left) need no rule.

use std::cmp::Ordering;

use serde::Serialize;

use crate::StatsError;
use crate::consistent_sampler::first_fraction;

/// The allocation formula.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Highest averages with divisors 1, 2, 3, …
    DHondt,
    /// Highest averages with divisors 1, 3, 5, …
    SainteLague,
    /// Quota = votes / seats; whole quotas first, then the largest remainders.
    HareLargestRemainder,
}

/// What settles a tie between parties with equal votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TieBreak {
    /// Return an error naming the tied parties.
    Refuse,
    /// Draw lots from a public seed: smallest consistent_sampler first ticket of the party name.
    Lot { seed: String },
}

/// How a decisive tie was settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TieNote {
    /// The tied parties, in the order the rule ranked them.
    pub parties: Vec<String>,
    /// Seats among them that the tie decided.
    pub seats: u32,
    /// "more votes" or "lot".
    pub settled_by: &'static str,
}

/// Seats per party, in the order the parties were given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub method: Method,
    pub parties: Vec<String>,
    pub votes: Vec<u64>,
    pub seats: Vec<u32>,
    pub ties: Vec<TieNote>,
}

/// Allocates `seats` among `parties` (name, votes).
pub fn allocate(
    method: Method,
    parties: &[(&str, u64)],
    seats: u32,
    tie_break: &TieBreak,
) -> Result<Allocation, StatsError> {
    if parties.is_empty() {
        return Err(StatsError::EmptySample {
            what: "no parties to allocate seats to",
        });
    }
    for (i, (name, _)) in parties.iter().enumerate() {
        if parties[..i].iter().any(|(n, _)| n == name) {
            return Err(StatsError::InvalidContest {
                reason: format!("party {name:?} is listed twice"),
            });
        }
    }
    let total: u64 = parties.iter().map(|p| p.1).sum();
    if total == 0 && seats > 0 {
        return Err(StatsError::InvalidContest {
            reason: "no party has any votes, so no seat can be allocated".into(),
        });
    }
    let mut result = Allocation {
        method,
        parties: parties.iter().map(|p| p.0.to_string()).collect(),
        votes: parties.iter().map(|p| p.1).collect(),
        seats: vec![0; parties.len()],
        ties: Vec::new(),
    };
    if seats == 0 {
        return Ok(result);
    }
    let lots = Lots::new(parties, tie_break);
    match method {
        Method::DHondt | Method::SainteLague => {
            highest_averages(method, parties, seats, &lots, &mut result)?
        }
        Method::HareLargestRemainder => {
            largest_remainder(parties, seats, total, &lots, &mut result)?
        }
    }
    Ok(result)
}

/// Ranks tied parties: more votes first, then the lot (or no order, when lots are refused).
struct Lots {
    tickets: Option<Vec<String>>,
}

impl Lots {
    fn new(parties: &[(&str, u64)], tie_break: &TieBreak) -> Lots {
        Lots {
            tickets: match tie_break {
                TieBreak::Refuse => None,
                TieBreak::Lot { seed } => Some(
                    parties
                        .iter()
                        .map(|(n, _)| first_fraction(n, seed))
                        .collect(),
                ),
            },
        }
    }

    fn order(&self, parties: &[(&str, u64)], a: usize, b: usize) -> Ordering {
        parties[b]
            .1
            .cmp(&parties[a].1)
            .then_with(|| match &self.tickets {
                Some(t) => t[a].cmp(&t[b]),
                None => Ordering::Equal,
            })
    }
}

/// Divisor methods: the `seats` largest quotients votes / divisor win, one seat each.
fn highest_averages(
    method: Method,
    parties: &[(&str, u64)],
    seats: u32,
    lots: &Lots,
    result: &mut Allocation,
) -> Result<(), StatsError> {
    let divisor = |s: u32| -> u128 {
        match method {
            Method::SainteLague => 2 * u128::from(s) + 1,
            _ => u128::from(s) + 1,
        }
    };
    // q_i = v_i / divisor(seats_i), compared exactly: v_a · d_b against v_b · d_a.
    let cmp_quotient = |won: &[u32], a: usize, b: usize| -> Ordering {
        (u128::from(parties[a].1) * divisor(won[b]))
            .cmp(&(u128::from(parties[b].1) * divisor(won[a])))
    };
    let mut won = vec![0u32; parties.len()];
    for _ in 0..seats {
        let best = (0..parties.len())
            .max_by(|&a, &b| cmp_quotient(&won, a, b).then_with(|| lots.order(parties, b, a)))
            .expect("parties is not empty");
        won[best] += 1;
    }

    // Was the last seat decided by a tie? Parties whose current quotient equals the last
    // winning quotient, on either side of the line.
    let last = (0..parties.len())
        .filter(|&i| won[i] > 0)
        .min_by(|&a, &b| {
            // The smallest winning quotient v / divisor(seats − 1).
            let qa = u128::from(parties[a].1) * divisor(won[b] - 1);
            let qb = u128::from(parties[b].1) * divisor(won[a] - 1);
            qa.cmp(&qb)
        })
        .expect("a seat was won");
    let last_q = (u128::from(parties[last].1), divisor(won[last] - 1));
    let equals_last = |v: u64, d: u128| u128::from(v) * last_q.1 == last_q.0 * d;
    let inside: Vec<usize> = (0..parties.len())
        .filter(|&i| won[i] > 0 && equals_last(parties[i].1, divisor(won[i] - 1)))
        .collect();
    let outside: Vec<usize> = (0..parties.len())
        .filter(|&i| equals_last(parties[i].1, divisor(won[i])))
        .collect();
    if !outside.is_empty() {
        note_tie(parties, seats, &inside, &outside, lots, result)?;
    }
    result.seats = won;
    Ok(())
}

/// Hare quota: floor(v · S / V) seats each, then one more for the largest remainders
/// (v · S mod V, compared exactly).
fn largest_remainder(
    parties: &[(&str, u64)],
    seats: u32,
    total: u64,
    lots: &Lots,
    result: &mut Allocation,
) -> Result<(), StatsError> {
    let s = u128::from(seats);
    let v = u128::from(total);
    let mut won: Vec<u32> = parties
        .iter()
        .map(|p| (u128::from(p.1) * s / v) as u32)
        .collect();
    let remainder = |i: usize| u128::from(parties[i].1) * s % v;
    let left = seats - won.iter().sum::<u32>();
    let mut order: Vec<usize> = (0..parties.len()).collect();
    order.sort_by(|&a, &b| {
        remainder(b)
            .cmp(&remainder(a))
            .then_with(|| lots.order(parties, a, b))
    });
    let left = left as usize;
    if left > 0 && left < order.len() {
        let cut = remainder(order[left - 1]);
        if remainder(order[left]) == cut {
            let inside: Vec<usize> = order[..left]
                .iter()
                .copied()
                .filter(|&i| remainder(i) == cut)
                .collect();
            let outside: Vec<usize> = order[left..]
                .iter()
                .copied()
                .filter(|&i| remainder(i) == cut)
                .collect();
            note_tie(parties, seats, &inside, &outside, lots, result)?;
        }
    }
    for &i in &order[..left] {
        won[i] += 1;
    }
    result.seats = won;
    Ok(())
}

/// Records a decisive tie, or refuses it when only a lot could settle it and lots are refused.
fn note_tie(
    parties: &[(&str, u64)],
    seats: u32,
    inside: &[usize],
    outside: &[usize],
    lots: &Lots,
    result: &mut Allocation,
) -> Result<(), StatsError> {
    let mut tied: Vec<usize> = inside.iter().chain(outside).copied().collect();
    let weakest_in = inside
        .iter()
        .map(|&i| parties[i].1)
        .min()
        .unwrap_or(u64::MAX);
    let strongest_out = outside.iter().map(|&i| parties[i].1).max().unwrap_or(0);
    let by_votes = weakest_in > strongest_out;
    if !by_votes && lots.tickets.is_none() {
        tied.sort();
        return Err(StatsError::UnresolvedTie {
            // The tie decides the last `inside.len()` seats.
            seat: seats + 1 - inside.len() as u32,
            parties: tied.iter().map(|&i| parties[i].0.to_string()).collect(),
        });
    }
    tied.sort_by(|&a, &b| lots.order(parties, a, b));
    result.ties.push(TieNote {
        parties: tied.iter().map(|&i| parties[i].0.to_string()).collect(),
        seats: inside.len() as u32,
        settled_by: if by_votes { "more votes" } else { "lot" },
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seats(method: Method, parties: &[(&str, u64)], n: u32) -> Vec<u32> {
        allocate(method, parties, n, &TieBreak::Refuse)
            .unwrap()
            .seats
    }

    // 8 seats; A 100,000, B 80,000, C 30,000, D 20,000.
    // D'Hondt quotients: A 100 50 33.3 25 20; B 80 40 26.7 20; C 30 15; D 20.
    // The 8 largest: 100 80 50 40 33.3 30 26.7 25 → A 4, B 3, C 1, D 0.
    // Sainte-Laguë (÷1,3,5,7): A 100 33.3 20 14.3; B 80 26.7 16; C 30 10; D 20 6.7.
    // The 8 largest: 100 80 33.3 30 26.7 20 20 16 → A 3, B 3, C 1, D 1.
    // Hare: quota 230,000 / 8 = 28,750; A 3.48, B 2.78, C 1.04, D 0.70 → whole 3+2+1+0 = 6;
    // remainders B .78, D .70 take the last two → A 3, B 3, C 1, D 1.
    const TEXTBOOK: [(&str, u64); 4] =
        [("A", 100_000), ("B", 80_000), ("C", 30_000), ("D", 20_000)];

    #[test]
    fn textbook_example() {
        assert_eq!(seats(Method::DHondt, &TEXTBOOK, 8), vec![4, 3, 1, 0]);
        assert_eq!(seats(Method::SainteLague, &TEXTBOOK, 8), vec![3, 3, 1, 1]);
        assert_eq!(
            seats(Method::HareLargestRemainder, &TEXTBOOK, 8),
            vec![3, 3, 1, 1]
        );
    }

    #[test]
    fn sainte_lague_tie_settled_by_more_votes() {
        // Sorted Sainte-Laguë quotients: 100 80 33.3 30 26.7, then A's 100/5 = 20 and D's
        // 20/1 = 20 tie for the 6th and 7th places. With 7 seats both fit: no decisive tie.
        let a = allocate(Method::SainteLague, &TEXTBOOK, 7, &TieBreak::Refuse).unwrap();
        assert_eq!(a.seats, vec![3, 2, 1, 1]);
        assert!(a.ties.is_empty());
        // With 6 seats only one fits, and A has more votes.
        let a = allocate(Method::SainteLague, &TEXTBOOK, 6, &TieBreak::Refuse).unwrap();
        assert_eq!(a.seats, vec![3, 2, 1, 0]);
        assert_eq!(
            a.ties,
            vec![TieNote {
                parties: vec!["A".into(), "D".into()],
                seats: 1,
                settled_by: "more votes"
            }]
        );
    }

    #[test]
    fn equal_votes_need_a_lot() {
        // Two parties with 1,000 votes each and 3 seats: the third seat is a pure tie.
        let parties = [("Red", 1000), ("Blue", 1000)];
        for method in [
            Method::DHondt,
            Method::SainteLague,
            Method::HareLargestRemainder,
        ] {
            let err = allocate(method, &parties, 3, &TieBreak::Refuse).unwrap_err();
            assert_eq!(
                err,
                StatsError::UnresolvedTie {
                    seat: 3,
                    parties: vec!["Red".into(), "Blue".into()]
                },
                "{method:?}"
            );
            // Two seats: the tie does not matter.
            assert_eq!(seats(method, &parties, 2), vec![1, 1]);
            // By lot: the party with the smaller first ticket gets the odd seat.
            let seed = "12345612345612345612".to_string();
            let winner = if first_fraction("Red", &seed) < first_fraction("Blue", &seed) {
                0
            } else {
                1
            };
            let a = allocate(method, &parties, 3, &TieBreak::Lot { seed }).unwrap();
            assert_eq!(a.seats[winner], 2);
            assert_eq!(a.seats[1 - winner], 1);
            assert_eq!(a.ties[0].settled_by, "lot");
        }
    }

    #[test]
    fn hare_remainder_tie_settled_by_votes() {
        // 10 seats, 3 parties; quota 100. X 450 → 4 r50; Y 350 → 3 r50; Z 200 → 2 r0.
        // One seat left, X and Y tie on remainder 50; X has more votes.
        let parties = [("X", 450), ("Y", 350), ("Z", 200)];
        let a = allocate(
            Method::HareLargestRemainder,
            &parties,
            10,
            &TieBreak::Refuse,
        )
        .unwrap();
        assert_eq!(a.seats, vec![5, 3, 2]);
        assert_eq!(a.ties[0].settled_by, "more votes");
    }

    #[test]
    fn dhondt_favours_large_parties_where_hare_does_not() {
        // 5 seats: A 47,000, B 16,000, C 15,800, D 12,000, E 6,100, F 3,100 (total 100,000).
        // D'Hondt: A 47 23.5 15.7; B 16; C 15.8 → A 3, B 1, C 1.
        // Hare (quota 20,000): A 2 r7,000; remainders B 16,000, C 15,800, D 12,000 → B, C, D.
        let parties = [
            ("A", 47_000),
            ("B", 16_000),
            ("C", 15_800),
            ("D", 12_000),
            ("E", 6_100),
            ("F", 3_100),
        ];
        assert_eq!(seats(Method::DHondt, &parties, 5), vec![3, 1, 1, 0, 0, 0]);
        assert_eq!(
            seats(Method::HareLargestRemainder, &parties, 5),
            vec![2, 1, 1, 1, 0, 0]
        );
    }

    #[test]
    fn bad_input() {
        assert!(allocate(Method::DHondt, &[], 3, &TieBreak::Refuse).is_err());
        assert!(allocate(Method::DHondt, &[("A", 0), ("B", 0)], 3, &TieBreak::Refuse).is_err());
        assert!(allocate(Method::DHondt, &[("A", 1), ("A", 2)], 3, &TieBreak::Refuse).is_err());
        assert_eq!(seats(Method::DHondt, &[("A", 1)], 0), vec![0]);
        assert_eq!(seats(Method::DHondt, &[("A", 1), ("B", 0)], 3), vec![3, 0]);
    }
}
