//! In-memory state: sessions, each behind its own lock, and handles.
//!
//! Locks are `std::sync::Mutex` held only for in-memory work, never across an `.await`. The map
//! lock is never held while waiting for a session lock, so the two cannot deadlock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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

#[derive(Default)]
struct Slot {
    session: Option<Session>,
    /// Set when the slot was taken out of the map; a writer that still holds it must start over.
    retired: bool,
}

#[derive(Default)]
pub(crate) struct Store {
    sessions: Mutex<HashMap<SessionKey, Arc<Mutex<Slot>>>>,
    handles: Mutex<HashMap<String, Arc<Handle>>>,
}

/// A panic elsewhere must not take the store down with it: the data under a poisoned lock is
/// still consistent because every change is assigned whole.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// Runs `f` on the session (or its absence) under the session's lock: check and change are
    /// one atomic step. A session left as `None` is removed from the map.
    pub fn with_session<R>(
        &self,
        key: &SessionKey,
        f: impl FnOnce(&mut Option<Session>) -> R,
    ) -> R {
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
            Some(slot) => f(lock(&slot).session.as_ref()),
            None => f(None),
        }
    }

    pub fn insert_handle(&self, handle: Handle) -> Arc<Handle> {
        let handle = Arc::new(handle);
        lock(&self.handles).insert(handle.id.clone(), Arc::clone(&handle));
        handle
    }

    pub fn handle(&self, id: &str) -> Option<Arc<Handle>> {
        lock(&self.handles).get(id).cloned()
    }

    pub fn remove_handle(&self, id: &str) -> bool {
        lock(&self.handles).remove(id).is_some()
    }
}
