//! The one HTTP client of a run: reqwest on rustls (ring), no redirects, a per-request timeout
//! that covers the whole answer, a cap on the body read, the run's proxies and TLS settings.
//! Plain-HTTP requests that no proxy carries skip reqwest for hyper's client (see `direct`).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::exchange::{RequestData, ResponseData, TransportError};

use super::direct;
use super::error::ClientError;
use super::pool::{Checked, Pool};
use super::proxy::{ProxyChoice, ProxyRules};
use super::rate::RateLimit;
use super::retry::{Backoff, RetryPolicy};
use super::tls::{self, TlsOptions};
use super::urls::Urls;

pub const USER_AGENT: &str = concat!("mpsd-conformance/", env!("CARGO_PKG_VERSION"));

/// Per-request timeout unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
/// Cap on a response body read unless `--max-body` says otherwise.
pub const DEFAULT_MAX_BODY: u64 = 8 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub timeout: Duration,
    pub max_body: u64,
    /// Which proxy carries requests to the target (loopback never uses one).
    pub proxy: ProxyChoice,
    pub tls: TlsOptions,
    /// Retries of a throttled request (`send_with_retries`).
    pub retry: RetryPolicy,
    /// At most this many requests per second, over every clone of the client.
    pub rate: Option<f64>,
    /// At most this many connections open at once on the direct path (`pool::Pool`);
    /// `None`: a new one whenever none is idle.
    pub max_connections: Option<usize>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS),
            max_body: DEFAULT_MAX_BODY,
            proxy: ProxyChoice::default(),
            tls: TlsOptions::default(),
            retry: RetryPolicy::default(),
            rate: None,
            max_connections: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct HttpClient {
    /// reqwest's client, for HTTPS and proxied requests. Building it reads every native root
    /// certificate (18.7 M instructions, most of a plain-HTTP run's start), so it is built when
    /// first needed; at once when TLS flags or proxies are given, so that a bad `--cacert` or
    /// proxy is refused before any request.
    inner: OnceLock<reqwest::Client>,
    /// Plain HTTP without a proxy.
    direct: Pool,
    options: ClientOptions,
    proxies: ProxyRules,
    urls: Urls,
    /// Shared by the clones, so the rate holds for the whole run.
    rate: Option<Arc<RateLimit>>,
    /// Shared by the clones: a throttled answer holds the whole run back.
    backoff: Arc<Backoff>,
}

impl HttpClient {
    /// Builds the client; reads the environment's proxy variables and the files TLS flags name.
    pub fn new(options: ClientOptions) -> Result<HttpClient, ClientError> {
        let proxies = ProxyRules::resolve(&options.proxy, &|name| std::env::var(name).ok())?;
        // Several runs may share a process (tests); the first install wins, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rate = options.rate.map(|n| Arc::new(RateLimit::new(n)));
        let client = HttpClient {
            inner: OnceLock::new(),
            direct: Pool::new(options.timeout, options.max_connections),
            options,
            proxies,
            urls: Urls::default(),
            rate,
            backoff: Arc::default(),
        };
        if client.options.tls != TlsOptions::default() || client.proxies.any() {
            let _ = client.inner.set(client.build_reqwest()?);
        }
        Ok(client)
    }

    /// reqwest's client, built now if it was not.
    fn reqwest(&self) -> Result<&reqwest::Client, TransportError> {
        if let Some(client) = self.inner.get() {
            return Ok(client);
        }
        let built = self
            .build_reqwest()
            .map_err(|e| TransportError::Request(e.to_string()))?;
        Ok(self.inner.get_or_init(|| built))
    }

    fn build_reqwest(&self) -> Result<reqwest::Client, ClientError> {
        let options = &self.options;
        let proxies = &self.proxies;
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            // Nothing is ever sent twice behind the harness's back; and without a retry policy the
            // client does not copy every request's head in case it has to.
            .retry(reqwest::retry::never().max_retries_per_request(0))
            .connect_timeout(options.timeout)
            .pool_idle_timeout(Duration::from_secs(30));
        // reqwest would read the proxy variables itself, loopback included; the rules decide.
        builder = if proxies.any() {
            let rules = proxies.clone();
            builder.proxy(reqwest::Proxy::custom(move |url| {
                rules.proxy_for(url).map(|p| p.to_string())
            }))
        } else {
            builder.no_proxy()
        };
        builder = options.tls.apply(builder)?;
        builder
            .build()
            .map_err(|e| ClientError::Build { reason: chain(&e) })
    }

    /// The proxy a request to `url` goes through, as messages show it.
    pub fn proxy_for(&self, url: &str) -> Option<String> {
        self.proxies.shown_for(url)
    }

    /// Secrets of the client's configuration (proxy credentials), to redact.
    pub fn secrets(&self) -> Vec<String> {
        self.proxies.credentials()
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    pub(super) fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// Sends one request and reads the whole answer, within the timeout (which, like the
    /// duration, starts once `--rate` lets the request go).
    pub async fn send(
        &self,
        request: &RequestData,
    ) -> (Result<ResponseData, TransportError>, Duration) {
        let started = self.start().await;
        if request.framing.is_wire() {
            return (self.send_wire(request).await, started.elapsed());
        }
        // One timer for the whole answer: the common path pays for one.
        let exchange = async { self.head(request).await?.read().await };
        let result = self.within_timeout(exchange).await;
        (result, started.elapsed())
    }

    /// Sends one request and waits for the head of its answer only, within the timeout; the
    /// body stays on the wire until [`Head::body`] reads it. A burst reads its copies' bodies
    /// one at a time this way, so 32 answers of megabytes are never all held at once.
    pub async fn send_head<'a>(
        &'a self,
        request: &'a RequestData,
    ) -> (Result<Head<'a>, TransportError>, Duration) {
        let started = self.start().await;
        let result = self.within_timeout(self.head(request)).await;
        (result, started.elapsed())
    }

    /// When a request may go: at once, or when `--rate` lets it.
    async fn start(&self) -> Instant {
        if let Some(rate) = &self.rate {
            rate.turn().await;
        }
        Instant::now()
    }

    async fn within_timeout<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, TransportError>>,
    ) -> Result<T, TransportError> {
        match tokio::time::timeout(self.options.timeout, work).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(self.options.timeout)),
        }
    }

    /// Whether a request to `url` goes through hyper directly: plain HTTP, no proxy.
    fn goes_direct(&self, url: &str) -> bool {
        url.starts_with("http://") && (!self.proxies.any() || self.proxy_for(url).is_none())
    }

    /// Sends `request` and reads the status and headers of its answer.
    async fn head<'a>(&'a self, request: &'a RequestData) -> Result<Head<'a>, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| TransportError::Request(format!("invalid method `{}`", request.method)))?;
        // Room for the defaults the client adds (User-Agent, Accept).
        let mut headers = HeaderMap::with_capacity(request.headers.len() + 2);
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| TransportError::Request(format!("invalid header name `{name}`")))?;
            // Bytes above 0x7F (obs-text) go as written: a case may try them on purpose.
            let value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
                TransportError::Request(format!("invalid value for header `{name}`"))
            })?;
            headers.append(name, value);
        }
        let timeout = self.options.timeout;
        let (status, headers, answer) = if self.goes_direct(&request.url) {
            let destination = self.urls.destination(&request.url).map_err(|e| {
                TransportError::Request(format!("invalid URL `{}`: {e}", request.url))
            })?;
            let origin = Arc::clone(&destination.origin);
            // `Bytes` is shared, not copied; an empty body is sent as reqwest sent none.
            let sent = direct::request(method, destination, headers, request.body.clone())?;
            let (response, connection) = self
                .direct
                .send(&origin, sent)
                .await
                .map_err(|e| direct::classify(&e, timeout))?;
            let (parts, body) = response.into_parts();
            let answer = Answer::Direct {
                body,
                connection: Some(connection),
            };
            (parts.status, parts.headers, answer)
        } else {
            let url = self.urls.parse(&request.url).map_err(|e| {
                TransportError::Request(format!("invalid URL `{}`: {e}", request.url))
            })?;
            let mut builder = self.reqwest()?.request(method, url).headers(headers);
            if !request.body.is_empty()
                || matches!(request.method.as_str(), "PUT" | "POST" | "PATCH")
            {
                // `Bytes` is shared, not copied.
                builder = builder.body(request.body.clone());
            }
            // Which proxy a request went through matters only to say so in an error.
            let classify =
                |e| classify(e, timeout, self.proxies.shown_for(&request.url).as_deref());
            let mut response = builder.send().await.map_err(classify)?;
            let headers = std::mem::take(response.headers_mut());
            (response.status(), headers, Answer::Reqwest(response))
        };
        let headers = headers
            .iter()
            .map(|(n, v)| {
                // Nearly every value is visible ASCII, copied as it is; the lossy reading (which
                // gives the same text for those, at several times the cost) is for the rest.
                let value = match v.to_str() {
                    Ok(text) => text.to_owned(),
                    Err(_) => String::from_utf8_lossy(v.as_bytes()).into_owned(),
                };
                (n.as_str().to_string(), value)
            })
            .collect();
        let max = self.options.max_body;
        if answer.content_length().is_some_and(|len| len > max) {
            return Err(TransportError::BodyTooLarge(max));
        }
        Ok(Head {
            client: self,
            url: &request.url,
            answer,
            status: status.as_u16(),
            headers,
        })
    }
}

/// A body still on the wire, from either path.
enum Answer {
    Reqwest(reqwest::Response),
    /// The direct path's body, and its connection until the body has been read to its end.
    Direct {
        body: hyper::body::Incoming,
        connection: Option<Checked>,
    },
}

impl Answer {
    /// The body's length when the head announced it (reqwest's `content_length`).
    fn content_length(&self) -> Option<u64> {
        match self {
            Answer::Reqwest(r) => r.content_length(),
            Answer::Direct { body, .. } => hyper::body::Body::size_hint(body).exact(),
        }
    }

    /// The next piece of the body, `None` at its end.
    async fn chunk(
        &mut self,
        client: &HttpClient,
        url: &str,
    ) -> Result<Option<Bytes>, TransportError> {
        let timeout = client.options.timeout;
        match self {
            Answer::Reqwest(r) => r.chunk().await.map_err(|e| {
                let proxy = client.proxies.shown_for(url);
                classify(e, timeout, proxy.as_deref())
            }),
            Answer::Direct { body, connection } => {
                let chunk = direct::chunk(body, timeout).await?;
                if chunk.is_none() {
                    // Read whole: the connection may carry the next request.
                    if let Some(connection) = connection.take() {
                        connection.release();
                    }
                }
                Ok(chunk)
            }
        }
    }
}

/// An answer whose status and headers have arrived, its body not yet read.
pub struct Head<'a> {
    client: &'a HttpClient,
    url: &'a str,
    answer: Answer,
    status: u16,
    headers: Vec<(String, String)>,
}

impl Head<'_> {
    /// Reads the body, within a timeout of its own that starts now: the head may have waited
    /// its turn.
    pub async fn body(self) -> (Result<ResponseData, TransportError>, Duration) {
        let started = Instant::now();
        let client = self.client;
        (client.within_timeout(self.read()).await, started.elapsed())
    }

    /// Reads the body, however long it takes (the caller bounds it).
    async fn read(mut self) -> Result<ResponseData, TransportError> {
        let body = self.read_body().await?;
        Ok(ResponseData::new(self.status, self.headers, body))
    }

    /// The whole body, at most `--max-body` bytes. A body that arrives in one chunk is kept as
    /// that chunk; a longer one goes into one buffer of the announced size.
    async fn read_body(&mut self) -> Result<Bytes, TransportError> {
        let (client, url) = (self.client, self.url);
        let max = client.options.max_body;
        let too_large = || TransportError::BodyTooLarge(max);
        let announced = self.answer.content_length();
        let Some(first) = self.answer.chunk(client, url).await? else {
            return Ok(Bytes::new());
        };
        if first.len() as u64 > max {
            return Err(too_large());
        }
        let Some(second) = self.answer.chunk(client, url).await? else {
            return Ok(own_if_small(first));
        };
        let capacity = announced.map_or(first.len() + second.len(), |n| n as usize);
        let mut body = BytesMut::with_capacity(capacity);
        body.extend_from_slice(&first);
        let mut next = Some(second);
        while let Some(chunk) = next {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
            next = self.answer.chunk(client, url).await?;
        }
        Ok(body.freeze())
    }
}

/// Bodies up to this size that arrive in one chunk are copied out of the connection's buffer.
const COPIED_BODY: usize = 16 * 1024;

/// A small body as bytes of its own. hyper hands a body out as a slice of its connection's read
/// buffer (8 KiB at least): kept by a case (its answers, read-backs, transcripts), a 700-byte
/// answer held that whole buffer, and the connection allocated a new one for its next read. A
/// copy costs less than that allocation and lets the connection reuse its buffer. A bigger body
/// fills most of its buffer anyway, and copying it would cost more.
fn own_if_small(chunk: Bytes) -> Bytes {
    if chunk.len() <= COPIED_BODY {
        Bytes::copy_from_slice(&chunk)
    } else {
        chunk
    }
}

fn classify(err: reqwest::Error, timeout: Duration, proxy: Option<&str>) -> TransportError {
    let message = chain(&err);
    if err.is_timeout() {
        TransportError::Timeout(timeout)
    } else if let Some(explained) = tls::explain(&err) {
        TransportError::Tls(explained)
    } else if err.is_connect() {
        match proxy {
            Some(proxy) => TransportError::ProxyConnect {
                proxy: proxy.to_string(),
                message,
            },
            None => TransportError::Connect(message),
        }
    } else if err.is_builder() {
        TransportError::Request(message)
    } else {
        TransportError::Protocol(message)
    }
}

/// An error with its causes, `a: b: c`, the way a person needs to read it.
pub(super) fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reqwests_client_is_built_when_first_needed_and_at_once_for_tls_flags() {
        let plain = HttpClient::new(ClientOptions::default()).expect("client");
        assert!(plain.inner.get().is_none(), "nothing read for plain HTTP");
        assert!(plain.reqwest().is_ok());
        assert!(plain.inner.get().is_some(), "built on first use, and kept");
        let flagged = ClientOptions {
            tls: TlsOptions {
                cacert: Some("/nonexistent/mpsdc-ca.pem".into()),
                ..TlsOptions::default()
            },
            ..ClientOptions::default()
        };
        assert!(
            HttpClient::new(flagged).is_err(),
            "a bad --cacert is refused before any request"
        );
    }
}
