//! The merchant's snapshot key: the 128-bit SipHash key of every identifier hash in a
//! snapshot (blocklist and customer statistics). It is a secret kept beside the
//! snapshot, never inside it: the file holds only a key check value, a keyed hash of a
//! fixed label from which the key cannot be recovered, so loading with the wrong key
//! fails with a clear error instead of silently matching nothing
//! (see `docs/snapshot-format.md`, "Identifier hashing").
//!
//! A key file is text: 32 hexadecimal digits and a newline (`checkout-guard keygen`
//! writes one). The demo store's key ([`DEMO_KEY`]) is published
//! (`examples/demo-store/demo.key`): anyone holding it can test identifiers against a
//! snapshot compiled with it, so it is for the demo only.

use siphasher::sip128::{Hasher128, SipHasher24};
use std::fmt;
use std::hash::Hasher;

/// Length of a key in bytes (128 bits).
pub const KEY_LEN: usize = 16;

/// A snapshot key. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct SnapshotKey([u8; KEY_LEN]);

/// The demo store's published key (`examples/demo-store/demo.key`); demo only.
pub const DEMO_KEY: SnapshotKey = SnapshotKey([
    0x44, 0xbf, 0x79, 0x0c, 0x46, 0xae, 0xa9, 0x94, 0x29, 0x84, 0x68, 0x6b, 0x39, 0xf9, 0x5b, 0xf9,
]);

/// The label whose keyed hash is the key check value (versioned with the format).
const CHECK_LABEL: &[u8] = b"checkout-guard key check v2";
/// The label whose keyed hash is the public profile's salt.
const SALT_LABEL: &[u8] = b"checkout-guard public salt v1";

impl SnapshotKey {
    /// A key from its 16 bytes.
    pub const fn from_bytes(bytes: [u8; KEY_LEN]) -> SnapshotKey {
        SnapshotKey(bytes)
    }

    /// The key's bytes (the SipHash key).
    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Parses a key file's text: 32 hexadecimal digits, surrounding whitespace ignored.
    /// The error says what is wrong without echoing the text (it may be a secret).
    pub fn parse(text: &str) -> Result<SnapshotKey, String> {
        parse_hex(text, "a key").map(SnapshotKey)
    }

    /// The key as 32 lowercase hexadecimal digits (a key file's content without the
    /// newline).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// The key check value stored in the header: the first 16 bytes of a 128-bit
    /// SipHash-2-4 of a fixed label under the key. SipHash is a PRF, so the value says
    /// whether a candidate key is right but finding the key from it means trying
    /// 2¹²⁸ keys.
    pub fn check_value(&self) -> [u8; KEY_LEN] {
        self.keyed_label(CHECK_LABEL)
    }

    /// The public profile's salt (docs/snapshot-format.md, "The public profile"): the
    /// SipHash key of its hash prefixes, stored in clear in a public snapshot. A PRF of
    /// the merchant key alone, so it is the same in every version of the merchant's
    /// public snapshot (a value keeps its bucket), differs between merchants (no table
    /// precomputed for one serves another) and tells nothing about the key or the
    /// private hashes made with it.
    pub fn public_salt(&self) -> [u8; KEY_LEN] {
        self.keyed_label(SALT_LABEL)
    }

    fn keyed_label(&self, label: &[u8]) -> [u8; KEY_LEN] {
        let mut h = SipHasher24::new_with_key(&self.0);
        h.write(label);
        h.finish128().as_bytes()
    }

    /// Whether this is the published demo key.
    pub fn is_demo(&self) -> bool {
        *self == DEMO_KEY
    }
}

/// `N` bytes from key-file text: `2N` hexadecimal digits, surrounding whitespace
/// ignored. `what` names the key in the error ("a key"), which never echoes the text
/// (it may be a secret). Shared by every key file (merchant, signing, public).
pub(super) fn parse_hex<const N: usize>(text: &str, what: &str) -> Result<[u8; N], String> {
    let digits = text.trim().as_bytes();
    if digits.len() != 2 * N {
        return Err(format!(
            "{what} is {} hexadecimal digits, this one has {} characters",
            2 * N,
            digits.len()
        ));
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let digit = |c: u8| (c as char).to_digit(16);
        match pair {
            [hi, lo] => match (digit(*hi), digit(*lo)) {
                (Some(h), Some(l)) => *byte = (h * 16 + l) as u8,
                _ => return Err(format!("{what} holds only hexadecimal digits (0-9, a-f)")),
            },
            _ => return Err(format!("{what} holds only hexadecimal digits (0-9, a-f)")),
        }
    }
    Ok(out)
}

/// Bytes as lowercase hexadecimal digits (a key file's content).
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl fmt::Debug for SnapshotKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_demo() {
            "SnapshotKey(demo)"
        } else {
            "SnapshotKey(…)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_prints() {
        let k = SnapshotKey::parse("44BF790C46aea9942984686b39f95bf9\n").unwrap();
        assert_eq!(k, DEMO_KEY);
        assert_eq!(SnapshotKey::parse(&k.to_hex()).unwrap(), k);
        assert!(SnapshotKey::parse("44bf")
            .unwrap_err()
            .contains("32 hexadecimal"));
        assert!(SnapshotKey::parse("g4bf790c46aea9942984686b39f95bf9")
            .unwrap_err()
            .contains("hexadecimal digits"));
        assert_eq!(
            format!("{:?}", SnapshotKey::from_bytes([1; 16])),
            "SnapshotKey(…)"
        );
    }

    #[test]
    fn demo_key_is_the_published_file() {
        let text = include_str!("../../examples/demo-store/demo.key");
        assert_eq!(SnapshotKey::parse(text).unwrap(), DEMO_KEY);
    }

    #[test]
    fn check_values_differ_per_key_and_hold_no_key_bytes() {
        let a = SnapshotKey::from_bytes([1; 16]);
        let b = SnapshotKey::from_bytes([2; 16]);
        assert_ne!(a.check_value(), b.check_value());
        assert_ne!(&a.check_value(), a.as_bytes());
        assert_ne!(a.public_salt(), a.check_value());
        assert_ne!(a.public_salt(), b.public_salt());
    }
}
