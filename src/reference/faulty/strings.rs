//! What a vendor's hand-written text handling does to a body: a lenient parser's rewrite, a
//! per-escape unescape, string columns that mangle or cut what they store.

use serde_json::Value;

/// JSON5-style leniency, as a JavaScript-friendly parser has it: `NaN` and `Infinity` read as
/// null, comments dropped, trailing commas dropped, single-quoted strings read as strings.
pub(super) fn lenient(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' | '\'' => {
                let quote = c;
                out.push('"');
                i += 1;
                while let Some(&d) = chars.get(i) {
                    i += 1;
                    if d == '\\' {
                        out.push(d);
                        if let Some(&e) = chars.get(i) {
                            out.push(e);
                            i += 1;
                        }
                    } else if d == quote {
                        break;
                    } else if d == '"' {
                        out.push_str("\\\"");
                    } else {
                        out.push(d);
                    }
                }
                out.push('"');
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i < chars.len()
                    && !(chars.get(i) == Some(&'*') && chars.get(i + 1) == Some(&'/'))
                {
                    i += 1;
                }
                i += 2;
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars.get(i) != Some(&'\n') {
                    i += 1;
                }
                continue;
            }
            ',' => {
                let next = chars.iter().skip(i + 1).find(|c| !c.is_whitespace());
                if matches!(next, Some(']' | '}')) {
                    i += 1;
                    continue;
                }
            }
            _ => {}
        }
        let rest: String = chars.iter().skip(i).take(9).collect();
        let word = ["-Infinity", "Infinity", "NaN"]
            .into_iter()
            .find(|w| rest.starts_with(w));
        if let Some(word) = word {
            out.push_str("null");
            i += word.chars().count();
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Each `\uXXXX` escape decoded alone: the two halves of an escaped surrogate pair are each an
/// invalid character, replaced.
pub(super) fn split_escaped_pairs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("\\u") {
        out.push_str(rest.get(..i).unwrap_or_default());
        let escape = rest.get(i..i + 6).unwrap_or_default();
        let unit = escape
            .get(2..)
            .and_then(|h| u16::from_str_radix(h, 16).ok());
        match unit {
            Some(u) if (0xD800..0xE000).contains(&u) => out.push_str("\\ufffd"),
            _ => out.push_str(escape),
        }
        rest = rest.get(i + escape.len().max(2)..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// How deep arrays and objects nest, strings skipped.
pub(super) fn depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Every string of `value`, keys excepted, passed through `f`.
pub(super) fn map_strings(value: &mut Value, f: &dyn Fn(&str) -> String) {
    match value {
        Value::String(s) => *s = f(s),
        Value::Array(items) => items.iter_mut().for_each(|v| map_strings(v, f)),
        Value::Object(map) => map.values_mut().for_each(|v| map_strings(v, f)),
        _ => {}
    }
}

/// A string stored in a Latin-1 column and read back as UTF-8 bytes: each byte its own character.
pub(super) fn latin1(s: &str) -> String {
    s.bytes().map(char::from).collect()
}

/// A string stored as a C string: cut at the first NUL.
pub(super) fn c_string(s: &str) -> String {
    s.split('\0').next().unwrap_or_default().to_string()
}

/// A string with the bidirectional controls stripped.
pub(super) fn without_bidi(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lenient_rewrite_reads_what_json5_reads() {
        assert_eq!(
            lenient(r#"{"a": NaN, /* c */ "b": [1, 2,], 'c': -Infinity}"#),
            r#"{"a": null,  "b": [1, 2], "c": null}"#
        );
        assert_eq!(lenient(r#"{"s": "NaN, 'x'"}"#), r#"{"s": "NaN, 'x'"}"#);
    }

    #[test]
    fn text_handling_mangles_as_described() {
        assert_eq!(
            split_escaped_pairs(r#""\ud83c\udfae \u00e9""#),
            r#""\ufffd\ufffd \u00e9""#
        );
        assert_eq!(depth(b"[[[\"]]]]]\"]]]"), 3);
        assert_eq!(latin1("é"), "Ã©");
        assert_eq!(c_string("a\0b"), "a");
        assert_eq!(without_bidi("a\u{202e}b"), "ab");
    }
}
