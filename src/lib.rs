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
//!
//! Source → snapshot → verdict, on the demo store:
//!
//! ```
//! use checkout_guard::{compile_dir, CheckOptions, CompileOptions, Engine, Timestamp};
//! use checkout_guard::model::Action;
//! use checkout_guard::snapshot::SnapshotKey;
//! use std::path::Path;
//!
//! // The merchant key: a secret kept beside the snapshot, never in it (`checkout-guard
//! // keygen` makes one; the demo store's is published, demo only).
//! let key = SnapshotKey::parse(&std::fs::read_to_string("examples/demo-store/demo.key")?)?;
//! // Compile a policy source folder (rules are type-checked here) into snapshot bytes.
//! let options = CompileOptions { key: Some(key.clone()), ..CompileOptions::default() };
//! let compiled = compile_dir(Path::new("examples/demo-store"), &options)?;
//! let mut engine = Engine::open(compiled.bytes, Some(&key))?;
//!
//! // A blocklisted customer (block level) buying a limited-edition item.
//! let order = r#"{
//!   "order_id": "A-1", "customer": {"id": "C10007"},
//!   "shipping": {"name": "赵强", "phone": "13800138107", "province": "山东省",
//!                "city": "青岛市", "district": "市南区", "line1": "香港中路50号"},
//!   "items": [{"sku": "TEA-004", "quantity": 2}, {"sku": "COL-001", "quantity": 1}]
//! }"#;
//! let now = Timestamp::parse_rfc3339("2026-11-25T10:00:00Z")?;
//! let options = CheckOptions { now: Some(now), locale: Some("en".into()), ..CheckOptions::default() };
//! let verdict = engine.check_json(order, &options)?;
//!
//! assert_eq!(verdict.decision, Action::Deny);
//! assert_eq!(verdict.lines[0].decision, Action::Allow); // only the limited line is denied
//! assert_eq!(verdict.lines[1].decision, Action::Deny);
//! assert_eq!(verdict.message.map(|m| m.locale.to_string()), Some("en".to_string()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod backtest;
pub mod case_ref;
pub mod diagnostic;
pub mod engine;
pub mod entropy;
mod json;
pub mod model;
pub mod normalize;
pub mod rules;
mod siphash;
pub mod snapshot;
pub mod template;
pub mod time;
// Verdict tokens: what the origin checks behind the edge worker (native only).
#[cfg(not(target_arch = "wasm32"))]
pub mod verdict_token;

/// The JavaScript API (wasm-bindgen); public so `tests/wasm.rs` can drive it.
#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(feature = "compiler")]
pub mod compile;
#[cfg(feature = "compiler")]
pub mod review;
#[cfg(feature = "compiler")]
pub mod source;

pub use diagnostic::{Code, Diagnostic, Diagnostics, Severity, Span};
pub use engine::{
    CheckOptions, Engine, Identity, LimitKey, LoadError, Order, OrderError, OrderKey, Verdict,
};
pub use snapshot::{LoadOptions, Snapshot, SnapshotError, SnapshotInfo};
pub use time::{Duration, Timestamp};

#[cfg(feature = "compiler")]
pub use compile::{compile_dir, compile_files, lint, lint_files, CompileOptions, Compiled, Linted};
#[cfg(feature = "compiler")]
pub use source::SourceFiles;

/// The demo store's compiled snapshot (`examples/demo-store/`), used when no snapshot is
/// given. `tests/demo_snapshot.rs` recompiles the source and checks these bytes match.
pub const DEMO_SNAPSHOT: &[u8] = include_bytes!("../assets/demo-store.snapshot");

impl Engine {
    /// An engine on the embedded demo store snapshot ([`DEMO_SNAPSHOT`]). Defined here,
    /// next to the bytes, so `engine` never reaches up to the crate root.
    pub fn demo() -> Result<Engine, LoadError> {
        Engine::from_bytes(DEMO_SNAPSHOT)
    }
}
