//! The most frequent SKUs among an unbounded stream, in fixed memory: the space-saving
//! sketch (Metwally, Agrawal, El Abbadi, "Efficient computation of frequent and top-k
//! elements in data streams", 2005). It keeps at most `capacity` counters; a new key
//! that finds no free counter takes over the smallest one and inherits its count as its
//! possible over-count (`error`).
//!
//! Guarantees (docs/semantics.md §11.2, "Live counters"), with `n` the total of all
//! increments and `m` the capacity: every reported count is at least the key's true
//! count and at most `error` more than it; `error ≤ n / m`; any key whose true count is
//! over `n / m` is held.
//!
//! It sits on the hot path of every check not allowed, so a counter's key buffer is
//! reused when it changes hands (no allocation once warm), and keys are found by the
//! catalog's SKU hash (one pass over the bytes) rather than a keyed SipHash.

use crate::snapshot::sku_hash;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// One held key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counter {
    pub key: String,
    /// `sku_hash(key)`, its entry in the index.
    hash: u64,
    /// Upper bound on the key's true count.
    pub count: u64,
    /// How much of `count` may belong to keys it replaced.
    pub error: u64,
}

/// A hasher for one integer key (a SKU hash, an address): a folded 128-bit multiply,
/// so both the low bits (the bucket) and the high bits (the tag) depend on every bit.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl IntHasher {
    fn mix(&mut self, n: u64) {
        let m = u128::from(n ^ self.0) * 0x9e37_79b9_7f4a_7c15;
        self.0 = (m >> 64) as u64 ^ m as u64;
    }
}

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.mix(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }
}

/// A map keyed by one integer, hashed by [`IntHasher`].
pub(crate) type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// [`IntHasher`] started from a random seed drawn once per map, for maps keyed by digests a
/// caller can compute (the duplicate and purchase memories: their SipHash keys are
/// public). Their keys are already uniform 64-bit digests, so std's SipHash-1-3 over them
/// cost ~0.9 k instructions a check for no spread; the seed keeps chosen keys from being
/// aimed at one bucket, as hashbrown's own default hasher (a seeded folded multiply too)
/// does.
///
/// The seed is drawn at the map's first hash, not when the map is made: in wasm it comes
/// from the JavaScript runtime, which may refuse it where engines are made (workerd's
/// module scope) but not where checks run ([`crate::entropy`]). Once drawn it is kept
/// (a clone keeps it too, as a cloned map's entries need).
#[derive(Debug, Clone, Default)]
pub(crate) struct SeededState(OnceLock<u64>);

impl SeededState {
    fn seed(&self) -> u64 {
        // Only where the runtime refuses randomness (a check run at workerd's module
        // scope, or no `crypto` at all) does a map fall back to a fixed seed: its
        // verdicts are unchanged, only its resistance to chosen keys is lost.
        *self
            .0
            .get_or_init(|| crate::entropy::seed().unwrap_or(0x9e37_79b9_7f4a_7c15))
    }
}

impl std::hash::BuildHasher for SeededState {
    type Hasher = IntHasher;
    fn build_hasher(&self) -> IntHasher {
        IntHasher(self.seed())
    }
}

/// A map keyed by digests (integers), hashed by [`IntHasher`] from a random seed.
pub(crate) type DigestMap<K, V> = HashMap<K, V, SeededState>;

/// An empty slot of [`Index`].
const EMPTY: usize = usize::MAX;

/// Key hash → position in the sketch's counters: an open-addressing table (linear
/// probing, deletion by backward shift) of twice the counters' slots, about half
/// empty. Nearly every key added to a full sketch is new, so each add looks it up,
/// removes the evicted key and inserts the new one; through a `HashMap` that made an
/// add ~350 instructions, through this table (no growth, tombstones or control bytes,
/// and the newcomer goes in the empty slot its lookup ended at) ~280.
/// A probe ends at an empty slot, so it is short however the keys fall; keys chosen to
/// share a slot lengthen it to at most the number of counters, no more than a scan.
#[derive(Debug, Clone)]
struct Index {
    /// `(key hash, position)`, or `(_, EMPTY)`.
    slots: Vec<(u64, usize)>,
}

impl Index {
    fn new(capacity: usize) -> Index {
        // Room for one more entry than the counters (a newcomer goes in before the key
        // it evicts goes out), with a slot to spare.
        let len = capacity
            .saturating_mul(2)
            .max(capacity.saturating_add(2))
            .next_power_of_two();
        Index {
            slots: vec![(0, EMPTY); len],
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// `Ok(slot)` holding `hash`, else `Err(slot)`: the empty slot where it would go.
    fn find(&self, hash: u64) -> Result<usize, usize> {
        let mask = self.mask();
        let mut i = hash as usize & mask;
        // At least one slot is empty, so the probe ends within the table's length.
        for _ in 0..self.slots.len() {
            match self.slots.get(i) {
                Some(&(_, EMPTY)) | None => return Err(i),
                Some(&(h, _)) if h == hash => return Ok(i),
                Some(_) => i = (i + 1) & mask,
            }
        }
        Err(i)
    }

    /// The position in `slot` (found by [`Index::find`]).
    fn at(&self, slot: usize) -> Option<usize> {
        self.slots.get(slot).map(|&(_, at)| at)
    }

    /// Holds `at` under `hash` in `slot`: the empty one `find(hash)` gave, with no
    /// removal since.
    fn fill(&mut self, slot: usize, hash: u64, at: usize) {
        if let Some(s) = self.slots.get_mut(slot) {
            *s = (hash, at);
        }
    }

    /// Forgets `hash`, moving back the entries after it that probed past its slot, so
    /// every probe still ends at the first empty slot.
    fn remove(&mut self, hash: u64) {
        let Ok(mut hole) = self.find(hash) else {
            return;
        };
        let mask = self.mask();
        let mut j = hole;
        for _ in 0..self.slots.len() {
            j = (j + 1) & mask;
            let Some(&(h, at)) = self.slots.get(j) else {
                break;
            };
            if at == EMPTY {
                break;
            }
            // The entry at `j` may fill the hole unless its home slot lies after the
            // hole, up to `j` (cyclically).
            let home = h as usize & mask;
            if (j.wrapping_sub(home) & mask) >= (j.wrapping_sub(hole) & mask) {
                self.slots.swap(hole, j);
                hole = j;
            }
        }
        if let Some(s) = self.slots.get_mut(hole) {
            *s = (0, EMPTY);
        }
    }
}

/// A space-saving sketch of at most `capacity` counters.
#[derive(Debug, Clone)]
pub(crate) struct HeavyHitters {
    counters: Vec<Counter>,
    /// Key hash → position in `counters`. Two keys with one 64-bit hash count as the
    /// first one held (never seen in practice, and harmless: a count, not a decision).
    index: Index,
    capacity: usize,
    /// No counter is below it (counts only grow): a counter at the floor is a smallest
    /// one, so looking for one stops at the first, and a full pass raises the floor.
    floor: u64,
    /// Where the last look for a smallest counter stopped; the next one starts there.
    cursor: usize,
}

impl HeavyHitters {
    /// An empty sketch holding at most `capacity` (at least 1) keys.
    pub fn new(capacity: usize) -> HeavyHitters {
        let capacity = capacity.max(1);
        HeavyHitters {
            counters: Vec::with_capacity(capacity),
            index: Index::new(capacity),
            capacity,
            floor: 0,
            cursor: 0,
        }
    }

    /// Keys held now (never more than the capacity).
    pub fn len(&self) -> usize {
        self.counters.len()
    }

    /// Counts one occurrence of `key`.
    pub fn add(&mut self, key: &str) {
        self.add_hashed(key, sku_hash(key));
    }

    /// [`HeavyHitters::add`] given `h`, `sku_hash(key)` (the caller has it already).
    pub fn add_hashed(&mut self, key: &str, h: u64) {
        let slot = match self.index.find(h) {
            Ok(held) => {
                if let Some(c) = self.index.at(held).and_then(|i| self.counters.get_mut(i)) {
                    c.count += 1;
                }
                return;
            }
            Err(free) => free,
        };
        if self.counters.len() < self.capacity {
            self.index.fill(slot, h, self.counters.len());
            self.counters.push(Counter {
                key: key.to_string(),
                hash: h,
                count: 1,
                error: 0,
            });
            return;
        }
        // Full: the smallest counter goes to the newcomer, which may have been counted
        // under the evicted key up to that many times. Its buffer is reused.
        let i = self.smallest();
        if let Some(c) = self.counters.get_mut(i) {
            self.index.fill(slot, h, i);
            self.index.remove(c.hash);
            c.key.clear();
            c.key.push_str(key);
            c.hash = h;
            c.error = c.count;
            c.count += 1;
        }
    }

    /// The position of a smallest counter (the sketch is full, so not empty): the first
    /// at the floor from the cursor on, else the smallest of all, whose count becomes the
    /// floor. Amortized, far fewer than `capacity` steps when many share the floor.
    fn smallest(&mut self) -> usize {
        let n = self.counters.len();
        let from = self.cursor.min(n);
        let (wrapped, from_cursor) = self.counters.split_at(from);
        let at_floor = from_cursor
            .iter()
            .position(|c| c.count == self.floor)
            .map(|k| from + k)
            .or_else(|| wrapped.iter().position(|c| c.count == self.floor));
        let i = match at_floor {
            Some(i) => i,
            None => {
                let (i, min) = self
                    .counters
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i, c.count))
                    .min_by_key(|&(_, count)| count)
                    .unwrap_or((0, 0));
                self.floor = min;
                i
            }
        };
        self.cursor = i;
        i
    }

    /// The `n` largest counters, by count then key.
    pub fn top(&self, n: usize) -> Vec<&Counter> {
        let counts: Vec<(u64, &str)> = self.counters.iter().map(|c| (c.count, &*c.key)).collect();
        super::stats::ranked(&counts)
            .into_iter()
            .take(n)
            .filter_map(|i| self.counters.get(i))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_digest_map_draws_its_seed_at_its_first_hash_and_keeps_it() {
        use std::hash::BuildHasher;
        let a = SeededState::default();
        // Made, not yet used: nothing drawn (in wasm, where engines are made may refuse).
        assert!(a.0.get().is_none());
        let first = a.hash_one(42_u64);
        assert!(a.0.get().is_some());
        assert_eq!(a.hash_one(42_u64), first, "the seed is kept");
        assert_eq!(a.clone().hash_one(42_u64), first, "a clone keeps it");
        // Another map draws its own: the same key lands elsewhere (64 maps, one key).
        let spread: std::collections::HashSet<u64> = (0..64)
            .map(|_| SeededState::default().hash_one(42_u64))
            .collect();
        assert_eq!(spread.len(), 64);
    }

    #[test]
    fn the_index_agrees_with_a_map_through_inserts_and_removals() {
        // Hashes from a small range pile up on a few home slots and wrap around the
        // table's end: the cases backward-shift deletion must get right.
        let mut index = Index::new(8);
        let mut map: HashMap<u64, usize> = HashMap::new();
        let mut state = 7u64;
        for step in 0..20_000usize {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let hash = (state >> 33) % 24 + (state >> 60 << 40);
            if map.contains_key(&hash) {
                index.remove(hash);
                map.remove(&hash);
            } else if map.len() < 9 {
                // Up to one more than the capacity, as `add` does before it evicts.
                index.fill(index.find(hash).unwrap_err(), hash, step);
                map.insert(hash, step);
            }
            for probe in 0..24 {
                for high in 0..16u64 {
                    let h = probe + (high << 40);
                    let got = index.find(h).ok().and_then(|slot| index.at(slot));
                    assert_eq!(got, map.get(&h).copied(), "step {step}, {h}");
                }
            }
        }
    }

    #[test]
    fn exact_while_there_is_room() {
        let mut h = HeavyHitters::new(4);
        for k in ["a", "b", "a", "c", "a", "b"] {
            h.add(k);
        }
        let top = h.top(2);
        assert_eq!(
            top.iter()
                .map(|c| (c.key.as_str(), c.count, c.error))
                .collect::<Vec<_>>(),
            [("a", 3, 0), ("b", 2, 0)]
        );
    }

    #[test]
    fn a_frequent_key_survives_a_flood_of_distinct_ones_within_the_bound() {
        let mut h = HeavyHitters::new(8);
        let mut n = 0u64;
        for i in 0..10_000 {
            h.add(&format!("noise-{i}"));
            n += 1;
            if i % 4 == 0 {
                h.add("hot");
                n += 1;
            }
        }
        assert_eq!(h.len(), 8);
        let top = h.top(1);
        assert_eq!(top[0].key, "hot");
        // True count 2,500; reported count within `error`, and error ≤ n / capacity.
        assert!(top[0].count >= 2_500 && top[0].count - top[0].error <= 2_500);
        assert!(top[0].error <= n / 8, "{top:?}");
        // Every held key is findable again: the index follows the evictions.
        let held: Vec<Counter> = h.top(8).into_iter().cloned().collect();
        for c in held {
            let before = c.count;
            h.add(&c.key);
            assert_eq!(
                h.top(8).iter().find(|d| d.key == c.key).unwrap().count,
                before + 1
            );
        }
    }
}
