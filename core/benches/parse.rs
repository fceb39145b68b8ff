//! Event parsing cost on 1 KiB and 16 KiB order events, in the canonical spelling and in a platform's:
//! `canonical_event_json` (what the Node and WebAssembly bindings call) and `parse_event` (the typed structs), next
//! to a generic `serde_json::Value` parse of the same bytes, and `Webhook::verify` (signature + typed parse).
//!
//! `make bench-core` runs this and prints the table (scripts/bench_table.py).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dropship_webhooks::{canonical_event_json, generate_secret, parse_event, Webhook};
use serde_json::Value;
use std::hint::black_box;

/// The bodies the binding benchmarks verify (`scripts/bench_bodies.py`, which `make bench-core` runs first): the
/// `canonical` and `platform` families of a typed `order.created`, at 1 KiB and 16 KiB.
fn bodies() -> Vec<(String, usize, Vec<u8>)> {
    let path = std::env::var("BENCH_BODIES")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bench/bodies.json").into());
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("run scripts/bench_bodies.py")).unwrap();
    let mut out = Vec::new();
    for family in ["canonical", "platform"] {
        for size in [1024, 16 * 1024] {
            let body = all[family][size.to_string()].as_str().unwrap().as_bytes().to_vec();
            out.push((family.to_owned(), size, body));
        }
    }
    out
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for (family, size, body) in bodies() {
        let case = format!("{family}-{size}");
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("serde_json_value", &case), &body, |bench, body| {
            bench.iter(|| black_box(serde_json::from_slice::<Value>(black_box(body)).unwrap()))
        });
        group.bench_with_input(BenchmarkId::new("canonical_event_json", &case), &body, |bench, body| {
            bench.iter(|| black_box(canonical_event_json(black_box(body)).unwrap()))
        });
        group.bench_with_input(BenchmarkId::new("parse_event", &case), &body, |bench, body| {
            bench.iter(|| black_box(parse_event(black_box(body)).unwrap()))
        });
        let webhook = Webhook::new(generate_secret(&[5; 32]).unwrap()).unwrap();
        let headers = webhook.sign("msg_bench", 1_795_341_600, &body).unwrap().into_vec();
        group.bench_with_input(BenchmarkId::new("verify_and_parse", &case), &body, |bench, body| {
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
