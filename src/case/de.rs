//! Reading the fields that take several forms. serde's untagged enums answer a mistake with
//! "data did not match any variant"; these visitors say what the field must be, and the loader
//! turns serde's "invalid type: X, expected Y" into "`field` must be Y, not X".

use std::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};

use super::model::{
    HeaderValueSpec, InvariantFull, InvariantRef, Severity, StatusExpect, StatusFull, StatusSet,
};

const STATUSES: &str = "a status code or a list of them (200, [400, 404])";

/// One status code inside a list.
struct StatusCode(u16);

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StatusCode;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a status code (an integer such as 404)")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusCode, E> {
                code(v, &self).map(StatusCode)
            }
        }
        d.deserialize_any(V)
    }
}

fn code<E: de::Error>(v: u64, expected: &dyn de::Expected) -> Result<u16, E> {
    u16::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), expected))
}

fn codes<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<u16>, A::Error> {
    let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(2));
    while let Some(StatusCode(c)) = seq.next_element()? {
        out.push(c);
    }
    Ok(out)
}

impl<'de> Deserialize<'de> for StatusExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatusExpect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(STATUSES)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusExpect, E> {
                code(v, &self).map(StatusExpect::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StatusExpect, A::Error> {
                codes(seq).map(StatusExpect::Set)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<StatusExpect, A::Error> {
                StatusFull::deserialize(MapAccessDeserializer::new(map)).map(StatusExpect::Full)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for StatusSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatusSet;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(STATUSES)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusSet, E> {
                code(v, &self).map(|c| StatusSet(vec![c]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<StatusSet, A::Error> {
                codes(seq).map(StatusSet)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for HeaderValueSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = HeaderValueSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, a list of strings, or null (to remove a default header)")
            }
            fn visit_unit<E: de::Error>(self) -> Result<HeaderValueSpec, E> {
                Ok(HeaderValueSpec::Remove(()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<HeaderValueSpec, E> {
                Ok(HeaderValueSpec::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<HeaderValueSpec, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                Ok(HeaderValueSpec::Many(out))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for InvariantRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InvariantRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "an invariant's name (\"member-list\") or an object {\"name\": …, \"rule\": …}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<InvariantRef, E> {
                Ok(InvariantRef::Name(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<InvariantRef, A::Error> {
                InvariantFull::deserialize(MapAccessDeserializer::new(map)).map(InvariantRef::Full)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const NAMES: &[&str] = &["must", "should", "may"];
        struct V;
        impl Visitor<'_> for V {
            type Value = Severity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("one of `must`, `should`, `may`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Severity, E> {
                match v {
                    "must" => Ok(Severity::Must),
                    "should" => Ok(Severity::Should),
                    "may" => Ok(Severity::May),
                    other => Err(E::unknown_variant(other, NAMES)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// An object, and nothing else: serde reads a struct from a list too (`"expect": []` would be an
/// expectation that checks nothing), and `null` would read as an absent field.
pub fn object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    struct V<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::deserialize(MapAccessDeserializer::new(map))
        }
    }
    d.deserialize_map(V(std::marker::PhantomData))
}

/// A whole file that must be an object (a case, suite.json, rules.json).
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        object(d).map(Object)
    }
}

/// [`object`] for an optional field: present means an object (`null` is refused, not absent).
pub fn some_object<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    object(d).map(Some)
}

/// serde's "invalid type: string \"200\", expected a status code …" as "`status` must be a status
/// code …, not a string"; other messages unchanged. `field` is where the mistake is (`status`,
/// `rules[1]`), when known.
pub fn readable(message: &str, field: Option<&str>) -> String {
    let (rest, literal) = if let Some(r) = message.strip_prefix("invalid type: ") {
        (r, false)
    } else if let Some(r) = message.strip_prefix("invalid value: ") {
        (r, true)
    } else {
        return message.to_string();
    };
    let (Some(field), Some((got, expected))) = (field, rest.split_once(", expected ")) else {
        return message.to_string();
    };
    let got = if literal { value_of(got) } else { kind_of(got) };
    format!("`{field}` must be {}, not {got}", in_words(expected))
}

/// `string "x"` → `a string`, `integer `5`` → `a number` …
fn kind_of(unexpected: &str) -> String {
    let head = unexpected.split([' ', '`']).next().unwrap_or(unexpected);
    match head {
        "string" | "character" => "a string",
        "integer" => "an integer",
        "floating" => "a fractional number",
        "boolean" => "a boolean",
        "sequence" => "a list",
        "map" => "an object",
        "unit" | "null" => "null",
        _ => return unexpected.to_string(),
    }
    .to_string()
}

/// `integer `70000`` → `70000`.
fn value_of(unexpected: &str) -> String {
    match unexpected.split_once('`') {
        Some((_, v)) => v.trim_end_matches('`').to_string(),
        None => unexpected.to_string(),
    }
}

/// serde's names of what it expected, as a case author reads them.
fn in_words(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a non-negative integer".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "an integer".into(),
        "a sequence" => "a list".into(),
        "a boolean" => "true or false".into(),
        "a map" => "an object".into(),
        e if e.starts_with("struct ") => "an object".into(),
        e => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::Expect;

    fn error_of<T: serde::de::DeserializeOwned + fmt::Debug>(text: &str) -> String {
        let mut de = serde_json::Deserializer::from_str(text);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(v) => panic!("{text} was read as {v:?}"),
            Err(e) => {
                let inner = e.inner().to_string();
                let message = inner
                    .split(" at line ")
                    .next()
                    .unwrap_or(&inner)
                    .to_string();
                readable(&message, crate::case::load::field_of(e.path()).as_deref())
            }
        }
    }

    #[test]
    fn every_form_of_a_status_reads_and_a_string_says_what_status_must_be() {
        let e: Expect = serde_json::from_str(r#"{"status": 200}"#).unwrap();
        assert_eq!(e.status.map(|s| s.allowed()), Some(vec![200]));
        let e: Expect = serde_json::from_str(r#"{"status": [400, 404]}"#).unwrap();
        assert_eq!(e.status.map(|s| s.allowed()), Some(vec![400, 404]));
        let e: Expect = serde_json::from_str(r#"{"status": {"in": [412], "rule": "O5"}}"#).unwrap();
        assert_eq!(e.status.as_ref().and_then(|s| s.rule()), Some("O5"));
        assert_eq!(
            error_of::<Expect>(r#"{"status": "200"}"#),
            "`status` must be a status code or a list of them (200, [400, 404]), not a string"
        );
        assert_eq!(
            error_of::<Expect>(r#"{"status": [400, "404"]}"#),
            "`status[1]` must be a status code (an integer such as 404), not a string"
        );
        assert_eq!(
            error_of::<Expect>(r#"{"status": 70000}"#),
            "`status` must be a status code or a list of them (200, [400, 404]), not 70000"
        );
        assert!(
            error_of::<Expect>(r#"{"status": {"in": [412], "rul": "O5"}}"#)
                .contains("unknown field `rul`")
        );
    }

    #[test]
    fn header_values_invariants_and_status_sets_say_what_they_must_be() {
        use crate::case::model::RequestSpec;
        let r: RequestSpec = serde_json::from_str(
            r#"{"method": "GET", "path": "/", "headers": {"A": null, "B": "x", "C": ["1", "2"]}}"#,
        )
        .unwrap();
        assert_eq!(r.headers["A"], HeaderValueSpec::Remove(()));
        assert_eq!(
            r.headers["C"],
            HeaderValueSpec::Many(vec!["1".into(), "2".into()])
        );
        assert_eq!(
            error_of::<RequestSpec>(r#"{"method": "GET", "path": "/", "headers": {"X-V": 107}}"#),
            "`X-V` must be a string, a list of strings, or null (to remove a default header), not an integer"
        );
        assert_eq!(
            error_of::<Expect>(r#"{"invariants": [5]}"#),
            "`invariants[0]` must be an invariant's name (\"member-list\") or an object {\"name\": …, \"rule\": …}, not an integer"
        );
        assert_eq!(
            error_of::<Expect>(r#"{"tally": [{"status": "200", "count": 1}]}"#),
            "`status` must be a status code or a list of them (200, [400, 404]), not a string"
        );
        assert_eq!(
            error_of::<Expect>(r#"{"json": [{"pointer": "/a", "count": "2"}]}"#),
            "`count` must be a non-negative integer, not a string"
        );
    }
}
