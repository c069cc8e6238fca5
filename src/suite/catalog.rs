//! The catalog a harness makes its trials of, and the selection libtest's filters make of it.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use crate::case::{CaseSource, Severity};
use crate::plan::{load, CasePlan, PlanSet, Selection};

use super::SuiteError;

/// A loaded, compiled case set.
pub struct Suite {
    pub(super) set: Arc<PlanSet>,
}

impl Suite {
    /// The catalog compiled into this crate.
    pub fn embedded() -> Result<Suite, SuiteError> {
        Self::load(&CaseSource::embedded(), None)
    }

    /// Only the case file that holds `id` (a case id, or a case file's id with its variants):
    /// what a runner that starts one process per test (nextest's `--exact NAME`) needs, without
    /// compiling the whole catalog in every process.
    pub fn embedded_for_case(id: &str) -> Result<Suite, SuiteError> {
        let base = id.split("::").next().unwrap_or(id);
        let only = BTreeSet::from([format!("{base}.json")]);
        Self::load(&CaseSource::embedded(), Some(&only))
    }

    /// The case files under `dir` instead of the embedded catalog (`run --cases DIR`).
    pub fn from_dir(dir: &Path) -> Result<Suite, SuiteError> {
        Self::load(&CaseSource::directory(dir)?, None)
    }

    fn load(source: &CaseSource, only: Option<&BTreeSet<String>>) -> Result<Suite, SuiteError> {
        Ok(Suite {
            set: Arc::new(load(source, only)?),
        })
    }

    /// Every case, in id order.
    pub fn cases(&self) -> Vec<Case> {
        self.set.cases.iter().cloned().map(Case).collect()
    }

    /// The cases whose id contains `filter` (or equals it with `exact`), as `run --filter` and
    /// `--exact` select them: with `exact`, a case file's id selects all its variants, which
    /// libtest's own `--exact` comparison of whole names would drop.
    pub fn select(&self, filter: Option<&str>, exact: bool) -> Vec<Case> {
        let selection = Selection {
            filters: filter.map(str::to_owned).into_iter().collect(),
            exact,
            partition: None,
        };
        self.set
            .cases
            .iter()
            .filter(|c| selection.matches(&c.id))
            .cloned()
            .map(Case)
            .collect()
    }

    /// The case set's fingerprint (`sha256:…`), as reports record it.
    pub fn fingerprint(&self) -> &str {
        &self.set.fingerprint
    }
}

/// One case of the catalog, compiled: a test trial's worth.
#[derive(Clone)]
pub struct Case(pub(super) Arc<CasePlan>);

impl Case {
    /// Its stable id (`area/name`, or `area/name::variant`): the trial's name.
    pub fn id(&self) -> &str {
        &self.0.id
    }

    /// The first segment of the id (`contract-version`, `handle-id`, …).
    pub fn area(&self) -> &str {
        &self.0.area
    }

    /// What it checks, in a line.
    pub fn title(&self) -> &str {
        &self.0.title
    }

    /// The ids of the contract rules it checks (CONTRACT.md).
    pub fn rules(&self) -> &[String] {
        &self.0.rules
    }

    /// A `may` case tries a form the contract leaves open: its failure never gates, so a
    /// harness marks its trial ignored unless asked to include those.
    pub fn is_may(&self) -> bool {
        self.0.severity == Severity::May
    }
}
