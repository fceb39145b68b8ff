//! Arbitrary bytes as an event body: only `invalid_json` or `invalid_payload`, and a parsed event round-trips.
#![no_main]

use dropship_webhooks::parse_event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    match parse_event(body) {
        Ok(event) => {
            // The canonical JSON of an event parses again into the same event.
            let again = parse_event(event.to_json().as_bytes()).expect("canonical JSON parses");
            assert_eq!(again, event);
        }
        Err(error) => assert!(matches!(error.code(), "invalid_json" | "invalid_payload"), "{}", error.code()),
    }
});
