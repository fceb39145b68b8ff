//! The Node.js addon of dropship-webhooks: converts JS values to core types, calls the core, and turns core errors
//! into JS errors whose `code` is the core's stable code. No webhook logic lives here (CONVENTIONS.md §1); the
//! JS wrapper (`index.js`) adds the classes users see.

// The public JS API is documented in index.d.ts; these are the addon's private entry points.
#![allow(missing_docs)]

use dropship_webhooks::delivery::{BurstLimit, EndpointHealth, HealthStatus, RateLimit, RetryOverrides, RetrySchedule};
use dropship_webhooks::endpoint::{EndpointRequest, EndpointRules};
use dropship_webhooks::headers::{RelevantHeaders, RELEVANT_HEADERS};
use dropship_webhooks::{canonical_event_json, generate_secret, Scheme, Secret, SecretSet, Webhook, WebhookError};
use napi::bindgen_prelude::{Either, Uint8Array, Uint8ArraySlice};
use napi_derive::napi;

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
    dropship_webhooks::error::whole_number(value, name).map_err(thrown)
}

fn whole_u32(value: f64, name: &'static str) -> Result<u32> {
    dropship_webhooks::error::whole_number_u32(value, name).map_err(thrown)
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

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// One secret as JS passes it.
#[napi(object)]
pub struct SecretSpec {
    pub secret: String,
    pub expires_at: Option<f64>,
    pub label: Option<String>,
}

fn secret_set(specs: Vec<SecretSpec>) -> Result<SecretSet> {
    specs
        .into_iter()
        .map(|spec| {
            let expiry = spec.expires_at.map(|at| whole(at, "expiresAt")).transpose()?;
            Ok(Secret::new(spec.secret).with_expiry(expiry).with_label(spec.label))
        })
        .collect()
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
    pub fn new(secrets: Vec<SecretSpec>, scheme: String, tolerance_seconds: f64) -> Result<Self> {
        let scheme = Scheme::from_name(&scheme).map_err(thrown)?;
        let tolerance = whole(tolerance_seconds, "toleranceSeconds")?;
        let inner = Webhook::with_scheme(secret_set(secrets)?, scheme).map_err(thrown)?.tolerance(tolerance);
        Ok(Self { inner })
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

/// A retry schedule as JS passes it; absent fields take the defaults.
#[napi(object)]
pub struct ScheduleSpec {
    pub base_delay_ms: Option<f64>,
    pub factor: Option<f64>,
    pub max_delay_ms: Option<f64>,
    pub max_retries: Option<f64>,
    pub jitter_percent: Option<f64>,
    pub min_retry_after_ms: Option<f64>,
}

fn schedule(spec: Option<ScheduleSpec>) -> Result<RetrySchedule> {
    let Some(spec) = spec else { return Ok(RetrySchedule::default()) };
    let field = |value: Option<f64>, name| value.map(|v| whole(v, name)).transpose();
    RetrySchedule::with_overrides(RetryOverrides {
        base_delay_ms: field(spec.base_delay_ms, "baseDelayMs")?,
        factor: field(spec.factor, "factor")?,
        max_delay_ms: field(spec.max_delay_ms, "maxDelayMs")?,
        max_retries: field(spec.max_retries, "maxRetries")?,
        jitter_percent: field(spec.jitter_percent, "jitterPercent")?,
        min_retry_after_ms: field(spec.min_retry_after_ms, "minRetryAfterMs")?,
    })
    .map_err(thrown)
}

#[napi]
pub fn retry_schedule_json(spec: Option<ScheduleSpec>) -> Result<String> {
    Ok(json(&schedule(spec)?))
}

#[napi]
pub fn next_retry_delay(failures: f64, random: f64, spec: Option<ScheduleSpec>) -> Result<Option<f64>> {
    Ok(schedule(spec)?.next_delay_ms(whole_u32(failures, "failures")?, random).map(|ms| ms as f64))
}

#[napi]
pub fn retry_after_delay(header: Option<String>, now: f64, spec: Option<ScheduleSpec>) -> Result<Option<f64>> {
    Ok(schedule(spec)?.retry_after_ms(header.as_deref(), whole(now, "now")?).map(|ms| ms as f64))
}

/// An endpoint's health as JS holds it.
#[napi(object)]
pub struct HealthState {
    pub status: String,
    pub failing_since: Option<f64>,
}

fn health_in(state: Option<HealthState>) -> Result<EndpointHealth> {
    let Some(state) = state else { return Ok(EndpointHealth::HEALTHY) };
    Ok(EndpointHealth {
        status: HealthStatus::from_name(&state.status).map_err(thrown)?,
        failing_since: state.failing_since.map(|at| whole(at, "failingSince")).transpose()?,
    })
}

fn health_out(health: EndpointHealth) -> HealthState {
    HealthState { status: health.status.name().to_owned(), failing_since: health.failing_since.map(|at| at as f64) }
}

#[napi]
pub fn health_record_failure(state: Option<HealthState>, at: f64, window_seconds: f64) -> Result<HealthState> {
    let window = whole(window_seconds, "windowSeconds")?;
    Ok(health_out(health_in(state)?.record_failure(whole(at, "at")?, window)))
}

#[napi]
pub fn health_record_success(state: Option<HealthState>) -> Result<HealthState> {
    Ok(health_out(health_in(state)?.record_success()))
}

#[napi]
pub fn health_reactivate(state: Option<HealthState>) -> Result<HealthState> {
    Ok(health_out(health_in(state)?.reactivate()))
}

/// `{ nextTatUs }` when a request may go now, `{ waitUs }` otherwise.
#[napi(object)]
pub struct RateDecision {
    pub next_tat_us: Option<f64>,
    pub wait_us: Option<f64>,
}

#[napi]
pub fn rate_limit_check(rate: f64, tat_us: f64, now_us: f64) -> Result<RateDecision> {
    Ok(match RateLimit(whole_u32(rate, "rate")?).check(whole(tat_us, "tatUs")?, whole(now_us, "nowUs")?) {
        Ok(next) => RateDecision { next_tat_us: Some(next as f64), wait_us: None },
        Err(wait) => RateDecision { next_tat_us: None, wait_us: Some(wait as f64) },
    })
}

#[napi]
pub fn burst_allows(burst: f64, in_flight: f64) -> Result<bool> {
    Ok(BurstLimit(whole_u32(burst, "burst")?).allows(whole_u32(in_flight, "inFlight")?))
}

/// An endpoint configuration as JS passes it.
#[napi(object)]
pub struct EndpointSpec {
    pub url: String,
    pub topics: Vec<String>,
    pub method: Option<String>,
    pub rate_limit: Option<f64>,
    pub burst_limit: Option<f64>,
    pub scheme: Option<String>,
    pub secrets: Vec<SecretSpec>,
}

/// The endpoint rules; the valid configuration as JSON.
#[napi]
pub fn validate_endpoint_json(spec: EndpointSpec, allow_insecure_loopback: bool) -> Result<String> {
    let topics: Vec<&str> = spec.topics.iter().map(String::as_str).collect();
    let secrets = secret_set(spec.secrets)?;
    // Limits may be negative here: the core refuses them with the field named (an i64 holds every JS integer).
    let limit = |value: Option<f64>| value.map_or(0, |v| if v.is_finite() { v as i64 } else { -1 });
    let request = EndpointRequest {
        url: &spec.url,
        topics: &topics,
        method: spec.method.as_deref().unwrap_or("POST"),
        rate_limit: limit(spec.rate_limit),
        burst_limit: limit(spec.burst_limit),
        scheme: Scheme::from_name(spec.scheme.as_deref().unwrap_or("standard")).map_err(thrown)?,
        secrets: &secrets,
    };
    let rules = EndpointRules { allow_insecure_loopback };
    rules.validate(&request).map(|config| json(&config)).map_err(thrown)
}
