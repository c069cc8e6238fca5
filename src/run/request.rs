//! Turning a step's request spec into the bytes to send.

use serde_json::Value;

use crate::case::template::as_text;
use crate::case::{decode_hex, HeaderValueSpec, RequestSpec, Scope};
use crate::http::RequestData;

use super::context::RunContext;
use super::vars::{CaseVars, VarsError};

/// Why a request could not be built.
pub enum BuildError {
    /// The case needs a caller that was not given: skip.
    MissingIdentity(String),
    /// A template could not be rendered: error.
    Render(String),
}

impl From<VarsError> for BuildError {
    fn from(e: VarsError) -> BuildError {
        match e {
            VarsError::MissingCaller(who) => BuildError::MissingIdentity(who),
            VarsError::Render(why) => BuildError::Render(why),
        }
    }
}

pub fn build(
    ctx: &RunContext,
    vars: &mut CaseVars<'_>,
    scope: &Scope,
    spec: &RequestSpec,
) -> Result<RequestData, BuildError> {
    let render = |vars: &mut CaseVars<'_>, text: &str| {
        vars.render_text(scope, text).map_err(BuildError::from)
    };
    let method = render(vars, &spec.method)?;
    let path = render(vars, &spec.path)?;
    let identity = render(vars, spec.identity.as_deref().unwrap_or("a"))?;

    let body = if let Some(body) = &spec.body {
        let rendered = vars.render(scope, body)?;
        Some(serde_json::to_vec(&rendered).map_err(|e| BuildError::Render(e.to_string()))?)
    } else if let Some(raw) = &spec.raw_body {
        Some(render(vars, raw)?.into_bytes())
    } else if let Some(hex) = &spec.raw_body_hex {
        // The loader refused hex that does not decode.
        Some(decode_hex(hex).map_err(BuildError::Render)?)
    } else {
        spec.padded_body.map(padded_body)
    };

    let mut headers: Vec<(String, String)> = ctx.headers.clone();
    if body.is_some() {
        set(&mut headers, &ctx.body_headers);
    }
    if identity != "none" {
        let auth = ctx
            .identities
            .get(&identity)
            .ok_or_else(|| BuildError::MissingIdentity(identity.clone()))?
            .authorization
            .clone()
            .ok_or_else(|| BuildError::MissingIdentity(identity.clone()))?;
        set(&mut headers, &[("Authorization".to_string(), auth)]);
    }
    for (name, value) in &spec.headers {
        // One rendering of the whole value: a list (written, or from a variant) sends the header
        // once per item, null removes it.
        let raw = match value {
            HeaderValueSpec::Remove(()) => Value::Null,
            HeaderValueSpec::One(v) => Value::String(v.clone()),
            HeaderValueSpec::Many(vs) => {
                Value::Array(vs.iter().cloned().map(Value::String).collect())
            }
        };
        let rendered = vars.render(scope, &raw)?;
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        let values = match rendered {
            Value::Null => Vec::new(),
            Value::Array(items) => items,
            other => vec![other],
        };
        for value in values {
            headers.push((name.clone(), as_text(&value)));
        }
    }
    Ok(RequestData {
        method,
        url: format!("{}{path}", ctx.base_url),
        headers,
        body: body.unwrap_or_default(),
    })
}

/// Replaces headers of the same names (case-insensitive), keeping the others' order.
pub fn set(headers: &mut Vec<(String, String)>, new: &[(String, String)]) {
    for (name, value) in new {
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        headers.push((name.clone(), value.clone()));
    }
}

/// A valid JSON object of exactly `size` bytes (at least the smallest such object).
pub fn padded_body(size: usize) -> Vec<u8> {
    const HEAD: &str = r#"{"properties":{"custom":{"padding":""#;
    const TAIL: &str = r#""}}}"#;
    let fill = size.saturating_sub(HEAD.len() + TAIL.len());
    let mut out = Vec::with_capacity(HEAD.len() + fill + TAIL.len());
    out.extend_from_slice(HEAD.as_bytes());
    out.resize(HEAD.len() + fill, b'a');
    out.extend_from_slice(TAIL.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_bodies_are_json_of_the_asked_size() {
        let b = padded_body(4 * 1024 * 1024);
        assert_eq!(b.len(), 4 * 1024 * 1024);
        assert!(serde_json::from_slice::<Value>(&b).is_ok());
    }
}
