//! Where the engine's in-memory maps draw their hash seeds (docs/SECURITY.md, "Crafted
//! input": chosen keys against the engine's memories).
//!
//! The duplicate and purchase memories are keyed by digests anyone can compute (their
//! SipHash keys must be fixed so engine instances agree), so only a secret per-map seed
//! keeps someone from aiming chosen customers at one bucket and making every later
//! check walk a long probe sequence. Natively the seed comes from std's `RandomState`,
//! which the OS seeds. In `wasm32-unknown-unknown` std has no random source (its
//! `RandomState` keys are constants, the same in every instance), so there it comes from
//! the JavaScript runtime's `crypto.getRandomValues`.
//!
//! Some runtimes refuse randomness at some moments: Cloudflare's workerd throws outside
//! a request (at module scope, where an edge worker loads its snapshot). So the maps
//! draw their seed lazily, at their first hash, which is inside a `check`.

/// A fresh 64-bit seed from the runtime's random source, or `None` where the runtime
/// refuses it at this moment (see the module doc).
pub fn seed() -> Option<u64> {
    imp::seed()
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::hash::BuildHasher;

    pub fn seed() -> Option<u64> {
        // Each `RandomState` has fresh OS-drawn keys (std increments one key per state,
        // so two states hash one value differently).
        Some(std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64))
    }
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        /// `crypto.getRandomValues(view)`; `catch`: a missing `crypto` or a refusal
        /// (workerd at module scope) is an `Err`, never a trap.
        #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
        fn get_random_values(view: &mut [u8]) -> Result<JsValue, JsValue>;
    }

    pub fn seed() -> Option<u64> {
        let mut bytes = [0u8; 8];
        get_random_values(&mut bytes).ok()?;
        Some(u64::from_le_bytes(bytes))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn seeds_differ_from_draw_to_draw() {
        let seeds: std::collections::HashSet<u64> = (0..64).filter_map(|_| super::seed()).collect();
        assert_eq!(seeds.len(), 64);
    }
}
