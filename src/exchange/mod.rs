//! One request and its answer as plain data: what the client produces, what checks read, what
//! runs record and reports write. It knows no HTTP client, so `check` and `report` read it
//! without depending on `http`.

mod error;
mod message;
mod path;
mod pointer;
mod readable;
mod record;
mod redact;
mod resource;

pub use error::TransportError;
pub use message::{Framing, RequestData, ResponseData};
pub use path::{percent_decode, same_path, url_path};
pub use pointer::lookup;
pub use readable::{json_from_bytes, read_leniently};
pub use record::{cut, Exchange, BODY_LIMIT};
pub use redact::{secret_header, Redactor, REDACTED};
pub use resource::{commit_of, is_nocommit, is_write, Commit, Resource, SessionKey};
