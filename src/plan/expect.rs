//! Expectations compiled at load time: every check carries its resolved rule, patterns are
//! compiled, schema references point at compiled validators, and values that hold templates are
//! rendered only when judged.

use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use crate::case::StatusSet;

use super::template::{TValue, Text};

/// A rule id, shared by every check that enforces it.
pub type Rule = Arc<str>;

#[derive(Debug, Default)]
pub struct ExpectPlan {
    pub status: Option<StatusCheck>,
    pub headers: Box<[HeaderCheck]>,
    pub body: Option<BodyCheck>,
    pub json: Box<[JsonCheck]>,
    pub invariants: Box<[InvariantCheck]>,
    pub members: Box<[MemberCheck]>,
    pub tally: Box<[TallyCheck]>,
    pub when: Box<[WhenPlan]>,
    /// The rule of a "the body is not JSON" failure, when `json`, `invariants` or `members`
    /// need the body as JSON: the first of theirs.
    pub json_rule: Option<Rule>,
}

impl ExpectPlan {
    /// Whether judging reads the body as JSON (so a big body is parsed off the I/O threads).
    pub fn reads_json(&self) -> bool {
        self.json_rule.is_some()
            || self.body.as_ref().is_some_and(|b| b.schema.is_some())
            || self.when.iter().any(|w| w.expect.reads_json())
    }
}

#[derive(Debug)]
pub struct StatusCheck {
    pub allowed: Box<[u16]>,
    pub rule: Rule,
}

/// Checks on one response header. All given checks must hold.
#[derive(Debug)]
pub struct HeaderCheck {
    pub name: Box<str>,
    pub rule: Rule,
    pub present: Option<bool>,
    pub equals: Option<Text>,
    pub not_equals: Option<Text>,
    pub media: Option<Text>,
    pub matches: Option<Pattern>,
    pub includes: Box<[Text]>,
    pub path_equals: Option<Text>,
}

impl HeaderCheck {
    /// Whether a check needs the header's value.
    pub fn needs_value(&self) -> bool {
        self.equals.is_some()
            || self.media.is_some()
            || self.matches.is_some()
            || !self.includes.is_empty()
            || self.path_equals.is_some()
    }
}

#[derive(Debug)]
pub struct BodyCheck {
    pub rule: Rule,
    /// `true`: no body bytes; `false`: at least one non-whitespace byte.
    pub empty: Option<bool>,
    pub schema: Option<SchemaRef>,
}

/// A schema of `schemas/`, compiled.
#[derive(Clone, Debug)]
pub struct SchemaRef {
    pub name: Box<str>,
    pub validator: Arc<jsonschema::Validator>,
}

/// A regular expression: compiled at load time, or, when it holds a template, once rendered.
#[derive(Debug)]
pub enum Pattern {
    Compiled(Regex),
    Tmpl(Text),
}

/// An assertion on the JSON body at a JSON pointer. All given checks must hold.
///
/// The values and the pattern are boxed: a check gives one or two of them, and unboxed they made
/// every check about 400 bytes (a `TValue` holds a JSON value), the largest part of a compiled
/// case (10,000 cases of two checks held 8 MB).
#[derive(Debug)]
pub struct JsonCheck {
    pub pointer: Text,
    pub rule: Rule,
    pub exists: Option<bool>,
    pub equals: Option<Box<TValue>>,
    pub not_equals: Option<Box<TValue>>,
    pub greater_than: Option<Box<TValue>>,
    pub less_than: Option<Box<TValue>>,
    pub matches: Option<Box<Pattern>>,
    pub count: Option<usize>,
    pub json_type: Option<JsonType>,
}

impl JsonCheck {
    /// Whether a check needs a value at the pointer.
    pub fn needs_value(&self) -> bool {
        self.equals.is_some()
            || self.not_equals.is_some()
            || self.greater_than.is_some()
            || self.less_than.is_some()
            || self.matches.is_some()
            || self.count.is_some()
            || self.json_type.is_some()
    }
}

/// A JSON type as `type` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonType {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl JsonType {
    pub const NAMES: &'static [&'static str] = &[
        "null", "boolean", "integer", "number", "string", "array", "object",
    ];

    pub fn from_name(name: &str) -> Option<JsonType> {
        Some(match name {
            "null" => JsonType::Null,
            "boolean" => JsonType::Boolean,
            "integer" => JsonType::Integer,
            "number" => JsonType::Number,
            "string" => JsonType::String,
            "array" => JsonType::Array,
            "object" => JsonType::Object,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JsonType::Null => "null",
            JsonType::Boolean => "boolean",
            JsonType::Integer => "integer",
            JsonType::Number => "number",
            JsonType::String => "string",
            JsonType::Array => "array",
            JsonType::Object => "object",
        }
    }

    /// The type of a value (an integer is not a `number` here; `holds` accepts it as one).
    pub fn of(v: &Value) -> JsonType {
        match v {
            Value::Null => JsonType::Null,
            Value::Bool(_) => JsonType::Boolean,
            Value::Number(n) if n.is_i64() || n.is_u64() => JsonType::Integer,
            Value::Number(_) => JsonType::Number,
            Value::String(_) => JsonType::String,
            Value::Array(_) => JsonType::Array,
            Value::Object(_) => JsonType::Object,
        }
    }

    /// Whether `v` is of this type (an integer is a number too).
    pub fn holds(self, v: &Value) -> bool {
        let actual = JsonType::of(v);
        actual == self || (self == JsonType::Number && actual == JsonType::Integer)
    }
}

/// A named check that JSON Schema cannot express.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invariant {
    /// The members' linked list (SH2).
    MemberList,
    /// `membersInfo` agrees with the members (SH2).
    MembersInfo,
}

impl Invariant {
    pub const NAMES: &'static [&'static str] = &["member-list", "members-info"];

    pub fn from_name(name: &str) -> Option<Invariant> {
        match name {
            "member-list" => Some(Invariant::MemberList),
            "members-info" => Some(Invariant::MembersInfo),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Invariant::MemberList => "member-list",
            Invariant::MembersInfo => "members-info",
        }
    }
}

#[derive(Debug)]
pub struct InvariantCheck {
    pub invariant: Invariant,
    pub rule: Rule,
}

/// The member of `/members` whose `constants.system.xuid` is `xuid`: present exactly once (or,
/// with `present: false`, absent), and its fields.
#[derive(Debug)]
pub struct MemberCheck {
    pub xuid: Text,
    pub present: bool,
    pub rule: Rule,
    /// Pointers relative to the member.
    pub json: Box<[JsonCheck]>,
}

/// Counts over the answers of a burst step, by status.
#[derive(Debug)]
pub struct TallyCheck {
    pub status: StatusSet,
    pub count: Option<usize>,
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub rule: Rule,
}

/// Expectations that apply only when the answer's status is in `status`.
#[derive(Debug)]
pub struct WhenPlan {
    pub status: StatusSet,
    pub expect: ExpectPlan,
}

#[cfg(test)]
mod tests {
    /// A compiled JSON check stays small: a large set holds tens of thousands of them, and each
    /// gives one or two of its optional values.
    #[test]
    fn a_json_check_stays_small() {
        let size = std::mem::size_of::<super::JsonCheck>();
        assert!(size <= 128, "JsonCheck is {size} bytes");
    }
}
