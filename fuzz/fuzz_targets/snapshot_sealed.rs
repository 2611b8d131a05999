//! Snapshot bytes past the cheap gates, as regex-automata's fuzzers prepend a valid
//! header: the input is a snapshot's content after its magic and version; the target
//! prepends those, writes the demo key's check value (the reader checks the key right
//! after the checksum), the true total length and appends the right checksum; when the
//! header flags ask for a signature it signs the file with a fixed fuzzing key
//! (`snapshot::sign`) and loads it with that key's public key, so the verification path
//! runs too and mutations still reach the section table and every section reader
//! instead of stopping at `ChecksumMismatch`, `WrongKey` or `BadSignature`. Everything it
//! uses is public (`snapshot::format`, `snapshot::sign`). The seed is the demo snapshot's
//! content (fuzz/README.md). A snapshot that loads must pass `exercise`, and a signed one
//! must read as `signed`.
#![no_main]

use checkout_guard::snapshot::format::{header, CHECKSUM_LEN, FLAG_SIGNED, FORMAT_VERSION, MAGIC};
use checkout_guard::snapshot::{self, SigningKey, DEMO_KEY};
use checkout_guard::{LoadOptions, Snapshot};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The fuzzing signing key (a fixed seed: deriving it costs a scalar multiplication).
fn signer() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::from_seed([0x5e; 32]))
}

/// The whole file for `body` (the content after the magic and version), and whether it
/// was signed.
fn seal(body: &[u8]) -> (Vec<u8>, bool) {
    let mut file = Vec::with_capacity(body.len() + 96);
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(body);
    // Sealed unsigned first; `sign` then sets the flag, length and checksum itself.
    let signed = match file.get_mut(header::FLAGS) {
        Some(f) if *f & FLAG_SIGNED != 0 => {
            *f &= !FLAG_SIGNED;
            true
        }
        _ => false,
    };
    if let Some(at) = file.get_mut(header::KEY_CHECK..header::KEY_CHECK + header::KEY_CHECK_LEN) {
        at.copy_from_slice(&DEMO_KEY.check_value());
    }
    let total = file.len() + CHECKSUM_LEN;
    if let Some(at) = file.get_mut(header::TOTAL_LEN..header::TOTAL_LEN + 4) {
        at.copy_from_slice(&(total as u32).to_le_bytes());
    }
    let checksum = xxhash_rust::xxh3::xxh3_64(&file);
    file.extend_from_slice(&checksum.to_le_bytes());
    if signed {
        if let Ok(bytes) = snapshot::sign(&file, signer()) {
            return (bytes, true);
        }
    }
    (file, false)
}

fuzz_target!(|body: &[u8]| {
    let (bytes, signed) = seal(body);
    let options = LoadOptions {
        public_key: signed.then(|| signer().public_key()),
        ..LoadOptions::default()
    };
    if let Ok(snapshot) = Snapshot::open_with(bytes, &options) {
        assert_eq!(snapshot.info().signed, signed, "verified means signed");
        checkout_guard_fuzz::exercise(snapshot);
    }
});
