//! The payload types: one camelCase data model for every topic's `data` (DESIGN.md §4.2).
//!
//! Fields come from `reference/payload-research.md`: the Modern Dropship (Convictional) and fabric Dropship objects,
//! merged into one model. Decoding is tolerant: unknown fields are ignored, the other platform's names are accepted
//! as aliases (`_id`, `items`, `order_lines`, `ship_to`, …), ids may be strings or integers, money may be numbers or
//! decimal strings (kept as decimal text), and `null` is accepted wherever a value is optional. Serialization always
//! writes the canonical names, with every field present (`null` when absent), which is what the bindings return.
//!
//! Required fields (a parse fails with `invalid_payload` without them) are the ones every platform always sends:
//! the object's `id`, an order line's `quantity`, a proposal change's `proposal`, an RMA return's `rma`.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lenient;

/// Free-form custom data (`attributes`), kept as received.
pub type Attributes = BTreeMap<String, Value>;

/// A company on either side of the marketplace: a buyer (retailer) or a seller (supplier, "brand").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// The company id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Short code.
    #[serde(default)]
    pub code: Option<String>,
}

/// A postal address (Modern Dropship `address`/`shippingAddress`, fabric `ship_to`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// Recipient name.
    #[serde(default, alias = "name1")]
    pub name: Option<String>,
    /// Company name.
    #[serde(default, alias = "name2")]
    pub company: Option<String>,
    /// First street line.
    #[serde(default, alias = "street1", alias = "address1")]
    pub address_one: Option<String>,
    /// Second street line.
    #[serde(default, alias = "street2", alias = "address2")]
    pub address_two: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// State or province.
    #[serde(default, alias = "province")]
    pub state: Option<String>,
    /// Postal code.
    #[serde(default, alias = "postal_code", alias = "postalCode")]
    pub zip: Option<String>,
    /// Country name or ISO 3166-1 alpha-2 code (both occur).
    #[serde(default)]
    pub country: Option<String>,
    /// Phone number.
    #[serde(default, alias = "phone1", alias = "phone")]
    pub phone_number: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
}

/// An order as the seller sees it (Modern Dropship seller order, fabric order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The order id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// Purchase order number, the main human-facing key.
    #[serde(default, alias = "purchase_order_number")]
    pub purchase_order_number: Option<String>,
    /// The order number in the buyer's system.
    #[serde(default, alias = "buyerOrderCode", alias = "retailer_order_number")]
    pub buyer_reference: Option<String>,
    /// The order number in the seller's system.
    #[serde(default, alias = "sellerOrderCode", alias = "brand_identifier")]
    pub seller_reference: Option<String>,
    /// The end customer's order number.
    #[serde(default, alias = "customer_order_number")]
    pub customer_reference: Option<String>,
    /// Lifecycle status, e.g. `open`, `processing`, `closed`, `cancelled`.
    #[serde(default)]
    pub status: Option<String>,
    /// The buyer (retailer).
    #[serde(default, alias = "retailer")]
    pub buyer: Option<Party>,
    /// The seller (supplier).
    #[serde(default, alias = "brand")]
    pub seller: Option<Party>,
    /// ISO 4217 currency of the prices.
    #[serde(default, alias = "baseCurrency")]
    pub currency: Option<String>,
    /// Sum of the lines, as decimal text.
    #[serde(default, alias = "subtotal_charged", deserialize_with = "lenient::optional_decimal")]
    pub subtotal: Option<String>,
    /// Shipping charged, as decimal text.
    #[serde(default, alias = "shipping_charged", deserialize_with = "lenient::optional_decimal")]
    pub shipping: Option<String>,
    /// Where the order ships to.
    #[serde(default, alias = "ship_to", alias = "address", alias = "shippingAddress")]
    pub ship_to: Option<Address>,
    /// The order lines.
    #[serde(default, alias = "items", alias = "order_lines", deserialize_with = "lenient::null_as_default")]
    pub lines: Vec<OrderLine>,
    /// Shipments (present on `order.fulfilled`).
    #[serde(default, alias = "shipments", deserialize_with = "lenient::null_as_default")]
    pub fulfillments: Vec<Fulfillment>,
    /// Cancelled quantities (present on `order.cancelled`).
    #[serde(default, alias = "cancels", deserialize_with = "lenient::null_as_default")]
    pub cancellations: Vec<Cancellation>,
    /// Returns (present on `order.returned`).
    #[serde(default, alias = "rmas", deserialize_with = "lenient::null_as_default")]
    pub returns: Vec<OrderReturn>,
    /// Whether any line is cancelled.
    #[serde(default)]
    pub has_cancellations: Option<bool>,
    /// Whether this is a test order.
    #[serde(default)]
    pub is_test: Option<bool>,
    /// When the order was placed (RFC 3339).
    #[serde(default, alias = "created", alias = "ordered_at")]
    pub created_at: Option<String>,
    /// When the order last changed (RFC 3339).
    #[serde(default, alias = "updated", alias = "updated_at")]
    pub updated_at: Option<String>,
    /// When the order was cancelled, if it was.
    #[serde(default, alias = "canceled_at", alias = "canceledAt")]
    pub cancelled_at: Option<String>,
    /// When the order was fully shipped, if it was.
    #[serde(default, alias = "fulfilledDate", alias = "fulfilled_at")]
    pub fulfilled_at: Option<String>,
    /// Custom data.
    #[serde(default, alias = "custom", deserialize_with = "lenient::null_as_default")]
    pub attributes: Attributes,
}

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// The line id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// The variant ordered.
    #[serde(default, deserialize_with = "lenient::optional_id")]
    pub variant_id: Option<String>,
    /// The seller's SKU.
    #[serde(default, alias = "sellerVariantCode")]
    pub sku: Option<String>,
    /// Product and variant title.
    #[serde(default)]
    pub title: Option<String>,
    /// Quantity ordered.
    pub quantity: u32,
    /// Quantity shipped so far.
    #[serde(default, alias = "quantity_shipped")]
    pub quantity_shipped: Option<u32>,
    /// Quantity cancelled.
    #[serde(default, alias = "quantity_canceled", alias = "quantityCanceled")]
    pub quantity_cancelled: Option<u32>,
    /// Wholesale unit cost, as decimal text.
    #[serde(default, alias = "net_price", deserialize_with = "lenient::optional_decimal")]
    pub base_price: Option<String>,
    /// Retail unit price, as decimal text.
    #[serde(default, alias = "price", deserialize_with = "lenient::optional_decimal")]
    pub retail_price: Option<String>,
    /// Whether the line is cancelled (the key for `order.cancelled`).
    #[serde(default)]
    pub cancelled: Option<bool>,
    /// Why it was cancelled.
    #[serde(default)]
    pub cancelled_reason: Option<String>,
    /// Who cancelled it: `buyer` or `seller`.
    #[serde(default)]
    pub cancelled_by: Option<String>,
    /// When it was cancelled.
    #[serde(default, alias = "cancelledDate")]
    pub cancelled_at: Option<String>,
    /// Line status.
    #[serde(default)]
    pub status: Option<String>,
}

/// A shipment of some of an order's lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Fulfillment {
    /// The fulfillment id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// Carrier name, e.g. `UPS`.
    #[serde(default)]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, alias = "tracking_number", alias = "trackingNumber")]
    pub tracking_code: Option<String>,
    /// Tracking pages.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub tracking_urls: Vec<String>,
    /// When it shipped.
    #[serde(default, alias = "created", alias = "shipped_at")]
    pub shipped_at: Option<String>,
    /// What it contains.
    #[serde(default, alias = "items", deserialize_with = "lenient::null_as_default")]
    pub lines: Vec<LineQuantity>,
}

/// A quantity of one order line (in a fulfillment, cancellation or return).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct LineQuantity {
    /// The order line.
    #[serde(alias = "orderItemId", alias = "order_line_id", deserialize_with = "lenient::id")]
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
    #[serde(default, alias = "_id", deserialize_with = "lenient::optional_id")]
    pub id: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// Who cancelled: `buyer` or `seller`.
    #[serde(default)]
    pub cancelled_by: Option<String>,
    /// When.
    #[serde(default, alias = "canceled_at")]
    pub cancelled_at: Option<String>,
    /// Which quantities.
    #[serde(default, alias = "items", deserialize_with = "lenient::null_as_default")]
    pub lines: Vec<LineQuantity>,
}

/// A return started against an order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderReturn {
    /// The return (RMA) id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// RMA number.
    #[serde(default, alias = "rma_number")]
    pub rma_number: Option<String>,
    /// Return status.
    #[serde(default)]
    pub status: Option<String>,
    /// Why.
    #[serde(default)]
    pub reason: Option<String>,
    /// Which quantities.
    #[serde(default, alias = "items", deserialize_with = "lenient::null_as_default")]
    pub lines: Vec<LineQuantity>,
}

/// A product as a buyer sees it (Modern Dropship buyer product).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Product {
    /// The product id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Brand or vendor name.
    #[serde(default)]
    pub brand: Option<String>,
    /// Description (may be HTML).
    #[serde(default)]
    pub description: Option<String>,
    /// The product id in the seller's platform.
    #[serde(default)]
    pub seller_reference: Option<String>,
    /// The seller company.
    #[serde(default, alias = "companyId", deserialize_with = "lenient::optional_id")]
    pub seller_id: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub tags: Vec<String>,
    /// Option names, e.g. `["Size", "Color"]`.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub option_names: Vec<String>,
    /// Images.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub images: Vec<Image>,
    /// Variants.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub variants: Vec<Variant>,
    /// When the product was created.
    #[serde(default, alias = "created")]
    pub created_at: Option<String>,
    /// When the product last changed.
    #[serde(default, alias = "updated")]
    pub updated_at: Option<String>,
    /// Custom data.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub attributes: Attributes,
}

/// A product image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Image {
    /// The image id.
    #[serde(default, alias = "_id", deserialize_with = "lenient::optional_id")]
    pub id: Option<String>,
    /// The image URL.
    #[serde(alias = "src", alias = "url")]
    pub source: String,
}

/// A purchasable variant of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Variant {
    /// The variant id (what orders carry as `variantId`).
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Variant title.
    #[serde(default)]
    pub title: Option<String>,
    /// Units available (the value `product.inventoryChanged` reports); may be negative when oversold.
    #[serde(default, alias = "inventory_quantity", alias = "inventoryQuantity")]
    pub inventory_amount: Option<i64>,
    /// Retail price, as decimal text.
    #[serde(default, deserialize_with = "lenient::optional_decimal")]
    pub retail_price: Option<String>,
    /// Currency of the retail price.
    #[serde(default)]
    pub retail_currency: Option<String>,
    /// Wholesale cost to the buyer, as decimal text.
    #[serde(default, deserialize_with = "lenient::optional_decimal")]
    pub base_price: Option<String>,
    /// Currency of the wholesale cost.
    #[serde(default)]
    pub base_currency: Option<String>,
    /// Barcode (UPC, GTIN, EAN).
    #[serde(default, alias = "upc", deserialize_with = "lenient::optional_id")]
    pub barcode: Option<String>,
    /// Barcode kind: `upc`, `gtin-13`, `gtin-14` or `ean-8`.
    #[serde(default)]
    pub barcode_type: Option<String>,
    /// Option values, e.g. Size = M.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub options: Vec<VariantOption>,
    /// Weight in `weightUnits`.
    #[serde(default)]
    pub weight: Option<f64>,
    /// Weight unit, e.g. `kg`.
    #[serde(default)]
    pub weight_units: Option<String>,
    /// Custom data.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
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
    #[serde(alias = "_id", alias = "productId", deserialize_with = "lenient::id")]
    pub id: String,
}

/// `variant.unavailable`: the variant id(s) only.
///
/// Senders write one id (`id`, `_id`, `variantId`) or a list (`variantIds`, `ids`); both become `variantIds`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct VariantRefs {
    /// The variants that are no longer available (at least one).
    pub variant_ids: Vec<String>,
    /// Their product, when the sender says.
    pub product_id: Option<String>,
}

impl<'de> Deserialize<'de> for VariantRefs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire {
            #[serde(default, alias = "_id", alias = "variantId", deserialize_with = "lenient::optional_id")]
            id: Option<String>,
            #[serde(default, alias = "ids", deserialize_with = "lenient::null_as_default")]
            variant_ids: Vec<lenient::IdOrNumber>,
            #[serde(default, deserialize_with = "lenient::optional_id")]
            product_id: Option<String>,
        }
        let wire = Wire::deserialize(deserializer)?;
        let mut variant_ids: Vec<String> = wire.variant_ids.into_iter().map(|lenient::IdOrNumber(id)| id).collect();
        if let Some(id) = wire.id {
            if !variant_ids.contains(&id) {
                variant_ids.insert(0, id);
            }
        }
        if variant_ids.is_empty() {
            return Err(serde::de::Error::missing_field("variantIds"));
        }
        Ok(Self { variant_ids, product_id: wire.product_id })
    }
}

/// A supplier-retailer connection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The connection id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// The buyer (retailer).
    #[serde(default, alias = "retailer")]
    pub buyer: Option<Party>,
    /// The seller (supplier).
    #[serde(default, alias = "brand")]
    pub seller: Option<Party>,
    /// `active`, `suspended`, `pending` or `onboarding`.
    #[serde(default)]
    pub status: Option<String>,
    /// `basic` or `full`.
    #[serde(default)]
    pub level: Option<String>,
    /// How the supplier integrates: `console`, `edi`, `api`, `shopify`, …
    #[serde(default, alias = "integration_type")]
    pub integration_type: Option<String>,
    /// `pending` or `complete`.
    #[serde(default, alias = "onboarding_status")]
    pub onboarding_status: Option<String>,
    /// When the connection was created.
    #[serde(default, alias = "created_at", alias = "created")]
    pub created_at: Option<String>,
    /// When it last changed.
    #[serde(default, alias = "updated_at", alias = "updated")]
    pub updated_at: Option<String>,
}

/// A person acting on a proposal (owner or collaborator).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Person {
    /// The user id.
    #[serde(default, alias = "_id", deserialize_with = "lenient::optional_id")]
    pub id: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email: Option<String>,
}

/// A product proposal from a supplier to a retailer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    /// The proposal id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// Proposal name.
    #[serde(default)]
    pub name: Option<String>,
    /// `draft`, `proposed`, `revised`, `approved`, `declined`, `pricing_approved`, `completed`, …
    #[serde(default)]
    pub status: Option<String>,
    /// e.g. `new_product`.
    #[serde(default, alias = "proposal_type")]
    pub proposal_type: Option<String>,
    /// The buyer (retailer).
    #[serde(default, alias = "retailer")]
    pub buyer: Option<Party>,
    /// The seller (supplier).
    #[serde(default, alias = "brand")]
    pub seller: Option<Party>,
    /// The connection it belongs to.
    #[serde(default, alias = "connection", deserialize_with = "lenient::optional_id")]
    pub connection_id: Option<String>,
    /// The owner.
    #[serde(default, alias = "created_by")]
    pub owner: Option<Person>,
    /// Collaborators.
    #[serde(default, deserialize_with = "lenient::null_as_default")]
    pub collaborators: Vec<Person>,
    /// Number of products proposed.
    #[serde(default, alias = "item_count")]
    pub item_count: Option<u32>,
    /// Number approved.
    #[serde(default, alias = "item_approved_count")]
    pub item_approved_count: Option<u32>,
    /// Number rejected.
    #[serde(default, alias = "item_rejected_count")]
    pub item_rejected_count: Option<u32>,
    /// Why it was declined or returned.
    #[serde(default, alias = "return_reason")]
    pub reason: Option<String>,
    /// When it was proposed.
    #[serde(default, alias = "proposed_at")]
    pub proposed_at: Option<String>,
    /// When it was last revised.
    #[serde(default, alias = "revised_at")]
    pub revised_at: Option<String>,
    /// When it was approved.
    #[serde(default, alias = "approved_at")]
    pub approved_at: Option<String>,
    /// When it was declined.
    #[serde(default, alias = "declined_at")]
    pub declined_at: Option<String>,
    /// When it was completed.
    #[serde(default, alias = "completed_at")]
    pub completed_at: Option<String>,
    /// When it was created.
    #[serde(default, alias = "created_at")]
    pub created_at: Option<String>,
    /// When it last changed.
    #[serde(default, alias = "updated_at")]
    pub updated_at: Option<String>,
}

/// A product inside a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposalProduct {
    /// The proposal-product id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// Product name.
    #[serde(default, alias = "title")]
    pub name: Option<String>,
    /// Its status in the proposal.
    #[serde(default)]
    pub status: Option<String>,
}

/// A variant inside a proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ProposalVariant {
    /// The variant id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// Variant name.
    #[serde(default, alias = "title")]
    pub name: Option<String>,
    /// Supplier SKU.
    #[serde(default, alias = "brand_identifier")]
    pub sku: Option<String>,
    /// Its status in the proposal.
    #[serde(default)]
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
    #[serde(default)]
    pub product: Option<ProposalProduct>,
    /// Why (for a rejection).
    #[serde(default)]
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
    #[serde(default)]
    pub variant: Option<ProposalVariant>,
    /// Why (for a rejection or removal).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A return merchandise authorization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rma {
    /// The RMA id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// The order being returned.
    #[serde(default, alias = "order_id", deserialize_with = "lenient::optional_id")]
    pub order_id: Option<String>,
    /// The order's purchase order number.
    #[serde(default, alias = "purchase_order_number")]
    pub purchase_order_number: Option<String>,
    /// RMA number.
    #[serde(default, alias = "rma_number")]
    pub rma_number: Option<String>,
    /// `pending`, `approved`, `rejected`, `completed`.
    #[serde(default)]
    pub status: Option<String>,
    /// Who opened it, e.g. `retailer`.
    #[serde(default, alias = "created_by")]
    pub created_by: Option<String>,
    /// The returned lines.
    #[serde(default, alias = "rma_lines", deserialize_with = "lenient::null_as_default")]
    pub lines: Vec<RmaLine>,
    /// When it was opened.
    #[serde(default, alias = "rmad_at", alias = "created_at")]
    pub created_at: Option<String>,
    /// When it was approved.
    #[serde(default, alias = "approved_at")]
    pub approved_at: Option<String>,
    /// When it was rejected.
    #[serde(default, alias = "rejected_at")]
    pub rejected_at: Option<String>,
    /// When it was completed.
    #[serde(default, alias = "completed_at")]
    pub completed_at: Option<String>,
}

/// One line of an RMA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct RmaLine {
    /// The line id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// The returned variant.
    #[serde(default, deserialize_with = "lenient::optional_id")]
    pub variant_id: Option<String>,
    /// Supplier SKU.
    #[serde(default, alias = "brand_identifier")]
    pub sku: Option<String>,
    /// Units returned.
    #[serde(default)]
    pub quantity: Option<u32>,
    /// Return reason.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The physical return shipment under an RMA.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReturnShipment {
    /// The return id.
    #[serde(alias = "_id", deserialize_with = "lenient::id")]
    pub id: String,
    /// `pending`, `approved`, `received`, `rejected`.
    #[serde(default)]
    pub status: Option<String>,
    /// Units in the shipment.
    #[serde(default)]
    pub quantity: Option<u32>,
    /// Carrier name.
    #[serde(default)]
    pub carrier: Option<String>,
    /// Tracking number.
    #[serde(default, alias = "return_tracking_number")]
    pub tracking_number: Option<String>,
    /// Notes from inspecting the returned goods.
    #[serde(default, alias = "inspection_notes")]
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
    #[serde(default, rename = "return")]
    pub return_shipment: Option<ReturnShipment>,
}
