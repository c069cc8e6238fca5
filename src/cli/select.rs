//! Choosing the cases of `list` and `run` the same way: an earlier report's failures, then
//! filters, then the shard. A filter that matches nothing is an error in words; an empty shard
//! is not (DESIGN.md).

use std::collections::BTreeSet;
use std::sync::Arc;

use crate::plan::{CasePlan, PlanSet, Selection};

use super::SelectArgs;

/// Why a selection is refused.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error("no case id {} (filters are case-sensitive{}; `mpsd-conformance list` shows the ids)", describe(.filters, *.exact), if *.rerun { ", and apply to the cases to rerun" } else { "" })]
    NothingMatches {
        filters: Vec<String>,
        exact: bool,
        rerun: bool,
    },
    #[error("the case set holds no case")]
    NoCases,
}

fn describe(filters: &[String], exact: bool) -> String {
    let quoted: Vec<String> = filters.iter().map(|f| format!("`{f}`")).collect();
    let verb = if exact { "is exactly" } else { "contains" };
    format!("{verb} {}", quoted.join(" or "))
}

/// The cases to run or list, sorted by id, taken out of `set` ([`PlanSet::take_cases`]): the
/// plans of the cases not chosen are dropped now, and a run drops each chosen one once its case
/// has finished. `rerun`, when given, limits them to these ids.
pub fn select(
    set: &mut PlanSet,
    args: &SelectArgs,
    rerun: Option<&BTreeSet<String>>,
) -> Result<Vec<Arc<CasePlan>>, SelectError> {
    let mut cases = set.take_cases();
    if cases.is_empty() {
        return Err(SelectError::NoCases);
    }
    if let Some(ids) = rerun {
        cases.retain(|c| ids.contains(&c.id));
    }
    let by_filter = Selection {
        filters: args.filter.clone(),
        exact: args.exact,
        partition: None,
    };
    let cases = by_filter.apply(cases);
    if cases.is_empty() && !args.filter.is_empty() {
        return Err(SelectError::NothingMatches {
            filters: args.filter.clone(),
            exact: args.exact,
            rerun: rerun.is_some(),
        });
    }
    let shard = Selection {
        partition: args.partition,
        ..Selection::default()
    };
    Ok(shard.apply(cases))
}

#[cfg(test)]
mod tests {
    use std::sync::Weak;

    use super::*;
    use crate::case::CaseSource;
    use crate::plan::load;

    /// A run holds the plans it runs and nothing else does: the set keeps none of them, the
    /// ones not chosen are dropped at once, and the set still counts them all.
    #[test]
    fn selecting_takes_the_plans_out_of_the_set() {
        let mut set = load(&CaseSource::embedded(), None).expect("the catalog loads");
        let total = set.case_count();
        let weak: Vec<(String, Weak<CasePlan>)> = set
            .cases
            .iter()
            .map(|c| (c.id.clone(), Arc::downgrade(c)))
            .collect();
        let args = SelectArgs {
            filter: vec!["body/".into()],
            exact: false,
            partition: None,
        };
        let chosen = select(&mut set, &args, None).expect("body/ has cases");
        assert!(!chosen.is_empty() && chosen.len() < total);
        assert!(set.cases.is_empty(), "the set still holds its plans");
        assert_eq!(set.case_count(), total);
        for (id, plan) in &weak {
            let alive = plan.upgrade().is_some();
            assert_eq!(alive, id.contains("body/"), "{id}: alive {alive}");
        }
        drop(chosen);
        assert!(weak.iter().all(|(_, p)| p.upgrade().is_none()));
    }

    #[test]
    fn the_message_names_the_filters_and_their_case() {
        let e = SelectError::NothingMatches {
            filters: vec!["Body/".into(), "x".into()],
            exact: false,
            rerun: false,
        };
        assert_eq!(
            e.to_string(),
            "no case id contains `Body/` or `x` (filters are case-sensitive; `mpsd-conformance list` shows the ids)"
        );
        let e = SelectError::NothingMatches {
            filters: vec!["body/b1".into()],
            exact: true,
            rerun: true,
        };
        assert!(e.to_string().starts_with("no case id is exactly `body/b1`"));
    }
}
