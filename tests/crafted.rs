//! Snapshots crafted as an attacker would (a section rewritten, the checksum recomputed),
//! shared by the native tests (`alloc_bounds`) and the wasm ones (`tests/wasm.rs`).

use checkout_guard::snapshot::Snapshot;

/// `bytes` with its `CATL` section replaced by `body` (padded with zeros to the section's
/// length, which the table keeps) and the checksum recomputed, as an attacker would.
fn with_catalog(bytes: &[u8], body: &[u8]) -> Vec<u8> {
    let snapshot = Snapshot::from_bytes(bytes.to_vec()).unwrap();
    let catl = snapshot
        .info()
        .sections
        .iter()
        .find(|s| s.tag == "CATL")
        .unwrap();
    assert!(body.len() <= catl.bytes);
    let mut out = bytes.to_vec();
    let section = &mut out[catl.offset..catl.offset + catl.bytes];
    section.fill(0);
    section[..body.len()].copy_from_slice(body);
    let at = out.len() - 8;
    let sum = xxhash_rust::xxh3::xxh3_64(&out[..at]);
    out[at..].copy_from_slice(&sum.to_le_bytes());
    out
}

/// The demo snapshot whose catalog is one item with an empty tag (the compiler never
/// writes one; the reader refuses it, which is what bounds a tag list's memory).
pub fn demo_with_an_empty_tag() -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&1u32.to_le_bytes()); // one item
    body.extend_from_slice(&0u32.to_le_bytes()); // flags
    for s in ["A", "", ""] {
        body.extend_from_slice(&(s.len() as u32).to_le_bytes());
        body.extend_from_slice(s.as_bytes());
    }
    body.extend_from_slice(&100i64.to_le_bytes()); // price
    body.extend_from_slice(&0u32.to_le_bytes()); // max per order
    body.extend_from_slice(&2u32.to_le_bytes()); // two tags: "" and "x"
    body.extend_from_slice(&0u32.to_le_bytes());
    body.extend_from_slice(&1u32.to_le_bytes());
    body.push(b'x');
    with_catalog(checkout_guard::DEMO_SNAPSHOT, &body)
}
