//! The order's fast way in from JavaScript: `order.js` (shipped beside the glue) writes
//! an order's fields into a buffer in this module's memory, and [`Order::from_packed`]
//! reads them: no `JSON.stringify`, no text crossing, no JSON parse. When the writer
//! declines (anything but plain data, docs/ARCHITECTURE.md "The order's way in") the
//! caller reads the order as JSON text, the reference way; both ways give the same order
//! or the same error (`tests/wasm.rs`). The common options (`now` in milliseconds,
//! `duplicate`, `locale`) come in the same buffer, ahead of the order.

use crate::engine::{CheckOptions, Order, OrderError};
use crate::time::Timestamp;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/order.js")]
extern "C" {
    /// Bytes written, or `DECLINE` (-1) or `TOO_SMALL` (-2); a getter that throws is an
    /// `Err`, and the JSON way then reports it.
    #[wasm_bindgen(js_name = encodeOrder, catch)]
    fn encode_order(order: &JsValue, options: &JsValue, buffer: &mut [u8]) -> Result<i32, JsValue>;
}

const TOO_SMALL: i32 = -2;
/// The first buffer: a few lines' order takes a few hundred bytes.
const FIRST: usize = 4 << 10;
/// The largest buffer: more than an order within the JSON reader's 1 MiB needs.
const LARGEST: usize = 4 << 20;

thread_local! {
    /// The buffer the writer fills, kept between calls.
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What came packed: the options when they did (else the caller reads them from the JS
/// value, first), and the order.
pub(super) type Packed = (Option<CheckOptions>, Result<Order, OrderError>);

/// `order` (and `options`) read the packed way, or `None` when the caller must read the
/// order as JSON.
pub(super) fn read(order: &JsValue, options: &JsValue) -> Option<Packed> {
    BUFFER.with(|buffer| {
        // Busy only if a getter of this order checks another one: that one goes as JSON.
        let mut buffer = buffer.try_borrow_mut().ok()?;
        let mut size = buffer.len().max(FIRST);
        loop {
            buffer.resize(size, 0);
            match encode_order(order, options, &mut buffer).ok()? {
                TOO_SMALL if size < LARGEST => size *= 4,
                written => {
                    let bytes = buffer.get(..usize::try_from(written).ok()?)?;
                    let (options, order) = packed_options(bytes)?;
                    return Some((options, Order::from_packed(order)?));
                }
            }
        }
    })
}

/// `order` alone, read the packed way (`checkMany` reads its options once, itself):
/// options that are not an object make the writer leave them out (their `0` form), so
/// nothing is decoded, and no clock read, per order. `None`: read it as JSON.
pub(super) fn read_order(order: &JsValue) -> Option<Result<Order, OrderError>> {
    read(order, &JsValue::FALSE).map(|(_, order)| order)
}

/// The options ahead of the order, and the bytes after them. The form `order.js`
/// writes: `0` (not written: read them from the JS value), or `1`, then `now` (`0`: the
/// JS clock, or `1` and epoch milliseconds as a little-endian `f64`, finite), `duplicate`
/// (`0` absent, `1` false, `2` true), `locale` (a packed value: `0`, or `1`, a `u32`
/// length and UTF-8); never `identity` or `bought`.
fn packed_options(bytes: &[u8]) -> Option<(Option<CheckOptions>, &[u8])> {
    let (&written, mut rest) = bytes.split_first()?;
    if written == 0 {
        return Some((None, rest));
    }
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = rest.split_at_checked(n)?;
        rest = tail;
        Some(head)
    };
    let now = match take(1)? {
        [0] => super::js_now(),
        [1] => {
            let millis = f64::from_le_bytes(take(8)?.try_into().ok()?);
            // Finite, as the writer checked; `as` saturates, never traps.
            millis.is_finite().then_some(())?;
            Timestamp::from_millis(millis as i64)
        }
        _ => return None,
    };
    let duplicate = match take(1)? {
        [0] => None,
        [1] => Some(false),
        [2] => Some(true),
        _ => return None,
    };
    let locale = match take(1)? {
        [0] => None,
        [1] => {
            let len = u32::from_le_bytes(take(4)?.try_into().ok()?);
            let text = take(usize::try_from(len).ok()?)?;
            Some(std::str::from_utf8(text).ok()?.to_string())
        }
        _ => return None,
    };
    let options = CheckOptions {
        now: Some(now),
        locale,
        duplicate,
        ..CheckOptions::default()
    };
    Some((Some(options), rest))
}
