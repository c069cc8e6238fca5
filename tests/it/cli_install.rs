//! What an installed binary brings along: shell completions, man pages and a version line that
//! names the catalog it carries.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

/// Every subcommand, as the completions and the man pages must know them.
const SUBCOMMANDS: [&str; 10] = [
    "run",
    "list",
    "validate",
    "rules",
    "serve",
    "explore",
    "mutants",
    "report",
    "completions",
    "man",
];

fn cli_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env_remove("CONFORMANCE_TARGET")
        .env_remove("CONFORMANCE_REPORT_DIR")
        .output()
        .expect("the binary runs")
}

fn cli(args: &[&str]) -> Output {
    cli_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(args: &[&str]) -> String {
    let out = cli(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn every_shell_gets_completions_that_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = ok(&["completions", shell]);
        assert!(!script.trim().is_empty(), "{shell}: empty");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: `{sub}` missing");
        }
        // fish names a long flag `-l target`; the others `--target`.
        let flag = if shell == "fish" {
            "-l target"
        } else {
            "--target"
        };
        assert!(script.contains(flag), "{shell}: `{flag}` missing");
    }
}

#[test]
fn bash_completions_are_valid_bash() {
    let script = ok(&["completions", "bash"]);
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("mpsd-conformance.bash");
    std::fs::write(&file, script).expect("write");
    match Command::new("bash").arg("-n").arg(&file).output() {
        Ok(out) => assert!(out.status.success(), "bash -n: {}", text(&out.stderr)),
        Err(e) => eprintln!("bash not run ({e}): syntax not checked"),
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = cli(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}

/// A roff page's header: `.TH`, after the string definitions roff puts first (`.ie \n(.g .ds
/// Aq \(aq` / `.el .ds Aq '`, how groff and other troffs print an apostrophe).
fn starts_with_a_header(page: &str) -> bool {
    page.lines()
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .is_some_and(|l| l.starts_with(".TH "))
}

#[test]
fn man_without_out_prints_the_top_page() {
    let page = ok(&["man"]);
    assert!(starts_with_a_header(&page), "{page}");
    assert!(page.contains("mpsd\\-conformance"), "{page}");
    for sub in ["run", "explore", "serve", "mutants"] {
        assert!(page.contains(sub), "`{sub}` missing from the top page");
    }
}

#[test]
fn man_out_writes_a_page_per_subcommand() {
    let dir = tempfile::tempdir().expect("tmp");
    let out_dir = dir.path().join("man1");
    let out = cli(&["man", "--out", &out_dir.display().to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mut pages = vec!["mpsd-conformance.1".to_string()];
    pages.extend(SUBCOMMANDS.map(|s| format!("mpsd-conformance-{s}.1")));
    pages.push("mpsd-conformance-report-merge.1".to_string());
    pages.push("mpsd-conformance-report-compare.1".to_string());
    for page in &pages {
        let body =
            std::fs::read_to_string(out_dir.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(starts_with_a_header(&body), "{page}: {body}");
        assert!(body.contains("0.1") || body.contains(env!("CARGO_PKG_VERSION")));
    }
    let run = std::fs::read_to_string(out_dir.join("mpsd-conformance-run.1")).expect("run page");
    for flag in ["target", "report\\-dir", "fail\\-on", "Exit codes"] {
        assert!(run.contains(flag), "`{flag}` missing from the run page");
    }
    // No page for clap's `help`.
    assert!(!out_dir.join("mpsd-conformance-help.1").exists());
}

#[test]
fn man_into_a_file_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("a-file");
    std::fs::write(&file, "").expect("write");
    let out = cli(&["man", "--out", &file.display().to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("error:"));
}

#[test]
fn version_names_the_catalog_and_its_detection_score() {
    for flag in ["--version", "-V"] {
        let line = ok(&[flag]);
        let expected = format!(
            "mpsd-conformance {} (catalog sha256:",
            env!("CARGO_PKG_VERSION")
        );
        assert!(line.starts_with(&expected), "{flag}: {line}");
        assert!(line.contains(" cases, "), "{flag}: {line}");
        assert!(line.contains("detection score"), "{flag}: {line}");
        assert_eq!(line.lines().count(), 1, "{flag}: {line}");
    }
    // The fingerprint is the one `run` records.
    let line = ok(&["--version"]);
    let dir = tempfile::tempdir().expect("tmp");
    let reports = dir.path().display().to_string();
    let out = cli(&[
        "run",
        "--filter",
        "handle-id/",
        "--report",
        "json",
        "-q",
        "--report-dir",
        &reports,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = std::fs::read(dir.path().join("report.json")).expect("report.json");
    let doc: serde_json::Value = serde_json::from_slice(&report).expect("JSON");
    let fingerprint = doc["suite"]["fingerprint"].as_str().expect("fingerprint");
    assert!(line.contains(fingerprint), "{line} vs {fingerprint}");
    let cases = doc["suite"]["cases"].as_u64().expect("cases");
    assert!(
        line.contains(&format!(" {cases} cases,")),
        "{line} vs {cases}"
    );
}

#[test]
fn new_commands_end_quietly_when_stdout_is_closed() {
    for args in [
        &["completions", "bash"][..],
        &["completions", "zsh"],
        &["man"],
        &["--version"],
    ] {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn the_embedded_catalog_runs_from_a_folder_with_no_checkout() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = cli_in(
        dir.path(),
        &[
            "run",
            "--filter",
            "contract-version/",
            "-q",
            "--report",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(dir.path().join("reports").join("report.json").is_file());
}
