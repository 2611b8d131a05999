//! The JavaScript API (docs/semantics.md §11.2) over wasm-bindgen: `Engine` and, in the
//! compiler entry only (`--features compiler`), `Backtest`, `compilePolicy`,
//! `lintPolicy` and `reviewPolicy`. This is the only file that imports wasm-bindgen; everything here
//! converts between JS values and the crate's public API, and every path returns a
//! `Result` — a Rust panic would kill the whole wasm instance.
//!
//! The boundary is the hot path of a checkout. An order that is plain data crosses it
//! packed: `wasm/order.js` writes its fields into wasm memory and
//! [`Order::from_packed`] reads them (`wasm/order_js.rs`); any other order crosses as
//! JSON text (`JSON.stringify`, then [`Order::from_json`]); both keep JSON paths in
//! their errors, through one judge. `check`'s verdict goes out the same way, packed:
//! `wasm/verdict_js.rs` writes it as bytes naming strings `wasm/verdict.js` holds
//! once per snapshot, and that builds the object in one call. Other results are
//! written as JSON text by the crate's own writer (`src/json/write.rs`,
//! `engine/results_json.rs`: the runtime links no serde serializer) and `JSON.parse`d.
//! The compiler entry's results still go through `serde_json`. The figures are in `docs/BENCHMARKS.md`. Callers pass and get plain
//! objects.
//!
//! Errors are real JS `Error`s carrying data: `path` for bad orders, `diagnostics` for
//! policies, `kind` for snapshots.

use crate::engine::{CheckOptions, Engine, Identity, LoadError, Order, OrderError, OrderKey};
use crate::json::write::{self, ToJson, Writer};
use crate::snapshot::{LoadOptions, PublicKey, Snapshot, SnapshotError, SnapshotKey};
use crate::time::Timestamp;

use js_sys::{Array, Reflect, JSON};
#[cfg(feature = "compiler")]
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

// The packed way in; `swb-boundary` (benchmarks only) measures serde-wasm-bindgen instead.
#[cfg(not(feature = "swb-boundary"))]
mod order_js;
mod stats_js;
mod verdict_js;
use verdict_js::VerdictWriter;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("wasm.d.ts");

// ---------------------------------------------------------------------------
// Errors

/// A JS `Error` named `name` with `message`, plus extra properties.
fn js_error(name: &str, message: &str, fields: &[(&str, JsValue)]) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name(name);
    for (key, value) in fields {
        // Setting a property on a fresh Error cannot fail; if it did, the message still
        // says everything.
        let _ = Reflect::set(&error, &JsValue::from_str(key), value);
    }
    error.into()
}

fn order_error(e: &OrderError) -> JsValue {
    js_error(
        "OrderError",
        &e.to_string(),
        &[
            ("path", JsValue::from_str(&e.path)),
            ("reason", JsValue::from_str(&e.message)),
        ],
    )
}

fn usage_error(path: &str, message: &str) -> JsValue {
    order_error(&OrderError {
        path: path.to_string(),
        message: message.to_string(),
    })
}

#[cfg(feature = "compiler")]
fn diagnostics_error(message: &str, diagnostics: &[crate::Diagnostic]) -> JsValue {
    let list = to_js(&diagnostics).unwrap_or_else(|_| Array::new().into());
    js_error("PolicyError", message, &[("diagnostics", list)])
}

/// The `PolicyError` of a policy source that does not compile: its errors counted in the
/// message, every diagnostic in `diagnostics` (`compilePolicy`, `reviewPolicy`).
#[cfg(feature = "compiler")]
fn policy_error(d: &crate::diagnostic::Diagnostics) -> JsValue {
    let errors = d.0.iter().filter(|d| d.is_error()).count();
    diagnostics_error(
        &format!(
            "the policy has {errors} error{}; see `diagnostics`",
            if errors == 1 { "" } else { "s" }
        ),
        &d.0,
    )
}

fn snapshot_kind(e: &SnapshotError) -> &'static str {
    match e {
        SnapshotError::BadMagic => "bad_magic",
        SnapshotError::UnsupportedVersion { .. } => "unsupported_version",
        SnapshotError::Truncated { .. } => "truncated",
        SnapshotError::LengthMismatch { .. } => "length_mismatch",
        SnapshotError::ChecksumMismatch { .. } => "checksum_mismatch",
        SnapshotError::Unsupported(_) => "unsupported",
        SnapshotError::MissingSection(_) => "missing_section",
        SnapshotError::BadSection { .. } => "bad_section",
        SnapshotError::BadMeta(_) => "bad_meta",
        SnapshotError::KeyRequired => "key_required",
        SnapshotError::WrongKey => "wrong_key",
        SnapshotError::SignatureRequired => "signature_required",
        SnapshotError::BadSignature => "bad_signature",
        SnapshotError::RulesAsText { .. } => "rules_as_text",
    }
}

fn load_error(e: &LoadError) -> JsValue {
    match e {
        LoadError::Snapshot(s) => js_error(
            "SnapshotError",
            &e.to_string(),
            &[("kind", JsValue::from_str(snapshot_kind(s)))],
        ),
        #[cfg(feature = "compiler")]
        LoadError::Rules(d) => {
            let list = json_to_js(&write::to_string(&d.0)).unwrap_or_else(|_| Array::new().into());
            js_error(
                "SnapshotError",
                &e.to_string(),
                &[("kind", JsValue::from_str("rules")), ("diagnostics", list)],
            )
        }
        LoadError::Rollback { serving, offered } => js_error(
            "SnapshotError",
            &e.to_string(),
            &[
                ("kind", JsValue::from_str("rollback")),
                ("serving", JsValue::from_str(&serving.to_rfc3339())),
                ("offered", JsValue::from_str(&offered.to_rfc3339())),
            ],
        ),
    }
}

fn internal_error(what: &str) -> JsValue {
    js_error(
        "Error",
        &format!("checkout-guard internal error: {what}"),
        &[],
    )
}

// ---------------------------------------------------------------------------
// Values across the boundary

/// JSON text (the crate's writer's) as a plain JS value.
fn json_to_js(text: &str) -> Result<JsValue, JsValue> {
    JSON::parse(text)
}

/// A Rust value as a plain JS value through serde (the compiler entry's results).
#[cfg(all(feature = "compiler", not(feature = "swb-boundary")))]
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value).map_err(|e| internal_error(&e.to_string()))?;
    JSON::parse(&text)
}

/// `JSON.stringify(value)`, or an error at `path` when it has no JSON form (a cycle, a
/// BigInt, `undefined`, a function).
fn stringify(value: &JsValue, path: &str) -> Result<String, JsValue> {
    if value.is_undefined() {
        return Err(usage_error(path, "expected an object, found undefined"));
    }
    match JSON::stringify(value) {
        Ok(text) => text.as_string().ok_or_else(|| {
            usage_error(
                path,
                "expected an object, found a value JSON cannot represent",
            )
        }),
        Err(e) => {
            let why = e
                .dyn_ref::<js_sys::Error>()
                .and_then(|e| e.message().as_string())
                .unwrap_or_default();
            Err(usage_error(
                path,
                &format!("cannot be read as JSON ({why})"),
            ))
        }
    }
}

/// [`to_js`] through serde-wasm-bindgen, for comparison (`--features swb-boundary`).
#[cfg(all(feature = "compiler", feature = "swb-boundary"))]
fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| internal_error(&e.to_string()))
}

/// [`read_order`] through serde-wasm-bindgen, for comparison: the JS object is walked
/// field by field into a `serde_json::Value`, written as text and read as usual.
#[cfg(feature = "swb-boundary")]
fn read_order(value: &JsValue) -> Result<Order, JsValue> {
    let value: serde_json::Value = serde_wasm_bindgen::from_value(value.clone())
        .map_err(|e| usage_error("", &format!("expected an object ({e})")))?;
    Order::from_json(&value.to_string()).map_err(|e| order_error(&e))
}

/// Reads an order from a JS value as its JSON text (the way for what
/// [`order_and_options`] could not read packed).
#[cfg(not(feature = "swb-boundary"))]
fn read_order(value: &JsValue) -> Result<Order, JsValue> {
    let text = stringify(value, "")?;
    Order::from_json(&text).map_err(|e| order_error(&e))
}

/// A time given as a `Date`, RFC 3339 text or epoch milliseconds; `path` names it in
/// errors.
fn read_time(value: &JsValue, path: &str) -> Result<Option<Timestamp>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    // Milliseconds first: the cheapest test, and what a server passing its clock gives.
    let millis = if let Some(ms) = value.as_f64() {
        ms
    } else if let Some(date) = value.dyn_ref::<js_sys::Date>() {
        date.get_time()
    } else if let Some(text) = value.as_string() {
        return Timestamp::parse_rfc3339(&text)
            .map(Some)
            .map_err(|e| usage_error(path, &e.to_string()));
    } else {
        return Err(usage_error(
            path,
            "expected a Date, an RFC 3339 string or epoch milliseconds",
        ));
    };
    if !millis.is_finite() {
        return Err(usage_error(path, "expected a valid date"));
    }
    // Within ±2^53 the conversion is exact; `as` saturates beyond, never traps.
    Ok(Some(Timestamp::from_millis(millis as i64)))
}

/// The JS clock, read once per call (what `Timestamp::now()` reads in WebAssembly too).
fn js_now() -> Timestamp {
    Timestamp::from_millis(js_sys::Date::now() as i64)
}

/// `options.key`: the merchant key as 32 hexadecimal digits (a key file's text) or a
/// 16-byte `Uint8Array`; absent means none (only demo-keyed snapshots load then).
fn read_key(options: &JsValue) -> Result<Option<SnapshotKey>, JsValue> {
    read_key_input(options, "key", SnapshotKey::parse, SnapshotKey::from_bytes)
}

/// `options.publicKey`: the public key signatures must verify against, as 64
/// hexadecimal digits (a `.pub` file's text) or a 32-byte `Uint8Array`; absent means
/// none (a signature is then not verified, and `signed` reads `false`).
fn read_public_key(options: &JsValue) -> Result<Option<PublicKey>, JsValue> {
    read_key_input(
        options,
        "publicKey",
        PublicKey::parse,
        PublicKey::from_bytes,
    )
}

/// `options[name]`: a key given as its file's text (hexadecimal, `parse`) or as its `N`
/// bytes in a `Uint8Array` (`from_bytes`); absent or null means none.
fn read_key_input<const N: usize, K>(
    options: &JsValue,
    name: &'static str,
    parse: fn(&str) -> Result<K, String>,
    from_bytes: fn([u8; N]) -> K,
) -> Result<Option<K>, JsValue> {
    let value = get(options, name);
    let path = format!("options.{name}");
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if let Some(text) = value.as_string() {
        return parse(&text).map(Some).map_err(|e| usage_error(&path, &e));
    }
    let what = if name == "key" { "key" } else { "public key" };
    if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
        let mut bytes = [0u8; N];
        if array.length() as usize != N {
            return Err(usage_error(
                &path,
                &format!("a {what} is {N} bytes (or {} hexadecimal digits)", 2 * N),
            ));
        }
        array.copy_to(&mut bytes);
        return Ok(Some(from_bytes(bytes)));
    }
    Err(usage_error(
        &path,
        &format!("expected the {what} as a hex string or a {N}-byte Uint8Array"),
    ))
}

/// The loading options of `Engine.fromBytes`, `engine.load` and `new Backtest`:
/// `key`, `publicKey` and (reloads only) `force`, a boolean.
fn load_options(options: &JsValue) -> Result<LoadOptions, JsValue> {
    let force = get(options, "force");
    let force = if force.is_undefined() || force.is_null() {
        false
    } else {
        force
            .as_bool()
            .ok_or_else(|| usage_error("options.force", "expected a boolean"))?
    };
    Ok(LoadOptions {
        key: read_key(options)?,
        public_key: read_public_key(options)?,
        force,
    })
}

thread_local! {
    /// The JS strings of the option names read so far: `check` reads `now`, `duplicate`,
    /// `locale` and `identity` on every call, and making each name a JS string again
    /// (UTF-8 → `TextDecoder`) cost as much as the read.
    static NAMES: std::cell::RefCell<Vec<(&'static str, JsValue)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// `object[key]`, undefined when `object` is not an object or the read throws.
/// `Reflect.get` itself throws on a primitive, so there is no `typeof` test first: one
/// call across the boundary fewer per option read, on every `check`.
fn get(object: &JsValue, key: &'static str) -> JsValue {
    let name = NAMES.with(|names| {
        // Nothing here calls back into `get`, so the table is never borrowed twice;
        // if it were, the name is simply made afresh.
        let Ok(mut names) = names.try_borrow_mut() else {
            return JsValue::from_str(key);
        };
        if let Some((_, name)) = names.iter().find(|(k, _)| *k == key) {
            return name.clone();
        }
        let name = JsValue::from_str(key);
        names.push((key, name.clone()));
        name
    });
    Reflect::get(object, &name).unwrap_or(JsValue::UNDEFINED)
}

fn check_options(options: &JsValue) -> Result<CheckOptions, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(CheckOptions {
            now: Some(js_now()),
            ..CheckOptions::default()
        });
    }
    if !options.is_object() {
        return Err(usage_error("options", "expected an object"));
    }
    let now = read_time(&get(options, "now"), "options.now")?.unwrap_or_else(js_now);
    let duplicate = get(options, "duplicate");
    let duplicate = if duplicate.is_undefined() || duplicate.is_null() {
        None
    } else {
        Some(
            duplicate
                .as_bool()
                .ok_or_else(|| usage_error("options.duplicate", "expected a boolean"))?,
        )
    };
    Ok(CheckOptions {
        now: Some(now),
        locale: read_string(options, "locale", "options.locale")?,
        identity: read_identity(&get(options, "identity"))?,
        duplicate,
        bought: read_bought(&get(options, "bought"))?,
    })
}

/// `options.bought`: `{SKU: units}` from a shared purchase memory (docs/semantics.md
/// §8.1); absent or null means the engine's own memory.
fn read_bought(value: &JsValue) -> Result<Option<Vec<(String, u64)>>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() {
        return Err(usage_error(
            "options.bought",
            "expected an object of units by SKU",
        ));
    }
    let mut out = Vec::new();
    let object: &js_sys::Object = value.unchecked_ref();
    for key in js_sys::Object::keys(object).iter() {
        let sku = key.as_string().unwrap_or_default();
        let units = Reflect::get(value, &key).ok().and_then(|v| v.as_f64());
        match units {
            // Whole, not negative, and exact in a JS number.
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0 => {
                out.push((sku, n as u64));
            }
            _ => {
                return Err(usage_error(
                    &format!("options.bought.{sku}"),
                    "expected a whole number of units, 0 or more",
                ))
            }
        }
    }
    Ok(Some(out))
}

/// `object[name]` as a string; absent or null means none.
fn read_string(
    object: &JsValue,
    name: &'static str,
    path: &str,
) -> Result<Option<String>, JsValue> {
    let value = get(object, name);
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    value
        .as_string()
        .map(Some)
        .ok_or_else(|| usage_error(path, "expected a string"))
}

/// `options.identity`: what the caller verified (camelCase keys); absent or null means
/// no binding, `{}` binding with nothing bound.
fn read_identity(value: &JsValue) -> Result<Option<Identity>, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    if !value.is_object() || Array::is_array(value) {
        return Err(usage_error("options.identity", "expected an object"));
    }
    let field = |name: &'static str| read_string(value, name, &format!("options.identity.{name}"));
    Ok(Some(Identity {
        customer_id: field("customerId")?,
        email: field("email")?,
        phone: field("phone")?,
        ip: field("ip")?,
        account_created_at: read_time(
            &get(value, "accountCreatedAt"),
            "options.identity.accountCreatedAt",
        )?,
        order_id: field("orderId")?,
    }))
}

/// An [`OrderKey`] as JS sees it: digests as 16 hexadecimal digits (a `u64` does not
/// fit a JS number), the window in milliseconds.
struct JsOrderKey {
    customer: String,
    basket: String,
    order_id: Option<String>,
    window_ms: i64,
}

impl ToJson for JsOrderKey {
    fn write_json(&self, w: &mut Writer) {
        let JsOrderKey {
            customer,
            basket,
            order_id,
            window_ms,
        } = self;
        w.begin_object();
        w.field("customer", customer);
        w.field("basket", basket);
        w.field("orderId", order_id);
        w.field("windowMs", window_ms);
        w.end_object();
    }
}

impl From<OrderKey> for JsOrderKey {
    fn from(k: OrderKey) -> Self {
        JsOrderKey {
            customer: hex(k.customer),
            basket: hex(k.basket),
            order_id: k.order_id.map(hex),
            window_ms: millis(k.window),
        }
    }
}

/// A digest as JS sees it: 16 hexadecimal digits (a `u64` does not fit a JS number).
fn hex(digest: u64) -> String {
    format!("{digest:016x}")
}

/// A window as JS sees it: milliseconds.
fn millis(d: crate::time::Duration) -> i64 {
    d.0 / 1_000_000
}

/// `engine.limitKey()`: [`crate::engine::LimitKey`] with its digests as 16 hex digits.
struct JsLimitKey {
    identities: Vec<String>,
    order_id: Option<String>,
    window_ms: i64,
    skus: Vec<JsLimitedSku>,
}

impl ToJson for JsLimitKey {
    fn write_json(&self, w: &mut Writer) {
        let JsLimitKey {
            identities,
            order_id,
            window_ms,
            skus,
        } = self;
        w.begin_object();
        w.field("identities", identities);
        w.field("orderId", order_id);
        w.field("windowMs", window_ms);
        w.field("skus", skus);
        w.end_object();
    }
}

struct JsLimitedSku {
    sku: String,
    units: u64,
}

impl ToJson for JsLimitedSku {
    fn write_json(&self, w: &mut Writer) {
        let JsLimitedSku { sku, units } = self;
        w.begin_object();
        w.field("sku", sku);
        w.field("units", units);
        w.end_object();
    }
}

impl From<crate::engine::LimitKey> for JsLimitKey {
    fn from(k: crate::engine::LimitKey) -> Self {
        JsLimitKey {
            identities: k.identities.into_iter().map(hex).collect(),
            order_id: k.order_id.map(hex),
            window_ms: millis(k.window),
            skus: k
                .skus
                .into_iter()
                .map(|(sku, units)| JsLimitedSku { sku, units })
                .collect(),
        }
    }
}

/// One order of `checkMany`, the way `check` reads it: packed when it is plain data, else
/// as its JSON text (the call's options are read once, by the caller).
fn many_order(order: &JsValue) -> Result<Order, OrderError> {
    #[cfg(not(feature = "swb-boundary"))]
    if let Some(order) = order_js::read_order(order) {
        return order;
    }
    stringify(order, "")
        .map_err(|_| OrderError {
            path: String::new(),
            message: "expected an object".to_string(),
        })
        .and_then(|text| Order::from_json(&text))
}

/// The order and options of `check`, `facts` and `explain` (options read first, so a bad
/// option is reported before a bad order, as always): packed when the order is plain
/// data (`wasm/order_js.rs`; the options too when they are the common kind), else the
/// options from the JS value and the order as its JSON text.
fn order_and_options(
    order: &JsValue,
    options: Option<JsValue>,
) -> Result<(Order, CheckOptions), JsValue> {
    let options = options.unwrap_or(JsValue::UNDEFINED);
    #[cfg(not(feature = "swb-boundary"))]
    if let Some((packed, order)) = order_js::read(order, &options) {
        let options = match packed {
            Some(options) => options,
            None => check_options(&options)?,
        };
        return Ok((order.map_err(|e| order_error(&e))?, options));
    }
    let options = check_options(&options)?;
    Ok((read_order(order)?, options))
}

// ---------------------------------------------------------------------------
// Engine

/// A loaded policy that checks orders (`new Engine()` for the embedded demo store).
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    inner: Engine,
    /// Makes `check`'s verdicts, holding the JS strings of the snapshot's constant parts.
    verdicts: VerdictWriter,
}

impl JsEngine {
    fn with(inner: Engine) -> Self {
        JsEngine {
            inner,
            verdicts: VerdictWriter::new(),
        }
    }
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    /// An engine on the embedded demo store snapshot.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Result<JsEngine, JsValue> {
        Engine::demo()
            .map(JsEngine::with)
            .map_err(|e| load_error(&e))
    }

    /// An engine on snapshot bytes and `options.key`, the merchant key they were
    /// compiled with (none: only a public or a demo-keyed snapshot loads); `options.merchant`, when
    /// given, must match the snapshot's merchant (guards against deploying another
    /// store's file).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: Vec<u8>,
        #[wasm_bindgen(unchecked_optional_param_type = "EngineOptions")] options: Option<JsValue>,
    ) -> Result<JsEngine, JsValue> {
        let (snapshot, _) = read_snapshot(bytes, options)?;
        let inner = Engine::new(snapshot).map_err(|e| load_error(&e))?;
        Ok(JsEngine::with(inner))
    }

    /// Replaces the snapshot; on error (`options.merchant`, `options.publicKey`
    /// included) the old one stays in use. A snapshot older than the one serving is
    /// refused (kind `rollback`) unless `options.force`.
    pub fn load(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] bytes: Vec<u8>,
        #[wasm_bindgen(unchecked_optional_param_type = "LoadOptions")] options: Option<JsValue>,
    ) -> Result<(), JsValue> {
        let (snapshot, options) = read_snapshot(bytes, options)?;
        self.inner
            .load_snapshot_with(snapshot, &options)
            .map_err(|e| load_error(&e))?;
        self.verdicts.clear();
        Ok(())
    }

    /// Judges one order.
    #[wasm_bindgen(unchecked_return_type = "Verdict")]
    pub fn check(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Order")] order: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let (order, options) = order_and_options(order, options)?;
        let verdict = self.inner.check_owned(order, &options);
        self.verdicts.write(&verdict)
    }

    /// The facts the rules read for `order` (`customer`, `order`, `items`, `verified`,
    /// `now`), to explain a verdict next to `ruleFacts()`. Read-only: nothing is
    /// recorded in the duplicate memory and no counter moves.
    #[wasm_bindgen(unchecked_return_type = "Facts")]
    pub fn facts(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Order")] order: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let (order, options) = order_and_options(order, options)?;
        json_to_js(&self.inner.facts_json(&order, &options))
    }

    /// Judges `order` as `check` does (recording it, moving the counters) and returns
    /// `{verdict, facts, suppressed}`: the verdict, the facts the rules read (as
    /// `facts()` gives them before the check), and the ids of firing rules an allow rule
    /// suppressed — what a rule editor needs to explain the decision.
    #[wasm_bindgen(unchecked_return_type = "Explanation")]
    pub fn explain(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Order")] order: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let (order, options) = order_and_options(order, options)?;
        json_to_js(&self.inner.explain_json(&order, &options))
    }

    /// What a shared duplicate memory needs to know about `order` under
    /// `options.identity` (`{customer, basket, orderId, windowMs}`, digests as 16 hex
    /// digits), or `null` for an anonymous order. Read-only.
    #[wasm_bindgen(js_name = orderKey, unchecked_return_type = "OrderKey | null")]
    pub fn order_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Order")] order: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let (order, options) = order_and_options(order, options)?;
        let key = self.inner.order_key(&order, &options).map(JsOrderKey::from);
        json_to_js(&write::to_string(&key))
    }

    /// What a shared purchase memory needs to know about `order` under
    /// `options.identity` (`{identities, orderId, windowMs, skus: [{sku, units}]}`,
    /// digests as 16 hex digits), or `null` when the order has no SKU with a
    /// `max_per_customer` or no identifier (docs/semantics.md §8.1). Read-only.
    #[wasm_bindgen(js_name = limitKey, unchecked_return_type = "LimitKey | null")]
    pub fn limit_key(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Order")] order: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let (order, options) = order_and_options(order, options)?;
        let key = self.inner.limit_key(&order, &options).map(JsLimitKey::from);
        json_to_js(&write::to_string(&key))
    }

    /// Judges an order given as JSON text and returns the verdict as JSON text (for an
    /// edge worker holding the request body: no parse on the JS side at all).
    #[wasm_bindgen(js_name = checkJson)]
    pub fn check_json(
        &mut self,
        text: &str,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
    ) -> Result<String, JsValue> {
        let options = check_options(&options.unwrap_or(JsValue::UNDEFINED))?;
        let verdict = self
            .inner
            .check_json(text, &options)
            .map_err(|e| order_error(&e))?;
        Ok(verdict.to_json())
    }

    /// Judges orders in turn (one engine, so duplicates are seen); an unusable order
    /// gives `{error: {path, message}}` in its place.
    #[wasm_bindgen(js_name = checkMany, unchecked_return_type = "CheckManyResult[]")]
    pub fn check_many(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "unknown[]")] orders: &JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CheckOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let options = check_options(&options.unwrap_or(JsValue::UNDEFINED))?;
        let list = orders
            .dyn_ref::<Array>()
            .ok_or_else(|| usage_error("", "expected an array of orders"))?;
        let out = Array::new();
        for order in list.iter() {
            let item = match many_order(&order) {
                Ok(order) => self
                    .verdicts
                    .write(&self.inner.check_owned(order, &options))?,
                Err(error) => {
                    // `{error: {path, message}}`
                    let mut w = Writer::new();
                    w.begin_object();
                    w.field("error", &error);
                    w.end_object();
                    json_to_js(&w.finish())?
                }
            };
            out.push(&item);
        }
        Ok(out.into())
    }

    /// What the snapshot in use is, and its policy's settings and rules (`policy`).
    #[wasm_bindgen(unchecked_return_type = "EngineInfo")]
    pub fn info(&self) -> Result<JsValue, JsValue> {
        json_to_js(&self.inner.info_json())
    }

    /// Counters since the engine was created or `resetStats()`: by decision, rule, reason
    /// code, list reason, category and the top SKUs.
    #[wasm_bindgen(unchecked_return_type = "EngineStats")]
    pub fn stats(&self) -> Result<JsValue, JsValue> {
        Ok(stats_js::stats(&self.inner.stats()))
    }

    /// Starts the counters of `stats()` afresh (all but `loads`; the duplicate memory is
    /// kept).
    #[wasm_bindgen(js_name = resetStats)]
    pub fn reset_stats(&mut self) {
        self.inner.reset_stats();
    }

    /// The fact paths each rule reads, by rule id (keys sorted by id).
    #[wasm_bindgen(js_name = ruleFacts, unchecked_return_type = "Record<string, string[]>")]
    pub fn rule_facts(&self) -> Result<JsValue, JsValue> {
        Ok(stats_js::rule_facts(&self.inner.rule_facts()))
    }
}

/// Snapshot bytes read and validated with `options.key` (kinds `key_required` and
/// `wrong_key` when it is missing or not the snapshot's) and `options.publicKey`
/// (`signature_required`, `bad_signature`), then held to `options.merchant` when
/// given: a snapshot of another merchant is a `SnapshotError` of kind `wrong_merchant`
/// whose `expected` and `found` name both, before any rule is compiled. Returns the
/// loading options too (`force` is for `load`). The bytes come as a `Vec`: wasm-bindgen
/// copies the `Uint8Array` into wasm memory either way, and a `Vec` is that copy, kept
/// (a `&[u8]` would be copied a second time: ~0.5 ms for a 2 MB snapshot).
fn read_snapshot(
    bytes: Vec<u8>,
    options: Option<JsValue>,
) -> Result<(Snapshot, LoadOptions), JsValue> {
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let expected = expected_merchant(&options)?;
    let options = load_options(&options)?;
    let snapshot =
        Snapshot::open_with(bytes, &options).map_err(|e| load_error(&LoadError::Snapshot(e)))?;
    warn_if_private_in_browser(&snapshot);
    let found = &snapshot.info().merchant;
    match expected {
        Some(want) if *found != want => Err(js_error(
            "SnapshotError",
            &format!("snapshot is for merchant `{found}`, expected `{want}`; deploy this store's own snapshot"),
            &[
                ("kind", JsValue::from_str("wrong_merchant")),
                ("expected", JsValue::from_str(&want)),
                ("found", JsValue::from_str(found)),
            ],
        )),
        _ => Ok((snapshot, options)),
    }
}

/// Warns loudly (`console.warn`) when a web page (`window` and `document` exist) loads
/// a private snapshot of a real store: whoever opens the page holds the file and its key
/// and can test any phone number against the blacklist (docs/SECURITY.md). Pages should
/// get a public snapshot; the demo store's, made with the published key, is exempt.
/// Edge workers and Node have no `window`, and are where private snapshots belong.
fn warn_if_private_in_browser(snapshot: &Snapshot) {
    if snapshot.info().profile != crate::snapshot::Profile::Private || snapshot.is_demo_keyed() {
        return;
    }
    let in_page = WINDOW.with(|w| !w.is_undefined()) && DOCUMENT.with(|d| !d.is_undefined());
    if in_page {
        console_warn(&format!(
            "checkout-guard: this page loaded the PRIVATE snapshot of `{}` with its key: anyone who opens the page can test phone numbers, emails and customer ids against the blacklist and read its reason codes and customer statistics. Give pages a public snapshot (`checkout-guard compile --profile public`, or compilePolicy(files, {{ key, profile: \"public\" }})), which loads without a key; keep the private snapshot and its key on the edge or backend, which decide.",
            snapshot.info().merchant
        ));
    }
}

// What `warn_if_private_in_browser` reads of the JS world: direct imports, cheaper in
// the runtime wasm than reflecting over `globalThis`.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = window)]
    static WINDOW: JsValue;
    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = document)]
    static DOCUMENT: JsValue;
    #[wasm_bindgen(js_namespace = console, js_name = warn)]
    fn console_warn(message: &str);
}

/// `options.merchant` of `Engine.fromBytes` and `engine.load`, if given.
fn expected_merchant(options: &JsValue) -> Result<Option<String>, JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok(None);
    }
    if !options.is_object() {
        return Err(usage_error("options", "expected an object"));
    }
    let want = get(options, "merchant");
    if want.is_undefined() || want.is_null() {
        return Ok(None);
    }
    want.as_string()
        .map(Some)
        .ok_or_else(|| usage_error("options.merchant", "expected a string"))
}

// ---------------------------------------------------------------------------
// Backtest: only in the compiler entry (wasm/backtest.rs).

#[cfg(feature = "compiler")]
mod backtest;
#[cfg(feature = "compiler")]
pub use backtest::JsBacktest;

// The list review (`reviewPolicy`): only in the compiler entry (wasm/review.rs).
#[cfg(feature = "compiler")]
mod review;
#[cfg(feature = "compiler")]
pub use review::review_policy;

// ---------------------------------------------------------------------------
// Policy compiler (the demo page's editor)

#[cfg(feature = "compiler")]
fn read_files(files: &JsValue) -> Result<crate::SourceFiles, JsValue> {
    let bad = || {
        usage_error(
            "files",
            "expected an object mapping file names (`policy.toml`, `blocklist.csv`…) to their text",
        )
    };
    if !files.is_object() || Array::is_array(files) {
        return Err(bad());
    }
    let text = stringify(files, "files")?;
    let files: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&text).map_err(|_| bad())?;
    Ok(crate::SourceFiles { files })
}

/// Compiles a policy source (file name → text) into snapshot bytes under `options.key`
/// (required: a `PolicyError` with a `key-required` diagnostic without it); throws a
/// `PolicyError` with `diagnostics` when it has errors.
#[cfg(feature = "compiler")]
#[wasm_bindgen(js_name = compilePolicy, unchecked_return_type = "CompiledPolicy")]
pub fn compile_policy(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "CompileOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let files = read_files(files)?;
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let created_at = if options.is_object() {
        read_time(&get(&options, "createdAt"), "options.createdAt")?
    } else {
        None
    }
    .unwrap_or_else(js_now);
    let profile = if options.is_object() {
        get(&options, "profile")
    } else {
        JsValue::UNDEFINED
    };
    let profile = if profile.is_undefined() {
        crate::snapshot::Profile::Private
    } else {
        profile
            .as_string()
            .and_then(|name| crate::snapshot::Profile::from_name(&name))
            .ok_or_else(|| usage_error("options.profile", "expected \"private\" or \"public\""))?
    };
    let options = crate::CompileOptions {
        created_at: Some(created_at),
        key: read_key(&options)?,
        profile,
    };
    let compiled = crate::compile_files(&files, &options).map_err(|d| policy_error(&d))?;
    let out = js_sys::Object::new();
    let set = |key: &str, value: &JsValue| Reflect::set(&out, &JsValue::from_str(key), value);
    set(
        "bytes",
        &js_sys::Uint8Array::from(compiled.bytes.as_slice()).into(),
    )?;
    set("warnings", &to_js(&compiled.warnings)?)?;
    set("info", &to_js(&compiled.info)?)?;
    set("entries", &to_js(&compiled.entries)?)?;
    Ok(out.into())
}

/// Every error and warning of a policy source, without building a snapshot: an array of
/// diagnostics with a non-enumerable `entries` (entries read per CSV file), so it still
/// compares and serializes as the plain array it always was.
#[cfg(feature = "compiler")]
#[wasm_bindgen(js_name = lintPolicy, unchecked_return_type = "LintResult")]
pub fn lint_policy(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: &JsValue,
) -> Result<JsValue, JsValue> {
    let files = read_files(files)?;
    let options = crate::CompileOptions {
        created_at: Some(js_now()),
        ..crate::CompileOptions::default()
    };
    let linted = crate::lint(&files, &options);
    let out = to_js(&linted.diagnostics)?;
    let entries = js_sys::Object::new();
    Reflect::set(
        &entries,
        &JsValue::from_str("value"),
        &to_js(&linted.entries)?,
    )?;
    js_sys::Object::define_property(&out.clone().into(), &JsValue::from_str("entries"), &entries);
    Ok(out)
}

/// The version of this package (the crate's).
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
