//! A synthetic election with the shape of Cambodia's 2013 National Assembly election.

use crate::Rng;
use crate::roll::{Variant, Variants};
use ledger::event::*;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tlog::note::{PrivateKey, TYPE_COSIGNATURE_V1, TYPE_ED25519};

/// The 24 constituencies of 2013 with their seats and the official split (CPP, CNRP), as
/// published by the National Election Committee (see ../shared/data/cambodia/2013-facts.csv).
pub const CONSTITUENCIES: [(&str, u32, u32, u32); 24] = [
    ("Banteay Meanchey", 6, 4, 2),
    ("Battambang", 8, 5, 3),
    ("Kampong Cham", 18, 8, 10),
    ("Kampong Chhnang", 4, 2, 2),
    ("Kampong Speu", 6, 3, 3),
    ("Kampong Thom", 6, 3, 3),
    ("Kampot", 6, 3, 3),
    ("Kandal", 11, 5, 6),
    ("Koh Kong", 1, 1, 0),
    ("Kratie", 3, 2, 1),
    ("Mondul Kiri", 1, 1, 0),
    ("Phnom Penh", 12, 5, 7),
    ("Preah Vihear", 1, 1, 0),
    ("Prey Veng", 11, 5, 6),
    ("Pursat", 4, 3, 1),
    ("Ratanak Kiri", 1, 1, 0),
    ("Siem Reap", 6, 4, 2),
    ("Preah Sihanouk", 1, 1, 0),
    ("Stung Treng", 1, 1, 0),
    ("Svay Rieng", 5, 3, 2),
    ("Takeo", 8, 4, 4),
    ("Kep", 1, 1, 0),
    ("Pailin", 1, 1, 0),
    ("Oddar Meanchey", 1, 1, 0),
];

/// Published national figures of 2013.
pub const REGISTERED: u64 = 9_675_453;
pub const STATIONS: u64 = 19_009;
pub const COMMUNES: u64 = 1_633;
pub const DISTRICTS: u64 = 193;
pub const TURNOUT: f64 = 0.685;

/// The eight parties that contested 2013, with the smaller parties' approximate national
/// shares (the two large ones are calibrated per constituency).
pub const PARTIES: [(&str, &str, f64); 8] = [
    ("CPP", "Cambodian People's Party", 0.0),
    ("CNRP", "Cambodia National Rescue Party", 0.0),
    ("FUNCINPEC", "FUNCINPEC", 0.0366),
    ("LDP", "League for Democracy Party", 0.0104),
    ("KAPP", "Khmer Anti-Poverty Party", 0.0068),
    ("DRP", "Democratic Republican Party", 0.0058),
    ("KEDP", "Khmer Economic Development Party", 0.0044),
    ("CNP", "Cambodian Nationality Party", 0.0027),
];

pub const ORIGIN: &str = "elections.demo/kh-2013";
pub const CONTEST: &str = "na-2013";

/// How large: `divisor` 1 is the national election, 10 (the default) a tenth of its stations,
/// communes and voters with all 24 constituencies and 123 seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scale {
    pub divisor: u32,
}

impl Scale {
    pub const NATIONAL: Scale = Scale { divisor: 1 };
    pub const TENTH: Scale = Scale { divisor: 10 };
}

/// Every key of the synthetic election, derived from the seed.
pub struct Keys {
    pub log: PrivateKey,
    /// Four appointed by the CPP, four by the CNRP, one chosen by consensus.
    pub members: Vec<PrivateKey>,
    pub clerk: PrivateKey,
    pub officer: PrivateKey,
    pub cpp_agent: PrivateKey,
    pub cnrp_agent: PrivateKey,
    pub observer: PrivateKey,
    pub witness_cpp: PrivateKey,
    pub witness_cnrp: PrivateKey,
}

fn derive(seed: u64, name: &str, kind: u8) -> PrivateKey {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(name.as_bytes());
    PrivateKey::from_seed(name, kind, h.finalize().into()).expect("valid names")
}

impl Keys {
    fn new(seed: u64) -> Keys {
        let k = |name: &str| derive(seed, name, TYPE_ED25519);
        Keys {
            log: k(ORIGIN),
            members: [
                "nec.cpp.1",
                "nec.cpp.2",
                "nec.cpp.3",
                "nec.cpp.4",
                "nec.cnrp.1",
                "nec.cnrp.2",
                "nec.cnrp.3",
                "nec.cnrp.4",
                "nec.consensus",
            ]
            .iter()
            .map(|n| k(n))
            .collect(),
            clerk: k("nec.clerk"),
            officer: k("nec.registration"),
            cpp_agent: k("agents.cpp"),
            cnrp_agent: k("agents.cnrp"),
            observer: k("observers.comfrel"),
            witness_cpp: derive(seed, "witness.cpp.demo", TYPE_COSIGNATURE_V1),
            witness_cnrp: derive(seed, "witness.cnrp.demo", TYPE_COSIGNATURE_V1),
        }
    }
}

/// One polling station: its place, roll size and counts.
#[derive(Debug, Clone)]
pub struct StationPlan {
    pub code: String,
    pub commune: String,
    pub province: usize,
    pub registered: u32,
    pub cast: u64,
    pub invalid: u64,
    /// The true count per party (as the party agents and observers copy it).
    pub votes: [u64; 8],
    /// The official form's count; differs from `votes` where the count was manipulated.
    pub official: [u64; 8],
    /// Whether the CNRP had an agent there to copy the form.
    pub cnrp_agent: bool,
}

impl StationPlan {
    pub fn manipulated(&self) -> bool {
        self.votes != self.official
    }
}

/// The synthetic election.
pub struct Cambodia2013 {
    pub scale: Scale,
    pub keys: Keys,
    pub areas: Vec<Area>,
    pub stations: Vec<StationPlan>,
    seed: u64,
}

fn province_code(p: usize) -> String {
    format!("{:02}", p + 1)
}

/// The share of a constituency's registrations that are a second registration of a voter.
pub const DUPLICATE_SHARE: f64 = 0.01;

/// A second registration of `earlier` at `station`, with one or two variants (a move when the
/// station is not the earlier one's).
fn duplicate(earlier: &Register, station: &str, rng: &mut Rng) -> (Register, Variants) {
    let names = earlier.names.clone().unwrap_or(VoterNames {
        family: String::new(),
        family_latin: None,
        given: String::new(),
        given_latin: None,
    });
    let mut v = crate::roll::Voter {
        index: 0,
        voter: String::new(),
        family: names.family,
        given: names.given,
        family_latin: names.family_latin.unwrap_or_default(),
        given_latin: names.given_latin.unwrap_or_default(),
        sex: earlier.sex,
        birth_year: earlier.birth_year,
        birth_month_day: (1, 1),
        village: crate::roll::Village(0),
        person: 0,
        variants: Variants::default(),
        removed: false,
    };
    let n = if rng.unit() < 0.3 { 2 } else { 1 };
    if earlier.station != station {
        v.variants.insert(Variant::MovedVillage);
    }
    while v.variants.iter().count() < n {
        let kind = Variant::ALL[rng.below(Variant::ALL.len() as u64) as usize];
        if v.variants.contains(kind) || kind == Variant::MovedVillage {
            continue;
        }
        crate::roll::vary(&mut v, kind, rng);
        v.variants.insert(kind);
    }
    let register = Register {
        name: format!("{} {}", v.family, v.given),
        names: Some(VoterNames {
            family: v.family,
            family_latin: Some(v.family_latin),
            given: v.given,
            given_latin: Some(v.given_latin),
        }),
        birth_year: v.birth_year,
        commitment: None,
        sex: v.sex,
        station: station.to_owned(),
        voter: String::new(),
    };
    (register, v.variants)
}

/// Splits `total` into `weights.len()` whole parts proportional to `weights` (largest remainder).
fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut left = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        (exact[b] - exact[b].floor())
            .partial_cmp(&(exact[a] - exact[a].floor()))
            .unwrap()
            .then(a.cmp(&b))
    });
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// D'Hondt seats per party for these votes.
fn dhondt(votes: &[u64; 8], seats: u32) -> Vec<u32> {
    let parties: Vec<(&str, u64)> = PARTIES.iter().zip(votes).map(|(p, v)| (p.0, *v)).collect();
    stats::seats::allocate(
        stats::seats::Method::DHondt,
        &parties,
        seats,
        &stats::seats::TieBreak::Refuse,
    )
    .map(|a| a.seats)
    .unwrap_or_default()
}

/// The CPP share of valid votes to aim for in a constituency: inside the interval of shares
/// whose D'Hondt result is the official split, as near the national share as that allows.
fn target_share(seats: u32, cpp: u32, cnrp: u32) -> f64 {
    let small: f64 = PARTIES.iter().map(|p| p.2).sum();
    let big = 1.0 - small;
    let mut ok = Vec::new();
    for i in 20..1900 {
        let p = f64::from(i) / 2000.0;
        if p >= big {
            break;
        }
        let mut votes = [0u64; 8];
        votes[0] = (p * 1e7) as u64;
        votes[1] = ((big - p) * 1e7) as u64;
        for (j, party) in PARTIES.iter().enumerate().skip(2) {
            votes[j] = (party.2 * 1e7) as u64;
        }
        let s = dhondt(&votes, seats);
        if s.len() == 8 && s[0] == cpp && s[1] == cnrp {
            ok.push(p);
        }
    }
    let (lo, hi) = (ok[0], ok[ok.len() - 1]);
    let margin = 0.3 * (hi - lo);
    0.4883f64.clamp(lo + margin, hi - margin)
}

impl Cambodia2013 {
    pub fn new(scale: Scale, seed: u64) -> Cambodia2013 {
        let d = u64::from(scale.divisor.max(1));
        let mut rng = Rng::new(seed);
        let total_registered = REGISTERED / d;
        let total_stations = (STATIONS / d).max(24);
        let total_communes = (COMMUNES / d).max(24);
        let total_districts = ((DISTRICTS as f64 / (d as f64).sqrt()).round() as u64).max(24);
        let weights: Vec<f64> = CONSTITUENCIES
            .iter()
            .map(|c| f64::from(c.1) * (0.9 + 0.2 * rng.unit()))
            .collect();
        let registered = apportion(total_registered, &weights);
        let stations = apportion(total_stations, &weights);
        let communes = apportion(total_communes, &weights);
        let districts = apportion(total_districts, &weights);
        let mut areas = Vec::new();
        let mut plans = Vec::new();
        for (p, c) in CONSTITUENCIES.iter().enumerate() {
            let pcode = province_code(p);
            areas.push(Area {
                code: pcode.clone(),
                level: "province".into(),
                name: c.0.into(),
                parent: None,
            });
            let nd = districts[p].max(1);
            let nc = communes[p].max(nd);
            let ns = stations[p].max(nc);
            let mut commune_codes = Vec::new();
            for di in 0..nd {
                let dcode = format!("{pcode}{:02}", di + 1);
                areas.push(Area {
                    code: dcode.clone(),
                    level: "district".into(),
                    name: format!("{} district {}", c.0, di + 1),
                    parent: Some(pcode.clone()),
                });
                let here = nc / nd + u64::from(di < nc % nd);
                for ci in 0..here {
                    let ccode = format!("{dcode}{:02}", ci + 1);
                    areas.push(Area {
                        code: ccode.clone(),
                        level: "commune".into(),
                        name: format!("{} commune {}-{}", c.0, di + 1, ci + 1),
                        parent: Some(dcode.clone()),
                    });
                    commune_codes.push(ccode);
                }
            }
            let station_weights: Vec<f64> = (0..ns).map(|_| 0.7 + 0.6 * rng.unit()).collect();
            let sizes = apportion(registered[p], &station_weights);
            for (si, size) in sizes.into_iter().enumerate() {
                let commune = commune_codes[si % commune_codes.len()].clone();
                plans.push(StationPlan {
                    code: format!("{commune}-{:03}", si / commune_codes.len() + 1),
                    commune,
                    province: p,
                    registered: size as u32,
                    cast: 0,
                    invalid: 0,
                    votes: [0; 8],
                    official: [0; 8],
                    cnrp_agent: rng.unit() < 0.95,
                });
            }
        }
        let mut election = Cambodia2013 {
            scale,
            keys: Keys::new(seed),
            areas,
            stations: plans,
            seed,
        };
        election.count_votes(&mut rng);
        election
    }

    /// Votes at every station, calibrated so that each constituency's official totals give
    /// its official seat split.
    fn count_votes(&mut self, rng: &mut Rng) {
        let targets: Vec<f64> = CONSTITUENCIES
            .iter()
            .map(|c| target_share(c.1, c.2, c.3))
            .collect();
        let small: f64 = PARTIES.iter().map(|p| p.2).sum();
        let manipulated_every = 200;
        for (i, s) in self.stations.iter_mut().enumerate() {
            let turnout = (TURNOUT + rng.normal(0.06)).clamp(0.3, 0.95);
            s.cast = (f64::from(s.registered) * turnout).round() as u64;
            s.invalid = (s.cast as f64 * (0.01 + 0.015 * rng.unit())).round() as u64;
            let valid = s.cast - s.invalid;
            let p = (targets[s.province] + rng.normal(0.05)).clamp(0.05, 1.0 - small - 0.05);
            s.votes[0] = (valid as f64 * p).round() as u64;
            let mut used = s.votes[0];
            for (j, party) in PARTIES.iter().enumerate().skip(2) {
                let share = (party.2 * (1.0 + rng.normal(0.3))).max(0.0);
                s.votes[j] = ((valid as f64 * share).round() as u64).min(valid - used);
                used += s.votes[j];
            }
            s.votes[1] = valid - used;
            s.official = s.votes;
            // A few official forms move a fifth of the CNRP's votes to the CPP.
            if i % manipulated_every == manipulated_every / 2 {
                let moved = s.official[1] / 5;
                s.official[1] -= moved;
                s.official[0] += moved;
            }
        }
        for (p, c) in CONSTITUENCIES.iter().enumerate() {
            for _ in 0..20 {
                let totals = self.official_totals(p);
                let seats = dhondt(&totals, c.1);
                if seats.len() == 8 && seats[0] == c.2 && seats[1] == c.3 {
                    break;
                }
                self.rebalance(p, targets[p]);
            }
            let seats = dhondt(&self.official_totals(p), c.1);
            assert!(
                seats.len() == 8 && seats[0] == c.2 && seats[1] == c.3,
                "calibration failed in {}",
                c.0
            );
        }
    }

    /// Moves votes between the two large parties at unmanipulated stations so that the
    /// constituency's official CPP share of valid votes is `target`.
    fn rebalance(&mut self, province: usize, target: f64) {
        let totals = self.official_totals(province);
        let valid: u64 = totals.iter().sum();
        let want = (valid as f64 * target).round() as i64;
        let mut delta = want - totals[0] as i64;
        let movable: Vec<usize> = (0..self.stations.len())
            .filter(|&i| self.stations[i].province == province && !self.stations[i].manipulated())
            .collect();
        let pool: u64 = movable
            .iter()
            .map(|&i| self.stations[i].votes[0] + self.stations[i].votes[1])
            .sum();
        for &i in &movable {
            if delta == 0 {
                break;
            }
            let s = &mut self.stations[i];
            let share = (s.votes[0] + s.votes[1]) as f64 / pool.max(1) as f64;
            let mut d = ((want - totals[0] as i64) as f64 * share).round() as i64;
            if d == 0 {
                d = delta.signum();
            }
            d = d.clamp(-(s.votes[0] as i64), s.votes[1] as i64);
            if d.abs() > delta.abs() {
                d = delta;
            }
            s.votes[0] = (s.votes[0] as i64 + d) as u64;
            s.votes[1] = (s.votes[1] as i64 - d) as u64;
            s.official = s.votes;
            delta -= d;
        }
    }

    /// Official votes per party in a constituency.
    pub fn official_totals(&self, province: usize) -> [u64; 8] {
        let mut t = [0u64; 8];
        for s in self.stations.iter().filter(|s| s.province == province) {
            for (total, v) in t.iter_mut().zip(s.official) {
                *total += v;
            }
        }
        t
    }

    /// Seats per party from the official forms, summed over constituencies.
    pub fn seats(&self) -> BTreeMap<&'static str, u32> {
        let mut out = BTreeMap::new();
        for (p, c) in CONSTITUENCIES.iter().enumerate() {
            for (j, n) in dhondt(&self.official_totals(p), c.1)
                .into_iter()
                .enumerate()
            {
                *out.entry(PARTIES[j].0).or_default() += n;
            }
        }
        out
    }

    pub fn voters(&self) -> u64 {
        self.stations.iter().map(|s| u64::from(s.registered)).sum()
    }

    /// The configuration as the commission would write it.
    pub fn genesis(&self) -> Genesis {
        let k = &self.keys;
        Genesis {
            bulk_threshold: 1000,
            card_threshold: None,
            complaint_deadlines: None,
            contests: vec![Contest {
                choices: PARTIES
                    .iter()
                    .map(|p| Choice {
                        id: p.0.into(),
                        name: p.1.into(),
                        party: Some(p.0.into()),
                    })
                    .collect(),
                constituency_level: "province".into(),
                id: CONTEST.into(),
                kind: ContestKind::PartyList,
                method: Method::Dhondt,
                name: "National Assembly, 28 July 2013".into(),
                seats: CONSTITUENCIES
                    .iter()
                    .enumerate()
                    .map(|(p, c)| (province_code(p), c.1))
                    .collect(),
            }],
            election: "Cambodia National Assembly election 2013 (synthetic)".into(),
            keys: vec![
                enrol(&k.clerk, Role::CommissionClerk, None, None),
                enrol(&k.officer, Role::RegistrationOfficer, None, None),
                // The parties' witnesses, whose cosigned checkpoints the commission records.
                enrol(&k.witness_cpp, Role::Witness, Some("CPP"), None),
                enrol(&k.witness_cnrp, Role::Witness, Some("CNRP"), None),
            ],
            levels: vec!["province".into(), "district".into(), "commune".into()],
            log_key: Some(k.log.vkey().to_string()),
            members: k
                .members
                .iter()
                .enumerate()
                .map(|(i, m)| Member {
                    name: m.name().into(),
                    party: match i {
                        0..=3 => Some("CPP".into()),
                        4..=7 => Some("CNRP".into()),
                        _ => None,
                    },
                    person: format!("Commission member {}", i + 1),
                    vkey: m.vkey().to_string(),
                })
                .collect(),
            origin: ORIGIN.into(),
            parties: PARTIES
                .iter()
                .map(|p| Party {
                    id: p.0.into(),
                    name: p.1.into(),
                })
                .collect(),
            rule: Rule {
                every_party_asked: true,
                min_approvals: 5,
                min_parties: 2,
            },
        }
    }

    /// The genesis entry, signed by all nine members.
    pub fn genesis_entry(&self) -> Vec<u8> {
        let mut entry = Entry::genesis(self.genesis(), &self.keys.members[0]);
        for m in &self.keys.members[1..] {
            entry.cosign(m);
        }
        entry.to_bytes()
    }

    fn asked(&self) -> Vec<String> {
        vec![
            self.keys.members[0].name().into(),
            self.keys.members[4].name().into(),
        ]
    }

    /// The clerk's governed batch of every area and station.
    pub fn stations_submission(&self) -> Vec<Vec<u8>> {
        let mut events: Vec<Event> = self.areas.iter().cloned().map(Event::Area).collect();
        events.extend(self.stations.iter().map(|s| {
            Event::Station(Station {
                area: s.commune.clone(),
                code: s.code.clone(),
                name: None,
                registered: Some(u64::from(s.registered)),
            })
        }));
        build_batch(
            &self.keys.clerk,
            Content::Stations,
            events,
            Some(("the polling stations of 2013".into(), self.asked())),
        )
    }

    /// Approvals by two members of each party and the consensus member.
    pub fn approvals(&self, proposal: &str) -> Vec<Vec<u8>> {
        self.approvals_by(proposal, &[0, 1, 4, 5, 8])
    }

    /// Approvals of `proposal` by the commission members at `members` (0-3 appointed by the
    /// CPP, 4-7 by the CNRP, 8 the consensus member), in that order.
    pub fn approvals_by(&self, proposal: &str, members: &[usize]) -> Vec<Vec<u8>> {
        members
            .iter()
            .map(|&i| {
                Entry::signed(
                    Event::Approval(Approval {
                        proposal: proposal.into(),
                    }),
                    &self.keys.members[i],
                )
                .to_bytes()
            })
            .collect()
    }

    /// The clerk enrols the two parties' agents and the observer group directly.
    pub fn enrolments(&self) -> Vec<Vec<u8>> {
        let k = &self.keys;
        [
            enrol(&k.cpp_agent, Role::PartyAgent, Some("CPP"), None),
            enrol(&k.cnrp_agent, Role::PartyAgent, Some("CNRP"), None),
            enrol(&k.observer, Role::Observer, None, Some("COMFREL")),
        ]
        .into_iter()
        .map(|e| Entry::signed(Event::Enrol(e), &k.clerk).to_bytes())
        .collect()
    }

    /// One constituency's voters as registered, with Khmer names and their romanisation
    /// ([`crate::roll::person_name`]); about 1% are a second registration of an earlier voter of
    /// the constituency, with a [`Variant`] (a typo, a romanisation variant, the names swapped,
    /// a birth-year slip, or a move from another station of the constituency). Each duplicate comes with
    /// the truth: the first registration's voter id and how it differs.
    pub fn roll_voters(&self, province: usize) -> Vec<(Register, Option<(String, Variants)>)> {
        let mut rng = Rng::new(self.seed ^ ((province as u64 + 1) * 0x1000_0001));
        let stations: Vec<&StationPlan> = self
            .stations
            .iter()
            .filter(|s| s.province == province)
            .collect();
        let mut out: Vec<(Register, Option<(String, Variants)>)> = Vec::new();
        let mut originals: Vec<usize> = Vec::new();
        for s in &stations {
            let here = originals.len();
            for _ in 0..s.registered {
                let voter = format!("KH{}{:07}", province_code(province), out.len() + 1);
                if !originals.is_empty() && rng.unit() < DUPLICATE_SHARE {
                    // Mostly registered twice at the same station; otherwise moved here.
                    let from = if originals.len() > here && rng.unit() < 0.8 {
                        here
                    } else {
                        0
                    };
                    let pick = from + rng.below((originals.len() - from) as u64) as usize;
                    let earlier = out[originals[pick]].0.clone();
                    let (mut r, variants) = duplicate(&earlier, &s.code, &mut rng);
                    r.voter = voter;
                    out.push((r, Some((earlier.voter, variants))));
                    continue;
                }
                originals.push(out.len());
                let sex = if rng.unit() < 0.52 { Sex::F } else { Sex::M };
                let (family, (given, given_latin)) = crate::roll::person_name(&mut rng, sex);
                out.push((
                    Register {
                        names: Some(VoterNames {
                            family: family.khmer.to_owned(),
                            family_latin: Some(family.latin.to_owned()),
                            given: given.clone(),
                            given_latin: Some(given_latin),
                        }),
                        birth_year: 1940 + rng.below(56) as u16,
                        commitment: None,
                        name: format!("{} {given}", family.khmer),
                        sex,
                        station: s.code.clone(),
                        voter,
                    },
                    None,
                ));
            }
        }
        out
    }

    /// The registration officer's governed batch of one constituency's voters.
    pub fn roll_submission(&self, province: usize) -> Vec<Vec<u8>> {
        let events: Vec<Event> = self
            .roll_voters(province)
            .into_iter()
            .map(|(r, _)| Event::Register(r))
            .collect();
        if events.is_empty() {
            return Vec::new();
        }
        build_batch(
            &self.keys.officer,
            Content::Registrations,
            events,
            Some((
                format!("the voter list of {}", CONSTITUENCIES[province].0),
                self.asked(),
            )),
        )
    }

    /// Station `s`'s result form as `source` files it, with these votes.
    pub fn form(&self, s: &StationPlan, source: &str, votes: &[u64; 8]) -> Event {
        let valid: u64 = votes.iter().sum();
        let received = u64::from(s.registered) + u64::from(s.registered) / 50 + 10;
        Event::ResultForm(ResultForm {
            ballots_issued: Some(s.cast),
            ballots_received: Some(received),
            contest: CONTEST.into(),
            invalid: s.invalid,
            photos: vec![],
            registered: Some(u64::from(s.registered)),
            source: source.into(),
            spoiled: Some(0),
            station: s.code.clone(),
            time: None,
            unused: Some(received - s.cast),
            valid,
            votes: PARTIES
                .iter()
                .zip(votes)
                .map(|(p, v)| (p.0.to_string(), *v))
                .collect(),
        })
    }

    /// The clerk's batch of every station's official result form.
    /// Every commune's code, by `choice`'s share of its official count, highest first (index
    /// 1 is the CNRP): where a deletion wave aimed at a party's strongholds would strike.
    pub fn communes_by_share(&self, choice: usize) -> Vec<String> {
        let mut counts: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
        for s in &self.stations {
            let t = counts.entry(&s.commune).or_default();
            t.0 += s.official[choice];
            t.1 += s.official.iter().sum::<u64>();
        }
        let mut by_share: Vec<(&str, f64)> = counts
            .iter()
            .map(|(c, (n, d))| (*c, *n as f64 / (*d).max(1) as f64))
            .collect();
        by_share.sort_by(|a, b| b.1.total_cmp(&a.1));
        by_share.into_iter().map(|(c, _)| c.to_string()).collect()
    }

    pub fn official_forms(&self) -> Vec<Vec<u8>> {
        let events = self
            .stations
            .iter()
            .map(|s| self.form(s, "official", &s.official))
            .collect();
        build_batch(&self.keys.clerk, Content::ResultForms, events, None)
    }

    /// A party's copies of the result forms, where it had an agent.
    pub fn party_forms(&self, party: &str) -> Vec<Vec<u8>> {
        let (key, source) = match party {
            "CPP" => (&self.keys.cpp_agent, "party:CPP"),
            _ => (&self.keys.cnrp_agent, "party:CNRP"),
        };
        let events = self
            .stations
            .iter()
            .filter(|s| party == "CPP" || s.cnrp_agent)
            .map(|s| self.form(s, source, &s.votes))
            .collect();
        build_batch(key, Content::ResultForms, events, None)
    }

    /// The observer group's copies (it had an observer at every station).
    pub fn observer_forms(&self) -> Vec<Vec<u8>> {
        let events = self
            .stations
            .iter()
            .map(|s| self.form(s, "observer:COMFREL", &s.votes))
            .collect();
        build_batch(&self.keys.observer, Content::ResultForms, events, None)
    }

    /// A member's proposal to certify a constituency's official totals.
    pub fn certification(&self, province: usize) -> Vec<u8> {
        let mut totals = BTreeMap::new();
        let mut valid = 0;
        let mut invalid = 0;
        for s in self.stations.iter().filter(|s| s.province == province) {
            for (j, v) in s.official.iter().enumerate() {
                *totals.entry(PARTIES[j].0.to_string()).or_insert(0) += v;
                valid += v;
            }
            invalid += s.invalid;
        }
        Entry::signed(
            Event::Proposal(Proposal {
                action: Action::Certify(Certify {
                    area: province_code(province),
                    contest: CONTEST.into(),
                    invalid,
                    totals,
                    valid,
                }),
                asked: self.asked(),
                reason: format!("certify {}", CONSTITUENCIES[province].0),
            }),
            &self.keys.members[0],
        )
        .to_bytes()
    }
}

fn enrol(key: &PrivateKey, role: Role, party: Option<&str>, org: Option<&str>) -> Enrol {
    Enrol {
        name: key.name().into(),
        organisation: org.map(Into::into),
        party: party.map(Into::into),
        person: None,
        role,
        scope: Scope::all(),
        vkey: key.vkey().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tenth_scale_election_has_the_published_shape() {
        let e = Cambodia2013::new(Scale::TENTH, 2013);
        assert_eq!(e.voters(), REGISTERED / 10);
        assert_eq!(e.stations.len() as u64, STATIONS / 10);
        let seats = e.seats();
        assert_eq!(seats["CPP"], 68);
        assert_eq!(seats["CNRP"], 55);
        assert_eq!(seats.values().sum::<u32>(), 123);
        let manipulated = e.stations.iter().filter(|s| s.manipulated()).count();
        assert!(manipulated > 0 && manipulated < e.stations.len() / 50);
        let communes = e.areas.iter().filter(|a| a.level == "commune").count() as u64;
        assert_eq!(communes, COMMUNES / 10);
    }
}
