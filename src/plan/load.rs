//! Loading: read a case set, compile every case into its plan. Any problem anywhere refuses the
//! whole set (exit 2), with every problem listed; nothing has been sent.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;

use crate::case::{
    case_files, generate, read, read_case, CaseSet, CaseSource, LoadError, Problem, Rule,
    SetIdentity, SourceFile, Suite,
};

use super::case::CasePlan;
use super::compile::{header_name, header_value, Compiler, Context};
use super::expect::SchemaRef;

/// A case set, loaded and compiled: what a run needs and nothing more (the files' text and
/// models are gone).
#[derive(Debug)]
pub struct PlanSet {
    /// The set's origin, fingerprint, files, suite and rules, read as fields of the set.
    pub identity: SetIdentity,
    /// How many case files were compiled.
    pub file_count: usize,
    /// Every case (a file, or each of its variants), sorted by id; empty once taken
    /// ([`PlanSet::take_cases`]).
    pub cases: Vec<Arc<CasePlan>>,
    /// How many cases were loaded: still known once they are taken.
    loaded: usize,
    /// The response schemas of `schemas/`, compiled, by file name: the oracle judges every
    /// session and handle answer by them.
    pub schemas: BTreeMap<String, SchemaRef>,
    /// Every cell of the request model (`model.json`): the case that checks it, or why none.
    pub coverage: Vec<generate::CoverageCell>,
}

impl std::ops::Deref for PlanSet {
    type Target = SetIdentity;

    fn deref(&self) -> &SetIdentity {
        &self.identity
    }
}

impl PlanSet {
    /// How many cases the set holds, variants counted (taken ones too).
    pub fn case_count(&self) -> usize {
        self.loaded
    }

    /// The cases, moved out of the set, which goes on saying how many it held. A run holds its
    /// plans only in the list it runs, so each plan is dropped once its case has finished: 10,000
    /// generated cases hold about 14 MB of plans, which the set would otherwise keep to the end,
    /// past the reports' own peak as they are written.
    pub fn take_cases(&mut self) -> Vec<Arc<CasePlan>> {
        std::mem::take(&mut self.cases)
    }
}

/// Loads and compiles the whole set. `only`, when given, limits it to these case files (the
/// one-case fast path under nextest); the fingerprint still covers every file.
pub fn load(source: &CaseSource, only: Option<&BTreeSet<String>>) -> Result<PlanSet, LoadError> {
    let read = read(source);
    let mut problems = read.problems;
    let Some(set) = read.set else {
        return Err(LoadError::Invalid(problems));
    };
    let suite_path = source.display_path("suite.json");
    suite_problems(&set.suite, &suite_path, &mut problems);
    let schemas = compile_schemas(&set.schemas, source, &mut problems);
    let mut compiler = Compiler::new(Context {
        suite: &set.suite,
        suite_path,
        schemas: &schemas,
    });
    let mut cases = Vec::new();
    let mut file_count = 0;
    // One file at a time: its model is dropped once compiled.
    for file in case_files(source, only) {
        file_count += 1;
        let (plans, found) = case_file(&mut compiler, source, file, &set.rules);
        cases.extend(plans.into_iter().map(Arc::new));
        for p in found {
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
    }
    // The cases the request model generates, compiled like written ones.
    let mut coverage = Vec::new();
    if let Some(model) = source.file(generate::MODEL_FILE) {
        let shown = source.display_path(generate::MODEL_FILE);
        let wanted = only.map(|o| move |id: &str| o.contains(&format!("{id}.json")));
        let wanted = wanted.as_ref().map(|w| w as &dyn Fn(&str) -> bool);
        let generation = generate::generate(&shown, &model.bytes, &set.rules, wanted);
        problems.extend(generation.problems);
        coverage = generation.cells;
        for case in generation.cases {
            match compiler.file(&case) {
                Ok(plans) => cases.extend(plans.into_iter().map(Arc::new)),
                Err(more) => problems.extend(more),
            }
        }
    }
    drop(compiler);
    if !problems.is_empty() {
        return Err(LoadError::Invalid(problems));
    }
    cases.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(PlanSet {
        identity: set.identity,
        file_count,
        loaded: cases.len(),
        cases,
        schemas: schemas
            .into_iter()
            .filter_map(|(name, schema)| schema.map(|s| (name, s)))
            .collect(),
        coverage,
    })
}

/// One case file read, checked and compiled: its plans, or what is wrong with it.
fn case_file(
    compiler: &mut Compiler<'_>,
    source: &CaseSource,
    file: &SourceFile,
    rules: &BTreeMap<String, Rule>,
) -> (Vec<CasePlan>, Vec<Problem>) {
    let (case, mut found) = read_case(source, file, rules);
    let Some(case) = case else {
        return (Vec::new(), found);
    };
    match compiler.file(&case) {
        Ok(plans) => (plans, found),
        Err(more) => {
            found.extend(more);
            (Vec::new(), found)
        }
    }
}

/// A case set's own files read and its schemas compiled once, so that single case files can be
/// loaded against it one after another as [`load`] loads each: the fuzz target of the case
/// loader runs millions, and reading the set and compiling its schemas each time dominated.
#[doc(hidden)]
pub struct CaseFileLoader {
    set: CaseSet,
    schemas: BTreeMap<String, Option<SchemaRef>>,
    suite_path: String,
}

impl CaseFileLoader {
    /// `None` when the set's own files do not load.
    pub fn new(source: &CaseSource) -> Option<CaseFileLoader> {
        let read = read(source);
        let set = read.set?;
        let mut problems = read.problems;
        let schemas = compile_schemas(&set.schemas, source, &mut problems);
        problems.is_empty().then(|| CaseFileLoader {
            suite_path: source.display_path("suite.json"),
            set,
            schemas,
        })
    }

    /// Loads `file` (a case file of `source`, the set this loader was made from) as [`load`]
    /// does: its plans, or what is wrong with it.
    pub fn load(&self, source: &CaseSource, file: &SourceFile) -> Result<usize, Vec<Problem>> {
        let mut compiler = Compiler::new(Context {
            suite: &self.set.suite,
            suite_path: self.suite_path.clone(),
            schemas: &self.schemas,
        });
        match case_file(&mut compiler, source, file, &self.set.rules) {
            (plans, found) if found.is_empty() => Ok(plans.len()),
            (_, found) => Err(found),
        }
    }
}

/// The suite's headers go on every request: they must be sendable as written.
fn suite_problems(suite: &Suite, path: &str, problems: &mut Vec<Problem>) {
    let groups = [
        ("headers", &suite.headers),
        ("bodyHeaders", &suite.body_headers),
    ];
    for (field, headers) in groups {
        for (name, value) in headers {
            let at = format!("/{field}/{}", crate::case::template::escape_pointer(name));
            if let Some(why) = header_name(name) {
                problems.push(Problem::at_pointer(path, &at, why));
            }
            if let Some(why) = header_value(value) {
                problems.push(Problem::at_pointer(path, at, why));
            }
        }
    }
    for (name, identity) in &suite.identities {
        if let Some(why) = header_value(&identity.authorization) {
            let at = format!("/identities/{name}/authorization");
            problems.push(Problem::at_pointer(path, at, why));
        }
    }
}

/// Every response schema compiled. A broken one is reported once, at the pointer of what is
/// wrong in it, and maps to `None` so the cases that name it are not told it does not exist.
fn compile_schemas(
    schemas: &BTreeMap<String, Value>,
    source: &CaseSource,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Option<SchemaRef>> {
    let mut out = BTreeMap::new();
    for (name, schema) in schemas {
        let compiled = match jsonschema::validator_for(schema) {
            Ok(v) => Some(SchemaRef {
                name: name.as_str().into(),
                validator: Arc::new(v),
            }),
            Err(e) => {
                problems.push(Problem::at_pointer(
                    &source.display_path(&format!("schemas/{name}")),
                    e.instance_path().to_string(),
                    format!("not a valid JSON Schema: {e}"),
                ));
                None
            }
        };
        out.insert(name.clone(), compiled);
    }
    // A schema file that could not even be parsed is reported by the reader; it is still known.
    for file in source.files.iter() {
        if let Some(name) = file.path.strip_prefix("schemas/") {
            out.entry(name.to_string()).or_insert(None);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;

    /// Cases that name the same variables share one list of names: a large set of cases made
    /// from the same fixtures holds it once, not once per case.
    #[test]
    fn cases_that_name_the_same_variables_share_one_list() {
        let set = load(&CaseSource::embedded(), None).expect("the catalog loads");
        let mut first: HashMap<&[Box<str>], &Arc<[Box<str>]>> = HashMap::new();
        let mut shared = 0;
        for case in &set.cases {
            let names = &case.vars.names;
            match first.get(&names[..]) {
                Some(seen) => {
                    assert!(Arc::ptr_eq(seen, names), "{}: a copy of a list", case.id);
                    shared += 1;
                }
                None => {
                    first.insert(&names[..], names);
                }
            }
        }
        assert!(shared > 0, "no two cases name the same variables");
    }
}
