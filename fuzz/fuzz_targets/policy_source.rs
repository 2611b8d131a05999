//! Arbitrary policy text (the first byte picks `policy.toml` or `policy.json`) with the
//! demo store's CSV files: `source::read` and `compile_files` give diagnostics, never a
//! panic; a source that fails to read never compiles; a compile that fails has an
//! error and one that succeeds loads back (`compile_and_exercise`).
#![no_main]

use checkout_guard::{source, SourceFiles};
use checkout_guard_fuzz::{compile_and_exercise, DEMO_FILES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let name = if pick & 1 == 0 {
        "policy.toml"
    } else {
        "policy.json"
    };
    let files = SourceFiles::from_pairs(
        DEMO_FILES
            .into_iter()
            .filter(|(n, _)| *n != "policy.toml")
            .chain([(name, text)]),
    );
    let read = source::read(&files);
    if let Err(diagnostics) = &read {
        assert!(diagnostics.0.iter().any(|d| d.is_error()));
    }
    let compiled = compile_and_exercise(&files);
    if let (Some(info), Ok(read)) = (&compiled, &read) {
        assert_eq!(info.rules, read.source.policy.rules.len());
        assert_eq!(info.merchant, read.source.policy.merchant);
    }
    assert!(
        read.is_ok() || compiled.is_none(),
        "compiled a source that does not read"
    );
});
