// The demo's output in a real browser (Debian's Chromium, playwright-core, axe-core): its
// public site, drilled down from the top to a station its truth file names as planted
// (copies_differ: the official form differs from the parties' and observers' copies), which
// must be highlighted and said in words; and its review report, opened from file://, which
// must list every planted finding of the truth file. The plan (one JSON argument):
//   { site, report, truth, artifacts }
// site: file:// URL of the demo's public/site/index.html; report: file:// URL of report.html;
// truth: the demo's truth.json as parsed. Every wait is bounded; the whole run too.
"use strict";

const path = require("path");

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
    await shot(page, "demo-summary");
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
