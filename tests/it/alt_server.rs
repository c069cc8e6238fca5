//! The suite against a second, independently written implementation of the contract
//! (`tests/alt_server/server.py`, Python's standard library only) that makes the OTHER choices the
//! contract allows: 406 where the reference answers 400, 404 for malformed ids, 409 for a full
//! session, absolute Content-Location in other letter case, member indexes from 1, other ETags…
//! Every case must pass: a case that fails here demands more than the contract does.
//!
//! It needs `python3`; without it the test fails, so a CI image that lost Python cannot pass by
//! checking nothing. `MPSD_CONFORMANCE_SKIP_ALT_SERVER=1` skips it on purpose, with a warning.

use crate::common;

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");
/// Set to 1 to skip the check where Python cannot be had.
const SKIP: &str = "MPSD_CONFORMANCE_SKIP_ALT_SERVER";
const THE_TEST: &str = "alt_server::the_whole_catalog_passes_against_an_independent_implementation";

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_whole_catalog_passes_against_an_independent_implementation() {
    catalog_passes("first");
}

/// The same server making the other answer wherever the contract leaves a choice (server.py's
/// docstring lists them): a case that demands one of two allowed answers fails here.
#[test]
fn the_whole_catalog_passes_against_its_second_choices() {
    catalog_passes("second");
}

fn catalog_passes(choices: &str) {
    if std::env::var(SKIP).is_ok_and(|v| v == "1") {
        eprintln!("warning: {SKIP}=1: the independent-server check was skipped on purpose");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alt_server/server.py");
    let child = match Command::new("python3")
        .arg(&script)
        .args(["--port", "0", "--choices", choices])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!(
            "python3 is not available ({e}): the independent-server check cannot run; install \
             python3, or set {SKIP}=1 to skip it on purpose"
        ),
    };
    let mut server = Server(child);
    let url = common::announced_url(&mut server.0);

    let dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(BIN)
        .args(["run", "--target", &url, "--color", "never"])
        .arg("--report-dir")
        .arg(dir.path())
        .env_remove("CONFORMANCE_AUTH_A")
        .env_remove("CONFORMANCE_AUTH_B")
        .output()
        .expect("the harness runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        !stderr.contains("warning:"),
        "a may-case failed against the alternative:\n{stderr}"
    );
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.contains(" 0 failed, 0 errored, 0 skipped"), "{last}");

    // A report full of real exchanges satisfies the committed report schema.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).expect("written"))
            .expect("JSON");
    let errors = common::report_schema_errors(&report);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(report["target"]["embedded"], false);
    assert_eq!(report["summary"]["passed"], report["suite"]["cases"]);
}

/// Runs this file's main test again in a child process whose PATH has no python3.
fn without_python(skip: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(std::env::current_exe().expect("this test binary"));
    cmd.args(["--exact", THE_TEST, "--nocapture"])
        .env("PATH", "")
        .env_remove(SKIP);
    if let Some(value) = skip {
        cmd.env(SKIP, value);
    }
    cmd.output().expect("the test binary runs")
}

#[test]
fn a_missing_python_fails_the_check_unless_it_is_skipped_on_purpose() {
    let failed = without_python(None);
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&failed.stdout),
        String::from_utf8_lossy(&failed.stderr)
    );
    assert!(!failed.status.success(), "{output}");
    assert!(output.contains("python3 is not available"), "{output}");
    assert!(output.contains(SKIP), "{output}");

    let skipped = without_python(Some("1"));
    let stderr = String::from_utf8_lossy(&skipped.stderr);
    assert!(skipped.status.success(), "{stderr}");
    assert!(stderr.contains("skipped on purpose"), "{stderr}");
}
