//! Arbitrary rule expressions (the first byte picks the order or item scope):
//! `rules::compile` gives a program or errors, every error an error and every warning
//! a warning, with spans inside the expression; a program evaluates against fixed
//! facts (each line in item scope) to the same answer twice, and compiling the same
//! text again gives the same answers.
#![no_main]

use checkout_guard::model::Scope;
use checkout_guard::rules::compile;
use checkout_guard::Diagnostic;
use libfuzzer_sys::fuzz_target;

#[path = "shared/rule_facts.rs"]
mod rule_facts;
use rule_facts::answers;

fn spans_inside(d: &Diagnostic, len: usize) {
    for s in &d.spans {
        if let (Some(start), Some(end)) = (s.start, s.end) {
            assert!(
                start <= end && end <= len,
                "span {start}..{end} outside 0..{len}: {d:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(expr) = std::str::from_utf8(rest) else {
        return;
    };
    let scope = if pick & 1 == 0 {
        Scope::Order
    } else {
        Scope::Item
    };
    let tags = ["limited_edition".to_string(), "tea".to_string()];
    let verified = ["sms_otp".to_string()];
    let facts = rule_facts::facts(&tags, &verified);
    match compile(expr, scope) {
        Err(errors) => {
            assert!(!errors.is_empty(), "a refused expression without an error");
            for e in &errors {
                assert!(e.is_error(), "{e:?}");
                spans_inside(e, expr.len());
            }
        }
        Ok((program, warnings)) => {
            for w in &warnings {
                assert!(!w.is_error(), "{w:?}");
                spans_inside(w, expr.len());
            }
            assert_eq!(program.scope(), scope);
            let first = answers(&program, &facts);
            assert_eq!(
                first,
                answers(&program, &facts),
                "evaluation is not deterministic"
            );
            let (again, _) = compile(expr, scope).expect("compiles the second time");
            assert_eq!(
                first,
                answers(&again, &facts),
                "a recompiled rule answers otherwise"
            );
        }
    }
});
