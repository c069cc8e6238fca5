//! Concrete cases: one per case file, or one per variant, with fixtures inlined.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::case::{flatten, CaseSet, FlatStep, Severity};

/// One case as it will run.
#[derive(Clone, Debug)]
pub struct CaseInstance {
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
    /// The variant's values (`{{variant.*}}`), if any.
    pub variant: Option<Map<String, Value>>,
    pub steps: Arc<Vec<FlatStep>>,
}

/// Every case of a (valid) set, sorted by id.
pub fn expand(set: &CaseSet) -> Vec<CaseInstance> {
    let mut out = Vec::new();
    for case in &set.cases {
        // The loader refused sets whose steps do not flatten; an empty list cannot happen here.
        let steps = Arc::new(flatten(&case.file, &set.suite).unwrap_or_default());
        let area = case.id.split('/').next().unwrap_or_default().to_string();
        let base = CaseInstance {
            id: case.id.clone(),
            area,
            title: case.file.title.clone(),
            rules: case.file.rules.clone(),
            severity: case.file.severity,
            path: case.path.clone(),
            variant: None,
            steps,
        };
        if case.file.variants.is_empty() {
            out.push(base);
            continue;
        }
        for variant in &case.file.variants {
            out.push(CaseInstance {
                id: format!("{}::{}", base.id, variant.name),
                rules: variant.rules.clone().unwrap_or_else(|| base.rules.clone()),
                severity: variant.severity.unwrap_or(base.severity),
                variant: Some(variant.values()),
                ..base.clone()
            });
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}
