//! Order JSON through the reader and its specification. `Order::from_json` (the
//! crate's own JSON reader, `src/json.rs`, straight into `Order`) and the
//! `serde_json::Value` walker it replaced (`src/engine/order/oracle.rs`, included here
//! as it is in the crate's tests) must accept and refuse alike, read equal orders, and
//! give the same path and message (for invalid JSON, serde_json's words and position);
//! an order that reads gets a verdict from the demo engine that serializes and
//! round-trips. The same bytes go through `Order::from_packed` too, which must not panic.
#![no_main]

// What the oracle takes from its parent module (`super::`) in the crate.
use checkout_guard::engine::order::{
    Customer, Line, Shipping, MAX_JSON_BYTES, MAX_LINES, MAX_QUANTITY, MAX_STRING, MAX_UNIT_PRICE,
    MAX_VERIFIED,
};
use checkout_guard::{Engine, Order, OrderError, Timestamp, Verdict};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

#[path = "../../src/engine/order/oracle.rs"]
#[allow(dead_code, missing_docs)]
mod oracle;

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::demo().expect("the demo snapshot loads"));
}

fuzz_target!(|data: &[u8]| {
    // The packed form (what the JS package writes) reads or refuses any bytes, never panics.
    let _ = Order::from_packed(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let read = Order::from_json(text);
    assert_eq!(
        read,
        oracle::from_json(text),
        "the reader and its oracle disagree"
    );
    if let Ok(order) = read {
        ENGINE.with(|engine| {
            let verdict = engine
                .borrow_mut()
                .check(&order, &checkout_guard_fuzz::options());
            let json = serde_json::to_string(&verdict).expect("a verdict serializes");
            let back: Verdict = serde_json::from_str(&json).expect("a verdict reads back");
            assert_eq!(back.decision, verdict.decision);
        });
    }
});
