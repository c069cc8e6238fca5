//! Sending one request: the one place every request of a case goes through (steps and
//! teardown; a burst's copies go out at once through `burst`), so retries and rate limits have
//! one place to live.

use std::future::Future;
use std::time::Duration;

use crate::exchange::{RequestData, ResponseData, TransportError};

use super::context::RunContext;

/// What one request got, and how long it took.
pub type Sent = (Result<ResponseData, TransportError>, Duration);

/// Sends `request`, unless the run is interrupted first (`None`).
pub async fn send(ctx: &RunContext, request: &RequestData) -> Option<Sent> {
    send_until(ctx, request, ctx.interrupt.interrupted()).await
}

/// Sends `request`, unless `stop` resolves first (`None`).
pub async fn send_until(
    ctx: &RunContext,
    request: &RequestData,
    stop: impl Future<Output = ()>,
) -> Option<Sent> {
    tokio::select! {
        biased;
        _ = stop => None,
        sent = ctx.client.send(request) => Some(sent),
    }
}
