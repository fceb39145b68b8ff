//! The Python extension of dropship-webhooks (`dropship_webhooks._native`): converts Python values to core types,
//! calls the core, and raises the core's errors as `WebhookError` subclasses carrying `.code`. No webhook logic
//! lives here (CONVENTIONS.md §1); `dropship_webhooks/__init__.py` re-exports it with the framework helpers.

// The Python API is documented in the package's stubs and docstrings; these are the extension's entry points.
#![allow(missing_docs)]

use dropship_webhooks::delivery::{BurstLimit, EndpointHealth, RateLimit, RetrySchedule};
use dropship_webhooks::endpoint::EndpointRules;
use dropship_webhooks::headers::RELEVANT_HEADERS;
use dropship_webhooks::options::{defaults_json as defaults_json_in, Casing, WebhookOptions};
use dropship_webhooks::{
    generate_secret, walk_event, ErrorKind, Scheme, SecretSet, Webhook, WebhookError as CoreError,
};
mod objects;

use objects::ObjectSink;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple};

/// Python spells option names in snake_case.
const PY: Casing = Casing::Snake;

// The Rust names are the Python names (create_exception! uses them), hence the core's error is imported as CoreError.
create_exception!(dropship_webhooks, WebhookError, PyValueError, "Base class of every error; `.code` is stable.");
create_exception!(dropship_webhooks, WebhookVerificationError, WebhookError, "The request cannot be trusted.");
create_exception!(dropship_webhooks, WebhookPayloadError, WebhookError, "The body is not a raw, valid event.");

/// The core error as the exception class of its family, with `.code` set.
fn raise(py: Python<'_>, error: CoreError) -> PyErr {
    let message = error.to_string();
    let exception = match error.kind() {
        ErrorKind::Verification => WebhookVerificationError::new_err(message),
        ErrorKind::Payload => WebhookPayloadError::new_err(message),
        ErrorKind::Usage => WebhookError::new_err(message),
    };
    let value = exception.value(py);
    if let Err(failure) =
        value.setattr("code", error.code()).and_then(|()| value.setattr("status", error.http_status()))
    {
        return failure;
    }
    exception
}

fn option(py: Python<'_>, name: &'static str, problem: &'static str) -> PyErr {
    raise(py, CoreError::InvalidOption { name, problem })
}

/// A Python number of seconds (int, float or datetime) as `u64`.
fn seconds(value: &Bound<'_, PyAny>, name: &'static str) -> PyResult<u64> {
    let py = value.py();
    if value.hasattr("timestamp")? && !value.is_instance_of::<pyo3::types::PyFloat>() {
        return seconds(&value.call_method0("timestamp")?, name);
    }
    if let Ok(whole) = value.extract::<u64>() {
        return Ok(whole);
    }
    match value.extract::<f64>() {
        Ok(float) if float.is_finite() && (0.0..=1.8e19).contains(&float) => Ok(float as u64),
        _ => Err(option(py, name, "it must be a whole number of 0 or more (or a datetime)")),
    }
}

/// A whole number of bytes (an `int` of 0 or more; `bool` is not one).
fn byte_count(py: Python<'_>, value: &Bound<'_, PyAny>, name: &'static str) -> PyResult<u64> {
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(option(py, name, "it must be a whole number of bytes, 0 or more"));
    }
    value.extract::<u64>().map_err(|_| option(py, name, "it must be a whole number of bytes, 0 or more"))
}

/// The raw body: bytes, bytearray, memoryview (or any buffer) or str; a parsed value is `payload_not_raw`.
enum Body<'py> {
    Borrowed(Bound<'py, PyBytes>),
    Owned(Vec<u8>),
}

impl Body<'_> {
    fn bytes(&self) -> PyResult<&[u8]> {
        match self {
            Self::Borrowed(bytes) => Ok(bytes.as_bytes()),
            Self::Owned(bytes) => Ok(bytes),
        }
    }
}

fn body<'py>(value: &Bound<'py, PyAny>) -> PyResult<Body<'py>> {
    if let Ok(bytes) = value.cast::<PyBytes>() {
        return Ok(Body::Borrowed(bytes.clone()));
    }
    if let Ok(text) = value.cast::<PyString>() {
        // A str with lone surrogates has no UTF-8 form: it came from bytes decoded with errors="surrogateescape",
        // so it is not the body that was signed. The payload error says so, rather than a UnicodeEncodeError.
        return text.encode_utf8().map(Body::Borrowed).map_err(|_| {
            let found = "str holding lone surrogates (bytes decoded with errors=\"surrogateescape\")";
            raise(value.py(), CoreError::payload_not_raw(found))
        });
    }
    if let Ok(array) = value.cast::<PyByteArray>() {
        return Ok(Body::Owned(array.to_vec()));
    }
    // memoryview (and array.array, numpy arrays): the buffer protocol is outside the abi3-py39 API, tobytes is not.
    if value.get_type().name()? == "memoryview" || value.hasattr("tobytes")? {
        if let Ok(bytes) = value.call_method0("tobytes") {
            if let Ok(bytes) = bytes.cast::<PyBytes>() {
                return Ok(Body::Borrowed(bytes.clone()));
            }
        }
    }
    let found = value.get_type().name()?.to_string();
    Err(raise(value.py(), CoreError::payload_not_raw(found)))
}

/// The headers the schemes read, from any mapping (dict, Werkzeug, Starlette, Django) or list of pairs, any case.
fn headers(value: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    if value.is_none() {
        return Ok(pairs);
    }
    let items = if let Ok(dict) = value.cast::<PyDict>() {
        dict.items().into_any()
    } else if value.cast::<PyMapping>().is_ok() || value.hasattr("items")? {
        value.call_method0("items")?
    } else {
        value.clone()
    };
    for item in items.try_iter()? {
        let (name, header_value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let Ok(name) = name.extract::<String>() else { continue };
        if !RELEVANT_HEADERS.iter().any(|relevant| relevant.eq_ignore_ascii_case(&name)) {
            continue;
        }
        if let Ok(text) = header_value.extract::<String>() {
            pairs.push((name, text));
        } else if let Ok(bytes) = header_value.extract::<Vec<u8>>() {
            pairs.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        } else if let Ok(many) = header_value.extract::<Vec<String>>() {
            pairs.extend(many.into_iter().map(|text| (name.clone(), text)));
        }
    }
    Ok(pairs)
}

/// A Python value written as the JSON the core's options layer reads: mappings, lists and tuples, str, int, float,
/// bool and None as themselves; a datetime as its unix timestamp; an object with a `secret` attribute (`Secret`, a
/// dataclass) as the mapping of its `secret`, `expires_at` and `label`. Floats JSON cannot hold (NaN, ±inf), strs
/// with lone surrogates and other types become a marker no option kind accepts, so the field is refused by name.
fn json_text(value: &Bound<'_, PyAny>) -> PyResult<String> {
    let mut out = String::new();
    write_json(value, &mut out)?;
    Ok(out)
}

const UNSUPPORTED: &str = r#"{"unsupported":null}"#;

fn write_json(value: &Bound<'_, PyAny>, out: &mut String) -> PyResult<()> {
    let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
    if value.is_none() {
        out.push_str("null");
    } else if let Ok(flag) = value.cast::<PyBool>() {
        out.push_str(if flag.is_true() { "true" } else { "false" });
    } else if value.is_instance_of::<PyString>() {
        out.push_str(&value.extract::<String>().map_or_else(|_| UNSUPPORTED.to_owned(), |text| quoted(&text)));
    } else if value.is_instance_of::<PyInt>() {
        // Python ints are exact at any size; the reader refuses what does not fit the field.
        out.push_str(&value.str()?.extract::<String>()?);
    } else if let Ok(float) = value.cast::<PyFloat>() {
        let number = float.value();
        out.push_str(&if number.is_finite() { format!("{number:?}") } else { UNSUPPORTED.to_owned() });
    } else if let Ok(mapping) = value.cast::<PyMapping>() {
        out.push('{');
        let mut first = true;
        for item in mapping.items()?.try_iter()? {
            let (key, item): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
            let Ok(key) = key.extract::<String>() else { continue };
            if !std::mem::take(&mut first) {
                out.push(',');
            }
            out.push_str(&quoted(&key));
            out.push(':');
            write_json(&item, out)?;
        }
        out.push('}');
    } else if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
        write_list(value, out)?;
    } else if value.hasattr("timestamp")? {
        write_json(&value.call_method0("timestamp")?, out)?;
    } else if value.hasattr("secret")? {
        let fields = PyDict::new(value.py());
        for name in ["secret", "expires_at", "label"] {
            if value.hasattr(name)? {
                fields.set_item(name, value.getattr(name)?)?;
            }
        }
        write_json(fields.as_any(), out)?;
    } else {
        out.push_str(UNSUPPORTED);
    }
    Ok(())
}

fn write_list(value: &Bound<'_, PyAny>, out: &mut String) -> PyResult<()> {
    out.push('[');
    for (index, item) in value.try_iter()?.enumerate() {
        if index > 0 {
            out.push(',');
        }
        write_json(&item?, out)?;
    }
    out.push(']');
    Ok(())
}

/// One secret or a list of them: each a str, a mapping with `secret` (and `expires_at`/`label`), or an object with
/// those attributes; a bad one is `invalid_secret` naming its position.
fn secret_set(value: &Bound<'_, PyAny>) -> PyResult<SecretSet> {
    let mut secrets = json_text(value)?;
    if secrets == UNSUPPORTED {
        // Any other iterable (a generator, a set) as a list.
        secrets.clear();
        write_list(value, &mut secrets)?;
    }
    SecretSet::from_options(&secrets, PY).map_err(|error| raise(value.py(), error))
}

/// What a signature check reports.
#[pyclass(name = "VerifiedSignature", module = "dropship_webhooks", frozen, get_all)]
pub struct PyVerifiedSignature {
    id: Option<String>,
    timestamp: Option<u64>,
    secret_index: usize,
    secret_label: Option<String>,
}

#[pymethods]
impl PyVerifiedSignature {
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let repr = |value: Option<&str>| -> PyResult<String> {
            value.map_or(Ok("None".to_owned()), |text| PyString::new(py, text).repr().map(|r| r.to_string()))
        };
        let timestamp = self.timestamp.map_or("None".to_owned(), |t| t.to_string());
        Ok(format!(
            "VerifiedSignature(id={}, timestamp={timestamp}, secret_index={}, secret_label={})",
            repr(self.id.as_deref())?,
            self.secret_index,
            repr(self.secret_label.as_deref())?
        ))
    }
}

/// Verifies and signs webhooks with one or more secrets (the core's `Webhook`).
#[pyclass(name = "Webhook", module = "dropship_webhooks", frozen, subclass)]
pub struct PyWebhook {
    inner: Webhook,
}

fn now_or_clock(py: Python<'_>, now: Option<&Bound<'_, PyAny>>) -> PyResult<u64> {
    match now {
        Some(now) if !now.is_none() => seconds(now, "now"),
        // The core never reads a clock; the binding does, when the caller gives no time.
        _ => seconds(&py.import("time")?.call_method0("time")?, "now"),
    }
}

#[pymethods]
impl PyWebhook {
    #[new]
    #[pyo3(signature = (secrets, *, scheme = None, tolerance_seconds = None, body_limit_bytes = None))]
    fn new(
        py: Python<'_>,
        secrets: &Bound<'_, PyAny>,
        scheme: Option<&str>,
        tolerance_seconds: Option<&Bound<'_, PyAny>>,
        body_limit_bytes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        // The core's option set and defaults; a datetime.timedelta-like tolerance is not a thing, seconds are.
        let mut options = WebhookOptions::default();
        if let Some(scheme) = scheme {
            options.scheme = Scheme::from_name(scheme).map_err(|error| raise(py, error))?;
        }
        if let Some(tolerance) = tolerance_seconds.filter(|value| !value.is_none()) {
            options.tolerance_seconds = seconds(tolerance, "tolerance_seconds")?;
        }
        if let Some(limit) = body_limit_bytes.filter(|value| !value.is_none()) {
            options.body_limit_bytes = byte_count(py, limit, "body_limit_bytes")?;
        }
        Ok(Self { inner: options.build(secret_set(secrets)?).map_err(|error| raise(py, error))? })
    }

    #[getter]
    fn scheme(&self) -> &'static str {
        self.inner.scheme().name()
    }

    #[getter]
    fn tolerance_seconds(&self) -> u64 {
        self.inner.tolerance_seconds()
    }

    #[getter]
    fn body_limit_bytes(&self) -> u64 {
        self.inner.body_limit_bytes()
    }

    /// Every check made before the body is needed (headers, timestamp, an active secret): the framework helpers
    /// call it before reading the body.
    #[pyo3(signature = (headers, *, now = None))]
    fn check_headers(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let pairs = self::headers(headers)?;
        let now = now_or_clock(py, now)?;
        self.inner.check_headers(pairs.as_slice(), now).map_err(|error| raise(py, error))
    }

    /// Raises `payload_too_large` when `length` bytes are over this webhook's body limit.
    fn check_body_length(&self, py: Python<'_>, length: &Bound<'_, PyAny>) -> PyResult<()> {
        let length = byte_count(py, length, "length")?;
        Webhook::check_body_length(length, self.inner.body_limit_bytes()).map_err(|error| raise(py, error))
    }

    /// Checks the signature and parses the body into an event (a dict described by `dropship_webhooks.events`).
    #[pyo3(signature = (body, headers, *, now = None))]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = self::body(body)?;
        let pairs = self::headers(headers)?;
        let now = now_or_clock(py, now)?;
        let mut event = ObjectSink::new(py);
        self.inner.verify_into(pairs.as_slice(), body.bytes()?, now, &mut event).map_err(|error| raise(py, error))?;
        event.finish()
    }

    /// Checks the signature only.
    #[pyo3(signature = (body, headers, *, now = None))]
    fn verify_signature(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyVerifiedSignature> {
        let body = self::body(body)?;
        let pairs = self::headers(headers)?;
        let now = now_or_clock(py, now)?;
        let verified =
            self.inner.verify_signature(pairs.as_slice(), body.bytes()?, now).map_err(|error| raise(py, error))?;
        Ok(PyVerifiedSignature {
            id: verified.id,
            timestamp: verified.timestamp,
            secret_index: verified.secret_index,
            secret_label: verified.secret_label,
        })
    }

    /// The headers to send with `body`: one signature per secret active at `timestamp`.
    fn sign<'py>(
        &self,
        py: Python<'py>,
        id: &str,
        timestamp: &Bound<'py, PyAny>,
        body: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let body = self::body(body)?;
        let signed =
            self.inner.sign(id, seconds(timestamp, "timestamp")?, body.bytes()?).map_err(|error| raise(py, error))?;
        let headers = PyDict::new(py);
        for (name, value) in signed.iter() {
            headers.set_item(name, value)?;
        }
        Ok(headers)
    }

    fn __repr__(&self) -> String {
        format!(
            "Webhook(scheme={:?}, tolerance_seconds={}, secrets=<redacted>)",
            self.inner.scheme().name(),
            self.inner.tolerance_seconds()
        )
    }
}

/// The canonical JSON text of a body's event: the core's JSON sink, which the sink tests hold the objects to.
#[pyfunction]
fn canonical_event_json(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<String> {
    let body = self::body(body)?;
    dropship_webhooks::canonical_event_json(body.bytes()?).map_err(|error| raise(py, error))
}

/// Parses a body into an event without checking a signature.
#[pyfunction]
fn parse_event<'py>(py: Python<'py>, body: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let body = self::body(body)?;
    let mut event = ObjectSink::new(py);
    walk_event(body.bytes()?, &mut event).map_err(|error| raise(py, error))?;
    event.finish()
}

#[pyfunction]
fn generate_secret_from(py: Python<'_>, random: &Bound<'_, PyAny>) -> PyResult<String> {
    let random = self::body(random)?;
    generate_secret(random.bytes()?).map_err(|error| raise(py, error))
}

/// The defaults the package exports as constants, as JSON.
#[pyfunction]
fn defaults_json() -> String {
    defaults_json_in(PY)
}

#[pyfunction]
fn topics_json() -> String {
    dropship_webhooks::topics::catalog_json()
}

// The cold helpers: option sets are read by the core's options layer (snake_case) from the mapping converted by
// `json_value`; answers leave as JSON text the package parses.

fn schedule(py: Python<'_>, spec: Option<&Bound<'_, PyAny>>) -> PyResult<RetrySchedule> {
    let options = spec.map(json_text).transpose()?;
    RetrySchedule::from_options(options.as_deref(), PY).map_err(|error| raise(py, error))
}

fn health(py: Python<'_>, state: Option<&Bound<'_, PyAny>>) -> PyResult<EndpointHealth> {
    let state = state.map(json_text).transpose()?;
    EndpointHealth::from_json(state.as_deref(), PY).map_err(|error| raise(py, error))
}

#[pyfunction]
#[pyo3(signature = (schedule_spec = None))]
fn retry_schedule_json(py: Python<'_>, schedule_spec: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    Ok(schedule(py, schedule_spec)?.to_json(PY))
}

#[pyfunction]
#[pyo3(signature = (failures, random, schedule_spec = None))]
fn next_retry_delay(
    py: Python<'_>,
    failures: &Bound<'_, PyAny>,
    random: f64,
    schedule_spec: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<u64>> {
    let failures = count(failures, "failures")?;
    Ok(schedule(py, schedule_spec)?.next_delay_ms(failures, random))
}

#[pyfunction]
#[pyo3(signature = (header, now, schedule_spec = None))]
fn retry_after_delay(
    py: Python<'_>,
    header: Option<&str>,
    now: &Bound<'_, PyAny>,
    schedule_spec: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<u64>> {
    Ok(schedule(py, schedule_spec)?.retry_after_ms(header, seconds(now, "now")?))
}

#[pyfunction]
#[pyo3(signature = (state, at, window_seconds))]
fn health_record_failure(
    py: Python<'_>,
    state: Option<&Bound<'_, PyAny>>,
    at: &Bound<'_, PyAny>,
    window_seconds: &Bound<'_, PyAny>,
) -> PyResult<String> {
    let window = seconds(window_seconds, "window_seconds")?;
    Ok(health(py, state)?.record_failure(seconds(at, "at")?, window).to_json(PY))
}

#[pyfunction]
#[pyo3(signature = (state))]
fn health_record_success(py: Python<'_>, state: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    Ok(health(py, state)?.record_success().to_json(PY))
}

#[pyfunction]
#[pyo3(signature = (state))]
fn health_reactivate(py: Python<'_>, state: Option<&Bound<'_, PyAny>>) -> PyResult<String> {
    Ok(health(py, state)?.reactivate().to_json(PY))
}

/// A count: a whole number below 2³², naming `name` when it is not.
fn count(value: &Bound<'_, PyAny>, name: &'static str) -> PyResult<u32> {
    u32::try_from(seconds(value, name)?).map_err(|_| option(value.py(), name, "it must be below 4294967296"))
}

#[pyfunction]
fn rate_limit_check(rate: &Bound<'_, PyAny>, tat_us: &Bound<'_, PyAny>, now_us: &Bound<'_, PyAny>) -> PyResult<String> {
    let decision = RateLimit(count(rate, "rate")?).decide(seconds(tat_us, "tat_us")?, seconds(now_us, "now_us")?);
    Ok(decision.to_json(PY))
}

#[pyfunction]
fn burst_allows(burst: &Bound<'_, PyAny>, in_flight: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(BurstLimit(count(burst, "burst")?).allows(count(in_flight, "in_flight")?))
}

/// The endpoint rules over a mapping (`url`, `topics`, `method`, `rate_limit`, `burst_limit`, `scheme`,
/// `secrets`); the valid configuration as JSON, snake_case.
#[pyfunction]
#[pyo3(signature = (config, allow_insecure_loopback = false))]
fn validate_endpoint_json(
    py: Python<'_>,
    config: &Bound<'_, PyAny>,
    allow_insecure_loopback: bool,
) -> PyResult<String> {
    EndpointRules { allow_insecure_loopback }.validate_json(&json_text(config)?, PY).map_err(|error| raise(py, error))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("WebhookError", py.get_type::<WebhookError>())?;
    m.add("WebhookVerificationError", py.get_type::<WebhookVerificationError>())?;
    m.add("WebhookPayloadError", py.get_type::<WebhookPayloadError>())?;
    m.add_class::<PyWebhook>()?;
    m.add_class::<PyVerifiedSignature>()?;
    m.add_function(wrap_pyfunction!(parse_event, m)?)?;
    m.add_function(wrap_pyfunction!(canonical_event_json, m)?)?;
    m.add_function(wrap_pyfunction!(generate_secret_from, m)?)?;
    m.add_function(wrap_pyfunction!(topics_json, m)?)?;
    m.add_function(wrap_pyfunction!(defaults_json, m)?)?;
    m.add_function(wrap_pyfunction!(retry_schedule_json, m)?)?;
    m.add_function(wrap_pyfunction!(next_retry_delay, m)?)?;
    m.add_function(wrap_pyfunction!(retry_after_delay, m)?)?;
    m.add_function(wrap_pyfunction!(health_record_failure, m)?)?;
    m.add_function(wrap_pyfunction!(health_record_success, m)?)?;
    m.add_function(wrap_pyfunction!(health_reactivate, m)?)?;
    m.add_function(wrap_pyfunction!(rate_limit_check, m)?)?;
    m.add_function(wrap_pyfunction!(burst_allows, m)?)?;
    m.add_function(wrap_pyfunction!(validate_endpoint_json, m)?)?;
    Ok(())
}
