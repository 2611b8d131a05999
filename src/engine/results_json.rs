//! The JSON text of the engine's results that the wasm runtime hands to JavaScript —
//! `info()`, `facts()`, `explain()`, and the errors of `checkMany` and of a load — written
//! by the crate's JSON writer (`src/json/write.rs`) instead of serde, so the runtime links
//! no serde serializer (docs/BENCHMARKS.md, "Issue 10: the runtime without serde").
//!
//! The text is exactly what `serde_json` wrote before for the same values (the tests below
//! compare them on the demo store and on generated orders): the same keys in the same
//! order — a `serde_json::Value`'s keys sorted, which is how `Engine::facts` gave the
//! facts —, the same numbers. Each struct is taken apart field by field, so a field added
//! to it fails to compile here instead of going missing from the JSON.

use super::{CheckOptions, Engine, Order, OrderError, Settings};
use crate::diagnostic::{Diagnostic, Severity, Span};
use crate::json::write::{self, SortedObject, ToJson, Writer};
use crate::model::Rule;
use crate::rules::facts::{CustomerFacts, Facts, ItemFacts, OrderFacts, ShippingFacts};
use crate::time::Timestamp;
use std::borrow::Cow;

impl Engine {
    /// `engine.info()`: the snapshot's info (as `inspect --json` writes it) with the
    /// policy's settings and rules added under `policy`.
    pub fn info_json(&self) -> String {
        let mut w = Writer::new();
        w.begin_object();
        self.info().write_fields(&mut w);
        w.key("policy");
        w.begin_object();
        self.settings().write_fields(&mut w);
        w.field("rules", &self.snapshot().policy().rules);
        w.end_object();
        w.end_object();
        w.finish()
    }

    /// [`Engine::facts`] as JSON text.
    pub fn facts_json(&self, order: &Order, options: &CheckOptions) -> String {
        let p = self.prepare(Cow::Borrowed(order), options);
        write::to_string(&super::fact_builder::build(
            &self.loaded,
            &p.order,
            p.inputs(),
        ))
    }

    /// [`Engine::explain`] as JSON text: `{verdict, facts, suppressed}`.
    pub fn explain_json(&mut self, order: &Order, options: &CheckOptions) -> String {
        let (verdict, facts, suppressed) = self.explain_with(order, options, Engine::facts_json);
        let mut w = Writer::new();
        w.begin_object();
        w.field("verdict", &verdict);
        w.key("facts");
        w.raw(&facts);
        w.field("suppressed", &suppressed);
        w.end_object();
        w.finish()
    }
}

impl Settings<'_> {
    /// The fields without the braces: `engine.info().policy` adds `rules` to them.
    fn write_fields(&self, w: &mut Writer) {
        let Settings {
            currency,
            default_country_code,
            default_locale,
            high_value_threshold,
            on_stale,
            duplicate_window_seconds,
            purchase_window_seconds,
            valid_for_seconds,
            email_plus_tags,
        } = self;
        w.field("currency", currency);
        w.field("default_country_code", default_country_code);
        w.field("default_locale", default_locale);
        w.field("high_value_threshold", high_value_threshold);
        w.field("on_stale", on_stale.name());
        w.field("duplicate_window_seconds", duplicate_window_seconds);
        w.field("purchase_window_seconds", purchase_window_seconds);
        w.field("valid_for_seconds", valid_for_seconds);
        w.field("email_plus_tags", email_plus_tags.name());
    }
}

/// A rule as the policy serializes it. Not taken apart like the others (its field list
/// is the policy reader's): `tests/json_results.rs` compares it with serde's derive.
impl ToJson for Rule {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        w.field("id", &self.id);
        w.field("when", &self.when);
        w.field("action", self.action.name());
        // Left out when empty or the default, as the policy's serialization does.
        if !self.verify.is_empty() {
            w.field("verify", &self.verify);
        }
        if self.verify_mode != crate::model::VerifyMode::default() {
            w.field("verify_mode", self.verify_mode.name());
        }
        w.field("reason", &self.reason);
        if let Some(message) = &self.message {
            w.field("message", message);
        }
        w.field("scope", self.scope.name());
        if let Some(on_error) = self.on_error {
            w.field("on_error", on_error.name());
        }
        w.end_object();
    }
}

impl ToJson for Timestamp {
    fn write_json(&self, w: &mut Writer) {
        w.string(&self.to_rfc3339());
    }
}

// The facts, each object with its keys sorted (see the module doc).

impl ToJson for Facts<'_> {
    fn write_json(&self, w: &mut Writer) {
        let Facts {
            customer,
            order,
            items,
            verified,
            now,
        } = self;
        let mut o = SortedObject::new();
        o.field("customer", customer);
        o.field("order", order);
        o.field("items", items);
        o.field("verified", verified);
        o.field("now", now);
        o.write(w);
    }
}

impl ToJson for CustomerFacts<'_> {
    fn write_json(&self, w: &mut Writer) {
        // `entry` is for messages and `scoped` marks lines: neither is a fact rules read
        // (see the fields).
        let CustomerFacts {
            level,
            level_certain,
            listed,
            reasons,
            matched,
            known,
            account_age_days,
            orders_90d,
            refunds_90d,
            refund_rate,
            chargebacks_365d,
            addresses_90d,
            bound,
            entry: _,
            scoped: _,
        } = self;
        let mut o = SortedObject::new();
        o.field("level", level.as_str());
        o.field("level_certain", level_certain);
        o.field("listed", listed);
        o.field("reasons", reasons);
        o.field("matched", matched);
        o.field("known", known);
        o.field("account_age_days", account_age_days);
        o.field("orders_90d", orders_90d);
        o.field("refunds_90d", refunds_90d);
        o.field("refund_rate", refund_rate);
        o.field("chargebacks_365d", chargebacks_365d);
        o.field("addresses_90d", addresses_90d);
        o.field("bound", bound);
        o.write(w);
    }
}

impl ToJson for OrderFacts<'_> {
    fn write_json(&self, w: &mut Writer) {
        let OrderFacts {
            total,
            currency,
            line_count,
            item_count,
            channel,
            created_at,
            shipping,
            issues,
        } = self;
        let mut o = SortedObject::new();
        o.field("total", total);
        o.field("currency", currency);
        o.field("line_count", line_count);
        o.field("item_count", item_count);
        o.field("channel", channel);
        o.field("created_at", created_at);
        o.field("shipping", shipping);
        o.field("issues", issues);
        o.write(w);
    }
}

impl ToJson for ShippingFacts<'_> {
    fn write_json(&self, w: &mut Writer) {
        let ShippingFacts {
            province,
            city,
            district,
            line1,
            name,
            phone,
        } = self;
        let mut o = SortedObject::new();
        o.field("province", province);
        o.field("city", city);
        o.field("district", district);
        o.field("line1", line1);
        o.field("name", name);
        o.field("phone", phone);
        o.write(w);
    }
}

impl ToJson for ItemFacts<'_> {
    fn write_json(&self, w: &mut Writer) {
        let ItemFacts {
            sku,
            name,
            category,
            price,
            quantity,
            sku_quantity,
            line_total,
            tags,
            high_value,
            limited,
            restricted,
            known,
            max_per_order,
            listed,
            list_level,
            stock,
            max_per_customer,
            bought_in_window,
        } = self;
        let mut o = SortedObject::new();
        o.field("sku", sku);
        o.field("name", name);
        o.field("category", category);
        o.field("price", price);
        o.field("quantity", quantity);
        o.field("sku_quantity", sku_quantity);
        o.field("line_total", line_total);
        o.field("tags", tags);
        o.field("high_value", high_value);
        o.field("limited", limited);
        o.field("restricted", restricted);
        o.field("known", known);
        o.field("max_per_order", max_per_order);
        o.field("listed", listed);
        o.field("list_level", list_level.as_str());
        o.field("stock", stock);
        o.field("max_per_customer", max_per_customer);
        o.field("bought_in_window", bought_in_window);
        o.write(w);
    }
}

impl ToJson for OrderError {
    fn write_json(&self, w: &mut Writer) {
        let OrderError { path, message } = self;
        w.begin_object();
        w.field("path", path);
        w.field("message", message);
        w.end_object();
    }
}

impl ToJson for Diagnostic {
    fn write_json(&self, w: &mut Writer) {
        let Diagnostic {
            code,
            severity,
            message,
            help,
            file,
            rule,
            spans,
        } = self;
        w.begin_object();
        w.field("code", code.name());
        w.field(
            "severity",
            match severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
        );
        w.field("message", message);
        for (key, value) in [("help", help), ("file", file), ("rule", rule)] {
            if let Some(value) = value {
                w.field(key, value);
            }
        }
        w.field("spans", spans);
        w.end_object();
    }
}

impl ToJson for Span {
    fn write_json(&self, w: &mut Writer) {
        let Span {
            start,
            end,
            line,
            column,
        } = self;
        w.begin_object();
        for (key, value) in [("start", start), ("end", end)] {
            if let Some(value) = value {
                w.field(key, value);
            }
        }
        w.field("line", line);
        w.field("column", column);
        w.end_object();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Code;

    /// The results not covered by `tests/json_results.rs` (which compares `info`,
    /// `facts`, `explain` and verdicts): a load's diagnostics and `checkMany`'s error.
    #[test]
    fn diagnostics_and_order_errors_are_what_serde_wrote() {
        let code = Code::ALL.first().copied().unwrap();
        let diagnostics = vec![
            Diagnostic::error(code, "bad `x`\n\"quoted\""),
            Diagnostic::warning(code, "w")
                .with_help("do this")
                .in_file("policy.toml")
                .in_rule("r1")
                .with_span(Span::new(3, 9)),
            Diagnostic::error(code, "e").with_span(Span::at_line_column(2, 5)),
        ];
        assert_eq!(
            write::to_string(&diagnostics),
            serde_json::to_string(&diagnostics).unwrap()
        );
        let error = OrderError {
            path: "items[2].quantity".into(),
            message: "expected an integer".into(),
        };
        assert_eq!(
            write::to_string(&error),
            serde_json::to_string(&error).unwrap()
        );
    }
}
