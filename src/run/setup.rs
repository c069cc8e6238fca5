//! The run's world from flags, environment and suite defaults: each environment variable falls
//! back on its own to the embedded world of CONTRACT.md §7.

use std::collections::BTreeMap;

use crate::case::Suite;

use super::context::Identity;
use super::error::SetupError;

/// The environment variables DESIGN.md pins, read once.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub target: Option<String>,
    pub auth: BTreeMap<String, String>,
    pub xuid: BTreeMap<String, String>,
    pub scid: Option<String>,
    pub template: Option<String>,
    pub template_persistent: Option<String>,
    pub template_solo: Option<String>,
    pub report_dir: Option<String>,
}

impl Environment {
    pub fn from_process() -> Environment {
        Environment::from_process_or(&BTreeMap::new())
    }

    /// As [`Environment::from_process`], with `fallback` (by variable name) for the variables
    /// that are not set: a configuration profile's world.
    pub fn from_process_or(fallback: &BTreeMap<String, String>) -> Environment {
        let var = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .or_else(|| fallback.get(name).cloned())
        };
        let mut env = Environment {
            target: var("CONFORMANCE_TARGET"),
            scid: var("CONFORMANCE_SCID"),
            template: var("CONFORMANCE_TEMPLATE"),
            template_persistent: var("CONFORMANCE_TEMPLATE_PERSISTENT"),
            template_solo: var("CONFORMANCE_TEMPLATE_SOLO"),
            report_dir: var("CONFORMANCE_REPORT_DIR"),
            ..Environment::default()
        };
        for who in ["a", "b"] {
            let upper = who.to_uppercase();
            if let Some(v) = var(&format!("CONFORMANCE_AUTH_{upper}")) {
                env.auth.insert(who.to_string(), v);
            }
            if let Some(v) = var(&format!("CONFORMANCE_XUID_{upper}")) {
                env.xuid.insert(who.to_string(), v);
            }
        }
        env
    }

    /// The world: SCID and templates.
    pub fn world(&self, suite: &Suite) -> BTreeMap<String, String> {
        let mut world = suite.world.clone();
        let overrides = [
            ("scid", &self.scid),
            ("template", &self.template),
            ("persistent", &self.template_persistent),
            ("solo", &self.template_solo),
        ];
        for (key, value) in overrides {
            if let Some(v) = value {
                world.insert(key.to_string(), v.clone());
            }
        }
        world
    }

    /// The callers. Without any CONFORMANCE_AUTH_*, the suite's synthetic callers (which the
    /// embedded reference accepts); with some, only the given ones, each needing its xuid.
    pub fn identities(&self, suite: &Suite) -> Result<BTreeMap<String, Identity>, SetupError> {
        let mut out = BTreeMap::new();
        let real = !self.auth.is_empty();
        for (name, default) in &suite.identities {
            let upper = name.to_uppercase();
            let identity = if real {
                match (self.auth.get(name), self.xuid.get(name)) {
                    (Some(auth), Some(xuid)) => Identity {
                        xuid: xuid.clone(),
                        authorization: Some(auth.clone()),
                    },
                    (Some(_), None) => return Err(SetupError::MissingXuid { caller: upper }),
                    (None, xuid) => Identity {
                        xuid: xuid.cloned().unwrap_or_else(|| default.xuid.clone()),
                        authorization: None,
                    },
                }
            } else {
                Identity {
                    xuid: default.xuid.clone(),
                    authorization: Some(default.authorization.clone()),
                }
            };
            out.insert(name.clone(), identity);
        }
        Ok(out)
    }

    /// Values that must never be written anywhere.
    pub fn secrets(&self) -> Vec<String> {
        self.auth.values().cloned().collect()
    }
}

/// The userinfo of a URL (`user:pass` in `https://user:pass@host/`), a secret.
pub fn url_userinfo(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    Some(userinfo.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite() -> Suite {
        serde_json::from_str(
            r#"{"headers":{},"bodyHeaders":{},"world":{"scid":"S","template":"lobby"},
                "identities":{"a":{"xuid":"1","authorization":"XBL3.0 x=1;t"},"b":{"xuid":"2","authorization":"XBL3.0 x=2;t"}},
                "fixtures":{}}"#,
        )
        .unwrap()
    }

    #[test]
    fn real_callers_replace_the_synthetic_ones_and_need_xuids() {
        let s = suite();
        let ids = Environment::default().identities(&s).unwrap();
        assert_eq!(ids["b"].authorization.as_deref(), Some("XBL3.0 x=2;t"));
        let mut env = Environment::default();
        env.auth
            .insert("a".into(), "XBL3.0 x=hash;secret-token".into());
        assert!(env.identities(&s).is_err());
        env.xuid.insert("a".into(), "42".into());
        let ids = env.identities(&s).unwrap();
        assert_eq!(ids["a"].xuid, "42");
        assert!(ids["b"].authorization.is_none());
        env.template = Some("other".into());
        assert_eq!(env.world(&s)["template"], "other");
        assert_eq!(env.world(&s)["scid"], "S");
    }

    #[test]
    fn userinfo_is_found() {
        assert_eq!(
            url_userinfo("https://u:p@h.example/x").as_deref(),
            Some("u:p")
        );
        assert_eq!(url_userinfo("http://h.example/a@b"), None);
    }
}
