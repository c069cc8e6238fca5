//! The proof of the catalog's teeth: the case catalog run against the reference server with each
//! fault of its fault catalog planted alone. A fault that no gating case catches — with a rule
//! the fault breaks — survives, and is a hole in the catalog.

mod detection;
mod error;
mod measure;
mod report;
mod verdict;

pub use detection::{
    cache_path, detection_score, fault_catalog_digest, write_cache, DetectionRecord,
    ExplorerRecord, COMMITTED_RECORD,
};
pub use error::MutantsError;
pub use measure::{measure, ExploreOptions, Measurement, MutantsOptions};
pub use report::{markdown, prepare_dir, write_report, MutantsReport, FORMAT};
pub use verdict::{Explored, ExploredFinding, FailingCase, FaultVerdict, UncleanCase};
