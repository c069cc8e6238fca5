//! Running one case: its steps in order, captures, judgement, then teardown.

use std::collections::BTreeMap;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::case::template::as_text;
use crate::case::{Action, Capture, Expect, FlatStep, OnlyIf, RequestSpec, Scope, UnchangedForm};
use crate::check::{check_global, judge, judge_tally, judge_unchanged, Failure, Recorded};
use crate::http::{Exchange, Interrupts, RequestData, ResponseData, RetryEnd};
use crate::plan::CaseInstance;

use super::burst::send_all;
use super::context::RunContext;
use super::outcome::{CaseResult, Outcome};
use super::request::{build, BuildError};
use super::retrying::{attempt_exchanges, send_retrying};
use super::teardown::Teardown;
use super::vars::{CaseVars, VarsError};

/// How the steps ended, before teardown.
enum Ending {
    /// The steps ran, or stopped at the first step with failures (the failures say which).
    Done,
    Error(String),
    Skip(String),
    Interrupted,
}

/// What a step says about the next one: go on, or stop the case with this ending.
type Flow<T = ()> = ControlFlow<Ending, T>;

pub async fn run_case(ctx: &RunContext, case: &CaseInstance) -> CaseResult {
    let started = Instant::now();
    let mut run = CaseRun {
        ctx,
        case,
        vars: CaseVars::new(&ctx.vars, case.variant.as_ref()),
        exchanges: Vec::new(),
        failures: Vec::new(),
        teardown: Teardown::default(),
        throttled: None,
        statuses: BTreeMap::new(),
        retries: 0,
    };
    let ending = match run.steps().await {
        ControlFlow::Continue(()) => Ending::Done,
        ControlFlow::Break(ending) => ending,
    };
    let CaseRun {
        mut exchanges,
        mut failures,
        teardown,
        throttled,
        mut retries,
        ..
    } = run;
    // Teardown runs whatever happened, and its server failures still count (O13).
    let (torn_down, teardown_retries) = teardown.run(ctx).await;
    retries += teardown_retries;
    for exchange in torn_down {
        if let Some(resp) = &exchange.response {
            let found = check_global(&exchange.request.method, resp).failures;
            failures.extend(found.into_iter().map(|f| f.at_step(&exchange.step)));
        }
        exchanges.push(exchange);
    }

    let (outcome, message) = match ending {
        Ending::Interrupted => (
            Outcome::Interrupted,
            Some("interrupted before the case finished".to_string()),
        ),
        Ending::Skip(why) => (Outcome::Skip, Some(why)),
        _ if !failures.is_empty() => (Outcome::Fail, Some(summary(&failures))),
        Ending::Error(why) => (Outcome::Error, Some(why)),
        Ending::Done => match throttled {
            Some(why) => (Outcome::Error, Some(why)),
            None => (Outcome::Pass, None),
        },
    };
    CaseResult {
        id: case.id.clone(),
        area: case.area.clone(),
        title: case.title.clone(),
        rules: case.rules.clone(),
        severity: case.severity,
        outcome,
        message,
        failures,
        exchanges,
        duration: started.elapsed(),
        in_baseline: false,
        retries,
    }
}

/// The one-line message of a failed case: its first failure, and how many more.
fn summary(failures: &[Failure]) -> String {
    let first = &failures[0];
    let more = match failures.len() {
        1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    format!("[{}] {}{more}", first.rule, first.message)
}

/// One case while it runs.
struct CaseRun<'a> {
    ctx: &'a RunContext,
    case: &'a CaseInstance,
    vars: CaseVars<'a>,
    exchanges: Vec<Exchange>,
    failures: Vec<Failure>,
    teardown: Teardown,
    /// Why the case cannot be judged: a well-formed 429/503 outside a burst.
    throttled: Option<String>,
    /// The status each named request step of the case got (what `onlyIf` reads).
    statuses: BTreeMap<String, u16>,
    /// Requests sent again after a throttled answer.
    retries: u32,
}

impl CaseRun<'_> {
    async fn steps(&mut self) -> Flow {
        let case = self.case;
        for step in case.steps.iter() {
            if self.ctx.is_interrupted() {
                return ControlFlow::Break(Ending::Interrupted);
            }
            if let Some(why) = step.only_if.as_ref().and_then(|g| self.guard_fails(g)) {
                if !matches!(step.action, Action::Export { .. }) {
                    self.exchanges.push(skipped(step, &why));
                }
                continue;
            }
            match &step.action {
                Action::Export { vars } => self.export(step, vars)?,
                Action::Request {
                    request,
                    expect,
                    captures,
                    burst: None,
                } => {
                    self.request(step, request, expect.as_deref(), captures)
                        .await?
                }
                Action::Request {
                    request,
                    expect,
                    burst: Some(n),
                    ..
                } => self.burst(step, request, expect.as_deref(), *n).await?,
                Action::Snapshot { request } => self.snapshot(step, request).await?,
                Action::Unchanged {
                    request,
                    ns,
                    form,
                    rule,
                } => {
                    self.unchanged(step, request, ns, *form, rule.as_deref())
                        .await?
                }
            }
            if !self.failures.is_empty() {
                return ControlFlow::Break(Ending::Done);
            }
        }
        ControlFlow::Continue(())
    }

    /// Why a step's guard does not hold, or `None` when it does.
    fn guard_fails(&self, guard: &OnlyIf) -> Option<String> {
        let wanted = guard
            .status
            .0
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        match self.statuses.get(&guard.step) {
            Some(s) if guard.status.contains(*s) => None,
            Some(s) => Some(format!(
                "`{}` answered {s}, not one of [{wanted}]",
                guard.step
            )),
            None => Some(format!("`{}` was not sent", guard.step)),
        }
    }

    fn export(&mut self, step: &FlatStep, exports: &serde_json::Map<String, Value>) -> Flow {
        let Some(ns) = &step.capture_ns else {
            return ControlFlow::Continue(());
        };
        for (key, value) in exports {
            match self.vars.render(&step.scope, value) {
                Ok(v) => self.vars.set(format!("{ns}.{key}"), v),
                Err(e) => return ControlFlow::Break(vars_ending(&step.label, e)),
            }
        }
        ControlFlow::Continue(())
    }

    async fn request(
        &mut self,
        step: &FlatStep,
        spec: &RequestSpec,
        expect: Option<&Expect>,
        captures: &BTreeMap<String, Capture>,
    ) -> Flow {
        let data = self.build(step, &step.scope, spec)?;
        let response = self.send(step.label.clone(), &data).await?;
        self.teardown.track(self.ctx, &data, &response);
        let broke_globally = self.global(step, &data, &response)?;
        if let (Scope::Case, Some(name)) = (&step.scope, &step.capture_ns) {
            self.statuses.insert(name.clone(), response.status);
        }
        if let Some(ns) = &step.capture_ns {
            for (key, capture) in captures {
                if let Some(v) = captured(capture, &response) {
                    self.vars.set(format!("{ns}.{key}"), v);
                }
            }
        }
        match expect {
            Some(expect) => {
                let expect = self.render_expect(step, expect)?;
                let found = judge(&expect, &self.case.rules, &response, &self.ctx.schemas);
                self.failures
                    .extend(found.into_iter().map(|f| f.at_step(&step.label)));
            }
            None if !(200..300).contains(&response.status) && !broke_globally => {
                return ControlFlow::Break(set_up_refused(step, &data, &response));
            }
            None => {}
        }
        ControlFlow::Continue(())
    }

    /// N copies of a request, sent at once. Each answer gets the global checks and the step's
    /// expectations; `tally` counts them all. A well-formed 429/503 is judged like any answer
    /// here: the step provokes throttling on purpose.
    async fn burst(
        &mut self,
        step: &FlatStep,
        spec: &RequestSpec,
        expect: Option<&Expect>,
        n: u16,
    ) -> Flow {
        let mut requests = Vec::with_capacity(usize::from(n));
        for i in 0..usize::from(n) {
            self.vars.set_burst_index(Some(i));
            let built = self.build(step, &step.scope, spec);
            self.vars.set_burst_index(None);
            requests.push(built?);
        }
        let sent = tokio::select! {
            r = send_all(&self.ctx.client, &requests) => Some(r),
            _ = self.ctx.interruption() => None,
        };
        let Some(results) = sent else {
            return ControlFlow::Break(Ending::Interrupted);
        };
        let mut responses = Vec::with_capacity(results.len());
        let mut broken = None;
        for (i, ((result, duration), data)) in results.into_iter().zip(&requests).enumerate() {
            let label = format!("{}[{i}]", step.label);
            let (response, error) = match result {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e)),
            };
            if let (Some(e), None) = (&error, &broken) {
                broken = Some(format!("{label} ({} {}): {e}", data.method, path_of(data)));
            }
            self.exchanges.push(Exchange {
                step: label,
                request: data.clone(),
                response: response.clone(),
                error,
                duration,
            });
            responses.push(response);
        }
        if let Some(why) = broken {
            return ControlFlow::Break(Ending::Error(why));
        }
        let mut statuses = Vec::with_capacity(responses.len());
        for (i, response) in responses.iter().flatten().enumerate() {
            let label = format!("{}[{i}]", step.label);
            self.teardown.track(self.ctx, &requests[i], response);
            statuses.push(response.status);
            let global = check_global(&requests[i].method, response);
            let broke_globally = !global.failures.is_empty();
            self.failures
                .extend(global.failures.into_iter().map(|f| labelled(&label, f)));
            match expect {
                Some(expect) => {
                    self.vars.set_burst_index(Some(i));
                    let rendered = self.render_expect(step, expect);
                    self.vars.set_burst_index(None);
                    let found = judge(&rendered?, &self.case.rules, response, &self.ctx.schemas);
                    self.failures
                        .extend(found.into_iter().map(|f| labelled(&label, f)));
                }
                None if !(200..300).contains(&response.status) && !broke_globally => {
                    return ControlFlow::Break(set_up_refused(step, &requests[i], response));
                }
                None => {}
            }
        }
        if let Some(expect) = expect {
            let rule = |own: Option<&str>| self.rule_for(own.or(expect.rule.as_deref()));
            let tallied = judge_tally(&expect.tally, &statuses, &rule);
            self.failures
                .extend(tallied.into_iter().map(|f| f.at_step(&step.label)));
        }
        ControlFlow::Continue(())
    }

    /// Reads a path and records what it found: `path`, `status`, and on 200 `etag` and
    /// `changeNumber`. Like any set-up step, an answer other than 200 or 204 is an error.
    async fn snapshot(&mut self, step: &FlatStep, spec: &RequestSpec) -> Flow {
        let data = self.build(step, &Scope::Case, spec)?;
        let response = self.send(step.label.clone(), &data).await?;
        let broke_globally = self.global(step, &data, &response)?;
        if broke_globally {
            return ControlFlow::Continue(());
        }
        if !matches!(response.status, 200 | 204) {
            return ControlFlow::Break(set_up_refused(step, &data, &response));
        }
        let Some(ns) = &step.capture_ns else {
            return ControlFlow::Continue(());
        };
        let path = match self.vars.render_text(&Scope::Case, &spec.path) {
            Ok(p) => p,
            Err(e) => return ControlFlow::Break(vars_ending(&step.label, e)),
        };
        self.vars.set(format!("{ns}.path"), Value::String(path));
        self.vars
            .set(format!("{ns}.status"), Value::from(response.status));
        if response.status == 200 {
            if let Some(etag) = response.header("etag") {
                self.vars
                    .set(format!("{ns}.etag"), Value::String(etag.to_string()));
            }
            if let Some(n) = response.json().and_then(|d| d.get("changeNumber").cloned()) {
                self.vars.set(format!("{ns}.changeNumber"), n);
            }
        }
        ControlFlow::Continue(())
    }

    /// Reads namespace `ns`'s path back and demands what it recorded.
    async fn unchanged(
        &mut self,
        step: &FlatStep,
        spec: &RequestSpec,
        ns: &str,
        form: UnchangedForm,
        rule: Option<&str>,
    ) -> Flow {
        let session = match form {
            UnchangedForm::Session => true,
            UnchangedForm::Absent => false,
            UnchangedForm::AsSnapshotSaw => {
                match self
                    .vars
                    .get(&format!("{ns}.status"))
                    .and_then(Value::as_u64)
                {
                    Some(200) => true,
                    Some(204) => false,
                    _ => {
                        return ControlFlow::Break(Ending::Error(format!(
                            "{}: snapshot `{ns}` recorded no status",
                            step.label
                        )))
                    }
                }
            }
        };
        let recorded = if session {
            let etag = self.recorded(step, ns, "etag")?;
            let change_number = self.recorded(step, ns, "changeNumber")?;
            Some((as_text(&etag), change_number))
        } else {
            None
        };
        let data = self.build(step, &Scope::Case, spec)?;
        let response = self.send(step.label.clone(), &data).await?;
        self.global(step, &data, &response)?;
        let recorded = match &recorded {
            Some((etag, change_number)) => Recorded::Session {
                etag,
                change_number,
            },
            None => Recorded::Absent,
        };
        let rule = self.rule_for(rule);
        let found = judge_unchanged(recorded, &response, &rule);
        self.failures
            .extend(found.into_iter().map(|f| f.at_step(&step.label)));
        ControlFlow::Continue(())
    }

    /// A value `unchanged` compares with, or an error when the step that records it found none.
    fn recorded(&self, step: &FlatStep, ns: &str, key: &str) -> Flow<Value> {
        match self.vars.get(&format!("{ns}.{key}")) {
            Some(v) => ControlFlow::Continue(v.clone()),
            None => ControlFlow::Break(Ending::Error(format!(
                "{}: `{{{{{ns}.{key}}}}}` has no value, so nothing can be compared: the step that records it found none",
                step.label
            ))),
        }
    }

    /// An expectation's rule: its own, else the case's first (the loader made sure a case
    /// with several rules names one).
    fn rule_for(&self, own: Option<&str>) -> String {
        own.or_else(|| self.case.rules.first().map(String::as_str))
            .unwrap_or("?")
            .to_string()
    }

    fn build(&mut self, step: &FlatStep, scope: &Scope, spec: &RequestSpec) -> Flow<RequestData> {
        match build(self.ctx, &mut self.vars, scope, spec) {
            Ok(d) => ControlFlow::Continue(d),
            Err(BuildError::MissingIdentity(who)) => ControlFlow::Break(missing_caller(&who)),
            Err(BuildError::Render(e)) => {
                ControlFlow::Break(Ending::Error(format!("{}: {e}", step.label)))
            }
        }
    }

    fn render_expect(&mut self, step: &FlatStep, expect: &Expect) -> Flow<Expect> {
        let rendered = serde_json::to_value(expect)
            .map_err(|e| VarsError::Render(e.to_string()))
            .and_then(|raw| self.vars.render(&step.scope, &raw))
            .and_then(|v| {
                serde_json::from_value::<Expect>(v).map_err(|e| {
                    VarsError::Render(format!("the rendered expectation is invalid: {e}"))
                })
            });
        match rendered {
            Ok(mut e) => {
                // A path an answer must name is the API's, as a request's is: under the base
                // URL's path (`https://host/mpsd`).
                let base = self.ctx.base_path();
                for header in e.headers.values_mut() {
                    if let Some(path) = header.path_equals.as_mut().filter(|p| p.starts_with('/')) {
                        path.insert_str(0, base);
                    }
                }
                ControlFlow::Continue(e)
            }
            Err(e) => ControlFlow::Break(vars_ending(&step.label, e)),
        }
    }

    /// Sends one request (again while the target throttles it and the policy allows) and
    /// records every attempt; no answer ends the case as an error, throttling that outlasts the
    /// policy as one that cannot be judged.
    async fn send(&mut self, label: String, data: &RequestData) -> Flow<ResponseData> {
        let retried = send_retrying(self.ctx, data, Interrupts::SendsAndWaits).await;
        self.retries += retried.retries();
        let answer = retried.attempts.last().map(|a| a.result.clone());
        self.exchanges
            .extend(attempt_exchanges(&label, data, retried.attempts));
        match (retried.end, answer) {
            (RetryEnd::Interrupted, _) | (_, None) => ControlFlow::Break(Ending::Interrupted),
            (RetryEnd::GaveUp(why), _) => {
                self.throttled = Some(why);
                ControlFlow::Break(Ending::Done)
            }
            (RetryEnd::Answered, Some(Ok(response))) => ControlFlow::Continue(response),
            (RetryEnd::Answered, Some(Err(e))) => ControlFlow::Break(Ending::Error(format!(
                "{label} ({} {}): {e}",
                data.method,
                path_of(data)
            ))),
        }
    }

    /// The checks every answer gets. A well-formed 429/503 says nothing about the rules: the
    /// case cannot be judged. Continues with whether a global check failed.
    fn global(
        &mut self,
        step: &FlatStep,
        data: &RequestData,
        response: &ResponseData,
    ) -> Flow<bool> {
        let global = check_global(&data.method, response);
        let broke = !global.failures.is_empty();
        self.failures
            .extend(global.failures.into_iter().map(|f| f.at_step(&step.label)));
        if global.throttled.is_some() {
            self.throttled = global.throttled;
            return ControlFlow::Break(Ending::Done);
        }
        ControlFlow::Continue(broke)
    }
}

fn missing_caller(who: &str) -> Ending {
    Ending::Skip(format!(
        "needs caller `{who}`, who was not given (set CONFORMANCE_AUTH_{} and CONFORMANCE_XUID_{})",
        who.to_uppercase(),
        who.to_uppercase()
    ))
}

fn vars_ending(label: &str, e: VarsError) -> Ending {
    match e {
        VarsError::MissingCaller(who) => missing_caller(&who),
        VarsError::Render(why) => Ending::Error(format!("{label}: {why}")),
    }
}

fn set_up_refused(step: &FlatStep, data: &RequestData, response: &ResponseData) -> Ending {
    Ending::Error(format!(
        "set-up step {} ({} {}) got {}: the world this case needs could not be built{}",
        step.label,
        data.method,
        path_of(data),
        response.status,
        excerpt(response)
    ))
}

/// A step whose `onlyIf` did not hold, as the transcript shows it: nothing was sent.
fn skipped(step: &FlatStep, why: &str) -> Exchange {
    Exchange {
        step: format!("{} (skipped: onlyIf {why})", step.label),
        request: RequestData::default(),
        response: None,
        error: None,
        duration: Duration::ZERO,
    }
}

/// A failure of one answer of a burst, named by it.
fn labelled(label: &str, mut f: Failure) -> Failure {
    f.message = format!("{label}: {}", f.message);
    f.at_step(label)
}

fn captured(capture: &Capture, response: &ResponseData) -> Option<Value> {
    if let Some(name) = &capture.header {
        return response.header(name).map(|v| Value::String(v.to_string()));
    }
    if let Some(pointer) = &capture.pointer {
        return response
            .json()
            .and_then(|doc| doc.pointer(pointer).cloned());
    }
    if capture.status == Some(true) {
        return Some(Value::from(response.status));
    }
    None
}

fn path_of(data: &RequestData) -> String {
    match data.url.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map(|i| rest[i..].to_string())
            .unwrap_or_default(),
        None => data.url.clone(),
    }
}

/// The start of an answer's body, as messages quote it (`: text`), or nothing.
pub(super) fn excerpt(response: &ResponseData) -> String {
    let text: String = String::from_utf8_lossy(&response.body)
        .chars()
        .take(200)
        .collect();
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}
