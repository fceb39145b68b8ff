//! `make bench-delivery`: signed deliveries per second to a fast loopback receiver, and enqueue→delivered latency
//! at fixed rates, on SQLite and (when `DELIVERY_TEST_POSTGRES_URL` is set) Postgres. Prints a Markdown table.
//!
//! Throughput: a queue of N deliveries is filled with the worker off, then one worker process drains it; the figure
//! is N / time to drain. Latency: events are posted through the HTTP API at a fixed rate; each event's latency is
//! from just before its POST to its arrival at the receiver.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use delivery_service::{Clock, Service, Settings, SystemClock};

#[path = "../tests/support/mod.rs"]
mod support;
use serde_json::json;

use support::API_KEY;

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

/// A receiver that answers 200 at once and notes when each webhook-id arrived.
async fn fast_receiver() -> (SocketAddr, Arrivals) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let arrivals: Arrivals = Arc::default();
    let shared = arrivals.clone();
    let address = support::serve(listener, move |request: hyper::Request<hyper::body::Incoming>| {
        let shared = shared.clone();
        async move {
            use http_body_util::BodyExt;
            let now = Instant::now();
            let id = request.headers().get("webhook-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let _ = request.into_body().collect().await;
            shared.lock().unwrap().insert(id, now);
            axum::response::IntoResponse::into_response("ok")
        }
    });
    (address, arrivals)
}

fn settings(database_url: &str, listen: bool, worker: bool) -> Settings {
    let mut settings = Settings {
        database_url: database_url.to_owned(),
        listen: listen.then(|| SocketAddr::from(([127, 0, 0, 1], 0))),
        api_keys: vec![API_KEY.into()],
        allow_insecure_loopback: true,
        run_worker: worker,
        db_connections: 16,
        ..Settings::default()
    };
    settings.worker.poll_interval = Duration::from_millis(50);
    settings
}

fn sample_body(id: &str) -> String {
    let sample: serde_json::Value =
        serde_json::from_str(dropship_webhooks::samples::sample_event_json("order.created").unwrap()).unwrap();
    json!({ "id": id, "topic": "order.created", "createdAt": "2026-11-23T00:00:00.000Z", "data": sample["data"] })
        .to_string()
}

/// Deliveries per second draining a pre-filled queue of `count`.
async fn throughput(backend: &str, count: usize) -> f64 {
    let (database, _dir) = support::fresh_database(backend).await;
    let (receiver, arrivals) = fast_receiver().await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let filler = Service::start(settings(&database, true, false), clock.clone()).await.unwrap();
    support::Api::new(filler.address.unwrap())
        .endpoint(json!({ "url": format!("http://{receiver}/hook"), "topics": ["order.created"] }))
        .await;
    let endpoint = filler.store.endpoints().await.unwrap()[0].id.clone();
    let now = clock.now_ms();
    for n in 0..count {
        let id = format!("evt_t{n}");
        filler
            .store
            .enqueue_event(&id, "order.created", &sample_body(&id), std::slice::from_ref(&endpoint), now)
            .await
            .unwrap();
    }
    let store = filler.store.clone();
    filler.shutdown().await;
    let started = Instant::now();
    let worker = Service::start(settings(&database, false, true), clock).await.unwrap();
    let deadline = started + Duration::from_secs(300);
    loop {
        let counts = store.delivery_counts(None).await.unwrap();
        if counts.get("succeeded").copied().unwrap_or(0) as usize >= count {
            break;
        }
        assert!(Instant::now() < deadline, "drain did not finish: {counts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    worker.shutdown().await;
    assert!(arrivals.lock().unwrap().len() >= count);
    count as f64 / elapsed.as_secs_f64()
}

/// (p50, p99, max) in ms of enqueue→delivered at `rate` events per second for `seconds`.
async fn latency(backend: &str, rate: u32, seconds: u32) -> (f64, f64, f64) {
    let (database, _dir) = support::fresh_database(backend).await;
    let (receiver, arrivals) = fast_receiver().await;
    let service = Service::start(settings(&database, true, true), Arc::new(SystemClock)).await.unwrap();
    let base = format!("http://{}", service.address.unwrap());
    support::Api::new(service.address.unwrap())
        .endpoint(json!({ "url": format!("http://{receiver}/hook"), "topics": ["order.created"] }))
        .await;
    let data = serde_json::from_str::<serde_json::Value>(
        dropship_webhooks::samples::sample_event_json("order.created").unwrap(),
    )
    .unwrap()["data"]
        .clone();
    let client = reqwest::Client::new();
    let sent: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(rate)));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let total = rate * seconds;
    let mut posts = Vec::new();
    for n in 0..total {
        ticker.tick().await;
        let (client, base, sent, data) = (client.clone(), base.clone(), sent.clone(), data.clone());
        posts.push(tokio::spawn(async move {
            let id = format!("evt_l{n}");
            sent.lock().unwrap().insert(id.clone(), Instant::now());
            let body = json!({ "id": id, "topic": "order.created", "data": data }).to_string();
            let response = client
                .post(format!("{base}/v1/events"))
                .bearer_auth(API_KEY)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 202);
        }));
    }
    for post in posts {
        post.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while arrivals.lock().unwrap().len() < total as usize {
        assert!(Instant::now() < deadline, "not every event arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    service.shutdown().await;
    let sent = sent.lock().unwrap();
    let arrivals = arrivals.lock().unwrap();
    let mut ms: Vec<f64> =
        sent.iter().map(|(id, at)| arrivals[id].duration_since(*at).as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let pick = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (pick(0.5), pick(0.99), pick(1.0))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let count: usize = std::env::var("BENCH_DELIVERIES").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    let mut backends = vec!["sqlite"];
    if std::env::var("DELIVERY_TEST_POSTGRES_URL").is_ok() {
        backends.push("postgres");
    }
    println!("| backend | drain {count} deliveries (per s) | p50 / p99 / max at 100/s (ms) | p50 / p99 / max at 1,000/s (ms) |");
    println!("|---|---:|---:|---:|");
    for backend in backends {
        runtime.block_on(async {
            let per_second = throughput(backend, count).await;
            let slow = latency(backend, 100, 5).await;
            let fast = latency(backend, 1000, 5).await;
            println!(
                "| {backend} | {per_second:.0} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} |",
                slow.0, slow.1, slow.2, fast.0, fast.1, fast.2
            );
        });
    }
}
