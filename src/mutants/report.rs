//! `mutants.json` (format `mpsd-conformance-mutants/1`) and `mutants.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::report::{check_target, AtomicFile};
use crate::text::markdown::{cell, cell_code, code};

use super::error::MutantsError;
use super::measure::Measurement;
use super::verdict::{Explored, FailingCase, UncleanCase};

pub const FORMAT: &str = "mpsd-conformance-mutants/1";

#[derive(Debug, Serialize)]
pub struct MutantsReport<'a> {
    pub format: &'static str,
    /// The case set that was measured.
    pub fingerprint: &'a str,
    /// Cases that did not pass against the healthy server (a clean catalog has none).
    pub healthy_unclean: &'a [UncleanCase],
    pub faults: Vec<FaultReport<'a>>,
    pub caught: usize,
    pub total: usize,
    pub score: f64,
}

#[derive(Debug, Serialize)]
pub struct FaultReport<'a> {
    pub name: &'static str,
    pub description: &'static str,
    pub rules: &'static [&'static str],
    /// Caught by the catalog or by the explorer.
    pub caught: bool,
    /// A case of the catalog (`run`) catches it.
    pub caught_by_run: bool,
    /// The explorer with its fixed seed and budget catches it (`null`: not explored).
    pub caught_by_explore: Option<bool>,
    /// A race: a case catches it by chance; the explorer proves it.
    pub race: bool,
    pub failing_cases: &'a [FailingCase],
    pub explored: Option<&'a Explored>,
}

impl<'a> MutantsReport<'a> {
    pub fn of(m: &'a Measurement) -> Self {
        Self {
            format: FORMAT,
            fingerprint: &m.fingerprint,
            healthy_unclean: &m.unclean,
            faults: m
                .verdicts
                .iter()
                .map(|v| FaultReport {
                    name: v.fault.name(),
                    description: v.fault.description(),
                    rules: v.fault.rules(),
                    caught: v.caught(),
                    caught_by_run: v.caught_by_run(),
                    caught_by_explore: v.explored.as_ref().map(|e| e.caught),
                    race: v.fault.is_race(),
                    failing_cases: &v.failing_cases,
                    explored: v.explored.as_ref(),
                })
                .collect(),
            caught: m.caught(),
            total: m.total(),
            score: m.score(),
        }
    }
}

/// The files `mutants` writes in `dir`.
fn paths(dir: &Path) -> [PathBuf; 2] {
    [dir.join("mutants.json"), dir.join("mutants.md")]
}

/// Proves, before anything is measured, that both files can be written in `dir`.
pub fn prepare_dir(dir: &Path) -> Result<(), MutantsError> {
    for path in paths(dir) {
        check_target(&path)?;
    }
    Ok(())
}

/// Writes `mutants.json` and `mutants.md` into `dir`; returns their paths.
pub fn write_report(dir: &Path, m: &Measurement) -> Result<Vec<PathBuf>, MutantsError> {
    let json = serde_json::to_vec_pretty(&MutantsReport::of(m)).map_err(MutantsError::Render)?;
    let [json_path, md_path] = paths(dir);
    let mut written = Vec::new();
    for (path, bytes) in [(json_path, json), (md_path, markdown(m).into_bytes())] {
        let mut file = AtomicFile::create(&path)?;
        file.write_all(&bytes)?;
        written.push(file.commit()?);
    }
    Ok(written)
}

/// Faults against the cases that failed: survivors first, then every fault with its cases (the
/// catching ones in bold, with the rules their failures name).
pub fn markdown(m: &Measurement) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Mutants: {} of {} faults caught (score {:.3})\n",
        m.caught(),
        m.total(),
        m.score()
    );
    let _ = writeln!(out, "Case set {}.\n", code(&m.fingerprint));
    if !m.unclean.is_empty() {
        let _ = writeln!(
            out,
            "## Not clean against the healthy reference ({})\n",
            m.unclean.len()
        );
        for c in &m.unclean {
            let why = c.message.as_deref().unwrap_or("").replace('\n', " ");
            let _ = writeln!(out, "- {}: {} — {}", code(&c.id), c.outcome, cell(&why));
        }
        out.push('\n');
    }
    let survivors: Vec<_> = m.survivors().collect();
    if !survivors.is_empty() {
        let _ = writeln!(out, "## Survivors ({})\n", survivors.len());
        for v in survivors {
            let _ = writeln!(
                out,
                "- `{}` ({}): {}",
                v.fault.name(),
                v.fault.rules().join(", "),
                v.fault.description()
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## Faults × failing cases and findings\n");
    let explored = m.verdicts.iter().find_map(|v| v.explored.as_ref());
    if let Some(e) = explored {
        let _ = writeln!(
            out,
            "`run`: the catalog catches it. `explore`: `explore --seed {} --budget {}` catches it (a race is one only two requests at once show: a case catches it by chance).\n",
            e.seed, e.programs
        );
    }
    let _ = writeln!(
        out,
        "| fault | rules | run | explore | failing cases | findings |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for v in &m.verdicts {
        let cases: Vec<String> = v
            .failing_cases
            .iter()
            .map(|c| {
                let shown = format!("{} ({})", cell_code(&c.id), cell(&c.rules.join(", ")));
                if c.catches {
                    format!("**{shown}**")
                } else {
                    shown
                }
            })
            .collect();
        let findings: Vec<String> = v
            .explored
            .iter()
            .flat_map(|e| e.findings.iter())
            .map(|f| {
                cell(&format!(
                    "[{}] in {} step{}",
                    f.rules.join(", "),
                    f.steps,
                    if f.steps == 1 { "" } else { "s" }
                ))
            })
            .collect();
        let yes_no = |caught: bool| if caught { "yes" } else { "**no**" };
        let _ = writeln!(
            out,
            "| `{}`{} | {} | {} | {} | {} | {} |",
            v.fault.name(),
            if v.fault.is_race() { " (race)" } else { "" },
            v.fault.rules().join(", "),
            yes_no(v.caught_by_run()),
            v.explored.as_ref().map_or("—", |e| yes_no(e.caught)),
            if cases.is_empty() {
                "—".to_string()
            } else {
                cases.join("<br>")
            },
            if findings.is_empty() {
                "—".to_string()
            } else {
                findings.join("<br>")
            }
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutants::FaultVerdict;
    use crate::reference::Fault;

    fn measurement() -> Measurement {
        let case = |id: &str, catches: bool| FailingCase {
            id: id.into(),
            severity: "must",
            rules: vec!["O10".into()],
            gating: true,
            catches,
        };
        Measurement {
            fingerprint: "sha256:00".into(),
            unclean: vec![],
            verdicts: vec![
                FaultVerdict {
                    fault: Fault::WrongVerb404,
                    failing_cases: vec![case("outcomes/wrong-verb", true), case("x|y", false)],
                    explored: None,
                },
                FaultVerdict {
                    fault: Fault::CreateAnswers200,
                    failing_cases: vec![],
                    explored: None,
                },
            ],
        }
    }

    #[test]
    fn the_json_has_the_pinned_fields() {
        let m = measurement();
        let doc = serde_json::to_value(MutantsReport::of(&m)).unwrap_or_default();
        assert_eq!(doc["format"], FORMAT);
        assert_eq!(
            (doc["caught"].as_u64(), doc["total"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(doc["score"], 0.5);
        let fault = &doc["faults"][0];
        assert_eq!(fault["name"], "wrong-verb-404");
        assert_eq!(fault["rules"][0], "O10");
        assert_eq!(fault["caught"], true);
        assert!(fault["description"].as_str().is_some_and(|d| !d.is_empty()));
        assert_eq!(fault["failing_cases"][0]["id"], "outcomes/wrong-verb");
        assert_eq!(doc["faults"][1]["caught"], false);
    }

    #[test]
    fn markdown_lists_survivors_first_and_bolds_catching_cases() {
        let md = markdown(&measurement());
        assert!(md.starts_with("# Mutants: 1 of 2 faults caught (score 0.500)"));
        let survivors = md.find("## Survivors (1)").unwrap_or(usize::MAX);
        let table = md
            .find("## Faults × failing cases and findings")
            .unwrap_or(0);
        assert!(survivors < table, "{md}");
        assert!(md.contains("**`outcomes/wrong-verb` (O10)**"), "{md}");
        assert!(
            md.contains("| `create-answers-200` | O2 | **no** | — | — | — |"),
            "{md}"
        );
    }
}
