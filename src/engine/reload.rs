//! Loading with [`LoadOptions`] and refusing rollbacks (docs/snapshot-format.md,
//! "Versions and rollback"): a snapshot's `created_at` (a header field, covered by the
//! signature) is its version, and a reload never goes back. `Engine::load_with`
//! refuses a snapshot created before the one serving, and a different snapshot with the
//! same `created_at` (two files cannot both be version N); reloading the identical bytes
//! is fine. `LoadOptions::force` rolls back on purpose. A refused load changes nothing:
//! the old snapshot keeps serving.

use super::{Engine, LoadError};
use crate::snapshot::{LoadOptions, Snapshot};
use std::borrow::Cow;

impl Engine {
    /// An engine on snapshot bytes loaded with `options` (merchant key, public key;
    /// `force` plays no part, nothing is serving yet).
    pub fn open_with(
        bytes: impl Into<Cow<'static, [u8]>>,
        options: &LoadOptions,
    ) -> Result<Engine, LoadError> {
        Engine::new(Snapshot::open_with(bytes, options)?)
    }

    /// Replaces the snapshot with `bytes` loaded with `options`, atomically: a snapshot
    /// that does not load, whose signature does not verify, or that is older than the
    /// one serving (unless `options.force`) is refused and the old one keeps serving.
    pub fn load_with(
        &mut self,
        bytes: impl Into<Cow<'static, [u8]>>,
        options: &LoadOptions,
    ) -> Result<(), LoadError> {
        let snapshot = Snapshot::open_with(bytes, options)?;
        self.load_snapshot_with(snapshot, options)
    }

    /// [`Engine::load_with`] of a snapshot already read (say, to check its merchant
    /// first); only `options.force` is used.
    pub fn load_snapshot_with(
        &mut self,
        snapshot: Snapshot,
        options: &LoadOptions,
    ) -> Result<(), LoadError> {
        if !options.force {
            not_a_rollback(self.snapshot(), &snapshot)?;
        }
        let loaded = super::prepare(snapshot)?;
        self.stats.reload(&self.loaded, &loaded);
        self.loaded = loaded;
        Ok(())
    }
}

/// `Ok` when `offered` may replace `serving` without force: created later, or the
/// very same bytes.
fn not_a_rollback(serving: &Snapshot, offered: &Snapshot) -> Result<(), LoadError> {
    let (now, new) = (serving.created_at(), offered.created_at());
    if new > now || (new == now && serving.bytes() == offered.bytes()) {
        return Ok(());
    }
    Err(LoadError::Rollback {
        serving: now,
        offered: new,
    })
}
