//! Events: the envelope `{"id", "topic", "createdAt", "data"}` and [`parse_event`], which types `data` by topic.
//!
//! An unknown topic is not an error: it parses into [`EventData::Unknown`] with the raw data kept, so a receiver
//! built today keeps working when the platform adds topics. Accepted envelope spellings: `_id` for `id`, `type`
//! for `topic`, `created`/`created_at` for `createdAt`; topic aliases as in [`crate::topics::find_topic`].

use alloc::format;
use alloc::string::String;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::WebhookError;
use crate::payloads::{
    Connection, Order, Product, ProductRef, Proposal, ProposalProductChange, ProposalVariantChange, Rma, RmaReturn,
    VariantRefs,
};
use crate::topics::{find_topic, PayloadKind, TopicInfo};
use crate::typed::{Mismatch, TokenReader, TokenSink};
use crate::wire::walk_event;

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

/// Parses a raw body into a typed [`Event`], without checking any signature (for tests and replay tools; receivers
/// use [`crate::Webhook::verify`]). One walk of the body ([`walk_event`], the bindings' walk) reports the canonical
/// values, and the typed structs are read from them, so the platforms' spellings are accepted exactly as the
/// bindings accept them.
///
/// Errors: `invalid_json` when the body is not JSON (or not UTF-8); `invalid_payload` when it is JSON but not an
/// event, or its `data` does not fit the topic's type. Unknown fields are ignored.
pub fn parse_event(body: &[u8]) -> Result<Event, WebhookError> {
    // About one token per six bytes of a typical event.
    let mut tokens = TokenSink::with_capacity(body.len() / 6 + 16);
    walk_event(body, &mut tokens)?;
    // The walk reported a canonical event, which always fits the types: an error here would be a bug in the tables,
    // reported, not panicked.
    read_event(&mut tokens.reader()).map_err(|error| WebhookError::InvalidPayload {
        message: format!("the canonical form did not read into the types: {error}"),
    })
}

fn read_event(reader: &mut TokenReader) -> Result<Event, Mismatch> {
    reader.begin_object()?;
    reader.expect_field("id")?;
    let id = reader.text()?;
    reader.expect_field("topic")?;
    let topic = reader.text()?;
    let created_at = if reader.take_field("createdAt") { Some(reader.text()?) } else { None };
    reader.expect_field("data")?;
    let data = match find_topic(&topic).map(|info| info.payload) {
        Some(kind) => typed_data(kind, reader)?,
        None => EventData::Unknown(Value::deserialize(&mut *reader)?),
    };
    reader.end_object()?;
    Ok(Event { id, topic, created_at, data })
}

fn typed_data(kind: PayloadKind, reader: &mut TokenReader) -> Result<EventData, Mismatch> {
    Ok(match kind {
        PayloadKind::Order => EventData::Order(Order::deserialize(reader)?),
        PayloadKind::Product => EventData::Product(Product::deserialize(reader)?),
        PayloadKind::ProductRef => EventData::ProductRef(ProductRef::deserialize(reader)?),
        PayloadKind::VariantRefs => EventData::VariantRefs(VariantRefs::deserialize(reader)?),
        PayloadKind::Connection => EventData::Connection(Connection::deserialize(reader)?),
        PayloadKind::Proposal => EventData::Proposal(Proposal::deserialize(reader)?),
        PayloadKind::ProposalProductChange => {
            EventData::ProposalProductChange(ProposalProductChange::deserialize(reader)?)
        }
        PayloadKind::ProposalVariantChange => {
            EventData::ProposalVariantChange(ProposalVariantChange::deserialize(reader)?)
        }
        PayloadKind::Rma => EventData::Rma(Rma::deserialize(reader)?),
        PayloadKind::RmaReturn => EventData::RmaReturn(RmaReturn::deserialize(reader)?),
    })
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
