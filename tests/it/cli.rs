//! The command line as a user meets it: exit codes, messages, reports, redaction.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::fake::{self, Behaviour};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");
const SECRET_TOKEN: &str = "tok-3f9a-SECRET-e1c4b7";

fn run(args: &[&str], report_dir: &Path) -> Output {
    Command::new(BIN)
        .arg("run")
        .args(args)
        .arg("--report-dir")
        .arg(report_dir)
        .env_remove("CONFORMANCE_TARGET")
        .env_remove("CONFORMANCE_AUTH_A")
        .env_remove("CONFORMANCE_AUTH_B")
        .env_remove("CONFORMANCE_REPORT_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// `run` of the `handle-id/` cases, with `extra`, against a target that answers 500 to all.
fn run_against_500(extra: &[&str], report_dir: &Path) -> Output {
    let target = fake::start(Behaviour::Error500);
    let filter = ["--target", target.as_str(), "--filter", "handle-id/"];
    run(&[&filter[..], extra].concat(), report_dir)
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The run's stdout and stderr, once it is known to have exited with `code` without a panic;
/// `context` leads the message when it did not.
fn exited(out: &Output, code: i32, context: &str) -> (String, String) {
    let (stdout, stderr) = text(out);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{context}\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{context}\n{stderr}");
    (stdout, stderr)
}

fn report(dir: &Path) -> Value {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json is written");
    serde_json::from_slice(&bytes).expect("report.json is JSON")
}

fn assert_report_valid(doc: &Value) {
    let errors = common::report_schema_errors(doc);
    assert!(
        errors.is_empty(),
        "report.json breaks report.schema.json:\n{}",
        errors.join("\n")
    );
}

#[test]
fn a_server_answering_500_fails_every_case_with_a_reason_and_exit_1() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run_against_500(&["--filter", "body/join"], dir.path());
    let (stdout, _) = exited(&out, 1, "");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("0 passed") && last.contains(" failed, 0 errored, 0 skipped, "),
        "last line: {last}"
    );
    let doc = report(dir.path());
    assert_report_valid(&doc);
    let cases = doc["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        assert_eq!(case["outcome"], "fail", "{}", case["id"]);
        assert_eq!(case["failures"][0]["rule"], "O13", "{}", case["id"]);
        assert!(
            case["message"].as_str().unwrap_or("").contains("500"),
            "{}",
            case["message"]
        );
    }
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit.xml");
    assert!(junit.contains("<failure"), "{junit}");
}

#[test]
fn an_unreachable_target_is_one_message_and_exit_3_at_once() {
    let target = fake::closed_port();
    let dir = tempfile::tempdir().expect("tmp");
    let started = Instant::now();
    // A timeout far longer than the test may take: a run that waited on one would show.
    let out = run(&["--target", &target, "--timeout", "300"], dir.path());
    let (_, stderr) = exited(&out, 3, "");
    assert_eq!(stderr.matches("cannot be tested").count(), 1, "{stderr}");
    assert!(stderr.contains("could not connect"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(150),
        "waited on a timeout: took {:?}",
        started.elapsed()
    );
    let doc = report(dir.path());
    assert_report_valid(&doc);
    assert_eq!(doc["summary"]["errored"], doc["summary"]["total"]);
    // A probe, not a hundred requests: no case sent anything (counted, not timed, so that a
    // busy machine cannot fail it).
    let cases = doc["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for case in cases {
        assert_eq!(case["exchanges"], serde_json::json!([]), "{}", case["id"]);
        assert_eq!(case["duration_ms"], 0, "{}", case["id"]);
    }
}

#[test]
fn misbehaving_targets_end_in_errors_within_the_timeout_and_a_report() {
    for behaviour in [
        Behaviour::Hang,
        Behaviour::Garbage,
        Behaviour::Reset,
        Behaviour::Huge,
    ] {
        let target = fake::start(behaviour);
        let dir = tempfile::tempdir().expect("tmp");
        let out = run(
            &[
                "--target",
                &target,
                "--timeout",
                "0.5",
                "--max-body",
                "65536",
                "--filter",
                "body/join",
            ],
            dir.path(),
        );
        exited(&out, 3, &format!("{behaviour:?}"));
        let doc = report(dir.path());
        assert_report_valid(&doc);
        assert_eq!(doc["cases"][0]["outcome"], "error", "{behaviour:?}");
    }
}

#[test]
fn secrets_never_reach_output_or_reports() {
    let target = fake::start(Behaviour::Echo);
    let dir = tempfile::tempdir().expect("tmp");
    let auth = format!("XBL3.0 x=2533274790395904;{SECRET_TOKEN}");
    let out = Command::new(BIN)
        .args([
            "run",
            "--target",
            &target,
            "--filter",
            "body/join",
            "--secret",
            "another-secret-value",
        ])
        .args(["--header", "X-Trace: another-secret-value"])
        .arg("--report-dir")
        .arg(dir.path())
        .env("CONFORMANCE_AUTH_A", &auth)
        .env("CONFORMANCE_XUID_A", "2533274790395904")
        .env(
            "CONFORMANCE_AUTH_B",
            format!("XBL3.0 x=2533274790395905;{SECRET_TOKEN}-b"),
        )
        .env("CONFORMANCE_XUID_B", "2533274790395905")
        .env_remove("CONFORMANCE_TARGET")
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    let json = std::fs::read_to_string(dir.path().join("report.json")).expect("report");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit");
    // The echo server puts the request head, Authorization included, in its body.
    assert!(json.contains("[REDACTED]"), "{json}");
    for (name, written) in [
        ("stdout", &stdout),
        ("stderr", &stderr),
        ("report.json", &json),
        ("junit.xml", &junit),
    ] {
        assert!(!written.contains(SECRET_TOKEN), "{name} leaks the token");
        assert!(
            !written.contains("another-secret-value"),
            "{name} leaks --secret"
        );
    }
}

/// A target's userinfo is a secret to redact, never credentials to send: reqwest turns it into
/// `Authorization: Basic …` on every request that carries no Authorization of its own, so a
/// case sending none (auth/missing) would not be what the server sees.
#[test]
fn the_targets_userinfo_is_not_sent_and_callers_authorization_is_what_arrives() {
    const CASE: &str = r#"{
      "$schema": "../case.schema.json",
      "title": "What the caller sends as Authorization, and only that, arrives",
      "rules": ["O1"],
      "severity": "must",
      "steps": [
        { "request": { "method": "GET", "path": "/echo", "as": "none" },
          "expect": { "status": 200 } },
        { "request": { "method": "GET", "path": "/echo",
                       "headers": { "Authorization": "Custom caller-credentials" } },
          "expect": { "status": 200 } }
      ]
    }"#;
    let cases = common::case_dir(&[("area/echo.json", CASE)]);
    let target = fake::start(Behaviour::Echo);
    let with_userinfo = target.replace("http://", "http://someone:pw-d15ea5e1-SECRET@");
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &[
            "--cases",
            &cases.path().display().to_string(),
            "--target",
            &with_userinfo,
            "--transcripts",
            "all",
        ],
        dir.path(),
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stderr.matches("warning: the target's userinfo").count(),
        1,
        "said once: {stderr}"
    );
    // The echo server answers with the request head it received.
    let doc = report(dir.path());
    let echoed = |i: usize| {
        doc["cases"][0]["exchanges"][i]["response"]["body"]
            .as_str()
            .expect("the echoed head")
            .to_ascii_lowercase()
    };
    assert!(!echoed(0).contains("authorization"), "{}", echoed(0));
    assert!(
        echoed(1).contains("authorization: custom caller-credentials"),
        "{}",
        echoed(1)
    );
    assert!(!echoed(1).contains("basic"), "{}", echoed(1));
    assert!(!stdout.contains("SECRET") && !stderr.contains("SECRET"));
    assert!(!doc.to_string().contains("SECRET"));
}

#[test]
fn a_malformed_case_file_is_refused_with_its_position_before_any_request() {
    let bad = common::GOOD_CASE.replace("\"must\",", "\"must\"");
    let cases = common::case_dir(&[("area/bad.json", &bad)]);
    let target = fake::start(Behaviour::Echo);
    let dir = tempfile::tempdir().expect("tmp");
    let cases_arg = cases.path().display().to_string();
    for args in [
        vec!["validate", "--cases", &cases_arg],
        vec!["run", "--cases", &cases_arg, "--target", &target],
    ] {
        let mut cmd = Command::new(BIN);
        cmd.args(&args);
        if args[0] == "run" {
            cmd.arg("--report-dir").arg(dir.path());
        }
        let out = cmd.output().expect("runs");
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        let expected = format!(
            "{}:6:3: expected `,` or `}}`",
            cases.path().join("area/bad.json").display()
        );
        assert!(stderr.contains(&expected), "{stderr}");
    }
    assert!(!dir.path().join("report.json").exists(), "nothing ran");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let target = fake::start(Behaviour::Echo);
    let out = run(
        &["--target", &target, "--filter", "no-such-case-anywhere"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    let out = run(&["--jobs", "0"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"x").expect("write");
    let out = run(&["--target", &target], &file);
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    let out = Command::new(BIN)
        .args(["run", "--target", &target, "--filter", "body/join"])
        .env("CONFORMANCE_AUTH_A", "XBL3.0 x=1;some-token-value")
        .env_remove("CONFORMANCE_XUID_A")
        .arg("--report-dir")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
}

#[test]
fn list_filters_and_partitions_cover_every_case_once() {
    let list = |extra: &[&str]| -> Vec<String> {
        let out = Command::new(BIN)
            .arg("list")
            .args(extra)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let all = list(&[]);
    assert!(all.len() >= 30);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "ids are sorted");
    let mut shards: Vec<String> = (1..=3)
        .flat_map(|m| list(&["--partition", &format!("hash:{m}/3")]))
        .collect();
    shards.sort();
    assert_eq!(shards, all);
    let malformed = list(&["--filter", "handle-id/malformed::"]);
    assert!(
        !malformed.is_empty()
            && malformed
                .iter()
                .all(|id| id.starts_with("handle-id/malformed::"))
    );
    let exact = list(&["--filter", "handle-id/malformed::urn", "--exact"]);
    assert_eq!(exact, vec!["handle-id/malformed::urn".to_string()]);
}

#[test]
fn serve_announces_its_address_and_stops_cleanly_on_sigterm() {
    use std::io::{Read, Write};
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let url = common::announced_url(&mut child);
    let url = url.strip_prefix("http://").expect("an http URL");
    let mut stream = std::net::TcpStream::connect(url).expect("it listens");
    stream
        .write_all(b"GET /no/such/path HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let code = child.wait().expect("exits").code();
    assert_eq!(code, Some(0));
}

#[test]
fn fail_fast_stops_sending_new_cases_after_the_first_gating_failure() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = run_against_500(&["--jobs", "1", "--fail-fast"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{:?}", text(&out));
    let doc = report(dir.path());
    assert_eq!(doc["summary"]["failed"], 1, "{}", doc["summary"]);
    assert!(
        doc["summary"]["skipped"].as_u64().unwrap_or(0) > 0,
        "{}",
        doc["summary"]
    );
}

#[test]
fn a_throttled_target_makes_cases_errors_not_failures() {
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--rate-limit", "1"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("serve starts");
    let url = common::announced_url(&mut child);
    let dir = tempfile::tempdir().expect("tmp");
    // With retries off: a throttled answer cannot be judged (with them, see cli_throttle.rs).
    let out = run(
        &[
            "--target",
            &url,
            "--filter",
            "body/join",
            "--exact",
            "--retries",
            "0",
        ],
        dir.path(),
    );
    let _ = child.kill();
    let _ = child.wait();
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    let doc = report(dir.path());
    assert_eq!(doc["cases"][0]["outcome"], "error");
    assert!(
        doc["cases"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("throttled: the target answered 429 (Retry-After: 1); retries are off"),
        "{}",
        doc["cases"][0]
    );
}

#[test]
fn rules_lists_every_rule_with_the_cases_that_check_it() {
    let out = Command::new(BIN)
        .args(["rules", "--json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rules = doc["rules"].as_array().expect("rules");
    let committed: Value = serde_json::from_slice(
        &std::fs::read(common::catalog().join("rules.json")).expect("rules.json"),
    )
    .expect("JSON");
    assert_eq!(
        rules.len(),
        committed["rules"].as_array().map_or(0, Vec::len)
    );
    for rule in rules {
        assert!(
            !rule["cases"].as_array().expect("cases").is_empty(),
            "no case checks {}",
            rule["id"]
        );
    }
    // Gating and `may` cases are counted apart: H1.d has both.
    let h1d = rules.iter().find(|r| r["id"] == "H1.d").expect("H1.d");
    let ids = |key: &str| -> Vec<String> {
        h1d[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    assert!(
        ids("gating").contains(&"contract-version/missing::empty".to_string()),
        "{h1d}"
    );
    assert!(
        ids("may").contains(&"contract-version/lenient-forms::plus".to_string()),
        "{h1d}"
    );
    assert!(
        !ids("gating")
            .iter()
            .any(|id| id.starts_with("contract-version/lenient-forms")),
        "{h1d}"
    );
    let text = Command::new(BIN).arg("rules").output().expect("runs");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.lines().any(|l| l.starts_with("H1.b")), "{text}");
    assert!(
        text.lines().any(|l| l
            .trim_start()
            .starts_with("may:    3 case(s): contract-version/lenient-forms::")),
        "{text}"
    );
}

#[test]
fn rules_coverage_prints_the_request_models_matrix() {
    let out = Command::new(BIN)
        .args(["rules", "--coverage"])
        .output()
        .expect("runs");
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("request model: ") && first.contains(" generated, "),
        "{first}"
    );
    for table in [
        "body on R1-create, R1-join, R1-update, R5-create, R5-update",
        "headers on ",
        "framing on ",
        "preconditions on ",
    ] {
        assert!(stdout.contains(table), "no {table:?}:\n{stdout}");
    }
    // A cell not tried says why.
    assert!(stdout.contains("not tried: bom (a byte order mark can only stand before the body)"));
    let out = Command::new(BIN)
        .args(["rules", "--coverage", "--json"])
        .output()
        .expect("runs");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let cells = doc["cells"].as_array().expect("cells");
    let cell = cells
        .iter()
        .find(|c| c["case"] == "generated/R1-create/properties.custom.value/emoji")
        .expect("a generated cell");
    assert_eq!(
        (&cell["table"], &cell["resource"], &cell["state"]),
        (
            &Value::from("body"),
            &Value::from("R1-create"),
            &Value::from("generated")
        )
    );
    assert!(cells
        .iter()
        .filter(|c| c["state"] == "not tried")
        .all(|c| c["reason"].as_str().is_some_and(|r| !r.is_empty())));
}
