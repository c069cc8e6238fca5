//! G1–G4: a handle id is exactly the 36-character hyphenated GUID form.
//!
//! `uuid::Uuid::parse_str` is not used because it also accepts braces, `urn:uuid:` and the
//! 32-digit simple form, all of which G4 requires the server to refuse.

/// The canonical (lowercase) id, or `None` when `text` is not a hyphenated GUID.
pub(crate) fn parse(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return None;
    }
    for (i, b) in bytes.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => *b == b'-',
            _ => b.is_ascii_hexdigit(),
        };
        if !ok {
            return None;
        }
    }
    Some(text.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_hyphenated_any_case() {
        assert_eq!(
            parse("8F2A4C1E-0d7b-4e5a-9c3f-1b6d2e7a9f40").as_deref(),
            Some("8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40")
        );
    }

    #[test]
    fn refuses_other_forms() {
        for bad in [
            "",
            "abc",
            "{8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40}",
            "urn:uuid:8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f40",
            "8f2a4c1e0d7b4e5a9c3f1b6d2e7a9f40",
            "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f4",
            "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f401",
            "8f2a4c1e-0d7b-4e5a-9c3f-1b6d2e7a9f4g",
            "8f2a4c1e-0d7b-4e5a-9c3f 1b6d2e7a9f40",
            "8f2a4c1e-0d7b-4e5a-9c3f/1b6d2e7a9f40",
            "8f2a4c1e+0d7b-4e5a-9c3f-1b6d2e7a9f40",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
