//! Small plots drawn as inline SVG from plain numbers: a histogram, a scatter, an interval
//! (dot and whisker) plot and horizontal bars. Each returns one `<svg>` element with a
//! `<title>` and `role="img"`, sized in CSS pixels and scaled to its container's width, so it
//! prints and needs no script, font file or stylesheet outside the page. Every label is
//! escaped; numbers that are not finite are left out rather than drawn at infinity.

use std::fmt::Write;

/// The size of a plot and its words.
#[derive(Debug, Clone)]
pub struct Frame {
    /// What the plot shows, for screen readers and the tooltip.
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub width: f64,
    pub height: f64,
}

impl Frame {
    pub fn new(title: &str, x_label: &str, y_label: &str) -> Frame {
        Frame {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            width: 640.0,
            height: 300.0,
        }
    }
}

/// Ink: dark on white, so it prints and reads with good contrast.
const INK: &str = "#1a1a1a";
const GRID: &str = "#d0d0d0";
const MARK: &str = "#1f4e9c";
const ALERT: &str = "#b3261e";

/// Margins: left (the y axis' numbers and label), right, top, bottom.
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 44.0;

/// Escapes text for XML and HTML.
pub fn escape(text: &str) -> String {
    let mut o = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A number as an axis prints it: few digits, no trailing zeros.
fn tick_text(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    let s = if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 100.0 || (a - a.round()).abs() < 1e-9 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    s.replace(".0M", "M")
}

/// Round tick values covering `lo..=hi`, about `n` of them.
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 50 {
        out.push(if t.abs() < step * 1e-9 { 0.0 } else { t });
        t += step;
    }
    out
}

/// The range of `values`, widened when empty or flat.
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    (lo, hi)
}

/// A linear scale from data to pixels.
#[derive(Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    from: f64,
    to: f64,
}

impl Scale {
    fn at(&self, v: f64) -> f64 {
        self.from + (v - self.lo) / (self.hi - self.lo) * (self.to - self.from)
    }
}

struct Plot {
    o: String,
    frame: Frame,
    x: Scale,
    y: Scale,
}

impl Plot {
    fn new(frame: &Frame, x: (f64, f64), y: (f64, f64)) -> Plot {
        let (w, h) = (frame.width, frame.height);
        let mut o = String::new();
        let _ = write!(
            o,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" \
             height=\"{h}\" role=\"img\" aria-label=\"{t}\" class=\"plot\" \
             font-family=\"sans-serif\" font-size=\"12\"><title>{t}</title>",
            t = escape(&frame.title)
        );
        Plot {
            o,
            frame: frame.clone(),
            x: Scale {
                lo: x.0,
                hi: x.1,
                from: LEFT,
                to: w - RIGHT,
            },
            y: Scale {
                lo: y.0,
                hi: y.1,
                from: h - BOTTOM,
                to: TOP,
            },
        }
    }

    /// Gridlines and numbers on the y axis; numbers on the x axis unless `x_ticks` is false.
    fn axes(&mut self, x_ticks: bool) {
        let (x, y) = (self.x, self.y);
        for t in ticks(y.lo, y.hi, 5) {
            let py = y.at(t);
            let _ = write!(
                self.o,
                "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"{GRID}\"/>\
                 <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
                x.to,
                LEFT - 6.0,
                py + 4.0,
                tick_text(t)
            );
        }
        if x_ticks {
            for t in ticks(x.lo, x.hi, 6) {
                let px = x.at(t);
                let _ = write!(
                    self.o,
                    "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{}\" y2=\"{}\" stroke=\"{INK}\"/>\
                     <text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                    y.from,
                    y.from + 4.0,
                    y.from + 16.0,
                    tick_text(t)
                );
            }
        }
        let _ = write!(
            self.o,
            "<line x1=\"{LEFT}\" x2=\"{}\" y1=\"{b}\" y2=\"{b}\" stroke=\"{INK}\"/>\
             <line x1=\"{LEFT}\" x2=\"{LEFT}\" y1=\"{TOP}\" y2=\"{b}\" stroke=\"{INK}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>\
             <text transform=\"translate(14 {:.1}) rotate(-90)\" text-anchor=\"middle\" \
             fill=\"{INK}\">{}</text>",
            x.to,
            (LEFT + x.to) / 2.0,
            self.frame.height - 6.0,
            escape(&self.frame.x_label),
            (TOP + y.from) / 2.0,
            escape(&self.frame.y_label),
            b = y.from,
        );
    }

    fn end(mut self) -> String {
        self.o.push_str("</svg>");
        self.o
    }
}

/// A histogram of counts over equal bins from `lo` to `hi`; `expected`, if given, is drawn as
/// a dashed line at that count (e.g. a uniform last digit's share of the total).
pub fn histogram(frame: &Frame, lo: f64, hi: f64, counts: &[u64], expected: Option<f64>) -> String {
    let top = counts
        .iter()
        .map(|c| *c as f64)
        .chain(expected)
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.08;
    let mut p = Plot::new(frame, (lo, hi), (0.0, top));
    p.axes(true);
    let n = counts.len().max(1) as f64;
    let bin = (hi - lo) / n;
    for (i, c) in counts.iter().enumerate() {
        let x0 = p.x.at(lo + bin * i as f64);
        let x1 = p.x.at(lo + bin * (i + 1) as f64);
        let y = p.y.at(*c as f64);
        let _ = write!(
            p.o,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{MARK}\">\
             <title>{}–{}: {c}</title></rect>",
            x0 + 0.5,
            (x1 - x0 - 1.0).max(0.5),
            (p.y.from - y).max(0.0),
            tick_text(lo + bin * i as f64),
            tick_text(lo + bin * (i + 1) as f64),
        );
    }
    if let Some(e) = expected.filter(|e| e.is_finite()) {
        let y = p.y.at(e);
        let _ = write!(
            p.o,
            "<line x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"{ALERT}\" \
             stroke-width=\"2\" stroke-dasharray=\"6 4\"><title>expected {}</title></line>",
            p.x.to,
            tick_text(e)
        );
    }
    p.end()
}

/// A scatter of (x, y) points; the points in `marked` (indexes) are drawn in the alert colour
/// and larger. Limits are given so that plots of one kind share them (e.g. 0..1 for shares).
pub fn scatter(
    frame: &Frame,
    x: (f64, f64),
    y: (f64, f64),
    points: &[(f64, f64)],
    marked: &[usize],
) -> String {
    let mut p = Plot::new(frame, x, y);
    p.axes(true);
    let opacity = if points.len() > 2000 { 0.25 } else { 0.55 };
    for (px, py) in points
        .iter()
        .filter(|(a, b)| a.is_finite() && b.is_finite())
    {
        let _ = write!(
            p.o,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"{MARK}\" fill-opacity=\"{opacity}\"/>",
            p.x.at(*px),
            p.y.at(*py)
        );
    }
    for &i in marked {
        if let Some((px, py)) = points
            .get(i)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
        {
            let _ = write!(
                p.o,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"4\" fill=\"none\" stroke=\"{ALERT}\" \
                 stroke-width=\"2\"/>",
                p.x.at(*px),
                p.y.at(*py)
            );
        }
    }
    p.end()
}

/// One row of an interval plot: an estimate with its interval, and a reference value (e.g. a
/// PVT's estimate and 95% interval beside the official share).
#[derive(Debug, Clone)]
pub struct Interval {
    pub label: String,
    pub estimate: f64,
    pub lo: f64,
    pub hi: f64,
    pub reference: Option<f64>,
}

/// Rows of estimates with their intervals (dot and whisker), each with its reference value
/// as a diamond, drawn in the alert colour when it falls outside the interval.
pub fn intervals(frame: &Frame, rows: &[Interval]) -> String {
    let row_h = 28.0;
    let mut frame = frame.clone();
    frame.height = TOP + BOTTOM + row_h * rows.len().max(1) as f64;
    let (lo, hi) = range(
        rows.iter()
            .flat_map(|r| [r.lo, r.hi, r.estimate].into_iter().chain(r.reference)),
    );
    let pad = (hi - lo) * 0.05;
    let label_w = 120.0;
    let mut p = Plot::new(
        &frame,
        (lo - pad, hi + pad),
        (0.0, rows.len().max(1) as f64),
    );
    p.x.from = LEFT + label_w;
    p.axes_x_only();
    for (i, r) in rows.iter().enumerate() {
        let cy = TOP + row_h * (i as f64 + 0.5);
        let _ = write!(
            p.o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
            p.x.from - 8.0,
            cy + 4.0,
            escape(&r.label)
        );
        if r.lo.is_finite() && r.hi.is_finite() {
            let _ = write!(
                p.o,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{cy:.1}\" y2=\"{cy:.1}\" stroke=\"{MARK}\" \
                 stroke-width=\"3\"/>",
                p.x.at(r.lo),
                p.x.at(r.hi)
            );
        }
        if r.estimate.is_finite() {
            let _ = write!(
                p.o,
                "<circle cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"5\" fill=\"{MARK}\"><title>{}: {} ({}–{})\
                 </title></circle>",
                p.x.at(r.estimate),
                escape(&r.label),
                tick_text(r.estimate),
                tick_text(r.lo),
                tick_text(r.hi)
            );
        }
        if let Some(v) = r.reference.filter(|v| v.is_finite()) {
            let outside = v < r.lo || v > r.hi;
            let (x, c) = (p.x.at(v), if outside { ALERT } else { INK });
            let _ = write!(
                p.o,
                "<path d=\"M{x:.1} {:.1} l6 6 l-6 6 l-6 -6 z\" fill=\"{c}\"><title>{}</title></path>",
                cy - 6.0,
                tick_text(v)
            );
        }
    }
    p.end()
}

impl Plot {
    /// The x axis alone (for plots whose rows are labelled).
    fn axes_x_only(&mut self) {
        let (x, y) = (self.x, self.y);
        for t in ticks(x.lo, x.hi, 6) {
            let px = x.at(t);
            let _ = write!(
                self.o,
                "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{TOP}\" y2=\"{}\" stroke=\"{GRID}\"/>\
                 <text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
                y.from,
                y.from + 16.0,
                tick_text(t)
            );
        }
        let _ = write!(
            self.o,
            "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{b}\" y2=\"{b}\" stroke=\"{INK}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            x.from,
            x.to,
            (x.from + x.to) / 2.0,
            self.frame.height - 6.0,
            escape(&self.frame.x_label),
            b = y.from
        );
    }
}

/// Horizontal bars, one per (label, value); bars whose index is in `marked` in the alert
/// colour. The value is printed at the end of each bar.
pub fn bars(frame: &Frame, rows: &[(String, f64)], marked: &[usize]) -> String {
    let row_h = 22.0;
    let mut frame = frame.clone();
    frame.height = TOP + BOTTOM + row_h * rows.len().max(1) as f64;
    let top = rows
        .iter()
        .map(|r| r.1)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        .max(1e-9)
        * 1.12;
    let mut p = Plot::new(&frame, (0.0, top), (0.0, 1.0));
    p.x.from = LEFT + 120.0;
    p.axes_x_only();
    for (i, (label, v)) in rows.iter().enumerate() {
        let y = TOP + row_h * i as f64 + 3.0;
        let colour = if marked.contains(&i) { ALERT } else { MARK };
        let _ = write!(
            p.o,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
            p.x.from - 8.0,
            y + 12.0,
            escape(label)
        );
        if v.is_finite() {
            let w = (p.x.at(*v) - p.x.from).max(0.0);
            let _ = write!(
                p.o,
                "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{INK}\">{}</text>",
                p.x.from,
                row_h - 6.0,
                p.x.from + w + 4.0,
                y + 12.0,
                tick_text(*v)
            );
        }
    }
    p.end()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(0.0, 1.0, 5),
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(
            ticks(0.0, 100.0, 5),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
    }

    #[test]
    fn labels_are_escaped_and_infinities_left_out() {
        let f = Frame::new("a <b> & \"c\"", "x", "y");
        let s = scatter(
            &f,
            (0.0, 1.0),
            (0.0, 1.0),
            &[(0.5, f64::INFINITY), (0.2, 0.3)],
            &[0],
        );
        assert!(s.contains("a &lt;b&gt; &amp; &quot;c&quot;"));
        assert_eq!(s.matches("<circle").count(), 1);
        let b = bars(&f, &[("ស្រុក <1>".into(), 3.0)], &[0]);
        assert!(b.contains("ស្រុក &lt;1&gt;"));
        assert!(b.contains(ALERT));
    }

    #[test]
    fn a_reference_outside_its_interval_is_marked() {
        let f = Frame::new("t", "share", "");
        let row = |r| Interval {
            label: "CPP".into(),
            estimate: 0.5,
            lo: 0.48,
            hi: 0.52,
            reference: Some(r),
        };
        assert!(!intervals(&f, &[row(0.51)]).contains(ALERT));
        assert!(intervals(&f, &[row(0.55)]).contains(ALERT));
    }

    #[test]
    fn a_histogram_draws_one_bar_per_bin_and_the_expected_line() {
        let s = histogram(
            &Frame::new("t", "x", "y"),
            0.0,
            10.0,
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            Some(5.5),
        );
        assert_eq!(s.matches("<rect").count(), 10);
        assert!(s.contains("stroke-dasharray"));
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
    }
}
