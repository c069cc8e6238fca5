//! The case-file format v1, as serde reads it. `cases/case.schema.json` describes the same
//! format for editors; `tests/case_schema.rs` keeps the two in agreement.
//!
//! Strings anywhere in a request or an expectation may hold `{{templates}}` (see `template`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One case file: a case, or one case per variant.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub title: String,
    /// Why the case exists, in a sentence or two (optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub rules: Vec<String>,
    pub severity: Severity,
    pub steps: Vec<Step>,
    /// Each variant turns the file into one case, `<id>::<name>`; its other fields are
    /// `{{variant.<field>}}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Map<String, Value>>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Must,
    Should,
    May,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Must => "must",
            Severity::Should => "should",
            Severity::May => "may",
        }
    }
}

/// A step is either the use of a suite fixture or one request.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Namespace of the variables this step captures (`{{<name>.<capture>}}`). For a fixture,
    /// defaults to the fixture's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The name of a fixture in `suite.json`.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_fixture: Option<String>,
    /// Parameters of the fixture (`{{param.<key>}}` inside it).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub with: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestSpec>,
    /// Present: the step is judged (even `{}`: the global checks only). Absent: a set-up step,
    /// whose non-2xx answer makes the case `error`, not `fail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expect>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, Capture>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    pub method: String,
    /// Path and query, appended to the target's base URL, sent as written (no re-encoding).
    pub path: String,
    /// The identity whose Authorization is sent: `a` (default), `b`, or `none`.
    #[serde(default, rename = "as", skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// Headers over the suite's: a string sets, a list sends the header once per item, `null`
    /// removes a default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderValueSpec>,
    /// A JSON body (templates rendered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A body sent byte for byte, for malformed JSON.
    #[serde(default, rename = "rawBody", skip_serializing_if = "Option::is_none")]
    pub raw_body: Option<String>,
    /// A valid JSON object body padded to this many bytes, for size limits.
    #[serde(
        default,
        rename = "paddedBody",
        skip_serializing_if = "Option::is_none"
    )]
    pub padded_body: Option<usize>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(untagged)]
pub enum HeaderValueSpec {
    Remove(()),
    One(String),
    Many(Vec<String>),
}

/// What the contract demands of one answer. Every expectation carries the rule it enforces:
/// its own `rule`, else the block's `rule`, else the case's only rule.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusExpect>,
    /// Keyed by header name (case-insensitive).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderExpect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyExpect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<JsonAssert>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invariants: Vec<InvariantRef>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum StatusExpect {
    One(u16),
    Set(Vec<u16>),
    Full(StatusFull),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct StatusFull {
    #[serde(rename = "in")]
    pub allowed: Vec<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl StatusExpect {
    pub fn allowed(&self) -> Vec<u16> {
        match self {
            StatusExpect::One(s) => vec![*s],
            StatusExpect::Set(s) => s.clone(),
            StatusExpect::Full(f) => f.allowed.clone(),
        }
    }
    pub fn rule(&self) -> Option<&str> {
        match self {
            StatusExpect::Full(f) => f.rule.as_deref(),
            _ => None,
        }
    }
}

/// Checks on one response header. All given checks must hold.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderExpect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `true`: the header is sent; `false`: it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    #[serde(default, rename = "notEquals", skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<String>,
    /// The media type, parameters ignored: `application/json; charset=utf-8` is `application/json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media: Option<String>,
    /// A regular expression the value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// Tokens a comma-separated list must include, case-insensitively (`Allow`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub includes: Vec<String>,
    /// A path the value must name: equal to it, or an absolute URL ending in it, compared
    /// case-insensitively after percent-decoding (O14).
    #[serde(
        default,
        rename = "pathEquals",
        skip_serializing_if = "Option::is_none"
    )]
    pub path_equals: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BodyExpect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `true`: no body bytes; `false`: at least one non-whitespace byte.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<bool>,
    /// A JSON Schema file under `cases/schemas/` the body must satisfy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
}

/// An assertion on the JSON body at a JSON pointer. All given checks must hold.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct JsonAssert {
    pub pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(default, rename = "notEquals", skip_serializing_if = "Option::is_none")]
    pub not_equals: Option<Value>,
    /// Numeric comparison (the value may be a captured variable).
    #[serde(
        default,
        rename = "greaterThan",
        skip_serializing_if = "Option::is_none"
    )]
    pub greater_than: Option<Value>,
    /// Number of members of an object or items of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// JSON type: null, boolean, integer, number, string, array, object.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub json_type: Option<String>,
}

/// A named check that JSON Schema cannot express.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(untagged)]
pub enum InvariantRef {
    Name(String),
    Full(InvariantFull),
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct InvariantFull {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

impl InvariantRef {
    pub fn name(&self) -> &str {
        match self {
            InvariantRef::Name(n) => n,
            InvariantRef::Full(f) => &f.name,
        }
    }
    pub fn rule(&self) -> Option<&str> {
        match self {
            InvariantRef::Name(_) => None,
            InvariantRef::Full(f) => f.rule.as_deref(),
        }
    }
}

/// Where a captured variable comes from. Exactly one field.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// A JSON pointer into the body (`""` is the whole document).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// `true`: the status code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<bool>,
}

/// `cases/suite.json`: what every case shares.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Sent with every request.
    pub headers: BTreeMap<String, String>,
    /// Sent with every request that has a body.
    #[serde(rename = "bodyHeaders")]
    pub body_headers: BTreeMap<String, String>,
    /// The embedded world of CONTRACT.md §7: `{{world.<key>}}`.
    pub world: BTreeMap<String, String>,
    /// The callers, `a` and `b`, as the embedded reference knows them.
    pub identities: BTreeMap<String, Identity>,
    pub fixtures: BTreeMap<String, Fixture>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub xuid: String,
    pub authorization: String,
}

/// A named recipe of set-up steps. Its steps capture into the using step's namespace; its
/// `exports` add variables there once the steps have run.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    pub description: String,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub params: Map<String, Value>,
    pub steps: Vec<Step>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub exports: Map<String, Value>,
}
