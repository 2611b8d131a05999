//! The byte layout of snapshot formats v2 to v6 (see `docs/snapshot-format.md`), shared by the
//! writer and the reader so the two cannot drift apart, and the keyed identifier hash.
//!
//! Everything is little-endian. Offsets and lengths are `u32`: a snapshot is at most
//! 4 GiB, far above any real blocklist (100k entries take 1.2 MB).

use crate::model::{IdKind, Level};
use crate::siphash::{le_word, Sip};

/// First eight bytes of every snapshot.
pub const MAGIC: [u8; 8] = *b"CKGUARD\0";
/// The newest format version this build reads and writes. Version 4 added the `PROG`
/// section (the rules' compiled programs, which a runtime without the rule compiler
/// needs) and is written for every policy; version 5 is version 4 whose messages are
/// templates or whose rules use maps or timestamp accessors ([`written_version`]);
/// version 6 is version 5 whose blocklist holds pattern or scoped entries
/// ([`PATTERNS_VERSION`]), whose catalog carries stock or per-customer limits, whose
/// policy sets `purchase_window`, or whose rules read the facts and issues about them
/// ([`LIMITS_VERSION`]).
pub const FORMAT_VERSION: u16 = 6;
/// The first format version whose message texts are templates (`crate::template`):
/// older files' texts are shown as written.
pub const TEMPLATES_VERSION: u16 = 5;
/// The first format version that can hold pattern entries (the `PATN` section,
/// docs/snapshot-format.md): written only for a blocklist that has some
/// ([`super::hashed::HashedBlocklist::needs_version`]), so other snapshots keep their
/// version and older engines keep loading them.
pub const PATTERNS_VERSION: u16 = 6;
/// The first format version that can hold stock and purchase limits: the `CATL` flag
/// [`CATALOG_FLAG_LIMITS`], `purchase_window` in `META`, and the item facts and order
/// issues about them in `PROG` (a version-5 reader would drop the first two silently).
pub const LIMITS_VERSION: u16 = 6;
/// The oldest format version this build reads. Versions 2 and 3 hold rules only as
/// text: a build with the `compiler` feature compiles them at load, the runtime
/// without it refuses them (`SnapshotError::RulesAsText`).
pub const BASE_FORMAT_VERSION: u16 = 2;
/// The first format version whose snapshots hold the `PROG` section.
pub const PROGRAMS_VERSION: u16 = 4;

/// The oldest format version that can hold `policy` correctly: 3 when a rule has
/// `verify_mode = "all"` (which a version-2 reader would silently read as `any`,
/// docs/snapshot-format.md, "Versioning and compatibility"), else 2. A file declaring
/// an older version than this was not written by checkout-guard and is refused.
pub fn min_version_for(policy: &crate::model::Policy) -> u16 {
    if policy
        .rules
        .iter()
        .any(|r| r.verify_mode != crate::model::VerifyMode::Any)
    {
        3
    } else {
        BASE_FORMAT_VERSION
    }
}
/// The version written for `policy` whose programs need `programs_need` (the encoder's
/// `needs_version`): 5 when a message text holds a brace, which a version-4 reader
/// would show the customer as written (`{case}` instead of the case reference), or when
/// a rule uses a map or a timestamp accessor, whose node tags a version-4 reader does not
/// know; else 4, so that other policies compile to the same bytes as before and older
/// engines keep loading them (docs/snapshot-format.md, "Versioning and compatibility").
pub fn written_version(policy: &crate::model::Policy, programs_need: u16) -> u16 {
    let templated = policy
        .messages
        .values()
        .flat_map(|t| t.values())
        .any(|text| crate::template::has_braces(text));
    let version = if policy.purchase_window.is_some() {
        LIMITS_VERSION
    } else if templated {
        TEMPLATES_VERSION
    } else {
        PROGRAMS_VERSION
    };
    version.max(programs_need)
}

/// Size of the fixed part of the header (before the merchant name).
pub const FIXED_HEADER_LEN: usize = header::MERCHANT;
/// Size of one section-table entry: tag, flags, offset, length.
pub const SECTION_ENTRY_LEN: usize = 16;

/// Where each field of the fixed header starts (docs/snapshot-format.md, "Layout"). The
/// writer puts every field at its offset here and the reader reads it from there, so
/// the two cannot disagree; the comment on each says its type and what it holds.
pub mod header {
    /// `[u8; 8]`: [`super::MAGIC`].
    pub const MAGIC: usize = 0;
    /// `u16`: the format version ([`super::FORMAT_VERSION`]).
    pub const VERSION: usize = 8;
    /// `u16`: the header's length, merchant name and padding included: where the
    /// section table starts (a multiple of 8).
    pub const HEADER_LEN: usize = 10;
    /// `u8`: [`super::PROFILE_PRIVATE`] or [`super::PROFILE_PUBLIC`].
    pub const PROFILE: usize = 12;
    /// `u8`: the identifier hash, [`super::HASH_SIPHASH24`].
    pub const HASH_SCHEME: usize = 13;
    /// `u8`: hash bits kept per blocklist entry ([`super::HASH_BITS_PRIVATE`]).
    pub const HASH_BITS: usize = 14;
    /// `u8`: header flags ([`super::FLAG_SIGNED`]).
    pub const FLAGS: usize = 15;
    /// `[u8; KEY_CHECK_LEN]`: the key check value
    /// ([`crate::snapshot::SnapshotKey::check_value`]), never the key itself (format v1
    /// stored the key here).
    pub const KEY_CHECK: usize = 16;
    /// Length of the key check value.
    pub const KEY_CHECK_LEN: usize = 16;
    /// `i64`: creation time, nanoseconds since the Unix epoch.
    pub const CREATED_AT: usize = 32;
    /// `i64`: expiry time (creation time plus the policy's `valid_for`), nanoseconds.
    pub const EXPIRES_AT: usize = 40;
    /// `u32`: number of section-table entries.
    pub const SECTION_COUNT: usize = 48;
    /// `u32`: the whole file's length, trailer included.
    pub const TOTAL_LEN: usize = 52;
    /// `u16`: length in bytes of the merchant name.
    pub const MERCHANT_LEN: usize = 56;
    /// The merchant name (UTF-8) starts here, right after the fixed fields.
    pub const MERCHANT: usize = 58;
}

/// Where each field of a section-table entry starts (each entry is
/// [`super::SECTION_ENTRY_LEN`] bytes).
pub mod entry {
    /// `[u8; 4]`: the section's tag (`META`…).
    pub const TAG: usize = 0;
    /// `u32`: section flags ([`super::SECTION_REQUIRED`]).
    pub const FLAGS: usize = 4;
    /// `u32`: where the section starts in the file.
    pub const OFFSET: usize = 8;
    /// `u32`: the section's length in bytes (padding excluded).
    pub const LEN: usize = 12;
}
/// Size of the trailing checksum.
pub const CHECKSUM_LEN: usize = 8;
/// Size of the reserved Ed25519 signature trailer (present when [`FLAG_SIGNED`]).
pub const SIGNATURE_LEN: usize = 64;

/// Header flag: a 64-byte Ed25519 signature follows the checksum (reserved; writers
/// never set it yet, readers accept and skip it).
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
/// The rules' compiled programs (format version 4 on).
pub const TAG_PROGRAMS: [u8; 4] = *b"PROG";
/// The pattern kinds' row counts and entry lengths (format version 6 on).
pub const TAG_PATTERNS: [u8; 4] = *b"PATN";
/// Scoped blocklist entries (format version 6 on).
pub const TAG_SCOPED: [u8; 4] = *b"SCPD";

/// Section flag: a reader that does not know the tag must refuse the file (otherwise
/// unknown sections are skipped, so optional sections can be added within a version).
pub const SECTION_REQUIRED: u32 = 1;

/// Where each field of the blocklist section's header starts; the keys follow it.
pub mod blocklist {
    /// `u32`: number of entries.
    pub const COUNT: usize = 0;
    /// `u32`: section flags, 0 (reserved).
    pub const FLAGS: usize = 4;
    /// `i64`: seconds since the epoch that every expiry is relative to.
    pub const EXPIRY_BASE: usize = 8;
    /// `KIND_SLOTS × u32`: source rows per identifier kind code.
    pub const KIND_COUNTS: usize = 16;
    /// Kind-count slots: the seven exact kind codes, then [`PATTERN_SLOT`].
    pub const KIND_SLOTS: usize = 8;
    /// The slot counting the rows of every pattern kind (format 6 on; reserved, 0,
    /// before): the counts still add up to the rows, and `PATN` splits them by kind.
    pub const PATTERN_SLOT: usize = 7;

    /// The count slot of `kind`.
    pub fn slot(kind: crate::model::IdKind) -> usize {
        if kind.is_pattern() {
            PATTERN_SLOT
        } else {
            usize::from(kind.code())
        }
    }
    /// `count × u64` keys start here, then `count × u32` expiries.
    pub const KEYS: usize = KIND_COUNTS + 4 * KIND_SLOTS;
}

/// The `PATN` section (format 6 on): for each pattern kind, in the order of
/// [`IdKind::PATTERNS`], a `u32` count of its source rows and a `u128` whose bit `n − 1`
/// says the blocklist holds entries of that kind of length `n` (domain labels, prefix
/// bits with IPv4 as IPv4-mapped IPv6, phone digits: `normalize::pattern::length`). A
/// check hashes one candidate per length set, so the set is what a lookup costs.
pub mod patterns {
    /// Bytes per pattern kind: the row count and the length set.
    pub const KIND_LEN: usize = 4 + 16;
    /// The section's length: one record per pattern kind.
    pub const LEN: usize = KIND_LEN * crate::model::IdKind::PATTERNS.len();
    /// Lengths a set can hold: 1 to this.
    pub const MAX_LENGTH: u32 = 128;
}

/// The `SCPD` section (format 6 on): entries that restrict only the order lines of a
/// category, tag or SKU (docs/semantics.md §4.4). A `u32` count of entries, a `u32`
/// count of scopes, the scopes (each a byte, [`crate::model::ScopeBy`] in declaration
/// order, and a length-prefixed string), then the entries of [`scoped::ENTRY_LEN`]
/// bytes, ascending by key then scope.
pub mod scoped {
    /// Bytes of the header: the two counts.
    pub const HEADER_LEN: usize = 8;
    /// Bytes of one entry: the key (as in `BLKL`), the expiry, the scope index.
    pub const ENTRY_LEN: usize = 8 + 8 + 4;
    /// Offset in an entry of the `u64` key.
    pub const KEY: usize = 0;
    /// Offset in an entry of the `i64` expiry, seconds since the epoch ([`NEVER`]).
    pub const EXPIRY: usize = 8;
    /// Offset in an entry of the `u32` scope index.
    pub const SCOPE: usize = 16;
    /// Expiry value meaning "never expires".
    pub const NEVER: i64 = i64::MAX;
    /// The fewest bytes a scope takes: its byte and its string's length (non-empty).
    pub const SCOPE_MIN_LEN: usize = 1 + super::STR_LEN_LEN + 1;
}

/// Blocklist section header: count, flags, expiry base, 8 per-kind counts.
pub const BLOCKLIST_HEADER_LEN: usize = blocklist::KEYS;
/// Bytes per blocklist key (`u64`).
pub const BLOCKLIST_KEY_LEN: usize = 8;
/// Bytes per blocklist expiry (`u32`, seconds after the expiry base).
pub const BLOCKLIST_EXPIRY_LEN: usize = 4;
/// Bytes per blocklist entry: a `u64` key and a `u32` expiry.
pub const BLOCKLIST_ENTRY_LEN: usize = BLOCKLIST_KEY_LEN + BLOCKLIST_EXPIRY_LEN;
/// Expiry value meaning "never expires".
pub const EXPIRY_NEVER: u32 = u32::MAX;
/// Low bits of a blocklist key holding the reason index.
pub const KEY_REASON_BITS: u32 = 8;
/// Bits of a blocklist key, above the reason index, holding the level code.
pub const KEY_LEVEL_BITS: u32 = 2;
/// Low bits of a blocklist key holding level (2 bits) and reason index (8 bits).
pub const KEY_PAYLOAD_BITS: u32 = KEY_REASON_BITS + KEY_LEVEL_BITS;
/// At most this many distinct reason codes (8-bit reason index).
pub const MAX_REASONS: usize = 1 << KEY_REASON_BITS;

/// Bytes of a length-prefixed string (reason codes, catalog texts) before its UTF-8
/// bytes: a `u32` length.
pub const STR_LEN_LEN: usize = 4;

/// The fewest bytes a catalog item takes: sku, name and category (empty strings, a
/// `u32` length each), `price_minor` `i64`, `max_per_order` `u32`, tag count `u32`.
pub const CATALOG_ITEM_MIN_LEN: usize = 3 * STR_LEN_LEN + 8 + 4 + 4;
/// `CATL` flag (format 6 on): every item ends with `stock` `u32` ([`STOCK_UNTRACKED`]
/// when not tracked) and `max_per_customer` `u32` (0 when unset), after its tags.
pub const CATALOG_FLAG_LIMITS: u32 = 1;
/// `CATL` flags this build understands; any other bit refuses the file.
pub const CATALOG_KNOWN_FLAGS: u32 = CATALOG_FLAG_LIMITS;
/// The stored `stock` of an item whose stock is not tracked.
pub const STOCK_UNTRACKED: u32 = u32::MAX;

/// Customers section header: count, flags.
pub const CUSTOMERS_HEADER_LEN: usize = 8;
/// Bytes per customer hash.
pub const CUSTOMER_HASH_LEN: usize = 8;
/// Bytes per customer record: created-at (i64 ns, `i64::MIN` unknown) and four `u32`.
pub const CUSTOMER_RECORD_LEN: usize = 24;
/// `account_created_at` value meaning unknown.
pub const CREATED_UNKNOWN: i64 = i64::MIN;

/// Where each field of a customer record starts (each record is
/// [`super::CUSTOMER_RECORD_LEN`] bytes).
pub mod customer {
    /// `i64`: account creation, nanoseconds ([`super::CREATED_UNKNOWN`] when unknown).
    pub const CREATED_AT: usize = 0;
    /// `u32`: orders in the last 90 days.
    pub const ORDERS_90D: usize = 8;
    /// `u32`: refunds in the last 90 days.
    pub const REFUNDS_90D: usize = 12;
    /// `u32`: chargebacks in the last 365 days.
    pub const CHARGEBACKS_365D: usize = 16;
    /// `u32`: distinct shipping addresses in the last 90 days.
    pub const ADDRESSES_90D: usize = 20;
}

/// Where each field of the `PROG` section starts (docs/snapshot-format.md, "`PROG`"):
/// the rules' checked programs, so that loading decodes and validates them instead of
/// parsing and type-checking rule text. After the two counts come the names (each
/// [`super::STR_LEN_LEN`] + UTF-8: fact paths, level and issue names the programs refer
/// to by index), then one program per rule of `META`, in order: a `u32` length and the
/// node bytes ([`node`]).
pub mod programs {
    /// `u32`: number of programs, the number of rules in `META`.
    pub const RULE_COUNT: usize = 0;
    /// `u32`: number of names.
    pub const NAME_COUNT: usize = 4;
    /// The names start here.
    pub const NAMES: usize = 8;
    /// Bytes before a program's nodes: its `u32` length.
    pub const PROGRAM_LEN_LEN: usize = 4;
    /// Most bytes one rule's program may take: four times the longest rule text
    /// (a `double` constant takes 9 bytes where its text may take 3).
    pub const MAX_PROGRAM_BYTES: usize = 4 * crate::rules::MAX_EXPR_LEN;
    /// Most nodes one rule's program may have: every node of a checked rule comes
    /// from at least one byte of its text.
    pub const MAX_NODES: usize = crate::rules::MAX_EXPR_LEN;
}

/// The tags of a program's nodes, written in prefix order (a node's tag, its own
/// fields, then its operands). Integers in nodes are LEB128 varints (`varint`), signed
/// ones zigzag-encoded first, in their shortest form (the encoding is canonical, so the
/// same rule always gives the same bytes); a name is the varint index of a name in the
/// section's table; a string is a varint length and UTF-8.
pub mod node {
    /// The format version that added the map tags ([`CONST_MAP`], [`MAP`]) and the
    /// timestamp accessors ([`TIME_PART`]): a version-4 reader refuses the file by its
    /// version instead of failing on an unknown tag.
    pub const TABLES_VERSION: u16 = super::TEMPLATES_VERSION;
    /// `false`.
    pub const FALSE: u8 = 0x00;
    /// `true`.
    pub const TRUE: u8 = 0x01;
    /// An `int` constant: a signed varint.
    pub const INT: u8 = 0x02;
    /// A `double` constant: its 8 bytes (IEEE 754, little-endian).
    pub const DOUBLE: u8 = 0x03;
    /// A `string` constant: a string.
    pub const STR: u8 = 0x04;
    /// A `timestamp` constant: signed varint nanoseconds since the epoch.
    pub const TIMESTAMP: u8 = 0x05;
    /// A `duration` constant: signed varint nanoseconds.
    pub const DURATION: u8 = 0x06;
    /// A constant list: a varint count, then that many constants (tags up to this one).
    pub const CONST_LIST: u8 = 0x07;
    /// A constant map: a varint count, then that many pairs of constants (tags up to
    /// this one), key then value, no key twice.
    pub const CONST_MAP: u8 = 0x08;
    /// A fact read from a root: the name of its path (`customer.level`).
    pub const FACT: u8 = 0x10;
    /// A field of an object value: the name of the field's path (`item.sku`), then the
    /// object.
    pub const SELECT: u8 = 0x11;
    /// A comprehension variable: varint, 0 the innermost.
    pub const VAR: u8 = 0x12;
    /// A list literal: a varint count, then the elements.
    pub const LIST: u8 = 0x13;
    /// `!x`
    pub const NOT: u8 = 0x14;
    /// `-x`
    pub const NEG: u8 = 0x15;
    /// `a && b`
    pub const AND: u8 = 0x16;
    /// `a || b`
    pub const OR: u8 = 0x17;
    /// `c ? a : b`
    pub const COND: u8 = 0x18;
    /// `a in list`
    pub const IN: u8 = 0x19;
    /// `list[i]`
    pub const INDEX: u8 = 0x1A;
    /// `size(x)`
    pub const SIZE: u8 = 0x1B;
    /// `customer.level == "…"`: the level's name, then a byte, 1 for `==`, 0 for `!=`.
    pub const LEVEL_IS: u8 = 0x1C;
    /// `"…" in order.issues`: the issue's name.
    pub const HAS_ISSUE: u8 = 0x1D;
    /// `s.matches("re")`: the pattern as a string, then the subject.
    pub const MATCHES: u8 = 0x1E;
    /// A map literal: a varint count, then that many pairs of nodes, key then value.
    pub const MAP: u8 = 0x1F;
    /// `+ - * / %`: this tag plus the operator's index in that order, then both operands.
    pub const ARITH: u8 = 0x20;
    /// `== != < <= > >=`: this tag plus the operator's index in that order.
    pub const CMP: u8 = 0x28;
    /// `startsWith endsWith contains`: this tag plus the function's index in that order.
    pub const STR_OP: u8 = 0x30;
    /// `int double string timestamp duration`: this tag plus the conversion's index.
    pub const CONVERT: u8 = 0x38;
    /// `exists all exists_one filter map`: this tag plus the macro's index, then a byte
    /// of parts (bit 0: a predicate, bit 1: a transform), the range, the predicate if
    /// any and the transform if any.
    pub const COMP: u8 = 0x40;
    /// `getFullYear getMonth getDayOfYear getDayOfMonth getDate getDayOfWeek getHours
    /// getMinutes getSeconds getMilliseconds`: this tag plus the accessor's index, then
    /// a byte, 1 if a zone follows, the timestamp and the zone (a string) if any.
    pub const TIME_PART: u8 = 0x48;
    /// Comprehension part bit: a predicate follows.
    pub const COMP_PRED: u8 = 1;
    /// Comprehension part bit: a transform follows.
    pub const COMP_MAP: u8 = 2;
}

/// The keyed 64-bit hash of a normalized identifier: SipHash-2-4 keyed with `key` over
/// the bytes `kind ‖ normalized` (the blocklist keys and customer hashes of every
/// snapshot are these values, so they must never change).
pub fn id_hash(key: &[u8; 16], kind: IdKind, normalized: &str) -> u64 {
    sip24_tagged(key, kind.code(), normalized.as_bytes())
}

/// SipHash-2-4 (the value of `siphasher`'s `SipHasher24::new_with_key(key)` fed
/// `tag ‖ bytes`), computed in one pass for the hot path: the message words are read
/// straight from `bytes` (the first word is `tag` and the first 7 bytes), without copying
/// the message into a buffer and without the streaming hasher's partial-word
/// bookkeeping. A check hashes ~8 identifiers.
fn sip24_tagged(key: &[u8; 16], tag: u8, bytes: &[u8]) -> u64 {
    let (k0, k1) = match (key.first_chunk::<8>(), key.last_chunk::<8>()) {
        (Some(k0), Some(k1)) => (u64::from_le_bytes(*k0), u64::from_le_bytes(*k1)),
        _ => (0, 0), // unreachable: a 16-byte key has both halves
    };
    let mut v = Sip::new(k0, k1);
    // The message's last word carries its length (mod 256) in its top byte.
    let length_byte = ((bytes.len() as u64).wrapping_add(1) & 0xff) << 56;
    let last = if let Some((head, rest)) = bytes.split_first_chunk::<7>() {
        // A full first word: the tag, then 7 bytes; then whole words; then the tail.
        let mut first = [tag, 0, 0, 0, 0, 0, 0, 0];
        if let Some(dst) = first.last_chunk_mut::<7>() {
            *dst = *head;
        }
        v.compress::<2>(u64::from_le_bytes(first));
        let mut words = rest.chunks_exact(8);
        for w in &mut words {
            v.compress::<2>(le_word(w));
        }
        le_word(words.remainder())
    } else {
        // Fewer than 8 message bytes: the tag and the bytes are the last word.
        u64::from(tag) | le_word(bytes) << 8
    };
    v.compress::<2>(last | length_byte);
    v.finish::<4>()
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
    (hash >> KEY_PAYLOAD_BITS << KEY_PAYLOAD_BITS)
        | (level_code(level) << KEY_REASON_BITS)
        | u64::from(reason)
}

/// The hash bits of a blocklist key (what two entries of one identifier share).
pub fn key_hash(key: u64) -> u64 {
    key >> KEY_PAYLOAD_BITS
}

/// The 2-bit level code of a blocklist key (see [`level_of_code`]).
pub fn key_level_code(key: u64) -> u64 {
    (key >> KEY_REASON_BITS) & ((1 << KEY_LEVEL_BITS) - 1)
}

/// The reason index of a blocklist key (into the `RSNS` section).
pub fn key_reason(key: u64) -> usize {
    (key & ((1 << KEY_REASON_BITS) - 1)) as usize
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
    use proptest::prelude::*;
    use siphasher::sip::SipHasher24;
    use std::hash::Hasher;

    /// The definition `id_hash` is held to: `siphasher`'s SipHash-2-4 fed the tag, then
    /// the bytes (what `id_hash` was, and what every snapshot's keys were hashed with).
    fn reference(key: &[u8; 16], tag: u8, bytes: &[u8]) -> u64 {
        let mut h = SipHasher24::new_with_key(key);
        h.write(&[tag]);
        h.write(bytes);
        h.finish()
    }

    proptest! {
        #[test]
        fn the_one_pass_siphash_equals_siphasher(
            key in any::<[u8; 16]>(),
            tag in any::<u8>(),
            bytes in prop::collection::vec(any::<u8>(), 0..200),
        ) {
            prop_assert_eq!(sip24_tagged(&key, tag, &bytes), reference(&key, tag, &bytes));
        }

        #[test]
        fn id_hash_equals_siphasher_over_kind_and_value(
            key in any::<[u8; 16]>(),
            kind in prop::sample::select(IdKind::LISTABLE.to_vec()),
            // Any characters (mostly non-ASCII: multi-byte ones straddle the words), or
            // an identifier-like mix.
            value in "(?s).{0,70}|[a-z0-9@.+é文😀]{0,90}",
        ) {
            prop_assert_eq!(
                id_hash(&key, kind, &value),
                reference(&key, kind.code(), value.as_bytes())
            );
        }
    }

    #[test]
    fn id_hash_equals_siphasher_at_every_length() {
        // Every length across several words, every tail length.
        let key: [u8; 16] = std::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a);
        let text: String = "é文a".repeat(70);
        for end in 0..=text.len() {
            if let Some(value) = text.get(..end) {
                for kind in IdKind::LISTABLE {
                    assert_eq!(
                        id_hash(&key, kind, value),
                        reference(&key, kind.code(), value.as_bytes()),
                        "{kind:?} {end}"
                    );
                }
            }
        }
    }

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
