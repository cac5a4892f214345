//! A synthetic electronic poll book for [`Cambodia2013`]: station pseudonym lists, temporary
//! cards and election-day check-ins, with planted double check-ins and card misuse, and the
//! truth beside them.
//!
//! The log it writes, in order: the genesis (with a `card_threshold`), the stations, the
//! polling officials (one per province, scoped to it) and a second registration officer, the
//! roll (optional), each province's pseudonym lists (governed), the temporary cards, then the
//! check-ins: online stations sync in rounds of [`ONLINE_CHUNK`] check-ins, each a signed entry;
//! then a late online round carrying the planted second check-ins, a sync sent again unchanged
//! and a check-in id sent again with another time; then each offline station's whole day as one
//! signed batch; then one offline station's sync sent again with two more check-ins.
//!
//! Planted, with the alert each must raise (and nothing else raises one):
//! - a voter checked in twice at their own station (online): `double_checkin`;
//! - at another station (online, and offline-synced): `double_checkin` and `not_on_list`;
//! - twice within one offline station's batch, and once at each of two offline stations;
//! - a person on no list: `not_on_list`;
//! - a card used twice: `card_reused`; a card number never issued: `unknown_card`; a card used
//!   at another station: `card_wrong_station`; a card issued above the threshold without
//!   approval and used: `card_unapproved`; each such card: `card_over_threshold`;
//! - the same check-in id with another time: `conflicting_checkin`.
//!
//! A sync sent again unchanged, and the superset re-sync, raise nothing and count once.

use crate::Rng;
use crate::cambodia::{Cambodia2013, StationPlan};
use ledger::event::*;
use std::collections::{BTreeMap, BTreeSet};
use tlog::note::{PrivateKey, TYPE_ED25519};

/// 28 July 2013, 00:00 UTC (07:00 in Phnom Penh, when the polls opened).
pub const ELECTION_DAY: u64 = 1_374_969_600;

/// Check-ins per online sync.
pub const ONLINE_CHUNK: usize = 50;

/// Check-ins per entry of an offline station's batch (well under the 65,535-byte entry).
pub const ENTRY_CHECKINS: usize = 500;

/// Share of registered voters who check in: 7 million of Cambodia's 9,675,453.
pub const TURNOUT: f64 = 7_000_000.0 / 9_675_453.0;

/// An alert the poll book must raise, as the truth says.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Expected {
    pub kind: &'static str,
    pub station: String,
    /// The check-in that raises it; None for a card issued above the threshold.
    pub checkin: Option<String>,
    /// The earlier check-in a second check-in repeats: station and id.
    pub earlier: Option<(String, String)>,
}

/// What was planted and what the reports must count.
#[derive(Debug, Default, Clone)]
pub struct Truth {
    pub alerts: Vec<Expected>,
    /// Distinct check-ins per station.
    pub checkins: BTreeMap<String, u64>,
    /// Cards per officer and per commune: (issued, without an identity document).
    pub cards_by_officer: BTreeMap<String, (u64, u64)>,
    pub cards_by_commune: BTreeMap<String, (u64, u64)>,
    /// Voter ids of every planted double check-in (which no alert may name).
    pub double_voters: Vec<String>,
}

/// One station's day.
#[derive(Debug, Clone)]
pub struct StationDay {
    /// Index into the election's stations.
    pub station: usize,
    pub offline: bool,
    /// The station's own check-ins, in time order.
    pub checkins: Vec<CheckIn>,
    /// Planted check-ins synced after them: in the late online round, or at the end of an
    /// offline station's batch.
    pub planted: Vec<CheckIn>,
}

/// A card and who issues it how.
#[derive(Debug, Clone)]
pub struct CardIssue {
    pub card: TemporaryCard,
    /// 0: the genesis's registration officer; 1: the second officer.
    pub officer: usize,
    /// Issued through a governed batch.
    pub governed: bool,
}

/// The synthetic poll book.
pub struct PollBook {
    pub election: Cambodia2013,
    pub secret: [u8; 32],
    /// One polling official per province, scoped to it.
    pub officials: Vec<PrivateKey>,
    pub officer2: PrivateKey,
    pub card_threshold: u64,
    /// Whether the roll is registered (cards then name voters on it).
    pub with_roll: bool,
    pub days: Vec<StationDay>,
    pub cards: Vec<CardIssue>,
    /// The online sync sent again unchanged: (station day, chunk).
    pub resent_chunk: Option<(usize, usize)>,
    /// The offline station whose sync is sent again with two more check-ins, and those two.
    pub resync: Option<(usize, Vec<CheckIn>)>,
    pub truth: Truth,
    seed: u64,
    /// Each station's check-ins, planted ones included, are exactly the ballots its result
    /// forms count ([`PollBook::matching_forms`]).
    match_forms: bool,
}

/// The first voter number of each station within its province, as [`Cambodia2013::roll_voters`]
/// numbers them: `KH<province><7 digits>`.
fn voter_ids(c: &Cambodia2013) -> Vec<u64> {
    let mut next = [1u64; 24];
    c.stations
        .iter()
        .map(|s| {
            let first = next[s.province];
            next[s.province] += u64::from(s.registered);
            first
        })
        .collect()
}

fn voter_id(s: &StationPlan, n: u64) -> String {
    format!("KH{:02}{n:07}", s.province + 1)
}

fn sha_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(text.as_bytes()))
}

/// A new registrant's commitment (as a registration's private fields would make it).
fn commitment_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    let salt: [u8; 32] = Sha256::digest(text.as_bytes()).into();
    let fields = BTreeMap::from([("registrant".to_string(), text.to_string())]);
    commitment(&salt, &fields)
}

impl PollBook {
    /// A poll book for `election`, planned. Without the roll, cards are for new registrants
    /// only.
    pub fn new(election: Cambodia2013, seed: u64, with_roll: bool) -> PollBook {
        let mut book = PollBook::unplanned(election, seed, with_roll);
        let mut rng = Rng::new(seed ^ 0x9011_B00C);
        book.plan(&mut rng);
        book
    }

    /// The keys, secret and setup without election day's plan (for benchmarks that make
    /// their own check-ins, station by station).
    pub fn unplanned(election: Cambodia2013, seed: u64, with_roll: bool) -> PollBook {
        let key = |name: &str| {
            let mut s = [0u8; 32];
            for (i, b) in sha_hex(&format!("{seed}/{name}"))
                .bytes()
                .take(32)
                .enumerate()
            {
                s[i] = b;
            }
            PrivateKey::from_seed(name, TYPE_ED25519, s).expect("valid names")
        };
        let officials = (0..24)
            .map(|p| key(&format!("nec.polling.{:02}", p + 1)))
            .collect();
        let officer2 = key("nec.registration.2");
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&sha_hex(&format!("{seed}/secret")).as_bytes()[..32]);
        PollBook {
            election,
            secret,
            officials,
            officer2,
            card_threshold: 20,
            with_roll,
            days: Vec::new(),
            cards: Vec::new(),
            resent_chunk: None,
            resync: None,
            truth: Truth::default(),
            seed,
            match_forms: false,
        }
    }

    /// As [`PollBook::new`], except that each station's check-ins, the planted ones included,
    /// are exactly the ballots its result forms count ([`StationPlan::cast`]), so that the
    /// forms' ballot accounting reconciles with the poll book wherever nothing is planted on
    /// them (the demo).
    pub fn matching_forms(election: Cambodia2013, seed: u64, with_roll: bool) -> PollBook {
        let mut book = PollBook::unplanned(election, seed, with_roll);
        book.match_forms = true;
        let mut rng = Rng::new(seed ^ 0x9011_B00C);
        book.plan(&mut rng);
        book
    }

    /// The pseudonym of voter number `n` of station `s`.
    pub fn pseudonym_of(&self, s: usize, n: u64) -> String {
        pseudonym(&self.secret, &voter_id(&self.election.stations[s], n))
    }

    fn plan(&mut self, rng: &mut Rng) {
        let first = voter_ids(&self.election);
        let stations = &self.election.stations;
        let n = stations.len();
        // Voters who checked in, by station: (voter number, used by a plant already).
        let mut voted: Vec<Vec<u64>> = Vec::with_capacity(n);
        let mut stayed: Vec<Vec<u64>> = Vec::with_capacity(n);
        let mut cards_at: Vec<Vec<String>> = vec![Vec::new(); n];
        // Officer 0's cards, a few per station, at most the threshold a day.
        let mut issued = 0u64;
        for (si, s) in stations.iter().enumerate() {
            let (mut v, mut st) = (Vec::new(), Vec::new());
            let mut planned_cards = None;
            if self.match_forms {
                // Exactly the ballots cast: the card holders, and the rest drawn by selection
                // sampling (Knuth's algorithm S).
                let registered = u64::from(s.registered);
                let cast = s.cast.min(registered);
                let cards = if registered - cast > 4 {
                    rng.below(3)
                } else {
                    0
                };
                let mut need = cast - cards.min(cast);
                for k in 0..registered {
                    if rng.unit() * ((registered - k) as f64) < need as f64 {
                        v.push(first[si] + k);
                        need -= 1;
                    } else {
                        st.push(first[si] + k);
                    }
                }
                planned_cards = Some(cards);
            } else {
                for k in 0..u64::from(s.registered) {
                    if rng.unit() < TURNOUT {
                        v.push(first[si] + k);
                    } else {
                        st.push(first[si] + k);
                    }
                }
            }
            let cards =
                planned_cards.unwrap_or_else(|| if st.len() > 4 { rng.below(3) } else { 0 });
            for _ in 0..cards {
                let number = format!("TC-{:06}", self.cards.len() + 1);
                let holder = st.pop().expect("kept above");
                let basis = match rng.below(20) {
                    0..=11 => CardBasis::IdentityDocument,
                    12..=16 => CardBasis::TwoWitnesses,
                    _ => CardBasis::Other,
                };
                self.cards.push(CardIssue {
                    card: TemporaryCard {
                        at: ELECTION_DAY - 86_400 * (1 + issued / self.card_threshold)
                            + 3_600
                            + issued % self.card_threshold * 60,
                        basis,
                        card: number.clone(),
                        evidence: sha_hex(&format!("evidence {number}")),
                        registrant: (!self.with_roll)
                            .then(|| commitment_of(&format!("registrant {number}"))),
                        station: s.code.clone(),
                        voter: self.with_roll.then(|| voter_id(s, holder)),
                    },
                    officer: 0,
                    governed: false,
                });
                issued += 1;
                cards_at[si].push(number);
            }
            voted.push(v);
            stayed.push(st);
        }
        // The second officer: the threshold plus three in one day directly (three over), and
        // the threshold plus five in another through a governed batch (none over).
        for (k, governed, day) in (0..self.card_threshold + 3)
            .map(|k| (k, false, 3))
            .chain((0..self.card_threshold + 5).map(|k| (k, true, 2)))
        {
            let number = format!("TC2-{}{k:04}", if governed { "G" } else { "D" });
            let s = &stations[rng.below(n as u64) as usize];
            self.cards.push(CardIssue {
                card: TemporaryCard {
                    at: ELECTION_DAY - 86_400 * day + 7_200 + k * 30,
                    basis: if k % 2 == 0 {
                        CardBasis::TwoWitnesses
                    } else {
                        CardBasis::IdentityDocument
                    },
                    card: number.clone(),
                    evidence: sha_hex(&format!("evidence {number}")),
                    registrant: Some(commitment_of(&format!("registrant {number}"))),
                    station: s.code.clone(),
                    voter: None,
                },
                officer: 1,
                governed,
            });
        }

        // Each station's own check-ins, in time order.
        let mut days: Vec<StationDay> = (0..n)
            .map(|si| {
                let s = &stations[si];
                let mut who: Vec<Presented> = voted[si]
                    .iter()
                    .map(|&v| Presented::Pseudonym(pseudonym(&self.secret, &voter_id(s, v))))
                    .chain(cards_at[si].iter().map(|c| Presented::Card(c.clone())))
                    .collect();
                // Shuffle so that card holders come in through the day.
                for i in (1..who.len()).rev() {
                    who.swap(i, rng.below(i as u64 + 1) as usize);
                }
                let mut times: Vec<u64> = (0..who.len())
                    .map(|_| ELECTION_DAY + rng.below(8 * 3_600))
                    .collect();
                times.sort_unstable();
                StationDay {
                    station: si,
                    offline: si % 3 == 1,
                    checkins: who
                        .into_iter()
                        .zip(times)
                        .enumerate()
                        .map(|(k, (presented, at))| CheckIn {
                            id: format!("{}-{:05}", s.code, k + 1),
                            at,
                            presented,
                        })
                        .collect(),
                    planted: Vec::new(),
                }
            })
            .collect();

        // Plants need stations of both kinds with voters; a tiny election gets none.
        let online: Vec<usize> = (0..n)
            .filter(|&i| !days[i].offline && days[i].checkins.len() >= 10)
            .collect();
        let offline: Vec<usize> = (0..n)
            .filter(|&i| days[i].offline && days[i].checkins.len() >= 10)
            .collect();
        let mut truth = Truth::default();
        if online.len() >= 4 && offline.len() >= 3 {
            self.plant(&mut days, &online, &offline, &mut truth, rng, &stayed);
        }
        if self.match_forms {
            self.trim(&mut days, &truth);
        }
        let stations = &self.election.stations;
        // The truth's counts.
        for d in &days {
            let code = &stations[d.station].code;
            let ids: BTreeSet<&str> = d
                .checkins
                .iter()
                .chain(&d.planted)
                .map(|c| c.id.as_str())
                .collect();
            truth.checkins.insert(code.clone(), ids.len() as u64);
        }
        if let Some((d, extra)) = &self.resync {
            *truth
                .checkins
                .get_mut(&stations[days[*d].station].code)
                .expect("station") += extra.len() as u64;
        }
        let officers = [self.election.keys.officer.name(), self.officer2.name()];
        for c in &self.cards {
            let without = u64::from(c.card.basis != CardBasis::IdentityDocument);
            let o = truth
                .cards_by_officer
                .entry(officers[c.officer].to_string())
                .or_default();
            o.0 += 1;
            o.1 += without;
            let commune = stations
                .iter()
                .find(|s| s.code == c.card.station)
                .map(|s| s.commune.clone())
                .expect("card station");
            let m = truth.cards_by_commune.entry(commune).or_default();
            m.0 += 1;
            m.1 += without;
        }
        truth.alerts.sort();
        self.days = days;
        self.truth = truth;
    }

    fn plant(
        &mut self,
        days: &mut [StationDay],
        online: &[usize],
        offline: &[usize],
        truth: &mut Truth,
        rng: &mut Rng,
        stayed: &[Vec<u64>],
    ) {
        let stations = &self.election.stations;
        // Days are in station order: day d is station d.
        let code = |d: usize| stations[d].code.clone();
        let mut used: BTreeSet<(usize, usize)> = BTreeSet::new();
        // A regular pseudonym check-in at day `d` not used by another plant.
        let mut pick = |days: &[StationDay], d: usize, rng: &mut Rng| -> usize {
            loop {
                let k = rng.below(days[d].checkins.len() as u64) as usize;
                if matches!(days[d].checkins[k].presented, Presented::Pseudonym(_))
                    && used.insert((d, k))
                {
                    return k;
                }
            }
        };
        let mut late_id = 0usize;
        let mut add = |days: &mut [StationDay], to: usize, presented: Presented| -> String {
            late_id += 1;
            let tag = if days[to].offline { 'X' } else { 'L' };
            let id = format!("{}-{tag}{late_id:03}", stations[days[to].station].code);
            days[to].planted.push(CheckIn {
                id: id.clone(),
                at: ELECTION_DAY + 8 * 3_600 + late_id as u64,
                presented,
            });
            id
        };
        let voter_of = |days: &[StationDay], d: usize, k: usize| -> String {
            // Find the voter id whose pseudonym this is (for the truth's list of doubles).
            let s = &stations[days[d].station];
            let Presented::Pseudonym(p) = &days[d].checkins[k].presented else {
                unreachable!("picked pseudonyms only")
            };
            let first = voter_ids(&self.election)[days[d].station];
            (first..first + u64::from(s.registered))
                .map(|v| voter_id(s, v))
                .find(|v| &pseudonym(&self.secret, v) == p)
                .expect("a voter of the station")
        };
        let mut double = |days: &mut [StationDay], from: usize, to: usize, rng: &mut Rng| {
            let k = pick(days, from, rng);
            let presented = days[from].checkins[k].presented.clone();
            let earlier = (code(from), days[from].checkins[k].id.clone());
            let voter = voter_of(days, from, k);
            let id = add(days, to, presented);
            truth.alerts.push(Expected {
                kind: "double_checkin",
                station: code(to),
                checkin: Some(id.clone()),
                earlier: Some(earlier),
            });
            if from != to {
                truth.alerts.push(Expected {
                    kind: "not_on_list",
                    station: code(to),
                    checkin: Some(id),
                    earlier: None,
                });
            }
            truth.double_voters.push(voter);
        };
        // Same station, online; across online stations; online first, offline second; twice
        // in one offline batch; at two offline stations.
        for &d in &online[..3] {
            double(days, d, d, rng);
        }
        for i in 0..3 {
            double(days, online[i], online[(i + 1) % online.len()], rng);
        }
        for i in 0..3 {
            double(days, online[i + 1], offline[i % offline.len()], rng);
        }
        for &d in &offline[..2] {
            double(days, d, d, rng);
        }
        double(days, offline[0], offline[1], rng);
        // People on no list.
        for (i, &to) in online[..2].iter().enumerate() {
            let p = pseudonym(&self.secret, &format!("KH99{i:07}"));
            let id = add(days, to, Presented::Pseudonym(p));
            truth.alerts.push(Expected {
                kind: "not_on_list",
                station: code(to),
                checkin: Some(id),
                earlier: None,
            });
        }
        // Cards: reused, unknown, used at another station, unapproved and used.
        let card_day = (0..days.len())
            .find(|&d| {
                !days[d].offline
                    && days[d]
                        .checkins
                        .iter()
                        .any(|c| matches!(c.presented, Presented::Card(_)))
            })
            .expect("some online station has a card holder");
        let (k, reused) = days[card_day]
            .checkins
            .iter()
            .enumerate()
            .find_map(|(k, c)| match &c.presented {
                Presented::Card(n) => Some((k, n.clone())),
                _ => None,
            })
            .expect("found above");
        let earlier = (code(card_day), days[card_day].checkins[k].id.clone());
        let id = add(days, card_day, Presented::Card(reused));
        truth.alerts.push(Expected {
            kind: "card_reused",
            station: code(card_day),
            checkin: Some(id),
            earlier: Some(earlier),
        });
        let to = online[2];
        let id = add(days, to, Presented::Card("NO-SUCH-CARD".into()));
        truth.alerts.push(Expected {
            kind: "unknown_card",
            station: code(to),
            checkin: Some(id),
            earlier: None,
        });
        // A card issued for one station, used (only) at another.
        let elsewhere = self
            .cards
            .iter()
            .position(|c| c.officer == 0 && c.card.station != code(online[3]))
            .expect("officer 0 issued cards");
        let number = format!("TC-W{:05}", 1);
        let mut wrong = self.cards[elsewhere].clone();
        wrong.card.card = number.clone();
        wrong.card.evidence = sha_hex(&format!("evidence {number}"));
        if let Some(v) = &mut wrong.card.voter {
            // Another voter of the card's station who did not vote.
            let s = stations
                .iter()
                .position(|s| s.code == wrong.card.station)
                .expect("station");
            *v = voter_id(&stations[s], stayed[s][0]);
        }
        // On election day, when the officer issued no other card.
        wrong.card.at = ELECTION_DAY + 3_600;
        self.cards.push(wrong.clone());
        let to = online[3];
        let id = add(days, to, Presented::Card(number));
        truth.alerts.push(Expected {
            kind: "card_wrong_station",
            station: code(to),
            checkin: Some(id),
            earlier: None,
        });
        // The second officer's direct cards above the threshold: each is flagged when issued;
        // the first of them is also used, at its own station.
        let over: Vec<TemporaryCard> = self
            .cards
            .iter()
            .filter(|c| c.officer == 1 && !c.governed)
            .skip(self.card_threshold as usize)
            .map(|c| c.card.clone())
            .collect();
        for c in &over {
            truth.alerts.push(Expected {
                kind: "card_over_threshold",
                station: c.station.clone(),
                checkin: None,
                earlier: None,
            });
        }
        let used_at = days
            .iter()
            .position(|d| stations[d.station].code == over[0].station)
            .expect("station");
        let id = add(days, used_at, Presented::Card(over[0].card.clone()));
        truth.alerts.push(Expected {
            kind: "card_unapproved",
            station: over[0].station.clone(),
            checkin: Some(id),
            earlier: None,
        });
        // A check-in id sent again with another time (online station 3).
        let d = online[3];
        let k = pick(days, d, rng);
        let mut changed = days[d].checkins[k].clone();
        changed.at += 60;
        let earlier = (code(d), changed.id.clone());
        truth.alerts.push(Expected {
            kind: "conflicting_checkin",
            station: code(d),
            checkin: Some(changed.id.clone()),
            earlier: Some(earlier),
        });
        days[d].planted.push(changed);
        // An online sync sent again unchanged; an offline sync sent again with two more.
        self.resent_chunk = Some((online[0], 0));
        let d = offline[2];
        let s = days[d].station;
        let extra = stayed[s]
            .iter()
            .rev()
            .take(2)
            .enumerate()
            .map(|(i, &v)| CheckIn {
                id: format!("{}-R{:02}", code(d), i + 1),
                at: ELECTION_DAY + 9 * 3_600 + i as u64,
                presented: Presented::Pseudonym(pseudonym(
                    &self.secret,
                    &voter_id(&stations[s], v),
                )),
            })
            .collect();
        self.resync = Some((d, extra));
    }

    /// Where planted check-ins came on top of a station's own, leaves out as many of its own
    /// voters' check-ins (the last ones no plant refers to), so that its check-ins stay the
    /// ballots its forms count.
    fn trim(&self, days: &mut [StationDay], truth: &Truth) {
        let mut referred: BTreeSet<&str> = truth
            .alerts
            .iter()
            .filter_map(|a| a.earlier.as_ref().map(|(_, id)| id.as_str()))
            .collect();
        let planted: Vec<String> = days
            .iter()
            .flat_map(|d| d.planted.iter().map(|c| c.id.clone()))
            .collect();
        referred.extend(planted.iter().map(String::as_str));
        for (d, day) in days.iter_mut().enumerate() {
            let cast = self.election.stations[day.station].cast;
            let ids: BTreeSet<&str> = day
                .checkins
                .iter()
                .chain(&day.planted)
                .map(|c| c.id.as_str())
                .collect();
            let mut total = ids.len() as u64;
            if let Some((r, extra)) = &self.resync
                && *r == d
            {
                total += extra.len() as u64;
            }
            let mut excess = total.saturating_sub(cast);
            let mut k = day.checkins.len();
            while excess > 0 && k > 0 {
                k -= 1;
                let c = &day.checkins[k];
                if matches!(c.presented, Presented::Pseudonym(_))
                    && !referred.contains(c.id.as_str())
                {
                    day.checkins.remove(k);
                    excess -= 1;
                }
            }
        }
    }

    /// The genesis, with this poll book's card threshold, signed by all nine members.
    pub fn genesis_entry(&self) -> Vec<u8> {
        let mut g = self.election.genesis();
        g.card_threshold = Some(self.card_threshold);
        let members = &self.election.keys.members;
        let mut entry = Entry::genesis(g, &members[0]);
        for m in &members[1..] {
            entry.cosign(m);
        }
        entry.to_bytes()
    }

    fn asked(&self) -> Vec<String> {
        let m = &self.election.keys.members;
        vec![m[0].name().into(), m[4].name().into()]
    }

    /// A governed batch followed by the approvals that carry it.
    fn governed(
        &self,
        key: &PrivateKey,
        content: Content,
        events: Vec<Event>,
        why: &str,
    ) -> Vec<Vec<Vec<u8>>> {
        let batch = build_batch(key, content, events, Some((why.into(), self.asked())));
        let approvals = self.election.approvals(&entry_id(&batch[0]));
        vec![batch, approvals]
    }

    /// Everything before the check-ins: genesis, stations, officials, roll (if chosen),
    /// pseudonym lists and temporary cards, as submissions in order.
    pub fn setup(&self) -> Vec<Vec<Vec<u8>>> {
        let mut out = self.head();
        for p in 0..24 {
            out.extend(self.lists_submission(p));
        }
        out.extend(self.card_submissions());
        out
    }

    /// One province's pseudonym lists as a governed batch, and its approvals.
    pub fn lists_submission(&self, province: usize) -> Vec<Vec<Vec<u8>>> {
        let lists = self.station_lists(province);
        if lists.is_empty() {
            return Vec::new();
        }
        self.governed(
            &self.election.keys.clerk,
            Content::Pseudonyms,
            lists,
            "the station lists at roll freeze",
        )
    }

    /// The polling officials (one per province) and the second registration officer, as a
    /// governed batch and its approvals.
    pub fn officials_submission(&self) -> Vec<Vec<Vec<u8>>> {
        let c = &self.election;
        let mut keys: Vec<Event> = self
            .officials
            .iter()
            .enumerate()
            .map(|(p, k)| {
                Event::Enrol(Enrol {
                    name: k.name().into(),
                    organisation: None,
                    party: None,
                    person: None,
                    role: Role::PollingOfficial,
                    scope: Scope::Areas(vec![format!("{:02}", p + 1)]),
                    vkey: k.vkey().to_string(),
                })
            })
            .collect();
        keys.push(Event::Enrol(Enrol {
            name: self.officer2.name().into(),
            organisation: None,
            party: None,
            person: None,
            role: Role::RegistrationOfficer,
            scope: Scope::all(),
            vkey: self.officer2.vkey().to_string(),
        }));
        self.governed(
            &c.keys.clerk,
            Content::Enrolments,
            keys,
            "polling officials and a second registration officer",
        )
    }

    /// Genesis, stations, officials and the roll (if chosen).
    pub fn head(&self) -> Vec<Vec<Vec<u8>>> {
        let c = &self.election;
        let mut out = vec![vec![self.genesis_entry()]];
        let stations = c.stations_submission();
        let approvals = c.approvals(&entry_id(&stations[0]));
        out.push(stations);
        out.push(approvals);
        out.extend(self.officials_submission());
        if self.with_roll {
            for p in 0..24 {
                let roll = c.roll_submission(p);
                if roll.is_empty() {
                    continue;
                }
                let approvals = c.approvals(&entry_id(&roll[0]));
                out.push(roll);
                out.push(approvals);
            }
        }
        out
    }

    /// One province's station pseudonym lists, as entries of at most 900 pseudonyms.
    pub fn station_lists(&self, province: usize) -> Vec<Event> {
        let first = voter_ids(&self.election);
        let mut out = Vec::new();
        for (si, s) in self.election.stations.iter().enumerate() {
            if s.province != province {
                continue;
            }
            let all: Vec<String> = (first[si]..first[si] + u64::from(s.registered))
                .map(|v| pseudonym(&self.secret, &voter_id(s, v)))
                .collect();
            for part in all.chunks(900) {
                out.push(Event::Pseudonyms(Pseudonyms {
                    pseudonyms: part.to_vec(),
                    station: s.code.clone(),
                }));
            }
        }
        out
    }

    /// The cards: each officer's direct cards as one ungoverned batch, and the second
    /// officer's governed batch with its approvals.
    pub fn card_submissions(&self) -> Vec<Vec<Vec<u8>>> {
        let officers = [&self.election.keys.officer, &self.officer2];
        let mut out = Vec::new();
        for (o, key) in officers.iter().enumerate() {
            let direct: Vec<Event> = self
                .cards
                .iter()
                .filter(|c| c.officer == o && !c.governed)
                .map(|c| Event::TemporaryCard(c.card.clone()))
                .collect();
            if !direct.is_empty() {
                out.push(build_batch(key, Content::TemporaryCards, direct, None));
            }
            let governed: Vec<Event> = self
                .cards
                .iter()
                .filter(|c| c.officer == o && c.governed)
                .map(|c| Event::TemporaryCard(c.card.clone()))
                .collect();
            if !governed.is_empty() {
                out.extend(self.governed(
                    key,
                    Content::TemporaryCards,
                    governed,
                    "cards for the flooded communes, above the daily threshold",
                ));
            }
        }
        out
    }

    fn official(&self, day: &StationDay) -> &PrivateKey {
        &self.officials[self.election.stations[day.station].province]
    }

    fn entry(&self, day: &StationDay, checkins: &[CheckIn]) -> Vec<u8> {
        Entry::signed(
            Event::Checkins(Checkins {
                checkins: checkins.to_vec(),
                station: self.election.stations[day.station].code.clone(),
            }),
            self.official(day),
        )
        .to_bytes()
    }

    /// An offline station's sync: one signed batch of entries of [`ENTRY_CHECKINS`].
    pub fn offline_sync(&self, day: &StationDay, checkins: &[CheckIn]) -> Vec<Vec<u8>> {
        let code = &self.election.stations[day.station].code;
        let events = checkins
            .chunks(ENTRY_CHECKINS)
            .map(|part| {
                Event::Checkins(Checkins {
                    checkins: part.to_vec(),
                    station: code.clone(),
                })
            })
            .collect();
        build_batch(self.official(day), Content::Checkins, events, None)
    }

    /// Election day as submissions in log order (see the module documentation).
    pub fn checkin_submissions(&self) -> Vec<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        let rounds = self
            .days
            .iter()
            .filter(|d| !d.offline)
            .map(|d| d.checkins.len().div_ceil(ONLINE_CHUNK))
            .max()
            .unwrap_or(0);
        for r in 0..rounds {
            let round: Vec<Vec<u8>> = self
                .days
                .iter()
                .filter(|d| !d.offline)
                .filter_map(|d| {
                    let chunk = d.checkins.chunks(ONLINE_CHUNK).nth(r)?;
                    Some(self.entry(d, chunk))
                })
                .collect();
            out.push(round);
        }
        let mut late: Vec<Vec<u8>> = self
            .days
            .iter()
            .filter(|d| !d.offline && !d.planted.is_empty())
            .map(|d| self.entry(d, &d.planted))
            .collect();
        if let Some((d, chunk)) = self.resent_chunk {
            let day = &self.days[d];
            let part = day.checkins.chunks(ONLINE_CHUNK).nth(chunk).expect("chunk");
            late.push(self.entry(day, part));
        }
        if !late.is_empty() {
            out.push(late);
        }
        for d in self.days.iter().filter(|d| d.offline) {
            let all: Vec<CheckIn> = d.checkins.iter().chain(&d.planted).cloned().collect();
            if !all.is_empty() {
                out.push(self.offline_sync(d, &all));
            }
        }
        if let Some((d, extra)) = &self.resync {
            let day = &self.days[*d];
            let all: Vec<CheckIn> = day
                .checkins
                .iter()
                .chain(&day.planted)
                .chain(extra)
                .cloned()
                .collect();
            out.push(self.offline_sync(day, &all));
        }
        out
    }

    /// The seed this poll book was made from.
    pub fn seed(&self) -> u64 {
        self.seed
    }
}
