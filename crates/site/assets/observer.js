// The observer web form: an enrolled observer's key kept in this browser as a non-extractable
// WebCrypto Ed25519 key (IndexedDB), checklists and incident reports drawn from the forms their
// organisation recorded in the log (GET ../api/observers/{key}), each signed here as a ledger
// entry (the RFC 8785 canonical JSON of {author, body, kind, sig, v}, docs/observer-forms.md)
// and posted to ../submit. A report that cannot be sent waits in IndexedDB and goes when the
// `online` event fires or the page loads again; a re-send the log already holds is refused by
// the ledger as "duplicate of entry N", which the page takes as recorded, so it counts once.
"use strict";
(function () {
  var DB = "scrutineer-observer";
  // PKCS#8 for an Ed25519 private key (RFC 8410): this prefix, then the 32-byte seed.
  var PKCS8_PREFIX = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
  var ED25519 = { name: "Ed25519" };
  var me = null; // { name, id, vkey, key }
  var observer = null; // the answer of ../api/observers/{name}
  var flushing = false;
  var seq = 0;

  function $(id) { return document.getElementById(id); }
  function url(path) { return new URL(path, location.href).toString(); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") e.textContent = attrs[k];
      else if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  // English, then Khmer marked as such, for every label of a form.
  function both(label) {
    var span = el("span", {}, [label.en + " "]);
    span.appendChild(el("span", { lang: "km", text: label.km }));
    return span;
  }
  function say(text) { $("status").textContent = text; }

  // ---- bytes ----
  function utf8(s) { return new TextEncoder().encode(s); }
  function b64(bytes) {
    var s = "";
    new Uint8Array(bytes).forEach(function (b) { s += String.fromCharCode(b); });
    return btoa(s);
  }
  function unb64(s, url) {
    if (url) s = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function hex(bytes) {
    return Array.prototype.map.call(new Uint8Array(bytes), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function concat(parts) {
    var n = parts.reduce(function (a, p) { return a + p.length; }, 0);
    var out = new Uint8Array(n);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function sha256(bytes) { return crypto.subtle.digest("SHA-256", bytes).then(hex); }

  // RFC 8785 canonical JSON of the values entries hold (strings, safe non-negative integers,
  // arrays, objects): keys sorted by UTF-16 code units, no spaces, strings as JSON.stringify
  // writes them (which is what JCS specifies), absent fields left out.
  function canonical(v) {
    if (Array.isArray(v)) return "[" + v.map(canonical).join(",") + "]";
    if (typeof v === "number") {
      if (!Number.isSafeInteger(v)) throw new Error(v + " is not an integer an entry can carry");
      return String(v);
    }
    if (v && typeof v === "object") {
      return "{" + Object.keys(v).filter(function (k) { return v[k] !== undefined; }).sort()
        .map(function (k) { return JSON.stringify(k) + ":" + canonical(v[k]); }).join(",") + "}";
    }
    if (typeof v === "string" || typeof v === "boolean") return JSON.stringify(v);
    throw new Error("an entry cannot carry " + String(v));
  }

  // The entry: signed over the canonical envelope without `sig`, then written with it.
  function signEntry(key, kind, body) {
    var envelope = { author: key.name, body: body, kind: kind, v: 1 };
    return crypto.subtle.sign(ED25519, key.key, utf8(canonical(envelope))).then(function (sig) {
      envelope.sig = b64(sig);
      return canonical(envelope);
    });
  }

  // ---- IndexedDB ----
  function open() {
    return new Promise(function (ok, fail) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () {
        r.result.createObjectStore("key");
        r.result.createObjectStore("queue", { keyPath: "id" });
      };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
  }
  function store(name, mode, work) {
    return open().then(function (db) {
      return new Promise(function (ok, fail) {
        var t = db.transaction(name, mode);
        var req = work(t.objectStore(name));
        t.oncomplete = function () { db.close(); ok(req ? req.result : undefined); };
        t.onerror = t.onabort = function () { db.close(); fail(t.error); };
      });
    });
  }
  function waiting() {
    return store("queue", "readonly", function (s) { return s.getAll(); }).then(function (all) {
      return all.sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  // ---- the key ----
  // PRIVATE+KEY+<name>+<8 hex digits>+<base64(0x01 ‖ 32-byte seed)>, as `scrutineer keygen`
  // writes it (crates/tlog/src/note.rs); the id is checked as the log checks it.
  function loadKey(text) {
    var s = text.trim();
    if (s.indexOf("PRIVATE+KEY+") !== 0) return Promise.reject(new Error("the key does not start with PRIVATE+KEY+"));
    var rest = s.slice("PRIVATE+KEY+".length);
    var a = rest.indexOf("+");
    var name = rest.slice(0, a);
    var id = rest.slice(a + 1, a + 9);
    if (a < 1 || rest.charAt(a + 9) !== "+" || !/^[0-9a-f]{8}$/.test(id)) {
      return Promise.reject(new Error("the key is not PRIVATE+KEY+<name>+<8 hex digits>+<key>"));
    }
    var raw;
    try { raw = unb64(rest.slice(a + 10)); } catch (e) { return Promise.reject(new Error("the key is not base64")); }
    if (raw.length !== 33 || raw[0] !== 1) return Promise.reject(new Error("the key is not an Ed25519 signing key (type 0x01, 32 bytes)"));
    var pkcs8 = concat([new Uint8Array(PKCS8_PREFIX), raw.subarray(1)]);
    raw.fill(0);
    var pub;
    return crypto.subtle.importKey("pkcs8", pkcs8, ED25519, true, ["sign"])
      .then(function (k) { return crypto.subtle.exportKey("jwk", k); })
      .then(function (jwk) {
        pub = concat([new Uint8Array([1]), unb64(jwk.x, true)]);
        return crypto.subtle.digest("SHA-256", concat([utf8(name + "\n"), pub]));
      })
      .then(function (digest) {
        var computed = hex(digest).slice(0, 8);
        if (computed !== id) throw new Error("the key id " + id + " does not match the name and key (" + computed + "): the file is damaged");
        // The key kept: not extractable, so no script can read it back.
        return crypto.subtle.importKey("pkcs8", pkcs8, ED25519, false, ["sign"]);
      })
      .then(function (key) {
        pkcs8.fill(0);
        return { name: name, id: id, vkey: name + "+" + id + "+" + b64(pub), key: key };
      });
  }

  function fetchObserver(name) {
    return fetch(url("../api/observers/" + encodeURIComponent(name)), { cache: "no-store" }).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) throw new Error(url("../api/observers/" + encodeURIComponent(name)) + ": " + r.status + ": " + j.message);
        return j;
      });
    });
  }

  // ---- the form ----
  function field(f) {
    var id = "f-" + f.tag;
    var hintText = f.type === "integer" ? f.min + " to " + f.max : "";
    var required = f.required ? el("span", { class: "req", text: " (required)" }) : null;
    var error = el("span", { class: "error", id: "e-" + f.tag });
    var described = (hintText ? "h-" + f.tag + " " : "") + "e-" + f.tag;
    var label = both(f.label);
    var box = el("div", { class: "field", "data-tag": f.tag, "data-type": f.type });
    if (f.type === "select" || f.type === "multiselect") {
      var set = el("fieldset", { id: id, "aria-describedby": described }, [el("legend", {}, [label, required])]);
      f.options.forEach(function (o) {
        var input = el("input", { type: f.type === "select" ? "radio" : "checkbox", name: id, value: String(o.value), id: id + "-" + o.value });
        set.appendChild(el("label", { class: "choice", for: id + "-" + o.value }, [input, both(o)]));
      });
      set.appendChild(error);
      box.appendChild(set);
      return box;
    }
    box.appendChild(el("label", { for: id }, [label, required]));
    if (hintText) box.appendChild(el("span", { class: "hint", id: "h-" + f.tag, text: hintText }));
    var input;
    if (f.type === "integer") {
      input = el("input", { type: "number", id: id, min: f.min, max: f.max, step: 1, inputmode: "numeric", "aria-describedby": described });
    } else if (f.type === "photo") {
      input = el("input", { type: "file", id: id, accept: photoTypes().join(",") || "image/*", "aria-describedby": described });
    } else {
      input = el("textarea", { id: id, rows: f.type === "comment" ? 3 : 2, maxlength: 2000, "aria-describedby": described });
    }
    if (f.required) input.setAttribute("aria-required", "true");
    box.appendChild(input);
    box.appendChild(error);
    return box;
  }

  function choices(name, legend, list, required) {
    var set = el("fieldset", { class: "field", id: "f-" + name, "aria-describedby": "e-" + name },
      [el("legend", {}, [both(legend), required ? el("span", { class: "req", text: " (required)" }) : null])]);
    list.forEach(function (o) {
      var id = "f-" + name + "-" + o.value;
      set.appendChild(el("label", { class: "choice", for: id }, [el("input", { type: "radio", name: "f-" + name, value: String(o.value), id: id }), both(o)]));
    });
    set.appendChild(el("span", { class: "error", id: "e-" + name }));
    return set;
  }

  var SEVERITIES = [
    { value: "low", en: "Low", km: "ទាប" },
    { value: "medium", en: "Medium", km: "មធ្យម" },
    { value: "high", en: "High", km: "ខ្ពស់" },
    { value: "critical", en: "Critical", km: "ធ្ងន់ធ្ងរ" },
  ];

  function current() {
    var prefix = $("form-choice").value;
    return observer.forms.filter(function (f) { return f.prefix === prefix; })[0];
  }

  function draw() {
    var form = current();
    var box = $("fields");
    box.textContent = "";
    $("error-summary").hidden = true;
    if (!form) return;
    box.appendChild(el("p", { class: "note" }, [both(form.name), " — " + form.prefix + " version " + form.version + (form.schedule ? ", " + form.schedule : "")]));
    if (form.kind === "incident") {
      var about = el("fieldset", {}, [el("legend", {}, [both({ en: "The incident", km: "ឧប្បត្តិហេតុ" })])]);
      about.appendChild(choices("category", { en: "What happened", km: "អ្វីបានកើតឡើង" }, form.categories, true));
      about.appendChild(choices("severity", { en: "How serious", km: "កម្រិតធ្ងន់ធ្ងរ" }, SEVERITIES, true));
      about.appendChild(field({ tag: "text", type: "text", label: { en: "What you saw", km: "អ្វីដែលអ្នកបានឃើញ" }, required: true }));
      box.appendChild(about);
    }
    form.groups.forEach(function (g) {
      var set = el("fieldset", {}, [el("legend", {}, [both(g.name)])]);
      g.fields.forEach(function (f) { set.appendChild(field(f)); });
      box.appendChild(set);
    });
    if (form.kind === "checklist") {
      box.appendChild(field({ tag: "comment", type: "comment", label: { en: "Comment", km: "មតិយោបល់" }, required: false }));
    }
  }

  // The photo types the server takes (`photos` in ../api/observers/{name}), images only.
  function photoTypes() {
    var p = observer && observer.photos;
    return p ? p.types.filter(function (t) { return /^image\//.test(t); }) : [];
  }

  // Why the server would refuse this photo, checked before the report is signed: a report
  // is never refused for its photo after it was signed and queued. Null when it would take it.
  function photoProblem(file) {
    var p = observer && observer.photos;
    if (!p) return null;
    var names = { "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP" };
    var takes = photoTypes().map(function (t) { return names[t] || t; });
    if (photoTypes().indexOf(file.type) < 0) {
      return "\"" + file.name + "\" is " + (file.type || "of no known type") + "; choose a photo in " +
        takes.slice(0, -1).join(", ") + (takes.length > 1 ? " or " : "") + takes[takes.length - 1] +
        " (a phone that saves HEIC can be set to save JPEG)";
    }
    if (file.size > p.max_bytes) {
      var mb = function (n) { return (n / 1048576).toFixed(1).replace(/\.0$/, "") + " MB"; };
      return "\"" + file.name + "\" is " + mb(file.size) + "; a photo may be at most " + mb(p.max_bytes);
    }
    return null;
  }

  // The answers as the ledger takes them, or the errors, each tied to its field.
  function read(form) {
    var errors = [];
    var answers = {};
    var blobs = [];
    var pending = [];
    function fail(tag, label, text) { errors.push({ tag: tag, text: label.en + ": " + text }); }
    form.groups.forEach(function (g) {
      g.fields.forEach(function (f) {
        var id = "f-" + f.tag;
        if (f.type === "select") {
          var picked = document.querySelector('input[name="' + id + '"]:checked');
          if (picked) answers[f.tag] = { select: Number(picked.value) };
        } else if (f.type === "multiselect") {
          var all = Array.prototype.map.call(document.querySelectorAll('input[name="' + id + '"]:checked'), function (i) { return Number(i.value); });
          if (all.length) answers[f.tag] = { multiselect: all.sort(function (a, b) { return a - b; }) };
        } else if (f.type === "integer") {
          var text = $(id).value.trim();
          if (text !== "") {
            if (!/^[0-9]+$/.test(text)) fail(f.tag, f.label, "\"" + text + "\" is not a whole number");
            else if (Number(text) < f.min) fail(f.tag, f.label, text + " is below the minimum " + f.min);
            else if (Number(text) > f.max) fail(f.tag, f.label, text + " is above the maximum " + f.max);
            else answers[f.tag] = { integer: Number(text) };
          } else if ($(id).validity && $(id).validity.badInput) {
            fail(f.tag, f.label, "not a whole number");
          }
        } else if (f.type === "photo") {
          var file = $(id).files[0];
          var wrong = file && photoProblem(file);
          if (wrong) {
            fail(f.tag, f.label, wrong);
          } else if (file) {
            pending.push(file.arrayBuffer().then(function (bytes) {
              return sha256(bytes).then(function (h) {
                answers[f.tag] = { photo: h };
                blobs.push({ hash: h, type: file.type || "application/octet-stream", bytes: bytes });
              });
            }));
          }
        } else {
          var t = $(id).value.trim();
          if (t) answers[f.tag] = { text: t };
        }
        if (f.required && !answers[f.tag] && f.type !== "photo" && !errors.some(function (e) { return e.tag === f.tag; })) {
          fail(f.tag, f.label, "is required");
        }
      });
    });
    var station = $("station").value.trim();
    var body = { answers: answers, form: form.prefix, version: form.version };
    if (form.kind === "checklist") {
      if (!station) errors.push({ tag: "station", text: "Your station: is required for a checklist" });
      body.schedule = form.schedule;
      body.station = station;
      var comment = $("f-comment").value.trim();
      if (comment) body.comment = comment;
    } else {
      var category = document.querySelector('input[name="f-category"]:checked');
      var severity = document.querySelector('input[name="f-severity"]:checked');
      if (!category) errors.push({ tag: "category", text: "What happened: is required" });
      if (!severity) errors.push({ tag: "severity", text: "How serious: is required" });
      var what = $("f-text").value.trim();
      if (!what) errors.push({ tag: "text", text: "What you saw: is required" });
      if (category) body.category = Number(category.value);
      if (severity) body.severity = severity.value;
      body.text = what;
      if (station) body.station = station;
    }
    return Promise.all(pending).then(function () {
      form.groups.forEach(function (g) {
        g.fields.forEach(function (f) {
          if (f.type === "photo" && f.required && !answers[f.tag]) fail(f.tag, f.label, "is required");
        });
      });
      if (form.kind === "incident" && Object.keys(answers).length === 0) delete body.answers;
      return { body: body, blobs: blobs, errors: errors };
    });
  }

  function showErrors(errors) {
    document.querySelectorAll("[aria-invalid]").forEach(function (e) { e.removeAttribute("aria-invalid"); });
    document.querySelectorAll(".error").forEach(function (e) { if (e.id !== "key-error") e.textContent = ""; });
    var summary = $("error-summary");
    summary.textContent = "";
    if (!errors.length) { summary.hidden = true; return; }
    summary.appendChild(el("p", { text: errors.length === 1 ? "1 answer needs correcting:" : errors.length + " answers need correcting:" }));
    var list = el("ul");
    errors.forEach(function (e) {
      var target = e.tag === "station" ? $("station") : $("f-" + e.tag);
      if (target) target.setAttribute("aria-invalid", "true");
      var slot = $(e.tag === "station" ? "station-error" : "e-" + e.tag);
      if (slot) slot.textContent = e.text;
      var link = el("a", { href: "#" + (target ? target.id : ""), text: e.text });
      link.addEventListener("click", function (ev) {
        ev.preventDefault();
        var focusable = target && (target.matches("fieldset") ? target.querySelector("input") : target);
        if (focusable) focusable.focus();
      });
      list.appendChild(el("li", {}, [link]));
    });
    summary.appendChild(list);
    summary.hidden = false;
    summary.focus();
  }

  // ---- sending ----
  // One try: "accepted" or "duplicate" (with the entry's index), "refused" (with the
  // message), or "waiting" (no network, or the server asks to come back).
  function send(item) {
    var blobs = (item.blobs || []).reduce(function (p, b) {
      return p.then(function (prior) {
        if (prior) return prior;
        return fetch(url("../blob/" + b.hash), { method: "PUT", headers: { "Content-Type": b.type }, body: b.bytes })
          .then(function (r) {
            if (r.ok) return null;
            // A busy or failing server is asked again later, as for the report itself.
            if (r.status === 408 || r.status === 429 || r.status >= 500) return { status: "waiting" };
            return r.json().catch(function () { return {}; }).then(function (j) {
              return { status: "refused", message: url("../blob/" + b.hash) + ": " + r.status + ": " + (j.message || "") };
            });
          });
      });
    }, Promise.resolve(null));
    return blobs.then(function (failed) {
      if (failed) return failed;
      return fetch(url("../submit"), { method: "POST", headers: { "Content-Type": "application/x-ndjson" }, body: item.entry + "\n" })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (j) {
            if (r.ok) return { status: "accepted", index: j.first };
            if (r.status === 422) {
              var dup = /^duplicate of entry (\d+)/.exec(j.message || "");
              if (dup) return { status: "duplicate", index: Number(dup[1]) };
              return { status: "refused", message: (j.path ? j.path + ": " : "") + j.message };
            }
            if (r.status === 408 || r.status === 429 || r.status >= 500) return { status: "waiting" };
            return { status: "refused", message: url("../submit") + ": " + r.status + ": " + (j.message || "") };
          });
        });
    }).catch(function () { return { status: "waiting" }; });
  }

  function showQueue() {
    return waiting().then(function (all) {
      var q = $("queue");
      q.hidden = all.length === 0;
      q.textContent = all.length === 1 ? "1 report waiting to be sent (របាយការណ៍ 1 កំពុងរង់ចាំផ្ញើ)"
        : all.length + " reports waiting to be sent (របាយការណ៍ " + all.length + " កំពុងរង់ចាំផ្ញើ)";
      return all.length;
    });
  }

  function outcome(item, r) {
    var box = $("result");
    if (r.status === "accepted") {
      box.className = "accepted";
      box.textContent = item.what + ": recorded in the log as entry " + r.index + ".";
    } else if (r.status === "duplicate") {
      box.className = "accepted";
      box.textContent = item.what + ": already recorded in the log as entry " + r.index + "; counted once.";
    } else if (r.status === "refused") {
      box.className = "refused";
      box.textContent = item.what + ": refused: " + r.message;
    } else {
      box.className = "";
      box.textContent = item.what + ": not sent yet (no network); it will be sent when the network returns.";
    }
  }

  // Sends what waits, oldest first; stops at the first that cannot go.
  function flush() {
    if (flushing || !me) return Promise.resolve();
    flushing = true;
    return waiting().then(function (all) {
      return all.reduce(function (p, item) {
        return p.then(function (stop) {
          if (stop) return true;
          return send(item).then(function (r) {
            if (r.status === "waiting") return true;
            outcome(item, r);
            return store("queue", "readwrite", function (s) { return s.delete(item.id); }).then(function () { return false; });
          });
        });
      }, Promise.resolve(false));
    }).then(function () { return showQueue(); }).then(refresh)
      .catch(function (e) { say("Sending: " + e.message); })
      .then(function () { flushing = false; });
  }

  function refresh() {
    if (!me) return Promise.resolve();
    return fetchObserver(me.name).then(function (o) {
      observer = o;
      showReports();
    }, function () { /* offline: keep what is shown */ });
  }

  function showReports() {
    $("who-count").textContent = String(observer.reports.length);
    var list = $("sent");
    list.textContent = "";
    observer.reports.slice().reverse().forEach(function (r) {
      list.appendChild(el("li", { text: "entry " + r.index + ": " + r.form + " " + r.kind + (r.station ? " at " + r.station : "") + ", " + new Date(r.at * 1000).toISOString().replace(".000Z", "Z") }));
    });
    $("sent-section").hidden = false;
  }

  function submit(ev) {
    ev.preventDefault();
    var form = current();
    $("send").disabled = true;
    read(form).then(function (r) {
      showErrors(r.errors);
      if (r.errors.length) return null;
      r.body.at = Math.floor(Date.now() / 1000);
      var kind = form.kind === "checklist" ? "observer_checklist" : "observer_incident";
      return signEntry(me, kind, r.body).then(function (entry) {
        return sha256(utf8(entry)).then(function (id) {
          var item = {
            id: id, seq: Date.now() * 1000 + (seq++ % 1000), entry: entry, blobs: r.blobs,
            what: form.prefix + " " + form.kind + (r.body.station ? " at " + r.body.station : ""),
          };
          // Kept before it is sent: a report is never lost to a closed tab or a dead network.
          return store("queue", "readwrite", function (s) { return s.put(item); }).then(function () {
            $("report-form").reset();
            return flush().then(function () {
              return waiting().then(function (all) {
                if (all.some(function (w) { return w.id === id; })) outcome(item, { status: "waiting" });
              });
            });
          });
        });
      });
    }).catch(function (e) {
      $("result").className = "refused";
      $("result").textContent = "Not sent: " + e.message;
    }).then(function () { $("send").disabled = false; });
  }

  // ---- start ----
  function showSignedIn() {
    $("key-section").hidden = true;
    $("who").hidden = false;
    $("who-name").textContent = me.name;
    $("who-id").textContent = me.id;
    $("who-org").textContent = observer.observer.organisation || "";
    try { $("station").value = localStorage.getItem("observer-station") || ""; } catch (e) { /* no storage */ }
    var choice = $("form-choice");
    choice.textContent = "";
    observer.forms.forEach(function (f) {
      choice.appendChild(el("option", { value: f.prefix, text: f.name.en + " / " + f.name.km + " (" + f.prefix + ")" }));
    });
    $("report").hidden = observer.forms.length === 0;
    if (!observer.forms.length) say("Your organisation has recorded no forms in the log yet.");
    else say("");
    draw();
    showReports();
  }

  function startWith(key) {
    me = key;
    return fetchObserver(key.name).then(function (o) {
      if (o.observer.vkey !== key.vkey) throw new Error("this key is not the one enrolled as " + key.name + " (" + o.observer.vkey + ")");
      if (o.observer.revoked) throw new Error("the key " + key.name + " is revoked");
      observer = o;
      try { localStorage.setItem("observer-profile", JSON.stringify(o)); } catch (e) { /* no storage */ }
      return key;
    }, function (e) {
      // Offline: draw the forms as they were last read, so reports can still be filled.
      var saved = null;
      try { saved = JSON.parse(localStorage.getItem("observer-profile") || "null"); } catch (x) { saved = null; }
      if (e instanceof TypeError && saved && saved.observer.name === key.name) { observer = saved; return key; }
      throw e;
    });
  }

  function askForKey(message) {
    me = null;
    $("who").hidden = true;
    $("report").hidden = true;
    $("key-section").hidden = false;
    $("key-error").textContent = message || "";
    say(message ? "" : "Load your key to start.");
  }

  $("key-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = $("key-file").files[0];
    var text = file ? file.text() : Promise.resolve($("key-text").value);
    $("key-error").textContent = "";
    text.then(loadKey).then(startWith).then(function (key) {
      $("key-text").value = "";
      $("key-file").value = "";
      return store("key", "readwrite", function (s) { return s.put(key, "me"); });
    }).then(function () { showSignedIn(); return flush(); }).catch(function (e) {
      me = null;
      $("key-error").textContent = (file ? file.name + ": " : "The key: ") + e.message;
    });
  });
  $("forget").addEventListener("click", function () {
    store("key", "readwrite", function (s) { return s.delete("me"); }).then(function () { askForKey(""); });
  });
  $("station").addEventListener("change", function () {
    try { localStorage.setItem("observer-station", $("station").value.trim()); } catch (e) { /* no storage */ }
  });
  $("form-choice").addEventListener("change", draw);
  $("report-form").addEventListener("submit", submit);
  window.addEventListener("online", flush);

  window.scrutineerObserver = { canonical: canonical, signEntry: signEntry, loadKey: loadKey, flush: flush };

  if (location.protocol === "file:") {
    say("This form needs the server: open it at /site/observer.html of scrutineer serve.");
    return;
  }
  if (!window.crypto || !crypto.subtle || !window.indexedDB) {
    say("This browser cannot sign reports (no WebCrypto or IndexedDB).");
    return;
  }
  store("key", "readonly", function (s) { return s.get("me"); }).then(function (key) {
    if (!key) return askForKey("");
    return startWith(key).then(function () { showSignedIn(); }).then(flush);
  }).then(showQueue).catch(function (e) { askForKey(e.message); });
})();
