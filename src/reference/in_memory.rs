//! One connection served from memory, without a socket: the fuzz target of the server's request
//! parsing (path, headers, body) drives the whole app this way.

use std::convert::Infallible;

use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::config::Config;
use super::server::app;

/// Room for one side's bytes in flight; either side waits when it is full.
const PIPE_BYTES: usize = 64 * 1024;

/// Serves `request` (one or more HTTP/1.1 requests, then the end of the client's side) on a
/// fresh app with the default configuration and returns every byte the server answered.
pub async fn exchange(request: &[u8]) -> Vec<u8> {
    let (mut client, server) = tokio::io::duplex(PIPE_BYTES);
    let router = app(Config::default()).with_state(());
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut router = router.clone();
        async move {
            let answer = tower_service::Service::call(&mut router, request).await;
            Ok::<_, Infallible>(match answer {
                Ok(answer) => answer,
                Err(never) => match never {},
            })
        }
    });
    let connection = http1::Builder::new()
        // The client's end of writing is not the end of the exchange: its answers are still due.
        .half_close(true)
        .serve_connection(TokioIo::new(server), service);
    let (mut reader, mut writer) = tokio::io::split(&mut client);
    let send = async {
        // The server may close first (a malformed head): what it did not read is of no interest.
        let _ = writer.write_all(request).await;
        let _ = writer.shutdown().await;
    };
    let mut answered = Vec::new();
    let receive = reader.read_to_end(&mut answered);
    // An error is the server refusing the bytes (hyper answers a malformed head itself).
    let _ = tokio::join!(connection, send, receive);
    answered
}
