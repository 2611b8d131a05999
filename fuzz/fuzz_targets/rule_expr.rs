//! Arbitrary rule expressions (the first byte picks the order or item scope):
//! `rules::compile` gives a program or errors, every error an error and every warning
//! a warning, with spans inside the expression; a program evaluates against fixed
//! facts (each line in item scope) to the same answer twice, and compiling the same
//! text again gives the same answers.
#![no_main]

use checkout_guard::model::{Level, Scope};
use checkout_guard::rules::facts::{CustomerFacts, Facts, ItemFacts, OrderFacts, ShippingFacts};
use checkout_guard::rules::{compile, Program};
use checkout_guard::{Diagnostic, Timestamp};
use libfuzzer_sys::fuzz_target;

fn spans_inside(d: &Diagnostic, len: usize) {
    for s in &d.spans {
        if let (Some(start), Some(end)) = (s.start, s.end) {
            assert!(
                start <= end && end <= len,
                "span {start}..{end} outside 0..{len}: {d:?}"
            );
        }
    }
}

fn answers(program: &Program, facts: &Facts<'_>) -> Vec<Result<bool, String>> {
    let run = |item: Option<&ItemFacts<'_>>| program.eval(facts, item).map_err(|e| e.0);
    match program.scope() {
        Scope::Order => vec![run(None)],
        Scope::Item => facts.items.iter().map(|i| run(Some(i))).collect(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(expr) = std::str::from_utf8(rest) else {
        return;
    };
    let scope = if pick & 1 == 0 {
        Scope::Order
    } else {
        Scope::Item
    };
    let tags = ["limited_edition".to_string(), "tea".to_string()];
    let verified = ["sms_otp".to_string()];
    let now = Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap_or_default();
    let item = |sku, price: f64, quantity: i64, known| ItemFacts {
        sku,
        name: "Da Hong Pao",
        category: "tea",
        price,
        quantity,
        sku_quantity: quantity,
        line_total: price * quantity as f64,
        tags: &tags,
        high_value: price >= 1000.0,
        limited: known,
        restricted: known || price >= 1000.0,
        known,
        max_per_order: 2,
    };
    let facts = Facts {
        customer: CustomerFacts {
            level: Level::StepUp,
            level_certain: true,
            listed: true,
            reasons: vec!["STOLEN_CARD", "HARASSMENT"],
            matched: vec!["phone", "customer_id"],
            bound: vec!["customer_id", "ip"],
            known: true,
            account_age_days: 412,
            orders_90d: 9,
            refunds_90d: 4,
            refund_rate: 4.0 / 9.0,
            chargebacks_365d: 1,
            addresses_90d: 3,
        },
        order: OrderFacts {
            total: 2536.0,
            currency: "CNY",
            line_count: 2,
            item_count: 3,
            channel: "web",
            created_at: now,
            shipping: ShippingFacts {
                province: "山东省",
                city: "青岛市",
                district: "市南区",
                line1: "香港中路50号",
                name: "赵强",
                phone: "13800138107",
            },
            issues: vec!["price_mismatch"],
        },
        items: vec![
            item("TEA-004", 128.0, 2, false),
            item("COL-001", 1280.0, i64::MAX, true),
        ],
        verified: &verified,
        now,
    };
    match compile(expr, scope) {
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused expression without an error");
            for e in &errors {
                assert!(e.is_error(), "{e:?}");
                spans_inside(e, expr.len());
            }
        }
        Ok((program, warnings)) => {
            for w in &warnings {
                assert!(!w.is_error(), "{w:?}");
                spans_inside(w, expr.len());
            }
            assert_eq!(program.scope(), scope);
            let first = answers(&program, &facts);
            assert_eq!(
                first,
                answers(&program, &facts),
                "evaluation is not deterministic"
            );
            let (again, _) = compile(expr, scope).expect("compiles the second time");
            assert_eq!(
                first,
                answers(&again, &facts),
                "a recompiled rule answers otherwise"
            );
        }
    }
});
