//! What a literal piece of a request or an expectation must look like to be sent or read as
//! written: header names, header values, paths, JSON pointers. Templates are checked in their
//! literal parts here, and whole once rendered.

/// Why `name` is not an HTTP header name (a token), or `None`.
pub fn header_name(name: &str) -> Option<String> {
    if http::HeaderName::from_bytes(name.as_bytes()).is_ok() {
        return None;
    }
    Some(format!(
        "`{name}` is not a header name (letters, digits and !#$%&'*+-.^_`|~, nothing else)"
    ))
}

/// Why literal text cannot be (part of) a header value, or `None`: a CR or LF would end the
/// header, and other control characters are refused by HTTP clients.
pub fn header_value(text: &str) -> Option<&'static str> {
    http::HeaderValue::from_str(text)
        .is_err()
        .then_some("a header value cannot hold CR, LF or other control characters (tab excepted)")
}

/// Why literal text cannot be (part of) a path, or `None`. URL parsers drop CR, LF and tabs
/// silently and cut at `#`, so the request would not be sent as written.
pub fn path(text: &str) -> Option<String> {
    let bad = text
        .chars()
        .find(|c| c.is_ascii_control() || *c == ' ' || *c == '#')?;
    let shown = match bad {
        ' ' => "a space".to_string(),
        '#' => "`#`".to_string(),
        c => format!("{c:?}"),
    };
    Some(format!(
        "the path holds {shown}, which would not be sent as written: percent-encode it (%{:02X})",
        bad as u32
    ))
}

/// Why `pointer` is not an RFC 6901 JSON pointer, or `None`.
pub fn pointer(pointer: &str) -> Option<String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Some(format!(
            "`{pointer}` is not a JSON pointer (\"\" or starting with `/`)"
        ));
    }
    let mut chars = pointer.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Some(format!(
                "`{pointer}` is not a JSON pointer: `~` escapes only `~0` (for ~) and `~1` (for /)"
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_values_paths_and_pointers() {
        assert!(header_name("If-Match").is_none());
        assert!(header_name("If Match").is_some());
        assert!(header_name("").is_some());
        assert!(header_value("a\tb").is_none());
        assert!(header_value("a\r\nX-Evil: 1").is_some());
        assert!(header_value("bad\u{7f}").is_some());
        assert!(path("/handles/x?a=1&b=%20").is_none());
        assert!(path("/a\r\nHost: x").unwrap().contains("'\\r'"));
        assert!(path("/a b").unwrap().contains("a space"));
        assert!(path("/a#b").unwrap().contains("%23"));
        assert!(pointer("").is_none());
        assert!(pointer("/a~0b/c~1d").is_none());
        assert!(pointer("/a~2b").unwrap().contains("`~` escapes"));
        assert!(pointer("/a~").is_some());
        assert!(pointer("a/b").unwrap().contains("not a JSON pointer"));
    }
}
