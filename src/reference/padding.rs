//! `serve --pad-answers BYTES`: every JSON answer gets BYTES of trailing whitespace. The
//! documents mean the same (JSON allows whitespace after the value), so a conforming client
//! passes as before, but reads big answers: how the harness's memory behaves against a target
//! that sends megabytes is measured this way (`cargo bench --bench big_answers`).

use axum::body::{self, Body};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::Response;

pub(crate) async fn layer(State(pad): State<usize>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("json"));
    if !is_json {
        return response;
    }
    let (mut parts, inner) = response.into_parts();
    // The server's own documents are small; nothing near this limit is ever built.
    let Ok(document) = body::to_bytes(inner, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let mut padded = Vec::with_capacity(document.len() + pad);
    padded.extend_from_slice(&document);
    padded.resize(document.len() + pad, b' ');
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(padded))
}
