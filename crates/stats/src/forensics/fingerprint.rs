//! The election fingerprint of Klimek, Yegorov, Hanel & Thurner (2012, PNAS 109(41)): the
//! 2-D histogram of stations by turnout and the winner's share, and the fit of their fraud
//! model (incremental and extreme ballot stuffing) to it.

use rayon::prelude::*;
use serde::Serialize;

use super::rng::{Purpose, Rng};
use super::{StationCounts, check_choice, check_choices};
use crate::StatsError;

/// Stations counted by turnout (x) and the winner's share (y), both in `bins` equal bins on
/// [0, 1].
#[derive(Debug, Clone, Serialize)]
pub struct Fingerprint {
    pub winner: usize,
    pub bins: usize,
    /// Stations in the histogram (those with registered, voters and ballots all > 0).
    pub stations: usize,
    /// Stations with turnout above 100%, drawn in the last turnout bin.
    pub above_full_turnout: usize,
    /// `counts[y * bins + x]`: stations in share bin y and turnout bin x.
    pub counts: Vec<u32>,
}

fn bin(v: f64, bins: usize) -> usize {
    ((v * bins as f64) as usize).min(bins - 1)
}

/// Turnout and the winner's share of each station where both are defined.
fn points(stations: &[StationCounts], winner: usize) -> Vec<(f64, f64, u64)> {
    stations
        .iter()
        .filter_map(|s| {
            let t = s.turnout()?;
            let v = s.share(winner)?;
            Some((t, v, s.registered?))
        })
        .collect()
}

/// Builds the fingerprint of `stations` for the choice `winner`.
pub fn fingerprint(
    stations: &[StationCounts],
    winner: usize,
    bins: usize,
) -> Result<Fingerprint, StatsError> {
    let choices = check_choices(stations)?;
    check_choice(winner, choices)?;
    if !(2..=1000).contains(&bins) {
        return Err(StatsError::OutOfRange {
            name: "fingerprint bins",
            value: bins as f64,
            expected: "between 2 and 1000",
        });
    }
    let pts = points(stations, winner);
    let mut counts = vec![0u32; bins * bins];
    let mut above = 0;
    for &(t, v, _) in &pts {
        above += (t > 1.0) as usize;
        counts[bin(v.min(1.0), bins) * bins + bin(t.min(1.0), bins)] += 1;
    }
    Ok(Fingerprint {
        winner,
        bins,
        stations: pts.len(),
        above_full_turnout: above,
        counts,
    })
}

impl Fingerprint {
    /// The fingerprint as a self-contained SVG: one square per non-empty bin, coloured on a
    /// log scale of its station count.
    pub fn svg(&self, title: &str, winner_name: &str) -> String {
        let (left, top, size) = (70.0, 40.0, 500.0);
        let cell = size / self.bins as f64;
        let max = self.counts.iter().copied().max().unwrap_or(0).max(1);
        let mut s = String::new();
        s.push_str(&format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n",
            w = left + size + 110.0,
            h = top + size + 60.0
        ));
        s.push_str(&format!(
            "<title>{}</title>\n<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
            xml(title)
        ));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">{}</text>\n",
            left + size / 2.0,
            xml(title)
        ));
        s.push_str(&format!(
            "<rect x=\"{left}\" y=\"{top}\" width=\"{size}\" height=\"{size}\" fill=\"#f7f7f7\" stroke=\"#444\"/>\n"
        ));
        for y in 0..self.bins {
            for x in 0..self.bins {
                let c = self.counts[y * self.bins + x];
                if c == 0 {
                    continue;
                }
                let t = if max > 1 {
                    (c as f64).ln() / (max as f64).ln()
                } else {
                    1.0
                };
                s.push_str(&format!(
                    "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{}\"><title>{c}</title></rect>\n",
                    left + x as f64 * cell,
                    top + size - (y + 1) as f64 * cell,
                    cell + 0.05,
                    cell + 0.05,
                    colour(t)
                ));
            }
        }
        for i in 0..=10 {
            let f = i as f64 / 10.0;
            let (x, y) = (left + f * size, top + size - f * size);
            s.push_str(&format!(
                "<line x1=\"{x:.1}\" y1=\"{b}\" x2=\"{x:.1}\" y2=\"{b2}\" stroke=\"#444\"/><text x=\"{x:.1}\" y=\"{ty}\" text-anchor=\"middle\">{p}</text>\n",
                b = top + size,
                b2 = top + size + 5.0,
                ty = top + size + 18.0,
                p = i * 10
            ));
            s.push_str(&format!(
                "<line x1=\"{l2}\" y1=\"{y:.1}\" x2=\"{left}\" y2=\"{y:.1}\" stroke=\"#444\"/><text x=\"{tx}\" y=\"{yy:.1}\" text-anchor=\"end\">{p}</text>\n",
                l2 = left - 5.0,
                tx = left - 8.0,
                yy = y + 4.0,
                p = i * 10
            ));
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">Turnout (%)</text>\n",
            left + size / 2.0,
            top + size + 40.0
        ));
        s.push_str(&format!(
            "<text x=\"18\" y=\"{y}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {y})\">{} share of ballots (%)</text>\n",
            xml(winner_name),
            y = top + size / 2.0
        ));
        // Colour key.
        let kx = left + size + 20.0;
        for i in 0..50 {
            let t = 1.0 - i as f64 / 49.0;
            s.push_str(&format!(
                "<rect x=\"{kx}\" y=\"{:.1}\" width=\"16\" height=\"{:.2}\" fill=\"{}\"/>\n",
                top + i as f64 * 6.0,
                6.2,
                colour(t)
            ));
        }
        s.push_str(&format!(
            "<text x=\"{x}\" y=\"{y}\">{max}</text>\n<text x=\"{x}\" y=\"{y2}\">1</text>\n<text x=\"{kx}\" y=\"{y3}\">stations</text>\n<text x=\"{kx}\" y=\"{y4}\">per bin</text>\n<text x=\"{kx}\" y=\"{y5}\">(log scale)</text>\n",
            x = kx + 20.0,
            y = top + 10.0,
            y2 = top + 300.0,
            y3 = top + 320.0,
            y4 = top + 334.0,
            y5 = top + 348.0
        ));
        s.push_str(&format!(
            "<text x=\"{kx}\" y=\"{}\">{} stations</text>\n",
            top + 380.0,
            self.stations
        ));
        s.push_str("</svg>\n");
        s
    }
}

/// A perceptual ramp from pale yellow through orange and red to near black, t in [0, 1].
fn colour(t: f64) -> String {
    const STOPS: [(f64, [f64; 3]); 5] = [
        (0.0, [255.0, 247.0, 188.0]),
        (0.3, [254.0, 196.0, 79.0]),
        (0.55, [236.0, 112.0, 20.0]),
        (0.8, [179.0, 24.0, 43.0]),
        (1.0, [40.0, 0.0, 20.0]),
    ];
    let t = t.clamp(0.0, 1.0);
    let mut k = 0;
    while k + 2 < STOPS.len() && t > STOPS[k + 1].0 {
        k += 1;
    }
    let (t0, c0) = STOPS[k];
    let (t1, c1) = STOPS[k + 1];
    let f = ((t - t0) / (t1 - t0)).clamp(0.0, 1.0);
    let c: Vec<u8> = (0..3)
        .map(|i| (c0[i] + f * (c1[i] - c0[i])).round() as u8)
        .collect();
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Settings of the fraud-model fit.
#[derive(Debug, Clone, Serialize)]
pub struct FraudFitOptions {
    pub seed: u64,
    /// Bins per axis of the histograms compared (2% bins by default).
    pub bins: usize,
    /// Largest fraction of stations with extreme fraud tried.
    pub max_extreme: f64,
    /// Exponents α tried for the share of opposition votes moved to the winner.
    pub alphas: Vec<f64>,
    /// Standard deviations θ tried for the stuffed fraction under incremental fraud.
    pub incremental_sds: Vec<f64>,
}

/// One setting of the fraud model.
#[derive(Debug, Clone, Copy)]
struct Params {
    fi: f64,
    fe: f64,
    alpha: f64,
    theta: f64,
}

impl Params {
    const NONE: Params = Params {
        fi: 0.0,
        fe: 0.0,
        alpha: 1.0,
        theta: 0.1,
    };
}

impl Default for FraudFitOptions {
    fn default() -> Self {
        FraudFitOptions {
            seed: 1,
            bins: 50,
            max_extreme: 0.3,
            alphas: vec![0.5, 1.0, 2.0],
            incremental_sds: vec![0.05, 0.1, 0.2, 0.3],
        }
    }
}

/// The fitted fraud model.
#[derive(Debug, Clone, Serialize)]
pub struct FraudFit {
    /// Fraction of stations with incremental fraud (f_i).
    pub incremental: f64,
    /// Fraction of stations with extreme fraud (f_e).
    pub extreme: f64,
    /// Exponent of vote stealing: a station stuffed with a fraction x of its non-voters
    /// also moves a fraction x^α of the opposition's votes to the winner.
    pub alpha: f64,
    /// Loss of the best fit and of the model without fraud; the ratio says how much the
    /// fraud terms explain.
    pub loss: f64,
    pub loss_without_fraud: f64,
    /// The fair-election part of the model, estimated from the data.
    pub turnout_mean: f64,
    pub turnout_sd: f64,
    pub share_mean: f64,
    pub share_sd: f64,
    /// Standard deviation θ of the stuffed fraction x ~ |N(0, θ)| under incremental fraud.
    pub incremental_sd: f64,
    pub stations: usize,
}

/// Mode of `values` in [0, 1] from a 1% histogram smoothed over 5 bins, and the standard
/// deviation of the peak from its half width at half maximum on the left (the side that
/// ballot stuffing does not reach; other regions' peaks further away do not count):
/// sd = HWHM / sqrt(2 ln 2).
fn mode_and_left_sd(values: &[f64]) -> (f64, f64) {
    let mut h = [0f64; 101];
    for &v in values {
        h[((v.clamp(0.0, 1.0)) * 100.0).round() as usize] += 1.0;
    }
    let smooth: Vec<f64> = (0..=100usize)
        .map(|i| {
            h[i.saturating_sub(2)..=(i + 2).min(100)]
                .iter()
                .sum::<f64>()
        })
        .collect();
    let mut mode = 0;
    for i in 0..=100 {
        if smooth[i] > smooth[mode] {
            mode = i;
        }
    }
    let half = smooth[mode] / 2.0;
    let mut i = mode;
    while i > 0 && smooth[i - 1] >= half {
        i -= 1;
    }
    // Interpolate where the histogram crosses half the peak, between bins i - 1 and i.
    let crossing = if i == 0 {
        0.0
    } else {
        let (lo, hi) = (smooth[i - 1], smooth[i]);
        (i - 1) as f64
            + if hi > lo {
                (half - lo) / (hi - lo)
            } else {
                1.0
            }
    };
    let hwhm = ((mode as f64 - crossing) / 100.0).max(0.005);
    (
        mode as f64 / 100.0,
        (hwhm / (2.0 * 2f64.ln()).sqrt()).min(0.5),
    )
}

/// Per-station random numbers shared by every parameter setting (common random numbers
/// keep the loss surface smooth, so the grid search is not fooled by noise).
struct Draws {
    electorate: f64,
    turnout: f64,
    share: f64,
    kind: f64,
    /// A standard half-normal draw; incremental fraud stuffs a fraction θ·z.
    incremental_z: f64,
    extreme_x: f64,
}

fn truncated(rng: &mut Rng, mean: f64, sd: f64) -> f64 {
    for _ in 0..1000 {
        let v = mean + sd * rng.normal();
        if v > 0.0 && v < 1.0 {
            return v;
        }
    }
    mean.clamp(0.001, 0.999)
}

fn simulate(draws: &[Draws], p: Params, bins: usize) -> Vec<u32> {
    let Params {
        fi,
        fe,
        alpha,
        theta,
    } = p;
    let mut h = vec![0u32; bins * bins];
    for d in draws {
        let n = d.electorate;
        let mut w = (n * d.turnout * d.share).round();
        let mut o = (n * d.turnout * (1.0 - d.share)).round();
        let x = if d.kind < fi {
            (theta * d.incremental_z).min(0.999)
        } else if d.kind < fi + fe {
            d.extreme_x
        } else {
            0.0
        };
        if x > 0.0 {
            let stolen = (x.powf(alpha) * o).round();
            w += (x * (n - w - o)).floor() + stolen;
            o -= stolen;
        }
        let voters = w + o;
        if voters <= 0.0 {
            continue;
        }
        let t = voters / n;
        let v = w / voters;
        h[bin(v, bins) * bins + bin(t, bins)] += 1;
    }
    h
}

fn loss(sim: &[u32], obs: &[u32]) -> f64 {
    sim.iter()
        .zip(obs)
        .map(|(&s, &o)| (s as f64 - o as f64).powi(2) / (o as f64 + 1.0))
        .sum()
}

/// Fits the Klimek et al. fraud model to the fingerprint of `stations` by grid search.
pub fn fit_fraud_model(
    stations: &[StationCounts],
    winner: usize,
    options: &FraudFitOptions,
) -> Result<FraudFit, StatsError> {
    let choices = check_choices(stations)?;
    check_choice(winner, choices)?;
    if !(5..=200).contains(&options.bins) {
        return Err(StatsError::OutOfRange {
            name: "fraud-fit bins",
            value: options.bins as f64,
            expected: "between 5 and 200",
        });
    }
    if !(0.0..=1.0).contains(&options.max_extreme)
        || options.alphas.is_empty()
        || options.incremental_sds.is_empty()
    {
        return Err(StatsError::OutOfRange {
            name: "maximum extreme-fraud fraction",
            value: options.max_extreme,
            expected: "between 0 and 1, with at least one alpha and one incremental SD",
        });
    }
    let pts: Vec<(f64, f64, u64)> = points(stations, winner)
        .into_iter()
        .filter(|&(t, _, _)| t <= 1.0)
        .collect();
    if pts.len() < 10 {
        return Err(StatsError::EmptySample {
            what: "fewer than 10 stations have turnout and the winner's share to fit the fraud model",
        });
    }
    let bins = options.bins;
    let mut observed = vec![0u32; bins * bins];
    for &(t, v, _) in &pts {
        observed[bin(v, bins) * bins + bin(t, bins)] += 1;
    }

    let turnouts: Vec<f64> = pts.iter().map(|p| p.0).collect();
    let shares: Vec<f64> = pts.iter().map(|p| p.1).collect();
    let (turnout_mean, turnout_sd) = mode_and_left_sd(&turnouts);
    let (share_mean, share_sd) = mode_and_left_sd(&shares);

    let draws: Vec<Draws> = pts
        .par_iter()
        .enumerate()
        .map(|(i, &(_, _, registered))| {
            let mut rng = Rng::stream(options.seed, Purpose::FraudModel, i as u64);
            Draws {
                electorate: registered as f64,
                turnout: truncated(&mut rng, turnout_mean, turnout_sd),
                share: truncated(&mut rng, share_mean, share_sd),
                kind: rng.uniform(),
                incremental_z: rng.normal().abs(),
                extreme_x: 1.0 - truncated(&mut rng, 0.0, 0.075),
            }
        })
        .collect();

    let search = |grid: Vec<Params>| -> (Params, f64) {
        grid.par_iter()
            .map(|&p| (p, loss(&simulate(&draws, p, bins), &observed)))
            // Ties go to the smaller fractions, so an unidentifiable fit says "less fraud".
            .reduce(
                || (Params::NONE, f64::INFINITY),
                |x, y| {
                    let key = |(p, l): &(Params, f64)| (*l, p.fi, p.fe, p.alpha, p.theta);
                    if key(&y) < key(&x) { y } else { x }
                },
            )
    };
    let steps = |lo: f64, hi: f64, step: f64| -> Vec<f64> {
        let n = ((hi - lo) / step).round() as usize;
        // Rounded so that reported fractions read 0.7, not 0.7000000000000001.
        (0..=n)
            .map(|k| (((lo + k as f64 * step) * 1e9).round() / 1e9).clamp(0.0, 1.0))
            .collect()
    };
    let fe_step = options.max_extreme / 15.0;
    let mut coarse = Vec::new();
    for &alpha in &options.alphas {
        for &theta in &options.incremental_sds {
            for fi in steps(0.0, 1.0, 0.1) {
                for fe in steps(0.0, options.max_extreme, fe_step) {
                    if fi + fe <= 1.0 + 1e-12 {
                        coarse.push(Params {
                            fi,
                            fe,
                            alpha,
                            theta,
                        });
                    }
                }
            }
        }
    }
    let (c, coarse_loss) = search(coarse);
    let mut fine = Vec::new();
    for fi in steps((c.fi - 0.1).max(0.0), (c.fi + 0.1).min(1.0), 0.02) {
        for fe in steps(
            (c.fe - fe_step).max(0.0),
            (c.fe + fe_step).min(options.max_extreme),
            fe_step / 5.0,
        ) {
            if fi + fe <= 1.0 + 1e-12 {
                fine.push(Params { fi, fe, ..c });
            }
        }
    }
    let (f, fine_loss) = search(fine);
    let (best, best_loss) = if fine_loss <= coarse_loss {
        (f, fine_loss)
    } else {
        (c, coarse_loss)
    };
    let loss_without_fraud = loss(&simulate(&draws, Params::NONE, bins), &observed);
    Ok(FraudFit {
        incremental: best.fi,
        extreme: best.fe,
        alpha: best.alpha,
        loss: best_loss,
        loss_without_fraud,
        turnout_mean,
        turnout_sd,
        share_mean,
        share_sd,
        incremental_sd: best.theta,
        stations: pts.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(i: usize, registered: u64, voters: u64, winner: u64) -> StationCounts {
        StationCounts {
            id: i.to_string(),
            registered: Some(registered),
            ballots_issued: Some(voters),
            valid: Some(voters),
            invalid: Some(0),
            total: None,
            votes: vec![Some(winner), Some(voters - winner)],
        }
    }

    #[test]
    fn histogram_places_stations_in_their_bins() {
        let stations = vec![
            station(0, 1000, 550, 275),  // 55%, 50%
            station(1, 1000, 999, 990),  // 99.9%, 99.1%
            station(2, 1000, 1200, 600), // above 100%: last turnout bin
        ];
        let f = fingerprint(&stations, 0, 10).unwrap();
        assert_eq!(f.stations, 3);
        assert_eq!(f.above_full_turnout, 1);
        assert_eq!(f.counts[5 * 10 + 5], 1);
        assert_eq!(f.counts[9 * 10 + 9], 1);
        assert_eq!(f.counts[5 * 10 + 9], 1);
        assert_eq!(f.counts.iter().sum::<u32>(), 3);
        let svg = f.svg("Test <1>", "A & B");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("Test &lt;1&gt;") && svg.contains("A &amp; B share"));
        assert_eq!(svg.matches("<title>1</title>").count(), 3);
    }

    /// Simulates a fair election and one with known fraud, and checks that the fit tells
    /// them apart and recovers the order of magnitude of the fraud.
    #[test]
    fn fit_recovers_planted_fraud() {
        let make = |fi: f64, fe: f64, seed: u64| -> Vec<StationCounts> {
            let mut rng = Rng::stream(seed, Purpose::Bootstrap, 0);
            (0..20_000)
                .map(|i| {
                    let n = 800 + rng.below(1500);
                    let t = truncated(&mut rng, 0.55, 0.07);
                    let v = truncated(&mut rng, 0.45, 0.06);
                    let mut w = (n as f64 * t * v).round();
                    let mut o = (n as f64 * t * (1.0 - v)).round();
                    let u = rng.uniform();
                    let x = if u < fi {
                        truncated(&mut rng, 0.0, 0.2).abs()
                    } else if u < fi + fe {
                        1.0 - truncated(&mut rng, 0.0, 0.075).abs()
                    } else {
                        0.0
                    };
                    let stolen = (x * o).round();
                    w += (x * (n as f64 - w - o)).floor() + stolen;
                    o -= stolen;
                    station(i, n, (w + o) as u64, w as u64)
                })
                .collect()
        };
        let opts = FraudFitOptions::default();
        let fair = fit_fraud_model(&make(0.0, 0.0, 11), 0, &opts).unwrap();
        assert!(fair.incremental <= 0.1 && fair.extreme <= 0.02, "{fair:?}");
        let fraud = fit_fraud_model(&make(0.4, 0.05, 12), 0, &opts).unwrap();
        assert!((0.2..=0.6).contains(&fraud.incremental), "{fraud:?}");
        assert!((0.02..=0.08).contains(&fraud.extreme), "{fraud:?}");
        assert!(fraud.loss < fraud.loss_without_fraud / 2.0, "{fraud:?}");
    }

    #[test]
    fn bad_input_is_an_error() {
        assert!(fingerprint(&[], 0, 100).is_err());
        let s = vec![station(0, 100, 50, 20)];
        assert!(fingerprint(&s, 3, 100).is_err());
        assert!(fingerprint(&s, 0, 1).is_err());
        assert!(fit_fraud_model(&s, 0, &FraudFitOptions::default()).is_err());
    }
}
