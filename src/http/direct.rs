//! Plain-HTTP requests that no proxy carries (the embedded reference, a vendor's local server)
//! go through hyper's pooled client itself, not through reqwest: reqwest parses every URL twice
//! more (its redirect layer and its request), merges default headers into a copied map and runs
//! tower layers (redirect, retry, timeout) that this harness turns off anyway. Those cost more CPU
//! per request than the rest of the exchange on loopback. HTTPS and proxied targets keep reqwest,
//! with its TLS and proxy machinery.
//!
//! What goes on the wire is what reqwest sent: the same hyper client underneath, the same
//! defaults (`Accept: */*`, `User-Agent` when the case sets none, appended after the case's
//! headers), TCP_NODELAY, a 30 s idle pool, no redirects followed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::{Entry, HeaderMap, HeaderValue, ACCEPT, USER_AGENT};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::exchange::TransportError;

use super::client::chain;

/// The pooled client of the direct path.
pub type Direct = Client<Bounded, Full<Bytes>>;

/// Built once per run; connections are opened when first used, at most `max_connections` at
/// once when given.
pub fn client(timeout: Duration, max_connections: Option<usize>) -> Direct {
    let mut connector = HttpConnector::new();
    // As reqwest sets it up: small requests go out at once, dead peers are noticed.
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(timeout));
    connector.set_keepalive(Some(Duration::from_secs(15)));
    let connector = Bounded {
        inner: connector,
        permits: max_connections.map(|n| Arc::new(Semaphore::new(n.max(1)))),
    };
    Client::builder(TokioExecutor::new())
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector)
}

/// hyper's connector, opening at most as many connections at once as it has permits.
///
/// hyper-util's pool opens a new connection for a request whenever no idle one is ready at that
/// instant, and keeps every one it opened: at the start of a run, when every case sends at once
/// and no connection is idle yet, each request raced a connect of its own, and 64 cases in
/// flight (about 160 requests) ended up with 300 to 370 connections, each holding its buffers
/// and its task for the whole run (about 50 KiB of RSS each). With a bound, a request past it
/// waits for a permit while the pool's checkout still watches for an idle connection, which
/// comes as soon as any request in flight is answered; the permit is held by the connection's
/// IO and given back when hyper drops the connection (closed, broken, or idle past the pool's
/// timeout). A connect that lost that race goes on in the background, as hyper-util spawns it,
/// and opens a connection for the pool once a permit is free.
#[derive(Clone, Debug)]
pub struct Bounded {
    inner: HttpConnector,
    permits: Option<Arc<Semaphore>>,
}

impl tower_service::Service<http::Uri> for Bounded {
    type Response = Permitted;
    type Error = Box<dyn std::error::Error + Send + Sync>;
    type Future = Pin<Box<dyn Future<Output = Result<Permitted, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        let mut inner = self.inner.clone();
        let permits = self.permits.clone();
        Box::pin(async move {
            let permit = match permits {
                // The semaphore is never closed; were it, the connection just goes unbounded.
                Some(permits) => permits.acquire_owned().await.ok(),
                None => None,
            };
            // The clone is a new service: ready it as the contract asks (it always is).
            std::future::poll_fn(|cx| inner.poll_ready(cx)).await?;
            let io = inner.call(dst).await?;
            Ok(Permitted {
                io,
                _permit: permit,
            })
        })
    }
}

/// A connection of the direct path, holding its permit for as long as hyper keeps it.
#[derive(Debug)]
pub struct Permitted {
    io: TokioIo<TcpStream>,
    _permit: Option<OwnedSemaphorePermit>,
}

// Everything is the stream's; `TokioIo<TcpStream>` is `Unpin`, so is the wrapper.
impl Read for Permitted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for Permitted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}

impl Connection for Permitted {
    fn connected(&self) -> Connected {
        self.io.connected()
    }
}

/// The request hyper sends: the case's headers, then the defaults it did not set (hyper adds
/// `Host` and `Content-Length`).
pub fn request(
    method: http::Method,
    uri: http::Uri,
    mut headers: HeaderMap,
    body: Bytes,
) -> Result<http::Request<Full<Bytes>>, TransportError> {
    // In reqwest's order: its default map holds Accept first, then the User-Agent set on it.
    if let Entry::Vacant(e) = headers.entry(ACCEPT) {
        e.insert(HeaderValue::from_static("*/*"));
    }
    if let Entry::Vacant(e) = headers.entry(USER_AGENT) {
        e.insert(HeaderValue::from_static(super::client::USER_AGENT));
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
    use super::super::proxy::ProxyChoice;
    use crate::exchange::RequestData;

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
}
