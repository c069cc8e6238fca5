//! Retrying a throttled request: a 429 or 503 that says, in `Retry-After`, when to come back is
//! sent again after that delay, within the run's policy (`--retries`, `--max-retry-wait`). Every
//! attempt is kept, so the transcript shows what the server said each time.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

use crate::exchange::{RequestData, ResponseData, TransportError};

use super::client::HttpClient;

/// Retries of a throttled request unless `--retries` says otherwise.
pub const DEFAULT_RETRIES: u32 = 3;
/// The longest `Retry-After` honoured unless `--max-retry-wait` says otherwise, in seconds.
pub const DEFAULT_MAX_RETRY_WAIT_SECS: f64 = 30.0;

/// How far the harness goes to get past throttling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 turns retrying off.
    pub retries: u32,
    /// A longer demand is not waited for.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retries: DEFAULT_RETRIES,
            max_wait: Duration::from_secs_f64(DEFAULT_MAX_RETRY_WAIT_SECS),
        }
    }
}

/// What happens after a throttled answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Send the request again after this delay.
    RetryAfter(Duration),
    /// Stop: the answer stands, and this says why it was not retried (what the server asked).
    GiveUp(String),
    /// `Retry-After` is missing or unreadable: nothing to honour, the answer stands as it is
    /// (the global checks judge it).
    Answer,
}

impl RetryPolicy {
    /// Decides about a throttled `response`, the answer to attempt `retries_so_far + 1`.
    pub fn decide(
        &self,
        response: &ResponseData,
        retries_so_far: u32,
        now: SystemTime,
    ) -> Decision {
        let Some(value) = response.header("retry-after") else {
            return Decision::Answer;
        };
        let Some(wait) = RetryAfter::parse(value).map(|r| r.wait(now)) else {
            return Decision::Answer;
        };
        let status = response.status;
        let asked = format!("Retry-After: {}", value.trim());
        if self.retries == 0 {
            return Decision::GiveUp(format!(
                "throttled: the target answered {status} ({asked}); retries are off (--retries 0)"
            ));
        }
        if wait > self.max_wait {
            return Decision::GiveUp(format!(
                "throttled: the target answered {status} and asked for a wait of {} ({asked}), \
                 longer than --max-retry-wait ({})",
                seconds(wait),
                seconds(self.max_wait)
            ));
        }
        if retries_so_far >= self.retries {
            return Decision::GiveUp(format!(
                "throttled: the target still answered {status} ({asked}) after {retries_so_far} \
                 {} (--retries {})",
                if retries_so_far == 1 {
                    "retry"
                } else {
                    "retries"
                },
                self.retries
            ));
        }
        Decision::RetryAfter(wait)
    }
}

/// What a `Retry-After` value says (RFC 9110 §10.2.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// delay-seconds.
    Delay(Duration),
    /// An HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms).
    Date(SystemTime),
}

impl RetryAfter {
    /// `None` when the value is neither delay-seconds nor an HTTP-date.
    pub fn parse(value: &str) -> Option<RetryAfter> {
        let value = value.trim();
        if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
            // Digits beyond u64 still mean "a very long time".
            let secs = value.parse().unwrap_or(u64::MAX);
            return Some(RetryAfter::Delay(Duration::from_secs(secs)));
        }
        httpdate::parse_http_date(value).ok().map(RetryAfter::Date)
    }

    /// How long to wait from `now`; a date in the past asks for no wait.
    pub fn wait(self, now: SystemTime) -> Duration {
        match self {
            RetryAfter::Delay(d) => d,
            RetryAfter::Date(date) => date.duration_since(now).unwrap_or(Duration::ZERO),
        }
    }
}

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 || s >= 100.0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{s:.1} s")
    }
}

/// One request sent once, and what came of it.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub result: Result<ResponseData, TransportError>,
    pub duration: Duration,
}

/// Every attempt at one request, in order, and how the attempts ended.
#[derive(Clone, Debug)]
pub struct Retried {
    pub attempts: Vec<Attempt>,
    pub end: RetryEnd,
}

#[derive(Clone, Debug, PartialEq)]
pub enum RetryEnd {
    /// The last attempt is the answer: not throttled, a transport error, or a throttled answer
    /// with no usable `Retry-After`.
    Answered,
    /// The last attempt was throttled and is not retried; the message says why.
    GaveUp(String),
    /// Interrupted while sending or waiting: the last attempt, if any, is not the answer.
    Interrupted,
}

impl Retried {
    /// Attempts after the first.
    pub fn retries(&self) -> u32 {
        u32::try_from(self.attempts.len().saturating_sub(1)).unwrap_or(u32::MAX)
    }
}

/// What an interruption cuts short.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interrupts {
    /// The waits for a retry only; an attempt in flight gets its answer (teardown).
    Waits,
    /// The waits and the attempt in flight.
    SendsAndWaits,
}

/// After a throttled answer whose `Retry-After` is honoured, the run holds back: no request sent
/// with retries goes before that time, so requests that were told to wait are not overtaken by
/// fresh ones (which a limiter counting accepted requests would let starve them).
///
/// And while throttling lasts, such requests go one at a time, each keeping its turn through its
/// own waits and retries: after a pause, every request in flight coming back at once would meet
/// the limit again together, and some would spend their retries losing that race (against a
/// limit of 5 requests a second, `--jobs 16`, a third of the catalog did). One at a time, a
/// request is throttled about once.
#[derive(Debug, Default)]
pub struct Backoff {
    until: Mutex<Option<Instant>>,
    /// Held by the request whose turn it is while requests go one at a time.
    turn: tokio::sync::Mutex<()>,
}

/// How long requests keep going one at a time after the last throttled answer's wait ended.
const SERIAL_AFTER_THROTTLING: Duration = Duration::from_secs(5);

impl Backoff {
    fn hold_for(&self, wait: Duration) {
        let mut until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        let end = Instant::now() + wait;
        *until = Some(until.map_or(end, |u| u.max(end)));
    }

    fn remaining(&self) -> Duration {
        let until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        until.map_or(Duration::ZERO, |u| {
            u.saturating_duration_since(Instant::now())
        })
    }

    /// Whether requests go one at a time now: until a while after the last wait ended.
    fn serial(&self) -> bool {
        let until = self.until.lock().unwrap_or_else(PoisonError::into_inner);
        until.is_some_and(|u| Instant::now() < u + SERIAL_AFTER_THROTTLING)
    }
}

impl HttpClient {
    /// Sends `request`, and again while the answer is `throttled` (a well-formed 429 or 503, as
    /// the caller judges it) and the policy allows. `interrupted` resolves when the run is
    /// interrupted; it ends a wait at once, and an attempt in flight too when `cuts` says so.
    pub async fn send_with_retries<F>(
        &self,
        request: &RequestData,
        throttled: impl Fn(&ResponseData) -> bool,
        interrupted: F,
        cuts: Interrupts,
    ) -> Retried
    where
        F: Future<Output = ()>,
    {
        let policy = self.options().retry;
        let mut interrupted = std::pin::pin!(interrupted);
        // A finished future must not be polled again.
        let mut fired = false;
        let mut attempts: Vec<Attempt> = Vec::new();
        // This request's turn while throttling lasts, kept to its last attempt.
        let mut turn = None;
        let end = loop {
            if turn.is_none() && !fired && self.backoff().serial() {
                tokio::select! {
                    biased;
                    _ = &mut interrupted => fired = true,
                    guard = self.backoff().turn.lock() => turn = Some(guard),
                }
            }
            let pause = self.backoff().remaining();
            if !pause.is_zero() && !fired {
                tokio::select! {
                    biased;
                    _ = &mut interrupted => fired = true,
                    _ = tokio::time::sleep(pause) => {}
                }
            }
            // Under `Waits`, the first attempt goes even after an interruption; a retry does not.
            if fired && (cuts == Interrupts::SendsAndWaits || !attempts.is_empty()) {
                break RetryEnd::Interrupted;
            }
            let (result, duration) = if cuts == Interrupts::SendsAndWaits {
                tokio::select! {
                    biased;
                    _ = &mut interrupted => break RetryEnd::Interrupted,
                    sent = self.send(request) => sent,
                }
            } else {
                self.send(request).await
            };
            let retries_so_far = u32::try_from(attempts.len()).unwrap_or(u32::MAX);
            let decision = match &result {
                Ok(response) if throttled(response) => {
                    policy.decide(response, retries_so_far, SystemTime::now())
                }
                _ => Decision::Answer,
            };
            attempts.push(Attempt { result, duration });
            match decision {
                Decision::Answer => break RetryEnd::Answered,
                Decision::GiveUp(why) => break RetryEnd::GaveUp(why),
                // The wait is the pause at the top of the loop.
                Decision::RetryAfter(wait) => self.backoff().hold_for(wait),
            }
        };
        Retried { attempts, end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled(status: u16, retry_after: Option<&str>) -> ResponseData {
        let headers = retry_after
            .map(|v| vec![("Retry-After".to_string(), v.to_string())])
            .unwrap_or_default();
        ResponseData::new(status, headers, Vec::new())
    }

    fn policy(retries: u32, max_wait: u64) -> RetryPolicy {
        RetryPolicy {
            retries,
            max_wait: Duration::from_secs(max_wait),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_backoff_holds_until_its_longest_wait() {
        let backoff = Backoff::default();
        assert_eq!(backoff.remaining(), Duration::ZERO);
        backoff.hold_for(Duration::from_secs(5));
        backoff.hold_for(Duration::from_secs(2));
        assert_eq!(backoff.remaining(), Duration::from_secs(5));
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_eq!(backoff.remaining(), Duration::from_secs(1));
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(backoff.remaining(), Duration::ZERO);
    }

    #[test]
    fn retry_after_reads_delay_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let wait = |v: &str| RetryAfter::parse(v).map(|r| r.wait(now));
        assert_eq!(wait("2"), Some(Duration::from_secs(2)));
        assert_eq!(wait(" 0 "), Some(Duration::ZERO));
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(wait(&later), Some(Duration::from_secs(90)));
        // RFC 850 and asctime forms are HTTP-dates too; the past asks for no wait.
        assert_eq!(wait("Sunday, 06-Nov-94 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(wait("Sun Nov  6 08:49:37 1994"), Some(Duration::ZERO));
        assert!(wait("99999999999999999999999").is_some_and(|d| d.as_secs() > 1 << 40));
        for bad in ["", "soon", "-1", "1.5", "1 s", "Tomorrow"] {
            assert_eq!(RetryAfter::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_throttled_answer_is_retried_within_the_policy() {
        let now = SystemTime::now();
        let p = policy(3, 30);
        assert_eq!(
            p.decide(&throttled(429, Some("1")), 0, now),
            Decision::RetryAfter(Duration::from_secs(1))
        );
        assert_eq!(
            p.decide(&throttled(503, Some("30")), 2, now),
            Decision::RetryAfter(Duration::from_secs(30))
        );
        assert_eq!(p.decide(&throttled(429, None), 0, now), Decision::Answer);
        assert_eq!(
            p.decide(&throttled(429, Some("later")), 0, now),
            Decision::Answer
        );
    }

    #[test]
    fn giving_up_says_what_the_server_asked_and_which_flag_stopped_it() {
        let now = SystemTime::now();
        let Decision::GiveUp(long) = policy(3, 30).decide(&throttled(429, Some("120")), 0, now)
        else {
            panic!("a wait over --max-retry-wait is not honoured");
        };
        assert!(long.starts_with("throttled:"), "{long}");
        assert!(long.contains("Retry-After: 120") && long.contains("120 s"));
        assert!(long.contains("--max-retry-wait (30 s)"), "{long}");
        let Decision::GiveUp(spent) = policy(3, 30).decide(&throttled(503, Some("1")), 3, now)
        else {
            panic!("a fourth retry is beyond --retries 3");
        };
        assert!(
            spent.contains("503") && spent.contains("after 3 retries"),
            "{spent}"
        );
        let Decision::GiveUp(off) = policy(0, 30).decide(&throttled(429, Some("0")), 0, now) else {
            panic!("--retries 0 turns retrying off");
        };
        assert!(off.contains("--retries 0"), "{off}");
    }
}
