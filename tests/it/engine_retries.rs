//! Throttling at work: a proxy in front of the reference answers some requests with a 429 or 503
//! of its own, and the engine retries them as `Retry-After` and the policy say, keeping every
//! attempt in the transcript — or judges them, when they are malformed or part of a burst.

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::tamper::{self, Answer, Forward, Proxy, Tamper};
use mpsd_conformance::case::CaseSource;
use mpsd_conformance::exchange::{RequestData, ResponseData};
use mpsd_conformance::http::{ClientOptions, HttpClient, Interrupts, RetryPolicy};
use mpsd_conformance::plan::load;
use mpsd_conformance::report::{explain, CaseReport, Redactor};
use mpsd_conformance::run::{
    prepare, run_case, CaseResult, Environment, Outcome, PrepareOptions, Target,
};
use mpsd_conformance::verdict::FailOn;

const BODY_429: &[u8] =
    br#"{"version":1,"currentRequests":9,"maxRequests":8,"periodInSeconds":1,"limitType":"Rolling"}"#;

/// Answers the requests `which` picks with a throttling answer of its own, the first `times` of
/// them (or all), then lets them through.
struct Throttle {
    which: fn(&Forward) -> bool,
    times: usize,
    answer: Answer,
    count: AtomicUsize,
}

impl Throttle {
    fn new(which: fn(&Forward) -> bool, times: usize, answer: Answer) -> Throttle {
        Throttle {
            which,
            times,
            answer,
            count: AtomicUsize::new(0),
        }
    }
}

impl Tamper for Throttle {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        if !(self.which)(req) || self.count.fetch_add(1, Ordering::SeqCst) >= self.times {
            return None;
        }
        Some(self.answer.clone())
    }
}

/// A well-formed 429 asking for `retry_after`.
fn polite_429(retry_after: &str) -> Answer {
    Answer {
        status: 429,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Retry-After".into(), retry_after.into()),
        ],
        body: BODY_429.to_vec(),
    }
}

fn handle_write(req: &Forward) -> bool {
    req.method == "PUT" && req.path.starts_with("/handles/")
}

/// A read of a session through its handle (the oracle's read-backs of the handle itself are not).
fn handle_read(req: &Forward) -> bool {
    req.method == "GET" && req.path.starts_with("/handles/") && req.path.ends_with("/session")
}

fn handle_delete(req: &Forward) -> bool {
    req.method == "DELETE"
}

async fn target(tamper: impl Tamper) -> Proxy {
    let server = mpsd_conformance::reference::start(Default::default())
        .await
        .expect("the reference starts");
    tamper::start(server, tamper).await
}

/// A case that joins b to a fixture's session through its handle.
const JOIN: &str = r#"{ "$schema": "../case.schema.json", "title": "t", "rules": ["O1"], "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "as": "b",
                   "body": { "members": { "me": { "properties": { "system": { "active": true } } } } } },
      "expect": { "status": 200 } }
  ] }"#;

/// Four reads of the session at once, which may be throttled.
const BURST: &str = r#"{ "$schema": "../case.schema.json", "title": "t", "rules": ["O11"], "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "burst": 4, "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": [200, 429] } }
  ] }"#;

/// Runs `case` against `proxy` under `policy`; `interrupt_after` sets the run's interruption.
async fn run(
    case: &str,
    proxy: &Proxy,
    policy: RetryPolicy,
    interrupt_after: Option<Duration>,
) -> CaseResult {
    let dir = common::case_dir(&[("area/case.json", case)]);
    let source = CaseSource::directory(dir.path()).expect("readable");
    let set = load(&source, None).unwrap_or_else(|e| panic!("{e}"));
    let prepared = prepare(
        &set,
        &Environment::default(),
        PrepareOptions {
            client: ClientOptions {
                retry: policy,
                ..ClientOptions::default()
            },
            ..PrepareOptions::new(Target::Url(proxy.url.clone()))
        },
    )
    .expect("prepared");
    if let Some(after) = interrupt_after {
        let interrupt = prepared.ctx.interrupt.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            interrupt.signal();
        });
    }
    assert_eq!(set.cases.len(), 1);
    run_case(&prepared.ctx, &set.cases[0]).await
}

fn policy(retries: u32, max_wait_secs: u64) -> RetryPolicy {
    RetryPolicy {
        retries,
        max_wait: Duration::from_secs(max_wait_secs),
    }
}

fn steps(r: &CaseResult) -> Vec<(String, Option<u16>)> {
    r.exchanges
        .iter()
        .map(|e| (e.step.clone(), e.response.as_ref().map(|r| r.status)))
        .collect()
}

fn explained(r: &CaseResult) -> String {
    explain(r, &Redactor::default())
}

fn seen(proxy: &Proxy, which: fn(&Forward) -> bool) -> usize {
    proxy
        .seen
        .lock()
        .expect("lock")
        .iter()
        .filter(|f| which(f))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polite_429_is_retried_and_every_attempt_is_in_the_transcript() {
    let proxy = target(Throttle::new(handle_write, 2, polite_429("0"))).await;
    let r = run(JOIN, &proxy, policy(3, 30), None).await;
    assert_eq!(r.case.outcome, Outcome::Pass, "{}", explained(&r));
    assert_eq!(r.retries, 2);
    let steps = steps(&r);
    // The oracle reads the accepted write back after the last attempt.
    let attempts: Vec<&(String, Option<u16>)> = steps
        .iter()
        .filter(|(s, _)| s.starts_with("step 2") && !s.contains("read-back"))
        .collect();
    assert_eq!(
        attempts,
        [
            &("step 2".to_string(), Some(429)),
            &("step 2 (attempt 2)".to_string(), Some(429)),
            &("step 2 (attempt 3)".to_string(), Some(200)),
        ],
        "{steps:?}"
    );
    assert_eq!(seen(&proxy, handle_write), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_after_retries_is_shown_on_the_last_attempt() {
    let proxy = target(Throttle::new(handle_write, 1, polite_429("0"))).await;
    // The reference answers 200: the judged (second) attempt fails this expectation.
    let case = JOIN.replace(r#""status": 200"#, r#""status": 201"#);
    let r = run(&case, &proxy, policy(3, 30), None).await;
    assert_eq!(r.case.outcome, Outcome::Fail, "{}", explained(&r));
    let report = CaseReport::from_result(&r, FailOn::Should, None, true, &Redactor::default());
    let shown = report.failed_exchange().expect("an exchange");
    assert_eq!(shown.step, "step 2 (attempt 2)");
    assert_eq!(shown.response.as_ref().and_then(|m| m.status), Some(200));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_with_an_http_date_is_retried_when_that_date_comes() {
    let soon = httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(1));
    let overloaded = Answer {
        status: 503,
        headers: vec![("Retry-After".into(), soon)],
        body: Vec::new(),
    };
    let proxy = target(Throttle::new(handle_write, 1, overloaded)).await;
    let r = run(JOIN, &proxy, policy(3, 30), None).await;
    assert_eq!(r.case.outcome, Outcome::Pass, "{}", explained(&r));
    assert_eq!(r.retries, 1);
    assert!(steps(&r).contains(&("step 2 (attempt 2)".to_string(), Some(200))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_longer_wait_than_max_retry_wait_ends_the_case_as_throttled_at_once() {
    let proxy = target(Throttle::new(handle_write, 1, polite_429("120"))).await;
    let started = Instant::now();
    let r = run(JOIN, &proxy, policy(3, 30), None).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(r.case.outcome, Outcome::Error, "{}", explained(&r));
    let message = r.message.clone().unwrap_or_default();
    assert!(message.starts_with("throttled:"), "{message}");
    assert!(message.contains("Retry-After: 120"), "{message}");
    assert!(message.contains("--max-retry-wait (30 s)"), "{message}");
    assert_eq!(r.retries, 0);
    assert_eq!(seen(&proxy, handle_write), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_stop_where_the_policy_says() {
    let proxy = target(Throttle::new(handle_write, usize::MAX, polite_429("0"))).await;
    let r = run(JOIN, &proxy, policy(2, 30), None).await;
    assert_eq!(r.case.outcome, Outcome::Error, "{}", explained(&r));
    assert!(
        r.message
            .as_deref()
            .unwrap_or("")
            .contains("after 2 retries"),
        "{:?}",
        r.message
    );
    assert_eq!(r.retries, 2);
    assert_eq!(seen(&proxy, handle_write), 3);

    let proxy = target(Throttle::new(handle_write, usize::MAX, polite_429("0"))).await;
    let r = run(JOIN, &proxy, policy(0, 30), None).await;
    assert_eq!(r.case.outcome, Outcome::Error, "{}", explained(&r));
    assert!(
        r.message.as_deref().unwrap_or("").contains("--retries 0"),
        "{:?}",
        r.message
    );
    assert_eq!(seen(&proxy, handle_write), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_429_fails_and_is_never_retried() {
    let mut no_body = polite_429("0");
    no_body.body = b"slow down".to_vec();
    no_body.headers[0].1 = "text/plain".into();
    let mut unreadable = polite_429("soon");
    unreadable.status = 503;
    for (answer, rule) in [(no_body, "O11"), (unreadable, "O12")] {
        let proxy = target(Throttle::new(handle_write, usize::MAX, answer)).await;
        let r = run(JOIN, &proxy, policy(3, 30), None).await;
        assert_eq!(r.case.outcome, Outcome::Fail, "{}", explained(&r));
        assert!(
            r.failures.iter().any(|f| f.rule == rule),
            "{}",
            explained(&r)
        );
        assert_eq!(r.retries, 0);
        assert_eq!(seen(&proxy, handle_write), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_never_retried() {
    let proxy = target(Throttle::new(handle_read, 2, polite_429("0"))).await;
    let r = run(BURST, &proxy, policy(3, 30), None).await;
    assert_eq!(r.case.outcome, Outcome::Pass, "{}", explained(&r));
    assert_eq!(r.retries, 0);
    assert_eq!(seen(&proxy, handle_read), 4);
    let statuses: Vec<Option<u16>> = steps(&r)
        .into_iter()
        .filter(|(s, _)| s.starts_with("step 2["))
        .map(|(_, status)| status)
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == Some(429)).count(), 2);
    assert!(steps(&r).iter().all(|(s, _)| !s.contains("attempt")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardown_is_retried_too() {
    let proxy = target(Throttle::new(handle_delete, 1, polite_429("0"))).await;
    let r = run(JOIN, &proxy, policy(3, 30), None).await;
    assert_eq!(r.case.outcome, Outcome::Pass, "{}", explained(&r));
    assert_eq!(r.retries, 1);
    let steps = steps(&r);
    assert!(
        steps.contains(&("teardown".to_string(), Some(429)))
            && steps.contains(&("teardown (attempt 2)".to_string(), Some(204))),
        "{steps:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interruption_ends_the_wait_at_once() {
    let proxy = target(Throttle::new(handle_write, usize::MAX, polite_429("20"))).await;
    let started = Instant::now();
    let r = run(
        JOIN,
        &proxy,
        policy(3, 60),
        Some(Duration::from_millis(500)),
    )
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(r.case.outcome, Outcome::Interrupted, "{}", explained(&r));
    assert!(steps(&r).contains(&("step 2".to_string(), Some(429))));
    assert_eq!(seen(&proxy, handle_write), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_answer_holds_the_other_requests_back() {
    fn first(req: &Forward) -> bool {
        req.path == "/first"
    }
    let proxy = target(Throttle::new(first, 1, polite_429("1"))).await;
    let client = HttpClient::new(ClientOptions::default()).expect("client");
    let get = |path: &str| RequestData {
        method: "GET".into(),
        url: format!("{}{path}", proxy.url),
        ..RequestData::default()
    };
    let throttled = |r: &ResponseData| r.status == 429;
    let never = std::future::pending::<()>;
    let (one, two, three) = (get("/first"), get("/second"), get("/third"));
    let first = client.send_with_retries(&one, throttled, never(), Interrupts::Waits);
    // Sent while the first waits out its Retry-After: with retries, and without (as a burst).
    let second = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let retried = client
            .send_with_retries(&two, throttled, never(), Interrupts::Waits)
            .await;
        (retried, started.elapsed())
    };
    let third = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let _ = client.send(&three).await;
        started.elapsed()
    };
    let (first, (second, held), plain) = tokio::join!(first, second, third);
    assert_eq!(first.retries(), 1);
    assert_eq!(second.retries(), 0);
    assert!(held >= Duration::from_millis(500), "held back {held:?}");
    // A request sent without retries (a burst's) is not held back.
    assert!(plain < Duration::from_millis(500), "{plain:?}");
}
