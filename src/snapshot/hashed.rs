//! A blocklist hashed as it is read: what the private snapshot's `BLCK` section needs of
//! each row (docs/snapshot-format.md), and nothing more.
//!
//! A `blocklist.csv` row becomes 24 bytes — its keyed identifier hash, level, an index
//! into the distinct reason codes and its expiry — the moment it is read, so compiling a
//! 10 M-entry list never holds 10 M identifier and reason strings (issue 10: a
//! `Vec<BlockEntry>` and its duplicate index cost ~430 bytes an entry). The rows are
//! then sorted in place and written ([`super::writer`]).

use super::format::{blocklist, id_hash, BASE_FORMAT_VERSION, PATTERNS_VERSION};
use super::SnapshotKey;
use crate::model::{BlockEntry, EntryScope, IdKind, Level};
use crate::time::Timestamp;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// One row: 24 bytes (`u64` hash, `i64` expiry, `u32` reason, level, expiry flag).
#[derive(Debug, Clone, Copy)]
pub(super) struct HashedRow {
    /// `id_hash(key, kind, value)`.
    pub(super) hash: u64,
    /// Expiry in nanoseconds, meaningful when `expires` is set.
    pub(super) expires_at: i64,
    /// Index into [`HashedBlocklist::reasons`] (insertion order, not sorted).
    pub(super) reason: u32,
    pub(super) level: Level,
    pub(super) expires: bool,
}

impl HashedRow {
    pub(super) fn expiry(&self) -> Option<Timestamp> {
        self.expires.then_some(Timestamp(self.expires_at))
    }
}

/// A scoped row (docs/semantics.md §4.4): a row with the index of its scope.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScopedRow {
    pub(super) row: HashedRow,
    /// Index into [`HashedBlocklist::scopes`].
    pub(super) scope: u32,
}

/// The blocklist of a private snapshot, hashed under its merchant key.
#[derive(Debug, Clone)]
pub struct HashedBlocklist {
    key: [u8; 16],
    pub(super) rows: Vec<HashedRow>,
    /// Distinct reason codes, in the order first seen.
    pub(super) reasons: Vec<String>,
    reason_ids: HashMap<String, u32>,
    /// Rows read per count slot (`blocklist::slot`; before rows of one key are merged).
    pub(super) by_kind: [u32; blocklist::KIND_SLOTS],
    /// Per pattern kind ([`IdKind::PATTERNS`] order): rows, and the set of lengths
    /// (bit `n − 1`: an entry of length `n`), the `PATN` section.
    pub(super) patterns: [(u32, u128); 3],
    /// Scoped rows (the `SCPD` section), apart from the rows that list a customer.
    pub(super) scoped: Vec<ScopedRow>,
    /// Distinct scopes, in the order first seen.
    pub(super) scopes: Vec<EntryScope>,
}

impl HashedBlocklist {
    /// An empty list hashing under `key`, with room for `rows` rows (an estimate: the
    /// reader passes the file's line count, so a large list is allocated once).
    pub fn with_capacity(key: &SnapshotKey, rows: usize) -> HashedBlocklist {
        HashedBlocklist {
            key: *key.as_bytes(),
            rows: Vec::with_capacity(rows),
            reasons: Vec::new(),
            reason_ids: HashMap::new(),
            by_kind: [0; blocklist::KIND_SLOTS],
            patterns: [(0, 0); 3],
            scoped: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// The list of `entries` (the library path: a `PolicySource` built in memory).
    pub fn from_entries(key: &SnapshotKey, entries: &[BlockEntry]) -> HashedBlocklist {
        let mut list = HashedBlocklist::with_capacity(key, entries.len());
        for e in entries {
            let hash = list.hash(e.kind, &e.value);
            list.push(hash, e.kind, e.level, &e.reason, e.expires_at);
            list.note_pattern(e.kind, &e.value);
            if let Some(scope) = &e.scope {
                list.scope_last(scope);
            }
        }
        list
    }

    /// The keyed hash of a normalized identifier, as the snapshot stores it.
    pub fn hash(&self, kind: IdKind, normalized: &str) -> u64 {
        id_hash(&self.key, kind, normalized)
    }

    /// The id of a reason code already seen, if any (no allocation).
    pub fn reason_id(&self, reason: &str) -> Option<u32> {
        self.reason_ids.get(reason).copied()
    }

    /// Adds a row whose identifier hashed to `hash` (see [`Self::hash`]).
    pub fn push(
        &mut self,
        hash: u64,
        kind: IdKind,
        level: Level,
        reason: &str,
        expires_at: Option<Timestamp>,
    ) {
        let reason = match self.reason_id(reason) {
            Some(id) => id,
            None => {
                // Ids beyond u32 cannot occur (a row is longer than a byte); the writer
                // refuses more than 256 distinct reasons anyway.
                let id = u32::try_from(self.reasons.len()).unwrap_or(u32::MAX);
                self.reasons.push(reason.to_string());
                self.reason_ids.insert(reason.to_string(), id);
                id
            }
        };
        self.rows.push(HashedRow {
            hash,
            expires_at: expires_at.map_or(0, |t| t.0),
            reason,
            level,
            expires: expires_at.is_some(),
        });
        if let Some(n) = self.by_kind.get_mut(blocklist::slot(kind)) {
            *n = n.saturating_add(1);
        }
    }

    /// Moves the row just pushed to the scoped rows, restricting `scope`'s lines
    /// (docs/semantics.md §4.4). Its kind count stays: the kind is still looked up.
    pub fn scope_last(&mut self, scope: &EntryScope) {
        let Some(row) = self.rows.pop() else {
            return;
        };
        let id = match self.scopes.iter().position(|s| s == scope) {
            Some(i) => i,
            None => {
                self.scopes.push(scope.clone());
                self.scopes.len() - 1
            }
        };
        self.scoped.push(ScopedRow {
            row,
            scope: u32::try_from(id).unwrap_or(u32::MAX),
        });
    }

    /// Records the length of a pattern row just pushed (`canonical` as
    /// `normalize::pattern::canonical` wrote it), so the snapshot says which lengths a
    /// check must look up. Does nothing for an exact kind.
    pub fn note_pattern(&mut self, kind: IdKind, canonical: &str) {
        let Some(i) = IdKind::PATTERNS.iter().position(|&k| k == kind) else {
            return;
        };
        let bit = crate::normalize::pattern::length(kind, canonical)
            .and_then(|n| 1u128.checked_shl(n - 1))
            .unwrap_or(0);
        if let Some((rows, lengths)) = self.patterns.get_mut(i) {
            *rows = rows.saturating_add(1);
            *lengths |= bit;
        }
    }

    /// The format version this list needs: [`PATTERNS_VERSION`] when it holds pattern
    /// or scoped rows, else the oldest (the policy decides).
    pub fn needs_version(&self) -> u16 {
        if self.patterns.iter().any(|&(rows, _)| rows > 0) || !self.scoped.is_empty() {
            PATTERNS_VERSION
        } else {
            BASE_FORMAT_VERSION
        }
    }

    /// Rows added, scoped ones included.
    pub fn len(&self) -> usize {
        self.rows.len() + self.scoped.len()
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows whose expiry is at or before `at` (compile's "already expired" warning).
    pub fn expired_at(&self, at: Timestamp) -> usize {
        self.rows
            .iter()
            .chain(self.scoped.iter().map(|s| &s.row))
            .filter(|r| r.expiry().is_some_and(|t| t <= at))
            .count()
    }
}

/// The hasher of an index keyed by identifier hashes: they are already keyed SipHash
/// outputs, uniformly spread, so mixing them again through SipHash (the std default)
/// would only cost time. Other writes (never made by the key types used) fall back to
/// FNV-1a.
#[derive(Default)]
pub struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
    fn write_u32(&mut self, n: u32) {
        // Spread the small payload (level, reason) over every bit before mixing it in.
        self.0 ^= u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// A `HashMap` keyed by identifier hashes (see [`PreHashed`]).
pub type PreHashedMap<K, V> = HashMap<K, V, BuildHasherDefault<PreHashed>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::DEMO_KEY;

    #[test]
    fn a_row_is_24_bytes() {
        assert_eq!(std::mem::size_of::<HashedRow>(), 24);
    }

    #[test]
    fn reasons_are_interned_in_first_seen_order() {
        let mut list = HashedBlocklist::with_capacity(&DEMO_KEY, 0);
        for (value, reason) in [("a", "FRAUD"), ("b", "ABUSE"), ("c", "FRAUD")] {
            let hash = list.hash(IdKind::Email, value);
            list.push(hash, IdKind::Email, Level::Block, reason, None);
        }
        assert_eq!(list.reasons, ["FRAUD", "ABUSE"]);
        let ids: Vec<u32> = list.rows.iter().map(|r| r.reason).collect();
        assert_eq!(ids, [0, 1, 0]);
        assert_eq!(list.reason_id("ABUSE"), Some(1));
        assert_eq!(list.reason_id("OTHER"), None);
        assert_eq!(list.by_kind[usize::from(IdKind::Email.code())], 3);
    }

    #[test]
    fn expired_counts_rows_at_or_before_the_instant() {
        let mut list = HashedBlocklist::with_capacity(&DEMO_KEY, 3);
        for (i, expiry) in [None, Some(10), Some(20)].into_iter().enumerate() {
            let hash = list.hash(IdKind::Ip, &i.to_string());
            list.push(hash, IdKind::Ip, Level::Watch, "R", expiry.map(Timestamp));
        }
        assert_eq!(list.expired_at(Timestamp(9)), 0);
        assert_eq!(list.expired_at(Timestamp(10)), 1);
        assert_eq!(list.expired_at(Timestamp(25)), 2);
    }
}
