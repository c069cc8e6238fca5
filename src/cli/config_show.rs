//! `config show`: the settings `run` would use with these flags, environment and profile, and
//! where each came from; secrets redacted as everywhere.

use serde_json::Value;

use crate::exit::Exit;
use crate::outln;
use crate::run::Environment;

use super::config::{Destination, KEYS};
use super::run::{options_json, redactor_before_run};
use super::ConfigShowArgs;

pub fn show(args: ConfigShowArgs) -> Exit {
    let args = args.run;
    let configured = &args.settings.configured;
    let env = Environment::from_process_or(&configured.world);
    let redactor = redactor_before_run(
        &args.access.secret,
        &args.target,
        &args.transport.proxy,
        &env,
    );
    let options = options_json(&args, &redactor);
    match &configured.profile {
        Some(p) => outln!("configuration: {}, profile {}", p.file, p.name),
        None => outln!("configuration: none"),
    }
    let width = KEYS.iter().map(|k| k.name.len()).max().unwrap_or(0);
    for key in KEYS {
        let Some(source) = configured.sources.get(key.name) else {
            continue;
        };
        let value = match key.to {
            Destination::Flag { .. } => match options.get(key.name.replace('-', "_")) {
                Some(v) => shown(v),
                None => continue,
            },
            Destination::World { env: name } => match (world_value(&env, name), key.secret) {
                (Some(_), true) => crate::report::REDACTED.to_string(),
                (Some(v), false) => v,
                (None, _) => "(the embedded world)".to_string(),
            },
        };
        let value = match (value.as_str(), key.name) {
            // No fixed number: the run learns it (README "Cases in flight").
            ("null", "jobs") => "(adaptive: from 8 up to max-jobs)".to_string(),
            ("null", _) => "(none)".to_string(),
            _ => value,
        };
        outln!("{:width$} = {value}  ({source})", key.name);
    }
    Exit::Ok
}

/// A world setting as the run will see it.
fn world_value(env: &Environment, name: &str) -> Option<String> {
    let caller =
        |map: &std::collections::BTreeMap<String, String>, who: &str| map.get(who).cloned();
    match name {
        "CONFORMANCE_SCID" => env.scid.clone(),
        "CONFORMANCE_TEMPLATE" => env.template.clone(),
        "CONFORMANCE_TEMPLATE_PERSISTENT" => env.template_persistent.clone(),
        "CONFORMANCE_TEMPLATE_SOLO" => env.template_solo.clone(),
        "CONFORMANCE_XUID_A" => caller(&env.xuid, "a"),
        "CONFORMANCE_XUID_B" => caller(&env.xuid, "b"),
        "CONFORMANCE_AUTH_A" => caller(&env.auth, "a"),
        "CONFORMANCE_AUTH_B" => caller(&env.auth, "b"),
        _ => None,
    }
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
