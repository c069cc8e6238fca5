//! `mutants`: the catalog against the reference with each planted fault alone; writes
//! mutants.json and mutants.md, prints the score, exits 1 when a fault survives or the healthy
//! reference does not pass every case.

use crate::exit::Exit;
use crate::mutants::{
    measure, prepare_dir, write_cache, write_report, DetectionRecord, ExploreOptions,
    MutantsOptions,
};
use crate::reference::Fault;
use crate::{errln, outln};

use super::common::load_cases;
use super::serve::parse_faults;
use super::MutantsArgs;

/// Shown after the flags of `mutants --help`.
pub const AFTER_HELP: &str = "\
A fault is caught when a must or should case fails with a rule the fault breaks, or when
`explore --seed S --budget N` (--explore-seed, --explore-budget) has a finding of a must or
should rule against it (the same exploration of the healthy reference must find nothing).
`serve --list-faults` lists the faults.

Exit codes:
  0    every fault caught, and every case passed against the healthy reference
  1    a fault survived, or a case did not pass against the healthy reference
  2    nothing ran: usage, an unknown fault, an invalid case set, an unwritable report directory,
       a set-up error";

pub fn mutants(args: MutantsArgs) -> Exit {
    let set = match load_cases(&args.cases) {
        Ok(s) => std::sync::Arc::new(s),
        Err(code) => return code,
    };
    let faults: Vec<Fault> = if args.faults.is_empty() {
        Fault::ALL.to_vec()
    } else {
        match parse_faults(&args.faults) {
            Ok(f) => f.iter().collect(),
            Err(message) => {
                errln!("error: {message}");
                return Exit::Usage;
            }
        }
    };
    if let Err(e) = prepare_dir(&args.report_dir) {
        errln!("error: {e}");
        return Exit::Usage;
    }
    let jobs = args.jobs.map_or_else(
        || std::thread::available_parallelism().map_or(2, usize::from),
        |n| n as usize,
    );
    outln!(
        "mpsd-conformance {}: {} cases against the reference, healthy and with each of {} faults",
        env!("CARGO_PKG_VERSION"),
        set.case_count(),
        faults.len()
    );
    let options = MutantsOptions {
        jobs,
        faults,
        only: None,
        explore: (args.explore_budget > 0).then_some(ExploreOptions {
            seed: args.explore_seed,
            programs: args.explore_budget,
            faults: None,
        }),
    };
    let mut on_verdict = |v: &crate::mutants::FaultVerdict| {
        let catching = v.failing_cases.iter().filter(|c| c.catches).count();
        let explored = match &v.explored {
            Some(e) if e.caught => {
                let shortest = e.findings.iter().map(|f| f.steps).min().unwrap_or(0);
                format!("; explore: caught, {shortest} step(s)")
            }
            Some(_) => "; explore: not caught".to_string(),
            None => String::new(),
        };
        if v.caught() {
            outln!(
                "caught    {} (run: {catching} cases{explored})",
                v.fault.name()
            );
        } else {
            outln!(
                "SURVIVED  {} ({}): {}",
                v.fault.name(),
                v.fault.rules().join(", "),
                v.fault.description()
            );
        }
    };
    let measurement = match measure(&set, &options, &mut on_verdict) {
        Ok(m) => m,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage;
        }
    };
    let mut failed = false;
    match write_report(&args.report_dir, &measurement) {
        Ok(paths) => {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            errln!("reports: {}", shown.join(", "));
        }
        Err(e) => {
            errln!("error: {e}");
            failed = true;
        }
    }
    for case in &measurement.unclean {
        errln!(
            "error: against the healthy reference, {} ended {}: {}",
            case.id,
            case.outcome,
            case.message.as_deref().unwrap_or("")
        );
    }
    // A score is only worth remembering when the healthy server passed and the whole catalog ran.
    if let Some(record) =
        DetectionRecord::of(&measurement).filter(|_| measurement.unclean.is_empty())
    {
        if let Err(e) = write_cache(&record) {
            errln!("warning: the detection score is not cached: {e}");
        }
    }
    outln!(
        "{} of {} faults caught, score {:.3}",
        measurement.caught(),
        measurement.total(),
        measurement.score()
    );
    if failed || !measurement.complete() {
        Exit::Failed
    } else {
        Exit::Ok
    }
}
