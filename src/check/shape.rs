//! Shapes: a body against a response schema of `schemas/`. The oracle holds every answer that
//! carries a session (200 or 201 to a write or read of one) to `session.json` (SH1, SH2), and
//! every handle document to `handle.json` (SH3), whatever the case asked of it.

use crate::exchange::{Resource, ResponseData};
use crate::plan::SchemaRef;

use super::body::body_excerpt;
use super::failure::Failure;

/// The schemas the oracle judges answers by.
#[derive(Clone, Debug, Default)]
pub struct Shapes {
    pub session: Option<SchemaRef>,
    pub handle: Option<SchemaRef>,
}

impl Shapes {
    /// What an answer to `method` on `resource` must be, by its status: a session document, a
    /// handle document, or nothing the oracle knows.
    pub fn judge(
        &self,
        method: &str,
        resource: &Resource,
        response: &ResponseData,
    ) -> Option<Failure> {
        let (rule, schema) = self.schema_for(method, resource, response)?;
        schema_failure(rule, schema, response)
    }

    /// The rule and schema an answer to `method` on `resource` is held to, if any.
    pub fn schema_for(
        &self,
        method: &str,
        resource: &Resource,
        response: &ResponseData,
    ) -> Option<(&'static str, &SchemaRef)> {
        match (method, resource, response.status) {
            ("PUT" | "GET", r, 200 | 201) if r.is_session() => {
                Some(("SH1", self.session.as_ref()?))
            }
            ("GET", Resource::Handle(_), 200) => Some(("SH3", self.handle.as_ref()?)),
            // An activity handle's creation may answer without a body (CONTRACT §8.4).
            ("POST", Resource::Handles, 200..=299) if !response.body.is_empty() => {
                Some(("SH3", self.handle.as_ref()?))
            }
            _ => None,
        }
    }
}

/// The failure of `response`'s body under `schema`, if it breaks it (or is not JSON).
pub fn schema_failure(rule: &str, schema: &SchemaRef, response: &ResponseData) -> Option<Failure> {
    let name = &schema.name;
    // Made only for a failure: most answers pass, and this runs on every session answer.
    let expectation = || format!("body matches schemas/{name}");
    let Some(doc) = response.json() else {
        return Some(
            Failure::new(rule, expectation(), "the body is not JSON")
                .with_diff(body_excerpt(response)),
        );
    };
    if schema.validator.is_valid(doc) {
        return None;
    }
    let errors = super::schemas::errors(&schema.validator, doc);
    let listed = errors
        .iter()
        .take(10)
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>();
    Some(
        Failure::new(
            rule,
            expectation(),
            format!(
                "the body breaks schemas/{name} in {} place(s)",
                errors.len()
            ),
        )
        .with_diff(Some(listed.join("\n"))),
    )
}
