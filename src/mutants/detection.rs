//! The detection score of a case set: faults of the built-in fault catalog it catches / faults.
//! report.json's `harness.detection_score` carries it for the case set that judged the run.
//!
//! Where the score comes from, in order: the record committed beside this file, for the
//! embedded catalog (tests/it/mutants.rs fails when it is stale); else the record `mutants` cached
//! for that case set in the user's cache directory; else none (null in the report).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::reference::Fault;

use super::error::MutantsError;
use super::measure::Measurement;

/// How many catching cases a record keeps per fault.
const CATCHERS_KEPT: usize = 3;

/// The record for the embedded catalog, refreshed with
/// `UPDATE_DETECTION=1 cargo test --test it mutants::`.
pub const COMMITTED_RECORD: &str = include_str!("detection.json");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectionRecord {
    /// The case set measured.
    pub fingerprint: String,
    /// The fault catalog and harness that measured it (`fault_catalog_digest`).
    pub faults: String,
    pub caught: usize,
    pub total: usize,
    pub score: f64,
    /// For each fault caught, the first cases that catch it (by id): what `cargo test` runs
    /// again to prove the record, instead of the whole catalog against every fault.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub catchers: BTreeMap<String, Vec<String>>,
    /// The faults proved by the explorer instead, with `explore --seed <seed> --budget
    /// <programs>`: the races (a case catches one only by chance), and any the catalog misses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explorer: Option<ExplorerRecord>,
}

/// What the explorer proves in a record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExplorerRecord {
    pub seed: u64,
    pub programs: u64,
    pub faults: Vec<String>,
}

impl DetectionRecord {
    /// The record of a measurement; only a measurement of the whole fault catalog makes one.
    pub fn of(m: &Measurement) -> Option<Self> {
        let whole = m.total() == Fault::ALL.len()
            && m.verdicts
                .iter()
                .map(|v| v.fault)
                .eq(Fault::ALL.iter().copied());
        whole.then(|| Self {
            fingerprint: m.fingerprint.clone(),
            faults: fault_catalog_digest(),
            caught: m.caught(),
            total: m.total(),
            score: m.score(),
            catchers: m
                .verdicts
                .iter()
                .filter(|v| v.caught_by_run() && !v.fault.is_race())
                .map(|v| {
                    let ids = v
                        .failing_cases
                        .iter()
                        .filter(|c| c.catches)
                        .map(|c| c.id.clone())
                        .take(CATCHERS_KEPT)
                        .collect();
                    (v.fault.name().to_string(), ids)
                })
                .collect(),
            explorer: m
                .verdicts
                .iter()
                .find_map(|v| v.explored.as_ref())
                .map(|e| ExplorerRecord {
                    seed: e.seed,
                    programs: e.programs,
                    faults: m
                        .verdicts
                        .iter()
                        .filter(|v| {
                            v.caught_by_explore() && (v.fault.is_race() || !v.caught_by_run())
                        })
                        .map(|v| v.fault.name().to_string())
                        .collect(),
                }),
        })
    }

    pub fn committed() -> Option<Self> {
        serde_json::from_str(COMMITTED_RECORD).ok()
    }

    /// Pretty JSON with a final newline, as committed.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Whether it was measured on the case set with this fingerprint by this fault catalog.
    pub fn applies_to(&self, fingerprint: &str) -> bool {
        self.fingerprint == fingerprint && self.faults == fault_catalog_digest()
    }
}

/// Identifies the fault catalog (names, rules, descriptions) and the harness version that judges
/// with it: a score measured by another binary is not this one's.
pub fn fault_catalog_digest() -> String {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    for fault in Fault::ALL {
        hasher.update([0u8]);
        hasher.update(fault.name().as_bytes());
        hasher.update([0u8]);
        hasher.update(fault.rules().join(",").as_bytes());
        hasher.update([0u8]);
        hasher.update(fault.description().as_bytes());
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

/// The score of the case set with this fingerprint, if it was ever measured by this binary's
/// fault catalog.
pub fn detection_score(fingerprint: &str) -> Option<f64> {
    if let Some(record) = DetectionRecord::committed().filter(|r| r.applies_to(fingerprint)) {
        return Some(record.score);
    }
    let bytes = std::fs::read(cache_path(fingerprint)?).ok()?;
    let record: DetectionRecord = serde_json::from_slice(&bytes).ok()?;
    record.applies_to(fingerprint).then_some(record.score)
}

/// `<user cache dir>/mpsd-conformance/detection/<fingerprint hex>.json`.
pub fn cache_path(fingerprint: &str) -> Option<PathBuf> {
    let name = fingerprint.strip_prefix("sha256:").unwrap_or(fingerprint);
    let safe = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric());
    let dir = dirs::cache_dir()?;
    safe.then(|| {
        dir.join("mpsd-conformance")
            .join("detection")
            .join(format!("{name}.json"))
    })
}

/// Caches the record for later runs of the same case set; returns where.
pub fn write_cache(record: &DetectionRecord) -> Result<PathBuf, MutantsError> {
    let path = cache_path(&record.fingerprint).ok_or(MutantsError::NoCacheDir)?;
    let failed = |source| MutantsError::Write {
        path: path.clone(),
        source,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    std::fs::write(&path, record.to_json()).map_err(failed)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_record_parses() {
        let record = DetectionRecord::committed();
        assert!(record.is_some(), "{COMMITTED_RECORD}");
        let record = record.unwrap_or_else(|| unreachable!());
        assert!(record.fingerprint.starts_with("sha256:"));
        assert!(record.caught <= record.total);
    }

    #[test]
    fn a_record_applies_only_to_its_case_set_and_fault_catalog() {
        let record = DetectionRecord {
            fingerprint: "sha256:ab".into(),
            faults: fault_catalog_digest(),
            caught: 1,
            total: 2,
            score: 0.5,
            catchers: BTreeMap::new(),
            explorer: None,
        };
        assert!(record.applies_to("sha256:ab"));
        assert!(!record.applies_to("sha256:cd"));
        let other = DetectionRecord {
            faults: "sha256:00".into(),
            ..record
        };
        assert!(!other.applies_to("sha256:ab"));
    }

    #[test]
    fn cache_paths_are_named_by_the_fingerprint_only() {
        if let Some(path) = cache_path("sha256:0a1b") {
            assert!(path.ends_with("mpsd-conformance/detection/0a1b.json"));
        }
        assert_eq!(cache_path("sha256:../x"), None);
    }
}
