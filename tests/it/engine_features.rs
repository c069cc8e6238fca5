//! The case-format additions at work: each runs a case through a proxy in front of the reference
//! server, honest (the case passes) and with one planted bug (the case fails, naming it).

use crate::common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::tamper::{self, Answer, Forward, HangsOn, Honest, Proxy, Tamper};
use mpsd_conformance::case::CaseSource;
use mpsd_conformance::exchange::Exchange;
use mpsd_conformance::plan::{load, PlanSet};
use mpsd_conformance::report::{explain, Redactor};
use mpsd_conformance::run::{
    prepare, run_case, CaseResult, Environment, Outcome, PrepareOptions, Prepared, RunContext,
    Target,
};
use serde_json::Value;

/// The reference server, and a proxy in front of it that plants `bug`.
async fn target(bug: impl Tamper) -> Proxy {
    let server = mpsd_conformance::reference::start(Default::default())
        .await
        .expect("the reference starts");
    tamper::start(server, bug).await
}

/// Runs every case of one case file (`area/case.json`) against `proxy`, as `env`'s callers.
async fn run_with(case: &str, proxy: &Proxy, env: Environment) -> (Vec<CaseResult>, Redactor) {
    let dir = common::case_dir(&[("area/case.json", case)]);
    let source = CaseSource::directory(dir.path()).expect("readable");
    let set = load(&source, None).unwrap_or_else(|e| panic!("{e}"));
    let prepared = prepare(
        &set,
        &env,
        PrepareOptions::new(Target::Url(proxy.url.clone())),
    )
    .expect("prepared");
    let redactor = Redactor::new(prepared.secrets.clone());
    let mut results = Vec::new();
    for case in &set.cases {
        results.push(run_case(&prepared.ctx, case).await);
    }
    (results, redactor)
}

async fn run(case: &str, proxy: &Proxy) -> CaseResult {
    let (mut results, _) = run_with(case, proxy, Environment::default()).await;
    assert_eq!(results.len(), 1);
    results.remove(0)
}

fn assert_pass(r: &CaseResult) {
    assert_eq!(
        r.case.outcome,
        Outcome::Pass,
        "{}",
        explain(r, &Redactor::default())
    );
}

/// The case failed, and some failure under `rule` says `message`.
fn assert_fails(r: &CaseResult, rule: &str, message: &str) {
    assert_eq!(
        r.case.outcome,
        Outcome::Fail,
        "{}",
        explain(r, &Redactor::default())
    );
    assert!(
        r.failures
            .iter()
            .any(|f| f.rule == rule && f.message.contains(message)),
        "no [{rule}] failure saying {message:?}:\n{}",
        explain(r, &Redactor::default())
    );
}

fn case(rules: &str, steps: &str) -> String {
    format!(
        r#"{{ "$schema": "../case.schema.json", "title": "t", "rules": {rules}, "severity": "must",
  "steps": [
    {{ "use": "session", "name": "s" }},
{steps}
  ] }}"#
    )
}

fn is_handle_write(req: &Forward) -> bool {
    req.method == "PUT" && req.path.starts_with("/handles/")
}

// --- expect.members --------------------------------------------------------------------------

/// b joins; the session must hold b (active) and a, each exactly once, and no stranger.
const JOIN: &str = r#"    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "as": "b",
                   "body": { "members": { "me": { "properties": { "system": { "active": true } } } } } },
      "expect": { "status": 200,
                  "members": [ { "xuid": "{{xuid.b}}", "json": [ { "pointer": "/properties/system/active", "equals": true } ] },
                               { "xuid": "{{xuid.a}}" },
                               { "xuid": "1234", "present": false } ] } }"#;

/// Renders the joiner with another member's xuid.
struct JoinerWithWrongXuid;
impl Tamper for JoinerWithWrongXuid {
    fn response(&self, req: &Forward, answer: &mut Answer) {
        if is_handle_write(req) {
            answer.replace_in_body("2533274790395905", "2533274790395904");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_found_by_xuid_and_a_wrong_joiner_is_caught() {
    assert_pass(&run(&case(r#"["B4.a"]"#, JOIN), &target(Honest).await).await);
    let r = run(
        &case(r#"["B4.a"]"#, JOIN),
        &target(JoinerWithWrongXuid).await,
    )
    .await;
    assert_fails(&r, "B4.a", "no member has xuid 2533274790395905");
    assert_fails(&r, "B4.a", "xuid 2533274790395904 appears 2 times");
}

// --- snapshot and unchanged ------------------------------------------------------------------

/// A write refused for its unknown top-level key, then: nothing was stored.
const REFUSED: &str = r#"    { "name": "before", "snapshot": "{{s.path}}" },
    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session",
                   "body": { "bogus": 1, "properties": { "custom": { "x": 1 } } } },
      "expect": { "status": 400 } },
    { "unchanged": "before" },
    { "unchanged": "s" }"#;

/// Refuses a write for a bad key, but stores the rest of it first.
struct StoresWhatItRefuses;
impl Tamper for StoresWhatItRefuses {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        if is_handle_write(req) && String::from_utf8_lossy(&req.body).contains("bogus") {
            let mut body: Value = serde_json::from_slice(&req.body).ok()?;
            body.as_object_mut()?.remove("bogus");
            req.body = serde_json::to_vec(&body).ok()?;
        }
        None
    }
    fn response(&self, req: &Forward, answer: &mut Answer) {
        if is_handle_write(req) && !String::from_utf8_lossy(&req.body).contains("\"me\"") {
            *answer = Answer::text(400, "unknown key `bogus`");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_catches_a_refused_write_that_was_stored() {
    assert_pass(&run(&case(r#"["B1"]"#, REFUSED), &target(Honest).await).await);
    let r = run(
        &case(r#"["B1"]"#, REFUSED),
        &target(StoresWhatItRefuses).await,
    )
    .await;
    assert_fails(&r, "B1", "ETag changed from");
    assert_fails(&r, "B1", "changeNumber grew from 1 to 2");
    // The oracle reads the refused write back at once, and the case stops there: the written
    // `unchanged` steps are never reached.
    let reads: Vec<&str> = r
        .exchanges
        .iter()
        .filter(|e| e.request.method == "GET")
        .map(|e| e.step.as_str())
        .collect();
    assert_eq!(reads.len(), 4, "{reads:?}");
    assert_eq!(
        reads[..2],
        ["s#handle (read-back R4)", "before"],
        "{reads:?}"
    );
    assert!(
        reads[2].starts_with("step 3 (unchanged mpsdc-"),
        "{reads:?}"
    );
    assert!(
        reads[3].starts_with("step 3 (unchanged handle "),
        "{reads:?}"
    );
    assert!(r
        .failures
        .iter()
        .all(|f| f.step.as_deref() == Some(reads[2])));
}

/// A handle to no session; a refused write that would have created one; still nothing there.
const REFUSED_CREATE: &str = r#"{ "$schema": "../case.schema.json", "title": "t", "rules": ["B1"], "severity": "must",
  "steps": [
    { "use": "handle", "name": "h" },
    { "request": { "method": "PUT", "path": "/handles/{{h.handle}}/session",
                   "body": { "bogus": 1, "members": { "me": { "properties": { "system": { "active": true } } } } } },
      "expect": { "status": 400 } },
    { "unchanged": "h" }
  ] }"#;

/// Creates the session of a write it refuses.
struct CreatesWhatItRefuses;
impl Tamper for CreatesWhatItRefuses {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        StoresWhatItRefuses.request(req)
    }
    fn response(&self, req: &Forward, answer: &mut Answer) {
        if is_handle_write(req) && answer.status == 201 {
            *answer = Answer::text(400, "unknown key `bogus`");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_on_a_handle_without_session_demands_still_none() {
    assert_pass(&run(REFUSED_CREATE, &target(Honest).await).await);
    let r = run(REFUSED_CREATE, &target(CreatesWhatItRefuses).await).await;
    assert_fails(&r, "B1", "a session now exists (200)");
}

// --- bursts ----------------------------------------------------------------------------------

/// Six writers race with the same If-Match: exactly one wins.
const RACE: &str = r#"    { "name": "race", "burst": 6,
      "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "headers": { "If-Match": "{{s.etag}}" },
                   "body": { "properties": { "custom": { "writer": "{{burst.index}}" } } } },
      "expect": { "status": [200, 412],
                  "tally": [ { "status": [200], "count": 1 }, { "status": [412], "count": 5 } ] } },
    { "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": 200, "json": [ { "pointer": "/properties/custom/writer", "type": "integer", "lessThan": 6 } ] } }"#;

/// Holds the racing writers until all six are in flight.
struct AllAtOnce(Arc<tokio::sync::Barrier>);
impl Tamper for AllAtOnce {
    fn hold(&self, req: &Forward) -> Option<Arc<tokio::sync::Barrier>> {
        (is_handle_write(req) && req.header("if-match").is_some()).then(|| Arc::clone(&self.0))
    }
}

/// Ignores If-Match: every writer wins.
struct IgnoresIfMatch;
impl Tamper for IgnoresIfMatch {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        req.headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("if-match"));
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_is_sent_at_once_and_its_tally_catches_two_winners() {
    let barrier = Arc::new(tokio::sync::Barrier::new(6));
    let proxy = target(AllAtOnce(barrier)).await;
    let r = run(&case(r#"["H4.c"]"#, RACE), &proxy).await;
    assert_pass(&r);
    let labels: Vec<&str> = r
        .exchanges
        .iter()
        .filter(|e| e.step.starts_with("race"))
        .map(|e| e.step.as_str())
        .collect();
    assert_eq!(
        labels,
        vec!["race[0]", "race[1]", "race[2]", "race[3]", "race[4]", "race[5]"]
    );
    // Each copy carried its own index.
    let mut writers: Vec<String> = r
        .exchanges
        .iter()
        .filter(|e| e.step.starts_with("race"))
        .map(|e| String::from_utf8_lossy(&e.request.body).into_owned())
        .collect();
    writers.sort();
    assert_eq!(writers[0], r#"{"properties":{"custom":{"writer":0}}}"#);
    assert_eq!(writers[5], r#"{"properties":{"custom":{"writer":5}}}"#);

    let r = run(&case(r#"["H4.c"]"#, RACE), &target(IgnoresIfMatch).await).await;
    assert_fails(&r, "H4.c", "6 of 6 answers had status 200");
}

/// Answers every other read of the burst with a 429 of its own making.
struct Throttles {
    count: AtomicUsize,
    well_formed: bool,
}
impl Tamper for Throttles {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        if !(req.method == "GET" && req.path.starts_with("/handles/")) {
            return None;
        }
        if self.count.fetch_add(1, Ordering::SeqCst) % 2 == 0 {
            return None;
        }
        let mut answer = Answer {
            status: 429,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: br#"{"version":1,"currentRequests":9,"maxRequests":8,"periodInSeconds":1,"limitType":"Rolling"}"#.to_vec(),
        };
        if self.well_formed {
            answer.set_header("Retry-After", "1");
        }
        Some(answer)
    }
}

const READS: &str = r#"    { "burst": 4, "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": [200, 429], "tally": [ { "status": [429], "min": 1 } ] } }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_judges_429s_instead_of_giving_up_as_throttled() {
    let polite = Throttles {
        count: AtomicUsize::new(0),
        well_formed: true,
    };
    let r = run(&case(r#"["O11"]"#, READS), &target(polite).await).await;
    assert_pass(&r);
    let rude = Throttles {
        count: AtomicUsize::new(0),
        well_formed: false,
    };
    let r = run(&case(r#"["O11"]"#, READS), &target(rude).await).await;
    assert_fails(&r, "O11", "a 429 without Retry-After");
    assert!(
        r.failures.iter().all(|f| f.message.starts_with("step 2[")),
        "each failure names its answer: {:?}",
        r.failures
    );
}

// --- rawBodyHex ------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_hex_bodies_are_sent_byte_for_byte() {
    let steps = r#"    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "rawBodyHex": "EFBBBF 00 ff\n7b7d" },
      "expect": {} }"#;
    let proxy = target(Honest).await;
    let r = run(&case(r#"["B2"]"#, steps), &proxy).await;
    assert_pass(&r);
    let seen = proxy.seen.lock().expect("lock").clone();
    let sent = seen
        .iter()
        .find(|f| is_handle_write(f))
        .expect("the write reached the server");
    assert_eq!(sent.body, vec![0xef, 0xbb, 0xbf, 0x00, 0xff, 0x7b, 0x7d]);
    assert_eq!(sent.header("content-type"), Some("application/json"));
}

// --- auth ------------------------------------------------------------------------------------

const LOWER_SCHEME: &str = r#"    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session",
                   "headers": { "Authorization": "xbl3.0 {{auth.a.credentials}}" }, "body": {} },
      "expect": { "status": 200 } }"#;

/// Matches the scheme case-sensitively, and echoes the credentials it refused.
struct CaseSensitiveScheme;
impl Tamper for CaseSensitiveScheme {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        let auth = req.header("authorization").unwrap_or_default().to_string();
        (!auth.starts_with("XBL3.0 "))
            .then(|| Answer::text(401, &format!("unknown scheme in {auth}")))
    }
}

fn real_caller_a() -> Environment {
    let mut env = Environment::default();
    env.auth.insert(
        "a".into(),
        "XBL3.0 x=2533274790395904;real-secret-token-5e1f".into(),
    );
    env.xuid.insert("a".into(), "2533274790395904".into());
    env
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callers_credentials_go_under_another_scheme_and_stay_secret() {
    let (r, _) = run_with(
        &case(r#"["H2"]"#, LOWER_SCHEME),
        &target(Honest).await,
        real_caller_a(),
    )
    .await;
    assert_pass(&r[0]);
    let sent = r[0]
        .exchanges
        .iter()
        .find(|e| e.step == "step 2")
        .and_then(|e| e.request.headers.iter().find(|(n, _)| n == "Authorization"))
        .map(|(_, v)| v.clone());
    assert_eq!(
        sent.as_deref(),
        Some("xbl3.0 x=2533274790395904;real-secret-token-5e1f")
    );

    let (r, redactor) = run_with(
        &case(r#"["H2"]"#, LOWER_SCHEME),
        &target(CaseSensitiveScheme).await,
        real_caller_a(),
    )
    .await;
    assert_fails(&r[0], "H2", "expected status 200, got 401");
    // The server echoed the credentials; nothing shown of the case holds them.
    let shown = explain(&r[0], &redactor);
    assert!(
        shown.contains("unknown scheme in xbl3.0 [REDACTED]"),
        "{shown}"
    );
    assert!(!shown.contains("x=2533274790395904;real-secret"), "{shown}");
    assert!(!shown.contains("real-secret-token-5e1f"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_reading_a_missing_callers_auth_is_skipped() {
    let steps = r#"    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session",
                   "headers": { "Authorization": "xbl3.0 {{auth.b.credentials}}" }, "body": {} },
      "expect": { "status": 200 } }"#;
    let (r, _) = run_with(
        &case(r#"["H2"]"#, steps),
        &target(Honest).await,
        real_caller_a(),
    )
    .await;
    assert_eq!(r[0].case.outcome, Outcome::Skip, "{:?}", r[0].message);
    assert!(
        r[0].message
            .as_deref()
            .unwrap_or("")
            .contains("needs caller `b`"),
        "{:?}",
        r[0].message
    );
}

// --- when and onlyIf -------------------------------------------------------------------------

const EITHER: &str = r#"    { "name": "w", "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session",
                                 "body": { "properties": { "custom": { "k": 1 } } } },
      "expect": { "status": [200, 400],
                  "when": [ { "status": [200], "expect": { "json": [ { "pointer": "/properties/custom/k", "equals": 1 } ] } },
                            { "status": [400], "expect": { "headers": { "content-type": { "media": "text/plain" } } } } ] } },
    { "onlyIf": { "step": "w", "status": [400] }, "unchanged": "s" },
    { "onlyIf": { "step": "w", "status": [200] },
      "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": 200, "json": [ { "pointer": "/properties/custom/k", "equals": 1 } ] } }"#;

/// What the write answers: the server's answer tampered, or the proxy's own.
enum Write {
    /// The server's 200 with another value for `k`.
    WrongValue,
    /// A 400 of the proxy's, nothing stored; `json_media`: with a JSON media type.
    Refused { json_media: bool },
    /// The server stores the write, the proxy answers 400.
    RefusedButStored,
}
impl Tamper for Write {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        let target = is_handle_write(req) && String::from_utf8_lossy(&req.body).contains("\"k\"");
        match self {
            Write::Refused { json_media } if target => {
                let mut a = Answer::text(400, "no");
                if *json_media {
                    a.set_header("Content-Type", "application/json");
                }
                Some(a)
            }
            _ => None,
        }
    }
    fn response(&self, req: &Forward, answer: &mut Answer) {
        if !(is_handle_write(req) && String::from_utf8_lossy(&req.body).contains("\"k\"")) {
            return;
        }
        match self {
            Write::WrongValue => {
                answer.replace_in_body("\"k\":1", "\"k\":2");
            }
            Write::RefusedButStored => *answer = Answer::text(400, "no"),
            Write::Refused { .. } => {}
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_branches_and_guards_follow_the_status_answered() {
    let cased = case(r#"["B3"]"#, EITHER);
    // Served: the 200 branch holds, the 400-only read-back is skipped and shown as such.
    let r = run(&cased, &target(Honest).await).await;
    assert_pass(&r);
    assert!(
        r.exchanges
            .iter()
            .any(|e| e.step == "step 3 (skipped: onlyIf `w` answered 200, not one of [400])"),
        "{:?}",
        r.exchanges.iter().map(|e| &e.step).collect::<Vec<_>>()
    );
    // Refused cleanly: the 400 branch holds, nothing was stored, the 200-only read is skipped.
    let r = run(&cased, &target(Write::Refused { json_media: false }).await).await;
    assert_pass(&r);
    assert!(r
        .exchanges
        .iter()
        .any(|e| e.step.starts_with("step 4 (skipped")));

    let r = run(&cased, &target(Write::WrongValue).await).await;
    assert_fails(&r, "B3", "/properties/custom/k is 2, expected 1");
    let r = run(&cased, &target(Write::Refused { json_media: true }).await).await;
    assert_fails(
        &r,
        "B3",
        "media type \"application/json\", expected \"text/plain\"",
    );
    let r = run(&cased, &target(Write::RefusedButStored).await).await;
    assert_fails(&r, "B3", "ETag changed from");
}

// --- matches and lessThan --------------------------------------------------------------------

const SHAPE: &str = r#"    { "request": { "method": "GET", "path": "/handles/{{s.handle}}/session" },
      "expect": { "status": 200, "json": [
        { "pointer": "/branch", "matches": "^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$" },
        { "pointer": "/changeNumber", "lessThan": 100 } ] } }"#;

/// Renders `branch` as a word and `changeNumber` far too high.
struct OddShapes;
impl Tamper for OddShapes {
    fn response(&self, req: &Forward, answer: &mut Answer) {
        if req.method == "GET" && req.path.starts_with("/handles/") {
            let mut doc: Value = serde_json::from_slice(&answer.body).unwrap_or_default();
            doc["branch"] = Value::from("main");
            doc["changeNumber"] = Value::from(1000);
            answer.body = serde_json::to_vec(&doc).unwrap_or_default();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matches_and_less_than_judge_json_values() {
    assert_pass(&run(&case(r#"["SH1"]"#, SHAPE), &target(Honest).await).await);
    let r = run(&case(r#"["SH1"]"#, SHAPE), &target(OddShapes).await).await;
    assert_fails(&r, "SH1", "/branch is \"main\", which does not match");
    assert_fails(&r, "SH1", "/changeNumber is 1000, expected less than 100");
}

// --- the headers a request carries -----------------------------------------------------------

/// Loads one case file and prepares a run against `proxy`, with `options` adjusted.
async fn prepared(
    case: &str,
    proxy: &Proxy,
    adjust: impl FnOnce(&mut PrepareOptions),
) -> (Prepared, PlanSet) {
    let dir = common::case_dir(&[("area/case.json", case)]);
    let source = CaseSource::directory(dir.path()).expect("readable");
    let set = load(&source, None).unwrap_or_else(|e| panic!("{e}"));
    let mut options = PrepareOptions::new(Target::Url(proxy.url.clone()));
    adjust(&mut options);
    let prepared = prepare(&set, &Environment::default(), options).expect("prepared");
    (prepared, set)
}

const AUTH_A: &str = "XBL3.0 x=2533274790395904;mpsdc-token-a-0f3c9b";

/// b joins (the case sets its own Accept), then reads as nobody; teardown makes the members
/// leave and deletes the handle.
const HEADERS: &str = r#"    { "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session", "as": "b",
                   "headers": { "Accept": "application/json" },
                   "body": { "members": { "me": { "properties": { "system": { "active": true } } } } } } },
    { "request": { "method": "GET", "path": "/handles/{{s.handle}}/session", "as": "none" },
      "expect": { "status": 401 } }"#;

fn values<'a>(req: &'a Forward, name: &str) -> Vec<&'a str> {
    req.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn header_flags_win_over_suite_body_and_caller_headers_in_steps_and_teardown() {
    let proxy = target(Honest).await;
    let (prepared, set) = prepared(&case(r#"["O1"]"#, HEADERS), &proxy, |o| {
        o.headers = vec![
            ("accept".into(), "*/*".into()),
            (
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ),
            ("authorization".into(), AUTH_A.into()),
        ];
    })
    .await;
    let r = run_case(&prepared.ctx, &set.cases[0]).await;
    assert_pass(&r);
    let seen = proxy.seen.lock().map(|s| s.clone()).unwrap_or_default();
    let create = seen
        .iter()
        .find(|f| f.is("PUT", "/sessions/"))
        .expect("the fixture's create");
    let join = seen
        .iter()
        .find(|f| f.is("PUT", "/handles/"))
        .expect("the join");
    // The case's read (the oracle reads the handle back before it, with Authorization).
    let read = seen
        .iter()
        .find(|f| f.is("GET", "/session") && values(f, "authorization").is_empty())
        .expect("the read");
    let oracle = seen
        .iter()
        .find(|f| f.is("GET", "/handles/") && !f.path.ends_with("/session"))
        .expect("the oracle's read-back of the handle");
    let delete = seen
        .iter()
        .find(|f| f.is("DELETE", "/handles/"))
        .expect("teardown's delete");
    let leaves: Vec<&Forward> = seen.iter().filter(|f| tamper::is_leave(f)).collect();
    assert!(
        !leaves.is_empty(),
        "teardown made the members leave: {seen:#?}"
    );
    // Over the suite's Accept, its body Content-Type and the caller's Authorization…
    for req in [create, delete, oracle]
        .into_iter()
        .chain(leaves.iter().copied())
    {
        assert_eq!(values(req, "accept"), ["*/*"], "{req:?}");
        assert_eq!(values(req, "authorization"), [AUTH_A], "{req:?}");
    }
    for req in [create, join].into_iter().chain(leaves.iter().copied()) {
        assert_eq!(
            values(req, "content-type"),
            ["application/json; charset=utf-8"],
            "{req:?}"
        );
    }
    // …including caller b's, in a step and in teardown…
    assert_eq!(values(join, "authorization"), [AUTH_A]);
    // …but a case's own header wins, and `as: none` removes Authorization, `--header` included.
    assert_eq!(values(join, "accept"), ["application/json"]);
    assert_eq!(values(read, "authorization"), Vec::<&str>::new());
    assert_eq!(values(read, "accept"), ["*/*"]);
}

// --- interruption ------------------------------------------------------------------------------

const HANGING_STEP: &str =
    r#"    { "request": { "method": "GET", "path": "/hang" }, "expect": { "status": 200 } }"#;

/// Runs the set's first case in a task of its own, for the test to interrupt.
fn start_first_case(ctx: &Arc<RunContext>, set: &PlanSet) -> tokio::task::JoinHandle<CaseResult> {
    let ctx = ctx.clone();
    let case = set.cases[0].clone();
    tokio::spawn(async move { run_case(&ctx, &case).await })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupt_ends_the_step_at_once_and_teardown_after_its_grace() {
    use std::time::{Duration, Instant};
    let proxy = target(HangsOn(tamper::step_and_teardown)).await;
    let (prepared, set) = prepared(&case(r#"["O1"]"#, HANGING_STEP), &proxy, |o| {
        o.client.timeout = Duration::from_secs(60);
        o.teardown_grace = Duration::from_millis(400);
    })
    .await;
    let ctx = prepared.ctx.clone();
    let running = start_first_case(&ctx, &set);
    proxy
        .until_seen("the hanging step", |f| f.path == "/hang")
        .await;
    let interrupted = Instant::now();
    ctx.interrupt.signal();
    let r = running.await.expect("the case ends");
    let took = interrupted.elapsed();
    assert_eq!(r.case.outcome, Outcome::Interrupted);
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(5),
        "teardown had its grace and no more: {took:?}"
    );
    let cut: Vec<&str> = r
        .exchanges
        .iter()
        .filter(|e| e.step.contains("cut short"))
        .map(|e| e.request.method.as_str())
        .collect();
    assert_eq!(
        cut,
        ["PUT", "DELETE"],
        "the leave and the delete were cut short"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_interrupt_cuts_teardown_short_at_once() {
    use std::time::{Duration, Instant};
    let proxy = target(HangsOn(tamper::step_and_teardown)).await;
    let (prepared, set) = prepared(&case(r#"["O1"]"#, HANGING_STEP), &proxy, |o| {
        o.client.timeout = Duration::from_secs(60);
    })
    .await;
    assert_eq!(
        prepared.ctx.teardown_grace,
        mpsd_conformance::run::TEARDOWN_GRACE
    );
    let ctx = prepared.ctx.clone();
    let running = start_first_case(&ctx, &set);
    proxy
        .until_seen("the hanging step", |f| f.path == "/hang")
        .await;
    ctx.interrupt.signal();
    proxy.until_seen("the leave", tamper::is_leave).await;
    let second = Instant::now();
    ctx.interrupt.signal();
    let r = running.await.expect("the case ends");
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "{:?}",
        second.elapsed()
    );
    assert_eq!(r.case.outcome, Outcome::Interrupted);
}

// --- the oracle on every exchange --------------------------------------------------------------

/// Every answer loses its ETag.
struct NoEtags;
impl Tamper for NoEtags {
    fn response(&self, _req: &Forward, answer: &mut Answer) {
        answer
            .headers
            .retain(|(n, _)| !n.eq_ignore_ascii_case("etag"));
    }
}

/// The whole embedded catalog, written and generated, run against `proxy` as one run.
async fn run_catalog(proxy: &Proxy) -> Vec<CaseResult> {
    let set = load(&CaseSource::embedded(), None).unwrap_or_else(|e| panic!("{e}"));
    let prepared = prepare(
        &set,
        &Environment::default(),
        PrepareOptions::new(Target::Url(proxy.url.clone())),
    )
    .expect("prepared");
    let mut running = tokio::task::JoinSet::new();
    let ctx = Arc::clone(&prepared.ctx);
    let mut results = Vec::new();
    for case in &set.cases {
        let (ctx, case) = (Arc::clone(&ctx), Arc::clone(case));
        running.spawn(async move { run_case(&ctx, &case).await });
        if running.len() >= 16 {
            if let Some(Ok(r)) = running.join_next().await {
                results.push(r);
            }
        }
    }
    while let Some(Ok(r)) = running.join_next().await {
        results.push(r);
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_without_etags_fails_on_o1_and_o2_and_nothing_errors() {
    let results = run_catalog(&target(NoEtags).await).await;
    let errored: Vec<String> = results
        .iter()
        .filter(|r| r.case.outcome == Outcome::Error)
        .map(|r| {
            format!(
                "{}: {}",
                r.case.id,
                r.message.as_deref().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        errored.is_empty(),
        "{} errored:\n{}",
        errored.len(),
        errored.join("\n")
    );
    // Every case with a session fixture fails at its create, on O2, and gates whatever its own
    // severity.
    let at_set_up = results
        .iter()
        .filter(|r| {
            r.failures
                .iter()
                .any(|f| f.rule == "O2" && f.expectation.starts_with("at set-up"))
        })
        .count();
    assert!(
        at_set_up > results.len() / 2,
        "{at_set_up} of {}",
        results.len()
    );
    assert!(results
        .iter()
        .filter(|r| r.case.outcome == Outcome::Fail)
        .all(|r| r.fails_gate(mpsd_conformance::verdict::FailOn::Should)));
}

/// A 500 for two Authorization headers, which only a `may` case sends.
struct FailsOnTwoAuthorizations;
impl Tamper for FailsOnTwoAuthorizations {
    fn request(&self, req: &mut Forward) -> Option<Answer> {
        let two = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("authorization"))
            .count()
            > 1;
        two.then(|| Answer::text(500, "internal error"))
    }
}

const TWO_AUTHORIZATIONS: &str = r#"{ "$schema": "../case.schema.json", "title": "t", "rules": ["H2"], "severity": "may",
  "mayForm": "H2/two-headers",
  "steps": [
    { "use": "session", "name": "s" },
    { "request": { "method": "GET", "path": "/handles/{{s.handle}}/session",
                   "headers": { "Authorization": ["{{auth.a}}", "{{auth.b}}"] } },
      "expect": {} }
  ] }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_in_a_may_case_gates_as_o13() {
    let may = |rules: &str| TWO_AUTHORIZATIONS.replace(r#"["H2"]"#, rules);
    let case = may(r#"["H2"]"#);
    assert_pass(&run(&case, &target(Honest).await).await);
    let r = run(&case, &target(FailsOnTwoAuthorizations).await).await;
    assert_fails(&r, "O13", "500");
    use mpsd_conformance::verdict::{FailOn, Verdict};
    assert_eq!(r.case.severity, mpsd_conformance::case::Severity::May);
    assert_eq!(r.verdict(FailOn::Must), Verdict::Fail, "O13 is a must rule");
}

/// A handle's read renders it without the invitee.
struct InviteReadWithoutInvitee;
impl Tamper for InviteReadWithoutInvitee {
    fn response(&self, req: &Forward, answer: &mut Answer) {
        if req.method == "GET"
            && req.path.starts_with("/handles/")
            && !req.path.ends_with("/session")
        {
            if let Ok(Value::Object(mut doc)) = serde_json::from_slice::<Value>(&answer.body) {
                doc.remove("invitedXuid");
                answer.body = serde_json::to_vec(&doc).unwrap_or_default();
            }
        }
    }
}

/// The read by name lags one write behind: it answers the session as it was before the last
/// write through a handle.
#[derive(Default)]
struct StaleReadByName(std::sync::Mutex<Option<Vec<u8>>>);
impl Tamper for StaleReadByName {
    fn response(&self, req: &Forward, answer: &mut Answer) {
        let Ok(mut previous) = self.0.lock() else {
            return;
        };
        if req.method == "GET" && req.path.contains("/sessions/") {
            if let Some(old) = previous.as_ref() {
                answer.body = old.clone();
            }
        } else if req.method == "PUT" && req.path.contains("/sessions/") && answer.status == 201 {
            *previous = Some(answer.body.clone());
        }
    }
}

const UPDATE: &str = r#"{ "$schema": "../case.schema.json", "title": "t", "rules": ["O1"], "severity": "must",
  "steps": [
    { "use": "session", "name": "s" },
    { "name": "w", "request": { "method": "PUT", "path": "/handles/{{s.handle}}/session",
                                "body": { "properties": { "custom": { "k": 1 } } } },
      "expect": { "status": 200 } }
  ] }"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_writes_and_created_handles_read_back_as_answered() {
    assert_pass(&run(UPDATE, &target(Honest).await).await);
    // The fixture's handle reads back without a field it was created with: R4, at set-up.
    let r = run(UPDATE, &target(InviteReadWithoutInvitee).await).await;
    assert_fails(&r, "R4", "`invitedXuid` is missing");
    assert_eq!(
        r.failures[0].step.as_deref(),
        Some("s#handle (read-back R4)")
    );
    // The session read by name is not what the write through the handle answered: O16.
    let r = run(UPDATE, &target(StaleReadByName::default()).await).await;
    assert_fails(&r, "O16", "not the document the write answered");
    assert_eq!(r.failures[0].step.as_deref(), Some("w (read-back R5)"));
    // Opting out says why, and skips the reads.
    let opted = UPDATE.replace(
        r#""expect": { "status": 200 } }"#,
        r#""expect": { "status": 200 }, "noReadBack": "the test says so" }"#,
    );
    let r = run(&opted, &target(StaleReadByName::default()).await).await;
    assert_pass(&r);
    assert!(!r
        .exchanges
        .iter()
        .any(|e| e.step.starts_with("w (read-back")));
}

/// Every session it reads back breaks SH1 the same way (`contractVersion` as text); what the
/// writes answer is the server's own.
struct ReadsVersionAsText;
impl Tamper for ReadsVersionAsText {
    fn response(&self, req: &Forward, answer: &mut Answer) {
        if req.method == "GET" {
            answer.replace_in_body("\"contractVersion\":107", "\"contractVersion\":\"107\"");
        }
    }
}

/// The read-backs of a write answer the same bytes (by handle, by name), and the oracle parses
/// and validates the same bytes once (`CaseRun::shape`): each answer is still held to its shape,
/// at its own step — a broken document seen twice fails twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_of_the_same_bytes_are_each_held_to_their_shape() {
    let r = run(UPDATE, &target(ReadsVersionAsText).await).await;
    let broken: Vec<&Exchange> = r
        .exchanges
        .iter()
        .filter(|e| {
            e.response.as_ref().is_some_and(|a| {
                String::from_utf8_lossy(&a.body).contains("\"contractVersion\":\"107\"")
            })
        })
        .collect();
    let same_bytes = |a: &Exchange, b: &Exchange| {
        a.response.as_ref().map(|r| &r.body) == b.response.as_ref().map(|r| &r.body)
    };
    let repeated = broken
        .iter()
        .enumerate()
        .any(|(i, e)| broken[..i].iter().any(|earlier| same_bytes(earlier, e)));
    assert!(
        repeated,
        "no two answers of the same bytes: the test no longer shares a parse\n{}",
        explain(&r, &Redactor::default())
    );
    for e in &broken {
        assert!(
            r.failures
                .iter()
                .any(|f| f.rule == "SH1" && f.step.as_deref() == Some(e.step.as_str())),
            "{} answered a session that breaks SH1, and no SH1 failure names it:\n{}",
            e.step,
            explain(&r, &Redactor::default())
        );
    }
}
