//! Building the app and running it: in-process for tests (`start`), or as `serve`.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::middleware::from_fn_with_state;
use axum::serve::ListenerExt;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};
use tokio::task::JoinHandle;

use super::config::Config;
use super::dispatch::{dispatch, App, AppState};
use super::faults::{self, Fault};
use super::rate_limit::{self, RateLimiter};
use super::{inflight, store::Store};

/// How long `RunningServer::shutdown` waits for open connections before it stops waiting.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The router, with fresh in-memory state.
pub fn app(config: Config) -> Router {
    let state: AppState = Arc::new(App {
        store: Store::default(),
        faults: config.faults,
    });
    let mut router = Router::new().fallback(dispatch).with_state(state);
    // A fault in a limiter switches the limiter on, so that there is something to break.
    let rate_limit = config.rate_limit.or_else(|| {
        let on = config.faults.has(Fault::RateLimitWithoutRetryAfter);
        on.then_some(faults::FAULTY_RATE_LIMIT)
    });
    if let Some(max) = rate_limit {
        router = router.layer(from_fn_with_state(
            Arc::new(RateLimiter::new(max, config.faults)),
            rate_limit::layer,
        ));
    }
    let max_inflight = config.max_inflight.or_else(|| {
        let on = config.faults.has(Fault::OverloadWithoutRetryAfter);
        on.then_some(faults::FAULTY_MAX_INFLIGHT)
    });
    // Added last so it is outermost: shedding costs the least when it happens first.
    if let Some(max) = max_inflight {
        let slots = Arc::new(Semaphore::new(max.min(Semaphore::MAX_PERMITS)));
        router = router.layer(from_fn_with_state((slots, config.faults), inflight::layer));
    }
    router
}

/// A server running in-process on the current tokio runtime. Dropping it starts a graceful
/// shutdown without waiting for it.
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl RunningServer {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets open requests finish, and waits for the server task (a connection
    /// that stays busy longer than a grace period is cut).
    pub async fn shutdown(self) {
        let Self { shutdown, task, .. } = self;
        let _ = shutdown.send(());
        let abort = task.abort_handle();
        if tokio::time::timeout(SHUTDOWN_GRACE, task).await.is_err() {
            abort.abort();
        }
    }
}

/// Binds 127.0.0.1:0 and serves in a spawned task.
pub async fn start(config: Config) -> io::Result<RunningServer> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let addr = listener.local_addr()?;
    let (shutdown, signal) = oneshot::channel::<()>();
    let task = tokio::spawn(run(listener, config, async move {
        // A dropped sender counts as a request to stop.
        let _ = signal.await;
    }));
    Ok(RunningServer {
        addr,
        shutdown,
        task,
    })
}

/// Binds `addr`, prints `listening on http://HOST:PORT` as the first stdout line, and serves
/// until SIGTERM or Ctrl-C, then shuts down gracefully.
pub async fn serve(addr: &str, config: Config) -> io::Result<()> {
    let stop = stop_signal()?;
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    {
        let mut stdout = io::stdout().lock();
        writeln!(stdout, "listening on http://{local}")?;
        stdout.flush()?;
    }
    run(listener, config, stop).await
}

async fn run(
    listener: TcpListener,
    config: Config,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    // Responses are written whole, so Nagle would only add delay on keep-alive connections.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app(config).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal)
    .await
}

/// Ctrl-C or (on Unix) SIGTERM. Installed before binding so a failure is reported, not ignored.
fn stop_signal() -> io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    })
}
