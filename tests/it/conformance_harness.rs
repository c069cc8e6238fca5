//! The `cargo test` harness (tests/conformance.rs) behaves like libtest where cargo relies on it:
//! names of other test binaries select nothing, a case file's id selects its variants, and a
//! set-up problem is told once with a non-zero exit instead of once per trial.

use crate::common;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::fake;
use common::{isolated, text};

/// The conformance test binary cargo built beside this one. Cargo names no other test binary to
/// a test, so it is found in this binary's folder: the newest `conformance-<hash>`.
fn conformance_binary() -> PathBuf {
    let me = std::env::current_exe().expect("current exe");
    let dir = me.parent().expect("deps folder");
    let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .expect("deps folder is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            name.starts_with("conformance-") && p.extension().is_none_or(|e| e == "exe")
        })
        .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, p)| p)
        .expect("cargo builds the conformance test binary with the other tests")
}

fn harness(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(conformance_binary());
    cmd.args(args);
    isolated(&mut cmd);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("the harness runs")
}

/// The number in libtest's closing line `test result: ok. N passed; …`.
fn passed(out: &Output) -> usize {
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .find_map(|l| {
            let rest = l.strip_prefix("test result: ")?;
            let (_, after) = rest.split_once(". ")?;
            after.split(' ').next()?.parse().ok()
        })
        .unwrap_or_else(|| panic!("no closing line:\n{stdout}"))
}

#[test]
fn a_name_of_another_test_binary_selects_nothing_and_passes() {
    for name in [
        "loader_rejects_unknown_fields",
        "common::fake::start",
        "no/such/case::variant",
    ] {
        let out = harness(&["--exact", name], &[]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out));
        assert_eq!(passed(&out), 0, "{name}");
    }
}

#[test]
fn exact_on_a_file_id_runs_its_variants_and_on_a_variant_runs_it_alone() {
    let out = harness(&["--exact", "handle-id/malformed"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(passed(&out) > 1, "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("test handle-id/malformed::urn ") && l.ends_with(" ok")),
        "{stdout}"
    );

    let out = harness(&["--exact", "handle-id/malformed::urn"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(passed(&out), 1, "{}", text(&out));
}

#[test]
fn a_set_up_error_is_told_once_with_exit_2() {
    for (env, expected) in [
        (
            vec![("CONFORMANCE_AUTH_A", "XBL3.0 x=1;harness-token-value")],
            "CONFORMANCE_AUTH_A is set but CONFORMANCE_XUID_A is not",
        ),
        (
            vec![("CONFORMANCE_TARGET", "not a url at all")],
            "is not a URL",
        ),
        (
            vec![("CONFORMANCE_TARGET", "ftp://files.example")],
            "must be an http:// or https:// URL",
        ),
    ] {
        let out = harness(&["body/"], &env);
        assert_eq!(out.status.code(), Some(2), "{env:?}: {}", text(&out));
        let all = text(&out);
        assert_eq!(all.matches(expected).count(), 1, "{all}");
        assert!(!all.contains("harness-token-value"), "{all}");
        assert!(!all.contains("FAILED"), "{all}");
    }
}

#[test]
fn a_world_the_preflight_finds_missing_is_told_once_with_exit_3() {
    let reports = tempfile::tempdir().expect("tmp");
    let dir = reports.path().to_str().expect("UTF-8 path");
    let out = harness(
        &["body/"],
        &[
            ("CONFORMANCE_TEMPLATE", "no-such-template"),
            ("CONFORMANCE_REPORT_DIR", dir),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let all = text(&out);
    assert_eq!(all.matches("CONFORMANCE_TEMPLATE:").count(), 1, "{all}");
    assert!(!all.contains("set-up step"), "{all}");
    assert!(!all.contains("FAILED"), "{all}");
    // No trial ran; the report says why each selected case was not judged.
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(reports.path().join("report.json")).expect("read"))
            .expect("JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        assert_eq!(case["outcome"], "error");
        assert!(case["exchanges"].as_array().is_some_and(Vec::is_empty));
    }
}

#[test]
fn an_unreachable_target_is_told_once_with_exit_3() {
    let out = harness(&["body/"], &[("CONFORMANCE_TARGET", &fake::closed_port())]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert_eq!(
        text(&out).matches("cannot be tested").count(),
        1,
        "{}",
        text(&out)
    );
}

#[test]
fn listing_needs_no_set_up() {
    let out = harness(
        &["--list"],
        &[("CONFORMANCE_AUTH_A", "XBL3.0 x=1;harness-token-value")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("handle-id/malformed::urn: test"));
}

#[test]
fn a_proxy_in_the_environment_never_carries_the_embedded_server_s_traffic() {
    let out = harness(
        &["body/"],
        &[
            ("HTTP_PROXY", "http://127.0.0.1:1"),
            ("http_proxy", "http://127.0.0.1:1"),
            ("ALL_PROXY", "http://127.0.0.1:1"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(passed(&out) > 0);
}

/// Under nextest every case is a process of its own: with CONFORMANCE_REPORT_DIR each writes a
/// fragment, and `report merge DIR` joins them into the run's report.
#[test]
fn under_nextest_each_process_writes_a_fragment_that_report_merge_joins() {
    let dir = tempfile::tempdir().expect("tmp");
    let reports = dir.path().display().to_string();
    for id in ["handle-id/malformed::urn", "handle-id/malformed::braces"] {
        let out = harness(
            &["--exact", id],
            &[("NEXTEST", "1"), ("CONFORMANCE_REPORT_DIR", &reports)],
        );
        assert_eq!(out.status.code(), Some(0), "{id}: {}", text(&out));
    }
    let fragments: Vec<_> = std::fs::read_dir(dir.path().join("fragments"))
        .expect("fragments/")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(fragments.len(), 2, "{fragments:?}");
    assert!(
        fragments.iter().all(|f| f.ends_with(".json")),
        "{fragments:?}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_mpsd-conformance-tested"))
        .args(["report", "merge", &reports])
        .output()
        .expect("merge runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let merged: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("report.json")).expect("merged report.json"),
    )
    .expect("JSON");
    assert_eq!(merged["summary"]["total"], 2, "{merged}");
    assert_eq!(merged["summary"]["passed"], 2, "{merged}");

    // The same cases through `run`: the same ids with the same verdicts and rules.
    let run_dir = tempfile::tempdir().expect("tmp");
    let out = Command::new(env!("CARGO_BIN_EXE_mpsd-conformance-tested"))
        .args(["run", "--exact", "--report", "json", "-q"])
        .args(["--filter", "handle-id/malformed::urn"])
        .args(["--filter", "handle-id/malformed::braces"])
        .arg("--report-dir")
        .arg(run_dir.path())
        .output()
        .expect("run runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let ran: serde_json::Value = serde_json::from_slice(
        &std::fs::read(run_dir.path().join("report.json")).expect("run's report.json"),
    )
    .expect("JSON");
    let verdicts = |doc: &serde_json::Value| -> Vec<(String, String, String)> {
        let mut all: Vec<_> = doc["cases"]
            .as_array()
            .map(|cases| {
                cases
                    .iter()
                    .map(|c| {
                        (
                            c["id"].to_string(),
                            c["outcome"].to_string(),
                            c["rules"].to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        all.sort();
        all
    };
    assert_eq!(verdicts(&merged), verdicts(&ran));
    assert_eq!(merged["suite"]["fingerprint"], ran["suite"]["fingerprint"]);
}

/// An unreachable target is said once, and the report still records every selected case.
#[test]
fn an_unreachable_target_is_recorded_for_every_case_in_the_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = harness(
        &["handle-id/malformed::"],
        &[
            ("CONFORMANCE_TARGET", &fake::closed_port()),
            ("CONFORMANCE_REPORT_DIR", &dir.path().display().to_string()),
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("report.json")).expect("report.json"),
    )
    .expect("JSON");
    let total = report["summary"]["total"].as_u64().unwrap_or(0);
    assert!(total > 1, "{report}");
    assert_eq!(report["summary"]["errored"], total, "{report}");
    assert!(dir.path().join("report.html").exists());
}
