//! The fast path for reading an order from JSON text: deserialize straight into typed
//! fields (no `serde_json::Value` tree, one allocation per string) and apply the same
//! limits as the path-reporting reader in `order/mod.rs`, whose types it fills.
//!
//! It only ever answers "here is the order" or "not sure": on any problem (a wrong type,
//! a missing field, a limit, a bad timestamp) it returns `None` and the caller re-reads
//! the text with the path-reporting reader, so every error message still comes from one
//! place. A property test checks both readers agree on every order this one accepts.

use super::{
    Customer, Line, Order, Shipping, MAX_LINES, MAX_QUANTITY, MAX_STRING, MAX_UNIT_PRICE,
    MAX_VERIFIED,
};
use crate::time::Timestamp;
use serde::Deserialize;

#[derive(Deserialize)]
struct RawOrder {
    order_id: Option<String>,
    created_at: Option<String>,
    currency: Option<String>,
    channel: Option<String>,
    customer: Option<RawCustomer>,
    shipping: Option<RawShipping>,
    items: Vec<RawLine>,
    verified: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawCustomer {
    id: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    device_id: Option<String>,
    payment_fingerprint: Option<String>,
    ip: Option<String>,
    account_created_at: Option<String>,
}

#[derive(Deserialize)]
struct RawShipping {
    name: Option<String>,
    phone: Option<String>,
    province: Option<String>,
    city: Option<String>,
    district: Option<String>,
    line1: Option<String>,
}

#[derive(Deserialize)]
struct RawLine {
    sku: Option<String>,
    quantity: u64,
    unit_price: Option<f64>,
}

/// `Some(s)` when `s` is within the string limit (`None` in, `None` out).
fn text(s: Option<String>) -> Option<Option<String>> {
    match s {
        Some(s) if s.len() > MAX_STRING => None,
        other => Some(other),
    }
}

fn time(s: Option<String>) -> Option<Option<Timestamp>> {
    match text(s)? {
        None => Some(None),
        Some(s) => Timestamp::parse_rfc3339(&s).ok().map(Some),
    }
}

/// Deepest nesting of arrays and objects the careful reader's `serde_json::Value`
/// parse accepts: its recursion limit of 128 admits 127 levels, the root included.
const MAX_DEPTH: usize = 127;

/// Longest run of digits a JSON number can have and still fit an `f64` whatever its
/// exponent (above ~309 digits an integer overflows).
const MAX_DIGITS: usize = 300;

/// Whether `json` holds something serde skips in an unknown field without the checks the
/// careful reader's `serde_json::Value` parse makes, so only that reader may judge it
/// (both found by `fuzz/` target `order_json`): arrays and objects nested deeper than
/// [`MAX_DEPTH`], or a number that may be out of `f64` range (one with an exponent, or
/// over [`MAX_DIGITS`] digits: `"x": 78e636` is refused by the careful reader and was
/// skipped by this one). Orders rarely hold such numbers; those take the careful path.
/// Only well-formed JSON matters here (anything else fails to parse anyway), so a scan
/// that skips strings is exact.
fn needs_careful_reader(json: &str) -> bool {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut digits = 0usize;
    let mut prev = 0u8;
    for &b in json.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        digits = if b.is_ascii_digit() { digits + 1 } else { 0 };
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return true;
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b'e' | b'E' if prev.is_ascii_digit() || prev == b'.' => return true,
            _ if digits > MAX_DIGITS => return true,
            _ => {}
        }
        prev = b;
    }
    false
}

/// The order, when `json` is a well-formed order within every limit; `None` otherwise.
pub(super) fn read(json: &str) -> Option<Order> {
    if needs_careful_reader(json) {
        return None;
    }
    let raw: RawOrder = serde_json::from_str(json).ok()?;
    if raw.items.len() > MAX_LINES {
        return None;
    }
    let mut items = Vec::with_capacity(raw.items.len());
    for line in raw.items {
        let sku = text(line.sku)?.filter(|s| !s.trim().is_empty())?;
        if !(1..=MAX_QUANTITY).contains(&line.quantity) {
            return None;
        }
        if let Some(p) = line.unit_price {
            if !(p.is_finite() && (0.0..=MAX_UNIT_PRICE).contains(&p)) {
                return None;
            }
        }
        items.push(Line {
            sku,
            quantity: line.quantity,
            unit_price: line.unit_price,
        });
    }
    let verified = raw.verified.unwrap_or_default();
    if verified.len() > MAX_VERIFIED || verified.iter().any(|v| v.len() > MAX_STRING) {
        return None;
    }
    let customer = match raw.customer {
        None => Customer::default(),
        Some(c) => Customer {
            id: text(c.id)?,
            email: text(c.email)?,
            phone: text(c.phone)?,
            device_id: text(c.device_id)?,
            payment_fingerprint: text(c.payment_fingerprint)?,
            ip: text(c.ip)?,
            account_created_at: time(c.account_created_at)?,
        },
    };
    let shipping = match raw.shipping {
        None => None,
        Some(s) => Some(Shipping {
            name: text(s.name)?,
            phone: text(s.phone)?,
            province: text(s.province)?,
            city: text(s.city)?,
            district: text(s.district)?,
            line1: text(s.line1)?,
        }),
    };
    Some(Order {
        order_id: text(raw.order_id)?,
        created_at: time(raw.created_at)?,
        currency: text(raw.currency)?,
        channel: text(raw.channel)?,
        customer,
        shipping,
        items,
        verified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// Both readers: the fast one must never accept what the careful one refuses, and
    /// must read the same order when it accepts.
    fn agree(text: &str) -> Result<(), TestCaseError> {
        let careful = serde_json::from_str::<Value>(text)
            .ok()
            .map(|v| Order::from_value(&v));
        match (read(text), careful) {
            (Some(fast), Some(Ok(slow))) => prop_assert_eq!(fast, slow),
            (Some(fast), other) => {
                prop_assert!(false, "fast accepted {fast:?}, careful said {other:?}")
            }
            (None, _) => {}
        }
        Ok(())
    }

    fn field() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-3i64..3_000_000).prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            Just(json!("2026-11-25T10:00:00Z")),
            Just(json!("yesterday")),
            ".{0,6}".prop_map(Value::String),
            Just(json!([])),
            Just(json!({})),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn the_fast_reader_agrees_with_the_careful_one(
            order_id in field(), created_at in field(), customer_id in field(),
            email in field(), ship_name in field(), sku in field(), quantity in field(),
            price in field(), verified in field(), drop_items in any::<bool>(),
            shipping_null in any::<bool>(),
        ) {
            let mut o = json!({
                "order_id": order_id, "created_at": created_at,
                "customer": {"id": customer_id, "email": email, "account_created_at": created_at},
                "shipping": if shipping_null { Value::Null } else { json!({"name": ship_name, "phone": "13800138000"}) },
                "items": [{"sku": "TEA-001", "quantity": 2}, {"sku": sku, "quantity": quantity, "unit_price": price}],
                "verified": verified,
                "unknown": {"nested": [1, 2]},
            });
            if drop_items {
                o.as_object_mut().map(|m| m.remove("items"));
            }
            agree(&o.to_string())?;
        }

        #[test]
        fn arbitrary_text_never_disagrees(text in ".{0,80}") {
            agree(&text)?;
        }
    }

    #[test]
    fn reads_the_contract_example_like_the_careful_reader() {
        let text = r#"{"order_id":"A-1001","created_at":"2026-11-22T10:00:00Z","currency":"CNY","channel":"web",
            "customer":{"id":"C-1","email":"a@b.cn","phone":"13800138000","device_id":"d-1",
              "payment_fingerprint":"pf_1","ip":"203.0.113.7","account_created_at":"2025-01-01T00:00:00Z"},
            "shipping":{"name":"张三","phone":"13800138000","province":"浙江省","city":"杭州市",
              "district":"西湖区","line1":"文三路123号"},
            "items":[{"sku":"TEA-001","quantity":2,"unit_price":168.0}],"verified":["sms_otp"]}"#;
        let fast = read(text).expect("a well-formed order takes the fast path");
        let slow = Order::from_value(&serde_json::from_str(text).unwrap()).unwrap();
        assert_eq!(fast, slow);
        assert!(read(r#"{"items":[{"sku":"A","quantity":0}]}"#).is_none());
        assert!(read(r#"{"items":[{"sku":" ","quantity":1}]}"#).is_none());
    }

    /// An order whose unknown field nests `levels` arrays (the root object is one more).
    fn nested_unknown(levels: usize) -> String {
        format!(
            r#"{{"items":[{{"sku":"A","quantity":1}}],"x":{}1{},"s":"[[{{\"]"}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    }

    #[test]
    fn refuses_nesting_the_careful_reader_refuses() {
        // Regression (fuzz/regressions/order_json): a 127-deep unknown field was read
        // by the fast path although the careful reader refuses it.
        let deep = nested_unknown(MAX_DEPTH);
        assert!(read(&deep).is_none());
        assert!(Order::from_json(&deep).is_err());
        agree(&deep).unwrap();
        // One level less is within both limits; brackets inside strings do not count.
        let ok = nested_unknown(MAX_DEPTH - 1);
        assert!(read(&ok).is_some());
        agree(&ok).unwrap();
        assert!(Order::from_json(&ok).is_ok());
    }

    #[test]
    fn leaves_numbers_that_may_overflow_to_the_careful_reader() {
        // Regression (fuzz/regressions/order_json): serde skipped `78e636` in an unknown
        // field; the careful reader refuses it as out of range.
        let huge = r#"{"items":[{"sku":"A","quantity":1}],"x":78e636}"#;
        assert!(read(huge).is_none());
        assert!(Order::from_json(huge).is_err());
        agree(huge).unwrap();
        let long = format!(
            r#"{{"items":[{{"sku":"A","quantity":1}}],"x":1{}}}"#,
            "0".repeat(400)
        );
        assert!(read(&long).is_none());
        agree(&long).unwrap();
        // An exponent in range still reads (by the careful path), and `true`/`false`
        // are no exponents.
        let price = r#"{"items":[{"sku":"A","quantity":1,"unit_price":1.5e2}],"f":false,"t":true}"#;
        assert!(read(price).is_none());
        assert_eq!(
            Order::from_json(price).unwrap().items[0].unit_price,
            Some(150.0)
        );
        assert!(read(r#"{"items":[{"sku":"A","quantity":1}],"f":false,"t":true}"#).is_some());
    }
}
