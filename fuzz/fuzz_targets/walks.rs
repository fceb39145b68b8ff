//! Arbitrary bytes as an event body: when the single-pass walk reads a body to the end, the tape walk reads it
//! too and reports the same canonical event (the single pass never decides anything the tape walk would not).
#![no_main]

use dropship_webhooks::wire::walks_agree;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    assert!(walks_agree(body));
});
