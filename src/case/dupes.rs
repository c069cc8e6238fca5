//! A key given twice in one JSON object. serde keeps the last one without a word (a request body
//! with two `members` would silently send one); reading a file through this first refuses it,
//! with the line and column of the second key.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Reads any JSON document and keeps nothing; fails on the first object with a repeated key.
pub struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(Walk)
    }
}

struct Walk;

impl<'de> Visitor<'de> for Walk {
    type Value = NoDuplicateKeys;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NoDuplicateKeys, A::Error> {
        // Objects in case files are small: a list beats a hash set, and keys without escapes
        // are borrowed from the file, not copied.
        let mut seen: Vec<Key<'de>> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if seen.iter().any(|k| k.as_str() == key.as_str()) {
                return Err(de::Error::custom(format!(
                    "duplicate key `{}`: an object names each key once (the first would be dropped)",
                    key.as_str()
                )));
            }
            map.next_value::<NoDuplicateKeys>()?;
            seen.push(key);
        }
        Ok(NoDuplicateKeys)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NoDuplicateKeys, A::Error> {
        while seq.next_element::<NoDuplicateKeys>()?.is_some() {}
        Ok(NoDuplicateKeys)
    }

    fn visit_bool<E>(self, _: bool) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_i64<E>(self, _: i64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_u64<E>(self, _: u64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_f64<E>(self, _: f64) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_str<E>(self, _: &str) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
    fn visit_unit<E>(self) -> Result<NoDuplicateKeys, E> {
        Ok(NoDuplicateKeys)
    }
}

/// An object's key, borrowed from the document unless it holds escapes.
#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);

impl Key<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_found_at_any_depth_with_its_position() {
        assert!(
            serde_json::from_str::<NoDuplicateKeys>(r#"{"a": [{"b": 1, "c": {"b": 2}}]}"#).is_ok()
        );
        let e = serde_json::from_str::<NoDuplicateKeys>("{\"a\": [{\"b\": 1,\n \"b\": 2}]}")
            .err()
            .map(|e| (e.line(), e.to_string()));
        let (line, message) = e.unwrap_or_default();
        assert_eq!(line, 2);
        assert!(message.starts_with("duplicate key `b`"), "{message}");
    }
}
