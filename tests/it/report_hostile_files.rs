//! `report merge` and `report compare` over report.json files whose numbers and times are out
//! of every range: refused in words naming the file (exit 2) where they cannot be used, taken as
//! they are where they can — never a panic.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{isolated, text};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

fn case(id: &str, duration_ms: Value) -> Value {
    json!({
        "id": id, "area": "area", "title": "a case", "rules": ["O1"], "severity": "must",
        "outcome": "fail", "verdict": "fail", "gating": true, "duration_ms": duration_ms,
        "message": "failed", "failures": [], "exchanges": [],
    })
}

/// A report.json of one case, with the given run duration, start and case durations.
fn report(
    dir: &Path,
    name: &str,
    started_at: &str,
    duration_ms: Value,
    cases: Vec<Value>,
) -> PathBuf {
    let doc = json!({
        "format": "mpsd-conformance-report/1",
        "harness": { "name": "mpsd-conformance", "version": "0.1.0", "detection_score": null },
        "target": { "url": "embedded", "embedded": true },
        "suite": { "cases": 2, "fingerprint": "sha256:00", "files": [] },
        "options": {},
        "started_at": started_at,
        "duration_ms": duration_ms,
        "cases": cases,
    });
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&doc).expect("JSON")).expect("write");
    path
}

fn report_cmd(args: &[&str], files: &[PathBuf], out: &Path) -> Output {
    let mut cmd = Command::new(BIN);
    isolated(&mut cmd)
        .arg("report")
        .args(args)
        .args(files)
        .arg("--out")
        .arg(out)
        .output()
        .expect("the binary runs")
}

fn assert_refused_naming(out: &Output, file: &Path) {
    assert_eq!(out.status.code(), Some(2), "{}", text(out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&file.display().to_string()),
        "the message names {}: {}",
        file.display(),
        text(out)
    );
    assert!(!stderr.contains("panicked"), "{}", text(out));
    assert!(
        !stderr.contains("missing field"),
        "the test's report is complete: {}",
        text(out)
    );
}

/// `report merge` of `hostile` alone is refused, naming the file.
fn assert_merge_refused(dir: &Path, hostile: &Path) {
    let out = report_cmd(
        &["merge"],
        std::slice::from_ref(&hostile.to_path_buf()),
        &dir.join("merged"),
    );
    assert_refused_naming(&out, hostile);
}

#[test]
fn a_run_duration_past_the_calendar_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let good = report(
        dir.path(),
        "good.json",
        "2026-01-01T00:00:00Z",
        json!(1000),
        vec![case("area/a", json!(1))],
    );
    for (i, huge) in [
        json!(9_000_000_000_000_000u64),
        json!(9_223_372_036_854_775_808u64),
        json!(u64::MAX),
    ]
    .into_iter()
    .enumerate()
    {
        let hostile = report(
            dir.path(),
            &format!("hostile{i}.json"),
            "2026-01-01T00:00:00Z",
            huge,
            vec![case("area/b", json!(1))],
        );
        let out = report_cmd(
            &["merge"],
            &[good.clone(), hostile.clone()],
            &dir.path().join(format!("merged{i}")),
        );
        assert_refused_naming(&out, &hostile);
        assert!(
            !dir.path().join(format!("merged{i}")).exists(),
            "nothing written"
        );
    }
}

#[test]
fn a_start_at_the_end_of_time_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    let hostile = report(
        dir.path(),
        "late.json",
        "9999-12-31T23:59:59Z",
        json!(i64::MAX as u64),
        vec![case("area/a", json!(1))],
    );
    assert_merge_refused(dir.path(), &hostile);
}

#[test]
fn numbers_no_integer_type_holds_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    for (i, bad) in [
        json!(-1),
        json!(1.5),
        json!(18_446_744_073_709_551_616.0),
        json!("9"),
    ]
    .into_iter()
    .enumerate()
    {
        let hostile = report(
            dir.path(),
            &format!("bad{i}.json"),
            "2026-01-01T00:00:00Z",
            bad,
            vec![case("area/a", json!(1))],
        );
        assert_merge_refused(dir.path(), &hostile);
    }
    let hostile = report(
        dir.path(),
        "bad-case.json",
        "2026-01-01T00:00:00Z",
        json!(1),
        vec![case("area/a", json!(-5))],
    );
    assert_merge_refused(dir.path(), &hostile);
}

#[test]
fn case_durations_at_the_top_of_the_range_add_up_without_overflow() {
    let dir = tempfile::tempdir().expect("tmp");
    let a = report(
        dir.path(),
        "a.json",
        "2026-01-01T00:00:00Z",
        json!(1),
        vec![
            case("area/a", json!(u64::MAX)),
            case("area/b", json!(u64::MAX)),
        ],
    );
    let out = report_cmd(
        &["merge"],
        std::slice::from_ref(&a),
        &dir.path().join("merged"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let merged: Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("merged/report.json")).expect("read"),
    )
    .expect("JSON");
    assert_eq!(merged["cases"][0]["duration_ms"], json!(u64::MAX));
    // And side by side.
    let b = report(
        dir.path(),
        "b.json",
        "2026-01-01T00:00:00Z",
        json!(u64::MAX),
        vec![case("area/a", json!(u64::MAX))],
    );
    let out = report_cmd(&["compare"], &[a, b], &dir.path().join("compared"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}
