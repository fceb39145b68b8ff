//! A platform's service (issue [accounts]): accounts and their keys kept apart route by route, resend and recover
//! against a receiver that fails and then heals, attempt detail, stable cursor pages, the audit log, the live
//! stream, secrets sealed at rest and an upgrade of a one-owner database. Every test that needs a database runs on
//! SQLite and, when `DELIVERY_TEST_POSTGRES_URL` is set, on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{at, backends, fresh_database, Api, Harness, Receiver, Reply};

/// An account with one endpoint, one delivered event and its attempt: the ids a route test needs.
struct Seeded {
    account: String,
    endpoint: String,
    secret: String,
    delivery: String,
    attempt: String,
    key_id: String,
}

/// Makes `account` (admin key) with an endpoint to `receiver`, one event delivered, and an account key; returns
/// the ids and a client holding the account key.
async fn seed(harness: &Harness, account: &str, receiver: &Receiver) -> (Seeded, Api) {
    let admin = &harness.api;
    let (status, body) = admin.post("/v1/accounts", json!({ "id": account, "name": account.to_uppercase() })).await;
    assert_eq!(status, 201, "{body}");
    let (status, key) = admin.post(&format!("/v1/accounts/{account}/keys"), json!({})).await;
    assert_eq!(status, 201, "{key}");
    let client = admin.clone().with_key(key["key"].as_str().unwrap());
    let (status, endpoint) = client
        .post(
            &format!("/v1/accounts/{account}/endpoints"),
            json!({ "url": receiver.url(&format!("/{account}")), "topics": ["order.created"] }),
        )
        .await;
    assert_eq!(status, 201, "{endpoint}");
    let endpoint_id = endpoint["id"].as_str().unwrap().to_owned();
    let (_, secrets) = client.get(&format!("/v1/accounts/{account}/endpoints/{endpoint_id}/secrets")).await;
    let sample: Value =
        serde_json::from_str(dropship_webhooks::samples::sample_event_json("order.created").unwrap()).unwrap();
    let (status, event) = client
        .post(&format!("/v1/accounts/{account}/events"), json!({ "topic": "order.created", "data": sample["data"] }))
        .await;
    assert_eq!(status, 202, "{event}");
    let attempt = wait_list(&client, &format!("/v1/accounts/{account}/attempts"), 1).await.remove(0);
    let seeded = Seeded {
        account: account.into(),
        endpoint: endpoint_id,
        secret: secrets["data"][0]["id"].as_str().unwrap().into(),
        delivery: attempt["deliveryId"].as_str().unwrap().into(),
        attempt: attempt["id"].as_str().unwrap().into(),
        key_id: key["id"].as_str().unwrap().into(),
    };
    (seeded, client)
}

/// Waits (bounded) until a list has at least `n` rows.
async fn wait_list(api: &Api, path: &str, n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = api.get(path).await;
        let list = body["data"].as_array().cloned().unwrap_or_default();
        if list.len() >= n {
            return list;
        }
        assert!(Instant::now() < deadline, "{path}: {} rows, expected {n}: {body}", list.len());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every route that reaches something of `other`, with a body where it takes one.
fn routes_into(other: &Seeded) -> Vec<(reqwest::Method, String, Option<Value>)> {
    use reqwest::Method;
    let account = format!("/v1/accounts/{}", other.account);
    let endpoint = format!("{account}/endpoints/{}", other.endpoint);
    vec![
        (Method::GET, account.clone(), None),
        (Method::PATCH, account.clone(), Some(json!({ "name": "taken over" }))),
        (Method::DELETE, account.clone(), None),
        (Method::GET, format!("{account}/keys"), None),
        (Method::POST, format!("{account}/keys"), Some(json!({}))),
        (Method::DELETE, format!("{account}/keys/{}", other.key_id), None),
        (Method::GET, format!("{account}/endpoints"), None),
        (
            Method::POST,
            format!("{account}/endpoints"),
            Some(json!({ "url": "https://a.example.com/x", "topics": ["order.created"] })),
        ),
        (Method::GET, endpoint.clone(), None),
        (Method::PATCH, endpoint.clone(), Some(json!({ "description": "taken over" }))),
        (Method::DELETE, endpoint.clone(), None),
        (Method::POST, format!("{endpoint}/activate"), Some(json!({}))),
        (Method::POST, format!("{endpoint}/deactivate"), Some(json!({}))),
        (Method::GET, format!("{endpoint}/health"), None),
        (Method::GET, format!("{endpoint}/secrets"), None),
        (Method::POST, format!("{endpoint}/secrets"), Some(json!({ "label": "mine" }))),
        (Method::PATCH, format!("{endpoint}/secrets/{}", other.secret), Some(json!({ "expiresAt": 1 }))),
        (Method::POST, format!("{endpoint}/test"), Some(json!({}))),
        (Method::GET, format!("{endpoint}/deliveries"), None),
        (Method::GET, format!("{endpoint}/attempts"), None),
        (Method::POST, format!("{endpoint}/recover"), Some(json!({ "dryRun": true }))),
        (Method::POST, format!("{account}/events"), Some(json!({ "topic": "order.created", "data": {} }))),
        (Method::GET, format!("{account}/events"), None),
        (Method::GET, format!("{account}/deliveries"), None),
        (Method::GET, format!("{account}/attempts"), None),
        (Method::GET, format!("{account}/audit"), None),
        (Method::GET, format!("{account}/stream"), None),
        (Method::PUT, format!("{account}/operational-webhook"), Some(json!({ "url": "https://a.example.com/ops" }))),
        (Method::GET, format!("{account}/operational-webhook"), None),
        (Method::DELETE, format!("{account}/operational-webhook"), None),
        (Method::GET, format!("{account}/operational-events"), None),
        (Method::POST, format!("{account}/console-links"), Some(json!({}))),
        (Method::GET, format!("/v1/deliveries/{}", other.delivery), None),
        (Method::POST, format!("/v1/deliveries/{}/resend", other.delivery), Some(json!({}))),
        (Method::GET, format!("/v1/attempts/{}", other.attempt), None),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_cannot_see_or_change_each_other_route_by_route() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (alpha, alpha_api) = seed(&harness, "alpha", &receiver).await;
        let (beta, beta_api) = seed(&harness, "beta", &receiver).await;
        let beta_before = harness.api.get(&format!("/v1/accounts/beta/endpoints/{}", beta.endpoint)).await.1;
        for (client, own, other) in [(&alpha_api, &alpha, &beta), (&beta_api, &beta, &alpha)] {
            // Every route into the other account answers 404, the answer for what does not exist.
            for (method, path, body) in routes_into(other) {
                let (status, answer) = client.call(method.clone(), &path, body.clone()).await;
                assert_eq!(status, 404, "{backend}: {method} {path} with {}'s key: {answer}", own.account);
                assert_eq!(answer["error"]["code"], "not_found", "{backend}: {method} {path}");
            }
        }
        // Nothing of beta changed.
        let beta_after = harness.api.get(&format!("/v1/accounts/beta/endpoints/{}", beta.endpoint)).await.1;
        assert_eq!(beta_before, beta_after, "{backend}");
        let (_, beta_keys) = harness.api.get("/v1/accounts/beta/keys").await;
        assert_eq!(beta_keys["data"].as_array().unwrap().len(), 1, "{backend}: {beta_keys}");
        for (client, own) in [(&alpha_api, &alpha), (&beta_api, &beta)] {
            // The same routes into its own account work (all but the ones that need the admin key or end it).
            for (method, path, body) in routes_into(own) {
                if path.ends_with("/stream")
                    || path.ends_with("/keys")
                    || (method == reqwest::Method::DELETE)
                    || path.ends_with("/test")
                    || path.ends_with("/resend")
                    || path.ends_with("/secrets") && method == reqwest::Method::POST
                    || path.ends_with("/deactivate")
                    || path.contains("/secrets/")
                    || path.ends_with("/events") && method == reqwest::Method::POST
                {
                    continue;
                }
                let (status, answer) = client.call(method.clone(), &path, body).await;
                assert!(status < 300, "{backend}: {method} {path} with its own key: {status} {answer}");
            }
            // An account key lists only its own account and cannot make or delete accounts.
            let (_, listed) = client.get("/v1/accounts").await;
            let ids: Vec<&str> = listed["data"].as_array().unwrap().iter().map(|a| a["id"].as_str().unwrap()).collect();
            assert_eq!(ids, [own.account.as_str()], "{backend}");
            let (status, _) = client.post("/v1/accounts", json!({ "id": "gamma" })).await;
            assert_eq!(status, 403, "{backend}");
            let (status, _) = client.delete(&format!("/v1/accounts/{}", own.account)).await;
            assert_eq!(status, 403, "{backend}");
        }
        // The admin key sees every account.
        let (_, all) = harness.api.get("/v1/accounts").await;
        assert_eq!(all["data"].as_array().unwrap().len(), 3, "{backend}: acme, alpha, beta");
        // The same URL may be configured in two accounts (unique within an account only).
        let (status, _) = beta_api
            .post("/v1/accounts/beta/endpoints", json!({ "url": receiver.url("/alpha"), "topics": ["order.created"] }))
            .await;
        assert_eq!(status, 201, "{backend}");
        // Keys are the admin's to manage: an account key can neither list, mint nor revoke them (a leaked key
        // could otherwise make itself a successor before it is revoked).
        for (method, body) in [(reqwest::Method::GET, None), (reqwest::Method::POST, Some(json!({})))] {
            let (status, refused) = alpha_api.call(method, "/v1/accounts/alpha/keys", body).await;
            assert_eq!((status, refused["error"]["code"].as_str()), (403, Some("forbidden")), "{backend}");
        }
        let (status, _) = alpha_api.delete(&format!("/v1/accounts/alpha/keys/{}", alpha.key_id)).await;
        assert_eq!(status, 403, "{backend}");
        // A revoked key is refused everywhere; the listing shows a prefix, never the key.
        let (_, keys) = harness.api.get("/v1/accounts/alpha/keys").await;
        assert_eq!(keys["data"][0]["prefix"].as_str().map(str::len), Some(12), "{backend}: {keys}");
        assert!(keys["data"][0].get("key").is_none());
        let (status, _) = harness.api.delete(&format!("/v1/accounts/alpha/keys/{}", alpha.key_id)).await;
        assert_eq!(status, 204, "{backend}");
        let (status, _) = alpha_api.get("/v1/accounts/alpha").await;
        assert_eq!(status, 401, "{backend}");
        // Deleting an account removes everything of it; the other is untouched.
        let (status, _) = harness.api.delete("/v1/accounts/alpha").await;
        assert_eq!(status, 204, "{backend}");
        let (status, _) = harness.api.get(&format!("/v1/deliveries/{}", alpha.delivery)).await;
        assert_eq!(status, 404, "{backend}");
        let (status, _) = harness.api.get(&format!("/v1/attempts/{}", beta.attempt)).await;
        assert_eq!(status, 200, "{backend}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resend_and_recover_against_a_failing_then_healthy_receiver() {
    for backend in backends() {
        // No retries: a failure gives the delivery up at once.
        let harness = Harness::start_with(backend, |settings| {
            settings.worker.schedule =
                dropship_webhooks::delivery::RetrySchedule { max_retries: 0, ..Default::default() }.validate().unwrap();
        })
        .await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(503)).await;
        let (id, _) = api
            .endpoint(json!({ "url": receiver.url("/flaky"), "topics": ["order.created", "order.cancelled"], "rateLimit": 4 }))
            .await;
        for n in 0..5 {
            api.sample_event(if n == 4 { "order.cancelled" } else { "order.created" }, Some(&format!("evt_rr_{n}")))
                .await;
        }
        let failed = wait_list(api, &at(&format!("/endpoints/{id}/deliveries?status=failed")), 5).await;
        assert_eq!(failed[0]["lastErrorClass"], "http", "{backend}");
        receiver.set_default(Reply::Status(200));

        // Resend one: one attempt now, marked manual.
        let one = failed.iter().find(|d| d["topic"] == "order.created").unwrap()["id"].as_str().unwrap();
        let (status, resent) = api.post(&format!("/v1/deliveries/{one}/resend"), json!({})).await;
        assert_eq!(status, 202, "{backend}: {resent}");
        assert_eq!((resent["status"].as_str(), resent["trigger"].as_str()), (Some("pending"), Some("manual")));
        let deadline = Instant::now() + Duration::from_secs(20);
        let detail = loop {
            let (_, detail) = api.get(&format!("/v1/deliveries/{one}")).await;
            if detail["status"] == "succeeded" {
                break detail;
            }
            assert!(Instant::now() < deadline, "{backend}: the resend did not succeed: {detail}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let triggers: Vec<&str> =
            detail["attempts"].as_array().unwrap().iter().map(|a| a["trigger"].as_str().unwrap()).collect();
        assert_eq!(triggers, ["scheduled", "manual"], "{backend}");

        // Recover the rest, the dry run first: the count and how long the rate limit (4/s) makes it take.
        let recover = format!("/v1/accounts/acme/endpoints/{id}/recover");
        let (status, preview) = api.post(&recover, json!({ "dryRun": true })).await;
        assert_eq!(status, 200, "{preview}");
        assert_eq!(
            (preview["count"].as_u64(), preview["estimatedSeconds"].as_f64()),
            (Some(4), Some(1.0)),
            "{backend}"
        );
        let (_, by_topic) = api.post(&recover, json!({ "dryRun": true, "topic": "order.cancelled" })).await;
        assert_eq!(by_topic["count"], 1, "{backend}");
        let (_, by_class) = api.post(&recover, json!({ "dryRun": true, "errorClass": "timeout" })).await;
        assert_eq!(by_class["count"], 0, "{backend}");
        let (_, nothing_yet) = api.get(&at(&format!("/endpoints/{id}/deliveries?status=pending"))).await;
        assert_eq!(nothing_yet["data"].as_array().unwrap().len(), 0, "{backend}: a dry run queues nothing");
        let (status, done) = api.post(&recover, json!({})).await;
        assert_eq!((status, done["count"].as_u64()), (200, Some(4)), "{backend}: {done}");
        let (_, again) = api.post(&recover, json!({})).await;
        assert_eq!(again["count"], 0, "{backend}: the same call again queues nothing new");
        let succeeded = wait_list(api, &at(&format!("/endpoints/{id}/deliveries?status=succeeded")), 5).await;
        assert_eq!(succeeded.len(), 5, "{backend}");
        let (_, attempts) = api.get(&at(&format!("/endpoints/{id}/attempts?limit=100"))).await;
        let recovered = attempts["data"].as_array().unwrap().iter().filter(|a| a["trigger"] == "recover").count();
        assert_eq!(recovered, 4, "{backend}");
        // Paced by the rate limit: 4 requests at 4/s span at least half a second (GCRA lets the first through).
        let times: Vec<Instant> = receiver.seen().iter().rev().take(4).map(|seen| seen.at).collect();
        assert!(times[0].duration_since(times[3]) >= Duration::from_millis(500), "{backend}: not paced");

        // An attempt's whole record: the request as sent (signatures, never a secret) and the response.
        let attempt = attempts["data"].as_array().unwrap().iter().find(|a| a["outcome"] == "success").unwrap();
        let (_, detail) = api.get(&format!("/v1/attempts/{}", attempt["id"].as_str().unwrap())).await;
        let headers = detail["request"]["headers"].as_array().unwrap();
        assert!(headers.iter().any(|pair| pair[0] == "webhook-signature"), "{backend}: {detail}");
        assert_eq!(detail["request"]["method"], "POST");
        assert!(detail["request"]["body"].as_str().unwrap().contains("\"topic\":"), "{backend}");
        assert_eq!(detail["response"]["status"], 200);
        assert!(detail["response"]["headers"].as_array().is_some_and(|list| !list.is_empty()));
        assert!(!detail.to_string().contains("whsec_"), "{backend}: a secret value in the attempt record");

        // A resend of an endpoint switched off is refused with the reason.
        api.post(&at(&format!("/endpoints/{id}/deactivate")), json!({})).await;
        let (status, refused) = api.post(&format!("/v1/deliveries/{one}/resend"), json!({})).await;
        assert_eq!((status, refused["error"]["code"].as_str()), (409, Some("endpoint_inactive")), "{backend}");

        // The audit log says who did what.
        let (_, audit) = api.get(&at("/audit")).await;
        let actions: Vec<&str> =
            audit["data"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        for action in ["create", "resend", "recover", "deactivate"] {
            assert!(actions.contains(&action), "{backend}: {action} missing from {actions:?}");
        }
        assert!(audit["data"][0]["actor"].as_str().unwrap().starts_with("key:key_"), "{backend}: {audit}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_by_stable_cursors_while_rows_arrive() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (id, _) = api.endpoint(json!({ "url": receiver.url("/pages"), "topics": ["order.created"] })).await;
        for n in 0..7 {
            harness.clock.advance_ms(1);
            api.sample_event("order.created", Some(&format!("evt_page_{n}"))).await;
        }
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(cursor) => at(&format!("/endpoints/{id}/deliveries?limit=3&cursor={cursor}")),
                None => at(&format!("/endpoints/{id}/deliveries?limit=3")),
            };
            let (status, page) = api.get(&path).await;
            assert_eq!(status, 200, "{page}");
            seen.extend(page["data"].as_array().unwrap().iter().map(|d| d["eventId"].as_str().unwrap().to_owned()));
            pages += 1;
            // Rows arriving meanwhile are newer: they never shift the pages being read.
            harness.clock.advance_ms(1);
            api.sample_event("order.created", Some(&format!("evt_late_{pages}"))).await;
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let expected: Vec<String> = (0..7).rev().map(|n| format!("evt_page_{n}")).collect();
        assert_eq!((seen, pages), (expected, 3), "{backend}");
        // Time range and a cursor that is not one.
        let (_, events) = api.get(&at("/events?limit=500")).await;
        let oldest = events["data"].as_array().unwrap().last().unwrap()["createdAt"].as_i64().unwrap();
        let (_, first) = api.get(&at(&format!("/events?until={}", oldest + 1))).await;
        assert_eq!(first["data"].as_array().unwrap().len(), 1, "{backend}");
        assert_eq!(first["data"][0]["id"], "evt_page_0");
        assert_eq!(first["data"][0]["deliveries"], 1);
        let (_, later) = api.get(&at(&format!("/events?since={}&limit=500", oldest + 1))).await;
        assert_eq!(later["data"].as_array().unwrap().len(), events["data"].as_array().unwrap().len() - 1);
        let (status, bad) = api.get(&at("/deliveries?cursor=nonsense")).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_option")), "{backend}");
        let (status, _) = api.get(&at("/deliveries?colour=red")).await;
        assert_eq!(status, 400, "{backend}");
        // Account-wide lists filter by endpoint too.
        let (_, all) = api.get(&at(&format!("/deliveries?endpointId={id}&limit=500"))).await;
        assert_eq!(all["data"].as_array().unwrap().len(), 7 + 3, "{backend}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_stream_sends_each_attempt_as_it_finishes() {
    let harness = Harness::start("sqlite").await;
    let api = &harness.api;
    let receiver = Receiver::start(Reply::Status(200)).await;
    let (id, _) = api.endpoint(json!({ "url": receiver.url("/live"), "topics": ["order.created"] })).await;
    let mut response = reqwest::Client::new()
        .get(format!("{}{}", api.base, at("/stream")))
        .bearer_auth(support::API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    for n in 0..3 {
        api.sample_event("order.created", Some(&format!("evt_live_{n}"))).await;
    }
    let mut text = String::new();
    let mut ids = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while ids.len() < 3 {
        let chunk = tokio::time::timeout_at(deadline.into(), response.chunk()).await.expect("the stream went quiet");
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
        for line in text.lines().filter_map(|line| line.strip_prefix("data: ")) {
            if let Ok(attempt) = serde_json::from_str::<Value>(line) {
                assert_eq!(attempt["endpointId"], id.as_str());
                ids.insert(attempt["eventId"].as_str().unwrap().to_owned());
            }
        }
    }
    assert!(text.contains("event: attempt"), "{text}");
    assert_eq!(ids, (0..3).map(|n| format!("evt_live_{n}")).collect::<HashSet<_>>());
    // Resuming with the last id sent replays nothing already seen.
    let last_id = text.lines().rev().find_map(|line| line.strip_prefix("id: ")).unwrap().to_owned();
    let mut resumed = reqwest::Client::new()
        .get(format!("{}{}", api.base, at("/stream")))
        .bearer_auth(support::API_KEY)
        .header("last-event-id", &last_id)
        .send()
        .await
        .unwrap();
    api.sample_event("order.created", Some("evt_live_after")).await;
    let mut more = String::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while !more.contains("evt_live_after") {
        let chunk = tokio::time::timeout_at(deadline.into(), resumed.chunk()).await.expect("the stream went quiet");
        more.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    assert!(!more.contains(&last_id.split_once(':').unwrap().1.to_owned()), "{more}");
    drop((response, resumed));
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secret_values_are_not_in_the_database_file() {
    // The default: no key given, so the service makes a key file beside the database.
    let harness = Harness::start_with("sqlite", |settings| {
        settings.secrets_key = delivery_service::sealing::KeySource::NextToDatabase;
    })
    .await;
    let api = &harness.api;
    let value = "whsec_TWFkZSB0byBiZSBmb3VuZCBpbiB0aGUgZmlsZQ==";
    let (status, created) = api
        .post(
            &at("/endpoints"),
            json!({ "url": "https://hooks.example.com/at-rest", "topics": ["order.created"], "secret": { "value": value } }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let (_, added) = api.post(&at(&format!("/endpoints/{}/secrets", created["id"].as_str().unwrap())), json!({})).await;
    let generated = added["value"].as_str().unwrap().to_owned();
    let database = delivery_service::service::sqlite_path(&harness.database_url).unwrap();
    let mut harness = harness;
    let _dir = harness.dir.take();
    harness.stop().await;
    let key_file = database.with_extension("secrets-key");
    assert!(key_file.exists(), "no key file beside {}", database.display());
    let mut stored = Vec::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", database.display());
        if let Ok(bytes) = std::fs::read(&path) {
            stored.extend(bytes);
        }
    }
    assert!(stored.len() > 4096, "the database was not read");
    let text = String::from_utf8_lossy(&stored);
    for secret in [value, generated.as_str(), "TWFkZSB0byBiZSBmb3VuZCBpbiB0aGUgZmlsZQ"] {
        assert!(!text.contains(secret), "a secret value is stored in the clear");
    }
    assert!(text.contains("enc:v1:"), "no sealed value found");
}

/// The schema as it was before accounts (migration 1) with a one-owner database's rows, written directly.
async fn one_owner_database(url: &str) {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("sqlite:") { format!("{url}?mode=rwc") } else { url.to_owned() };
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let baseline = include_str!("../migrations/0001_baseline.sql");
    sqlx::Executor::execute(&mut connection, baseline).await.unwrap();
    let key_hash = hex::encode(delivery_service::http::auth::hash_api_key("old-admin-key-0123456789"));
    // A minute before the test clock (rows older than the retention would be pruned at start).
    let t = 1_789_999_940_000_i64;
    let rows = format!(
        "INSERT INTO api_keys VALUES ('{key_hash}', {t});
         INSERT INTO endpoints VALUES ('ep_old', 'https://hooks.example.com/old', 'kept', '[\"order.created\"]',
           'POST', 'standard', 0, 0, 1, 'HEALTHY', NULL, {t}, {t}, 0, 0, NULL);
         INSERT INTO secrets VALUES ('sec_old', 'ep_old', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'old', NULL, {t});
         INSERT INTO events VALUES ('evt_old', 'order.created', '{{\"id\":\"evt_old\"}}', {t});
         INSERT INTO deliveries VALUES ('dlv_old', 'evt_old', 'ep_old', 'order.created', 'failed', 1, {t}, 1, NULL,
           NULL, 'the endpoint answered HTTP 500', {t}, {t});
         INSERT INTO attempts VALUES ('att_old', 'dlv_old', 'ep_old', 'evt_old', 'order.created', 1, {t}, 3, 500,
           'failure', 'http', 'the endpoint answered HTTP 500', 'no');"
    );
    sqlx::Executor::execute(&mut connection, rows.as_str()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upgrade_keeps_a_one_owner_database_under_the_default_account() {
    for backend in backends() {
        let (url, _dir) = fresh_database(backend).await;
        one_owner_database(&url).await;
        let harness = Harness::start_on(url.clone(), |settings| settings.api_keys.clear()).await;
        let store = &harness.service.as_ref().unwrap().store;
        assert_eq!(store.schema_version().await.unwrap(), delivery_service::store::SCHEMA_VERSION, "{backend}");
        // The old admin key still works; the rows are the default account's.
        let old = harness.api.clone().with_key("old-admin-key-0123456789");
        let (status, account) = old.get("/v1/accounts/default").await;
        assert_eq!(status, 200, "{backend}: {account}");
        let (_, endpoint) = old.get("/v1/accounts/default/endpoints/ep_old").await;
        assert_eq!(
            (endpoint["description"].as_str(), endpoint["url"].as_str()),
            (Some("kept"), Some("https://hooks.example.com/old"))
        );
        let (_, delivery) = old.get("/v1/deliveries/dlv_old").await;
        assert_eq!(delivery["status"], "failed", "{backend}: {delivery}");
        assert_eq!(delivery["attempts"][0]["id"], "att_old", "{backend}: {delivery}");
        let (_, attempt) = old.get("/v1/attempts/att_old").await;
        assert_eq!(attempt["response"]["body"], "no", "{backend}: {attempt}");
        assert_eq!(attempt["request"]["body"], "{\"id\":\"evt_old\"}", "{backend}");
        // The secret was sealed on the way and still opens to its value (the signer uses it).
        let secrets = store.secrets("ep_old").await.unwrap();
        assert_eq!(secrets[0].value, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "{backend}");
        sqlx::any::install_default_drivers();
        let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
        let stored: String = sqlx::Row::get(
            &sqlx::query("SELECT value FROM secrets WHERE id = 'sec_old'").fetch_one(&mut connection).await.unwrap(),
            "value",
        );
        assert!(stored.starts_with("enc:v1:"), "{backend}: {stored}");
        harness.stop().await;
        // Starting again on the upgraded database changes nothing.
        let again = Harness::start_on(url.clone(), |_| {}).await;
        let (_, endpoints) =
            again.api.clone().with_key("old-admin-key-0123456789").get("/v1/accounts/default/endpoints").await;
        assert_eq!(endpoints["data"].as_array().unwrap().len(), 1, "{backend}");
        again.stop().await;
    }
}
