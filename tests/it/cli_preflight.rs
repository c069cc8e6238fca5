//! The preflight at the command line: a world missing on the target (SCID, a template, a caller,
//! a path prefix) is one message naming what to configure, exit 3, and no case run; what the
//! selection does not use, or a caller not given, is not checked; a base URL's path prefix,
//! `--header` and Ctrl-C apply to it as to any request.

use crate::common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::tamper::{self, Answer, Forward, Overloaded, Proxy, Tamper};
use common::{isolated, read_report, text};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");
const TOKEN_A: &str = "tok-a-preflight-5f1e2d";
const TOKEN_B: &str = "tok-b-preflight-9c7a3b";

fn command(args: &[&str], env: &[(&str, &str)], report_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("run")
        .args(args)
        .arg("--report-dir")
        .arg(report_dir)
        .env("NO_COLOR", "1");
    isolated(&mut cmd);
    for (name, value) in env {
        cmd.env(name, value);
    }
    cmd
}

fn run(args: &[&str], env: &[(&str, &str)], report_dir: &Path) -> Output {
    command(args, env, report_dir)
        .output()
        .expect("the binary runs")
}

/// `run` from a test that serves a proxy on its own runtime.
async fn run_async(args: &[&str], env: &[(&str, &str)], report_dir: &Path) -> Output {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let dir = report_dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        run(&args, &env, &dir)
    })
    .await
    .expect("the run ends")
}

/// Exit 3, the message once on stderr and nowhere on stdout, and every case an error that sent
/// nothing. Returns stderr.
fn assert_stopped_by_preflight(out: &Output, dir: &Path, says: &str) -> String {
    assert_eq!(out.status.code(), Some(3), "{}", text(out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(stderr.matches(says).count(), 1, "{}", text(out));
    assert_eq!(stderr.matches("error:").count(), 1, "{}", text(out));
    assert!(!stdout.contains(says), "{}", text(out));
    assert!(!stdout.contains("set-up step"), "{}", text(out));
    let doc = read_report(dir);
    let errors = common::report_schema_errors(&doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(doc["summary"]["errored"], doc["summary"]["total"]);
    for case in doc["cases"].as_array().expect("cases") {
        assert!(case["exchanges"].as_array().is_some_and(Vec::is_empty));
        assert!(case["message"].as_str().unwrap_or_default().contains(says));
    }
    stderr
}

#[test]
fn a_wrong_scid_is_one_message_and_no_case_runs() {
    let dir = tempfile::tempdir().expect("tmp");
    let scid = [("CONFORMANCE_SCID", "00000000-0000-4000-8000-00000000dead")];
    let out = run(&[], &scid, dir.path());
    let stderr = assert_stopped_by_preflight(&out, dir.path(), "check CONFORMANCE_SCID");
    assert!(stderr.contains("path prefix"), "{stderr}");
    for variable in [
        "CONFORMANCE_TEMPLATE:",
        "CONFORMANCE_TEMPLATE_PERSISTENT:",
        "CONFORMANCE_TEMPLATE_SOLO:",
    ] {
        assert!(stderr.contains(variable), "{variable}: {stderr}");
    }
}

#[test]
fn only_the_templates_the_selection_uses_are_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let solo = [("CONFORMANCE_TEMPLATE_SOLO", "no-such-template")];
    let out = run(&[], &solo, dir.path());
    let stderr = assert_stopped_by_preflight(&out, dir.path(), "CONFORMANCE_TEMPLATE_SOLO:");
    assert!(!stderr.contains("CONFORMANCE_SCID"), "{stderr}");
    assert!(!stderr.contains("CONFORMANCE_TEMPLATE:"), "{stderr}");

    let out = run(&["--filter", "outcomes/persistent"], &solo, dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Refuses caller b's token, as a service refuses an expired one.
struct RefusesB;
impl Tamper for RefusesB {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        let auth = req.header("authorization").unwrap_or_default();
        auth.contains(TOKEN_B)
            .then(|| Answer::text(401, "the token has expired"))
    }
}

async fn reference_behind(tamper: impl Tamper) -> Proxy {
    let server = mpsd_conformance::reference::start(Default::default())
        .await
        .expect("the reference starts");
    tamper::start(server, tamper).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_caller_is_named_and_a_caller_not_given_is_not_checked() {
    let proxy = reference_behind(RefusesB).await;
    let auth_a = format!("XBL3.0 x=2533274790395904;{TOKEN_A}");
    let auth_b = format!("XBL3.0 x=2533274790395905;{TOKEN_B}");
    let a = [
        ("CONFORMANCE_AUTH_A", auth_a.as_str()),
        ("CONFORMANCE_XUID_A", "2533274790395904"),
    ];
    let both = [
        a[0],
        a[1],
        ("CONFORMANCE_AUTH_B", auth_b.as_str()),
        ("CONFORMANCE_XUID_B", "2533274790395905"),
    ];
    let dir = tempfile::tempdir().expect("tmp");
    let args = ["--target", &proxy.url, "--filter", "body/join"];
    let out = run_async(&args, &both, dir.path()).await;
    let stderr = assert_stopped_by_preflight(&out, dir.path(), "caller B is not accepted");
    assert!(stderr.contains("CONFORMANCE_AUTH_B"), "{stderr}");
    assert!(stderr.contains("the token has expired"), "{stderr}");
    assert!(!stderr.contains("caller A"), "{stderr}");
    let all = text(&out);
    assert!(!all.contains(TOKEN_A) && !all.contains(TOKEN_B), "{all}");

    // Without b, nothing of b's is checked: the cases that need b skip.
    let out = run_async(&args, &a, dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = read_report(dir.path());
    assert!(doc["summary"]["skipped"].as_u64().unwrap_or(0) > 0);
}

/// Serves the API under `/mpsd` only, as a gateway does, and names sessions with the prefix.
struct UnderPrefix;
impl Tamper for UnderPrefix {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        match req.path.strip_prefix("/mpsd") {
            Some(rest) if rest.starts_with('/') => {
                req.path = rest.to_string();
                None
            }
            _ => Some(Answer::text(
                404,
                "nothing here: the API lives under /mpsd/",
            )),
        }
    }

    fn response(&self, _req: &Forward, answer: &mut Answer) {
        let located = answer
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-location"))
            .map(|(_, v)| v.clone());
        if let Some(path) = located.filter(|v| v.starts_with('/')) {
            answer.set_header("Content-Location", &format!("/mpsd{path}"));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_base_url_with_a_path_prefix_is_honoured() {
    let proxy = reference_behind(UnderPrefix).await;
    let dir = tempfile::tempdir().expect("tmp");
    let prefixed = format!("{}/mpsd/", proxy.url);
    let out = run_async(&["--target", &prefixed], &[], dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    {
        let seen = proxy.seen.lock().expect("lock");
        assert!(seen.len() > 100);
        // Teardown included: every request under the prefix, never twice.
        for request in seen.iter() {
            assert!(
                request.path.starts_with("/mpsd/") && !request.path.starts_with("/mpsd/mpsd"),
                "{} {}",
                request.method,
                request.path
            );
        }
        assert!(seen
            .iter()
            .any(|r| r.method == "PUT" && r.body == br#"{"members":{"me":null}}"#));
    }

    // Without the prefix, the world is not found, and the message says where to look.
    let out = run_async(&["--target", &proxy.url], &[], dir.path()).await;
    assert_stopped_by_preflight(&out, dir.path(), "includes the API's path prefix");
}

/// A gateway that serves only requests carrying its key.
struct NeedsKey;
impl Tamper for NeedsKey {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        (req.header("x-gateway-key") != Some("k-71d3")).then(|| Answer::text(404, "unknown route"))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_preflight_carries_the_run_s_headers() {
    let proxy = reference_behind(NeedsKey).await;
    let dir = tempfile::tempdir().expect("tmp");
    let args = ["--target", &proxy.url, "--filter", "body/join", "--exact"];
    let out = run_async(&args, &[], dir.path()).await;
    assert_stopped_by_preflight(&out, dir.path(), "check CONFORMANCE_SCID");
    let mut keyed = args.to_vec();
    keyed.extend(["--header", "X-Gateway-Key: k-71d3"]);
    let out = run_async(&keyed, &[], dir.path()).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// The preflight's reads: asked to come back in 30 s.
fn preflight_read(req: &Forward) -> bool {
    req.method == "GET" && req.path.starts_with("/serviceconfigs/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_the_preflight_stops_the_run_at_once() {
    let proxy = reference_behind(Overloaded(preflight_read)).await;
    let dir = tempfile::tempdir().expect("tmp");
    let args = ["--target", &proxy.url, "--max-retry-wait", "60"];
    let child = command(&args, &[], dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run starts");
    proxy.until_seen("the preflight", preflight_read).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (exit, took) = common::interrupt(child).await;
    assert!(took < Duration::from_secs(5));
    assert_eq!(exit.code(), Some(130));
    let doc = read_report(dir.path());
    assert_eq!(doc["summary"]["interrupted"], doc["summary"]["total"]);
}

/// A server that answers 404 to reads of sessions that do not exist (R5 demands 204) looks, to
/// a read alone, like one without the template. That is a contract failure for the cases to
/// judge, not a world to configure: the preflight must not stop the run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_for_a_missing_session_is_judged_by_the_cases_not_blamed_on_the_world() {
    use mpsd_conformance::reference::{Config, Fault, Faults};
    let fault = Fault::from_name("read-missing-session-404").expect("the fault exists");
    let server = mpsd_conformance::reference::start(Config {
        faults: Faults::none().with(fault),
        ..Config::default()
    })
    .await
    .expect("the reference starts");
    let url = server.url();
    let dir = tempfile::tempdir().expect("tmp");
    let out = run_async(&["--target", &url], &[], dir.path()).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("CONFORMANCE_TEMPLATE"), "{}", text(&out));
}
