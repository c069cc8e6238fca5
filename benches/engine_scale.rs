//! The engine at scale: N generated cases, each equivalent to the catalog's join case (fixture
//! session + invite handle, caller b joins through R1, its checks and read-backs, then teardown:
//! 9 requests today, counted on a run of one case with every transcript kept), run by the real
//! binary against a separately started `mpsd-conformance serve`.
//!
//! `cargo bench --bench engine_scale -- [--cases N] [--jobs N] [--binary PATH] [--catalog DIR]
//!  [--target URL] [--hurl] [--wrk] [--keep DIR]`
//!
//! Prints cases/s, requests/s, the harness's CPU time per request (user + system of the `run`
//! process alone, from wait4) and its peak RSS. `--binary` runs another build of the harness
//! (an older commit, say) on the same generated set, for before/after figures; the server is
//! always this build's `serve` (or `--target`), so only the harness differs; an older build may
//! not read this catalog's format, so `--catalog DIR` takes suite.json, rules.json, the schemas
//! and `body/join.json` from another checkout's `cases/`. The machine's load average is printed
//! beside the figures: requests/s moves with it, CPU per request much less. `--hurl` also
//! writes the equivalent Hurl files (3 requests each, no teardown) and times `hurl --test
//! --jobs N` on them when `hurl` is on PATH; then Hurl files that send the harness's 9 requests
//! (its read-backs and teardown too: the same work).
//!
//! `--wrk` adds a yardstick for the machine: `wrk` on PATH sends GETs of a handle that does not
//! exist (a 404 with a short JSON body) to the same server over as many connections as `--jobs`,
//! and its CPU per request is printed beside the harness's, with the ratio. Per-request CPU moves
//! with the machine: one build (8797dbc) measured 26.5 µs and, on a slower machine the same day,
//! 45-50 µs; another measured 49-76 µs within one hour on one machine. wrk, run right after the
//! harness on the same machine, says roughly how fast the machine was; roughly, for wrk's cost is
//! mostly the kernel's and the harness's mostly its own (the builds of 2026-12-07 measured
//! 3.7-4.0× wrk on a quiet machine and 5.4× on a busy one).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "support/generated.rs"]
mod generated;
#[path = "support/process.rs"]
mod process;

use generated::{
    generate_cases, hurl_requests, write_hurl_files, write_hurl_files_as_harness,
    REQUESTS_AS_HARNESS,
};

use process::{
    cpu_ticks, load_average, measure, start_server, ticks_per_second, wrk_requests, ServerGuard,
};

struct Options {
    cases: usize,
    jobs: usize,
    binary: PathBuf,
    catalog: PathBuf,
    target: Option<String>,
    hurl: bool,
    wrk: bool,
    keep: Option<PathBuf>,
}

fn main() {
    match options().and_then(|o| bench(&o)) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("engine_scale: {e}");
            std::process::exit(1);
        }
    }
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        cases: 10_000,
        jobs: 64,
        binary: PathBuf::from(env!("CARGO_BIN_EXE_mpsd-conformance")),
        catalog: Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"),
        target: None,
        hurl: false,
        wrk: false,
        keep: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--cases" => o.cases = number(&value("--cases")?)?,
            "--jobs" => o.jobs = number(&value("--jobs")?)?,
            "--binary" => o.binary = PathBuf::from(value("--binary")?),
            "--catalog" => o.catalog = PathBuf::from(value("--catalog")?),
            "--target" => o.target = Some(value("--target")?),
            "--keep" => o.keep = Some(PathBuf::from(value("--keep")?)),
            "--hurl" => o.hurl = true,
            "--wrk" => o.wrk = true,
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

fn number(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

fn bench(o: &Options) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    let root = o
        .keep
        .clone()
        .unwrap_or_else(|| scratch.path().to_path_buf());
    let cases_dir = root.join("cases");
    generate_cases(&o.catalog, &cases_dir, o.cases)?;

    let mut server = None;
    let target = match &o.target {
        Some(url) => url.clone(),
        None => {
            let (child, url) =
                start_server(Path::new(env!("CARGO_BIN_EXE_mpsd-conformance")), &[])?;
            server = Some(ServerGuard(child));
            url
        }
    };
    let per_case = requests_per_case(o, &root, &target)?;
    println!(
        "engine_scale: {} cases × {per_case} requests, --jobs {}, against {target}",
        o.cases, o.jobs
    );
    println!("harness: {}", o.binary.display());
    println!("load average before: {}", load_average());

    let reports = root.join("reports");
    let mut run = Command::new(&o.binary);
    run.args(["run", "--cases"])
        .arg(&cases_dir)
        .args([
            "--target",
            &target,
            "--jobs",
            &o.jobs.to_string(),
            "--report-dir",
        ])
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let server_pid = server.as_ref().map(|s| s.0.id());
    let server_before = server_pid.and_then(cpu_ticks);
    let measured = measure(run)?;
    let server_after = server_pid.and_then(cpu_ticks);
    if measured.exit != 0 {
        return Err(format!(
            "the run exited {} (every generated case must pass):\n{}",
            measured.exit, measured.stderr
        ));
    }
    let requests = o.cases as u64 * per_case;
    let secs = measured.wall.as_secs_f64();
    let harness_us = (measured.user + measured.sys).as_secs_f64() * 1e6 / requests as f64;
    println!(
        "mpsd-conformance: {:.2} s, {:.0} cases/s, {:.0} requests/s, {:.1} µs CPU per request \
         (user {:.2} s + sys {:.2} s), peak RSS {:.1} MiB",
        secs,
        o.cases as f64 / secs,
        requests as f64 / secs,
        harness_us,
        measured.user.as_secs_f64(),
        measured.sys.as_secs_f64(),
        measured.max_rss_kib as f64 / 1024.0,
    );
    if let (Some(before), Some(after)) = (server_before, server_after) {
        // Both share the machine: what one request costs the two of them bounds requests/s.
        let ticks = (after.0 + after.1).saturating_sub(before.0 + before.1);
        let server_us = ticks as f64 / ticks_per_second() * 1e6 / requests as f64;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "server CPU per request: {server_us:.1} µs; ceiling on {cores} cores at these costs \
             (harness + server): {:.0} requests/s",
            cores as f64 * 1e6 / (harness_us + server_us)
        );
    }

    println!("load average after: {}", load_average());
    if o.wrk {
        wrk(o, &target, harness_us)?;
    }
    if o.hurl {
        hurl(&root, o, &target)?;
    }
    drop(server);
    Ok(())
}

/// The requests one generated case sends with this harness: the exchanges of a run of one such
/// case that keeps every transcript (a newer harness may read back more than an older one).
fn requests_per_case(o: &Options, root: &Path, target: &str) -> Result<u64, String> {
    let cases = root.join("one-case");
    generate_cases(&o.catalog, &cases, 1)?;
    let reports = root.join("one-case-reports");
    let status = Command::new(&o.binary)
        .args(["run", "--transcripts", "all", "--cases"])
        .arg(&cases)
        .args(["--target", target, "--report-dir"])
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", o.binary.display()))?;
    if !status.success() {
        return Err(format!("the one-case run exited {status}"));
    }
    let text = std::fs::read_to_string(reports.join("report.json"))
        .map_err(|e| format!("the one-case run's report.json: {e}"))?;
    let report: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("the one-case report.json: {e}"))?;
    match report
        .pointer("/cases/0/exchanges")
        .and_then(|e| e.as_array())
    {
        Some(exchanges) if !exchanges.is_empty() => Ok(exchanges.len() as u64),
        _ => Err("the one-case run recorded no exchange".into()),
    }
}

/// The machine's yardstick: wrk's CPU per request (user + system, from wait4) against the same
/// server, and the harness's as a multiple of it.
fn wrk(o: &Options, target: &str, harness_us: f64) -> Result<(), String> {
    let url = format!("{target}/handles/00000000-0000-4000-8000-000000000000");
    let mut command = Command::new("wrk");
    command
        .args(["-t1", "-c", &o.jobs.to_string(), "-d3s", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let measured = match measure(command) {
        Ok(m) => m,
        Err(e) => {
            println!("wrk: not run ({e})");
            return Ok(());
        }
    };
    let requests = wrk_requests(&measured.stdout)
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            format!(
                "wrk exited {} without a request count:\n{}",
                measured.exit, measured.stdout
            )
        })?;
    let wrk_us = (measured.user + measured.sys).as_secs_f64() * 1e6 / requests as f64;
    println!(
        "wrk (GET, 404, -c {}): {requests} requests, {wrk_us:.1} µs CPU per request \
         (user {:.2} s + sys {:.2} s); the harness spends {:.1}× wrk's CPU per request",
        o.jobs,
        measured.user.as_secs_f64(),
        measured.sys.as_secs_f64(),
        harness_us / wrk_us,
    );
    Ok(())
}

/// The same workload through Hurl, twice: files that create a session, create an invite handle
/// to it and join it as caller b, with the join case's checks (3 requests, the issue's
/// comparison); then files that also send what the harness sends besides (the oracle's three
/// read-backs and teardown: the same 9 requests, the same work).
fn hurl(root: &Path, o: &Options, target: &str) -> Result<(), String> {
    let checks = write_hurl_files(&root.join("hurl"), o.cases, false)?;
    hurl_run("hurl", &checks, hurl_requests(false), o, target)?;
    let same = write_hurl_files_as_harness(&root.join("hurl-as-harness"), o.cases)?;
    hurl_run(
        "hurl, the harness's 9 requests",
        &same,
        REQUESTS_AS_HARNESS,
        o,
        target,
    )
}

fn hurl_run(
    label: &str,
    files: &[PathBuf],
    per_file: u64,
    o: &Options,
    target: &str,
) -> Result<(), String> {
    let mut command = Command::new("hurl");
    command
        .args(["--test", "--jobs", &o.jobs.to_string(), "--variable"])
        .arg(format!("target={target}"))
        .args(files)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let measured = match measure(command) {
        Ok(m) => m,
        Err(e) => {
            println!("{label}: not run ({e})");
            return Ok(());
        }
    };
    if measured.exit != 0 {
        let tail: String = measured
            .stderr
            .lines()
            .rev()
            .take(20)
            .collect::<Vec<_>>()
            .join("\n");
        return Err(format!("{label} exited {}:\n{tail}", measured.exit));
    }
    let requests = o.cases as u64 * per_file;
    let secs = measured.wall.as_secs_f64();
    println!(
        "{label}: {:.2} s, {:.0} files/s, {:.0} requests/s, {:.1} µs CPU per request, peak RSS {:.1} MiB",
        secs,
        o.cases as f64 / secs,
        requests as f64 / secs,
        (measured.user + measured.sys).as_secs_f64() * 1e6 / requests as f64,
        measured.max_rss_kib as f64 / 1024.0,
    );
    Ok(())
}
