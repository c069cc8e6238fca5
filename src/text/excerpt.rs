//! The start of a body, as messages and transcripts quote it. The excerpt is data (report.json
//! keeps it as it came): each writer escapes it for its place.

/// How many characters of a body a failure quotes: enough to read a server's message, short
/// enough that a page of HTML does not bury the failure.
pub const QUOTED: usize = 600;

/// A body as a failure quotes it (`response body:` then its start, `…` when cut), or nothing
/// for an empty body.
pub fn quoted_body(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        return None;
    }
    let shown = of_bytes(body, QUOTED);
    let more = if shown.cut { "\n…" } else { "" };
    Some(format!("response body:\n{}{more}", shown.text))
}

/// How many characters of a body a one-line message (a set-up step refused, a preflight that
/// failed) appends: a server's short reason fits, and the line stays a line.
pub const INLINE: usize = 200;

/// A body's start as a one-line message appends it (`: text`, trimmed), or nothing when it is
/// blank.
pub fn inline(body: &[u8]) -> String {
    let shown = of_bytes(body, INLINE);
    let text = shown.text.trim();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

/// The first characters of a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// Up to the asked number of characters, bytes that are not UTF-8 as U+FFFD.
    pub text: String,
    /// The body goes on past `text`.
    pub cut: bool,
}

/// The first `chars` characters of `body`; only the bytes that can hold them are decoded.
pub fn of_bytes(body: &[u8], chars: usize) -> Excerpt {
    // A character is at most 4 bytes.
    let (head, _) = body.split_at(body.len().min(chars.saturating_mul(4)));
    let text = String::from_utf8_lossy(head);
    let shown = of_text(&text, chars);
    Excerpt {
        cut: shown.cut || head.len() < body.len(),
        text: shown.text,
    }
}

/// The first `chars` characters of `text`.
pub fn of_text(text: &str, chars: usize) -> Excerpt {
    match text.char_indices().nth(chars) {
        Some((at, _)) => Excerpt {
            text: text[..at].to_string(),
            cut: true,
        },
        None => Excerpt {
            text: text.to_string(),
            cut: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_cut_at_a_character_and_says_so() {
        assert_eq!(
            of_text("äöü", 2),
            Excerpt {
                text: "äö".into(),
                cut: true
            }
        );
        assert!(!of_text("äöü", 3).cut);
        let body = "é".repeat(10);
        let e = of_bytes(body.as_bytes(), 4);
        assert_eq!((e.text.as_str(), e.cut), ("éééé", true));
        assert_eq!(of_bytes(b"ab\xff", 10).text, "ab\u{fffd}");
        assert!(!of_bytes(b"ab", 2).cut);
    }

    #[test]
    fn a_quoted_body_says_where_it_was_cut() {
        assert_eq!(quoted_body(b""), None);
        assert_eq!(quoted_body(b"no").as_deref(), Some("response body:\nno"));
        let long = quoted_body("x".repeat(QUOTED + 1).as_bytes()).unwrap_or_default();
        assert!(long.ends_with("x\n…"), "{long}");
    }

    #[test]
    fn an_inline_excerpt_is_trimmed_and_cut() {
        assert_eq!(inline(b" \n "), "");
        assert_eq!(inline(b" no such session\n"), ": no such session");
        assert_eq!(inline("y".repeat(INLINE + 1).as_bytes()).len(), INLINE + 2);
    }
}
