//! `run`: load → select → prepare the target → probe → run → report → exit code.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::exit::Exit;
use crate::http::{ClientIdentity, ClientOptions, ProxyChoice, TlsOptions};
use crate::plan::{expand, CaseInstance};
use crate::report::{prepare_dir, write_reports, Console, Redactor, RunInfo, REDACTED};
use crate::run::{
    exit_code, not_run, prepare, probe, run_cases, url_userinfo, CaseResult, Environment, FailOn,
    Outcome, PrepareOptions, RunnerOptions, Summary,
};
use crate::{errln, outln};

use super::common::load_cases;
use super::rerun::failed_ids;
use super::select::select;
use super::signals::Signals;
use super::{ColorArg, FailOnArg, RunArgs, TransportArgs};

pub fn run(args: RunArgs) -> Exit {
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let clock = Instant::now();
    let set = match load_cases(&args.cases) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let rerun = match rerun_ids(&args, &set) {
        Ok(Some(ids)) => Some(ids),
        Ok(None) => None,
        Err(exit) => return exit,
    };
    let cases = match select(&set, &args.select, rerun.as_ref()) {
        Ok(c) => c,
        Err(e) => {
            errln!("error: {e}");
            return Exit::Usage;
        }
    };
    if let Err(e) = prepare_dir(&args.report_dir) {
        errln!("error: {e}");
        return Exit::Usage;
    }
    let env = Environment::from_process();
    let fail_on = match args.fail_on {
        FailOnArg::Must => FailOn::Must,
        FailOnArg::Should => FailOn::Should,
    };
    if args.transport.insecure {
        errln!(
            "warning: --insecure: the target's TLS certificate is NOT checked; anyone on the path \
             can read and change this run's traffic, and the run proves nothing about the \
             server's TLS"
        );
    }
    let prepared = match prepare(
        &set,
        &env,
        PrepareOptions {
            target: args.target.clone(),
            headers: args.header.clone(),
            secrets: args.secret.clone(),
            client: client_options(&args),
        },
    ) {
        Ok(p) => p,
        Err(e) => {
            errln!(
                "error: {}",
                early_redactor(&args, &env).text(&e.to_string())
            );
            return Exit::Usage;
        }
    };
    let ctx = prepared.ctx.clone();
    let redactor = Redactor::new(prepared.secrets.iter().cloned().chain(ctx.client.secrets()));
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

    let ran = runtime.block_on(async {
        // Listening starts before the first line, so a signal sent after it is always handled.
        let signals = Signals::listen(ctx.interrupted.clone())?;
        outln!("{header}");
        if !cases.is_empty() {
            let probed = tokio::select! {
                biased;
                _ = signals.first_signal() => None,
                r = probe(&ctx.client, &ctx.base_url, &ctx.headers) => Some(r),
            };
            match probed {
                None => {
                    let results = all(
                        &cases,
                        Outcome::Interrupted,
                        "interrupted before the case started",
                    );
                    return Ok((results, None, signals));
                }
                Some(Err(e)) => {
                    let message = format!("target {target_label} cannot be tested: {e}");
                    errln!("error: {}", redactor.text(&message));
                    return Ok((all(&cases, Outcome::Error, &message), None, signals));
                }
                Some(Ok(())) => {}
            }
        }
        let mut console = Console::new(redactor.clone(), color, fail_on);
        let options = RunnerOptions {
            jobs: args.jobs as usize,
            fail_fast: args.fail_fast,
            fail_on,
        };
        let results = run_cases(ctx.clone(), cases, &options, &mut console).await;
        Ok::<_, std::io::Error>((results, Some(console), signals))
    });
    let (results, console, signals) = match ran {
        Ok(r) => r,
        Err(e) => {
            errln!("error: failed to listen for Ctrl-C and SIGTERM: {e}");
            return Exit::Usage;
        }
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
    };
    let mut write_failed = false;
    match write_reports(&args.report_dir, &info, &results, &redactor) {
        Ok(paths) => {
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            errln!("reports: {}", shown.join(", "));
        }
        Err(e) => {
            errln!("error: {e}");
            write_failed = true;
        }
    }
    match console {
        Some(mut c) => c.finish(&results),
        None => outln!("{}", Summary::of(&results, fail_on).line()),
    }
    drop(prepared);
    // The first signal decides, even one that came while the reports were written.
    let code = match signals.received().first {
        Some(signal) => signal.exit(),
        None => exit_code(&results, fail_on),
    };
    if write_failed && code == Exit::Ok {
        return Exit::Usage;
    }
    code
}

/// The ids `--rerun-failed` names; `Err` ends the run (a bad report, or nothing to rerun).
fn rerun_ids(args: &RunArgs, set: &crate::case::CaseSet) -> Result<Option<BTreeSet<String>>, Exit> {
    let Some(path) = &args.rerun_failed else {
        return Ok(None);
    };
    let ids = failed_ids(path).map_err(|e| {
        errln!("error: {e}");
        Exit::Usage
    })?;
    let known: BTreeSet<String> = expand(set).into_iter().map(|c| c.id).collect();
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
fn all(cases: &[CaseInstance], outcome: Outcome, message: &str) -> Vec<CaseResult> {
    cases.iter().map(|c| not_run(c, outcome, message)).collect()
}

fn client_options(args: &RunArgs) -> ClientOptions {
    let t = &args.transport;
    ClientOptions {
        timeout: Duration::from_secs_f64(args.timeout),
        max_body: args.max_body,
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
    }
}

/// Redacts what is known before the run is prepared: the callers' tokens, `--secret`s, the
/// target's and the proxy's userinfo.
fn early_redactor(args: &RunArgs, env: &Environment) -> Redactor {
    let mut secrets = env.secrets();
    secrets.extend(args.secret.iter().cloned());
    for url in [&args.target, &args.transport.proxy].into_iter().flatten() {
        if let Some(userinfo) = url_userinfo(url) {
            if let Some((_, password)) = userinfo.split_once(':') {
                secrets.push(password.to_string());
            }
            secrets.push(userinfo);
        }
    }
    Redactor::new(secrets)
}

/// The run's flags as report.json records them, secrets redacted.
fn options_json(args: &RunArgs, redactor: &Redactor) -> serde_json::Value {
    let path = |p: &Option<std::path::PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let TransportArgs {
        proxy,
        no_proxy,
        cacert,
        insecure,
        client_cert,
        client_key,
    } = &args.transport;
    json!({
        "target": args.target.as_ref().map(|t| redactor.text(t)),
        "cases": path(&args.cases.cases),
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
        "proxy": proxy.as_ref().map(|p| redactor.text(p)),
        "no_proxy": no_proxy,
        "cacert": path(cacert),
        "insecure": insecure,
        "client_cert": path(client_cert),
        "client_key": path(client_key),
        "rerun_failed": path(&args.rerun_failed),
    })
}
