//! The schemas the walk reads: for the envelope and every payload type of [`crate::payloads`], its canonical field
//! names in serialization order, the other spellings accepted for each, and how each value is read ([`Kind`]). The
//! payload types' tables are declared with the types (`payload_type!` in [`crate::payloads`]); the envelope's and
//! the one read by a walk of its own (`variant.unavailable`) are here.

use alloc::vec::Vec;

use crate::payloads;
use crate::topics::{PayloadKind, TOPICS};

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
pub(super) const MAX_FIELDS: usize = 32;

pub(super) const fn field(name: &'static str, aliases: &'static [&'static str], kind: Kind) -> Field {
    Field { name, aliases, kind }
}

impl Schema {
    pub(super) fn position(&self, member: &str) -> Option<usize> {
        self.fields.iter().position(|field| field.name == member || field.aliases.contains(&member))
    }
}

impl Kind {
    /// What a value of this kind must be, for error messages.
    pub(super) fn expectation(self) -> &'static str {
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
    pub(super) fn required(self) -> bool {
        matches!(self, Kind::Id | Kind::RequiredText | Kind::RequiredCount | Kind::RequiredObject(_))
    }
}

/// The event envelope as it arrives: `id`/`_id`, `topic`/`type`, `createdAt`/`created`/`created_at`, `data`.
pub(super) static ENVELOPE: Schema = Schema {
    fields: &[
        field("id", &["_id"], Kind::Id),
        field("topic", &["type"], Kind::RequiredText),
        field("createdAt", &["created", "created_at"], Kind::Text),
        // Read by topic, below; the kind here only names what it must be.
        field("data", &[], Kind::Attributes),
    ],
};

/// Every schema the walk reads: the envelope, each payload type and every type nested in them.
pub(super) fn every_schema() -> Vec<&'static Schema> {
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

/// Every name a sink's [`Sink::field`](crate::sink::Sink::field) can be called with, as the very `&'static str`s the
/// walk reports (the same addresses): a binding may make its host strings for them up front and find them by address
/// (the Python extension interns them once, instead of making a string per member of every event). Each address is
/// listed once; a name declared in several tables may sit at several addresses, and each of them is listed.
pub fn field_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for schema in every_schema() {
        for field in schema.fields {
            if !names.iter().any(|listed| core::ptr::eq(*listed, field.name)) {
                names.push(field.name);
            }
        }
    }
    names
}

pub(super) fn payload_schema(kind: PayloadKind) -> &'static Schema {
    match kind {
        PayloadKind::Order => payloads::Order::wire_schema(),
        PayloadKind::Product => payloads::Product::wire_schema(),
        PayloadKind::ProductRef => payloads::ProductRef::wire_schema(),
        PayloadKind::VariantRefs => &VARIANT_REFS_WIRE,
        PayloadKind::Connection => payloads::Connection::wire_schema(),
        PayloadKind::Proposal => payloads::Proposal::wire_schema(),
        PayloadKind::ProposalProductChange => payloads::ProposalProductChange::wire_schema(),
        PayloadKind::ProposalVariantChange => payloads::ProposalVariantChange::wire_schema(),
        PayloadKind::Rma => payloads::Rma::wire_schema(),
        PayloadKind::RmaReturn => payloads::RmaReturn::wire_schema(),
    }
}

// Each payload type's table is declared with the type, in `crate::payloads` (`payload_type!`). The one exception:
// `variant.unavailable` arrives as one id or a list and is read by a walk of its own.

/// [`crate::payloads::VariantRefs`] as it arrives (see [`walk_variant_refs`]).
pub(super) static VARIANT_REFS_WIRE: Schema = Schema {
    fields: &[
        field("id", &["_id", "variantId"], Kind::OptionalId),
        field("variantIds", &["ids"], Kind::Ids),
        field("productId", &[], Kind::OptionalId),
    ],
};
