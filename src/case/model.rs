//! The case-file format v1, as serde reads it. `cases/case.schema.json` describes the same
//! format for editors; `tests/it/case_schema.rs` keeps the two in agreement.
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
    /// The \[may\] form a `may` case tries: `<rule id>/<form id>` of rules.json's `mayForms`.
    #[serde(default, rename = "mayForm", skip_serializing_if = "Option::is_none")]
    pub may_form: Option<String>,
    pub steps: Vec<Step>,
    /// Each variant turns the file into one case, `<id>::<name>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
}

/// One case of a file with variants. `severity`, `mayForm` and `rules` override the file's for
/// this case; its other fields are `{{variant.<field>}}` (any JSON).
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Variant {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, rename = "mayForm", skip_serializing_if = "Option::is_none")]
    pub may_form: Option<String>,
    /// The rules this variant checks, when they differ from the file's (a variant that tries a
    /// part of the contract with another basis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<String>>,
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl Variant {
    /// The keys that configure the variant rather than hold values for `{{variant.*}}`.
    pub const SETTINGS: &'static [&'static str] = &["severity", "mayForm", "rules"];

    /// The `{{variant.*}}` values: its fields and its name.
    pub fn values(&self) -> Map<String, Value> {
        let mut out = Map::with_capacity(self.fields.len() + 1);
        out.insert("name".into(), Value::String(self.name.clone()));
        out.extend(self.fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        out
    }
}

/// (Deserialized in `de`, so a number says what the field must be.)
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
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

/// A step is one of: the use of a suite fixture (`use`), a request (`request`, possibly sent as a
/// `burst`), a read that records a session's state (`snapshot`), or a read that demands it did not
/// change (`unchanged`).
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
    #[serde(
        default,
        deserialize_with = "super::de::some_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub request: Option<RequestSpec>,
    /// Present: the step is judged (even `{}`: the global checks only). Absent: a set-up step,
    /// whose non-2xx answer makes the case `error`, not `fail`. An object, never `null` or `[]`.
    #[serde(
        default,
        deserialize_with = "super::de::some_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub expect: Option<Expect>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, Capture>,
    /// Send the request this many times at once (2–256); `{{burst.index}}` is 0 … N−1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u16>,
    /// Requests sent at once, each once (2–256): a burst whose copies differ. Judged like a
    /// burst: `expect` holds for each answer, `tally` counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel: Option<Vec<RequestSpec>>,
    /// A path to read (`GET`) and record as `<name>.path`, `.status`, and on 200 `.etag` and
    /// `.changeNumber`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// A namespace whose session (or its absence) must be as recorded: read back by its path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unchanged: Option<String>,
    /// The rule an `unchanged` step enforces (else the case's only rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Run the step only if an earlier request step got one of these statuses.
    #[serde(default, rename = "onlyIf", skip_serializing_if = "Option::is_none")]
    pub only_if: Option<OnlyIf>,
    /// Why the oracle must not read this request step's write back (where a read-back cannot
    /// apply); absent, it does.
    #[serde(
        default,
        rename = "noReadBack",
        skip_serializing_if = "Option::is_none"
    )]
    pub no_read_back: Option<String>,
}

/// The guard of a step: an earlier request step (by name) answered one of `status`.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OnlyIf {
    pub step: String,
    pub status: StatusSet,
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
    /// A body as hex digits (whitespace ignored), for bytes that are not text: a BOM, NUL,
    /// invalid UTF-8.
    #[serde(
        default,
        rename = "rawBodyHex",
        skip_serializing_if = "Option::is_none"
    )]
    pub raw_body_hex: Option<String>,
    /// A generated case's body as bytes: the request model makes bodies of megabytes (nested
    /// arrays), which hex would take to twice their size and back at every start. No case file
    /// sets it, and it is never written out.
    #[serde(skip)]
    pub generated_body: Option<bytes::Bytes>,
    /// A valid JSON object body padded to this many bytes, for size limits.
    #[serde(
        default,
        rename = "paddedBody",
        skip_serializing_if = "Option::is_none"
    )]
    pub padded_body: Option<usize>,
    /// Written byte for byte: header names as written, the body framed as said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wire: Option<WireSpec>,
}

/// How a request is written on the wire (`wire`).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WireSpec {
    /// The body in chunks, without Content-Length.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub chunked: bool,
    /// Each chunk's size line carries an extension (`;mpsdc=1`).
    #[serde(
        default,
        rename = "chunkExtensions",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub chunk_extensions: bool,
    /// `Expect: 100-continue`.
    #[serde(
        default,
        rename = "expectContinue",
        skip_serializing_if = "std::ops::Not::not"
    )]
    pub expect_continue: bool,
    /// `1.0` or `1.1` (the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A request header's value: a string sets it, a list sends it once per item, `null` removes a
/// default. (Deserialized in `de`, for messages that say what the value must be.)
#[derive(Clone, Debug, Serialize, PartialEq)]
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
    #[serde(
        default,
        deserialize_with = "super::de::some_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub body: Option<BodyExpect>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<JsonAssert>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invariants: Vec<InvariantRef>,
    /// Members found by `constants.system.xuid`, not by index.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberExpect>,
    /// Counts over the answers of a burst step, by status.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tally: Vec<TallyExpect>,
    /// Expectations that apply only when the answer's status is in a branch's set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<WhenBranch>,
}

/// The allowed statuses of an answer. (Deserialized in `de`.)
#[derive(Clone, Debug, Serialize)]
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
    /// Numeric comparison, the mirror of `greaterThan`.
    #[serde(default, rename = "lessThan", skip_serializing_if = "Option::is_none")]
    pub less_than: Option<Value>,
    /// A regular expression the value (a string) must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    /// Number of members of an object or items of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// JSON type: null, boolean, integer, number, string, array, object.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub json_type: Option<String>,
}

/// A named check that JSON Schema cannot express. (Deserialized in `de`.)
#[derive(Clone, Debug, Serialize)]
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

/// The member of `/members` whose `constants.system.xuid` is `xuid`: present exactly once (or,
/// with `present: false`, absent), and its fields.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MemberExpect {
    pub xuid: String,
    /// `true` (default): exactly one member has the xuid; `false`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Pointers relative to the member object.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json: Vec<JsonAssert>,
}

/// How many answers of a burst have a status in `status`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TallyExpect {
    pub status: StatusSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
}

/// Expectations guarded by the status answered (a guard, not an assertion).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WhenBranch {
    pub status: StatusSet,
    #[serde(deserialize_with = "super::de::object")]
    pub expect: Expect,
}

/// A set of status codes: `200` or `[400, 404]`. (Deserialized in `de`.)
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct StatusSet(pub Vec<u16>);

impl StatusSet {
    pub fn contains(&self, status: u16) -> bool {
        self.0.contains(&status)
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
