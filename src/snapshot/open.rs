//! How a snapshot is loaded: [`LoadOptions`] gathers what a caller gives besides the
//! bytes — the merchant key, the public key that signatures must verify against, and
//! for a reload whether to accept an older snapshot — so the loading functions
//! ([`Snapshot::open_with`], `Engine::open_with`, `Engine::load_with`) take one
//! argument that can grow, instead of a row of positional options.

use super::key::SnapshotKey;
use super::signature::PublicKey;
use super::{read, Snapshot, SnapshotError};
use std::borrow::Cow;

/// What to load a snapshot with. `LoadOptions::default()` is no key (only demo-keyed
/// snapshots load), no public key (a signature is not verified, so `signed` reads
/// `false`) and no force.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// The merchant key the snapshot was compiled with (docs/snapshot-format.md,
    /// "Identifier hashing").
    pub key: Option<SnapshotKey>,
    /// The public key of the merchant's signing key. When given, only a snapshot
    /// carrying a valid Ed25519 signature by it loads: an unsigned one is
    /// [`SnapshotError::SignatureRequired`], any other [`SnapshotError::BadSignature`]
    /// (docs/snapshot-format.md, "Signature").
    pub public_key: Option<PublicKey>,
    /// Reloads only (`Engine::load_with`): accept a snapshot older than the one serving,
    /// or another one with the same `created_at` — a deliberate rollback. Ignored when
    /// nothing is serving yet.
    pub force: bool,
}

impl Snapshot {
    /// Validates `bytes` with `options.key` and, when `options.public_key` is given,
    /// verifies their signature before any section is read (`options.force` plays no
    /// part here: a snapshot alone has nothing to be older than).
    pub fn open_with(
        bytes: impl Into<Cow<'static, [u8]>>,
        options: &LoadOptions,
    ) -> Result<Snapshot, SnapshotError> {
        read::parse(
            bytes.into(),
            options.key.as_ref(),
            options.public_key.as_ref(),
        )
    }
}
