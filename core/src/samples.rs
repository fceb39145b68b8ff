//! A realistic, deterministic sample event for every topic (tests, the demo, tools such as "send a test event").
//!
//! The JSON files live in `core/samples/`, written by `core/samples/generate.py` in the canonical form that
//! [`crate::Event::to_json`] produces, so parsing a sample and serializing it again gives the same JSON.

use crate::error::WebhookError;
use crate::events::{parse_event, Event};
use crate::topics::find_topic;

macro_rules! sample_files {
    ($($topic:literal),* $(,)?) => {
        /// The sample body (an event envelope as JSON) for a topic, by name or alias.
        pub fn sample_event_json(topic: &str) -> Option<&'static str> {
            match find_topic(topic)?.name {
                $($topic => Some(include_str!(concat!("../samples/", $topic, ".json"))),)*
                _ => None,
            }
        }
    };
}

// The topics with a sample, in catalog order: written by `core/samples/generate.py` from the catalog.
include!("../samples/index.rs");

/// The sample event for a topic, parsed; `None` for an unknown topic.
pub fn sample_event(topic: &str) -> Option<Result<Event, WebhookError>> {
    sample_event_json(topic).map(|json| parse_event(json.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topics::TOPICS;

    #[test]
    fn every_topic_has_a_sample_that_round_trips() {
        for topic in TOPICS {
            let json = sample_event_json(topic.name).unwrap_or_else(|| panic!("no sample for {}", topic.name));
            let event = parse_event(json.as_bytes()).unwrap_or_else(|error| panic!("{}: {error}", topic.name));
            assert_eq!(event.topic, topic.name);
            let original: serde_json::Value = serde_json::from_str(json).unwrap();
            let again: serde_json::Value = serde_json::from_str(&event.to_json()).unwrap();
            assert_eq!(original, again, "{} does not round-trip", topic.name);
        }
    }

    #[test]
    fn samples_are_found_by_alias() {
        assert!(sample_event("order.canceled").is_some());
        assert!(sample_event("order.shipped").is_none());
    }
}
