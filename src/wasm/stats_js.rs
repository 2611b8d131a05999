//! `engine.stats()` and `engine.ruleFacts()` as JS objects built property by property
//! instead of `serde_json::to_string` → `JSON.parse`: the wasm runtime then carries no
//! serde_json serializer for [`Stats`] or for a `serde_json::Map` (docs/BENCHMARKS.md,
//! "Issue 10").
//!
//! The shape is exactly the JSON one: the same keys in the same order (the order serde
//! gives, `decisions` flattened), counts as JS numbers (`JSON.parse` of a `u64` gives the
//! nearest double, as `as f64` does). `tests/node/package.test.mjs` and `tests/wasm.rs`
//! compare them with the JSON the CLI and `checkJson` write.

use crate::backtest::{CategoryCount, DecisionCounts, ReasonCount, RuleCount};
use crate::engine::{Stats, TopSku};
use js_sys::{Array, Object};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A plain object filled by `object[key] = value` (no `Reflect.set` and its
    /// exception wrapper: setting a property on a fresh `Object` cannot throw).
    #[wasm_bindgen(extends = Object)]
    type Plain;

    #[wasm_bindgen(method, structural, indexing_setter)]
    fn set(this: &Plain, key: &JsValue, value: &JsValue);
}

/// A fresh `{}`.
fn plain() -> Plain {
    Object::new().unchecked_into()
}

/// `object[key] = value`.
fn set(o: &Plain, key: &str, value: &JsValue) {
    o.set(&JsValue::from_str(key), value);
}

/// A count as `JSON.parse` reads it back from serde_json's text.
fn count(n: u64) -> JsValue {
    JsValue::from_f64(n as f64)
}

/// An array of `items`, each written by `write`.
fn array<T>(items: &[T], write: impl Fn(&T) -> Plain) -> Array {
    let a = Array::new();
    for item in items {
        a.push(&write(item));
    }
    a
}

/// `engine.stats()`. Every struct is taken apart field by field, so a field added to
/// the stats fails to compile here instead of going missing from JS.
pub(super) fn stats(stats: &Stats) -> JsValue {
    let Stats {
        checks,
        decisions:
            DecisionCounts {
                allow,
                warn,
                review,
                step_up,
                deny,
            },
        rule_errors,
        loads,
        duplicate_memory,
        rules,
        reasons,
        list_reasons,
        categories,
        top_skus,
        sku_counters,
    } = stats;
    let o = plain();
    set(&o, "checks", &count(*checks));
    set(&o, "allow", &count(*allow));
    set(&o, "warn", &count(*warn));
    set(&o, "review", &count(*review));
    set(&o, "step_up", &count(*step_up));
    set(&o, "deny", &count(*deny));
    set(&o, "rule_errors", &count(*rule_errors));
    set(&o, "loads", &count(*loads));
    set(&o, "duplicate_memory", &count(*duplicate_memory as u64));
    let rules = array(
        rules,
        |RuleCount {
             rule,
             action,
             fired,
         }| {
            let r = plain();
            set(&r, "rule", &JsValue::from_str(rule));
            set(&r, "action", &JsValue::from_str(action.as_str()));
            set(&r, "fired", &count(*fired));
            r
        },
    );
    set(&o, "rules", &rules);
    let reason = |ReasonCount { code, orders }: &ReasonCount| {
        let r = plain();
        set(&r, "code", &JsValue::from_str(code));
        set(&r, "orders", &count(*orders));
        r
    };
    set(&o, "reasons", &array(reasons, reason));
    set(&o, "list_reasons", &array(list_reasons, reason));
    let categories = array(
        categories,
        |CategoryCount {
             category,
             lines,
             flagged_lines,
             flagged_by_item_rules,
         }| {
            let c = plain();
            set(&c, "category", &JsValue::from_str(category));
            set(&c, "lines", &count(*lines));
            set(&c, "flagged_lines", &count(*flagged_lines));
            set(&c, "flagged_by_item_rules", &count(*flagged_by_item_rules));
            c
        },
    );
    set(&o, "categories", &categories);
    let top_skus = array(
        top_skus,
        |TopSku {
             sku,
             name,
             flagged_orders,
             error,
         }| {
            let t = plain();
            set(&t, "sku", &JsValue::from_str(sku));
            set(&t, "name", &JsValue::from_str(name));
            set(&t, "flagged_orders", &count(*flagged_orders));
            set(&t, "error", &count(*error));
            t
        },
    );
    set(&o, "top_skus", &top_skus);
    set(&o, "sku_counters", &count(*sku_counters as u64));
    o.into()
}

/// `engine.ruleFacts()`: `{ruleId: [path, …]}` with the ids in ascending order, as the
/// JSON map gave them (a repeated id keeps its last rule's facts, as the map did).
pub(super) fn rule_facts(facts: &[(String, Vec<String>)]) -> JsValue {
    // `(&str, u64)`: the sort the check already has (`fact_builder`), not one more.
    let mut by_id: Vec<(&str, u64)> = facts
        .iter()
        .zip(0u64..)
        .map(|((id, _), i)| (id.as_str(), i))
        .collect();
    by_id.sort_unstable();
    let o = plain();
    for (id, i) in by_id {
        let Some((_, paths)) = usize::try_from(i).ok().and_then(|i| facts.get(i)) else {
            continue;
        };
        let a = Array::new();
        for path in paths {
            a.push(&JsValue::from_str(path));
        }
        set(&o, id, &a);
    }
    o.into()
}
