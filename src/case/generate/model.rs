//! `cases/model.json`, the request model, as serde reads it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    #[serde(rename = "$requests", default)]
    pub requests_comment: Option<String>,
    #[serde(rename = "$framing", default)]
    pub framing_comment: Option<String>,
    pub format: String,
    /// Where a write of a body goes: an update or a create, by handle or by name.
    pub resources: BTreeMap<String, WriteResource>,
    pub body: Body,
    /// One request of each resource, for header forms and framing.
    pub requests: BTreeMap<String, Request>,
    pub headers: Headers,
    pub framing: BTreeMap<String, Framing>,
    pub preconditions: Preconditions,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteResource {
    pub summary: String,
    pub rules: Vec<String>,
    /// The fixture it needs, as `s`.
    #[serde(rename = "use", default)]
    pub fixture: Option<String>,
    pub path: String,
    /// The session does not exist before the write.
    pub creates: bool,
    /// Who writes: `a` (the default, the fixture's member) or `b` (who joins by the write).
    #[serde(rename = "as", default)]
    pub caller: Option<String>,
    /// The positions tried on it (ids, or prefixes ending in `.`); all when absent.
    #[serde(default)]
    pub positions: Option<Vec<String>>,
}

impl WriteResource {
    /// Whether position `id` is tried on this resource.
    pub fn tries(&self, id: &str) -> bool {
        self.positions.as_ref().is_none_or(|ps| {
            ps.iter()
                .any(|p| p == id || (p.ends_with('.') && id.starts_with(p.as_str())))
        })
    }

    /// The writer is not a member before the write: it joins by it.
    pub fn joins(&self) -> bool {
        self.caller.as_deref().is_some_and(|c| c != "a")
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Body {
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    pub positions: Vec<Position>,
    pub classes: Vec<Class>,
    /// Class id → why it is not tried where its `at` leaves it out.
    #[serde(rename = "notTried")]
    pub not_tried: BTreeMap<String, String>,
    /// `accepts` → kind → outcome (or `update`/`create` → kind → outcome); `$comment` says how
    /// to read it.
    pub outcomes: BTreeMap<String, Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub id: String,
    /// A JSON pointer into the body (`""`: the whole body).
    pub pointer: String,
    /// What the contract has there: a key of `outcomes`.
    pub accepts: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Class {
    pub id: String,
    pub summary: String,
    /// The value as JSON text (not necessarily JSON).
    #[serde(default)]
    pub text: Option<String>,
    /// The value as bytes, in hex.
    #[serde(default)]
    pub hex: Option<String>,
    /// Arrays nested this deep.
    #[serde(default)]
    pub nest: Option<usize>,
    pub kind: String,
    /// The `accepts` kinds of the positions it is tried at (every position when absent).
    #[serde(default)]
    pub at: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub summary: String,
    #[serde(rename = "use")]
    pub fixture: String,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub body: Option<String>,
    /// What it answers when served.
    pub served: Vec<u16>,
    pub rules: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct Headers {
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    /// Form id → what it is.
    pub forms: BTreeMap<String, String>,
    #[serde(flatten)]
    pub headers: BTreeMap<String, Header>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    pub name: String,
    /// The requests (of `requests`) it is tried on.
    pub on: Vec<String>,
    pub forms: BTreeMap<String, HeaderForm>,
}

/// One form of a header. Fields that differ between a write and a read are objects keyed by
/// method (`{"PUT": …, "GET": …}`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderForm {
    /// Why the form is not tried on this header.
    #[serde(default)]
    pub none: Option<String>,
    /// The name written instead of the header's (byte for byte).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub value: Option<Value>,
    /// The header sent once per value.
    #[serde(default)]
    pub values: Option<Value>,
    /// Answered as the plain request.
    #[serde(default)]
    pub served: bool,
    #[serde(default)]
    pub status: Option<Value>,
    #[serde(default)]
    pub rules: Option<Value>,
    /// A [may] form: `<rule>/<form>`.
    #[serde(default)]
    pub open: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framing {
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    pub summary: String,
    #[serde(default)]
    pub wire: Option<crate::case::WireSpec>,
    /// A body on a request that has none.
    #[serde(default)]
    pub body: Option<String>,
    /// A valid JSON object body of this many bytes instead of the request's own.
    #[serde(default)]
    pub padded: Option<usize>,
    pub on: Vec<String>,
    #[serde(default)]
    pub served: bool,
    /// Refused with one of these, under `rules`.
    #[serde(default)]
    pub status: Option<Vec<u16>>,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub open: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preconditions {
    #[serde(rename = "$comment", default)]
    pub comment: Option<String>,
    /// Write resources (of `resources`).
    pub on: Vec<String>,
    pub forms: BTreeMap<String, PreconditionForm>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreconditionForm {
    pub summary: String,
    pub header: String,
    pub update: PreconditionCell,
    pub create: PreconditionCell,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreconditionCell {
    pub value: String,
    #[serde(default)]
    pub valid: bool,
    #[serde(default)]
    pub status: Option<Vec<u16>>,
    pub rules: Vec<String>,
    /// The 412 carries the current session and its ETag (H4.c).
    #[serde(rename = "staleSession", default)]
    pub stale_session: bool,
}
