//! Arbitrary bytes as a snapshot: `Snapshot::from_bytes` and `Engine::from_bytes` give
//! a typed error or a snapshot, agree on which, and a snapshot that loads passes
//! `exercise` (info, lookups, a verdict). Most inputs stop at the header or checksum;
//! `snapshot_sealed` gets past them.
#![no_main]

use checkout_guard::{Engine, LoadError, Snapshot};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let snapshot = Snapshot::from_bytes(data.to_vec());
    match Engine::from_bytes(data.to_vec()) {
        Err(LoadError::Snapshot(e)) => {
            assert_eq!(
                snapshot.as_ref().err(),
                Some(&e),
                "both readers refuse alike"
            );
            let _ = e.to_string();
        }
        Ok(_) | Err(_) => assert!(
            snapshot.is_ok(),
            "the engine loaded what the snapshot reader refused"
        ),
    }
    if let Ok(snapshot) = snapshot {
        checkout_guard_fuzz::exercise(snapshot);
    }
});
