//! Stock and purchase limits across orders (docs/semantics.md, "Stock" and "Purchase
//! limits"), through the library from a policy source: the optional catalog columns,
//! the snapshot format they need, the facts and issues, and the purchase memory as the
//! person the limit is aimed at would probe it (a second order, a second account at the
//! same address or phone, a replay, another spelling, a split quantity, a re-check).

use checkout_guard::model::Action;
use checkout_guard::snapshot::SnapshotKey;
use checkout_guard::{compile_files, CheckOptions, CompileOptions, Engine, Identity, Order};
use checkout_guard::{SourceFiles, Timestamp};

const POLICY: &str = r#"
merchant = "m"
currency = "CNY"
purchase_window = "30d"

[[rule]]
id = "out-of-stock"
when = '"out_of_stock" in order.issues'
action = "deny"
reason = "OUT_OF_STOCK"

[[rule]]
id = "over-customer-limit"
scope = "item"
when = 'item.max_per_customer > 0 && item.bought_in_window + item.sku_quantity > item.max_per_customer'
action = "deny"
reason = "OVER_CUSTOMER_LIMIT"

[[rule]]
id = "review-big"
when = 'order.item_count > 50'
action = "review"
reason = "BIG"
"#;

const CATALOG: &str = "sku,name,category,price,tags,max_per_order,stock,max_per_customer\n\
LTD,Limited,c,10.00,limited_edition,,5,2\n\
TEA,Tea,c,1.00,,,,\n\
GONE,Sold out,c,1.00,,,0,\n";

fn key() -> SnapshotKey {
    SnapshotKey::from_bytes(*b"test-key-16bytes")
}

fn compile(policy: &str, catalog: &str) -> checkout_guard::Compiled {
    let files = SourceFiles::from_pairs([("policy.toml", policy), ("catalog.csv", catalog)]);
    let options = CompileOptions {
        created_at: Some(t(0)),
        key: Some(key()),
        ..CompileOptions::default()
    };
    compile_files(&files, &options).unwrap()
}

fn engine() -> Engine {
    Engine::open(compile(POLICY, CATALOG).bytes, Some(&key())).unwrap()
}

fn t(days: i64) -> Timestamp {
    Timestamp::from_seconds(1_800_000_000 + days * 86_400)
}

fn order(json: &str) -> Order {
    Order::from_json(json).unwrap()
}

/// An order of `lines` (`[(sku, quantity)]`) by `customer` (JSON members of `customer`)
/// shipped to `address` with `phone`.
fn by(customer: &str, address: &str, phone: &str, lines: &[(&str, u64)]) -> Order {
    let items: Vec<String> = lines
        .iter()
        .map(|(s, q)| format!(r#"{{"sku":"{s}","quantity":{q}}}"#))
        .collect();
    order(&format!(
        r#"{{"customer":{{{customer}}},"shipping":{{"name":"张三","phone":"{phone}","province":"浙江省","city":"杭州市","line1":"{address}"}},"items":[{}]}}"#,
        items.join(",")
    ))
}

fn at(days: i64) -> CheckOptions {
    CheckOptions {
        now: Some(t(days)),
        ..CheckOptions::default()
    }
}

fn rules_fired(e: &mut Engine, o: &Order, options: &CheckOptions) -> (Action, Vec<String>) {
    let v = e.check(o, options);
    (
        v.decision,
        v.reasons.iter().map(|r| r.rule.to_string()).collect(),
    )
}

const ALICE: &str = r#""id":"alice""#;
const ROAD: &str = "文三路 1 号";
const PHONE: &str = "13800138000";

#[test]
fn the_optional_columns_read_as_before_when_absent_and_need_format_6_when_present() {
    let plain = "sku,name,category,price,tags,max_per_order\nTEA,Tea,c,1.00,,\n";
    let policy = "merchant = \"m\"\ncurrency = \"CNY\"\n[[rule]]\nid = \"r\"\nwhen = 'order.total > 1.0'\naction = \"deny\"\nreason = \"R\"\n";
    let before = compile(policy, plain);
    assert_eq!(before.info.format_version, 4, "no new column: same format");
    let snapshot = Engine::open(before.bytes, Some(&key())).unwrap();
    let item = &snapshot.snapshot().catalog()[0];
    assert_eq!((item.stock, item.max_per_customer), (None, 0));
    // The optional columns, in any order, empty cells "not set".
    let with = "max_per_customer,sku,name,category,price,tags,max_per_order,stock\n2,TEA,Tea,c,1.00,,,7\n0,CUP,Cup,c,1.00,,,\n";
    let compiled = compile(policy, with);
    assert_eq!(compiled.info.format_version, 6);
    let e = Engine::open(compiled.bytes, Some(&key())).unwrap();
    let cat = e.snapshot().catalog();
    assert_eq!(
        (cat[0].sku.as_str(), cat[0].stock, cat[0].max_per_customer),
        ("CUP", None, 0)
    );
    assert_eq!(
        (cat[1].sku.as_str(), cat[1].stock, cat[1].max_per_customer),
        ("TEA", Some(7), 2)
    );
    // `purchase_window` alone needs format 6 too (a version-5 reader would drop it).
    let windowed = format!("purchase_window = \"7d\"\n{policy}");
    assert_eq!(compile(&windowed, plain).info.format_version, 6);
    // A bad cell is an error at its place.
    let files = SourceFiles::from_pairs([
        ("policy.toml", policy),
        (
            "catalog.csv",
            "sku,name,category,price,tags,max_per_order,stock\nTEA,Tea,c,1.00,,,-1\n",
        ),
    ]);
    let err = compile_files(
        &files,
        &CompileOptions {
            key: Some(key()),
            ..CompileOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("field `stock`"), "{err}");
    assert!(err.contains("catalog.csv:2:"), "{err}");
}

#[test]
fn a_rule_reading_the_new_facts_needs_format_6() {
    let plain = "sku,name,category,price,tags,max_per_order\nTEA,Tea,c,1.00,,\n";
    for when in [
        "items.exists(i, i.stock == 0)",
        "'over_customer_limit' in order.issues",
    ] {
        let policy = format!(
            "merchant = \"m\"\ncurrency = \"CNY\"\n[[rule]]\nid = \"r\"\nwhen = \"{when}\"\naction = \"deny\"\nreason = \"R\"\n"
        );
        assert_eq!(compile(&policy, plain).info.format_version, 6, "{when}");
    }
}

#[test]
fn stock_is_a_fact_and_an_issue_over_the_summed_quantity() {
    let mut e = engine();
    let o = by(ALICE, ROAD, PHONE, &[("GONE", 1), ("TEA", 3)]);
    let facts = e.facts(&o, &at(0));
    assert_eq!(facts["items"][0]["stock"], 0);
    assert_eq!(facts["items"][1]["stock"], -1, "not tracked");
    assert_eq!(
        facts["order"]["issues"],
        serde_json::json!(["out_of_stock"])
    );
    assert_eq!(rules_fired(&mut e, &o, &at(0)).0, Action::Deny);
    // 5 in stock: 3 + 2 on two lines is 5 (fine), 3 + 3 is 6 (not).
    let fine = by(r#""id":"bob""#, "x 1", "13900139000", &[("LTD", 1)]);
    assert_eq!(
        e.facts(&fine, &at(0))["order"]["issues"],
        serde_json::json!([])
    );
    let split = by(
        r#""id":"carol""#,
        "y 2",
        "13700137000",
        &[("LTD", 3), ("LTD", 3)],
    );
    let issues = &e.facts(&split, &at(0))["order"]["issues"];
    assert!(
        issues
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i == "out_of_stock"),
        "{issues}"
    );
}

#[test]
fn a_second_order_within_the_window_is_over_the_limit_and_after_it_is_not() {
    let mut e = engine();
    let first = by(ALICE, ROAD, PHONE, &[("LTD", 2)]);
    assert_eq!(rules_fired(&mut e, &first, &at(0)), (Action::Allow, vec![]));
    let second = by(ALICE, ROAD, PHONE, &[("LTD", 1)]);
    let facts = e.facts(&second, &at(1));
    assert_eq!(facts["items"][0]["bought_in_window"], 2);
    assert_eq!(facts["items"][0]["max_per_customer"], 2);
    assert_eq!(
        facts["order"]["issues"],
        serde_json::json!(["over_customer_limit"])
    );
    let (d, fired) = rules_fired(&mut e, &second, &at(1));
    assert_eq!(
        (d, fired),
        (Action::Deny, vec!["over-customer-limit".into()])
    );
    // A denied order does not count: a third attempt still sees 2, not 3.
    assert_eq!(e.facts(&second, &at(2))["items"][0]["bought_in_window"], 2);
    // Past the window (30 days after the first), the customer may buy again.
    assert_eq!(rules_fired(&mut e, &second, &at(31)).0, Action::Allow);
    // An unlimited SKU is never counted.
    let tea = by(ALICE, ROAD, PHONE, &[("TEA", 40)]);
    assert_eq!(rules_fired(&mut e, &tea, &at(31)).0, Action::Allow);
    assert_eq!(e.facts(&tea, &at(31))["items"][0]["bought_in_window"], 0);
}

#[test]
fn another_account_at_the_same_address_phone_or_email_shares_the_count() {
    let mut e = engine();
    let first = by(ALICE, ROAD, PHONE, &[("LTD", 2)]);
    assert_eq!(rules_fired(&mut e, &first, &at(0)).0, Action::Allow);
    // Same address, new account, new phone.
    let same_address = by(r#""id":"alice-2""#, ROAD, "13900139000", &[("LTD", 1)]);
    // Same phone written another way, new account, new address.
    let same_phone = by(
        r#""id":"alice-3""#,
        "别的路 9 号",
        "+86 138-0013-8000",
        &[("LTD", 1)],
    );
    // Same e-mail in another case, nothing else shared.
    let mut e2 = engine();
    let with_email = by(
        r#""id":"a","email":"Alice@Example.com""#,
        ROAD,
        PHONE,
        &[("LTD", 2)],
    );
    assert_eq!(rules_fired(&mut e2, &with_email, &at(0)).0, Action::Allow);
    let same_email = by(
        r#""id":"b","email":"alice@example.com""#,
        "z 3",
        "13700137000",
        &[("LTD", 1)],
    );
    for o in [&same_address, &same_phone] {
        assert_eq!(rules_fired(&mut e, o, &at(1)).0, Action::Deny, "{o:?}");
    }
    assert_eq!(rules_fired(&mut e2, &same_email, &at(1)).0, Action::Deny);
    // Someone sharing nothing is not affected.
    let stranger = by(r#""id":"dave""#, "w 4", "13600136000", &[("LTD", 2)]);
    assert_eq!(rules_fired(&mut e, &stranger, &at(1)).0, Action::Allow);
}

#[test]
fn a_recheck_under_the_bound_order_id_counts_once_and_a_replay_without_one_counts_again() {
    let mut e = engine();
    let o = by(ALICE, ROAD, PHONE, &[("LTD", 2)]);
    let bound = |id: &str| CheckOptions {
        now: Some(t(0)),
        identity: Some(Identity {
            customer_id: Some("alice".into()),
            order_id: Some(id.into()),
            ..Identity::default()
        }),
        ..CheckOptions::default()
    };
    assert_eq!(rules_fired(&mut e, &o, &bound("A-1")).0, Action::Allow);
    // The same order checked again (a retry, a step-up, the page): still allowed, and
    // still 2 bought, not 4.
    assert_eq!(rules_fired(&mut e, &o, &bound("A-1")).0, Action::Allow);
    assert_eq!(
        e.facts(&o, &bound("A-2"))["items"][0]["bought_in_window"],
        2
    );
    // Under another order id it is a second order.
    assert_eq!(rules_fired(&mut e, &o, &bound("A-2")).0, Action::Deny);
    // Without a bound id (an order id in the body proves nothing) a replay counts again.
    let mut e = engine();
    let one = by(ALICE, ROAD, PHONE, &[("LTD", 1)]);
    assert_eq!(rules_fired(&mut e, &one, &at(0)).0, Action::Allow);
    assert_eq!(rules_fired(&mut e, &one, &at(0)).0, Action::Allow);
    assert_eq!(
        rules_fired(&mut e, &one, &at(0)).0,
        Action::Deny,
        "1 + 1 + 1 > 2"
    );
}

#[test]
fn only_allowed_orders_count_and_a_shared_answer_is_used_fail_safe() {
    let mut e = engine();
    // Reviewed (item_count > 50 fires `review`): not counted.
    let big = by(ALICE, ROAD, PHONE, &[("LTD", 1), ("TEA", 60)]);
    assert_eq!(rules_fired(&mut e, &big, &at(0)).0, Action::Review);
    let next = by(ALICE, ROAD, PHONE, &[("LTD", 2)]);
    assert_eq!(e.facts(&next, &at(0))["items"][0]["bought_in_window"], 0);
    // A caller's shared memory answers instead of the engine's own, which stays empty.
    let answered = |bought: Vec<(String, u64)>| CheckOptions {
        now: Some(t(0)),
        bought: Some(bought),
        ..CheckOptions::default()
    };
    assert_eq!(
        rules_fired(&mut e, &next, &answered(vec![("LTD".into(), 1)])).0,
        Action::Deny
    );
    assert_eq!(
        rules_fired(&mut e, &next, &answered(vec![("LTD".into(), 0)])).0,
        Action::Allow
    );
    assert_eq!(
        e.facts(&next, &at(0))["items"][0]["bought_in_window"],
        0,
        "not recorded"
    );
    // An answer that leaves a limited SKU out counts it as at its limit.
    let (d, fired) = rules_fired(&mut e, &next, &answered(vec![("TEA".into(), 0)]));
    assert_eq!(
        (d, fired),
        (Action::Deny, vec!["over-customer-limit".into()])
    );
}

#[test]
fn the_limit_key_names_the_identities_the_bound_id_the_window_and_the_limited_units() {
    let e = engine();
    let o = by(ALICE, ROAD, PHONE, &[("LTD", 1), ("TEA", 5), ("LTD", 2)]);
    let options = CheckOptions {
        identity: Some(Identity {
            order_id: Some("A-1".into()),
            ..Identity::default()
        }),
        ..CheckOptions::default()
    };
    let key = e.limit_key(&o, &options).unwrap();
    assert_eq!(
        key.skus,
        vec![("LTD".to_string(), 3)],
        "summed; TEA has no limit"
    );
    // The id, the shipping phone and the address (the customer phone is absent).
    assert_eq!(key.identities.len(), 3, "{key:?}");
    assert!(key.order_id.is_some());
    assert_eq!(key.window.seconds(), 30 * 86_400);
    // Another account at the same address shares a digest.
    let other = by(r#""id":"x""#, ROAD, "13900139000", &[("LTD", 1)]);
    let theirs = e.limit_key(&other, &CheckOptions::default()).unwrap();
    assert!(theirs.identities.iter().any(|d| key.identities.contains(d)));
    assert_eq!(theirs.order_id, None, "a body order id is no bound id");
    // Nothing limited, or no identifier: nothing to count.
    let tea = by(ALICE, ROAD, PHONE, &[("TEA", 1)]);
    assert_eq!(e.limit_key(&tea, &CheckOptions::default()), None);
    let anonymous = order(r#"{"items":[{"sku":"LTD","quantity":1}]}"#);
    assert_eq!(e.limit_key(&anonymous, &CheckOptions::default()), None);
}
