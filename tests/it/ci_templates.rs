//! The CI templates in `ci/`: the GitHub composite action, the sharded GitHub workflow and the
//! GitLab pipeline. They parse; every `mpsd-conformance` command and flag they use exists in the
//! binary; and their shell steps run here, as a runner would run them, against the embedded
//! reference: the action's outputs, summary and artifact come out right, and the catalog
//! sharded over the workflow's matrix (or GitLab's `parallel:`) and merged is the unsharded run.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::actions::{load_yaml, pairs, scalar, Contexts, Runner, Steps};
use crate::common::shell_commands::{help_lists, invocations, Invocation};
use crate::common::{case_dir, isolated, GOOD_CASE};

const BIN: &str = env!("CARGO_BIN_EXE_mpsd-conformance-tested");

/// Flags a colleague adds in parallel (issue 16's profiles). The action passes `--profile` only
/// when the input is set, and checks `run --help` for it first.
const ADDED_IN_PARALLEL: &[&str] = &["--profile"];

/// The hand-written areas, about 300 cases: the whole catalog takes nearly a minute per run in
/// a debug build, and these tests run it five times over (four shards and the whole).
const SELECTION: &str =
    "--filter auth/ --filter body/ --filter handle-id/ --filter outcomes/ --filter precedence/ --filter preconditions/";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn action_dir() -> PathBuf {
    repo().join("ci/github")
}

fn workflow() -> yaml_rust2::Yaml {
    load_yaml(&repo().join("ci/github/conformance.yml"))
}

fn gitlab() -> yaml_rust2::Yaml {
    load_yaml(&repo().join("ci/gitlab/conformance.gitlab-ci.yml"))
}

/// This machine's PATH without any folder that holds an installed `mpsd-conformance`.
fn path_without_the_binary() -> String {
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|dir| !dir.is_empty() && !Path::new(dir).join("mpsd-conformance").exists())
        .collect::<Vec<_>>()
        .join(":")
}

/// A PATH on which `mpsd-conformance` is the binary under test (an image that ships it).
fn path_with_the_binary(root: &Path) -> String {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    let link = bin.join("mpsd-conformance");
    if !link.exists() {
        std::os::unix::fs::symlink(BIN, &link).expect("symlink");
    }
    format!("{}:{}", bin.display(), path_without_the_binary())
}

fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("JSON")
}

/// The verdict of each case of a report.json.
fn outcomes(report: &serde_json::Value) -> BTreeMap<String, String> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_string(),
                c["outcome"].to_string(),
            )
        })
        .collect()
}

/// The same cases with the same verdicts; else the first few that differ.
fn assert_same_outcomes(merged: &serde_json::Value, unsharded: &serde_json::Value) {
    let (merged, unsharded) = (outcomes(merged), outcomes(unsharded));
    let differing: Vec<String> = merged
        .keys()
        .chain(unsharded.keys())
        .filter(|id| merged.get(*id) != unsharded.get(*id))
        .take(10)
        .map(|id| {
            format!(
                "{id}: merged {:?}, unsharded {:?}",
                merged.get(id),
                unsharded.get(id)
            )
        })
        .collect();
    assert!(
        differing.is_empty(),
        "the merge differs from the unsharded run:\n{}",
        differing.join("\n")
    );
}

fn counts(report: &serde_json::Value) -> serde_json::Value {
    let mut summary = report["summary"].clone();
    // Requests sent again after throttling: how often, not what was judged.
    summary.as_object_mut().expect("summary").remove("retries");
    summary
}

/// That `steps` failed first at `step` with `code`, having printed each of `said`.
fn assert_failed_at(steps: &Steps, step: &str, code: i32, said: &[&str]) {
    assert_eq!(
        steps.failed,
        Some((step.to_string(), code)),
        "{}",
        steps.log
    );
    for text in said {
        assert!(steps.log.contains(text), "no {text:?} in:\n{}", steps.log);
    }
}

fn failed(steps: &Steps) -> String {
    format!("failed: {:?}\n{}", steps.failed, steps.log)
}

/// Every shell script of a template: `run:` of each step (GitHub), `before_script`, `script`
/// and `after_script` of each job (GitLab).
fn scripts(template: &yaml_rust2::Yaml) -> Vec<String> {
    let mut found = Vec::new();
    collect_scripts(template, &mut found);
    found
}

fn collect_scripts(node: &yaml_rust2::Yaml, found: &mut Vec<String>) {
    use yaml_rust2::Yaml;
    match node {
        Yaml::Hash(hash) => {
            for (key, value) in hash {
                match (key.as_str(), value) {
                    (Some("run"), Yaml::String(script)) => found.push(script.clone()),
                    (Some("before_script" | "script" | "after_script"), Yaml::Array(lines)) => {
                        found.extend(lines.iter().map(scalar))
                    }
                    _ => collect_scripts(value, found),
                }
            }
        }
        Yaml::Array(items) => items.iter().for_each(|i| collect_scripts(i, found)),
        _ => {}
    }
}

#[test]
fn the_templates_parse_into_the_shape_their_runners_read() {
    let action = load_yaml(&action_dir().join("action.yml"));
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for output in ["passed", "failed", "errored", "skipped", "exit-code"] {
        assert!(
            action["outputs"][output]["value"].as_str().is_some(),
            "the action's output {output}"
        );
    }
    let workflow = workflow();
    let matrix = &workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"];
    let shards: Vec<String> = matrix
        .as_vec()
        .expect("a matrix")
        .iter()
        .map(scalar)
        .collect();
    assert_eq!(shards, ["1", "2", "3", "4"]);
    assert_eq!(workflow["jobs"]["merge"]["needs"].as_str(), Some("shard"));
    let gitlab = gitlab();
    assert_eq!(gitlab["conformance"]["parallel"].as_i64(), Some(4));
    assert!(gitlab["conformance"]["artifacts"]["reports"]["junit"]
        .as_str()
        .is_some_and(|p| p.ends_with("junit.xml")));
    assert_eq!(
        gitlab["conformance"]["artifacts"]["when"].as_str(),
        Some("always")
    );
    let needs = &gitlab["conformance-merge"]["needs"][0]["job"];
    assert_eq!(needs.as_str(), Some("conformance"));
    assert_eq!(gitlab["conformance-merge"]["when"].as_str(), Some("always"));
}

#[test]
fn every_command_and_flag_the_templates_use_exists() {
    let mut helps: HashMap<Vec<String>, String> = HashMap::new();
    let mut checked = Vec::new();
    for (file, template) in [
        (
            "ci/github/action.yml",
            load_yaml(&action_dir().join("action.yml")),
        ),
        ("ci/github/conformance.yml", workflow()),
        ("ci/gitlab/conformance.gitlab-ci.yml", gitlab()),
    ] {
        let found: Vec<Invocation> = scripts(&template)
            .iter()
            .flat_map(|s| invocations(s))
            .collect();
        assert!(
            !found.is_empty(),
            "{file}: no mpsd-conformance command found"
        );
        for invocation in found {
            let help = helps
                .entry(invocation.subcommands.clone())
                .or_insert_with(|| {
                    let out = Command::new(BIN)
                        .args(&invocation.subcommands)
                        .arg("--help")
                        .output()
                        .expect("the binary runs");
                    assert!(
                        out.status.success(),
                        "{file}: `mpsd-conformance {}` is no command: {}",
                        invocation.subcommands.join(" "),
                        String::from_utf8_lossy(&out.stderr)
                    );
                    String::from_utf8_lossy(&out.stdout).to_string()
                });
            for flag in &invocation.flags {
                assert!(
                    help_lists(help, flag) || ADDED_IN_PARALLEL.contains(&flag.as_str()),
                    "{file}: `{}` has no {flag}",
                    invocation.text
                );
            }
            checked.push(invocation.subcommands.join(" "));
        }
    }
    for command in ["run", "report merge"] {
        assert!(
            checked.iter().any(|c| c == command),
            "no `{command}` found in {checked:?}"
        );
    }
}

#[test]
fn the_action_installs_with_cargo_when_no_binary_is_there() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let fake = tmp.path().join("fake-bin");
    std::fs::create_dir_all(&fake).expect("mkdir");
    // A `cargo` that records its arguments and installs the binary under test.
    std::fs::write(
        fake.join("cargo"),
        "#!/bin/bash\nprintf '%s\\n' \"$*\" >> \"$CARGO_LOG\"\n\
         while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=\"$2\"; shift; done\n\
         mkdir -p \"$root/bin\" && ln -s \"$REAL_BIN\" \"$root/bin/mpsd-conformance\"\n",
    )
    .expect("fake cargo");
    std::fs::set_permissions(
        fake.join("cargo"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let path = format!("{}:{}", fake.display(), path_without_the_binary());
    let log = tmp.path().join("cargo.log");

    for (name, with, expected_cargo, key_prefix) in [
        (
            "source",
            vec![],
            format!("--path {}", repo().display()),
            "mpsd-conformance-Linux-src-",
        ),
        (
            "version",
            vec![("version", "0.1.0")],
            "--version 0.1.0 mpsd-conformance".to_string(),
            "mpsd-conformance-Linux-v0.1.0",
        ),
    ] {
        let _ = std::fs::remove_file(&log);
        let root = tmp.path().join(name);
        let mut runner = Runner::new(&root, &root.join("artifacts"), &path);
        runner.env = vec![
            ("CARGO_LOG".into(), log.display().to_string()),
            ("REAL_BIN".into(), BIN.into()),
        ];
        let mut with: HashMap<String, String> = with
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        with.insert("install-only".into(), "true".into());
        let first = runner.run_action(&action_dir(), &with, &[]);
        assert!(
            first.steps.failed.is_none(),
            "{name}: {}",
            failed(&first.steps)
        );
        let install_root = runner.temp.join("mpsd-conformance");
        assert_eq!(
            std::fs::read_to_string(&log).expect("cargo ran"),
            format!(
                "install --locked --root {} {expected_cargo}\n",
                install_root.display()
            ),
        );
        let key = &first.steps.outputs["locate"]["key"];
        assert!(key.starts_with(key_prefix), "{name}: cache key {key}");
        assert!(
            first
                .steps
                .log
                .contains("mpsd-conformance 0.1.0 (catalog sha256:"),
            "{}",
            first.steps.log
        );
        assert!(first
            .steps
            .uses
            .iter()
            .any(|u| u.uses.starts_with("actions/cache@")
                && u.with["path"] == install_root.display().to_string()
                && &u.with["key"] == key));
        // Run, upload and gate are for a run, not an install.
        assert!(!first.steps.outputs.contains_key("run"));

        // Later in the job (or on a cache hit) the installed binary is used as it is.
        std::fs::remove_file(&log).expect("log");
        let again = runner.run_action(&action_dir(), &with, &[]);
        assert!(
            again.steps.failed.is_none(),
            "{name}: {}",
            failed(&again.steps)
        );
        assert!(!log.exists(), "{name}: cargo ran again");
    }
}

#[test]
fn the_action_fails_as_the_run_does_after_uploading_its_reports() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let failing = GOOD_CASE.replace("\"status\": 200", "\"status\": 418");
    let cases = case_dir(&[("teapot/wrong-status.json", &failing)]);
    let path = path_with_the_binary(tmp.path());
    let artifacts = tmp.path().join("artifacts");
    let mut runner = Runner::new(tmp.path(), &artifacts, &path);
    let with: HashMap<String, String> = [
        (
            "args",
            format!("--cases '{}' --jobs 2", cases.path().display()),
        ),
        // No json asked for: the action adds it, since its outputs read it.
        ("report", "junit,md".to_string()),
        // An empty CONFORMANCE_TARGET (an unset variable of a workflow's env) means none.
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let env = vec![("CONFORMANCE_TARGET".to_string(), String::new())];
    let action = runner.run_action(&action_dir(), &with, &env);

    let outputs = &action.outputs;
    assert_eq!(outputs["exit-code"], "1", "{}", action.steps.log);
    assert_eq!(
        (
            &*outputs["passed"],
            &*outputs["failed"],
            &*outputs["errored"],
            &*outputs["skipped"]
        ),
        ("0", "1", "0", "0"),
        "{}",
        action.steps.log
    );
    let said = ["mpsd-conformance run exited 1"];
    assert_failed_at(&action.steps, "Gate on the run's exit code", 1, &said);
    let uploaded = artifacts.join("conformance-reports");
    for file in ["report.json", "junit.xml", "report.md", "exit-code"] {
        assert!(uploaded.join(file).is_file(), "the artifact lacks {file}");
    }
    assert!(
        !uploaded.join("report.html").exists(),
        "html was not asked for"
    );
    assert_eq!(
        std::fs::read_to_string(uploaded.join("exit-code")).expect("exit-code"),
        "1\n"
    );
    let summary = std::fs::read_to_string(&runner.summary).expect("summary");
    let report_md = std::fs::read_to_string(uploaded.join("report.md")).expect("report.md");
    assert!(summary.contains(report_md.trim()), "summary:\n{summary}");
    assert!(
        summary.contains("teapot/wrong-status"),
        "summary:\n{summary}"
    );
}

/// The workflow's `env:`, as a runner with no variables or secrets set gives it.
fn workflow_env(workflow: &yaml_rust2::Yaml, contexts: &Contexts) -> Vec<(String, String)> {
    pairs(&workflow["env"])
        .into_iter()
        .map(|(k, v)| (k, contexts.expand(&scalar(v))))
        .collect()
}

/// The workflow's merge job, in a fresh runner, over the shards' artifacts in `artifacts`.
fn merge_job(root: &Path, artifacts: &Path, shards_result: &str) -> (Runner, Steps) {
    let workflow = workflow();
    let mut runner = Runner::new(root, artifacts, &path_with_the_binary(root));
    let mut contexts = Contexts::default();
    contexts.set("needs.shard.result", shards_result);
    runner.env = workflow_env(&workflow, &contexts);
    let job = &workflow["jobs"]["merge"];
    assert!(contexts.condition(scalar(&job["if"]).as_str(), shards_result != "success"));
    let steps = runner.run_steps(&job["steps"], &mut contexts, &[]);
    (runner, steps)
}

#[test]
fn the_workflow_sharded_over_its_matrix_and_merged_is_the_unsharded_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let artifacts = tmp.path().join("artifacts");
    let workflow = workflow();
    let shard_job = &workflow["jobs"]["shard"];
    let matrix: Vec<String> = shard_job["strategy"]["matrix"]["shard"]
        .as_vec()
        .expect("matrix")
        .iter()
        .map(scalar)
        .collect();

    // The matrix's jobs run side by side, each on its own runner.
    std::thread::scope(|scope| {
        let jobs: Vec<_> = matrix
            .iter()
            .map(|shard| {
                let root = tmp.path().join(format!("shard-{shard}"));
                let (artifacts, workflow) = (&artifacts, &workflow);
                scope.spawn(move || {
                    let mut runner = Runner::new(&root, artifacts, &path_with_the_binary(&root));
                    runner
                        .input_overrides
                        .insert("args".into(), SELECTION.into());
                    let mut contexts = Contexts::default();
                    contexts.set("matrix.shard", shard);
                    runner.env = workflow_env(workflow, &contexts);
                    let steps =
                        runner.run_steps(&workflow["jobs"]["shard"]["steps"], &mut contexts, &[]);
                    assert!(steps.failed.is_none(), "shard {shard}: {}", failed(&steps));
                })
            })
            .collect();
        for job in jobs {
            job.join().expect("a shard's job");
        }
    });

    let (merge, steps) = merge_job(&tmp.path().join("merge"), &artifacts, "success");
    assert!(steps.failed.is_none(), "merge: {}", failed(&steps));
    let merged = read_json(&artifacts.join("conformance-merged/report.json"));
    let merged_md =
        std::fs::read_to_string(artifacts.join("conformance-merged/report.md")).expect("md");
    let summary = std::fs::read_to_string(&merge.summary).expect("summary");
    assert!(
        summary.contains(merged_md.trim()),
        "the merge job's summary:\n{summary}"
    );

    let whole_root = tmp.path().join("whole");
    let mut whole = Runner::new(
        &whole_root,
        &whole_root.join("artifacts"),
        &path_with_the_binary(&whole_root),
    );
    let with = HashMap::from([("args".to_string(), SELECTION.to_string())]);
    let action = whole.run_action(&action_dir(), &with, &[]);
    assert!(
        action.steps.failed.is_none(),
        "unsharded: {}",
        failed(&action.steps)
    );
    let unsharded = read_json(&whole.workspace.join("conformance-reports/report.json"));

    let total = unsharded["summary"]["total"].as_u64().expect("total");
    assert!(total > 200, "the selection holds {total} cases");
    assert_same_outcomes(&merged, &unsharded);
    assert_eq!(counts(&merged), counts(&unsharded));
    for key in ["passed", "failed", "errored", "skipped"] {
        assert_eq!(
            action.outputs[key],
            unsharded["summary"][key].to_string(),
            "output {key}"
        );
    }
    assert_eq!(action.outputs["exit-code"], "0");
    // The run appends report.md to the summary itself, once.
    let whole_md =
        std::fs::read_to_string(whole.workspace.join("conformance-reports/report.md")).expect("md");
    let whole_summary = std::fs::read_to_string(&whole.summary).expect("summary");
    let appended = whole_summary.matches(whole_md.trim()).count();
    assert_eq!(
        appended, 1,
        "report.md is in the step summary {appended} times"
    );

    // A shard that gated fails the merge job, after the merge.
    let gated = artifacts.join("conformance-shard-3-of-4/exit-code");
    std::fs::write(&gated, "1\n").expect("exit-code");
    let (_, steps) = merge_job(&tmp.path().join("merge-gated"), &artifacts, "failure");
    let said = ["merged 4 reports", "conformance-shard-3-of-4 exited 1"];
    assert_failed_at(&steps, "Gate on the shards' exit codes", 1, &said);

    // A shard that left no report fails it before the merge.
    std::fs::remove_dir_all(artifacts.join("conformance-shard-2-of-4")).expect("remove");
    let (_, steps) = merge_job(&tmp.path().join("merge-short"), &artifacts, "failure");
    assert_failed_at(&steps, "Merge the shards' reports", 1, &["found 3"]);
}

/// A GitLab job's `before_script` and `script` (through `extends`), as the one script a
/// runner's bash runs.
fn gitlab_job_script(pipeline: &yaml_rust2::Yaml, job: &str) -> String {
    let job_def = &pipeline[job];
    let base = job_def["extends"].as_str().map(|b| &pipeline[b]);
    let part = |key: &str| {
        let own = &job_def[key];
        let node = if own.is_badvalue() {
            base.map(|b| &b[key]).unwrap_or(own)
        } else {
            own
        };
        node.as_vec()
            .map(|lines| lines.iter().map(scalar).collect::<Vec<_>>())
            .unwrap_or_default()
    };
    let mut lines = part("before_script");
    lines.extend(part("script"));
    lines.join("\n")
}

fn run_gitlab_job(
    script: &str,
    workspace: &Path,
    path: &str,
    env: &[(&str, String)],
) -> std::process::Output {
    let mut cmd = Command::new("bash");
    isolated(&mut cmd)
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(workspace)
        .env("PATH", path)
        .env("CI", "true")
        .env("CI_PROJECT_DIR", workspace)
        .env("NO_COLOR", "1")
        .envs(env.iter().map(|(k, v)| (k, v)));
    cmd.output().expect("bash runs")
}

#[test]
fn the_gitlab_pipeline_sharded_with_parallel_and_merged_is_the_unsharded_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let pipeline = gitlab();
    let total = scalar(&pipeline["conformance"]["parallel"]);
    let shard_script = gitlab_job_script(&pipeline, "conformance");
    let merge_script = gitlab_job_script(&pipeline, "conformance-merge");
    let path = path_with_the_binary(tmp.path());
    let merge_dir = tmp.path().join("merge");

    std::thread::scope(|scope| {
        let jobs: Vec<_> = (1..=total.parse::<u32>().expect("parallel: N"))
            .map(|index| {
                let workspace = tmp.path().join(format!("node-{index}"));
                std::fs::create_dir_all(&workspace).expect("mkdir");
                let (shard_script, path, total) = (&shard_script, &path, &total);
                scope.spawn(move || {
                    let env = [
                        ("CI_NODE_INDEX", index.to_string()),
                        ("CI_NODE_TOTAL", total.clone()),
                        ("CONFORMANCE_ARGS", SELECTION.to_string()),
                    ];
                    let out = run_gitlab_job(shard_script, &workspace, path, &env);
                    assert!(
                        out.status.success(),
                        "node {index}: {}",
                        crate::common::text(&out)
                    );
                    workspace
                })
            })
            .collect();
        // The merge job gets the artifacts of every node, at the paths they had.
        for job in jobs {
            let workspace = job.join().expect("a node's job");
            crate::common::actions::copy_dir(
                &workspace.join("conformance-reports"),
                &merge_dir.join("conformance-reports"),
            );
        }
    });
    let junit = scalar(&pipeline["conformance"]["artifacts"]["reports"]["junit"]);
    let shards: Vec<_> = std::fs::read_dir(merge_dir.join("conformance-reports"))
        .expect("reports")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(shards.len(), 4, "{shards:?}");
    let pattern_dir = junit.trim_end_matches("/junit.xml").trim_end_matches('*');
    for shard in &shards {
        assert!(
            shard.join("junit.xml").is_file(),
            "{}: no junit.xml",
            shard.display()
        );
        let rel = shard
            .strip_prefix(&merge_dir)
            .expect("under the merge job")
            .display()
            .to_string();
        assert!(
            rel.starts_with(pattern_dir),
            "{rel} is not under the JUnit report's pattern {junit}"
        );
    }

    let out = run_gitlab_job(&merge_script, &merge_dir, &path, &[]);
    assert!(out.status.success(), "merge: {}", crate::common::text(&out));
    let merged = read_json(&merge_dir.join("conformance-reports/merged/report.json"));
    let unsharded_dir = tmp.path().join("unsharded");
    let mut args = vec![
        "run",
        "--report-dir",
        unsharded_dir.to_str().expect("utf-8"),
        "--report",
        "json",
    ];
    args.extend(SELECTION.split_whitespace());
    let out = crate::common::output_in_cache(&args, tmp.path());
    assert!(
        out.status.success(),
        "unsharded: {}",
        crate::common::text(&out)
    );
    let unsharded = read_json(&unsharded_dir.join("report.json"));
    assert_same_outcomes(&merged, &unsharded);
    assert_eq!(counts(&merged), counts(&unsharded));

    // A node that gated fails the merge job.
    std::fs::write(
        merge_dir.join("conformance-reports/shard-2-of-4/exit-code"),
        "3\n",
    )
    .expect("write");
    let out = run_gitlab_job(&merge_script, &merge_dir, &path, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", crate::common::text(&out));
}

#[test]
fn a_profile_the_binary_cannot_use_fails_the_action_as_a_usage_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut runner = Runner::new(
        tmp.path(),
        &tmp.path().join("artifacts"),
        &path_with_the_binary(tmp.path()),
    );
    // No mpsd-conformance.toml here: a binary with --profile refuses the name, one without
    // the flag is stopped by the action before it runs.
    let with = HashMap::from([
        ("profile".to_string(), "nightly".to_string()),
        // One case, should a binary ever take the name and run.
        (
            "args".to_string(),
            "--exact --filter handle-id/valid".to_string(),
        ),
    ]);
    let action = runner.run_action(&action_dir(), &with, &[]);
    let code = action.steps.failed.as_ref().map(|(_, code)| *code);
    assert_eq!(code, Some(2), "{}", failed(&action.steps));
}
