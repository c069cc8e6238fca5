//! A program told as a numbered story: each request, its answer, and what the model expected
//! where it broke, with the rule.

use std::fmt::Write;

use super::exec::{Executed, OpRecord};
use super::program::{Body, Op, Precondition, Via};

/// The story of a run of a program.
pub fn story(executed: &Executed) -> String {
    let mut out = String::new();
    for (i, step) in executed.steps.iter().enumerate() {
        let n = i + 1;
        match step.ops.as_slice() {
            [one] => {
                let _ = writeln!(out, "{n}. {}", line(one));
                failures(&mut out, one, "   ");
            }
            ops => {
                let _ = writeln!(
                    out,
                    "{n}. sent at once{}:",
                    step.order
                        .as_deref()
                        .map(|o| format!(" ({o})"))
                        .unwrap_or_default()
                );
                for (j, op) in ops.iter().enumerate() {
                    let letter = char::from(b'a' + (j as u8 % 26));
                    let _ = writeln!(out, "   {letter}) {}", line(op));
                    failures(&mut out, op, "      ");
                }
            }
        }
    }
    out
}

fn failures(out: &mut String, op: &OpRecord, indent: &str) {
    for f in &op.failures {
        let _ = writeln!(
            out,
            "{indent}✗ [{}] expected {}: {}",
            f.rule, f.expectation, f.message
        );
        if let Some(diff) = &f.diff {
            for l in diff.lines().take(24) {
                let _ = writeln!(out, "{indent}    {l}");
            }
        }
    }
}

/// One operation as a line: who did what, and the answer.
fn line(op: &OpRecord) -> String {
    let answer = match (&op.exchange.response, &op.exchange.error) {
        (Some(r), _) => {
            let etag = r
                .header("etag")
                .map(|e| format!(" (ETag {e})"))
                .unwrap_or_default();
            format!("{}{etag}", r.status)
        }
        (None, Some(e)) => format!("no answer: {e}"),
        (None, None) => "no answer".into(),
    };
    format!("{} → {answer}", describe(&op.op))
}

/// What an operation does, in words.
pub fn describe(op: &Op) -> String {
    let via = |v: &Via| match v {
        Via::Name => "by name".to_string(),
        Via::Handle(h) => format!("through handle {}", h + 1),
    };
    match op {
        Op::Write(w) => {
            let what = match &w.body {
                Body::Empty => "writes {}".to_string(),
                Body::Leave => "leaves".to_string(),
                Body::Me {
                    active,
                    custom,
                    constant,
                } => {
                    let mut s = format!("joins or updates itself (active {active}");
                    if !custom.is_empty() {
                        let _ = write!(s, ", custom {}", pairs(custom));
                    }
                    if let Some((k, v)) = constant {
                        let _ = write!(s, ", constant {k} = {v}");
                    }
                    s.push(')');
                    s
                }
                Body::Reserve(x) => format!("reserves seats for {}", x.join(", ")),
                Body::Properties(c) => format!("writes session properties {}", pairs(c)),
            };
            let pre = match w.precondition {
                Precondition::None => "",
                Precondition::IfMatchCurrent => ", If-Match: its current ETag",
                Precondition::IfMatchStale => ", If-Match: a stale ETag",
                Precondition::IfMatchAny => ", If-Match: *",
                Precondition::IfNoneMatchAny => ", If-None-Match: *",
            };
            let nocommit = if w.nocommit { ", ?nocommit=true" } else { "" };
            format!(
                "{} {what} in session {} {}{pre}{nocommit}",
                w.caller.name(),
                w.session + 1,
                via(&w.via)
            )
        }
        Op::Read(r) => format!(
            "{} reads session {} {}{}",
            r.caller.name(),
            r.session + 1,
            via(&r.via),
            if r.if_none_match {
                " with If-None-Match: its ETag"
            } else {
                ""
            }
        ),
        Op::CreateHandle {
            handle,
            session,
            caller,
        } => format!(
            "{} creates handle {} to session {}",
            caller.name(),
            handle + 1,
            session + 1
        ),
        Op::ReadHandle { handle, caller } => {
            format!("{} reads handle {}", caller.name(), handle + 1)
        }
        Op::DeleteHandle { handle, caller } => {
            format!("{} deletes handle {}", caller.name(), handle + 1)
        }
    }
}

fn pairs(changes: &[(String, serde_json::Value)]) -> String {
    let parts: Vec<String> = changes.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{{{}}}", parts.join(", "))
}
