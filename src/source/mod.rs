//! Reading a merchant's policy source folder (PRODUCT §2): `policy.toml` or
//! `policy.json`, `blocklist.csv`, `catalog.csv`, `customers.csv`.
//!
//! STUB — the source/snapshot helper replaces this file.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::PolicySource;
use std::collections::BTreeMap;
use std::path::Path;

/// The files of a policy source, by file name (`policy.toml` → its text). Built from a
/// folder by the CLI, or from in-memory texts by the demo page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFiles {
    /// File name → UTF-8 text.
    pub files: BTreeMap<String, String>,
}

impl SourceFiles {
    /// Reads the known files of a folder.
    pub fn read_dir(dir: &Path) -> Result<SourceFiles, Diagnostic> {
        let _ = dir;
        Ok(SourceFiles::default())
    }
}

/// A source read successfully: the data plus where each rule's `when` text starts in
/// the policy file (byte offset, to locate rule diagnostics) and any warnings.
#[derive(Debug, Clone)]
pub struct ReadSource {
    /// The validated, normalized data.
    pub source: PolicySource,
    /// Policy file name (`policy.toml` or `policy.json`).
    pub policy_file: String,
    /// For each rule, byte offset of the first character of its `when` expression in
    /// the policy file, when it can be known exactly.
    pub when_offsets: Vec<Option<usize>>,
    /// Non-fatal findings.
    pub warnings: Vec<Diagnostic>,
}

/// Parses and validates every file. Rules' `when` expressions are not checked here
/// (see `compile`).
pub fn read(files: &SourceFiles) -> Result<ReadSource, Diagnostics> {
    let _ = files;
    Err(Diagnostic::error("stub", "not implemented").into())
}
