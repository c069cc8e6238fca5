//! Running a program against the target: each step's requests built from the world as the
//! model holds it, sent (two at once for a concurrent step), judged by the oracle (global
//! checks, shapes) and the model — a concurrent step as a history, by the order of its two
//! operations that explains both answers — then every session left and every handle deleted.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use crate::check::{check_global, Failure};
use crate::exchange::{Exchange, RequestData, Resource, ResponseData, TransportError};
use crate::http::{Interrupts, RetryEnd};
use crate::run::{send_retrying, RunContext};

use super::judge::{judge, Xuids};
use super::model::World;
use super::program::{Body, Caller, Op, Precondition, Program, ReadOp, Template, Via, WriteOp};

/// One operation as sent and judged.
#[derive(Clone, Debug)]
pub struct OpRecord {
    pub op: Op,
    pub exchange: Exchange,
    pub failures: Vec<Failure>,
}

/// One step as run: its operations, in the order that explains them for a concurrent step.
#[derive(Clone, Debug)]
pub struct StepRecord {
    pub ops: Vec<OpRecord>,
    /// For a concurrent step: which order of its operations the judgement took.
    pub order: Option<String>,
}

/// How a program ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Ending {
    /// Every answer was what the contract allows.
    Passed,
    /// An answer broke a rule: the last step's failures say which.
    Finding,
    /// The program could not be judged (transport, throttling past the policy).
    Error(String),
    Interrupted,
}

/// A program as run.
#[derive(Clone, Debug)]
pub struct Executed {
    pub steps: Vec<StepRecord>,
    pub ending: Ending,
    /// Requests sent for the program's own steps.
    pub operations: usize,
    /// What cleaning up sent.
    pub teardown: Vec<Exchange>,
}

impl Executed {
    /// Every failure, in order.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.steps
            .iter()
            .flat_map(|s| s.ops.iter().flat_map(|o| o.failures.iter()))
    }
}

/// The synthetic xuids a program reserves seats for, besides the callers'.
const RESERVED_ONLY: [(&str, &str); 2] = [("c", "2533274790399001"), ("d", "2533274790399002")];

/// The world's xuids: the callers' and two that only reservations name.
pub fn xuids(ctx: &RunContext) -> Xuids {
    let mut map = std::collections::BTreeMap::new();
    for (name, xuid) in &ctx.vars.xuids {
        map.insert(name.clone(), xuid.clone());
    }
    for (key, xuid) in RESERVED_ONLY {
        map.insert(key.to_string(), xuid.to_string());
    }
    Xuids(map)
}

/// Runs `program` against the target.
pub async fn execute(ctx: &RunContext, xuids: &Xuids, program: &Program) -> Executed {
    let names: Vec<String> = program
        .templates
        .iter()
        .map(|_| {
            format!(
                "mpsdc-{}-{}",
                ctx.vars.run_id,
                uuid::Uuid::new_v4().simple()
            )
        })
        .collect();
    let sender = Sender {
        ctx,
        names: &names,
        templates: &program.templates,
    };
    let mut world = World::new(&program.templates);
    let mut out = Executed {
        steps: Vec::with_capacity(program.steps.len()),
        ending: Ending::Passed,
        operations: 0,
        teardown: Vec::new(),
    };
    for (n, step) in program.steps.iter().enumerate() {
        if ctx.is_interrupted() {
            out.ending = Ending::Interrupted;
            break;
        }
        let built: Vec<(Op, RequestData)> = step
            .ops
            .iter()
            .filter_map(|op| sender.request(op, &world, xuids).map(|r| (op.clone(), r)))
            .collect();
        if built.is_empty() {
            continue;
        }
        out.operations += built.len();
        let answers = match built.as_slice() {
            [(_, one)] => vec![sender.send(one).await],
            [(_, first), (_, second)] => {
                let (x, y) = tokio::join!(sender.send(first), sender.send(second));
                vec![x, y]
            }
            _ => Vec::new(),
        };
        let mut records = Vec::with_capacity(built.len());
        let mut responses = Vec::with_capacity(built.len());
        let concurrent = built.len() > 1;
        for (j, ((op, request), (result, duration))) in built.into_iter().zip(answers).enumerate() {
            // The story's numbering: `step 3`, or `step 3a` and `step 3b` for two sent at once.
            let label = if concurrent {
                format!("step {}{}", n + 1, char::from(b'a' + (j as u8 % 26)))
            } else {
                format!("step {}", n + 1)
            };
            let (response, error) = match result {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e)),
            };
            let mut failures = Vec::new();
            if let Some(r) = &response {
                let global = check_global(&request.method, r);
                failures.extend(global.failures.into_iter().map(|f| ctx.oracle(f)));
                let path = crate::exchange::url_path(&request.url);
                let path = path.strip_prefix(ctx.base_path()).unwrap_or(path);
                failures.extend(
                    ctx.shapes
                        .judge(&request.method, &Resource::of(path), r)
                        .map(|f| ctx.oracle(f)),
                );
            }
            responses.push(response.clone());
            records.push(OpRecord {
                op,
                exchange: Exchange::record(
                    label,
                    request,
                    response,
                    error.clone(),
                    duration,
                    &ctx.redactor,
                ),
                failures,
            });
            if let Some(e) = error {
                out.ending = Ending::Error(e.to_string());
            }
        }
        if out.ending != Ending::Passed {
            label_failures(&mut records);
            out.steps.push(StepRecord {
                ops: records,
                order: None,
            });
            break;
        }
        let answers: Vec<ResponseData> = responses.into_iter().flatten().collect();
        let judgement = judged(&world, &mut records, &answers, xuids, ctx);
        let order = judgement.order;
        world = judgement.world;
        if let Some(other) = judgement.other {
            // Both orders explain the answers but leave different sessions: a read of each
            // such session tells which one the target took.
            match settle(&sender, ctx, xuids, n, world, other).await {
                Settled::Known(next, reads) => {
                    world = *next;
                    records.extend(reads);
                }
                Settled::Neither(next, reads) => {
                    world = *next;
                    records.extend(reads);
                }
                Settled::Unanswered(next, reads, why) => {
                    world = *next;
                    records.extend(reads);
                    out.ending = Ending::Error(why);
                    label_failures(&mut records);
                    out.steps.push(StepRecord {
                        ops: records,
                        order,
                    });
                    break;
                }
            }
        }
        let found = records.iter().any(|r| !r.failures.is_empty());
        label_failures(&mut records);
        out.steps.push(StepRecord {
            ops: records,
            order,
        });
        if found {
            out.ending = Ending::Finding;
            break;
        }
    }
    out.teardown = sender.teardown(&world).await;
    out
}

/// Each failure names the step whose exchange broke its rule.
fn label_failures(records: &mut [OpRecord]) {
    for r in records {
        for f in &mut r.failures {
            f.step = Some(r.exchange.step.clone());
        }
    }
}

/// A step's judgement: the world after it, the order taken for two sent at once, and the world
/// the other order would leave when it too explains every answer and leaves another world.
struct Judgement {
    world: World,
    order: Option<String>,
    other: Option<World>,
}

/// Judges a step's answers; for two at once, by an order of the two that explains both (a
/// history: a read shows a state some write produced, at most one conditional write wins, no
/// accepted write is lost).
// `x` and `y` are 0 and 1, in either order, into arrays of two.
#[allow(clippy::indexing_slicing)]
fn judged(
    world: &World,
    records: &mut [OpRecord],
    answers: &[ResponseData],
    xuids: &Xuids,
    ctx: &RunContext,
) -> Judgement {
    let oracle = |f: Failure| ctx.oracle(f);
    match (records, answers) {
        ([one], [answer]) => {
            let op = as_sent(&one.op, &one.exchange.request, world);
            let j = judge(world, &op, answer, xuids);
            one.failures.extend(j.failures.into_iter().map(oracle));
            Judgement {
                world: j.world,
                order: None,
                other: None,
            }
        }
        ([first, second], [a, b]) => {
            let ops = [&first.op, &second.op];
            let answers = [a, b];
            let requests = [&first.exchange.request, &second.exchange.request];
            // Each order: its failures per operation, and the world it leaves.
            let mut tried: Vec<Order> = Vec::new();
            for (x, y) in [(0usize, 1usize), (1, 0)] {
                let jx = judge(
                    world,
                    &as_sent(ops[x], requests[x], world),
                    answers[x],
                    xuids,
                );
                let op_y = as_sent(ops[y], requests[y], &jx.world);
                let jy = judge(&jx.world, &op_y, answers[y], xuids);
                let count = jx.failures.len() + jy.failures.len();
                let mut found: [Vec<Failure>; 2] = [Vec::new(), Vec::new()];
                found[x] = jx.failures;
                found[y] = jy.failures;
                tried.push((count, jy.world, found, (x, y)));
            }
            let explaining: Vec<&World> = tried.iter().filter(|t| t.0 == 0).map(|t| &t.1).collect();
            let other = match explaining.as_slice() {
                [one, two] if !same_sessions(one, two) => Some((*two).clone()),
                _ => None,
            };
            let Some((count, next, found, (x, y))) = tried.into_iter().min_by_key(|t| t.0) else {
                return Judgement {
                    world: world.clone(),
                    order: None,
                    other: None,
                };
            };
            let [f0, f1] = found;
            let note = |f: Failure| {
                let mut f = oracle(f);
                f.message = format!(
                    "{} (sent at once; no order of the two answers is one the contract allows)",
                    f.message
                );
                f
            };
            let wrap = |fs: Vec<Failure>| -> Vec<Failure> {
                if count == 0 {
                    fs
                } else {
                    fs.into_iter().map(note).collect()
                }
            };
            first.failures.extend(wrap(f0));
            second.failures.extend(wrap(f1));
            Judgement {
                world: next,
                order: Some(format!("judged as operation {} then {}", x + 1, y + 1)),
                other,
            }
        }
        _ => Judgement {
            world: world.clone(),
            order: None,
            other: None,
        },
    }
}

/// Whether two worlds hold the same sessions (what a read would show).
fn same_sessions(a: &World, b: &World) -> bool {
    a.slots.len() == b.slots.len()
        && a.slots
            .iter()
            .zip(&b.slots)
            .all(|(x, y)| content_of(x) == content_of(y))
}

/// A session as a read shows it: who is in it, their properties, the session's own.
/// One order of a concurrent step as judged: how many failures it has, the world it leaves, the
/// failures of each operation, and the order (which went first).
type Order = (usize, World, [Vec<Failure>; 2], (usize, usize));

/// Method, path, caller, body and headers of a request about to be built.
type RequestParts<'a> = (
    &'a str,
    String,
    Caller,
    Option<Value>,
    Vec<(String, String)>,
);

/// Members (xuid, reserved, custom), the session's custom properties and its constants.
type Content = (Vec<(String, bool, Value)>, Value, Value);

fn content_of(slot: &super::model::Slot) -> Option<Content> {
    slot.state.as_ref().map(|s| {
        (
            s.members
                .iter()
                .map(|(k, m)| (k.clone(), m.reserved, Value::Object(m.custom.clone())))
                .collect(),
            Value::Object(s.custom.clone()),
            Value::Object(s.constants.clone()),
        )
    })
}

/// How a read settled which order two operations sent at once took.
enum Settled {
    /// The world of the order the reads show.
    Known(Box<World>, Vec<OpRecord>),
    /// Neither order's world: the reads carry the failures (a state no order produced).
    Neither(Box<World>, Vec<OpRecord>),
    /// A read went unanswered.
    Unanswered(Box<World>, Vec<OpRecord>, String),
}

/// Reads each session the two worlds disagree on, and keeps the world the reads show.
async fn settle(
    sender: &Sender<'_>,
    ctx: &RunContext,
    xuids: &Xuids,
    n: usize,
    one: World,
    two: World,
) -> Settled {
    let differing: Vec<usize> = (0..one.slots.len())
        .filter(|i| one.slots.get(*i).map(content_of) != two.slots.get(*i).map(content_of))
        .collect();
    let caller = [Caller::A, Caller::B]
        .into_iter()
        .find(|c| {
            ctx.identities
                .get(c.name())
                .is_some_and(|i| i.authorization.is_some())
        })
        .unwrap_or(Caller::A);
    let (mut a, mut b) = (one, two);
    let (mut a_fits, mut b_fits) = (true, true);
    let mut reads = Vec::new();
    let mut first_failures: Vec<Failure> = Vec::new();
    for session in differing {
        let op = Op::Read(ReadOp {
            session,
            via: Via::Name,
            caller,
            if_none_match: false,
        });
        let Some(request) = sender.request(&op, &a, xuids) else {
            continue;
        };
        let (result, duration) = sender.send(&request).await;
        let label = format!("step {} (read: which order)", n + 1);
        match result {
            Ok(response) => {
                let ja = judge(&a, &op, &response, xuids);
                let jb = judge(&b, &op, &response, xuids);
                a_fits &= ja.failures.is_empty();
                b_fits &= jb.failures.is_empty();
                if first_failures.is_empty() {
                    first_failures = ja.failures;
                }
                a = ja.world;
                b = jb.world;
                reads.push(OpRecord {
                    op,
                    exchange: Exchange::record(
                        label,
                        request,
                        Some(response),
                        None,
                        duration,
                        &ctx.redactor,
                    ),
                    failures: Vec::new(),
                });
            }
            Err(e) => {
                let why = e.to_string();
                reads.push(OpRecord {
                    op,
                    exchange: Exchange::record(
                        label,
                        request,
                        None,
                        Some(e),
                        duration,
                        &ctx.redactor,
                    ),
                    failures: Vec::new(),
                });
                return Settled::Unanswered(Box::new(a), reads, why);
            }
        }
    }
    match (a_fits, b_fits) {
        (true, _) => Settled::Known(Box::new(a), reads),
        (false, true) => Settled::Known(Box::new(b), reads),
        (false, false) => {
            if let Some(last) = reads.last_mut() {
                last.failures = first_failures
                    .into_iter()
                    .map(|f| {
                        let mut f = ctx.oracle(f);
                        f.message = format!(
                            "{} (after two sent at once, the session is in a state neither order leaves)",
                            f.message
                        );
                        f
                    })
                    .collect();
            }
            Settled::Neither(Box::new(a), reads)
        }
    }
}

/// `op` as the target met it from `world`: an `If-Match` or `If-None-Match` ETag is current only
/// if it is the session's ETag in that world (the second of two writers sent at once carries one
/// the first may have made stale).
fn as_sent(op: &Op, request: &RequestData, world: &World) -> Op {
    let current = |session: usize| world.seen_etag(session);
    let mut op = op.clone();
    match &mut op {
        Op::Write(WriteOp {
            session,
            precondition: p @ (Precondition::IfMatchCurrent | Precondition::IfMatchStale),
            ..
        }) => {
            let sent = request.header("if-match").map(str::to_string);
            *p = if sent.is_some() && sent == current(*session) {
                Precondition::IfMatchCurrent
            } else {
                Precondition::IfMatchStale
            };
        }
        Op::Read(r) => {
            let sent = request.header("if-none-match").map(str::to_string);
            r.if_none_match = sent.is_some() && sent == current(r.session);
        }
        _ => {}
    }
    op
}

/// Builds and sends a program's requests.
struct Sender<'a> {
    ctx: &'a RunContext,
    names: &'a [String],
    templates: &'a [Template],
}

impl Sender<'_> {
    fn session_path(&self, session: usize) -> Option<String> {
        let world = &self.ctx.vars.world;
        let template = self.templates.get(session)?;
        let template = world.get(template.world_key())?;
        let scid = world.get("scid")?;
        let name = self.names.get(session)?;
        Some(format!(
            "/serviceconfigs/{scid}/sessionTemplates/{template}/sessions/{name}"
        ))
    }

    fn path(&self, session: usize, via: Via, world: &World) -> Option<String> {
        match via {
            Via::Name => self.session_path(session),
            Via::Handle(h) => {
                let id = world.handle(h)?.id.as_ref()?;
                Some(format!("/handles/{id}/session"))
            }
        }
    }

    /// The request of `op` from `world`, or `None` when it names a handle that was never made
    /// (a shrunk program may have lost its creation).
    fn request(&self, op: &Op, world: &World, xuids: &Xuids) -> Option<RequestData> {
        let (method, path, caller, body, headers): RequestParts = match op {
            Op::Write(w) => {
                let path = w.with_query(self.path(w.session, w.via, world)?);
                let headers = precondition_header(w.precondition, world, w.session);
                (
                    "PUT",
                    path,
                    w.caller,
                    Some(body_json(&w.body, xuids)),
                    headers,
                )
            }
            Op::Read(r) => {
                let path = self.path(r.session, r.via, world)?;
                let etag = world.seen_etag(r.session);
                let headers = match (r.if_none_match, etag) {
                    (true, Some(etag)) => vec![("If-None-Match".to_string(), etag)],
                    _ => Vec::new(),
                };
                ("GET", path, r.caller, None, headers)
            }
            Op::CreateHandle {
                session, caller, ..
            } => {
                let world_keys = &self.ctx.vars.world;
                let template = self.templates.get(*session)?.world_key();
                let body = json!({
                    "version": 1,
                    "type": "invite",
                    "sessionRef": {
                        "scid": world_keys.get("scid")?,
                        "templateName": world_keys.get(template)?,
                        "name": self.names.get(*session)?,
                    },
                    "invitedXuid": xuids.of("b").unwrap_or_default(),
                });
                ("POST", "/handles".into(), *caller, Some(body), Vec::new())
            }
            Op::ReadHandle { handle, caller } => {
                let id = world.handle(*handle)?.id.clone()?;
                ("GET", format!("/handles/{id}"), *caller, None, Vec::new())
            }
            Op::DeleteHandle { handle, caller } => {
                let id = world.handle(*handle)?.id.clone()?;
                (
                    "DELETE",
                    format!("/handles/{id}"),
                    *caller,
                    None,
                    Vec::new(),
                )
            }
        };
        let auth = self
            .ctx
            .identities
            .get(caller.name())
            .and_then(|i| i.authorization.as_deref());
        let body = body.map(|b| serde_json::to_vec(&b).unwrap_or_default());
        let mut all = self.ctx.headers.build(body.is_some(), auth);
        all.extend(headers);
        Some(RequestData {
            method: method.into(),
            url: format!("{}{path}", self.ctx.base_url),
            headers: all,
            body: body.unwrap_or_default().into(),
            truncated: false,
            framing: Default::default(),
        })
    }

    /// Sends one request as every request of a run goes: retried while throttled politely.
    async fn send(
        &self,
        request: &RequestData,
    ) -> (Result<ResponseData, TransportError>, Duration) {
        let started = Instant::now();
        let retried = send_retrying(self.ctx, request, Interrupts::SendsAndWaits).await;
        let last = retried.attempts.into_iter().last();
        match (retried.end, last) {
            (RetryEnd::Answered, Some(attempt)) => (attempt.result, attempt.duration),
            (RetryEnd::GaveUp(why), _) => (Err(TransportError::Request(why)), started.elapsed()),
            _ => (
                Err(TransportError::Request("interrupted".into())),
                started.elapsed(),
            ),
        }
    }

    /// Every caller leaves every session it is in; every handle still there is deleted.
    async fn teardown(&self, world: &World) -> Vec<Exchange> {
        let mut requests = Vec::new();
        for (i, slot) in world.slots.iter().enumerate() {
            let Some(state) = &slot.state else { continue };
            for caller in [Caller::A, Caller::B] {
                if state.members.contains_key(caller.name()) {
                    let op = Op::Write(WriteOp {
                        session: i,
                        via: Via::Name,
                        caller,
                        body: Body::Leave,
                        precondition: Precondition::None,
                        nocommit: false,
                    });
                    requests.extend(self.request(&op, world, &Xuids::default()));
                }
            }
        }
        for (h, handle) in world.handles.iter().enumerate() {
            if handle.as_ref().is_some_and(|h| h.alive) {
                let op = Op::DeleteHandle {
                    handle: h,
                    caller: Caller::A,
                };
                requests.extend(self.request(&op, world, &Xuids::default()));
            }
        }
        let mut out = Vec::with_capacity(requests.len());
        for request in requests {
            let (result, duration) = self.send(&request).await;
            let (response, error) = match result {
                Ok(r) => (Some(r), None),
                Err(e) => (None, Some(e)),
            };
            out.push(Exchange::record(
                "teardown".into(),
                request,
                response,
                error,
                duration,
                &self.ctx.redactor,
            ));
        }
        out
    }
}

/// The precondition header of a write, from what the model saw of the session.
fn precondition_header(p: Precondition, world: &World, session: usize) -> Vec<(String, String)> {
    let slot = world.slot(session);
    let current = world.seen_etag(session);
    let stale = slot
        .and_then(|s| {
            s.etags
                .iter()
                .rev()
                .find(|e| Some(*e) != current.as_ref())
                .cloned()
        })
        .unwrap_or_else(|| "\"mpsdc-stale\"".to_string());
    match p {
        Precondition::None => Vec::new(),
        Precondition::IfMatchCurrent => vec![(
            "If-Match".into(),
            current.unwrap_or_else(|| "\"mpsdc-unseen\"".into()),
        )],
        Precondition::IfMatchStale => vec![("If-Match".into(), stale)],
        Precondition::IfMatchAny => vec![("If-Match".into(), "*".into())],
        Precondition::IfNoneMatchAny => vec![("If-None-Match".into(), "*".into())],
    }
}

/// A write's body as JSON.
pub fn body_json(body: &Body, xuids: &Xuids) -> Value {
    match body {
        Body::Empty => json!({}),
        Body::Leave => json!({ "members": { "me": null } }),
        Body::Properties(changes) => json!({ "properties": { "custom": pairs(changes) } }),
        Body::Me {
            active,
            custom,
            constant,
        } => {
            let mut doc = json!({ "members": { "me": { "properties": {
                "system": { "active": active },
                "custom": pairs(custom),
            } } } });
            if let (Some((k, v)), Some(obj)) = (constant, doc.as_object_mut()) {
                obj.insert("constants".into(), json!({ "custom": { k: v } }));
            }
            doc
        }
        Body::Reserve(keys) => {
            let mut members = Map::new();
            for (i, key) in keys.iter().enumerate() {
                let xuid = xuids.of(key).unwrap_or_default();
                members.insert(
                    format!("reserve_{i}"),
                    json!({ "constants": { "system": { "xuid": xuid } } }),
                );
            }
            json!({ "members": members })
        }
    }
}

fn pairs(changes: &[(String, Value)]) -> Value {
    Value::Object(changes.iter().cloned().collect())
}
