//! In-memory state: sessions, each behind its own lock, and handles.
//!
//! Locks are `std::sync::Mutex` held only for in-memory work, never across an `.await`. The map
//! lock is never held while waiting for a session lock, so the two cannot deadlock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::handles::Handle;
use super::session::Session;

/// A session's identity: SCID, template and name, lowercased (all compare case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct SessionKey {
    pub scid: String,
    pub template: String,
    pub name: String,
}

impl SessionKey {
    pub fn new(scid: &str, template: &str, name: &str) -> Self {
        Self {
            scid: scid.to_lowercase(),
            template: template.to_lowercase(),
            name: name.to_lowercase(),
        }
    }

    /// O14: the session's path.
    pub fn location(&self) -> String {
        use super::route::percent_encode_into;
        let segments = [
            ("/serviceconfigs/", &self.scid),
            ("/sessiontemplates/", &self.template),
            ("/sessions/", &self.name),
        ];
        let length: usize = segments.iter().map(|(l, s)| l.len() + s.len()).sum();
        let mut out = String::with_capacity(length);
        for (literal, segment) in segments {
            out.push_str(literal);
            percent_encode_into(&mut out, segment);
        }
        out
    }
}

struct Slot {
    session: Option<Session>,
    /// Set when the slot was taken out of the map; a writer that still holds it must start over.
    retired: bool,
    /// The last request that read or wrote it (only kept up when the store forgets).
    touched: Instant,
}

impl Default for Slot {
    fn default() -> Self {
        Self {
            session: None,
            retired: false,
            touched: Instant::now(),
        }
    }
}

struct HandleEntry {
    handle: Arc<Handle>,
    touched: Instant,
}

#[derive(Default)]
pub(crate) struct Store {
    sessions: Mutex<HashMap<SessionKey, Arc<Mutex<Slot>>>>,
    handles: Mutex<HashMap<String, HandleEntry>>,
    /// `Config::forget_idle`: the retention horizon, and when the store last swept.
    forget: Option<Forget>,
}

struct Forget {
    after: Duration,
    last_sweep: Mutex<Instant>,
}

/// A panic elsewhere must not take the store down with it: the data under a poisoned lock is
/// still consistent because every change is assigned whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// A store that forgets sessions and handles nobody read or wrote for `forget_idle`: what a
    /// long exploration needs so that the state of programs long finished does not pile up.
    pub fn new(forget_idle: Option<Duration>) -> Self {
        Self {
            forget: forget_idle.map(|after| Forget {
                after,
                last_sweep: Mutex::new(Instant::now()),
            }),
            ..Self::default()
        }
    }

    /// Drops what has been idle past the horizon, at most once per tenth of it: the scan costs
    /// one pass over the maps, so it is spread thin. A slot someone holds is busy, not idle.
    fn sweep(&self) {
        let Some(forget) = &self.forget else { return };
        let now = Instant::now();
        {
            let mut last = lock(&forget.last_sweep);
            if now.duration_since(*last) < forget.after / 10 {
                return;
            }
            *last = now;
        }
        let idle = |touched: Instant| now.duration_since(touched) > forget.after;
        lock(&self.sessions).retain(|_, slot| match slot.try_lock() {
            Ok(mut guard) if idle(guard.touched) => {
                guard.retired = true;
                false
            }
            _ => true,
        });
        lock(&self.handles).retain(|_, entry| !idle(entry.touched));
    }

    fn touch(&self, touched: &mut Instant) {
        if self.forget.is_some() {
            *touched = Instant::now();
        }
    }

    /// Runs `f` on the session (or its absence) under the session's lock: check and change are
    /// one atomic step. A session left as `None` is removed from the map.
    pub fn with_session<R>(
        &self,
        key: &SessionKey,
        f: impl FnOnce(&mut Option<Session>) -> R,
    ) -> R {
        self.sweep();
        loop {
            let slot = {
                let mut map = lock(&self.sessions);
                // Looked up before `entry`, which would copy the key on every write.
                match map.get(key) {
                    Some(slot) => Arc::clone(slot),
                    None => Arc::clone(map.entry(key.clone()).or_default()),
                }
            };
            let mut guard = lock(&slot);
            if guard.retired {
                continue;
            }
            self.touch(&mut guard.touched);
            let result = f(&mut guard.session);
            if guard.session.is_none() {
                guard.retired = true;
                let mut map = lock(&self.sessions);
                if map.get(key).is_some_and(|s| Arc::ptr_eq(s, &slot)) {
                    map.remove(key);
                }
            }
            return result;
        }
    }

    /// A read of the session, without creating a slot for one that does not exist.
    pub fn read_session<R>(&self, key: &SessionKey, f: impl FnOnce(Option<&Session>) -> R) -> R {
        let slot = lock(&self.sessions).get(key).cloned();
        match slot {
            Some(slot) => {
                let mut guard = lock(&slot);
                self.touch(&mut guard.touched);
                f(guard.session.as_ref())
            }
            None => f(None),
        }
    }

    pub fn insert_handle(&self, handle: Handle) -> Arc<Handle> {
        self.sweep();
        let handle = Arc::new(handle);
        let entry = HandleEntry {
            handle: Arc::clone(&handle),
            touched: Instant::now(),
        };
        lock(&self.handles).insert(handle.id.clone(), entry);
        handle
    }

    pub fn handle(&self, id: &str) -> Option<Arc<Handle>> {
        let mut handles = lock(&self.handles);
        let entry = handles.get_mut(id)?;
        self.touch(&mut entry.touched);
        Some(Arc::clone(&entry.handle))
    }

    pub fn remove_handle(&self, id: &str) -> bool {
        lock(&self.handles).remove(id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{body_rules::BodyRules, faults::Faults, handles, world};
    use super::*;

    fn store_with(forget_idle: Option<Duration>) -> (Store, SessionKey, String) {
        let store = Store::new(forget_idle);
        let key = SessionKey::new(world::SCID, "lobby", "s1");
        let template = world::template(world::SCID, "lobby").expect("lobby is a template");
        store.with_session(&key, |slot| *slot = Some(Session::new(template)));
        let body = serde_json::json!({"version": 1, "type": "activity",
            "sessionRef": {"scid": world::SCID, "templateName": "lobby", "name": "s1"}});
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let handle = handles::create(&bytes, "1", BodyRules::of(Faults::none()).handle)
            .expect("a valid handle");
        let id = store.insert_handle(handle).id.clone();
        (store, key, id)
    }

    fn held(store: &Store, key: &SessionKey, id: &str) -> (bool, bool) {
        (
            store.read_session(key, |s| s.is_some()),
            store.handle(id).is_some(),
        )
    }

    #[test]
    fn forgets_what_stays_idle_past_the_horizon() {
        let (store, key, id) = store_with(Some(Duration::from_millis(20)));
        std::thread::sleep(Duration::from_millis(50));
        // Any write sweeps; this one is on another session, which stays.
        let other = SessionKey::new(world::SCID, "lobby", "s2");
        let template = world::template(world::SCID, "lobby").expect("lobby is a template");
        store.with_session(&other, |slot| *slot = Some(Session::new(template)));
        assert_eq!(held(&store, &key, &id), (false, false));
        assert!(store.read_session(&other, |s| s.is_some()));
    }

    #[test]
    fn keeps_everything_without_a_horizon_and_within_it() {
        for forget in [None, Some(Duration::from_secs(600))] {
            let (store, key, id) = store_with(forget);
            std::thread::sleep(Duration::from_millis(30));
            let other = SessionKey::new(world::SCID, "lobby", "s2");
            store.with_session(&other, |_| ());
            assert_eq!(held(&store, &key, &id), (true, true), "{forget:?}");
        }
    }
}
