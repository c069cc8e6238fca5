//! Cases in flight at the command line: learnt unless `--jobs` fixes it, within `--max-jobs`,
//! said in report.json and on the console; teardown leaves the case's slot and sends its
//! requests together. The tamper proxy's barriers prove what ran at once: a request held at a
//! barrier nobody else reaches gets a 500 after a few seconds, which fails the case (O13).

use crate::common;

use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::tamper::{self, is_leave, Answer, Forward, HeldTogether, Honest, Tamper};
use common::{isolated, read_report, text};
use serde_json::Value;
use tokio::sync::Barrier;

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

fn run(args: &[&str], report_dir: &Path) -> Output {
    let mut cmd = std::process::Command::new(BIN);
    cmd.arg("run")
        .args(args)
        .args(["--report", "json", "--report-dir"])
        .arg(report_dir)
        .env("NO_COLOR", "1");
    isolated(&mut cmd);
    cmd.output().expect("the binary runs")
}

/// Runs against a tamper proxy in front of the reference; the report and the output.
async fn run_through(tamper: impl Tamper, args: &[&str]) -> (Value, Output) {
    let server = mpsd_conformance::reference::start(Default::default())
        .await
        .expect("the reference starts");
    let proxy = tamper::start(server, tamper).await;
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().to_path_buf();
    let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    args.extend(["--target".to_string(), proxy.url.clone()]);
    let out = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, &path)
    })
    .await
    .expect("the run ends");
    (read_report(dir.path()), out)
}

fn assert_all_pass(doc: &Value, out: &Output) {
    let errors = common::report_schema_errors(doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let summary = &doc["summary"];
    assert_eq!(summary["passed"], summary["total"], "{}", text(out));
    assert_eq!(out.status.code(), Some(0), "{}", text(out));
}

fn is_teardown(req: &Forward) -> bool {
    is_leave(req) || req.method == "DELETE"
}

/// Holds the first teardown request until a request of another kind is in flight beside it.
struct TeardownBesideNextCase {
    barrier: Arc<Barrier>,
    teardown_held: AtomicBool,
    partner_held: AtomicBool,
}

impl Tamper for TeardownBesideNextCase {
    fn hold(&self, req: &Forward) -> Option<Arc<Barrier>> {
        let first = |flag: &AtomicBool| !flag.swap(true, Ordering::SeqCst);
        let hold = if is_teardown(req) {
            first(&self.teardown_held)
        } else {
            self.teardown_held.load(Ordering::SeqCst) && first(&self.partner_held)
        };
        hold.then(|| Arc::clone(&self.barrier))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_next_case_starts_while_a_teardown_runs() {
    let tamper = TeardownBesideNextCase {
        barrier: Arc::new(Barrier::new(2)),
        teardown_held: AtomicBool::new(false),
        partner_held: AtomicBool::new(false),
    };
    // One case in flight: only a teardown off the case's slot lets the next case's request meet
    // the held teardown request.
    let (doc, out) = run_through(tamper, &["--jobs", "1", "--filter", "body/join"]).await;
    assert_all_pass(&doc, &out);
    assert!(
        doc["summary"]["total"].as_u64() >= Some(2),
        "{}",
        text(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teardowns_requests_go_together() {
    // The join case's teardown: b leaves, a leaves, the handle is deleted.
    let tamper = HeldTogether(Arc::new(Barrier::new(3)), is_teardown);
    let (doc, out) = run_through(
        tamper,
        &["--exact", "--filter", "body/join", "--transcripts", "all"],
    )
    .await;
    assert_all_pass(&doc, &out);
    let exchanges = doc["cases"][0]["exchanges"].as_array().expect("exchanges");
    let teardown = exchanges.iter().filter(|e| e["step"] == "teardown").count();
    assert_eq!(teardown, 3, "{exchanges:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_concurrency_reached_is_reported_learnt_or_fixed() {
    let (doc, out) = run_through(Honest, &["--filter", "body/"]).await;
    assert_all_pass(&doc, &out);
    let c = &doc["concurrency"];
    assert_eq!(
        (&c["mode"], &c["initial"], &c["max"]),
        (&"adaptive".into(), &8.into(), &1024.into()),
        "{c}"
    );
    let reached = c["reached"].as_u64().unwrap_or(0);
    assert!((1..=1024).contains(&reached), "{c}");
    assert!(
        text(&out).contains(&format!(
            "concurrency: adaptive, up to {reached} cases in flight (from 8, ceiling 1024)"
        )),
        "{}",
        text(&out)
    );

    let (doc, out) = run_through(Honest, &["--filter", "body/", "--max-jobs", "2"]).await;
    assert_all_pass(&doc, &out);
    let c = &doc["concurrency"];
    assert_eq!((&c["mode"], &c["max"]), (&"adaptive".into(), &2.into()));
    assert!(c["reached"].as_u64() <= Some(2), "{c}");
    assert_eq!(c["initial"], 2, "the start is within the ceiling");

    let (doc, out) = run_through(Honest, &["--filter", "body/", "--jobs", "3"]).await;
    assert_all_pass(&doc, &out);
    let c = &doc["concurrency"];
    assert_eq!(
        (&c["mode"], &c["initial"], &c["max"], &c["reached"]),
        (&"fixed".into(), &3.into(), &3.into(), &3.into()),
        "{c}"
    );
    assert!(
        text(&out).contains("concurrency: fixed, 3 cases in flight (--jobs)"),
        "{}",
        text(&out)
    );
}

/// `run` on the join case against the embedded reference, under a shell's `ulimit` commands.
fn run_with_limits(limits: &str, report_dir: &Path) -> Output {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{limits} && exec \"$0\" \"$@\""))
        .arg(BIN)
        .args(["run", "--exact", "--filter", "body/join"])
        .args(["--report", "json", "--report-dir"])
        .arg(report_dir)
        .env("NO_COLOR", "1");
    isolated(&mut cmd);
    cmd.output().expect("the shell runs")
}

#[test]
fn the_soft_limit_of_open_files_is_raised_for_the_ceiling_and_a_hard_one_lowers_it() {
    // A soft limit of 200 is raised toward the 8,256 files 1,024 cases need against the
    // embedded reference (both ends of each connection are in the process): no note.
    let dir = tempfile::tempdir().expect("tmp");
    let out = run_with_limits("ulimit -Sn 200 && ulimit -Hn 9000", dir.path());
    let doc = read_report(dir.path());
    assert_all_pass(&doc, &out);
    assert_eq!(doc["concurrency"]["max"], 1024, "{}", text(&out));
    assert!(!text(&out).contains("note: at most"), "{}", text(&out));

    // A hard limit of 300 holds (300 − 64) ÷ 8 = 29 cases: the ceiling is lowered, and said.
    let dir = tempfile::tempdir().expect("tmp");
    let out = run_with_limits("ulimit -n 300", dir.path());
    let doc = read_report(dir.path());
    assert_all_pass(&doc, &out);
    let c = &doc["concurrency"];
    assert_eq!((&c["initial"], &c["max"]), (&8.into(), &29.into()), "{c}");
    assert!(
        text(&out).contains("note: at most 29 cases in flight, not 1024 (--max-jobs)"),
        "{}",
        text(&out)
    );
}

/// The `session` fixture's create (`If-None-Match: *`) and its invite handle.
fn is_fixture_set_up(req: &Forward) -> bool {
    req.is("POST", "/handles") || (req.method == "PUT" && req.header("if-none-match") == Some("*"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixtures_session_and_handle_are_created_together() {
    // One case in flight: only its own create and handle can meet at the barrier.
    let tamper = HeldTogether(Arc::new(Barrier::new(2)), is_fixture_set_up);
    let (doc, out) =
        run_through(tamper, &["--jobs", "1", "--exact", "--filter", "body/join"]).await;
    assert_all_pass(&doc, &out);
}

/// Refuses the fixture's create: the handle sent beside it was created all the same.
struct CreateRefused;

impl Tamper for CreateRefused {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        (req.method == "PUT" && req.header("if-none-match") == Some("*"))
            .then(|| Answer::text(403, "no sessions today"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_sent_beside_a_refused_set_up_is_recorded_and_torn_down() {
    let (doc, out) = run_through(
        CreateRefused,
        &["--exact", "--filter", "body/join", "--transcripts", "all"],
    )
    .await;
    let case = &doc["cases"][0];
    assert_ne!(case["outcome"], "pass", "{}", text(&out));
    let steps: Vec<(&str, &str)> = case["exchanges"]
        .as_array()
        .expect("exchanges")
        .iter()
        .map(|e| {
            (
                e["step"].as_str().unwrap_or_default(),
                e["request"]["method"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("s#create", "PUT"),
            ("s#handle", "POST"),
            ("teardown", "DELETE")
        ],
        "{}",
        text(&out)
    );
}
