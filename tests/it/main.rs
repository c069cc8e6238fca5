//! The harness's own integration tests, as one binary: each module was its own test binary,
//! and every one of them linked the whole tree (27 links a build). `tests/conformance.rs`
//! stays apart: it is the libtest-mimic harness with one trial per case (`harness = false`).

mod common;
mod support;

mod alt_server;
mod case_folder_files;
mod case_schema;
mod ci_templates;
mod cli;
mod cli_concurrency;
mod cli_install;
mod cli_output;
mod cli_preflight;
mod cli_proxy;
mod cli_rerun;
mod cli_signals;
mod cli_throttle;
mod cli_tls;
mod cli_usage;
mod config;
mod conformance_harness;
mod engine_features;
mod engine_retries;
mod events;
mod explore;
mod faults_cli;
mod fuzz_corpus;
mod hostile_target;
mod loader;
mod loader_corpus;
mod mutants;
mod reference_concurrency;
mod reference_contract;
mod reference_faults;
mod reference_limits;
mod reference_robustness;
mod reference_shedding;
mod report_hostile_files;
mod reports;
mod repository;
mod suite_entry;
