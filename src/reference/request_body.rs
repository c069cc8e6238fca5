//! Reading request bodies with a cap (B11), and draining what is over it.
//!
//! A server that answers 413 and closes while the client is still sending leaves unread bytes in
//! the kernel, which then resets the connection: the client sees a reset instead of the 413.
//! So the rest of an oversized body is read and thrown away, within bounds, before answering.

use std::future::poll_fn;
use std::pin::Pin;
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use tokio::time::{timeout_at, Instant};

/// The largest body the server accepts (B11: the reference's limit is 1 MiB).
pub(crate) const MAX_BODY: usize = 1 << 20;
/// How much of an oversized body is drained before giving up on it.
const DRAIN_CAP: usize = 64 << 20;
/// How long draining may take; a slow sender past this gets its connection closed.
const DRAIN_TIME: Duration = Duration::from_secs(5);
/// How long reading an accepted body may take; protects the server from a stalled sender.
const READ_TIME: Duration = Duration::from_secs(30);

#[derive(Debug)]
pub(crate) enum RequestBody {
    Complete(Bytes),
    /// Over [`MAX_BODY`]; `drained` says whether the connection can still be reused.
    TooLarge {
        drained: bool,
    },
    /// The sender stalled or broke the body off.
    Unreadable,
}

pub(crate) async fn read(mut body: Body) -> RequestBody {
    let deadline = Instant::now() + READ_TIME;
    let mut buffer: Vec<u8> = Vec::new();
    if let Some(len) = body.size_hint().exact() {
        if len > MAX_BODY as u64 {
            return RequestBody::TooLarge {
                drained: drain(body).await,
            };
        }
        buffer.reserve(len as usize);
    }
    loop {
        let frame = match timeout_at(deadline, next_frame(&mut body)).await {
            Ok(frame) => frame,
            Err(_) => return RequestBody::Unreadable,
        };
        match frame {
            None => return RequestBody::Complete(Bytes::from(buffer)),
            Some(Err(())) => return RequestBody::Unreadable,
            Some(Ok(chunk)) => {
                if buffer.len() + chunk.len() > MAX_BODY {
                    return RequestBody::TooLarge {
                        drained: drain(body).await,
                    };
                }
                buffer.extend_from_slice(&chunk);
            }
        }
    }
}

/// Reads and discards the rest of `body`, within [`DRAIN_CAP`] and [`DRAIN_TIME`]; true when
/// the body ended, so the connection is still in a known state.
pub(crate) async fn drain(mut body: Body) -> bool {
    if body.is_end_stream() {
        return true;
    }
    let deadline = Instant::now() + DRAIN_TIME;
    let mut seen = 0usize;
    loop {
        match timeout_at(deadline, next_frame(&mut body)).await {
            Ok(None) => return true,
            Ok(Some(Ok(chunk))) => {
                seen += chunk.len();
                if seen > DRAIN_CAP {
                    return false;
                }
            }
            Ok(Some(Err(()))) | Err(_) => return false,
        }
    }
}

/// The next data chunk; trailers are skipped.
async fn next_frame(body: &mut Body) -> Option<Result<Bytes, ()>> {
    loop {
        let frame = poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await?;
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    return Some(Ok(data));
                }
            }
            Err(_) => return Some(Err(())),
        }
    }
}

/// A body read as JSON. Text checked as UTF-8 once is parsed without checking each string again
/// (as parsing bytes does); bytes that are not UTF-8 are parsed as bytes, for the parser's own
/// account of where they break.
pub(crate) fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}
