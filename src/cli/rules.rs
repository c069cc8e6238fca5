//! `rules`: each rule with its basis, summary and the cases that check it, gating and `may`
//! cases apart.

use serde_json::json;

use crate::exit::Exit;
use crate::plan::{coverage, RuleCoverage};
use crate::{errln, outln};

use super::common::load_cases;
use super::RulesArgs;

pub fn rules(args: RulesArgs) -> Exit {
    let set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let covered = coverage(&set.cases);
    let none = RuleCoverage::default();
    let rows = set
        .rule_order
        .iter()
        .filter_map(|id| set.rules.get(id))
        .map(|r| (r, covered.get(&r.id).unwrap_or(&none)));
    if args.json {
        let rows: Vec<_> = rows
            .map(|(r, c)| {
                let all: Vec<&String> = c.gating.iter().chain(&c.may).collect();
                json!({
                    "id": r.id,
                    "basis": r.basis,
                    "summary": r.summary,
                    "sources": r.sources,
                    "mayForms": r.may_forms,
                    "cases": all,
                    "gating": c.gating,
                    "may": c.may,
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
    for (r, c) in rows {
        outln!("{:<6} {:<4} {}", r.id, format!("{:?}", r.basis), r.summary);
        match (c.gating.as_slice(), c.may.as_slice()) {
            ([], []) => outln!("       (no case checks it)"),
            ([], _) => outln!("       gating: none"),
            (gating, _) => outln!(
                "       gating: {} case(s): {}",
                gating.len(),
                gating.join(", ")
            ),
        }
        if !c.may.is_empty() {
            outln!(
                "       may:    {} case(s): {}",
                c.may.len(),
                c.may.join(", ")
            );
        }
    }
    Exit::Ok
}
