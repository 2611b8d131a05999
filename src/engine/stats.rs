//! Live counters (`Engine::stats`, docs/semantics.md §11.2 "Live counters"): checks by
//! decision, rule, reason code, list reason and category, and the SKUs most often in
//! orders not allowed — in the backtest's vocabulary ([`crate::backtest`]), counted on
//! every check at little cost and in bounded memory.
//!
//! Rules, reason codes, list reasons and categories are fixed by the snapshot, so they
//! are interned by index when it loads (`Layout`) and counted in arrays; SKUs come
//! from orders, unbounded, so only a fixed-size `HeavyHitters` sketch keeps them.
//! A reload carries each count over by name (a rule, code, list reason or category the
//! new snapshot no longer has is dropped); `Counters::reset` starts afresh.

use super::heavy_hitters::{HeavyHitters, IntMap};
use super::verdict::Verdict;
use super::Loaded;
use crate::backtest::{
    CategoryCount, DecisionCounts, ReasonCount, RuleCount, TOP_SKUS, UNKNOWN_CATEGORY,
};
use crate::model::Action;
use crate::rules::facts::{Facts, ItemFacts};
use crate::snapshot::sku_hash;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Lines up to which an order's distinct SKUs are found by looking back, not sorting.
const SHORT_ORDER: usize = 16;

/// Counters the SKU sketch keeps: any SKU in more than 1/64 of the SKU occurrences in
/// orders not allowed is among them, and each count is over by at most that much.
pub const SKU_COUNTERS: usize = 64;

/// Counters since the engine was created or [`Engine::reset_stats`](super::Engine::reset_stats)
/// (docs/semantics.md §11.2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Orders checked.
    pub checks: u64,
    /// Verdicts by decision (flattened: `allow`, `review`, … at the top level).
    #[serde(flatten)]
    pub decisions: DecisionCounts,
    /// Rule evaluations that failed at run time (each also a verdict warning).
    pub rule_errors: u64,
    /// Snapshots loaded into this engine (1 + successful reloads); not reset.
    pub loads: u64,
    /// Customer-and-basket keys in the duplicate memory (state, not a counter).
    pub duplicate_memory: usize,
    /// Every rule of the snapshot serving, in policy order, with the orders it fired on.
    pub rules: Vec<RuleCount>,
    /// Reason codes of firing rules, orders each appeared on, by frequency then code.
    pub reasons: Vec<ReasonCount>,
    /// Reason codes of the list entries that matched (`customer.reasons`), orders each
    /// appeared on, by frequency then code; empty for a public snapshot, which has none.
    pub list_reasons: Vec<ReasonCount>,
    /// Categories of the lines checked, by line count then name.
    pub categories: Vec<CategoryCount>,
    /// The SKUs most often in orders not allowed (at most 10), from a sketch of
    /// [`SKU_COUNTERS`] counters.
    pub top_skus: Vec<TopSku>,
    /// SKUs the sketch holds now (at most [`SKU_COUNTERS`], however many are seen).
    pub sku_counters: usize,
}

/// A SKU among those most often in orders that were not allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TopSku {
    /// SKU.
    pub sku: String,
    /// Catalog name, if known.
    pub name: String,
    /// Orders not allowed that contained it: at least the true number, at most
    /// `error` more.
    pub flagged_orders: u64,
    /// How much of `flagged_orders` may belong to SKUs the sketch dropped; 0: exact.
    pub error: u64,
}

/// A snapshot's names, interned: counts are kept by position in these.
#[derive(Debug, Clone, Default)]
struct Layout {
    /// Per rule (policy order), its code's index in `codes`.
    rule_code: Vec<usize>,
    /// Distinct rule reason codes, sorted.
    codes: Vec<Arc<str>>,
    /// Distinct list reason codes; a customer's `reasons` facts borrow them.
    list_reasons: Slots,
    /// Distinct catalog categories; one more slot counts unknown SKUs. A line's
    /// `category` fact borrows them.
    categories: Slots,
}

/// Names the snapshot holds as texts (categories, list reasons), distinct and sorted,
/// with the address of each of those texts: a fact borrows that very text from the
/// snapshot, so its slot is found by address, comparing no strings (a text from
/// elsewhere is searched by name).
#[derive(Debug, Clone, Default)]
struct Slots {
    names: Vec<Arc<str>>,
    /// A text's address → its name's position in `names`. (The address as a `u64`:
    /// the sketch's map type, so wasm carries one copy of it.)
    at: IntMap<u64, usize>,
}

impl Slots {
    /// Slots of `texts`, the snapshot's own (the ones facts borrow).
    fn of<'a>(texts: impl Iterator<Item = &'a str> + Clone) -> Slots {
        let names = sorted_distinct(texts.clone());
        let at = texts
            .filter_map(|t| Some((t.as_ptr() as u64, position(&names, t)?)))
            .collect();
        Slots { names, at }
    }

    /// The position of `text` in `names`.
    fn find(&self, text: &str) -> Option<usize> {
        // A text at a snapshot text's address, of its length, is that text: the snapshot
        // owns it while this layout lives (a reload makes a new layout). Empty texts may
        // share an address with each other, and all are "".
        self.at
            .get(&(text.as_ptr() as u64))
            .copied()
            .filter(|&i| self.names.get(i).is_some_and(|n| n.len() == text.len()))
            .or_else(|| position(&self.names, text))
    }

    fn len(&self) -> usize {
        self.names.len()
    }
}

/// The distinct `names`, sorted. Repeats are dropped before the sort: a catalog names
/// its few categories once per item, and sorting 100k names for 5 distinct ones was the
/// largest part of loading a snapshot in wasm (docs/BENCHMARKS.md "Snapshot load in
/// JavaScript"). A repeat is found by hash and confirmed by text, so two names sharing
/// a hash are both kept; the sort and `dedup` below are what make the list exact.
fn sorted_distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<Arc<str>> {
    // Hash → where in `kept` the first name with it is (the map type the counters
    // already use, so wasm carries no other copy of it).
    let mut first: IntMap<u64, usize> = IntMap::default();
    let mut kept: Vec<&str> = Vec::new();
    for name in names {
        let hash = sku_hash(name);
        match first.get(&hash) {
            Some(&at) if kept.get(at) == Some(&name) => continue,
            Some(_) => {}
            None => {
                first.insert(hash, kept.len());
            }
        }
        kept.push(name);
    }
    let mut v = by_name(kept);
    v.dedup();
    v.into_iter().map(Arc::from).collect()
}

/// `names` sorted: [`ranked`] with equal counts (one sort instantiation in wasm).
fn by_name(names: Vec<&str>) -> Vec<&str> {
    let equal: Vec<(u64, &str)> = names.into_iter().map(|n| (0, n)).collect();
    ranked(&equal)
        .into_iter()
        .filter_map(|i| equal.get(i).map(|&(_, n)| n))
        .collect()
}

fn position(names: &[Arc<str>], name: &str) -> Option<usize> {
    names.binary_search_by(|n| (**n).cmp(name)).ok()
}

impl Layout {
    fn of(loaded: &Loaded) -> Layout {
        let codes = sorted_distinct(loaded.rules.iter().map(|r| &*r.code));
        let rule_code = loaded
            .rules
            .iter()
            .map(|r| position(&codes, &r.code).unwrap_or(usize::MAX))
            .collect();
        let snapshot = &loaded.snapshot;
        Layout {
            rule_code,
            codes,
            list_reasons: Slots::of(snapshot.reasons().iter().map(String::as_str)),
            categories: Slots::of(snapshot.catalog().iter().map(|i| i.category.as_str())),
        }
    }

    /// The category slot of a line: its category's, else the unknown slot (the last).
    fn category_slot(&self, known: bool, category: &str) -> usize {
        let found = if known {
            self.categories.find(category)
        } else {
            None
        };
        found.unwrap_or(self.categories.len())
    }

    /// Category names by slot, the unknown slot included.
    fn category_names(&self) -> impl Iterator<Item = &str> {
        self.categories
            .names
            .iter()
            .map(|c| &**c)
            .chain([UNKNOWN_CATEGORY])
    }
}

/// Lines of one category.
#[derive(Debug, Clone, Copy, Default)]
struct Lines {
    lines: u64,
    flagged: u64,
    by_item_rules: u64,
}

/// The counting state an engine keeps.
#[derive(Debug, Clone)]
pub(crate) struct Counters {
    pub loads: u64,
    checks: u64,
    decisions: DecisionCounts,
    rule_errors: u64,
    layout: Layout,
    rule_fired: Vec<u64>,
    code_orders: Vec<u64>,
    /// Per code, the check (its number in `checks`) that last counted it: a code counts
    /// once per order however many of its rules fire, without a per-check set.
    code_last: Vec<u64>,
    list_reason_orders: Vec<u64>,
    categories: Vec<Lines>,
    skus: HeavyHitters,
}

impl Counters {
    /// Zero counts for `loaded`, one load.
    pub fn new(loaded: &Loaded) -> Counters {
        let layout = Layout::of(loaded);
        Counters {
            loads: 1,
            checks: 0,
            decisions: DecisionCounts::default(),
            rule_errors: 0,
            rule_fired: vec![0; loaded.rules.len()],
            code_orders: vec![0; layout.codes.len()],
            code_last: vec![0; layout.codes.len()],
            list_reason_orders: vec![0; layout.list_reasons.len()],
            categories: vec![Lines::default(); layout.categories.len() + 1],
            skus: HeavyHitters::new(SKU_COUNTERS),
            layout,
        }
    }

    /// Forgets every count but `loads` (the SKU sketch's memory too).
    pub fn reset(&mut self, loaded: &Loaded) {
        let loads = self.loads;
        *self = Counters {
            loads,
            ..Counters::new(loaded)
        };
    }

    /// Counts one check: `facts` the verdict was decided on, `rule_errors` failed
    /// evaluations.
    pub fn count(
        &mut self,
        loaded: &Loaded,
        facts: &Facts<'_>,
        verdict: &Verdict,
        rule_errors: u64,
    ) {
        self.checks += 1;
        self.rule_errors += rule_errors;
        self.decisions.add(verdict.decision);
        let check = self.checks;
        // Reasons come in policy order, each naming its rule by a clone of the rule's
        // `id`: one walk over the rules finds each one's index by address, as
        // `decide::fired` does, comparing no text.
        let mut at = 0;
        for reason in &verdict.reasons {
            while loaded
                .rules
                .get(at)
                .is_some_and(|r| !Arc::ptr_eq(&r.id, &reason.rule))
            {
                at += 1;
            }
            if let Some(n) = self.rule_fired.get_mut(at) {
                *n += 1;
            }
            let code = self.layout.rule_code.get(at).copied().unwrap_or(usize::MAX);
            if let (Some(last), Some(n)) =
                (self.code_last.get_mut(code), self.code_orders.get_mut(code))
            {
                if *last != check {
                    *last = check;
                    *n += 1;
                }
            }
        }
        for reason in &facts.customer.reasons {
            let slot = self.layout.list_reasons.find(reason);
            if let Some(n) = slot.and_then(|i| self.list_reason_orders.get_mut(i)) {
                *n += 1;
            }
        }
        let flagged = verdict.decision != Action::Allow;
        for (item, line) in facts.items.iter().zip(&verdict.lines) {
            let slot = self.layout.category_slot(item.known, item.category);
            if let Some(c) = self.categories.get_mut(slot) {
                c.lines += 1;
                c.flagged += u64::from(flagged);
                c.by_item_rules += u64::from(line.decision != Action::Allow);
            }
        }
        // Only orders not allowed reach the sketch: most checks pay nothing for it.
        if flagged {
            self.count_skus(&facts.items);
        }
    }

    /// Counts each distinct SKU of an order not allowed once: a short order by looking
    /// back over its own lines (no allocation), a long one sorted.
    fn count_skus(&mut self, items: &[ItemFacts<'_>]) {
        if items.len() <= SHORT_ORDER {
            // Each line's SKU hash, computed once: the sketch finds the SKU by it, and the
            // look-back compares it before the text, so distinct SKUs of one length
            // cost no string compare.
            let mut hashes = [0u64; SHORT_ORDER];
            for (i, item) in items.iter().enumerate() {
                let h = sku_hash(item.sku);
                let mut earlier = hashes.iter().zip(items).take(i);
                if !earlier.any(|(&eh, e)| eh == h && e.sku == item.sku) {
                    self.skus.add_hashed(item.sku, h);
                }
                if let Some(slot) = hashes.get_mut(i) {
                    *slot = h;
                }
            }
        } else {
            let mut skus = by_name(items.iter().map(|i| i.sku).collect());
            skus.dedup();
            for sku in skus {
                self.skus.add(sku);
            }
        }
    }

    /// Moves the counts onto `new`'s layout, by name (see the module doc).
    pub fn reload(&mut self, old: &Loaded, new: &Loaded) {
        let layout = Layout::of(new);
        let old_rules: Vec<&str> = old.rules.iter().map(|r| &*r.id).collect();
        let new_rules: Vec<&str> = new.rules.iter().map(|r| &*r.id).collect();
        self.rule_fired = carry(&old_rules, &self.rule_fired, &new_rules);
        self.code_orders = carry(
            &names(&self.layout.codes),
            &self.code_orders,
            &names(&layout.codes),
        );
        self.code_last = vec![0; layout.codes.len()];
        self.list_reason_orders = carry(
            &names(&self.layout.list_reasons.names),
            &self.list_reason_orders,
            &names(&layout.list_reasons.names),
        );
        let old_categories: Vec<&str> = self.layout.category_names().collect();
        let new_categories: Vec<&str> = layout.category_names().collect();
        self.categories = carry(&old_categories, &self.categories, &new_categories);
        self.layout = layout;
        self.loads += 1;
    }

    /// The counts as reported, named after `loaded` (the snapshot they are laid out for).
    pub fn report(&self, loaded: &Loaded, duplicate_memory: usize) -> Stats {
        let rules = loaded
            .rules
            .iter()
            .zip(&self.rule_fired)
            .map(|(r, &fired)| RuleCount {
                rule: r.id.to_string(),
                action: r.action,
                fired,
            })
            .collect();
        let used: Vec<(&str, &Lines)> = self
            .layout
            .category_names()
            .zip(&self.categories)
            .filter(|(_, c)| c.lines > 0)
            .collect();
        let by_lines: Vec<(u64, &str)> = used.iter().map(|&(name, c)| (c.lines, name)).collect();
        let categories = ranked(&by_lines)
            .into_iter()
            .filter_map(|i| used.get(i))
            .map(|&(name, c)| CategoryCount {
                category: name.to_string(),
                lines: c.lines,
                flagged_lines: c.flagged,
                flagged_by_item_rules: c.by_item_rules,
            })
            .collect();
        let top_skus = self
            .skus
            .top(TOP_SKUS)
            .into_iter()
            .map(|c| TopSku {
                name: loaded
                    .snapshot
                    .catalog_item(&c.key)
                    .map(|i| i.name.clone())
                    .unwrap_or_default(),
                sku: c.key.clone(),
                flagged_orders: c.count,
                error: c.error,
            })
            .collect();
        Stats {
            checks: self.checks,
            decisions: self.decisions.clone(),
            rule_errors: self.rule_errors,
            loads: self.loads,
            duplicate_memory,
            rules,
            reasons: seen(&self.layout.codes, &self.code_orders),
            list_reasons: seen(&self.layout.list_reasons.names, &self.list_reason_orders),
            categories,
            top_skus,
            sku_counters: self.skus.len(),
        }
    }
}

fn names(v: &[Arc<str>]) -> Vec<&str> {
    v.iter().map(|s| &**s).collect()
}

/// The codes counted at least once, in the backtest's order (`by_frequency`).
fn seen(codes: &[Arc<str>], orders: &[u64]) -> Vec<ReasonCount> {
    let counted: Vec<(u64, &str)> = orders
        .iter()
        .zip(codes)
        .filter(|(&n, _)| n > 0)
        .map(|(&n, code)| (n, &**code))
        .collect();
    ranked(&counted)
        .into_iter()
        .filter_map(|i| counted.get(i))
        .map(|&(orders, code)| ReasonCount {
            code: code.to_string(),
            orders,
        })
        .collect()
}

/// Positions of `(count, name)` pairs from the largest count down, equal counts by name:
/// the order of the backtest's tables (`by_frequency`, `by_lines`, its top SKUs) for
/// distinct names. Every table `stats()` reports is ranked here because in wasm each
/// sort call site is its own copy of the sort code (three stable sorts cost ~10 KB).
///
/// The two sorts are of types the runtime sorts anyway, so they add no sort code: names
/// as `(&str, u64)` (the check's per-SKU sums, `fact_builder` and `dedup`), then counts
/// as `(u64, u32)` (the catalog index built at load, `snapshot::read`). Sorting by name
/// and position first makes a name's place break the ties of equal counts.
pub(crate) fn ranked(counts: &[(u64, &str)]) -> Vec<usize> {
    let mut by_name: Vec<(&str, u64)> = counts
        .iter()
        .zip(0u64..)
        .map(|(&(_, name), i)| (name, i))
        .collect();
    by_name.sort_unstable();
    let mut order: Vec<(u64, u32)> = by_name
        .iter()
        .zip(0u32..)
        .filter_map(|(&(_, i), place)| {
            let (n, _) = counts.get(usize::try_from(i).ok()?)?;
            Some((u64::MAX - n, place))
        })
        .collect();
    order.sort_unstable();
    order
        .into_iter()
        .filter_map(|(_, place)| by_name.get(place as usize))
        .map(|&(_, i)| i as usize)
        .collect()
}

/// Counts laid out by `new_names` from those laid out by `old_names`: a name in both
/// keeps its count, a new one starts at zero.
fn carry<T: Copy + Default>(old_names: &[&str], old: &[T], new_names: &[&str]) -> Vec<T> {
    old_positions(old_names, new_names)
        .into_iter()
        .map(|i| i.and_then(|i| old.get(i)).copied().unwrap_or_default())
        .collect()
}

/// Where each of `new_names` was in `old_names` (one map type whatever is carried: in
/// wasm each `HashMap<_, T>` is its own copy of the table code).
fn old_positions(old_names: &[&str], new_names: &[&str]) -> Vec<Option<usize>> {
    let by_name: HashMap<&str, usize> =
        old_names.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    new_names.iter().map(|n| by_name.get(n).copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::{ranked, sorted_distinct, Slots};
    use proptest::prelude::*;

    proptest! {
        /// Whatever repeats (and, with names from a tiny alphabet, however they are
        /// spread), the result is what sorting every name and dropping repeats gives.
        #[test]
        fn sorted_distinct_is_every_name_once_in_order(names in prop::collection::vec("[ab茶]{0,3}", 0..200)) {
            let mut expected: Vec<&str> = names.iter().map(String::as_str).collect();
            expected.sort_unstable();
            expected.dedup();
            let got = sorted_distinct(names.iter().map(String::as_str));
            let got: Vec<&str> = got.iter().map(|n| &**n).collect();
            prop_assert_eq!(got, expected);
        }
    }

    /// A snapshot's own text is found by its address; a prefix of it (same address, not
    /// the same text), a copy and an empty text are found by name.
    #[test]
    fn slots_find_a_text_by_address_or_by_name() {
        let texts = ["tea", "watch", "tea", "", "teapot"].map(String::from);
        let slots = Slots::of(texts.iter().map(String::as_str));
        let names: Vec<&str> = slots.names.iter().map(|n| &**n).collect();
        assert_eq!(names, ["", "tea", "teapot", "watch"]);
        for (text, slot) in texts.iter().zip([1, 3, 1, 0, 2]) {
            assert_eq!(slots.find(text), Some(slot), "{text:?}");
            assert_eq!(slots.find(&text.clone()), Some(slot), "a copy of {text:?}");
        }
        let teapot = &texts[4];
        assert_eq!(
            slots.find(&teapot[..3]),
            Some(1),
            "a prefix is its own name"
        );
        assert_eq!(slots.find(&teapot[..4]), None);
        assert_eq!(slots.find(&teapot[..0]), Some(0));
        assert_eq!(slots.find("coffee"), None);
    }

    #[test]
    fn ranked_is_largest_count_first_then_name_then_position() {
        let counts = [
            (2, "b"),
            (5, "z"),
            (2, "a"),
            (0, "c"),
            (2, "b"),
            (5, "a"),
            (0, "b"),
        ];
        // What sorting `(Reverse(count), name, position)` gives.
        let mut expected: Vec<usize> = (0..counts.len()).collect();
        expected.sort_by_key(|&i| (std::cmp::Reverse(counts[i].0), counts[i].1, i));
        assert_eq!(expected, [5, 1, 2, 0, 4, 6, 3]);
        assert_eq!(ranked(&counts), expected);
        assert_eq!(ranked(&[(u64::MAX, "x"), (0, "y")]), [0, 1]);
        assert!(ranked(&[]).is_empty());
    }
}
