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
    /// A request of a running case was answered after `retries` polite 429/503s, each waited
    /// out (sent as it happens; its case's `CaseFinished` comes later).
    CaseRetried {
        id: String,
        /// The request, `METHOD path`.
        request: String,
        retries: usize,
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

/// A sink lent to the runner while its owner keeps it.
impl<T: EventSink + ?Sized> EventSink for &mut T {
    fn event(&mut self, event: &Event) {
        (**self).event(event);
    }
}

/// Two sinks fed the same events, the first first (the console and the report files).
impl<A: EventSink, B: EventSink> EventSink for (A, B) {
    fn event(&mut self, event: &Event) {
        self.0.event(event);
        self.1.event(event);
    }
}
