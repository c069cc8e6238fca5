//! O11: a per-caller rolling-window limiter, answering 429 with the documented JSON body.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use super::errors;
use super::headers;
use super::limit_rules::RateRules;
use super::request_body;

const PERIOD: Duration = Duration::from_secs(1);
/// Past this many callers, windows that have emptied are swept so the map cannot grow unbounded.
const SWEEP_AT: usize = 4096;

pub(crate) struct RateLimiter {
    rules: RateRules,
    windows: Mutex<HashMap<String, VecDeque<Instant>>>,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    Allow,
    /// Refused; `current` counts the refused request too, as the service's body does.
    Deny {
        current: usize,
    },
}

impl RateLimiter {
    pub fn new(rules: RateRules) -> Self {
        Self {
            rules,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Only accepted requests enter the window, so a caller who keeps hammering is let through
    /// again once its accepted ones age out.
    pub fn check(&self, caller: &str, now: Instant) -> Verdict {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| w.back().is_some_and(|t| now.duration_since(*t) < PERIOD));
        }
        let window = windows.entry(caller.to_owned()).or_default();
        while window
            .front()
            .is_some_and(|t| now.duration_since(*t) >= PERIOD)
        {
            window.pop_front();
        }
        if window.len() >= self.rules.max as usize {
            return Verdict::Deny {
                current: window.len() + 1,
            };
        }
        window.push_back(now);
        Verdict::Allow
    }
}

pub(crate) async fn layer(
    State(limiter): State<Arc<RateLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    // The caller is the identity when there is one, else the peer address.
    let caller = headers::caller_key(request.headers(), limiter.rules.auth).unwrap_or_else(|| {
        request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string())
            .unwrap_or_else(|| "unknown".to_owned())
    });
    let Verdict::Deny { current } = limiter.check(&caller, Instant::now()) else {
        return next.run(request).await;
    };
    let closed = !request_body::drain(request.into_body()).await;
    let body = json!({
        "version": 1,
        "currentRequests": current,
        "maxRequests": limiter.rules.max,
        "periodInSeconds": PERIOD.as_secs(),
        "limitType": "Rolling",
    });
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = errors::json(StatusCode::TOO_MANY_REQUESTS, bytes.into());
    let headers = response.headers_mut();
    if limiter.rules.retry_after {
        headers.insert(RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if closed {
        headers.insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::faults::Faults;

    fn limiter(max: u32) -> RateLimiter {
        RateLimiter::new(RateRules::of(max, Faults::none()))
    }

    #[test]
    fn window_rolls() {
        let limiter = limiter(2);
        let t0 = Instant::now();
        assert_eq!(limiter.check("a", t0), Verdict::Allow);
        assert_eq!(limiter.check("a", t0), Verdict::Allow);
        assert_eq!(limiter.check("a", t0), Verdict::Deny { current: 3 });
        assert_eq!(limiter.check("b", t0), Verdict::Allow);
        assert_eq!(limiter.check("a", t0 + PERIOD), Verdict::Allow);
    }

    #[test]
    fn zero_refuses_everything() {
        let limiter = limiter(0);
        assert_eq!(
            limiter.check("a", Instant::now()),
            Verdict::Deny { current: 1 }
        );
    }
}
