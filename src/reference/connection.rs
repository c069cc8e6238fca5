//! One accepted connection: HTTP/1.1 through hyper, the app as its service, and a watchdog that
//! closes it when it holds its slot without using it (see [`super::watchdog`]).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::ConnectInfo;
use axum::response::Response;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::watch;

use super::config::Timeouts;
use super::watchdog::{Watch, Watched};

/// What every connection of one server shares.
#[derive(Clone)]
pub(crate) struct Settings {
    pub timeouts: Timeouts,
    /// Whether requests carry the peer address; only the rate limiter reads it, and inserting it
    /// costs an allocation per request.
    pub connect_info: bool,
}

/// Serves `tcp` until the client closes it, the watchdog cuts it, or `stop` turns true (then
/// the request in progress is finished first).
pub(crate) async fn serve(
    tcp: TcpStream,
    remote: SocketAddr,
    app: Router,
    settings: Settings,
    mut stop: watch::Receiver<bool>,
) {
    // Responses are written whole, so Nagle would only add delay on keep-alive connections.
    let _ = tcp.set_nodelay(true);
    let watch = Arc::new(Watch::new(settings.timeouts));
    let service = AppService {
        app,
        watch: Arc::clone(&watch),
        remote: settings.connect_info.then_some(remote),
    };
    let io = TokioIo::new(Watched::new(tcp, Arc::clone(&watch)));
    let mut connection = pin!(http1::Builder::new()
        // The watchdog bounds the head (and idle time) itself, without a timer per request.
        .header_read_timeout(None)
        .serve_connection(io, service));
    let timer = tokio::time::sleep_until(watch.first_wake());
    let mut timer = pin!(timer);
    let mut stopping = *stop.borrow();
    if stopping {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            biased;
            // An error here is the client's doing (a reset, a malformed head hyper answered);
            // there is nobody to tell.
            _ = connection.as_mut() => return,
            _ = timer.as_mut() => match watch.check() {
                Some(next) => timer.as_mut().reset(next),
                None => return,
            },
            _ = stop.changed(), if !stopping => {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

/// The app as hyper's service, marking each request's start and end for the watchdog.
struct AppService {
    app: Router,
    watch: Arc<Watch>,
    remote: Option<SocketAddr>,
}

impl hyper::service::Service<hyper::Request<Incoming>> for AppService {
    type Response = Response;
    type Error = Infallible;
    type Future = Answered<<Router as tower_service::Service<hyper::Request<Incoming>>>::Future>;

    fn call(&self, mut request: hyper::Request<Incoming>) -> Self::Future {
        self.watch.request_started();
        if let Some(remote) = self.remote {
            request.extensions_mut().insert(ConnectInfo(remote));
        }
        // A Router clone is a reference count; `call` needs `&mut` only for tower's sake.
        let future = tower_service::Service::call(&mut self.app.clone(), request);
        Answered {
            future,
            watch: Arc::clone(&self.watch),
        }
    }
}

/// The app's future, telling the watchdog when the answer is ready.
pub(crate) struct Answered<F> {
    future: F,
    watch: Arc<Watch>,
}

impl<F: Future + Unpin> Future for Answered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let polled = Pin::new(&mut self.future).poll(cx);
        if polled.is_ready() {
            self.watch.request_finished();
        }
        polled
    }
}
