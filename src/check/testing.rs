//! What the checks' unit tests share: a response, an expectation compiled from JSON, an empty
//! environment.

use serde_json::Value;

use crate::exchange::ResponseData;
use crate::plan::template::tests::TestEnv;
use crate::plan::{compile_expect, ExpectPlan};

use super::failure::Failure;
use super::judge::judge;

pub fn response(status: u16, headers: &[(&str, &str)], body: &str) -> ResponseData {
    let headers = headers
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    ResponseData::new(status, headers, body.as_bytes().to_vec())
}

/// An answer with this status and body, and an `ETag` when one is given.
pub fn with_etag(status: u16, etag: Option<&str>, body: &str) -> ResponseData {
    let headers: Vec<(&str, &str)> = etag.map(|e| vec![("ETag", e)]).unwrap_or_default();
    response(status, &headers, body)
}

/// An expectation compiled for a case over `rules`.
pub fn expect(v: Value, rules: &[&str]) -> ExpectPlan {
    let rules: Vec<String> = rules.iter().map(|r| r.to_string()).collect();
    let e = serde_json::from_value(v).expect("an expectation");
    compile_expect(&e, &rules).unwrap_or_else(|p| panic!("{p:?}"))
}

pub fn env() -> TestEnv {
    TestEnv {
        slots: vec![],
        burst: None,
    }
}

pub fn judged(e: &ExpectPlan, r: &ResponseData) -> Vec<Failure> {
    judge(e, r, &env()).expect("renders")
}
