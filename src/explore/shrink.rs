//! Shrinking a failing program to a minimal one, as QuickCheck and Hypothesis do: fewest steps,
//! fewest members, simplest values, concurrency kept only where the failure needs it. A
//! candidate is kept when running it against the target still fails on the same rule; one with
//! a concurrent step is tried several times, since a race may not show every time.

use std::future::Future;

use super::program::{Body, Op, Precondition, Program, Step, Via, WriteOp};

/// How many times a candidate with a concurrent step is run before it is taken not to fail.
const RACE_TRIES: usize = 4;
/// The most candidates tried for one finding.
const MAX_CANDIDATES: usize = 400;

/// The smallest program found that still fails as `program` does; `fails` runs one and says
/// whether it fails on the rule.
pub async fn shrink<F, Fut>(program: Program, mut fails: F) -> (Program, usize)
where
    F: FnMut(Program) -> Fut,
    Fut: Future<Output = bool>,
{
    let mut best = program;
    let mut tried = 0;
    let mut improved = true;
    while improved && tried < MAX_CANDIDATES {
        improved = false;
        for candidate in candidates(&best) {
            if tried >= MAX_CANDIDATES {
                break;
            }
            tried += 1;
            let tries = if candidate.steps.iter().any(Step::concurrent) {
                RACE_TRIES
            } else {
                1
            };
            let mut failed = false;
            for _ in 0..tries {
                if fails(candidate.clone()).await {
                    failed = true;
                    break;
                }
            }
            if failed {
                best = candidate;
                improved = true;
                break;
            }
        }
    }
    (best, tried)
}

/// Smaller programs than `p`, the most promising first.
fn candidates(p: &Program) -> Vec<Program> {
    let mut out = Vec::new();
    // Without one step (the last first: what follows the failure is noise).
    for i in (0..p.steps.len()).rev() {
        let mut steps = p.steps.clone();
        steps.remove(i);
        out.push(Program {
            templates: p.templates.clone(),
            steps,
        });
    }
    // A concurrent step as its operations in turn, each order.
    for (i, step) in p.steps.iter().enumerate() {
        if let [x, y] = step.ops.as_slice() {
            for (first, second) in [(x, y), (y, x)] {
                let mut steps = p.steps.clone();
                steps.splice(i..=i, [Step::one(first.clone()), Step::one(second.clone())]);
                out.push(Program {
                    templates: p.templates.clone(),
                    steps,
                });
            }
        }
    }
    // Each operation made simpler.
    for (i, step) in p.steps.iter().enumerate() {
        for (j, op) in step.ops.iter().enumerate() {
            for simpler in simpler_ops(op) {
                let mut steps = p.steps.clone();
                if let Some(slot) = steps.get_mut(i).and_then(|s| s.ops.get_mut(j)) {
                    *slot = simpler;
                }
                out.push(Program {
                    templates: p.templates.clone(),
                    steps,
                });
            }
        }
    }
    out
}

/// Simpler forms of one operation.
fn simpler_ops(op: &Op) -> Vec<Op> {
    let Op::Write(w) = op else {
        return Vec::new();
    };
    let with = |change: &dyn Fn(&mut WriteOp)| {
        let mut simpler = w.clone();
        change(&mut simpler);
        Op::Write(simpler)
    };
    let mut out = Vec::new();
    if w.nocommit {
        out.push(with(&|s| s.nocommit = false));
    }
    if w.precondition != Precondition::None {
        out.push(with(&|s| s.precondition = Precondition::None));
    }
    if w.via != Via::Name {
        out.push(with(&|s| s.via = Via::Name));
    }
    for b in simpler_bodies(&w.body) {
        out.push(with(&|s| s.body = b.clone()));
    }
    out
}

fn simpler_bodies(body: &Body) -> Vec<Body> {
    match body {
        Body::Me {
            active,
            custom,
            constant,
        } => {
            let mut out = Vec::new();
            if constant.is_some() {
                out.push(Body::Me {
                    active: *active,
                    custom: custom.clone(),
                    constant: None,
                });
            }
            for i in 0..custom.len() {
                let mut fewer = custom.clone();
                fewer.remove(i);
                out.push(Body::Me {
                    active: *active,
                    custom: fewer,
                    constant: constant.clone(),
                });
            }
            out
        }
        Body::Properties(changes) if changes.len() > 1 => (0..changes.len())
            .map(|i| {
                let mut fewer = changes.clone();
                fewer.remove(i);
                Body::Properties(fewer)
            })
            .collect(),
        Body::Reserve(xuids) if xuids.len() > 1 => (0..xuids.len())
            .map(|i| {
                let mut fewer = xuids.clone();
                fewer.remove(i);
                Body::Reserve(fewer)
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::program::{Caller, Template};

    fn write(body: Body) -> Op {
        Op::Write(WriteOp {
            session: 0,
            via: Via::Name,
            caller: Caller::A,
            body,
            precondition: Precondition::None,
            nocommit: false,
        })
    }

    #[tokio::test]
    async fn shrinking_keeps_only_what_the_failure_needs() {
        let leave = write(Body::Leave);
        let noise = write(Body::Properties(vec![("k1".into(), serde_json::json!(1))]));
        let program = Program {
            templates: vec![Template::Lobby],
            steps: vec![
                Step::one(noise.clone()),
                Step::one(leave.clone()),
                Step {
                    ops: vec![noise.clone(), noise.clone()],
                },
                Step::one(noise.clone()),
            ],
        };
        // It "fails" whenever it holds a leave.
        let (small, tried) = shrink(program, |p: Program| {
            let has = p.steps.iter().any(|s| s.ops.contains(&leave));
            async move { has }
        })
        .await;
        assert_eq!(small.steps, vec![Step::one(leave.clone())]);
        assert!(tried > 0);
    }
}
