//! Sending a burst: every copy of a request at once, each on its own task, so the server sees
//! them concurrently (for rate limits, in-flight limits, and racing `If-Match` writers).

use std::time::Duration;

use tokio::task::JoinSet;

use crate::exchange::{RequestData, TransportError};
use crate::http::HttpClient;

/// What one copy got, and how long it took.
pub type Sent = (
    Result<crate::exchange::ResponseData, TransportError>,
    Duration,
);

/// Sends every request at once; the answers come back in the requests' order. Never retried.
pub async fn send_all(client: &HttpClient, requests: &[RequestData]) -> Vec<Sent> {
    let mut tasks = JoinSet::new();
    for (i, data) in requests.iter().cloned().enumerate() {
        let client = client.clone();
        tasks.spawn(async move { (i, client.send(&data).await) });
    }
    let mut out: Vec<Option<Sent>> = vec![None; requests.len()];
    while let Some(joined) = tasks.join_next().await {
        // A task only fails by panicking inside the client; its slot stays empty and says so.
        if let Ok((i, sent)) = joined {
            out[i] = Some(sent);
        }
    }
    out.into_iter()
        .map(|sent| {
            sent.unwrap_or_else(|| {
                (
                    Err(TransportError::Request("the sending task failed".into())),
                    Duration::ZERO,
                )
            })
        })
        .collect()
}
