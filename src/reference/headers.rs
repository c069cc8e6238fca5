//! Request headers: H1 (contract version), H2 (identity), H4 (preconditions).

use axum::http::header::{AUTHORIZATION, IF_MATCH, IF_NONE_MATCH};
use axum::http::{HeaderMap, StatusCode};

use super::errors::Reject;
use super::header_rules::{AuthRules, VersionRules};

const CONTRACT_VERSION: &str = "x-xbl-contract-version";
const OLDEST_VERSION: u32 = 104;
const NEWEST_VERSION: u32 = 107;

/// H1: `Ok` for 104–107; 400 for missing, empty, repeated or non-canonical integers; 406 for
/// integers outside the known range (§8 lists the choices).
pub(crate) fn contract_version(headers: &HeaderMap, rules: VersionRules) -> Result<u32, Reject> {
    let mut values = headers.get_all(CONTRACT_VERSION).iter();
    let Some(first) = values.next() else {
        if !rules.required {
            return Ok(NEWEST_VERSION);
        }
        return Err(Reject::bad_request(
            "missing X-Xbl-Contract-Version header (send 107)",
        ));
    };
    if values.next().is_some() {
        return Err(Reject::bad_request(
            "X-Xbl-Contract-Version must be sent exactly once",
        ));
    }
    let Ok(text) = first.to_str() else {
        return Err(Reject::bad_request(
            "X-Xbl-Contract-Version is not valid text",
        ));
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Reject::bad_request(
            "X-Xbl-Contract-Version is empty (send 107)",
        ));
    }
    let version = if rules.float_parsed {
        // A float parse "to be lenient", then a saturating cast: 107.5 becomes 107.
        match text.parse::<f64>() {
            Ok(lenient) => lenient as u32,
            Err(_) => canonical_version(text, rules)?,
        }
    } else {
        canonical_version(text, rules)?
    };
    let too_old = version < OLDEST_VERSION && rules.oldest_checked;
    let not_newest = version != NEWEST_VERSION && rules.only_newest;
    if too_old || version > NEWEST_VERSION || not_newest {
        return Err(Reject::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "X-Xbl-Contract-Version {text} is not supported; use {OLDEST_VERSION} to {NEWEST_VERSION}"
            ),
        ));
    }
    Ok(version)
}

/// Canonical decimal only: `+107`, `0107`, `107.5`, `107, 107` are refused (§8). Digits too
/// many for a `u32` are a version above any known one.
fn canonical_version(text: &str, rules: VersionRules) -> Result<u32, Reject> {
    let canonical =
        text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if !canonical {
        return Err(Reject::bad_request(format!(
            "X-Xbl-Contract-Version `{text}` is not an integer"
        )));
    }
    match text.parse::<u32>() {
        Ok(version) => Ok(version),
        Err(e) if rules.overflow_500 => Err(Reject::internal(format!(
            "internal error: contract version: {e}"
        ))),
        Err(_) => Ok(u32::MAX),
    }
}

/// H2: the caller's xuid, from `Authorization: XBL3.0 x=<userhash>;<token>`.
pub(crate) fn caller(headers: &HeaderMap, rules: AuthRules) -> Result<String, Reject> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let Some(first) = values.next() else {
        if rules.missing_403 {
            return Err(Reject::forbidden("access denied: no credentials"));
        }
        return Err(Reject::unauthorized("missing Authorization header"));
    };
    if values.next().is_some() {
        return Err(Reject::bad_request(
            "Authorization must be sent exactly once",
        ));
    }
    let text = first
        .to_str()
        .map_err(|_| Reject::unauthorized("Authorization is not valid text"))?;
    parse_xbl3(text, rules).ok_or_else(|| {
        Reject::unauthorized("malformed Authorization; expected `XBL3.0 x=<xuid>;<token>`")
    })
}

/// The caller's xuid when the request carries exactly one well-formed Authorization header;
/// used to key the rate limiter before the request is judged.
pub(crate) fn caller_key(headers: &HeaderMap, rules: AuthRules) -> Option<String> {
    let mut values = headers.get_all(AUTHORIZATION).iter();
    let first = values.next()?;
    if values.next().is_some() {
        return None;
    }
    parse_xbl3(first.to_str().ok()?, rules)
}

fn parse_xbl3(text: &str, rules: AuthRules) -> Option<String> {
    let text = text.trim();
    let (scheme, rest) = text.split_once([' ', '\t'])?;
    let scheme_ok = if rules.scheme_any_case {
        scheme.eq_ignore_ascii_case("XBL3.0")
    } else {
        scheme == "XBL3.0"
    };
    if !scheme_ok {
        return None;
    }
    let rest = rest.trim_start().strip_prefix("x=")?;
    let lax_token = !rules.token_checked;
    let (userhash, token) = match rest.split_once(';') {
        Some(parts) => parts,
        // Only the `XBL3.0 x=` prefix was validated; the rest is "the token's business".
        None if lax_token => (rest, ""),
        None => return None,
    };
    // The reference takes the userhash as the xuid, so it must be a decimal string.
    let decimal = !userhash.is_empty()
        && userhash.len() <= 20
        && userhash.bytes().all(|b| b.is_ascii_digit());
    if !decimal || (token.trim().is_empty() && !lax_token) {
        return None;
    }
    Some(userhash.to_owned())
}

/// A parsed `If-Match` / `If-None-Match`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum TagCondition {
    Any,
    /// Strong tags as sent, quotes included; weak tags are left out because they never match (§8).
    Tags(Vec<String>),
}

impl TagCondition {
    pub fn matches(&self, current: Option<&str>) -> bool {
        match (self, current) {
            (_, None) => false,
            (TagCondition::Any, Some(_)) => true,
            (TagCondition::Tags(tags), Some(etag)) => tags.iter().any(|t| t == etag),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Preconditions {
    pub if_match: Option<TagCondition>,
    pub if_none_match: Option<TagCondition>,
}

impl Preconditions {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            if_match: tag_condition(headers, IF_MATCH.as_str()),
            if_none_match: tag_condition(headers, IF_NONE_MATCH.as_str()),
        }
    }
}

/// Several headers of the same name form one list (RFC 9110 §5.3). A value that is not text
/// contributes no tag, so it can never match.
fn tag_condition(headers: &HeaderMap, name: &str) -> Option<TagCondition> {
    let mut seen = false;
    let mut tags = Vec::new();
    for value in headers.get_all(name) {
        seen = true;
        let Ok(text) = value.to_str() else { continue };
        for element in split_list(text) {
            if element == "*" {
                return Some(TagCondition::Any);
            }
            if !element.starts_with("W/") {
                tags.push(element.to_owned());
            }
        }
    }
    seen.then_some(TagCondition::Tags(tags))
}

/// Splits a comma-separated list of entity tags, keeping commas inside quotes.
fn split_list(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(text[start..].trim());
    out.retain(|s| !s.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::faults::Faults;
    use crate::reference::header_rules::HeaderRules;
    use axum::http::HeaderValue;

    fn with(name: &'static str, values: &[&[u8]]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_bytes(v) {
                map.append(name, v);
            }
        }
        map
    }

    fn parse_xbl3_healthy(text: &str) -> Option<String> {
        parse_xbl3(text, HeaderRules::of(Faults::none()).auth)
    }

    fn version(values: &[&[u8]]) -> Result<u32, u16> {
        contract_version(
            &with(CONTRACT_VERSION, values),
            HeaderRules::of(Faults::none()).version,
        )
        .map_err(|r| r.status.as_u16())
    }

    #[test]
    fn contract_version_statuses() {
        assert_eq!(version(&[]), Err(400));
        assert_eq!(version(&[b""]), Err(400));
        for ok in [104, 105, 106, 107] {
            assert_eq!(version(&[ok.to_string().as_bytes()]), Ok(ok));
        }
        for old in ["0", "1", "103"] {
            assert_eq!(version(&[old.as_bytes()]), Err(406), "{old}");
        }
        for new in ["108", "999", "99999999999999999999"] {
            assert_eq!(version(&[new.as_bytes()]), Err(406), "{new}");
        }
        for bad in [
            "abc", "107.5", "107x", "-1", "+107", "0107", "107, 107", "00",
        ] {
            assert_eq!(version(&[bad.as_bytes()]), Err(400), "{bad}");
        }
        assert_eq!(version(&[b"107", b"107"]), Err(400));
        assert_eq!(version(&[b"104", b"107"]), Err(400));
        assert_eq!(version(&[b"10\xff"]), Err(400));
    }

    #[test]
    fn authorization_forms() {
        assert_eq!(
            parse_xbl3_healthy("XBL3.0 x=123;tok").as_deref(),
            Some("123")
        );
        assert_eq!(
            parse_xbl3_healthy("xbl3.0 x=123;tok").as_deref(),
            Some("123")
        );
        for bad in [
            "",
            "XBL3.0",
            "Bearer x=1;t",
            "XBL3.0 x=;tok",
            "XBL3.0 x=12;",
            "XBL3.0 x=12",
            "XBL3.0 y=12;t",
            "XBL3.0 x=abc;t",
            "XBL2.0 x=1;t",
        ] {
            assert_eq!(parse_xbl3_healthy(bad), None, "{bad}");
        }
    }

    #[test]
    fn two_authorization_headers_are_400() {
        let headers = with("authorization", &[b"XBL3.0 x=1;t", b"XBL3.0 x=1;t"]);
        assert_eq!(
            caller(&headers, HeaderRules::of(Faults::none()).auth).map_err(|r| r.status.as_u16()),
            Err(400)
        );
    }

    #[test]
    fn etag_lists() {
        let h = with("if-match", &[b"\"a\", W/\"b\"", b"\"c,d\""]);
        let p = Preconditions::from_headers(&h);
        assert_eq!(
            p.if_match,
            Some(TagCondition::Tags(vec!["\"a\"".into(), "\"c,d\"".into()]))
        );
        let cond = p.if_match.unwrap_or(TagCondition::Any);
        assert!(cond.matches(Some("\"a\"")));
        assert!(!cond.matches(Some("\"b\"")));
        assert!(!cond.matches(None));
        assert_eq!(
            Preconditions::from_headers(&with("if-none-match", &[b"*"])).if_none_match,
            Some(TagCondition::Any)
        );
    }
}
