//! [`Webhook`]: a secret set bound to a scheme, that signs and verifies requests.
//!
//! Keys are derived once, when the `Webhook` is built: each secret becomes an HMAC state with the key already
//! absorbed, which every signature then clones. That keeps the per-request cost at one pass over the body per
//! active secret tried, whatever the number of signatures in the header.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ct::bytes_equal;
use crate::error::WebhookError;
use crate::events::{parse_event, Event};
use crate::fabric::parse_fabric_header;
use crate::headers::{
    header_or_alias, HeaderSource, FABRIC_SIGNATURE, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP,
};
use crate::secret::{check_fabric_key, decode_standard_key, SecretSet, MAX_SECRETS};
use crate::sink::Sink;
use crate::standard::{
    base64_tag_matches, check_message_id, check_signing_id, could_be_base64_tag, encode_base64_tag,
    parse_signature_header, parse_timestamp, SignedPrefix, Tag, VERSION_V1,
};
use crate::wire::{canonical_event_json, walk_event};

type HmacSha256 = Hmac<Sha256>;

/// The default timestamp tolerance, in seconds, both into the past and into the future.
pub const DEFAULT_TOLERANCE_SECONDS: u64 = 300;

/// The default body limit of the framework helpers, in bytes (1 MiB): events are a few KiB, and a receiver should
/// not read an unsigned flood into memory. Beyond it the helpers answer 413 `payload_too_large`.
pub const DEFAULT_BODY_LIMIT_BYTES: u64 = 1024 * 1024;

/// How requests are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// Standard Webhooks v1: `webhook-id`, `webhook-timestamp`, `webhook-signature`; `whsec_` secrets.
    #[default]
    Standard,
    /// fabric Dropship: `fabric-dropship-signature` over the body only; the secret string's bytes are the key.
    Fabric,
}

impl Scheme {
    /// The scheme's name as the bindings spell it: `"standard"` or `"fabric"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Fabric => "fabric",
        }
    }

    /// Parses a scheme name (`"standard"` or `"fabric"`, any case).
    pub fn from_name(name: &str) -> Result<Self, WebhookError> {
        if name.eq_ignore_ascii_case("standard") {
            Ok(Self::Standard)
        } else if name.eq_ignore_ascii_case("fabric") {
            Ok(Self::Fabric)
        } else {
            Err(WebhookError::InvalidOption { name: "scheme", problem: "it must be \"standard\" or \"fabric\"" })
        }
    }
}

/// What a successful signature check tells: which message, when, and which secret matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The message id (`webhook-id`); `None` for the fabric scheme, which signs no id.
    pub id: Option<String>,
    /// The message timestamp (unix seconds); `None` for the fabric scheme.
    pub timestamp: Option<u64>,
    /// Index in the secret set of the secret that matched.
    pub secret_index: usize,
    /// Label of the secret that matched, if it has one.
    pub secret_label: Option<String>,
}

/// The headers to send with a signed request, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    headers: Vec<(&'static str, String)>,
}

impl SignedHeaders {
    /// The header name/value pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.headers.iter().map(|(name, value)| (*name, value.as_str()))
    }

    /// The value of one header (lowercase name).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers.as_slice().header(name)
    }

    /// The pairs, by value.
    pub fn into_vec(self) -> Vec<(&'static str, String)> {
        self.headers
    }
}

impl HeaderSource for SignedHeaders {
    fn header(&self, name: &str) -> Option<&str> {
        self.get(name)
    }
}

/// A host's HMAC-SHA256, which a binding may offer in place of the built-in one (RustCrypto `hmac` and `sha2`): in
/// WebAssembly the host's native code (`node:crypto` in Node, Bun, Deno, and workerd with `nodejs_compat`) is several
/// times faster than SHA-256 compiled to wasm. Every rule stays in the core (which bytes are signed, which secrets
/// are active, how tags compare, in constant time); the host only computes.
pub trait HostMac {
    /// HMAC-SHA256 under `key` of the concatenated `parts`, or `None` to leave it to the built-in one.
    fn hmac_sha256(&self, key: &[u8], parts: &[&[u8]]) -> Option<[u8; 32]>;
}

/// No host HMAC: the core computes every tag itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltInMac;

impl HostMac for BuiltInMac {
    fn hmac_sha256(&self, _: &[u8], _: &[&[u8]]) -> Option<[u8; 32]> {
        None
    }
}

/// What a host computes for an asynchronous verification (see [`Webhook::tag_request`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRequest {
    /// The bytes signed before the body: `id.timestamp.` for the standard scheme, nothing for fabric.
    pub prefix: Vec<u8>,
    /// The indices of the secrets active at `now`, in set order: one tag each, in this order. Empty when no
    /// signature of the request could be a tag at all: there is nothing worth computing, and the verification
    /// that follows fails with `no_matching_signature`.
    pub secrets: Vec<usize>,
}

/// The standard headers as verification reads them.
struct StandardHeaders<'h> {
    id: &'h str,
    timestamp: u64,
    prefix: SignedPrefix,
    signatures: Vec<&'h str>,
}

/// Tags a host computed for a [`TagRequest`] (one per secret active at `now`, in set order), offered as a
/// [`HostMac`] so verification runs unchanged: each key finds its tag by its place among the active secrets.
struct ComputedTags<'a> {
    webhook: &'a Webhook,
    now: u64,
    tags: &'a [[u8; 32]],
}

impl HostMac for ComputedTags<'_> {
    fn hmac_sha256(&self, key: &[u8], _: &[&[u8]]) -> Option<[u8; 32]> {
        let position = self.webhook.keys.iter().filter(|k| k.is_active_at(self.now)).position(|k| k.bytes == key)?;
        self.tags.get(position).copied()
    }
}

/// One secret ready for use: the keyed HMAC state plus what verification reports about it.
#[derive(Clone)]
struct Key {
    keyed: HmacSha256,
    /// The key itself, for a host's HMAC ([`HostMac`]).
    bytes: Vec<u8>,
    index: usize,
    expires_at: Option<u64>,
    label: Option<String>,
}

impl Key {
    fn is_active_at(&self, now: u64) -> bool {
        self.expires_at.is_none_or(|expiry| now < expiry)
    }

    /// HMAC-SHA256 of the concatenated parts: the host's, when it offers one and computes it, else the built-in.
    fn tag(&self, host: &dyn HostMac, parts: &[&[u8]]) -> Tag {
        if let Some(tag) = host.hmac_sha256(&self.bytes, parts) {
            return tag;
        }
        let mut mac = self.keyed.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Verifies and signs webhooks with a set of secrets under one scheme.
///
/// ```
/// use dropship_webhooks::{Secret, SecretSet, Webhook};
///
/// let secrets = SecretSet::new()
///     .with(Secret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expires_at(1_700_000_100).label("old"))
///     .with(Secret::new("whsec_dGhpcy1pcy1hLW5ldy1zZWNyZXQtZm9yLXRlc3Rz").label("new"));
/// let webhook = Webhook::new(secrets)?.tolerance(300);
///
/// let body = br#"{"id":"evt_1","topic":"order.created"}"#;
/// let headers = webhook.sign("msg_1", 1_700_000_000, body)?; // both secrets are active: two signatures
/// let verified = webhook.verify_signature(&headers, body, 1_700_000_200)?; // "old" has expired by now
/// assert_eq!(verified.secret_label.as_deref(), Some("new"));
/// # Ok::<(), dropship_webhooks::WebhookError>(())
/// ```
#[derive(Clone)]
pub struct Webhook {
    scheme: Scheme,
    tolerance_seconds: u64,
    body_limit_bytes: u64,
    keys: Vec<Key>,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secrets: Vec<(Option<u64>, Option<&str>)> =
            self.keys.iter().map(|key| (key.expires_at, key.label.as_deref())).collect();
        f.debug_struct("Webhook")
            .field("scheme", &self.scheme)
            .field("tolerance_seconds", &self.tolerance_seconds)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("secrets (expiry, label)", &secrets)
            .finish_non_exhaustive()
    }
}

impl Webhook {
    /// A Standard Webhooks verifier/signer; every secret must be a `whsec_` secret of 24–64 key bytes.
    pub fn new(secrets: impl Into<SecretSet>) -> Result<Self, WebhookError> {
        Self::with_scheme(secrets, Scheme::Standard)
    }

    /// A verifier/signer for the given scheme; fails with `invalid_secret` if any secret cannot be a key.
    pub fn with_scheme(secrets: impl Into<SecretSet>, scheme: Scheme) -> Result<Self, WebhookError> {
        let secrets = secrets.into();
        if secrets.is_empty() {
            return Err(WebhookError::InvalidSecret { index: 0, problem: "the secret set is empty" });
        }
        if secrets.len() > MAX_SECRETS {
            return Err(WebhookError::InvalidSecret {
                index: MAX_SECRETS,
                problem: "a set holds at most 32 secrets (expire and remove old ones)",
            });
        }
        let keys = secrets
            .secrets()
            .iter()
            .enumerate()
            .map(|(index, secret)| {
                let invalid = |problem| WebhookError::InvalidSecret { index, problem };
                let bytes = match scheme {
                    Scheme::Standard => decode_standard_key(secret.value()).map_err(invalid)?,
                    Scheme::Fabric => check_fabric_key(secret.value()).map_err(invalid)?.to_vec(),
                };
                let keyed = HmacSha256::new_from_slice(&bytes).map_err(|_| invalid("it cannot be an HMAC key"))?;
                let label = secret.label_text().map(String::from);
                Ok(Key { keyed, bytes, index, expires_at: secret.expiry(), label })
            })
            .collect::<Result<Vec<Key>, WebhookError>>()?;
        Ok(Self {
            scheme,
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
            body_limit_bytes: DEFAULT_BODY_LIMIT_BYTES,
            keys,
        })
    }

    /// Sets how far (seconds) a message timestamp may lie from `now`, both ways; the default is 300.
    #[must_use]
    pub fn tolerance(mut self, seconds: u64) -> Self {
        self.tolerance_seconds = seconds;
        self
    }

    /// Sets the longest body verified, in bytes (default [`DEFAULT_BODY_LIMIT_BYTES`]); longer ones are refused with
    /// `payload_too_large` after the header checks and before any HMAC is computed.
    #[must_use]
    pub fn body_limit(mut self, bytes: u64) -> Self {
        self.body_limit_bytes = bytes;
        self
    }

    /// The longest body verified, in bytes.
    pub fn body_limit_bytes(&self) -> u64 {
        self.body_limit_bytes
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The timestamp tolerance in seconds.
    pub fn tolerance_seconds(&self) -> u64 {
        self.tolerance_seconds
    }

    /// The secrets usable at `now`, in set order, or `no_active_secret` when there is none.
    fn active_keys(&self, now: u64) -> Result<impl Iterator<Item = &Key> + Clone, WebhookError> {
        let active = self.keys.iter().filter(move |key| key.is_active_at(now));
        if active.clone().next().is_none() {
            return Err(WebhookError::NoActiveSecret { count: self.keys.len() });
        }
        Ok(active)
    }

    /// The first key active at `now` whose tag over `content` matches one of the `candidates`.
    ///
    /// `prepare` turns a computed tag into the form candidates are compared with (base64 text for the standard
    /// scheme, so signatures need no decoding), once per key; `matches` compares in constant time. A body over the
    /// limit is refused first; when no candidate `could_match` (none has the shape of a tag), no tag is computed: a
    /// forged header of junk costs nothing per secret.
    // The three closures describe one candidate form (standard base64 text, fabric tags); a struct would only
    // rename them.
    #[allow(clippy::too_many_arguments)]
    fn find_match<C, E>(
        &self,
        host: &dyn HostMac,
        now: u64,
        content: &[&[u8]],
        candidates: &[C],
        could_match: impl Fn(&C) -> bool,
        prepare: impl Fn(&Tag) -> E,
        matches: impl Fn(&E, &C) -> bool,
    ) -> Result<&Key, WebhookError> {
        let active = self.active_keys(now)?;
        // The body is the last part signed (after the standard scheme's prefix).
        let body_length = content.last().map_or(0, |body| body.len() as u64);
        Self::check_body_length(body_length, self.body_limit_bytes)?;
        if candidates.iter().any(could_match) {
            for key in active.clone() {
                let expected = prepare(&key.tag(host, content));
                if candidates.iter().any(|candidate| matches(&expected, candidate)) {
                    return Ok(key);
                }
            }
        }
        Err(WebhookError::NoMatchingSignature { candidates: candidates.len(), active_secrets: active.count() })
    }

    /// Checks the request's signature headers against the raw `body`, at time `now` (unix seconds).
    ///
    /// Standard scheme, in order: the three headers are present and well formed (`missing_header`,
    /// `invalid_header`); the timestamp is within the tolerance (`timestamp_too_old`, `timestamp_too_new`); a
    /// secret is active (`no_active_secret`); a `v1` signature matches an active secret, compared in constant time
    /// (`no_matching_signature`). The fabric scheme skips the id and timestamp steps.
    pub fn verify_signature<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, WebhookError> {
        self.verify_signature_with_mac(&BuiltInMac, headers, body, now)
    }

    /// [`Webhook::verify_signature`] with the tags computed by `host` (see [`HostMac`]).
    pub fn verify_signature_with_mac<H: HeaderSource + ?Sized>(
        &self,
        host: &dyn HostMac,
        headers: &H,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, WebhookError> {
        match self.scheme {
            Scheme::Standard => self.verify_standard(host, headers, body, now),
            Scheme::Fabric => self.verify_fabric(host, headers, body, now),
        }
    }

    /// The standard scheme's headers, read and checked in order (present, well formed, timestamp within the
    /// tolerance): everything verification checks before a tag is needed.
    fn standard_headers<'h, H: HeaderSource + ?Sized>(
        &self,
        headers: &'h H,
        now: u64,
    ) -> Result<StandardHeaders<'h>, WebhookError> {
        let id = header_or_alias(headers, WEBHOOK_ID).ok_or(WebhookError::MissingHeader { name: WEBHOOK_ID })?;
        let timestamp = header_or_alias(headers, WEBHOOK_TIMESTAMP)
            .ok_or(WebhookError::MissingHeader { name: WEBHOOK_TIMESTAMP })?;
        let signature = header_or_alias(headers, WEBHOOK_SIGNATURE)
            .ok_or(WebhookError::MissingHeader { name: WEBHOOK_SIGNATURE })?;

        let id = check_message_id(id).map_err(|problem| WebhookError::InvalidHeader { name: WEBHOOK_ID, problem })?;
        let (timestamp, timestamp_text) = parse_timestamp(timestamp)
            .map_err(|problem| WebhookError::InvalidHeader { name: WEBHOOK_TIMESTAMP, problem })?;
        let signatures = parse_signature_header(signature)
            .map_err(|problem| WebhookError::InvalidHeader { name: WEBHOOK_SIGNATURE, problem })?;

        check_tolerance(timestamp, now, self.tolerance_seconds)?;
        Ok(StandardHeaders { id, timestamp, prefix: SignedPrefix::new(id, timestamp_text), signatures })
    }

    fn verify_standard<H: HeaderSource + ?Sized>(
        &self,
        host: &dyn HostMac,
        headers: &H,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, WebhookError> {
        let read = self.standard_headers(headers, now)?;
        let content = [read.prefix.as_bytes(), body];
        let key = self.find_match(
            host,
            now,
            &content,
            &read.signatures,
            could_be_base64_tag,
            encode_base64_tag,
            base64_tag_matches,
        )?;
        Ok(Verified {
            id: Some(read.id.to_string()),
            timestamp: Some(read.timestamp),
            secret_index: key.index,
            secret_label: key.label.clone(),
        })
    }

    fn fabric_candidates<H: HeaderSource + ?Sized>(headers: &H) -> Result<Vec<Tag>, WebhookError> {
        let signature =
            headers.header(FABRIC_SIGNATURE).ok_or(WebhookError::MissingHeader { name: FABRIC_SIGNATURE })?;
        parse_fabric_header(signature)
            .map_err(|problem| WebhookError::InvalidHeader { name: FABRIC_SIGNATURE, problem })
    }

    fn verify_fabric<H: HeaderSource + ?Sized>(
        &self,
        host: &dyn HostMac,
        headers: &H,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, WebhookError> {
        let candidates = Self::fabric_candidates(headers)?;
        // Fabric candidates are decoded tags already: any of them could match.
        let key = self.find_match(host, now, &[body], &candidates, |_| true, |tag| *tag, tags_equal)?;
        Ok(Verified { id: None, timestamp: None, secret_index: key.index, secret_label: key.label.clone() })
    }

    /// Every check [`Webhook::verify_signature`] makes before it needs the body, in the same order and with the
    /// same errors: the headers are present and well formed, the timestamp is within the tolerance, a secret is
    /// active. A framework helper calls it before reading the body, so a request that cannot pass is refused
    /// without reading a byte of what it sends.
    pub fn check_headers<H: HeaderSource + ?Sized>(&self, headers: &H, now: u64) -> Result<(), WebhookError> {
        match self.scheme {
            Scheme::Standard => {
                self.standard_headers(headers, now)?;
            }
            Scheme::Fabric => {
                Self::fabric_candidates(headers)?;
            }
        }
        self.active_keys(now).map(|_| ())
    }

    /// Refuses a body longer than `limit` bytes with `payload_too_large` (see [`DEFAULT_BODY_LIMIT_BYTES`]); a
    /// helper calls it with the declared `Content-Length` before reading, and with the bytes read so far while
    /// reading a body of unknown length.
    pub fn check_body_length(length: u64, limit: u64) -> Result<(), WebhookError> {
        if length > limit {
            return Err(WebhookError::PayloadTooLarge { limit });
        }
        Ok(())
    }

    /// The first half of a verification whose tags a host computes asynchronously (`crypto.subtle`): runs every
    /// check that needs no tag, in the order [`Webhook::verify_signature`] does, and says what to sign. The host
    /// then computes HMAC-SHA256 under [`Webhook::secret_key`] of each listed secret over `prefix` followed by the
    /// body, and hands the tags to [`Webhook::verify_signature_with_tags`], which decides.
    pub fn tag_request<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body_length: u64,
        now: u64,
    ) -> Result<TagRequest, WebhookError> {
        let (prefix, could_match) = match self.scheme {
            Scheme::Standard => {
                let read = self.standard_headers(headers, now)?;
                (read.prefix.as_bytes().to_vec(), read.signatures.iter().any(could_be_base64_tag))
            }
            Scheme::Fabric => (Vec::new(), !Self::fabric_candidates(headers)?.is_empty()),
        };
        let active = self.active_keys(now)?;
        Self::check_body_length(body_length, self.body_limit_bytes)?;
        // Nothing to tag when no signature could match: the host is spared one HMAC per secret over the body.
        let secrets = if could_match { active.map(|key| key.index).collect() } else { Vec::new() };
        Ok(TagRequest { prefix, secrets })
    }

    /// The HMAC key of secret `index` (its decoded bytes), for a host that computes tags ([`Webhook::tag_request`]).
    pub fn secret_key(&self, index: usize) -> Option<&[u8]> {
        self.keys.get(index).map(|key| key.bytes.as_slice())
    }

    /// The second half of [`Webhook::tag_request`]: [`Webhook::verify_signature`] at the same `now`, with `tags[i]`
    /// taken as the tag of the request's `secrets[i]` (the secrets active at `now`, in set order). A secret without
    /// a tag is computed by the core; a wrong tag matches nothing.
    pub fn verify_signature_with_tags<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: u64,
        tags: &[[u8; 32]],
    ) -> Result<Verified, WebhookError> {
        self.verify_signature_with_mac(&ComputedTags { webhook: self, now, tags }, headers, body, now)
    }

    /// Verifies the signature (as [`Webhook::verify_signature`]) and parses the body into a typed [`Event`].
    pub fn verify<H: HeaderSource + ?Sized>(&self, headers: &H, body: &[u8], now: u64) -> Result<Event, WebhookError> {
        self.verify_signature(headers, body, now)?;
        parse_event(body)
    }

    /// Verifies the signature (as [`Webhook::verify_signature`]) and returns the event's canonical JSON (see
    /// [`crate::canonical_event_json`]): what the bindings hand to their languages, without building the typed
    /// structs in between.
    pub fn verify_json<H: HeaderSource + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: u64,
    ) -> Result<String, WebhookError> {
        self.verify_json_with_mac(&BuiltInMac, headers, body, now)
    }

    /// [`Webhook::verify_json`] with the tags computed by `host` (see [`HostMac`]).
    pub fn verify_json_with_mac<H: HeaderSource + ?Sized>(
        &self,
        host: &dyn HostMac,
        headers: &H,
        body: &[u8],
        now: u64,
    ) -> Result<String, WebhookError> {
        self.verify_signature_with_mac(host, headers, body, now)?;
        canonical_event_json(body)
    }

    /// Verifies the signature (as [`Webhook::verify_signature`]), then reports the event's canonical values to
    /// `sink` (see [`crate::walk_event`]): how a binding builds its language's objects straight from the body.
    pub fn verify_into<H: HeaderSource + ?Sized, S: Sink + ?Sized>(
        &self,
        headers: &H,
        body: &[u8],
        now: u64,
        sink: &mut S,
    ) -> Result<Verified, WebhookError> {
        let verified = self.verify_signature(headers, body, now)?;
        walk_event(body, sink)?;
        Ok(verified)
    }

    /// Signs a message: the headers to send, with one signature per secret active at `timestamp`.
    ///
    /// Standard scheme: `webhook-id`, `webhook-timestamp` and `webhook-signature` (`v1,<base64>` entries). Fabric:
    /// `fabric-dropship-signature` (lowercase hex entries); `id` and `timestamp` are not signed there, and the
    /// timestamp only decides which secrets are active.
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> Result<SignedHeaders, WebhookError> {
        self.sign_active_at(id, timestamp, timestamp, body)
    }

    /// [`Webhook::sign`] with the secrets active at `active_at` (unix seconds) rather than at the signed
    /// `timestamp`: a sender decides which secrets are live on its own clock (a test clock, a clock moved forward to
    /// check a rotation) while the signed timestamp stays the real time receivers compare with theirs. Expired
    /// secrets stay in the set and are skipped, so one `Webhook` serves every attempt.
    pub fn sign_active_at(
        &self,
        id: &str,
        timestamp: u64,
        active_at: u64,
        body: &[u8],
    ) -> Result<SignedHeaders, WebhookError> {
        let active = self.active_keys(active_at)?;
        let headers = match self.scheme {
            Scheme::Standard => {
                let id = check_signing_id(id)
                    .map_err(|problem| WebhookError::InvalidHeader { name: WEBHOOK_ID, problem })?;
                let timestamp_text = timestamp.to_string();
                let prefix = SignedPrefix::new(id, &timestamp_text);
                let content = [prefix.as_bytes(), body];
                let mut signature = String::with_capacity(active.clone().count() * 48);
                for key in active {
                    if !signature.is_empty() {
                        signature.push(' ');
                    }
                    signature.push_str(VERSION_V1);
                    signature.push(',');
                    STANDARD.encode_string(key.tag(&BuiltInMac, &content), &mut signature);
                }
                alloc::vec![
                    (WEBHOOK_ID, id.to_string()),
                    (WEBHOOK_TIMESTAMP, timestamp_text),
                    (WEBHOOK_SIGNATURE, signature),
                ]
            }
            Scheme::Fabric => {
                let signatures: Vec<String> = active.map(|key| hex::encode(key.tag(&BuiltInMac, &[body]))).collect();
                alloc::vec![(FABRIC_SIGNATURE, signatures.join(" "))]
            }
        };
        Ok(SignedHeaders { headers })
    }
}

/// Refuses timestamps further than `tolerance` seconds from `now`, either way (the edges are accepted).
pub fn check_tolerance(timestamp: u64, now: u64, tolerance: u64) -> Result<(), WebhookError> {
    if timestamp.saturating_add(tolerance) < now {
        return Err(WebhookError::TimestampTooOld { timestamp, now, tolerance });
    }
    if timestamp > now.saturating_add(tolerance) {
        return Err(WebhookError::TimestampTooNew { timestamp, now, tolerance });
    }
    Ok(())
}

/// Whether two tags are equal, in time independent of where they differ.
fn tags_equal(expected: &Tag, candidate: &Tag) -> bool {
    bytes_equal(expected, candidate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Secret;

    const OLD: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const NEW: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    #[test]
    fn the_secrets_that_sign_are_those_active_at_the_senders_clock() {
        let webhook = Webhook::new([Secret::new(OLD).expires_at(100), Secret::new(NEW)]).unwrap();
        let count = |headers: SignedHeaders| headers.get(WEBHOOK_SIGNATURE).map(|value| value.split(' ').count());
        // Signed at 50: both are active at 50; by a clock at 200 only the new one is.
        assert_eq!(count(webhook.sign("msg_1", 50, b"{}").unwrap()), Some(2));
        let later = webhook.sign_active_at("msg_1", 50, 200, b"{}").unwrap();
        assert_eq!(later.get(WEBHOOK_TIMESTAMP), Some("50"));
        assert_eq!(count(later.clone()), Some(1));
        // The one signature left is the new secret's, and verifies at the signed time.
        let only_new = Webhook::new(NEW).unwrap();
        assert!(only_new.verify_signature(later.into_vec().as_slice(), b"{}", 50).is_ok());
        let none = Webhook::new(Secret::new(OLD).expires_at(100)).unwrap();
        assert_eq!(none.sign_active_at("msg_1", 50, 100, b"{}").map_err(|e| e.code()), Err("no_active_secret"));
    }

    /// Counts the tags it is asked for and leaves them to the built-in HMAC.
    struct CountingMac(core::cell::Cell<usize>);

    impl HostMac for CountingMac {
        fn hmac_sha256(&self, _: &[u8], _: &[&[u8]]) -> Option<[u8; 32]> {
            self.0.set(self.0.get() + 1);
            None
        }
    }

    #[test]
    fn headers_are_checked_without_the_body() {
        let webhook = Webhook::new(NEW).unwrap();
        let signed = webhook.sign("msg_1", 1_000, b"{}").unwrap().into_vec();
        assert!(webhook.check_headers(signed.as_slice(), 1_000).is_ok());
        let code = |headers: &[(&str, String)], now| webhook.check_headers(headers, now).map_err(|e| e.code());
        assert_eq!(code(&signed, 2_000), Err("timestamp_too_old"));
        assert_eq!(code(&signed[1..], 1_000), Err("missing_header"));
        let expired = Webhook::new(Secret::new(NEW).expires_at(500)).unwrap();
        assert_eq!(expired.check_headers(signed.as_slice(), 1_000).map_err(|e| e.code()), Err("no_active_secret"));
        let fabric = Webhook::with_scheme("a-fabric-secret-of-some-length", Scheme::Fabric).unwrap();
        assert_eq!(fabric.check_headers(signed.as_slice(), 1_000).map_err(|e| e.code()), Err("missing_header"));
        assert_eq!(Webhook::check_body_length(DEFAULT_BODY_LIMIT_BYTES, DEFAULT_BODY_LIMIT_BYTES), Ok(()));
        // Verification refuses a body over the limit after the headers, before any tag.
        let small = webhook.clone().body_limit(1);
        assert_eq!(
            small.verify_signature(signed.as_slice(), b"{}", 1_000).map_err(|e| e.code()),
            Err("payload_too_large")
        );
        assert_eq!(
            small.verify_signature(signed.as_slice(), b"{}", 2_000).map_err(|e| e.code()),
            Err("timestamp_too_old")
        );
        assert_eq!(small.tag_request(signed.as_slice(), 2, 1_000).map_err(|e| e.code()), Err("payload_too_large"));
        assert!(webhook.body_limit(2).verify_signature(signed.as_slice(), b"{}", 1_000).is_ok());
        let too_large = Webhook::check_body_length(DEFAULT_BODY_LIMIT_BYTES + 1, DEFAULT_BODY_LIMIT_BYTES);
        assert_eq!(too_large.map_err(|e| (e.code(), e.http_status())), Err(("payload_too_large", 413)));
    }

    #[test]
    fn signatures_that_cannot_be_tags_cost_no_hmac() {
        let secrets: Vec<Secret> = (0..MAX_SECRETS).map(|_| Secret::new(NEW)).collect();
        let webhook = Webhook::new(secrets).unwrap();
        let body = [b'x'; 4096];
        let signed = webhook.sign("msg_1", 1_000, &body).unwrap();
        let forge = |signature: &str| {
            let mut headers = signed.clone().into_vec();
            headers.retain(|(name, _)| *name != WEBHOOK_SIGNATURE);
            headers.push((WEBHOOK_SIGNATURE, signature.to_string()));
            headers
        };
        let host = CountingMac(core::cell::Cell::new(0));
        let junk = forge("v1,x v1,!!!! v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA- v1,");
        let refused = webhook.verify_signature_with_mac(&host, junk.as_slice(), &body, 1_000);
        assert_eq!(refused.map_err(|error| error.code()), Err("no_matching_signature"));
        assert_eq!(host.0.get(), 0, "no tag is computed when no signature could be one");
        assert!(webhook.tag_request(junk.as_slice(), 4096, 1_000).unwrap().secrets.is_empty());

        // One well-shaped (wrong) signature: every active secret is tried, as before.
        let wrong = forge(&alloc::format!("v1,{}", "A".repeat(43)));
        let refused = webhook.verify_signature_with_mac(&host, wrong.as_slice(), &body, 1_000);
        assert_eq!(refused.map_err(|error| error.code()), Err("no_matching_signature"));
        assert_eq!(host.0.get(), MAX_SECRETS);
        assert_eq!(webhook.tag_request(wrong.as_slice(), 4096, 1_000).unwrap().secrets.len(), MAX_SECRETS);
        assert!(webhook.verify_signature(signed.into_vec().as_slice(), &body, 1_000).is_ok());
    }
}
