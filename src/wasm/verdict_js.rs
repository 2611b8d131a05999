//! The verdict of `engine.check` and `engine.checkMany` as a JS object, built property by
//! property from Rust instead of `serde_json::to_string` → UTF-8 → `TextDecoder` →
//! `JSON.parse`.
//!
//! A verdict is mostly constant text: property names, the four actions, rule ids, reason
//! codes, verify methods, the customer message (often the longest string, in Chinese),
//! the snapshot's merchant, version and expiry. Each of those becomes a JS string once
//! and is then handed over by reference, so a check decodes only what is new in it: line
//! SKUs and warnings. The objects and arrays themselves are fresh for every verdict (a
//! caller may keep or change one without touching the next).
//!
//! The shape is exactly what serde gives for [`Verdict`] (docs/semantics.md §9): the same
//! keys in the same order, `message` `null` when absent. `tests/node/package.test.mjs`
//! holds `JSON.stringify(engine.check(order))` to `engine.checkJson(text)`, byte for byte.

use crate::engine::verdict::{LineVerdict, Message, Reason, SnapshotRef, Verdict};
use crate::model::Action;
use js_sys::{Array, Object};
use std::sync::Arc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A plain object filled by `object[key] = value` (no `Reflect.set` and its
    /// exception wrapper: setting a property on a fresh `Object` cannot throw).
    #[wasm_bindgen(extends = Object)]
    pub(super) type Plain;

    #[wasm_bindgen(method, structural, indexing_setter)]
    pub(super) fn set(this: &Plain, key: &JsValue, value: &JsValue);
}

/// The property names of a verdict, as JS strings made once.
struct Keys {
    decision: JsValue,
    verify: JsValue,
    verify_required: JsValue,
    reasons: JsValue,
    lines: JsValue,
    message: JsValue,
    snapshot: JsValue,
    warnings: JsValue,
    rule: JsValue,
    code: JsValue,
    action: JsValue,
    sku: JsValue,
    locale: JsValue,
    text: JsValue,
    key: JsValue,
    merchant: JsValue,
    version: JsValue,
    expires_at: JsValue,
}

impl Keys {
    fn new() -> Self {
        let s = JsValue::from_str;
        Keys {
            decision: s("decision"),
            verify: s("verify"),
            verify_required: s("verify_required"),
            reasons: s("reasons"),
            lines: s("lines"),
            message: s("message"),
            snapshot: s("snapshot"),
            warnings: s("warnings"),
            rule: s("rule"),
            code: s("code"),
            action: s("action"),
            sku: s("sku"),
            locale: s("locale"),
            text: s("text"),
            key: s("key"),
            merchant: s("merchant"),
            version: s("version"),
            expires_at: s("expires_at"),
        }
    }
}

/// More distinct strings than a verdict-heavy policy hands out (rule ids, codes,
/// methods, a message per key and locale): past it the table starts over, so strings of
/// snapshots replaced over a long life do not pile up, and a lookup stays a short scan.
const MAX_SHARED: usize = 512;

/// Turns verdicts into JS objects, holding the JS strings of their constant parts.
/// One per `Engine`; [`VerdictWriter::clear`] on every snapshot swap.
pub(super) struct VerdictWriter {
    keys: Keys,
    /// `allow`, `warn`, `review`, `step_up`, `deny`.
    actions: [JsValue; 5],
    strings: Strings,
    skus: Skus,
}

/// Line SKUs up to this many bytes are kept as JS strings between verdicts.
const SKU_KEPT: usize = 64;
/// Slots of the SKU table (a power of two).
const SKU_SLOTS: usize = 256;

/// The JS strings of recent line SKUs, found by content. A line's SKU is the caller's
/// text, not a policy string, so it cannot be found by pointer like [`Strings`]; yet most
/// lines name SKUs seen moments before, and decoding each afresh (a `TextDecoder` call a
/// line) was a measurable part of writing a verdict (docs/BENCHMARKS.md, "Where a JS
/// check's time goes"). Direct-mapped by a hash of the text: a new SKU, a collision or an
/// SKU longer than [`SKU_KEPT`] is decoded afresh as before, so SKUs chosen to collide
/// cost nothing more than they did, and the table never holds more than
/// `SKU_SLOTS × SKU_KEPT` bytes of text.
struct Skus(Vec<Option<(Box<str>, JsValue)>>);

impl Skus {
    fn get(&mut self, sku: &str) -> JsValue {
        if sku.len() > SKU_KEPT {
            return JsValue::from_str(sku);
        }
        if self.0.is_empty() {
            self.0.resize_with(SKU_SLOTS, || None);
        }
        let Some(slot) = self.0.get_mut(slot_of(sku)) else {
            return JsValue::from_str(sku);
        };
        match slot {
            Some((text, value)) if **text == *sku => value.clone(),
            _ => {
                let value = JsValue::from_str(sku);
                *slot = Some((sku.into(), value.clone()));
                value
            }
        }
    }
}

/// The slot of `text` in [`Skus`]: FNV-1a over its bytes (a table slot, not a secret:
/// see [`Skus`] for why collisions are harmless).
fn slot_of(text: &str) -> usize {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // The high bits mix best; truncation to the table's size is the intent.
    (hash >> 56) as usize % SKU_SLOTS
}

/// The JS string of each policy string (`Arc<str>` shared with the engine), found by
/// the identity of its `Arc` (a pointer compare; a verdict's few dozen strings come from
/// a table this size, smaller than a hash map's code). The `Arc` is kept with it, so its
/// address cannot be reused by another string while the entry exists.
struct Strings(Vec<(Arc<str>, JsValue)>);

impl Strings {
    /// The JS string of a policy string, made on first use.
    fn get(&mut self, text: &Arc<str>) -> JsValue {
        if let Some((_, value)) = self.0.iter().find(|(t, _)| Arc::ptr_eq(t, text)) {
            return value.clone();
        }
        if self.0.len() >= MAX_SHARED {
            self.0.clear();
        }
        let value = JsValue::from_str(text);
        self.0.push((text.clone(), value.clone()));
        value
    }

    fn array(&mut self, texts: &[Arc<str>]) -> Array {
        let array = Array::new();
        for text in texts {
            array.push(&self.get(text));
        }
        array
    }
}

impl VerdictWriter {
    pub(super) fn new() -> Self {
        VerdictWriter {
            keys: Keys::new(),
            actions: [
                Action::Allow,
                Action::Warn,
                Action::Review,
                Action::StepUp,
                Action::Deny,
            ]
            .map(|a| JsValue::from_str(a.as_str())),
            strings: Strings(Vec::new()),
            skus: Skus(Vec::new()),
        }
    }

    /// Forgets the policy strings (the old snapshot's are no longer needed).
    pub(super) fn clear(&mut self) {
        self.strings.0.clear();
    }

    /// The verdict as the plain object the contract describes. Every struct is taken
    /// apart field by field, so a field added to the verdict fails to compile here
    /// instead of going missing from JS.
    pub(super) fn write(&mut self, verdict: &Verdict) -> JsValue {
        let Verdict {
            decision,
            verify,
            verify_required,
            reasons,
            lines,
            message,
            snapshot,
            warnings,
        } = verdict;
        let VerdictWriter {
            keys: k,
            actions,
            strings,
            skus,
        } = self;
        let action = |a: Action| {
            let [allow, warn, review, step_up, deny] = &*actions;
            match a {
                Action::Allow => allow,
                Action::Warn => warn,
                Action::Review => review,
                Action::StepUp => step_up,
                Action::Deny => deny,
            }
        };
        let o = plain();
        o.set(&k.decision, action(*decision));
        o.set(&k.verify, &strings.array(verify));
        let groups = Array::new();
        for group in verify_required {
            groups.push(&strings.array(group));
        }
        o.set(&k.verify_required, &groups);
        let js_reasons = Array::new();
        for reason in reasons {
            js_reasons.push(&write_reason(k, strings, action(reason.action), reason));
        }
        o.set(&k.reasons, &js_reasons);
        let js_lines = Array::new();
        for LineVerdict { sku, decision } in lines {
            let l = plain();
            l.set(&k.sku, &skus.get(sku));
            l.set(&k.decision, action(*decision));
            js_lines.push(&l);
        }
        o.set(&k.lines, &js_lines);
        let js_message = match message {
            Some(Message {
                locale,
                text,
                key,
                filled,
            }) => {
                let m = plain();
                m.set(&k.locale, &strings.get(locale));
                // A filled text is this check's own: decoded fresh, never kept.
                let text = if *filled {
                    JsValue::from_str(text)
                } else {
                    strings.get(text)
                };
                m.set(&k.text, &text);
                m.set(&k.key, &strings.get(key));
                m.into()
            }
            None => JsValue::NULL,
        };
        o.set(&k.message, &js_message);
        let SnapshotRef {
            merchant,
            version,
            expires_at,
        } = snapshot;
        let s = plain();
        s.set(&k.merchant, &strings.get(merchant));
        s.set(&k.version, &strings.get(version));
        s.set(&k.expires_at, &strings.get(expires_at));
        o.set(&k.snapshot, &s);
        let js_warnings = Array::new();
        for warning in warnings {
            js_warnings.push(&JsValue::from_str(warning));
        }
        o.set(&k.warnings, &js_warnings);
        o.into()
    }
}

/// One `reasons` entry: `{rule, code, action, lines}`.
fn write_reason(k: &Keys, strings: &mut Strings, action: &JsValue, reason: &Reason) -> Plain {
    let Reason {
        rule,
        code,
        action: _,
        lines,
    } = reason;
    let o = plain();
    o.set(&k.rule, &strings.get(rule));
    o.set(&k.code, &strings.get(code));
    o.set(&k.action, action);
    let js_lines = Array::new();
    for &line in lines {
        // Line indices are below the order's line limit: exact as a JS number.
        js_lines.push(&JsValue::from_f64(line as f64));
    }
    o.set(&k.lines, &js_lines);
    o
}

/// A fresh `{}`.
pub(super) fn plain() -> Plain {
    Object::new().unchecked_into()
}
