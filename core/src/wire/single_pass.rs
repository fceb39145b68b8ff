//! The single-pass walk: reads the body once and reports each canonical value as it reads it, with no tape.
//!
//! It handles the common body: each object's members in the order of its schema (under any accepted spelling, with
//! any fields left out, with unknown members anywhere), free-form objects with their names sorted and given once,
//! and nothing wrong. On anything else (members out of order, a duplicate, a `null` where a value is required, a
//! value of the wrong kind, `variant.unavailable`, a body that is not JSON) it gives up, and the tape walk of
//! [`super::walk_event`] reads the body from the start and decides, errors and all. So this walk holds no rule of
//! its own: every rule it applies is the tape walk's (the same tables, kinds, helpers and parser), and when the two
//! both finish they report the same values (the `single_pass_and_tape_agree` test of `wire`, the `walks` fuzz
//! target, and the vector tests).

use alloc::borrow::Cow;
use core::cell::Cell;

use super::{
    is_decimal_text, is_integer_literal, payload_schema, report_text, table_name, whole, whole_text, Decimal, Kind,
    Parser, Schema, ENVELOPE, MAX_DEPTH,
};
use crate::error::WebhookError;
use crate::sink::Sink;
use crate::topics::{canonical_topic_name, find_topic, PayloadKind};

/// The single-pass walk stops: the tape walk decides.
pub(super) struct GiveUp;

impl From<WebhookError> for GiveUp {
    fn from(_: WebhookError) -> Self {
        GiveUp
    }
}

type Pass<T> = Result<T, GiveUp>;

/// Walks `body` into `sink` in one pass, or gives up (the sink may then hold part of the event).
pub(super) fn walk_event<S: Sink + ?Sized>(body: &[u8], sink: &mut S) -> Pass<()> {
    let mut parser = Parser::over(body, 0)?;
    parser.skip_whitespace();
    if parser.peek() != Some(b'{') {
        return Err(GiveUp);
    }
    let depth = parser.enter(MAX_DEPTH)?;
    parser.position += 1;
    // The envelope's scalars are held until `data` comes, then written in canonical order before it.
    let mut id: Option<Cow<'_, str>> = None;
    let mut topic: Option<Cow<'_, str>> = None;
    let mut created_at: Option<Cow<'_, str>> = None;
    let mut seen = 0u32;
    members(&mut parser, text, |parser, name| {
        let Some(index) = ENVELOPE.position(&name) else {
            return skip(parser, depth);
        };
        let bit = 1 << index;
        // Given twice, or an envelope field after `data`: the tape walk reads that.
        if seen & (bit | 1 << 3) != 0 {
            return Err(GiveUp);
        }
        seen |= bit;
        match (index, parser.peek()) {
            (0, Some(b'"')) => id = Some(parser.string()?),
            (0, Some(b'-' | b'0'..=b'9')) => {
                let literal = parser.number_literal()?;
                if whole::<u64>(literal).is_none() && whole::<i64>(literal).is_none() {
                    return Err(GiveUp);
                }
                id = Some(whole_text(literal));
            }
            (1, Some(b'"')) => topic = Some(parser.string()?),
            (2, Some(b'"')) => created_at = Some(parser.string()?),
            (2, Some(b'n')) => null(parser)?,
            (3, _) => {
                let (Some(id), Some(topic)) = (&id, &topic) else { return Err(GiveUp) };
                let topic = canonical_topic_name(topic);
                let payload = find_topic(&topic).map(|info| info.payload);
                if payload == Some(PayloadKind::VariantRefs) {
                    return Err(GiveUp);
                }
                sink.begin_object();
                sink.field(table_name(&ENVELOPE, 0));
                report_text(sink, id);
                sink.field(table_name(&ENVELOPE, 1));
                sink.string(&topic);
                if let Some(created_at) = &created_at {
                    sink.field(table_name(&ENVELOPE, 2));
                    report_text(sink, created_at);
                }
                sink.field(table_name(&ENVELOPE, 3));
                match payload {
                    Some(kind) => object(parser, depth, payload_schema(kind), sink)?,
                    None => any(parser, depth, sink)?,
                }
            }
            _ => return Err(GiveUp),
        }
        Ok(())
    })?;
    if seen & 1 << 3 == 0 {
        return Err(GiveUp);
    }
    sink.end_object();
    parser.skip_whitespace();
    if parser.position < parser.text.len() {
        return Err(GiveUp);
    }
    Ok(())
}

/// Reads an object's members after its `{`, through its `}`: `name` reads each member's name (the parser at its
/// opening quote), and `each` gets it with the parser at the member's value (after whitespace) and must read the
/// whole value.
fn members<'a, N>(
    parser: &mut Parser<'a>,
    mut name: impl FnMut(&mut Parser<'a>) -> Pass<N>,
    mut each: impl FnMut(&mut Parser<'a>, N) -> Pass<()>,
) -> Pass<()> {
    parser.skip_whitespace();
    if parser.peek() == Some(b'}') {
        parser.position += 1;
        return Ok(());
    }
    loop {
        parser.skip_whitespace();
        if parser.peek() != Some(b'"') {
            return Err(GiveUp);
        }
        let name = name(parser)?;
        parser.skip_whitespace();
        if parser.peek() != Some(b':') {
            return Err(GiveUp);
        }
        parser.position += 1;
        parser.skip_whitespace();
        each(parser, name)?;
        if !more(parser, b'}')? {
            return Ok(());
        }
    }
}

/// Any member name, as the parser reads strings.
fn text<'a>(parser: &mut Parser<'a>) -> Pass<Cow<'a, str>> {
    Ok(parser.string()?)
}

/// A member name of a schema object: the index of the field it names, or its text when it is not one of the
/// canonical names from `next` on (an alias, an unknown member, a field out of order).
enum Member<'a> {
    Field(usize),
    Other(Cow<'a, str>),
}

/// Reads a member name at its opening quote. Canonical names from `next` on are matched in place, byte for byte
/// with the closing quote after them (a canonical name holds no quote or backslash, so that is the whole string);
/// anything else is read as a string.
fn schema_member<'a>(parser: &mut Parser<'a>, fields: &[super::Field], next: usize) -> Pass<Member<'a>> {
    let bytes = parser.text.as_bytes();
    let start = parser.position + 1;
    for (offset, field) in fields.get(next..).unwrap_or_default().iter().enumerate() {
        let name = field.name.as_bytes();
        if bytes.get(start + name.len()) == Some(&b'"') && bytes.get(start..start + name.len()) == Some(name) {
            parser.position = start + name.len() + 1;
            return Ok(Member::Field(next + offset));
        }
    }
    Ok(Member::Other(parser.string()?))
}

/// Reads an array's elements after its `[`, through its `]`: `each` gets the parser at each element.
fn elements<'a>(parser: &mut Parser<'a>, mut each: impl FnMut(&mut Parser<'a>) -> Pass<()>) -> Pass<()> {
    parser.skip_whitespace();
    if parser.peek() == Some(b']') {
        parser.position += 1;
        return Ok(());
    }
    loop {
        parser.skip_whitespace();
        each(parser)?;
        if !more(parser, b']')? {
            return Ok(());
        }
    }
}

/// After a member or element: `true` for a comma (another follows), `false` for the closing bracket.
fn more(parser: &mut Parser<'_>, close: u8) -> Pass<bool> {
    parser.skip_whitespace();
    match parser.peek() {
        Some(b',') => {
            parser.position += 1;
            Ok(true)
        }
        Some(byte) if byte == close => {
            parser.position += 1;
            Ok(false)
        }
        _ => Err(GiveUp),
    }
}

/// Skips a value nobody reads (an unknown member), checking its grammar and depth as the tape parser does.
fn skip(parser: &mut Parser<'_>, depth: u32) -> Pass<()> {
    parser.value(depth)?;
    parser.nodes.clear();
    Ok(())
}

fn null(parser: &mut Parser<'_>) -> Pass<()> {
    word(parser, "null")
}

fn word(parser: &mut Parser<'_>, word: &str) -> Pass<()> {
    if parser.text.get(parser.position..).is_some_and(|rest| rest.starts_with(word)) {
        parser.position += word.len();
        Ok(())
    } else {
        Err(GiveUp)
    }
}

/// An object of `schema` at the parser (its `{` next), whose members come in the schema's order.
fn object<'a, S: Sink + ?Sized>(parser: &mut Parser<'a>, depth: u32, schema: &Schema, sink: &mut S) -> Pass<()> {
    if parser.peek() != Some(b'{') {
        return Err(GiveUp);
    }
    let depth = parser.enter(depth)?;
    parser.position += 1;
    sink.begin_object();
    let fields = schema.fields;
    // The schema index after the last field reported, and every field met (given twice is the tape walk's error).
    let next = Cell::new(0);
    let mut seen = 0u64;
    let name = |parser: &mut Parser<'a>| schema_member(parser, fields, next.get());
    members(parser, name, |parser, member| {
        let found = match member {
            Member::Field(index) => Some(index),
            Member::Other(name) => schema.position(&name),
        };
        let Some(index) = found else {
            return skip(parser, depth);
        };
        let next_field = next.get();
        let bit = 1u64 << index;
        if seen & bit != 0 {
            return Err(GiveUp);
        }
        seen |= bit;
        let Some(field) = fields.get(index) else { return Err(GiveUp) };
        if parser.peek() == Some(b'n') {
            // `null` is absent: nothing to report, unless the field is required.
            null(parser)?;
            return if field.kind.required() { Err(GiveUp) } else { Ok(()) };
        }
        // Out of the schema's order, or a required field left out before this one.
        let skipped = fields.get(next_field..index).unwrap_or_default();
        if index < next_field || skipped.iter().any(|skipped| skipped.kind.required()) {
            return Err(GiveUp);
        }
        sink.field(field.name);
        value(parser, depth, field.kind, sink)?;
        next.set(index + 1);
        Ok(())
    })?;
    if fields.get(next.get()..).unwrap_or_default().iter().any(|left| left.kind.required()) {
        return Err(GiveUp);
    }
    sink.end_object();
    Ok(())
}

/// A value of `kind` at the parser, not `null`.
fn value<S: Sink + ?Sized>(parser: &mut Parser<'_>, depth: u32, kind: Kind, sink: &mut S) -> Pass<()> {
    match (kind, parser.peek()) {
        (Kind::Id | Kind::OptionalId, Some(b'"')) => report_text(sink, &parser.string()?),
        (Kind::Id | Kind::OptionalId, Some(b'-' | b'0'..=b'9')) => {
            let literal = parser.number_literal()?;
            if whole::<u64>(literal).is_none() && whole::<i64>(literal).is_none() {
                return Err(GiveUp);
            }
            sink.plain_string(&whole_text(literal));
        }
        (Kind::Text | Kind::RequiredText, Some(b'"')) => report_text(sink, &parser.string()?),
        (Kind::Decimal, Some(b'"')) => {
            let text = parser.string()?;
            if !is_decimal_text(&text) {
                return Err(GiveUp);
            }
            sink.plain_string(&text);
        }
        (Kind::Decimal, Some(b'-' | b'0'..=b'9')) => {
            let plain = Decimal::of(parser.number_literal()?).plain().ok_or(GiveUp)?;
            sink.plain_string(&plain);
        }
        (Kind::Count | Kind::RequiredCount, Some(b'-' | b'0'..=b'9')) => {
            let literal = parser.number_literal()?;
            whole::<u32>(literal).ok_or(GiveUp)?;
            sink.integer(literal);
        }
        (Kind::Integer, Some(b'-' | b'0'..=b'9')) => {
            let literal = parser.number_literal()?;
            whole::<i64>(literal).ok_or(GiveUp)?;
            sink.integer(&whole_text(literal));
        }
        (Kind::Float, Some(b'-' | b'0'..=b'9')) => sink.float(parser.number_literal()?),
        (Kind::Flag, Some(b't')) => {
            word(parser, "true")?;
            sink.boolean(true);
        }
        (Kind::Flag, Some(b'f')) => {
            word(parser, "false")?;
            sink.boolean(false);
        }
        (Kind::Texts | Kind::Ids | Kind::List(_), Some(b'[')) => {
            let depth = parser.enter(depth)?;
            parser.position += 1;
            sink.begin_array();
            elements(parser, |parser| match (kind, parser.peek()) {
                (Kind::Texts, Some(b'"')) => {
                    report_text(sink, &parser.string()?);
                    Ok(())
                }
                (Kind::Ids, Some(b'"' | b'-' | b'0'..=b'9')) => value(parser, depth, Kind::Id, sink),
                (Kind::List(schema), _) => object(parser, depth, schema, sink),
                _ => Err(GiveUp),
            })?;
            sink.end_array();
        }
        (Kind::Attributes, Some(b'{')) => any(parser, depth, sink)?,
        (Kind::Object(schema) | Kind::RequiredObject(schema), _) => object(parser, depth, schema, sink)?,
        _ => return Err(GiveUp),
    }
    Ok(())
}

/// A value kept as received: any JSON, objects with their names sorted and given once.
fn any<S: Sink + ?Sized>(parser: &mut Parser<'_>, depth: u32, sink: &mut S) -> Pass<()> {
    match parser.peek() {
        Some(b'{') => {
            let depth = parser.enter(depth)?;
            parser.position += 1;
            sink.begin_object();
            let mut previous: Option<Cow<'_, str>> = None;
            members(parser, text, |parser, name| {
                if previous.as_ref().is_some_and(|before| before.as_ref() >= name.as_ref()) {
                    return Err(GiveUp);
                }
                sink.key(&name);
                any(parser, depth, sink)?;
                previous = Some(name);
                Ok(())
            })?;
            sink.end_object();
        }
        Some(b'[') => {
            let depth = parser.enter(depth)?;
            parser.position += 1;
            sink.begin_array();
            elements(parser, |parser| any(parser, depth, sink))?;
            sink.end_array();
        }
        Some(b'"') => report_text(sink, &parser.string()?),
        Some(b'-' | b'0'..=b'9') => {
            let literal = parser.number_literal()?;
            if is_integer_literal(literal) {
                sink.integer(literal);
            } else {
                sink.float(literal);
            }
        }
        Some(b't') => {
            word(parser, "true")?;
            sink.boolean(true);
        }
        Some(b'f') => {
            word(parser, "false")?;
            sink.boolean(false);
        }
        Some(b'n') => {
            null(parser)?;
            sink.null();
        }
        _ => return Err(GiveUp),
    }
    Ok(())
}
