//! Runs the README's API examples (every `sh` block that talks to `$API` or `$ACCOUNT`) as one bash script against the real
//! binary, so the documentation cannot drift from the service.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{fresh_database, Receiver, Reply, API_KEY};

fn readme_script() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut script = String::new();
    let mut block: Option<String> = None;
    for line in readme.lines() {
        match (&mut block, line.trim_end()) {
            (None, "```sh") => block = Some(String::new()),
            (Some(text), "```") => {
                if text.contains("$API") || text.contains("$ACCOUNT") {
                    script.push_str(text);
                }
                block = None;
            }
            (Some(text), _) => {
                text.push_str(line);
                text.push('\n');
            }
            (None, _) => {}
        }
    }
    script
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_api_examples_run() {
    let script = readme_script();
    assert!(script.matches("curl").count() >= 10, "the README's examples were not found");
    let (database, _dir) = fresh_database("sqlite").await;
    let receiver = Receiver::start(Reply::Status(200)).await;
    let mut child = Command::new(env!("CARGO_BIN_EXE_delivery-service"))
        .args(["--database-url", &database, "--listen", "127.0.0.1:0", "--api-key", API_KEY])
        .args(["--allow-insecure-loopback", "--poll-ms", "20"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let address = lines.next().unwrap().unwrap().strip_prefix("listening on ").unwrap().to_owned();
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("API", &address)
        .env("KEY", API_KEY)
        .env("RECEIVER", receiver.url("/hooks"))
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        output.status.success(),
        "README examples failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The event, the test event and the resend reached the receiver.
    receiver.wait_for(3, Duration::from_secs(10)).await;
}
