//! The duplicate memory behind `duplicate_recent`: which customer submitted which
//! basket (multiset of SKU quantities) when, under which order id.
//!
//! It is bounded ([`CAPACITY`] baskets, least recently seen forgotten first; memory
//! proportional to the baskets held) and lives in one engine
//! instance — at the edge that means one isolate, so a duplicate sent to another
//! isolate is not seen. Keys are SipHash digests, so the memory holds no identifiers.

use super::order::Order;
use crate::model::IdKind;
use crate::normalize;
use crate::time::{Duration, Timestamp};
use siphasher::sip::SipHasher13;
use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;

/// Most customer-and-basket keys remembered.
pub const CAPACITY: usize = 65_536;
/// Distinct order ids remembered per key (a customer retrying the same basket under
/// more ids than this within the window is still caught by the newest ones).
const IDS_PER_KEY: usize = 4;

#[derive(Debug, Clone, Copy)]
struct Seen {
    order_id: Option<u64>,
    at: Timestamp,
}

/// Remembers recent checks; see the module doc.
#[derive(Debug, Default, Clone)]
pub struct DuplicateMemory {
    seen: HashMap<u64, Vec<Seen>>,
    order: VecDeque<(u64, Timestamp)>,
}

/// The key of an order: its customer (first present of normalized id, email, phone:
/// docs/semantics.md §3.2, so other spellings are the same customer) and its basket;
/// `None` when the customer is anonymous.
pub fn key(order: &Order, rules: &normalize::Rules<'_>) -> Option<u64> {
    let c = &order.customer;
    let (tag, who) = [
        (0u8, IdKind::CustomerId, &c.id),
        (1, IdKind::Email, &c.email),
        (2, IdKind::Phone, &c.phone),
    ]
    .into_iter()
    .find_map(|(tag, kind, value)| {
        let normalized = normalize::identifier_with(kind, value.as_deref()?, rules);
        (!normalized.is_empty()).then_some((tag, normalized))
    })?;
    // Sorted, then equal SKUs merged: linearithmic however many lines (a linear search
    // per line was quadratic in a 10,000-line order).
    let mut basket: Vec<(&str, u64)> = order
        .items
        .iter()
        .map(|l| (l.sku.as_str(), l.quantity))
        .collect();
    basket.sort_unstable();
    basket.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = kept.1.saturating_add(later.1);
        }
        same
    });
    let mut h = SipHasher13::new_with_keys(0x636b_6775_6172_6421, 0x6475_7065_6d65_6d6f);
    h.write_u8(tag);
    h.write(who.as_bytes());
    h.write_u8(0xff);
    for (sku, q) in basket {
        h.write(sku.as_bytes());
        h.write_u8(0xff);
        h.write_u64(q);
    }
    Some(h.finish())
}

fn id_hash(order_id: Option<&str>) -> Option<u64> {
    order_id.map(|id| {
        let mut h = SipHasher13::new_with_keys(1, 2);
        h.write(id.as_bytes());
        h.finish()
    })
}

impl DuplicateMemory {
    /// Whether `key` was seen within `window` before `now` under a different or absent
    /// order id (a re-check of the same order id is not a duplicate).
    pub fn is_duplicate(
        &self,
        key: u64,
        order_id: Option<&str>,
        now: Timestamp,
        window: Duration,
    ) -> bool {
        let id = id_hash(order_id);
        let from = Timestamp(now.0.saturating_sub(window.0));
        self.seen.get(&key).is_some_and(|list| {
            list.iter()
                .any(|s| s.at >= from && s.at <= now && (id.is_none() || s.order_id != id))
        })
    }

    /// Records a check of `key` at `now`, forgetting the oldest keys past [`CAPACITY`].
    pub fn record(&mut self, key: u64, order_id: Option<&str>, now: Timestamp) {
        let id = id_hash(order_id);
        let list = self.seen.entry(key).or_default();
        match list.iter_mut().find(|s| s.order_id == id) {
            Some(s) => s.at = s.at.max(now),
            None => {
                if list.len() >= IDS_PER_KEY {
                    if let Some(oldest) = (0..list.len()).min_by_key(|&i| list.get(i).map(|s| s.at))
                    {
                        list.swap_remove(oldest);
                    }
                }
                list.push(Seen {
                    order_id: id,
                    at: now,
                });
            }
        }
        self.order.push_back((key, now));
        // Every check adds a sighting; once most of the queue is stale sightings of keys
        // seen again later, keep only each key's newest, so the memory stays
        // proportional to the keys it holds (a loop re-checking one basket used to hold
        // 4 × CAPACITY sightings).
        if self.order.len() > 2 * self.seen.len() + 64 {
            self.compact();
        }
        while self.seen.len() > CAPACITY {
            let Some((old, at)) = self.order.pop_front() else {
                break;
            };
            // Only forget the key if this queue entry is its newest sighting.
            let newest = self
                .seen
                .get(&old)
                .and_then(|l| l.iter().map(|s| s.at).max());
            if newest.is_some_and(|n| n <= at) {
                self.seen.remove(&old);
            }
        }
    }

    /// Keeps in the recency queue only the newest sighting of each key (amortized O(1)
    /// per record: it runs when the queue has doubled past the keys).
    fn compact(&mut self) {
        let mut kept = std::collections::HashSet::with_capacity(self.seen.len());
        let mut newest_first: Vec<(u64, Timestamp)> = Vec::with_capacity(self.seen.len());
        while let Some((key, at)) = self.order.pop_back() {
            let newest = self
                .seen
                .get(&key)
                .and_then(|l| l.iter().map(|s| s.at).max());
            if newest.is_some_and(|n| n <= at) && kept.insert(key) {
                newest_first.push((key, at));
            }
        }
        self.order.extend(newest_first.into_iter().rev());
    }

    /// How many customer-and-basket keys are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::order::Order;

    fn order(id: Option<&str>, customer: &str, lines: &[(&str, u64)]) -> Order {
        let mut o = Order {
            order_id: id.map(str::to_string),
            ..Order::default()
        };
        o.customer.id = Some(customer.to_string());
        o.items = lines
            .iter()
            .map(|(s, q)| crate::engine::order::Line {
                sku: s.to_string(),
                quantity: *q,
                unit_price: None,
            })
            .collect();
        o
    }

    #[test]
    fn basket_is_a_multiset() {
        let a = key(
            &order(None, "C", &[("A", 1), ("B", 2)]),
            &crate::normalize::Rules::with_country_code("86"),
        );
        let b = key(
            &order(None, "C", &[("B", 1), ("A", 1), ("B", 1)]),
            &crate::normalize::Rules::with_country_code("86"),
        );
        let c = key(
            &order(None, "C", &[("A", 2), ("B", 1)]),
            &crate::normalize::Rules::with_country_code("86"),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            key(
                &Order::default(),
                &crate::normalize::Rules::with_country_code("86")
            ),
            None
        );
    }

    #[test]
    fn window_and_order_ids() {
        let mut m = DuplicateMemory::default();
        let w = Duration::from_seconds(600);
        let t = Timestamp::from_seconds(1_000_000);
        m.record(7, Some("A"), t);
        let later = Timestamp::from_seconds(1_000_300);
        assert!(m.is_duplicate(7, Some("B"), later, w));
        assert!(m.is_duplicate(7, None, later, w));
        assert!(
            !m.is_duplicate(7, Some("A"), later, w),
            "a re-check is not a duplicate"
        );
        assert!(!m.is_duplicate(7, Some("B"), Timestamp::from_seconds(1_000_601), w));
        assert!(!m.is_duplicate(8, Some("B"), later, w));
        assert!(
            !m.is_duplicate(7, Some("B"), Timestamp::from_seconds(999_000), w),
            "not before now"
        );
    }

    #[test]
    fn memory_is_bounded() {
        let mut m = DuplicateMemory::default();
        for k in 0..(CAPACITY as u64 + 100) {
            m.record(k, None, Timestamp::from_seconds(k as i64));
        }
        assert!(m.len() <= CAPACITY);
        assert!(m.is_duplicate(
            CAPACITY as u64 + 99,
            Some("x"),
            Timestamp::from_seconds(CAPACITY as i64 + 99),
            Duration::from_seconds(1)
        ));
    }

    #[test]
    fn memory_stays_proportional_to_the_keys_it_holds() {
        let mut m = DuplicateMemory::default();
        for i in 0..100_000i64 {
            m.record(u64::try_from(i % 32).unwrap(), Some("A"), Timestamp(i));
        }
        assert_eq!(m.len(), 32);
        assert!(m.order.len() <= 2 * 32 + 65, "{} sightings", m.order.len());
        // The same holds when every check has the same clock (CLI `--now`, backtests).
        for _ in 0..10_000 {
            m.record(7, Some("B"), Timestamp(5));
        }
        assert!(m.order.len() <= 2 * 32 + 65, "{} sightings", m.order.len());
        // And eviction still forgets the least recently seen keys first.
        let mut m = DuplicateMemory::default();
        for i in 0..(CAPACITY as u64 + 10) {
            m.record(i, None, Timestamp(i64::try_from(i).unwrap()));
            m.record(0, None, Timestamp(i64::try_from(i).unwrap()));
        }
        assert_eq!(m.len(), CAPACITY);
        assert!(m.seen.contains_key(&0), "the key seen at every step stays");
        assert!(!m.seen.contains_key(&1), "the oldest key went first");
    }
}
