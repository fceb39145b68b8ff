//! The schemas the walk reads: for the envelope and every payload type of [`crate::payloads`], its canonical field
//! names in serialization order, the other spellings accepted for each, and how each value is read ([`Kind`]).

use alloc::vec::Vec;

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

/// Every name a sink's [`Sink::field`](crate::sink::Sink::field) can be called with, each once, as the very `&'static str`s the walk reports
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

pub(super) fn payload_schema(kind: PayloadKind) -> &'static Schema {
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
pub(super) static VARIANT_REFS_WIRE: Schema = Schema {
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
