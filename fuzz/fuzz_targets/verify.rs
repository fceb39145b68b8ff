//! Structured input: secrets with expiries, a scheme, headers, body, time and tolerance. Checks that verification
//! never panics, and that whatever the library signs it also verifies.
#![no_main]

use arbitrary::Arbitrary;
use dropship_webhooks::{Scheme, Secret, SecretSet, Webhook};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    secrets: Vec<(&'a str, Option<u64>)>,
    fabric: bool,
    headers: Vec<(&'a str, &'a str)>,
    body: &'a [u8],
    now: u64,
    tolerance: u64,
    id: &'a str,
}

fuzz_target!(|input: Input<'_>| {
    let scheme = if input.fabric { Scheme::Fabric } else { Scheme::Standard };
    let secrets: SecretSet =
        input.secrets.iter().map(|(value, expiry)| Secret::new(*value).with_expiry(*expiry)).collect();
    let Ok(webhook) = Webhook::with_scheme(secrets, scheme) else { return };
    let webhook = webhook.tolerance(input.tolerance);
    let _ = webhook.verify_signature(&input.headers, input.body, input.now);
    if let Ok(signed) = webhook.sign(input.id, input.now, input.body) {
        let verified = webhook.verify_signature(&signed, input.body, input.now);
        assert!(verified.is_ok(), "signed but not verified: {verified:?}");
    }
});
