//! The fault catalog from the command line: `serve --fault` / `--list-faults`, `mutants`, and the
//! detection score that `run` puts in report.json.

use crate::common;

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{command_in_cache as command, output_in_cache as output};
use mpsd_conformance::reference::Fault;
use serde_json::Value;
use tempfile::TempDir;

fn text(out: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("JSON")
}

/// A test's own cache and report folder: a command `run` here uses this cache and writes its
/// reports where `read` finds them.
struct Dirs {
    cache: TempDir,
    reports: TempDir,
}

impl Dirs {
    fn new() -> Dirs {
        Dirs {
            cache: tempfile::tempdir().expect("tmp"),
            reports: tempfile::tempdir().expect("tmp"),
        }
    }

    /// `args` and `--report-dir` this folder.
    fn args<'a>(&'a self, args: &[&'a str]) -> Vec<&'a str> {
        let dir = self.reports.path().to_str().expect("utf-8");
        [args, &["--report-dir", dir]].concat()
    }

    /// Runs `args` (with `--report-dir`), which must exit with `code`.
    fn run(&self, args: &[&str], code: i32) -> Output {
        let out = output(&self.args(args), self.cache.path());
        assert_eq!(out.status.code(), Some(code), "{}", text(&out));
        out
    }

    fn read(&self, file: &str) -> Value {
        read_json(&self.reports.path().join(file))
    }
}

/// Sends one request over a fresh connection; returns the whole answer.
fn http(url: &str, request: &str) -> String {
    let addr = url.strip_prefix("http://").expect("an http URL");
    let mut stream = std::net::TcpStream::connect(addr).expect("it listens");
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    answer
}

/// One case that only O10's 405 can fail: `wrong-verb-404` is caught by it, the others survive.
const WRONG_VERB_CASE: &str = r#"{
  "$schema": "../case.schema.json",
  "title": "POST on a session is 405",
  "rules": ["O10"],
  "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "request": { "method": "POST", "path": "/handles/{{s.handle}}/session", "body": {} },
      "expect": { "status": 405 } }
  ]
}
"#;

#[test]
fn list_faults_prints_every_fault_with_its_rules() {
    let cache = tempfile::tempdir().expect("tmp");
    let out = output(&["serve", "--list-faults"], cache.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), Fault::ALL.len(), "{stdout}");
    for (line, fault) in lines.iter().zip(Fault::ALL) {
        let mut fields = line.split_whitespace();
        assert_eq!(fields.next(), Some(fault.name()), "{line}");
        assert_eq!(
            fields.next(),
            Some(fault.rules().join(",").as_str()),
            "{line}"
        );
        assert!(line.ends_with(fault.description()), "{line}");
    }
}

#[test]
fn an_unknown_fault_is_a_usage_error_that_names_the_known_ones() {
    let cache = tempfile::tempdir().expect("tmp");
    for command in ["serve", "mutants"] {
        let out = output(
            &[command, "--fault", "wrong-verb-404,no-such-fault"],
            cache.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{command}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("`no-such-fault`"), "{stderr}");
        assert!(
            Fault::ALL.iter().all(|f| stderr.contains(f.name())),
            "{stderr}"
        );
    }
}

#[test]
fn mutants_refuses_a_report_dir_it_cannot_write_before_measuring() {
    let cache = tempfile::tempdir().expect("tmp");
    let file = cache.path().join("a-file");
    std::fs::write(&file, b"").expect("write");
    let out = output(
        &["mutants", "--report-dir", file.to_str().expect("utf-8")],
        cache.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("caught"),
        "nothing was measured: {}",
        text(&out)
    );
}

#[test]
fn serve_plants_the_faults_it_is_given() {
    let cache = tempfile::tempdir().expect("tmp");
    let mut child = command(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--fault",
            "wrong-verb-404,create-answers-200",
            "--fault",
            "not-found-empty-body",
        ],
        cache.path(),
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("serve starts");
    let url = common::announced_url(&mut child);
    // Healthy, this is a 405 with a text/plain message and an Allow header.
    let answer = http(
        &url,
        "POST /handles/00000000-0000-0000-0000-000000000000/session HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(answer.ends_with("\r\n\r\n"), "a body: {answer}");
    assert!(!answer.to_ascii_lowercase().contains("allow:"), "{answer}");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("exits");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("wrong-verb-404") && stderr.contains("not-found-empty-body"),
        "serve says which faults it plants: {stderr}"
    );
}

#[test]
fn mutants_reports_caught_and_surviving_faults_and_exits_by_them() {
    let cases = common::case_dir(&[("outcomes/verb.json", WRONG_VERB_CASE)]);
    let dirs = Dirs::new();
    let cases_dir = cases.path().to_str().expect("utf-8");

    let args = ["mutants", "--cases", cases_dir, "--fault", "wrong-verb-404"];
    let out = dirs.run(&args, 0);
    let doc = dirs.read("mutants.json");
    assert_eq!(doc["format"], "mpsd-conformance-mutants/1");
    assert_eq!(
        (doc["caught"].as_u64(), doc["total"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(doc["score"], 1.0);
    let fault = &doc["faults"][0];
    assert_eq!(fault["name"], "wrong-verb-404");
    assert_eq!(fault["rules"], serde_json::json!(["O10"]));
    assert_eq!(fault["caught"], true);
    assert_eq!(fault["failing_cases"][0]["id"], "outcomes/verb");
    assert_eq!(fault["failing_cases"][0]["catches"], true);
    let md = std::fs::read_to_string(dirs.reports.path().join("mutants.md")).expect("mutants.md");
    assert!(
        md.contains("`wrong-verb-404`") && md.contains("outcomes/verb"),
        "{md}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 of 1 faults caught"));

    let args = [
        "mutants",
        "--cases",
        cases_dir,
        "--jobs",
        "2",
        "--fault",
        "wrong-verb-404,version-old-served",
    ];
    let out = dirs.run(&args, 1);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("SURVIVED  version-old-served"),
        "{}",
        text(&out)
    );
    let doc = dirs.read("mutants.json");
    assert_eq!(
        (doc["caught"].as_u64(), doc["total"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(doc["score"], 0.5);
    let survivor = doc["faults"]
        .as_array()
        .and_then(|faults| faults.iter().find(|f| f["name"] == "version-old-served"))
        .expect("the fault is reported");
    assert_eq!(survivor["caught"], false);
    // Only a measurement of the whole fault catalog is cached as a detection score.
    assert!(!dirs.cache.path().join("mpsd-conformance").exists());
}

#[test]
fn mutants_refuses_a_catalog_that_fails_against_the_healthy_reference() {
    let broken = WRONG_VERB_CASE.replace("\"status\": 405", "\"status\": 404");
    let cases = common::case_dir(&[("outcomes/verb.json", &broken)]);
    let dirs = Dirs::new();
    let cases_dir = cases.path().to_str().expect("utf-8");
    let out = dirs.run(
        &["mutants", "--cases", cases_dir, "--fault", "wrong-verb-404"],
        1,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("healthy reference") && stderr.contains("outcomes/verb"),
        "{stderr}"
    );
    let doc = dirs.read("mutants.json");
    assert_eq!(doc["healthy_unclean"][0]["id"], "outcomes/verb");
    // A case that fails against the healthy server proves nothing against a faulty one.
    assert_eq!(doc["faults"][0]["caught"], false);
}

#[test]
fn run_reports_the_detection_score_that_mutants_measured_for_its_case_set() {
    let cases = common::case_dir(&[("outcomes/verb.json", WRONG_VERB_CASE)]);
    let dirs = Dirs::new();
    let cases_dir = cases.path().to_str().expect("utf-8");
    let run = ["run", "--cases", cases_dir];

    dirs.run(&run, 0);
    let doc = dirs.read("report.json");
    assert_eq!(
        doc["harness"]["detection_score"],
        Value::Null,
        "never measured"
    );

    // The catalog only: this is about the score's way from mutants.json to report.json, and an
    // exploration of all 124 servers would take minutes in a debug build.
    // One case cannot catch the whole catalog.
    let mutants = ["mutants", "--cases", cases_dir, "--explore-budget", "0"];
    dirs.run(&mutants, 1);
    let measured = dirs.read("mutants.json");
    assert_eq!(
        measured["faults"][Fault::WrongVerb404 as usize]["caught"],
        true
    );
    assert_eq!(measured["total"].as_u64(), Some(Fault::ALL.len() as u64));

    dirs.run(&run, 0);
    let doc = dirs.read("report.json");
    assert_eq!(doc["harness"]["detection_score"], measured["score"]);
    let errors = common::report_schema_errors(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    // Another cache, another machine: nothing measured there.
    let elsewhere = tempfile::tempdir().expect("tmp");
    let out = output(&dirs.args(&run), elsewhere.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = dirs.read("report.json");
    assert_eq!(doc["harness"]["detection_score"], Value::Null);
}

#[test]
fn run_of_the_embedded_catalog_reports_the_committed_score() {
    let dirs = Dirs::new();
    dirs.run(&["run", "--filter", "outcomes/wrong-verb"], 0);
    let doc = dirs.read("report.json");
    let fingerprint = doc["suite"]["fingerprint"].as_str().expect("fingerprint");
    let committed: Value =
        serde_json::from_str(mpsd_conformance::mutants::COMMITTED_RECORD).expect("JSON");
    // A stale record is tests/mutants.rs's failure; here the record is only used when it applies.
    let expected = if committed["fingerprint"] == fingerprint
        && committed["faults"] == mpsd_conformance::mutants::fault_catalog_digest().as_str()
    {
        committed["score"].clone()
    } else {
        Value::Null
    };
    assert_eq!(doc["harness"]["detection_score"], expected);
}
