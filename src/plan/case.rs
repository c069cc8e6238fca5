//! One case as it runs: compiled once at load time, shared by every run of it.

use std::sync::Arc;

use crate::case::Severity;

use super::step::StepPlan;

#[derive(Debug)]
pub struct CasePlan {
    /// `<path without .json>` or `<…>::<variant>`.
    pub id: String,
    /// The first segment of the id.
    pub area: String,
    pub title: String,
    /// The file's rules, or the variant's own.
    pub rules: Vec<String>,
    /// The file's severity, or the variant's own.
    pub severity: Severity,
    /// The case file, relative to the case directory.
    pub path: String,
    /// Fixtures inlined, variants applied. Steps are shared between cases that compile to the
    /// same thing (a fixture used the same way).
    pub steps: Box<[Arc<StepPlan>]>,
    pub vars: VarTable,
}

/// The variables of a case: each has a slot, numbered at load time.
#[derive(Debug, Default)]
pub struct VarTable {
    /// Slot → name (`s.handle`, `fresh.s/session`), for messages. Shared by the cases that
    /// name the same variables (the same fixtures used the same way): one list, not one each.
    pub names: Arc<[Box<str>]>,
    /// Slots filled when the case starts: fresh session names and GUIDs.
    pub made: Box<[(usize, Made)]>,
    /// How many request steps record their status for `onlyIf`.
    pub statuses: usize,
}

/// A value made for a case when it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Made {
    /// `mpsdc-<run id>-<uuid>`.
    SessionName,
    /// A random GUID.
    Guid,
}
