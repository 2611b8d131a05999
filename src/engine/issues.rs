//! Order issues (docs/semantics.md §7): the data-quality and tampering checks a
//! merchant uses to "kick" bad orders, computed before rules run so rules can read
//! them as `order.issues`. `duplicate_recent` comes from [`super::dedup`].

use super::facts::ItemFacts;
use super::order::Order;
use crate::normalize;

/// Every issue name, in the order they appear in `order.issues`.
pub const ISSUE_NAMES: [&str; 8] = [
    MISSING_RECIPIENT,
    INVALID_PHONE,
    INCOMPLETE_ADDRESS,
    UNKNOWN_SKU,
    PRICE_MISMATCH,
    CURRENCY_MISMATCH,
    OVER_MAX_PER_ORDER,
    DUPLICATE_RECENT,
];

/// No shipping, or a blank recipient name.
pub const MISSING_RECIPIENT: &str = "missing_recipient";
/// Shipping phone blank or not a plausible number.
pub const INVALID_PHONE: &str = "invalid_phone";
/// Province, city or line1 blank.
pub const INCOMPLETE_ADDRESS: &str = "incomplete_address";
/// A SKU not in a non-empty catalog.
pub const UNKNOWN_SKU: &str = "unknown_sku";
/// A submitted unit price differs from the catalog by more than 0.005.
pub const PRICE_MISMATCH: &str = "price_mismatch";
/// The order's currency is not the policy's.
pub const CURRENCY_MISMATCH: &str = "currency_mismatch";
/// A SKU's summed quantity is above its `max_per_order`.
pub const OVER_MAX_PER_ORDER: &str = "over_max_per_order";
/// The same customer submitted the same basket within `duplicate_window`.
pub const DUPLICATE_RECENT: &str = "duplicate_recent";

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| normalize::trim(s).is_empty())
}

/// Whether a shipping phone, already normalized to digits, is plausible: 8–15 digits,
/// and a Chinese number (`86…`) must be `86` followed by 11 digits starting with `1`.
/// A blank phone normalizes to no digits, so it is invalid too.
pub fn phone_is_valid(digits: &str) -> bool {
    if !(8..=15).contains(&digits.len()) {
        return false;
    }
    match digits.strip_prefix("86") {
        Some(rest) => rest.len() == 11 && rest.starts_with('1'),
        None => true,
    }
}

/// The issues of `order` except `duplicate_recent`, in [`ISSUE_NAMES`] order.
/// `shipping_phone` is the shipping phone normalized (empty when absent): the engine
/// normalizes it once for the blocklist lookup and the validity check.
pub fn find(
    order: &Order,
    lines: &[ItemFacts<'_>],
    catalog_is_empty: bool,
    currency: &str,
    shipping_phone: &str,
    out: &mut Vec<&'static str>,
) {
    let shipping = order.shipping.as_ref();
    if shipping.is_none_or(|s| blank(&s.name)) {
        out.push(MISSING_RECIPIENT);
    }
    if !phone_is_valid(shipping_phone) {
        out.push(INVALID_PHONE);
    }
    if shipping.is_none_or(|s| blank(&s.province) || blank(&s.city) || blank(&s.line1)) {
        out.push(INCOMPLETE_ADDRESS);
    }
    if !catalog_is_empty && lines.iter().any(|l| !l.known) {
        out.push(UNKNOWN_SKU);
    }
    // For known lines `price` is the catalog price.
    let mismatch = order.items.iter().zip(lines).any(|(line, item)| {
        item.known
            && line
                .unit_price
                .is_some_and(|given| (given - item.price).abs() > 0.005)
    });
    if mismatch {
        out.push(PRICE_MISMATCH);
    }
    if let Some(c) = order.currency.as_deref() {
        if !normalize::trim(c).is_empty() && !normalize::trim(c).eq_ignore_ascii_case(currency) {
            out.push(CURRENCY_MISMATCH);
        }
    }
    if over_max(order, lines) {
        out.push(OVER_MAX_PER_ORDER);
    }
}

/// A SKU's quantities summed over all its lines exceed its `max_per_order` (> 0).
fn over_max(order: &Order, lines: &[ItemFacts<'_>]) -> bool {
    order
        .items
        .iter()
        .zip(lines)
        .enumerate()
        .any(|(i, (line, info))| {
            if info.max_per_order == 0 {
                return false;
            }
            let first = order.items.iter().position(|l| l.sku == line.sku) == Some(i);
            let max = u64::try_from(info.max_per_order).unwrap_or(0);
            first && {
                let total: u64 = order
                    .items
                    .iter()
                    .filter(|l| l.sku == line.sku)
                    .map(|l| l.quantity)
                    .sum();
                total > max
            }
        })
}
