//! Running one case: its steps in order, captures, judgement, then teardown.

use std::time::Instant;

use serde_json::Value;

use crate::case::{Action, Capture, Expect, Scope};
use crate::check::{check_global, judge, Failure};
use crate::http::{Exchange, RequestData, ResponseData};
use crate::plan::CaseInstance;

use super::context::RunContext;
use super::outcome::{CaseResult, Outcome};
use super::request::{build, BuildError};
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

pub async fn run_case(ctx: &RunContext, case: &CaseInstance) -> CaseResult {
    let started = Instant::now();
    let mut vars = CaseVars::new(&ctx.vars, case.variant.as_ref());
    let mut exchanges = Vec::new();
    let mut failures = Vec::new();
    let mut teardown = Teardown::default();
    let mut throttled = None;

    let ending = run_steps(
        ctx,
        case,
        &mut vars,
        &mut exchanges,
        &mut failures,
        &mut teardown,
        &mut throttled,
    )
    .await;
    // Teardown runs whatever happened, and its server failures still count (O13).
    for exchange in teardown.run(ctx).await {
        if let Some(resp) = &exchange.response {
            let found = check_global(resp).failures;
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

#[allow(clippy::too_many_arguments)]
async fn run_steps(
    ctx: &RunContext,
    case: &CaseInstance,
    vars: &mut CaseVars<'_>,
    exchanges: &mut Vec<Exchange>,
    failures: &mut Vec<Failure>,
    teardown: &mut Teardown,
    throttled: &mut Option<String>,
) -> Ending {
    for step in case.steps.iter() {
        if ctx.is_interrupted() {
            return Ending::Interrupted;
        }
        let (request, expect, captures) = match &step.action {
            Action::Export { vars: exports } => {
                let Some(ns) = &step.capture_ns else { continue };
                for (key, value) in exports {
                    match vars.render(&step.scope, value) {
                        Ok(v) => vars.set(format!("{ns}.{key}"), v),
                        Err(e) => return Ending::Error(format!("{}: {e}", step.label)),
                    }
                }
                continue;
            }
            Action::Request {
                request,
                expect,
                captures,
            } => (request, expect, captures),
        };
        let data = match build(ctx, vars, &step.scope, request) {
            Ok(d) => d,
            Err(BuildError::MissingIdentity(who)) => {
                return Ending::Skip(format!(
                    "needs caller `{who}`, who was not given (set CONFORMANCE_AUTH_{} and CONFORMANCE_XUID_{})",
                    who.to_uppercase(),
                    who.to_uppercase()
                ))
            }
            Err(BuildError::Render(e)) => return Ending::Error(format!("{}: {e}", step.label)),
        };
        let sent = tokio::select! {
            r = ctx.client.send(&data) => Some(r),
            _ = wait_interrupt(ctx) => None,
        };
        let Some((result, duration)) = sent else {
            return Ending::Interrupted;
        };
        let (response, error) = match result {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e)),
        };
        exchanges.push(Exchange {
            step: step.label.clone(),
            request: data.clone(),
            response: response.clone(),
            error: error.clone(),
            duration,
        });
        let Some(response) = response else {
            let why = error.map(|e| e.to_string()).unwrap_or_default();
            return Ending::Error(format!(
                "{} ({} {}): {why}",
                step.label,
                data.method,
                path_of(&data)
            ));
        };
        teardown.track(ctx, &data, &response);

        let global = check_global(&response);
        let broke_globally = !global.failures.is_empty();
        failures.extend(global.failures.into_iter().map(|f| f.at_step(&step.label)));
        if global.throttled.is_some() {
            // A well-formed 429/503 says nothing about the rules: the case cannot be judged.
            *throttled = global.throttled;
            return Ending::Done;
        }
        if let Some(ns) = &step.capture_ns {
            for (key, capture) in captures {
                if let Some(v) = captured(capture, &response) {
                    vars.set(format!("{ns}.{key}"), v);
                }
            }
        }
        match expect {
            Some(expect) => match render_expect(vars, &step.scope, expect) {
                Ok(expect) => failures.extend(
                    judge(&expect, &case.rules, &response, &ctx.schemas)
                        .into_iter()
                        .map(|f| f.at_step(&step.label)),
                ),
                Err(e) => return Ending::Error(format!("{}: {e}", step.label)),
            },
            None if !(200..300).contains(&response.status) && !broke_globally => {
                return Ending::Error(format!(
                    "set-up step {} ({} {}) got {}: the world this case needs could not be built{}",
                    step.label,
                    data.method,
                    path_of(&data),
                    response.status,
                    excerpt(&response)
                ));
            }
            None => {}
        }
        if !failures.is_empty() {
            return Ending::Done;
        }
    }
    Ending::Done
}

async fn wait_interrupt(ctx: &RunContext) {
    while !ctx.is_interrupted() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn render_expect(
    vars: &mut CaseVars<'_>,
    scope: &Scope,
    expect: &Expect,
) -> Result<Expect, String> {
    let raw = serde_json::to_value(expect).map_err(|e| e.to_string())?;
    let rendered = vars.render(scope, &raw)?;
    serde_json::from_value(rendered)
        .map_err(|e| format!("the rendered expectation is invalid: {e}"))
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

fn excerpt(response: &ResponseData) -> String {
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
