//! What an operator watches (issue [operate]): readiness that follows the database, JSON logs whose delivery lines
//! carry the delivery's ids, and a build that refuses a schema newer than it knows. The database tests run on SQLite
//! and, when `DELIVERY_TEST_POSTGRES_URL` is set, on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{backends, Harness, Receiver, Reply, API_KEY, SECRETS_KEY};

async fn readyz(harness: &Harness) -> (u16, Value) {
    let response = reqwest::get(format!("{}/readyz", harness.api.base)).await.unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_str(&response.text().await.unwrap()).unwrap())
}

async fn wait_ready(harness: &Harness, wanted: u16) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = readyz(harness).await;
        if status == wanted {
            return body;
        }
        assert!(Instant::now() < deadline, "readiness stayed {status}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_database_and_its_migrations() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let ready = wait_ready(&harness, 200).await;
        assert_eq!(ready["ready"], true, "{backend}: {ready}");
        assert_eq!(ready["schemaVersion"], ready["schemaWanted"], "{backend}");
        // A migration this build needs is missing (an older schema): not ready, and why.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&harness.database_url).await.unwrap();
        let latest = delivery_service::store::SCHEMA_VERSION;
        sqlx::query(&format!("UPDATE _sqlx_migrations SET version = -1 WHERE version = {latest}"))
            .execute(&pool)
            .await
            .unwrap();
        let pending = wait_ready(&harness, 503).await;
        assert!(pending["reason"].as_str().unwrap().contains("migrations are pending"), "{backend}: {pending}");
        sqlx::query(&format!("UPDATE _sqlx_migrations SET version = {latest} WHERE version = -1"))
            .execute(&pool)
            .await
            .unwrap();
        wait_ready(&harness, 200).await;
        if backend == "postgres" {
            // The database goes away (no connection accepted, every one cut): 503; back: 200.
            let name = harness.database_url.rsplit('/').next().unwrap().to_owned();
            let admin_url = std::env::var("DELIVERY_TEST_POSTGRES_URL").unwrap();
            let admin = sqlx::AnyPool::connect(&admin_url).await.unwrap();
            pool.close().await;
            sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false")).execute(&admin).await.unwrap();
            sqlx::query(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ))
            .execute(&admin)
            .await
            .unwrap();
            let down = wait_ready(&harness, 503).await;
            assert!(down["reason"].as_str().unwrap().contains("database"), "{down}");
            let health = reqwest::get(format!("{}/healthz", harness.api.base)).await.unwrap().status();
            assert_eq!(health.as_u16(), 200, "/healthz stays: the process is up");
            sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true")).execute(&admin).await.unwrap();
            wait_ready(&harness, 200).await;
        }
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_a_line_with_each_deliverys_ids() {
    let (database, _dir) = support::fresh_database("sqlite").await;
    let receiver = Receiver::start(Reply::Status(500)).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_delivery-service"))
        .args(["--database-url", &database, "--listen", "127.0.0.1:0", "--api-key", API_KEY])
        .args(["--allow-insecure-loopback", "--poll-ms", "20", "--log-format", "json"])
        .env("RUST_LOG", "delivery_service=debug")
        .env("DELIVERY_SECRETS_KEY", SECRETS_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let address = BufReader::new(stdout).lines().next().unwrap().unwrap();
    let api = support::Api::new(address.trim_start_matches("listening on http://").parse().unwrap());
    api.ensure_account(support::ACCOUNT).await;
    let (endpoint, _) = api.endpoint(json!({ "url": receiver.url("/logs"), "topics": ["order.created"] })).await;
    api.sample_event("order.created", Some("evt_logged")).await;
    receiver.wait_for(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|error| panic!("not one JSON object ({error}): {line}")))
        .collect();
    assert!(lines.iter().all(|line| line["level"].is_string() && line["fields"].is_object()), "{text}");
    let delivery_line = lines
        .iter()
        .find(|line| line["span"]["name"] == "delivery")
        .unwrap_or_else(|| panic!("no line of a delivery: {text}"));
    assert_eq!(delivery_line["span"]["endpoint"], endpoint.as_str());
    assert_eq!(delivery_line["span"]["account"], support::ACCOUNT);
    assert!(delivery_line["span"]["delivery"].as_str().unwrap().starts_with("dlv_"), "{delivery_line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_build_older_than_the_schema_refuses_to_start() {
    for backend in backends() {
        let (url, _dir) = support::fresh_database(backend).await;
        let store = support::open_store(&url, 2).await;
        drop(store);
        // A release after this one applied migration 99.
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let latest = delivery_service::store::SCHEMA_VERSION;
        sqlx::query(&format!(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
             SELECT 99, 'from a newer release', installed_on, success, checksum, 1 FROM _sqlx_migrations \
             WHERE version = {latest}"
        ))
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        let started = Instant::now();
        let error = delivery_service::store::Store::connect(&url, 2, support::test_sealer()).await.err();
        let message = error.map(|error| error.to_string()).unwrap_or_default();
        assert!(
            message.contains("the database's schema is newer than this build (migration 99"),
            "{backend}: {message}"
        );
        assert!(started.elapsed() < Duration::from_secs(5), "{backend}: it retried instead of refusing");
    }
}
