//! Reading a merchant's policy source folder (docs/semantics.md §2): `policy.toml` or
//! `policy.json`, `blocklist.csv`, `catalog.csv`, `customers.csv`.
//!
//! Every file is read even when an earlier one has errors, so one run reports every
//! problem; each diagnostic names its file, line and column (`docs/policy.md` lists
//! them all). Values are normalized here (identifiers per [`crate::normalize`], prices
//! to minor units), so the snapshot writer only serializes.

mod policy;
mod tables;

pub use policy::{
    DEFAULT_COUNTRY_CODE, DEFAULT_DUPLICATE_WINDOW, DEFAULT_HIGH_VALUE_THRESHOLD, DEFAULT_LOCALE,
    DEFAULT_VALID_FOR,
};
pub use tables::{BLOCKLIST_COLUMNS, CATALOG_COLUMNS, CATALOG_OPTIONAL_COLUMNS, CUSTOMERS_COLUMNS};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::{Policy, PolicySource};
use crate::normalize;
use crate::snapshot::{HashedBlocklist, SnapshotKey};
use std::collections::BTreeMap;
use std::path::Path;
use tables::BlocklistSink;

/// The files a policy source folder may hold.
pub const KNOWN_FILES: [&str; 5] = [
    "policy.toml",
    "policy.json",
    "blocklist.csv",
    "catalog.csv",
    "customers.csv",
];

/// The files of a policy source, by file name (`policy.toml` → its text). Built from a
/// folder by the CLI, or from in-memory texts by the demo page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceFiles {
    /// File name → UTF-8 text.
    pub files: BTreeMap<String, String>,
}

impl SourceFiles {
    /// Reads the known files of a folder (others are ignored). A missing folder, an
    /// unreadable file or one that is not UTF-8 is an error naming the file.
    #[allow(clippy::result_large_err)] // `Diagnostic` is the crate's one error type
    pub fn read_dir(dir: &Path) -> Result<SourceFiles, Diagnostic> {
        if !dir.is_dir() {
            return Err(Diagnostic::error(
                Code::SourceFolder,
                format!("`{}` is not a folder", dir.display()),
            )
            .with_help("pass the folder holding `policy.toml` and the CSV files"));
        }
        let mut files = BTreeMap::new();
        for name in KNOWN_FILES {
            let path = dir.join(name);
            if !path.exists() {
                continue;
            }
            let bytes = std::fs::read(&path).map_err(|e| {
                Diagnostic::error(
                    Code::SourceFile,
                    format!("cannot read `{}`: {e}", path.display()),
                )
                .in_file(name)
            })?;
            let text = String::from_utf8(bytes).map_err(|e| {
                let at = e.utf8_error().valid_up_to();
                let (line, column) = line_column(e.as_bytes(), at);
                Diagnostic::error(Code::SourceEncoding, format!("`{name}` is not valid UTF-8"))
                    .with_help("save the file as UTF-8 (Excel: \"CSV UTF-8\")")
                    .in_file(name)
                    .at_line_column(line, column)
            })?;
            files.insert(name.to_string(), text);
        }
        Ok(SourceFiles { files })
    }

    /// A source from `(name, text)` pairs.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> SourceFiles {
        SourceFiles {
            files: pairs
                .into_iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
        }
    }
}

fn line_column(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = bytes.get(..at).unwrap_or(bytes);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or(&[]))
        .chars()
        .count()
        + 1;
    (line, column)
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
    /// See [`ReadParts::entries`].
    pub entries: BTreeMap<String, usize>,
    /// See [`ReadParts::hashed_blocklist`]; when set, `source.blocklist` is empty.
    pub hashed_blocklist: Option<HashedBlocklist>,
}

/// Everything read, even when some files had errors: `compile` still checks the rules
/// of a policy whose CSVs are broken, so one run reports every problem.
#[derive(Debug, Clone)]
pub struct ReadParts {
    /// The policy, when its file had no error.
    pub policy: Option<Policy>,
    /// Policy file name (`policy.toml` or `policy.json`, or `policy.toml` if none).
    pub policy_file: String,
    /// See [`ReadSource::when_offsets`].
    pub when_offsets: Vec<Option<usize>>,
    /// Where each message text starts in the policy file (`[locale][key]`), for
    /// diagnostics about its placeholders.
    pub message_offsets: BTreeMap<String, BTreeMap<String, usize>>,
    /// `blocklist.csv` rows without errors (empty when read by [`read_parts_hashed`]).
    pub source_blocklist: Vec<crate::model::BlockEntry>,
    /// The same rows hashed under the merchant key, when read by [`read_parts_hashed`].
    pub hashed_blocklist: Option<HashedBlocklist>,
    /// `catalog.csv` rows without errors.
    pub source_catalog: Vec<crate::model::CatalogItem>,
    /// `customers.csv` rows without errors.
    pub source_customers: Vec<crate::model::CustomerRecord>,
    /// Every error and warning, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// For each CSV file of the source, the entries read from it (rows without errors),
    /// so a row lost to a quoting mistake shows as a count lower than expected.
    pub entries: BTreeMap<String, usize>,
}

/// Reads every file, collecting all diagnostics.
pub fn read_parts(files: &SourceFiles) -> ReadParts {
    read_parts_into(files, None)
}

/// [`read_parts`], hashing `blocklist.csv` under `key` as it is read
/// ([`ReadParts::hashed_blocklist`]) instead of keeping its rows as strings: what a
/// private snapshot needs, in 24 bytes a row (issue 10: 10 M entries compile in bounded
/// memory). The diagnostics are the same.
pub fn read_parts_hashed(files: &SourceFiles, key: &SnapshotKey) -> ReadParts {
    read_parts_into(files, Some(key))
}

fn read_parts_into(files: &SourceFiles, key: Option<&SnapshotKey>) -> ReadParts {
    let mut diags = Vec::new();
    let toml = files.files.get("policy.toml");
    let json = files.files.get("policy.json");
    let (policy_file, text) = match (toml, json) {
        (Some(t), None) => ("policy.toml", Some(t)),
        (None, Some(j)) => ("policy.json", Some(j)),
        (Some(t), Some(_)) => {
            diags.push(
                Diagnostic::error(
                    Code::PolicyFile,
                    "both `policy.toml` and `policy.json` exist; keep exactly one",
                )
                .in_file("policy.json"),
            );
            ("policy.toml", Some(t))
        }
        (None, None) => {
            diags.push(
                Diagnostic::error(Code::PolicyFile, "the source has no `policy.toml`")
                    .with_help("create `policy.toml` (or `policy.json`) with `merchant`, `currency` and `[[rule]]`s; see docs/policy.md"),
            );
            ("policy.toml", None)
        }
    };
    let read = text.and_then(|t| policy::read_policy(policy_file, t, &mut diags));
    let (policy, when_offsets, message_offsets) = match read {
        Some(r) => (Some(r.policy), r.when_offsets, r.message_offsets),
        None => (None, Vec::new(), Default::default()),
    };
    let rules = policy.as_ref().map_or(
        normalize::Rules::with_country_code(DEFAULT_COUNTRY_CODE),
        normalize::Rules::of,
    );
    let currency = policy.as_ref().map_or("CNY", |p| p.currency.as_str());

    let mut entries = BTreeMap::new();
    let mut sink = match key {
        // Sized from the line count, so a large list's rows and index are allocated once.
        Some(key) => BlocklistSink::hashed(
            key,
            files
                .files
                .get("blocklist.csv")
                .map_or(0, |t| line_count(t)),
        ),
        None => BlocklistSink::entries(),
    };
    if let Some(text) = files.files.get("blocklist.csv") {
        tables::read_blocklist("blocklist.csv", text, &rules, &mut sink, &mut diags);
        entries.insert("blocklist.csv".to_string(), sink.len());
    }
    let (source_blocklist, hashed_blocklist) = match sink {
        BlocklistSink::Entries { out, .. } => (out, None),
        BlocklistSink::Hashed { out, .. } => (Vec::new(), Some(*out)),
    };
    let mut source_catalog = Vec::new();
    if let Some(text) = files.files.get("catalog.csv") {
        source_catalog = tables::read_catalog("catalog.csv", text, currency, &mut diags);
        entries.insert("catalog.csv".to_string(), source_catalog.len());
    }
    let mut source_customers = Vec::new();
    if let Some(text) = files.files.get("customers.csv") {
        source_customers = tables::read_customers("customers.csv", text, &mut diags);
        entries.insert("customers.csv".to_string(), source_customers.len());
    }
    for name in files.files.keys() {
        if !KNOWN_FILES.contains(&name.as_str()) {
            diags.push(
                Diagnostic::warning(
                    Code::UnknownFile,
                    format!("`{name}` is not part of a policy source and is ignored"),
                )
                .with_help(format!(
                    "the files read are {}",
                    KNOWN_FILES.map(|f| format!("`{f}`")).join(", ")
                ))
                .in_file(name.as_str()),
            );
        }
    }
    ReadParts {
        policy,
        policy_file: policy_file.to_string(),
        when_offsets,
        message_offsets,
        source_blocklist,
        hashed_blocklist,
        source_catalog,
        source_customers,
        diagnostics: diags,
        entries,
    }
}

/// Lines of `text` (a bound on its CSV rows, header included).
fn line_count(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count() + 1
}

impl ReadParts {
    /// The source, when the policy was read and no diagnostic (including any a caller
    /// added, such as rule errors) is an error; otherwise every diagnostic.
    pub fn into_source(self) -> Result<ReadSource, Diagnostics> {
        let failed = self.diagnostics.iter().any(Diagnostic::is_error);
        match self.policy {
            Some(policy) if !failed => Ok(ReadSource {
                source: PolicySource {
                    policy,
                    blocklist: self.source_blocklist,
                    catalog: self.source_catalog,
                    customers: self.source_customers,
                },
                policy_file: self.policy_file,
                when_offsets: self.when_offsets,
                warnings: self.diagnostics,
                entries: self.entries,
                hashed_blocklist: self.hashed_blocklist,
            }),
            _ => Err(Diagnostics(self.diagnostics)),
        }
    }
}

/// Parses and validates every file. Rules' `when` expressions are not checked here
/// (see `compile`). On failure returns every error and warning found.
pub fn read(files: &SourceFiles) -> Result<ReadSource, Diagnostics> {
    read_parts(files).into_source()
}
