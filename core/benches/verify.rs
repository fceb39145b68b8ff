//! Verification cost against one raw HMAC-SHA256 of the same signed content.
//!
//! `make bench-core` runs this and prints the ratio table (scripts/bench_table.py).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dropship_webhooks::{generate_secret, SecretSet, Webhook};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::hint::black_box;

const NOW: u64 = 1_795_341_600;
const SIZES: [usize; 3] = [256, 1024, 64 * 1024];

fn secret(seed: u8) -> String {
    generate_secret(&[seed; 32]).unwrap()
}

fn body(size: usize) -> Vec<u8> {
    // JSON-looking bytes of the requested size.
    let unit = br#"{"sku":"MUG-01","quantity":2},"#;
    unit.iter().copied().cycle().take(size).collect()
}

fn bench_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    let (a, b, z) = (secret(1), secret(2), secret(3));
    let senders =
        [("1sig", SecretSet::from(a.as_str())), ("3sig", SecretSet::from([a.as_str(), b.as_str(), z.as_str()]))];
    let key = [1u8; 32];
    for size in SIZES {
        let body = body(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("raw_hmac", size), &body, |bench, body| {
            let timestamp = NOW.to_string();
            bench.iter(|| {
                let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&key)).unwrap();
                mac.update(b"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W.");
                mac.update(timestamp.as_bytes());
                mac.update(b".");
                mac.update(black_box(body));
                black_box(mac.finalize().into_bytes())
            })
        });
        for (name, sender_secrets) in &senders {
            let sender = Webhook::new(sender_secrets.clone()).unwrap();
            let headers = sender.sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", NOW, &body).unwrap().into_vec();
            // The receiver holds the same secrets; the first one matches, as during a rotation.
            let receiver = Webhook::new(sender_secrets.clone()).unwrap();
            group.bench_with_input(BenchmarkId::new(*name, size), &body, |bench, body| {
                bench.iter(|| black_box(receiver.verify_signature(black_box(&headers), black_box(body), NOW).unwrap()))
            });
        }
        // Worst case: three secrets held, only the last one signed, so three HMACs are computed.
        let sender = Webhook::new(z.as_str()).unwrap();
        let headers = sender.sign("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", NOW, &body).unwrap().into_vec();
        let receiver = Webhook::new([a.as_str(), b.as_str(), z.as_str()]).unwrap();
        group.bench_with_input(BenchmarkId::new("3secrets_last_matches", size), &body, |bench, body| {
            bench.iter(|| black_box(receiver.verify_signature(black_box(&headers), black_box(body), NOW).unwrap()))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench_verify
}
criterion_main!(benches);
