//! Postgres restarted under a draining service (issue [integrity]): the service reconnects and finishes, nothing
//! lost and nothing sent twice. Its own test binary, since the restart cuts every connection to the cluster.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{all_recorded, backends, fresh_database, spawn, Receiver, Reply};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_mid_drain_loses_and_repeats_nothing() {
    if !backends().contains(&"postgres") {
        eprintln!("skipped: set DELIVERY_TEST_POSTGRES_URL (make test does) to run on Postgres");
        return;
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/postgres.sh");
    let ours = std::process::Command::new("bash").args([script, "url"]).output().unwrap();
    if String::from_utf8_lossy(&ours.stdout).trim() != std::env::var("DELIVERY_TEST_POSTGRES_URL").unwrap() {
        eprintln!("skipped: DELIVERY_TEST_POSTGRES_URL is not the cluster of scripts/postgres.sh, which it restarts");
        return;
    }
    let (database, _) = fresh_database("postgres").await;
    let receiver = Receiver::start(Reply::Slow(Duration::from_millis(100), 200)).await;
    // A short lease: a claim whose answer the outage cut off is claimable again within seconds.
    let service = spawn(&database, &["--concurrency", "4", "--lease-seconds", "8"]);
    let (endpoint, _) =
        service.api().endpoint(json!({ "url": receiver.url("/restart"), "topics": ["order.created"] })).await;
    let ids: Vec<String> = (0..200).map(|n| format!("evt_restart_{n}")).collect();
    for id in &ids {
        service.api().sample_event("order.created", Some(id)).await;
    }
    receiver.wait_for(30, Duration::from_secs(20)).await;
    let restarted = std::process::Command::new("bash").args([script, "restart"]).status().unwrap();
    assert!(restarted.success());

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen: HashSet<String> =
            receiver.seen().iter().map(|s| s.headers["webhook-id"].to_str().unwrap().to_owned()).collect();
        if ids.iter().all(|id| seen.contains(id)) {
            break;
        }
        if Instant::now() >= deadline {
            let (_, health) = service.api().get(&format!("/v1/accounts/acme/endpoints/{endpoint}/health")).await;
            let (_, endpoint_state) = service.api().get(&format!("/v1/accounts/acme/endpoints/{endpoint}")).await;
            panic!("{} of {} arrived after the restart: {health} {endpoint_state}", seen.len(), ids.len());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Every outcome recorded once the database is back (the API answers again), and nothing sent twice.
    all_recorded(service.api(), &endpoint, ids.len(), Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.count(), ids.len(), "nothing sent twice");
}
