//! The snapshot: a binary, versioned, self-describing file holding a compiled policy
//! (settings, rules, messages), the blocklist as keyed hashes, the catalog and customer
//! statistics. Written once by the compiler, read on every check.
//!
//! Loading ([`Snapshot::from_bytes`]) checks the checksum and validates every length,
//! bound and sort order once, then keeps offsets into the bytes: the blocklist and the
//! customers (the big sections) are never copied, lookups binary-search them in place.
//! The reader never panics, whatever the bytes; each [`SnapshotError`] says what to do.
//! The layout is documented in `docs/snapshot-format.md` and spelled in `format`.

mod directory;
pub mod format;
#[cfg(feature = "compiler")]
pub(crate) mod hashed;
mod key;
mod lookups;
mod meta;
mod open;
pub mod public;
mod read;
mod signature;
#[cfg(feature = "compiler")]
mod writer;

pub use format::TEMPLATES_VERSION;
#[cfg(feature = "compiler")]
pub use hashed::HashedBlocklist;
pub use key::{SnapshotKey, DEMO_KEY};
pub use lookups::{Lookups, MAX_LOOKUPS};
pub use open::LoadOptions;
pub use public::PublicKindInfo;
#[cfg(feature = "compiler")]
pub use signature::{sign, SigningKey, SIGNING_KEY_FILE_LEN};
pub use signature::{PublicKey, PUBLIC_KEY_LEN};
#[cfg(feature = "compiler")]
pub use writer::{write, write_private, write_profile};

use crate::json::write::{ToJson, Writer};
use crate::model::{CatalogItem, CustomerStats, EntryScope, IdKind, Level, Policy};
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
    /// The snapshot's identifiers are hashed under a merchant key and none was given.
    KeyRequired,
    /// The key given is not the one the snapshot was compiled with (its key check value
    /// differs).
    WrongKey,
    /// A public key was given and the snapshot is not signed.
    SignatureRequired,
    /// A public key was given and the snapshot's signature is not a valid signature of
    /// its bytes by that key: signed with another key, or edited after signing.
    BadSignature,
    /// The snapshot (format 2 or 3) holds its rules only as text, and this build (the
    /// runtime, without the `compiler` feature) runs only compiled rule programs.
    RulesAsText {
        /// The file's format version.
        version: u16,
    },
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
            SnapshotError::UnsupportedVersion { found, supported } if found < supported => write!(
                f,
                "snapshot format version {found} was written by an older checkout-guard and is no longer read (this build reads versions {BASE_FORMAT_VERSION} to {supported}); recompile the snapshot from its source with this version: `checkout-guard compile --key KEY_FILE`"
            ),
            SnapshotError::UnsupportedVersion { found, supported } => write!(
                f,
                "snapshot format version {found} is not supported (this build reads versions {BASE_FORMAT_VERSION} to {supported}); {RECOMPILE}"
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
            SnapshotError::KeyRequired => write!(
                f,
                "this snapshot needs its key: pass the key file it was compiled with (`--key FILE`, or `{{ key }}` in the package)"
            ),
            SnapshotError::WrongKey => write!(
                f,
                "the key given is not the one this snapshot was compiled with; pass the key file given to `checkout-guard compile --key`"
            ),
            SnapshotError::SignatureRequired => write!(
                f,
                "this snapshot is not signed and a public key was given, so only a signed one is accepted; compile it with `checkout-guard compile --sign SIGNING_KEY_FILE`"
            ),
            SnapshotError::RulesAsText { version } => write!(
                f,
                "snapshot format version {version} holds its rules only as text, and this runtime runs only rules compiled into the snapshot (format version {PROGRAMS_VERSION} on); recompile the snapshot from its source with this version: `checkout-guard compile --key KEY_FILE`"
            ),
            SnapshotError::BadSignature => write!(
                f,
                "the snapshot's signature does not verify with the public key given: it was signed with another key, or edited after signing; do not use it — recompile and sign it with the signing key of this public key"
            ),
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
    /// Browsers: per-kind hash prefixes under a public salt, no reasons, expiries or
    /// customer statistics (docs/snapshot-format.md, "The public profile").
    Public,
}

impl Profile {
    /// The profile named `private` or `public`.
    pub fn from_name(name: &str) -> Option<Profile> {
        match name {
            "private" => Some(Profile::Private),
            "public" => Some(Profile::Public),
            _ => None,
        }
    }
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
    /// Chance that one lookup of an unlisted identifier hits an entry by hash collision
    /// (public profile: the highest of the per-kind rates in `public`).
    pub false_positive_rate: f64,
    /// Public profile only: per identifier kind, the prefix bits, entries, assumed
    /// space, false-positive rate and anonymity set (docs/snapshot-format.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<Vec<PublicKindInfo>>,
    /// Scoped entries (`SCPD`, docs/semantics.md §4.4), not in `entries`; omitted when 0.
    #[serde(skip_serializing_if = "is_zero")]
    pub scoped: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A scoped entry of a loaded snapshot (`SCPD`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScopedEntry {
    /// As a `BLKL` key: hash, level, reason index.
    pub(crate) key: u64,
    pub(crate) expires_at: Option<Timestamp>,
    /// Index into [`ScopedList::scopes`].
    pub(crate) scope: u32,
}

/// The scoped entries of a loaded snapshot, ascending by key, and their scopes.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScopedList {
    pub(crate) entries: Vec<ScopedEntry>,
    pub(crate) scopes: Vec<EntryScope>,
}

impl BlocklistInfo {
    /// The public profile's figures for one kind (`"phone"`…); `None` in the private
    /// profile.
    pub fn public_kind(&self, kind: &str) -> Option<&PublicKindInfo> {
        self.public.iter().flatten().find(|k| k.kind == kind)
    }
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
    /// Whether the snapshot's Ed25519 signature was verified against the public key
    /// given at load (`LoadOptions::public_key`). Without a public key it is `false`
    /// even for a signed file: a signature is never trusted unverified.
    pub signed: bool,
    /// Whether the file carries a signature trailer (header flag), verified or not.
    pub signature_present: bool,
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

// The JSON of `inspect --json` and `engine.info()` without serde (src/json/write.rs):
// the text serde's derive gives, field by field, so a field added to one of these
// structs fails to compile here instead of going missing (tests hold both equal).

impl ToJson for SnapshotInfo {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        self.write_fields(w);
        w.end_object();
    }
}

impl SnapshotInfo {
    /// The fields without the braces: `engine.info()` adds `policy` to them.
    pub(crate) fn write_fields(&self, w: &mut Writer) {
        let SnapshotInfo {
            format_version,
            merchant,
            version,
            created_at,
            expires_at,
            profile,
            hash_scheme,
            hash_bits,
            signed,
            signature_present,
            file_bytes,
            sections,
            rules,
            locales,
            blocklist,
            catalog_items,
            customers,
        } = self;
        w.field("format_version", format_version);
        w.field("merchant", merchant);
        w.field("version", version);
        w.field("created_at", created_at);
        w.field("expires_at", expires_at);
        w.field(
            "profile",
            match profile {
                Profile::Private => "private",
                Profile::Public => "public",
            },
        );
        w.field("hash_scheme", hash_scheme);
        w.field("hash_bits", hash_bits);
        w.field("signed", signed);
        w.field("signature_present", signature_present);
        w.field("file_bytes", file_bytes);
        w.field("sections", sections);
        w.field("rules", rules);
        w.field("locales", locales);
        w.field("blocklist", blocklist);
        w.field("catalog_items", catalog_items);
        w.field("customers", customers);
    }
}

impl ToJson for SectionInfo {
    fn write_json(&self, w: &mut Writer) {
        let SectionInfo { tag, offset, bytes } = self;
        w.begin_object();
        w.field("tag", tag);
        w.field("offset", offset);
        w.field("bytes", bytes);
        w.end_object();
    }
}

impl ToJson for BlocklistInfo {
    fn write_json(&self, w: &mut Writer) {
        let BlocklistInfo {
            entries,
            distinct_identifiers,
            by_kind,
            by_level,
            never_expiring,
            reasons,
            section_bytes,
            bytes_per_entry,
            false_positive_rate,
            public,
            scoped,
        } = self;
        w.begin_object();
        w.field("entries", entries);
        w.field("distinct_identifiers", distinct_identifiers);
        w.field("by_kind", by_kind);
        w.field("by_level", by_level);
        w.field("never_expiring", never_expiring);
        w.field("reasons", reasons);
        w.field("section_bytes", section_bytes);
        w.field("bytes_per_entry", bytes_per_entry);
        w.field("false_positive_rate", false_positive_rate);
        // Absent, not `null`, in the private profile.
        if let Some(public) = public {
            w.field("public", public);
        }
        // Omitted when 0, as serde's `skip_serializing_if` did.
        if *scoped != 0 {
            w.field("scoped", scoped);
        }
        w.end_object();
    }
}

impl ToJson for PublicKindInfo {
    fn write_json(&self, w: &mut Writer) {
        let PublicKindInfo {
            kind,
            bits,
            checkable,
            entries,
            listed,
            assumed_space,
            false_positive_rate,
            anonymity_set,
        } = self;
        w.begin_object();
        w.field("kind", kind);
        w.field("bits", bits);
        w.field("checkable", checkable);
        w.field("entries", entries);
        w.field("listed", listed);
        w.field("assumed_space", assumed_space);
        w.field("false_positive_rate", false_positive_rate);
        w.field("anonymity_set", anonymity_set);
        w.end_object();
    }
}

/// A blocklist entry matching an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListMatch<'a> {
    /// Its level.
    pub level: Level,
    /// Its reason code (empty from a public snapshot, which keeps none).
    pub reason: &'a str,
    /// When it stops applying (`None`: never, or unknown in a public snapshot).
    pub expires_at: Option<Timestamp>,
    /// `false` for a public snapshot's hit: the identifier's bucket holds a listed
    /// value, which may be another one (docs/semantics.md, "Profiles").
    pub certain: bool,
    /// The lines a scoped entry restricts (docs/semantics.md §4.4); `None` for an entry
    /// that lists the customer for the whole order.
    pub scope: Option<&'a EntryScope>,
}

/// Options for `write` (available with the `compiler` feature).
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Recorded creation time; expiry is this plus `valid_for`.
    pub created_at: Timestamp,
    /// The merchant key of every identifier hash (stored only as its check value).
    pub key: SnapshotKey,
}

/// A loaded, validated snapshot.
#[derive(Clone)]
pub struct Snapshot {
    bytes: Cow<'static, [u8]>,
    policy: Policy,
    info: SnapshotInfo,
    created_at: Timestamp,
    expires_at: Timestamp,
    /// The merchant key; `None` for a public snapshot loaded without one (it has no
    /// keyed section).
    key: Option<SnapshotKey>,
    /// The public profile's blocklist (`None` in the private profile).
    public: Option<public::PublicBlocklist>,
    reasons: Vec<String>,
    /// Offset of the blocklist keys (`u64` each) and of the expiries (`u32` each).
    block_keys: usize,
    block_expiries: usize,
    block_count: usize,
    /// Bit `kind code` set: the private blocklist may hold that kind (from the
    /// header's per-kind counts; all bits when they do not add up).
    listed_kinds: u8,
    /// Each pattern kind's length set (`PATN`, [`IdKind::PATTERNS`] order): bit `n − 1`
    /// set when entries of length `n` exist; all 0 in a public snapshot.
    pattern_lengths: [u128; 3],
    /// Scoped entries (`SCPD`); empty without.
    scoped: ScopedList,
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
    /// The rules' compiled programs (`PROG`, format v4 on); `None` in an older file.
    programs: Option<Programs>,
}

/// The `PROG` section's framing, read at load: its name table and where each rule's
/// program lies in the file.
#[derive(Debug, Clone)]
pub(crate) struct Programs {
    names: Vec<String>,
    /// `(offset, length)` of each rule's program in the file, in policy order.
    spans: Vec<(usize, usize)>,
}

/// The compiled programs of a snapshot's rules ([`Snapshot::programs`]).
#[derive(Debug, Clone)]
pub struct RulePrograms<'a> {
    /// The names the programs refer to (fact paths, levels, issues).
    pub names: Vec<&'a str>,
    /// Each rule's program bytes, in policy order.
    pub programs: Vec<&'a [u8]>,
}

impl Snapshot {
    /// The rules' compiled programs, to decode with [`crate::rules::decode_program`];
    /// `None` for a snapshot of format 2 or 3, whose rules are only text.
    pub fn programs(&self) -> Option<RulePrograms<'_>> {
        let p = self.programs.as_ref()?;
        Some(RulePrograms {
            names: p.names.iter().map(String::as_str).collect(),
            programs: p
                .spans
                .iter()
                .map(|&(at, len)| self.bytes.get(at..at + len).unwrap_or(&[]))
                .collect(),
        })
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snapshot")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// Validates `bytes` and indexes them without copying the large sections.
    ///
    /// No key is given: this loads a public snapshot (which needs none) or a private one
    /// compiled with the published demo key ([`DEMO_KEY`]); any other gives
    /// [`SnapshotError::KeyRequired`] (use [`Snapshot::open`]).
    ///
    /// Never panics: any byte string either loads or gives a [`SnapshotError`].
    pub fn from_bytes(bytes: impl Into<Cow<'static, [u8]>>) -> Result<Snapshot, SnapshotError> {
        read::parse(bytes.into(), None, None)
    }

    /// Validates `bytes` with the merchant key they were compiled with (`None`: as
    /// [`Snapshot::from_bytes`]). A key other than the snapshot's gives
    /// [`SnapshotError::WrongKey`] before any lookup can run.
    pub fn open(
        bytes: impl Into<Cow<'static, [u8]>>,
        key: Option<&SnapshotKey>,
    ) -> Result<Snapshot, SnapshotError> {
        read::parse(bytes.into(), key, None)
    }

    /// Whether this private snapshot's hashes are made with the published demo key
    /// (anyone can test identifiers against it, so it holds no real store's data).
    pub fn is_demo_keyed(&self) -> bool {
        self.key.as_ref().is_some_and(SnapshotKey::is_demo)
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
        f: impl FnMut(ListMatch<'s>),
    ) {
        if let Some(hash) = self.probe_hash(kind, normalized) {
            self.for_each_probed_match(kind, hash, f);
        }
    }

    /// Calls `f` for every entry of the pattern `kind` (docs/semantics.md §3.3) that holds
    /// `identifier`, normalized as its identifier kind is (an e-mail address for
    /// `email_domain`, an IP address for `ip_range`, a phone number for `phone_prefix`):
    /// one keyed hash per length the snapshot holds entries of. `scratch` is overwritten.
    /// A public snapshot holds no pattern entry: nothing matches.
    pub fn for_each_pattern_match<'s>(
        &'s self,
        kind: IdKind,
        identifier: &str,
        scratch: &mut String,
        mut f: impl FnMut(ListMatch<'s>),
    ) {
        let (Some(key), Some(&lengths)) = (&self.key, self.pattern_set(kind)) else {
            return;
        };
        if identifier.is_empty() || self.public.is_some() {
            return;
        }
        let mut rest = lengths;
        while rest != 0 {
            let n = rest.trailing_zeros() + 1;
            rest &= rest - 1;
            if crate::normalize::pattern::candidate_into(kind, identifier, n, scratch) {
                self.for_each_hashed_match(id_hash(key.as_bytes(), kind, scratch), &mut f);
            }
        }
    }

    /// The length set of a pattern kind; `None` for an exact kind.
    fn pattern_set(&self, kind: IdKind) -> Option<&u128> {
        let i = IdKind::PATTERNS.iter().position(|&k| k == kind)?;
        self.pattern_lengths.get(i)
    }

    /// [`Snapshot::for_each_match`] for a customer id, and its `customers.csv`
    /// statistics ([`Snapshot::customer_normalized`]): both are found by the same keyed
    /// hash, computed once.
    pub fn customer_id_lookup<'s>(
        &'s self,
        normalized: &str,
        f: impl FnMut(ListMatch<'s>),
    ) -> Option<CustomerStats> {
        let kind = IdKind::CustomerId;
        let key = match (&self.key, &self.public) {
            (Some(key), None) if !normalized.is_empty() => key,
            _ => {
                self.for_each_match(kind, normalized, f);
                return self.customer_normalized(normalized);
            }
        };
        let h = id_hash(key.as_bytes(), kind, normalized);
        if self.may_list(kind) {
            self.for_each_hashed_match(h, f);
        }
        self.customer_by_hash(h)
    }

    /// The private blocklist's entries whose identifier hashes to `hash`.
    fn for_each_hashed_match<'s>(&'s self, hash: u64, mut f: impl FnMut(ListMatch<'s>)) {
        let prefix = key_hash(hash);
        let bytes: &[u8] = &self.bytes;
        let key_at =
            |i: usize| read_u64(bytes, self.block_keys + i * BLOCKLIST_KEY_LEN).unwrap_or(u64::MAX);
        let (lo, hi) = self.block_dir.range(prefix);
        let mut i = lo;
        while i < hi && key_hash(key_at(i)) < prefix {
            i += 1;
        }
        while i < self.block_count {
            let k = key_at(i);
            if key_hash(k) != prefix {
                break;
            }
            let rel = read_u32(bytes, self.block_expiries + i * BLOCKLIST_EXPIRY_LEN)
                .unwrap_or(EXPIRY_NEVER);
            let expires_at = (rel != EXPIRY_NEVER)
                .then(|| Timestamp::from_seconds(self.expiry_base.saturating_add(i64::from(rel))));
            if let (Some(level), Some(reason)) = (
                level_of_code(key_level_code(k)),
                self.reasons.get(key_reason(k)),
            ) {
                f(ListMatch {
                    level,
                    reason,
                    expires_at,
                    certain: true,
                    scope: None,
                });
            }
            i += 1;
        }
        self.for_each_scoped_match(prefix, f);
    }

    /// The scoped entries whose hash bits are `prefix` (`key_hash` of the identifier's).
    fn for_each_scoped_match<'s>(&'s self, prefix: u64, mut f: impl FnMut(ListMatch<'s>)) {
        let entries = &self.scoped.entries;
        let start = entries.partition_point(|e| key_hash(e.key) < prefix);
        for e in entries.get(start..).unwrap_or(&[]) {
            if key_hash(e.key) != prefix {
                break;
            }
            let scope = self.scoped.scopes.get(e.scope as usize);
            if let (Some(level), Some(reason), Some(scope)) = (
                level_of_code(key_level_code(e.key)),
                self.reasons.get(key_reason(e.key)),
                scope,
            ) {
                f(ListMatch {
                    level,
                    reason,
                    expires_at: e.expires_at,
                    certain: true,
                    scope: Some(scope),
                });
            }
        }
    }

    /// Whether the blocklist may hold identifiers of `kind`: false only when the private
    /// profile's header says it holds none (then a check need neither normalize nor
    /// hash that identifier). A public snapshot answers true: its lookup decides. For a
    /// pattern kind: whether the private blocklist holds entries of it (a public one
    /// never does).
    pub fn may_list(&self, kind: IdKind) -> bool {
        if let Some(&lengths) = self.pattern_set(kind) {
            return lengths != 0 && self.public.is_none();
        }
        if self.public.is_some() {
            return true;
        }
        (self.block_count > 0 || !self.scoped.entries.is_empty())
            && self
                .listed_kinds
                .checked_shr(u32::from(kind.code()))
                .is_some_and(|bits| bits & 1 == 1)
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
            .find(|item| same_bytes(item.sku.as_bytes(), sku.as_bytes()))
    }
    /// Every catalog item, sorted by SKU.
    pub fn catalog(&self) -> &[CatalogItem] {
        &self.catalog
    }
    /// The statistics of the customer with this id, if in `customers.csv`. The id is
    /// normalized as a `customer_id` identifier (docs/semantics.md §3.2).
    pub fn customer(&self, customer_id: &str) -> Option<CustomerStats> {
        if self.cust_count == 0 {
            return None;
        }
        self.customer_normalized(&crate::normalize::identifier(
            IdKind::CustomerId,
            customer_id,
            "",
        ))
    }

    /// [`Snapshot::customer`] for an id already normalized as a `customer_id` (the
    /// engine has normalized it for the blocklist lookup).
    pub fn customer_normalized(&self, id: &str) -> Option<CustomerStats> {
        let key = self.key.as_ref()?;
        if id.is_empty() || self.cust_count == 0 {
            return None;
        }
        self.customer_by_hash(id_hash(key.as_bytes(), IdKind::CustomerId, id))
    }

    /// The statistics of the customer whose normalized id hashes to `h`.
    fn customer_by_hash(&self, h: u64) -> Option<CustomerStats> {
        if self.cust_count == 0 {
            return None;
        }
        let bytes: &[u8] = &self.bytes;
        let (lo, hi) = self.cust_dir.range(h);
        let hash_at = |i: usize| read_u64(bytes, self.cust_hashes + i * CUSTOMER_HASH_LEN);
        let mut at = lo;
        while at < hi && hash_at(at).is_some_and(|x| x < h) {
            at += 1;
        }
        if at >= self.cust_count || hash_at(at) != Some(h) {
            return None;
        }
        let rec = self.cust_records + at * CUSTOMER_RECORD_LEN;
        let created = read_i64(bytes, rec + customer::CREATED_AT)?;
        Some(CustomerStats {
            account_created_at: (created != CREATED_UNKNOWN).then_some(Timestamp(created)),
            orders_90d: read_u32(bytes, rec + customer::ORDERS_90D)?,
            refunds_90d: read_u32(bytes, rec + customer::REFUNDS_90D)?,
            chargebacks_365d: read_u32(bytes, rec + customer::CHARGEBACKS_365D)?,
            addresses_90d: read_u32(bytes, rec + customer::ADDRESSES_90D)?,
        })
    }
}

/// Hash of a SKU for the in-memory catalog index (never stored, and only catalog SKUs
/// are inserted, so a fast unkeyed hash is enough): FNV-1a, then a final avalanche so
/// the top bits that pick a directory bucket depend on every byte. The live counters'
/// SKU sketch finds its keys by it too: it holds at most 64, so colliding SKUs from
/// orders cost at most a probe over those.
pub(crate) fn sku_hash(sku: &str) -> u64 {
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    // Four bytes a step: the same byte-serial FNV-1a, with a quarter of the loop
    // overhead (a SKU is hashed once or twice per order line).
    let mut quads = sku.as_bytes().chunks_exact(4);
    for q in &mut quads {
        if let Ok(&[b0, b1, b2, b3]) = <&[u8; 4]>::try_from(q) {
            for b in [b0, b1, b2, b3] {
                h = (h ^ u64::from(b)).wrapping_mul(PRIME);
            }
        }
    }
    for &b in quads.remainder() {
        h = (h ^ u64::from(b)).wrapping_mul(PRIME);
    }
    // murmur3's fmix64
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// `a == b`, without a `memcmp` call for the short strings SKUs are: up to 16 bytes
/// are compared as two (overlapping) 8-byte words.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    match (a.first_chunk::<8>(), a.last_chunk::<8>()) {
        (Some(a0), Some(a1)) if a.len() <= 16 => {
            Some(a0) == b.first_chunk::<8>() && Some(a1) == b.last_chunk::<8>()
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// FNV-1a byte by byte, then fmix64: the definition `sku_hash` is held to.
    fn sku_hash_reference(sku: &str) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in sku.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }

    proptest! {
        #[test]
        fn sku_hash_is_fnv_1a_then_fmix64(sku in "(?s).{0,40}|[A-Z0-9-]{0,24}") {
            prop_assert_eq!(sku_hash(&sku), sku_hash_reference(&sku));
        }

        #[test]
        fn same_bytes_is_equality(
            a in prop::collection::vec(0u8..3, 0..40),
            b in prop::collection::vec(0u8..3, 0..40),
            cut in any::<prop::sample::Index>(),
        ) {
            prop_assert_eq!(same_bytes(&a, &b), a == b);
            // Equal lengths, differing in at most one place (few values: often equal).
            let mut c = a.clone();
            if let Some(x) = c.get_mut(cut.index(a.len().max(1))) {
                *x ^= 1;
            }
            prop_assert_eq!(same_bytes(&a, &c), a == c);
            prop_assert!(same_bytes(&a, &a.clone()));
        }
    }
}
