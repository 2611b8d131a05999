//! One `Diagnostic` type for every user-facing problem in a policy source: a syntax or
//! type error in a rule, a bad CSV field, an unknown setting. It carries data (code,
//! message, help, file, rule, spans with line and column) so it can cross to JavaScript
//! as a value, and renders itself as a caret excerpt for terminals.
//!
//! Voice (borrowed from Cedar's style guide): messages are lowercase, have no final
//! period, and put user input in backticks; help is kept separate from the message.

use serde::Serialize;
use std::fmt;

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
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
            start,
            end,
            line: 0,
            column: 0,
        }
    }

    /// This span moved by `base` bytes (for spans computed inside a rule's `when` string
    /// that must point into the whole policy file).
    pub fn shifted(self, base: usize) -> Span {
        Span::new(
            self.start.saturating_add(base),
            self.end.saturating_add(base),
        )
    }

    /// Fills `line` and `column` from `source`. Offsets past the end are clamped.
    pub fn located_in(self, source: &str) -> Span {
        let start = clamp_to_char_boundary(source, self.start);
        let before = source.get(..start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = source
            .get(line_start..start)
            .map_or(1, |s| s.chars().count() + 1);
        Span {
            start,
            end: self.end.max(start),
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
    /// Stable machine code, kebab-case (`unknown-field`, `type-mismatch`, `csv-field`…).
    pub code: String,
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
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code: code.into(),
            severity: Severity::Error,
            message: message.into(),
            help: None,
            file: None,
            rule: None,
            spans: Vec::new(),
        }
    }

    /// A warning with a code and message and no location yet.
    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Diagnostic {
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
        self.with_span(Span {
            start: 0,
            end: 0,
            line,
            column,
        })
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
                    let width = source
                        .get(span.start..span.end.min(span.start + text.len()))
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
        let d = Diagnostic::error("unknown-field", "unknown field `lvl` on `customer`")
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
}
