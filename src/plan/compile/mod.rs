//! Compiling case files into plans. Everything that can be known before a request is sent is
//! checked here, where it is compiled: a problem is reported with the file and the JSON pointer
//! of what is wrong, and a case with a problem yields no plan at all.

mod bind;
mod expect;
mod request;
mod steps;
mod syntax;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

use crate::case::template::escape_pointer;
use crate::case::{Expect, LoadedCase, Problem, Scope, Suite, Variant};

use super::case::CasePlan;
use super::expect::{ExpectPlan, Rule, SchemaRef};
use super::flatten::flatten;
use super::step::StepPlan;
use bind::Vars;

pub(super) use syntax::{header_name, header_value};

/// What every case file is compiled against.
pub(super) struct Context<'a> {
    pub suite: &'a Suite,
    /// suite.json as messages show it.
    pub suite_path: String,
    /// Compiled response schemas by file name; `None` for a schema that is broken (reported
    /// already: references to it are not reported again).
    pub schemas: &'a BTreeMap<String, Option<SchemaRef>>,
}

/// Compiled fixture uses, by what decides them: their steps, and the variables after them.
type Shared = HashMap<String, (Vec<Arc<StepPlan>>, Vars)>;

/// Compiles case files one after the other, sharing rule ids and fixture uses between them.
pub(super) struct Compiler<'a> {
    ctx: Context<'a>,
    rules: HashMap<String, Rule>,
    shared: Shared,
    /// The cases' lists of variable names, each kept once.
    var_names: HashSet<Arc<[Box<str>]>>,
}

impl<'a> Compiler<'a> {
    pub fn new(ctx: Context<'a>) -> Compiler<'a> {
        Compiler {
            ctx,
            rules: HashMap::new(),
            shared: HashMap::new(),
            var_names: HashSet::new(),
        }
    }

    /// The plans of one case file (one per variant), or its problems.
    pub fn file(&mut self, case: &LoadedCase) -> Result<Vec<CasePlan>, Vec<Problem>> {
        let mut problems = Vec::new();
        let flat = match flatten(&case.file, self.ctx.suite) {
            Ok(steps) => steps,
            Err((pointer, message)) => {
                // A fixture's own mistake is written in suite.json.
                let p = match pointer.split_once('#') {
                    Some((_, p)) => Problem::at_pointer(&self.ctx.suite_path, p, message),
                    None => Problem::at_pointer(&case.shown, pointer, message),
                };
                return Err(vec![p]);
            }
        };
        let area = case.id.split('/').next().unwrap_or_default().to_string();
        let variants: Vec<Option<(usize, &Variant)>> = if case.file.variants.is_empty() {
            vec![None]
        } else {
            case.file.variants.iter().enumerate().map(Some).collect()
        };
        let mut plans = Vec::with_capacity(variants.len());
        for variant in variants {
            let (id, rules, severity, whose) = match variant {
                None => (
                    case.id.clone(),
                    case.file.rules.clone(),
                    case.file.severity,
                    "the case's `rules`".to_string(),
                ),
                Some((_, v)) => (
                    format!("{}::{}", case.id, v.name),
                    v.rules.clone().unwrap_or_else(|| case.file.rules.clone()),
                    v.severity.unwrap_or(case.file.severity),
                    match &v.rules {
                        Some(_) => format!("the `rules` of variant `{}`", v.name),
                        None => "the case's `rules`".to_string(),
                    },
                ),
            };
            let mut compiler = CaseCompiler::new(
                &self.ctx,
                (&mut self.rules, &mut self.shared, &mut problems),
                &case.shown,
                &rules,
                whose,
            );
            compiler.variant = variant;
            let steps = compiler.steps(&flat);
            if let Some((i, v)) = variant {
                // A value the steps never read is checked too, against everything they set.
                let vars = compiler.vars.clone();
                compiler.in_variant = true;
                for (key, raw) in &v.fields {
                    let at = format!("/variants/{i}/{}", escape_pointer(key));
                    compiler.value(raw, &Scope::Case, &at);
                }
                compiler.in_variant = false;
                compiler.vars = vars;
            }
            let statuses = compiler.statuses.len();
            let vars = std::mem::take(&mut compiler.vars).table(statuses, &mut self.var_names);
            plans.push(CasePlan {
                id,
                area: area.clone(),
                title: case.file.title.clone(),
                rules,
                severity,
                path: case.path.clone(),
                steps,
                vars,
            });
        }
        if problems.is_empty() {
            Ok(plans)
        } else {
            Err(problems)
        }
    }
}

/// An expectation compiled on its own, outside any case: rules resolved against `case_rules`,
/// no variables, no schemas, problems at pointers under `/expect`. For tests and tools that
/// judge one answer.
pub fn compile_expect(expect: &Expect, case_rules: &[String]) -> Result<ExpectPlan, Vec<Problem>> {
    let suite = Suite {
        schema: None,
        headers: BTreeMap::new(),
        body_headers: BTreeMap::new(),
        world: BTreeMap::new(),
        identities: BTreeMap::new(),
        fixtures: BTreeMap::new(),
    };
    let schemas = BTreeMap::new();
    let ctx = Context {
        suite: &suite,
        suite_path: "suite.json".into(),
        schemas: &schemas,
    };
    let mut interned = HashMap::new();
    let mut shared = HashMap::new();
    let mut problems = Vec::new();
    let mut compiler = CaseCompiler::new(
        &ctx,
        (&mut interned, &mut shared, &mut problems),
        "expectation",
        case_rules,
        "the case's `rules`".into(),
    );
    let plan = compiler.expect("/expect", expect, None, false);
    if problems.is_empty() {
        Ok(plan)
    } else {
        Err(problems)
    }
}

/// One case (a file, or one of its variants) being compiled.
pub(super) struct CaseCompiler<'a> {
    ctx: &'a Context<'a>,
    interned: &'a mut HashMap<String, Rule>,
    shared: &'a mut Shared,
    /// The case file as messages show it.
    path: &'a str,
    variant: Option<(usize, &'a Variant)>,
    case_rules: &'a [String],
    /// Whose rules an expectation's rule must be among, for messages.
    whose: String,
    vars: Vars,
    /// Compiling a burst step: `{{burst.index}}` has a value.
    in_burst: bool,
    /// Binding a variant's value: it may not read other variant fields.
    in_variant: bool,
    /// Inside a fixture: where each parameter's value is written.
    param_at: Option<Rc<BTreeMap<String, String>>>,
    /// Status slots of the named request steps so far (what `onlyIf` reads).
    statuses: BTreeMap<String, usize>,
    problems: &'a mut Vec<Problem>,
}

/// What a case's compiler writes into that outlives it: the interned rules, the plans shared
/// between cases, and the problems found.
type Outputs<'a> = (
    &'a mut HashMap<String, Rule>,
    &'a mut Shared,
    &'a mut Vec<Problem>,
);

impl<'a> CaseCompiler<'a> {
    /// A compiler for one case (not a variant: set `variant` for one), nothing bound yet.
    fn new(
        ctx: &'a Context<'a>,
        (interned, shared, problems): Outputs<'a>,
        path: &'a str,
        case_rules: &'a [String],
        whose: String,
    ) -> Self {
        CaseCompiler {
            ctx,
            interned,
            shared,
            path,
            variant: None,
            case_rules,
            whose,
            vars: Vars::default(),
            in_burst: false,
            in_variant: false,
            param_at: None,
            statuses: BTreeMap::new(),
            problems,
        }
    }
}

impl CaseCompiler<'_> {
    /// A problem at `pointer`: in the case file, or `suite.json#<pointer>` in suite.json.
    fn problem(&mut self, pointer: &str, message: impl Into<String>) {
        let p = match pointer.split_once('#') {
            Some((_, p)) => Problem::at_pointer(&self.ctx.suite_path, p, message),
            None => Problem::at_pointer(self.path, pointer, message),
        };
        if !self.problems.contains(&p) {
            self.problems.push(p);
        }
    }

    /// The rule an expectation enforces: its own, else its block's, else the case's only rule.
    fn rule(&mut self, pointer: &str, own: Option<&str>, block: Option<&str>) -> Rule {
        let resolved = own.or(block).or(match self.case_rules {
            [only] => Some(only.as_str()),
            _ => None,
        });
        let problem = match resolved {
            None => Some(format!(
                "this expectation carries no rule: give it `rule`, or the `expect` block a `rule` (a case with several rules cannot choose for it; see {})",
                self.whose
            )),
            Some(rule) if !self.case_rules.iter().any(|r| r == rule) => {
                Some(format!("rule `{rule}` is not among {}", self.whose))
            }
            Some(_) => None,
        };
        if let Some(message) = problem {
            self.problem(pointer, message);
        }
        let id = resolved.unwrap_or("?");
        if let Some(rule) = self.interned.get(id) {
            return Arc::clone(rule);
        }
        let rule: Rule = Arc::from(id);
        self.interned.insert(id.to_string(), Arc::clone(&rule));
        rule
    }
}
