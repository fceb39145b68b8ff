//! Arbitrary URLs through the endpoint rules: never a panic, and an accepted URL is accepted again as normalized.
#![no_main]

use dropship_webhooks::endpoint::EndpointRules;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, bool)| {
    let (url, loopback) = input;
    let rules = EndpointRules { allow_insecure_loopback: loopback };
    if let Ok((normalized, host)) = rules.validate_url(url) {
        let again = rules.validate_url(&normalized).expect("a normalized URL stays valid");
        assert_eq!(again, (normalized, host));
    }
});
