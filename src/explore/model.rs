//! The model of the contract the explorer judges with: what each session holds (members by
//! xuid with their reserved flags, custom properties, constants), which handles exist, and for
//! each operation the answers the contract allows and the state each leaves. Where the contract
//! allows a set, the model allows the set; what the target chose is learnt, so later steps stay
//! consistent. It predicts from the contract alone: no answer of the target is trusted until it
//! is judged.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::program::{Body, Caller, Op, Precondition, Template, Via, WriteOp};

/// A member of a session, as the model holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// Reserved (B6), not yet joined.
    pub reserved: bool,
    /// `properties.system.active`, when a write set it.
    pub active: Option<bool>,
    pub custom: Map<String, Value>,
    /// The index the target gave it, once seen.
    pub index: Option<u64>,
}

/// A session that exists.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub template: Template,
    /// By the world's xuid key (`a`, `b`, `c`, `d`).
    pub members: BTreeMap<String, Member>,
    pub custom: Map<String, Value>,
    pub constants: Map<String, Value>,
    /// What the target last answered for it.
    pub seen: Option<Seen>,
}

/// A session as the target last showed it.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub etag: Option<String>,
    pub change_number: Option<f64>,
    pub branch: Option<String>,
    pub doc: Value,
}

impl Session {
    fn new(template: Template) -> Session {
        Session {
            template,
            members: BTreeMap::new(),
            custom: Map::new(),
            constants: Map::new(),
            seen: None,
        }
    }

    /// The content a write can change: what an ETag stands for.
    fn content(&self) -> ContentRef<'_> {
        let members = self
            .members
            .iter()
            .map(|(x, m)| (x, m.reserved, m.active, &m.custom))
            .collect();
        (members, &self.custom, &self.constants)
    }

    fn same_content(&self, other: &Session) -> bool {
        self.content() == other.content()
    }
}

/// One session slot of a program: absent or there, and the ETags and branches it had.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Slot {
    pub template: Option<Template>,
    pub state: Option<Session>,
    /// Every ETag the session had (a stale `If-Match` names one of them).
    pub etags: Vec<String>,
    /// Every branch it had: a session created again has a new one.
    pub branches: Vec<String>,
}

/// A handle of a program.
#[derive(Clone, Debug, PartialEq)]
pub struct Handle {
    pub session: usize,
    pub alive: bool,
    /// Its id and document, as the target answered them.
    pub id: Option<String>,
    pub doc: Option<Value>,
    /// Deleted once already (a second delete is open: 404 or 2xx).
    pub deleted: bool,
}

/// Answers the target chose where the contract allows a set: later steps must choose alike.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Learnt {
    /// The status of a write refused because the session is full (B12: 400, 403 or 409).
    pub full: Option<u16>,
    /// What a second DELETE of a handle answers (404, or 2xx).
    pub second_delete: Option<u16>,
}

/// Everything a program holds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct World {
    pub slots: Vec<Slot>,
    pub handles: Vec<Option<Handle>>,
    pub learnt: Learnt,
}

/// Members (xuid, reserved, active, custom), custom properties and constants, borrowed.
type ContentRef<'a> = (
    Vec<(&'a String, bool, Option<bool>, &'a Map<String, Value>)>,
    &'a Map<String, Value>,
    &'a Map<String, Value>,
);

/// What the contract allows an operation to answer, and what each answer leaves.
// One lives per step being judged; boxing the session would buy nothing but indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Expected {
    /// Accepted: `status`, leaving `next` (the session, or none).
    Accepted {
        status: u16,
        next: Option<Session>,
        /// Whether the stored content changes (ETag and changeNumber change iff it does).
        changed: bool,
        rule: &'static str,
    },
    /// Refused with one of `statuses`, nothing changed.
    Refused {
        statuses: Vec<u16>,
        rule: &'static str,
        /// A set the target chooses from once (B12).
        learn: Option<Choice>,
    },
    /// A stale `If-Match` on a session that exists: 412 with the whole current session and its
    /// ETag.
    Stale,
    /// A read of a session: 200 with it as last seen, 204 when there is none, 304 when asked with
    /// its ETag.
    Read { present: bool, not_modified: bool },
    /// A handle created: 2xx with its document.
    HandleCreated,
    /// A handle read: 200 with the fields it was created with, 404 once deleted.
    HandleRead { alive: bool },
    /// A handle deleted: 2xx while it exists, then 404 (a second delete: 404 or 2xx, learnt).
    HandleDeleted { alive: bool },
}

/// Which learnt choice a refusal fixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    Full,
}

/// The caller's xuid key.
pub fn key(caller: Caller) -> String {
    caller.name().to_string()
}

impl World {
    pub fn new(templates: &[Template]) -> World {
        World {
            slots: templates
                .iter()
                .map(|t| Slot {
                    template: Some(*t),
                    ..Slot::default()
                })
                .collect(),
            handles: Vec::new(),
            learnt: Learnt::default(),
        }
    }

    pub fn slot(&self, i: usize) -> Option<&Slot> {
        self.slots.get(i)
    }

    /// Session `i` as the last answer that carried it showed it, if it exists.
    pub fn seen(&self, i: usize) -> Option<&Seen> {
        self.slot(i)
            .and_then(|s| s.state.as_ref())
            .and_then(|s| s.seen.as_ref())
    }

    /// The ETag session `i` was last seen with.
    pub fn seen_etag(&self, i: usize) -> Option<String> {
        self.seen(i).and_then(|s| s.etag.clone())
    }

    /// Handle `h`, just created for `session` (its id a placeholder until the answer names it).
    pub fn create_handle(&mut self, h: usize, session: usize) {
        let needed = h.saturating_add(1);
        if self.handles.len() < needed {
            self.handles.resize(needed, None);
        }
        if let Some(slot) = self.handles.get_mut(h) {
            *slot = Some(Handle {
                session,
                alive: true,
                id: Some(format!("h{h}")),
                doc: None,
                deleted: false,
            });
        }
    }

    pub fn handle(&self, h: usize) -> Option<&Handle> {
        self.handles.get(h).and_then(Option::as_ref)
    }

    /// The answers the contract allows `op` from this world (several where it allows a choice
    /// of outcome, as a reserved caller's leave).
    pub fn expect(&self, op: &Op) -> Vec<Expected> {
        match op {
            Op::Write(w) => self.expect_write(w),
            Op::Read(r) => {
                if self.via_dead(r.via) {
                    return vec![not_found()];
                }
                let present = self.slot(r.session).is_some_and(|s| s.state.is_some());
                vec![Expected::Read {
                    present,
                    not_modified: present && r.if_none_match,
                }]
            }
            Op::CreateHandle { .. } => vec![Expected::HandleCreated],
            Op::ReadHandle { handle, .. } => vec![Expected::HandleRead {
                alive: self.handle(*handle).is_some_and(|h| h.alive),
            }],
            Op::DeleteHandle { handle, .. } => vec![Expected::HandleDeleted {
                alive: self.handle(*handle).is_some_and(|h| h.alive),
            }],
        }
    }

    /// Whether `via` goes through a handle that was deleted (G3: 404).
    fn via_dead(&self, via: Via) -> bool {
        match via {
            Via::Name => false,
            Via::Handle(h) => !self.handle(h).is_some_and(|h| h.alive),
        }
    }

    fn expect_write(&self, write: &WriteOp) -> Vec<Expected> {
        let WriteOp {
            session,
            via,
            caller,
            ref body,
            precondition,
            ..
        } = *write;
        if self.via_dead(via) {
            return vec![not_found()];
        }
        let Some(slot) = self.slot(session) else {
            return Vec::new();
        };
        let template = slot.template.unwrap_or(Template::Lobby);
        let current = slot.state.as_ref();
        let failed_precondition = match (precondition, current) {
            (Precondition::IfMatchCurrent | Precondition::IfMatchAny, None) => {
                Some(refused(&[412], "H4.d"))
            }
            (Precondition::IfMatchStale, None) => Some(refused(&[412], "H4.d")),
            (Precondition::IfMatchStale, Some(_)) => Some(Expected::Stale),
            (Precondition::IfNoneMatchAny, Some(_)) => Some(refused(&[412], "H4.a")),
            _ => None,
        };
        let by_body = Self::expect_body(current, template, caller, body);
        match failed_precondition {
            None => by_body,
            // §5 Precedence: a request with several faults may get any one of their statuses
            // (the reference checks the precondition first; a server may check the body first).
            Some(refusal) => std::iter::once(refusal)
                .chain(
                    by_body
                        .into_iter()
                        .filter(|e| matches!(e, Expected::Refused { .. })),
                )
                .collect(),
        }
    }

    /// What the body alone makes of the session: accepted (one or several readings), or refused.
    fn expect_body(
        current: Option<&Session>,
        template: Template,
        caller: Caller,
        body: &Body,
    ) -> Vec<Expected> {
        let base = current.cloned().unwrap_or_else(|| Session::new(template));
        let me = key(caller);
        let mut out = Vec::new();
        let mut refusals = Vec::new();
        match body {
            Body::Empty => out.push(base.clone()),
            Body::Properties(changes) => {
                let mut next = base.clone();
                merge(&mut next.custom, changes);
                out.push(next);
            }
            Body::Me {
                active,
                custom,
                constant,
            } => {
                if let (Some(stored), Some((k, v))) = (current, constant) {
                    // Constants are set at creation only (B9): one that changes or adds a value
                    // conflicts; the same value sent again changes nothing.
                    let same = stored
                        .constants
                        .get(k)
                        .is_some_and(|held| crate::check::json_equal(held, v));
                    if !same {
                        return vec![refused(&[409], "B9")];
                    }
                }
                let mut next = base.clone();
                if let Some((k, v)) = constant {
                    next.constants.insert(k.clone(), v.clone());
                }
                let joining = next.members.get(&me).is_none_or(|m| m.reserved);
                let reserved = next.members.get(&me).is_some_and(|m| m.reserved);
                if joining && !reserved && next.members.len() + 1 > template.max_members() {
                    return vec![full()];
                }
                let member = next.members.entry(me).or_insert(Member {
                    reserved: false,
                    active: None,
                    custom: Map::new(),
                    index: None,
                });
                member.reserved = false;
                member.active = Some(*active);
                merge(&mut member.custom, custom);
                out.push(next);
            }
            Body::Leave => {
                let mut next = base.clone();
                match next.members.get(&me).map(|m| m.reserved) {
                    // A reserved caller's leave: the contract does not say whether it removes the
                    // reservation. Both readings are allowed.
                    Some(true) => {
                        let kept = next.clone();
                        next.members.remove(&me);
                        out.push(next);
                        out.push(kept);
                    }
                    Some(false) => {
                        next.members.remove(&me);
                        out.push(next);
                    }
                    None => out.push(next),
                }
            }
            Body::Reserve(xuids) => {
                let mut next = base.clone();
                // B6: a reservation for a current member is a [may] form: served (one member per
                // xuid, as the model predicts) or refused with nothing changed.
                if xuids.iter().any(|x| base.members.contains_key(x)) {
                    refusals.push(refused(&[400, 403, 409, 422], "B6"));
                }
                for x in xuids {
                    next.members.entry(x.clone()).or_insert(Member {
                        reserved: true,
                        active: None,
                        custom: Map::new(),
                        index: None,
                    });
                }
                if next.members.len() > template.max_members() {
                    // With a reservation for a current member too, either fault may answer.
                    return std::iter::once(full()).chain(refusals).collect();
                }
                out.push(next);
            }
        }
        out.into_iter()
            .map(|next| accepted(current, next, template))
            .chain(refusals)
            .collect()
    }
}

/// The answer of an accepted write from `current` (none: a create) to `next`.
fn accepted(current: Option<&Session>, next: Session, template: Template) -> Expected {
    let empty = next.members.is_empty();
    match current {
        None if empty && !template.keeps_empty() => Expected::Accepted {
            status: 204,
            next: None,
            changed: false,
            rule: "O3",
        },
        None => Expected::Accepted {
            status: 201,
            next: Some(next),
            changed: true,
            rule: if empty { "O17" } else { "O2" },
        },
        Some(_) if empty && !template.keeps_empty() => Expected::Accepted {
            status: 204,
            next: None,
            changed: true,
            rule: "O3",
        },
        Some(before) => Expected::Accepted {
            status: 200,
            changed: !before.same_content(&next),
            next: Some(next),
            rule: if empty { "O17" } else { "O1" },
        },
    }
}

fn refused(statuses: &[u16], rule: &'static str) -> Expected {
    Expected::Refused {
        statuses: statuses.to_vec(),
        rule,
        learn: None,
    }
}

/// A write that would exceed maxMembersCount (B12).
fn full() -> Expected {
    Expected::Refused {
        statuses: vec![400, 403, 409],
        rule: "B12",
        learn: Some(Choice::Full),
    }
}

fn not_found() -> Expected {
    refused(&[404], "G3")
}

/// A merge of custom properties: `null` removes a key, anything else sets it.
pub fn merge(into: &mut Map<String, Value>, changes: &[(String, Value)]) {
    for (k, v) in changes {
        if v.is_null() {
            into.remove(k);
        } else {
            into.insert(k.clone(), v.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(caller: Caller, body: Body) -> Op {
        Op::Write(WriteOp {
            session: 0,
            via: Via::Name,
            caller,
            body,
            precondition: Precondition::None,
            nocommit: false,
        })
    }

    fn join() -> Body {
        Body::Me {
            active: true,
            custom: vec![],
            constant: None,
        }
    }

    fn accepted_next(e: &[Expected]) -> (u16, Option<Session>) {
        match e.first() {
            Some(Expected::Accepted { status, next, .. }) => (*status, next.clone()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn creates_joins_and_leaves_follow_the_template() {
        let mut w = World::new(&[Template::Solo]);
        let (status, next) = accepted_next(&w.expect(&write(Caller::A, join())));
        assert_eq!(status, 201);
        w.slots[0].state = next;
        // Solo is full with one: b's join is refused with B12's set.
        assert!(matches!(
            w.expect(&write(Caller::B, join())).as_slice(),
            [Expected::Refused { rule: "B12", .. }]
        ));
        // The last member's leave deletes a session whose template keeps none.
        let (status, next) = accepted_next(&w.expect(&write(Caller::A, Body::Leave)));
        assert_eq!((status, next), (204, None));
        let mut p = World::new(&[Template::Persistent]);
        p.slots[0].state = accepted_next(&p.expect(&write(Caller::A, join()))).1;
        let (status, next) = accepted_next(&p.expect(&write(Caller::A, Body::Leave)));
        assert_eq!(status, 200);
        assert!(next.is_some_and(|s| s.members.is_empty()));
    }

    #[test]
    fn a_write_that_changes_nothing_is_unchanged_and_preconditions_come_first() {
        let mut w = World::new(&[Template::Lobby]);
        w.slots[0].state = accepted_next(&w.expect(&write(Caller::A, join()))).1;
        match w.expect(&write(Caller::A, Body::Empty)).as_slice() {
            [Expected::Accepted {
                status: 200,
                changed: false,
                ..
            }] => {}
            other => panic!("{other:?}"),
        }
        let stale = Op::Write(WriteOp {
            session: 0,
            via: Via::Name,
            caller: Caller::A,
            body: join(),
            precondition: Precondition::IfMatchStale,
            nocommit: false,
        });
        assert_eq!(w.expect(&stale), vec![Expected::Stale]);
        let conflict = write(
            Caller::A,
            Body::Me {
                active: true,
                custom: vec![],
                constant: Some(("k".into(), Value::from(1))),
            },
        );
        assert!(matches!(
            w.expect(&conflict).as_slice(),
            [Expected::Refused { rule: "B9", .. }]
        ));
    }
}
