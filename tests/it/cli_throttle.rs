//! A throttling target at the command line: the catalog passes against the reference behind a
//! rate limit, behind one that throttles most requests, and against a proxy that throttles every
//! request once; `--rate` keeps a limited server from throttling at all; `--max-retry-wait` and
//! Ctrl-C end a wait.

use crate::common;

use std::collections::HashSet;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::tamper::{self, Answer, Forward, Tamper};
use common::{isolated, read_report, text};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

fn command(args: &[&str], report_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    // Every case's transcript, to count its attempts.
    cmd.arg("run")
        .args(args)
        .args(["--transcripts", "all", "--report-dir"])
        .arg(report_dir)
        .env("NO_COLOR", "1");
    isolated(&mut cmd);
    cmd
}

fn run(args: &[&str], report_dir: &Path) -> Output {
    command(args, report_dir).output().expect("the binary runs")
}

/// `serve --rate-limit N`, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(rate_limit: u32) -> Served {
        let mut child = Command::new(BIN)
            .args(["serve", "--addr", "127.0.0.1:0", "--rate-limit"])
            .arg(rate_limit.to_string())
            .stdout(Stdio::piped())
            .spawn()
            .expect("serve starts");
        let url = common::announced_url(&mut child);
        Served { child, url }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every case passed; every retry counted is an attempt in its case's transcript; the report
/// holds to its schema. Returns the summary's retries and the number of exchanges.
fn assert_all_pass_with_retries_accounted(doc: &Value, out: &Output) -> (u64, u64) {
    let errors = common::report_schema_errors(doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let summary = &doc["summary"];
    assert_eq!(
        summary["passed"],
        summary["total"],
        "{summary}\n{}",
        text(out)
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(out));
    let cases = doc["cases"].as_array().expect("cases");
    let mut exchanges = 0;
    let mut counted = 0;
    for case in cases {
        let steps: Vec<&str> = case["exchanges"]
            .as_array()
            .expect("exchanges")
            .iter()
            .map(|e| e["step"].as_str().unwrap_or_default())
            .collect();
        exchanges += steps.len() as u64;
        let attempts = steps.iter().filter(|s| s.contains(" (attempt ")).count() as u64;
        assert_eq!(case["retries"].as_u64(), Some(attempts), "{}", case["id"]);
        counted += attempts;
    }
    assert_eq!(summary["retries"].as_u64(), Some(counted), "{summary}");
    (counted, exchanges)
}

/// Runs `args` against `url` into `dir`, and checks as
/// [`assert_all_pass_with_retries_accounted`] does: the report, its retries and exchanges.
fn run_passing(url: &str, args: &[&str], dir: &Path) -> (Value, u64, u64) {
    let mut all = vec!["--target", url];
    all.extend(args);
    let out = run(&all, dir);
    let doc = read_report(dir);
    let (retries, exchanges) = assert_all_pass_with_retries_accounted(&doc, &out);
    (doc, retries, exchanges)
}

#[test]
fn the_catalog_passes_against_a_reference_that_throttles() {
    // The reference allows 80 requests per caller in any second and asks for `Retry-After: 1`
    // (delay-seconds allow nothing finer). Each throttled request costs a second, and the whole
    // catalog (some 10,000 requests) could not go faster than 80 a second per caller: an eighth
    // of it, by hash (shard 3 holds cases of all twelve areas: `list --partition hash:3/8`),
    // throttles dozens in seconds. The proxy below throttles every request.
    let served = Served::start(80);
    let dir = tempfile::tempdir().expect("tmp");
    let args = ["--jobs", "16", "--partition", "hash:3/8"];
    let (doc, retries, _) = run_passing(&served.url, &args, dir.path());
    assert!(retries > 0, "the limit never throttled: {}", doc["summary"]);
}

/// A limit that throttles most requests: two a second, with eight cases in flight. Each pause
/// used to end with every waiting request sent again at once, where the first two won and the
/// others spent a retry; within three retries, some cases ran out (`error`, exit 3). While
/// throttling lasts, requests now go one at a time and are throttled about once each. (Two a
/// second still catches it: with requests no longer one at a time after a pause, two of the four
/// cases ran out of retries; one a second took twice as long, 34 s, to show the same.)
#[test]
fn a_limit_that_throttles_most_requests_is_passed_without_running_out_of_retries() {
    let served = Served::start(2);
    let dir = tempfile::tempdir().expect("tmp");
    let args = ["--filter", "contract-version/valid", "--jobs", "8"];
    let (doc, retries, exchanges) = run_passing(&served.url, &args, dir.path());
    assert_eq!(doc["summary"]["total"], 4, "{}", doc["summary"]);
    // The limit bit hard: a third or more of the first attempts were throttled (at two a second,
    // about 22 retries of 36 first attempts; at one a second about as many as first attempts).
    assert!(
        retries * 3 >= exchanges - retries,
        "{retries} retries of {exchanges} exchanges"
    );
}

/// Throttles every request the first time it sees it (by method, path, caller and body) and lets
/// it through the next time: 429s and 503s, asking for no wait in delay-seconds or with a date.
#[derive(Default)]
struct ThrottleEachOnce {
    waiting: Mutex<HashSet<String>>,
    throttled: AtomicUsize,
}

impl Tamper for ThrottleEachOnce {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        let key = format!(
            "{} {} {:?} {}",
            req.method,
            req.path,
            req.header("authorization"),
            String::from_utf8_lossy(&req.body)
        );
        let mut waiting = self.waiting.lock().expect("lock");
        if waiting.remove(&key) {
            return None;
        }
        waiting.insert(key);
        let n = self.throttled.fetch_add(1, Ordering::SeqCst);
        let retry_after = match n % 2 {
            0 => "0".to_string(),
            _ => "Tue, 01 Jan 2002 00:00:00 GMT".to_string(),
        };
        let mut answer = match n % 3 {
            0 => Answer::text(503, "overloaded"),
            _ => Answer {
                status: 429,
                headers: vec![("Content-Type".into(), "application/json".into())],
                body: br#"{"version":1,"currentRequests":2,"maxRequests":1,"periodInSeconds":1,"limitType":"Rolling"}"#.to_vec(),
            },
        };
        answer.set_header("Retry-After", &retry_after);
        Some(answer)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_passes_when_every_request_is_throttled_once() {
    let server = mpsd_conformance::reference::start(Default::default())
        .await
        .expect("the reference starts");
    let proxy = tamper::start(server, ThrottleEachOnce::default()).await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().to_path_buf();
    let url = proxy.url.clone();
    // A quarter of the catalog, by hash (shard 2 holds cases of all twelve areas), in a debug
    // build's time.
    let (_, retries, exchanges) =
        tokio::task::spawn_blocking(move || run_passing(&url, &["--partition", "hash:2/4"], &path))
            .await
            .expect("the run ends");
    // Every request was throttled once: about half the exchanges are retries.
    assert!(
        retries * 5 >= exchanges * 2,
        "{retries} retries of {exchanges} exchanges"
    );
}

#[test]
fn rate_keeps_a_limited_server_from_throttling() {
    let served = Served::start(8);
    let mut args = vec!["--filter", "contract-version/valid"];
    let dir = tempfile::tempdir().expect("tmp");
    // At full speed the limit throttles these cases' requests…
    let (doc, retries, _) = run_passing(&served.url, &args, dir.path());
    assert!(retries > 0, "{}", doc["summary"]);
    // …which, six a second over the whole run, it never does.
    std::thread::sleep(Duration::from_millis(1100));
    args.extend(["--rate", "6"]);
    let started = Instant::now();
    let (doc, retries, exchanges) = run_passing(&served.url, &args, dir.path());
    let elapsed = started.elapsed();
    assert_eq!(retries, 0, "{}", doc["summary"]);
    let least = Duration::from_secs_f64((exchanges - 1) as f64 / 6.0);
    assert!(elapsed >= least, "{exchanges} requests in {elapsed:?}");
}

#[test]
fn a_longer_retry_after_than_max_retry_wait_is_not_waited_for() {
    let served = Served::start(1);
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &[
            "--target",
            &served.url,
            "--filter",
            "body/join",
            "--exact",
            "--max-retry-wait",
            "0.5",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let doc = read_report(dir.path());
    let message = doc["cases"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("(Retry-After: 1), longer than --max-retry-wait (0.5 s)"),
        "{message}"
    );
    assert_eq!(doc["summary"]["retries"], 0);
    assert_eq!(doc["options"]["max_retry_wait"], 0.5);
    assert_eq!(doc["options"]["retries"], 3);
}

/// Asks fixtures' session writes to come back in 30 s.
fn a_session_write(req: &Forward) -> bool {
    req.method == "PUT" && req.path.starts_with("/serviceconfigs/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_ends_a_retry_wait_at_once() {
    let server = mpsd_conformance::reference::start(Default::default())
        .await
        .expect("the reference starts");
    let proxy = tamper::start(server, tamper::Overloaded(a_session_write)).await;
    let dir = tempfile::tempdir().expect("tmp");
    let args = [
        "--target",
        &proxy.url,
        "--filter",
        "body/join",
        "--exact",
        "--max-retry-wait",
        "60",
    ];
    let child = command(&args, dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    // Once the write is throttled, the case waits its 30 s.
    proxy.until_seen("a write", |f| f.method == "PUT").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (exit, took) = common::interrupt(child).await;
    assert!(
        took < Duration::from_secs(5),
        "the wait was not cut short: {took:?}"
    );
    assert_eq!(exit.code(), Some(130));
    let doc = read_report(dir.path());
    assert_eq!(doc["summary"]["interrupted"], 1, "{}", doc["summary"]);
}
