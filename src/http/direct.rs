//! Plain-HTTP requests that no proxy carries (the embedded reference, a vendor's local server)
//! go through hyper's HTTP/1 connections directly (`pool`), not through reqwest: reqwest parses
//! every URL twice more (its redirect layer and its request), merges default headers into a
//! copied map and runs tower layers (redirect, retry, timeout) that this harness turns off
//! anyway. Those cost more CPU per request than the rest of the exchange on loopback. HTTPS and
//! proxied targets keep reqwest, with its TLS and proxy machinery.
//!
//! What goes on the wire is what reqwest sent: the same hyper connection underneath, the same
//! defaults (`Accept: */*`, `User-Agent` when the case sets none, appended after the case's
//! headers, then `Host`), TCP_NODELAY, a 30 s idle pool, no redirects followed. (A CONNECT
//! request, which no case sends, goes in origin form where hyper-util wrote the authority.)

use std::time::Duration;

use bytes::Bytes;
use http::header::{Entry, HeaderMap, HeaderValue, ACCEPT, HOST, USER_AGENT};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use crate::exchange::TransportError;

use super::client::chain;
use super::pool::Failure;
use super::urls::Destination;

/// The request hyper sends: the case's headers, then the defaults it did not set, then `Host`
/// unless the case set one (hyper adds `Content-Length`), with the origin-form target.
pub fn request(
    method: http::Method,
    destination: Destination,
    mut headers: HeaderMap,
    body: Bytes,
) -> Result<http::Request<Full<Bytes>>, TransportError> {
    // In reqwest's order: its default map holds Accept first, then the User-Agent set on it;
    // hyper-util's pooled client added `Host` last.
    if let Entry::Vacant(e) = headers.entry(ACCEPT) {
        e.insert(HeaderValue::from_static("*/*"));
    }
    if let Entry::Vacant(e) = headers.entry(USER_AGENT) {
        e.insert(HeaderValue::from_static(super::client::USER_AGENT));
    }
    if let Entry::Vacant(e) = headers.entry(HOST) {
        e.insert(destination.origin.host.clone());
    }
    let mut request = http::Request::builder()
        .method(method)
        .uri(destination.target)
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
            Some(Err(e)) => return Err(classify_error(&e, timeout)),
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
pub fn classify(failure: &Failure, timeout: Duration) -> TransportError {
    match failure {
        Failure::Connect(e) if timed_out(&**e) => TransportError::Timeout(timeout),
        Failure::Connect(e) => TransportError::Connect(chain(&**e)),
        Failure::Exchange(e) => classify_error(e, timeout),
    }
}

/// A failure while reading an answer: a timeout or a broken answer.
fn classify_error(err: &(dyn std::error::Error + 'static), timeout: Duration) -> TransportError {
    if timed_out(err) {
        TransportError::Timeout(timeout)
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use bytes::Bytes;
    use futures_util::future::join_all;
    use http_body_util::Full;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::super::client::{ClientOptions, HttpClient};
    use super::super::pool::Failure;
    use super::super::proxy::ProxyChoice;
    use crate::exchange::{RequestData, TransportError};

    /// Serves `n` connections one request each: records the request's head and body bytes,
    /// answers 200 with a small body.
    async fn recorder(n: usize) -> (String, tokio::task::JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..n {
                let (mut socket, _) = listener.accept().await.expect("accept");
                let mut bytes = Vec::new();
                let mut buf = [0u8; 4096];
                // The head, then as much body as Content-Length says.
                loop {
                    let read = socket.read(&mut buf).await.expect("read");
                    bytes.extend_from_slice(buf.get(..read).expect("read within buf"));
                    let text = String::from_utf8_lossy(&bytes).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length: "))
                            .map_or(0, |l| l.trim().parse::<usize>().expect("length"));
                        if bytes.len() >= end + 4 + length || read == 0 {
                            break;
                        }
                    }
                }
                seen.push(String::from_utf8_lossy(&bytes).to_string());
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                    .await
                    .expect("write");
            }
            seen
        });
        (url, task)
    }

    /// A keep-alive server answering `{}` to every request once `together` of them are in hand
    /// (a barrier, as tests' servers hold a burst), each after `delay`; it counts the
    /// connections it accepted.
    async fn holding(together: usize, delay: Duration) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let accepted = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(tokio::sync::Barrier::new(together));
        let count = Arc::clone(&accepted);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |_request| {
                        let barrier = Arc::clone(&barrier);
                        async move {
                            barrier.wait().await;
                            tokio::time::sleep(delay).await;
                            let body = Full::new(Bytes::from_static(b"{}"));
                            Ok::<_, std::convert::Infallible>(hyper::Response::new(body))
                        }
                    });
                    let io = hyper_util::rt::TokioIo::new(socket);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(io, service)
                        .await;
                });
            }
        });
        (url, accepted)
    }

    fn bounded(max_connections: usize) -> HttpClient {
        HttpClient::new(ClientOptions {
            proxy: ProxyChoice::Direct,
            timeout: Duration::from_secs(5),
            max_connections: Some(max_connections),
            ..ClientOptions::default()
        })
        .expect("client")
    }

    /// More requests at once than the bound: they share its connections, every one answered.
    #[tokio::test]
    async fn the_bound_caps_the_connections_not_the_requests() {
        let (url, accepted) = holding(1, Duration::from_millis(20)).await;
        let client = bounded(2);
        let requests: Vec<RequestData> = (0..12).map(|_| request(&url, "GET", b"")).collect();
        let answers = join_all(requests.iter().map(|r| client.send(r))).await;
        for (answer, _) in answers {
            assert_eq!(answer.expect("an answer").status, 200);
        }
        let opened = accepted.load(Ordering::SeqCst);
        assert!((1..=2).contains(&opened), "{opened} connections opened");
    }

    /// As many requests as the bound, held by the server until all have come, all go at once:
    /// the bound never serialises what fits within it.
    #[tokio::test]
    async fn requests_held_together_within_the_bound_all_go() {
        let (url, accepted) = holding(4, Duration::ZERO).await;
        let client = bounded(4);
        let requests: Vec<RequestData> = (0..4).map(|_| request(&url, "GET", b"")).collect();
        let answers = tokio::time::timeout(
            Duration::from_secs(3),
            join_all(requests.iter().map(|r| client.send(r))),
        )
        .await
        .expect("the four requests were held apart");
        for (answer, _) in answers {
            assert_eq!(answer.expect("an answer").status, 200);
        }
        assert_eq!(accepted.load(Ordering::SeqCst), 4);
    }

    fn request(url: &str, method: &str, body: &'static [u8]) -> RequestData {
        RequestData {
            method: method.into(),
            url: format!("{url}/handles/abc/session?x=1"),
            headers: vec![
                ("x-xbl-contract-version".into(), "107".into()),
                ("authorization".into(), "XBL3.0 x=1;t".into()),
            ],
            body: bytes::Bytes::from_static(body),
            ..RequestData::default()
        }
    }

    /// A small answer's body is bytes of its own, not a slice that keeps the connection's read
    /// buffer (8 KiB or more) alive for as long as a case holds the answer.
    #[tokio::test]
    async fn a_small_body_does_not_hold_the_connections_buffer() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (looked, look) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut head = Vec::new();
            let mut buf = [0u8; 4096];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                let read = socket.read(&mut buf).await.expect("read");
                assert!(read > 0, "the request ended early");
                head.extend_from_slice(buf.get(..read).expect("read within buf"));
            }
            socket
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}")
                .await
                .expect("write");
            // Open, as a pooled connection stays (a closed one lets its buffer go anyway).
            let _ = look.await;
        });
        let client = HttpClient::new(ClientOptions {
            proxy: ProxyChoice::Direct,
            ..ClientOptions::default()
        })
        .expect("client");
        let (answer, _) = client.send(&request(&url, "GET", b"")).await;
        let answer = answer.expect("an answer");
        assert_eq!(&answer.body[..], b"{}");
        // What the body keeps alive: a slice of hyper's buffer reaches to that buffer's end.
        let kept = answer.body.clone();
        drop(answer);
        let capacity = kept.try_into_mut().map(|b| b.capacity()).ok();
        assert!(
            capacity.is_some_and(|c| c < 1024),
            "the body keeps {capacity:?} bytes"
        );
        let _ = looked.send(());
        server.await.expect("server");
    }

    /// The direct path writes what reqwest, set up as `HttpClient::new` sets it up, wrote: the
    /// same head, byte for byte, for a write with a body, an empty PUT and a GET.
    #[tokio::test]
    async fn the_direct_path_writes_what_reqwest_wrote() {
        let cases: [(&str, &'static [u8]); 3] = [("PUT", b"{\"a\":1}"), ("PUT", b""), ("GET", b"")];
        let (url, server) = recorder(cases.len() * 2).await;
        let client = HttpClient::new(ClientOptions {
            proxy: ProxyChoice::Direct,
            ..ClientOptions::default()
        })
        .expect("client");
        let reqwest = reqwest::Client::builder()
            .user_agent(super::super::client::USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .build()
            .expect("reqwest");
        for (method, body) in cases {
            let data = request(&url, method, body);
            let (answer, _) = client.send(&data).await;
            assert_eq!(answer.expect("an answer").status, 200);
            let mut builder = reqwest.request(method.parse().expect("method"), &data.url);
            for (n, v) in &data.headers {
                builder = builder.header(n, v);
            }
            if !body.is_empty() || method == "PUT" {
                builder = builder.body(body);
            }
            let answer = builder.send().await.expect("reqwest answer");
            assert_eq!(answer.status().as_u16(), 200);
        }
        let seen = server.await.expect("server");
        for pair in seen.chunks(2) {
            assert_eq!(pair.first(), pair.get(1));
        }
        let first = seen.first().expect("a request");
        assert!(
            first.starts_with("PUT /handles/abc/session?x=1 HTTP/1.1\r\n"),
            "{first}"
        );
        assert!(first.contains("\r\naccept: */*\r\n"), "{first}");
    }

    /// A connect the connector gave up on (its timeout, or the OS's) is the run's timeout, as
    /// it was through hyper-util's client; any other connect failure is a connect failure.
    #[test]
    fn a_connect_that_timed_out_is_a_timeout_and_one_refused_a_connect_failure() {
        let timeout = Duration::from_secs(3);
        let connect = |kind| {
            let cause = std::io::Error::new(kind, "tcp connect error");
            super::classify(&Failure::Connect(Box::new(cause)), timeout)
        };
        assert!(matches!(
            connect(std::io::ErrorKind::TimedOut),
            TransportError::Timeout(t) if t == timeout
        ));
        match connect(std::io::ErrorKind::ConnectionRefused) {
            TransportError::Connect(message) => assert!(message.contains("tcp connect error")),
            other => panic!("expected a connect failure, got {other:?}"),
        }
    }
}
