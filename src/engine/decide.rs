//! One check, start to end: order → facts (blocklist level, customer history, item
//! prices and restrictions, issues) → rule evaluation → decision, verify methods, lines
//! and message, following docs/semantics.md §9 to the letter.

use super::facts::{CustomerFacts, Facts, ItemFacts, OrderFacts, ShippingFacts};
use super::issues;
use super::order::Order;
use super::verdict::{LineVerdict, Message, Reason, Verdict};
use super::Loaded;
use crate::model::{from_minor_units, to_minor_units, Action, IdKind, OnStale, Scope};
use crate::normalize;
use crate::time::Timestamp;
use std::sync::Arc;

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// Judges `order` at `now`; returns the verdict and how many rule evaluations failed.
pub(super) fn decide(
    loaded: &Loaded,
    order: &Order,
    now: Timestamp,
    duplicate: bool,
    locale: Option<&str>,
) -> (Verdict, u64) {
    let facts = facts(loaded, order, now, duplicate);
    evaluate(loaded, order, &facts, now, locale)
}

/// Everything the rules can read about `order` at `now`.
pub(super) fn facts<'a>(
    loaded: &'a Loaded,
    order: &'a Order,
    now: Timestamp,
    duplicate: bool,
) -> Facts<'a> {
    let snapshot = &loaded.snapshot;
    let policy = snapshot.policy();
    let cc = policy.default_country_code.as_str();

    // Normalized once: looked up in the blocklist and checked for `invalid_phone`.
    let shipping_phone = order
        .shipping
        .as_ref()
        .and_then(|s| s.phone.as_deref())
        .map(|p| normalize::identifier(IdKind::Phone, p, cc))
        .unwrap_or_default();
    let customer = customer_facts(loaded, order, &shipping_phone, now);
    let (items, total_minor) = item_facts(loaded, order);

    let mut issue_list = Vec::new();
    issues::find(
        order,
        &items,
        !snapshot.has_catalog(),
        &policy.currency,
        &shipping_phone,
        &mut issue_list,
    );
    if duplicate {
        issue_list.push(issues::DUPLICATE_RECENT);
    }
    let shipping = order.shipping.as_ref();
    let field = |f: fn(&super::order::Shipping) -> &Option<String>| {
        shipping.and_then(|s| f(s).as_deref()).unwrap_or("")
    };
    Facts {
        customer,
        order: OrderFacts {
            total: from_minor_units(clamp_i64(total_minor), loaded.exponent),
            currency: order.currency.as_deref().unwrap_or(&policy.currency),
            line_count: order.items.len() as i64,
            item_count: order
                .items
                .iter()
                .map(|l| l.quantity as i64)
                .fold(0i64, i64::saturating_add),
            channel: order.channel.as_deref().unwrap_or(""),
            created_at: order.created_at.unwrap_or(now),
            shipping: ShippingFacts {
                province: field(|s| &s.province),
                city: field(|s| &s.city),
                district: field(|s| &s.district),
                line1: field(|s| &s.line1),
                name: field(|s| &s.name),
                phone: field(|s| &s.phone),
            },
            issues: issue_list,
        },
        items,
        verified: &order.verified,
        now,
    }
}

/// Runs every rule over `facts` and assembles the verdict (docs/semantics.md §9).
fn evaluate(
    loaded: &Loaded,
    order: &Order,
    facts: &Facts<'_>,
    now: Timestamp,
    locale: Option<&str>,
) -> (Verdict, u64) {
    let snapshot = &loaded.snapshot;
    let policy = snapshot.policy();
    let mut reasons = Vec::new();
    let mut warnings = Vec::new();
    let mut rule_errors = 0u64;
    let mut line_actions: Vec<Action> = vec![Action::Allow; order.items.len()];
    let mut fired: Vec<&super::CompiledRule> = Vec::new();
    for rule in &loaded.rules {
        if rule.action == Action::StepUp
            && rule
                .verify
                .iter()
                .any(|m| order.verified.iter().any(|v| v.as_str() == &**m))
        {
            continue;
        }
        let mut report = |e: crate::rules::EvalError, line: Option<usize>| {
            rule_errors += 1;
            warnings.push(match line {
                Some(i) => format!("rule `{}` failed on line {i}: {e}", rule.id),
                None => format!("rule `{}` failed: {e}", rule.id),
            });
        };
        match rule.scope {
            Scope::Order => match rule.program.eval(facts, None) {
                Ok(true) => {
                    fired.push(rule);
                    reasons.push(reason(rule, Vec::new()));
                }
                Ok(false) => {}
                Err(e) => report(e, None),
            },
            Scope::Item => {
                let mut lines = Vec::new();
                for (i, item) in facts.items.iter().enumerate() {
                    match rule.program.eval(facts, Some(item)) {
                        Ok(true) => lines.push(i),
                        Ok(false) => {}
                        Err(e) => report(e, Some(i)),
                    }
                }
                if !lines.is_empty() {
                    for &i in &lines {
                        if let Some(a) = line_actions.get_mut(i) {
                            *a = (*a).max(rule.action);
                        }
                    }
                    fired.push(rule);
                    reasons.push(reason(rule, lines));
                }
            }
        }
    }

    let most_severe = fired
        .iter()
        .map(|r| r.action)
        .max()
        .unwrap_or(Action::Allow);
    let allowlisted = fired.iter().any(|r| r.action == Action::Allow);
    let mut decision = if most_severe == Action::Deny || !allowlisted {
        most_severe
    } else {
        Action::Allow
    };
    if now >= snapshot.expires_at() {
        warnings.push(format!(
            "snapshot expired at {}; compile and deploy a fresh one",
            snapshot.info().expires_at
        ));
        if policy.on_stale == OnStale::Review && decision == Action::Allow {
            decision = Action::Review;
        }
    }

    let mut verify: Vec<Arc<str>> = Vec::new();
    if decision == Action::StepUp {
        for rule in fired.iter().filter(|r| r.action == Action::StepUp) {
            for m in &rule.verify {
                if !verify.contains(m) {
                    verify.push(m.clone());
                }
            }
        }
    }
    let message = fired
        .iter()
        .filter(|r| r.action == decision)
        .find_map(|r| r.message.as_ref())
        .and_then(|key| message(loaded, key, locale));
    let lines = order
        .items
        .iter()
        .zip(line_actions)
        .map(|(l, decision)| LineVerdict {
            sku: l.sku.clone(),
            decision,
        })
        .collect();
    let verdict = Verdict {
        decision,
        verify,
        reasons,
        lines,
        message,
        snapshot: loaded.snapshot_ref.clone(),
        warnings,
    };
    (verdict, rule_errors)
}

fn reason(rule: &super::CompiledRule, lines: Vec<usize>) -> Reason {
    Reason {
        rule: rule.id.clone(),
        code: rule.code.clone(),
        action: rule.action,
        lines,
    }
}

/// The message `key` in the requested locale, else its language (`en-US` → `en`), else
/// the policy's default locale.
fn message(loaded: &Loaded, key: &Arc<str>, locale: Option<&str>) -> Option<Message> {
    let policy = loaded.snapshot.policy();
    let language = locale
        .and_then(|l| l.split_once(['-', '_']))
        .map(|(lang, _)| lang);
    let candidates = [locale, language, Some(policy.default_locale.as_str())];
    for want in candidates.into_iter().flatten() {
        let found = loaded
            .locales
            .iter()
            .find(|l| l.eq_ignore_ascii_case(want) || l.split('-').next() == Some(want));
        if let Some(l) = found {
            if let Some(text) = loaded.messages.get(&**l).and_then(|t| t.get(&**key)) {
                return Some(Message {
                    locale: l.clone(),
                    text: text.clone(),
                    key: key.clone(),
                });
            }
        }
    }
    None
}

/// Blocklist level, reasons and matched kinds, and `customers.csv` history.
fn customer_facts<'a>(
    loaded: &'a Loaded,
    order: &Order,
    shipping_phone: &str,
    now: Timestamp,
) -> CustomerFacts<'a> {
    let snapshot = &loaded.snapshot;
    let cc = snapshot.policy().default_country_code.as_str();
    let c = &order.customer;
    let mut facts = CustomerFacts::default();
    let mut kinds_matched = [false; IdKind::ALL.len()];
    let mut lookup = |kind: IdKind, normalized: &str| {
        if normalized.is_empty() {
            return;
        }
        snapshot.for_each_match(kind, normalized, |m| {
            if m.expires_at.is_some_and(|e| e <= now) {
                return;
            }
            facts.listed = true;
            facts.level = facts.level.max(m.level);
            if !facts.reasons.contains(&m.reason) {
                facts.reasons.push(m.reason);
            }
            if let Some(seen) = kinds_matched.get_mut(usize::from(kind.code())) {
                *seen = true;
            }
        });
    };
    let mut buf = String::with_capacity(64);
    let ident = |kind, raw: &Option<String>, out: &mut String| {
        out.clear();
        if let Some(r) = raw.as_deref() {
            normalize::identifier_into(kind, r, cc, out);
        }
    };
    for (kind, raw) in [
        (IdKind::CustomerId, &c.id),
        (IdKind::Email, &c.email),
        (IdKind::DeviceId, &c.device_id),
        (IdKind::PaymentFingerprint, &c.payment_fingerprint),
        (IdKind::Ip, &c.ip),
    ] {
        ident(kind, raw, &mut buf);
        lookup(kind, &buf);
    }
    ident(IdKind::Phone, &c.phone, &mut buf);
    lookup(IdKind::Phone, &buf);
    if shipping_phone != buf {
        lookup(IdKind::Phone, shipping_phone);
    }
    if let Some(s) = &order.shipping {
        let address = normalize::order_address(
            or_empty(&s.province),
            or_empty(&s.city),
            or_empty(&s.district),
            or_empty(&s.line1),
        );
        lookup(IdKind::Address, &address);
    }
    facts.matched = IdKind::ALL
        .iter()
        .zip(kinds_matched)
        .filter(|(_, m)| *m)
        .map(|(k, _)| k.as_str())
        .collect();

    let stats = c.id.as_deref().and_then(|id| snapshot.customer(id));
    facts.known = stats.is_some();
    let stats = stats.unwrap_or_default();
    facts.orders_90d = i64::from(stats.orders_90d);
    facts.refunds_90d = i64::from(stats.refunds_90d);
    facts.chargebacks_365d = i64::from(stats.chargebacks_365d);
    facts.addresses_90d = i64::from(stats.addresses_90d);
    facts.refund_rate = facts.refunds_90d as f64 / facts.orders_90d.max(1) as f64;
    facts.account_age_days =
        stats
            .account_created_at
            .or(c.account_created_at)
            .map_or(-1, |created| {
                now.0
                    .saturating_sub(created.0)
                    .div_euclid(NANOS_PER_DAY)
                    .max(0)
            });
    facts
}

/// Per-line facts and `order.total` in minor units (catalog price × quantity over known SKUs, else the
/// submitted price, summed exactly).
fn item_facts<'a>(loaded: &'a Loaded, order: &'a Order) -> (Vec<ItemFacts<'a>>, i128) {
    let snapshot = &loaded.snapshot;
    let mut total: i128 = 0;
    let mut items = Vec::with_capacity(order.items.len());
    for line in &order.items {
        let catalog = snapshot.catalog_item(&line.sku);
        let price_minor = line_price_minor(loaded, line, catalog);
        let quantity = line.quantity as i64;
        let line_minor = i128::from(price_minor) * i128::from(quantity);
        total += line_minor;
        let mut facts = ItemFacts {
            sku: &line.sku,
            price: from_minor_units(price_minor, loaded.exponent),
            quantity,
            line_total: from_minor_units(clamp_i64(line_minor), loaded.exponent),
            ..ItemFacts::default()
        };
        if let Some(item) = catalog {
            facts.name = &item.name;
            facts.category = &item.category;
            facts.tags = &item.tags;
            facts.known = true;
            facts.max_per_order = i64::from(item.max_per_order);
        }
        let tagged = |t: &str| facts.tags.iter().any(|x| x == t);
        facts.high_value = tagged("high_value") || price_minor >= loaded.threshold_minor;
        facts.limited = tagged("limited_edition");
        facts.restricted = facts.high_value || facts.limited;
        items.push(facts);
    }
    (items, total)
}

fn line_price_minor(
    loaded: &Loaded,
    line: &super::order::Line,
    catalog: Option<&crate::model::CatalogItem>,
) -> i64 {
    match catalog {
        Some(item) => item.price_minor,
        None => line
            .unit_price
            .and_then(|p| to_minor_units(p, loaded.exponent))
            .unwrap_or(0),
    }
}

fn or_empty(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}
