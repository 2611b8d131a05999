//! The facts a rule can read (docs/semantics.md §6), computed once per
//! order by the engine's fact builder and borrowed by the rule evaluator. Strings borrow from the order
//! or the snapshot, so building facts copies no text.
//!
//! They serialize as JSON (`Engine::facts`) so a verdict can be explained.
//!
//! Absent optional order fields read as empty strings: CEL has no `undefined`, and a
//! typed rule can test `order.channel == ""`.

use crate::model::Level;
use crate::time::Timestamp;
use serde::Serialize;

/// Everything a rule can see while one order is checked.
#[derive(Debug, Clone, Serialize)]
pub struct Facts<'a> {
    /// `customer`
    pub customer: CustomerFacts<'a>,
    /// `order`
    pub order: OrderFacts<'a>,
    /// `items`, one per order line in order; `item` in item-scoped rules.
    pub items: Vec<ItemFacts<'a>>,
    /// `verified`: verification methods the order says are completed.
    pub verified: &'a [String],
    /// `now`: the caller's time (never the order's own `created_at`).
    pub now: Timestamp,
}

/// `customer.*`
#[derive(Debug, Clone, Default, Serialize)]
pub struct CustomerFacts<'a> {
    /// `level`: highest level among unexpired matching blocklist entries, else `none`.
    pub level: Level,
    /// `level_certain`: `level` is exact — false when it comes from a public snapshot's
    /// hit, which says only that the identifier's bucket holds a listed value
    /// (docs/semantics.md, "Profiles"); true otherwise, `none` included.
    pub level_certain: bool,
    /// `listed`: some unexpired entry matched.
    pub listed: bool,
    /// `reasons`: reason codes of the matching entries, no repeats, first-seen order.
    pub reasons: Vec<&'a str>,
    /// `matched`: identifier kinds that matched, no repeats, in `IdKind::ALL` order.
    pub matched: Vec<&'a str>,
    /// `known`: the customer id is in `customers.csv`.
    pub known: bool,
    /// `account_age_days`: whole days since account creation; -1 when unknown.
    pub account_age_days: i64,
    /// `orders_90d` (0 for an unknown customer).
    pub orders_90d: i64,
    /// `refunds_90d`
    pub refunds_90d: i64,
    /// `refund_rate`: `refunds_90d / max(orders_90d, 1)`.
    pub refund_rate: f64,
    /// `chargebacks_365d`
    pub chargebacks_365d: i64,
    /// `addresses_90d`
    pub addresses_90d: i64,
    /// `bound`: the identifier kinds whose value the caller bound (a verified session,
    /// the connecting address) rather than the order claimed — "customer_id", "email",
    /// "phone", "ip", in that order; empty without an identity.
    pub bound: Vec<&'a str>,
    /// The entry a customer message speaks of (`{reason}`, `{expires}`): not a fact
    /// rules read, so not in the facts' JSON.
    #[serde(skip)]
    pub entry: Option<EntryFacts<'a>>,
    /// The unexpired scoped entries that matched (level and scope), which mark lines
    /// (`item.listed`, `item.list_level`) instead of raising `level`.
    #[serde(skip)]
    pub scoped: Vec<(Level, &'a crate::model::EntryScope)>,
}

/// The list entry behind `customer.level` that messages name (docs/semantics.md §9.5):
/// among the unexpired matches with a reason code, the highest level, then the one
/// that applies longest (never expiring first), then the first met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryFacts<'a> {
    /// Its level.
    pub level: Level,
    /// Its reason code.
    pub reason: &'a str,
    /// When it stops applying; `None` never.
    pub expires_at: Option<Timestamp>,
}

impl EntryFacts<'_> {
    /// Whether this entry is the one a message names rather than `other`.
    pub fn outranks(&self, other: &EntryFacts<'_>) -> bool {
        let lasts = |e: &EntryFacts<'_>| e.expires_at.map_or(i128::MAX, |t| i128::from(t.0));
        (self.level, lasts(self)) > (other.level, lasts(other))
    }
}

/// `order.shipping.*` (empty strings when absent).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ShippingFacts<'a> {
    /// `province`
    pub province: &'a str,
    /// `city`
    pub city: &'a str,
    /// `district`
    pub district: &'a str,
    /// `line1`
    pub line1: &'a str,
    /// `name`
    pub name: &'a str,
    /// `phone` as submitted (not normalized)
    pub phone: &'a str,
}

/// `order.*`
#[derive(Debug, Clone, Default, Serialize)]
pub struct OrderFacts<'a> {
    /// `total`: catalog price × quantity over known SKUs, else the submitted price,
    /// summed exactly in minor units then converted.
    pub total: f64,
    /// `currency` as submitted, else the policy's.
    pub currency: &'a str,
    /// `line_count`: number of lines.
    pub line_count: i64,
    /// `item_count`: sum of quantities.
    pub item_count: i64,
    /// `channel` as submitted.
    pub channel: &'a str,
    /// `created_at` as submitted, else `now`.
    pub created_at: Timestamp,
    /// `shipping`
    pub shipping: ShippingFacts<'a>,
    /// `issues`: names from docs/semantics.md §7 "Order issues", in that order.
    pub issues: Vec<&'a str>,
}

/// `item.*` and each element of `items`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ItemFacts<'a> {
    /// `sku` as submitted.
    pub sku: &'a str,
    /// `name` from the catalog, else empty.
    pub name: &'a str,
    /// `category` from the catalog, else empty.
    pub category: &'a str,
    /// `price`: catalog price, else the submitted `unit_price`.
    pub price: f64,
    /// `quantity`
    pub quantity: i64,
    /// `sku_quantity`: the quantities of this line's SKU summed over all the order's
    /// lines.
    pub sku_quantity: i64,
    /// `line_total`: price × quantity, computed in minor units.
    pub line_total: f64,
    /// `tags` from the catalog, else empty.
    pub tags: &'a [String],
    /// `high_value`: tagged `high_value` or price ≥ the policy's threshold.
    pub high_value: bool,
    /// `limited`: tagged `limited_edition`.
    pub limited: bool,
    /// `restricted`: `high_value || limited`.
    pub restricted: bool,
    /// `known`: the SKU is in the catalog.
    pub known: bool,
    /// `max_per_order`: 0 when unset or unknown.
    pub max_per_order: i64,
    /// `listed`: an unexpired scoped list entry of the customer restricts this line
    /// (docs/semantics.md §4.4).
    pub listed: bool,
    /// `list_level`: the highest level among those entries, else `none`.
    pub list_level: Level,
    /// `stock`: units in stock from the catalog; -1 when not tracked or unknown.
    pub stock: i64,
    /// `max_per_customer`: the catalog's limit across orders; 0 when unset or unknown.
    pub max_per_customer: i64,
    /// `bought_in_window`: units of this SKU the engine allowed this customer within the
    /// policy's `purchase_window` before this order (docs/semantics.md, "Purchase
    /// limits"); 0 for a SKU without `max_per_customer`.
    pub bought_in_window: i64,
}
