//! Header expectations of a step: presence, equality, media type, pattern, list tokens, and a
//! header that names a path (O14).

use std::borrow::Cow;

use crate::exchange::{same_path, ResponseData};
use crate::plan::{Env, HeaderCheck, RenderError};

use super::diff::text_diff;
use super::failure::Failure;
use super::pattern::matches;

/// Every broken part of one header expectation, pushed onto `out`.
pub(super) fn judge_header(
    h: &HeaderCheck,
    response: &ResponseData,
    env: &dyn Env,
    out: &mut Vec<Failure>,
) -> Result<(), RenderError> {
    let name = &*h.name;
    let value = response.header(name);
    let mut fail = |expectation: String, message: String, diff: Option<String>| {
        out.push(Failure::new(&h.rule, expectation, message).with_diff(diff));
    };
    if let Some(present) = h.present {
        match (present, value) {
            (true, None) => fail(
                format!("header {name} present"),
                format!("no `{name}` header"),
                None,
            ),
            (false, Some(v)) => fail(
                format!("header {name} absent"),
                format!("`{name}` is present: {v:?}"),
                None,
            ),
            _ => {}
        }
    }
    let Some(value) = value else {
        if h.needs_value() {
            fail(
                format!("header {name}"),
                format!("no `{name}` header"),
                None,
            );
        }
        return Ok(());
    };
    if let Some(expected) = &h.equals {
        let expected = expected.render(env)?;
        if value != expected {
            fail(
                format!("header {name} equals {expected:?}"),
                format!("`{name}` is {value:?}, expected {expected:?}"),
                text_diff(&format!("{expected}\n"), &format!("{value}\n")),
            );
        }
    }
    if let Some(other) = &h.not_equals {
        let other = other.render(env)?;
        if value == other {
            fail(
                format!("header {name} differs from {other:?}"),
                format!("`{name}` is still {value:?}"),
                None,
            );
        }
    }
    if let Some(media) = &h.media {
        let media = media.render(env)?;
        let actual = media_type(value);
        if !actual.eq_ignore_ascii_case(&media) {
            fail(
                format!("header {name} media type {media}"),
                format!("`{name}` is {value:?}: media type {actual:?}, expected {media:?}"),
                None,
            );
        }
    }
    if let Some(pattern) = &h.matches {
        let (shown, matched) = matches(pattern, value, env)?;
        match matched {
            Ok(true) => {}
            Ok(false) => fail(
                format!("header {name} matches /{shown}/"),
                format!("`{name}` is {value:?}, which does not match /{shown}/"),
                None,
            ),
            Err(e) => fail(
                format!("header {name} matches /{shown}/"),
                format!("invalid pattern: {e}"),
                None,
            ),
        }
    }
    if !h.includes.is_empty() {
        let tokens: Vec<String> = response
            .header_all(name)
            .flat_map(|v| v.split(','))
            .map(|t| t.trim().to_ascii_uppercase())
            .collect();
        let mut wanted = Vec::with_capacity(h.includes.len());
        for t in h.includes.iter() {
            wanted.push(t.render(env)?.into_owned());
        }
        let missing: Vec<&String> = wanted
            .iter()
            .filter(|want| !tokens.contains(&want.to_ascii_uppercase()))
            .collect();
        if !missing.is_empty() {
            fail(
                format!("header {name} includes {wanted:?}"),
                format!("`{name}` is {value:?}; it lacks {missing:?}"),
                None,
            );
        }
    }
    if let Some(path) = &h.path_equals {
        let path = path.render(env)?;
        let path = match env.base_path() {
            base if !base.is_empty() && path.starts_with('/') => {
                Cow::Owned(format!("{base}{path}"))
            }
            _ => path,
        };
        if !same_path(value, &path) {
            fail(
                format!("header {name} names {path}"),
                format!("`{name}` is {value:?}, which does not name {path:?} (compared case-insensitively after percent-decoding)"),
                text_diff(&format!("{path}\n"), &format!("{value}\n")),
            );
        }
    }
    Ok(())
}

/// `application/json; charset=utf-8` → `application/json`.
pub fn media_type(value: &str) -> &str {
    value.split(';').next().unwrap_or("").trim()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{expect, judged, response};
    use crate::plan::Pattern;
    use serde_json::json;

    #[test]
    fn header_checks_compare_media_types_tokens_and_paths() {
        let e = expect(
            json!({
                "rule": "O1",
                "headers": {
                    "content-type": { "media": "application/json" },
                    "allow": { "includes": ["get", "PUT"] },
                    "content-location": { "pathEquals": "/serviceconfigs/X/sessionTemplates/lobby/sessions/n%2D1" }
                }
            }),
            &["O1", "O2"],
        );
        let good = response(
            200,
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("Allow", "GET, PUT, HEAD"),
                (
                    "Content-Location",
                    "https://h.example/serviceconfigs/x/sessiontemplates/lobby/sessions/n-1",
                ),
            ],
            "{}",
        );
        assert!(judged(&e, &good).is_empty());
        let bad = response(
            200,
            &[("Content-Type", "text/plain"), ("Allow", "GET")],
            "{}",
        );
        let f = judged(&e, &bad);
        assert_eq!(f.len(), 3, "{f:#?}");
        assert!(f.iter().all(|x| x.rule == "O1"));
    }

    #[test]
    fn a_header_pattern_is_compiled_once_at_load() {
        let e = expect(
            json!({ "headers": { "etag": { "matches": "^\"[0-9a-f]+\"$" } } }),
            &["O5"],
        );
        assert!(matches!(
            e.headers.first().and_then(|h| h.matches.as_ref()),
            Some(Pattern::Compiled(_))
        ));
        assert!(judged(&e, &response(200, &[("ETag", "\"ab12\"")], "")).is_empty());
        let f = judged(&e, &response(200, &[("ETag", "W/\"ab12\"")], ""));
        assert!(f[0].message.contains("does not match"), "{f:?}");
    }
}
