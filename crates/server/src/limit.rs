//! Per-client rate limits: a token bucket for each client address. A client over its limit is
//! answered 429 with Retry-After, and costs the server one map lookup.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A client's allowance.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Requests a second, sustained; 0 turns the limit off.
    pub per_second: f64,
    /// Requests allowed at once after a quiet spell.
    pub burst: f64,
}

impl Rate {
    /// `per_second` sustained, with bursts of twice as many.
    pub fn per_second(per_second: f64) -> Rate {
        Rate {
            per_second,
            burst: 2.0 * per_second,
        }
    }
}

impl Default for Rate {
    fn default() -> Rate {
        Rate {
            per_second: 100.0,
            burst: 200.0,
        }
    }
}

/// Buckets kept before the idle ones are dropped.
const MAX_CLIENTS: usize = 100_000;

/// Token buckets by client address.
pub struct Limiter {
    rate: Rate,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    pub fn new(rate: Rate) -> Limiter {
        Limiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `client`: Ok, or how long until one is there.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.rate.per_second <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_CLIENTS && !buckets.contains_key(&client) {
            // A client whose bucket has refilled is the same as one never seen.
            let full = self.rate.burst / self.rate.per_second;
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < full);
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.rate.burst, now));
        let refill = now.duration_since(*at).as_secs_f64() * self.rate.per_second;
        *tokens = (*tokens + refill).min(self.rate.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - *tokens) / self.rate.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_sustained_rate() {
        let limiter = Limiter::new(Rate {
            per_second: 10.0,
            burst: 3.0,
        });
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        let t = Instant::now();
        for _ in 0..3 {
            assert!(limiter.take(ip, t).is_ok());
        }
        let wait = limiter.take(ip, t).unwrap_err();
        assert!((wait.as_secs_f64() - 0.1).abs() < 1e-9, "{wait:?}");
        // Another client has its own bucket.
        assert!(limiter.take(other, t).is_ok());
        // A tenth of a second later there is one token again, and only one.
        let later = t + Duration::from_millis(100);
        assert!(limiter.take(ip, later).is_ok());
        assert!(limiter.take(ip, later).is_err());
    }
}
