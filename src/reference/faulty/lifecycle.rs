//! Faults of what a vendor keeps beside the sessions and handles, over time: tombstones of
//! deleted sessions, departed members' properties, a pool of handle ids, a cache that resolves
//! handles for writes, a last-read time in the record, and a deletion rule that counts accepted
//! members only. Each needs a sequence of requests to show.

use axum::body::{self, Body, Bytes};
use axum::http::header::{CONTENT_LENGTH, ETAG};
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value};

use super::super::errors::{self, header_value};
use super::super::faults::Fault;
use super::super::render_rules::RenderRules;
use super::super::route::{self, Route};
use super::super::session::Session;
use super::super::store::SessionKey;
use super::{Faulty, Incoming};

/// The faults of this module.
pub(super) const FAULTS: &[Fault] = &[
    Fault::LastAcceptedLeaveDeletes,
    Fault::RecreateRestoresProperties,
    Fault::RejoinRestoresProperties,
    Fault::ReadBumpsChangeNumber,
    Fault::HandleIdsReused,
    Fault::WriteThroughDeletedHandle,
];

/// The session a request addresses, as it was before the handler ran.
pub(super) struct Before {
    key: Option<SessionKey>,
    session: Option<Session>,
}

/// Rewrites a write through a deleted handle the write cache still knows; loads the session as
/// it was.
pub(super) fn before(faulty: &Faulty, incoming: &mut Incoming) -> Before {
    if !FAULTS.iter().any(|f| faulty.has(*f)) {
        return Before {
            key: None,
            session: None,
        };
    }
    if faulty.has(Fault::WriteThroughDeletedHandle) && incoming.parts.method == Method::PUT {
        if let Some(Route::HandleSession(raw)) = Route::parse(incoming.parts.uri.path()) {
            let id = route::percent_decode(raw).map(|id| id.to_ascii_lowercase());
            let gone = id
                .as_deref()
                .is_some_and(|id| faulty.app.store.handle(id).is_none());
            let cached = id.and_then(|id| faulty.memory().resolved.get(&id).cloned());
            if let (true, Some(key)) = (gone, cached) {
                // The write path asks its cache which session the handle names.
                let target = match incoming.parts.uri.query() {
                    Some(q) => format!("{}?{q}", key.location()),
                    None => key.location(),
                };
                if let Ok(uri) = target.parse::<Uri>() {
                    incoming.parts.uri = uri;
                }
            }
        }
    }
    let key = incoming.session(&faulty.app);
    let session = key
        .as_ref()
        .and_then(|k| faulty.app.store.read_session(k, |s| s.cloned()));
    Before { key, session }
}

pub(super) async fn after(
    faulty: &Faulty,
    incoming: &Incoming,
    before: Before,
    response: Response,
) -> Response {
    let status = response.status();
    let method = &incoming.parts.method;
    match Route::parse(incoming.parts.uri.path()) {
        Some(Route::Handles) if status == StatusCode::CREATED => {
            return handle_created(faulty, response).await
        }
        Some(Route::Handle(raw)) if *method == Method::DELETE && status.is_success() => {
            if faulty.has(Fault::HandleIdsReused) {
                if let Some(id) = route::percent_decode(raw) {
                    faulty.memory().id_pool.push(id.to_ascii_lowercase());
                }
            }
            return response;
        }
        Some(Route::HandleSession(_) | Route::SessionByName { .. }) => {}
        _ => return response,
    }
    let Some(key) = before.key else {
        return response;
    };
    let store = &faulty.app.store;
    if *method == Method::GET {
        if faulty.has(Fault::ReadBumpsChangeNumber) && status == StatusCode::OK {
            // The record keeps when it was last read; saving that is a change like any other.
            store.with_session(&key, |slot| {
                if let Some(session) = slot {
                    session.change_number += 1;
                    session.render(RenderRules::of(faulty.app.faults));
                }
            });
        }
        return response;
    }
    if *method != Method::PUT
        || !status.is_success()
        || route::is_nocommit(incoming.parts.uri.query())
    {
        return response;
    }
    let after = store.read_session(&key, |s| s.cloned());
    if faulty.has(Fault::LastAcceptedLeaveDeletes) && status == StatusCode::OK {
        if let Some(session) = &after {
            let members = &session.content.members;
            let empty_timeout = session.content.constants.system.get("sessionEmptyTimeout");
            let deletes_empty = empty_timeout.and_then(Value::as_u64) == Some(0);
            if deletes_empty && !members.is_empty() && members.values().all(|m| m.reserved) {
                // "Empty" is judged on accepted members.
                store.with_session(&key, |slot| *slot = None);
                return errors::empty(StatusCode::NO_CONTENT);
            }
        }
    }
    let mut revived = false;
    if faulty.has(Fault::RecreateRestoresProperties) {
        let mut memory = faulty.memory();
        match (&before.session, &after) {
            (Some(old), None) => {
                memory
                    .tombstones
                    .insert(key.clone(), old.content.properties.custom.clone());
            }
            (None, Some(_)) => {
                if let Some(old) = memory.tombstones.remove(&key) {
                    store.with_session(&key, |slot| {
                        if let Some(session) = slot {
                            fill(&mut session.content.properties.custom, &old);
                            session.render(RenderRules::of(faulty.app.faults));
                        }
                    });
                    revived = true;
                }
            }
            _ => {}
        }
    }
    if faulty.has(Fault::RejoinRestoresProperties) {
        let xuids = |s: &Option<Session>| -> Vec<(String, Map<String, Value>)> {
            s.iter()
                .flat_map(|s| s.content.members.values())
                .map(|m| (m.xuid.clone(), m.properties.custom.clone()))
                .collect()
        };
        let (was, is) = (xuids(&before.session), xuids(&after));
        let mut memory = faulty.memory();
        for (xuid, custom) in &was {
            if !is.iter().any(|(x, _)| x == xuid) {
                memory
                    .departed
                    .insert((key.clone(), xuid.clone()), custom.clone());
            }
        }
        for (xuid, _) in &is {
            if was.iter().any(|(x, _)| x == xuid) {
                continue;
            }
            if let Some(old) = memory.departed.remove(&(key.clone(), xuid.clone())) {
                store.with_session(&key, |slot| {
                    if let Some(session) = slot {
                        let index = session.content.member_by_xuid(xuid);
                        if let Some(m) = index.and_then(|i| session.content.members.get_mut(&i)) {
                            fill(&mut m.properties.custom, &old);
                        }
                        session.render(RenderRules::of(faulty.app.faults));
                    }
                });
                revived = true;
            }
        }
    }
    if revived {
        return answered_from_store(faulty, &key, response).await;
    }
    response
}

/// Keys of `old` that `into` lacks, copied in.
fn fill(into: &mut Map<String, Value>, old: &Map<String, Value>) {
    for (k, v) in old {
        if !into.contains_key(k) {
            into.insert(k.clone(), v.clone());
        }
    }
}

/// The answer with the session as stored now: its document and ETag.
async fn answered_from_store(faulty: &Faulty, key: &SessionKey, response: Response) -> Response {
    let stored = faulty
        .app
        .store
        .read_session(key, |s| s.map(|s| (s.document.clone(), s.etag.clone())));
    let Some((document, etag)) = stored else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(CONTENT_LENGTH);
    if let Some(value) = header_value(&etag) {
        parts.headers.insert(ETAG, value);
    }
    Response::from_parts(parts, Body::from(document))
}

/// A handle created: the write cache learns it; a pooled id replaces the new one.
async fn handle_created(faulty: &Faulty, response: Response) -> Response {
    let (mut parts, inner) = response.into_parts();
    let Ok(document) = body::to_bytes(inner, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let id = serde_json::from_slice::<Value>(&document)
        .ok()
        .and_then(|d| d.get("id").and_then(Value::as_str).map(str::to_owned));
    let Some(id) = id else {
        return Response::from_parts(parts, Body::from(document));
    };
    let store = &faulty.app.store;
    let mut memory = faulty.memory();
    let mut document: Bytes = document;
    if faulty.has(Fault::HandleIdsReused) {
        if let (Some(reused), Some(handle)) = (memory.id_pool.pop(), store.handle(&id)) {
            store.remove_handle(&id);
            let renamed = store.insert_handle(handle.with_id(&reused));
            document = renamed.document();
            parts.headers.remove(CONTENT_LENGTH);
        }
    }
    if faulty.has(Fault::WriteThroughDeletedHandle) {
        let id = serde_json::from_slice::<Value>(&document)
            .ok()
            .and_then(|d| d.get("id").and_then(Value::as_str).map(str::to_owned));
        if let Some(handle) = id.and_then(|id| store.handle(&id)) {
            memory
                .resolved
                .insert(handle.id.clone(), handle.session.clone());
        }
    }
    Response::from_parts(parts, Body::from(document))
}
