//! The core's JSON parser against `serde_json`: a body is `invalid_json` exactly when `serde_json` refuses it, and
//! custom data (kept as written) reads back as the same values.
#![no_main]

use dropship_webhooks::canonical_event_json;
use dropship_webhooks::wire::same_json_values;
use libfuzzer_sys::fuzz_target;

/// serde_json with its `raw_value` feature (which the core enables, so this build has it) cannot read an object
/// whose first key is its reserved `$serde_json::private::RawValue` into a `Value`: a limit of the reference, not of
/// the JSON. The reserved prefix is renamed (same length, inside a string either way) in what serde_json reads.
fn for_serde_json(text: &[u8]) -> Vec<u8> {
    const RESERVED: &[u8] = b"$serde_json::private::";
    let mut out = text.to_vec();
    let mut at = 0;
    while let Some(found) = out.get(at..).and_then(|rest| rest.windows(RESERVED.len()).position(|w| w == RESERVED)) {
        out[at + found..at + found + RESERVED.len()].copy_from_slice(b"$serde_json__private__");
        at += found + RESERVED.len();
    }
    out
}

/// The reserved key spelled with escapes still trips serde_json; such inputs are left out of the comparison.
fn reserved_key_error(error: &serde_json::Error) -> bool {
    error.to_string().contains("raw value")
}

fuzz_target!(|value: &[u8]| {
    // The bytes as a whole body, and as a custom data value inside an otherwise valid event.
    let mut event = br#"{"id":"e","topic":"order.created","data":{"id":"o","attributes":{"x":"#.to_vec();
    event.extend_from_slice(value);
    event.extend_from_slice(b"}}}");
    for body in [value, event.as_slice()] {
        let theirs = serde_json::from_slice::<serde_json::Value>(&for_serde_json(body));
        if theirs.as_ref().is_err_and(reserved_key_error) {
            continue;
        }
        match canonical_event_json(body) {
            Ok(canonical) => {
                let theirs = theirs.expect("serde_json accepts what the core accepts");
                let ours: serde_json::Value =
                    serde_json::from_slice(&for_serde_json(canonical.as_bytes())).expect("canonical JSON is JSON");
                let (ours, theirs) = (&ours["data"]["attributes"], &theirs["data"]["attributes"]);
                assert!(same_json_values(&ours.to_string(), &theirs.to_string()), "{ours} / {theirs}");
            }
            Err(error) if error.code() == "invalid_json" => assert!(theirs.is_err(), "refused valid JSON: {error}"),
            Err(error) => {
                assert_eq!(error.code(), "invalid_payload");
                assert!(theirs.is_ok(), "serde_json refuses what the core called well-formed");
            }
        }
    }
});
