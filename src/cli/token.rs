//! `checkout-guard verify-token`: what an origin's code does with the
//! `X-Checkout-Guard-Token` header, from the command line (docs/SECURITY.md, "Verdict
//! tokens"): verify a token against the body it came with and the worker's public key.
//! Exit 0 and the claims as JSON on stdout; exit 1 and `KIND: message` on stderr for a
//! refused token; exit 2 when the key or body cannot be read.

use super::Fail;
use checkout_guard::snapshot::PublicKey;
use checkout_guard::verdict_token::{self, MAX_PAYLOAD_BYTES};
use checkout_guard::Timestamp;
use std::io::Read;
use std::path::Path;

/// The longest token read from standard input: a 16 KiB payload in base64url and a
/// signature take well under this; more is not a token.
const MAX_TOKEN_CHARS: u64 = (MAX_PAYLOAD_BYTES as u64) * 2;

/// Verifies `token` (`-`: standard input, surrounding whitespace ignored) against the
/// body file and the public key file, at `now` (default: the clock).
pub fn verify_token(
    public_key: &Path,
    body: &Path,
    token: &str,
    now: Option<Timestamp>,
) -> Result<u8, Fail> {
    let key_text = std::fs::read_to_string(public_key).map_err(|e| {
        Fail(
            2,
            format!(
                "cannot read the public key file `{}`: {e}",
                public_key.display()
            ),
        )
    })?;
    let key = PublicKey::parse(&key_text).map_err(|e| {
        Fail(
            2,
            format!(
                "`{}` is not a public key file: {e}; it is the `.pub` file beside the worker's VERDICT_SIGNING_KEY (`checkout-guard keygen --signing -o FILE`)",
                public_key.display()
            ),
        )
    })?;
    let body_bytes = std::fs::read(body).map_err(|e| {
        Fail(
            2,
            format!("cannot read the body file `{}`: {e}", body.display()),
        )
    })?;
    let token = if token == "-" {
        let mut text = String::new();
        std::io::stdin()
            .take(MAX_TOKEN_CHARS)
            .read_to_string(&mut text)
            .map_err(|e| Fail(2, format!("cannot read the token from standard input: {e}")))?;
        text.trim().to_string()
    } else {
        token.trim().to_string()
    };
    let now = now.unwrap_or_else(Timestamp::now);
    match verdict_token::verify(&token, &body_bytes, &key, now) {
        Ok(claims) => {
            let text = serde_json::to_string_pretty(&claims).map_err(|e| Fail(2, e.to_string()))?;
            println!("{text}");
            Ok(0)
        }
        Err(e) => Err(Fail(1, format!("{}: {e}", e.kind()))),
    }
}
