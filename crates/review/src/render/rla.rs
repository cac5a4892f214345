//! Risk-limiting audits' reports as text.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use stats::rla::batch::BatchDecision;
use stats::rla::bravo;
use stats::rla::comparison::ComparisonDecision;

use super::{outln, percent, shell};
use crate::Provenance;
use crate::rla::{
    Audit, BravoAssessment, ComparisonReport, DrawReport, Drawn, MacroAssessment, Method,
    PlanReport, Spec, csv_field,
};
use crate::text::{group, list};

const CONFIRMED: &str = "Decision: CONFIRMED. The reported outcome stands.";

fn full_hand_count(o: &mut String, reason: &str) {
    outln!(
        o,
        "Decision: FULL HAND COUNT. {reason}. The hand count decides the outcome."
    );
}

/// The lines every RLA report starts with: the method, the election and the contest.
pub fn header(o: &mut String, audit: &Audit, what: &str, provenance: &Provenance) {
    let c = &audit.contest;
    outln!(
        o,
        "{what}: {} at a risk limit of {}",
        match audit.spec.method {
            Method::Macro => "MACRO batch comparison by polling station",
            Method::Bravo => "BRAVO ballot polling",
            Method::Comparison => "Ballot-level comparison (Kaplan-Markov)",
        },
        percent(audit.spec.risk_limit)
    );
    outln!(
        o,
        "Election: {} ({} {}{})",
        provenance.name,
        provenance.kind,
        provenance.path,
        provenance
            .entries
            .map_or(String::new(), |n| format!(", {} entries", group(n)))
    );
    outln!(
        o,
        "Contest {} ({}) {}: {} stations with official forms, {} ballots",
        audit.scope.contest.id,
        audit.scope.contest.name,
        audit.scope.area_text(),
        group(audit.stations.len() as u64),
        group(c.ballots_cast)
    );
    if !audit.without_forms.is_empty() {
        outln!(
            o,
            "  {} stations have no official form and are not audited: {}",
            audit.without_forms.len(),
            list(&audit.without_forms, 5)
        );
    }
    let mut order: Vec<usize> = (0..c.choices.len()).collect();
    order.sort_by(|&a, &b| c.reported_votes[b].cmp(&c.reported_votes[a]));
    let shown: Vec<String> = order
        .iter()
        .take(4)
        .map(|&i| {
            format!(
                "{} {}{}",
                c.choices[i],
                group(c.reported_votes[i]),
                if c.winners.contains(&i) {
                    " (winner)"
                } else {
                    ""
                }
            )
        })
        .collect();
    outln!(
        o,
        "  reported: {}{}",
        shown.join(", "),
        if c.choices.len() > 4 { ", ..." } else { "" }
    );
    outln!(
        o,
        "  smallest margin {} votes, {} of ballots",
        group(c.smallest_margin()),
        percent(c.diluted_margin())
    );
}

/// A plan, up to the command that draws its first round.
pub fn plan(audit: &Audit, report: &PlanReport) -> String {
    let mut o = String::new();
    header(&mut o, audit, "Plan", &report.election);
    if let Some(m) = &report.macro_plan {
        outln!(
            o,
            "Total error bound U = {:.4} (the sum over stations of (margin at the station + its ballots) / contest margin)",
            m.total_error_bound
        );
        outln!(
            o,
            "First round: {} draws of stations, with replacement; expected to touch {:.1} distinct stations of {}",
            m.draws,
            m.expected_distinct_stations,
            audit.stations.len()
        );
        outln!(
            o,
            "  enough if the recounts find no error; errors call for more draws"
        );
        if let Some(why) = &m.full_hand_count {
            outln!(o, "Recommendation: a full hand count: {why}");
        }
    }
    if let Some(c) = &report.comparison_plan {
        outln!(
            o,
            "First round: {} ballots drawn with replacement, enough if no hand interpretation differs from its cast vote record (error inflation {})",
            group(c.draws),
            c.gamma
        );
        if let Some(why) = &c.full_hand_count {
            outln!(o, "Recommendation: a full hand count: {why}");
        }
    }
    if let Some(b) = &report.bravo_plan {
        match &b.decision {
            bravo::Decision::Continue { next_round } => {
                outln!(
                    o,
                    "Average sample number (ASN): {} ballots (a round of that size finishes the audit with probability {:.2})",
                    group(next_round.asn),
                    next_round.asn_completion_probability
                );
                for q in &next_round.quantiles {
                    outln!(
                        o,
                        "  a round of {:>8} ballots finishes the audit with probability {:.0}%",
                        group(q.ballots),
                        q.probability * 100.0
                    );
                }
                outln!(
                    o,
                    "  (if the reported shares are right; the ballots are drawn with replacement)"
                );
            }
            bravo::Decision::FullHandCount { reason } => {
                outln!(o, "Recommendation: a full hand count: {reason}");
            }
            bravo::Decision::Confirmed => {}
        }
    }
    o
}

/// A round's draws; `audit_id` is the audit in the log the seed came from, if any.
pub fn draw(audit: &Audit, report: &DrawReport, audit_id: Option<&str>) -> String {
    let mut o = String::new();
    header(&mut o, audit, "Draw", &report.election);
    super::seed_lines(&mut o, &report.seed);
    let (first, last) = (report.first, report.first + report.count - 1);
    match (&report.recorded, audit_id) {
        (Some(r), _) => outln!(
            o,
            "Recorded in the log as round {} of audit {} (entry {}): draws {first}-{last}",
            r.round,
            r.audit,
            group(r.entry)
        ),
        (None, Some(id)) => outln!(
            o,
            "The seed of audit {id} in the log; this draw is not recorded (add --record DIR --as KEY)"
        ),
        (None, None) => {}
    }
    match audit.spec.method {
        Method::Macro => {
            o.push_str(&format!(
                "Draws {first}-{last}, stations chosen with probability proportional to error bound:\n"
            ));
            o.push_str("draw,ticket,station,error_bound\n");
            for x in &report.station_draws {
                o.push_str(&format!(
                    "{},{},{},{:.6}\n",
                    x.draw,
                    x.ticket,
                    csv_field(&x.station),
                    x.error_bound
                ));
            }
            o.push_str(&format!(
                "Stations to count by hand ({} distinct):\n",
                report.stations.len()
            ));
            for s in &report.stations {
                o.push_str(&format!(
                    "  {}{} in {} {}: drawn {} time{} (draw {})\n",
                    s.station,
                    s.name.as_ref().map_or(String::new(), |n| format!(" ({n})")),
                    s.area,
                    s.area_name,
                    s.draws.len(),
                    if s.draws.len() == 1 { "" } else { "s" },
                    s.draws
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        Method::Bravo | Method::Comparison => {
            o.push_str(&format!(
                "Draws {first}-{last}, ballots drawn with replacement from the manifest STATION:1..B:\n"
            ));
            o.push_str("draw,ticket,ballot,generation\n");
            for x in &report.ballot_draws {
                o.push_str(&format!(
                    "{},{},{},{}\n",
                    x.draw,
                    x.ticket,
                    csv_field(&x.ballot),
                    x.generation
                ));
            }
            let mut by_station: BTreeMap<&str, Vec<String>> = BTreeMap::new();
            for b in &report.ballots {
                by_station
                    .entry(b.station.as_str())
                    .or_default()
                    .push(if b.draws.len() > 1 {
                        format!("{} (x{})", b.number, b.draws.len())
                    } else {
                        b.number.to_string()
                    });
            }
            o.push_str(&format!(
                "Ballots to retrieve ({} distinct, at {} stations), by station and position in its stack:\n",
                report.ballots.len(),
                by_station.len()
            ));
            for (station, numbers) in by_station {
                o.push_str(&format!("  {station}: {}\n", numbers.join(", ")));
            }
        }
    }
    o
}

fn audit_line(o: &mut String, audit: Option<&str>, draws: u64) {
    if let Some(id) = audit {
        outln!(
            o,
            "Audit {id} in the log: its {draws} recorded draws are the ones its seed draws"
        );
    }
}

/// A MACRO assessment; `recounts` names the files, `next` is the command of the next round.
pub fn macro_assessment(
    audit: &Audit,
    report: &MacroAssessment,
    recounts: &str,
    next: Option<&str>,
) -> String {
    let name = recounts;
    let mut o = String::new();
    header(&mut o, audit, "Assessment", &report.election);
    audit_line(&mut o, report.audit.as_deref(), report.draws);
    outln!(
        o,
        "Draws 1-{} from seed {}: {} distinct stations counted by hand ({name})",
        report.draws,
        report.seed,
        report.stations_recounted
    );
    if report.rows_not_drawn > 0 && !report.full_hand_count_done {
        outln!(
            o,
            "  {} rows of {name} are for stations not drawn in draws 1-{}: they do not enter the p-value",
            report.rows_not_drawn,
            report.draws
        );
    }
    if report.full_hand_count_done {
        outln!(
            o,
            "Every station of the contest was counted by hand: the hand count is the outcome."
        );
    }
    if report.discrepancies.is_empty() {
        outln!(o, "Every recount agrees with its station's official form.");
    } else {
        outln!(
            o,
            "{} recounts differ from the official form:",
            report.discrepancies.len()
        );
        for d in &report.discrepancies {
            let changes: Vec<String> = d
                .reported
                .iter()
                .filter(|(c, v)| d.recounted[*c] != **v)
                .map(|(c, v)| format!("{c} {v} -> {}", d.recounted[c]))
                .collect();
            outln!(
                o,
                "  {} (drawn {}x): {}; {}",
                d.station,
                d.times_drawn,
                changes.join(", "),
                if d.overstatement_votes > 0 {
                    format!(
                        "overstates a winner's margin by {} votes (taint {:.3})",
                        d.overstatement_votes, d.taint
                    )
                } else {
                    "no overstatement of any winner's margin".to_string()
                }
            );
        }
    }
    if report.confirmed_early {
        outln!(
            o,
            "The p-value reached the risk limit at draw {}; later draws are not needed.",
            report.findings.len()
        );
    }
    outln!(
        o,
        "p-value (risk) {:.6} against the risk limit {} (U = {:.4})",
        report.p_value,
        report.risk_limit,
        report.total_error_bound
    );
    match &report.decision {
        BatchDecision::Confirmed => outln!(o, "{CONFIRMED}"),
        BatchDecision::Continue { further_draws, .. } => {
            outln!(
                o,
                "Decision: CONTINUE. Draw {further_draws} more stations (enough if they find no further error):"
            );
            if let Some(n) = next {
                outln!(o, "  {n}");
            }
            match &report.audit {
                Some(_) => outln!(
                    o,
                    "  then assess again with every round's recount file (--recount, repeated)"
                ),
                None => outln!(
                    o,
                    "  then add their counts to {name} and assess with --draws {}",
                    report.draws + further_draws
                ),
            }
        }
        BatchDecision::FullHandCount { reason } => full_hand_count(&mut o, reason),
    }
    o
}

/// A BRAVO assessment.
pub fn bravo_assessment(
    audit: &Audit,
    report: &BravoAssessment,
    recounts: &str,
    next: Option<&str>,
) -> String {
    let mut o = String::new();
    header(&mut o, audit, "Assessment", &report.election);
    audit_line(&mut o, report.audit.as_deref(), report.draws);
    outln!(
        o,
        "Draws 1-{} from seed {}: {} distinct ballots examined ({})",
        report.draws,
        report.seed,
        report.distinct_ballots,
        recounts
    );
    let shown: Vec<String> = report
        .sample
        .iter()
        .filter(|s| s.ballots > 0)
        .map(|s| format!("{} {}", s.choice, s.ballots))
        .collect();
    outln!(
        o,
        "  the draws show: {}{}",
        shown.join(", "),
        if report.no_vote > 0 {
            format!(", no vote {}", report.no_vote)
        } else {
            String::new()
        }
    );
    for p in &report.pairs {
        outln!(o, "  risk for {} over {}: {:.6}", p.winner, p.loser, p.risk);
    }
    outln!(
        o,
        "Risk {:.6} against the risk limit {}",
        report.risk,
        report.risk_limit
    );
    match &report.decision {
        bravo::Decision::Confirmed => {
            outln!(o, "{CONFIRMED}")
        }
        bravo::Decision::Continue { next_round } => {
            outln!(
                o,
                "Decision: CONTINUE. The next round: ASN {} ballots; {}",
                next_round.asn,
                next_round
                    .quantiles
                    .iter()
                    .map(|q| format!(
                        "{} ballots for a {:.0}% chance to finish",
                        q.ballots,
                        q.probability * 100.0
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if let Some(n) = next {
                outln!(o, "  {n}");
            }
        }
        bravo::Decision::FullHandCount { reason } => full_hand_count(&mut o, reason),
    }
    o
}

/// A ballot-comparison assessment.
pub fn comparison_assessment(
    audit: &Audit,
    report: &ComparisonReport,
    recounts: &str,
    next: Option<&str>,
) -> String {
    let mut o = String::new();
    header(&mut o, audit, "Assessment", &report.election);
    audit_line(&mut o, report.audit.as_deref(), report.draws);
    outln!(
        o,
        "Draws 1-{} from seed {}: {} distinct ballots examined ({}), against {} cast vote records",
        report.draws,
        report.seed,
        report.distinct_ballots,
        recounts,
        group(report.cast_vote_records as u64)
    );
    let d = &report.assessment.discrepancies;
    if report.discrepant_ballots.is_empty() {
        outln!(o, "Every ballot examined agrees with its cast vote record.");
    } else {
        outln!(
            o,
            "{} ballots differ from their records: {} two-vote and {} one-vote overstatements, {} one-vote and {} two-vote understatements (counting repeated draws)",
            report.discrepant_ballots.len(),
            d.o2,
            d.o1,
            d.u1,
            d.u2
        );
        for b in report.discrepant_ballots.iter().take(20) {
            outln!(
                o,
                "  {} (drawn {}x): record {}, hand count {}; {} vote(s) of margin",
                b.ballot,
                b.times_drawn,
                if b.has_record {
                    b.recorded.clone().unwrap_or_else(|| "no vote".into())
                } else {
                    "missing".into()
                },
                b.counted.clone().unwrap_or_else(|| "no vote".into()),
                b.overstatement_votes
            );
        }
    }
    outln!(
        o,
        "Kaplan-Markov p-value {:.7} against the risk limit {} (diluted margin {:.4}, error inflation {})",
        report.assessment.p_value,
        report.risk_limit,
        report.diluted_margin,
        report.assessment.gamma
    );
    match &report.assessment.decision {
        ComparisonDecision::Confirmed => {
            outln!(o, "{CONFIRMED}")
        }
        ComparisonDecision::Continue { further_draws, .. } => {
            outln!(
                o,
                "Decision: CONTINUE. Draw {further_draws} more ballots (enough if they agree with their records):"
            );
            if let Some(n) = next {
                outln!(o, "  {n}");
            }
        }
        ComparisonDecision::FullHandCount { reason } => full_hand_count(&mut o, reason),
    }
    o
}
/// `scrutineer rla --help`: the audit cycle, the methods and the recount files' layouts.
pub const ABOUT: &str = "\
A risk-limiting audit checks the reported outcome of one contest against the paper ballots.
The reported result is the official result forms recorded in the election. The audit counts
a random sample of ballots by hand and stops once the risk - the largest chance that it
would confirm a wrong outcome - is at or below the risk limit. A wrong outcome is confirmed
with a chance of at most the risk limit; otherwise the audit grows, round by round, into a
full hand count, and the hand count decides.

The cycle, which anyone can run from the public record:

  1. plan    How many stations (macro) or ballots (bravo) the first round needs.
  2. draw    Which ones, from a seed of at least 20 dice rolled in public. It prints the
             seed's SHA-256 commitment: whoever rolls records it before revealing the roll,
             and anyone checks it later with --salt and --commitment. --template writes the
             file to fill in with the hand counts.
  3. assess  Reads the hand counts (CSV) and decides: CONFIRMED; CONTINUE, with the size of
             the next round (draw it with --first and --count, then assess again with every
             round's file and the new --draws); or FULL HAND COUNT.

To keep the audit in the election's log, where anyone can check the seed and every draw,
commit to the dice first with `scrutineer audit commit` (see `scrutineer audit --help`).
Then `draw --audit ID --record DIR --as KEY` takes the revealed seed from the log, draws with
the parameters committed with it, and records the draws as the audit's next round; `assess
--audit ID` takes the seed and the draws from the log, and refuses to assess a recorded sample
that the seed does not draw.

Methods:

  macro  Batch comparison with the polling station as the batch (MACRO, as VotingWorks
         Arlo). Stations are drawn with replacement, with probability proportional to their
         error bound (PPEB). Every ballot of a drawn station is counted by hand, and the
         count is compared with the station's official form.
  bravo  Ballot polling (BRAVO). Single ballots are drawn with replacement, by Rivest's
         consistent_sampler, from the ballot manifest: ballots 1 to B of every station, where
         B is valid + invalid on its official form, with ids STATION:N. A ballot drawn twice
         counts twice.
  comparison
         Ballot-level comparison (Kaplan-Markov, Stark's super-simple method, as rlacalc
         computes it; error inflation factor 1.03905). Ballots are drawn as for bravo; each
         drawn ballot's hand interpretation is compared with its cast vote record (--cvrs),
         and the discrepancies are counted in votes of margin (one- and two-vote over- and
         understatements). A drawn ballot with no record counts as a two-vote overstatement.
         The records must add up to the official forms, station by station.

The contest is --contest (needed when the election has several) in --area (default: the
whole election). Its reported winners are the --winners choices with the most official
votes there (default 1), and every winner-loser pair is checked. For a party-list contest
this audits which lists got the most votes in the area, not the seat allocation. Stations
without an official form are left out and listed.

Recount files (CSV; .csv.gz and .csv.zip are read too):

  macro  One row per station drawn. The header is station,<choice id>,... with one column
         per choice id of the contest, in any order; other columns are ignored. Counts are
         whole numbers. Any other layout is read through --mapping (a station-results
         mapping, docs/mapping.md; --from picks one of its sources) whose station id is the
         station code. Rows for stations not drawn do not enter the p-value; a file with
         every station is a full hand count.
  bravo  One row per ballot drawn, with the header ballot,choice (other columns ignored):
         the ballot's id as drawn, and the choice marked on it by id or name, or blank,
         invalid or an empty cell for a ballot with no vote for any choice.
  comparison
         The recount as for bravo; the cast vote records (--cvrs) in the same layout, one
         row for every ballot of the manifest, with the choice the tabulation recorded.

The election is an election directory, a published log replayed first (--vkey and
--witness, or --policy; add --state-db FILE to keep the rebuilt state), or --state-db FILE
alone for a state kept by an earlier replay.

Every formula, and how to redo a draw with the Python tools: docs/methods.md, sections 2, 3
and 9; audits in the log: section 11.";

/// `scrutineer rla --help`'s examples.
pub const EXAMPLES: &str = "\
Example: a MACRO audit of the demo election at a 5% risk limit.

  scrutineer demo --scale 1/100 --dir demo
  scrutineer rla plan demo/election --method macro
      First round: 58 draws of stations ...
  scrutineer rla draw demo/election --method macro --seed 35216452316254163524 \\
      --template round1.csv
      Count the ballots of every station listed; fill in round1.csv.
  scrutineer rla assess demo/election --method macro --seed 35216452316254163524 \\
      --draws 58 --recount round1.csv
      080201-008 (drawn 1x): CNRP 142 -> 177, CPP 202 -> 167 ...
      p-value (risk) 0.057589 ... Decision: CONTINUE. Draw 3 more stations
  scrutineer rla draw demo/election --method macro --seed 35216452316254163524 \\
      --first 59 --count 3 --template round2.csv
  scrutineer rla assess demo/election --method macro --seed 35216452316254163524 \\
      --draws 61 --recount round1.csv --recount round2.csv
      p-value (risk) 0.049237 ... Decision: CONFIRMED.

From the published log, keeping the rebuilt state for the next steps:

  scrutineer rla plan demo/public --vkey LOG_VKEY --witness W1 --witness W2 \\
      --state-db kh.db --method bravo
  scrutineer rla draw --state-db kh.db --method bravo --seed 35216452316254163524";

/// A report with the next command to run, as the JSON output gives it.
#[derive(Serialize)]
pub struct WithNext<'a, T: Serialize> {
    #[serde(flatten)]
    pub report: &'a T,
    pub next: Option<String>,
}

/// The words that name an audit again, for the next command a report prints: the
/// election's own (as the front end names it) and the audit's spec.
pub struct Again<'a> {
    pub election: Vec<String>,
    pub spec: &'a Spec,
}

impl Again<'_> {
    /// "scrutineer rla STEP ELECTION --method ... --risk-limit ...".
    pub fn command(&self, step: &str) -> String {
        let s = self.spec;
        let mut w = vec![format!("scrutineer rla {step}")];
        w.extend(self.election.iter().cloned());
        w.push(format!("--method {}", s.method.name()));
        if let Some(c) = &s.contest {
            w.push(format!("--contest {}", shell(c)));
        }
        if let Some(x) = &s.area {
            w.push(format!("--area {}", shell(x)));
        }
        if s.winners != 1 {
            w.push(format!("--winners {}", s.winners));
        }
        w.push(format!("--risk-limit {}", s.risk_limit));
        w.join(" ")
    }

    /// After a plan: the draw of its first round.
    pub fn after_plan(&self, report: &PlanReport) -> String {
        format!(
            "{} --seed DICE --count {} --template recount.csv",
            self.command("draw"),
            report.first_round
        )
    }

    /// After a draw: count by hand, then assess (with the earlier rounds' files after the
    /// first).
    pub fn after_draw(&self, report: &DrawReport, seed: &str, template: Option<&Path>) -> String {
        let last = report.first + report.count - 1;
        let file = template.map_or("RECOUNT.csv".to_string(), |t| {
            shell(&t.display().to_string())
        });
        format!(
            "Next: count them by hand{}, then\n  {} {} {}--recount {file}\n",
            template.map_or(String::new(), |t| format!(" into {}", t.display())),
            self.command("assess"),
            match &report.recorded {
                Some(r) => format!("--audit {}", shell(&r.audit)),
                None => format!("--seed {seed} --draws {last}"),
            },
            if report.first > 1 {
                "--recount EARLIER_ROUNDS.csv "
            } else {
                ""
            },
        )
    }

    /// After an assessment that continues with `count` draws from draw `first`: the draw of
    /// that round, from the same seed or the same audit in the log.
    pub fn next_round(&self, source: &Drawn, round: Option<(u64, u64)>) -> Option<String> {
        let (first, count) = round?;
        let options = match &source.audit {
            Some(id) => format!(
                "--audit {} --count {count} --record DIR --as KEY --template round.csv",
                shell(id)
            ),
            None => format!(
                "--seed {} --first {first} --count {count} --template round.csv",
                source.seed
            ),
        };
        Some(format!("{} {options}", self.command("draw")))
    }
}
