//! Ctrl-C and SIGTERM, handled in one place. Every signal goes to the run's `Interrupt`: the first
//! stops the run (no new case starts, the steps in flight end, the probe is abandoned; teardown
//! gets a grace period) and decides the exit code: 130 for Ctrl-C, 143 for SIGTERM, which CI
//! runners send on cancel. A second signal cuts teardown short. Reports are still written.

use tokio::sync::watch;

use crate::errln;
use crate::exit::Exit;
use crate::run::{Interrupt, TEARDOWN_GRACE};

/// A signal that stops a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C on a terminal.
    Interrupt,
    /// SIGTERM: a CI runner cancelling the job, a `kill`.
    Terminate,
}

impl Signal {
    pub fn exit(self) -> Exit {
        match self {
            Signal::Interrupt => Exit::Interrupted,
            Signal::Terminate => Exit::Terminated,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "interrupted (Ctrl-C)",
            Signal::Terminate => "terminated (SIGTERM)",
        }
    }
}

/// What has been received so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// The first signal: it decides the exit code.
    pub first: Option<Signal>,
    /// How many signals came, the first included.
    pub count: u32,
}

/// The signals of a run.
pub struct Signals {
    state: watch::Receiver<Received>,
}

impl Signals {
    /// Starts listening; must be called inside the run's runtime. From then on a signal no longer
    /// kills the process: it goes to `interrupt`.
    pub fn listen(interrupt: Interrupt) -> std::io::Result<Signals> {
        let mut next = Listener::install()?;
        let (tx, state) = watch::channel(Received::default());
        tokio::spawn(async move {
            while let Some(signal) = next.recv().await {
                let mut now = Received::default();
                tx.send_modify(|r| {
                    r.count += 1;
                    r.first.get_or_insert(signal);
                    now = *r;
                });
                interrupt.signal();
                if now.count == 1 {
                    errln!(
                        "{}: no new case starts; the cases in flight end and tear down (at most {} s; a second signal cuts that short), then reports are written",
                        signal.name(),
                        TEARDOWN_GRACE.as_secs()
                    );
                } else {
                    errln!(
                        "{} again ({} signals): teardown is cut short; reports are still written",
                        signal.name(),
                        now.count
                    );
                }
            }
        });
        Ok(Signals { state })
    }

    /// Waits for the first signal.
    pub async fn first_signal(&self) -> Signal {
        let mut state = self.state.clone();
        loop {
            if let Some(signal) = state.borrow_and_update().first {
                return signal;
            }
            if state.changed().await.is_err() {
                // The listener ended (it never does while the runtime runs): no signal will come.
                std::future::pending::<()>().await;
            }
        }
    }

    pub fn received(&self) -> Received {
        *self.state.borrow()
    }
}

/// The OS listeners, installed at once so that no signal between installing and awaiting is lost.
struct Listener {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Listener {
    fn install() -> std::io::Result<Listener> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Listener {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Listener {})
    }

    async fn recv(&mut self) -> Option<Signal> {
        #[cfg(unix)]
        {
            tokio::select! {
                s = self.interrupt.recv() => s.map(|()| Signal::Interrupt),
                s = self.terminate.recv() => s.map(|()| Signal::Terminate),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c()
                .await
                .ok()
                .map(|()| Signal::Interrupt)
        }
    }
}
