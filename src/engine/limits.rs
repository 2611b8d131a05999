//! The purchase memory behind `max_per_customer` (docs/semantics.md, "Purchase
//! limits"): how many units of each limited SKU the engine let each identity buy, and
//! when, so that a limit holds across orders within the policy's `purchase_window`.
//!
//! An order counts under every identifier it carries (customer id, e-mail, customer and
//! shipping phone, device, payment fingerprint, shipping address), each normalized as
//! the blocklist matches it, so a second account at the same address, phone or device
//! shares the first one's count; what a customer bought is the largest count among its
//! identifiers. Only orders the engine allowed (or warned on) are recorded, once per
//! bound order id: a re-check of an allowed order replaces its purchase instead of
//! adding to it.
//!
//! Bounded like the duplicate memory next to it ([`super::dedup`]): at most
//! [`CAPACITY`] identity-and-SKU keys (expired purchases are dropped first, then the
//! least recently bought), and at most [`PURCHASES_PER_KEY`] purchases per key, the two
//! oldest merged into one dated at the newer (so a merged purchase counts for longer,
//! never less). Keys are SipHash digests: the memory holds no identifiers.

use super::heavy_hitters::DigestMap;
use super::order::Order;
use crate::model::IdKind;
use crate::normalize;
use crate::time::{Duration, Timestamp};
use siphasher::sip::SipHasher13;
use std::hash::Hasher;

/// Most identity-and-SKU keys remembered.
pub const CAPACITY: usize = 65_536;
/// Most purchases remembered per key; past it the two oldest are merged.
pub const PURCHASES_PER_KEY: usize = 8;

/// SipHash keys of the identity and SKU digests (fixed: engines sharing a memory must
/// agree on them).
const KEYS: (u64, u64) = (0x636b_6775_6172_6421, 0x6c69_6d69_7473_2121);

/// What a shared purchase memory needs to know about an order (`Engine::limit_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitKey {
    /// The digests of the order's identifiers ([`identities`]): a shared memory counts
    /// the order under each and answers the largest count.
    pub identities: Vec<u64>,
    /// The bound order id's digest: a re-check under it replaces its purchase.
    pub order_id: Option<u64>,
    /// The policy's `purchase_window`.
    pub window: Duration,
    /// Each SKU of the order with a `max_per_customer`, with its units summed over lines.
    pub skus: Vec<(String, u64)>,
}

/// One allowed order's units of one SKU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Purchase {
    order_id: Option<u64>,
    at: Timestamp,
    units: u64,
}

/// Remembers allowed purchases; see the module doc.
#[derive(Debug, Default, Clone)]
pub struct PurchaseMemory {
    keys: DigestMap<(u64, u64), Vec<Purchase>>,
}

/// The digests of every identifier `order` carries (at most one per kind and phone
/// field, in a fixed order), normalized as the blocklist matches them; empty when the
/// order carries none (an anonymous order has no count, docs/semantics.md).
pub fn identities(order: &Order, rules: &normalize::Rules<'_>) -> Vec<u64> {
    let c = &order.customer;
    let s = order.shipping.as_ref();
    let mut out = Vec::new();
    let mut buf = String::new();
    let fields = [
        (IdKind::CustomerId, c.id.as_deref()),
        (IdKind::Email, c.email.as_deref()),
        (IdKind::Phone, c.phone.as_deref()),
        (IdKind::Phone, s.and_then(|s| s.phone.as_deref())),
        (IdKind::DeviceId, c.device_id.as_deref()),
        (IdKind::PaymentFingerprint, c.payment_fingerprint.as_deref()),
    ];
    for (kind, value) in fields {
        buf.clear();
        if let Some(v) = value {
            normalize::identifier_into(kind, v, rules, &mut buf);
        }
        push_digest(&mut out, kind, &buf);
    }
    if let Some(s) = s {
        buf.clear();
        fn part(p: &Option<String>) -> &str {
            p.as_deref().unwrap_or("")
        }
        normalize::order_address_into(
            [
                part(&s.province),
                part(&s.city),
                part(&s.district),
                part(&s.line1),
            ],
            &mut buf,
        );
        push_digest(&mut out, IdKind::Address, &buf);
    }
    out
}

/// Adds the digest of `(kind, normalized)` to `out` unless it is empty or already there
/// (the customer and shipping phone are often one number).
fn push_digest(out: &mut Vec<u64>, kind: IdKind, normalized: &str) {
    if normalized.is_empty() {
        return;
    }
    let mut h = SipHasher13::new_with_keys(KEYS.0, KEYS.1);
    h.write_u8(kind.code());
    h.write(normalized.as_bytes());
    let d = h.finish();
    if !out.contains(&d) {
        out.push(d);
    }
}

/// The digest of a SKU (as given: SKUs are matched exactly, like the catalog).
pub fn sku_digest(sku: &str) -> u64 {
    let mut h = SipHasher13::new_with_keys(KEYS.1, KEYS.0);
    h.write(sku.as_bytes());
    h.finish()
}

impl PurchaseMemory {
    /// Units of `sku` bought within `window` before `now` (both ends included): the
    /// largest count among `identities`, leaving out the purchase recorded under the
    /// same bound `order_id` (a re-check of that order).
    pub fn bought(
        &self,
        identities: &[u64],
        sku: u64,
        order_id: Option<u64>,
        now: Timestamp,
        window: Duration,
    ) -> u64 {
        let from = Timestamp(now.0.saturating_sub(window.0));
        identities
            .iter()
            .filter_map(|&who| self.keys.get(&(who, sku)))
            .map(|list| {
                list.iter()
                    .filter(|p| p.at >= from && p.at <= now)
                    .filter(|p| order_id.is_none() || p.order_id != order_id)
                    .fold(0u64, |sum, p| sum.saturating_add(p.units))
            })
            .max()
            .unwrap_or(0)
    }

    /// Records that `units` of `sku` were allowed at `now` under every one of
    /// `identities`; under a bound `order_id` already recorded, replaces that purchase.
    /// `window` is how long purchases matter: older ones are dropped to make room.
    pub fn record(
        &mut self,
        identities: &[u64],
        sku: u64,
        order_id: Option<u64>,
        units: u64,
        now: Timestamp,
        window: Duration,
    ) {
        for &who in identities {
            let list = self.keys.entry((who, sku)).or_default();
            let new = Purchase {
                order_id,
                at: now,
                units,
            };
            match list
                .iter_mut()
                .find(|p| order_id.is_some() && p.order_id == order_id)
            {
                Some(same) => *same = new,
                None => {
                    list.push(new);
                    merge_oldest(list);
                }
            }
        }
        if self.keys.len() > CAPACITY {
            self.make_room(now, window);
        }
    }

    /// Drops expired purchases, then, if still over [`CAPACITY`], the keys bought least
    /// recently, down to three quarters of it (so the sweep runs once per many records).
    fn make_room(&mut self, now: Timestamp, window: Duration) {
        let from = Timestamp(now.0.saturating_sub(window.0));
        self.keys.retain(|_, list| {
            list.retain(|p| p.at >= from);
            !list.is_empty()
        });
        if self.keys.len() <= CAPACITY {
            return;
        }
        // The `excess` least recently bought keys, popped from a min-heap: the keys are
        // distinct, so these are the keys a full sort would put first, for a few hundred
        // bytes of wasm where a sort instantiation for this type cost ~3 KB.
        let mut newest: std::collections::BinaryHeap<std::cmp::Reverse<(Timestamp, (u64, u64))>> =
            self.keys
                .iter()
                .map(|(k, list)| {
                    let at = list.iter().map(|p| p.at).max().unwrap_or(from);
                    std::cmp::Reverse((at, *k))
                })
                .collect();
        let excess = self.keys.len().saturating_sub(CAPACITY / 4 * 3);
        for _ in 0..excess {
            let Some(std::cmp::Reverse((_, k))) = newest.pop() else {
                break;
            };
            self.keys.remove(&k);
        }
    }

    /// How many identity-and-SKU keys are remembered.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Past [`PURCHASES_PER_KEY`], merges the two oldest purchases into one dated at the
/// newer of them: the units still count, for longer rather than shorter.
fn merge_oldest(list: &mut Vec<Purchase>) {
    if list.len() <= PURCHASES_PER_KEY {
        return;
    }
    // By date, oldest first, with an insertion sort: what `sort_unstable` itself runs on
    // a list this short (at most `PURCHASES_PER_KEY + 1`, under its 20-element cutoff),
    // so the same order with ties kept, without a sort instantiation (~3 KB of wasm).
    for i in 1..list.len() {
        let mut j = i;
        while j > 0 && list.get(j - 1).map(|p| p.at) > list.get(j).map(|p| p.at) {
            list.swap(j - 1, j);
            j -= 1;
        }
    }
    if let [a, b, ..] = list.as_mut_slice() {
        *b = Purchase {
            order_id: None,
            at: b.at,
            units: a.units.saturating_add(b.units),
        };
    }
    list.remove(0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::order::Shipping;

    const DAY: i64 = 86_400;

    fn t(seconds: i64) -> Timestamp {
        Timestamp::from_seconds(seconds)
    }

    #[test]
    fn counts_within_the_window_by_the_largest_identity() {
        let mut m = PurchaseMemory::default();
        let w = Duration::from_seconds(30 * DAY);
        m.record(&[1, 2], 9, None, 1, t(0), w);
        m.record(&[2, 3], 9, None, 1, t(DAY), w);
        assert_eq!(m.bought(&[1], 9, None, t(DAY), w), 1);
        assert_eq!(
            m.bought(&[2], 9, None, t(DAY), w),
            2,
            "both orders share id 2"
        );
        assert_eq!(m.bought(&[1, 3], 9, None, t(DAY), w), 1, "max, not sum");
        assert_eq!(m.bought(&[4], 9, None, t(DAY), w), 0);
        assert_eq!(m.bought(&[2], 8, None, t(DAY), w), 0, "another SKU");
        // Both ends of the window included; nothing after `now`.
        assert_eq!(m.bought(&[2], 9, None, t(30 * DAY), w), 2);
        assert_eq!(m.bought(&[2], 9, None, t(30 * DAY + 1), w), 1);
        assert_eq!(m.bought(&[2], 9, None, t(-1), w), 0);
    }

    #[test]
    fn a_recheck_under_the_same_bound_id_replaces_its_purchase() {
        let mut m = PurchaseMemory::default();
        let w = Duration::from_seconds(DAY);
        let a = super::super::dedup::id_hash(Some("A"));
        m.record(&[1], 9, a, 2, t(0), w);
        assert_eq!(
            m.bought(&[1], 9, a, t(1), w),
            0,
            "its own purchase left out"
        );
        m.record(&[1], 9, a, 2, t(1), w);
        assert_eq!(m.bought(&[1], 9, None, t(2), w), 2, "not counted twice");
        // Without a bound id every record is a new purchase (fail safe).
        m.record(&[1], 9, None, 1, t(2), w);
        m.record(&[1], 9, None, 1, t(3), w);
        assert_eq!(m.bought(&[1], 9, a, t(4), w), 2);
        assert_eq!(m.bought(&[1], 9, None, t(4), w), 4);
    }

    #[test]
    fn purchases_per_key_are_merged_never_dropped() {
        let mut m = PurchaseMemory::default();
        let w = Duration::from_seconds(DAY);
        for i in 0..100 {
            m.record(&[1], 9, None, 1, t(i), w);
        }
        assert!(m
            .keys
            .get(&(1, 9))
            .is_some_and(|l| l.len() <= PURCHASES_PER_KEY));
        assert_eq!(m.bought(&[1], 9, None, t(100), w), 100);
    }

    #[test]
    fn memory_is_bounded_and_keeps_the_recent() {
        let mut m = PurchaseMemory::default();
        let w = Duration::from_seconds(10 * DAY);
        let n = CAPACITY as i64 + 10;
        for i in 0..n {
            m.record(&[i as u64], 9, None, 1, t(i), w);
        }
        assert!(m.len() <= CAPACITY);
        assert_eq!(m.bought(&[n as u64 - 1], 9, None, t(n), w), 1);
        assert_eq!(m.bought(&[0], 9, None, t(n), w), 0, "the oldest went first");
    }

    /// `merge_oldest` orders as `sort_by_key` (stable, which is what `sort_unstable`
    /// runs on lists of at most 20) did, ties in date included, and `make_room` evicts
    /// the keys a full sort by (last purchase, key) put first.
    #[test]
    fn merging_and_eviction_pick_what_a_sort_picked() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        for _ in 0..2000 {
            let list: Vec<Purchase> = (0..=PURCHASES_PER_KEY as u64)
                .map(|i| Purchase {
                    order_id: Some(i),
                    at: t(next(4) as i64),
                    units: next(5),
                })
                .collect();
            let mut want = list.clone();
            want.sort_by_key(|p| p.at);
            if let [a, b, ..] = want.as_mut_slice() {
                *b = Purchase {
                    order_id: None,
                    at: b.at,
                    units: a.units.saturating_add(b.units),
                };
            }
            want.remove(0);
            let mut got = list;
            merge_oldest(&mut got);
            assert_eq!(got, want);
        }
        let mut m = PurchaseMemory::default();
        let w = Duration::from_seconds(10 * DAY);
        // Full without a sweep (`record` sweeps past CAPACITY), then one key over.
        for i in 0..CAPACITY as u64 {
            m.record(&[next(1 << 40)], i, None, 1, t(next(1000) as i64), w);
        }
        let extra = Purchase {
            order_id: None,
            at: t(next(1000) as i64),
            units: 1,
        };
        m.keys.insert((1 << 41, 0), vec![extra]);
        assert!(m.keys.len() > CAPACITY);
        let mut all: Vec<(Timestamp, (u64, u64))> = m
            .keys
            .iter()
            .map(|(k, l)| (l.iter().map(|p| p.at).max().unwrap_or(t(0)), *k))
            .collect();
        all.sort_unstable();
        let before = m.keys.len();
        let excess = before.saturating_sub(CAPACITY / 4 * 3);
        m.make_room(t(1000), w);
        assert_eq!(m.keys.len(), before - excess);
        for (i, (_, k)) in all.iter().enumerate() {
            assert_eq!(m.keys.contains_key(k), i >= excess, "key {i} of {before}");
        }
    }

    #[test]
    fn identities_are_normalized_and_deduplicated() {
        let rules = normalize::Rules::with_country_code("86");
        let mut a = Order::default();
        a.customer.phone = Some("138 0013 8000".into());
        a.shipping = Some(Shipping {
            phone: Some("+86 13800138000".into()),
            province: Some("浙江省".into()),
            city: Some("杭州市".into()),
            line1: Some("文三路 1 号".into()),
            ..Shipping::default()
        });
        let ids = identities(&a, &rules);
        assert_eq!(ids.len(), 2, "one phone, one address: {ids:?}");
        let mut b = Order::default();
        b.customer.id = Some("second-account".into());
        b.customer.phone = Some("13800138000".into());
        let other = identities(&b, &rules);
        assert!(other.iter().any(|d| ids.contains(d)), "the same phone");
        assert!(identities(&Order::default(), &rules).is_empty());
    }
}
