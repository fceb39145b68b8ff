//! The service binary under faults (issue [integrity]): each test counts what the receivers got against what was
//! posted — nothing lost, and duplicates only for requests in flight at a crash, never more than were in flight.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use support::{all_recorded, backends, delivery_of, fresh_database, spawn, Receiver, Reply, Seen};

/// How often each event id reached the receiver.
fn copies(seen: &[Seen]) -> HashMap<String, usize> {
    let mut copies = HashMap::new();
    for request in seen {
        *copies.entry(request.headers["webhook-id"].to_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    copies
}

/// Waits (bounded) until every one of `ids` reached the receiver.
async fn all_delivered(receiver: &Receiver, ids: &[String], within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let copies = copies(&receiver.seen());
        let missing = ids.iter().filter(|id| !copies.contains_key(*id)).count();
        if missing == 0 {
            return;
        }
        assert!(Instant::now() < deadline, "{missing} of {} events never arrived", ids.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_one_of_three_workers_mid_drain_loses_nothing() {
    if !backends().contains(&"postgres") {
        eprintln!("skipped: set DELIVERY_TEST_POSTGRES_URL (make test does) to run on Postgres");
        return;
    }
    let (database, _) = fresh_database("postgres").await;
    let receiver = Receiver::start(Reply::Slow(Duration::from_millis(30), 200)).await;
    let quick = ["--lease-seconds", "4", "--request-timeout-seconds", "1", "--concurrency", "8"];
    // The backlog first, then three workers drain it together.
    let front = spawn(&database, &["--api-only"]);
    let (endpoint, _) =
        front.api().endpoint(json!({ "url": receiver.url("/drain"), "topics": ["order.created"] })).await;
    let ids: Vec<String> = (0..600).map(|n| format!("evt_drain_{n}")).collect();
    for id in &ids {
        front.api().sample_event("order.created", Some(id)).await;
    }
    let worker = [&quick[..], &["--worker-only"]].concat();
    let _first = spawn(&database, &worker);
    let mut victim = spawn(&database, &worker);
    let _third = spawn(&database, &worker);
    receiver.wait_for(150, Duration::from_secs(30)).await;
    victim.child.kill().unwrap();
    victim.wait_exit(Duration::from_secs(10));
    // In flight at the kill: deliveries the dead worker claimed and had not recorded (sent, or answered and waiting
    // to be written). Its leases stand until they run out, so right after the kill its rows are the largest group
    // of leased rows or within it: that group's size bounds what may be sent twice.
    let in_flight = leased_per_worker(&database).await.into_iter().max().unwrap_or(0);

    all_delivered(&receiver, &ids, Duration::from_secs(60)).await;
    // The killed worker's in-flight deliveries are sent again once its leases run out, and recorded then.
    all_recorded(front.api(), &endpoint, ids.len(), Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let copies = copies(&receiver.seen());
    let extra = receiver.count() - ids.len();
    assert!(extra <= in_flight, "{extra} duplicates; the killed worker had at most {in_flight} deliveries in flight");
    assert!(copies.values().all(|n| *n <= 2), "{copies:?}");
    eprintln!(
        "killed one of three workers mid-drain: 0 lost, {extra} sent twice (≤ {in_flight} in flight at the kill)"
    );
}

/// How many pending deliveries each worker holds a lease on.
async fn leased_per_worker(database: &str) -> Vec<usize> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database).await.unwrap();
    let rows = sqlx::query(
        "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'pending' AND lease_owner IS NOT NULL GROUP BY lease_owner",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter().map(|row| usize::try_from(sqlx::Row::get::<i64, _>(row, "n")).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_during_its_startup_migration_leaves_a_database_the_next_one_uses() {
    for backend in backends() {
        let (database, _dir) = fresh_database(backend).await;
        for delay_ms in [0, 2, 5, 10, 20, 40, 80] {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_delivery-service"))
                .args(["--database-url", &database, "--listen", "127.0.0.1:0", "--api-key", support::API_KEY])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay_ms));
            child.kill().unwrap();
            child.wait().unwrap();
        }
        let receiver = Receiver::start(Reply::Status(200)).await;
        let service = spawn(&database, &[]);
        let (endpoint, _) =
            service.api().endpoint(json!({ "url": receiver.url("/after"), "topics": ["order.created"] })).await;
        service.api().sample_event("order.created", Some("evt_after_migration")).await;
        let delivered = delivery_of(service.api(), &endpoint, "succeeded").await;
        assert_eq!(delivered["attempts"], 1, "{backend}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_for_40_seconds_delays_but_loses_and_repeats_nothing() {
    let (database, dir) = fresh_database("sqlite").await;
    let receiver = Receiver::start(Reply::Slow(Duration::from_millis(200), 200)).await;
    let service = spawn(&database, &["--concurrency", "4"]);
    let (endpoint, _) =
        service.api().endpoint(json!({ "url": receiver.url("/locked"), "topics": ["order.created"] })).await;
    let ids: Vec<String> = (0..120).map(|n| format!("evt_locked_{n}")).collect();
    for id in &ids {
        service.api().sample_event("order.created", Some(id)).await;
    }
    receiver.wait_for(20, Duration::from_secs(20)).await;

    // Another process's exclusive transaction: every write of the service waits, then fails, for 40 s.
    let path = dir.as_ref().unwrap().path().join("delivery.db");
    let lock = std::thread::spawn(move || {
        let mut sqlite = std::process::Command::new("python3")
            .args(["-c", "import sqlite3, sys, time\nc = sqlite3.connect(sys.argv[1], isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('locked', flush=True)\ntime.sleep(40)\nc.execute('COMMIT')"])
            .arg(&path)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let status = sqlite.wait().unwrap();
        assert!(status.success());
    });
    let locked_at = Instant::now();
    let during = receiver.count();
    lock.join().unwrap();
    assert!(locked_at.elapsed() >= Duration::from_secs(39));
    all_delivered(&receiver, &ids, Duration::from_secs(90)).await;
    all_recorded(service.api(), &endpoint, ids.len(), Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.count(), ids.len(), "nothing sent twice ({during} delivered before the lock)");
    assert!(copies(&receiver.seen()).values().all(|n| *n == 1));
}

/// A receiver that answers 200 with a 100 MB body, written 64 KiB at a time as fast as the reader takes it;
/// returns its address and the bytes it managed to write.
async fn flooding_receiver() -> (std::net::SocketAddr, Arc<AtomicU64>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let written = Arc::new(AtomicU64::new(0));
    let total = written.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let total = total.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 65536];
                let _ = stream.read(&mut request).await;
                let size: u64 = 100 * 1024 * 1024;
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {size}\r\ncontent-type: text/plain\r\n\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                let mut sent = 0;
                while sent < size {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                    sent += chunk.len() as u64;
                    total.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
            });
        }
    });
    (address, written)
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_that_never_answer_or_flood_a_response_cost_one_timeout_and_16_kib() {
    let (database, _dir) = fresh_database("sqlite").await;
    let service = spawn(&database, &["--request-timeout-seconds", "2", "--lease-seconds", "5"]);
    let (address, written) = flooding_receiver().await;
    let (flooded, _) =
        service.api().endpoint(json!({ "url": format!("http://{address}/flood"), "topics": ["order.created"] })).await;
    let silent = Receiver::start(Reply::Hang).await;
    let (hanging, _) =
        service.api().endpoint(json!({ "url": silent.url("/silent"), "topics": ["order.cancelled"] })).await;

    // Settle the process first: one of each.
    service.api().sample_event("order.created", Some("evt_flood_warm")).await;
    delivery_of(service.api(), &flooded, "succeeded").await;
    let settled = rss_kib(service.child.id());
    for n in 0..20 {
        service.api().sample_event("order.created", Some(&format!("evt_flood_{n}"))).await;
    }
    service.api().sample_event("order.cancelled", Some("evt_silent")).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (_, body) =
            service.api().get(&format!("/v1/accounts/acme/endpoints/{flooded}/deliveries?status=succeeded")).await;
        if body["data"].as_array().map_or(0, Vec::len) == 21 {
            break;
        }
        assert!(Instant::now() < deadline, "the flooded deliveries did not finish: {body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (_, attempts) = service.api().get(&format!("/v1/accounts/acme/endpoints/{flooded}/attempts?limit=100")).await;
    for attempt in attempts["data"].as_array().unwrap() {
        assert_eq!(attempt["outcome"], "success");
        let (_, detail) = service.api().get(&format!("/v1/attempts/{}", attempt["id"].as_str().unwrap())).await;
        assert_eq!(detail["response"]["body"].as_str().unwrap().len(), 16 * 1024, "the excerpt is cut at 16 KiB");
    }
    let grown = rss_kib(service.child.id()).saturating_sub(settled);
    let flood_mib = written.load(Ordering::SeqCst) / (1024 * 1024);
    assert!(grown < 20 * 1024, "RSS grew {grown} KiB over 20 responses of 100 MB");
    assert!(flood_mib < 21 * 100 / 2, "the service read {flood_mib} MiB of 2,100 MiB offered");

    // The silent receiver: one attempt, failed as a timeout after the request timeout.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = service.api().get(&format!("/v1/accounts/acme/endpoints/{hanging}/attempts")).await;
        if let Some(first) = body["data"].as_array().and_then(|list| list.first()) {
            assert_eq!(first["errorClass"], "timeout", "{first}");
            assert!(first["latencyMs"].as_i64().unwrap() >= 1_900, "{first}");
            break;
        }
        assert!(Instant::now() < deadline, "the silent receiver's attempt was not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = std::io::stderr().flush();
}
