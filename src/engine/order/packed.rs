//! The packed order: an order's fields as `src/wasm/order.js` writes them from a JS
//! object straight into WebAssembly memory, read into the same [`Raw`] the JSON reader
//! makes, so one judge (`Raw::order`) gives every path and message whichever way an order
//! came in (docs/ARCHITECTURE.md, "The order's way in").
//!
//! The writer sends only what `JSON.stringify` would write as the same fields: strings
//! (well-formed UTF-16, so valid UTF-8 here), finite numbers as their value (the text
//! `JSON.stringify` writes is the shortest that reads back as that same value, so the
//! judge reads the value the JSON reader would, `-0` as `0`), absent values, and objects
//! and lists it found to be plain data. Anything else it declines, and the order goes
//! the JSON way. The form, all integers little-endian:
//!
//! ```text
//! order    := value{4}            order_id, created_at, currency, channel
//!             object(7)           customer: id, email, phone, device_id,
//!                                   payment_fingerprint, ip, account_created_at
//!             object(6)           shipping: name, phone, province, city, district, line1
//!             u32 n  value{3}{n}  items: sku, quantity, unit_price per line
//!             0 | 1 u32 n  value{n}   verified (absent, or n strings)
//! object(k):= 0 | 1 value{k}      absent, or present with its k fields
//! value    := 0                   absent (or null)
//!           | 1 u32 len utf8      a string
//!           | 2 f64               a finite number
//! ```
//!
//! Bytes that do not follow it read as `None` (never a panic): the caller then reads the
//! order as JSON, the reference way.

use super::read::{Fields, Got, List, Obj, Raw, CUSTOMER, LINE, SHIPPING, TOP};
use super::{MAX_LINES, MAX_VERIFIED};
use std::borrow::Cow;

/// A cursor over packed bytes.
struct Packed<'a> {
    bytes: &'a [u8],
}

impl<'a> Packed<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.bytes.split_at_checked(n)?;
        self.bytes = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        Some(*self.take(1)?.first()?)
    }

    fn count(&mut self) -> Option<usize> {
        let bytes: [u8; 4] = self.take(4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    }

    fn text(&mut self) -> Option<&'a str> {
        let len = self.count()?;
        std::str::from_utf8(self.take(len)?).ok()
    }

    /// A field's value, `None` inside when absent.
    fn value(&mut self) -> Option<Option<Got<'a>>> {
        Some(match self.byte()? {
            0 => None,
            1 => Some(Got::Str(Cow::Borrowed(self.text()?))),
            2 => {
                let value = f64::from_le_bytes(self.take(8)?.try_into().ok()?);
                // `JSON.stringify(-0)` is `0`; NaN and infinities are never sent.
                Some(Got::Float(value.is_finite().then_some(value + 0.0)?))
            }
            _ => return None,
        })
    }

    /// Reads `keys.len()` values into `fields`, in place: `Fields` is seven values (~112
    /// bytes in wasm), and each move of one is a `memory.copy`, a call out of the module
    /// in V8.
    fn fields(&mut self, keys: &[&str], fields: &mut Fields<'a>) -> Option<()> {
        for slot in fields.iter_mut().take(keys.len()) {
            *slot = self.value()?;
        }
        Some(())
    }

    fn object(&mut self, keys: &[&str], object: &mut Option<Obj<Fields<'a>>>) -> Option<()> {
        match self.byte()? {
            0 => *object = None,
            1 => {
                if let Obj::Is(fields) = object.insert(Obj::Is(Fields::default())) {
                    self.fields(keys, fields)?;
                }
            }
            _ => return None,
        }
        Some(())
    }

    // Loops rather than `collect::<Option<Vec<_>>>()`: each such collect is a generic
    // adapter of its own in the wasm.
    fn items(&mut self) -> Option<List<Obj<Fields<'a>>>> {
        let len = self.count()?;
        if len > MAX_LINES {
            return None;
        }
        let mut entries = Vec::with_capacity(len);
        for _ in 0..len {
            entries.push(Obj::Is(Fields::default()));
            if let Some(Obj::Is(fields)) = entries.last_mut() {
                self.fields(&LINE, fields)?;
            }
        }
        Some(List::Is { len, entries })
    }

    fn verified(&mut self) -> Option<Option<List<Got<'a>>>> {
        if self.byte()? == 0 {
            return Some(None);
        }
        let len = self.count()?;
        if len > MAX_VERIFIED {
            return None;
        }
        let mut entries = Vec::with_capacity(len);
        for _ in 0..len {
            match self.value()? {
                Some(got @ Got::Str(_)) => entries.push(got),
                _ => return None,
            }
        }
        Some(Some(List::Is { len, entries }))
    }
}

/// The fields of a packed order (step 1 of the JSON reader, the other way in), read into
/// `raw` (a `Raw::default()`) in place, for the reason [`Packed::fields`] gives.
pub(super) fn read<'a>(bytes: &'a [u8], raw: &mut Raw<'a>) -> Option<()> {
    let mut r = Packed { bytes };
    r.fields(&TOP, &mut raw.top)?;
    r.object(&CUSTOMER, &mut raw.customer)?;
    r.object(&SHIPPING, &mut raw.shipping)?;
    raw.items = Some(r.items()?);
    raw.verified = r.verified()?;
    r.bytes.is_empty().then_some(())
}

#[cfg(test)]
mod tests {
    use super::super::Order;

    fn text(tag: u8, s: &str) -> Vec<u8> {
        let mut out = vec![tag];
        out.extend((s.len() as u32).to_le_bytes());
        out.extend(s.as_bytes());
        out
    }

    fn number(x: f64) -> Vec<u8> {
        let mut out = vec![2];
        out.extend(x.to_le_bytes());
        out
    }

    /// `{"currency":"CNY","customer":{"email":"a@b.cn"},"items":[{"sku":"é","quantity":2,
    /// "unit_price":1.5}],"verified":["sms"]}`, packed as `src/wasm/order.js` writes it
    /// (`tests/node/order-writer.test.mjs` holds the writer to the same form).
    fn packed() -> Vec<u8> {
        let mut b = vec![0, 0];
        b.extend(text(1, "CNY"));
        b.push(0);
        b.extend([1, 0]);
        b.extend(text(1, "a@b.cn"));
        b.extend([0; 5]);
        b.push(0);
        b.extend(1u32.to_le_bytes());
        b.extend(text(1, "é"));
        b.extend(number(2.0));
        b.extend(number(1.5));
        b.extend([1, 1, 0, 0, 0]);
        b.extend(text(1, "sms"));
        b
    }

    #[test]
    fn reads_what_the_json_reader_reads() {
        let json = r#"{"currency":"CNY","customer":{"email":"a@b.cn"},
            "items":[{"sku":"é","quantity":2,"unit_price":1.5}],"verified":["sms"]}"#;
        assert_eq!(Order::from_packed(&packed()), Some(Order::from_json(json)));
    }

    /// `-0` reads as `0`, as `JSON.stringify(-0)` is `0`.
    #[test]
    fn negative_zero_reads_as_zero() {
        let mut b = packed();
        let at = b.windows(9).position(|w| w == number(1.5)).unwrap();
        b.splice(at..at + 9, number(-0.0));
        let order = Order::from_packed(&b).unwrap().unwrap();
        let price = order.items[0].unit_price.unwrap();
        assert!(price == 0.0 && price.is_sign_positive());
    }

    #[test]
    fn the_judge_s_errors_come_through() {
        let mut b = packed();
        let at = b.windows(9).position(|w| w == number(2.0)).unwrap();
        b.splice(at..at + 9, number(0.0));
        assert_eq!(
            Order::from_packed(&b).unwrap().unwrap_err().to_string(),
            "items[0].quantity: expected a positive integer up to 1000000"
        );
    }

    #[test]
    fn anything_else_is_not_an_order() {
        let b = packed();
        for end in 0..b.len() {
            assert_eq!(Order::from_packed(&b[..end]), None, "cut at {end}");
        }
        let mut longer = b.clone();
        longer.push(0);
        assert_eq!(Order::from_packed(&longer), None);
        for (at, byte) in [(0, 3), (2, 9)] {
            let mut bad = b.clone();
            bad[at] = byte;
            assert_eq!(Order::from_packed(&bad), None, "tag {byte} at {at}");
        }
        // A number that is not JSON's (the writer sends NaN and infinities as absent), and
        // text that is not UTF-8.
        let at = b.windows(9).position(|w| w == number(1.5)).unwrap();
        for x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut bad = b.clone();
            bad.splice(at..at + 9, number(x));
            assert_eq!(Order::from_packed(&bad), None, "{x}");
        }
        let mut bad = b.clone();
        bad[7] = 0xff; // the `C` of `CNY`
        assert_eq!(&b[7..10], b"CNY");
        assert_eq!(Order::from_packed(&bad), None);
    }
}
