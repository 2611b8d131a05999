//! Writing a snapshot: a `PolicySource` becomes the bytes of format v4. Output is a pure
//! function of the source, `created_at` and the merchant key, so the same source
//! compiled at the same time with the same key gives byte-identical files (the demo
//! snapshot test relies on it). The key itself is never written: only its check value.
//!
//! Two ways in: [`write_profile`] from a `PolicySource` in memory (the library, tests),
//! and [`write_private`] from a blocklist hashed while it was read (the compiler, whose
//! lists can hold millions of entries); the first hashes its entries and takes the second.

use super::format::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{CatalogItem, CustomerRecord, IdKind, Policy, PolicySource};
use crate::time::Timestamp;

use super::hashed::HashedBlocklist;
use super::{public, Profile, WriteOptions};

/// Serializes a policy source into snapshot bytes of the private profile.
///
/// Fails (with a diagnostic naming the limit) when the blocklist uses more than 256
/// distinct reason codes, when two customer ids collide in 64-bit hash space, or when a
/// section would exceed 4 GiB.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
pub fn write(source: &PolicySource, options: &WriteOptions) -> Result<Vec<u8>, Diagnostic> {
    write_profile(source, options, Profile::Private)
}

/// `write` for either profile. The public one (docs/snapshot-format.md, "The public
/// profile") holds only `META`, `CATL` and `PBLK`: no reason codes, no customers, no
/// keyed hash and no expired entry.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
pub fn write_profile(
    source: &PolicySource,
    options: &WriteOptions,
    profile: Profile,
) -> Result<Vec<u8>, Diagnostic> {
    match profile {
        Profile::Private => write_private(
            &source.policy,
            HashedBlocklist::from_entries(&options.key, &source.blocklist),
            &source.catalog,
            &source.customers,
            options,
        ),
        Profile::Public => {
            let salt = options.key.public_salt();
            // A public hit carries no reason, so `{reason}` never has a value there; the
            // texts stay out, as the reason codes do (they would tell a page which
            // reasons the list uses).
            let policy = Policy {
                list_reasons: Default::default(),
                ..source.policy.clone()
            };
            let meta = meta_section(&policy)?;
            let (programs, programs_need) = programs_section(&source.policy)?;
            let (catalog, catalog_need) = catalog_section(&source.catalog)?;
            // The public snapshot stores no reason codes, but a source that a private
            // compile refuses is refused here too.
            let mut reasons: Vec<&str> =
                source.blocklist.iter().map(|e| e.reason.as_str()).collect();
            reasons.sort_unstable();
            reasons.dedup();
            check_reason_count(reasons.len())?;
            let sections = vec![
                (TAG_META, SECTION_REQUIRED, meta),
                (TAG_PROGRAMS, SECTION_REQUIRED, programs),
                (TAG_CATALOG, SECTION_REQUIRED, catalog),
                (
                    public::TAG_PUBLIC_BLOCKLIST,
                    SECTION_REQUIRED,
                    public::write::section(source, &salt, options.created_at),
                ),
            ];
            let version = written_version(&source.policy, programs_need.max(catalog_need));
            assemble(&source.policy, version, sections, options, profile)
        }
    }
}

/// The private profile from a blocklist already hashed under `options.key` (the
/// compiler's path: `blocklist.csv` is hashed as it is read, see [`HashedBlocklist`]).
/// `blocklist` is consumed: its rows are sorted where they lie, so writing a list costs
/// its 24-byte rows plus the 12-byte entries written, never a second copy of the rows.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
pub fn write_private(
    policy: &Policy,
    mut blocklist: HashedBlocklist,
    catalog: &[CatalogItem],
    customers: &[CustomerRecord],
    options: &WriteOptions,
) -> Result<Vec<u8>, Diagnostic> {
    let key = options.key.as_bytes();
    let meta = meta_section(policy)?;
    let (programs, programs_need) = programs_section(policy)?;
    let (reasons, rank) = sorted_reasons(std::mem::take(&mut blocklist.reasons))?;
    let list_need = blocklist.needs_version();
    let patterns = (list_need >= PATTERNS_VERSION).then(|| patterns_section(&blocklist));
    let scoped = (!blocklist.scoped.is_empty())
        .then(|| scoped_section(&blocklist, &rank))
        .transpose()?;
    let (catalog, catalog_need) = catalog_section(catalog)?;
    let mut sections = vec![
        (TAG_META, SECTION_REQUIRED, meta),
        (TAG_PROGRAMS, SECTION_REQUIRED, programs),
        (
            TAG_REASONS,
            SECTION_REQUIRED,
            reasons_section(reasons.iter().map(String::as_str)),
        ),
        (
            TAG_BLOCKLIST,
            SECTION_REQUIRED,
            blocklist_section(blocklist, &rank),
        ),
        (TAG_CATALOG, SECTION_REQUIRED, catalog),
        (
            TAG_CUSTOMERS,
            SECTION_REQUIRED,
            customers_section(customers, key)?,
        ),
    ];
    if let Some(body) = patterns {
        sections.push((TAG_PATTERNS, SECTION_REQUIRED, body));
    }
    if let Some(body) = scoped {
        sections.push((TAG_SCOPED, SECTION_REQUIRED, body));
    }
    let version = written_version(policy, programs_need.max(list_need).max(catalog_need));
    assemble(policy, version, sections, options, Profile::Private)
}

#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn meta_section(policy: &Policy) -> Result<Vec<u8>, Diagnostic> {
    serde_json::to_vec(policy).map_err(|e| {
        Diagnostic::error(
            Code::SnapshotWrite,
            format!("cannot serialize the policy: {e}"),
        )
    })
}

/// `PROG`: each rule's checked program (docs/snapshot-format.md, "`PROG`"), so that
/// loading never parses or type-checks rule text. Each program is decoded back with the
/// runtime's validator before it is written: a snapshot the runtime would refuse is
/// never written.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn programs_section(policy: &Policy) -> Result<(Vec<u8>, u16), Diagnostic> {
    let mut encoder = crate::rules::encode::Encoder::default();
    let mut programs = Vec::with_capacity(policy.rules.len());
    for rule in &policy.rules {
        let program = match crate::rules::compile(&rule.when, rule.scope) {
            Ok((program, _warnings)) => program,
            Err(errors) => {
                let first = errors.into_iter().next().unwrap_or_else(|| {
                    Diagnostic::error(Code::SnapshotWrite, "the rule does not compile")
                });
                return Err(first.in_rule(&rule.id));
            }
        };
        programs.push((rule, encoder.program(&program)));
    }
    let names: Vec<&str> = encoder.names.iter().map(String::as_str).collect();
    let mut out = vec![0u8; programs::NAMES];
    put(
        &mut out,
        programs::RULE_COUNT,
        &to_u32(programs.len())?.to_le_bytes(),
    );
    put(
        &mut out,
        programs::NAME_COUNT,
        &to_u32(names.len())?.to_le_bytes(),
    );
    for name in &names {
        out.extend_from_slice(&to_u32(name.len())?.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    for (rule, bytes) in &programs {
        if let Err(why) = crate::rules::decode_program(bytes, &names, rule.scope) {
            return Err(Diagnostic::error(
                Code::SnapshotWrite,
                format!("internal error: the compiled program does not validate: {why}"),
            )
            .in_rule(&rule.id)
            .with_help("please report this rule; it cannot be written to a snapshot"));
        }
        out.extend_from_slice(&to_u32(bytes.len())?.to_le_bytes());
        out.extend_from_slice(bytes);
    }
    Ok((out, encoder.needs_version))
}

/// The distinct reason codes (in the first-seen order of [`HashedBlocklist`]) sorted:
/// the `RSNS` table, and for each first-seen id its rank there, which entries store.
/// Refused beyond [`MAX_REASONS`].
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn sorted_reasons(first_seen: Vec<String>) -> Result<(Vec<String>, Vec<u8>), Diagnostic> {
    check_reason_count(first_seen.len())?;
    let mut order: Vec<(String, usize)> = first_seen.into_iter().zip(0..).collect();
    order.sort_unstable();
    let mut rank = vec![0u8; order.len()];
    for (i, (_, id)) in order.iter().enumerate() {
        if let Some(r) = rank.get_mut(*id) {
            *r = i.min(255) as u8;
        }
    }
    Ok((order.into_iter().map(|(r, _)| r).collect(), rank))
}

#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn check_reason_count(distinct: usize) -> Result<(), Diagnostic> {
    if distinct <= MAX_REASONS {
        return Ok(());
    }
    Err(Diagnostic::error(
        Code::TooManyReasons,
        format!(
            "the blocklist uses {distinct} distinct reason codes; a snapshot holds at most {MAX_REASONS}"
        ),
    )
    .in_file("blocklist.csv")
    .with_help("merge rare reason codes into broader ones (`OTHER`, `FRAUD`…)"))
}

/// Header, section table, sections and checksum: the file around `sections`.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn assemble(
    policy: &Policy,
    version: u16,
    sections: Vec<([u8; 4], u32, Vec<u8>)>,
    options: &WriteOptions,
    profile: Profile,
) -> Result<Vec<u8>, Diagnostic> {
    let (profile_byte, hash_bits) = match profile {
        Profile::Private => (PROFILE_PRIVATE, HASH_BITS_PRIVATE),
        Profile::Public => (PROFILE_PUBLIC, public::HASH_BITS_PUBLIC),
    };

    let merchant = policy.merchant.as_bytes();
    let merchant_len = u16::try_from(merchant.len()).map_err(|_| {
        Diagnostic::error(
            Code::SnapshotWrite,
            "the merchant name is longer than 65535 bytes",
        )
        .in_file("policy.toml")
    })?;
    let header_len = align8(FIXED_HEADER_LEN + merchant.len());
    let table_len = sections.len() * SECTION_ENTRY_LEN;
    let mut offset = align8(header_len + table_len);
    let mut table = vec![0u8; table_len];
    for (i, (tag, flags, body)) in sections.iter().enumerate() {
        let at = i * SECTION_ENTRY_LEN;
        put(&mut table, at + entry::TAG, tag);
        put(&mut table, at + entry::FLAGS, &flags.to_le_bytes());
        put(
            &mut table,
            at + entry::OFFSET,
            &to_u32(offset)?.to_le_bytes(),
        );
        put(
            &mut table,
            at + entry::LEN,
            &to_u32(body.len())?.to_le_bytes(),
        );
        offset = align8(offset + body.len());
    }
    let total = offset + CHECKSUM_LEN;

    // The header, zero-padded to `header_len`: every field at its offset.
    let mut out = Vec::with_capacity(total);
    out.resize(header_len, 0);
    put(&mut out, header::MAGIC, &MAGIC);
    put(&mut out, header::VERSION, &version.to_le_bytes());
    put(
        &mut out,
        header::HEADER_LEN,
        &to_u16(header_len)?.to_le_bytes(),
    );
    put(&mut out, header::PROFILE, &[profile_byte]);
    put(&mut out, header::HASH_SCHEME, &[HASH_SIPHASH24]);
    put(&mut out, header::HASH_BITS, &[hash_bits]);
    put(&mut out, header::FLAGS, &[0]); // unsigned
    put(&mut out, header::KEY_CHECK, &options.key.check_value());
    put(
        &mut out,
        header::CREATED_AT,
        &options.created_at.0.to_le_bytes(),
    );
    let expires = options.created_at.saturating_add(policy.valid_for);
    put(&mut out, header::EXPIRES_AT, &expires.0.to_le_bytes());
    put(
        &mut out,
        header::SECTION_COUNT,
        &to_u32(sections.len())?.to_le_bytes(),
    );
    put(&mut out, header::TOTAL_LEN, &to_u32(total)?.to_le_bytes());
    put(&mut out, header::MERCHANT_LEN, &merchant_len.to_le_bytes());
    put(&mut out, header::MERCHANT, merchant);
    out.extend_from_slice(&table);
    for (_, _, body) in &sections {
        out.resize(align8(out.len()), 0);
        out.extend_from_slice(body);
    }
    out.resize(align8(out.len()), 0);
    let checksum = xxhash_rust::xxh3::xxh3_64(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    Ok(out)
}

/// Copies `bytes` into `buf` at `at`. Every caller sizes `buf` for the fields it puts,
/// from the same constants, so nothing is ever out of range (and nothing panics if it
/// were).
pub(super) fn put(buf: &mut [u8], at: usize, bytes: &[u8]) {
    let dst = at
        .checked_add(bytes.len())
        .and_then(|end| buf.get_mut(at..end));
    debug_assert!(
        dst.is_some(),
        "field at {at} outside a {}-byte buffer",
        buf.len()
    );
    if let Some(dst) = dst {
        dst.copy_from_slice(bytes);
    }
}

fn align8(n: usize) -> usize {
    n.div_ceil(8) * 8
}

#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn to_u32(n: usize) -> Result<u32, Diagnostic> {
    u32::try_from(n).map_err(|_| {
        Diagnostic::error(
            Code::SnapshotTooLarge,
            "the snapshot would be larger than 4 GiB, the limit of the snapshot format",
        )
    })
}

#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn to_u16(n: usize) -> Result<u16, Diagnostic> {
    u16::try_from(n)
        .map_err(|_| Diagnostic::error(Code::SnapshotWrite, "the snapshot header is too large"))
}

fn reasons_section<'a>(reasons: impl ExactSizeIterator<Item = &'a str>) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(reasons.len() as u32).to_le_bytes());
    for r in reasons {
        out.extend_from_slice(&(r.len() as u32).to_le_bytes());
        out.extend_from_slice(r.as_bytes());
    }
    out
}

/// `BLCK`: the rows sorted by key, one per key (docs/snapshot-format.md). `rank` maps a
/// row's reason id to the reason's index in `RSNS` (see [`sorted_reasons`]).
/// `PATN` ([`patterns`]): each pattern kind's rows and length set.
fn patterns_section(list: &HashedBlocklist) -> Vec<u8> {
    let mut out = Vec::with_capacity(patterns::LEN);
    for (rows, lengths) in list.patterns {
        out.extend_from_slice(&rows.to_le_bytes());
        out.extend_from_slice(&lengths.to_le_bytes());
    }
    out
}

/// Expiry to the second, rounded up, so an entry never stops applying early.
fn expiry_seconds(t: Timestamp) -> i64 {
    t.0.div_euclid(1_000_000_000) + i64::from(t.0.rem_euclid(1_000_000_000) != 0)
}

/// The `BLKL`-style key of a hashed row, its reason id mapped to its `RSNS` rank.
fn row_key(r: &super::hashed::HashedRow, rank: &[u8]) -> u64 {
    let reason = usize::try_from(r.reason)
        .ok()
        .and_then(|id| rank.get(id))
        .copied()
        .unwrap_or(0);
    blocklist_key(r.hash, r.level, reason)
}

/// `SCPD` ([`scoped`]): the scopes, then each scoped row as key, expiry and scope
/// index, ascending; rows differing only by expiry are stored once with the latest.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn scoped_section(list: &HashedBlocklist, rank: &[u8]) -> Result<Vec<u8>, Diagnostic> {
    let mut rows: Vec<(u64, u32, i64)> = list
        .scoped
        .iter()
        .map(|s| {
            let expiry = s.row.expiry().map_or(scoped::NEVER, expiry_seconds);
            (row_key(&s.row, rank), s.scope, expiry)
        })
        .collect();
    rows.sort_unstable();
    rows.reverse();
    rows.dedup_by_key(|r| (r.0, r.1));
    rows.reverse();
    let mut out = Vec::new();
    out.extend_from_slice(&to_u32(rows.len())?.to_le_bytes());
    out.extend_from_slice(&to_u32(list.scopes.len())?.to_le_bytes());
    for scope in &list.scopes {
        let by = crate::model::ScopeBy::ALL
            .iter()
            .position(|b| *b == scope.by)
            .unwrap_or(0);
        out.push(by as u8);
        put_str(&mut out, &scope.value)?;
    }
    for (key, scope, expiry) in rows {
        out.extend_from_slice(&key.to_le_bytes());
        out.extend_from_slice(&expiry.to_le_bytes());
        out.extend_from_slice(&scope.to_le_bytes());
    }
    Ok(out)
}

fn blocklist_section(list: HashedBlocklist, rank: &[u8]) -> Vec<u8> {
    let base = list
        .rows
        .iter()
        .filter_map(|r| r.expiry().map(expiry_seconds))
        .min()
        .unwrap_or(0);
    let by_kind = list.by_kind;
    // `(key, expiry)` is 16 bytes and a row 24 with the same alignment, so this collect
    // reuses the rows' allocation instead of holding both.
    let mut rows: Vec<(u64, u32)> = list
        .rows
        .into_iter()
        .map(|r| {
            let key = row_key(&r, rank);
            let expiry = match r.expiry().map(expiry_seconds) {
                None => EXPIRY_NEVER,
                // More than 136 years after the earliest expiry: practically never.
                Some(s) => u32::try_from(s.saturating_sub(base))
                    .ok()
                    .filter(|&rel| rel < EXPIRY_NEVER)
                    .unwrap_or(EXPIRY_NEVER),
            };
            (key, expiry)
        })
        .collect();
    // Rows with the same key (same identifier, level and reason) differ only by expiry;
    // the latest expiry subsumes the others (`EXPIRY_NEVER` is the largest), so keep
    // only it and the keys stay strictly ascending.
    rows.sort_unstable();
    rows.reverse();
    rows.dedup_by_key(|row| row.0);
    rows.reverse();
    let mut out = Vec::with_capacity(BLOCKLIST_HEADER_LEN + rows.len() * BLOCKLIST_ENTRY_LEN);
    out.resize(BLOCKLIST_HEADER_LEN, 0);
    put(
        &mut out,
        blocklist::COUNT,
        &(rows.len() as u32).to_le_bytes(),
    );
    put(&mut out, blocklist::FLAGS, &0u32.to_le_bytes());
    put(&mut out, blocklist::EXPIRY_BASE, &base.to_le_bytes());
    for (i, n) in by_kind.iter().enumerate() {
        put(&mut out, blocklist::KIND_COUNTS + 4 * i, &n.to_le_bytes());
    }
    for (k, _) in &rows {
        out.extend_from_slice(&k.to_le_bytes());
    }
    for (_, x) in &rows {
        out.extend_from_slice(&x.to_le_bytes());
    }
    out
}

#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn put_str(out: &mut Vec<u8>, s: &str) -> Result<(), Diagnostic> {
    out.extend_from_slice(&to_u32(s.len())?.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

/// `CATL` and the format version it needs: 0, or [`LIMITS_VERSION`] when an item has a
/// stock or a `max_per_customer` (then every item carries both, [`CATALOG_FLAG_LIMITS`]);
/// a catalog without them writes the same bytes as before.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn catalog_section(catalog: &[CatalogItem]) -> Result<(Vec<u8>, u16), Diagnostic> {
    let mut items: Vec<_> = catalog.iter().collect();
    items.sort_by(|a, b| a.sku.cmp(&b.sku));
    if let Some(pair) = items
        .windows(2)
        .find(|w| matches!(w, [a, b] if a.sku == b.sku))
    {
        let sku = pair.first().map_or("", |i| i.sku.as_str());
        return Err(
            Diagnostic::error(Code::DuplicateSku, format!("sku `{sku}` is listed twice"))
                .in_file("catalog.csv"),
        );
    }
    let limits = items.iter().any(|i| i.has_limits());
    let flags = if limits { CATALOG_FLAG_LIMITS } else { 0 };
    let mut out = Vec::new();
    out.extend_from_slice(&to_u32(items.len())?.to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    for item in items {
        put_str(&mut out, &item.sku)?;
        put_str(&mut out, &item.name)?;
        put_str(&mut out, &item.category)?;
        out.extend_from_slice(&item.price_minor.to_le_bytes());
        out.extend_from_slice(&item.max_per_order.to_le_bytes());
        out.extend_from_slice(&to_u32(item.tags.len())?.to_le_bytes());
        for t in &item.tags {
            // The reader refuses an empty tag (it bounds the memory a tag list costs).
            if t.is_empty() {
                return Err(Diagnostic::error(
                    Code::SnapshotWrite,
                    format!("sku `{}` has an empty tag", item.sku),
                )
                .in_file("catalog.csv"));
            }
            put_str(&mut out, t)?;
        }
        if limits {
            // A stock of u32::MAX units is stored one lower: the top value means untracked.
            let stock = item
                .stock
                .map_or(STOCK_UNTRACKED, |s| s.min(STOCK_UNTRACKED - 1));
            out.extend_from_slice(&stock.to_le_bytes());
            out.extend_from_slice(&item.max_per_customer.to_le_bytes());
        }
    }
    Ok((out, if limits { LIMITS_VERSION } else { 0 }))
}

fn customer_record(s: &crate::model::CustomerStats) -> [u8; CUSTOMER_RECORD_LEN] {
    let mut r = [0u8; CUSTOMER_RECORD_LEN];
    let created = s.account_created_at.map_or(CREATED_UNKNOWN, |t| t.0);
    put(&mut r, customer::CREATED_AT, &created.to_le_bytes());
    put(&mut r, customer::ORDERS_90D, &s.orders_90d.to_le_bytes());
    put(&mut r, customer::REFUNDS_90D, &s.refunds_90d.to_le_bytes());
    put(
        &mut r,
        customer::CHARGEBACKS_365D,
        &s.chargebacks_365d.to_le_bytes(),
    );
    put(
        &mut r,
        customer::ADDRESSES_90D,
        &s.addresses_90d.to_le_bytes(),
    );
    r
}

#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn customers_section(customers: &[CustomerRecord], key: &[u8; 16]) -> Result<Vec<u8>, Diagnostic> {
    let mut rows: Vec<(u64, &str, [u8; CUSTOMER_RECORD_LEN])> = customers
        .iter()
        .map(|c| {
            (
                id_hash(key, IdKind::CustomerId, &c.customer_id),
                c.customer_id.as_str(),
                customer_record(&c.stats),
            )
        })
        .collect();
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    for pair in rows.windows(2) {
        if let [a, b] = pair {
            if a.0 == b.0 {
                let message = if a.1 == b.1 {
                    format!("customer `{}` is listed twice", a.1)
                } else {
                    format!("customer ids `{}` and `{}` have the same hash", a.1, b.1)
                };
                return Err(Diagnostic::error(Code::DuplicateCustomer, message)
                    .in_file("customers.csv")
                    .with_help("list each customer once (a hash collision is astronomically unlikely; compile with another key)"));
            }
        }
    }
    let mut out = Vec::with_capacity(
        CUSTOMERS_HEADER_LEN + rows.len() * (CUSTOMER_HASH_LEN + CUSTOMER_RECORD_LEN),
    );
    out.extend_from_slice(&to_u32(rows.len())?.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    for (h, _, _) in &rows {
        out.extend_from_slice(&h.to_le_bytes());
    }
    for (_, _, r) in &rows {
        out.extend_from_slice(r);
    }
    Ok(out)
}
