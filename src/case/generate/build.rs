//! The pieces every generated case is made of: a fixture, one judged request, its expectation,
//! and a severity that follows its rules' basis.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::case::{
    BodyExpect, CaseFile, Expect, JsonAssert, MemberExpect, RequestSpec, Rule, Severity,
    StatusExpect, StatusFull, Step, WhenBranch,
};

/// What the contract gives one generated request.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Accepted: `status`, and the session document when it is 200 or 201 (SH1); with `value`,
    /// the value at `pointer` reads back as written (B13), with `removed`, the key is gone.
    Valid {
        status: u16,
        rule: String,
        check: Option<ValueCheck>,
    },
    /// Refused with one of `status`, under `rules` (the first judges the status).
    Refused {
        status: Vec<u16>,
        rules: Vec<String>,
    },
    /// A \[may\] form (`<rule>/<form>`): never a 5xx; an accepted write reads back as answered.
    Open { may_form: String },
    /// Answered as a request that is served: one of `status`, under `rules`.
    Served {
        status: Vec<u16>,
        rules: Vec<String>,
    },
}

/// What a valid write's answer must show at a position.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueCheck {
    /// A pointer into the session, or into the member of this caller (`a`, `b`).
    pub pointer: String,
    pub member: Option<String>,
    /// `Some`: equals it (by value); `None`: absent.
    pub equals: Option<Value>,
}

/// One generated case before it is a case file.
pub struct Generated {
    pub id: String,
    pub title: String,
    /// A fixture of suite.json, used as `s`.
    pub fixture: Option<String>,
    pub request: RequestSpec,
    pub outcome: Outcome,
    /// Extra checks on the answer (a stale 412's session and ETag).
    pub extra: Option<Expect>,
    /// An accepted answer is a session document (a write or read of a session, not a handle).
    pub answers_session: bool,
}

impl Generated {
    /// The case file, its severity from its rules' basis.
    pub fn case_file(self, rules: &BTreeMap<String, Rule>) -> CaseFile {
        let mut steps = Vec::with_capacity(2);
        if let Some(fixture) = &self.fixture {
            steps.push(Step {
                name: Some("s".into()),
                use_fixture: Some(fixture.clone()),
                ..Step::default()
            });
        }
        let (expect, case_rules, severity, may_form) = match self.outcome {
            Outcome::Valid {
                status,
                rule,
                check,
            } => {
                let mut case_rules = vec![rule.clone()];
                let mut expect = Expect {
                    status: Some(StatusExpect::Full(StatusFull {
                        allowed: vec![status],
                        rule: Some(rule),
                    })),
                    ..Expect::default()
                };
                if status != 204 {
                    expect.body = Some(BodyExpect {
                        rule: Some("SH1".into()),
                        schema: Some("session.json".into()),
                        ..BodyExpect::default()
                    });
                    case_rules.push("SH1".into());
                }
                if let Some(check) = check {
                    case_rules.push("B13".into());
                    let assert = JsonAssert {
                        pointer: check.pointer,
                        rule: Some("B13".into()),
                        exists: check.equals.is_none().then_some(false),
                        equals: check.equals,
                        ..JsonAssert::default()
                    };
                    if let Some(caller) = check.member {
                        expect.members = vec![MemberExpect {
                            xuid: format!("{{{{xuid.{caller}}}}}"),
                            rule: Some("B13".into()),
                            json: vec![assert],
                            ..MemberExpect::default()
                        }];
                    } else {
                        expect.json = vec![assert];
                    }
                }
                let severity = severity_of(&case_rules, rules);
                (expect, case_rules, severity, None)
            }
            Outcome::Refused { status, rules: r } | Outcome::Served { status, rules: r } => {
                let expect = Expect {
                    status: Some(StatusExpect::Full(StatusFull {
                        allowed: status,
                        rule: r.first().cloned(),
                    })),
                    ..Expect::default()
                };
                let severity = severity_of(&r, rules);
                (expect, r, severity, None)
            }
            Outcome::Open { may_form } if !self.answers_session => {
                let rule = may_form.split('/').next().unwrap_or_default().to_string();
                (Expect::default(), vec![rule], Severity::May, Some(may_form))
            }
            Outcome::Open { may_form } => {
                let rule = may_form.split('/').next().unwrap_or_default().to_string();
                // Reported, never gating: what an accepted answer is, if it is one.
                let expect = Expect {
                    when: vec![WhenBranch {
                        status: crate::case::StatusSet(vec![200, 201]),
                        expect: Expect {
                            body: Some(BodyExpect {
                                rule: Some("SH1".into()),
                                schema: Some("session.json".into()),
                                ..BodyExpect::default()
                            }),
                            ..Expect::default()
                        },
                    }],
                    ..Expect::default()
                };
                (
                    expect,
                    vec![rule, "SH1".into()],
                    Severity::May,
                    Some(may_form),
                )
            }
        };
        let expect = match self.extra {
            Some(extra) => merged(expect, extra),
            None => expect,
        };
        let mut case_rules = case_rules;
        for r in expect_rules(&expect) {
            if !case_rules.contains(&r) {
                case_rules.push(r);
            }
        }
        steps.push(Step {
            name: Some("w".into()),
            request: Some(self.request),
            expect: Some(expect),
            ..Step::default()
        });
        CaseFile {
            schema: "../case.schema.json".into(),
            title: self.title,
            description: None,
            rules: case_rules,
            severity,
            may_form,
            steps,
            variants: Vec::new(),
        }
    }
}

/// `must` when every rule is documented, else `should`.
fn severity_of(case_rules: &[String], rules: &BTreeMap<String, Rule>) -> Severity {
    let all_documented = case_rules.iter().all(|id| {
        rules
            .get(id)
            .is_some_and(|r| r.basis == crate::case::Basis::D)
    });
    if all_documented {
        Severity::Must
    } else {
        Severity::Should
    }
}

fn merged(mut expect: Expect, extra: Expect) -> Expect {
    expect.headers.extend(extra.headers);
    if expect.body.is_none() {
        expect.body = extra.body;
    }
    expect.json.extend(extra.json);
    expect
}

/// The rules an expectation names besides its status's.
fn expect_rules(expect: &Expect) -> Vec<String> {
    let mut out = Vec::new();
    for h in expect.headers.values() {
        out.extend(h.rule.clone());
    }
    if let Some(b) = &expect.body {
        out.extend(b.rule.clone());
    }
    out
}
