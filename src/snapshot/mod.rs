//! The snapshot: a binary, versioned, self-describing file holding a compiled policy
//! (settings, rules, messages), the blocklist as keyed hashes, the catalog and customer
//! statistics. Written once by the compiler, read on every check.
//!
//! STUB — the source/snapshot helper replaces this file (format, writer, reader, hash).

use crate::model::{CatalogItem, CustomerStats, IdKind, Level, Policy, PolicySource};
use crate::time::Timestamp;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;

/// Why bytes could not be loaded as a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// Placeholder.
    Invalid(String),
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::Invalid(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for SnapshotError {}

/// Who the snapshot is for (PRODUCT §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Edge and backend: full hashes, exact match.
    #[default]
    Private,
}

/// What `inspect` and `engine.info()` report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotInfo {
    /// Format version of the file.
    pub format_version: u16,
    /// Merchant name.
    pub merchant: String,
    /// Content hash, hex: identifies this exact snapshot.
    pub version: String,
    /// When it was compiled (RFC 3339).
    pub created_at: String,
    /// When it goes stale (RFC 3339).
    pub expires_at: String,
    /// `private` or `public`.
    pub profile: Profile,
}

/// A blocklist entry matching an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListMatch<'a> {
    /// Its level.
    pub level: Level,
    /// Its reason code.
    pub reason: &'a str,
    /// When it stops applying (`None`: never).
    pub expires_at: Option<Timestamp>,
}

/// A loaded, validated snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    policy: Policy,
    info: SnapshotInfo,
    created_at: Timestamp,
    expires_at: Timestamp,
    _bytes: Cow<'static, [u8]>,
}

/// Options for [`write`].
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Recorded creation time; expiry is this plus `valid_for`.
    pub created_at: Timestamp,
    /// Key for identifier hashes; derived from the content when `None`.
    pub key: Option<[u8; 16]>,
}

/// Serializes a policy source into snapshot bytes.
pub fn write(source: &PolicySource, options: &WriteOptions) -> Vec<u8> {
    let _ = (source, options);
    Vec::new()
}

impl Snapshot {
    /// Validates `bytes` and indexes them without copying the large sections.
    pub fn from_bytes(bytes: impl Into<Cow<'static, [u8]>>) -> Result<Snapshot, SnapshotError> {
        let _ = bytes.into();
        Err(SnapshotError::Invalid("stub".into()))
    }
    /// The policy (settings, rules, messages).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    /// Header data.
    pub fn info(&self) -> &SnapshotInfo {
        &self.info
    }
    /// Creation time.
    pub fn created_at(&self) -> Timestamp {
        self.created_at
    }
    /// Expiry time.
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
    /// Calls `f` for every blocklist entry (expired or not) whose identifier of `kind`
    /// equals `normalized` (already normalized by [`crate::normalize`]).
    pub fn for_each_match<'s>(
        &'s self,
        kind: IdKind,
        normalized: &str,
        f: impl FnMut(ListMatch<'s>),
    ) {
        let _ = (kind, normalized, f);
    }
    /// Whether the snapshot has a catalog (an empty catalog makes every SKU "known").
    pub fn has_catalog(&self) -> bool {
        false
    }
    /// The catalog item with this exact SKU.
    pub fn catalog_item(&self, sku: &str) -> Option<&CatalogItem> {
        let _ = sku;
        None
    }
    /// The statistics of the customer with this id, if in `customers.csv`.
    pub fn customer(&self, customer_id: &str) -> Option<CustomerStats> {
        let _ = customer_id;
        None
    }
}
