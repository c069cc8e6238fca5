//! Sending a burst: every copy of a request at once, each on its own task, so the server sees
//! them concurrently (for rate limits, in-flight limits, and racing `If-Match` writers).
//!
//! The copies are sent, and their heads awaited, all at once; their bodies are then read one at
//! a time, each after the one before was judged and recorded (cut to 64 KiB). So a burst of 32
//! answers of 8 MiB holds one of them, not 256 MiB.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::exchange::{RequestData, ResponseData, TransportError};
use crate::http::HttpClient;

/// One copy's answer as it arrived.
pub struct Arrived {
    /// Which copy (its `{{burst.index}}`).
    pub index: usize,
    pub result: Result<ResponseData, TransportError>,
    /// Sending, the head, and reading the body; not the wait for its turn to be read.
    pub duration: Duration,
    /// Held while the answer's whole body is in memory: dropping it lets the next copy read its
    /// body.
    pub turn: Option<OwnedSemaphorePermit>,
}

/// The copies of a burst in flight. Dropping it abandons those not yet answered.
pub struct Burst {
    answers: mpsc::UnboundedReceiver<Arrived>,
    _tasks: JoinSet<()>,
}

impl Burst {
    /// The next answer to arrive, in the order the bodies were read; `None` once every copy has
    /// answered (a copy whose task failed never does: its caller sees it missing).
    pub async fn next(&mut self) -> Option<Arrived> {
        self.answers.recv().await
    }
}

/// Sends every request at once. Never retried.
pub fn send_all(client: &HttpClient, requests: Vec<RequestData>) -> Burst {
    let turns = Arc::new(Semaphore::new(1));
    let (sender, answers) = mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    for (index, data) in requests.into_iter().enumerate() {
        let (client, turns, sender) = (client.clone(), Arc::clone(&turns), sender.clone());
        tasks.spawn(async move {
            let (head, head_took) = client.send_head(&data).await;
            // The semaphore is never closed: `ok()` only spares an unwrap.
            let turn = turns.acquire_owned().await.ok();
            let (result, duration) = match head {
                Ok(head) => {
                    let (result, body_took) = head.body().await;
                    (result, head_took + body_took)
                }
                Err(e) => (Err(e), head_took),
            };
            // The receiver is gone only when the burst was abandoned (an interrupt).
            let _ = sender.send(Arrived {
                index,
                result,
                duration,
                turn,
            });
        });
    }
    Burst {
        answers,
        _tasks: tasks,
    }
}
