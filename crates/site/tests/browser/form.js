// The observer web form in a real browser (Debian's Chromium, playwright-core), against the
// election crates/site/tests/browser.rs serves. The plan (one JSON argument):
//   { base, artifacts, keyFile, observer, keyId, station, signed: { kind, body, entry } }
// base: http://127.0.0.1:PORT/site/; keyFile: the observer's private key file; signed: an
// event and the entry the Rust code (ledger::event::Entry::signed) made of it with that key.
// The observer loads the key (kept non-extractable in IndexedDB), the page signs exactly as
// the ledger does, a checklist is sent and counted, a second one and an incident are sent
// offline and wait, then go when the network returns and count once; a re-send of a recorded
// report is taken as recorded; one more waits across a closed page and goes at the next load.
// The checklists sent online, offline and while the server cannot take blobs (503) carry a
// photo (field AG): it is uploaded by its hash (PUT /blob/<sha256>, only once the network or
// the server is back; the report waits meanwhile) and served; each is printed as a line
// "photo: {index, hash}" for browser.rs to find in the recorded entry.
// Every wait is bounded; the whole run too.
"use strict";

const fs = require("fs");
const crypto = require("crypto");

const plan = JSON.parse(process.argv[2]);
const WAIT = 20000;
const { check, shot, accessible, launch, run } = require("./common")({
  name: "form check", limit: 120000, wait: WAIT, artifacts: plan.artifacts,
});

// The observer's reports as the server counts them.
async function counted(page) {
  return page.evaluate(async (name) => {
    const r = await fetch(new URL("../api/observers/" + encodeURIComponent(name), location.href), { cache: "no-store" });
    return (await r.json()).reports;
  }, plan.observer);
}

async function waitingText(page) {
  return page.evaluate(() => {
    const q = document.getElementById("queue");
    return q.hidden ? "" : q.textContent;
  });
}

// A real PNG (a piece of the page as it looks), to choose in the photo field.
async function photo(page, n) {
  const buffer = await page.screenshot({ clip: { x: 0, y: 0, width: 64 + n, height: 48 } });
  const hash = crypto.createHash("sha256").update(buffer).digest("hex");
  return { file: { name: `ballot-box-${n}.png`, mimeType: "image/png", buffer }, hash };
}

// The blob as the server serves it: status, type and the SHA-256 of its bytes.
async function blob(hash) {
  const r = await fetch(new URL("../blob/" + hash, plan.base), { cache: "no-store" });
  const bytes = Buffer.from(await r.arrayBuffer());
  return { status: r.status, type: r.headers.get("content-type"), hash: crypto.createHash("sha256").update(bytes).digest("hex") };
}

// The photo reached the server with the checklist recorded at `index`.
async function photoServed(p, index) {
  const got = await blob(p.hash);
  check(got.status === 200 && got.type === "image/png" && got.hash === p.hash,
    `the photo ${p.hash.slice(0, 12)}… is served as image/png with its bytes: ${JSON.stringify(got)}`);
  console.log("photo: " + JSON.stringify({ index, hash: p.hash }));
}

async function opening(page, officials) {
  await page.selectOption("#form-choice", "OPN");
  // The first answer typed from the keyboard, as an observer on a laptop would.
  await page.focus("#f-AA");
  await page.keyboard.type(String(officials));
  await page.check("#f-AB-2");
  await page.check("#f-AC-1");
  await page.check("#f-AD-1");
  await page.fill("#f-AE", "2");
  await page.check("#f-AF-1");
  await page.check("#f-AF-2");
}

async function main() {
  const browser = await launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1024, height: 900 } });
    let page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));

    // The key, once.
    await page.goto(plan.base + "observer.html", { timeout: WAIT });
    await page.waitForSelector("#key-section:not([hidden])");
    await page.fill("#key-text", "PRIVATE+KEY+someone+00000000+AQ==");
    await page.click("#key-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("key-error").textContent !== "");
    check(/not an Ed25519 signing key/.test(await page.textContent("#key-error")), "a damaged key is refused in words: " + await page.textContent("#key-error"));
    await accessible(page, "observer-key");
    await shot(page, "observer-key");
    await page.fill("#key-text", "");
    await page.setInputFiles("#key-file", plan.keyFile);
    await page.click("#key-form button[type=submit]");
    await page.waitForSelector("#who:not([hidden])");
    check(await page.textContent("#who-name") === plan.observer, "the page names the observer: " + plan.observer);
    check(await page.textContent("#who-id") === plan.keyId, "and their key id: " + plan.keyId);
    check(await page.textContent("#who-org") === "COMFREL", "and their organisation");
    const kept = await page.evaluate(() => new Promise((ok, fail) => {
      const r = indexedDB.open("scrutineer-observer");
      r.onsuccess = () => {
        const get = r.result.transaction("key").objectStore("key").get("me");
        get.onsuccess = () => {
          const k = get.result.key;
          ok({ type: k.type, extractable: k.extractable, algorithm: k.algorithm.name, usages: k.usages });
        };
        get.onerror = () => fail(get.error);
      };
      r.onerror = () => fail(r.error);
    }));
    check(kept.type === "private" && kept.extractable === false && kept.algorithm === "Ed25519",
      "the key is kept in IndexedDB as a non-extractable Ed25519 CryptoKey: " + JSON.stringify(kept));
    check(await page.inputValue("#key-text") === "", "and the pasted key is cleared");
    // What the log held of this observer before (nothing, on a new election).
    const before = (await counted(page)).length;
    const count = (n) => page.waitForFunction((n) => document.getElementById("who-count").textContent === String(n), before + n);

    // The page's entry is byte for byte the one the ledger signs.
    const key = fs.readFileSync(plan.keyFile, "utf8");
    const made = await page.evaluate(async ([text, kind, body]) => {
      const k = await window.scrutineerObserver.loadKey(text);
      return window.scrutineerObserver.signEntry(k, kind, body);
    }, [key, plan.signed.kind, plan.signed.body]);
    check(made === plan.signed.entry, "the page signs the same entry as ledger::event::Entry::signed");

    // Required answers left out: errors in words, each tied to its field.
    await page.fill("#station", plan.station);
    await page.dispatchEvent("#station", "change");
    await page.selectOption("#form-choice", "OPN");
    await page.click("#send");
    await page.waitForSelector("#error-summary:not([hidden])");
    check(/is required/.test(await page.textContent("#e-AA")), "a missing answer is said beside its field: " + await page.textContent("#e-AA"));
    check(await page.getAttribute("#f-AA", "aria-invalid") === "true", "and the field is marked invalid");
    check(await page.evaluate(() => document.activeElement.id) === "error-summary", "and the summary takes the focus");
    await page.fill("#f-AA", "12");
    await page.click("#send");
    await page.waitForFunction(() => /above the maximum 9/.test(document.getElementById("e-AA").textContent));
    await accessible(page, "observer-form-errors");
    await page.fill("#f-AA", "");

    // A checklist with a photo, sent and counted.
    await opening(page, 5);
    const online = await photo(page, 0);
    await page.setInputFiles("#f-AG", online.file);
    await page.click("#send");
    await page.waitForFunction(() => /recorded in the log as entry \d+/.test(document.getElementById("result").textContent));
    const first = Number(/entry (\d+)/.exec(await page.textContent("#result"))[1]);
    await count(1);
    let reports = (await counted(page)).slice(before);
    check(reports.length === 1 && reports[0].index === first && reports[0].station === plan.station, `the checklist is counted: entry ${first}`);
    await photoServed(online, first);
    await accessible(page, "observer-form");
    await shot(page, "observer-form");

    // A photo the server would not take (a phone's HEIC, or too large) is said beside its
    // field before anything is signed, so that the report is not refused after it was queued.
    const limits = await page.evaluate(async (name) => {
      const r = await fetch(new URL("../api/observers/" + encodeURIComponent(name), location.href), { cache: "no-store" });
      return (await r.json()).photos;
    }, plan.observer);
    const entriesBefore = (await counted(page)).length;
    await opening(page, 5);
    for (const [file, said] of [
      [{ name: "IMG_0001.HEIC", mimeType: "image/heic", buffer: Buffer.from("ftypheic") }, /"IMG_0001\.HEIC" is image\/heic; choose a photo in JPEG, PNG or WebP/],
      [{ name: "huge.jpg", mimeType: "image/jpeg", buffer: Buffer.alloc(limits.max_bytes + 1) }, /"huge\.jpg" is [0-9.]+ MB; a photo may be at most [0-9.]+ MB/],
    ]) {
      await page.setInputFiles("#f-AG", file);
      await page.click("#send");
      await page.waitForFunction((name) => document.getElementById("e-AG").textContent.includes(name), file.name);
      const text = await page.textContent("#e-AG");
      check(said.test(text), "a photo the server would refuse is said beside its field: " + text);
      check(await page.getAttribute("#f-AG", "aria-invalid") === "true", "and the field is marked invalid");
    }
    check(await page.evaluate(() => document.getElementById("queue").hidden), "and nothing was signed or queued");
    check((await counted(page)).length === entriesBefore, "or sent");
    check(await page.getAttribute("#f-AG", "accept") === "image/jpeg,image/png,image/webp", "the photo field offers only what the server takes: " + await page.getAttribute("#f-AG", "accept"));
    await page.setInputFiles("#f-AG", []);
    await page.evaluate(() => document.getElementById("report-form").reset());

    // Refused by the election's rules: the server's words, and nothing left waiting.
    await page.fill("#station", "NOWHERE");
    await opening(page, 4);
    await page.click("#send");
    await page.waitForFunction(() => /refused: body\.station: /.test(document.getElementById("result").textContent));
    check(true, "a refusal is shown as the server words it: " + await page.textContent("#result"));
    check(await page.evaluate(() => document.getElementById("queue").hidden), "and does not wait to be sent again");
    await page.fill("#station", plan.station);

    // Offline: a second checklist and an incident wait in the browser.
    await context.setOffline(true);
    await opening(page, 6);
    const offline = await photo(page, 1);
    check(offline.hash !== online.hash, "the second photo is another picture");
    await page.setInputFiles("#f-AG", offline.file);
    await page.click("#send");
    // The queue's count is drawn before the result line says why: wait for both (bounded), and
    // let the check say what was shown if the line never came.
    await page.waitForFunction(() => /1 report waiting to be sent/.test(document.getElementById("queue").textContent));
    await page.waitForFunction(() => /not sent yet/.test(document.getElementById("result").textContent), null, { timeout: 10000 }).catch(() => {});
    check(/not sent yet/.test(await page.textContent("#result")), "offline, the checklist is kept: " + await waitingText(page) + "; " + await page.textContent("#result"));
    await page.selectOption("#form-choice", "INC");
    await page.check("#f-category-3");
    await page.check("#f-severity-high");
    await page.fill("#f-text", "Ink washed off with lime juice; \"two\" voters came back");
    await page.click("#send");
    await page.waitForFunction(() => /2 reports waiting to be sent/.test(document.getElementById("queue").textContent));
    check(true, "and the incident too: " + await waitingText(page));
    const queued = await page.evaluate(() => new Promise((ok) => {
      const r = indexedDB.open("scrutineer-observer");
      r.onsuccess = () => {
        const all = r.result.transaction("queue").objectStore("queue").getAll();
        all.onsuccess = () => ok(all.result.map((i) => i.entry));
      };
    }));
    check(queued.length === 2, "two signed entries wait in IndexedDB");
    const heldBlobs = await page.evaluate(() => new Promise((ok) => {
      const r = indexedDB.open("scrutineer-observer");
      r.onsuccess = () => {
        const all = r.result.transaction("queue").objectStore("queue").getAll();
        all.onsuccess = () => ok(all.result.flatMap((i) => (i.blobs || []).map((b) => ({ hash: b.hash, type: b.type, size: b.bytes.byteLength }))));
      };
    }));
    check(heldBlobs.length === 1 && heldBlobs[0].hash === offline.hash && heldBlobs[0].size === offline.file.buffer.length,
      "the photo waits with its checklist: " + JSON.stringify(heldBlobs));
    check((await blob(offline.hash)).status === 404, "and is not on the server yet");
    await shot(page, "observer-offline");

    // Back online: both go, each counted once.
    await context.setOffline(false);
    await page.waitForFunction(() => document.getElementById("queue").hidden, null, { timeout: WAIT });
    await count(3);
    reports = (await counted(page)).slice(before);
    check(reports.length === 3 && new Set(reports.map((r) => r.index)).size === 3, "online again, both were sent and counted once: " + reports.map((r) => r.index).join(", "));
    check(reports.filter((r) => r.kind === "incident").length === 1, "the incident among them");
    const later = reports.filter((r) => r.kind === "checklist" && r.index !== first);
    check(later.length === 1, "one checklist sent after the network came back: entry " + later.map((r) => r.index).join(", "));
    await photoServed(offline, later[0].index);

    // A re-send of a recorded report (as when an answer was lost on the way) counts once.
    await page.evaluate((entry) => new Promise((ok) => {
      const r = indexedDB.open("scrutineer-observer");
      r.onsuccess = () => {
        const t = r.result.transaction("queue", "readwrite");
        t.objectStore("queue").put({ id: "resend", seq: 1, entry, blobs: [], what: "OPN checklist (sent again)" });
        t.oncomplete = () => ok();
      };
    }), queued[0]);
    await page.evaluate(() => window.scrutineerObserver.flush());
    check(/already recorded in the log as entry \d+; counted once/.test(await page.textContent("#result")), "a re-send is taken as already recorded: " + await page.textContent("#result"));
    check((await counted(page)).length === before + 3, "and not counted again");

    // The server cannot take a photo for now (503): its report waits, and goes later.
    const sentBefore = new Set((await counted(page)).map((r) => r.index));
    await page.route("**/blob/*", (route) => route.fulfill({ status: 503, contentType: "application/json", body: '{"message":"busy"}' }));
    await opening(page, 8);
    const busy = await photo(page, 2);
    await page.setInputFiles("#f-AG", busy.file);
    await page.click("#send");
    await page.waitForFunction(() => /1 report waiting to be sent/.test(document.getElementById("queue").textContent));
    // The queue's count can be drawn before the result line says why; wait for both (bounded),
    // and let the check below say what was shown if the line never came.
    await page.waitForFunction(() => /not sent yet/.test(document.getElementById("result").textContent), null, { timeout: 10000 }).catch(() => {});
    check(/not sent yet/.test(await page.textContent("#result")), "a photo the server cannot take yet (503) keeps its report waiting: " + await page.textContent("#result"));
    await page.unroute("**/blob/*");
    await page.evaluate(() => window.scrutineerObserver.flush());
    await count(4);
    const retried = (await counted(page)).filter((r) => !sentBefore.has(r.index));
    check(retried.length === 1 && retried[0].kind === "checklist", "then it is sent with its photo: entry " + retried.map((r) => r.index).join(", "));
    await photoServed(busy, retried[0].index);

    // One more offline, the page closed; the next page load sends it.
    await context.setOffline(true);
    await opening(page, 7);
    await page.click("#send");
    await page.waitForFunction(() => /1 report waiting to be sent/.test(document.getElementById("queue").textContent));
    await page.close();
    await context.setOffline(false);
    page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(plan.base + "observer.html", { timeout: WAIT });
    await count(5);
    check(await page.evaluate(() => document.getElementById("queue").hidden), "the next page load sent what waited");
    check((await counted(page)).length === before + 5, "and it is counted");

    // At phone width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.selectOption("#form-choice", "OPN");
    await accessible(page, "observer-form-phone");
    await shot(page, "observer-form-phone");
    check(errors.length === 0, "no script error" + (errors.length ? ": " + errors.join("; ") : ""));
  } finally {
    await browser.close();
  }
}

run(main);
