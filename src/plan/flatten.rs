//! A case's steps with fixtures inlined: the sequence of requests the runner sends, each with
//! the scope its templates are read in.

use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::{Map, Value};

use crate::case::{Capture, CaseFile, Expect, OnlyIf, RequestSpec, Scope, Step, Suite};

use super::step::UnchangedForm;

/// Borrowed from the case file and suite.json, never copied out of them: a fixture's requests are
/// the suite's own, whichever case uses them (the compiled plans of a fixture use are shared
/// between cases too).
#[derive(Debug)]
pub(super) struct FlatStep<'a> {
    /// How the step is named in messages and reports: its `name`, `<ns>#<n>` inside a fixture,
    /// or `step <n>`.
    pub label: String,
    /// Where it is written: `<case file>#<pointer>` or `suite.json#/fixtures/<name>/steps/<n>`.
    pub pointer: String,
    /// Shared by the steps of one fixture use.
    pub scope: Rc<Scope>,
    /// Namespace that captures go to.
    pub capture_ns: Option<String>,
    /// The guard of the case step this comes from (a fixture's steps share their `use`'s).
    pub only_if: Option<&'a OnlyIf>,
    /// Inside a fixture: where each parameter's value is written (the case's `with`, or the
    /// fixture's default), for messages about it; shared by the steps of one fixture use.
    pub param_at: Option<Rc<BTreeMap<String, String>>>,
    /// Inside a fixture: the fixture's name and the index of the case step that uses it (its
    /// steps and exports share it).
    pub fixture: Option<(String, usize)>,
    pub action: Action<'a>,
}

#[derive(Debug)]
pub(super) enum Action<'a> {
    Request {
        request: &'a RequestSpec,
        expect: Option<&'a Expect>,
        captures: &'a BTreeMap<String, Capture>,
        /// Sent this many times at once.
        burst: Option<u16>,
        /// Whether the oracle reads its write back (`noReadBack` says why not).
        read_back: bool,
        /// A `parallel` step's requests, all of them (the first is `request` too); empty for
        /// others.
        copies: &'a [RequestSpec],
    },
    /// A `GET` whose answer is recorded in the step's namespace (`path`, `status`, `etag`,
    /// `changeNumber`).
    Snapshot { request: RequestSpec },
    /// A `GET` of namespace `ns`'s path, judged against what `ns` recorded.
    Unchanged {
        request: RequestSpec,
        ns: &'a str,
        form: UnchangedForm,
        rule: Option<&'a str>,
    },
    /// A fixture's exports, set once its steps ran.
    Export { vars: &'a Map<String, Value> },
}

/// Namespaces the template language owns; a step cannot capture into them.
const RESERVED: &[&str] = &[
    "world", "xuid", "auth", "burst", "run", "fresh", "guid", "param", "self", "variant",
];

/// What a namespace holds once its step ran.
enum Namespace {
    Snapshot,
    Vars(BTreeSet<String>),
}

pub(super) type FlattenError = (String, String);

/// Inlines fixtures. Errors are `(JSON pointer, message)` in the case file.
pub(super) fn flatten<'a>(
    case: &'a CaseFile,
    suite: &'a Suite,
) -> Result<Vec<FlatStep<'a>>, FlattenError> {
    let mut out = Vec::new();
    let case_scope = Rc::new(Scope::Case);
    let mut namespaces: BTreeMap<String, Namespace> = BTreeMap::new();
    // Request steps by name, and whether each is a burst: what `onlyIf` may name.
    let mut requests: BTreeMap<String, bool> = BTreeMap::new();
    // Every namespace a step names (its `name`, or the fixture it uses), and which step did.
    let mut used: BTreeMap<String, usize> = BTreeMap::new();
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
        check_fields(step, &pointer)?;
        // A namespace named twice would have its variables overwritten halfway through the case.
        let ns = step
            .name
            .as_deref()
            .or(step.use_fixture.as_deref().filter(|_| step.name.is_none()));
        if let Some(ns) = ns {
            if let Some(first) = used.insert(ns.to_string(), i) {
                let (field, why) = if step.name.is_some() {
                    ("/name", "step names are unique within a case")
                } else {
                    (
                        "/use",
                        "give this step a `name` (its variables are `{{<name>.<key>}}`)",
                    )
                };
                return Err((
                    format!("{pointer}{field}"),
                    format!("namespace `{ns}` is already step {}'s: {why}", first + 1),
                ));
            }
        }
        if let Some(guard) = &step.only_if {
            match requests.get(&guard.step) {
                None => {
                    return Err((
                        format!("{pointer}/onlyIf/step"),
                        format!(
                            "`{}` is not an earlier request step of the case (named request steps before this one: {})",
                            guard.step,
                            list(requests.keys())
                        ),
                    ))
                }
                Some(true) => {
                    return Err((
                        format!("{pointer}/onlyIf/step"),
                        format!("`{}` is a burst step, which has many statuses: use `tally`", guard.step),
                    ))
                }
                Some(false) => {}
            }
            let codes = &guard.status.0;
            if codes.is_empty() || codes.iter().any(|s| !(100..=599).contains(s)) {
                return Err((
                    format!("{pointer}/onlyIf/status"),
                    "statuses are a non-empty set of codes 100–599".into(),
                ));
            }
        }
        let label = step
            .name
            .clone()
            .unwrap_or_else(|| format!("step {}", i + 1));
        let flat = |action: Action<'a>| FlatStep {
            label: label.clone(),
            pointer: pointer.clone(),
            scope: Rc::clone(&case_scope),
            capture_ns: step.name.clone(),
            only_if: step.only_if.as_ref(),
            param_at: None,
            fixture: None,
            action,
        };
        // A `parallel` step is a burst whose copies are its requests.
        let parallel_first = step.parallel.as_ref().and_then(|p| p.first());
        if let Some(request) = step.request.as_ref().or(parallel_first) {
            if let Some(name) = &step.name {
                requests.insert(
                    name.clone(),
                    step.burst.is_some() || step.parallel.is_some(),
                );
                namespaces.insert(
                    name.clone(),
                    Namespace::Vars(step.capture.keys().cloned().collect()),
                );
            }
            if let Some(why) = &step.no_read_back {
                let problem = if step.expect.is_none() {
                    Some("`noReadBack` is for a judged step (one with `expect`): set-up steps are not read back")
                } else if why.trim().is_empty() {
                    Some("`noReadBack` says why a read-back cannot apply here")
                } else {
                    None
                };
                if let Some(problem) = problem {
                    return Err((format!("{pointer}/noReadBack"), problem.into()));
                }
            }
            let copies = step.parallel.as_deref().unwrap_or_default();
            let burst = match &step.parallel {
                Some(all) => Some(u16::try_from(all.len()).unwrap_or(u16::MAX)),
                None => step.burst,
            };
            out.push(flat(Action::Request {
                request,
                expect: step.expect.as_ref(),
                captures: &step.capture,
                burst,
                read_back: step.no_read_back.is_none(),
                copies,
            }));
        } else if let Some(path) = &step.snapshot {
            if let Some(name) = &step.name {
                namespaces.insert(name.clone(), Namespace::Snapshot);
            }
            out.push(flat(Action::Snapshot {
                request: read(path.clone()),
            }));
        } else if let Some(ns) = &step.unchanged {
            let form = match namespaces.get(ns) {
                None => {
                    return Err((
                        format!("{pointer}/unchanged"),
                        format!(
                            "no earlier step records namespace `{ns}` (earlier namespaces: {})",
                            list(namespaces.keys())
                        ),
                    ))
                }
                Some(Namespace::Snapshot) => UnchangedForm::AsSnapshotSaw,
                Some(Namespace::Vars(keys)) if !keys.contains("path") => {
                    return Err((
                        format!("{pointer}/unchanged"),
                        format!("namespace `{ns}` has no `path` to read back (the `session` and `handle` fixtures and `snapshot` steps record one)"),
                    ))
                }
                Some(Namespace::Vars(keys))
                    if keys.contains("etag") && keys.contains("changeNumber") =>
                {
                    UnchangedForm::Session
                }
                Some(Namespace::Vars(_)) => UnchangedForm::Absent,
            };
            let mut flat = flat(Action::Unchanged {
                request: read(format!("{{{{{ns}.path}}}}")),
                ns,
                form,
                rule: step.rule.as_deref(),
            });
            flat.capture_ns = None;
            out.push(flat);
        } else if let Some(name) = &step.use_fixture {
            let fixture = suite.fixtures.get(name).ok_or_else(|| {
                (
                    format!("{pointer}/use"),
                    format!(
                        "unknown fixture `{name}` (suite.json has: {})",
                        list(suite.fixtures.keys())
                    ),
                )
            })?;
            let mut params = fixture.params.clone();
            let mut param_at: BTreeMap<String, String> = fixture
                .params
                .keys()
                .map(|k| (k.clone(), format!("suite.json#/fixtures/{name}/params/{k}")))
                .collect();
            for (key, value) in &step.with {
                if !fixture.params.contains_key(key) {
                    return Err((
                        format!("{pointer}/with/{key}"),
                        format!(
                            "fixture `{name}` has no parameter `{key}` (it has: {})",
                            list(fixture.params.keys())
                        ),
                    ));
                }
                params.insert(key.clone(), value.clone());
                param_at.insert(key.clone(), format!("{pointer}/with/{key}"));
            }
            let ns = step.name.clone().unwrap_or_else(|| name.clone());
            let scope = Rc::new(Scope::Fixture {
                ns: ns.clone(),
                params,
            });
            let param_at = Rc::new(param_at);
            let mut keys: BTreeSet<String> = fixture.exports.keys().cloned().collect();
            for (j, fstep) in fixture.steps.iter().enumerate() {
                keys.extend(fstep.capture.keys().cloned());
                let mut flat = fixture_step(name, &ns, j, fstep, &scope)?;
                flat.only_if = step.only_if.as_ref();
                flat.param_at = Some(Rc::clone(&param_at));
                flat.fixture = Some((name.clone(), i));
                out.push(flat);
            }
            namespaces.insert(ns.clone(), Namespace::Vars(keys));
            out.push(FlatStep {
                label: format!("{ns}#exports"),
                pointer: format!("suite.json#/fixtures/{name}/exports"),
                scope,
                capture_ns: Some(ns),
                only_if: step.only_if.as_ref(),
                param_at: Some(param_at),
                fixture: Some((name.clone(), i)),
                action: Action::Export {
                    vars: &fixture.exports,
                },
            });
        }
    }
    Ok(out)
}

/// Which fields go with which kind of step.
fn check_fields(step: &Step, pointer: &str) -> Result<(), FlattenError> {
    let kinds = [
        step.use_fixture.is_some(),
        step.request.is_some(),
        step.snapshot.is_some(),
        step.unchanged.is_some(),
        step.parallel.is_some(),
    ];
    let err = |field: &str, message: String| Err((format!("{pointer}{field}"), message));
    match kinds.iter().filter(|k| **k).count() {
        0 => {
            return err(
                "",
                "a step needs one of `use`, `request`, `parallel`, `snapshot`, `unchanged`".into(),
            )
        }
        1 => {}
        _ => {
            return err(
                "",
                "a step has only one of `use`, `request`, `parallel`, `snapshot`, `unchanged`"
                    .into(),
            )
        }
    }
    if !step.with.is_empty() && step.use_fixture.is_none() {
        return err("/with", "`with` belongs to `use` steps".into());
    }
    if let Some(all) = &step.parallel {
        if !(2..=256).contains(&all.len()) {
            return err(
                "/parallel",
                format!("`parallel` sends 2 to 256 requests, not {}", all.len()),
            );
        }
        if step.burst.is_some() {
            return err(
                "/burst",
                "a `parallel` step sends each of its requests once: no `burst`".into(),
            );
        }
    }
    let requests = step.request.is_some() || step.parallel.is_some();
    if !requests {
        if step.expect.is_some() || !step.capture.is_empty() {
            let why = if step.use_fixture.is_some() {
                "the fixture's exports are its variables"
            } else {
                "it judges or records by itself"
            };
            return err(
                "",
                format!("only a `request` step takes `expect` or `capture`: {why}"),
            );
        }
        if step.burst.is_some() {
            return err("/burst", "`burst` belongs to `request` steps".into());
        }
    }
    if step.rule.is_some() && step.unchanged.is_none() {
        return err(
            "/rule",
            "`rule` on a step belongs to `unchanged` steps (an `expect` carries its own)".into(),
        );
    }
    if step.snapshot.is_some() && step.name.is_none() {
        return err(
            "/snapshot",
            "a snapshot needs a `name`: it records `<name>.path`, `.status`, `.etag`, `.changeNumber`".into(),
        );
    }
    if requests && !step.capture.is_empty() {
        if step.burst.is_some() || step.parallel.is_some() {
            return err(
                "/capture",
                "a burst step cannot `capture`: its answers would overwrite each other".into(),
            );
        }
        if step.name.is_none() {
            return err(
                "/capture",
                "a step that captures needs a `name` (its variables are `{{<name>.<key>}}`)".into(),
            );
        }
    }
    Ok(())
}

/// A `GET` of `path` as caller `a`, with the suite's headers.
fn read(path: String) -> RequestSpec {
    RequestSpec {
        method: "GET".into(),
        path,
        ..RequestSpec::default()
    }
}

fn list<'a>(items: impl Iterator<Item = &'a String>) -> String {
    let all: Vec<&str> = items.map(String::as_str).collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

fn fixture_step<'a>(
    fixture: &str,
    ns: &str,
    j: usize,
    step: &'a Step,
    scope: &Rc<Scope>,
) -> Result<FlatStep<'a>, FlattenError> {
    let pointer = format!("suite.json#/fixtures/{fixture}/steps/{j}");
    let request =
        match (&step.request, step.burst, &step.expect) {
            (Some(request), None, None)
                if step.use_fixture.is_none()
                    && step.snapshot.is_none()
                    && step.unchanged.is_none()
                    && step.only_if.is_none()
                    && step.rule.is_none() =>
            {
                request
            }
            _ => return Err((
                pointer,
                "a fixture's step is a set-up `request` (with `name` and `capture`), nothing else"
                    .into(),
            )),
        };
    Ok(FlatStep {
        label: format!(
            "{ns}#{}",
            step.name.clone().unwrap_or_else(|| (j + 1).to_string())
        ),
        pointer,
        scope: Rc::clone(scope),
        capture_ns: Some(ns.to_string()),
        only_if: None,
        param_at: None,
        fixture: None,
        action: Action::Request {
            request,
            expect: None,
            captures: &step.capture,
            burst: None,
            read_back: true,
            copies: &[],
        },
    })
}
