//! The compiler's private path hashes `blocklist.csv` as it reads it (issue 10: 10 M
//! entries in bounded memory). It must write the very bytes, and report the very
//! diagnostics, of the path that keeps every row as a `BlockEntry` (`source::read` then
//! `snapshot::write`, what the library and the tests use).

use checkout_guard::compile::{compile_files, lint, CompileOptions};
use checkout_guard::snapshot::{self, Profile, SnapshotKey, WriteOptions, DEMO_KEY};
use checkout_guard::source::{self, SourceFiles};
use checkout_guard::{Code, Diagnostic, Timestamp};
use std::path::Path;

fn fixture() -> SourceFiles {
    SourceFiles::read_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minimal"))
        .unwrap()
}

fn key() -> SnapshotKey {
    SnapshotKey::from_bytes([7; 16])
}

fn created_at() -> Timestamp {
    Timestamp::parse_rfc3339("2026-12-01T00:00:00Z").unwrap()
}

/// A blocklist with what the two paths could disagree on: every kind, spellings that
/// normalize alike, repeated entries (same and other expiry), one entry under several
/// levels and reasons, sub-second and past expiries, reasons in no sorted order.
fn tricky_blocklist(rows: usize) -> String {
    let kinds = [
        ("customer_id", "C{}"),
        ("email", "User{}@Example.com"),
        ("phone", "+86 139 0000 {:04}"),
        ("device_id", "dev-{}"),
        ("address", "文三路{}号"),
        ("payment_fingerprint", "pf_{}"),
        ("ip", "10.0.{}.1"),
    ];
    let reasons = ["ZETA", "ALPHA", "MU", "BETA"];
    let levels = ["watch", "step_up", "block"];
    let expiries = [
        "",
        "2027-01-01T00:00:00Z",
        "2027-01-01T00:00:00.5Z",
        "2026-06-01T00:00:00Z",
    ];
    let mut csv = String::from("kind,value,level,reason,added_at,expires_at,note\n");
    for i in 0..rows {
        let (kind, pattern) = kinds[i % kinds.len()];
        // Every 5th row repeats an earlier identifier, some with other spellings.
        let n = if i % 5 == 4 { i / 3 % 40 } else { i % 200 };
        let value = pattern
            .replace("{}", &n.to_string())
            .replace("{:04}", &format!("{n:04}"));
        let value = if i % 10 == 9 {
            value.to_uppercase()
        } else {
            value
        };
        csv.push_str(&format!(
            "{kind},{value},{},{},2025-01-01T00:00:00Z,{},\n",
            levels[i / 7 % 3],
            reasons[i / 11 % 4],
            expiries[i / 13 % 4]
        ));
    }
    csv
}

fn with_blocklist(csv: String) -> SourceFiles {
    let mut files = fixture();
    files.files.insert("blocklist.csv".into(), csv);
    files
}

fn options(profile: Profile) -> CompileOptions {
    CompileOptions {
        created_at: Some(created_at()),
        key: Some(key()),
        profile,
    }
}

fn rendered(diags: &[Diagnostic]) -> Vec<String> {
    diags.iter().map(|d| d.render(None)).collect()
}

#[test]
fn the_hashed_path_writes_the_bytes_of_the_entries_path() {
    let files = with_blocklist(tricky_blocklist(2_000));
    let compiled = compile_files(&files, &options(Profile::Private)).unwrap();
    let read = source::read(&files).unwrap();
    let written = snapshot::write(
        &read.source,
        &WriteOptions {
            created_at: created_at(),
            key: key(),
        },
    )
    .unwrap();
    assert_eq!(compiled.bytes, written);
    assert_eq!(compiled.entries["blocklist.csv"], 2_000);
    // Duplicates were found (and merged), so the comparison covered them.
    assert!(compiled
        .warnings
        .iter()
        .any(|d| d.message.contains("the same entry is on line")));
    assert!(compiled
        .warnings
        .iter()
        .any(|d| d.code == Code::ExpiredEntries));
}

#[test]
fn the_hashed_reader_reports_what_the_entries_reader_reports() {
    // Problems among good rows: a bad kind, an empty reason twice (a duplicate too), a
    // bad level, an expiry before its addition, and over 100 duplicate warnings (the
    // per-file cap must cut at the same place).
    let mut csv = tricky_blocklist(3_000);
    csv.push_str("fax,123,block,X,,,\n");
    csv.push_str("email,a@b.c,block,,,,\n");
    csv.push_str("email,a@b.c,block,,,,\n");
    csv.push_str("email,a@b.c,severe,X,,,\n");
    csv.push_str("email,a@b.c,block,X,2026-01-01T00:00:00Z,2025-01-01T00:00:00Z,\n");
    let files = with_blocklist(csv);
    let hashed = source::read_parts_hashed(&files, &key());
    let entries = source::read_parts(&files);
    assert!(hashed.source_blocklist.is_empty());
    assert_eq!(
        hashed.hashed_blocklist.as_ref().map(|b| b.len()),
        Some(entries.source_blocklist.len())
    );
    assert_eq!(
        rendered(&hashed.diagnostics),
        rendered(&entries.diagnostics)
    );
    assert!(hashed
        .diagnostics
        .iter()
        .any(|d| d.code == Code::TooManyDiagnostics));
    // `lint` goes through the hashed path: the same diagnostics as reading plainly.
    let linted = lint(&files, &options(Profile::Private));
    assert_eq!(linted.entries, entries.entries);
}

#[test]
fn more_than_256_reasons_are_refused_by_both_profiles() {
    let mut csv = String::from("kind,value,level,reason,added_at,expires_at,note\n");
    for i in 0..257 {
        csv.push_str(&format!("email,u{i}@example.com,block,R{i},,,\n"));
    }
    let files = with_blocklist(csv);
    for profile in [Profile::Private, Profile::Public] {
        let err = compile_files(&files, &options(profile)).unwrap_err();
        assert!(
            err.0.iter().any(|d| d.code == Code::TooManyReasons),
            "{profile:?}: {:?}",
            rendered(&err.0)
        );
    }
}

#[test]
fn the_demo_key_lints_a_blocklist_like_any_key() {
    let files = with_blocklist(tricky_blocklist(300));
    let demo = lint(
        &files,
        &CompileOptions {
            created_at: Some(created_at()),
            key: Some(DEMO_KEY),
            ..CompileOptions::default()
        },
    );
    let other = lint(&files, &options(Profile::Private));
    assert_eq!(rendered(&demo.diagnostics), rendered(&other.diagnostics));
}
