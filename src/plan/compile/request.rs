//! A request spec compiled: method, path, caller, headers and body bound, and every literal piece
//! checked as it will go on the wire.

use bytes::Bytes;
use serde_json::Value;

use crate::case::{decode_hex, HeaderValueSpec, RequestSpec, Scope};
use crate::exchange::Framing;

use super::super::step::{joins_value, BodyPlan, Caller, Joins, RequestPlan};
use super::super::template::{Part, TValue, Text};
use super::syntax;
use super::CaseCompiler;

/// The largest `paddedBody`: sixteen times what the catalog's largest asks, and made in memory
/// for every copy sent.
const MAX_PADDED_BODY: usize = 64 * 1024 * 1024;

impl CaseCompiler<'_> {
    pub(super) fn request(&mut self, spec: &RequestSpec, scope: &Scope, p: &str) -> RequestPlan {
        let method_ok = spec.method.contains("{{")
            || (!spec.method.is_empty() && spec.method.chars().all(|c| c.is_ascii_uppercase()));
        if !method_ok {
            self.problem(
                &format!("{p}/method"),
                format!("`{}` is not an HTTP method in capitals", spec.method),
            );
        }
        let method = self.text(&spec.method, scope, &format!("{p}/method"));
        if !spec.path.starts_with('/') && !spec.path.starts_with("{{") {
            self.problem(&format!("{p}/path"), "the path starts with `/`");
        }
        let path = self.path_text(&spec.path, scope, &format!("{p}/path"));
        let caller = match spec.identity.as_deref() {
            None => Caller::Named("a".into()),
            Some("none") => Caller::Nobody,
            Some(id) if id.contains("{{") => Caller::Tmpl(self.text(id, scope, &format!("{p}/as"))),
            Some(id) => {
                if !self.ctx.suite.identities.contains_key(id) {
                    self.problem(
                        &format!("{p}/as"),
                        format!("unknown identity `{id}` (use a, b or none)"),
                    );
                }
                Caller::Named(id.into())
            }
        };
        let headers = self.headers(spec, scope, p);
        let bodies = [
            spec.body.is_some(),
            spec.raw_body.is_some(),
            spec.raw_body_hex.is_some(),
            spec.padded_body.is_some(),
            spec.generated_body.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            self.problem(
                p,
                "give at most one of `body`, `rawBody`, `rawBodyHex`, `paddedBody`",
            );
        }
        let body = if let Some(body) = &spec.body {
            match self.value(body, scope, &format!("{p}/body")) {
                // Serializing a JSON value into a Vec cannot fail.
                TValue::Lit(v) => {
                    BodyPlan::Fixed(serde_json::to_vec(&v).unwrap_or_default().into())
                }
                bound => BodyPlan::Json(bound),
            }
        } else if let Some(raw) = &spec.raw_body {
            match self.text(raw, scope, &format!("{p}/rawBody")) {
                Text::Lit(t) => BodyPlan::Fixed(Bytes::from(t.into_string())),
                bound => BodyPlan::Raw(bound),
            }
        } else if let Some(bytes) = &spec.generated_body {
            BodyPlan::Fixed(bytes.clone())
        } else if let Some(hex) = &spec.raw_body_hex {
            match decode_hex(hex) {
                Ok(bytes) => BodyPlan::Fixed(bytes.into()),
                Err(why) => {
                    self.problem(&format!("{p}/rawBodyHex"), why);
                    BodyPlan::None
                }
            }
        } else if let Some(size) = spec.padded_body {
            if size > MAX_PADDED_BODY {
                self.problem(
                    &format!("{p}/paddedBody"),
                    format!(
                        "{size} bytes, over the {} MiB a padded body may have",
                        MAX_PADDED_BODY / (1024 * 1024)
                    ),
                );
                BodyPlan::None
            } else {
                BodyPlan::Padded(size)
            }
        } else {
            BodyPlan::None
        };
        let joins = joins(&body);
        let framing = match &spec.wire {
            None => Framing::default(),
            Some(wire) => {
                let http10 = match wire.version.as_deref() {
                    None | Some("1.1") => false,
                    Some("1.0") => true,
                    Some(other) => {
                        self.problem(
                            &format!("{p}/wire/version"),
                            format!("`{other}` is not an HTTP version a request is written in (1.0, 1.1)"),
                        );
                        false
                    }
                };
                if wire.chunked && http10 {
                    self.problem(
                        &format!("{p}/wire/chunked"),
                        "HTTP/1.0 has no chunked bodies: give `chunked` or version 1.0, not both",
                    );
                }
                if wire.chunk_extensions && !wire.chunked {
                    self.problem(
                        &format!("{p}/wire/chunkExtensions"),
                        "chunk extensions need a chunked body (`chunked`)",
                    );
                }
                Framing {
                    exact: true,
                    chunked: wire.chunked,
                    chunk_extensions: wire.chunk_extensions,
                    expect_continue: wire.expect_continue,
                    http10,
                }
            }
        };
        RequestPlan {
            method,
            path,
            caller,
            headers,
            body,
            joins,
            framing,
        }
    }

    /// A path, its literal parts checked: they are sent as written.
    pub(super) fn path_text(&mut self, path: &str, scope: &Scope, at: &str) -> Text {
        let text = self.text(path, scope, at);
        let problem = literal_parts(&text).find_map(syntax::path);
        if let Some(why) = problem {
            self.problem(at, why);
        }
        text
    }

    fn headers(&mut self, spec: &RequestSpec, scope: &Scope, p: &str) -> Box<[(Box<str>, TValue)]> {
        let mut seen: Vec<&str> = Vec::new();
        let mut out = Vec::with_capacity(spec.headers.len());
        for (name, value) in &spec.headers {
            let at = format!(
                "{p}/headers/{}",
                crate::case::template::escape_pointer(name)
            );
            if let Some(why) = syntax::header_name(name) {
                self.problem(&at, why);
            }
            if let Some(first) = seen.iter().find(|n| n.eq_ignore_ascii_case(name)) {
                self.problem(
                    &at,
                    format!("header `{name}` is given twice (as `{first}` too): header names are case-insensitive"),
                );
            }
            seen.push(name);
            let raw = match value {
                HeaderValueSpec::Remove(()) => Value::Null,
                HeaderValueSpec::One(v) => Value::String(v.clone()),
                HeaderValueSpec::Many(vs) => {
                    Value::Array(vs.iter().cloned().map(Value::String).collect())
                }
            };
            let bound = self.value(&raw, scope, &at);
            if let Some(why) = header_literals(&bound).find_map(syntax::header_value) {
                self.problem(&at, why);
            }
            out.push((name.as_str().into(), bound));
        }
        out.into()
    }
}

/// The literal pieces of a text.
fn literal_parts(text: &Text) -> impl Iterator<Item = &str> {
    let (lit, parts): (Option<&str>, &[Part]) = match text {
        Text::Lit(t) => (Some(t), &[]),
        Text::Tmpl(parts) => (None, parts),
    };
    lit.into_iter().chain(parts.iter().filter_map(|p| match p {
        Part::Text(t) => Some(t.as_ref()),
        Part::Expr { .. } => None,
    }))
}

/// The literal pieces of a header's value (a string, or a list of them).
fn header_literals(value: &TValue) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        TValue::Lit(Value::String(s)) => Box::new(std::iter::once(s.as_str())),
        TValue::Lit(Value::Array(items)) => Box::new(items.iter().filter_map(Value::as_str)),
        TValue::Str(parts) => Box::new(parts.iter().filter_map(|p| match p {
            Part::Text(t) => Some(t.as_ref()),
            Part::Expr { .. } => None,
        })),
        TValue::Array(items) => Box::new(items.iter().flat_map(header_literals)),
        _ => Box::new(std::iter::empty()),
    }
}

/// Whether an accepted write of `body` joins someone: its `/members` holds a member that is not
/// `null`. Decided now when the body says so, else read from the body as sent.
fn joins(body: &BodyPlan) -> Joins {
    match body {
        BodyPlan::None | BodyPlan::Padded(_) => Joins::No,
        BodyPlan::Fixed(bytes) => match serde_json::from_slice::<Value>(bytes) {
            Ok(v) if joins_value(&v) => Joins::Yes,
            _ => Joins::No,
        },
        BodyPlan::Raw(_) => Joins::AsSent,
        BodyPlan::Json(TValue::Lit(v)) => {
            if joins_value(v) {
                Joins::Yes
            } else {
                Joins::No
            }
        }
        BodyPlan::Json(TValue::Object(entries)) => {
            let members = entries.iter().find(|(k, _)| k.as_lit() == Some("members"));
            let templated_key = entries.iter().any(|(k, _)| k.as_lit().is_none());
            match members.map(|(_, v)| v) {
                Some(TValue::Lit(m)) => {
                    if m.as_object()
                        .is_some_and(|m| m.values().any(|v| !v.is_null()))
                    {
                        Joins::Yes
                    } else {
                        Joins::No
                    }
                }
                Some(TValue::Object(ms)) => {
                    if ms
                        .iter()
                        .any(|(_, v)| !matches!(v, TValue::Lit(Value::Null) | TValue::Str(_)))
                    {
                        Joins::Yes
                    } else {
                        Joins::AsSent
                    }
                }
                Some(_) => Joins::AsSent,
                None if templated_key => Joins::AsSent,
                None => Joins::No,
            }
        }
        BodyPlan::Json(_) => Joins::AsSent,
    }
}
