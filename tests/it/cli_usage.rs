//! What the command line tells a user: help with the environment and exit codes, refusals in
//! words, `list` and `run` agreeing on a selection.

use crate::common;

use std::process::{Command, Output};

use common::fake::{self, Behaviour};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("CONFORMANCE_TARGET")
        .env_remove("CONFORMANCE_AUTH_A")
        .env_remove("CONFORMANCE_AUTH_B")
        .env_remove("CONFORMANCE_REPORT_DIR")
        .output()
        .expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn run_help_lists_the_environment_and_the_exit_codes() {
    let help = stdout(&cli(&["run", "--help"]));
    for needle in [
        "CONFORMANCE_TARGET",
        "CONFORMANCE_AUTH_A",
        "CONFORMANCE_XUID_A",
        "CONFORMANCE_SCID",
        "CONFORMANCE_TEMPLATE_PERSISTENT",
        "CONFORMANCE_TEMPLATE_SOLO",
        "CONFORMANCE_REPORT_DIR",
        "HTTPS_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "NO_COLOR",
        "Exit codes:",
        "  130 ",
        "  143 ",
        "-j, --jobs",
        "--proxy <URL>",
        "--no-proxy",
        "--cacert <FILE>",
        "--insecure",
        "--client-cert <FILE>",
        "--client-key <FILE>",
        "--rerun-failed <REPORT>",
    ] {
        assert!(help.contains(needle), "`{needle}` missing from:\n{help}");
    }
}

#[test]
fn no_help_text_shows_an_env_with_a_dangling_equals_sign() {
    for command in ["run", "list", "validate", "rules", "serve"] {
        for flag in ["--help", "-h"] {
            let out = Command::new(BIN)
                .args([command, flag])
                .env(
                    "CONFORMANCE_TARGET",
                    "https://user:hidden-password@staging.example",
                )
                .env_remove("CONFORMANCE_REPORT_DIR")
                .output()
                .expect("runs");
            let help = stdout(&out);
            assert!(!help.is_empty(), "{command} {flag}");
            assert!(!help.contains("=]"), "{command} {flag}:\n{help}");
            assert!(
                !help.contains("hidden-password"),
                "{command} {flag}:\n{help}"
            );
        }
    }
}

#[test]
fn j_is_jobs() {
    let dir = tempfile::tempdir().expect("tmp");
    let reports = dir.path().display().to_string();
    let out = cli(&[
        "run",
        "-j",
        "2",
        "--filter",
        "body/join",
        "--exact",
        "--report-dir",
        &reports,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).expect("written"))
            .expect("JSON");
    assert_eq!(report["options"]["jobs"], 2);
}

#[test]
fn a_timeout_of_zero_or_less_is_refused_in_words() {
    for value in ["0", "-1", "-0.5", "abc"] {
        let out = cli(&["run", "--timeout", value]);
        assert_eq!(out.status.code(), Some(2), "{value}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("`{value}` is not a number of seconds above 0")),
            "{value}: {err}"
        );
    }
}

#[test]
fn throttling_flags_out_of_range_are_refused_in_words() {
    for (flag, value, says) in [
        (
            "--rate",
            "0",
            "is not a number of requests per second above 0",
        ),
        (
            "--rate",
            "-2",
            "is not a number of requests per second above 0",
        ),
        (
            "--rate",
            "inf",
            "is not a number of requests per second above 0",
        ),
        (
            "--max-retry-wait",
            "-1",
            "is not a number of seconds from 0 to 86400",
        ),
        (
            "--max-retry-wait",
            "1e9",
            "is not a number of seconds from 0 to 86400",
        ),
        ("--retries", "-1", "--retries <N>"),
    ] {
        let out = cli(&["run", flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let err = stderr(&out);
        assert!(err.contains(says), "{flag} {value}: {err}");
    }
    let help = cli(&["run", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--retries <N>",
        "--max-retry-wait <SECS>",
        "--rate <N>",
        "preflight",
    ] {
        assert!(text.contains(flag), "{flag}: {text}");
    }
}

#[test]
fn a_filter_that_matches_nothing_is_named_and_said_to_be_case_sensitive() {
    let target = fake::start(Behaviour::Echo);
    let dir = tempfile::tempdir().expect("tmp");
    let reports = dir.path().display().to_string();
    let run = cli(&[
        "run",
        "--target",
        &target,
        "--filter",
        "Handle-Id/",
        "--report-dir",
        &reports,
    ]);
    let list = cli(&["list", "--filter", "Handle-Id/"]);
    for (name, out) in [("run", &run), ("list", &list)] {
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(out);
        assert!(
            err.contains("no case id contains `Handle-Id/` (filters are case-sensitive"),
            "{name}: {err}"
        );
        assert!(stdout(out).is_empty() || name == "run", "{name}");
    }
    assert!(!dir.path().join("report.json").exists(), "nothing ran");
}

#[test]
fn list_and_run_agree_on_every_selection() {
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    let reports = dir.path().display().to_string();
    for selection in [
        vec!["--filter", "handle-id/malformed", "--exact"],
        vec!["--filter", "handle-id/malformed::urn", "--exact"],
        vec!["--filter", "content-type/", "--partition", "hash:2/3"],
        vec![
            "--filter",
            "body/join",
            "--exact",
            "--partition",
            "hash:1/1",
        ],
        vec!["--filter", "no-such-thing"],
    ] {
        let listed = cli(&[&["list"][..], &selection].concat());
        let ran = cli(&[
            &["run", "--target", &target, "--report-dir", &reports][..],
            &selection,
        ]
        .concat());
        assert_eq!(
            listed.status.code() == Some(2),
            ran.status.code() == Some(2),
            "{selection:?}: list {:?}, run {:?}",
            listed.status.code(),
            ran.status.code()
        );
        if ran.status.code() == Some(2) {
            continue;
        }
        let report: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join("report.json")).expect("written"),
        )
        .expect("JSON");
        let mut ran_ids: Vec<String> = report["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| c["id"].as_str().unwrap_or_default().to_string())
            .collect();
        ran_ids.sort();
        let listed_ids: Vec<String> = stdout(&listed).lines().map(str::to_string).collect();
        assert_eq!(listed_ids, ran_ids, "{selection:?}");
    }
    // A case file's id selects all its variants.
    let variants = stdout(&cli(&[
        "list",
        "--filter",
        "handle-id/malformed",
        "--exact",
    ]));
    assert!(variants.lines().count() > 1, "{variants}");
    assert!(variants
        .lines()
        .all(|l| l.starts_with("handle-id/malformed::")));
}
