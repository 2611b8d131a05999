//! Arbitrary stored rule programs (the `PROG` node encoding, docs/snapshot-format.md;
//! the first byte picks the order or item scope): `rules::decode_program` refuses them
//! or gives a program that evaluates against fixed facts without panicking, to the
//! same answers twice, and whose own encoding decodes to a program with the same
//! answers and facts read.
#![no_main]

use checkout_guard::model::{Issue, Level, Scope};
use checkout_guard::rules::decode_program;
use checkout_guard::rules::schema::{fact_path, CUSTOMER, ITEM, ORDER, ROOTS, SHIPPING};
use libfuzzer_sys::fuzz_target;

#[path = "shared/rule_facts.rs"]
mod rule_facts;
use rule_facts::answers;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let scope = if pick & 1 == 0 {
        Scope::Order
    } else {
        Scope::Item
    };
    // Every name a program may refer to, and one this build does not know.
    let mut names: Vec<String> = [ROOTS, CUSTOMER, ORDER, SHIPPING, ITEM]
        .iter()
        .flat_map(|t| t.iter().map(|e| fact_path(e.field)))
        .collect();
    names.extend(Level::NAMES.iter().chain(Issue::NAMES).map(|n| n.to_string()));
    names.push("customer.unknown".to_string());
    let names: Vec<&str> = names.iter().map(String::as_str).collect();

    let Ok(program) = decode_program(bytes, &names, scope) else {
        return;
    };
    assert_eq!(program.scope(), scope);
    let tags = ["limited_edition".to_string(), "tea".to_string()];
    let verified = ["sms_otp".to_string()];
    let facts = rule_facts::facts(&tags, &verified);
    let first = answers(&program, &facts);
    assert_eq!(first, answers(&program, &facts), "evaluation is not deterministic");

    let mut own = Vec::new();
    let encoded = program.encode(&mut own);
    let own: Vec<&str> = own.iter().map(String::as_str).collect();
    let again = decode_program(&encoded, &own, scope).expect("its own encoding decodes");
    assert_eq!(again.facts_read(), program.facts_read());
    assert_eq!(first, answers(&again, &facts), "the re-encoded program answers otherwise");
});
