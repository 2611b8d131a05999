//! checkout-guard: a pre-checkout risk engine.
//!
//! A merchant's policy source (rules in CEL, a blocklist, a catalog, customer
//! statistics) is compiled once into a binary **snapshot**; the [`Engine`] loads a
//! snapshot and turns each order into a [`Verdict`]: `deny`, `step_up`, `review` or
//! `allow`, with reasons, per-line decisions and a customer message.
//!
//! The pipeline, one module per stage:
//! `source` (read policy files) → `rules` (CEL lexer, parser, type checker, evaluator)
//! → `snapshot` (binary format, writer, reader) → `engine` (facts, evaluation, verdict).
//! The `checkout-guard` binary (`src/cli/`) only calls the public API.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod backtest;
pub mod diagnostic;
pub mod engine;
pub mod model;
pub mod normalize;
pub mod rules;
pub mod snapshot;
pub mod time;

/// The JavaScript API (wasm-bindgen); public so `tests/wasm.rs` can drive it.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(feature = "compiler")]
pub mod compile;
#[cfg(feature = "compiler")]
pub mod source;

pub use diagnostic::{Diagnostic, Diagnostics, Severity, Span};
pub use engine::{CheckOptions, Engine, LoadError, Order, OrderError, Verdict};
pub use snapshot::{Snapshot, SnapshotError, SnapshotInfo};
pub use time::{Duration, Timestamp};

#[cfg(feature = "compiler")]
pub use compile::{compile_dir, compile_files, lint_files, CompileOptions, Compiled};
#[cfg(feature = "compiler")]
pub use source::SourceFiles;

/// The demo store's compiled snapshot (`examples/demo-store/`), used when no snapshot is
/// given. `tests/demo_snapshot.rs` recompiles the source and checks these bytes match.
pub const DEMO_SNAPSHOT: &[u8] = include_bytes!("../assets/demo-store.snapshot");
