//! Saving a finding as an ordinary case file: each step a request (a concurrent step a
//! `parallel` one), each answer held to what the model allows — the status, and for a session
//! answered after a step sent alone, its members, counts and custom properties — captures for the
//! ETags and handle ids later steps use. Before it is written, the case must fail against the
//! target the finding came from and pass against the embedded reference (and the alternative
//! server, where its script is at hand): a finding that cannot be written as a stable case says so.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::case::{CaseSource, SourceFile};
use crate::plan::load;
use crate::run::{prepare, run_case, Environment, Outcome, PrepareOptions, RunContext, Target};

use super::drive::Finding;
use super::exec::body_json;
use super::judge::Xuids;
use super::model::{Expected, Session, World};
use super::program::{Op, Precondition, Program, ReadOp, Via, WriteOp};

/// The area saved cases are loaded under when they are checked.
const AREA: &str = "explore";

/// Writes `finding` as a case file into `dir`; returns its path, or why it was not saved. `env`
/// is the exploration's (a configuration profile's world included): the saved case is checked
/// with the same callers.
pub async fn save(
    ctx: &RunContext,
    env: &Environment,
    finding: &Finding,
    dir: &Path,
    seed: u64,
) -> Result<PathBuf, String> {
    let name = format!(
        "{}-{:016x}",
        finding.rule.replace('.', "_").to_lowercase(),
        crate::plan::fnv1a64(
            serde_json::to_string(&finding.program)
                .unwrap_or_default()
                .as_bytes()
        )
    );
    let case = case_file(&finding.program, &finding.rule, seed, &|r| {
        ctx.severity_of(r)
    })?;
    let text = serde_json::to_string_pretty(&case).map_err(|e| e.to_string())? + "\n";
    // It must fail where the finding was made…
    if run_saved(&text, &name, Target::Url(ctx.base_url.clone()), env.clone())
        .await?
        .outcome
        == Outcome::Pass
    {
        return Err(
            "the case passes against this target: the failure did not reproduce as a case".into(),
        );
    }
    // …and pass against the embedded reference and the alternative server.
    let reference = crate::reference::start(Default::default())
        .await
        .map_err(|e| format!("the embedded reference did not start: {e}"))?;
    let on_reference = run_saved(
        &text,
        &name,
        Target::Url(reference.url()),
        Environment::default(),
    )
    .await?;
    reference.shutdown().await;
    if on_reference.outcome != Outcome::Pass {
        return Err(format!(
            "the case does not pass against the embedded reference ({})",
            on_reference
                .why
                .unwrap_or_else(|| format!("{:?}", on_reference.outcome))
        ));
    }
    // In both its choices: a saved case must accept every answer the contract allows.
    for choices in ["first", "second"] {
        if let Some(ran) = against_alternative(&text, &name, choices).await {
            let ran = ran?;
            if ran.outcome != Outcome::Pass {
                return Err(format!(
                    "the case does not pass against the alternative server, --choices {choices} ({})",
                    ran.why.unwrap_or_else(|| format!("{:?}", ran.outcome))
                ));
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(path)
}

/// The case as JSON. `severity_of` gives a rule's severity by its basis: the case is `must` when
/// every rule it holds answers to is.
// Indexes only JSON objects it builds itself (`json!({…})`): `v["k"] = …` cannot panic on them.
#[allow(clippy::indexing_slicing)]
pub fn case_file(
    program: &Program,
    rule: &str,
    seed: u64,
    severity_of: &dyn Fn(&str) -> crate::case::Severity,
) -> Result<Value, String> {
    let xuids = placeholder_xuids();
    let mut world = World::new(&program.templates);
    let mut steps: Vec<Value> = Vec::new();
    // Which step last carried each session's ETag, and an earlier one (for a stale If-Match).
    let mut etag_step: Vec<Option<String>> = vec![None; program.templates.len()];
    let mut stale_step: Vec<Option<String>> = vec![None; program.templates.len()];
    let mut rules: Vec<String> = vec![rule.to_string()];
    let mut uncertain: Vec<bool> = vec![false; program.templates.len()];
    for (n, step) in program.steps.iter().enumerate() {
        let label = format!("w{}", n + 1);
        let requests: Vec<Value> = step
            .ops
            .iter()
            .map(|op| request(op, program, &etag_step, &stale_step, &xuids))
            .collect::<Result<_, _>>()?;
        let expected: Vec<Vec<Expected>> = step.ops.iter().map(|op| world.expect(op)).collect();
        let statuses: Vec<u16> = expected
            .iter()
            .flat_map(|e| e.iter().flat_map(statuses_of))
            .collect::<std::collections::BTreeSet<u16>>()
            .into_iter()
            .collect();
        for e in expected.iter().flatten() {
            if let Some(r) = rule_of(e) {
                if !rules.iter().any(|x| x == r) {
                    rules.push(r.to_string());
                }
            }
        }
        let mut s = json!({ "name": label });
        match requests.as_slice() {
            [one] => {
                let Some(op) = step.ops.first() else {
                    return Err("a step sends a request without an operation".into());
                };
                s["request"] = one.clone();
                let mut expect = json!({ "status": { "in": statuses, "rule": rule_of_all(&expected).unwrap_or(rule) } });
                // A session answer after a step sent alone: its members, counts, custom values —
                // unless sessions sent at once left it in a state only their order decides.
                let session = op_session(op);
                let known = !uncertain.get(session).copied().unwrap_or(false);
                match (expected.first().map(Vec::as_slice), op) {
                    (
                        Some(
                            [Expected::Accepted {
                                next: Some(next), ..
                            }],
                        ),
                        Op::Write(WriteOp { .. }),
                    ) if known => {
                        if let Some(checks) = session_checks(next, &world, session) {
                            expect["when"] = json!([{ "status": [200, 201], "expect": checks }]);
                        }
                    }
                    (
                        Some(
                            [Expected::Read {
                                present: true,
                                not_modified: false,
                            }],
                        ),
                        Op::Read(ReadOp { .. }),
                    ) if known => {
                        let current = world.slot(session).and_then(|s| s.state.clone());
                        if let Some(checks) =
                            current.and_then(|c| session_checks(&c, &world, session))
                        {
                            expect["when"] = json!([{ "status": [200], "expect": checks }]);
                        }
                    }
                    _ => {}
                }
                s["expect"] = expect;
                if let Some(Op::CreateHandle { .. }) = step.ops.first() {
                    s["capture"] = json!({ "id": { "pointer": "/id" } });
                } else if carries_session(op) {
                    s["capture"] = json!({ "etag": { "header": "etag" } });
                }
            }
            many => {
                // Each of the two may meet the session before or after the other.
                let statuses: Vec<u16> = match step.ops.as_slice() {
                    [x, y] => {
                        let mut all = std::collections::BTreeSet::new();
                        for (p, q) in [(x, y), (y, x)] {
                            let mut after = world.clone();
                            advance(&mut after, p);
                            let q = as_met(&world, &after, q);
                            for e in world.expect(p).iter().chain(after.expect(&q).iter()) {
                                all.extend(statuses_of(e));
                            }
                        }
                        all.into_iter().collect()
                    }
                    _ => statuses,
                };
                s["parallel"] = Value::Array(many.to_vec());
                s["expect"] = json!({ "status": { "in": statuses, "rule": rule_of_all(&expected).unwrap_or(rule) } });
                if let Some(tally) = tally(step.ops.as_slice(), &world) {
                    s["expect"]["tally"] = tally;
                }
            }
        }
        steps.push(s);
        if let [first, second] = step.ops.as_slice() {
            // Two sent at once: where the two orders leave different sessions, what follows on
            // that session is not checked in detail; the world moves as the first order would.
            let this = in_order(&world, first, second);
            let other = in_order(&world, second, first);
            for (i, flag) in uncertain.iter_mut().enumerate() {
                if session_state(&this, i) != session_state(&other, i) {
                    *flag = true;
                }
            }
            world = this;
            // No ETag of theirs is captured: a read of each session they wrote captures one.
            let mut sessions: Vec<usize> = step.ops.iter().filter_map(carries).collect();
            sessions.dedup();
            for session in sessions {
                if session_state(&world, session).is_none() {
                    continue;
                }
                let read_label = format!("{label}r{session}");
                let caller = match step.ops.first() {
                    Some(Op::Write(WriteOp { caller, .. }) | Op::Read(ReadOp { caller, .. })) => {
                        *caller
                    }
                    _ => super::program::Caller::A,
                };
                let path = session_path(program, session).ok_or("no such session")?;
                let mut read = json!({
                    "name": read_label,
                    "request": { "method": "GET", "path": path, "as": caller.name() },
                    "expect": { "status": { "in": [200], "rule": "O16" } },
                    "capture": { "etag": { "header": "etag" } },
                });
                if !uncertain.get(session).copied().unwrap_or(false) {
                    if let Some(checks) = session_state(&world, session)
                        .and_then(|c| session_checks(&c, &world, session))
                    {
                        read["expect"]["when"] = json!([{ "status": [200], "expect": checks }]);
                    }
                }
                steps.push(read);
                if let Some(slot) = stale_step.get_mut(session) {
                    *slot = etag_step.get(session).cloned().flatten();
                }
                if let Some(slot) = etag_step.get_mut(session) {
                    *slot = Some(read_label);
                }
            }
            continue;
        }
        // The world moves as the model's first outcome of each operation would (the reference's).
        for op in &step.ops {
            advance(&mut world, op);
            if let Some(session) = carries(op) {
                if let Some(slot) = stale_step.get_mut(session) {
                    *slot = etag_step.get(session).cloned().flatten();
                }
                if let Some(slot) = etag_step.get_mut(session) {
                    *slot = Some(label.clone());
                }
            }
        }
    }
    // Every rule an expectation names is one of the case's.
    collect_rules(&Value::Array(steps.clone()), &mut rules);
    rules.sort();
    rules.dedup();
    let severity = if rules
        .iter()
        .all(|r| severity_of(r) == crate::case::Severity::Must)
    {
        "must"
    } else {
        "should"
    };
    Ok(json!({
        "$schema": "../case.schema.json",
        "title": format!(
            "Found by explore (seed {seed}): {} step{} that break{} {rule}",
            program.steps.len(),
            if program.steps.len() == 1 { "" } else { "s" },
            if program.steps.len() == 1 { "s" } else { "" },
        ),
        "description": "Written by `mpsd-conformance explore --save`: a shrunk program, each answer held to what the contract allows. Passes against the embedded reference; failed against the target it was found on.",
        "rules": rules,
        "severity": severity,
        "steps": steps,
    }))
}

/// Every `"rule"` string in `value`.
fn collect_rules(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("rule", Value::String(r)) => into.push(r.clone()),
                    _ => collect_rules(v, into),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_rules(v, into)),
        _ => {}
    }
}

/// The xuids of the saved case: the callers' by variable, the reserved-only ones literally.
fn placeholder_xuids() -> Xuids {
    let mut map = std::collections::BTreeMap::new();
    map.insert("a".into(), "{{xuid.a}}".into());
    map.insert("b".into(), "{{xuid.b}}".into());
    map.insert("c".into(), "2533274790399001".into());
    map.insert("d".into(), "2533274790399002".into());
    Xuids(map)
}

fn session_path(program: &Program, session: usize) -> Option<String> {
    let template = program.templates.get(session)?.world_key();
    Some(format!(
        "/serviceconfigs/{{{{world.scid}}}}/sessionTemplates/{{{{world.{template}}}}}/sessions/{{{{fresh.s{session}}}}}"
    ))
}

// Indexes only JSON objects it builds itself (`json!({…})`): `v["k"] = …` cannot panic on them.
#[allow(clippy::indexing_slicing)]
fn request(
    op: &Op,
    program: &Program,
    etag_step: &[Option<String>],
    stale_step: &[Option<String>],
    xuids: &Xuids,
) -> Result<Value, String> {
    let path_of = |session: usize, via: &Via| -> Result<String, String> {
        match via {
            Via::Name => {
                session_path(program, session).ok_or_else(|| "no such session".to_string())
            }
            Via::Handle(h) => Ok(format!("/handles/{{{{h{h}.id}}}}/session")),
        }
    };
    Ok(match op {
        Op::Write(w) => {
            let path = w.with_query(path_of(w.session, &w.via)?);
            let mut r = json!({ "method": "PUT", "path": path, "as": w.caller.name(), "body": body_json(&w.body, xuids) });
            let current = etag_step.get(w.session).cloned().flatten();
            let stale = stale_step.get(w.session).cloned().flatten();
            let header = match w.precondition {
                Precondition::None => None,
                Precondition::IfMatchCurrent => Some((
                    "If-Match",
                    current.map_or("\"mpsdc-unseen\"".into(), |s| format!("{{{{{s}.etag}}}}")),
                )),
                Precondition::IfMatchStale => Some((
                    "If-Match",
                    stale.map_or("\"mpsdc-stale\"".into(), |s| format!("{{{{{s}.etag}}}}")),
                )),
                Precondition::IfMatchAny => Some(("If-Match", "*".into())),
                Precondition::IfNoneMatchAny => Some(("If-None-Match", "*".into())),
            };
            if let Some((name, value)) = header {
                r["headers"] = json!({ name: value });
            }
            r
        }
        Op::Read(read) => {
            let mut r = json!({ "method": "GET", "path": path_of(read.session, &read.via)?, "as": read.caller.name() });
            let seen = etag_step.get(read.session).cloned().flatten();
            if let (true, Some(s)) = (read.if_none_match, seen) {
                r["headers"] = json!({ "If-None-Match": format!("{{{{{s}.etag}}}}") });
            }
            r
        }
        Op::CreateHandle {
            session, caller, ..
        } => {
            let template = program
                .templates
                .get(*session)
                .ok_or("no such session")?
                .world_key();
            json!({ "method": "POST", "path": "/handles", "as": caller.name(), "body": {
                "version": 1, "type": "invite",
                "sessionRef": { "scid": "{{world.scid}}", "templateName": format!("{{{{world.{template}}}}}"), "name": format!("{{{{fresh.s{session}}}}}") },
                "invitedXuid": "{{xuid.b}}"
            } })
        }
        Op::ReadHandle { handle, caller } => {
            json!({ "method": "GET", "path": format!("/handles/{{{{h{handle}.id}}}}"), "as": caller.name() })
        }
        Op::DeleteHandle { handle, caller } => {
            json!({ "method": "DELETE", "path": format!("/handles/{{{{h{handle}.id}}}}"), "as": caller.name() })
        }
    })
}

fn op_session(op: &Op) -> usize {
    match op {
        Op::Write(WriteOp { session, .. })
        | Op::Read(ReadOp { session, .. })
        | Op::CreateHandle { session, .. } => *session,
        _ => 0,
    }
}

/// The session whose ETag an operation's answer carries, if any.
fn carries(op: &Op) -> Option<usize> {
    match op {
        Op::Write(WriteOp {
            session,
            nocommit: false,
            ..
        })
        | Op::Read(ReadOp { session, .. }) => Some(*session),
        _ => None,
    }
}

fn carries_session(op: &Op) -> bool {
    carries(op).is_some()
}

fn statuses_of(e: &Expected) -> Vec<u16> {
    match e {
        Expected::Accepted { status, .. } => vec![*status],
        Expected::Refused { statuses, .. } => statuses.clone(),
        Expected::Stale => vec![412],
        Expected::Read {
            present: true,
            not_modified: true,
        } => vec![304],
        Expected::Read { present: true, .. } => vec![200],
        Expected::Read { .. } => vec![204],
        Expected::HandleCreated => vec![200, 201, 202, 204],
        Expected::HandleRead { alive: true } => vec![200],
        Expected::HandleRead { alive: false } => vec![404],
        Expected::HandleDeleted { alive: true } => vec![200, 202, 204],
        Expected::HandleDeleted { alive: false } => vec![200, 202, 204, 404],
    }
}

fn rule_of(e: &Expected) -> Option<&'static str> {
    Some(match e {
        Expected::Accepted { rule, .. } | Expected::Refused { rule, .. } => rule,
        Expected::Stale => "H4.c",
        Expected::Read { .. } => "O16",
        Expected::HandleCreated => "R3",
        Expected::HandleRead { .. } | Expected::HandleDeleted { .. } => "R4",
    })
}

fn rule_of_all(expected: &[Vec<Expected>]) -> Option<&'static str> {
    expected.iter().flatten().find_map(rule_of)
}

/// What a session answered after a step sent alone must show: its members (and who is not one
/// any more), their count, the session's custom properties.
// Indexes only JSON objects it builds itself (`json!({…})`): `v["k"] = …` cannot panic on them.
#[allow(clippy::indexing_slicing)]
fn session_checks(next: &Session, world: &World, session: usize) -> Option<Value> {
    let xuids = placeholder_xuids();
    let mut members: Vec<Value> = next
        .members
        .iter()
        .filter_map(|(key, m)| {
            let xuid = xuids.of(key)?;
            let mut member = json!({ "xuid": xuid, "rule": "B4.a" });
            let mut asserts = vec![json!({ "pointer": "/properties/custom", "equals": Value::Object(m.custom.clone()), "rule": "B13" })];
            if m.reserved {
                asserts.push(json!({ "pointer": "/reserved", "equals": true, "rule": "SH2.a" }));
            }
            if let Some(active) = m.active {
                asserts.push(json!({ "pointer": "/properties/system/active", "equals": active, "rule": "B4.a" }));
            }
            member["json"] = Value::Array(asserts);
            Some(member)
        })
        .collect();
    let before = world.slot(session).and_then(|s| s.state.as_ref());
    if let Some(before) = before {
        for key in before
            .members
            .keys()
            .filter(|k| !next.members.contains_key(*k))
        {
            if let Some(xuid) = xuids.of(key) {
                members.push(json!({ "xuid": xuid, "present": false, "rule": "B4.a" }));
            }
        }
    }
    Some(json!({
        "members": members,
        "json": [
            { "pointer": "/membersInfo/count", "equals": next.members.len(), "rule": "SH2" },
            { "pointer": "/membersInfo/accepted", "equals": next.members.values().filter(|m| !m.reserved).count(), "rule": "SH2.a" },
            { "pointer": "/properties/custom", "equals": Value::Object(next.custom.clone()), "rule": "B13" },
            { "pointer": "/constants/custom", "equals": Value::Object(next.constants.clone()), "rule": "B9" },
        ],
        "invariants": [ { "name": "member-list", "rule": "SH2" }, { "name": "members-info", "rule": "SH2" } ],
    }))
}

/// The tally of a step of two sent at once, where every order the contract allows gives the
/// same answers: two writers with one ETag (one wins: 200 and 412), two creates each only if the
/// session does not exist (201 and 412), two creates without a precondition (201 and 200), two
/// joins (200 twice). Where the orders differ, or an answer is one of a set, none.
fn tally(ops: &[Op], world: &World) -> Option<Value> {
    let [first, second] = ops else { return None };
    let mut a = statuses_in_order(world, first, second)?;
    let mut b = statuses_in_order(world, second, first)?;
    a.sort_unstable();
    b.sort_unstable();
    if a != b {
        return None;
    }
    // Each status counted under the rule that predicts it (201: O2, 412 of If-None-Match: H4.a).
    let mut counts: std::collections::BTreeMap<u16, (usize, &'static str)> =
        std::collections::BTreeMap::new();
    for (status, rule) in a {
        counts.entry(status).or_insert((0, rule)).0 += 1;
    }
    let entries: Vec<Value> = counts
        .into_iter()
        .map(|(status, (count, rule))| json!({ "status": [status], "count": count, "rule": rule }))
        .collect();
    Some(Value::Array(entries))
}

/// The one status (with its rule) each of `x` then `y` may answer, when the model allows exactly
/// one each.
fn statuses_in_order(world: &World, x: &Op, y: &Op) -> Option<Vec<(u16, &'static str)>> {
    let single = |e: Vec<Expected>| match e.as_slice() {
        [only] => match statuses_of(only).as_slice() {
            [status] => Some((*status, rule_of(only)?)),
            _ => None,
        },
        _ => None,
    };
    let sx = single(world.expect(x))?;
    let mut after = world.clone();
    advance(&mut after, x);
    let sy = single(after.expect(&as_met(world, &after, y)))?;
    Some(vec![sx, sy])
}

/// The world after `x` then `y`, sent at once.
fn in_order(world: &World, x: &Op, y: &Op) -> World {
    let mut after = world.clone();
    advance(&mut after, x);
    let y = as_met(world, &after, y);
    advance(&mut after, &y);
    after
}

/// `y` as the target meets it after `x` changed the session: the ETag both held is stale then.
fn as_met(before: &World, after: &World, y: &Op) -> Op {
    match y {
        Op::Write(WriteOp {
            session,
            precondition: Precondition::IfMatchCurrent,
            ..
        }) if session_state(before, *session) != session_state(after, *session) => {
            let mut stale = y.clone();
            if let Op::Write(WriteOp { precondition, .. }) = &mut stale {
                *precondition = Precondition::IfMatchStale;
            }
            stale
        }
        other => other.clone(),
    }
}

fn session_state(world: &World, session: usize) -> Option<Session> {
    world.slot(session).and_then(|s| s.state.clone())
}

/// The world after `op`, as the model's first outcome (the reference's) has it.
fn advance(world: &mut World, op: &Op) {
    let first = world.expect(op).into_iter().next();
    match (op, first) {
        (
            Op::Write(WriteOp {
                session,
                nocommit: false,
                ..
            }),
            Some(Expected::Accepted { next, .. }),
        ) => {
            if let Some(slot) = world.slots.get_mut(*session) {
                slot.state = next;
            }
        }
        (
            Op::CreateHandle {
                handle, session, ..
            },
            _,
        ) => {
            world.create_handle(*handle, *session);
        }
        (Op::DeleteHandle { handle, .. }, _) => {
            if let Some(Some(h)) = world.handles.get_mut(*handle) {
                h.alive = false;
                h.deleted = true;
            }
        }
        _ => {}
    }
}

/// Runs the saved case (as `explore/<name>`, beside the embedded catalog's suite) against `target`.
async fn run_saved(
    text: &str,
    name: &str,
    target: Target,
    env: Environment,
) -> Result<Ran, String> {
    let embedded = CaseSource::embedded();
    let mut files: Vec<SourceFile> = embedded
        .files
        .into_iter()
        .filter(|f| !f.path.contains('/') || f.path.starts_with("schemas/"))
        .filter(|f| f.path != crate::case::generate::MODEL_FILE)
        .collect();
    files.push(SourceFile {
        path: format!("{AREA}/{name}.json"),
        bytes: text.as_bytes().to_vec(),
    });
    files.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let source = CaseSource {
        origin: "explore".into(),
        files,
        problems: Vec::new(),
    };
    let set = load(&source, None).map_err(|e| format!("the saved case does not load: {e}"))?;
    let prepared = prepare(&set, &env, PrepareOptions::new(target)).map_err(|e| e.to_string())?;
    let case = set.cases.first().ok_or("no case")?;
    let result = run_case(&prepared.ctx, case).await;
    Ok(Ran {
        outcome: result.case.outcome,
        why: result
            .failures
            .first()
            .map(|f| {
                format!(
                    "{}: [{}] {}",
                    f.step.as_deref().unwrap_or("?"),
                    f.rule,
                    f.message
                )
            })
            .or(result.message),
    })
}

/// How a saved case ran.
struct Ran {
    outcome: Outcome,
    /// The first failure, or why it could not be judged.
    why: Option<String>,
}

/// Runs the saved case against the alternative server when this is a checkout that has it and
/// python3 runs; `None` when it cannot be tried.
async fn against_alternative(text: &str, name: &str, choices: &str) -> Option<Result<Ran, String>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/alt_server/server.py");
    if !script.exists() {
        return None;
    }
    let mut child = tokio::process::Command::new("python3")
        .arg(&script)
        .args(["--port", "0", "--choices", choices])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .ok()?;
    let stdout = child.stdout.take()?;
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let first = tokio::time::timeout(std::time::Duration::from_secs(10), lines.next_line())
        .await
        .ok()?
        .ok()??;
    let url = first.split_whitespace().last()?.to_string();
    let outcome = run_saved(text, name, Target::Url(url), Environment::default()).await;
    let _ = child.kill().await;
    Some(outcome)
}
