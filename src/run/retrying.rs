//! Sending one request of a case the way every step and teardown does: retried while the target
//! throttles it politely, each attempt an exchange of the transcript.

use crate::check::check_global;
use crate::http::{Attempt, Exchange, Interrupts, RequestData, ResponseData, Retried};

use super::context::RunContext;

/// Sends `request`, retrying a well-formed 429/503 as the run's policy allows. A malformed one
/// is the answer, and the global checks fail it.
pub async fn send_retrying(ctx: &RunContext, request: &RequestData, cuts: Interrupts) -> Retried {
    // A 429 or 503 the global checks find well-formed: throttling, not a broken rule.
    let throttled =
        |response: &ResponseData| check_global(&request.method, response).throttled.is_some();
    ctx.client
        .send_with_retries(request, throttled, ctx.interruption(), cuts)
        .await
}

/// The exchanges of every attempt: the first under the step's label, the next ones as
/// `<label> (attempt N)`.
pub fn attempt_exchanges(
    label: &str,
    request: &RequestData,
    attempts: Vec<Attempt>,
) -> Vec<Exchange> {
    attempts
        .into_iter()
        .enumerate()
        .map(|(i, attempt)| {
            let (response, error) = match attempt.result {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e)),
            };
            Exchange {
                step: match i {
                    0 => label.to_string(),
                    _ => format!("{label} (attempt {})", i + 1),
                },
                request: request.clone(),
                response,
                error,
                duration: attempt.duration,
            }
        })
        .collect()
}
