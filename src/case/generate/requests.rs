//! Header and framing cells: each request header of §2 in each form HTTP allows, and each way a
//! request can be framed, on each request of the model they apply to.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::case::{HeaderValueSpec, RequestSpec};

use super::build::{Generated, Outcome};
use super::model::{Header, HeaderForm, Model, Request};
use super::{Cell, CellState};

/// What `<8 KB>` in a model's value stands for.
const LONG: &str = "<8 KB>";

pub fn header_cells(model: &Model, out: &mut Vec<Cell>, problems: &mut Vec<String>) {
    for (header_id, header) in &model.headers.headers {
        for (form_id, form) in &header.forms {
            if !model.headers.forms.contains_key(form_id) {
                problems.push(format!(
                    "/headers/{header_id}/forms: `{form_id}` is no form of /headers/forms"
                ));
            }
            for request_id in &header.on {
                let Some(request) = model.requests.get(request_id) else {
                    problems.push(format!(
                        "/headers/{header_id}/on: no request `{request_id}`"
                    ));
                    continue;
                };
                let position = format!("header.{header_id}");
                if let Some(reason) = &form.none {
                    out.push(Cell::new(
                        "headers",
                        request_id,
                        &position,
                        form_id,
                        CellState::NotTried(reason.clone()),
                    ));
                    continue;
                }
                match header_case(request_id, request, header_id, header, form_id, form) {
                    Ok(g) => {
                        let id = g.id.clone();
                        out.push(Cell::new(
                            "headers",
                            request_id,
                            &position,
                            form_id,
                            CellState::Generated(id, Box::new(g)),
                        ));
                    }
                    Err(why) => {
                        problems.push(format!("/headers/{header_id}/forms/{form_id}: {why}"))
                    }
                }
            }
        }
    }
}

fn header_case(
    request_id: &str,
    request: &Request,
    header_id: &str,
    header: &Header,
    form_id: &str,
    form: &HeaderForm,
) -> Result<Generated, String> {
    let method = request.method.as_str();
    let by_method = |v: &Option<Value>| -> Option<Value> {
        match v {
            Some(Value::Object(m)) => m.get(method).cloned().filter(|v| !v.is_null()),
            other => other.clone(),
        }
    };
    let value = match (by_method(&form.value), by_method(&form.values)) {
        (Some(Value::String(s)), None) => HeaderValueSpec::One(long(&s)),
        (None, Some(Value::Array(items))) => {
            HeaderValueSpec::Many(items.iter().filter_map(Value::as_str).map(long).collect())
        }
        // A form that renames the header keeps the plain value.
        (None, None) if form.name.is_some() => HeaderValueSpec::One(plain_value(header, method)?),
        _ => {
            return Err(format!(
                "a form gives `value` (a string) or `values` (a list) for {method}"
            ))
        }
    };
    let name = form.name.clone().unwrap_or_else(|| header.name.clone());
    let rules = strings(by_method(&form.rules).as_ref());
    let outcome = if let Some(open) =
        by_method(&form.open).and_then(|v| v.as_str().map(str::to_string))
    {
        Outcome::Open { may_form: open }
    } else if form.served {
        let mut all = rules.clone();
        all.extend(request.rules.iter().cloned());
        Outcome::Served {
            status: request.served.clone(),
            rules: all,
        }
    } else {
        let status = by_method(&form.status)
            .and_then(|v| v.as_array().cloned())
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_u64)
                    .filter_map(|s| u16::try_from(s).ok())
                    .collect::<Vec<u16>>()
            })
            .filter(|s| !s.is_empty())
            .ok_or_else(|| format!("a form is `served`, `open` or has a `status` for {method}"))?;
        Outcome::Refused { status, rules }
    };
    if let Outcome::Refused { rules, .. } | Outcome::Served { rules, .. } = &outcome {
        if rules.is_empty() {
            return Err("a form names the rules it checks".into());
        }
    }
    let mut spec = base_request(request);
    // A renamed header is written as named: byte for byte.
    if form.name.is_some() {
        spec.wire = Some(Default::default());
    }
    spec.headers.insert(name, value);
    Ok(Generated {
        id: format!("generated/{request_id}/header.{header_id}/{form_id}"),
        title: format!(
            "{}: {} with {}",
            request.summary,
            header.name,
            form_summary(form_id)
        ),
        fixture: Some(request.fixture.clone()),
        request: spec,
        outcome,
        extra: None,
        answers_session: answers_session(request),
    })
}

/// The header's plain value for a request: what its `whitespace` form has around it.
fn plain_value(header: &Header, method: &str) -> Result<String, String> {
    let plain = header.forms.get("whitespace").and_then(|f| match &f.value {
        Some(Value::Object(m)) => m.get(method).and_then(Value::as_str).map(str::to_string),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    });
    plain
        .map(|s| s.trim_matches([' ', '\t']).to_string())
        .ok_or_else(|| {
            "a renamed form needs a `value` (or a `whitespace` form to take it from)".into()
        })
}

fn form_summary(form: &str) -> String {
    match form {
        "whitespace" => "whitespace around its value".into(),
        "name-upper" => "its name in upper case".into(),
        "name-lower" => "its name in lower case".into(),
        "value-case" => "its value in other letter case".into(),
        "list" => "two values in one header".into(),
        "repeated" => "it sent twice".into(),
        "empty" => "an empty value".into(),
        "long" => "a value of 8 KB".into(),
        "non-ascii" => "non-ASCII bytes in its value".into(),
        other => other.into(),
    }
}

pub fn framing_cells(model: &Model, out: &mut Vec<Cell>, problems: &mut Vec<String>) {
    for (form_id, framing) in &model.framing {
        for request_id in &framing.on {
            let Some(request) = model.requests.get(request_id) else {
                problems.push(format!("/framing/{form_id}/on: no request `{request_id}`"));
                continue;
            };
            let mut spec = base_request(request);
            if let Some(body) = &framing.body {
                spec.raw_body = Some(body.clone());
            }
            if let Some(size) = framing.padded {
                spec.raw_body = None;
                spec.padded_body = Some(size);
            }
            spec.wire.clone_from(&framing.wire);
            let outcome = match (&framing.open, framing.served) {
                (Some(open), _) => Outcome::Open {
                    may_form: open.clone(),
                },
                (None, false) if framing.status.is_some() && !framing.rules.is_empty() => {
                    Outcome::Refused {
                        status: framing.status.clone().unwrap_or_default(),
                        rules: framing.rules.clone(),
                    }
                }
                (None, true) if !framing.rules.is_empty() => {
                    let mut rules = framing.rules.clone();
                    rules.extend(request.rules.iter().cloned());
                    Outcome::Served {
                        status: request.served.clone(),
                        rules,
                    }
                }
                _ => {
                    problems.push(format!(
                        "/framing/{form_id}: `served` with `rules`, a `status` with `rules`, or `open`"
                    ));
                    continue;
                }
            };
            let g = Generated {
                id: format!("generated/{request_id}/framing/{form_id}"),
                title: format!("{}: {}", request.summary, framing.summary),
                fixture: Some(request.fixture.clone()),
                request: spec,
                outcome,
                extra: None,
                answers_session: answers_session(request),
            };
            let id = g.id.clone();
            out.push(Cell::new(
                "framing",
                request_id,
                "framing",
                form_id,
                CellState::Generated(id, Box::new(g)),
            ));
        }
    }
}

/// Whether the request writes or reads a session (else a handle).
fn answers_session(request: &Request) -> bool {
    matches!(request.method.as_str(), "PUT" | "GET")
        && (request.path.ends_with("/session") || request.path.contains("path"))
}

/// A request of the model as a request spec.
fn base_request(request: &Request) -> RequestSpec {
    RequestSpec {
        method: request.method.clone(),
        path: request.path.clone(),
        raw_body: request.body.clone(),
        headers: BTreeMap::new(),
        ..RequestSpec::default()
    }
}

fn long(value: &str) -> String {
    value.replace(LONG, &"a".repeat(8192))
}

/// The strings of a JSON array (others left out); none when `value` is no array.
pub(super) fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
