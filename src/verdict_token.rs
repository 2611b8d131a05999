//! Verdict tokens (docs/SECURITY.md, "Verdict tokens"): how an origin server knows that
//! the request the edge worker forwarded was checked, by which snapshot, with what
//! outcome, and that its body is the one that was checked.
//!
//! The worker adds `X-Checkout-Guard-Token: v1.<payload>.<signature>` to every request it
//! forwards: `<payload>` is base64url (no padding) of a small JSON object (the
//! [`VerdictClaims`]), `<signature>` base64url of the Ed25519 signature over the ASCII
//! bytes `v1.<payload>`, made with the worker's `VERDICT_SIGNING_KEY` (a `checkout-guard
//! keygen --signing` key). The origin holds only the public key and calls [`verify`]
//! with the exact body bytes it received. Refusing a token whose `jti` it has already
//! seen (a replay within the token's lifetime) is the origin's job: [`verify`] is a pure
//! function and keeps no memory.
//!
//! Native only: the worker signs and verifies with WebCrypto
//! (`examples/edge-worker/src/verdict-token.js`), and the wasm runtime does not carry
//! this code.

use crate::model::Action;
use crate::snapshot::PublicKey;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// The token's version prefix.
pub const PREFIX: &str = "v1";
/// The largest payload (decoded JSON bytes) a verifier reads.
pub const MAX_PAYLOAD_BYTES: usize = 16 * 1024;
/// The longest lifetime (`exp − iat`, seconds) a verifier accepts.
pub const MAX_LIFETIME_SECONDS: i64 = 3600;
/// How far in the future (seconds) `iat` may lie: the worker's and the origin's clocks
/// are never exactly equal.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// Ed25519 signature length in bytes.
const SIGNATURE_LEN: usize = 64;

/// What a valid token says (the payload's JSON object, in its field order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerdictClaims {
    /// The token format, 1.
    pub v: u32,
    /// The verdict's decision: `allow`, `warn` or `review` (the worker forwards nothing else).
    pub decision: Action,
    /// The verdict's reason codes, no repeats, in policy order.
    pub codes: Vec<String>,
    /// The verdict's rule ids, no repeats, in policy order.
    pub rules: Vec<String>,
    /// The version (content hash) of the snapshot that judged.
    pub snapshot: String,
    /// The merchant of the snapshot that judged.
    pub merchant: String,
    /// SHA-256 of the forwarded body, 64 lowercase hexadecimal digits.
    pub body_sha256: String,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Expires at (first second it is no longer valid), Unix seconds.
    pub exp: i64,
    /// A random id, for the origin's replay memory.
    pub jti: String,
}

/// The payload as it is read: every field required, the decision still text so that a
/// well-formed token with another decision is told apart from a malformed one.
#[derive(Deserialize)]
struct RawClaims {
    v: i64,
    decision: String,
    codes: Vec<String>,
    rules: Vec<String>,
    snapshot: String,
    merchant: String,
    body_sha256: String,
    iat: i64,
    exp: i64,
    jti: String,
}

/// Why a token is refused. [`TokenError::kind`] is the stable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// Not `v1.<payload>.<signature>`, bad base64url, a payload over 16 KiB, not a JSON
    /// object with the fields and types of [`VerdictClaims`], `v` not 1, or a lifetime
    /// over an hour: what is wrong.
    Malformed(String),
    /// The signature is not the public key's over `v1.<payload>`: forged, altered, or
    /// signed with another key.
    BadSignature,
    /// The body's SHA-256 is not the token's `body_sha256`: the body was changed after
    /// the check (or the token belongs to another request).
    BodyMismatch {
        /// The token's `body_sha256`.
        token: String,
        /// The SHA-256 of the body given.
        body: String,
    },
    /// `now` is at or past `exp`.
    Expired {
        /// The token's `exp` (Unix seconds).
        exp: i64,
        /// The verifier's clock (Unix seconds).
        now: i64,
    },
    /// `iat` is more than a minute after `now`.
    NotYetValid {
        /// The token's `iat` (Unix seconds).
        iat: i64,
        /// The verifier's clock (Unix seconds).
        now: i64,
    },
    /// A validly signed token whose decision is not `allow`, `warn` or `review`.
    Decision(String),
}

impl TokenError {
    /// The stable name of the error: `malformed`, `bad_signature`, `body_mismatch`,
    /// `expired`, `not_yet_valid` or `decision`.
    pub fn kind(&self) -> &'static str {
        match self {
            TokenError::Malformed(_) => "malformed",
            TokenError::BadSignature => "bad_signature",
            TokenError::BodyMismatch { .. } => "body_mismatch",
            TokenError::Expired { .. } => "expired",
            TokenError::NotYetValid { .. } => "not_yet_valid",
            TokenError::Decision(_) => "decision",
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::Malformed(what) => write!(f, "the token is malformed: {what}"),
            TokenError::BadSignature => write!(
                f,
                "the token's signature does not verify with the public key given: it was forged or altered, or signed with another key (is the origin's key the `.pub` of the worker's VERDICT_SIGNING_KEY?)"
            ),
            TokenError::BodyMismatch { token, body } => write!(
                f,
                "the body's SHA-256 is {body} but the token was issued for {token}: the body was changed after the check, or the token belongs to another request"
            ),
            TokenError::Expired { exp, now } => write!(
                f,
                "the token expired at {exp} (Unix seconds) and it is {now}; check the clocks, or raise VERDICT_TOKEN_TTL_SECONDS if requests take that long to arrive"
            ),
            TokenError::NotYetValid { iat, now } => write!(
                f,
                "the token was issued at {iat} (Unix seconds), more than {CLOCK_SKEW_SECONDS} s after now ({now}); the worker's and the origin's clocks disagree"
            ),
            TokenError::Decision(d) => write!(
                f,
                "the token's decision is `{d}`; only `allow`, `warn` and `review` orders are forwarded"
            ),
        }
    }
}

impl std::error::Error for TokenError {}

fn malformed(what: impl Into<String>) -> TokenError {
    TokenError::Malformed(what.into())
}

/// Verifies `token` for the request body `body` at `now` with the worker's public key,
/// returning its claims; the checks and their order are docs/SECURITY.md's ("Verdict
/// tokens"). The caller still refuses a `jti` it has seen before.
pub fn verify(
    token: &str,
    body: &[u8],
    public_key: &PublicKey,
    now: Timestamp,
) -> Result<VerdictClaims, TokenError> {
    let mut parts = token.split('.');
    let (Some(prefix), Some(payload_text), Some(signature_text), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "it is not three parts `v1.<payload>.<signature>` separated by dots",
        ));
    };
    if prefix != PREFIX {
        return Err(malformed(format!(
            "it starts with `{}`, not `{PREFIX}`",
            prefix.chars().take(16).collect::<String>()
        )));
    }
    // Bound the work before decoding: 16 KiB take at most this many characters.
    if payload_text.len() > MAX_PAYLOAD_BYTES.div_ceil(3) * 4 {
        return Err(malformed(format!(
            "the payload is over {MAX_PAYLOAD_BYTES} bytes"
        )));
    }
    let payload = base64url_decode(payload_text)
        .ok_or_else(|| malformed("the payload is not base64url without padding"))?;
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(malformed(format!(
            "the payload is {} bytes, over {MAX_PAYLOAD_BYTES}",
            payload.len()
        )));
    }
    let signature = base64url_decode(signature_text)
        .ok_or_else(|| malformed("the signature is not base64url without padding"))?;
    let raw = parse_claims(&payload)?;
    if raw.v != 1 {
        return Err(malformed(format!("`v` is {}, not 1", raw.v)));
    }

    let signed_len = prefix.len() + 1 + payload_text.len();
    let signed = token.get(..signed_len).unwrap_or_default();
    if !signature_verifies(public_key, signed.as_bytes(), &signature) {
        return Err(TokenError::BadSignature);
    }

    let digest = sha256_hex(body);
    if raw.body_sha256 != digest {
        return Err(TokenError::BodyMismatch {
            token: raw.body_sha256,
            body: digest,
        });
    }
    // Whole seconds are exact here: `iat` and `exp` are whole, so `iat ≤ now + 60` and
    // `now < exp` hold for the instant exactly when they hold for its floor.
    let now = now.seconds();
    if raw.iat > now.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(TokenError::NotYetValid { iat: raw.iat, now });
    }
    if now >= raw.exp {
        return Err(TokenError::Expired { exp: raw.exp, now });
    }
    if raw.exp.saturating_sub(raw.iat) > MAX_LIFETIME_SECONDS {
        return Err(malformed(format!(
            "its lifetime (exp − iat) is {} s, over {MAX_LIFETIME_SECONDS}",
            raw.exp.saturating_sub(raw.iat)
        )));
    }
    let decision = match raw.decision.as_str() {
        "allow" => Action::Allow,
        "warn" => Action::Warn,
        "review" => Action::Review,
        _ => return Err(TokenError::Decision(raw.decision)),
    };
    Ok(VerdictClaims {
        v: 1,
        decision,
        codes: raw.codes,
        rules: raw.rules,
        snapshot: raw.snapshot,
        merchant: raw.merchant,
        body_sha256: raw.body_sha256,
        iat: raw.iat,
        exp: raw.exp,
        jti: raw.jti,
    })
}

/// The payload's JSON: an object (serde would also read a struct from an array) with
/// every field of [`RawClaims`] at its type, a 64-hex `body_sha256` and a `jti`.
fn parse_claims(payload: &[u8]) -> Result<RawClaims, TokenError> {
    let value: serde_json::Value = serde_json::from_slice(payload)
        .map_err(|e| malformed(format!("the payload is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(malformed("the payload is not a JSON object"));
    }
    let raw: RawClaims = serde_json::from_value(value)
        .map_err(|e| malformed(format!("the payload's claims: {e}")))?;
    let hex = raw.body_sha256.len() == 64
        && raw
            .body_sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex {
        return Err(malformed(
            "`body_sha256` is not 64 lowercase hexadecimal digits",
        ));
    }
    if raw.jti.is_empty() {
        // An empty id cannot be remembered apart from another: replay would go unseen.
        return Err(malformed("`jti` is empty"));
    }
    Ok(raw)
}

fn signature_verifies(public: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
    if signature.len() != SIGNATURE_LEN {
        return false;
    }
    let (Ok(public), Ok(signature)) = (
        ed25519_compact::PublicKey::from_slice(public.as_bytes()),
        ed25519_compact::Signature::from_slice(signature),
    ) else {
        return false;
    };
    public.verify(message, &signature).is_ok()
}

/// SHA-256 of `bytes` as 64 lowercase hexadecimal digits (the token's `body_sha256`).
pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b & 0x0f));
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

/// Decodes base64url without padding (RFC 4648 §5). Refuses `=`, any other character,
/// a length of 4k+1, and unused low bits that are not zero (so one value has one text).
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'-' => Some(62),
            b'_' => Some(63),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 2);
    for chunk in bytes.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            acc = (acc << 6) | value(c)?;
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 => {
                // 18 bits: two bytes and two unused bits.
                if acc & 0b11 != 0 {
                    return None;
                }
                out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]);
            }
            2 => {
                // 12 bits: one byte and four unused bits.
                if acc & 0b1111 != 0 {
                    return None;
                }
                out.push((acc >> 4) as u8);
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Base64url without padding, the signer's side (test only).
    fn b64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for i in 0..=chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            }
        }
        out
    }

    fn pair(seed: u8) -> (ed25519_compact::KeyPair, PublicKey) {
        let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new([seed; 32]));
        let public = PublicKey::from_bytes(*pair.pk);
        (pair, public)
    }

    /// A token over the JSON text `payload`, signed by `pair`.
    fn sign(pair: &ed25519_compact::KeyPair, payload: &str) -> String {
        let signed = format!("v1.{}", b64(payload.as_bytes()));
        let sig = pair.sk.sign(signed.as_bytes(), None);
        format!("{signed}.{}", b64(&sig[..]))
    }

    const BODY: &[u8] = br#"{"order_id":"A-1","items":[{"sku":"TEA-001","quantity":1}]}"#;
    const IAT: i64 = 1_764_064_800; // 2025-11-25T10:00:00Z

    fn claims(body: &[u8]) -> serde_json::Value {
        serde_json::json!({"v": 1, "decision": "review", "codes": ["WATCH"], "rules": ["watch"],
            "snapshot": "03fb7abac80ff868", "merchant": "demo-store",
            "body_sha256": sha256_hex(body), "iat": IAT, "exp": IAT + 300, "jti": "j-1"})
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_seconds(seconds)
    }

    fn kind(r: Result<VerdictClaims, TokenError>) -> &'static str {
        r.map(|_| "ok").unwrap_or_else(|e| e.kind())
    }

    #[test]
    fn sha256_is_the_standard_one() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn base64url_round_trips_and_refuses_other_spellings() {
        for n in 0..40u8 {
            let bytes: Vec<u8> = (0..n).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
            assert_eq!(base64url_decode(&b64(&bytes)), Some(bytes));
        }
        for bad in ["QQ==", "Q", "QQ+/", "Q Q", "QR"] {
            assert_eq!(base64url_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_valid_token_gives_its_claims() {
        let (pair, public) = pair(1);
        let token = sign(&pair, &claims(BODY).to_string());
        let c = verify(&token, BODY, &public, at(IAT + 10)).unwrap();
        assert_eq!(c.decision, Action::Review);
        assert_eq!((c.iat, c.exp, c.jti.as_str()), (IAT, IAT + 300, "j-1"));
        assert_eq!(c.codes, ["WATCH"]);
        assert_eq!(serde_json::to_value(&c).unwrap(), claims(BODY));
        // The edges of the window: iat up to a minute ahead, until the second before exp.
        assert_eq!(kind(verify(&token, BODY, &public, at(IAT - 60))), "ok");
        assert_eq!(kind(verify(&token, BODY, &public, at(IAT + 299))), "ok");
    }

    /// A warned order is forwarded like an allowed one, so its token verifies too.
    #[test]
    fn a_warn_token_verifies() {
        let (pair, public) = pair(1);
        let mut c = claims(BODY);
        c["decision"] = "warn".into();
        let token = sign(&pair, &c.to_string());
        let claims = verify(&token, BODY, &public, at(IAT + 10)).unwrap();
        assert_eq!(claims.decision, Action::Warn);
    }

    #[test]
    fn every_rejection_has_its_kind() {
        let (pair, public) = pair(1);
        let (_, other) = pair_other();
        let good = sign(&pair, &claims(BODY).to_string());
        let now = at(IAT + 10);
        let with = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut c = claims(BODY);
            f(&mut c);
            sign(&pair, &c.to_string())
        };
        let cases: Vec<(String, &[u8], Timestamp, &str)> = vec![
            // Shape.
            ("v1.abc".into(), BODY, now, "malformed"),
            (format!("{good}.x"), BODY, now, "malformed"),
            (good.replacen("v1.", "v2.", 1), BODY, now, "malformed"),
            (good.replacen("v1.", "v1.*", 1), BODY, now, "malformed"),
            (format!("{good}="), BODY, now, "malformed"),
            (
                sign(&pair, &"x".repeat(MAX_PAYLOAD_BYTES + 1)),
                BODY,
                now,
                "malformed",
            ),
            (sign(&pair, "[1]"), BODY, now, "malformed"),
            (sign(&pair, "not json"), BODY, now, "malformed"),
            (with(&|c| c["v"] = 2.into()), BODY, now, "malformed"),
            (with(&|c| c["iat"] = "1".into()), BODY, now, "malformed"),
            (with(&|c| c["iat"] = 1.5.into()), BODY, now, "malformed"),
            (
                with(&|c| c["codes"] = serde_json::json!([1])),
                BODY,
                now,
                "malformed",
            ),
            (
                with(&|c| drop(c.as_object_mut().unwrap().remove("jti"))),
                BODY,
                now,
                "malformed",
            ),
            (with(&|c| c["jti"] = "".into()), BODY, now, "malformed"),
            (
                with(&|c| c["body_sha256"] = "ABC".into()),
                BODY,
                now,
                "malformed",
            ),
            (
                with(&|c| c["exp"] = (IAT + MAX_LIFETIME_SECONDS + 1).into()),
                BODY,
                now,
                "malformed",
            ),
            // Signature: another key, an altered payload, a cut signature.
            (good.clone(), BODY, now, "ok"),
            (tamper_payload(&good), BODY, now, "bad_signature"),
            (
                good[..good.len() - 2].to_string(),
                BODY,
                now,
                "bad_signature",
            ),
            // Body, time, decision.
            (good.clone(), b"{}", now, "body_mismatch"),
            (good.clone(), BODY, at(IAT + 300), "expired"),
            (good.clone(), BODY, at(IAT - 61), "not_yet_valid"),
            (
                with(&|c| c["decision"] = "deny".into()),
                BODY,
                now,
                "decision",
            ),
            (
                with(&|c| c["decision"] = "step_up".into()),
                BODY,
                now,
                "decision",
            ),
        ];
        for (i, (token, body, now, want)) in cases.iter().enumerate() {
            assert_eq!(
                kind(verify(token, body, &public, *now)),
                *want,
                "case {i}: {token}"
            );
        }
        assert_eq!(kind(verify(&good, BODY, &other, now)), "bad_signature");
    }

    fn pair_other() -> (ed25519_compact::KeyPair, PublicKey) {
        pair(2)
    }

    /// The token with one claim changed but the old signature kept.
    fn tamper_payload(token: &str) -> String {
        let mut c = claims(BODY);
        c["decision"] = "allow".into();
        let parts: Vec<&str> = token.split('.').collect();
        format!("v1.{}.{}", b64(c.to_string().as_bytes()), parts[2])
    }

    mod edits {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any edit of a valid token (a character changed, inserted or removed) is
            /// refused, and no text makes the verifier panic.
            #[test]
            fn an_edited_token_is_refused_and_nothing_panics(
                at in any::<prop::sample::Index>(),
                c in prop::sample::select(b"AZaz09-_.=v1 \x7f".to_vec()),
                op in 0..3u8,
                junk in ".{0,200}",
            ) {
                let (pair, public) = pair(1);
                let good = sign(&pair, &claims(BODY).to_string());
                let mut bytes = good.clone().into_bytes();
                let i = at.index(bytes.len());
                match op {
                    0 => bytes[i] = c,
                    1 => bytes.insert(i, c),
                    _ => { bytes.remove(i); }
                }
                let edited = String::from_utf8(bytes).unwrap();
                let now = at_seconds(IAT + 10);
                if edited != good {
                    prop_assert!(verify(&edited, BODY, &public, now).is_err(), "{}", edited);
                }
                let _ = verify(&junk, BODY, &public, now);
                let _ = verify(&format!("v1.{junk}.{junk}"), BODY, &public, now);
            }
        }

        fn at_seconds(s: i64) -> Timestamp {
            Timestamp::from_seconds(s)
        }
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = TokenError::Expired { exp: 5, now: 9 };
        assert!(e.to_string().contains("expired at 5"), "{e}");
        assert_eq!(TokenError::BadSignature.kind(), "bad_signature");
    }
}
