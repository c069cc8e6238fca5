//! One request and its answer as plain data: what the client produces, what checks read, what
//! runs record and reports write. It knows no HTTP client, so `check` and `report` read it
//! without depending on `http`.

mod error;
mod message;
mod pointer;
mod record;
mod redact;

pub use error::TransportError;
pub use message::{RequestData, ResponseData};
pub use record::{cut, Exchange, BODY_LIMIT};
pub use redact::{secret_header, Redactor, REDACTED};
