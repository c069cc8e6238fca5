//! The parses of a case's latest answers. A read-back answers, more often than not, the very
//! bytes the write answered (so does a handle's read its creation), and parsing an answer is the
//! largest single cost of judging it: an answer of the same bytes as a recent one takes that
//! parse, and is not validated again against a schema those bytes were found to match. Both are
//! functions of the bytes alone, so every answer is still judged as if it were the first.

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::exchange::{ResponseData, BODY_LIMIT};
use crate::plan::SchemaRef;

/// How many answers are kept: a write's answer and its read-backs, a handle's creation and its
/// read, are within a few exchanges of each other.
const KEPT: usize = 4;

#[derive(Default)]
pub(super) struct Parses(Vec<Parsed>);

/// An answer's body as parsed, and the schema it was found to match, if one was asked.
struct Parsed {
    body: Bytes,
    doc: Arc<Value>,
    matched: Option<Box<str>>,
}

/// What a recent answer of the same bytes tells of a new one.
pub(super) struct Recalled {
    /// The new answer took that answer's parse.
    pub adopted: bool,
    /// Those bytes were found to match the schema the new answer is held to.
    pub matches: bool,
}

impl Parses {
    /// Gives `response` the parse of a recent answer of the same bytes, if there is one.
    pub fn recall(&self, response: &ResponseData, schema: Option<&SchemaRef>) -> Recalled {
        match self.0.iter().find(|p| p.body == response.body) {
            Some(p) => Recalled {
                adopted: response.adopt_json(Arc::clone(&p.doc)),
                matches: schema.is_some_and(|s| p.matched.as_deref() == Some(&*s.name)),
            },
            None => Recalled {
                adopted: false,
                matches: false,
            },
        }
    }

    /// Keeps `response`'s parse, if it has one, with the schema it matched (`None` when it was
    /// held to none, or broke it). A body past what reports keep is not kept: it would stay whole
    /// in memory (the exchange keeps its first 64 KiB), for a saving only small answers repeat.
    pub fn keep(&mut self, response: &ResponseData, matched: Option<&SchemaRef>) {
        if response.body.len() > BODY_LIMIT {
            return;
        }
        let Some(doc) = response.json_if_parsed() else {
            return;
        };
        if self.0.len() == KEPT {
            self.0.remove(0);
        }
        self.0.push(Parsed {
            body: response.body.clone(),
            doc,
            matched: matched.map(|s| s.name.clone()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(name: &str) -> SchemaRef {
        let validator =
            jsonschema::validator_for(&serde_json::json!({"type": "object"})).expect("a schema");
        SchemaRef {
            name: name.into(),
            validator: Arc::new(validator),
        }
    }

    fn answer(body: &'static [u8]) -> ResponseData {
        ResponseData::new(200, vec![], body)
    }

    #[test]
    fn the_same_bytes_take_the_parse_and_only_the_schema_they_matched() {
        let (session, handle) = (schema("session.json"), schema("handle.json"));
        let mut parses = Parses::default();
        let write = answer(b"{\"n\": 1}");
        assert!(write.json().is_some());
        parses.keep(&write, Some(&session));

        let read = answer(b"{\"n\": 1}");
        let recalled = parses.recall(&read, Some(&session));
        assert!(recalled.adopted && recalled.matches);
        let (a, b) = (write.json_if_parsed(), read.json_if_parsed());
        assert!(a.zip(b).is_some_and(|(a, b)| Arc::ptr_eq(&a, &b)));
        // Held to another schema, the same bytes are validated again.
        assert!(!parses.recall(&answer(b"{\"n\": 1}"), Some(&handle)).matches);
        // Other bytes take nothing.
        let other = parses.recall(&answer(b"{\"n\": 2}"), Some(&session));
        assert!(!other.adopted && !other.matches);
    }

    #[test]
    fn bytes_that_broke_their_schema_are_validated_again() {
        let session = schema("session.json");
        let mut parses = Parses::default();
        let broken = answer(b"[1]");
        assert!(broken.json().is_some());
        parses.keep(&broken, None);
        let again = parses.recall(&answer(b"[1]"), Some(&session));
        assert!(again.adopted && !again.matches);
    }

    #[test]
    fn only_the_latest_few_are_kept_and_never_a_body_past_the_limit() {
        let mut parses = Parses::default();
        let bodies: [&'static [u8]; 5] = [b"1", b"2", b"3", b"4", b"5"];
        for body in bodies {
            let a = answer(body);
            assert!(a.json().is_some());
            parses.keep(&a, None);
        }
        assert!(
            !parses.recall(&answer(b"1"), None).adopted,
            "the oldest went"
        );
        assert!(parses.recall(&answer(b"5"), None).adopted);

        let big = ResponseData::new(200, vec![], format!("[{}0]", "0,".repeat(BODY_LIMIT)));
        assert!(big.json().is_some());
        parses.keep(&big, None);
        let again = ResponseData::new(200, vec![], big.body.clone());
        assert!(!parses.recall(&again, None).adopted);
    }
}
