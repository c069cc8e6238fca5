//! The suite against a second, independently written implementation of the contract
//! (`tests/alt_server/server.py`, Python's standard library only) that makes the OTHER choices the
//! contract allows: 406 where the reference answers 400, 404 for malformed ids, 409 for a full
//! session, absolute Content-Location in other letter case, member indexes from 1, other ETags…
//! Every case must pass: a case that fails here demands more than the contract does.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance");

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
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alt_server/server.py");
    let child = match Command::new("python3")
        .arg(&script)
        .args(["--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            // The project's machines have Python; elsewhere, say so loudly rather than fail.
            eprintln!(
                "warning: python3 is not available ({e}); the independent-server check did not run"
            );
            return;
        }
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
