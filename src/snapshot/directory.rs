//! An in-memory directory over a sorted array of uniformly distributed hashes, built
//! when a snapshot is loaded (never stored, so the file format does not depend on it).
//!
//! The top `b` bits of a hash select a bucket; the directory holds where each bucket
//! starts. With about eight entries per bucket, a lookup reads one small directory
//! (0.5 byte per entry, cache-resident) and then scans one or two cache lines of the
//! array, instead of galloping over a megabyte: on the 100k-entry benchmark store every
//! avoided probe is a cache miss.

/// Bucket starts for a sorted array of `bits`-bit hashes.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    /// `starts[b]` is the first index whose hash is in bucket `b`; one extra entry at
    /// the end holds the array length.
    starts: Vec<u32>,
    /// Right shift that turns a hash into its bucket number.
    shift: u32,
}

impl Directory {
    /// Builds the directory for `n` hashes of `bits` significant bits, read by `get`,
    /// which must be sorted ascending (the snapshot reader checks that before).
    pub fn build(n: usize, bits: u32, get: impl Fn(usize) -> u64) -> Directory {
        let bits = bits.clamp(1, 64);
        // About eight entries per bucket, at least one bucket, at most 2^24 buckets.
        let bucket_bits = (usize::BITS - (n / 8).leading_zeros())
            .clamp(0, 24)
            .min(bits);
        let shift = bits - bucket_bits;
        let buckets = 1usize << bucket_bits;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut i = 0usize;
        for b in 0..buckets {
            while i < n && bucket_of(get(i), shift) < b as u64 {
                i += 1;
            }
            starts.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        starts.push(u32::try_from(n).unwrap_or(u32::MAX));
        Directory { starts, shift }
    }

    /// The index range that can hold `hash` (all entries of its bucket).
    pub fn range(&self, hash: u64) -> (usize, usize) {
        let b = bucket_of(hash, self.shift) as usize;
        let lo = self.starts.get(b).copied().unwrap_or(0) as usize;
        let hi = self.starts.get(b + 1).copied().unwrap_or(0) as usize;
        (lo, hi.max(lo))
    }

    /// The first index of `hash`'s bucket (`range(hash).0`): the one directory load a
    /// check's batch of lookups issues for each of its hashes before any is matched
    /// (`Snapshot::warm`).
    pub fn start(&self, hash: u64) -> usize {
        let b = bucket_of(hash, self.shift) as usize;
        self.starts.get(b).copied().unwrap_or(0) as usize
    }
}

fn bucket_of(hash: u64, shift: u32) -> u64 {
    hash.checked_shr(shift).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn every_value_is_inside_its_range(mut values in prop::collection::vec(any::<u64>(), 0..500), probe in any::<u64>()) {
            let bits = 54;
            for v in &mut values {
                *v >>= 64 - bits;
            }
            values.sort_unstable();
            let dir = Directory::build(values.len(), bits, |i| values[i]);
            for (i, v) in values.iter().enumerate() {
                let (lo, hi) = dir.range(*v);
                prop_assert!(lo <= i && i < hi, "{i} not in {lo}..{hi}");
            }
            let probe = probe >> (64 - bits);
            let (lo, hi) = dir.range(probe);
            prop_assert!(hi <= values.len());
            // Everything equal to the probe lies inside its range.
            for (i, v) in values.iter().enumerate() {
                if *v == probe {
                    prop_assert!(lo <= i && i < hi);
                }
            }
        }
    }
}
