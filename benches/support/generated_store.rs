//! A generated store at benchmark scale (docs/semantics.md §13): 100k blocklist entries, 5k SKUs,
//! 20k known customers, ~10 rules, and a deterministic stream of 1–5 line orders. Shared
//! by the benchmarks in `benches/` (`#[path]`-included, not a crate).

#![allow(dead_code)]

use checkout_guard::model::{
    Action, BlockEntry, CatalogItem, CustomerRecord, CustomerStats, IdKind, Level, OnStale, Policy,
    PolicySource, Rule, Scope, VerifyMode,
};
use checkout_guard::time::{Duration, Timestamp};
use checkout_guard::Order;
use std::collections::BTreeMap;

/// A tiny deterministic generator (xorshift64*), so runs are repeatable.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn rule(id: &str, when: &str, action: Action, verify: &[&str], scope: Scope) -> Rule {
    Rule {
        id: id.to_string(),
        when: when.to_string(),
        action,
        verify: verify.iter().map(|s| s.to_string()).collect(),
        verify_mode: VerifyMode::Any,
        reason: id.to_uppercase().replace('-', "_"),
        message: Some(id.to_string()),
        scope,
        on_error: None,
    }
}

pub fn rules() -> Vec<Rule> {
    use Action::*;
    vec![
        rule("deny-invalid", r#""missing_recipient" in order.issues || "invalid_phone" in order.issues || "incomplete_address" in order.issues"#, Deny, &[], Scope::Order),
        rule("deny-tampered", r#""price_mismatch" in order.issues || "unknown_sku" in order.issues || "currency_mismatch" in order.issues"#, Deny, &[], Scope::Order),
        rule("deny-over-limit", "item.max_per_order > 0 && item.sku_quantity > item.max_per_order", Deny, &[], Scope::Item),
        rule("review-duplicate", r#""duplicate_recent" in order.issues"#, Review, &[], Scope::Order),
        rule("deny-blocked-restricted", r#"customer.level == "block" && item.restricted"#, Deny, &[], Scope::Item),
        rule("step-up-blocked", r#"customer.level == "block""#, StepUp, &["id_check"], Scope::Order),
        rule("step-up-listed", r#"customer.level == "step_up""#, StepUp, &["sms_otp"], Scope::Order),
        rule("watch-high-value", r#"customer.level == "watch" && order.total >= 2000.0"#, StepUp, &["sms_otp"], Scope::Order),
        rule("refund-abuse", "customer.refund_rate >= 0.5 && customer.orders_90d >= 4", Review, &[], Scope::Order),
        rule("new-account-high-value", "customer.account_age_days >= 0 && customer.account_age_days < 7 && items.exists(i, i.high_value)", StepUp, &["sms_otp"], Scope::Order),
        rule("trusted", "customer.known && customer.orders_90d >= 10 && customer.refunds_90d == 0 && !customer.listed", Allow, &[], Scope::Order),
    ]
}

pub const BLOCKLIST: usize = 100_000;
pub const SKUS: usize = 5_000;
pub const CUSTOMERS: usize = 20_000;

pub fn created_at() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-20T00:00:00Z").unwrap()
}

pub fn now() -> Timestamp {
    Timestamp::parse_rfc3339("2026-11-25T10:00:00Z").unwrap()
}

pub fn source(blocklist: usize) -> PolicySource {
    let mut rng = Rng::new(42);
    let mut messages = BTreeMap::new();
    let table: BTreeMap<String, String> = rules()
        .iter()
        .map(|r| (r.id.clone(), format!("message for {}", r.id)))
        .collect();
    messages.insert("zh-CN".to_string(), table.clone());
    messages.insert("en".to_string(), table);
    let policy = Policy {
        merchant: "bench-store".into(),
        currency: "CNY".into(),
        default_country_code: "86".into(),
        default_locale: "zh-CN".into(),
        valid_for: Duration::from_seconds(30 * 86_400),
        on_stale: OnStale::Review,
        duplicate_window: Duration::from_seconds(600),
        purchase_window: None,
        high_value_threshold: 2000.0,
        email_plus_tags: Default::default(),
        rules: rules(),
        messages,
        list_reasons: Default::default(),
        appeal: None,
    };
    let reasons = [
        "REFUND_ABUSE",
        "FRAUD",
        "CHARGEBACK",
        "HARASSMENT",
        "RESELLER",
        "DAMAGE_CLAIMS",
        "FAKE_ADDRESS",
        "RULE_ABUSE",
    ];
    let levels = [Level::Watch, Level::StepUp, Level::Block];
    let mut entries = Vec::with_capacity(blocklist);
    for i in 0..blocklist {
        let kind = IdKind::ALL[i % IdKind::ALL.len()];
        let value = match kind {
            IdKind::CustomerId => format!("c-{i}"),
            IdKind::Email => format!("user{i}@example.com"),
            IdKind::Phone => format!("86139{:08}", i),
            IdKind::DeviceId => format!("dev-{i:x}"),
            IdKind::Address => format!("浙江省杭州市西湖区文三路{i}号"),
            IdKind::PaymentFingerprint => format!("pf_{i:x}"),
            IdKind::Ip => format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255),
            // Patterns (not in `IdKind::ALL`): canonical spellings of each kind.
            IdKind::EmailDomain => format!("d{i}.example"),
            IdKind::IpRange => format!("10.{}.{}.0/24", (i >> 16) & 255, (i >> 8) & 255),
            IdKind::PhonePrefix => format!("86170{:04}", i % 10_000),
        };
        let expires_at = match rng.below(3) {
            0 => None,
            _ => Some(Timestamp::from_seconds(
                created_at().seconds() + rng.below(400 * 86_400) as i64 - 30 * 86_400,
            )),
        };
        entries.push(BlockEntry {
            kind,
            value,
            level: levels[rng.below(3) as usize],
            reason: reasons[rng.below(reasons.len() as u64) as usize].to_string(),
            added_at: Some(Timestamp::from_seconds(
                created_at().seconds() - rng.below(700 * 86_400) as i64,
            )),
            expires_at,
            scope: None,
        });
    }
    let categories = ["茶叶", "茶具", "收藏品", "礼盒", "香器", "书画"];
    let catalog = (0..SKUS)
        .map(|i| {
            let mut tags = Vec::new();
            if i % 50 == 0 {
                tags.push("limited_edition".to_string());
            }
            if i % 37 == 0 {
                tags.push("high_value".to_string());
            }
            CatalogItem {
                sku: format!("SKU-{i:05}"),
                name: format!("商品{i}"),
                category: categories[i % categories.len()].to_string(),
                price_minor: 1_000 + rng.below(300_000) as i64,
                tags,
                max_per_order: if i % 50 == 0 { 2 } else { 0 },
                stock: None,
                max_per_customer: 0,
            }
        })
        .collect();
    let customers = (0..CUSTOMERS)
        .map(|i| {
            let orders = rng.below(30) as u32;
            CustomerRecord {
                customer_id: format!("k-{i}"),
                stats: CustomerStats {
                    account_created_at: Some(Timestamp::from_seconds(
                        created_at().seconds() - rng.below(1_000 * 86_400) as i64,
                    )),
                    orders_90d: orders,
                    refunds_90d: rng.below(u64::from(orders) + 1) as u32 / 3,
                    chargebacks_365d: (rng.below(20) == 0) as u32,
                    addresses_90d: 1 + rng.below(4) as u32,
                },
            }
        })
        .collect();
    PolicySource {
        policy,
        blocklist: entries,
        catalog,
        customers,
    }
}

/// The generated store plus pattern and scoped entries (docs/semantics.md §3.3, §4.4):
/// 10,000 `/24` ranges (4,096 distinct), 1,000 e-mail domains, 100 seven-digit phone prefixes and 1,000
/// scoped customer entries, in canonical spelling (a `PolicySource` holds values
/// normalized). One length per pattern kind, so a check hashes one more candidate for
/// the IP, one for the e-mail and one per phone.
pub fn add_list_entries(source: &mut PolicySource) {
    use checkout_guard::model::{EntryScope, ScopeBy};
    let entry = |kind, value: String, scope: Option<EntryScope>| BlockEntry {
        kind,
        value,
        level: Level::StepUp,
        reason: "FRAUD".into(),
        added_at: None,
        expires_at: None,
        scope,
    };
    for i in 0..10_000u32 {
        let value = format!("172.{}.{}.0/24", 16 + (i >> 8) % 16, i & 255);
        source.blocklist.push(entry(IdKind::IpRange, value, None));
    }
    for i in 0..1_000 {
        source
            .blocklist
            .push(entry(IdKind::EmailDomain, format!("d{i}.example"), None));
        let scope = EntryScope {
            by: ScopeBy::Tag,
            value: "limited_edition".into(),
        };
        source.blocklist.push(entry(
            IdKind::CustomerId,
            format!("c-{}", i * 7),
            Some(scope),
        ));
    }
    for i in 0..100 {
        source
            .blocklist
            .push(entry(IdKind::PhonePrefix, format!("86170{i:02}"), None));
    }
}

/// A stream of realistic orders: mostly clean, some listed customers, known and
/// unknown customers, 1–5 lines.
pub fn orders(count: usize, seed: u64) -> Vec<Order> {
    let mut rng = Rng::new(seed);
    (0..count)
        .map(|n| {
            let listed = rng.below(10) == 0;
            let i = rng.below(BLOCKLIST as u64);
            let customer = if rng.below(2) == 0 {
                format!("k-{}", rng.below(CUSTOMERS as u64 * 2))
            } else {
                format!("c-{}", i - i % 7)
            };
            let lines: Vec<String> = (0..1 + rng.below(5))
                .map(|_| {
                    let sku = rng.below(SKUS as u64 + 20);
                    format!(r#"{{"sku":"SKU-{sku:05}","quantity":{}}}"#, 1 + rng.below(3))
                })
                .collect();
            let email = if listed { format!("user{}@example.com", i - i % 7 + 1) } else { format!("shopper{n}@example.net") };
            let json = format!(
                r#"{{"order_id":"B-{n}","created_at":"2026-11-25T09:00:00Z","currency":"CNY","channel":"web",
                "customer":{{"id":"{customer}","email":"{email}","phone":"+86 138-{:04}-{:04}","device_id":"dev-{:x}","ip":"203.0.113.{}"}},
                "shipping":{{"name":"张三","phone":"138{:08}","province":"浙江省","city":"杭州市","district":"西湖区","line1":"文三路{}号"}},
                "items":[{}]}}"#,
                rng.below(10_000),
                rng.below(10_000),
                rng.below(1 << 20),
                rng.below(256),
                rng.below(100_000_000),
                rng.below(1_000),
                lines.join(",")
            );
            Order::from_json(&json).unwrap()
        })
        .collect()
}
