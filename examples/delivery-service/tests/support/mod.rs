//! Test harness: programmable receivers on loopback, services on SQLite or Postgres, and an API client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use delivery_service::{Clock, ManualClock, RunningService, Service, Settings};
use serde_json::Value;

pub const API_KEY: &str = "test-api-key-0123456789abcdef01234567";

/// The account the tests' API client works in ([`Api::at`] paths start at it).
pub const ACCOUNT: &str = "acme";

/// The secrets key of every test service (64 hex digits), so processes sharing a database share it.
pub const SECRETS_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

/// The sealer of [`SECRETS_KEY`], for tests that open the store themselves.
pub fn test_sealer() -> delivery_service::sealing::Sealer {
    delivery_service::sealing::Sealer::new(delivery_service::sealing::parse_key(SECRETS_KEY).unwrap())
}

/// Opens the store of `url` with the test key and makes sure the test account exists.
pub async fn open_store(url: &str, connections: u32) -> delivery_service::store::Store {
    let store = delivery_service::store::Store::connect(url, connections, test_sealer()).await.unwrap();
    let account = delivery_service::model::AccountRow {
        id: ACCOUNT.into(),
        name: "Acme".into(),
        created_at: 0,
        updated_at: 0,
        look: None,
    };
    store.create_account(&account).await.unwrap();
    store
}

/// Stores an event of the test account and queues it to `endpoints`.
pub async fn enqueue(
    store: &delivery_service::store::Store,
    event_id: &str,
    body: &str,
    endpoints: &[String],
    now: i64,
) -> (bool, usize) {
    let event = delivery_service::model::NewEvent { account_id: ACCOUNT, id: event_id, topic: "order.created", body };
    store.enqueue_event(&event, endpoints, delivery_service::model::Trigger::Scheduled, now).await.unwrap()
}

/// Every attempt of an endpoint of the test account (newest first, up to 500).
pub async fn attempts_of(
    store: &delivery_service::store::Store,
    endpoint: &str,
) -> Vec<delivery_service::model::AttemptRow> {
    let query = delivery_service::store::ListQuery {
        account_id: ACCOUNT.into(),
        endpoint_id: Some(endpoint.into()),
        limit: 500,
        ..Default::default()
    };
    store.attempts(&query).await.unwrap().data
}

/// How a receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reply {
    Status(u16),
    StatusWithRetryAfter(u16, String),
    Slow(Duration, u16),
    Redirect(String),
    /// Never answer (until the test ends).
    Hang,
}

/// A request a receiver saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub at: Instant,
}

#[derive(Default)]
struct ReceiverState {
    script: Mutex<VecDeque<Reply>>,
    default: Mutex<Option<Reply>>,
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// A receiver on 127.0.0.1 answering from a script, then with a default reply.
#[derive(Clone)]
pub struct Receiver {
    pub address: SocketAddr,
    state: Arc<ReceiverState>,
}

impl Receiver {
    pub async fn start(default: Reply) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let state = Arc::new(ReceiverState::default());
        *state.default.lock().unwrap() = Some(default);
        let shared = state.clone();
        let address = serve(listener, move |request| answer(shared.clone(), request));
        Self { address, state }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Replies for the next requests, in order.
    pub fn script(&self, replies: impl IntoIterator<Item = Reply>) {
        self.state.script.lock().unwrap().extend(replies);
    }

    pub fn set_default(&self, reply: Reply) {
        *self.state.default.lock().unwrap() = Some(reply);
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.state.seen.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.state.seen.lock().unwrap().len()
    }

    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Waits (bounded) until the receiver has seen `n` requests.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Seen> {
        let deadline = Instant::now() + within;
        while self.count() < n {
            assert!(Instant::now() < deadline, "receiver saw {} requests, expected {n}", self.count());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.seen()
    }
}

/// Serves HTTP/1.1 on `listener` with `handler`, one task per connection; returns the address.
pub fn serve<F, Fut>(listener: tokio::net::TcpListener, handler: F) -> SocketAddr
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response> + Send + 'static,
{
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let handler = handler.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                    let reply = handler(request);
                    async move { Ok::<_, std::convert::Infallible>(reply.await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

async fn answer(state: Arc<ReceiverState>, request: hyper::Request<hyper::body::Incoming>) -> Response {
    use http_body_util::BodyExt;
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|collected| collected.to_bytes()).unwrap_or_default();
    let reply = state.script.lock().unwrap().pop_front().or_else(|| state.default.lock().unwrap().clone());
    let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_in_flight.fetch_max(now, Ordering::SeqCst);
    state.seen.lock().unwrap().push(Seen { method: parts.method, headers: parts.headers, body, at: Instant::now() });
    let response = match reply.unwrap_or(Reply::Status(200)) {
        Reply::Status(code) => (StatusCode::from_u16(code).unwrap(), format!("answered {code}")).into_response(),
        Reply::StatusWithRetryAfter(code, after) => {
            (StatusCode::from_u16(code).unwrap(), [("retry-after", after)], "slow down").into_response()
        }
        Reply::Slow(delay, code) => {
            tokio::time::sleep(delay).await;
            (StatusCode::from_u16(code).unwrap(), "slow").into_response()
        }
        Reply::Redirect(location) => (StatusCode::FOUND, [("location", location)], "moved").into_response(),
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK.into_response()
        }
    };
    state.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

/// A listener that reads each request and closes the connection without answering; returns its address and how
/// many connections it dropped.
pub async fn resetting_listener() -> (SocketAddr, Arc<AtomicUsize>) {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer).await;
            counter.fetch_add(1, Ordering::SeqCst);
            drop(stream);
        }
    });
    (address, count)
}

/// A receiver on 127.0.0.1 that answers each request with the raw bytes `answer` makes from the request's body —
/// status line, headers and body exactly as given, whatever they hold — then closes the connection.
pub async fn raw_receiver(answer: impl Fn(&[u8]) -> Vec<u8> + Send + Sync + 'static) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buffer = [0u8; 8192];
                // Headers, then as much body as content-length says (bounded: a test request is small).
                let body_start = loop {
                    let Ok(read) = stream.read(&mut buffer).await else { return };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                    if let Some(end) = request.windows(4).position(|window| window == b"\r\n\r\n") {
                        break end + 4;
                    }
                    if request.len() > 1 << 20 {
                        return;
                    }
                };
                let head = String::from_utf8_lossy(&request[..body_start]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|line| {
                        line.strip_prefix("content-length:").map(|n| n.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                while request.len() < body_start + length {
                    let Ok(read) = stream.read(&mut buffer).await else { return };
                    if read == 0 {
                        return;
                    }
                    request.extend_from_slice(&buffer[..read]);
                }
                let reply = answer(&request[body_start..body_start + length]);
                let _ = stream.write_all(&reply).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    address
}

/// A raw HTTP/1.1 response: the status, the extra header lines (raw bytes each, without line ends) and the body.
pub fn raw_response(status: u16, headers: &[Vec<u8>], body: &[u8]) -> Vec<u8> {
    let mut out =
        format!("HTTP/1.1 {status} Whatever\r\ncontent-length: {}\r\nconnection: close\r\n", body.len()).into_bytes();
    for header in headers {
        out.extend_from_slice(header);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Which databases the tests run on: SQLite always; Postgres when `DELIVERY_TEST_POSTGRES_URL` names a server
/// (`make test` starts one). `DELIVERY_TEST_REQUIRE_POSTGRES=1` makes its absence a failure.
pub fn backends() -> Vec<&'static str> {
    let mut list = vec!["sqlite"];
    if std::env::var("DELIVERY_TEST_POSTGRES_URL").is_ok() {
        list.push("postgres");
    } else if std::env::var("DELIVERY_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("DELIVERY_TEST_REQUIRE_POSTGRES=1 but DELIVERY_TEST_POSTGRES_URL is not set");
    }
    list
}

/// A fresh, empty database of the backend; the temp dir keeps a SQLite file alive.
pub async fn fresh_database(backend: &str) -> (String, Option<tempfile::TempDir>) {
    if backend == "sqlite" {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/delivery.db", dir.path().display());
        return (url, Some(dir));
    }
    let admin = std::env::var("DELIVERY_TEST_POSTGRES_URL").unwrap();
    let name = format!("t_{}", delivery_service::model::new_id("db").trim_start_matches("db_"));
    sqlx::any::install_default_drivers();
    let mut connection = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await.unwrap();
    sqlx::Executor::execute(&mut connection, format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base).to_owned();
    (format!("{base}/{name}"), None)
}

/// Settings for an in-process test service: loopback allowed, quick polls, a short request timeout.
pub fn test_settings(database_url: String) -> Settings {
    let mut settings = Settings {
        database_url,
        listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        api_keys: vec![API_KEY.into()],
        secrets_key: delivery_service::sealing::KeySource::Hex(SECRETS_KEY.into()),
        allow_insecure_loopback: true,
        request_timeout: Duration::from_secs(2),
        db_connections: 8,
        ..Settings::default()
    };
    settings.worker.poll_interval = Duration::from_millis(20);
    settings.worker.lease_ms = 30_000;
    settings
}

/// A started service, its clock and an API client.
pub struct Harness {
    pub service: Option<RunningService>,
    pub clock: Arc<ManualClock>,
    pub api: Api,
    /// The database the service runs on.
    pub database_url: String,
    /// Keeps a SQLite database's folder alive; take it to read the files after stopping.
    pub dir: Option<tempfile::TempDir>,
}

impl Harness {
    pub async fn start(backend: &str) -> Self {
        Self::start_with(backend, |_| {}).await
    }

    pub async fn start_with(backend: &str, adjust: impl FnOnce(&mut Settings)) -> Self {
        let (url, dir) = fresh_database(backend).await;
        let mut harness = Self::start_on(url, adjust).await;
        harness.dir = dir;
        harness
    }

    /// A service on the database at `url` (made by the caller); the test account is made when the test key is
    /// one of the service's admin keys.
    pub async fn start_on(url: String, adjust: impl FnOnce(&mut Settings)) -> Self {
        let mut settings = test_settings(url.clone());
        adjust(&mut settings);
        let with_test_key = settings.api_keys.iter().any(|key| key == API_KEY);
        let clock = Arc::new(ManualClock::new(1_790_000_000_000));
        let service = Service::start(settings, clock.clone() as Arc<dyn Clock>).await.unwrap();
        let api = Api::new(service.address.unwrap());
        if with_test_key {
            api.ensure_account(ACCOUNT).await;
        }
        Self { service: Some(service), clock, api, database_url: url, dir: None }
    }

    pub async fn stop(mut self) {
        if let Some(service) = self.service.take() {
            service.shutdown().await;
        }
    }

    /// Waits (bounded) until `check` holds for the endpoint's attempt list.
    pub async fn wait_attempts(&self, endpoint: &str, n: usize) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = self.api.get(&at(&format!("/endpoints/{endpoint}/attempts?limit=500"))).await;
            let list = body["data"].as_array().cloned().unwrap_or_default();
            if list.len() >= n {
                return list;
            }
            assert!(Instant::now() < deadline, "saw {} attempts, expected {n}: {list:?}", list.len());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits (bounded) until the delivery of `event` to `endpoint` has `status`.
    pub async fn wait_delivery(&self, endpoint: &str, status: &str) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (_, body) = self.api.get(&at(&format!("/endpoints/{endpoint}/deliveries?status={status}"))).await;
            let list = body["data"].as_array().cloned().unwrap_or_default();
            if !list.is_empty() {
                return list;
            }
            assert!(Instant::now() < deadline, "no delivery reached {status}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A path of the test account: `at("/endpoints")` is `/v1/accounts/acme/endpoints`.
pub fn at(path: &str) -> String {
    format!("/v1/accounts/{ACCOUNT}{path}")
}

/// A JSON client for the service's API.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    client: reqwest::Client,
    key: String,
}

impl Api {
    pub fn new(address: SocketAddr) -> Self {
        Self { base: format!("http://{address}"), client: reqwest::Client::new(), key: API_KEY.into() }
    }

    pub fn with_key(mut self, key: &str) -> Self {
        self.key = key.into();
        self
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::DELETE, path, None).await
    }

    /// Creates the account (admin key) unless it exists.
    pub async fn ensure_account(&self, account: &str) {
        let (status, body) = self.post("/v1/accounts", serde_json::json!({ "id": account })).await;
        assert!(status == 201 || status == 409, "{status} {body}");
    }

    /// Creates an endpoint in the test account; returns its id and first secret.
    pub async fn endpoint(&self, body: Value) -> (String, String) {
        let (status, created) = self.post(&at("/endpoints"), body).await;
        assert_eq!(status, 201, "{created}");
        (created["id"].as_str().unwrap().to_owned(), created["secret"]["value"].as_str().unwrap().to_owned())
    }

    /// Posts the sample data of `topic` as a new event.
    pub async fn sample_event(&self, topic: &str, id: Option<&str>) -> Value {
        let sample: Value =
            serde_json::from_str(dropship_webhooks::samples::sample_event_json(topic).unwrap()).unwrap();
        let mut body = serde_json::json!({ "topic": topic, "data": sample["data"] });
        if let Some(id) = id {
            body["id"] = id.into();
        }
        let (status, answer) = self.post(&at("/events"), body).await;
        assert!(status == 202 || status == 200, "{status} {answer}");
        answer
    }
}

/// The headers a receiver saw, as the core's header source.
pub fn header_map(seen: &Seen) -> Vec<(String, String)> {
    seen.headers.iter().map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned())).collect()
}

/// A service process (the `delivery-service` binary of the package under test) and its API.
pub struct Process {
    pub child: Child,
    pub api: Option<Api>,
}

pub fn spawn(database_url: &str, extra: &[&str]) -> Process {
    let mut child = Command::new(env!("CARGO_BIN_EXE_delivery-service"))
        .args(["--database-url", database_url, "--listen", "127.0.0.1:0", "--api-key", API_KEY])
        .args(["--allow-insecure-loopback"])
        .args(if extra.contains(&"--poll-ms") { &[][..] } else { &["--poll-ms", "20"] })
        .args(if extra.contains(&"--request-timeout-seconds") { &[][..] } else { &["--request-timeout-seconds", "5"] })
        .args(extra)
        .env("RUST_LOG", "warn")
        .env("DELIVERY_SECRETS_KEY", SECRETS_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    if extra.contains(&"--worker-only") {
        return Process { child, api: None };
    }
    let stdout = child.stdout.take().unwrap();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(address) = line.strip_prefix("listening on http://") {
                let _ = sender.send(address.to_owned());
            }
        }
    });
    let address = receiver.recv_timeout(Duration::from_secs(30)).expect("the service did not start");
    let api = Api::new(address.parse().unwrap());
    // Made here from a blocking context: the account every test process works in.
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(api.ensure_account(ACCOUNT));
            })
            .join()
            .unwrap();
    });
    Process { child, api: Some(api) }
}

impl Process {
    pub fn api(&self) -> &Api {
        self.api.as_ref().unwrap()
    }

    pub fn signal(&self, name: &str) {
        let status = Command::new("kill").args([format!("-{name}"), self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
    }

    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the service did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn delivery_of(api: &Api, endpoint: &str, status: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = api.get(&at(&format!("/endpoints/{endpoint}/deliveries?status={status}"))).await;
        if let Some(first) = body["data"].as_array().and_then(|list| list.first()) {
            return first.clone();
        }
        assert!(Instant::now() < deadline, "no delivery reached {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits (bounded) until every delivery of `endpoint` is recorded as succeeded and there are `n` of them: after
/// that, nothing of it can be sent again.
pub async fn all_recorded(api: &Api, endpoint: &str, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let (_, health) = api.get(&at(&format!("/endpoints/{endpoint}/health"))).await;
        if health["deliveries"] == serde_json::json!({ "succeeded": n }) {
            return;
        }
        assert!(Instant::now() < deadline, "not every delivery was recorded: {health}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An active endpoint configuration without limits, for tests and benchmarks that write the store directly.
pub fn endpoint_row(id: &str, url: &str, now: i64) -> delivery_service::model::EndpointRow {
    delivery_service::model::EndpointRow {
        id: id.into(),
        disabled_reason: None,
        slowed_until: None,
        last_success_at: None,
        due_at: None,
        account_id: ACCOUNT.into(),
        url: url.into(),
        description: String::new(),
        topics: vec!["order.created".into()],
        method: dropship_webhooks::endpoint::DeliveryMethod::Post,
        scheme: dropship_webhooks::Scheme::Standard,
        rate_limit: 0,
        burst_limit: 0,
        enabled: true,
        health: dropship_webhooks::delivery::EndpointHealth::HEALTHY,
        created_at: now,
        updated_at: now,
    }
}

/// A browser without redirects, keeping the console's cookies itself (the session's and the link confirmation's).
pub struct Browser {
    client: reqwest::Client,
    pub base: String,
    pub cookies: std::collections::BTreeMap<String, String>,
}

/// A page a [`Browser`] got.
pub struct Page {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Browser {
    pub fn new(harness: &Harness) -> Self {
        Self::at(harness.service.as_ref().unwrap().address.unwrap())
    }

    pub fn at(address: SocketAddr) -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        Self { client, base: format!("http://{address}"), cookies: Default::default() }
    }

    /// The session cookie, if one is set.
    pub fn session(&self) -> Option<&String> {
        self.cookies.get("dw_console")
    }

    pub async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = if self.cookies.is_empty() {
            request
        } else {
            let jar: Vec<String> = self.cookies.iter().map(|(name, value)| format!("{name}={value}")).collect();
            request.header("cookie", jar.join("; "))
        };
        let response = request.send().await.unwrap();
        let headers = response.headers().clone();
        for set in headers.get_all("set-cookie").iter().filter_map(|value| value.to_str().ok()) {
            let pair = set.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        Page { status: response.status(), headers, html: response.text().await.unwrap() }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(self.url(path));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let request = self.client.post(self.url(path)).form(form);
        self.send(request).await
    }

    /// Posts a form whose action redirects (post/redirect/get) and follows the 303 as a browser does: the page
    /// shown after it.
    pub async fn act(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let posted = self.post(path, form).await;
        assert_eq!(posted.status, reqwest::StatusCode::SEE_OTHER, "{path}: {}", posted.html);
        let to = location(&posted);
        self.get(&to).await
    }

    /// Opens a console link as a person does: the confirmation page, then its button. The answer to the button.
    pub async fn enter(&mut self, link: &str) -> Page {
        let confirm = self.get(link).await;
        assert_eq!(confirm.status, reqwest::StatusCode::OK, "{}", confirm.html);
        let token = hidden_value(&confirm.html, "token");
        let nonce = hidden_value(&confirm.html, "_confirm");
        self.post("/console/enter", &[("token", &token), ("_confirm", &nonce)]).await
    }
}

/// The value of a form's hidden input `name`.
pub fn hidden_value(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden {name} in {html}")) + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    html[start..end].to_owned()
}

/// The CSRF token of a page's forms.
pub fn csrf_of(html: &str) -> String {
    hidden_value(html, "_csrf")
}

/// A redirect's target.
pub fn location(page: &Page) -> String {
    page.headers.get("location").unwrap().to_str().unwrap().to_owned()
}

/// The HTML of a console page of `account` (`path` after `/console/a/{account}`), through a fresh link.
pub async fn console_page(harness: &Harness, account: &str, path: &str) -> String {
    let (status, link) =
        harness.api.post(&format!("/v1/accounts/{account}/console-links"), serde_json::json!({})).await;
    assert_eq!(status, 201, "{link}");
    let mut browser = Browser::new(harness);
    let entered = browser.enter(link["url"].as_str().unwrap()).await;
    assert_eq!(entered.status, reqwest::StatusCode::SEE_OTHER, "{}", entered.html);
    let page = browser.get(&format!("/console/a/{account}{path}")).await;
    assert_eq!(page.status, reqwest::StatusCode::OK, "{}", page.html);
    page.html
}
