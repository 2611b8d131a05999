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

/// One slot of [`Index`]: a key hash and the position of its counter, or empty (a slot
/// stamped with an earlier generation than the index's).
#[derive(Debug, Clone, Copy, Default)]
struct Slot {
    hash: u64,
    at: u32,
    generation: u32,
}

/// Key hash → position in the sketch's counters: an open-addressing table (linear
/// probing) of eight times the counters' slots, whose entries are never removed one by
/// one. Nearly every key added to a full sketch is new and evicts another: the evicted
/// key's entry is left behind, stale (its counter now holds another hash), and the
/// newcomer's entry is added. When half the slots are taken the table is rebuilt from
/// the counters, by starting a new generation (no clearing) and entering the live keys.
/// Against removing each evicted key at once (a second probe and a backward shift,
/// ~40 instructions an add), a rebuild of 64 keys every 192 adds is ~4.
///
/// Each hash has at most one entry (a newcomer whose hash has a stale entry takes it
/// over), so an entry is live exactly when its counter holds its hash. A probe ends at
/// an empty slot, so it is short however the keys fall; keys chosen to share a slot
/// lengthen it to at most the table's half, a scan of a few times the counters.
#[derive(Debug, Clone)]
struct Index {
    slots: Vec<Slot>,
    /// The generation of the entries in use; slots stamped otherwise are empty.
    generation: u32,
    /// Slots of this generation, live or stale.
    used: usize,
}

impl Index {
    fn new(capacity: usize) -> Index {
        // Up to half the slots used keeps probes short; the live keys (the counters)
        // are at most a quarter of them, a third of the slots are left for stale ones.
        let len = capacity.saturating_mul(8).max(16).next_power_of_two();
        Index {
            slots: vec![Slot::default(); len],
            generation: 1,
            used: 0,
        }
    }

    fn mask(&self) -> usize {
        self.slots.len() - 1
    }

    /// `Ok(position)` of the counter holding `hash` among `counters`, else `Err(slot)`:
    /// where its entry goes (the empty slot the probe ended at, or its own stale entry).
    fn find(&self, hash: u64, counters: &[Counter]) -> Result<usize, usize> {
        let mask = self.mask();
        let mut i = hash as usize & mask;
        // At least half the slots are empty, so the probe ends within the table's length.
        for _ in 0..self.slots.len() {
            match self.slots.get(i) {
                Some(s) if s.generation == self.generation => {
                    if s.hash == hash {
                        let at = s.at as usize;
                        return match counters.get(at) {
                            Some(c) if c.hash == hash => Ok(at),
                            _ => Err(i),
                        };
                    }
                    i = (i + 1) & mask;
                }
                _ => return Err(i),
            }
        }
        Err(i)
    }

    /// Holds position `at` under `hash` in `slot` (the one `find(hash)` gave, with no
    /// change since); `false` when the table is due for [`Index::rebuild`].
    fn fill(&mut self, slot: usize, hash: u64, at: usize) -> bool {
        let generation = self.generation;
        if let Some(s) = self.slots.get_mut(slot) {
            if s.generation != generation {
                self.used += 1;
            }
            *s = Slot {
                hash,
                at: at as u32,
                generation,
            };
        }
        self.used <= self.slots.len() / 2
    }

    /// Forgets every entry and enters each of `counters` (distinct hashes) afresh.
    fn rebuild(&mut self, counters: &[Counter]) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // Once in 2³² rebuilds: slots of the coming generations may still be
            // stamped from the last time round, so stamp them all empty.
            self.slots.fill(Slot::default());
            self.generation = 1;
        }
        self.used = 0;
        let mask = self.mask();
        for (at, c) in counters.iter().enumerate() {
            let mut i = c.hash as usize & mask;
            for _ in 0..self.slots.len() {
                match self.slots.get(i) {
                    Some(s) if s.generation == self.generation => i = (i + 1) & mask,
                    _ => break,
                }
            }
            self.fill(i, c.hash, at);
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
    /// How many counters are at the floor: when none is left, the full pass is due
    /// (rather than found by a pass that finds none). 0 until the first eviction.
    at_floor: usize,
    /// Where the last look for a smallest counter stopped; the next one starts there.
    cursor: usize,
}

impl HeavyHitters {
    /// An empty sketch holding at most `capacity` (at least 1) keys.
    pub fn new(capacity: usize) -> HeavyHitters {
        let capacity = capacity.clamp(1, u32::MAX as usize);
        HeavyHitters {
            counters: Vec::with_capacity(capacity),
            index: Index::new(capacity),
            capacity,
            floor: 0,
            at_floor: 0,
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
        let slot = match self.index.find(h, &self.counters) {
            Ok(held) => {
                if let Some(c) = self.counters.get_mut(held) {
                    // (Before the first eviction the floor is 0, below every count.)
                    if c.count == self.floor {
                        self.at_floor = self.at_floor.saturating_sub(1);
                    }
                    c.count += 1;
                }
                return;
            }
            Err(free) => free,
        };
        let at = if self.counters.len() < self.capacity {
            self.counters.push(Counter {
                key: key.to_string(),
                hash: h,
                count: 1,
                error: 0,
            });
            self.counters.len() - 1
        } else {
            // Full: the smallest counter goes to the newcomer, which may have been
            // counted under the evicted key up to that many times. Its buffer is reused;
            // the evicted key's entry goes stale.
            let i = self.smallest();
            if let Some(c) = self.counters.get_mut(i) {
                c.key.clear();
                c.key.push_str(key);
                c.hash = h;
                c.error = c.count;
                c.count += 1;
                self.at_floor = self.at_floor.saturating_sub(1);
            }
            i
        };
        if !self.index.fill(slot, h, at) {
            self.index.rebuild(&self.counters);
        }
    }

    /// The position of a smallest counter (the sketch is full, so not empty): the first
    /// at the floor from the cursor on, else (none is) the first smallest of all, whose
    /// count becomes the floor. Amortized, far fewer than `capacity` steps when many
    /// share the floor.
    fn smallest(&mut self) -> usize {
        let i = if self.at_floor > 0 {
            let from = self.cursor.min(self.counters.len());
            let (wrapped, from_cursor) = self.counters.split_at(from);
            from_cursor
                .iter()
                .position(|c| c.count == self.floor)
                .map(|k| from + k)
                .or_else(|| wrapped.iter().position(|c| c.count == self.floor))
                .unwrap_or(0)
        } else {
            let mut first = (0, u64::MAX);
            let mut ties = 0;
            for (i, c) in self.counters.iter().enumerate() {
                if c.count < first.1 {
                    first = (i, c.count);
                    ties = 1;
                } else if c.count == first.1 {
                    ties += 1;
                }
            }
            self.floor = first.1;
            self.at_floor = ties;
            first.0
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

    /// A counter holding `hash` (its key does not matter to the index).
    fn counter(hash: u64) -> Counter {
        Counter {
            key: String::new(),
            hash,
            count: 1,
            error: 0,
        }
    }

    #[test]
    fn the_index_agrees_with_a_map_through_inserts_evictions_and_rebuilds() {
        // Hashes from a small range pile up on a few home slots around the table's end
        // (wrapping), and keys come back after their eviction (their stale entry is
        // taken over) or after a rebuild (a new generation).
        let mut index = Index::new(8);
        assert_eq!(index.slots.len(), 64);
        let mut counters: Vec<Counter> = Vec::new();
        let mut map: HashMap<u64, usize> = HashMap::new();
        let mut state = 7u64;
        let mut rebuilds = 0;
        let hash_of = |low: u64, high: u64| (low + 52) % 64 + (high << 40);
        for step in 0..20_000usize {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let hash = hash_of((state >> 33) % 24, state >> 60);
            match index.find(hash, &counters) {
                Ok(at) => assert_eq!(map.get(&hash), Some(&at), "step {step}"),
                Err(slot) => {
                    assert_eq!(map.get(&hash), None, "step {step}");
                    let at = if counters.len() < 8 {
                        counters.push(counter(hash));
                        counters.len() - 1
                    } else {
                        // Evict some counter, as `add` does.
                        let at = (state >> 40) as usize % 8;
                        map.remove(&counters[at].hash);
                        counters[at].hash = hash;
                        at
                    };
                    map.insert(hash, at);
                    if !index.fill(slot, hash, at) {
                        index.rebuild(&counters);
                        rebuilds += 1;
                    }
                }
            }
            assert!(index.used <= index.slots.len() / 2);
            for low in 0..24 {
                for high in 0..16u64 {
                    let h = hash_of(low, high);
                    let got = index.find(h, &counters).ok();
                    assert_eq!(got, map.get(&h).copied(), "step {step}, {h}");
                }
            }
        }
        assert!(rebuilds > 100, "{rebuilds}");
    }

    #[test]
    fn a_rebuild_past_the_last_generation_forgets_every_stamp() {
        let mut index = Index::new(2);
        let counters = [counter(3), counter(19)];
        index.fill(index.find(3, &counters).unwrap_err(), 3, 0);
        index.generation = u32::MAX;
        // Slots stamped with the generation the counter wraps to, as if left from the
        // last time round: they must not read as entries.
        index.slots.fill(Slot {
            hash: 99,
            at: 0,
            generation: 1,
        });
        index.rebuild(&counters);
        assert_eq!(index.generation, 1);
        assert_eq!(index.used, 2);
        let stamped = index.slots.iter().filter(|s| s.generation == 1).count();
        assert_eq!(stamped, 2);
        assert_eq!(index.find(3, &counters), Ok(0));
        assert_eq!(index.find(19, &counters), Ok(1));
        assert_eq!(index.find(5, &counters), Err(5));
    }

    /// The sketch by its definition, as first written: a key found by its hash in a
    /// scan of the counters; when full, the newcomer takes the first counter at the
    /// floor from the cursor on, else (none is) the first smallest of all, whose count
    /// becomes the floor. The sketch must hold the very same counters after every add.
    struct Reference {
        counters: Vec<Counter>,
        capacity: usize,
        floor: u64,
        cursor: usize,
    }

    impl Reference {
        fn new(capacity: usize) -> Reference {
            Reference {
                counters: Vec::new(),
                capacity: capacity.max(1),
                floor: 0,
                cursor: 0,
            }
        }

        fn add_hashed(&mut self, key: &str, hash: u64) {
            if let Some(c) = self.counters.iter_mut().find(|c| c.hash == hash) {
                c.count += 1;
                return;
            }
            if self.counters.len() < self.capacity {
                self.counters.push(Counter {
                    key: key.to_string(),
                    hash,
                    count: 1,
                    error: 0,
                });
                return;
            }
            let n = self.counters.len();
            let from = self.cursor.min(n);
            let at_floor = (from..n)
                .chain(0..from)
                .find(|&i| self.counters[i].count == self.floor);
            let i = at_floor.unwrap_or_else(|| {
                let (i, min) = self
                    .counters
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (i, c.count))
                    .min_by_key(|&(_, count)| count)
                    .unwrap();
                self.floor = min;
                i
            });
            self.cursor = i;
            let c = &mut self.counters[i];
            c.key = key.to_string();
            c.hash = hash;
            c.error = c.count;
            c.count += 1;
        }
    }

    /// Adds `keys` (with their hashes) to a sketch and to the reference, comparing every
    /// counter after each add and the ranking at the end.
    fn agrees_with_the_reference(capacity: usize, keys: &[(String, u64)]) {
        let mut sketch = HeavyHitters::new(capacity);
        let mut reference = Reference::new(capacity);
        for (step, (key, hash)) in keys.iter().enumerate() {
            sketch.add_hashed(key, *hash);
            reference.add_hashed(key, *hash);
            assert_eq!(sketch.counters, reference.counters, "step {step}");
            assert!(sketch.index.used <= sketch.index.slots.len() / 2);
        }
        assert_eq!(sketch.len(), reference.counters.len());
        let top: Vec<&Counter> = sketch.top(capacity);
        let counts: Vec<(u64, &str)> = reference
            .counters
            .iter()
            .map(|c| (c.count, &*c.key))
            .collect();
        let expected: Vec<&Counter> = crate::engine::stats::ranked(&counts)
            .into_iter()
            .map(|i| &reference.counters[i])
            .collect();
        assert_eq!(top, expected);
    }

    proptest::proptest! {
        /// Keys from a few hot ones and many cold ones, through sketches small enough
        /// to evict all the time.
        #[test]
        fn the_sketch_is_its_definition(
            capacity in 1usize..12,
            picks in proptest::collection::vec((0u32..4, 0u32..200), 0..600),
        ) {
            let keys: Vec<(String, u64)> = picks
                .iter()
                .map(|&(hot, cold)| if hot == 0 { format!("cold-{cold}") } else { format!("hot-{hot}") })
                .map(|k| { let h = sku_hash(&k); (k, h) })
                .collect();
            agrees_with_the_reference(capacity, &keys);
        }

        /// Hashes chosen to pile up on a few slots (and to collide: distinct keys with
        /// one hash count as the first one held).
        #[test]
        fn the_sketch_is_its_definition_whatever_the_hashes(
            capacity in 1usize..12,
            picks in proptest::collection::vec((0u64..40, 0u64..3), 0..600),
        ) {
            let keys: Vec<(String, u64)> = picks
                .iter()
                .map(|&(k, spread)| (format!("k{k}"), (k % 30) * 64 * spread + k % 5))
                .collect();
            agrees_with_the_reference(capacity, &keys);
        }
    }

    #[test]
    fn the_sketch_is_its_definition_on_a_long_stream_of_mostly_new_skus() {
        // The benchmark's regime (thousands of SKUs through 64 counters, nearly every
        // add evicting, many index rebuilds) with a few hot SKUs (production's).
        let mut state = 11u64;
        let keys: Vec<(String, u64)> = (0..60_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let r = state >> 33;
                let k = if r % 5 == 0 {
                    format!("SKU-{:05}", r % 7)
                } else {
                    format!("SKU-{:05}", r % 5_000)
                };
                let h = sku_hash(&k);
                (k, h)
            })
            .collect();
        agrees_with_the_reference(64, &keys);
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
