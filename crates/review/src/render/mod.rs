//! Every report as plain text, as the command line prints it: no colour, no terminal
//! control, nothing but the report's figures in sentences and tables. Like ripgrep's printer
//! crate, this is a library so that any front end can print the same words; a front end
//! adds its own lines (the command that comes next, in its own syntax).

pub mod audit;
pub mod complaints;
pub mod flags;
pub mod forensics;
pub mod list_audit;
pub mod observer;
pub mod pollbook;
pub mod pvt;
pub mod reconcile;
pub mod rla;
pub mod roll;
pub mod summary;

use ledger::event::DrawPlan;

use crate::seed::SeedRecord;
pub use crate::text::group;

/// `writeln!` into a String, which cannot fail.
macro_rules! outln {
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}
pub(crate) use outln;

/// 5% or 2.50%.
pub fn percent(x: f64) -> String {
    let p = x * 100.0;
    if (p - p.round()).abs() < 1e-9 {
        format!("{}%", p.round())
    } else {
        format!("{p:.2}%")
    }
}

/// The lines a draw prints about its seed.
pub fn seed_lines(o: &mut String, r: &SeedRecord) {
    outln!(o, "Seed {} ({} dice)", r.seed, r.seed.len());
    if r.commitment_checked {
        outln!(
            o,
            "  matches the recorded commitment {} with salt {}",
            r.commitment,
            r.salt
        );
    } else if r.salt_generated {
        outln!(o, "  commitment to record: {}", r.commitment);
        outln!(
            o,
            "  salt (new; publish it with the seed, and pass it as --salt to redo this check): {}",
            r.salt
        );
    } else {
        outln!(
            o,
            "  commitment to record: {} (salt {})",
            r.commitment,
            r.salt
        );
    }
}

/// A committed draw as command-line options, e.g. "rla --method macro --contest na-2013 ...".
pub fn plan_flags(plan: &DrawPlan) -> String {
    let mut w = Vec::new();
    match plan {
        DrawPlan::Rla(p) => {
            w.push(format!("rla --method {}", shell(&p.method)));
            w.push(format!("--contest {}", shell(&p.contest)));
            if let Some(a) = &p.area {
                w.push(format!("--area {}", shell(a)));
            }
            w.push(format!("--winners {}", p.winners));
            w.push(format!("--risk-limit {}", p.risk_limit));
        }
        DrawPlan::Pvt(p) => {
            w.push(format!("pvt --contest {}", shell(&p.contest)));
            if let Some(a) = &p.area {
                w.push(format!("--area {}", shell(a)));
            }
            w.push(format!("--level {}", shell(&p.level)));
            w.push(format!("--take {}", p.take));
        }
        DrawPlan::List(p) => {
            w.push(format!("list-audit --test {}", p.test.replace('_', "-")));
            if let Some(a) = &p.area {
                w.push(format!("--area {}", shell(a)));
            }
            w.push(format!("--level {}", shell(&p.level)));
            w.push(format!("--clusters {}", p.clusters));
            w.push(format!("--per-cluster {}", p.per_cluster));
        }
    }
    w.join(" ")
}

/// A shell-safe rendering of an argument for a printed command.
pub fn shell(arg: &str) -> String {
    if !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=+@,".contains(&b))
    {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}
