//! What an exploration costs: operations and programs per second, CPU per operation and peak
//! RSS of `mpsd-conformance explore`, measured as a separate process (wait4).
//!
//! Two shapes: the default command, with the embedded reference in the same process (what a
//! user runs; its CPU and memory include the server's), and the explorer alone against a
//! `serve` child (the harness's own cost per operation).
//!
//! `cargo bench --bench explore` (20 s each); `EXPLORE_BENCH_SECS=600 cargo bench --bench explore`
//! for the 10-minute figure of peak RSS.

#[path = "support/process.rs"]
mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::{load_average, measure, start_server, ServerGuard};

fn main() {
    if let Err(e) = bench() {
        eprintln!("explore: {e}");
        std::process::exit(1);
    }
}

fn bench() -> Result<(), String> {
    let binary = Path::new(env!("CARGO_BIN_EXE_mpsd-conformance"));
    let seconds: u64 = std::env::var("EXPLORE_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!(
        "explore for {seconds}s, seed 1, on {} CPUs (load average {})",
        std::thread::available_parallelism().map_or(0, usize::from),
        load_average()
    );
    println!(
        "{:<34} {:>10} {:>10} {:>12} {:>14} {:>10}",
        "shape", "ops/s", "programs/s", "CPU µs/op", "peak RSS MiB", "findings"
    );
    one("embedded reference (default)", binary, None, seconds)?;
    let (child, url) = start_server(binary, &[])?;
    let _server = ServerGuard(child);
    one("explorer alone (serve child)", binary, Some(&url), seconds)?;
    Ok(())
}

fn one(shape: &str, binary: &Path, target: Option<&str>, seconds: u64) -> Result<(), String> {
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let stdout_path = work.path().join("stdout");
    let stdout = std::fs::File::create(&stdout_path).map_err(|e| e.to_string())?;
    let mut command = Command::new(binary);
    command
        .args([
            "explore",
            "--seed",
            "1",
            "--no-replay",
            "--quiet",
            "--report",
            "json",
        ])
        .arg("--budget")
        .arg(format!("{seconds}s"))
        .arg("--report-dir")
        .arg(work.path())
        .env("XDG_CACHE_HOME", work.path())
        .env_remove("CONFORMANCE_TARGET")
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::piped());
    if let Some(url) = target {
        command.args(["--target", url]);
    }
    let m = measure(command)?;
    let text = std::fs::read_to_string(&stdout_path).map_err(|e| e.to_string())?;
    // The closing line: "N operations, N programs, N finding(s), N could not be judged in …".
    let numbers: Vec<u64> = text
        .lines()
        .last()
        .unwrap_or_default()
        .split(' ')
        .filter_map(|w| w.parse().ok())
        .collect();
    let [operations, programs, findings, ..] = numbers[..] else {
        return Err(format!(
            "no closing line (exit {}): {text}{}",
            m.exit, m.stderr
        ));
    };
    if m.exit != 0 {
        return Err(format!("exit {}: {text}{}", m.exit, m.stderr));
    }
    let wall = m.wall.as_secs_f64();
    let cpu = (m.user + m.sys).as_secs_f64();
    println!(
        "{:<34} {:>10.0} {:>10.0} {:>12.1} {:>14.1} {:>10}",
        shape,
        operations as f64 / wall,
        programs as f64 / wall,
        cpu * 1e6 / operations.max(1) as f64,
        m.max_rss_kib as f64 / 1024.0,
        findings
    );
    Ok(())
}
