//! Configuration profiles from the command line: `mpsd-conformance.toml` in the working folder,
//! `--config` or CONFORMANCE_CONFIG; flag > environment > selected profile > default profile >
//! built-in, shown by `config show` with each source; refusals name file:line:col, exit 2, and
//! nothing is sent; a literal secret is refused; report.json records the profile.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{self, fake, text};

const FILE: &str = "mpsd-conformance.toml";

/// A working folder holding `mpsd-conformance.toml` with `toml`.
fn folder_with(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join(FILE), toml).expect("write");
    dir
}

/// The binary in `dir`, with `env` set.
fn command_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = common::command_in_cache(args, &dir.join(".cache"));
    cmd.current_dir(dir).envs(env.iter().copied());
    cmd
}

fn output_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command_in(dir, args, env)
        .output()
        .expect("the binary runs")
}

/// `config show`'s line for `key`: (value, source).
fn shown(out: &Output, key: &str) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.split(" = ").next().map(str::trim) == Some(key))
        .unwrap_or_else(|| panic!("no `{key}` line:\n{}", text(out)));
    let rest = line.split_once(" = ").expect("key = value").1;
    let (value, source) = rest.rsplit_once("  (").expect("value  (source)");
    (value.to_string(), source.trim_end_matches(')').to_string())
}

const PROFILES: &str = "\
[profile.default]
jobs = 2
report-dir = \"from-default\"
scid = \"scid-default\"
retries = 1

[profile.ci]
jobs = 3
report-dir = \"from-ci\"
scid = \"scid-ci\"
";

#[test]
fn each_level_of_precedence_wins_over_the_next() {
    let dir = folder_with(PROFILES);
    let show = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["config", "show"];
        all.extend(args);
        let out = output_in(dir.path(), &all, env);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        out
    };
    let at = |out: &Output, key: &str, value: &str, source: &str| {
        assert_eq!(
            shown(out, key),
            (value.to_string(), source.to_string()),
            "{}",
            text(out)
        );
    };
    // default profile > built-in
    let out = show(&[], &[]);
    at(&out, "jobs", "2", "default profile");
    at(&out, "retries", "1", "default profile");
    at(&out, "timeout", "10.0", "built-in");
    at(&out, "report-dir", "from-default", "default profile");
    at(&out, "scid", "scid-default", "default profile");
    // selected profile > default profile, by flag or by CONFORMANCE_PROFILE
    for (args, env) in [
        (&["--profile", "ci"][..], &[][..]),
        (&[][..], &[("CONFORMANCE_PROFILE", "ci")][..]),
    ] {
        let out = show(args, env);
        at(&out, "jobs", "3", "profile ci");
        at(&out, "retries", "1", "default profile");
        at(&out, "report-dir", "from-ci", "profile ci");
    }
    // environment > selected profile
    let env = [
        ("CONFORMANCE_REPORT_DIR", "from-env"),
        ("CONFORMANCE_SCID", "scid-env"),
    ];
    let out = show(&["--profile", "ci"], &env);
    at(&out, "report-dir", "from-env", "env CONFORMANCE_REPORT_DIR");
    at(&out, "scid", "scid-env", "env CONFORMANCE_SCID");
    // flag > environment
    let out = show(
        &[
            "--profile",
            "ci",
            "--report-dir",
            "from-flag",
            "--jobs",
            "5",
        ],
        &env,
    );
    at(&out, "report-dir", "from-flag", "flag");
    at(&out, "jobs", "5", "flag");
    // built-in, without a file
    let empty = tempfile::tempdir().expect("tmp");
    let out = output_in(empty.path(), &["config", "show"], &[]);
    assert!(text(&out).contains("configuration: none"), "{}", text(&out));
    at(
        &out,
        "jobs",
        "(adaptive: from 8 up to max-jobs)",
        "built-in",
    );
    at(&out, "max-jobs", "1024", "built-in");
}

#[test]
fn the_file_can_be_named_by_flag_or_environment_and_its_relative_paths_start_beside_it() {
    let dir = folder_with(PROFILES);
    let elsewhere = tempfile::tempdir().expect("tmp");
    let file = dir.path().join(FILE);
    let file = file.to_str().expect("utf-8");
    let beside = dir.path().join("from-default");
    let beside = beside.to_str().expect("utf-8");
    for (args, env) in [
        (&["config", "show", "--config", file][..], &[][..]),
        (&["config", "show"][..], &[("CONFORMANCE_CONFIG", file)][..]),
    ] {
        let out = output_in(elsewhere.path(), args, env);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(
            shown(&out, "report-dir"),
            (beside.to_string(), "default profile".to_string())
        );
    }
    let out = output_in(
        elsewhere.path(),
        &["config", "show", "--config", "no-such.toml"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("no-such.toml"), "{}", text(&out));
}

/// A refused file ends the run with exit 2 before anything reaches the target.
fn refused_before_any_request(toml: &str, expect: &[&str]) -> String {
    let dir = folder_with(toml);
    let (url, connections) = fake::start_counting(fake::Behaviour::Echo);
    let out = output_in(dir.path(), &["run", "--target", &url], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    for part in expect {
        assert!(stderr.contains(part), "`{part}` missing:\n{}", text(&out));
    }
    assert_eq!(
        connections.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a request was sent"
    );
    assert!(!dir.path().join("reports").exists(), "reports were written");
    stderr
}

#[test]
fn an_unknown_key_is_refused_with_its_place() {
    refused_before_any_request(
        "[profile.default]\njobs = 2\njbos = 4\n",
        &[
            "unknown key `jbos` in [profile.default]",
            "--> mpsd-conformance.toml:3:1",
        ],
    );
    refused_before_any_request(
        "[profile.default]\njobs = 2\n[server]\nport = 1\n",
        &["unknown key `server`", "--> mpsd-conformance.toml:3:2"],
    );
}

#[test]
fn a_wrong_type_or_a_value_the_flag_refuses_is_refused_with_its_place() {
    refused_before_any_request(
        "[profile.default]\njobs = \"four\"\n",
        &[
            "`jobs` must be an integer, not a string",
            "--> mpsd-conformance.toml:2:8",
        ],
    );
    refused_before_any_request(
        "[profile.default]\nfail-on = \"may\"\n",
        &["`fail-on` is refused", "--> mpsd-conformance.toml:2:11"],
    );
    refused_before_any_request(
        "[profile.default]\nreport = [\"json\", \"pdf\"]\n",
        &["`report` is refused", "--> mpsd-conformance.toml:2:19"],
    );
    refused_before_any_request(
        "[profile.default]\njobs = \n",
        &["this is not TOML", "--> mpsd-conformance.toml:2:"],
    );
}

#[test]
fn a_literal_secret_is_refused_without_being_repeated() {
    for (toml, place) in [
        (
            "[profile.default]\nauth-a = \"XBL3.0 x=1;literal-token-1\"\n",
            "mpsd-conformance.toml:2:10",
        ),
        (
            "[profile.default]\nsecret = [\"literal-token-1\"]\n",
            "mpsd-conformance.toml:2:11",
        ),
        (
            "[profile.default]\nheader = [\"X-Api-Key: literal-token-1\"]\n",
            "mpsd-conformance.toml:2:11",
        ),
    ] {
        let stderr = refused_before_any_request(toml, &["holds a literal secret", place]);
        assert!(!stderr.contains("literal-token-1"), "{stderr}");
    }
}

#[test]
fn a_profile_that_does_not_exist_or_a_variable_not_set_is_refused() {
    let dir = folder_with(PROFILES);
    let out = output_in(dir.path(), &["run", "--profile", "staging"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("has no [profile.staging] (its profiles: ci, default)"),
        "{}",
        text(&out)
    );
    let empty = tempfile::tempdir().expect("tmp");
    let out = output_in(empty.path(), &["run", "--profile", "ci"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    refused_before_any_request(
        "[profile.default]\nauth-a = \"${MPSD_TEST_UNSET_VARIABLE}\"\n",
        &[
            "names the environment variable `MPSD_TEST_UNSET_VARIABLE`",
            "--> mpsd-conformance.toml:2:10",
        ],
    );
}

#[test]
fn config_show_redacts_the_secrets_the_references_bring() {
    let dir = folder_with(
        "[profile.default]\nauth-a = \"${MY_TOKEN}\"\nxuid-a = \"2533274800000001\"\n\
         secret = [\"${MY_SECRET}\"]\nheader = [\"Authorization: Bearer ${MY_TOKEN}\"]\n\
         target = \"https://${MY_USERINFO}@staging.invalid/\"\n",
    );
    let env = [
        ("MY_TOKEN", "XBL3.0 x=1;token-value-123"),
        ("MY_SECRET", "secret-value-456"),
        ("MY_USERINFO", "user:password-789"),
    ];
    let out = output_in(dir.path(), &["config", "show"], &env);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    for value in ["token-value-123", "secret-value-456", "password-789"] {
        assert!(!all.contains(value), "`{value}` shown:\n{all}");
    }
    assert_eq!(
        shown(&out, "auth-a"),
        ("[REDACTED]".to_string(), "default profile".to_string())
    );
    assert_eq!(shown(&out, "xuid-a").0, "2533274800000001");
    assert!(shown(&out, "header")
        .0
        .contains("Authorization: [REDACTED]"));
}

#[test]
fn a_run_takes_the_profile_and_report_json_records_it() {
    let dir = folder_with(
        "[profile.default]\njobs = 2\nreport = [\"json\"]\n\
         [profile.quick]\nfilter = [\"handle-id/malformed-reads\"]\nretries = 0\n",
    );
    let out = output_in(dir.path(), &["run", "--profile", "quick", "-q"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = common::read_report(&dir.path().join("reports"));
    let errors = common::report_schema_errors(&report);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(
        report["profile"],
        serde_json::json!({ "name": "quick", "file": FILE })
    );
    assert_eq!(report["options"]["jobs"], 2);
    assert_eq!(report["options"]["retries"], 0);
    assert_eq!(
        report["options"]["filter"],
        serde_json::json!(["handle-id/malformed-reads"])
    );
    assert!(!dir.path().join("reports/junit.xml").exists());
    let cases = report["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    assert!(cases.iter().all(|c| c["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("handle-id/malformed-reads"))));
    // Without a file, the field is null.
    let empty = tempfile::tempdir().expect("tmp");
    let out = output_in(
        empty.path(),
        &[
            "run",
            "-q",
            "--report",
            "json",
            "--filter",
            "handle-id/malformed-reads::delete-braces",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let report = common::read_report(&empty.path().join("reports"));
    assert_eq!(report["profile"], serde_json::Value::Null);
}
