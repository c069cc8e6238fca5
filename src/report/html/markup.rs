//! Escaping and the small pieces of markup every part of the page uses. The page is also
//! well-formed XML, which is what its structure test parses.

use crate::text::html::entity;
use crate::verdict::Verdict;

/// Text or attribute value, escaped; characters that XML forbids become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if let Some(entity) = entity(c) {
            out.push_str(entity);
            continue;
        }
        match c {
            '\n' | '\t' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// The CSS class of a verdict.
pub fn class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "v-pass",
        Verdict::Fail => "v-fail",
        Verdict::Error => "v-error",
        Verdict::Interrupted => "v-int",
        Verdict::Warning => "v-warn",
        Verdict::ExpectedFailure => "v-xfail",
        Verdict::UnexpectedPass => "v-upass",
        Verdict::Skip => "v-skip",
    }
}

pub fn badge(v: Verdict) -> String {
    format!(r#"<span class="badge {}">{}</span>"#, class(v), v.label())
}

/// The anchor of a case's details.
pub fn anchor(id: &str) -> String {
    format!("case-{}", escape(id))
}

/// A unified diff, its added and removed lines marked.
pub fn diff(text: &str) -> String {
    let mut out = String::from(r#"<pre class="diff">"#);
    for line in text.lines() {
        let kind = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => Some("add"),
            Some(b'-') if !line.starts_with("---") => Some("del"),
            Some(b'@') => Some("hunk"),
            _ => None,
        };
        match kind {
            Some(k) => out.push_str(&format!(r#"<span class="{k}">{}</span>"#, escape(line))),
            None => out.push_str(&escape(line)),
        }
        out.push('\n');
    }
    out.push_str("</pre>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_forbidden_characters_are_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&'\u{1}</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{fffd}&lt;/a&gt;"
        );
    }
}
