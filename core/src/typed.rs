//! The typed sink: the canonical walk's values as a short list of tokens, and a serde `Deserializer` that reads
//! the typed structs of [`crate::payloads`] from it. This is how [`crate::parse_event`] builds an [`crate::Event`]
//! from one walk of the body, with no JSON text in between. Strings are made once: the token owns each one and
//! hands it to the struct field (`visit_string`), so nothing is copied twice.
//!
//! The tokens always hold a canonical event (the walk checked every rule), so the derives see canonical names and
//! types only; a mismatch would be a bug in the tables, reported as `invalid_payload`, never a panic.

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

use crate::sink::Sink;

/// One canonical value, or the start or end of a container.
#[derive(Debug)]
enum Token {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Field(&'static str),
    Key(String),
    Null,
    Bool(bool),
    Text(String),
    Unsigned(u64),
    Signed(i64),
    Float(f64),
}

/// Records what the walk reports, in order.
#[derive(Debug, Default)]
pub(crate) struct TokenSink {
    tokens: Vec<Token>,
}

impl TokenSink {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        TokenSink { tokens: Vec::with_capacity(capacity) }
    }

    /// A deserializer over the recorded tokens.
    pub(crate) fn reader(self) -> TokenReader {
        TokenReader { tokens: self.tokens.into_iter().peekable() }
    }
}

impl Sink for TokenSink {
    fn reset(&mut self) {
        self.tokens.clear();
    }
    fn begin_object(&mut self) {
        self.tokens.push(Token::BeginObject);
    }
    fn end_object(&mut self) {
        self.tokens.push(Token::EndObject);
    }
    fn begin_array(&mut self) {
        self.tokens.push(Token::BeginArray);
    }
    fn end_array(&mut self) {
        self.tokens.push(Token::EndArray);
    }
    fn field(&mut self, name: &'static str) {
        self.tokens.push(Token::Field(name));
    }
    fn key(&mut self, name: &str) {
        self.tokens.push(Token::Key(name.to_owned()));
    }
    fn null(&mut self) {
        self.tokens.push(Token::Null);
    }
    fn boolean(&mut self, value: bool) {
        self.tokens.push(Token::Bool(value));
    }
    fn string(&mut self, text: &str) {
        self.tokens.push(Token::Text(text.to_owned()));
    }
    fn integer(&mut self, literal: &str) {
        // As serde_json reads integers: u64, then i64, and past both the nearest double.
        self.tokens.push(match (literal.parse::<u64>(), literal.parse::<i64>()) {
            (Ok(value), _) => Token::Unsigned(value),
            (_, Ok(value)) => Token::Signed(value),
            _ => Token::Float(literal.parse().unwrap_or(f64::NAN)),
        });
    }
    fn float(&mut self, literal: &str) {
        self.tokens.push(Token::Float(literal.parse().unwrap_or(f64::NAN)));
    }
}

/// Why the tokens did not read into the structs (a bug in the tables; never expected).
#[derive(Debug)]
pub(crate) struct Mismatch(pub(crate) String);

impl fmt::Display for Mismatch {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl de::StdError for Mismatch {}

impl de::Error for Mismatch {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Mismatch(message.to_string())
    }
}

/// Reads the recorded tokens as serde data.
pub(crate) struct TokenReader {
    tokens: core::iter::Peekable<alloc::vec::IntoIter<Token>>,
}

impl TokenReader {
    fn next(&mut self) -> Result<Token, Mismatch> {
        self.tokens.next().ok_or_else(|| Mismatch("the tokens ended early".into()))
    }

    /// The next token must be `expected` (the envelope's fixed parts).
    pub(crate) fn expect_field(&mut self, expected: &str) -> Result<(), Mismatch> {
        match self.next()? {
            Token::Field(name) if name == expected => Ok(()),
            other => Err(Mismatch(alloc::format!("expected `{expected}`, found {other:?}"))),
        }
    }

    /// The next token is the field `name`: consumes it.
    pub(crate) fn take_field(&mut self, name: &str) -> bool {
        if matches!(self.tokens.peek(), Some(Token::Field(next)) if *next == name) {
            self.tokens.next();
            return true;
        }
        false
    }

    pub(crate) fn begin_object(&mut self) -> Result<(), Mismatch> {
        match self.next()? {
            Token::BeginObject => Ok(()),
            other => Err(Mismatch(alloc::format!("expected an object, found {other:?}"))),
        }
    }

    pub(crate) fn end_object(&mut self) -> Result<(), Mismatch> {
        match self.next()? {
            Token::EndObject => Ok(()),
            other => Err(Mismatch(alloc::format!("expected the object's end, found {other:?}"))),
        }
    }

    pub(crate) fn text(&mut self) -> Result<String, Mismatch> {
        match self.next()? {
            Token::Text(text) => Ok(text),
            other => Err(Mismatch(alloc::format!("expected a string, found {other:?}"))),
        }
    }
}

impl<'de> de::Deserializer<'de> for &mut TokenReader {
    type Error = Mismatch;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        match self.next()? {
            Token::Null => visitor.visit_unit(),
            Token::Bool(value) => visitor.visit_bool(value),
            Token::Text(text) => visitor.visit_string(text),
            Token::Unsigned(value) => visitor.visit_u64(value),
            Token::Signed(value) => visitor.visit_i64(value),
            Token::Float(value) => visitor.visit_f64(value),
            Token::BeginObject => visitor.visit_map(Members { reader: self }),
            Token::BeginArray => visitor.visit_seq(Elements { reader: self }),
            other => Err(Mismatch(alloc::format!("expected a value, found {other:?}"))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Mismatch> {
        if matches!(self.tokens.peek(), Some(Token::Null)) {
            self.tokens.next();
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

struct Members<'r> {
    reader: &'r mut TokenReader,
}

impl<'de> MapAccess<'de> for Members<'_> {
    type Error = Mismatch;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Mismatch> {
        match self.reader.next()? {
            Token::EndObject => Ok(None),
            Token::Field(name) => seed.deserialize(BorrowedStrDeserializer::<Mismatch>::new(name)).map(Some),
            Token::Key(name) => {
                let name: StringDeserializer<Mismatch> = name.into_deserializer();
                seed.deserialize(name).map(Some)
            }
            other => Err(Mismatch(alloc::format!("expected a member name, found {other:?}"))),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Mismatch> {
        seed.deserialize(&mut *self.reader)
    }
}

struct Elements<'r> {
    reader: &'r mut TokenReader,
}

impl<'de> SeqAccess<'de> for Elements<'_> {
    type Error = Mismatch;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Mismatch> {
        if matches!(self.reader.tokens.peek(), Some(Token::EndArray)) {
            self.reader.tokens.next();
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}
