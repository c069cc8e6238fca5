//! Request URLs. A run sends every request to one origin: that origin is parsed once, and each
//! request's URL is that origin with its own path and query, which is most of what parsing costs
//! spared on every request. Any other URL is parsed whole.
//!
//! The direct path (plain HTTP, no proxy) sends a [`Destination`]: the connection's origin and
//! the origin-form target (`/path?query`) that hyper's pooled client made of the `http::Uri`
//! reqwest made of the parsed URL's text. When the URL is already what that parse would write
//! (the run's origin, a path and query of characters the parse keeps as they are, no dot
//! segments), its path and query are taken as they are, one short parse in all; otherwise the
//! URL goes through the whole parse first.

use std::sync::{Arc, OnceLock};

use http::HeaderValue;
use reqwest::Url;

#[derive(Debug, Default)]
pub struct Urls {
    origin: OnceLock<Known>,
}

/// The first origin seen.
#[derive(Clone, Debug)]
struct Known {
    /// `http://host:port`, as written.
    text: String,
    /// Its parse, if it parsed.
    parsed: Option<Url>,
    /// Where the direct path connects for it, if it is one.
    direct: Option<Arc<Origin>>,
    /// Whether the parse writes it as it is written (host in lower case, no default port),
    /// followed by a slash.
    as_written: bool,
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

/// Where a plain-HTTP request's connection goes, and the `Host` it carries.
#[derive(Debug)]
pub struct Origin {
    /// `http://host:port`, what hyper's connector resolves and connects to.
    pub connect: http::Uri,
    /// The host, and the port unless it is 80: what hyper's pooled client wrote.
    pub host: HeaderValue,
}

impl Origin {
    fn of(url: &Url) -> Option<Origin> {
        let host = url.host_str()?;
        // The parse drops a default port, as hyper-util left a port 80 out of `Host`.
        let host = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let port = url.port_or_known_default()?;
        let connect = format!("http://{}:{port}", url.host_str()?).parse().ok()?;
        Some(Origin {
            connect,
            host: HeaderValue::from_str(&host).ok()?,
        })
    }

    /// Whether connections to `self` serve `other`.
    pub fn same(self: &Arc<Self>, other: &Arc<Origin>) -> bool {
        Arc::ptr_eq(self, other) || self.connect == other.connect
    }
}

/// A plain-HTTP request's origin and the target its request line carries.
#[derive(Debug)]
pub struct Destination {
    pub origin: Arc<Origin>,
    pub target: http::Uri,
}

impl Urls {
    /// The first origin, learnt from `origin` if none is yet.
    fn known(&self, origin: &str) -> &Known {
        self.origin.get_or_init(|| {
            let parsed = Url::parse(origin).ok();
            let direct = parsed.as_ref().and_then(Origin::of).map(Arc::new);
            let as_written = parsed.as_ref().is_some_and(|base| {
                base.as_str().len() == origin.len() + 1 && base.as_str().starts_with(origin)
            });
            Known {
                text: origin.to_string(),
                parsed,
                direct,
                as_written,
            }
        })
    }

    /// The URL `raw`, or why it is none.
    pub fn parse(&self, raw: &str) -> Result<Url, String> {
        let whole = || Url::parse(raw).map_err(|e| e.to_string());
        let Some((origin, rest)) = split_origin(raw) else {
            return whole();
        };
        let known = self.known(origin);
        // Another origin, one that did not parse, or a fragment: the whole parse.
        let base = match &known.parsed {
            Some(base)
                if known.text == origin && !base.cannot_be_a_base() && !rest.contains('#') =>
            {
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

    /// Where the direct path sends `raw` (an `http:` URL): its origin, and the origin-form
    /// target hyper's pooled client made of reqwest's `http::Uri` (`/` for an empty path).
    pub fn destination(&self, raw: &str) -> Result<Destination, String> {
        if let Some((origin, rest)) = self.verbatim(raw) {
            if let Ok(target) = target(rest) {
                return Ok(Destination { origin, target });
            }
        }
        let url = self.parse(raw)?;
        let known = self
            .origin
            .get()
            .and_then(|k| Some((k.parsed.as_ref()?, k.direct.as_ref()?)));
        let origin = match known {
            // The run's origin, reached by a URL the parse rewrote: the same connections.
            Some((base, direct)) if base.origin() == url.origin() => Arc::clone(direct),
            _ => Arc::new(Origin::of(&url).ok_or("no host to connect to")?),
        };
        let path_and_query = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let target = target(&path_and_query).map_err(|e| format!("not a valid URI: {e}"))?;
        Ok(Destination { origin, target })
    }

    /// The run's origin and the rest of `raw`, when parsing `raw` would give back the same text.
    fn verbatim<'a>(&self, raw: &'a str) -> Option<(Arc<Origin>, &'a str)> {
        // The first request of a run learns the origin through the whole parse.
        let known = self.origin.get()?;
        // What `split_origin` would give: the known origin has no `/` past its scheme.
        let rest = raw.strip_prefix(known.text.as_str())?;
        if !(known.as_written && rest.starts_with('/') && kept_as_is(rest)) {
            return None;
        }
        Some((Arc::clone(known.direct.as_ref()?), rest))
    }
}

/// The origin-form target of a path and query: `/` alone is hyper's default `Uri`.
fn target(path_and_query: &str) -> Result<http::Uri, http::uri::InvalidUri> {
    match path_and_query {
        "" | "/" => Ok(http::Uri::default()),
        _ => http::Uri::try_from(path_and_query),
    }
}

/// A path and query of characters that the URL parse neither percent-encodes nor rewrites
/// (`\` becomes `/`, dot segments are resolved, `'` is encoded in a query): the unreserved and
/// sub-delimiter characters, `:`, `@`, `/`, `?` and `%`, without `/.` or an encoded dot.
fn kept_as_is(rest: &str) -> bool {
    // Each request's URL goes through here: one plain pass over the bytes, then the dots and
    // percent signs, which are few, found by memchr.
    let bytes = rest.as_bytes();
    let dot_segment =
        || memchr::memchr_iter(b'.', bytes).any(|at| at > 0 && bytes.get(at - 1) == Some(&b'/'));
    let encoded_dot = || {
        memchr::memchr_iter(b'%', bytes)
            .any(|at| matches!(bytes.get(at + 1..at + 3), Some([b'2', b'e' | b'E'])))
    };
    bytes.iter().all(|&b| kept(b)) && !dot_segment() && !encoded_dot()
}

/// A byte [`kept_as_is`] accepts.
fn kept(b: u8) -> bool {
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

    /// `kept_as_is`, one pass, says what its definition says, on every string of up to four of
    /// the bytes that matter.
    #[test]
    fn kept_as_is_is_its_definition() {
        let definition = |rest: &str| {
            rest.bytes().all(kept)
                && !rest.contains("/.")
                && !rest.contains("%2e")
                && !rest.contains("%2E")
        };
        let alphabet = ["/", ".", "%", "2", "e", "E", "a", " ", "\\"];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(longer);
        }
        for s in &strings {
            assert_eq!(kept_as_is(s), definition(s), "{s:?}");
        }
        assert!(kept_as_is("/handles/abc/session?x=1"));
    }

    /// What hyper's pooled client sent for the `http::Uri` reqwest made of `raw`: the
    /// origin-form target and `Host` (the port unless it is 80).
    fn sent_by_hyper_util(raw: &str) -> Option<(String, String)> {
        let uri: http::Uri = Url::parse(raw).ok()?.as_str().parse().ok()?;
        let target = match uri.path_and_query() {
            Some(p) if p.as_str() != "/" => p.to_string(),
            _ => "/".to_string(),
        };
        let host = match uri.port_u16() {
            Some(80) | None => uri.host()?.to_string(),
            Some(port) => format!("{}:{port}", uri.host()?),
        };
        Some((target, host))
    }

    #[test]
    fn destinations_are_what_hyper_util_sent_for_reqwests_uri() {
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
            "http://other.example/x?y",
            "http://other.example:80/x",
            "http://[::1]:9/x?y",
            "http://user:pw@127.0.0.1:8080/x",
        ] {
            let ours = urls.destination(raw).ok().map(|d| {
                let host = d.origin.host.to_str().expect("ASCII host").to_string();
                (d.target.to_string(), host)
            });
            assert_eq!(ours, sent_by_hyper_util(raw), "{raw}");
        }
        // A host the parse rewrites is never taken as written.
        let upper = Urls::default();
        for raw in ["http://LOCALHOST:80/x", "http://LOCALHOST:80/y"] {
            let destination = upper.destination(raw).expect("a destination");
            assert_eq!(destination.origin.host, "localhost");
            assert_eq!(destination.origin.connect, "http://localhost:80/");
        }
        // The run's origin, however a URL writes it, is one set of connections.
        let run = Urls::default();
        let first = run.destination("http://127.0.0.1:8080/a").expect("first");
        let rewritten = run
            .destination("http://127.0.0.1:8080/a/../b")
            .expect("rewritten");
        let other = run.destination("http://127.0.0.1:8081/a").expect("other");
        assert!(Arc::ptr_eq(&first.origin, &rewritten.origin));
        assert!(!first.origin.same(&other.origin));
        assert_eq!(other.origin.connect, "http://127.0.0.1:8081/");
    }
}
