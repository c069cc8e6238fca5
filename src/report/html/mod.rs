//! `report.html`: one self-contained page (inline style and script, no external asset, no
//! network) for a person: summary, rule × outcome matrix, a table per area, and every case that
//! needs attention with its failures, diff, transcript and a `curl` command.

mod case;
mod compare;
mod coverage;
mod markup;
mod page;
mod reporter;

pub use compare::compare_page;
pub use markup::escape;
pub use reporter::HtmlReporter;
