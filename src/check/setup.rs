//! Set-up answers: a step that builds a case's world is not judged by the case, but its answer
//! still has a documented outcome. A create that is not 201 with an ETag, a join that is not 200,
//! a handle POST that is not 2xx breaks a rule of the contract "at set-up": the case fails on
//! that rule rather than ending as an error nobody can act on.

use crate::exchange::ResponseData;

use super::body::body_excerpt;
use super::failure::Failure;

/// What a set-up request asks of its resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetUp {
    /// A write of a session (R1 or R5). `creating`: the session is known absent (`Some(true)`,
    /// O2's 201), known present (`Some(false)`, O1's 200), or not known. `joins`: the body adds
    /// a member, so the write must leave a session.
    SessionWrite { creating: Option<bool>, joins: bool },
    /// A read of a session: 200 or 204 (R2 by handle, R5 by name).
    SessionRead { by_name: bool },
    /// `POST /handles` (R3): any 2xx, with the handle's `id` (SH3).
    HandleCreate,
    /// `DELETE /handles/{id}` (R4).
    HandleDelete,
    /// `GET /handles/{id}` (R4).
    HandleRead,
    /// Anything else: a 2xx, or the case cannot be judged.
    Other,
}

/// What a set-up answer says.
#[derive(Debug)]
pub enum SetUpVerdict {
    /// The failures of the rules it breaks: none when it is what the contract documents.
    Judged(Vec<Failure>),
    /// Nothing documents it (a 2xx-only request refused): the case cannot be judged.
    Undocumented,
}

/// Judges a set-up answer by the outcome its resource documents.
pub fn judge_set_up(what: SetUp, response: &ResponseData) -> SetUpVerdict {
    let status = response.status;
    let ok = (200..300).contains(&status);
    let fail = |rule: &str, expectation: &str, message: String| {
        SetUpVerdict::Judged(vec![Failure::new(
            rule,
            format!("at set-up: {expectation}"),
            message,
        )
        .with_diff(body_excerpt(response))])
    };
    match what {
        SetUp::SessionWrite { creating, joins } => {
            let (rule, expectation, wanted): (&str, &str, &[u16]) = match creating {
                Some(true) => (
                    "O2",
                    "the write creates the session: 201 with an ETag",
                    &[201],
                ),
                Some(false) if joins => ("O1", "the session exists: 200 with an ETag", &[200]),
                None if joins => (
                    "O1",
                    "an accepted write: 200 or 201 with an ETag",
                    &[200, 201],
                ),
                _ => ("O1", "an accepted write (2xx)", &[200, 201, 204]),
            };
            if !wanted.contains(&status) {
                return fail(
                    rule,
                    expectation,
                    format!("at set-up, the write got {status}"),
                );
            }
            if matches!(status, 200 | 201) && response.header("etag").is_none() {
                let rule = if status == 201 { "O2" } else { "O1" };
                return fail(
                    rule,
                    expectation,
                    format!("at set-up, the write got {status} without an ETag"),
                );
            }
            SetUpVerdict::Judged(Vec::new())
        }
        SetUp::SessionRead { by_name } => {
            if matches!(status, 200 | 204) {
                return SetUpVerdict::Judged(Vec::new());
            }
            let rule = if by_name { "R5" } else { "R2" };
            fail(
                rule,
                "a read of a session: 200, or 204 when there is none",
                format!("at set-up, the read got {status}"),
            )
        }
        SetUp::HandleCreate => {
            if !ok {
                return fail(
                    "R3",
                    "a handle is created (2xx)",
                    format!("at set-up, POST /handles got {status}"),
                );
            }
            let has_id = response
                .json()
                .and_then(|d| d.get("id"))
                .is_some_and(serde_json::Value::is_string);
            if !has_id {
                return fail(
                    "SH3",
                    "the handle document names its `id`",
                    format!("at set-up, POST /handles answered {status} without the handle's `id`"),
                );
            }
            SetUpVerdict::Judged(Vec::new())
        }
        SetUp::HandleDelete if !ok => fail(
            "R4",
            "a handle is deleted (2xx)",
            format!("at set-up, the DELETE got {status}"),
        ),
        SetUp::HandleRead if status != 200 => fail(
            "R4",
            "a handle reads back (200)",
            format!("at set-up, the read got {status}"),
        ),
        SetUp::Other if !ok => SetUpVerdict::Undocumented,
        _ => SetUpVerdict::Judged(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, etag: bool, body: &str) -> ResponseData {
        let headers = if etag {
            vec![("ETag".to_string(), "\"e\"".to_string())]
        } else {
            vec![]
        };
        ResponseData::new(status, headers, body.to_string())
    }

    fn rules(what: SetUp, r: &ResponseData) -> Vec<String> {
        match judge_set_up(what, r) {
            SetUpVerdict::Judged(found) => found.into_iter().map(|f| f.rule).collect(),
            SetUpVerdict::Undocumented => panic!("not judged"),
        }
    }

    #[test]
    fn a_create_is_201_with_an_etag_and_a_join_200() {
        let create = SetUp::SessionWrite {
            creating: Some(true),
            joins: true,
        };
        assert!(rules(create, &response(201, true, "{}")).is_empty());
        assert_eq!(rules(create, &response(201, false, "{}")), ["O2"]);
        assert_eq!(rules(create, &response(200, true, "{}")), ["O2"]);
        assert_eq!(rules(create, &response(403, false, "no")), ["O2"]);
        let join = SetUp::SessionWrite {
            creating: Some(false),
            joins: true,
        };
        assert!(rules(join, &response(200, true, "{}")).is_empty());
        assert_eq!(rules(join, &response(200, false, "{}")), ["O1"]);
        assert_eq!(rules(join, &response(204, false, "")), ["O1"]);
        let leave = SetUp::SessionWrite {
            creating: Some(false),
            joins: false,
        };
        assert!(rules(leave, &response(204, false, "")).is_empty());
    }

    #[test]
    fn a_handle_post_is_2xx_with_an_id_and_other_requests_cannot_be_judged() {
        assert!(rules(SetUp::HandleCreate, &response(201, false, r#"{"id": "x"}"#)).is_empty());
        assert_eq!(
            rules(SetUp::HandleCreate, &response(200, false, "{}")),
            ["SH3"]
        );
        assert_eq!(
            rules(SetUp::HandleCreate, &response(400, false, "no")),
            ["R3"]
        );
        assert_eq!(
            rules(
                SetUp::SessionRead { by_name: true },
                &response(404, false, "")
            ),
            ["R5"]
        );
        assert!(matches!(
            judge_set_up(SetUp::Other, &response(404, false, "")),
            SetUpVerdict::Undocumented
        ));
        assert!(rules(SetUp::Other, &response(200, false, "")).is_empty());
    }
}
