//! The one handler: routes a request, then judges it in the order of CONTRACT.md §5.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{ALLOW, CONNECTION, CONTENT_LOCATION, ETAG};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::dispatch_rules::DispatchRules;
use super::errors::{self, header_value, Reject};
use super::faults::Faults;
use super::handle_id;
use super::handles::{self, Handle};
use super::headers::{self, Preconditions};
use super::request_body::{self, RequestBody};
use super::route::{self, Route};
use super::store::{SessionKey, Store};
use super::world;
use super::write::{self, WriteInput, WriteOutcome};
use super::write_request;

/// What every request shares: the store, and the faults planted at start.
pub(crate) struct App {
    pub store: Store,
    pub faults: Faults,
}

pub(crate) type AppState = Arc<App>;

pub(crate) async fn dispatch(State(app): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Read (or drain) the body first, whatever the answer: replying while the client is still
    // sending would get the connection reset under the reply.
    let body = request_body::read(body).await;
    let close = matches!(body, RequestBody::TooLarge { drained: false });
    let rules = &DispatchRules::of(app.faults);
    let request = (&parts.method, &parts.uri, &parts.headers);
    let mut response = match judge(&app.store, rules, request, body).await {
        Ok(response) => response,
        Err(reject) => reject.into_response(),
    };
    if close {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

async fn judge(
    store: &Store,
    rules: &DispatchRules,
    (method, uri, headers): (&Method, &axum::http::Uri, &HeaderMap),
    body: RequestBody,
) -> Result<Response, Reject> {
    let Some(route) = Route::parse(uri.path()) else {
        return Err(Reject::not_found(format!("no resource at {}", uri.path())));
    };
    let allow = route.allow_header();
    if !route.allowed().contains(method) {
        let reject = Reject::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("{method} is not allowed here; allowed: {allow}"),
        );
        return Err(match header_value(&allow) {
            Some(value) => reject.with_header(ALLOW, value),
            None => reject,
        });
    }
    if method == Method::OPTIONS {
        let mut response = errors::empty(StatusCode::NO_CONTENT);
        if let Some(value) = header_value(&allow) {
            response.headers_mut().insert(ALLOW, value);
        }
        return Ok(response);
    }

    let reading = method == Method::GET;
    let caller = match headers::caller(headers, rules.headers.auth) {
        Err(_) if reading && !rules.reads.check_auth => String::new(),
        other => other?,
    };
    if !reading || rules.reads.check_version {
        headers::contract_version(headers, rules.headers.version)?;
    }

    match route {
        Route::Handles => {
            let body = complete(body)?;
            let handle = handles::create(&body, &caller, rules.bodies.handle)?;
            let handle = store.insert_handle(handle);
            Ok(errors::json(StatusCode::CREATED, handle.document()))
        }
        Route::Handle(raw) => {
            let handle = find_handle(store, raw, rules, false)?;
            if method == Method::DELETE {
                if !rules.handles.delete_removes {
                    // The delete is acknowledged and queued; nothing ever processes the queue.
                    return Ok(errors::empty(StatusCode::NO_CONTENT));
                }
                if store.remove_handle(&handle.id) {
                    Ok(errors::empty(StatusCode::NO_CONTENT))
                } else {
                    Err(Reject::not_found(format!(
                        "no handle with id {}",
                        handle.id
                    )))
                }
            } else {
                Ok(errors::json(StatusCode::OK, handle.document()))
            }
        }
        Route::HandleSession(raw) => {
            // This route was written first, and looks the id up as sent.
            let as_sent = rules.handles.session_id_as_sent;
            let handle = find_handle(store, raw, rules, as_sent)?;
            if method == Method::PUT {
                let write = SessionWrite {
                    key: &handle.session,
                    template: handle.template,
                    caller: &caller,
                };
                put_session(store, rules, write, uri, headers, body).await
            } else {
                get_session(store, &handle.session, headers)
            }
        }
        Route::SessionByName {
            scid,
            template,
            name,
        } => {
            let (key, template) = session_by_name(scid, template, name)?;
            if method == Method::PUT {
                let write = SessionWrite {
                    key: &key,
                    template,
                    caller: &caller,
                };
                put_session(store, rules, write, uri, headers, body).await
            } else {
                get_session(store, &key, headers)
            }
        }
    }
}

/// G1–G4: 400 for an id that is not a GUID, 404 for a GUID that names no handle. Handles are
/// stored under the lowercase id; `as_sent` looks the id up as the client wrote it.
fn find_handle(
    store: &Store,
    raw: &str,
    rules: &DispatchRules,
    as_sent: bool,
) -> Result<Arc<Handle>, Reject> {
    let decoded = route::percent_decode(raw);
    let Some(id) = decoded.as_deref().and_then(handle_id::parse) else {
        let shown: String = raw.chars().take(80).collect();
        if rules.handles.invalid_id_500 {
            return Err(Reject::internal(format!(
                "internal error: Guid.Parse failed for `{shown}`"
            )));
        }
        return Err(Reject::bad_request(format!(
            "handle id `{shown}` is not a hyphenated GUID (8-4-4-4-12 hex digits)"
        )));
    };
    let key = match decoded {
        Some(sent) if as_sent => sent,
        _ => id,
    };
    store
        .handle(&key)
        .ok_or_else(|| Reject::not_found(format!("no handle with id {key}")))
}

fn session_by_name(
    scid: &str,
    template: &str,
    name: &str,
) -> Result<(SessionKey, &'static world::Template), Reject> {
    let decode = |segment: &str, what: &str| {
        route::percent_decode(segment)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Reject::bad_request(format!("the {what} in the path is not valid")))
    };
    let (scid, template_name, name) = (
        decode(scid, "service config id")?,
        decode(template, "template name")?,
        decode(name, "session name")?,
    );
    let template = world::template(&scid, &template_name).ok_or_else(|| {
        Reject::not_found(format!(
            "no session template `{template_name}` in service config `{scid}`"
        ))
    })?;
    Ok((SessionKey::new(&scid, template.name, &name), template))
}

fn complete(body: RequestBody) -> Result<axum::body::Bytes, Reject> {
    match body {
        RequestBody::Complete(bytes) => Ok(bytes),
        RequestBody::TooLarge { .. } => Err(Reject::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the request body is over the limit of {} bytes",
                request_body::MAX_BODY
            ),
        )),
        RequestBody::Unreadable => Err(Reject::bad_request(
            "the request body could not be read to its end",
        )),
    }
}

/// R2 and R5 GET (O16).
fn get_session(store: &Store, key: &SessionKey, headers: &HeaderMap) -> Result<Response, Reject> {
    let if_none_match = Preconditions::from_headers(headers).if_none_match;
    let current = store.read_session(key, |s| s.map(|s| (s.document.clone(), s.etag.clone())));
    let Some((document, etag)) = current else {
        return Ok(errors::empty(StatusCode::NO_CONTENT));
    };
    let mut response = match if_none_match {
        Some(condition) if condition.matches(Some(&etag)) => {
            errors::empty(StatusCode::NOT_MODIFIED)
        }
        _ => {
            let mut response = errors::json(StatusCode::OK, document);
            if let Some(value) = header_value(&key.location()) {
                response.headers_mut().insert(CONTENT_LOCATION, value);
            }
            response
        }
    };
    if let Some(value) = header_value(&etag) {
        response.headers_mut().insert(ETAG, value);
    }
    Ok(response)
}

/// Which session a PUT writes, under which template, as whom.
struct SessionWrite<'a> {
    key: &'a SessionKey,
    template: &'static world::Template,
    caller: &'a str,
}

/// R1 and R5 PUT.
async fn put_session(
    store: &Store,
    rules: &DispatchRules,
    write: SessionWrite<'_>,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
    body: RequestBody,
) -> Result<Response, Reject> {
    let SessionWrite {
        key,
        template,
        caller,
    } = write;
    let body = complete(body)?;
    let request = write_request::parse(&body, rules.bodies.write)?;
    let preconditions = Preconditions::from_headers(headers);
    let input = WriteInput {
        request: &request,
        caller,
        template,
        preconditions: &preconditions,
        nocommit: route::is_nocommit(uri.query()),
        faults: rules.faults,
    };
    let outcome = if super::faulty::racy::planted(rules.faults) {
        super::faulty::racy::write(store, key, input).await?
    } else {
        store.with_session(key, |slot| write::execute(slot, input))?
    };
    let (status, document, etag, location) = match outcome {
        WriteOutcome::NoContent => return Ok(errors::empty(StatusCode::NO_CONTENT)),
        WriteOutcome::Stale { document, etag } => {
            (StatusCode::PRECONDITION_FAILED, document, etag, false)
        }
        WriteOutcome::Session {
            created,
            document,
            etag,
        } => {
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, document, etag, true)
        }
    };
    let mut response = errors::json(status, document);
    if let Some(value) = header_value(&etag) {
        response.headers_mut().insert(ETAG, value);
    }
    if location {
        if let Some(value) = header_value(&key.location()) {
            response.headers_mut().insert(CONTENT_LOCATION, value);
        }
    }
    Ok(response)
}
