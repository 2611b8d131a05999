//! Verdict tokens (docs/SECURITY.md, "Verdict tokens"): the fixed test vector
//! `tests/data/verdict-token/vector.json`, which the edge worker's JavaScript verifier is
//! tested against too, made here from a fixed seed and fixed times (Ed25519 signatures
//! are deterministic, so the file is reproducible: `UPDATE_GOLDEN=1` rewrites it).

use checkout_guard::snapshot::PublicKey;
use checkout_guard::verdict_token::{sha256_hex, verify};
use checkout_guard::Timestamp;
use serde_json::{json, Value};
use std::path::PathBuf;

fn vector_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/verdict-token/vector.json")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Base64url without padding (the signer's side, which the library does not carry).
fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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

/// `v1.<payload>.<signature>` over the JSON text `payload`.
fn sign(pair: &ed25519_compact::KeyPair, payload: &str) -> String {
    let signed = format!("v1.{}", b64(payload.as_bytes()));
    let sig = pair.sk.sign(signed.as_bytes(), None);
    format!("{signed}.{}", b64(&sig[..]))
}

const SEED: [u8; 32] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
];
/// 2026-11-25T10:00:00Z.
const IAT: i64 = 1_795_600_800;
const BODY: &str = r#"{"order_id":"DS-20261125-0001","customer":{"id":"C10001","email":"wangfang@example.com"},"shipping":{"name":"王芳","phone":"13800138101","province":"江苏省","city":"南京市","district":"鼓楼区","line1":"中山北路100号2单元301室"},"items":[{"sku":"TEA-001","quantity":2,"unit_price":168.0}]}"#;

fn claims() -> Value {
    json!({"v": 1, "decision": "review", "codes": ["WATCHLIST_HIGH_VALUE", "ADDRESS_HOPPING"],
        "rules": ["watch-high-value", "address-hopping"], "snapshot": "03fb7abac80ff868",
        "merchant": "demo-store", "body_sha256": sha256_hex(BODY.as_bytes()),
        "iat": IAT, "exp": IAT + 300, "jti": "3q2-7wAAAAAAAAAAAAAAAA"})
}

/// The claims as JSON text in the contract's field order (serde_json's map sorts keys);
/// any field outside it follows. A verifier does not care about order; readers do.
fn payload_text(c: &Value) -> String {
    const ORDER: [&str; 10] = [
        "v",
        "decision",
        "codes",
        "rules",
        "snapshot",
        "merchant",
        "body_sha256",
        "iat",
        "exp",
        "jti",
    ];
    let map = c.as_object().unwrap();
    let keys = ORDER
        .iter()
        .copied()
        .filter(|k| map.contains_key(*k))
        .chain(
            map.keys()
                .map(String::as_str)
                .filter(|k| !ORDER.contains(k)),
        );
    let fields: Vec<String> = keys
        .map(|k| format!("{}:{}", Value::from(k), map[k]))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// The vector, built from the constants above.
fn build() -> Value {
    let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(SEED));
    let payload = payload_text(&claims());
    let token = sign(&pair, &payload);
    let now = IAT + 30;
    let with = |key: &str, value: Value| {
        let mut c = claims();
        c[key] = value;
        sign(&pair, &payload_text(&c))
    };
    let altered = {
        let mut c = claims();
        c["decision"] = "allow".into();
        let signature = token.rsplit('.').next().unwrap();
        format!("v1.{}.{signature}", b64(payload_text(&c).as_bytes()))
    };
    let reject = |what: &str, token: &str, body: &str, now: i64, kind: &str| json!({"what": what, "token": token, "body": body, "now": now, "kind": kind});
    json!({
        "description": "A verdict token (docs/SECURITY.md, \"Verdict tokens\") and tokens every verifier must refuse, with the error kind. Made by tests/verdict_token.rs (UPDATE_GOLDEN=1 rewrites it); the Rust verifier and examples/edge-worker/src/verdict-token.js are both tested against it. Bodies are the UTF-8 bytes of `body`; times are Unix seconds.",
        "seed": hex(&SEED),
        "public": hex(&pair.pk[..]),
        "signing_key": hex(&pair.sk[..]),
        "body": BODY,
        "body_sha256": sha256_hex(BODY.as_bytes()),
        "now": now,
        "now_rfc3339": Timestamp::from_seconds(now).to_rfc3339(),
        "payload": payload,
        "claims": claims(),
        "token": token,
        "rejections": [
            reject("the body changed after the check", &token, &BODY.replace("\"quantity\":2", "\"quantity\":3"), now, "body_mismatch"),
            reject("at exp", &token, BODY, IAT + 300, "expired"),
            reject("issued more than 60 s ahead of now", &token, BODY, IAT - 61, "not_yet_valid"),
            reject("a claim changed, the signature kept", &altered, BODY, now, "bad_signature"),
            reject("another version prefix", &token.replacen("v1.", "v2.", 1), BODY, now, "malformed"),
            reject("padding in the signature", &format!("{token}=="), BODY, now, "malformed"),
            reject("lifetime over 3600 s", &with("exp", (IAT + 3601).into()), BODY, now, "malformed"),
            reject("v is not 1", &with("v", 2.into()), BODY, now, "malformed"),
            reject("a signed deny", &with("decision", "deny".into()), BODY, now, "decision"),
        ],
    })
}

#[test]
fn the_vector_file_is_reproducible() {
    let text = format!("{}\n", serde_json::to_string_pretty(&build()).unwrap());
    let path = vector_path();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == text,
        "{} differs from what the test builds (UPDATE_GOLDEN=1 to accept)",
        path.display()
    );
}

#[test]
fn the_vector_verifies_and_its_rejections_are_refused() {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(vector_path()).unwrap()).unwrap();
    let public = PublicKey::parse(v["public"].as_str().unwrap()).unwrap();
    let now = |n: &Value| Timestamp::from_seconds(n.as_i64().unwrap());
    let body = v["body"].as_str().unwrap().as_bytes();
    let claims = verify(v["token"].as_str().unwrap(), body, &public, now(&v["now"])).unwrap();
    assert_eq!(serde_json::to_value(&claims).unwrap(), v["claims"]);
    assert_eq!(v["body_sha256"], claims.body_sha256.as_str());
    for r in v["rejections"].as_array().unwrap() {
        let got = verify(
            r["token"].as_str().unwrap(),
            r["body"].as_str().unwrap().as_bytes(),
            &public,
            now(&r["now"]),
        );
        assert_eq!(
            got.map(|_| "accepted").unwrap_or_else(|e| e.kind()),
            r["kind"].as_str().unwrap(),
            "{}",
            r["what"]
        );
    }
}
