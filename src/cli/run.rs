//! `run`: load → select → prepare the target → probe → run → report → exit code.

use std::io::IsTerminal;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::http::ClientOptions;
use crate::plan::{expand, CaseInstance, Selection};
use crate::report::{prepare_dir, write_reports, Console, Redactor, RunInfo, REDACTED};
use crate::run::{
    exit_code, prepare, probe, run_cases, CaseResult, Environment, FailOn, Outcome, PrepareOptions,
    RunnerOptions,
};

use super::common::load_cases;
use super::{exit, ColorArg, FailOnArg, RunArgs};

pub fn run(args: RunArgs) -> i32 {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let clock = Instant::now();
    let set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let selection = Selection {
        filters: args.select.filter.clone(),
        exact: args.select.exact,
        partition: args.select.partition,
    };
    let all = expand(&set);
    let cases = selection.apply(all);
    if cases.is_empty() && args.select.partition.is_none() {
        eprintln!(
            "error: no case matches the selection (--filter {:?})",
            args.select.filter
        );
        return exit::USAGE;
    }
    if let Err(e) = prepare_dir(&args.report_dir) {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let env = Environment::from_process();
    let fail_on = match args.fail_on {
        FailOnArg::Must => FailOn::Must,
        FailOnArg::Should => FailOn::Should,
    };
    let prepared = match prepare(
        &set,
        &env,
        PrepareOptions {
            target: args.target.clone(),
            headers: args.header.clone(),
            secrets: args.secret.clone(),
            client: ClientOptions {
                timeout: Duration::from_secs_f64(args.timeout),
                max_body: args.max_body,
            },
        },
    ) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {}", Redactor::new(env.secrets()).text(&e));
            return exit::USAGE;
        }
    };
    let redactor = Redactor::new(prepared.secrets.clone());
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the runtime: {e}");
            return exit::USAGE;
        }
    };
    let ctx = prepared.ctx.clone();
    let target_label = redactor.text(&prepared.target_label);
    println!(
        "mpsd-conformance {}: {} of {} cases against {}",
        env!("CARGO_PKG_VERSION"),
        cases.len(),
        set.case_count(),
        if prepared.embedded {
            format!("the embedded reference ({})", ctx.base_url)
        } else {
            target_label.clone()
        }
    );

    let results = runtime.block_on(async {
        let interrupted = ctx.interrupted.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupted.store(true, Ordering::SeqCst);
            }
        });
        if !cases.is_empty() {
            if let Err(e) = probe(&ctx.client, &ctx.base_url, &ctx.headers).await {
                let message = format!("target {target_label} cannot be tested: {e}");
                eprintln!("error: {}", redactor.text(&message));
                return Err(unreachable(&cases, &message));
            }
        }
        let mut console = Console::new(redactor.clone(), color, fail_on);
        let options = RunnerOptions {
            jobs: args.jobs as usize,
            fail_fast: args.fail_fast,
            fail_on,
        };
        let results = run_cases(ctx.clone(), cases, &options, &mut console).await;
        Ok((results, console))
    });

    let (results, console) = match results {
        Ok((r, c)) => (r, Some(c)),
        Err(r) => (r, None),
    };
    let info = RunInfo {
        target_url: target_label,
        embedded: prepared.embedded,
        case_count: set.case_count(),
        fingerprint: set.fingerprint.clone(),
        files: set.files.clone(),
        options: options_json(&args, &redactor),
        started_at,
        duration_ms: clock.elapsed().as_millis() as u64,
        fail_on,
        detection_score: crate::mutants::detection_score(&set.fingerprint),
    };
    let mut write_failed = false;
    match write_reports(&args.report_dir, &info, &results, &redactor) {
        Ok(paths) => {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            eprintln!("reports: {}", shown.join(", "));
        }
        Err(e) => {
            eprintln!("error: {e}");
            write_failed = true;
        }
    }
    match console {
        Some(mut c) => c.finish(&results),
        None => println!("{}", crate::run::Summary::of(&results, fail_on).line()),
    }
    drop(prepared);
    let code = exit_code(&results, fail_on);
    if write_failed && code == exit::OK {
        return exit::USAGE;
    }
    code
}

/// Every selected case as `error`: the target could not be reached.
fn unreachable(cases: &[CaseInstance], message: &str) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|c| CaseResult {
            id: c.id.clone(),
            area: c.area.clone(),
            title: c.title.clone(),
            rules: c.rules.clone(),
            severity: c.severity,
            outcome: Outcome::Error,
            message: Some(message.to_string()),
            failures: vec![],
            exchanges: vec![],
            duration: Duration::ZERO,
            in_baseline: false,
        })
        .collect()
}

/// The run's flags as report.json records them, secrets redacted.
fn options_json(args: &RunArgs, redactor: &Redactor) -> serde_json::Value {
    json!({
        "target": args.target.as_ref().map(|t| redactor.text(t)),
        "cases": args.cases.cases.as_ref().map(|p| p.display().to_string()),
        "report_dir": args.report_dir.display().to_string(),
        "jobs": args.jobs,
        "timeout": args.timeout,
        "max_body": args.max_body,
        "header": args.header.iter().map(|(n, v)| format!("{n}: {}", redactor.header(n, v))).collect::<Vec<_>>(),
        "secret": args.secret.iter().map(|_| REDACTED).collect::<Vec<_>>(),
        "filter": args.select.filter,
        "exact": args.select.exact,
        "partition": args.select.partition.map(|p| format!("hash:{}/{}", p.index, p.count)),
        "baseline": null,
        "write_baseline": null,
        "fail_on": match args.fail_on { FailOnArg::Must => "must", FailOnArg::Should => "should" },
        "fail_fast": args.fail_fast,
        "color": match args.color { ColorArg::Auto => "auto", ColorArg::Always => "always", ColorArg::Never => "never" },
    })
}
