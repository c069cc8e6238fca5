//! Expectations compiled: rules resolved, patterns compiled, schema references resolved, and an
//! expectation that would check nothing refused.

use regex::Regex;

use crate::case::{BodyExpect, Expect, HeaderExpect, JsonAssert, MemberExpect, Scope, StatusSet};

use super::super::expect::{
    BodyCheck, ExpectPlan, HeaderCheck, Invariant, InvariantCheck, JsonCheck, JsonType,
    MemberCheck, Pattern, StatusCheck, TallyCheck, WhenPlan,
};
use super::super::template::Text;
use super::syntax;
use super::CaseCompiler;

impl CaseCompiler<'_> {
    /// `parent` is the rule of the enclosing block; `branch` says this is a `when` branch's.
    pub(super) fn expect(
        &mut self,
        p: &str,
        expect: &Expect,
        parent: Option<&str>,
        branch: bool,
    ) -> ExpectPlan {
        // Expected values are read in the case's scope (only case steps judge).
        let scope = Scope::Case;
        if let Some(rule) = &expect.rule {
            self.rule(&format!("{p}/rule"), Some(rule), None);
        }
        let block = expect.rule.as_deref().or(parent);
        let status = expect.status.as_ref().map(|status| {
            let sp = format!("{p}/status");
            if branch {
                self.problem(
                    &sp,
                    "a `when` branch's `expect` has no `status`: the branch's `status` is its guard",
                );
            }
            let allowed = status.allowed();
            self.statuses(&sp, &StatusSet(allowed.clone()));
            StatusCheck {
                rule: self.rule(&sp, status.rule(), block),
                allowed: allowed.into(),
            }
        });
        let headers = expect
            .headers
            .iter()
            .map(|(name, h)| self.header(p, name, h, block, &scope))
            .collect();
        let body = expect
            .body
            .as_ref()
            .map(|b| self.body(&format!("{p}/body"), b, block));
        let json: Box<[JsonCheck]> = expect
            .json
            .iter()
            .enumerate()
            .map(|(i, a)| self.json_assert(&format!("{p}/json/{i}"), a, block, &scope))
            .collect();
        let invariants: Box<[InvariantCheck]> = expect
            .invariants
            .iter()
            .enumerate()
            .filter_map(|(i, inv)| {
                let ip = format!("{p}/invariants/{i}");
                let rule = self.rule(&ip, inv.rule(), block);
                match Invariant::from_name(inv.name()) {
                    Some(invariant) => Some(InvariantCheck { invariant, rule }),
                    None => {
                        self.problem(
                            &ip,
                            format!(
                                "unknown invariant `{}` (known: {})",
                                inv.name(),
                                Invariant::NAMES.join(", ")
                            ),
                        );
                        None
                    }
                }
            })
            .collect();
        let members: Box<[MemberCheck]> = expect
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| self.member(&format!("{p}/members/{i}"), m, block, &scope))
            .collect();
        let tally = expect
            .tally
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let tp = format!("{p}/tally/{i}");
                if branch {
                    self.problem(
                        &tp,
                        "`tally` counts all the answers of a burst step: put it in the step's `expect`, not in a `when` branch",
                    );
                } else if !self.in_burst {
                    self.problem(
                        &tp,
                        "`tally` counts the answers of a burst step: give the step `burst`",
                    );
                }
                let rule = self.rule(&tp, t.rule.as_deref(), block);
                self.statuses(&format!("{tp}/status"), &t.status);
                if t.count.is_none() && t.min.is_none() && t.max.is_none() {
                    self.problem(&tp, "a tally gives `count`, or `min` and/or `max`");
                }
                if t.count.is_some() && (t.min.is_some() || t.max.is_some()) {
                    self.problem(&tp, "a tally gives either `count` or `min`/`max`, not both");
                }
                if let (Some(min), Some(max)) = (t.min, t.max) {
                    if min > max {
                        self.problem(&tp, format!("`min` {min} is above `max` {max}"));
                    }
                }
                TallyCheck {
                    status: t.status.clone(),
                    count: t.count,
                    min: t.min,
                    max: t.max,
                    rule,
                }
            })
            .collect();
        let when = expect
            .when
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let bp = format!("{p}/when/{i}");
                self.statuses(&format!("{bp}/status"), &w.status);
                let inner = self.expect(&format!("{bp}/expect"), &w.expect, block, true);
                if inner.is_empty() {
                    self.problem(
                        &format!("{bp}/expect"),
                        "this branch checks nothing: give its `expect` at least one check",
                    );
                }
                WhenPlan {
                    status: w.status.clone(),
                    expect: inner,
                }
            })
            .collect();
        let json_rule = json
            .first()
            .map(|a| a.rule.clone())
            .or_else(|| invariants.first().map(|i| i.rule.clone()))
            .or_else(|| members.first().map(|m| m.rule.clone()));
        ExpectPlan {
            status,
            headers,
            body,
            json,
            invariants,
            members,
            tally,
            when,
            json_rule,
        }
    }

    fn header(
        &mut self,
        p: &str,
        name: &str,
        h: &HeaderExpect,
        block: Option<&str>,
        scope: &Scope,
    ) -> HeaderCheck {
        let hp = format!(
            "{p}/headers/{}",
            crate::case::template::escape_pointer(name)
        );
        let rule = self.rule(&hp, h.rule.as_deref(), block);
        if let Some(why) = syntax::header_name(name) {
            self.problem(&hp, why);
        }
        let text = |this: &mut Self, field: &str, v: &Option<String>| {
            v.as_ref()
                .map(|v| this.text(v, scope, &format!("{hp}/{field}")))
        };
        let check = HeaderCheck {
            name: name.into(),
            rule,
            present: h.present,
            equals: text(self, "equals", &h.equals),
            not_equals: text(self, "notEquals", &h.not_equals),
            media: text(self, "media", &h.media),
            matches: h
                .matches
                .as_ref()
                .map(|re| self.pattern(&format!("{hp}/matches"), re, scope)),
            includes: h
                .includes
                .iter()
                .enumerate()
                .map(|(i, t)| self.text(t, scope, &format!("{hp}/includes/{i}")))
                .collect(),
            path_equals: text(self, "pathEquals", &h.path_equals),
        };
        if check.present.is_none() && check.not_equals.is_none() && !check.needs_value() {
            self.problem(
                &hp,
                "this header expectation checks nothing: give it `present`, `equals`, `notEquals`, `media`, `matches`, `includes` or `pathEquals`",
            );
        }
        check
    }

    fn body(&mut self, bp: &str, b: &BodyExpect, block: Option<&str>) -> BodyCheck {
        let rule = self.rule(bp, b.rule.as_deref(), block);
        let schema = b.schema.as_ref().and_then(|name| {
            match self.ctx.schemas.get(name) {
                Some(Some(schema)) => Some(schema.clone()),
                // A broken schema is reported where it is written.
                Some(None) => None,
                None => {
                    self.problem(
                        &format!("{bp}/schema"),
                        format!("schema file `schemas/{name}` does not exist"),
                    );
                    None
                }
            }
        });
        if b.empty.is_none() && b.schema.is_none() {
            self.problem(
                bp,
                "this body expectation checks nothing: give it `empty` or `schema`",
            );
        }
        BodyCheck {
            rule,
            empty: b.empty,
            schema,
        }
    }

    fn member(
        &mut self,
        mp: &str,
        m: &MemberExpect,
        block: Option<&str>,
        scope: &Scope,
    ) -> MemberCheck {
        let rule = self.rule(mp, m.rule.as_deref(), block);
        let member_block = m.rule.as_deref().or(block);
        if m.present == Some(false) && !m.json.is_empty() {
            self.problem(
                &format!("{mp}/json"),
                "`json` checks a member that is present; this one is `present: false`",
            );
        }
        MemberCheck {
            xuid: self.text(&m.xuid, scope, &format!("{mp}/xuid")),
            present: m.present.unwrap_or(true),
            rule,
            json: m
                .json
                .iter()
                .enumerate()
                .map(|(j, a)| self.json_assert(&format!("{mp}/json/{j}"), a, member_block, scope))
                .collect(),
        }
    }

    fn json_assert(
        &mut self,
        p: &str,
        a: &JsonAssert,
        block: Option<&str>,
        scope: &Scope,
    ) -> JsonCheck {
        let rule = self.rule(p, a.rule.as_deref(), block);
        let pointer = self.pointer(&a.pointer, scope, &format!("{p}/pointer"));
        let json_type = a.json_type.as_ref().and_then(|t| {
            let found = JsonType::from_name(t);
            if found.is_none() {
                self.problem(&format!("{p}/type"), format!("unknown JSON type `{t}`"));
            }
            found
        });
        let value = |this: &mut Self, field: &str, v: &Option<serde_json::Value>| {
            v.as_ref()
                .map(|v| Box::new(this.value(v, scope, &format!("{p}/{field}"))))
        };
        let check = JsonCheck {
            pointer,
            rule,
            exists: a.exists,
            equals: value(self, "equals", &a.equals),
            not_equals: value(self, "notEquals", &a.not_equals),
            greater_than: value(self, "greaterThan", &a.greater_than),
            less_than: value(self, "lessThan", &a.less_than),
            matches: a
                .matches
                .as_ref()
                .map(|re| Box::new(self.pattern(&format!("{p}/matches"), re, scope))),
            count: a.count,
            json_type,
        };
        if check.exists.is_none() && !check.needs_value() && a.json_type.is_none() {
            self.problem(
                p,
                "this JSON assertion checks nothing: give it `exists`, `equals`, `notEquals`, `greaterThan`, `lessThan`, `matches`, `count` or `type`",
            );
        }
        check
    }

    /// A regular expression: compiled now, or once rendered when it holds a template.
    fn pattern(&mut self, at: &str, pattern: &str, scope: &Scope) -> Pattern {
        match self.text(pattern, scope, at) {
            Text::Lit(p) => match Regex::new(&p) {
                Ok(re) => Pattern::Compiled(re),
                Err(e) => {
                    self.problem(at, format!("invalid regular expression: {e}"));
                    Pattern::Tmpl(Text::Lit(p))
                }
            },
            bound => Pattern::Tmpl(bound),
        }
    }

    fn statuses(&mut self, pointer: &str, set: &StatusSet) {
        if set.0.is_empty() || set.0.iter().any(|s| !(100..=599).contains(s)) {
            self.problem(pointer, "statuses are a non-empty set of codes 100–599");
        }
    }
}

impl ExpectPlan {
    /// Whether it checks nothing at all.
    fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.headers.is_empty()
            && self.body.is_none()
            && self.json.is_empty()
            && self.invariants.is_empty()
            && self.members.is_empty()
            && self.tally.is_empty()
            && self.when.is_empty()
    }
}
