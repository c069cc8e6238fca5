//! A request and a response as plain data. Bodies are `Bytes`: every consumer shares one buffer.

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use serde_json::Value;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestData {
    pub method: String,
    pub url: String,
    /// In the order sent; a header sent twice appears twice.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// `body` holds only the first bytes of what was sent (a recorded exchange).
    pub truncated: bool,
    /// How the request goes on the wire, when a case says (else as the HTTP client frames it).
    pub framing: Framing,
}

/// How a request is written on the wire, beyond what an HTTP client library decides. When any
/// is set, the request is written byte for byte, its header names in the letter case written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Framing {
    /// Written as the case says: header names keep their letter case.
    pub exact: bool,
    /// The body in chunks (`Transfer-Encoding: chunked`), without Content-Length.
    pub chunked: bool,
    /// Each chunk's size line carries an extension (`7;mpsdc=1`), which a server ignores.
    pub chunk_extensions: bool,
    /// `Expect: 100-continue`, the body sent after the interim answer (or a short wait).
    pub expect_continue: bool,
    /// An HTTP/1.0 request line.
    pub http10: bool,
}

impl Framing {
    /// Whether the request is written byte for byte rather than by the HTTP client.
    pub fn is_wire(&self) -> bool {
        self.exact || self.chunked || self.expect_continue || self.http10
    }
}

#[derive(Clone, Debug, Default)]
pub struct ResponseData {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// `body` holds only the first bytes of what was received (a recorded exchange).
    pub truncated: bool,
    /// The body as JSON, parsed the first time someone asks: captures, checks, invariants and
    /// teardown share one parse, and a body nothing reads is never parsed. Shared, so that what
    /// a case keeps of a document (the state of a session it holds) and a clone of the answer
    /// cost no deep copy.
    json: OnceLock<Option<Arc<Value>>>,
}

impl PartialEq for ResponseData {
    fn eq(&self, other: &Self) -> bool {
        self.status == other.status
            && self.headers == other.headers
            && self.body == other.body
            && self.truncated == other.truncated
    }
}

impl RequestData {
    /// The first value of a header, by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }
}

impl ResponseData {
    pub fn new(status: u16, headers: Vec<(String, String)>, body: impl Into<Bytes>) -> Self {
        ResponseData {
            status,
            headers,
            body: body.into(),
            truncated: false,
            json: OnceLock::new(),
        }
    }

    /// The first value of a header, by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }

    /// Every value of a header, in order.
    pub fn header_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON, if it is JSON; parsed once, on first use. JSON that the parser's limits
    /// refuse (a lone surrogate, a number beyond a double, nesting beyond 100 levels) is read as
    /// `read_leniently` rewrites it.
    pub fn json(&self) -> Option<&Value> {
        self.parsed().as_deref()
    }

    /// The body as JSON (as [`ResponseData::json`]), shared rather than copied.
    pub fn json_shared(&self) -> Option<Arc<Value>> {
        self.parsed().clone()
    }

    fn parsed(&self) -> &Option<Arc<Value>> {
        self.json.get_or_init(|| {
            super::readable::json_from_bytes(&self.body)
                .ok()
                .or_else(|| super::readable::read_leniently(&self.body))
                .map(Arc::new)
        })
    }

    /// The value at a JSON pointer of the body: from the parsed document when something parsed
    /// it already, else read off the bytes without building the rest.
    pub fn pointer(&self, pointer: &str) -> Option<Value> {
        match self.json.get() {
            Some(doc) => super::pointer::lookup(doc.as_ref()?, pointer).cloned(),
            None => super::pointer::extract(&self.body, pointer),
        }
    }

    /// The body's parse, when something parsed it already and it is JSON.
    pub fn json_if_parsed(&self) -> Option<Arc<Value>> {
        self.json.get().cloned().flatten()
    }

    /// Takes `doc` as the parse of this body, which the caller knows to be the very bytes `doc`
    /// was parsed from; `false` (and nothing changes) when the body was parsed already.
    pub fn adopt_json(&self, doc: Arc<Value>) -> bool {
        self.json.set(Some(doc)).is_ok()
    }

    /// Whether the body has been parsed already (for tests of laziness).
    pub fn json_parsed(&self) -> bool {
        self.json.get().is_some()
    }
}

fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_of_the_same_bytes_takes_the_earlier_parse() {
        let write = ResponseData::new(200, vec![], &b"{\"n\": 1}"[..]);
        assert_eq!(write.json_if_parsed(), None, "nothing parsed it yet");
        let doc = write.json_shared().expect("JSON");
        let read_back = ResponseData::new(200, vec![], &b"{\"n\": 1}"[..]);
        assert!(read_back.adopt_json(Arc::clone(&doc)));
        let taken = read_back.json_if_parsed().expect("adopted");
        assert!(Arc::ptr_eq(&taken, &doc), "shared, not parsed again");
        assert_eq!(read_back.pointer("/n"), Some(Value::from(1)));
        // A body parsed already keeps its own parse.
        let other = Arc::new(Value::from(2));
        assert!(!read_back.adopt_json(other));
        assert_eq!(read_back.json(), Some(&*doc));
    }

    #[test]
    fn the_body_is_parsed_once_and_only_when_asked() {
        let r = ResponseData::new(200, vec![], &b"{\"a\": 1}"[..]);
        assert!(!r.json_parsed());
        let first = r.json().map(|v| v as *const Value);
        assert!(r.json_parsed());
        assert_eq!(first, r.json().map(|v| v as *const Value));
        assert_eq!(r.json().and_then(|v| v.get("a")), Some(&Value::from(1)));
        assert!(ResponseData::new(200, vec![], &b"nope"[..])
            .json()
            .is_none());
        // A clone of the answer, and what a case keeps of its document, share the one parse.
        let shared = r.json_shared().map(|v| Arc::as_ptr(&v));
        assert_eq!(shared, first);
        assert_eq!(r.clone().json().map(|v| v as *const Value), first);
    }
}
