//! `rules`: each rule with its basis, summary and the cases that check it, gating and `may`
//! cases apart.

use serde_json::json;

use crate::exit::Exit;
use crate::plan::{coverage, coverage_view, CoverageCell, RuleCoverage};
use crate::{errln, outln};

use super::common::load_cases;
use super::RulesArgs;

pub fn rules(args: RulesArgs) -> Exit {
    let set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    if args.coverage {
        return model_coverage(&set.coverage, args.json);
    }
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
            Ok(text) => outln!("{}", crate::text::console::json(&text)),
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

/// `rules --coverage`: the request model's cells, table by table, position by position.
fn model_coverage(cells: &[CoverageCell], json: bool) -> Exit {
    if json {
        let rows: Vec<_> = cells
            .iter()
            .map(|c| {
                json!({
                    "table": c.table,
                    "resource": c.resource,
                    "position": c.position,
                    "class": c.class,
                    "state": if c.case.is_some() { "generated" } else { "not tried" },
                    "case": c.case,
                    "reason": c.reason,
                })
            })
            .collect();
        return match serde_json::to_string_pretty(&json!({ "cells": rows })) {
            Ok(text) => {
                outln!("{}", crate::text::console::json(&text));
                Exit::Ok
            }
            Err(e) => {
                errln!("error: failed to render JSON: {e}");
                Exit::Usage
            }
        };
    }
    if cells.is_empty() {
        outln!("the case set has no request model (model.json): every case is written");
        return Exit::Ok;
    }
    let generated = cells.iter().filter(|c| c.case.is_some()).count();
    outln!(
        "request model: {} cells, {generated} generated, {} not tried (each with its reason)",
        cells.len(),
        cells.len() - generated
    );
    for view in coverage_view(cells) {
        outln!();
        outln!("{} on {}", view.table, view.resources.join(", "));
        for row in view.rows {
            outln!(
                "  {:<40} {:>4} generated of {}",
                row.position,
                row.generated,
                row.cells
            );
            for (reason, classes) in row.not_tried {
                outln!("      not tried: {} ({reason})", classes.join(", "));
            }
        }
    }
    Exit::Ok
}
