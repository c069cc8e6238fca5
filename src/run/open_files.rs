//! Open files the cases in flight need. Every connection to the target is a file descriptor, and
//! many systems give a process a soft RLIMIT_NOFILE of 1,024 (with a hard limit well above it):
//! too few for the default ceiling of cases in flight. At start-up the soft limit is raised toward
//! what the ceiling needs (never above the hard limit, which only root may raise); a ceiling the
//! limit still cannot hold is lowered to what it can, and the console says so. Past the limit a
//! connection would fail with EMFILE, which the limiter reads as the target failing.

use std::sync::Arc;

use crate::plan::{Action, CasePlan, StepPlan};

use super::concurrency::ConcurrencyMode;
use super::runner::teardown_slots;
use super::together::set_up_group;

/// Descriptors a run holds whatever its concurrency: stdio, the report files it writes, the
/// runtime's epoll and wake-up descriptors, the embedded server's listener, the case files and
/// certificates it reads, a proxy's connection.
const RESERVED: u64 = 64;

/// Descriptors each case in flight may hold at once: its connection, a second while its
/// independent set-up requests go together, and its share of the teardowns that run beside the
/// cases (half as many teardowns as cases, each sending up to three requests at once: 1.5). A
/// burst's copies (32 at most in the catalog) are few cases' and fit in the slack of the rounding
/// and of `RESERVED`.
const PER_CASE: u64 = 4;

/// Requests beside the cases': the readiness probe and preflight's reads, which go before them.
const RUN_OWN: usize = 16;

/// The most requests a run of `cases` with at most `ceiling` of them in flight has at once: each
/// case in flight at its widest, the teardowns beside them (`runner::teardown_slots`) at
/// theirs, and the run's own. The direct client opens no more connections than that
/// (`http::pool`), so whatever goes together still does: a burst's copies, a set-up
/// group, a teardown.
pub fn requests_in_flight(cases: &[Arc<CasePlan>], ceiling: usize) -> usize {
    let steps = cases.iter().map(|c| steps_width(c)).max().unwrap_or(1);
    let teardown = cases.iter().map(|c| teardown_width(c)).max().unwrap_or(0);
    ceiling
        .saturating_mul(steps)
        .saturating_add(teardown_slots(ceiling).saturating_mul(teardown))
        .saturating_add(RUN_OWN)
}

/// The requests a case's steps have in flight at once at most: a burst's or a `parallel`
/// step's copies, the set-up requests that go together (`together`), else one.
fn steps_width(case: &CasePlan) -> usize {
    (0..case.steps.len())
        .map(|at| {
            let group = set_up_group(&case.steps, at);
            let together = group
                .iter()
                .filter(|s| matches!(s.action, Action::Request(_)))
                .count();
            let copies = case.steps.get(at).map_or(1, |s| copies(s));
            together.max(copies)
        })
        .max()
        .unwrap_or(1)
}

/// The requests a case's teardown sends at once at most: one for each request that may have
/// created something (a join to leave, a handle to delete), all at once.
fn teardown_width(case: &CasePlan) -> usize {
    case.steps
        .iter()
        .filter(|s| matches!(s.action, Action::Request(_)))
        .map(|s| copies(s))
        .sum()
}

/// The requests a step sends: a burst's or a `parallel` step's copies, else one.
fn copies(step: &StepPlan) -> usize {
    match &step.action {
        Action::Request(r) => (r.burst.map_or(1, usize::from)).max(r.copies.len()).max(1),
        Action::Snapshot { .. } | Action::Unchanged(_) => 1,
        Action::Export { .. } => 0,
    }
}

/// Against the embedded reference the server's end of every connection is in this process too.
fn per_case(embedded: bool) -> u64 {
    if embedded {
        PER_CASE * 2
    } else {
        PER_CASE
    }
}

/// Open files a run with `cases` in flight needs at most.
pub fn files_needed(cases: usize, embedded: bool) -> u64 {
    RESERVED + cases as u64 * per_case(embedded)
}

/// The most cases in flight that `limit` open files hold (at least one).
pub fn cases_within(limit: u64, embedded: bool) -> usize {
    let cases = limit.saturating_sub(RESERVED) / per_case(embedded);
    usize::try_from(cases).unwrap_or(usize::MAX).max(1)
}

/// `mode` as the open files allow it, and the console's note when they lowered it.
#[derive(Debug, PartialEq, Eq)]
pub struct Fitted {
    pub mode: ConcurrencyMode,
    pub note: Option<String>,
}

/// Raises this process's soft RLIMIT_NOFILE toward what `mode`'s ceiling needs, then fits the
/// ceiling within the limit there is. A limit that cannot be read leaves `mode` as it is.
pub fn fit(mode: ConcurrencyMode, embedded: bool) -> Fitted {
    let needed = files_needed(mode.ceiling(), embedded);
    match rlimit::increase_nofile_limit(needed) {
        Ok(limit) => fit_within(mode, limit, embedded),
        Err(_) => Fitted { mode, note: None },
    }
}

/// `mode` within `limit` open files.
pub fn fit_within(mode: ConcurrencyMode, limit: u64, embedded: bool) -> Fitted {
    let most = cases_within(limit, embedded);
    if mode.ceiling() <= most {
        return Fitted { mode, note: None };
    }
    let (mode, flag, asked) = match mode {
        ConcurrencyMode::Fixed(n) => (ConcurrencyMode::Fixed(most), "--jobs", n),
        ConcurrencyMode::Adaptive { initial, max } => (
            ConcurrencyMode::Adaptive {
                initial: initial.min(most),
                max: most,
            },
            "--max-jobs",
            max,
        ),
    };
    let note = format!(
        "note: at most {most} cases in flight, not {asked} ({flag}): this process may open {limit} \
         files (RLIMIT_NOFILE, hard limit included) and {asked} cases need up to {}; raise it with \
         `ulimit -n` to run more at once",
        files_needed(asked, embedded)
    );
    Fitted {
        mode,
        note: Some(note),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::CaseSource;
    use crate::plan::load;

    fn catalog_case(id: &str) -> Arc<CasePlan> {
        let set = load(&CaseSource::embedded(), None).expect("the catalog loads");
        let case = set.cases.iter().find(|c| c.id == id).expect("the case");
        Arc::clone(case)
    }

    /// What goes together in the catalog fits within the bound: a burst's 32 copies, the
    /// fixture's create and invite handle, and each request's teardown beside the cases.
    #[test]
    fn the_requests_in_flight_cover_what_goes_together() {
        let burst = catalog_case("outcomes/rate-limit");
        assert_eq!(steps_width(&burst), 32);
        let join = catalog_case("body/join");
        assert_eq!(
            steps_width(&join),
            2,
            "the create and the handle go together"
        );
        let teardown = teardown_width(&join);
        assert!(
            teardown >= 2,
            "a join to leave, a handle to delete: {teardown}"
        );
        let cases = [join, burst];
        assert_eq!(
            requests_in_flight(&cases, 64),
            64 * 32 + 32 * teardown_width(&cases[1]).max(teardown) + RUN_OWN
        );
        assert_eq!(requests_in_flight(&cases[..1], 1), 2 + teardown + RUN_OWN);
    }

    #[test]
    fn a_ceiling_the_files_hold_is_kept() {
        let mode = ConcurrencyMode::Adaptive {
            initial: 8,
            max: 1024,
        };
        let limit = files_needed(1024, false);
        assert_eq!(fit_within(mode, limit, false), Fitted { mode, note: None });
    }

    #[test]
    fn a_ceiling_past_the_files_is_lowered_and_said() {
        let mode = ConcurrencyMode::Adaptive {
            initial: 8,
            max: 1024,
        };
        let fitted = fit_within(mode, 1024, false);
        assert_eq!(
            fitted.mode,
            ConcurrencyMode::Adaptive {
                initial: 8,
                max: 240
            }
        );
        let note = fitted.note.unwrap_or_default();
        assert!(
            note.contains("at most 240 cases in flight, not 1024"),
            "{note}"
        );
        // The server's end of each connection too: half as many.
        let fitted = fit_within(ConcurrencyMode::Fixed(500), 1024, true);
        assert_eq!(fitted.mode, ConcurrencyMode::Fixed(120));
        assert!(fitted.note.is_some_and(|n| n.contains("(--jobs)")));
    }

    #[test]
    fn even_a_tiny_limit_leaves_one_case() {
        let fitted = fit_within(ConcurrencyMode::Fixed(8), 10, true);
        assert_eq!(fitted.mode, ConcurrencyMode::Fixed(1));
        let mode = ConcurrencyMode::Adaptive { initial: 8, max: 4 };
        assert_eq!(
            fit_within(mode, 10, false).mode,
            ConcurrencyMode::Adaptive { initial: 1, max: 1 }
        );
    }
}
