//! The one HTTP client of a run: reqwest on rustls (ring), no redirects, a per-request timeout
//! that covers the whole answer, and a cap on the body read.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::exchange::{RequestData, ResponseData, TransportError};

pub const USER_AGENT: &str = concat!("mpsd-conformance/", env!("CARGO_PKG_VERSION"));

/// Per-request timeout unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
/// Cap on a response body read unless `--max-body` says otherwise.
pub const DEFAULT_MAX_BODY: u64 = 8 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct ClientOptions {
    pub timeout: Duration,
    pub max_body: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS),
            max_body: DEFAULT_MAX_BODY,
        }
    }
}

#[derive(Clone, Debug)]
pub struct HttpClient {
    inner: reqwest::Client,
    options: ClientOptions,
}

impl HttpClient {
    pub fn new(options: ClientOptions) -> Result<HttpClient, String> {
        // Several runs may share a process (tests); the first install wins, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let inner = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("failed to build the HTTP client: {}", chain(&e)))?;
        Ok(HttpClient { inner, options })
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    /// Sends one request and reads the whole answer, within the timeout.
    pub async fn send(
        &self,
        request: &RequestData,
    ) -> (Result<ResponseData, TransportError>, Duration) {
        let started = Instant::now();
        let result = match tokio::time::timeout(self.options.timeout, self.exchange(request)).await
        {
            Ok(r) => r,
            Err(_) => Err(TransportError::Timeout(self.options.timeout)),
        };
        (result, started.elapsed())
    }

    async fn exchange(&self, request: &RequestData) -> Result<ResponseData, TransportError> {
        let method = reqwest::Method::from_bytes(request.method.as_bytes())
            .map_err(|_| TransportError::Request(format!("invalid method `{}`", request.method)))?;
        let url = reqwest::Url::parse(&request.url)
            .map_err(|e| TransportError::Request(format!("invalid URL `{}`: {e}", request.url)))?;
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| TransportError::Request(format!("invalid header name `{name}`")))?;
            let value = HeaderValue::from_str(value).map_err(|_| {
                TransportError::Request(format!("invalid value for header `{name}`"))
            })?;
            headers.append(name, value);
        }
        let mut builder = self.inner.request(method, url).headers(headers);
        if !request.body.is_empty() || matches!(request.method.as_str(), "PUT" | "POST" | "PATCH") {
            builder = builder.body(request.body.clone());
        }
        let timeout = self.options.timeout;
        let classify = |e| classify(e, timeout);
        let mut response = builder.send().await.map_err(classify)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let max = self.options.max_body;
        if response.content_length().is_some_and(|len| len > max) {
            return Err(TransportError::BodyTooLarge(max));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(classify)? {
            if body.len() as u64 + chunk.len() as u64 > max {
                return Err(TransportError::BodyTooLarge(max));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(ResponseData {
            status,
            headers,
            body,
        })
    }
}

fn classify(err: reqwest::Error, timeout: Duration) -> TransportError {
    let message = chain(&err);
    if err.is_timeout() {
        TransportError::Timeout(timeout)
    } else if err.is_connect() {
        TransportError::Connect(message)
    } else if err.is_builder() {
        TransportError::Request(message)
    } else {
        TransportError::Protocol(message)
    }
}

/// An error with its causes, `a: b: c`, the way a person needs to read it.
fn chain(err: &dyn std::error::Error) -> String {
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
