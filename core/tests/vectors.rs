//! Runs every shared vector in `tests/vectors/` against the core. A failure names the vector id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use dropship_webhooks::delivery::{BurstLimit, EndpointHealth, RateLimit, RetrySchedule};
use dropship_webhooks::endpoint::{EndpointOptions, EndpointRules};
use dropship_webhooks::options::Casing;
use dropship_webhooks::wire::same_json_values;
use dropship_webhooks::{
    canonical_event_json, generate_secret, parse_event, HostMac, Scheme, Secret, SecretSet, Webhook, WebhookError,
    DEFAULT_BODY_LIMIT_BYTES, DEFAULT_TOLERANCE_SECONDS,
};
use serde_json::Value;

const FILES: &[(&str, &str)] = &[
    ("signature_standard.json", include_str!("../../tests/vectors/signature_standard.json")),
    ("signature_fabric.json", include_str!("../../tests/vectors/signature_fabric.json")),
    ("secrets.json", include_str!("../../tests/vectors/secrets.json")),
    ("events.json", include_str!("../../tests/vectors/events.json")),
    ("retry_schedule.json", include_str!("../../tests/vectors/retry_schedule.json")),
    ("health.json", include_str!("../../tests/vectors/health.json")),
    ("endpoint_config.json", include_str!("../../tests/vectors/endpoint_config.json")),
];

fn cases(file: &str) -> Vec<Value> {
    let (_, text) = FILES.iter().find(|(name, _)| *name == file).expect("known vector file");
    let document: Value = serde_json::from_str(text).expect("vector file is JSON");
    document["cases"].as_array().expect("cases array").clone()
}

/// The raw bytes a vector body describes, or `None` for a parsed value that only the bindings can be handed.
fn body(case: &Value) -> Option<Vec<u8>> {
    let body = &case["body"];
    if let Some(text) = body["utf8"].as_str() {
        Some(text.as_bytes().to_vec())
    } else if let Some(hex) = body["hex"].as_str() {
        Some(hex::decode(hex).expect("hex body"))
    } else if let Some(unit) = body["repeat"].as_str() {
        Some(unit.repeat(body["count"].as_u64().expect("repeat count") as usize).into_bytes())
    } else {
        assert!(body.get("parsed").is_some(), "unknown body form {body}");
        None
    }
}

fn secret_set(case: &Value) -> SecretSet {
    case["secrets"]
        .as_array()
        .expect("secrets array")
        .iter()
        .map(|entry| {
            Secret::new(entry["secret"].as_str().expect("secret text"))
                .with_expiry(entry["expiresAt"].as_u64())
                .with_label(entry["label"].as_str().map(String::from))
        })
        .collect()
}

fn scheme(case: &Value) -> Result<Scheme, WebhookError> {
    Scheme::from_name(case["scheme"].as_str().unwrap_or("standard"))
}

fn webhook(case: &Value) -> Result<Webhook, WebhookError> {
    let tolerance = case["toleranceSeconds"].as_u64().unwrap_or(DEFAULT_TOLERANCE_SECONDS);
    let body_limit = case["bodyLimitBytes"].as_u64().unwrap_or(DEFAULT_BODY_LIMIT_BYTES);
    Ok(Webhook::with_scheme(secret_set(case), scheme(case)?)?.tolerance(tolerance).body_limit(body_limit))
}

fn headers(case: &Value) -> Vec<(String, String)> {
    case["headers"]
        .as_array()
        .expect("headers array")
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].as_str().unwrap().to_owned()))
        .collect()
}

/// The case's retry schedule (`null` is the default), read as the JS bindings read theirs.
fn schedule(case: &Value) -> Result<RetrySchedule, WebhookError> {
    RetrySchedule::from_options(Some(&case["schedule"].to_string()), Casing::Camel)
}

/// Signs the message a case describes and returns the headers as `[name, value]` pairs.
fn sign(webhook: &Webhook, message: &Value) -> Result<Value, WebhookError> {
    let signed = webhook.sign(
        message["msgId"].as_str().unwrap(),
        message["timestamp"].as_u64().unwrap(),
        &body(message).unwrap(),
    )?;
    let pairs: Vec<Value> = signed.iter().map(|(name, value)| serde_json::json!([name, value])).collect();
    Ok(serde_json::json!({ "headers": pairs }))
}

/// A host's HMAC, computed independently of the core (the `hmac` and `sha2` crates).
struct HostComputed;

impl HostMac for HostComputed {
    fn hmac_sha256(&self, key: &[u8], parts: &[&[u8]]) -> Option<[u8; 32]> {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
        for part in parts {
            mac.update(part);
        }
        Some(mac.finalize().into_bytes().into())
    }
}

/// A host that answers a wrong tag: verification must use it, and fail.
struct HostWrong;

impl HostMac for HostWrong {
    fn hmac_sha256(&self, _: &[u8], _: &[&[u8]]) -> Option<[u8; 32]> {
        Some([0; 32])
    }
}

/// Runs one case and returns its outcome as JSON, shaped like the vector's `expected`, or the error code.
fn run(case: &Value) -> Result<Value, WebhookError> {
    match case["operation"].as_str().expect("operation") {
        "verify" => {
            let Some(body) = body(case) else {
                // Rust takes `&[u8]`, so an already-parsed body cannot reach the core; the bindings test these.
                return Err(WebhookError::payload_not_raw("parsed JSON value"));
            };
            let webhook = webhook(case)?;
            let now = case["now"].as_u64().unwrap();
            let verified = webhook.verify_signature(&headers(case), &body, now);
            // A host's HMAC gives the same outcome as the built-in one, and it is the one used: a host that computes
            // wrong tags fails every signature (a case that fails earlier fails the same way).
            let hosted = webhook.verify_signature_with_mac(&HostComputed, &headers(case), &body, now);
            assert_eq!(hosted, verified, "{}", case["id"]);
            let wrong = webhook.verify_signature_with_mac(&HostWrong, &headers(case), &body, now);
            match &verified {
                Ok(_) => assert_eq!(wrong.unwrap_err().code(), "no_matching_signature", "{}", case["id"]),
                Err(error) => assert_eq!(wrong.as_ref().err(), Some(error), "{}", case["id"]),
            }
            // The two halves a host with an asynchronous HMAC uses: the request fails where verification would
            // fail before a tag is needed, and the host's tags then decide; wrong tags match nothing.
            // The checks a framework helper makes before reading the body fail as verification does, and pass
            // whenever verification gets past them.
            let before_body =
                ["missing_header", "invalid_header", "no_active_secret", "timestamp_too_old", "timestamp_too_new"];
            match &verified {
                Err(error) if before_body.contains(&error.code()) => {
                    assert_eq!(webhook.check_headers(&headers(case), now).as_ref().err(), Some(error), "{}", case["id"])
                }
                _ => assert_eq!(webhook.check_headers(&headers(case), now), Ok(()), "{}", case["id"]),
            }
            match webhook.tag_request(&headers(case), body.len() as u64, now) {
                Ok(request) => {
                    let tags: Vec<[u8; 32]> = request
                        .secrets
                        .iter()
                        .map(|&index| {
                            let key = webhook.secret_key(index).unwrap();
                            HostComputed.hmac_sha256(key, &[&request.prefix, &body]).unwrap()
                        })
                        .collect();
                    let finished = webhook.verify_signature_with_tags(&headers(case), &body, now, &tags);
                    assert_eq!(finished, verified, "{}", case["id"]);
                    let zeros = vec![[0u8; 32]; tags.len()];
                    let wrong = webhook.verify_signature_with_tags(&headers(case), &body, now, &zeros);
                    match &verified {
                        Ok(_) => assert_eq!(wrong.unwrap_err().code(), "no_matching_signature", "{}", case["id"]),
                        Err(error) => assert_eq!(wrong.as_ref().err(), Some(error), "{}", case["id"]),
                    }
                }
                Err(error) => assert_eq!(verified.as_ref().err(), Some(&error), "{}", case["id"]),
            }
            let verified = verified?;
            Ok(serde_json::json!({
                "id": verified.id,
                "timestamp": verified.timestamp,
                "secretIndex": verified.secret_index,
                "secretLabel": verified.secret_label,
            }))
        }
        // `sign` cases carry the message fields themselves; `construct` cases sign a probe message to show the key.
        "sign" => sign(&webhook(case)?, case),
        "construct" => sign(&webhook(case)?, &case["sign"]),
        "generate" => {
            let random = hex::decode(case["randomHex"].as_str().unwrap()).unwrap();
            Ok(serde_json::json!({ "secret": generate_secret(&random)? }))
        }
        "parse" => {
            let body = body(case).unwrap();
            // The bindings' path (canonical JSON straight from the body) and the typed path agree to the byte.
            let canonical = canonical_event_json(&body);
            let event = match parse_event(&body) {
                Ok(event) => event,
                Err(error) => {
                    assert_eq!(canonical.map_err(|error| error.code()), Err(error.code()), "{}", case["id"]);
                    return Err(error);
                }
            };
            assert!(same_json_values(&canonical.unwrap(), &event.to_json()), "{}", case["id"]);
            let event_json: Value = serde_json::from_str(&event.to_json()).unwrap();
            Ok(serde_json::json!({
                "payloadKind": event.topic_info().map(|topic| topic.payload.name()),
                "event": event_json,
            }))
        }
        "nextDelay" => {
            let schedule = schedule(case)?;
            let failures = u32::try_from(case["failures"].as_u64().unwrap()).unwrap();
            Ok(serde_json::json!(schedule.next_delay_ms(failures, case["random"].as_f64().unwrap())))
        }
        "retryAfter" => {
            let schedule = schedule(case)?;
            Ok(serde_json::json!(schedule.retry_after_ms(case["header"].as_str(), case["now"].as_u64().unwrap())))
        }
        "health" => {
            let window = case["windowSeconds"].as_u64().unwrap();
            let mut health = EndpointHealth::HEALTHY;
            let mut states = Vec::new();
            for step in case["steps"].as_array().unwrap() {
                health = match step["event"].as_str().unwrap() {
                    "success" => health.record_success(),
                    "failure" => health.record_failure(step["at"].as_u64().unwrap(), window),
                    "reactivate" => health.reactivate(),
                    other => panic!("unknown health event {other}"),
                };
                states.push(serde_json::to_value(health).unwrap());
            }
            Ok(Value::Array(states))
        }
        "rateLimit" => {
            let rate = RateLimit(u32::try_from(case["rate"].as_u64().unwrap()).unwrap());
            Ok(match rate.check(case["tatUs"].as_u64().unwrap(), case["nowUs"].as_u64().unwrap()) {
                Ok(next) => serde_json::json!({ "nextTatUs": next }),
                Err(wait) => serde_json::json!({ "waitUs": wait }),
            })
        }
        "burstLimit" => {
            let burst = BurstLimit(u32::try_from(case["burst"].as_u64().unwrap()).unwrap());
            Ok(
                serde_json::json!({ "allowed": burst.allows(u32::try_from(case["inFlight"].as_u64().unwrap()).unwrap()) }),
            )
        }
        "endpoint" => {
            // The case carries the configuration's fields under their JS names, as the options layer reads them.
            let request = EndpointOptions::from_json(Some(&case.to_string()), Casing::Camel)?;
            let rules = EndpointRules { allow_insecure_loopback: case["allowInsecureLoopback"].as_bool().unwrap() };
            match rules.validate(&request) {
                Ok(config) => Ok(serde_json::to_value(config).unwrap()),
                Err(error) => {
                    if let (WebhookError::InvalidEndpoint { field, .. }, Some(expected)) =
                        (&error, case["field"].as_str())
                    {
                        assert_eq!(*field, expected, "{}: wrong field", case["id"]);
                    }
                    Err(error)
                }
            }
        }
        other => panic!("unknown operation {other}"),
    }
}

/// What a valid case expects: `expected`, `expectedMs`, or for health sequences the state after every step.
fn expected_outcome(case: &Value) -> Value {
    if let Some(steps) = case["steps"].as_array() {
        return Value::Array(steps.iter().map(|step| step["expected"].clone()).collect());
    }
    if let Some(ms) = case.get("expectedMs") {
        return ms.clone();
    }
    case["expected"].clone()
}

fn run_file(file: &str) -> usize {
    let cases = cases(file);
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().expect("id");
        let outcome = run(case);
        let expected = expected_outcome(case);
        match (case["result"].as_str(), outcome) {
            (Some("valid"), Ok(actual)) if actual == expected => {}
            (Some("valid"), Ok(actual)) => {
                failures.push(format!("{id}: expected {expected} got {actual}"));
            }
            (Some("valid"), Err(error)) => {
                failures.push(format!("{id}: expected valid, got {}: {error}", error.code()))
            }
            (Some("invalid"), Err(error)) if Some(error.code()) == case["error"].as_str() => {
                assert!(!error.to_string().is_empty(), "{id}: empty message");
            }
            (Some("invalid"), Err(error)) => {
                failures.push(format!("{id}: expected error {}, got {}: {error}", case["error"], error.code()))
            }
            (Some("invalid"), Ok(actual)) => {
                failures.push(format!("{id}: expected error {}, got {actual}", case["error"]))
            }
            (other, _) => failures.push(format!("{id}: bad result field {other:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {} vectors failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

#[test]
fn signature_standard_vectors() {
    assert!(run_file("signature_standard.json") >= 60);
}

#[test]
fn signature_fabric_vectors() {
    assert!(run_file("signature_fabric.json") >= 20);
}

#[test]
fn secrets_vectors() {
    assert!(run_file("secrets.json") >= 20);
}

#[test]
fn vector_ids_are_unique_across_files() {
    let mut ids: Vec<String> =
        FILES.iter().flat_map(|(file, _)| cases(file)).map(|case| case["id"].as_str().unwrap().to_owned()).collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "duplicate vector ids");
}

#[test]
fn events_vectors() {
    assert!(run_file("events.json") >= 60);
}

#[test]
fn retry_schedule_vectors() {
    assert!(run_file("retry_schedule.json") >= 30);
}

#[test]
fn health_vectors() {
    assert!(run_file("health.json") >= 20);
}

#[test]
fn endpoint_config_vectors() {
    assert!(run_file("endpoint_config.json") >= 40);
}

/// Every error code is exercised by at least one vector, and no vector expects a code that does not exist.
#[test]
fn every_error_code_has_a_vector() {
    let used: Vec<String> = FILES
        .iter()
        .flat_map(|(file, _)| cases(file))
        .filter_map(|case| case["error"].as_str().map(String::from))
        .collect();
    for code in WebhookError::CODES {
        assert!(used.iter().any(|u| u == code), "no vector expects `{code}`");
    }
    for code in &used {
        assert!(WebhookError::CODES.contains(&code.as_str()), "vector expects unknown code `{code}`");
    }
}
