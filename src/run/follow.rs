//! Following every judged write through, whatever the case wrote next: the oracle reads the
//! world back. After a refused write (any 4xx but 429) or one that stores nothing (`nocommit`),
//! every session and handle the case holds reads back as it was; after an accepted write, the
//! session reads back by every handle the case holds to it, and by name where the case used its
//! name, with the same ETag and document (O16); a created handle reads back with every field it
//! was answered with, a deleted one is gone (R4). The reads are exchanges of the transcript; a
//! failure names the rule the step checks (O16 and R4 for what an accepted write promises).

use std::ops::ControlFlow;
use std::sync::Arc;

use serde_json::Value;

use crate::case::Severity;
use crate::check::{
    judge_handle_fields, judge_handle_gone, judge_same_document, judge_same_session,
    judge_unchanged, Answered, Failure, Recorded,
};
use crate::exchange::{commit_of, is_write, Commit, RequestData, Resource, ResponseData};
use crate::plan::{RequestStep, StepPlan};

use super::case::{CaseRun, Flow};
use super::held::State;
use super::request::Built;

/// The reads that follow one write through.
#[derive(Debug, Default)]
pub(super) struct FollowPlan {
    reads: Vec<Read>,
    /// The rule the reads' failures name.
    rule: String,
    /// Whether a failure gates at least as `should` (a refused write that stored anything is
    /// never a form the contract leaves open), else with its rule's severity.
    at_least_should: bool,
}

#[derive(Debug)]
struct Read {
    /// What the transcript calls it, after the step's label.
    what: String,
    path: String,
    check: Check,
}

#[derive(Debug)]
enum Check {
    /// The session is as the case held it: there with this ETag and changeNumber, or absent.
    Unchanged(State),
    /// The session is the one the write answered.
    AsAnswered(ResponseData),
    /// The handle is there, with every field of its creation's answer.
    HandleKept(Arc<Value>),
    /// The handle is gone.
    HandleGone,
}

impl CaseRun<'_> {
    /// What to read after `built` got `response`, from what the case holds now (before the
    /// answer is learnt). Nothing for a read, a throttled or failing answer, or a step that opts
    /// out.
    pub(super) fn follow_plan(
        &mut self,
        r: &RequestStep,
        built: &Built,
        response: &ResponseData,
    ) -> FollowPlan {
        let method = built.data.method.as_str();
        let status = response.status;
        if !r.read_back || !is_write(method) || status == 429 || status >= 500 {
            return FollowPlan::default();
        }
        let resource = &built.resource;
        if r.expect.is_none() {
            // A set-up step is not judged; what it created is still read back.
            return match resource {
                Resource::Handles if method == "POST" => self.handle_created(response),
                _ => FollowPlan::default(),
            };
        }
        let step_rule = r
            .expect
            .as_ref()
            .and_then(|e| e.status.as_ref().map(|s| s.rule.to_string()))
            .or_else(|| self.case.rules.first().cloned())
            .unwrap_or_default();
        let commit = commit_of(&built.path);
        if commit == Commit::Open {
            // Whether it stored anything is the server's choice: nothing to compare with.
            return FollowPlan::default();
        }
        let nocommit = method == "PUT" && commit == Commit::Nothing;
        if (400..500).contains(&status) || nocommit {
            // Whatever the request addressed is held from now on: a refused create by name
            // must leave its session absent.
            let _ = self.held.session_of_built(built);
            let rule = if nocommit && (200..300).contains(&status) {
                "B10".to_string()
            } else {
                step_rule
            };
            return self.everything_unchanged(rule);
        }
        if !(200..300).contains(&status) {
            return FollowPlan::default();
        }
        match resource {
            Resource::Handles if method == "POST" => self.handle_created(response),
            Resource::Handle(id) if method == "DELETE" => {
                // The handle is gone, and no session went with it (a handle may dangle).
                let mut reads = vec![Read {
                    what: "read-back R4".into(),
                    path: format!("/handles/{id}"),
                    check: Check::HandleGone,
                }];
                reads.extend(self.sessions_unchanged());
                FollowPlan {
                    reads,
                    rule: "R4".into(),
                    at_least_should: false,
                }
            }
            r if r.is_session() && method == "PUT" && matches!(status, 200 | 201 | 204) => {
                self.session_as_answered(built, response)
            }
            _ => FollowPlan::default(),
        }
    }

    /// Every session the case holds whose state it knows, read back as it holds it.
    fn sessions_unchanged(&self) -> impl Iterator<Item = Read> + '_ {
        self.held
            .sessions
            .iter()
            .filter(|s| s.state != State::Unknown)
            .map(|s| Read {
                what: format!("unchanged {}", short_name(&s.path)),
                path: s.path.clone(),
                check: Check::Unchanged(s.state.clone()),
            })
    }

    /// Every session and handle the case holds, as it holds them.
    fn everything_unchanged(&self, rule: String) -> FollowPlan {
        let mut reads: Vec<Read> = self.sessions_unchanged().collect();
        for h in &self.held.handles {
            reads.push(Read {
                what: format!("unchanged handle {}", h.id),
                path: format!("/handles/{}", h.id),
                check: if h.alive {
                    Check::HandleKept(Arc::clone(&h.doc))
                } else {
                    Check::HandleGone
                },
            });
        }
        FollowPlan {
            reads,
            rule,
            at_least_should: true,
        }
    }

    /// A created handle, read back.
    fn handle_created(&self, response: &ResponseData) -> FollowPlan {
        let Some(doc) = response.json_shared().filter(|d| d.is_object()) else {
            return FollowPlan::default();
        };
        let Some(id) = doc.get("id").and_then(Value::as_str) else {
            return FollowPlan::default();
        };
        FollowPlan {
            reads: vec![Read {
                what: "read-back R4".into(),
                path: format!("/handles/{id}"),
                check: Check::HandleKept(Arc::clone(&doc)),
            }],
            rule: "R4".into(),
            at_least_should: false,
        }
    }

    /// The session an accepted write answered, read by the path the write used, by every
    /// handle the case holds to it, and by name where the case used its name.
    fn session_as_answered(&mut self, built: &Built, response: &ResponseData) -> FollowPlan {
        let own = built
            .path
            .split('?')
            .next()
            .unwrap_or(&built.path)
            .to_string();
        let mut paths = vec![(own.clone(), Resource::of(&own))];
        if let Some(key) = self.held.session_of_built(built) {
            for h in self.held.handles_of(&key) {
                paths.push((
                    format!("/handles/{}/session", h.id),
                    Resource::SessionByHandle(h.id.to_ascii_lowercase()),
                ));
            }
            if let Some(s) = self.held.session(&key).filter(|s| s.used_by_name) {
                paths.push((s.path.clone(), Resource::SessionByName(key.clone())));
            }
        }
        let mut seen = Vec::new();
        let mut reads = Vec::new();
        let mut by_handle = 0;
        for (path, resource) in paths {
            if seen.contains(&resource) {
                continue;
            }
            let what = match &resource {
                Resource::SessionByName(_) => "read-back R5".to_string(),
                _ => {
                    by_handle += 1;
                    match by_handle {
                        1 => "read-back R2".to_string(),
                        n => format!("read-back R2 #{n}"),
                    }
                }
            };
            seen.push(resource);
            reads.push(Read {
                what,
                path,
                check: Check::AsAnswered(response.clone()),
            });
        }
        FollowPlan {
            reads,
            rule: "O16".into(),
            at_least_should: false,
        }
    }

    /// Sends the reads of `plan` as caller `a` (or as the step's caller when `a` was not
    /// given), each judged as it comes.
    pub(super) async fn follow_through(&mut self, step: &StepPlan, plan: FollowPlan) -> Flow {
        for read in plan.reads {
            let handle = matches!(read.check, Check::HandleKept(_) | Check::HandleGone);
            let Some(auth) = self.reader(handle) else {
                return ControlFlow::Continue(());
            };
            let label = format!("{} ({})", step.label, read.what);
            let data = RequestData {
                method: "GET".into(),
                url: format!("{}{}", self.ctx.base_url, read.path),
                headers: self.ctx.headers.build(false, Some(&auth)),
                body: Default::default(),
                truncated: false,
                framing: Default::default(),
            };
            let built = Built::new(data, read.path);
            let (response, duration) = self.send(&label, &built.data).await?;
            let (broke, throttled) = self.global(&label, &built.data, &response);
            self.shape(&label, &built.data, &built.resource, &response);
            if !broke && throttled.is_none() {
                let found = judge(&read.check, &response, &plan.rule);
                let severity = |f: &Failure| {
                    let own = self.ctx.severity_of(&f.rule);
                    if plan.at_least_should {
                        own.min(Severity::Should)
                    } else {
                        own
                    }
                };
                let found: Vec<Failure> = found
                    .into_iter()
                    .map(|f| {
                        let s = severity(&f);
                        f.at_step(&label).gating_as(s)
                    })
                    .collect();
                self.failures.extend(found);
            }
            self.held.observe(&built, &response);
            let label = self.attempt_label(&label);
            self.record(&label, built.data, Some(response), None, duration);
        }
        ControlFlow::Continue(())
    }

    /// The Authorization the oracle reads with: caller `a`'s, else any given caller's. A handle
    /// is read by `b` when given — the one an invite names: a handle is the same document for
    /// every reader, and a server that renders it for its reader shows it.
    fn reader(&self, handle: bool) -> Option<String> {
        let given = |name: &str| {
            self.ctx
                .identities
                .get(name)
                .and_then(|i| i.authorization.clone())
        };
        let first = if handle { given("b") } else { None };
        first.or_else(|| given("a")).or_else(|| {
            self.ctx
                .identities
                .values()
                .find_map(|i| i.authorization.clone())
        })
    }
}

fn judge(check: &Check, response: &ResponseData, rule: &str) -> Vec<Failure> {
    match check {
        Check::Unchanged(State::Present {
            etag,
            change_number,
            doc,
        }) => {
            let mut found = judge_unchanged(
                Recorded::Session {
                    etag,
                    change_number,
                },
                response,
                rule,
            );
            // The same ETag over another document is a change too.
            if found.is_empty() {
                if let Some(doc) = doc {
                    found.extend(judge_same_document(doc, response, rule));
                }
            }
            found
        }
        Check::Unchanged(State::Absent) => judge_unchanged(Recorded::Absent, response, rule),
        Check::Unchanged(State::Unknown) => Vec::new(),
        Check::AsAnswered(answer) => {
            let answered = Answered {
                status: answer.status,
                etag: answer.header("etag"),
                response: answer,
            };
            judge_same_session(&answered, response, rule)
        }
        Check::HandleKept(doc) => judge_handle_fields(doc, response, rule),
        Check::HandleGone => judge_handle_gone(response, rule),
    }
}

/// A session's path as a label shows it: its name.
fn short_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
