//! A small JSON pull reader (RFC 8259, strict) for reading orders straight into typed
//! fields, the same way natively and in WebAssembly (docs/ARCHITECTURE.md).
//!
//! It accepts exactly what `serde_json` accepts — no trailing commas, comments, `NaN`,
//! leading zeros or lone surrogates — and refuses the rest with `serde_json`'s own
//! words and position (`expected `,` or `}` at line 3 column 3`), because those words are
//! part of the order contract (docs/semantics.md §10.1) and of the CLI's golden files.
//! Nesting is limited like `serde_json`'s (127 arrays and objects deep, the root
//! included). Strings without escapes are borrowed from the text; numbers are kept as
//! their text and range-checked the way `serde_json` reads them, so the caller converts
//! them exactly as before ([`as_f64`], `json/number.rs`: `serde_json`'s own algorithm).
//!
//! The caller drives it: [`Reader::peek_value`] says what comes next, then one of
//! [`Reader::string`], [`Reader::number`], [`Reader::skip`], [`Reader::begin_array`] with
//! [`Reader::next_element`], or [`Reader::begin_object`] with [`Reader::next_key`].
//!
//! Its writer, [`write`], writes JSON text the way `serde_json` does.

use std::borrow::Cow;
use std::fmt;

mod number;
pub(crate) mod write;

/// Deepest nesting `serde_json` admits: its recursion budget of 128 refuses the 128th.
const DEPTH: u8 = 128;

/// What a JSON value is, from its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// How an error message names a value of this kind (`found a list`).
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "a list",
            Kind::Object => "an object",
        }
    }
}

/// A syntax error: `serde_json`'s message and its 1-based line and 0-based-after-the-
/// offending-byte column (what `serde_json` prints), and the byte offset it stands at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    message: &'static str,
    line: usize,
    column: usize,
    /// Byte offset the position was computed from.
    pub(crate) offset: usize,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.message, self.line, self.column
        )
    }
}

const EOF_LIST: &str = "EOF while parsing a list";
const EOF_OBJECT: &str = "EOF while parsing an object";
const EOF_STRING: &str = "EOF while parsing a string";
const EOF_VALUE: &str = "EOF while parsing a value";
const INVALID_NUMBER: &str = "invalid number";
const INVALID_ESCAPE: &str = "invalid escape";
const LONE_SURROGATE: &str = "lone leading surrogate in hex escape";
const END_OF_HEX: &str = "unexpected end of hex escape";

/// The reader: a position in `text` and the nesting budget left.
pub(crate) struct Reader<'a> {
    text: &'a str,
    pos: usize,
    depth: u8,
}

pub(crate) type Result<T> = std::result::Result<T, Error>;

impl<'a> Reader<'a> {
    pub(crate) fn new(text: &'a str) -> Reader<'a> {
        Reader {
            text,
            pos: 0,
            depth: DEPTH,
        }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    /// An error at byte offset `at` (what `serde_json` calls its position there).
    fn error_at(&self, at: usize, message: &'static str) -> Error {
        let at = at.min(self.text.len());
        let before = self.bytes().get(..at).unwrap_or_default();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        Error {
            message,
            line: 1 + before.iter().filter(|&&b| b == b'\n').count(),
            column: at - line_start,
            offset: at,
        }
    }

    /// An error about the byte just consumed (`serde_json`'s `error`).
    fn error(&self, message: &'static str) -> Error {
        self.error_at(self.pos, message)
    }

    /// An error about the byte about to be read (`serde_json`'s `peek_error`).
    fn peek_error(&self, message: &'static str) -> Error {
        self.error_at(self.pos + 1, message)
    }

    fn whitespace(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.pos += 1;
        }
        self.peek()
    }

    /// What the next value is, without consuming it.
    pub(crate) fn peek_value(&mut self) -> Result<Kind> {
        match self.whitespace() {
            None => Err(self.peek_error(EOF_VALUE)),
            Some(b'n') => Ok(Kind::Null),
            Some(b't' | b'f') => Ok(Kind::Bool),
            Some(b'-' | b'0'..=b'9') => Ok(Kind::Number),
            Some(b'"') => Ok(Kind::String),
            Some(b'[') => Ok(Kind::Array),
            Some(b'{') => Ok(Kind::Object),
            Some(_) => Err(self.peek_error("expected value")),
        }
    }

    /// The end of the document: nothing but whitespace may follow.
    pub(crate) fn end(&mut self) -> Result<()> {
        match self.whitespace() {
            None => Ok(()),
            Some(_) => Err(self.peek_error("trailing characters")),
        }
    }

    fn ident(&mut self, rest: &[u8]) -> Result<()> {
        self.pos += 1;
        for &want in rest {
            match self.next() {
                None => return Err(self.error(EOF_VALUE)),
                Some(b) if b != want => return Err(self.error("expected ident")),
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// Reads and discards the next value of any kind, checking it as strictly as any
    /// other (an unknown field must not make an invalid document valid).
    pub(crate) fn skip(&mut self) -> Result<()> {
        match self.peek_value()? {
            Kind::Null => self.ident(b"ull"),
            Kind::Bool if self.peek() == Some(b't') => self.ident(b"rue"),
            Kind::Bool => self.ident(b"alse"),
            Kind::Number => self.number().map(drop),
            Kind::String => self.string().map(drop),
            Kind::Array => {
                let mut list = self.begin_array()?;
                while self.next_element(&mut list)? {
                    self.skip()?;
                }
                Ok(())
            }
            Kind::Object => {
                let mut object = self.begin_object()?;
                while self.next_key(&mut object)?.is_some() {
                    self.skip()?;
                }
                Ok(())
            }
        }
    }

    /// Consumes the `[` or `{` [`Reader::peek_value`] saw, within the nesting budget.
    fn enter(&mut self) -> Result<Container> {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            return Err(self.peek_error("recursion limit exceeded"));
        }
        self.pos += 1;
        Ok(Container { first: true })
    }

    /// Consumes the closing `]` or `}` the caller peeked.
    fn leave(&mut self) {
        self.pos += 1;
        self.depth = self.depth.saturating_add(1);
    }

    /// Consumes the `[` [`Reader::peek_value`] saw; then call [`Reader::next_element`]
    /// until it says `false`, reading one value each time it says `true`.
    pub(crate) fn begin_array(&mut self) -> Result<Container> {
        self.enter()
    }

    /// Whether another element follows (consuming the `,` before it, or the `]`).
    pub(crate) fn next_element(&mut self, list: &mut Container) -> Result<bool> {
        match self.whitespace() {
            None => Err(self.peek_error(EOF_LIST)),
            Some(b']') => {
                self.leave();
                Ok(false)
            }
            Some(_) if list.first => {
                list.first = false;
                Ok(true)
            }
            Some(b',') => {
                self.pos += 1;
                match self.whitespace() {
                    Some(b']') => Err(self.peek_error("trailing comma")),
                    Some(_) => Ok(true),
                    None => Err(self.peek_error(EOF_VALUE)),
                }
            }
            Some(_) => Err(self.peek_error("expected `,` or `]`")),
        }
    }

    /// Consumes the `{` [`Reader::peek_value`] saw; then call [`Reader::next_key`] until
    /// it says `None`, reading one value after each key.
    pub(crate) fn begin_object(&mut self) -> Result<Container> {
        self.enter()
    }

    /// The next key (unescaped) and its `:`, or `None` after consuming the `}`.
    pub(crate) fn next_key(&mut self, object: &mut Container) -> Result<Option<Cow<'a, str>>> {
        const KEY: &str = "key must be a string";
        match self.whitespace() {
            None => return Err(self.peek_error(EOF_OBJECT)),
            Some(b'}') => {
                self.leave();
                return Ok(None);
            }
            Some(b'"') if object.first => object.first = false,
            Some(_) if object.first => return Err(self.peek_error(KEY)),
            Some(b',') => {
                self.pos += 1;
                match self.whitespace() {
                    Some(b'"') => {}
                    Some(b'}') => return Err(self.peek_error("trailing comma")),
                    Some(_) => return Err(self.peek_error(KEY)),
                    None => return Err(self.peek_error(EOF_VALUE)),
                }
            }
            Some(_) => return Err(self.peek_error("expected `,` or `}`")),
        }
        let key = self.string()?;
        match self.whitespace() {
            Some(b':') => {
                self.pos += 1;
                Ok(Some(key))
            }
            Some(_) => Err(self.peek_error("expected `:`")),
            None => Err(self.peek_error(EOF_OBJECT)),
        }
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - from
    }

    /// The number [`Reader::peek_value`] saw, as its text; refused like `serde_json`
    /// refuses it when malformed or beyond the range of an `f64`.
    pub(crate) fn number(&mut self) -> Result<&'a str> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.next() {
            None => return Err(self.error(EOF_VALUE)),
            Some(b'0') => {
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.peek_error(INVALID_NUMBER));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            Some(_) => return Err(self.error(INVALID_NUMBER)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(match self.peek() {
                    Some(_) => self.peek_error(INVALID_NUMBER),
                    None => self.peek_error(EOF_VALUE),
                });
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            match self.next() {
                None => return Err(self.error(EOF_VALUE)),
                Some(b'0'..=b'9') => {
                    self.digits();
                }
                Some(_) => return Err(self.error(INVALID_NUMBER)),
            }
        }
        let token = self.text.get(start..self.pos).unwrap_or_default();
        if may_overflow(token) {
            // serde_json says where in the number it gave up (after the whole number,
            // or inside an exponent too long for an i32).
            if let Err(at) = number::value(token) {
                return Err(self.error_at(start + at, "number out of range"));
            }
        }
        Ok(token)
    }

    /// The string [`Reader::peek_value`] saw, unescaped: borrowed from the text when it
    /// has no escape.
    pub(crate) fn string(&mut self) -> Result<Cow<'a, str>> {
        self.pos += 1;
        let mut start = self.pos;
        let mut owned: Option<String> = None;
        loop {
            let stop = self
                .bytes()
                .get(self.pos..)
                .unwrap_or_default()
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(stop) = stop else {
                self.pos = self.text.len();
                return Err(self.error(EOF_STRING));
            };
            let at = self.pos + stop;
            // `at` is an ASCII byte, so both ends are character boundaries.
            let chunk = self.text.get(start..at).unwrap_or_default();
            self.pos = at + 1;
            match self.bytes().get(at) {
                Some(b'"') => {
                    return Ok(match owned {
                        None => Cow::Borrowed(chunk),
                        Some(mut s) => {
                            s.push_str(chunk);
                            Cow::Owned(s)
                        }
                    })
                }
                Some(b'\\') => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(chunk);
                    self.escape(s)?;
                    start = self.pos;
                }
                _ => {
                    return Err(self
                        .error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
            }
        }
    }

    /// One escape after its `\`, appended to `out`.
    fn escape(&mut self, out: &mut String) -> Result<()> {
        let c = match self.next() {
            None => return Err(self.error(EOF_STRING)),
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(out),
            Some(_) => return Err(self.error(INVALID_ESCAPE)),
        };
        out.push(c);
        Ok(())
    }

    /// The four hex digits of a `\u` escape.
    fn hex4(&mut self) -> Result<u32> {
        let Some(digits) = self.bytes().get(self.pos..self.pos + 4) else {
            self.pos = self.text.len();
            return Err(self.error(EOF_STRING));
        };
        self.pos += 4;
        let mut n = 0;
        for &d in digits {
            let Some(v) = (d as char).to_digit(16) else {
                return Err(self.error(INVALID_ESCAPE));
            };
            n = n * 16 + v;
        }
        Ok(n)
    }

    /// A `\u` escape: a character, or a surrogate pair that must be complete.
    fn unicode_escape(&mut self, out: &mut String) -> Result<()> {
        let n = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&n) {
            return Err(self.error(LONE_SURROGATE));
        }
        let n = if (0xD800..=0xDBFF).contains(&n) {
            for want in [b'\\', b'u'] {
                match self.next() {
                    None => return Err(self.error(EOF_STRING)),
                    Some(b) if b != want => return Err(self.error(END_OF_HEX)),
                    Some(_) => {}
                }
            }
            let low = self.hex4()?;
            if !(0xDC00..=0xDFFF).contains(&low) {
                return Err(self.error(LONE_SURROGATE));
            }
            0x1_0000 + ((n - 0xD800) << 10) + (low - 0xDC00)
        } else {
            n
        };
        // Never `None`: surrogates are paired above.
        out.extend(char::from_u32(n));
        Ok(())
    }
}

/// The state of one array or object being read.
pub(crate) struct Container {
    first: bool,
}

/// Whether `token`, a number [`Reader::number`] returned, may not fit an `f64` and so
/// must be range-checked (an exponent, or more integer digits than a `u64` holds).
fn may_overflow(token: &str) -> bool {
    token.len() > 20 || token.bytes().any(|b| b == b'e' || b == b'E')
}

/// A number token as a `u64`, when `serde_json` would read it as one.
pub(crate) fn as_u64(token: &str) -> Option<u64> {
    if token.bytes().all(|b| b.is_ascii_digit()) {
        token.parse().ok()
    } else {
        None
    }
}

/// A number token as an `f64`, the way `serde_json::Number::as_f64` gives it.
pub(crate) fn as_f64(token: &str) -> Option<f64> {
    // Short plain integers are exact either way; the rest take serde_json's rounding.
    if token.len() <= 15 {
        if let Some(n) = as_u64(token) {
            return Some(n as f64);
        }
    }
    number::value(token).ok()
}
