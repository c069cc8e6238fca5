//! Generating programs: seeded, and steered by the model so that most operations are ones the
//! contract accepts — joins, reservations, leaves, property writes with `null` removals and nested
//! values, constants, every precondition form, `nocommit`, reads by handle and by name, handle
//! creation, reads and deletes — with refusals mixed in, and now and then two operations sent at
//! once: two writers with one ETag, two joins, two creates, a read during a write, a `nocommit`
//! beside a real write.

use serde_json::{json, Value};

use super::model::{Expected, World};
use super::program::{
    Body, Caller, Op, Precondition, Program, ReadOp, Step, Template, Via, WriteOp,
};
use super::rng::Rng;

/// What programs may use.
#[derive(Clone, Debug)]
pub struct Limits {
    /// The callers given (a program never acts as one who is not).
    pub callers: Vec<Caller>,
    /// The most steps a program has.
    pub max_steps: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            callers: vec![Caller::A, Caller::B],
            max_steps: 12,
        }
    }
}

/// Program `index` of a run seeded `seed`.
pub fn program(seed: u64, index: u64, limits: &Limits) -> Program {
    let mut rng = Rng::for_program(seed, index);
    let sessions = 1 + usize::from(rng.chance(25));
    let templates: Vec<Template> = (0..sessions)
        .map(|_| {
            rng.weighted(&[
                (5, Template::Lobby),
                (3, Template::Persistent),
                (2, Template::Solo),
            ])
            .unwrap_or(Template::Lobby)
        })
        .collect();
    let mut g = Generator {
        rng,
        limits,
        world: World::new(&templates),
        handles: 0,
    };
    let length = 2 + g.rng.below(limits.max_steps.saturating_sub(1).max(1));
    let mut steps = Vec::with_capacity(length);
    for _ in 0..length {
        let step = if g.rng.chance(12) {
            g.concurrent()
        } else {
            g.op().map(Step::one)
        };
        if let Some(step) = step {
            for op in &step.ops {
                g.simulate(op);
            }
            steps.push(step);
        }
    }
    Program { templates, steps }
}

struct Generator<'a> {
    rng: Rng,
    limits: &'a Limits,
    /// The world as the generator expects it (the model's first outcome of each operation).
    world: World,
    handles: usize,
}

const KEYS: [&str; 3] = ["k1", "k2", "k3"];

impl Generator<'_> {
    fn caller(&mut self) -> Caller {
        let n = self.limits.callers.len();
        self.limits
            .callers
            .get(self.rng.below(n))
            .copied()
            .unwrap_or(Caller::A)
    }

    fn session(&mut self) -> usize {
        self.rng.below(self.world.slots.len())
    }

    fn present(&self, s: usize) -> bool {
        self.world.slot(s).is_some_and(|slot| slot.state.is_some())
    }

    /// A way to the session: by name, or through a handle to it that is alive.
    fn via(&mut self, s: usize) -> Via {
        let alive: Vec<usize> = self
            .world
            .handles
            .iter()
            .enumerate()
            .filter(|(_, h)| h.as_ref().is_some_and(|h| h.alive && h.session == s))
            .map(|(i, _)| i)
            .collect();
        if !alive.is_empty() && self.rng.chance(45) {
            if let Some(&handle) = self.rng.pick(&alive) {
                return Via::Handle(handle);
            }
        }
        // Now and then through a handle that was deleted (G3).
        let dead: Vec<usize> = self
            .world
            .handles
            .iter()
            .enumerate()
            .filter(|(_, h)| h.as_ref().is_some_and(|h| !h.alive && h.session == s))
            .map(|(i, _)| i)
            .collect();
        if let Some(&handle) = dead.first().filter(|_| self.rng.chance(10)) {
            return Via::Handle(handle);
        }
        Via::Name
    }

    fn value(&mut self) -> Value {
        match self.rng.below(8) {
            0 => Value::Null,
            1 => json!(self.rng.below(100)),
            2 => json!(format!("v{}", self.rng.below(10))),
            3 => json!({ "n": { "deep": [1, self.rng.below(5), null] } }),
            4 => json!([true, "x"]),
            5 => json!(-0.5),
            6 => json!("Grüße 🎮"),
            _ => json!(false),
        }
    }

    fn changes(&mut self) -> Vec<(String, Value)> {
        let n = 1 + self.rng.below(2);
        (0..n)
            .map(|_| {
                let k = self
                    .rng
                    .pick(&KEYS)
                    .copied()
                    .unwrap_or_default()
                    .to_string();
                (k, self.value())
            })
            .collect()
    }

    fn precondition(&mut self) -> Precondition {
        self.rng
            .weighted(&[
                (70, Precondition::None),
                (12, Precondition::IfMatchCurrent),
                (6, Precondition::IfMatchStale),
                (6, Precondition::IfMatchAny),
                (6, Precondition::IfNoneMatchAny),
            ])
            .unwrap_or(Precondition::None)
    }

    fn me(&mut self, constant: bool) -> Body {
        let custom = if self.rng.chance(60) {
            self.changes()
        } else {
            Vec::new()
        };
        Body::Me {
            active: self.rng.chance(80),
            custom,
            constant: constant.then(|| ("c1".to_string(), json!(self.rng.below(3)))),
        }
    }

    /// One operation.
    fn op(&mut self) -> Option<Op> {
        let s = self.session();
        let caller = self.caller();
        if !self.present(s) {
            // Create it, mostly by joining; or make a handle first.
            let has_handle = self
                .world
                .handles
                .iter()
                .flatten()
                .any(|h| h.alive && h.session == s);
            if !has_handle && self.rng.chance(30) {
                return Some(self.create_handle(s, caller));
            }
            let body = match self.rng.below(10) {
                0 => Body::Properties(self.changes()),
                1 => Body::Empty,
                2 => Body::Leave,
                3 => self.me(true),
                _ => self.me(false),
            };
            let precondition = if self.rng.chance(20) {
                Precondition::IfNoneMatchAny
            } else {
                self.precondition()
            };
            return Some(Op::Write(WriteOp {
                session: s,
                via: self.via(s),
                caller,
                body,
                precondition,
                nocommit: self.rng.chance(6),
            }));
        }
        let pick = self
            .rng
            .weighted(&[
                (28, "me"),
                (12, "leave"),
                (10, "reserve"),
                (14, "properties"),
                (4, "constant"),
                (3, "empty"),
                (14, "read"),
                (5, "create-handle"),
                (4, "read-handle"),
                (4, "delete-handle"),
            ])
            .unwrap_or("read");
        let body = match pick {
            "me" => self.me(false),
            "leave" => Body::Leave,
            "reserve" => self.reserve(s),
            "properties" => Body::Properties(self.changes()),
            "constant" => self.me(true),
            "empty" => Body::Empty,
            "read" => {
                return Some(Op::Read(ReadOp {
                    session: s,
                    via: self.via(s),
                    caller,
                    if_none_match: self.rng.chance(25),
                }))
            }
            "create-handle" => return Some(self.create_handle(s, caller)),
            other => {
                let handles: Vec<usize> = self
                    .world
                    .handles
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| h.is_some())
                    .map(|(i, _)| i)
                    .collect();
                let Some(&handle) = self.rng.pick(&handles) else {
                    return Some(self.create_handle(s, caller));
                };
                return Some(if other == "read-handle" {
                    Op::ReadHandle { handle, caller }
                } else {
                    Op::DeleteHandle { handle, caller }
                });
            }
        };
        Some(Op::Write(WriteOp {
            session: s,
            via: self.via(s),
            caller,
            body,
            precondition: self.precondition(),
            nocommit: self.rng.chance(8),
        }))
    }

    /// Seats for some of those who are not members yet (b, and two xuids no caller has).
    fn reserve(&mut self, s: usize) -> Body {
        let members = self
            .world
            .slot(s)
            .and_then(|x| x.state.as_ref())
            .map(|x| x.members.clone())
            .unwrap_or_default();
        let free: Vec<String> = ["b", "c", "d"]
            .iter()
            .filter(|k| !members.contains_key(**k))
            .map(|k| k.to_string())
            .collect();
        if free.is_empty() {
            Body::Empty
        } else {
            let n = 1 + self.rng.below(free.len().min(2));
            Body::Reserve(free.into_iter().take(n).collect())
        }
    }

    /// The body of a write that changes something: a join or update, a property write, a leave,
    /// a reservation.
    fn change(&mut self, s: usize) -> Body {
        match self
            .rng
            .weighted(&[
                (40, "me"),
                (30, "properties"),
                (15, "leave"),
                (15, "reserve"),
            ])
            .unwrap_or("me")
        {
            "me" => self.me(false),
            "leave" => Body::Leave,
            "reserve" => self.reserve(s),
            _ => Body::Properties(self.changes()),
        }
    }

    fn create_handle(&mut self, session: usize, caller: Caller) -> Op {
        let handle = self.handles;
        self.handles += 1;
        Op::CreateHandle {
            handle,
            session,
            caller,
        }
    }

    /// Two operations sent at once.
    fn concurrent(&mut self) -> Option<Step> {
        let s = self.session();
        let present = self.present(s);
        let (a, b) = (self.caller(), self.caller());
        let write = |caller, body, precondition, nocommit| {
            Op::Write(WriteOp {
                session: s,
                via: Via::Name,
                caller,
                body,
                precondition,
                nocommit,
            })
        };
        let ops = match (present, self.rng.below(5)) {
            // Two creates, each only if the session does not exist: one wins.
            (false, 0..=2) => vec![
                write(a, self.me(false), Precondition::IfNoneMatchAny, false),
                write(b, self.me(false), Precondition::IfNoneMatchAny, false),
            ],
            // Two creates without a precondition: one creates (201), the other updates (200).
            (false, _) => vec![
                write(Caller::A, self.me(false), Precondition::None, false),
                write(Caller::B, self.me(false), Precondition::None, false),
            ],
            // Two writers with one ETag: at most one wins.
            (true, 0) => vec![
                write(
                    a,
                    Body::Properties(self.changes()),
                    Precondition::IfMatchCurrent,
                    false,
                ),
                write(
                    b,
                    Body::Properties(self.changes()),
                    Precondition::IfMatchCurrent,
                    false,
                ),
            ],
            // Two joins (or updates) at once: neither is lost.
            (true, 1) => vec![
                write(Caller::A, self.me(false), Precondition::None, false),
                write(Caller::B, self.me(false), Precondition::None, false),
            ],
            // A read while a write lands: it shows the session before or after.
            (true, 2) => vec![
                write(a, self.change(s), Precondition::None, false),
                Op::Read(ReadOp {
                    session: s,
                    via: Via::Name,
                    caller: b,
                    if_none_match: false,
                }),
            ],
            // A nocommit beside a real write: the real one stands.
            (true, 3) => vec![
                write(a, self.change(s), Precondition::None, true),
                write(b, self.change(s), Precondition::None, false),
            ],
            // Two writes of any kind: neither is lost.
            (true, _) => vec![
                write(a, self.change(s), Precondition::None, false),
                write(b, self.change(s), Precondition::None, false),
            ],
        };
        let ops: Vec<Op> = ops
            .into_iter()
            .filter(|op| match op {
                Op::Write(WriteOp { caller, .. }) | Op::Read(ReadOp { caller, .. }) => {
                    self.limits.callers.contains(caller)
                }
                _ => true,
            })
            .collect();
        match ops.len() {
            0 => None,
            _ => Some(Step { ops }),
        }
    }

    /// Moves the generator's world as the model's first outcome of `op` would.
    fn simulate(&mut self, op: &Op) {
        match op {
            Op::CreateHandle {
                handle, session, ..
            } => {
                self.world.create_handle(*handle, *session);
            }
            Op::DeleteHandle { handle, .. } => {
                if let Some(Some(h)) = self.world.handles.get_mut(*handle) {
                    h.alive = false;
                    h.deleted = true;
                }
            }
            Op::Write(WriteOp {
                session, nocommit, ..
            }) => {
                let first = self.world.expect(op).into_iter().next();
                if let (Some(Expected::Accepted { next, .. }), false) = (first, *nocommit) {
                    if let Some(slot) = self.world.slots.get_mut(*session) {
                        slot.state = next;
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_makes_the_same_programs_and_programs_vary() {
        let limits = Limits::default();
        let a: Vec<Program> = (0..20).map(|i| program(1, i, &limits)).collect();
        let b: Vec<Program> = (0..20).map(|i| program(1, i, &limits)).collect();
        assert_eq!(a, b);
        assert_ne!(a[0], a[1]);
        let ops: usize = a.iter().map(Program::operations).sum();
        assert!(ops > 40, "{ops}");
        assert!(a.iter().any(|p| p.steps.iter().any(Step::concurrent)));
        // Only the callers given act.
        let only_a = Limits {
            callers: vec![Caller::A],
            ..Limits::default()
        };
        for i in 0..20 {
            for step in program(3, i, &only_a).steps {
                for op in step.ops {
                    if let Op::Write(WriteOp { caller, .. }) | Op::Read(ReadOp { caller, .. }) = op
                    {
                        assert_eq!(caller, Caller::A);
                    }
                }
            }
        }
    }
}
