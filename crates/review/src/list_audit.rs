//! Voter-list audits of a recorded roll (the NDI method behind Cambodia's 2013 registry
//! audit), drawn from a public seed committed in the log:
//!
//! - **list to people**: clusters (stations, or areas of one level) are drawn, then names from
//!   the roll in each; field teams look for each person and write `found` yes or no;
//! - **people to list**: areas are drawn; the teams list each drawn area's households, the
//!   household numbers are drawn from the same seed ([`households`]), and each eligible person
//!   met there is looked up on the roll (`listed` yes or no).
//!
//! [`Frame`] is the roll grouped into clusters; [`draw`] the field sheet, whose draws (voter ids,
//! or cluster codes) are what the log records and what [`crate::audit::show`] redraws;
//! [`estimate`] reads the filled sheet and reports `stats::list_audit`'s estimate with its
//! cluster interval.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use interchange::fieldsheet::{FieldSheet, yes_no};
use ledger::event::{DrawPlan, ListPlan};
use serde::Serialize;
use stats::consistent_sampler::{SampleOptions, sample};
use stats::list_audit::{ClusterResult, ListAuditEstimate, ListTest, draw_clusters};

use crate::audit::Revealed;
use crate::error::{Error, Param, Result, refuse};
use crate::scope::Geography;
use crate::{Provenance, Review};

/// What to draw, before it is committed: the test, the area, what a cluster is, and how many.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub test: ListTest,
    pub area: Option<String>,
    /// `station`, or an area level's name; None: the station.
    pub level: Option<String>,
    pub clusters: usize,
    pub per_cluster: usize,
}

impl Spec {
    /// The spec a committed plan names.
    pub fn of(plan: &ListPlan) -> Result<Spec> {
        Ok(Spec {
            test: test_of(&plan.test)?,
            area: plan.area.clone(),
            level: Some(plan.level.clone()),
            clusters: plan.clusters,
            per_cluster: plan.per_cluster,
        })
    }
}

/// `list_to_people` or `people_to_list` as the log writes them.
pub fn test_name(test: ListTest) -> &'static str {
    match test {
        ListTest::ListToPeople => "list_to_people",
        ListTest::PeopleToList => "people_to_list",
    }
}

fn test_of(name: &str) -> Result<ListTest> {
    match name {
        "list_to_people" => Ok(ListTest::ListToPeople),
        "people_to_list" => Ok(ListTest::PeopleToList),
        other => Err(Error::param(
            Param::Test,
            format!("{{}} {other:?}: use list_to_people or people_to_list"),
        )),
    }
}

/// A cluster of the frame: its code, name and the voters on the roll in it.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub code: String,
    pub name: String,
    pub voters: u64,
}

/// The roll of the audited area grouped into clusters.
pub struct Frame {
    pub spec: Spec,
    /// The clusters' level (`station` or an area level).
    pub level: String,
    pub area: Option<(String, String)>,
    /// Clusters with at least one voter, by code.
    pub clusters: BTreeMap<String, Cluster>,
    /// Station code → cluster code, for the stations in the area.
    of_station: HashMap<String, String>,
}

/// What a frame holds, for a plan's text and JSON.
#[derive(Debug, Clone, Serialize)]
pub struct FrameSummary {
    pub test: &'static str,
    pub area: Option<String>,
    pub level: String,
    pub clusters: usize,
    pub voters: u64,
}

impl Frame {
    /// Groups the effective roll of `spec.area` into clusters, streaming the roll once.
    pub fn read(review: &Review, spec: &Spec) -> Result<Frame> {
        if spec.clusters == 0 {
            return Err(Error::param(Param::Clusters, "{} must be at least 1"));
        }
        if spec.per_cluster == 0 {
            return Err(Error::param(Param::PerCluster, "{} must be at least 1"));
        }
        let geo = Geography::read(review.conn(), spec.area.as_deref())?;
        let level = spec.level.clone().unwrap_or_else(|| "station".into());
        let index = if level == "station" {
            None
        } else {
            match geo.levels.iter().position(|l| *l == level) {
                Some(i) => Some(i),
                None => {
                    return Err(Error::param(
                        Param::Cluster,
                        format!(
                            "{{}} {level:?}: a cluster is a station or an area of one of the \
                             election's levels ({})",
                            geo.levels.join(", ")
                        ),
                    ));
                }
            }
        };
        let mut of_station = HashMap::with_capacity(geo.stations.len());
        let mut clusters = BTreeMap::new();
        for s in &geo.stations {
            let (code, name) = match index {
                None => (s.code.clone(), s.name.clone().unwrap_or_default()),
                Some(i) => match geo.area_at(s, i) {
                    Some(a) => (
                        a.to_string(),
                        geo.areas.get(a).map(|(n, _)| n.clone()).unwrap_or_default(),
                    ),
                    None => continue,
                },
            };
            of_station.insert(s.code.clone(), code.clone());
            clusters.entry(code.clone()).or_insert(Cluster {
                code,
                name,
                voters: 0,
            });
        }
        ledger::report::each_voter::<Error>(review.conn(), |v| {
            if let Some(c) = of_station.get(&v.station) {
                clusters.get_mut(c).expect("every station's cluster").voters += 1;
            }
            Ok(())
        })?;
        clusters.retain(|_, c| c.voters > 0);
        if clusters.is_empty() {
            refuse!(
                "there are no voters on the roll {}",
                match &geo.area {
                    Some((code, name)) => format!("in area {code} ({name})"),
                    None => "of the election".into(),
                }
            );
        }
        Ok(Frame {
            spec: spec.clone(),
            level,
            area: geo.area,
            clusters,
            of_station,
        })
    }

    pub fn summary(&self) -> FrameSummary {
        FrameSummary {
            test: test_name(self.spec.test),
            area: self.area.as_ref().map(|a| a.0.clone()),
            level: self.level.clone(),
            clusters: self.clusters.len(),
            voters: self.clusters.values().map(|c| c.voters).sum(),
        }
    }

    /// The plan to commit before the dice are rolled.
    pub fn committed_plan(&self) -> ListPlan {
        ListPlan {
            test: test_name(self.spec.test).into(),
            area: self.spec.area.clone(),
            level: self.level.clone(),
            clusters: self.spec.clusters,
            per_cluster: self.spec.per_cluster,
        }
    }
}

/// A name to look for, in draw order within its cluster.
#[derive(Debug, Clone, Serialize)]
pub struct SheetName {
    pub voter: String,
    pub name: String,
    pub sex: ledger::event::Sex,
    pub birth_year: u16,
    pub station: String,
}

/// One drawn cluster, in draw order, with its names (list to people).
#[derive(Debug, Clone, Serialize)]
pub struct SheetCluster {
    pub cluster: String,
    pub name: String,
    pub voters: u64,
    /// In draw order: teams work down the list, later names replacing those not reachable.
    pub names: Vec<SheetName>,
}

/// The field sheet of a list audit.
#[derive(Debug, Clone, Serialize)]
pub struct Sheet {
    pub election: Provenance,
    pub plan: ListPlan,
    pub frame: FrameSummary,
    pub clusters: Vec<SheetCluster>,
}

impl Sheet {
    /// What the log records as the audit's sample: the voter ids drawn, cluster by cluster
    /// (list to people), or the drawn clusters' codes (people to list).
    pub fn draws(&self) -> Vec<String> {
        match self.frame.test {
            "list_to_people" => self
                .clusters
                .iter()
                .flat_map(|c| c.names.iter().map(|n| n.voter.clone()))
                .collect(),
            _ => self.clusters.iter().map(|c| c.cluster.clone()).collect(),
        }
    }
}

/// Draws the field sheet from `seed`: `clusters` clusters (consistent_sampler over the
/// cluster codes), then, to look for people, `per_cluster` names in each (consistent_sampler
/// over the cluster's voter ids, the same seed), as `stats::list_audit::draw_names` does.
pub fn draw(review: &Review, frame: &Frame, seed: &str) -> Result<Sheet> {
    let codes: Vec<&str> = frame.clusters.keys().map(String::as_str).collect();
    let take = frame.spec.clusters.min(codes.len());
    let drawn = draw_clusters(seed, &codes, take)?;
    let mut clusters: Vec<SheetCluster> = drawn
        .iter()
        .map(|t| {
            let c = &frame.clusters[&t.id];
            SheetCluster {
                cluster: c.code.clone(),
                name: c.name.clone(),
                voters: c.voters,
                names: Vec::new(),
            }
        })
        .collect();
    if frame.spec.test == ListTest::ListToPeople {
        let at: HashMap<&str, usize> = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.cluster.as_str(), i))
            .collect();
        let mut members: Vec<Vec<SheetName>> = vec![Vec::new(); clusters.len()];
        ledger::report::each_voter::<Error>(review.conn(), |v| {
            if let Some(i) = frame
                .of_station
                .get(&v.station)
                .and_then(|c| at.get(c.as_str()))
            {
                members[*i].push(SheetName {
                    voter: v.voter,
                    name: v.name,
                    sex: v.sex,
                    birth_year: v.birth_year,
                    station: v.station,
                });
            }
            Ok(())
        })?;
        for (c, mut people) in clusters.iter_mut().zip(members) {
            let ids: Vec<&str> = people.iter().map(|p| p.voter.as_str()).collect();
            let n = frame.spec.per_cluster.min(ids.len());
            let order: HashMap<String, usize> = sample(&ids, seed, &SampleOptions::take(n))?
                .into_iter()
                .enumerate()
                .map(|(i, t)| (t.id, i))
                .collect();
            people.retain(|p| order.contains_key(&p.voter));
            people.sort_by_key(|p| order[&p.voter]);
            c.names = people;
        }
    }
    Ok(Sheet {
        election: review.provenance.clone(),
        plan: frame.committed_plan(),
        frame: frame.summary(),
        clusters,
    })
}

/// The field sheet as CSV for the teams to fill in: list to people, one row per name in draw
/// order with an empty `found` column; people to list, one row per drawn area with an empty
/// `households` column (the listing [`households`] reads).
pub fn sheet_csv(sheet: &Sheet) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let people = sheet.frame.test == "list_to_people";
    let header: &[&str] = if people {
        &[
            "cluster",
            "order",
            "voter",
            "name",
            "sex",
            "birth_year",
            "station",
            "found",
        ]
    } else {
        &["cluster", "name", "voters", "households"]
    };
    w.write_record(header).expect("in memory");
    for c in &sheet.clusters {
        if people {
            for (i, n) in c.names.iter().enumerate() {
                let sex = format!("{:?}", n.sex);
                let (order, year) = ((i + 1).to_string(), n.birth_year.to_string());
                w.write_record([
                    c.cluster.as_str(),
                    &order,
                    &n.voter,
                    &n.name,
                    &sex,
                    &year,
                    &n.station,
                    "",
                ])
                .expect("in memory");
            }
        } else {
            let voters = c.voters.to_string();
            w.write_record([c.cluster.as_str(), &c.name, &voters, ""])
                .expect("in memory");
        }
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 in, UTF-8 out")
}

/// The areas a people-to-list audit recorded as drawn.
pub fn recorded_people_to_list(revealed: &Revealed) -> Result<Vec<String>> {
    match &revealed.plan {
        DrawPlan::List(p) if p.test == "people_to_list" => {}
        other => refuse!(
            "audit {:?} committed to a {other} draw; households are drawn for a people-to-list audit",
            revealed.record.id
        ),
    }
    let rounds = revealed.rounds()?;
    if rounds.is_empty() {
        refuse!(
            "audit {:?} has no recorded draw; draw and record the areas first with \
             `scrutineer list-audit draw`",
            revealed.record.id
        );
    }
    Ok(rounds.iter().flat_map(|r| r.draws.clone()).collect())
}

/// The teams' listing: the header `cluster,households`, one row per drawn area.
pub fn read_listing(path: &Path) -> Result<Vec<(String, u64)>> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for row in FieldSheet::open(path, &["cluster", "households"], "cluster,households")? {
        let row = row?;
        let Ok(n) = row.cells[1].parse::<u64>() else {
            return Err(row
                .error(
                    1,
                    format!("{:?} is not a number of households", row.cells[1]),
                )
                .into());
        };
        if out.iter().any(|(c, _)| *c == row.cells[0]) {
            return Err(row
                .error(0, format!("area {:?} is listed twice", row.cells[0]))
                .into());
        }
        out.push((row.cells[0].clone(), n));
    }
    Ok(out)
}

/// A drawn area's households to visit (people to list), in draw order.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdDraw {
    pub cluster: String,
    pub households: u64,
    /// Household numbers (1 to `households`, as the team numbered them when listing).
    pub visit: Vec<u64>,
}

/// The second stage of people to list: for each drawn area and the number of households the
/// team listed there, `per_cluster` household numbers drawn from the same seed
/// (consistent_sampler over the ids `CLUSTER#N`).
pub fn households(
    seed: &str,
    plan: &ListPlan,
    drawn: &[String],
    listed: &[(String, u64)],
) -> Result<Vec<HouseholdDraw>> {
    let drawn_set: HashSet<&str> = drawn.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for (cluster, count) in listed {
        if !drawn_set.contains(cluster.as_str()) {
            refuse!(
                "area {cluster:?} was not drawn; the drawn areas are {}",
                drawn.join(", ")
            );
        }
        if *count == 0 {
            out.push(HouseholdDraw {
                cluster: cluster.clone(),
                households: 0,
                visit: Vec::new(),
            });
            continue;
        }
        let ids: Vec<String> = (1..=*count).map(|n| format!("{cluster}#{n}")).collect();
        let n = plan.per_cluster.min(ids.len());
        let visit = sample(&ids, seed, &SampleOptions::take(n))?
            .into_iter()
            .map(|t| {
                t.id.rsplit_once('#')
                    .expect("ids carry #")
                    .1
                    .parse()
                    .expect("numbers")
            })
            .collect();
        out.push(HouseholdDraw {
            cluster: cluster.clone(),
            households: *count,
            visit,
        });
    }
    Ok(out)
}

/// The estimate of a list audit from its filled sheet.
#[derive(Debug, Clone, Serialize)]
pub struct EstimateReport {
    pub election: Provenance,
    pub audit: String,
    pub plan: ListPlan,
    /// Clusters in the frame (for the finite population correction).
    pub clusters_in_frame: u64,
    pub clusters: Vec<ClusterResult>,
    pub estimate: ListAuditEstimate,
}

/// Reads the filled sheet of audit `revealed` (its seed revealed, its draw recorded) and
/// estimates. List to people: the header `voter,found`, one row per drawn name looked for;
/// people to list: `cluster,listed`, one row per eligible person met. Every voter or cluster
/// must belong to the recorded draw.
pub fn estimate(review: &Review, revealed: &Revealed, results: &Path) -> Result<EstimateReport> {
    let DrawPlan::List(plan) = &revealed.plan else {
        refuse!(
            "audit {:?} committed to a {} draw, not a list audit",
            revealed.record.id,
            revealed.plan
        );
    };
    let spec = Spec::of(plan)?;
    let rounds = revealed.rounds()?;
    if rounds.is_empty() {
        refuse!(
            "audit {:?} has no recorded draw; draw and record it first with \
             `scrutineer list-audit draw`",
            revealed.record.id
        );
    }
    let recorded: Vec<String> = rounds.iter().flat_map(|r| r.draws.clone()).collect();
    let frame = Frame::read(review, &spec)?;
    // (checked, failed) by cluster, in the order of the draw.
    let mut tally: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    match spec.test {
        ListTest::ListToPeople => {
            let sheet = draw(review, &frame, revealed.seed.as_str())?;
            if sheet.draws() != recorded {
                refuse!(
                    "the draw recorded for audit {:?} differs from a fresh draw from its seed \
                     over the roll as it is now; run `scrutineer audit show` to see where",
                    revealed.record.id
                );
            }
            let mut voter_cluster: HashMap<String, String> = HashMap::new();
            for c in sheet.clusters {
                tally.insert(c.cluster.clone(), (0, 0));
                for n in c.names {
                    voter_cluster.insert(n.voter, c.cluster.clone());
                }
            }
            let mut seen = HashSet::new();
            for row in FieldSheet::open(results, &["voter", "found"], "voter,found")? {
                let row = row?;
                let Some(cluster) = voter_cluster.get(&row.cells[0]) else {
                    return Err(row
                        .error(
                            0,
                            format!("voter {:?} was not drawn in this audit", row.cells[0]),
                        )
                        .into());
                };
                if !seen.insert(row.cells[0].clone()) {
                    return Err(row
                        .error(0, format!("voter {:?} is on the sheet twice", row.cells[0]))
                        .into());
                }
                let Some(found) = yes_no(&row.cells[1]) else {
                    return Err(row
                        .error(1, format!("{:?}: write yes or no", row.cells[1]))
                        .into());
                };
                let t = tally.get_mut(cluster).expect("drawn cluster");
                t.0 += 1;
                t.1 += u64::from(!found);
            }
        }
        ListTest::PeopleToList => {
            for c in &recorded {
                tally.insert(c.clone(), (0, 0));
            }
            for row in FieldSheet::open(results, &["cluster", "listed"], "cluster,listed")? {
                let row = row?;
                let Some(t) = tally.get_mut(&row.cells[0]) else {
                    return Err(row
                        .error(
                            0,
                            format!("area {:?} was not drawn in this audit", row.cells[0]),
                        )
                        .into());
                };
                let Some(listed) = yes_no(&row.cells[1]) else {
                    return Err(row
                        .error(1, format!("{:?}: write yes or no", row.cells[1]))
                        .into());
                };
                t.0 += 1;
                t.1 += u64::from(!listed);
            }
        }
    }
    let clusters: Vec<ClusterResult> = tally
        .into_iter()
        .map(|(cluster, (checked, failed))| ClusterResult {
            size: match spec.test {
                ListTest::ListToPeople => frame.clusters.get(&cluster).map(|c| c.voters),
                ListTest::PeopleToList => None,
            },
            cluster,
            checked,
            failed,
        })
        .collect();
    let in_frame = frame.clusters.len() as u64;
    let estimate = stats::list_audit::estimate(spec.test, &clusters, in_frame)?;
    Ok(EstimateReport {
        election: review.provenance.clone(),
        audit: revealed.record.id.clone(),
        plan: plan.clone(),
        clusters_in_frame: in_frame,
        clusters,
        estimate,
    })
}

/// The recorded draws of a plan, afresh from `seed` (for [`crate::audit::show`]).
pub fn redo(review: &Review, plan: &ListPlan, seed: &str) -> Result<Vec<String>> {
    let frame = Frame::read(review, &Spec::of(plan)?)?;
    Ok(draw(review, &frame, seed)?.draws())
}
