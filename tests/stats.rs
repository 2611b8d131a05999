//! Live counters (`Engine::stats`, docs/semantics.md §11.2 "Live counters"): what a known
//! sequence of orders counts, that they agree with the backtest's report on the same
//! orders, reset, a reload (counts kept by name), and bounded memory under 100k SKUs.

use checkout_guard::backtest::{options_for, Backtest, ReasonCount};
use checkout_guard::model::Action;
use checkout_guard::{CheckOptions, Engine, Order, Timestamp, DEMO_SNAPSHOT};
use std::path::Path;

fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()
}

fn demo() -> Engine {
    Engine::from_bytes(DEMO_SNAPSHOT).unwrap()
}

fn sample(name: &str) -> Order {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/orders")
        .join(name);
    Order::from_json(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn at_now() -> CheckOptions {
    CheckOptions {
        now: Some(now()),
        ..CheckOptions::default()
    }
}

fn fired(engine: &Engine, rule: &str) -> u64 {
    let stats = engine.stats();
    stats.rules.iter().find(|r| r.rule == rule).unwrap().fired
}

#[test]
fn a_known_sequence_is_counted_by_decision_rule_reason_list_reason_category_and_sku() {
    let mut e = demo();
    // C10007 (block, DAMAGE_REFUND) buys tea and a limited edition: the limited line is
    // denied; a clean order is allowed.
    let denied = e.check(&sample("blacklisted-limited.json"), &at_now());
    assert_eq!(denied.decision, Action::Deny);
    assert_eq!(
        e.check(&sample("clean.json"), &at_now()).decision,
        Action::Allow
    );
    let s = e.stats();
    assert_eq!(s.checks, 2);
    assert_eq!((s.decisions.allow, s.decisions.deny), (1, 1));
    assert_eq!(s.decisions.review + s.decisions.step_up, 0);
    assert_eq!(
        s.rules.len(),
        e.snapshot().policy().rules.len(),
        "every rule, in policy order"
    );
    assert_eq!(s.rules[0].rule, "invalid-recipient");
    for reason in &denied.reasons {
        assert_eq!(fired(&e, &reason.rule), 1, "{}", reason.rule);
    }
    let fired_total: u64 = s.rules.iter().map(|r| r.fired).sum();
    assert_eq!(fired_total, denied.reasons.len() as u64);
    assert!(s.reasons.contains(&ReasonCount {
        code: "BLOCKLIST_RESTRICTED_ITEM".into(),
        orders: 1
    }));
    assert_eq!(
        s.list_reasons,
        [ReasonCount {
            code: "DAMAGE_REFUND".into(),
            orders: 1
        }]
    );
    let tea = s.categories.iter().find(|c| c.category == "茶叶").unwrap();
    let collectible = s
        .categories
        .iter()
        .find(|c| c.category == "收藏品")
        .unwrap();
    assert_eq!(
        (
            collectible.lines,
            collectible.flagged_lines,
            collectible.flagged_by_item_rules
        ),
        (1, 1, 1)
    );
    assert_eq!(
        tea.flagged_lines, 1,
        "in the denied order, allowed by item rules"
    );
    assert_eq!(tea.flagged_by_item_rules, 0);
    let skus: Vec<(&str, u64, u64)> = s
        .top_skus
        .iter()
        .map(|t| (t.sku.as_str(), t.flagged_orders, t.error))
        .collect();
    assert_eq!(skus, [("COL-001", 1, 0), ("TEA-004", 1, 0)]);
    assert_eq!(s.top_skus[0].name, "故宫联名 限量茶饼 2026");
    assert_eq!(
        s.sku_counters, 2,
        "only SKUs of orders not allowed are counted"
    );
}

/// The live counters and the offline backtest count one way: the same orders, judged
/// with the same options, give the same tables.
#[test]
fn the_live_counters_agree_with_the_backtest_report() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/orders/all.jsonl"),
    )
    .unwrap();
    let mut live = demo();
    let mut backtest = Backtest::new(demo(), None);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let order = Order::from_json(line).unwrap();
        let a = live.check(&order, &options_for(&order, now(), false, None));
        let b = backtest.add(&order, now());
        assert_eq!(a, b);
    }
    let (s, r) = (live.stats(), backtest.finish());
    assert_eq!(s.checks, r.orders);
    assert_eq!(s.decisions, r.decisions);
    assert_eq!(s.rules, r.rules);
    assert_eq!(s.reasons, r.reasons);
    assert_eq!(s.categories, r.categories);
    // The backtest breaks ties by all orders, which the live sketch does not keep: the
    // same counts, and the same count for every SKU in both lists.
    let live: Vec<u64> = s.top_skus.iter().map(|t| t.flagged_orders).collect();
    let offline: Vec<u64> = r.top_skus.iter().map(|t| t.flagged_orders).collect();
    assert_eq!(live, offline);
    for t in &s.top_skus {
        if let Some(b) = r.top_skus.iter().find(|b| b.sku == t.sku) {
            assert_eq!(t.flagged_orders, b.flagged_orders, "{}", t.sku);
            assert_eq!(t.name, b.name);
        }
    }
    assert!(
        s.top_skus.iter().all(|t| t.error == 0),
        "exact below 64 SKUs"
    );
    assert!(!s.list_reasons.is_empty());
}

#[test]
fn reset_starts_the_counters_afresh_but_keeps_loads_and_the_duplicate_memory() {
    let mut e = demo();
    e.check(&sample("blacklisted-limited.json"), &at_now());
    e.check(&sample("clean.json"), &at_now());
    let memory = e.stats().duplicate_memory;
    assert!(memory > 0);
    e.reset_stats();
    let s = e.stats();
    assert_eq!(s.checks, 0);
    assert_eq!(s.decisions, Default::default());
    assert!(s.rules.iter().all(|r| r.fired == 0));
    assert!(s.reasons.is_empty() && s.list_reasons.is_empty() && s.categories.is_empty());
    assert!(s.top_skus.is_empty());
    assert_eq!(s.sku_counters, 0);
    assert_eq!(s.loads, 1);
    assert_eq!(s.duplicate_memory, memory);
    // And counting goes on from zero.
    e.check(&sample("blacklisted-limited.json"), &at_now());
    assert_eq!(e.stats().checks, 1);
}

/// The demo store with the rule `refund-abuse` renamed, compiled later than the demo.
fn renamed_rule() -> Vec<u8> {
    super::backtest_parallel::demo_with_policy(
        |policy| {
            let renamed = policy.replacen("\"refund-abuse\"", "\"refund-abuse-v2\"", 1);
            assert_ne!(renamed, policy);
            renamed
        },
        Timestamp::parse_rfc3339("2030-01-01T00:00:00Z").unwrap(),
    )
}

#[test]
fn a_reload_keeps_the_counts_by_name_and_drops_what_the_new_snapshot_lacks() {
    let mut e = demo();
    e.check(&sample("blacklisted-limited.json"), &at_now());
    let refund = e.check(&sample("refund-abuser.json"), &at_now());
    assert!(refund.reasons.iter().any(|r| &*r.rule == "refund-abuse"));
    let before = e.stats();
    e.load(renamed_rule()).unwrap();
    let after = e.stats();
    assert_eq!(after.loads, 2);
    assert_eq!(after.checks, before.checks);
    assert_eq!(after.decisions, before.decisions);
    assert_eq!(fired(&e, "refund-abuse-v2"), 0, "a new rule starts at zero");
    assert!(after.rules.iter().all(|r| r.rule != "refund-abuse"));
    assert_eq!(
        fired(&e, "block-restricted-item"),
        before
            .rules
            .iter()
            .find(|r| r.rule == "block-restricted-item")
            .unwrap()
            .fired
    );
    assert_eq!(
        after.reasons, before.reasons,
        "the codes are all still there"
    );
    assert_eq!(after.list_reasons, before.list_reasons);
    assert_eq!(after.categories, before.categories);
    assert_eq!(after.top_skus, before.top_skus);
    // Counting goes on, laid out for the new snapshot.
    e.check(&sample("refund-abuser.json"), &at_now());
    assert_eq!(fired(&e, "refund-abuse-v2"), 1);
}

/// 100,000 distinct SKUs in orders not allowed: the sketch holds 64, and the SKU in
/// every fifth order is on top, its count within the stated bound.
#[test]
fn memory_stays_bounded_under_100k_distinct_skus() {
    let mut e = demo();
    let base = sample("blacklisted-limited.json");
    // Neither read nor record the duplicate memory: only the counters grow, if anything.
    let options = CheckOptions {
        duplicate: Some(false),
        ..at_now()
    };
    let (mut hot, mut occurrences) = (0u64, 0u64);
    for i in 0..100_000u32 {
        let mut order = base.clone();
        order.items.truncate(1);
        order.items[0].sku = format!("NOISE-{i}");
        if i % 5 == 0 {
            let mut line = order.items[0].clone();
            line.sku = "HOT".into();
            order.items.push(line);
            hot += 1;
        }
        occurrences += order.items.len() as u64;
        let v = e.check(&order, &options);
        assert_ne!(v.decision, Action::Allow, "C10007 is blocked");
    }
    let s = e.stats();
    assert_eq!(s.checks, 100_000);
    assert_eq!(s.sku_counters, 64);
    assert_eq!(s.top_skus.len(), 10);
    assert_eq!(s.duplicate_memory, 0);
    let top = &s.top_skus[0];
    assert_eq!(top.sku, "HOT");
    assert!(top.flagged_orders >= hot && top.flagged_orders - top.error <= hot);
    assert!(top.error <= occurrences / 64, "{top:?}");
    let unknown = s
        .categories
        .iter()
        .find(|c| c.category == "(unknown)")
        .unwrap();
    assert_eq!(unknown.lines, occurrences);
}

/// A SKU on several lines of an order not allowed counts once for that order, in a
/// short order (looked back over) and in a long one (sorted) alike.
#[test]
fn a_sku_repeated_over_lines_counts_once_per_order() {
    let mut e = demo();
    let base = sample("blacklisted-limited.json");
    let options = CheckOptions {
        duplicate: Some(false),
        ..at_now()
    };
    for lines in [3, 40] {
        let mut order = base.clone();
        let line = order.items[0].clone();
        order.items = (0..lines)
            .map(|i| {
                let mut l = line.clone();
                l.sku = ["A-1", "B-2", "A-1", "C-3"][i % 4].into();
                l
            })
            .collect();
        assert_ne!(e.check(&order, &options).decision, Action::Allow);
    }
    let s = e.stats();
    let skus: Vec<(&str, u64, u64)> = s
        .top_skus
        .iter()
        .map(|t| (t.sku.as_str(), t.flagged_orders, t.error))
        .collect();
    assert_eq!(skus, [("A-1", 2, 0), ("B-2", 2, 0), ("C-3", 1, 0)]);
}
