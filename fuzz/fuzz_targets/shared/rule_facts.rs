//! The fixed facts the rule targets (`rule_expr`, `rule_program`) evaluate programs
//! against, and the answers of a program over them (each line in item scope).

use checkout_guard::model::{Level, Scope};
use checkout_guard::rules::facts::{CustomerFacts, Facts, ItemFacts, OrderFacts, ShippingFacts};
use checkout_guard::rules::Program;
use checkout_guard::Timestamp;

/// A step-up customer with two lines, one of them restricted and huge.
pub fn facts<'a>(tags: &'a [String], verified: &'a [String]) -> Facts<'a> {
    let now = Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap_or_default();
    let item = |sku, price: f64, quantity: i64, known| ItemFacts {
        sku,
        name: "Da Hong Pao",
        category: "tea",
        price,
        quantity,
        sku_quantity: quantity,
        line_total: price * quantity as f64,
        tags,
        high_value: price >= 1000.0,
        limited: known,
        restricted: known || price >= 1000.0,
        known,
        max_per_order: 2,
        listed: known,
        list_level: if known { Level::Block } else { Level::None },
        stock: if known { 1 } else { -1 },
        max_per_customer: if known { 1 } else { 0 },
        bought_in_window: if known { 1 } else { 0 },
    };
    Facts {
        customer: CustomerFacts {
            level: Level::StepUp,
            level_certain: true,
            listed: true,
            reasons: vec!["STOLEN_CARD", "HARASSMENT"],
            matched: vec!["phone", "customer_id"],
            bound: vec!["customer_id", "ip"],
            entry: None,
            scoped: Vec::new(),
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
        verified,
        now,
    }
}

/// The program's answers: one in order scope, one per line in item scope.
pub fn answers(program: &Program, facts: &Facts<'_>) -> Vec<Result<bool, String>> {
    let run = |item: Option<&ItemFacts<'_>>| program.eval(facts, item).map_err(|e| e.0);
    match program.scope() {
        Scope::Order => vec![run(None)],
        Scope::Item => facts.items.iter().map(|i| run(Some(i))).collect(),
    }
}
