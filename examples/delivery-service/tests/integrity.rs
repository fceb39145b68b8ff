//! Integrity under faults (issue [integrity]): a lost claim records nothing, one row never sinks a batch, leases
//! stay with a live worker, edits never undo a worker's verdict, and bodies leave byte for byte as posted. Every
//! test runs on SQLite and, when `DELIVERY_TEST_POSTGRES_URL` is set, on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use delivery_service::delivery::signing::Signers;
use delivery_service::model::{
    AttemptRecord, ClaimRules, Completion, EndpointRow, EndpointUpdate, NextStep, SecretRow,
};
use delivery_service::rules::health_verdict;
use delivery_service::store::Store;
use dropship_webhooks::delivery::{EndpointHealth, HealthStatus};
use serde_json::json;
use support::{backends, fresh_database, Harness, Receiver, Reply};

const NOW: i64 = 1_790_000_000_000;

/// A store on a fresh database with one endpoint and one queued delivery; returns the store, the endpoint and the
/// database's temp dir (SQLite).
async fn store_with_one_delivery(backend: &str) -> (Store, EndpointRow, Option<tempfile::TempDir>) {
    let (url, dir) = fresh_database(backend).await;
    let (store, endpoint) = one_delivery_at(&url).await;
    (store, endpoint, dir)
}

/// Adds the endpoint `ep_{name}` (at `https://hooks.example.com/{name}`) with one secret.
async fn added_endpoint(store: &Store, name: &str) -> EndpointRow {
    let endpoint = support::endpoint_row(&format!("ep_{name}"), &format!("https://hooks.example.com/{name}"), NOW);
    let secret = SecretRow {
        id: format!("sec_{name}"),
        endpoint_id: endpoint.id.clone(),
        value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
        label: None,
        expires_at: None,
        created_at: NOW,
    };
    assert!(store.insert_endpoint(&endpoint, &secret).await.unwrap());
    endpoint
}

/// A store on the database at `url` with one endpoint and one queued delivery.
async fn one_delivery_at(url: &str) -> (Store, EndpointRow) {
    let store = support::open_store(url, 4).await;
    let endpoint = added_endpoint(&store, "integrity").await;
    let (created, queued) =
        support::enqueue(&store, "evt_integrity", "{}", std::slice::from_ref(&endpoint.id), NOW).await;
    assert!(created && queued == 1);
    (store, endpoint)
}

fn attempted(claim: &delivery_service::model::Claim, success: bool) -> Completion {
    Completion {
        claim: claim.clone(),
        record: AttemptRecord {
            request: Default::default(),
            response_headers: Vec::new(),
            started_at: NOW,
            latency_ms: 5,
            status_code: Some(if success { 200 } else { 500 }),
            error_class: (!success).then_some(delivery_service::model::ErrorClass::Http),
            error: (!success).then(|| "the endpoint answered HTTP 500".to_owned()),
            response_body: Vec::new(),
            next: if success { NextStep::Succeeded } else { NextStep::RetryAt(NOW + 1_000) },
            gone: false,
            slow_down_ms: None,
            exhausted: false,
        },
    }
}

/// Up to ten deliveries, leased for `lease_ms`.
fn rules(lease_ms: i64) -> ClaimRules {
    ClaimRules { limit: 10, lease_ms, max_pacing_ms: 2_000 }
}

fn secret(id: &str, value: &str, expires_at: Option<i64>) -> SecretRow {
    SecretRow { id: id.into(), endpoint_id: "ep_1".into(), value: value.into(), label: None, expires_at, created_at: 0 }
}

#[test]
fn a_signer_is_kept_while_its_secrets_are_the_same_and_signs_by_the_service_clock() {
    let signers = Signers::default();
    let endpoint = support::endpoint_row("ep_1", "https://hooks.example.com/", NOW);
    let old = secret("sec_old", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", None);
    let new = secret("sec_new", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", None);
    let both = [old.clone(), new.clone()];
    let first = signers.signer(&endpoint, &both).unwrap();
    assert!(Arc::ptr_eq(&first, &signers.signer(&endpoint, &both).unwrap()), "the same secrets: kept");
    // Expiring the old secret changes the set: a new signer, whose expired secret is kept and skipped.
    let rotated = [secret("sec_old", &old.value, Some(1_000)), new];
    let second = signers.signer(&endpoint, &rotated).unwrap();
    assert!(!Arc::ptr_eq(&first, &second));
    let signatures = |clock: u64| {
        let headers = signers.sign(&endpoint, &rotated, "msg_1", clock, b"{}").unwrap();
        headers.iter().find(|(name, _)| *name == "webhook-signature").map(|(_, value)| value.split(' ').count())
    };
    assert_eq!(signatures(999), Some(2));
    assert_eq!(signatures(1_000), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn active_state_and_sql_agree() {
    // The queue picks endpoints by `ACTIVE_ENDPOINT_SQL`, the API and the fan-out by `EndpointState::is_active`:
    // of the four combinations of switch and health, the claim takes exactly those the Rust rule calls active.
    for backend in backends() {
        let (url, _dir) = fresh_database(backend).await;
        let store = support::open_store(&url, 4).await;
        let failed = EndpointHealth { status: HealthStatus::Failed, failing_since: Some(1) };
        let mut expected = Vec::new();
        for (name, enabled, health) in [
            ("on_healthy", true, EndpointHealth::HEALTHY),
            ("off_healthy", false, EndpointHealth::HEALTHY),
            ("on_failed", true, failed),
            ("off_failed", false, failed),
        ] {
            let mut endpoint = added_endpoint(&store, name).await;
            let previous = endpoint.clone();
            (endpoint.enabled, endpoint.health) = (enabled, health);
            assert_eq!(store.update_endpoint(&previous, &endpoint).await.unwrap(), EndpointUpdate::Done);
            let event = format!("evt_{name}");
            support::enqueue(&store, &event, "{}", std::slice::from_ref(&endpoint.id), NOW).await;
            if endpoint.is_active() {
                expected.push(endpoint.id.clone());
            }
        }
        store.mark_claimable_due(NOW).await.unwrap();
        let mut claimed: Vec<String> =
            store.claim("wrk_rules", NOW, rules(30_000)).await.unwrap().into_iter().map(|c| c.endpoint_id).collect();
        claimed.sort();
        assert_eq!(claimed, expected, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_lost_to_another_worker_records_nothing() {
    for backend in backends() {
        let (store, endpoint, _dir) = store_with_one_delivery(backend).await;
        let first = store.claim("wrk_first", NOW, rules(300)).await.unwrap();
        assert_eq!(first.len(), 1);
        assert!(store.claim("wrk_second", NOW, rules(300)).await.unwrap().is_empty(), "{backend}: leased");
        tokio::time::sleep(Duration::from_millis(450)).await;
        // The second worker's heartbeat finds the expired lease (nothing is due before it looks).
        assert!(store.claim("wrk_second", NOW, rules(30_000)).await.unwrap().is_empty(), "{backend}");
        assert_eq!(store.mark_claimable_due(NOW).await.unwrap(), 1, "{backend}");
        let second = store.claim("wrk_second", NOW, rules(30_000)).await.unwrap();
        assert_eq!(second.len(), 1, "{backend}: the expired lease is taken over");

        // The first worker's late answers: a success must not mark the delivery done, write an attempt, or reset
        // the endpoint's failing streak.
        let report =
            delivery_service::delivery::recording::record(&store, &[attempted(&first[0], true)], NOW, health_verdict)
                .await;
        assert_eq!(report.stale, vec![first[0].delivery_id.clone()], "{backend}");
        assert!(support::attempts_of(&store, &endpoint.id).await.is_empty(), "{backend}");
        let delivery = store.delivery(None, &first[0].delivery_id).await.unwrap().unwrap();
        assert_eq!((delivery.status.as_str(), delivery.attempts), ("pending", 2), "{backend}");

        // The worker that holds the claim records its failure.
        let report =
            delivery_service::delivery::recording::record(&store, &[attempted(&second[0], false)], NOW, health_verdict)
                .await;
        assert!(report.stale.is_empty(), "{backend}");
        let attempts = support::attempts_of(&store, &endpoint.id).await;
        assert_eq!(attempts.len(), 1, "{backend}");
        assert_eq!((attempts[0].attempt, attempts[0].outcome.as_str()), (2, "failure"), "{backend}");
        let health = store.endpoint(support::ACCOUNT, &endpoint.id).await.unwrap().unwrap().health;
        assert_eq!(health.failing_since, Some(u64::try_from(NOW / 1000).unwrap()), "{backend}: the streak started");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_workers_renewed_lease_is_not_taken_over() {
    for backend in backends() {
        let (store, _endpoint, _dir) = store_with_one_delivery(backend).await;
        let held: Vec<String> =
            store.claim("wrk_live", NOW, rules(1_000)).await.unwrap().into_iter().map(|c| c.delivery_id).collect();
        assert_eq!(held.len(), 1);
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(store.renew_leases("wrk_live", &held, 1_000).await.unwrap(), 1, "{backend}");
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert!(
            store.claim("wrk_other", NOW, rules(1_000)).await.unwrap().is_empty(),
            "{backend}: renewed, still held"
        );
        assert_eq!(store.mark_claimable_due(NOW).await.unwrap(), 0, "{backend}: renewed, not expired");
        // No more renewals (the worker died): the lease runs out and another worker takes over.
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(store.mark_claimable_due(NOW).await.unwrap(), 1, "{backend}");
        assert_eq!(store.claim("wrk_other", NOW, rules(1_000)).await.unwrap().len(), 1, "{backend}");
        assert_eq!(store.renew_leases("wrk_live", &held, 1_000).await.unwrap(), 0, "{backend}: nothing left to renew");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_never_overwrites_a_verdict_taken_since_it_read() {
    for backend in backends() {
        let (store, endpoint, _dir) = store_with_one_delivery(backend).await;
        let read = store.endpoint(support::ACCOUNT, &endpoint.id).await.unwrap().unwrap();
        // A worker records a failure after the edit read the endpoint.
        let claim = store.claim("wrk_health", NOW, rules(30_000)).await.unwrap();
        delivery_service::delivery::recording::record(&store, &[attempted(&claim[0], false)], NOW, health_verdict)
            .await;
        let mut edited = read.clone();
        edited.description = "edited".into();
        edited.updated_at = NOW + 1;
        assert_eq!(store.update_endpoint(&read, &edited).await.unwrap(), EndpointUpdate::Changed, "{backend}");
        let now = store.endpoint(support::ACCOUNT, &endpoint.id).await.unwrap().unwrap();
        assert!(now.health.failing_since.is_some(), "{backend}: the verdict stands");
        assert_eq!(now.description, "", "{backend}");
        // Read again, the same edit lands.
        let mut again = now.clone();
        again.description = "edited".into();
        assert_eq!(store.update_endpoint(&now, &again).await.unwrap(), EndpointUpdate::Done, "{backend}");
        assert_eq!(
            store.endpoint(support::ACCOUNT, &endpoint.id).await.unwrap().unwrap().health.status,
            HealthStatus::Healthy
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_edits_to_one_url_answer_409_never_500() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let mut ids = Vec::new();
        for n in 0..6 {
            ids.push(
                api.endpoint(json!({ "url": receiver.url(&format!("/own/{n}")), "topics": ["order.created"] })).await.0,
            );
        }
        for round in 0..5 {
            let target = receiver.url(&format!("/contested/{round}"));
            let calls = ids.iter().map(|id| {
                let api = api.clone();
                let target = target.clone();
                let id = id.clone();
                tokio::spawn(async move {
                    api.patch(&format!("/v1/accounts/acme/endpoints/{id}"), json!({ "url": target })).await
                })
            });
            let mut statuses = HashMap::new();
            for call in calls {
                let (status, body) = call.await.unwrap();
                assert!(status == 200 || status == 409, "{backend}: {status} {body}");
                if status == 409 {
                    assert_eq!(body["error"]["code"], "endpoint_exists", "{backend}");
                }
                *statuses.entry(status).or_insert(0) += 1;
            }
            assert_eq!(statuses.get(&200), Some(&1), "{backend}: exactly one edit wins: {statuses:?}");
            // Free the URL for the next round's winner check: move everyone back to its own path.
            for (n, id) in ids.iter().enumerate() {
                let (status, _) = api
                    .patch(
                        &format!("/v1/accounts/acme/endpoints/{id}"),
                        json!({ "url": receiver.url(&format!("/own/{n}/{round}")) }),
                    )
                    .await;
                assert_eq!(status, 200);
            }
        }
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_deleted_mid_flight_costs_the_others_nothing() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let doomed = Receiver::start(Reply::Slow(Duration::from_millis(400), 200)).await;
        let healthy = Receiver::start(Reply::Slow(Duration::from_millis(400), 200)).await;
        let (doomed_id, _) = api.endpoint(json!({ "url": doomed.url("/doomed"), "topics": ["order.created"] })).await;
        let (healthy_id, _) =
            api.endpoint(json!({ "url": healthy.url("/healthy"), "topics": ["order.created"] })).await;
        const EVENTS: usize = 20;
        for n in 0..EVENTS {
            api.sample_event("order.created", Some(&format!("evt_mid_{n}"))).await;
        }
        doomed.wait_for(1, Duration::from_secs(10)).await;
        let (status, _) =
            api.call(reqwest::Method::DELETE, &format!("/v1/accounts/acme/endpoints/{doomed_id}"), None).await;
        assert_eq!(status, 204);
        healthy.wait_for(EVENTS, Duration::from_secs(20)).await;
        // Outcomes of the deleted endpoint's in-flight requests land in the same batches as the healthy ones'.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = api
                .get(&format!("/v1/accounts/acme/endpoints/{healthy_id}/deliveries?status=succeeded&limit=500"))
                .await;
            if body["data"].as_array().map_or(0, Vec::len) == EVENTS {
                assert!(body["data"].as_array().unwrap().iter().all(|d| d["attempts"] == 1), "{backend}: {body}");
                break;
            }
            assert!(Instant::now() < deadline, "{backend}: the healthy endpoint's outcomes were not recorded: {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(healthy.count(), EVENTS, "{backend}: nothing sent twice");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_data_reaches_the_receiver_byte_for_byte() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (endpoint, _) =
            harness.api.endpoint(json!({ "url": receiver.url("/raw"), "topics": ["order.created"] })).await;
        // What a parsed value would change: a subnormal underflow, integers past 2^64, long decimals, escapes,
        // key order and spacing.
        let data = r#"{ "id": "po_raw", "zeta": 1e-398, "big": 123456789012345678901234567890,
  "money": "12.345678901234567890", "note": "caf\u00e9 \ud83d\ude00 \"q\"", "alpha": [3.14159265358979323846, -0.0] }"#;
        let posted = format!(r#"{{"topic": "order.created", "id": "evt_raw", "data": {data}}}"#);
        let response = reqwest::Client::new()
            .post(format!("{}/v1/accounts/acme/events", harness.api.base))
            .bearer_auth(support::API_KEY)
            .header("content-type", "application/json")
            .body(posted)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202, "{}", response.text().await.unwrap());
        let seen = receiver.wait_for(1, Duration::from_secs(10)).await;
        let body = std::str::from_utf8(&seen[0].body).unwrap();
        let created_at = serde_json::from_str::<serde_json::Value>(body).unwrap()["createdAt"].clone();
        assert_eq!(
            body,
            format!(r#"{{"id":"evt_raw","topic":"order.created","createdAt":{created_at},"data":{data}}}"#)
        );
        assert_eq!(harness.wait_delivery(&endpoint, "succeeded").await.len(), 1);
        harness.stop().await;
    }
}

/// Queues `count` deliveries of one event each to `endpoint`, due at `due`, in two statements (a backlog too large
/// to post one event at a time in a test).
async fn backlog(database_url: &str, endpoint: &str, count: i64, due: i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
    let numbers = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1)";
    sqlx::query(&format!(
        "{numbers} INSERT INTO events (account_id, id, topic, body, created_at)
         SELECT 'acme', 'evt_backlog_' || i, 'order.created', '{{}}', $2 FROM n"
    ))
    .bind(count)
    .bind(due)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(&format!(
        "{numbers} INSERT INTO deliveries (id, account_id, event_id, endpoint_id, topic, status, attempts,
         next_attempt_at, claims, created_at, updated_at)
         SELECT 'dlv_backlog_' || i, 'acme', 'evt_backlog_' || i, $3, 'order.created', 'pending', 0, $2, 0, $2, $2
         FROM n"
    ))
    .bind(count)
    .bind(due)
    .bind(endpoint)
    .execute(&pool)
    .await
    .unwrap();
    // What queueing through the store does besides: the endpoint is due.
    sqlx::query("UPDATE endpoints SET due_at = $1 WHERE id = $2")
        .bind(due)
        .bind(endpoint)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_behind_a_burst_limit_does_not_delay_other_endpoints() {
    for backend in backends() {
        let (url, dir) = fresh_database(backend).await;
        let settings = support::test_settings(url.clone());
        let clock = std::sync::Arc::new(delivery_service::ManualClock::new(NOW));
        let service = delivery_service::Service::start(settings, clock.clone()).await.unwrap();
        let api = support::Api::new(service.address.unwrap());
        api.ensure_account(support::ACCOUNT).await;
        let slow = Receiver::start(Reply::Slow(Duration::from_millis(200), 200)).await;
        let healthy = Receiver::start(Reply::Status(200)).await;
        let (slow_id, _) =
            api.endpoint(json!({ "url": slow.url("/slow"), "topics": ["order.created"], "burstLimit": 1 })).await;
        api.endpoint(json!({ "url": healthy.url("/healthy"), "topics": ["order.cancelled"] })).await;
        backlog(&url, &slow_id, 10_000, NOW).await;
        service.wake.notify_one();
        slow.wait_for(2, Duration::from_secs(10)).await;

        let mut latencies = Vec::new();
        for n in 0..50 {
            let posted = Instant::now();
            api.sample_event("order.cancelled", Some(&format!("evt_healthy_{n}"))).await;
            let seen = healthy.wait_for(n + 1, Duration::from_secs(10)).await;
            latencies.push(seen[n].at.saturating_duration_since(posted));
        }
        latencies.sort();
        let p99 = latencies[latencies.len() * 99 / 100 - 1];
        eprintln!("{backend}: enqueue→delivered p99 {p99:?} beside a burst-1 backlog of 10,000");
        assert!(p99 < Duration::from_millis(100), "{backend}: p99 {p99:?} behind a backlog of 10,000: {latencies:?}");
        assert_eq!(slow.max_in_flight(), 1, "{backend}: the burst limit held");
        service.shutdown().await;
        drop(dir);
    }
}

/// Enqueues and retries race claims on one endpoint while the service clock stands still: whatever interleaving
/// the database picks, every delivery queued is claimed in the end (none is left pending on an endpoint that is
/// never due again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_queued_during_a_claim_are_never_stranded() {
    const EVENTS: usize = 400;
    const ENDPOINTS: usize = 4;
    for backend in backends() {
        let (url, _dir) = fresh_database(backend).await;
        let store = support::open_store(&url, 8).await;
        let mut endpoints = Vec::new();
        for n in 0..ENDPOINTS {
            endpoints.push(added_endpoint(&store, &format!("race_{n}")).await.id);
        }
        // Two writers queue events while two workers claim and answer.
        let mut enqueuers = Vec::new();
        for writer in 0..2 {
            let store = store.clone();
            let endpoints = endpoints.clone();
            enqueuers.push(tokio::spawn(async move {
                for n in (writer..EVENTS).step_by(2) {
                    let event = format!("evt_race_{n}");
                    support::enqueue(&store, &event, "{}", &endpoints, NOW).await;
                }
            }));
        }
        // The workers answer as fast as they can; every first attempt fails and is retried at once.
        let succeeded = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut workers = Vec::new();
        for name in ["wrk_a", "wrk_b"] {
            let store = store.clone();
            let succeeded = succeeded.clone();
            workers.push(tokio::spawn(async move {
                let deadline = Instant::now() + Duration::from_secs(20);
                while succeeded.load(std::sync::atomic::Ordering::SeqCst) < EVENTS * ENDPOINTS
                    && Instant::now() < deadline
                {
                    let claims = store.claim(name, NOW, rules(30_000)).await.unwrap();
                    if claims.is_empty() {
                        tokio::time::sleep(Duration::from_millis(2)).await;
                        continue;
                    }
                    let completions: Vec<Completion> = claims
                        .iter()
                        .map(|claim| {
                            let mut completion = attempted(claim, claim.attempts > 1);
                            completion.record.next = match completion.record.next {
                                NextStep::RetryAt(_) => NextStep::RetryAt(NOW),
                                next => next,
                            };
                            completion
                        })
                        .collect();
                    let report =
                        delivery_service::delivery::recording::record(&store, &completions, NOW, health_verdict).await;
                    assert!(report.stale.is_empty() && report.unrecorded.is_empty());
                    let done = completions.iter().filter(|c| c.record.next == NextStep::Succeeded).count();
                    succeeded.fetch_add(done, std::sync::atomic::Ordering::SeqCst);
                }
            }));
        }
        for task in enqueuers.into_iter().chain(workers) {
            task.await.unwrap();
        }
        let mut counts: HashMap<String, i64> = HashMap::new();
        for endpoint in &endpoints {
            for (status, n) in store.delivery_counts(endpoint).await.unwrap() {
                *counts.entry(status).or_default() += n;
            }
        }
        assert_eq!(
            (counts.get("succeeded").copied(), counts.get("pending").copied()),
            (Some(i64::try_from(EVENTS * ENDPOINTS).unwrap()), None),
            "{backend}: {counts:?}"
        );
    }
}

/// The interleaving the test above hits only now and then, made certain (Postgres; SQLite has one writer at a
/// time): a claim reads the queue, and while it marks the endpoint idle (held there by a trigger that sleeps) a new
/// delivery is committed and marked due against the endpoint's row as it was before the claim. The claim's
/// recheck after its commit must make the endpoint due again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_committed_while_a_claim_marks_its_endpoint_idle_is_claimed_next() {
    if !backends().contains(&"postgres") {
        return;
    }
    let (url, _) = fresh_database("postgres").await;
    let (store, endpoint) = one_delivery_at(&url).await;
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
    for statement in [
        "CREATE FUNCTION idle_slowly() RETURNS trigger AS $$ BEGIN
           IF NEW.due_at IS NULL THEN PERFORM pg_sleep(1); END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER idle_slowly BEFORE UPDATE ON endpoints FOR EACH ROW EXECUTE FUNCTION idle_slowly()",
    ] {
        sqlx::Executor::execute(&mut admin, statement).await.unwrap();
    }
    let claiming = {
        let store = store.clone();
        tokio::spawn(async move { store.claim("wrk_a", NOW, rules(30_000)).await.unwrap() })
    };
    // Wait (bounded) until the claim sleeps inside its write of the endpoint's due time.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sleeping: i64 = sqlx::Row::get(
            &sqlx::query("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
                .fetch_one(&mut admin)
                .await
                .unwrap(),
            "n",
        );
        if sleeping > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the claim never reached the endpoint's due time");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (_, queued) = support::enqueue(&store, "evt_during_claim", "{}", std::slice::from_ref(&endpoint.id), NOW).await;
    assert_eq!(queued, 1);
    assert_eq!(claiming.await.unwrap().len(), 1, "the claim took the delivery it saw");
    let next = store.claim("wrk_a", NOW, rules(30_000)).await.unwrap();
    assert_eq!(
        next.iter().map(|claim| claim.event_id.as_str()).collect::<Vec<_>>(),
        ["evt_during_claim"],
        "the delivery queued during the claim is due"
    );
}

/// One batch holding a claim still the worker's and one taken over records the first and only the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_records_its_live_claims_and_skips_the_lost_ones() {
    for backend in backends() {
        let (store, endpoint, _dir) = store_with_one_delivery(backend).await;
        support::enqueue(&store, "evt_second", "{}", std::slice::from_ref(&endpoint.id), NOW).await;
        let claims = store.claim("wrk_first", NOW, rules(300)).await.unwrap();
        assert_eq!(claims.len(), 2, "{backend}");
        // The first claim's lease runs out and another worker takes it; the second stays the first worker's.
        let lost = &claims[0];
        tokio::time::sleep(Duration::from_millis(450)).await;
        store.renew_leases("wrk_first", std::slice::from_ref(&claims[1].delivery_id), 30_000).await.unwrap();
        store.mark_claimable_due(NOW).await.unwrap();
        let taken = store.claim("wrk_second", NOW, rules(30_000)).await.unwrap();
        assert_eq!(taken.iter().map(|c| &c.delivery_id).collect::<Vec<_>>(), [&lost.delivery_id], "{backend}");

        let batch = [attempted(&claims[0], true), attempted(&claims[1], false)];
        let report = delivery_service::delivery::recording::record(&store, &batch, NOW, health_verdict).await;
        assert_eq!(report.stale, vec![lost.delivery_id.clone()], "{backend}");
        let attempts = support::attempts_of(&store, &endpoint.id).await;
        assert_eq!(attempts.len(), 1, "{backend}: only the live claim's attempt");
        assert_eq!(
            (attempts[0].delivery_id.as_str(), attempts[0].outcome.as_str()),
            (claims[1].delivery_id.as_str(), "failure"),
            "{backend}"
        );
        let kept = store.delivery(None, &lost.delivery_id).await.unwrap().unwrap();
        assert_eq!(kept.status, "pending", "{backend}: the lost claim's success is not recorded");
        let retried = store.delivery(None, &claims[1].delivery_id).await.unwrap().unwrap();
        assert_eq!((retried.status.as_str(), retried.next_attempt_at), ("pending", Some(NOW + 1_000)), "{backend}");
    }
}
