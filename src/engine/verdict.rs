//! The verdict (docs/semantics.md §9, a contract): the decision, the verification methods, every
//! firing rule with the lines it fired on, each line's own decision, the customer
//! message, which snapshot judged, and warnings.
//!
//! Strings that come from the policy (rule ids, codes, messages, snapshot identity) are
//! `Arc<str>` shared with the engine, so building a verdict copies no text.
//!
//! Its JSON (`checkJson`, the CLI's `check`) is written by `ToJson` below, the same
//! text serde's derive gives (tests hold the two equal); the derive stays for Rust
//! callers and tests, and the wasm runtime links no serde serializer for it.

use crate::json::write::{self, ToJson, Writer};
use crate::model::Action;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the checkout should do with the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The most severe firing rule's action, after allowlisting and stale handling.
    pub decision: Action,
    /// When the decision is `step_up`: the methods of the firing `step_up` rules.
    pub verify: Vec<Arc<str>>,
    /// When the decision is `step_up`: the requirements still open, one group each;
    /// completing one method of every group clears the step-up (docs/semantics.md §9.4).
    /// Empty for any other decision.
    pub verify_required: Vec<Vec<Arc<str>>>,
    /// Every firing rule, in policy order.
    pub reasons: Vec<Reason>,
    /// Each order line's own decision from item-scoped rules.
    pub lines: Vec<LineVerdict>,
    /// The message to show the customer, if any rule provides one.
    pub message: Option<Message>,
    /// Which snapshot judged.
    pub snapshot: SnapshotRef,
    /// Things the caller should know (stale snapshot, a rule that failed to evaluate).
    pub warnings: Vec<String>,
}

/// A rule that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Rule id.
    pub rule: Arc<str>,
    /// The rule's reason code.
    pub code: Arc<str>,
    /// The rule's action.
    pub action: Action,
    /// 0-based lines an item-scoped rule fired on; empty for order rules.
    pub lines: Vec<usize>,
}

/// One order line's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineVerdict {
    /// The line's SKU.
    pub sku: String,
    /// Most severe item-scoped action that fired on it, else `allow`.
    pub decision: Action,
}

/// A customer-facing message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// The locale the text is in.
    pub locale: Arc<str>,
    /// The text.
    pub text: Arc<str>,
    /// The key in `[messages.<locale>]`.
    pub key: Arc<str>,
    /// The text was filled in for this check (it has placeholders, docs/semantics.md
    /// §9.5), so it is no policy constant a writer could share between verdicts. Not part
    /// of the verdict's JSON.
    #[serde(skip)]
    pub filled: bool,
}

/// Identity of the snapshot that produced a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotRef {
    /// Merchant name.
    pub merchant: Arc<str>,
    /// Content hash.
    pub version: Arc<str>,
    /// When it goes stale (RFC 3339).
    pub expires_at: Arc<str>,
}

impl Verdict {
    /// The verdict as JSON text (the Contract shape).
    pub fn to_json(&self) -> String {
        write::to_string(self)
    }
}

// The JSON of a verdict, in serde's field order. A field added to `Verdict` fails to
// compile in the JS writer (`wasm/verdict_js.rs`, which takes it apart) and fails
// `tests/json_results.rs` here (it compares with serde's derive); the smaller structs
// are taken apart below.

impl ToJson for Verdict {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        w.field("decision", self.decision.as_str());
        w.field("verify", &self.verify);
        w.field("verify_required", &self.verify_required);
        w.field("reasons", &self.reasons);
        w.field("lines", &self.lines);
        w.field("message", &self.message);
        w.field("snapshot", &self.snapshot);
        w.field("warnings", &self.warnings);
        w.end_object();
    }
}

impl ToJson for Reason {
    fn write_json(&self, w: &mut Writer) {
        let Reason {
            rule,
            code,
            action,
            lines,
        } = self;
        w.begin_object();
        w.field("rule", rule);
        w.field("code", code);
        w.field("action", action.as_str());
        w.field("lines", lines);
        w.end_object();
    }
}

impl ToJson for LineVerdict {
    fn write_json(&self, w: &mut Writer) {
        let LineVerdict { sku, decision } = self;
        w.begin_object();
        w.field("sku", sku);
        w.field("decision", decision.as_str());
        w.end_object();
    }
}

impl ToJson for Message {
    fn write_json(&self, w: &mut Writer) {
        // `filled` is not part of the JSON (see the field).
        let Message {
            locale,
            text,
            key,
            filled: _,
        } = self;
        w.begin_object();
        w.field("locale", locale);
        w.field("text", text);
        w.field("key", key);
        w.end_object();
    }
}

impl ToJson for SnapshotRef {
    fn write_json(&self, w: &mut Writer) {
        let SnapshotRef {
            merchant,
            version,
            expires_at,
        } = self;
        w.begin_object();
        w.field("merchant", merchant);
        w.field("version", version);
        w.field("expires_at", expires_at);
        w.end_object();
    }
}
