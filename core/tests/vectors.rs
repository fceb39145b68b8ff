//! Runs every shared vector in `tests/vectors/` against the core. A failure names the vector id.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use dropship_webhooks::{generate_secret, Scheme, Secret, SecretSet, Webhook, WebhookError, DEFAULT_TOLERANCE_SECONDS};
use serde_json::Value;

const FILES: &[(&str, &str)] = &[
    ("signature_standard.json", include_str!("../../tests/vectors/signature_standard.json")),
    ("signature_fabric.json", include_str!("../../tests/vectors/signature_fabric.json")),
    ("secrets.json", include_str!("../../tests/vectors/secrets.json")),
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
    Ok(Webhook::with_scheme(secret_set(case), scheme(case)?)?.tolerance(tolerance))
}

fn headers(case: &Value) -> Vec<(String, String)> {
    case["headers"]
        .as_array()
        .expect("headers array")
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_owned(), pair[1].as_str().unwrap().to_owned()))
        .collect()
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

/// Runs one case and returns its outcome as JSON, shaped like the vector's `expected`, or the error code.
fn run(case: &Value) -> Result<Value, WebhookError> {
    match case["operation"].as_str().expect("operation") {
        "verify" => {
            let Some(body) = body(case) else {
                // Rust takes `&[u8]`, so an already-parsed body cannot reach the core; the bindings test these.
                return Err(WebhookError::payload_not_raw("parsed JSON value"));
            };
            let verified = webhook(case)?.verify_signature(&headers(case), &body, case["now"].as_u64().unwrap())?;
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
        other => panic!("unknown operation {other}"),
    }
}

fn run_file(file: &str) -> usize {
    let cases = cases(file);
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().expect("id");
        let outcome = run(case);
        match (case["result"].as_str(), outcome) {
            (Some("valid"), Ok(actual)) if actual == case["expected"] => {}
            (Some("valid"), Ok(actual)) => {
                failures.push(format!("{id}: expected {} got {actual}", case["expected"]));
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

/// Every error code of the signing layer is exercised by at least one vector; the event codes join with events.json.
#[test]
fn every_signing_error_code_has_a_vector() {
    let used: Vec<String> = FILES
        .iter()
        .flat_map(|(file, _)| cases(file))
        .filter_map(|case| case["error"].as_str().map(String::from))
        .collect();
    let event_codes = ["invalid_json", "invalid_payload"];
    for code in WebhookError::CODES.iter().filter(|code| !event_codes.contains(code)) {
        assert!(used.iter().any(|u| u == code), "no vector expects `{code}`");
    }
    for code in &used {
        assert!(WebhookError::CODES.contains(&code.as_str()), "vector expects unknown code `{code}`");
    }
}
