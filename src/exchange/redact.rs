//! Secrets never leave the process: by value (every Authorization value the run uses, every
//! `--secret`, the target's userinfo) wherever they appear, and by header name. The run redacts
//! bodies when it records an exchange; reports redact everything they write.

use std::sync::Arc;

use memchr::memmem::Finder;

pub const REDACTED: &str = "[REDACTED]";

/// Values shorter than this are not searched: they would blank out ordinary text.
const MIN_LEN: usize = 8;

#[derive(Clone, Debug, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    values: Vec<String>,
    /// Secrets that a shell command can name instead (`${CONFORMANCE_AUTH_A}`), longest first.
    placeholders: Vec<(String, String)>,
    /// A searcher per value, built once (a handful of SIMD scans beats one automaton whose
    /// prefilter trips on every digit of a body full of xuids).
    finders: Arc<[Finder<'static>]>,
}

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut values: Vec<String> = values.into_iter().filter(|v| v.len() >= MIN_LEN).collect();
        // A header value is often sent as `XBL3.0 x=…;token`: its token part alone is secret too.
        // Its credentials without the scheme (`{{auth.a.credentials}}`) are sent alone too.
        let parts: Vec<String> = values
            .iter()
            .flat_map(|v| [token_part(v), credentials_part(v)])
            .flatten()
            .filter(|t| t.len() >= MIN_LEN)
            .map(str::to_string)
            .collect();
        values.extend(parts);
        values.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        values.dedup();
        let finders = values
            .iter()
            .map(|v| Finder::new(v.as_bytes()).into_owned())
            .collect();
        Redactor {
            values,
            placeholders: Vec::new(),
            finders,
        }
    }

    /// Names caller `name`'s Authorization value (and its parts) by the environment variable a
    /// person sets to it, for commands that reproduce a request. The value must be a secret of
    /// this redactor already.
    pub fn with_caller(mut self, name: &str, authorization: &str) -> Redactor {
        let var = format!("CONFORMANCE_AUTH_{}", name.to_uppercase());
        let mut named = vec![(authorization.to_string(), format!("${{{var}}}"))];
        if let Some(token) = token_part(authorization) {
            named.push((token.to_string(), format!("${{{var}##*;}}")));
        }
        if let Some(credentials) = credentials_part(authorization) {
            named.push((credentials.to_string(), format!("${{{var}#* }}")));
        }
        for (value, expr) in named {
            if value.len() >= MIN_LEN && !self.placeholders.iter().any(|(v, _)| *v == value) {
                self.placeholders.push((value, expr));
            }
        }
        self.placeholders
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
        self
    }

    /// `text` cut into literal pieces and secrets: a named secret becomes `Err(expression)`,
    /// any other secret the literal `[REDACTED]`.
    pub fn split_for_shell(&self, text: &str) -> Vec<Result<String, String>> {
        let mut out: Vec<Result<String, String>> = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        'scan: while !rest.is_empty() {
            for (value, expr) in &self.placeholders {
                if let Some(after) = rest.strip_prefix(value.as_str()) {
                    if !literal.is_empty() {
                        out.push(Ok(std::mem::take(&mut literal)));
                    }
                    out.push(Err(expr.clone()));
                    rest = after;
                    continue 'scan;
                }
            }
            for value in &self.values {
                if let Some(after) = rest.strip_prefix(value.as_str()) {
                    literal.push_str(REDACTED);
                    rest = after;
                    continue 'scan;
                }
            }
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                literal.push(c);
            }
            rest = chars.as_str();
        }
        if !literal.is_empty() {
            out.push(Ok(literal));
        }
        out
    }

    /// Whether `text` holds a secret that [`Redactor::with_caller`] named.
    pub fn names_a_secret_in(&self, text: &str) -> bool {
        self.placeholders
            .iter()
            .any(|(v, _)| text.contains(v.as_str()))
    }

    /// Length of the longest value searched for.
    pub fn longest(&self) -> usize {
        self.values.first().map_or(0, String::len)
    }

    pub fn text(&self, text: &str) -> String {
        match self.redacted(text.as_bytes()) {
            None => text.to_string(),
            // Whole values (UTF-8) are replaced by ASCII: the text stays UTF-8.
            Some(bytes) => String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
        }
    }

    pub fn bytes(&self, bytes: &[u8]) -> Vec<u8> {
        self.redacted(bytes).unwrap_or_else(|| bytes.to_vec())
    }

    /// `bytes` with every secret replaced, or `None` when it holds none (nothing is copied).
    /// Where secrets overlap, everything any of them covers is replaced.
    pub fn redacted(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let spans = self.spans(bytes);
        if spans.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut at = 0;
        for (start, end) in spans {
            out.extend_from_slice(bytes.get(at..start).unwrap_or_default());
            out.extend_from_slice(REDACTED.as_bytes());
            at = end;
        }
        out.extend_from_slice(bytes.get(at..).unwrap_or_default());
        Some(out)
    }

    /// The byte ranges covered by secrets, sorted, overlapping ones merged.
    fn spans(&self, bytes: &[u8]) -> Vec<(usize, usize)> {
        let mut found: Vec<(usize, usize)> = Vec::new();
        for finder in self.finders.iter() {
            let len = finder.needle().len();
            // Overlapping occurrences of one value too: step one byte past each start.
            let mut at = 0;
            while let Some(i) = bytes.get(at..).and_then(|rest| finder.find(rest)) {
                found.push((at + i, at + i + len));
                at += i + 1;
            }
        }
        if found.is_empty() {
            return found;
        }
        found.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(found.len());
        for (start, end) in found {
            match merged.last_mut() {
                Some(last) if start < last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
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

/// `XBL3.0 x=…;token` → `token`.
fn token_part(value: &str) -> Option<&str> {
    value.rsplit_once(';').map(|(_, t)| t)
}

/// `XBL3.0 x=…;token` → `x=…;token`: what follows the scheme.
fn credentials_part(value: &str) -> Option<&str> {
    value
        .split_once(char::is_whitespace)
        .map(|(_, rest)| rest.trim_start())
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
    fn a_callers_value_and_its_parts_are_named_for_the_shell() {
        let auth = "XBL3.0 x=2533274790395904;tok-3f9a-SECRET";
        let r =
            Redactor::new([auth.to_string(), "other-secret".to_string()]).with_caller("a", auth);
        assert_eq!(
            r.text("xbl3.0 x=2533274790395904;tok-3f9a-SECRET"),
            "xbl3.0 [REDACTED]"
        );
        let parts = r.split_for_shell(
            "A XBL3.0 x=2533274790395904;tok-3f9a-SECRET other-secret t=tok-3f9a-SECRET",
        );
        assert_eq!(
            parts,
            vec![
                Ok("A ".to_string()),
                Err("${CONFORMANCE_AUTH_A}".to_string()),
                Ok(" [REDACTED] t=".to_string()),
                Err("${CONFORMANCE_AUTH_A##*;}".to_string()),
            ]
        );
        assert_eq!(
            r.split_for_shell("xbl3.0 x=2533274790395904;tok-3f9a-SECRET")[1],
            Err("${CONFORMANCE_AUTH_A#* }".to_string())
        );
    }

    #[test]
    fn overlapping_secrets_leave_no_tail_behind() {
        let r = Redactor::new(["abcdefgh12".to_string(), "efgh12345678".to_string()]);
        assert_eq!(r.text("<abcdefgh12345678>"), "<[REDACTED]>");
        assert_eq!(r.redacted(b"nothing here"), None);
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
