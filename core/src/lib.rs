#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
// The library itself must not reach for std, and must not index where a bad input could panic.
#![warn(clippy::std_instead_of_core, clippy::std_instead_of_alloc, clippy::alloc_instead_of_core)]
#![cfg_attr(not(test), warn(clippy::indexing_slicing))]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(test)]
#[macro_use]
extern crate std;

mod ct;
pub mod delivery;
pub mod endpoint;
pub mod error;
pub mod events;
pub mod fabric;
pub mod headers;
pub mod options;
pub mod payloads;
pub mod samples;
pub mod secret;
pub mod sink;
pub mod standard;
pub mod time;
pub mod topics;
mod typed;
pub mod webhook;
pub mod wire;

pub use error::{ErrorKind, WebhookError};
pub use events::{parse_event, Event, EventData};
pub use headers::HeaderSource;
pub use secret::{generate_secret, Secret, SecretSet};
pub use sink::{JsonSink, Sink};
pub use topics::{find_topic, TopicInfo, TOPICS};
pub use webhook::{
    check_tolerance, BuiltInMac, HostMac, Scheme, SignedHeaders, TagRequest, Verified, Webhook,
    DEFAULT_BODY_LIMIT_BYTES, DEFAULT_TOLERANCE_SECONDS,
};
pub use wire::{canonical_event_json, walk_event};

/// The project README's Rust examples, run as doctests so the quick start cannot rot.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ProjectReadmeDoctests;
