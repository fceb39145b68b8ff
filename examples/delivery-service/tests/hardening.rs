//! Secrets and keys kept in shape (issue [hardening], its first group): expired secrets leave the cap and can be
//! deleted, the last active secret cannot be expired, a roll overlaps old and new, fabric secrets have a floor,
//! listings show fingerprints, admin keys have a floor and can be revoked (not the last), and the API's edges
//! answer 413 and length errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::time::Duration;

use delivery_service::Clock;

use serde_json::json;
use support::{at, backends, Harness, Receiver, Reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_rotate_roll_expire_and_are_deleted_in_shape() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (id, first) = api.endpoint(json!({ "url": receiver.url("/secrets"), "topics": ["order.created"] })).await;
        let secrets = at(&format!("/endpoints/{id}/secrets"));

        // Listings: a fingerprint, nothing of the value.
        let (_, listed) = api.get(&secrets).await;
        let fingerprint = listed["data"][0]["fingerprint"].as_str().unwrap().to_owned();
        assert!(fingerprint.starts_with("sha256:") && fingerprint.len() == 7 + 16, "{backend}: {listed}");
        assert!(!listed.to_string().contains(&first[6..16]), "{backend}: part of the value is listed");

        // The only secret cannot be expired.
        let first_id = listed["data"][0]["id"].as_str().unwrap().to_owned();
        let now = harness.clock.now_ms() / 1000;
        let (status, refused) = api.patch(&format!("{secrets}/{first_id}"), json!({ "expiresAt": now + 60 })).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("last_active_secret")), "{backend}");

        // 32 live secrets at most; expired ones do not count.
        for n in 1..32 {
            let (status, body) = api.post(&secrets, json!({ "label": format!("s{n}") })).await;
            assert_eq!(status, 201, "{backend}: {body}");
        }
        let (status, full) = api.post(&secrets, json!({ "label": "one too many" })).await;
        assert_eq!((status, full["error"]["code"].as_str()), (400, Some("invalid_secret")), "{backend}: {full}");
        let (_, listed) = api.get(&secrets).await;
        let ids: Vec<String> =
            listed["data"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
        for id in &ids[..10] {
            let (status, body) = api.patch(&format!("{secrets}/{id}"), json!({ "expiresAt": now + 1 })).await;
            assert_eq!(status, 200, "{backend}: {body}");
        }
        // An active secret cannot be deleted; once expired it can.
        let (status, busy) = api.delete(&format!("{secrets}/{}", ids[0])).await;
        assert_eq!((status, busy["error"]["code"].as_str()), (409, Some("secret_active")), "{backend}");
        harness.clock.advance_seconds(2);
        let (status, body) = api.post(&secrets, json!({ "label": "fits again" })).await;
        assert_eq!(status, 201, "{backend}: the cap counts live secrets only: {body}");
        let (status, _) = api.delete(&format!("{secrets}/{}", ids[0])).await;
        assert_eq!(status, 204, "{backend}");
        // Deliveries still sign, with every live secret (23 of them), though 32 are stored.
        api.sample_event("order.created", Some("evt_many_secrets")).await;
        let seen = receiver.wait_for(1, Duration::from_secs(20)).await;
        let signature = seen[0].headers["webhook-signature"].to_str().unwrap().to_owned();
        assert_eq!(signature.split(' ').count(), 23, "{backend}: {signature}");

        // Roll: a new secret, every live one expiring after the overlap; 7 days at most.
        let (status, bad) = api.post(&format!("{secrets}/roll"), json!({ "overlapSeconds": 8 * 86_400 })).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_option")), "{backend}");
        let (status, rolled) = api.post(&format!("{secrets}/roll"), json!({ "label": "rolled" })).await;
        assert_eq!(status, 201, "{backend}: {rolled}");
        assert_eq!(rolled["expiring"].as_array().unwrap().len(), 23, "{backend}: every live one");
        let expires = rolled["oldSecretsExpireAt"].as_i64().unwrap();
        assert_eq!(expires, harness.clock.now_ms() / 1000 + 86_400, "{backend}");
        harness.clock.advance_seconds(86_401);
        let (_, listed) = api.get(&secrets).await;
        let active: Vec<&str> = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["active"] == true)
            .map(|s| s["label"].as_str().unwrap_or(""))
            .collect();
        assert_eq!(active, ["rolled"], "{backend}");

        // Expired secrets are purged after their retention.
        let store = &harness.service.as_ref().unwrap().store;
        let purged = store.purge_expired_secrets(harness.clock.now_ms() / 1000).await.unwrap();
        assert_eq!(purged, 32, "{backend}: 9 expired earlier and the 23 the roll expired; its new one stays");
        let (_, listed) = api.get(&secrets).await;
        assert_eq!(listed["data"].as_array().unwrap().len(), 1, "{backend}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabric_secrets_keys_and_request_edges_are_refused_clearly() {
    let harness = Harness::start("sqlite").await;
    let api = &harness.api;
    let body = |secret: &str| {
        json!({ "url": "https://hooks.example.com/fabric", "topics": ["order.created"], "scheme": "fabric",
                "secret": { "value": secret } })
    };
    let (status, short) = api.post(&at("/endpoints"), body("hunter2")).await;
    assert_eq!((status, short["error"]["code"].as_str()), (400, Some("invalid_secret")), "{short}");
    let (status, long) = api.post(&at("/endpoints"), body("a-fabric-secret-of-24-bytes")).await;
    assert_eq!(status, 201, "{long}");

    // An event id is the first part of the signed `id.timestamp.body`: no `.` in it.
    let sample: serde_json::Value =
        serde_json::from_str(dropship_webhooks::samples::sample_event_json("order.created").unwrap()).unwrap();
    let (status, dotted) =
        api.post(&at("/events"), json!({ "id": "evt.1", "topic": "order.created", "data": sample["data"] })).await;
    assert_eq!((status, dotted["error"]["code"].as_str()), (400, Some("invalid_payload")), "{dotted}");
    assert!(
        dotted["error"]["message"].as_str().unwrap().contains("`.` separates the signed `id.timestamp.body`"),
        "{dotted}"
    );

    // Length limits and oversize bodies.
    let (status, long_description) = api
        .post(&at("/endpoints"), json!({ "url": "https://hooks.example.com/d", "topics": ["order.created"], "description": "x".repeat(2001) }))
        .await;
    assert_eq!((status, long_description["error"]["code"].as_str()), (400, Some("invalid_option")));
    let huge = json!({ "topic": "order.created", "data": { "note": "x".repeat(3 * 1024 * 1024) } });
    // Its own client: the server closes a connection whose body it did not read, and a pooled one would be reused.
    let separate = support::Api::new(harness.service.as_ref().unwrap().address.unwrap());
    let (status, too_large) = separate.post(&at("/events"), huge).await;
    assert_eq!((status, too_large["error"]["code"].as_str()), (413, Some("payload_too_large")), "{too_large}");

    // Admin keys: listed, and the last one cannot be revoked; an account key can be revoked by the admin.
    let (_, keys) = api.get("/v1/keys").await;
    let admin = keys["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, last) = api.delete(&format!("/v1/keys/{admin}")).await;
    assert_eq!((status, last["error"]["code"].as_str()), (409, Some("last_admin_key")));
    let (_, account_key) = api.post(&at("/keys"), json!({})).await;
    let account_api = api.clone().with_key(account_key["key"].as_str().unwrap());
    let (status, _) = account_api.get("/v1/keys").await;
    assert_eq!(status, 403);
    let (status, _) = api.delete(&format!("/v1/keys/{}", account_key["id"].as_str().unwrap())).await;
    assert_eq!(status, 204);
    let (status, _) = account_api.get(&at("/endpoints")).await;
    assert_eq!(status, 401);
    harness.stop().await;

    // A short admin key is refused at start, with the reason.
    let (url, _dir) = support::fresh_database("sqlite").await;
    let mut settings = support::test_settings(url);
    settings.api_keys = vec!["short-key".into()];
    let clock = std::sync::Arc::new(delivery_service::ManualClock::new(1_790_000_000_000));
    let error = delivery_service::Service::start(settings, clock).await.err().unwrap().to_string();
    assert!(error.contains("at least 128 bits"), "{error}");
    // An unknown database scheme is reported without the URL (it may hold a password).
    let mut settings = support::test_settings("mysql://user:hunter2@db/x".into());
    settings.listen = None;
    let clock = std::sync::Arc::new(delivery_service::ManualClock::new(1_790_000_000_000));
    let error = delivery_service::Service::start(settings, clock).await.err().unwrap().to_string();
    assert!(error.contains("unsupported database URL scheme") && !error.contains("hunter2"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_410_switches_the_endpoint_off_and_an_abort_answer_stops_retrying() {
    use axum::routing::post;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new().route("/gone", post(|| async { (axum::http::StatusCode::GONE, "gone") })).route(
        "/poison",
        post(|| async {
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, [("webhook-delivery", "abort-message")], "no")
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let (gone, _) =
            api.endpoint(json!({ "url": format!("http://{address}/gone"), "topics": ["order.created"] })).await;
        let (poison, _) =
            api.endpoint(json!({ "url": format!("http://{address}/poison"), "topics": ["order.created"] })).await;
        api.sample_event("order.created", Some("evt_signals")).await;
        for id in [&gone, &poison] {
            let failed = harness.wait_delivery(id, "failed").await;
            assert_eq!(failed[0]["attempts"], 1, "{backend}: given up after one attempt: {failed:?}");
        }
        // 410: switched off at once (still HEALTHY), and the health says why.
        let (_, health) = api.get(&at(&format!("/endpoints/{gone}/health"))).await;
        assert_eq!(
            (health["enabled"].as_bool(), health["status"].as_str()),
            (Some(false), Some("HEALTHY")),
            "{backend}"
        );
        assert!(health["disabledReason"].as_str().unwrap().contains("410 Gone"), "{backend}: {health}");
        let (_, attempts) = api.get(&at(&format!("/endpoints/{gone}/attempts"))).await;
        assert!(attempts["data"][0]["error"].as_str().unwrap().contains("410 Gone"), "{backend}");
        let (_, activated) = api.post(&at(&format!("/endpoints/{gone}/activate")), json!({})).await;
        assert_eq!(
            (activated["active"].as_bool(), &activated["disabledReason"]),
            (Some(true), &serde_json::Value::Null)
        );
        // The abort answer: that delivery is not retried, the endpoint stays on.
        let (_, poisoned) = api.get(&at(&format!("/endpoints/{poison}"))).await;
        assert_eq!(poisoned["active"], true, "{backend}");
        let (_, attempts) = api.get(&at(&format!("/endpoints/{poison}/attempts"))).await;
        assert!(attempts["data"][0]["error"].as_str().unwrap().contains("abort-message"), "{backend}: {attempts}");
        harness.clock.advance_seconds(3 * 3600);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (_, attempts) = api.get(&at(&format!("/endpoints/{poison}/attempts"))).await;
        assert_eq!(attempts["data"].as_array().unwrap().len(), 1, "{backend}: not retried");
        harness.stop().await;
    }
}

/// Reads from a raw connection until it closes or `within` passes; whether it closed, and what it said.
async fn read_until_closed(stream: &mut tokio::net::TcpStream, within: Duration) -> (bool, String) {
    use tokio::io::AsyncReadExt;
    let mut text = Vec::new();
    let mut buffer = [0u8; 1024];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (true, String::from_utf8_lossy(&text).into_owned()),
            Ok(Ok(n)) => text.extend_from_slice(&buffer[..n]),
            Err(_) => return (false, String::from_utf8_lossy(&text).into_owned()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_server_caps_connections_and_times_out_slow_clients() {
    use tokio::io::AsyncWriteExt;
    let harness = Harness::start_with("sqlite", |settings| {
        settings.server = delivery_service::http::server::ServerLimits {
            max_connections: 4,
            header_read_timeout: Duration::from_millis(800),
            body_read_timeout: Duration::from_millis(800),
            ..Default::default()
        };
    })
    .await;
    let address = harness.service.as_ref().unwrap().address.unwrap();
    // The harness's own kept-alive connection is closed by the header timeout first.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(tokio::net::TcpStream::connect(address).await.unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Past the cap, a new connection takes the slot of the one that waited on its client longest: it is served,
    // and the oldest idle one is closed at once.
    let (status, _) = support::Api::new(address).get("/v1/topics").await;
    assert_eq!(status, 200, "a request past the cap is served");
    let (closed, _) = read_until_closed(&mut idle[0], Duration::from_millis(400)).await;
    assert!(closed, "the longest-idle connection gave its slot up");
    // Connections that send no headers are closed after the header timeout, freeing their slots.
    for stream in &mut idle[1..] {
        let (closed, _) = read_until_closed(stream, Duration::from_secs(3)).await;
        assert!(closed, "an idle connection was held open");
    }
    let (status, _) = support::Api::new(address).get("/v1/topics").await;
    assert_eq!(status, 200);
    // A body that never finishes arriving: 408 after the body timeout.
    let mut slow = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\n\
         content-length: 100\r\n\r\n{{\"topic\":",
        at("/events"),
        support::API_KEY
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let (_, answer) = read_until_closed(&mut slow, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("request_timeout"), "{answer}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_down_answers_pause_the_endpoint_and_a_success_resumes_it() {
    for backend in backends() {
        let receiver = Receiver::start(Reply::Status(200)).await;
        receiver.script([Reply::StatusWithRetryAfter(429, "5".into()), Reply::Status(502), Reply::Status(504)]);
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        // One request in flight at a time, so each answer is seen before the next request is claimed.
        let (endpoint, _) =
            api.endpoint(json!({ "url": receiver.url("/slow"), "topics": ["order.created"], "burstLimit": 1 })).await;
        for id in ["evt_slow_1", "evt_slow_2", "evt_slow_3"] {
            api.sample_event("order.created", Some(id)).await;
        }
        let paused_until = || async {
            let (_, health) = api.get(&at(&format!("/endpoints/{endpoint}/health"))).await;
            health["slowedUntil"].as_i64()
        };
        let quiet = |expected: usize| {
            let receiver = receiver.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(400)).await;
                assert_eq!(receiver.count(), expected, "{backend}: a request went out during the pause");
            }
        };
        // 429 with Retry-After: 5 → paused 5 s (more than the first 1 s pause).
        receiver.wait_for(1, Duration::from_secs(10)).await;
        harness.wait_attempts(&endpoint, 1).await;
        let start = harness.clock.now_ms();
        assert_eq!(paused_until().await, Some(start + 5_000), "{backend}");
        quiet(1).await;
        // 502 → 2 s (the second consecutive), 504 → 4 s.
        harness.clock.advance_seconds(5);
        receiver.wait_for(2, Duration::from_secs(10)).await;
        harness.wait_attempts(&endpoint, 2).await;
        assert_eq!(paused_until().await, Some(start + 5_000 + 2_000), "{backend}");
        quiet(2).await;
        harness.clock.advance_seconds(2);
        receiver.wait_for(3, Duration::from_secs(10)).await;
        harness.wait_attempts(&endpoint, 3).await;
        assert_eq!(paused_until().await, Some(start + 7_000 + 4_000), "{backend}");
        quiet(3).await;
        // After the pause, and once the retries are due, everything goes out; the first success ends the streak.
        for _ in 0..20 {
            harness.clock.advance_seconds(60);
            tokio::time::sleep(Duration::from_millis(100)).await;
            let (_, delivered) = api.get(&at(&format!("/endpoints/{endpoint}/deliveries?status=succeeded"))).await;
            if delivered["data"].as_array().unwrap().len() == 3 {
                break;
            }
        }
        let (_, delivered) = api.get(&at(&format!("/endpoints/{endpoint}/deliveries?status=succeeded"))).await;
        assert_eq!(delivered["data"].as_array().unwrap().len(), 3, "{backend}: {delivered}");
        assert_eq!(paused_until().await, None, "{backend}");
        let (_, attempts) = api.get(&at(&format!("/endpoints/{endpoint}/attempts?limit=10"))).await;
        let statuses: Vec<i64> =
            attempts["data"].as_array().unwrap().iter().filter_map(|a| a["statusCode"].as_i64()).collect();
        assert_eq!(
            statuses.iter().filter(|status| [429, 502, 504].contains(status)).count(),
            3,
            "{backend}: {statuses:?}"
        );
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn urls_are_stored_as_the_sender_reads_them_and_refused_where_it_cannot() {
    let harness = Harness::start("sqlite").await;
    let api = &harness.api;
    let path = at("/endpoints");
    let create = |url: &str| api.post(&path, json!({ "url": url, "topics": ["order.created"] }));
    // Spellings of a public address are stored as the address the sender will connect to.
    for (written, stored) in [
        ("https://0x5d.184.216.34/hook", "https://93.184.216.34/hook"),
        ("https://93.184.216.34./dot", "https://93.184.216.34/dot"),
    ] {
        let (status, created) = create(written).await;
        assert_eq!((status, created["url"].as_str()), (201, Some(stored)), "{written}: {created}");
    }
    // A numeric last label that is no valid address, and a name the sender's parser (WHATWG, IDNA) refuses.
    for (refused, says) in [
        ("https://1.2.3.09/", "IPv4 address is malformed"),
        ("https://xn--a.example.com/", "the sender's URL parser (WHATWG) refuses it"),
    ] {
        let (status, error) = create(refused).await;
        assert_eq!((status, error["error"]["code"].as_str()), (400, Some("invalid_endpoint")), "{refused}: {error}");
        assert!(error["error"]["message"].as_str().unwrap().contains(says), "{refused}: {error}");
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_are_whole_numbers_or_refused_on_their_field_never_rounded() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let url = "https://hooks.example.com/limits";
        // A fraction is `invalid_option` on its field, on create and on edit; nothing is saved.
        for (field, value) in [("rateLimit", json!(2.5)), ("burstLimit", json!(0.5)), ("rateLimit", json!(2.0))] {
            let (status, refused) =
                api.post(&at("/endpoints"), json!({ "url": url, "topics": ["order.created"], field: value })).await;
            assert_eq!(
                (status, refused["error"]["code"].as_str()),
                (400, Some("invalid_option")),
                "{backend}: {refused}"
            );
            assert_eq!(refused["error"]["field"], field, "{backend}");
        }
        let (_, listed) = api.get(&at("/endpoints")).await;
        assert_eq!(listed["data"], json!([]), "{backend}: nothing saved");
        let (status, created) =
            api.post(&at("/endpoints"), json!({ "url": url, "topics": ["order.created"], "rateLimit": 3 })).await;
        assert_eq!(status, 201, "{created}");
        let id = created["endpoint"]["id"].as_str().unwrap_or_else(|| created["id"].as_str().unwrap()).to_owned();
        let (status, refused) = api.patch(&at(&format!("/endpoints/{id}")), json!({ "rateLimit": 7.25 })).await;
        assert_eq!((status, refused["error"]["field"].as_str()), (400, Some("rateLimit")), "{backend}: {refused}");
        // Out of range stays refused as before; a whole number in range is kept as typed.
        let (status, _) = api.patch(&at(&format!("/endpoints/{id}")), json!({ "burstLimit": 4294967296_i64 })).await;
        assert_eq!(status, 400, "{backend}");
        let (status, edited) =
            api.patch(&at(&format!("/endpoints/{id}")), json!({ "rateLimit": 4294967295_i64 })).await;
        assert_eq!((status, edited["rateLimit"].as_u64()), (200, Some(4_294_967_295)), "{backend}: {edited}");
        harness.stop().await;
    }
}
