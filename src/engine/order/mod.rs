//! The order as a checkout submits it (docs/semantics.md §5), read from JSON text
//! straight into these types (`read.rs`, over the crate's own JSON reader) so that every
//! problem is reported with its JSON path (`items[2].quantity: expected a positive
//! integer`) and a bad order never becomes a silent `allow`. The same reader runs
//! natively and in WebAssembly.
//!
//! Unknown fields are ignored; `null` reads as absent; a key written twice counts with
//! its last value. Sizes are bounded so a hostile order cannot make the engine do
//! unbounded work.

#[cfg(test)]
mod differential;
#[cfg(test)]
mod oracle;
mod packed;
mod read;

use crate::time::Timestamp;
use serde::Serialize;
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
        read::document(text)
            .map_err(|e| OrderError::at("", format!("invalid JSON: {e}")))?
            .order()
    }

    /// Reads an order from its packed form (`packed.rs`), as the JS package's order
    /// writer makes it: `None` when `bytes` are not that form, else what
    /// [`Order::from_json`] gives for the JSON text of the same fields.
    pub fn from_packed(bytes: &[u8]) -> Option<Result<Order, OrderError>> {
        let mut raw = read::Raw::default();
        packed::read(bytes, &mut raw)?;
        Some(raw.order())
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
        // Every error of a line names the line (its path is written only on error).
        assert_eq!(
            err(r#"{"items":[{"sku":"a","quantity":1},7]}"#),
            "items[1]: expected an object, found a number"
        );
        assert_eq!(
            err(r#"{"items":[{"sku":"a","quantity":1},{"sku":5,"quantity":1}]}"#),
            "items[1].sku: expected a string, found a number"
        );
        assert_eq!(
            err(r#"{"items":[{"sku":"a","quantity":1,"unit_price":-1}]}"#),
            "items[0].unit_price: expected a price between 0 and 1e9"
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

    #[test]
    fn a_key_written_twice_counts_with_its_last_value() {
        // As JSON.parse reads it, so an origin sees the order the engine checked
        // (docs/SECURITY.md, "Crafted input"); keys compare after unescaping.
        let o = Order::from_json(
            r#"{"items":[{"sku":"A","quantity":1}],"items":[],
                "customer":{"id":"C-1"},"customer":{"email":"a@b.cn"},"order_\u0069d":"X"}"#,
        )
        .unwrap();
        assert!(o.items.is_empty());
        assert_eq!(o.customer.id, None);
        assert_eq!(o.customer.email.as_deref(), Some("a@b.cn"));
        assert_eq!(o.order_id.as_deref(), Some("X"));
        assert_eq!(
            err(r#"{"items":[{"sku":"A","quantity":1,"quantity":0}]}"#),
            "items[0].quantity: expected a positive integer up to 1000000"
        );
    }

    #[test]
    fn invalid_json_wins_and_says_where() {
        // The bad quantity comes first in the text, but the document is not JSON.
        assert_eq!(
            err("{\"items\":[{\"sku\":\"A\",\"quantity\":0}],\n\"x\":[1,]}"),
            "order: invalid JSON: trailing comma at line 2 column 8"
        );
        assert_eq!(
            err(r#"{"items":[],"x":"\ud800"}"#),
            "order: invalid JSON: unexpected end of hex escape at line 1 column 24"
        );
    }
}
