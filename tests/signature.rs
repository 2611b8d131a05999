//! Snapshot signatures and rollback (issue 8 item 3; docs/snapshot-format.md,
//! "Signature" and "Versions and rollback"): with a public key, unsigned, junk-signed,
//! wrongly signed, tampered (even with the checksum recomputed) and truncated snapshots
//! are refused with typed errors; `signed` is true only after verification; a reload
//! never goes back to an older snapshot unless forced, and a refused one keeps the old
//! snapshot serving.

use checkout_guard::model::Action;
use checkout_guard::snapshot::{self, format, PublicKey, SigningKey, SnapshotKey};
use checkout_guard::source::SourceFiles;
use checkout_guard::{
    compile_files, CheckOptions, CompileOptions, Engine, LoadError, LoadOptions, Snapshot,
    SnapshotError, Timestamp,
};
use std::path::Path;

fn t(s: &str) -> Timestamp {
    Timestamp::parse_rfc3339(s).unwrap()
}

/// The merchant key of `tests/fixtures/v2-minimal.snapshot`.
fn key() -> SnapshotKey {
    let text = std::fs::read_to_string(fixtures().join("v2-minimal.key")).unwrap();
    SnapshotKey::parse(&text).unwrap()
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

/// The merchant's signing key, and an attacker's.
fn signer() -> SigningKey {
    SigningKey::from_seed([0x11; 32])
}
fn attacker() -> SigningKey {
    SigningKey::from_seed([0x66; 32])
}

/// `tests/fixtures/minimal` (its policy text edited by `edit`) compiled with [`key`].
fn compiled(created_at: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let mut files = SourceFiles::read_dir(&fixtures().join("minimal")).unwrap();
    let policy = files.files.get_mut("policy.toml").unwrap();
    *policy = edit(std::mem::take(policy));
    let options = CompileOptions {
        created_at: Some(t(created_at)),
        key: Some(key()),
        ..CompileOptions::default()
    };
    compile_files(&files, &options).unwrap().bytes
}

fn unsigned(created_at: &str) -> Vec<u8> {
    compiled(created_at, |p| p)
}

fn signed(created_at: &str) -> Vec<u8> {
    snapshot::sign(&unsigned(created_at), &signer()).unwrap()
}

fn with_public_key(public_key: PublicKey) -> LoadOptions {
    LoadOptions {
        key: Some(key()),
        public_key: Some(public_key),
        force: false,
    }
}

/// Loads with the merchant key and the signer's public key.
fn verified(bytes: Vec<u8>) -> Result<Snapshot, SnapshotError> {
    Snapshot::open_with(bytes, &with_public_key(signer().public_key()))
}

/// Sets the checksum of `bytes` (whose trailer is `trailer` bytes after it) to the xxh3
/// of what precedes it, as anyone editing a file can.
fn reseal(bytes: &mut [u8], trailer: usize) {
    let at = bytes.len() - trailer - format::CHECKSUM_LEN;
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[..at]);
    bytes[at..at + format::CHECKSUM_LEN].copy_from_slice(&sum.to_le_bytes());
}

fn set_total_len(bytes: &mut [u8], total: usize) {
    let at = format::header::TOTAL_LEN;
    bytes[at..at + 4].copy_from_slice(&(total as u32).to_le_bytes());
}

/// The minimal store's listed customer C-666 (block) buying a limited item: denied by
/// `limited-per-line` while the snapshot's rules are intact.
const BLOCKED_ORDER: &str = r#"{"order_id":"o-1","customer":{"id":"C-666"},
  "items":[{"sku":"TEA-099","quantity":1}]}"#;

fn decision(engine: &mut Engine) -> Action {
    let options = CheckOptions {
        now: Some(t("2026-11-25T10:00:00Z")),
        locale: None,
        ..CheckOptions::default()
    };
    engine.check_json(BLOCKED_ORDER, &options).unwrap().decision
}

#[test]
fn a_verified_signature_reads_as_signed_and_only_then() {
    let bytes = signed("2026-11-25T00:00:00Z");
    let s = verified(bytes.clone()).unwrap();
    assert!(s.info().signed);
    assert!(s.info().signature_present);
    // Without a public key the same file loads, but its signature is not trusted.
    let s = Snapshot::open(bytes, Some(&key())).unwrap();
    assert!(!s.info().signed);
    assert!(s.info().signature_present);
    let s = Snapshot::open(unsigned("2026-11-25T00:00:00Z"), Some(&key())).unwrap();
    assert!(!s.info().signed && !s.info().signature_present);
}

#[test]
fn signing_frames_the_file_and_is_deterministic() {
    let plain = unsigned("2026-11-25T00:00:00Z");
    let bytes = signed("2026-11-25T00:00:00Z");
    assert_eq!(bytes.len(), plain.len() + format::SIGNATURE_LEN);
    assert_eq!(
        bytes[format::header::FLAGS] & format::FLAG_SIGNED,
        format::FLAG_SIGNED
    );
    assert_eq!(bytes, signed("2026-11-25T00:00:00Z"), "reproducible");
    // Re-signing replaces the signature: the attacker's key over the merchant's file.
    let resigned = snapshot::sign(&bytes, &attacker()).unwrap();
    assert_eq!(resigned.len(), bytes.len());
    assert_eq!(
        verified(resigned.clone()).unwrap_err(),
        SnapshotError::BadSignature
    );
    assert!(Snapshot::open_with(resigned, &with_public_key(attacker().public_key())).is_ok());
    assert_eq!(
        snapshot::sign(
            b"not a snapshot at all, long enough for a header......",
            &signer()
        )
        .unwrap_err(),
        SnapshotError::BadMagic
    );
}

#[test]
fn with_a_public_key_an_unsigned_snapshot_is_refused() {
    let err = verified(unsigned("2026-11-25T00:00:00Z")).unwrap_err();
    assert_eq!(err, SnapshotError::SignatureRequired);
    assert!(err.to_string().contains("compile --sign"), "{err}");
}

#[test]
fn junk_after_the_signed_flag_is_refused_with_a_public_key_and_untrusted_without() {
    // The issue's attack: set the flag, append 64 junk bytes, fix length and checksum.
    let mut bytes = unsigned("2026-11-25T00:00:00Z");
    bytes[format::header::FLAGS] |= format::FLAG_SIGNED;
    let total = bytes.len() + format::SIGNATURE_LEN;
    set_total_len(&mut bytes, total);
    reseal(&mut bytes, 0);
    bytes.extend_from_slice(&[0xAB; format::SIGNATURE_LEN]);
    assert_eq!(
        verified(bytes.clone()).unwrap_err(),
        SnapshotError::BadSignature
    );
    let s = Snapshot::open(bytes, Some(&key())).unwrap();
    assert!(!s.info().signed, "junk must never read as signed");
    assert!(s.info().signature_present);
}

#[test]
fn a_snapshot_signed_with_another_key_is_refused() {
    let bytes = snapshot::sign(&unsigned("2026-11-25T00:00:00Z"), &attacker()).unwrap();
    let err = verified(bytes).unwrap_err();
    assert_eq!(err, SnapshotError::BadSignature);
    assert!(err.to_string().contains("another key"), "{err}");
}

#[test]
fn tampering_is_refused_even_with_the_checksum_recomputed() {
    let good = signed("2026-11-25T00:00:00Z");
    // One byte of a customer message changed in place, checksum recomputed: the
    // checksum alone accepts it, the signature does not.
    let mut edited = good.clone();
    let at = edited
        .windows(11)
        .position(|w| w == b"SMS code.\"}")
        .unwrap();
    edited[at] = b'X';
    reseal(&mut edited, format::SIGNATURE_LEN);
    assert!(Snapshot::open(edited.clone(), Some(&key())).is_ok());
    assert_eq!(verified(edited).unwrap_err(), SnapshotError::BadSignature);

    // The rules removed (recompiled by someone holding the merchant key, even) and the
    // merchant's signature grafted on: without a public key it loads and lets the
    // listed customer through; with it, refused.
    let no_rules = compiled("2026-11-25T00:00:00Z", |p| {
        let start = p.find("[[rule]]").unwrap();
        let end = p.find("[messages.zh-CN]").unwrap();
        let noop =
            "[[rule]]\nid = \"noop\"\nwhen = \"false\"\naction = \"review\"\nreason = \"NONE\"\n\n";
        format!("{}{noop}{}", &p[..start], &p[end..])
    });
    let mut grafted = no_rules;
    grafted[format::header::FLAGS] |= format::FLAG_SIGNED;
    let total = grafted.len() + format::SIGNATURE_LEN;
    set_total_len(&mut grafted, total);
    reseal(&mut grafted, 0);
    grafted.extend_from_slice(&good[good.len() - format::SIGNATURE_LEN..]);
    let mut open = Engine::open(grafted.clone(), Some(&key())).unwrap();
    assert_eq!(
        decision(&mut open),
        Action::Allow,
        "the attack works unsigned"
    );
    let mut engine = Engine::open_with(good, &with_public_key(signer().public_key())).unwrap();
    assert_eq!(decision(&mut engine), Action::Deny);
    assert_eq!(
        Engine::open_with(grafted, &with_public_key(signer().public_key())).unwrap_err(),
        LoadError::Snapshot(SnapshotError::BadSignature)
    );
}

#[test]
fn truncated_signed_snapshots_are_refused() {
    let good = signed("2026-11-25T00:00:00Z");
    // Cut anywhere: the header's total length disagrees.
    for cut in [1, 10, format::SIGNATURE_LEN, format::SIGNATURE_LEN + 8] {
        let err = verified(good[..good.len() - cut].to_vec()).unwrap_err();
        assert!(
            matches!(err, SnapshotError::LengthMismatch { .. }),
            "{cut}: {err}"
        );
    }
    // The signature cut off and the header made to say "unsigned" (flag, length,
    // checksum all consistent): it is now an unsigned file, which a public key refuses.
    let mut stripped = good[..good.len() - format::SIGNATURE_LEN].to_vec();
    stripped[format::header::FLAGS] &= !format::FLAG_SIGNED;
    let total = stripped.len();
    set_total_len(&mut stripped, total);
    reseal(&mut stripped, 0);
    assert!(Snapshot::open(stripped.clone(), Some(&key())).is_ok());
    assert_eq!(
        verified(stripped).unwrap_err(),
        SnapshotError::SignatureRequired
    );
    // The length made to fit a cut signature: refused (bad signature or damaged).
    let mut short = good[..good.len() - 1].to_vec();
    let total = short.len();
    set_total_len(&mut short, total);
    reseal(&mut short, format::SIGNATURE_LEN - 1);
    assert!(verified(short).is_err());
}

#[test]
fn the_committed_signed_fixture_verifies_with_its_public_key() {
    let bytes = std::fs::read(fixtures().join("v2-minimal-signed.snapshot")).unwrap();
    let text = std::fs::read_to_string(fixtures().join("signing.key.pub")).unwrap();
    let public = PublicKey::parse(&text).unwrap();
    let s = Snapshot::open_with(bytes.clone(), &with_public_key(public)).unwrap();
    assert!(s.info().signed);
    // It is the unsigned fixture plus a signature.
    let plain = std::fs::read(fixtures().join("v2-minimal.snapshot")).unwrap();
    let text = std::fs::read_to_string(fixtures().join("signing.key")).unwrap();
    let signer = SigningKey::parse(&text).unwrap();
    assert_eq!(signer.public_key(), public);
    assert_eq!(snapshot::sign(&plain, &signer).unwrap(), bytes);
}

/// `tests/fixtures/v4-minimal-signed.snapshot`: the current format's fixture
/// (`v4-minimal.snapshot`) signed by `signing.key`, for the package tests (the runtime
/// loads only format 4); `UPDATE_FIXTURES=1` rewrites it.
#[test]
fn the_committed_v4_signed_fixture_is_the_v4_fixture_signed() {
    let plain = std::fs::read(fixtures().join("v4-minimal.snapshot")).unwrap();
    let text = std::fs::read_to_string(fixtures().join("signing.key")).unwrap();
    let bytes = snapshot::sign(&plain, &SigningKey::parse(&text).unwrap()).unwrap();
    let path = fixtures().join("v4-minimal-signed.snapshot");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let text = std::fs::read_to_string(fixtures().join("signing.key.pub")).unwrap();
    let public = PublicKey::parse(&text).unwrap();
    let s = Snapshot::open_with(bytes, &with_public_key(public)).unwrap();
    assert!(s.info().signed);
    assert_eq!(s.info().format_version, 4);
}

/// `tests/fixtures/v4-minimal-signed-tampered.snapshot`, for the package tests: the v4
/// signed fixture with its first rule weakened where it runs and where it shows (the
/// level name `block` → `watch` in `PROG`'s name table and in `META`'s text), the
/// checksum recomputed and the signature kept. Without a public key it loads and lets
/// a blocked customer through; with one it is refused. `UPDATE_FIXTURES=1` rewrites it.
#[test]
fn the_committed_v4_tampered_fixture_is_the_signed_one_weakened_and_resealed() {
    let mut bytes = std::fs::read(fixtures().join("v4-minimal-signed.snapshot")).unwrap();
    let at = bytes.windows(9).position(|w| w == br#"\"block\""#).unwrap();
    bytes[at + 2..at + 7].copy_from_slice(b"watch");
    let mut name = 5u32.to_le_bytes().to_vec();
    name.extend_from_slice(b"block");
    let at = bytes.windows(9).position(|w| w == name.as_slice()).unwrap();
    bytes[at + 4..at + 9].copy_from_slice(b"watch");
    reseal(&mut bytes, format::SIGNATURE_LEN);
    let path = fixtures().join("v4-minimal-signed-tampered.snapshot");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let s = Snapshot::open(bytes.clone(), Some(&key())).unwrap();
    assert!(s.policy().rules[0].when.contains("\"watch\""));
    assert!(s.programs().unwrap().names.contains(&"watch"));
    assert!(!s.programs().unwrap().names.contains(&"block"));
    assert_eq!(verified(bytes).unwrap_err(), SnapshotError::BadSignature);
}

#[test]
fn a_reload_never_rolls_back_and_a_refused_one_keeps_the_old_serving() {
    let options = with_public_key(signer().public_key());
    let mut engine = Engine::open_with(signed("2026-11-25T00:00:00Z"), &options).unwrap();
    let serving = engine.info().version.clone();

    // Older: refused, the old one keeps serving and judging.
    let older = signed("2026-11-24T00:00:00Z");
    let err = engine.load_with(older.clone(), &options).unwrap_err();
    assert_eq!(
        err,
        LoadError::Rollback {
            serving: t("2026-11-25T00:00:00Z"),
            offered: t("2026-11-24T00:00:00Z"),
        }
    );
    assert!(err.to_string().contains("refusing to roll back"), "{err}");
    assert_eq!(engine.info().version, serving);
    assert_eq!(engine.stats().loads, 1);
    assert_eq!(decision(&mut engine), Action::Deny);

    // Another snapshot with the same created_at: refused too (created_at is the version).
    let same_time = snapshot::sign(
        &compiled("2026-11-25T00:00:00Z", |p| {
            p.replace("SMS code.", "SMS code!")
        }),
        &signer(),
    )
    .unwrap();
    let err = engine.load_with(same_time, &options).unwrap_err();
    assert!(matches!(err, LoadError::Rollback { .. }), "{err}");
    assert!(err.to_string().contains("same version"), "{err}");
    assert_eq!(engine.info().version, serving);

    // The identical bytes again: fine (a poller reloading what it has).
    engine
        .load_with(signed("2026-11-25T00:00:00Z"), &options)
        .unwrap();
    assert_eq!(engine.info().version, serving);

    // Newer: loaded.
    engine
        .load_with(signed("2026-11-26T00:00:00Z"), &options)
        .unwrap();
    assert_eq!(engine.info().created_at, "2026-11-26T00:00:00Z");

    // Forced: a deliberate rollback.
    let forced = LoadOptions {
        force: true,
        ..options.clone()
    };
    engine.load_with(older, &forced).unwrap();
    assert_eq!(engine.info().created_at, "2026-11-24T00:00:00Z");
    assert!(engine.info().signed);

    // Force does not bypass the signature: an unsigned snapshot stays refused.
    let err = engine
        .load_with(unsigned("2026-11-27T00:00:00Z"), &forced)
        .unwrap_err();
    assert_eq!(err, LoadError::Snapshot(SnapshotError::SignatureRequired));
    assert_eq!(engine.info().created_at, "2026-11-24T00:00:00Z");
    assert_eq!(decision(&mut engine), Action::Deny);
}

#[test]
fn plain_load_refuses_rollback_too() {
    // `Engine::load` / `load_snapshot` (no options) guard against going back as well.
    let mut engine = Engine::open(unsigned("2026-11-25T00:00:00Z"), Some(&key())).unwrap();
    let older = Snapshot::open(unsigned("2026-11-20T00:00:00Z"), Some(&key())).unwrap();
    assert!(matches!(
        engine.load_snapshot(older),
        Err(LoadError::Rollback { .. })
    ));
    assert_eq!(engine.info().created_at, "2026-11-25T00:00:00Z");
}

/// `tests/fixtures/v2-minimal-signed-tampered.snapshot`, for the package and edge tests
/// (JavaScript has no xxh3): the signed fixture with its first rule weakened
/// (`customer.level == "block"` → `"watch"`) and the checksum recomputed, signature
/// kept. Checked here byte for byte; `UPDATE_FIXTURES=1` rewrites it.
#[test]
fn the_committed_tampered_fixture_is_the_signed_one_edited_and_resealed() {
    let mut bytes = std::fs::read(fixtures().join("v2-minimal-signed.snapshot")).unwrap();
    let at = bytes.windows(9).position(|w| w == br#"\"block\""#).unwrap();
    bytes[at + 2..at + 7].copy_from_slice(b"watch");
    reseal(&mut bytes, format::SIGNATURE_LEN);
    let path = fixtures().join("v2-minimal-signed-tampered.snapshot");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &bytes).unwrap();
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
    let s = Snapshot::open(bytes.clone(), Some(&key())).unwrap();
    assert!(s.policy().rules[0].when.contains("\"watch\""));
    assert_eq!(verified(bytes).unwrap_err(), SnapshotError::BadSignature);
}
