//! The Node.js addon of dropship-webhooks: converts JS values to core types, calls the core, and turns core errors
//! into JS errors whose `code` is the core's stable code. No webhook logic lives here (CONVENTIONS.md §1); the
//! JS wrapper (`index.js`) adds the classes users see.

// The public JS API is documented in index.d.ts; these are the addon's private entry points.
#![allow(missing_docs)]

use dropship_webhooks::delivery::{BurstLimit, EndpointHealth, RateLimit, RetrySchedule};
use dropship_webhooks::endpoint::EndpointRules;
use dropship_webhooks::headers::{RelevantHeaders, RELEVANT_HEADERS};
use dropship_webhooks::options::{
    defaults_json as defaults_json_in, whole_number, whole_number_u32, Casing, WebhookOptions,
};
use dropship_webhooks::{canonical_event_json, generate_secret, SecretSet, Webhook, WebhookError};
use napi::bindgen_prelude::{Either, Uint8Array, Uint8ArraySlice};
use napi_derive::napi;

/// JavaScript spells option names in camelCase.
const JS: Casing = Casing::Camel;

/// The status of a thrown error: napi-rs sets it as the JS error's `code` property.
pub struct Code(&'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

type Result<T> = napi::Result<T, Code>;

fn thrown(error: WebhookError) -> napi::Error<Code> {
    napi::Error::new(Code(error.code()), error.to_string())
}

fn whole(value: f64, name: &'static str) -> Result<u64> {
    whole_number(value, name).map_err(thrown)
}

fn whole_u32(value: f64, name: &'static str) -> Result<u32> {
    whole_number_u32(value, name).map_err(thrown)
}

fn bytes(body: &Either<Uint8Array, String>) -> &[u8] {
    match body {
        Either::A(array) => array,
        Either::B(text) => text.as_bytes(),
    }
}

/// A body as the wrapper passes it: the bytes of a typed array (read in place) or a string.
fn body_bytes<'a>(body: &'a Either<Uint8ArraySlice<'_>, String>) -> &'a [u8] {
    match body {
        Either::A(array) => array,
        Either::B(text) => text.as_bytes(),
    }
}

/// The values the wrapper found under each of the [`RELEVANT_HEADERS`], in that order.
fn by_position(values: [&Option<String>; 7]) -> RelevantHeaders<'_> {
    RelevantHeaders(values.map(|value| value.as_deref()))
}

/// Flat `[name, value, name, value, …]` as pairs for the core's case-insensitive lookup.
fn pairs(flat: &[String]) -> Vec<(&str, &str)> {
    flat.chunks_exact(2).filter_map(|pair| Some((pair.first()?.as_str(), pair.get(1)?.as_str()))).collect()
}

/// The secrets as the wrapper passes them: `JSON.stringify` of `[{secret, expiresAt?, label?}, …]`.
fn secret_set(secrets_text: String) -> Result<SecretSet> {
    SecretSet::from_options(&secrets_text, JS).map_err(thrown)
}

/// What a signature check reports.
#[napi(object)]
pub struct VerifiedSignature {
    pub id: Option<String>,
    pub timestamp: Option<f64>,
    pub secret_index: u32,
    pub secret_label: Option<String>,
}

fn signature_report(verified: dropship_webhooks::Verified) -> VerifiedSignature {
    VerifiedSignature {
        id: verified.id,
        timestamp: verified.timestamp.map(|t| t as f64),
        secret_index: u32::try_from(verified.secret_index).unwrap_or(u32::MAX),
        secret_label: verified.secret_label,
    }
}

/// A secret set bound to a scheme and tolerance (the core's `Webhook`).
#[napi]
pub struct NativeWebhook {
    inner: Webhook,
}

#[napi]
impl NativeWebhook {
    #[napi(constructor)]
    pub fn new(secrets_text: String, options_text: Option<String>) -> Result<Self> {
        let options = WebhookOptions::from_json(options_text.as_deref(), JS).map_err(thrown)?;
        Ok(Self { inner: options.build(secret_set(secrets_text)?).map_err(thrown)? })
    }

    /// The scheme, tolerance and body limit in effect, as JSON.
    #[napi]
    pub fn options_json(&self) -> String {
        WebhookOptions {
            scheme: self.inner.scheme(),
            tolerance_seconds: self.inner.tolerance_seconds(),
            body_limit_bytes: self.inner.body_limit_bytes(),
        }
        .to_json(JS)
    }

    /// Every check made before the body is needed (headers, timestamp, an active secret, the declared `length`
    /// against the body limit), headers as flat `[name, value, …]`: the framework helpers call it before reading a
    /// byte of the body.
    #[napi]
    pub fn check_before_body(&self, headers: Vec<String>, length: f64, now: f64) -> Result<()> {
        self.inner.check_headers(pairs(&headers).as_slice(), whole(now, "now")?).map_err(thrown)?;
        Webhook::check_body_length(whole(length, "length")?, self.inner.body_limit_bytes()).map_err(thrown)
    }

    /// Checks the signature; the headers by position (see [`RelevantHeaders`]).
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn verify_signature(
        &self,
        body: Either<Uint8ArraySlice, String>,
        now: f64,
        webhook_id: Option<String>,
        webhook_timestamp: Option<String>,
        webhook_signature: Option<String>,
        fabric_signature: Option<String>,
        svix_id: Option<String>,
        svix_timestamp: Option<String>,
        svix_signature: Option<String>,
    ) -> Result<VerifiedSignature> {
        let headers = by_position([
            &webhook_id,
            &webhook_timestamp,
            &webhook_signature,
            &fabric_signature,
            &svix_id,
            &svix_timestamp,
            &svix_signature,
        ]);
        let verified = self.inner.verify_signature(&headers, body_bytes(&body), whole(now, "now")?).map_err(thrown)?;
        Ok(signature_report(verified))
    }

    /// Checks the signature with the headers as flat `[name, value, …]` (any case): the wrapper's path for header
    /// containers whose names are not all lowercase.
    #[napi]
    pub fn verify_signature_listed(
        &self,
        body: Either<Uint8ArraySlice, String>,
        headers: Vec<String>,
        now: f64,
    ) -> Result<VerifiedSignature> {
        let verified = self
            .inner
            .verify_signature(pairs(&headers).as_slice(), body_bytes(&body), whole(now, "now")?)
            .map_err(thrown)?;
        Ok(signature_report(verified))
    }

    /// Verifies and parses; the headers by position (see [`RelevantHeaders`]). The event as canonical JSON, which V8's
    /// `JSON.parse` reads faster than objects built through N-API; `undefined` when that JSON is the body itself
    /// byte for byte (a body sent in canonical form), so the wrapper parses the body and nothing is copied back.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn verify(
        &self,
        body: Either<Uint8ArraySlice, String>,
        now: f64,
        webhook_id: Option<String>,
        webhook_timestamp: Option<String>,
        webhook_signature: Option<String>,
        fabric_signature: Option<String>,
        svix_id: Option<String>,
        svix_timestamp: Option<String>,
        svix_signature: Option<String>,
    ) -> Result<Option<String>> {
        let headers = by_position([
            &webhook_id,
            &webhook_timestamp,
            &webhook_signature,
            &fabric_signature,
            &svix_id,
            &svix_timestamp,
            &svix_signature,
        ]);
        let bytes = body_bytes(&body);
        let event = self.inner.verify_json(&headers, bytes, whole(now, "now")?).map_err(thrown)?;
        Ok((event.as_bytes() != bytes).then_some(event))
    }

    /// [`NativeWebhook::verify`] with the headers as flat `[name, value, …]` (any case).
    #[napi]
    pub fn verify_listed(
        &self,
        body: Either<Uint8ArraySlice, String>,
        headers: Vec<String>,
        now: f64,
    ) -> Result<Option<String>> {
        let bytes = body_bytes(&body);
        let event = self.inner.verify_json(pairs(&headers).as_slice(), bytes, whole(now, "now")?).map_err(thrown)?;
        Ok((event.as_bytes() != bytes).then_some(event))
    }

    /// The headers to send, as flat `[name, value, …]`.
    #[napi]
    pub fn sign(&self, id: String, timestamp: f64, body: Either<Uint8Array, String>) -> Result<Vec<String>> {
        let signed = self.inner.sign(&id, whole(timestamp, "timestamp")?, bytes(&body)).map_err(thrown)?;
        Ok(signed.into_vec().into_iter().flat_map(|(name, value)| [name.to_owned(), value]).collect())
    }
}

#[napi]
pub fn parse_event_json(body: Either<Uint8Array, String>) -> Result<String> {
    canonical_event_json(bytes(&body)).map_err(thrown)
}

#[napi]
pub fn generate_secret_from(random: Uint8Array) -> Result<String> {
    generate_secret(&random).map_err(thrown)
}

/// The error a binding raises for an already-parsed body; `found` names what it got.
#[napi]
pub fn payload_not_raw(found: String) -> Result<()> {
    Err(thrown(WebhookError::payload_not_raw(found)))
}

/// The topic catalog as JSON.
#[napi]
pub fn topics_json() -> String {
    dropship_webhooks::topics::catalog_json()
}

/// The defaults the package exports as constants, as JSON.
#[napi]
pub fn defaults_json() -> String {
    defaults_json_in(JS)
}

/// The header names the schemes read (lowercase), so the wrapper passes only those across.
#[napi]
pub fn relevant_headers() -> Vec<String> {
    RELEVANT_HEADERS.iter().map(|name| (*name).to_owned()).collect()
}

/// Every error code with its family (`verification`, `payload` or `usage`) and HTTP status, as JSON.
#[napi]
pub fn error_kinds_json() -> String {
    WebhookError::catalog_json()
}

// The cold helpers: option sets arrive as `JSON.stringify`'s text (read by the core's options layer, camelCase) and
// answers leave as JSON text the wrapper parses.

fn schedule(options_text: Option<String>) -> Result<RetrySchedule> {
    RetrySchedule::from_options(options_text.as_deref(), JS).map_err(thrown)
}

fn health(state: Option<String>) -> Result<EndpointHealth> {
    EndpointHealth::from_json(state.as_deref(), JS).map_err(thrown)
}

#[napi]
pub fn retry_schedule_json(options_text: Option<String>) -> Result<String> {
    Ok(schedule(options_text)?.to_json(JS))
}

#[napi]
pub fn next_retry_delay(failures: f64, random: f64, options_text: Option<String>) -> Result<Option<f64>> {
    Ok(schedule(options_text)?.next_delay_ms(whole_u32(failures, "failures")?, random).map(|ms| ms as f64))
}

#[napi]
pub fn retry_after_delay(header: Option<String>, now: f64, options_text: Option<String>) -> Result<Option<f64>> {
    Ok(schedule(options_text)?.retry_after_ms(header.as_deref(), whole(now, "now")?).map(|ms| ms as f64))
}

#[napi]
pub fn health_record_failure(state: Option<String>, at: f64, window_seconds: f64) -> Result<String> {
    let window = whole(window_seconds, "windowSeconds")?;
    Ok(health(state)?.record_failure(whole(at, "at")?, window).to_json(JS))
}

#[napi]
pub fn health_record_success(state: Option<String>) -> Result<String> {
    Ok(health(state)?.record_success().to_json(JS))
}

#[napi]
pub fn health_reactivate(state: Option<String>) -> Result<String> {
    Ok(health(state)?.reactivate().to_json(JS))
}

#[napi]
pub fn rate_limit_check(rate: f64, tat_us: f64, now_us: f64) -> Result<String> {
    Ok(RateLimit(whole_u32(rate, "rate")?).decide(whole(tat_us, "tatUs")?, whole(now_us, "nowUs")?).to_json(JS))
}

#[napi]
pub fn burst_allows(burst: f64, in_flight: f64) -> Result<bool> {
    Ok(BurstLimit(whole_u32(burst, "burst")?).allows(whole_u32(in_flight, "inFlight")?))
}

/// The endpoint rules over the configuration's JSON; the valid configuration as JSON.
#[napi]
pub fn validate_endpoint_json(config: String, allow_insecure_loopback: bool) -> Result<String> {
    EndpointRules { allow_insecure_loopback }.validate_json(&config, JS).map_err(thrown)
}
