//! The `{{variable | filter}}` language of case files.
//!
//! It knows nothing of HTTP or of where values come from: this is the parser. `plan` binds each
//! variable to where its value comes from at load time (so a reference to a variable nobody sets
//! is refused before any request is sent) and renders the bound form.

use serde_json::Value;

/// One piece of a template string.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    Text(String),
    Expr(Expr),
}

/// `{{ source | filter | filter(arg) }}`
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub source: Source,
    pub filters: Vec<Filter>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A dotted variable name such as `s.handle` or `variant.id`.
    Var(String),
    /// A quoted literal such as `'a'`, useful with `repeat`.
    Literal(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    Upper,
    Lower,
    /// Upper-cases every other letter: `aBcD…`, for "mixed case" GUIDs.
    Mixed,
    DropFirst,
    DropLast,
    NoHyphens,
    Repeat(usize),
}

/// The longest text a template may render to, whatever filters it chains: `repeat(N)` is
/// bounded per result, so that `repeat(16777216) | repeat(16777216)` cannot ask for 256 TiB.
pub const MAX_RENDERED: usize = 16 * 1024 * 1024;

/// A filter would have made a text longer than [`MAX_RENDERED`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("its text would be over the {} MiB a template may render to", MAX_RENDERED / (1024 * 1024))]
pub struct TooLong;

const FILTER_NAMES: &str = "upper, lower, mixed, drop_first, drop_last, no_hyphens, repeat(N)";

/// A parsed template string.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    pub segments: Vec<Segment>,
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut segments = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("{{") {
            if start > 0 {
                segments.push(Segment::Text(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find("}}")
                .ok_or_else(|| format!("unclosed `{{{{` in {text:?}"))?;
            segments.push(Segment::Expr(parse_expr(&after[..end])?));
            rest = &after[end + 2..];
        }
        if !rest.is_empty() {
            segments.push(Segment::Text(rest.to_string()));
        }
        Ok(Template { segments })
    }

    /// The variables this template reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Expr(Expr {
                source: Source::Var(name),
                ..
            }) => Some(name.as_str()),
            _ => None,
        })
    }
}

/// Text form of a value as it is spliced into a string.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Filter {
    /// The filter applied to a value's text; refused, before it is built, when the result would
    /// be over [`MAX_RENDERED`].
    pub fn apply(self, text: &str) -> Result<String, TooLong> {
        if let Filter::Repeat(n) = self {
            let len = text.len().checked_mul(n).ok_or(TooLong)?;
            if len > MAX_RENDERED {
                return Err(TooLong);
            }
        }
        let out = self.apply_unbounded(text);
        // Case mapping may lengthen a text a little (`ß` → `SS`).
        if out.len() > MAX_RENDERED {
            return Err(TooLong);
        }
        Ok(out)
    }

    fn apply_unbounded(self, text: &str) -> String {
        match self {
            Filter::Upper => text.to_uppercase(),
            Filter::Lower => text.to_lowercase(),
            Filter::Mixed => {
                let mut letter = 0usize;
                text.chars()
                    .map(|c| {
                        if !c.is_ascii_alphabetic() {
                            return c;
                        }
                        letter += 1;
                        if letter % 2 == 0 {
                            c.to_ascii_uppercase()
                        } else {
                            c.to_ascii_lowercase()
                        }
                    })
                    .collect()
            }
            Filter::DropFirst => text.chars().skip(1).collect(),
            Filter::DropLast => {
                let mut s = text.to_string();
                s.pop();
                s
            }
            Filter::NoHyphens => text.replace('-', ""),
            Filter::Repeat(n) => text.repeat(n),
        }
    }
}

fn parse_expr(inner: &str) -> Result<Expr, String> {
    let mut parts = inner.split('|').map(str::trim);
    let head = parts.next().unwrap_or_default();
    let source = if let Some(lit) = head.strip_prefix('\'') {
        let lit = lit
            .strip_suffix('\'')
            .ok_or_else(|| format!("unclosed quote in `{{{{{inner}}}}}`"))?;
        Source::Literal(lit.to_string())
    } else if !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
        && !head.starts_with('.')
        && !head.ends_with('.')
    {
        Source::Var(head.to_string())
    } else {
        return Err(format!("`{{{{{inner}}}}}` does not name a variable"));
    };
    let filters: Vec<Filter> = parts.map(parse_filter).collect::<Result<_, _>>()?;
    // A literal's result is known now: refused at load time rather than when it is sent.
    if let Source::Literal(text) = &source {
        let mut text = text.clone();
        for filter in &filters {
            text = filter
                .apply(&text)
                .map_err(|e| format!("`{{{{{inner}}}}}`: {e}"))?;
        }
    }
    Ok(Expr { source, filters })
}

fn parse_filter(text: &str) -> Result<Filter, String> {
    Ok(match text {
        "upper" => Filter::Upper,
        "lower" => Filter::Lower,
        "mixed" => Filter::Mixed,
        "drop_first" => Filter::DropFirst,
        "drop_last" => Filter::DropLast,
        "no_hyphens" => Filter::NoHyphens,
        _ => {
            let count = text
                .strip_prefix("repeat(")
                .and_then(|t| t.strip_suffix(')'))
                .and_then(|n| n.trim().parse::<usize>().ok())
                .filter(|n| *n <= 16 * 1024 * 1024);
            match count {
                Some(n) => Filter::Repeat(n),
                None => return Err(format!("unknown filter `{text}` (known: {FILTER_NAMES})")),
            }
        }
    })
}

/// Every template string inside a JSON value (object keys included), with its JSON pointer.
pub fn strings_in<'a>(value: &'a Value, pointer: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::String(s) => out.push((pointer, s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings_in(item, format!("{pointer}/{i}"), out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let child = format!("{pointer}/{}", escape_pointer(key));
                if key.contains("{{") {
                    out.push((child.clone(), key));
                }
                strings_in(item, child, out);
            }
        }
        _ => {}
    }
}

/// RFC 6901 escaping of one reference token.
pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn expressions_parse_into_sources_and_filters() {
        let t = Template::parse("%7B{{h.id | upper | drop_last}}%7D").unwrap();
        assert_eq!(
            t.segments,
            vec![
                Segment::Text("%7B".into()),
                Segment::Expr(Expr {
                    source: Source::Var("h.id".into()),
                    filters: vec![Filter::Upper, Filter::DropLast]
                }),
                Segment::Text("%7D".into()),
            ]
        );
        let t = Template::parse("{{'ab' | repeat(3)}}").unwrap();
        assert_eq!(
            t.segments,
            vec![Segment::Expr(Expr {
                source: Source::Literal("ab".into()),
                filters: vec![Filter::Repeat(3)]
            })]
        );
    }

    #[test]
    fn filters_transform_text() {
        let apply = |f: Filter, text| f.apply(text).unwrap();
        assert_eq!(apply(Filter::Mixed, "0a1b2c3d-abcd"), "0a1B2c3D-aBcD");
        assert_eq!(apply(Filter::DropFirst, "xab"), "ab");
        assert_eq!(apply(Filter::DropLast, "abx"), "ab");
        assert_eq!(apply(Filter::NoHyphens, "a-b-c"), "abc");
        assert_eq!(apply(Filter::Repeat(2), "ab"), "abab");
        assert_eq!(apply(Filter::Upper, "ab"), "AB");
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(Template::parse("{{h.id").is_err());
        assert!(Template::parse("{{h.id | shout}}").is_err());
        assert!(Template::parse("{{ }}").is_err());
        assert!(Template::parse("{{'x}}").is_err());
    }

    #[test]
    fn a_literal_that_would_grow_past_the_bound_is_refused() {
        // Each filter is within its own bound; together they ask for 256 TiB.
        let e = Template::parse("{{'ab' | repeat(16777216) | repeat(16777216)}}").unwrap_err();
        assert!(e.contains("MiB"), "{e}");
        assert!(Template::parse("{{'ab' | repeat(1024) | repeat(1024)}}").is_ok());
        assert!(Filter::Repeat(usize::MAX).apply("ab").is_err());
        assert!(Filter::Repeat(usize::MAX).apply("").is_ok());
    }

    #[test]
    fn variables_are_listed() {
        let t = Template::parse("/handles/{{h.id}}/x/{{'a'}}/{{w.n|upper}}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), vec!["h.id", "w.n"]);
    }
}
