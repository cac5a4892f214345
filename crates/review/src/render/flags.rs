//! Flags and alerts as text: counts by kind, then each on a line in log order.

use super::outln;
use crate::flags::Findings;

pub fn findings(f: &Findings) -> String {
    let mut o = String::new();
    let mut what = String::new();
    if let Some(k) = &f.kind {
        what.push_str(&format!(" of kind {k}"));
    }
    if let Some((code, name)) = &f.area {
        what.push_str(&format!(" in {name} ({code})"));
    }
    outln!(o, "{} flag(s) and alert(s){what}", f.findings.len());
    for (kind, n) in &f.by_kind {
        outln!(o, "  {n:>8}  {kind}");
    }
    if !f.findings.is_empty() {
        outln!(o, "\nIn log order (entry, source, kind, where, what):");
    }
    for x in &f.findings {
        let place = x.station.as_deref().or(x.area.as_deref()).unwrap_or("-");
        outln!(
            o,
            "  entry {}  {}  {}  {place}  {}",
            x.index,
            x.source,
            x.kind,
            x.message
        );
    }
    o
}
