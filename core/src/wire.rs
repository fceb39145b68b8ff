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
//!
//! In parts, each with one concern: `json` (the reader and its tape), `decimal` (exact number text), `schemas` (the
//! tables), `single_pass` (the walk over in-order bodies); this module holds the tape walk, its errors and the
//! public entry points.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::WebhookError;
use crate::sink::{JsonSink, Sink};

mod decimal;
mod json;
mod schemas;
mod single_pass;

use crate::topics::{canonical_topic_name, find_topic, PayloadKind};
use decimal::{is_decimal_text, whole, whole_text, Decimal};
use json::{is_integer_literal, Document, Node, Parser, MAX_DEPTH};
pub use schemas::field_names;
use schemas::{payload_schema, ENVELOPE, MAX_FIELDS, VARIANT_REFS_WIRE};
pub(crate) use schemas::{Field, Kind, Schema};

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
            None => return Err(shape_error(path, "an exponent out of range; send a decimal string")),
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

/// A small JSON document read by the crate's own parser, for the options layer: the bindings' option sets are
/// JSON text, and reading them with the parser the walk already carries keeps a second JSON reader out of the
/// WebAssembly module.
pub(crate) struct JsonTree<'a>(Document<'a>);

/// One value of a [`JsonTree`].
#[derive(Clone, Copy)]
pub(crate) struct JsonNode<'t, 'a> {
    tree: &'t Document<'a>,
    at: usize,
}

impl<'a> JsonTree<'a> {
    /// Parses `text` (strict JSON).
    pub(crate) fn parse(text: &'a str) -> Result<Self, WebhookError> {
        Parser::parse(text.as_bytes()).map(JsonTree)
    }

    /// The document's root value.
    pub(crate) fn root(&self) -> JsonNode<'_, 'a> {
        JsonNode { tree: &self.0, at: 0 }
    }
}

impl<'t, 'a> JsonNode<'t, 'a> {
    /// Whether it is `null`.
    pub(crate) fn is_null(self) -> bool {
        matches!(self.tree.node(self.at), Node::Null)
    }

    /// Whether it is an object.
    pub(crate) fn is_object(self) -> bool {
        matches!(self.tree.node(self.at), Node::Object { .. })
    }

    /// A string's text.
    pub(crate) fn text(self) -> Option<&'t str> {
        match self.tree.node(self.at) {
            Node::Text(text) => Some(text),
            _ => None,
        }
    }

    /// A number's whole part (its fraction dropped, exactly: no binary floating point) as its sign and magnitude,
    /// or `None` for anything but a number, or one whose whole part does not fit 64 bits. The last flag says the
    /// literal had no fraction or exponent.
    pub(crate) fn whole_part(self) -> Option<(bool, u64, bool)> {
        let Node::Number(literal) = self.tree.node(self.at) else { return None };
        let exact = is_integer_literal(literal);
        let plain = if exact { Cow::Borrowed(*literal) } else { Cow::Owned(Decimal::of(literal).plain()?) };
        let whole = plain.split_once('.').map_or(plain.as_ref(), |(whole, _)| whole);
        let (negative, digits) = whole.strip_prefix('-').map_or((false, whole), |digits| (true, digits));
        digits.parse().ok().map(|magnitude| (negative, magnitude, exact))
    }

    /// An object's member named `name` (the first, if given twice).
    pub(crate) fn member(self, name: &str) -> Option<Self> {
        if !self.is_object() {
            return None;
        }
        self.tree.members(self.at).find(|(member, _)| *member == name).map(|(_, at)| JsonNode { tree: self.tree, at })
    }

    /// An array's elements, or `None` for anything but an array.
    pub(crate) fn elements(self) -> Option<impl Iterator<Item = Self>> {
        let tree = self.tree;
        matches!(tree.node(self.at), Node::Array { .. })
            .then(|| tree.elements(self.at).map(move |at| JsonNode { tree, at }))
    }
}

#[cfg(test)]
mod tests {
    use super::schemas::every_schema;
    use super::*;
    use crate::events::parse_event;
    use crate::samples::sample_event_json;
    use crate::topics::TOPICS;
    use alloc::string::ToString;
    use serde_json::Value;

    #[test]
    fn schemas_fit_the_slots_and_spell_each_name_once() {
        let schemas = every_schema();
        // Derived from the catalog, so a new payload type is in it; types are added, not removed.
        assert!(schemas.len() >= 26, "a schema went missing: {}", schemas.len());
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
    fn the_canonical_output_stays_within_a_small_multiple_of_the_body() {
        let ids = vec!["1"; 10_000].join(",");
        let lines = vec![r#"{"id":1,"price":1e-20,"quantity":1}"#; 2_000].join(",");
        let bodies = [
            format!(r#"{{"id":1,"topic":"variant.unavailable","data":{{"variantIds":[{ids}]}}}}"#),
            format!(r#"{{"id":1,"topic":"order.created","data":{{"id":1,"subtotal":1e15,"lines":[{lines}]}}}}"#),
            // Members out of order: the tape walk, with the same bound.
            format!(r#"{{"data":{{"lines":[{lines}],"subtotal":1e-20,"id":1}},"topic":"order.created","id":1}}"#),
        ];
        for body in &bodies {
            let canonical = canonical_event_json(body.as_bytes()).unwrap();
            assert!(canonical.len() <= 3 * body.len() + 128, "{} bytes from {}", canonical.len(), body.len());
        }
        for refused in [
            r#"{"id":1,"topic":"order.created","data":{"id":1,"subtotal":1e-398}}"#,
            r#"{"topic":"order.created","data":{"subtotal":1e-30,"id":1},"id":1}"#,
        ] {
            let error = canonical_event_json(refused.as_bytes()).unwrap_err();
            assert_eq!(error.code(), "invalid_payload");
            assert!(error.to_string().contains("`data.subtotal`: an exponent out of range"), "{error}");
        }
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
        // Written out, a literal grows to at most twice its length and 16 characters more, and 400 at most.
        assert_eq!(Decimal::of("1e15").plain().map(|text| text.len()), Some(16));
        assert_eq!(Decimal::of("1e-20").plain().map(|text| text.len()), Some(22));
        assert_eq!(Decimal::of("1e-30").plain(), None);
        assert_eq!(Decimal::of("1e-398").plain(), None);
        let long = format!("0.{}1e-{}", "0".repeat(200), 180);
        assert_eq!(Decimal::of(&long).plain().map(|text| text.len()), Some(383));
        assert_eq!(Decimal::of(&format!("0.{}1e-{}", "0".repeat(200), 198)).plain(), None);
        assert_eq!(Decimal::of("1e-99999999999999999999").plain(), None);
    }

    #[test]
    fn syntax_errors_come_before_shape_errors() {
        // A wrong type early and broken JSON later: the body is not JSON at all, so `invalid_json`.
        assert_eq!(canonical_event_json(br#"{"id":1.5,"topic":"#).unwrap_err().code(), "invalid_json");
    }
}
