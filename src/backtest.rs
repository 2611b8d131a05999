//! Backtesting: replay past orders through an engine, each judged at its own
//! `created_at`, and summarize what the policy would have done — by decision, rule,
//! reason code, category and SKU — optionally against a baseline policy to list the
//! orders whose decision changes. The CLI and the demo page share this accumulator so
//! their numbers agree.
//!
//! [`Backtest`] judges one order at a time (the demo page, and a baseline of the
//! parallel run); [`parallel`] judges batches on every core and reports the same numbers.
//! Both count through [`Tally`]: a verdict, whoever computed it, is counted one way.

#[cfg(not(target_arch = "wasm32"))]
pub mod parallel;

use crate::engine::{CheckOptions, Engine, Order, OrderError, Verdict};
use crate::model::Action;
use crate::snapshot::Snapshot;
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many SKUs the report lists (and `Engine::stats`).
pub const TOP_SKUS: usize = 10;

/// The category of lines whose SKU is not in the catalog.
pub const UNKNOWN_CATEGORY: &str = "(unknown)";

/// Counts per decision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DecisionCounts {
    /// Allowed orders.
    pub allow: u64,
    /// Orders let through with a notice.
    pub warn: u64,
    /// Orders held for review.
    pub review: u64,
    /// Orders asked to verify.
    pub step_up: u64,
    /// Denied orders.
    pub deny: u64,
}

impl DecisionCounts {
    fn merge(&mut self, other: &DecisionCounts) {
        self.allow += other.allow;
        self.warn += other.warn;
        self.review += other.review;
        self.step_up += other.step_up;
        self.deny += other.deny;
    }

    /// Counts one decision.
    pub fn add(&mut self, a: Action) {
        match a {
            Action::Allow => self.allow += 1,
            Action::Warn => self.warn += 1,
            Action::Review => self.review += 1,
            Action::StepUp => self.step_up += 1,
            Action::Deny => self.deny += 1,
        }
    }
}

/// How often one rule fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleCount {
    /// Rule id.
    pub rule: String,
    /// Its action.
    pub action: Action,
    /// Orders it fired on.
    pub fired: u64,
}

/// How often one reason code appeared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReasonCount {
    /// Reason code.
    pub code: String,
    /// Orders it appeared on.
    pub orders: u64,
}

/// Lines of one category and how they fared.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CategoryCount {
    /// Category (`(unknown)` for SKUs not in the catalog).
    pub category: String,
    /// Lines in this category.
    pub lines: u64,
    /// Lines whose order was not allowed.
    pub flagged_lines: u64,
    /// Lines whose own (item-rule) decision was not allow.
    pub flagged_by_item_rules: u64,
}

/// A SKU among those most often in orders that were not allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkuCount {
    /// SKU.
    pub sku: String,
    /// Catalog name, if known.
    pub name: String,
    /// Orders containing it.
    pub orders: u64,
    /// Of those, orders not allowed.
    pub flagged_orders: u64,
}

/// An order whose decision differs from the baseline policy's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// 0-based position in the input (line index for JSON Lines).
    pub index: usize,
    /// The order's id, if it has one.
    pub order_id: Option<String>,
    /// The baseline's decision.
    pub baseline: Action,
    /// This policy's decision.
    pub decision: Action,
}

/// An input that could not be judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputError {
    /// 0-based position in the input.
    pub index: usize,
    /// JSON path in the order.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The backtest report (`backtest --json` prints it as is).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Orders judged.
    pub orders: u64,
    /// Inputs that could not be judged (details in `errors`).
    pub unusable: u64,
    /// Orders by decision.
    pub decisions: DecisionCounts,
    /// Every rule in policy order with how often it fired.
    pub rules: Vec<RuleCount>,
    /// Reason codes by frequency (then alphabetically).
    pub reasons: Vec<ReasonCount>,
    /// Categories by line count (then alphabetically).
    pub categories: Vec<CategoryCount>,
    /// SKUs most often in orders not allowed.
    pub top_skus: Vec<SkuCount>,
    /// With a baseline: its decisions, and the orders whose decision changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<DecisionCounts>,
    /// With a baseline: orders whose decision differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<Change>>,
    /// The first 100 unusable inputs.
    pub errors: Vec<InputError>,
}

/// The counts of a backtest, before [`Tally::finish`] orders them into a [`Report`].
/// Tallies of disjoint sets of orders [`merge`](Tally::merge) into the tally of their
/// union, whatever order they were counted in: every count is a sum, and the lists
/// (changes, errors) are kept by input index.
#[derive(Debug, Default)]
pub struct Tally {
    report: Report,
    rule_fired: BTreeMap<String, u64>,
    reasons: BTreeMap<String, u64>,
    categories: BTreeMap<String, CategoryCount>,
    skus: BTreeMap<String, SkuCount>,
}

/// Most unusable inputs a report lists (the first, by input index).
const MAX_ERRORS: usize = 100;

impl Tally {
    /// An empty tally; `baseline`: whether orders are also judged by a baseline policy.
    pub fn new(baseline: bool) -> Tally {
        Tally {
            report: Report {
                baseline: baseline.then(DecisionCounts::default),
                changes: baseline.then(Vec::new),
                ..Report::default()
            },
            ..Tally::default()
        }
    }

    /// Counts the input at `index` that could not be read as an order.
    pub fn unusable(&mut self, index: usize, e: OrderError) {
        self.report.unusable += 1;
        if self.report.errors.len() < MAX_ERRORS {
            self.report.errors.push(InputError {
                index,
                path: e.path,
                message: e.message,
            });
        }
    }

    /// Counts the order at `index`, its verdict, and the baseline's decision if any;
    /// `snapshot` names the SKUs' categories.
    pub fn order(
        &mut self,
        index: usize,
        order: &Order,
        verdict: &Verdict,
        baseline: Option<Action>,
        snapshot: &Snapshot,
    ) {
        let r = &mut self.report;
        r.orders += 1;
        r.decisions.add(verdict.decision);
        let flagged = verdict.decision != Action::Allow;
        let mut codes_seen: Vec<&str> = Vec::new();
        for reason in &verdict.reasons {
            *self.rule_fired.entry(reason.rule.to_string()).or_default() += 1;
            if !codes_seen.contains(&&*reason.code) {
                codes_seen.push(&reason.code);
                *self.reasons.entry(reason.code.to_string()).or_default() += 1;
            }
        }
        let mut skus_seen: Vec<&str> = Vec::new();
        for (line, lv) in order.items.iter().zip(&verdict.lines) {
            let item = snapshot.catalog_item(&line.sku);
            let category = item.map_or(UNKNOWN_CATEGORY, |i| i.category.as_str());
            let c = self
                .categories
                .entry(category.to_string())
                .or_insert_with(|| CategoryCount {
                    category: category.to_string(),
                    ..CategoryCount::default()
                });
            c.lines += 1;
            c.flagged_lines += u64::from(flagged);
            c.flagged_by_item_rules += u64::from(lv.decision != Action::Allow);
            if !skus_seen.contains(&line.sku.as_str()) {
                skus_seen.push(&line.sku);
                let s = self
                    .skus
                    .entry(line.sku.clone())
                    .or_insert_with(|| SkuCount {
                        sku: line.sku.clone(),
                        name: item.map(|i| i.name.clone()).unwrap_or_default(),
                        orders: 0,
                        flagged_orders: 0,
                    });
                s.orders += 1;
                s.flagged_orders += u64::from(flagged);
            }
        }
        if let Some(before) = baseline {
            if let Some(b) = &mut r.baseline {
                b.add(before);
            }
            if before != verdict.decision {
                if let Some(changes) = &mut r.changes {
                    changes.push(Change {
                        index,
                        order_id: order.order_id.clone(),
                        baseline: before,
                        decision: verdict.decision,
                    });
                }
            }
        }
    }

    /// Adds the counts of `other` (orders disjoint from this tally's).
    pub fn merge(&mut self, other: Tally) {
        let (r, o) = (&mut self.report, other.report);
        r.orders += o.orders;
        r.unusable += o.unusable;
        r.decisions.merge(&o.decisions);
        if let (Some(b), Some(ob)) = (&mut r.baseline, &o.baseline) {
            b.merge(ob);
        }
        if let (Some(c), Some(oc)) = (&mut r.changes, o.changes) {
            c.extend(oc);
            c.sort_by_key(|change| change.index);
        }
        r.errors.extend(o.errors);
        r.errors.sort_by_key(|e| e.index);
        r.errors.truncate(MAX_ERRORS);
        for (rule, n) in other.rule_fired {
            *self.rule_fired.entry(rule).or_default() += n;
        }
        for (code, n) in other.reasons {
            *self.reasons.entry(code).or_default() += n;
        }
        for (name, c) in other.categories {
            let mine = self
                .categories
                .entry(name)
                .or_insert_with(|| CategoryCount {
                    category: c.category.clone(),
                    ..CategoryCount::default()
                });
            mine.lines += c.lines;
            mine.flagged_lines += c.flagged_lines;
            mine.flagged_by_item_rules += c.flagged_by_item_rules;
        }
        for (sku, s) in other.skus {
            match self.skus.get_mut(&sku) {
                Some(mine) => {
                    mine.orders += s.orders;
                    mine.flagged_orders += s.flagged_orders;
                }
                None => {
                    self.skus.insert(sku, s);
                }
            }
        }
    }

    /// The report: rules in `policy` order, the other lists sorted.
    pub fn finish(mut self, policy: &crate::model::Policy) -> Report {
        self.report.rules = policy
            .rules
            .iter()
            .map(|rule| RuleCount {
                rule: rule.id.clone(),
                action: rule.action,
                fired: self.rule_fired.get(&rule.id).copied().unwrap_or(0),
            })
            .collect();
        self.report.reasons = by_frequency(
            self.reasons
                .into_iter()
                .map(|(code, orders)| ReasonCount { code, orders })
                .collect(),
        );
        self.report.categories = by_lines(self.categories.into_values().collect());
        let mut skus: Vec<SkuCount> = self
            .skus
            .into_values()
            .filter(|s| s.flagged_orders > 0)
            .collect();
        skus.sort_by(|a, b| {
            b.flagged_orders
                .cmp(&a.flagged_orders)
                .then_with(|| b.orders.cmp(&a.orders))
                .then_with(|| a.sku.cmp(&b.sku))
        });
        skus.truncate(TOP_SKUS);
        self.report.top_skus = skus;
        self.report
    }
}

/// Reason counts in report order: by frequency, then code (a backtest's and
/// `Engine::stats`'s).
pub(crate) fn by_frequency(mut reasons: Vec<ReasonCount>) -> Vec<ReasonCount> {
    reasons.sort_by(|a, b| b.orders.cmp(&a.orders).then_with(|| a.code.cmp(&b.code)));
    reasons
}

/// Category counts in report order: by lines, then name.
pub(crate) fn by_lines(mut categories: Vec<CategoryCount>) -> Vec<CategoryCount> {
    categories.sort_by(|a, b| {
        b.lines
            .cmp(&a.lines)
            .then_with(|| a.category.cmp(&b.category))
    });
    categories
}

/// The options an order of a backtest is judged with: at its own `created_at` (else
/// `fallback_now`), its identifiers bound if `bound`, and `duplicate` (the answer of a
/// duplicate memory kept outside the engine, or `None` for the engine's own).
pub fn options_for(
    order: &Order,
    fallback_now: Timestamp,
    bound: bool,
    duplicate: Option<bool>,
) -> CheckOptions {
    CheckOptions {
        now: Some(order.created_at.unwrap_or(fallback_now)),
        identity: bound.then(|| crate::engine::Identity::from_order(order)),
        duplicate,
        ..CheckOptions::default()
    }
}

/// Accumulates a backtest one order at a time (so callers can show progress).
#[derive(Debug)]
pub struct Backtest {
    engine: Engine,
    baseline: Option<Engine>,
    tally: Tally,
    index: usize,
    /// Treat each order's own identifiers as bound (`backtest --bound`).
    bound: bool,
}

impl Backtest {
    /// A backtest of `engine`'s policy, optionally compared with `baseline`'s.
    pub fn new(engine: Engine, baseline: Option<Engine>) -> Backtest {
        Backtest {
            tally: Tally::new(baseline.is_some()),
            engine,
            baseline,
            index: 0,
            bound: false,
        }
    }

    /// Judges every order with its own customer id, e-mail, phone, IP, account creation
    /// time and order id bound (`Identity::from_order`): the orders come from the
    /// merchant's own records, as an authoritative check with a verified session would
    /// see them (CLI `backtest --bound`; docs/semantics.md §5.3).
    pub fn with_bound_identity(mut self, bound: bool) -> Backtest {
        self.bound = bound;
        self
    }

    /// Judges one JSON order (a line of the input) at its own `created_at` (else
    /// `fallback_now`), and returns its verdict.
    pub fn add_json(&mut self, text: &str, fallback_now: Timestamp) -> Result<Verdict, OrderError> {
        match Order::from_json(text) {
            Ok(order) => Ok(self.add(&order, fallback_now)),
            Err(e) => {
                self.unusable(e.clone());
                Err(e)
            }
        }
    }

    /// Records an input that could not be read as an order.
    pub fn unusable(&mut self, e: OrderError) {
        self.tally.unusable(self.index, e);
        self.index += 1;
    }

    /// Judges one order at its own `created_at` (else `fallback_now`).
    pub fn add(&mut self, order: &Order, fallback_now: Timestamp) -> Verdict {
        let options = options_for(order, fallback_now, self.bound, None);
        let verdict = self.engine.check(order, &options);
        let before = self
            .baseline
            .as_mut()
            .map(|base| base.check(order, &options).decision);
        self.tally
            .order(self.index, order, &verdict, before, self.engine.snapshot());
        self.index += 1;
        verdict
    }

    /// The finished report.
    pub fn finish(self) -> Report {
        self.tally.finish(self.engine.snapshot().policy())
    }
}
