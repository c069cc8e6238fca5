//! `--message-format json`: the stream of a real run — a few dozen cases against a reference
//! with a planted fault and a rate limit, so cases fail and requests are retried — validates
//! line by line against `reports/events.schema.json` and agrees with report.json case by case;
//! the human output goes to stderr. `explore`'s stream too.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::{self, serving::serve, text};

/// Every line of stdout, parsed and checked against the schema.
fn events(out: &Output) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/events.schema.json");
    let schema: Value =
        serde_json::from_slice(&std::fs::read(path).expect("committed")).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("the events schema compiles");
    let stdout = String::from_utf8(out.stdout.clone()).expect("UTF-8");
    stdout
        .lines()
        .map(|line| {
            let event: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {line}\n{}", text(out)));
            let errors: Vec<String> = validator
                .iter_errors(&event)
                .map(|e| e.to_string())
                .collect();
            assert!(errors.is_empty(), "{line}\n{}", errors.join("\n"));
            event
        })
        .collect()
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

/// The counts both carry.
fn counts(summary: &Value) -> Vec<&Value> {
    [
        "total",
        "passed",
        "failed",
        "errored",
        "skipped",
        "interrupted",
        "retries",
    ]
    .iter()
    .map(|k| &summary[k])
    .collect()
}

#[test]
fn the_stream_of_a_run_follows_the_schema_and_agrees_with_report_json() {
    let server = serve(&["--fault", "handle-id-lenient-parse", "--rate-limit", "40"]);
    let reports = tempfile::tempdir().expect("tmp");
    let out = common::output_in_cache(
        &[
            "run",
            "--target",
            &server.url,
            "--filter",
            "handle-id",
            "--report",
            "json",
            "--report-dir",
            reports.path().to_str().expect("utf-8"),
            "--message-format",
            "json",
        ],
        reports.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let events = events(&out);
    let report = common::read_report(reports.path());

    let started = &events[0];
    assert_eq!(started["type"], "run-started");
    assert_eq!(started["fingerprint"], report["suite"]["fingerprint"]);
    assert_eq!(started["selected"], report["summary"]["total"]);
    assert_eq!(started["cases"], report["suite"]["cases"]);
    assert_eq!(started["target"], report["target"]["url"]);

    let finished = events.last().expect("events");
    assert_eq!(finished["type"], "run-finished");
    assert_eq!(finished["exit_code"], 1);
    assert_eq!(counts(&finished["summary"]), counts(&report["summary"]));

    let in_report: BTreeMap<&str, &Value> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| (c["id"].as_str().expect("id"), c))
        .collect();
    let case_finished = of_type(&events, "case-finished");
    assert!(case_finished.len() >= 24, "a few dozen cases");
    assert_eq!(case_finished.len(), in_report.len());
    for event in &case_finished {
        let id = event["id"].as_str().expect("id");
        let case = in_report
            .get(id)
            .unwrap_or_else(|| panic!("{id} not in report.json"));
        for field in [
            "outcome", "verdict", "gating", "rules", "severity", "retries",
        ] {
            assert_eq!(event[field], case[field], "{id}: {field}");
        }
        let rules = |f: &Value| -> Vec<Value> {
            f.as_array()
                .expect("failures")
                .iter()
                .map(|x| x["rule"].clone())
                .collect()
        };
        assert_eq!(rules(&event["failures"]), rules(&case["failures"]), "{id}");
        // Each case starts before it finishes.
        let position = |kind: &str| {
            events
                .iter()
                .position(|e| e["type"] == kind && e["id"] == id)
        };
        assert!(position("case-started") < position("case-finished"), "{id}");
    }
    assert!(
        case_finished.iter().any(|e| e["verdict"] == "fail"),
        "the fault is caught"
    );

    // Retries are told as they happen, while their case runs, and add up to the report's count.
    let retried = of_type(&events, "case-retried");
    assert!(!retried.is_empty(), "the rate limit made retries");
    let mut told: BTreeMap<&str, u64> = BTreeMap::new();
    for event in &retried {
        let id = event["id"].as_str().expect("id");
        *told.entry(id).or_default() += event["retries"].as_u64().expect("retries");
        let at = |kind: &str| {
            events
                .iter()
                .position(|e| e["type"] == kind && e["id"] == id)
        };
        let this = events.iter().position(|e| std::ptr::eq(e, *event));
        assert!(
            at("case-started") < this && this < at("case-finished"),
            "{id}"
        );
    }
    for (id, case) in &in_report {
        let retries = case["retries"].as_u64().unwrap_or(0);
        assert_eq!(told.get(id).copied().unwrap_or(0), retries, "{id}");
    }

    // What a person reads is on stderr, closing line included.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(" passed, "), "{}", text(&out));
}

#[test]
fn quiet_leaves_stdout_to_the_stream_and_explore_streams_too() {
    let reports = tempfile::tempdir().expect("tmp");
    let dir = reports.path().to_str().expect("utf-8");
    let out = common::output_in_cache(
        &[
            "explore",
            "--seed",
            "3",
            "--budget",
            "20",
            "--no-replay",
            "--report",
            "json",
            "--report-dir",
            dir,
            "--message-format",
            "json",
            "-q",
        ],
        reports.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let events = events(&out);
    assert_eq!(events[0]["type"], "run-started");
    assert_eq!(events[0]["command"], "explore");
    let finished = events.last().expect("events");
    assert_eq!(finished["type"], "run-finished");
    assert_eq!(finished["exit_code"], 0);
    let report = common::read_report(reports.path());
    assert_eq!(counts(&finished["summary"]), counts(&report["summary"]));
    assert_eq!(
        of_type(&events, "case-finished").len(),
        report["cases"].as_array().expect("cases").len()
    );
}
