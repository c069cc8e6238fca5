//! The harness against a distant target: `serve` behind a proxy of our own on loopback that
//! delays every chunk by `--delay-ms` (default 25) each way, a 50 ms round trip (netem is not
//! available on these machines). It times
//!
//! - `mpsd-conformance run` over the catalog at its defaults;
//! - `--cases N` (default 1,000) generated join cases (6 requests each) at the defaults and at
//!   each fixed `--jobs` of `--jobs-list`, the best of them named;
//! - Hurl on equivalent files (the same 6 requests a case) at each `--jobs` of the list, when
//!   `hurl` is on PATH;
//! - with `--libtest`, the `cargo test --test conformance` binary on the catalog's selection.
//!
//! Beside each figure of the harness it prints the critical-path bound: the longest case's round
//! trips × RTT, plus the total round trips ÷ the concurrency reached × RTT (round trips counted
//! from the transcripts of a second, untimed run of the same selection).
//!
//! `cargo bench --bench distant -- [--filter TEXT] [--delay-ms N] [--cases N]
//!  [--jobs-list 64,128,…] [--libtest] [--skip-generated] [--binary PATH] [--hold SECS]`
//!
//! `--hold SECS` only starts the server and the proxy, prints the proxy's URL and keeps them up.
//!
//! `--binary` times another build of the harness (an older commit, say); the server is always
//! this build's `serve`.

#[path = "support/generated.rs"]
mod generated;
#[path = "support/process.rs"]
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use generated::{generate_cases, hurl_requests, write_hurl_files};
use support::{load_average, start_server, ServerGuard};

struct Options {
    filter: String,
    delay: Duration,
    cases: usize,
    jobs: Vec<usize>,
    libtest: bool,
    generated: bool,
    /// The harness to time: this build's, or another (an older commit, for before/after).
    binary: PathBuf,
    /// Only start the server and the proxy, print the proxy's URL and keep them this long: for
    /// timing runs by hand (`/usr/bin/time mpsd-conformance run --target URL …`).
    hold: Option<Duration>,
}

fn options() -> Result<Options, String> {
    let mut out = Options {
        filter: String::new(),
        delay: Duration::from_millis(25),
        cases: 1_000,
        jobs: vec![64, 128, 256, 512, 1024],
        libtest: false,
        generated: true,
        binary: PathBuf::from(env!("CARGO_BIN_EXE_mpsd-conformance")),
        hold: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--filter" => out.filter = value("--filter")?,
            "--delay-ms" => {
                out.delay = Duration::from_millis(number(&value("--delay-ms")?)? as u64)
            }
            "--cases" => out.cases = number(&value("--cases")?)?,
            "--jobs-list" => {
                out.jobs = value("--jobs-list")?
                    .split(',')
                    .map(number)
                    .collect::<Result<_, _>>()?
            }
            "--libtest" => out.libtest = true,
            "--skip-generated" => out.generated = false,
            "--binary" => out.binary = PathBuf::from(value("--binary")?),
            "--hold" => out.hold = Some(Duration::from_secs(number(&value("--hold")?)? as u64)),
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(out)
}

fn number(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{text}` is not a positive number")),
    }
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

/// Round trips of a run, from its report.json with every transcript.
#[derive(Clone, Copy, Debug, Default)]
struct RoundTrips {
    /// The longest chain of round trips one case waited on: its steps' exchanges (a burst's
    /// copies, `label[N]`, are one; a fixture's create and handle are one) and one for its
    /// teardown, whose requests go together.
    longest: usize,
    /// Every exchange of the run.
    total: usize,
}

fn round_trips(report: &Value) -> RoundTrips {
    let mut out = RoundTrips::default();
    for case in report["cases"].as_array().into_iter().flatten() {
        let exchanges = case["exchanges"]
            .as_array()
            .map_or(&[][..], |v| v.as_slice());
        out.total += exchanges.len();
        let mut steps = BTreeSet::new();
        let mut teardown = 0;
        for e in exchanges {
            let label = e["step"].as_str().unwrap_or_default();
            if label.starts_with("teardown") {
                teardown = 1;
            } else {
                steps.insert(label.split('[').next().unwrap_or(label).to_string());
            }
        }
        // The `session` fixture's handle goes out beside its create (run/together.rs): one
        // round trip for the two.
        let beside = steps
            .iter()
            .filter(|l| {
                l.strip_suffix("#handle")
                    .is_some_and(|ns| steps.contains(&format!("{ns}#create")))
            })
            .count();
        let steps = steps.len() - beside;
        out.longest = out.longest.max(steps + teardown);
    }
    out
}

/// The critical-path bound of a run, in seconds.
fn bound(trips: RoundTrips, reached: usize, rtt: Duration) -> f64 {
    let rtt = rtt.as_secs_f64();
    trips.longest as f64 * rtt + trips.total as f64 / reached.max(1) as f64 * rtt
}

fn read_report(dir: &Path) -> Result<Value, String> {
    let path = dir.join("report.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// `run` on a selection, and what it reached.
struct Harness<'a> {
    binary: &'a Path,
    target: &'a str,
    scratch: &'a Path,
    rtt: Duration,
}

impl Harness<'_> {
    fn command(&self, selection: &[&str], extra: &[&str], reports: &Path) -> Command {
        let mut run = Command::new(self.binary);
        run.args(["run", "--target", self.target, "-q"])
            .args(selection)
            .args(extra)
            .arg("--report-dir")
            .arg(reports);
        run
    }

    /// Round trips of the selection, from an untimed run that keeps every transcript.
    fn count(&self, selection: &[&str]) -> Result<RoundTrips, String> {
        let reports = self.scratch.join("counted");
        let run = self.command(
            selection,
            &["--transcripts", "all", "--report", "json"],
            &reports,
        );
        timed(run, closing_line)?;
        Ok(round_trips(&read_report(&reports)?))
    }

    /// Times one run at its default reports, and prints it beside its bound.
    fn time(
        &self,
        label: &str,
        selection: &[&str],
        extra: &[&str],
        trips: RoundTrips,
    ) -> Result<f64, String> {
        let reports = self.scratch.join("timed");
        let run = timed(self.command(selection, extra, &reports), closing_line)?;
        let report = read_report(&reports)?;
        let concurrency = &report["concurrency"];
        // A build without the field ran DESIGN's fixed default, unless told otherwise.
        let fixed = extra
            .iter()
            .position(|a| *a == "--jobs")
            .and_then(|i| extra.get(i + 1))
            .and_then(|j| j.parse().ok());
        let reached = concurrency["reached"]
            .as_u64()
            .map_or(fixed.unwrap_or(8), |r| r as usize);
        let bound = bound(trips, reached, self.rtt);
        let wall = run.wall.as_secs_f64();
        println!(
            "{label:<44} {wall:>7.2} s  exit {}  {}\n{:<44} concurrency {} reached {reached}; bound {bound:.2} s \
             ({} round trips longest, {} in all): {:.2}× the bound",
            run.exit,
            run.summary,
            "",
            concurrency["mode"].as_str().unwrap_or("?"),
            trips.longest,
            trips.total,
            wall / bound.max(f64::EPSILON),
        );
        Ok(wall)
    }
}

fn closing_line(l: &str) -> Option<String> {
    l.contains(" passed,").then(|| l.trim().to_string())
}

fn main() -> Result<(), String> {
    let options = options()?;
    // The server is always this build's: only the harness differs between builds.
    let (server, url) = start_server(Path::new(env!("CARGO_BIN_EXE_mpsd-conformance")), &[])?;
    let _server = ServerGuard(server);
    let upstream = url.trim_start_matches("http://").to_string();
    let proxy = start_proxy(upstream, options.delay)?;
    if let Some(hold) = options.hold {
        println!("{proxy}");
        std::thread::sleep(hold);
        return Ok(());
    }
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let rtt = options.delay * 2;
    println!(
        "through a proxy adding {} ms each way, on {} CPUs (load average {})",
        options.delay.as_millis(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        load_average()
    );
    println!("harness: {}", options.binary.display());
    let harness = Harness {
        binary: &options.binary,
        target: &proxy,
        scratch: scratch.path(),
        rtt,
    };

    let filter: Vec<&str> = if options.filter.is_empty() {
        vec![]
    } else {
        vec!["--filter", &options.filter]
    };
    let trips = harness.count(&filter)?;
    let catalog = harness.time(
        &format!("catalog (filter {:?}), defaults", options.filter),
        &filter,
        &[],
        trips,
    )?;
    println!("  target: within 2× the bound and under 3 s ({catalog:.2} s)");

    if options.generated {
        let cases_dir = scratch.path().join("generated");
        let catalog_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
        generate_cases(&catalog_dir, &cases_dir, options.cases)?;
        let dir = cases_dir.to_string_lossy().into_owned();
        let selection = ["--cases", dir.as_str()];
        let trips = harness.count(&selection)?;
        let n = options.cases;
        let defaults = harness.time(
            &format!("{n} generated cases, defaults"),
            &selection,
            &[],
            trips,
        )?;
        let mut best: Option<(usize, f64)> = None;
        for &jobs in &options.jobs {
            let j = jobs.to_string();
            let wall = harness.time(
                &format!("{n} generated cases, --jobs {jobs}"),
                &selection,
                &["--jobs", &j],
                trips,
            )?;
            if best.is_none_or(|(_, b)| wall < b) {
                best = Some((jobs, wall));
            }
        }
        if let Some((jobs, wall)) = best {
            println!("  best fixed: --jobs {jobs}, {wall:.2} s; defaults {defaults:.2} s");
        }
        hurl(scratch.path(), &proxy, n, &options.jobs, defaults)?;
    }

    if options.libtest {
        libtest(&options, &proxy, catalog)?;
    }
    Ok(())
}

/// Hurl on files equivalent to the generated cases, at each `--jobs`, when it is installed.
fn hurl(
    scratch: &Path,
    target: &str,
    count: usize,
    jobs: &[usize],
    ours: f64,
) -> Result<(), String> {
    let version = Command::new("hurl").arg("--version").output();
    let Some(version) = version.ok().filter(|o| o.status.success()) else {
        println!("hurl: not on PATH, not compared");
        return Ok(());
    };
    let version = String::from_utf8_lossy(&version.stdout);
    let files = write_hurl_files(&scratch.join("hurl"), count, true)?;
    let mut best: Option<(usize, f64)> = None;
    for &j in jobs {
        let mut command = Command::new("hurl");
        command
            .args(["--test", "--jobs", &j.to_string(), "--variable"])
            .arg(format!("target={target}"))
            .args(&files)
            .stderr(Stdio::null());
        let run = timed(command, |_| None)?;
        let wall = run.wall.as_secs_f64();
        println!(
            "{:<44} {wall:>7.2} s  exit {}  ({} requests a file)",
            format!("hurl --test --jobs {j}, {count} files"),
            run.exit,
            hurl_requests(true)
        );
        if run.exit == 0 && best.is_none_or(|(_, b)| wall < b) {
            best = Some((j, wall));
        }
    }
    match best {
        Some((j, wall)) => println!(
            "  {} at its best (--jobs {j}): {wall:.2} s; the harness at defaults {ours:.2} s ({:.2}×)",
            version.lines().next().unwrap_or("hurl").trim(),
            ours / wall
        ),
        None => println!("  hurl passed at no --jobs: not compared"),
    }
    Ok(())
}

/// The `cargo test --test conformance` binary with no flags, on the same selection.
fn libtest(options: &Options, proxy: &str, run: f64) -> Result<(), String> {
    let tests = conformance_binary()?;
    let mut test = Command::new(&tests);
    test.env("CONFORMANCE_TARGET", proxy)
        .env_remove("CONFORMANCE_REPORT_DIR")
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if !options.filter.is_empty() {
        test.arg(&options.filter);
    }
    // `run` runs the `may` cases too: the same selection.
    test.arg("--include-ignored");
    let plain = timed(test, |l| {
        l.starts_with("test result:").then(|| l.trim().to_string())
    })?;
    println!(
        "{:<44} {:>7.2} s  exit {}  {}",
        "cargo test --test conformance (no flags)",
        plain.wall.as_secs_f64(),
        plain.exit,
        plain.summary
    );
    println!(
        "  ratio to run: {:.2}× (target ≤ 1.5×)",
        plain.wall.as_secs_f64() / run.max(f64::EPSILON)
    );
    Ok(())
}
