//! Turning a step's compiled request into the bytes to send. Nothing is parsed here: templates
//! were bound at load time, a body without templates is sent from the bytes made then.

use bytes::Bytes;
use serde_json::Value;

use crate::case::template::as_text;
use crate::exchange::{RequestData, Resource};
use crate::plan::{BodyPlan, Caller, RenderError, RequestPlan};

use super::context::RunContext;
use super::vars::CaseVars;

/// A request ready to send, with what teardown needs to know of it.
pub struct Built {
    pub data: RequestData,
    /// The path and query as rendered (the URL without the base).
    pub path: String,
    /// The resource the path names, read once: the oracle, the read-backs, teardown and the
    /// shape check each ask it of every exchange.
    pub resource: Resource,
}

impl Built {
    pub fn new(data: RequestData, path: String) -> Built {
        let resource = Resource::of(&path);
        Built {
            data,
            path,
            resource,
        }
    }
}

/// Why a request could not be built.
pub enum BuildError {
    /// The case needs a caller that was not given: skip.
    MissingCaller(String),
    /// A template could not be rendered, or rendered something that cannot be sent: error.
    Render(String),
}

impl From<RenderError> for BuildError {
    fn from(e: RenderError) -> BuildError {
        match e {
            RenderError::MissingCaller(who) => BuildError::MissingCaller(who),
            RenderError::Unset(why) => BuildError::Render(why),
        }
    }
}

pub fn build(
    ctx: &RunContext,
    vars: &CaseVars<'_>,
    plan: &RequestPlan,
) -> Result<Built, BuildError> {
    let method = plan.method.render(vars)?.into_owned();
    let path = plan.path.render(vars)?.into_owned();
    if let Some(c) = path.chars().find(char::is_ascii_control) {
        // A URL parser drops CR, LF and tabs without a word: the request would not be as written.
        return Err(BuildError::Render(format!(
            "the path rendered to {path:?}, which holds the control character {c:?}"
        )));
    }
    let caller = match &plan.caller {
        Caller::Named(name) => Some(std::borrow::Cow::Borrowed(&**name)),
        Caller::Nobody => None,
        Caller::Tmpl(t) => Some(t.render(vars)?).filter(|who| who != "none"),
    };
    let authorization = match &caller {
        None => None,
        Some(who) => Some(
            ctx.identities
                .get(who.as_ref())
                .and_then(|i| i.authorization.as_deref())
                .ok_or_else(|| BuildError::MissingCaller(who.to_string()))?,
        ),
    };
    let body: Option<Bytes> = match &plan.body {
        BodyPlan::None => None,
        BodyPlan::Fixed(bytes) => Some(bytes.clone()),
        BodyPlan::Json(value) => {
            let mut out = Vec::with_capacity(256);
            value.write_json(vars, &mut out)?;
            Some(out.into())
        }
        BodyPlan::Raw(text) => Some(Bytes::from(text.render(vars)?.into_owned())),
        BodyPlan::Padded(size) => Some(padded_body(*size).into()),
    };
    let mut headers = ctx.headers.build(body.is_some(), authorization);
    if caller.is_none() {
        // `as: none`: the case itself removes Authorization, `--header` included.
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case("authorization"));
    }
    for (name, value) in plan.headers.iter() {
        // One rendering of the whole value: a list (written, or from a variant) sends the header
        // once per item, null removes it.
        let rendered = value.render(vars)?;
        headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        match rendered.as_ref() {
            Value::Null => {}
            Value::Array(items) => {
                headers.extend(items.iter().map(|v| (name.to_string(), as_text(v))));
            }
            other => headers.push((name.to_string(), as_text(other))),
        }
    }
    let data = RequestData {
        method,
        url: format!("{}{path}", ctx.base_url),
        headers,
        body: body.unwrap_or_default(),
        truncated: false,
        framing: plan.framing,
    };
    Ok(Built::new(data, path))
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
