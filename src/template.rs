//! Customer message templates: the placeholders a message text may hold and how the
//! engine fills them (docs/policy.md, "Message placeholders"; docs/semantics.md §9.5).
//!
//! A template is text with holes: `{name}` or `{name|fallback}`, where the fallback is
//! what the customer reads when the hole has no value for this check; `{{` and `}}` are
//! a literal brace. The compiler parses every message with [`parse`] and reports each
//! problem at its byte range; the engine fills with [`render`], which never fails: a
//! hole without a value shows its fallback (or nothing), and text a compiler would have
//! refused (a crafted snapshot) is shown as written.

use crate::time::Timestamp;

/// A value the engine can put into a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// `{reason}`: the merchant's text for the list reason of the customer's entry.
    Reason,
    /// `{expires}`: the date that entry stops applying, written for the locale.
    Expires,
    /// `{appeal}`: the policy's `appeal` address or URL.
    Appeal,
    /// `{case}`: the check's case reference ([`crate::case_ref`]).
    Case,
}

impl Placeholder {
    /// Every placeholder, in the order the docs list them.
    pub const ALL: [Placeholder; 4] = [
        Placeholder::Reason,
        Placeholder::Expires,
        Placeholder::Appeal,
        Placeholder::Case,
    ];

    /// Its name between the braces.
    pub const fn name(self) -> &'static str {
        match self {
            Placeholder::Reason => "reason",
            Placeholder::Expires => "expires",
            Placeholder::Appeal => "appeal",
            Placeholder::Case => "case",
        }
    }

    fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether it speaks of the customer's list entry, so has a value only in a message
    /// of a rule that reads the listing (docs/policy.md).
    pub const fn is_about_entry(self) -> bool {
        matches!(self, Placeholder::Reason | Placeholder::Expires)
    }
}

/// One piece of a template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text shown as it is (an escaped brace is a piece of its own).
    Text(&'a str),
    /// A hole, with its byte range in the template and its fallback (empty when none).
    Hole {
        /// Which value.
        placeholder: Placeholder,
        /// What shows when there is no value.
        fallback: &'a str,
        /// Byte range of `{…}` in the template.
        start: usize,
        /// End of that range.
        end: usize,
        /// Whether a `|fallback` was written (even an empty one).
        has_fallback: bool,
    },
}

/// A template problem, at a byte range of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Start of the offending text.
    pub start: usize,
    /// Its end.
    pub end: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

/// Whether `text` holds anything a template gives meaning to (a brace). Text without
/// braces is shown exactly as written, so it needs no parsing and no newer format.
pub fn has_braces(text: &str) -> bool {
    text.contains(['{', '}'])
}

/// The pieces of `template`, and every problem found (the pieces then skip the bad
/// parts, which [`render`] shows as written).
pub fn parse(template: &str) -> (Vec<Piece<'_>>, Vec<TemplateError>) {
    let mut pieces = Vec::new();
    let mut errors = Vec::new();
    let mut rest_start = 0;
    let mut i = 0;
    let bytes = template.as_bytes();
    let text = |from: usize, to: usize| template.get(from..to).unwrap_or("");
    while i < bytes.len() {
        let b = bytes.get(i).copied().unwrap_or(0);
        let next = bytes.get(i + 1).copied();
        if (b == b'{' && next == Some(b'{')) || (b == b'}' && next == Some(b'}')) {
            push_text(&mut pieces, text(rest_start, i + 1));
            i += 2;
            rest_start = i;
        } else if b == b'}' {
            errors.push(TemplateError {
                start: i,
                end: i + 1,
                message: "a `}` closes no placeholder".into(),
                help: "write `}}` for a literal `}`".into(),
            });
            push_text(&mut pieces, text(rest_start, i + 1));
            i += 1;
            rest_start = i;
        } else if b == b'{' {
            push_text(&mut pieces, text(rest_start, i));
            match hole(template, i) {
                Ok((piece, end)) => {
                    pieces.push(piece);
                    i = end;
                }
                Err((e, end)) => {
                    push_text(&mut pieces, text(i, end));
                    errors.push(e);
                    i = end;
                }
            }
            rest_start = i;
        } else {
            i += 1;
        }
    }
    push_text(&mut pieces, text(rest_start, bytes.len()));
    (pieces, errors)
}

fn push_text<'a>(pieces: &mut Vec<Piece<'a>>, text: &'a str) {
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
}

/// The hole opening at `start` (a `{`) and the offset after it; on error, the error and
/// where to resume.
fn hole(template: &str, start: usize) -> Result<(Piece<'_>, usize), (TemplateError, usize)> {
    let after = template.get(start + 1..).unwrap_or("");
    let names = Placeholder::ALL.map(Placeholder::name).join("`, `");
    let Some(close) = after
        .find(['}', '{'])
        .filter(|&c| after.as_bytes().get(c) == Some(&b'}'))
    else {
        let end = after.find('{').map_or(template.len(), |c| start + 1 + c);
        return Err((
            TemplateError {
                start,
                end: start + 1,
                message: "a `{` opens a placeholder that is never closed".into(),
                help: format!("close it, e.g. `{{case}}`, or write `{{{{` for a literal `{{`; the placeholders are `{names}`"),
            },
            end,
        ));
    };
    let end = start + 1 + close + 1;
    let inner = after.get(..close).unwrap_or("");
    let (name, fallback) = match inner.split_once('|') {
        Some((n, f)) => (n, Some(f)),
        None => (inner, None),
    };
    let Some(placeholder) = Placeholder::from_name(name.trim()) else {
        return Err((
            TemplateError {
                start,
                end,
                message: format!("unknown placeholder `{{{}}}`", name.trim()),
                help: format!(
                    "the placeholders are `{names}` (docs/policy.md, \"Message placeholders\"); write `{{{{` and `}}}}` for literal braces"
                ),
            },
            end,
        ));
    };
    Ok((
        Piece::Hole {
            placeholder,
            fallback: fallback.unwrap_or(""),
            start,
            end,
            has_fallback: fallback.is_some(),
        },
        end,
    ))
}

/// What the engine knows for one check.
#[derive(Debug, Clone, Copy, Default)]
pub struct Values<'a> {
    /// The merchant's text for the entry's list reason.
    pub reason: Option<&'a str>,
    /// When the entry stops applying.
    pub expires: Option<Timestamp>,
    /// The policy's `appeal`.
    pub appeal: Option<&'a str>,
    /// The case reference.
    pub case: Option<&'a str>,
}

/// `template` with its holes filled for `locale` (the locale the text is in). The
/// same grammar as [`parse`], scanned without building pieces or error messages: this
/// is the runtime's path, and [`parse`] (the compiler's) stays out of its wasm.
pub fn render(template: &str, locale: &str, values: &Values<'_>) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let next = from.get(1..2);
        if from.starts_with('}') || next == Some("{") {
            // `}}`, `{{` → one brace; a lone `}` is shown as written.
            out.push_str(from.get(..1).unwrap_or(""));
            let skip = if next == from.get(..1) { 2 } else { 1 };
            rest = from.get(skip..).unwrap_or("");
            continue;
        }
        // `{` … up to the next brace: a hole when that is a `}` naming a placeholder.
        let inner_end = from
            .get(1..)
            .and_then(|t| t.find(['{', '}']))
            .map(|i| i + 1);
        let hole = inner_end
            .filter(|&e| from.get(e..e + 1) == Some("}"))
            .and_then(|e| {
                let inner = from.get(1..e)?;
                let (name, fallback) = inner.split_once('|').unwrap_or((inner, ""));
                Some((Placeholder::from_name(name.trim())?, fallback, e + 1))
            });
        let Some((placeholder, fallback, end)) = hole else {
            let end = inner_end
                .filter(|&e| from.get(e..e + 1) == Some("}"))
                .map_or(1, |e| e + 1);
            out.push_str(from.get(..end).unwrap_or(""));
            rest = from.get(end..).unwrap_or("");
            continue;
        };
        let value = match placeholder {
            Placeholder::Reason => values.reason.map(str::to_string),
            Placeholder::Expires => values.expires.map(|t| format_date(t, locale)),
            Placeholder::Appeal => values.appeal.map(str::to_string),
            Placeholder::Case => values.case.map(str::to_string),
        };
        match value {
            Some(v) if !v.is_empty() => out.push_str(&v),
            _ => out.push_str(fallback),
        }
        rest = from.get(end..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// The UTC calendar date of `t` as the locale writes dates: `2026年12月10日` (Chinese,
/// Japanese), `2026년 12월 10일` (Korean), `December 10, 2026` (`en-US`),
/// `10 December 2026` (other English), else ISO 8601 `2026-12-10`.
pub fn format_date(t: Timestamp, locale: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let (y, m, d) = t.civil_date();
    let lower = locale.to_ascii_lowercase();
    let language = lower.split(['-', '_']).next().unwrap_or("");
    let month = usize::try_from(m - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("");
    match language {
        "zh" | "ja" => format!("{y}年{m}月{d}日"),
        "ko" => format!("{y}년 {m}월 {d}일"),
        "en" if lower == "en-us" || lower == "en_us" => format!("{month} {d}, {y}"),
        "en" => format!("{d} {month} {y}"),
        _ => format!("{y:04}-{m:02}-{d:02}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values<'static> {
        Values {
            reason: Some("repeated refund claims"),
            expires: Timestamp::parse_rfc3339("2026-12-10T00:00:00Z").ok(),
            appeal: Some("support@example.com"),
            case: Some("ABCD-EFGH"),
        }
    }

    #[test]
    fn fills_every_placeholder_and_unescapes_braces() {
        let t = "Listed for {reason} until {expires}; write to {appeal} quoting {case} {{ok}}";
        assert_eq!(
            render(t, "en", &values()),
            "Listed for repeated refund claims until 10 December 2026; write to support@example.com quoting ABCD-EFGH {ok}"
        );
        assert_eq!(parse(t).1, vec![]);
    }

    #[test]
    fn a_hole_without_a_value_shows_its_fallback_or_nothing() {
        let none = Values::default();
        assert_eq!(
            render("until {expires|further notice}.", "en", &none),
            "until further notice."
        );
        assert_eq!(render("[{reason}]", "en", &none), "[]");
    }

    #[test]
    fn dates_follow_the_locale() {
        let t = Timestamp::parse_rfc3339("2026-03-05T23:59:59Z").unwrap();
        assert_eq!(format_date(t, "zh-CN"), "2026年3月5日");
        assert_eq!(format_date(t, "en-US"), "March 5, 2026");
        assert_eq!(format_date(t, "en"), "5 March 2026");
        assert_eq!(format_date(t, "ko"), "2026년 3월 5일");
        assert_eq!(format_date(t, "de-DE"), "2026-03-05");
    }

    #[test]
    fn errors_carry_their_byte_range() {
        let (_, errors) = parse("a {resaon} b } c {case");
        let ranges: Vec<(usize, usize)> = errors.iter().map(|e| (e.start, e.end)).collect();
        assert_eq!(ranges, vec![(2, 10), (13, 14), (17, 18)]);
        assert!(errors[0].message.contains("unknown placeholder `{resaon}`"));
        assert!(errors[0]
            .help
            .contains("`reason`, `expires`, `appeal`, `case`"));
    }

    /// What [`render`] must give: the pieces of [`parse`], filled.
    fn by_pieces(template: &str, values: &Values<'_>) -> String {
        let mut out = String::new();
        for piece in parse(template).0 {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Hole {
                    placeholder,
                    fallback,
                    ..
                } => {
                    let v = match placeholder {
                        Placeholder::Reason => values.reason.map(str::to_string),
                        Placeholder::Expires => values.expires.map(|t| format_date(t, "en")),
                        Placeholder::Appeal => values.appeal.map(str::to_string),
                        Placeholder::Case => values.case.map(str::to_string),
                    };
                    out.push_str(v.as_deref().unwrap_or(fallback));
                }
            }
        }
        out
    }

    #[test]
    fn the_runtime_scanner_agrees_with_the_compilers_parser() {
        let tricky = [
            "",
            "plain",
            "{{x}}",
            "}}}",
            "{{{case}}}",
            "{a{case}",
            "{case|}",
            "{ case }",
            "x{expires|a|b}y",
            "{reason",
            "}{",
            "{|x}",
            "é{appeal}ü}",
            "{{}",
            "{}}",
            "{case}{case}",
            "a {nope} } {case",
        ];
        for full in [values(), Values::default()] {
            for t in tricky {
                assert_eq!(render(t, "en", &full), by_pieces(t, &full), "{t:?}");
            }
        }
    }

    #[test]
    fn bad_text_is_shown_as_written() {
        assert_eq!(
            render("a {nope} } {case", "en", &values()),
            "a {nope} } {case"
        );
    }
}
