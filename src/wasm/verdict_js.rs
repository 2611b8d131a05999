//! The verdict of `engine.check` and `engine.checkMany` as a JS object, built property by
//! property from Rust instead of `serde_json::to_string` → UTF-8 → `TextDecoder` →
//! `JSON.parse`.
//!
//! A verdict is mostly constant text: the four actions, rule ids, reason codes, verify
//! methods, the customer message (often the longest string, in Chinese), the snapshot's
//! merchant, version and expiry. Each of those becomes a JS string once and is then
//! handed over by reference, so a check decodes only what is new in it: SKUs not seen
//! lately and warnings. Property names live in the glue's named setters. The objects and
//! arrays themselves are fresh for every verdict (a caller may keep or change one
//! without touching the next).
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

// Each part of a verdict is filled through setters of its own (`object.decision = …` in
// the glue, one function per part and property) rather than `object[key] = value`: a
// named store at a call site that sees one kind of object is monomorphic in V8, where
// the one shared keyed store saw every shape of every part and was megamorphic, a
// measurable part of a check (docs/BENCHMARKS.md, "Where a JS check's time goes"). The
// glue's property names are the setters' names without `set_`; the setters are called
// in serde's field order, which is the key order `JSON.stringify` gives.
#[wasm_bindgen]
extern "C" {
    /// A verdict under construction.
    #[wasm_bindgen(extends = Object)]
    type VerdictObject;
    #[wasm_bindgen(method, setter)]
    fn set_decision(this: &VerdictObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_verify(this: &VerdictObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_verify_required(this: &VerdictObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_reasons(this: &VerdictObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_lines(this: &VerdictObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_message(this: &VerdictObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_snapshot(this: &VerdictObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_warnings(this: &VerdictObject, value: &JsValue);

    /// One `reasons` entry.
    #[wasm_bindgen(extends = Object)]
    type ReasonObject;
    #[wasm_bindgen(method, setter)]
    fn set_rule(this: &ReasonObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_code(this: &ReasonObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_action(this: &ReasonObject, value: &JsValue);
    #[wasm_bindgen(method, setter = lines)]
    fn set_reason_lines(this: &ReasonObject, value: &JsValue);

    /// One `lines` entry.
    #[wasm_bindgen(extends = Object)]
    type LineObject;
    #[wasm_bindgen(method, setter)]
    fn set_sku(this: &LineObject, value: &JsValue);
    #[wasm_bindgen(method, setter = decision)]
    fn set_line_decision(this: &LineObject, value: &JsValue);

    /// The `message`.
    #[wasm_bindgen(extends = Object)]
    type MessageObject;
    #[wasm_bindgen(method, setter)]
    fn set_locale(this: &MessageObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_text(this: &MessageObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_key(this: &MessageObject, value: &JsValue);

    /// The `snapshot`.
    #[wasm_bindgen(extends = Object)]
    type SnapshotObject;
    #[wasm_bindgen(method, setter)]
    fn set_merchant(this: &SnapshotObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_version(this: &SnapshotObject, value: &JsValue);
    #[wasm_bindgen(method, setter)]
    fn set_expires_at(this: &SnapshotObject, value: &JsValue);
}

/// A fresh `{}`, typed as the part `T` of a verdict (or [`Plain`]).
fn fresh<T: JsCast>() -> T {
    Object::new().unchecked_into()
}

/// More distinct strings than a verdict-heavy policy hands out (rule ids, codes,
/// methods, a message per key and locale): past it the table starts over, so strings of
/// snapshots replaced over a long life do not pile up, and a lookup stays a short scan.
const MAX_SHARED: usize = 512;

/// Turns verdicts into JS objects, holding the JS strings of their constant parts.
/// One per `Engine`; [`VerdictWriter::clear`] on every snapshot swap.
pub(super) struct VerdictWriter {
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
        let o: VerdictObject = fresh();
        o.set_decision(action(*decision));
        o.set_verify(&strings.array(verify));
        let groups = Array::new();
        for group in verify_required {
            groups.push(&strings.array(group));
        }
        o.set_verify_required(&groups);
        let js_reasons = Array::new();
        for reason in reasons {
            js_reasons.push(&write_reason(strings, action(reason.action), reason));
        }
        o.set_reasons(&js_reasons);
        let js_lines = Array::new();
        for LineVerdict { sku, decision } in lines {
            let l: LineObject = fresh();
            l.set_sku(&skus.get(sku));
            l.set_line_decision(action(*decision));
            js_lines.push(&l);
        }
        o.set_lines(&js_lines);
        let js_message = match message {
            Some(Message {
                locale,
                text,
                key,
                filled,
            }) => {
                let m: MessageObject = fresh();
                m.set_locale(&strings.get(locale));
                // A filled text is this check's own: decoded fresh, never kept.
                let text = if *filled {
                    JsValue::from_str(text)
                } else {
                    strings.get(text)
                };
                m.set_text(&text);
                m.set_key(&strings.get(key));
                m.into()
            }
            None => JsValue::NULL,
        };
        o.set_message(&js_message);
        let SnapshotRef {
            merchant,
            version,
            expires_at,
        } = snapshot;
        let s: SnapshotObject = fresh();
        s.set_merchant(&strings.get(merchant));
        s.set_version(&strings.get(version));
        s.set_expires_at(&strings.get(expires_at));
        o.set_snapshot(&s);
        let js_warnings = Array::new();
        for warning in warnings {
            js_warnings.push(&JsValue::from_str(warning));
        }
        o.set_warnings(&js_warnings);
        o.into()
    }
}

/// One `reasons` entry: `{rule, code, action, lines}`.
fn write_reason(strings: &mut Strings, action: &JsValue, reason: &Reason) -> ReasonObject {
    let Reason {
        rule,
        code,
        action: _,
        lines,
    } = reason;
    let o: ReasonObject = fresh();
    o.set_rule(&strings.get(rule));
    o.set_code(&strings.get(code));
    o.set_action(action);
    let js_lines = Array::new();
    for &line in lines {
        // Line indices are below the order's line limit: exact as a JS number.
        js_lines.push(&JsValue::from_f64(line as f64));
    }
    o.set_reason_lines(&js_lines);
    o
}

/// A fresh `{}`.
pub(super) fn plain() -> Plain {
    fresh()
}
