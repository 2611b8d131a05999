//! The JS `Backtest` class: replays past orders and reports what the policy would have
//! done. It ships only in the `checkout-guard/compiler` entry (`--features compiler`):
//! a checkout or an edge worker never backtests, and the runtime's wasm stays smaller
//! without it (docs/BENCHMARKS.md, "Size — issue 10"). The Rust `Backtest` and the CLI
//! are unaffected.

use super::{
    get, internal_error, js_error, js_now, load_error, load_options, read_time, stringify, to_js,
};
use crate::backtest::Backtest;
use crate::engine::Engine;
use crate::snapshot::LoadOptions;
use crate::time::Timestamp;

use wasm_bindgen::prelude::*;

// The types of `BacktestOptions` and `BacktestReport`, emitted only into the compiler
// entry's `.d.ts` together with the class.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("backtest.d.ts");

/// Replays past orders (each judged at its own `created_at`) and reports what the policy
/// would have done — the same report as `checkout-guard backtest --json`.
#[wasm_bindgen(js_name = Backtest)]
pub struct JsBacktest {
    inner: Option<Backtest>,
    fallback_now: Timestamp,
}

impl JsBacktest {
    fn running(&mut self) -> Result<&mut Backtest, JsValue> {
        self.inner.as_mut().ok_or_else(|| {
            js_error(
                "Error",
                "this backtest is finished; create a new Backtest to run another",
                &[],
            )
        })
    }
}

fn engine_for(bytes: Option<Vec<u8>>, options: &LoadOptions) -> Result<Engine, JsValue> {
    match bytes {
        Some(b) => Engine::open_with(b, options),
        None => Engine::demo(),
    }
    .map_err(|e| load_error(&e))
}

#[wasm_bindgen(js_class = Backtest)]
impl JsBacktest {
    /// A backtest of `bytes`' policy (the demo store when null), optionally compared
    /// with `baselineBytes`' policy (both under `options.key` and, when given,
    /// verified with `options.publicKey`); `options.now` judges orders without
    /// `created_at`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "Uint8Array | null")] bytes: Option<Vec<u8>>,
        #[wasm_bindgen(js_name = baselineBytes, unchecked_optional_param_type = "Uint8Array | null")]
        baseline_bytes: Option<Vec<u8>>,
        #[wasm_bindgen(unchecked_optional_param_type = "BacktestOptions")] options: Option<JsValue>,
    ) -> Result<JsBacktest, JsValue> {
        let options = options.unwrap_or(JsValue::UNDEFINED);
        let load = load_options(&options)?;
        let engine = engine_for(bytes, &load)?;
        let baseline = baseline_bytes
            .map(|b| engine_for(Some(b), &load))
            .transpose()?;
        let fallback_now = if options.is_object() {
            read_time(&get(&options, "now"), "options.now")?
        } else {
            None
        }
        .unwrap_or_else(js_now);
        Ok(JsBacktest {
            inner: Some(Backtest::new(engine, baseline)),
            fallback_now,
        })
    }

    /// Adds one order (an object, or one JSON line); returns how many inputs were
    /// consumed (1; an unusable one is counted in the report's `unusable`).
    pub fn add(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Order | string")] order: &JsValue,
    ) -> Result<u32, JsValue> {
        let now = self.fallback_now;
        let text = match order.as_string() {
            Some(line) => line,
            None => stringify(order, "").unwrap_or_default(),
        };
        let bt = self.running()?;
        let _ = bt.add_json(text.trim_start_matches('\u{feff}'), now);
        Ok(1)
    }

    /// Adds every non-blank line of JSON Lines text; returns how many were consumed.
    #[wasm_bindgen(js_name = addJsonLines)]
    pub fn add_json_lines(&mut self, text: &str) -> Result<u32, JsValue> {
        let now = self.fallback_now;
        let bt = self.running()?;
        let mut count = 0u32;
        for line in text.lines() {
            let line = line.trim_start_matches('\u{feff}');
            if line.trim().is_empty() {
                continue;
            }
            let _ = bt.add_json(line, now);
            count = count.saturating_add(1);
        }
        Ok(count)
    }

    /// The report; the backtest cannot be added to afterwards.
    #[wasm_bindgen(unchecked_return_type = "BacktestReport")]
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        self.running()?;
        match self.inner.take() {
            Some(bt) => to_js(&bt.finish()),
            None => Err(internal_error("backtest vanished")),
        }
    }
}
