//! The catalog against a distant target: `serve` behind a proxy of our own on loopback that
//! delays every chunk by `--delay-ms` (default 25) each way, a 50 ms round trip (netem is not
//! available on these machines). It times `mpsd-conformance run` at its defaults and the
//! `cargo test --test conformance` binary with no flags, on the same selection, and then that
//! binary with `--test-threads 2`: the cases in flight libtest's default gives on two cores,
//! which is how `cargo test` ran every trial before it ran them ahead.
//!
//! `cargo bench --bench distant -- [--filter TEXT] [--delay-ms N] [--skip-threads]`
//! (`--filter ''` selects the whole catalog; the default, `body/`, keeps the bench short).

#[path = "support/process.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use support::{load_average, start_server, ServerGuard};

struct Options {
    filter: String,
    delay: Duration,
    threads: bool,
}

fn options() -> Result<Options, String> {
    let mut out = Options {
        filter: "body/".into(),
        delay: Duration::from_millis(25),
        threads: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--filter" => out.filter = args.next().ok_or("--filter needs a value")?,
            "--delay-ms" => {
                let ms = args.next().ok_or("--delay-ms needs a value")?;
                out.delay = Duration::from_millis(ms.parse().map_err(|e| format!("{ms}: {e}"))?);
            }
            "--skip-threads" => out.threads = false,
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(out)
}

/// Forwards one direction, each chunk `delay` after it was read: latency, not a bandwidth cap.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    delay: Duration,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, bytes)) = rx.recv().await {
            tokio::time::sleep_until(due.into()).await;
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if tx
                    .send((Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
                {
                    break;
                }
            }
        }
    }
    drop(tx);
    let _ = writer.await;
}

/// A delaying TCP proxy to `upstream` on a free loopback port, on a runtime of its own thread.
fn start_proxy(upstream: String, delay: Duration) -> Result<String, String> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = ready_tx.send(Err(e.to_string()));
                return;
            }
        };
        runtime.block_on(async move {
            let listener = match TcpListener::bind("127.0.0.1:0").await {
                Ok(l) => l,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            let addr = listener.local_addr().map(|a| a.to_string());
            let _ = ready_tx.send(addr.map_err(|e| e.to_string()));
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::join!(pump(cr, sw, delay), pump(sr, cw, delay));
                });
            }
        });
    });
    let addr = ready_rx
        .recv()
        .map_err(|_| "the proxy thread ended".to_string())??;
    Ok(format!("http://{addr}"))
}

/// The conformance test binary, built by cargo (its path from cargo's own words).
fn conformance_binary() -> Result<PathBuf, String> {
    let out = Command::new(env!("CARGO"))
        .args(["test", "--release", "--test", "conformance", "--no-run"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .map_err(|e| format!("cargo: {e}"))?;
    let text = String::from_utf8_lossy(&out.stderr);
    text.lines()
        .find_map(|l| {
            let l = l.trim();
            l.strip_prefix("Executable tests/conformance.rs (")
                .and_then(|rest| rest.strip_suffix(')'))
        })
        .map(|p| Path::new(env!("CARGO_MANIFEST_DIR")).join(p))
        .ok_or_else(|| format!("no conformance binary in cargo's output:\n{text}"))
}

struct Timed {
    wall: Duration,
    exit: i32,
    /// libtest's "N passed; N failed" line, or run's closing line.
    summary: String,
}

fn timed(mut command: Command, summary_of: fn(&str) -> Option<String>) -> Result<Timed, String> {
    let started = Instant::now();
    let out = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot start: {e}"))?;
    let wall = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    Ok(Timed {
        wall,
        exit: out.status.code().unwrap_or(-1),
        summary: text
            .lines()
            .rev()
            .find_map(summary_of)
            .unwrap_or_else(|| "(no summary)".into()),
    })
}

fn main() -> Result<(), String> {
    let options = options()?;
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_mpsd-conformance"));
    let tests = conformance_binary()?;
    let (server, url) = start_server(&binary, &[])?;
    let _server = ServerGuard(server);
    let upstream = url.trim_start_matches("http://").to_string();
    let proxy = start_proxy(upstream, options.delay)?;
    let reports = tempfile::tempdir().map_err(|e| e.to_string())?;
    println!(
        "the catalog through a proxy adding {} ms each way (filter {:?}), on {} CPUs (load average {})",
        options.delay.as_millis(),
        options.filter,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );

    let mut run = Command::new(&binary);
    run.args(["run", "--target", &proxy, "--report", "json", "-q"])
        .arg("--report-dir")
        .arg(reports.path());
    if !options.filter.is_empty() {
        run.args(["--filter", &options.filter]);
    }
    let run = timed(run, |l| {
        l.contains(" passed,").then(|| l.trim().to_string())
    })?;
    println!(
        "{:<44} {:>8.2} s  exit {}  {}",
        "run (defaults)",
        run.wall.as_secs_f64(),
        run.exit,
        run.summary
    );

    let libtest = |threads: Option<&str>| {
        let mut test = Command::new(&tests);
        test.env("CONFORMANCE_TARGET", &proxy)
            .env_remove("CONFORMANCE_REPORT_DIR")
            .current_dir(env!("CARGO_MANIFEST_DIR"));
        if !options.filter.is_empty() {
            test.arg(&options.filter);
        }
        // `run` runs the `may` cases too: the same selection.
        test.arg("--include-ignored");
        if let Some(n) = threads {
            test.args(["--test-threads", n]);
        }
        timed(test, |l| {
            l.starts_with("test result:").then(|| l.trim().to_string())
        })
    };
    let plain = libtest(None)?;
    println!(
        "{:<44} {:>8.2} s  exit {}  {}",
        "cargo test --test conformance (no flags)",
        plain.wall.as_secs_f64(),
        plain.exit,
        plain.summary
    );
    println!(
        "  ratio to run: {:.2}× (target ≤ 1.5×)",
        plain.wall.as_secs_f64() / run.wall.as_secs_f64().max(f64::EPSILON)
    );
    if options.threads {
        let two = libtest(Some("2"))?;
        println!(
            "{:<44} {:>8.2} s  exit {}  {}",
            "  … --test-threads 2 (2 cases in flight)",
            two.wall.as_secs_f64(),
            two.exit,
            two.summary
        );
    }
    Ok(())
}
