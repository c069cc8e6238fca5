//! Before any case is sent: is the target there (the probe), and does it hold the world the
//! selected cases need (the preflight)? One flow for `run` and the library entry (`suite`, which
//! `cargo test` uses), so that both refuse the same targets with the same words.

use std::future::Future;
use std::sync::Arc;

use crate::plan::CasePlan;

use super::context::RunContext;
use super::outcome::Outcome;
use super::preflight::{preflight, PreflightError};
use super::probe::probe;

/// Why no case will be judged: every selected case gets this outcome and message.
#[derive(Debug)]
pub struct NotReady {
    /// `Error` for a target that cannot be tested, `Interrupted` for Ctrl-C.
    pub outcome: Outcome,
    /// Not redacted yet.
    pub why: String,
}

/// Probes and preflights the `cases`, together; `interrupted` ends the wait at once.
pub async fn target_ready(
    ctx: &RunContext,
    cases: &[Arc<CasePlan>],
    target_label: &str,
    interrupted: impl Future,
) -> Result<(), NotReady> {
    let cannot_be_tested = |e: &dyn std::fmt::Display| NotReady {
        outcome: Outcome::Error,
        why: format!("target {target_label} cannot be tested: {e}"),
    };
    let stopped = || NotReady {
        outcome: Outcome::Interrupted,
        why: "interrupted before the case started".to_string(),
    };
    tokio::pin!(interrupted);
    // The preflight goes beside the probe, one round trip instead of two. Against a target that
    // is not there the probe's clearer word is the one said, at once: the preflight is dropped.
    let (probed, checked) = tokio::select! {
        biased;
        _ = &mut interrupted => return Err(stopped()),
        both = beside(probe(ctx), preflight(ctx, cases)) => both,
    };
    probed.map_err(|e| cannot_be_tested(&e))?;
    // `None` only beside a failed probe, said above.
    let Some(checked) = checked else {
        return Err(stopped());
    };
    match checked {
        Ok(()) => Ok(()),
        Err(PreflightError::Interrupted) => Err(stopped()),
        Err(e) => Err(cannot_be_tested(&e)),
    }
}

/// Runs `checking` beside `probing`; once the probe fails, the check is not awaited (`None`).
async fn beside<P, E, C>(
    probing: impl Future<Output = Result<P, E>>,
    checking: impl Future<Output = C>,
) -> (Result<P, E>, Option<C>) {
    tokio::pin!(probing);
    tokio::pin!(checking);
    let mut checked = None;
    let probed = loop {
        tokio::select! {
            probed = &mut probing => break probed,
            c = &mut checking, if checked.is_none() => checked = Some(c),
        }
    };
    if probed.is_err() {
        return (probed, None);
    }
    let checked = match checked {
        Some(c) => c,
        None => checking.await,
    };
    (probed, Some(checked))
}
