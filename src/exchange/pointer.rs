//! One value of a JSON document, by JSON pointer, read without building the rest: what a
//! capture needs of an answer that nothing else reads as a whole. Everything off the pointer's
//! path is skipped, not allocated.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The value at `pointer` (RFC 6901) in the JSON document `bytes`, as `Value::pointer` would find
/// it; `None` when the document is not JSON or has nothing there.
pub fn extract(bytes: &[u8], pointer: &str) -> Option<Value> {
    let tokens = tokens(pointer)?;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let found = At(&tokens).deserialize(&mut de).ok()?;
    de.end().ok()?;
    found
}

/// The value at `pointer` in a parsed document: `Value::pointer`'s answer, without its two
/// string replacements and copy per token (a token is unescaped only when it holds a `~`). The
/// checks look up about forty pointers per case.
pub fn lookup<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    written_tokens(pointer)?.try_fold(doc, |target, token| {
        let token = unescape(token);
        match target {
            Value::Object(map) => map.get(token.as_ref()),
            Value::Array(list) => index(&token).and_then(|i| list.get(i)),
            _ => None,
        }
    })
}

/// The unescaped reference tokens of a pointer (`""` → none), or `None` when it is no pointer.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    Some(
        written_tokens(pointer)?
            .map(|t| unescape(t).into_owned())
            .collect(),
    )
}

/// The reference tokens of a pointer as written (`""` → none), or `None` when it is no pointer.
fn written_tokens(pointer: &str) -> Option<impl Iterator<Item = &str>> {
    let rest = match pointer {
        "" => None,
        _ => Some(pointer.strip_prefix('/')?),
    };
    Some(rest.into_iter().flat_map(|r| r.split('/')))
}

/// A token with `~1` read as `/` and `~0` as `~`; borrowed when it holds neither.
fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// An array index as `Value::pointer` reads it: digits, no leading zero but `0` itself.
fn index(token: &str) -> Option<usize> {
    if token.is_empty() || token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}

/// An object's key, borrowed from the document unless it holds escapes.
#[derive(serde::Deserialize)]
struct Key<'a>(#[serde(borrow)] std::borrow::Cow<'a, str>);

/// Reads one value, keeping only what lies at the remaining tokens.
struct At<'t>(&'t [String]);

impl<'de> DeserializeSeed<'de> for At<'_> {
    type Value = Option<Value>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        if self.0.is_empty() {
            return serde::Deserialize::deserialize(d).map(Some);
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for At<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<Value>, A::Error> {
        // `deserialize` reads a value itself when no token is left.
        let Some((first, rest)) = self.0.split_first() else {
            return Ok(None);
        };
        let mut found = None;
        while let Some(Key(key)) = map.next_key::<Key<'de>>()? {
            if key == first.as_str() {
                // A key given twice: the last one counts, as in a parsed document.
                found = map.next_value_seed(At(rest))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<Value>, A::Error> {
        let Some((first, rest)) = self.0.split_first() else {
            return Ok(None);
        };
        let wanted = index(first);
        let mut found = None;
        let mut i = 0;
        loop {
            if Some(i) == wanted {
                match seq.next_element_seed(At(rest))? {
                    Some(value) => found = value,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<Value>, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_what_value_pointer_finds() {
        let doc = json!({
            "id": "h-1", "n": 3, "a/b": {"m~n": [10, {"x": null}]},
            "members": {"0": {"c": {"s": {"xuid": "25"}}}, "1": {}},
            "list": [1, 2, 3], "e": {}
        });
        let bytes = serde_json::to_vec(&doc).unwrap();
        for p in [
            "",
            "/id",
            "/n",
            "/a~1b/m~0n/0",
            "/a~1b/m~0n/1/x",
            "/members/0/c/s/xuid",
            "/list/2",
            "/list/3",
            "/list/01",
            "/list/-",
            "/nope",
            "/id/deeper",
            "/e",
            "/members/1/x",
        ] {
            assert_eq!(extract(&bytes, p).as_ref(), doc.pointer(p), "{p}");
            assert_eq!(lookup(&doc, p), doc.pointer(p), "{p}");
        }
        for p in [
            "id",
            "/a~1b/m~0n/+1",
            "/a~1b/m~0n/00",
            "/a~01b",
            "/e/",
            "//",
        ] {
            assert_eq!(lookup(&doc, p), doc.pointer(p), "{p}");
        }
        assert_eq!(extract(b"not json", "/id"), None);
        assert_eq!(extract(b"{\"id\": 1} trailing", "/id"), None);
        assert_eq!(extract(b"{\"id\": 1, \"id\": 2}", "/id"), Some(json!(2)));
        assert_eq!(extract(br#"{"k\u0061": 5}"#, "/ka"), Some(json!(5)));
    }
}
