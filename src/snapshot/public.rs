//! The public profile (docs/snapshot-format.md, "The public profile"): the snapshot a
//! checkout page may hold. Instead of the keyed 54-bit hashes, reasons and expiries of
//! `BLKL`, its `PBLK` section keeps, per identifier kind, a sorted table of short hash
//! prefixes with the highest level listed under each — so a hit says "possibly listed,
//! at this level", and every listed value shares its bucket with at least ~200 values
//! of the kind's space an attacker could enumerate.
//!
//! Two choices make the buckets safe across versions: the prefix hash is keyed by a
//! public **salt** derived from the merchant key alone
//! ([`super::SnapshotKey::public_salt`]), and the prefix length `k` of a kind depends
//! only on that kind's assumed identifier space `S`, never on the list. A value's bucket
//! is therefore the same in every version of the merchant's public snapshot, and
//! intersecting the candidate sets of two versions gains nothing (a filter with a seed
//! per build would give a fresh random bucket each time).

use super::format::{id_hash, level_code, level_of_code, read_u32, read_u64};
use crate::model::{IdKind, Level};
use serde::Serialize;
use std::collections::BTreeMap;

/// Section tag of the public blocklist.
pub const TAG_PUBLIC_BLOCKLIST: [u8; 4] = *b"PBLK";

/// Header-byte "hash bits" of a public snapshot: 0, the bits are per kind in `PBLK`.
pub const HASH_BITS_PUBLIC: u8 = 0;

/// Where each field of the `PBLK` header starts; the entries follow it.
pub mod layout {
    /// `[u8; 16]`: the public salt, the SipHash key of the prefixes.
    pub const SALT: usize = 0;
    /// `SLOTS × u8`: prefix bits `k` per kind code (0: the kind is not checkable).
    pub const BITS: usize = 16;
    /// `SLOTS × u32`: entries (distinct prefixes) per kind code.
    pub const COUNTS: usize = BITS + SLOTS;
    /// `SLOTS × u32`: distinct listed values per kind code (what the prefixes hide).
    pub const LISTED: usize = COUNTS + 4 * SLOTS;
    /// `SLOTS × u64`: the assumed identifier space `S` per kind code.
    pub const SPACES: usize = LISTED + 4 * SLOTS;
    /// The entries, `u32` each, kind by kind in code order, each kind's ascending.
    pub const ENTRIES: usize = SPACES + 8 * SLOTS;
    /// One slot per kind code, the last one reserved (as in `BLKL`).
    pub const SLOTS: usize = 8;
}

/// Bytes of one entry: `prefix << 2 | level code` as a `u32`.
pub const ENTRY_LEN: usize = 4;
/// The most prefix bits a kind may have (the prefix and a 2-bit level fit a `u32`).
pub const MAX_BITS: u8 = 30;
/// The smallest mean bucket: `k` is the largest with `S / 2^k ≥ MIN_MEAN_BUCKET`, so a
/// listed value's bucket holds ≥ 100 other values with overwhelming probability
/// (docs/snapshot-format.md, "Why 200").
pub const MIN_MEAN_BUCKET: f64 = 200.0;

/// The highest false-positive rate a kind may have: a kind whose prefixes would match
/// more than this share of unlisted values (a tiny id space with a few listed ids) is
/// left out, as if not checkable. Asking one honest customer in ten for an SMS code or
/// an ID check costs more than the page's early hint is worth; the edge still checks
/// the kind exactly.
pub const MAX_FALSE_POSITIVE_RATE: f64 = 0.1;

/// The identifier space an attacker is assumed able to enumerate, per kind, when it
/// is not estimated from the data (customer ids are; see [`id_format_space`]).
/// Documented with its reasons in docs/snapshot-format.md, "Assumed spaces".
pub fn assumed_space(kind: IdKind) -> f64 {
    match kind {
        // Mainland mobile numbers 1[3-9]xxxxxxxxx: the smallest realistic phone space.
        IdKind::Phone => 7e9,
        // IPv4; IPv6 addresses get the same k.
        IdKind::Ip => 4_294_967_296.0,
        // The low end of leaked address corpora (10⁹–10¹⁰).
        IdKind::Email => 1e9,
        // About 5×10⁸ households in mainland China.
        IdKind::Address => 5e8,
        // Device ids and card fingerprints seen across merchants: assume 10⁹ known.
        IdKind::DeviceId | IdKind::PaymentFingerprint => 1e9,
        // Estimated from the ids; this is only the fallback for none.
        IdKind::CustomerId => 0.0,
        // Pattern entries never reach the public profile: their spaces (domains in
        // use, prefixes, ranges) are small enough to enumerate whole, so no bucket could
        // hide one (docs/snapshot-format.md, "The public profile"). Space 0: `k` = 0.
        IdKind::EmailDomain | IdKind::IpRange | IdKind::PhonePrefix => 0.0,
    }
}

/// The space of customer ids of the observed format: for each length, the product
/// over positions of the characters seen there (one character → 1, digits → 10, one
/// case of letters → 26, both → 52, digits and one case → 36, letters of both cases
/// and digits → 62, anything else → 95), summed over lengths.
pub fn id_format_space<'a>(ids: impl IntoIterator<Item = &'a str>) -> f64 {
    // Per length: per position, the first character seen and the classes seen.
    let mut by_len: BTreeMap<usize, Vec<(char, u8, bool)>> = BTreeMap::new();
    const DIGIT: u8 = 1;
    const LOWER: u8 = 2;
    const UPPER: u8 = 4;
    const OTHER: u8 = 8;
    for id in ids {
        let len = id.chars().count();
        let slots = by_len.entry(len).or_default();
        for (i, c) in id.chars().enumerate() {
            let class = match c {
                '0'..='9' => DIGIT,
                'a'..='z' => LOWER,
                'A'..='Z' => UPPER,
                _ => OTHER,
            };
            match slots.get_mut(i) {
                Some((first, classes, varies)) => {
                    *classes |= class;
                    *varies |= *first != c;
                }
                None => slots.push((c, class, false)),
            }
        }
    }
    by_len
        .values()
        .map(|slots| {
            slots
                .iter()
                .map(|&(_, classes, varies)| match (varies, classes) {
                    (false, _) => 1.0,
                    (true, DIGIT) => 10.0,
                    (true, LOWER) | (true, UPPER) => 26.0,
                    (true, c) if c == LOWER | UPPER => 52.0,
                    (true, c) if c == DIGIT | LOWER || c == DIGIT | UPPER => 36.0,
                    (true, c) if c == DIGIT | LOWER | UPPER => 62.0,
                    _ => 95.0,
                })
                .product::<f64>()
        })
        .sum()
}

/// The prefix bits for a space of `space` values: the largest `k ≤ MAX_BITS` with
/// `space / 2^k ≥ MIN_MEAN_BUCKET`, or 0 when even `k = 1` would leave a bucket
/// smaller than that (the kind is then not checkable in the browser).
pub fn bits_for_space(space: f64) -> u8 {
    let mut k = 0u8;
    while k < MAX_BITS && space / f64::from(1u32 << (k + 1)) >= MIN_MEAN_BUCKET {
        k += 1;
    }
    k
}

/// The `k`-bit prefix of an identifier under the public salt.
pub fn prefix(salt: &[u8; 16], kind: IdKind, normalized: &str, bits: u8) -> u32 {
    if bits == 0 || bits > MAX_BITS {
        return 0;
    }
    (id_hash(salt, kind, normalized) >> (64 - u32::from(bits))) as u32
}

/// An entry: the prefix, then the 2-bit level code.
pub fn entry(prefix: u32, level: Level) -> u32 {
    (prefix << 2) | level_code(level) as u32
}

/// What `inspect` reports about one kind of a public snapshot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublicKindInfo {
    /// The identifier kind (`phone`…).
    pub kind: &'static str,
    /// Prefix bits `k` (0: the kind is not checkable in the browser).
    pub bits: u8,
    /// Whether the browser can check this kind at all (`bits > 0`).
    pub checkable: bool,
    /// Entries: distinct prefixes.
    pub entries: usize,
    /// Distinct listed values of this kind the prefixes stand for.
    pub listed: usize,
    /// The assumed identifier space `S` an attacker can enumerate.
    pub assumed_space: f64,
    /// Chance that one lookup of an unlisted value hits: entries / 2^k.
    pub false_positive_rate: f64,
    /// Expected unlisted values of the space sharing a listed value's bucket:
    /// (S − listed) / 2^k.
    pub anonymity_set: f64,
}

/// One kind's table in a loaded public snapshot.
#[derive(Debug, Clone, Copy, Default)]
struct KindTable {
    bits: u8,
    /// Absolute offset of its first entry in the snapshot bytes.
    start: usize,
    count: usize,
}

/// The validated `PBLK` section of a loaded snapshot: where each kind's table is.
#[derive(Debug, Clone, Default)]
pub struct PublicBlocklist {
    salt: [u8; 16],
    kinds: [KindTable; layout::SLOTS],
}

impl PublicBlocklist {
    /// The bucket of `(kind, normalized)` in its kind's table; `None` when the table is
    /// empty (nothing of the kind can match). Computed once by a check's batch of
    /// lookups ([`super::Lookups`]) or by one lookup, then searched by
    /// [`PublicBlocklist::lookup_prefix`].
    pub fn prefix_of(&self, kind: IdKind, normalized: &str) -> Option<u32> {
        let table = self.kinds.get(usize::from(kind.code()))?;
        if table.bits == 0 || table.count == 0 {
            return None;
        }
        Some(prefix(&self.salt, kind, normalized, table.bits))
    }

    /// The level listed under bucket `want` of `kind`'s table, if any.
    pub fn lookup_prefix(&self, bytes: &[u8], kind: IdKind, want: u32) -> Option<Level> {
        let table = self.kinds.get(usize::from(kind.code()))?;
        let at = |i: usize| read_u32(bytes, table.start + i * ENTRY_LEN).unwrap_or(u32::MAX);
        let (mut lo, mut hi) = (0usize, table.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match (at(mid) >> 2).cmp(&want) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return level_of_code(u64::from(at(mid) & 3)),
            }
        }
        None
    }
}

/// What went wrong in a `PBLK` section (static text: the runtime wasm carries no
/// formatting code for what only a corrupt file reaches).
pub type Problem = &'static str;

/// Validates a `PBLK` body at `offset` in the file: header, per-kind bits and counts
/// against the bytes, entries strictly ascending by prefix, each below `2^k` with a
/// level. Returns the tables and what `inspect` reports per kind.
pub fn read(body: &[u8], offset: usize) -> Result<(PublicBlocklist, Vec<PublicKindInfo>), Problem> {
    let mut salt = [0u8; 16];
    salt.copy_from_slice(
        body.get(layout::SALT..layout::SALT + 16)
            .ok_or("shorter than its header")?,
    );
    if body.len() < layout::ENTRIES {
        return Err("shorter than its header");
    }
    let mut out = PublicBlocklist {
        salt,
        kinds: [KindTable::default(); layout::SLOTS],
    };
    let mut info = Vec::with_capacity(IdKind::ALL.len());
    let mut at = layout::ENTRIES;
    for kind in IdKind::ALL {
        let slot = usize::from(kind.code());
        let bits = body.get(layout::BITS + slot).copied().unwrap_or(0);
        let count = read_u32(body, layout::COUNTS + 4 * slot).unwrap_or(0) as usize;
        let listed = read_u32(body, layout::LISTED + 4 * slot).unwrap_or(0) as usize;
        let space = read_u64(body, layout::SPACES + 8 * slot).unwrap_or(0) as f64;
        if bits > MAX_BITS || (bits == 0 && count > 0) {
            return Err("a kind has over 30 prefix bits, or entries and none");
        }
        let end = count
            .checked_mul(ENTRY_LEN)
            .and_then(|n| n.checked_add(at))
            .filter(|&end| end <= body.len())
            .ok_or("the entries of a kind overrun it")?;
        let mut prev: Option<u32> = None;
        for chunk in body.get(at..end).unwrap_or(&[]).chunks_exact(ENTRY_LEN) {
            let e = read_u32(chunk, 0).unwrap_or(0);
            if prev.is_some_and(|p| e >> 2 <= p >> 2) {
                return Err("the entries of a kind are not sorted");
            }
            if level_of_code(u64::from(e & 3)).is_none() {
                return Err("an entry has no level");
            }
            if u64::from(e >> 2) >> bits != 0 {
                return Err("a prefix is longer than its kind's bits");
            }
            prev = Some(e);
        }
        if let Some(t) = out.kinds.get_mut(slot) {
            *t = KindTable {
                bits,
                start: offset + at,
                count,
            };
        }
        let buckets = (1u64 << bits) as f64;
        info.push(PublicKindInfo {
            kind: kind.as_str(),
            bits,
            checkable: bits > 0,
            entries: count,
            listed,
            assumed_space: space,
            false_positive_rate: if bits == 0 {
                0.0
            } else {
                count as f64 / buckets
            },
            anonymity_set: if bits == 0 {
                0.0
            } else {
                (space - listed as f64).max(0.0) / buckets
            },
        });
        at = end;
    }
    if at != body.len() {
        return Err("bytes after the last entry");
    }
    Ok((out, info))
}

/// Writing `PBLK` (compiler only).
#[cfg(feature = "compiler")]
pub mod write {
    use super::*;
    use crate::model::PolicySource;
    use crate::snapshot::writer::put;
    use crate::time::Timestamp;

    /// The `PBLK` body for `source`: entries not expired at `created_at`, one per
    /// distinct prefix with the highest level listed under it, per kind; `k` of each
    /// kind from its assumed space (customer ids: from the format of the listed ids and
    /// the `customers.csv` ids). A kind with `k = 0`, or whose prefixes would match more
    /// than [`MAX_FALSE_POSITIVE_RATE`] of unlisted values, keeps its counts and space but
    /// no entries (bits 0).
    pub fn section(source: &PolicySource, salt: &[u8; 16], created_at: Timestamp) -> Vec<u8> {
        let live: Vec<_> = source
            .blocklist
            .iter()
            // Scoped entries stay out: the page could only read them as listing the
            // customer for the whole order (docs/semantics.md §4.4); the edge has them.
            .filter(|e| e.expires_at.is_none_or(|t| t > created_at) && e.scope.is_none())
            .collect();
        let id_space = id_format_space(
            source
                .blocklist
                .iter()
                .filter(|e| e.kind == IdKind::CustomerId)
                .map(|e| e.value.as_str())
                .chain(source.customers.iter().map(|c| c.customer_id.as_str())),
        );
        let mut out = vec![0u8; layout::ENTRIES];
        if let Some(dst) = out.get_mut(layout::SALT..layout::SALT + 16) {
            dst.copy_from_slice(salt);
        }
        let mut entries_out = Vec::new();
        for kind in IdKind::ALL {
            let slot = usize::from(kind.code());
            let space = match kind {
                IdKind::CustomerId => id_space,
                _ => assumed_space(kind),
            };
            let bits = bits_for_space(space);
            let mut values: Vec<(&str, Level)> = live
                .iter()
                .filter(|e| e.kind == kind)
                .map(|e| (e.value.as_str(), e.level))
                .collect();
            values.sort_unstable();
            values.dedup_by_key(|v| v.0);
            let listed = {
                let mut v: Vec<&str> = values.iter().map(|v| v.0).collect();
                v.dedup();
                v.len()
            };
            // One entry per prefix: the highest level listed in the bucket.
            let mut prefixes: Vec<(u32, Level)> = if bits == 0 {
                Vec::new()
            } else {
                values
                    .iter()
                    .map(|&(v, level)| (prefix(salt, kind, v, bits), level))
                    .collect()
            };
            prefixes.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            prefixes.dedup_by_key(|p| p.0);
            let fp = prefixes.len() as f64 / f64::from(1u32 << bits);
            let bits = if fp > MAX_FALSE_POSITIVE_RATE {
                prefixes.clear();
                0
            } else {
                bits
            };
            put(&mut out, layout::BITS + slot, &[bits]);
            put(
                &mut out,
                layout::COUNTS + 4 * slot,
                &(prefixes.len() as u32).to_le_bytes(),
            );
            put(
                &mut out,
                layout::LISTED + 4 * slot,
                &(listed as u32).to_le_bytes(),
            );
            // `as` saturates: a space beyond 2⁶⁴ is stored as u64::MAX (k is capped anyway).
            put(
                &mut out,
                layout::SPACES + 8 * slot,
                &(space as u64).to_le_bytes(),
            );
            for (p, level) in prefixes {
                entries_out.extend_from_slice(&entry(p, level).to_le_bytes());
            }
        }
        out.extend_from_slice(&entries_out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_follow_the_space_not_the_list() {
        // 7×10⁹ / 2²⁵ = 208.6 ≥ 200 > 7×10⁹ / 2²⁶.
        assert_eq!(bits_for_space(7e9), 25);
        assert_eq!(bits_for_space(4_294_967_296.0), 24);
        assert_eq!(bits_for_space(1e4), 5);
        assert_eq!(bits_for_space(399.0), 0);
        assert_eq!(bits_for_space(400.0), 1);
        assert_eq!(bits_for_space(1e30), MAX_BITS);
    }

    #[test]
    fn id_space_follows_the_observed_format() {
        // `C` constant, then digits that vary (position 2 is always `0`).
        assert_eq!(id_format_space(["C10001", "C20002", "C10013"]), 1000.0);
        assert_eq!(id_format_space(["ab", "Zz"]), 52.0 * 26.0);
        assert_eq!(id_format_space(["a1", "b2", "x"]), 26.0 * 10.0 + 1.0);
        assert_eq!(id_format_space(["a-", "b_"]), 26.0 * 95.0);
        assert_eq!(id_format_space(std::iter::empty()), 0.0);
    }
}
