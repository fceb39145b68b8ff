//! A secret rotation without downtime, step by step: what the sender signs with and what each receiver accepts.
//!
//! Run with `make demo` or `cargo run -p dropship-webhooks --example rotation`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use dropship_webhooks::{generate_secret, Secret, SecretSet, Webhook, WebhookError};

const HOUR: u64 = 3600;
const START: u64 = 1_795_341_600; // 2026-11-22T10:00:00Z

fn main() -> Result<(), WebhookError> {
    // Real code passes bytes from a CSPRNG (getrandom, os.urandom, crypto.getRandomValues).
    let old = generate_secret(&[0x51; 32])?;
    let new = generate_secret(&[0xA7; 32])?;
    let body = br#"{"id":"evt_1","topic":"order.created","createdAt":"2026-11-22T10:00:00Z","data":{"id":"ord_1001"}}"#;

    // The sender's secrets: the old one is set to expire two hours after the new one is added.
    let sender_before = SecretSet::from(Secret::new(old.as_str()).label("old"));
    let sender_during = SecretSet::new()
        .with(Secret::new(old.as_str()).label("old").expires_at(START + 2 * HOUR))
        .with(Secret::new(new.as_str()).label("new"));

    // Two receivers: one not yet updated (old secret only), one updated (both secrets, old expiring).
    let receivers = [
        ("receiver with old only", Webhook::new(sender_before.clone())?),
        ("receiver with both", Webhook::new(sender_during.clone())?),
    ];

    let steps = [
        ("before rotation", START, Webhook::new(sender_before)?),
        ("new secret added", START + HOUR, Webhook::new(sender_during.clone())?),
        ("old secret expired", START + 3 * HOUR, Webhook::new(sender_during)?),
    ];

    println!("{:<20} {:>10}  {:<32} {:<32}", "step", "signatures", receivers[0].0, receivers[1].0);
    for (step, now, sender) in &steps {
        let headers = sender.sign("msg_rotation_demo", *now, body)?;
        let signatures = headers.get("webhook-signature").unwrap_or_default().split(' ').count();
        let outcomes: Vec<String> = receivers
            .iter()
            .map(|(_, receiver)| match receiver.verify_signature(&headers, body, *now) {
                Ok(verified) => format!("ok ({})", verified.secret_label.unwrap_or_default()),
                Err(error) => format!("refused: {}", error.code()),
            })
            .collect();
        println!("{step:<20} {signatures:>10}  {:<32} {:<32}", outcomes[0], outcomes[1]);
    }
    println!("\nUpdate every receiver while both secrets are active; after the old one expires only they verify.");
    Ok(())
}
