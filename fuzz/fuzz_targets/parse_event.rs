//! Arbitrary bytes as an event body: only `invalid_json` or `invalid_payload`, the bindings' canonical path agrees
//! with the typed path, and a parsed event round-trips.
#![no_main]

use dropship_webhooks::wire::same_json_values;
use dropship_webhooks::{canonical_event_json, parse_event};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let canonical = canonical_event_json(body);
    match parse_event(body) {
        Ok(event) => {
            // The bindings' path writes the same canonical JSON as the typed path.
            assert!(same_json_values(&canonical.expect("both paths read it"), &event.to_json()));
            // The canonical JSON of an event parses again into the same event.
            let again = parse_event(event.to_json().as_bytes()).expect("canonical JSON parses");
            assert_eq!(again, event);
        }
        Err(error) => {
            assert_eq!(canonical.as_ref().err(), Some(&error));
            assert!(matches!(error.code(), "invalid_json" | "invalid_payload"), "{}", error.code());
        }
    }
});
