//! Judging one answer by the model: the status among those the contract allows, then the
//! document against the state the model predicts — members by xuid with their reserved flags,
//! custom properties, constants, counts and the member list, the ETag and changeNumber changing
//! if and only if the content does, the branch — and what the answer teaches the model.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::check::{check_invariant, judge_handle_fields, judge_handle_gone, Failure};
use crate::exchange::ResponseData;
use crate::plan::Invariant;

use super::model::{Choice, Expected, Handle, Seen, Session, World};
use super::program::{Body, Op, ReadOp, WriteOp};

/// The world's xuids, by key (`a`, `b`, `c`, `d`).
#[derive(Clone, Debug, Default)]
pub struct Xuids(pub BTreeMap<String, String>);

impl Xuids {
    pub fn of(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    fn key_of(&self, xuid: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, x)| x.as_str() == xuid)
            .map(|(k, _)| k.as_str())
    }
}

/// What judging an answer found, and the world after it.
pub struct Judged {
    pub failures: Vec<Failure>,
    pub world: World,
}

/// Judges `response`, the answer to `op` sent from `world`.
pub fn judge(world: &World, op: &Op, response: &ResponseData, xuids: &Xuids) -> Judged {
    let expected = world.expect(op);
    // Every candidate is tried: several can share a status (a reserved caller's leave that
    // removes or keeps the reservation) and only one of them may explain the document.
    let mut best: Option<(bool, Judged)> = None;
    for e in &expected {
        let j = judge_one(world, op, e, response, xuids);
        if j.failures.is_empty() {
            return j;
        }
        // Failing, the first candidate whose status matched says the most.
        let matched = status_allowed(e, response.status);
        if best.as_ref().is_none_or(|(had, _)| matched && !had) {
            best = Some((matched, j));
        }
    }
    best.map(|(_, j)| j).unwrap_or_else(|| Judged {
        failures: Vec::new(),
        world: world.clone(),
    })
}

fn status_allowed(e: &Expected, status: u16) -> bool {
    match e {
        Expected::Accepted { status: s, .. } => *s == status,
        Expected::Refused { statuses, .. } => statuses.contains(&status),
        Expected::Stale => status == 412,
        Expected::Read {
            present,
            not_modified,
        } => match (present, not_modified) {
            (true, true) => status == 304,
            (true, false) => status == 200,
            _ => status == 204,
        },
        Expected::HandleCreated => (200..300).contains(&status),
        Expected::HandleRead { alive } => status == if *alive { 200 } else { 404 },
        Expected::HandleDeleted { alive: true } => (200..300).contains(&status),
        Expected::HandleDeleted { alive: false } => status == 404 || (200..300).contains(&status),
    }
}

fn judge_one(
    world: &World,
    op: &Op,
    e: &Expected,
    response: &ResponseData,
    xuids: &Xuids,
) -> Judged {
    let mut out = world.clone();
    let mut failures = Vec::new();
    let status = response.status;
    if !status_allowed(e, status) {
        failures.push(status_failure(e, status, response));
        return Judged {
            failures,
            world: out,
        };
    }
    match (e, op) {
        (
            Expected::Accepted {
                next,
                changed,
                rule,
                ..
            },
            Op::Write(WriteOp {
                session,
                body,
                nocommit,
                ..
            }),
        ) => {
            let slot = *session;
            let before = world.slot(slot).and_then(|s| s.state.clone());
            let after = match next {
                Some(predicted) => {
                    let seen = judge_session(
                        before.as_ref(),
                        predicted,
                        *changed,
                        response,
                        xuids,
                        body,
                        rule,
                        world
                            .slot(slot)
                            .map(|s| s.branches.as_slice())
                            .unwrap_or_default(),
                        &mut failures,
                    );
                    let mut kept = predicted.clone();
                    learn_indexes(&mut kept, response, xuids);
                    kept.seen = seen;
                    Some(kept)
                }
                None => None,
            };
            if !*nocommit {
                if let Some(s) = out.slots.get_mut(slot) {
                    if let Some(seen) = after.as_ref().and_then(|a| a.seen.as_ref()) {
                        if let Some(etag) = &seen.etag {
                            s.etags.push(etag.clone());
                        }
                        if let Some(branch) = &seen.branch {
                            if !s.branches.contains(branch) {
                                s.branches.push(branch.clone());
                            }
                        }
                    }
                    s.state = after;
                }
            }
        }
        (
            Expected::Refused {
                learn: Some(Choice::Full),
                rule,
                ..
            },
            _,
        ) => match out.learnt.full {
            Some(chosen) if chosen != status => failures.push(Failure::new(
                rule,
                format!("the status this target chose for a full session ({chosen})"),
                format!("a full session was refused with {chosen} before, with {status} now"),
            )),
            _ => out.learnt.full = Some(status),
        },
        (Expected::Stale, Op::Write(WriteOp { session, .. })) => {
            let what = "the 412 of a stale If-Match";
            if let Some(seen) = world.seen(*session) {
                same_as_seen(seen, response, "H4.c", what, &mut failures);
            }
        }
        (
            Expected::Read {
                present: true,
                not_modified: false,
            },
            Op::Read(ReadOp { session, .. }),
        ) => {
            if let Some(seen) = world.seen(*session) {
                same_as_seen(
                    seen,
                    response,
                    "O16",
                    "a read of the session",
                    &mut failures,
                );
            }
        }
        (
            Expected::HandleCreated,
            Op::CreateHandle {
                handle, session, ..
            },
        ) => {
            let doc = response.json().filter(|d| d.is_object()).cloned();
            let id = doc
                .as_ref()
                .and_then(|d| d.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string);
            if id.is_none() {
                failures.push(Failure::new(
                    "SH3",
                    "a created handle's document names its id",
                    format!("POST /handles answered {status} without the handle's `id`"),
                ));
            }
            let needed = handle.saturating_add(1);
            if out.handles.len() < needed {
                out.handles.resize(needed, None);
            }
            if let Some(slot) = out.handles.get_mut(*handle) {
                *slot = Some(Handle {
                    session: *session,
                    alive: true,
                    id,
                    doc,
                    deleted: false,
                });
            }
        }
        (Expected::HandleRead { alive }, Op::ReadHandle { handle, .. }) => {
            let found = match (alive, world.handle(*handle).and_then(|h| h.doc.as_ref())) {
                (true, Some(doc)) => judge_handle_fields(doc, response, "R4"),
                (false, _) => judge_handle_gone(response, "R4"),
                _ => Vec::new(),
            };
            failures.extend(found);
        }
        (Expected::HandleDeleted { alive }, Op::DeleteHandle { handle, .. }) => {
            if !*alive {
                match out.learnt.second_delete {
                    Some(chosen) if chosen != status => failures.push(Failure::new(
                        "R4",
                        format!(
                            "the answer this target chose for a handle deleted twice ({chosen})"
                        ),
                        format!("a second DELETE answered {chosen} before, {status} now"),
                    )),
                    _ => out.learnt.second_delete = Some(status),
                }
            }
            if let Some(Some(h)) = out.handles.get_mut(*handle) {
                h.alive = false;
                h.deleted = true;
            }
        }
        _ => {}
    }
    Judged {
        failures,
        world: out,
    }
}

/// The failure of a status outside what the contract allows.
fn status_failure(e: &Expected, status: u16, response: &ResponseData) -> Failure {
    let (rule, allowed): (&str, String) = match e {
        Expected::Accepted { status, rule, .. } => (rule, status.to_string()),
        Expected::Refused { statuses, rule, .. } => (
            rule,
            statuses
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
        ),
        Expected::Stale => ("H4.c", "412".into()),
        Expected::Read {
            present,
            not_modified,
        } => (
            "O16",
            match (present, not_modified) {
                (true, true) => "304",
                (true, false) => "200",
                _ => "204",
            }
            .into(),
        ),
        Expected::HandleCreated => ("R3", "2xx".into()),
        Expected::HandleRead { alive: true } => ("R4", "200".into()),
        Expected::HandleRead { alive: false } => ("R4", "404".into()),
        Expected::HandleDeleted { alive: true } => ("R4", "2xx".into()),
        Expected::HandleDeleted { alive: false } => ("R4", "404 or 2xx".into()),
    };
    let (excerpt, _) = response.body.split_at(response.body.len().min(400));
    let excerpt = String::from_utf8_lossy(excerpt).into_owned();
    Failure::new(
        rule,
        format!("status {allowed}"),
        format!("the model expects {allowed}, the target answered {status}"),
    )
    .with_diff((!excerpt.trim().is_empty()).then_some(excerpt))
}

/// An answer that must be the session as last seen: same ETag, same document.
fn same_as_seen(
    seen: &Seen,
    response: &ResponseData,
    rule: &str,
    what: &str,
    failures: &mut Vec<Failure>,
) {
    if let (Some(etag), Some(now)) = (&seen.etag, response.header("etag")) {
        if etag != now {
            failures.push(Failure::new(
                rule,
                format!("{what} carries the session's current ETag"),
                format!("the ETag is {now}, the session's is {etag}"),
            ));
        }
    }
    if let Some(doc) = response.json() {
        if !crate::check::json_equal(&seen.doc, doc) {
            failures.push(
                Failure::new(
                    rule,
                    format!("{what} is the session as last seen"),
                    "the document differs from the session as the target last showed it",
                )
                .with_diff(crate::check::json_diff(&seen.doc, doc)),
            );
        }
    }
}

/// Judges a 200/201 document against the predicted session; returns what was seen.
#[allow(clippy::too_many_arguments)]
fn judge_session(
    before: Option<&Session>,
    predicted: &Session,
    changed: bool,
    response: &ResponseData,
    xuids: &Xuids,
    body: &Body,
    rule: &'static str,
    branches: &[String],
    failures: &mut Vec<Failure>,
) -> Option<Seen> {
    let Some(doc) = response.json().filter(|d| d.is_object()) else {
        // The shape oracle tells that the body is no session.
        return None;
    };
    let members_rule = match body {
        Body::Reserve(_) => "B6",
        Body::Me { .. } | Body::Leave => "B4.a",
        _ => rule,
    };
    let seen_members = members_of(doc, xuids, failures);
    let want: Vec<&str> = predicted.members.keys().map(String::as_str).collect();
    let got: Vec<&str> = seen_members.keys().map(String::as_str).collect();
    if want != got {
        failures.push(Failure::new(
            members_rule,
            "the members the writes made",
            format!(
                "the members are {}, the model expects {}",
                shown(&got),
                shown(&want)
            ),
        ));
    }
    for (key, member) in &predicted.members {
        let Some((index, m)) = seen_members.get(key) else {
            continue;
        };
        let reserved = m.get("reserved").and_then(Value::as_bool).unwrap_or(false);
        if reserved != member.reserved {
            failures.push(Failure::new(
                "SH2.a",
                "a reserved member carries \"reserved\": true, a joined one not",
                format!(
                    "member {key} shows reserved {reserved}, the model expects {}",
                    member.reserved
                ),
            ));
        }
        if let Some(active) = member.active {
            let shown_active = m
                .pointer("/properties/system/active")
                .and_then(Value::as_bool);
            if shown_active != Some(active) {
                failures.push(Failure::new(
                    "B4.a",
                    "a member's properties.system as written",
                    format!("member {key} shows active {shown_active:?}, written {active}"),
                ));
            }
        }
        let custom = m
            .pointer("/properties/custom")
            .cloned()
            .unwrap_or(Value::Null);
        if !crate::check::json_equal(&custom, &Value::Object(member.custom.clone())) {
            failures.push(
                Failure::new(
                    "B13",
                    "a member's custom properties as written (merged, null removes)",
                    format!("member {key}'s properties.custom is not what its writes made"),
                )
                .with_diff(crate::check::json_diff(
                    &Value::Object(member.custom.clone()),
                    &custom,
                )),
            );
        }
        // A member keeps its index while it stays (a reserved one who joins may get another).
        let was = before.and_then(|b| b.members.get(key));
        if let (Some(old), Some(was)) = (member.index, was) {
            if !was.reserved && old != *index {
                failures.push(Failure::new(
                    "SH2",
                    "a member keeps its index while it stays",
                    format!("member {key} had index {old}, now {index}"),
                ));
            }
        }
    }
    compare_bag(
        doc,
        "/properties/custom",
        &predicted.custom,
        "B13",
        "the session's properties.custom",
        failures,
    );
    compare_bag(
        doc,
        "/constants/custom",
        &predicted.constants,
        "B9",
        "the session's constants.custom",
        failures,
    );
    let count = doc.pointer("/membersInfo/count").and_then(Value::as_u64);
    if count != Some(predicted.members.len() as u64) {
        failures.push(Failure::new(
            "SH2",
            "membersInfo.count is the number of members, reserved ones included",
            format!(
                "membersInfo.count is {count:?}, there are {} members",
                predicted.members.len()
            ),
        ));
    }
    let accepted = predicted.members.values().filter(|m| !m.reserved).count() as u64;
    let shown_accepted = doc.pointer("/membersInfo/accepted").and_then(Value::as_u64);
    if shown_accepted != Some(accepted) {
        failures.push(Failure::new(
            "SH2.a",
            "membersInfo.accepted counts the members not reserved",
            format!(
                "membersInfo.accepted is {shown_accepted:?}, {accepted} members are not reserved"
            ),
        ));
    }
    for problem in check_invariant(Invariant::MemberList, doc) {
        failures.push(Failure::new("SH2", "the members' linked list", problem));
    }
    // count and accepted are judged against the model above; first against the list shown.
    for problem in check_invariant(Invariant::MembersInfo, doc) {
        if problem.starts_with("membersInfo.first") {
            failures.push(Failure::new(
                "SH2",
                "membersInfo.first is the lowest index",
                problem,
            ));
        }
    }
    let seen = Seen {
        etag: response.header("etag").map(str::to_string),
        change_number: doc.get("changeNumber").and_then(Value::as_f64),
        branch: doc
            .get("branch")
            .and_then(Value::as_str)
            .map(str::to_string),
        doc: doc.clone(),
    };
    match before.and_then(|b| b.seen.as_ref()) {
        Some(old) => {
            let same_etag = old.etag.is_some() && old.etag == seen.etag;
            if changed && same_etag {
                failures.push(Failure::new(
                    "H4.c",
                    "a write that changes the session changes its ETag",
                    format!(
                        "the content changed, the ETag {} did not",
                        seen.etag.as_deref().unwrap_or_default()
                    ),
                ));
            }
            if !changed && !same_etag {
                failures.push(Failure::new(
                    "O15.a",
                    "a write that changes nothing keeps the ETag",
                    format!(
                        "nothing changed, the ETag went from {} to {}",
                        old.etag.as_deref().unwrap_or("none"),
                        seen.etag.as_deref().unwrap_or("none")
                    ),
                ));
            }
            if let (Some(a), Some(b)) = (old.change_number, seen.change_number) {
                if changed && b <= a {
                    failures.push(Failure::new(
                        "SH1",
                        "changeNumber grows on every stored change",
                        format!("the content changed, changeNumber went from {a} to {b}"),
                    ));
                }
                if !changed && a != b {
                    failures.push(Failure::new(
                        "O15.a",
                        "a write that changes nothing keeps the changeNumber",
                        format!("nothing changed, changeNumber went from {a} to {b}"),
                    ));
                }
            }
            if old.branch.is_some() && old.branch != seen.branch {
                failures.push(Failure::new(
                    "SH1.a",
                    "branch stays the same across updates",
                    format!(
                        "branch went from {} to {}",
                        old.branch.as_deref().unwrap_or_default(),
                        seen.branch.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        None => {
            if let Some(branch) = &seen.branch {
                if before.is_none() && branches.contains(branch) {
                    failures.push(Failure::new(
                        "SH1",
                        "a session created again has a new branch",
                        format!("the new session has the deleted one's branch {branch}"),
                    ));
                }
            }
        }
    }
    Some(seen)
}

fn compare_bag(
    doc: &Value,
    pointer: &str,
    want: &Map<String, Value>,
    rule: &str,
    what: &str,
    failures: &mut Vec<Failure>,
) {
    let got = doc.pointer(pointer).cloned().unwrap_or(Value::Null);
    let want = Value::Object(want.clone());
    if !crate::check::json_equal(&got, &want) {
        failures.push(
            Failure::new(
                rule,
                format!("{what} as written"),
                format!("{what} is not what the writes made"),
            )
            .with_diff(crate::check::json_diff(&want, &got)),
        );
    }
}

/// The document's members by xuid key, with their index.
fn members_of<'a>(
    doc: &'a Value,
    xuids: &Xuids,
    failures: &mut Vec<Failure>,
) -> BTreeMap<String, (u64, &'a Value)> {
    let mut out = BTreeMap::new();
    let Some(members) = doc.get("members").and_then(Value::as_object) else {
        return out;
    };
    for (index, m) in members {
        let xuid = m
            .pointer("/constants/system/xuid")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match (xuids.key_of(xuid), index.parse::<u64>()) {
            (Some(key), Ok(i)) => {
                out.insert(key.to_string(), (i, m));
            }
            _ => failures.push(Failure::new(
                "SH2",
                "every member is one the writes made",
                format!("member {index:?} has xuid {xuid:?}, which no write named"),
            )),
        }
    }
    out
}

/// Learns the indexes the target gave the members.
fn learn_indexes(session: &mut Session, response: &ResponseData, xuids: &Xuids) {
    let Some(doc) = response.json() else { return };
    let mut ignored = Vec::new();
    for (key, (index, _)) in members_of(doc, xuids, &mut ignored) {
        if let Some(m) = session.members.get_mut(&key) {
            m.index = Some(index);
        }
    }
}

fn shown(keys: &[&str]) -> String {
    if keys.is_empty() {
        "none".into()
    } else {
        keys.join(", ")
    }
}
