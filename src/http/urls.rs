//! Request URLs. A run sends every request to one origin: that origin is parsed once, and each
//! request's URL is that origin with its own path and query, which is most of what parsing costs
//! spared on every request. Any other URL is parsed whole.
//!
//! The direct path (plain HTTP, no proxy) needs an `http::Uri`, which reqwest made from the
//! parsed URL's text: when the URL is already what that parse would write (the run's origin,
//! a path and query of characters the parse keeps as they are, no dot segments), the text is
//! taken as it is, one parse in all; otherwise it goes through the parse first, as before.

use std::sync::OnceLock;

use reqwest::Url;

#[derive(Debug, Default)]
pub struct Urls {
    /// The first origin seen (`http://host:port`, as written) and its parsed form, if it parsed.
    origin: OnceLock<(String, Option<Url>)>,
}

impl Clone for Urls {
    // A clone serves the same run: it keeps what was learnt.
    fn clone(&self) -> Self {
        let origin = OnceLock::new();
        if let Some(known) = self.origin.get() {
            let _ = origin.set(known.clone());
        }
        Urls { origin }
    }
}

impl Urls {
    /// The URL `raw`, or why it is none.
    pub fn parse(&self, raw: &str) -> Result<Url, String> {
        let whole = || Url::parse(raw).map_err(|e| e.to_string());
        let Some((origin, rest)) = split_origin(raw) else {
            return whole();
        };
        let (known, base) = self
            .origin
            .get_or_init(|| (origin.to_string(), Url::parse(origin).ok()));
        // Another origin, one that did not parse, or a fragment: the whole parse.
        let base = match base {
            Some(base) if known == origin && !base.cannot_be_a_base() && !rest.contains('#') => {
                base
            }
            _ => return whole(),
        };
        let mut url = base.clone();
        match rest.split_once('?') {
            Some((path, query)) => {
                url.set_path(path);
                url.set_query(Some(query));
            }
            None => url.set_path(rest),
        }
        Ok(url)
    }
}

impl Urls {
    /// The `http::Uri` reqwest would have sent for `raw` (its parsed URL's text, parsed again).
    pub fn uri(&self, raw: &str) -> Result<http::Uri, String> {
        if self.verbatim(raw) {
            if let Ok(uri) = http::Uri::try_from(raw) {
                return Ok(uri);
            }
        }
        let url = self.parse(raw)?;
        url.as_str()
            .parse::<http::Uri>()
            .map_err(|e| format!("not a valid URI: {e}"))
    }

    /// Whether parsing `raw` would give back the same text.
    fn verbatim(&self, raw: &str) -> bool {
        let Some((origin, rest)) = split_origin(raw) else {
            return false;
        };
        let Some((known, Some(base))) = self.origin.get() else {
            // The first request of a run learns the origin through the whole parse.
            return false;
        };
        // The origin as the parse writes it (host in lower case, no default port, a slash).
        known == origin
            && base.as_str().len() == origin.len() + 1
            && base.as_str().starts_with(origin)
            && kept_as_is(rest)
    }
}

/// A path and query of characters that the URL parse neither percent-encodes nor rewrites
/// (`\` becomes `/`, dot segments are resolved, `'` is encoded in a query): the unreserved and
/// sub-delimiter characters, `:`, `@`, `/`, `?` and `%`, without `/.` or an encoded dot.
fn kept_as_is(rest: &str) -> bool {
    rest.bytes().all(|b| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b':'
                    | b'@'
                    | b'/'
                    | b'?'
                    | b'%'
            )
    }) && !rest.contains("/.")
        && !rest.contains("%2e")
        && !rest.contains("%2E")
}

/// `http://host:port` and `/path?query` of a URL with a path; `None` otherwise.
fn split_origin(raw: &str) -> Option<(&str, &str)> {
    let scheme_end = raw.find("://")? + 3;
    let path_start = scheme_end + raw[scheme_end..].find('/')?;
    let (origin, rest) = raw.split_at(path_start);
    // Userinfo, a query or fragment before the path: leave it to the whole parse.
    if origin.contains(['@', '?', '#', '\\']) {
        return None;
    }
    Some((origin, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_on_the_known_origin_are_what_a_whole_parse_makes() {
        let urls = Urls::default();
        for raw in [
            "http://127.0.0.1:8080/handles/abc/session",
            "http://127.0.0.1:8080/serviceconfigs/x/sessionTemplates/lobby/sessions/n?nocommit=true",
            "http://127.0.0.1:8080/handles/%7Babc%7D/session?a=1&b=%20",
            "http://127.0.0.1:8080/a/../b/./c",
            "http://127.0.0.1:8080/a b/{x}?q=a b",
            "http://127.0.0.1:8080/x#frag",
            "https://other.example/handles",
            "http://127.0.0.1:8080/",
            "http://[::1]:9/x?y",
        ] {
            let fast = urls.parse(raw).map(|u| u.to_string());
            let whole = Url::parse(raw).map(|u| u.to_string()).map_err(|e| e.to_string());
            assert_eq!(fast, whole, "{raw}");
        }
    }

    #[test]
    fn uris_are_what_reqwest_made_of_the_parsed_url() {
        let urls = Urls::default();
        for raw in [
            "http://127.0.0.1:8080/handles/abc/session",
            "http://127.0.0.1:8080/handles/abc/session",
            "http://127.0.0.1:8080/serviceconfigs/x/sessionTemplates/lobby/sessions/n?nocommit=true",
            "http://127.0.0.1:8080/handles/%7Babc%7D/session?a=1&b=%20",
            "http://127.0.0.1:8080/a/../b/./c",
            "http://127.0.0.1:8080/a/%2e%2E/b/%2E/c",
            "http://127.0.0.1:8080/a/.%2e/b",
            "http://127.0.0.1:8080/a b/{x}?q=a b",
            "http://127.0.0.1:8080/q?a='b'",
            "http://127.0.0.1:8080/a\\b",
            "http://127.0.0.1:8080/x#frag",
            "http://127.0.0.1:8080/é?é",
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/x?",
            "http://127.0.0.1:8080/x/..",
            "http://127.0.0.1:8080/x/.",
        ] {
            let fast = urls.uri(raw).map(|u| u.to_string());
            let reqwest = Url::parse(raw).map(|u| u.as_str().parse::<http::Uri>().map(|u| u.to_string()));
            assert_eq!(fast.ok(), reqwest.ok().and_then(Result::ok), "{raw}");
        }
        // A host the parse rewrites is never taken as written.
        let upper = Urls::default();
        for raw in ["http://LOCALHOST:80/x", "http://LOCALHOST:80/y"] {
            assert_eq!(
                upper.uri(raw).map(|u| u.to_string()).ok().as_deref(),
                Some(raw.replace("LOCALHOST:80", "localhost").as_str())
            );
        }
    }
}
