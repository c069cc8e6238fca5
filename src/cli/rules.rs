//! `rules`: each rule with its basis, summary and the cases that check it.

use std::collections::BTreeMap;

use serde_json::json;

use crate::plan::expand;

use super::common::load_cases;
use super::{exit, RulesArgs};

pub fn rules(args: RulesArgs) -> i32 {
    let set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(code) => return code,
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
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("error: failed to render JSON: {e}");
                return exit::USAGE;
            }
        }
        return exit::OK;
    }
    for id in &set.rule_order {
        let Some(r) = set.rules.get(id) else { continue };
        let cases = checked_by.get(id.as_str()).unwrap_or(&empty);
        println!("{:<6} {:<4} {}", r.id, format!("{:?}", r.basis), r.summary);
        if cases.is_empty() {
            println!("       (no case checks it)");
        } else {
            println!("       {} case(s): {}", cases.len(), cases.join(", "));
        }
    }
    exit::OK
}
