//! Arbitrary text as each signature header, against a fixed secret set: never a panic, only error codes.
#![no_main]

use dropship_webhooks::{Scheme, Webhook};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, &str, &str)| {
    let (id, timestamp, signature, fabric) = input;
    let headers = [
        ("webhook-id", id),
        ("webhook-timestamp", timestamp),
        ("webhook-signature", signature),
        ("fabric-dropship-signature", fabric),
    ];
    for scheme in [Scheme::Standard, Scheme::Fabric] {
        let secrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_dGhpcy1pcy1hLW5ldy1zZWNyZXQtZm9yLXRlc3Rz"];
        if let Ok(webhook) = Webhook::with_scheme(secrets, scheme) {
            if let Err(error) = webhook.verify_signature(&headers, b"{}", 1_795_341_600) {
                assert!(!error.code().is_empty());
            }
        }
    }
});
