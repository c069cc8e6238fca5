//! Ctrl-C and SIGTERM at the command line: reports are written and the exit code says which
//! signal stopped the run (130, 143), even while the reachability probe waits on a target that
//! accepts connections but never answers.

use crate::common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::fake::{self, Behaviour};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

/// Starts `run` and returns once its first line is out (signals are handled from then on).
fn start(target: &str, args: &[&str], reports: &Path) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["run", "--target", target, "--color", "never"])
        .args(args)
        .arg("--report-dir")
        .arg(reports)
        .env_remove("CONFORMANCE_AUTH_A")
        .env_remove("CONFORMANCE_AUTH_B")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    // Keep draining stdout so the run never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = stdout.read_to_string(&mut rest);
    });
    (child, first)
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits at most `limit` for the child; its exit code and stderr.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String) {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut stderr = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut stderr);
            }
            return (status.code(), stderr);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end within {limit:?} of the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn report(dir: &Path) -> serde_json::Value {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json is written");
    serde_json::from_slice(&bytes).expect("JSON")
}

#[test]
fn a_signal_during_a_probe_that_never_answers_stops_the_run_at_once() {
    for (name, code) in [("INT", 130), ("TERM", 143)] {
        let target = fake::start(Behaviour::Hang);
        let dir = tempfile::tempdir().expect("tmp");
        let (child, first) = start(
            &target,
            &["--timeout", "60", "--filter", "body/"],
            dir.path(),
        );
        assert!(first.starts_with("mpsd-conformance "), "{first}");
        std::thread::sleep(Duration::from_millis(200));
        signal(&child, name);
        // Far below the 60 s the probe would otherwise wait.
        let (exit, stderr) = finish(child, Duration::from_secs(10));
        assert_eq!(exit, Some(code), "SIG{name}: {stderr}");
        assert!(!stderr.contains("cannot be tested"), "{stderr}");
        let doc = report(dir.path());
        assert_eq!(
            doc["summary"]["interrupted"], doc["summary"]["total"],
            "SIG{name}: {}",
            doc["summary"]
        );
    }
}

#[test]
fn sigterm_while_cases_run_writes_the_reports_and_exits_143() {
    let target = fake::start(Behaviour::AnswerReadsThenHang);
    let dir = tempfile::tempdir().expect("tmp");
    let (child, _) = start(
        &target,
        &["--timeout", "2", "--jobs", "2", "--filter", "handle-id/"],
        dir.path(),
    );
    // The probe and the preflight are answered; the first cases now wait on writes that never
    // get an answer.
    std::thread::sleep(Duration::from_millis(500));
    signal(&child, "TERM");
    // A second signal neither kills the run nor changes what the first decided.
    std::thread::sleep(Duration::from_millis(50));
    signal(&child, "INT");
    let (exit, stderr) = finish(child, Duration::from_secs(20));
    assert_eq!(exit, Some(143), "{stderr}");
    assert!(stderr.contains("terminated (SIGTERM)"), "{stderr}");
    let doc = report(dir.path());
    let interrupted = doc["summary"]["interrupted"].as_u64().unwrap_or(0);
    assert!(interrupted > 0, "{}", doc["summary"]);
}

/// A case whose step never gets an answer, after a fixture whose teardown never gets one either.
const HANGING: &str = r#"{
  "$schema": "../case.schema.json",
  "title": "hangs",
  "rules": ["O1"],
  "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "request": { "method": "GET", "path": "/hang" }, "expect": { "status": 200 } }
  ]
}
"#;

/// The reference behind a proxy that never answers the case's step nor teardown, on a runtime
/// of its own (kept alive by the caller).
fn hanging_target() -> (tokio::runtime::Runtime, common::tamper::Proxy) {
    use common::tamper::{self, HangsOn};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let proxy = runtime.block_on(async {
        let server = mpsd_conformance::reference::start(Default::default())
            .await
            .expect("the reference starts");
        tamper::start(server, HangsOn(tamper::step_and_teardown)).await
    });
    (runtime, proxy)
}

fn until_seen(proxy: &common::tamper::Proxy, is: fn(&common::tamper::Forward) -> bool) {
    let started = Instant::now();
    while !proxy.seen.lock().is_ok_and(|s| s.iter().any(is)) {
        assert!(started.elapsed() < Duration::from_secs(20), "never seen");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn run_hanging(proxy: &common::tamper::Proxy, reports: &Path) -> (Child, tempfile::TempDir) {
    let cases = common::case_dir(&[("area/hang.json", HANGING)]);
    let cases_arg = cases.path().display().to_string();
    let (child, first) = start(
        &proxy.url,
        &["--timeout", "120", "--cases", &cases_arg],
        reports,
    );
    assert!(first.starts_with("mpsd-conformance "), "{first}");
    until_seen(proxy, |f| f.path == "/hang");
    (child, cases)
}

#[test]
fn a_second_ctrl_c_cuts_teardown_short_and_the_reports_are_still_written() {
    let (_runtime, proxy) = hanging_target();
    let dir = tempfile::tempdir().expect("tmp");
    let (child, _cases) = run_hanging(&proxy, dir.path());
    signal(&child, "INT");
    // Teardown starts: the member's leave goes out and is never answered.
    until_seen(&proxy, common::tamper::is_leave);
    let second = Instant::now();
    signal(&child, "INT");
    let (exit, stderr) = finish(child, Duration::from_secs(8));
    assert!(
        second.elapsed() < Duration::from_secs(5),
        "{:?}",
        second.elapsed()
    );
    assert_eq!(exit, Some(130), "{stderr}");
    assert!(stderr.contains("teardown is cut short"), "{stderr}");
    let doc = report(dir.path());
    assert_eq!(doc["summary"]["interrupted"], 1, "{}", doc["summary"]);
}

#[test]
fn after_one_ctrl_c_teardown_gets_at_most_its_grace() {
    let (_runtime, proxy) = hanging_target();
    let dir = tempfile::tempdir().expect("tmp");
    let (child, _cases) = run_hanging(&proxy, dir.path());
    let first = Instant::now();
    signal(&child, "INT");
    let (exit, stderr) = finish(child, Duration::from_secs(30));
    let took = first.elapsed();
    assert_eq!(exit, Some(130), "{stderr}");
    let grace = mpsd_conformance::run::TEARDOWN_GRACE;
    assert!(
        took >= grace && took < grace + Duration::from_secs(8),
        "teardown ran {took:?}, its grace is {grace:?}"
    );
    assert!(report(dir.path())["summary"]["interrupted"] == 1);
}
