//! Cases generated from the request model (`cases/model.json`): every position of the body, every
//! request header in every form, the framing, every precondition form — on every resource — with
//! the expectation the contract gives each input. Deterministic: the same model gives the same
//! cases, ids and fingerprint on every run. Each cell of the model is a generated case, or says
//! why it is not tried; `rules --coverage` prints them as a matrix.

mod body;
mod build;
mod model;
mod preconditions;
mod requests;

use std::collections::BTreeMap;

use super::error::{Position, Problem};
use super::load::LoadedCase;
use super::rules::Rule;
use super::validate::{validate_case, Context};

pub use build::{Generated, Outcome};
pub use model::Model;

/// The file of a case set that declares the request model.
pub const MODEL_FILE: &str = "model.json";
/// The area, and first segment of the id, of every generated case.
pub const AREA: &str = "generated";

/// One cell of the model: a request (or write resource), a position on it, a class of value
/// (or a form), and what became of it.
#[derive(Debug)]
pub struct Cell {
    /// `body`, `headers`, `framing`, `preconditions`.
    pub table: &'static str,
    pub resource: String,
    pub position: String,
    pub class: String,
    pub state: CellState,
}

#[derive(Debug)]
pub enum CellState {
    /// A case of this id checks it.
    Generated(String, Box<Generated>),
    /// Not tried, and why.
    NotTried(String),
}

impl std::fmt::Debug for Generated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Generated").field("id", &self.id).finish()
    }
}

impl Cell {
    fn new(
        table: &'static str,
        resource: &str,
        position: &str,
        class: &str,
        state: CellState,
    ) -> Cell {
        Cell {
            table,
            resource: resource.to_string(),
            position: position.to_string(),
            class: class.to_string(),
            state,
        }
    }

    /// The id of the case that checks it, if one does.
    pub fn case_id(&self) -> Option<&str> {
        match &self.state {
            CellState::Generated(id, _) => Some(id),
            CellState::NotTried(_) => None,
        }
    }
}

/// Reads the model: every cell, or what is wrong with the file.
pub fn cells(shown: &str, bytes: &[u8]) -> Result<Vec<Cell>, Vec<Problem>> {
    let model: Model =
        serde_json::from_slice(bytes).map_err(|e| vec![Problem::from_serde(shown, &e, None)])?;
    if model.format != "mpsd-conformance-model/1" {
        return Err(vec![Problem::at_pointer(
            shown,
            "/format",
            "expected format `mpsd-conformance-model/1`",
        )]);
    }
    let mut out = Vec::new();
    let mut problems = Vec::new();
    body::cells(&model, &mut out, &mut problems);
    requests::header_cells(&model, &mut out, &mut problems);
    requests::framing_cells(&model, &mut out, &mut problems);
    preconditions::cells(&model, &mut out, &mut problems);
    if !problems.is_empty() {
        return Err(problems
            .into_iter()
            .map(|p| match p.split_once(": ") {
                Some((at, message)) if at.starts_with('/') => {
                    Problem::at_pointer(shown, at, message)
                }
                _ => Problem {
                    path: shown.to_string(),
                    at: Position::File,
                    message: p,
                },
            })
            .collect());
    }
    Ok(out)
}

/// One cell of the model as coverage shows it: what checks it, or why nothing does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageCell {
    pub table: &'static str,
    pub resource: String,
    pub position: String,
    pub class: String,
    /// The generated case that checks it.
    pub case: Option<String>,
    /// Why it is not tried.
    pub reason: Option<String>,
}

/// What the model gives a case set: its generated cases (each checked as a written case file
/// is), every cell, and what is wrong.
#[derive(Debug, Default)]
pub struct Generation {
    pub cases: Vec<LoadedCase>,
    pub cells: Vec<CoverageCell>,
    pub problems: Vec<Problem>,
}

/// Generates the model's cases; `wanted` limits them to some ids (the one-case fast path).
pub fn generate(
    shown: &str,
    bytes: &[u8],
    rules: &BTreeMap<String, Rule>,
    wanted: Option<&dyn Fn(&str) -> bool>,
) -> Generation {
    let cells = match cells(shown, bytes) {
        Ok(cells) => cells,
        Err(problems) => {
            return Generation {
                problems,
                ..Generation::default()
            }
        }
    };
    let mut out = Generation::default();
    for cell in cells {
        let (case, reason, generated) = match cell.state {
            CellState::Generated(id, generated) => (Some(id), None, Some(generated)),
            CellState::NotTried(reason) => (None, Some(reason), None),
        };
        out.cells.push(CoverageCell {
            table: cell.table,
            resource: cell.resource,
            position: cell.position,
            class: cell.class,
            case: case.clone(),
            reason,
        });
        let (Some(id), Some(generated)) = (case, generated) else {
            continue;
        };
        if wanted.is_some_and(|w| !w(&id)) {
            continue;
        }
        let file = generated.case_file(rules);
        let at = format!("{shown} ({id})");
        out.problems
            .extend(validate_case(&at, &file, &Context { rules }));
        out.cases.push(LoadedCase {
            path: MODEL_FILE.to_string(),
            shown: at,
            id,
            file,
        });
    }
    out
}
