//! Set-up requests that go out together. A case's set-up (its fixtures' requests, and requests
//! without `expect`) is a sequence, and most of it depends on what came before: a join needs the
//! handle a fixture captured, a second write to a session needs the first one stored. What the
//! case format makes independent by construction is narrower, and this module sends only that at
//! once, one round trip instead of several:
//!
//! - consecutive plain set-up requests (no `expect`, `burst`, `parallel`, `onlyIf` or `wire`),
//!   with the exports of the fixtures they belong to between them;
//! - none of which reads a variable an earlier one of them sets (a capture, a fixture's export):
//!   checked on the plans, where every `{{…}}` names its slot;
//! - and which touch different resources, checked on the requests as built: each names its own
//!   session (a fixture's fresh name), or creates a handle. Creating a handle reads no session (a
//!   handle may dangle, CONTRACT §1 R3), so the `session` fixture's create and its invite handle
//!   go together, as do two fixtures' sessions. A request through a handle (`/handles/{id}/…`)
//!   touches a session the answers have not named yet: it goes alone, as does anything else.
//!
//! Their answers are then taken in the steps' order, each as if it had been sent alone (judged,
//! captured, recorded, followed through); once one ends the case, the others are only recorded,
//! and what they created is still torn down.

use std::collections::BTreeSet;
use std::ops::ControlFlow;
use std::sync::Arc;

use futures_util::future::join_all;

use crate::exchange::Resource;
use crate::http::{Interrupts, Retried};
use crate::plan::template::Src;
use crate::plan::{Action, RequestPlan, RequestStep, StepPlan};

use super::case::{CaseRun, Flow};
use super::request::Built;
use super::retrying::send_retrying;

/// The steps from `at` that may go together: at least two set-up requests, or none.
pub(super) fn set_up_group(steps: &[Arc<StepPlan>], at: usize) -> &[Arc<StepPlan>] {
    let rest = steps.get(at..).unwrap_or_default();
    let mut set = BTreeSet::new();
    let mut requests = 0;
    let mut end = 0;
    for step in rest {
        if step.guard.is_some() {
            break;
        }
        match &step.action {
            Action::Request(r) if plain_set_up(r) => {
                if reads_any(&r.request, &set) {
                    break;
                }
                set.extend(r.captures.iter().map(|c| c.slot));
                set.extend(r.status_slot);
                requests += 1;
            }
            Action::Export { vars } => set.extend(vars.iter().map(|(slot, _)| *slot)),
            _ => break,
        }
        end += 1;
    }
    if requests < 2 {
        return &[];
    }
    rest.get(..end).unwrap_or_default()
}

fn plain_set_up(r: &RequestStep) -> bool {
    r.expect.is_none() && r.burst.is_none() && r.copies.is_empty() && !r.request.framing.is_wire()
}

/// Whether `request` reads any of `slots`.
fn reads_any(request: &RequestPlan, slots: &BTreeSet<usize>) -> bool {
    let mut reads = false;
    request.for_each_source(&mut |src| {
        reads |= matches!(src, Src::Slot(slot) if slots.contains(slot));
    });
    reads
}

/// Whether the built requests touch different resources (see the module's doc).
fn independent<'a>(built: impl IntoIterator<Item = &'a Built>) -> bool {
    let mut sessions = BTreeSet::new();
    let mut handles = BTreeSet::new();
    for b in built {
        let fresh = match &b.resource {
            Resource::SessionByName(key) => sessions.insert(key),
            Resource::Handles => b.data.method == "POST",
            Resource::Handle(id) => handles.insert(id),
            Resource::SessionByHandle(_) | Resource::Other => false,
        };
        if !fresh {
            return false;
        }
    }
    true
}

impl CaseRun<'_> {
    /// Sends the requests of `group` together and takes their answers in order. `false` (nothing
    /// sent) when, as built, they are not independent: the steps then go one at a time.
    pub(super) async fn together(&mut self, group: &[Arc<StepPlan>]) -> Flow<bool> {
        let mut requests = Vec::new();
        for step in group {
            if let Action::Request(r) = &step.action {
                // One that cannot be built is left to the step-by-step path, which says why
                // after the requests before it, as always.
                match self.build(step, &r.request) {
                    ControlFlow::Continue(built) => requests.push((step, r, built)),
                    ControlFlow::Break(_) => return ControlFlow::Continue(false),
                }
            }
        }
        if !independent(requests.iter().map(|(_, _, b)| b)) {
            return ControlFlow::Continue(false);
        }
        let ctx = self.ctx;
        let sent = join_all(
            requests
                .iter()
                .map(|(_, _, b)| send_retrying(ctx, &b.data, Interrupts::SendsAndWaits)),
        )
        .await;
        let mut answers = requests.into_iter().zip(sent);
        let mut flow = ControlFlow::Continue(());
        for step in group {
            match &step.action {
                Action::Export { vars } => flow = self.export(step, vars),
                Action::Request(_) => {
                    let Some(((_, r, built), retried)) = answers.next() else {
                        break;
                    };
                    flow = match self.take(&step.label, &built.data, retried) {
                        ControlFlow::Continue((response, duration)) => {
                            self.answered(step, r, built, response, duration).await
                        }
                        ControlFlow::Break(ending) => ControlFlow::Break(ending),
                    };
                }
                _ => {}
            }
            // As one step at a time would: a failure stops the case after its step.
            if flow.is_break() || !self.failures.is_empty() {
                break;
            }
        }
        // Sent beside a request that ended the case: recorded, and torn down.
        for ((step, r, built), retried) in answers {
            self.left_over(&step.label, r, built, retried);
        }
        flow?;
        ControlFlow::Continue(true)
    }

    /// A request of a group whose answer the case no longer takes.
    fn left_over(&mut self, label: &str, r: &RequestStep, built: Built, retried: Retried) {
        let (_, answer) = self.settle(label, &built.data, retried);
        let Some(answer) = answer else { return };
        let label = self.attempt_label(label);
        match answer.result {
            Ok(response) => {
                self.teardown
                    .track(&self.ctx.base_url, &built, r.request.joins, &response);
                self.record(&label, built.data, Some(response), None, answer.duration);
            }
            Err(e) => self.record(&label, built.data, None, Some(e), answer.duration),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseSource;
    use crate::exchange::RequestData;
    use crate::plan::load;

    fn steps_of(id: &str) -> Box<[Arc<StepPlan>]> {
        let set = load(&CaseSource::embedded(), None).unwrap();
        let case = set.cases.iter().find(|c| c.id == id).unwrap();
        case.steps.clone()
    }

    #[test]
    fn a_fixtures_create_and_handle_group_but_a_step_reading_its_capture_does_not() {
        // `session` fixture (create, handle, export), then a set-up write through `s.handle`.
        let steps = steps_of("body/active-after-ready");
        let labels: Vec<&str> = set_up_group(&steps, 0).iter().map(|s| &*s.label).collect();
        assert_eq!(labels.len(), 3, "{labels:?}");
        assert_eq!(labels.first(), Some(&"s#create"));
        assert_eq!(labels.get(1), Some(&"s#handle"));
        // From the handle on, the next request reads what the handle captured: alone.
        assert!(set_up_group(&steps, 1).is_empty());
    }

    fn built(method: &str, path: &str) -> Built {
        let data = RequestData {
            method: method.into(),
            ..RequestData::default()
        };
        Built::new(data, path.into())
    }

    #[test]
    fn only_requests_on_different_resources_are_independent() {
        let session =
            |name: &str| format!("/serviceconfigs/S/sessionTemplates/lobby/sessions/{name}");
        let create = built("PUT", &session("one"));
        let handle = built("POST", "/handles");
        assert!(independent([
            &create,
            &handle,
            &built("PUT", &session("two"))
        ]));
        assert!(!independent([&create, &built("GET", &session("ONE"))]));
        let by_handle = built(
            "PUT",
            "/handles/0e6f1f4e-0000-4000-8000-000000000001/session",
        );
        assert!(!independent([&handle, &by_handle]));
        assert!(!independent([&create, &built("GET", "/handles")]));
    }
}
