//! A case's row of report.json, written and read field by field: the shared `CaseRow`'s fields
//! first, then the report's own, in one flat object, as DESIGN.md pins it. By hand rather than
//! with `#[serde(flatten)]`, which buffers each case through an intermediate value when a report
//! is read back (`report merge`, `report compare`).

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};

use crate::verdict::CaseRow;

use super::model::CaseReport;

/// The fields in the order they are written.
const FIELDS: &[&str] = &[
    "id",
    "area",
    "title",
    "rules",
    "severity",
    "outcome",
    "verdict",
    "gating",
    "baseline",
    "duration_ms",
    "retries",
    "message",
    "failures",
    "exchanges",
    "story",
    "saved_as",
];

impl Serialize for CaseReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // `story` and `saved_as` are written only when present.
        let present = usize::from(self.story.is_some()) + usize::from(self.saved_as.is_some());
        let mut s = serializer.serialize_struct("CaseReport", FIELDS.len() - 2 + present)?;
        let case = &self.case;
        s.serialize_field("id", &case.id)?;
        s.serialize_field("area", &case.area)?;
        s.serialize_field("title", &case.title)?;
        s.serialize_field("rules", &case.rules)?;
        s.serialize_field("severity", &case.severity)?;
        s.serialize_field("outcome", &case.outcome)?;
        s.serialize_field("verdict", &self.verdict)?;
        s.serialize_field("gating", &self.gating)?;
        s.serialize_field("baseline", &self.baseline)?;
        s.serialize_field("duration_ms", &self.duration_ms)?;
        s.serialize_field("retries", &self.retries)?;
        s.serialize_field("message", &self.message)?;
        s.serialize_field("failures", &self.failures)?;
        s.serialize_field("exchanges", &self.exchanges)?;
        for (name, value) in [("story", &self.story), ("saved_as", &self.saved_as)] {
            match value {
                Some(text) => s.serialize_field(name, text)?,
                None => s.skip_field(name)?,
            }
        }
        s.end()
    }
}

impl<'de> Deserialize<'de> for CaseReport {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("CaseReport", FIELDS, RowVisitor)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Id,
    Area,
    Title,
    Rules,
    Severity,
    Outcome,
    Verdict,
    Gating,
    Baseline,
    DurationMs,
    Retries,
    Message,
    Failures,
    Exchanges,
    Story,
    SavedAs,
    /// A field this version does not know is passed over, as a derived reader would.
    #[serde(other)]
    Other,
}

struct RowVisitor;

impl<'de> Visitor<'de> for RowVisitor {
    type Value = CaseReport;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a case of report.json")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CaseReport, A::Error> {
        let (mut id, mut area, mut title, mut rules, mut severity, mut outcome) =
            (None, None, None, None, None, None);
        let (mut verdict, mut gating, mut baseline, mut duration_ms, mut retries, mut message) =
            (None, None, None, None, None, None);
        let (mut failures, mut exchanges, mut story, mut saved_as) = (None, None, None, None);
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Id => take(&mut map, &mut id, "id")?,
                Field::Area => take(&mut map, &mut area, "area")?,
                Field::Title => take(&mut map, &mut title, "title")?,
                Field::Rules => take(&mut map, &mut rules, "rules")?,
                Field::Severity => take(&mut map, &mut severity, "severity")?,
                Field::Outcome => take(&mut map, &mut outcome, "outcome")?,
                Field::Verdict => take(&mut map, &mut verdict, "verdict")?,
                Field::Gating => take(&mut map, &mut gating, "gating")?,
                Field::Baseline => take(&mut map, &mut baseline, "baseline")?,
                Field::DurationMs => take(&mut map, &mut duration_ms, "duration_ms")?,
                Field::Retries => take(&mut map, &mut retries, "retries")?,
                Field::Message => take(&mut map, &mut message, "message")?,
                Field::Failures => take(&mut map, &mut failures, "failures")?,
                Field::Exchanges => take(&mut map, &mut exchanges, "exchanges")?,
                Field::Story => take(&mut map, &mut story, "story")?,
                Field::SavedAs => take(&mut map, &mut saved_as, "saved_as")?,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(CaseReport {
            case: CaseRow {
                id: needed(id, "id")?,
                area: needed(area, "area")?,
                title: needed(title, "title")?,
                rules: needed(rules, "rules")?,
                severity: needed(severity, "severity")?,
                outcome: needed(outcome, "outcome")?,
            },
            verdict: needed(verdict, "verdict")?,
            gating: needed(gating, "gating")?,
            duration_ms: needed(duration_ms, "duration_ms")?,
            failures: needed(failures, "failures")?,
            exchanges: needed(exchanges, "exchanges")?,
            // Optional: absent in reports of older versions, or when there is none.
            baseline: baseline.flatten(),
            retries: retries.unwrap_or_default(),
            message: message.flatten(),
            story: story.flatten(),
            saved_as: saved_as.flatten(),
        })
    }
}

/// Reads the value of a field into its slot; a field given twice is refused.
fn take<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    name: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

fn needed<T, E: de::Error>(slot: Option<T>, name: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row() -> serde_json::Value {
        json!({
            "id": "a/b", "area": "a", "title": "t", "rules": ["H1"], "severity": "must",
            "outcome": "fail", "verdict": "fail", "gating": true, "baseline": null,
            "duration_ms": 3, "retries": 1, "message": "m", "failures": [], "exchanges": [],
            "story": "s"
        })
    }

    #[test]
    fn a_row_reads_back_to_the_same_json_in_the_same_order() {
        let text = serde_json::to_string(&row()).expect("a value");
        let read: CaseReport = serde_json::from_str(&text).expect("a case row");
        assert_eq!(read.case.severity, crate::case::Severity::Must);
        // serde_json's Value keeps keys sorted, so the order is checked on the text.
        let written = serde_json::to_string(&read).expect("written");
        assert_eq!(
            written,
            r#"{"id":"a/b","area":"a","title":"t","rules":["H1"],"severity":"must","outcome":"fail","verdict":"fail","gating":true,"baseline":null,"duration_ms":3,"retries":1,"message":"m","failures":[],"exchanges":[],"story":"s"}"#
        );
    }

    #[test]
    fn optional_fields_may_be_absent_and_required_ones_may_not() {
        let mut old = row();
        let fields = old.as_object_mut().expect("an object");
        for optional in ["baseline", "retries", "message", "story", "saved_as"] {
            fields.remove(optional);
        }
        fields.insert("from_the_future".into(), json!({"x": 1}));
        let read: CaseReport = serde_json::from_value(old.clone()).expect("a case row");
        assert_eq!((read.retries, read.message, read.story), (0, None, None));
        for required in ["id", "outcome", "verdict", "exchanges"] {
            let mut v = old.clone();
            v.as_object_mut().expect("an object").remove(required);
            let e = serde_json::from_value::<CaseReport>(v).expect_err("refused");
            assert_eq!(e.to_string(), format!("missing field `{required}`"));
        }
    }
}
