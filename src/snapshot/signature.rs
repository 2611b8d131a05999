//! Ed25519 signatures of snapshots (`docs/snapshot-format.md`, "Signature"): who made a
//! snapshot, where the checksum only says it was not damaged.
//!
//! A signed snapshot has header flag [`FLAG_SIGNED`] set and ends with a 64-byte Ed25519
//! signature (RFC 8032, pure Ed25519) over every byte before it — the header with the
//! flag and the total length that counts the signature, the sections, the checksum.
//! The merchant's build holds the signing key (`checkout-guard keygen --signing`) and
//! signs ([`sign`], native and compiler-only); every engine that loads the snapshot may
//! hold the public key and then refuses anything it does not verify. The wasm runtime
//! links only [`verify`].
//!
//! Key files are text, like the merchant key's: a public key is 64 hexadecimal digits
//! (its 32 bytes); a signing key is 128 (the 32-byte seed, then the public key, so a file
//! whose halves disagree — a corrupt or hand-edited one — is refused, and a public key
//! given where the signing key belongs is told apart by its length).

use super::key::{hex, parse_hex};
use std::fmt;

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;

/// The public half of a snapshot signing key: what an engine verifies signatures with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey([u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// A public key from its 32 bytes.
    pub const fn from_bytes(bytes: [u8; PUBLIC_KEY_LEN]) -> PublicKey {
        PublicKey(bytes)
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }

    /// Parses a public key file's text: 64 hexadecimal digits, surrounding whitespace
    /// ignored.
    pub fn parse(text: &str) -> Result<PublicKey, String> {
        parse_hex(text, "a public key").map(PublicKey)
    }

    /// The key as 64 lowercase hexadecimal digits (a `.pub` file without its newline).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// Whether `signature` is a valid Ed25519 signature of `message` under `public`. A
/// public key that is not a curve point, a non-canonical or mismatched signature are
/// all just `false`: the caller refuses the snapshot either way.
pub(super) fn verify(public: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    let (Ok(public), Ok(signature)) = (
        ed25519_compact::PublicKey::from_slice(&public.0),
        ed25519_compact::Signature::from_slice(signature),
    ) else {
        return false;
    };
    public.verify(message, &signature).is_ok()
}

#[cfg(feature = "compiler")]
pub use signing::{sign, SigningKey, SIGNING_KEY_FILE_LEN};

/// Signing: native and compiler-only (a signing key never goes to a browser, and the
/// runtime wasm does not carry this code).
#[cfg(feature = "compiler")]
mod signing {
    use super::super::format::{header, CHECKSUM_LEN, FIXED_HEADER_LEN, FLAG_SIGNED, MAGIC};
    use super::super::format::{read_u32, SIGNATURE_LEN};
    use super::super::key::{hex, parse_hex};
    use super::super::SnapshotError;
    use super::{PublicKey, PUBLIC_KEY_LEN};
    use std::fmt;

    /// Characters of a signing key file's key (seed and public key, hexadecimal).
    pub const SIGNING_KEY_FILE_LEN: usize = 4 * PUBLIC_KEY_LEN;

    /// A snapshot signing key (an Ed25519 seed and its public key). `Debug` shows only
    /// the public half.
    #[derive(Clone)]
    pub struct SigningKey {
        pair: ed25519_compact::KeyPair,
    }

    impl SigningKey {
        /// The key pair of a 32-byte seed (draw it from the OS generator).
        pub fn from_seed(seed: [u8; 32]) -> SigningKey {
            SigningKey {
                pair: ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed)),
            }
        }

        /// Its public key, to give to the engines that load what it signs.
        pub fn public_key(&self) -> PublicKey {
            PublicKey(*self.pair.pk)
        }

        /// Parses a signing key file's text: 128 hexadecimal digits, the seed then the
        /// public key (surrounding whitespace ignored). Refuses a file whose public half
        /// is not the seed's (corrupt or edited), and says so when given a public key.
        pub fn parse(text: &str) -> Result<SigningKey, String> {
            if text.trim().len() == 2 * PUBLIC_KEY_LEN {
                return Err(
                    "this is a public key (64 hexadecimal digits): sign with the secret key file beside it (the same name without `.pub`)".into(),
                );
            }
            let bytes: [u8; 2 * PUBLIC_KEY_LEN] = parse_hex(text, "a signing key")?;
            let (seed, public) = bytes.split_at(PUBLIC_KEY_LEN);
            let mut s = [0u8; PUBLIC_KEY_LEN];
            s.copy_from_slice(seed);
            let key = SigningKey::from_seed(s);
            if key.public_key().0 != public {
                return Err("its public half does not match its seed (the file is damaged)".into());
            }
            Ok(key)
        }

        /// The key file's content without the newline: the seed, then the public key, in
        /// hexadecimal.
        pub fn to_hex(&self) -> String {
            hex(&self.pair.sk[..])
        }
    }

    impl fmt::Debug for SigningKey {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "SigningKey(public {})", self.public_key().to_hex())
        }
    }

    /// Signs snapshot bytes: sets [`FLAG_SIGNED`], makes the total length count the
    /// signature, recomputes the checksum and appends the Ed25519 signature of every byte
    /// before it (docs/snapshot-format.md, "Signature"). A signed snapshot is re-signed
    /// (its old signature replaced). Deterministic (RFC 8032): the same bytes and key give
    /// the same signature, so signed builds stay reproducible. Only the frame is
    /// checked here (magic, length); load the result to validate the rest.
    pub fn sign(snapshot: &[u8], key: &SigningKey) -> Result<Vec<u8>, SnapshotError> {
        let not_a_snapshot = snapshot.len() < FIXED_HEADER_LEN + CHECKSUM_LEN
            || snapshot.get(header::MAGIC..header::MAGIC + MAGIC.len()) != Some(&MAGIC[..]);
        if not_a_snapshot {
            return Err(SnapshotError::BadMagic);
        }
        let declared = read_u32(snapshot, header::TOTAL_LEN).unwrap_or(0) as usize;
        if declared != snapshot.len() {
            return Err(SnapshotError::LengthMismatch {
                declared,
                actual: snapshot.len(),
            });
        }
        let flags = snapshot.get(header::FLAGS).copied().unwrap_or(0);
        let trailer = CHECKSUM_LEN
            + if flags & FLAG_SIGNED != 0 {
                SIGNATURE_LEN
            } else {
                0
            };
        let end = snapshot
            .len()
            .checked_sub(trailer)
            .filter(|&n| n >= FIXED_HEADER_LEN)
            .ok_or(SnapshotError::Truncated {
                section: "trailer".into(),
                needed: FIXED_HEADER_LEN + trailer,
                have: snapshot.len(),
            })?;
        let mut out = Vec::with_capacity(end + CHECKSUM_LEN + SIGNATURE_LEN);
        out.extend_from_slice(snapshot.get(..end).unwrap_or_default());
        let total = u32::try_from(end + CHECKSUM_LEN + SIGNATURE_LEN)
            .map_err(|_| SnapshotError::Unsupported("a snapshot over 4 GiB".into()))?;
        if let Some(f) = out.get_mut(header::FLAGS) {
            *f = flags | FLAG_SIGNED;
        }
        if let Some(at) = out.get_mut(header::TOTAL_LEN..header::TOTAL_LEN + 4) {
            at.copy_from_slice(&total.to_le_bytes());
        }
        let checksum = xxhash_rust::xxh3::xxh3_64(&out);
        out.extend_from_slice(&checksum.to_le_bytes());
        let signature = key.pair.sk.sign(&out, None);
        out.extend_from_slice(&signature[..]);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::format::SIGNATURE_LEN;
    use super::*;

    #[test]
    fn public_keys_round_trip_through_hex() {
        let key = PublicKey::from_bytes([0xa5; PUBLIC_KEY_LEN]);
        assert_eq!(PublicKey::parse(&format!(" {}\n", key.to_hex())), Ok(key));
        assert!(PublicKey::parse("abc")
            .unwrap_err()
            .contains("64 hexadecimal"));
    }

    #[cfg(feature = "compiler")]
    #[test]
    fn signing_keys_round_trip_and_check_their_halves() {
        let key = SigningKey::from_seed([7; 32]);
        let text = key.to_hex();
        assert_eq!(text.len(), SIGNING_KEY_FILE_LEN);
        let back = SigningKey::parse(&text).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        // A public key where the signing key belongs says so.
        let err = SigningKey::parse(&key.public_key().to_hex()).unwrap_err();
        assert!(err.contains("public key"), "{err}");
        // One digit of the public half changed: refused.
        let mut bad = text.into_bytes();
        let last = bad.len() - 1;
        bad[last] = if bad[last] == b'0' { b'1' } else { b'0' };
        let err = SigningKey::parse(std::str::from_utf8(&bad).unwrap()).unwrap_err();
        assert!(err.contains("does not match"), "{err}");
    }

    #[test]
    fn verify_refuses_junk() {
        let key = PublicKey::from_bytes([0; PUBLIC_KEY_LEN]);
        assert!(!verify(&key, b"x", &[0xAB; SIGNATURE_LEN]));
        assert!(!verify(&key, b"x", &[0xAB; 3]));
    }
}
