//! The library entry (`mpsd_conformance::suite`) as a vendor's `cargo test` uses it: the same
//! verdicts as `run`, the reports, and a planted bug caught.

use std::collections::BTreeMap;

use mpsd_conformance::cli::EmbeddedServer;
use mpsd_conformance::reference::{Config, Fault, Faults};
use mpsd_conformance::suite::{Judgement, StartOptions, Suite, SuiteRun};
use serde_json::Value;

const AREA: &str = "contract-version/";

fn judged(run: &SuiteRun, suite: &Suite) -> BTreeMap<String, Judgement> {
    suite
        .select(Some(AREA), false)
        .iter()
        .map(|case| (case.id().to_owned(), run.judge(case)))
        .collect()
}

fn faulty(name: &str) -> EmbeddedServer {
    let fault = Fault::from_name(name).unwrap();
    let config = Config {
        faults: Faults::none().with(fault),
        ..Config::default()
    };
    EmbeddedServer::start_with(config).unwrap()
}

#[test]
fn a_healthy_server_passes_and_the_reports_agree() {
    let server = EmbeddedServer::start().unwrap();
    let reports = tempfile::tempdir().unwrap();
    let suite = Suite::embedded().unwrap();
    let selected = suite.select(Some(AREA), false);
    assert!(selected.len() > 20, "{} cases", selected.len());
    let mut options = StartOptions::against(server.url());
    options.report_dir = Some(reports.path().to_owned());
    let run = suite.start(options, &selected).unwrap();
    assert_eq!(run.untestable(), None);
    let verdicts = judged(&run, &suite);
    run.finish().unwrap();
    let failed: Vec<_> = verdicts
        .iter()
        .filter(|(_, j)| matches!(j, Judgement::Failed(_)))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");

    let report: Value =
        serde_json::from_slice(&std::fs::read(reports.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["summary"]["total"], verdicts.len());
    assert_eq!(report["options"]["via"], "cargo test");
    for case in report["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let outcome = case["outcome"].as_str().unwrap();
        match &verdicts[id] {
            Judgement::Passed => assert_eq!(outcome, "pass", "{id}"),
            other => assert_ne!(outcome, "pass", "{id}: {other:?}"),
        }
    }
    for format in ["junit.xml", "report.md", "report.html"] {
        assert!(reports.path().join(format).is_file(), "{format}");
    }
}

#[test]
fn a_planted_bug_fails_its_cases_with_the_rule_named() {
    let server = faulty("version-old-served");
    let suite = Suite::embedded().unwrap();
    let selected = suite.select(Some(AREA), false);
    let run = suite
        .start(StartOptions::against(server.url()), &selected)
        .unwrap();
    let verdicts = judged(&run, &suite);
    let failed: Vec<&String> = verdicts
        .values()
        .filter_map(|j| match j {
            Judgement::Failed(why) => Some(why),
            _ => None,
        })
        .collect();
    assert!(
        !failed.is_empty(),
        "the fault went unnoticed: {verdicts:#?}"
    );
    assert!(failed.iter().any(|why| why.contains("H1.c")), "{failed:#?}");
}

#[test]
fn an_unreachable_target_fails_every_trial_with_the_reason() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let suite = Suite::embedded().unwrap();
    let selected = suite.select(Some(AREA), false);
    let url = format!("http://127.0.0.1:{port}");
    let run = suite.start(StartOptions::against(url), &selected).unwrap();
    let why = run
        .untestable()
        .expect("the target is unreachable")
        .to_owned();
    assert!(why.contains("cannot be tested"), "{why}");
    assert_eq!(
        run.judge(&selected[0]),
        Judgement::Failed(why),
        "every trial fails with the reason"
    );
}

#[test]
fn a_target_that_is_not_a_url_is_a_setup_error() {
    let suite = Suite::embedded().unwrap();
    let selected = suite.select(Some(AREA), false);
    let err = match suite.start(StartOptions::against("not a url"), &selected) {
        Ok(_) => panic!("started against `not a url`"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("not a url"), "{err}");
}
