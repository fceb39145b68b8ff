//! The wire: how events arrive, and the one place that turns them into canonical JSON.
//!
//! Platforms disagree on names (`_id`, `items`, `order_lines`, `ship_to`, …), on ids (strings or integers), on
//! money (numbers or decimal strings), and send `null` for empty lists. Every payload type of
//! [`crate::payloads`] has a schema table here: its canonical field names in serialization order, the other
//! spellings accepted for each, and how each value is read. One table-driven walk ([`walk_event`]) reads a body
//! and reports the canonical event (camelCase names, canonical types, only the fields the sender gave) to a
//! [`Sink`]: the JSON text the Node and WebAssembly bindings return ([`canonical_event_json`]), the typed structs
//! of [`crate::parse_event`], or the Python objects the Python binding builds. Tables instead of per-type generated
//! decoders keep the WebAssembly module small; the sinks hold no reading rules.
//!
//! Reading rules, per kind of field: unknown fields are ignored; a field given twice (also under two spellings) is an
//! error; `null` counts as absent, and an absent field is not reported; required fields are the object's `id`, an order line's `quantity`, an image's
//! `source`, a variant option's `name` and `value`, a proposal change's `proposal` and an RMA return's `rma`.
//! Ids are strings or whole numbers (written as text); money is a decimal string or a number, written as its exact
//! decimal text; custom `attributes` and the data of unknown topics are kept as received, with members sorted by
//! name and numbers as written. The parser is a strict RFC 8259 one that accepts exactly what `serde_json` does
//! (`tests/json_grammar.rs` and the `json_grammar` fuzz target hold it to that).

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::WebhookError;
use crate::sink::{JsonSink, Sink};

mod single_pass;
use crate::topics::{canonical_topic_name, find_topic, PayloadKind, TOPICS};

/// One value of a parsed document. Strings are borrowed from the body unless they had escapes; numbers are kept
/// as the sender wrote them (the JSON grammar checked), so no value passes through binary floating point.
#[derive(Debug)]
enum Node<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    Text(Cow<'a, str>),
    /// An array: its elements follow it, and the first node after them is at `end`.
    Array {
        end: usize,
    },
    /// An object: its members follow it, each a `Text` name then the value, and the first node after them is at
    /// `end`. Members keep their order and duplicates, so the walk can report a field given twice.
    Object {
        end: usize,
    },
}

impl Node<'_> {
    /// The JSON type's name, for error messages.
    fn type_name(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Number(text) if is_integer_literal(text) => "an integer",
            Node::Number(_) => "a fractional number",
            Node::Text(_) => "a string",
            Node::Array { .. } => "an array",
            Node::Object { .. } => "an object",
        }
    }
}

/// A parsed document as a tape: its nodes in document order, the root first. A value is an index, so parsing
/// allocates one vector rather than one per object, and the walk moves nothing.
struct Document<'a> {
    nodes: Vec<Node<'a>>,
}

impl<'a> Document<'a> {
    fn node(&self, at: usize) -> &Node<'a> {
        self.nodes.get(at).unwrap_or(&Node::Null)
    }

    /// The index just past the value at `at`, its contents included.
    fn after(&self, at: usize) -> usize {
        match self.nodes.get(at) {
            Some(Node::Array { end } | Node::Object { end }) => *end,
            _ => at + 1,
        }
    }

    /// The elements of the array at `at`.
    fn elements(&self, at: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.after(at);
        let mut next = at + 1;
        core::iter::from_fn(move || {
            let element = next;
            next = self.after(element);
            (element < end).then_some(element)
        })
    }

    /// The members of the object at `at`: each name and the index of its value.
    fn members(&self, at: usize) -> impl Iterator<Item = (&str, usize)> + '_ {
        let end = self.after(at);
        let mut next = at + 1;
        core::iter::from_fn(move || {
            let (name, value) = (next, next + 1);
            next = self.after(value);
            let Node::Text(name) = self.node(name) else { return None };
            (value < end).then_some((name.as_ref(), value))
        })
    }
}

/// How deep arrays and objects may nest: as `serde_json` allows, so every language's parser accepts the same bodies
/// and a hostile body cannot exhaust the stack.
const MAX_DEPTH: u32 = 128;

/// The digits of the smallest decimal that rounds to infinity as a double (2^1024 − 2^970, halfway past `f64::MAX`):
/// numbers from there up are refused as out of range, as `serde_json` refuses them.
const DOUBLE_OVERFLOW_DIGITS: &str = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

/// A strict RFC 8259 parser over a UTF-8 body: what `serde_json` accepts, it accepts, and it refuses the rest with
/// `invalid_json` and the line and column.
struct Parser<'a> {
    text: &'a str,
    position: usize,
    nodes: Vec<Node<'a>>,
}

impl<'a> Parser<'a> {
    /// A parser at the start of a UTF-8 body, with room for `nodes` tape entries.
    fn over(body: &'a [u8], nodes: usize) -> Result<Self, WebhookError> {
        let text = core::str::from_utf8(body).map_err(|error| WebhookError::InvalidJson {
            message: format!("the body is not UTF-8 (invalid byte at offset {})", error.valid_up_to()),
        })?;
        Ok(Parser { text, position: 0, nodes: Vec::with_capacity(nodes) })
    }

    fn parse(body: &'a [u8]) -> Result<Document<'a>, WebhookError> {
        // About one node per eight bytes of a typical event, so the tape rarely grows.
        let mut parser = Parser::over(body, body.len() / 8 + 4)?;
        let text = parser.text;
        parser.value(MAX_DEPTH)?;
        parser.skip_whitespace();
        if parser.position < text.len() {
            return Err(parser.error("trailing characters"));
        }
        Ok(Document { nodes: parser.nodes })
    }

    fn error(&self, problem: &str) -> WebhookError {
        let before = self.text.get(..self.position).unwrap_or(self.text);
        let line = before.bytes().filter(|&byte| byte == b'\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
        WebhookError::InvalidJson { message: format!("{problem} at line {line} column {column}") }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.position += 1;
        }
    }

    fn literal(&mut self, word: &str, value: Node<'a>) -> Result<(), WebhookError> {
        if self.text.get(self.position..).is_some_and(|rest| rest.starts_with(word)) {
            self.position += word.len();
            self.nodes.push(value);
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// Parses one value onto the tape.
    fn value(&mut self, depth: u32) -> Result<(), WebhookError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => {
                let text = self.string()?;
                self.nodes.push(Node::Text(text));
                Ok(())
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Node::Bool(true)),
            Some(b'f') => self.literal("false", Node::Bool(false)),
            Some(b'n') => self.literal("null", Node::Null),
            Some(_) => Err(self.error("expected a value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    fn enter(&self, depth: u32) -> Result<u32, WebhookError> {
        match depth.saturating_sub(1) {
            0 => Err(self.error("recursion limit exceeded")),
            inner => Ok(inner),
        }
    }

    /// After an element: a comma (then another element) or the closing bracket.
    fn more(&mut self, close: u8, what: &str) -> Result<bool, WebhookError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b',') => {
                self.position += 1;
                Ok(true)
            }
            Some(byte) if byte == close => {
                self.position += 1;
                Ok(false)
            }
            Some(_) => Err(self.error(&format!("expected `,` or `{}`", char::from(close)))),
            None => Err(self.error(&format!("EOF while parsing {what}"))),
        }
    }

    /// Opens a container: its node goes on the tape now, and [`Parser::close`] records where it ends.
    fn open(&mut self, depth: u32, node: Node<'a>) -> Result<(usize, u32), WebhookError> {
        let depth = self.enter(depth)?;
        self.position += 1;
        self.nodes.push(node);
        self.skip_whitespace();
        Ok((self.nodes.len() - 1, depth))
    }

    fn close(&mut self, at: usize) {
        let end = self.nodes.len();
        if let Some(Node::Array { end: slot } | Node::Object { end: slot }) = self.nodes.get_mut(at) {
            *slot = end;
        }
    }

    fn array(&mut self, depth: u32) -> Result<(), WebhookError> {
        let (at, depth) = self.open(depth, Node::Array { end: 0 })?;
        if self.peek() == Some(b']') {
            self.position += 1;
        } else {
            loop {
                self.value(depth)?;
                if !self.more(b']', "a list")? {
                    break;
                }
            }
        }
        self.close(at);
        Ok(())
    }

    fn object(&mut self, depth: u32) -> Result<(), WebhookError> {
        let (at, depth) = self.open(depth, Node::Object { end: 0 })?;
        if self.peek() == Some(b'}') {
            self.position += 1;
            self.close(at);
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(b'"') => {}
                Some(_) => return Err(self.error("key must be a string")),
                None => return Err(self.error("EOF while parsing an object")),
            }
            let name = self.string()?;
            self.nodes.push(Node::Text(name));
            self.skip_whitespace();
            match self.peek() {
                Some(b':') => self.position += 1,
                Some(_) => return Err(self.error("expected `:`")),
                None => return Err(self.error("EOF while parsing an object")),
            }
            self.value(depth)?;
            if !self.more(b'}', "an object")? {
                self.close(at);
                return Ok(());
            }
        }
    }

    /// A string after its opening quote: borrowed when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, WebhookError> {
        self.position += 1;
        let start = self.position;
        let bytes = self.text.as_bytes();
        self.position = skip_plain_string_bytes(bytes, self.position);
        while let Some(&byte) = bytes.get(self.position) {
            match byte {
                b'"' => {
                    let text = self.text.get(start..self.position).unwrap_or_default();
                    self.position += 1;
                    return Ok(Cow::Borrowed(text));
                }
                b'\\' => break,
                0x00..=0x1f => {
                    return Err(self.error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
                _ => self.position += 1,
            }
        }
        let mut owned = String::from(self.text.get(start..self.position).unwrap_or_default());
        loop {
            let Some(&byte) = bytes.get(self.position) else {
                return Err(self.error("EOF while parsing a string"));
            };
            self.position += 1;
            match byte {
                b'"' => return Ok(Cow::Owned(owned)),
                b'\\' => {
                    let escaped = self.escape()?;
                    owned.push(escaped);
                }
                0x00..=0x1f => {
                    return Err(self.error("control character (\\u0000-\\u001F) found while parsing a string"))
                }
                _ => {
                    // Copy the whole UTF-8 sequence this byte starts (the body is valid UTF-8).
                    let end = (self.position..=self.text.len())
                        .find(|&end| self.text.is_char_boundary(end))
                        .unwrap_or(self.text.len());
                    owned.push_str(self.text.get(self.position - 1..end).unwrap_or_default());
                    self.position = end;
                }
            }
        }
    }

    /// An escape after its backslash; `\u` pairs of surrogates make one character, a lone surrogate is an error.
    fn escape(&mut self) -> Result<char, WebhookError> {
        let Some(byte) = self.peek() else {
            return Err(self.error("EOF while parsing a string"));
        };
        self.position += 1;
        Ok(match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = match first {
                    0xd800..=0xdbff => {
                        if self.text.get(self.position..).is_some_and(|rest| rest.starts_with("\\u")) {
                            self.position += 2;
                        } else {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        let second = self.hex4()?;
                        if !(0xdc00..=0xdfff).contains(&second) {
                            return Err(self.error("lone leading surrogate in hex escape"));
                        }
                        0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
                    }
                    0xdc00..=0xdfff => return Err(self.error("lone trailing surrogate in hex escape")),
                    other => other,
                };
                char::from_u32(code).ok_or_else(|| self.error("invalid unicode code point"))?
            }
            _ => return Err(self.error("invalid escape")),
        })
    }

    fn hex4(&mut self) -> Result<u32, WebhookError> {
        let digits =
            self.text.get(self.position..self.position + 4).ok_or_else(|| self.error("EOF while parsing a string"))?;
        if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(self.error("invalid escape"));
        }
        self.position += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid escape"))
    }

    fn number(&mut self) -> Result<(), WebhookError> {
        let text = self.number_literal()?;
        self.nodes.push(Node::Number(text));
        Ok(())
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, and within the range of a double.
    fn number_literal(&mut self) -> Result<&'a str, WebhookError> {
        let start = self.position;
        let digits = |parser: &mut Self| {
            let from = parser.position;
            while let Some(b'0'..=b'9') = parser.peek() {
                parser.position += 1;
            }
            parser.position - from
        };
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.peek() {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.position += 1;
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.position += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.position += 1;
            }
            if digits(self) == 0 {
                return Err(self.error("invalid number"));
            }
        }
        let text = self.text.get(start..self.position).unwrap_or_default();
        // Without an exponent, fewer than 309 characters stay below 10^308: only the rest needs the digit check.
        let may_overflow = text.len() > 308 || text.bytes().any(|byte| matches!(byte, b'e' | b'E'));
        if may_overflow && Decimal::of(text).overflows_double() {
            return Err(self.error("number out of range"));
        }
        Ok(text)
    }
}

/// The first position from `at` on whose byte ends a plain run inside a string: a quote, a backslash or a control
/// character (or the end). Eight bytes at a time: a byte is flagged when it is below 0x20 or equals `"` or `\`; the
/// borrow tricks can flag a byte above a real hit, never below one, so the lowest flag is the first hit.
fn skip_plain_string_bytes(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let zero_byte = |value: u64| value.wrapping_sub(ONES) & !value & HIGHS;
        let control = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        let flagged =
            control | zero_byte(word ^ (ONES * u64::from(b'"'))) | zero_byte(word ^ (ONES * u64::from(b'\\')));
        if flagged != 0 {
            return at + (flagged.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    at
}

/// A JSON number literal without fraction or exponent.
fn is_integer_literal(text: &str) -> bool {
    !text.bytes().any(|byte| matches!(byte, b'.' | b'e' | b'E'))
}

/// A number literal as significant digits and the position of the decimal point among them:
/// `-0.0125e2` is negative, digits `125`, point at −0 (that is `1.25`).
struct Decimal<'a> {
    negative: bool,
    /// The mantissa's digits without the point; leading and trailing zeros are skipped by the users.
    integer: &'a str,
    fraction: &'a str,
    exponent: i64,
}

impl<'a> Decimal<'a> {
    fn of(text: &'a str) -> Self {
        let negative = text.starts_with('-');
        let unsigned = text.strip_prefix('-').unwrap_or(text);
        let (mantissa, exponent) = unsigned.split_once(['e', 'E']).unwrap_or((unsigned, "0"));
        let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // Saturating: an exponent of a million digits is as out of range as one of ten.
        let exponent_negative = exponent.starts_with('-');
        let magnitude = exponent
            .trim_start_matches(['+', '-'])
            .bytes()
            .fold(0i64, |value, digit| value.saturating_mul(10).saturating_add(i64::from(digit - b'0')).min(1 << 40));
        Decimal { negative, integer, fraction, exponent: if exponent_negative { -magnitude } else { magnitude } }
    }

    /// The significant digits (no leading or trailing zeros) and the point's position: value = 0.digits × 10^point.
    fn significant(&self) -> (impl Iterator<Item = u8> + Clone + 'a, usize, i64) {
        let all = self.integer.bytes().chain(self.fraction.bytes());
        let leading = all.clone().take_while(|&digit| digit == b'0').count();
        let total = self.integer.len() + self.fraction.len();
        let trailing = all.clone().rev().take_while(|&digit| digit == b'0').count().min(total - leading);
        let count = total - leading - trailing;
        let point = self.integer.len() as i64 - leading as i64 + self.exponent;
        (all.skip(leading).take(count), count, point)
    }

    /// Whether a double would round this to infinity.
    fn overflows_double(&self) -> bool {
        let (digits, count, point) = self.significant();
        if count == 0 || point < 309 {
            return false;
        }
        if point > 309 {
            return true;
        }
        let limit = DOUBLE_OVERFLOW_DIGITS.bytes().chain(core::iter::repeat(b'0'));
        for (digit, bound) in digits.chain(core::iter::repeat(b'0')).zip(limit).take(count.max(309)) {
            if digit != bound {
                return digit > bound;
            }
        }
        true
    }

    /// Plain decimal text (`1.25e2` is `125`, `0.50` is `0.5`, `-0` is `0`), or `None` when that would be longer
    /// than 400 characters (past the range of a double, where no price lives).
    fn plain(&self) -> Option<String> {
        let (digits, count, point) = self.significant();
        if count == 0 {
            return Some(String::from("0"));
        }
        // Measured in 64 bits before any conversion to usize, which is 32 bits in WebAssembly.
        let count_64 = count as u64;
        let length = if point <= 0 { 2 + point.unsigned_abs() + count_64 } else { count_64.max(point as u64) + 1 };
        if length > 400 {
            return None;
        }
        let length = length as usize;
        let mut out = String::with_capacity(length + 1);
        if self.negative {
            out.push('-');
        }
        if point <= 0 {
            out.push_str("0.");
            out.extend(core::iter::repeat_n('0', point.unsigned_abs() as usize));
            out.extend(digits.map(char::from));
        } else {
            let point = point as usize;
            for (index, digit) in
                digits.map(char::from).chain(core::iter::repeat('0')).take(count.max(point)).enumerate()
            {
                if index == point {
                    out.push('.');
                }
                out.push(digit);
            }
        }
        Some(out)
    }
}

/// Reports a value kept as received (`attributes`, the data of unknown topics) in canonical form: members sorted by
/// name with the last of a repeated name kept (as a map keeps them), numbers as written (whole literals as
/// integers, the rest as doubles).
fn walk_any<S: Sink + ?Sized>(sink: &mut S, document: &Document<'_>, at: usize) {
    match document.node(at) {
        Node::Null => sink.null(),
        Node::Bool(flag) => sink.boolean(*flag),
        Node::Number(text) if is_integer_literal(text) => sink.integer(text),
        Node::Number(text) => sink.float(text),
        Node::Text(text) => report_text(sink, text),
        Node::Array { .. } => {
            sink.begin_array();
            for element in document.elements(at) {
                walk_any(sink, document, element);
            }
            sink.end_array();
        }
        Node::Object { .. } => {
            sink.begin_object();
            // Most senders already write names sorted and once each: then no sorting (and no allocation) is needed.
            let mut previous: Option<&str> = None;
            let sorted = document.members(at).all(|(name, _)| {
                let in_order = previous.is_none_or(|before| before < name);
                previous = Some(name);
                in_order
            });
            if sorted {
                for (name, value) in document.members(at) {
                    sink.key(name);
                    walk_any(sink, document, value);
                }
            } else {
                let mut members: Vec<(&str, usize)> = document.members(at).collect();
                // Stable, so among equal names the last stays last; a name is reported only at its last occurrence.
                members.sort_by(|a, b| a.0.cmp(b.0));
                for (index, &(name, value)) in members.iter().enumerate() {
                    if members.get(index + 1).is_some_and(|next| next.0 == name) {
                        continue;
                    }
                    sink.key(name);
                    walk_any(sink, document, value);
                }
            }
            sink.end_object();
        }
    }
}

/// How a field's value is read, and written canonically.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// Required id: a string, or an integer that becomes its decimal text.
    Id,
    /// An id or null.
    OptionalId,
    /// A string or null.
    Text,
    /// A required string.
    RequiredText,
    /// Money and other decimals: a number or a decimal string, written as decimal text; or null.
    Decimal,
    /// A whole number from 0 to 4294967295, or null.
    Count,
    /// A required whole number from 0 to 4294967295.
    RequiredCount,
    /// A signed 64-bit whole number, or null.
    Integer,
    /// Any number, written as a double; or null.
    Float,
    /// A boolean or null.
    Flag,
    /// A list of strings; null is the empty list.
    Texts,
    /// A list of ids (strings or integers, written as text); null is the empty list.
    Ids,
    /// Free-form custom data, kept as received (keys sorted); null is the empty object.
    Attributes,
    /// A nested object of the given schema, or null.
    Object(&'static Schema),
    /// A required nested object of the given schema.
    RequiredObject(&'static Schema),
    /// A list of objects of the given schema; null is the empty list.
    List(&'static Schema),
}

/// One field of a payload type: its canonical name, the other spellings accepted, and its kind.
#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) aliases: &'static [&'static str],
    pub(crate) kind: Kind,
}

/// A payload type's fields, in the order the canonical form writes them.
#[derive(Debug)]
pub(crate) struct Schema {
    pub(crate) fields: &'static [Field],
}

/// The most fields a schema may have (the walk keeps one slot per field on the stack).
const MAX_FIELDS: usize = 32;

const fn field(name: &'static str, aliases: &'static [&'static str], kind: Kind) -> Field {
    Field { name, aliases, kind }
}

impl Schema {
    fn position(&self, member: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == member || field.aliases.contains(&member))
    }
}

/// Where in the body a value sits, for error messages: `data.lines[2].quantity`.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    Member(&'p Path<'p>, &'static str),
    Index(&'p Path<'p>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Member(Path::Root, name) => formatter.write_str(name),
            Path::Member(parent, name) => write!(formatter, "{parent}.{name}"),
            Path::Index(parent, index) => write!(formatter, "{parent}[{index}]"),
        }
    }
}

fn shape_error(path: &Path<'_>, problem: &str) -> WebhookError {
    WebhookError::InvalidPayload { message: format!("`{path}`: {problem}") }
}

fn expected(path: &Path<'_>, what: &str, found: &Node<'_>) -> WebhookError {
    shape_error(path, &format!("expected {what}, found {}", found.type_name()))
}

/// An id's canonical text: a string as is, an integer in decimal.
fn id_text<'j>(value: &'j Node<'_>, path: &Path<'_>) -> Result<Cow<'j, str>, WebhookError> {
    match value {
        Node::Text(text) => Ok(Cow::Borrowed(text)),
        Node::Number(text) if whole::<u64>(text).is_some() || whole::<i64>(text).is_some() => Ok(whole_text(text)),
        other => Err(expected(path, "an id (a string or an integer)", other)),
    }
}

/// Reports a string of the body: one that had no escapes (borrowed from the body) holds no quote, backslash or
/// control character, so a JSON sink may copy it as it is. (The `Cow` is the point: whether it borrows says so.)
#[allow(clippy::ptr_arg)]
fn report_text<S: Sink + ?Sized>(sink: &mut S, text: &Cow<'_, str>) {
    match text {
        Cow::Borrowed(plain) => sink.plain_string(plain),
        Cow::Owned(text) => sink.string(text),
    }
}

/// Reports an id as its canonical text (see [`id_text`]).
fn report_id<S: Sink + ?Sized>(sink: &mut S, value: &Node<'_>, path: &Path<'_>) -> Result<(), WebhookError> {
    match value {
        Node::Text(text) => report_text(sink, text),
        other => sink.plain_string(&id_text(other, path)?),
    }
    Ok(())
}

/// A whole number literal that fits `T`.
fn whole<T: core::str::FromStr>(text: &str) -> Option<T> {
    if is_integer_literal(text) {
        text.parse().ok()
    } else {
        None
    }
}

/// A whole number literal's canonical text: as written, except that `-0` is `0`.
fn whole_text(text: &str) -> Cow<'_, str> {
    Cow::Borrowed(if text == "-0" { "0" } else { text })
}

/// A decimal string: an optional minus, digits, and optionally a point and more digits.
fn is_decimal_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let numeric = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
    numeric(whole) && numeric(fraction)
}

/// Reports the value at `at` (present and not `null`) of a field of the given kind, or says why it does not fit.
fn walk_value<S: Sink + ?Sized>(
    sink: &mut S,
    document: &Document<'_>,
    kind: Kind,
    at: usize,
    path: &Path<'_>,
) -> Result<(), WebhookError> {
    match (kind, document.node(at)) {
        (Kind::Id | Kind::OptionalId, value) => report_id(sink, value, path)?,
        (Kind::Text | Kind::RequiredText, Node::Text(text)) => report_text(sink, text),
        (Kind::Decimal, Node::Text(text)) if is_decimal_text(text) => sink.plain_string(text),
        (Kind::Decimal, Node::Number(text)) => match Decimal::of(text).plain() {
            Some(plain) => sink.plain_string(&plain),
            None => return Err(shape_error(path, "a decimal longer than 400 characters written out")),
        },
        (Kind::Count | Kind::RequiredCount, Node::Number(text)) if whole::<u32>(text).is_some() => sink.integer(text),
        (Kind::Integer, Node::Number(text)) if whole::<i64>(text).is_some() => sink.integer(&whole_text(text)),
        // As written; a whole literal (`1`) still stands for a double (`1.0`).
        (Kind::Float, Node::Number(text)) => sink.float(text),
        (Kind::Flag, Node::Bool(flag)) => sink.boolean(*flag),
        (Kind::Texts | Kind::Ids | Kind::List(_), Node::Array { .. }) => {
            sink.begin_array();
            for (index, element) in document.elements(at).enumerate() {
                let path = Path::Index(path, index);
                match (kind, document.node(element)) {
                    (Kind::Texts, Node::Text(text)) => report_text(sink, text),
                    (Kind::Ids, item) => report_id(sink, item, &path)?,
                    (Kind::List(schema), _) => walk_object(sink, document, schema, element, &path)?,
                    (_, item) => return Err(expected(&path, "a string", item)),
                }
            }
            sink.end_array();
        }
        (Kind::Attributes, Node::Object { .. }) => walk_any(sink, document, at),
        (Kind::Object(schema) | Kind::RequiredObject(schema), _) => walk_object(sink, document, schema, at, path)?,
        (kind, value) => return Err(expected(path, kind.expectation(), value)),
    }
    Ok(())
}

impl Kind {
    /// What a value of this kind must be, for error messages.
    fn expectation(self) -> &'static str {
        match self {
            Kind::Id | Kind::OptionalId => "an id (a string or an integer)",
            Kind::Text | Kind::RequiredText => "a string",
            Kind::Decimal => "a decimal number or a decimal string",
            Kind::Count | Kind::RequiredCount => "a whole number from 0 to 4294967295",
            Kind::Integer => "a whole number that fits in 64 bits",
            Kind::Float => "a number",
            Kind::Flag => "a boolean",
            Kind::Texts | Kind::Ids | Kind::List(_) => "an array",
            Kind::Attributes | Kind::Object(_) | Kind::RequiredObject(_) => "an object",
        }
    }

    /// Whether the field must be present (and not `null`).
    fn required(self) -> bool {
        matches!(self, Kind::Id | Kind::RequiredText | Kind::RequiredCount | Kind::RequiredObject(_))
    }
}

/// The slots of one object: for each schema field, the tape index of its value, or [`ABSENT`].
type Slots = [usize; MAX_FIELDS];

/// No value: index 0 is the document's root, never a member's value.
const ABSENT: usize = 0;

/// Sorts an object's members into the schema's slots: unknown members are dropped, a field given twice (under one
/// spelling or two) is an error. Members usually arrive in the schema's order under their canonical names, so the
/// fields after the last one found are tried first, before the search through every spelling.
fn slots(document: &Document<'_>, schema: &Schema, at: usize, path: &Path<'_>) -> Result<Slots, WebhookError> {
    let found = document.node(at);
    if !matches!(found, Node::Object { .. }) {
        return Err(expected(path, "an object", found));
    }
    let mut slots = [ABSENT; MAX_FIELDS];
    let mut next = 0;
    for (name, value) in document.members(at) {
        // Canonical names in order first (a sender that leaves fields out skips ahead), then every spelling.
        let ahead = schema.fields.get(next..).unwrap_or_default().iter().position(|field| field.name == name);
        let index = match ahead.map(|offset| next + offset).or_else(|| schema.position(name)) {
            Some(index) => index,
            None => continue,
        };
        next = index + 1;
        let Some(slot) = slots.get_mut(index) else { continue };
        if *slot != ABSENT {
            let field = schema.fields.get(index).map_or("", |field| field.name);
            return Err(shape_error(&Path::Member(path, field), "given twice (under this name or another spelling)"));
        }
        *slot = value;
    }
    Ok(slots)
}

/// The value in a slot, unless it is absent or `null` (which count the same).
fn present(document: &Document<'_>, slot: usize) -> Option<usize> {
    (slot != ABSENT && !matches!(document.node(slot), Node::Null)).then_some(slot)
}

/// Reports an object of the given schema: the fields the sender gave, in the schema's order, and none of the rest;
/// a missing required field is an error.
fn walk_object<S: Sink + ?Sized>(
    sink: &mut S,
    document: &Document<'_>,
    schema: &Schema,
    at: usize,
    path: &Path<'_>,
) -> Result<(), WebhookError> {
    let slots = slots(document, schema, at, path)?;
    sink.begin_object();
    for (field, &slot) in schema.fields.iter().zip(slots.iter()) {
        match present(document, slot) {
            Some(value) => {
                sink.field(field.name);
                walk_value(sink, document, field.kind, value, &Path::Member(path, field.name))?;
            }
            None if field.kind.required() => {
                return Err(shape_error(&Path::Member(path, field.name), "missing (a required field)"));
            }
            None => {}
        }
    }
    sink.end_object();
    Ok(())
}

/// `variant.unavailable` names one variant (`id`), several (`variantIds`), or both; the canonical form lists them
/// all in `variantIds`, the single one first, and needs at least one.
fn walk_variant_refs<S: Sink + ?Sized>(
    sink: &mut S,
    document: &Document<'_>,
    at: usize,
    path: &Path<'_>,
) -> Result<(), WebhookError> {
    let [single, listed, product_id, ..] = slots(document, &VARIANT_REFS_WIRE, at, path)?;
    let mut ids: Vec<Cow<'_, str>> = Vec::new();
    let listed_path = Path::Member(path, "variantIds");
    if let Some(listed) = present(document, listed) {
        if !matches!(document.node(listed), Node::Array { .. }) {
            return Err(expected(&listed_path, "an array", document.node(listed)));
        }
        for (index, element) in document.elements(listed).enumerate() {
            ids.push(id_text(document.node(element), &Path::Index(&listed_path, index))?);
        }
    }
    if let Some(single) = present(document, single) {
        let id = id_text(document.node(single), &Path::Member(path, "id"))?;
        if !ids.contains(&id) {
            ids.insert(0, id);
        }
    }
    if ids.is_empty() {
        return Err(shape_error(&listed_path, "missing (name at least one variant in `id` or `variantIds`)"));
    }
    let product_id = match present(document, product_id) {
        Some(at) => Some(id_text(document.node(at), &Path::Member(path, "productId"))?),
        None => None,
    };
    sink.begin_object();
    sink.field(table_name(&VARIANT_REFS_WIRE, 1));
    sink.begin_array();
    for id in &ids {
        sink.string(id);
    }
    sink.end_array();
    if let Some(product_id) = product_id {
        sink.field(table_name(&VARIANT_REFS_WIRE, 2));
        sink.string(&product_id);
    }
    sink.end_object();
    Ok(())
}

/// A field's canonical name as its table spells it: names are reported from the tables only, so a sink may key
/// what it makes for a name on the name's address.
fn table_name(schema: &'static Schema, index: usize) -> &'static str {
    schema.fields.get(index).map_or("", |field| field.name)
}

/// The event envelope as it arrives: `id`/`_id`, `topic`/`type`, `createdAt`/`created`/`created_at`, `data`.
static ENVELOPE: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("topic", &["type"], Kind::RequiredText),
        field("createdAt", &["created", "created_at"], Kind::Text),
        // Read by topic, below; the kind here only names what it must be.
        field("data", &[], Kind::Attributes),
    ],
};

/// Walks a raw body and reports its canonical event to `sink`: the envelope with the topic's canonical spelling,
/// and `data` in the canonical form of the topic's payload type (kept as received for a topic this version does not
/// know). Only what the sender gave is reported: a field absent or `null` on the wire is left out, and required
/// fields are always there. Every binding and [`crate::parse_event`] read bodies through this one walk. A body whose
/// members come in the schemas' order is read in a single pass; any other is parsed onto a tape first (the sink is
/// then [reset](Sink::reset) and told the event again from the start).
///
/// Errors: `invalid_json` when the body is not JSON (or not UTF-8); `invalid_payload`, naming the path of the
/// offending value, when it is JSON but not an event or its `data` does not fit the topic's type. On an error the
/// sink may have been told part of the event: discard it.
pub fn walk_event<S: Sink + ?Sized>(body: &[u8], sink: &mut S) -> Result<(), WebhookError> {
    // Most bodies come in the schemas' order and read in one pass; the tape decides everything else.
    if single_pass::walk_event(body, sink).is_ok() {
        return Ok(());
    }
    sink.reset();
    walk_event_on_tape(body, sink)
}

/// [`walk_event`] over the parsed tape: any member order, every error with its path.
fn walk_event_on_tape<S: Sink + ?Sized>(body: &[u8], sink: &mut S) -> Result<(), WebhookError> {
    let document = Parser::parse(body)?;
    let [id, topic, created_at, data, ..] = slots(&document, &ENVELOPE, 0, &Path::Root)?;
    let member = |name| Path::Member(&Path::Root, name);
    let Some(id) = present(&document, id) else {
        return Err(shape_error(&member("id"), "missing (a required field)"));
    };
    let id = id_text(document.node(id), &member("id"))?;
    let topic = match present(&document, topic).map(|at| document.node(at)) {
        Some(Node::Text(topic)) => canonical_topic_name(topic),
        None => return Err(shape_error(&member("topic"), "missing (a required field)")),
        Some(other) => return Err(expected(&member("topic"), "a string", other)),
    };
    let created_at = match present(&document, created_at).map(|at| document.node(at)) {
        Some(Node::Text(text)) => Some(text),
        None => None,
        Some(other) => return Err(expected(&member("createdAt"), "a string", other)),
    };
    if data == ABSENT {
        return Err(shape_error(&member("data"), "missing (a required field)"));
    }
    sink.begin_object();
    sink.field(table_name(&ENVELOPE, 0));
    sink.string(&id);
    sink.field(table_name(&ENVELOPE, 1));
    sink.string(&topic);
    if let Some(created_at) = created_at {
        sink.field(table_name(&ENVELOPE, 2));
        report_text(sink, created_at);
    }
    sink.field(table_name(&ENVELOPE, 3));
    let data_path = member("data");
    match find_topic(&topic).map(|info| info.payload) {
        Some(PayloadKind::VariantRefs) => walk_variant_refs(sink, &document, data, &data_path)?,
        Some(kind) => walk_object(sink, &document, payload_schema(kind), data, &data_path)?,
        None => walk_any(sink, &document, data),
    }
    sink.end_object();
    Ok(())
}

/// Whether the single-pass walk, when it reads `body` to the end, reports exactly what the tape walk reports (the
/// canonical JSON of both). For the fuzz target and tests that hold the two walks together; not an API.
#[doc(hidden)]
pub fn walks_agree(body: &[u8]) -> bool {
    let mut single = JsonSink::default();
    if single_pass::walk_event(body, &mut single).is_err() {
        return true;
    }
    let mut tape = JsonSink::default();
    walk_event_on_tape(body, &mut tape).is_ok() && single.as_str() == tape.as_str()
}

/// Turns a raw body into the canonical JSON of its event (see [`walk_event`]): what the Node and WebAssembly
/// bindings return. Errors as [`walk_event`].
pub fn canonical_event_json(body: &[u8]) -> Result<String, WebhookError> {
    let mut sink = JsonSink::with_capacity(body.len() + body.len() / 4 + 64);
    walk_event(body, &mut sink)?;
    Ok(sink.into_string())
}

/// Whether two JSON texts hold the same values, numbers compared as the doubles they read as (and text that is not
/// JSON equal to nothing). The canonical JSON keeps numbers as the sender wrote them, while
/// [`crate::Event::to_json`] writes them as a double prints (`1e2` there is `100.0`); this is how the two are
/// compared, in tests and by anyone checking the typed path against the bindings.
pub fn same_json_values(left: &str, right: &str) -> bool {
    fn same(left: &serde_json::Value, right: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (left, right) {
            (Value::Number(left), Value::Number(right)) => left.as_f64() == right.as_f64(),
            (Value::Array(left), Value::Array(right)) => {
                left.len() == right.len() && left.iter().zip(right).all(|(left, right)| same(left, right))
            }
            (Value::Object(left), Value::Object(right)) => {
                left.len() == right.len()
                    && left.iter().zip(right).all(|((name, left), (other, right))| name == other && same(left, right))
            }
            (left, right) => left == right,
        }
    }
    match (serde_json::from_str(left), serde_json::from_str(right)) {
        (Ok(left), Ok(right)) => same(&left, &right),
        _ => false,
    }
}

/// Every schema the walk reads: the envelope, each payload type and every type nested in them.
fn every_schema() -> Vec<&'static Schema> {
    let mut found: Vec<&'static Schema> = Vec::from([&ENVELOPE as &Schema]);
    for topic in TOPICS {
        let schema = payload_schema(topic.payload);
        if !found.iter().any(|known| core::ptr::eq(*known, schema)) {
            found.push(schema);
        }
    }
    let mut next = 0;
    while let Some(schema) = found.get(next).copied() {
        for field in schema.fields {
            if let Kind::Object(inner) | Kind::RequiredObject(inner) | Kind::List(inner) = field.kind {
                if !found.iter().any(|known| core::ptr::eq(*known, inner)) {
                    found.push(inner);
                }
            }
        }
        next += 1;
    }
    found
}

/// Every name a sink's [`Sink::field`] can be called with, each once, as the very `&'static str`s the walk reports
/// (the same addresses): a binding may make its host strings for them up front and find them by address (the
/// Python extension interns them once, instead of making a string per member of every event).
pub fn field_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for schema in every_schema() {
        for field in schema.fields {
            if !names.contains(&field.name) {
                names.push(field.name);
            }
        }
    }
    names
}

fn payload_schema(kind: PayloadKind) -> &'static Schema {
    match kind {
        PayloadKind::Order => &ORDER,
        PayloadKind::Product => &PRODUCT,
        PayloadKind::ProductRef => &PRODUCT_REF,
        PayloadKind::VariantRefs => &VARIANT_REFS_WIRE,
        PayloadKind::Connection => &CONNECTION,
        PayloadKind::Proposal => &PROPOSAL,
        PayloadKind::ProposalProductChange => &PROPOSAL_PRODUCT_CHANGE,
        PayloadKind::ProposalVariantChange => &PROPOSAL_VARIANT_CHANGE,
        PayloadKind::Rma => &RMA,
        PayloadKind::RmaReturn => &RMA_RETURN,
    }
}

// The payload tables, one per type of `crate::payloads`, in the same field order.

/// [`crate::payloads::VariantRefs`] as it arrives (see [`walk_variant_refs`]).
static VARIANT_REFS_WIRE: Schema = Schema {
    fields: &[
        field("id", &["_id", "variantId"], Kind::OptionalId),
        field("variantIds", &["ids"], Kind::Ids),
        field("productId", &[], Kind::OptionalId),
    ],
};

/// [`crate::payloads::Party`]
static PARTY: Schema = Schema {
    fields: &[field("id", &["_id"], Kind::Id), field("name", &[], Kind::Text), field("code", &[], Kind::Text)],
};

/// [`crate::payloads::Address`]
static ADDRESS: Schema = Schema {
    fields: &[
        field("name", &["name1"], Kind::Text),
        field("company", &["name2"], Kind::Text),
        field("addressOne", &["street1", "address1"], Kind::Text),
        field("addressTwo", &["street2", "address2"], Kind::Text),
        field("city", &[], Kind::Text),
        field("state", &["province"], Kind::Text),
        field("zip", &["postal_code", "postalCode"], Kind::Text),
        field("country", &[], Kind::Text),
        field("phoneNumber", &["phone1", "phone"], Kind::Text),
        field("email", &[], Kind::Text),
    ],
};

/// [`crate::payloads::Order`]
static ORDER: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("purchaseOrderNumber", &["purchase_order_number"], Kind::Text),
        field("buyerReference", &["buyerOrderCode", "retailer_order_number"], Kind::Text),
        field("sellerReference", &["sellerOrderCode", "brand_identifier"], Kind::Text),
        field("customerReference", &["customer_order_number"], Kind::Text),
        field("status", &[], Kind::Text),
        field("buyer", &["retailer"], Kind::Object(&PARTY)),
        field("seller", &["brand"], Kind::Object(&PARTY)),
        field("currency", &["baseCurrency"], Kind::Text),
        field("subtotal", &["subtotal_charged"], Kind::Decimal),
        field("shipping", &["shipping_charged"], Kind::Decimal),
        field("shipTo", &["ship_to", "address", "shippingAddress"], Kind::Object(&ADDRESS)),
        field("lines", &["items", "order_lines"], Kind::List(&ORDER_LINE)),
        field("fulfillments", &["shipments"], Kind::List(&FULFILLMENT)),
        field("cancellations", &["cancels"], Kind::List(&CANCELLATION)),
        field("returns", &["rmas"], Kind::List(&ORDER_RETURN)),
        field("hasCancellations", &[], Kind::Flag),
        field("isTest", &[], Kind::Flag),
        field("createdAt", &["created", "ordered_at"], Kind::Text),
        field("updatedAt", &["updated", "updated_at"], Kind::Text),
        field("cancelledAt", &["canceled_at", "canceledAt"], Kind::Text),
        field("fulfilledAt", &["fulfilledDate", "fulfilled_at"], Kind::Text),
        field("attributes", &["custom"], Kind::Attributes),
    ],
};

/// [`crate::payloads::OrderLine`]
static ORDER_LINE: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("variantId", &[], Kind::OptionalId),
        field("sku", &["sellerVariantCode"], Kind::Text),
        field("title", &[], Kind::Text),
        field("quantity", &[], Kind::RequiredCount),
        field("quantityShipped", &["quantity_shipped"], Kind::Count),
        field("quantityCancelled", &["quantity_canceled", "quantityCanceled"], Kind::Count),
        field("basePrice", &["net_price"], Kind::Decimal),
        field("retailPrice", &["price"], Kind::Decimal),
        field("cancelled", &[], Kind::Flag),
        field("cancelledReason", &[], Kind::Text),
        field("cancelledBy", &[], Kind::Text),
        field("cancelledAt", &["cancelledDate"], Kind::Text),
        field("status", &[], Kind::Text),
    ],
};

/// [`crate::payloads::Fulfillment`]
static FULFILLMENT: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("carrier", &[], Kind::Text),
        field("trackingCode", &["tracking_number", "trackingNumber"], Kind::Text),
        field("trackingUrls", &[], Kind::Texts),
        field("shippedAt", &["created", "shipped_at"], Kind::Text),
        field("lines", &["items"], Kind::List(&LINE_QUANTITY)),
    ],
};

/// [`crate::payloads::LineQuantity`]
static LINE_QUANTITY: Schema = Schema {
    fields: &[
        field("orderLineId", &["orderItemId", "order_line_id"], Kind::Id),
        field("quantity", &[], Kind::RequiredCount),
    ],
};

/// [`crate::payloads::Cancellation`]
static CANCELLATION: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::OptionalId),
        field("reason", &[], Kind::Text),
        field("cancelledBy", &[], Kind::Text),
        field("cancelledAt", &["canceled_at"], Kind::Text),
        field("lines", &["items"], Kind::List(&LINE_QUANTITY)),
    ],
};

/// [`crate::payloads::OrderReturn`]
static ORDER_RETURN: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("rmaNumber", &["rma_number"], Kind::Text),
        field("status", &[], Kind::Text),
        field("reason", &[], Kind::Text),
        field("lines", &["items"], Kind::List(&LINE_QUANTITY)),
    ],
};

/// [`crate::payloads::Product`]
static PRODUCT: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("title", &[], Kind::Text),
        field("brand", &[], Kind::Text),
        field("description", &[], Kind::Text),
        field("sellerReference", &[], Kind::Text),
        field("sellerId", &["companyId"], Kind::OptionalId),
        field("tags", &[], Kind::Texts),
        field("optionNames", &[], Kind::Texts),
        field("images", &[], Kind::List(&IMAGE)),
        field("variants", &[], Kind::List(&VARIANT)),
        field("createdAt", &["created"], Kind::Text),
        field("updatedAt", &["updated"], Kind::Text),
        field("attributes", &[], Kind::Attributes),
    ],
};

/// [`crate::payloads::Image`]
static IMAGE: Schema =
    Schema { fields: &[field("id", &["_id"], Kind::OptionalId), field("source", &["src", "url"], Kind::RequiredText)] };

/// [`crate::payloads::Variant`]
static VARIANT: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("sku", &[], Kind::Text),
        field("title", &[], Kind::Text),
        field("inventoryAmount", &["inventory_quantity", "inventoryQuantity"], Kind::Integer),
        field("retailPrice", &[], Kind::Decimal),
        field("retailCurrency", &[], Kind::Text),
        field("basePrice", &[], Kind::Decimal),
        field("baseCurrency", &[], Kind::Text),
        field("barcode", &["upc"], Kind::OptionalId),
        field("barcodeType", &[], Kind::Text),
        field("options", &[], Kind::List(&VARIANT_OPTION)),
        field("weight", &[], Kind::Float),
        field("weightUnits", &[], Kind::Text),
        field("attributes", &[], Kind::Attributes),
    ],
};

/// [`crate::payloads::VariantOption`]
static VARIANT_OPTION: Schema =
    Schema { fields: &[field("name", &[], Kind::RequiredText), field("value", &[], Kind::RequiredText)] };

/// [`crate::payloads::ProductRef`]
static PRODUCT_REF: Schema = Schema { fields: &[field("id", &["_id", "productId"], Kind::Id)] };

/// [`crate::payloads::Connection`]
static CONNECTION: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("buyer", &["retailer"], Kind::Object(&PARTY)),
        field("seller", &["brand"], Kind::Object(&PARTY)),
        field("status", &[], Kind::Text),
        field("level", &[], Kind::Text),
        field("integrationType", &["integration_type"], Kind::Text),
        field("onboardingStatus", &["onboarding_status"], Kind::Text),
        field("createdAt", &["created_at", "created"], Kind::Text),
        field("updatedAt", &["updated_at", "updated"], Kind::Text),
    ],
};

/// [`crate::payloads::Person`]
static PERSON: Schema = Schema {
    fields: &[field("id", &["_id"], Kind::OptionalId), field("name", &[], Kind::Text), field("email", &[], Kind::Text)],
};

/// [`crate::payloads::Proposal`]
static PROPOSAL: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("name", &[], Kind::Text),
        field("status", &[], Kind::Text),
        field("proposalType", &["proposal_type"], Kind::Text),
        field("buyer", &["retailer"], Kind::Object(&PARTY)),
        field("seller", &["brand"], Kind::Object(&PARTY)),
        field("connectionId", &["connection"], Kind::OptionalId),
        field("owner", &["created_by"], Kind::Object(&PERSON)),
        field("collaborators", &[], Kind::List(&PERSON)),
        field("itemCount", &["item_count"], Kind::Count),
        field("itemApprovedCount", &["item_approved_count"], Kind::Count),
        field("itemRejectedCount", &["item_rejected_count"], Kind::Count),
        field("reason", &["return_reason"], Kind::Text),
        field("proposedAt", &["proposed_at"], Kind::Text),
        field("revisedAt", &["revised_at"], Kind::Text),
        field("approvedAt", &["approved_at"], Kind::Text),
        field("declinedAt", &["declined_at"], Kind::Text),
        field("completedAt", &["completed_at"], Kind::Text),
        field("createdAt", &["created_at"], Kind::Text),
        field("updatedAt", &["updated_at"], Kind::Text),
    ],
};

/// [`crate::payloads::ProposalProduct`]
static PROPOSAL_PRODUCT: Schema = Schema {
    fields: &[field("id", &["_id"], Kind::Id), field("name", &["title"], Kind::Text), field("status", &[], Kind::Text)],
};

/// [`crate::payloads::ProposalVariant`]
static PROPOSAL_VARIANT: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("name", &["title"], Kind::Text),
        field("sku", &["brand_identifier"], Kind::Text),
        field("status", &[], Kind::Text),
    ],
};

/// [`crate::payloads::ProposalProductChange`]
static PROPOSAL_PRODUCT_CHANGE: Schema = Schema {
    fields: &[
        field("proposal", &[], Kind::RequiredObject(&PROPOSAL)),
        field("product", &[], Kind::Object(&PROPOSAL_PRODUCT)),
        field("reason", &[], Kind::Text),
    ],
};

/// [`crate::payloads::ProposalVariantChange`]
static PROPOSAL_VARIANT_CHANGE: Schema = Schema {
    fields: &[
        field("proposal", &[], Kind::RequiredObject(&PROPOSAL)),
        field("variant", &[], Kind::Object(&PROPOSAL_VARIANT)),
        field("reason", &[], Kind::Text),
    ],
};

/// [`crate::payloads::Rma`]
static RMA: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("orderId", &["order_id"], Kind::OptionalId),
        field("purchaseOrderNumber", &["purchase_order_number"], Kind::Text),
        field("rmaNumber", &["rma_number"], Kind::Text),
        field("status", &[], Kind::Text),
        field("createdBy", &["created_by"], Kind::Text),
        field("lines", &["rma_lines"], Kind::List(&RMA_LINE)),
        field("createdAt", &["rmad_at", "created_at"], Kind::Text),
        field("approvedAt", &["approved_at"], Kind::Text),
        field("rejectedAt", &["rejected_at"], Kind::Text),
        field("completedAt", &["completed_at"], Kind::Text),
    ],
};

/// [`crate::payloads::RmaLine`]
static RMA_LINE: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("variantId", &[], Kind::OptionalId),
        field("sku", &["brand_identifier"], Kind::Text),
        field("quantity", &[], Kind::Count),
        field("reason", &[], Kind::Text),
    ],
};

/// [`crate::payloads::ReturnShipment`]
static RETURN_SHIPMENT: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("status", &[], Kind::Text),
        field("quantity", &[], Kind::Count),
        field("carrier", &[], Kind::Text),
        field("trackingNumber", &["return_tracking_number"], Kind::Text),
        field("inspectionNotes", &["inspection_notes"], Kind::Text),
    ],
};

/// [`crate::payloads::RmaReturn`]
static RMA_RETURN: Schema = Schema {
    fields: &[field("rma", &[], Kind::RequiredObject(&RMA)), field("return", &[], Kind::Object(&RETURN_SHIPMENT))],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::parse_event;
    use crate::samples::sample_event_json;
    use alloc::string::ToString;
    use serde_json::Value;

    #[test]
    fn schemas_fit_the_slots_and_spell_each_name_once() {
        let schemas = every_schema();
        assert_eq!(schemas.len(), 26, "a schema was added: check it is reachable and tested");
        for schema in schemas {
            assert!(schema.fields.len() <= MAX_FIELDS);
            let mut spellings: Vec<&str> = Vec::new();
            for field in schema.fields {
                for spelling in core::iter::once(&field.name).chain(field.aliases) {
                    assert!(!spellings.contains(spelling), "{spelling} twice in one schema");
                    spellings.push(spelling);
                }
            }
        }
    }

    /// A value of every field, nested all the way down, so the canonical output has no nulls to hide behind.
    fn filled(schema: &Schema) -> Value {
        let mut object = serde_json::Map::new();
        for field in schema.fields {
            let value = match field.kind {
                Kind::Id | Kind::OptionalId => Value::from(format!("{}-1", field.name)),
                Kind::Text | Kind::RequiredText => Value::from(format!("{} text", field.name)),
                Kind::Decimal => Value::from("12.50"),
                Kind::Count | Kind::RequiredCount => Value::from(3),
                Kind::Integer => Value::from(-4),
                Kind::Float => Value::from(1.25),
                Kind::Flag => Value::from(true),
                Kind::Texts | Kind::Ids => Value::from(vec!["a", "b"]),
                Kind::Attributes => serde_json::json!({"b": 1, "a": [true, null]}),
                Kind::Object(inner) | Kind::RequiredObject(inner) => filled(inner),
                Kind::List(inner) => Value::Array(vec![filled(inner), filled(inner)]),
            };
            object.insert(field.name.into(), value);
        }
        Value::Object(object)
    }

    /// The tables and the typed structs agree on every name and its order, nested types included: the canonical
    /// JSON of a fully filled payload reads into the structs and serializes back to the same bytes.
    #[test]
    fn tables_match_the_typed_structs() {
        for topic in TOPICS {
            let data = filled(payload_schema(topic.payload));
            let body = serde_json::json!({"id": "evt_1", "topic": topic.name, "createdAt": "2026-11-23T00:00:00Z", "data": data}).to_string();
            let canonical = canonical_event_json(body.as_bytes()).unwrap();
            let event = parse_event(body.as_bytes()).unwrap();
            assert_eq!(event.to_json(), canonical, "{}", topic.name);
            assert!(!canonical.contains("null,") || topic.name == "variant.unavailable", "{canonical}");
        }
    }

    /// Records the names `field` is called with.
    #[derive(Default)]
    struct FieldNames(Vec<&'static str>);

    impl Sink for FieldNames {
        fn reset(&mut self) {
            self.0.clear();
        }
        fn begin_object(&mut self) {}
        fn end_object(&mut self) {}
        fn begin_array(&mut self) {}
        fn end_array(&mut self) {}
        fn field(&mut self, name: &'static str) {
            self.0.push(name);
        }
        fn key(&mut self, _: &str) {}
        fn null(&mut self) {}
        fn boolean(&mut self, _: bool) {}
        fn string(&mut self, _: &str) {}
        fn integer(&mut self, _: &str) {}
        fn float(&mut self, _: &str) {}
    }

    #[test]
    fn field_names_lists_every_name_a_sink_is_told() {
        let listed = field_names();
        let mut told = Vec::new();
        for topic in TOPICS {
            let data = filled(payload_schema(topic.payload));
            let body = serde_json::json!({"id": "e", "topic": topic.name, "createdAt": "t", "data": data}).to_string();
            let mut sink = FieldNames::default();
            walk_event(body.as_bytes(), &mut sink).unwrap();
            told.extend(sink.0);
        }
        assert!(told.len() > 200);
        for name in told {
            // The same text at the same address: sinks may key on the address (the Python binding does).
            assert!(listed.iter().any(|known| core::ptr::eq(*known, name)), "{name} is reported but not listed");
        }
    }

    /// The single-pass walk's JSON (when it finishes) and the tape walk's result.
    fn both_walks(body: &[u8]) -> (Option<String>, Result<String, WebhookError>) {
        let mut single = JsonSink::default();
        let fast = single_pass::walk_event(body, &mut single).ok().map(|()| single.into_string());
        let mut tape = JsonSink::default();
        (fast, walk_event_on_tape(body, &mut tape).map(|()| tape.into_string()))
    }

    /// A small deterministic generator (xorshift), so the generated bodies are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, bound: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % bound
        }
    }

    /// A body changed the ways senders differ (each member with a chance of about ten in `rate`), as JSON text (written by hand to keep member order and duplicates):
    /// members dropped, nulled, renamed to an alias or an unknown name, moved first, re-typed, given twice, and
    /// free-form values put in.
    fn mutate(document: &Document<'_>, at: usize, rng: &mut Rng, rate: u64) -> String {
        match document.node(at) {
            Node::Object { .. } => {
                let mut out: Vec<(String, String)> = Vec::new();
                for (name, item) in document.members(at) {
                    let name = name.to_string();
                    match rng.below(rate) {
                        0 | 1 => continue,
                        2 | 3 => out.push((name.clone(), "null".into())),
                        4 => out.push((format!("{name}_x"), mutate(document, item, rng, rate))),
                        5 => out.push(("_id".into(), mutate(document, item, rng, rate))),
                        6 => out.push((name.clone(), "7".into())),
                        7 => out.push((name.clone(), "\"12.50\"".into())),
                        8 => out.push((name.clone(), r#"{"b":[1,2.5,null],"a":"x"}"#.into())),
                        9 => {
                            out.push((name.clone(), mutate(document, item, rng, rate)));
                            out.push((name.clone(), "true".into()));
                        }
                        _ => out.push((name.clone(), mutate(document, item, rng, rate))),
                    }
                }
                if rng.below(6) == 0 && out.len() > 1 {
                    let moved = out.remove(rng.below(out.len() as u64) as usize);
                    out.insert(0, moved);
                }
                let members: Vec<String> =
                    out.iter().map(|(name, item)| format!("{}:{item}", Value::from(name.as_str()))).collect();
                format!("{{{}}}", members.join(","))
            }
            Node::Array { .. } => {
                let mut kept = Vec::new();
                for item in document.elements(at) {
                    if rng.below(10) != 0 {
                        kept.push(mutate(document, item, rng, rate));
                    }
                }
                format!("[{}]", kept.join(","))
            }
            Node::Null => "null".into(),
            Node::Bool(flag) => flag.to_string(),
            Node::Number(text) => (*text).to_string(),
            Node::Text(text) => Value::from(text.as_ref()).to_string(),
        }
    }

    #[test]
    fn single_pass_and_tape_agree() {
        let mut finished = 0;
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let samples: Vec<&str> = TOPICS.iter().map(|topic| sample_event_json(topic.name).unwrap()).collect();
        for (sample, topic) in samples.iter().zip(TOPICS) {
            let (fast, _) = both_walks(sample.as_bytes());
            let single = topic.name == "variant.unavailable";
            assert!(fast.is_some() || single, "a sample in canonical form reads in one pass: {sample}");
        }
        let documents: Vec<Document<'_>> =
            samples.iter().map(|sample| Parser::parse(sample.as_bytes()).unwrap()).collect();
        for round in 0..6000 {
            let rate = [40, 400, 4000][round % 3];
            let body = mutate(&documents[round / 3 % documents.len()], 0, &mut rng, rate);
            let (fast, tape) = both_walks(body.as_bytes());
            if let Some(fast) = fast {
                finished += 1;
                assert_eq!(Ok(fast), tape.map_err(|error| error.to_string()), "{body}");
            }
        }
        // Both outcomes are exercised: many bodies read in one pass, many need the tape.
        assert!((1000..5500).contains(&finished), "{finished} of 6000 read in one pass");
        let reordered = br#"{"topic":"order.created","id":"e","data":{"status":"open","id":"o"}}"#;
        assert!(both_walks(reordered).0.is_none(), "data members out of order go to the tape");
    }

    #[test]
    fn samples_read_the_same_both_ways() {
        for topic in TOPICS {
            let body = sample_event_json(topic.name).unwrap();
            let canonical = canonical_event_json(body.as_bytes()).unwrap();
            assert_eq!(parse_event(body.as_bytes()).unwrap().to_json(), canonical);
            // Canonical JSON is a fixed point.
            assert_eq!(canonical_event_json(canonical.as_bytes()).unwrap(), canonical);
        }
    }

    #[test]
    fn errors_name_the_path() {
        let body = br#"{"id":"e","topic":"order.created","data":{"id":"o","lines":[{"id":"l","quantity":1},{"id":"m","quantity":-1}]}}"#;
        let error = canonical_event_json(body).unwrap_err();
        assert_eq!(error.code(), "invalid_payload");
        assert!(error.to_string().contains("`data.lines[1].quantity`: expected a whole number"), "{error}");
        let twice = br#"{"id":"e","topic":"order.created","data":{"_id":"o","id":"p"}}"#;
        assert!(canonical_event_json(twice).unwrap_err().to_string().contains("`data.id`: given twice"));
        let missing = br#"{"id":"e","topic":"order.created","data":{"lines":null}}"#;
        assert!(canonical_event_json(missing).unwrap_err().to_string().contains("`data.id`: missing"));
        let no_topic = br#"{"id":"e","data":{}}"#;
        assert!(canonical_event_json(no_topic).unwrap_err().to_string().contains("`topic`: missing"));
    }

    #[test]
    fn decimals_from_numbers_are_exact() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("-0.000e5", "0"),
            ("42", "42"),
            ("-42", "-42"),
            ("10.50", "10.5"),
            ("1.25e2", "125"),
            ("1.25E+2", "125"),
            ("125e-2", "1.25"),
            ("1e-3", "0.001"),
            ("-0.0125e1", "-0.125"),
            ("100e-2", "1"),
            ("1.20e1", "12"),
            ("0.000", "0"),
            ("7e3", "7000"),
            ("12345678901234567890.125000", "12345678901234567890.125"),
        ];
        for (written, plain) in cases {
            assert_eq!(Decimal::of(written).plain().as_deref(), Some(plain), "{written}");
        }
        assert_eq!(Decimal::of("1e-398").plain().map(|text| text.len()), Some(400));
        assert_eq!(Decimal::of("1e-399").plain(), None);
        assert_eq!(Decimal::of("-1e-398").plain().map(|text| text.len()), Some(401));
        assert_eq!(Decimal::of("1e-99999999999999999999").plain(), None);
    }

    #[test]
    fn syntax_errors_come_before_shape_errors() {
        // A wrong type early and broken JSON later: the body is not JSON at all, so `invalid_json`.
        assert_eq!(canonical_event_json(br#"{"id":1.5,"topic":"#).unwrap_err().code(), "invalid_json");
    }
}
