//! The path-reporting walker over a `serde_json::Value` that read orders before
//! `read.rs` (issue 10), kept only as the specification the new reader is tested
//! against: both must give the same order, or the same error, for every text
//! (`tests` in `order/mod.rs`, and the fuzz target `order_json`, which includes this
//! file). Not part of any shipped build.

use super::{
    Customer, Line, Order, OrderError, Shipping, Timestamp, MAX_JSON_BYTES, MAX_LINES,
    MAX_QUANTITY, MAX_STRING, MAX_UNIT_PRICE, MAX_VERIFIED,
};
use serde_json::{Map, Value};

fn at(path: &str, message: impl Into<String>) -> OrderError {
    OrderError {
        path: path.to_string(),
        message: message.into(),
    }
}

/// What `Order::from_json` answered before issue 10, natively and in wasm alike.
pub fn from_json(text: &str) -> Result<Order, OrderError> {
    if text.len() > MAX_JSON_BYTES {
        return Err(at(
            "",
            format!(
                "document is {} bytes; the limit is {MAX_JSON_BYTES}",
                text.len()
            ),
        ));
    }
    let value: Value =
        serde_json::from_str(text).map_err(|e| at("", format!("invalid JSON: {e}")))?;
    from_value(&value)
}

/// Reads an order from a parsed JSON value.
pub fn from_value(value: &Value) -> Result<Order, OrderError> {
    let root = value
        .as_object()
        .ok_or_else(|| at("", format!("expected an object, found {}", kind(value))))?;
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
        None | Some(Value::Null) => return Err(at("items", "required: a list of order lines")),
        Some(Value::Array(a)) => a,
        Some(other) => {
            return Err(at(
                "items",
                format!("expected a list of order lines, found {}", kind(other)),
            ))
        }
    };
    if items.len() > MAX_LINES {
        return Err(at(
            "items",
            format!("{} lines; the limit is {MAX_LINES}", items.len()),
        ));
    }
    let mut lines = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("items[{i}]");
        let obj = item
            .as_object()
            .ok_or_else(|| at(&path, format!("expected an object, found {}", kind(item))))?;
        let sku = string(obj, &path, "sku")?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| at(&format!("{path}.sku"), "required: a non-empty string"))?;
        let quantity = match obj.get("quantity") {
            Some(Value::Number(n)) => n.as_u64().filter(|q| (1..=MAX_QUANTITY).contains(q)),
            _ => None,
        }
        .ok_or_else(|| {
            at(
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
                        at(
                            &format!("{path}.unit_price"),
                            "expected a price between 0 and 1e9",
                        )
                    })?,
            ),
            Some(other) => {
                return Err(at(
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
            return Err(at(
                "verified",
                format!("expected a list of method names, found {}", kind(other)),
            ))
        }
    };
    if list.len() > MAX_VERIFIED {
        return Err(at(
            "verified",
            format!("{} entries; the limit is {MAX_VERIFIED}", list.len()),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::String(s) if s.len() <= MAX_STRING => Ok(s.clone()),
            _ => Err(at(
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
        Some(Value::String(s)) => Err(at(
            &join(parent, key),
            format!("{} bytes; the limit is {MAX_STRING}", s.len()),
        )),
        Some(other) => Err(at(
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
            .map_err(|e| at(&join(parent, key), e.0)),
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
        Some(other) => Err(at(
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
