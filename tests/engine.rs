//! The verdict semantics of docs/semantics.md §9 on small hand-made policies: precedence, the
//! allowlist, step-up satisfied by `verified`, per-line decisions, messages and locale
//! fallback, stale snapshots, duplicates, customer facts, money, atomic reload.

use checkout_guard::model::{
    Action, BlockEntry, CatalogItem, CustomerRecord, CustomerStats, IdKind, Level, OnStale, Policy,
    PolicySource, Rule, Scope, VerifyMode,
};
use checkout_guard::snapshot::{self, WriteOptions};
use checkout_guard::time::{Duration, Timestamp};
use checkout_guard::{CheckOptions, Engine, Order, Verdict};
use std::collections::BTreeMap;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

fn rule(id: &str, when: &str, action: Action) -> Rule {
    Rule {
        id: id.into(),
        when: when.into(),
        action,
        verify: if action == Action::StepUp {
            vec!["sms_otp".into()]
        } else {
            vec![]
        },
        verify_mode: VerifyMode::Any,
        reason: id.to_uppercase().replace('-', "_"),
        message: Some(id.into()),
        scope: Scope::Order,
        on_error: None,
    }
}

fn item_rule(id: &str, when: &str, action: Action) -> Rule {
    Rule {
        scope: Scope::Item,
        ..rule(id, when, action)
    }
}

fn entry(kind: IdKind, value: &str, level: Level, expires: Option<&str>) -> BlockEntry {
    BlockEntry {
        kind,
        value: value.into(),
        level,
        reason: format!("R_{}", level.as_str().to_uppercase()),
        added_at: None,
        expires_at: expires.map(ts),
        scope: None,
    }
}

fn source(rules: Vec<Rule>) -> PolicySource {
    let mut messages = BTreeMap::new();
    let zh: BTreeMap<String, String> = rules
        .iter()
        .map(|r| (r.id.clone(), format!("中文 {}", r.id)))
        .collect();
    let en: BTreeMap<String, String> = rules
        .iter()
        .map(|r| (r.id.clone(), format!("english {}", r.id)))
        .collect();
    messages.insert("zh-CN".to_string(), zh);
    messages.insert("en".to_string(), en);
    PolicySource {
        policy: Policy {
            merchant: "test-store".into(),
            currency: "CNY".into(),
            default_country_code: "86".into(),
            default_locale: "zh-CN".into(),
            valid_for: Duration::from_seconds(7 * 86_400),
            on_stale: OnStale::Review,
            duplicate_window: Duration::from_seconds(600),
            purchase_window: None,
            high_value_threshold: 2000.0,
            email_plus_tags: Default::default(),
            rules,
            messages,
            list_reasons: Default::default(),
            appeal: None,
        },
        blocklist: vec![
            entry(IdKind::Phone, "8613800138000", Level::Watch, None),
            entry(IdKind::Email, "bad@example.com", Level::Block, None),
            entry(
                IdKind::Email,
                "old@example.com",
                Level::Block,
                Some("2026-01-01T00:00:00Z"),
            ),
            entry(
                IdKind::Address,
                "浙江省杭州市西湖区文三路123号",
                Level::StepUp,
                None,
            ),
        ],
        catalog: vec![
            CatalogItem {
                sku: "TEA".into(),
                name: "茶".into(),
                category: "茶叶".into(),
                price_minor: 16_800,
                tags: vec![],
                max_per_order: 0,
                stock: None,
                max_per_customer: 0,
            },
            CatalogItem {
                sku: "GOLD".into(),
                name: "金壶".into(),
                category: "茶具".into(),
                price_minor: 250_000,
                tags: vec![],
                max_per_order: 1,
                stock: None,
                max_per_customer: 0,
            },
            CatalogItem {
                sku: "LTD".into(),
                name: "限量".into(),
                category: "收藏品".into(),
                price_minor: 100,
                tags: vec!["limited_edition".into()],
                max_per_order: 0,
                stock: None,
                max_per_customer: 0,
            },
            CatalogItem {
                sku: "C1".into(),
                name: "a".into(),
                category: "x".into(),
                price_minor: 10,
                tags: vec![],
                max_per_order: 0,
                stock: None,
                max_per_customer: 0,
            },
            CatalogItem {
                sku: "C2".into(),
                name: "b".into(),
                category: "x".into(),
                price_minor: 20,
                tags: vec![],
                max_per_order: 0,
                stock: None,
                max_per_customer: 0,
            },
        ],
        customers: vec![CustomerRecord {
            customer_id: "K-1".into(),
            stats: CustomerStats {
                account_created_at: Some(ts("2026-11-20T12:00:00Z")),
                orders_90d: 8,
                refunds_90d: 6,
                chargebacks_365d: 1,
                addresses_90d: 2,
            },
        }],
    }
}

fn engine(rules: Vec<Rule>) -> Engine {
    Engine::from_bytes(snapshot_of(&source(rules))).unwrap()
}

/// `src` compiled with the demo key.
fn snapshot_of(src: &PolicySource) -> Vec<u8> {
    snapshot::write(
        src,
        &WriteOptions {
            created_at: ts("2026-11-20T00:00:00Z"),
            key: checkout_guard::snapshot::DEMO_KEY,
        },
    )
    .unwrap()
}

const NOW: &str = "2026-11-25T10:00:00Z";

fn check(e: &mut Engine, order: &str) -> Verdict {
    check_at(e, order, NOW, None)
}

fn check_at(e: &mut Engine, order: &str, now: &str, locale: Option<&str>) -> Verdict {
    let opts = CheckOptions {
        now: Some(ts(now)),
        locale: locale.map(str::to_string),
        ..CheckOptions::default()
    };
    e.check(&Order::from_json(order).unwrap(), &opts)
}

const CLEAN: &str = r#"{"order_id":"A","customer":{"id":"K-9","email":"ok@example.com"},
 "shipping":{"name":"张三","phone":"13900139000","province":"浙江省","city":"杭州市","district":"西湖区","line1":"文一路1号"},
 "items":[{"sku":"TEA","quantity":2,"unit_price":168.0}]}"#;

fn with(order: &str, from: &str, to: &str) -> String {
    assert!(order.contains(from), "{from}");
    order.replace(from, to)
}

#[test]
fn no_rule_fires_means_allow_with_no_message() {
    let mut e = engine(vec![rule("never", "false", Action::Deny)]);
    let v = check(&mut e, CLEAN);
    assert_eq!(v.decision, Action::Allow);
    assert!(
        v.reasons.is_empty() && v.verify.is_empty() && v.message.is_none() && v.warnings.is_empty()
    );
    assert_eq!(v.lines.len(), 1);
    assert_eq!(&*v.snapshot.merchant, "test-store");
}

#[test]
fn most_severe_wins_and_reasons_keep_policy_order() {
    let mut e = engine(vec![
        rule("r-review", "true", Action::Review),
        rule("r-deny", "order.total > 100.0", Action::Deny),
        rule("r-step", "true", Action::StepUp),
    ]);
    let v = check(&mut e, CLEAN);
    assert_eq!(v.decision, Action::Deny);
    let ids: Vec<&str> = v.reasons.iter().map(|r| &*r.rule).collect();
    assert_eq!(ids, ["r-review", "r-deny", "r-step"]);
    assert!(v.verify.is_empty(), "verify only accompanies step_up");
    assert_eq!(&*v.message.unwrap().key, "r-deny");
}

#[test]
fn allow_rule_suppresses_review_and_step_up_but_never_deny() {
    let mut e = engine(vec![
        rule("r-step", "true", Action::StepUp),
        rule("r-review", "true", Action::Review),
        rule("trusted", "true", Action::Allow),
    ]);
    let v = check(&mut e, CLEAN);
    assert_eq!(v.decision, Action::Allow);
    assert_eq!(v.reasons.len(), 3, "suppressed rules are still listed");
    assert_eq!(&*v.message.unwrap().key, "trusted");
    let mut e = engine(vec![
        rule("trusted", "true", Action::Allow),
        rule("r-deny", "true", Action::Deny),
    ]);
    assert_eq!(check(&mut e, CLEAN).decision, Action::Deny);
}

/// `warn` (docs/semantics.md §9.3): lets the order through with its rule's message,
/// ranked deny > step_up > review > warn > allow, suppressed by an allow rule.
#[test]
fn warn_passes_with_its_notice_and_ranks_below_review() {
    let notice = rule("repeat-claims", "true", Action::Warn);
    let mut e = engine(vec![notice.clone()]);
    let v = check_at(&mut e, CLEAN, NOW, Some("en"));
    assert_eq!(v.decision, Action::Warn);
    let m = v.message.unwrap();
    assert_eq!(
        (&*m.key, &*m.text),
        ("repeat-claims", "english repeat-claims")
    );
    assert_eq!(
        v.lines[0].decision,
        Action::Allow,
        "an order rule leaves lines alone"
    );
    assert!(v.verify.is_empty() && v.warnings.is_empty());
    assert_eq!(e.stats().decisions.warn, 1);
    assert_eq!(
        (e.stats().decisions.allow, e.stats().decisions.review),
        (0, 0)
    );

    for (other, want) in [
        (Action::Review, Action::Review),
        (Action::StepUp, Action::StepUp),
        (Action::Deny, Action::Deny),
        (Action::Allow, Action::Allow),
    ] {
        // Either policy order: the ranking, not the position, decides.
        for rules in [
            vec![notice.clone(), rule("other", "true", other)],
            vec![rule("other", "true", other), notice.clone()],
        ] {
            let v = check(&mut engine(rules), CLEAN);
            assert_eq!(v.decision, want, "warn with {other}");
            // The message speaks for the decision: the other rule's, never the notice.
            assert_eq!(&*v.message.unwrap().key, "other", "warn with {other}");
            assert_eq!(v.reasons.len(), 2, "suppressed rules are still listed");
        }
    }
    // A warn rule that names no message warns with none.
    let quiet = Rule {
        message: None,
        ..notice.clone()
    };
    let v = check(&mut engine(vec![quiet]), CLEAN);
    assert_eq!((v.decision, v.message), (Action::Warn, None));
}

#[test]
fn warn_ranks_per_line_like_the_order() {
    let mut e = engine(vec![
        item_rule("ltd", "item.limited", Action::Warn),
        item_rule("pricey", "item.high_value", Action::Review),
        item_rule("any-tea", "item.sku == 'TEA'", Action::Warn),
    ]);
    let order = with(
        CLEAN,
        r#"[{"sku":"TEA","quantity":2,"unit_price":168.0}]"#,
        r#"[{"sku":"TEA","quantity":1},{"sku":"LTD","quantity":1},{"sku":"GOLD","quantity":1}]"#,
    );
    let v = check(&mut e, &order);
    assert_eq!(v.decision, Action::Review);
    let lines: Vec<Action> = v.lines.iter().map(|l| l.decision).collect();
    assert_eq!(lines, [Action::Warn, Action::Warn, Action::Review]);
    // Warn lines alone: the order warns, with the first warn rule's message.
    let order = with(
        CLEAN,
        r#"[{"sku":"TEA","quantity":2,"unit_price":168.0}]"#,
        r#"[{"sku":"TEA","quantity":1},{"sku":"LTD","quantity":1}]"#,
    );
    let v = check(&mut e, &order);
    assert_eq!(v.decision, Action::Warn);
    assert_eq!(&*v.message.unwrap().key, "ltd");
    assert_eq!(v.reasons[0].lines, [1]);
    assert_eq!(v.reasons[1].lines, [0]);
}

/// `on_stale = "review"` raises `warn` as it raises `allow`: a stale snapshot never
/// leaves an order less guarded (docs/semantics.md §9.7).
#[test]
fn a_stale_snapshot_raises_warn_to_review() {
    let mut e = engine(vec![rule("repeat-claims", "true", Action::Warn)]);
    let v = check_at(&mut e, CLEAN, "2026-12-30T00:00:00Z", None);
    assert_eq!(v.decision, Action::Review);
    assert_eq!(
        v.message, None,
        "the message is chosen for review, and no review rule fired"
    );
    assert_eq!(v.reasons[0].action, Action::Warn);
    assert!(v.warnings[0].contains("expired"), "{:?}", v.warnings);
}

#[test]
fn step_up_is_satisfied_by_a_verified_method() {
    let mut e = engine(vec![rule(
        "watch",
        r#"customer.level == "watch""#,
        Action::StepUp,
    )]);
    let order = with(
        CLEAN,
        r#""phone":"13900139000""#,
        r#""phone":"+86 138-0013-8000""#,
    );
    let v = check(&mut e, &order);
    assert_eq!(v.decision, Action::StepUp);
    assert_eq!(
        v.verify.iter().map(|s| &**s).collect::<Vec<_>>(),
        ["sms_otp"]
    );
    let verified = with(&order, r#""items""#, r#""verified":["sms_otp"],"items""#);
    let v = check(&mut e, &verified);
    assert_eq!(v.decision, Action::Allow);
    assert!(v.reasons.is_empty(), "a satisfied step-up does not fire");
}

/// A step_up rule that fires on every order, asking for `methods` in `mode`.
fn step_rule(id: &str, methods: &[&str], mode: VerifyMode) -> Rule {
    Rule {
        verify: methods.iter().map(|m| m.to_string()).collect(),
        verify_mode: mode,
        ..rule(id, "true", Action::StepUp)
    }
}

fn verified(methods: &[&str]) -> String {
    let list = serde_json::to_string(methods).unwrap();
    with(
        CLEAN,
        r#""items""#,
        &format!(r#""verified":{list},"items""#),
    )
}

fn groups(v: &Verdict) -> Vec<Vec<&str>> {
    v.verify_required
        .iter()
        .map(|g| g.iter().map(|m| &**m).collect())
        .collect()
}

#[test]
fn verify_mode_all_needs_every_method() {
    let mut e = engine(vec![step_rule(
        "both",
        &["sms_otp", "id_check"],
        VerifyMode::All,
    )]);
    let v = check(&mut e, CLEAN);
    assert_eq!(v.decision, Action::StepUp);
    assert_eq!(groups(&v), [["sms_otp"], ["id_check"]]);
    let v = check(&mut e, &verified(&["sms_otp"]));
    assert_eq!(v.decision, Action::StepUp, "one of two methods is not all");
    assert_eq!(groups(&v), [["id_check"]]);
    assert_eq!(
        v.verify.iter().map(|m| &**m).collect::<Vec<_>>(),
        ["sms_otp", "id_check"],
        "`verify` stays the firing rules' methods"
    );
    let v = check(&mut e, &verified(&["id_check", "sms_otp"]));
    assert_eq!(v.decision, Action::Allow);
    assert!(v.reasons.is_empty() && v.verify_required.is_empty());
}

#[test]
fn verify_mode_any_is_cleared_by_either_method() {
    let mut e = engine(vec![step_rule(
        "either",
        &["sms_otp", "id_check"],
        VerifyMode::Any,
    )]);
    let v = check(&mut e, CLEAN);
    assert_eq!(groups(&v), [["sms_otp", "id_check"]]);
    for m in ["sms_otp", "id_check"] {
        let v = check(&mut e, &verified(&[m]));
        assert_eq!(v.decision, Action::Allow, "{m}");
        assert!(v.verify_required.is_empty());
    }
}

#[test]
fn verify_required_has_one_group_per_open_requirement() {
    let mut e = engine(vec![
        step_rule("sms", &["sms_otp"], VerifyMode::Any),
        step_rule("id", &["id_check"], VerifyMode::Any),
        // The same requirement again: listed once.
        step_rule("sms-again", &["sms_otp"], VerifyMode::All),
    ]);
    let v = check(&mut e, CLEAN);
    assert_eq!(groups(&v), [["sms_otp"], ["id_check"]]);
    let v = check(&mut e, &verified(&["sms_otp"]));
    assert_eq!(v.decision, Action::StepUp);
    assert_eq!(groups(&v), [["id_check"]]);
}

#[test]
fn verify_required_is_empty_unless_step_up() {
    let mut e = engine(vec![
        step_rule("sms", &["sms_otp"], VerifyMode::Any),
        rule("trusted", "true", Action::Allow),
    ]);
    let v = check(&mut e, CLEAN);
    assert_eq!(v.decision, Action::Allow);
    assert!(v.verify_required.is_empty() && v.verify.is_empty());
    let json: serde_json::Value = serde_json::from_str(&v.to_json()).unwrap();
    assert_eq!(
        json["verify_required"],
        serde_json::json!([]),
        "always present"
    );
}

#[test]
fn every_snapshot_is_format_4_whatever_its_verify_mode() {
    for mode in [VerifyMode::Any, VerifyMode::All] {
        let e = engine(vec![step_rule("a", &["sms_otp", "id_check"], mode)]);
        assert_eq!(
            e.info().format_version,
            4,
            "rules are stored compiled (PROG) in every snapshot"
        );
    }
}

#[test]
fn item_rules_decide_lines() {
    let mut e = engine(vec![
        item_rule("ltd", "item.limited", Action::Deny),
        item_rule("pricey", "item.high_value", Action::Review),
    ]);
    let order = with(
        CLEAN,
        r#"[{"sku":"TEA","quantity":2,"unit_price":168.0}]"#,
        r#"[{"sku":"TEA","quantity":1},{"sku":"LTD","quantity":1},{"sku":"GOLD","quantity":1}]"#,
    );
    let v = check(&mut e, &order);
    assert_eq!(v.decision, Action::Deny);
    let lines: Vec<Action> = v.lines.iter().map(|l| l.decision).collect();
    assert_eq!(lines, [Action::Allow, Action::Deny, Action::Review]);
    assert_eq!(v.reasons[0].lines, [1]);
    assert_eq!(v.reasons[1].lines, [2]);
}

#[test]
fn levels_use_only_unexpired_entries_and_every_identifier() {
    let mut e = engine(vec![rule("listed", "customer.listed", Action::Review)]);
    let expired = with(CLEAN, "ok@example.com", " OLD@Example.com ");
    assert_eq!(
        check(&mut e, &expired).decision,
        Action::Allow,
        "expired entries do not count"
    );
    assert_eq!(
        check_at(&mut e, &expired, "2025-12-01T00:00:00Z", None).decision,
        Action::Review
    );
    let by_address = with(CLEAN, "文一路1号", "文三路１２３号");
    let v = check(&mut e, &by_address);
    assert_eq!(
        v.decision,
        Action::Review,
        "full-width address folds to the listed one"
    );
    let mut e = engine(vec![rule(
        "blk",
        r#"customer.level == "block" && "email" in customer.matched && "R_BLOCK" in customer.reasons"#,
        Action::Deny,
    )]);
    assert_eq!(
        check(&mut e, &with(CLEAN, "ok@example.com", "Bad@Example.COM")).decision,
        Action::Deny
    );
}

#[test]
fn customer_history_and_account_age() {
    let mut e = engine(vec![rule("h", "customer.known && customer.refund_rate == 0.75 && customer.account_age_days == 4 && customer.chargebacks_365d == 1", Action::Review)]);
    assert_eq!(
        check(&mut e, &with(CLEAN, r#""id":"K-9""#, r#""id":"K-1""#)).decision,
        Action::Review
    );
    let mut e = engine(vec![rule(
        "unknown-age",
        "!customer.known && customer.account_age_days == -1 && customer.orders_90d == 0",
        Action::Review,
    )]);
    assert_eq!(check(&mut e, CLEAN).decision, Action::Review);
    let mut e = engine(vec![rule(
        "order-age",
        "customer.account_age_days == 24",
        Action::Review,
    )]);
    let aged = with(
        CLEAN,
        r#""id":"K-9""#,
        r#""id":"K-9","account_created_at":"2026-11-01T00:00:00Z""#,
    );
    assert_eq!(check(&mut e, &aged).decision, Action::Review);
}

#[test]
fn money_is_summed_exactly() {
    let mut e = engine(vec![rule(
        "big",
        "order.total >= 0.3 && order.total <= 0.3",
        Action::Review,
    )]);
    // 0.1 + 0.2 is not 0.3 in floating point; in minor units it is.
    let order = with(
        CLEAN,
        r#"[{"sku":"TEA","quantity":2,"unit_price":168.0}]"#,
        r#"[{"sku":"X1","quantity":1,"unit_price":0.1},{"sku":"X2","quantity":1,"unit_price":0.2}]"#,
    );
    let v = check(&mut e, &order);
    assert!(v.reasons.iter().any(|r| &*r.rule == "big"), "{v:?}");
}

#[test]
fn issues_are_detected() {
    let mut e = engine(vec![rule(
        "issues",
        r#"order.issues == ["missing_recipient", "invalid_phone", "incomplete_address", "unknown_sku", "price_mismatch", "currency_mismatch", "over_max_per_order"]"#,
        Action::Deny,
    )]);
    let order = r#"{"currency":"usd","items":[{"sku":"TEA","quantity":1,"unit_price":1.0},{"sku":"NOPE","quantity":1},{"sku":"GOLD","quantity":1},{"sku":"GOLD","quantity":1}]}"#;
    let v = check(&mut e, order);
    assert_eq!(v.decision, Action::Deny, "{v:?}");
    let any = || engine(vec![rule("any", "size(order.issues) > 0", Action::Deny)]);
    assert_eq!(
        check(&mut any(), CLEAN).decision,
        Action::Allow,
        "a clean order has no issues"
    );
    for (phone, ok) in [
        ("13800138000", true),
        ("+86 138-0013-8000", true),
        ("0086 13800138000", true),
        ("1380013800", true),
        ("1380013", false),
        ("8613800138000123", false),
        ("86123456789", false),
        ("+44 20 7946 0958", true),
        ("", false),
    ] {
        // A fresh engine each time: the same basket again would be `duplicate_recent`.
        let o = with(CLEAN, "13900139000", phone);
        assert_eq!(
            check(&mut any(), &o).decision == Action::Allow,
            ok,
            "{phone}"
        );
    }
}

#[test]
fn duplicates_within_the_window_under_another_order_id() {
    let mut e = engine(vec![rule(
        "dup",
        r#""duplicate_recent" in order.issues"#,
        Action::Review,
    )]);
    assert_eq!(
        check_at(&mut e, CLEAN, "2026-11-25T10:00:00Z", None).decision,
        Action::Allow
    );
    assert_eq!(
        check_at(&mut e, CLEAN, "2026-11-25T10:01:00Z", None).decision,
        Action::Review,
        "the same body order id re-checked: only a bound order id exempts (tests/identity.rs)"
    );
    let second = with(CLEAN, r#""order_id":"A""#, r#""order_id":"B""#);
    assert_eq!(
        check_at(&mut e, &second, "2026-11-25T10:05:00Z", None).decision,
        Action::Review
    );
    let third = with(CLEAN, r#""order_id":"A""#, r#""order_id":"C""#);
    assert_eq!(
        check_at(&mut e, &third, "2026-11-25T10:30:00Z", None).decision,
        Action::Allow,
        "outside the window"
    );
}

#[test]
fn messages_follow_the_locale_with_fallback() {
    let mut e = engine(vec![rule("r", "true", Action::Review)]);
    let m = check_at(&mut e, CLEAN, NOW, Some("en")).message.unwrap();
    assert_eq!((&*m.locale, &*m.text), ("en", "english r"));
    let m = check_at(&mut e, CLEAN, NOW, Some("en-US")).message.unwrap();
    assert_eq!(&*m.locale, "en");
    let m = check_at(&mut e, CLEAN, NOW, Some("fr")).message.unwrap();
    assert_eq!((&*m.locale, &*m.text), ("zh-CN", "中文 r"));
}

#[test]
fn a_message_missing_in_the_asked_locale_comes_from_the_next_one() {
    let mut src = source(vec![rule("r", "true", Action::Review)]);
    // `en` has no text for `r`: `en-US` → `en` finds none, so the default locale speaks.
    src.policy.messages.get_mut("en").unwrap().remove("r");
    let mut e = Engine::from_bytes(snapshot_of(&src)).unwrap();
    for asked in [Some("en"), Some("en-US"), Some("EN"), None] {
        let m = check_at(&mut e, CLEAN, NOW, asked).message.unwrap();
        assert_eq!((&*m.locale, &*m.text), ("zh-CN", "中文 r"), "{asked:?}");
    }
    let m = check_at(&mut e, CLEAN, NOW, Some("zh-cn")).message.unwrap();
    assert_eq!((&*m.locale, &*m.key), ("zh-CN", "r"));
}

#[test]
fn a_stale_snapshot_warns_and_raises_allow_to_review() {
    let mut e = engine(vec![]);
    let v = check_at(&mut e, CLEAN, "2026-12-30T00:00:00Z", None);
    assert_eq!(v.decision, Action::Review);
    assert_eq!(v.warnings.len(), 1);
    assert!(v.warnings[0].contains("expired"), "{:?}", v.warnings);
}

#[test]
fn a_failed_reload_keeps_the_old_snapshot() {
    let mut e = engine(vec![rule("r", "true", Action::Review)]);
    let before = e.info().version.clone();
    assert!(e.load(vec![1, 2, 3]).is_err());
    let mut damaged = snapshot::write(
        &source(vec![]),
        &WriteOptions {
            created_at: ts("2026-11-20T00:00:00Z"),
            key: checkout_guard::snapshot::DEMO_KEY,
        },
    )
    .unwrap();
    let mid = damaged.len() / 2;
    damaged[mid] ^= 0x55;
    assert!(e.load(damaged).is_err());
    assert_eq!(e.info().version, before);
    assert_eq!(check(&mut e, CLEAN).decision, Action::Review);
    assert_eq!(e.stats().loads, 1);
    assert_eq!(e.stats().checks, 1);
}

#[test]
fn facts_explain_what_rules_read() {
    let e = engine(vec![rule(
        "r",
        r#"customer.level == "watch""#,
        Action::StepUp,
    )]);
    let order = with(
        CLEAN,
        r#""phone":"13900139000""#,
        r#""phone":"+86 138-0013-8000""#,
    );
    let opts = CheckOptions {
        now: Some(ts(NOW)),
        locale: None,
        ..CheckOptions::default()
    };
    let facts = e.facts(&Order::from_json(&order).unwrap(), &opts);
    assert_eq!(facts["customer"]["level"], "watch");
    assert_eq!(facts["customer"]["matched"][0], "phone");
    assert_eq!(facts["order"]["total"], 336.0);
    assert_eq!(facts["items"][0]["category"], "茶叶");
    assert_eq!(facts["now"], NOW);
    assert_eq!(
        e.rule_facts(),
        vec![("r".to_string(), vec!["customer.level".to_string()])]
    );
    assert_eq!(e.stats().checks, 0, "explaining is not checking");
}

/// The blocklist above lists phones, e-mails and an address only: a check looks up no
/// other kind (docs/BENCHMARKS.md, "Native": those identifiers are neither normalized
/// nor hashed) and still finds every listed one, shipping phone included.
#[test]
fn kinds_the_blocklist_does_not_hold_are_skipped_and_listed_ones_still_match() {
    let e = engine(vec![rule("listed", "customer.listed", Action::Review)]);
    let s = e.snapshot();
    for kind in IdKind::ALL {
        let held = matches!(kind, IdKind::Phone | IdKind::Email | IdKind::Address);
        assert_eq!(s.may_list(kind), held, "{kind:?}");
    }
    let mut e = e;
    for (field, value) in [("email", "BAD@example.com"), ("phone", "+86 138 0013 8000")] {
        let order = format!(
            r#"{{"customer":{{"id":"c-9","{field}":"{value}","device_id":"d","ip":"10.0.0.1"}},"items":[]}}"#
        );
        let v = check(&mut e, &order);
        assert_eq!(v.decision, Action::Review, "{field}");
    }
    let shipping = r#"{"customer":{"id":"c-9"},"items":[],"shipping":{"phone":"13800138000"}}"#;
    assert_eq!(check(&mut e, shipping).decision, Action::Review);
    let clean = r#"{"customer":{"id":"c-9","device_id":"d","payment_fingerprint":"p","ip":"10.0.0.1"},"items":[]}"#;
    assert_eq!(check(&mut e, clean).decision, Action::Allow);
}

/// One keyed hash finds both a customer id's blocklist entries and its statistics:
/// the same answers as the two separate lookups.
#[test]
fn customer_id_lookup_agrees_with_the_separate_lookups() {
    let mut src = source(vec![]);
    src.blocklist
        .push(entry(IdKind::CustomerId, "K-1", Level::Watch, None));
    let s = checkout_guard::snapshot::Snapshot::from_bytes(snapshot_of(&src)).unwrap();
    for id in ["K-1", "K-2", ""] {
        let (mut one, mut two) = (Vec::new(), Vec::new());
        let stats = s.customer_id_lookup(id, |m| one.push((m.level, m.reason)));
        s.for_each_match(IdKind::CustomerId, id, |m| two.push((m.level, m.reason)));
        assert_eq!(one, two, "{id}");
        assert_eq!(stats, s.customer_normalized(id), "{id}");
        assert_eq!(stats.is_some(), id == "K-1");
        assert_eq!(one.len(), usize::from(id == "K-1"));
    }
}

/// The fact builder reuses its text buffers from one check to the next: an order
/// without a shipping phone after one with a valid one still has `invalid_phone`, and
/// a customer after a listed one is not listed.
#[test]
fn nothing_carries_over_from_the_previous_check() {
    let e = engine(vec![]);
    let opts = CheckOptions {
        now: Some(ts(NOW)),
        ..CheckOptions::default()
    };
    let facts = |order: &str| e.facts(&Order::from_json(order).unwrap(), &opts);
    let listed = facts(
        r#"{"customer":{"email":"bad@example.com"},"items":[],"shipping":{"name":"a","province":"p","city":"c","line1":"l","phone":"13800138000"}}"#,
    );
    assert_eq!(listed["customer"]["listed"], true);
    assert_eq!(listed["order"]["issues"], serde_json::json!([]));
    let bare = facts(r#"{"customer":{"email":"ok@example.com"},"items":[]}"#);
    assert_eq!(bare["customer"]["listed"], false);
    assert_eq!(
        bare["order"]["issues"],
        serde_json::json!(["missing_recipient", "invalid_phone", "incomplete_address"])
    );
}

/// An order time beyond what a timestamp holds is refused as "out of range" (issue 11),
/// by the fast and the careful order readers alike.
#[test]
fn order_times_beyond_the_range_are_out_of_range() {
    let mut engine = Engine::demo().unwrap();
    let order = r#"{"order_id": "T-1", "created_at": "9999-12-31T23:59:59Z",
        "items": [{"sku": "TEA-001", "quantity": 1}]}"#;
    let e = engine
        .check_json(order, &CheckOptions::default())
        .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("`9999-12-31T23:59:59Z` is out of range: timestamps run from"),
        "{text}"
    );
    assert!(text.contains("created_at"), "{text}");
}
