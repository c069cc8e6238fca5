//! The reference sheds what a real server would: a request head that never completes
//! (slowloris), a connection that sits idle, and it survives running out of file descriptors.
//! Timeouts are shortened through `Config` (or `serve`'s hidden flags) so the tests stay fast.

use crate::support;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mpsd_conformance::reference::{Config, Timeouts};
use support::{keep_alive, raw, read_one, Req, World};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SHORT: Duration = Duration::from_millis(300);
const LONG: Duration = Duration::from_secs(20);
/// Room for a loaded machine; still far below `LONG`, so the shorter timeout is what acted.
const SLACK: Duration = Duration::from_secs(4);

async fn world(header: Duration, idle: Duration) -> World {
    World::with(Config {
        timeouts: Timeouts { header, idle },
        ..Config::default()
    })
    .await
}

/// Reads until the server closes the connection; what it sent, and when it closed.
async fn until_closed(stream: &mut tokio::net::tcp::OwnedReadHalf) -> (Vec<u8>, Instant) {
    let mut received = Vec::new();
    let mut chunk = [0u8; 4096];
    let read_all = async {
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return Instant::now(),
                Ok(n) => received.extend_from_slice(&chunk[..n]),
            }
        }
    };
    match tokio::time::timeout(LONG, read_all).await {
        Ok(at) => (received, at),
        Err(_) => panic!("the connection was still open after {LONG:?}"),
    }
}

/// One keep-alive request on `stream`, answered (a 400: the id is no GUID, which is all the
/// server needs to look at).
async fn served_once(stream: &mut TcpStream) {
    stream
        .write_all(&keep_alive(&Req::get("/handles/not-a-guid/session")))
        .await
        .expect("send");
    assert_eq!(read_one(stream).await.status, 400);
}

fn assert_between(elapsed: Duration, at_least: Duration) {
    assert!(
        elapsed >= at_least,
        "closed after {elapsed:?}, before the timeout of {at_least:?}"
    );
    assert!(
        elapsed < at_least + SLACK,
        "closed only after {elapsed:?} (timeout {at_least:?})"
    );
}

#[tokio::test]
async fn a_slowloris_head_is_cut_after_the_header_timeout() {
    let w = world(SHORT, LONG).await;
    // The first head's time counts from the accept, which is after this.
    let started = Instant::now();
    let stream = TcpStream::connect(w.addr()).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(b"GET /handles HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .expect("send the first line");
    // One more header line every 50 ms: always sending, never finishing.
    let trickle = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if writer.write_all(b"X-Slow: 1\r\n").await.is_err() {
                return;
            }
        }
    });
    let (received, closed) = until_closed(&mut reader).await;
    trickle.abort();
    assert_between(closed - started, SHORT);
    assert!(
        received.is_empty(),
        "answered an unfinished head: {:?}",
        String::from_utf8_lossy(&received)
    );
}

#[tokio::test]
async fn a_slow_head_after_a_served_request_is_cut_after_the_header_timeout() {
    let w = world(SHORT, LONG).await;
    let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
    served_once(&mut stream).await;
    // Idle for longer than the header timeout: only the head's own time counts.
    tokio::time::sleep(SHORT * 2).await;
    stream
        .write_all(b"GET /handles HTTP/1.1\r\n")
        .await
        .expect("start a second head");
    let started = Instant::now();
    let (mut reader, _writer) = stream.into_split();
    let (received, closed) = until_closed(&mut reader).await;
    assert!(received.is_empty());
    assert_between(closed - started, SHORT);
}

#[tokio::test]
async fn a_head_that_completes_in_time_is_served() {
    let w = world(Duration::from_secs(2), LONG).await;
    let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
    let request = keep_alive(&Req::get("/handles/not-a-guid/session"));
    for piece in request.chunks(request.len().div_ceil(4)) {
        stream.write_all(piece).await.expect("send a piece");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(read_one(&mut stream).await.status, 400);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_idle_timeout() {
    let w = world(LONG, SHORT).await;
    let started = Instant::now();
    let stream = TcpStream::connect(w.addr()).await.expect("connect");
    let (mut reader, _writer) = stream.into_split();
    let (received, closed) = until_closed(&mut reader).await;
    assert!(received.is_empty());
    assert_between(closed - started, SHORT);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let w = world(LONG, SHORT).await;
    let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
    served_once(&mut stream).await;
    let answered = Instant::now();
    let (mut reader, _writer) = stream.into_split();
    let (received, closed) = until_closed(&mut reader).await;
    assert!(received.is_empty());
    assert_between(closed - answered, SHORT);
}

#[tokio::test]
async fn requests_within_the_idle_timeout_keep_a_connection_open() {
    let idle = Duration::from_millis(600);
    let w = world(LONG, idle).await;
    let mut stream = TcpStream::connect(w.addr()).await.expect("connect");
    let started = Instant::now();
    // Four pauses of half the idle timeout: the connection outlives the timeout twice over.
    for _ in 0..5 {
        served_once(&mut stream).await;
        tokio::time::sleep(idle / 2).await;
    }
    assert!(started.elapsed() > idle * 2);
}

/// `serve` in a child process under a file-descriptor limit; killed when dropped.
struct LimitedServer {
    child: std::process::Child,
    addr: SocketAddr,
}

impl LimitedServer {
    fn start(max_files: u32, timeout: Option<Duration>) -> Self {
        let mut script = format!("ulimit -n {max_files} && exec \"$0\" serve --addr 127.0.0.1:0");
        if let Some(timeout) = timeout {
            let secs = timeout.as_secs_f64();
            script += &format!(" --header-timeout {secs} --idle-timeout {secs}");
        }
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(env!("CARGO_BIN_EXE_mpsd-conformance-tested"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start serve");
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            BufReader::new(stdout)
                .read_line(&mut line)
                .expect("read the first line of serve");
        }
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"));
        Self { child, addr }
    }

    /// Stops the server and returns what it wrote on stderr.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            let _ = pipe.read_to_string(&mut stderr);
        }
        stderr
    }
}

impl Drop for LimitedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens `slow` connections that send nothing, then sends one normal request; returns how
/// long the normal client waited for its answer and what the server said on stderr.
async fn flood_then_serve(server: LimitedServer, slow: usize, patience: Duration) -> Duration {
    let addr = server.addr;
    let mut held = Vec::with_capacity(slow);
    for _ in 0..slow {
        held.push(
            TcpStream::connect(addr)
                .await
                .expect("the kernel queues the connection"),
        );
    }
    let started = Instant::now();
    let request = Req::get("/handles/not-a-guid/session").bytes();
    let reply = tokio::time::timeout(patience, raw(addr, &request, false))
        .await
        .unwrap_or_else(|_| panic!("a normal client was not served within {patience:?}"));
    let waited = started.elapsed();
    assert_eq!(reply.status, 400);
    // Still accepting afterwards.
    let again = tokio::time::timeout(patience, raw(addr, &request, false))
        .await
        .expect("served again");
    assert_eq!(again.status, 400);
    drop(held);
    let stderr = server.stop();
    assert!(
        stderr.contains("Too many open files"),
        "the server never ran out of descriptors, so this proved nothing; stderr: {stderr}"
    );
    waited
}

#[tokio::test]
async fn running_out_of_descriptors_is_survived_and_a_client_is_served_once_slow_ones_are_shed() {
    let timeout = Duration::from_secs(1);
    let server = LimitedServer::start(64, Some(timeout));
    let waited = flood_then_serve(server, 150, LONG).await;
    // The queued slow connections are shed in turn; the normal one waits at most a few rounds.
    assert!(waited < timeout * 6, "waited {waited:?}");
}

/// The issue's own figures: 600 slow connections under `ulimit -n 512`. The default timeouts
/// (30 s) only set how long each slow connection is held before it is shed; shortened through
/// `serve`'s flags, the same flood proves the same in seconds: the server runs out of
/// descriptors, survives, and serves a normal client within about one timeout (the default's
/// bound was 35 s for 30 s). The timeout must outlast opening the flood, or the first slow
/// connections are shed before the limit is reached and nothing is proved: 1 s did not on a
/// loaded machine (no "Too many open files"), 2 s and 3 s did; 4 s leaves room.
#[tokio::test]
async fn six_hundred_slow_connections_under_512_files_are_shed_within_a_timeout() {
    let timeout = Duration::from_secs(4);
    let server = LimitedServer::start(512, Some(timeout));
    let waited = flood_then_serve(server, 600, LONG).await;
    // The default's bound, 35 s for 30 s, kept as the same five seconds past one timeout.
    assert!(
        waited < timeout + Duration::from_secs(5),
        "waited {waited:?}"
    );
}
