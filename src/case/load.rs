//! Reading a case set: every file parsed and checked on its own, every problem listed. What the
//! steps mean (fixtures, variables, expectations) is checked when `plan` compiles them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::de::Object;
use super::dupes::first_duplicate;
use super::error::{Position, Problem};
use super::fingerprint::{file_sha256, fingerprint};
use super::model::{CaseFile, Suite};
use super::rules::{Rule, RulesFile};
use super::source::{CaseSource, SourceFile};
use super::validate::{validate_case, Context};

/// What names a case set wherever it goes: where it was read from, its fingerprint and files,
/// its suite and rules. The set as read ([`CaseSet`]) and as compiled (`plan::PlanSet`) both
/// carry it, and read its fields through `Deref`.
#[derive(Clone, Debug)]
pub struct SetIdentity {
    /// `embedded` or the directory read.
    pub origin: String,
    pub fingerprint: String,
    /// Every file of the set with its SHA-256 (as the fingerprint reads it).
    pub files: Vec<(String, String)>,
    pub suite: Suite,
    pub rules: BTreeMap<String, Rule>,
    /// Rules in the order of rules.json.
    pub rule_order: Vec<String>,
}

/// A case set as read: suite, rules, schemas and case files, each parsed.
#[derive(Clone, Debug)]
pub struct CaseSet {
    pub identity: SetIdentity,
    /// Response schemas by file name under `schemas/`, parsed (`plan` compiles them).
    pub schemas: BTreeMap<String, Value>,
}

impl std::ops::Deref for CaseSet {
    type Target = SetIdentity;

    fn deref(&self) -> &SetIdentity {
        &self.identity
    }
}

/// One case file.
#[derive(Clone, Debug)]
pub struct LoadedCase {
    /// Path under the case directory, `/` separators.
    pub path: String,
    /// How the path is shown in messages.
    pub shown: String,
    /// The id of the case (variants add `::<name>`).
    pub id: String,
    pub file: CaseFile,
}

/// What reading the set's own files found: the set (`None` when suite.json or rules.json could
/// not be read) and every problem. Case files are read one at a time by [`read_case`], so a large
/// set is never held in memory as models all at once.
#[derive(Debug)]
pub struct Read {
    pub set: Option<CaseSet>,
    pub problems: Vec<Problem>,
}

/// The files at the top of a case directory that are not cases.
const TOP_FILES: &[&str] = &["suite.json", "rules.json", "case.schema.json", "model.json"];

/// Whether a file of the set is a case file: inside an area folder, `.json`, not a schema.
pub fn is_case_file(path: &str) -> bool {
    path.contains('/') && path.ends_with(".json") && !path.starts_with("schemas/")
}

/// Whether a file of the set documents it: Markdown, anywhere in the set. It is no case, and it
/// counts in the fingerprint.
pub fn is_doc_file(path: &str) -> bool {
    path.ends_with(".md")
}

/// The case id of a case file: its path without `.json`.
pub fn case_id(path: &str) -> &str {
    path.strip_suffix(".json").unwrap_or(path)
}

/// Reads the set's own files (suite, rules, schemas) and refuses files that are not part of a case
/// set; the fingerprint covers every file.
pub fn read(source: &CaseSource) -> Read {
    let mut problems = Vec::new();
    let shown = |rel: &str| source.display_path(rel);
    problems.extend(source.problems.iter().cloned());

    for file in &source.files {
        let p = file.path.as_str();
        let known = TOP_FILES.contains(&p)
            || (p.starts_with("schemas/") && p.ends_with(".json"))
            || is_case_file(p)
            || is_doc_file(p);
        if !known {
            problems.push(Problem {
                path: shown(p),
                at: Position::File,
                message:
                    "not part of a case set, yet it would count in the fingerprint: case files \
                          live in area folders (`<area>/<name>.json`), response schemas in \
                          `schemas/` (`.json`), documentation anywhere (`.md`); the top holds \
                          only suite.json, rules.json, case.schema.json and model.json"
                        .into(),
            });
        }
    }

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
        .filter(|f| f.path.starts_with("schemas/") && f.path.ends_with(".json"))
    {
        let name = file.path.trim_start_matches("schemas/").to_string();
        match parse::<Value>(&shown(&file.path), &file.bytes) {
            Err(p) => problems.push(p),
            Ok(schema) => {
                schemas.insert(name, schema);
            }
        }
    }

    let set = suite.map(|suite| CaseSet {
        identity: SetIdentity {
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
        },
        schemas,
    });
    let set = if rules_file.is_some() { set } else { None };
    Read { set, problems }
}

/// The case files of the set, in path order; `only`, when given, limits them to these (the
/// one-case fast path under nextest).
pub fn case_files<'a>(
    source: &'a CaseSource,
    only: Option<&'a BTreeSet<String>>,
) -> impl Iterator<Item = &'a SourceFile> + 'a {
    source
        .files
        .iter()
        .filter(move |f| is_case_file(&f.path) && only.is_none_or(|o| o.contains(&f.path)))
}

/// One case file, parsed and checked on its own against the set's rules: the case (when it
/// parses) and its problems.
pub fn read_case(
    source: &CaseSource,
    file: &SourceFile,
    rules: &BTreeMap<String, Rule>,
) -> (Option<LoadedCase>, Vec<Problem>) {
    let shown = source.display_path(&file.path);
    match parse::<Object<CaseFile>>(&shown, &file.bytes) {
        Err(p) => (None, vec![p]),
        Ok(Object(case)) => {
            let problems = validate_case(&shown, &case, &Context { rules });
            let case = LoadedCase {
                id: case_id(&file.path).to_string(),
                path: file.path.clone(),
                shown,
                file: case,
            };
            (Some(case), problems)
        }
    }
}

fn parse_required<T: serde::de::DeserializeOwned>(
    source: &CaseSource,
    rel: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    let shown = source.display_path(rel);
    let Some(file) = source.file(rel) else {
        // A file refused for what it is (a FIFO, too large) is reported already.
        if !source.problems.iter().any(|p| p.path == shown) {
            problems.push(Problem {
                path: shown,
                at: Position::File,
                message: "missing: a case set needs suite.json and rules.json at its top".into(),
            });
        }
        return None;
    };
    match parse::<Object<T>>(&shown, &file.bytes) {
        Ok(Object(v)) => Some(v),
        Err(p) => {
            problems.push(p);
            None
        }
    }
}

/// Parses one file; a syntax or type error, or a key given twice, names its line, column and
/// field.
fn parse<T: serde::de::DeserializeOwned>(shown: &str, bytes: &[u8]) -> Result<T, Problem> {
    // Most files are right: the path to a mistake is tracked only when there is one to name.
    let value = match crate::exchange::json_from_bytes::<T>(bytes) {
        Ok(value) => value,
        Err(plain) => {
            let mut de = serde_json::Deserializer::from_slice(bytes);
            let tracked: Result<T, _> = serde_path_to_error::deserialize(&mut de);
            return Err(match tracked {
                Err(e) => {
                    let field = field_of(e.path());
                    Problem::from_serde(shown, e.inner(), field.as_deref())
                }
                Ok(_) => Problem::from_serde(shown, &plain, None),
            });
        }
    };
    // serde keeps the last of two equal keys in a map or a JSON value without a word.
    if let Some(d) = first_duplicate(bytes) {
        return Err(Problem {
            path: shown.to_string(),
            at: Position::LineCol(d.line, d.column),
            message: format!(
                "duplicate key `{}`: an object names each key once (the first would be dropped)",
                d.key
            ),
        });
    }
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
