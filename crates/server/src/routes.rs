//! Every route of `scrutineer serve`, in one table: the router is built from it
//! ([`crate::app::router`]), and so are the OpenAPI document (`GET /openapi.json`) and the
//! routes listed in `serve --help`, so the three cannot drift apart.

use serde_json::{Map, Value, json};

/// A parameter of a route: (name, `path` or `query`, what it is).
pub type Param = (&'static str, &'static str, &'static str);

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `get`, `post` or `put`.
    pub method: &'static str,
    /// As OpenAPI writes it: `/proof/{index}`.
    pub path: &'static str,
    /// As the router matches it (differs for a path that takes the rest: `/tile/{*path}`).
    pub template: &'static str,
    pub summary: &'static str,
    pub params: &'static [Param],
    /// The request body's media type, for a route that takes one.
    pub body: Option<&'static str>,
    /// The answer's media type.
    pub produces: &'static str,
    /// Statuses this route answers with, and when.
    pub responses: &'static [(u16, &'static str)],
    /// Served only when the server is also a witness.
    pub witness_only: bool,
}

const JSON: &str = "application/json";
const TEXT: &str = "text/plain; charset=utf-8";
const OCTETS: &str = "application/octet-stream";
const HTML: &str = "text/html; charset=utf-8";

/// Statuses every route may answer with.
const COMMON: [(u16, &str); 1] = [(
    429,
    "over the per-client rate limit; the Retry-After header says when to come back",
)];

const CONTEST: Param = (
    "contest",
    "query",
    "the contest's id (optional when the election has only one)",
);

pub const ROUTES: &[Route] = &[
    Route {
        method: "post",
        path: "/submit",
        template: "/submit",
        summary: "Submit signed entries, one per line (canonical JSON), as one submission: all of them are recorded or none. Concurrent submissions share one durable commit.",
        params: &[],
        body: Some("application/x-ndjson"),
        produces: JSON,
        responses: &[
            (
                200,
                "durable: {\"first\":N,\"count\":K}, the entries are N to N+K-1",
            ),
            (400, "the body holds no entry, or a line that is not UTF-8"),
            (408, "the body did not arrive in time"),
            (413, "the body is over the size limit"),
            (
                422,
                "refused by the election's rules; nothing recorded: {\"position\",\"index\",\"path\",\"message\"}",
            ),
            (
                503,
                "the intake queue is full or stopping; send again shortly",
            ),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/checkpoint",
        template: "/checkpoint",
        summary: "The latest published checkpoint, cosigned by the witnesses that answered (C2SP tlog-tiles).",
        params: &[],
        body: None,
        produces: TEXT,
        responses: &[
            (200, "the signed checkpoint"),
            (404, "nothing published yet"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/tile/{path}",
        template: "/tile/{*path}",
        summary: "A published hash tile or entry bundle, at its C2SP tlog-tiles path (immutable).",
        params: &[(
            "path",
            "path",
            "the rest of the tile path, e.g. 0/x001/234 or entries/000.p/5",
        )],
        body: None,
        produces: OCTETS,
        responses: &[(200, "the tile"), (404, "no such tile, or not a tile path")],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/state-digest",
        template: "/state-digest",
        summary: "The state digest signed by the log's key for the published size, so that a replay over HTTP can compare its own.",
        params: &[],
        body: None,
        produces: TEXT,
        responses: &[
            (200, "the signed digest note"),
            (404, "nothing published yet"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/state-digests/{size}",
        template: "/state-digests/{size}",
        summary: "The signed state digest of one published size, kept for a replay of a log that has grown since it began.",
        params: &[("size", "path", "a published log size")],
        body: None,
        produces: TEXT,
        responses: &[
            (200, "the signed digest note"),
            (404, "no publication of that size"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/proof/{index}",
        template: "/proof/{index}",
        summary: "The inclusion proof of an entry (a c2sp.org/tlog-proof@v1 file against the published checkpoint), checkable offline with `scrutineer verify --proof`.",
        params: &[(
            "index",
            "path",
            "the entry's index, as the submit answer gave it",
        )],
        body: None,
        produces: TEXT,
        responses: &[
            (200, "the proof file"),
            (400, "the index is not a number"),
            (404, "no published checkpoint covers the index yet"),
        ],
        witness_only: false,
    },
    Route {
        method: "put",
        path: "/blob/{sha256}",
        template: "/blob/{sha256}",
        summary: "Store evidence (a photo of a form, a document) under the SHA-256 of its bytes.",
        params: &[(
            "sha256",
            "path",
            "the SHA-256 of the body, 64 lowercase hex digits",
        )],
        body: Some(OCTETS),
        produces: JSON,
        responses: &[
            (200, "already stored"),
            (201, "stored"),
            (400, "the name is not 64 lowercase hex digits"),
            (408, "the body did not arrive in time"),
            (413, "the body is over the size limit"),
            (
                415,
                "the Content-Type is not one of the accepted media types",
            ),
            (422, "the body does not hash to the name"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/blob/{sha256}",
        template: "/blob/{sha256}",
        summary: "A stored blob, immutable (Cache-Control immutable, ETag its hash).",
        params: &[(
            "sha256",
            "path",
            "the blob's SHA-256, 64 lowercase hex digits",
        )],
        body: None,
        produces: OCTETS,
        responses: &[
            (200, "the blob, with the media type it was stored with"),
            (304, "If-None-Match named it"),
            (400, "the name is not 64 lowercase hex digits"),
            (404, "no such blob"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/status",
        template: "/api/status",
        summary: "The log's status: size, root, checkpoints, which witness cosigned how far and when, and the operator loop's last publication.",
        params: &[],
        body: None,
        produces: JSON,
        responses: &[(200, "the status")],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/headline",
        template: "/api/headline",
        summary: "The headline numbers: the roll by area, each source's totals, seats per contest.",
        params: &[],
        body: None,
        produces: JSON,
        responses: &[(200, "the numbers")],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/areas",
        template: "/api/areas",
        summary: "The top-level areas with each source's results and how many stations have a copy that differs from the official one.",
        params: &[CONTEST],
        body: None,
        produces: JSON,
        responses: &[
            (200, "the drill-down"),
            (400, "the contest must be named, or does not exist"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/areas/{code}",
        template: "/api/areas/{code}",
        summary: "An area's drill-down: the areas one level below it (its stations at the last level), each with each source's results and their differences.",
        params: &[("code", "path", "the area's code"), CONTEST],
        body: None,
        produces: JSON,
        responses: &[
            (200, "the drill-down"),
            (400, "the contest must be named, or does not exist"),
            (404, "no such area"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/stations/{code}",
        template: "/api/stations/{code}",
        summary: "One station's copies of its result form (official, parties', observers'), side by side, with each figure that differs from the official copy.",
        params: &[("code", "path", "the station's code"), CONTEST],
        body: None,
        produces: JSON,
        responses: &[
            (200, "the copies"),
            (400, "the contest must be named, or does not exist"),
            (404, "no such station"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/openapi.json",
        template: "/openapi.json",
        summary: "This document.",
        params: &[],
        body: None,
        produces: JSON,
        responses: &[(200, "the OpenAPI 3.0 document")],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/metrics",
        template: "/metrics",
        summary: "Prometheus metrics: submissions by outcome, intake step sizes, request latency by route, the operator loop.",
        params: &[],
        body: None,
        produces: "text/plain; version=0.0.4",
        responses: &[(200, "the metrics")],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/find",
        template: "/api/find",
        summary: "Find my name: voters of the public roll by name, in Khmer script or Latin letters, either order, up to two typos forgiven; the closest first. Rate-limited by its own per-client bucket (--find-rate).",
        params: &[
            (
                "q",
                "query",
                "the family and given names, as on the voter's card",
            ),
            (
                "birth_year",
                "query",
                "only voters born within two years of this one (optional)",
            ),
            (
                "area",
                "query",
                "only voters in this area or under it: an area code or its start (optional)",
            ),
            ("limit", "query", "how many voters, 1 to 50 (default 10)"),
        ],
        body: None,
        produces: JSON,
        responses: &[
            (
                200,
                "{\"found\":[…]}: each voter's id, names, birth year, sex, station and area, and how many letters differ",
            ),
            (
                400,
                "a bad query: no name, too long, control characters, both scripts, a birth year or limit that is not a number",
            ),
            (
                503,
                "the index of the roll is still being built, or could not be: the message says which",
            ),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/",
        template: "/",
        summary: "The public site: a redirect to /site/.",
        params: &[],
        body: None,
        produces: HTML,
        responses: &[(308, "to /site/")],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/site/",
        template: "/site/",
        summary: "The public site's first page (the static site that `publish` and the operator loop write beside the tiles).",
        params: &[],
        body: None,
        produces: HTML,
        responses: &[(200, "the page"), (404, "no site is published")],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/site/{path}",
        template: "/site/{*path}",
        summary: "A file of the public site: its pages, style, script and JSON data files (crates/site describes each).",
        params: &[(
            "path",
            "path",
            "the file's path under site/, e.g. data/election.json",
        )],
        body: None,
        produces: OCTETS,
        responses: &[(200, "the file"), (404, "no such file")],
        witness_only: false,
    },
    Route {
        method: "post",
        path: "/add-checkpoint",
        template: "/add-checkpoint",
        summary: "The C2SP tlog-witness endpoint, when this server also witnesses logs (--witness-dir).",
        params: &[],
        body: Some(TEXT),
        produces: TEXT,
        responses: &[
            (200, "the cosignature"),
            (400, "a malformed request"),
            (403, "the checkpoint is not signed by the log's key"),
            (404, "an unknown log"),
            (408, "the body did not arrive in time"),
            (409, "the old size is not the witness's; its size follows"),
            (413, "the request is over the size limit"),
            (422, "the consistency proof does not verify"),
        ],
        witness_only: true,
    },
    Route {
        method: "post",
        path: "/sms/{gateway}",
        template: "/sms/{gateway}",
        summary: "An SMS gateway's webhook (--sms-gateway-key): one received SMS, recorded in an sms_messages entry signed by the organisation's gateway key, the sender's number replaced by its HMAC; answered once durable with the reply to the observer (docs/observer-forms.md).",
        params: &[
            (
                "gateway",
                "path",
                "generic (form: from, text, time), twilio (form: From, Body; answered with TwiML) or telnyx (JSON message.received; answered with {\"reply\"})",
            ),
            (
                "secret",
                "query",
                "the gateway's shared secret, unless sent as Authorization: Bearer",
            ),
        ],
        body: Some("application/x-www-form-urlencoded"),
        produces: TEXT,
        responses: &[
            (
                200,
                "recorded: the reply to the observer, as plain text, TwiML or JSON",
            ),
            (
                400,
                "the body does not read (not form-encoded, not JSON) or lacks the sender or the text",
            ),
            (401, "the shared secret is missing or wrong"),
            (404, "no such gateway configured"),
            (408, "the body did not arrive in time"),
            (413, "the body is over the size limit (16 KiB)"),
            (
                422,
                "the sender is not a number in international form, the time is not a time, or the message is over 1,600 bytes",
            ),
            (503, "the intake is full or stopping; send again shortly"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/observers/{key}",
        template: "/api/observers/{key}",
        summary: "An enrolled observer (their verifier key, organisation, scope, whether revoked) and their organisation's forms in effect, the latest version of each as recorded in the log: groups, fields with their types, ranges, options and required marks, labels in English and Khmer; the reports they signed that the log holds; and `photos`, what the server takes as a photo (`types`, `max_bytes`), which the form checks before it signs. The observer web form (site/observer.html) draws itself from it.",
        params: &[("key", "path", "the observer's key name")],
        body: None,
        produces: JSON,
        responses: &[
            (200, "the observer and their forms"),
            (404, "no observer of that name is enrolled"),
        ],
        witness_only: false,
    },
    Route {
        method: "get",
        path: "/api/flags",
        template: "/api/flags",
        summary: "The public flags and the poll book's alerts (docs/flags.md, docs/pollbook.md), in log order, as of the latest publication: each with its kind, the entry it is about, its station and area and its message; filtered by kinds, station and area, a page at a time, with the total that match and their count by kind.",
        params: &[
            (
                "kind",
                "query",
                "only these kinds, separated by commas (optional)",
            ),
            ("station", "query", "only this station's (optional)"),
            (
                "area",
                "query",
                "only those in this area or below it (optional)",
            ),
            (
                "offset",
                "query",
                "how many matching findings to skip (default 0)",
            ),
            (
                "limit",
                "query",
                "how many on the page, 1 to 500 (default 100)",
            ),
        ],
        body: None,
        produces: JSON,
        responses: &[
            (
                200,
                "{\"total\",\"offset\",\"limit\",\"by_kind\":{…},\"findings\":[…]}",
            ),
            (
                400,
                "an unknown kind, or an offset or limit that is not a whole number or out of range",
            ),
            (404, "no such station or area"),
        ],
        witness_only: false,
    },
];

/// The routes served, with or without the witness endpoint.
pub fn served(witness: bool) -> impl Iterator<Item = &'static Route> {
    ROUTES.iter().filter(move |r| witness || !r.witness_only)
}

/// The OpenAPI 3.0 document of the routes served.
pub fn openapi(witness: bool) -> Value {
    let mut paths = Map::new();
    for r in served(witness) {
        let mut responses = Map::new();
        for (status, what) in r.responses.iter().chain(&COMMON) {
            let mut response = json!({ "description": what });
            if (200..300).contains(status) {
                response["content"] = json!({ r.produces: { "schema": schema(r.produces) } });
            }
            responses.insert(status.to_string(), response);
        }
        let parameters: Vec<Value> = r
            .params
            .iter()
            .map(|(name, place, what)| {
                json!({
                    "name": name,
                    "in": place,
                    "required": *place == "path",
                    "description": what,
                    "schema": { "type": "string" },
                })
            })
            .collect();
        let mut operation = json!({
            "summary": r.summary,
            "operationId": format!("{}{}", r.method, r.path.replace(['/', '{', '}', '.', '-'], "_")),
            "responses": responses,
        });
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if let Some(media) = r.body {
            operation["requestBody"] = json!({
                "required": true,
                "content": { media: { "schema": schema(media) } },
            });
        }
        let item = paths.entry(r.path.to_string()).or_insert_with(|| json!({}));
        item[r.method] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "scrutineer serve",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "One election's log: signed submissions in, the published log, \
                inclusion proofs, evidence blobs and read-only reports out. The server decides \
                nothing about an entry: the election's rules (the fold) do.",
        },
        "paths": paths,
    })
}

fn schema(media: &str) -> Value {
    if media == JSON {
        json!({ "type": "object" })
    } else {
        json!({ "type": "string", "format": "binary" })
    }
}

/// The routes, one a line, for `serve --help`.
pub fn help(witness: bool) -> String {
    let mut o = String::from(
        "Routes (errors are JSON {\"message\": …}; every status of every route is in \
         GET /openapi.json):\n",
    );
    for r in served(witness) {
        o.push_str(&format!(
            "\n  {} {}\n      {}\n",
            r.method.to_uppercase(),
            r.path,
            r.summary
        ));
    }
    o
}
