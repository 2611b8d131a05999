//! Case references: the `{case}` a customer quotes to support (docs/semantics.md §9.5,
//! docs/SECURITY.md "Case references").
//!
//! A reference names an order, not a person: it is a 40-bit SipHash-2-4 of the
//! merchant's name and the order's id — or, for an order without one, its `created_at`
//! and basket (SKU and quantity per line) — written as eight Crockford base32 digits,
//! `7KQ2-M9XD`. It reads nothing else of the order (no customer, contact, address or
//! payment field) and nothing of the snapshot's lists, so it is the same whatever the
//! list holds and says nothing about other customers. It is not a secret and proves
//! nothing: anyone with an order's id can compute it. Support finds the order with
//! `checkout-guard case REF ORDERS…`, which computes the reference of every order of a
//! log and prints those that match.

use crate::engine::Order;
use siphasher::sip::SipHasher24;
use std::hash::Hasher;

/// Crockford's base32 digits (no I, L, O, U).
const DIGITS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Fixed SipHash key: domain separation from every other hash of checkout-guard, not a
/// secret.
const KEY: [u8; 16] = *b"ckguard-case-v1\0";
/// Bits kept: a log of a million orders matches a given reference by chance about once
/// in a million lookups.
const BITS: u32 = 40;

/// The case reference of `order` at `merchant`, e.g. `7KQ2-M9XD`.
pub fn case_ref(merchant: &str, order: &Order) -> String {
    let code = digest(merchant, order);
    let mut out = String::with_capacity(9);
    for i in 0..8u32 {
        if i == 4 {
            out.push('-');
        }
        let digit = (code >> (BITS - 5 * (i + 1))) & 31;
        let c = usize::try_from(digit)
            .ok()
            .and_then(|d| DIGITS.get(d))
            .copied()
            .unwrap_or(b'0');
        out.push(char::from(c));
    }
    out
}

/// The 40-bit value of a reference as a customer may type it: any case, with or without
/// `-` and spaces, `O` for `0` and `I`/`L` for `1`. `None` when it is not eight digits.
pub fn parse(text: &str) -> Option<u64> {
    let mut value = 0u64;
    let mut count = 0;
    for c in text.chars().filter(|c| *c != '-' && !c.is_whitespace()) {
        let c = match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        let digit = DIGITS.iter().position(|&d| char::from(d) == c)?;
        value = (value << 5) | u64::try_from(digit).ok()?;
        count += 1;
    }
    (count == 8).then_some(value)
}

/// Whether `order` at `merchant` has the reference whose value is `code` ([`parse`]).
pub fn matches(code: u64, merchant: &str, order: &Order) -> bool {
    digest(merchant, order) == code
}

fn digest(merchant: &str, order: &Order) -> u64 {
    let mut h = SipHasher24::new_with_key(&KEY);
    // Length-prefixed fields, so no two inputs write the same bytes.
    let mut field = |bytes: &[u8]| {
        h.write_u64(bytes.len() as u64);
        h.write(bytes);
    };
    field(merchant.as_bytes());
    match order.order_id.as_deref() {
        Some(id) => {
            field(b"order_id");
            field(id.as_bytes());
        }
        None => {
            field(b"basket");
            let created = order.created_at.map(|t| t.to_rfc3339()).unwrap_or_default();
            field(created.as_bytes());
            for line in &order.items {
                field(line.sku.as_bytes());
                field(&line.quantity.to_le_bytes());
            }
        }
    }
    h.finish() >> (64 - BITS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(json: &str) -> Order {
        Order::from_json(json).unwrap()
    }

    #[test]
    fn reads_the_order_id_and_nothing_personal() {
        let a = order(r#"{"order_id":"A-1","customer":{"email":"a@b.cn"},"items":[]}"#);
        let b = order(
            r#"{"order_id":"A-1","customer":{"email":"z@y.cn","phone":"13800138000"},"items":[{"sku":"X","quantity":1}]}"#,
        );
        let c = order(r#"{"order_id":"A-2","items":[]}"#);
        assert_eq!(case_ref("shop", &a), case_ref("shop", &b));
        assert_ne!(case_ref("shop", &a), case_ref("shop", &c));
        assert_ne!(case_ref("shop", &a), case_ref("other", &a));
    }

    #[test]
    fn without_an_id_the_basket_and_time_name_the_order() {
        let a = order(
            r#"{"created_at":"2026-11-25T10:00:00Z","customer":{"email":"a@b.cn"},"items":[{"sku":"X","quantity":1}]}"#,
        );
        let b =
            order(r#"{"created_at":"2026-11-25T10:00:00Z","items":[{"sku":"X","quantity":1}]}"#);
        let c =
            order(r#"{"created_at":"2026-11-25T10:00:00Z","items":[{"sku":"X","quantity":2}]}"#);
        assert_eq!(case_ref("shop", &a), case_ref("shop", &b));
        assert_ne!(case_ref("shop", &a), case_ref("shop", &c));
    }

    #[test]
    fn a_typed_reference_parses_back() {
        let o = order(r#"{"order_id":"DS-1","items":[]}"#);
        let r = case_ref("demo-store", &o);
        assert_eq!(r.len(), 9);
        assert_eq!(r.as_bytes()[4], b'-');
        let code = parse(&r).unwrap();
        assert!(matches(code, "demo-store", &o));
        let typed = r
            .to_ascii_lowercase()
            .replace('-', " ")
            .replace('0', "o")
            .replace('1', "l");
        assert_eq!(parse(&typed), Some(code));
        assert_eq!(parse("ABC"), None);
        assert_eq!(parse("ABCD-EFGU"), None);
    }
}
