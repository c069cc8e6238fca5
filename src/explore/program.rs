//! A program: what the explorer sends, as data — steps of one operation, or of two sent at once.
//! Programs are generated from a seed, shrunk, printed as stories and saved as case files.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Who sends a request: the two callers of the world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Caller {
    A,
    B,
}

impl Caller {
    pub fn name(self) -> &'static str {
        match self {
            Caller::A => "a",
            Caller::B => "b",
        }
    }
}

/// A session template of the world (CONTRACT §7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Template {
    /// Empty sessions are deleted; eight seats.
    Lobby,
    /// Empty sessions are kept; four seats.
    Persistent,
    /// One seat.
    Solo,
}

impl Template {
    /// The world key naming it (`{{world.<key>}}`).
    pub fn world_key(self) -> &'static str {
        match self {
            Template::Lobby => "template",
            Template::Persistent => "persistent",
            Template::Solo => "solo",
        }
    }

    pub fn max_members(self) -> usize {
        match self {
            Template::Lobby => 8,
            Template::Persistent => 4,
            Template::Solo => 1,
        }
    }

    pub fn keeps_empty(self) -> bool {
        self == Template::Persistent
    }
}

/// How a session is addressed: by name (R5) or through one of the program's handles (R1/R2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Name,
    Handle(usize),
}

/// What a write's body does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Body {
    /// `{}`.
    Empty,
    /// `members.me` with these custom properties (a join, or an update of oneself); with a
    /// `constant`, a `constants.custom` key too (stored at creation, a conflict after).
    Me {
        active: bool,
        custom: Vec<(String, Value)>,
        constant: Option<(String, Value)>,
    },
    /// `members.me: null`.
    Leave,
    /// `reserve_0…` for these xuid keys of the world (`b`, `c`, `d`).
    Reserve(Vec<String>),
    /// Session `properties.custom` changes; `null` removes a key.
    Properties(Vec<(String, Value)>),
}

/// A precondition header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Precondition {
    None,
    /// `If-Match: <the session's current ETag>`.
    IfMatchCurrent,
    /// `If-Match: <an ETag the session no longer has>`.
    IfMatchStale,
    /// `If-Match: *`.
    IfMatchAny,
    /// `If-None-Match: *`.
    IfNoneMatchAny,
}

/// A PUT of session `session` (serialized as the struct variant it once was).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WriteOp {
    pub session: usize,
    pub via: Via,
    pub caller: Caller,
    pub body: Body,
    pub precondition: Precondition,
    pub nocommit: bool,
}

impl WriteOp {
    /// The write's path (`path`, the session's), with `?nocommit=true` when it asks for that.
    pub fn with_query(&self, mut path: String) -> String {
        if self.nocommit {
            path.push_str("?nocommit=true");
        }
        path
    }
}

/// A GET of session `session`, with `If-None-Match: <current ETag>` when `if_none_match`
/// (serialized as the struct variant it once was).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReadOp {
    pub session: usize,
    pub via: Via,
    pub caller: Caller,
    pub if_none_match: bool,
}

/// One operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// A PUT of a session.
    Write(WriteOp),
    /// A GET of a session.
    Read(ReadOp),
    /// POST /handles: handle `handle`, an invite to session `session`.
    CreateHandle {
        handle: usize,
        session: usize,
        caller: Caller,
    },
    ReadHandle {
        handle: usize,
        caller: Caller,
    },
    DeleteHandle {
        handle: usize,
        caller: Caller,
    },
}

impl Op {
    /// The handle the operation goes through, if any.
    pub fn handle(&self) -> Option<usize> {
        match self {
            Op::Write(WriteOp {
                via: Via::Handle(h),
                ..
            })
            | Op::Read(ReadOp {
                via: Via::Handle(h),
                ..
            }) => Some(*h),
            Op::ReadHandle { handle, .. } | Op::DeleteHandle { handle, .. } => Some(*handle),
            _ => None,
        }
    }

    pub fn is_write(&self) -> bool {
        matches!(
            self,
            Op::Write(WriteOp { .. }) | Op::CreateHandle { .. } | Op::DeleteHandle { .. }
        )
    }
}

/// A step: one operation, or two sent at once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub ops: Vec<Op>,
}

impl Step {
    pub fn one(op: Op) -> Step {
        Step { ops: vec![op] }
    }

    pub fn concurrent(&self) -> bool {
        self.ops.len() > 1
    }
}

/// A program: its sessions' templates, then its steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Program {
    pub templates: Vec<Template>,
    pub steps: Vec<Step>,
}

impl Program {
    pub fn operations(&self) -> usize {
        self.steps.iter().map(|s| s.ops.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Findings kept for a target (`explore::db`) were written when a write was a struct
    /// variant: the newtype variant reads and writes the same JSON.
    #[test]
    fn a_write_keeps_the_json_of_the_struct_variant() {
        let kept = serde_json::json!({ "write": {
            "session": 1, "via": { "handle": 0 }, "caller": "b", "body": "leave",
            "precondition": "ifMatchStale", "nocommit": true,
        }});
        let write = Op::Write(WriteOp {
            session: 1,
            via: Via::Handle(0),
            caller: Caller::B,
            body: Body::Leave,
            precondition: Precondition::IfMatchStale,
            nocommit: true,
        });
        assert_eq!(serde_json::to_value(&write).ok(), Some(kept.clone()));
        assert_eq!(serde_json::from_value::<Op>(kept).ok(), Some(write));
    }

    /// The same for a read: kept findings hold it as the struct variant it once was.
    #[test]
    fn a_read_keeps_the_json_of_the_struct_variant() {
        let kept = serde_json::json!({ "read": {
            "session": 2, "via": { "handle": 1 }, "caller": "a", "if_none_match": true,
        }});
        let read = Op::Read(ReadOp {
            session: 2,
            via: Via::Handle(1),
            caller: Caller::A,
            if_none_match: true,
        });
        assert_eq!(serde_json::to_value(&read).ok(), Some(kept.clone()));
        assert_eq!(serde_json::from_value::<Op>(kept).ok(), Some(read));
    }
}
