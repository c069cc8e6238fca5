//! The embedded reference server as a default target: started on a free loopback port, in
//! its own runtime thread, for callers that are not async themselves (the libtest harness). It
//! lives on the front ends' side: the engine only sees a `StartedTarget`.

use std::sync::mpsc;
use std::thread;

use crate::reference;
use crate::run::StartedTarget;

/// The target a command was given, or the embedded reference (with `config`) started for it;
/// `Err` after saying why it could not start.
pub(super) fn target_or_embedded(
    url: Option<&String>,
    config: reference::Config,
) -> Result<crate::run::Target, crate::exit::Exit> {
    use crate::run::Target;
    match url {
        Some(url) => Ok(Target::Url(url.clone())),
        None => match EmbeddedServer::start_with(config) {
            Ok(server) => Ok(Target::Started(Box::new(server))),
            Err(e) => {
                crate::errln!("error: failed to start the embedded reference server: {e}");
                Err(crate::exit::Exit::Usage)
            }
        },
    }
}

/// The reference server running on a thread of its own until dropped.
pub struct EmbeddedServer {
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl EmbeddedServer {
    pub fn start() -> std::io::Result<EmbeddedServer> {
        Self::start_with(reference::Config::default())
    }

    /// The reference with its options: `explore` has it forget what finished programs left.
    pub fn start_with(config: reference::Config) -> std::io::Result<EmbeddedServer> {
        let (ready_tx, ready_rx) = mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("mpsd-reference".into())
            .spawn(move || {
                let runtime = match two_thread_runtime() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                runtime.block_on(async move {
                    match reference::start(config).await {
                        Ok(server) => {
                            let _ = ready_tx.send(Ok(server.url()));
                            let _ = stop_rx.await;
                            server.shutdown().await;
                        }
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                        }
                    }
                });
            })?;
        let url = ready_rx.recv().map_err(|_| {
            std::io::Error::other("the reference server thread ended before it started")
        })??;
        Ok(EmbeddedServer {
            url,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl StartedTarget for EmbeddedServer {
    fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for EmbeddedServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The runtime the embedded reference and the explorer run on: two workers, so that the server
/// and what drives it never wait on each other.
pub(super) fn two_thread_runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
