//! The snapshot: a binary, versioned, self-describing file holding a compiled policy
//! (settings, rules, messages), the blocklist as keyed hashes, the catalog and customer
//! statistics. Written once by the compiler, read on every check.
//!
//! Loading ([`Snapshot::from_bytes`]) checks the checksum and validates every length,
//! bound and sort order once, then keeps offsets into the bytes: the blocklist and the
//! customers (the big sections) are never copied, lookups binary-search them in place.
//! The reader never panics, whatever the bytes; each [`SnapshotError`] says what to do.
//! The layout is documented in `docs/snapshot-format.md` and spelled in [`format`].

mod directory;
pub mod format;
#[cfg(feature = "compiler")]
mod writer;

#[cfg(feature = "compiler")]
pub use writer::write;

use crate::model::{CatalogItem, CustomerStats, IdKind, Level, Policy};
use crate::time::Timestamp;
use directory::Directory;
use format::*;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// Why bytes could not be loaded as a snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// The bytes do not start with the snapshot magic: not a snapshot at all.
    BadMagic,
    /// Written in a format version this build cannot read.
    UnsupportedVersion {
        /// The file's version.
        found: u16,
        /// The version this build reads.
        supported: u16,
    },
    /// A part of the file is shorter than its declared size.
    Truncated {
        /// Which part (`header`, `blocklist`…).
        section: String,
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        have: usize,
    },
    /// The header's total length disagrees with the number of bytes given.
    LengthMismatch {
        /// Length recorded in the header.
        declared: usize,
        /// Bytes given.
        actual: usize,
    },
    /// The content checksum does not match: the file was altered or damaged.
    ChecksumMismatch {
        /// Checksum stored in the file.
        stored: u64,
        /// Checksum of the content.
        computed: u64,
    },
    /// The file uses a feature this build does not implement (public profile, unknown
    /// hash scheme, flags or required section).
    Unsupported(String),
    /// A required section is absent.
    MissingSection(String),
    /// A section is structurally invalid (with a checksum that matches: a writer bug).
    BadSection {
        /// Which section.
        section: String,
        /// What is wrong.
        problem: String,
    },
    /// The policy metadata is not valid JSON for this build's policy schema.
    BadMeta(String),
}

const RECOMPILE: &str =
    "recompile the snapshot from its source with this version of checkout-guard";

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::BadMagic => write!(
                f,
                "not a checkout-guard snapshot (bad magic bytes); pass the `.snapshot` file written by `checkout-guard compile`"
            ),
            SnapshotError::UnsupportedVersion { found, supported } => write!(
                f,
                "snapshot format version {found} is not supported (this build reads version {supported}); {RECOMPILE}"
            ),
            SnapshotError::Truncated { section, needed, have } => write!(
                f,
                "snapshot is truncated: `{section}` needs {needed} bytes but {have} are there; copy the whole file again or {RECOMPILE}"
            ),
            SnapshotError::LengthMismatch { declared, actual } => write!(
                f,
                "snapshot length is {actual} bytes but its header says {declared}; the file was cut or padded in transit, copy it again"
            ),
            SnapshotError::ChecksumMismatch { stored, computed } => write!(
                f,
                "snapshot checksum mismatch (stored {stored:016x}, content {computed:016x}): the file is damaged or was edited; copy it again or {RECOMPILE}"
            ),
            SnapshotError::Unsupported(what) => write!(
                f,
                "snapshot uses {what}, which this build does not support; upgrade checkout-guard or {RECOMPILE}"
            ),
            SnapshotError::MissingSection(tag) => {
                write!(f, "snapshot has no `{tag}` section; {RECOMPILE}")
            }
            SnapshotError::BadSection { section, problem } => write!(
                f,
                "snapshot section `{section}` is invalid: {problem}; {RECOMPILE}"
            ),
            SnapshotError::BadMeta(why) => {
                write!(f, "snapshot policy metadata is invalid: {why}; {RECOMPILE}")
            }
        }
    }
}

impl std::error::Error for SnapshotError {}

/// Who the snapshot is for (docs/semantics.md §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Edge and backend: full hashes, exact match.
    #[default]
    Private,
    /// Browsers: truncated hash prefixes (reserved; a later format revision adds it).
    Public,
}

/// One entry of the section table, as `inspect` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionInfo {
    /// Four-letter tag (`META`, `RSNS`, `BLKL`, `CATL`, `CUST`).
    pub tag: String,
    /// Byte offset in the file.
    pub offset: usize,
    /// Length in bytes.
    pub bytes: usize,
}

/// Blocklist statistics (counts only: identifiers are hashed, never readable).
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct BlocklistInfo {
    /// Stored entries (identical rows of the source are stored once).
    pub entries: usize,
    /// Distinct identifiers (distinct hashes).
    pub distinct_identifiers: usize,
    /// Source rows per identifier kind.
    pub by_kind: BTreeMap<String, u32>,
    /// Entries per level.
    pub by_level: BTreeMap<String, u32>,
    /// Entries without an expiry.
    pub never_expiring: usize,
    /// Distinct reason codes.
    pub reasons: usize,
    /// Size of the blocklist section.
    pub section_bytes: usize,
    /// Section bytes per entry (header included; tends to 12).
    pub bytes_per_entry: f64,
    /// Chance that one lookup of an unlisted identifier hits an entry by hash collision.
    pub false_positive_rate: f64,
}

/// What `inspect` and `engine.info()` report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotInfo {
    /// Format version of the file.
    pub format_version: u16,
    /// Merchant name.
    pub merchant: String,
    /// Content checksum (xxh3-64), hex: identifies this exact snapshot.
    pub version: String,
    /// When it was compiled (RFC 3339).
    pub created_at: String,
    /// When it goes stale (RFC 3339).
    pub expires_at: String,
    /// `private` or `public`.
    pub profile: Profile,
    /// Identifier hash: `siphash-2-4`.
    pub hash_scheme: String,
    /// Hash bits kept per blocklist entry (54 in the private profile).
    pub hash_bits: u8,
    /// Whether an Ed25519 signature trailer is present (not verified by this build).
    pub signed: bool,
    /// Total file size.
    pub file_bytes: usize,
    /// The section table.
    pub sections: Vec<SectionInfo>,
    /// Number of rules.
    pub rules: usize,
    /// Message locales.
    pub locales: Vec<String>,
    /// Blocklist statistics.
    pub blocklist: BlocklistInfo,
    /// Catalog items.
    pub catalog_items: usize,
    /// Customers with statistics.
    pub customers: usize,
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

/// Options for `write` (available with the `compiler` feature).
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// Recorded creation time; expiry is this plus `valid_for`.
    pub created_at: Timestamp,
    /// Key for identifier hashes; derived from the content when `None`.
    pub key: Option<[u8; 16]>,
}

/// A loaded, validated snapshot.
#[derive(Clone)]
pub struct Snapshot {
    bytes: Cow<'static, [u8]>,
    policy: Policy,
    info: SnapshotInfo,
    created_at: Timestamp,
    expires_at: Timestamp,
    key: [u8; 16],
    reasons: Vec<String>,
    /// Offset of the blocklist keys (`u64` each) and of the expiries (`u32` each).
    block_keys: usize,
    block_expiries: usize,
    block_count: usize,
    expiry_base: i64,
    catalog: Vec<CatalogItem>,
    /// `(hash of SKU, index into catalog)` sorted by hash: a lookup is a few integer
    /// probes and one string comparison instead of ~13 string comparisons.
    catalog_index: Vec<(u64, u32)>,
    catalog_dir: Directory,
    /// Bucket directories over the blocklist keys and customer hashes (built at load).
    block_dir: Directory,
    cust_dir: Directory,
    /// Offset of customer hashes and records.
    cust_hashes: usize,
    cust_records: usize,
    cust_count: usize,
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

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
    fn str(&mut self) -> Result<&'a str, SnapshotError> {
        let n = self.u32()? as usize;
        let b = self.take(n)?;
        std::str::from_utf8(b).map_err(|_| bad(self.section, "a string is not valid UTF-8"))
    }
}

struct Section {
    tag: [u8; 4],
    offset: usize,
    len: usize,
}

impl Snapshot {
    /// Validates `bytes` and indexes them without copying the large sections.
    ///
    /// Never panics: any byte string either loads or gives a [`SnapshotError`].
    pub fn from_bytes(bytes: impl Into<Cow<'static, [u8]>>) -> Result<Snapshot, SnapshotError> {
        let bytes: Cow<'static, [u8]> = bytes.into();
        Snapshot::parse(bytes)
    }

    fn parse(bytes: Cow<'static, [u8]>) -> Result<Snapshot, SnapshotError> {
        let b: &[u8] = &bytes;
        let magic_have = b.len().min(MAGIC.len());
        if b.get(..magic_have) != MAGIC.get(..magic_have) {
            return Err(SnapshotError::BadMagic);
        }
        if b.len() < FIXED_HEADER_LEN {
            return Err(truncated("header", FIXED_HEADER_LEN, b.len()));
        }
        let version = read_u16(b, 8).unwrap_or(0);
        if version != FORMAT_VERSION {
            return Err(SnapshotError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let header_len = read_u16(b, 10).unwrap_or(0) as usize;
        let byte = |at: usize| b.get(at).copied().unwrap_or(0);
        let (profile, scheme, hash_bits, flags) = (byte(12), byte(13), byte(14), byte(15));
        let declared = read_u32(b, 52).unwrap_or(0) as usize;
        if declared != b.len() {
            return Err(SnapshotError::LengthMismatch {
                declared,
                actual: b.len(),
            });
        }
        if flags & !KNOWN_FLAGS != 0 {
            return Err(SnapshotError::Unsupported(format!(
                "header flags {flags:#04x}"
            )));
        }
        let signed = flags & FLAG_SIGNED != 0;
        let trailer = CHECKSUM_LEN + if signed { SIGNATURE_LEN } else { 0 };
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
        if profile != PROFILE_PRIVATE {
            return Err(SnapshotError::Unsupported(if profile == PROFILE_PUBLIC {
                "the `public` profile".to_string()
            } else {
                format!("profile {profile}")
            }));
        }
        if scheme != HASH_SIPHASH24 || hash_bits != HASH_BITS_PRIVATE {
            return Err(SnapshotError::Unsupported(format!(
                "hash scheme {scheme} with {hash_bits} bits"
            )));
        }

        let mut key = [0u8; 16];
        key.copy_from_slice(b.get(16..32).unwrap_or(&[0; 16]));
        let created_at = Timestamp(read_i64(b, 32).unwrap_or(0));
        let expires_at = Timestamp(read_i64(b, 40).unwrap_or(0));
        let section_count = read_u32(b, 48).unwrap_or(0) as usize;
        let merchant_len = read_u16(b, 56).unwrap_or(0) as usize;
        let merchant_bytes = b
            .get(FIXED_HEADER_LEN..FIXED_HEADER_LEN + merchant_len)
            .ok_or_else(|| truncated("header", FIXED_HEADER_LEN + merchant_len, content.len()))?;
        let merchant = std::str::from_utf8(merchant_bytes)
            .map_err(|_| bad("header", "the merchant name is not valid UTF-8"))?
            .to_string();
        if header_len < FIXED_HEADER_LEN + merchant_len {
            return Err(bad(
                "header",
                "the header length is smaller than its content",
            ));
        }

        // Section table.
        let table_len = section_count
            .checked_mul(SECTION_ENTRY_LEN)
            .ok_or_else(|| bad("header", "absurd section count"))?;
        let table = content
            .get(header_len..header_len.saturating_add(table_len))
            .ok_or_else(|| {
                truncated(
                    "section table",
                    header_len.saturating_add(table_len),
                    content.len(),
                )
            })?;
        let mut sections = Vec::with_capacity(section_count.min(64));
        for entry in table.chunks_exact(SECTION_ENTRY_LEN) {
            let mut tag = [0u8; 4];
            tag.copy_from_slice(entry.get(..4).unwrap_or(&[0; 4]));
            let sflags = read_u32(entry, 4).unwrap_or(0);
            let offset = read_u32(entry, 8).unwrap_or(0) as usize;
            let len = read_u32(entry, 12).unwrap_or(0) as usize;
            let name = String::from_utf8_lossy(&tag).into_owned();
            let end = offset
                .checked_add(len)
                .filter(|&end| end <= content.len())
                .ok_or_else(|| truncated(&name, offset.saturating_add(len), content.len()))?;
            if offset < header_len.saturating_add(table_len) || end < offset {
                return Err(bad(&name, "its offset points into the header"));
            }
            let known = [
                TAG_META,
                TAG_REASONS,
                TAG_BLOCKLIST,
                TAG_CATALOG,
                TAG_CUSTOMERS,
            ];
            if !known.contains(&tag) && sflags & SECTION_REQUIRED != 0 {
                return Err(SnapshotError::Unsupported(format!(
                    "the required section `{name}`"
                )));
            }
            if sections.iter().any(|s: &Section| s.tag == tag) {
                return Err(bad(&name, "it appears twice in the section table"));
            }
            sections.push(Section { tag, offset, len });
        }
        let find = |tag: [u8; 4]| -> Result<&[u8], SnapshotError> {
            sections
                .iter()
                .find(|s| s.tag == tag)
                .and_then(|s| content.get(s.offset..s.offset + s.len))
                .ok_or_else(|| {
                    SnapshotError::MissingSection(String::from_utf8_lossy(&tag).into_owned())
                })
        };
        let offset_of = |tag: [u8; 4]| {
            sections
                .iter()
                .find(|s| s.tag == tag)
                .map_or(0, |s| s.offset)
        };

        // META: the policy.
        let policy: Policy = serde_json::from_slice(find(TAG_META)?)
            .map_err(|e| SnapshotError::BadMeta(e.to_string()))?;

        // RSNS: reason codes.
        let mut cur = Cursor {
            bytes: find(TAG_REASONS)?,
            at: 0,
            section: "RSNS",
        };
        let n = cur.count(4)?;
        if n > MAX_REASONS {
            return Err(bad(
                "RSNS",
                format!("{n} reason codes, at most {MAX_REASONS}"),
            ));
        }
        let mut reasons = Vec::with_capacity(n);
        for _ in 0..n {
            reasons.push(cur.str()?.to_string());
        }

        // BLKL: validated in one pass (sorted keys, valid levels and reason indexes).
        let blk = find(TAG_BLOCKLIST)?;
        let mut cur = Cursor {
            bytes: blk,
            at: 0,
            section: "BLKL",
        };
        let block_count = cur.count(BLOCKLIST_ENTRY_LEN)?;
        let _flags = cur.u32()?;
        let expiry_base = cur.i64()?;
        let mut by_kind = BTreeMap::new();
        for kind in IdKind::ALL {
            let n = cur.u32()?;
            if n > 0 {
                by_kind.insert(kind.as_str().to_string(), n);
            }
        }
        let _reserved_kind = cur.u32()?;
        let keys = cur.take(block_count * 8)?;
        let expiries = cur.take(block_count * 4)?;
        let mut levels = [0u32; 4];
        let mut distinct = 0usize;
        let mut prev: Option<u64> = None;
        for chunk in keys.chunks_exact(8) {
            let k = read_u64(chunk, 0).unwrap_or(0);
            if let Some(p) = prev {
                if k <= p {
                    return Err(bad("BLKL", "entries are not sorted"));
                }
                if k >> KEY_PAYLOAD_BITS != p >> KEY_PAYLOAD_BITS {
                    distinct += 1;
                }
            } else {
                distinct = 1;
            }
            prev = Some(k);
            let level = (k >> 8) & 3;
            if level == 0 {
                return Err(bad("BLKL", "an entry has no level"));
            }
            if (k & 0xFF) as usize >= reasons.len() {
                return Err(bad(
                    "BLKL",
                    "an entry names a reason code that does not exist",
                ));
            }
            if let Some(slot) = levels.get_mut(level as usize) {
                *slot += 1;
            }
        }
        let never_expiring = expiries
            .chunks_exact(4)
            .filter(|c| read_u32(c, 0) == Some(EXPIRY_NEVER))
            .count();
        let blk_offset = offset_of(TAG_BLOCKLIST);

        // CATL: decoded (small), sorted by sku for binary search.
        let mut cur = Cursor {
            bytes: find(TAG_CATALOG)?,
            at: 0,
            section: "CATL",
        };
        let n = cur.count(4 * 4 + 12)?;
        let _flags = cur.u32()?;
        let mut catalog: Vec<CatalogItem> = Vec::with_capacity(n);
        for _ in 0..n {
            let sku = cur.str()?.to_string();
            let name = cur.str()?.to_string();
            let category = cur.str()?.to_string();
            let price_minor = cur.i64()?;
            let max_per_order = cur.u32()?;
            let tag_count = cur.count(4)?;
            let mut tags = Vec::with_capacity(tag_count);
            for _ in 0..tag_count {
                tags.push(cur.str()?.to_string());
            }
            if let Some(last) = catalog.last() {
                if last.sku >= sku {
                    return Err(bad("CATL", "items are not sorted by sku"));
                }
            }
            catalog.push(CatalogItem {
                sku,
                name,
                category,
                price_minor,
                tags,
                max_per_order,
            });
        }

        // CUST: zero-copy, sorted unique hashes then fixed records.
        let cust = find(TAG_CUSTOMERS)?;
        let mut cur = Cursor {
            bytes: cust,
            at: 0,
            section: "CUST",
        };
        let cust_count = cur.count(CUSTOMER_HASH_LEN + CUSTOMER_RECORD_LEN)?;
        let _flags = cur.u32()?;
        let hashes = cur.take(cust_count * CUSTOMER_HASH_LEN)?;
        let _records = cur.take(cust_count * CUSTOMER_RECORD_LEN)?;
        let mut prev: Option<u64> = None;
        for chunk in hashes.chunks_exact(8) {
            let h = read_u64(chunk, 0).unwrap_or(0);
            if prev.is_some_and(|p| h <= p) {
                return Err(bad("CUST", "customers are not sorted"));
            }
            prev = Some(h);
        }
        let cust_offset = offset_of(TAG_CUSTOMERS);

        let blk_len = blk.len();
        let info = SnapshotInfo {
            format_version: version,
            merchant,
            version: format!("{computed:016x}"),
            created_at: created_at.to_rfc3339(),
            expires_at: expires_at.to_rfc3339(),
            profile: Profile::Private,
            hash_scheme: "siphash-2-4".to_string(),
            hash_bits,
            signed,
            file_bytes: b.len(),
            sections: sections
                .iter()
                .map(|s| SectionInfo {
                    tag: String::from_utf8_lossy(&s.tag).into_owned(),
                    offset: s.offset,
                    bytes: s.len,
                })
                .collect(),
            rules: policy.rules.len(),
            locales: policy.messages.keys().cloned().collect(),
            blocklist: BlocklistInfo {
                entries: block_count,
                distinct_identifiers: distinct,
                by_kind,
                by_level: [Level::Watch, Level::StepUp, Level::Block]
                    .into_iter()
                    .zip(levels.into_iter().skip(1))
                    .filter(|(_, n)| *n > 0)
                    .map(|(l, n)| (l.as_str().to_string(), n))
                    .collect(),
                never_expiring,
                reasons: reasons.len(),
                section_bytes: blk_len,
                bytes_per_entry: if block_count == 0 {
                    0.0
                } else {
                    blk_len as f64 / block_count as f64
                },
                false_positive_rate: distinct as f64 / (1u64 << HASH_BITS_PRIVATE) as f64,
            },
            catalog_items: catalog.len(),
            customers: cust_count,
        };
        let mut catalog_index: Vec<(u64, u32)> = catalog
            .iter()
            .enumerate()
            .map(|(i, item)| (sku_hash(&item.sku), i as u32))
            .collect();
        catalog_index.sort_unstable();
        let catalog_dir = Directory::build(catalog_index.len(), 64, |i| {
            catalog_index.get(i).map_or(u64::MAX, |&(h, _)| h)
        });
        let block_keys = blk_offset + BLOCKLIST_HEADER_LEN;
        let block_dir = Directory::build(block_count, 64 - KEY_PAYLOAD_BITS, |i| {
            read_u64(&bytes, block_keys + i * 8).map_or(u64::MAX, |k| k >> KEY_PAYLOAD_BITS)
        });
        let cust_hashes = cust_offset + CUSTOMERS_HEADER_LEN;
        let cust_dir = Directory::build(cust_count, 64, |i| {
            read_u64(&bytes, cust_hashes + i * 8).unwrap_or(u64::MAX)
        });
        Ok(Snapshot {
            catalog_dir,
            block_dir,
            cust_dir,
            policy,
            info,
            created_at,
            expires_at,
            key,
            reasons,
            catalog_index,
            block_keys: blk_offset + BLOCKLIST_HEADER_LEN,
            block_expiries: blk_offset + BLOCKLIST_HEADER_LEN + block_count * 8,
            block_count,
            expiry_base,
            catalog,
            cust_hashes: cust_offset + CUSTOMERS_HEADER_LEN,
            cust_records: cust_offset + CUSTOMERS_HEADER_LEN + cust_count * CUSTOMER_HASH_LEN,
            cust_count,
            bytes,
        })
    }

    /// The policy (settings, rules, messages).
    pub fn policy(&self) -> &Policy {
        &self.policy
    }
    /// Header data and statistics.
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
    /// The snapshot's bytes, as loaded.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// Number of stored blocklist entries.
    pub fn blocklist_len(&self) -> usize {
        self.block_count
    }
    /// The distinct reason codes of the blocklist, sorted.
    pub fn reasons(&self) -> &[String] {
        &self.reasons
    }

    /// Calls `f` for every blocklist entry (expired or not) whose identifier of `kind`
    /// equals `normalized` (already normalized by [`crate::normalize`]). An empty
    /// `normalized` (an absent identifier) matches nothing.
    pub fn for_each_match<'s>(
        &'s self,
        kind: IdKind,
        normalized: &str,
        mut f: impl FnMut(ListMatch<'s>),
    ) {
        if normalized.is_empty() || self.block_count == 0 {
            return;
        }
        let prefix = id_hash(&self.key, kind, normalized) >> KEY_PAYLOAD_BITS;
        let bytes: &[u8] = &self.bytes;
        let key_at = |i: usize| read_u64(bytes, self.block_keys + i * 8).unwrap_or(u64::MAX);
        let (lo, hi) = self.block_dir.range(prefix);
        let mut i = lo;
        while i < hi && key_at(i) >> KEY_PAYLOAD_BITS < prefix {
            i += 1;
        }
        while i < self.block_count {
            let k = key_at(i);
            if k >> KEY_PAYLOAD_BITS != prefix {
                break;
            }
            let rel = read_u32(bytes, self.block_expiries + i * 4).unwrap_or(EXPIRY_NEVER);
            let expires_at = (rel != EXPIRY_NEVER)
                .then(|| Timestamp::from_seconds(self.expiry_base.saturating_add(i64::from(rel))));
            if let (Some(level), Some(reason)) = (
                level_of_code((k >> 8) & 3),
                self.reasons.get((k & 0xFF) as usize),
            ) {
                f(ListMatch {
                    level,
                    reason,
                    expires_at,
                });
            }
            i += 1;
        }
    }

    /// Whether the snapshot has a catalog (an empty catalog makes every SKU "known").
    pub fn has_catalog(&self) -> bool {
        !self.catalog.is_empty()
    }
    /// The catalog item with this exact SKU.
    pub fn catalog_item(&self, sku: &str) -> Option<&CatalogItem> {
        let h = sku_hash(sku);
        let (lo, hi) = self.catalog_dir.range(h);
        self.catalog_index
            .get(lo..hi)?
            .iter()
            .filter(|&&(x, _)| x == h)
            .filter_map(|&(_, i)| self.catalog.get(i as usize))
            .find(|item| item.sku == sku)
    }
    /// Every catalog item, sorted by SKU.
    pub fn catalog(&self) -> &[CatalogItem] {
        &self.catalog
    }
    /// The statistics of the customer with this id, if in `customers.csv`. The id is
    /// normalized (trimmed) as a `customer_id` identifier.
    pub fn customer(&self, customer_id: &str) -> Option<CustomerStats> {
        let id = crate::normalize::trim(customer_id);
        if id.is_empty() || self.cust_count == 0 {
            return None;
        }
        let h = id_hash(&self.key, IdKind::CustomerId, id);
        let bytes: &[u8] = &self.bytes;
        let (lo, hi) = self.cust_dir.range(h);
        let mut at = lo;
        while at < hi && read_u64(bytes, self.cust_hashes + at * 8).is_some_and(|x| x < h) {
            at += 1;
        }
        if at >= self.cust_count || read_u64(bytes, self.cust_hashes + at * 8) != Some(h) {
            return None;
        }
        let rec = self.cust_records + at * CUSTOMER_RECORD_LEN;
        let created = read_i64(bytes, rec)?;
        Some(CustomerStats {
            account_created_at: (created != CREATED_UNKNOWN).then_some(Timestamp(created)),
            orders_90d: read_u32(bytes, rec + 8)?,
            refunds_90d: read_u32(bytes, rec + 12)?,
            chargebacks_365d: read_u32(bytes, rec + 16)?,
            addresses_90d: read_u32(bytes, rec + 20)?,
        })
    }
}

/// Hash of a SKU for the in-memory catalog index (never stored, and only catalog SKUs
/// are inserted, so a fast unkeyed hash is enough): FNV-1a, then a final avalanche so
/// the top bits that pick a directory bucket depend on every byte.
fn sku_hash(sku: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sku.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    // murmur3's fmix64
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}
