//! What a case holds of the target's world, learnt from every answer it gets: each session it
//! touched (and whether it is there, with which ETag and changeNumber) and each handle it
//! created. The oracle reads it to follow every judged write through: a refused write must
//! leave all of it as it was.

use std::sync::Arc;

use serde_json::Value;

use crate::exchange::{commit_of, is_write, url_path, Commit, Resource, ResponseData, SessionKey};

use super::request::Built;

/// What the case knows of one session.
#[derive(Clone, Debug, PartialEq)]
pub enum State {
    /// There, with this ETag and changeNumber, and the document last seen (when it was JSON).
    Present {
        etag: String,
        change_number: Value,
        doc: Option<Arc<Value>>,
    },
    /// Not there: never created (a fresh name nothing wrote), or deleted.
    Absent,
    /// Not known: nothing said, or concurrent writes left it unsettled.
    Unknown,
}

#[derive(Debug)]
pub struct HeldSession {
    pub key: SessionKey,
    /// Its path by name (R5), as the case wrote it or as a handle's `sessionRef` names it: where
    /// reads of the session go.
    pub path: String,
    /// The case addressed it by name (R5) itself.
    pub used_by_name: bool,
    pub state: State,
}

#[derive(Debug)]
pub struct HeldHandle {
    /// As the target answered it.
    pub id: String,
    /// The session its `sessionRef` names.
    pub session: Option<SessionKey>,
    /// Not deleted (as far as the case knows).
    pub alive: bool,
    /// The document the target answered when it created the handle: the answer's own parse,
    /// shared (the handle's read-back and every later unchanged-check judge against it).
    pub doc: Arc<Value>,
}

/// Everything a case holds.
#[derive(Debug, Default)]
pub struct Held {
    pub sessions: Vec<HeldSession>,
    pub handles: Vec<HeldHandle>,
    /// The case's fresh session names: a session so named that nothing wrote is known absent.
    fresh: Vec<String>,
}

impl Held {
    pub fn new(fresh: Vec<String>) -> Held {
        Held {
            fresh,
            ..Held::default()
        }
    }

    /// The session a request's path addresses, when the case holds it (by name it is held from
    /// now on).
    pub fn session_of(&mut self, path: &str) -> Option<SessionKey> {
        self.session_at(&Resource::of(path), path)
    }

    /// [`Held::session_of`] for a request whose resource is read already.
    pub fn session_of_built(&mut self, built: &Built) -> Option<SessionKey> {
        self.session_at(&built.resource, &built.path)
    }

    fn session_at(&mut self, resource: &Resource, path: &str) -> Option<SessionKey> {
        match resource {
            Resource::SessionByName(key) => {
                let base = path.split('?').next().unwrap_or(path);
                let i = self.hold(key, base);
                if let Some(s) = self.sessions.get_mut(i) {
                    s.used_by_name = true;
                }
                Some(key.clone())
            }
            Resource::SessionByHandle(id) => self.handle(id).and_then(|h| h.session.clone()),
            _ => None,
        }
    }

    pub fn session(&self, key: &SessionKey) -> Option<&HeldSession> {
        self.sessions.iter().find(|s| &s.key == key)
    }

    pub fn handle(&self, id: &str) -> Option<&HeldHandle> {
        self.handles.iter().find(|h| h.id.eq_ignore_ascii_case(id))
    }

    /// The handles the case holds, alive, that point at `key`.
    pub fn handles_of<'a>(&'a self, key: &'a SessionKey) -> impl Iterator<Item = &'a HeldHandle> {
        self.handles
            .iter()
            .filter(move |h| h.alive && h.session.as_ref() == Some(key))
    }

    /// Learns what an answer says: sessions written or read, handles created or deleted. A
    /// refused request says nothing; a write that stores nothing (`nocommit`) neither.
    pub fn observe(&mut self, built: &Built, response: &ResponseData) {
        let method = built.data.method.as_str();
        let status = response.status;
        if !(200..300).contains(&status) && status != 304 {
            return;
        }
        match &built.resource {
            Resource::Handles if method == "POST" => self.created_handle(built, response),
            Resource::Handle(id) if method == "DELETE" => {
                if let Some(h) = self
                    .handles
                    .iter_mut()
                    .find(|h| h.id.eq_ignore_ascii_case(id))
                {
                    h.alive = false;
                }
            }
            Resource::SessionByHandle(_) | Resource::SessionByName(_) => {
                let Some(key) = self.session_of_built(built) else {
                    return;
                };
                let state = match (method, status) {
                    (_, 304) => return,
                    ("PUT", _) if commit_of(&built.path) == Commit::Nothing => return,
                    ("PUT", _) if commit_of(&built.path) == Commit::Open => State::Unknown,
                    ("GET" | "PUT", 200 | 201) => present(response),
                    ("GET" | "PUT", 204) => State::Absent,
                    (m, _) if !is_write(m) => return,
                    _ => State::Unknown,
                };
                self.set_state(&key, state);
            }
            _ => {}
        }
    }

    /// Concurrent writes to `key` (a burst): what it holds now is not known.
    pub fn unsettle(&mut self, path: &str) {
        if let Some(key) = self.session_of(path) {
            self.set_state(&key, State::Unknown);
        }
    }

    fn set_state(&mut self, key: &SessionKey, state: State) {
        if let Some(s) = self.sessions.iter_mut().find(|s| &s.key == key) {
            s.state = state;
        }
    }

    /// The index of the held session `key`, held from now on (first seen at `path`).
    fn hold(&mut self, key: &SessionKey, path: &str) -> usize {
        if let Some(i) = self.sessions.iter().position(|s| &s.key == key) {
            return i;
        }
        let state = if self.fresh.iter().any(|n| key.named(n)) {
            State::Absent
        } else {
            State::Unknown
        };
        self.sessions.push(HeldSession {
            key: key.clone(),
            path: path.to_string(),
            used_by_name: false,
            state,
        });
        self.sessions.len() - 1
    }

    fn created_handle(&mut self, built: &Built, response: &ResponseData) {
        let Some(doc) = response.json_shared().filter(|d| d.is_object()) else {
            return;
        };
        let Some(id) = doc.get("id").and_then(Value::as_str) else {
            return;
        };
        let id = id.to_string();
        // The answer's sessionRef, else the one the request named (parsed only then).
        let named = match doc.get("sessionRef") {
            Some(reference) => session_ref(reference),
            None => serde_json::from_slice::<Value>(&built.data.body)
                .ok()
                .and_then(|r| r.get("sessionRef").and_then(session_ref)),
        };
        let session = named.map(|(key, path)| {
            self.hold(&key, &path);
            key
        });
        self.handles.push(HeldHandle {
            id,
            session,
            alive: true,
            doc,
        });
    }
}

/// The state an answer carrying the session shows: its ETag and changeNumber.
fn present(response: &ResponseData) -> State {
    match (response.header("etag"), response.pointer("/changeNumber")) {
        (Some(etag), Some(change_number)) => State::Present {
            etag: etag.to_string(),
            change_number,
            // The answer's own parse, shared: no copy of the document.
            doc: response.json_shared(),
        },
        _ => State::Unknown,
    }
}

/// A `sessionRef`'s session and its path by name.
fn session_ref(reference: &Value) -> Option<(SessionKey, String)> {
    let part = |k: &str| reference.get(k).and_then(Value::as_str);
    let (scid, template, name) = (part("scid")?, part("templateName")?, part("name")?);
    let path = format!("/serviceconfigs/{scid}/sessionTemplates/{template}/sessions/{name}");
    // A name that would not survive as a path segment is not one the case can read back.
    if path.contains(['?', '#', ' ']) || url_path(&path) != path {
        return None;
    }
    Some((SessionKey::of(scid, template, name), path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::RequestData;

    fn built(method: &str, path: &str, body: &str) -> Built {
        let data = RequestData {
            method: method.into(),
            url: format!("http://h{path}"),
            headers: vec![],
            body: body.to_string().into(),
            truncated: false,
            framing: Default::default(),
        };
        Built::new(data, path.into())
    }

    fn answer(status: u16, etag: Option<&str>, body: &str) -> ResponseData {
        let headers = etag
            .map(|e| vec![("ETag".to_string(), e.to_string())])
            .unwrap_or_default();
        ResponseData::new(status, headers, body.to_string())
    }

    const NAME: &str = "mpsdc-r-1";

    fn by_name() -> String {
        format!("/serviceconfigs/S/sessionTemplates/lobby/sessions/{NAME}")
    }

    #[test]
    fn a_fresh_session_is_absent_until_written_and_then_present() {
        let mut held = Held::new(vec![NAME.into()]);
        let key = held.session_of(&by_name()).expect("held by name");
        assert_eq!(held.session(&key).map(|s| &s.state), Some(&State::Absent));
        held.observe(
            &built("PUT", &by_name(), "{}"),
            &answer(201, Some("\"e1\""), r#"{"changeNumber": 1}"#),
        );
        let s = held.session(&key).expect("held");
        assert!(s.used_by_name);
        assert!(matches!(
            &s.state,
            State::Present { etag, change_number, doc: Some(_) }
                if etag == "\"e1\"" && change_number.as_u64() == Some(1)
        ));
        // Refused, or not committed: nothing learnt.
        held.observe(&built("PUT", &by_name(), "{}"), &answer(400, None, "no"));
        let nocommit = format!("{}?nocommit=true", by_name());
        held.observe(
            &built("PUT", &nocommit, "{}"),
            &answer(200, Some("\"e9\""), r#"{"changeNumber": 9}"#),
        );
        assert!(
            matches!(&held.session(&key).expect("held").state, State::Present { etag, .. } if etag == "\"e1\"")
        );
        held.observe(&built("PUT", &by_name(), "{}"), &answer(204, None, ""));
        assert_eq!(held.session(&key).map(|s| &s.state), Some(&State::Absent));
    }

    #[test]
    fn a_handle_names_its_session_and_dies_when_deleted() {
        let mut held = Held::new(vec![NAME.into()]);
        let request = format!(
            r#"{{"sessionRef": {{"scid": "S", "templateName": "lobby", "name": "{NAME}"}}}}"#
        );
        held.observe(
            &built("POST", "/handles", &request),
            &answer(201, None, r#"{"id": "AB-1", "type": "invite"}"#),
        );
        let handle = held.handle("ab-1").expect("held");
        assert!(handle.alive);
        let key = handle.session.clone().expect("its session");
        // Reached through the handle, the session is the same one, and it is not yet held as
        // used by name.
        assert_eq!(held.session_of("/handles/AB-1/session"), Some(key.clone()));
        assert!(!held.session(&key).expect("held").used_by_name);
        assert_eq!(held.handles_of(&key).count(), 1);
        held.observe(
            &built("DELETE", "/handles/ab-1", ""),
            &answer(204, None, ""),
        );
        assert_eq!(held.handles_of(&key).count(), 0);
    }
}
