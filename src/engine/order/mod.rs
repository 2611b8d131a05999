//! The order as a checkout submits it (docs/semantics.md §5), read from JSON by an
//! explicit walker so that every problem is reported with its JSON path
//! (`items[2].quantity: expected a positive integer`) — serde's derive would stop at
//! the first error without a path, and a bad order must never become a silent `allow`.
//!
//! Unknown fields are ignored; `null` reads as absent. Sizes are bounded so a hostile
//! order cannot make the engine do unbounded work.
//!
//! Natively, [`Order::from_json`] first tries the typed reader in `fast.rs`, which fills
//! these types within these limits; this module uses nothing of it but its `read`.

#[cfg(not(target_arch = "wasm32"))]
mod fast;

use crate::time::Timestamp;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

/// Most lines an order may have.
pub const MAX_LINES: usize = 1_000;
/// Largest quantity of one line.
pub const MAX_QUANTITY: u64 = 1_000_000;
/// Largest unit price, in major units.
pub const MAX_UNIT_PRICE: f64 = 1.0e9;
/// Longest string field, in bytes.
pub const MAX_STRING: usize = 2_048;
/// Most entries in `verified`.
pub const MAX_VERIFIED: usize = 32;
/// Largest order document accepted by [`Order::from_json`], in bytes.
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// A bad order: where (a JSON path, empty for the whole document) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrderError {
    /// JSON path such as `items[2].quantity`; empty for the document itself.
    pub path: String,
    /// What is wrong, lowercase.
    pub message: String,
}

impl OrderError {
    fn at(path: &str, message: impl Into<String>) -> OrderError {
        OrderError {
            path: path.to_string(),
            message: message.into(),
        }
    }
}

impl fmt::Display for OrderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "order: {}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for OrderError {}

/// `order.customer`: identifiers and account age as submitted.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Customer {
    /// Merchant's customer id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number, any format.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Device fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device_id: Option<String>,
    /// Payment instrument fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_fingerprint: Option<String>,
    /// Client IP address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// Account creation time, used when `customers.csv` does not know the customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_created_at: Option<Timestamp>,
}

/// `order.shipping`: the recipient.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Shipping {
    /// Recipient name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Recipient phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Province (省).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// City (市).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// District (区).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// Street address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line1: Option<String>,
}

/// One order line.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Line {
    /// Stock-keeping unit.
    pub sku: String,
    /// Positive quantity.
    pub quantity: u64,
    /// Submitted unit price in major units, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_price: Option<f64>,
}

/// An order, validated: every field but `items` is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Order {
    /// The checkout's order id (a re-check of the same id is never a duplicate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// When the client says it was created (read by rules as `order.created_at`, used
    /// as `now` only by backtests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    /// ISO 4217 currency code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Sales channel (`web`, `app`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The customer.
    pub customer: Customer,
    /// The recipient; `None` when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Shipping>,
    /// The lines.
    pub items: Vec<Line>,
    /// Verification methods already completed (`sms_otp`…).
    pub verified: Vec<String>,
}

impl Order {
    /// Parses an order from JSON text.
    pub fn from_json(text: &str) -> Result<Order, OrderError> {
        if text.len() > MAX_JSON_BYTES {
            return Err(OrderError::at(
                "",
                format!(
                    "document is {} bytes; the limit is {MAX_JSON_BYTES}",
                    text.len()
                ),
            ));
        }
        // Natively, well-formed orders take a typed fast path; in wasm its serde code
        // would cost ~9 KB gzip, more than the size budget allows (docs/BENCHMARKS.md).
        #[cfg(not(target_arch = "wasm32"))]
        if let Some(order) = fast::read(text) {
            return Ok(order);
        }
        // Something is off (or unusual): the careful reader finds what, with its path.
        let value: Value = serde_json::from_str(text)
            .map_err(|e| OrderError::at("", format!("invalid JSON: {e}")))?;
        Order::from_value(&value)
    }

    /// Reads an order from a parsed JSON value.
    pub fn from_value(value: &Value) -> Result<Order, OrderError> {
        let root = value.as_object().ok_or_else(|| {
            OrderError::at("", format!("expected an object, found {}", kind(value)))
        })?;
        let mut order = Order {
            order_id: string(root, "", "order_id")?,
            created_at: timestamp(root, "", "created_at")?,
            currency: string(root, "", "currency")?,
            channel: string(root, "", "channel")?,
            ..Order::default()
        };
        if let Some(customer) = object(root, "", "customer")? {
            order.customer = read_customer(customer)?;
        }
        if let Some(shipping) = object(root, "", "shipping")? {
            order.shipping = Some(read_shipping(shipping)?);
        }
        order.items = read_items(root)?;
        order.verified = read_verified(root)?;
        Ok(order)
    }
}

fn read_customer(c: &Map<String, Value>) -> Result<Customer, OrderError> {
    const P: &str = "customer";
    Ok(Customer {
        id: string(c, P, "id")?,
        email: string(c, P, "email")?,
        phone: string(c, P, "phone")?,
        device_id: string(c, P, "device_id")?,
        payment_fingerprint: string(c, P, "payment_fingerprint")?,
        ip: string(c, P, "ip")?,
        account_created_at: timestamp(c, P, "account_created_at")?,
    })
}

fn read_shipping(s: &Map<String, Value>) -> Result<Shipping, OrderError> {
    const P: &str = "shipping";
    Ok(Shipping {
        name: string(s, P, "name")?,
        phone: string(s, P, "phone")?,
        province: string(s, P, "province")?,
        city: string(s, P, "city")?,
        district: string(s, P, "district")?,
        line1: string(s, P, "line1")?,
    })
}

fn read_items(root: &Map<String, Value>) -> Result<Vec<Line>, OrderError> {
    let items = match root.get("items") {
        None | Some(Value::Null) => {
            return Err(OrderError::at("items", "required: a list of order lines"))
        }
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(OrderError::at(
                "items",
                format!("expected a list of order lines, found {}", kind(other)),
            ))
        }
    };
    if items.len() > MAX_LINES {
        return Err(OrderError::at(
            "items",
            format!("{} lines; the limit is {MAX_LINES}", items.len()),
        ));
    }
    let mut lines = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("items[{i}]");
        let obj = item.as_object().ok_or_else(|| {
            OrderError::at(&path, format!("expected an object, found {}", kind(item)))
        })?;
        let sku = string(obj, &path, "sku")?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                OrderError::at(&format!("{path}.sku"), "required: a non-empty string")
            })?;
        let quantity = match obj.get("quantity") {
            Some(Value::Number(n)) => n.as_u64().filter(|q| (1..=MAX_QUANTITY).contains(q)),
            _ => None,
        }
        .ok_or_else(|| {
            OrderError::at(
                &format!("{path}.quantity"),
                format!("expected a positive integer up to {MAX_QUANTITY}"),
            )
        })?;
        let unit_price = match obj.get("unit_price") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(
                n.as_f64()
                    .filter(|p| p.is_finite() && (0.0..=MAX_UNIT_PRICE).contains(p))
                    .ok_or_else(|| {
                        OrderError::at(
                            &format!("{path}.unit_price"),
                            "expected a price between 0 and 1e9",
                        )
                    })?,
            ),
            Some(other) => {
                return Err(OrderError::at(
                    &format!("{path}.unit_price"),
                    format!("expected a number, found {}", kind(other)),
                ))
            }
        };
        lines.push(Line {
            sku,
            quantity,
            unit_price,
        });
    }
    Ok(lines)
}

fn read_verified(root: &Map<String, Value>) -> Result<Vec<String>, OrderError> {
    let list = match root.get("verified") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(OrderError::at(
                "verified",
                format!("expected a list of method names, found {}", kind(other)),
            ))
        }
    };
    if list.len() > MAX_VERIFIED {
        return Err(OrderError::at(
            "verified",
            format!("{} entries; the limit is {MAX_VERIFIED}", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) if s.len() <= MAX_STRING => Ok(s.clone()),
            _ => Err(OrderError::at(
                &format!("verified[{i}]"),
                "expected a method name (a short string)",
            )),
        })
        .collect()
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

fn string(obj: &Map<String, Value>, parent: &str, key: &str) -> Result<Option<String>, OrderError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.len() <= MAX_STRING => Ok(Some(s.clone())),
        Some(Value::String(s)) => Err(OrderError::at(
            &join(parent, key),
            format!("{} bytes; the limit is {MAX_STRING}", s.len()),
        )),
        Some(other) => Err(OrderError::at(
            &join(parent, key),
            format!("expected a string, found {}", kind(other)),
        )),
    }
}

fn timestamp(
    obj: &Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<Option<Timestamp>, OrderError> {
    match string(obj, parent, key)? {
        None => Ok(None),
        Some(s) => Timestamp::parse_rfc3339(&s)
            .map(Some)
            .map_err(|e| OrderError::at(&join(parent, key), e.0)),
    }
}

fn object<'v>(
    obj: &'v Map<String, Value>,
    parent: &str,
    key: &str,
) -> Result<Option<&'v Map<String, Value>>, OrderError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(OrderError::at(
            &join(parent, key),
            format!("expected an object, found {}", kind(other)),
        )),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        Order::from_json(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_the_contract_example() {
        let o = Order::from_json(
            r#"{"order_id":"A-1001","created_at":"2026-11-22T10:00:00Z","currency":"CNY","channel":"web",
            "customer":{"id":"C-1","email":"a@b.cn","phone":"13800138000","device_id":"d-1",
              "payment_fingerprint":"pf_1","ip":"203.0.113.7","account_created_at":"2025-01-01T00:00:00Z"},
            "shipping":{"name":"张三","phone":"13800138000","province":"浙江省","city":"杭州市",
              "district":"西湖区","line1":"文三路123号"},
            "items":[{"sku":"TEA-001","quantity":2,"unit_price":168.0}],
            "verified":["sms_otp"],"extra":{"ignored":true}}"#,
        )
        .unwrap();
        assert_eq!(o.order_id.as_deref(), Some("A-1001"));
        assert_eq!(o.customer.email.as_deref(), Some("a@b.cn"));
        assert_eq!(o.shipping.unwrap().city.as_deref(), Some("杭州市"));
        assert_eq!(o.items[0].quantity, 2);
        assert_eq!(o.items[0].unit_price, Some(168.0));
        assert_eq!(o.verified, vec!["sms_otp"]);
    }

    #[test]
    fn every_bad_input_names_its_path() {
        assert_eq!(err("[]"), "order: expected an object, found a list");
        assert_eq!(err("{}"), "items: required: a list of order lines");
        assert_eq!(
            err(r#"{"items":"x"}"#),
            "items: expected a list of order lines, found a string"
        );
        assert_eq!(
            err(
                r#"{"items":[{"sku":"a","quantity":1},{"sku":"b","quantity":1},{"sku":"c","quantity":-1}]}"#
            ),
            "items[2].quantity: expected a positive integer up to 1000000"
        );
        assert_eq!(
            err(r#"{"items":[{"sku":"a","quantity":1.5}]}"#),
            "items[0].quantity: expected a positive integer up to 1000000"
        );
        assert_eq!(
            err(r#"{"items":[{"sku":"a","quantity":0}]}"#),
            "items[0].quantity: expected a positive integer up to 1000000"
        );
        assert_eq!(
            err(r#"{"items":[{"quantity":1}]}"#),
            "items[0].sku: required: a non-empty string"
        );
        assert_eq!(
            err(r#"{"items":[],"customer":{"email":5}}"#),
            "customer.email: expected a string, found a number"
        );
        assert_eq!(
            err(r#"{"items":[{"sku":"a","quantity":1,"unit_price":"9"}]}"#),
            "items[0].unit_price: expected a number, found a string"
        );
        assert!(
            err(r#"{"items":[],"created_at":"yesterday"}"#).starts_with("created_at: `yesterday`")
        );
        assert_eq!(
            err(r#"{"items":[],"verified":[1]}"#),
            "verified[0]: expected a method name (a short string)"
        );
        assert!(err("{").starts_with("order: invalid JSON"));
        let many = format!(
            r#"{{"items":[{}]}}"#,
            vec![r#"{"sku":"a","quantity":1}"#; 1001].join(",")
        );
        assert_eq!(err(&many), "items: 1001 lines; the limit is 1000");
    }

    #[test]
    fn null_reads_as_absent() {
        let o = Order::from_json(r#"{"items":[],"shipping":null,"customer":{"id":null}}"#).unwrap();
        assert!(o.shipping.is_none());
        assert!(o.customer.id.is_none());
    }
}
