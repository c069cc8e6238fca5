//! Per-connection deadlines: a connection's first request head must be complete within `header`
//! of the accept, a later one within `header` of its first byte, and a connection with no request
//! in progress must not sit still for longer than `idle`.
//!
//! The request path only flips a phase and stamps a deadline (three clock reads per request: head,
//! answer, bytes out); a timer in the connection task reads them lazily. That timer is armed no later than the
//! deadline (see [`Watch::check`]), so a connection is cut on time without a timer per request.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering::Relaxed};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

use super::config::Timeouts;

/// Accepted, nothing received yet; `deadline` is the sooner of the header and idle ones.
const FRESH: u8 = 3;
/// Waiting for the next request; `deadline` is the idle one.
const IDLE: u8 = 0;
/// Part of a request head has arrived; `deadline` is the header one.
const HEAD: u8 = 1;
/// A request is being handled; the handler bounds its own body reads.
const BUSY: u8 = 2;

/// A timer that fires more often than this would cost more than the precision is worth.
const MIN_TICK: Duration = Duration::from_millis(1);

/// The state one connection's parts share: its I/O, its service and its timer.
#[derive(Debug)]
pub(crate) struct Watch {
    timeouts: Timeouts,
    /// The timer never wakes further apart than the shorter timeout, so a deadline moved earlier
    /// (a head starting on an idle connection) is still seen in time.
    tick: Duration,
    origin: Instant,
    phase: AtomicU8,
    /// Nanoseconds since `origin`.
    deadline: AtomicU64,
}

impl Watch {
    pub fn new(timeouts: Timeouts) -> Self {
        Self {
            timeouts,
            tick: timeouts.header.min(timeouts.idle).max(MIN_TICK),
            origin: Instant::now(),
            phase: AtomicU8::new(FRESH),
            deadline: AtomicU64::new(nanos(timeouts.header.min(timeouts.idle))),
        }
    }

    /// When the timer first fires.
    pub fn first_wake(&self) -> Instant {
        self.origin + self.tick
    }

    /// Bytes arrived: on a waiting connection they start a request head.
    fn read(&self) {
        match self.phase.load(Relaxed) {
            // The first head's time counts from the accept.
            FRESH => self.deadline.store(nanos(self.timeouts.header), Relaxed),
            IDLE => self.set_deadline(self.timeouts.header),
            _ => return,
        }
        self.phase.store(HEAD, Relaxed);
    }

    /// Bytes went out: an answer still being sent counts as progress.
    fn wrote(&self) {
        if self.phase.load(Relaxed) == IDLE {
            self.set_deadline(self.timeouts.idle);
        }
    }

    /// The head is complete and handed to the service.
    pub fn request_started(&self) {
        self.phase.store(BUSY, Relaxed);
    }

    /// The service answered; the answer is written next, then the connection waits.
    pub fn request_finished(&self) {
        self.set_deadline(self.timeouts.idle);
        self.phase.store(IDLE, Relaxed);
    }

    fn set_deadline(&self, after: Duration) {
        let at = self.elapsed().saturating_add(nanos(after));
        self.deadline.store(at, Relaxed);
    }

    fn elapsed(&self) -> u64 {
        nanos(self.origin.elapsed())
    }

    /// Called when the timer fires: `None` when the connection is past its deadline, else when
    /// to look again.
    ///
    /// Why the timer is never late: it is armed at most `tick` ahead, and no deadline is ever set
    /// earlier than the armed wake-up: later deadlines are set at least `tick` ahead (`tick` is
    /// the shorter timeout), and the first head's (`header` after the accept) is no earlier than
    /// the first wake-up.
    pub fn check(&self) -> Option<Instant> {
        let now = self.elapsed();
        let tick = nanos(self.tick);
        if self.phase.load(Relaxed) == BUSY {
            return Some(self.at(now.saturating_add(tick)));
        }
        let deadline = self.deadline.load(Relaxed);
        if now >= deadline {
            return None;
        }
        Some(self.at(deadline.min(now.saturating_add(tick))))
    }

    fn at(&self, nanos: u64) -> Instant {
        self.origin + Duration::from_nanos(nanos)
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// A connection's socket, telling its [`Watch`] when bytes move.
pub(crate) struct Watched<T> {
    inner: T,
    watch: std::sync::Arc<Watch>,
}

impl<T> Watched<T> {
    pub fn new(inner: T, watch: std::sync::Arc<Watch>) -> Self {
        Self { inner, watch }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.watch.read();
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(header_ms: u64, idle_ms: u64) -> Watch {
        Watch::new(Timeouts {
            header: Duration::from_millis(header_ms),
            idle: Duration::from_millis(idle_ms),
        })
    }

    /// Runs the connection's timer from `wake` until it cuts; when it cut, after the origin.
    async fn cut_at(w: &Watch, mut wake: Instant) -> Duration {
        for _ in 0..100 {
            tokio::time::sleep_until(wake).await;
            match w.check() {
                Some(next) => wake = next,
                None => return wake - w.origin,
            }
        }
        panic!("never cut");
    }

    /// One request answered and its answer written, so the connection is no longer fresh.
    fn served_one(w: &Watch) {
        w.read();
        w.request_started();
        w.request_finished();
        w.wrote();
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_is_cut_at_the_sooner_timeout() {
        let w = watch(5_000, 3_000);
        assert_eq!(
            cut_at(&w, w.first_wake()).await,
            Duration::from_millis(3_000)
        );
        let w = watch(2_000, 3_000);
        assert_eq!(
            cut_at(&w, w.first_wake()).await,
            Duration::from_millis(2_000)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_head_counts_from_the_accept() {
        let w = watch(2_000, 3_000);
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        w.read();
        assert_eq!(
            cut_at(&w, w.first_wake()).await,
            Duration::from_millis(2_000)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_keep_alive_connection_is_cut_after_the_idle_timeout() {
        let w = watch(1_000, 3_000);
        served_one(&w);
        assert_eq!(
            cut_at(&w, w.first_wake()).await,
            Duration::from_millis(3_000)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_later_head_gets_the_header_timeout_from_its_first_byte() {
        let w = watch(1_000, 3_000);
        served_one(&w);
        tokio::time::sleep_until(w.first_wake()).await;
        let Some(wake) = w.check() else {
            panic!("cut while idle for less than the idle timeout");
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        w.read();
        assert_eq!(cut_at(&w, wake).await, Duration::from_millis(2_500));
    }

    #[tokio::test(start_paused = true)]
    async fn a_busy_connection_is_never_cut_and_idles_from_the_answer() {
        let w = watch(1_000, 1_000);
        w.read();
        w.request_started();
        tokio::time::sleep(Duration::from_millis(5_000)).await;
        assert!(w.check().is_some());
        w.request_finished();
        tokio::time::sleep(Duration::from_millis(999)).await;
        assert!(w.check().is_some());
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(w.check().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn writing_an_answer_counts_as_progress() {
        let w = watch(1_000, 1_000);
        served_one(&w);
        tokio::time::sleep(Duration::from_millis(900)).await;
        w.wrote();
        assert!(w.check().is_some());
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert!(w.check().is_some());
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(w.check().is_none());
    }
}
