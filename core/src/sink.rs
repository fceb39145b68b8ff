//! Sinks: where the canonical walk of [`crate::wire`] reports an event's canonical values.
//!
//! The walk holds every reading rule (names, aliases, kinds, required fields, the canonical spelling of numbers);
//! a sink only builds something from what it is told, in document order: JSON text ([`JsonSink`], what Node, wasm
//! and [`crate::canonical_event_json`] return), the typed Rust structs ([`crate::parse_event`]), or host objects
//! built directly by a binding (the Python extension makes its dicts, lists, strings and ints this way, with no JSON
//! text in between). A sink holds no webhook rules.
//!
//! The calls always nest properly: an object is `begin_object`, then for each member a `field` or `key` and one
//! value, then `end_object`; an array is `begin_array`, its values, `end_array`. When the walk fails half way, the
//! sink is simply dropped: whatever it built is discarded. The walk may also start over once (see
//! [`crate::walk_event`]): it then calls [`Sink::reset`] first.

use alloc::string::String;
use core::fmt::Write as _;

/// Receives the canonical values of one event, in document order (see the module documentation).
pub trait Sink {
    /// Forget everything reported so far: the walk starts the event again (a body it could not read in one pass).
    fn reset(&mut self);
    /// An object begins.
    fn begin_object(&mut self);
    /// The object begun last ends.
    fn end_object(&mut self);
    /// An array begins.
    fn begin_array(&mut self);
    /// The array begun last ends.
    fn end_array(&mut self);
    /// A member name from a payload schema: a canonical camelCase name that needs no escaping. It is `'static`, so
    /// a sink may cache the host string it makes for it (keyed by the name's address).
    fn field(&mut self, name: &'static str);
    /// A member name of data kept as received (`attributes`, the data of unknown topics): any string.
    fn key(&mut self, name: &str);
    /// `null` (only inside data kept as received, and as the `data` of an unknown topic).
    fn null(&mut self);
    /// `true` or `false`.
    fn boolean(&mut self, value: bool);
    /// A string.
    fn string(&mut self, text: &str);
    /// A string known to hold no quote, backslash or control character (one the body spelled without escapes, or
    /// digits), which a JSON writer may copy without looking at it.
    fn plain_string(&mut self, text: &str) {
        self.string(text);
    }
    /// A whole number, as its JSON literal: an optional minus and digits (any length; `-0` never occurs).
    fn integer(&mut self, literal: &str);
    /// A double, as its JSON number literal. A literal without fraction or exponent (`2`) still means the double
    /// (JSON writes it `2.0`, Python makes a `float`).
    fn float(&mut self, literal: &str);
}

/// Writes the canonical JSON text: compact, members in the order reported, strings escaped as `serde_json`
/// escapes them, numbers as reported (`float` adds `.0` to a whole literal, as a Rust `f64` prints).
#[derive(Debug, Default)]
pub struct JsonSink {
    out: String,
    /// A value was just completed at the current level, so the next member or element needs a comma first.
    after_value: bool,
}

impl JsonSink {
    /// A sink whose buffer starts with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Self {
        JsonSink { out: String::with_capacity(capacity), after_value: false }
    }

    /// The JSON text written so far.
    pub fn as_str(&self) -> &str {
        &self.out
    }

    /// The JSON text.
    pub fn into_string(self) -> String {
        self.out
    }

    fn separate(&mut self) {
        if self.after_value {
            self.out.push(',');
        }
    }

    fn value(&mut self, text: &str) {
        self.separate();
        self.out.push_str(text);
        self.after_value = true;
    }
}

impl Sink for JsonSink {
    fn reset(&mut self) {
        self.out.clear();
        self.after_value = false;
    }

    fn begin_object(&mut self) {
        self.separate();
        self.out.push('{');
        self.after_value = false;
    }

    fn end_object(&mut self) {
        self.out.push('}');
        self.after_value = true;
    }

    fn begin_array(&mut self) {
        self.separate();
        self.out.push('[');
        self.after_value = false;
    }

    fn end_array(&mut self) {
        self.out.push(']');
        self.after_value = true;
    }

    fn field(&mut self, name: &'static str) {
        self.separate();
        self.out.push('"');
        self.out.push_str(name);
        self.out.push_str("\":");
        self.after_value = false;
    }

    fn key(&mut self, name: &str) {
        self.separate();
        write_json_string(&mut self.out, name);
        self.out.push(':');
        self.after_value = false;
    }

    fn null(&mut self) {
        self.value("null");
    }

    fn boolean(&mut self, value: bool) {
        self.value(if value { "true" } else { "false" });
    }

    fn string(&mut self, text: &str) {
        self.separate();
        write_json_string(&mut self.out, text);
        self.after_value = true;
    }

    fn plain_string(&mut self, text: &str) {
        self.separate();
        self.out.push('"');
        self.out.push_str(text);
        self.out.push('"');
        self.after_value = true;
    }

    fn integer(&mut self, literal: &str) {
        self.value(literal);
    }

    fn float(&mut self, literal: &str) {
        self.value(literal);
        if !literal.bytes().any(|byte| matches!(byte, b'.' | b'e' | b'E')) {
            self.out.push_str(".0");
        }
    }
}

/// Writes `text` as a JSON string, escaped exactly as `serde_json` does (so the canonical text and the typed
/// path's serialization agree byte for byte): quote, backslash and control characters only, `\u00XX` in lowercase
/// hex for those without a short form.
pub(crate) fn write_json_string(out: &mut String, text: &str) {
    let needs_escape = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    out.push('"');
    // Most strings need no escape: one copy, no per-byte work.
    let Some(first) = text.bytes().position(needs_escape) else {
        out.push_str(text);
        out.push('"');
        return;
    };
    let mut start = 0;
    for (index, byte) in text.bytes().enumerate().skip(first) {
        if !needs_escape(byte) {
            continue;
        }
        out.push_str(text.get(start..index).unwrap_or_default());
        match byte {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            _ => {
                let _ = write!(out, "\\u{byte:04x}");
            }
        }
        start = index + 1;
    }
    out.push_str(text.get(start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commas_go_between_members_and_elements_only() {
        let mut sink = JsonSink::default();
        sink.begin_object();
        sink.field("a");
        sink.begin_array();
        sink.integer("1");
        sink.float("2");
        sink.begin_object();
        sink.end_object();
        sink.begin_array();
        sink.end_array();
        sink.end_array();
        sink.key("b\"");
        sink.string("x\n");
        sink.field("c");
        sink.boolean(false);
        sink.field("d");
        sink.null();
        sink.end_object();
        assert_eq!(sink.into_string(), r#"{"a":[1,2.0,{},[]],"b\"":"x\n","c":false,"d":null}"#);
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0u8..0x80).map(char::from).collect();
        every.push_str("é€😀\u{2028}\u{7f}");
        let mut out = String::new();
        write_json_string(&mut out, &every);
        assert_eq!(out, serde_json::to_string(&every).unwrap());
    }
}
