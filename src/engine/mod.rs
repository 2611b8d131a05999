//! The engine: loads a snapshot, turns an order into facts, evaluates the rules and
//! assembles the verdict (PRODUCT §2–3).

pub mod facts;
pub mod order;
pub mod verdict;

pub use order::{Order, OrderError};
pub use verdict::Verdict;

use crate::snapshot::{Snapshot, SnapshotError};
use crate::time::Timestamp;
use std::fmt;

/// Per-check options.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// The time to judge at; the clock when `None` (never the order's `created_at`).
    pub now: Option<Timestamp>,
    /// Message locale; the policy's `default_locale` when `None`.
    pub locale: Option<String>,
}

/// Why a snapshot could not become an engine.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// The bytes are not a valid snapshot.
    Snapshot(SnapshotError),
    /// The rules inside do not compile with this engine version.
    Rules(crate::diagnostic::Diagnostics),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Snapshot(e) => write!(f, "invalid snapshot: {e}"),
            LoadError::Rules(d) => write!(f, "snapshot rules do not compile: {d}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// A loaded policy ready to check orders.
#[derive(Debug)]
pub struct Engine {
    snapshot: Snapshot,
}

impl Engine {
    /// An engine on a snapshot.
    pub fn new(snapshot: Snapshot) -> Result<Engine, LoadError> {
        Ok(Engine { snapshot })
    }
    /// The snapshot in use.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }
}
