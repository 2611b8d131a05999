//! Reading the CSV files of a policy source (`blocklist.csv`, `catalog.csv`,
//! `customers.csv`): UTF-8, a header row with exactly the contract's columns (in any
//! order; `catalog.csv` may add its optional ones), a BOM tolerated, RFC 4180 quoting. Every finding names the file, the line,
//! the column (as a character position, so the caret lands on the cell) and the field.

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::model::{
    currency_exponent, to_minor_units, BlockEntry, CatalogItem, CustomerRecord, CustomerStats,
    EntryScope, IdKind, Level,
};
use crate::normalize;
use crate::snapshot::hashed::PreHashedMap;
use crate::snapshot::{HashedBlocklist, SnapshotKey};
use crate::time::Timestamp;
use std::collections::HashMap;

/// Columns of `blocklist.csv`.
pub const BLOCKLIST_COLUMNS: [&str; 7] = [
    "kind",
    "value",
    "level",
    "reason",
    "added_at",
    "expires_at",
    "note",
];
/// Columns of a `blocklist.csv` with the optional `scope` column (docs/policy.md): read
/// when the header names it, so files without it read exactly as before.
pub const BLOCKLIST_SCOPED_COLUMNS: [&str; 8] = {
    let [a, b, c, d, e, f, g] = BLOCKLIST_COLUMNS;
    [a, b, c, d, e, f, g, "scope"]
};
/// Index of `scope` in [`BLOCKLIST_SCOPED_COLUMNS`].
const SCOPE_COLUMN: usize = 7;

/// The blocklist columns `text` is read with: [`BLOCKLIST_SCOPED_COLUMNS`] when its
/// header row names `scope`, else [`BLOCKLIST_COLUMNS`].
fn blocklist_columns(text: &str) -> &'static [&'static str] {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let scoped = reader
        .records()
        .next()
        .and_then(Result::ok)
        .is_some_and(|header| header.iter().any(|h| h.trim() == "scope"));
    if scoped {
        &BLOCKLIST_SCOPED_COLUMNS
    } else {
        &BLOCKLIST_COLUMNS
    }
}

/// Columns of `catalog.csv`.
pub const CATALOG_COLUMNS: [&str; 6] =
    ["sku", "name", "category", "price", "tags", "max_per_order"];
/// Columns `catalog.csv` may add to [`CATALOG_COLUMNS`] (docs/policy.md, "catalog.csv"):
/// a file without them reads exactly as before, an empty cell is "not set".
pub const CATALOG_OPTIONAL_COLUMNS: [&str; 2] = ["stock", "max_per_customer"];
/// Every column `catalog.csv` may have: the contract's, then the optional ones, so that
/// a cell's index is its place here.
const CATALOG_ALL_COLUMNS: [&str; 8] = [
    "sku",
    "name",
    "category",
    "price",
    "tags",
    "max_per_order",
    "stock",
    "max_per_customer",
];
/// `catalog.csv`'s header: every column, of which the contract's must be present.
const CATALOG_HEADER: (&[&str], usize) = (&CATALOG_ALL_COLUMNS, CATALOG_COLUMNS.len());
/// Columns of `customers.csv`.
pub const CUSTOMERS_COLUMNS: [&str; 6] = [
    "customer_id",
    "account_created_at",
    "orders_90d",
    "refunds_90d",
    "chargebacks_365d",
    "addresses_90d",
];

/// One data row, with what is needed to point at its cells.
pub(crate) struct Row<'a> {
    file: &'a str,
    text: &'a str,
    line: usize,
    /// Byte offset of the row's first byte in `text` (on `line`).
    start: usize,
    /// Byte range of each field in `text` (raw, quotes included).
    raw_fields: Vec<(usize, usize)>,
    record: &'a csv::StringRecord,
    index: &'a [usize],
    columns: &'a [&'a str],
}

impl Row<'_> {
    /// The cell of column `c` (an index into the contract's columns).
    fn get(&self, c: usize) -> &str {
        self.index
            .get(c)
            .and_then(|&i| self.record.get(i))
            .unwrap_or("")
    }

    /// The span `s..e` (inside this row), located from the row's own line and start so
    /// that a diagnostic costs the length of its row, not of the file before it.
    fn locate(&self, s: usize, e: usize) -> Span {
        let before = self.text.get(self.start..s).unwrap_or("");
        let line_start = before
            .rfind('\n')
            .map_or(self.start, |i| self.start + i + 1);
        Span {
            start: Some(s),
            end: Some(e.max(s)),
            line: self.line + before.matches('\n').count(),
            column: self
                .text
                .get(line_start..s)
                .map_or(1, |t| t.chars().count() + 1),
        }
    }

    /// A diagnostic about the cell of column `c`.
    fn problem(&self, error: bool, c: usize, message: &str) -> Diagnostic {
        let name = self.columns.get(c).copied().unwrap_or("?");
        let text = format!("field `{name}`: {message}");
        let d = if error {
            Diagnostic::error(Code::CsvField, text)
        } else {
            Diagnostic::warning(Code::CsvField, text)
        };
        let span = self
            .index
            .get(c)
            .and_then(|&i| self.raw_fields.get(i))
            .map_or_else(
                || Span::at_line_column(self.line, 1),
                |&(s, e)| self.locate(s, e),
            );
        d.in_file(self.file).with_span(span)
    }
}

/// The raw fields of the record starting at `start`: the byte range of each (quote-aware)
/// and the start of the first quoted field that spans lines, if any.
fn raw_fields(text: &str, start: usize) -> (Vec<(usize, usize)>, Option<usize>) {
    let mut out = Vec::new();
    let mut multiline = None;
    let Some(rest) = text.get(start..) else {
        return (out, multiline);
    };
    // Most rows have no quote: their fields are the line split at commas, found in one
    // plain pass (the quote-aware scan below was a fifth of compiling a large list). At
    // the first quote, start over with that scan.
    let mut field_start = start;
    for (i, &b) in rest.as_bytes().iter().enumerate() {
        match b {
            b',' => {
                out.push((field_start, start + i));
                field_start = start + i + 1;
            }
            b'\n' | b'\r' => {
                out.push((field_start, start + i));
                return (out, multiline);
            }
            b'"' => break,
            _ => {}
        }
        if i + 1 == rest.len() {
            out.push((field_start, text.len()));
            return (out, multiline);
        }
    }
    if rest.is_empty() {
        out.push((start, text.len()));
        return (out, multiline);
    }
    out.clear();
    let mut field_start = start;
    let mut in_quotes = false;
    let mut bytes = rest.bytes().enumerate().peekable();
    while let Some((i, b)) = bytes.next() {
        let at = start + i;
        match b {
            // As RFC 4180 (and the csv reader): a quote opens a quoted field only as its
            // first byte; inside one, `""` is a quote and a lone `"` closes it.
            b'"' if in_quotes && bytes.next_if(|&(_, n)| n == b'"').is_none() => {
                in_quotes = false;
            }
            b'"' if in_quotes => {}
            b'"' if at == field_start => in_quotes = true,
            b',' if !in_quotes => {
                out.push((field_start, at));
                field_start = at + 1;
            }
            b'\n' | b'\r' if !in_quotes => {
                out.push((field_start, at));
                return (out, multiline);
            }
            b'\n' if multiline.is_none() => multiline = Some(field_start),
            _ => {}
        }
    }
    out.push((field_start, text.len()));
    (out, multiline)
}

/// At most this many diagnostics are kept per file; the rest are counted in one summary
/// (a file where every row has a problem would otherwise bury the first ones).
pub(crate) const MAX_DIAGNOSTICS_PER_FILE: usize = 100;

/// The diagnostics of one file: the first [`MAX_DIAGNOSTICS_PER_FILE`] are kept, the
/// others counted, and [`finish`](FileDiagnostics::finish) adds the summary.
struct FileDiagnostics<'a> {
    file: &'a str,
    out: &'a mut Vec<Diagnostic>,
    kept: usize,
    hidden_errors: usize,
    hidden_warnings: usize,
}

impl<'a> FileDiagnostics<'a> {
    fn new(file: &'a str, out: &'a mut Vec<Diagnostic>) -> FileDiagnostics<'a> {
        FileDiagnostics {
            file,
            out,
            kept: 0,
            hidden_errors: 0,
            hidden_warnings: 0,
        }
    }

    fn push(&mut self, d: Diagnostic) {
        if self.kept < MAX_DIAGNOSTICS_PER_FILE {
            self.kept += 1;
            self.out.push(d);
        } else if d.is_error() {
            self.hidden_errors += 1;
        } else {
            self.hidden_warnings += 1;
        }
    }

    /// Adds the summary of what was not kept: an error if any of it was one, so a
    /// source whose hidden problems are errors still fails to compile.
    fn finish(self) {
        let hidden = self.hidden_errors + self.hidden_warnings;
        if hidden == 0 {
            return;
        }
        let message = format!(
            "{hidden} more problem{} in this file not shown ({} error{}, {} warning{})",
            if hidden == 1 { "" } else { "s" },
            self.hidden_errors,
            if self.hidden_errors == 1 { "" } else { "s" },
            self.hidden_warnings,
            if self.hidden_warnings == 1 { "" } else { "s" },
        );
        let d = if self.hidden_errors > 0 {
            Diagnostic::error(Code::TooManyDiagnostics, message)
        } else {
            Diagnostic::warning(Code::TooManyDiagnostics, message)
        };
        self.out.push(
            d.with_help(format!(
                "only the first {MAX_DIAGNOSTICS_PER_FILE} are listed; fix them and run again"
            ))
            .in_file(self.file),
        );
    }
}

/// Reads one CSV file, calling `row` for each data row. Header problems stop the file.
fn read_table(
    file: &str,
    text: &str,
    columns: &[&str],
    diags: &mut Vec<Diagnostic>,
    row: impl FnMut(&Row<'_>, &mut Vec<Diagnostic>),
) {
    read_table_optional(file, text, (columns, columns.len()), diags, row);
}

/// [`read_table`] where `header` is the columns and how many of them, first, must be in
/// the header; a missing optional column reads as empty cells.
fn read_table_optional(
    file: &str,
    text: &str,
    header: (&[&str], usize),
    diags: &mut Vec<Diagnostic>,
    row: impl FnMut(&Row<'_>, &mut Vec<Diagnostic>),
) {
    let mut capped = FileDiagnostics::new(file, diags);
    read_rows(file, text, header, &mut capped, row);
    capped.finish();
}

/// [`read_table_optional`] before the cap on diagnostics.
fn read_rows(
    file: &str,
    text: &str,
    (columns, required): (&[&str], usize),
    diags: &mut FileDiagnostics<'_>,
    mut row: impl FnMut(&Row<'_>, &mut Vec<Diagnostic>),
) {
    let (must, optional) = columns.split_at(required.min(columns.len()));
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = text.get(bom..).unwrap_or("");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        None => {
            diags.push(
                Diagnostic::error(
                    Code::CsvHeader,
                    "the file is empty; a header row is required",
                )
                .with_help(format!("start the file with `{}`", must.join(",")))
                .in_file(file)
                .at_line_column(1, 1),
            );
            return;
        }
        Some(Err(e)) => {
            diags.push(csv_error(file, &e));
            return;
        }
        Some(Ok(h)) => h,
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let unknown: Vec<&String> = names
        .iter()
        .filter(|n| !columns.contains(&n.as_str()))
        .collect();
    let missing: Vec<&&str> = must
        .iter()
        .filter(|c| !names.iter().any(|n| n == *c))
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "missing column{} {}",
            if missing.len() > 1 { "s" } else { "" },
            missing
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "unknown column{} {}",
            if unknown.len() > 1 { "s" } else { "" },
            unknown
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (i, n) in names.iter().enumerate() {
        if names.iter().skip(i + 1).any(|m| m == n) {
            problems.push(format!("column `{n}` appears twice"));
        }
    }
    if !problems.is_empty() {
        diags.push(
            Diagnostic::error(Code::CsvHeader, format!("header: {}", problems.join("; ")))
                .with_help(format!(
                    "the header must be `{}` (any order){}",
                    must.join(","),
                    if optional.is_empty() {
                        String::new()
                    } else {
                        format!(", optionally with `{}`", optional.join("`, `"))
                    }
                ))
                .in_file(file)
                .at_line_column(1, 1),
        );
        return;
    }
    let index: Vec<usize> = columns
        .iter()
        .map(|c| names.iter().position(|n| n == c).unwrap_or(usize::MAX))
        .collect();
    // One record read into again and again (the `records()` iterator clones each).
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                diags.push(csv_error(file, &e));
                continue;
            }
        }
        let (mut line, mut start) = record
            .position()
            .map_or((0, 0), |p| (p.line() as usize, p.byte() as usize + bom));
        // With CRLF endings csv reports the position of the `\n` ending the previous
        // record (it ends records at the `\r`): step over line ends to the real start.
        while let Some(&b) = text.as_bytes().get(start) {
            match b {
                b'\n' => {
                    line += 1;
                    start += 1;
                }
                b'\r' => start += 1,
                _ => break,
            }
        }
        if record.len() == 1 && record.get(0).is_some_and(|f| f.trim().is_empty()) {
            continue; // a blank line
        }
        let (raw_fields, multiline) = raw_fields(text, start);
        let r = Row {
            file,
            text,
            line,
            start,
            raw_fields,
            record: &record,
            index: &index,
            columns,
        };
        if let Some(at) = multiline {
            diags.push(multiline_field(&r, at));
        }
        if r.record.len() != names.len() {
            diags.push(
                Diagnostic::error(
                    Code::CsvRow,
                    format!("expected {} fields, found {}", names.len(), r.record.len()),
                )
                .with_help("quote fields that contain commas: `\"a, b\"`")
                .in_file(file)
                .at_line_column(line, 1),
            );
            continue;
        }
        let mut found = Vec::new();
        row(&r, &mut found);
        for d in found {
            diags.push(d);
        }
    }
}

/// The warning for a quoted field (opening at byte `at` of row `r`) that spans lines:
/// usually a closing quote is missing and the field swallowed the rows after it.
fn multiline_field(r: &Row<'_>, at: usize) -> Diagnostic {
    let span = r.locate(at, at + 1);
    let end_line = r.line
        + r.raw_fields
            .last()
            .and_then(|&(_, e)| r.text.get(r.start..e))
            .map_or(0, |t| t.matches('\n').count());
    Diagnostic::warning(
        Code::CsvMultiline,
        format!(
            "a quoted field opens here and ends on line {end_line}: the lines in between are part of it, not rows"
        ),
    )
    .with_help("if a closing quote `\"` is missing, add it; line breaks inside a field are kept as they are")
    .in_file(r.file)
    .with_span(span)
}

fn csv_error(file: &str, e: &csv::Error) -> Diagnostic {
    let line = e.position().map_or(0, |p| p.line() as usize);
    let message = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "the row is not valid UTF-8".to_string(),
        _ => format!("cannot read the row: {e}"),
    };
    Diagnostic::error(Code::CsvSyntax, message)
        .with_help("save the file as UTF-8 CSV")
        .in_file(file)
        .at_line_column(line.max(1), 1)
}

fn parse_time(row: &Row<'_>, c: usize, diags: &mut Vec<Diagnostic>) -> Option<Timestamp> {
    let cell = row.get(c).trim();
    if cell.is_empty() {
        return None;
    }
    match Timestamp::parse_rfc3339(cell) {
        Ok(t) => Some(t),
        Err(e) => {
            diags.push(row.problem(true, c, &e.0));
            None
        }
    }
}

fn parse_count(row: &Row<'_>, c: usize, diags: &mut Vec<Diagnostic>) -> u32 {
    let cell = row.get(c).trim();
    if cell.is_empty() {
        return 0;
    }
    match cell.parse::<u32>() {
        Ok(n) => n,
        Err(_) => {
            diags.push(row.problem(
                true,
                c,
                &format!("`{cell}` is not a whole number of 0 or more"),
            ));
            0
        }
    }
}

/// Where `blocklist.csv` rows go: kept whole (the library's `PolicySource`), or hashed
/// under the merchant key as they are read (the compiler's private path: 24 bytes a row,
/// no strings). Each also answers "was this entry on an earlier line?".
pub(crate) enum BlocklistSink {
    /// Every row as a [`BlockEntry`]; duplicates found by comparing the strings.
    Entries {
        out: Vec<BlockEntry>,
        seen: HashMap<(IdKind, String, Level, String, Option<EntryScope>), usize>,
    },
    /// Every row hashed; duplicates found by (identifier hash, level, reason): entries
    /// whose 64-bit keyed hashes are equal are one entry to the snapshot anyway.
    Hashed {
        out: Box<HashedBlocklist>,
        seen: PreHashedMap<(u64, u32), u32>,
    },
}

/// The reason id standing for an empty reason in the duplicate index (never stored:
/// such a row is an error).
const NO_REASON: u32 = u32::MAX;

impl BlocklistSink {
    /// A sink of whole entries.
    pub(crate) fn entries() -> BlocklistSink {
        BlocklistSink::Entries {
            out: Vec::new(),
            seen: HashMap::new(),
        }
    }

    /// A sink hashing under `key`, sized for `rows` rows.
    pub(crate) fn hashed(key: &SnapshotKey, rows: usize) -> BlocklistSink {
        let mut seen = PreHashedMap::default();
        seen.reserve(rows);
        BlocklistSink::Hashed {
            out: Box::new(HashedBlocklist::with_capacity(key, rows)),
            seen,
        }
    }

    /// Records a validated row (stored unless its reason is empty) and returns the line
    /// of an earlier row with the same kind, value, level and reason, if any.
    fn add(&mut self, entry: BlockEntry, line: usize) -> Option<usize> {
        match self {
            BlocklistSink::Entries { out, seen } => {
                let key = (
                    entry.kind,
                    entry.value.clone(),
                    entry.level,
                    entry.reason.clone(),
                    entry.scope.clone(),
                );
                let first = seen.get(&key).copied();
                if first.is_none() {
                    seen.insert(key, line);
                }
                if !entry.reason.is_empty() {
                    out.push(entry);
                }
                first
            }
            BlocklistSink::Hashed { out, seen } => {
                let hash = out.hash(entry.kind, &entry.value);
                let reason = if entry.reason.is_empty() {
                    NO_REASON
                } else {
                    out.push(
                        hash,
                        entry.kind,
                        entry.level,
                        &entry.reason,
                        entry.expires_at,
                    );
                    out.note_pattern(entry.kind, &entry.value);
                    if let Some(scope) = &entry.scope {
                        out.scope_last(scope);
                    }
                    out.reason_id(&entry.reason).unwrap_or(NO_REASON)
                };
                // A scoped row is another entry than the same row unscoped or scoped
                // otherwise: its scope's text goes into the duplicate key.
                let hash = match &entry.scope {
                    Some(scope) => crate::snapshot::sku_hash(&format!("{hash:x}{scope}")),
                    None => hash,
                };
                let level = crate::snapshot::format::level_code(entry.level) as u32;
                let key = (hash, reason.wrapping_shl(2) | level);
                // Lines beyond u32 would need a 4-billion-line file; they saturate.
                let line = u32::try_from(line).unwrap_or(u32::MAX);
                let first = *seen.entry(key).or_insert(line);
                (first != line).then_some(first as usize)
            }
        }
    }

    /// Rows stored.
    pub(crate) fn len(&self) -> usize {
        match self {
            BlocklistSink::Entries { out, .. } => out.len(),
            BlocklistSink::Hashed { out, .. } => out.len(),
        }
    }
}

/// Parses `blocklist.csv`, normalizing each value under the policy's `rules`, into `sink`.
pub(crate) fn read_blocklist(
    file: &str,
    text: &str,
    rules: &normalize::Rules<'_>,
    sink: &mut BlocklistSink,
    diags: &mut Vec<Diagnostic>,
) {
    let columns = blocklist_columns(text);
    let scoped = columns.len() > SCOPE_COLUMN;
    read_table(file, text, columns, diags, |row, diags| {
        let kind_cell = row.get(0).trim();
        let kind = IdKind::parse(kind_cell);
        if kind.is_none() {
            diags.push(row.problem(
                true,
                0,
                &format!(
                    "`{kind_cell}` is not an identifier kind; expected {}",
                    IdKind::LISTABLE
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let level_cell = row.get(2).trim();
        let level = Level::parse_stored(level_cell);
        if level.is_none() {
            diags.push(row.problem(
                true,
                2,
                &format!("`{level_cell}` is not a level; expected `watch`, `step_up` or `block`"),
            ));
        }
        let reason = row.get(3).trim().to_string();
        if reason.is_empty() {
            diags.push(
                row.problem(true, 3, "the reason code is empty")
                    .with_help("give a machine reason code, e.g. `REFUND_ABUSE`"),
            );
        }
        let added_at = parse_time(row, 4, diags);
        let expires_at = parse_time(row, 5, diags);
        if let (Some(a), Some(e)) = (added_at, expires_at) {
            if e <= a {
                diags.push(row.problem(false, 5, "the entry expires before it was added"));
            }
        }
        let scope_cell = if scoped {
            row.get(SCOPE_COLUMN).trim()
        } else {
            ""
        };
        let scope = match EntryScope::parse(scope_cell) {
            _ if scope_cell.is_empty() => None,
            Ok(scope) if kind.is_some_and(IdKind::is_pattern) => {
                diags.push(row.problem(
                    true,
                    SCOPE_COLUMN,
                    &format!("`{scope}`: a pattern entry cannot be scoped (yet); scope an exact identifier, or list the pattern for the whole order"),
                ));
                return;
            }
            Ok(scope) => Some(scope),
            Err(why) => {
                diags.push(row.problem(true, SCOPE_COLUMN, &why));
                return;
            }
        };
        let (Some(kind), Some(level)) = (kind, level) else {
            return;
        };
        let raw_value = row.get(1);
        let value = if kind.is_pattern() {
            match normalize::pattern::canonical(kind, raw_value, rules) {
                Ok(value) => value,
                Err(why) if !normalize::trim(raw_value).is_empty() => {
                    diags.push(row.problem(true, 1, &why));
                    return;
                }
                Err(_) => String::new(),
            }
        } else {
            normalize::identifier_with(kind, raw_value, rules)
        };
        if value.is_empty() {
            diags.push(row.problem(true, 1, "the value is empty"));
            return;
        }
        match kind {
            IdKind::Phone if !(8..=15).contains(&value.len()) => {
                diags.push(row.problem(
                    false,
                    1,
                    &format!(
                        "`{}` normalizes to {} digits, not a valid phone number: no order phone will match it",
                        raw_value.trim(),
                        value.len()
                    ),
                ));
            }
            IdKind::Email if !value.contains('@') => {
                diags.push(row.problem(
                    false,
                    1,
                    &format!("`{}` does not look like an email address", raw_value.trim()),
                ));
            }
            _ => {}
        }
        let entry = BlockEntry {
            kind,
            value,
            level,
            reason,
            added_at,
            expires_at,
            scope,
        };
        if let Some(first) = sink.add(entry, row.line) {
            diags.push(row.problem(
                false,
                1,
                &format!("the same entry is on line {first}; it is stored once"),
            ));
        }
    });
}

/// Parses a price cell: a plain decimal number of at most `exponent` decimal places.
fn parse_price(cell: &str, currency: &str, exponent: u32) -> Result<i64, String> {
    let (int, frac) = cell.split_once('.').unwrap_or((cell, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if cell.is_empty() || (int.is_empty() && frac.is_empty()) || !digits(int) || !digits(frac) {
        return Err(format!(
            "`{cell}` is not a price; write a plain decimal number such as `168.00`"
        ));
    }
    if frac.trim_end_matches('0').len() > exponent as usize {
        return Err(format!(
            "`{cell}` has more decimal places than {currency} allows ({exponent})"
        ));
    }
    let value: f64 = cell
        .parse()
        .map_err(|_| format!("`{cell}` is not a price"))?;
    to_minor_units(value, exponent).ok_or_else(|| format!("`{cell}` is too large a price"))
}

/// Parses `catalog.csv`, converting prices to minor units of `currency`.
pub(crate) fn read_catalog(
    file: &str,
    text: &str,
    currency: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<CatalogItem> {
    let exponent = currency_exponent(currency);
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    read_table_optional(file, text, CATALOG_HEADER, diags, |row, diags| {
        let sku = row.get(0).trim().to_string();
        if sku.is_empty() {
            diags.push(row.problem(true, 0, "the sku is empty"));
            return;
        }
        if let Some(first) = seen.get(&sku) {
            diags.push(row.problem(
                true,
                0,
                &format!("sku `{sku}` is already listed on line {first}"),
            ));
            return;
        }
        seen.insert(sku.clone(), row.line);
        let price_cell = row.get(3).trim();
        let price_minor = match parse_price(price_cell, currency, exponent) {
            Ok(p) => p,
            Err(message) => {
                diags.push(row.problem(true, 3, &message));
                return;
            }
        };
        let tags = row
            .get(4)
            .split(';')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        let max_per_order = parse_count(row, 5, diags);
        // An empty (or absent) `stock` cell is "not tracked", not zero.
        let stock = (!row.get(6).trim().is_empty()).then(|| parse_count(row, 6, diags));
        let max_per_customer = parse_count(row, 7, diags);
        out.push(CatalogItem {
            sku,
            name: row.get(1).trim().to_string(),
            category: row.get(2).trim().to_string(),
            price_minor,
            tags,
            max_per_order,
            stock,
            max_per_customer,
        });
    });
    out
}

/// Parses `customers.csv`.
pub(crate) fn read_customers(
    file: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<CustomerRecord> {
    let mut out = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    read_table(file, text, &CUSTOMERS_COLUMNS, diags, |row, diags| {
        // Normalized as the identifier it is matched as (docs/semantics.md §3.2).
        let id = normalize::identifier(IdKind::CustomerId, row.get(0), "");
        if id.is_empty() {
            diags.push(row.problem(true, 0, "the customer id is empty"));
            return;
        }
        if let Some(first) = seen.get(&id) {
            diags.push(row.problem(
                true,
                0,
                &format!("customer `{id}` is already listed on line {first}"),
            ));
            return;
        }
        seen.insert(id.clone(), row.line);
        let stats = CustomerStats {
            account_created_at: parse_time(row, 1, diags),
            orders_90d: parse_count(row, 2, diags),
            refunds_90d: parse_count(row, 3, diags),
            chargebacks_365d: parse_count(row, 4, diags),
            addresses_90d: parse_count(row, 5, diags),
        };
        out.push(CustomerRecord {
            customer_id: id,
            stats,
        });
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_exact_minor_units() {
        assert_eq!(parse_price("168.00", "CNY", 2), Ok(16800));
        assert_eq!(parse_price("0.1", "CNY", 2), Ok(10));
        assert_eq!(parse_price("1999", "JPY", 0), Ok(1999));
        assert_eq!(
            parse_price("1.50", "JPY", 0),
            Err("`1.50` has more decimal places than JPY allows (0)".into())
        );
        assert!(parse_price("-1", "CNY", 2).is_err());
        assert!(parse_price("1e3", "CNY", 2).is_err());
        assert!(parse_price(".", "CNY", 2).is_err());
    }

    #[test]
    fn raw_fields_follow_quotes() {
        let text = "a,\"b,c\",d\nx";
        assert_eq!(raw_fields(text, 0), (vec![(0, 1), (2, 7), (8, 9)], None));
        let text = "a,\"b\nc\",d\nx";
        assert_eq!(raw_fields(text, 0), (vec![(0, 1), (2, 7), (8, 9)], Some(2)));
        // A quote inside an unquoted field is a character; `""` inside quotes is one.
        let text = "5\" cup,\"say \"\"hi\"\"\",d\nx";
        assert_eq!(raw_fields(text, 0), (vec![(0, 6), (7, 19), (20, 21)], None));
        // Rows without quotes (the fast path): empty fields, CRLF, the last line, a start
        // inside the text.
        let text = "a,b,,c\r\nxy,,z";
        assert_eq!(
            raw_fields(text, 0),
            (vec![(0, 1), (2, 3), (4, 4), (5, 6)], None)
        );
        assert_eq!(
            raw_fields(text, 8),
            (vec![(8, 10), (11, 11), (12, 13)], None)
        );
        assert_eq!(raw_fields("", 0), (vec![(0, 0)], None));
    }

    #[test]
    fn a_short_row_is_placed_by_line_and_column_with_a_caret() {
        let text = "sku,name,category,price,tags,max_per_order\nA1,Tea,tea,1.00,,\nB2,Cup\n";
        let mut diags = Vec::new();
        read_catalog("catalog.csv", text, "CNY", &mut diags);
        let [d] = diags.as_slice() else {
            panic!("{diags:?}")
        };
        assert_eq!(d.code, Code::CsvRow);
        assert_eq!(d.spans, [Span::at_line_column(3, 1)]);
        assert_eq!(
            d.render(Some(text)),
            "error[csv-row]: expected 6 fields, found 2\n\
             \x20 --> catalog.csv:3:1\n\
             \x20 |\n\
             3 | B2,Cup\n\
             \x20 | ^\n\
             \x20  = help: quote fields that contain commas: `\"a, b\"`\n"
        );
    }
}
