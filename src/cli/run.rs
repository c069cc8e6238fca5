//! `run`: load → select → check the report files → prepare the target → probe → run, the
//! console and the report files fed as cases finish → write → exit code.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use crate::http::ClientOptions;
use crate::plan::{expand, CaseInstance, Selection};
use crate::report::{
    secret_header, Baseline, Console, FileInfo, Format, Redactor, ReportOptions, ReportSet,
    RunInfo, SuiteInfo, Transcripts, Verbosity, REDACTED,
};
use crate::run::{
    prepare, probe, run_cases, CaseResult, Environment, FailOn, Outcome, PrepareOptions,
    RunnerOptions,
};

use super::common::load_cases;
use super::{exit, ColorArg, FailOnArg, RunArgs, TranscriptsArg};

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
    let known: BTreeSet<String> = all.iter().map(|c| c.id.clone()).collect();
    let cases = selection.apply(all);
    if cases.is_empty() && args.select.partition.is_none() {
        eprintln!(
            "error: no case matches the selection (--filter {:?})",
            args.select.filter
        );
        return exit::USAGE;
    }
    let fail_on = match args.fail_on {
        FailOnArg::Must => FailOn::Must,
        FailOnArg::Should => FailOn::Should,
    };
    // Every file this run will write is checked before anything is sent.
    let report_options = report_options(&args, fail_on);
    if let Err(e) = report_options.check() {
        eprintln!("error: {e}");
        return exit::USAGE;
    }
    let baseline = match &args.reports.baseline {
        Some(path) => match Baseline::load(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        },
        None => Baseline::default(),
    };
    for id in baseline.stale(|id| known.contains(id)) {
        eprintln!("warning: the baseline lists `{id}`, which is no case of this set");
    }
    let env = Environment::from_process();
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
    let ctx = prepared.ctx.clone();
    let redactor = redactor(&args, &prepared.secrets, &ctx.identities);
    let mut reports = match ReportSet::create(report_options, redactor.clone(), baseline.clone()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {}", redactor.text(&e.to_string()));
            return exit::USAGE;
        }
    };
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let verbosity = match (args.reports.quiet, args.reports.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, 0) => Verbosity::Normal,
        (false, 1) => Verbosity::Verbose,
        (false, _) => Verbosity::VeryVerbose,
    };
    let mut console = Console::new(redactor.clone(), color, fail_on, verbosity);
    console.set_details_at(details_path(&args));
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
    let target_label = redactor.text(&prepared.target_label);
    if verbosity > Verbosity::Quiet {
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
    }

    runtime.block_on(async {
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
                // The reports record every case; the console has said it once.
                for result in unreachable(&cases, &message) {
                    console.count_only(&result);
                    reports.result(&result);
                }
                return;
            }
        }
        let mut sinks = (&mut console, &mut reports);
        let options = RunnerOptions {
            jobs: args.jobs as usize,
            fail_fast: args.fail_fast,
            fail_on,
            baseline: Arc::new(baseline.ids()),
        };
        // The results come back too, but everything is already in the reporters: this run has
        // no use for them.
        drop(run_cases(ctx.clone(), cases, &options, &mut sinks).await);
    });

    console.clear_progress();
    let mut info = RunInfo::new(
        target_label,
        prepared.embedded,
        SuiteInfo {
            cases: set.case_count(),
            fingerprint: set.fingerprint.clone(),
            files: set
                .files
                .iter()
                .map(|(path, sha256)| FileInfo {
                    path: path.clone(),
                    sha256: sha256.clone(),
                })
                .collect(),
        },
        options_json(&args, &redactor),
        started_at,
    );
    info.duration_ms = clock.elapsed().as_millis() as u64;
    let written = reports.finish(info);
    for e in &written.errors {
        eprintln!("error: {}", redactor.text(&e.to_string()));
    }
    console.finish(&written.paths, clock.elapsed());
    drop(prepared);
    let summary = console.summary();
    match summary.exit_code() {
        130 => 130,
        _ if !written.errors.is_empty() => exit::USAGE,
        _ if args.reports.write_baseline.is_some() => exit::OK,
        code => code,
    }
}

fn report_options(args: &RunArgs, fail_on: FailOn) -> ReportOptions {
    let mut formats: Vec<Format> = args.reports.formats.iter().map(|f| f.0).collect();
    formats.sort();
    formats.dedup();
    ReportOptions {
        dir: args.report_dir.clone(),
        formats,
        fragment_name: None,
        transcripts: match args.reports.transcripts {
            TranscriptsArg::Failures => Transcripts::Failures,
            TranscriptsArg::All => Transcripts::All,
            TranscriptsArg::None => Transcripts::None,
        },
        fail_on,
        write_baseline: args.reports.write_baseline.clone(),
        step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from),
    }
}

/// The report a console failure points at: the page, else the Markdown, else the JSON.
fn details_path(args: &RunArgs) -> Option<PathBuf> {
    [Format::Html, Format::Md, Format::Json]
        .into_iter()
        .find(|f| args.reports.formats.iter().any(|a| a.0 == *f))
        .map(|f| args.report_dir.join(f.file_name()))
}

/// Every secret of the run: the prepared ones (Authorization values, `--secret`, userinfo) and
/// the value of every `--header` whose name marks it secret; callers' values are named for
/// `curl` commands.
fn redactor(
    args: &RunArgs,
    secrets: &[String],
    identities: &std::collections::BTreeMap<String, crate::run::Identity>,
) -> Redactor {
    let mut values = secrets.to_vec();
    values.extend(
        args.header
            .iter()
            .filter(|(name, _)| secret_header(name))
            .map(|(_, value)| value.clone()),
    );
    // A target's userinfo goes out as `Authorization: Basic <base64>`: that form is secret too.
    if let Some(userinfo) = args.target.as_deref().and_then(crate::run::url_userinfo) {
        use base64::Engine;
        let decoded = percent_decoded(&userinfo);
        values.push(base64::engine::general_purpose::STANDARD.encode(decoded.as_bytes()));
    }
    let mut redactor = Redactor::new(values);
    for (name, identity) in identities {
        if let Some(auth) = &identity.authorization {
            redactor = redactor.with_caller(name, auth);
        }
    }
    redactor
}

/// `%XX` escapes decoded, as a URL's userinfo is before it is sent.
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
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
        "baseline": path(&args.reports.baseline),
        "write_baseline": path(&args.reports.write_baseline),
        "fail_on": match args.fail_on { FailOnArg::Must => "must", FailOnArg::Should => "should" },
        "fail_fast": args.fail_fast,
        "color": match args.color { ColorArg::Auto => "auto", ColorArg::Always => "always", ColorArg::Never => "never" },
        "transcripts": match args.reports.transcripts { TranscriptsArg::Failures => "failures", TranscriptsArg::All => "all", TranscriptsArg::None => "none" },
        "report": args.reports.formats.iter().map(|f| f.to_string()).collect::<Vec<_>>(),
    })
}
