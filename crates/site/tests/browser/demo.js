// The demo's output in a real browser (Debian's Chromium, playwright-core, axe-core): its
// public site, drilled down from the top to a station its truth file names as planted
// (copies_differ: the official form differs from the parties' and observers' copies), which
// must be highlighted and said in words; and its review report, opened from file://, which
// must list every planted finding of the truth file. The demo records a PVT sample: the
// summary draws its interval plot, and each official share is marked inside or outside its
// interval (the diamond within the whisker or not, red when outside) as the site's data says.
// The plan (one JSON argument):
//   { site, report, truth, artifacts }
// site: file:// URL of the demo's public/site/index.html; report: file:// URL of report.html;
// truth: the demo's truth.json as parsed. Every wait is bounded; the whole run too.
"use strict";

const fs = require("fs");
const path = require("path");
const { fileURLToPath } = require("url");

const plan = JSON.parse(process.argv[2]);
const WAIT = 20000;
const { check, shot, accessible, drawn, launch, run } = require("./common")({
  name: "demo check", limit: 120000, wait: WAIT, artifacts: plan.artifacts,
});

async function main() {
  const planted = plan.truth.findings.filter((f) => f.kind === "copies_differ").map((f) => f.subject);
  check(planted.length > 0, "the truth file names stations whose copies differ: " + planted.join(", "));
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));

    // The demo's site: from the top, into rows marked as differing, until a planted station.
    await page.goto(plan.site, { timeout: WAIT });
    await drawn(page);
    await accessible(page, "demo-summary");
    await shot(page, "demo-summary");

    // The PVT beside the official result: the plot drawn as the data says.
    const data = JSON.parse(fs.readFileSync(path.join(path.dirname(fileURLToPath(plan.site)), "data/election.json"), "utf8"));
    check(data.pvt.length >= 1 && data.pvt[0].verdict, "the demo's site has a PVT estimate judged against the official result");
    const figures = data.pvt[0].verdict.figures.filter((f) => f.estimate >= 0.01 || f.official >= 0.01);
    const img = page.locator('figure.plot img[src*="pvt-0"]');
    check(await img.count() === 1, "the summary shows the PVT plot");
    await img.scrollIntoViewIfNeeded();
    const loaded = await img.evaluate((i) => i.complete && i.naturalWidth > 0 ? [i.naturalWidth, i.naturalHeight] : null);
    check(loaded !== null, "and the browser drew it: " + JSON.stringify(loaded));
    const pvtTable = page.locator('div.scroll[role="region"]', { has: page.locator("th", { hasText: "95%" }) }).first();
    const marked = await pvtTable.locator("tr.differs td.differs").allTextContents();
    check(await pvtTable.locator("tbody tr").count() === data.pvt[0].verdict.figures.length, "the PVT table has a row for each figure");
    const outside = figures.filter((f) => f.inside_95 === false);
    check(marked.length === outside.length, `the table marks ${outside.length} official shares outside the interval: ${marked.join(", ")}`);
    await img.locator("xpath=..").screenshot({ path: path.join(plan.artifacts, "demo-pvt.png"), timeout: WAIT });
    console.log("screenshot: demo-pvt.png");
    const svg = await context.newPage();
    svg.setDefaultTimeout(WAIT);
    await svg.goto(new URL(await img.getAttribute("src"), plan.site).href, { timeout: WAIT });
    const rows = await svg.evaluate(() => {
      const svg = document.documentElement;
      const whiskers = Array.from(svg.querySelectorAll('line[stroke-width="3"]'));
      const labels = Array.from(svg.querySelectorAll("text"));
      return whiskers.map((l) => {
        const y = Number(l.getAttribute("y1"));
        const label = labels.find((t) => t.getAttribute("text-anchor") === "end" && Math.abs(Number(t.getAttribute("y")) - 4 - y) < 0.2);
        const diamond = Array.from(svg.querySelectorAll("path")).find((p) => {
          const m = /^M([\d.]+) ([\d.]+)/.exec(p.getAttribute("d"));
          return m && Math.abs(Number(m[2]) + 6 - y) < 0.2;
        });
        const x = diamond && Number(/^M([\d.]+)/.exec(diamond.getAttribute("d"))[1]);
        return {
          label: label ? label.textContent : null, lo: Number(l.getAttribute("x1")), hi: Number(l.getAttribute("x2")),
          official: x, fill: diamond ? diamond.getAttribute("fill") : null,
        };
      });
    });
    check(rows.length === figures.length, `the plot has a whisker for each of the ${figures.length} figures: ${rows.map((r) => r.label).join(", ")}`);
    for (const f of figures) {
      const r = rows.find((r) => r.label === f.figure);
      check(r && r.official !== null, `${f.figure}: its interval and official share are drawn`);
      const within = r.official >= r.lo && r.official <= r.hi;
      check(within === f.inside_95 && (r.fill === "#b3261e") === !f.inside_95,
        `${f.figure}: the official share is drawn ${within ? "inside" : "outside"} the interval (${r.lo}–${r.hi}, at ${r.official}, ${r.fill}), as the data says`);
    }
    await svg.close();
    await page.click('#sections a[href="#/results"]');
    await drawn(page);
    await shot(page, "demo-drilldown-top");
    // Depth first through the differing rows (a planted station is under one of them).
    const seen = new Set();
    async function descend(depth) {
      const rows = page.locator("#drilldown tbody tr.differs");
      const hrefs = [];
      for (let i = 0; i < await rows.count(); i++) {
        const row = rows.nth(i);
        check(/differs from the official form/.test(await row.textContent()), `level ${depth}: a differing row says so in words`);
        hrefs.push(await row.locator("th a").getAttribute("href"));
      }
      const here = page.url();
      for (const href of hrefs) {
        if (href.startsWith("#/station/")) {
          const code = decodeURIComponent(href.split("/").pop());
          if (planted.includes(code)) {
            await accessible(page, "demo-stations");
            await shot(page, "demo-stations-of-commune");
            await page.locator(`#drilldown th a[href="${href}"]`).click();
            return code;
          }
          continue;
        }
        if (seen.has(href) || depth > 6) continue;
        seen.add(href);
        await page.locator(`#drilldown th a[href="${href}"]`).click();
        await drawn(page);
        const found = await descend(depth + 1);
        if (found) return found;
        await page.goto(here, { timeout: WAIT });
        await drawn(page);
      }
      return null;
    }
    const station = await descend(0);
    check(station !== null, "the drill-down reaches a planted station: " + station);
    const title = await drawn(page);
    check(title.includes(station), "the station's page: " + title);
    const cells = page.locator("#forms td.differs");
    check(await cells.count() >= 1, "its differing figures are highlighted");
    check(/differs from the official form/.test(await cells.first().textContent()), "and said in words");
    const bg = await cells.first().evaluate((el) => getComputedStyle(el).backgroundColor);
    check(bg !== "rgba(0, 0, 0, 0)" && bg !== "rgb(255, 255, 255)", "and coloured: " + bg);
    await accessible(page, "demo-station");
    await shot(page, "demo-station");
    check(errors.length === 0, "no script error on the site" + (errors.length ? ": " + errors.join("; ") : ""));

    // The report, from file://: every planted finding listed, by kind and subject.
    const report = await context.newPage();
    report.setDefaultTimeout(WAIT);
    await report.goto(plan.report, { timeout: WAIT });
    const listed = await report.evaluate(() => Array.from(document.querySelectorAll("li.finding"))
      .map((li) => li.getAttribute("data-kind") + " " + li.getAttribute("data-subject")));
    const missing = plan.truth.findings.map((f) => f.kind + " " + f.subject).filter((f) => !listed.includes(f));
    check(missing.length === 0, `the report lists every one of the ${plan.truth.findings.length} planted findings` + (missing.length ? "; missing: " + missing.join(", ") : ""));
    const shown = await report.locator("li.finding").first().isVisible();
    check(shown, "and they are on the page, not hidden");
    await accessible(report, "report");
    // The report is long: its first screen, and the findings where they are listed.
    await report.screenshot({ path: path.join(plan.artifacts, "report.png"), timeout: WAIT });
    await report.locator("li.finding").first().scrollIntoViewIfNeeded();
    await report.screenshot({ path: path.join(plan.artifacts, "report-findings.png"), timeout: WAIT });
    console.log("screenshots: report.png, report-findings.png");
  } finally {
    await browser.close();
  }
}

run(main);
