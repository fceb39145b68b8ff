//! Intake at the writer's speed (issue [delivery-speed]): the batch route answers each event on its own; concurrent
//! posts share commits and none is lost, even when the process is killed while they are being committed; worker
//! processes on Postgres hear of new work at once (`LISTEN`/`NOTIFY`), not at their next poll.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::{at, backends, fresh_database, spawn, Harness, Receiver, Reply, API_KEY};

fn order(id: &str, n: u64) -> Value {
    json!({ "id": id, "topic": "order.created", "data": { "id": format!("ord_{n}") } })
}

/// How often each event id reached the receiver.
fn copies(receiver: &Receiver) -> HashMap<String, usize> {
    let mut copies = HashMap::new();
    for seen in receiver.seen() {
        *copies.entry(seen.headers["webhook-id"].to_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    copies
}

async fn wait_delivered(receiver: &Receiver, ids: &[String], within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let copies = copies(receiver);
        let missing: Vec<&String> = ids.iter().filter(|id| !copies.contains_key(*id)).collect();
        if missing.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} events never arrived, e.g. {:?}",
            missing.len(),
            ids.len(),
            missing[0]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_batch_route_answers_each_event_on_its_own() {
    for backend in backends() {
        let harness = Harness::start(backend).await;
        let receiver = Receiver::start(Reply::Status(204)).await;
        let api = &harness.api;
        let (endpoint, _) = api.endpoint(json!({ "url": receiver.url("/hook"), "topics": ["order.created"] })).await;
        let (status, _) = api.post(&at("/events"), order("evt_before", 9)).await;
        assert_eq!(status, 202);
        let events = json!([
            order("evt_b1", 1),
            { "topic": "order.teleported", "data": {} },
            42,
            order("evt_b1", 1),
            order("evt_b1", 2),
            order("evt_before", 9),
            { "id": "evt.dot", "topic": "order.created", "data": { "id": "x" } },
            order("evt_b2", 3),
        ]);
        let (status, answer) = api.post(&at("/events/batch"), json!({ "events": events })).await;
        assert_eq!(status, 200, "{backend}: {answer}");
        let data = answer["data"].as_array().unwrap();
        assert_eq!(data.len(), 8, "{backend}: one answer per event: {answer}");
        assert_eq!(data[0], json!({ "id": "evt_b1", "topic": "order.created", "deliveries": 1, "duplicate": false }));
        assert_eq!(data[1]["error"]["code"], "invalid_payload", "{backend}: unknown topic: {}", data[1]);
        assert_eq!(data[1]["error"]["field"], "topic");
        assert_eq!(data[2]["error"]["code"], "invalid_json", "{backend}: not an object: {}", data[2]);
        // The same id again in the same batch: the same data is a duplicate, other data a mismatch.
        assert_eq!(data[3], json!({ "id": "evt_b1", "topic": "order.created", "deliveries": 0, "duplicate": true }));
        assert_eq!(data[4]["error"]["code"], "event_mismatch", "{backend}: {}", data[4]);
        assert_eq!(data[5]["duplicate"], true, "{backend}: posted before with the same data: {}", data[5]);
        assert_eq!(data[6]["error"]["code"], "invalid_payload", "{backend}: a dot in the id: {}", data[6]);
        assert_eq!(data[7]["deliveries"], 1);
        receiver.wait_for(3, Duration::from_secs(20)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let copies = copies(&receiver);
        assert_eq!(copies.get("evt_b1"), Some(&1), "{backend}: {copies:?}");
        assert_eq!(copies.get("evt_b2"), Some(&1));
        assert_eq!(copies.get("evt_before"), Some(&1));
        assert_eq!(receiver.count(), 3, "{backend}: nothing but the three events: {copies:?}");
        harness.wait_delivery(&endpoint, "succeeded").await;

        // The whole request is refused only when it is not a batch: no events, too many, not a list.
        for (body, code) in [
            (json!({ "events": [] }), "invalid_option"),
            (json!({ "events": (0..1001).map(|n| order(&format!("e{n}"), n)).collect::<Vec<_>>() }), "invalid_option"),
            (json!({ "events": {} }), "invalid_payload"),
            (json!([order("evt_x", 1)]), "invalid_payload"),
        ] {
            let (status, answer) = api.post(&at("/events/batch"), body).await;
            assert_eq!((status, answer["error"]["code"].as_str()), (400, Some(code)), "{backend}: {answer}");
        }
        // An account that does not exist.
        let (status, _) = api.post("/v1/accounts/nobody/events/batch", json!({ "events": [order("e", 1)] })).await;
        assert_eq!(status, 404);
        harness.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_posts_are_all_committed_and_answered_even_across_a_kill() {
    let (database, _dir) = fresh_database("sqlite").await;
    let receiver = Receiver::start(Reply::Status(204)).await;
    // Deliveries the killed process had claimed wait for their lease to run out: a short one, so the test's
    // minute is spent delivering, not waiting (the default is 60 s).
    let quick = ["--lease-seconds", "4", "--request-timeout-seconds", "1"];
    let mut service = spawn(&database, &quick);
    service.api().endpoint(json!({ "url": receiver.url("/hook"), "topics": ["order.created"] })).await;
    let base = service.api().base.clone();
    let client = reqwest::Client::new();
    let post = |id: String, n: u64| {
        let (client, url) = (client.clone(), format!("{base}{}", at("/events")));
        tokio::spawn(async move {
            let answer = client
                .post(url)
                .bearer_auth(API_KEY)
                .header("content-type", "application/json")
                .body(order(&id, n).to_string())
                .send()
                .await;
            (id, answer.map(|answer| answer.status().as_u16()).ok())
        })
    };

    // 200 posts at once: every one answered 202, every one delivered once.
    let first: Vec<String> = (0..200).map(|n| format!("evt_c{n}")).collect();
    let posts: Vec<_> = first.iter().zip(0..).map(|(id, n)| post(id.clone(), n)).collect();
    for answer in futures_util::future::join_all(posts).await {
        let (id, status) = answer.unwrap();
        assert_eq!(status, Some(202), "{id}");
    }
    wait_delivered(&receiver, &first, Duration::from_secs(30)).await;
    assert!(copies(&receiver).values().all(|n| *n == 1));

    // 200 more at once, and the process killed (SIGKILL) while they are being committed.
    let second: Vec<String> = (0..200).map(|n| format!("evt_k{n}")).collect();
    let posts: Vec<_> = second.iter().zip(1000..).map(|(id, n)| post(id.clone(), n)).collect();
    // Killed once some of them are through (committed and delivered) and the rest are still being posted.
    let deadline = Instant::now() + Duration::from_secs(10);
    while copies(&receiver).keys().filter(|id| id.starts_with("evt_k")).count() < 20 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    service.child.kill().unwrap();
    service.wait_exit(Duration::from_secs(10));
    let mut answered = Vec::new();
    let mut unanswered = Vec::new();
    for answer in futures_util::future::join_all(posts).await {
        match answer.unwrap() {
            (id, Some(202)) => answered.push(id),
            (id, Some(status)) => panic!("{id}: {status}"),
            (id, None) => unanswered.push(id),
        }
    }
    eprintln!("killed with posts in flight: {} answered, {} not", answered.len(), unanswered.len());

    // Started again: every answered post was committed, so it is delivered; the clients post again what got no
    // answer (ids make it idempotent), and that is delivered too.
    let service = spawn(&database, &quick);
    for id in &unanswered {
        let n = second.iter().position(|known| known == id).unwrap() as u64 + 1000;
        let (status, answer) = service.api().post(&at("/events"), order(id, n)).await;
        assert!(status == 202 || status == 200, "{id}: {status} {answer}");
    }
    wait_delivered(&receiver, &second, Duration::from_secs(60)).await;
    // Deliveries in flight at the kill may be sent twice; nothing more.
    let copies = copies(&receiver);
    assert!(copies.values().all(|n| *n <= 2), "{copies:?}");
    let (_, events) = service.api().get(&at("/events?limit=500")).await;
    assert_eq!(events["data"].as_array().unwrap().len(), 400, "every event stored once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_process_on_postgres_hears_of_new_work_at_once_not_at_its_poll() {
    if !backends().contains(&"postgres") {
        eprintln!("skipped: set DELIVERY_TEST_POSTGRES_URL (make test does) to run on Postgres");
        return;
    }
    let (database, _) = fresh_database("postgres").await;
    let receiver = Receiver::start(Reply::Status(204)).await;
    let front = spawn(&database, &["--api-only"]);
    front.api().endpoint(json!({ "url": receiver.url("/hook"), "topics": ["order.created"] })).await;
    // A worker that would poll once a minute: only the notification can bring it work within the test.
    let _worker = spawn(&database, &["--worker-only", "--poll-ms", "60000"]);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut waits = Vec::new();
    for n in 0..10 {
        let id = format!("evt_wake_{n}");
        let posted = Instant::now();
        front.api().sample_event("order.created", Some(&id)).await;
        receiver.wait_for(n + 1, Duration::from_secs(5)).await;
        waits.push(posted.elapsed());
        // Idle again before the next one, so each is a wake-up from sleep.
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    waits.sort();
    eprintln!("enqueue→delivered through a sleeping worker process: {waits:?}");
    assert!(waits[waits.len() / 2] <= Duration::from_millis(50), "median {:?}: {waits:?}", waits[waits.len() / 2]);
}
