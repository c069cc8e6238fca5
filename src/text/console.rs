//! Text for a terminal. A server's answer, a header value, a reason phrase, an error string or
//! a file's content must not move the cursor, set the window title, write the clipboard (OSC 52)
//! or reverse what follows: every control character (C0, DEL, C1) and every bidi override or
//! isolate is shown escaped, whether or not the stream is a terminal (it may be a log that a
//! terminal shows later). Our own styling is added after the data is escaped.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as itself (newlines and tabs included: see
/// [`block`] for where they are kept).
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\0'..='\x1f' | '\x7f' | '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// `c` as an escape a person reads: `\x1b` for ASCII, `\u{202e}` beyond.
pub fn push_escaped(out: &mut String, c: char) {
    if c.is_ascii() {
        let _ = write!(out, "\\x{:02x}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    }
}

fn escape(text: &str, keep: impl Fn(char, Option<char>) -> bool) -> Cow<'_, str> {
    let mut chars = text.chars().peekable();
    let needed = text
        .chars()
        .zip(text.chars().skip(1).map(Some).chain([None]))
        .any(|(c, next)| is_unsafe(c) && !keep(c, next));
    if !needed {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !keep(c, chars.peek().copied()) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line: every unsafe character escaped, newlines and tabs too.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, |_, _| false)
}

/// A block of lines (a transcript, a diff, a message over several lines): newlines, tabs and
/// CRLF line ends kept, every other unsafe character escaped (a lone CR too: it would let the
/// text overwrite its own line).
pub fn block(text: &str) -> Cow<'_, str> {
    escape(text, |c, next| {
        c == '\n' || c == '\t' || (c == '\r' && next == Some('\n'))
    })
}

/// JSON text for a terminal: every unsafe character (serde_json leaves DEL, C1 and bidi
/// characters raw in strings) as a JSON escape, `\u202e`, so the text is still the same JSON.
pub fn json(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        // Outside strings serde_json writes only newlines and spaces.
        if is_unsafe(c) && c != '\n' {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\x1b]0;pwned\x07b\x1b[2J\u{9b}31m\u{202e}c\u{2066}\x7f\r\x00";

    #[test]
    fn a_line_shows_every_control_and_bidi_character_escaped() {
        assert_eq!(
            line(HOSTILE),
            "a\\x1b]0;pwned\\x07b\\x1b[2J\\u{9b}31m\\u{202e}c\\u{2066}\\x7f\\x0d\\x00"
        );
        assert_eq!(line("x\ny\tz"), "x\\x0ay\\x09z");
        assert!(!line(HOSTILE).chars().any(is_unsafe));
    }

    #[test]
    fn a_block_keeps_its_lines_and_tabs_but_no_lone_cr() {
        assert_eq!(block("a\r\nb\tc\rd\n\x1b"), "a\r\nb\tc\\x0dd\n\\x1b");
        assert!(!block(HOSTILE).chars().any(is_unsafe));
    }

    #[test]
    fn json_stays_the_same_json() {
        let value = serde_json::json!({ "a": "\x1b\x7f\u{9b}\u{202e}" });
        let text = serde_json::to_string_pretty(&value).unwrap_or_default();
        let safe = json(&text);
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap_or_default();
        assert_eq!(back, value);
    }

    #[test]
    fn safe_text_is_borrowed_unchanged() {
        assert!(matches!(line("plain – ünïcode ✓"), Cow::Borrowed(_)));
        assert!(matches!(block("two\nlines"), Cow::Borrowed(_)));
        // Bidi marks that do not override, and other format characters, stay.
        assert_eq!(line("\u{200e}\u{a0}\u{2028}"), "\u{200e}\u{a0}\u{2028}");
    }
}
