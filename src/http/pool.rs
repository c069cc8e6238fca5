//! The direct path's connections: hyper's HTTP/1 connections, kept open between requests, at
//! most `max_connections` at once.
//!
//! hyper-util's pooled client did this before, at about 9,000 instructions a request on top of
//! hyper's own: a SipHash map keyed by scheme and authority, checked out and given back under a
//! lock with a waiter list, `Host` formatted anew for every request, and a task spawned per
//! request to give the connection back once its answer was read. Here a connection is checked
//! out from a stack of idle ones (nearly always the top one: a run has one origin) and goes back
//! when its body has been read to the end, by the reader that read it; `Host` is the origin's.
//!
//! What goes on the wire is what hyper-util sent: the same hyper connection and settings, the
//! same connector (TCP_NODELAY, keep-alive probes, Happy Eyeballs), the same origin-form target
//! and `Host`. Connections idle for 30 s are closed, as hyper-util's pool closed them; a
//! request that a reused connection closed before sending goes again on another, as hyper-util
//! retried it.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tower_service::Service;

use super::urls::Origin;

type Sender = http1::SendRequest<Full<Bytes>>;

/// How long an idle connection is kept for reuse, as hyper-util's pool kept it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// The connections of one run's direct path; clones share them.
#[derive(Clone, Debug)]
pub struct Pool {
    shared: Arc<Shared>,
    connector: HttpConnector,
}

#[derive(Debug)]
struct Shared {
    /// Idle connections, the most recently used last.
    idle: Mutex<Vec<Idle>>,
    /// One permit per open connection, when connections are bounded.
    permits: Option<Arc<Semaphore>>,
    /// Told when a connection goes idle or closes: a request waiting at the bound may go.
    freed: Notify,
}

#[derive(Debug)]
struct Idle {
    origin: Arc<Origin>,
    sender: Sender,
    since: Instant,
}

/// Why the pool could not carry a request.
#[derive(Debug)]
pub enum Failure {
    /// No connection could be opened (refused, unreachable, DNS, or not within the connect
    /// timeout), with the connector's error for `direct::classify` to sort.
    Connect(Box<dyn std::error::Error + Send + Sync>),
    /// The connection failed the exchange.
    Exchange(hyper::Error),
}

/// A connection checked out for one exchange. [`Checked::release`] gives it back once its
/// answer has been read whole; dropped before then, it closes.
#[derive(Debug)]
pub struct Checked {
    origin: Arc<Origin>,
    sender: Sender,
    shared: Arc<Shared>,
}

impl Pool {
    /// Connections are opened when first needed, at most `max_connections` at once when given.
    pub fn new(connect_timeout: Duration, max_connections: Option<usize>) -> Pool {
        let mut connector = HttpConnector::new();
        // As reqwest sets it up: small requests go out at once, dead peers are noticed.
        connector.set_nodelay(true);
        connector.set_connect_timeout(Some(connect_timeout));
        connector.set_keepalive(Some(Duration::from_secs(15)));
        Pool {
            shared: Arc::new(Shared {
                idle: Mutex::new(Vec::new()),
                permits: max_connections.map(|n| Arc::new(Semaphore::new(n.max(1)))),
                freed: Notify::new(),
            }),
            connector,
        }
    }

    /// Sends `request` (origin-form, with its `Host`) to `origin` and waits for the head of the
    /// answer. The body is read through the returned response; the connection is the caller's
    /// to release once it has.
    pub async fn send(
        &self,
        origin: &Arc<Origin>,
        mut request: http::Request<Full<Bytes>>,
    ) -> Result<(http::Response<Incoming>, Checked), Failure> {
        loop {
            let (mut checked, reused) = self.checkout(origin).await?;
            if let Err(e) = checked.sender.ready().await {
                // Closed while idle (the server's keep-alive ran out, or it said `close`).
                if reused {
                    continue;
                }
                return Err(Failure::Exchange(e));
            }
            match checked.sender.try_send_request(request).await {
                Ok(response) => return Ok((response, checked)),
                Err(mut e) => match e.take_message() {
                    // Never written: a reused connection closed under it. Another one.
                    Some(unsent) if reused => request = unsent,
                    _ => return Err(Failure::Exchange(e.into_error())),
                },
            }
        }
    }

    /// An idle connection to `origin` (`true`), or a new one once the bound allows (`false`).
    async fn checkout(&self, origin: &Arc<Origin>) -> Result<(Checked, bool), Failure> {
        loop {
            if let Some(sender) = self.shared.take_idle(origin) {
                return Ok((self.checked(origin, sender), true));
            }
            let place = match &self.shared.permits {
                None => None,
                Some(permits) => match Arc::clone(permits).try_acquire_owned() {
                    Ok(permit) => Some(Place {
                        permit: Some(permit),
                        shared: Arc::downgrade(&self.shared),
                    }),
                    Err(_) => {
                        // At the bound: an idle connection elsewhere gives way; then wait for
                        // one to come back or close. A wake that finds nothing waits again.
                        self.shared.close_idle_elsewhere(origin);
                        self.shared.freed.notified().await;
                        continue;
                    }
                },
            };
            let sender = self.connect(origin, place).await?;
            return Ok((self.checked(origin, sender), false));
        }
    }

    fn checked(&self, origin: &Arc<Origin>, sender: Sender) -> Checked {
        Checked {
            origin: Arc::clone(origin),
            sender,
            shared: Arc::clone(&self.shared),
        }
    }

    /// Opens a connection and runs it as a task of its own, which holds `place` until the
    /// connection ends. A connect that fails, or is given up (its request timed out), gives the
    /// place back at once.
    async fn connect(&self, origin: &Origin, place: Option<Place>) -> Result<Sender, Failure> {
        let mut connector = self.connector.clone();
        std::future::poll_fn(|cx| connector.poll_ready(cx))
            .await
            .map_err(|e| Failure::Connect(Box::new(e)))?;
        let io = connector
            .call(origin.connect.clone())
            .await
            .map_err(|e| Failure::Connect(Box::new(e)))?;
        let (sender, connection) = http1::handshake(io).await.map_err(Failure::Exchange)?;
        tokio::spawn(async move {
            // Its errors reach the request it failed, through the sender.
            let _ = connection.await;
            // Closed: a request waiting at the bound may open another.
            drop(place);
        });
        Ok(sender)
    }
}

/// A connection's place under the bound, from its connect to its close.
#[derive(Debug)]
struct Place {
    permit: Option<OwnedSemaphorePermit>,
    /// Weak: the idle senders the pool holds keep their connections' tasks alive, and a task
    /// holding the pool would keep them alive after the run.
    shared: Weak<Shared>,
}

impl Drop for Place {
    /// Gives the permit back, then wakes a request waiting at the bound (in that order: woken
    /// first, it could find no permit yet and wait again, unwoken).
    fn drop(&mut self) {
        drop(self.permit.take());
        if let Some(shared) = self.shared.upgrade() {
            shared.freed.notify_one();
        }
    }
}

impl Shared {
    /// The most recently used idle connection to `origin` that is still open and fresh.
    fn take_idle(&self, origin: &Arc<Origin>) -> Option<Sender> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(at) = idle.iter().rposition(|i| i.origin.same(origin)) {
            let entry = idle.remove(at);
            if !entry.sender.is_closed() && entry.since.elapsed() < IDLE_TIMEOUT {
                return Some(entry.sender);
            }
        }
        None
    }

    /// Closes the least recently used idle connection to another origin, if any.
    fn close_idle_elsewhere(&self, origin: &Arc<Origin>) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = idle.iter().position(|i| !i.origin.same(origin)) {
            idle.remove(at);
        }
    }
}

impl Checked {
    /// Gives the connection back for the next request, its answer read whole.
    pub fn release(self) {
        let Checked {
            origin,
            sender,
            shared,
        } = self;
        if sender.is_closed() {
            return;
        }
        let now = Instant::now();
        let mut idle = shared.idle.lock().unwrap_or_else(|e| e.into_inner());
        // Given back in time order, the oldest first: those idle past the limit close now, as
        // hyper-util's pool closed them, not when a checkout reaches them (it may never: the
        // top of the stack serves a steady run).
        while idle
            .first()
            .is_some_and(|oldest| now.duration_since(oldest.since) >= IDLE_TIMEOUT)
        {
            idle.remove(0);
        }
        idle.push(Idle {
            origin,
            sender,
            since: now,
        });
        drop(idle);
        shared.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use http_body_util::BodyExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;
    use crate::http::urls::Urls;

    /// What a test server saw: connections accepted, and connections the client closed.
    #[derive(Clone, Default)]
    struct Seen {
        accepted: Arc<AtomicUsize>,
        closed_by_client: Arc<AtomicUsize>,
    }

    /// A server answering `{}` to each request, keeping the connection open for
    /// `requests_per_connection` answers, then closing it after `linger`.
    async fn server(requests_per_connection: usize, linger: Duration) -> (String, Seen) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/x", listener.local_addr().expect("addr"));
        let seen = Seen::default();
        let counts = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                counts.accepted.fetch_add(1, Ordering::SeqCst);
                let closed = Arc::clone(&counts.closed_by_client);
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    for _ in 0..requests_per_connection {
                        let mut head = Vec::new();
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match socket.read(&mut buf).await {
                                Ok(0) | Err(_) => {
                                    closed.fetch_add(1, Ordering::SeqCst);
                                    return;
                                }
                                Ok(n) => head.extend_from_slice(buf.get(..n).unwrap_or_default()),
                            }
                        }
                        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
                        if socket.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                    tokio::time::sleep(linger).await;
                });
            }
        });
        (url, seen)
    }

    /// A GET of `url`'s target, with its `Host`, and the origin it goes to.
    fn get_request(urls: &Urls, url: &str) -> (http::Request<Full<Bytes>>, Arc<Origin>) {
        let destination = urls.destination(url).expect("a destination");
        let request = http::Request::builder()
            .uri(destination.target)
            .header(http::header::HOST, destination.origin.host.clone())
            .body(Full::new(Bytes::new()))
            .expect("request");
        (request, destination.origin)
    }

    /// Sends a GET to `url` and reads its body to the end, releasing the connection.
    async fn get(pool: &Pool, urls: &Urls, url: &str) -> Result<Bytes, Failure> {
        let (request, origin) = get_request(urls, url);
        let (response, connection) = pool.send(&origin, request).await?;
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(Failure::Exchange)?
            .to_bytes();
        connection.release();
        Ok(body)
    }

    /// One request after another, each read whole, all go on one connection.
    #[tokio::test]
    async fn a_connection_read_to_its_end_carries_the_next_request() {
        let (url, seen) = server(usize::MAX, Duration::ZERO).await;
        let (pool, urls) = (Pool::new(Duration::from_secs(5), Some(4)), Urls::default());
        for _ in 0..5 {
            let body = get(&pool, &urls, &url).await.expect("an answer");
            assert_eq!(&body[..], b"{}");
        }
        assert_eq!(seen.accepted.load(Ordering::SeqCst), 1);
    }

    /// A connection the server closed while it was idle is not used again: every request is
    /// answered, each on a connection of its own, even at a bound of one.
    #[tokio::test]
    async fn a_connection_closed_while_idle_gives_way_to_a_new_one() {
        let (url, seen) = server(1, Duration::from_millis(10)).await;
        let (pool, urls) = (Pool::new(Duration::from_secs(5), Some(1)), Urls::default());
        for _ in 0..4 {
            let body = tokio::time::timeout(Duration::from_secs(5), get(&pool, &urls, &url))
                .await
                .expect("a request waited on a closed connection")
                .expect("an answer");
            assert_eq!(&body[..], b"{}");
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        assert_eq!(seen.accepted.load(Ordering::SeqCst), 4);
    }

    /// An answer dropped before its body was read closes its connection, which frees its place
    /// under the bound: the next request opens another and is answered.
    #[tokio::test]
    async fn an_answer_left_unread_frees_its_place() {
        let (url, seen) = server(usize::MAX, Duration::ZERO).await;
        let (pool, urls) = (Pool::new(Duration::from_secs(5), Some(1)), Urls::default());
        let (request, origin) = get_request(&urls, &url);
        let sent = pool.send(&origin, request).await;
        drop(sent.expect("an answer"));
        let body = tokio::time::timeout(Duration::from_secs(5), get(&pool, &urls, &url))
            .await
            .expect("the dropped answer held its place")
            .expect("an answer");
        assert_eq!(&body[..], b"{}");
        assert_eq!(seen.accepted.load(Ordering::SeqCst), 2);
    }

    /// A connection idle past the limit at the bottom of the stack is closed when another is
    /// given back, though no checkout reaches it.
    #[tokio::test(start_paused = true)]
    async fn a_connection_idle_past_the_limit_closes() {
        let (url, seen) = server(usize::MAX, Duration::ZERO).await;
        let closed = &seen.closed_by_client;
        let (pool, urls) = (Pool::new(Duration::from_secs(5), None), Urls::default());
        // Two at once: two connections, both idle after.
        let (a, b) = tokio::join!(get(&pool, &urls, &url), get(&pool, &urls, &url));
        assert!(a.is_ok() && b.is_ok());
        tokio::time::advance(Duration::from_secs(20)).await;
        // The top one serves, and is given back fresh; the other has been idle 20 s.
        get(&pool, &urls, &url).await.expect("an answer");
        tokio::time::advance(Duration::from_secs(15)).await;
        assert_eq!(
            closed.load(Ordering::SeqCst),
            0,
            "nothing closed before its time"
        );
        // 15 s for the top one, 35 s for the other: given back, the top one closes the other.
        get(&pool, &urls, &url).await.expect("an answer");
        for _ in 0..100 {
            if closed.load(Ordering::SeqCst) > 0 {
                break;
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        assert_eq!(closed.load(Ordering::SeqCst), 1);
    }

    /// A connect that fails gives its place back: a request waiting at the bound goes on (and
    /// fails the same way) instead of waiting for a connection that will never come.
    #[tokio::test]
    async fn a_failed_connect_frees_its_place() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/x", listener.local_addr().expect("addr"));
        drop(listener);
        let (pool, urls) = (Pool::new(Duration::from_secs(5), Some(1)), Urls::default());
        let both = tokio::time::timeout(
            Duration::from_secs(5),
            futures_util::future::join(get(&pool, &urls, &url), get(&pool, &urls, &url)),
        )
        .await
        .expect("the second request waited on a place the failed connect kept");
        assert!(matches!(both.0, Err(Failure::Connect(_))), "{:?}", both.0);
        assert!(matches!(both.1, Err(Failure::Connect(_))), "{:?}", both.1);
    }

    /// Nothing listening: a connect failure, in words.
    #[tokio::test]
    async fn a_refused_connection_is_a_connect_failure() {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/x", listener.local_addr().expect("addr"));
        drop(listener);
        let (pool, urls) = (Pool::new(Duration::from_secs(5), None), Urls::default());
        match get(&pool, &urls, &url).await {
            Err(Failure::Connect(e)) => {
                let message = super::super::client::chain(&*e);
                assert!(message.contains("refused"), "{message}");
            }
            other => panic!("expected a connect failure, got {other:?}"),
        }
    }
}
