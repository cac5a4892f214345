// What the three browser scripts share: Chromium launched as the project requires (Debian's
// /usr/bin/chromium, no sandbox, no network beyond the page), a limit on the whole run, and
// the checks (a line per passed check, screenshots, axe-core, a drawn site page).
"use strict";

const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// name: what the script checks ("browser check"); limit: ms for the whole run; wait: ms for
// each wait; artifacts: where screenshots go.
module.exports = function harness({ name, limit, wait, artifacts }) {
  const overall = setTimeout(() => {
    console.error(`${name}: over its ${limit / 1000} s limit`);
    process.exit(3);
  }, limit);

  function check(ok, what) {
    if (!ok) throw new Error(what);
    console.log("ok: " + what);
  }

  async function shot(page, file) {
    const to = path.join(artifacts, file + ".png");
    await page.screenshot({ path: to, fullPage: true, timeout: wait });
    console.log("screenshot: " + to);
  }

  // axe-core on the page as it is: no violation that is moderate, serious or critical (only
  // minor ones are listed and let pass).
  async function accessible(page, what) {
    if (!(await page.evaluate(() => typeof window.axe !== "undefined"))) {
      await page.addScriptTag({ content: axeSource });
    }
    const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    const bad = result.violations.filter((v) => v.impact !== "minor");
    for (const v of result.violations) {
      console.log(`axe ${what}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ")})`);
    }
    check(bad.length === 0, `${what}: no moderate, serious or critical accessibility violation (axe-core ${result.testEngine.version})` +
      (bad.length ? ": " + bad.map((v) => v.id).join(", ") : ""));
  }

  // Waits until the site's page of the current address has drawn and returns its h1.
  async function drawn(page) {
    await page.waitForFunction(() => {
      const s = document.getElementById("status");
      return document.body.getAttribute("data-drawn") === location.hash && s && s.textContent === ""
        && document.querySelector("#page h1");
    }, null, { timeout: wait });
    return page.textContent("#page h1", { timeout: wait });
  }

  function launch() {
    fs.mkdirSync(artifacts, { recursive: true });
    return chromium.launch({
      executablePath: "/usr/bin/chromium",
      headless: true,
      timeout: 60000,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
    });
  }

  // Runs the script's main and ends the process with its verdict.
  function run(main) {
    main().then(() => {
      clearTimeout(overall);
      console.log(`${name}: passed`);
    }, (e) => {
      console.error(`${name} failed: ` + (e && e.stack ? e.stack : e));
      process.exit(1);
    });
  }

  return { check, shot, accessible, drawn, launch, run };
};
