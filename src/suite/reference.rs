//! The embedded reference server, for a test that wants a healthy server to compare with, or a
//! stand-in for its own while it is being written.

use crate::cli::EmbeddedServer;

/// The reference implementation of the contract, serving on a free loopback port until dropped.
pub struct ReferenceServer(EmbeddedServer);

impl ReferenceServer {
    /// Starts it on `127.0.0.1`, port 0, on a thread of its own.
    pub fn start() -> std::io::Result<ReferenceServer> {
        EmbeddedServer::start().map(ReferenceServer)
    }

    /// Where it serves: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        self.0.url()
    }
}
