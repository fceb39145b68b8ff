//! Operational webhooks (issue [hardening]): an account's own URL and the service-wide one each receive, signed
//! with Standard Webhooks, a notice when a delivery is given up after its last retry, when an endpoint turns FAILED
//! and is deactivated, and when an endpoint's only active secret will expire within 7 days.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::time::Duration;

use delivery_service::delivery::operational::ServiceWide;
use delivery_service::Clock;
use dropship_webhooks::Webhook;
use serde_json::{json, Value};
use support::{at, backends, header_map, Harness, Receiver, Reply};

const SERVICE_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// The notices a receiver got, each verified with `secret` (as of when it was sent: the test clock jumps); their
/// bodies.
fn notices(receiver: &Receiver, secret: &str) -> Vec<Value> {
    let webhook = Webhook::new(secret).unwrap();
    receiver
        .seen()
        .iter()
        .map(|seen| {
            let headers = header_map(seen);
            let sent_at = headers.iter().find(|(name, _)| name == "webhook-timestamp").unwrap().1.parse().unwrap();
            let verified = webhook.verify_signature(headers.as_slice(), &seen.body, sent_at);
            assert!(verified.is_ok(), "a notice that does not verify: {verified:?}");
            serde_json::from_slice(&seen.body).unwrap()
        })
        .collect()
}

async fn wait_for_type(receiver: &Receiver, secret: &str, kind: &str) -> Value {
    for _ in 0..400 {
        if let Some(found) = notices(receiver, secret).into_iter().find(|n| n["type"] == kind) {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no `{kind}` notice arrived: {:?}", notices(receiver, secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_trouble_is_told_to_the_account_and_the_service_wide_url() {
    for backend in backends() {
        let ours = Receiver::start(Reply::Status(200)).await;
        let service_wide = Receiver::start(Reply::Status(200)).await;
        let service_url = service_wide.url("/ops");
        let harness = Harness::start_with(backend, |settings| {
            settings.worker.schedule =
                dropship_webhooks::delivery::RetrySchedule { max_retries: 2, ..Default::default() }.validate().unwrap();
            settings.operational_webhook = Some(ServiceWide { url: service_url, secret: SERVICE_SECRET.into() });
        })
        .await;
        let api = &harness.api;
        let clock = harness.clock.as_ref();

        // The account's own destination: checked like an endpoint URL, its secret shown once.
        let (status, refused) = api
            .call(reqwest::Method::PUT, &at("/operational-webhook"), Some(json!({ "url": "https://10.0.0.1/ops" })))
            .await;
        assert_eq!(
            (status, refused["error"]["code"].as_str()),
            (400, Some("invalid_endpoint")),
            "{backend}: {refused}"
        );
        let (status, set) =
            api.call(reqwest::Method::PUT, &at("/operational-webhook"), Some(json!({ "url": ours.url("/ops") }))).await;
        assert_eq!(status, 200, "{backend}: {set}");
        let secret = set["secret"].as_str().unwrap().to_owned();
        let (_, shown) = api.get(&at("/operational-webhook")).await;
        assert!(shown["secret"].is_null() && shown["fingerprint"].as_str().unwrap().starts_with("sha256:"), "{shown}");

        // A delivery given up after its last retry (two retries here).
        let failing = Receiver::start(Reply::Status(500)).await;
        let (endpoint, _) = api.endpoint(json!({ "url": failing.url("/down"), "topics": ["order.created"] })).await;
        api.sample_event("order.created", Some("evt_ops_1")).await;
        for _ in 0..40 {
            clock.advance_seconds(3600);
            tokio::time::sleep(Duration::from_millis(50)).await;
            let (_, failed) = api.get(&at(&format!("/endpoints/{endpoint}/deliveries?status=failed"))).await;
            if !failed["data"].as_array().unwrap().is_empty() {
                break;
            }
        }
        for (receiver, key) in [(&ours, secret.as_str()), (&service_wide, SERVICE_SECRET)] {
            let exhausted = wait_for_type(receiver, key, "delivery.exhausted").await;
            assert_eq!(
                (
                    exhausted["data"]["endpointId"].as_str(),
                    exhausted["data"]["eventId"].as_str(),
                    exhausted["data"]["attempts"].as_i64()
                ),
                (Some(endpoint.as_str()), Some("evt_ops_1"), Some(3)),
                "{backend}: {exhausted}"
            );
            assert!(exhausted["data"]["lastError"].as_str().unwrap().contains("HTTP 500"), "{exhausted}");
        }

        // Still failing three days after the first failure: FAILED, deactivated, and told.
        clock.advance_seconds(3 * 86_400);
        api.sample_event("order.created", Some("evt_ops_2")).await;
        for (receiver, key) in [(&ours, secret.as_str()), (&service_wide, SERVICE_SECRET)] {
            let disabled = wait_for_type(receiver, key, "endpoint.disabled").await;
            assert_eq!(
                (disabled["data"]["endpointId"].as_str(), disabled["data"]["reason"].as_str()),
                (Some(endpoint.as_str()), Some("failed")),
                "{backend}: {disabled}"
            );
            assert!(disabled["data"]["failingSince"].is_u64(), "{disabled}");
        }
        let (_, health) = api.get(&at(&format!("/endpoints/{endpoint}/health"))).await;
        assert_eq!((health["status"].as_str(), health["enabled"].as_bool()), (Some("FAILED"), Some(false)), "{health}");

        // An endpoint whose only active secret expires within 7 days: told once.
        let expires_at = i64::try_from(clock.now_seconds()).unwrap() + 3 * 86_400;
        let healthy = Receiver::start(Reply::Status(200)).await;
        let (expiring, _) = api
            .endpoint(json!({ "url": healthy.url("/fine"), "topics": ["order.created"],
                              "secret": { "label": "only", "expiresAt": expires_at } }))
            .await;
        clock.advance_seconds(61);
        for (receiver, key) in [(&ours, secret.as_str()), (&service_wide, SERVICE_SECRET)] {
            let notice = wait_for_type(receiver, key, "secret.expiring").await;
            assert_eq!(
                (
                    notice["data"]["endpointId"].as_str(),
                    notice["data"]["expiresAt"].as_i64(),
                    notice["data"]["label"].as_str()
                ),
                (Some(expiring.as_str()), Some(expires_at), Some("only")),
                "{backend}: {notice}"
            );
        }
        clock.advance_seconds(61);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let count = |receiver: &Receiver, key: &str| {
            notices(receiver, key).iter().filter(|n| n["type"] == "secret.expiring").count()
        };
        assert_eq!((count(&ours, &secret), count(&service_wide, SERVICE_SECRET)), (1, 1), "{backend}: told once");

        // The history of notices, delivered to both destinations.
        let (_, listed) = api.get(&at("/operational-events")).await;
        let listed = listed["data"].as_array().unwrap();
        for kind in ["delivery.exhausted", "endpoint.disabled", "secret.expiring"] {
            for destination in ["account", "service"] {
                assert!(
                    listed
                        .iter()
                        .any(|n| n["type"] == kind && n["destination"] == destination && n["status"] == "delivered"),
                    "{backend}: {kind} to {destination}: {listed:?}"
                );
            }
        }

        // Without its destination, the account's notices stop (the service-wide ones go on).
        let (status, _) = api.delete(&at("/operational-webhook")).await;
        assert_eq!(status, 204);
        let (status, _) = api.get(&at("/operational-webhook")).await;
        assert_eq!(status, 404);
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_notice_destination_never_delays_another_accounts_notices() {
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| {
            settings.request_timeout = Duration::from_secs(10);
        })
        .await;
        let api = &harness.api;
        // One account's notices go to a destination that takes 5 s per request; another's to a quick one.
        let slow = Receiver::start(Reply::Slow(Duration::from_secs(5), 200)).await;
        let quick = Receiver::start(Reply::Status(200)).await;
        let gone = Receiver::start(Reply::Status(410)).await;
        for (account, destination) in [("slowops", &slow), ("quickops", &quick)] {
            api.ensure_account(account).await;
            let (status, body) = api
                .call(
                    reqwest::Method::PUT,
                    &format!("/v1/accounts/{account}/operational-webhook"),
                    Some(json!({ "url": destination.url("/ops") })),
                )
                .await;
            assert_eq!(status, 200, "{backend}: {body}");
        }
        // Six endpoints of the slow account answer 410 Gone: six `endpoint.disabled` notices, slow to send.
        let sample: Value =
            serde_json::from_str(dropship_webhooks::samples::sample_event_json("order.created").unwrap()).unwrap();
        for n in 0..6 {
            let (status, body) = api
                .post(
                    "/v1/accounts/slowops/endpoints",
                    json!({ "url": gone.url(&format!("/slow/{n}")), "topics": ["order.created"] }),
                )
                .await;
            assert_eq!(status, 201, "{backend}: {body}");
        }
        let (status, _) =
            api.post("/v1/accounts/slowops/events", json!({ "topic": "order.created", "data": sample["data"] })).await;
        assert_eq!(status, 202, "{backend}");
        slow.wait_for(1, Duration::from_secs(20)).await;
        // Now the quick account's endpoint is switched off too: its notice arrives within seconds all the same.
        let (status, _) = api
            .post("/v1/accounts/quickops/endpoints", json!({ "url": gone.url("/quick"), "topics": ["order.created"] }))
            .await;
        assert_eq!(status, 201, "{backend}");
        let started = std::time::Instant::now();
        let (status, _) =
            api.post("/v1/accounts/quickops/events", json!({ "topic": "order.created", "data": sample["data"] })).await;
        assert_eq!(status, 202, "{backend}");
        quick.wait_for(1, Duration::from_secs(20)).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{backend}: the quick account's notice waited {:?} behind the slow destination",
            started.elapsed()
        );
        // The slow destination gets its notices at most two at a time.
        assert!(slow.max_in_flight() <= 2, "{backend}: {} at once", slow.max_in_flight());
        harness.stop().await;
    }
}
