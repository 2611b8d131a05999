//! `checkout-guard case REF ORDERS…`: finds the orders of a log whose case reference
//! (the `{case}` of a customer message, `checkout_guard::case_ref`) is REF, so support
//! can answer a customer who quotes one (docs/semantics.md §9.5, docs/SECURITY.md "Case
//! references").

use crate::{input, load_engine, open_input, Fail};
use checkout_guard::{case_ref, LoadOptions, Order};
use std::io::Write;
use std::path::Path;

/// Prints `FILE:LINE: ORDER` for every order of `files` with reference `reference` at
/// the merchant `merchant`, else that of the snapshot (default: the demo store). Exit 0
/// when some order matched, 1 when none did (as `grep`), 2 when the reference cannot be
/// read or a file cannot be.
pub fn run(
    reference: &str,
    merchant: Option<&str>,
    snapshot: Option<&Path>,
    load: &LoadOptions,
    files: &[std::path::PathBuf],
) -> Result<u8, Fail> {
    let code = case_ref::parse(reference).ok_or_else(|| {
        Fail(
            2,
            format!(
                "`{reference}` is not a case reference: eight letters and digits, e.g. `7KQ2-M9XD`"
            ),
        )
    })?;
    let merchant = match merchant {
        Some(m) => m.to_string(),
        None => load_engine(snapshot, load)?.info().merchant.clone(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut found = 0usize;
    for path in files {
        let mut texts: Vec<(usize, String)> = Vec::new();
        match open_input(path)? {
            input::Input::Empty => {}
            input::Input::Document(text) => texts.extend(text.ok().map(|t| (1, t))),
            input::Input::Lines(lines) => {
                for item in lines {
                    let (line, text) = item?;
                    texts.extend(text.ok().map(|t| (line, t)));
                }
            }
        }
        // An unusable order cannot have been shown a message: it is skipped.
        for (line, text) in texts {
            let Ok(order) = Order::from_json(&text) else {
                continue;
            };
            if case_ref::matches(code, &merchant, &order) {
                found += 1;
                // One line per order: a log line as it is, a pretty-printed document
                // compacted.
                let text = text.trim();
                let compact = match text.contains('\n') {
                    true => serde_json::from_str::<serde_json::Value>(text)
                        .map_or_else(|_| text.to_string(), |v| v.to_string()),
                    false => text.to_string(),
                };
                writeln!(out, "{}:{line}: {compact}", path.display())?;
            }
        }
    }
    out.flush()?;
    if found == 0 {
        eprintln!(
            "checkout-guard: no order of `{merchant}` has case reference {}",
            reference.trim()
        );
        return Ok(1);
    }
    Ok(0)
}
