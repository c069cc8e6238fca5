//! Faults of the vendor's router and request parsers, met before the handler runs: a route
//! declared with the wrong case or without its other verbs, a lenient GUID parser that rewrites
//! the id, and crashes or refusals on a write's headers and query.

use axum::http::header::{CONTENT_TYPE, IF_MATCH};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::super::errors::Reject;
use super::super::faults::{Fault, Faults};
use super::super::handle_id;
use super::super::route::{self, Route};

/// The faults of this module.
pub(super) const FAULTS: &[Fault] = &[
    Fault::SessionTemplatesExactCase,
    Fault::WrongVerb404,
    Fault::HandleIdLenientParse,
    Fault::CharsetRefused,
    Fault::LongIfMatch500,
    Fault::NocommitTwice500,
];

/// The answer the router or a parser gives instead of the handler, if one does.
pub(super) fn refusal(faults: Faults, parts: &Parts) -> Option<Response> {
    let path = parts.uri.path();
    let route = Route::parse(path)?;
    let no_route = || Some(Reject::not_found(format!("no resource at {path}")).into_response());
    let by_name = matches!(route, Route::SessionByName { .. });
    if faults.has(Fault::SessionTemplatesExactCase)
        && by_name
        && !path.contains("/sessionTemplates/")
    {
        // The route was declared with the literal segment `sessionTemplates`.
        return no_route();
    }
    let via_handle = matches!(route, Route::HandleSession(_));
    if faults.has(Fault::WrongVerb404) && via_handle && !route.allowed().contains(&parts.method) {
        // Only GET and PUT were routed for the session; other verbs fall through to "no route".
        return no_route();
    }
    if parts.method == Method::PUT && (by_name || via_handle) {
        return write_refusal(faults, parts);
    }
    None
}

/// What a write's header and query parsers refuse or crash on.
fn write_refusal(faults: Faults, parts: &Parts) -> Option<Response> {
    let headers = &parts.headers;
    if faults.has(Fault::CharsetRefused) {
        // The media type is compared as a whole string.
        let content_type = headers.get(CONTENT_TYPE).map(|v| v.as_bytes());
        if content_type.is_some_and(|ct| ct != b"application/json") {
            let reject = Reject::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
            );
            return Some(reject.into_response());
        }
    }
    if faults.has(Fault::LongIfMatch500) && headers.get(IF_MATCH).is_some_and(|v| v.len() > 8192) {
        // The tags are copied into a fixed 8 KiB buffer.
        return Some(Reject::internal("internal error: buffer overflow").into_response());
    }
    if faults.has(Fault::NocommitTwice500) && route::query_keys(parts.uri.query(), "nocommit") > 1 {
        // The query is deserialized into a struct, and a repeated key is an error nobody maps.
        let reject = Reject::internal("internal error: duplicate field `nocommit`");
        return Some(reject.into_response());
    }
    None
}

/// The request as the handler gets it: a lenient GUID parser has put a handle id that is no
/// hyphenated GUID (braces, `urn:uuid:`, 32 bare digits) into its canonical form.
pub(super) fn rewrite(faults: Faults, parts: &mut Parts) {
    if !faults.has(Fault::HandleIdLenientParse) {
        return;
    }
    let path = parts.uri.path();
    let (Some(Route::Handle(raw)) | Some(Route::HandleSession(raw))) = Route::parse(path) else {
        return;
    };
    let Some(sent) = route::percent_decode(raw) else {
        return;
    };
    if handle_id::parse(&sent).is_some() {
        return;
    }
    let Ok(id) = Uuid::parse_str(&sent) else {
        return;
    };
    // A GUID cannot occur in the fixed segments before the id, so the first match is the id.
    let path = path.replacen(raw, &id.to_string(), 1);
    let target = match parts.uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path,
    };
    if let Ok(uri) = target.parse::<Uri>() {
        parts.uri = uri;
    }
}
