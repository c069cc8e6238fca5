//! The case-file format: model, loading with positioned errors, meaning checks, fingerprint.
//! It knows nothing of HTTP.

mod de;
mod error;
mod fingerprint;
mod flatten;
mod hex;
mod load;
mod model;
mod rules;
mod scope;
mod source;
pub mod template;
mod validate;

pub use error::{LoadError, Position, Problem};
pub use fingerprint::{file_sha256, fingerprint};
pub use flatten::{flatten, Action, FlatStep, UnchangedForm};
pub use hex::decode_hex;
pub use load::{case_id, is_case_file, load, CaseSet, LoadedCase};
pub use model::*;
pub use rules::{severity_agrees, Basis, MayForm, Rule, RulesFile};
pub use scope::{Scope, VarRef};
pub use source::{CaseSource, SourceFile};
pub use validate::INVARIANTS;
