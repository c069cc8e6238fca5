//! Why a case set was refused. Every problem renders as `path:line:col: message` (syntax, unknown
//! fields, wrong types) or `path: <JSON pointer>: message` (meaning), and all of them are listed.

use std::fmt;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("failed to read {path}: {message}")]
    Io { path: String, message: String },
    #[error("{}", render(.0))]
    Invalid(Vec<Problem>),
}

/// One problem in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub at: Position,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Position {
    /// 1-based line and column of a syntax or type error.
    LineCol(usize, usize),
    /// A JSON pointer into the file's document.
    Pointer(String),
    /// The file as a whole.
    File,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.at {
            Position::LineCol(line, col) => {
                write!(f, "{}:{line}:{col}: {}", self.path, self.message)
            }
            Position::Pointer(p) => {
                let p = if p.is_empty() { "/" } else { p };
                write!(f, "{}: {p}: {}", self.path, self.message)
            }
            Position::File => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

fn render(problems: &[Problem]) -> String {
    let mut out = format!(
        "the case set is invalid ({} problem{}):",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}

impl Problem {
    pub fn at_pointer(
        path: &str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            path: path.to_string(),
            at: Position::Pointer(pointer.into()),
            message: message.into(),
        }
    }

    /// A serde_json error, which knows its line and column; `field` names where a type mistake
    /// is, so the message can say what the field must be.
    pub fn from_serde(path: &str, err: &serde_json::Error, field: Option<&str>) -> Problem {
        let message = super::de::readable(&strip_position(&err.to_string()), field);
        Problem {
            path: path.to_string(),
            at: Position::LineCol(err.line().max(1), err.column().max(1)),
            message,
        }
    }
}

/// serde_json appends " at line L column C" to its messages; the position is shown in front.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}
