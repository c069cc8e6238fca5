//! Answers that are JSON by RFC 8259's grammar but that a parser limited as serde_json is cannot
//! build: strings holding a lone surrogate escape, numbers beyond a double, values nested deeper
//! than its recursion limit. The contract leaves these limits open (CONTRACT.md §8.11), so a
//! server may answer them: such a body is rewritten, in one pass without recursion, into JSON
//! that reads — a lone surrogate as U+FFFD, a number beyond a double and a value nested beyond
//! [`MAX_DEPTH`] as a marker string holding its text (or its length and a hash) — so the
//! document around them is judged, and two answers still compare equal only when those parts are
//! the same text.

use serde_json::Value;

/// JSON read from bytes. JSON is UTF-8 and nothing else (RFC 8259 §8.1): text checked once over
/// the whole of it is parsed as text, and the parser does not check every string again, as it
/// does from bytes (a tenth of the harness's instructions went to those checks). Bytes that are
/// not UTF-8 are parsed as bytes, for the parser's own account of where they break.
pub fn json_from_bytes<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// The deepest nesting kept as JSON (serde_json refuses beyond 128).
pub const MAX_DEPTH: usize = 100;

/// `body` read as JSON after the rewrite, when the rewrite changed anything and it then reads.
pub fn read_leniently(body: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(body).ok()?;
    let rewritten = rewrite(text)?;
    serde_json::from_str(&rewritten).ok()
}

/// The rewritten text, or `None` when nothing needed rewriting.
fn rewrite(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let end = string_end(bytes, i)?;
                let literal = text.get(i..end)?;
                match without_lone_surrogates(literal) {
                    Some(fixed) => {
                        out.push_str(&fixed);
                        changed = true;
                    }
                    None => out.push_str(literal),
                }
                i = end;
            }
            b'[' | b'{' if depth >= MAX_DEPTH => {
                let end = value_end(bytes, i)?;
                let nested = bytes.get(i..end)?;
                out.push_str(&marker(&format!(
                    "nested:{}:{:016x}",
                    nested.len(),
                    fnv1a64(nested)
                )));
                changed = true;
                i = end;
            }
            b'[' | b'{' => {
                depth += 1;
                out.push(char::from(b));
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                out.push(char::from(b));
                i += 1;
            }
            b'-' | b'0'..=b'9' => {
                let end = bytes
                    .iter()
                    .skip(i)
                    .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .map_or(bytes.len(), |n| i + n);
                let number = text.get(i..end)?;
                if number.parse::<f64>().is_ok_and(f64::is_finite) {
                    out.push_str(number);
                } else {
                    out.push_str(&marker(&format!("number:{number}")));
                    changed = true;
                }
                i = end;
            }
            _ => {
                let len = text.get(i..)?.chars().next().map_or(1, char::len_utf8);
                out.push_str(text.get(i..i + len)?);
                i += len;
            }
        }
    }
    changed.then_some(out)
}

/// A JSON string standing for what could not be read as it was.
fn marker(what: &str) -> String {
    format!("\"\\u0000mpsdc-{what}\"")
}

/// The index just past the string literal that starts at `start`.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The index just past the array or object that starts at `start`.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    loop {
        match bytes.get(i)? {
            b'"' => {
                i = string_end(bytes, i)?;
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
}

/// A string literal with each lone surrogate escape written as `\ufffd`, or `None` when it
/// holds none.
fn without_lone_surrogates(literal: &str) -> Option<String> {
    let surrogate = |s: &str| {
        s.get(..6)
            .filter(|e| e.starts_with("\\u"))
            .and_then(|e| e.get(2..))
            .and_then(|h| u16::from_str_radix(h, 16).ok())
            .filter(|u| (0xD800..0xE000).contains(u))
    };
    let mut out = String::with_capacity(literal.len());
    let mut rest = literal;
    let mut changed = false;
    while let Some(i) = rest.find('\\') {
        out.push_str(rest.get(..i)?);
        rest = rest.get(i..)?;
        let Some(unit) = surrogate(rest) else {
            // Another escape (`\\` included) is kept whole, so its backslash is not read again.
            let len = rest.chars().take(2).map(char::len_utf8).sum::<usize>();
            out.push_str(rest.get(..len)?);
            rest = rest.get(len..)?;
            continue;
        };
        let low = rest.get(6..).and_then(surrogate);
        if (0xD800..0xDC00).contains(&unit) && low.is_some_and(|l| (0xDC00..0xE000).contains(&l)) {
            out.push_str(rest.get(..12)?);
            rest = rest.get(12..)?;
        } else {
            out.push_str("\\ufffd");
            rest = rest.get(6..)?;
            changed = true;
        }
    }
    out.push_str(rest);
    changed.then_some(out)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_read_as_the_replacement_character() {
        let doc = read_leniently(br#"{"a": "x\ud800y", "b": "\ud83c\udfae", "c": "\\ud800"}"#)
            .expect("read");
        assert_eq!(doc["a"], "x\u{fffd}y");
        assert_eq!(doc["b"], "\u{1f3ae}");
        assert_eq!(doc["c"], "\\ud800");
        let low_first = read_leniently(br#"["\udc00\ud800"]"#).expect("read");
        assert_eq!(low_first[0], "\u{fffd}\u{fffd}");
    }

    #[test]
    fn big_numbers_and_deep_values_read_as_markers_of_their_text() {
        let doc = read_leniently(br#"{"n": 1E+400, "m": -1e400, "ok": 1.5}"#).expect("read");
        assert_eq!(doc["n"], "\u{0}mpsdc-number:1E+400");
        assert_eq!(doc["m"], "\u{0}mpsdc-number:-1e400");
        assert_eq!(doc["ok"], 1.5);
        let deep = |n: usize| {
            let text = format!(r#"{{"k": {}"x]"{}}}"#, "[".repeat(n), "]".repeat(n));
            read_leniently(text.as_bytes())
        };
        let a = deep(100_000).expect("read without recursion");
        // Kept as JSON down to the limit, a marker below it.
        let mut at = &a["k"];
        let mut levels = 1;
        while let Some(inner) = at.get(0) {
            at = inner;
            levels += 1;
        }
        assert_eq!(levels, MAX_DEPTH);
        assert!(
            at.as_str()
                .is_some_and(|s| s.starts_with("\u{0}mpsdc-nested:")),
            "{at}"
        );
        assert_eq!(deep(100_000), Some(a.clone()));
        assert_ne!(deep(99_999), Some(a));
        // What the strict parser reads needs no rewrite.
        assert!(read_leniently(br#"{"a": [1, "\u00e9"]}"#).is_none());
    }
}
