//! Events: the envelope `{"id", "topic", "createdAt", "data"}` and [`parse_event`], which types `data` by topic.
//!
//! An unknown topic is not an error: it parses into [`EventData::Unknown`] with the raw data kept, so a receiver
//! built today keeps working when the platform adds topics. Accepted envelope spellings: `_id` for `id`, `type`
//! for `topic`, `created`/`created_at` for `createdAt`; topic aliases as in [`crate::topics::find_topic`].

use alloc::format;
use alloc::string::String;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::WebhookError;
use crate::payloads::{
    Connection, Order, Product, ProductRef, Proposal, ProposalProductChange, ProposalVariantChange, Rma, RmaReturn,
    VariantRefs,
};
use crate::topics::{find_topic, PayloadKind, TopicInfo};
use crate::wire::canonical_event_json;

/// A parsed webhook event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The event id; deduplicate on it (delivery is at least once).
    pub id: String,
    /// The topic, in its canonical spelling (`order.canceled` arrives as `order.cancelled`).
    pub topic: String,
    /// When the event was created (RFC 3339), if the sender says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The payload, typed by topic.
    pub data: EventData,
}

impl Event {
    /// The catalog entry of the topic, or `None` for a topic this version does not know.
    pub fn topic_info(&self) -> Option<&'static TopicInfo> {
        find_topic(&self.topic)
    }

    /// The event as canonical JSON (camelCase names, only the fields the sender gave): what the bindings hand to users.
    pub fn to_json(&self) -> String {
        // Serializing these types cannot fail: every map key is a string and no custom serializer errs.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The payload of an event, one variant per payload kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventData {
    /// `order.*`
    Order(Order),
    /// `product.selected`, `product.inventoryChanged`
    Product(Product),
    /// `product.unavailable`
    ProductRef(ProductRef),
    /// `variant.unavailable`
    VariantRefs(VariantRefs),
    /// `connection.*`
    Connection(Connection),
    /// `proposal.approved` … `proposal.pricingApproved`
    Proposal(Proposal),
    /// `proposal.productApproved`, `proposal.productRejected`
    ProposalProductChange(ProposalProductChange),
    /// `proposal.variantApproved`, `proposal.variantRejected`, `proposal.variantRemoved`
    ProposalVariantChange(ProposalVariantChange),
    /// `rma.approved`, `rma.rejected`, `rma.completed`
    Rma(Rma),
    /// `rma.returnApproved`, `rma.returnReceived`, `rma.returnRejected`
    RmaReturn(RmaReturn),
    /// A topic this version does not know: the data as received.
    Unknown(Value),
}

/// The canonical envelope; `data` is kept raw until the topic is known.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CanonicalEnvelope<'json> {
    id: String,
    topic: String,
    created_at: Option<String>,
    #[serde(borrow)]
    data: &'json RawValue,
}

/// Parses a raw body into a typed [`Event`], without checking any signature (for tests and replay tools; receivers
/// use [`crate::Webhook::verify`]). It reads the canonical JSON of [`canonical_event_json`], so the platforms'
/// spellings are accepted exactly as the bindings accept them.
///
/// Errors: `invalid_json` when the body is not JSON (or not UTF-8); `invalid_payload` when it is JSON but not an
/// event, or its `data` does not fit the topic's type. Unknown fields are ignored.
pub fn parse_event(body: &[u8]) -> Result<Event, WebhookError> {
    let canonical = canonical_event_json(body)?;
    // The canonical form always fits the types; an error here would be a bug in the tables, reported, not panicked.
    let envelope: CanonicalEnvelope<'_> = serde_json::from_str(&canonical).map_err(|error| internal(&error))?;
    let raw = envelope.data.get();
    let data = match find_topic(&envelope.topic).map(|info| info.payload) {
        Some(kind) => typed_data(kind, raw),
        None => serde_json::from_str(raw).map(EventData::Unknown),
    }
    .map_err(|error| internal(&error))?;
    Ok(Event { id: envelope.id, topic: envelope.topic, created_at: envelope.created_at, data })
}

fn typed_data(kind: PayloadKind, raw: &str) -> Result<EventData, serde_json::Error> {
    Ok(match kind {
        PayloadKind::Order => EventData::Order(serde_json::from_str(raw)?),
        PayloadKind::Product => EventData::Product(serde_json::from_str(raw)?),
        PayloadKind::ProductRef => EventData::ProductRef(serde_json::from_str(raw)?),
        PayloadKind::VariantRefs => EventData::VariantRefs(serde_json::from_str(raw)?),
        PayloadKind::Connection => EventData::Connection(serde_json::from_str(raw)?),
        PayloadKind::Proposal => EventData::Proposal(serde_json::from_str(raw)?),
        PayloadKind::ProposalProductChange => EventData::ProposalProductChange(serde_json::from_str(raw)?),
        PayloadKind::ProposalVariantChange => EventData::ProposalVariantChange(serde_json::from_str(raw)?),
        PayloadKind::Rma => EventData::Rma(serde_json::from_str(raw)?),
        PayloadKind::RmaReturn => EventData::RmaReturn(serde_json::from_str(raw)?),
    })
}

fn internal(error: &serde_json::Error) -> WebhookError {
    WebhookError::InvalidPayload { message: format!("the canonical form did not read back: {error}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_topics_keep_their_data() {
        let event = parse_event(br#"{"id":"evt_1","topic":"invoice.paid","data":{"total":3}}"#).unwrap();
        assert_eq!(event.topic, "invoice.paid");
        assert!(event.topic_info().is_none());
        assert_eq!(event.data, EventData::Unknown(serde_json::json!({"total": 3})));
    }

    #[test]
    fn syntax_and_shape_errors_have_different_codes() {
        assert_eq!(parse_event(b"{").unwrap_err().code(), "invalid_json");
        assert_eq!(parse_event(b"[1]").unwrap_err().code(), "invalid_payload");
        assert_eq!(parse_event(&[0xff, 0xfe]).unwrap_err().code(), "invalid_json");
    }
}
