//! The service in-process on a manual clock, against receivers on loopback; every test runs on SQLite and, when
//! `DELIVERY_TEST_POSTGRES_URL` is set, on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::time::Duration;

use dropship_webhooks::{Scheme, Secret, SecretSet, Webhook, WebhookError};
use serde_json::{json, Value};
use support::{backends, header_map, resetting_listener, Harness, Receiver, Reply};

fn now_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

fn verify(secret: &str, seen: &support::Seen) -> Result<dropship_webhooks::Event, WebhookError> {
    Webhook::new(secret).unwrap().verify(&header_map(seen), &seen.body, now_seconds())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_needs_the_key() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let (status, body) = harness.api.clone().with_key("wrong").get("/v1/accounts/acme/endpoints").await;
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")));
        let anonymous = reqwest::get(format!("{}/v1/accounts/acme/endpoints", harness.api.base)).await.unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);
        let health = reqwest::get(format!("{}/healthz", harness.api.base)).await.unwrap();
        assert_eq!(health.status().as_u16(), 200);
        let (status, topics) = harness.api.get("/v1/topics").await;
        assert_eq!((status, topics.as_array().map(Vec::len)), (200, Some(dropship_webhooks::topics::TOPICS.len())));
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoint_configurations_are_validated_edited_and_deleted() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let url = receiver.url("/hooks");
        let (status, created) = api
            .post(
                "/v1/accounts/acme/endpoints",
                json!({ "url": url, "topics": ["order.created", "order.canceled"], "rateLimit": 5 }),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        assert!(created["secret"]["value"].as_str().unwrap().starts_with("whsec_"));
        assert_eq!(created["topics"], json!(["order.created", "order.cancelled"]));
        assert_eq!(created["health"]["status"], "HEALTHY");
        let id = created["id"].as_str().unwrap().to_owned();

        let (status, duplicate) =
            api.post("/v1/accounts/acme/endpoints", json!({ "url": url, "topics": ["order.created"] })).await;
        assert_eq!((status, duplicate["error"]["code"].as_str()), (409, Some("endpoint_exists")));

        for (body, code) in [
            (json!({ "url": "http://hooks.example.com/x", "topics": ["order.created"] }), "invalid_endpoint"),
            (json!({ "url": "https://hooks.example.com/x", "topics": ["order.shipped"] }), "invalid_endpoint"),
            (json!({ "url": "https://hooks.example.com/x", "topics": [] }), "invalid_endpoint"),
            (
                json!({ "url": "https://hooks.example.com/x", "topics": ["order.created"], "method": "GET" }),
                "invalid_endpoint",
            ),
            (
                json!({ "url": "https://hooks.example.com/x", "topics": ["order.created"], "burstLimit": -1 }),
                "invalid_endpoint",
            ),
            (json!({ "url": "https://u:p@hooks.example.com/x", "topics": ["order.created"] }), "invalid_endpoint"),
            (
                json!({ "url": "https://hooks.example.com/x", "topics": ["order.created"], "secret": { "value": "short" } }),
                "invalid_secret",
            ),
            (
                json!({ "url": "https://hooks.example.com/x", "topics": ["order.created"], "colour": 1 }),
                "invalid_payload",
            ),
            (json!({ "url": 5, "topics": ["order.created"] }), "invalid_payload"),
        ] {
            let (status, answer) = api.post("/v1/accounts/acme/endpoints", body.clone()).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (400, Some(code)), "{body} → {answer}");
        }
        let raw = reqwest::Client::new()
            .post(format!("{}/v1/accounts/acme/endpoints", api.base))
            .bearer_auth(support::API_KEY)
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status().as_u16(), 400);
        assert_eq!(serde_json::from_str::<Value>(&raw.text().await.unwrap()).unwrap()["error"]["code"], "invalid_json");

        let (status, edited) = api
            .patch(
                &format!("/v1/accounts/acme/endpoints/{id}"),
                json!({ "topics": ["product.inventoryChanged"], "method": "put", "burstLimit": 3 }),
            )
            .await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!((edited["method"].as_str(), edited["burstLimit"].as_u64()), (Some("PUT"), Some(3)));
        let (status, bad) =
            api.patch(&format!("/v1/accounts/acme/endpoints/{id}"), json!({ "url": "https://10.1.2.3/x" })).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_endpoint")));
        let (_, fetched) = api.get(&format!("/v1/accounts/acme/endpoints/{id}")).await;
        assert_eq!(fetched["topics"], json!(["product.inventoryChanged"]));
        let (_, listed) = api.get("/v1/accounts/acme/endpoints").await;
        assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));

        // Secrets: added active at once with the value shown once; listed by fingerprint; only the expiry changes.
        let (status, added) =
            api.post(&format!("/v1/accounts/acme/endpoints/{id}/secrets"), json!({ "label": "v2" })).await;
        assert_eq!(status, 201, "{added}");
        let value = added["value"].as_str().unwrap().to_owned();
        let (_, secrets) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/secrets")).await;
        let listed = secrets["data"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert!(!secrets.to_string().contains(&value), "a listing must not show secret values");
        assert!(listed.iter().all(|s| s["active"] == true));
        let secret_id = added["id"].as_str().unwrap();
        let path = format!("/v1/accounts/acme/endpoints/{id}/secrets/{secret_id}");
        let (status, refused) =
            api.patch(&path, json!({ "value": "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" })).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (400, Some("invalid_option")));
        let (status, expired) = api.patch(&path, json!({ "expiresAt": 1 })).await;
        assert_eq!((status, expired["active"].as_bool()), (200, Some(false)), "{expired}");

        let (status, _) = api.call(reqwest::Method::DELETE, &format!("/v1/accounts/acme/endpoints/{id}"), None).await;
        assert_eq!(status, 204);
        let (status, missing) = api.get(&format!("/v1/accounts/acme/endpoints/{id}")).await;
        assert_eq!((status, missing["error"]["code"].as_str()), (404, Some("not_found")));
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_fan_out_signed_and_verifiable_by_the_core() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let orders = Receiver::start(Reply::Status(204)).await;
        let products = Receiver::start(Reply::Status(200)).await;
        let fabric = Receiver::start(Reply::Status(200)).await;
        let (orders_id, orders_secret) =
            api.endpoint(json!({ "url": orders.url("/o"), "topics": ["order.created"], "method": "PUT" })).await;
        let (_, products_secret) =
            api.endpoint(json!({ "url": products.url("/p"), "topics": ["product.inventoryChanged"] })).await;
        let (_, fabric_secret) =
            api.endpoint(json!({ "url": fabric.url("/f"), "topics": ["order.created"], "scheme": "fabric" })).await;

        let posted = api.sample_event("order.created", Some("evt_fanout_1")).await;
        assert_eq!(posted["deliveries"], 2);
        let seen = orders.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(seen[0].method, "PUT");
        let event = verify(&orders_secret, &seen[0]).unwrap();
        assert_eq!((event.id.as_str(), event.topic.as_str()), ("evt_fanout_1", "order.created"));
        assert_eq!(seen[0].headers["webhook-id"], "evt_fanout_1");
        assert!(matches!(verify(&products_secret, &seen[0]), Err(WebhookError::NoMatchingSignature { .. })));

        let fabric_seen = fabric.wait_for(1, Duration::from_secs(10)).await;
        assert!(fabric_seen[0].headers.contains_key("fabric-dropship-signature"));
        let checker = Webhook::with_scheme(fabric_secret.as_str(), Scheme::Fabric).unwrap();
        let event = checker.verify(&header_map(&fabric_seen[0]), &fabric_seen[0].body, now_seconds()).unwrap();
        assert_eq!(event.topic, "order.created");

        // The same event id again queues nothing: (event, endpoint) is unique.
        let again = api.sample_event("order.created", Some("evt_fanout_1")).await;
        assert_eq!((again["deliveries"].as_u64(), again["duplicate"].as_bool()), (Some(0), Some(true)));

        // History: one successful attempt with status and latency.
        let attempts = harness.wait_attempts(&orders_id, 1).await;
        assert_eq!(attempts[0]["outcome"], "success");
        assert_eq!(attempts[0]["statusCode"], 204);
        assert!(attempts[0]["latencyMs"].as_i64().is_some());
        harness.wait_delivery(&orders_id, "succeeded").await;
        assert_eq!(products.count(), 0);

        // Bad events get the core's codes.
        let (status, bad) = api.post("/v1/accounts/acme/events", json!({ "topic": "order.shipped", "data": {} })).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_payload")));
        let (status, bad) =
            api.post("/v1/accounts/acme/events", json!({ "topic": "order.created", "data": { "lines": 5 } })).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_payload")), "{bad}");

        // A test event goes to one endpoint only, with the topic's sample data.
        let (status, test) = api.post(&format!("/v1/accounts/acme/endpoints/{orders_id}/test"), json!({})).await;
        assert_eq!((status, test["deliveries"].as_u64()), (202, Some(1)));
        let seen = orders.wait_for(2, Duration::from_secs(10)).await;
        assert!(verify(&orders_secret, &seen[1]).is_ok());
        assert_eq!(fabric.count(), 1);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(orders.count(), 2, "no duplicate deliveries");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_signs_with_every_active_secret_then_drops_the_expired_one() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (id, old) =
            api.endpoint(json!({ "url": receiver.url("/r"), "topics": ["product.inventoryChanged"] })).await;
        let (_, added) =
            api.post(&format!("/v1/accounts/acme/endpoints/{id}/secrets"), json!({ "label": "new" })).await;
        let new = added["value"].as_str().unwrap().to_owned();
        api.sample_event("product.inventoryChanged", None).await;
        let seen = receiver.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(seen[0].headers["webhook-signature"].to_str().unwrap().split(' ').count(), 2);
        assert!(verify(&old, &seen[0]).is_ok() && verify(&new, &seen[0]).is_ok());

        // Expire the old secret one hour from the service clock's now, then move the clock past it.
        let (_, secrets) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/secrets")).await;
        let old_id = secrets["data"].as_array().unwrap().iter().find(|s| s["label"] != "new").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let expiry = harness.clock.now_seconds_i64() + 3600;
        let (status, _) = api
            .patch(&format!("/v1/accounts/acme/endpoints/{id}/secrets/{old_id}"), json!({ "expiresAt": expiry }))
            .await;
        assert_eq!(status, 200);
        api.sample_event("product.inventoryChanged", None).await;
        let seen = receiver.wait_for(2, Duration::from_secs(10)).await;
        assert!(verify(&old, &seen[1]).is_ok(), "still active before its expiry");
        harness.clock.advance_seconds(3601);
        api.sample_event("product.inventoryChanged", None).await;
        let seen = receiver.wait_for(3, Duration::from_secs(10)).await;
        assert_eq!(seen[2].headers["webhook-signature"].to_str().unwrap().split(' ').count(), 1);
        assert!(verify(&new, &seen[2]).is_ok());
        assert!(matches!(verify(&old, &seen[2]), Err(WebhookError::NoMatchingSignature { .. })));
        // A receiver holding both (as during rotation) accepts it.
        let both = SecretSet::from(vec![Secret::new(old.clone()), Secret::new(new.clone())]);
        assert!(Webhook::new(both).unwrap().verify(&header_map(&seen[2]), &seen[2].body, now_seconds()).is_ok());
        harness.stop().await;
    }
}

trait ClockSeconds {
    fn now_seconds_i64(&self) -> i64;
}

impl ClockSeconds for delivery_service::ManualClock {
    fn now_seconds_i64(&self) -> i64 {
        delivery_service::Clock::now_ms(self) / 1000
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_retry_on_the_schedule_and_honour_retry_after() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        receiver.script([Reply::Status(500), Reply::StatusWithRetryAfter(429, "120".into())]);
        let (id, secret) = api.endpoint(json!({ "url": receiver.url("/r"), "topics": ["order.created"] })).await;
        let start = delivery_service::Clock::now_ms(harness.clock.as_ref());
        api.sample_event("order.created", Some("evt_retry")).await;
        receiver.wait_for(1, Duration::from_secs(10)).await;
        let pending = harness.wait_delivery(&id, "pending").await;
        // The first retry comes 30 s ± 20 % later, by the core's schedule.
        let attempts = harness.wait_attempts(&id, 1).await;
        assert_eq!((attempts[0]["errorClass"].as_str(), attempts[0]["statusCode"].as_u64()), (Some("http"), Some(500)));
        let delivery = harness.wait_delivery(&id, "pending").await;
        let next = delivery[0]["nextAttemptAt"].as_i64().unwrap() - start;
        assert!((24_000..=36_000).contains(&next), "first retry after {next} ms; {pending:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(receiver.count(), 1, "not retried before its time");

        harness.clock.advance_ms(36_001);
        receiver.wait_for(2, Duration::from_secs(10)).await;
        let attempts = harness.wait_attempts(&id, 2).await;
        assert_eq!(attempts[0]["statusCode"], 429);
        // Retry-After: 120 decides the next delay.
        let delivery = harness.wait_delivery(&id, "pending").await;
        let after_second = delivery[0]["nextAttemptAt"].as_i64().unwrap() - attempts[0]["startedAt"].as_i64().unwrap();
        assert!((120_000..=120_100).contains(&after_second), "Retry-After gave {after_second} ms");

        harness.clock.advance_ms(120_001);
        let seen = receiver.wait_for(3, Duration::from_secs(10)).await;
        harness.wait_delivery(&id, "succeeded").await;
        assert!(seen.iter().all(|s| s.headers["webhook-id"] == "evt_retry"), "the same id on every attempt");
        assert!(verify(&secret, &seen[2]).is_ok());
        let (_, health) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/health")).await;
        assert_eq!((health["status"].as_str(), health["failingSince"].is_null()), (Some("HEALTHY"), true));
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_end_when_the_schedule_is_used_up() {
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| {
            settings.worker.schedule =
                dropship_webhooks::delivery::RetrySchedule { max_retries: 2, ..Default::default() }.validate().unwrap();
        })
        .await;
        let receiver = Receiver::start(Reply::Status(503)).await;
        let (id, _) = harness.api.endpoint(json!({ "url": receiver.url("/r"), "topics": ["order.created"] })).await;
        harness.api.sample_event("order.created", None).await;
        for n in 1..=3 {
            receiver.wait_for(n, Duration::from_secs(10)).await;
            harness.wait_attempts(&id, n).await;
            harness.clock.advance_seconds(3 * 3600);
        }
        let failed = harness.wait_delivery(&id, "failed").await;
        assert_eq!(failed[0]["attempts"], 3);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(receiver.count(), 3, "given up after the first attempt and 2 retries");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_classified_in_the_history() {
    for backend in backends() {
        // A name with an empty answer stands for NXDOMAIN.
        let harness = Harness::start_with(backend, |settings| {
            settings.resolve.insert("nxdomain.example.test".into(), Vec::new());
        })
        .await;
        let api = &harness.api;
        let slow = Receiver::start(Reply::Slow(Duration::from_secs(5), 200)).await;
        let (reset_address, resets) = resetting_listener().await;
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
        let big = Receiver::start(Reply::Status(500)).await;
        let mut cases = Vec::new();
        for (url, class) in [
            (slow.url("/slow"), "timeout"),
            (format!("http://{reset_address}/reset"), "network"),
            (format!("http://{closed}/closed"), "connect"),
            (big.url("/error"), "http"),
            // TLS spoken to a plain-HTTP server: the handshake fails.
            (big.url("/tls").replace("http://", "https://"), "tls"),
            ("https://nxdomain.example.test/hook".to_owned(), "dns"),
        ] {
            let (id, _) = api.endpoint(json!({ "url": url, "topics": ["order.created"] })).await;
            cases.push((id, class));
        }
        api.sample_event("order.created", None).await;
        for (id, class) in &cases {
            let attempts = harness.wait_attempts(id, 1).await;
            assert_eq!(attempts[0]["errorClass"].as_str(), Some(*class), "{attempts:?}");
            assert_eq!(attempts[0]["outcome"], "failure");
            let (_, filtered) =
                api.get(&format!("/v1/accounts/acme/endpoints/{id}/attempts?errorClass={class}&outcome=failure")).await;
            assert_eq!(filtered["data"].as_array().map(Vec::len), Some(1));
        }
        assert!(resets.load(std::sync::atomic::Ordering::SeqCst) >= 1);
        let (_, error_attempts) = api.get(&format!("/v1/accounts/acme/endpoints/{}/attempts", cases[3].0)).await;
        let attempt_id = error_attempts["data"][0]["id"].as_str().unwrap();
        let (status, detail) = api.get(&format!("/v1/attempts/{attempt_id}")).await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["response"]["status"], 500);
        assert_eq!(detail["response"]["body"], "answered 500");
        // A failure before any response (connect, dns, timeout) has no response, only the request it tried.
        let (_, refused) = api.get(&format!("/v1/accounts/acme/endpoints/{}/attempts", cases[0].0)).await;
        let (_, refused) = api.get(&format!("/v1/attempts/{}", refused["data"][0]["id"].as_str().unwrap())).await;
        assert_eq!(refused["response"], serde_json::Value::Null, "{refused}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_response_excerpt_is_capped_at_16_kib() {
    use axum::routing::post;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/big", post(|| async { "x".repeat(100_000) }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let harness = Harness::start("sqlite").await;
    let (id, _) =
        harness.api.endpoint(json!({ "url": format!("http://{address}/big"), "topics": ["order.created"] })).await;
    harness.api.sample_event("order.created", None).await;
    let attempts = harness.wait_attempts(&id, 1).await;
    let (_, detail) = harness.api.get(&format!("/v1/attempts/{}", attempts[0]["id"].as_str().unwrap())).await;
    assert_eq!(detail["response"]["body"].as_str().map(str::len), Some(16 * 1024));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_and_burst_limits_pace_without_failing() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let paced = Receiver::start(Reply::Status(200)).await;
        let (paced_id, _) =
            api.endpoint(json!({ "url": paced.url("/rate"), "topics": ["order.created"], "rateLimit": 5 })).await;
        let narrow = Receiver::start(Reply::Slow(Duration::from_millis(150), 200)).await;
        let (narrow_id, _) =
            api.endpoint(json!({ "url": narrow.url("/burst"), "topics": ["order.created"], "burstLimit": 2 })).await;
        for _ in 0..10 {
            api.sample_event("order.created", None).await;
        }
        let seen = paced.wait_for(10, Duration::from_secs(15)).await;
        let spread = seen[9].at - seen[0].at;
        // Ten requests at 5/s: the tenth comes at least 9 × 200 ms after the first (less a little scheduling slack).
        assert!(spread >= Duration::from_millis(1_700), "10 requests in {spread:?} at 5/s");
        narrow.wait_for(10, Duration::from_secs(15)).await;
        assert!(narrow.max_in_flight() <= 2, "{} in flight with burst 2", narrow.max_in_flight());
        for id in [&paced_id, &narrow_id] {
            let attempts = harness.wait_attempts(id, 10).await;
            assert!(attempts.iter().all(|a| a["outcome"] == "success"), "being held back is not a failure");
            let (_, deliveries) =
                api.get(&format!("/v1/accounts/acme/endpoints/{id}/deliveries?status=succeeded")).await;
            let list = deliveries["data"].as_array().unwrap();
            assert_eq!(list.len(), 10);
            assert!(list.iter().all(|d| d["attempts"] == 1), "{list:?}");
        }
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_days_of_failure_fail_and_deactivate_the_endpoint_until_reactivated() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(500)).await;
        let (id, secret) = api.endpoint(json!({ "url": receiver.url("/r"), "topics": ["order.created"] })).await;
        api.sample_event("order.created", Some("evt_before_failure")).await;
        harness.wait_attempts(&id, 1).await;
        let (_, health) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/health")).await;
        assert_eq!(health["status"], "HEALTHY", "failing, but not for 3 days yet");
        assert!(health["failingSince"].is_u64());

        // Two days on, still failing: still HEALTHY.
        harness.clock.advance_seconds(2 * 86_400);
        harness.wait_attempts(&id, 2).await;
        let (_, health) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/health")).await;
        assert_eq!(health["status"], "HEALTHY");

        // Past three days since the first failure of the streak: FAILED and deactivated.
        harness.clock.advance_seconds(86_400 + 1);
        harness.wait_attempts(&id, 3).await;
        let (_, health) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/health")).await;
        assert_eq!((health["status"].as_str(), health["enabled"].as_bool()), (Some("FAILED"), Some(false)), "{health}");
        let attempts_when_failed = receiver.count();

        // Nothing more is sent while FAILED; new events do not queue for it.
        harness.clock.advance_seconds(3 * 3600);
        let posted = api.sample_event("order.created", None).await;
        assert_eq!(posted["deliveries"], 0);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(receiver.count(), attempts_when_failed);

        // Re-activation: HEALTHY with a fresh streak, and the pending delivery resumes.
        receiver.set_default(Reply::Status(200));
        let (status, activated) = api.post(&format!("/v1/accounts/acme/endpoints/{id}/activate"), json!({})).await;
        assert_eq!((status, activated["health"]["status"].as_str()), (200, Some("HEALTHY")));
        let seen = receiver.wait_for(attempts_when_failed + 1, Duration::from_secs(10)).await;
        let last = seen.last().unwrap();
        assert_eq!(last.headers["webhook-id"], "evt_before_failure");
        assert!(verify(&secret, last).is_ok());
        harness.wait_delivery(&id, "succeeded").await;

        // Deactivation by the owner holds deliveries back too.
        api.post(&format!("/v1/accounts/acme/endpoints/{id}/deactivate"), json!({})).await;
        let posted = api.sample_event("order.created", None).await;
        assert_eq!(posted["deliveries"], 0);
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_filterable_and_pruned_after_retention() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (id, _) = api
            .endpoint(json!({ "url": receiver.url("/r"), "topics": ["order.created", "product.inventoryChanged"] }))
            .await;
        api.sample_event("order.created", None).await;
        api.sample_event("product.inventoryChanged", None).await;
        harness.wait_attempts(&id, 2).await;
        let (_, orders) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/deliveries?topic=order.created")).await;
        assert_eq!(orders["data"].as_array().map(Vec::len), Some(1));
        let delivery = orders["data"][0]["id"].as_str().unwrap().to_owned();
        let (_, detail) = api.get(&format!("/v1/deliveries/{delivery}")).await;
        assert_eq!(detail["attempts"].as_array().map(Vec::len), Some(1));
        let (status, bad) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/deliveries?limit=lots")).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_option")));

        // 31 days later the retention task (30 days by default) has removed the history.
        harness.clock.advance_seconds(31 * 86_400);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (_, attempts) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/attempts")).await;
            let (_, deliveries) = api.get(&format!("/v1/accounts/acme/endpoints/{id}/deliveries")).await;
            if attempts["data"].as_array().is_some_and(Vec::is_empty)
                && deliveries["data"].as_array().is_some_and(Vec::is_empty)
            {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "history not pruned: {attempts}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_targets_are_refused_at_configuration_and_at_connect_time() {
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| {
            settings.allow_insecure_loopback = false;
            settings.resolve.insert("internal.example.test".into(), vec!["10.0.0.5".parse().unwrap()]);
            settings.resolve.insert("rebind.example.test".into(), vec!["127.0.0.1".parse().unwrap()]);
            settings.resolve.insert("mapped.example.test".into(), vec!["::ffff:169.254.169.254".parse().unwrap()]);
        })
        .await;
        let api = &harness.api;
        for url in [
            "https://127.0.0.1/hook",
            "https://localhost/hook",
            "https://10.0.0.1/hook",
            "https://192.168.1.10/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[::1]/hook",
            "https://0x7f.1/hook",
            "http://127.0.0.1:9/hook",
        ] {
            let (status, answer) =
                api.post("/v1/accounts/acme/endpoints", json!({ "url": url, "topics": ["order.created"] })).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (400, Some("invalid_endpoint")), "{url}");
        }
        // Names that look public but resolve inward pass the configuration rules and are stopped at connect time.
        let mut ids = Vec::new();
        for host in ["internal.example.test", "rebind.example.test", "mapped.example.test"] {
            let (id, _) =
                api.endpoint(json!({ "url": format!("https://{host}/hook"), "topics": ["order.created"] })).await;
            ids.push(id);
        }
        api.sample_event("order.created", None).await;
        for id in &ids {
            let attempts = harness.wait_attempts(id, 1).await;
            assert_eq!(attempts[0]["errorClass"], "blocked", "{attempts:?}");
            assert!(attempts[0]["statusCode"].is_null());
            // The reason, without the internal addresses the name resolved to.
            let error = attempts[0]["error"].as_str().unwrap();
            assert!(error.contains("resolves only to non-public addresses"), "{error}");
            assert!(!error.contains("10.") && !error.contains("127.") && !error.contains("::"), "{error}");
        }
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let inner = Receiver::start(Reply::Status(200)).await;
        let outer = Receiver::start(Reply::Redirect(inner.url("/admin"))).await;
        let (id, _) = harness.api.endpoint(json!({ "url": outer.url("/hook"), "topics": ["order.created"] })).await;
        harness.api.sample_event("order.created", None).await;
        let attempts = harness.wait_attempts(&id, 1).await;
        assert_eq!((attempts[0]["statusCode"].as_u64(), attempts[0]["errorClass"].as_str()), (Some(302), Some("http")));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(inner.count(), 0, "the redirect target was never requested");
        harness.stop().await;
    }
}
