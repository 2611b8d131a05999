//! The native integration tests, one test binary with a module per area (the layout of
//! regex's `tests/lib.rs`): one build and link instead of ten, and one lint header.
//! Cargo.toml sets `autotests = false` and lists this file and `tests/wasm.rs`, so a new
//! `tests/*.rs` file is a module declared here. Run one area with
//! `cargo test --test integration cli::`. Property-test regressions are kept where
//! proptest looks for a module under `tests/lib.rs`: `proptest-regressions/<module>.txt`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failure should stop loudly"
)]

mod alloc_bounds;
mod backtest_parallel;
mod cli;
mod compile_scale;
mod conformance;
mod crafted;
mod demo_snapshot;
mod engine;
mod fail_closed;
mod identity;
mod json_results;
mod limits;
mod no_panic;
mod pattern_entries;
mod placeholders;
mod public_profile;
mod rule_programs;
mod rules_corpus;
mod rules_differential;
mod scoped_entries;
mod signature;
mod snapshot_format;
mod source_read;
mod spellings;
mod stats;
mod time_rfc3339;
mod verdict_token;
