//! O12: a load shedder. Past `max_inflight` requests at once, 503 with `Retry-After`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{CONNECTION, RETRY_AFTER};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::errors::Reject;
use super::limit_rules::InflightRules;
use super::request_body;

pub(crate) async fn layer(
    State((slots, rules)): State<(Arc<Semaphore>, InflightRules)>,
    request: Request,
    next: Next,
) -> Response {
    // The permit lives until the inner response is built, body reading included.
    if let Ok(_permit) = slots.try_acquire() {
        return next.run(request).await;
    }
    let closed = !request_body::drain(request.into_body()).await;
    let mut reject = Reject::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the server is handling too many requests; retry later",
    );
    if rules.retry_after {
        reject = reject.with_header(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    let mut response = reject.into_response();
    if closed {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}
