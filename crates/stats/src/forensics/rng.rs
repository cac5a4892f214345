//! Seeded randomness for the Monte Carlo and bootstrap: xoshiro256++ streams derived from a
//! seed with SplitMix64, and exact binomial sampling (inversion for small means, Hörmann's
//! BTRD otherwise).
//!
//! Each replicate gets its own stream, derived from (seed, purpose, replicate index) alone, so
//! the results do not depend on how many threads run the replicates or in which order.

/// SplitMix64 (Steele, Lea & Flood 2014), used only to expand seeds into generator states.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// xoshiro256++ (Blackman & Vigna 2019): fast, 256 bits of state, passes BigCrush.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

/// What a stream is for, so that the bootstrap of one test never reuses the Monte Carlo
/// draws of another.
#[derive(Debug, Clone, Copy)]
pub enum Purpose {
    IntegerMonteCarlo = 1,
    Bootstrap = 2,
    DipNull = 3,
    FraudModel = 4,
}

impl Rng {
    /// The generator for replicate `index` of `purpose` under `seed`.
    pub fn stream(seed: u64, purpose: Purpose, index: u64) -> Rng {
        let mut sm = seed;
        let base = splitmix64(&mut sm);
        let mut sm = base
            ^ (purpose as u64).wrapping_mul(0xd1b5_4a32_d192_ed03)
            ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(17);
        let mut s = [0u64; 4];
        for w in &mut s {
            *w = splitmix64(&mut sm);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform on the open interval (0, 1), with 53 random bits.
    #[inline]
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in 0..n (Lemire's multiply-shift; the bias is below 2^-32 for the n
    /// used here, far under Monte Carlo error).
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Standard normal (Marsaglia's polar method, one of the pair).
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// Exponential with mean 1.
    pub fn exponential(&mut self) -> f64 {
        -self.uniform().ln()
    }
}

/// A binomial distribution with its sampling constants worked out once, so that drawing
/// from the same (n, p) many times costs only the draw.
#[derive(Debug, Clone)]
pub struct Binomial {
    n: u64,
    /// The draw is of successes with probability min(p, 1 - p); `flip` maps it back.
    flip: bool,
    method: Method,
}

#[derive(Debug, Clone)]
enum Method {
    /// Always the same value (p = 0, p = 1 or n = 0).
    Constant(u64),
    /// Sequential search from 0 (mean below 10).
    Inversion {
        q_n: f64,
        s: f64,
        a: f64,
        bound: u64,
    },
    /// BTRD: transformed rejection with decomposition (Hörmann 1993).
    Btrd(BtrdConstants),
}

#[derive(Debug, Clone)]
struct BtrdConstants {
    m: f64,
    r: f64,
    nr: f64,
    npq: f64,
    b: f64,
    a: f64,
    c: f64,
    alpha: f64,
    v_r: f64,
    u_rv_r: f64,
    /// h of step 3.3, which depends only on n, p and m.
    h: f64,
    nm: f64,
}

impl Binomial {
    /// Binomial(n, p); `p` outside [0, 1] or NaN is clamped, which callers prevent.
    pub fn new(n: u64, p: f64) -> Binomial {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        if n == 0 || p == 0.0 {
            return Binomial {
                n,
                flip: false,
                method: Method::Constant(0),
            };
        }
        if p == 1.0 {
            return Binomial {
                n,
                flip: false,
                method: Method::Constant(n),
            };
        }
        let flip = p > 0.5;
        let p = if flip { 1.0 - p } else { p };
        let q = 1.0 - p;
        let nf = n as f64;
        let method = if nf * p < 10.0 {
            let np = nf * p;
            Method::Inversion {
                q_n: q.powf(nf),
                s: p / q,
                a: (nf + 1.0) * (p / q),
                bound: (np + 10.0 * (np * q + 1.0).sqrt()).min(nf) as u64,
            }
        } else {
            let m = ((nf + 1.0) * p).floor();
            let r = p / q;
            let nr = (nf + 1.0) * r;
            let npq = nf * p * q;
            let sqrt_npq = npq.sqrt();
            let b = 1.15 + 2.53 * sqrt_npq;
            let a = -0.0873 + 0.0248 * b + 0.01 * p;
            let c = nf * p + 0.5;
            let alpha = (2.83 + 5.1 / b) * sqrt_npq;
            let v_r = 0.92 - 4.2 / b;
            let nm = nf - m + 1.0;
            let h = (m + 0.5) * ((m + 1.0) / (r * nm)).ln() + fc(m) + fc(nf - m);
            Method::Btrd(BtrdConstants {
                m,
                r,
                nr,
                npq,
                b,
                a,
                c,
                alpha,
                v_r,
                u_rv_r: 0.86 * v_r,
                h,
                nm,
            })
        };
        Binomial { n, flip, method }
    }

    /// One draw.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        let k = match &self.method {
            Method::Constant(k) => return *k,
            Method::Inversion { q_n, s, a, bound } => inversion(rng, *q_n, *s, *a, *bound),
            Method::Btrd(c) => btrd(rng, self.n, c),
        };
        if self.flip { self.n - k } else { k }
    }
}

fn inversion(rng: &mut Rng, q_n: f64, s: f64, a: f64, bound: u64) -> u64 {
    loop {
        let mut u = rng.uniform();
        let mut r = q_n;
        let mut x = 0u64;
        loop {
            if u <= r {
                return x;
            }
            u -= r;
            x += 1;
            if x > bound {
                // Rounding has eaten the tail: start again (probability below 1e-15).
                break;
            }
            r *= a / x as f64 - s;
        }
    }
}

/// The correction term of Stirling's formula,
/// fc(k) = ln k! - (k + 1/2) ln(k + 1) + (k + 1) - ln(2π)/2.
fn fc(k: f64) -> f64 {
    if k < 10.0 {
        const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
        let mut ln_fact = 0.0;
        let mut i = 2.0;
        while i <= k {
            ln_fact += f64::ln(i);
            i += 1.0;
        }
        ln_fact - (k + 0.5) * (k + 1.0).ln() + (k + 1.0) - LN_SQRT_2PI
    } else {
        let k1 = k + 1.0;
        let k1sq = k1 * k1;
        (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / 1260.0 / k1sq) / k1sq) / k1
    }
}

/// Hörmann (1993), "The generation of binomial random variates", J. Statist. Comput.
/// Simul. 46, algorithm BTRD, for p <= 1/2 and np >= 10. Step numbers follow the paper.
fn btrd(rng: &mut Rng, n: u64, c: &BtrdConstants) -> u64 {
    let nf = n as f64;
    loop {
        // Step 1: the fast path, taken about 86% of the time.
        let mut v = rng.uniform();
        let mut u;
        if v <= c.u_rv_r {
            u = v / c.v_r - 0.43;
            return ((2.0 * c.a / (0.5 - u.abs()) + c.b) * u + c.c).floor() as u64;
        }
        // Step 2.
        if v >= c.v_r {
            u = rng.uniform() - 0.5;
        } else {
            u = v / c.v_r - 0.93;
            u = 0.5f64.copysign(u) - u;
            v = rng.uniform() * c.v_r;
        }
        // Step 3.0.
        let us = 0.5 - u.abs();
        let kf = ((2.0 * c.a / us + c.b) * u + c.c).floor();
        if kf < 0.0 || kf > nf {
            continue;
        }
        v = v * c.alpha / (c.a / (us * us) + c.b);
        let km = (kf - c.m).abs();
        if km <= 15.0 {
            // Step 3.1: recursive evaluation of f(k) / f(m), as one ratio of products so
            // that the loop multiplies instead of dividing (at most 16 factors, far from
            // overflow).
            let (mut num, mut den) = (1.0, 1.0);
            if c.m < kf {
                let mut i = c.m;
                while i < kf {
                    i += 1.0;
                    num *= c.nr - c.r * i;
                    den *= i;
                }
                if v * den <= num {
                    return kf as u64;
                }
            } else {
                let mut i = kf;
                while i < c.m {
                    i += 1.0;
                    num *= c.nr - c.r * i;
                    den *= i;
                }
                if v * num <= den {
                    return kf as u64;
                }
            }
            continue;
        }
        // Step 3.2: squeeze.
        v = v.ln();
        let rho = (km / c.npq) * (((km / 3.0 + 0.625) * km + 1.0 / 6.0) / c.npq + 0.5);
        let t = -km * km / (2.0 * c.npq);
        if v < t - rho {
            return kf as u64;
        }
        if v > t + rho {
            continue;
        }
        // Steps 3.3 and 3.4: the final acceptance test.
        let nk = nf - kf + 1.0;
        let bound = c.h + (nf + 1.0) * (c.nm / nk).ln() + (kf + 0.5) * (nk * c.r / (kf + 1.0)).ln()
            - fc(kf)
            - fc(nf - kf);
        if v <= bound {
            return kf as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ln of the binomial pmf, exactly enough for a goodness-of-fit test.
    fn ln_pmf(n: u64, p: f64, k: u64) -> f64 {
        let ln_fact = |x: u64| statrs::function::gamma::ln_gamma(x as f64 + 1.0);
        ln_fact(n) - ln_fact(k) - ln_fact(n - k)
            + k as f64 * p.ln()
            + (n - k) as f64 * (1.0 - p).ln()
    }

    /// Draws `draws` values and checks the mean, the variance and a chi-square
    /// goodness-of-fit against the exact pmf (cells with expected count >= 20).
    fn check(n: u64, p: f64, draws: usize) {
        let dist = Binomial::new(n, p);
        let mut rng = Rng::stream(42, Purpose::IntegerMonteCarlo, n ^ p.to_bits());
        let mut counts = std::collections::HashMap::<u64, u64>::new();
        let (mut sum, mut sumsq) = (0.0, 0.0);
        for _ in 0..draws {
            let k = dist.sample(&mut rng);
            assert!(k <= n);
            *counts.entry(k).or_default() += 1;
            sum += k as f64;
            sumsq += (k as f64).powi(2);
        }
        let d = draws as f64;
        let mean = sum / d;
        let var = sumsq / d - mean * mean;
        let (mu, sigma2) = (n as f64 * p, n as f64 * p * (1.0 - p));
        // Mean within 5 standard errors; variance within 5 of its standard errors.
        assert!(
            (mean - mu).abs() < 5.0 * (sigma2 / d).sqrt(),
            "n={n} p={p}: mean {mean} vs {mu}"
        );
        let var_se = sigma2 * (2.0 / d).sqrt() * 1.5;
        assert!(
            (var - sigma2).abs() < 5.0 * var_se,
            "n={n} p={p}: var {var} vs {sigma2}"
        );
        // Pool cells into bins with expected >= 20, then chi-square.
        let (mut chi2, mut cells) = (0.0, 0usize);
        let (mut exp_acc, mut obs_acc) = (0.0, 0.0);
        for k in 0..=n {
            exp_acc += d * ln_pmf(n, p, k).exp();
            obs_acc += *counts.get(&k).unwrap_or(&0) as f64;
            if exp_acc >= 20.0 {
                chi2 += (obs_acc - exp_acc).powi(2) / exp_acc;
                cells += 1;
                exp_acc = 0.0;
                obs_acc = 0.0;
            }
        }
        if exp_acc > 0.0 || obs_acc > 0.0 {
            chi2 += (obs_acc - exp_acc).powi(2) / exp_acc.max(1e-9);
            cells += 1;
        }
        let df = (cells - 1) as f64;
        // Upper 1e-4 tail of chi-square(df) is below df + 8.5 sqrt(2 df) + 20 for these df.
        let limit = df + 8.5 * (2.0 * df).sqrt() + 20.0;
        assert!(
            chi2 < limit,
            "n={n} p={p}: chi2 {chi2} on {df} df (limit {limit})"
        );
    }

    #[test]
    fn binomial_matches_its_distribution_on_both_methods_and_both_halves() {
        for (n, p) in [
            (10, 0.3),      // inversion
            (200, 0.04),    // inversion, mean 8
            (25, 0.45),     // BTRD just above np = 10
            (100, 0.5),     // BTRD, symmetric
            (2600, 0.69),   // flipped, a typical station's turnout
            (1800, 0.49),   // a typical leader's share
            (3000, 0.995),  // flipped to inversion
            (100_000, 0.2), // large n: the squeeze and final test run
        ] {
            check(n, p, 200_000);
        }
    }

    #[test]
    fn degenerate_cases_are_exact() {
        let mut rng = Rng::stream(1, Purpose::IntegerMonteCarlo, 0);
        assert_eq!(Binomial::new(0, 0.5).sample(&mut rng), 0);
        assert_eq!(Binomial::new(50, 0.0).sample(&mut rng), 0);
        assert_eq!(Binomial::new(50, 1.0).sample(&mut rng), 50);
        assert_eq!(Binomial::new(50, f64::NAN).sample(&mut rng), 0);
    }

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::stream(7, Purpose::Bootstrap, 3).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut x = Rng::stream(7, Purpose::Bootstrap, 3);
        let mut y = Rng::stream(7, Purpose::Bootstrap, 4);
        let mut z = Rng::stream(7, Purpose::DipNull, 3);
        let (x1, y1, z1) = (x.next_u64(), y.next_u64(), z.next_u64());
        assert!(x1 != y1 && x1 != z1 && y1 != z1);
    }

    #[test]
    fn stirling_correction_is_continuous_at_ten() {
        // The series and the exact form agree to 1e-10 around the switch.
        let exact = |k: f64| {
            let ln_fact = statrs::function::gamma::ln_gamma(k + 1.0);
            ln_fact - (k + 0.5) * (k + 1.0).ln() + (k + 1.0) - 0.918_938_533_204_672_8
        };
        for k in [10.0, 11.0, 30.0, 1000.0] {
            assert!((fc(k) - exact(k)).abs() < 1e-10, "k={k}");
        }
    }
}
