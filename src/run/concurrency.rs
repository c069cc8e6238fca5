//! The cases in flight: a fixed number (`--jobs N`), or as many as the `limiter` learns the
//! target takes, fed by every request a case sends. A case holds a slot for its steps; its
//! teardown runs beside the next cases.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use tokio::sync::Notify;

use super::limiter::{Limiter, Sample};

/// Where the limit starts unless `--jobs` fixes it: DESIGN's default.
pub const DEFAULT_JOBS: u32 = 8;

/// The ceiling of an adaptive limit unless `--max-jobs` says otherwise.
///
/// Throughput: with one request of each case in flight, cases ÷ round trip requests a second.
/// 1,024 cases keep a target a 50 ms round trip away (a cloud region away) at about 20,000
/// requests a second, about as many as the harness's one thread sends and judges; past that the
/// queue is the harness's own, and its rising round trip makes the limiter back off anyway. At 256
/// the ceiling itself was the catalog's bound there (its 15,500 round trips ÷ 256 × 50 ms: 3 s).
///
/// Connections and files: each case in flight holds up to about four (`open_files`): 4,160
/// descriptors at the ceiling, past the soft limit of 1,024 many systems set, so start-up raises
/// the soft limit toward that (within the hard limit) and lowers the ceiling to what it allows.
///
/// What a target sees: at most this many cases' requests at once, on as many keep-alive
/// connections from one client, reached only while its answers stay as quick as the quietest
/// ones; a 429 or 503, a refused or reset connection, or a queue building halve or shrink it.
pub const DEFAULT_MAX_JOBS: u32 = 1024;

/// How the number of cases in flight is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConcurrencyMode {
    /// Exactly this many (`--jobs N`, `cargo test -- --test-threads N`).
    Fixed(usize),
    /// Learnt from the target, from `initial`, never above `max`.
    Adaptive { initial: usize, max: usize },
}

impl Default for ConcurrencyMode {
    fn default() -> Self {
        ConcurrencyMode::Adaptive {
            initial: DEFAULT_JOBS as usize,
            max: DEFAULT_MAX_JOBS as usize,
        }
    }
}

impl ConcurrencyMode {
    /// The most cases that may ever be in flight.
    pub fn ceiling(self) -> usize {
        match self {
            ConcurrencyMode::Fixed(n) => n.max(1),
            ConcurrencyMode::Adaptive { max, .. } => max.max(1),
        }
    }
}

/// What report.json and the console say of a run's concurrency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ConcurrencyInfo {
    /// `adaptive` or `fixed`.
    pub mode: String,
    pub initial: usize,
    pub max: usize,
    /// The most cases that were in flight at once.
    pub reached: usize,
}

#[derive(Debug)]
struct State {
    mode: ConcurrencyMode,
    /// `None` when the mode is fixed.
    limiter: Option<Limiter>,
    in_flight: usize,
    reached: usize,
}

impl State {
    fn new(mode: ConcurrencyMode) -> State {
        let limiter = match mode {
            ConcurrencyMode::Fixed(_) => None,
            ConcurrencyMode::Adaptive { initial, max } => Some(Limiter::new(initial, max)),
        };
        State {
            mode,
            limiter,
            in_flight: 0,
            reached: 0,
        }
    }

    fn limit(&self) -> usize {
        match (&self.limiter, self.mode) {
            (Some(l), _) => l.limit(),
            (None, mode) => mode.ceiling(),
        }
    }
}

/// Shared by a run's cases (through the run's context) and its scheduler.
#[derive(Debug)]
pub struct Concurrency {
    state: Mutex<State>,
    /// A slot came free or the limit rose: the scheduler looks again.
    changed: Notify,
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency {
            state: Mutex::new(State::new(ConcurrencyMode::default())),
            changed: Notify::new(),
        }
    }
}

/// A case's place among those in flight, given back when dropped.
#[derive(Debug)]
pub struct Slot(Arc<Concurrency>);

impl Drop for Slot {
    fn drop(&mut self) {
        // A run configured afresh while slots were out starts its count from zero.
        let mut state = self.0.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        drop(state);
        self.0.changed.notify_one();
    }
}

impl Concurrency {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a run: the mode its options chose, nothing learnt yet.
    pub fn configure(&self, mode: ConcurrencyMode) {
        *self.lock() = State::new(mode);
    }

    /// Waits until one more case may start. One caller waits at a time (the scheduler).
    pub async fn slot(self: &Arc<Self>) -> Slot {
        loop {
            {
                let mut state = self.lock();
                if state.in_flight < state.limit() {
                    state.in_flight += 1;
                    state.reached = state.reached.max(state.in_flight);
                    return Slot(Arc::clone(self));
                }
            }
            // A release between the check and this wait leaves a permit: no wake-up is lost.
            self.changed.notified().await;
        }
    }

    /// Learns from one request's answer (an adaptive limit only).
    pub fn record(&self, sample: Sample) {
        let rose = {
            let mut state = self.lock();
            let before = state.limit();
            if let Some(limiter) = state.limiter.as_mut() {
                limiter.record(sample);
            }
            state.limit() > before
        };
        if rose {
            self.changed.notify_one();
        }
    }

    pub fn info(&self) -> ConcurrencyInfo {
        let state = self.lock();
        let (mode, initial, max) = match state.mode {
            ConcurrencyMode::Fixed(n) => ("fixed", n, n),
            ConcurrencyMode::Adaptive { initial, max } => ("adaptive", initial.min(max), max),
        };
        ConcurrencyInfo {
            mode: mode.to_string(),
            initial,
            max,
            reached: state.reached,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::limiter::Signal;
    use std::time::Duration;

    fn answered() -> Sample {
        Sample {
            rtt: Duration::from_millis(50),
            signal: Signal::Answered,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn slots_follow_the_learnt_limit_and_a_fixed_one_ignores_samples() {
        let c = Arc::new(Concurrency::default());
        c.configure(ConcurrencyMode::Adaptive { initial: 2, max: 4 });
        let held = vec![c.slot().await, c.slot().await];
        let third = tokio::time::timeout(Duration::from_millis(20), c.slot());
        assert!(third.await.is_err(), "two in flight at a limit of two");
        for _ in 0..8 {
            c.record(answered());
        }
        let third = tokio::time::timeout(Duration::from_secs(5), c.slot()).await;
        assert!(third.is_ok(), "a risen limit lets the waiting case start");
        assert_eq!(c.info().reached, 3);
        drop((held, third));

        c.configure(ConcurrencyMode::Fixed(1));
        let one = c.slot().await;
        for _ in 0..100 {
            c.record(answered());
        }
        let second = tokio::time::timeout(Duration::from_millis(20), c.slot());
        assert!(second.await.is_err(), "a fixed limit does not learn");
        drop(one);
        let info = c.info();
        assert_eq!(
            (info.mode.as_str(), info.max, info.reached),
            ("fixed", 1, 1)
        );
    }
}
