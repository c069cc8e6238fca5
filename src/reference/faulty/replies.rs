//! Faults of how an answer reaches the wire, rewritten on its way out of the handler: the
//! framework's error handler rendering 400s and 404s its own way, statuses and headers a
//! serializer or a route's own answer code gets wrong (201, `ETag`, `Content-Location`, `Allow`),
//! a 412 rendered without its session, a read answered 304 or 404 where the handler did not, a
//! handle's owner serialized as a number.

use axum::body::{self, Body, Bytes};
use axum::http::header::{ALLOW, CONNECTION, CONTENT_LENGTH, CONTENT_LOCATION, CONTENT_TYPE, ETAG};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::super::dispatch::App;
use super::super::errors::{self, header_value, Reject, APPLICATION_JSON};
use super::super::faults::{Fault, Faults};
use super::super::headers::{Preconditions, TagCondition};
use super::super::route::Route;
use super::session_of;

/// The faults of this module.
pub(super) const FAULTS: &[Fault] = &[
    Fault::NotModifiedOnAnyEtag,
    Fault::ReadMissingSession404,
    Fault::NotModifiedWithoutEtag,
    Fault::Stale412WithoutSession,
    Fault::Stale412EchoesIfMatch,
    Fault::EtagFromBeforeWrite,
    Fault::EtagMissingOnCreate,
    Fault::CreateAnswers200,
    Fault::ContentLocationRequestPath,
    Fault::ContentLocationMissingViaHandle,
    Fault::OversizedBody500,
    Fault::AllowHeaderMissing,
    Fault::BadRequestJsonBody,
    Fault::NotFoundEmptyBody,
    Fault::OwnerXuidNumber,
];

/// What the rewrites need of the request, kept while the handler has it.
pub(super) struct Asked {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    /// The session's ETag before the request, as the record was loaded (only when asked for).
    etag_before: Option<String>,
}

impl Asked {
    pub fn of(app: &App, parts: &Parts) -> Asked {
        let etag_before = (app.faults.has(Fault::EtagFromBeforeWrite)
            && parts.method == Method::PUT)
            .then(|| session_of(app, parts.uri.path()))
            .flatten()
            .and_then(|key| app.store.read_session(&key, |s| s.map(|s| s.etag.clone())));
        Asked {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
            etag_before,
        }
    }

    /// Which session route the request took: by name (`Some(true)`), through a handle
    /// (`Some(false)`), or neither.
    fn session_route(&self) -> Option<bool> {
        match Route::parse(self.uri.path()) {
            Some(Route::SessionByName { .. }) => Some(true),
            Some(Route::HandleSession(_)) => Some(false),
            _ => None,
        }
    }

    /// Whether the request took a handle's route (its create, or the handle itself).
    fn handle_route(&self) -> bool {
        matches!(
            Route::parse(self.uri.path()),
            Some(Route::Handles | Route::Handle(_))
        )
    }
}

/// The handler's `response` as the planted faults put it on the wire, in the order the
/// handler's own code would have met them.
pub(super) async fn after(faults: Faults, asked: &Asked, response: Response) -> Response {
    let mut response = match (asked.session_route(), &asked.method) {
        (Some(_), &Method::GET) => read(faults, asked, response),
        (Some(by_name), &Method::PUT) => write(faults, asked, by_name, response),
        (None, _) if asked.handle_route() => handle(faults, response).await,
        _ => response,
    };
    if faults.has(Fault::OversizedBody500) && response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let crash = Reject::internal("internal error: the request body stream failed");
        response = replaced(&response, crash.into_response());
    }
    if faults.has(Fault::AllowHeaderMissing) && response.status() == StatusCode::METHOD_NOT_ALLOWED
    {
        response.headers_mut().remove(ALLOW);
    }
    error_body(faults, response).await
}

/// O16: a read's answer.
fn read(faults: Faults, asked: &Asked, mut response: Response) -> Response {
    let if_none_match = Preconditions::from_headers(&asked.headers).if_none_match;
    if faults.has(Fault::NotModifiedOnAnyEtag)
        && if_none_match.is_some()
        && response.status() == StatusCode::OK
    {
        // Only the presence of the header is looked at.
        let mut not_modified = errors::empty(StatusCode::NOT_MODIFIED);
        if let Some(etag) = response.headers().get(ETAG) {
            not_modified.headers_mut().insert(ETAG, etag.clone());
        }
        response = replaced(&response, not_modified);
    }
    if faults.has(Fault::ReadMissingSession404) && response.status() == StatusCode::NO_CONTENT {
        let missing = Reject::not_found("no such session").into_response();
        response = replaced(&response, missing);
    }
    if faults.has(Fault::NotModifiedWithoutEtag) && response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().remove(ETAG);
    }
    response
}

/// O1, O2, O14, H4.c: a write's answer.
fn write(faults: Faults, asked: &Asked, by_name: bool, mut response: Response) -> Response {
    let status = response.status();
    // The stale answer is the one 412 that carries the session (a JSON document).
    let stale = status == StatusCode::PRECONDITION_FAILED
        && response.headers().get(CONTENT_TYPE)
            == Some(&HeaderValue::from_static(APPLICATION_JSON));
    if stale && faults.has(Fault::Stale412WithoutSession) {
        let text = Reject::precondition_failed("the session has changed since that ETag");
        return replaced(&response, text.into_response());
    }
    if stale && faults.has(Fault::Stale412EchoesIfMatch) {
        // The response's ETag is filled from the request's header.
        let sent = Preconditions::from_headers(&asked.headers).if_match;
        if let Some(TagCondition::Tags(tags)) = sent {
            set_header(&mut response, ETAG, &tags.join(", "));
        }
    }
    if let Some(etag) = asked
        .etag_before
        .as_deref()
        .filter(|_| status == StatusCode::OK)
    {
        // The header is filled from the record as it was loaded.
        set_header(&mut response, ETAG, etag);
    }
    // The status is decided before the headers: a create answered 200 keeps its ETag.
    if faults.has(Fault::CreateAnswers200) && status == StatusCode::CREATED {
        *response.status_mut() = StatusCode::OK;
    }
    if faults.has(Fault::EtagMissingOnCreate) && response.status() == StatusCode::CREATED {
        response.headers_mut().remove(ETAG);
    }
    let located = response.headers().contains_key(CONTENT_LOCATION);
    if faults.has(Fault::ContentLocationRequestPath) && located {
        set_header(&mut response, CONTENT_LOCATION, asked.uri.path());
    }
    if faults.has(Fault::ContentLocationMissingViaHandle) && !by_name {
        // The handle route assembles its own answer and never learnt the header.
        response.headers_mut().remove(CONTENT_LOCATION);
    }
    response
}

/// SH3: a handle's document, as its create answers it and its reads show it.
async fn handle(faults: Faults, response: Response) -> Response {
    let document = matches!(response.status(), StatusCode::OK | StatusCode::CREATED)
        && response.headers().get(CONTENT_TYPE)
            == Some(&HeaderValue::from_static(APPLICATION_JSON));
    if !faults.has(Fault::OwnerXuidNumber) || !document {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = body::to_bytes(body, usize::MAX).await.unwrap_or_default();
    let bytes = owner_as_number(&bytes).unwrap_or(bytes);
    // The length is the new body's, counted again when it is sent.
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}

/// The document with its owner kept as a u64 and serialized as one, when the owner fits one.
fn owner_as_number(document: &[u8]) -> Option<Bytes> {
    let Ok(Value::Object(mut doc)) = serde_json::from_slice(document) else {
        return None;
    };
    let owner = doc.get("ownerXuid")?.as_str()?.parse::<u64>().ok()?;
    // In place: the key keeps its position in the document.
    doc.insert("ownerXuid".into(), json!(owner));
    serde_json::to_vec(&doc).ok().map(Bytes::from)
}

/// SH4: the framework's error handler renders validation errors as JSON objects, and a "not
/// found" as the bare status code.
async fn error_body(faults: Faults, response: Response) -> Response {
    match response.status() {
        StatusCode::BAD_REQUEST if faults.has(Fault::BadRequestJsonBody) => {
            let (parts, text) = response.into_parts();
            let text = body::to_bytes(text, usize::MAX).await.unwrap_or_default();
            let message = String::from_utf8_lossy(&text);
            let message = message.strip_suffix('\n').unwrap_or(&message);
            let document = json!({ "error": message }).to_string();
            let original = Response::from_parts(parts, Body::empty());
            replaced(
                &original,
                errors::json(StatusCode::BAD_REQUEST, document.into()),
            )
        }
        StatusCode::NOT_FOUND if faults.has(Fault::NotFoundEmptyBody) => {
            replaced(&response, errors::empty(StatusCode::NOT_FOUND))
        }
        _ => response,
    }
}

/// `replacement`, keeping the `Connection: close` the server added to `original`.
fn replaced(original: &Response, mut replacement: Response) -> Response {
    if let Some(close) = original.headers().get(CONNECTION) {
        replacement.headers_mut().insert(CONNECTION, close.clone());
    }
    replacement
}

/// Sets `name` to `text`, or drops it when `text` is no header value.
fn set_header(response: &mut Response, name: axum::http::HeaderName, text: &str) {
    match header_value(text) {
        Some(value) => response.headers_mut().insert(name, value),
        None => response.headers_mut().remove(name),
    };
}
