//! Order JSON text → [`Order`], in two steps, with no `serde_json::Value` between:
//!
//! 1. [`crate::json::Reader`] reads the whole document once, keeping the fields an
//!    order has as they were written (a borrowed string, a number's text, or just the
//!    kind of a value of the wrong type) and skipping the rest. Nothing is judged yet:
//!    an invalid document is refused as invalid JSON whatever else is wrong with it.
//! 2. [`Raw::order`] judges the fields in a fixed order — the one docs/semantics.md §5
//!    lists them in — so a bad order is refused for its first problem in that order,
//!    wherever it stands in the text, with its path and message.
//!
//! A key written twice counts once, with its last value, as `JSON.parse` does: an origin
//! that parses the same body then sees the same order the engine checked
//! (docs/SECURITY.md, "Crafted input").

use super::{
    Customer, Line, Order, OrderError, Shipping, MAX_LINES, MAX_QUANTITY, MAX_STRING,
    MAX_UNIT_PRICE, MAX_VERIFIED,
};
use crate::json::{self, Kind, Reader};
use crate::time::Timestamp;
use std::borrow::Cow;

/// A field as written: `None` when absent or `null`.
pub(super) enum Got<'a> {
    Str(Cow<'a, str>),
    Num(&'a str),
    /// A number the packed way in sent as its value: finite, never `-0` (what the JSON
    /// reader reads from the text `JSON.stringify` writes for it).
    Float(f64),
    /// Any other value (in a list, `null` too), by its kind only.
    Other(Kind),
}

impl Got<'_> {
    fn kind(&self) -> Kind {
        match self {
            Got::Str(_) => Kind::String,
            Got::Num(_) | Got::Float(_) => Kind::Number,
            Got::Other(k) => *k,
        }
    }

    /// A number's value, either way in.
    fn number(&self) -> Option<f64> {
        match self {
            Got::Num(text) => json::as_f64(text),
            Got::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// A number that is a whole `u64`, either way in (`as_u64` of the text
    /// `JSON.stringify` writes for a value is that value when it is whole and in range).
    fn integer(&self) -> Option<u64> {
        match self {
            Got::Num(text) => json::as_u64(text),
            // Whole and below 2^64: the cast is exact.
            Got::Float(x)
                if x.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(x) =>
            {
                Some(*x as u64)
            }
            _ => None,
        }
    }
}

/// The scalar fields of one object (the order's top level, `customer`, `shipping` or a
/// line), in the order of its key list; one type for all four keeps the wasm small.
pub(super) type Fields<'a> = [Option<Got<'a>>; 7];

/// An object an order field should be, or the kind it was instead.
pub(super) enum Obj<T> {
    Is(T),
    Not(Kind),
}

/// A list an order field should be: its length and its first `keep` entries (no more
/// are needed once it is over its limit), or the kind it was instead.
pub(super) enum List<T> {
    Is { len: usize, entries: Vec<T> },
    Not(Kind),
}

pub(super) const CUSTOMER: [&str; 7] = [
    "id",
    "email",
    "phone",
    "device_id",
    "payment_fingerprint",
    "ip",
    "account_created_at",
];
pub(super) const SHIPPING: [&str; 6] = ["name", "phone", "province", "city", "district", "line1"];
pub(super) const LINE: [&str; 3] = ["sku", "quantity", "unit_price"];
pub(super) const TOP: [&str; 4] = ["order_id", "created_at", "currency", "channel"];

/// The fields of an order document as written.
#[derive(Default)]
pub(super) struct Raw<'a> {
    /// Not an object: what the document was instead.
    not_object: Option<Kind>,
    pub(super) top: Fields<'a>,
    pub(super) customer: Option<Obj<Fields<'a>>>,
    pub(super) shipping: Option<Obj<Fields<'a>>>,
    pub(super) items: Option<List<Obj<Fields<'a>>>>,
    pub(super) verified: Option<List<Got<'a>>>,
}

/// Reads the whole of `text` (step 1).
pub(super) fn document(text: &str) -> json::Result<Raw<'_>> {
    let mut r = Reader::new(text);
    let mut raw = Raw::default();
    match r.peek_value()? {
        Kind::Object => {
            let mut map = r.begin_object()?;
            while let Some(key) = r.next_key(&mut map)? {
                match &*key {
                    "customer" => raw.customer = object_field(&mut r, &CUSTOMER)?,
                    "shipping" => raw.shipping = object_field(&mut r, &SHIPPING)?,
                    "items" => raw.items = list(&mut r, MAX_LINES, |r| object(r, &LINE))?,
                    "verified" => raw.verified = list(&mut r, MAX_VERIFIED, element)?,
                    key => match slot(&mut raw.top, &TOP, key) {
                        Some(slot) => *slot = field(&mut r)?,
                        None => r.skip()?,
                    },
                }
            }
        }
        kind => {
            r.skip()?;
            raw.not_object = Some(kind);
        }
    }
    r.end()?;
    Ok(raw)
}

/// The slot of `key` among `keys`, if it is one.
fn slot<'s, 'a>(
    slots: &'s mut Fields<'a>,
    keys: &[&str],
    key: &str,
) -> Option<&'s mut Option<Got<'a>>> {
    let i = keys.iter().position(|k| *k == key)?;
    slots.get_mut(i)
}

/// A value in a list: `null` is a value of the wrong kind there.
fn element<'a>(r: &mut Reader<'a>) -> json::Result<Got<'a>> {
    Ok(match r.peek_value()? {
        Kind::String => Got::Str(r.string()?),
        Kind::Number => Got::Num(r.number()?),
        kind => {
            r.skip()?;
            Got::Other(kind)
        }
    })
}

/// A field's value: `null` reads as absent.
fn field<'a>(r: &mut Reader<'a>) -> json::Result<Option<Got<'a>>> {
    Ok(match element(r)? {
        Got::Other(Kind::Null) => None,
        got => Some(got),
    })
}

/// An object of scalar fields named `keys` (anything else in it is skipped).
fn object<'a>(r: &mut Reader<'a>, keys: &[&str]) -> json::Result<Obj<Fields<'a>>> {
    let kind = r.peek_value()?;
    if kind != Kind::Object {
        r.skip()?;
        return Ok(Obj::Not(kind));
    }
    let mut slots = Fields::default();
    let mut map = r.begin_object()?;
    while let Some(key) = r.next_key(&mut map)? {
        match slot(&mut slots, keys, &key) {
            Some(slot) => *slot = field(r)?,
            None => r.skip()?,
        }
    }
    Ok(Obj::Is(slots))
}

/// [`object`] as a field: `null` reads as absent.
fn object_field<'a>(r: &mut Reader<'a>, keys: &[&str]) -> json::Result<Option<Obj<Fields<'a>>>> {
    Ok(match object(r, keys)? {
        Obj::Not(Kind::Null) => None,
        obj => Some(obj),
    })
}

/// A list field whose first `keep` entries are read by `entry` (the rest only checked
/// and counted); `null` reads as absent.
fn list<'a, T>(
    r: &mut Reader<'a>,
    keep: usize,
    mut entry: impl FnMut(&mut Reader<'a>) -> json::Result<T>,
) -> json::Result<Option<List<T>>> {
    let kind = r.peek_value()?;
    if kind != Kind::Array {
        r.skip()?;
        return Ok((kind != Kind::Null).then_some(List::Not(kind)));
    }
    let mut entries = Vec::new();
    let mut len = 0;
    let mut array = r.begin_array()?;
    while r.next_element(&mut array)? {
        len += 1;
        if len > keep {
            r.skip()?;
        } else {
            entries.push(entry(r)?);
        }
    }
    Ok(Some(List::Is { len, entries }))
}

/// An error at `items[i].key` (`items[i]` for an empty `key`): the path is written only
/// when a line has an error, never for a well-formed order.
fn line_error(i: usize, key: &str, message: impl Into<String>) -> OrderError {
    let path = if key.is_empty() {
        format!("items[{i}]")
    } else {
        format!("items[{i}].{key}")
    };
    OrderError::at(&path, message)
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// A string field within [`MAX_STRING`].
fn string(got: &Option<Got>, parent: &str, key: &str) -> Result<Option<String>, OrderError> {
    match got {
        None => Ok(None),
        Some(Got::Str(s)) if s.len() <= MAX_STRING => Ok(Some(s.to_string())),
        Some(Got::Str(s)) => Err(OrderError::at(
            &join(parent, key),
            format!("{} bytes; the limit is {MAX_STRING}", s.len()),
        )),
        Some(other) => Err(OrderError::at(
            &join(parent, key),
            format!("expected a string, found {}", other.kind().noun()),
        )),
    }
}

/// The string fields named `keys`, judged in that order, the one at `time_at` as an
/// RFC 3339 timestamp. One loop for every object keeps the wasm small.
fn strings(
    fields: &Fields,
    parent: &str,
    keys: &[&str],
    time_at: usize,
) -> Result<([Option<String>; 7], Option<Timestamp>), OrderError> {
    let mut out: [Option<String>; 7] = Default::default();
    let mut time = None;
    for (i, ((got, key), slot)) in fields.iter().zip(keys).zip(&mut out).enumerate() {
        let text = string(got, parent, key)?;
        if i != time_at {
            *slot = text;
        } else if let Some(text) = text {
            time = Some(
                Timestamp::parse_rfc3339(&text)
                    .map_err(|e| OrderError::at(&join(parent, key), e.0))?,
            );
        }
    }
    Ok((out, time))
}

/// The fields of an object field, `None` when absent.
fn fields<'r, 'a>(
    obj: &'r Option<Obj<Fields<'a>>>,
    key: &str,
) -> Result<Option<&'r Fields<'a>>, OrderError> {
    match obj {
        None => Ok(None),
        Some(Obj::Is(fields)) => Ok(Some(fields)),
        Some(Obj::Not(kind)) => Err(OrderError::at(
            key,
            format!("expected an object, found {}", kind.noun()),
        )),
    }
}

impl Raw<'_> {
    /// Judges the fields (step 2).
    pub(super) fn order(&self) -> Result<Order, OrderError> {
        if let Some(kind) = self.not_object {
            return Err(OrderError::at(
                "",
                format!("expected an object, found {}", kind.noun()),
            ));
        }
        let ([order_id, _, currency, channel, ..], created_at) = strings(&self.top, "", &TOP, 1)?;
        let mut order = Order {
            order_id,
            created_at,
            currency,
            channel,
            ..Order::default()
        };
        if let Some(fields) = fields(&self.customer, "customer")? {
            let ([id, email, phone, device_id, payment_fingerprint, ip, _], account_created_at) =
                strings(fields, "customer", &CUSTOMER, 6)?;
            order.customer = Customer {
                id,
                email,
                phone,
                device_id,
                payment_fingerprint,
                ip,
                account_created_at,
            };
        }
        if let Some(fields) = fields(&self.shipping, "shipping")? {
            let ([name, phone, province, city, district, line1, _], _) =
                strings(fields, "shipping", &SHIPPING, usize::MAX)?;
            order.shipping = Some(Shipping {
                name,
                phone,
                province,
                city,
                district,
                line1,
            });
        }
        order.items = self.items()?;
        order.verified = self.verified()?;
        Ok(order)
    }

    fn items(&self) -> Result<Vec<Line>, OrderError> {
        let (len, entries) = match &self.items {
            None => return Err(OrderError::at("items", "required: a list of order lines")),
            Some(List::Is { len, entries }) => (*len, entries),
            Some(List::Not(kind)) => {
                return Err(OrderError::at(
                    "items",
                    format!("expected a list of order lines, found {}", kind.noun()),
                ))
            }
        };
        if len > MAX_LINES {
            return Err(OrderError::at(
                "items",
                format!("{len} lines; the limit is {MAX_LINES}"),
            ));
        }
        let mut lines = Vec::with_capacity(len);
        for (i, entry) in entries.iter().enumerate() {
            let [sku, quantity, unit_price, ..] = match entry {
                Obj::Is(fields) => fields,
                Obj::Not(kind) => {
                    return Err(line_error(
                        i,
                        "",
                        format!("expected an object, found {}", kind.noun()),
                    ))
                }
            };
            let sku = string(sku, "", "sku")
                .map_err(|e| line_error(i, "sku", e.message))?
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| line_error(i, "sku", "required: a non-empty string"))?;
            let quantity = match quantity {
                Some(got) => got.integer().filter(|q| (1..=MAX_QUANTITY).contains(q)),
                None => None,
            }
            .ok_or_else(|| {
                line_error(
                    i,
                    "quantity",
                    format!("expected a positive integer up to {MAX_QUANTITY}"),
                )
            })?;
            let unit_price = match unit_price {
                None => None,
                Some(number @ (Got::Num(_) | Got::Float(_))) => Some(
                    number
                        .number()
                        .filter(|p| p.is_finite() && (0.0..=MAX_UNIT_PRICE).contains(p))
                        .ok_or_else(|| {
                            line_error(i, "unit_price", "expected a price between 0 and 1e9")
                        })?,
                ),
                Some(other) => {
                    return Err(line_error(
                        i,
                        "unit_price",
                        format!("expected a number, found {}", other.kind().noun()),
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

    fn verified(&self) -> Result<Vec<String>, OrderError> {
        let (len, entries) = match &self.verified {
            None => return Ok(Vec::new()),
            Some(List::Is { len, entries }) => (*len, entries),
            Some(List::Not(kind)) => {
                return Err(OrderError::at(
                    "verified",
                    format!("expected a list of method names, found {}", kind.noun()),
                ))
            }
        };
        if len > MAX_VERIFIED {
            return Err(OrderError::at(
                "verified",
                format!("{len} entries; the limit is {MAX_VERIFIED}"),
            ));
        }
        entries
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Got::Str(s) if s.len() <= MAX_STRING => Ok(s.to_string()),
                _ => Err(OrderError::at(
                    &format!("verified[{i}]"),
                    "expected a method name (a short string)",
                )),
            })
            .collect()
    }
}
