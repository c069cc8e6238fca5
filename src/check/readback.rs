//! Reads that follow a write through: the session read back is the one the write answered
//! (O16), a handle reads back with every field it was created with (R4), a deleted handle is
//! gone. What a refused write must leave unchanged is `unchanged`'s.

use serde_json::Value;

use crate::exchange::ResponseData;

use super::body::body_excerpt;
use super::diff::{json_diff, text_diff};
use super::failure::Failure;
use super::json::{json_equal, short};

/// A write's answer, as a read of the same session must repeat it.
#[derive(Clone, Debug)]
pub struct Answered<'a> {
    pub status: u16,
    pub etag: Option<&'a str>,
    pub response: &'a ResponseData,
}

/// Judges a read of the session after a write that answered `answered`: a write that left a
/// session (200, 201) reads back 200 with the same ETag and the same document; one that left
/// none (204) reads back 204.
pub fn judge_same_session(
    answered: &Answered<'_>,
    read: &ResponseData,
    rule: &str,
) -> Vec<Failure> {
    let mut out = Vec::new();
    if answered.status == 204 {
        if read.status != 204 {
            out.push(
                Failure::new(
                    rule,
                    "no session after a write answered 204 (read: 204)",
                    format!(
                        "the write answered 204 (no session), the read {}",
                        read.status
                    ),
                )
                .with_diff(body_excerpt(read)),
            );
        }
        return out;
    }
    let expectation = "the session as the write answered it (200, same ETag, same document)";
    if read.status != 200 {
        out.push(
            Failure::new(
                rule,
                expectation,
                format!(
                    "the write answered {}, a read of the session then {}",
                    answered.status, read.status
                ),
            )
            .with_diff(body_excerpt(read)),
        );
        return out;
    }
    match (answered.etag, read.header("etag")) {
        (Some(a), Some(r)) if a != r => out.push(Failure::new(
            rule,
            expectation,
            format!("the write answered ETag {a}, the read {r}"),
        )),
        (Some(a), None) => out.push(Failure::new(
            rule,
            expectation,
            format!("the read has no ETag (the write answered {a})"),
        )),
        _ => {}
    }
    match (answered.response.json(), read.json()) {
        (Some(a), Some(r)) if !json_equal(a, r) => out.push(
            Failure::new(
                rule,
                expectation,
                "the session read back is not the document the write answered",
            )
            .with_diff(json_diff(a, r)),
        ),
        (Some(_), Some(_)) => {}
        // Neither is JSON the harness can read (a number beyond a double, say): byte for byte.
        (None, None) if answered.response.body != read.body => out.push(
            Failure::new(
                rule,
                expectation,
                "the session read back is not the document the write answered",
            )
            .with_diff(text_diff(
                &String::from_utf8_lossy(&answered.response.body),
                &String::from_utf8_lossy(&read.body),
            )),
        ),
        (None, None) => {}
        (Some(_), None) => out.push(
            Failure::new(rule, expectation, "the session read back is not JSON")
                .with_diff(body_excerpt(read)),
        ),
        (None, Some(_)) => out.push(
            Failure::new(
                rule,
                expectation,
                "the write's answer was not JSON, the read's is",
            )
            .with_diff(body_excerpt(answered.response)),
        ),
    }
    out
}

/// Judges a read of a session that should be unchanged and was, by ETag and changeNumber: its
/// document is the one last seen too.
pub fn judge_same_document(seen: &Value, read: &ResponseData, rule: &str) -> Vec<Failure> {
    match read.json() {
        Some(now) if !json_equal(seen, now) => vec![Failure::new(
            rule,
            "the session unchanged (same document)",
            "the session changed under the same ETag and changeNumber",
        )
        .with_diff(json_diff(seen, now))],
        _ => Vec::new(),
    }
}

/// Judges a read of a handle that should be there: 200, and every field of `doc` (what its
/// creation answered) with the same value.
pub fn judge_handle_fields(doc: &Value, read: &ResponseData, rule: &str) -> Vec<Failure> {
    let expectation = "the handle reads back with every field it was created with";
    if read.status != 200 {
        let f = Failure::new(
            rule,
            expectation,
            format!("a read of the handle got {}", read.status),
        );
        return vec![f.with_diff(body_excerpt(read))];
    }
    let Some(now) = read.json().filter(|v| v.is_object()) else {
        let f = Failure::new(
            rule,
            expectation,
            "the handle read back is not a JSON object",
        );
        return vec![f.with_diff(body_excerpt(read))];
    };
    let Some(fields) = doc.as_object() else {
        return Vec::new();
    };
    let differ: Vec<String> = fields
        .iter()
        .filter_map(|(k, v)| match now.get(k) {
            None => Some(format!("`{k}` is missing (it was {})", short(v))),
            Some(w) if !json_equal(v, w) => {
                Some(format!("`{k}` is {} (it was {})", short(w), short(v)))
            }
            Some(_) => None,
        })
        .collect();
    if differ.is_empty() {
        return Vec::new();
    }
    let message = format!("the handle read back differs: {}", differ.join("; "));
    vec![Failure::new(rule, expectation, message).with_diff(json_diff(doc, now))]
}

/// Judges a read of a handle that is gone (deleted): 404.
pub fn judge_handle_gone(read: &ResponseData, rule: &str) -> Vec<Failure> {
    if read.status == 404 {
        return Vec::new();
    }
    let f = Failure::new(
        rule,
        "a deleted handle is gone (404)",
        format!("a read of the deleted handle got {}", read.status),
    );
    vec![f.with_diff(body_excerpt(read))]
}

#[cfg(test)]
mod tests {
    use super::super::testing::with_etag as response;
    use super::*;
    use serde_json::json;

    #[test]
    fn a_read_repeats_the_writes_answer() {
        let written = response(200, Some("\"e1\""), r#"{"a": 1, "m": {"x": -0}}"#);
        let answered = Answered {
            status: 200,
            etag: Some("\"e1\""),
            response: &written,
        };
        // The same document by value, in another order and spelling.
        let same = response(200, Some("\"e1\""), r#"{"m": {"x": 0.0}, "a": 1}"#);
        assert!(judge_same_session(&answered, &same, "O16").is_empty());
        let stale = response(200, Some("\"e0\""), r#"{"a": 0, "m": {"x": 0}}"#);
        let f = judge_same_session(&answered, &stale, "O16");
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[1].diff.as_deref().is_some_and(|d| d.contains("\"a\"")));
        let gone = judge_same_session(&answered, &response(204, None, ""), "O16");
        assert!(gone[0].message.contains("then 204"));
        let deleted = Answered {
            status: 204,
            etag: None,
            response: &written,
        };
        assert!(judge_same_session(&deleted, &response(204, None, ""), "O16").is_empty());
        assert_eq!(judge_same_session(&deleted, &same, "O16").len(), 1);
    }

    #[test]
    fn bodies_the_harness_cannot_parse_compare_byte_for_byte() {
        let huge = r#"{"n": 1e400}"#;
        let written = response(200, Some("e"), huge);
        let answered = Answered {
            status: 200,
            etag: Some("e"),
            response: &written,
        };
        assert!(judge_same_session(&answered, &response(200, Some("e"), huge), "O16").is_empty());
        let other = response(200, Some("e"), r#"{"n": 2e400}"#);
        assert_eq!(judge_same_session(&answered, &other, "O16").len(), 1);
    }

    #[test]
    fn a_handle_keeps_every_field_it_was_created_with() {
        let doc = json!({"id": "h", "type": "invite", "invitedXuid": "2"});
        let whole = response(
            200,
            None,
            r#"{"id": "h", "type": "invite", "invitedXuid": "2", "x": 1}"#,
        );
        assert!(judge_handle_fields(&doc, &whole, "R4").is_empty());
        let lost = response(200, None, r#"{"id": "h", "type": "invite"}"#);
        let f = judge_handle_fields(&doc, &lost, "R4");
        assert!(f[0].message.contains("`invitedXuid` is missing"), "{f:?}");
        assert_eq!(
            judge_handle_fields(&doc, &response(404, None, "gone"), "R4").len(),
            1
        );
        assert!(judge_handle_gone(&response(404, None, "gone"), "R4").is_empty());
        assert_eq!(judge_handle_gone(&whole, "R4").len(), 1);
    }
}
