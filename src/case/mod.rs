//! The case-file format: model, reading with positioned errors, what a file means on its own,
//! the fingerprint, and the `{{template}}` language's parser. It knows nothing of HTTP.

mod de;
mod dupes;
mod error;
mod fingerprint;
pub mod generate;
mod hex;
mod ignored;
mod load;
mod model;
mod rules;
mod scope;
mod source;
pub mod template;
mod validate;

pub use error::{LoadError, Position, Problem};
pub use fingerprint::{file_sha256, fingerprint};
pub use hex::decode_hex;
pub use ignored::is_ignored_name;
pub use load::{
    case_files, case_id, is_case_file, is_doc_file, read, read_case, CaseSet, LoadedCase, Read,
    SetIdentity,
};
pub use model::*;
pub use rules::{severity_agrees, Basis, MayForm, Rule, RulesFile};
pub use scope::{Scope, VarRef};
pub use source::{CaseSource, SourceFile, MAX_FILE_BYTES};
