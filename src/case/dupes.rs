//! A key given twice in one JSON object. serde keeps the last one without a word (a request body
//! with two `members` would silently send one); a scan of the file's bytes refuses it, with the
//! line and column of the second key. The file has parsed as JSON already: the scan only tracks
//! objects and their keys, and allocates only for keys written with escapes.

use std::borrow::Cow;

/// The first key given twice in one object: its line and column (1-based, just after the key)
/// and its text.
#[derive(Debug, PartialEq, Eq)]
pub struct DuplicateKey {
    pub line: usize,
    pub column: usize,
    pub key: String,
}

/// What an open container is while scanning.
enum Open<'a> {
    Array,
    /// An object: the keys so far, and whether the next string is a key.
    Object {
        keys: Vec<Cow<'a, [u8]>>,
        key_next: bool,
    },
}

/// The first duplicate key of a JSON document, if any.
pub fn first_duplicate(bytes: &[u8]) -> Option<DuplicateKey> {
    let mut open: Vec<Open<'_>> = Vec::new();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => {
                let end = string_end(bytes, i + 1)?;
                if let Some(Open::Object { keys, key_next }) = open.last_mut() {
                    if *key_next {
                        let key = decoded(bytes.get(i..=end)?)?;
                        if keys.contains(&key) {
                            let (line, column) = position(bytes, end + 1);
                            return Some(DuplicateKey {
                                line,
                                column,
                                key: String::from_utf8_lossy(&key).into_owned(),
                            });
                        }
                        keys.push(key);
                        *key_next = false;
                    }
                }
                i = end;
            }
            b'{' => open.push(Open::Object {
                keys: Vec::new(),
                key_next: true,
            }),
            b'[' => open.push(Open::Array),
            b'}' | b']' => {
                open.pop();
            }
            b',' => {
                if let Some(Open::Object { key_next, .. }) = open.last_mut() {
                    *key_next = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index of the quote that closes the string whose content starts at `from`.
fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let at = from + memchr::memchr2(b'"', b'\\', bytes.get(from..)?)?;
        if bytes.get(at) == Some(&b'"') {
            return Some(at);
        }
        // An escape: skip the escaped character.
        from = at + 2;
    }
}

/// A key as its text, whatever escapes spell it (`"k\u0061"` is `"ka"`).
fn decoded<'a>(quoted: &'a [u8]) -> Option<Cow<'a, [u8]>> {
    let inner = quoted.get(1..quoted.len().checked_sub(1)?)?;
    if !inner.contains(&b'\\') {
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_slice::<String>(quoted)
        .ok()
        .map(|s| Cow::Owned(s.into_bytes()))
}

/// Line and column (1-based) of byte `offset`, as serde_json counts them (by bytes).
fn position(bytes: &[u8], offset: usize) -> (usize, usize) {
    let (before, _) = bytes.split_at(offset.min(bytes.len()));
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, offset - line_start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_key_is_found_at_any_depth_with_its_position() {
        assert_eq!(
            first_duplicate(br#"{"a": [{"b": 1, "c": {"b": 2}}], "d": "b"}"#),
            None
        );
        assert_eq!(
            first_duplicate(br#"{"a": ["x", "x"], "b": {"x": "x"}}"#),
            None
        );
        let found = first_duplicate(b"{\"a\": [{\"b\": 1,\n \"b\": 2}]}");
        assert_eq!(
            found,
            Some(DuplicateKey {
                line: 2,
                column: 4,
                key: "b".into()
            })
        );
        // Escapes spell the same key; a quote inside a string is no end of it.
        let escaped = first_duplicate(br#"{"k\"a": 1, "ka": 2, "k\u0022a": 3}"#);
        assert_eq!(escaped.map(|d| d.key), Some("k\"a".into()));
        assert_eq!(first_duplicate(br#"{"s": "{\"x\": 1, \"x\": 2}"}"#), None);
    }
}
