//! Helpers shared by the harness's own tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's case directory.
pub fn catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

/// A temporary case set: the catalog's suite.json, rules.json, case.schema.json and schemas,
/// plus the given case files (relative path, contents).
pub fn case_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["suite.json", "rules.json", "case.schema.json"] {
        std::fs::copy(catalog().join(name), dir.path().join(name)).expect("copy");
    }
    std::fs::create_dir_all(dir.path().join("schemas")).expect("mkdir");
    for entry in std::fs::read_dir(catalog().join("schemas")).expect("schemas") {
        let path = entry.expect("entry").path();
        std::fs::copy(
            &path,
            dir.path()
                .join("schemas")
                .join(path.file_name().expect("name")),
        )
        .expect("copy");
    }
    for (rel, text) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    dir
}

/// A small valid case against the given rule, for tests to spoil.
pub const GOOD_CASE: &str = r#"{
  "$schema": "../case.schema.json",
  "title": "A write through a handle is served",
  "rules": ["O1"],
  "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "body": {} },
      "expect": { "status": 200 } }
  ]
}
"#;

/// Every way `report` breaks `reports/report.schema.json` (empty when it conforms).
pub fn report_schema_errors(report: &serde_json::Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reports/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(path).expect("committed")).expect("JSON");
    let validator = jsonschema::validator_for(&schema).expect("the report schema compiles");
    validator
        .iter_errors(report)
        .take(10)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// What in a developer's environment would change a run of the binary: the target, callers and
/// world, where reports go, proxies and CA files. A test sees only what it sets.
pub const ENVIRONMENT_OF_A_RUN: &[&str] = &[
    "CONFORMANCE_CONFIG",
    "CONFORMANCE_PROFILE",
    "CONFORMANCE_TARGET",
    "CONFORMANCE_AUTH_A",
    "CONFORMANCE_AUTH_B",
    "CONFORMANCE_XUID_A",
    "CONFORMANCE_XUID_B",
    "CONFORMANCE_SCID",
    "CONFORMANCE_TEMPLATE",
    "CONFORMANCE_TEMPLATE_PERSISTENT",
    "CONFORMANCE_TEMPLATE_SOLO",
    "CONFORMANCE_REPORT_DIR",
    "GITHUB_STEP_SUMMARY",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// `cmd` without [`ENVIRONMENT_OF_A_RUN`].
pub fn isolated(cmd: &mut Command) -> &mut Command {
    for name in ENVIRONMENT_OF_A_RUN {
        cmd.env_remove(name);
    }
    cmd
}

/// The harness binary with `args`, no CONFORMANCE_* from the caller's environment, its cache
/// (the explorer's database, mutants' records) in `cache`, and no colour.
pub fn command_in_cache(args: &[&str], cache: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpsd-conformance-tested"));
    isolated(&mut cmd)
        .args(args)
        .env("XDG_CACHE_HOME", cache)
        .env("NO_COLOR", "1");
    cmd
}

/// [`command_in_cache`], run to its end.
pub fn output_in_cache(args: &[&str], cache: &Path) -> Output {
    command_in_cache(args, cache)
        .output()
        .expect("the binary runs")
}

/// `run` of `body/join` alone, a quick case, with `args`, the variables `env` set in an isolated
/// environment, no colour, and its reports in `reports`.
pub fn run_body_join<V: AsRef<std::ffi::OsStr>>(
    args: &[&str],
    env: &[(&str, V)],
    reports: &Path,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpsd-conformance-tested"));
    isolated(&mut cmd)
        .args([
            "run",
            "--filter",
            "body/join",
            "--exact",
            "--color",
            "never",
        ])
        .args(args)
        .arg("--report-dir")
        .arg(reports);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd.output().expect("the binary runs")
}

/// A finished command's exit code and output, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// `DIR/report.json`, parsed.
pub fn read_report(dir: &Path) -> serde_json::Value {
    let bytes = std::fs::read(dir.join("report.json")).expect("report.json is written");
    serde_json::from_slice(&bytes).expect("report.json is JSON")
}

/// The URL a server announces on its first stdout line (`listening on http://HOST:PORT`).
pub fn announced_url(child: &mut std::process::Child) -> String {
    use std::io::{BufRead, BufReader};
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("a first line");
    line.trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"))
        .to_string()
}

/// Sends SIGINT to `child` (as Ctrl-C would) and waits for it to end: its exit status, and how
/// long it took after the signal.
pub async fn interrupt(
    mut child: std::process::Child,
) -> (std::process::ExitStatus, std::time::Duration) {
    let interrupted = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait().expect("wait"))
        .await
        .expect("joined");
    (exit, interrupted.elapsed())
}

pub mod actions;
pub mod certs;
pub mod fake;
pub mod relay;
pub mod serving;
pub mod shell_commands;
pub mod tamper;
