//! Public-seed audits' reports as text.

use ledger::event::DrawPlan;

use super::{outln, shell};
use crate::Provenance;
use crate::audit::{Committed, ListReport, RevealedNow, ShowReport};
use crate::text::group;

/// `audit --help`: the whole cycle, step by step.
pub const HELP: &str = "\
An audit in the log makes a public-seed draw checkable by anyone, step by step:

  1. commit   Whoever runs the audit (a commission member or clerk, a party agent or an
              observer group) rolls at least 20 dice and records a commitment to them:
              SHA-256 of the dice and a random 32-byte salt. The same entry fixes what the
              seed will draw: the tool (rla, pvt or list), the contest, the area, and the
              method, winners and risk limit (rla), the strata and the number of stations
              (pvt), or the test, clusters and names per cluster (list, a voter-list audit).
              The dice and the salt stay in a private file in the election directory.
  2. reveal   Later, the seed and salt are recorded. The log refuses them unless they match
              the commitment, and only the key that committed may reveal.
  3. draw     `rla draw`, `pvt draw` or `list-audit draw` with --audit ID --record DIR
              --as KEY reads the revealed seed from the log, draws with the committed
              parameters, and records the sample, in draw order, as the audit's next round.
  4. assess   `rla assess`, `pvt estimate` or `list-audit estimate` with --audit ID reads the
              seed and the recorded sample from the log, and refuses to go on if a fresh draw
              from the seed differs from what was recorded.
  5. show     `audit show` prints the commitment, the seed and every round, and checks that
              the seed matches the commitment and that every recorded sample is the one the
              seed draws. It works on the election directory or on the published log, replayed.

Fix the data before the commitment: the official result forms of the contest should all be
recorded (certified) first, because the draw is made from them. `audit show` says how many
official forms were recorded or approved after the commitment and after the reveal. A commitment does not
stop whoever rolls from rolling again until a sample suits them: roll where the other parties'
agents can watch.

Procedure and formulas: docs/methods.md, section 11.";

/// `audit --help`'s example.
pub const HELP_EXAMPLE: &str = "\
Example: a MACRO audit of the demo election, run by a commission member.

  scrutineer demo --scale 1/100 --dir demo
  scrutineer audit commit demo/election --audit na-macro-1 --for rla --method macro \\
      --purpose 'MACRO audit of the National Assembly result' --as demo/keys/nec.cpp.1.key
      Type the dice as rolled (digits 1-6, at least 20), then Enter: 35216452316254163524
      Audit na-macro-1 committed at entry 98,096 ...
  scrutineer publish demo/election demo/public       (everyone sees the commitment)
  scrutineer audit reveal demo/election --audit na-macro-1 --as demo/keys/nec.cpp.1.key
  scrutineer rla draw demo/election --method macro --audit na-macro-1 \\
      --record demo/election --as demo/keys/nec.cpp.1.key --template round1.csv
      Count the ballots of every station listed; fill in round1.csv.
  scrutineer rla assess demo/election --method macro --audit na-macro-1 --recount round1.csv
      Decision: CONTINUE. Draw 3 more stations ...
  scrutineer rla draw demo/election --method macro --audit na-macro-1 --count 3 \\
      --record demo/election --as demo/keys/nec.cpp.1.key --template round2.csv
  scrutineer rla assess demo/election --method macro --audit na-macro-1 \\
      --recount round1.csv --recount round2.csv
  scrutineer publish demo/election demo/public
  scrutineer audit show demo/public --vkey LOG_VKEY --audit na-macro-1

A PVT is committed with --for pvt --take K [--level LEVEL], drawn with
`scrutineer pvt draw ... --audit ID --record DIR --as KEY` and estimated with
`scrutineer pvt estimate ... --audit ID`.";

/// "Election: NAME (KIND PATH, N entries)".
pub fn election_line(o: &mut String, p: &Provenance) {
    outln!(
        o,
        "Election: {} ({} {}{})",
        p.name,
        p.kind,
        p.path,
        p.entries
            .map_or(String::new(), |n| format!(", {} entries", group(n)))
    );
}

/// The audits recorded in an election.
pub fn list(report: &ListReport) -> String {
    let mut o = String::new();
    election_line(&mut o, &report.election);
    if report.audits.is_empty() {
        outln!(o, "No audits are recorded.");
    }
    for a in &report.audits {
        outln!(
            o,
            "{}: by {}, committed at entry {}, {}; {} round(s), {} draws",
            a.audit,
            a.author,
            group(a.committed_at),
            a.revealed_at.map_or("seed not revealed".to_string(), |i| {
                format!("seed revealed at entry {}", group(i))
            }),
            a.rounds,
            a.draws
        );
        outln!(o, "  {}", a.purpose.lines().next().unwrap_or("").trim());
    }
    o
}

/// An audit checked end to end; `draw_options` words the committed draw for the reader.
pub fn show(r: &ShowReport, draw_options: Option<&str>) -> String {
    let mut o = String::new();
    outln!(o, "Audit {}", r.audit);
    election_line(&mut o, &r.election);
    outln!(
        o,
        "Committed at entry {} by {}: commitment {}",
        group(r.committed_at),
        r.author,
        r.commitment
    );
    for line in r.purpose.lines() {
        outln!(o, "  purpose: {line}");
    }
    match (&r.draw, draw_options) {
        (Some(_), Some(d)) => outln!(o, "  the seed draws: scrutineer {d}"),
        (Some(d), None) => outln!(o, "  the seed draws: {d}"),
        (None, _) => outln!(
            o,
            "  the commitment records no draw parameters: the samples cannot be redone here"
        ),
    }
    match (&r.seed, &r.salt, r.revealed_at) {
        (Some(seed), Some(salt), Some(at)) => {
            outln!(
                o,
                "Seed revealed at entry {}: {seed} ({} dice), salt {salt}",
                group(at),
                seed.len()
            );
            outln!(
                o,
                "  the seed and salt match the commitment: {}",
                if r.seed_matches_commitment == Some(true) {
                    "yes"
                } else {
                    "NO"
                }
            );
        }
        _ => outln!(o, "Seed: not revealed yet"),
    }
    if let (Some(contest), Some(n)) = (
        r.draw.as_ref().and_then(DrawPlan::contest),
        r.official_forms_after_commitment,
    ) {
        if n == 0 {
            outln!(
                o,
                "No official form of contest {contest} was recorded or approved after the commitment."
            );
        } else {
            outln!(
                o,
                "Note: {n} official forms of contest {contest} were recorded or approved after the commitment{}; \
                 the draw is redone from the forms as they are now",
                r.official_forms_after_reveal
                    .map_or(String::new(), |m| format!(" ({m} after the reveal)"))
            );
        }
    }
    if r.rounds.is_empty() && r.revealed_at.is_some() {
        outln!(o, "No sample is recorded yet.");
    }
    for round in &r.rounds {
        let range = match round.first {
            Some(f) => format!("draws {}-{}", f, f + round.draws.len() as u64 - 1),
            None => format!("{} draws", round.draws.len()),
        };
        outln!(
            o,
            "Round {} recorded at entry {}: {range} ({} draws)",
            round.round,
            group(round.entry),
            round.draws.len()
        );
        let shown: Vec<&str> = round.draws.iter().take(12).map(String::as_str).collect();
        outln!(
            o,
            "  {}{}",
            shown.join(", "),
            if round.draws.len() > shown.len() {
                format!(
                    ", ... ({} more; --json lists them all)",
                    round.draws.len() - shown.len()
                )
            } else {
                String::new()
            }
        );
        match (round.matches_fresh_draw, &round.difference) {
            (Some(true), _) => outln!(
                o,
                "  a fresh draw from the seed gives the same sample, in the same order"
            ),
            (Some(false), Some(d)) | (None, Some(d)) => {
                outln!(o, "  DIFFERS from a fresh draw: {d}")
            }
            _ => outln!(o, "  not checked"),
        }
    }
    if r.problems.is_empty() {
        if r.seed_matches_commitment == Some(true) {
            outln!(o, "Every check passes.");
        }
    } else {
        outln!(o, "{} problem(s):", r.problems.len());
        for p in &r.problems {
            outln!(o, "  {p}");
        }
    }
    o
}

/// The commands of an audit's next steps, as the front end spells them.
pub struct Commands<'a> {
    /// The election directory.
    pub dir: &'a str,
    /// The audit's id.
    pub id: &'a str,
    /// The key that committed the audit.
    pub key: &'a str,
}

/// What `audit commit` prints once the commitment is recorded.
pub fn committed(c: &Commands, done: &Committed, purpose: &str) -> String {
    let (entry, signer, commitment) = (done.entry, &done.signer, &done.commitment);
    let (plan, secret_path) = (done.plan.as_ref(), done.secret_path.display());
    let mut o = String::new();
    outln!(
        o,
        "Audit {} committed at entry {} by {}",
        c.id,
        group(entry),
        signer
    );
    outln!(o, "  commitment {commitment}");
    outln!(o, "  purpose: {}", purpose.trim());
    match plan {
        Some(p) => outln!(
            o,
            "  the seed will draw: scrutineer {}",
            super::plan_flags(p)
        ),
        None => outln!(
            o,
            "  the seed's draw is not one scrutineer can redo (--for other)"
        ),
    }
    outln!(
        o,
        "The dice and the salt are kept in {secret_path} (readable by you only) until the \
         reveal; do not share them."
    );
    outln!(o, "Next:");
    outln!(
        o,
        "  1. publish the log, so that everyone holds the commitment before the reveal:\n       \
         scrutineer publish {} PUBLIC_DIR",
        shell(c.dir)
    );
    outln!(
        o,
        "  2. when the time comes, reveal the seed:\n       scrutineer audit reveal {} --audit {} --as {}",
        shell(c.dir),
        shell(c.id),
        shell(c.key)
    );
    if let Some(p) = plan {
        outln!(
            o,
            "  3. draw and record the sample:\n       {}",
            draw_command(p, c)
        );
    }
    o
}

/// What `audit reveal` prints once the seed is recorded.
pub fn revealed(c: &Commands, done: &RevealedNow) -> String {
    let (entry, secret, record) = (done.entry, &done.secret, &done.record);
    let secret_path = done.secret_path.display();
    let mut o = String::new();
    outln!(
        o,
        "Audit {} revealed its seed at entry {}",
        c.id,
        group(entry)
    );
    outln!(o, "  seed {} ({} dice)", secret.seed, secret.seed.len());
    outln!(o, "  salt {}", secret.salt);
    outln!(
        o,
        "  matches the commitment {} recorded at entry {}",
        record.commitment,
        group(record.committed_at)
    );
    outln!(
        o,
        "{secret_path} is no longer secret; keep it or delete it."
    );
    match &record.draw {
        Some(p) => outln!(
            o,
            "Next: draw and record the sample:\n  {}",
            draw_command(p, c)
        ),
        None => outln!(
            o,
            "Next: draw with the seed, and record the sample with `scrutineer submit` (kind \
             audit_sample)"
        ),
    }
    o
}

/// The command that draws and records the first round.
fn draw_command(plan: &DrawPlan, c: &Commands) -> String {
    let (d, k) = (shell(c.dir), shell(c.key));
    match plan {
        DrawPlan::Rla(p) => {
            let mut w = vec![format!("scrutineer rla draw {d} --method {}", p.method)];
            w.push(format!("--contest {}", shell(&p.contest)));
            if let Some(a) = &p.area {
                w.push(format!("--area {}", shell(a)));
            }
            if p.winners != 1 {
                w.push(format!("--winners {}", p.winners));
            }
            w.push(format!("--risk-limit {}", p.risk_limit));
            w.push(format!("--audit {} --record {d} --as {k}", shell(c.id)));
            w.push("--template round1.csv".into());
            w.join(" ")
        }
        DrawPlan::List(_) => format!(
            "scrutineer list-audit draw {d} --audit {} --record {d} --as {k} --out sheet.csv",
            shell(c.id)
        ),
        DrawPlan::Pvt(p) => {
            let mut w = vec![format!(
                "scrutineer pvt draw {d} --contest {}",
                shell(&p.contest)
            )];
            if let Some(a) = &p.area {
                w.push(format!("--area {}", shell(a)));
            }
            w.push(format!("--level {}", shell(&p.level)));
            w.push(format!("--audit {} --record {d} --as {k}", shell(c.id)));
            w.push("--template reports.csv".into());
            w.join(" ")
        }
    }
}

/// Why a shown audit does not check out, in one line, if it does not.
pub fn problems(r: &ShowReport) -> Option<String> {
    let p = r.problems.first()?;
    Some(format!(
        "audit {} does not check out: {p}{}",
        r.audit,
        if r.problems.len() > 1 {
            format!(" (and {} more problems)", r.problems.len() - 1)
        } else {
            String::new()
        }
    ))
}
