//! `cargo test` measures the catalog's teeth as `mpsd-conformance mutants` does: the embedded
//! catalog against the healthy reference (every case must pass) and against the reference with
//! each fault of the fault catalog planted alone, several at once (every fault must be caught: a
//! gating case fails with a rule the fault breaks). A surviving fault is a defect of the catalog:
//! add the case that catches it; never drop or soften the fault.
//!
//! It also keeps `src/mutants/detection.json` — the detection score that `run` reports for the
//! embedded catalog — honest. Refresh it with `UPDATE_DETECTION=1 cargo test --test mutants`.

use std::path::Path;
use std::sync::OnceLock;

use mpsd_conformance::case::CaseSource;
use mpsd_conformance::mutants::{measure, DetectionRecord, Measurement, MutantsOptions};
use mpsd_conformance::plan::load;
use mpsd_conformance::reference::Fault;

/// The measurement, made once for every test of this file.
fn measurement() -> &'static Measurement {
    static MEASURED: OnceLock<Result<Measurement, String>> = OnceLock::new();
    let measured = MEASURED.get_or_init(|| {
        let set =
            std::sync::Arc::new(load(&CaseSource::embedded(), None).map_err(|e| e.to_string())?);
        let options = MutantsOptions {
            jobs: std::thread::available_parallelism().map_or(2, usize::from),
            faults: Fault::ALL.to_vec(),
        };
        measure(&set, &options, &mut |_| {}).map_err(|e| e.to_string())
    });
    match measured {
        Ok(m) => m,
        Err(e) => panic!("the measurement could not run: {e}"),
    }
}

#[test]
fn the_healthy_reference_passes_every_case() {
    let unclean: Vec<String> = measurement()
        .unclean
        .iter()
        .map(|c| {
            format!(
                "{} ({}): {}",
                c.id,
                c.outcome,
                c.message.as_deref().unwrap_or("")
            )
        })
        .collect();
    assert!(
        unclean.is_empty(),
        "against the healthy reference:\n{}",
        unclean.join("\n")
    );
}

#[test]
fn every_fault_is_caught_by_a_gating_case_with_a_rule_it_breaks() {
    let m = measurement();
    assert_eq!(m.total(), Fault::ALL.len());
    let survivors: Vec<String> = m
        .survivors()
        .map(|v| {
            let failing: Vec<String> = v
                .failing_cases
                .iter()
                .map(|c| format!("{} [{}; {}]", c.id, c.severity, c.rules.join(",")))
                .collect();
            format!(
                "{} ({}): {}\n    failing but not catching: {}",
                v.fault.name(),
                v.fault.rules().join(", "),
                v.fault.description(),
                if failing.is_empty() {
                    "none".to_string()
                } else {
                    failing.join(", ")
                }
            )
        })
        .collect();
    assert!(
        survivors.is_empty(),
        "{} of {} faults survive the catalog (score {:.3}); each needs a case:\n{}",
        survivors.len(),
        m.total(),
        m.score(),
        survivors.join("\n")
    );
}

#[test]
fn the_committed_detection_score_is_current() {
    let m = measurement();
    let Some(fresh) = DetectionRecord::of(m) else {
        panic!("the whole fault catalog was measured, so there is a record");
    };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/mutants/detection.json");
    if std::env::var_os("UPDATE_DETECTION").is_some() {
        if let Err(e) = std::fs::write(&path, fresh.to_json()) {
            panic!("failed to write {}: {e}", path.display());
        }
        eprintln!("wrote {}", path.display());
        return;
    }
    let committed = DetectionRecord::committed();
    assert_eq!(
        committed.as_ref(),
        Some(&fresh),
        "{} is stale: refresh it with `UPDATE_DETECTION=1 cargo test --test mutants`",
        path.display()
    );
}
