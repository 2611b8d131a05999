//! Snapshot bytes past the cheap gates, as regex-automata's fuzzers prepend a valid
//! header: the input is a snapshot's content after its magic and version; the target
//! prepends those, writes the demo key's check value (the reader checks the key right
//! after the checksum), the true total length and appends the right checksum (and a
//! signature-sized trailer when the flags ask for one), so mutations reach the section
//! table and every section reader instead of stopping at `ChecksumMismatch` or `WrongKey`.
//! Everything it uses is the public `snapshot::format`. The seed is the demo snapshot's
//! content (fuzz/README.md). A snapshot that loads must pass `exercise`.
#![no_main]

use checkout_guard::snapshot::format::{
    header, CHECKSUM_LEN, FLAG_SIGNED, FORMAT_VERSION, MAGIC, SIGNATURE_LEN,
};
use checkout_guard::snapshot::DEMO_KEY;
use checkout_guard::Snapshot;
use libfuzzer_sys::fuzz_target;

/// The whole file for `body` (the content after the magic and version).
fn seal(body: &[u8]) -> Vec<u8> {
    let mut file = Vec::with_capacity(body.len() + 96);
    file.extend_from_slice(&MAGIC);
    file.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(body);
    let signed = file
        .get(header::FLAGS)
        .is_some_and(|f| f & FLAG_SIGNED != 0);
    if let Some(at) = file.get_mut(header::KEY_CHECK..header::KEY_CHECK + header::KEY_CHECK_LEN) {
        at.copy_from_slice(&DEMO_KEY.check_value());
    }
    let total = file.len() + CHECKSUM_LEN + if signed { SIGNATURE_LEN } else { 0 };
    if let Some(at) = file.get_mut(header::TOTAL_LEN..header::TOTAL_LEN + 4) {
        at.copy_from_slice(&(total as u32).to_le_bytes());
    }
    let checksum = xxhash_rust::xxh3::xxh3_64(&file);
    file.extend_from_slice(&checksum.to_le_bytes());
    if signed {
        file.resize(total, 0);
    }
    file
}

fuzz_target!(|body: &[u8]| {
    if let Ok(snapshot) = Snapshot::from_bytes(seal(body)) {
        checkout_guard_fuzz::exercise(snapshot);
    }
});
