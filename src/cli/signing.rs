//! The CLI's snapshot-signing keys (docs/snapshot-format.md, "Signature"): `keygen
//! --signing` writes an Ed25519 pair, `compile --sign` reads the secret half and
//! `check`/`backtest`/`inspect --public-key` the public one. Like the merchant key, each
//! may come from the environment instead of a flag: [`SIGNING_KEY_ENV`] and
//! [`PUBLIC_KEY_ENV`] name the files.

use super::{flag_or_env, write_new, Fail};
use checkout_guard::snapshot::{PublicKey, SigningKey};
use std::path::{Path, PathBuf};

/// Environment variable naming the signing key file when `--sign` is not given.
pub const SIGNING_KEY_ENV: &str = "CHECKOUT_GUARD_SIGNING_KEY_FILE";
/// Environment variable naming the public key file when `--public-key` is not given.
pub const PUBLIC_KEY_ENV: &str = "CHECKOUT_GUARD_PUBLIC_KEY_FILE";

/// The public key file named by `--public-key` or [`PUBLIC_KEY_ENV`], read and parsed.
pub fn read_public_key(flag: Option<&Path>) -> Result<Option<PublicKey>, Fail> {
    read_key_file(
        flag,
        PUBLIC_KEY_ENV,
        "public key",
        PublicKey::parse,
        "it is the `.pub` file `checkout-guard keygen --signing -o FILE` writes",
    )
}

/// The signing key file named by `--sign` or [`SIGNING_KEY_ENV`], read and parsed.
pub fn read_signing_key(flag: Option<&Path>) -> Result<Option<SigningKey>, Fail> {
    read_key_file(
        flag,
        SIGNING_KEY_ENV,
        "signing key",
        SigningKey::parse,
        "make one with `checkout-guard keygen --signing -o FILE`",
    )
}

/// The `what` file named by `flag`, else by the environment variable `env`, parsed by
/// `parse`; a file that does not parse is refused with `hint`. None named: `None`.
fn read_key_file<K>(
    flag: Option<&Path>,
    env: &str,
    what: &str,
    parse: fn(&str) -> Result<K, String>,
    hint: &str,
) -> Result<Option<K>, Fail> {
    let Some(path) = flag_or_env(flag, env) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Fail(
            2,
            format!("cannot read the {what} file `{}`: {e}", path.display()),
        )
    })?;
    parse(&text).map(Some).map_err(|e| {
        Fail(
            2,
            format!("`{}` is not a {what} file: {e}; {hint}", path.display()),
        )
    })
}

/// `FILE.pub` beside `FILE`.
fn public_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Writes a new Ed25519 pair from the OS random generator: the signing key to `output`
/// (owner-only) and its public key to `output.pub`. Neither may exist (overwriting a
/// signing key would leave engines with a public key nothing signs for any more); if
/// the public file cannot be written, the secret one is removed again, so a pair is
/// written whole or not at all.
pub fn keygen(output: &Path) -> Result<u8, Fail> {
    let public = public_path(output);
    if public.exists() {
        return Err(Fail(
            2,
            format!(
                "`{}` already exists; a key is never overwritten: choose another file name",
                public.display()
            ),
        ));
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed)
        .map_err(|e| Fail(2, format!("the OS random generator failed: {e}")))?;
    let key = SigningKey::from_seed(seed);
    write_new(output, &key.to_hex(), 0o600)?;
    if let Err(e) = write_new(&public, &key.public_key().to_hex(), 0o644) {
        let _ = std::fs::remove_file(output);
        return Err(e);
    }
    eprintln!(
        "wrote a new snapshot signing key to `{}` (secret: keep it where snapshots are built, pass it to `compile --sign`) and its public key to `{}` (give it to every engine that loads them: `--public-key`, `{{ publicKey }}`, the edge worker's SNAPSHOT_PUBLIC_KEY)",
        output.display(),
        public.display()
    );
    Ok(0)
}
