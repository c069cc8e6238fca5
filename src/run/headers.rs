//! The headers a request starts with, built in one place for steps, teardown and the probe: the
//! suite's, its body headers when there is a body, the caller's Authorization, then the
//! `--header`s, which win over all three. A case's own headers are applied last and win over
//! everything (DESIGN.md: "a case that sets or removes that header itself wins").

use crate::case::Suite;

#[derive(Clone, Debug, Default)]
pub struct DefaultHeaders {
    suite: Vec<(String, String)>,
    body: Vec<(String, String)>,
    /// `--header`s.
    forced: Vec<(String, String)>,
}

impl DefaultHeaders {
    pub fn new(suite: &Suite, forced: Vec<(String, String)>) -> DefaultHeaders {
        let pairs = |m: &std::collections::BTreeMap<String, String>| {
            m.iter().map(|(n, v)| (n.clone(), v.clone())).collect()
        };
        DefaultHeaders {
            suite: pairs(&suite.headers),
            body: pairs(&suite.body_headers),
            forced,
        }
    }

    /// The headers of a request with (or without) a body, sent as `authorization`'s caller (or
    /// as nobody).
    pub fn build(&self, body: bool, authorization: Option<&str>) -> Vec<(String, String)> {
        let mut out =
            Vec::with_capacity(self.suite.len() + self.body.len() + 1 + self.forced.len());
        out.extend(self.suite.iter().cloned());
        if body {
            for (n, v) in &self.body {
                set(&mut out, n, v);
            }
        }
        if let Some(auth) = authorization {
            set(&mut out, "Authorization", auth);
        }
        for (n, v) in &self.forced {
            set(&mut out, n, v);
        }
        out
    }
}

/// Replaces the headers of that name (case-insensitive), keeping the others' order.
pub fn set(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    headers.push((name.to_string(), value.to_string()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite() -> Suite {
        serde_json::from_str(
            r#"{"headers":{"X-Xbl-Contract-Version":"107","Accept":"application/json"},
                "bodyHeaders":{"Content-Type":"application/json"},"world":{},"identities":{},"fixtures":{}}"#,
        )
        .unwrap()
    }

    fn value<'a>(headers: &'a [(String, String)], name: &str) -> Vec<&'a str> {
        headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    #[test]
    fn forced_headers_win_over_suite_body_and_caller() {
        let forced = vec![
            ("content-type".to_string(), "text/x".to_string()),
            ("authorization".to_string(), "Bearer mine".to_string()),
            ("x-xbl-contract-version".to_string(), "108".to_string()),
        ];
        let h = DefaultHeaders::new(&suite(), forced).build(true, Some("XBL3.0 x=1;t"));
        assert_eq!(value(&h, "Content-Type"), ["text/x"]);
        assert_eq!(value(&h, "Authorization"), ["Bearer mine"]);
        assert_eq!(value(&h, "X-Xbl-Contract-Version"), ["108"]);
        assert_eq!(value(&h, "Accept"), ["application/json"]);
        let plain = DefaultHeaders::new(&suite(), vec![]).build(false, Some("XBL3.0 x=1;t"));
        assert_eq!(value(&plain, "Content-Type"), Vec::<&str>::new());
        assert_eq!(value(&plain, "Authorization"), ["XBL3.0 x=1;t"]);
    }
}
