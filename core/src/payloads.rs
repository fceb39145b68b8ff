//! The payload types: one camelCase data model for every topic's `data` (DESIGN.md §4.2).
//!
//! Fields come from `reference/payload-research.md`: the Modern Dropship (Convictional) and fabric Dropship objects,
//! merged into one model. These types are the canonical form: serialization writes the canonical names with every
//! field present (`null` when absent), which is what the bindings return. How the platforms' own spellings are
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
    pub name: Option<String>,
    /// Short code.
    pub code: Option<String>,
}

/// A postal address (Modern Dropship `address`/`shippingAddress`, fabric `ship_to`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Recipient name.
    pub name: Option<String>,
    /// Company name.
    pub company: Option<String>,
    /// First street line.
    pub address_one: Option<String>,
    /// Second street line.
    pub address_two: Option<String>,
    /// City.
    pub city: Option<String>,
    /// State or province.
    pub state: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// Country name or ISO 3166-1 alpha-2 code (both occur).
    pub country: Option<String>,
    /// Phone number.
    pub phone_number: Option<String>,
    /// Email address.
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
    pub purchase_order_number: Option<String>,
    /// The order number in the buyer's system.
    pub buyer_reference: Option<String>,
    /// The order number in the seller's system.
    pub seller_reference: Option<String>,
    /// The end customer's order number.
    pub customer_reference: Option<String>,
    /// Lifecycle status, e.g. `open`, `processing`, `closed`, `cancelled`.
    pub status: Option<String>,
    /// The buyer (retailer).
    pub buyer: Option<Party>,
    /// The seller (supplier).
    pub seller: Option<Party>,
    /// ISO 4217 currency of the prices.
    pub currency: Option<String>,
    /// Sum of the lines, as decimal text.
    pub subtotal: Option<String>,
    /// Shipping charged, as decimal text.
    pub shipping: Option<String>,
    /// Where the order ships to.
    pub ship_to: Option<Address>,
    /// The order lines.
    pub lines: Vec<OrderLine>,
    /// Shipments (present on `order.fulfilled`).
    pub fulfillments: Vec<Fulfillment>,
    /// Cancelled quantities (present on `order.cancelled`).
    pub cancellations: Vec<Cancellation>,
    /// Returns (present on `order.returned`).
    pub returns: Vec<OrderReturn>,
    /// Whether any line is cancelled.
    pub has_cancellations: Option<bool>,
    /// Whether this is a test order.
    pub is_test: Option<bool>,
    /// When the order was placed (RFC 3339).
    pub created_at: Option<String>,
    /// When the order last changed (RFC 3339).
    pub updated_at: Option<String>,
    /// When the order was cancelled, if it was.
    pub cancelled_at: Option<String>,
    /// When the order was fully shipped, if it was.
    pub fulfilled_at: Option<String>,
    /// Custom data.
    pub attributes: Attributes,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// The line id.
    pub id: String,
    /// The variant ordered.
    pub variant_id: Option<String>,
    /// The seller's SKU.
    pub sku: Option<String>,
    /// Product and variant title.
    pub title: Option<String>,
    /// Quantity ordered.
    pub quantity: u32,
    /// Quantity shipped so far.
    pub quantity_shipped: Option<u32>,
    /// Quantity cancelled.
    pub quantity_cancelled: Option<u32>,
    /// Wholesale unit cost, as decimal text.
    pub base_price: Option<String>,
    /// Retail unit price, as decimal text.
    pub retail_price: Option<String>,
    /// Whether the line is cancelled (the key for `order.cancelled`).
    pub cancelled: Option<bool>,
    /// Why it was cancelled.
    pub cancelled_reason: Option<String>,
    /// Who cancelled it: `buyer` or `seller`.
    pub cancelled_by: Option<String>,
    /// When it was cancelled.
    pub cancelled_at: Option<String>,
    /// Line status.
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
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_code: Option<String>,
    /// Tracking pages.
    pub tracking_urls: Vec<String>,
    /// When it shipped.
    pub shipped_at: Option<String>,
    /// What it contains.
    pub lines: Vec<LineQuantity>,
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
    pub id: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Who cancelled: `buyer` or `seller`.
    pub cancelled_by: Option<String>,
    /// When.
    pub cancelled_at: Option<String>,
    /// Which quantities.
    pub lines: Vec<LineQuantity>,
}

/// A return started against an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderReturn {
    /// The return (RMA) id.
    pub id: String,
    /// RMA number.
    pub rma_number: Option<String>,
    /// Return status.
    pub status: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Which quantities.
    pub lines: Vec<LineQuantity>,
}

/// A product as a buyer sees it (Modern Dropship buyer product).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// The product id.
    pub id: String,
    /// Title.
    pub title: Option<String>,
    /// Brand or vendor name.
    pub brand: Option<String>,
    /// Description (may be HTML).
    pub description: Option<String>,
    /// The product id in the seller's platform.
    pub seller_reference: Option<String>,
    /// The seller company.
    pub seller_id: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Option names, e.g. `["Size", "Color"]`.
    pub option_names: Vec<String>,
    /// Images.
    pub images: Vec<Image>,
    /// Variants.
    pub variants: Vec<Variant>,
    /// When the product was created.
    pub created_at: Option<String>,
    /// When the product last changed.
    pub updated_at: Option<String>,
    /// Custom data.
    pub attributes: Attributes,
}

/// A product image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// The image id.
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
    pub sku: Option<String>,
    /// Variant title.
    pub title: Option<String>,
    /// Units available (the value `product.inventoryChanged` reports); may be negative when oversold.
    pub inventory_amount: Option<i64>,
    /// Retail price, as decimal text.
    pub retail_price: Option<String>,
    /// Currency of the retail price.
    pub retail_currency: Option<String>,
    /// Wholesale cost to the buyer, as decimal text.
    pub base_price: Option<String>,
    /// Currency of the wholesale cost.
    pub base_currency: Option<String>,
    /// Barcode (UPC, GTIN, EAN).
    pub barcode: Option<String>,
    /// Barcode kind: `upc`, `gtin-13`, `gtin-14` or `ean-8`.
    pub barcode_type: Option<String>,
    /// Option values, e.g. Size = M.
    pub options: Vec<VariantOption>,
    /// Weight in `weightUnits`.
    pub weight: Option<f64>,
    /// Weight unit, e.g. `kg`.
    pub weight_units: Option<String>,
    /// Custom data.
    pub attributes: Attributes,
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
    pub buyer: Option<Party>,
    /// The seller (supplier).
    pub seller: Option<Party>,
    /// `active`, `suspended`, `pending` or `onboarding`.
    pub status: Option<String>,
    /// `basic` or `full`.
    pub level: Option<String>,
    /// How the supplier integrates: `console`, `edi`, `api`, `shopify`, …
    pub integration_type: Option<String>,
    /// `pending` or `complete`.
    pub onboarding_status: Option<String>,
    /// When the connection was created.
    pub created_at: Option<String>,
    /// When it last changed.
    pub updated_at: Option<String>,
}

/// A person acting on a proposal (owner or collaborator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// The user id.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Email address.
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
    pub name: Option<String>,
    /// `draft`, `proposed`, `revised`, `approved`, `declined`, `pricing_approved`, `completed`, …
    pub status: Option<String>,
    /// e.g. `new_product`.
    pub proposal_type: Option<String>,
    /// The buyer (retailer).
    pub buyer: Option<Party>,
    /// The seller (supplier).
    pub seller: Option<Party>,
    /// The connection it belongs to.
    pub connection_id: Option<String>,
    /// The owner.
    pub owner: Option<Person>,
    /// Collaborators.
    pub collaborators: Vec<Person>,
    /// Number of products proposed.
    pub item_count: Option<u32>,
    /// Number approved.
    pub item_approved_count: Option<u32>,
    /// Number rejected.
    pub item_rejected_count: Option<u32>,
    /// Why it was declined or returned.
    pub reason: Option<String>,
    /// When it was proposed.
    pub proposed_at: Option<String>,
    /// When it was last revised.
    pub revised_at: Option<String>,
    /// When it was approved.
    pub approved_at: Option<String>,
    /// When it was declined.
    pub declined_at: Option<String>,
    /// When it was completed.
    pub completed_at: Option<String>,
    /// When it was created.
    pub created_at: Option<String>,
    /// When it last changed.
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
    pub name: Option<String>,
    /// Its status in the proposal.
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
    pub name: Option<String>,
    /// Supplier SKU.
    pub sku: Option<String>,
    /// Its status in the proposal.
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
    pub product: Option<ProposalProduct>,
    /// Why (for a rejection).
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
    pub variant: Option<ProposalVariant>,
    /// Why (for a rejection or removal).
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
    pub order_id: Option<String>,
    /// The order's purchase order number.
    pub purchase_order_number: Option<String>,
    /// RMA number.
    pub rma_number: Option<String>,
    /// `pending`, `approved`, `rejected`, `completed`.
    pub status: Option<String>,
    /// Who opened it, e.g. `retailer`.
    pub created_by: Option<String>,
    /// The returned lines.
    pub lines: Vec<RmaLine>,
    /// When it was opened.
    pub created_at: Option<String>,
    /// When it was approved.
    pub approved_at: Option<String>,
    /// When it was rejected.
    pub rejected_at: Option<String>,
    /// When it was completed.
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
    pub variant_id: Option<String>,
    /// Supplier SKU.
    pub sku: Option<String>,
    /// Units returned.
    pub quantity: Option<u32>,
    /// Return reason.
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
    pub status: Option<String>,
    /// Units in the shipment.
    pub quantity: Option<u32>,
    /// Carrier name.
    pub carrier: Option<String>,
    /// Tracking number.
    pub tracking_number: Option<String>,
    /// Notes from inspecting the returned goods.
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
    pub return_shipment: Option<ReturnShipment>,
}
