//! The steps that read a session to record it (`snapshot`) or to compare it with what was
//! recorded (`unchanged`).

use std::ops::ControlFlow;

use serde_json::Value;

use crate::check::{judge_set_up, judge_unchanged, Recorded, SetUp, SetUpVerdict};
use crate::exchange::Resource;
use crate::plan::{RequestPlan, Snapshot, StepPlan, UnchangedForm, UnchangedStep};

use super::answer::set_up_refused;
use super::case::{CaseRun, Ending, Flow};

impl CaseRun<'_> {
    /// Reads a path and records what it found: `path`, `status`, and on 200 `etag` and
    /// `changeNumber`. Like any set-up read of a session, an answer other than 200 or 204 fails
    /// the rule of the read (R2, R5) "at set-up".
    pub(super) async fn snapshot(
        &mut self,
        step: &StepPlan,
        request: &RequestPlan,
        slots: &Snapshot,
    ) -> Flow {
        let built = self.build(step, request)?;
        let (response, duration) = self.send(&step.label, &built.data).await?;
        let flow = (|| {
            if self.global_or_throttled(&step.label, &built.data, &response)? {
                return ControlFlow::Continue(());
            }
            self.shape(&step.label, &built.data, &built.resource, &response);
            let by_name = matches!(built.resource, Resource::SessionByName(_));
            match judge_set_up(SetUp::SessionRead { by_name }, &response) {
                SetUpVerdict::Judged(found) if !found.is_empty() => {
                    self.oracle_failures(&step.label, found);
                    return ControlFlow::Continue(());
                }
                SetUpVerdict::Judged(_) => {}
                SetUpVerdict::Undocumented => {
                    return ControlFlow::Break(set_up_refused(&step.label, &built, &response))
                }
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
        self.held.observe(&built, &response);
        let label = self.attempt_label(&step.label);
        self.record(&label, built.data, Some(response), None, duration);
        flow
    }

    /// Reads a namespace's path back and demands what it recorded.
    pub(super) async fn unchanged(&mut self, step: &StepPlan, u: &UnchangedStep) -> Flow {
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
        let (response, duration) = self.send(&step.label, &built.data).await?;
        let flow = (|| {
            self.global_or_throttled(&step.label, &built.data, &response)?;
            self.shape(&step.label, &built.data, &built.resource, &response);
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
        self.held.observe(&built, &response);
        let label = self.attempt_label(&step.label);
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
}
