//! The verdict of `engine.check` and `engine.checkMany` as a JS object: written here as
//! a few bytes — numbers, and indices of strings the JS side already holds — that
//! `verdict.js` (shipped beside the glue) turns into the object in one call. Before,
//! the object was built from Rust one boundary call per object, array, property and
//! string, about a fifth of a JS check (docs/BENCHMARKS.md, "The verdict's way out").
//!
//! A verdict is mostly constant text: the five actions, rule ids, reason codes, verify
//! methods, the customer message (often the longest string, in Chinese), the snapshot's
//! merchant, version and expiry. Each is sent once (`NEW`) and then named by its index
//! in the engine's JS `table`. The caller's texts seen lately (line SKUs, a message
//! filled in for the check) are named by their slot in `recent`; only what is new in a
//! verdict (a new SKU or filled message, warnings) is sent as text.
//!
//! The form, written by [`VerdictWriter::write`] and read by `buildVerdict`: a count is
//! LEB128 (at most five bytes, a `u32`); an action is one byte, its index in `table`
//! (the five actions are its first entries); a string is a [`StringTag`] byte, then for
//! `TABLE` an index, for `NEW` and `FRESH` a length and UTF-8, for `RECENT` a slot, for
//! `RECENT_NEW` a slot, a length and UTF-8. A verdict is: the decision (an action); `verify`
//! (a count, strings); `verify_required` (a count of groups, each a count and strings);
//! `reasons` (a count, each rule, code, action, a count and line indices); `lines` (a
//! count, each SKU and action); `message` (`0`, or `1`, locale, text, key); the snapshot's
//! merchant, version and expiry; `warnings` (a count, strings).
//!
//! The shape is exactly what serde gives for [`Verdict`] (docs/semantics.md §9): the same
//! keys in the same order, `message` `null` when absent. `tests/node/package.test.mjs`
//! holds `JSON.stringify(engine.check(order))` to `engine.checkJson(text)`, byte for byte.

use crate::engine::verdict::{LineVerdict, Message, Reason, SnapshotRef, Verdict};
use crate::model::Action;
use js_sys::Array;
use std::sync::Arc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/verdict.js")]
extern "C" {
    /// The verdict `bytes` describe; new strings are added to `table` and `recent`. `null`
    /// for bytes off the form (a bug here), never thrown: an exception unwinding through
    /// the engine's frames would leave the engine borrowed, and no `catch` wrapper is needed.
    #[wasm_bindgen(js_name = buildVerdict)]
    fn build_verdict(table: &Array, recent: &Array, bytes: &[u8]) -> JsValue;
}

/// How a string is sent (module doc).
#[derive(Clone, Copy)]
#[repr(u8)]
enum StringTag {
    /// An index in `table`.
    Table = 0,
    /// UTF-8 that `table` keeps from now on, at the next index.
    New = 1,
    /// UTF-8 for this verdict only.
    Fresh = 2,
    /// A slot of `recent`.
    Recent = 3,
    /// A slot of `recent`, then UTF-8 that slot keeps from now on.
    RecentNew = 4,
}

/// More distinct strings than a verdict-heavy policy hands out (rule ids, codes,
/// methods, a message per key and locale): past it the table starts over, so strings of
/// snapshots replaced over a long life do not pile up, and a lookup stays a short scan.
const MAX_SHARED: usize = 512;

/// Texts up to this many bytes (SKUs, most filled messages) are kept as JS strings
/// between verdicts.
const RECENT_KEPT: usize = 512;
/// Slots of the recent texts' table (a power of two).
const RECENT_SLOTS: usize = 256;

/// The five actions, in the order of their indices in `table`.
const ACTIONS: [Action; 5] = [
    Action::Allow,
    Action::Warn,
    Action::Review,
    Action::StepUp,
    Action::Deny,
];

/// Turns verdicts into JS objects, holding the JS strings of their constant parts.
/// One per `Engine`; [`VerdictWriter::clear`] on every snapshot swap.
pub(super) struct VerdictWriter {
    /// The JS strings: the five actions, then `strings`' in order.
    table: Array,
    /// The policy strings `table` holds after the actions, found by the identity of
    /// their `Arc` (a pointer compare; a verdict's few dozen strings come from a table
    /// this size, smaller than a hash map's code). The `Arc` is kept, so its address
    /// cannot be reused by another string while the entry exists.
    strings: Vec<Arc<str>>,
    /// The JS strings of recent texts, slot for slot with `recent_texts`.
    recent: Array,
    /// A line's SKU is the caller's text and a filled message is made for the check, so
    /// neither can be found by pointer like `strings`; yet most lines name SKUs seen
    /// moments before, and most filled messages read as the last one did (the placeholders
    /// are the policy's). Direct-mapped by a hash of the text: a new text or a collision
    /// is sent afresh into its slot, one longer than [`RECENT_KEPT`] as `FRESH`, so texts
    /// chosen to collide cost only their bytes, and the table never holds more than
    /// `RECENT_SLOTS × RECENT_KEPT` bytes (128 KiB) of text.
    recent_texts: Vec<Option<Box<str>>>,
    /// The bytes of the verdict being written, kept between calls.
    out: Vec<u8>,
}

impl VerdictWriter {
    pub(super) fn new() -> Self {
        VerdictWriter {
            table: actions_only(),
            strings: Vec::new(),
            recent: Array::new(),
            recent_texts: Vec::new(),
            out: Vec::new(),
        }
    }

    /// Forgets the policy strings (the old snapshot's are no longer needed).
    pub(super) fn clear(&mut self) {
        self.strings.clear();
        self.table = actions_only();
    }

    /// The verdict as the plain object the contract describes. Every struct is taken
    /// apart field by field, so a field added to the verdict fails to compile here
    /// instead of going missing from JS.
    pub(super) fn write(&mut self, verdict: &Verdict) -> Result<JsValue, JsValue> {
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
        if self.strings.len() >= MAX_SHARED {
            // Start over between verdicts, never inside one: the JS table too, so
            // indices stay in step.
            self.clear();
        }
        self.out.clear();
        self.action(*decision);
        self.policy_strings(verify);
        self.count(verify_required.len());
        for group in verify_required {
            self.policy_strings(group);
        }
        self.count(reasons.len());
        for Reason {
            rule,
            code,
            action,
            lines,
        } in reasons
        {
            self.policy(rule);
            self.policy(code);
            self.action(*action);
            self.count(lines.len());
            for &line in lines {
                self.count(line);
            }
        }
        self.count(lines.len());
        for LineVerdict { sku, decision } in lines {
            self.recent(sku);
            self.action(*decision);
        }
        match message {
            Some(Message {
                locale,
                text,
                key,
                filled,
            }) => {
                self.out.push(1);
                self.policy(locale);
                // A filled text is this check's own: found by content, not by pointer.
                if *filled {
                    self.recent(text);
                } else {
                    self.policy(text);
                }
                self.policy(key);
            }
            None => self.out.push(0),
        }
        let SnapshotRef {
            merchant,
            version,
            expires_at,
        } = snapshot;
        self.policy(merchant);
        self.policy(version);
        self.policy(expires_at);
        self.count(warnings.len());
        for warning in warnings {
            self.text(StringTag::Fresh, warning);
        }
        let built = build_verdict(&self.table, &self.recent, &self.out);
        if built.is_null() {
            // The JS tables may hold a partial verdict's strings: start them over.
            self.clear();
            self.recent_texts.clear();
            self.recent = Array::new();
            return Err(super::internal_error("the verdict's bytes were refused"));
        }
        Ok(built)
    }

    /// An action: its index in `table` (and in [`ACTIONS`]).
    fn action(&mut self, action: Action) {
        self.out.push(match action {
            Action::Allow => 0,
            Action::Warn => 1,
            Action::Review => 2,
            Action::StepUp => 3,
            Action::Deny => 4,
        });
    }

    /// A LEB128 count. Every count here (list lengths, line indices) is below the
    /// order's limits; one past `u32` is written as `u32::MAX`, never wrapped.
    fn count(&mut self, n: usize) {
        let mut n = u32::try_from(n).unwrap_or(u32::MAX);
        while n >= 0x80 {
            // The low seven bits, with the continuation bit.
            self.out.push((n & 0x7f) as u8 | 0x80);
            n >>= 7;
        }
        self.out.push(n as u8);
    }

    fn text(&mut self, tag: StringTag, text: &str) {
        self.out.push(tag as u8);
        self.count(text.len());
        self.out.extend_from_slice(text.as_bytes());
    }

    /// A policy string: its index in `table`, or its text the first time.
    fn policy(&mut self, text: &Arc<str>) {
        if let Some(i) = self.strings.iter().position(|t| Arc::ptr_eq(t, text)) {
            self.out.push(StringTag::Table as u8);
            self.count(ACTIONS.len() + i);
            return;
        }
        if self.strings.len() >= MAX_SHARED {
            // Full: sent for this verdict only (the table starts over before the next).
            return self.text(StringTag::Fresh, text);
        }
        self.strings.push(text.clone());
        self.text(StringTag::New, text);
    }

    fn policy_strings(&mut self, texts: &[Arc<str>]) {
        self.count(texts.len());
        for text in texts {
            self.policy(text);
        }
    }

    /// A caller's text: its slot when the slot holds it, else the text (kept in the slot
    /// when short enough).
    fn recent(&mut self, text: &str) {
        if text.len() > RECENT_KEPT {
            return self.text(StringTag::Fresh, text);
        }
        if self.recent_texts.is_empty() {
            self.recent_texts.resize_with(RECENT_SLOTS, || None);
        }
        let slot = slot_of(text);
        match self.recent_texts.get_mut(slot) {
            Some(Some(kept)) if **kept == *text => {
                self.out.push(StringTag::Recent as u8);
                self.count(slot);
            }
            Some(kept) => {
                *kept = Some(text.into());
                self.out.push(StringTag::RecentNew as u8);
                self.count(slot);
                self.count(text.len());
                self.out.extend_from_slice(text.as_bytes());
            }
            None => self.text(StringTag::Fresh, text),
        }
    }
}

/// A JS array of the five actions' names, `table`'s first entries.
fn actions_only() -> Array {
    ACTIONS
        .iter()
        .map(|a| JsValue::from_str(a.as_str()))
        .collect()
}

/// The slot of `text` in the recent texts' table: FNV-1a over its bytes (a table slot,
/// not a secret: see `recent_texts` for why collisions are harmless).
fn slot_of(text: &str) -> usize {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    // The high bits mix best; truncation to the table's size is the intent.
    (hash >> 56) as usize % RECENT_SLOTS
}
