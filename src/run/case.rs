//! Running one case: its compiled steps in order, then teardown. Each answer is parsed at most
//! once (by whichever reader comes first) and shared by captures, checks, the oracle and
//! teardown; the exchange is recorded after them, its bodies cut. How an answer is judged is
//! `answer`'s, a burst `burst`'s, the reads that record or compare a session `reads`', and what
//! follows every judged write through `follow`'s.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use crate::check::{check_framing, check_global, schema_failure, Failure};
use crate::exchange::{Exchange, RequestData, Resource, ResponseData, TransportError};
use crate::http::{Attempt, Interrupts, Retried, RetryEnd};
use crate::plan::{
    Action, CasePlan, Guard, RenderError, RequestPlan, RequestStep, StepPlan, TValue,
};

use super::context::RunContext;
use super::held::Held;
use super::outcome::{CaseResult, Outcome};
use super::parses::Parses;
use super::request::{build, BuildError, Built};
use super::retrying::{attempt_exchanges, send_retrying};
use super::teardown::Teardown;
use super::together::set_up_group;
use super::vars::CaseVars;

/// How the steps ended, before teardown.
pub(super) enum Ending {
    /// The steps ran, or stopped at the first step with failures (the failures say which).
    Done,
    Error(String),
    Skip(String),
    Interrupted,
}

/// What a step says about the next one: go on, or stop the case with this ending.
pub(super) type Flow<T = ()> = ControlFlow<Ending, T>;

/// Runs a case whole: its steps, then its teardown.
pub async fn run_case(ctx: &RunContext, case: &CasePlan) -> CaseResult {
    run_steps(ctx, case).await.finish(ctx, case).await
}

/// A case whose steps have run: its teardown is left, and the verdict, which teardown changes
/// only by a server failure of its own (O13). The scheduler frees the case's slot here.
pub struct StepsDone {
    started: Instant,
    ending: Ending,
    exchanges: Vec<Exchange>,
    failures: Vec<Failure>,
    teardown: Teardown,
    throttled: Option<String>,
    retries: u32,
}

/// Runs a case's steps, not its teardown.
pub async fn run_steps(ctx: &RunContext, case: &CasePlan) -> StepsDone {
    let started = Instant::now();
    let vars = CaseVars::new(&ctx.vars, &case.vars);
    let held = Held::new(vars.made_session_names(&case.vars));
    let mut run = CaseRun {
        ctx,
        case,
        vars,
        statuses: vec![None; case.vars.statuses],
        exchanges: Vec::new(),
        failures: Vec::new(),
        teardown: Teardown::default(),
        held,
        throttled: None,
        retries: 0,
        parses: Parses::default(),
    };
    let ending = match run.steps().await {
        ControlFlow::Continue(()) => Ending::Done,
        ControlFlow::Break(ending) => ending,
    };
    let CaseRun {
        exchanges,
        failures,
        teardown,
        throttled,
        retries,
        ..
    } = run;
    StepsDone {
        started,
        ending,
        exchanges,
        failures,
        teardown,
        throttled,
        retries,
    }
}

impl StepsDone {
    /// Tears down what the steps made and gives the case's result.
    pub async fn finish(self, ctx: &RunContext, case: &CasePlan) -> CaseResult {
        let StepsDone {
            started,
            ending,
            mut exchanges,
            mut failures,
            teardown,
            throttled,
            mut retries,
        } = self;
        // Teardown runs whatever happened, and its server failures still count (O13).
        let (torn_down, teardown_retries) = teardown.run(ctx).await;
        retries += teardown_retries;
        for exchange in torn_down {
            if let Some(resp) = &exchange.response {
                let found = check_global(&exchange.request.method, resp).failures;
                failures.extend(
                    found
                        .into_iter()
                        .map(|f| ctx.oracle(f.at_step(&exchange.step))),
                );
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
            failures,
            exchanges,
            duration: started.elapsed(),
            retries,
            ..CaseResult::of(case, outcome, message)
        }
    }
}

/// The one-line message of a failed case: its first failure, and how many more.
fn summary(failures: &[Failure]) -> String {
    let Some(first) = failures.first() else {
        return String::new();
    };
    let more = match failures.len() {
        1 => String::new(),
        n => format!(" (+{} more)", n - 1),
    };
    format!("[{}] {}{more}", first.rule, first.message)
}

/// One case while it runs.
pub(super) struct CaseRun<'a> {
    pub ctx: &'a RunContext,
    pub case: &'a CasePlan,
    pub vars: CaseVars<'a>,
    /// The status each named request step of the case got (what `onlyIf` reads).
    pub statuses: Vec<Option<u16>>,
    pub exchanges: Vec<Exchange>,
    pub failures: Vec<Failure>,
    pub teardown: Teardown,
    /// The sessions and handles the case touched, as its answers told (the oracle's memory).
    pub held: Held,
    /// Why the case cannot be judged: a well-formed 429/503 outside a burst, still there after
    /// the retries the policy allows.
    pub throttled: Option<String>,
    /// Requests sent again after a throttled answer.
    pub retries: u32,
    /// The parses of the latest answers, for answers of the same bytes.
    pub parses: Parses,
}

impl CaseRun<'_> {
    async fn steps(&mut self) -> Flow {
        let steps = &self.case.steps;
        let mut at = 0;
        while let Some(step) = steps.get(at) {
            if self.ctx.is_interrupted() {
                return ControlFlow::Break(Ending::Interrupted);
            }
            // Independent set-up requests go out together (`together`); anything else, or a
            // group whose requests turn out to touch one resource, one step at a time.
            let group = set_up_group(steps, at);
            if !group.is_empty() && self.together(group).await? {
                at += group.len();
            } else {
                self.step(step).await?;
                at += 1;
            }
            if !self.failures.is_empty() {
                return ControlFlow::Break(Ending::Done);
            }
        }
        ControlFlow::Continue(())
    }

    async fn step(&mut self, step: &StepPlan) -> Flow {
        if let Some(why) = step.guard.as_ref().and_then(|g| self.guard_fails(g)) {
            if !matches!(step.action, Action::Export { .. }) {
                self.exchanges.push(skipped(step, &why));
            }
            return ControlFlow::Continue(());
        }
        match &step.action {
            Action::Export { vars } => self.export(step, vars),
            Action::Request(r) => match r.burst {
                None => self.request(step, r).await,
                Some(n) => self.burst(step, r, n).await,
            },
            Action::Snapshot { request, records } => self.snapshot(step, request, records).await,
            Action::Unchanged(u) => self.unchanged(step, u).await,
        }
    }

    /// A fixture's exports, set once its steps ran.
    pub(super) fn export(&mut self, step: &StepPlan, vars: &[(usize, TValue)]) -> Flow {
        for (slot, value) in vars.iter() {
            let rendered = value.render(&self.vars).map(|v| v.into_owned());
            match rendered {
                Ok(v) => self.vars.set(*slot, v),
                Err(e) => return ControlFlow::Break(render_ending(step, e)),
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

    /// One request step: sent, judged, recorded, then followed through.
    async fn request(&mut self, step: &StepPlan, r: &RequestStep) -> Flow {
        let built = self.build(step, &r.request)?;
        let (response, duration) = self.send(&step.label, &built.data).await?;
        self.answered(step, r, built, response, duration).await
    }

    /// A request step's answer: judged, recorded, then followed through.
    pub(super) async fn answered(
        &mut self,
        step: &StepPlan,
        r: &RequestStep,
        built: Built,
        response: ResponseData,
        duration: Duration,
    ) -> Flow {
        let before = self.failures.len();
        let (response, flow) = self.answer(step, r, None, &built, response).await;
        let passed = flow.is_continue() && self.failures.len() == before;
        let follow = passed.then(|| self.follow_plan(r, &built, &response));
        self.held.observe(&built, &response);
        let label = self.attempt_label(&step.label);
        self.record(&label, built.data, Some(response), None, duration);
        flow?;
        match follow {
            Some(plan) => self.follow_through(step, plan).await,
            None => ControlFlow::Continue(()),
        }
    }

    pub(super) fn build(&self, step: &StepPlan, request: &RequestPlan) -> Flow<Built> {
        match build(self.ctx, &self.vars, request) {
            Ok(b) if b.data.framing.is_wire() => {
                match self.ctx.client.wire_unsupported(&b.data.url) {
                    Some(why) => ControlFlow::Break(Ending::Skip(why)),
                    None => ControlFlow::Continue(b),
                }
            }
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
    pub(super) async fn send(
        &mut self,
        label: &str,
        data: &RequestData,
    ) -> Flow<(ResponseData, Duration)> {
        let retried = send_retrying(self.ctx, data, Interrupts::SendsAndWaits).await;
        self.take(label, data, retried)
    }

    /// What `send` makes of a request's attempts.
    pub(super) fn take(
        &mut self,
        label: &str,
        data: &RequestData,
        retried: Retried,
    ) -> Flow<(ResponseData, Duration)> {
        match self.settle(label, data, retried) {
            (RetryEnd::GaveUp(why), _) => {
                self.throttled = Some(why);
                ControlFlow::Break(Ending::Done)
            }
            (RetryEnd::Answered, Some(attempt)) => match attempt.result {
                Ok(response) => ControlFlow::Continue((response, attempt.duration)),
                Err(e) => {
                    let path = crate::exchange::url_path(&data.url);
                    let why = format!("{label} ({} {path}): {e}", data.method);
                    let label = self.attempt_label(label);
                    self.record(&label, data.clone(), None, Some(e), attempt.duration);
                    ControlFlow::Break(Ending::Error(why))
                }
            },
            _ => ControlFlow::Break(Ending::Interrupted),
        }
    }

    /// Counts a request's retries and records the attempts before its last; gives back how the
    /// retrying ended and, when it ended in an answer, that last attempt (not recorded yet).
    pub(super) fn settle(
        &mut self,
        label: &str,
        data: &RequestData,
        retried: Retried,
    ) -> (RetryEnd, Option<Attempt>) {
        self.retries += retried.retries();
        let mut attempts = retried.attempts;
        let answer = match retried.end {
            RetryEnd::Answered => attempts.pop(),
            _ => None,
        };
        self.exchanges
            .extend(attempt_exchanges(self.ctx, label, data, attempts));
        (retried.end, answer)
    }

    /// The label of a step's next exchange: its label, or `<label> (attempt N)` after retries.
    pub(super) fn attempt_label(&self, label: &str) -> String {
        let before = self
            .exchanges
            .iter()
            .filter(|e| super::retrying::step_of(&e.step) == label)
            .count();
        match before {
            0 => label.to_string(),
            n => format!("{label} (attempt {})", n + 1),
        }
    }

    pub(super) fn record(
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
    pub(super) fn exchange(
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

    /// The checks every answer gets, said of the exchange `label`: their failures are
    /// recorded. Whether one failed, and whether the answer was a well-formed 429/503 (which
    /// says nothing about the rules: outside a burst, the case cannot be judged).
    pub(super) fn global(
        &mut self,
        label: &str,
        data: &RequestData,
        response: &ResponseData,
    ) -> (bool, Option<String>) {
        let global = check_global(&data.method, response);
        let broke = !global.failures.is_empty();
        self.oracle_failures(label, global.failures);
        (broke, global.throttled)
    }

    /// The global checks of a step's answer: a well-formed 429/503 ends the case as one that
    /// cannot be judged. Continues with whether a global check failed.
    pub(super) fn global_or_throttled(
        &mut self,
        label: &str,
        data: &RequestData,
        response: &ResponseData,
    ) -> Flow<bool> {
        match self.global(label, data, response) {
            (_, Some(why)) => {
                self.throttled = Some(why);
                ControlFlow::Break(Ending::Done)
            }
            (broke, None) => ControlFlow::Continue(broke),
        }
    }

    /// What the oracle holds every answer to besides the global checks — its shape (a session
    /// document, a handle document) and its framing — failures recorded at `label`.
    pub(super) fn shape(
        &mut self,
        label: &str,
        data: &RequestData,
        resource: &Resource,
        response: &ResponseData,
    ) {
        // An answer of the same bytes as a recent one takes its parse and its match (`parses`).
        let ctx = self.ctx;
        let schema = ctx.shapes.schema_for(&data.method, resource, response);
        let recalled = self.parses.recall(response, schema.map(|(_, s)| s));
        let shape = match schema {
            Some(_) if recalled.matches => None,
            Some((rule, s)) => schema_failure(rule, s, response),
            None => None,
        };
        if !recalled.adopted {
            let matched = schema.filter(|_| shape.is_none()).map(|(_, s)| s);
            self.parses.keep(response, matched);
        }
        let found: Vec<Failure> = shape
            .into_iter()
            .chain(check_framing(&data.framing, response))
            .collect();
        if !found.is_empty() {
            self.oracle_failures(label, found);
        }
    }

    /// Records `found` as failures of the oracle at `label`: each gates with its rule's own
    /// severity.
    pub(super) fn oracle_failures(&mut self, label: &str, found: Vec<Failure>) {
        for f in found {
            let f = self.ctx.oracle(f.at_step(label));
            self.push_failure(f);
        }
    }
}

impl CaseRun<'_> {
    /// Records a failure, unless the same one is recorded at the same step (the oracle and the
    /// case's own expectation may both find a broken shape).
    pub(super) fn push_failure(&mut self, f: Failure) {
        let same =
            |g: &Failure| g.rule == f.rule && g.expectation == f.expectation && g.step == f.step;
        if !self.failures.iter().any(same) {
            self.failures.push(f);
        }
    }
}

pub(super) fn missing_caller(who: &str) -> Ending {
    Ending::Skip(format!(
        "needs caller `{who}`, who was not given (set CONFORMANCE_AUTH_{} and CONFORMANCE_XUID_{})",
        who.to_uppercase(),
        who.to_uppercase()
    ))
}

pub(super) fn render_ending(step: &StepPlan, e: RenderError) -> Ending {
    match e {
        RenderError::MissingCaller(who) => missing_caller(&who),
        RenderError::Unset(why) => Ending::Error(format!("{}: {why}", step.label)),
    }
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
