//! `unchanged` steps: a session read back is as a namespace recorded it (same ETag and
//! changeNumber), or, where there was none, there still is none.

use serde_json::Value;

use crate::exchange::ResponseData;

use super::body::body_excerpt;
use super::failure::Failure;
use super::json::{json_equal, short};

/// What a namespace recorded.
#[derive(Clone, Copy, Debug)]
pub enum Recorded<'a> {
    /// A session with this ETag and changeNumber.
    Session {
        etag: &'a str,
        change_number: &'a Value,
    },
    /// No session.
    Absent,
}

/// What changed since `recorded`, as failures under `rule`.
pub fn judge_unchanged(
    recorded: Recorded<'_>,
    response: &ResponseData,
    rule: &str,
) -> Vec<Failure> {
    let mut out = Vec::new();
    let status = response.status;
    match recorded {
        Recorded::Absent => {
            let message = match status {
                204 => return out,
                200 => "a session now exists (200), where there was none".to_string(),
                other => format!("expected 204 (still no session), got {other}"),
            };
            out.push(
                Failure::new(rule, "still no session (204)", message)
                    .with_diff(body_excerpt(response)),
            );
        }
        Recorded::Session {
            etag,
            change_number,
        } => {
            let expectation = "the session unchanged (200, same ETag and changeNumber)";
            if status != 200 {
                let message = match status {
                    204 => format!("the session is gone (204); it was there with ETag {etag}"),
                    other => format!("expected 200 with the unchanged session, got {other}"),
                };
                out.push(
                    Failure::new(rule, expectation, message).with_diff(body_excerpt(response)),
                );
                return out;
            }
            match response.header("etag") {
                Some(now) if now == etag => {}
                Some(now) => out.push(Failure::new(
                    rule,
                    expectation,
                    format!("ETag changed from {etag} to {now}"),
                )),
                None => out.push(Failure::new(
                    rule,
                    expectation,
                    format!("the answer has no ETag (it was {etag})"),
                )),
            }
            // One value of the document, read without parsing the rest.
            match response.pointer("/changeNumber").as_ref() {
                Some(n) if json_equal(n, change_number) => {}
                Some(n) => {
                    let grew =
                        matches!((n.as_f64(), change_number.as_f64()), (Some(a), Some(b)) if a > b);
                    let how = if grew { "grew" } else { "changed" };
                    out.push(Failure::new(
                        rule,
                        expectation,
                        format!(
                            "changeNumber {how} from {} to {}",
                            short(change_number),
                            short(n)
                        ),
                    ));
                }
                None => out.push(
                    Failure::new(
                        rule,
                        expectation,
                        format!(
                            "the answer has no /changeNumber (it was {})",
                            short(change_number)
                        ),
                    )
                    .with_diff(body_excerpt(response)),
                ),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::with_etag as response;
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_session_passes_and_every_change_is_named() {
        let n = json!(3);
        let recorded = Recorded::Session {
            etag: "\"e1\"",
            change_number: &n,
        };
        let same = response(200, Some("\"e1\""), r#"{"changeNumber": 3}"#);
        assert!(judge_unchanged(recorded, &same, "B10").is_empty());
        let moved = response(200, Some("\"e2\""), r#"{"changeNumber": 4}"#);
        let f = judge_unchanged(recorded, &moved, "B10");
        let messages: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "ETag changed from \"e1\" to \"e2\"",
                "changeNumber grew from 3 to 4"
            ]
        );
        assert!(f.iter().all(|f| f.rule == "B10"));
        let gone = judge_unchanged(recorded, &response(204, None, ""), "B10");
        assert!(gone[0].message.starts_with("the session is gone (204)"));
    }

    #[test]
    fn where_there_was_no_session_there_is_still_none() {
        assert!(judge_unchanged(Recorded::Absent, &response(204, None, ""), "B10").is_empty());
        let created = judge_unchanged(Recorded::Absent, &response(200, Some("\"e\""), "{}"), "B10");
        assert_eq!(
            created[0].message,
            "a session now exists (200), where there was none"
        );
    }
}
