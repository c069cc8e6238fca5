//! `cargo test` keeps the catalog's teeth measured. The full measurement — the embedded catalog
//! against the healthy reference and against the reference with each fault of the fault catalog
//! planted alone — is what `mpsd-conformance mutants` does and what
//! `UPDATE_DETECTION=1 cargo test --test it mutants::` records in `src/mutants/detection.json`,
//! with the cases that caught each fault. Without it, this test proves that record against this
//! build: it was measured on this case set and fault catalog, and each fault is still caught by
//! the cases it names (which still pass against the healthy reference). A surviving fault is a
//! defect of the catalog: add the case that catches it; never drop or soften the fault.

use std::path::Path;
use std::sync::Arc;

use mpsd_conformance::case::CaseSource;
use mpsd_conformance::mutants::{
    measure, DetectionRecord, ExploreOptions, Measurement, MutantsOptions,
};
use mpsd_conformance::plan::load;
use mpsd_conformance::reference::Fault;

fn jobs() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

/// Survivors and unclean cases of a measurement, as a person reads them.
fn defects(m: &Measurement) -> Vec<String> {
    let mut out: Vec<String> = m
        .unclean
        .iter()
        .map(|c| {
            let why = c.message.as_deref().unwrap_or("");
            format!(
                "against the healthy reference: {} ({}): {why}",
                c.id, c.outcome
            )
        })
        .collect();
    out.extend(m.survivors().map(|v| {
        let failing: Vec<String> = v
            .failing_cases
            .iter()
            .map(|c| format!("{} [{}; {}]", c.id, c.severity, c.rules.join(",")))
            .collect();
        format!(
            "survives: {} ({}): {}\n    failing but not catching: {}",
            v.fault.name(),
            v.fault.rules().join(", "),
            v.fault.description(),
            if failing.is_empty() {
                "none".to_string()
            } else {
                failing.join(", ")
            }
        )
    }));
    out
}

#[test]
fn every_fault_is_caught_and_the_committed_record_is_current() {
    let set = Arc::new(load(&CaseSource::embedded(), None).unwrap_or_else(|e| panic!("{e}")));
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mutants/detection.json");
    if std::env::var_os("UPDATE_DETECTION").is_some() {
        let options = MutantsOptions {
            jobs: jobs(),
            faults: Fault::ALL.to_vec(),
            only: None,
            explore: Some(ExploreOptions {
                seed: 1,
                programs: 300,
                faults: None,
            }),
        };
        let m = measure(&set, &options, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"));
        let found = defects(&m);
        assert!(found.is_empty(), "{}", found.join("\n"));
        let Some(mut fresh) = DetectionRecord::of(&m) else {
            panic!("the whole fault catalog was measured, so there is a record");
        };
        // The record must hold when proved as plain `cargo test` proves it: its catchers alone.
        // A fault some case caught only by chance in the full run (ids recycled by a case
        // running beside it, a shedder that four cases in flight happened to trip) is proved by
        // the explorer when it caught it, else by every case that caught it.
        for _ in 0..3 {
            let proof = verify(&set, &fresh);
            let survivors: Vec<Fault> = proof.survivors().map(|v| v.fault).collect();
            if survivors.is_empty() && proof.unclean.is_empty() {
                break;
            }
            for fault in survivors {
                let Some(full) = m.verdicts.iter().find(|v| v.fault == fault) else {
                    continue;
                };
                let name = fault.name().to_string();
                match fresh.explorer.as_mut() {
                    Some(explorer) if full.caught_by_explore() => {
                        fresh.catchers.remove(&name);
                        if !explorer.faults.contains(&name) {
                            explorer.faults.push(name);
                        }
                    }
                    _ => {
                        let all = full
                            .failing_cases
                            .iter()
                            .filter(|c| c.catches)
                            .map(|c| c.id.clone())
                            .collect();
                        fresh.catchers.insert(name, all);
                    }
                }
            }
        }
        let proof = defects(&verify(&set, &fresh));
        assert!(
            proof.is_empty(),
            "the fresh record does not prove itself:\n{}",
            proof.join("\n")
        );
        if let Err(e) = std::fs::write(&path, fresh.to_json()) {
            panic!("failed to write {}: {e}", path.display());
        }
        eprintln!("wrote {}", path.display());
        return;
    }
    let stale = format!(
        "{} is stale: refresh it with `UPDATE_DETECTION=1 cargo test --release --test it mutants::`",
        path.display()
    );
    let committed = DetectionRecord::committed().unwrap_or_else(|| panic!("{stale}"));
    assert!(committed.applies_to(&set.fingerprint), "{stale}");
    assert_eq!(
        (committed.caught, committed.total),
        (Fault::ALL.len(), Fault::ALL.len()),
        "the record says faults survive"
    );
    // Races are proved by the explorer (a case catches one by chance), as is any fault the
    // catalog misses; every other fault by the cases that caught it.
    let explored: Vec<String> = committed
        .explorer
        .iter()
        .flat_map(|e| e.faults.clone())
        .collect();
    for fault in Fault::ALL {
        let catchers = committed.catchers.get(fault.name());
        let by_explorer = explored.iter().any(|f| f == fault.name());
        assert!(
            catchers.is_some_and(|c| !c.is_empty()) || by_explorer,
            "{}: no catching case or exploration recorded; {stale}",
            fault.name()
        );
        assert!(
            !fault.is_race() || by_explorer,
            "{}: a race the explorer does not catch; {stale}",
            fault.name()
        );
    }
    let m = verify(&set, &committed);
    let defects = defects(&m);
    assert!(
        defects.is_empty(),
        "the committed record does not hold against this build:\n{}\n{stale}",
        defects.join("\n")
    );
}

/// The record proved against this build: each fault's catchers alone, and the explorer's faults
/// explored with its seed and budget.
fn verify(set: &Arc<mpsd_conformance::plan::PlanSet>, record: &DetectionRecord) -> Measurement {
    let options = MutantsOptions {
        jobs: jobs(),
        faults: Fault::ALL.to_vec(),
        only: Some(record.catchers.clone()),
        explore: record.explorer.clone().map(|e| ExploreOptions {
            seed: e.seed,
            programs: e.programs,
            faults: Some(
                Fault::ALL
                    .iter()
                    .copied()
                    .filter(|f| e.faults.iter().any(|n| n == f.name()))
                    .collect(),
            ),
        }),
    };
    measure(set, &options, &mut |_| {}).unwrap_or_else(|e| panic!("{e}"))
}
