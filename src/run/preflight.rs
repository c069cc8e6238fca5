//! The preflight: after the reachability probe and before the first case, one short look at the
//! world the selected cases need on the target — each template they use answers under the SCID,
//! each caller given is accepted. A missing world is one message naming what to configure, not
//! a set-up error in every case. Its requests are recorded nowhere but that message.

use std::collections::BTreeSet;

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::join_all;

use crate::exchange::{RequestData, ResponseData, TransportError};
use crate::http::{Interrupts, RetryEnd};
use crate::plan::{Action, CasePlan};
use crate::text::excerpt::inline;

use super::context::RunContext;
use super::retrying::send_retrying;

/// The templates of the world, as the environment configures them.
const TEMPLATES: &[(&str, &str, &str)] = &[
    (
        "template",
        "CONFORMANCE_TEMPLATE",
        "a template with sessionEmptyTimeout 0, like `lobby`",
    ),
    (
        "persistent",
        "CONFORMANCE_TEMPLATE_PERSISTENT",
        "a template that keeps empty sessions, like `persistent`",
    ),
    (
        "solo",
        "CONFORMANCE_TEMPLATE_SOLO",
        "a template with maxMembersCount 1, like `solo`",
    ),
];

/// Why the cases cannot run against this target. The messages may hold the target's URL:
/// show them through the run's redactor.
#[derive(Debug, thiserror::Error)]
pub enum PreflightError {
    #[error("it lacks what the cases need (no case was run):\n{}", bullets(.0))]
    Missing(Vec<String>),
    #[error("the preflight's {what} got no answer: {error}")]
    NoAnswer {
        what: String,
        #[source]
        error: TransportError,
    },
    #[error("the preflight's {what} was not answered: {why}")]
    Throttled { what: String, why: String },
    #[error("interrupted during the preflight")]
    Interrupted,
}

fn bullets(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| format!("  - {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Checks the world `cases` need. What cannot be checked is skipped: a caller not given, a
/// template no selected case uses.
pub async fn preflight(ctx: &RunContext, cases: &[Arc<CasePlan>]) -> Result<(), PreflightError> {
    let used = world_keys_used(cases);
    let scid = ctx.vars.world.get("scid").cloned().unwrap_or_default();
    let callers: Vec<(&String, &String)> = ctx
        .identities
        .iter()
        .filter_map(|(name, i)| i.authorization.as_ref().map(|auth| (name, auth)))
        .collect();
    let Some(&(first, first_auth)) = callers.first() else {
        return Ok(());
    };
    let mut problems = Vec::new();
    let mut unknown = Vec::new();
    let mut refused = BTreeSet::new();
    // (name, variable, meaning, path) of each template the cases use.
    let mut templates = Vec::new();
    for &(key, variable, meaning) in TEMPLATES {
        let Some(name) = ctx.vars.world.get(key).filter(|_| used.contains(key)) else {
            continue;
        };
        let path = format!(
            "/serviceconfigs/{scid}/sessionTemplates/{name}/sessions/mpsdc-{}-{}",
            ctx.vars.run_id,
            uuid::Uuid::new_v4().simple()
        );
        templates.push((name, variable, meaning, path));
    }
    // The other callers, on a read every target answers without a world: a template's, or a
    // handle's that does not exist.
    let path = templates
        .first()
        .map(|(_, _, _, path)| path.clone())
        .unwrap_or_else(|| "/handles/00000000-0000-0000-0000-000000000000/session".to_string());
    let others: Vec<(&String, &String)> = callers
        .iter()
        .skip(usize::from(!templates.is_empty()))
        .copied()
        .collect();
    // Every read at once, one round trip: none needs another's answer. They are taken in order.
    let template_reads = join_all(templates.iter().map(|(name, _, _, path)| async move {
        let what = format!("read of a session under template `{name}`");
        get(ctx, path, first_auth, &what).await
    }));
    let caller_reads = join_all(others.iter().map(|&(name, auth)| {
        let path = &path;
        async move {
            let what = format!("read as caller {}", name.to_uppercase());
            get(ctx, path, auth, &what).await
        }
    }));
    let (template_answers, caller_answers) = tokio::join!(template_reads, caller_reads);
    for ((name, variable, meaning, path), response) in templates.iter().zip(template_answers) {
        let response = response?;
        match response.status {
            401 | 403 if refused.insert(first.clone()) => {
                problems.push(refusal(first, path, &response));
            }
            401 | 403 => {}
            404 => {
                // A read's 404 is also how a server that breaks R5 (204 for a session that does
                // not exist) answers: only a write that is refused too says the template is not
                // there. `{}` with nocommit stores nothing, whatever the template keeps.
                let what = format!("write with ?nocommit=true under template `{name}`");
                let write = format!("{path}?nocommit=true");
                let body = Bytes::from_static(b"{}");
                let confirmed = send(ctx, "PUT", &write, first_auth, body, &what).await?;
                if confirmed.status == 404 {
                    unknown.push(format!(
                        "template `{name}` ({variable}: {meaning}): GET {path} and PUT {write} \
                         answered 404{}",
                        inline(&confirmed.body)
                    ));
                }
            }
            _ => {}
        }
    }
    for (&(name, _), response) in others.iter().zip(caller_answers) {
        let response = response?;
        if matches!(response.status, 401 | 403) && refused.insert(name.clone()) {
            problems.push(refusal(name, &path, &response));
        }
    }
    if !unknown.is_empty() && refused.contains(first) {
        // A refused caller says nothing about the templates: the 404s may be how it refuses.
        unknown.clear();
    }
    if !unknown.is_empty() && unknown.len() == templates.len() {
        problems.insert(
            0,
            format!(
                "no template the cases use answers under SCID `{scid}`: check CONFORMANCE_SCID, and \
                 that --target (or CONFORMANCE_TARGET) includes the API's path prefix if it has one \
                 (`https://host/mpsd/` for `https://host/mpsd/handles/…`)"
            ),
        );
    }
    problems.extend(unknown);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(PreflightError::Missing(problems))
    }
}

/// One GET as `auth`, with the run's headers, retried like any request while throttled.
async fn get(
    ctx: &RunContext,
    path: &str,
    auth: &str,
    what: &str,
) -> Result<ResponseData, PreflightError> {
    send(ctx, "GET", path, auth, Bytes::new(), what).await
}

/// One request as `auth`, with the run's headers (and body headers when it has a body).
async fn send(
    ctx: &RunContext,
    method: &str,
    path: &str,
    auth: &str,
    body: Bytes,
    what: &str,
) -> Result<ResponseData, PreflightError> {
    let request = RequestData {
        method: method.into(),
        url: format!("{}{path}", ctx.base_url),
        headers: ctx.headers.build(!body.is_empty(), Some(auth)),
        body,
        truncated: false,
        framing: Default::default(),
    };
    let retried = send_retrying(ctx, &request, Interrupts::SendsAndWaits).await;
    let last = retried.attempts.into_iter().last().map(|a| a.result);
    match (retried.end, last) {
        (RetryEnd::Interrupted, _) | (_, None) => Err(PreflightError::Interrupted),
        (RetryEnd::GaveUp(why), _) => Err(PreflightError::Throttled {
            what: format!("{what} ({method} {path})"),
            why,
        }),
        (RetryEnd::Answered, Some(Ok(response))) => Ok(response),
        (RetryEnd::Answered, Some(Err(error))) => Err(PreflightError::NoAnswer {
            what: format!("{what} ({method} {path})"),
            error,
        }),
    }
}

fn refusal(caller: &str, path: &str, response: &ResponseData) -> String {
    let upper = caller.to_uppercase();
    format!(
        "caller {upper} is not accepted: GET {path} answered {}{}. Set CONFORMANCE_AUTH_{upper} \
         to an Authorization value the target accepts (`XBL3.0 x=<userhash>;<token>`) and \
         CONFORMANCE_XUID_{upper} to its xuid",
        response.status,
        inline(&response.body)
    )
}

/// The `world.*` keys the requests of `cases` read, directly or through a fixture's parameters
/// or a variant's values.
pub fn world_keys_used(cases: &[Arc<CasePlan>]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for case in cases {
        for step in case.steps.iter() {
            let request = match &step.action {
                Action::Request(r) => &r.request,
                Action::Snapshot { request, .. } => request,
                Action::Unchanged(u) => &u.request,
                Action::Export { .. } => continue,
            };
            request.world_keys(&mut keys);
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseSource;
    use crate::plan::load;

    #[test]
    fn the_catalog_uses_every_template_and_one_case_file_only_its_own() {
        let set = load(&CaseSource::embedded(), None).expect("the catalog loads");
        let all = set.cases.clone();
        let used = world_keys_used(&all);
        for key in ["scid", "template", "persistent", "solo"] {
            assert!(used.contains(key), "{key}: {used:?}");
        }
        let persistent: Vec<Arc<CasePlan>> = all
            .iter()
            .filter(|c| c.id == "outcomes/persistent-leave")
            .cloned()
            .collect();
        assert_eq!(persistent.len(), 1);
        let used = world_keys_used(&persistent);
        assert!(
            used.contains("persistent") && !used.contains("solo"),
            "{used:?}"
        );
    }
}
