//! Everything a run needs before its first case: the target, the client, callers, world and
//! default headers. Shared by the CLI and `cargo test`, which start the embedded reference
//! themselves when no target is given: the engine does not know the reference server.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::check::Shapes;
use crate::exchange::{secret_header, Redactor};
use crate::http::{ClientOptions, HttpClient};
use crate::plan::{credentials_of, PlanSet};

use super::context::RunContext;
use super::error::PrepareError;
use super::headers::DefaultHeaders;
use super::interrupt::{Interrupt, TEARDOWN_GRACE};
use super::setup::{url_userinfo, Environment};
use super::vars::RunVars;

/// A server started for the run (the embedded reference): it serves at `url` as long as it lives.
pub trait StartedTarget: Send + Sync {
    fn url(&self) -> &str;
}

/// What the run is pointed at.
pub enum Target {
    /// `--target` or CONFORMANCE_TARGET.
    Url(String),
    /// A server the caller started; reports call it `embedded`.
    Started(Box<dyn StartedTarget>),
}

pub struct PrepareOptions {
    pub target: Target,
    /// How long teardown may run once the run is interrupted.
    pub teardown_grace: Duration,
    /// `--header`s.
    pub headers: Vec<(String, String)>,
    /// `--secret`s.
    pub secrets: Vec<String>,
    pub client: ClientOptions,
}

impl PrepareOptions {
    pub fn new(target: Target) -> PrepareOptions {
        PrepareOptions {
            target,
            teardown_grace: TEARDOWN_GRACE,
            headers: Vec::new(),
            secrets: Vec::new(),
            client: ClientOptions::default(),
        }
    }
}

pub struct Prepared {
    pub ctx: Arc<RunContext>,
    /// The target as reports show it: its URL, or `embedded`.
    pub target_label: String,
    pub embedded: bool,
    /// Values to redact everywhere.
    pub secrets: Vec<String>,
    /// What a person should know about how the run was set up (stderr, once).
    pub warnings: Vec<String>,
    /// Keeps a started server alive as long as the run.
    pub server: Option<Box<dyn StartedTarget>>,
}

pub fn prepare(
    set: &PlanSet,
    env: &Environment,
    options: PrepareOptions,
) -> Result<Prepared, PrepareError> {
    let identities = env.identities(&set.suite)?;
    // Every Authorization value the run uses is redacted, the synthetic callers' included, and
    // so is its credentials part, which a case may send under another scheme
    // (`{{auth.a.credentials}}`).
    let mut secrets: Vec<String> = Vec::new();
    for value in identities
        .values()
        .filter_map(|i| i.authorization.as_deref())
        .chain(env.secrets().iter().map(String::as_str))
    {
        secrets.push(value.to_string());
        let credentials = credentials_of(value);
        if !credentials.is_empty() {
            secrets.push(credentials.to_string());
        }
    }
    secrets.extend(options.secrets.iter().cloned());
    let mut warnings = Vec::new();
    let (base_url, label, server) = match options.target {
        Target::Url(url) => {
            let trimmed = url.trim_end_matches('/').to_string();
            let mut parsed = reqwest::Url::parse(&trimmed).map_err(|e| PrepareError::NotAUrl {
                target: url.clone(),
                reason: e.to_string(),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(PrepareError::NotHttp {
                    target: url.clone(),
                });
            }
            let mut base_url = trimmed.clone();
            if let Some(userinfo) = url_userinfo(&trimmed) {
                secrets.push(userinfo.clone());
                if let Some((_, password)) = userinfo.split_once(':') {
                    secrets.push(password.to_string());
                }
                // Userinfo in a request URL becomes `Authorization: Basic …`, which would replace
                // the callers' own Authorization: the server must see what the cases send.
                // Setting them on an http(s) URL cannot fail.
                let _ = parsed.set_username("");
                let _ = parsed.set_password(None);
                base_url = parsed.as_str().trim_end_matches('/').to_string();
                warnings.push(
                    "the target's userinfo (user:password@) is not sent: requests carry the \
                     callers' Authorization headers instead; it is only redacted from the output"
                        .to_string(),
                );
            }
            (base_url, trimmed, None)
        }
        Target::Started(server) => (
            server.url().trim_end_matches('/').to_string(),
            "embedded".to_string(),
            Some(server),
        ),
    };
    let forced = options.headers;
    let headers = DefaultHeaders::new(&set.suite, forced.clone());
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
    let vars = RunVars {
        run_id,
        base_path: crate::exchange::url_path(&base_url).to_string(),
        world: env.world(&set.suite),
        xuids: identities
            .iter()
            .map(|(n, i)| (n.clone(), i.xuid.clone()))
            .collect(),
        authorizations: identities
            .iter()
            .map(|(n, i)| (n.clone(), i.authorization.clone()))
            .collect(),
    };
    let client = HttpClient::new(options.client)?;
    let redactor = redactor(&secrets, &client, &forced, &identities);
    let ctx = RunContext {
        client,
        redactor,
        base_url,
        identities,
        vars,
        headers,
        interrupt: Interrupt::new(),
        teardown_grace: options.teardown_grace,
        stopping: AtomicBool::new(false),
        concurrency: Default::default(),
        rule_severity: set
            .rules
            .iter()
            .map(|(id, rule)| (id.clone(), rule.basis.severity()))
            .collect(),
        shapes: Shapes {
            session: set.schemas.get("session.json").cloned(),
            handle: set.schemas.get("handle.json").cloned(),
        },
    };
    Ok(Prepared {
        ctx: Arc::new(ctx),
        target_label: label,
        embedded: server.is_some(),
        secrets,
        warnings,
        server,
    })
}

/// Every secret of the run: the callers' Authorization values (named for the commands reports
/// print), `--secret`s, the target's userinfo, the proxy's credentials, and the value of every
/// `--header` whose name marks it secret.
fn redactor(
    secrets: &[String],
    client: &HttpClient,
    forced: &[(String, String)],
    identities: &std::collections::BTreeMap<String, super::context::Identity>,
) -> Redactor {
    let mut values = secrets.to_vec();
    values.extend(client.secrets());
    values.extend(
        forced
            .iter()
            .filter(|(name, _)| secret_header(name))
            .map(|(_, value)| value.clone()),
    );
    let mut redactor = Redactor::new(values);
    for (name, identity) in identities {
        if let Some(auth) = &identity.authorization {
            redactor = redactor.with_caller(name, auth);
        }
    }
    redactor
}
