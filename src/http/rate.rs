//! `--rate N`: at most N requests per second over the whole run, whoever sends them (cases,
//! fixtures, bursts, teardown, the probe). Requests are spaced 1/N s apart — a token bucket that
//! holds one token — so no window of one second ever sees more than N, which is what a server's
//! rolling-window limiter counts. No crate: the whole of it is one lock and one sleep.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimit {
    interval: Duration,
    /// When the next request may go.
    next: Mutex<Option<Instant>>,
}

impl RateLimit {
    /// `per_second` must be above 0 (the flag refuses anything else).
    pub fn new(per_second: f64) -> RateLimit {
        RateLimit {
            interval: Duration::from_secs_f64(1.0 / per_second.max(f64::MIN_POSITIVE)),
            next: Mutex::new(None),
        }
    }

    /// Waits for this request's turn. A caller that gives up while waiting leaves its turn
    /// unused: the rate only gets lower.
    pub async fn turn(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn turns_are_spaced_so_no_second_holds_more_than_n() {
        let limit = std::sync::Arc::new(RateLimit::new(4.0));
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..9 {
            let limit = limit.clone();
            tasks.spawn(async move {
                limit.turn().await;
                Instant::now()
            });
        }
        let mut times: Vec<Duration> = Vec::new();
        while let Some(t) = tasks.join_next().await {
            times.push(t.expect("task") - start);
        }
        times.sort();
        assert_eq!(times[0], Duration::ZERO);
        assert_eq!(times[8], Duration::from_millis(2000));
        for window in times.windows(5) {
            assert!(window[4] - window[0] >= Duration::from_secs(1), "{times:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_limit_lets_the_next_request_go_at_once() {
        let limit = RateLimit::new(2.0);
        limit.turn().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let before = Instant::now();
        limit.turn().await;
        assert_eq!(Instant::now(), before);
    }
}
