//! Judging one answer of a request step — a single request's, or one copy of a burst's: what it
//! created (teardown), the global checks, its status (for `onlyIf`), its captures, then the
//! step's expectations; or, for a set-up step, the outcome its resource documents.

use std::ops::ControlFlow;
use std::sync::Arc;

use serde_json::Value;

use crate::check::{judge, judge_set_up, Failure, SetUp, SetUpVerdict};
use crate::exchange::{is_nocommit, is_write, Resource, ResponseData, BODY_LIMIT};
use crate::plan::{CaptureFrom, ExpectPlan, Joins, RenderError, RequestStep, StepPlan};

use super::case::{render_ending, CaseRun, Ending, Flow};
use super::held::State;
use super::request::Built;
use super::vars::CaseVars;

impl CaseRun<'_> {
    /// Everything one answer of a request step says. `copy` is the index of a burst's copy.
    pub(super) async fn answer(
        &mut self,
        step: &StepPlan,
        r: &RequestStep,
        copy: Option<usize>,
        built: &Built,
        response: ResponseData,
    ) -> (ResponseData, Flow) {
        let label = match copy {
            Some(i) => format!("{}[{i}]", step.label),
            None => step.label.to_string(),
        };
        self.teardown
            .track(&self.ctx.base_url, built, r.request.joins, &response);
        let before = self.failures.len();
        let broke_globally = match copy {
            // A burst provokes throttling on purpose: its copies are judged, never "throttled".
            Some(_) => {
                let (broke, _) = self.global(&label, &built.data, &response);
                for f in self.failures.iter_mut().skip(before) {
                    f.message = format!("{label}: {}", f.message);
                }
                broke
            }
            None => match self.global_or_throttled(&label, &built.data, &response) {
                ControlFlow::Continue(broke) => broke,
                ControlFlow::Break(ending) => return (response, ControlFlow::Break(ending)),
            },
        };
        self.shape(&label, &built.data, &built.resource, &response);
        if copy.is_none() {
            if let Some(slot) = r.status_slot {
                if let Some(s) = self.statuses.get_mut(slot) {
                    *s = Some(response.status);
                }
            }
            if let ControlFlow::Break(ending) = self.captures(step, r, built, &response) {
                return (response, ControlFlow::Break(ending));
            }
        }
        let Some(expect) = &r.expect else {
            let flow = self.set_up(&label, built, r.request.joins, &response, broke_globally);
            return (response, flow);
        };
        self.vars.set_burst_index(copy);
        let (response, judged) = judged(expect, response, &self.vars).await;
        self.vars.set_burst_index(None);
        let flow = match judged {
            Ok(found) => {
                for f in found {
                    let f = match copy {
                        Some(_) => labelled(&label, f),
                        None => f.at_step(&label),
                    };
                    self.push_failure(f);
                }
                ControlFlow::Continue(())
            }
            Err(e) => ControlFlow::Break(render_ending(step, e)),
        };
        (response, flow)
    }

    /// A step's captures, read off its answer. A capture the contract promises (a session's
    /// ETag or changeNumber on 200/201, a created handle's id) that is not there fails its rule
    /// here, at the step that should have carried it, rather than leaving a variable unset.
    fn captures(
        &mut self,
        step: &StepPlan,
        r: &RequestStep,
        built: &Built,
        response: &ResponseData,
    ) -> Flow {
        for capture in r.captures.iter() {
            let (value, missing) = match &capture.from {
                CaptureFrom::Header(name) => (
                    response.header(name).map(|v| Value::String(v.to_string())),
                    format!("the `{name}` header"),
                ),
                CaptureFrom::Pointer(pointer) => {
                    let pointer = match pointer.render(&self.vars) {
                        Ok(p) => p.into_owned(),
                        Err(e) => return ControlFlow::Break(render_ending(step, e)),
                    };
                    let missing = format!("`{pointer}` in the body");
                    (response.pointer(&pointer), missing)
                }
                CaptureFrom::Status => (Some(Value::from(response.status)), String::new()),
            };
            match value {
                Some(v) => self.vars.set(capture.slot, v),
                None => {
                    if let Some(f) = promised(&capture.from, built, response, &missing) {
                        self.oracle_failures(&step.label, vec![f]);
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// A set-up step's answer, judged by the outcome its resource documents: a broken one fails
    /// that rule "at set-up"; an answer nothing documents (a 2xx-only request refused) ends the
    /// case as an error, unless a global check already failed it.
    fn set_up(
        &mut self,
        label: &str,
        built: &Built,
        joins: Joins,
        response: &ResponseData,
        broke_globally: bool,
    ) -> Flow {
        if broke_globally {
            return ControlFlow::Continue(());
        }
        let what = self.set_up_kind(built, joins);
        match judge_set_up(what, response) {
            SetUpVerdict::Judged(found) => {
                self.oracle_failures(label, found);
                ControlFlow::Continue(())
            }
            SetUpVerdict::Undocumented => {
                ControlFlow::Break(set_up_refused(label, built, response))
            }
        }
    }

    /// What a set-up request asks of its resource, from what the case holds.
    pub(super) fn set_up_kind(&mut self, built: &Built, joins: Joins) -> SetUp {
        let method = built.data.method.as_str();
        match (method, &built.resource) {
            ("PUT", r) if r.is_session() && !is_nocommit(&built.path) => {
                let mut creating = self
                    .held
                    .session_of_built(built)
                    .and_then(|key| self.held.session(&key).map(|s| s.state.clone()))
                    .and_then(|state| match state {
                        State::Absent => Some(true),
                        State::Present { .. } => Some(false),
                        State::Unknown => None,
                    });
                if built
                    .data
                    .header("if-none-match")
                    .is_some_and(|v| v.trim() == "*")
                {
                    creating = Some(true);
                }
                let joins = match joins {
                    Joins::Yes => true,
                    Joins::No => false,
                    Joins::AsSent => serde_json::from_slice::<Value>(&built.data.body)
                        .is_ok_and(|b| crate::plan::joins_value(&b)),
                };
                SetUp::SessionWrite { creating, joins }
            }
            ("GET", Resource::SessionByName(_)) => SetUp::SessionRead { by_name: true },
            ("GET", Resource::SessionByHandle(_)) => SetUp::SessionRead { by_name: false },
            ("POST", Resource::Handles) => SetUp::HandleCreate,
            ("DELETE", Resource::Handle(_)) => SetUp::HandleDelete,
            ("GET", Resource::Handle(_)) => SetUp::HandleRead,
            (m, _) if !is_write(m) => SetUp::Other,
            _ => SetUp::Other,
        }
    }
}

/// The failure of a capture the contract promises, or `None` when nothing promises it.
fn promised(
    from: &CaptureFrom,
    built: &Built,
    response: &ResponseData,
    missing: &str,
) -> Option<Failure> {
    let status = response.status;
    let rule = match (from, &built.resource, status) {
        (CaptureFrom::Header(name), r, 200 | 201)
            if r.is_session() && name.eq_ignore_ascii_case("etag") =>
        {
            match (built.data.method.as_str(), status) {
                ("PUT", 201) => "O2",
                ("PUT", _) => "O1",
                _ => "O16",
            }
        }
        (CaptureFrom::Pointer(_), r, 200 | 201) if r.is_session() => "SH1",
        (CaptureFrom::Pointer(_), Resource::Handles, 200..=299) => "SH3",
        _ => return None,
    };
    Some(Failure::new(
        rule,
        format!("the answer carries {missing}"),
        format!("the answer ({status}) has no {missing}, which the contract promises"),
    ))
}

/// Judges `response` against `expect`. A big answer is judged on the blocking pool — its parse,
/// schema validation and diffs — against a snapshot of the variables, so the runtime's thread
/// goes on serving every other case meanwhile.
pub(super) async fn judged(
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

pub(super) fn set_up_refused(label: &str, built: &Built, response: &ResponseData) -> Ending {
    Ending::Error(format!(
        "set-up step {label} ({} {}) got {}: the world this case needs could not be built{}",
        built.data.method,
        crate::exchange::url_path(&built.data.url),
        response.status,
        crate::text::excerpt::inline(&response.body)
    ))
}

/// A failure of one answer of a burst, named by it.
fn labelled(label: &str, mut f: Failure) -> Failure {
    f.message = format!("{label}: {}", f.message);
    f.at_step(label)
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
