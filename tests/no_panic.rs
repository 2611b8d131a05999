//! "No input can panic the engine" (docs/semantics.md §13), as properties: arbitrary text and
//! arbitrary JSON as orders, and well-formed orders with arbitrary field values checked
//! against the demo snapshot, end in a verdict or a path-carrying error.

use checkout_guard::{CheckOptions, Engine, Order, Timestamp};
use proptest::prelude::*;
use serde_json::{json, Value};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        Just("items".to_string()),
                        Just("customer".to_string()),
                        Just("shipping".to_string()),
                        Just("sku".to_string()),
                        Just("quantity".to_string()),
                        "[a-z_]{1,8}"
                    ],
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn opts() -> CheckOptions {
    CheckOptions {
        now: Some(Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()),
        locale: Some("en".into()),
        ..CheckOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_is_an_error_or_a_verdict(text in ".{0,200}") {
        let mut engine = Engine::demo().unwrap();
        let _ = engine.check_json(&text, &opts());
    }

    #[test]
    fn arbitrary_json_is_an_error_or_a_verdict(value in arb_json()) {
        let mut engine = Engine::demo().unwrap();
        if let Ok(order) = Order::from_json(&value.to_string()) {
            let _ = engine.check(&order, &opts());
        }
    }

    #[test]
    fn well_formed_orders_with_odd_values_get_verdicts(
        id in ".{0,20}", email in ".{0,30}", phone in "[-+ 0-9]{0,20}",
        province in ".{0,6}", line1 in ".{0,20}",
        skus in prop::collection::vec(("[A-Z]{2,4}-[0-9]{3}|.{0,8}", 1u64..1_000_000, prop::option::of(0.0f64..1.0e9)), 0..8),
        verified in prop::collection::vec("[a-z_]{0,10}", 0..3),
        now in -2_000_000_000i64..8_000_000_000i64,
    ) {
        let items: Vec<Value> = skus.iter().map(|(s, q, p)| json!({"sku": s, "quantity": q, "unit_price": p})).collect();
        let v = json!({"order_id": id, "customer": {"id": id, "email": email, "phone": phone},
            "shipping": {"name": id, "phone": phone, "province": province, "city": "杭州市", "line1": line1},
            "items": items, "verified": verified});
        let mut engine = Engine::demo().unwrap();
        match Order::from_json(&v.to_string()) {
            Ok(order) => {
                let verdict = engine.check(&order, &CheckOptions { now: Some(Timestamp::from_seconds(now)), ..CheckOptions::default() });
                prop_assert_eq!(verdict.lines.len(), order.items.len());
            }
            Err(e) => prop_assert!(e.path.starts_with("items[") , "unexpected error {}", e),
        }
    }
}
