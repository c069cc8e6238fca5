//! Precondition cells (H4): each form on an update and a create, by handle and by name.

use std::collections::BTreeMap;

use crate::case::{BodyExpect, Expect, HeaderExpect, HeaderValueSpec, RequestSpec};

use super::build::{Generated, Outcome};
use super::model::Model;
use super::{Cell, CellState};

/// What a write carries: on an update, a change; on a create, the caller.
const UPDATE: &str = r#"{"properties": {"custom": {"mpsdcPrecondition": true}}}"#;
const CREATE: &str = r#"{"members": {"me": {}}}"#;

pub fn cells(model: &Model, out: &mut Vec<Cell>, problems: &mut Vec<String>) {
    for (form_id, form) in &model.preconditions.forms {
        for resource_id in &model.preconditions.on {
            let Some(resource) = model.resources.get(resource_id) else {
                problems.push(format!("/preconditions/on: no resource `{resource_id}`"));
                continue;
            };
            let cell = if resource.creates {
                &form.create
            } else {
                &form.update
            };
            let outcome = match (&cell.status, cell.valid) {
                (None, true) => Outcome::Valid {
                    status: if resource.creates { 201 } else { 200 },
                    rule: cell.rules.first().cloned().unwrap_or_default(),
                    check: None,
                },
                (Some(status), false) => Outcome::Refused {
                    status: status.clone(),
                    rules: cell.rules.clone(),
                },
                _ => {
                    problems.push(format!(
                        "/preconditions/forms/{form_id}: `valid` or a `status`"
                    ));
                    continue;
                }
            };
            // The stale 412 carries the whole current session with its ETag (H4.c).
            let extra = cell.stale_session.then(|| Expect {
                headers: BTreeMap::from([(
                    "etag".to_string(),
                    HeaderExpect {
                        rule: Some("H4.c".into()),
                        equals: Some("{{s.etag}}".into()),
                        ..HeaderExpect::default()
                    },
                )]),
                body: Some(BodyExpect {
                    rule: Some("H4.c".into()),
                    schema: Some("session.json".into()),
                    ..BodyExpect::default()
                }),
                ..Expect::default()
            });
            let request = RequestSpec {
                method: "PUT".into(),
                path: resource.path.clone(),
                headers: BTreeMap::from([(
                    form.header.clone(),
                    HeaderValueSpec::One(cell.value.clone()),
                )]),
                raw_body: Some(if resource.creates { CREATE } else { UPDATE }.to_string()),
                ..RequestSpec::default()
            };
            let g = Generated {
                id: format!("generated/{resource_id}/preconditions/{form_id}"),
                title: format!("{}: {}", resource.summary, form.summary),
                fixture: resource.fixture.clone(),
                request,
                outcome,
                extra,
                answers_session: true,
            };
            let id = g.id.clone();
            out.push(Cell::new(
                "preconditions",
                resource_id,
                "preconditions",
                form_id,
                CellState::Generated(id, Box::new(g)),
            ));
        }
    }
}
