//! The `{{variable | filter}}` language of case files.
//!
//! It knows nothing of HTTP or of where values come from: parsing is done at load time (so a
//! reference to a variable nobody sets is refused before any request is sent), rendering takes a
//! lookup function supplied by the runner.

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

    /// Renders to a JSON value. A template that is exactly one expression keeps the variable's
    /// JSON type (so `"{{w.changeNumber}}"` is a number and `"{{variant.body}}"` an object);
    /// anything else renders to a string.
    pub fn render(
        &self,
        lookup: &mut dyn FnMut(&str) -> Result<Value, String>,
    ) -> Result<Value, String> {
        if let [Segment::Expr(expr)] = self.segments.as_slice() {
            return eval(expr, lookup);
        }
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Text(t) => out.push_str(t),
                Segment::Expr(expr) => out.push_str(&as_text(&eval(expr, lookup)?)),
            }
        }
        Ok(Value::String(out))
    }
}

/// Text form of a value as it is spliced into a string.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn eval(
    expr: &Expr,
    lookup: &mut dyn FnMut(&str) -> Result<Value, String>,
) -> Result<Value, String> {
    let mut value = match &expr.source {
        Source::Var(name) => lookup(name)?,
        Source::Literal(text) => Value::String(text.clone()),
    };
    for filter in &expr.filters {
        let text = as_text(&value);
        value = Value::String(apply(*filter, &text));
    }
    Ok(value)
}

fn apply(filter: Filter, text: &str) -> String {
    match filter {
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
    let filters = parts.map(parse_filter).collect::<Result<_, _>>()?;
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

/// Renders every template string inside a JSON value.
pub fn render_value(
    value: &Value,
    lookup: &mut dyn FnMut(&str) -> Result<Value, String>,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(s) if s.contains("{{") => Template::parse(s)?.render(lookup)?,
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| render_value(v, lookup))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => {
            let mut out = serde_json::Map::with_capacity(map.len());
            for (key, item) in map {
                let key = if key.contains("{{") {
                    as_text(&Template::parse(key)?.render(lookup)?)
                } else {
                    key.clone()
                };
                out.insert(key, render_value(item, lookup)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

/// RFC 6901 escaping of one reference token.
pub fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lookup(name: &str) -> Result<Value, String> {
        match name {
            "h.id" => Ok(json!("0a1b2c3d-0000-4000-8000-00000000abcd")),
            "w.n" => Ok(json!(7)),
            _ => Err(format!("no {name}")),
        }
    }

    #[test]
    fn a_lone_expression_keeps_its_json_type() {
        let t = Template::parse("{{w.n}}").unwrap();
        assert_eq!(t.render(&mut lookup).unwrap(), json!(7));
        let t = Template::parse("n={{w.n}}").unwrap();
        assert_eq!(t.render(&mut lookup).unwrap(), json!("n=7"));
    }

    #[test]
    fn filters_apply_in_order() {
        let t = Template::parse("%7B{{h.id | upper | drop_last}}%7D").unwrap();
        assert_eq!(
            t.render(&mut lookup).unwrap(),
            json!("%7B0A1B2C3D-0000-4000-8000-00000000ABC%7D")
        );
        let t = Template::parse("{{'ab' | repeat(3)}}").unwrap();
        assert_eq!(t.render(&mut lookup).unwrap(), json!("ababab"));
        let t = Template::parse("{{h.id|mixed}}").unwrap();
        assert_eq!(
            t.render(&mut lookup).unwrap(),
            json!("0a1B2c3D-0000-4000-8000-00000000aBcD")
        );
    }

    #[test]
    fn bad_templates_are_refused() {
        assert!(Template::parse("{{h.id").is_err());
        assert!(Template::parse("{{h.id | shout}}").is_err());
        assert!(Template::parse("{{ }}").is_err());
        assert!(Template::parse("{{'x}}").is_err());
    }

    #[test]
    fn variables_are_listed() {
        let t = Template::parse("/handles/{{h.id}}/x/{{'a'}}/{{w.n|upper}}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), vec!["h.id", "w.n"]);
    }
}
