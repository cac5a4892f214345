//! Hartigan's dip statistic of unimodality (Hartigan & Hartigan 1985, Annals of Statistics
//! 13(1); algorithm AS 217, Applied Statistics 34, 1985), as computed by the R package
//! `diptest` (Maechler), whose conventions it keeps: the dip of n sorted values is at least
//! 1/(2n).

/// The dip of `sorted` (ascending). Runs in O(n).
pub fn dip_statistic(sorted: &[f64]) -> f64 {
    dip_with(sorted, &mut DipWorkspace::default())
}

/// Buffers reused across many dips (the bootstrap computes thousands).
#[derive(Debug, Default)]
pub(crate) struct DipWorkspace {
    mn: Vec<u32>,
    mj: Vec<u32>,
    gcm: Vec<u32>,
    lcm: Vec<u32>,
}

pub(crate) fn dip_with(sorted: &[f64], ws: &mut DipWorkspace) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    // 1-based copies of the index arithmetic of AS 217 keep the translation checkable.
    let x = |i: usize| sorted[i - 1];
    let mut dip = 1.0f64;
    if n < 2 || x(n) == x(1) {
        return dip / (2.0 * n as f64);
    }

    assert!(
        n < u32::MAX as usize,
        "the dip is computed for fewer than 2^32 values"
    );
    let DipWorkspace { mn, mj, gcm, lcm } = ws;
    for v in [&mut *mn, &mut *mj, &mut *gcm, &mut *lcm] {
        v.clear();
        v.resize(n + 2, 0);
    }
    // Indexes are stored as u32 to halve the memory traffic.
    let (mn, mj, gcm, lcm) = (
        mn.as_mut_slice(),
        mj.as_mut_slice(),
        gcm.as_mut_slice(),
        lcm.as_mut_slice(),
    );
    // mn: for each j, the previous point on the greatest convex minorant of 1..j.
    mn[1] = 1;
    for j in 2..=n {
        mn[j] = (j - 1) as u32;
        loop {
            let mnj = mn[j] as usize;
            let mnmnj = mn[mnj] as usize;
            if mnj == 1
                || (x(j) - x(mnj)) * ((mnj - mnmnj) as f64)
                    < (x(mnj) - x(mnmnj)) * ((j - mnj) as f64)
            {
                break;
            }
            mn[j] = mnmnj as u32;
        }
    }
    // mj: for each k, the next point on the least concave majorant of k..n.
    mj[n] = n as u32;
    for k in (1..n).rev() {
        mj[k] = (k + 1) as u32;
        loop {
            let mjk = mj[k] as usize;
            let mjmjk = mj[mjk] as usize;
            if mjk == n
                || (x(k) - x(mjk)) * (mjk as f64 - mjmjk as f64)
                    < (x(mjk) - x(mjmjk)) * (k as f64 - mjk as f64)
            {
                break;
            }
            mj[k] = mjmjk as u32;
        }
    }

    let (mut low, mut high) = (1usize, n);
    loop {
        // The GCM's change points from high down to low.
        gcm[1] = high as u32;
        let mut i = 1;
        while (gcm[i] as usize) > low {
            gcm[i + 1] = mn[gcm[i] as usize];
            i += 1;
        }
        let l_gcm = i;
        let mut ig = i;
        let mut ix = ig - 1;
        // The LCM's change points from low up to high.
        lcm[1] = low as u32;
        let mut i = 1;
        while (lcm[i] as usize) < high {
            lcm[i + 1] = mj[lcm[i] as usize];
            i += 1;
        }
        let l_lcm = i;
        let mut ih = i;
        let mut iv = 2;

        // The largest distance between the GCM and the LCM on [low, high].
        let mut d = 0.0f64;
        if l_gcm != 2 || l_lcm != 2 {
            loop {
                let gcmix = gcm[ix] as usize;
                let lcmiv = lcm[iv] as usize;
                if gcmix > lcmiv {
                    let gcmi1 = gcm[ix + 1] as usize;
                    let dx = (lcmiv as f64 - gcmi1 as f64 + 1.0)
                        - (x(lcmiv) - x(gcmi1)) * (gcmix - gcmi1) as f64 / (x(gcmix) - x(gcmi1));
                    iv += 1;
                    if dx >= d {
                        d = dx;
                        ig = ix + 1;
                        ih = iv - 1;
                    }
                } else {
                    let lcmiv1 = lcm[iv - 1] as usize;
                    let dx = (x(gcmix) - x(lcmiv1)) * (lcmiv - lcmiv1) as f64
                        / (x(lcmiv) - x(lcmiv1))
                        - (gcmix as f64 - lcmiv1 as f64 - 1.0);
                    ix -= 1;
                    if dx >= d {
                        d = dx;
                        ig = ix + 1;
                        ih = iv;
                    }
                }
                if ix < 1 {
                    ix = 1;
                }
                if iv > l_lcm {
                    iv = l_lcm;
                }
                if (gcm[ix] as usize) == (lcm[iv] as usize) {
                    break;
                }
            }
        } else {
            d = 1.0;
        }
        if d < dip {
            break;
        }

        // The dips of the convex minorant and of the concave majorant.
        let mut dip_l = 0.0f64;
        for j in ig..l_gcm {
            let mut max_t = 1.0f64;
            let (jb, je) = ((gcm[j + 1] as usize), (gcm[j] as usize));
            if je - jb > 1 && x(je) != x(jb) {
                let c = (je - jb) as f64 / (x(je) - x(jb));
                for jj in jb..=je {
                    let t = (jj - jb + 1) as f64 - (x(jj) - x(jb)) * c;
                    max_t = max_t.max(t);
                }
            }
            dip_l = dip_l.max(max_t);
        }
        let mut dip_u = 0.0f64;
        for j in ih..l_lcm {
            let mut max_t = 1.0f64;
            let (jb, je) = ((lcm[j] as usize), (lcm[j + 1] as usize));
            if je - jb > 1 && x(je) != x(jb) {
                let c = (je - jb) as f64 / (x(je) - x(jb));
                for jj in jb..=je {
                    let t = (x(jj) - x(jb)) * c - (jj as f64 - jb as f64 - 1.0);
                    max_t = max_t.max(t);
                }
            }
            dip_u = dip_u.max(max_t);
        }
        dip = dip.max(dip_l.max(dip_u));

        // Without this check the cycle can loop for ever (Maechler, 1994).
        if low == (gcm[ig] as usize) && high == (lcm[ih] as usize) {
            break;
        }
        low = gcm[ig] as usize;
        high = lcm[ih] as usize;
    }
    dip / (2.0 * n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_cases_follow_the_diptest_conventions() {
        assert_eq!(dip_statistic(&[3.0]), 0.5);
        assert_eq!(dip_statistic(&[2.0, 2.0, 2.0, 2.0]), 1.0 / 8.0);
        // Evenly spaced points are as unimodal as can be: the minimum 1/(2n).
        let even: Vec<f64> = (1..=6).map(f64::from).collect();
        assert!((dip_statistic(&even) - 1.0 / 12.0).abs() < 1e-12);
    }

    /// Reference values from the Python package diptest 0.12 (a port of R diptest's C code),
    /// computed on the same deterministic samples.
    #[test]
    fn matches_diptest_on_reference_samples() {
        let phi = (5f64.sqrt() - 1.0) / 2.0;
        let s2 = 2f64.sqrt();
        let frac = |v: f64| v - v.floor();
        let cases: Vec<(&str, Vec<f64>, f64)> = vec![
            (
                "golden200",
                (1..=200).map(|i| frac(i as f64 * phi)).collect(),
                0.004882139081525398,
            ),
            (
                "bimodal300",
                (0..300)
                    .map(|i| {
                        if i % 2 == 0 {
                            0.2 + 0.1 * frac(i as f64 * phi)
                        } else {
                            0.7 + 0.1 * frac(i as f64 * s2)
                        }
                    })
                    .collect(),
                0.20017612771800425,
            ),
            (
                "skewed150",
                (1..=150).map(|i| frac(i as f64 * phi).powi(3)).collect(),
                0.005963722455932518,
            ),
            (
                "trimodal90",
                (0..90)
                    .map(|i| [0.1, 0.5, 0.9][i % 3] + 0.05 * frac(i as f64 * s2))
                    .collect(),
                0.14650805943755638,
            ),
            ("ties", (0..50).map(|i| (i % 7) as f64).collect(), 0.07),
        ];
        for (name, mut v, expected) in cases {
            v.sort_by(f64::total_cmp);
            let got = dip_statistic(&v);
            assert!(
                (got - expected).abs() < 1e-12,
                "{name}: {got} vs {expected}"
            );
        }
    }
}
