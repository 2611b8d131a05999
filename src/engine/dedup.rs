//! The duplicate memory behind `duplicate_recent`: which customer submitted which
//! basket (multiset of SKU quantities) when, under which bound order id.
//!
//! It is bounded twice: at most [`CAPACITY`] baskets in all, least recently seen
//! forgotten first, and at most [`BASKETS_PER_CUSTOMER`] per customer, that customer's
//! least recently seen forgotten first — so one customer submitting junk baskets
//! flushes only their own, never another customer's. Memory is proportional to the
//! baskets held. It lives in one engine instance — at the edge that means one isolate,
//! so a duplicate sent to another isolate is not seen unless the caller keeps a shared
//! memory ([`OrderKey`], `CheckOptions::duplicate`). Keys are SipHash digests, so the
//! memory holds no identifiers.

use super::heavy_hitters::DigestMap;
use super::order::Order;
use crate::model::IdKind;
use crate::normalize;
use crate::siphash::{le_word, Sip};
use crate::time::{Duration, Timestamp};
use siphasher::sip::SipHasher13;
use std::collections::VecDeque;
use std::hash::Hasher;

/// Most customer-and-basket keys remembered.
pub const CAPACITY: usize = 65_536;
/// Most baskets remembered per customer: a customer's 33rd distinct basket within the
/// memory forgets that customer's least recently seen one (docs/semantics.md §7).
pub const BASKETS_PER_CUSTOMER: usize = 32;
/// Distinct order ids remembered per key (a customer retrying the same basket under
/// more ids than this within the window is still caught by the newest ones).
const IDS_PER_KEY: usize = 4;

/// SipHash keys of the customer and basket digests (fixed: the digests must agree
/// between engine instances sharing a memory).
const KEYS: (u64, u64) = (0x636b_6775_6172_6421, 0x6475_7065_6d65_6d6f);

/// What a shared duplicate memory needs to know about an order
/// (`Engine::order_key`; docs/semantics.md §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    /// Keyed hash of the normalized customer (first present of id, email, phone).
    pub customer: u64,
    /// Keyed hash of the customer and the merged basket (the memory's key).
    pub basket: u64,
    /// Hash of the bound order id (`Identity::order_id`) only; `None` otherwise, since
    /// an order id from the body never exempts a re-check.
    pub order_id: Option<u64>,
    /// The policy's `duplicate_window`.
    pub window: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Seen {
    order_id: Option<u64>,
    at: Timestamp,
}

/// One basket's sightings and its customer (to keep the per-customer list in step
/// when the basket is evicted by the global bound).
#[derive(Debug, Clone)]
struct Entry {
    customer: u64,
    seen: Vec<Seen>,
}

/// Remembers recent checks; see the module doc.
#[derive(Debug, Default, Clone)]
pub struct DuplicateMemory {
    seen: DigestMap<u64, Entry>,
    /// Each customer's baskets, least recently seen first (at most
    /// [`BASKETS_PER_CUSTOMER`]).
    customers: DigestMap<u64, Vec<u64>>,
    order: VecDeque<(u64, Timestamp)>,
}

/// The customer and basket digests of an order: its customer (first present of
/// normalized id, email, phone: docs/semantics.md §3.2, so other spellings are the same
/// customer) and its basket; `None` when the customer is anonymous.
pub fn key(order: &Order, rules: &normalize::Rules<'_>) -> Option<(u64, u64)> {
    let c = &order.customer;
    // Normalized into the fact builder's per-thread buffer (free before the facts are
    // built), so the key allocates nothing for its customer.
    let mut buffers = super::fact_builder::Buffers::take();
    let who = &mut buffers.ident;
    let tag = [
        (0u8, IdKind::CustomerId, &c.id),
        (1, IdKind::Email, &c.email),
        (2, IdKind::Phone, &c.phone),
    ]
    .into_iter()
    .find_map(|(tag, kind, value)| {
        normalize::identifier_into(kind, value.as_deref()?, rules, who);
        (!who.is_empty()).then_some(tag)
    });
    let Some(tag) = tag else {
        buffers.give_back();
        return None;
    };
    // One contiguous byte stream, as it always was: tag, identifier, 0xff, then each
    // merged SKU's bytes, 0xff and summed quantity (little-endian). SipHash's output
    // depends only on that stream, so [`Stream`] packs it into whole words itself
    // instead of three `Hasher::write`s a SKU each buffering a partial word.
    let mut stream = Stream::new();
    stream.push_word(tag.into(), 1);
    stream.push_ended(who.as_bytes());
    buffers.give_back();
    // The customer digest is the basket digest's prefix: one pass over the identifier.
    let customer = stream.digest_so_far();
    // Sorted, then equal SKUs merged: linearithmic however many lines (a linear search
    // per line was quadratic in a 10,000-line order). The usual order of a few lines
    // is sorted on the stack; one line needs neither.
    let stream = match order.items.as_slice() {
        [line] => {
            stream.add(&line.sku, line.quantity);
            stream
        }
        items => {
            let lines = items.iter().map(|l| Keyed::new(&l.sku, l.quantity));
            let mut small = [Keyed::new("", 0); SMALL_BASKET];
            match small.get_mut(..items.len()) {
                Some(basket) => {
                    for (slot, line) in basket.iter_mut().zip(lines) {
                        *slot = line;
                    }
                    sort_small(basket);
                    merged(basket, stream)
                }
                None => {
                    // Sorted as pairs: the runtime's one sort of `(&str, u64)`, shared
                    // with the fact builder, rather than a sort instantiated for `Keyed`.
                    let mut pairs: Vec<(&str, u64)> =
                        items.iter().map(|l| (l.sku.as_str(), l.quantity)).collect();
                    pairs.sort_unstable();
                    let keyed: Vec<Keyed<'_>> = pairs
                        .into_iter()
                        .map(|(sku, q)| Keyed::new(sku, q))
                        .collect();
                    merged(&keyed, stream)
                }
            }
        }
    };
    Some((customer, stream.digest_so_far()))
}

/// Baskets of at most this many lines are sorted without an allocation.
const SMALL_BASKET: usize = 8;

/// An order line to sort: its SKU's first 8 bytes as a big-endian word (zero-padded)
/// decide most comparisons without a `memcmp`; equal words fall back to the SKUs.
#[derive(Debug, Clone, Copy)]
struct Keyed<'s> {
    word: u64,
    sku: &'s str,
    quantity: u64,
}

impl<'s> Keyed<'s> {
    fn new(sku: &'s str, quantity: u64) -> Self {
        let bytes = sku.as_bytes();
        let word = match bytes.first_chunk::<8>() {
            Some(head) => u64::from_be_bytes(*head),
            None => bytes
                .iter()
                .zip((0..8).rev())
                .fold(0, |w, (&b, shift)| w | u64::from(b) << (8 * shift)),
        };
        Self {
            word,
            sku,
            quantity,
        }
    }
}

/// Sorts a basket of at most [`SMALL_BASKET`] lines by SKU (byte order): by the prefix
/// words, then the SKUs where the words are equal. Zero padding keeps the word order
/// consistent with byte order: words differ only where the SKUs' first 8 bytes (or a
/// shorter one's end) already decide. An insertion sort, which is what core's sort runs
/// below 20 elements; written here so that no sort is instantiated for `Keyed` (that
/// cost the runtime 4.9 KB of wasm).
fn sort_small(basket: &mut [Keyed<'_>]) {
    for end in 2..=basket.len() {
        let Some(run) = basket.get_mut(..end) else {
            break;
        };
        // `run` is sorted but for its last line: move that line down to its place.
        let mut j = end - 1;
        while let (Some(a), Some(b)) = (run.get(j.wrapping_sub(1)), run.get(j)) {
            if (b.word, b.sku) >= (a.word, a.sku) {
                break;
            }
            run.swap(j - 1, j);
            j -= 1;
        }
    }
}

/// Adds each SKU of a basket sorted by SKU to `stream` once with its summed quantity,
/// in SKU order. The stream is taken and given back by value so that its state stays
/// in registers through the loop.
fn merged(basket: &[Keyed<'_>], mut stream: Stream) -> Stream {
    let mut lines = basket.iter().peekable();
    while let Some(first) = lines.next() {
        let mut total = first.quantity;
        while let Some(same) = lines.next_if(|l| l.word == first.word && l.sku == first.sku) {
            total = total.saturating_add(same.quantity);
        }
        stream.add(first.sku, total);
    }
    stream
}

/// SipHash-1-3 of the customer and basket digests' byte stream (the `siphasher`
/// crate's `SipHasher13`, which the test holds it to), fed whole little-endian words:
/// a SKU, its 0xff and its quantity cost a few word shifts and about two compressions,
/// where three `Hasher::write`s each handled a partial word in the crate's own buffer.
#[derive(Clone, Copy)]
struct Stream {
    sip: Sip,
    /// The stream's last `filled` bytes (fewer than 8) not yet compressed, low first.
    tail: u64,
    filled: u32,
    /// The stream's length (only its low byte counts).
    length: u64,
}

impl Stream {
    fn new() -> Self {
        Self {
            sip: Sip::new(KEYS.0, KEYS.1),
            tail: 0,
            filled: 0,
            length: 0,
        }
    }

    /// Compresses one message word (one round: SipHash-1-3).
    #[inline]
    fn block(&mut self, word: u64) {
        self.sip.compress::<1>(word);
    }

    /// Appends the `n` (1 to 8) low bytes of `word`, low byte first; its other bytes
    /// are zero.
    #[inline]
    fn push_word(&mut self, word: u64, n: u32) {
        self.length = self.length.wrapping_add(u64::from(n));
        // `filled` < 8: the left shift is < 64; the right one is 64 (all of `word`
        // went into `joined`) only when `filled` is 0.
        let joined = self.tail | word << (8 * self.filled);
        let filled = self.filled + n;
        if filled < 8 {
            self.tail = joined;
            self.filled = filled;
        } else {
            self.block(joined);
            self.tail = word.checked_shr(8 * (8 - self.filled)).unwrap_or(0);
            self.filled = filled - 8;
        }
    }

    /// Appends `bytes` and the 0xff that ends them (an identifier or a SKU). Inlined:
    /// called, it spilled and reloaded the state around each SKU.
    #[inline(always)]
    fn push_ended(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let word = <[u8; 8]>::try_from(word).map_or(0, u64::from_le_bytes);
            self.push_word(word, 8);
        }
        // The last (fewer than 8) bytes and the 0xff: at most one word.
        let rest = words.remainder();
        let n = u32::try_from(rest.len()).unwrap_or(0);
        self.push_word(le_word(rest) | 0xff << (8 * n), n + 1);
    }

    /// A SKU's bytes, 0xff, and its quantity (little-endian).
    #[inline]
    fn add(&mut self, sku: &str, quantity: u64) {
        self.push_ended(sku.as_bytes());
        self.push_word(quantity, 8);
    }

    /// The digest of the stream so far, which may go on.
    fn digest_so_far(&self) -> u64 {
        let mut end = self.sip;
        end.compress::<1>((self.length & 0xff) << 56 | self.tail);
        end.finish::<3>()
    }
}

/// The digest of an order id (a bound one: the engine passes no other).
pub fn id_hash(order_id: Option<&str>) -> Option<u64> {
    order_id.map(|id| {
        let mut h = SipHasher13::new_with_keys(1, 2);
        h.write(id.as_bytes());
        h.finish()
    })
}

impl DuplicateMemory {
    /// Whether basket `key` was seen within `window` before `now` under a different or
    /// absent order id (a re-check under the same bound order id is not a duplicate).
    pub fn is_duplicate(
        &self,
        key: u64,
        order_id: Option<u64>,
        now: Timestamp,
        window: Duration,
    ) -> bool {
        let from = Timestamp(now.0.saturating_sub(window.0));
        self.seen.get(&key).is_some_and(|entry| {
            entry.seen.iter().any(|s| {
                s.at >= from && s.at <= now && (order_id.is_none() || s.order_id != order_id)
            })
        })
    }

    /// Records a check of basket `key` of `customer` at `now`, forgetting that
    /// customer's least recently seen basket past [`BASKETS_PER_CUSTOMER`] and the
    /// least recently seen keys past [`CAPACITY`].
    pub fn record(&mut self, customer: u64, key: u64, order_id: Option<u64>, now: Timestamp) {
        let id = order_id;
        let entry = self.seen.entry(key).or_insert_with(|| Entry {
            customer,
            seen: Vec::new(),
        });
        let list = &mut entry.seen;
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
        self.touch_customer(customer, key);
        self.order.push_back((key, now));
        // Every check adds a sighting; once most of the queue is stale sightings of keys
        // seen again later (or forgotten), keep only each key's newest, so the memory
        // stays proportional to the keys it holds (a loop re-checking one basket used to
        // hold 4 × CAPACITY sightings).
        if self.order.len() > 2 * self.seen.len() + 64 {
            self.compact();
        }
        while self.seen.len() > CAPACITY {
            let Some((old, at)) = self.order.pop_front() else {
                break;
            };
            // Only forget the key if this queue entry is its newest sighting.
            if self.newest(old).is_some_and(|n| n <= at) {
                self.forget(old);
            }
        }
    }

    /// Moves `key` to the most recent end of `customer`'s baskets, forgetting the least
    /// recent one past [`BASKETS_PER_CUSTOMER`].
    fn touch_customer(&mut self, customer: u64, key: u64) {
        let baskets = self.customers.entry(customer).or_default();
        if let Some(i) = baskets.iter().position(|&k| k == key) {
            baskets.remove(i);
        }
        baskets.push(key);
        if baskets.len() > BASKETS_PER_CUSTOMER {
            let evicted = baskets.remove(0);
            // Its queue sightings go stale; `compact` drops them.
            self.seen.remove(&evicted);
        }
    }

    /// Forgets basket `key` and its place in its customer's list.
    fn forget(&mut self, key: u64) {
        let Some(entry) = self.seen.remove(&key) else {
            return;
        };
        if let Some(baskets) = self.customers.get_mut(&entry.customer) {
            baskets.retain(|&k| k != key);
            if baskets.is_empty() {
                self.customers.remove(&entry.customer);
            }
        }
    }

    fn newest(&self, key: u64) -> Option<Timestamp> {
        self.seen
            .get(&key)
            .and_then(|e| e.seen.iter().map(|s| s.at).max())
    }

    /// Keeps in the recency queue only the newest sighting of each key still held
    /// (amortized O(1) per record: it runs when the queue has doubled past the keys).
    fn compact(&mut self) {
        // Keys are digests: hashed as the memory's maps hash them, not by SipHash, and
        // with `seen`'s own seed (the same keys; a fresh seed per compaction would ask
        // the JS runtime for randomness every few dozen checks of a replayed basket).
        let mut kept = std::collections::HashSet::with_capacity_and_hasher(
            self.seen.len(),
            self.seen.hasher().clone(),
        );
        let mut newest_first: Vec<(u64, Timestamp)> = Vec::with_capacity(self.seen.len());
        while let Some((key, at)) = self.order.pop_back() {
            if self.newest(key).is_some_and(|n| n <= at) && kept.insert(key) {
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
    use proptest::prelude::*;

    /// The digests as they were first defined (and are shared: docs/semantics.md §5.3):
    /// a sorted, merged `Vec` of lines fed to SipHash piece by piece.
    fn reference_key(order: &Order) -> Option<(u64, u64)> {
        let who = normalize::identifier(
            IdKind::CustomerId,
            order.customer.id.as_deref().unwrap(),
            "86",
        );
        if who.is_empty() {
            return None;
        }
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
        let mut h = SipHasher13::new_with_keys(KEYS.0, KEYS.1);
        h.write_u8(0);
        h.write(who.as_bytes());
        h.write_u8(0xff);
        let customer = h.clone().finish();
        for (sku, q) in basket {
            h.write(sku.as_bytes());
            h.write_u8(0xff);
            h.write_u64(q);
        }
        Some((customer, h.finish()))
    }

    /// SKUs drawn from a small pool (so baskets repeat SKUs) with shared prefixes, a NUL
    /// byte, the empty SKU, non-ASCII and ones longer than a word or a stream block.
    fn sku() -> impl Strategy<Value = String> {
        prop_oneof![
            prop::sample::select(vec![
                "",
                "A",
                "AB",
                "AB\0",
                "SKU-0001",
                "SKU-00010",
                "SKU-0002",
                "SKU-00011",
                "SKU-0001\u{e9}",
                "\u{e9}t\u{e9}",
                "\u{1f600}",
                "zzzzzzzz",
                "zzzzzzzzz",
            ])
            .prop_map(str::to_string),
            "[A-Z0-9\\-]{0,12}",
            "\\PC{0,20}",
            "[a-c]{60,140}",
        ]
    }

    proptest! {
        #[test]
        fn digests_match_their_first_definition(
            customer in "\\PC{0,40}",
            lines in prop::collection::vec(
                (sku(), prop_oneof![0..4u64, Just(u64::MAX), any::<u64>()]),
                0..(3 * SMALL_BASKET),
            ),
        ) {
            let lines: Vec<(&str, u64)> = lines.iter().map(|(s, q)| (s.as_str(), *q)).collect();
            let o = order(None, &customer, &lines);
            prop_assert_eq!(key(&o, &rules()), reference_key(&o));
        }
    }

    #[test]
    fn small_and_large_baskets_hash_as_the_sorted_merged_list() {
        let skus = ["B", "A", "C", "A", "", "B", "D", "A", "E", "C", "F", "A"];
        for n in 0..=skus.len() {
            let lines: Vec<(&str, u64)> =
                skus[..n].iter().zip(1u64..).map(|(s, q)| (*s, q)).collect();
            let o = order(None, " K-1 ", &lines);
            let rules = normalize::Rules::with_country_code("86");
            assert_eq!(key(&o, &rules), reference_key(&o), "{n} lines");
        }
    }

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

    fn rules() -> crate::normalize::Rules<'static> {
        crate::normalize::Rules::with_country_code("86")
    }

    #[test]
    fn basket_is_a_multiset() {
        let a = key(&order(None, "C", &[("A", 1), ("B", 2)]), &rules());
        let b = key(&order(None, "C", &[("B", 1), ("A", 1), ("B", 1)]), &rules());
        let c = key(&order(None, "C", &[("A", 2), ("B", 1)]), &rules());
        let d = key(&order(None, "D", &[("A", 1), ("B", 2)]), &rules());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let (a, c, d) = (a.unwrap(), c.unwrap(), d.unwrap());
        assert_eq!(a.0, c.0, "one customer, whatever the basket");
        assert_ne!(a.0, d.0);
        assert_ne!(a.1, d.1, "the basket key includes the customer");
        assert_eq!(key(&Order::default(), &rules()), None);
    }

    #[test]
    fn window_and_order_ids() {
        let mut m = DuplicateMemory::default();
        let w = Duration::from_seconds(600);
        let t = Timestamp::from_seconds(1_000_000);
        let (a, b) = (id_hash(Some("A")), id_hash(Some("B")));
        m.record(1, 7, a, t);
        let later = Timestamp::from_seconds(1_000_300);
        assert!(m.is_duplicate(7, b, later, w));
        assert!(m.is_duplicate(7, None, later, w));
        assert!(
            !m.is_duplicate(7, a, later, w),
            "a re-check is not a duplicate"
        );
        assert!(!m.is_duplicate(7, b, Timestamp::from_seconds(1_000_601), w));
        assert!(!m.is_duplicate(8, b, later, w));
        assert!(
            !m.is_duplicate(7, b, Timestamp::from_seconds(999_000), w),
            "not before now"
        );
    }

    #[test]
    fn memory_is_bounded() {
        let mut m = DuplicateMemory::default();
        for k in 0..(CAPACITY as u64 + 100) {
            m.record(k, k, None, Timestamp::from_seconds(k as i64));
        }
        assert!(m.len() <= CAPACITY);
        assert!(m.customers.len() <= CAPACITY);
        assert!(m.is_duplicate(
            CAPACITY as u64 + 99,
            id_hash(Some("x")),
            Timestamp::from_seconds(CAPACITY as i64 + 99),
            Duration::from_seconds(1)
        ));
    }

    #[test]
    fn one_customer_cannot_flush_another() {
        let mut m = DuplicateMemory::default();
        let w = Duration::from_seconds(3600);
        m.record(1, 1, None, Timestamp(0));
        // The flood: every basket of customer 2 is new.
        for k in 0..(CAPACITY as u64 + 10) {
            m.record(2, 1000 + k, None, Timestamp(1));
        }
        assert!(m.is_duplicate(1, None, Timestamp(2), w), "customer 1 kept");
        assert_eq!(m.len(), 1 + BASKETS_PER_CUSTOMER);
        assert_eq!(
            m.customers.get(&2).map(Vec::len),
            Some(BASKETS_PER_CUSTOMER)
        );
        // Within a customer, the least recently seen basket goes first.
        let newest = 1000 + CAPACITY as u64 + 9;
        assert!(m.is_duplicate(newest, None, Timestamp(2), w));
        assert!(!m.is_duplicate(1000, None, Timestamp(2), w));
        assert!(
            m.order.len() <= 2 * m.len() + 65,
            "{} sightings",
            m.order.len()
        );
        // Seeing an old basket again keeps it over the customer's others.
        let mut m = DuplicateMemory::default();
        for k in 0..(BASKETS_PER_CUSTOMER as u64 + 5) {
            m.record(3, k, None, Timestamp(0));
            m.record(3, 0, None, Timestamp(0));
        }
        assert!(m.seen.contains_key(&0));
        assert!(!m.seen.contains_key(&1));
    }

    #[test]
    fn memory_stays_proportional_to_the_keys_it_holds() {
        let mut m = DuplicateMemory::default();
        for i in 0..100_000i64 {
            let k = u64::try_from(i % 32).unwrap();
            m.record(k, k, id_hash(Some("A")), Timestamp(i));
        }
        assert_eq!(m.len(), 32);
        assert!(m.order.len() <= 2 * 32 + 65, "{} sightings", m.order.len());
        // The same holds when every check has the same clock (CLI `--now`, backtests).
        for _ in 0..10_000 {
            m.record(7, 7, id_hash(Some("B")), Timestamp(5));
        }
        assert!(m.order.len() <= 2 * 32 + 65, "{} sightings", m.order.len());
        // And eviction still forgets the least recently seen keys first.
        let mut m = DuplicateMemory::default();
        for i in 0..(CAPACITY as u64 + 10) {
            m.record(i, i, None, Timestamp(i64::try_from(i).unwrap()));
            m.record(0, 0, None, Timestamp(i64::try_from(i).unwrap()));
        }
        assert_eq!(m.len(), CAPACITY);
        assert!(m.seen.contains_key(&0), "the key seen at every step stays");
        assert!(!m.seen.contains_key(&1), "the oldest key went first");
        assert!(!m.customers.contains_key(&1), "and its customer with it");
    }
}
