//! `reviewPolicy`: the list review of `checkout-guard review` (`crate::review`) for the
//! demo page, in the `checkout-guard/compiler` entry only (`--features compiler`), like
//! `compilePolicy`: it reads a policy source, which a checkout never holds.

use super::{get, js_now, policy_error, read_files, read_time, to_js, usage_error};
use crate::review::{review, ReviewOptions, DEFAULT_WITHIN};
use crate::time::parse_setting_duration;

use wasm_bindgen::prelude::*;

// The types of `ReviewOptions` and `PolicyReview`, emitted only into the compiler
// entry's `.d.ts`.
#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = include_str!("review.d.ts");

/// The list's health for its periodic review — the same report as `checkout-guard
/// review --json`; throws a `PolicyError` with `diagnostics` when the source has errors.
#[wasm_bindgen(js_name = reviewPolicy, unchecked_return_type = "PolicyReview")]
pub fn review_policy(
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: &JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ReviewOptions")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let files = read_files(files)?;
    let options = options.unwrap_or(JsValue::UNDEFINED);
    let (now, within) = if options.is_object() {
        (
            read_time(&get(&options, "now"), "options.now")?,
            get(&options, "within"),
        )
    } else {
        (None, JsValue::UNDEFINED)
    };
    let within = if within.is_undefined() {
        DEFAULT_WITHIN
    } else {
        within
            .as_string()
            .and_then(|text| parse_setting_duration(&text).ok())
            .filter(|d| d.0 > 0)
            .ok_or_else(|| {
                usage_error(
                    "options.within",
                    "expected a positive duration such as \"30d\", \"12h\" or \"1h30m\"",
                )
            })?
    };
    let options = ReviewOptions {
        now: now.unwrap_or_else(js_now),
        within,
    };
    let report = review(&files, &options).map_err(|d| policy_error(&d))?;
    to_js(&report)
}
