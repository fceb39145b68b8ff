//! Event parsing cost on 1 KiB and 16 KiB order events: `canonical_event_json` (what the bindings call) and
//! `parse_event` (the typed structs), next to a generic `serde_json::Value` parse of the same bytes, and
//! `Webhook::verify` (signature + typed parse).
//!
//! `make bench-core` runs this and prints the table (scripts/bench_table.py).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dropship_webhooks::samples::sample_event_json;
use dropship_webhooks::{canonical_event_json, generate_secret, parse_event, Webhook};
use serde_json::Value;
use std::hint::black_box;

/// An `order.created` event of exactly `size` bytes: the sample's line repeated (or optional fields dropped), then
/// padded in `attributes`.
fn order_event(size: usize) -> Vec<u8> {
    let mut event: Value = serde_json::from_str(sample_event_json("order.created").unwrap()).unwrap();
    let line = event["data"]["lines"][0].clone();
    let mut lines = vec![line.clone()];
    loop {
        event["data"]["lines"] = Value::Array(lines.clone());
        event["data"]["attributes"] = serde_json::json!({ "note": "" });
        let bare = serde_json::to_vec(&event).unwrap().len();
        if bare + 300 >= size {
            break;
        }
        let mut next = line.clone();
        next["id"] = Value::String(format!("oli_{}", lines.len()));
        lines.push(next);
    }
    if lines.len() > 1 {
        lines.pop();
        event["data"]["lines"] = Value::Array(lines);
    }
    // A one-line order is still over 1 KiB: a small event leaves out optional fields, as senders may.
    let optional = ["seller", "buyer", "customerReference", "buyerReference", "sellerReference", "fulfilledAt"];
    let more = ["cancelledAt", "hasCancellations", "isTest", "returns", "cancellations", "fulfillments"];
    for field in optional.iter().chain(&more) {
        if serde_json::to_vec(&event).unwrap().len() > size {
            event["data"].as_object_mut().unwrap().remove(*field);
        }
    }
    let bare = serde_json::to_vec(&event).unwrap().len();
    event["data"]["attributes"]["note"] = Value::String("x".repeat(size.saturating_sub(bare)));
    let body = serde_json::to_vec(&event).unwrap();
    assert_eq!(body.len(), size, "padding missed the size");
    body
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for size in [1024, 16 * 1024] {
        let body = order_event(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("serde_json_value", size), &body, |bench, body| {
            bench.iter(|| black_box(serde_json::from_slice::<Value>(black_box(body)).unwrap()))
        });
        group.bench_with_input(BenchmarkId::new("canonical_event_json", size), &body, |bench, body| {
            bench.iter(|| black_box(canonical_event_json(black_box(body)).unwrap()))
        });
        group.bench_with_input(BenchmarkId::new("parse_event", size), &body, |bench, body| {
            bench.iter(|| black_box(parse_event(black_box(body)).unwrap()))
        });
        let webhook = Webhook::new(generate_secret(&[5; 32]).unwrap()).unwrap();
        let headers = webhook.sign("msg_bench", 1_795_341_600, &body).unwrap().into_vec();
        group.bench_with_input(BenchmarkId::new("verify_and_parse", size), &body, |bench, body| {
            bench.iter(|| black_box(webhook.verify(black_box(&headers), black_box(body), 1_795_341_600).unwrap()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench_parse
}
criterion_main!(benches);
