//! From a case set to executable plans, once per case at load time: fixtures flattened,
//! variants expanded, templates bound, expectations compiled, schema references resolved; and
//! the selection of a run (filters, shards).

mod case;
mod compile;
mod coverage;
mod expect;
mod flatten;
mod load;
mod select;
mod step;
pub mod template;

pub use crate::case::generate::CoverageCell;
pub use case::{CasePlan, Made, VarTable};
pub use compile::compile_expect;
pub use coverage::{coverage, coverage_view, ungated, CoverageRow, CoverageTable, RuleCoverage};
pub use expect::{
    BodyCheck, ExpectPlan, HeaderCheck, Invariant, InvariantCheck, JsonCheck, JsonType,
    MemberCheck, Pattern, Rule, SchemaRef, StatusCheck, TallyCheck, WhenPlan,
};
pub use load::{load, CaseFileLoader, PlanSet};
pub use select::{fnv1a64, Partition, Selection};
pub use step::{
    joins_value, Action, BodyPlan, Caller, Capture, CaptureFrom, Guard, Joins, RequestPlan,
    RequestStep, Snapshot, StepPlan, UnchangedForm, UnchangedStep,
};
pub use template::{credentials_of, Env, RenderError, TValue, Text};
