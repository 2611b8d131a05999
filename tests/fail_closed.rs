//! Rules that fail closed (docs/semantics.md §9.2 step 4, "Rules that fail"): an order
//! padded or crafted until a rule cannot be evaluated is never quietly allowed, one
//! check's work is bounded whatever the order, and costly patterns are refused or
//! charged.

use checkout_guard::model::Action;
use checkout_guard::{
    compile_files, snapshot, CheckOptions, CompileOptions, Engine, Order, SourceFiles, Timestamp,
};

/// An engine over a policy of `rules` (TOML `[[rule]]` tables) and no lists.
fn engine(rules: &str) -> Engine {
    let policy = format!(
        "merchant = \"m\"\ncurrency = \"CNY\"\nvalid_for = \"3650d\"\n\n[messages.zh-CN]\nno = \"不行\"\n\n{rules}"
    );
    let files = SourceFiles::from_pairs([("policy.toml", policy.as_str())]);
    let options = CompileOptions {
        created_at: Some(Timestamp::parse_rfc3339("2026-11-25T00:00:00Z").unwrap()),
        key: Some(snapshot::DEMO_KEY),
        ..CompileOptions::default()
    };
    let compiled = compile_files(&files, &options).unwrap_or_else(|d| panic!("{d}"));
    Engine::from_bytes(compiled.bytes).unwrap()
}

/// An order of `padding` filler lines, then the given SKUs (one unit each): the
/// lines a rule looks for come last, so no comprehension stops early.
fn order(skus: &[&str], padding: usize, sku_len: usize) -> Order {
    let mut items: Vec<serde_json::Value> = (0..padding)
        .map(|i| {
            let sku = format!("{:0>width$}", i, width = sku_len);
            serde_json::json!({"sku": sku, "quantity": 1, "unit_price": 1.0})
        })
        .collect();
    items.extend(
        skus.iter()
            .map(|s| serde_json::json!({"sku": s, "quantity": 1, "unit_price": 10.0})),
    );
    let order = serde_json::json!({
        "order_id": "F-1", "currency": "CNY", "customer": {"id": "C1"},
        "shipping": {"name": "王", "phone": "13800138000", "province": "浙江省",
                     "city": "杭州市", "line1": "文三路1号"},
        "items": items,
    });
    Order::from_json(&order.to_string()).unwrap()
}

const PAIR_RULE: &str = r#"
[[rule]]
id = "limited-pair"
when = 'items.exists(a, items.exists(b, a.sku == "LE-1" && b.sku == "LE-2"))'
action = "deny"
reason = "LIMITED_PAIR"
message = "no"
"#;

fn check(engine: &mut Engine, order: &Order) -> checkout_guard::Verdict {
    engine.check(order, &CheckOptions::default())
}

#[test]
fn a_deny_rule_padded_past_its_budget_reviews_instead_of_allowing() {
    let mut e = engine(PAIR_RULE);
    assert_eq!(
        check(&mut e, &order(&["LE-1", "LE-2"], 0, 8)).decision,
        Action::Deny
    );
    // 400 filler lines: 402² inner iterations, over the 100,000-step budget.
    let v = check(&mut e, &order(&["LE-1", "LE-2"], 400, 8));
    assert_eq!(v.decision, Action::Review, "{:?}", v.warnings);
    assert_eq!(v.reasons.len(), 1);
    assert_eq!(&*v.reasons[0].rule, "limited-pair");
    assert_eq!(v.reasons[0].action, Action::Review);
    assert_eq!(
        v.message, None,
        "the deny rule's message is not the review's"
    );
    assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
    assert!(
        v.warnings[0].starts_with("rule `limited-pair` failed: evaluation exceeded its budget")
            && v.warnings[0].ends_with("; counted as `review`"),
        "{}",
        v.warnings[0]
    );
    assert_eq!(e.stats().rule_errors, 1);
}

#[test]
fn on_error_chooses_what_a_failure_does() {
    let padded = order(&["LE-1", "LE-2"], 400, 8);
    let deny = engine(&format!("{PAIR_RULE}on_error = \"deny\"\n"));
    assert_eq!(check(&mut { deny }, &padded).decision, Action::Deny);
    let mut ignore = engine(&format!("{PAIR_RULE}on_error = \"ignore\"\n"));
    let v = check(&mut ignore, &padded);
    assert_eq!(v.decision, Action::Allow);
    assert!(v.reasons.is_empty());
    assert!(v.warnings[0].ends_with("; ignored"), "{}", v.warnings[0]);
}

#[test]
fn an_allow_rule_that_fails_does_not_allowlist() {
    let mut e = engine(
        r#"
[[rule]]
id = "big-basket"
when = 'size(items) > 100'
action = "review"
reason = "BIG"

[[rule]]
id = "trusted"
when = 'items.exists(a, items.exists(b, a.sku == b.sku && a.quantity != b.quantity))'
action = "allow"
reason = "TRUSTED"
"#,
    );
    let v = check(&mut e, &order(&[], 400, 8));
    assert_eq!(v.decision, Action::Review, "{:?}", v.warnings);
    assert_eq!(v.reasons.len(), 1);
    assert!(v.warnings[0].ends_with("; ignored"), "{}", v.warnings[0]);
}

/// A pattern over a thousand 1,000-byte SKUs is charged per byte: the order's budget
/// runs out long before the matching work would take seconds, and the rule's lines
/// that could not be judged are held for review — one warning, not one per line.
#[test]
fn a_costly_pattern_over_long_skus_spends_the_order_budget_and_reviews() {
    let mut e = engine(
        r#"
[[rule]]
id = "limited-sku"
scope = "item"
when = 'item.sku.matches("(?i)limited|edition")'
action = "deny"
reason = "LIMITED"
"#,
    );
    let short = check(&mut e, &order(&["LIMITED-1"], 20, 8));
    // (The listed SKU comes last, after the budget is spent: its line is held too.)
    assert_eq!(short.decision, Action::Deny);
    assert!(short.warnings.is_empty());
    let v = check(&mut e, &order(&["LIMITED-1"], 900, 1000));
    assert_eq!(v.decision, Action::Review, "{:?}", v.warnings);
    let failed = v
        .reasons
        .iter()
        .find(|r| r.action == Action::Review)
        .expect("the lines past the budget are held");
    assert!(failed.lines.len() > 800, "{}", failed.lines.len());
    assert_eq!(v.warnings.len(), 1, "{:?}", v.warnings);
    assert!(
        v.warnings[0].contains("lines (first line"),
        "{}",
        v.warnings[0]
    );
    // Every line the budget did not reach is decided, none silently allowed.
    let allowed = v
        .lines
        .iter()
        .filter(|l| l.decision == Action::Allow)
        .count();
    assert!(allowed < 100, "{allowed} lines allowed");
}

#[test]
fn a_pattern_too_large_to_match_cheaply_is_refused_at_compile_time() {
    let policy = r#"merchant = "m"
currency = "CNY"

[[rule]]
id = "huge"
when = 'order.id.matches("(x{1,100}){1,100}y")'
action = "deny"
reason = "HUGE"
"#;
    let files = SourceFiles::from_pairs([("policy.toml", policy)]);
    let options = CompileOptions {
        created_at: None,
        key: Some(snapshot::DEMO_KEY),
        ..CompileOptions::default()
    };
    let d = compile_files(&files, &options).unwrap_err().to_string();
    assert!(d.contains("invalid-regex"), "{d}");
    assert!(d.contains("more than 64 KiB"), "{d}");
}

#[test]
fn comprehensions_nested_over_items_are_a_lint_warning() {
    let (_, warnings) = checkout_guard::rules::compile(
        "items.exists(a, items.exists(b, a.sku == b.sku))",
        checkout_guard::model::Scope::Order,
    )
    .unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].code.name(), "nested-items");
    let (_, warnings) = checkout_guard::rules::compile(
        "items.exists(a, a.sku == item.sku)",
        checkout_guard::model::Scope::Item,
    )
    .unwrap();
    assert_eq!(warnings[0].code.name(), "nested-items");
    let (_, warnings) = checkout_guard::rules::compile(
        "items.exists(a, a.restricted) && items.all(b, b.quantity < 5)",
        checkout_guard::model::Scope::Order,
    )
    .unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
}
