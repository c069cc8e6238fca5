//! A closed stdout or stderr (`| head`, `| true`) never makes a command panic: that output stops
//! quietly, and `run` still writes its reports and keeps its exit code.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::fake::{self, Behaviour};
use common::isolated;

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    isolated(&mut cmd).args(args).env("NO_COLOR", "1");
    cmd
}

/// Runs with stdout closed before the command writes anything (`| head -0`, `| true`).
fn stdout_closed(args: &[&str]) -> Output {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    drop(child.stdout.take());
    child.wait_with_output().expect("ends")
}

fn assert_quiet_end(args: &[&str], out: &Output, code: i32) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{args:?}: {stderr}"
    );
}

fn report_total(dir: &Path) -> u64 {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json is written");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    doc["summary"]["total"].as_u64().unwrap_or(0)
}

#[test]
fn every_command_ends_quietly_when_its_stdout_is_closed() {
    for args in [
        &["rules"][..],
        &["rules", "--json"],
        &["validate"],
        &["list"],
        &["list", "--filter", "handle-id/"],
        &["run", "--help"],
        &["--version"],
    ] {
        assert_quiet_end(args, &stdout_closed(args), 0);
    }
}

#[test]
fn run_with_a_closed_stdout_still_writes_its_reports_and_exit_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let reports = dir.path().display().to_string();
    let args = ["run", "--filter", "body/", "--report-dir", &reports];
    assert_quiet_end(&args, &stdout_closed(&args), 0);
    assert!(report_total(dir.path()) > 0);

    // A failing run keeps its exit code: a filter that selects nothing is still exit 2.
    let args = ["run", "--filter", "no-such-case", "--report-dir", &reports];
    assert_quiet_end(&args, &stdout_closed(&args), 2);
}

#[test]
fn a_failing_run_with_a_closed_stdout_keeps_its_exit_code_and_reports() {
    // Failures, their grouping and -v transcripts: the console has much to say, to nobody.
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    let reports = dir.path().display().to_string();
    let args = [
        "run",
        "--target",
        &target,
        "--filter",
        "auth/",
        "-v",
        "--report-dir",
        &reports,
    ];
    assert_quiet_end(&args, &stdout_closed(&args), 1);
    assert!(report_total(dir.path()) > 0);
}

#[test]
fn run_piped_into_head_1_ends_quietly_with_both_streams_closed() {
    // `run 2>&1 | head -1`: the reader takes one line, then both streams are gone.
    let dir = tempfile::tempdir().expect("tmp");
    let mut child = command(&["run", "--filter", "handle-id/", "--jobs", "1"])
        .arg("--report-dir")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut first)
        .expect("a first line");
    assert!(first.starts_with("mpsd-conformance "), "{first}");
    drop(child.stderr.take());
    let status = child.wait().expect("ends");
    assert_eq!(status.code(), Some(0));
    assert!(report_total(dir.path()) > 0);
}
