//! Configuration profiles: `mpsd-conformance.toml` (or `--config`, `CONFORMANCE_CONFIG`) with
//! `[profile.default]` and named profiles that fill in `run`'s and `explore`'s flags and the
//! world, as nextest's `.config/nextest.toml` does for nextest.

mod apply;
mod error;
mod file;
mod keys;
mod layers;
mod reference;

pub use apply::{fill, Configured};
pub use keys::{Command, Destination, KEYS};
