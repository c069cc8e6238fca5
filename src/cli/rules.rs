//! `rules`: each rule with its basis, summary and the cases that check it.

use std::collections::BTreeMap;

use serde_json::json;

use crate::exit::Exit;
use crate::plan::expand;
use crate::{errln, outln};

use super::common::load_cases;
use super::RulesArgs;

pub fn rules(args: RulesArgs) -> Exit {
    let set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let mut checked_by: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let cases = expand(&set);
    for case in &cases {
        for rule in &case.rules {
            checked_by
                .entry(rule.as_str())
                .or_default()
                .push(case.id.clone());
        }
    }
    let empty = Vec::new();
    if args.json {
        let rows: Vec<_> = set
            .rule_order
            .iter()
            .filter_map(|id| set.rules.get(id))
            .map(|r| {
                json!({
                    "id": r.id,
                    "basis": r.basis,
                    "partly": r.partly,
                    "summary": r.summary,
                    "sources": r.sources,
                    "cases": checked_by.get(r.id.as_str()).unwrap_or(&empty),
                })
            })
            .collect();
        match serde_json::to_string_pretty(&json!({ "rules": rows })) {
            Ok(text) => outln!("{text}"),
            Err(e) => {
                errln!("error: failed to render JSON: {e}");
                return Exit::Usage;
            }
        }
        return Exit::Ok;
    }
    for id in &set.rule_order {
        let Some(r) = set.rules.get(id) else { continue };
        let cases = checked_by.get(id.as_str()).unwrap_or(&empty);
        outln!("{:<6} {:<4} {}", r.id, format!("{:?}", r.basis), r.summary);
        if cases.is_empty() {
            outln!("       (no case checks it)");
        } else {
            outln!("       {} case(s): {}", cases.len(), cases.join(", "));
        }
    }
    Exit::Ok
}
