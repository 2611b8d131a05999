//! Writing a snapshot: a `PolicySource` becomes the bytes of format v2. Output is a pure
//! function of the source, `created_at` and the merchant key, so the same source
//! compiled at the same time with the same key gives byte-identical files (the demo
//! snapshot test relies on it). The key itself is never written: only its check value.

use super::format::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::{BlockEntry, IdKind, PolicySource};

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

/// [`write`] for either profile. The public one (docs/snapshot-format.md, "The public
/// profile") holds only `META`, `CATL` and `PBLK`: no reason codes, no customers, no
/// keyed hash and no expired entry.
#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
pub fn write_profile(
    source: &PolicySource,
    options: &WriteOptions,
    profile: Profile,
) -> Result<Vec<u8>, Diagnostic> {
    let meta = serde_json::to_vec(&source.policy).map_err(|e| {
        Diagnostic::error(
            Code::SnapshotWrite,
            format!("cannot serialize the policy: {e}"),
        )
    })?;
    let key = options.key.as_bytes();

    let reasons: Vec<&str> = {
        let mut r: Vec<&str> = source.blocklist.iter().map(|e| e.reason.as_str()).collect();
        r.sort_unstable();
        r.dedup();
        r
    };
    if reasons.len() > MAX_REASONS {
        return Err(Diagnostic::error(
            Code::TooManyReasons,
            format!(
                "the blocklist uses {} distinct reason codes; a snapshot holds at most {MAX_REASONS}",
                reasons.len()
            ),
        )
        .in_file("blocklist.csv")
        .with_help("merge rare reason codes into broader ones (`OTHER`, `FRAUD`…)"));
    }

    let sections: Vec<([u8; 4], u32, Vec<u8>)> = if profile == Profile::Public {
        let salt = options.key.public_salt();
        vec![
            (TAG_META, SECTION_REQUIRED, meta),
            (TAG_CATALOG, SECTION_REQUIRED, catalog_section(source)?),
            (
                public::TAG_PUBLIC_BLOCKLIST,
                SECTION_REQUIRED,
                public::write::section(source, &salt, options.created_at),
            ),
        ]
    } else {
        vec![
            (TAG_META, SECTION_REQUIRED, meta),
            (TAG_REASONS, SECTION_REQUIRED, reasons_section(&reasons)),
            (
                TAG_BLOCKLIST,
                SECTION_REQUIRED,
                blocklist_section(&source.blocklist, &reasons, key),
            ),
            (TAG_CATALOG, SECTION_REQUIRED, catalog_section(source)?),
            (
                TAG_CUSTOMERS,
                SECTION_REQUIRED,
                customers_section(source, key)?,
            ),
        ]
    };
    let (profile_byte, hash_bits) = match profile {
        Profile::Private => (PROFILE_PRIVATE, HASH_BITS_PRIVATE),
        Profile::Public => (PROFILE_PUBLIC, public::HASH_BITS_PUBLIC),
    };

    let merchant = source.policy.merchant.as_bytes();
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
    put(
        &mut out,
        header::VERSION,
        &version_for(&source.policy).to_le_bytes(),
    );
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
    let expires = options.created_at.saturating_add(source.policy.valid_for);
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

fn reasons_section(reasons: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(reasons.len() as u32).to_le_bytes());
    for r in reasons {
        out.extend_from_slice(&(r.len() as u32).to_le_bytes());
        out.extend_from_slice(r.as_bytes());
    }
    out
}

fn blocklist_section(entries: &[BlockEntry], reasons: &[&str], key: &[u8; 16]) -> Vec<u8> {
    // Expiry to the second, rounded up, so an entry never stops applying early.
    let expiry_seconds = |e: &BlockEntry| {
        e.expires_at
            .map(|t| t.0.div_euclid(1_000_000_000) + i64::from(t.0.rem_euclid(1_000_000_000) != 0))
    };
    let base = entries.iter().filter_map(expiry_seconds).min().unwrap_or(0);
    let mut rows: Vec<(u64, u32)> = Vec::with_capacity(entries.len());
    let mut by_kind = [0u32; blocklist::KIND_SLOTS];
    for e in entries {
        let reason = reasons
            .binary_search(&e.reason.as_str())
            .map_or(0, |i| i.min(255) as u8);
        let hash = id_hash(key, e.kind, &e.value);
        let expiry = match expiry_seconds(e) {
            None => EXPIRY_NEVER,
            // More than 136 years after the earliest expiry: practically never.
            Some(s) => u32::try_from(s.saturating_sub(base))
                .ok()
                .filter(|&rel| rel < EXPIRY_NEVER)
                .unwrap_or(EXPIRY_NEVER),
        };
        rows.push((blocklist_key(hash, e.level, reason), expiry));
        if let Some(n) = by_kind.get_mut(usize::from(e.kind.code())) {
            *n = n.saturating_add(1);
        }
    }
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

#[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
fn catalog_section(source: &PolicySource) -> Result<Vec<u8>, Diagnostic> {
    let mut items: Vec<_> = source.catalog.iter().collect();
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
    let mut out = Vec::new();
    out.extend_from_slice(&to_u32(items.len())?.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
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
    }
    Ok(out)
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
fn customers_section(source: &PolicySource, key: &[u8; 16]) -> Result<Vec<u8>, Diagnostic> {
    let mut rows: Vec<(u64, &str, [u8; CUSTOMER_RECORD_LEN])> = source
        .customers
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
