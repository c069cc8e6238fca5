//! Body expectations of a step (empty, non-empty, a JSON Schema shape) and the body excerpt that
//! failures quote.

use crate::exchange::ResponseData;
use crate::plan::BodyCheck;

use super::failure::Failure;

/// The start of a body, to show what a server said when the answer was wrong.
pub(super) fn body_excerpt(response: &ResponseData) -> Option<String> {
    crate::text::excerpt::quoted_body(&response.body)
}

/// Every broken part of one body expectation, pushed onto `out`.
pub(super) fn judge_body(b: &BodyCheck, response: &ResponseData, out: &mut Vec<Failure>) {
    let rule = &b.rule;
    let blank = response.body.iter().all(u8::is_ascii_whitespace);
    match b.empty {
        Some(true) if !response.body.is_empty() => out.push(
            Failure::new(
                rule,
                "empty body",
                format!("the body has {} bytes", response.body.len()),
            )
            .with_diff(body_excerpt(response)),
        ),
        Some(false) if blank => out.push(Failure::new(
            rule,
            "non-empty body",
            "the body is empty; the contract wants a message saying what was wrong",
        )),
        _ => {}
    }
    if let Some(schema) = &b.schema {
        out.extend(super::shape::schema_failure(rule, schema, response));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{expect, judged, response};
    use serde_json::json;

    #[test]
    fn empty_and_non_empty_bodies() {
        let e = expect(
            json!({ "rule": "SH4", "body": { "empty": false } }),
            &["SH4"],
        );
        assert_eq!(judged(&e, &response(400, &[], " \n")).len(), 1);
        assert!(judged(&e, &response(400, &[], "bad id")).is_empty());
    }
}
