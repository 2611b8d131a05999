//! The compile pipeline: source files → checked rules → snapshot bytes, plus `lint`.
//!
//! `source::read_parts` reads every file; each rule's `when` goes through
//! `rules::compile`, whose spans (offsets into the expression) are moved into the policy
//! file so a type error points at its line and column there; then the snapshot is
//! written and loaded back once, which both double-checks the writer and yields the
//! statistics `inspect` would show.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::PolicySource;
use crate::snapshot::{self, Snapshot, SnapshotInfo, WriteOptions};
use crate::source::{self, SourceFiles};
use crate::time::Timestamp;
use std::path::Path;

/// Options for compiling.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// Creation time recorded in the snapshot (default: now). Fixing it makes output
    /// reproducible.
    pub created_at: Option<Timestamp>,
    /// Key for identifier hashes (default: derived from the content and `created_at`).
    pub key: Option<[u8; 16]>,
}

/// A successful compile.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The snapshot bytes.
    pub bytes: Vec<u8>,
    /// Warnings (never errors).
    pub warnings: Vec<Diagnostic>,
    /// What `inspect` reports about the snapshot (sizes, counts, checksum).
    pub info: SnapshotInfo,
}

/// Checks every rule of `policy`, returning all diagnostics located in the policy file.
fn check_rules(
    policy: &crate::model::Policy,
    policy_file: &str,
    policy_text: &str,
    when_offsets: &[Option<usize>],
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, rule) in policy.rules.iter().enumerate() {
        let offset = when_offsets.get(i).copied().flatten();
        let place = |d: Diagnostic| {
            let d = match offset {
                Some(base) => d.locate(policy_text, base),
                None => d,
            };
            d.in_file(policy_file).in_rule(&rule.id)
        };
        match crate::rules::compile(&rule.when, rule.scope) {
            Ok((_, warnings)) => out.extend(warnings.into_iter().map(place)),
            Err(errors) => out.extend(errors.into_iter().map(place)),
        }
    }
    out
}

/// Warnings that need the compile time: entries already expired when compiled.
fn time_warnings(source: &PolicySource, created_at: Timestamp) -> Vec<Diagnostic> {
    let expired = source
        .blocklist
        .iter()
        .filter(|e| e.expires_at.is_some_and(|t| t <= created_at))
        .count();
    if expired == 0 {
        return Vec::new();
    }
    vec![Diagnostic::warning(
        "expired-entries",
        format!(
            "{expired} blocklist entr{} had already expired at compile time ({})",
            if expired == 1 { "y" } else { "ies" },
            created_at
        ),
    )
    .with_help("they never match; remove them from the export to keep the snapshot small")
    .in_file("blocklist.csv")]
}

/// Compiles in-memory source files.
pub fn compile_files(
    files: &SourceFiles,
    options: &CompileOptions,
) -> Result<Compiled, Diagnostics> {
    let parts = source::read_parts(files);
    let mut diags = parts.diagnostics;
    let policy_text = files
        .files
        .get(&parts.policy_file)
        .map_or("", String::as_str);
    if let Some(policy) = &parts.policy {
        diags.extend(check_rules(
            policy,
            &parts.policy_file,
            policy_text,
            &parts.when_offsets,
        ));
    }
    let policy = match parts.policy {
        Some(p) if !diags.iter().any(Diagnostic::is_error) => p,
        _ => return Err(Diagnostics(diags)),
    };
    let source = PolicySource {
        policy,
        blocklist: parts.source_blocklist,
        catalog: parts.source_catalog,
        customers: parts.source_customers,
    };
    let created_at = options.created_at.unwrap_or_else(Timestamp::now);
    diags.extend(time_warnings(&source, created_at));
    let write_options = WriteOptions {
        created_at,
        key: options.key,
    };
    let bytes = snapshot::write(&source, &write_options).map_err(|d| {
        diags.push(d);
        Diagnostics(diags.clone())
    })?;
    let info = Snapshot::from_bytes(bytes.clone())
        .map_err(|e| {
            Diagnostic::error(
                "internal",
                format!("the written snapshot does not load back: {e}"),
            )
            .with_help("this is a bug in checkout-guard; please report it with the source folder")
        })?
        .info()
        .clone();
    Ok(Compiled {
        bytes,
        warnings: diags,
        info,
    })
}

/// Reads a folder and compiles it.
pub fn compile_dir(dir: &Path, options: &CompileOptions) -> Result<Compiled, Diagnostics> {
    let files = SourceFiles::read_dir(dir)?;
    compile_files(&files, options)
}

/// Every diagnostic (errors and warnings) for a source, without writing a snapshot.
pub fn lint_files(files: &SourceFiles) -> Vec<Diagnostic> {
    match compile_files(files, &CompileOptions::default()) {
        Ok(c) => c.warnings,
        Err(d) => d.0,
    }
}
