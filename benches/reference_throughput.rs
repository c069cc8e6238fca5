//! Throughput of R1 (`PUT /handles/{id}/session`) on the embedded reference server.
//!
//! 64 keep-alive connections each write their own session through their own handle, toggling a
//! custom property so every write is a real stored change (new changeNumber and ETag). Runs
//! for a fixed time after a warm-up and prints requests/s and latency percentiles.
//!
//! `cargo bench --bench reference_throughput`
//!
//! The same binary prepares a `wrk` run against a separately started server:
//! `cargo bench --bench reference_throughput -- --wrk-setup http://127.0.0.1:8080 script.lua`
//! creates 64 handles and sessions there and writes a wrk script that drives them
//! (`wrk -t2 -c64 -d10s -s script.lua http://127.0.0.1:8080`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mpsd_conformance::reference::{self, Config};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNECTIONS: usize = 64;
const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);
const SCID: &str = "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40";
const XUID: &str = "2533274790395904";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start a tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = match args.iter().position(|a| a == "--wrk-setup") {
        Some(i) => match (args.get(i + 1), args.get(i + 2)) {
            (Some(url), Some(out)) => runtime.block_on(wrk_setup(url, out)),
            _ => Err("usage: --wrk-setup http://HOST:PORT OUT.lua".to_owned()),
        },
        None => runtime.block_on(bench()),
    };
    if let Err(e) = result {
        eprintln!("reference_throughput: {e}");
        std::process::exit(1);
    }
}

async fn bench() -> Result<(), String> {
    let server = reference::start(Config::default())
        .await
        .map_err(|e| format!("failed to start the reference: {e}"))?;
    let addr = server.addr();
    let handles = prepare(addr).await?;

    let start = Instant::now();
    let warm_until = start + WARM_UP;
    let stop_at = warm_until + MEASURE;
    let mut tasks = Vec::new();
    for handle in handles {
        tasks.push(tokio::spawn(writer(addr, handle, warm_until, stop_at)));
    }
    let mut latencies = Vec::new();
    let mut failures = 0usize;
    for task in tasks {
        let (lat, failed) = task
            .await
            .map_err(|e| format!("writer task failed: {e}"))??;
        latencies.extend(lat);
        failures += failed;
    }
    server.shutdown().await;

    latencies.sort_unstable();
    let count = latencies.len();
    let pct = |p: f64| {
        latencies
            .get(((count as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "reference_throughput: R1 PUT /handles/{{id}}/session, {CONNECTIONS} keep-alive connections, {:.1}s measured after {:.1}s warm-up",
        MEASURE.as_secs_f64(),
        WARM_UP.as_secs_f64()
    );
    println!("  requests:   {count} (non-200: {failures})");
    println!(
        "  throughput: {:.0} requests/s",
        count as f64 / MEASURE.as_secs_f64()
    );
    println!(
        "  latency:    p50 {:?}  p90 {:?}  p99 {:?}  max {:?}",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        latencies.last().copied().unwrap_or_default()
    );
    if failures > 0 {
        return Err(format!("{failures} writes were not answered 200"));
    }
    Ok(())
}

/// Creates one handle and session per connection.
async fn prepare(addr: SocketAddr) -> Result<Vec<String>, String> {
    let mut conn = Conn::open(addr).await?;
    let mut handles = Vec::new();
    for i in 0..CONNECTIONS {
        let body = format!(
            r#"{{"version":1,"type":"invite","invitedXuid":"1","sessionRef":{{"scid":"{SCID}","templateName":"lobby","name":"bench-{i}-{}"}}}}"#,
            std::process::id()
        );
        let (status, reply) = conn.exchange("POST", "/handles", &body).await?;
        if status != 201 {
            return Err(format!("POST /handles answered {status}"));
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&reply).map_err(|e| format!("handle document: {e}"))?;
        let id = doc["id"]
            .as_str()
            .ok_or("handle document without id")?
            .to_owned();
        let join = r#"{"members":{"me":{"properties":{"system":{"active":true}}}}}"#;
        let (status, _) = conn
            .exchange("PUT", &format!("/handles/{id}/session"), join)
            .await?;
        if status != 201 {
            return Err(format!("joining the session answered {status}"));
        }
        handles.push(id);
    }
    Ok(handles)
}

async fn writer(
    addr: SocketAddr,
    handle: String,
    warm_until: Instant,
    stop_at: Instant,
) -> Result<(Vec<Duration>, usize), String> {
    let mut conn = Conn::open(addr).await?;
    let path = format!("/handles/{handle}/session");
    let mut latencies = Vec::with_capacity(64 * 1024);
    let mut failures = 0;
    let mut flip = false;
    loop {
        let sent = Instant::now();
        if sent >= stop_at {
            break;
        }
        flip = !flip;
        let body = format!(r#"{{"properties":{{"custom":{{"flip":{flip}}}}}}}"#);
        let (status, _) = conn.exchange("PUT", &path, &body).await?;
        if sent >= warm_until {
            latencies.push(sent.elapsed());
            if status != 200 {
                failures += 1;
            }
        }
    }
    Ok((latencies, failures))
}

/// A minimal keep-alive HTTP/1.1 client: the reference always answers with Content-Length.
struct Conn {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("nodelay: {e}"))?;
        Ok(Self {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    async fn exchange(
        &mut self,
        method: &str,
        path: &str,
        body: &str,
    ) -> Result<(u16, Vec<u8>), String> {
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: XBL3.0 x={XUID};bench\r\nX-Xbl-Contract-Version: 107\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| format!("send: {e}"))?;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if let Some(end) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_ascii_lowercase();
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .ok_or("no status line")?;
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                if self.buffer.len() >= end + 4 + len {
                    let body = self.buffer[end + 4..end + 4 + len].to_vec();
                    self.buffer.drain(..end + 4 + len);
                    return Ok((status, body));
                }
            }
            let n = self
                .stream
                .read(&mut chunk)
                .await
                .map_err(|e| format!("read: {e}"))?;
            if n == 0 {
                return Err("the server closed the connection".into());
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

/// Prepares a `wrk` run: 64 handles and sessions on the server at `url`, and a script that
/// writes them. wrk's two threads each take half of the handles and count up a custom property,
/// so every write is a real change.
async fn wrk_setup(url: &str, out: &str) -> Result<(), String> {
    let hostport = url
        .strip_prefix("http://")
        .ok_or("the URL must start with http://")?
        .trim_end_matches('/');
    let addr: SocketAddr = tokio::net::lookup_host(hostport)
        .await
        .map_err(|e| format!("resolve {hostport}: {e}"))?
        .next()
        .ok_or("no address")?;
    let handles = prepare(addr).await?;
    let list = handles
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let script = format!(
        r#"-- generated by `cargo bench --bench reference_throughput -- --wrk-setup`
local handles = {{ {list} }}
local next_thread = 0
wrk.method = "PUT"
wrk.headers["Authorization"] = "XBL3.0 x={XUID};bench"
wrk.headers["X-Xbl-Contract-Version"] = "107"
wrk.headers["Content-Type"] = "application/json"

function setup(thread)
  thread:set("thread_index", next_thread)
  next_thread = next_thread + 1
end

local counter = 0
function request()
  counter = counter + 1
  -- Thread t writes handles t, t+2, t+4, ...: no two threads share a session.
  local slot = ((counter % (#handles / 2)) * 2) + thread_index + 1
  local body = '{{"properties":{{"custom":{{"n":' .. counter .. '}}}}}}'
  return wrk.format(nil, "/handles/" .. handles[slot] .. "/session", nil, body)
end
"#
    );
    std::fs::write(out, script).map_err(|e| format!("write {out}: {e}"))?;
    println!("wrote {out} for {} sessions on {url}", handles.len());
    Ok(())
}
