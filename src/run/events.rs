//! What a run tells its reporters as it goes (nextest's runner → events → reporters).

use super::outcome::CaseResult;

#[derive(Clone, Debug)]
pub enum Event {
    /// The run begins with this many cases.
    Started {
        total: usize,
    },
    CaseStarted {
        id: String,
    },
    CaseFinished {
        result: Box<CaseResult>,
    },
}

/// Receives events; reporters implement it.
pub trait EventSink: Send {
    fn event(&mut self, event: &Event);
}

/// Discards events.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn event(&mut self, _: &Event) {}
}
