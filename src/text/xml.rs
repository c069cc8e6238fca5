//! Text for XML 1.0 (the JUnit file). XML forbids C0 controls other than tab, LF and CR, and
//! U+FFFE, U+FFFF (a Rust string holds no lone surrogate): a writer that passes them on makes
//! a file no CI parser reads. They are shown escaped instead, as on a terminal, and so are the
//! characters a terminal must not get (the file is printed by CI logs too).

use std::borrow::Cow;

use super::console;

/// Whether XML 1.0 forbids `c` in a document.
pub fn is_forbidden(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b' | '\x0c' | '\x0e'..='\x1f' | '\u{fffe}' | '\u{ffff}')
}

/// `text` with every character XML forbids, and every one a terminal must not get, escaped
/// (`\x1b`, `\u{fffe}`); lines and tabs kept. Markup is the XML writer's to escape.
pub fn text(text: &str) -> Cow<'_, str> {
    let safe = console::block(text);
    // What a terminal's escaping leaves that XML forbids: U+FFFE and U+FFFF.
    if !safe.chars().any(is_forbidden) {
        return safe;
    }
    let mut out = String::with_capacity(safe.len() + 16);
    for c in safe.chars() {
        if is_forbidden(c) {
            console::push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_forbidden_character_is_left() {
        let t = text("a\x00b\x1b[2Jc\x0b\u{fffe}\u{ffff}\u{9b}\u{202e}\r\n\td\x7f");
        assert!(!t.chars().any(is_forbidden), "{t}");
        assert!(!t
            .chars()
            .any(|c| console::is_unsafe(c) && !"\r\n\t".contains(c)));
        assert_eq!(
            t,
            "a\\x00b\\x1b[2Jc\\x0b\\u{fffe}\\u{ffff}\\u{9b}\\u{202e}\r\n\td\\x7f"
        );
    }

    #[test]
    fn allowed_text_is_borrowed() {
        assert!(matches!(text("<a> & \"b\"\n\tü"), Cow::Borrowed(_)));
    }
}
