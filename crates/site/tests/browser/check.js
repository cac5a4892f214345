// The public site in a real browser: Debian's Chromium driven by playwright-core (no browser
// download), pages checked with axe-core. Run by crates/site/tests/browser.rs, which passes a
// JSON plan as the one argument:
//   { base, file, artifacts, station, misspelled, voter }
// base: the site served by `scrutineer serve` (http://127.0.0.1:PORT/site/); file: the same
// site as a file:// URL; station: the station with the planted discrepancy; misspelled: a
// voter's name with a typo; voter: that voter's id. Every wait is bounded; the whole run too.
"use strict";

const plan = JSON.parse(process.argv[2]);
const WAIT = 15000;
const { check, shot, accessible, drawn, launch, run } = require("./common")({
  name: "browser check", limit: 150000, wait: WAIT, artifacts: plan.artifacts,
});

async function main() {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));

    // The summary.
    await page.goto(plan.base, { timeout: WAIT });
    const title = await drawn(page);
    check(title.length > 0, "the summary names the election: " + title);
    for (const [code, name] of Object.entries(plan.names)) {
      check(await page.evaluate((c) => window.siteFileName(c), code) === name, `the page names ${code}'s file as the writer does: ${name}`);
    }
    check(await page.locator("table").count() >= 2, "the summary has its tables");
    await accessible(page, "summary");
    await shot(page, "summary");

    // Drill down, province → district → commune, each time into the row that differs.
    await page.click('#sections a[href="#/results"]');
    let level = 0;
    for (;;) {
      await drawn(page);
      const row = page.locator("#drilldown tbody tr.differs").first();
      check(await row.count() === 1, `level ${level}: a row is marked as differing`);
      const text = await row.textContent();
      check(/differs from the official form/.test(text), `level ${level}: the row says it differs in words`);
      const href = await row.locator("th a").getAttribute("href");
      if (level === 0) {
        await accessible(page, "drilldown");
        await shot(page, "drilldown-top");
      }
      if (href.startsWith("#/station/")) {
        check(href.endsWith("/" + encodeURIComponent(plan.station)), "the differing station is the planted one: " + href);
        await accessible(page, "stations");
        await shot(page, "stations-of-commune");
        await row.locator("th a").click();
        break;
      }
      await row.locator("th a").click();
      level += 1;
      check(level < 6, "the drill-down reaches the stations");
    }
    const stationTitle = await drawn(page);
    check(stationTitle.includes(plan.station), "the station page: " + stationTitle);
    const cells = page.locator("#forms td.differs");
    check(await cells.count() >= 1, "the station's differing figures are highlighted");
    check(/differs from the official form/.test(await cells.first().textContent()), "and said in words");
    const bg = await cells.first().evaluate((el) => getComputedStyle(el).backgroundColor);
    check(bg !== "rgba(0, 0, 0, 0)" && bg !== "rgb(255, 255, 255)", "and coloured: " + bg);
    check(await page.locator("ul.differences li").count() >= 1, "the differences are listed in sentences");
    await accessible(page, "station");
    await shot(page, "station");

    // The same station page at phone width.
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "station-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Flags and witnesses.
    await page.click('#sections a[href="#/flags"]');
    await drawn(page);
    await accessible(page, "flags");
    await shot(page, "flags");
    await page.click('#sections a[href="#/witnesses"]');
    await drawn(page);
    await accessible(page, "witnesses");
    await shot(page, "witnesses");

    // Find a voter by a misspelled name.
    await page.click('#sections a[href="#/find"]');
    await drawn(page);
    await page.fill("#q", plan.misspelled);
    await page.click("form.find button");
    await page.waitForSelector("#found li.voter, #found .warn", { timeout: WAIT });
    const found = await page.locator("#found li.voter").allTextContents();
    check(found.length >= 1, `"${plan.misspelled}" finds voters: ${found.slice(0, 3).join(" | ")}`);
    const answer = await page.evaluate(async (q) => {
      const r = await fetch(new URL("../api/find?q=" + encodeURIComponent(q), location.href));
      return r.json();
    }, plan.misspelled);
    check(answer.found.slice(0, 5).some((v) => v.voter === plan.voter), `voter ${plan.voter} is among the first five`);
    await accessible(page, "find");
    await shot(page, "find");

    // Khmer: the switch, and Khmer text drawn with a Khmer font.
    await page.click('.lang button[data-lang="km"]');
    await page.click('#sections a[href="#/"]');
    await drawn(page);
    check(await page.evaluate(() => document.documentElement.lang) === "km", "the page is marked as Khmer");
    const nav = await page.textContent("#sections");
    check(/[\u1780-\u17FF]/.test(nav), "the menu is in Khmer: " + nav.trim().replace(/\s+/g, " "));
    await accessible(page, "summary-km");
    await shot(page, "summary-km");
    await page.click('.lang button[data-lang="en"]');
    check(errors.length === 0, "no script error on any page" + (errors.length ? ": " + errors.join("; ") : ""));

    // From file://: the pages read the data's .js twins; find my name says it needs the server.
    const offline = await context.newPage();
    offline.setDefaultTimeout(WAIT);
    await offline.goto(plan.file, { timeout: WAIT });
    check((await drawn(offline)).length > 0, "the site opens from file://");
    await offline.goto(plan.file + "#/find", { timeout: WAIT });
    await offline.waitForSelector("#needs-server", { timeout: WAIT });
    check(/needs the server/.test(await offline.textContent("#needs-server")), "from file://, find my name says it needs the server");
    await shot(offline, "find-static");
  } finally {
    await browser.close();
  }
}

run(main);
