//! The topic catalog: the 29 topics a dropship platform sends, as data.
//!
//! Every binding exposes this table as it is; the generated TypeScript and Python types are built from it too.

use alloc::borrow::Cow;
use alloc::string::String;

use crate::options::write_member;

/// Which area of the platform a topic belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TopicGroup {
    /// `order.*`
    Orders,
    /// `product.*` and `variant.*`
    Products,
    /// `connection.*`
    Connections,
    /// `proposal.*`
    Proposals,
    /// `rma.*` (returns)
    Returns,
}

/// Who receives a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Audience {
    /// Retailers: the buyers of a dropship marketplace.
    Buyers,
    /// Suppliers: the sellers.
    Sellers,
    /// Both sides.
    BuyersAndSellers,
}

impl TopicGroup {
    /// The group's name as the catalog spells it (`orders`, …).
    pub fn name(self) -> &'static str {
        match self {
            Self::Orders => "orders",
            Self::Products => "products",
            Self::Connections => "connections",
            Self::Proposals => "proposals",
            Self::Returns => "returns",
        }
    }
}

impl Audience {
    /// The audience's name as the catalog spells it (`buyers`, `sellers`, `buyersAndSellers`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Buyers => "buyers",
            Self::Sellers => "sellers",
            Self::BuyersAndSellers => "buyersAndSellers",
        }
    }
}

/// The shape of a topic's `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PayloadKind {
    /// [`crate::payloads::Order`]
    Order,
    /// [`crate::payloads::Product`]
    Product,
    /// [`crate::payloads::ProductRef`]
    ProductRef,
    /// [`crate::payloads::VariantRefs`]
    VariantRefs,
    /// [`crate::payloads::Connection`]
    Connection,
    /// [`crate::payloads::Proposal`]
    Proposal,
    /// [`crate::payloads::ProposalProductChange`]
    ProposalProductChange,
    /// [`crate::payloads::ProposalVariantChange`]
    ProposalVariantChange,
    /// [`crate::payloads::Rma`]
    Rma,
    /// [`crate::payloads::RmaReturn`]
    RmaReturn,
}

impl PayloadKind {
    /// The type's name, as in the generated TypeScript and Python declarations.
    pub fn name(self) -> &'static str {
        match self {
            Self::Order => "Order",
            Self::Product => "Product",
            Self::ProductRef => "ProductRef",
            Self::VariantRefs => "VariantRefs",
            Self::Connection => "Connection",
            Self::Proposal => "Proposal",
            Self::ProposalProductChange => "ProposalProductChange",
            Self::ProposalVariantChange => "ProposalVariantChange",
            Self::Rma => "Rma",
            Self::RmaReturn => "RmaReturn",
        }
    }
}

/// One row of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TopicInfo {
    /// The wire name, e.g. `order.created`.
    pub name: &'static str,
    /// The area it belongs to.
    pub group: TopicGroup,
    /// Who receives it.
    pub audience: Audience,
    /// When it is sent.
    pub description: &'static str,
    /// The shape of its `data`.
    pub payload: PayloadKind,
}

const fn topic(
    name: &'static str,
    group: TopicGroup,
    audience: Audience,
    payload: PayloadKind,
    description: &'static str,
) -> TopicInfo {
    TopicInfo { name, group, audience, description, payload }
}

use Audience::{Buyers, BuyersAndSellers, Sellers};
use PayloadKind as P;
use TopicGroup::{Connections, Orders, Products, Proposals, Returns};

/// Every topic, in catalog order (DESIGN.md §4.1).
pub const TOPICS: &[TopicInfo] = &[
    topic("order.created", Orders, Sellers, P::Order, "A new order is placed."),
    topic("order.fulfilled", Orders, Buyers, P::Order, "A fulfillment (shipment) is added to an order."),
    topic("order.cancelled", Orders, BuyersAndSellers, P::Order, "One or more lines of an order are cancelled."),
    topic("order.returned", Orders, Sellers, P::Order, "A return is initiated for an order."),
    topic("order.shipToAddressUpdated", Orders, Sellers, P::Order, "The buyer updates an order's ship-to address."),
    topic("product.selected", Products, Buyers, P::Product, "A buyer selects a seller's product."),
    topic("product.inventoryChanged", Products, Buyers, P::Product, "The seller updates a variant's inventory."),
    topic("product.unavailable", Products, Buyers, P::ProductRef, "A product is no longer offered to the buyer."),
    topic("variant.unavailable", Products, Buyers, P::VariantRefs, "Variants are no longer offered to the buyer."),
    topic("connection.created", Connections, Sellers, P::Connection, "A supplier-retailer connection is created."),
    topic("connection.established", Connections, Sellers, P::Connection, "A connection becomes active for orders."),
    topic("proposal.approved", Proposals, Sellers, P::Proposal, "A product proposal is approved by the merchant."),
    topic("proposal.completed", Proposals, Sellers, P::Proposal, "A proposal is marked as complete."),
    topic("proposal.declined", Proposals, Sellers, P::Proposal, "A proposal is declined by the merchant."),
    topic("proposal.revised", Proposals, Sellers, P::Proposal, "The supplier updates a proposal."),
    topic("proposal.collaboratorAdded", Proposals, Sellers, P::Proposal, "A collaborator is added to a proposal."),
    topic("proposal.ownerReassigned", Proposals, Sellers, P::Proposal, "A proposal's ownership is reassigned."),
    topic("proposal.pricingApproved", Proposals, Sellers, P::Proposal, "A proposal's pricing is approved."),
    topic(
        "proposal.productApproved",
        Proposals,
        Sellers,
        P::ProposalProductChange,
        "A product in a proposal is approved.",
    ),
    topic(
        "proposal.productRejected",
        Proposals,
        Sellers,
        P::ProposalProductChange,
        "A product in a proposal is rejected.",
    ),
    topic(
        "proposal.variantApproved",
        Proposals,
        Sellers,
        P::ProposalVariantChange,
        "A variant in a proposal is approved.",
    ),
    topic(
        "proposal.variantRejected",
        Proposals,
        Sellers,
        P::ProposalVariantChange,
        "A variant in a proposal is rejected.",
    ),
    topic(
        "proposal.variantRemoved",
        Proposals,
        Sellers,
        P::ProposalVariantChange,
        "A variant is removed from a proposal.",
    ),
    topic("rma.approved", Returns, Sellers, P::Rma, "A return merchandise authorization (RMA) is approved."),
    topic("rma.rejected", Returns, Sellers, P::Rma, "An RMA request is rejected."),
    topic("rma.completed", Returns, Sellers, P::Rma, "An RMA is marked as completed."),
    topic("rma.returnApproved", Returns, Sellers, P::RmaReturn, "The items returned under an RMA are approved."),
    topic("rma.returnReceived", Returns, Sellers, P::RmaReturn, "Returned items are physically received."),
    topic("rma.returnRejected", Returns, Sellers, P::RmaReturn, "Returned items are rejected during processing."),
];

/// The catalog as JSON (an array of [`TopicInfo`] objects), as every binding exposes it.
pub fn catalog_json() -> String {
    // Written by hand rather than through serde_json, whose serializer the WebAssembly module would carry for it.
    let mut out = String::from("[");
    for (index, topic) in TOPICS.iter().enumerate() {
        out.push_str(if index == 0 { "{" } else { ",{" });
        write_member(&mut out, "name", &topic.name);
        write_member(&mut out, "group", &topic.group.name());
        write_member(&mut out, "audience", &topic.audience.name());
        write_member(&mut out, "description", &topic.description);
        write_member(&mut out, "payload", &topic.payload.name());
        out.push('}');
    }
    out.push(']');
    out
}

/// Spellings accepted for a topic besides its name: `order.canceled` (US spelling, as fabric displays it).
const ALIASES: &[(&str, &str)] = &[("order.canceled", "order.cancelled")];

/// Looks a topic up by its wire name, a documented alias, or its snake_case spelling
/// (`proposal.collaborator_added` for `proposal.collaboratorAdded`, as fabric-style senders write it).
pub fn find_topic(name: &str) -> Option<&'static TopicInfo> {
    let canonical = canonical_topic_name(name);
    TOPICS.iter().find(|topic| topic.name == canonical)
}

/// The canonical spelling of a topic name: aliases resolved and snake_case turned into camelCase.
///
/// Unknown topics keep their text, so a newer sender's topics survive a round trip.
pub fn canonical_topic_name(name: &str) -> Cow<'_, str> {
    if let Some((_, canonical)) = ALIASES.iter().find(|(alias, _)| *alias == name) {
        return Cow::Borrowed(canonical);
    }
    if !name.contains('_') {
        return Cow::Borrowed(name);
    }
    let mut camel = String::with_capacity(name.len());
    let mut upper_next = false;
    for character in name.chars() {
        match character {
            '_' => upper_next = true,
            _ if upper_next => {
                camel.extend(character.to_uppercase());
                upper_next = false;
            }
            _ => camel.push(character),
        }
    }
    match ALIASES.iter().find(|(alias, _)| *alias == camel) {
        Some((_, canonical)) => Cow::Borrowed(canonical),
        None => Cow::Owned(camel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_json_is_what_serde_writes() {
        assert_eq!(catalog_json(), serde_json::to_string(TOPICS).unwrap());
    }

    #[test]
    fn catalog_topics_are_unique_and_found_by_name() {
        assert!(TOPICS.len() >= 29, "topics are added, not removed: receivers rely on every one");
        for (index, topic) in TOPICS.iter().enumerate() {
            assert!(TOPICS.iter().skip(index + 1).all(|other| other.name != topic.name), "{} twice", topic.name);
            assert_eq!(find_topic(topic.name), Some(topic));
        }
    }

    #[test]
    fn aliases_and_snake_case_resolve() {
        assert_eq!(find_topic("order.canceled").map(|t| t.name), Some("order.cancelled"));
        assert_eq!(find_topic("order.ship_to_address_updated").map(|t| t.name), Some("order.shipToAddressUpdated"));
        assert_eq!(find_topic("rma.return_received").map(|t| t.name), Some("rma.returnReceived"));
        assert_eq!(find_topic("order.shipped"), None);
        assert_eq!(canonical_topic_name("invoice.paid_late"), "invoice.paidLate");
    }
}
