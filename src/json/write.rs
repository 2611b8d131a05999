//! A small JSON text writer that writes exactly what `serde_json::to_string` writes for
//! the same data: the same escapes, the same number spellings (`serde_json`'s own float
//! writer, `zmij`), `null` for a non-finite float, no whitespace.
//!
//! Why not serde: the wasm runtime's results (`checkJson`'s verdict, `info()`, `facts()`)
//! were its last serde serializers, and serde's derive with `serde_json` behind it is
//! tens of KB of the module (docs/BENCHMARKS.md, "Issue 10: the runtime without serde").
//! Serde stays for the CLI and the compiler; tests hold every writer to `serde_json`'s
//! output, byte for byte.
//!
//! Each type says how it is written once, in its [`ToJson`] impl, taking itself apart
//! field by field so that a field added to the type fails to compile there instead of
//! going missing from the JSON.

use std::collections::BTreeMap;
use std::sync::Arc;

/// JSON text being written.
pub(crate) struct Writer {
    out: String,
    /// A value was just written, so the next key or element needs a `,` first.
    comma: bool,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer {
            out: String::new(),
            comma: false,
        }
    }

    /// The text written.
    pub(crate) fn finish(self) -> String {
        self.out
    }

    fn separate(&mut self) {
        if self.comma {
            self.out.push(',');
        }
    }

    fn open(&mut self, bracket: char) {
        self.separate();
        self.out.push(bracket);
        self.comma = false;
    }

    fn close(&mut self, bracket: char) {
        self.out.push(bracket);
        self.comma = true;
    }

    /// Writes `{`; then [`Writer::field`]s, then [`Writer::end_object`].
    pub(crate) fn begin_object(&mut self) {
        self.open('{');
    }

    pub(crate) fn end_object(&mut self) {
        self.close('}');
    }

    /// Writes `[`; then [`Writer::element`]s, then [`Writer::end_array`].
    pub(crate) fn begin_array(&mut self) {
        self.open('[');
    }

    pub(crate) fn end_array(&mut self) {
        self.close(']');
    }

    /// An object's key; its value follows.
    pub(crate) fn key(&mut self, key: &str) {
        self.separate();
        self.escaped(key);
        self.out.push(':');
        self.comma = false;
    }

    /// `"key":value` in the object being written.
    pub(crate) fn field<T: ToJson + ?Sized>(&mut self, key: &str, value: &T) {
        self.key(key);
        value.write_json(self);
    }

    /// One element of the array being written.
    pub(crate) fn element<T: ToJson + ?Sized>(&mut self, value: &T) {
        value.write_json(self);
    }

    /// A string value.
    pub(crate) fn string(&mut self, text: &str) {
        self.separate();
        self.escaped(text);
        self.comma = true;
    }

    /// A value already spelled as JSON (a number, `true`, `null`, a whole object).
    pub(crate) fn raw(&mut self, text: &str) {
        self.separate();
        self.out.push_str(text);
        self.comma = true;
    }

    /// `text` as a JSON string: `"` and `\` escaped, control characters as `\n`-style
    /// escapes where JSON has one and `\u00XX` otherwise (lower-case hex), everything
    /// else (`/`, non-ASCII) as is — `serde_json`'s choices.
    fn escaped(&mut self, text: &str) {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        self.out.push('"');
        let mut run = 0;
        for (i, b) in text.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x08 => "\\b",
                0x0c => "\\f",
                0..=0x1f => "",
                _ => continue,
            };
            // Everything before `i` since the last escape is plain text; `i` is an ASCII
            // byte, so both ends are character boundaries.
            self.out.push_str(text.get(run..i).unwrap_or_default());
            if escape.is_empty() {
                self.out.push_str("\\u00");
                for nibble in [b >> 4, b & 0xf] {
                    self.out
                        .extend(HEX.get(usize::from(nibble)).map(|&h| char::from(h)));
                }
            } else {
                self.out.push_str(escape);
            }
            run = i + 1;
        }
        self.out.push_str(text.get(run..).unwrap_or_default());
        self.out.push('"');
    }
}

/// An object whose keys are written sorted, as `serde_json` writes a
/// `serde_json::Value` (its map is a `BTreeMap`): each field is written on its own
/// first, then all of them in key order.
pub(crate) struct SortedObject {
    fields: Vec<(&'static str, String)>,
}

impl SortedObject {
    pub(crate) fn new() -> SortedObject {
        SortedObject { fields: Vec::new() }
    }

    pub(crate) fn field<T: ToJson + ?Sized>(&mut self, key: &'static str, value: &T) {
        // Kept sorted as it grows: no sort instantiation for a dozen fields.
        let at = self.fields.partition_point(|(k, _)| *k < key);
        self.fields.insert(at, (key, to_string(value)));
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        w.begin_object();
        for (key, text) in &self.fields {
            w.key(key);
            w.raw(text);
        }
        w.end_object();
    }
}

/// How a value is written as JSON text.
pub(crate) trait ToJson {
    fn write_json(&self, w: &mut Writer);
}

/// The JSON text of `value`.
pub(crate) fn to_string<T: ToJson + ?Sized>(value: &T) -> String {
    let mut w = Writer::new();
    value.write_json(&mut w);
    w.finish()
}

impl ToJson for str {
    fn write_json(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl ToJson for String {
    fn write_json(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl ToJson for Arc<str> {
    fn write_json(&self, w: &mut Writer) {
        w.string(self);
    }
}

impl<T: ToJson + ?Sized> ToJson for &T {
    fn write_json(&self, w: &mut Writer) {
        (**self).write_json(w);
    }
}

impl ToJson for bool {
    fn write_json(&self, w: &mut Writer) {
        w.raw(if *self { "true" } else { "false" });
    }
}

/// Integers as their decimal digits.
macro_rules! integer_to_json {
    ($($t:ty),+) => {$(
        impl ToJson for $t {
            fn write_json(&self, w: &mut Writer) {
                w.separate();
                // Writing into a `String` cannot fail.
                let _ = std::fmt::Write::write_fmt(&mut w.out, format_args!("{self}"));
                w.comma = true;
            }
        }
    )+};
}
integer_to_json!(u8, u16, u32, u64, usize, i64);

impl ToJson for f64 {
    fn write_json(&self, w: &mut Writer) {
        if self.is_finite() {
            w.raw(zmij::Buffer::new().format_finite(*self));
        } else {
            w.raw("null");
        }
    }
}

impl<T: ToJson> ToJson for Option<T> {
    fn write_json(&self, w: &mut Writer) {
        match self {
            Some(value) => value.write_json(w),
            None => w.raw("null"),
        }
    }
}

impl<T: ToJson> ToJson for [T] {
    fn write_json(&self, w: &mut Writer) {
        w.begin_array();
        for value in self {
            w.element(value);
        }
        w.end_array();
    }
}

impl<T: ToJson> ToJson for Vec<T> {
    fn write_json(&self, w: &mut Writer) {
        self.as_slice().write_json(w);
    }
}

impl<V: ToJson> ToJson for BTreeMap<String, V> {
    fn write_json(&self, w: &mut Writer) {
        w.begin_object();
        for (key, value) in self {
            w.field(key, value);
        }
        w.end_object();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same<T: ToJson + serde::Serialize + ?Sized>(value: &T) {
        assert_eq!(to_string(value), serde_json::to_string(value).unwrap());
    }

    #[test]
    fn writes_what_serde_json_writes() {
        same("plain");
        same("quote \" backslash \\ slash / tab \t nl \n cr \r bs \u{8} ff \u{c}");
        same("\u{0}\u{1}\u{1f}\u{7f} é 中文 🎉");
        same(
            &[
                f64::NAN,
                f64::INFINITY,
                -0.0,
                0.0,
                1.0,
                0.1,
                1e21,
                1e-7,
                123.456,
            ][..],
        );
        same(&vec![u64::MAX, 0]);
        same(&vec![i64::MIN, -1]);
        same(&vec![Some(true), None, Some(false)]);
        let mut map = BTreeMap::new();
        same(&map);
        map.insert("b\"".to_string(), vec![1u32]);
        map.insert("a".to_string(), vec![]);
        same(&map);
    }

    proptest! {
        #[test]
        fn strings_as_serde_json(text in any::<String>()) {
            prop_assert_eq!(to_string(&text), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn floats_as_serde_json(bits in any::<u64>(), small in -1e9f64..1e9) {
            for x in [f64::from_bits(bits), small, (small * 100.0).round() / 100.0] {
                prop_assert_eq!(to_string(&x), serde_json::to_string(&x).unwrap());
            }
        }
    }
}
