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
        secrets_key: delivery_service::sealing::KeySource::Hex(support::SECRETS_KEY.into()),
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

/// A fresh database of `backend` with one endpoint (the receiver) and a queue of `count` deliveries to it, filled
/// with no worker running; returns the database, its folder (SQLite) and the endpoint.
async fn filled_queue(
    backend: &str,
    count: usize,
    receiver: SocketAddr,
) -> (String, Option<tempfile::TempDir>, String) {
    let (database, dir) = support::fresh_database(backend).await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let filler = Service::start(settings(&database, true, false), clock.clone()).await.unwrap();
    let api = support::Api::new(filler.address.unwrap());
    api.ensure_account(support::ACCOUNT).await;
    let (endpoint, _) =
        api.endpoint(json!({ "url": format!("http://{receiver}/hook"), "topics": ["order.created"] })).await;
    let now = clock.now_ms();
    for n in 0..count {
        let id = format!("evt_t{n}");
        support::enqueue(&filler.store, &id, &sample_body(&id), std::slice::from_ref(&endpoint), now).await;
    }
    filler.shutdown().await;
    (database, dir, endpoint)
}

/// Waits (up to 5 minutes from `started`) until `count` deliveries to `endpoint` succeeded, calling `each_poll`
/// every 20 ms.
async fn drained(
    store: &delivery_service::store::Store,
    endpoint: &str,
    count: usize,
    started: Instant,
    mut each_poll: impl FnMut(),
) {
    let deadline = started + Duration::from_secs(300);
    loop {
        each_poll();
        let counts = store.delivery_counts(endpoint).await.unwrap();
        if counts.get("succeeded").copied().unwrap_or(0) as usize >= count {
            return;
        }
        assert!(Instant::now() < deadline, "drain did not finish: {counts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|line| line.starts_with("VmRSS:"))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

/// CPU time (user + system) a process has used so far, in µs, from `/proc/<pid>/stat` (clock ticks of 10 ms).
fn cpu_us(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The fields after the command name (which may hold spaces) start at the state, field 3.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(14) + ticks(15)) * 10_000.0
}

/// `processes` worker processes (the service binary, `--worker-only`) draining a queue of `count`: deliveries per
/// second, the highest resident memory any of them reached (sampled every 50 ms), and their CPU time per delivery
/// (µs; steadier than the rate on a shared machine).
async fn process_drain(backend: &str, processes: usize, count: usize) -> (f64, f64, f64) {
    let (receiver, arrivals) = fast_receiver().await;
    let (database, _dir, endpoint) = filled_queue(backend, count, receiver).await;
    let store = support::open_store(&database, 2).await;
    let started = Instant::now();
    let mut workers: Vec<std::process::Child> = (0..processes)
        .map(|_| {
            // `BENCH_SERVICE_BINARY` measures another build (an earlier commit's, to compare in one sitting).
            let binary = std::env::var("BENCH_SERVICE_BINARY")
                .unwrap_or_else(|_| env!("CARGO_BIN_EXE_delivery-service").to_owned());
            std::process::Command::new(binary)
                .args(["--database-url", &database, "--worker-only", "--allow-insecure-loopback", "--poll-ms", "50"])
                .env("RUST_LOG", "error")
                .env("DELIVERY_SECRETS_KEY", support::SECRETS_KEY)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut peak_rss: f64 = 0.0;
    drained(&store, &endpoint, count, started, || {
        for worker in &workers {
            peak_rss = peak_rss.max(rss_mib(worker.id()));
        }
    })
    .await;
    let elapsed = started.elapsed();
    let cpu: f64 = workers.iter().map(|worker| cpu_us(worker.id())).sum();
    for worker in &mut workers {
        let _ = worker.kill();
        let _ = worker.wait();
    }
    assert!(arrivals.lock().unwrap().len() >= count);
    (count as f64 / elapsed.as_secs_f64(), peak_rss, cpu / count as f64)
}

/// Seconds to queue one event fanned out to `endpoints` endpoints (the `POST /v1/events` call).
async fn fan_out(backend: &str, endpoints: usize) -> f64 {
    let (database, _dir) = support::fresh_database(backend).await;
    let service = Service::start(settings(&database, true, false), Arc::new(SystemClock)).await.unwrap();
    let api = support::Api::new(service.address.unwrap());
    api.ensure_account(support::ACCOUNT).await;
    for n in 0..endpoints {
        let endpoint =
            support::endpoint_row(&format!("ep_fan{n}"), &format!("https://hooks{n}.example.com/webhooks"), 0);
        let secret = delivery_service::model::SecretRow {
            id: format!("sec_fan{n}"),
            endpoint_id: endpoint.id.clone(),
            value: dropship_webhooks::generate_secret(&[7u8; 32]).unwrap(),
            label: None,
            expires_at: None,
            created_at: 0,
        };
        assert!(service.store.insert_endpoint(&endpoint, &secret).await.unwrap());
    }
    let data = serde_json::from_str::<serde_json::Value>(
        dropship_webhooks::samples::sample_event_json("order.created").unwrap(),
    )
    .unwrap()["data"]
        .clone();
    let started = Instant::now();
    let (status, answer) = api.post(&support::at("/events"), json!({ "topic": "order.created", "data": data })).await;
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!((status, answer["deliveries"].as_u64()), (202, Some(endpoints as u64)), "{answer}");
    service.shutdown().await;
    seconds
}

/// Deliveries per second draining a pre-filled queue of `count`, with the worker in this process.
async fn throughput(backend: &str, count: usize) -> f64 {
    let (receiver, arrivals) = fast_receiver().await;
    let (database, _dir, endpoint) = filled_queue(backend, count, receiver).await;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = support::open_store(&database, 2).await;
    let started = Instant::now();
    let worker = Service::start(settings(&database, false, true), clock).await.unwrap();
    drained(&store, &endpoint, count, started, || {}).await;
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
    let api = support::Api::new(service.address.unwrap());
    api.ensure_account(support::ACCOUNT).await;
    api.endpoint(json!({ "url": format!("http://{receiver}/hook"), "topics": ["order.created"] })).await;
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
                .post(format!("{base}{}", support::at("/events")))
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
    if let Ok(only) = std::env::var("BENCH_BACKENDS") {
        backends.retain(|backend| only.split(',').any(|name| name == *backend));
    }
    // `BENCH_SECTIONS=queue,processes,fanout` (all by default): the tables to measure, to look at one alone.
    let sections = std::env::var("BENCH_SECTIONS").unwrap_or_else(|_| "queue,processes,fanout,lists,console".into());
    let section = |name: &str| sections.split(',').any(|listed| listed == name);
    if section("queue") {
        queue_table(&runtime, &backends, count);
    }
    if section("processes") {
        processes_table(&runtime, &backends, count);
    }
    if section("fanout") {
        fan_out_table(&runtime, &backends);
    }
    if section("lists") {
        lists_table(&runtime, &backends);
    }
    if section("console") {
        console_table(&runtime, &backends);
    }
}

fn queue_table(runtime: &tokio::runtime::Runtime, backends: &[&str], count: usize) {
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
    println!();
}

fn processes_table(runtime: &tokio::runtime::Runtime, backends: &[&str], count: usize) {
    println!("Worker processes (the service binary, `--worker-only`) draining a queue of {count}:");
    println!();
    println!(
        "| backend | worker processes | deliveries/s | peak RSS of a worker (MiB) | worker CPU per delivery (µs) |"
    );
    println!("|---|---:|---:|---:|---:|");
    for backend in backends {
        let counts: &[usize] = if *backend == "postgres" { &[1, 2, 4] } else { &[1] };
        for &processes in counts {
            let (per_second, rss, cpu) = runtime.block_on(process_drain(backend, processes, count));
            println!("| {backend} | {processes} | {per_second:.0} | {rss:.1} | {cpu:.0} |");
        }
    }
    println!();
}

fn fan_out_table(runtime: &tokio::runtime::Runtime, backends: &[&str]) {
    println!("| backend | one event fanned out to 10,000 endpoints: `POST /v1/events` (s) |");
    println!("|---|---:|");
    for backend in backends {
        let seconds = runtime.block_on(fan_out(backend, 10_000));
        println!("| {backend} | {seconds:.2} |");
    }
    println!();
}

/// Attempts in the history database of the list benchmark (4 per delivery, all to one endpoint).
const HISTORY_ATTEMPTS: i64 = 1_000_000;

/// Writes a history of [`HISTORY_ATTEMPTS`] attempts (and a quarter as many events and deliveries) for
/// `endpoint` of the test account straight into the database, 10 ms apart ending now: three failures (timeout,
/// http, connect) then a success per delivery.
async fn history(database_url: &str, endpoint: &str, now: i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
    let deliveries = HISTORY_ATTEMPTS / 4;
    let numbers = "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $1 - 1)";
    let start = now - HISTORY_ATTEMPTS * 10;
    for statement in [
        format!(
            "{numbers} INSERT INTO events (account_id, id, topic, body, created_at)
             SELECT 'acme', 'evt_h' || i, 'order.created', '{{}}', $2 + i * 40 FROM n"
        ),
        format!(
            "{numbers} INSERT INTO deliveries (id, account_id, event_id, endpoint_id, topic, status, attempts,
             next_attempt_at, claims, last_error_class, created_at, updated_at)
             SELECT 'dlv_h' || i, 'acme', 'evt_h' || i, $3, 'order.created', 'succeeded', 4, $2 + i * 40, 4,
             'connect', $2 + i * 40, $2 + i * 40 + 30 FROM n"
        ),
    ] {
        sqlx::query(&statement).bind(deliveries).bind(start).bind(endpoint).execute(&pool).await.unwrap();
    }
    let attempts = format!(
        "{numbers} INSERT INTO attempts (id, account_id, delivery_id, endpoint_id, event_id, topic, attempt,
         trigger_kind, started_at, latency_ms, recorded_at, status_code, outcome, error_class, error, request_method,
         request_url, request_headers, response_headers, response_excerpt, response_body)
         SELECT 'att_h' || i, 'acme', 'dlv_h' || (i / 4), $3, 'evt_h' || (i / 4), 'order.created', i % 4 + 1,
         'scheduled', $2 + i * 10, 12, $2 + i * 10 + 12,
         CASE WHEN i % 4 = 1 THEN 500 WHEN i % 4 = 3 THEN 200 ELSE NULL END,
         CASE WHEN i % 4 = 3 THEN 'success' ELSE 'failure' END,
         CASE i % 4 WHEN 0 THEN 'timeout' WHEN 1 THEN 'http' WHEN 2 THEN 'connect' ELSE NULL END,
         CASE WHEN i % 4 = 3 THEN NULL ELSE 'failed' END,
         'POST', 'https://hooks.example.com/history', '[]', '[]', '', NULL FROM n"
    );
    sqlx::query(&attempts).bind(HISTORY_ATTEMPTS).bind(start).bind(endpoint).execute(&pool).await.unwrap();
    if database_url.starts_with("postgres") {
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    }
    pool.close().await;
}

/// (p50, p99) in ms of `requests` GETs of `path` through the API (the server's time plus loopback).
async fn list_latency(api: &support::Api, path: &str, requests: usize) -> (f64, f64) {
    let mut ms = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        let (status, body) = api.get(path).await;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body["data"].is_array(), "{path}: {body}");
    }
    ms.sort_by(f64::total_cmp);
    let pick = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (pick(0.5), pick(0.99))
}

fn lists_table(runtime: &tokio::runtime::Runtime, backends: &[&str]) {
    println!(
        "History lists of one endpoint with {HISTORY_ATTEMPTS} attempts (and {} deliveries) in the database, 50 rows \
         a page, through the API; p50 / p99 of 200 requests (ms):",
        HISTORY_ATTEMPTS / 4
    );
    println!();
    println!("| backend | list | p50 | p99 |");
    println!("|---|---|---:|---:|");
    for backend in backends {
        runtime.block_on(async {
            let (database, _dir) = support::fresh_database(backend).await;
            let service = Service::start(settings(&database, true, false), Arc::new(SystemClock)).await.unwrap();
            let api = support::Api::new(service.address.unwrap());
            api.ensure_account(support::ACCOUNT).await;
            let (endpoint, _) =
                api.endpoint(json!({ "url": "https://hooks.example.com/history", "topics": ["order.created"] })).await;
            let filling = Instant::now();
            let now = SystemClock.now_ms();
            history(&database, &endpoint, now).await;
            eprintln!("{backend}: wrote the history in {:.1} s", filling.elapsed().as_secs_f64());
            let base = format!("/endpoints/{endpoint}");
            // Pages deep in the history: the cursors of the delivery and the attempt half way down.
            let start = now - HISTORY_ATTEMPTS * 10;
            let middle = HISTORY_ATTEMPTS / 2;
            let deep_delivery = format!("{}:dlv_h{}", start + middle / 4 * 40, middle / 4);
            let deep_attempt = format!("{}:att_h{middle}", start + middle * 10);
            let (hour_from, hour_to) = (now - 7_200_000, now - 3_600_000);
            let cases = [
                ("deliveries, first page", format!("{base}/deliveries")),
                ("deliveries, half way down (cursor)", format!("{base}/deliveries?cursor={deep_delivery}")),
                (
                    "deliveries, status=succeeded&topic=order.created",
                    format!("{base}/deliveries?status=succeeded&topic=order.created"),
                ),
                ("deliveries, status=failed (none)", format!("{base}/deliveries?status=failed")),
                ("attempts, first page", format!("{base}/attempts")),
                ("attempts, half way down (cursor)", format!("{base}/attempts?cursor={deep_attempt}")),
                (
                    "attempts, outcome=failure&errorClass=timeout",
                    format!("{base}/attempts?outcome=failure&errorClass=timeout"),
                ),
                ("attempts, errorClass=dns (none)", format!("{base}/attempts?errorClass=dns")),
                ("attempts, an hour by since/until", format!("{base}/attempts?since={hour_from}&until={hour_to}")),
            ];
            for (name, path) in cases {
                let (p50, p99) = list_latency(&api, &support::at(&path), 200).await;
                println!("| {backend} | {name} | {p50:.1} | {p99:.1} |");
            }
            service.shutdown().await;
        });
    }
    println!();
}

/// The hourly counts the worker keeps as it records outcomes, for a history written straight into the database.
async fn count_hours(database_url: &str) {
    let pool = sqlx::AnyPool::connect(database_url).await.unwrap();
    let buckets: String = delivery_service::rules::LATENCY_BUCKETS_MS
        .iter()
        .enumerate()
        .map(|(index, bound)| format!(" WHEN latency_ms < {bound} THEN {index}"))
        .collect();
    let statement = format!(
        "INSERT INTO attempt_hours (endpoint_id, account_id, hour, class, bucket, n)
         SELECT endpoint_id, account_id, (started_at / 3600000) * 3600000,
           CASE WHEN outcome = 'success' THEN '' WHEN error_class = 'http' AND status_code < 500 THEN 'http 4xx'
                WHEN error_class = 'http' THEN 'http 5xx' ELSE COALESCE(error_class, 'other') END,
           CASE{buckets} ELSE {} END, COUNT(*) FROM attempts GROUP BY 1, 2, 3, 4, 5",
        delivery_service::rules::LATENCY_BUCKETS_MS.len()
    );
    sqlx::query(&statement).execute(&pool).await.unwrap();
    pool.close().await;
}

/// (p50, p99) in ms of `requests` GETs of a console page with the session `cookie` (server time plus loopback).
async fn page_latency(client: &reqwest::Client, url: &str, cookie: &str, requests: usize, shows: &str) -> (f64, f64) {
    let mut ms = Vec::with_capacity(requests);
    let page = client.get(url).header("cookie", cookie).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(shows), "{url} does not show {shows:?}: {page}");
    for _ in 0..requests {
        let started = Instant::now();
        let response = client.get(url).header("cookie", cookie).send().await.unwrap();
        let status = response.status();
        let html = response.text().await.unwrap();
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status, 200, "{url}: {html}");
    }
    ms.sort_by(f64::total_cmp);
    let pick = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (pick(0.5), pick(0.99))
}

fn console_table(runtime: &tokio::runtime::Runtime, backends: &[&str]) {
    println!(
        "Console pages with {HISTORY_ATTEMPTS} attempts of one endpoint in the database (all within the last day), \
         through a console session; p50 / p99 of 100 requests (ms):"
    );
    println!();
    println!("| backend | page | p50 | p99 |");
    println!("|---|---|---:|---:|");
    for backend in backends {
        runtime.block_on(async {
            let (database, _dir) = support::fresh_database(backend).await;
            let service = Service::start(settings(&database, true, false), Arc::new(SystemClock)).await.unwrap();
            let address = service.address.unwrap();
            let api = support::Api::new(address);
            api.ensure_account(support::ACCOUNT).await;
            let (endpoint, _) =
                api.endpoint(json!({ "url": "https://hooks.example.com/history", "topics": ["order.created"] })).await;
            let now = SystemClock.now_ms();
            history(&database, &endpoint, now).await;
            count_hours(&database).await;
            let (_, link) = api.post(&support::at("/console-links"), json!({})).await;
            let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
            let mut browser = support::Browser::at(address);
            browser.enter(link["url"].as_str().unwrap()).await;
            let cookie = format!("dw_console={}", browser.session().unwrap());
            let base = format!("http://{address}/console/a/{}", support::ACCOUNT);
            // Each with what it must show: the day's figures are read, not left empty.
            let pages = [
                ("endpoints (24 h rate and p90)", format!("{base}/endpoints"), "<td>25.0 %</td>"),
                (
                    "endpoint (health, 24 h charts, secrets, attempts)",
                    format!("{base}/endpoints/{endpoint}"),
                    " timeout</title>",
                ),
                ("add endpoint form", format!("{base}/endpoints/new"), "order.created"),
                ("history, deliveries", format!("{base}/history"), "Next page"),
                (
                    "history, attempts errorClass=timeout",
                    format!("{base}/history?kind=attempts&errorClass=timeout"),
                    "timeout",
                ),
                (
                    "attempt detail",
                    format!("{base}/attempts/att_h{}", HISTORY_ATTEMPTS / 2),
                    "hooks.example.com/history",
                ),
                (
                    "delivery (its attempts as a timeline)",
                    format!("{base}/deliveries/dlv_h{}", HISTORY_ATTEMPTS / 8),
                    "<strong>Attempt 4</strong>",
                ),
                (
                    "history, found by event id",
                    format!("{base}/history?eventId=evt_h{}", HISTORY_ATTEMPTS / 8),
                    "Resend delivery of evt_h",
                ),
                ("recover preview", format!("{base}/endpoints/{endpoint}/recover"), "recover-preview"),
                ("audit log", format!("{base}/audit"), "create"),
            ];
            for (name, url, shows) in pages {
                let (p50, p99) = page_latency(&client, &url, &cookie, 100, shows).await;
                println!("| {backend} | {name} | {p50:.1} | {p99:.1} |");
            }
            service.shutdown().await;
        });
    }
    println!();
}
