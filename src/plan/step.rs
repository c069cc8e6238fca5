//! A step as it runs: the request to build (templates bound), what to capture, what to judge.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::case::StatusSet;
use crate::exchange::Framing;

use super::expect::{ExpectPlan, Rule};
use super::template::{TValue, Text};

#[derive(Debug)]
pub struct StepPlan {
    /// How the step is named in messages and reports: its `name`, `<ns>#<n>` inside a fixture,
    /// or `step <n>`.
    pub label: Box<str>,
    /// Run only if an earlier request step got one of some statuses.
    pub guard: Option<Guard>,
    pub action: Action,
}

/// `onlyIf`: the request step `step` (whose status is in status slot `slot`) answered one of
/// `status`.
#[derive(Debug)]
pub struct Guard {
    pub step: Box<str>,
    pub slot: usize,
    pub status: StatusSet,
}

#[derive(Debug)]
pub enum Action {
    Request(RequestStep),
    /// A `GET` whose answer is recorded in the step's namespace.
    Snapshot {
        request: RequestPlan,
        records: Snapshot,
    },
    /// A `GET` of a namespace's path, judged against what the namespace recorded.
    Unchanged(UnchangedStep),
    /// A fixture's exports, set once its steps ran: slot and value.
    Export {
        vars: Box<[(usize, TValue)]>,
    },
}

#[derive(Debug)]
pub struct RequestStep {
    pub request: RequestPlan,
    /// `None`: a set-up step, whose non-2xx answer makes the case `error`. Shared, so a big
    /// answer can be judged on another thread.
    pub expect: Option<Arc<ExpectPlan>>,
    pub captures: Box<[Capture]>,
    /// Sent this many times at once.
    pub burst: Option<u16>,
    /// Where its status is kept for `onlyIf` (named request steps of the case).
    pub status_slot: Option<usize>,
    /// Whether the oracle follows the step's write through with reads (a case opts out with
    /// `noReadBack`, saying why).
    pub read_back: bool,
    /// A `parallel` step's requests, one per copy (empty: every copy is `request`).
    pub copies: Box<[RequestPlan]>,
}

/// The slots a snapshot records: `path`, `status`, and on 200 `etag` and `changeNumber`.
#[derive(Debug)]
pub struct Snapshot {
    pub path: usize,
    pub status: usize,
    pub etag: usize,
    pub change_number: usize,
}

#[derive(Debug)]
pub struct UnchangedStep {
    pub request: RequestPlan,
    /// The namespace read back, for messages.
    pub ns: Box<str>,
    pub form: UnchangedForm,
    pub rule: Rule,
    /// The namespace's recorded `status` (a snapshot's), `etag` and `changeNumber`.
    pub status: Option<usize>,
    pub etag: Option<usize>,
    pub change_number: Option<usize>,
}

/// What an `unchanged` step demands, decided by what its namespace records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnchangedForm {
    /// 200 with the recorded `etag` and `changeNumber`.
    Session,
    /// 204: there was no session, and there still is none.
    Absent,
    /// Whichever the snapshot saw: 200 (a session) or 204 (none).
    AsSnapshotSaw,
}

#[derive(Debug)]
pub struct Capture {
    pub slot: usize,
    pub from: CaptureFrom,
}

#[derive(Debug)]
pub enum CaptureFrom {
    Header(Box<str>),
    /// A JSON pointer into the body (`""` is the whole document).
    Pointer(Text),
    Status,
}

#[derive(Debug)]
pub struct RequestPlan {
    pub method: Text,
    /// Path and query, appended to the target's base URL.
    pub path: Text,
    pub caller: Caller,
    /// The case's own headers, over the defaults: each renders to a string (sent once), a list
    /// (sent once per item) or null (removed).
    pub headers: Box<[(Box<str>, TValue)]>,
    pub body: BodyPlan,
    /// Whether an accepted write of this body joins someone (teardown makes them leave).
    pub joins: Joins,
    /// How it goes on the wire, when the case says (`wire`).
    pub framing: Framing,
}

impl RequestPlan {
    /// Adds the `world.*` keys it reads.
    pub fn world_keys(&self, out: &mut std::collections::BTreeSet<String>) {
        self.for_each_source(&mut |src| {
            if let super::template::Src::World(key) = src {
                out.insert(key.to_string());
            }
        });
    }

    /// Calls `f` on every source its templates read: method, path, caller, headers, body.
    pub fn for_each_source(&self, f: &mut dyn FnMut(&super::template::Src)) {
        self.method.for_each_source(f);
        self.path.for_each_source(f);
        if let Caller::Tmpl(t) = &self.caller {
            t.for_each_source(f);
        }
        for (_, v) in self.headers.iter() {
            v.for_each_source(f);
        }
        match &self.body {
            BodyPlan::Json(v) => v.for_each_source(f),
            BodyPlan::Raw(t) => t.for_each_source(f),
            BodyPlan::None | BodyPlan::Fixed(_) | BodyPlan::Padded(_) => {}
        }
    }
}

/// Whose Authorization the request carries.
#[derive(Debug)]
pub enum Caller {
    Named(Box<str>),
    /// `as: none`: the case sends no Authorization (and no `--header` one either).
    Nobody,
    /// Decided by a template (`{{param.as}}`): a caller's name, or `none`.
    Tmpl(Text),
}

#[derive(Debug)]
pub enum BodyPlan {
    None,
    /// Bytes known at load time: a JSON body without templates, `rawBodyHex`.
    Fixed(Bytes),
    Json(TValue),
    Raw(Text),
    /// A valid JSON object padded to this many bytes, made when sent.
    Padded(usize),
}

impl BodyPlan {
    pub fn is_some(&self) -> bool {
        !matches!(self, BodyPlan::None)
    }
}

/// Whether a body's `/members` holds a non-null member, as far as load time can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Joins {
    No,
    Yes,
    /// Templates decide: read the body as sent.
    AsSent,
}

/// Whether a JSON body joins someone: its `/members` holds a member that is not `null`.
pub fn joins_value(body: &Value) -> bool {
    body.pointer("/members")
        .and_then(Value::as_object)
        .is_some_and(|m| m.values().any(|v| !v.is_null()))
}
