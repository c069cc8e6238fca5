//! `run`: load → select → check the report files → prepare the target → probe and preflight →
//! run, the console and the report files fed as cases finish → write → exit code.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::exit::Exit;
use crate::http::{ClientIdentity, ClientOptions, ProxyChoice, RetryPolicy, TlsOptions};
use crate::plan::CasePlan;
use crate::report::{
    Baseline, Console, EventStream, Format, Redactor, ReportSet, RunInfo, SuiteInfo, Transcripts,
    Verbosity,
};
use crate::run::{
    fit_open_files, not_run, requests_in_flight, run_cases, target_ready, url_userinfo, CaseResult,
    ConcurrencyMode, Environment, NotReady, Outcome, RunnerOptions, DEFAULT_JOBS,
};
use crate::verdict::FailOn;
use crate::{errln, outln};

use super::common::{load_cases, prepare_target, run_finished, run_started, Started};
use super::embedded::target_or_embedded;
use super::reporting::{
    formats_json, object, report_options, request_json, spelled, throttle_json, transport_json,
};
use super::rerun::failed_ids;
use super::select::select;
use super::signals::Signals;
use super::{ColorArg, LimitArgs, RunArgs, TransportArgs};

pub fn run(args: RunArgs) -> Exit {
    let start = Started::now(&args.settings);
    let mut set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let known: BTreeSet<String> = set.cases.iter().map(|c| c.id.clone()).collect();
    let rerun = match rerun_ids(&args, &known) {
        Ok(ids) => ids,
        Err(exit) => return exit,
    };
    let cases = match select(&mut set, &args.select, rerun.as_ref()) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage;
        }
    };
    let fail_on = FailOn::from(args.fail_on);
    // Every file this run will write is checked before anything is sent.
    let mut report_options = report_options(
        &args.out,
        &args.reports.written,
        transcripts(&args),
        fail_on,
        args.reports.write_baseline.clone(),
    );
    report_options.coverage = set.coverage.clone().into();
    if let Err(e) = report_options.check() {
        errln!("error: {e}");
        return Exit::Usage;
    }
    let baseline = match &args.reports.baseline {
        Some(path) => match Baseline::load(path) {
            Ok(b) => b,
            Err(e) => {
                errln!("error: {e}");
                return Exit::Usage;
            }
        },
        None => Baseline::default(),
    };
    for id in baseline.stale(|id| known.contains(id)) {
        errln!("warning: the baseline lists `{id}`, which is no case of this set");
    }
    let env = Environment::from_process_or(&args.settings.configured.world);
    if args.transport.insecure {
        errln!(
            "warning: --insecure: the target's TLS certificate is NOT checked; anyone on the path \
             can read and change this run's traffic, and the run proves nothing about the \
             server's TLS"
        );
    }
    let target = match target_or_embedded(args.target.as_ref(), Default::default()) {
        Ok(t) => t,
        Err(exit) => return exit,
    };
    let client = client_options(&args, &cases);
    let known = (&args.target, &args.transport.proxy);
    let Some(prepared) = prepare_target(&set, &env, target, known, &args.access, client) else {
        return Exit::Usage;
    };
    let ctx = prepared.ctx.clone();
    let redactor = ctx.redactor.clone();
    let mut reports = match ReportSet::create(report_options, redactor.clone(), baseline.clone()) {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {}", redactor.text(&e.to_string()));
            return Exit::Usage;
        }
    };
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            crate::output::human_is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let verbosity = match (args.reports.quiet, args.reports.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        (false, _) => Verbosity::VeryVerbose,
    };
    // Before the runtime opens anything: the soft limit of open files raised toward what the
    // ceiling of cases in flight needs, the ceiling lowered to what it allows.
    let fitted = fit_open_files(concurrency_mode(&args), prepared.embedded);
    if let Some(note) = &fitted.note {
        errln!("{note}");
    }
    let mut console = Console::new(redactor.clone(), color, fail_on, verbosity);
    let mut stream = start
        .json_events
        .then(|| EventStream::stdout(redactor.clone(), fail_on));
    console.set_details_at(details_path(&args));
    // One thread drives every case: a case spends its time waiting on the target, and one
    // thread keeps up with tens of thousands of requests a second; a second worker cost a fifth
    // more CPU per request in handing tasks between threads. Big answers are parsed on the
    // blocking pool, not on this thread.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: failed to start the runtime: {e}");
            return Exit::Usage;
        }
    };
    let target_label = redactor.text(&prepared.target_label);
    let mut header = format!(
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
    if let Some(proxy) = ctx.client.proxy_for(&ctx.base_url) {
        header.push_str(&format!(" through the proxy {}", redactor.text(&proxy)));
    }
    if let Some(path) = &args.rerun_failed {
        header.push_str(&format!(" (rerun of {})", path.display()));
    }

    let signals = runtime.block_on(async {
        // Listening starts before the first line, so a signal sent after it is always handled.
        let signals = Signals::listen(ctx.interrupt.clone())?;
        if verbosity > Verbosity::Quiet {
            outln!("{header}");
        }
        if let Some(stream) = &mut stream {
            stream.run_started(&run_started(
                "run",
                &set,
                cases.len(),
                &target_label,
                &prepared,
                &args.settings.configured,
            ));
        }
        if !cases.is_empty() {
            let ready = target_ready(&ctx, &cases, &target_label, signals.first_signal()).await;
            if let Err(NotReady { outcome, why }) = ready {
                if outcome == Outcome::Error {
                    errln!("error: {}", redactor.text(&why));
                }
                // The reports record every case; the console has said it once.
                for result in all(&cases, outcome, &why) {
                    console.count_only(&result);
                    reports.result(&result);
                    if let Some(stream) = &mut stream {
                        stream.case_finished(&result);
                    }
                }
                return Ok(signals);
            }
        }
        let mut sinks = ((&mut console, &mut reports), &mut stream);
        // The console's -v and -vv print transcripts the report files may not keep.
        let console_needs = match verbosity {
            Verbosity::VeryVerbose => Transcripts::All,
            Verbosity::Verbose => Transcripts::Failures,
            Verbosity::Normal | Verbosity::Quiet => Transcripts::None,
        };
        let options = RunnerOptions {
            concurrency: fitted.mode,
            fail_fast: args.fail_fast,
            fail_on,
            baseline: Arc::new(baseline.expected()),
            transcripts: transcripts(&args).or(console_needs),
        };
        // The counts come back too, but the console has them already.
        let _ = run_cases(ctx.clone(), cases, &options, &mut sinks).await;
        Ok::<_, std::io::Error>(signals)
    });
    let signals = match signals {
        Ok(s) => s,
        Err(e) => {
            errln!("error: failed to listen for Ctrl-C and SIGTERM: {e}");
            return Exit::Usage;
        }
    };

    console.clear_progress();
    let mut info = RunInfo::new(
        target_label,
        prepared.embedded,
        SuiteInfo::new(set.case_count(), &set.fingerprint, &set.files),
        options_json(&args, &redactor),
        start.started_at,
    );
    info.harness.detection_score = crate::mutants::detection_score(&set.fingerprint);
    info.profile = args.settings.configured.profile.clone();
    info.duration_ms = start.clock.elapsed().as_millis() as u64;
    info.concurrency = Some(ctx.concurrency.info());
    let info_concurrency = info.concurrency.clone();
    let written = reports.finish(info);
    for e in &written.errors {
        errln!("error: {}", redactor.text(&e.to_string()));
    }
    console.finish(
        &written.paths,
        info_concurrency.as_ref(),
        start.clock.elapsed(),
    );
    drop(prepared);
    // The first signal decides, even one that came while the reports were written; then a
    // report that could not be written.
    let exit = match signals.received().first {
        Some(signal) => signal.exit(),
        None if !written.errors.is_empty() => Exit::Usage,
        None if args.reports.write_baseline.is_some() => Exit::Ok,
        None => Exit::of_run(console.summary().conclusion()),
    };
    run_finished(stream, &written.summary, exit, start.clock)
}

/// The ids `--rerun-failed` names; `Err` ends the run (a bad report, or nothing to rerun).
fn rerun_ids(args: &RunArgs, known: &BTreeSet<String>) -> Result<Option<BTreeSet<String>>, Exit> {
    let Some(path) = &args.rerun_failed else {
        return Ok(None);
    };
    let ids = failed_ids(path).map_err(|e| {
        errln!("error: {e}");
        Exit::Usage
    })?;
    let gone: Vec<&String> = ids.iter().filter(|id| !known.contains(*id)).collect();
    if !gone.is_empty() {
        errln!(
            "warning: {} failing case(s) of {} are not in this case set: {}",
            gone.len(),
            path.display(),
            gone.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if gone.len() == ids.len() {
        // Nothing failed, so nothing is left to do: like an empty shard, not an error.
        outln!(
            "nothing to rerun: {} has no failing or erroring case{}",
            path.display(),
            if ids.is_empty() {
                ""
            } else {
                " of this case set"
            }
        );
        return Err(Exit::Ok);
    }
    Ok(Some(ids))
}

/// Every selected case ended the same way without running.
fn all(cases: &[std::sync::Arc<CasePlan>], outcome: Outcome, message: &str) -> Vec<CaseResult> {
    cases.iter().map(|c| not_run(c, outcome, message)).collect()
}

fn transcripts(args: &RunArgs) -> Transcripts {
    args.reports.transcripts.into()
}

/// The report a console failure points at: the page, else the Markdown, else the JSON.
fn details_path(args: &RunArgs) -> Option<PathBuf> {
    [Format::Html, Format::Md, Format::Json]
        .into_iter()
        .find(|f| args.reports.written.formats.iter().any(|a| a.0 == *f))
        .map(|f| args.out.report_dir.join(f.file_name()))
}

fn client_options(args: &RunArgs, cases: &[Arc<CasePlan>]) -> ClientOptions {
    ClientOptions {
        // No more connections than the run has requests in flight at most, which the open-file
        // limit was raised for (`run::open_files`); the pool opens one only when none is idle.
        max_connections: Some(requests_in_flight(cases, concurrency_mode(args).ceiling())),
        ..connection(&args.limits, &args.transport, &args.throttle)
    }
}

/// The client's options from the flags `run` and `explore` share.
pub(super) fn connection(
    limits: &LimitArgs,
    t: &TransportArgs,
    throttle: &super::ThrottleArgs,
) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs_f64(limits.timeout),
        max_body: limits.max_body,
        proxy: match (&t.proxy, t.no_proxy) {
            (_, true) => ProxyChoice::Direct,
            (Some(url), false) => ProxyChoice::Url(url.clone()),
            (None, false) => ProxyChoice::Environment,
        },
        tls: TlsOptions {
            cacert: t.cacert.clone(),
            insecure: t.insecure,
            client_identity: match (&t.client_cert, &t.client_key) {
                (Some(cert), Some(key)) => Some(ClientIdentity {
                    cert: cert.clone(),
                    key: key.clone(),
                }),
                _ => None,
            },
        },
        retry: RetryPolicy {
            retries: throttle.retries,
            max_wait: Duration::from_secs_f64(throttle.max_retry_wait),
        },
        rate: throttle.rate,
        max_connections: None,
    }
}

/// Redacts what is known before the run is prepared: the callers' tokens, `--secret`s, the
/// target's and the proxy's userinfo.
/// What is known to be secret before a run is prepared.
pub(super) fn redactor_before_run(
    secret: &[String],
    target: &Option<String>,
    proxy: &Option<String>,
    env: &Environment,
) -> Redactor {
    let mut secrets = env.secrets();
    secrets.extend(secret.iter().cloned());
    for url in [target, proxy].into_iter().flatten() {
        if let Some(userinfo) = url_userinfo(url) {
            if let Some((_, password)) = userinfo.split_once(':') {
                secrets.push(password.to_string());
            }
            secrets.push(userinfo);
        }
    }
    Redactor::new(secrets)
}

/// `--jobs N` fixes the cases in flight; without it they are learnt, up to `--max-jobs`.
fn concurrency_mode(args: &RunArgs) -> ConcurrencyMode {
    match args.jobs {
        Some(n) => ConcurrencyMode::Fixed(n as usize),
        None => ConcurrencyMode::Adaptive {
            initial: DEFAULT_JOBS as usize,
            max: args.max_jobs as usize,
        },
    }
}

/// The run's flags as report.json records them, secrets redacted.
pub(super) fn options_json(args: &RunArgs, redactor: &Redactor) -> serde_json::Value {
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let mut options = json!({
        "target": args.target.as_ref().map(|t| redactor.text(t)),
        "cases": path(&args.cases.cases),
        "report_dir": args.out.report_dir.display().to_string(),
        "jobs": args.jobs,
        "max_jobs": args.max_jobs,
    });
    let Some(map) = options.as_object_mut() else {
        return options;
    };
    map.extend(request_json(&args.limits, &args.access, redactor));
    map.extend(object(json!({
        "filter": args.select.filter,
        "exact": args.select.exact,
        "partition": args.select.partition.map(|p| format!("hash:{}/{}", p.index, p.count)),
        "baseline": path(&args.reports.baseline),
        "write_baseline": path(&args.reports.write_baseline),
        "fail_on": spelled(&args.fail_on),
        "fail_fast": args.fail_fast,
        "color": spelled(&args.color),
        "transcripts": spelled(&args.reports.transcripts),
        "report": formats_json(&args.reports.written),
    })));
    map.extend(transport_json(&args.transport, redactor));
    map.insert("rerun_failed".into(), json!(path(&args.rerun_failed)));
    map.extend(throttle_json(&args.throttle));
    map.extend(object(json!({
        "message_format": spelled(&args.settings.message_format),
        "verbose": args.reports.verbose,
        "quiet": args.reports.quiet,
    })));
    options
}
