//! Secrets never leave the process: by value (every Authorization value the run uses, every
//! `--secret`, the target's userinfo) wherever they appear, and by header name.

pub const REDACTED: &str = "[REDACTED]";

/// Values shorter than this are not searched: they would blank out ordinary text.
const MIN_LEN: usize = 8;

#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    values: Vec<String>,
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut values: Vec<String> = values.into_iter().filter(|v| v.len() >= MIN_LEN).collect();
        // A header value is often sent as `XBL3.0 x=…;token`: its token part alone is secret too.
        let tokens: Vec<String> = values
            .iter()
            .filter_map(|v| v.rsplit_once(';').map(|(_, t)| t.to_string()))
            .filter(|t| t.len() >= MIN_LEN)
            .collect();
        values.extend(tokens);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        Redactor { values }
    }

    /// Length of the longest value searched for.
    pub fn longest(&self) -> usize {
        self.values.first().map_or(0, String::len)
    }

    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
        out
    }

    pub fn bytes(&self, bytes: &[u8]) -> Vec<u8> {
        // Text (nearly always) takes the fast substring search of `str`.
        if let Ok(text) = std::str::from_utf8(bytes) {
            return self.text(text).into_bytes();
        }
        let mut out = bytes.to_vec();
        for v in &self.values {
            out = replace_bytes(&out, v.as_bytes(), REDACTED.as_bytes());
        }
        out
    }

    /// A header: by name, then by value.
    pub fn header(&self, name: &str, value: &str) -> String {
        if secret_header(name) {
            REDACTED.to_string()
        } else {
            self.text(value)
        }
    }
}

/// Authorization, Cookie, Set-Cookie, and any name containing token, secret or key.
pub fn secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || n.contains("token")
        || n.contains("secret")
        || n.contains("key")
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_redacted_everywhere_and_short_ones_left_alone() {
        let r = Redactor::new([
            "XBL3.0 x=123;very-secret-token".to_string(),
            "short".to_string(),
        ]);
        assert_eq!(
            r.text("auth XBL3.0 x=123;very-secret-token!"),
            "auth [REDACTED]!"
        );
        assert_eq!(r.text("echo: very-secret-token"), "echo: [REDACTED]");
        assert_eq!(r.text("a short word"), "a short word");
        assert_eq!(
            r.bytes(b"\xffvery-secret-token\xfe"),
            b"\xff[REDACTED]\xfe".to_vec()
        );
    }

    #[test]
    fn headers_are_redacted_by_name() {
        let r = Redactor::default();
        for name in [
            "Authorization",
            "cookie",
            "Set-Cookie",
            "X-Api-Key",
            "x-auth-token",
            "Client-Secret",
        ] {
            assert_eq!(r.header(name, "v"), REDACTED, "{name}");
        }
        assert_eq!(r.header("X-Xbl-Contract-Version", "107"), "107");
    }
}
