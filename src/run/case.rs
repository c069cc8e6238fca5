//! Running one case: its compiled steps in order, captures, judgement, then teardown. Each answer
//! is parsed at most once (by whichever reader comes first) and shared by captures, checks and
//! teardown; the exchange is recorded after them, its bodies cut.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::check::{check_global, judge, judge_tally, judge_unchanged, Failure, Recorded};
use crate::exchange::{Exchange, RequestData, ResponseData, TransportError, BODY_LIMIT};
use crate::http::{Interrupts, RetryEnd};
use crate::plan::{
    Action, CaptureFrom, CasePlan, ExpectPlan, Guard, RenderError, RequestPlan, RequestStep,
    Snapshot, StepPlan, UnchangedForm, UnchangedStep,
};

use super::burst::send_all;
use super::context::RunContext;
use super::outcome::{CaseResult, Outcome};
use super::request::{build, path_of, BuildError, Built};
use super::retrying::{attempt_exchanges, send_retrying};
use super::teardown::Teardown;
use super::vars::CaseVars;

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

pub async fn run_case(ctx: &RunContext, case: &CasePlan) -> CaseResult {
    let started = Instant::now();
    let mut run = CaseRun {
        ctx,
        case,
        vars: CaseVars::new(&ctx.vars, &case.vars),
        statuses: vec![None; case.vars.statuses],
        exchanges: Vec::new(),
        failures: Vec::new(),
        teardown: Teardown::default(),
        throttled: None,
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
    case: &'a CasePlan,
    vars: CaseVars<'a>,
    /// The status each named request step of the case got (what `onlyIf` reads).
    statuses: Vec<Option<u16>>,
    exchanges: Vec<Exchange>,
    failures: Vec<Failure>,
    teardown: Teardown,
    /// Why the case cannot be judged: a well-formed 429/503 outside a burst, still there after
    /// the retries the policy allows.
    throttled: Option<String>,
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
            if let Some(why) = step.guard.as_ref().and_then(|g| self.guard_fails(g)) {
                if !matches!(step.action, Action::Export { .. }) {
                    self.exchanges.push(skipped(step, &why));
                }
                continue;
            }
            match &step.action {
                Action::Export { vars } => {
                    for (slot, value) in vars.iter() {
                        let rendered = value.render(&self.vars).map(|v| v.into_owned());
                        match rendered {
                            Ok(v) => self.vars.set(*slot, v),
                            Err(e) => return ControlFlow::Break(render_ending(step, e)),
                        }
                    }
                }
                Action::Request(r) => match r.burst {
                    None => self.request(step, r).await?,
                    Some(n) => self.burst(step, r, n).await?,
                },
                Action::Snapshot { request, records } => {
                    self.snapshot(step, request, records).await?
                }
                Action::Unchanged(u) => self.unchanged(step, u).await?,
            }
            if !self.failures.is_empty() {
                return ControlFlow::Break(Ending::Done);
            }
        }
        ControlFlow::Continue(())
    }

    /// Why a step's guard does not hold, or `None` when it does.
    fn guard_fails(&self, guard: &Guard) -> Option<String> {
        let wanted = guard
            .status
            .0
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        match self.statuses.get(guard.slot).copied().flatten() {
            Some(s) if guard.status.contains(s) => None,
            Some(s) => Some(format!(
                "`{}` answered {s}, not one of [{wanted}]",
                guard.step
            )),
            None => Some(format!("`{}` was not sent", guard.step)),
        }
    }

    async fn request(&mut self, step: &StepPlan, r: &RequestStep) -> Flow {
        let built = self.build(step, &r.request)?;
        let (response, duration) = self.send(step, &built).await?;
        let (response, flow) = self.answer(step, r, &built, response).await;
        let label = self.attempt_label(step);
        self.record(&label, built.data, Some(response), None, duration);
        flow
    }

    /// Everything one answer of a request step says: teardown, global checks, captures, then
    /// the step's expectations.
    async fn answer(
        &mut self,
        step: &StepPlan,
        r: &RequestStep,
        built: &Built,
        response: ResponseData,
    ) -> (ResponseData, Flow) {
        let broke_globally = match self.before_judging(step, r, built, &response) {
            ControlFlow::Continue(broke) => broke,
            ControlFlow::Break(ending) => return (response, ControlFlow::Break(ending)),
        };
        let Some(expect) = &r.expect else {
            let flow = set_up_answered(step, built, &response, broke_globally);
            return (response, flow);
        };
        let (response, judged) = judged(expect, response, &self.vars).await;
        let flow = match judged {
            Ok(found) => {
                self.failures
                    .extend(found.into_iter().map(|f| f.at_step(&step.label)));
                ControlFlow::Continue(())
            }
            Err(e) => ControlFlow::Break(render_ending(step, e)),
        };
        (response, flow)
    }

    /// What an answer says before it is judged: what it created (teardown), the global checks,
    /// its status (for `onlyIf`), its captures — which the step's own expectations may read.
    /// Continues with whether a global check failed.
    fn before_judging(
        &mut self,
        step: &StepPlan,
        r: &RequestStep,
        built: &Built,
        response: &ResponseData,
    ) -> Flow<bool> {
        self.teardown
            .track(&self.ctx.base_url, built, r.request.joins, response);
        let broke_globally = self.global(step, &built.data, response)?;
        if let Some(slot) = r.status_slot {
            self.statuses[slot] = Some(response.status);
        }
        for capture in r.captures.iter() {
            let value = match &capture.from {
                CaptureFrom::Header(name) => {
                    response.header(name).map(|v| Value::String(v.to_string()))
                }
                CaptureFrom::Pointer(pointer) => {
                    let pointer = match pointer.render(&self.vars) {
                        Ok(p) => p.into_owned(),
                        Err(e) => return ControlFlow::Break(render_ending(step, e)),
                    };
                    response.pointer(&pointer)
                }
                CaptureFrom::Status => Some(Value::from(response.status)),
            };
            if let Some(v) = value {
                self.vars.set(capture.slot, v);
            }
        }
        ControlFlow::Continue(broke_globally)
    }

    /// N copies of a request, sent at once. Each answer gets the global checks and the step's
    /// expectations; `tally` counts them all. A well-formed 429/503 is judged like any answer
    /// here: the step provokes throttling on purpose.
    async fn burst(&mut self, step: &StepPlan, r: &RequestStep, n: u16) -> Flow {
        let mut built = Vec::with_capacity(usize::from(n));
        for i in 0..usize::from(n) {
            self.vars.set_burst_index(Some(i));
            let b = self.build(step, &r.request);
            self.vars.set_burst_index(None);
            built.push(b?);
        }
        let mut burst = send_all(
            &self.ctx.client,
            built.iter().map(|b| b.data.clone()).collect(),
        );
        let mut built: Vec<Option<Built>> = built.into_iter().map(Some).collect();
        // Judged and recorded as they arrive; then taken in the copies' order, as if judged in
        // turn: what follows the first copy that ends the case is only recorded.
        let mut copies = Vec::with_capacity(built.len());
        loop {
            let arrived = tokio::select! {
                biased;
                _ = self.ctx.interruption() => return ControlFlow::Break(Ending::Interrupted),
                arrived = burst.next() => arrived,
            };
            let Some(arrived) = arrived else { break };
            let i = arrived.index;
            let Some(built) = built.get_mut(i).and_then(Option::take) else {
                continue;
            };
            let label = format!("{}[{i}]", step.label);
            let copy = match arrived.result {
                Ok(response) => {
                    let status = response.status;
                    let before = self.failures.len();
                    let (response, flow) =
                        self.judge_copy(step, r, i, &label, &built, response).await;
                    // Recorded, the body is cut: the next copy may read its own.
                    let exchange =
                        self.exchange(&label, built.data, Some(response), None, arrived.duration);
                    BurstCopy {
                        index: i,
                        exchange,
                        failures: self.failures.split_off(before),
                        status: Some(status),
                        flow,
                    }
                }
                Err(e) => self.failed_copy(i, &label, built, e, arrived.duration),
            };
            copies.push(copy);
            drop(arrived.turn);
        }
        // A copy whose sending task failed (a panic inside the client) never answered.
        for (i, built) in built.into_iter().enumerate() {
            let Some(built) = built else { continue };
            let label = format!("{}[{i}]", step.label);
            let e = TransportError::Request("the sending task failed".into());
            copies.push(self.failed_copy(i, &label, built, e, Duration::ZERO));
        }
        copies.sort_by_key(|c| c.index);
        let mut statuses = Vec::with_capacity(copies.len());
        let mut flow = ControlFlow::Continue(());
        for copy in copies {
            self.exchanges.push(copy.exchange);
            if flow.is_continue() {
                self.failures.extend(copy.failures);
                statuses.extend(copy.status);
                flow = copy.flow;
            }
        }
        flow?;
        if let Some(expect) = &r.expect {
            let tallied = judge_tally(&expect.tally, &statuses);
            self.failures
                .extend(tallied.into_iter().map(|f| f.at_step(&step.label)));
        }
        ControlFlow::Continue(())
    }

    /// A copy of a burst that got no answer: it ends the case as an error.
    fn failed_copy(
        &self,
        index: usize,
        label: &str,
        built: Built,
        e: TransportError,
        duration: Duration,
    ) -> BurstCopy {
        let why = format!("{label} ({} {}): {e}", built.data.method, built.path);
        BurstCopy {
            index,
            exchange: self.exchange(label, built.data, None, Some(e), duration),
            failures: Vec::new(),
            status: None,
            flow: ControlFlow::Break(Ending::Error(why)),
        }
    }

    /// One answer of a burst.
    async fn judge_copy(
        &mut self,
        step: &StepPlan,
        r: &RequestStep,
        i: usize,
        label: &str,
        built: &Built,
        response: ResponseData,
    ) -> (ResponseData, Flow) {
        self.teardown
            .track(&self.ctx.base_url, built, r.request.joins, &response);
        let global = check_global(&built.data.method, &response);
        let broke_globally = !global.failures.is_empty();
        self.failures
            .extend(global.failures.into_iter().map(|f| labelled(label, f)));
        let Some(expect) = &r.expect else {
            let flow = set_up_answered(step, built, &response, broke_globally);
            return (response, flow);
        };
        self.vars.set_burst_index(Some(i));
        let (response, judged) = judged(expect, response, &self.vars).await;
        self.vars.set_burst_index(None);
        let flow = match judged {
            Ok(found) => {
                self.failures
                    .extend(found.into_iter().map(|f| labelled(label, f)));
                ControlFlow::Continue(())
            }
            Err(e) => ControlFlow::Break(render_ending(step, e)),
        };
        (response, flow)
    }

    /// Reads a path and records what it found: `path`, `status`, and on 200 `etag` and
    /// `changeNumber`. Like any set-up step, an answer other than 200 or 204 is an error.
    async fn snapshot(&mut self, step: &StepPlan, request: &RequestPlan, slots: &Snapshot) -> Flow {
        let built = self.build(step, request)?;
        let (response, duration) = self.send(step, &built).await?;
        let flow = (|| {
            if self.global(step, &built.data, &response)? {
                return ControlFlow::Continue(());
            }
            if !matches!(response.status, 200 | 204) {
                return ControlFlow::Break(set_up_refused(step, &built.data, &response));
            }
            self.vars.set(slots.path, Value::String(built.path.clone()));
            self.vars.set(slots.status, Value::from(response.status));
            if response.status == 200 {
                if let Some(etag) = response.header("etag") {
                    self.vars.set(slots.etag, Value::String(etag.to_string()));
                }
                if let Some(n) = response.pointer("/changeNumber") {
                    self.vars.set(slots.change_number, n);
                }
            }
            ControlFlow::Continue(())
        })();
        let label = self.attempt_label(step);
        self.record(&label, built.data, Some(response), None, duration);
        flow
    }

    /// Reads a namespace's path back and demands what it recorded.
    async fn unchanged(&mut self, step: &StepPlan, u: &UnchangedStep) -> Flow {
        let ns = &u.ns;
        let session = match u.form {
            UnchangedForm::Session => true,
            UnchangedForm::Absent => false,
            UnchangedForm::AsSnapshotSaw => {
                match u
                    .status
                    .and_then(|s| self.vars.get(s))
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
            let etag = self.recorded(step, ns, "etag", u.etag)?;
            let change_number = self.recorded(step, ns, "changeNumber", u.change_number)?;
            Some((crate::case::template::as_text(&etag), change_number))
        } else {
            None
        };
        let built = self.build(step, &u.request)?;
        let (response, duration) = self.send(step, &built).await?;
        let flow = (|| {
            self.global(step, &built.data, &response)?;
            let recorded = match &recorded {
                Some((etag, change_number)) => Recorded::Session {
                    etag,
                    change_number,
                },
                None => Recorded::Absent,
            };
            let found = judge_unchanged(recorded, &response, &u.rule);
            self.failures
                .extend(found.into_iter().map(|f| f.at_step(&step.label)));
            ControlFlow::Continue(())
        })();
        let label = self.attempt_label(step);
        self.record(&label, built.data, Some(response), None, duration);
        flow
    }

    /// A value `unchanged` compares with, or an error when the step that records it found none.
    fn recorded(&self, step: &StepPlan, ns: &str, key: &str, slot: Option<usize>) -> Flow<Value> {
        match slot.and_then(|s| self.vars.get(s)) {
            Some(v) => ControlFlow::Continue(v.clone()),
            None => ControlFlow::Break(Ending::Error(format!(
                "{}: `{{{{{ns}.{key}}}}}` has no value, so nothing can be compared: the step that records it found none",
                step.label
            ))),
        }
    }

    fn build(&self, step: &StepPlan, request: &RequestPlan) -> Flow<Built> {
        match build(self.ctx, &self.vars, request) {
            Ok(b) => ControlFlow::Continue(b),
            Err(BuildError::MissingCaller(who)) => ControlFlow::Break(missing_caller(&who)),
            Err(BuildError::Render(e)) => {
                ControlFlow::Break(Ending::Error(format!("{}: {e}", step.label)))
            }
        }
    }

    /// Sends one request (again while the target throttles it and the policy allows); every
    /// attempt but the answer is recorded at once, the answer once judged. No answer ends the
    /// case as an error, throttling that outlasts the policy as one that cannot be judged.
    async fn send(&mut self, step: &StepPlan, built: &Built) -> Flow<(ResponseData, Duration)> {
        let retried = send_retrying(self.ctx, &built.data, Interrupts::SendsAndWaits).await;
        self.retries += retried.retries();
        let mut attempts = retried.attempts;
        let answer = match retried.end {
            RetryEnd::Answered => attempts.pop(),
            _ => None,
        };
        self.exchanges.extend(attempt_exchanges(
            self.ctx,
            &step.label,
            &built.data,
            attempts,
        ));
        match (retried.end, answer) {
            (RetryEnd::GaveUp(why), _) => {
                self.throttled = Some(why);
                ControlFlow::Break(Ending::Done)
            }
            (RetryEnd::Answered, Some(attempt)) => match attempt.result {
                Ok(response) => ControlFlow::Continue((response, attempt.duration)),
                Err(e) => {
                    let why = format!("{} ({} {}): {e}", step.label, built.data.method, built.path);
                    let label = self.attempt_label(step);
                    self.record(&label, built.data.clone(), None, Some(e), attempt.duration);
                    ControlFlow::Break(Ending::Error(why))
                }
            },
            _ => ControlFlow::Break(Ending::Interrupted),
        }
    }

    /// The label of a step's next exchange: its label, or `<label> (attempt N)` after retries.
    fn attempt_label(&self, step: &StepPlan) -> String {
        let before = self
            .exchanges
            .iter()
            .filter(|e| super::retrying::step_of(&e.step) == &*step.label)
            .count();
        match before {
            0 => step.label.to_string(),
            n => format!("{} (attempt {})", step.label, n + 1),
        }
    }

    fn record(
        &mut self,
        label: &str,
        request: RequestData,
        response: Option<ResponseData>,
        error: Option<TransportError>,
        duration: Duration,
    ) {
        let exchange = self.exchange(label, request, response, error, duration);
        self.exchanges.push(exchange);
    }

    /// An exchange as the transcript keeps it: bodies cut and redacted.
    fn exchange(
        &self,
        label: &str,
        request: RequestData,
        response: Option<ResponseData>,
        error: Option<TransportError>,
        duration: Duration,
    ) -> Exchange {
        Exchange::record(
            label.to_string(),
            request,
            response,
            error,
            duration,
            &self.ctx.redactor,
        )
    }

    /// The checks every answer gets. A well-formed 429/503 says nothing about the rules: the
    /// case cannot be judged. Continues with whether a global check failed.
    fn global(
        &mut self,
        step: &StepPlan,
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

/// One copy of a burst, judged and recorded.
struct BurstCopy {
    index: usize,
    exchange: Exchange,
    failures: Vec<Failure>,
    status: Option<u16>,
    flow: Flow,
}

/// Judges `response` against `expect`. A big answer is judged on the blocking pool — its parse,
/// schema validation and diffs — against a snapshot of the variables, so the runtime's thread
/// goes on serving every other case meanwhile.
async fn judged(
    expect: &Arc<ExpectPlan>,
    response: ResponseData,
    vars: &CaseVars<'_>,
) -> (ResponseData, Result<Vec<Failure>, RenderError>) {
    if response.body.len() <= BODY_LIMIT {
        let found = judge(expect, &response, vars);
        return (response, found);
    }
    let (expect, env) = (Arc::clone(expect), vars.snapshot());
    // Kept to rebuild the answer should the task not come back (the runtime shutting down):
    // the body is shared, not copied.
    let (status, headers, body) = (
        response.status,
        response.headers.clone(),
        response.body.clone(),
    );
    let judging = tokio::task::spawn_blocking(move || {
        let found = judge(&expect, &response, &env);
        (response, found)
    });
    judging.await.unwrap_or_else(|e| {
        let why = format!("judging the answer failed: {e}");
        (
            ResponseData::new(status, headers, body),
            Err(RenderError::Unset(why)),
        )
    })
}

/// A set-up step's answer: anything but 2xx ends the case as an error, unless a global check
/// already failed it (then the failure says more).
fn set_up_answered(
    step: &StepPlan,
    built: &Built,
    response: &ResponseData,
    broke_globally: bool,
) -> Flow {
    if !(200..300).contains(&response.status) && !broke_globally {
        ControlFlow::Break(set_up_refused(step, &built.data, response))
    } else {
        ControlFlow::Continue(())
    }
}

fn missing_caller(who: &str) -> Ending {
    Ending::Skip(format!(
        "needs caller `{who}`, who was not given (set CONFORMANCE_AUTH_{} and CONFORMANCE_XUID_{})",
        who.to_uppercase(),
        who.to_uppercase()
    ))
}

fn render_ending(step: &StepPlan, e: RenderError) -> Ending {
    match e {
        RenderError::MissingCaller(who) => missing_caller(&who),
        RenderError::Unset(why) => Ending::Error(format!("{}: {why}", step.label)),
    }
}

fn set_up_refused(step: &StepPlan, data: &RequestData, response: &ResponseData) -> Ending {
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
fn skipped(step: &StepPlan, why: &str) -> Exchange {
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

/// The start of an answer's body, as messages quote it (`: text`), or nothing.
pub(super) fn excerpt(response: &ResponseData) -> String {
    let head = &response.body[..response.body.len().min(800)];
    let text: String = String::from_utf8_lossy(head).chars().take(200).collect();
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::compile_expect;
    use crate::run::vars::RunVars;

    #[tokio::test]
    async fn big_and_small_answers_are_judged_alike() {
        let case: crate::case::Expect = serde_json::from_value(serde_json::json!({
            "json": [ { "pointer": "/pad", "type": "string" } ]
        }))
        .expect("an expectation");
        let expect = Arc::new(compile_expect(&case, &["O1".into()]).expect("compiles"));
        let run = RunVars {
            run_id: "r".into(),
            base_path: String::new(),
            world: Default::default(),
            xuids: Default::default(),
            authorizations: Default::default(),
        };
        let table = crate::plan::VarTable::default();
        let vars = CaseVars::new(&run, &table);
        let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(BODY_LIMIT));
        // The big one goes to the blocking pool and comes back judged, with its parse.
        let (response, found) = judged(&expect, ResponseData::new(200, vec![], big), &vars).await;
        assert!(found.expect("renders").is_empty());
        assert!(response.json_parsed());
        let (small, found) = judged(&expect, ResponseData::new(200, vec![], "{}"), &vars).await;
        assert_eq!(found.expect("renders").len(), 1, "/pad is missing");
        assert!(small.json_parsed());
    }
}
