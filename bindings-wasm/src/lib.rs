//! The WebAssembly build of dropship-webhooks: converts JS values to core types, calls the core, and throws core
//! errors as JS `Error`s whose `code` is the core's code. It exports the same entry points, with the same names,
//! as the Node addon, so one JS layer (`api.js`) serves both packages. No webhook logic lives here.

// The public JS API is documented in index.d.ts; these are the module's private entry points.
#![allow(missing_docs)]

use dropship_webhooks::delivery::{BurstLimit, EndpointHealth, RateLimit, RetrySchedule};
use dropship_webhooks::endpoint::EndpointRules;
use dropship_webhooks::headers::{HeaderSource, RELEVANT_HEADERS};
use dropship_webhooks::options::{
    defaults_json as defaults_json_in, whole_number, whole_number_u32, Casing, WebhookOptions,
};
use dropship_webhooks::{canonical_event_json, generate_secret, HostMac, SecretSet, Verified, Webhook, WebhookError};
use js_sys::{Array, Error, Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

/// JavaScript spells option names in camelCase.
const JS: Casing = Casing::Camel;

type Result<T> = core::result::Result<T, JsValue>;

/// A JS `Error` with `code` set to the core's code.
fn thrown(error: WebhookError) -> JsValue {
    let js = Error::new(&error.to_string());
    let _ = Reflect::set(&js, &"code".into(), &error.code().into());
    js.into()
}

fn whole(value: f64, name: &'static str) -> Result<u64> {
    whole_number(value, name).map_err(thrown)
}

fn whole_u32(value: f64, name: &'static str) -> Result<u32> {
    whole_number_u32(value, name).map_err(thrown)
}

/// A body as bytes: a string is UTF-8 encoded, a Uint8Array (a Buffer too) copied into the module's memory once.
fn bytes(body: &JsValue) -> Vec<u8> {
    if let Some(text) = body.as_string() {
        return text.into_bytes();
    }
    match body.dyn_ref::<Uint8Array>() {
        Some(array) => array.to_vec(),
        // Not a view (an ArrayBuffer): `new Uint8Array` makes one over it.
        None => Uint8Array::new(body).to_vec(),
    }
}

fn pairs(flat: &[String]) -> Vec<(&str, &str)> {
    flat.chunks_exact(2).filter_map(|pair| Some((pair.first()?.as_str(), pair.get(1)?.as_str()))).collect()
}

/// The secrets as the wrapper passes them: `JSON.stringify` of `[{secret, expiresAt?, label?}, …]`.
fn secret_set(secrets_text: String) -> Result<SecretSet> {
    SecretSet::from_options(&secrets_text, JS).map_err(thrown)
}

/// Below this much signed content the module's own SHA-256 is faster than a call out to the host's (measured in
/// Node: 9.3 µs against 11.6 µs at 1 KiB, 18 µs against 11 µs at 4 KiB; in workerd the host's helps only past
/// that too).
const HOST_MAC_MIN_BYTES: usize = 2048;

/// The host's synchronous HMAC-SHA256 (`node:crypto` where the runtime has it), called as
/// `hmac(key, ...parts)` and answering the 32-byte tag; SHA-256 compiled to wasm is several times slower.
struct JsHostMac<'a> {
    /// None: the runtime has no synchronous HMAC, the module computes every tag.
    function: Option<&'a Function>,
    /// The body as JS passed it, and its copy in the module's memory: the body part goes back to the host as the
    /// value it came from, so it is not copied out again.
    body: &'a JsValue,
    body_bytes: &'a [u8],
}

impl HostMac for JsHostMac<'_> {
    fn hmac_sha256(&self, key: &[u8], parts: &[&[u8]]) -> Option<[u8; 32]> {
        let function = self.function?;
        if parts.iter().map(|part| part.len()).sum::<usize>() < HOST_MAC_MIN_BYTES {
            return None;
        }
        let arguments = Array::new();
        arguments.push(&Uint8Array::from(key));
        for part in parts {
            if part.as_ptr() == self.body_bytes.as_ptr() && part.len() == self.body_bytes.len() {
                arguments.push(self.body);
            } else {
                arguments.push(&Uint8Array::from(*part));
            }
        }
        // A host that throws or answers something else leaves the tag to the built-in HMAC.
        let tag = function.apply(&JsValue::NULL, &arguments).ok()?.dyn_into::<Uint8Array>().ok()?;
        let mut out = [0u8; 32];
        (tag.length() == 32).then(|| tag.copy_to(&mut out)).map(|()| out)
    }
}

/// `[id, timestamp, secretIndex, secretLabel]`: one `Array.of` call, where an object costs a call per property.
fn report(verified: Verified) -> JsValue {
    let optional_text = |value: Option<String>| value.map_or(JsValue::NULL, |text| text.into());
    Array::of4(
        &optional_text(verified.id),
        &verified.timestamp.map_or(JsValue::NULL, |t| (t as f64).into()),
        &(verified.secret_index as f64).into(),
        &optional_text(verified.secret_label),
    )
    .into()
}

/// Tags as the host hands them: 32 bytes each, back to back (a short tail is no tag).
fn tag_list(flat: &[u8]) -> Vec<[u8; 32]> {
    flat.chunks_exact(32).filter_map(|chunk| chunk.try_into().ok()).collect()
}

#[wasm_bindgen]
pub struct NativeWebhook {
    inner: Webhook,
    host_mac: Option<Function>,
}

#[wasm_bindgen]
impl NativeWebhook {
    /// `host_mac`: the host's HMAC (see [`JsHostMac`]), or `undefined` for the built-in one.
    #[wasm_bindgen(constructor)]
    pub fn new(
        secrets_text: String,
        options_text: Option<String>,
        host_mac: Option<Function>,
    ) -> Result<NativeWebhook> {
        let options = WebhookOptions::from_json(options_text.as_deref(), JS).map_err(thrown)?;
        Ok(Self { inner: options.build(secret_set(secrets_text)?).map_err(thrown)?, host_mac })
    }

    /// The scheme and tolerance in effect, as JSON.
    #[wasm_bindgen(js_name = optionsJson)]
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
    /// byte of the body. The checks of `tagRequest`, whose code it shares.
    #[wasm_bindgen(js_name = checkBeforeBody)]
    pub fn check_before_body(&self, headers: Vec<String>, length: f64, now: f64) -> Result<()> {
        let length = whole(length, "length")?;
        self.inner.tag_request(pairs(&headers).as_slice(), length, whole(now, "now")?).map(|_| ()).map_err(thrown)
    }

    /// Checks the signature with the headers as flat `[name, value, …]` (any case). `tags`: the host's tags for
    /// `tagRequest`'s secrets (32 bytes each, in its order), when the host computed them.
    #[wasm_bindgen(js_name = verifySignatureListed)]
    pub fn verify_signature_listed(
        &self,
        body: JsValue,
        headers: Vec<String>,
        now: f64,
        tags: Option<Vec<u8>>,
    ) -> Result<JsValue> {
        let (verified, _) = self.checked(pairs(&headers).as_slice(), &body, now, tags)?;
        Ok(report(verified))
    }

    /// Verifies and parses, with the headers as flat `[name, value, …]` (any case). The canonical JSON, or
    /// `undefined` when it is the body itself byte for byte (the wrapper then parses the body). `tags`: as for
    /// `verifySignatureListed`.
    #[wasm_bindgen(js_name = verifyListed)]
    pub fn verify_listed(
        &self,
        body: JsValue,
        headers: Vec<String>,
        now: f64,
        tags: Option<Vec<u8>>,
    ) -> Result<Option<String>> {
        let (_, bytes) = self.checked(pairs(&headers).as_slice(), &body, now, tags)?;
        let event = canonical_event_json(&bytes).map_err(thrown)?;
        Ok((event.as_bytes() != bytes.as_slice()).then_some(event))
    }

    /// The signature check, with the host's tags when it computed them, else with its synchronous HMAC (or the
    /// module's): what was verified, and the body's bytes.
    fn checked(
        &self,
        headers: &(impl HeaderSource + ?Sized),
        body: &JsValue,
        now: f64,
        tags: Option<Vec<u8>>,
    ) -> Result<(Verified, Vec<u8>)> {
        let bytes = bytes(body);
        let now = whole(now, "now")?;
        let verified = match tags {
            Some(tags) => self.inner.verify_signature_with_tags(headers, &bytes, now, &tag_list(&tags)),
            None => {
                let host = JsHostMac { function: self.host_mac.as_ref(), body, body_bytes: &bytes };
                self.inner.verify_signature_with_mac(&host, headers, &bytes, now)
            }
        };
        Ok((verified.map_err(thrown)?, bytes))
    }

    /// What the host signs for an asynchronous check (`crypto.subtle`): `[prefix, ...secretIndices]`, after every
    /// check that needs no tag (whose errors are thrown here, as verification would throw them).
    #[wasm_bindgen(js_name = tagRequest)]
    pub fn tag_request(&self, headers: Vec<String>, body_length: f64, now: f64) -> Result<Array> {
        let length = whole(body_length, "bodyLength")?;
        let request = self.inner.tag_request(pairs(&headers).as_slice(), length, whole(now, "now")?).map_err(thrown)?;
        let answer = Array::of1(&Uint8Array::from(request.prefix.as_slice()));
        for index in request.secrets {
            answer.push(&(index as f64).into());
        }
        Ok(answer)
    }

    /// The HMAC key of one secret (see `tagRequest`).
    #[wasm_bindgen(js_name = secretKey)]
    pub fn secret_key(&self, index: u32) -> Option<Vec<u8>> {
        self.inner.secret_key(index as usize).map(<[u8]>::to_vec)
    }

    pub fn sign(&self, id: &str, timestamp: f64, body: JsValue) -> Result<Vec<String>> {
        let signed = self.inner.sign(id, whole(timestamp, "timestamp")?, &bytes(&body)).map_err(thrown)?;
        Ok(signed.into_vec().into_iter().flat_map(|(name, value)| [name.to_owned(), value]).collect())
    }
}

#[wasm_bindgen(js_name = parseEventJson)]
pub fn parse_event_json(body: JsValue) -> Result<String> {
    canonical_event_json(&bytes(&body)).map_err(thrown)
}

#[wasm_bindgen(js_name = generateSecretFrom)]
pub fn generate_secret_from(random: JsValue) -> Result<String> {
    generate_secret(&bytes(&random)).map_err(thrown)
}

#[wasm_bindgen(js_name = payloadNotRaw)]
pub fn payload_not_raw(found: String) -> Result<()> {
    Err(thrown(WebhookError::payload_not_raw(found)))
}

#[wasm_bindgen(js_name = topicsJson)]
pub fn topics_json() -> String {
    dropship_webhooks::topics::catalog_json()
}

/// Whether this build takes the host's HMAC (the Node addon computes natively and does not).
#[wasm_bindgen(js_name = acceptsHostMac)]
pub fn accepts_host_mac() -> bool {
    true
}

#[wasm_bindgen(js_name = defaultsJson)]
pub fn defaults_json() -> String {
    defaults_json_in(JS)
}

#[wasm_bindgen(js_name = relevantHeaders)]
pub fn relevant_headers() -> Vec<String> {
    RELEVANT_HEADERS.iter().map(|name| (*name).to_owned()).collect()
}

#[wasm_bindgen(js_name = errorKindsJson)]
pub fn error_kinds_json() -> String {
    WebhookError::catalog_json()
}

// The cold helpers: option sets arrive as `JSON.stringify`'s text (read by the core's options layer, camelCase) and
// answers leave as JSON text the wrapper parses — the same entry points as the Node addon's.

fn schedule(options_text: Option<String>) -> Result<RetrySchedule> {
    RetrySchedule::from_options(options_text.as_deref(), JS).map_err(thrown)
}

fn health(state: Option<String>) -> Result<EndpointHealth> {
    EndpointHealth::from_json(state.as_deref(), JS).map_err(thrown)
}

#[wasm_bindgen(js_name = retryScheduleJson)]
pub fn retry_schedule_json(options_text: Option<String>) -> Result<String> {
    Ok(schedule(options_text)?.to_json(JS))
}

#[wasm_bindgen(js_name = nextRetryDelay)]
pub fn next_retry_delay(failures: f64, random: f64, options_text: Option<String>) -> Result<Option<f64>> {
    Ok(schedule(options_text)?.next_delay_ms(whole_u32(failures, "failures")?, random).map(|ms| ms as f64))
}

#[wasm_bindgen(js_name = retryAfterDelay)]
pub fn retry_after_delay(header: Option<String>, now: f64, options_text: Option<String>) -> Result<Option<f64>> {
    Ok(schedule(options_text)?.retry_after_ms(header.as_deref(), whole(now, "now")?).map(|ms| ms as f64))
}

#[wasm_bindgen(js_name = healthRecordFailure)]
pub fn health_record_failure(state: Option<String>, at: f64, window_seconds: f64) -> Result<String> {
    let window = whole(window_seconds, "windowSeconds")?;
    Ok(health(state)?.record_failure(whole(at, "at")?, window).to_json(JS))
}

#[wasm_bindgen(js_name = healthRecordSuccess)]
pub fn health_record_success(state: Option<String>) -> Result<String> {
    Ok(health(state)?.record_success().to_json(JS))
}

#[wasm_bindgen(js_name = healthReactivate)]
pub fn health_reactivate(state: Option<String>) -> Result<String> {
    Ok(health(state)?.reactivate().to_json(JS))
}

#[wasm_bindgen(js_name = rateLimitCheck)]
pub fn rate_limit_check(rate: f64, tat_us: f64, now_us: f64) -> Result<String> {
    Ok(RateLimit(whole_u32(rate, "rate")?).decide(whole(tat_us, "tatUs")?, whole(now_us, "nowUs")?).to_json(JS))
}

#[wasm_bindgen(js_name = burstAllows)]
pub fn burst_allows(burst: f64, in_flight: f64) -> Result<bool> {
    Ok(BurstLimit(whole_u32(burst, "burst")?).allows(whole_u32(in_flight, "inFlight")?))
}

#[wasm_bindgen(js_name = validateEndpointJson)]
pub fn validate_endpoint_json(config: String, allow_insecure_loopback: bool) -> Result<String> {
    EndpointRules { allow_insecure_loopback }.validate_json(&config, JS).map_err(thrown)
}
