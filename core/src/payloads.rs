//! The payload types: one camelCase data model for every topic's `data` (DESIGN.md §4.2).
//!
//! Fields come from `reference/payload-research.md`: the Modern Dropship (Convictional) and fabric Dropship objects,
//! merged into one model. These types are the canonical form: serialization writes the canonical names and only the
//! fields the sender gave (an optional field is an `Option`, left out when `None`; a list or `attributes` given
//! empty stays), which is what the bindings return. How the platforms' own spellings are
//! read (aliases such as `_id`, `items`, `order_lines`, `ship_to`; integer ids; money as numbers or strings; `null`
//! lists) is declared beside each field, by `payload_type!` (below): one line per field gives the Rust field, its canonical
//! name, its kind and its other spellings, and makes both the struct and the wire table the walk of [`crate::wire`]
//! reads. [`crate::parse_event`] reads the canonical JSON the walk produces, so the serde derives see canonical names
//! only.
//!
//! Required fields (a parse fails with `invalid_payload` without them) are the ones every platform always sends:
//! the object's `id`, an order line's `quantity`, a proposal change's `proposal`, an RMA return's `rma`.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire::{Field, Kind, Schema};

/// Free-form custom data (`attributes`), kept as received.
pub type Attributes = BTreeMap<String, Value>;

/// Declares a payload type once: the struct (with its serde and JSON Schema derives) and its wire table for
/// [`crate::wire`], from one line per field:
///
/// ```text
/// /// Doc comment.
/// rust_name "canonicalName": Kind ["other", "spellings"],
/// ```
///
/// The kind ([`Kind`], with the nested type's name for `Object`, `RequiredObject` and `List`) decides how the wire
/// is read, the field's Rust type (`payload_field_type!`) and whether it is required (`Id`, `RequiredText`,
/// `RequiredCount`, `RequiredObject`); the other spellings are optional. Every field ends with a comma. The canonical
/// names are the serde names, so the struct, the table, the JSON Schema and the generated TypeScript and Python types
/// all come from this one line.
macro_rules! payload_type {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident $canon:literal : $kind:ident $(($inner:ident))? $([$($alias:literal),* $(,)?])?,
            )*
        }
    ) => {
        payload_type!(@fields [
            $(#[$meta])*
            #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
            #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
            pub struct $name
        ] [] $($(#[doc = $doc])* $field $canon : $kind $(($inner))?,)*);

        impl $name {
            /// How this type arrives on the wire: its fields in canonical order, each with its other spellings and
            /// kind. The walk of [`crate::wire`] reads bodies through it.
            pub(crate) const fn wire_schema() -> &'static Schema {
                static SCHEMA: Schema = Schema {
                    fields: &[$(Field {
                        name: $canon,
                        aliases: &[$($($alias),*)?],
                        kind: payload_field_kind!($kind $(($inner))?),
                    },)*],
                };
                &SCHEMA
            }
        }
    };
    // The struct's fields, one at a time: a required kind has no default and is always written.
    (@fields [$($head:tt)*] [$($done:tt)*]) => { $($head)* { $($done)* } };
    (@fields $head:tt [$($done:tt)*] $(#[doc = $doc:literal])* $field:ident $canon:literal : Id, $($rest:tt)*) => {
        payload_type!(@fields $head [$($done)* $(#[doc = $doc])* #[serde(rename = $canon)] pub $field: String,] $($rest)*);
    };
    (@fields $head:tt [$($done:tt)*] $(#[doc = $doc:literal])* $field:ident $canon:literal : RequiredText, $($rest:tt)*) => {
        payload_type!(@fields $head [$($done)* $(#[doc = $doc])* #[serde(rename = $canon)] pub $field: String,] $($rest)*);
    };
    (@fields $head:tt [$($done:tt)*] $(#[doc = $doc:literal])* $field:ident $canon:literal : RequiredCount, $($rest:tt)*) => {
        payload_type!(@fields $head [$($done)* $(#[doc = $doc])* #[serde(rename = $canon)] pub $field: u32,] $($rest)*);
    };
    (@fields $head:tt [$($done:tt)*] $(#[doc = $doc:literal])* $field:ident $canon:literal : RequiredObject($inner:ident), $($rest:tt)*) => {
        payload_type!(@fields $head [$($done)* $(#[doc = $doc])* #[serde(rename = $canon)] pub $field: $inner,] $($rest)*);
    };
    (@fields $head:tt [$($done:tt)*] $(#[doc = $doc:literal])* $field:ident $canon:literal : $kind:ident $(($inner:ident))?, $($rest:tt)*) => {
        payload_type!(@fields $head [$($done)*
            $(#[doc = $doc])*
            #[serde(rename = $canon, default, skip_serializing_if = "Option::is_none")]
            pub $field: payload_field_type!($kind $(($inner))?),
        ] $($rest)*);
    };
}

/// The Rust type of an optional field of a kind: `None` when the sender did not give it.
macro_rules! payload_field_type {
    (OptionalId) => { Option<String> };
    (Text) => { Option<String> };
    (Decimal) => { Option<String> };
    (Count) => { Option<u32> };
    (Integer) => { Option<i64> };
    (Float) => { Option<f64> };
    (Flag) => { Option<bool> };
    (Texts) => { Option<Vec<String>> };
    (Ids) => { Option<Vec<String>> };
    (Attributes) => { Option<Attributes> };
    (Object($inner:ident)) => { Option<$inner> };
    (List($inner:ident)) => { Option<Vec<$inner>> };
}

/// The wire [`Kind`] of a field, with the nested type's table where it has one.
macro_rules! payload_field_kind {
    (Object($inner:ident)) => {
        Kind::Object($inner::wire_schema())
    };
    (RequiredObject($inner:ident)) => {
        Kind::RequiredObject($inner::wire_schema())
    };
    (List($inner:ident)) => {
        Kind::List($inner::wire_schema())
    };
    ($kind:ident) => {
        Kind::$kind
    };
}

payload_type! {
    /// A company on either side of the marketplace: a buyer (retailer) or a seller (supplier, "brand").
    pub struct Party {
        /// The company id.
        id "id": Id ["_id"],
        /// Display name.
        name "name": Text,
        /// Short code.
        code "code": Text,
    }
}

payload_type! {
    /// A postal address (Modern Dropship `address`/`shippingAddress`, fabric `ship_to`).
    #[derive(Default)]
    pub struct Address {
        /// Recipient name.
        name "name": Text ["name1"],
        /// Company name.
        company "company": Text ["name2"],
        /// First street line.
        address_one "addressOne": Text ["street1", "address1"],
        /// Second street line.
        address_two "addressTwo": Text ["street2", "address2"],
        /// City.
        city "city": Text,
        /// State or province.
        state "state": Text ["province"],
        /// Postal code.
        zip "zip": Text ["postal_code", "postalCode"],
        /// Country name or ISO 3166-1 alpha-2 code (both occur).
        country "country": Text,
        /// Phone number.
        phone_number "phoneNumber": Text ["phone1", "phone"],
        /// Email address.
        email "email": Text,
    }
}

payload_type! {
    /// An order as the seller sees it (Modern Dropship seller order, fabric order).
    pub struct Order {
        /// The order id.
        id "id": Id ["_id"],
        /// Purchase order number, the main human-facing key.
        purchase_order_number "purchaseOrderNumber": Text ["purchase_order_number"],
        /// The order number in the buyer's system.
        buyer_reference "buyerReference": Text ["buyerOrderCode", "retailer_order_number"],
        /// The order number in the seller's system.
        seller_reference "sellerReference": Text ["sellerOrderCode", "brand_identifier"],
        /// The end customer's order number.
        customer_reference "customerReference": Text ["customer_order_number"],
        /// Lifecycle status, e.g. `open`, `processing`, `closed`, `cancelled`.
        status "status": Text,
        /// The buyer (retailer).
        buyer "buyer": Object(Party) ["retailer"],
        /// The seller (supplier).
        seller "seller": Object(Party) ["brand"],
        /// ISO 4217 currency of the prices.
        currency "currency": Text ["baseCurrency"],
        /// Sum of the lines, as decimal text.
        subtotal "subtotal": Decimal ["subtotal_charged"],
        /// Shipping charged, as decimal text.
        shipping "shipping": Decimal ["shipping_charged"],
        /// Where the order ships to.
        ship_to "shipTo": Object(Address) ["ship_to", "address", "shippingAddress"],
        /// The order lines.
        lines "lines": List(OrderLine) ["items", "order_lines"],
        /// Shipments (present on `order.fulfilled`).
        fulfillments "fulfillments": List(Fulfillment) ["shipments"],
        /// Cancelled quantities (present on `order.cancelled`).
        cancellations "cancellations": List(Cancellation) ["cancels"],
        /// Returns (present on `order.returned`).
        returns "returns": List(OrderReturn) ["rmas"],
        /// Whether any line is cancelled.
        has_cancellations "hasCancellations": Flag,
        /// Whether this is a test order.
        is_test "isTest": Flag,
        /// When the order was placed (RFC 3339).
        created_at "createdAt": Text ["created", "ordered_at"],
        /// When the order last changed (RFC 3339).
        updated_at "updatedAt": Text ["updated", "updated_at"],
        /// When the order was cancelled, if it was.
        cancelled_at "cancelledAt": Text ["canceled_at", "canceledAt"],
        /// When the order was fully shipped, if it was.
        fulfilled_at "fulfilledAt": Text ["fulfilledDate", "fulfilled_at"],
        /// Custom data.
        attributes "attributes": Attributes ["custom"],
    }
}

payload_type! {
    /// One line of an order.
    pub struct OrderLine {
        /// The line id.
        id "id": Id ["_id"],
        /// The variant ordered.
        variant_id "variantId": OptionalId,
        /// The seller's SKU.
        sku "sku": Text ["sellerVariantCode"],
        /// Product and variant title.
        title "title": Text,
        /// Quantity ordered.
        quantity "quantity": RequiredCount,
        /// Quantity shipped so far.
        quantity_shipped "quantityShipped": Count ["quantity_shipped"],
        /// Quantity cancelled.
        quantity_cancelled "quantityCancelled": Count ["quantity_canceled", "quantityCanceled"],
        /// Wholesale unit cost, as decimal text.
        base_price "basePrice": Decimal ["net_price"],
        /// Retail unit price, as decimal text.
        retail_price "retailPrice": Decimal ["price"],
        /// Whether the line is cancelled (the key for `order.cancelled`).
        cancelled "cancelled": Flag,
        /// Why it was cancelled.
        cancelled_reason "cancelledReason": Text,
        /// Who cancelled it: `buyer` or `seller`.
        cancelled_by "cancelledBy": Text,
        /// When it was cancelled.
        cancelled_at "cancelledAt": Text ["cancelledDate"],
        /// Line status.
        status "status": Text,
    }
}

payload_type! {
    /// A shipment of some of an order's lines.
    pub struct Fulfillment {
        /// The fulfillment id.
        id "id": Id ["_id"],
        /// Carrier name, e.g. `UPS`.
        carrier "carrier": Text,
        /// Tracking number.
        tracking_code "trackingCode": Text ["tracking_number", "trackingNumber"],
        /// Tracking pages.
        tracking_urls "trackingUrls": Texts,
        /// When it shipped.
        shipped_at "shippedAt": Text ["created", "shipped_at"],
        /// What it contains.
        lines "lines": List(LineQuantity) ["items"],
    }
}

payload_type! {
    /// A quantity of one order line (in a fulfillment, cancellation or return).
    pub struct LineQuantity {
        /// The order line.
        order_line_id "orderLineId": Id ["orderItemId", "order_line_id"],
        /// How many units.
        quantity "quantity": RequiredCount,
    }
}

payload_type! {
    /// A cancellation of some of an order's quantities.
    pub struct Cancellation {
        /// The cancellation id.
        id "id": OptionalId ["_id"],
        /// Why.
        reason "reason": Text,
        /// Who cancelled: `buyer` or `seller`.
        cancelled_by "cancelledBy": Text,
        /// When.
        cancelled_at "cancelledAt": Text ["canceled_at"],
        /// Which quantities.
        lines "lines": List(LineQuantity) ["items"],
    }
}

payload_type! {
    /// A return started against an order.
    pub struct OrderReturn {
        /// The return (RMA) id.
        id "id": Id ["_id"],
        /// RMA number.
        rma_number "rmaNumber": Text ["rma_number"],
        /// Return status.
        status "status": Text,
        /// Why.
        reason "reason": Text,
        /// Which quantities.
        lines "lines": List(LineQuantity) ["items"],
    }
}

payload_type! {
    /// A product as a buyer sees it (Modern Dropship buyer product).
    pub struct Product {
        /// The product id.
        id "id": Id ["_id"],
        /// Title.
        title "title": Text,
        /// Brand or vendor name.
        brand "brand": Text,
        /// Description (may be HTML).
        description "description": Text,
        /// The product id in the seller's platform.
        seller_reference "sellerReference": Text,
        /// The seller company.
        seller_id "sellerId": OptionalId ["companyId"],
        /// Tags.
        tags "tags": Texts,
        /// Option names, e.g. `["Size", "Color"]`.
        option_names "optionNames": Texts,
        /// Images.
        images "images": List(Image),
        /// Variants.
        variants "variants": List(Variant),
        /// When the product was created.
        created_at "createdAt": Text ["created"],
        /// When the product last changed.
        updated_at "updatedAt": Text ["updated"],
        /// Custom data.
        attributes "attributes": Attributes,
    }
}

payload_type! {
    /// A product image.
    pub struct Image {
        /// The image id.
        id "id": OptionalId ["_id"],
        /// The image URL.
        source "source": RequiredText ["src", "url"],
    }
}

payload_type! {
    /// A purchasable variant of a product.
    pub struct Variant {
        /// The variant id (what orders carry as `variantId`).
        id "id": Id ["_id"],
        /// SKU.
        sku "sku": Text,
        /// Variant title.
        title "title": Text,
        /// Units available (the value `product.inventoryChanged` reports); may be negative when oversold.
        inventory_amount "inventoryAmount": Integer ["inventory_quantity", "inventoryQuantity"],
        /// Retail price, as decimal text.
        retail_price "retailPrice": Decimal,
        /// Currency of the retail price.
        retail_currency "retailCurrency": Text,
        /// Wholesale cost to the buyer, as decimal text.
        base_price "basePrice": Decimal,
        /// Currency of the wholesale cost.
        base_currency "baseCurrency": Text,
        /// Barcode (UPC, GTIN, EAN).
        barcode "barcode": OptionalId ["upc"],
        /// Barcode kind: `upc`, `gtin-13`, `gtin-14` or `ean-8`.
        barcode_type "barcodeType": Text,
        /// Option values, e.g. Size = M.
        options "options": List(VariantOption),
        /// Weight in `weightUnits`.
        weight "weight": Float,
        /// Weight unit, e.g. `kg`.
        weight_units "weightUnits": Text,
        /// Custom data.
        attributes "attributes": Attributes,
    }
}

payload_type! {
    /// One option value of a variant.
    pub struct VariantOption {
        /// Option name, e.g. `Size`.
        name "name": RequiredText,
        /// Option value, e.g. `M`.
        value "value": RequiredText,
    }
}

payload_type! {
    /// `product.unavailable`: the product id only.
    pub struct ProductRef {
        /// The product that is no longer available.
        id "id": Id ["_id", "productId"],
    }
}

/// `variant.unavailable`: the variant id(s) only.
///
/// Senders write one id (`id`, `_id`, `variantId`) or a list (`variantIds`, `ids`); both become `variantIds`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VariantRefs {
    /// The variants that are no longer available (at least one).
    pub variant_ids: Vec<String>,
    /// Their product, when the sender says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
}

payload_type! {
    /// A supplier-retailer connection.
    pub struct Connection {
        /// The connection id.
        id "id": Id ["_id"],
        /// The buyer (retailer).
        buyer "buyer": Object(Party) ["retailer"],
        /// The seller (supplier).
        seller "seller": Object(Party) ["brand"],
        /// `active`, `suspended`, `pending` or `onboarding`.
        status "status": Text,
        /// `basic` or `full`.
        level "level": Text,
        /// How the supplier integrates: `console`, `edi`, `api`, `shopify`, …
        integration_type "integrationType": Text ["integration_type"],
        /// `pending` or `complete`.
        onboarding_status "onboardingStatus": Text ["onboarding_status"],
        /// When the connection was created.
        created_at "createdAt": Text ["created_at", "created"],
        /// When it last changed.
        updated_at "updatedAt": Text ["updated_at", "updated"],
    }
}

payload_type! {
    /// A person acting on a proposal (owner or collaborator).
    pub struct Person {
        /// The user id.
        id "id": OptionalId ["_id"],
        /// Display name.
        name "name": Text,
        /// Email address.
        email "email": Text,
    }
}

payload_type! {
    /// A product proposal from a supplier to a retailer.
    pub struct Proposal {
        /// The proposal id.
        id "id": Id ["_id"],
        /// Proposal name.
        name "name": Text,
        /// `draft`, `proposed`, `revised`, `approved`, `declined`, `pricing_approved`, `completed`, …
        status "status": Text,
        /// e.g. `new_product`.
        proposal_type "proposalType": Text ["proposal_type"],
        /// The buyer (retailer).
        buyer "buyer": Object(Party) ["retailer"],
        /// The seller (supplier).
        seller "seller": Object(Party) ["brand"],
        /// The connection it belongs to.
        connection_id "connectionId": OptionalId ["connection"],
        /// The owner.
        owner "owner": Object(Person) ["created_by"],
        /// Collaborators.
        collaborators "collaborators": List(Person),
        /// Number of products proposed.
        item_count "itemCount": Count ["item_count"],
        /// Number approved.
        item_approved_count "itemApprovedCount": Count ["item_approved_count"],
        /// Number rejected.
        item_rejected_count "itemRejectedCount": Count ["item_rejected_count"],
        /// Why it was declined or returned.
        reason "reason": Text ["return_reason"],
        /// When it was proposed.
        proposed_at "proposedAt": Text ["proposed_at"],
        /// When it was last revised.
        revised_at "revisedAt": Text ["revised_at"],
        /// When it was approved.
        approved_at "approvedAt": Text ["approved_at"],
        /// When it was declined.
        declined_at "declinedAt": Text ["declined_at"],
        /// When it was completed.
        completed_at "completedAt": Text ["completed_at"],
        /// When it was created.
        created_at "createdAt": Text ["created_at"],
        /// When it last changed.
        updated_at "updatedAt": Text ["updated_at"],
    }
}

payload_type! {
    /// A product inside a proposal.
    pub struct ProposalProduct {
        /// The proposal-product id.
        id "id": Id ["_id"],
        /// Product name.
        name "name": Text ["title"],
        /// Its status in the proposal.
        status "status": Text,
    }
}

payload_type! {
    /// A variant inside a proposal.
    pub struct ProposalVariant {
        /// The variant id.
        id "id": Id ["_id"],
        /// Variant name.
        name "name": Text ["title"],
        /// Supplier SKU.
        sku "sku": Text ["brand_identifier"],
        /// Its status in the proposal.
        status "status": Text,
    }
}

payload_type! {
    /// `proposal.productApproved` / `proposal.productRejected`.
    pub struct ProposalProductChange {
        /// The proposal.
        proposal "proposal": RequiredObject(Proposal),
        /// The product that changed.
        product "product": Object(ProposalProduct),
        /// Why (for a rejection).
        reason "reason": Text,
    }
}

payload_type! {
    /// `proposal.variantApproved` / `proposal.variantRejected` / `proposal.variantRemoved`.
    pub struct ProposalVariantChange {
        /// The proposal.
        proposal "proposal": RequiredObject(Proposal),
        /// The variant that changed.
        variant "variant": Object(ProposalVariant),
        /// Why (for a rejection or removal).
        reason "reason": Text,
    }
}

payload_type! {
    /// A return merchandise authorization.
    pub struct Rma {
        /// The RMA id.
        id "id": Id ["_id"],
        /// The order being returned.
        order_id "orderId": OptionalId ["order_id"],
        /// The order's purchase order number.
        purchase_order_number "purchaseOrderNumber": Text ["purchase_order_number"],
        /// RMA number.
        rma_number "rmaNumber": Text ["rma_number"],
        /// `pending`, `approved`, `rejected`, `completed`.
        status "status": Text,
        /// Who opened it, e.g. `retailer`.
        created_by "createdBy": Text ["created_by"],
        /// The returned lines.
        lines "lines": List(RmaLine) ["rma_lines"],
        /// When it was opened.
        created_at "createdAt": Text ["rmad_at", "created_at"],
        /// When it was approved.
        approved_at "approvedAt": Text ["approved_at"],
        /// When it was rejected.
        rejected_at "rejectedAt": Text ["rejected_at"],
        /// When it was completed.
        completed_at "completedAt": Text ["completed_at"],
    }
}

payload_type! {
    /// One line of an RMA.
    pub struct RmaLine {
        /// The line id.
        id "id": Id ["_id"],
        /// The returned variant.
        variant_id "variantId": OptionalId,
        /// Supplier SKU.
        sku "sku": Text ["brand_identifier"],
        /// Units returned.
        quantity "quantity": Count,
        /// Return reason.
        reason "reason": Text,
    }
}

payload_type! {
    /// The physical return shipment under an RMA.
    pub struct ReturnShipment {
        /// The return id.
        id "id": Id ["_id"],
        /// `pending`, `approved`, `received`, `rejected`.
        status "status": Text,
        /// Units in the shipment.
        quantity "quantity": Count,
        /// Carrier name.
        carrier "carrier": Text,
        /// Tracking number.
        tracking_number "trackingNumber": Text ["return_tracking_number"],
        /// Notes from inspecting the returned goods.
        inspection_notes "inspectionNotes": Text ["inspection_notes"],
    }
}

payload_type! {
    /// `rma.returnApproved` / `rma.returnReceived` / `rma.returnRejected`: the RMA and its return shipment.
    pub struct RmaReturn {
        /// The RMA.
        rma "rma": RequiredObject(Rma),
        /// The return shipment, when the sender includes it.
        return_shipment "return": Object(ReturnShipment),
    }
}
