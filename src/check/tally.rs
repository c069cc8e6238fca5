//! `expect.tally`: counts over the answers of a burst step, by status.

use crate::plan::TallyCheck;

use super::failure::Failure;
use super::judge::one_of;

/// Every tally that the statuses of a burst's answers break.
pub fn judge_tally(tally: &[TallyCheck], statuses: &[u16]) -> Vec<Failure> {
    let mut out = Vec::new();
    for t in tally {
        let n = statuses.iter().filter(|s| t.status.contains(**s)).count();
        let set = one_of(&t.status.0);
        let (expectation, holds) = match (t.count, t.min, t.max) {
            (Some(c), _, _) => (format!("exactly {c} answers with status {set}"), n == c),
            (None, min, max) => {
                let ok = min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m);
                let bounds = match (min, max) {
                    (Some(a), Some(b)) => format!("{a} to {b}"),
                    (Some(a), None) => format!("at least {a}"),
                    (None, Some(b)) => format!("at most {b}"),
                    (None, None) => "any number of".into(),
                };
                (format!("{bounds} answers with status {set}"), ok)
            }
        };
        if !holds {
            out.push(
                Failure::new(
                    &t.rule,
                    expectation.clone(),
                    format!(
                        "{n} of {} answers had status {set}; expected {expectation}",
                        statuses.len()
                    ),
                )
                .with_diff(Some(format!("statuses: {}", histogram(statuses)))),
            );
        }
    }
    out
}

/// `200 ×1, 412 ×7`.
fn histogram(statuses: &[u16]) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for s in statuses {
        *counts.entry(*s).or_insert(0usize) += 1;
    }
    counts
        .iter()
        .map(|(s, n)| format!("{s} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::StatusSet;

    fn tally(
        status: &[u16],
        count: Option<usize>,
        min: Option<usize>,
        max: Option<usize>,
        rule: &str,
    ) -> TallyCheck {
        TallyCheck {
            status: StatusSet(status.to_vec()),
            count,
            min,
            max,
            rule: rule.into(),
        }
    }

    #[test]
    fn exactly_one_winner_per_etag() {
        let t = [
            tally(&[200], Some(1), None, None, "H4.c"),
            tally(&[412], None, Some(1), None, "O5"),
        ];
        assert!(judge_tally(&t, &[412, 200, 412, 412]).is_empty());
        let two_winners = judge_tally(&t, &[200, 200, 412, 412]);
        assert_eq!(two_winners.len(), 1);
        assert_eq!(two_winners[0].rule, "H4.c");
        assert!(
            two_winners[0]
                .message
                .starts_with("2 of 4 answers had status 200"),
            "{}",
            two_winners[0].message
        );
        assert_eq!(
            two_winners[0].diff.as_deref(),
            Some("statuses: 200 ×2, 412 ×2")
        );
        let no_loser = judge_tally(&t, &[200]);
        assert_eq!(no_loser.len(), 1);
        assert_eq!(no_loser[0].rule, "O5");
    }

    #[test]
    fn bounds_are_inclusive() {
        let t = [tally(&[429, 503], None, Some(1), Some(3), "O11")];
        assert!(judge_tally(&t, &[200, 429, 503, 429]).is_empty());
        assert_eq!(judge_tally(&t, &[200, 200]).len(), 1);
        assert_eq!(judge_tally(&t, &[429, 429, 503, 503]).len(), 1);
    }
}
