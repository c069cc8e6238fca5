//! Interruption: one cancellation for the whole run, shared by the probe, every step, every retry
//! and teardown. The first signal stops the run — no case starts, the steps in flight end at
//! once — and leaves teardown a grace period; a second signal cuts teardown short too.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How long teardown may still run once the run is interrupted (issue 7: at most 10 s).
pub const TEARDOWN_GRACE: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, Default)]
pub struct Interrupt {
    first: CancellationToken,
    again: CancellationToken,
}

impl Interrupt {
    pub fn new() -> Interrupt {
        Interrupt::default()
    }

    /// A signal came: the first interrupts the run, any later one forces teardown to stop.
    pub fn signal(&self) {
        if self.first.is_cancelled() {
            self.again.cancel();
        } else {
            self.first.cancel();
        }
    }

    pub fn is_interrupted(&self) -> bool {
        self.first.is_cancelled()
    }

    /// Resolves when the run is interrupted.
    pub async fn interrupted(&self) {
        self.first.cancelled().await
    }

    /// Resolves when teardown must stop: a second signal, or `grace` after the first.
    pub async fn teardown_cut(&self, grace: Duration) {
        tokio::select! {
            _ = self.again.cancelled() => {}
            _ = async {
                self.first.cancelled().await;
                tokio::time::sleep(grace).await;
            } => {}
        }
    }

    /// The run's cancellation, for work that stops at the first signal (preflight, retries).
    pub fn token(&self) -> CancellationToken {
        self.first.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_signal_interrupts_and_the_second_cuts_teardown() {
        let i = Interrupt::new();
        assert!(!i.is_interrupted());
        let cut = tokio::time::timeout(Duration::from_millis(20), i.teardown_cut(Duration::ZERO));
        assert!(cut.await.is_err(), "no signal, no cut");
        i.signal();
        assert!(i.is_interrupted());
        i.interrupted().await;
        let graceful = tokio::time::timeout(
            Duration::from_millis(50),
            i.teardown_cut(Duration::from_secs(60)),
        );
        assert!(
            graceful.await.is_err(),
            "teardown keeps its grace after one signal"
        );
        i.signal();
        let forced = tokio::time::timeout(
            Duration::from_millis(50),
            i.teardown_cut(Duration::from_secs(60)),
        );
        assert!(
            forced.await.is_ok(),
            "a second signal cuts teardown at once"
        );
    }
}
