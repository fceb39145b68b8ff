//! The service as users run it — the `delivery-service` binary — killed with SIGKILL mid-request, stopped with
//! SIGTERM mid-request, and run as several processes on one Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::HashSet;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{backends, delivery_of, fresh_database, spawn, Receiver, Reply, API_KEY};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_request_is_taken_over_after_its_lease() {
    for backend in backends() {
        let (database, _dir) = fresh_database(backend).await;
        let receiver = Receiver::start(Reply::Status(200)).await;
        receiver.script([Reply::Hang]);
        // The shortest lease the service accepts for a 1 s request timeout (1 s + 2 s pacing + 1 s to record).
        let quick = ["--lease-seconds", "4", "--request-timeout-seconds", "1"];
        let mut first = spawn(&database, &quick);
        let (endpoint, _) =
            first.api().endpoint(json!({ "url": receiver.url("/hook"), "topics": ["order.created"] })).await;
        first.api().sample_event("order.created", Some("evt_killed")).await;
        receiver.wait_for(1, Duration::from_secs(10)).await;

        first.child.kill().unwrap(); // SIGKILL: no chance to clean up
        first.wait_exit(Duration::from_secs(10));

        let second = spawn(&database, &quick);
        let seen = receiver.wait_for(2, Duration::from_secs(20)).await;
        assert_eq!(seen[1].headers["webhook-id"], "evt_killed");
        let delivered = delivery_of(second.api(), &endpoint, "succeeded").await;
        assert_eq!(delivered["attempts"], 2, "the killed attempt counts, so a crashing message cannot loop forever");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.count(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_in_flight_requests_before_exiting() {
    for backend in backends() {
        let (database, _dir) = fresh_database(backend).await;
        let receiver = Receiver::start(Reply::Slow(Duration::from_millis(1_000), 200)).await;
        let mut first = spawn(&database, &[]);
        let (endpoint, _) =
            first.api().endpoint(json!({ "url": receiver.url("/hook"), "topics": ["order.created"] })).await;
        first.api().sample_event("order.created", None).await;
        receiver.wait_for(1, Duration::from_secs(10)).await;
        first.signal("TERM");
        let status = first.wait_exit(Duration::from_secs(15));
        assert!(status.success(), "{status:?}");

        // The in-flight request finished and was recorded: a new process has nothing left to send.
        let second = spawn(&database, &[]);
        let delivered = delivery_of(second.api(), &endpoint, "succeeded").await;
        assert_eq!(delivered["attempts"], 1);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(receiver.count(), 1);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_processes_on_one_postgres_share_the_work_without_double_delivery() {
    if !backends().contains(&"postgres") {
        eprintln!("skipped: set DELIVERY_TEST_POSTGRES_URL (make test does) to run on Postgres");
        return;
    }
    let (database, _) = fresh_database("postgres").await;
    let receiver = Receiver::start(Reply::Slow(Duration::from_millis(5), 200)).await;
    let front = spawn(&database, &["--concurrency", "16"]);
    let _workers = [
        spawn(&database, &["--worker-only", "--concurrency", "16"]),
        spawn(&database, &["--worker-only", "--concurrency", "16"]),
    ];
    front.api().endpoint(json!({ "url": receiver.url("/hook"), "topics": ["order.created"] })).await;
    const EVENTS: usize = 300;
    for n in 0..EVENTS {
        front.api().sample_event("order.created", Some(&format!("evt_shared_{n}"))).await;
    }
    let seen = receiver.wait_for(EVENTS, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ids: HashSet<String> = seen.iter().map(|s| s.headers["webhook-id"].to_str().unwrap().to_owned()).collect();
    assert_eq!(ids.len(), EVENTS);
    assert_eq!(receiver.count(), EVENTS, "no event was delivered twice");
}

#[test]
fn a_lease_that_cannot_cover_a_request_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/delivery.db", dir.path().display());
    let output = Command::new(env!("CARGO_BIN_EXE_delivery-service"))
        .args(["--database-url", &database, "--listen", "127.0.0.1:0", "--api-key", API_KEY])
        .args(["--lease-seconds", "1", "--request-timeout-seconds", "4"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot cover a delivery") && stderr.contains("--lease-seconds to 7"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_slower_than_the_timeout_gets_one_request_per_attempt_until_the_schedule_ends() {
    for backend in backends() {
        let (database, _dir) = fresh_database(backend).await;
        let receiver = Receiver::start(Reply::Slow(Duration::from_millis(2_500), 200)).await;
        let service = spawn(
            &database,
            &["--lease-seconds", "4", "--request-timeout-seconds", "1", "--retry-base-ms", "100", "--max-retries", "2"],
        );
        let (endpoint, _) =
            service.api().endpoint(json!({ "url": receiver.url("/slow"), "topics": ["order.created"] })).await;
        service.api().sample_event("order.created", Some("evt_slow")).await;
        let failed = delivery_of(service.api(), &endpoint, "failed").await;
        assert_eq!(failed["attempts"], 3, "{failed}");
        // Past a lease's length: nothing more is sent.
        tokio::time::sleep(Duration::from_millis(4_500)).await;
        assert_eq!(receiver.count(), 3);
        let (_, attempts) = service.api().get(&format!("/v1/accounts/acme/endpoints/{endpoint}/attempts")).await;
        let classes: Vec<_> = attempts["data"].as_array().unwrap().iter().map(|a| a["errorClass"].clone()).collect();
        assert_eq!(classes, vec![json!("timeout"); 3]);
    }
}

/// The most requests the receiver saw start within any one second.
fn busiest_second(seen: &[support::Seen]) -> usize {
    let starts: Vec<Instant> = seen.iter().map(|s| s.at).collect();
    (0..starts.len())
        .map(|first| starts[first..].iter().take_while(|at| **at - starts[first] < Duration::from_secs(1)).count())
        .max()
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_hold_one_endpoints_rate_and_burst_limits_together() {
    if !backends().contains(&"postgres") {
        eprintln!("skipped: set DELIVERY_TEST_POSTGRES_URL (make test does) to run on Postgres");
        return;
    }
    let (database, _) = fresh_database("postgres").await;
    let receiver = Receiver::start(Reply::Slow(Duration::from_millis(300), 200)).await;
    let front = spawn(&database, &[]);
    let _workers = [spawn(&database, &["--worker-only"]), spawn(&database, &["--worker-only"])];
    front
        .api()
        .endpoint(
            json!({ "url": receiver.url("/limited"), "topics": ["order.created"], "rateLimit": 20, "burstLimit": 5 }),
        )
        .await;
    const EVENTS: usize = 100;
    for n in 0..EVENTS {
        front.api().sample_event("order.created", Some(&format!("evt_limited_{n}"))).await;
    }
    let mut seen = receiver.wait_for(EVENTS, Duration::from_secs(60)).await;
    seen.sort_by_key(|s| s.at);
    assert!(receiver.max_in_flight() <= 5, "{} in flight with burst 5", receiver.max_in_flight());
    assert!(busiest_second(&seen) <= 21, "{} requests in one second at 20/s", busiest_second(&seen));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.count(), EVENTS, "nothing sent twice");
}
