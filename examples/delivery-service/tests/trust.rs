//! What one account's receiver, client or key can do to everyone (issue [trust]): any bytes a receiver answers are
//! recorded and never halt recording; a row the database refuses never wedges the completer. Every test runs on
//! SQLite and, when `DELIVERY_TEST_POSTGRES_URL` is set, on Postgres.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;

use delivery_service::model::{AttemptRecord, ClaimRules, Completion, NextStep, SentRequest};
use delivery_service::rules::health_verdict;
use serde_json::{json, Value};
use support::{backends, raw_receiver, raw_response, Harness, Receiver, Reply};

/// A deterministic generator for the property test (xorshift64*), so a failure names its case.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, length: usize) -> Vec<u8> {
        (0..length).map(|_| (self.next() >> 24) as u8).collect()
    }
}

/// One scripted answer: the raw response, and the body the history must keep exactly (when the answer is
/// well-formed HTTP).
struct Answer {
    raw: Vec<u8>,
    body: Option<Vec<u8>>,
}

fn well_formed(status: u16, headers: &[Vec<u8>], body: &[u8]) -> Answer {
    Answer { raw: raw_response(status, headers, body), body: Some(body.to_vec()) }
}

/// The answers: the NUL of the report, every byte value, invalid UTF-8, UTF-16, a body over the 16 KiB cap,
/// header values with obs-text bytes, more headers than the client takes, then seeded random answers (bodies of
/// random bytes, header lines of random bytes, random statuses, and raw garbage instead of HTTP).
fn answers() -> Vec<Answer> {
    let all_bytes: Vec<u8> = (0..=255u8).collect();
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut list = vec![
        well_formed(200, &[], b"ok\0"),
        well_formed(200, &[], &all_bytes),
        well_formed(500, &[], b"\xff\xfe\xc3\x28 not utf-8 \x80"),
        well_formed(200, &[b"content-type: text/plain; charset=utf-16le".to_vec()], b"\xff\xfeo\0k\0"),
        well_formed(200, &[], &random.bytes(20 * 1024)),
        well_formed(200, &[b"x-weird: \x80\xff\tobs-text \xc3\xa9".to_vec()], b"headers"),
        well_formed(503, &(0..300).map(|n| format!("x-many-{n}: {n}").into_bytes()).collect::<Vec<_>>(), b"many"),
        well_formed(400, &[], &[0u8; 4096]),
    ];
    for _ in 0..32 {
        let raw = match random.below(4) {
            // Garbage instead of HTTP.
            0 => {
                let length = usize::try_from(random.below(600)).unwrap();
                Answer { raw: random.bytes(length), body: None }
            }
            // Header lines of random bytes (they may break the framing: whatever happens is recorded).
            1 => {
                let headers: Vec<Vec<u8>> = (0..random.below(5))
                    .map(|_| {
                        let mut line = b"x-random: ".to_vec();
                        let length = usize::try_from(random.below(80)).unwrap();
                        line.extend(random.bytes(length));
                        line
                    })
                    .collect();
                Answer { raw: raw_response(200, &headers, b"random headers"), body: None }
            }
            _ => {
                let status = [200, 201, 204, 400, 404, 500, 503][usize::try_from(random.below(7)).unwrap()];
                let length = usize::try_from(random.below(3_000)).unwrap();
                let body = if status == 204 { Vec::new() } else { random.bytes(length) };
                well_formed(status, &[], &body)
            }
        };
        list.push(raw);
    }
    list
}

/// The body an attempt's detail gives, exactly (from `bodyBase64` when the bytes are not UTF-8).
fn body_bytes(detail: &Value) -> Vec<u8> {
    use base64::Engine as _;
    match detail["response"]["bodyBase64"].as_str() {
        Some(encoded) => base64::engine::general_purpose::STANDARD.decode(encoded).unwrap(),
        None => detail["response"]["body"].as_str().unwrap().as_bytes().to_vec(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_answering_any_bytes_is_recorded_and_never_halts_recording() {
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| settings.worker.concurrency = 4).await;
        let api = &harness.api;
        let answers = Arc::new(answers());
        let count = answers.len();
        let script = answers.clone();
        // Each event gets the answer its id names.
        let address = raw_receiver(move |request| {
            let body: Value = serde_json::from_slice(request).unwrap_or(Value::Null);
            let index = body["id"].as_str().and_then(|id| id.strip_prefix("evt_bytes_")).and_then(|n| n.parse().ok());
            index.and_then(|index: usize| script.get(index)).map_or_else(|| b"garbage".to_vec(), |a| a.raw.clone())
        })
        .await;
        let (hostile, _) =
            api.endpoint(json!({ "url": format!("http://{address}/bytes"), "topics": ["order.created"] })).await;
        for index in 0..count {
            api.sample_event("order.created", Some(&format!("evt_bytes_{index}"))).await;
        }
        let attempts = harness.wait_attempts(&hostile, count).await;
        assert_eq!(attempts.len(), count, "{backend}: every answer recorded");

        // What the history keeps is what came, byte for byte (up to the 16 KiB cap).
        let by_event: HashMap<String, String> = attempts
            .iter()
            .map(|attempt| {
                (attempt["eventId"].as_str().unwrap().to_owned(), attempt["id"].as_str().unwrap().to_owned())
            })
            .collect();
        for (index, answer) in answers.iter().enumerate() {
            let Some(expected) = &answer.body else { continue };
            let attempt_id = &by_event[&format!("evt_bytes_{index}")];
            let (status, detail) = api.get(&format!("/v1/attempts/{attempt_id}")).await;
            assert_eq!(status, 200, "{backend}: {detail}");
            if index == 6 {
                // More headers than the client reads: a failed attempt with its reason, recorded like any other.
                assert_eq!(detail["errorClass"], "network", "{backend}: {detail}");
                continue;
            }
            let kept = &expected[..expected.len().min(16 * 1024)];
            assert_eq!(body_bytes(&detail), kept, "{backend}: answer {index}: {detail}");
            if index == 5 {
                let weird = detail["response"]["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|pair| pair[0] == "x-weird")
                    .map(|pair| pair[1].as_str().unwrap().to_owned());
                assert_eq!(weird.as_deref(), Some("\u{fffd}\u{fffd}\tobs-text é"), "{backend}: {detail}");
            }
        }

        // Recording goes on for everyone: another endpoint's event is delivered and recorded.
        let receiver = Receiver::start(Reply::Status(204)).await;
        let (healthy, _) = api.endpoint(json!({ "url": receiver.url("/fine"), "topics": ["order.cancelled"] })).await;
        api.sample_event("order.cancelled", Some("evt_after_bytes")).await;
        let attempts = harness.wait_attempts(&healthy, 1).await;
        assert_eq!(attempts[0]["outcome"], "success", "{backend}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_shows_a_binary_answer_with_its_bytes_escaped() {
    let harness = Harness::start("sqlite").await;
    let api = &harness.api;
    let address = raw_receiver(|_| raw_response(200, &[], b"ok\0 \xff<script>")).await;
    let (endpoint, _) =
        api.endpoint(json!({ "url": format!("http://{address}/escaped"), "topics": ["order.created"] })).await;
    api.sample_event("order.created", Some("evt_escaped")).await;
    let attempts = harness.wait_attempts(&endpoint, 1).await;
    let attempt_id = attempts[0]["id"].as_str().unwrap();
    let (_, detail) = api.get(&format!("/v1/attempts/{attempt_id}")).await;
    assert_eq!(detail["response"]["bodyBase64"], "b2sAIP88c2NyaXB0Pg==", "{detail}");
    let page = support::console_page(&harness, support::ACCOUNT, &format!("/attempts/{attempt_id}")).await;
    assert!(page.contains("ok\\x00 \\xff&#60;script&#62;"), "the bytes are shown escaped: {page}");
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_the_database_refuses_is_recorded_minimally_and_never_wedges_the_batch() {
    const NOW: i64 = 1_790_000_000_000;
    for backend in backends() {
        let (url, _dir) = support::fresh_database(backend).await;
        let store = support::open_store(&url, 4).await;
        let endpoint = support::endpoint_row("ep_refused", "https://hooks.example.com/refused", NOW);
        let secret = delivery_service::model::SecretRow {
            id: "sec_refused".into(),
            endpoint_id: endpoint.id.clone(),
            value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
            label: None,
            expires_at: None,
            created_at: NOW,
        };
        assert!(store.insert_endpoint(&endpoint, &secret).await.unwrap());
        for n in 0..3 {
            support::enqueue(&store, &format!("evt_refused_{n}"), "{}", std::slice::from_ref(&endpoint.id), NOW).await;
        }
        let claims = store
            .claim("wrk_refused", NOW, ClaimRules { limit: 10, lease_ms: 30_000, max_pacing_ms: 0 })
            .await
            .unwrap();
        assert_eq!(claims.len(), 3, "{backend}");
        let completions: Vec<Completion> = claims
            .iter()
            .enumerate()
            .map(|(n, claim)| Completion {
                claim: claim.clone(),
                record: AttemptRecord {
                    // Postgres refuses a NUL in any text column: this row cannot be written as it is.
                    request: SentRequest {
                        method: "POST".into(),
                        url: if n == 1 { "https://hooks.example.com/\0".into() } else { endpoint.url.clone() },
                        headers: Vec::new(),
                    },
                    response_headers: vec![("x-nul".into(), "a\0b".into())],
                    started_at: NOW,
                    latency_ms: 3,
                    status_code: Some(200),
                    error_class: None,
                    error: None,
                    response_body: b"ok\0".to_vec(),
                    next: NextStep::Succeeded,
                    gone: false,
                    slow_down_ms: None,
                    exhausted: false,
                },
            })
            .collect();
        let report = delivery_service::delivery::recording::record(&store, &completions, NOW, health_verdict).await;
        assert!(
            report.unrecorded.is_empty() && report.waiting.is_empty() && report.stale.is_empty(),
            "{backend}: {report:?}"
        );
        let attempts = support::attempts_of(&store, &endpoint.id).await;
        assert_eq!(attempts.len(), 3, "{backend}: every outcome recorded");
        let refused = attempts.iter().find(|attempt| attempt.event_id == claims[1].event_id).unwrap();
        if backend == "postgres" {
            assert!(
                refused.error.as_deref().is_some_and(|error| error.contains("could not be stored")),
                "{backend}: the minimal record says why: {refused:?}"
            );
        }
        // Written once: the same batch again finds every delivery finished (no second attempt row).
        let again = delivery_service::delivery::recording::record(&store, &completions, NOW, health_verdict).await;
        assert_eq!(again.stale.len(), 3, "{backend}: {again:?}");
        assert_eq!(support::attempts_of(&store, &endpoint.id).await.len(), 3, "{backend}");
    }
}

/// A GET on a connection of its own (no pooled connection that the server may have closed meanwhile).
async fn fresh(base: &str, path: &str, key: Option<&str>) -> u16 {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let mut request = client.get(format!("{base}{path}")).timeout(std::time::Duration::from_secs(5));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.map(|response| response.status().as_u16()).unwrap_or(0)
}

/// `count` connections that send a request's head and then nothing.
async fn silent_clients(address: std::net::SocketAddr, count: usize, head: &str) -> Vec<tokio::net::TcpStream> {
    use tokio::io::AsyncWriteExt;
    let mut sockets = Vec::new();
    for _ in 0..count {
        let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
        socket.write_all(head.as_bytes()).await.unwrap();
        sockets.push(socket);
    }
    sockets
}

/// Whether the server closed `socket` within `within` (whatever it answered first).
async fn closed_within(socket: &mut tokio::net::TcpStream, within: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let deadline = tokio::time::Instant::now() + within;
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, socket.read(&mut buffer)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_console_bodies_never_lock_out_the_api_intake_or_healthz() {
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| {
            settings.server.max_connections = 40;
            settings.server.body_read_timeout = std::time::Duration::from_secs(2);
        })
        .await;
        let address = harness.service.as_ref().unwrap().address.unwrap();
        let base = format!("http://{address}");
        let receiver = Receiver::start(Reply::Status(204)).await;
        harness.api.endpoint(json!({ "url": receiver.url("/intake"), "topics": ["order.created"] })).await;
        // 40 clients that start a sign-in form (a body of 100 bytes announced) and send nothing more, before any
        // login — and start again whenever they are closed.
        let head = "POST /console/sign-in HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\n\
                    content-length: 100\r\n\r\n"
            .to_owned();
        let mut silent = silent_clients(address, 40, &head).await;
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        for round in 0..10 {
            assert_eq!(fresh(&base, "/healthz", None).await, 200, "{backend}: /healthz, round {round}");
            assert_eq!(
                fresh(&base, "/v1/topics", Some(support::API_KEY)).await,
                200,
                "{backend}: the API, round {round}"
            );
            let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
            let posted = client
                .post(format!("{base}{}", support::at("/events")))
                .bearer_auth(support::API_KEY)
                .header("content-type", "application/json")
                .body(json!({ "topic": "order.created", "data": {"id": format!("ord_{round}")} }).to_string())
                .timeout(std::time::Duration::from_secs(5))
                .send()
                .await
                .map(|response| response.status().as_u16())
                .unwrap_or(0);
            assert_eq!(posted, 202, "{backend}: event intake, round {round}");
        }
        receiver.wait_for(10, std::time::Duration::from_secs(20)).await;
        // None is held for as long as it likes: each gave its place up, or got 408 after the body time limit.
        for socket in &mut silent {
            assert!(
                closed_within(socket, std::time::Duration::from_secs(3)).await,
                "{backend}: a silent body was held"
            );
        }
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_form_body_is_held_to_a_few_kilobytes() {
    let harness = Harness::start("sqlite").await;
    let base = harness.api.base.clone();
    let client = reqwest::Client::new();
    let big = "key=".to_owned() + &"a".repeat(64 * 1024);
    let answer = client.post(format!("{base}/console/sign-in")).body(big).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 413);
    harness.stop().await;
}

/// Reads `attempt` events of an SSE response until `wanted` distinct ids arrived or `within` passed; the ids.
async fn stream_ids(
    response: reqwest::Response,
    wanted: usize,
    within: std::time::Duration,
) -> std::collections::HashSet<String> {
    let mut response = response;
    let mut ids = std::collections::HashSet::new();
    let mut pending = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while ids.len() < wanted {
        let Ok(chunk) = tokio::time::timeout_at(deadline, response.chunk()).await else { break };
        let Ok(Some(chunk)) = chunk else { break };
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find("\n\n") {
            let event: String = pending.drain(..end + 2).collect();
            if let Some(id) =
                event.lines().find_map(|line| line.strip_prefix("id: ").or_else(|| line.strip_prefix("id:")))
            {
                ids.insert(id.trim().to_owned());
            }
        }
    }
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_accounts_streams_are_capped_and_never_take_ordinary_slots() {
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| settings.server.max_connections = 4).await;
        let base = harness.api.base.clone();
        let admin = &harness.api;
        for account in ["streamer", "bystander"] {
            admin.ensure_account(account).await;
        }
        let (_, key) = admin.post("/v1/accounts/streamer/keys", json!({})).await;
        let streamer_key = key["key"].as_str().unwrap().to_owned();
        let (_, key) = admin.post("/v1/accounts/bystander/keys", json!({})).await;
        let bystander_key = key["key"].as_str().unwrap().to_owned();
        // 40 streams of one account: 5 open, the rest refused with 429, none holding an ordinary slot.
        let mut open = Vec::new();
        let mut refused = 0;
        for _ in 0..40 {
            let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
            let response = client
                .get(format!("{base}/v1/accounts/streamer/stream"))
                .bearer_auth(&streamer_key)
                .send()
                .await
                .unwrap();
            match response.status().as_u16() {
                200 => open.push(response),
                429 => {
                    let body: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
                    assert_eq!(body["error"]["code"], "too_many_streams", "{backend}");
                    refused += 1;
                }
                other => panic!("{backend}: a stream answered {other}"),
            }
        }
        assert_eq!((open.len(), refused), (5, 35), "{backend}");
        // Another account, the admin key and /healthz are served as ever (4 ordinary slots, all free).
        for round in 0..5 {
            assert_eq!(fresh(&base, "/healthz", None).await, 200, "{backend}: round {round}");
            assert_eq!(fresh(&base, "/v1/accounts/bystander/endpoints", Some(&bystander_key)).await, 200, "{backend}");
            assert_eq!(fresh(&base, "/v1/accounts", Some(support::API_KEY)).await, 200, "{backend}");
        }
        // The other account's own streams are its own to open.
        let client = reqwest::Client::new();
        let own = client.get(format!("{base}/v1/accounts/bystander/stream")).bearer_auth(&bystander_key).send().await;
        assert_eq!(own.unwrap().status().as_u16(), 200, "{backend}");
        // A closed stream gives its place back.
        drop(open.pop());
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let again = client.get(format!("{base}/v1/accounts/streamer/stream")).bearer_auth(&streamer_key).send().await;
        assert_eq!(again.unwrap().status().as_u16(), 200, "{backend}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_ends_after_its_lifetime_and_resumes_where_it_stopped() {
    let harness = Harness::start_with("sqlite", |settings| {
        settings.server.streams.max_lifetime = std::time::Duration::from_millis(1500);
    })
    .await;
    let api = &harness.api;
    let receiver = Receiver::start(Reply::Status(204)).await;
    let (endpoint, _) = api.endpoint(json!({ "url": receiver.url("/life"), "topics": ["order.created"] })).await;
    let client = reqwest::Client::new();
    let url = format!("{}{}", api.base, support::at("/stream"));
    let first = client.get(&url).bearer_auth(support::API_KEY).send().await.unwrap();
    api.sample_event("order.created", Some("evt_life_1")).await;
    harness.wait_attempts(&endpoint, 1).await;
    let started = std::time::Instant::now();
    let text = first.text().await.unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(3), "the stream ended after its lifetime");
    let last_id = text.lines().filter_map(|line| line.strip_prefix("id: ")).next_back().unwrap().to_owned();
    // Resumed with Last-Event-ID: only what came after.
    api.sample_event("order.created", Some("evt_life_2")).await;
    harness.wait_attempts(&endpoint, 2).await;
    let resumed =
        client.get(&url).bearer_auth(support::API_KEY).header("last-event-id", &last_id).send().await.unwrap();
    let ids = stream_ids(resumed, 2, std::time::Duration::from_secs(3)).await;
    assert_eq!(ids.len(), 1, "only the attempt after the resume point: {ids:?}");
    assert!(!ids.contains(&last_id));
    // Extreme resume times are held to the last day and now: the stream still sends what comes.
    for extreme in [i64::MIN, i64::MAX] {
        let response = client
            .get(&url)
            .bearer_auth(support::API_KEY)
            .header("last-event-id", format!("{extreme}:att_x"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let id = format!("evt_life_{extreme}");
        api.sample_event("order.created", Some(&id)).await;
        let ids = stream_ids(response, 1, std::time::Duration::from_secs(5)).await;
        assert!(!ids.is_empty(), "a stream resumed at {extreme} sends");
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_hundred_attempts_in_three_seconds_all_arrive_on_one_stream() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(204)).await;
        let (endpoint, _) = api.endpoint(json!({ "url": receiver.url("/burst"), "topics": ["order.created"] })).await;
        let client = reqwest::Client::new();
        let stream = client
            .get(format!("{}{}", api.base, support::at("/stream")))
            .bearer_auth(support::API_KEY)
            .send()
            .await
            .unwrap();
        let reading = tokio::spawn(stream_ids(stream, 800, std::time::Duration::from_secs(60)));
        // 800 events, 8 posters at once.
        let mut posters = Vec::new();
        for poster in 0..8 {
            let api = api.clone();
            posters.push(tokio::spawn(async move {
                for n in 0..100 {
                    let body = json!({ "id": format!("evt_burst_{poster}_{n}"), "topic": "order.created",
                                       "data": { "id": format!("ord_{poster}_{n}") } });
                    let (status, answer) = api.post(&support::at("/events"), body).await;
                    assert_eq!(status, 202, "{answer}");
                }
            }));
        }
        for poster in posters {
            poster.await.unwrap();
        }
        support::all_recorded(api, &endpoint, 800, std::time::Duration::from_secs(60)).await;
        let ids = reading.await.unwrap();
        assert_eq!(ids.len(), 800, "{backend}: every attempt arrived on the stream");
        harness.stop().await;
    }
}

/// The id the service gives an admin key (from its hash).
fn admin_key_id(key: &str) -> String {
    use sha2::Digest;
    format!("key_{}", &hex::encode(sha2::Sha256::digest(key.as_bytes()))[..24])
}

const SECOND_ADMIN_KEY: &str = "second-admin-key-Zq8Lw3Rt6Yp1Kd4Hm7Nb";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_console_session_and_link_end_with_the_key_that_made_them() {
    use support::{csrf_of, location, Browser};
    for backend in backends() {
        let harness = Harness::start_with(backend, |settings| settings.api_keys.push(SECOND_ADMIN_KEY.into())).await;
        let api = &harness.api;
        api.ensure_account("elsewhere").await;
        // An admin session on the second admin key.
        let mut admin = Browser::new(&harness);
        let signed_in = admin.post("/console/sign-in", &[("key", SECOND_ADMIN_KEY)]).await;
        assert_eq!(location(&signed_in), "/console", "{backend}");
        let form = admin.get("/console/a/elsewhere/endpoints/new").await;
        let csrf = csrf_of(&form.html);
        // A link made by an account key, and a session opened by another such link.
        let (_, key) = api.post(&at_account("acme", "/keys"), json!({})).await;
        let (account_key, account_key_id) =
            (key["key"].as_str().unwrap().to_owned(), key["id"].as_str().unwrap().to_owned());
        let account_api = api.clone().with_key(&account_key);
        let (_, unused_link) = account_api.post(&at_account("acme", "/console-links"), json!({})).await;
        let (_, used_link) = account_api.post(&at_account("acme", "/console-links"), json!({})).await;
        let mut retailer = Browser::new(&harness);
        retailer.enter(used_link["url"].as_str().unwrap()).await;
        assert_eq!(retailer.get("/console/a/acme/endpoints").await.status.as_u16(), 200, "{backend}");

        // Revoked: the admin key through /v1/keys, the account key through its account.
        let (status, _) = api.delete(&format!("/v1/keys/{}", admin_key_id(SECOND_ADMIN_KEY))).await;
        assert_eq!(status, 204, "{backend}");
        let (status, _) = api.delete(&at_account("acme", &format!("/keys/{account_key_id}"))).await;
        assert_eq!(status, 204, "{backend}");

        // The admin session reads and writes nothing more.
        assert_eq!(location(&admin.get("/console").await), "/console/sign-in", "{backend}");
        let create = admin
            .post(
                "/console/a/elsewhere/endpoints",
                &[("_csrf", &csrf), ("url", "https://hooks.example.com/after"), ("topics", "order.created")],
            )
            .await;
        assert_eq!(location(&create), "/console/sign-in", "{backend}");
        let (_, endpoints) = api.get("/v1/accounts/elsewhere/endpoints").await;
        assert_eq!(endpoints["data"].as_array().unwrap().len(), 0, "{backend}: nothing was created");
        // Neither does the account key's session, nor its unused link.
        assert_eq!(location(&retailer.get("/console/a/acme/endpoints").await), "/console/sign-in", "{backend}");
        let mut late = Browser::new(&harness);
        assert_eq!(late.get(unused_link["url"].as_str().unwrap()).await.status.as_u16(), 403, "{backend}");
        harness.stop().await;
    }
}

fn at_account(account: &str, path: &str) -> String {
    format!("/v1/accounts/{account}{path}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_signs_in_only_from_its_own_confirmation_page() {
    use support::{hidden_value, Browser};
    let harness = Harness::start_with("sqlite", |settings| {
        settings.public_url = Some("https://webhooks.example.com/".into());
    })
    .await;
    let api = &harness.api;
    // The link is under the configured address, whatever Host the request named.
    let client = reqwest::Client::new();
    let made = client
        .post(format!("{}{}", api.base, support::at("/console-links")))
        .bearer_auth(support::API_KEY)
        .header("host", "attacker.example")
        .send()
        .await
        .unwrap();
    let link: Value = serde_json::from_str(&made.text().await.unwrap()).unwrap();
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with("https://webhooks.example.com/console/enter?token="), "{link}");
    let path = link["path"].as_str().unwrap().to_owned();

    // A page elsewhere that posts the link's token (a login CSRF): refused, and the link is not used up.
    let mut victim = Browser::new(&harness);
    let token = path.trim_start_matches("/console/enter?token=").to_owned();
    let forged = victim.post("/console/enter", &[("token", &token), ("_confirm", "guess")]).await;
    assert_eq!(forged.status.as_u16(), 403);
    assert!(victim.session().is_none());
    // Its own confirmation page, then its button: a session.
    let confirm = victim.get(&path).await;
    assert_eq!(hidden_value(&confirm.html, "token"), token);
    let entered = victim.enter(&path).await;
    assert_eq!(entered.status.as_u16(), 303, "{}", entered.html);
    assert!(victim.session().is_some());
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_scheme_is_case_insensitive() {
    let harness = Harness::start("sqlite").await;
    let client = reqwest::Client::new();
    for (value, expected) in [
        (format!("BEARER {}", support::API_KEY), 200),
        (format!("bearer {}", support::API_KEY), 200),
        (format!("Bearer   {}", support::API_KEY), 200),
        (format!("Basic {}", support::API_KEY), 401),
        ("Bearer".to_owned(), 401),
    ] {
        let response =
            client.get(format!("{}/v1/topics", harness.api.base)).header("authorization", &value).send().await.unwrap();
        assert_eq!(response.status().as_u16(), expected, "{value}");
    }
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_text_and_filters_are_refused_on_both_databases() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let receiver = Receiver::start(Reply::Status(200)).await;
        let (endpoint, _) = api.endpoint(json!({ "url": receiver.url("/nul"), "topics": ["order.created"] })).await;
        let refused = |what: &str, status: u16, body: &Value| {
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (400, Some("invalid_option")),
                "{backend}: {what}: {body}"
            );
        };
        let (status, body) = api.post("/v1/accounts", json!({ "id": "nul-name", "name": "a\u{0}b" })).await;
        refused("account name", status, &body);
        let (status, body) = api.patch(&at_account(support::ACCOUNT, ""), json!({ "name": "x\u{0}" })).await;
        refused("rename", status, &body);
        let (status, body) =
            api.patch(&support::at(&format!("/endpoints/{endpoint}")), json!({ "description": "d\u{0}" })).await;
        refused("description", status, &body);
        let (status, body) =
            api.post(&support::at(&format!("/endpoints/{endpoint}/secrets")), json!({ "label": "l\u{1b}[31m" })).await;
        refused("label", status, &body);
        let (status, body) = api
            .post(&support::at(&format!("/endpoints/{endpoint}/recover")), json!({ "dryRun": true, "topic": "a\u{0}" }))
            .await;
        refused("recover topic", status, &body);
        for path in [
            support::at("/deliveries?status=%00"),
            support::at("/attempts?topic=order.created%00"),
            support::at("/deliveries?endpointId=ep_%00"),
            support::at("/events?topic=%7F"),
            "/v1/deliveries/dlv_%00".to_owned(),
            "/v1/attempts/%00".to_owned(),
        ] {
            let (status, body) = api.get(&path).await;
            refused(&path, status, &body);
        }
        // Account names are capped like labels.
        let (status, body) = api.post("/v1/accounts", json!({ "id": "long-name", "name": "n".repeat(201) })).await;
        refused("a long name", status, &body);
        let (status, _) = api.post("/v1/accounts", json!({ "id": "fine-name", "name": "n".repeat(200) })).await;
        assert_eq!(status, 201, "{backend}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reposted_event_id_with_other_data_is_a_conflict() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let api = &harness.api;
        let first = json!({ "id": "evt_same", "topic": "order.created", "data": { "id": "ord_1", "total": 1.50 } });
        let (status, _) = api.post(&support::at("/events"), first.clone()).await;
        assert_eq!(status, 202, "{backend}");
        let (status, again) = api.post(&support::at("/events"), first).await;
        assert_eq!(
            (status, again["duplicate"].as_bool()),
            (200, Some(true)),
            "{backend}: the same event is idempotent"
        );
        let other = json!({ "id": "evt_same", "topic": "order.created", "data": { "id": "ord_2" } });
        let (status, body) = api.post(&support::at("/events"), other).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("event_mismatch")), "{backend}: {body}");
        let topic = json!({ "id": "evt_same", "topic": "order.cancelled", "data": { "id": "ord_1", "total": 1.50 } });
        let (status, body) = api.post(&support::at("/events"), topic).await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("event_mismatch")), "{backend}: {body}");
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_admin_keys_are_refused_and_the_binary_makes_strong_ones() {
    use delivery_service::service::check_admin_key;
    for weak in ["a".repeat(32), "ab".repeat(24), "0123456".repeat(5), "short-key".to_owned()] {
        assert!(check_admin_key(&weak).is_err(), "{weak}");
    }
    let (url, _dir) = support::fresh_database("sqlite").await;
    let mut settings = support::test_settings(url);
    settings.api_keys = vec!["a".repeat(32)];
    let clock: Arc<dyn delivery_service::Clock> = Arc::new(delivery_service::ManualClock::new(0));
    let refused = delivery_service::Service::start(settings, clock).await.err().map(|error| error.to_string());
    assert!(refused.as_deref().is_some_and(|text| text.contains("too easy to guess")), "{refused:?}");
    let generated =
        std::process::Command::new(env!("CARGO_BIN_EXE_delivery-service")).arg("--generate-api-key").output().unwrap();
    let key = String::from_utf8(generated.stdout).unwrap().trim().to_owned();
    assert!(generated.status.success() && key.len() == 48 && key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    assert!(check_admin_key(&key).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn special_purpose_ipv6_targets_are_refused() {
    let harness = Harness::start_with("sqlite", |settings| settings.allow_insecure_loopback = false).await;
    for url in [
        "https://[3fff::1]/",
        "https://[2001:2::1]/",
        "https://[2001:10::1]/",
        "https://[5f00::1]/",
        "https://[::93.184.216.34]/",
    ] {
        let (status, body) =
            harness.api.post(&support::at("/endpoints"), json!({ "url": url, "topics": ["order.created"] })).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_endpoint")), "{url}: {body}");
    }
    harness.stop().await;
}
