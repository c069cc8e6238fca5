//! `serve`: the reference implementation on a socket, until SIGTERM or Ctrl-C; with `--fault`,
//! with bugs of the fault catalog planted.

use std::time::Duration;

use crate::exit::Exit;
use crate::reference::{self, Config, Fault, Faults, Timeouts};
use crate::{errln, outln};

use super::ServeArgs;

pub fn serve(args: ServeArgs) -> Exit {
    if args.list_faults {
        for line in fault_list() {
            outln!("{line}");
        }
        return Exit::Ok;
    }
    let faults = match parse_faults(&args.faults) {
        Ok(f) => f,
        Err(message) => {
            errln!("error: {message}");
            return Exit::Usage;
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: failed to start the runtime: {e}");
            return Exit::Usage;
        }
    };
    let mut timeouts = Timeouts::default();
    if let Some(secs) = args.header_timeout {
        timeouts.header = Duration::from_secs_f64(secs);
    }
    if let Some(secs) = args.idle_timeout {
        timeouts.idle = Duration::from_secs_f64(secs);
    }
    let config = Config {
        rate_limit: args.rate_limit,
        max_inflight: args.max_inflight.map(|n| n as usize),
        timeouts,
        faults,
        pad_answers: args.pad_answers,
        forget_idle: args.forget_idle.map(Duration::from_secs_f64),
    };
    if !faults.is_empty() {
        let names: Vec<&str> = faults.iter().map(Fault::name).collect();
        errln!("warning: serving with planted faults: {}", names.join(", "));
    }
    match runtime.block_on(reference::serve(&args.addr, config)) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            // Nothing was served: an address that cannot be bound is a usage error.
            errln!("error: failed to serve on {}: {e}", args.addr);
            Exit::Usage
        }
    }
}

/// The faults named on the command line; an unknown name is an error that lists the known ones.
pub(super) fn parse_faults(names: &[String]) -> Result<Faults, String> {
    let mut faults = Faults::none();
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        match Fault::from_name(name) {
            Some(fault) => faults = faults.with(fault),
            None => {
                let known: Vec<&str> = Fault::ALL.iter().map(|f| f.name()).collect();
                return Err(format!(
                    "unknown fault `{name}`; the catalog has: {}",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(faults)
}

/// One fault a line: name, the rules it breaks, what it does.
fn fault_list() -> Vec<String> {
    let width = Fault::ALL.iter().map(|f| f.name().len()).max().unwrap_or(0);
    let rules_width = Fault::ALL
        .iter()
        .map(|f| f.rules().join(",").len())
        .max()
        .unwrap_or(0);
    Fault::ALL
        .iter()
        .map(|f| {
            format!(
                "{:width$}  {:rules_width$}  {}",
                f.name(),
                f.rules().join(","),
                f.description()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_unknown_ones_list_the_catalog() {
        let faults = parse_faults(&["wrong-verb-404".into(), " create-answers-200".into()]);
        assert_eq!(
            faults.map(|f| f.iter().collect::<Vec<_>>()),
            Ok(vec![Fault::CreateAnswers200, Fault::WrongVerb404])
        );
        let err = parse_faults(&["nope".into()]).err().unwrap_or_default();
        assert!(
            err.contains("`nope`") && err.contains("wrong-verb-404"),
            "{err}"
        );
    }

    #[test]
    fn the_list_has_a_line_per_fault() {
        let list = fault_list();
        assert_eq!(list.len(), Fault::ALL.len());
        assert!(list.iter().all(|l| l.split_whitespace().count() >= 3));
    }
}
