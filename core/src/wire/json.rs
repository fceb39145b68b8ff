//! The JSON reader: a strict RFC 8259 parser of a UTF-8 body onto a tape of [`Node`]s (the document), and the
//! scanning helpers the single-pass walk shares with it.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::decimal::Decimal;
use crate::error::WebhookError;

/// One value of a parsed document. Strings are borrowed from the body unless they had escapes; numbers are kept
/// as the sender wrote them (the JSON grammar checked), so no value passes through binary floating point.
#[derive(Debug)]
pub(super) enum Node<'a> {
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
    pub(super) fn type_name(&self) -> &'static str {
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
pub(super) struct Document<'a> {
    pub(super) nodes: Vec<Node<'a>>,
}

impl<'a> Document<'a> {
    pub(super) fn node(&self, at: usize) -> &Node<'a> {
        self.nodes.get(at).unwrap_or(&Node::Null)
    }

    /// The index just past the value at `at`, its contents included.
    pub(super) fn after(&self, at: usize) -> usize {
        match self.nodes.get(at) {
            Some(Node::Array { end } | Node::Object { end }) => *end,
            _ => at + 1,
        }
    }

    /// The elements of the array at `at`.
    pub(super) fn elements(&self, at: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.after(at);
        let mut next = at + 1;
        core::iter::from_fn(move || {
            let element = next;
            next = self.after(element);
            (element < end).then_some(element)
        })
    }

    /// The members of the object at `at`: each name and the index of its value.
    pub(super) fn members(&self, at: usize) -> impl Iterator<Item = (&str, usize)> + '_ {
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
pub(super) const MAX_DEPTH: u32 = 128;

/// A strict RFC 8259 parser over a UTF-8 body: what `serde_json` accepts, it accepts, and it refuses the rest with
/// `invalid_json` and the line and column.
pub(super) struct Parser<'a> {
    pub(super) text: &'a str,
    pub(super) position: usize,
    pub(super) nodes: Vec<Node<'a>>,
}

impl<'a> Parser<'a> {
    /// A parser at the start of a UTF-8 body, with room for `nodes` tape entries.
    pub(super) fn over(body: &'a [u8], nodes: usize) -> Result<Self, WebhookError> {
        let text = core::str::from_utf8(body).map_err(|error| WebhookError::InvalidJson {
            message: format!("the body is not UTF-8 (invalid byte at offset {})", error.valid_up_to()),
        })?;
        Ok(Parser { text, position: 0, nodes: Vec::with_capacity(nodes) })
    }

    pub(super) fn parse(body: &'a [u8]) -> Result<Document<'a>, WebhookError> {
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

    pub(super) fn error(&self, problem: &str) -> WebhookError {
        let before = self.text.get(..self.position).unwrap_or(self.text);
        let line = before.bytes().filter(|&byte| byte == b'\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |last| last.chars().count()) + 1;
        WebhookError::InvalidJson { message: format!("{problem} at line {line} column {column}") }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    pub(super) fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.position += 1;
        }
    }

    pub(super) fn literal(&mut self, word: &str, value: Node<'a>) -> Result<(), WebhookError> {
        if self.text.get(self.position..).is_some_and(|rest| rest.starts_with(word)) {
            self.position += word.len();
            self.nodes.push(value);
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// Parses one value onto the tape.
    pub(super) fn value(&mut self, depth: u32) -> Result<(), WebhookError> {
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

    pub(super) fn enter(&self, depth: u32) -> Result<u32, WebhookError> {
        match depth.saturating_sub(1) {
            0 => Err(self.error("recursion limit exceeded")),
            inner => Ok(inner),
        }
    }

    /// After an element: a comma (then another element) or the closing bracket.
    pub(super) fn more(&mut self, close: u8, what: &str) -> Result<bool, WebhookError> {
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
    pub(super) fn open(&mut self, depth: u32, node: Node<'a>) -> Result<(usize, u32), WebhookError> {
        let depth = self.enter(depth)?;
        self.position += 1;
        self.nodes.push(node);
        self.skip_whitespace();
        Ok((self.nodes.len() - 1, depth))
    }

    pub(super) fn close(&mut self, at: usize) {
        let end = self.nodes.len();
        if let Some(Node::Array { end: slot } | Node::Object { end: slot }) = self.nodes.get_mut(at) {
            *slot = end;
        }
    }

    pub(super) fn array(&mut self, depth: u32) -> Result<(), WebhookError> {
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

    pub(super) fn object(&mut self, depth: u32) -> Result<(), WebhookError> {
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
    pub(super) fn string(&mut self) -> Result<Cow<'a, str>, WebhookError> {
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
    pub(super) fn escape(&mut self) -> Result<char, WebhookError> {
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

    pub(super) fn hex4(&mut self) -> Result<u32, WebhookError> {
        let digits =
            self.text.get(self.position..self.position + 4).ok_or_else(|| self.error("EOF while parsing a string"))?;
        if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return Err(self.error("invalid escape"));
        }
        self.position += 4;
        u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid escape"))
    }

    pub(super) fn number(&mut self) -> Result<(), WebhookError> {
        let text = self.number_literal()?;
        self.nodes.push(Node::Number(text));
        Ok(())
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, and within the range of a double.
    pub(super) fn number_literal(&mut self) -> Result<&'a str, WebhookError> {
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
pub(super) fn skip_plain_string_bytes(bytes: &[u8], mut at: usize) -> usize {
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
pub(super) fn is_integer_literal(text: &str) -> bool {
    !text.bytes().any(|byte| matches!(byte, b'.' | b'e' | b'E'))
}
