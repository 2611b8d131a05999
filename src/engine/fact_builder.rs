//! The fact builder: turns an order into the [`Facts`] the rules read (blocklist
//! level, customer history, item prices and restrictions, order issues), once per
//! check. The rule language owns what the facts are (`rules::facts`, `rules::schema`);
//! this module owns how each is computed from the order and the snapshot.

use super::issues;
use super::order::{Line, Order, Shipping};
use super::Loaded;
use crate::model::{from_minor_units, to_minor_units, CatalogItem, CustomerStats, IdKind, Issue};
use crate::normalize;
use crate::rules::facts::{CustomerFacts, EntryFacts, Facts, ItemFacts, OrderFacts, ShippingFacts};
use crate::snapshot::{ListMatch, Lookups};
use crate::time::Timestamp;

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// What a check knows besides the order and the snapshot.
#[derive(Debug, Clone, Copy)]
pub(super) struct Inputs<'b> {
    /// The time to judge at.
    pub now: Timestamp,
    /// Whether the order is a recent duplicate (the engine's memory or the caller's).
    pub duplicate: bool,
    /// `customer.bound`: the kinds the caller's identity supplied (empty without one).
    pub bound: &'b [&'static str],
    /// `item.bought_in_window` by limited SKU (docs/semantics.md, "Purchase limits").
    pub bought: &'b [(String, u64)],
}

/// Everything the rules can read about `order` (already bound: `identity::bind`).
pub(super) fn build<'a>(loaded: &'a Loaded, order: &'a Order, inputs: Inputs<'_>) -> Facts<'a> {
    let Inputs {
        now,
        duplicate,
        bound,
        bought,
    } = inputs;
    let snapshot = &loaded.snapshot;
    let policy = snapshot.policy();
    let rules = normalize::Rules::of(policy);

    let mut buffers = Buffers::take();
    // Normalized once: looked up in the blocklist and checked for `invalid_phone`.
    if let Some(p) = order.shipping.as_ref().and_then(|s| s.phone.as_deref()) {
        normalize::identifier_into(IdKind::Phone, p, &rules, &mut buffers.shipping_phone);
    }
    let mut customer = customer_facts(loaded, order, &mut buffers, now);
    customer.bound = std::mem::take(&mut buffers.bound);
    customer.bound.extend_from_slice(bound);
    let (mut items, total_minor) =
        item_facts(loaded, order, bought, std::mem::take(&mut buffers.items));
    mark_scoped(&mut items, &customer.scoped);

    let mut issue_list = std::mem::take(&mut buffers.issues);
    issues::find(
        order,
        &items,
        !snapshot.has_catalog(),
        &policy.currency,
        &buffers.shipping_phone,
        &mut issue_list,
    );
    buffers.give_back();
    if duplicate {
        issue_list.push(Issue::DuplicateRecent.as_str());
    }
    issues::find_limits(&items, &mut issue_list);
    let shipping = order.shipping.as_ref();
    let field =
        |f: fn(&Shipping) -> &Option<String>| shipping.and_then(|s| f(s).as_deref()).unwrap_or("");
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

/// Hands the vectors of `facts` back to this thread's [`Buffers`], emptied, for the
/// next check's facts: a check then allocates none of them (six vectors, most grown
/// from empty, cost about a malloc, a realloc and a free each).
pub(super) fn recycle(facts: Facts<'_>) {
    let Facts {
        customer,
        order,
        items,
        ..
    } = facts;
    let mut buffers = Buffers::take();
    keep(&mut buffers.reasons, customer.reasons);
    keep(&mut buffers.matched, customer.matched);
    keep(&mut buffers.bound, customer.bound);
    keep(&mut buffers.scoped, customer.scoped);
    keep(&mut buffers.issues, order.issues);
    keep(&mut buffers.items, items);
    buffers.give_back();
}

/// A recycled vector grown past this many elements by one outsized order is not kept.
const VEC_KEEP: usize = 64;

/// Stores `v`, emptied, in `slot` unless it grew past [`VEC_KEEP`]. `v` borrows the
/// check's order and engine while the slot's lifetime is `'static`: collecting it in
/// place (std reuses a vector's allocation when the element layouts agree, as they do
/// for one type under two lifetimes) keeps its allocation without `unsafe`.
fn keep<A, B>(slot: &mut Vec<B>, v: Vec<A>) {
    if v.capacity() <= VEC_KEEP {
        *slot = v.into_iter().filter_map(|_| None).collect();
    }
}

/// The text buffers a check normalizes identifiers into, kept per thread between
/// checks so that normalizing allocates nothing once they have grown to the usual
/// identifier length (docs/BENCHMARKS.md, "Native"). Per thread rather than per engine:
/// the fact builder only reads the engine, which stays `Sync`. With them, empty, the
/// vectors of the last check's facts ([`recycle`]).
#[derive(Default)]
pub(super) struct Buffers {
    /// The shipping phone, normalized.
    pub shipping_phone: String,
    /// Each other identifier in turn, normalized (the duplicate key's customer too);
    /// then the pattern candidates.
    pub ident: String,
    /// The customer's e-mail, IP and phone, normalized: looked up as they are, then
    /// the source of their pattern candidates (so they are not normalized twice).
    email: String,
    ip: String,
    phone: String,
    // The facts' vectors, empty (see `recycle`).
    reasons: Vec<&'static str>,
    matched: Vec<&'static str>,
    bound: Vec<&'static str>,
    scoped: Vec<(crate::model::Level, &'static crate::model::EntryScope)>,
    issues: Vec<&'static str>,
    items: Vec<ItemFacts<'static>>,
}

/// A buffer grown past this many bytes by one outsized identifier is not kept.
const BUFFER_KEEP: usize = 1024;

thread_local! {
    // Boxed: handing the buffers out and back moves one pointer, not five `String`s
    // (twice a check: the duplicate key and the facts).
    static BUFFERS: std::cell::Cell<Option<Box<Buffers>>> = const { std::cell::Cell::new(None) };
}

impl Buffers {
    /// This thread's buffers, emptied (fresh ones if another check on this thread
    /// holds them, or thread-local storage is gone).
    pub fn take() -> Box<Buffers> {
        let mut b = BUFFERS
            .try_with(|c| c.take())
            .ok()
            .flatten()
            .unwrap_or_default();
        b.shipping_phone.clear();
        b.ident.clear();
        b.email.clear();
        b.ip.clear();
        b.phone.clear();
        b
    }

    /// Keeps the buffers for the next check on this thread, unless one grew too large.
    pub fn give_back(self: Box<Self>) {
        let kept = |t: &String| t.capacity() <= BUFFER_KEEP;
        if kept(&self.shipping_phone)
            && kept(&self.ident)
            && kept(&self.email)
            && kept(&self.ip)
            && kept(&self.phone)
        {
            // Fails only while the thread is exiting: then the buffers are dropped.
            let _ = BUFFERS.try_with(|c| c.set(Some(self)));
        }
    }
}

/// Blocklist level, reasons and matched kinds, and `customers.csv` history. `buffers`
/// holds the shipping phone, normalized, and receives the other identifiers normalized.
fn customer_facts<'a>(
    loaded: &'a Loaded,
    order: &Order,
    buffers: &mut Buffers,
    now: Timestamp,
) -> CustomerFacts<'a> {
    let reasons_buf = std::mem::take(&mut buffers.reasons);
    let scoped_buf = std::mem::take(&mut buffers.scoped);
    let mut matched_kinds = std::mem::take(&mut buffers.matched);
    let Buffers {
        shipping_phone,
        ident: buf,
        email,
        ip,
        phone,
        ..
    } = buffers;
    let snapshot = &loaded.snapshot;
    let rules = normalize::Rules::of(snapshot.policy());
    let c = &order.customer;
    let mut facts = CustomerFacts {
        reasons: reasons_buf,
        scoped: scoped_buf,
        ..CustomerFacts::default()
    };
    let mut kinds_matched = [false; IdKind::LISTABLE.len()];
    // The highest level among certain (private-profile) matches: `level` is certain
    // when they reach it.
    let mut certain_level = crate::model::Level::None;
    let mut matched = |kind: IdKind, m: ListMatch<'a>| {
        if m.expires_at.is_some_and(|e| e <= now) {
            return;
        }
        // A scoped entry marks the lines it names (§4.4), never the whole customer.
        if let Some(scope) = m.scope {
            facts.scoped.push((m.level, scope));
            return;
        }
        facts.listed = true;
        facts.level = facts.level.max(m.level);
        if m.certain {
            certain_level = certain_level.max(m.level);
        }
        // A public snapshot's hit has no reason code.
        if !m.reason.is_empty() && !facts.reasons.contains(&m.reason) {
            facts.reasons.push(m.reason);
        }
        if !m.reason.is_empty() {
            let entry = EntryFacts {
                level: m.level,
                reason: m.reason,
                expires_at: m.expires_at,
            };
            if facts.entry.is_none_or(|e| entry.outranks(&e)) {
                facts.entry = Some(entry);
            }
        }
        if let Some(seen) = kinds_matched.get_mut(usize::from(kind.code())) {
            *seen = true;
        }
    };
    let ident = |kind, raw: &Option<String>, out: &mut String| {
        out.clear();
        if let Some(r) = raw.as_deref() {
            normalize::identifier_into(kind, r, &rules, out);
        }
    };
    // The lookups run in three steps (`snapshot::Lookups`): every identifier is
    // normalized and hashed first, then the cache lines of all their lookups are
    // fetched together, then they are matched. Past the caches each lookup costs
    // dependent misses; hashed one by one between lookups, a check paid them in
    // sequence (docs/BENCHMARKS.md, "Latency from 10 k to 10 M entries").
    //
    // 1. Normalize and hash, in the order the lookups have always run (they are matched
    // in push order): the first reason found is listed first. The customer id first:
    // its hash also finds the customer's statistics.
    let mut lookups = Lookups::new();
    ident(IdKind::CustomerId, &c.id, buf);
    lookups.push_customer(snapshot, buf);
    // A kind the blocklist holds none of is neither normalized nor hashed (the
    // customer id above still is: it also finds the customer's statistics). The
    // e-mail, IP and phone are normalized once for their exact and pattern lookups.
    let may = |kind| snapshot.may_list(kind);
    for (kind, pattern, raw, out) in [
        (IdKind::Email, IdKind::EmailDomain, &c.email, &mut *email),
        (IdKind::Ip, IdKind::IpRange, &c.ip, &mut *ip),
        (IdKind::Phone, IdKind::PhonePrefix, &c.phone, &mut *phone),
    ] {
        if may(kind) || may(pattern) {
            ident(kind, raw, out);
        }
    }
    if may(IdKind::Email) {
        lookups.push(snapshot, IdKind::Email, email);
    }
    for (kind, raw) in [
        (IdKind::DeviceId, &c.device_id),
        (IdKind::PaymentFingerprint, &c.payment_fingerprint),
    ] {
        if may(kind) {
            ident(kind, raw, buf);
            lookups.push(snapshot, kind, buf);
        }
    }
    if may(IdKind::Ip) {
        lookups.push(snapshot, IdKind::Ip, ip);
    }
    if may(IdKind::Phone) {
        lookups.push(snapshot, IdKind::Phone, phone);
        if shipping_phone != phone {
            lookups.push(snapshot, IdKind::Phone, shipping_phone);
        }
    }
    if let Some(s) = order.shipping.as_ref().filter(|_| may(IdKind::Address)) {
        normalize::order_address_into(
            [
                or_empty(&s.province),
                or_empty(&s.city),
                or_empty(&s.district),
                or_empty(&s.line1),
            ],
            buf,
        );
        lookups.push(snapshot, IdKind::Address, buf);
    }
    // 2. Every lookup's directory slot, then its first key, in two loops of
    // independent loads: their misses overlap.
    snapshot.warm(&lookups);
    // 3. Match, in push order.
    snapshot.for_each_batched_match(&lookups, &mut matched);
    let stats = snapshot.batched_customer(&lookups);
    // The pattern entries' lookups stay one by one: a candidate per length the
    // snapshot holds, hashed as it is cut from the identifier.
    let normalized = [&**email, &**ip, &**phone];
    pattern_lookups(snapshot, normalized, shipping_phone, buf, &mut matched);
    facts.level_certain = certain_level == facts.level;
    matched_kinds.extend(
        IdKind::LISTABLE
            .iter()
            .zip(kinds_matched)
            .filter(|(_, m)| *m)
            .map(|(k, _)| k.as_str()),
    );
    facts.matched = matched_kinds;

    facts.known = stats.is_some();
    // History the body cannot assert: a customer `customers.csv` knows has the
    // snapshot's account age or none (-1), never the order's. (Under binding the order's
    // own value was already replaced by the identity's: `identity::bind`.)
    let created = match stats {
        Some(stats) => stats.account_created_at,
        None => c.account_created_at,
    };
    history_facts(&mut facts, stats.unwrap_or_default(), created, now);
    facts
}

/// `item.listed` and `item.list_level` (docs/semantics.md §4.4): each line in the scope
/// of a scoped entry that matched takes the highest such entry's level.
fn mark_scoped(
    items: &mut [ItemFacts<'_>],
    scoped: &[(crate::model::Level, &crate::model::EntryScope)],
) {
    for item in items {
        for (level, scope) in scoped {
            if scope.holds(item.sku, item.category, item.tags) {
                item.listed = true;
                item.list_level = item.list_level.max(*level);
            }
        }
    }
}

/// The pattern entries' lookups (docs/semantics.md §3.3): the e-mail's domain, the IP's
/// ranges, the phones' prefixes, each only when the snapshot holds entries of the kind
/// (then one hash per length it holds). `normalized`: the customer's e-mail, IP and
/// phone as the exact lookups normalized them; `scratch` receives each candidate.
fn pattern_lookups<'a>(
    snapshot: &'a crate::snapshot::Snapshot,
    normalized: [&str; 3],
    shipping_phone: &str,
    scratch: &mut String,
    matched: &mut impl FnMut(IdKind, ListMatch<'a>),
) {
    let [email, ip, phone] = normalized;
    for (pattern, identifier) in [
        (IdKind::EmailDomain, email),
        (IdKind::IpRange, ip),
        (IdKind::PhonePrefix, phone),
    ] {
        if !snapshot.may_list(pattern) {
            continue;
        }
        snapshot.for_each_pattern_match(pattern, identifier, scratch, |m| matched(pattern, m));
        if pattern == IdKind::PhonePrefix && shipping_phone != identifier {
            snapshot
                .for_each_pattern_match(pattern, shipping_phone, scratch, |m| matched(pattern, m));
        }
    }
}

/// Fills the history facts (`orders_90d` … `refund_rate`, `account_age_days`) from a
/// customer's statistics and account creation time: shared with the list review
/// (`crate::review`), which judges `customers.csv` rows by the same definitions.
pub(crate) fn history_facts(
    facts: &mut CustomerFacts<'_>,
    stats: CustomerStats,
    created: Option<Timestamp>,
    now: Timestamp,
) {
    facts.orders_90d = i64::from(stats.orders_90d);
    facts.refunds_90d = i64::from(stats.refunds_90d);
    facts.chargebacks_365d = i64::from(stats.chargebacks_365d);
    facts.addresses_90d = i64::from(stats.addresses_90d);
    facts.refund_rate = facts.refunds_90d as f64 / facts.orders_90d.max(1) as f64;
    facts.account_age_days = created.map_or(-1, |created| {
        now.0
            .saturating_sub(created.0)
            .div_euclid(NANOS_PER_DAY)
            .max(0)
    });
}

/// Per-line facts and `order.total` in minor units (catalog price × quantity over known SKUs, else the
/// submitted price, summed exactly). `bought`: units bought before, by limited SKU.
/// `items`: an empty vector to fill (a recycled one: [`recycle`]).
fn item_facts<'a>(
    loaded: &'a Loaded,
    order: &'a Order,
    bought: &[(String, u64)],
    mut items: Vec<ItemFacts<'a>>,
) -> (Vec<ItemFacts<'a>>, i128) {
    let snapshot = &loaded.snapshot;
    let mut total: i128 = 0;
    items.reserve(order.items.len());
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
            stock: -1,
            ..ItemFacts::default()
        };
        if let Some(item) = catalog {
            facts.name = &item.name;
            facts.category = &item.category;
            facts.tags = &item.tags;
            facts.known = true;
            facts.max_per_order = i64::from(item.max_per_order);
            facts.stock = item.stock.map_or(-1, i64::from);
            facts.max_per_customer = i64::from(item.max_per_customer);
            facts.bought_in_window = bought
                .iter()
                .find(|(sku, _)| *sku == line.sku)
                .map_or(0, |&(_, n)| i64::try_from(n).unwrap_or(i64::MAX));
        }
        let tagged = |t: &str| facts.tags.iter().any(|x| x == t);
        facts.high_value = tagged("high_value") || price_minor >= loaded.threshold_minor;
        facts.limited = tagged("limited_edition");
        facts.restricted = facts.high_value || facts.limited;
        items.push(facts);
    }
    sum_by_sku(&mut items);
    (items, total)
}

/// Orders of at most this many lines sum their SKUs pair by pair.
const SMALL_ORDER: usize = 8;

/// Sets each line's `sku_quantity`: its SKU's quantities summed over the order's lines,
/// so a limit holds however the quantity is split (docs/rules.md, `item.sku_quantity`).
/// Sorting (SKU, line) pairs keeps a 1,000-line order linearithmic; they are `(&str,
/// u64)` like the duplicate memory's basket so the wasm carries one sort, not two.
fn sum_by_sku(items: &mut [ItemFacts<'_>]) {
    // The usual 1–8-line order: compare every pair, no allocation on the hot path.
    // Each pair once: `same[j]` bit `i` says whether line `j` shares line `i`'s SKU
    // (`j < i`), found when line `j` was summed. Comparing every line with every line
    // compared each pair twice and each line with itself, a `memcmp` a time
    // (same-length SKUs), ~11 a check on the benchmark's 1–5-line orders.
    if items.len() <= SMALL_ORDER {
        let mut same = [0u8; SMALL_ORDER];
        for i in 0..items.len() {
            let Some(sku) = items.get(i).map(|f| f.sku) else {
                continue;
            };
            let mut total = 0i64;
            // Summed in line order, as over the sorted pairs below.
            for (j, f) in items.iter().enumerate() {
                let shared = match j.cmp(&i) {
                    std::cmp::Ordering::Less => same.get(j).is_some_and(|b| b >> i & 1 == 1),
                    std::cmp::Ordering::Equal => true,
                    std::cmp::Ordering::Greater => {
                        let shared = f.sku == sku;
                        if let Some(b) = same.get_mut(i).filter(|_| shared) {
                            *b |= 1 << j;
                        }
                        shared
                    }
                };
                if shared {
                    total = total.saturating_add(f.quantity);
                }
            }
            if let Some(f) = items.get_mut(i) {
                f.sku_quantity = total;
            }
        }
        return;
    }
    let mut by_sku: Vec<(&str, u64)> = items.iter().zip(0u64..).map(|(f, i)| (f.sku, i)).collect();
    by_sku.sort_unstable();
    let line = |i: u64| usize::try_from(i).unwrap_or(usize::MAX);
    for run in by_sku.chunk_by(|a, b| a.0 == b.0) {
        let total = run
            .iter()
            .filter_map(|&(_, i)| items.get(line(i)))
            .fold(0i64, |sum, f| sum.saturating_add(f.quantity));
        for &(_, i) in run {
            if let Some(f) = items.get_mut(line(i)) {
                f.sku_quantity = total;
            }
        }
    }
}

fn line_price_minor(loaded: &Loaded, line: &Line, catalog: Option<&CatalogItem>) -> i64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Each line's `sku_quantity` is its SKU's quantities summed over the order, for
        /// small orders (pairs compared once) and large ones (sorted) alike.
        #[test]
        fn sku_quantity_sums_each_sku_over_the_order(
            lines in prop::collection::vec((prop::sample::select(vec!["A", "B", "C", "AA"]), prop::sample::select(vec![0i64, 1, 3, -2, i64::MAX, i64::MIN])), 0..20),
        ) {
            let mut items: Vec<ItemFacts<'_>> = lines
                .iter()
                .map(|&(sku, quantity)| ItemFacts { sku, quantity, ..ItemFacts::default() })
                .collect();
            sum_by_sku(&mut items);
            for item in &items {
                let want = lines
                    .iter()
                    .filter(|(sku, _)| *sku == item.sku)
                    .fold(0i64, |sum, (_, q)| sum.saturating_add(*q));
                prop_assert_eq!(item.sku_quantity, want);
            }
        }
    }

    #[test]
    fn buffers_are_kept_for_the_next_check_unless_outsized() {
        let mut b = Buffers::take();
        b.ident.push_str("someone@example.com");
        b.shipping_phone.push_str("8613800138000");
        let kept = b.ident.capacity();
        b.give_back();
        let again = Buffers::take();
        // Kept, and handed out empty: no text of the last check leaks into the next.
        assert!(again.ident.capacity() >= kept);
        assert!(again.ident.is_empty() && again.shipping_phone.is_empty());
        // While a check holds them, another on the same thread gets fresh ones.
        assert_eq!(Buffers::take().ident.capacity(), 0);
        let mut outsized = again;
        outsized.ident.push_str(&"x".repeat(BUFFER_KEEP + 1));
        outsized.give_back();
        assert_eq!(Buffers::take().ident.capacity(), 0);
    }

    #[test]
    fn recycled_vectors_keep_their_allocation_and_come_back_empty() {
        let text = String::from("a check's own text");
        let mut slot: Vec<&'static str> = Vec::new();
        let v = vec![text.as_str(); 5];
        let cap = v.capacity();
        keep(&mut slot, v);
        assert!(slot.is_empty());
        assert_eq!(slot.capacity(), cap);
        // One grown past `VEC_KEEP` is dropped, the slot keeps what it had.
        keep(&mut slot, vec![text.as_str(); VEC_KEEP + 1]);
        assert_eq!(slot.capacity(), cap);
    }
}
