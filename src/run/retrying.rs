//! Sending one request of a case the way every step and teardown does — the one place requests
//! go through: retried while the target throttles it politely, each attempt an exchange of the
//! transcript. (A burst's copies go out at once through `burst`, never retried; a `parallel`
//! step's throttled copy comes back here.)

use crate::check::check_global;
use crate::exchange::{Exchange, RequestData, ResponseData, TransportError};
use crate::http::{Attempt, Interrupts, Retried};

use super::context::RunContext;
use super::events::Event;
use super::limiter::{Sample, Signal};

tokio::task_local! {
    /// The case this task runs and where its events go: a retry is told as it happens, from
    /// the one place requests go through, without handing the runner's channel to every step.
    pub(super) static CASE_EVENTS: (String, tokio::sync::mpsc::Sender<Event>);
}

/// Sends `request`, retrying a well-formed 429/503 as the run's policy allows, until the run is
/// interrupted. A malformed one is the answer, and the global checks fail it.
pub async fn send_retrying(ctx: &RunContext, request: &RequestData, cuts: Interrupts) -> Retried {
    // A 429 or 503 the global checks find well-formed: throttling, not a broken rule.
    let throttled =
        |response: &ResponseData| check_global(&request.method, response).throttled.is_some();
    let retried = ctx
        .client
        .send_with_retries(request, throttled, ctx.interruption(), cuts)
        .await;
    for attempt in &retried.attempts {
        if let Some(signal) = signal_of(&attempt.result) {
            ctx.concurrency.record(Sample {
                rtt: attempt.duration,
                signal,
            });
        }
    }
    let retries = retried.attempts.len().saturating_sub(1);
    if retries > 0 {
        if let Ok((id, tx)) = CASE_EVENTS.try_with(|(id, tx)| (id.clone(), tx.clone())) {
            let request = format!(
                "{} {}",
                request.method,
                crate::exchange::url_path(&request.url)
            );
            let _ = tx
                .send(Event::CaseRetried {
                    id,
                    request,
                    retries,
                })
                .await;
        }
    }
    retried
}

/// What an attempt tells the concurrency limiter; nothing when the harness itself could not
/// send it or the answer was refused on our side (too large, a TLS setting).
fn signal_of(result: &Result<ResponseData, TransportError>) -> Option<Signal> {
    match result {
        Ok(response) if matches!(response.status, 429 | 503) => Some(Signal::Throttled),
        Ok(_) => Some(Signal::Answered),
        Err(
            TransportError::Connect(_)
            | TransportError::ProxyConnect { .. }
            | TransportError::Timeout(_)
            | TransportError::Protocol(_),
        ) => Some(Signal::Failed),
        Err(_) => None,
    }
}

/// The label of a step's attempt after the first.
fn attempt_label(label: &str, attempt: usize) -> String {
    format!("{label} (attempt {attempt})")
}

/// The step an exchange belongs to: its label without ` (attempt N)`.
pub fn step_of(exchange_label: &str) -> &str {
    // Reports and the run ask this of every exchange; nearly none was retried.
    if !exchange_label.ends_with(')') {
        return exchange_label;
    }
    match exchange_label.rsplit_once(" (attempt ") {
        Some((step, n))
            if n.strip_suffix(')')
                .is_some_and(|n| n.parse::<usize>().is_ok()) =>
        {
            step
        }
        _ => exchange_label,
    }
}

/// The exchanges of every attempt, as recorded (bodies redacted and cut): the first under the
/// step's label, the next ones as `<label> (attempt N)`.
pub fn attempt_exchanges(
    ctx: &RunContext,
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
            let step = match i {
                0 => label.to_string(),
                _ => attempt_label(label, i + 1),
            };
            // The request's body is shared, not copied (`Bytes`).
            Exchange::record(
                step,
                request.clone(),
                response,
                error,
                attempt.duration,
                &ctx.redactor,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_belongs_to_its_step() {
        assert_eq!(step_of(&attempt_label("step 2", 3)), "step 2");
        assert_eq!(step_of(&attempt_label("teardown", 2)), "teardown");
        assert_eq!(step_of("step 2"), "step 2");
        assert_eq!(step_of("w[3]"), "w[3]");
        assert_eq!(step_of("x (attempt one)"), "x (attempt one)");
    }
}
