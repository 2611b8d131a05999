//! Reading `check`'s and `backtest`'s input with bounded memory (docs/semantics.md,
//! Errors): one JSON document, or JSON Lines of orders, never holding more than the order
//! size limit plus one byte of any of them. A line or document over the limit is counted and skipped,
//! not read whole; a line that is not UTF-8 is an error for that line only.
//!
//! Which of the two the input is: JSON Lines when its first non-blank line is a
//! complete JSON value on its own, otherwise one document (a pretty-printed order with
//! a missing comma is then one error at its line, not one per line).

use checkout_guard::OrderError;
use std::io::{self, BufRead, Read};

/// What the input holds.
pub enum Input<R> {
    /// Nothing but blank space.
    Empty,
    /// One JSON document (possibly over many lines): its text, or why it is unusable.
    Document(Result<String, OrderError>),
    /// JSON Lines: every non-blank line, with its 1-based number.
    Lines(Lines<R>),
}

fn unusable(message: String) -> OrderError {
    OrderError {
        path: String::new(),
        message,
    }
}

fn too_large(bytes: usize, limit: usize) -> OrderError {
    unusable(format!("document is {bytes} bytes; the limit is {limit}"))
}

/// `bytes` as text, or where they stop being UTF-8 (1-based line and byte column,
/// counted from `first_line`).
fn text(bytes: Vec<u8>, first_line: usize) -> Result<String, OrderError> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = e.as_bytes().get(..at).unwrap_or(&[]);
        let line = first_line + before.iter().filter(|&&b| b == b'\n').count();
        let column = at
            - before
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        unusable(format!(
            "not valid UTF-8 (line {line}, byte {column}); save the orders as UTF-8"
        ))
    })
}

/// Reads one line into `buf` (without its line end), keeping at most `limit + 1` bytes
/// and skipping the rest. Returns the line's full length, or `None` at the end.
fn read_line(r: &mut impl BufRead, limit: usize, buf: &mut Vec<u8>) -> io::Result<Option<usize>> {
    buf.clear();
    let mut total = 0usize;
    let mut any = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let newline = chunk.iter().position(|&b| b == b'\n');
        let part = chunk.get(..newline.unwrap_or(chunk.len())).unwrap_or(&[]);
        let room = (limit + 1).saturating_sub(buf.len());
        buf.extend_from_slice(part.get(..part.len().min(room)).unwrap_or(&[]));
        total += part.len();
        let used = newline.map_or(chunk.len(), |i| i + 1);
        r.consume(used);
        if newline.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if total <= limit && buf.last() == Some(&b'\r') {
        buf.pop();
        total -= 1;
    }
    Ok(Some(total))
}

/// A UTF-8 byte order mark, skipped at the start of the input.
const BOM: &[u8] = "\u{feff}".as_bytes();

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// A line's order text, or why it is unusable.
fn line_text(buf: &[u8], total: usize, limit: usize, line: usize) -> Result<String, OrderError> {
    if total > limit {
        return Err(too_large(total, limit));
    }
    text(buf.to_vec(), line)
}

/// The non-blank lines of JSON Lines input, each read with [`read_line`].
pub struct Lines<R> {
    reader: R,
    limit: usize,
    /// Number of the last line read.
    line: usize,
    /// The first order line, read while deciding what the input is.
    first: Option<(usize, Result<String, OrderError>)>,
    buf: Vec<u8>,
    /// Bytes consumed so far, line ends included (for progress).
    bytes: u64,
}

impl<R: BufRead> Lines<R> {
    /// Every non-blank line of `reader` as JSON Lines (`backtest`'s input, which is
    /// never one document), a leading byte order mark skipped.
    pub fn new(reader: R, limit: usize) -> Lines<R> {
        Lines {
            reader,
            limit,
            line: 0,
            first: None,
            buf: Vec::new(),
            bytes: 0,
        }
    }

    /// Bytes consumed so far, line ends included.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }
}

impl<R: BufRead> Iterator for Lines<R> {
    type Item = io::Result<(usize, Result<String, OrderError>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(first) = self.first.take() {
            return Some(Ok(first));
        }
        loop {
            let total = match read_line(&mut self.reader, self.limit, &mut self.buf) {
                Ok(Some(total)) => total,
                Ok(None) => return None,
                Err(e) => return Some(Err(e)),
            };
            self.line += 1;
            self.bytes = self
                .bytes
                .saturating_add(u64::try_from(total).unwrap_or(u64::MAX))
                .saturating_add(1);
            if self.line == 1 && self.buf.starts_with(BOM) {
                self.buf.drain(..BOM.len());
            }
            if total <= self.limit && is_blank(&self.buf) {
                continue;
            }
            return Some(Ok((
                self.line,
                line_text(&self.buf, total, self.limit, self.line),
            )));
        }
    }
}

/// Reads the start of `reader` to tell one document from JSON Lines (see the module
/// doc); orders over `limit` bytes are refused without being held.
pub fn read<R: BufRead>(mut reader: R, limit: usize) -> io::Result<Input<R>> {
    let mut buf = Vec::new();
    let mut line = 0usize;
    // Blank lines before the first order (and a byte order mark) are skipped.
    let total = loop {
        let Some(total) = read_line(&mut reader, limit, &mut buf)? else {
            return Ok(Input::Empty);
        };
        line += 1;
        if line == 1 && buf.starts_with(BOM) {
            buf.drain(..BOM.len());
        }
        if total > limit || !is_blank(&buf) {
            break total;
        }
    };
    let first_is_a_value = total <= limit
        && std::str::from_utf8(&buf)
            .is_ok_and(|t| serde_json::from_str::<serde::de::IgnoredAny>(t).is_ok());
    if total > limit || first_is_a_value || std::str::from_utf8(&buf).is_err() {
        let first = line_text(&buf, total, limit, line);
        return Ok(Input::Lines(Lines {
            reader,
            limit,
            line,
            first: Some((line, first)),
            buf,
            bytes: 0,
        }));
    }
    // One document: its first line, then the rest up to the limit; past it, only counted.
    let first_line = line;
    buf.push(b'\n');
    let room = (limit + 1).saturating_sub(buf.len());
    (&mut reader).take(room as u64).read_to_end(&mut buf)?;
    if buf.len() > limit {
        let rest = io::copy(&mut reader, &mut io::sink())?;
        let bytes = buf
            .len()
            .saturating_add(usize::try_from(rest).unwrap_or(usize::MAX));
        return Ok(Input::Document(Err(too_large(bytes, limit))));
    }
    Ok(Input::Document(text(buf, first_line)))
}
