//! A burst step: every copy of a request sent at once, each on its own task, so the server sees
//! them concurrently (for rate limits, in-flight limits, and racing `If-Match` writers).
//!
//! The copies are sent, and their heads awaited, all at once; their bodies are then read one at
//! a time, each after the one before was judged and recorded (cut to 64 KiB). So a burst of 32
//! answers of 8 MiB holds one of them, not 256 MiB.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use crate::check::{judge_tally, Failure};
use crate::exchange::{is_write, Exchange, RequestData, ResponseData, TransportError};
use crate::http::{Decision, HttpClient, RetryEnd};
use crate::plan::{RequestStep, StepPlan};

use super::case::{CaseRun, Ending, Flow};
use super::request::Built;

/// One copy's answer as it arrived.
pub struct Arrived {
    /// Which copy (its `{{burst.index}}`).
    pub index: usize,
    pub result: Result<ResponseData, TransportError>,
    /// Sending, the head, and reading the body; not the wait for its turn to be read.
    pub duration: Duration,
    /// Held while the answer's whole body is in memory: dropping it lets the next copy read its
    /// body.
    pub turn: Option<OwnedSemaphorePermit>,
}

/// The copies of a burst in flight. Dropping it abandons those not yet answered.
pub struct Burst {
    answers: mpsc::UnboundedReceiver<Arrived>,
    _tasks: JoinSet<()>,
}

impl Burst {
    /// The next answer to arrive, in the order the bodies were read; `None` once every copy has
    /// answered (a copy whose task failed never does: its caller sees it missing).
    pub async fn next(&mut self) -> Option<Arrived> {
        self.answers.recv().await
    }
}

/// Sends every request at once, each once (a `parallel` step's throttled copy is sent again by
/// `CaseRun::again`, after the others).
pub fn send_all(client: &HttpClient, requests: Vec<RequestData>) -> Burst {
    let turns = Arc::new(Semaphore::new(1));
    let (sender, answers) = mpsc::unbounded_channel();
    let mut tasks = JoinSet::new();
    for (index, data) in requests.into_iter().enumerate() {
        let (client, turns, sender) = (client.clone(), Arc::clone(&turns), sender.clone());
        tasks.spawn(async move {
            let (head, head_took) = client.send_head(&data).await;
            // The semaphore is never closed: `ok()` only spares an unwrap.
            let turn = turns.acquire_owned().await.ok();
            let (result, duration) = match head {
                Ok(head) => {
                    let (result, body_took) = head.body().await;
                    (result, head_took + body_took)
                }
                Err(e) => (Err(e), head_took),
            };
            // The receiver is gone only when the burst was abandoned (an interrupt).
            let _ = sender.send(Arrived {
                index,
                result,
                duration,
                turn,
            });
        });
    }
    Burst {
        answers,
        _tasks: tasks,
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

impl CaseRun<'_> {
    /// N copies of a request, sent at once. Each answer gets the global checks and the step's
    /// expectations; `tally` counts them all. A well-formed 429/503 to a `burst` is judged like
    /// any answer: the step provokes throttling on purpose. One to a `parallel` step is sent
    /// again as the run's policy allows. What concurrent writes leave behind is
    /// not known until read again: the sessions they touched are unsettled.
    pub(super) async fn burst(&mut self, step: &StepPlan, r: &RequestStep, n: u16) -> Flow {
        let mut built = Vec::with_capacity(usize::from(n));
        for i in 0..usize::from(n) {
            self.vars.set_burst_index(Some(i));
            let b = self.build(step, r.copies.get(i).unwrap_or(&r.request));
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
            let Some(copy_built) = built.get_mut(i).and_then(Option::take) else {
                continue;
            };
            let label = format!("{}[{i}]", step.label);
            let result = match arrived.result {
                // A `parallel` step's copies are different requests whose answers later steps
                // build on: one the target throttled was not served, so it is sent again, as a
                // single step's request would be. (A `burst` provokes throttling on purpose.)
                Ok(response)
                    if !r.copies.is_empty() && self.throttled_answer(&copy_built, &response) =>
                {
                    self.again(&label, &copy_built, response, arrived.duration)
                        .await
                }
                other => other.map(|response| (response, arrived.duration)),
            };
            let copy = match result {
                Ok((response, duration)) => {
                    let label = self.attempt_label(&label);
                    let status = response.status;
                    let before = self.failures.len();
                    let (response, flow) =
                        self.answer(step, r, Some(i), &copy_built, response).await;
                    self.held.observe(&copy_built, &response);
                    if is_write(&copy_built.data.method) {
                        self.held.unsettle(&copy_built.path);
                    }
                    // Recorded, the body is cut: the next copy may read its own.
                    let exchange =
                        self.exchange(&label, copy_built.data, Some(response), None, duration);
                    BurstCopy {
                        index: i,
                        exchange,
                        failures: self.failures.split_off(before),
                        status: Some(status),
                        flow,
                    }
                }
                Err(e) => {
                    let label = self.attempt_label(&label);
                    self.failed_copy(i, &label, copy_built, e, arrived.duration)
                }
            };
            copies.push(copy);
            drop(arrived.turn);
        }
        // A copy whose sending task failed (a panic inside the client) never answered.
        for (i, copy_built) in built.into_iter().enumerate() {
            let Some(copy_built) = copy_built else {
                continue;
            };
            let label = format!("{}[{i}]", step.label);
            let e = TransportError::Request("the sending task failed".into());
            copies.push(self.failed_copy(i, &label, copy_built, e, Duration::ZERO));
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

    fn throttled_answer(&self, built: &Built, response: &ResponseData) -> bool {
        crate::check::check_global(&built.data.method, response)
            .throttled
            .is_some()
    }

    /// A throttled copy sent again while the run's policy allows: the throttled answer is the
    /// copy's first attempt in the transcript, each later one `<label> (attempt N)`.
    async fn again(
        &mut self,
        label: &str,
        built: &Built,
        throttled: ResponseData,
        duration: Duration,
    ) -> Result<(ResponseData, Duration), TransportError> {
        let policy = self.ctx.client.options().retry;
        let decision = policy.decide(&throttled, 0, std::time::SystemTime::now());
        let wait = match decision {
            Decision::RetryAfter(wait) => wait,
            Decision::GiveUp(why) => {
                self.throttled = Some(why);
                return Ok((throttled, duration));
            }
            // No usable Retry-After: the answer stands, and the global checks judge it.
            Decision::Answer => return Ok((throttled, duration)),
        };
        self.record(label, built.data.clone(), Some(throttled), None, duration);
        self.retries += 1;
        tokio::select! {
            biased;
            _ = self.ctx.interruption() => {
                return Err(TransportError::Request("interrupted while waiting to send a throttled copy again".into()));
            }
            _ = tokio::time::sleep(wait) => {}
        }
        let retried = super::retrying::send_retrying(
            self.ctx,
            &built.data,
            crate::http::Interrupts::SendsAndWaits,
        )
        .await;
        self.retries += retried.retries();
        if let RetryEnd::GaveUp(why) = retried.end {
            // Throttling that outlasts the policy: the case cannot be judged, as for a step.
            self.throttled = Some(why);
        }
        let mut attempts = retried.attempts;
        let answer = attempts.pop();
        for attempt in attempts {
            let (response, error) = match attempt.result {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e)),
            };
            let next = self.attempt_label(label);
            self.record(&next, built.data.clone(), response, error, attempt.duration);
        }
        match answer {
            Some(attempt) => attempt.result.map(|r| (r, attempt.duration)),
            None => Err(TransportError::Request(
                "interrupted while sending a throttled copy again".into(),
            )),
        }
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
}
