//! Loading refuses a wrong case set before any request is sent, saying where and why.

mod common;

use mpsd_conformance::case::{load, CaseSource, LoadError};

fn problems(files: &[(&str, &str)]) -> Vec<String> {
    let dir = common::case_dir(files);
    let source = CaseSource::directory(dir.path()).expect("readable");
    match load(&source, None) {
        Ok(_) => vec![],
        Err(LoadError::Invalid(ps)) => ps
            .iter()
            .map(|p| {
                p.to_string()
                    .replace(&dir.path().display().to_string(), "<dir>")
            })
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn the_good_case_loads() {
    assert_eq!(
        problems(&[("area/good.json", common::GOOD_CASE)]),
        Vec::<String>::new()
    );
}

#[test]
fn a_syntax_error_is_refused_with_line_and_column() {
    let bad = common::GOOD_CASE.replace("\"severity\": \"must\",", "\"severity\": \"must\"");
    let ps = problems(&[("area/bad.json", &bad)]);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert!(
        ps[0].starts_with("<dir>/area/bad.json:6:3: expected `,` or `}`"),
        "{}",
        ps[0]
    );
}

#[test]
fn an_unknown_field_and_a_wrong_type_are_refused_with_line_and_column() {
    let unknown = common::GOOD_CASE.replace(
        "\"expect\": { \"status\": 200 }",
        "\"expect\": { \"stauts\": 200 }",
    );
    let ps = problems(&[("area/unknown.json", &unknown)]);
    assert_eq!(ps.len(), 1, "{ps:?}");
    assert!(ps[0].starts_with("<dir>/area/unknown.json:9:"), "{}", ps[0]);
    assert!(ps[0].contains("unknown field `stauts`"), "{}", ps[0]);

    let wrong = common::GOOD_CASE.replace("\"rules\": [\"O1\"]", "\"rules\": \"O1\"");
    let ps = problems(&[("area/wrong.json", &wrong)]);
    assert!(ps[0].starts_with("<dir>/area/wrong.json:4:"), "{}", ps[0]);
    assert!(ps[0].contains("expected a sequence"), "{}", ps[0]);
}

#[test]
fn meaning_errors_are_refused_with_a_json_pointer() {
    let cases = [
        (
            common::GOOD_CASE.replace("[\"O1\"]", "[\"O99\"]"),
            "/rules/0: unknown rule id `O99`",
        ),
        (
            common::GOOD_CASE.replace(
                "\"status\": 200",
                "\"status\": 200, \"body\": { \"schema\": \"nope.json\" }",
            ),
            "/steps/1/expect/body/schema: schema file `schemas/nope.json` does not exist",
        ),
        (
            common::GOOD_CASE.replace("{{s.handle}}", "{{s.handel}}"),
            "/steps/1/request/path: `{{s.handel}}` is set by nothing",
        ),
        (
            common::GOOD_CASE
                .replace("\"must\"", "\"should\"")
                .replace("[\"O1\"]", "[\"B3\"]"),
            "/severity: severity `should` disagrees with the rules' basis",
        ),
        (
            common::GOOD_CASE.replace(
                "  ]\n}",
                "  ],\n  \"variants\": [ { \"name\": \"x\" }, { \"name\": \"x\" } ]\n}",
            ),
            "/variants/1/name: duplicate variant name `x`",
        ),
        (
            common::GOOD_CASE.replace(
                "\"status\": 200",
                "\"status\": { \"in\": [200], \"rule\": \"O2\" }",
            ),
            "/steps/1/expect/status: rule `O2` is not among the case's `rules`",
        ),
        (
            common::GOOD_CASE.replace("\"use\": \"session\"", "\"use\": \"sesion\""),
            "/steps/0/use: unknown fixture `sesion`",
        ),
    ];
    for (text, expected) in cases {
        let ps = problems(&[("area/case.json", &text)]);
        assert!(
            ps.iter()
                .any(|p| p.starts_with("<dir>/area/case.json: ") && p.contains(expected)),
            "expected {expected:?} in {ps:?}"
        );
    }
}

#[test]
fn every_problem_of_the_set_is_listed() {
    let a = common::GOOD_CASE.replace("[\"O1\"]", "[\"O99\"]");
    let b = common::GOOD_CASE.replace("\"must\",", "\"must\"");
    let ps = problems(&[
        ("x/a.json", &a),
        ("x/b.json", &b),
        ("x/ok.json", common::GOOD_CASE),
    ]);
    assert_eq!(ps.len(), 2, "{ps:?}");
}

#[test]
fn the_catalog_loads_and_covers_every_rule() {
    let source = CaseSource::directory(&common::catalog()).expect("readable");
    let set = load(&source, None).unwrap_or_else(|e| panic!("{e}"));
    assert!(set.case_count() >= 30);
    for rule in &set.rule_order {
        assert!(
            set.cases.iter().any(|c| c.file.rules.contains(rule)),
            "no case checks rule {rule}"
        );
    }
}

#[test]
fn a_step_cannot_capture_into_a_reserved_namespace() {
    let text = common::GOOD_CASE.replace(
        "{ \"use\": \"session\", \"name\": \"s\" }",
        "{ \"use\": \"session\", \"name\": \"fresh\" }",
    );
    let ps = problems(&[("area/case.json", &text)]);
    assert!(
        ps.iter()
            .any(|p| p.contains("/steps/0/name: `fresh` is a reserved variable namespace")),
        "{ps:?}"
    );
}
