//! Values the read API reads once per publication (a contest's results, the flags), kept
//! while the next publication's are read: a reader never waits on a reread. Only the very
//! first read of a value waits, since there is nothing older to answer with.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// A value and the publication (its log size) it was read at.
struct Slot<V> {
    at: u64,
    value: Arc<V>,
    /// A reread for a later publication is on its way.
    rereading: bool,
}

/// Values by key, each as of some publication.
pub struct PerPublication<K, V> {
    slots: Mutex<HashMap<K, Slot<V>>>,
    /// Held while a value is read for the first time, so that it is read once, not by every
    /// request that finds nothing.
    first: Mutex<()>,
}

impl<K, V> Default for PerPublication<K, V> {
    fn default() -> Self {
        PerPublication {
            slots: Mutex::new(HashMap::new()),
            first: Mutex::new(()),
        }
    }
}

impl<K, V> PerPublication<K, V>
where
    K: Eq + Hash + Clone + Send + 'static,
    V: Send + Sync + 'static,
{
    /// The value of `key` as of the publication of size `published`, or as of an earlier one
    /// while `read` reads it again on a thread of its own. The first time, `read` runs here
    /// and its error is the answer; a reread's error is logged and the older value kept (the
    /// next request tries again).
    pub fn get<E: std::fmt::Display>(
        self: &Arc<Self>,
        key: K,
        published: u64,
        read: impl FnOnce() -> Result<V, E> + Send + 'static,
    ) -> Result<Arc<V>, E> {
        {
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(slot) = slots.get_mut(&key) {
                if slot.at != published && !slot.rereading {
                    slot.rereading = true;
                    self.reread(key, published, read);
                }
                return Ok(slot.value.clone());
            }
        }
        let _first = self.first.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(slot) = self
            .slots
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return Ok(slot.value.clone());
        }
        let value = Arc::new(read()?);
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).insert(
            key,
            Slot {
                at: published,
                value: value.clone(),
                rereading: false,
            },
        );
        Ok(value)
    }

    fn reread<E: std::fmt::Display>(
        self: &Arc<Self>,
        key: K,
        published: u64,
        read: impl FnOnce() -> Result<V, E> + Send + 'static,
    ) {
        let this = self.clone();
        let again = key.clone();
        let spawned = std::thread::Builder::new()
            .name("reread".into())
            .spawn(move || {
                let value = read();
                let mut slots = this.slots.lock().unwrap_or_else(|p| p.into_inner());
                let Some(slot) = slots.get_mut(&key) else {
                    return;
                };
                slot.rereading = false;
                match value {
                    Ok(v) => {
                        slot.at = published;
                        slot.value = Arc::new(v);
                    }
                    Err(e) => tracing::error!("reading again at size {published}: {e}"),
                }
            });
        if let Err(e) = spawned {
            tracing::error!("no thread to read again at size {published}: {e}");
            let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(slot) = slots.get_mut(&again) {
                slot.rereading = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    #[test]
    fn a_read_during_the_reread_answers_from_the_old_publication() {
        let cache: Arc<PerPublication<(), String>> = Arc::default();
        let old = cache
            .get((), 10, || Ok::<_, String>("read at 10".to_string()))
            .unwrap();
        assert_eq!(*old, "read at 10");

        // Publication 20: the reread is held until the test lets it go.
        let (release, held) = mpsc::channel::<()>();
        let (started, started_rx) = mpsc::channel::<()>();
        let start = Instant::now();
        let during = cache
            .get((), 20, move || {
                started.send(()).unwrap();
                held.recv_timeout(Duration::from_secs(10)).unwrap();
                Ok::<_, String>("read at 20".to_string())
            })
            .unwrap();
        assert_eq!(*during, "read at 10");
        assert!(start.elapsed() < Duration::from_secs(1), "the read waited");
        started_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        // While the reread is held: still the old value, and no second reread is started.
        let again = cache
            .get((), 20, || -> Result<String, String> {
                panic!("a second reread of the same publication")
            })
            .unwrap();
        assert_eq!(*again, "read at 10");

        release.send(()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = cache
                .get((), 20, || -> Result<String, String> {
                    panic!("read again although it is current")
                })
                .unwrap();
            if *now == "read at 20" {
                break;
            }
            assert!(Instant::now() < deadline, "the reread never landed");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_failed_reread_keeps_the_old_value_and_is_tried_again() {
        let cache: Arc<PerPublication<&str, u32>> = Arc::default();
        assert_eq!(*cache.get("a", 1, || Ok::<_, String>(1)).unwrap(), 1);
        // The first read's error is the answer, and nothing is kept.
        assert_eq!(
            cache.get("b", 1, || Err::<u32, _>("no such contest".to_string())),
            Err("no such contest".to_string())
        );
        assert_eq!(*cache.get("b", 1, || Ok::<_, String>(7)).unwrap(), 7);

        let (done, finished) = mpsc::channel();
        let v = cache
            .get("a", 2, move || {
                let _ = done.send(());
                Err::<u32, _>("the store failed".to_string())
            })
            .unwrap();
        assert_eq!(*v, 1);
        finished.recv_timeout(Duration::from_secs(10)).unwrap();
        // Tried again by a later request, which lands.
        let deadline = Instant::now() + Duration::from_secs(10);
        while *cache.get("a", 2, || Ok::<_, String>(2)).unwrap() != 2 {
            assert!(Instant::now() < deadline, "never read again");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
