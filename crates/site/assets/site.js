// The public site's pages, drawn from the JSON data files beside them (crates/site/src/lib.rs
// describes each). Plain JavaScript with no library, so that it runs from any static server or
// from file://, where the data is read through the .js twin of each file. Every string from the
// data goes in as text, never as HTML.
(function () {
  "use strict";

  var T = {
    en: {
      nav_summary: "Summary", nav_results: "Results by area", nav_flags: "Flags and alerts",
      nav_witnesses: "Witnesses", nav_find: "Find my name", language: "Language",
      footer: "Every figure here is rebuilt from the election's signed, witnessed log, which anyone can replay with scrutineer replay.",
      skip: "Skip to the content", loading: "Loading…", loaded: "Loaded.",
      not_found: "This page's data file is missing", entries: "entries in the log",
      summary: "National summary", totals: "Totals by source", source: "Source", forms: "Forms",
      valid: "Valid ballots", invalid: "Invalid ballots", seats: "Seats", party: "Party",
      roll: "Registered voters by area", area: "Area", stations: "Stations",
      registered: "Registered (published)", on_roll: "On the roll",
      pvt: "Parallel vote tabulation beside the official result", figure: "Figure",
      estimate: "PVT estimate", interval95: "95% interval", official_share: "Official",
      inside: "Inside the 95% interval", yes: "yes", no: "NO",
      pvt_none: "No PVT sample is recorded in the log.",
      results: "Results", whole: "The whole election", differing: "Stations where a copy differs",
      differs_word: "differs from the official form", no_difference: "no copy differs",
      n_differ: "{n} station(s) where a copy differs from the official form",
      no_witness: "No witness is named for this log.",
      copies_of: "copies from {n} of {m} stations", station: "Station",
      station_forms: "The copies of this station's form, side by side",
      differences: "Where a copy differs from the official form",
      diff_line: "{source} says {copy} for {figure}; the official form says {official}.",
      valid_s: "valid ballots", invalid_s: "invalid ballots",
      none_differ: "Every copy agrees with the official form.",
      photos: "Photographs of the form", photo_note: "Served by scrutineer serve at /blob/HASH; each is named by its SHA-256.",
      no_photos: "No photograph of the form is recorded.",
      flags: "Public flags", flags_here: "Flags at this station", no_flags: "No flag is raised.",
      kind: "Kind", entry: "Entry", message: "What it says", alerts: "Poll book alerts",
      count: "Count", at: "Claimed time (UTC)", shown: "The first {n} of {m} are shown; every one is in data/flags.json.",
      witnesses: "Witnesses", witness: "Witness", cosigned_size: "Cosigned up to entry",
      cosigned_at: "Last cosignature (UTC)", no_status: "This copy of the site was written without the log's status.",
      checkpoint: "Latest checkpoint: {size} entries, cosigned by {n} witness(es).",
      find: "Find my name", find_intro: "Type your name as it is on your card, in Khmer script or in Latin letters. Up to two typing mistakes are forgiven.",
      name: "Name", birth_year: "Year of birth (optional)", area_code: "Area code (optional)",
      search: "Search", found_none: "No voter found with that name.",
      found_n: "{n} voter(s) found, the closest first.", edits: "{n} letter(s) differ",
      swapped: "names in the other order", born: "born {y}",
      needs_server: "Find my name needs the server: it searches the roll through scrutineer serve (/api/find). This copy of the site is static files, so the search is not available here.",
      too_many: "Too many searches from your address; try again in {s} seconds.",
      level_province: "Province", level_district: "District", level_commune: "Commune",
      level_station: "Station", votes: "Votes"
    },
    km: {
      nav_summary: "សេចក្ដីសង្ខេប", nav_results: "លទ្ធផលតាមតំបន់", nav_flags: "សញ្ញាព្រមាន",
      nav_witnesses: "សាក្សី", nav_find: "រកឈ្មោះខ្ញុំ", language: "ភាសា",
      footer: "តួលេខនីមួយៗនៅទីនេះ បានបង្កើតឡើងវិញពីកំណត់ត្រាដែលបានចុះហត្ថលេខា និងមានសាក្សីបញ្ជាក់ ដែលអ្នកណាក៏អាចពិនិត្យឡើងវិញបាន។",
      skip: "រំលងទៅខ្លឹមសារ", loading: "កំពុងផ្ទុក…", loaded: "បានផ្ទុករួច។",
      not_found: "រកមិនឃើញឯកសារទិន្នន័យនៃទំព័រនេះ", entries: "ធាតុក្នុងកំណត់ត្រា",
      summary: "សេចក្ដីសង្ខេបថ្នាក់ជាតិ", totals: "សរុបតាមប្រភព", source: "ប្រភព", forms: "សន្លឹក",
      valid: "សន្លឹកឆ្នោតត្រឹមត្រូវ", invalid: "សន្លឹកឆ្នោតមិនត្រឹមត្រូវ", seats: "អាសនៈ", party: "គណបក្ស",
      roll: "អ្នកបោះឆ្នោតដែលបានចុះឈ្មោះ តាមតំបន់", area: "តំបន់", stations: "ការិយាល័យបោះឆ្នោត",
      registered: "បានចុះឈ្មោះ (ផ្សព្វផ្សាយ)", on_roll: "ក្នុងបញ្ជីឈ្មោះ",
      pvt: "ការរាប់សន្លឹកឆ្នោតស្របគ្នា (PVT) ធៀបនឹងលទ្ធផលផ្លូវការ", figure: "តួលេខ",
      estimate: "ការប៉ាន់ស្មាន PVT", interval95: "ចន្លោះ ៩៥%", official_share: "ផ្លូវការ",
      inside: "នៅក្នុងចន្លោះ ៩៥%", yes: "បាទ/ចាស", no: "ទេ",
      pvt_none: "មិនមានគំរូ PVT ក្នុងកំណត់ត្រាទេ។",
      results: "លទ្ធផល", whole: "ការបោះឆ្នោតទាំងមូល", differing: "ការិយាល័យដែលមានច្បាប់ចម្លងខុសគ្នា",
      differs_word: "ខុសពីសន្លឹកផ្លូវការ", no_difference: "គ្មានច្បាប់ចម្លងណាខុសទេ",
      n_differ: "ការិយាល័យ {n} ដែលមានច្បាប់ចម្លងខុសពីសន្លឹកផ្លូវការ",
      no_witness: "កំណត់ត្រានេះ មិនមានសាក្សីទេ។",
      copies_of: "ច្បាប់ចម្លងពី {n} ក្នុងចំណោម {m} ការិយាល័យ", station: "ការិយាល័យបោះឆ្នោត",
      station_forms: "ច្បាប់ចម្លងនៃសន្លឹកលទ្ធផលរបស់ការិយាល័យនេះ ដាក់ទន្ទឹមគ្នា",
      differences: "កន្លែងដែលច្បាប់ចម្លងខុសពីសន្លឹកផ្លូវការ",
      diff_line: "{source} កត់ {copy} សម្រាប់ {figure}; សន្លឹកផ្លូវការកត់ {official}។",
      valid_s: "សន្លឹកឆ្នោតត្រឹមត្រូវ", invalid_s: "សន្លឹកឆ្នោតមិនត្រឹមត្រូវ",
      none_differ: "ច្បាប់ចម្លងទាំងអស់ដូចសន្លឹកផ្លូវការ។",
      photos: "រូបថតសន្លឹកលទ្ធផល", photo_note: "ម៉ាស៊ីនមេ scrutineer serve ផ្ដល់ជូននៅ /blob/HASH ។",
      no_photos: "មិនមានរូបថតសន្លឹកលទ្ធផលទេ។",
      flags: "សញ្ញាព្រមានសាធារណៈ", flags_here: "សញ្ញាព្រមាននៅការិយាល័យនេះ", no_flags: "គ្មានសញ្ញាព្រមានទេ។",
      kind: "ប្រភេទ", entry: "ធាតុ", message: "ខ្លឹមសារ", alerts: "ការព្រមានពីបញ្ជីវត្តមាន",
      count: "ចំនួន", at: "ពេលវេលាដែលបានអះអាង (UTC)", shown: "បង្ហាញ {n} ដំបូង ក្នុងចំណោម {m}; ទាំងអស់មាននៅ data/flags.json ។",
      witnesses: "សាក្សី", witness: "សាក្សី", cosigned_size: "បានចុះហត្ថលេខារួមដល់ធាតុ",
      cosigned_at: "ហត្ថលេខាចុងក្រោយ (UTC)", no_status: "ច្បាប់ចម្លងនេះ ត្រូវបានសរសេរដោយគ្មានស្ថានភាពកំណត់ត្រា។",
      checkpoint: "ចំណុចត្រួតពិនិត្យចុងក្រោយ៖ {size} ធាតុ, សាក្សី {n} បានចុះហត្ថលេខា។",
      find: "រកឈ្មោះខ្ញុំ", find_intro: "វាយឈ្មោះរបស់អ្នក ដូចនៅលើប័ណ្ណ ជាអក្សរខ្មែរ ឬអក្សរឡាតាំង។ កំហុសវាយរហូតដល់ពីរ ត្រូវបានអភ័យទោស។",
      name: "ឈ្មោះ", birth_year: "ឆ្នាំកំណើត (ស្រេចចិត្ត)", area_code: "លេខកូដតំបន់ (ស្រេចចិត្ត)",
      search: "ស្វែងរក", found_none: "រកមិនឃើញអ្នកបោះឆ្នោតដែលមានឈ្មោះនេះទេ។",
      found_n: "រកឃើញអ្នកបោះឆ្នោត {n} នាក់ ជិតបំផុតមុនគេ។", edits: "ខុស {n} អក្សរ",
      swapped: "ឈ្មោះតាមលំដាប់ផ្ទុយ", born: "កើតឆ្នាំ {y}",
      needs_server: "ការរកឈ្មោះ ត្រូវការម៉ាស៊ីនមេ scrutineer serve (/api/find)។ ច្បាប់ចម្លងនេះជាឯកសារឋិតិវន្ត ដូច្នេះមិនអាចស្វែងរកនៅទីនេះបានទេ។",
      too_many: "ការស្វែងរកច្រើនពេកពីអាសយដ្ឋានរបស់អ្នក; សូមព្យាយាមម្ដងទៀតក្នុងរយៈពេល {s} វិនាទី។",
      level_province: "ខេត្ត", level_district: "ស្រុក", level_commune: "ឃុំ",
      level_station: "ការិយាល័យបោះឆ្នោត", votes: "សំឡេងឆ្នោត"
    }
  };

  var lang = "en";
  try { lang = localStorage.getItem("lang") === "km" ? "km" : "en"; } catch (e) { /* no storage */ }

  function t(key, vars) {
    var s = (T[lang] && T[lang][key]) || T.en[key] || key;
    if (vars) {
      Object.keys(vars).forEach(function (k) { s = s.split("{" + k + "}").join(String(vars[k])); });
    }
    return s;
  }

  // h("td", {class: "num"}, "12"): an element; children are nodes or text.
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) el.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, c) {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { add(el, x); }); return; }
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  function num(n) { return n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"); }
  function pct(x) { return (100 * x).toFixed(2) + "%"; }
  function utc(s) { return s ? new Date(s * 1000).toISOString().replace(".000Z", "Z") : "–"; }
  // An area code or contest id as a file name, as crates/site/src/lib.rs (file_name) writes it.
  function fileName(code) {
    if (code && code.length <= 80 && code[0] !== "." && /^[A-Za-z0-9_.-]+$/.test(code)) return code;
    var bytes = new TextEncoder().encode(code), hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    if (hex.length <= 80) return "~" + hex;
    var hash = BigInt("0xcbf29ce484222325"), prime = BigInt("0x100000001b3"), mask = (BigInt(1) << BigInt(64)) - BigInt(1);
    for (var j = 0; j < bytes.length; j++) hash = ((hash ^ BigInt(bytes[j])) * prime) & mask;
    return "~" + hex.slice(0, 80) + "-" + hash.toString(16).padStart(16, "0");
  }
  window.siteFileName = fileName;
  function levelName(l) { var k = "level_" + l; return T.en[k] ? t(k) : l; }
  // A table inside a scrolling region that the keyboard can reach (narrow screens).
  function scroll(label, table) {
    return h("div", { class: "scroll", role: "region", "aria-label": label, tabindex: "0" }, table);
  }
  function headRow(cells) {
    return h("tr", null, cells.map(function (c) {
      return h("th", { scope: "col", class: c.num ? "num" : null }, c.text === undefined ? c : c.text);
    }));
  }

  var cache = {};
  // A data file: fetched as JSON over HTTP, or read through its .js twin from file://.
  function load(name) {
    if (cache[name]) return cache[name];
    var p;
    if (location.protocol === "file:") {
      p = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "data/" + name + ".js";
        s.onload = function () {
          var v = window.SITE_DATA && window.SITE_DATA[name];
          v === undefined ? reject(new Error(name)) : resolve(v);
        };
        s.onerror = function () { reject(new Error(name)); };
        document.head.appendChild(s);
      });
    } else {
      p = fetch("data/" + name + ".json", { cache: "no-cache" }).then(function (r) {
        if (!r.ok) throw new Error(name);
        return r.json();
      });
    }
    cache[name] = p;
    p.catch(function () { delete cache[name]; });
    return p;
  }

  var election = null;
  function choiceName(id) {
    var c = election && election.contests.find(function (c) { return c.choices[id]; });
    return c ? c.choices[id] : id;
  }
  function figureName(f) {
    if (f === "valid") return t("valid");
    if (f === "invalid") return t("invalid");
    return f;
  }
  function figureOf(x, f) { return f === "valid" ? x.valid : f === "invalid" ? x.invalid : (x.votes[f] || 0); }
  // A total of `x` beside the official one: marked, in colour and in words, where a source with
  // a copy from every station the official forms cover counts differently.
  function totalCell(x, off, f, title) {
    var v = figureOf(x, f), o = off ? figureOf(off, f) : v;
    var differs = off && x !== off && x.forms === off.forms && v !== o;
    return h("td", { class: "num" + (differs ? " differs" : ""), title: title || null }, num(v),
      differs ? h("span", null, " (≠ " + num(o) + ")") : null);
  }

  // ------------------------------------------------------------------ pages

  function summary() {
    var e = election, out = [h("h1", null, e.name)];
    out.push(h("p", null, num(e.entries) + " " + t("entries") + " · " + e.origin));
    e.contests.forEach(function (c) {
      out.push(h("h2", null, t("totals") + ": " + c.name));
      var choices = Object.keys(c.choices);
      var totals = e.headline.totals.filter(function (x) { return x.contest === c.id; });
      var official = totals.find(function (x) { return x.source === "official"; });
      out.push(scroll(t("totals"), h("table", null,
        h("caption", null, t("totals") + " (" + c.id + ")"),
        h("thead", null, headRow([t("source"), { text: t("forms"), num: 1 }, { text: t("valid"), num: 1 }]
          .concat(choices.map(function (id) { return { text: id, num: 1 }; })))),
        h("tbody", null, totals.map(function (x) {
          return h("tr", null, h("th", { scope: "row" }, x.source),
            h("td", { class: "num" }, num(x.forms)), totalCell(x, official, "valid"),
            choices.map(function (id) { return totalCell(x, official, id, c.choices[id]); }));
        })))));
      if (!official) out.push(h("p", { class: "note" }, "No official forms yet."));
      out.push(h("p", null, h("a", { href: "#/area/" + encodeURIComponent(c.id) + "/_" }, t("results") + " → " + t("whole"))));
    });
    e.headline.seats.forEach(function (s) {
      var parties = Object.keys(s.seats).filter(function (p) { return s.seats[p] > 0; });
      out.push(h("h2", null, t("seats") + " (" + s.contest + ", " + s.method + ")"));
      out.push(scroll(t("seats"), h("table", null,
        h("thead", null, headRow([t("party"), { text: t("seats"), num: 1 }])),
        h("tbody", null, parties.map(function (p) {
          return h("tr", null, h("th", { scope: "row" }, p + " — " + choiceName(p)), h("td", { class: "num" }, num(s.seats[p])));
        })))));
      if (s.missing.length) out.push(h("p", { class: "note" }, s.missing.length + " constituencies without official forms: " + s.missing.join(", ")));
    });
    out.push(h("h2", null, t("pvt")));
    if (!e.pvt.length) out.push(h("p", { class: "note" }, t("pvt_none")));
    e.pvt.forEach(function (r) {
      var v = r.verdict;
      out.push(h("p", null, r.figures_from + ": " + r.estimate.stations_reporting + " / " + r.estimate.stations_sampled + " " + t("stations")));
      var rows = v ? v.figures : r.estimate.choices.map(function (c) {
        return { figure: c.choice, estimate: c.estimate, interval_95: c.interval_95, official: null, inside_95: null };
      });
      out.push(scroll(t("pvt"), h("table", null,
        h("thead", null, headRow([t("figure"), { text: t("estimate"), num: 1 }, { text: t("interval95"), num: 1 },
          { text: t("official_share"), num: 1 }, t("inside")])),
        h("tbody", null, rows.map(function (f) {
          var outside = f.inside_95 === false;
          return h("tr", { class: outside ? "differs" : null }, h("th", { scope: "row" }, f.figure),
            h("td", { class: "num" }, pct(f.estimate)),
            h("td", { class: "num" }, pct(f.interval_95[0]) + " – " + pct(f.interval_95[1])),
            h("td", { class: "num" }, f.official === null ? "–" : pct(f.official)),
            h("td", { class: outside ? "differs" : null }, f.inside_95 === null ? "–" : (f.inside_95 ? t("yes") : t("no"))));
        })))));
    });
    out.push(h("h2", null, t("roll")));
    var c0 = e.contests[0];
    out.push(scroll(t("roll"), h("table", null,
      h("thead", null, headRow([t("area"), { text: t("stations"), num: 1 }, { text: t("registered"), num: 1 }, { text: t("on_roll"), num: 1 }])),
      h("tbody", null, e.headline.roll.map(function (a) {
        var label = a.area + " " + a.name;
        return h("tr", null,
          h("th", { scope: "row" }, c0 ? h("a", { href: "#/area/" + encodeURIComponent(c0.id) + "/" + encodeURIComponent(a.area) }, label) : label),
          h("td", { class: "num" }, num(a.stations)), h("td", { class: "num" }, num(a.registered)), h("td", { class: "num" }, num(a.voters)));
      })))));
    out.push(h("p", null, h("a", { href: "#/flags" }, t("flags") + ": " + num(e.flags) + " · " + t("alerts") + ": " + num(e.alerts))));
    return out;
  }

  function crumbs(contest, path, here) {
    var items = [h("li", null, h("a", { href: "#/area/" + encodeURIComponent(contest) + "/_" }, t("whole")))];
    path.forEach(function (a) {
      items.push(h("li", null, h("a", { href: "#/area/" + encodeURIComponent(contest) + "/" + encodeURIComponent(a[0]) }, a[0] + " " + a[1])));
    });
    if (here) items.push(h("li", { "aria-current": "page" }, here));
    return h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("ol", null, items));
  }

  // The differences of a station's copies, in words.
  function differenceList(diffs) {
    return h("ul", { class: "differences" }, diffs.map(function (d) {
      var figure = d.figure === "valid" ? t("valid_s") : d.figure === "invalid" ? t("invalid_s") : d.figure;
      return h("li", { class: "warn" }, t("diff_line", { source: d.source, copy: num(d.copy), figure: figure, official: num(d.official) }));
    }));
  }

  function area(contest, code) {
    return load("area/" + fileName(contest) + "/" + fileName(code)).then(function (d) {
      var here = d.area ? d.area[0] + " " + d.area[1] : null;
      var out = [crumbs(contest, d.path || [], here), h("h1", null, here || t("whole"))];
      var others = d.sources.filter(function (s) { return s !== "official"; });
      var total = d.total, off = total.sources.official;
      // The area's totals, each source side by side.
      var figures = ["valid", "invalid"].concat(d.choices);
      out.push(h("h2", null, t("totals")));
      out.push(scroll(t("totals"), h("table", null,
        h("caption", null, t("totals") + ": " + (here || t("whole"))),
        h("thead", null, headRow([t("source"), { text: t("forms"), num: 1 }].concat(figures.map(function (f) { return { text: figureName(f), num: 1 }; })))),
        h("tbody", null, d.sources.map(function (s) {
          var x = total.sources[s];
          return h("tr", null, h("th", { scope: "row" }, s),
            h("td", { class: "num" }, num(x.forms) + (off && x.forms !== off.forms ? " (" + t("copies_of", { n: num(x.forms), m: num(off.forms) }) + ")" : "")),
            figures.map(function (f) { return totalCell(x, off, f); }));
        })))));
      var atStations = d.below === "station";
      out.push(h("h2", null, levelName(d.below)));
      var cols = [levelName(d.below), { text: t("stations"), num: 1 }, { text: t("valid") + ": official", num: 1 }]
        .concat(others.map(function (s) { return { text: t("valid") + ": " + s, num: 1 }; }))
        .concat([t("differing")]);
      out.push(scroll(levelName(d.below), h("table", { id: "drilldown" },
        h("caption", null, levelName(d.below) + " · " + (here || t("whole"))),
        h("thead", null, headRow(atStations ? cols.filter(function (c, i) { return i !== 1; }) : cols)),
        h("tbody", null, d.rows.map(function (r) {
          var href = atStations
            ? "#/station/" + encodeURIComponent(contest) + "/" + encodeURIComponent(d.area[0]) + "/" + encodeURIComponent(r.code)
            : "#/area/" + encodeURIComponent(contest) + "/" + encodeURIComponent(r.code);
          var differs = r.stations_differing > 0;
          var note = atStations
            ? (differs ? [h("strong", null, t("differs_word")), differenceList(r.differences)] : t("no_difference"))
            : (differs ? h("strong", null, t("n_differ", { n: num(r.stations_differing) })) : t("no_difference"));
          return h("tr", { class: differs ? "differs" : null, "data-code": r.code },
            h("th", { scope: "row" }, h("a", { href: href }, r.code + (r.name ? " " + r.name : ""))),
            atStations ? null : h("td", { class: "num" }, num(r.stations)),
            h("td", { class: "num" }, num(r.sources.official ? r.sources.official.valid : null)),
            others.map(function (s) {
              var x = r.sources[s], o = r.sources.official;
              var bad = atStations && x && o && x.valid !== o.valid;
              return h("td", { class: "num" + (bad ? " differs" : "") }, num(x ? x.valid : null));
            }),
            h("td", { class: differs ? "differs" : null }, note));
        })))));
      return out;
    });
  }

  function station(contest, areaCode, code) {
    return load("station/" + fileName(contest) + "/" + fileName(areaCode)).then(function (pages) {
      var page = pages.find(function (p) { return p.forms.station.code === code; });
      if (!page) throw new Error("station " + code);
      var f = page.forms, s = f.station;
      var title = t("station") + " " + s.code + (s.name ? " " + s.name : "");
      var out = [crumbs(contest, f.areas, s.code), h("h1", null, title)];
      var sources = Object.keys(s.sources).sort(function (a, b) { return a === "official" ? -1 : b === "official" ? 1 : a < b ? -1 : 1; });
      var figures = ["valid", "invalid"].concat(f.choices);
      var diff = {};
      s.differences.forEach(function (d) { diff[d.source + "\u0000" + d.figure] = d; });
      out.push(scroll(t("station_forms"), h("table", { id: "forms" },
        h("caption", null, t("station_forms")),
        h("thead", null, headRow([t("figure")].concat(sources.map(function (x) { return { text: x, num: 1 }; })))),
        h("tbody", null, figures.map(function (fig) {
          var rowDiffers = sources.some(function (x) { return diff[x + "\u0000" + fig]; });
          return h("tr", { class: rowDiffers ? "differs" : null }, h("th", { scope: "row" }, figureName(fig)),
            sources.map(function (x) {
              var v = s.sources[x], val = fig === "valid" ? v.valid : fig === "invalid" ? v.invalid : (v.votes[fig] || 0);
              var d = diff[x + "\u0000" + fig];
              return h("td", { class: "num" + (d ? " differs" : "") }, num(val),
                d ? h("span", null, " (≠ " + num(d.official) + ", " + t("differs_word") + ")") : null);
            }));
        })))));
      out.push(h("h2", null, t("differences")));
      out.push(s.differences.length ? differenceList(s.differences) : h("p", { class: "good" }, t("none_differ")));
      out.push(h("h2", null, t("photos")));
      var photos = f.photos || {};
      var keys = Object.keys(photos);
      if (!keys.length) out.push(h("p", { class: "note" }, t("no_photos")));
      else {
        out.push(h("p", { class: "note" }, t("photo_note")));
        out.push(h("ul", null, keys.map(function (src) {
          return photos[src].map(function (hash) {
            return h("li", null, src + ": ", h("a", { class: "hash", href: "../blob/" + hash }, hash));
          });
        })));
      }
      out.push(h("h2", null, t("flags_here")));
      out.push(page.flags.length ? flagTable(page.flags) : h("p", { class: "note" }, t("no_flags")));
      return out;
    });
  }

  var SHOWN = 1000;
  function flagTable(flags) {
    return scroll(t("flags"), h("table", null,
      h("thead", null, headRow([{ text: t("entry"), num: 1 }, t("kind"), t("station"), t("area"), t("message")])),
      h("tbody", null, flags.slice(0, SHOWN).map(function (f) {
        return h("tr", null, h("td", { class: "num" }, num(f.index)), h("td", null, f.kind),
          h("td", null, f.station || "–"), h("td", null, f.area || "–"),
          h("td", null, f.detail && f.detail.message ? f.detail.message : JSON.stringify(f.detail)));
      }))));
  }

  function flags() {
    return load("flags").then(function (d) {
      var out = [h("h1", null, t("nav_flags")), h("h2", null, t("flags") + " (" + num(d.flags.length) + ")")];
      out.push(d.flags.length ? flagTable(d.flags) : h("p", { class: "note" }, t("no_flags")));
      if (d.flags.length > SHOWN) out.push(h("p", { class: "note" }, t("shown", { n: SHOWN, m: d.flags.length })));
      var a = d.alerts;
      out.push(h("h2", null, t("alerts") + " (" + num(a.alerts.length) + ")"));
      var kinds = Object.keys(a.counts);
      if (!kinds.length) out.push(h("p", { class: "note" }, t("no_flags")));
      else {
        out.push(scroll(t("alerts"), h("table", null,
          h("thead", null, headRow([t("kind"), { text: t("count"), num: 1 }])),
          h("tbody", null, kinds.map(function (k) {
            return h("tr", null, h("th", { scope: "row" }, k), h("td", { class: "num" }, num(a.counts[k])));
          })))));
        out.push(scroll(t("alerts"), h("table", null,
          h("thead", null, headRow([{ text: t("entry"), num: 1 }, t("kind"), t("station"), t("at")])),
          h("tbody", null, a.alerts.slice(0, SHOWN).map(function (x) {
            return h("tr", null, h("td", { class: "num" }, num(x.index) + "·" + x.position), h("td", null, x.kind),
              h("td", null, x.station + (x.other_station ? " / " + x.other_station : "")), h("td", null, utc(x.at)));
          })))));
        if (a.alerts.length > SHOWN) out.push(h("p", { class: "note" }, t("shown", { n: SHOWN, m: a.alerts.length })));
      }
      return out;
    });
  }

  function witnesses() {
    return load("witnesses").then(function (s) {
      var out = [h("h1", null, t("witnesses"))];
      if (!s) { out.push(h("p", { class: "note" }, t("no_status"))); return out; }
      out.push(h("p", null, s.origin + " · " + num(s.size) + " " + t("entries")));
      if (s.latest) out.push(h("p", null, t("checkpoint", { size: num(s.latest.size), n: s.latest.cosigned_by.length })));
      if (!s.witnesses.length) { out.push(h("p", { class: "note" }, t("no_witness"))); return out; }
      out.push(scroll(t("witnesses"), h("table", null,
        h("thead", null, headRow([t("witness"), "URL", { text: t("cosigned_size"), num: 1 }, t("cosigned_at")])),
        h("tbody", null, s.witnesses.map(function (w) {
          var behind = w.cosigned_size < s.size;
          return h("tr", null, h("th", { scope: "row" }, w.name), h("td", null, w.url),
            h("td", { class: "num" + (behind ? " differs" : "") }, num(w.cosigned_size)), h("td", null, utc(w.cosigned_at)));
        })))));
      return out;
    });
  }

  function find() {
    var out = [h("h1", null, t("find")), h("p", null, t("find_intro"))];
    var result = h("div", { id: "found", "aria-live": "polite" });
    if (location.protocol === "file:") {
      out.push(h("p", { class: "warn", id: "needs-server" }, t("needs_server")));
      return Promise.resolve(out);
    }
    var q = h("input", { id: "q", name: "q", type: "search", required: "", autocomplete: "name", maxlength: "200" });
    var year = h("input", { id: "birth_year", name: "birth_year", type: "number", min: "1850", max: "2104", inputmode: "numeric" });
    var areaIn = h("input", { id: "area", name: "area", type: "text", maxlength: "40" });
    var form = h("form", { class: "find", role: "search" },
      h("label", { for: "q" }, t("name")), q,
      h("label", { for: "birth_year" }, t("birth_year")), year,
      h("label", { for: "area" }, t("area_code")), areaIn,
      h("button", { type: "submit" }, t("search")));
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var url = new URL("../api/find", location.href);
      url.searchParams.set("q", q.value);
      if (year.value) url.searchParams.set("birth_year", year.value);
      if (areaIn.value) url.searchParams.set("area", areaIn.value);
      result.textContent = t("loading");
      var ctl = new AbortController(), timer = setTimeout(function () { ctl.abort(); }, 10000);
      fetch(url, { signal: ctl.signal }).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (body) { return { r: r, body: body }; });
      }).then(function (x) {
        clearTimeout(timer);
        result.textContent = "";
        if (x.r.status === 404 && !x.body.found) { add(result, h("p", { class: "warn" }, t("needs_server"))); return; }
        if (x.r.status === 429) { add(result, h("p", { class: "warn" }, t("too_many", { s: x.r.headers.get("Retry-After") || "?" }))); return; }
        if (!x.r.ok) { add(result, h("p", { class: "warn" }, x.body.message || String(x.r.status))); return; }
        var found = x.body.found || [];
        if (!found.length) { add(result, h("p", null, t("found_none"))); return; }
        var c0 = election && election.contests[0];
        add(result, h("p", null, t("found_n", { n: found.length })));
        add(result, h("ul", { class: "found" }, found.map(function (v) {
          var names = [v.family + " " + v.given, v.family_latin + " " + v.given_latin].map(function (s) { return s.trim(); }).filter(Boolean).join(" · ");
          var st = c0 ? h("a", { href: "#/station/" + encodeURIComponent(c0.id) + "/" + encodeURIComponent(v.area) + "/" + encodeURIComponent(v.station) }, t("station") + " " + v.station) : v.station;
          var notes = [t("born", { y: v.birth_year })];
          if (v.edits) notes.push(t("edits", { n: v.edits }));
          if (v.swapped) notes.push(t("swapped"));
          return h("li", { class: "voter" }, h("strong", null, names), " — ", st, " (" + t("area") + " " + v.area + "; " + notes.join(", ") + ")");
        })));
      }).catch(function () {
        clearTimeout(timer);
        result.textContent = "";
        add(result, h("p", { class: "warn" }, t("needs_server")));
      });
    });
    out.push(form, result);
    return Promise.resolve(out);
  }

  // ------------------------------------------------------------------ routing

  function route() {
    var parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
    var page = parts[0] || "";
    var nav = page === "area" || page === "station" ? "results" : page || "";
    document.querySelectorAll("#sections a").forEach(function (a) {
      var target = a.getAttribute("href").replace(/^#\/?/, "");
      if (target === nav) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
    if (page === "results" && election && election.contests.length) {
      location.replace("#/area/" + encodeURIComponent(election.contests[0].id) + "/_");
      return;
    }
    var status = document.getElementById("status"), target = document.getElementById("page");
    status.textContent = t("loading");
    var drawn;
    if (page === "area") drawn = area(parts[1], parts[2] || "_");
    else if (page === "station") drawn = station(parts[1], parts[2], parts[3]);
    else if (page === "flags") drawn = flags();
    else if (page === "witnesses") drawn = witnesses();
    else if (page === "find") drawn = find();
    else drawn = Promise.resolve(summary());
    drawn.then(function (nodes) {
      target.textContent = "";
      add(target, nodes);
      status.textContent = "";
      document.body.setAttribute("data-drawn", location.hash);
      var h1 = target.querySelector("h1");
      document.title = (h1 ? h1.textContent + " · " : "") + (election ? election.name : "");
    }).catch(function (e) {
      target.textContent = "";
      status.textContent = t("not_found") + ": " + e.message;
      document.body.setAttribute("data-drawn", location.hash);
    });
  }

  function setLang(l) {
    lang = l;
    try { localStorage.setItem("lang", l); } catch (e) { /* no storage */ }
    document.documentElement.lang = l;
    document.querySelectorAll("[data-t]").forEach(function (el) { el.textContent = t(el.getAttribute("data-t")); });
    document.getElementById("skip-link").textContent = t("skip");
    document.querySelectorAll(".lang button").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-lang") === l ? "true" : "false");
    });
  }

  document.querySelectorAll(".lang button").forEach(function (b) {
    b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); route(); });
  });
  setLang(lang);
  load("election").then(function (e) {
    election = e;
    document.getElementById("brand").textContent = e.name;
    window.addEventListener("hashchange", route);
    route();
  }).catch(function () {
    document.getElementById("status").textContent = t("not_found") + ": data/election";
  });
})();
