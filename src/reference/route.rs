//! Path dispatch. Done by hand rather than with axum's router because the contract wants
//! `sessionTemplates` matched case-insensitively, percent-decoding per segment (so `%2F` inside a
//! handle id is an invalid id, not a separator), and 404/405 decided before anything else (§5).

use axum::http::Method;

/// A resource of §1, with its parameters still percent-encoded: they are judged later, after
/// Authorization and the contract version (§5 Precedence).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    /// R3 `POST /handles`.
    Handles,
    /// R4 `/handles/{id}`.
    Handle(&'a str),
    /// R1, R2 `/handles/{id}/session`.
    HandleSession(&'a str),
    /// R5 `/serviceconfigs/{scid}/sessionTemplates/{template}/sessions/{name}`.
    SessionByName {
        scid: &'a str,
        template: &'a str,
        name: &'a str,
    },
}

impl<'a> Route<'a> {
    pub fn parse(path: &'a str) -> Option<Self> {
        let rest = path.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            [h] if literal(h, "handles") => Some(Route::Handles),
            [h, id] if literal(h, "handles") => Some(Route::Handle(id)),
            [h, id, s] if literal(h, "handles") && literal(s, "session") => {
                Some(Route::HandleSession(id))
            }
            [c, scid, t, template, s, name]
                if literal(c, "serviceconfigs")
                    && literal(t, "sessiontemplates")
                    && literal(s, "sessions") =>
            {
                Some(Route::SessionByName {
                    scid,
                    template,
                    name,
                })
            }
            _ => None,
        }
    }

    /// The methods the resource answers, in the order `Allow` lists them (O10 wants GET and PUT first).
    pub fn allowed(&self) -> &'static [Method] {
        match self {
            Route::Handles => &[Method::POST, Method::OPTIONS],
            Route::Handle(_) => &[Method::GET, Method::DELETE, Method::HEAD, Method::OPTIONS],
            Route::HandleSession(_) | Route::SessionByName { .. } => {
                &[Method::GET, Method::PUT, Method::HEAD, Method::OPTIONS]
            }
        }
    }

    pub fn allow_header(&self) -> String {
        self.allowed()
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn literal(segment: &str, expected: &str) -> bool {
    if !segment.contains('%') {
        return segment.eq_ignore_ascii_case(expected);
    }
    match percent_decode(segment) {
        Some(decoded) => decoded.eq_ignore_ascii_case(expected),
        None => false,
    }
}

/// RFC 3986 percent-decoding of one path segment; `None` for a malformed escape or bytes that
/// are not UTF-8 (the crate decodes leniently, so the escapes are checked first).
pub(crate) fn percent_decode(segment: &str) -> Option<String> {
    let well_formed = segment.split('%').skip(1).all(|after| {
        after
            .as_bytes()
            .get(..2)
            .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    percent_encoding::percent_decode_str(segment)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// Everything but RFC 3986 unreserved characters.
const NOT_UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `text` to `out`, percent-encoding everything but RFC 3986 unreserved characters, for
/// `Content-Location`.
pub(crate) fn percent_encode_into(out: &mut String, text: &str) {
    out.extend(percent_encoding::utf8_percent_encode(text, NOT_UNRESERVED));
}

/// `?nocommit=true` (B10); other spellings such as `nocommit=1` are not a nocommit (§8).
pub(crate) fn is_nocommit(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&').any(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            percent_decode(key).is_some_and(|k| k.eq_ignore_ascii_case("nocommit"))
                && percent_decode(value).is_some_and(|v| v == "true")
        })
    })
}

/// How many times `key` appears in the query (case-insensitively, after decoding).
pub(crate) fn query_keys(query: Option<&str>, key: &str) -> usize {
    query.map_or(0, |q| {
        q.split('&')
            .filter(|pair| {
                let name = pair.split_once('=').map_or(*pair, |(k, _)| k);
                percent_decode(name).is_some_and(|k| k.eq_ignore_ascii_case(key))
            })
            .count()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(Route::parse("/handles"), Some(Route::Handles));
        assert_eq!(Route::parse("/handles/x"), Some(Route::Handle("x")));
        assert_eq!(Route::parse("/%68andles/x"), Some(Route::Handle("x")));
        assert_eq!(
            Route::parse("/HANDLES/x/%53ession"),
            Some(Route::HandleSession("x"))
        );
        assert_eq!(
            Route::parse("/handles/x/session"),
            Some(Route::HandleSession("x"))
        );
        assert_eq!(
            Route::parse("/serviceconfigs/s/SESSIONTEMPLATES/t/sessions/n"),
            Some(Route::SessionByName {
                scid: "s",
                template: "t",
                name: "n"
            })
        );
        for missing in [
            "",
            "/",
            "/x",
            "/handles/x/session/",
            "/handles/x/sessions",
            "handles",
        ] {
            assert_eq!(Route::parse(missing), None, "{missing}");
        }
    }

    #[test]
    fn decoding() {
        assert_eq!(percent_decode("%61b").as_deref(), Some("ab"));
        assert_eq!(percent_decode("a%2Fb").as_deref(), Some("a/b"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%ff"), None);
        assert_eq!(percent_decode("%%41"), None);
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
    }

    #[test]
    fn nocommit_spellings() {
        assert!(is_nocommit(Some("nocommit=true")));
        assert!(is_nocommit(Some("a=b&nocommit=true")));
        assert!(!is_nocommit(Some("nocommit=1")));
        assert!(!is_nocommit(None));
        assert_eq!(
            query_keys(Some("nocommit=true&NoCommit=1&x=nocommit"), "nocommit"),
            2
        );
        assert_eq!(query_keys(None, "nocommit"), 0);
    }

    #[test]
    fn encoding() {
        let mut out = String::from("/");
        percent_encode_into(&mut out, "a b/c\u{e9}~");
        assert_eq!(out, "/a%20b%2Fc%C3%A9~");
    }
}
