//! Property tests: arbitrary input never panics any public function, and signing round-trips.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use dropship_webhooks::delivery::{BurstLimit, EndpointHealth, RateLimit, RetrySchedule};
use dropship_webhooks::endpoint::EndpointRules;
use dropship_webhooks::options::Casing;
use dropship_webhooks::samples::sample_event_json;
use dropship_webhooks::wire::same_json_values;
use dropship_webhooks::{
    canonical_event_json, check_tolerance, generate_secret, parse_event, Scheme, Secret, SecretSet, Webhook, TOPICS,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// Header names: mostly the ones the schemes read (in any case), sometimes anything.
fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "webhook-id",
            "WEBHOOK-TIMESTAMP",
            "webhook-signature",
            "svix-id",
            "Svix-Timestamp",
            "svix-signature",
            "fabric-dropship-signature",
        ])
        .prop_map(String::from),
        ".{0,24}",
    ]
}

/// Header values: signature-like text, digits, or arbitrary (often non-ASCII) strings, up to 10 KB.
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "(v[0-9a-z]{0,2},[A-Za-z0-9+/=]{0,50} ?){0,80}",
        "[0-9 +\\-.]{0,25}",
        "[0-9a-fA-F]{60,70}",
        ".{0,64}",
        (any::<char>(), 0usize..10_000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ]
}

fn secret() -> impl Strategy<Value = Secret> {
    (
        prop_oneof![
            "whsec_[A-Za-z0-9+/]{0,90}={0,2}",
            ".{0,40}",
            Just("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned())
        ],
        proptest::option::of(any::<u64>()),
        proptest::option::of(".{0,8}"),
    )
        .prop_map(|(value, expiry, label)| Secret::new(value).with_expiry(expiry).with_label(label))
}

fn scheme() -> impl Strategy<Value = Scheme> {
    prop_oneof![Just(Scheme::Standard), Just(Scheme::Fabric)]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn verify_never_panics(
        secrets in vec(secret(), 0..4),
        scheme in scheme(),
        headers in vec((header_name(), header_value()), 0..8),
        body in vec(any::<u8>(), 0..2048),
        now in any::<u64>(),
        tolerance in any::<u64>(),
    ) {
        if let Ok(webhook) = Webhook::with_scheme(SecretSet::from(secrets), scheme) {
            let webhook = webhook.tolerance(tolerance);
            if let Err(error) = webhook.verify_signature(&headers, &body, now) {
                prop_assert!(!error.to_string().is_empty());
            }
            let id = headers.first().map(|(_, value)| value.as_str()).unwrap_or("");
            let _ = webhook.sign(id, now, &body);
        }
    }

    #[test]
    fn small_helpers_never_panic(random in vec(any::<u8>(), 0..100), name in ".{0,12}", a in any::<u64>(), b in any::<u64>(), t in any::<u64>()) {
        let _ = generate_secret(&random);
        let _ = Scheme::from_name(&name);
        let _ = check_tolerance(a, b, t);
    }

    #[test]
    fn sign_then_verify_round_trips(
        key in vec(any::<u8>(), 24..=64),
        fabric_secret in "[ -~]{1,64}",
        scheme in scheme(),
        // Visible ASCII without `.`: the ids a sender signs.
        id in "[!-\\-/-~]{1,256}",
        timestamp in 0u64..=u64::MAX / 2,
        skew in 0u64..=300,
        body in vec(any::<u8>(), 0..4096),
    ) {
        let value = match scheme {
            Scheme::Standard => generate_secret(&key).unwrap(),
            Scheme::Fabric => fabric_secret,
        };
        let webhook = Webhook::with_scheme(Secret::new(value).label("k"), scheme).unwrap();
        let headers = webhook.sign(&id, timestamp, &body).unwrap();
        let verified = webhook.verify_signature(&headers, &body, timestamp + skew).unwrap();
        prop_assert_eq!(verified.secret_label.as_deref(), Some("k"));
        if scheme == Scheme::Standard {
            prop_assert_eq!(verified.id.as_deref(), Some(id.as_str()));
            prop_assert_eq!(verified.timestamp, Some(timestamp));
        }
    }

    #[test]
    fn any_changed_body_byte_is_refused(
        body in vec(any::<u8>(), 1..1024),
        position in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        scheme in scheme(),
    ) {
        let webhook = Webhook::with_scheme("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scheme).unwrap();
        let headers = webhook.sign("msg_1", 1_000, &body).unwrap();
        let mut tampered = body.clone();
        tampered[position.index(body.len())] ^= flip;
        let error = webhook.verify_signature(&headers, &tampered, 1_000).unwrap_err();
        prop_assert_eq!(error.code(), "no_matching_signature");
    }

    #[test]
    fn parse_event_never_panics_on_bytes(body in vec(any::<u8>(), 0..512)) {
        let _ = parse_event(&body);
    }

    /// Mutated samples: realistic JSON with one span replaced, so the parser sees near-valid events.
    #[test]
    fn parse_event_never_panics_on_mutated_samples(
        topic in prop::sample::select(TOPICS.iter().map(|t| t.name).collect::<Vec<_>>()),
        start in any::<prop::sample::Index>(),
        length in 0usize..16,
        replacement in prop_oneof![Just(String::new()), Just("null".to_owned()), Just("[]".to_owned()),
            Just("{}".to_owned()), Just("-1".to_owned()), Just("\"".to_owned()), "[ -~]{0,8}"],
    ) {
        let sample = sample_event_json(topic).unwrap();
        let begin = start.index(sample.len());
        let end = (begin + length).min(sample.len());
        let mut body = sample.as_bytes()[..begin].to_vec();
        body.extend_from_slice(replacement.as_bytes());
        body.extend_from_slice(&sample.as_bytes()[end..]);
        match (parse_event(&body), canonical_event_json(&body)) {
            (Ok(event), Ok(canonical)) => prop_assert!(same_json_values(&event.to_json(), &canonical)),
            (Err(error), Err(same)) => {
                prop_assert!(["invalid_json", "invalid_payload"].contains(&error.code()), "{}", error.code());
                prop_assert_eq!(error, same);
            }
            (typed, canonical) => prop_assert!(false, "the two paths disagree: {:?} / {:?}", typed, canonical),
        }
    }

    #[test]
    fn endpoint_rules_never_panic(
        url in prop_oneof![".{0,80}", "(https?|ftp)://[a-z0-9.:\\[\\]%@_-]{0,40}(/[ -~]{0,20})?"],
        topics in vec(".{0,30}", 0..4),
        method in ".{0,8}",
        rate in any::<i64>(),
        burst in any::<i64>(),
        loopback in any::<bool>(),
    ) {
        let config = serde_json::json!({
            "url": url, "topics": topics, "method": method, "rateLimit": rate, "burstLimit": burst,
            "secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        });
        let _ = EndpointRules { allow_insecure_loopback: loopback }.validate_json(&config.to_string(), Casing::Camel);
    }

    #[test]
    fn delivery_rules_never_panic(
        base in any::<u64>(), factor in any::<u32>(), max in any::<u64>(), retries in any::<u32>(),
        jitter in any::<u32>(), failures in any::<u32>(), random in any::<f64>(),
        header in proptest::option::of(".{0,40}"), now in any::<u64>(), at in any::<u64>(), window in any::<u64>(),
        tat in any::<u64>(), rate in any::<u32>(), burst in any::<u32>(), min_retry_after in any::<u64>(),
    ) {
        let schedule = RetrySchedule {
            base_delay_ms: base, factor, max_delay_ms: max, max_retries: retries, jitter_percent: jitter,
            min_retry_after_ms: min_retry_after,
        };
        let _ = schedule.validate();
        let _ = schedule.next_delay_ms(failures, random);
        let _ = schedule.retry_after_ms(header.as_deref(), now);
        let _ = EndpointHealth::HEALTHY.record_failure(at, window).record_failure(now, window).record_success();
        let _ = RateLimit(rate).check(tat, now);
        let _ = BurstLimit(burst).allows(rate);
    }
}
