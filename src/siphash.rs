//! SipHash (Aumasson & Bernstein) a message word at a time, for the two hot paths that
//! hash per check: the snapshot's keyed identifier hash (SipHash-2-4,
//! `snapshot::format::id_hash`) and the duplicate memory's digests (SipHash-1-3,
//! `engine::dedup`). Each caller reads its message words straight from its own bytes,
//! which the streaming `siphasher` hashers cannot: they copy every write into a
//! partial-word buffer first. The values are `siphasher`'s, and each caller's tests hold
//! them to it.

/// SipHash's four-word state.
#[derive(Clone, Copy)]
pub(crate) struct Sip {
    v0: u64,
    v1: u64,
    v2: u64,
    v3: u64,
}

impl Sip {
    /// The state for the key `k0 ‖ k1` (two little-endian words).
    #[inline]
    pub(crate) fn new(k0: u64, k1: u64) -> Sip {
        Sip {
            v0: k0 ^ 0x736f_6d65_7073_6575,
            v1: k1 ^ 0x646f_7261_6e64_6f6d,
            v2: k0 ^ 0x6c79_6765_6e65_7261,
            v3: k1 ^ 0x7465_6462_7974_6573,
        }
    }

    /// One SipRound (the reference's ARX network).
    #[inline]
    fn round(&mut self) {
        self.v0 = self.v0.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(13) ^ self.v0;
        self.v0 = self.v0.rotate_left(32);
        self.v2 = self.v2.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(16) ^ self.v2;
        self.v0 = self.v0.wrapping_add(self.v3);
        self.v3 = self.v3.rotate_left(21) ^ self.v0;
        self.v2 = self.v2.wrapping_add(self.v1);
        self.v1 = self.v1.rotate_left(17) ^ self.v2;
        self.v2 = self.v2.rotate_left(32);
    }

    /// Absorbs one message word with `C` rounds (the "c" of SipHash-c-d).
    #[inline]
    pub(crate) fn compress<const C: usize>(&mut self, m: u64) {
        self.v3 ^= m;
        for _ in 0..C {
            self.round();
        }
        self.v0 ^= m;
    }

    /// The hash, after the last word (which carries the message length in its top byte)
    /// was compressed: `D` finalization rounds (the "d").
    #[inline]
    pub(crate) fn finish<const D: usize>(mut self) -> u64 {
        self.v2 ^= 0xff;
        for _ in 0..D {
            self.round();
        }
        self.v0 ^ self.v1 ^ self.v2 ^ self.v3
    }
}

/// The little-endian value of at most 8 bytes (a whole word, or a message's tail as the
/// low bytes of a word), read in at most three loads rather than byte by byte.
#[inline]
pub(crate) fn le_word(b: &[u8]) -> u64 {
    if let Some(w) = b.first_chunk::<8>() {
        return u64::from_le_bytes(*w);
    }
    let (mut word, mut at, mut rest) = (0, 0, b);
    if let Some((four, more)) = rest.split_first_chunk::<4>() {
        (word, at, rest) = (u64::from(u32::from_le_bytes(*four)), 32, more);
    }
    if let Some((two, more)) = rest.split_first_chunk::<2>() {
        word |= u64::from(u16::from_le_bytes(*two)) << at;
        (at, rest) = (at + 16, more);
    }
    if let Some(&byte) = rest.first() {
        word |= u64::from(byte) << at;
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn le_word_is_the_bytes_little_endian(b in prop::collection::vec(any::<u8>(), 0..=8)) {
            let expected = b.iter().rev().fold(0u64, |w, &byte| w << 8 | u64::from(byte));
            prop_assert_eq!(le_word(&b), expected);
        }
    }
}
