//! The reports as their readers meet them: what each file holds, that they and the console agree,
//! that writing can fail without losing the run, baselines, merges and comparisons.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::Ordering;

use common::fake::{self, Behaviour};
use common::{isolated, text};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");
/// The catalog's first `auth/` cases by name (13 must cases, a may case: auth/two-headers), so that
/// cases added to the area later leave the counts below as they are.
const AUTH: [&str; 10] = [
    "--filter",
    "auth/create-handle",
    "--filter",
    "auth/malformed::",
    "--filter",
    "auth/missing",
    "--filter",
    "auth/other-resources::",
    "--filter",
    "auth/two-headers",
];
/// 13 must cases, a may case (auth/two-headers) and two should cases (the variants of
/// body/xuid-mismatch).
fn mixed() -> Vec<&'static str> {
    [&AUTH[..], &["--filter", "body/xuid-mismatch::"][..]].concat()
}

fn command() -> Command {
    clean(Command::new(BIN))
}

/// Without the variables that would change a run.
fn clean(mut cmd: Command) -> Command {
    isolated(&mut cmd).env("NO_COLOR", "1");
    cmd
}

fn run(args: &[&str], report_dir: &Path) -> Output {
    command()
        .arg("run")
        .args(args)
        .arg("--report-dir")
        .arg(report_dir)
        .output()
        .expect("the binary runs")
}

fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}

fn json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("JSON")
}

fn assert_valid(doc: &Value) {
    let errors = common::report_schema_errors(doc);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

fn count(summary: &Value, key: &str) -> u64 {
    summary[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key}: {summary}"))
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_report_path_in_the_way_is_exit_2_before_anything_is_sent() {
    let (target, connections) = fake::start_counting(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir(dir.path().join("report.json")).expect("mkdir");
    let out = run(
        &[&["--target", &target][..], &AUTH[..]].concat(),
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a directory"),
        "{}",
        text(&out)
    );
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing is sent");
    // The same for a baseline that cannot be written.
    let other = tempfile::tempdir().expect("tmp");
    let out = run(
        &[
            "--target",
            &target,
            "--write-baseline",
            &dir.path().join("report.json").display().to_string(),
        ],
        other.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(connections.load(Ordering::SeqCst), 0, "nothing is sent");
}

#[test]
fn a_write_that_fails_after_the_run_is_said_exits_2_and_leaves_no_temporary_file() {
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    // A file-size limit stands in for a full disk: writes past 48 KiB fail with EFBIG (the
    // signal that would kill the process is ignored, as a full disk sends none).
    let script = format!(
        "trap '' XFSZ; ulimit -f 96; exec '{BIN}' run --target '{target}' {} --transcripts all --report-dir '{}'",
        AUTH.join(" "),
        dir.path().display()
    );
    let out = clean(Command::new("sh"))
        .args(["-c", &script])
        .output()
        .expect("sh runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed to write"), "{}", text(&out));
    // The run is not lost: the console still tells it.
    assert!(
        // Every case's 500 gates (O13), the may case's included.
        last_line(&out).starts_with("0 passed, 14 failed"),
        "{}",
        text(&out)
    );
    for file in files_under(dir.path()) {
        let name = file.file_name().unwrap_or_default().to_string_lossy();
        assert!(!name.ends_with(".tmp"), "left behind: {}", file.display());
    }

    // A step summary that cannot be written is an error too.
    let dir = tempfile::tempdir().expect("tmp");
    let out = command()
        .args(["run", "--target", &target])
        .args(AUTH)
        .arg("--report-dir")
        .arg(dir.path())
        .env("GITHUB_STEP_SUMMARY", "/dev/full")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("failed to write /dev/full"),
        "{}",
        text(&out)
    );
    assert!(dir.path().join("report.html").exists());
}

/// The console's closing line, report.json, junit.xml and report.html count the same cases the
/// same way, warnings included.
#[test]
fn the_console_and_every_report_agree_on_the_counts() {
    // Must cases fail (auth-missing-403), should ones too (xuid-unchecked): under --fail-on must
    // those are warnings; the may case passes.
    let (_server, target) = reference_with("auth-missing-403,xuid-unchecked");
    for fail_on in ["should", "must"] {
        let dir = tempfile::tempdir().expect("tmp");
        let mut args = vec!["--target", &target, "--fail-on", fail_on];
        args.extend(mixed());
        let out = run(&args, dir.path());
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let doc = json(&dir.path().join("report.json"));
        assert_valid(&doc);
        let s = &doc["summary"];
        let (failed, warnings) = match fail_on {
            "should" => (7, 0),
            _ => (5, 2),
        };
        assert_eq!(
            (count(s, "total"), count(s, "failed"), count(s, "warnings")),
            (16, failed, warnings),
            "{s}"
        );
        let line = last_line(&out);
        let expected = format!(
            "9 passed, {failed} failed, 0 errored, 0 skipped, {warnings} warning{}, 0 interrupted in ",
            if warnings == 1 { "" } else { "s" }
        );
        assert!(line.starts_with(&expected), "{line}\n{expected}");

        let xml = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit");
        let junit = roxmltree::Document::parse(&xml).expect("junit parses");
        let suites = junit.root_element();
        let attr = |name: &str| -> usize {
            suites
                .attribute(name)
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("<testsuites {name}> in {xml}"))
        };
        assert_eq!(
            (
                attr("tests"),
                attr("failures"),
                attr("errors"),
                attr("skipped")
            ),
            (16, failed as usize, 0, warnings as usize)
        );
        // A warning is skipped, with a message that says why.
        let should = junit
            .descendants()
            .find(|n| {
                n.has_tag_name("testcase")
                    && n.attribute("name") == Some("body/xuid-mismatch::stranger")
            })
            .expect("the should case");
        let status = should
            .children()
            .find(|n| n.is_element() && n.tag_name().name() != "system-out")
            .expect("a status element");
        match (status.tag_name().name(), fail_on) {
            ("skipped", "must") => assert!(
                status
                    .attribute("message")
                    .is_some_and(|m| m.starts_with("warning:")),
                "{:?}",
                status.attribute("message")
            ),
            ("failure", "should") => {}
            other => panic!("{other:?}"),
        }

        let html = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
        let page = parse_html(&html).expect("report.html is well-formed");
        let card = |label: &str| -> Option<u64> {
            page.descendants()
                .filter(|n| n.has_tag_name("div") && has_class(n, "count"))
                .find(|n| {
                    n.descendants()
                        .any(|l| has_class(&l, "l") && l.text() == Some(label))
                })
                .and_then(|n| n.descendants().find(|x| has_class(x, "n")))
                .and_then(|n| n.text())
                .and_then(|t| t.parse().ok())
        };
        assert_eq!(card("failed"), Some(failed));
        // A verdict no case got has no card.
        assert_eq!(card("warning").unwrap_or(0), warnings);
        assert_eq!(card("cases"), Some(16));
    }
}

/// Kills a server when the test ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The reference (`serve`) with `faults` planted, and its URL.
fn reference_with(faults: &str) -> (Server, String) {
    let child = clean(Command::new(BIN))
        .args(["serve", "--addr", "127.0.0.1:0", "--fault", faults])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut server = Server(child);
    let url = common::announced_url(&mut server.0);
    (server, url)
}

/// The page as XML (it is written to be both): a strict check of its structure.
fn parse_html(html: &str) -> Result<roxmltree::Document<'_>, roxmltree::Error> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..roxmltree::ParsingOptions::default()
    };
    roxmltree::Document::parse_with_options(html, options)
}

fn has_class(node: &roxmltree::Node, class: &str) -> bool {
    node.attribute("class")
        .is_some_and(|c| c.split(' ').any(|x| x == class))
}

/// report.html is one self-contained, well-formed page with its sections, a details article
/// for every case that did not pass, each with a curl command, and a table per area.
#[test]
fn the_html_report_stands_alone_and_has_its_structure() {
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    let mut args = vec!["--target", &target];
    args.extend(mixed());
    let out = run(&args, dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
    let page = parse_html(&html).expect("report.html is well-formed");
    // Nothing is fetched: no external script, style, image, font or frame.
    for node in page.descendants().filter(|n| n.is_element()) {
        assert!(
            !matches!(
                node.tag_name().name(),
                "link" | "img" | "iframe" | "object" | "embed"
            ),
            "{node:?}"
        );
        assert!(node.attribute("src").is_none(), "{node:?}");
        if let Some(href) = node.attribute("href") {
            assert!(href.starts_with('#'), "a link away: {href}");
        }
    }
    assert!(
        !html.contains("url(") && !html.contains("@import"),
        "CSS fetches nothing"
    );
    let by_id = |id: &str| page.descendants().find(|n| n.attribute("id") == Some(id));
    for section in ["summary", "attention", "rules", "areas", "details"] {
        assert!(by_id(section).is_some(), "no #{section}");
    }
    let doc = json(&dir.path().join("report.json"));
    let cases = doc["cases"].as_array().expect("cases");
    for case in cases {
        let id = case["id"].as_str().expect("id");
        let article = by_id(&format!("case-{id}")).unwrap_or_else(|| panic!("no details of {id}"));
        assert_eq!(article.tag_name().name(), "article");
        let curl = article
            .descendants()
            .find(|n| has_class(n, "curl"))
            .and_then(|n| n.descendants().find(|p| p.has_tag_name("pre")))
            .and_then(|p| p.text())
            .unwrap_or_else(|| panic!("no curl command for {id}"));
        assert!(curl.starts_with("curl "), "{curl}");
        assert!(
            !curl.contains("XBL3.0 x="),
            "credentials are a placeholder: {curl}"
        );
        // Every area's table lists its cases.
        let area = case["area"].as_str().expect("area");
        let table = by_id(&format!("area-{area}")).expect("area table");
        assert!(
            table
                .descendants()
                .any(|n| n.has_tag_name("code") && n.text() == Some(id)),
            "{id} not in its area's table"
        );
    }
    let rows = by_id("attention")
        .expect("attention")
        .descendants()
        .filter(|n| {
            n.has_tag_name("tr") && n.attribute("class").is_some_and(|c| c.starts_with("v-"))
        })
        .count();
    assert_eq!(rows, cases.len());
}

#[test]
fn transcripts_and_formats_are_chosen_on_the_command_line() {
    let target = fake::start(Behaviour::Error500);
    let exchanges = |doc: &Value| -> Vec<usize> {
        doc["cases"]
            .as_array()
            .expect("cases")
            .iter()
            .map(|c| c["exchanges"].as_array().map_or(0, Vec::len))
            .collect()
    };
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &[
            &["--target", &target][..],
            &AUTH[..],
            &["--transcripts", "none", "--report", "json,junit"][..],
        ]
        .concat(),
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json(&dir.path().join("report.json"));
    assert_valid(&doc);
    assert!(exchanges(&doc).iter().all(|n| *n == 0));
    assert!(dir.path().join("junit.xml").exists());
    assert!(!dir.path().join("report.md").exists() && !dir.path().join("report.html").exists());
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit");
    assert!(!junit.contains("<system-out>"), "no transcript kept");

    // Against the embedded reference everything passes: `failures` keeps nothing, `all` all.
    for (policy, kept) in [("failures", false), ("all", true)] {
        let dir = tempfile::tempdir().expect("tmp");
        let out = run(
            &[&AUTH[..], &["--transcripts", policy][..]].concat(),
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let doc = json(&dir.path().join("report.json"));
        assert_valid(&doc);
        assert!(
            exchanges(&doc).iter().all(|n| (*n > 0) == kept),
            "{policy}: {:?}",
            exchanges(&doc)
        );
        let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit");
        assert!(
            !junit.contains("<system-out>"),
            "passing cases carry no output"
        );
    }

    let out = run(&["--report", "json,pdf"], dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn the_markdown_report_goes_to_the_step_summary_too() {
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    let summary = dir.path().join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").expect("write");
    let out = command()
        .args(["run", "--target", &target])
        .args(mixed())
        .arg("--report-dir")
        .arg(dir.path().join("out"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).expect("md");
    assert!(
        md.starts_with("# ❌ Not conformant: 16 gating failures"),
        "{md}"
    );
    for part in [
        "## Needs attention",
        "## Details",
        "## Rules × outcome",
        "## Areas",
        "```sh\ncurl ",
    ] {
        assert!(md.contains(part), "no {part:?}");
    }
    let appended = std::fs::read_to_string(&summary).expect("summary");
    assert_eq!(appended, format!("earlier step\n{md}"));
}

#[test]
fn a_baseline_excuses_known_failures_and_tells_of_unexpected_passes() {
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    let baseline = dir.path().join("baseline.json");
    let mut args = vec!["--target", &target];
    args.extend(mixed());
    let write = [
        args.clone(),
        vec!["--write-baseline", baseline.to_str().expect("utf-8")],
    ]
    .concat();
    let out = run(&write, &dir.path().join("first"));
    assert_eq!(
        out.status.code(),
        Some(0),
        "written: exit 0\n{}",
        text(&out)
    );
    let known = json(&baseline);
    assert_eq!(known["format"], "mpsd-conformance-baseline/2");
    let listed = known["cases"].as_object().expect("cases");
    // Every gating failure: a 500 gates in the may case too (O13).
    assert_eq!(listed.len(), 16, "{known}");
    assert_eq!(listed["auth/two-headers"]["expected"], "fail");

    let with = [
        args.clone(),
        vec!["--baseline", baseline.to_str().expect("utf-8")],
    ]
    .concat();
    let out = run(&with, &dir.path().join("second"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&dir.path().join("second/report.json"));
    assert_valid(&doc);
    let s = &doc["summary"];
    assert_eq!(
        (count(s, "failed"), count(s, "expected_failures")),
        (0, 16),
        "{s}"
    );
    assert!(
        last_line(&out).contains(", 16 expected failures, 0 unexpected passes in "),
        "{}",
        text(&out)
    );
    let case = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["id"] == "auth/missing")
        .expect("auth/missing");
    assert_eq!(case["verdict"], "expected_failure");
    assert!(
        case["baseline"].as_str().is_some_and(|r| r.contains("500")),
        "{case}"
    );
    let junit = std::fs::read_to_string(dir.path().join("second/junit.xml")).expect("junit");
    assert!(junit.contains("expected failure (baseline:"), "{junit}");

    // Against the reference they pass: unexpected passes, reported, not gating. An entry for a
    // case that does not exist is a warning. (A version 1 baseline, failures only, still reads.)
    let mut stale: serde_json::Map<String, Value> = listed
        .iter()
        .map(|(id, entry)| (id.clone(), entry["reason"].clone()))
        .collect();
    stale.insert("auth/no-such-case".into(), "gone".into());
    std::fs::write(
        &baseline,
        serde_json::json!({"format": "mpsd-conformance-baseline/1", "cases": stale}).to_string(),
    )
    .expect("write");
    let out = run(
        &[
            &AUTH[..],
            &["--baseline", baseline.to_str().expect("utf-8")][..],
        ]
        .concat(),
        &dir.path().join("third"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`auth/no-such-case`, which is no case"),
        "{}",
        text(&out)
    );
    let s = json(&dir.path().join("third/report.json"))["summary"].clone();
    assert_eq!(
        (count(&s, "passed"), count(&s, "unexpected_passes")),
        (14, 14),
        "{s}"
    );
    let html = std::fs::read_to_string(dir.path().join("third/report.html")).expect("html");
    assert!(
        html.contains("Unexpected pass <span class=\"pill\">14</span>"),
        "shown apart"
    );

    std::fs::write(&baseline, "{\"format\": \"something/1\", \"cases\": {}}").expect("write");
    let out = run(&with, &dir.path().join("fourth"));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

/// What matters of a case to compare runs: everything but times and the world's fresh names.
fn case_keys(doc: &Value) -> BTreeMap<String, (String, String, String)> {
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                (
                    c["outcome"].as_str().expect("outcome").to_string(),
                    c["verdict"].as_str().expect("verdict").to_string(),
                    c["title"].as_str().expect("title").to_string(),
                ),
            )
        })
        .collect()
}

fn summary_without_time(doc: &Value) -> Value {
    doc["summary"].clone()
}

#[test]
fn merged_shards_are_the_unsharded_run() {
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    let filter = [&mixed()[..], &["--filter", "handle-id/"][..]].concat();
    let whole = [&["--target", target.as_str()][..], &filter[..]].concat();
    let out = run(&whole, &dir.path().join("whole"));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let mut shards = Vec::new();
    for m in 1..=3 {
        let part = format!("hash:{m}/3");
        let args = [&whole[..], &["--partition", part.as_str()][..]].concat();
        let shard = dir.path().join(format!("shard{m}"));
        let out = run(&args, &shard);
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
        shards.push(shard.join("report.json"));
    }
    let out = command()
        .args(["report", "merge"])
        .args(&shards)
        .arg("--out")
        .arg(dir.path().join("merged"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let whole = json(&dir.path().join("whole/report.json"));
    let merged = json(&dir.path().join("merged/report.json"));
    assert_valid(&merged);
    assert_eq!(summary_without_time(&merged), summary_without_time(&whole));
    assert_eq!(case_keys(&merged), case_keys(&whole));
    assert_eq!(
        merged["suite"]["fingerprint"],
        whole["suite"]["fingerprint"]
    );
    for name in ["junit.xml", "report.md", "report.html"] {
        assert!(dir.path().join("merged").join(name).exists(), "{name}");
    }

    // A directory of fragments merges the same way.
    let fragments = dir.path().join("frag");
    std::fs::create_dir_all(fragments.join("fragments")).expect("mkdir");
    for (i, shard) in shards.iter().enumerate() {
        std::fs::copy(shard, fragments.join(format!("fragments/{i}.json"))).expect("copy");
    }
    let out = command()
        .args(["report", "merge"])
        .arg(&fragments)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        case_keys(&json(&fragments.join("report.json"))),
        case_keys(&whole)
    );

    // A case twice, or another case set: refused, nothing written, not even the directory.
    let out = command()
        .args(["report", "merge"])
        .arg(&shards[0])
        .arg(&shards[0])
        .arg("--out")
        .arg(dir.path().join("twice"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(!dir.path().join("twice").exists(), "{}", text(&out));
    let other = other_suite_report(dir.path());
    let out = command()
        .args(["report", "merge"])
        .arg(&shards[0])
        .arg(&other)
        .arg("--out")
        .arg(dir.path().join("mixed"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("different case sets"));
    assert!(!dir.path().join("mixed").exists(), "{}", text(&out));
}

/// A report of a one-case set of its own.
fn other_suite_report(dir: &Path) -> PathBuf {
    let cases = common::case_dir(&[("area/one.json", common::GOOD_CASE)]);
    let out = run(
        &["--cases", &cases.path().display().to_string()],
        &dir.join("other"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    dir.join("other/report.json")
}

#[test]
fn compare_sets_targets_side_by_side_differences_first() {
    let target = fake::start(Behaviour::Error500);
    let dir = tempfile::tempdir().expect("tmp");
    let reference = run(&AUTH, &dir.path().join("ref"));
    assert_eq!(reference.status.code(), Some(0), "{}", text(&reference));
    // Only some cases fail on the broken target: the reference's may case is compared too.
    let broken = run(
        &["--target", &target, "--filter", "auth/malformed::"],
        &dir.path().join("broken"),
    );
    assert_eq!(broken.status.code(), Some(1), "{}", text(&broken));
    let out = command()
        .args(["report", "compare"])
        .arg(dir.path().join("ref/report.json"))
        .arg(dir.path().join("broken/report.json"))
        .arg("--out")
        .arg(dir.path().join("cmp"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let md = std::fs::read_to_string(dir.path().join("cmp/compare.md")).expect("md");
    assert!(
        md.starts_with("# Conformance compared: 2 targets, 14 of 14 cases differ"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.path().join("cmp/compare.html")).expect("html");
    let page = parse_html(&html).expect("compare.html is well-formed");
    let rows: Vec<roxmltree::Node> = page
        .descendants()
        .filter(|n| n.has_tag_name("tr") && n.ancestors().any(|a| has_class(&a, "area-compare")))
        .filter(|n| n.children().any(|c| c.has_tag_name("td")))
        .collect();
    assert_eq!(rows.len(), 14);
    assert!(rows.iter().all(|r| r.attribute("class") == Some("differs")));
    // The cases the broken run did not have are said to be missing.
    assert_eq!(html.matches("not in this report").count(), 6);

    let other = other_suite_report(dir.path());
    let args = |extra: &[&str]| {
        command()
            .args(["report", "compare"])
            .arg(dir.path().join("ref/report.json"))
            .arg(&other)
            .arg("--out")
            .arg(dir.path().join("cmp2"))
            .args(extra)
            .output()
            .expect("runs")
    };
    let out = args(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let out = args(&["--allow-different-suites"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Distinctive secrets, given every way a run takes them and echoed by the target in its bodies
/// and headers, appear in no byte written: no report file, not stdout, not stderr.
#[test]
fn secrets_appear_in_no_byte_written() {
    const TOKEN_A: &str = "tokA-7c1e-SECRET-90d2";
    const TOKEN_B: &str = "tokB-41aa-SECRET-e3f8";
    const API_KEY: &str = "apikey-SECRET-5b6d1c";
    const TRACE: &str = "trace-SECRET-c0ffee42";
    const PASSWORD: &str = "pw-SECRET-d15ea5e1";
    let target = fake::start(Behaviour::EchoEverywhere);
    let with_userinfo = target.replace("http://", &format!("http://conformance:{PASSWORD}@"));
    let dir = tempfile::tempdir().expect("tmp");
    let out = command()
        .args([
            "run",
            "-vv",
            "--transcripts",
            "all",
            "--target",
            &with_userinfo,
        ])
        .args(["--filter", "auth/", "--filter", "body/join"])
        .args(["--header", &format!("X-Api-Key: {API_KEY}")])
        .args(["--header", &format!("X-Trace: {TRACE}"), "--secret", TRACE])
        .arg("--report-dir")
        .arg(dir.path())
        .env(
            "CONFORMANCE_AUTH_A",
            format!("XBL3.0 x=2533274790395904;{TOKEN_A}"),
        )
        .env("CONFORMANCE_XUID_A", "2533274790395904")
        .env(
            "CONFORMANCE_AUTH_B",
            format!("XBL3.0 x=2533274790395905;{TOKEN_B}"),
        )
        .env("CONFORMANCE_XUID_B", "2533274790395905")
        .env("GITHUB_STEP_SUMMARY", dir.path().join("step-summary.md"))
        .output()
        .expect("runs");
    assert!(matches!(out.status.code(), Some(1 | 3)), "{}", text(&out));
    let mut written: Vec<(String, Vec<u8>)> = vec![
        ("stdout".into(), out.stdout.clone()),
        ("stderr".into(), out.stderr.clone()),
    ];
    for file in files_under(dir.path()) {
        written.push((
            file.display().to_string(),
            std::fs::read(&file).expect("read"),
        ));
    }
    assert!(
        written.len() >= 7,
        "{:?}",
        written.iter().map(|w| &w.0).collect::<Vec<_>>()
    );
    let basic = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(format!("conformance:{PASSWORD}"))
    };
    for (name, bytes) in &written {
        let text = String::from_utf8_lossy(bytes);
        for secret in [TOKEN_A, TOKEN_B, API_KEY, TRACE, PASSWORD, basic.as_str()] {
            assert!(!text.contains(secret), "{name} holds {secret}");
        }
    }
    // The echo really carried them back, so the test proves something.
    let json = std::fs::read_to_string(dir.path().join("report.json")).expect("report");
    assert!(json.contains("x-echo-authorization"), "{json}");
    assert!(json.matches("[REDACTED]").count() > 20);
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
    assert!(
        html.contains("${CONFORMANCE_AUTH_A}"),
        "curl names the credential"
    );
}

/// A step whose `onlyIf` does not hold, with a burst whose every copy fails after it, and a
/// burst whose tally fails.
const SKIPPED_AND_BURST: &str = r#"{
  "$schema": "../case.schema.json",
  "title": "A skipped step, then a burst whose copies all fail",
  "rules": ["O1"],
  "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "name": "w", "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": 200 } },
    { "onlyIf": { "step": "w", "status": [404] },
      "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": 200 } },
    { "name": "b", "burst": 3,
      "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": 404 } }
  ]
}"#;

const TALLY: &str = r#"{
  "$schema": "../case.schema.json",
  "title": "A burst whose tally fails",
  "rules": ["O1"],
  "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "name": "t", "burst": 2,
      "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": 200, "tally": [ { "status": [200], "count": 1 } ] } }
  ]
}"#;

/// Skipped steps read as "not sent" in every transcript, never as an empty request line;
/// a burst's copies are named `b[i]` and each keeps a curl command of its own.
#[test]
fn skipped_steps_are_not_sent_and_burst_copies_are_named_in_every_report() {
    let cases = common::case_dir(&[
        ("area/skipped.json", SKIPPED_AND_BURST),
        ("area/tally.json", TALLY),
    ]);
    let dir = tempfile::tempdir().expect("tmp");
    let out = run(
        &["--cases", &cases.path().display().to_string(), "-vv"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let md = std::fs::read_to_string(dir.path().join("report.md")).expect("md");
    let html = std::fs::read_to_string(dir.path().join("report.html")).expect("html");
    let not_sent = "not sent (onlyIf `w` answered 200, not one of [404])";
    for (name, written) in [("console", &stdout), ("report.md", &md)] {
        assert!(written.contains(not_sent), "{name}:\n{written}");
        assert!(
            !written.lines().any(|l| l.trim() == ">"),
            "{name} shows an empty request line:\n{written}"
        );
    }
    assert!(
        html.contains(&format!("<span class=\"note\">{not_sent}</span>")),
        "{html}"
    );
    assert!(parse_html(&html).is_ok());

    // The first failure is the first copy's; the tally's is the burst's as a whole.
    let at = "step b[0] (1 of 3 sent at once)";
    assert!(stdout.contains(&format!("at {at}: GET http")), "{stdout}");
    // Markdown shows the brackets escaped: no link can start there.
    let md_at = at.replace('[', "\\[").replace(']', "\\]");
    assert!(md.contains(&format!("At **{md_at}**")), "{md}");
    assert!(html.contains(&format!("At <b>{at}</b>")), "{html}");
    assert!(
        stdout.contains("at step t, a burst of 2 (its last request shown): GET http"),
        "{stdout}"
    );

    let doc = json(&dir.path().join("report.json"));
    assert_valid(&doc);
    let case = |id: &str| -> Value {
        doc["cases"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["id"] == id))
            .cloned()
            .unwrap_or_else(|| panic!("{id} in {doc}"))
    };
    let skipped = case("area/skipped");
    let steps: Vec<&str> = skipped["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter_map(|f| f["step"].as_str())
        .collect();
    assert_eq!(steps, ["b[0]", "b[1]", "b[2]"]);
    for e in skipped["exchanges"].as_array().expect("exchanges") {
        let step = e["step"].as_str().unwrap_or_default();
        let curl = e["curl"].as_str().unwrap_or_default();
        if step.contains("(skipped: onlyIf") {
            assert_eq!(curl, "", "nothing to send again: {e}");
        } else {
            assert!(curl.starts_with("curl "), "{e}");
        }
    }
    assert_eq!(case("area/tally")["failures"][0]["step"], "t");
}

/// A baseline knows errors as well as failures: written against a target that cannot be judged,
/// it makes the same run pass; a case listed as an error that fails instead is not excused.
#[test]
fn a_baseline_of_errors_makes_the_same_broken_run_pass() {
    let target = fake::start(Behaviour::AnswerReadsThenHang);
    let dir = tempfile::tempdir().expect("tmp");
    let baseline = dir.path().join("baseline.json");
    let args = [
        "--target",
        &target,
        "--timeout",
        "0.3",
        "--filter",
        "body/join",
        "--exact",
    ];
    let out = run(&args, &dir.path().join("plain"));
    assert_eq!(out.status.code(), Some(3), "errors: exit 3\n{}", text(&out));
    let write = [
        &args[..],
        &["--write-baseline", baseline.to_str().expect("utf-8")][..],
    ]
    .concat();
    let out = run(&write, &dir.path().join("first"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let known = json(&baseline);
    assert_eq!(known["format"], "mpsd-conformance-baseline/2");
    assert_eq!(known["cases"]["body/join"]["expected"], "error", "{known}");
    let with = [
        &args[..],
        &["--baseline", baseline.to_str().expect("utf-8")][..],
    ]
    .concat();
    let out = run(&with, &dir.path().join("second"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        last_line(&out).contains(", 1 expected failure, 0 unexpected passes in "),
        "{}",
        text(&out)
    );
    // Listed as a failure, it errors: not what the baseline knows.
    let mut swapped = known.clone();
    swapped["cases"]["body/join"]["expected"] = "fail".into();
    std::fs::write(&baseline, swapped.to_string()).expect("write");
    let out = run(&with, &dir.path().join("third"));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
}
