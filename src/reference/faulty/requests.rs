//! Faults on the way in: a refusal at the edge, or a request rewritten before the handler sees
//! it.

use axum::http::header::{AUTHORIZATION, CONTENT_TYPE, EXPECT, TRANSFER_ENCODING};
use axum::http::{Method, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::super::errors::{self, Reject};
use super::super::faults::Fault;
use super::super::route::Route;
use super::strings;
use super::{Faulty, Incoming};

const CONTRACT_VERSION: &str = "x-xbl-contract-version";
const BYTE_ORDER_MARK: &[u8] = &[0xef, 0xbb, 0xbf];

/// What a string column does to every string it stores.
type StringFault = fn(&str) -> String;

/// A refusal, or `None` with the request (perhaps) rewritten. `existed`: whether the session a
/// write addresses was there before it.
pub(super) fn before(
    faulty: &Faulty,
    incoming: &mut Incoming,
    existed: Option<bool>,
) -> Option<Response> {
    let headers = &incoming.parts.headers;
    if faulty.has(Fault::Http10Refused) && incoming.parts.version == Version::HTTP_10 {
        // The framework was configured for HTTP/1.1 only.
        return Some(refusal(
            StatusCode::HTTP_VERSION_NOT_SUPPORTED,
            "HTTP/1.1 required",
        ));
    }
    if faulty.has(Fault::ExpectContinueRefused) && headers.contains_key(EXPECT) {
        return Some(refusal(
            StatusCode::EXPECTATION_FAILED,
            "expectations are not supported",
        ));
    }
    if faulty.has(Fault::TwoAuthorizations500) && headers.get_all(AUTHORIZATION).iter().count() > 1
    {
        return Some(crash("duplicate key `authorization` in a header map"));
    }
    if faulty.has(Fault::NonDecimalUserhash500) {
        let userhash = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once("x="))
            .and_then(|(_, rest)| rest.split(';').next());
        if userhash.is_some_and(|u| !u.is_empty() && !u.bytes().all(|b| b.is_ascii_digit())) {
            return Some(crash("invalid digit found in string (parsing the xuid)"));
        }
    }
    if faulty.has(Fault::NewerContract500) {
        let version = headers
            .get(CONTRACT_VERSION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if version.is_some_and(|v| v > 107) {
            return Some(crash(
                "index out of bounds: the table of supported versions",
            ));
        }
    }
    if faulty.has(Fault::LastContractHeaderWins) {
        let last = headers
            .get_all(CONTRACT_VERSION)
            .iter()
            .next_back()
            .cloned();
        if let Some(last) = last {
            incoming.parts.headers.insert(CONTRACT_VERSION, last);
        }
    }
    if faulty.has(Fault::MediaTypeCaseSensitive) && !incoming.body.is_empty() {
        let media = incoming
            .parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_string());
        if media
            .is_some_and(|m| m != "application/json" && m.eq_ignore_ascii_case("application/json"))
        {
            return Some(refusal(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type must be application/json",
            ));
        }
    }
    if faulty.has(Fault::ChunkedBodyDropped)
        && incoming.parts.headers.contains_key(TRANSFER_ENCODING)
    {
        // Read by Content-Length, which a chunked request has none of.
        incoming.body = Default::default();
    }
    if incoming.parts.method == Method::PUT && !incoming.body.is_empty() {
        return body(faulty, incoming, existed);
    }
    None
}

/// Faults of a write's body: a crash, or the body rewritten.
fn body(faulty: &Faulty, incoming: &mut Incoming, existed: Option<bool>) -> Option<Response> {
    let raw = &incoming.body;
    if faulty.has(Fault::ByteOrderMark500) && raw.starts_with(BYTE_ORDER_MARK) {
        return Some(crash("stream did not contain valid UTF-8"));
    }
    if faulty.has(Fault::TopLevelNull500) && raw.trim_ascii() == b"null" {
        return Some(crash("called `Option::unwrap()` on a `None` value"));
    }
    if faulty.has(Fault::DeepNesting500) && strings::depth(raw) > 100 {
        return Some(crash("recursion limit reached while copying custom values"));
    }
    let mut text = String::from_utf8_lossy(raw).into_owned();
    if faulty.has(Fault::LenientJsonLiterals) {
        text = strings::lenient(&text);
    }
    if faulty.has(Fault::EscapedPairsSplit) {
        text = strings::split_escaped_pairs(&text);
    }
    let Ok(mut value) = serde_json::from_str::<Value>(&text) else {
        if text.as_bytes() != raw.as_ref() {
            incoming.body = text.into_bytes().into();
        }
        return None;
    };
    let doc = value.as_object_mut()?;
    let system = doc
        .get("members")
        .and_then(|m| m.get("me"))
        .and_then(|me| me.get("properties"))
        .and_then(|p| p.get("system"));
    if faulty.has(Fault::MemberSystemWrongType500) && system.is_some_and(|s| !s.is_object()) {
        return Some(crash(
            "invalid type: expected a map (merging properties.system)",
        ));
    }
    let creates = existed == Some(false);
    let route = Route::parse(incoming.parts.uri.path());
    if faulty.has(Fault::UnknownFieldAcceptedOnCreate) && creates {
        doc.retain(|k, _| {
            matches!(
                k.as_str(),
                "constants" | "properties" | "members" | "servers"
            )
        });
    }
    if faulty.has(Fault::ConstantsDroppedViaHandle)
        && creates
        && matches!(route, Some(Route::HandleSession(_)))
    {
        doc.remove("constants");
    }
    if let Some(Value::Object(members)) = doc.get_mut("members") {
        if faulty.has(Fault::IndexWriteIgnoredByName)
            && matches!(route, Some(Route::SessionByName { .. }))
        {
            members.retain(|k, _| !k.bytes().all(|b| b.is_ascii_digit()));
        }
        if faulty.has(Fault::ReservationShorthand) {
            for (key, entry) in members.iter_mut() {
                if let (true, Value::String(xuid)) = (key.starts_with("reserve_"), &*entry) {
                    *entry = json!({ "constants": { "system": { "xuid": xuid } } });
                }
            }
        }
        if faulty.has(Fault::ReadyActiveUncheckedOnCreate) && creates {
            let system = members
                .get_mut("me")
                .and_then(|me| me.get_mut("properties"))
                .and_then(|p| p.get_mut("system"))
                .and_then(Value::as_object_mut);
            if let Some(system) = system {
                if system.get("active") == Some(&Value::Bool(true)) {
                    // The create path stores what it is given, unjudged: ready goes in unseen.
                    system.remove("ready");
                }
            }
        }
    }
    let mapped: [(Fault, StringFault); 3] = [
        (Fault::StringsLatin1, strings::latin1),
        (Fault::NulTruncatesStrings, strings::c_string),
        (Fault::BidiControlsStripped, strings::without_bidi),
    ];
    for (fault, f) in mapped {
        if faulty.has(fault) {
            strings::map_strings(&mut value, &f);
        }
    }
    if let Ok(bytes) = serde_json::to_vec(&value) {
        incoming.body = bytes.into();
    }
    None
}

fn refusal(status: StatusCode, message: &str) -> Response {
    Reject::new(status, message).into_response()
}

fn crash(message: &str) -> Response {
    errors::text(
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error: {message}"),
    )
}
