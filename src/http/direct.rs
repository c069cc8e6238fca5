//! Plain-HTTP requests that no proxy carries (the embedded reference, a vendor's local server)
//! go through hyper's pooled client itself, not through reqwest: reqwest parses every URL twice
//! more (its redirect layer and its request), merges default headers into a copied map and runs
//! tower layers (redirect, retry, timeout) that this harness turns off anyway. Those cost more CPU
//! per request than the rest of the exchange on loopback. HTTPS and proxied targets keep reqwest,
//! with its TLS and proxy machinery.
//!
//! What goes on the wire is what reqwest sent: the same hyper client underneath, the same
//! defaults (`User-Agent`, `Accept: */*` when the case sets none, appended after the case's
//! headers), TCP_NODELAY, a 30 s idle pool, no redirects followed.

use std::time::Duration;

use bytes::Bytes;
use http::header::{Entry, HeaderMap, HeaderValue, ACCEPT, USER_AGENT};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use crate::exchange::TransportError;

use super::client::chain;

/// The pooled client of the direct path.
pub type Direct = Client<HttpConnector, Full<Bytes>>;

/// Built once per run; connections are opened when first used.
pub fn client(timeout: Duration) -> Direct {
    let mut connector = HttpConnector::new();
    // As reqwest sets it up: small requests go out at once, dead peers are noticed.
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(timeout));
    connector.set_keepalive(Some(Duration::from_secs(15)));
    Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector)
}

/// The request hyper sends: the case's headers, then the defaults it did not set.
pub fn request(
    method: http::Method,
    uri: http::Uri,
    mut headers: HeaderMap,
    body: Bytes,
) -> Result<http::Request<Full<Bytes>>, TransportError> {
    if let Entry::Vacant(e) = headers.entry(USER_AGENT) {
        e.insert(HeaderValue::from_static(super::client::USER_AGENT));
    }
    if let Entry::Vacant(e) = headers.entry(ACCEPT) {
        e.insert(HeaderValue::from_static("*/*"));
    }
    let mut request = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(Full::new(body))
        .map_err(|e| TransportError::Request(e.to_string()))?;
    *request.headers_mut() = headers;
    Ok(request)
}

/// The next piece of a body, `None` at its end (trailers are skipped).
pub async fn chunk(
    body: &mut Incoming,
    timeout: Duration,
) -> Result<Option<Bytes>, TransportError> {
    loop {
        match body.frame().await {
            None => return Ok(None),
            Some(Err(e)) => return Err(classify(&e, timeout)),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    return Ok(Some(data));
                }
            }
        }
    }
}

/// A failure of the direct path, sorted as reqwest's were: a timeout (a connect that never
/// completed is the run's `--timeout` too), a connection that could not be made, or an answer
/// that broke.
pub fn classify(err: &(dyn std::error::Error + 'static), timeout: Duration) -> TransportError {
    if timed_out(err) {
        return TransportError::Timeout(timeout);
    }
    let connect = err
        .downcast_ref::<hyper_util::client::legacy::Error>()
        .is_some_and(hyper_util::client::legacy::Error::is_connect);
    if connect {
        TransportError::Connect(chain(err))
    } else {
        TransportError::Protocol(chain(err))
    }
}

/// Whether an I/O timeout is among the causes.
fn timed_out(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(e) = current {
        if e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::TimedOut)
        {
            return true;
        }
        current = e.source();
    }
    false
}
