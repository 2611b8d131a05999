//! Order JSON through both readers. `Order::from_json` (natively the fast typed reader
//! of `src/engine/order/fast.rs`, falling back to the careful one) and the careful,
//! path-reporting reader alone (`serde_json::Value` then `Order::from_value`) must
//! accept and refuse alike, read equal orders, and give the same error; an order that
//! reads gets a verdict from the demo engine that serializes and round-trips.
#![no_main]

use checkout_guard::engine::order::MAX_JSON_BYTES;
use checkout_guard::{Engine, Order, Verdict};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;

thread_local! {
    static ENGINE: RefCell<Engine> = RefCell::new(Engine::demo().expect("the demo snapshot loads"));
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let both = Order::from_json(text);
    if text.len() > MAX_JSON_BYTES {
        assert!(both.is_err());
        return;
    }
    let careful = serde_json::from_str::<serde_json::Value>(text)
        .map_err(|e| e.to_string())
        .and_then(|v| Order::from_value(&v).map_err(|e| e.to_string()));
    match (&both, &careful) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "the readers read different orders"),
        (Err(a), Err(b)) => {
            // The careful reader's own message; an invalid document's is prefixed.
            assert!(a.to_string().ends_with(b.as_str()), "{a} vs {b}");
        }
        _ => panic!("the readers disagree: from_json {both:?}, careful {careful:?}"),
    }
    if let Ok(order) = both {
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
