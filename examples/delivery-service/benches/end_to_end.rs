//! `make bench-delivery`, end to end, as a platform meets the service: the service binary in its own process(es) — one
//! process on SQLite; on Postgres an `--api-only` process and `--worker-only` processes — and this benchmark's process
//! holding the sender and the receiver. Prints Markdown tables.
//!
//! - **Fixed rates**: `order.created` events posted at a fixed rate (open loop: event *i* is due at *i*/rate; keep-alive
//!   connections, at most 64 posts in flight, so a service that answers slowly makes the sender fall behind) for
//!   `BENCH_E2E_SECONDS` (20) after a 2 s warm-up, to a receiver answering 204; each rate `BENCH_E2E_RUNS` (3) times,
//!   each run on a fresh database. Printed: the medians of the runs and the spread of the p99.
//! - **Highest sustainable rate**: from the highest listed rate that held, up by 25 % steps while every event is
//!   accepted at the sender's pace (≥ 99 % of the rate) and the p99 stays ≤ 50 ms.
//! - **Intake alone**: `POST …/events` by 64 closed-loop posters for 10 s with the workers off.
//! - **Batch intake**: `POST …/events/batch` of 1,000 events, 4 in flight, for 10 s: events accepted per second.
//! - **Drain**: a backlog queued through the batch route with no worker running, then drained by the deployment's
//!   worker(s).
//! - **Capacity**: CPU time per delivery of each process kind (from `/proc/<pid>/stat`) — the API, the workers, and on
//!   Postgres the database's own processes — with WAL bytes and rows written per delivery (Postgres' statistics), at
//!   1,000 events/s.
//!
//! `BENCH_E2E_RATES` (`100,500,1000,2500,5000`), `BENCH_BACKENDS` (`sqlite,postgres`), `BENCH_E2E_WORKERS` (2) and
//! `BENCH_E2E_SECTIONS` (`rates,sustainable,intake,batch,drain,capacity`) narrow it down; `BENCH_SERVICE_BINARY` measures
//! another build.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Semaphore;

#[path = "../tests/support/mod.rs"]
mod support;

const ADMIN_KEY: &str = support::API_KEY;
const IN_FLIGHT: usize = 64;
const WARM_UP: Duration = Duration::from_secs(2);
const SUSTAINABLE_P99_MS: f64 = 50.0;

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// The receiver: answers 204 at once and notes when each `webhook-id` arrived (the first time).
async fn receiver() -> (SocketAddr, Arrivals) {
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
            shared.lock().unwrap().entry(id).or_insert(now);
            axum::response::IntoResponse::into_response(axum::http::StatusCode::NO_CONTENT)
        }
    });
    (address, arrivals)
}

/// The service's processes of one deployment, on a fresh database.
struct Deployment {
    api: Child,
    workers: Vec<Child>,
    base: String,
    database: String,
    _dir: Option<tempfile::TempDir>,
}

fn binary() -> String {
    std::env::var("BENCH_SERVICE_BINARY").unwrap_or_else(|_| env!("CARGO_BIN_EXE_delivery-service").to_owned())
}

fn spawn(database: &str, role: &[&str]) -> Child {
    Command::new(binary())
        .args(["--database-url", database, "--listen", "127.0.0.1:0", "--allow-insecure-loopback"])
        .args(role)
        .env("RUST_LOG", "error")
        .env("DELIVERY_API_KEY", ADMIN_KEY)
        .env("DELIVERY_SECRETS_KEY", support::SECRETS_KEY)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The address an API process prints on its first line.
fn listening(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    line.trim().trim_start_matches("listening on ").to_owned()
}

fn stop(child: &mut Child) {
    // SIGTERM: the process drains and exits; then reaped.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Deployment {
    /// One process (SQLite), or an API process and `workers` worker processes (Postgres). `with_workers: false` starts
    /// the API alone, for filling a backlog.
    async fn start(backend: &str, workers: usize, with_workers: bool) -> Self {
        let (database, dir) = support::fresh_database(backend).await;
        Self::start_on(backend, database, dir, workers, with_workers).await
    }

    async fn start_on(
        backend: &str,
        database: String,
        dir: Option<tempfile::TempDir>,
        workers: usize,
        with_workers: bool,
    ) -> Self {
        let single = backend == "sqlite";
        let mut api = spawn(&database, if single && with_workers { &[] } else { &["--api-only"] });
        let base = listening(&mut api);
        let workers = if single || !with_workers {
            Vec::new()
        } else {
            (0..workers).map(|_| spawn(&database, &["--worker-only"])).collect()
        };
        Deployment { api, workers, base, database, _dir: dir }
    }

    fn stop(mut self) -> (String, Option<tempfile::TempDir>) {
        for worker in &mut self.workers {
            stop(worker);
        }
        stop(&mut self.api);
        (std::mem::take(&mut self.database), self._dir.take())
    }

    fn worker_pids(&self) -> Vec<u32> {
        if self.workers.is_empty() {
            vec![self.api.id()]
        } else {
            self.workers.iter().map(Child::id).collect()
        }
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(IN_FLIGHT).build().unwrap()
}

async fn call(client: &reqwest::Client, base: &str, path: &str, body: Value) -> Value {
    let response = client
        .post(format!("{base}{path}"))
        .bearer_auth(ADMIN_KEY)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap()
}

async fn subscribe(client: &reqwest::Client, base: &str, receiver: SocketAddr) {
    call(client, base, "/v1/accounts", json!({ "id": support::ACCOUNT })).await;
    call(
        client,
        base,
        &support::at("/endpoints"),
        json!({ "url": format!("http://{receiver}/hook"), "topics": ["order.created"] }),
    )
    .await;
}

fn order_data() -> Value {
    serde_json::from_str::<Value>(dropship_webhooks::samples::sample_event_json("order.created").unwrap()).unwrap()
        ["data"]
        .clone()
}

/// CPU time (user + system) of a process so far, in µs (`/proc/<pid>/stat`, clock ticks of 10 ms).
fn cpu_us(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(14) + ticks(15)) * 10_000.0
}

/// CPU time of every Postgres server process on the machine (the throwaway cluster's), in µs.
fn postgres_cpu_us() -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else { return 0.0 };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()))
        .filter(|pid| {
            let command = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            command.starts_with(b"postgres") || command.starts_with(b"/usr/lib/postgresql")
        })
        .map(cpu_us)
        .sum()
}

/// Postgres' WAL position (bytes) and the rows written so far in `database`.
async fn postgres_writes(database: &str) -> (f64, f64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(database).await.unwrap();
    let row: (f64, f64) = sqlx::query_as(
        "SELECT CAST(pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS DOUBLE PRECISION),
                CAST(tup_inserted + tup_updated + tup_deleted AS DOUBLE PRECISION)
         FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    row
}

#[derive(Clone, Copy, Default)]
struct Run {
    accepted_per_s: f64,
    p50: f64,
    p99: f64,
    max: f64,
    post_p99: f64,
    delivered: f64,
    /// CPU µs per delivery: the API process, the workers, Postgres' processes.
    cpu: [f64; 3],
    /// Postgres: WAL bytes and rows written per delivery.
    writes: [f64; 2],
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

/// Posts `count` events at `rate` per second from `start` (ids `{prefix}{n}`); returns, per accepted event, when its
/// post started and how long it took.
async fn post_at_rate(
    client: &reqwest::Client,
    base: &str,
    rate: f64,
    count: usize,
    prefix: &str,
) -> (Vec<(String, Instant, Duration)>, Duration) {
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    let url = format!("{base}{}", support::at("/events"));
    let data = order_data();
    let started = Instant::now();
    let mut posts = Vec::with_capacity(count);
    for n in 0..count {
        tokio::time::sleep_until((started + Duration::from_secs_f64(n as f64 / rate)).into()).await;
        let permit = in_flight.clone().acquire_owned().await.unwrap();
        let id = format!("{prefix}{n}");
        let body = json!({ "id": id, "topic": "order.created", "data": data }).to_string();
        let request = client.post(&url).bearer_auth(ADMIN_KEY).header("content-type", "application/json").body(body);
        posts.push(tokio::spawn(async move {
            let at = Instant::now();
            let response = request.send().await;
            let took = at.elapsed();
            drop(permit);
            match response {
                Ok(response) if response.status().as_u16() == 202 => Some((id, at, took)),
                _ => None,
            }
        }));
    }
    let mut accepted = Vec::with_capacity(count);
    for post in posts {
        if let Some(done) = post.await.unwrap() {
            accepted.push(done);
        }
    }
    (accepted, started.elapsed())
}

async fn wait_arrived(arrivals: &Arrivals, ids: impl Iterator<Item = String>, within: Duration) {
    let ids: Vec<String> = ids.collect();
    let deadline = Instant::now() + within;
    loop {
        let missing = {
            let arrived = arrivals.lock().unwrap();
            ids.iter().filter(|id| !arrived.contains_key(*id)).count()
        };
        if missing == 0 || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One run at a fixed rate on a fresh deployment.
async fn fixed_rate(backend: &str, workers: usize, rate: f64, seconds: f64) -> Run {
    let (receiver, arrivals) = receiver().await;
    let deployment = Deployment::start(backend, workers, true).await;
    let client = client();
    subscribe(&client, &deployment.base, receiver).await;
    // Warm-up: connections made, caches and the queue's first pages in memory.
    let (warm, _) = post_at_rate(&client, &deployment.base, rate, (rate * WARM_UP.as_secs_f64()) as usize, "w").await;
    wait_arrived(&arrivals, warm.into_iter().map(|(id, _, _)| id), Duration::from_secs(30)).await;

    let cpu_before = (cpu_us(deployment.api.id()), deployment.worker_pids().into_iter().map(cpu_us).sum::<f64>());
    let postgres_before = (backend == "postgres").then(postgres_cpu_us);
    let writes_before = if backend == "postgres" { Some(postgres_writes(&deployment.database).await) } else { None };
    let count = (rate * seconds) as usize;
    let (accepted, elapsed) = post_at_rate(&client, &deployment.base, rate, count, "e").await;
    wait_arrived(&arrivals, accepted.iter().map(|(id, _, _)| id.clone()), Duration::from_secs(30)).await;
    let arrived = arrivals.lock().unwrap().clone();
    let mut latencies: Vec<f64> = accepted
        .iter()
        .filter_map(|(id, at, _)| arrived.get(id).map(|done| done.duration_since(*at).as_secs_f64() * 1000.0))
        .collect();
    let delivered = latencies.len() as f64;
    let api_cpu = cpu_us(deployment.api.id()) - cpu_before.0;
    let worker_cpu = deployment.worker_pids().into_iter().map(cpu_us).sum::<f64>() - cpu_before.1;
    let postgres_cpu = postgres_before.map_or(0.0, |before| postgres_cpu_us() - before);
    let writes = match writes_before {
        Some((wal, rows)) => {
            let (wal_after, rows_after) = postgres_writes(&deployment.database).await;
            [(wal_after - wal) / delivered, (rows_after - rows) / delivered]
        }
        None => [f64::NAN, f64::NAN],
    };
    deployment.stop();
    latencies.sort_by(f64::total_cmp);
    let mut posts: Vec<f64> = accepted.iter().map(|(_, _, took)| took.as_secs_f64() * 1000.0).collect();
    posts.sort_by(f64::total_cmp);
    // On SQLite one process is both: its CPU is the worker's column, and the API's is not told apart.
    let single = backend == "sqlite";
    Run {
        accepted_per_s: accepted.len() as f64 / elapsed.as_secs_f64(),
        p50: percentile(&latencies, 0.5),
        p99: percentile(&latencies, 0.99),
        max: percentile(&latencies, 1.0),
        post_p99: percentile(&posts, 0.99),
        delivered: delivered / count as f64,
        cpu: [if single { f64::NAN } else { api_cpu / delivered }, worker_cpu / delivered, postgres_cpu / delivered],
        writes,
    }
}

fn median(runs: &[Run], pick: impl Fn(&Run) -> f64) -> f64 {
    let mut values: Vec<f64> = runs.iter().map(pick).collect();
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn deployment_name(backend: &str, workers: usize) -> String {
    if backend == "sqlite" {
        "SQLite, one process".into()
    } else {
        format!("Postgres, `--api-only` + {workers} `--worker-only`")
    }
}

fn sustained(run: &Run, rate: f64) -> bool {
    run.accepted_per_s >= 0.99 * rate && run.delivered >= 0.999 && run.p99 <= SUSTAINABLE_P99_MS
}

/// Events per second the batch route accepts: 1,000 events a request, 4 requests in flight, for `seconds`.
async fn batch_intake(backend: &str, workers: usize, seconds: f64) -> f64 {
    let (receiver, _arrivals) = receiver().await;
    let deployment = Deployment::start(backend, workers, false).await;
    let client = client();
    subscribe(&client, &deployment.base, receiver).await;
    let accepted = fill(&client, &deployment.base, None, seconds).await;
    deployment.stop();
    accepted
}

/// Events per second `POST …/events` accepts with the workers off: 64 posters, each posting its next event when its
/// last is answered, for `seconds` (the API and the group commit alone).
async fn single_intake(backend: &str, workers: usize, seconds: f64) -> f64 {
    let (receiver, _arrivals) = receiver().await;
    let deployment = Deployment::start(backend, workers, false).await;
    let client = client();
    subscribe(&client, &deployment.base, receiver).await;
    let url = format!("{}{}", deployment.base, support::at("/events"));
    let data = order_data();
    let started = Instant::now();
    let posters: Vec<_> = (0..IN_FLIGHT)
        .map(|poster| {
            let (client, url, data) = (client.clone(), url.clone(), data.clone());
            tokio::spawn(async move {
                let mut accepted = 0usize;
                while started.elapsed().as_secs_f64() < seconds {
                    let body = json!({ "id": format!("s{poster}_{accepted}"), "topic": "order.created", "data": data });
                    let response = client
                        .post(&url)
                        .bearer_auth(ADMIN_KEY)
                        .header("content-type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status().as_u16(), 202);
                    accepted += 1;
                }
                accepted
            })
        })
        .collect();
    let mut accepted = 0;
    for poster in posters {
        accepted += poster.await.unwrap();
    }
    let per_second = accepted as f64 / started.elapsed().as_secs_f64();
    deployment.stop();
    per_second
}

/// Posts batches of 1,000 events, 4 in flight, until `count` events (or for `seconds`); returns events accepted/s.
async fn fill(client: &reqwest::Client, base: &str, count: Option<usize>, seconds: f64) -> f64 {
    let url = format!("{base}{}", support::at("/events/batch"));
    let data = order_data();
    let started = Instant::now();
    let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, data, accepted, next) =
                (client.clone(), url.clone(), data.clone(), accepted.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let batch = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let over = count.map_or(started.elapsed().as_secs_f64() >= seconds, |count| batch * 1000 >= count);
                    if over {
                        return;
                    }
                    let events: Vec<Value> = (0..1000)
                        .map(|n| json!({ "id": format!("b{batch}_{n}"), "topic": "order.created", "data": data }))
                        .collect();
                    let response = client
                        .post(&url)
                        .bearer_auth(ADMIN_KEY)
                        .header("content-type", "application/json")
                        .body(json!({ "events": events }).to_string())
                        .send()
                        .await
                        .unwrap();
                    assert!(response.status().is_success(), "batch: {}", response.status());
                    let answer: Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
                    let ok = answer["data"].as_array().unwrap().iter().filter(|item| item["error"].is_null()).count();
                    accepted.fetch_add(ok, std::sync::atomic::Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    accepted.load(std::sync::atomic::Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
}

/// A backlog of `count` queued with the workers off, then drained: deliveries per second.
async fn drain(backend: &str, workers: usize, count: usize) -> f64 {
    let (receiver, arrivals) = receiver().await;
    let filling = Deployment::start(backend, workers, false).await;
    let client = client();
    subscribe(&client, &filling.base, receiver).await;
    fill(&client, &filling.base, Some(count), f64::INFINITY).await;
    let (database, dir) = filling.stop();
    let started = Instant::now();
    let draining = Deployment::start_on(backend, database, dir, workers, true).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    while arrivals.lock().unwrap().len() < count {
        assert!(Instant::now() < deadline, "the backlog did not drain");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    draining.stop();
    count as f64 / elapsed.as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let seconds: f64 = env_or("BENCH_E2E_SECONDS", 20.0);
    let runs: usize = env_or("BENCH_E2E_RUNS", 3);
    let workers: usize = env_or("BENCH_E2E_WORKERS", 2);
    let rates: Vec<f64> = std::env::var("BENCH_E2E_RATES")
        .unwrap_or_else(|_| "100,500,1000,2500,5000".into())
        .split(',')
        .filter_map(|rate| rate.trim().parse().ok())
        .collect();
    let mut backends = vec!["sqlite"];
    if std::env::var("DELIVERY_TEST_POSTGRES_URL").is_ok() {
        backends.push("postgres");
    }
    if let Ok(only) = std::env::var("BENCH_BACKENDS") {
        backends.retain(|backend| only.split(',').any(|name| name == *backend));
    }
    let sections =
        std::env::var("BENCH_E2E_SECTIONS").unwrap_or_else(|_| "rates,sustainable,intake,batch,drain,capacity".into());
    let section = |name: &str| sections.split(',').any(|listed| listed == name);

    let mut held: HashMap<&str, f64> = HashMap::new();
    let mut capacity: HashMap<&str, Vec<Run>> = HashMap::new();
    if section("rates") {
        println!(
            "End to end: `order.created` posted at a fixed rate for {seconds} s (open loop, keep-alive, ≤ {IN_FLIGHT} posts in \
             flight) to a receiver answering 204; the service binary in its own process(es), sender and receiver in the \
             benchmark's; medians of {runs} runs, each on a fresh database (p99 spread: lowest–highest of the runs)."
        );
        println!();
        println!("| deployment | rate/s | accepted/s | enqueue→delivered p50 / p99 / max (ms) | p99 spread (ms) | POST p99 (ms) | delivered |");
        println!("|---|---:|---:|---|---|---:|---:|");
        for &backend in &backends {
            for &rate in &rates {
                let results: Vec<Run> =
                    (0..runs).map(|_| runtime.block_on(fixed_rate(backend, workers, rate, seconds))).collect();
                let low = results.iter().map(|run| run.p99).fold(f64::INFINITY, f64::min);
                let high = results.iter().map(|run| run.p99).fold(0.0, f64::max);
                println!(
                    "| {} | {rate:.0} | {:.0} | {:.1} / {:.1} / {:.1} | {low:.1}–{high:.1} | {:.1} | {:.1} % |",
                    deployment_name(backend, workers),
                    median(&results, |run| run.accepted_per_s),
                    median(&results, |run| run.p50),
                    median(&results, |run| run.p99),
                    median(&results, |run| run.max),
                    median(&results, |run| run.post_p99),
                    median(&results, |run| run.delivered) * 100.0,
                );
                if results.iter().filter(|run| sustained(run, rate)).count() * 2 > runs {
                    held.insert(backend, rate);
                }
                if rate == 1000.0 {
                    capacity.insert(backend, results);
                }
            }
        }
        println!();
    }
    if section("sustainable") {
        println!(
            "Highest sustainable rate: every event accepted at the sender's pace (≥ 99 %), all delivered, p99 ≤ \
             {SUSTAINABLE_P99_MS} ms; from the highest listed rate that held (in most of its runs), up by 25 % a step, \
             one run of {seconds} s a step, the last that held confirmed by {runs} runs (median shown)."
        );
        println!();
        println!("| deployment | highest sustainable rate/s | p50 / p99 (ms) at it | accepted/s |");
        println!("|---|---:|---|---:|");
        for &backend in &backends {
            let mut rate = held.get(backend).copied().unwrap_or(100.0);
            for _ in 0..8 {
                let next = (rate * 1.25 / 50.0).round() * 50.0;
                if !sustained(&runtime.block_on(fixed_rate(backend, workers, next, seconds)), next) {
                    break;
                }
                rate = next;
            }
            let confirm: Vec<Run> =
                (0..runs).map(|_| runtime.block_on(fixed_rate(backend, workers, rate, seconds))).collect();
            println!(
                "| {} | {rate:.0} | {:.1} / {:.1} | {:.0} |",
                deployment_name(backend, workers),
                median(&confirm, |run| run.p50),
                median(&confirm, |run| run.p99),
                median(&confirm, |run| run.accepted_per_s),
            );
        }
        println!();
    }
    if section("intake") {
        println!(
            "Intake alone: `POST …/events`, one event a request, {IN_FLIGHT} posters each sending its next event when its \
             last is answered, for 10 s, workers off; events accepted per second, median of {runs} runs."
        );
        println!();
        println!("| deployment | events accepted/s |");
        println!("|---|---:|");
        for &backend in &backends {
            let mut results: Vec<f64> =
                (0..runs).map(|_| runtime.block_on(single_intake(backend, workers, 10.0))).collect();
            results.sort_by(f64::total_cmp);
            println!("| {} | {:.0} |", deployment_name(backend, workers), results[results.len() / 2]);
        }
        println!();
    }
    if section("batch") {
        println!(
            "Batch intake: `POST /v1/accounts/{{account}}/events/batch` of 1,000 `order.created` events, 4 requests in \
             flight, for 10 s, workers off; events accepted per second, median of {runs} runs."
        );
        println!();
        println!("| deployment | events accepted/s |");
        println!("|---|---:|");
        for &backend in &backends {
            let mut results: Vec<f64> =
                (0..runs).map(|_| runtime.block_on(batch_intake(backend, workers, 10.0))).collect();
            results.sort_by(f64::total_cmp);
            println!("| {} | {:.0} |", deployment_name(backend, workers), results[results.len() / 2]);
        }
        println!();
    }
    if section("drain") {
        let count: usize = env_or("BENCH_DELIVERIES", 20_000);
        println!(
            "Drain: {count} deliveries queued through the batch route with no worker running, then drained by the \
             deployment's worker(s) to the receiver; deliveries per second from the workers' start, median of {runs} runs."
        );
        println!();
        println!("| deployment | deliveries/s |");
        println!("|---|---:|");
        for &backend in &backends {
            let mut results: Vec<f64> = (0..runs).map(|_| runtime.block_on(drain(backend, workers, count))).collect();
            results.sort_by(f64::total_cmp);
            println!("| {} | {:.0} |", deployment_name(backend, workers), results[results.len() / 2]);
        }
        println!();
    }
    if section("capacity") && !capacity.is_empty() {
        println!(
            "Capacity at 1,000 events/s (the fixed-rate runs above, medians): CPU time per delivery of each process \
             kind, from /proc/<pid>/stat (10 ms ticks over the run); on Postgres the database's own processes and its \
             WAL bytes and rows written (pg_stat_database) per delivery. SQLite's one process is the API, the worker \
             and the database engine at once."
        );
        println!();
        println!("| deployment | API CPU/delivery (µs) | worker CPU/delivery (µs) | Postgres CPU/delivery (µs) | WAL bytes/delivery | rows written/delivery |");
        println!("|---|---:|---:|---:|---:|---:|");
        for &backend in &backends {
            let Some(results) = capacity.get(backend) else { continue };
            let show =
                |value: f64, digits: usize| if value.is_nan() { "—".to_owned() } else { format!("{value:.digits$}") };
            println!(
                "| {} | {} | {} | {} | {} | {} |",
                deployment_name(backend, workers),
                show(median(results, |run| run.cpu[0]), 0),
                show(median(results, |run| run.cpu[1]), 0),
                show(if backend == "postgres" { median(results, |run| run.cpu[2]) } else { f64::NAN }, 0),
                show(median(results, |run| run.writes[0]), 0),
                show(median(results, |run| run.writes[1]), 1),
            );
        }
        println!();
    }
}
