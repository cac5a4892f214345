//! Prometheus metrics at `GET /metrics`, in the text exposition format (version 0.0.4).
//!
//! Written by hand: a handful of counters and histograms over atomics, with their label sets
//! fixed at start (the routes of [`crate::routes::ROUTES`]), so that no request takes a lock and
//! no extra crate joins the build.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Upper bounds of the request-latency buckets, in seconds.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// Upper bounds of the intake-step buckets, in entries.
const BATCH_BUCKETS: [f64; 10] = [
    1.0, 2.0, 4.0, 8.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0,
];

/// A histogram with fixed buckets; the sum is kept in millionths so that it stays an atomic.
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: bounds.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }

    fn observe(&self, value: f64) {
        if let Some(i) = self.bounds.iter().position(|b| value <= *b) {
            self.counts[i].fetch_add(1, Relaxed);
        }
        self.sum_micros
            .fetch_add((value * 1e6).round() as u64, Relaxed);
        self.count.fetch_add(1, Relaxed);
    }

    fn write(&self, o: &mut String, name: &str, labels: &str) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            cumulative += c.load(Relaxed);
            let _ = writeln!(o, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cumulative}");
        }
        let count = self.count.load(Relaxed);
        let _ = writeln!(o, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {count}");
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let sum = self.sum_micros.load(Relaxed) as f64 / 1e6;
        let _ = writeln!(o, "{name}_sum{braces} {sum}");
        let _ = writeln!(o, "{name}_count{braces} {count}");
    }
}

/// How a submission was answered.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// 200: durable.
    Accepted,
    /// 422: the fold refused it.
    Refused,
    /// Any other answer (a malformed or oversized body, a full queue, a failed store).
    TurnedAway,
}

/// Every metric the server keeps.
pub struct Metrics {
    accepted: AtomicU64,
    refused: AtomicU64,
    turned_away: AtomicU64,
    rate_limited: AtomicU64,
    step_entries: Histogram,
    step_submissions: Histogram,
    /// By route template; requests that match no route are under "other".
    requests: BTreeMap<&'static str, Histogram>,
    other: Histogram,
    published_size: AtomicU64,
    operator_failures: AtomicU64,
}

impl Metrics {
    /// Metrics for the routes `routes` (templates as the router matches them).
    pub fn new(routes: &[&'static str]) -> Metrics {
        Metrics {
            accepted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            turned_away: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            step_entries: Histogram::new(&BATCH_BUCKETS),
            step_submissions: Histogram::new(&BATCH_BUCKETS),
            requests: routes
                .iter()
                .map(|r| (*r, Histogram::new(&LATENCY_BUCKETS)))
                .collect(),
            other: Histogram::new(&LATENCY_BUCKETS),
            published_size: AtomicU64::new(0),
            operator_failures: AtomicU64::new(0),
        }
    }

    pub fn submission(&self, outcome: Outcome) {
        match outcome {
            Outcome::Accepted => &self.accepted,
            Outcome::Refused => &self.refused,
            Outcome::TurnedAway => &self.turned_away,
        }
        .fetch_add(1, Relaxed);
    }

    /// One durable intake step of `submissions` holding `entries`.
    pub fn step(&self, submissions: usize, entries: usize) {
        self.step_submissions.observe(submissions as f64);
        self.step_entries.observe(entries as f64);
    }

    pub fn request(&self, route: Option<&str>, took: Duration) {
        let h = route
            .and_then(|r| self.requests.get(r))
            .unwrap_or(&self.other);
        h.observe(took.as_secs_f64());
    }

    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Relaxed);
    }

    pub fn published(&self, size: u64) {
        self.published_size.store(size, Relaxed);
    }

    pub fn operator_failed(&self) {
        self.operator_failures.fetch_add(1, Relaxed);
    }

    /// Submissions answered with `outcome` so far.
    pub fn submissions(&self, outcome: Outcome) -> u64 {
        match outcome {
            Outcome::Accepted => &self.accepted,
            Outcome::Refused => &self.refused,
            Outcome::TurnedAway => &self.turned_away,
        }
        .load(Relaxed)
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut o = String::new();
        o.push_str("# HELP scrutineer_submissions_total Submissions answered, by outcome.\n");
        o.push_str("# TYPE scrutineer_submissions_total counter\n");
        for (outcome, n) in [
            ("accepted", &self.accepted),
            ("refused", &self.refused),
            ("turned_away", &self.turned_away),
        ] {
            let _ = writeln!(
                o,
                "scrutineer_submissions_total{{outcome=\"{outcome}\"}} {}",
                n.load(Relaxed)
            );
        }
        o.push_str(
            "# HELP scrutineer_rate_limited_total Requests answered 429 by the per-client limit.\n",
        );
        o.push_str("# TYPE scrutineer_rate_limited_total counter\n");
        let _ = writeln!(
            o,
            "scrutineer_rate_limited_total {}",
            self.rate_limited.load(Relaxed)
        );
        o.push_str(
            "# HELP scrutineer_intake_step_entries Entries made durable in one intake step.\n",
        );
        o.push_str("# TYPE scrutineer_intake_step_entries histogram\n");
        self.step_entries
            .write(&mut o, "scrutineer_intake_step_entries", "");
        o.push_str(
            "# HELP scrutineer_intake_step_submissions Submissions sharing one intake step.\n",
        );
        o.push_str("# TYPE scrutineer_intake_step_submissions histogram\n");
        self.step_submissions
            .write(&mut o, "scrutineer_intake_step_submissions", "");
        o.push_str("# HELP scrutineer_request_seconds Time to answer a request, by route.\n");
        o.push_str("# TYPE scrutineer_request_seconds histogram\n");
        for (route, h) in &self.requests {
            h.write(
                &mut o,
                "scrutineer_request_seconds",
                &format!("route=\"{route}\""),
            );
        }
        self.other
            .write(&mut o, "scrutineer_request_seconds", "route=\"other\"");
        o.push_str("# HELP scrutineer_published_size Entries in the latest publication.\n");
        o.push_str("# TYPE scrutineer_published_size gauge\n");
        let _ = writeln!(
            o,
            "scrutineer_published_size {}",
            self.published_size.load(Relaxed)
        );
        o.push_str(
            "# HELP scrutineer_operator_failures_total Operator cycles that failed (checkpoint, witnesses or publication).\n",
        );
        o.push_str("# TYPE scrutineer_operator_failures_total counter\n");
        let _ = writeln!(
            o,
            "scrutineer_operator_failures_total {}",
            self.operator_failures.load(Relaxed)
        );
        o
    }
}
