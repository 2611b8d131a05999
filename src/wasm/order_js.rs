//! The order's fast way in from JavaScript: `order.js` (shipped beside the glue) writes
//! an order's fields into a buffer in this module's memory, and [`Order::from_packed`]
//! reads them: no `JSON.stringify`, no text crossing, no JSON parse. When the writer
//! declines (anything but plain data, docs/ARCHITECTURE.md "The order's way in") the
//! caller reads the order as JSON text, the reference way; both ways give the same order
//! or the same error (`tests/wasm.rs`).

use crate::engine::{Order, OrderError};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/order.js")]
extern "C" {
    /// Bytes written, or `DECLINE` (-1) or `TOO_SMALL` (-2); a getter that throws is an
    /// `Err`, and the JSON way then reports it.
    #[wasm_bindgen(js_name = encodeOrder, catch)]
    fn encode_order(order: &JsValue, buffer: &mut [u8]) -> Result<i32, JsValue>;
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

/// `order` read the packed way, or `None` when the caller must read it as JSON.
pub(super) fn read(order: &JsValue) -> Option<Result<Order, OrderError>> {
    BUFFER.with(|buffer| {
        // Busy only if a getter of this order checks another one: that one goes as JSON.
        let mut buffer = buffer.try_borrow_mut().ok()?;
        let mut size = buffer.len().max(FIRST);
        loop {
            buffer.resize(size, 0);
            match encode_order(order, &mut buffer).ok()? {
                TOO_SMALL if size < LARGEST => size *= 4,
                written => {
                    let bytes = buffer.get(..usize::try_from(written).ok()?)?;
                    return Order::from_packed(bytes);
                }
            }
        }
    })
}
