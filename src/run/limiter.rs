//! How many cases a target can take at once, learnt from its answers: TCP's congestion control
//! (AIMD with slow start) with a delay signal in the manner of TCP Vegas. The limit doubles each
//! window while the round trip holds and nothing is throttled, grows by one per window after the
//! first back-off, halves on a 429/503 or a connection error, and shrinks by a fifth when the
//! window's quick round trip (its tenth-fastest percent) has risen well above the quietest of the
//! recent windows (a queue is building at the target). A window is as many answers as the limit:
//! about one round trip's worth.
//!
//! Pure: it is fed samples and says the limit; the scheduler (`concurrency`) does the waiting.

use std::collections::VecDeque;
use std::time::Duration;

/// What became of one request, as the limiter reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// An answer that is not a refusal to serve.
    Answered,
    /// A 429 or 503: the target asks for less.
    Throttled,
    /// No answer: the connection failed, was reset, or timed out.
    Failed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// From the request's start to the end of its answer.
    pub rtt: Duration,
    pub signal: Signal,
}

/// A window smaller than this says too little about the round trip to act on.
const MIN_WINDOW: usize = 8;
/// A window's round trip is that of its answer at this per cent of the way from the fastest:
/// not the fastest itself, which a server that does not answer in order (a thread per
/// connection, a lock handed to whoever is lucky) keeps quick while most answers wait in its
/// queue. Measured against the alternative server (tests/alt_server, Python: a thread per
/// connection, one interpreter lock), 2026-12-07: with the fastest, the limit grew to 512 in
/// flight and the catalog took 20.3 s, the server using 19.1 CPU-s; with this, 64, 12.7 s and
/// 12.2 CPU-s. The slow end stays out too: cases that wait on purpose are not a queue.
const QUICK_PERCENT: usize = 10;
/// The round trip has risen when the window's quick answer took this many times the quietest
/// window's…
const RTT_TOLERANCE: u32 = 2;
/// …and at least this much longer: on loopback a rise of a few hundred microseconds is the
/// scheduler's noise, not a queue.
const RTT_SLACK: Duration = Duration::from_millis(5);
/// The quiet round trip is the quickest of the last this many windows, not of the whole run (a
/// windowed minimum, as BBR's): a queue of the run's own drains within them, since each slow
/// window takes a fifth off the limit (0.8^16 ≈ 3 % is left); a rise that outlasts them is the
/// target's or the route's new normal, and is learnt, so that the limit grows again instead of
/// sitting at its floor for the rest of the run.
const QUIET_WINDOWS: usize = 16;

#[derive(Debug, Default)]
struct Window {
    rtts: Vec<Duration>,
}

impl Window {
    /// The round trip `QUICK_PERCENT` of the way from the fastest answer of the window.
    fn quick(&mut self) -> Option<Duration> {
        let at = self.rtts.len().checked_sub(1)? * QUICK_PERCENT / 100;
        let (_, quick, _) = self.rtts.select_nth_unstable(at);
        Some(*quick)
    }
}

#[derive(Debug)]
pub struct Limiter {
    limit: usize,
    max: usize,
    /// Doubling per window until the first back-off, as TCP's slow start.
    slow_start: bool,
    /// The quick round trip of each of the last `QUIET_WINDOWS` windows; the least of them is
    /// the target's unloaded latency.
    recent: VecDeque<Duration>,
    window: Window,
    /// Answers still due from requests sent before the last back-off: they speak of the old
    /// limit, so they neither back off again nor start a window.
    recovering: usize,
}

impl Limiter {
    /// Starts at `initial` (at least 1), never above `max`.
    pub fn new(initial: usize, max: usize) -> Limiter {
        let max = max.max(1);
        let limit = initial.clamp(1, max);
        Limiter {
            limit,
            max,
            slow_start: true,
            recent: VecDeque::with_capacity(QUIET_WINDOWS),
            window: Window::default(),
            recovering: 0,
        }
    }

    /// Cases that may be in flight now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Learns from one answer; returns whether the limit changed.
    pub fn record(&mut self, sample: Sample) -> bool {
        let before = self.limit;
        if self.recovering > 0 {
            self.recovering -= 1;
            return false;
        }
        match sample.signal {
            Signal::Throttled | Signal::Failed => self.back_off(self.limit / 2),
            Signal::Answered => {
                self.window.rtts.push(sample.rtt);
                if self.window.rtts.len() >= self.limit.max(MIN_WINDOW) {
                    if let Some(quick) = self.window.quick() {
                        self.end_window(quick);
                    }
                }
            }
        }
        self.limit != before
    }

    fn end_window(&mut self, quick: Duration) {
        let quiet = self.recent.iter().min().copied().unwrap_or(quick);
        if self.recent.len() == QUIET_WINDOWS {
            self.recent.pop_front();
        }
        self.recent.push_back(quick);
        if quick > quiet * RTT_TOLERANCE && quick > quiet + RTT_SLACK {
            self.back_off(self.limit - self.limit / 5);
            return;
        }
        let grown = if self.slow_start {
            self.limit * 2
        } else {
            self.limit + 1
        };
        self.limit = grown.min(self.max);
        self.window.rtts.clear();
    }

    fn back_off(&mut self, to: usize) {
        // The requests in flight were sent under the old limit.
        self.recovering = self.limit;
        self.limit = to.max(1);
        self.slow_start = false;
        self.window.rtts.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RTT: Duration = Duration::from_millis(50);

    fn answered(rtt: Duration) -> Sample {
        Sample {
            rtt,
            signal: Signal::Answered,
        }
    }

    fn feed(limiter: &mut Limiter, sample: Sample, times: usize) {
        for _ in 0..times {
            limiter.record(sample);
        }
    }

    /// Feeds whole windows of steady answers until the limit has moved `windows` times.
    fn steady_windows(limiter: &mut Limiter, rtt: Duration, windows: usize) {
        for _ in 0..windows {
            let mut changed = false;
            while !changed {
                changed = limiter.record(answered(rtt));
            }
        }
    }

    /// Answers still due from before a back-off.
    fn drain_recovery(limiter: &mut Limiter) {
        let due = limiter.recovering;
        feed(limiter, answered(RTT), due);
    }

    #[test]
    fn a_steady_target_doubles_the_limit_each_window_up_to_the_ceiling() {
        let mut l = Limiter::new(8, 100);
        feed(&mut l, answered(RTT), 7);
        assert_eq!(l.limit(), 8, "a window is as many answers as the limit");
        l.record(answered(RTT));
        assert_eq!(l.limit(), 16);
        steady_windows(&mut l, RTT, 2);
        assert_eq!(l.limit(), 64);
        steady_windows(&mut l, RTT, 1);
        assert_eq!(l.limit(), 100, "never above the ceiling");
        feed(&mut l, answered(RTT), 1_000);
        assert_eq!(l.limit(), 100);
    }

    #[test]
    fn a_throttled_answer_halves_the_limit_once_per_window_then_growth_is_additive() {
        let mut l = Limiter::new(8, 256);
        steady_windows(&mut l, RTT, 2);
        assert_eq!(l.limit(), 32);
        let throttled = Sample {
            rtt: RTT,
            signal: Signal::Throttled,
        };
        assert!(l.record(throttled));
        assert_eq!(l.limit(), 16);
        // The rest of the requests sent under the old limit, throttled too, do not halve it again.
        feed(&mut l, throttled, 32);
        assert_eq!(l.limit(), 16);
        assert!(
            l.record(throttled),
            "a throttled answer after recovery backs off"
        );
        assert_eq!(l.limit(), 8);
        drain_recovery(&mut l);
        steady_windows(&mut l, RTT, 3);
        assert_eq!(l.limit(), 11, "after a back-off, one more per window");
    }

    #[test]
    fn connection_errors_back_off_down_to_one_case() {
        let mut l = Limiter::new(8, 256);
        let failed = Sample {
            rtt: Duration::from_secs(10),
            signal: Signal::Failed,
        };
        for expected in [4, 2, 1, 1] {
            l.record(failed);
            assert_eq!(l.limit(), expected);
            drain_recovery(&mut l);
        }
    }

    #[test]
    fn a_rising_round_trip_shrinks_the_limit() {
        let mut l = Limiter::new(8, 256);
        steady_windows(&mut l, RTT, 3);
        assert_eq!(l.limit(), 64);
        // A queue at the target: even the quick answers of the window wait behind others.
        feed(&mut l, answered(RTT * 3), 63);
        assert_eq!(l.limit(), 64);
        l.record(answered(RTT * 3));
        assert_eq!(l.limit(), 52);
        drain_recovery(&mut l);
        // A tenth of the window quick says there is no queue: growth resumes, additively.
        feed(&mut l, answered(RTT * 3), 46);
        feed(&mut l, answered(RTT), 5);
        assert_eq!(l.limit(), 52);
        l.record(answered(RTT));
        assert_eq!(l.limit(), 53);
    }

    #[test]
    fn a_few_lucky_answers_do_not_hide_a_queue_served_out_of_order() {
        let mut l = Limiter::new(8, 256);
        steady_windows(&mut l, RTT, 3);
        assert_eq!(l.limit(), 64);
        // A thread per connection and one lock: most answers wait ten times as long, a few that
        // got the lock at once do not. The window is still a queue.
        for _ in 0..5 {
            feed(&mut l, answered(RTT * 10), 11);
            l.record(answered(RTT));
        }
        assert_eq!(l.limit(), 64);
        feed(&mut l, answered(RTT * 10), 4);
        assert_eq!(
            l.limit(),
            52,
            "five lucky answers in 64 are not a quiet target"
        );
    }

    #[test]
    fn a_lasting_rise_that_backing_off_does_not_cure_becomes_the_new_quiet() {
        let mut l = Limiter::new(8, 256);
        steady_windows(&mut l, RTT, 3);
        assert_eq!(l.limit(), 64);
        // The route to the target got longer for good: every answer from now on takes three times
        // as long, however few cases are in flight. Backing off cannot cure it, so after a while
        // the limiter must take it as the target's quiet round trip and grow again.
        let mut lowest = l.limit();
        for _ in 0..20_000 {
            l.record(answered(RTT * 3));
            lowest = lowest.min(l.limit());
        }
        assert!(lowest < 64, "the rise was first read as a queue");
        assert!(
            lowest > 1,
            "it was learnt before the limit fell to one case: {lowest}"
        );
        assert!(
            l.limit() > lowest + 10,
            "growth resumed from {lowest}: now {}",
            l.limit()
        );
    }

    #[test]
    fn a_small_rise_on_a_fast_target_is_noise() {
        let mut l = Limiter::new(8, 256);
        let quick = Duration::from_micros(200);
        steady_windows(&mut l, quick, 1);
        assert_eq!(l.limit(), 16);
        // Ten times slower, but two milliseconds: no queue worth backing off for.
        steady_windows(&mut l, Duration::from_millis(2), 1);
        assert_eq!(l.limit(), 32);
    }

    #[test]
    fn slow_start_reaches_the_default_ceiling_in_seven_round_trips_and_still_backs_off() {
        let max = crate::run::DEFAULT_MAX_JOBS as usize;
        let mut l = Limiter::new(crate::run::DEFAULT_JOBS as usize, max);
        // 8 → 1,024: seven windows, each about one round trip of answers.
        steady_windows(&mut l, RTT, 7);
        assert_eq!(l.limit(), max);
        l.record(Sample {
            rtt: RTT,
            signal: Signal::Throttled,
        });
        assert_eq!(l.limit(), max / 2);
        drain_recovery(&mut l);
        l.record(Sample {
            rtt: RTT,
            signal: Signal::Failed,
        });
        assert_eq!(l.limit(), max / 4);
        drain_recovery(&mut l);
        // A queue building at the target: the window's quick answers three times slower.
        let before = l.limit();
        feed(&mut l, answered(RTT * 3), before);
        assert_eq!(l.limit(), before - before / 5);
    }

    #[test]
    fn the_start_is_clamped_to_the_ceiling() {
        assert_eq!(Limiter::new(8, 4).limit(), 4);
        assert_eq!(Limiter::new(0, 0).limit(), 1);
    }
}
