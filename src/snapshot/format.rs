//! The byte layout of snapshot format v1 (see `docs/snapshot-format.md`), shared by the
//! writer and the reader so the two cannot drift apart, and the keyed identifier hash.
//!
//! Everything is little-endian. Offsets and lengths are `u32`: a snapshot is at most
//! 4 GiB, far above any real blocklist (100k entries take 1.2 MB).

use crate::model::{IdKind, Level};
use siphasher::sip::SipHasher24;
use std::hash::Hasher;

/// First eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"CKGUARD\0";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u16 = 1;
/// Size of the fixed part of the header (before the merchant name).
pub const FIXED_HEADER_LEN: usize = 58;
/// Size of one section-table entry: tag, flags, offset, length.
pub const SECTION_ENTRY_LEN: usize = 16;
/// Size of the trailing checksum.
pub const CHECKSUM_LEN: usize = 8;
/// Size of the reserved Ed25519 signature trailer (present when [`FLAG_SIGNED`]).
pub const SIGNATURE_LEN: usize = 64;

/// Header flag: a 64-byte Ed25519 signature follows the checksum (reserved; v1 writers
/// never set it, v1 readers accept and skip it).
pub const FLAG_SIGNED: u8 = 0b0000_0001;
/// Header flags this build understands.
pub const KNOWN_FLAGS: u8 = FLAG_SIGNED;

/// Profile byte: full 54-bit hashes, exact match.
pub const PROFILE_PRIVATE: u8 = 0;
/// Profile byte: truncated hash prefixes (reserved for a later version).
pub const PROFILE_PUBLIC: u8 = 1;

/// Hash scheme byte: SipHash-2-4, 128-bit key, over `kind code ‖ normalized value`.
pub const HASH_SIPHASH24: u8 = 1;
/// Identifier-hash bits kept in a blocklist entry of the private profile.
pub const HASH_BITS_PRIVATE: u8 = 54;

/// Section tags.
pub const TAG_META: [u8; 4] = *b"META";
/// Reason-code string table.
pub const TAG_REASONS: [u8; 4] = *b"RSNS";
/// Blocklist entries.
pub const TAG_BLOCKLIST: [u8; 4] = *b"BLKL";
/// Catalog items.
pub const TAG_CATALOG: [u8; 4] = *b"CATL";
/// Customer statistics.
pub const TAG_CUSTOMERS: [u8; 4] = *b"CUST";

/// Section flag: a reader that does not know the tag must refuse the file (otherwise
/// unknown sections are skipped, so optional sections can be added within v1).
pub const SECTION_REQUIRED: u32 = 1;

/// Blocklist section header: count, flags, expiry base, 8 per-kind counts.
pub const BLOCKLIST_HEADER_LEN: usize = 4 + 4 + 8 + 8 * 4;
/// Bytes per blocklist entry: a `u64` key and a `u32` expiry.
pub const BLOCKLIST_ENTRY_LEN: usize = 12;
/// Expiry value meaning "never expires".
pub const EXPIRY_NEVER: u32 = u32::MAX;
/// Low bits of a blocklist key holding level (2 bits) and reason index (8 bits).
pub const KEY_PAYLOAD_BITS: u32 = 10;
/// At most this many distinct reason codes (8-bit reason index).
pub const MAX_REASONS: usize = 256;

/// Customers section header: count, flags.
pub const CUSTOMERS_HEADER_LEN: usize = 8;
/// Bytes per customer hash.
pub const CUSTOMER_HASH_LEN: usize = 8;
/// Bytes per customer record: created-at (i64 ns, `i64::MIN` unknown) and four `u32`.
pub const CUSTOMER_RECORD_LEN: usize = 24;
/// `account_created_at` value meaning unknown.
pub const CREATED_UNKNOWN: i64 = i64::MIN;

/// The keyed 64-bit hash of a normalized identifier.
pub fn id_hash(key: &[u8; 16], kind: IdKind, normalized: &str) -> u64 {
    let mut h = SipHasher24::new_with_key(key);
    // SipHash depends only on the byte stream, so one write of `kind ‖ value` equals two
    // writes; one is cheaper (no partial-word buffering), and this is the hot path.
    let bytes = normalized.as_bytes();
    let mut buf = [0u8; 96];
    match buf.get_mut(1..=bytes.len()) {
        Some(dst) => {
            dst.copy_from_slice(bytes);
            buf[0] = kind.code();
            h.write(buf.get(..=bytes.len()).unwrap_or(&[]));
        }
        None => {
            h.write(&[kind.code()]);
            h.write(bytes);
        }
    }
    h.finish()
}

/// The level's 2-bit code in a blocklist key (`none` is never stored).
pub fn level_code(level: Level) -> u64 {
    match level {
        Level::None => 0,
        Level::Watch => 1,
        Level::StepUp => 2,
        Level::Block => 3,
    }
}

/// The level of a 2-bit code; `None` for 0 (invalid in a file).
pub fn level_of_code(code: u64) -> Option<Level> {
    match code {
        1 => Some(Level::Watch),
        2 => Some(Level::StepUp),
        3 => Some(Level::Block),
        _ => None,
    }
}

/// A blocklist key: the top 54 hash bits, then level and reason index.
pub fn blocklist_key(hash: u64, level: Level, reason: u8) -> u64 {
    (hash >> KEY_PAYLOAD_BITS << KEY_PAYLOAD_BITS) | (level_code(level) << 8) | u64::from(reason)
}

/// Reads a little-endian `u16` at `at`, if in bounds.
pub fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(b.try_into().ok()?))
}

/// Reads a little-endian `u32` at `at`, if in bounds.
pub fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(b.try_into().ok()?))
}

/// Reads a little-endian `u64` at `at`, if in bounds.
pub fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    let b = bytes.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(b.try_into().ok()?))
}

/// Reads a little-endian `i64` at `at`, if in bounds.
pub fn read_i64(bytes: &[u8], at: usize) -> Option<i64> {
    read_u64(bytes, at).map(|v| v as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_domain_separated() {
        let key = [7u8; 16];
        assert_ne!(
            id_hash(&key, IdKind::Email, "x"),
            id_hash(&key, IdKind::DeviceId, "x")
        );
        assert_ne!(
            id_hash(&key, IdKind::Email, "x"),
            id_hash(&[8u8; 16], IdKind::Email, "x")
        );
    }

    #[test]
    fn keys_sort_by_hash_first() {
        let a = blocklist_key(1 << 20, Level::Block, 255);
        let b = blocklist_key(2 << 20, Level::Watch, 0);
        assert!(a < b);
        assert_eq!(a & 0x3FF, (3 << 8) | 255);
    }
}
