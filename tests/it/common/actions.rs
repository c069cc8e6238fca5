//! Just enough of a GitHub Actions runner to run a workflow's jobs and a composite action's
//! steps here: `run:` steps go to `bash --noprofile --norc -eo pipefail` (what `shell: bash`
//! runs) with the files and variables a runner sets (`GITHUB_OUTPUT`, `GITHUB_PATH`,
//! `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, …); `uses: ./…` runs a local composite action;
//! `actions/upload-artifact` and `actions/download-artifact` copy through a folder shared by the
//! jobs; any other `uses:` (checkout, cache) is recorded and otherwise does nothing, as on a
//! cache miss. Expressions are the few the templates use (context paths, `==`, `!=`, `!`, `&&`,
//! `cancelled()`, `always()`); anything else panics, so a template cannot use more unnoticed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use yaml_rust2::{Yaml, YamlLoader};

/// The one document of a YAML file.
pub fn load_yaml(path: &Path) -> Yaml {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut docs =
        YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(docs.len(), 1, "{}: one YAML document", path.display());
    docs.remove(0)
}

/// A scalar as the text a runner sees (`4` and `true` included).
pub fn scalar(value: &Yaml) -> String {
    match value {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null => String::new(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// The pairs of a mapping (empty when absent).
pub fn pairs(value: &Yaml) -> Vec<(String, &Yaml)> {
    match value {
        Yaml::Hash(hash) => hash.iter().map(|(k, v)| (scalar(k), v)).collect(),
        Yaml::BadValue | Yaml::Null => Vec::new(),
        other => panic!("not a mapping: {other:?}"),
    }
}

/// The values an expression can read: `inputs.x`, `matrix.x`, `needs.job.result`, `steps.id.outputs.x`, …
#[derive(Clone, Debug, Default)]
pub struct Contexts {
    values: HashMap<String, String>,
}

impl Contexts {
    pub fn set(&mut self, path: &str, value: &str) {
        self.values.insert(path.to_string(), value.to_string());
    }

    fn get(&self, path: &str) -> String {
        if let Some(value) = self.values.get(path) {
            return value.clone();
        }
        // What a runner gives for what was never set; a misspelt input is a bug of the template.
        let unset = ["steps.", "vars.", "secrets.", "env."];
        assert!(
            unset.iter().any(|p| path.starts_with(p)),
            "the expression reads `{path}`, which nothing sets"
        );
        String::new()
    }

    /// `text` with each `${{ expr }}` replaced by its value.
    pub fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find("}}")
                .unwrap_or_else(|| panic!("unclosed expression in {text:?}"))
                + start;
            out.push_str(&self.value(rest[start + 3..end].trim()));
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }

    fn value(&self, expr: &str) -> String {
        if expr.contains("&&")
            || expr.contains("==")
            || expr.contains("!=")
            || expr.starts_with('!')
        {
            return self.condition(expr, false).to_string();
        }
        if let Some(literal) = expr.strip_prefix('\'').and_then(|e| e.strip_suffix('\'')) {
            return literal.to_string();
        }
        assert!(
            expr.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)),
            "unsupported expression `{expr}`"
        );
        self.get(expr)
    }

    /// A step's or job's `if:`; without a status function it holds only while nothing failed.
    pub fn condition(&self, expr: &str, failed: bool) -> bool {
        let expr = expr.trim();
        let expr = expr
            .strip_prefix("${{")
            .and_then(|e| e.strip_suffix("}}"))
            .unwrap_or(expr)
            .trim();
        let status_given = ["always()", "cancelled()", "failure()", "success()"]
            .iter()
            .any(|f| expr.contains(f));
        let holds = expr.split("&&").all(|term| self.term(term.trim(), failed));
        holds && (status_given || !failed)
    }

    fn term(&self, term: &str, failed: bool) -> bool {
        match term {
            "always()" => return true,
            "cancelled()" => return false,
            "failure()" => return failed,
            "success()" => return !failed,
            _ => {}
        }
        if let Some((left, right)) = term.split_once("!=") {
            return self.value(left.trim()) != self.value(right.trim());
        }
        if let Some((left, right)) = term.split_once("==") {
            return self.value(left.trim()) == self.value(right.trim());
        }
        if let Some(negated) = term.strip_prefix('!') {
            return !self.term(negated.trim(), failed);
        }
        !self.value(term).is_empty()
    }
}

/// What a `uses:` step that is not a local action asked for, its `with:` expanded.
#[derive(Clone, Debug)]
pub struct UsesStep {
    pub uses: String,
    pub with: HashMap<String, String>,
}

/// How a run of steps ended.
#[derive(Debug, Default)]
pub struct Steps {
    /// The first `run:` step that failed: its name and exit code.
    pub failed: Option<(String, i32)>,
    /// The outputs of each step with an `id`.
    pub outputs: HashMap<String, HashMap<String, String>>,
    pub uses: Vec<UsesStep>,
    /// What the steps printed, stdout and stderr, for assertion messages.
    pub log: String,
}

/// One job's machine: its workspace, temp folder, step summary, PATH additions and
/// environment, and the artifact store it shares with the other jobs of the workflow.
pub struct Runner {
    pub workspace: PathBuf,
    pub temp: PathBuf,
    pub summary: PathBuf,
    pub artifacts: PathBuf,
    /// The repository a `uses: ./path` is found in (the checkout).
    pub repository: PathBuf,
    /// PATH before any step added to it.
    pub path: String,
    path_added: Vec<PathBuf>,
    pub env: Vec<(String, String)>,
    /// Inputs given to every local action on top of its `with:` (a test's `--filter`).
    pub input_overrides: HashMap<String, String>,
    step_count: usize,
}

impl Runner {
    /// A runner whose workspace, temp folder and summary live under `root`.
    pub fn new(root: &Path, artifacts: &Path, path: &str) -> Runner {
        let workspace = root.join("workspace");
        let temp = root.join("runner-temp");
        for dir in [&workspace, &temp, artifacts] {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        let summary = root.join("step-summary.md");
        std::fs::write(&summary, "").expect("summary");
        Runner {
            workspace,
            temp,
            summary,
            artifacts: artifacts.to_path_buf(),
            repository: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
            path: path.to_string(),
            path_added: Vec::new(),
            env: Vec::new(),
            input_overrides: HashMap::new(),
            step_count: 0,
        }
    }

    /// Runs `steps` (a job's, or a composite action's) with `contexts`; `env` comes on top of
    /// the runner's (a workflow's and job's `env:`, or a `uses:` step's).
    pub fn run_steps(
        &mut self,
        steps: &Yaml,
        contexts: &mut Contexts,
        env: &[(String, String)],
    ) -> Steps {
        let mut result = Steps::default();
        let steps = steps.as_vec().expect("steps: a list");
        for step in steps {
            let failed = result.failed.is_some();
            let runs = match step["if"].as_str() {
                Some(cond) => contexts.condition(cond, failed),
                None => !failed,
            };
            if !runs {
                continue;
            }
            let name = step["name"]
                .as_str()
                .or(step["uses"].as_str())
                .unwrap_or("a step")
                .to_string();
            let mut step_env = env.to_vec();
            for (key, value) in pairs(&step["env"]) {
                step_env.push((key, contexts.expand(&scalar(value))));
            }
            let outputs = if let Some(script) = step["run"].as_str() {
                assert_eq!(
                    step["shell"].as_str().unwrap_or("bash"),
                    "bash",
                    "{name}: bash steps only"
                );
                let (code, outputs, log) = self.run_script(script, &step_env);
                result
                    .log
                    .push_str(&format!("== {name}: exit {code}\n{log}"));
                if code != 0 && result.failed.is_none() {
                    result.failed = Some((name.clone(), code));
                }
                outputs
            } else {
                let uses = step["uses"].as_str().expect("a step runs or uses");
                let with: HashMap<String, String> = pairs(&step["with"])
                    .into_iter()
                    .map(|(k, v)| (k, contexts.expand(&scalar(v))))
                    .collect();
                self.uses(uses, with, &step_env, &mut result)
            };
            if let Some(id) = step["id"].as_str() {
                for (key, value) in &outputs {
                    contexts.set(&format!("steps.{id}.outputs.{key}"), value);
                }
                result.outputs.insert(id.to_string(), outputs);
            }
        }
        result
    }

    fn uses(
        &mut self,
        uses: &str,
        with: HashMap<String, String>,
        env: &[(String, String)],
        result: &mut Steps,
    ) -> HashMap<String, String> {
        if let Some(local) = uses.strip_prefix("./") {
            let action_dir = self.repository.join(local);
            let mut with = with;
            with.extend(self.input_overrides.clone());
            let action = self.run_action(&action_dir, &with, env);
            result.log.push_str(&action.steps.log);
            if result.failed.is_none() {
                result.failed = action.steps.failed.clone();
            }
            result.uses.extend(action.steps.uses);
            return action.outputs;
        }
        if uses.starts_with("actions/upload-artifact@") {
            let name = &with["name"];
            let from = self.workspace.join(&with["path"]);
            if from.is_dir() {
                copy_dir(&from, &self.artifacts.join(name));
            }
        } else if uses.starts_with("actions/download-artifact@") {
            let pattern = with.get("pattern").map(String::as_str).unwrap_or("*");
            let prefix = pattern.strip_suffix('*').expect("a pattern that ends in *");
            let into = self
                .workspace
                .join(with.get("path").map(String::as_str).unwrap_or("."));
            for entry in std::fs::read_dir(&self.artifacts).expect("artifacts") {
                let entry = entry.expect("entry");
                let name = entry.file_name().to_string_lossy().to_string();
                if name.starts_with(prefix) {
                    copy_dir(&entry.path(), &into.join(&name));
                }
            }
        }
        result.uses.push(UsesStep {
            uses: uses.to_string(),
            with,
        });
        HashMap::new()
    }

    /// Runs the composite action in `action_dir` with `with` as its inputs.
    pub fn run_action(
        &mut self,
        action_dir: &Path,
        with: &HashMap<String, String>,
        env: &[(String, String)],
    ) -> ActionRun {
        let action = load_yaml(&action_dir.join("action.yml"));
        assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
        let mut contexts = Contexts::default();
        for (name, input) in pairs(&action["inputs"]) {
            let value = with
                .get(&name)
                .cloned()
                .unwrap_or_else(|| scalar(&input["default"]));
            contexts.set(&format!("inputs.{name}"), &value);
        }
        for name in with.keys() {
            assert!(
                !action["inputs"][name.as_str()].is_badvalue(),
                "the action has no input `{name}`"
            );
        }
        contexts.set("github.action_path", &action_dir.display().to_string());
        contexts.set("runner.temp", &self.temp.display().to_string());
        contexts.set("runner.os", "Linux");
        let steps = self.run_steps(&action["runs"]["steps"], &mut contexts, env);
        let outputs = pairs(&action["outputs"])
            .into_iter()
            .map(|(name, output)| (name, contexts.expand(&scalar(&output["value"]))))
            .collect();
        ActionRun { steps, outputs }
    }

    /// Runs one `run:` script as `shell: bash` does; its exit code, `GITHUB_OUTPUT` and output.
    fn run_script(
        &mut self,
        script: &str,
        env: &[(String, String)],
    ) -> (i32, HashMap<String, String>, String) {
        self.step_count += 1;
        let dir = self.temp.join(format!("step-{}", self.step_count));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let (file, output, path_file) =
            (dir.join("script.sh"), dir.join("output"), dir.join("path"));
        std::fs::write(&file, script).expect("script");
        for f in [&output, &path_file] {
            std::fs::write(f, "").expect("file");
        }
        let mut path: Vec<String> = self
            .path_added
            .iter()
            .rev()
            .map(|p| p.display().to_string())
            .collect();
        path.push(self.path.clone());
        let mut cmd = Command::new("bash");
        super::isolated(&mut cmd)
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(&self.workspace)
            .env("PATH", path.join(":"))
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &self.workspace)
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_PATH", &path_file)
            .env("GITHUB_STEP_SUMMARY", &self.summary)
            .env("RUNNER_TEMP", &self.temp)
            .env("RUNNER_OS", "Linux")
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", self.temp.join("cache"))
            .envs(self.env.iter().cloned())
            .envs(env.iter().cloned());
        let out = cmd.output().expect("bash runs");
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let added = std::fs::read_to_string(&path_file).expect("GITHUB_PATH");
        self.path_added
            .extend(added.lines().filter(|l| !l.is_empty()).map(PathBuf::from));
        let outputs = std::fs::read_to_string(&output)
            .expect("GITHUB_OUTPUT")
            .lines()
            .map(|line| {
                let (key, value) = line
                    .split_once('=')
                    .unwrap_or_else(|| panic!("GITHUB_OUTPUT line without `=`: {line:?}"));
                (key.to_string(), value.to_string())
            })
            .collect();
        (out.status.code().unwrap_or(-1), outputs, log)
    }
}

/// A composite action's run: its steps and its `outputs:`.
#[derive(Debug)]
pub struct ActionRun {
    pub steps: Steps,
    pub outputs: HashMap<String, String>,
}

/// Copies the files under `from` into `to`, as an artifact's upload and download do.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}
