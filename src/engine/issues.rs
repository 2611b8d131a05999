//! Order issues (docs/semantics.md §7): the data-quality and tampering checks a
//! merchant uses to "kick" bad orders, computed before rules run so rules can read
//! them as `order.issues`. `duplicate_recent` comes from [`super::dedup`], and what
//! `over_customer_limit` counts from [`super::limits`].

use super::order::Order;
use crate::model::Issue;
use crate::normalize;
use crate::rules::facts::ItemFacts;

/// Absent, empty or only whitespace. Decided by the first byte when it cannot begin
/// whitespace (the usual case, Chinese address parts included, whose trim would decode
/// and classify both ends; decoding and classifying the first character cost ~40
/// instructions a field).
fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|s| match s.as_bytes().first() {
        Some(&first) if !may_begin_whitespace(first) => false,
        _ => normalize::trim(s).is_empty(),
    })
}

/// Whether a UTF-8 character beginning with byte `b` may be whitespace: ASCII
/// whitespace, or the lead byte of U+0085 and U+00A0 (`C2`), U+1680 (`E1`), U+2000–U+205F
/// (`E2`) or U+3000 (`E3`), the only other Unicode whitespace.
fn may_begin_whitespace(b: u8) -> bool {
    b.is_ascii_whitespace() || b == 0x0B || matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3)
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

/// The issues of `order` except `duplicate_recent`, in [`Issue::ALL`] order.
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
        out.push(Issue::MissingRecipient.as_str());
    }
    if !phone_is_valid(shipping_phone) {
        out.push(Issue::InvalidPhone.as_str());
    }
    if shipping.is_none_or(|s| blank(&s.province) || blank(&s.city) || blank(&s.line1)) {
        out.push(Issue::IncompleteAddress.as_str());
    }
    if !catalog_is_empty && lines.iter().any(|l| !l.known) {
        out.push(Issue::UnknownSku.as_str());
    }
    // For known lines `price` is the catalog price.
    let mismatch = order.items.iter().zip(lines).any(|(line, item)| {
        item.known
            && line
                .unit_price
                .is_some_and(|given| (given - item.price).abs() > 0.005)
    });
    if mismatch {
        out.push(Issue::PriceMismatch.as_str());
    }
    if let Some(c) = order.currency.as_deref() {
        if !normalize::trim(c).is_empty() && !normalize::trim(c).eq_ignore_ascii_case(currency) {
            out.push(Issue::CurrencyMismatch.as_str());
        }
    }
    if over_max(lines) {
        out.push(Issue::OverMaxPerOrder.as_str());
    }
}

/// `out_of_stock` and `over_customer_limit`, which follow `duplicate_recent` in
/// [`Issue::ALL`]: a SKU's quantities summed over all its lines exceed its tracked
/// `stock`, or its `max_per_customer` (> 0) less what the customer was allowed within
/// the `purchase_window` (docs/semantics.md, "Stock" and "Purchase limits").
pub fn find_limits(lines: &[ItemFacts<'_>], out: &mut Vec<&'static str>) {
    if lines
        .iter()
        .any(|l| l.stock >= 0 && l.sku_quantity > l.stock)
    {
        out.push(Issue::OutOfStock.as_str());
    }
    let over = |l: &ItemFacts<'_>| {
        l.max_per_customer > 0
            && l.bought_in_window.saturating_add(l.sku_quantity) > l.max_per_customer
    };
    if lines.iter().any(over) {
        out.push(Issue::OverCustomerLimit.as_str());
    }
}

/// A SKU's quantities summed over all its lines exceed its `max_per_order` (> 0).
fn over_max(lines: &[ItemFacts<'_>]) -> bool {
    lines
        .iter()
        .any(|l| l.max_per_order > 0 && l.sku_quantity > l.max_per_order)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_whitespace_character_begins_with_a_byte_that_may_begin_whitespace() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            let text = c.to_string();
            assert_eq!(
                blank(&Some(text.clone())),
                text.trim().is_empty(),
                "U+{:04X}",
                u32::from(c)
            );
            if c.is_whitespace() {
                assert!(
                    may_begin_whitespace(text.as_bytes()[0]),
                    "U+{:04X}",
                    u32::from(c)
                );
            }
        }
    }

    #[test]
    fn blank_is_absent_empty_or_only_whitespace_of_any_script() {
        let b = |s: Option<&str>| blank(&s.map(str::to_string));
        for yes in [
            None,
            Some(""),
            Some("   "),
            Some("\t\n"),
            Some("\u{3000}"),
            Some(" \u{3000} "),
        ] {
            assert!(b(yes), "{yes:?}");
        }
        for no in [
            Some("a"),
            Some(" a "),
            Some("浙江省"),
            Some("\u{3000}杭州"),
            Some("\u{200B}"),
        ] {
            assert!(!b(no), "{no:?}");
        }
    }
}
