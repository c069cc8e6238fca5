//! A case's steps with fixtures inlined: the sequence of requests the runner sends, each with
//! the scope its templates are read in.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::model::{Capture, CaseFile, Expect, RequestSpec, Step, Suite};
use super::scope::Scope;

#[derive(Clone, Debug)]
pub struct FlatStep {
    /// How the step is named in messages and reports: its `name`, `<ns>#<n>` inside a fixture,
    /// or `step <n>`.
    pub label: String,
    /// Where it is written: `<case file>#<pointer>` or `suite.json#/fixtures/<name>/steps/<n>`.
    pub pointer: String,
    pub scope: Scope,
    /// Namespace that captures go to.
    pub capture_ns: Option<String>,
    pub action: Action,
}

#[derive(Clone, Debug)]
pub enum Action {
    Request {
        request: Box<RequestSpec>,
        expect: Option<Box<Expect>>,
        captures: BTreeMap<String, Capture>,
    },
    /// A fixture's exports, set once its steps ran.
    Export { vars: Map<String, Value> },
}

/// Namespaces the template language owns; a step cannot capture into them.
pub const RESERVED: &[&str] = &[
    "world", "xuid", "run", "fresh", "guid", "param", "self", "variant",
];

/// Inlines fixtures. Errors are `(JSON pointer, message)` in the case file.
pub fn flatten(case: &CaseFile, suite: &Suite) -> Result<Vec<FlatStep>, (String, String)> {
    let mut out = Vec::new();
    for (i, step) in case.steps.iter().enumerate() {
        let pointer = format!("/steps/{i}");
        if let Some(name) = step.name.as_deref().filter(|n| RESERVED.contains(n)) {
            return Err((
                format!("{pointer}/name"),
                format!(
                    "`{name}` is a reserved variable namespace (reserved: {})",
                    RESERVED.join(", ")
                ),
            ));
        }
        match (&step.use_fixture, &step.request) {
            (Some(_), Some(_)) => {
                return Err((
                    pointer,
                    "a step has either `use` or `request`, not both".into(),
                ))
            }
            (None, None) => return Err((pointer, "a step needs `use` or `request`".into())),
            (None, Some(request)) => {
                if !step.with.is_empty() {
                    return Err((
                        format!("{pointer}/with"),
                        "`with` belongs to `use` steps".into(),
                    ));
                }
                if !step.capture.is_empty() && step.name.is_none() {
                    return Err((
                        format!("{pointer}/capture"),
                        "a step that captures needs a `name` (its variables are `{{{{<name>.<key>}}}}`)".into(),
                    ));
                }
                out.push(FlatStep {
                    label: step
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("step {}", i + 1)),
                    pointer,
                    scope: Scope::Case,
                    capture_ns: step.name.clone(),
                    action: Action::Request {
                        request: Box::new(request.clone()),
                        expect: step.expect.clone().map(Box::new),
                        captures: step.capture.clone(),
                    },
                });
            }
            (Some(name), None) => {
                if step.expect.is_some() || !step.capture.is_empty() {
                    return Err((
                        pointer,
                        "a `use` step takes no `expect` or `capture`: the fixture's exports are its variables".into(),
                    ));
                }
                let fixture = suite.fixtures.get(name).ok_or_else(|| {
                    let known = suite
                        .fixtures
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ");
                    (
                        format!("{pointer}/use"),
                        format!("unknown fixture `{name}` (suite.json has: {known})"),
                    )
                })?;
                let mut params = fixture.params.clone();
                for (key, value) in &step.with {
                    if !fixture.params.contains_key(key) {
                        let known = fixture
                            .params
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ");
                        return Err((
                            format!("{pointer}/with/{key}"),
                            format!("fixture `{name}` has no parameter `{key}` (it has: {known})"),
                        ));
                    }
                    params.insert(key.clone(), value.clone());
                }
                let ns = step.name.clone().unwrap_or_else(|| name.clone());
                let scope = Scope::Fixture {
                    ns: ns.clone(),
                    params,
                };
                for (j, fstep) in fixture.steps.iter().enumerate() {
                    out.push(fixture_step(name, &ns, j, fstep, &scope));
                }
                out.push(FlatStep {
                    label: format!("{ns}#exports"),
                    pointer: format!("suite.json#/fixtures/{name}/exports"),
                    scope,
                    capture_ns: Some(ns),
                    action: Action::Export {
                        vars: fixture.exports.clone(),
                    },
                });
            }
        }
    }
    Ok(out)
}

fn fixture_step(fixture: &str, ns: &str, j: usize, step: &Step, scope: &Scope) -> FlatStep {
    FlatStep {
        label: format!(
            "{ns}#{}",
            step.name.clone().unwrap_or_else(|| (j + 1).to_string())
        ),
        pointer: format!("suite.json#/fixtures/{fixture}/steps/{j}"),
        scope: scope.clone(),
        capture_ns: Some(ns.to_string()),
        action: Action::Request {
            request: Box::new(step.request.clone().unwrap_or_default()),
            expect: None,
            captures: step.capture.clone(),
        },
    }
}
