//! Forensics reports as text.

use std::fmt::Write as _;

use stats::forensics::Estimate;

use crate::forensics::Report;

/// 12345.6 -> "12,345.6"; integers without decimals.
fn thousands(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// The whole report; `list` stations are named per red flag.
pub fn report(r: &Report, list: usize) -> String {
    let mut o = String::new();
    let n = |x: usize| thousands(x as f64, 0);
    let _ = writeln!(
        o,
        "{} — {} stations, {} copy{}",
        r.file,
        n(r.stations),
        r.source,
        r.contest
            .as_ref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "Leader: {} with {:.2}% of ballots counted\n",
        r.leader.name,
        100.0 * r.leader.share
    );

    let t = &r.integer_percentages;
    let _ = writeln!(
        o,
        "Integer percentages (Kobak, Shpilkin & Pshenichnikov 2016)"
    );
    let _ = writeln!(
        o,
        "  stations included   {} of {} (registered >= 100, ballots > 0, turnout and leader's share <= 99%)",
        n(t.included),
        n(t.stations)
    );
    let _ = writeln!(
        o,
        "  integer stations    {} (turnout {}, leader's share {}; within 0.05 points of a whole percent)",
        n(t.integer),
        n(t.integer_turnout),
        n(t.integer_share)
    );
    let _ = writeln!(
        o,
        "  binomial null       mean {}, SD {:.1}, range {}–{} over {} replicates (seed {})",
        thousands(t.mc_mean, 1),
        t.mc_sd,
        n(t.mc_min as usize),
        n(t.mc_max as usize),
        n(t.replicates),
        t.seed
    );
    let _ = writeln!(
        o,
        "  excess              {} stations = {:.1} SD, p = {:.4}{}\n",
        thousands(t.excess, 1),
        t.z,
        t.p_value,
        if t.mc_max < t.integer as u64 {
            " (no replicate reached the observed count)"
        } else {
            ""
        }
    );

    let k = &r.toolkit;
    let _ = writeln!(
        o,
        "Election Forensics Toolkit tests ({} bootstrap replicates, {:.0}% basic intervals; dip p-value from {} uniform samples)",
        k.bootstrap,
        100.0 * k.confidence,
        k.dip_null
    );
    // One row per statistic (value, then its interval), one column per variable.
    let e = &k.expected;
    let rows: [(&str, Option<f64>); 10] = [
        ("2BL (2nd digit)", Some(e.second_digit_mean)),
        ("LastC (last digit)", Some(e.last_digit_mean)),
        ("C05s", Some(e.c05s)),
        ("P05s", Some(e.p05s)),
        ("skewness", Some(e.skewness)),
        ("kurtosis", Some(e.kurtosis)),
        ("dip", None),
        ("dip p-value", None),
        ("Sobyanin", None),
        ("corr(turnout, share)", None),
    ];
    let width = 17;
    let _ = write!(o, "  {:<22}{:>9}", "", "expected");
    for v in &k.variables {
        let name: String = v.name.chars().take(width - 2).collect();
        let _ = write!(o, "{name:>width$}");
    }
    let _ = writeln!(o);
    for (row, (label, expected)) in rows.iter().enumerate() {
        let cell = |v: &stats::forensics::EftVariable| -> Option<Estimate> {
            match row {
                0 => v.second_digit_mean,
                1 => v.last_digit_mean,
                2 => v.c05s,
                3 => v.p05s,
                4 => v.skewness,
                5 => v.kurtosis,
                6 => v.dip,
                8 => v.sobyanin,
                9 => v.correlation,
                _ => None,
            }
        };
        let _ = write!(
            o,
            "  {label:<22}{:>9}",
            expected.map(|x| format!("{x:.3}")).unwrap_or_default()
        );
        for v in &k.variables {
            let text = if row == 7 {
                v.dip_p_value.map(|p| format!("{p:.3}"))
            } else {
                cell(v).map(|c| format!("{:.3}", c.value))
            };
            let _ = write!(o, "{:>width$}", text.unwrap_or_else(|| "—".into()));
        }
        let _ = writeln!(o);
        if row != 7 {
            let _ = write!(o, "  {:<31}", "");
            for v in &k.variables {
                let text = cell(v)
                    .map(|c| format!("{:.3}…{:.3}", c.lo, c.hi))
                    .unwrap_or_default();
                let _ = write!(o, "{text:>width$}");
            }
            let _ = writeln!(o);
        }
    }
    let _ = writeln!(o);

    let f = &r.fraud_model;
    let _ = writeln!(
        o,
        "Election fingerprint and fraud model (Klimek et al. 2012)"
    );
    let _ = writeln!(
        o,
        "  {} stations in the histogram{}{}",
        n(r.fingerprint.stations),
        if r.fingerprint.above_full_turnout > 0 {
            format!(
                " ({} with turnout above 100%)",
                n(r.fingerprint.above_full_turnout)
            )
        } else {
            String::new()
        },
        r.fingerprint
            .svg
            .as_ref()
            .map(|p| format!("; drawn to {p}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        o,
        "  fair part           turnout {:.1}% (SD {:.1}), winner's share {:.1}% (SD {:.1})",
        100.0 * f.turnout_mean,
        100.0 * f.turnout_sd,
        100.0 * f.share_mean,
        100.0 * f.share_sd
    );
    let _ = writeln!(
        o,
        "  incremental fraud   {:.0}% of stations (stuffed fraction ~ |N(0, {:.3})|, alpha {:.1})",
        100.0 * f.incremental,
        f.incremental_sd,
        f.alpha
    );
    let _ = writeln!(
        o,
        "  extreme fraud       {:.1}% of stations",
        100.0 * f.extreme
    );
    let _ = writeln!(
        o,
        "  fit                 loss {:.0} against {:.0} without fraud\n",
        f.loss, f.loss_without_fraud
    );

    let rf = &r.red_flags;
    let _ = writeln!(
        o,
        "Red flags ({} stations with at least one)",
        n(rf.flagged.len())
    );
    for (flag, count) in &rf.totals {
        let _ = writeln!(o, "  {:<56} {:>8}", flag.describe(), n(*count));
        for s in rf
            .flagged
            .iter()
            .filter(|s| s.flags.contains(flag))
            .take(list)
        {
            let _ = writeln!(o, "      {}", s.station);
        }
    }
    if !rf.identical.is_empty() {
        let _ = writeln!(
            o,
            "  {} groups of identical forms (every figure equal, {} or more ballots); the largest:",
            n(rf.identical.len()),
            rf.options.min_ballots
        );
    }
    for g in rf.identical.iter().take(list) {
        let _ = writeln!(
            o,
            "      {} (registered {}, valid {}, votes {})",
            g.stations.join(", "),
            g.registered
                .map(|v| v.to_string())
                .unwrap_or_else(|| "—".into()),
            g.valid.map(|v| v.to_string()).unwrap_or_else(|| "—".into()),
            g.votes
                .iter()
                .map(|v| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into()))
                .collect::<Vec<_>>()
                .join("/")
        );
    }
    for c in &rf.comparisons {
        let _ = writeln!(
            o,
            "  {} copy against {}: {} stations compared, {} disagree",
            c.source,
            r.source,
            n(c.compared),
            n(c.disagreeing)
        );
    }
    for d in rf.disagreements.iter().take(list) {
        let diffs: Vec<String> = d
            .differences
            .iter()
            .map(|x| {
                let field = x
                    .field
                    .strip_prefix("votes[")
                    .and_then(|i| i.strip_suffix(']'))
                    .and_then(|i| i.parse::<usize>().ok())
                    .and_then(|i| r.choices.get(i))
                    .cloned()
                    .unwrap_or_else(|| x.field.clone());
                format!("{field} {} vs {}", x.reference, x.other)
            })
            .collect();
        let _ = writeln!(o, "    {} ({}): {}", d.station, d.source, diffs.join(", "));
    }
    let _ = writeln!(
        o,
        "\nNone of these proves fraud; each says where to look. See docs/methods.md, section 10."
    );
    o
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(1003.5, 1), "1,003.5");
        assert_eq!(thousands(95225.0, 0), "95,225");
        assert_eq!(thousands(-12.0, 0), "-12");
        assert_eq!(thousands(999.0, 0), "999");
    }
}
