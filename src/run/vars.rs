//! The variables of a run and of one running case: what templates read when they are rendered.

use std::borrow::Borrow;
use std::collections::BTreeMap;

use serde_json::Value;

use crate::plan::{Env, Made, VarTable};

/// What every case of a run can read.
#[derive(Clone)]
pub struct RunVars {
    pub run_id: String,
    /// The path of the target's base URL (`/mpsd`), empty at the root.
    pub base_path: String,
    pub world: BTreeMap<String, String>,
    /// Xuids of every identity, available or not (a case may name a xuid it does not act as).
    pub xuids: BTreeMap<String, String>,
    /// Authorization values of every identity (`{{auth.<caller>}}`); `None` when not given.
    pub authorizations: BTreeMap<String, Option<String>>,
}

impl std::fmt::Debug for RunVars {
    // Authorization values are secrets: only which callers have one is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let given: Vec<(&String, bool)> = self
            .authorizations
            .iter()
            .map(|(k, v)| (k, v.is_some()))
            .collect();
        f.debug_struct("RunVars")
            .field("run_id", &self.run_id)
            .field("base_path", &self.base_path)
            .field("world", &self.world)
            .field("xuids", &self.xuids)
            .field("authorizations_given", &given)
            .finish()
    }
}

/// One case's variables, by slot, read where the case runs: the run's and the plan's parts
/// borrowed.
pub type CaseVars<'a> = Vars<&'a RunVars, &'a [Box<str>]>;

/// A case's variables at one moment, owned, to judge a big answer on another thread (see
/// [`CaseVars::snapshot`]).
pub type VarsSnapshot = Vars<RunVars, Box<[Box<str>]>>;

/// A case's variables: the run's, and the case's own by slot.
pub struct Vars<R, N> {
    run: R,
    /// Each slot's name, for messages.
    names: N,
    slots: Vec<Option<Value>>,
    /// `{{burst.index}}` while a burst step's copies are rendered.
    burst_index: Option<usize>,
}

impl<'a> CaseVars<'a> {
    /// The variables of a case about to start: its fresh session names and GUIDs are made now,
    /// one per key, so every step that names one reads the same value.
    pub fn new(run: &'a RunVars, table: &'a VarTable) -> CaseVars<'a> {
        let mut slots = vec![None; table.names.len()];
        for (slot, made) in table.made.iter() {
            let value = match made {
                Made::SessionName => {
                    format!("mpsdc-{}-{}", run.run_id, uuid::Uuid::new_v4().simple())
                }
                Made::Guid => uuid::Uuid::new_v4().hyphenated().to_string(),
            };
            if let Some(slot) = slots.get_mut(*slot) {
                *slot = Some(Value::String(value));
            }
        }
        CaseVars {
            run,
            names: &table.names,
            slots,
            burst_index: None,
        }
    }
}

impl CaseVars<'_> {
    /// The fresh session names made for the case (`{{fresh.*}}`).
    pub fn made_session_names(&self, table: &VarTable) -> Vec<String> {
        table
            .made
            .iter()
            .filter(|(_, made)| *made == Made::SessionName)
            .filter_map(|(slot, _)| self.get(*slot).and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    }
}

impl<R: Borrow<RunVars>, N> Vars<R, N> {
    fn run(&self) -> &RunVars {
        self.run.borrow()
    }

    pub fn set(&mut self, slot: usize, value: Value) {
        if let Some(s) = self.slots.get_mut(slot) {
            *s = Some(value);
        }
    }

    pub fn get(&self, slot: usize) -> Option<&Value> {
        self.slots.get(slot).and_then(Option::as_ref)
    }

    /// Sets (or, with `None`, clears) `{{burst.index}}`.
    pub fn set_burst_index(&mut self, index: Option<usize>) {
        self.burst_index = index;
    }
}

impl CaseVars<'_> {
    /// The variables as they are now, owned: to judge a big answer on another thread.
    pub fn snapshot(&self) -> VarsSnapshot {
        VarsSnapshot {
            run: self.run.clone(),
            names: self.names.to_vec().into(),
            slots: self.slots.clone(),
            burst_index: self.burst_index,
        }
    }
}

impl<R: Borrow<RunVars>, N: Borrow<[Box<str>]>> Env for Vars<R, N> {
    fn world(&self, key: &str) -> Option<&str> {
        self.run().world.get(key).map(String::as_str)
    }

    fn xuid(&self, caller: &str) -> Option<&str> {
        self.run().xuids.get(caller).map(String::as_str)
    }

    fn authorization(&self, caller: &str) -> Option<&str> {
        self.run().authorizations.get(caller)?.as_deref()
    }

    fn burst_index(&self) -> Option<usize> {
        self.burst_index
    }

    fn run_id(&self) -> &str {
        &self.run().run_id
    }

    fn slot(&self, slot: usize) -> Option<&Value> {
        self.get(slot)
    }

    fn slot_name(&self, slot: usize) -> &str {
        self.names.borrow().get(slot).map_or("?", |n| n)
    }

    fn base_path(&self) -> &str {
        &self.run().base_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run() -> RunVars {
        RunVars {
            run_id: "r1".into(),
            base_path: String::new(),
            world: BTreeMap::from([("scid".to_string(), "S".to_string())]),
            xuids: BTreeMap::new(),
            authorizations: BTreeMap::from([
                ("a".to_string(), Some("XBL3.0 x=1;tok".to_string())),
                ("b".to_string(), None),
            ]),
        }
    }

    #[test]
    fn made_values_exist_from_the_start_and_differ_per_slot() {
        let table = VarTable {
            names: vec!["fresh.s".into(), "guid.g".into(), "s.x".into()].into(),
            made: vec![(0, Made::SessionName), (1, Made::Guid)].into(),
            statuses: 0,
        };
        let run = run();
        let mut vars = CaseVars::new(&run, &table);
        let name = vars.get(0).and_then(Value::as_str).unwrap_or_default();
        assert!(name.starts_with("mpsdc-r1-"), "{name}");
        let guid = vars.get(1).and_then(Value::as_str).unwrap_or_default();
        assert_eq!(guid.len(), 36);
        assert!(vars.get(2).is_none());
        vars.set(2, Value::from(3));
        assert_eq!(vars.slot(2), Some(&Value::from(3)));
        assert_eq!(vars.slot_name(2), "s.x");
        assert_eq!(vars.authorization("a"), Some("XBL3.0 x=1;tok"));
        assert_eq!(vars.authorization("b"), None);
        assert!(!format!("{run:?}").contains("tok"));
    }
}
