//! Faults on the way out: an answer rewritten or served from a stale cache, and writes to the
//! store after the handler answered — an audit hook, a merge done in its own store call, a
//! precondition compared after the save, a session inserted before its body was validated.

use axum::body::{self, Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header::{IF_MATCH, IF_NONE_MATCH};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::Value;

use super::super::dispatch::dispatch;
use super::super::faults::Fault;
use super::super::render_rules::RenderRules;
use super::super::route::Route;
use super::{Cached, Faulty, Incoming};

/// An answer a read cache serves instead of the handler, if one applies.
pub(super) fn cached(faulty: &Faulty, incoming: &Incoming) -> Option<Response> {
    if incoming.parts.method != Method::GET {
        return None;
    }
    let by_name = cache_of(faulty, incoming)?;
    let key = incoming.session(&faulty.app)?;
    let cache = faulty.cache();
    cache.get(&(by_name, key)).map(Cached::response)
}

/// Which read cache a request's session route has: by name (`true`) or through a handle.
fn cache_of(faulty: &Faulty, incoming: &Incoming) -> Option<bool> {
    match Route::parse(incoming.parts.uri.path())? {
        Route::SessionByName { .. } if faulty.has(Fault::ReadByNameCached) => Some(true),
        Route::HandleSession(_) if faulty.has(Fault::DeletedSessionServedByHandle) => Some(false),
        _ => None,
    }
}

pub(super) async fn after(
    faulty: &Faulty,
    incoming: &Incoming,
    existed: Option<bool>,
    response: Response,
) -> Response {
    let status = response.status();
    let route = Route::parse(incoming.parts.uri.path());
    let method = &incoming.parts.method;
    if incoming.is_session_write()
        && status.is_client_error()
        && status != StatusCode::TOO_MANY_REQUESTS
    {
        refused_write_side_effects(faulty, incoming, existed, status).await;
    }
    let rewrites = match route {
        Some(Route::Handle(_)) => {
            faulty.has(Fault::InviteReadWithoutInvitedXuid) && method == Method::GET
        }
        Some(Route::HandleSession(_)) => {
            cache_of(faulty, incoming).is_some()
                || faulty.has(Fault::ReadByHandleWithoutMembersInfo)
        }
        Some(Route::SessionByName { .. }) => {
            cache_of(faulty, incoming).is_some() || faulty.has(Fault::EmptyPersistentHiddenByName)
        }
        _ => false,
    };
    if !rewrites || !status.is_success() {
        return response;
    }
    let (mut parts, inner) = response.into_parts();
    let Ok(document) = body::to_bytes(inner, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut document = document;
    match route {
        Some(Route::Handle(_)) => {
            // The read renders every handle as an activity handle.
            document = edited(&document, |doc| {
                doc.remove("invitedXuid");
            });
        }
        Some(Route::HandleSession(_))
            if method == Method::GET && faulty.has(Fault::ReadByHandleWithoutMembersInfo) =>
        {
            document = edited(&document, |doc| {
                doc.remove("membersInfo");
            });
        }
        Some(Route::SessionByName { .. })
            if method == Method::GET && faulty.has(Fault::EmptyPersistentHiddenByName) =>
        {
            let empty = serde_json::from_slice::<Value>(&document)
                .ok()
                .and_then(|d| {
                    d.get("members")
                        .and_then(Value::as_object)
                        .map(|m| m.is_empty())
                })
                .unwrap_or(false);
            if empty && parts.status == StatusCode::OK {
                // "No members" is taken for "no session".
                return super::super::errors::empty(StatusCode::NO_CONTENT);
            }
        }
        _ => {}
    }
    if let (Some(by_name), Some(key)) = (cache_of(faulty, incoming), incoming.session(&faulty.app))
    {
        let mut cache = faulty.cache();
        match parts.status {
            // A write's answer, or a read's, fills the cache as a read would answer.
            StatusCode::OK | StatusCode::CREATED => {
                let entry = Cached {
                    status: StatusCode::OK,
                    headers: parts.headers.clone(),
                    body: document.clone(),
                };
                cache.insert((by_name, key), entry);
            }
            // The by-name cache forgets a deleted session; the handle one was never told.
            StatusCode::NO_CONTENT if by_name => {
                cache.remove(&(by_name, key));
            }
            _ => {}
        }
    }
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(document))
}

/// The document with `edit` applied (a JSON object), or as it was.
fn edited(document: &Bytes, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Bytes {
    let Ok(Value::Object(mut doc)) = serde_json::from_slice::<Value>(document) else {
        return document.clone();
    };
    edit(&mut doc);
    serde_json::to_vec(&doc)
        .map(Bytes::from)
        .unwrap_or_else(|_| document.clone())
}

/// What a refused write leaves behind in the store when one of these faults is planted.
async fn refused_write_side_effects(
    faulty: &Faulty,
    incoming: &Incoming,
    existed: Option<bool>,
    status: StatusCode,
) {
    let app = &faulty.app;
    let Some(key) = incoming.session(app) else {
        return;
    };
    if faulty.has(Fault::RefusedWriteBumpsVersion) && existed == Some(true) {
        // The audit hook counts the attempt as a change.
        app.store.with_session(&key, |slot| {
            if let Some(session) = slot {
                session.change_number += 1;
                session.render(RenderRules::of(app.faults));
            }
        });
    }
    let body: Option<Value> = serde_json::from_slice(&incoming.body).ok();
    let properties = body.as_ref().and_then(|b| b.get("properties")).cloned();
    let member_or_conflict = matches!(status, StatusCode::FORBIDDEN | StatusCode::CONFLICT);
    if faulty.has(Fault::RefusedWriteKeepsProperties) && member_or_conflict && existed == Some(true)
    {
        if let Some(properties) = properties {
            let merge = serde_json::json!({ "properties": properties });
            again(faulty, incoming, merge.to_string().into()).await;
        }
    }
    if faulty.has(Fault::StaleWriteStored)
        && status == StatusCode::PRECONDITION_FAILED
        && existed == Some(true)
        && incoming.parts.headers.contains_key(IF_MATCH)
    {
        again(faulty, incoming, incoming.body.clone()).await;
    }
    if faulty.has(Fault::RefusedCreateLeavesSession)
        && status == StatusCode::BAD_REQUEST
        && existed == Some(false)
    {
        again(
            faulty,
            incoming,
            Bytes::from_static(br#"{"members":{"me":{}}}"#),
        )
        .await;
    }
}

/// The same write again, with `body` and without preconditions, straight to the handler.
async fn again(faulty: &Faulty, incoming: &Incoming, body: Bytes) {
    let mut parts = incoming.parts.clone();
    for header in [
        IF_MATCH,
        IF_NONE_MATCH,
        axum::http::header::CONTENT_LENGTH,
        axum::http::header::TRANSFER_ENCODING,
    ] {
        parts.headers.remove(header);
    }
    let request = Request::from_parts(parts, Body::from(body));
    let _ = dispatch(State(faulty.app.clone()), request).await;
}
