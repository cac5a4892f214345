//! The report as one self-contained HTML page: styles inline, plots inline SVG, every entry
//! and its inclusion proof inside the page as text and as data: downloads. Plain and
//! printable: dark text on white, a system font stack that covers Khmer script.

use std::collections::BTreeSet;
use std::fmt::Write;

use base64::prelude::*;
use review::render::group;

use crate::svg::escape;
use crate::{Check, Outcome, Prover, Report};

/// At most this many findings of one review are listed; the rest are counted.
const MAX_FINDINGS: usize = 1000;
/// At most this many entries carry their proof in the page.
const MAX_ENTRIES: usize = 2000;
/// An entry's text is shown up to this many characters (its download is whole).
const SHOWN: usize = 1500;

const STYLE: &str = "
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans Khmer',
  'Khmer OS System', 'Khmer OS', 'Leelawadee UI', 'Khmer Sangam MN', sans-serif;
  color: #1a1a1a; background: #fff; line-height: 1.5; margin: 0 auto; max-width: 60rem;
  padding: 1.5rem; font-size: 16px; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; border-top: 2px solid #1a1a1a; padding-top: .6rem; margin-top: 2.2rem; }
h3 { font-size: 1.05rem; }
code, pre { font-family: ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace;
  font-size: .85rem; }
pre { background: #f3f3f3; border: 1px solid #ccc; padding: .5rem; white-space: pre-wrap;
  word-break: break-all; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: .3rem .5rem; text-align: left;
  vertical-align: top; }
.found { color: #8c1d18; font-weight: 600; }
.clean { color: #1e5c2e; }
.skipped { color: #555; }
.meta { color: #444; }
figure { margin: 1rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: .9rem; }
li.finding { margin-bottom: .4rem; }
.evidence a { margin-right: .4rem; }
section.entry { border-top: 1px solid #ccc; padding-top: .3rem; }
a { color: #0b4ea2; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  details { display: block; }
  details > *:not(summary) { display: block; }
  h2 { break-after: avoid; }
  figure, li.finding { break-inside: avoid; }
}
";

/// The report as one HTML page, with each finding's entries proved by `prover`.
pub fn render(report: &Report, prover: &dyn Prover) -> String {
    let mut o = String::new();
    let e = &report.election;
    let title = format!("Review of the record: {}", e.name);
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n",
        escape(&title)
    );
    let _ = write!(o, "<header><h1>{}</h1>", escape(&title));
    let _ = write!(
        o,
        "<p class=\"meta\">The {} {}{}. Log <code>{}</code>.",
        e.kind,
        escape(&e.path),
        e.entries
            .map_or(String::new(), |n| format!(", {} entries", group(n))),
        escape(&e.origin)
    );
    if let Some(d) = &e.digest {
        let _ = write!(
            o,
            " State digest <code>{}</code>{}.",
            escape(d),
            match e.matches_published_digest {
                Some(true) => ", the same as the digest the commission published",
                Some(false) => ", which DIFFERS from the digest the commission published",
                None => "",
            }
        );
    }
    let _ = writeln!(
        o,
        "</p><p>Every finding below names the log entries that show it. Each entry is in the \
         page with its inclusion proof against {}: download both and check them yourself, \
         trusting only the log's public key (and the witnesses' if you wish):</p>\
         <pre>scrutineer verify --proof entry-N.tlog-proof --vkey LOG_VKEY entry-N.json</pre>\
         </header><main>",
        escape(&prover.describe())
    );

    // What was checked, at a glance.
    o.push_str("<section><h2>Summary</h2><table><thead><tr><th>Review</th><th>Result</th></tr></thead><tbody>");
    for (i, c) in report.checks.iter().enumerate() {
        let _ = write!(
            o,
            "<tr><td><a href=\"#check-{i}\">{}</a></td><td>{}</td></tr>",
            escape(&c.title),
            outcome(c)
        );
    }
    o.push_str("</tbody></table></section>\n");

    let mut cited = BTreeSet::new();
    for (i, c) in report.checks.iter().enumerate() {
        check(&mut o, i, c, &mut cited);
    }

    // The evidence: each entry cited, with its proof.
    let _ = write!(
        o,
        "<section><h2 id=\"evidence\">Evidence: the entries and their inclusion proofs</h2>\
         <p>{} entries are cited. Each proof shows that the entry is in the log whose \
         checkpoint it carries; the checkpoint is signed by the commission's log key and \
         cosigned by the witnesses.</p>",
        group(cited.len() as u64)
    );
    for (n, index) in cited.iter().enumerate() {
        if n == MAX_ENTRIES {
            let _ = write!(
                o,
                "<p>{} more entries are cited above; prove each with <code>scrutineer log \
                 prove</code> or the server's <code>GET /proof/N</code>.</p>",
                group((cited.len() - MAX_ENTRIES) as u64)
            );
            break;
        }
        entry(&mut o, *index, prover);
    }
    o.push_str("</section>\n</main>\n</body></html>\n");
    o
}

fn outcome(c: &Check) -> String {
    match &c.outcome {
        Outcome::Skipped(why) => format!("<span class=\"skipped\">not run: {}</span>", escape(why)),
        Outcome::Ran if c.findings.is_empty() => {
            let leads = if c.leads.is_empty() {
                String::new()
            } else {
                format!("; {} leads", group(c.leads.len() as u64))
            };
            format!("<span class=\"clean\">nothing found{leads}</span>")
        }
        Outcome::Ran => format!(
            "<span class=\"found\">{} finding{}</span>",
            group(c.findings.len() as u64),
            if c.findings.len() == 1 { "" } else { "s" }
        ),
    }
}

fn check(o: &mut String, i: usize, c: &Check, cited: &mut BTreeSet<u64>) {
    let _ = write!(
        o,
        "<section class=\"check\"><h2 id=\"check-{i}\">{}</h2><p>{}</p>\
         <p class=\"meta\">Method: {}. Result: {}.</p>",
        escape(&c.title),
        escape(&c.checked),
        escape(&c.method),
        outcome(c)
    );
    for p in &c.summary {
        let _ = write!(o, "<p>{}</p>", escape(p));
    }
    for (svg, caption) in &c.plots {
        let _ = write!(
            o,
            "<figure>{svg}<figcaption>{}</figcaption></figure>",
            escape(caption)
        );
    }
    if !c.findings.is_empty() {
        let _ = write!(o, "<h3>Findings</h3><ol class=\"findings\">");
        for f in c.findings.iter().take(MAX_FINDINGS) {
            let _ = write!(
                o,
                "<li class=\"finding\" data-kind=\"{}\" data-subject=\"{}\"><strong>{}</strong>: \
                 {}",
                escape(&f.kind),
                escape(&f.subject),
                escape(&f.kind.replace('_', " ")),
                escape(&f.text)
            );
            if !f.entries.is_empty() {
                o.push_str(" <span class=\"evidence\">(evidence:");
                for e in &f.entries {
                    cited.insert(*e);
                    let _ = write!(o, " <a href=\"#entry-{e}\">entry {e}</a>");
                }
                o.push_str(")</span>");
            }
            o.push_str("</li>");
        }
        o.push_str("</ol>");
        if c.findings.len() > MAX_FINDINGS {
            let _ = write!(
                o,
                "<p>{} more findings of this review are not listed here.</p>",
                group((c.findings.len() - MAX_FINDINGS) as u64)
            );
        }
    }
    if !c.leads.is_empty() {
        o.push_str("<h3>Leads (not findings)</h3><ul class=\"leads\">");
        for l in &c.leads {
            let _ = write!(o, "<li>{}</li>", escape(l));
        }
        o.push_str("</ul>");
    }
    o.push_str("</section>\n");
}

fn entry(o: &mut String, index: u64, prover: &dyn Prover) {
    let _ = write!(
        o,
        "<section class=\"entry\" id=\"entry-{index}\"><h3>Entry {index}</h3>"
    );
    let bytes = match prover.entry(index) {
        Ok(b) => b,
        Err(e) => {
            let _ = write!(
                o,
                "<p>The entry could not be read: {}</p></section>",
                escape(&e)
            );
            return;
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let shown: String = text.chars().take(SHOWN).collect();
    let more = if shown.len() < text.len() {
        format!(" (the first {SHOWN} characters; the download is whole)")
    } else {
        String::new()
    };
    let _ = write!(
        o,
        "<p class=\"evidence\"><a download=\"entry-{index}.json\" \
         href=\"data:application/octet-stream;base64,{}\">entry-{index}.json</a>",
        BASE64_STANDARD.encode(&bytes)
    );
    match prover.proof(index) {
        Ok(proof) => {
            let _ = write!(
                o,
                "<a download=\"entry-{index}.tlog-proof\" \
                 href=\"data:text/plain;base64,{}\">entry-{index}.tlog-proof</a></p>\
                 <details><summary>The entry{more} and its proof</summary><pre>{}</pre>\
                 <pre class=\"proof\">{}</pre></details>",
                BASE64_STANDARD.encode(&proof),
                escape(&shown),
                escape(&String::from_utf8_lossy(&proof))
            );
        }
        Err(e) => {
            let _ = write!(
                o,
                "</p><p>No proof: {}</p><details><summary>The entry{more}</summary><pre>{}</pre>\
                 </details>",
                escape(&e),
                escape(&shown)
            );
        }
    }
    o.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Finding;

    struct NoProofs;

    impl Prover for NoProofs {
        fn size(&self) -> u64 {
            0
        }
        fn describe(&self) -> String {
            "no checkpoint".into()
        }
        fn entry(&self, index: u64) -> Result<Vec<u8>, String> {
            Err(format!("no entry {index}"))
        }
        fn proof(&self, index: u64) -> Result<Vec<u8>, String> {
            Err(format!("no proof of {index}"))
        }
    }

    #[test]
    fn counts_in_the_header_and_summary_have_thousands_separators() {
        let finding = |i: u64| Finding {
            kind: "double_checkin".into(),
            subject: format!("station {i}"),
            text: String::new(),
            entries: vec![],
        };
        let report = Report {
            election: review::Provenance {
                name: "Cambodia 2013".into(),
                origin: "example.org/log".into(),
                kind: "replayed log",
                path: "https://example.org/log".into(),
                entries: Some(1_004_295),
                digest: None,
                matches_published_digest: None,
            },
            checks: vec![Check {
                title: "Poll book".into(),
                checked: String::new(),
                method: String::new(),
                outcome: Outcome::Ran,
                summary: vec![],
                findings: (0..MAX_FINDINGS as u64 + 1_000).map(finding).collect(),
                leads: vec![],
                plots: vec![],
            }],
        };
        let html = render(&report, &NoProofs);
        assert!(html.contains(", 1,004,295 entries."), "{html}");
        let many = group(MAX_FINDINGS as u64 + 1_000);
        assert!(html.contains(&format!(">{many} findings</span>")));
        assert!(html.contains("<p>1,000 more findings of this review are not listed here.</p>"));
    }
}
