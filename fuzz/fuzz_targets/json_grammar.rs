//! The core's JSON parser against `serde_json`: a body is `invalid_json` exactly when `serde_json` refuses it, and
//! custom data (kept as written) reads back as the same values.
#![no_main]

use dropship_webhooks::canonical_event_json;
use dropship_webhooks::wire::same_json_values;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &[u8]| {
    // The bytes as a whole body, and as a custom data value inside an otherwise valid event.
    let mut event = br#"{"id":"e","topic":"order.created","data":{"id":"o","attributes":{"x":"#.to_vec();
    event.extend_from_slice(value);
    event.extend_from_slice(b"}}}");
    for body in [value, event.as_slice()] {
        let theirs = serde_json::from_slice::<serde_json::Value>(body);
        match canonical_event_json(body) {
            Ok(canonical) => {
                let theirs = theirs.expect("serde_json accepts what the core accepts");
                // serde_json (with its `raw_value` feature, which the core enables) cannot read an object whose first
                // key is its reserved `$serde_json::private::RawValue`; the canonical JSON sorts such a key first.
                // The text is still JSON (bindings hand it to JSON.parse): only this comparison is skipped.
                let ours: serde_json::Value = match serde_json::from_str(&canonical) {
                    Ok(ours) => ours,
                    Err(_) if canonical.contains("\"$serde_json::private::") => continue,
                    Err(error) => panic!("canonical JSON is not JSON: {error}: {canonical}"),
                };
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
