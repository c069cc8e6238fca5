//! The engine at scale: N generated cases, each equivalent to the catalog's join case (fixture
//! session + invite handle, caller b joins through R1, its checks and read-backs, then teardown:
//! 9 requests today, counted on a run of one case with every transcript kept), run by the real
//! binary against a separately started `mpsd-conformance serve`.
//!
//! `cargo bench --bench engine_scale -- [--cases N] [--jobs N] [--binary PATH] [--catalog DIR]
//!  [--target URL] [--hurl] [--wrk] [--floor] [--keep DIR] [--against PATH] [--rounds N]`
//!
//! Prints cases/s, requests/s, the harness's CPU time per request (user + system of the `run`
//! process alone, from wait4) and its peak RSS. `--binary` runs another build of the harness
//! (an older commit, say) on the same generated set, for before/after figures; the server is
//! always this build's `serve` (or `--target`), so only the harness differs; an older build may
//! not read this catalog's format, so `--catalog DIR` takes suite.json, rules.json, the schemas
//! and `body/join.json` from another checkout's `cases/`. The machine's load average is printed
//! beside the figures: requests/s moves with it, CPU per request much less. `--hurl` also
//! writes the equivalent Hurl files (3 requests each, no teardown) and times `hurl --test
//! --jobs N` on them when `hurl` is on PATH, and prints the harness's cases/s (and, with
//! `--floor`, bare hyper's) as a multiple of their files/s, issue 17's comparison; then Hurl
//! files that send the harness's 9 requests (its read-backs and teardown too: the same work).
//!
//! `--against PATH` times another build beside this one (or `--binary`'s), alternating, on the
//! same cases and server, `--rounds` times (5 unless given; `--rounds` alone repeats one build),
//! then prints each build's median, least and most CPU per request, its median system time and
//! cases/s, its highest peak RSS, and in how many of the pairs the first build took less CPU.
//! Back to back and alternating, because CPU per request drifts with the machine by more than
//! most changes move it: one build measured 36.9 and 59.6 µs within ten minutes (2026-12-08).
//!
//! `--wrk` adds a yardstick for the machine: `wrk` on PATH sends GETs of a handle that does not
//! exist (a 404 with a short JSON body) to the same server over as many connections as `--jobs`,
//! and its CPU per request is printed beside the harness's, with the ratio. Per-request CPU moves
//! with the machine: one build (8797dbc) measured 26.5 µs and, on a slower machine the same day,
//! 45-50 µs; another measured 49-76 µs within one hour on one machine. wrk, run right after the
//! harness on the same machine, says roughly how fast the machine was; roughly, for wrk's cost is
//! mostly the kernel's and the harness's mostly its own (the builds of 2026-12-07 measured
//! 3.7-4.0× wrk on a quiet machine and 5.4× on a busy one).
//!
//! `--floor` sends the same 9 requests a case, for as many cases and as many at once, through
//! bare hyper on one current-thread runtime (support/floor.rs): the HTTP stack the harness sends
//! through, judging, keeping and reporting nothing. Its CPU per request (this process's thread,
//! from getrusage) is the floor of any harness on hyper on this machine; the harness's is
//! printed as a multiple of it and as the µs above it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "support/floor.rs"]
mod floor;
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
    floor: bool,
    keep: Option<PathBuf>,
    /// Another build, timed alternately with `binary`.
    against: Option<PathBuf>,
    rounds: Option<usize>,
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
        floor: false,
        keep: None,
        against: None,
        rounds: None,
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
            "--against" => o.against = Some(PathBuf::from(value("--against")?)),
            "--rounds" => o.rounds = Some(number(&value("--rounds")?)?),
            "--hurl" => o.hurl = true,
            "--wrk" => o.wrk = true,
            "--floor" => o.floor = true,
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
    let per_case = requests_per_case(&o.binary, o, &root, &target)?;
    println!(
        "engine_scale: {} cases × {per_case} requests, --jobs {}, against {target}",
        o.cases, o.jobs
    );
    println!("harness: {}", o.binary.display());
    println!("load average before: {}", load_average());

    let mut builds = vec![(o.binary.clone(), per_case, Vec::new())];
    if let Some(other) = &o.against {
        let per_case = requests_per_case(other, o, &root, &target)?;
        println!("against: {} ({per_case} requests a case)", other.display());
        builds.push((other.clone(), per_case, Vec::new()));
    }
    let rounds = o.rounds.unwrap_or(if o.against.is_some() { 5 } else { 1 });
    let server_pid = server.as_ref().map(|s| s.0.id());
    let server_before = server_pid.and_then(cpu_ticks);
    for round in 1..=rounds {
        for (binary, per_case, figures) in &mut builds {
            let run = time_run(
                binary,
                &cases_dir,
                &root.join("reports"),
                &target,
                o,
                *per_case,
            )?;
            let label = match (rounds, &o.against) {
                (1, None) => "mpsd-conformance".to_string(),
                _ => format!("round {round}/{rounds}, {}", binary.display()),
            };
            println!("{label}: {}", run.line());
            figures.push(run);
        }
    }
    let server_after = server_pid.and_then(cpu_ticks);
    if rounds > 1 || builds.len() > 1 {
        summary(&builds);
    }
    // The first build's medians: with one run, that run's figures.
    let first_median = |of: fn(&Figures) -> f64| {
        builds.first().map_or(f64::NAN, |(_, _, figures)| {
            median(figures.iter().map(of).collect())
        })
    };
    let harness_us = first_median(|f| f.cpu_us);
    let harness_cases_per_s = first_median(|f| f.cases_per_s);
    if let (Some(before), Some(after), 1, 1) = (server_before, server_after, rounds, builds.len()) {
        let requests = o.cases as u64 * per_case;
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
    let floor_cases_per_s = if o.floor {
        Some(floor(o, &target, harness_us)?)
    } else {
        None
    };
    if o.hurl {
        hurl(&root, o, &target, harness_cases_per_s, floor_cases_per_s)?;
    }
    drop(server);
    Ok(())
}

/// What one timed run of a build measured.
struct Figures {
    secs: f64,
    cases_per_s: f64,
    requests_per_s: f64,
    cpu_us: f64,
    user_s: f64,
    sys_s: f64,
    sys_us: f64,
    rss_mib: f64,
}

impl Figures {
    fn line(&self) -> String {
        format!(
            "{:.2} s, {:.0} cases/s, {:.0} requests/s, {:.1} µs CPU per request (user {:.2} s + \
             sys {:.2} s), peak RSS {:.1} MiB",
            self.secs,
            self.cases_per_s,
            self.requests_per_s,
            self.cpu_us,
            self.user_s,
            self.sys_s,
            self.rss_mib,
        )
    }
}

/// Runs `binary` on the generated cases; every case must pass.
fn time_run(
    binary: &Path,
    cases_dir: &Path,
    reports: &Path,
    target: &str,
    o: &Options,
    per_case: u64,
) -> Result<Figures, String> {
    let mut run = Command::new(binary);
    run.args(["run", "--cases"])
        .arg(cases_dir)
        .args([
            "--target",
            target,
            "--jobs",
            &o.jobs.to_string(),
            "--report-dir",
        ])
        .arg(reports)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let measured = measure(run)?;
    if measured.exit != 0 {
        return Err(format!(
            "{} exited {} (every generated case must pass):\n{}",
            binary.display(),
            measured.exit,
            measured.stderr
        ));
    }
    let requests = (o.cases as u64 * per_case) as f64;
    let secs = measured.wall.as_secs_f64();
    Ok(Figures {
        secs,
        cases_per_s: o.cases as f64 / secs,
        requests_per_s: requests / secs,
        cpu_us: (measured.user + measured.sys).as_secs_f64() * 1e6 / requests,
        user_s: measured.user.as_secs_f64(),
        sys_s: measured.sys.as_secs_f64(),
        sys_us: measured.sys.as_secs_f64() * 1e6 / requests,
        rss_mib: measured.max_rss_kib as f64 / 1024.0,
    })
}

/// Each build's medians over its rounds, and which of two took less CPU in each pair.
fn summary(builds: &[(PathBuf, u64, Vec<Figures>)]) {
    for (binary, _, figures) in builds {
        let cpu: Vec<f64> = figures.iter().map(|f| f.cpu_us).collect();
        println!(
            "{} ({} runs): CPU per request median {:.1} µs (least {:.1}, most {:.1}), system \
             median {:.1} µs, median {:.0} cases/s, peak RSS at most {:.1} MiB",
            binary.display(),
            figures.len(),
            median(cpu.clone()),
            cpu.iter().copied().fold(f64::INFINITY, f64::min),
            cpu.iter().copied().fold(0.0, f64::max),
            median(figures.iter().map(|f| f.sys_us).collect()),
            median(figures.iter().map(|f| f.cases_per_s).collect()),
            figures.iter().map(|f| f.rss_mib).fold(0.0, f64::max),
        );
    }
    if let [(first, _, a), (_, _, b)] = builds {
        let less = a.iter().zip(b).filter(|(x, y)| x.cpu_us < y.cpu_us).count();
        let ratio = median(a.iter().map(|f| f.cpu_us).collect())
            / median(b.iter().map(|f| f.cpu_us).collect());
        println!(
            "{} took less CPU per request in {less} of {} pairs; its median is {ratio:.3}× the other's",
            first.display(),
            a.len().min(b.len()),
        );
    }
}

/// The median of `values` (the mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let at = |i: usize| values.get(i).copied().unwrap_or(f64::NAN);
    if n % 2 == 1 {
        at(n / 2)
    } else {
        (at((n / 2).saturating_sub(1)) + at(n / 2)) / 2.0
    }
}

/// The requests one generated case sends with this harness: the exchanges of a run of one such
/// case that keeps every transcript (a newer harness may read back more than an older one).
fn requests_per_case(binary: &Path, o: &Options, root: &Path, target: &str) -> Result<u64, String> {
    let cases = root.join("one-case");
    generate_cases(&o.catalog, &cases, 1)?;
    let reports = root.join("one-case-reports");
    let status = Command::new(binary)
        .args(["run", "--transcripts", "all", "--cases"])
        .arg(&cases)
        .args(["--target", target, "--report-dir"])
        .arg(&reports)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
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

/// The floor: the same 9 requests a case, as many cases, through bare hyper that judges nothing
/// (support/floor.rs), against the same server; the harness's CPU per request beside it.
fn floor(o: &Options, target: &str, harness_us: f64) -> Result<f64, String> {
    let figures = floor::bare_hyper(target, o.cases, o.jobs)?;
    let per_request = |d: std::time::Duration| d.as_secs_f64() * 1e6 / figures.requests as f64;
    let us = per_request(figures.user + figures.sys);
    println!(
        "bare hyper, the same 9 requests a case, judging nothing (--jobs {}): {:.2} s, {:.0} \
         cases/s, {us:.1} µs CPU per request (user {:.1} + sys {:.1}); the harness spends {:.1}× \
         that, {:.1} µs more",
        o.jobs,
        figures.wall.as_secs_f64(),
        o.cases as f64 / figures.wall.as_secs_f64(),
        per_request(figures.user),
        per_request(figures.sys),
        harness_us / us,
        harness_us - us,
    );
    Ok(o.cases as f64 / figures.wall.as_secs_f64())
}

/// The same workload through Hurl, twice: files that create a session, create an invite handle
/// to it and join it as caller b, with the join case's checks (3 requests, the issue's
/// comparison); then files that also send what the harness sends besides (the oracle's three
/// read-backs and teardown: the same 9 requests, the same work).
///
/// The first run's files/s is what issue 17's "3× Hurl's cases/s" is measured against: the
/// harness's median cases/s, and bare hyper's (`--floor`), are printed as multiples of it.
fn hurl(
    root: &Path,
    o: &Options,
    target: &str,
    harness_cases_per_s: f64,
    floor_cases_per_s: Option<f64>,
) -> Result<(), String> {
    let checks = write_hurl_files(&root.join("hurl"), o.cases, false)?;
    if let Some(files_per_s) = hurl_run("hurl", &checks, hurl_requests(false), o, target)? {
        let floor = floor_cases_per_s.map_or(String::new(), |f| {
            format!("; bare hyper's {f:.0}, {:.2}×", f / files_per_s)
        });
        println!(
            "  against Hurl's {files_per_s:.0} files/s: the harness's {harness_cases_per_s:.0} \
             cases/s, {:.2}×{floor}",
            harness_cases_per_s / files_per_s
        );
    }
    let same = write_hurl_files_as_harness(&root.join("hurl-as-harness"), o.cases)?;
    hurl_run(
        "hurl, the harness's 9 requests",
        &same,
        REQUESTS_AS_HARNESS,
        o,
        target,
    )
    .map(|_| ())
}

fn hurl_run(
    label: &str,
    files: &[PathBuf],
    per_file: u64,
    o: &Options,
    target: &str,
) -> Result<Option<f64>, String> {
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
            return Ok(None);
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
    Ok(Some(o.cases as f64 / secs))
}
