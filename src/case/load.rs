//! Loading a case set: every file parsed and checked, every problem listed, before anything runs.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::error::{LoadError, Position, Problem};
use super::fingerprint::{file_sha256, fingerprint};
use super::model::{CaseFile, Suite};
use super::rules::{Rule, RulesFile};
use super::source::CaseSource;
use super::validate::{validate_case, Context};

/// A loaded, valid case set.
#[derive(Clone, Debug)]
pub struct CaseSet {
    /// `embedded` or the directory read.
    pub origin: String,
    pub fingerprint: String,
    /// Every file of the set with its SHA-256 (as the fingerprint reads it).
    pub files: Vec<(String, String)>,
    pub suite: Suite,
    pub rules: BTreeMap<String, Rule>,
    /// Rules in the order of rules.json.
    pub rule_order: Vec<String>,
    /// Response schemas by file name under `schemas/`.
    pub schemas: BTreeMap<String, Value>,
    pub cases: Vec<LoadedCase>,
}

/// One case file.
#[derive(Clone, Debug)]
pub struct LoadedCase {
    /// Path under the case directory, `/` separators.
    pub path: String,
    /// The id of the case (variants add `::<name>`).
    pub id: String,
    pub file: CaseFile,
}

impl CaseSet {
    /// How many cases the set holds, variants counted.
    pub fn case_count(&self) -> usize {
        self.cases
            .iter()
            .map(|c| c.file.variants.len().max(1))
            .sum()
    }
}

/// Whether a file of the set is a case file: inside an area folder, `.json`, not a schema.
pub fn is_case_file(path: &str) -> bool {
    path.contains('/') && path.ends_with(".json") && !path.starts_with("schemas/")
}

/// The case id of a case file: its path without `.json`.
pub fn case_id(path: &str) -> &str {
    path.strip_suffix(".json").unwrap_or(path)
}

/// Loads and checks the whole set. `only`, when given, limits parsing to these case files (the
/// one-case fast path under nextest); the fingerprint still covers every file.
pub fn load(source: &CaseSource, only: Option<&BTreeSet<String>>) -> Result<CaseSet, LoadError> {
    let mut problems = Vec::new();
    let shown = |rel: &str| source.display_path(rel);

    let rules_file: Option<RulesFile> = parse_required(source, "rules.json", &mut problems);
    let suite: Option<Suite> = parse_required(source, "suite.json", &mut problems);

    let mut rules = BTreeMap::new();
    let mut rule_order = Vec::new();
    if let Some(rf) = &rules_file {
        if rf.format != "mpsd-conformance-rules/1" {
            problems.push(Problem::at_pointer(
                &shown("rules.json"),
                "/format",
                "expected format `mpsd-conformance-rules/1`",
            ));
        }
        for (i, rule) in rf.rules.iter().enumerate() {
            for src in &rule.sources {
                if !rf.sources.contains_key(src) {
                    problems.push(Problem::at_pointer(
                        &shown("rules.json"),
                        format!("/rules/{i}/sources"),
                        format!("unknown source `{src}`"),
                    ));
                }
            }
            if rules.insert(rule.id.clone(), rule.clone()).is_some() {
                problems.push(Problem::at_pointer(
                    &shown("rules.json"),
                    format!("/rules/{i}/id"),
                    format!("rule `{}` is listed twice", rule.id),
                ));
            }
            rule_order.push(rule.id.clone());
        }
    }

    let mut schemas = BTreeMap::new();
    for file in source
        .files
        .iter()
        .filter(|f| f.path.starts_with("schemas/"))
    {
        let name = file.path.trim_start_matches("schemas/").to_string();
        match serde_json::from_slice::<Value>(&file.bytes) {
            Err(e) => problems.push(Problem::from_serde(&shown(&file.path), &e, None)),
            Ok(schema) => match jsonschema::validator_for(&schema) {
                Ok(_) => {
                    schemas.insert(name, schema);
                }
                Err(e) => problems.push(Problem {
                    path: shown(&file.path),
                    at: Position::File,
                    message: format!("not a valid JSON Schema: {e}"),
                }),
            },
        }
    }
    let schema_names: BTreeSet<String> = schemas.keys().cloned().collect();

    let mut cases = Vec::new();
    for file in source.files.iter().filter(|f| is_case_file(&f.path)) {
        if only.is_some_and(|o| !o.contains(&file.path)) {
            continue;
        }
        match parse::<CaseFile>(&shown(&file.path), &file.bytes) {
            Err(p) => problems.push(p),
            Ok(case) => cases.push(LoadedCase {
                id: case_id(&file.path).to_string(),
                path: file.path.clone(),
                file: case,
            }),
        }
    }

    if let Some(suite) = &suite {
        let ctx = Context {
            suite,
            rules: &rules,
            schemas: &schema_names,
        };
        for case in &cases {
            for mut p in validate_case(&shown(&case.path), &case.file, &ctx) {
                if p.path == "suite.json" {
                    p.path = shown("suite.json");
                }
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
        }
    }

    match (suite, problems.is_empty()) {
        (Some(suite), true) => Ok(CaseSet {
            origin: source.origin.clone(),
            fingerprint: fingerprint(&source.files),
            files: source
                .files
                .iter()
                .map(|f| (f.path.clone(), file_sha256(&f.bytes)))
                .collect(),
            suite,
            rules,
            rule_order,
            schemas,
            cases,
        }),
        _ => Err(LoadError::Invalid(problems)),
    }
}

fn parse_required<T: serde::de::DeserializeOwned>(
    source: &CaseSource,
    rel: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let shown = source.display_path(rel);
    let Some(file) = source.file(rel) else {
        problems.push(Problem {
            path: shown,
            at: Position::File,
            message: "missing: a case set needs suite.json and rules.json at its top".into(),
        });
        return None;
    };
    match parse(&shown, &file.bytes) {
        Ok(v) => Some(v),
        Err(p) => {
            problems.push(p);
            None
        }
    }
}

/// Parses one file; a syntax or type error names its line, column and field.
fn parse<T: serde::de::DeserializeOwned>(shown: &str, bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = field_of(e.path());
        Problem::from_serde(shown, e.inner(), field.as_deref())
    })?;
    de.end().map_err(|e| Problem::from_serde(shown, &e, None))?;
    Ok(value)
}

/// The field a path ends in, with the list indexes after it: `status`, `rules[1]`.
pub(crate) fn field_of(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut indexes = String::new();
    for segment in path.iter().collect::<Vec<_>>().into_iter().rev() {
        match segment {
            Segment::Seq { index } => indexes.insert_str(0, &format!("[{index}]")),
            Segment::Map { key } => return Some(format!("{key}{indexes}")),
            Segment::Enum { .. } | Segment::Unknown => return None,
        }
    }
    None
}
