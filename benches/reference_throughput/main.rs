//! Throughput of R1 (`PUT /handles/{id}/session`) on the reference server.
//!
//! 64 keep-alive connections each write their own session through their own handle, changing a
//! custom property so every write is a real stored change (new changeNumber and ETag). Every
//! mode checks afterwards that each write answered 200 was stored (no lost update).
//!
//! - `cargo bench --bench reference_throughput`: the embedded server and an in-process client,
//!   5 s measured after a 1 s warm-up; requests/s and latency percentiles.
//! - `… -- --wrk [--threads N] [--duration 10s] [--binary PATH]`: starts `serve` (this build's,
//!   or PATH), prepares the sessions, runs `wrk -tN -c64 --latency`, and prints wrk's figures,
//!   the CPU time per request of the server and of wrk, and the requests/s those costs allow on
//!   this machine's cores (the ceiling when nothing else runs).
//! - `… -- --wrk-setup http://HOST:PORT OUT.lua [--threads N]` prepares a wrk run against a
//!   server started separately (`wrk -t2 -c64 -d10s -s OUT.lua http://HOST:PORT`), and
//!   `… -- --wrk-check http://HOST:PORT OUT.lua` then prints how many writes were stored.

mod client;
#[path = "../support/process.rs"]
mod process;
mod wrk;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use client::{session_path, Conn, CONNECTIONS};
use mpsd_conformance::reference::{self, Config};

const WARM_UP: Duration = Duration::from_secs(1);
const MEASURE: Duration = Duration::from_secs(5);

enum Mode {
    InProcess,
    Wrk(wrk::RunOptions),
    WrkSetup { url: String, out: PathBuf },
    WrkCheck { url: String, script: PathBuf },
}

fn main() {
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
    let result = mode().and_then(|mode| {
        runtime.block_on(async {
            match mode {
                Mode::InProcess => bench().await,
                Mode::Wrk(options) => wrk::run(&options).await,
                Mode::WrkSetup { url, out } => {
                    let threads = threads_option()?;
                    wrk::setup(&url, &out, threads).await
                }
                Mode::WrkCheck { url, script } => {
                    let stored = wrk::check(&url, &script).await?;
                    println!("stored writes: {stored}");
                    Ok(())
                }
            }
        })
    });
    if let Err(e) = result {
        eprintln!("reference_throughput: {e}");
        std::process::exit(1);
    }
}

fn mode() -> Result<Mode, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value_after = |flag: &str, n: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + n))
            .cloned()
    };
    if args.iter().any(|a| a == "--wrk-setup") {
        return match (value_after("--wrk-setup", 1), value_after("--wrk-setup", 2)) {
            (Some(url), Some(out)) => Ok(Mode::WrkSetup {
                url,
                out: out.into(),
            }),
            _ => Err("usage: --wrk-setup http://HOST:PORT OUT.lua [--threads N]".into()),
        };
    }
    if args.iter().any(|a| a == "--wrk-check") {
        return match (value_after("--wrk-check", 1), value_after("--wrk-check", 2)) {
            (Some(url), Some(script)) => Ok(Mode::WrkCheck {
                url,
                script: script.into(),
            }),
            _ => Err("usage: --wrk-check http://HOST:PORT SCRIPT.lua".into()),
        };
    }
    if args.iter().any(|a| a == "--wrk") {
        return Ok(Mode::Wrk(wrk::RunOptions {
            binary: value_after("--binary", 1)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_mpsd-conformance"))),
            threads: threads_option()?,
            duration: value_after("--duration", 1).unwrap_or_else(|| "10s".into()),
        }));
    }
    Ok(Mode::InProcess)
}

/// wrk's thread count; each thread drives its own share of the 64 sessions.
fn threads_option() -> Result<usize, String> {
    let args: Vec<String> = std::env::args().collect();
    let Some(i) = args.iter().position(|a| a == "--threads") else {
        return Ok(2);
    };
    match args.get(i + 1).and_then(|t| t.parse::<usize>().ok()) {
        Some(t) if t > 0 && CONNECTIONS % t == 0 => Ok(t),
        _ => Err(format!(
            "--threads needs a number that divides {CONNECTIONS}"
        )),
    }
}

async fn bench() -> Result<(), String> {
    let server = reference::start(Config::default())
        .await
        .map_err(|e| format!("failed to start the reference: {e}"))?;
    let addr = server.addr();
    let handles = client::prepare(addr).await?;

    let start = Instant::now();
    let warm_until = start + WARM_UP;
    let stop_at = warm_until + MEASURE;
    let mut tasks = Vec::new();
    for handle in handles {
        tasks.push(tokio::spawn(writer(addr, handle, warm_until, stop_at)));
    }
    let mut latencies = Vec::new();
    let mut failures = 0usize;
    let mut lost = 0u64;
    for task in tasks {
        let written = task
            .await
            .map_err(|e| format!("writer task failed: {e}"))??;
        latencies.extend(written.latencies);
        failures += written.failures;
        lost += written.lost;
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
    println!("  requests:   {count} (non-200: {failures}, lost updates: {lost})");
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
    if lost > 0 {
        return Err(format!("{lost} writes answered 200 were not stored"));
    }
    Ok(())
}

struct Written {
    /// Of the writes sent after the warm-up.
    latencies: Vec<Duration>,
    failures: usize,
    /// Writes answered 200 that the session's changeNumber does not count.
    lost: u64,
}

async fn writer(
    addr: SocketAddr,
    handle: String,
    warm_until: Instant,
    stop_at: Instant,
) -> Result<Written, String> {
    let mut conn = Conn::open(addr).await?;
    let path = session_path(&handle);
    let mut latencies = Vec::with_capacity(64 * 1024);
    let mut failures = 0;
    let mut stored = 0u64;
    let mut flip = false;
    loop {
        let sent = Instant::now();
        if sent >= stop_at {
            break;
        }
        flip = !flip;
        let body = format!(r#"{{"properties":{{"custom":{{"flip":{flip}}}}}}}"#);
        let (status, _) = conn.exchange("PUT", &path, &body).await?;
        if status == 200 {
            stored += 1;
        } else {
            failures += 1;
        }
        if sent >= warm_until {
            latencies.push(sent.elapsed());
        }
    }
    // Each write flips the property, so each one answered 200 is one more changeNumber.
    let counted = conn.change_number(&handle).await? - 1;
    Ok(Written {
        latencies,
        failures,
        lost: stored.saturating_sub(counted),
    })
}
