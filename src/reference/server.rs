//! Building the app and running it: in-process for tests (`start`), or as `serve`.

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::middleware::from_fn_with_state;
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch, Semaphore};
use tokio::task::JoinHandle;

use super::config::Config;
use super::connection::{self, Settings};
use super::dispatch::{dispatch, App, AppState};
use super::faulty;
use super::limit_rules::LimitRules;
use super::rate_limit::{self, RateLimiter};
use super::{inflight, padding, store::Store};

/// How long `RunningServer::shutdown` waits for open connections before it stops waiting.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
/// How long accepting pauses after running out of file descriptors: short, because descriptors
/// come back as soon as the watchdogs shed idle connections.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The router, with fresh in-memory state.
pub fn app(config: Config) -> Router {
    let state: AppState = Arc::new(App {
        store: Store::new(config.forget_idle),
        faults: config.faults,
    });
    let mut router = Router::new()
        .fallback(dispatch)
        .with_state(Arc::clone(&state));
    // The framework's faults sit next to the handler, the vendor's middleware around both.
    if faulty::edges::planted(config.faults) {
        let edges = from_fn_with_state(Arc::clone(&state), faulty::edges::layer);
        router = router.layer(edges);
    }
    if faulty::planted(config.faults) {
        let layer = Arc::new(faulty::Faulty::new(state));
        router = router.layer(from_fn_with_state(layer, faulty::layer));
    }
    let limits = LimitRules::of(&config);
    if let Some(rate) = limits.rate {
        router = router.layer(from_fn_with_state(
            Arc::new(RateLimiter::new(rate)),
            rate_limit::layer,
        ));
    }
    if let Some(pad) = config.pad_answers {
        router = router.layer(from_fn_with_state(pad, padding::layer));
    }
    // Added last so it is outermost: shedding costs the least when it happens first.
    if let Some(inflight) = limits.inflight {
        let slots = Arc::new(Semaphore::new(inflight.max.min(Semaphore::MAX_PERMITS)));
        router = router.layer(from_fn_with_state((slots, inflight), inflight::layer));
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
    let settings = Settings {
        timeouts: config.timeouts,
        connect_info: config.rate_limit.is_some(),
    };
    // Turns the handler into routes once, not per connection.
    let app = app(config).with_state(());
    // Connections hold a receiver each; when the last one is gone, every connection has ended.
    let (stop, stopped) = watch::channel(false);
    let mut signal = pin!(signal);
    let mut out_of_files = false;
    loop {
        let accepted = tokio::select! {
            biased;
            _ = signal.as_mut() => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((tcp, remote)) => {
                out_of_files = false;
                let task =
                    connection::serve(tcp, remote, app.clone(), settings.clone(), stopped.clone());
                tokio::spawn(task);
            }
            Err(e) if is_connection_error(&e) => {}
            Err(e) => {
                // Out of descriptors (or kernel memory) is a state the server recovers from as
                // connections close; the connection stays queued in the backlog meanwhile.
                if !std::mem::replace(&mut out_of_files, true) {
                    eprintln!("warning: failed to accept a connection ({e}); retrying every {ACCEPT_BACKOFF:?}");
                }
                tokio::select! {
                    biased;
                    _ = signal.as_mut() => break,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                }
            }
        }
    }
    drop(listener);
    drop(stopped);
    let _ = stop.send(true);
    stop.closed().await;
    Ok(())
}

/// A connection that failed between the kernel's accept and ours; the next one is unaffected.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
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
