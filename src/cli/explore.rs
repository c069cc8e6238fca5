//! `explore`: check the report files → prepare the target as `run` does (the embedded reference
//! when none is given) → probe → preflight → explore within the budget, findings of earlier
//! explorations of this target replayed first → keep each finding, save it as a case when asked →
//! reports (written whatever happened, signals included) → exit code.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;

use crate::exit::Exit;
use crate::explore::drive::{explore as drive, Budget, Exploration, Options, Progress};
use crate::explore::gen::Limits;
use crate::explore::program::Caller;
use crate::explore::report::{cases, Ended};
use crate::explore::{db, save, story};
use crate::reference;
use crate::report::{Baseline, EventStream, Redactor, ReportSet, RunInfo, SuiteInfo, Transcripts};
use crate::run::{preflight, probe, Environment, Outcome, RunContext};
use crate::verdict::FailOn;
use crate::{errln, outln};

use super::common::{load_cases, prepare_target, run_finished, run_started, Started};
use super::embedded::{target_or_embedded, two_thread_runtime};
use super::reporting::{
    formats_json, report_options, request_json, spelled, throttle_json, transport_json,
};
use super::run::connection;
use super::signals::Signals;
use super::{CasesArgs, ExploreArgs};

/// How long the embedded reference keeps a session or handle nobody touches: programs are done
/// with theirs within milliseconds, so this only bounds the memory of a long exploration.
const FORGET_IDLE: std::time::Duration = std::time::Duration::from_secs(5);

pub fn explore(args: ExploreArgs) -> Exit {
    let start = Started::now(&args.settings);
    // The catalog names the world the preflight checks; exploring runs no case of it.
    let set = match load_cases(&CasesArgs { cases: None }) {
        Ok(s) => s,
        Err(exit) => return exit,
    };
    let seed = args.seed.unwrap_or_else(|| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&uuid::Uuid::new_v4().as_bytes()[..8]);
        u64::from_le_bytes(bytes)
    });
    let fail_on = FailOn::from(args.fail_on);
    let transcripts = Transcripts::from(args.transcripts);
    let report_options = report_options(&args.out, &args.written, transcripts, fail_on, None);
    if let Err(e) = report_options.check() {
        errln!("error: {e}");
        return Exit::Usage;
    }
    let env = Environment::from_process_or(&args.settings.configured.world);
    let config = reference::Config {
        forget_idle: Some(FORGET_IDLE),
        ..reference::Config::default()
    };
    let target = match target_or_embedded(args.target.as_ref(), config) {
        Ok(t) => t,
        Err(exit) => return exit,
    };
    let client = connection(&args.limits, &args.transport, &args.throttle);
    let known = (&args.target, &args.transport.proxy);
    let Some(prepared) = prepare_target(&set, &env, target, known, &args.access, client) else {
        return Exit::Usage;
    };
    let ctx = prepared.ctx.clone();
    let redactor = ctx.redactor.clone();
    let mut reports = match ReportSet::create(report_options, redactor.clone(), Baseline::default())
    {
        Ok(r) => r,
        Err(e) => {
            errln!("error: {}", redactor.text(&e.to_string()));
            return Exit::Usage;
        }
    };
    let target_label = redactor.text(&prepared.target_label);
    let mut stream = start
        .json_events
        .then(|| EventStream::stdout(redactor.clone(), fail_on));
    let callers: Vec<Caller> = [Caller::A, Caller::B]
        .into_iter()
        .filter(|c| {
            ctx.identities
                .get(c.name())
                .is_some_and(|i| i.authorization.is_some())
        })
        .collect();
    // Findings are kept by target; the embedded reference's port changes every run.
    let db_key = if prepared.embedded {
        "embedded".to_string()
    } else {
        target_label.clone()
    };
    let kept = if args.no_replay {
        Vec::new()
    } else {
        db::load(&db_key)
    };
    let options = Options {
        seed,
        budget: args.budget,
        jobs: args.jobs as usize,
        limits: Limits {
            callers,
            ..Limits::default()
        },
        replay: kept.iter().map(|k| k.program.clone()).collect(),
        max_findings: 10,
    };
    let runtime = match two_thread_runtime() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("error: failed to start the runtime: {e}");
            return Exit::Usage;
        }
    };
    let budget = match args.budget {
        Budget::Time(t) => format!("{}", humantime::format_duration(t)),
        Budget::Programs(n) => format!("{n} programs"),
    };
    let said = Said {
        quiet: args.quiet,
        verbose: args.verbose,
        progress: !args.quiet && std::io::stdout().is_terminal(),
        redactor: &redactor,
    };
    let outcome = runtime.block_on(async {
        let signals = Signals::listen(ctx.interrupt.clone())?;
        if !said.quiet {
            outln!(
                "mpsd-conformance {}: exploring {} with seed {seed} for {budget}{}",
                env!("CARGO_PKG_VERSION"),
                if prepared.embedded {
                    format!("the embedded reference ({})", ctx.base_url)
                } else {
                    target_label.clone()
                },
                if kept.is_empty() {
                    String::new()
                } else {
                    format!(", {} kept finding(s) first", kept.len())
                }
            );
        }
        if let Some(stream) = &mut stream {
            let started = run_started(
                "explore",
                &set,
                0,
                &target_label,
                &prepared,
                &args.settings.configured,
            );
            stream.run_started(&started);
        }
        let ready = tokio::select! {
            biased;
            _ = signals.first_signal() => Err((Outcome::Interrupted, "interrupted before exploring".to_string())),
            r = ready(&ctx, &set.cases) => r.map_err(|e| {
                let why = format!("target {target_label} cannot be explored: {e}");
                errln!("error: {}", redactor.text(&why));
                (Outcome::Error, why)
            }),
        };
        if let Err((outcome, why)) = ready {
            return Ok((Err((outcome, why)), signals));
        }
        let mut on = |p: Progress<'_>, so_far: &Exploration| said.progress(p, so_far);
        let exploration = drive(Arc::clone(&ctx), &options, &mut on).await;
        if said.progress {
            eprintln!();
        }
        Ok::<_, std::io::Error>((Ok(exploration), signals))
    });
    let (explored, signals) = match outcome {
        Ok(x) => x,
        Err(e) => {
            errln!("error: failed to listen for Ctrl-C and SIGTERM: {e}");
            return Exit::Usage;
        }
    };
    // Findings are kept for this target, and saved as cases when asked; kept ones that pass
    // now are let go.
    let mut saved: Vec<Option<PathBuf>> = Vec::new();
    if let Ok(exploration) = &explored {
        for i in &exploration.replays_passed {
            if let Some(k) = kept.get(*i) {
                db::forget(k);
            }
        }
        for finding in &exploration.findings {
            if let Err(e) = db::keep(&db_key, &finding.program) {
                errln!("warning: the finding could not be kept for the next exploration: {e}");
            }
            let path = match &args.save {
                Some(dir) => match runtime.block_on(save::save(&ctx, &env, finding, dir, seed)) {
                    Ok(path) => Some(path),
                    Err(why) => {
                        errln!(
                            "warning: [{}] not saved as a case: {}",
                            finding.rule,
                            redactor.text(&why)
                        );
                        None
                    }
                },
                None => None,
            };
            saved.push(path);
        }
    }
    let ended = match &explored {
        Ok(exploration) => Ended::Explored(exploration),
        Err((outcome, why)) => Ended::NotStarted {
            outcome: *outcome,
            why: why.clone(),
        },
    };
    for case in cases(&ctx, &ended, &saved, seed) {
        if let Some(stream) = &mut stream {
            stream.case_finished(&case.result);
        }
        let mut report = crate::report::CaseReport::from_result(
            &case.result,
            fail_on,
            None,
            transcripts.keeps(case.result.verdict(fail_on)),
            &redactor,
        );
        report.story = case.story.map(|s| redactor.text(&s));
        report.saved_as = case
            .saved_as
            .map(|p| redactor.text(&p.display().to_string()));
        reports.case(&report);
    }
    let mut info = RunInfo::new(
        target_label,
        prepared.embedded,
        SuiteInfo::new(set.case_count(), &set.fingerprint, &set.files),
        options_json(&args, seed, &redactor),
        start.started_at,
    );
    info.profile = args.settings.configured.profile.clone();
    info.duration_ms = start.clock.elapsed().as_millis() as u64;
    let written = reports.finish(info);
    for e in &written.errors {
        errln!("error: {}", redactor.text(&e.to_string()));
    }
    drop(prepared);
    if let Ok(e) = &explored {
        outln!(
            "{} operations, {} programs, {} finding(s), {} could not be judged in {:.2}s (seed {seed})",
            e.operations,
            e.programs,
            e.findings.len(),
            e.errored,
            start.clock.elapsed().as_secs_f64()
        );
    }
    if !args.quiet {
        for path in written.paths.iter().chain(saved.iter().flatten()) {
            outln!("  wrote {}", path.display());
        }
    }
    let exit = match signals.received().first {
        Some(signal) => signal.exit(),
        None if !written.errors.is_empty() => Exit::Usage,
        None => Exit::of_run(written.summary.conclusion()),
    };
    run_finished(stream, &written.summary, exit, start.clock)
}

/// The target answers, and has the world the callers need.
async fn ready(
    ctx: &RunContext,
    cases: &[Arc<crate::plan::CasePlan>],
) -> Result<(), Box<dyn std::error::Error>> {
    probe(ctx).await?;
    preflight(ctx, cases).await?;
    Ok(())
}

/// What the console says as the exploration goes.
struct Said<'a> {
    quiet: bool,
    verbose: u8,
    /// A progress line on a terminal.
    progress: bool,
    redactor: &'a Redactor,
}

impl Said<'_> {
    fn progress(&self, p: Progress<'_>, so_far: &Exploration) {
        match p {
            Progress::Program {
                origin,
                program,
                executed,
            } if self.verbose > 0 => {
                outln!(
                    "{}: {} steps, {} operations, {:?}",
                    crate::explore::report::finding_id(origin),
                    program.steps.len(),
                    executed.operations,
                    executed.ending
                );
                if self.verbose > 1 {
                    outln!("{}", self.redactor.text(&story::story(executed)));
                }
            }
            Progress::Program { .. } if self.progress => {
                eprint!(
                    "\r{} operations, {} programs, {} findings",
                    so_far.operations,
                    so_far.programs,
                    so_far.findings.len()
                );
            }
            Progress::Finding(f) if !self.quiet => {
                if self.progress {
                    eprintln!();
                }
                outln!(
                    "FINDING [{}] shrunk to {} step(s) in {} runs:",
                    f.rule,
                    f.program.steps.len(),
                    f.shrink_runs
                );
                outln!("{}", self.redactor.text(&story::story(&f.executed)));
            }
            _ => {}
        }
    }
}

/// The flags as report.json records them, secrets redacted.
fn options_json(args: &ExploreArgs, seed: u64, redactor: &Redactor) -> serde_json::Value {
    let mut options = json!({
        "command": "explore",
        "target": args.target.as_ref().map(|t| redactor.text(t)),
        "seed": seed,
        "budget": match args.budget {
            Budget::Time(t) => humantime::format_duration(t).to_string(),
            Budget::Programs(n) => n.to_string(),
        },
        "jobs": args.jobs,
        "save": args.save.as_ref().map(|p| p.display().to_string()),
        "no_replay": args.no_replay,
        "report_dir": args.out.report_dir.display().to_string(),
    });
    if let Some(map) = options.as_object_mut() {
        map.extend(request_json(&args.limits, &args.access, redactor));
        map.insert("fail_on".into(), json!(spelled(&args.fail_on)));
        map.insert("transcripts".into(), json!(spelled(&args.transcripts)));
        map.insert("report".into(), formats_json(&args.written));
        map.extend(transport_json(&args.transport, redactor));
        map.extend(throttle_json(&args.throttle));
    }
    options
}
