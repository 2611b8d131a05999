//! Step one of the rule pipeline: `when` text to tokens, each with its byte span.
//! The lexer knows CEL's literal syntax (numbers, the four string quotings and their
//! escapes, raw strings) so the parser never looks at characters.

use crate::diagnostic::{Code, Diagnostic, Span};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An integer literal's magnitude (the sign is a separate token); kept unsigned so
    /// that `-9223372036854775808` can be written.
    Int(u64),
    /// A floating-point literal.
    Double(f64),
    /// A string literal, escapes resolved.
    Str(String),
    /// An identifier (not a keyword).
    Ident(String),
    /// `true`
    True,
    /// `false`
    False,
    /// `null`
    Null,
    /// `in`
    In,
    /// Punctuation and operators, by their text (`==`, `(`, `&&` …).
    Punct(&'static str),
    /// End of input.
    Eof,
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// Byte offsets into the expression.
    pub span: Span,
}

/// Words CEL reserves: they cannot name variables.
const RESERVED: &[&str] = &[
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

const PUNCTS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", ".", ",",
    "(", ")", "[", "]", "{", "}", "=", "&", "|",
];

/// Splits `src` into tokens (always ending with [`Tok::Eof`]), or returns every lexical
/// error found.
pub fn lex(src: &str) -> Result<Vec<Token>, Vec<Diagnostic>> {
    let mut lx = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
    };
    lx.run();
    if lx.errors.is_empty() {
        Ok(lx.tokens)
    } else {
        Err(lx.errors)
    }
}

struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    tokens: Vec<Token>,
    errors: Vec<Diagnostic>,
}

fn syntax(message: impl Into<String>, start: usize, end: usize) -> Diagnostic {
    Diagnostic::error(Code::Syntax, message).with_span(Span::new(start, end))
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.tokens.push(Token {
            tok,
            span: Span::new(start, self.pos),
        });
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            let start = self.pos;
            if c.is_ascii_whitespace() {
                self.pos += 1;
            } else if c == b'/' && self.peek(1) == Some(b'/') {
                while let Some(c) = self.peek(0) {
                    if c == b'\n' {
                        break;
                    }
                    self.pos += 1;
                }
            } else if c.is_ascii_digit()
                || (c == b'.' && self.peek(1).is_some_and(|d| d.is_ascii_digit()))
            {
                self.number();
            } else if c == b'"' || c == b'\'' {
                self.string(false, start);
            } else if (c == b'r' || c == b'R') && matches!(self.peek(1), Some(b'"' | b'\'')) {
                self.pos += 1;
                self.string(true, start);
            } else if (c == b'b' || c == b'B')
                && (matches!(self.peek(1), Some(b'"' | b'\''))
                    || (matches!(self.peek(1), Some(b'r' | b'R'))
                        && matches!(self.peek(2), Some(b'"' | b'\''))))
            {
                self.pos += 1;
                let raw = matches!(self.peek(0), Some(b'r' | b'R'));
                if raw {
                    self.pos += 1;
                }
                self.string(raw, start);
                self.tokens.pop();
                self.errors.push(
                    Diagnostic::error(Code::Unsupported, "bytes literals are not supported")
                        .with_span(Span::new(start, self.pos))
                        .with_help("no fact is of type `bytes`; use a string literal"),
                );
            } else if c == b'_' || c.is_ascii_alphabetic() {
                while self
                    .peek(0)
                    .is_some_and(|c| c == b'_' || c.is_ascii_alphanumeric())
                {
                    self.pos += 1;
                }
                let word = self.src.get(start..self.pos).unwrap_or("");
                let tok = match word {
                    "true" => Tok::True,
                    "false" => Tok::False,
                    "null" => Tok::Null,
                    "in" => Tok::In,
                    w if RESERVED.contains(&w) => {
                        self.errors.push(syntax(
                            format!("`{w}` is a reserved word in CEL"),
                            start,
                            self.pos,
                        ));
                        Tok::Ident(w.to_string())
                    }
                    w => Tok::Ident(w.to_string()),
                };
                self.push(tok, start);
            } else if let Some(p) = PUNCTS
                .iter()
                .find(|p| self.bytes.get(start..start + p.len()) == Some(p.as_bytes()))
            {
                self.pos += p.len();
                match *p {
                    "=" => self.errors.push(
                        syntax("unexpected `=`", start, self.pos).with_help("compare with `==`"),
                    ),
                    "&" => self.errors.push(
                        syntax("unexpected `&`", start, self.pos).with_help("logical and is `&&`"),
                    ),
                    "|" => self.errors.push(
                        syntax("unexpected `|`", start, self.pos).with_help("logical or is `||`"),
                    ),
                    _ => self.push(Tok::Punct(p), start),
                }
            } else {
                let ch = self.src.get(start..).and_then(|s| s.chars().next());
                let len = ch.map_or(1, char::len_utf8);
                self.pos += len;
                let shown = ch.map_or_else(|| "?".to_string(), |c| c.to_string());
                let mut d = syntax(format!("unexpected character `{shown}`"), start, self.pos);
                if let Some(help) = ch.and_then(fullwidth_help) {
                    d = d.with_help(help);
                }
                self.errors.push(d);
            }
        }
        let end = self.src.len();
        self.tokens.push(Token {
            tok: Tok::Eof,
            span: Span::new(end, end),
        });
    }

    fn number(&mut self) {
        let start = self.pos;
        if self.peek(0) == Some(b'0') && matches!(self.peek(1), Some(b'x' | b'X')) {
            self.pos += 2;
            let digits_start = self.pos;
            while self.peek(0).is_some_and(|c| c.is_ascii_hexdigit()) {
                self.pos += 1;
            }
            let digits = self.src.get(digits_start..self.pos).unwrap_or("");
            match u64::from_str_radix(digits, 16) {
                Ok(v) => self.push(Tok::Int(v), start),
                Err(_) => self.errors.push(
                    Diagnostic::error(
                        Code::InvalidLiteral,
                        format!(
                            "invalid integer literal `{}`",
                            self.src.get(start..self.pos).unwrap_or("")
                        ),
                    )
                    .with_span(Span::new(start, self.pos)),
                ),
            }
            self.unsigned_suffix(start);
            return;
        }
        let mut is_double = false;
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            is_double = true;
            self.pos += 1;
            while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(0), Some(b'e' | b'E')) {
            let sign = usize::from(matches!(self.peek(1), Some(b'+' | b'-')));
            if self.peek(1 + sign).is_some_and(|c| c.is_ascii_digit()) {
                is_double = true;
                self.pos += 1 + sign;
                while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
        }
        let text = self.src.get(start..self.pos).unwrap_or("");
        if is_double {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => self.push(Tok::Double(v), start),
                _ => self.errors.push(
                    Diagnostic::error(
                        Code::InvalidLiteral,
                        format!("double literal `{text}` is out of range"),
                    )
                    .with_span(Span::new(start, self.pos)),
                ),
            }
        } else {
            match text.parse::<u64>() {
                Ok(v) => self.push(Tok::Int(v), start),
                Err(_) => self.errors.push(
                    Diagnostic::error(
                        Code::InvalidLiteral,
                        format!("integer literal `{text}` is out of range"),
                    )
                    .with_help("integers are 64-bit: -9223372036854775808..9223372036854775807")
                    .with_span(Span::new(start, self.pos)),
                ),
            }
            self.unsigned_suffix(start);
        }
    }

    fn unsigned_suffix(&mut self, start: usize) {
        if matches!(self.peek(0), Some(b'u' | b'U')) {
            self.pos += 1;
            self.tokens.pop();
            self.errors.push(
                Diagnostic::error(Code::InvalidLiteral, "unsigned integers are not supported")
                    .with_help("no fact is a `uint`; drop the `u` suffix")
                    .with_span(Span::new(start, self.pos)),
            );
        }
    }

    /// Reads a quoted string starting at `self.pos` (the quote); `start` is where the
    /// token began (before any `r` prefix).
    fn string(&mut self, raw: bool, start: usize) {
        let Some(q) = self.peek(0) else { return };
        let triple = self.peek(1) == Some(q) && self.peek(2) == Some(q);
        self.pos += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let Some(c) = self.peek(0) else {
                self.errors.push(
                    syntax("unterminated string", start, self.pos)
                        .with_help("close the string with the quote it was opened with"),
                );
                return;
            };
            if c == q {
                if !triple {
                    self.pos += 1;
                    break;
                }
                if self.peek(1) == Some(q) && self.peek(2) == Some(q) {
                    self.pos += 3;
                    break;
                }
            }
            if !triple && (c == b'\n' || c == b'\r') {
                self.errors.push(
                    syntax("unterminated string", start, self.pos)
                        .with_help("a quoted string cannot span lines; use triple quotes"),
                );
                return;
            }
            if c == b'\\' && !raw {
                let esc_start = self.pos;
                match self.escape() {
                    Some(ch) => out.push(ch),
                    None => {
                        let shown = self
                            .src
                            .get(esc_start..self.pos.max(esc_start + 1))
                            .unwrap_or("\\");
                        self.errors.push(
                            syntax(
                                format!("invalid escape sequence `{shown}`"),
                                esc_start,
                                self.pos.max(esc_start + 1),
                            )
                            .with_help(
                                "escapes are \\n \\t \\r \\\\ \\\" \\' \\xHH \\uHHHH \\UHHHHHHHH and octal \\ooo",
                            ),
                        );
                    }
                }
                continue;
            }
            let ch = self.src.get(self.pos..).and_then(|s| s.chars().next());
            match ch {
                Some(ch) => {
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
                None => self.pos += 1,
            }
        }
        self.push(Tok::Str(out), start);
    }

    /// Reads one escape at `self.pos` (the backslash), leaving `pos` after it.
    fn escape(&mut self) -> Option<char> {
        self.pos += 1;
        let c = self.peek(0)?;
        self.pos += 1;
        let simple = match c {
            b'a' => Some('\u{7}'),
            b'b' => Some('\u{8}'),
            b'f' => Some('\u{c}'),
            b'n' => Some('\n'),
            b'r' => Some('\r'),
            b't' => Some('\t'),
            b'v' => Some('\u{b}'),
            b'\\' => Some('\\'),
            b'\'' => Some('\''),
            b'"' => Some('"'),
            b'`' => Some('`'),
            b'?' => Some('?'),
            _ => None,
        };
        if simple.is_some() {
            return simple;
        }
        let (digits, radix) = match c {
            b'x' | b'X' => (2, 16),
            b'u' => (4, 16),
            b'U' => (8, 16),
            b'0'..=b'3' => {
                self.pos -= 1;
                (3, 8)
            }
            _ => return None,
        };
        let text = self.src.get(self.pos..self.pos + digits)?;
        if !text.chars().all(|d| d.is_digit(radix)) {
            return None;
        }
        self.pos += digits;
        let code = u32::from_str_radix(text, radix).ok()?;
        char::from_u32(code)
    }
}

/// A hint for the full-width punctuation an IME produces in place of ASCII.
fn fullwidth_help(c: char) -> Option<&'static str> {
    match c {
        '（' | '）' => Some("use ASCII parentheses `(` `)`"),
        '“' | '”' | '‘' | '’' => Some("use ASCII quotes `\"` or `'`"),
        '，' => Some("use an ASCII comma `,`"),
        '：' => Some("use an ASCII colon `:`"),
        '！' => Some("use an ASCII `!`"),
        '＝' => Some("use ASCII `==`"),
        '＆' => Some("use ASCII `&&`"),
        '｜' => Some("use ASCII `||`"),
        '［' | '］' | '【' | '】' => Some("use ASCII brackets `[` `]`"),
        '．' | '。' => Some("use an ASCII dot `.`"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    fn err(src: &str) -> Diagnostic {
        lex(src).unwrap_err().remove(0)
    }

    #[test]
    fn numbers() {
        assert_eq!(
            toks("1 0x1F 1.5 .5 1e3 2E-2"),
            vec![
                Tok::Int(1),
                Tok::Int(31),
                Tok::Double(1.5),
                Tok::Double(0.5),
                Tok::Double(1000.0),
                Tok::Double(0.02),
                Tok::Eof
            ]
        );
        assert_eq!(
            toks("9223372036854775808"),
            vec![Tok::Int(1 << 63), Tok::Eof]
        );
        assert_eq!(err("99999999999999999999").code, "invalid-literal");
        assert_eq!(err("1u").code, "invalid-literal");
        assert_eq!(err("1e999").code, "invalid-literal");
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(
            toks(r#""a\n" 'b\'' r"\d" """x"y""" '\x41\u4e2d\101'"#),
            vec![
                Tok::Str("a\n".into()),
                Tok::Str("b'".into()),
                Tok::Str("\\d".into()),
                Tok::Str("x\"y".into()),
                Tok::Str("A中A".into()),
                Tok::Eof
            ]
        );
        assert_eq!(toks("'张三'"), vec![Tok::Str("张三".into()), Tok::Eof]);
        assert_eq!(err("'abc").message, "unterminated string");
        assert_eq!(err("'a\nb'").message, "unterminated string");
        assert!(err(r"'\q'").message.contains("invalid escape"));
        assert!(err("b'x'").message.contains("bytes"));
    }

    #[test]
    fn operators_keywords_and_spans() {
        let t = lex("a.b != c && !d || x in [1] // comment").unwrap();
        let kinds: Vec<_> = t.iter().map(|t| t.tok.clone()).collect();
        assert_eq!(kinds[3], Tok::Punct("!="));
        assert!(kinds.contains(&Tok::In));
        assert_eq!(t[3].span, Span::new(4, 6));
        assert_eq!(kinds.last(), Some(&Tok::Eof));
    }

    #[test]
    fn helpful_errors() {
        assert_eq!(err("a = 1").help.as_deref(), Some("compare with `==`"));
        assert_eq!(err("a & b").help.as_deref(), Some("logical and is `&&`"));
        let d = err("size（x）");
        assert!(d.message.contains("（"));
        assert!(d.help.unwrap().contains("ASCII"));
        assert_eq!(err("let").message, "`let` is a reserved word in CEL");
        assert_eq!(err("#").spans[0], Span::new(0, 1));
    }
}
