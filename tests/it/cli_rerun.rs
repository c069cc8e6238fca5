//! `run --rerun-failed REPORT`: only the failing and erroring cases of an earlier report.json.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use common::fake::{self, Behaviour};
use common::{isolated, text};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

fn run(args: &[&str], reports: &Path) -> Output {
    isolated(&mut Command::new(BIN))
        .arg("run")
        .args(args)
        .arg("--report-dir")
        .arg(reports)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn ids(report: &Path) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(report).expect("report")).expect("JSON");
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn a_rerun_runs_exactly_the_failing_cases_of_a_real_report() {
    let broken = fake::start(Behaviour::Error500);
    let first = tempfile::tempdir().expect("tmp");
    let out = run(
        &[
            "--target",
            &broken,
            "--filter",
            "handle-id/malformed",
            "--exact",
        ],
        first.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let failed = ids(&first.path().join("report.json"));
    assert!(failed.len() > 1);

    // Against the embedded reference they pass now; nothing else is run.
    let again = tempfile::tempdir().expect("tmp");
    let earlier = first.path().join("report.json").display().to_string();
    let out = run(&["--rerun-failed", &earlier], again.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(ids(&again.path().join("report.json")), failed);
}

#[test]
fn only_fail_and_error_outcomes_are_rerun_and_filters_narrow_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let earlier = dir.path().join("earlier.json");
    std::fs::write(
        &earlier,
        r#"{"format": "mpsd-conformance-report/1", "cases": [
            {"id": "body/join", "outcome": "fail"},
            {"id": "handle-id/valid", "outcome": "pass"},
            {"id": "handle-id/deleted", "outcome": "error"},
            {"id": "handle-id/unknown", "outcome": "skip"},
            {"id": "no-longer/here", "outcome": "fail"}
        ]}"#,
    )
    .expect("write");
    let earlier = earlier.display().to_string();
    let reports = dir.path().join("reports");
    let out = run(&["--rerun-failed", &earlier], &reports);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        ids(&reports.join("report.json")),
        vec!["body/join".to_string(), "handle-id/deleted".to_string()]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 failing case(s) of") && stderr.contains("no-longer/here"),
        "{stderr}"
    );

    let out = run(&["--rerun-failed", &earlier, "--filter", "body/"], &reports);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        ids(&reports.join("report.json")),
        vec!["body/join".to_string()]
    );
}

#[test]
fn a_report_without_failures_leaves_nothing_to_rerun() {
    let dir = tempfile::tempdir().expect("tmp");
    let earlier = dir.path().join("earlier.json");
    std::fs::write(
        &earlier,
        r#"{"format": "mpsd-conformance-report/1", "cases": [{"id": "body/join", "outcome": "pass"}]}"#,
    )
    .expect("write");
    let reports = dir.path().join("reports");
    let out = run(
        &["--rerun-failed", &earlier.display().to_string()],
        &reports,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing to rerun"),
        "{}",
        text(&out)
    );
    assert!(
        !reports.join("report.json").exists(),
        "the earlier report stands"
    );
}

#[test]
fn a_missing_or_invalid_report_is_a_usage_error_in_words() {
    let dir = tempfile::tempdir().expect("tmp");
    let invalid = dir.path().join("invalid.json");
    std::fs::write(&invalid, "{ not json").expect("write");
    let junit = dir.path().join("junit.xml");
    std::fs::write(&junit, "<testsuites/>").expect("write");
    for (file, expected) in [
        (
            dir.path().join("missing.json"),
            "failed to read the report to rerun",
        ),
        (invalid, "is not a report.json of mpsd-conformance"),
        (junit, "is not a report.json of mpsd-conformance"),
    ] {
        let out = run(
            &["--rerun-failed", &file.display().to_string()],
            &dir.path().join("reports"),
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(expected),
            "{}",
            text(&out)
        );
    }
}
