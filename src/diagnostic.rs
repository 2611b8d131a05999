//! One `Diagnostic` type for every user-facing problem in a policy source: a syntax or
//! type error in a rule, a bad CSV field, an unknown setting. It carries data (code,
//! message, help, file, rule, spans with line and column) so it can cross to JavaScript
//! as a value, and renders itself as a caret excerpt for terminals.
//!
//! Voice (borrowed from Cedar's style guide): messages are lowercase, have no final
//! period, and put user input in backticks; help is kept separate from the message.
//!
//! The demo page shows messages in Chinese by matching their English forms per code
//! (`www/diagtext.js`, falling back to the code's zh title plus the English text); a
//! reworded common message shows up in `tests/www/diagzh.test.mjs`, and a new code
//! needs a zh title there (`diag.code.*` in `www/i18n.js`).

use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::Range;

/// Declares [`Code`] from one table, so the variant, its kebab-case name (what JSON and
/// terminals show) and the list [`Code::ALL`] cannot drift apart.
macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $name:literal,)+) => {
        /// The stable machine code of a [`Diagnostic`]. Its [`name`](Code::name) is the
        /// contract (`"code": "unknown-field"` in JSON, `error[unknown-field]` in a
        /// terminal); every code is explained in `docs/policy.md` (Error codes) or
        /// `docs/rules.md` (Compile time).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            /// The kebab-case name, e.g. `"unknown-field"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)+
                }
            }
        }
    };
}

codes! {
    // Reading the source folder.
    /// The path given as a policy source is not a folder.
    SourceFolder = "source-folder",
    /// A file of the source exists but cannot be read.
    SourceFile = "source-file",
    /// A file of the source is not valid UTF-8.
    SourceEncoding = "source-encoding",
    /// (warning) A file that is not part of a policy source; it is ignored.
    UnknownFile = "unknown-file",

    // The policy file.
    /// No policy file, or both `policy.toml` and `policy.json`.
    PolicyFile = "policy-file",
    /// TOML/JSON syntax, unknown key, unknown enum value, wrong type, missing key.
    PolicySyntax = "policy-syntax",
    /// A setting's value is invalid (currency, country code, duration, threshold).
    PolicyValue = "policy-value",
    /// The policy has no rules.
    NoRules = "no-rules",
    /// A rule id is not kebab-case.
    RuleId = "rule-id",
    /// Two rules share an id.
    DuplicateRuleId = "duplicate-rule-id",
    /// A rule's `when` is empty.
    EmptyWhen = "empty-when",
    /// A rule's `reason` is empty.
    EmptyReason = "empty-reason",
    /// A `step_up` rule names no verification method.
    VerifyMissing = "verify-missing",
    /// `verify` on a rule whose action is not `step_up`.
    VerifyNotStepUp = "verify-not-step-up",
    /// (warning) A rule lists a verification method twice.
    VerifyRepeated = "verify-repeated",
    /// `verify_mode` is neither `any` nor `all`.
    VerifyModeUnknown = "verify-mode-unknown",
    /// `verify_mode` on a rule without a `verify` list.
    VerifyModeWithoutVerify = "verify-mode-without-verify",
    /// (warning) A rule lists two or more verification methods without saying whether
    /// one or all of them are needed.
    VerifyModeImplicit = "verify-mode-implicit",
    /// A rule names a message missing from the default locale's table.
    UnknownMessage = "unknown-message",
    /// Rules name messages but the default locale has no message table.
    MissingLocale = "missing-locale",
    /// (warning) A message has no text in one of the other locales.
    MissingTranslation = "missing-translation",
    /// (warning) A message text is empty.
    EmptyMessage = "empty-message",
    /// (warning) A `warn` rule names no message: the order goes through with no notice.
    WarnWithoutMessage = "warn-without-message",
    /// A message placeholder is unknown or malformed (`{resaon}`, an unclosed `{`).
    MessagePlaceholder = "message-placeholder",
    /// A message placeholder can have no value where the message is used (`{reason}` in
    /// a message of a rule that does not read the listing, `{appeal}` without `appeal`).
    PlaceholderContext = "placeholder-context",
    /// (warning) `{reason}` or `{expires}` without a `|fallback`, which shows nothing
    /// when the check has no value for it.
    PlaceholderWithoutFallback = "placeholder-without-fallback",

    // The CSV tables.
    /// The header row is missing or has missing, unknown or repeated columns.
    CsvHeader = "csv-header",
    /// A row has the wrong number of fields.
    CsvRow = "csv-row",
    /// A cell's value is invalid (an error or, for some columns, a warning).
    CsvField = "csv-field",
    /// A row cannot be read as CSV (e.g. not UTF-8).
    CsvSyntax = "csv-syntax",
    /// (warning) A quoted field spans lines: often a missing closing quote that made
    /// the field swallow the rows after it.
    CsvMultiline = "csv-multiline",
    /// More problems in one file than are listed; one summary counts the rest (an
    /// error when any of them is).
    TooManyDiagnostics = "too-many-diagnostics",

    // Compiling the snapshot.
    /// (warning) Blocklist entries had already expired at compile time.
    ExpiredEntries = "expired-entries",
    /// (warning) A public snapshot leaves out a kind whose identifier space is too small
    /// to hide a listed value (`compile --profile public`).
    PublicKindOmitted = "public-kind-omitted",
    /// The blocklist uses more reason codes than a snapshot holds.
    TooManyReasons = "too-many-reasons",
    /// Two customer ids collide in the snapshot's hash space.
    DuplicateCustomer = "duplicate-customer",
    /// A SKU is listed twice in the catalog.
    DuplicateSku = "duplicate-sku",
    /// The snapshot would exceed the size limit of its format.
    SnapshotTooLarge = "snapshot-too-large",
    /// The snapshot cannot be written (a value does not fit its format).
    SnapshotWrite = "snapshot-write",
    /// Compiling without the merchant key (`--key`; `checkout-guard keygen` makes one).
    KeyRequired = "key-required",
    /// A bug in checkout-guard (the written snapshot does not load back).
    Internal = "internal",

    // The rule checker (see `docs/rules.md`).
    /// An unexpected token, unterminated string, bad escape….
    Syntax = "syntax",
    /// An integer out of range or a bad constant conversion argument.
    InvalidLiteral = "invalid-literal",
    /// Valid CEL outside the supported subset (`null`, maps, `has()`, bytes).
    Unsupported = "unsupported",
    /// A name that is neither a fact nor a variable.
    UnknownIdentifier = "unknown-identifier",
    /// An unknown field of a fact.
    UnknownField = "unknown-field",
    /// An unknown function or method, or one called the wrong way.
    UnknownFunction = "unknown-function",
    /// A function called with the wrong number of arguments.
    WrongArity = "wrong-arity",
    /// An operator or function applied to the wrong types.
    TypeMismatch = "type-mismatch",
    /// The whole expression is not `bool`.
    NotBoolean = "not-boolean",
    /// `matches` with a non-literal or invalid pattern.
    InvalidRegex = "invalid-regex",
    /// `item` in an order-scoped rule.
    ItemOutsideItemScope = "item-outside-item-scope",
    /// The expression is longer than the limit.
    TooLong = "too-long",
    /// The expression is nested deeper than the limit.
    TooDeep = "too-deep",
    /// (warning) `customer.level` ordered as a string.
    LevelOrdering = "level-ordering",
    /// (warning) A string compared with `customer.level` that is no level.
    UnknownLevel = "unknown-level",
    /// (warning) A string looked up in `order.issues` that is no issue name.
    UnknownIssue = "unknown-issue",
    /// (warning) An item-scoped rule that never reads `item`.
    ItemUnused = "item-unused",
    /// (warning) A comprehension over `items` inside another one (or in an item-scoped
    /// rule): its work grows with the square of the order's lines.
    NestedItems = "nested-items",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Serialized as its name, so the JSON is `"code": "unknown-field"`.
impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A code equals its name (`d.code == "unknown-field"`), for tests and callers that hold
/// the name as text.
impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.name() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.name() == *other
    }
}

/// How bad a diagnostic is: errors stop compilation, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Compilation cannot succeed.
    Error,
    /// Compilation succeeds, but the author probably made a mistake.
    Warning,
}

/// A region of a source text. Offsets are bytes; `line` and `column` are 1-based, and
/// columns count characters (not bytes), as editors do.
///
/// Some places are known only by line and column (a CSV row, a JSON syntax error, the
/// first bad byte of a file that is not UTF-8): then `start` and `end` are `None` and
/// are left out of the JSON, and readers place the span by `line` and `column`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Span {
    /// Byte offset of the first byte, when the byte range is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    /// Byte offset one past the last byte, when the byte range is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
    /// 1-based line of `start` (0 while the span is not yet located in a file).
    pub line: usize,
    /// 1-based character column of `start` (0 while not yet located).
    pub column: usize,
}

impl Span {
    /// A span over `start..end`, not yet located (line and column are filled by
    /// [`Diagnostic::locate`]).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: Some(start),
            end: Some(end),
            line: 0,
            column: 0,
        }
    }

    /// A place known only by its 1-based line and column, with no byte range.
    pub fn at_line_column(line: usize, column: usize) -> Span {
        Span {
            start: None,
            end: None,
            line,
            column,
        }
    }

    /// The byte range `start..end`, when both are known.
    pub fn range(&self) -> Option<Range<usize>> {
        Some(self.start?..self.end?)
    }

    /// This span moved by `base` bytes (for spans computed inside a rule's `when` string
    /// that must point into the whole policy file). A span without a byte range is
    /// returned unchanged.
    pub fn shifted(self, base: usize) -> Span {
        match self.range() {
            Some(r) => Span::new(r.start.saturating_add(base), r.end.saturating_add(base)),
            None => self,
        }
    }

    /// Fills `line` and `column` from `source`. Offsets past the end are clamped. A span
    /// without a byte range is returned unchanged.
    pub fn located_in(self, source: &str) -> Span {
        let Some(range) = self.range() else {
            return self;
        };
        let start = clamp_to_char_boundary(source, range.start);
        let before = source.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source
            .get(line_start..start)
            .map_or(1, |s| s.chars().count() + 1);
        Span {
            start: Some(start),
            end: Some(range.end.max(start)),
            line,
            column,
        }
    }
}

fn clamp_to_char_boundary(source: &str, mut at: usize) -> usize {
    at = at.min(source.len());
    while at > 0 && !source.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A problem found in user input, with enough context to show it precisely.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable machine code; serialized as its kebab-case name (`unknown-field`).
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// One line, lowercase, no final period, user input in backticks.
    pub message: String,
    /// How to fix it, when we can tell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The file it is in (`policy.toml`, `blocklist.csv`…), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The id of the rule it is in, when it is in a rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Where it is; the first span is the primary one. Empty when there is no place.
    pub spans: Vec<Span>,
}

impl Diagnostic {
    /// An error with a code and message and no location yet.
    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file: None,
            rule: None,
            spans: Vec::new(),
        }
    }

    /// A warning with a code and message and no location yet.
    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    /// Adds help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the file name.
    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    /// Sets the rule id.
    pub fn in_rule(mut self, rule: impl Into<String>) -> Diagnostic {
        self.rule = Some(rule.into());
        self
    }

    /// Adds a span (the first one added is the primary span).
    pub fn with_span(mut self, span: Span) -> Diagnostic {
        self.spans.push(span);
        self
    }

    /// Adds a span at a known line and column (for CSV cells and other places that are
    /// not byte ranges of a text we keep).
    pub fn at_line_column(self, line: usize, column: usize) -> Diagnostic {
        self.with_span(Span::at_line_column(line, column))
    }

    /// Moves every span by `base` bytes and computes lines and columns in `source`:
    /// used to turn spans inside a rule expression into positions in the policy file.
    pub fn locate(mut self, source: &str, base: usize) -> Diagnostic {
        for span in &mut self.spans {
            *span = span.shifted(base).located_in(source);
        }
        self
    }

    /// Whether this is an error (as opposed to a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic for a terminal, with the offending line and a caret under
    /// the span when `source` (the text of `self.file`) is given.
    ///
    /// ```text
    /// error[unknown-field]: unknown field `lvl` on `customer`
    ///   --> policy.toml:12:18 (rule `block-restricted`)
    ///    |
    /// 12 | when = 'customer.lvl == "block"'
    ///    |                  ^^^
    ///    = help: did you mean `level`?
    /// ```
    pub fn render(&self, source: Option<&str>) -> String {
        let mut out = format!(
            "{}[{}]: {}\n",
            match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            self.code,
            self.message
        );
        let primary = self.spans.first().copied();
        let mut place = self.file.clone().unwrap_or_default();
        if let Some(span) = primary.filter(|s| s.line > 0) {
            place = format!("{place}:{}:{}", span.line, span.column);
        }
        if let Some(rule) = &self.rule {
            if place.is_empty() {
                place = format!("rule `{rule}`");
            } else {
                place = format!("{place} (rule `{rule}`)");
            }
        }
        if !place.is_empty() {
            out.push_str(&format!("  --> {place}\n"));
        }
        if let (Some(span), Some(source)) = (primary, source) {
            if span.line > 0 {
                if let Some(text) = source.lines().nth(span.line - 1) {
                    let gutter = span.line.to_string().len();
                    let pad = " ".repeat(gutter);
                    // Underline the range on its first line; a place known only by
                    // line and column gets one caret.
                    let width = span
                        .range()
                        .and_then(|r| source.get(r.start..r.end.min(r.start + text.len())))
                        .map_or(1, |s| s.lines().next().unwrap_or("").chars().count())
                        .max(1);
                    out.push_str(&format!("{pad} |\n{} | {text}\n", span.line));
                    out.push_str(&format!(
                        "{pad} | {}{}\n",
                        " ".repeat(span.column.saturating_sub(1)),
                        "^".repeat(width)
                    ));
                }
            }
        }
        if let Some(help) = &self.help {
            out.push_str(&format!("   = help: {help}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(None).trim_end())
    }
}

impl std::error::Error for Diagnostic {}

/// A non-empty list of diagnostics, returned when compilation fails.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Whether any of them is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_lines_and_character_columns() {
        let src = "a = 1\nwhen = '客户.lvl'\n";
        let start = src.find("lvl").unwrap();
        let span = Span::new(start, start + 3).located_in(src);
        assert_eq!((span.line, span.column), (2, 12));
    }

    #[test]
    fn renders_a_caret_under_the_span() {
        let src = "id = \"x\"\nwhen = 'customer.lvl == \"block\"'\n";
        let expr_start = src.find("customer").unwrap();
        let d = Diagnostic::error(Code::UnknownField, "unknown field `lvl` on `customer`")
            .with_help("did you mean `level`?")
            .in_file("policy.toml")
            .in_rule("r1")
            .with_span(Span::new(9, 12))
            .locate(src, expr_start);
        let text = d.render(Some(src));
        assert!(text.contains("--> policy.toml:2:18 (rule `r1`)"), "{text}");
        assert!(text.contains("\n  |                  ^^^\n"), "{text}");
        assert!(text.contains("= help: did you mean `level`?"), "{text}");
    }

    #[test]
    fn renders_a_caret_at_a_line_and_column_without_a_range() {
        let src = "sku,name\nA1,x\nB2,y,z\n";
        let d = Diagnostic::error(Code::CsvRow, "expected 2 fields, found 3")
            .in_file("catalog.csv")
            .at_line_column(3, 1);
        assert_eq!(
            d.render(Some(src)),
            "error[csv-row]: expected 2 fields, found 3\n  --> catalog.csv:3:1\n  |\n3 | B2,y,z\n  | ^\n"
        );
    }

    #[test]
    fn json_has_the_code_name_and_omits_an_unknown_range() {
        let d = Diagnostic::warning(Code::CsvRow, "m").at_line_column(3, 2);
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"code":"csv-row","severity":"warning","message":"m","spans":[{"line":3,"column":2}]}"#
        );
        let d =
            Diagnostic::error(Code::UnknownField, "m").with_span(Span::new(0, 1).located_in("x"));
        assert_eq!(
            serde_json::to_string(&d).unwrap(),
            r#"{"code":"unknown-field","severity":"error","message":"m","spans":[{"start":0,"end":1,"line":1,"column":1}]}"#
        );
    }

    #[test]
    fn a_span_without_a_range_is_not_moved() {
        let span = Span::at_line_column(4, 7);
        assert_eq!(span.shifted(10).located_in("a\nb\n"), span);
        assert_eq!(span.range(), None);
    }

    #[test]
    fn code_names_are_unique_kebab_case() {
        for (i, code) in Code::ALL.iter().enumerate() {
            let name = code.name();
            assert!(
                !name.is_empty()
                    && !name.starts_with('-')
                    && !name.ends_with('-')
                    && name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name}"
            );
            assert!(
                Code::ALL.iter().skip(i + 1).all(|c| c.name() != name),
                "{name} twice"
            );
        }
    }

    /// The backticked names in the first column of every docs table headed `| code |`.
    fn documented_codes() -> Vec<String> {
        let docs = [
            include_str!("../docs/policy.md"),
            include_str!("../docs/rules.md"),
        ];
        let mut names = Vec::new();
        for doc in docs {
            let mut in_table = false;
            for line in doc.lines() {
                let first_cell = line.strip_prefix('|').and_then(|l| l.split('|').next());
                match first_cell.map(str::trim) {
                    Some("code") => in_table = true,
                    Some(cell) if in_table => {
                        names.extend(cell.split('`').skip(1).step_by(2).map(String::from));
                    }
                    _ => in_table = false,
                }
            }
        }
        names
    }

    #[test]
    fn every_code_is_documented_and_every_documented_code_exists() {
        let documented = documented_codes();
        for code in Code::ALL {
            assert!(
                documented.iter().any(|d| d == code.name()),
                "`{code}` is not in a `| code |` table of docs/policy.md or docs/rules.md"
            );
        }
        for name in &documented {
            assert!(
                Code::ALL.iter().any(|c| c == name.as_str()),
                "the docs list `{name}`, which is no diagnostic code"
            );
        }
    }
}
