//! The payload types: one camelCase data model for every topic's `data` (DESIGN.md §4.2).
//!
//! Fields come from `reference/payload-research.md`: the Modern Dropship (Convictional) and fabric Dropship objects,
//! merged into one model. These types are the canonical form: serialization writes the canonical names and only the
//! fields the sender gave (an optional field is an `Option`, left out when `None`; a list or `attributes` given
//! empty stays), which is what the bindings return. How the platforms' own spellings are
//! read (aliases such as `_id`, `items`, `order_lines`, `ship_to`; integer ids; money as numbers or strings; `null`
//! lists) is defined once, in the tables of [`crate::wire`]; [`crate::parse_event`] reads the canonical JSON those
//! produce, so these derives see canonical names only.
//!
//! Required fields (a parse fails with `invalid_payload` without them) are the ones every platform always sends:
//! the object's `id`, an order line's `quantity`, a proposal change's `proposal`, an RMA return's `rma`.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Free-form custom data (`attributes`), kept as received.
pub type Attributes = BTreeMap<String, Value>;

/// A company on either side of the marketplace: a buyer (retailer) or a seller (supplier, "brand").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// The company id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Short code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// A postal address (Modern Dropship `address`/`shippingAddress`, fabric `ship_to`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Recipient name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Company name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    /// First street line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_one: Option<String>,
    /// Second street line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_two: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// State or province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Country name or ISO 3166-1 alpha-2 code (both occur).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// An order as the seller sees it (Modern Dropship seller order, fabric order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The order id.
    pub id: String,
    /// Purchase order number, the main human-facing key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_number: Option<String>,
    /// The order number in the buyer's system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer_reference: Option<String>,
    /// The order number in the seller's system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_reference: Option<String>,
    /// The end customer's order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_reference: Option<String>,
    /// Lifecycle status, e.g. `open`, `processing`, `closed`, `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The buyer (retailer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Party>,
    /// The seller (supplier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<Party>,
    /// ISO 4217 currency of the prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Sum of the lines, as decimal text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<String>,
    /// Shipping charged, as decimal text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<String>,
    /// Where the order ships to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ship_to: Option<Address>,
    /// The order lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<OrderLine>>,
    /// Shipments (present on `order.fulfilled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfillments: Option<Vec<Fulfillment>>,
    /// Cancelled quantities (present on `order.cancelled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellations: Option<Vec<Cancellation>>,
    /// Returns (present on `order.returned`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<Vec<OrderReturn>>,
    /// Whether any line is cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_cancellations: Option<bool>,
    /// Whether this is a test order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_test: Option<bool>,
    /// When the order was placed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the order last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// When the order was cancelled, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    /// When the order was fully shipped, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilled_at: Option<String>,
    /// Custom data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// The line id.
    pub id: String,
    /// The variant ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// The seller's SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Product and variant title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Quantity ordered.
    pub quantity: u32,
    /// Quantity shipped so far.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_shipped: Option<u32>,
    /// Quantity cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity_cancelled: Option<u32>,
    /// Wholesale unit cost, as decimal text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_price: Option<String>,
    /// Retail unit price, as decimal text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retail_price: Option<String>,
    /// Whether the line is cancelled (the key for `order.cancelled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<bool>,
    /// Why it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_reason: Option<String>,
    /// Who cancelled it: `buyer` or `seller`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    /// When it was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    /// Line status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A shipment of some of an order's lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Fulfillment {
    /// The fulfillment id.
    pub id: String,
    /// Carrier name, e.g. `UPS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_code: Option<String>,
    /// Tracking pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_urls: Option<Vec<String>>,
    /// When it shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_at: Option<String>,
    /// What it contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineQuantity>>,
}

/// A quantity of one order line (in a fulfillment, cancellation or return).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LineQuantity {
    /// The order line.
    pub order_line_id: String,
    /// How many units.
    pub quantity: u32,
}

/// A cancellation of some of an order's quantities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Cancellation {
    /// The cancellation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who cancelled: `buyer` or `seller`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_by: Option<String>,
    /// When.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<String>,
    /// Which quantities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineQuantity>>,
}

/// A return started against an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderReturn {
    /// The return (RMA) id.
    pub id: String,
    /// RMA number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rma_number: Option<String>,
    /// Return status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Which quantities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<LineQuantity>>,
}

/// A product as a buyer sees it (Modern Dropship buyer product).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// The product id.
    pub id: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Brand or vendor name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub brand: Option<String>,
    /// Description (may be HTML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The product id in the seller's platform.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_reference: Option<String>,
    /// The seller company.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Option names, e.g. `["Size", "Color"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub option_names: Option<Vec<String>>,
    /// Images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<Image>>,
    /// Variants.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variants: Option<Vec<Variant>>,
    /// When the product was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When the product last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Custom data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// A product image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// The image id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The image URL.
    pub source: String,
}

/// A purchasable variant of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    /// The variant id (what orders carry as `variantId`).
    pub id: String,
    /// SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Variant title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Units available (the value `product.inventoryChanged` reports); may be negative when oversold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inventory_amount: Option<i64>,
    /// Retail price, as decimal text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retail_price: Option<String>,
    /// Currency of the retail price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retail_currency: Option<String>,
    /// Wholesale cost to the buyer, as decimal text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_price: Option<String>,
    /// Currency of the wholesale cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_currency: Option<String>,
    /// Barcode (UPC, GTIN, EAN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode: Option<String>,
    /// Barcode kind: `upc`, `gtin-13`, `gtin-14` or `ean-8`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub barcode_type: Option<String>,
    /// Option values, e.g. Size = M.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<VariantOption>>,
    /// Weight in `weightUnits`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    /// Weight unit, e.g. `kg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_units: Option<String>,
    /// Custom data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<Attributes>,
}

/// One option value of a variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VariantOption {
    /// Option name, e.g. `Size`.
    pub name: String,
    /// Option value, e.g. `M`.
    pub value: String,
}

/// `product.unavailable`: the product id only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProductRef {
    /// The product that is no longer available.
    pub id: String,
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

/// A supplier-retailer connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The connection id.
    pub id: String,
    /// The buyer (retailer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Party>,
    /// The seller (supplier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<Party>,
    /// `active`, `suspended`, `pending` or `onboarding`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `basic` or `full`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// How the supplier integrates: `console`, `edi`, `api`, `shopify`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub integration_type: Option<String>,
    /// `pending` or `complete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboarding_status: Option<String>,
    /// When the connection was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// A person acting on a proposal (owner or collaborator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// The user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A product proposal from a supplier to a retailer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// The proposal id.
    pub id: String,
    /// Proposal name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `draft`, `proposed`, `revised`, `approved`, `declined`, `pricing_approved`, `completed`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// e.g. `new_product`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal_type: Option<String>,
    /// The buyer (retailer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buyer: Option<Party>,
    /// The seller (supplier).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller: Option<Party>,
    /// The connection it belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    /// The owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Person>,
    /// Collaborators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collaborators: Option<Vec<Person>>,
    /// Number of products proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_count: Option<u32>,
    /// Number approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_approved_count: Option<u32>,
    /// Number rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_rejected_count: Option<u32>,
    /// Why it was declined or returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When it was proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposed_at: Option<String>,
    /// When it was last revised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revised_at: Option<String>,
    /// When it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// When it was declined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declined_at: Option<String>,
    /// When it was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// When it was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it last changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// A product inside a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposalProduct {
    /// The proposal-product id.
    pub id: String,
    /// Product name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its status in the proposal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A variant inside a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposalVariant {
    /// The variant id.
    pub id: String,
    /// Variant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Supplier SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Its status in the proposal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// `proposal.productApproved` / `proposal.productRejected`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposalProductChange {
    /// The proposal.
    pub proposal: Proposal,
    /// The product that changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<ProposalProduct>,
    /// Why (for a rejection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `proposal.variantApproved` / `proposal.variantRejected` / `proposal.variantRemoved`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposalVariantChange {
    /// The proposal.
    pub proposal: Proposal,
    /// The variant that changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<ProposalVariant>,
    /// Why (for a rejection or removal).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A return merchandise authorization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rma {
    /// The RMA id.
    pub id: String,
    /// The order being returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The order's purchase order number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase_order_number: Option<String>,
    /// RMA number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rma_number: Option<String>,
    /// `pending`, `approved`, `rejected`, `completed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Who opened it, e.g. `retailer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// The returned lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<Vec<RmaLine>>,
    /// When it was opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it was approved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_at: Option<String>,
    /// When it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_at: Option<String>,
    /// When it was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
}

/// One line of an RMA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RmaLine {
    /// The line id.
    pub id: String,
    /// The returned variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_id: Option<String>,
    /// Supplier SKU.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// Units returned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    /// Return reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The physical return shipment under an RMA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReturnShipment {
    /// The return id.
    pub id: String,
    /// `pending`, `approved`, `received`, `rejected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Units in the shipment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u32>,
    /// Carrier name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
    /// Notes from inspecting the returned goods.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inspection_notes: Option<String>,
}

/// `rma.returnApproved` / `rma.returnReceived` / `rma.returnRejected`: the RMA and its return shipment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RmaReturn {
    /// The RMA.
    pub rma: Rma,
    /// The return shipment, when the sender includes it.
    #[serde(rename = "return")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_shipment: Option<ReturnShipment>,
}
