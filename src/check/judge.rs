//! Judging one response against one step's compiled expectations: the loop over a block and its
//! `when` branches, handing each kind of check to its own module. Expected values that hold
//! templates are rendered when judged; the response body is parsed at most once, and only when a
//! check reads it.

use crate::exchange::ResponseData;
use crate::plan::{Env, ExpectPlan, RenderError};

use super::body::{body_excerpt, judge_body};
use super::failure::Failure;
use super::header::judge_header;
use super::invariants;
use super::json::judge_json;
use super::members;

/// Every broken expectation of `expect` on `response`. (A burst step's `tally` is judged over
/// all its answers by `judge_tally`.) An expected value that cannot be rendered is an error of
/// the harness, not a failure of the target.
pub fn judge(
    expect: &ExpectPlan,
    response: &ResponseData,
    env: &dyn Env,
) -> Result<Vec<Failure>, RenderError> {
    let mut out = Vec::new();
    block(expect, response, env, &mut out)?;
    Ok(out)
}

fn block(
    expect: &ExpectPlan,
    response: &ResponseData,
    env: &dyn Env,
    out: &mut Vec<Failure>,
) -> Result<(), RenderError> {
    if let Some(status) = &expect.status {
        if !status.allowed.contains(&response.status) {
            out.push(
                Failure::new(
                    &status.rule,
                    format!("status in {:?}", status.allowed),
                    format!(
                        "expected status {}, got {}",
                        one_of(&status.allowed),
                        response.status
                    ),
                )
                .with_diff(body_excerpt(response)),
            );
        }
    }
    for h in expect.headers.iter() {
        judge_header(h, response, env, out)?;
    }
    if let Some(b) = &expect.body {
        judge_body(b, response, out);
    }
    if let Some(rule) = &expect.json_rule {
        match response.json() {
            None => out.push(
                Failure::new(rule, "a JSON body", "the body is not JSON")
                    .with_diff(body_excerpt(response)),
            ),
            Some(doc) => {
                for a in expect.json.iter() {
                    judge_json(a, doc, "", env, out)?;
                }
                for inv in expect.invariants.iter() {
                    for message in invariants::check(inv.invariant, doc) {
                        out.push(Failure::new(
                            &inv.rule,
                            format!("invariant {}", inv.invariant.name()),
                            message,
                        ));
                    }
                }
                for m in expect.members.iter() {
                    members::check(m, doc, env, out)?;
                }
            }
        }
    }
    for branch in expect.when.iter() {
        if branch.status.contains(response.status) {
            block(&branch.expect, response, env, out)?;
        }
    }
    Ok(())
}

pub(super) fn one_of(allowed: &[u16]) -> String {
    match allowed {
        [one] => one.to_string(),
        many => format!(
            "one of {{{}}}",
            many.iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{expect, judged, response};
    use serde_json::json;

    #[test]
    fn a_status_outside_the_set_fails_under_its_rule() {
        let e = expect(json!({ "status": [400, 406] }), &["H1.b"]);
        let f = judged(&e, &response(500, &[], "boom"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule, "H1.b");
        assert!(
            f[0].message.contains("one of {400, 406}, got 500"),
            "{}",
            f[0].message
        );
        assert!(judged(&e, &response(406, &[], "")).is_empty());
    }

    #[test]
    fn a_body_nothing_reads_is_never_parsed() {
        let e = expect(
            json!({ "status": 200, "headers": { "etag": { "present": true } } }),
            &["O5"],
        );
        let r = response(200, &[("ETag", "\"1\"")], r#"{"big": "json"}"#);
        assert!(judged(&e, &r).is_empty());
        assert!(!r.json_parsed());
        let reads = expect(
            json!({ "json": [ { "pointer": "/big", "exists": true } ] }),
            &["O5"],
        );
        assert!(judged(&reads, &r).is_empty());
        assert!(r.json_parsed());
    }

    #[test]
    fn when_branches_apply_by_the_status_answered_and_inherit_the_block_rule() {
        let e = expect(
            json!({ "rule": "B10", "status": [200, 400], "when": [
                { "status": [200], "expect": { "json": [ { "pointer": "/k", "equals": 1 } ] } },
                { "status": [400], "expect": { "rule": "SH4", "body": { "empty": false } } }
            ]}),
            &["B10", "SH4"],
        );
        assert!(judged(&e, &response(200, &[], r#"{"k":1}"#)).is_empty());
        assert!(judged(&e, &response(400, &[], "bad")).is_empty());
        let wrong = judged(&e, &response(200, &[], r#"{"k":2}"#));
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].rule, "B10");
        let empty = judged(&e, &response(400, &[], ""));
        assert_eq!(empty.len(), 1, "{empty:?}");
        assert_eq!(empty[0].rule, "SH4");
        // A status no branch guards: only the block's own status check speaks.
        let other = judged(&e, &response(409, &[], ""));
        assert_eq!(other.len(), 1);
        assert!(other[0].message.contains("got 409"));
    }
}
