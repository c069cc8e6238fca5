//! The harness's memory against a target that answers megabytes: the whole catalog against
//! `serve --pad-answers BYTES` (every JSON answer with that much trailing whitespace: the same
//! documents, made big), run by the real binary as its own process.
//!
//! `cargo bench --bench big_answers -- [--pad MIB] [--jobs N] [--binary PATH] [--catalog DIR]`
//!
//! Prints the run's wall time, its outcome counts and its peak RSS (wait4), which must stay
//! under 200 MiB whatever the target sends (up to `--max-body`, 8 MiB by default). The default
//! pad, 7.5 MiB, is the largest a default run accepts. `--binary` runs another build on the same
//! server, for a before/after (an older one may need `--catalog` pointing at its own `cases/`).

#[path = "support/process.rs"]
mod process;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use process::{load_average, measure, start_server, ServerGuard};

/// The peak RSS the issue allows the harness, whatever the target sends.
const RSS_LIMIT_MIB: f64 = 200.0;

struct Options {
    pad_mib: f64,
    jobs: usize,
    binary: PathBuf,
    catalog: PathBuf,
}

fn main() {
    match options().and_then(|o| bench(&o)) {
        Ok(()) => {}
        Err(e) => {
            eprintln!("big_answers: {e}");
            std::process::exit(1);
        }
    }
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        pad_mib: 7.5,
        jobs: 8,
        binary: PathBuf::from(env!("CARGO_BIN_EXE_mpsd-conformance")),
        catalog: Path::new(env!("CARGO_MANIFEST_DIR")).join("cases"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--pad" => {
                let v = value("--pad")?;
                o.pad_mib = v
                    .parse()
                    .map_err(|_| format!("--pad takes MiB, got {v:?}"))?;
            }
            "--jobs" => {
                let v = value("--jobs")?;
                o.jobs = v
                    .parse()
                    .map_err(|_| format!("--jobs takes a number, got {v:?}"))?;
            }
            "--binary" => o.binary = PathBuf::from(value("--binary")?),
            "--catalog" => o.catalog = PathBuf::from(value("--catalog")?),
            // `cargo bench` passes this to every bench target.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(o)
}

fn bench(o: &Options) -> Result<(), String> {
    let pad = (o.pad_mib * 1024.0 * 1024.0) as u64;
    let server_binary = Path::new(env!("CARGO_BIN_EXE_mpsd-conformance"));
    let (child, target) = start_server(server_binary, &["--pad-answers", &pad.to_string()])?;
    let _server = ServerGuard(child);
    let reports = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    println!(
        "big_answers: the catalog, every JSON answer padded by {:.1} MiB, --jobs {}, against {target}",
        o.pad_mib, o.jobs
    );
    println!("harness: {}", o.binary.display());
    println!("load average before: {}", load_average());
    let mut run = Command::new(&o.binary);
    run.args(["run", "--cases"])
        .arg(&o.catalog)
        .args(["--target", &target, "--jobs", &o.jobs.to_string()])
        .arg("--report-dir")
        .arg(reports.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let measured = measure(run)?;
    let summary = std::fs::read(reports.path().join("report.json"))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .map(|report| {
            let count = |k: &str| report["summary"][k].as_u64().unwrap_or(0);
            format!(
                "{} passed, {} failed, {} errored, {} skipped",
                count("passed"),
                count("failed"),
                count("errored"),
                count("skipped")
            )
        })
        .unwrap_or_else(|| "no report.json".into());
    let rss_mib = measured.max_rss_kib as f64 / 1024.0;
    println!(
        "run: exit {}, {:.2} s, peak RSS {rss_mib:.1} MiB; {summary}",
        measured.exit,
        measured.wall.as_secs_f64(),
    );
    println!("load average after: {}", load_average());
    if measured.exit != 0 {
        return Err(format!(
            "the run exited {} (padding changes no document: every case must pass):\n{}",
            measured.exit, measured.stderr
        ));
    }
    if rss_mib > RSS_LIMIT_MIB {
        return Err(format!(
            "peak RSS {rss_mib:.1} MiB is over the {RSS_LIMIT_MIB} MiB limit"
        ));
    }
    Ok(())
}
