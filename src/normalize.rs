//! Normalization of identifiers before matching and hashing (PRODUCT §2): the same
//! function runs on blocklist values at compile time and on order fields at check
//! time, so `+86 138-0013-8000` and `13800138000` meet.
//!
//! STUB — the source/snapshot helper replaces this file.

use crate::model::IdKind;

/// Normalizes `raw` as an identifier of `kind`; an empty result means "absent".
pub fn identifier(kind: IdKind, raw: &str, default_country_code: &str) -> String {
    let _ = (kind, default_country_code);
    raw.trim().to_string()
}

/// The order's address identifier: `province+city+district+line1`, normalized.
pub fn order_address(province: &str, city: &str, district: &str, line1: &str) -> String {
    identifier(
        IdKind::Address,
        &format!("{province}{city}{district}{line1}"),
        "",
    )
}
