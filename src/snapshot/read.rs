//! Reading a snapshot: one function per part of the file, in the order they are
//! checked — the fixed header, the trailer (checksum), the merchant name, the section
//! table, then each section (`META`, `PROG` framing, `RSNS`, `BLKL`, `CATL`, `CUST`) — and one that
//! gathers the statistics [`SnapshotInfo`] reports.
//!
//! Every offset comes from [`super::format`], which the writer uses too, and every length
//! read from the file is checked against the bytes actually there before it is used:
//! the reader never panics and never allocates for a count the bytes could not hold.

use super::directory::Directory;
use super::format::*;
use super::key::{SnapshotKey, DEMO_KEY};
use super::public::{self, PublicBlocklist, TAG_PUBLIC_BLOCKLIST};
use super::signature::{self, PublicKey};
use super::{
    sku_hash, BlocklistInfo, Profile, Programs, SectionInfo, Snapshot, SnapshotError, SnapshotInfo,
};
use crate::model::{CatalogItem, EntryScope, IdKind, Level, Policy, ScopeBy};
use crate::time::Timestamp;
use std::borrow::Cow;
use std::collections::BTreeMap;

fn truncated(section: &str, needed: usize, have: usize) -> SnapshotError {
    SnapshotError::Truncated {
        section: section.to_string(),
        needed,
        have,
    }
}

fn bad(section: &str, problem: impl Into<String>) -> SnapshotError {
    SnapshotError::BadSection {
        section: section.to_string(),
        problem: problem.into(),
    }
}

/// A bounds-checked reader over one section.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
    section: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(bytes: &'a [u8], section: &'static str) -> Cursor<'a> {
        Cursor {
            bytes,
            at: 0,
            section,
        }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], SnapshotError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or_else(|| truncated(self.section, usize::MAX, self.bytes.len()))?;
        let out = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| truncated(self.section, end, self.bytes.len()))?;
        self.at = end;
        Ok(out)
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let b = self.take(4)?;
        Ok(read_u32(b, 0).unwrap_or(0))
    }
    fn i64(&mut self) -> Result<i64, SnapshotError> {
        let b = self.take(8)?;
        Ok(read_i64(b, 0).unwrap_or(0))
    }
    /// A `u32` count of items that take at least `min_item_bytes` each.
    fn count(&mut self, min_item_bytes: usize) -> Result<usize, SnapshotError> {
        let n = self.u32()? as usize;
        // A count cannot exceed what the remaining bytes could hold: refuse before
        // allocating for it.
        let remaining = self.bytes.len().saturating_sub(self.at);
        if n.saturating_mul(min_item_bytes.max(1)) > remaining {
            return Err(truncated(
                self.section,
                self.at
                    .saturating_add(n.saturating_mul(min_item_bytes.max(1))),
                self.bytes.len(),
            ));
        }
        Ok(n)
    }
    /// A string: its `u32` length, then that many bytes of UTF-8.
    fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        std::str::from_utf8(b).map_err(|_| bad(self.section, "a string is not valid UTF-8"))
    }
}

/// The fixed header's fields, read by [`header`].
struct Header {
    version: u16,
    /// Where the section table starts.
    header_len: usize,
    profile: u8,
    hash_scheme: u8,
    hash_bits: u8,
    signed: bool,
    key_check: [u8; header::KEY_CHECK_LEN],
    created_at: Timestamp,
    expires_at: Timestamp,
    section_count: usize,
    merchant_len: usize,
}

/// The fixed header: magic, version, total length and flags are checked here (before
/// the checksum, so a file of another version or a cut file says so rather than
/// "damaged"); profile and hash scheme in [`hashing`], after it.
fn header(b: &[u8]) -> Result<Header, SnapshotError> {
    // Compare as much of the magic as there is: eight bytes that are not a snapshot
    // and three bytes that are not one are both "not a snapshot".
    let magic_have = b.len().min(MAGIC.len());
    if b.get(header::MAGIC..header::MAGIC + magic_have) != MAGIC.get(..magic_have) {
        return Err(SnapshotError::BadMagic);
    }
    // From here on every fixed field is in bounds (the reads below cannot fail).
    if b.len() < FIXED_HEADER_LEN {
        return Err(truncated("header", FIXED_HEADER_LEN, b.len()));
    }
    let version = read_u16(b, header::VERSION).unwrap_or(0);
    if !(BASE_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(SnapshotError::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let declared = read_u32(b, header::TOTAL_LEN).unwrap_or(0) as usize;
    if declared != b.len() {
        return Err(SnapshotError::LengthMismatch {
            declared,
            actual: b.len(),
        });
    }
    let byte = |at: usize| b.get(at).copied().unwrap_or(0);
    let flags = byte(header::FLAGS);
    if flags & !KNOWN_FLAGS != 0 {
        return Err(SnapshotError::Unsupported(format!(
            "header flags {flags:#04x}"
        )));
    }
    let mut key_check = [0u8; header::KEY_CHECK_LEN];
    if let Some(stored) = b.get(header::KEY_CHECK..header::KEY_CHECK + header::KEY_CHECK_LEN) {
        key_check.copy_from_slice(stored);
    }
    Ok(Header {
        version,
        header_len: read_u16(b, header::HEADER_LEN).unwrap_or(0) as usize,
        profile: byte(header::PROFILE),
        hash_scheme: byte(header::HASH_SCHEME),
        hash_bits: byte(header::HASH_BITS),
        signed: flags & FLAG_SIGNED != 0,
        key_check,
        created_at: Timestamp(read_i64(b, header::CREATED_AT).unwrap_or(0)),
        expires_at: Timestamp(read_i64(b, header::EXPIRES_AT).unwrap_or(0)),
        section_count: read_u32(b, header::SECTION_COUNT).unwrap_or(0) as usize,
        merchant_len: read_u16(b, header::MERCHANT_LEN).unwrap_or(0) as usize,
    })
}

/// The trailer: the checksum (and the signature when the header says so) ends the file;
/// everything before it is the content it covers. Returns the content and its checksum.
fn trailer<'a>(b: &'a [u8], head: &Header) -> Result<(&'a [u8], u64), SnapshotError> {
    let trailer = CHECKSUM_LEN + if head.signed { SIGNATURE_LEN } else { 0 };
    let checksum_at = b
        .len()
        .checked_sub(trailer)
        .filter(|&at| at >= FIXED_HEADER_LEN)
        .ok_or_else(|| truncated("trailer", FIXED_HEADER_LEN + trailer, b.len()))?;
    let content = b.get(..checksum_at).unwrap_or(&[]);
    let stored = read_u64(b, checksum_at).unwrap_or(0);
    let computed = xxhash_rust::xxh3::xxh3_64(content);
    if stored != computed {
        return Err(SnapshotError::ChecksumMismatch { stored, computed });
    }
    Ok((content, computed))
}

/// The signature, when a public key is given: the header must announce one
/// (`SignatureRequired`) and it must be a valid Ed25519 signature by that key of every
/// byte before it (`BadSignature`). Without a public key it is not verified, so never
/// trusted. Returns whether it was verified.
fn signature(b: &[u8], head: &Header, public: Option<&PublicKey>) -> Result<bool, SnapshotError> {
    let Some(public) = public else {
        return Ok(false);
    };
    if !head.signed {
        return Err(SnapshotError::SignatureRequired);
    }
    // `trailer` has checked that the file holds the checksum and the signature.
    let at = b.len().saturating_sub(SIGNATURE_LEN);
    let (message, sig) = (b.get(..at).unwrap_or(&[]), b.get(at..).unwrap_or(&[]));
    if signature::verify(public, message, sig) {
        Ok(true)
    } else {
        Err(SnapshotError::BadSignature)
    }
}

/// Profile and hash scheme: SipHash-2-4 with 54 bits kept (private) or with the bits
/// given per kind in `PBLK` (public, header hash bits 0).
fn hashing(head: &Header) -> Result<Profile, SnapshotError> {
    let (profile, bits) = match head.profile {
        PROFILE_PRIVATE => (Profile::Private, HASH_BITS_PRIVATE),
        PROFILE_PUBLIC => (Profile::Public, public::HASH_BITS_PUBLIC),
        other => return Err(SnapshotError::Unsupported(format!("profile {other}"))),
    };
    if head.hash_scheme != HASH_SIPHASH24 || head.hash_bits != bits {
        return Err(SnapshotError::Unsupported(format!(
            "hash scheme {} with {} bits",
            head.hash_scheme, head.hash_bits
        )));
    }
    Ok(profile)
}

/// The key the file's hashes were made with: the one given if the header's key check
/// value matches it; with none given, the published demo key if it matches (so the
/// demo store loads without a key argument); otherwise `KeyRequired` or `WrongKey`.
/// A public snapshot needs none (a browser has none; nothing in it is keyed): `None`
/// then, but a key given must still be its merchant's.
fn key(
    head: &Header,
    profile: Profile,
    given: Option<&SnapshotKey>,
) -> Result<Option<SnapshotKey>, SnapshotError> {
    match given {
        Some(k) if k.check_value() == head.key_check => Ok(Some(k.clone())),
        Some(_) => Err(SnapshotError::WrongKey),
        None if profile == Profile::Public => Ok(None),
        None if DEMO_KEY.check_value() == head.key_check => Ok(Some(DEMO_KEY)),
        None => Err(SnapshotError::KeyRequired),
    }
}

/// The merchant name: `merchant_len` bytes of UTF-8 right after the fixed fields, which
/// the header length (where the section table starts) must cover.
fn merchant(content: &[u8], head: &Header) -> Result<String, SnapshotError> {
    let end = header::MERCHANT + head.merchant_len;
    let name = content
        .get(header::MERCHANT..end)
        .ok_or_else(|| truncated("header", end, content.len()))?;
    let name = std::str::from_utf8(name)
        .map_err(|_| bad("header", "the merchant name is not valid UTF-8"))?;
    if head.header_len < end {
        return Err(bad(
            "header",
            "the header length is smaller than its content",
        ));
    }
    Ok(name.to_string())
}

/// One entry of the section table.
struct Section {
    tag: [u8; 4],
    offset: usize,
    len: usize,
}

/// The section table over the content it indexes.
struct Sections<'a> {
    content: &'a [u8],
    list: Vec<Section>,
}

impl<'a> Sections<'a> {
    /// The offset and bytes of the section `tag` (bounds were checked when the table
    /// was read).
    fn get(&self, tag: [u8; 4]) -> Result<(usize, &'a [u8]), SnapshotError> {
        self.list
            .iter()
            .find(|s| s.tag == tag)
            .and_then(|s| Some((s.offset, self.content.get(s.offset..s.offset + s.len)?)))
            .ok_or_else(|| SnapshotError::MissingSection(tag_name(&tag)))
    }
    fn body(&self, tag: [u8; 4]) -> Result<&'a [u8], SnapshotError> {
        self.get(tag).map(|(_, body)| body)
    }
}

/// A section tag as text, as `String::from_utf8_lossy` writes it: each invalid sequence
/// (`Utf8Error::error_len`, the same maximal parts the lossy decoder replaces) becomes
/// U+FFFD. Written with `from_utf8`, which the reader links anyway, instead of the lossy
/// decoder's own iterator (~1 KB of wasm for a 4-byte tag).
fn tag_name(tag: &[u8; 4]) -> String {
    let mut out = String::new();
    let mut rest: &[u8] = tag;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                out.push_str(text);
                return out;
            }
            Err(e) => {
                let (valid, after) = rest.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(valid).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                match e.error_len() {
                    Some(len) => rest = after.get(len..).unwrap_or_default(),
                    None => return out,
                }
            }
        }
    }
}

/// The section table: `section_count` entries of [`SECTION_ENTRY_LEN`] bytes at the
/// header length. Each section must lie after the table and inside the content; a tag
/// appears once; an unknown tag is skipped unless flagged required.
fn section_table<'a>(content: &'a [u8], head: &Header) -> Result<Sections<'a>, SnapshotError> {
    let table_len = head
        .section_count
        .checked_mul(SECTION_ENTRY_LEN)
        .ok_or_else(|| bad("header", "absurd section count"))?;
    let table_end = head.header_len.saturating_add(table_len);
    let table = content
        .get(head.header_len..table_end)
        .ok_or_else(|| truncated("section table", table_end, content.len()))?;
    let known = [
        TAG_META,
        TAG_PROGRAMS,
        TAG_REASONS,
        TAG_BLOCKLIST,
        TAG_CATALOG,
        TAG_CUSTOMERS,
        TAG_PUBLIC_BLOCKLIST,
        TAG_PATTERNS,
        TAG_SCOPED,
    ];
    let mut list: Vec<Section> = Vec::with_capacity(head.section_count.min(64));
    for e in table.chunks_exact(SECTION_ENTRY_LEN) {
        let mut tag = [0u8; 4];
        if let Some(stored) = e.get(entry::TAG..entry::TAG + 4) {
            tag.copy_from_slice(stored);
        }
        let flags = read_u32(e, entry::FLAGS).unwrap_or(0);
        let offset = read_u32(e, entry::OFFSET).unwrap_or(0) as usize;
        let len = read_u32(e, entry::LEN).unwrap_or(0) as usize;
        let name = tag_name(&tag);
        offset
            .checked_add(len)
            .filter(|&end| end <= content.len())
            .ok_or_else(|| truncated(&name, offset.saturating_add(len), content.len()))?;
        if offset < table_end {
            return Err(bad(&name, "its offset points into the header"));
        }
        if !known.contains(&tag) && flags & SECTION_REQUIRED != 0 {
            return Err(SnapshotError::Unsupported(format!(
                "the required section `{name}`"
            )));
        }
        if list.iter().any(|s| s.tag == tag) {
            return Err(bad(&name, "it appears twice in the section table"));
        }
        list.push(Section { tag, offset, len });
    }
    Ok(Sections { content, list })
}

/// `META`: the policy as JSON (read by `meta.rs`, without serde).
fn meta(body: &[u8]) -> Result<Policy, SnapshotError> {
    super::meta::read(body).map_err(SnapshotError::BadMeta)
}

/// `PROG` (format v4 on): the counts (offsets in [`format::programs`](super::format::programs)),
/// the name table, then one length-prefixed program per rule of `META` — framing only:
/// each program's nodes are decoded and validated when an engine loads the snapshot
/// (`rules::decode_program`). `offset` is the section's offset in the file, so the
/// programs are kept as ranges of the file's bytes, not copies.
fn programs(body: &[u8], offset: usize, rules: usize) -> Result<Programs, SnapshotError> {
    let mut cur = Cursor::new(body, "PROG");
    let count = cur.u32()? as usize;
    if count != rules {
        return Err(bad(
            "PROG",
            format!("it holds {count} programs for {rules} rules"),
        ));
    }
    let n = cur.count(STR_LEN_LEN)?;
    let names = strings(&mut cur, n)?;
    let mut spans = Vec::with_capacity(count.min(body.len() / programs::PROGRAM_LEN_LEN));
    for _ in 0..count {
        let len = cur.u32()? as usize;
        let start = cur.at;
        cur.take(len)?;
        spans.push((offset + start, len));
    }
    if cur.at != body.len() {
        return Err(bad("PROG", "bytes left over after the last program"));
    }
    Ok(Programs { names, spans })
}

/// `RSNS`: a `u32` count (at most [`MAX_REASONS`]), then each reason code as a string.
fn reasons(body: &[u8]) -> Result<Vec<String>, SnapshotError> {
    let mut cur = Cursor::new(body, "RSNS");
    // Each code takes at least its length prefix.
    let n = cur.count(STR_LEN_LEN)?;
    if n > MAX_REASONS {
        return Err(bad(
            "RSNS",
            format!("{n} reason codes, at most {MAX_REASONS}"),
        ));
    }
    strings(&mut cur, n)
}

/// `n` strings in a row. A loop rather than a `collect` into a `Result`, whose
/// adapter cost ~900 bytes of wasm; the list grows as it is read, as before.
fn strings(cur: &mut Cursor<'_>, n: usize) -> Result<Vec<String>, SnapshotError> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(cur.str()?.to_string());
    }
    Ok(out)
}

/// What the blocklist section holds, once validated.
struct Blocklist {
    /// Number of entries (keys, and as many expiries after them).
    count: usize,
    expiry_base: i64,
    /// Bit `code` set: the blocklist may hold identifiers of that kind ([`listed_kinds`]).
    listed_kinds: u8,
    /// Each pattern kind's length set (`PATN`, [`IdKind::PATTERNS`] order); 0 for none.
    pattern_lengths: [u128; 3],
    info: BlocklistInfo,
}

/// `BLKL`: its header (offsets in [`format::blocklist`](super::format::blocklist)), then `count` keys and `count` expiries,
/// validated in one pass over the keys: strictly ascending, a level on every entry and
/// a reason index below `reasons`.
fn blocklist(body: &[u8], reasons: usize) -> Result<Blocklist, SnapshotError> {
    let mut cur = Cursor::new(body, "BLKL");
    let head = cur.take(BLOCKLIST_HEADER_LEN)?;
    let count = read_u32(head, blocklist::COUNT).unwrap_or(0) as usize;
    // The entries must fit in what follows the header: refuse before any work.
    let remaining = body.len().saturating_sub(BLOCKLIST_HEADER_LEN);
    if count.saturating_mul(BLOCKLIST_ENTRY_LEN) > remaining {
        return Err(truncated(
            "BLKL",
            BLOCKLIST_HEADER_LEN.saturating_add(count.saturating_mul(BLOCKLIST_ENTRY_LEN)),
            body.len(),
        ));
    }
    let expiry_base = read_i64(head, blocklist::EXPIRY_BASE).unwrap_or(0);
    let mut by_kind = BTreeMap::new();
    // One slot per kind code; the last slot is reserved.
    for kind in IdKind::ALL {
        let at = blocklist::KIND_COUNTS + 4 * usize::from(kind.code());
        let n = read_u32(head, at).unwrap_or(0);
        if n > 0 {
            by_kind.insert(kind.as_str().to_string(), n);
        }
    }
    let keys = cur.take(count * BLOCKLIST_KEY_LEN)?;
    let expiries = cur.take(count * BLOCKLIST_EXPIRY_LEN)?;

    let mut levels = [0u32; 4];
    let mut distinct = 0usize;
    let mut prev: Option<u64> = None;
    for chunk in keys.chunks_exact(BLOCKLIST_KEY_LEN) {
        let k = read_u64(chunk, 0).unwrap_or(0);
        match prev {
            Some(p) if k <= p => return Err(bad("BLKL", "entries are not sorted")),
            Some(p) if key_hash(k) != key_hash(p) => distinct += 1,
            Some(_) => {}
            None => distinct = 1,
        }
        prev = Some(k);
        let level = key_level_code(k);
        if level_of_code(level).is_none() {
            return Err(bad("BLKL", "an entry has no level"));
        }
        if key_reason(k) >= reasons {
            return Err(bad(
                "BLKL",
                "an entry names a reason code that does not exist",
            ));
        }
        if let Some(slot) = levels.get_mut(level as usize) {
            *slot += 1;
        }
    }
    // Inserted as `by_kind` is: collecting into a `BTreeMap` sorts the pairs first, a
    // stable sort instantiated for this one map (~4 KB of wasm).
    let mut by_level = BTreeMap::new();
    for l in [Level::Watch, Level::StepUp, Level::Block] {
        let n = levels.get(level_code(l) as usize).copied().unwrap_or(0);
        if n > 0 {
            by_level.insert(l.as_str().to_string(), n);
        }
    }
    let never_expiring = expiries
        .chunks_exact(BLOCKLIST_EXPIRY_LEN)
        .filter(|c| read_u32(c, 0) == Some(EXPIRY_NEVER))
        .count();
    let info = BlocklistInfo {
        entries: count,
        distinct_identifiers: distinct,
        by_kind,
        by_level,
        never_expiring,
        reasons,
        section_bytes: body.len(),
        bytes_per_entry: if count == 0 {
            0.0
        } else {
            body.len() as f64 / count as f64
        },
        false_positive_rate: distinct as f64 / (1u64 << HASH_BITS_PRIVATE) as f64,
        public: None,
        scoped: 0,
    };
    Ok(Blocklist {
        count,
        expiry_base,
        listed_kinds: listed_kinds(head, count),
        pattern_lengths: [0; 3],
        info,
    })
}

/// `PATN` (format 6 on, [`format::patterns`](super::format::patterns)): each pattern
/// kind's row count and length set, into `list`. Its counts must add up to the `BLKL`
/// header's pattern slot, and a kind has rows exactly when it has lengths: a file whose
/// pattern rows a check could not find is refused (never a miss by skipping). Without
/// the section the slot must be 0.
fn patterns(
    body: Option<&[u8]>,
    version: u16,
    slot_rows: u32,
    list: &mut Blocklist,
) -> Result<(), SnapshotError> {
    let Some(body) = body else {
        if slot_rows > 0 {
            return Err(SnapshotError::MissingSection("PATN".to_string()));
        }
        return Ok(());
    };
    if version < PATTERNS_VERSION {
        return Err(bad(
            "PATN",
            format!("a format-{version} snapshot cannot hold it"),
        ));
    }
    if body.len() != patterns::LEN {
        return Err(bad(
            "PATN",
            format!("it is {} bytes, not {}", body.len(), patterns::LEN),
        ));
    }
    let mut total: u64 = 0;
    for (i, (kind, chunk)) in IdKind::PATTERNS
        .iter()
        .zip(body.chunks_exact(patterns::KIND_LEN))
        .enumerate()
    {
        let rows = read_u32(chunk, 0).unwrap_or(0);
        let lengths = chunk
            .get(4..20)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u128::from_le_bytes);
        if (rows == 0) != (lengths == 0) {
            return Err(bad(
                "PATN",
                "a pattern kind has rows without lengths, or lengths without rows",
            ));
        }
        total += u64::from(rows);
        if rows > 0 {
            list.info.by_kind.insert(kind.as_str().to_string(), rows);
        }
        if let Some(slot) = list.pattern_lengths.get_mut(i) {
            *slot = lengths;
        }
    }
    if total != u64::from(slot_rows) {
        return Err(bad(
            "PATN",
            "its row counts do not add up to the blocklist's pattern rows",
        ));
    }
    Ok(())
}

/// The kinds a check must look up, as a bit per kind code, from the header's per-kind
/// row counts: a kind the compiler counted no row of has no entry, so hashing its
/// identifier would be wasted. The counts are source rows (the compiler merges rows
/// into entries, never the reverse), so they must add up to at least `count`; when they
/// do not, they cannot be trusted and every kind is looked up (never a miss by
/// skipping).
fn listed_kinds(head: &[u8], count: usize) -> u8 {
    let counts: Vec<u32> = (0..blocklist::KIND_SLOTS)
        .map(|slot| read_u32(head, blocklist::KIND_COUNTS + 4 * slot).unwrap_or(0))
        .collect();
    let rows: u64 = counts.iter().map(|&n| u64::from(n)).sum();
    if rows < count as u64 {
        return u8::MAX;
    }
    counts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0)
        .fold(0u8, |mask, (slot, _)| {
            mask | 1u8.checked_shl(slot as u32).unwrap_or(0)
        })
}

/// `SCPD` (format 6 on, [`format::scoped`](super::format::scoped)): the scopes, then
/// the scoped entries, decoded (a scoped list is short: the merchant's exceptions), each
/// validated as `BLKL`'s are — ascending, a level, an existing reason — with a scope
/// index below the scope count. Absent: no scoped entry.
fn scoped_list(
    body: Option<&[u8]>,
    version: u16,
    reasons: usize,
) -> Result<super::ScopedList, SnapshotError> {
    use super::format::scoped;
    let Some(body) = body else {
        return Ok(super::ScopedList::default());
    };
    if version < PATTERNS_VERSION {
        return Err(bad(
            "SCPD",
            format!("a format-{version} snapshot cannot hold it"),
        ));
    }
    let mut cur = Cursor::new(body, "SCPD");
    let n = cur.count(scoped::ENTRY_LEN)?;
    let m = cur.count(scoped::SCOPE_MIN_LEN)?;
    let mut scopes = Vec::with_capacity(m);
    for _ in 0..m {
        let by = cur.take(1)?.first().copied().unwrap_or(u8::MAX);
        let by = ScopeBy::ALL
            .get(usize::from(by))
            .copied()
            .ok_or_else(|| bad("SCPD", "a scope has an unknown kind"))?;
        let value = cur.str()?;
        if value.is_empty() {
            return Err(bad("SCPD", "a scope names nothing"));
        }
        scopes.push(EntryScope {
            by,
            value: value.to_string(),
        });
    }
    let records = cur.take(n.saturating_mul(scoped::ENTRY_LEN))?;
    if cur.at != body.len() {
        return Err(bad("SCPD", "bytes left over after the last entry"));
    }
    let mut entries: Vec<super::ScopedEntry> = Vec::with_capacity(n);
    for r in records.chunks_exact(scoped::ENTRY_LEN) {
        let key = read_u64(r, scoped::KEY).unwrap_or(0);
        let expiry = read_i64(r, scoped::EXPIRY).unwrap_or(0);
        let scope = read_u32(r, scoped::SCOPE).unwrap_or(u32::MAX);
        if level_of_code(key_level_code(key)).is_none() || key_reason(key) >= reasons {
            return Err(bad("SCPD", "an entry has no level or no reason code"));
        }
        if scope as usize >= scopes.len() {
            return Err(bad("SCPD", "an entry names a scope that does not exist"));
        }
        if entries
            .last()
            .is_some_and(|last| (last.key, last.scope) >= (key, scope))
        {
            return Err(bad("SCPD", "entries are not sorted"));
        }
        entries.push(super::ScopedEntry {
            key,
            expires_at: (expiry != scoped::NEVER).then(|| Timestamp::from_seconds(expiry)),
            scope,
        });
    }
    Ok(super::ScopedList { entries, scopes })
}

/// The fewest bytes a catalog tag takes: its length prefix and one byte (the compiler
/// drops empty tags, so a stored empty tag is refused).
const CATALOG_TAG_MIN_LEN: usize = STR_LEN_LEN + 1;

/// At most this many bytes of memory per byte of `CATL` for the decoded catalog (items,
/// their strings and tag lists, the SKU index). The per-item and per-tag minimum sizes
/// keep every catalog under it (an item of [`CATALOG_ITEM_MIN_LEN`] bytes costs its
/// struct and index entry; a tag of [`CATALOG_TAG_MIN_LEN`] bytes its `String`); the
/// check before each allocation keeps it true should the in-memory types grow, so a
/// crafted section can never cost more than this multiple of its size.
pub(super) const CATALOG_COST_PER_BYTE: usize = 5;

/// Memory of one decoded item before its strings: the item and its SKU index entry.
const CATALOG_ITEM_COST: usize =
    std::mem::size_of::<CatalogItem>() + std::mem::size_of::<(u64, u32)>();

/// `CATL`: a `u32` count, `u32` flags, then the items (each at least
/// [`CATALOG_ITEM_MIN_LEN`] bytes), strictly ascending by SKU. Decoded (it is small),
/// every allocation sized exactly and charged to a budget of [`CATALOG_COST_PER_BYTE`]
/// per section byte before it is made.
fn catalog(body: &[u8]) -> Result<Vec<CatalogItem>, SnapshotError> {
    let mut cur = Cursor::new(body, "CATL");
    let n = cur.count(CATALOG_ITEM_MIN_LEN)?;
    let flags = cur.u32()?;
    if flags & !CATALOG_KNOWN_FLAGS != 0 {
        return Err(bad(
            "CATL",
            format!("unknown flags {flags:#x}: written by a newer checkout-guard"),
        ));
    }
    let limits = flags & CATALOG_FLAG_LIMITS != 0;
    let budget = body.len().saturating_mul(CATALOG_COST_PER_BYTE);
    let mut cost = n.saturating_mul(CATALOG_ITEM_COST);
    let mut charge = |bytes: usize| {
        cost = cost.saturating_add(bytes);
        if cost > budget {
            return Err(bad(
                "CATL",
                format!(
                    "decoding it would take more than {CATALOG_COST_PER_BYTE} bytes of memory per byte"
                ),
            ));
        }
        Ok(())
    };
    charge(0)?;
    let mut catalog: Vec<CatalogItem> = Vec::with_capacity(n);
    for _ in 0..n {
        let sku = cur.str()?;
        let name = cur.str()?;
        let category = cur.str()?;
        let price_minor = cur.i64()?;
        let max_per_order = cur.u32()?;
        let tag_count = cur.count(CATALOG_TAG_MIN_LEN)?;
        charge(
            sku.len()
                + name.len()
                + category.len()
                + tag_count.saturating_mul(std::mem::size_of::<String>()),
        )?;
        let mut tags = Vec::with_capacity(tag_count);
        for _ in 0..tag_count {
            let tag = cur.str()?;
            if tag.is_empty() {
                return Err(bad("CATL", "an item has an empty tag"));
            }
            charge(tag.len())?;
            tags.push(tag.to_string());
        }
        let (stock, max_per_customer) = if limits {
            let stock = cur.u32()?;
            (Some(stock).filter(|&s| s != STOCK_UNTRACKED), cur.u32()?)
        } else {
            (None, 0)
        };
        if catalog.last().is_some_and(|last| last.sku.as_str() >= sku) {
            return Err(bad("CATL", "items are not sorted by sku"));
        }
        catalog.push(CatalogItem {
            sku: sku.to_string(),
            name: name.to_string(),
            category: category.to_string(),
            price_minor,
            tags,
            max_per_order,
            stock,
            max_per_customer,
        });
    }
    Ok(catalog)
}

/// `CUST`: a `u32` count, `u32` flags, `count` hashes strictly ascending, then `count`
/// records of [`CUSTOMER_RECORD_LEN`] bytes (read at lookup). Returns the count.
fn customers(body: &[u8]) -> Result<usize, SnapshotError> {
    let mut cur = Cursor::new(body, "CUST");
    let count = cur.count(CUSTOMER_HASH_LEN + CUSTOMER_RECORD_LEN)?;
    let _flags = cur.u32()?;
    let hashes = cur.take(count * CUSTOMER_HASH_LEN)?;
    let _records = cur.take(count * CUSTOMER_RECORD_LEN)?;
    let mut prev: Option<u64> = None;
    for chunk in hashes.chunks_exact(CUSTOMER_HASH_LEN) {
        let h = read_u64(chunk, 0).unwrap_or(0);
        if prev.is_some_and(|p| h <= p) {
            return Err(bad("CUST", "customers are not sorted"));
        }
        prev = Some(h);
    }
    Ok(count)
}

/// The sections' contents, once validated.
struct Contents {
    policy: Policy,
    reasons: Vec<String>,
    scoped: super::ScopedList,
    blocklist: Blocklist,
    catalog: Vec<CatalogItem>,
    customers: usize,
    public: Option<PublicBlocklist>,
    programs: Option<Programs>,
}

/// Every section, each by its own function (an absent one is a `MissingSection`).
fn contents(
    sections: &Sections<'_>,
    profile: Profile,
    version: u16,
) -> Result<Contents, SnapshotError> {
    let mut contents = match profile {
        Profile::Public => public_contents(sections)?,
        Profile::Private => private_contents(sections, version)?,
    };
    // Format 4 on always holds the programs; older files never do (their rules are
    // compiled from text, by a build that can).
    if version >= PROGRAMS_VERSION {
        let (offset, body) = sections.get(TAG_PROGRAMS)?;
        contents.programs = Some(programs(body, offset, contents.policy.rules.len())?);
    } else if sections.get(TAG_PROGRAMS).is_ok() {
        return Err(bad(
            "PROG",
            format!("a format-{version} snapshot cannot hold it"),
        ));
    }
    Ok(contents)
}

/// A private snapshot's sections: `META`, `RSNS`, `BLKL`, `CATL`, `CUST`.
fn private_contents(sections: &Sections<'_>, version: u16) -> Result<Contents, SnapshotError> {
    let policy = meta(sections.body(TAG_META)?)?;
    let reasons = reasons(sections.body(TAG_REASONS)?)?;
    let blk_body = sections.body(TAG_BLOCKLIST)?;
    let mut blocklist = blocklist(blk_body, reasons.len())?;
    let slot_rows = read_u32(
        blk_body,
        blocklist::KIND_COUNTS + 4 * blocklist::PATTERN_SLOT,
    )
    .unwrap_or(0);
    patterns(
        sections.body(TAG_PATTERNS).ok(),
        version,
        slot_rows,
        &mut blocklist,
    )?;
    let scoped = scoped_list(sections.body(TAG_SCOPED).ok(), version, reasons.len())?;
    blocklist.info.scoped = scoped.entries.len();
    let catalog = catalog(sections.body(TAG_CATALOG)?)?;
    let customers = customers(sections.body(TAG_CUSTOMERS)?)?;
    Ok(Contents {
        policy,
        reasons,
        scoped,
        blocklist,
        catalog,
        customers,
        public: None,
        programs: None,
    })
}

/// A public snapshot's sections: `META`, `CATL`, `PBLK`, and none of the private
/// profile's (reason codes, keyed blocklist, customers), which a file a browser holds
/// must not carry: one that does is refused.
fn public_contents(sections: &Sections<'_>) -> Result<Contents, SnapshotError> {
    for tag in [
        TAG_REASONS,
        TAG_BLOCKLIST,
        TAG_CUSTOMERS,
        TAG_PATTERNS,
        TAG_SCOPED,
    ] {
        if sections.get(tag).is_ok() {
            return Err(bad(
                &tag_name(&tag),
                "a public snapshot may not hold this private section",
            ));
        }
    }
    let policy = meta(sections.body(TAG_META)?)?;
    let catalog = catalog(sections.body(TAG_CATALOG)?)?;
    let (offset, body) = sections.get(TAG_PUBLIC_BLOCKLIST)?;
    let (table, kinds) = public::read(body, offset).map_err(|p| bad("PBLK", p))?;
    let entries: usize = kinds.iter().map(|k| k.entries).sum();
    let info = BlocklistInfo {
        entries,
        distinct_identifiers: kinds.iter().map(|k| k.listed).sum(),
        section_bytes: body.len(),
        bytes_per_entry: if entries == 0 {
            0.0
        } else {
            body.len() as f64 / entries as f64
        },
        // The highest per-kind rate: one lookup of an unlisted value hits at most so often.
        false_positive_rate: kinds
            .iter()
            .map(|k| k.false_positive_rate)
            .fold(0.0, f64::max),
        public: Some(kinds),
        ..BlocklistInfo::default()
    };
    Ok(Contents {
        policy,
        reasons: Vec::new(),
        scoped: super::ScopedList::default(),
        blocklist: Blocklist {
            count: 0,
            expiry_base: 0,
            listed_kinds: 0,
            pattern_lengths: [0; 3],
            info,
        },
        catalog,
        customers: 0,
        public: Some(table),
        programs: None,
    })
}

/// What `inspect` and `engine.info()` report, from the parts read (`signed` false:
/// [`parse`] sets it once the signature is verified). The blocklist statistics are
/// taken out of `contents`, which keeps no other use for them.
fn info(
    head: &Header,
    profile: Profile,
    merchant: String,
    checksum: u64,
    file_bytes: usize,
    sections: &Sections<'_>,
    contents: &mut Contents,
) -> SnapshotInfo {
    SnapshotInfo {
        format_version: head.version,
        merchant,
        version: format!("{checksum:016x}"),
        created_at: head.created_at.to_rfc3339(),
        expires_at: head.expires_at.to_rfc3339(),
        profile,
        hash_scheme: "siphash-2-4".to_string(),
        hash_bits: head.hash_bits,
        signed: false,
        signature_present: head.signed,
        file_bytes,
        sections: sections
            .list
            .iter()
            .map(|s| SectionInfo {
                tag: tag_name(&s.tag),
                offset: s.offset,
                bytes: s.len,
            })
            .collect(),
        rules: contents.policy.rules.len(),
        locales: contents.policy.messages.keys().cloned().collect(),
        // Moved, not cloned: the reader has no other use for it, and a clone of its two
        // maps cost a `BTreeMap` clone instantiation (~1 KB of wasm).
        blocklist: std::mem::take(&mut contents.blocklist.info),
        catalog_items: contents.catalog.len(),
        customers: contents.customers,
    }
}

/// Validates `bytes` part by part and indexes them without copying the large sections.
pub(super) fn parse(
    bytes: Cow<'static, [u8]>,
    given: Option<&SnapshotKey>,
    public: Option<&PublicKey>,
) -> Result<Snapshot, SnapshotError> {
    let b: &[u8] = &bytes;
    let head = header(b)?;
    let (content, checksum) = trailer(b, &head)?;
    // After the checksum (damage in transit says "damaged", not "bad signature"),
    // before anything else in the file is believed.
    let verified = signature(b, &head, public)?;
    let profile = hashing(&head)?;
    let key = key(&head, profile, given)?;
    let merchant = merchant(content, &head)?;
    let sections = section_table(content, &head)?;

    let mut contents = contents(&sections, profile, head.version)?;
    // A policy that needs a newer format than the header declares was not written by
    // checkout-guard's writer (which picks the version from the policy): refuse it
    // rather than guess which reader it was meant for.
    let needed = min_version_for(&contents.policy);
    if head.version < needed {
        return Err(SnapshotError::BadMeta(format!(
            "the policy needs snapshot format version {needed} (a rule has `verify_mode = \"all\"`) but the header says {}",
            head.version
        )));
    }
    let mut info = info(
        &head,
        profile,
        merchant,
        checksum,
        b.len(),
        &sections,
        &mut contents,
    );
    // Only a verified signature reads as signed: a flag bit and 64 bytes anyone can
    // append prove nothing without the public key.
    info.signed = verified;
    let Contents {
        policy,
        reasons,
        scoped,
        blocklist: blk,
        catalog,
        customers: cust_count,
        public,
        programs,
    } = contents;

    // In-memory indexes (never stored, so the format does not depend on them).
    let mut catalog_index: Vec<(u64, u32)> = catalog
        .iter()
        .enumerate()
        .map(|(i, item)| (sku_hash(&item.sku), i as u32))
        .collect();
    catalog_index.sort_unstable();
    let catalog_dir = Directory::build(catalog_index.len(), 64, |i| {
        catalog_index.get(i).map_or(u64::MAX, |&(h, _)| h)
    });
    // The blocklist and customers are read in place: keep where their arrays start
    // (a public snapshot has neither: both counts are 0).
    let blk_offset = sections.get(TAG_BLOCKLIST).map_or(0, |(at, _)| at);
    let cust_offset = sections.get(TAG_CUSTOMERS).map_or(0, |(at, _)| at);
    let block_keys = blk_offset + blocklist::KEYS;
    let block_count = blk.count;
    let block_dir = Directory::build(block_count, 64 - KEY_PAYLOAD_BITS, |i| {
        read_u64(b, block_keys + i * BLOCKLIST_KEY_LEN).map_or(u64::MAX, key_hash)
    });
    let cust_hashes = cust_offset + CUSTOMERS_HEADER_LEN;
    let cust_dir = Directory::build(cust_count, 64, |i| {
        read_u64(b, cust_hashes + i * CUSTOMER_HASH_LEN).unwrap_or(u64::MAX)
    });
    Ok(Snapshot {
        catalog_dir,
        block_dir,
        cust_dir,
        policy,
        info,
        created_at: head.created_at,
        expires_at: head.expires_at,
        key,
        public,
        reasons,
        catalog_index,
        block_keys,
        block_expiries: block_keys + block_count * BLOCKLIST_KEY_LEN,
        block_count,
        listed_kinds: blk.listed_kinds,
        pattern_lengths: blk.pattern_lengths,
        scoped,
        expiry_base: blk.expiry_base,
        catalog,
        cust_hashes,
        cust_records: cust_hashes + cust_count * CUSTOMER_HASH_LEN,
        cust_count,
        programs,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    /// `tag_name` is `String::from_utf8_lossy` on every 4-byte tag over bytes that
    /// cover each UTF-8 case: ASCII, continuation bytes, overlong and surrogate leads,
    /// 2-, 3- and 4-byte leads, leads past U+10FFFF and bytes that never appear.
    #[test]
    fn tag_names_are_what_from_utf8_lossy_writes() {
        let bytes = [
            0x00, b'A', 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1,
            0xed, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff,
        ];
        for a in bytes {
            for b in bytes {
                for c in bytes {
                    for d in bytes {
                        let tag = [a, b, c, d];
                        assert_eq!(
                            super::tag_name(&tag),
                            String::from_utf8_lossy(&tag),
                            "{tag:x?}"
                        );
                    }
                }
            }
        }
        for text in ["META", "PROG", "\u{e9}AB", "\u{20ac}A", "\u{1f600}"] {
            let tag: [u8; 4] = text.as_bytes().try_into().unwrap();
            assert_eq!(super::tag_name(&tag), text);
        }
    }

    use super::*;

    /// A `BLKL` header whose per-kind counts are `counts` (by kind code).
    fn header(counts: &[(usize, u32)]) -> Vec<u8> {
        let mut head = vec![0u8; BLOCKLIST_HEADER_LEN];
        for &(slot, n) in counts {
            let at = blocklist::KIND_COUNTS + 4 * slot;
            head[at..at + 4].copy_from_slice(&n.to_le_bytes());
        }
        head
    }

    #[test]
    fn listed_kinds_come_from_counts_that_add_up_else_all_kinds() {
        let email = usize::from(IdKind::Email.code());
        let ip = usize::from(IdKind::Ip.code());
        let head = header(&[(email, 3), (ip, 1)]);
        // Four source rows merged into four or fewer entries: only those two kinds.
        assert_eq!(listed_kinds(&head, 4), (1 << email) | (1 << ip));
        assert_eq!(listed_kinds(&head, 2), (1 << email) | (1 << ip));
        // More entries than counted rows: the counts are wrong, every kind is looked up.
        assert_eq!(listed_kinds(&head, 5), u8::MAX);
        assert_eq!(listed_kinds(&header(&[]), 1), u8::MAX);
        assert_eq!(listed_kinds(&header(&[]), 0), 0);
    }

    /// A `CATL` body of one item (sku `A`) whose tags are `tags`.
    fn one_item(tag_count: u32, tags: &[&str]) -> Vec<u8> {
        let mut b = Vec::new();
        let str_at = |b: &mut Vec<u8>, s: &str| {
            b.extend_from_slice(&(s.len() as u32).to_le_bytes());
            b.extend_from_slice(s.as_bytes());
        };
        b.extend_from_slice(&1u32.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        str_at(&mut b, "A");
        str_at(&mut b, "");
        str_at(&mut b, "");
        b.extend_from_slice(&100i64.to_le_bytes());
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&tag_count.to_le_bytes());
        for t in tags {
            str_at(&mut b, t);
        }
        b
    }

    #[test]
    fn empty_tags_are_refused() {
        // Four bytes of section for a 24-byte `String`: the cheapest way to make a
        // catalog expensive, and never written by the compiler.
        // A count of them: more than the bytes hold at five bytes a tag.
        let body = one_item(1000, &[""; 1000]);
        assert!(matches!(
            catalog(&body),
            Err(SnapshotError::Truncated { .. })
        ));
        // One of them among tags the count check lets through.
        let body = one_item(2, &["", "gift"]);
        let err = catalog(&body).unwrap_err();
        assert!(err.to_string().contains("empty tag"), "{err}");
    }

    #[test]
    fn a_tag_count_the_bytes_cannot_hold_is_refused_before_allocating() {
        let body = one_item(u32::MAX, &["a"; 3]);
        assert!(matches!(
            catalog(&body),
            Err(SnapshotError::Truncated { .. })
        ));
    }

    #[test]
    fn a_legitimate_item_is_within_the_budget() {
        let body = one_item(3, &["gift", "tea", "a"]);
        let items = catalog(&body).unwrap();
        assert_eq!(items[0].tags, ["gift", "tea", "a"]);
    }
}
