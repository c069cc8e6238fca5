//! A case's flattened steps, compiled in order: what each step reads must be set by an earlier
//! one, and what it captures, exports or records gets a slot.

use std::sync::Arc;

use crate::case::{Capture as CaptureSpec, Scope};

use super::super::flatten::{Action as Flat, FlatStep};
use super::super::step::{
    Action, Caller, Capture, CaptureFrom, Guard, RequestPlan, RequestStep, Snapshot, StepPlan,
    UnchangedForm, UnchangedStep,
};
use super::super::template::Text;
use super::CaseCompiler;

/// The largest `burst`: enough to provoke any plausible limit, small enough for one case.
const MAX_BURST: u16 = 256;

impl CaseCompiler<'_> {
    pub(super) fn steps(&mut self, flat: &[FlatStep]) -> Box<[Arc<StepPlan>]> {
        let mut out = Vec::with_capacity(flat.len());
        let mut rest = flat;
        while let Some(first) = rest.first() {
            let Some(group) = &first.fixture else {
                out.push(Arc::new(self.step(first)));
                rest = rest.get(1..).unwrap_or_default();
                continue;
            };
            let end = rest
                .iter()
                .position(|s| s.fixture.as_ref() != Some(group))
                .unwrap_or(rest.len());
            let (group, after) = rest.split_at(end);
            out.extend(self.fixture_use(group));
            rest = after;
        }
        out.into()
    }

    /// The steps of one use of a fixture. Many cases use a fixture the same way: its steps then
    /// compile to the same plans, which are shared instead of kept once per case.
    fn fixture_use(&mut self, steps: &[FlatStep]) -> Vec<Arc<StepPlan>> {
        let Some(first) = steps.first() else {
            return Vec::new();
        };
        let key = self.fixture_key(first);
        if let Some((plans, vars)) = self.shared.get(&key) {
            self.vars = vars.clone();
            return plans.clone();
        }
        let problems = self.problems.len();
        let plans: Vec<Arc<StepPlan>> = steps.iter().map(|s| Arc::new(self.step(s))).collect();
        if self.problems.len() == problems {
            self.shared.insert(key, (plans.clone(), self.vars.clone()));
        }
        plans
    }

    /// Everything that decides what a fixture's steps compile to: the fixture, the namespace,
    /// the parameters, the guard, and the variables and statuses known before it.
    fn fixture_key(&self, first: &FlatStep) -> String {
        let mut key = String::new();
        if let Some((name, _)) = &first.fixture {
            key.push_str(name);
        }
        if let Scope::Fixture { ns, params } = &*first.scope {
            key.push('\u{1f}');
            key.push_str(ns);
            key.push('\u{1f}');
            let params = serde_json::Value::Object(params.clone()).to_string();
            // A parameter may read the variant: then the variant is part of what it means.
            if params.contains("variant.") {
                if let Some((i, v)) = self.variant {
                    key.push_str(&format!(
                        "{i}:{}",
                        serde_json::Value::Object(v.fields.clone())
                    ));
                }
            }
            key.push_str(&params);
        }
        key.push('\u{1f}');
        if let Some(guard) = &first.only_if {
            key.push_str(&format!("{}={:?}", guard.step, guard.status.0));
        }
        key.push('\u{1f}');
        key.push_str(&self.vars.fingerprint());
        key.push('\u{1f}');
        for (name, slot) in &self.statuses {
            key.push_str(&format!("{name}={slot},"));
        }
        key
    }

    fn step(&mut self, step: &FlatStep) -> StepPlan {
        self.param_at.clone_from(&step.param_at);
        let guard = step.only_if.as_ref().map(|g| Guard {
            step: g.step.as_str().into(),
            // `flatten` made sure it names an earlier request step of the case.
            slot: self.statuses.get(&g.step).copied().unwrap_or(usize::MAX),
            status: g.status.clone(),
        });
        let p = step.pointer.as_str();
        let action = match &step.action {
            Flat::Request {
                request,
                expect,
                captures,
                burst,
                read_back,
                copies,
            } => {
                if let Some(n) = burst {
                    if !(2..=MAX_BURST).contains(n) {
                        self.problem(
                            &format!("{p}/burst"),
                            format!("`burst` sends 2 to {MAX_BURST} copies, not {n}"),
                        );
                    }
                }
                self.in_burst = burst.is_some();
                if burst.is_some() && request.wire.is_some() {
                    self.problem(
                        &format!("{p}/request/wire"),
                        "a burst's copies go through the HTTP client: `wire` is for single requests",
                    );
                }
                let names: Vec<String> = match &step.capture_ns {
                    Some(ns) => captures.keys().map(|k| format!("{ns}.{k}")).collect(),
                    None => Vec::new(),
                };
                self.vars.pending.extend(names.iter().cloned());
                let at = if copies.is_empty() {
                    format!("{p}/request")
                } else {
                    format!("{p}/parallel/0")
                };
                let plan = self.request(request, &step.scope, &at);
                let copies: Box<[_]> = copies
                    .iter()
                    .enumerate()
                    .map(|(i, c)| self.request(c, &step.scope, &format!("{p}/parallel/{i}")))
                    .collect();
                // A step may compare with what it captures itself.
                self.vars.pending.clear();
                self.vars.own.extend(names);
                let expect = expect
                    .as_ref()
                    .map(|e| Arc::new(self.expect(&format!("{p}/expect"), e, None, false)));
                self.vars.own.clear();
                self.in_burst = false;
                let captures = self.captures(step, captures);
                let status_slot = match (&*step.scope, &step.capture_ns) {
                    (Scope::Case, Some(name)) => {
                        let slot = self.statuses.len();
                        self.statuses.insert(name.clone(), slot);
                        Some(slot)
                    }
                    _ => None,
                };
                Action::Request(RequestStep {
                    request: plan,
                    expect,
                    captures,
                    burst: *burst,
                    status_slot,
                    read_back: *read_back,
                    copies,
                })
            }
            Flat::Snapshot { request } => {
                let path = self.path_text(&request.path, &Scope::Case, &format!("{p}/snapshot"));
                let ns = step.capture_ns.as_deref().unwrap_or_default();
                let records = Snapshot {
                    path: self.vars.define(format!("{ns}.path")),
                    status: self.vars.define(format!("{ns}.status")),
                    etag: self.vars.define(format!("{ns}.etag")),
                    change_number: self.vars.define(format!("{ns}.changeNumber")),
                };
                Action::Snapshot {
                    request: read(path),
                    records,
                }
            }
            Flat::Unchanged {
                request,
                ns,
                form,
                rule,
            } => {
                let path = self.text(&request.path, &Scope::Case, &format!("{p}/unchanged"));
                let at = match rule {
                    Some(_) => format!("{p}/rule"),
                    None => p.to_string(),
                };
                let rule = self.rule(&at, rule.as_deref(), None);
                let recorded =
                    |this: &mut Self, key: &str| Some(this.vars.slot(&format!("{ns}.{key}")));
                let (status, etag, change_number) = match form {
                    UnchangedForm::Absent => (None, None, None),
                    UnchangedForm::Session => {
                        (None, recorded(self, "etag"), recorded(self, "changeNumber"))
                    }
                    UnchangedForm::AsSnapshotSaw => (
                        recorded(self, "status"),
                        recorded(self, "etag"),
                        recorded(self, "changeNumber"),
                    ),
                };
                Action::Unchanged(UnchangedStep {
                    request: read(path),
                    ns: (*ns).into(),
                    form: *form,
                    rule,
                    status,
                    etag,
                    change_number,
                })
            }
            Flat::Export { vars } => {
                let bound: Vec<(String, _)> = vars
                    .iter()
                    .map(|(key, value)| {
                        let at = format!("{p}/{key}");
                        (key.clone(), self.value(value, &step.scope, &at))
                    })
                    .collect();
                let ns = step.capture_ns.as_deref().unwrap_or_default();
                Action::Export {
                    vars: bound
                        .into_iter()
                        .map(|(key, value)| (self.vars.define(format!("{ns}.{key}")), value))
                        .collect(),
                }
            }
        };
        self.param_at = None;
        StepPlan {
            label: step.label.as_str().into(),
            guard,
            action,
        }
    }

    fn captures(
        &mut self,
        step: &FlatStep,
        captures: &std::collections::BTreeMap<String, CaptureSpec>,
    ) -> Box<[Capture]> {
        let Some(ns) = &step.capture_ns else {
            return Box::new([]);
        };
        let mut out = Vec::with_capacity(captures.len());
        for (key, capture) in captures {
            let p = format!("{}/capture/{key}", step.pointer);
            let from =
                match (&capture.header, &capture.pointer, capture.status) {
                    (Some(name), None, None | Some(false)) => {
                        if let Some(why) = super::syntax::header_name(name) {
                            self.problem(&format!("{p}/header"), why);
                        }
                        CaptureFrom::Header(name.as_str().into())
                    }
                    (None, Some(pointer), None | Some(false)) => CaptureFrom::Pointer(
                        self.pointer(pointer, &step.scope, &format!("{p}/pointer")),
                    ),
                    (None, None, Some(true)) => CaptureFrom::Status,
                    _ => {
                        self.problem(
                            &p,
                            "a capture names exactly one of `header`, `pointer`, `status: true`",
                        );
                        CaptureFrom::Status
                    }
                };
            out.push(Capture {
                slot: self.vars.define(format!("{ns}.{key}")),
                from,
            });
        }
        out.into()
    }

    /// A JSON pointer, checked when it is written out.
    pub(super) fn pointer(&mut self, pointer: &str, scope: &Scope, at: &str) -> Text {
        let text = self.text(pointer, scope, at);
        if let Text::Lit(p) = &text {
            if let Some(why) = super::syntax::pointer(p) {
                self.problem(at, why);
            }
        }
        text
    }
}

/// A `GET` of `path` as caller `a`, with the suite's headers.
fn read(path: Text) -> RequestPlan {
    RequestPlan {
        method: Text::lit("GET"),
        path,
        caller: Caller::Named("a".into()),
        headers: Box::new([]),
        body: super::super::step::BodyPlan::None,
        joins: super::super::step::Joins::No,
        framing: Default::default(),
    }
}
