//! The service commands end to end: the built binary against a real delivery service (run in this test's process
//! on SQLite) and a loopback receiver that fails, then heals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use delivery_service::{Service, Settings, SystemClock};
use serde_json::Value;

const ADMIN_KEY: &str = "cli-test-admin-key-0123456789abcdef01";

/// A receiver on 127.0.0.1 answering every request with the status it holds.
struct Receiver {
    address: SocketAddr,
    status: Arc<AtomicU16>,
    seen: Arc<AtomicUsize>,
}

impl Receiver {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let status = Arc::new(AtomicU16::new(200));
        let seen = Arc::new(AtomicUsize::new(0));
        let (answer, count) = (status.clone(), seen.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0; length];
                let _ = reader.read_exact(&mut body);
                count.fetch_add(1, Ordering::SeqCst);
                let status = answer.load(Ordering::SeqCst);
                let _ = write!(stream, "HTTP/1.1 {status} X\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok");
            }
        });
        Self { address, status, seen }
    }
}

/// Runs the CLI with the account key and account in the environment; (exit code, stdout, stderr).
fn cli(api: &str, key: &str, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("dropship-webhooks")
        .unwrap()
        .args(args)
        .env("DROPSHIP_API_URL", api)
        .env("DROPSHIP_API_KEY", key)
        .env("DROPSHIP_ACCOUNT", "acme")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs a command with `-o json` that must succeed; its JSON.
fn json(api: &str, key: &str, args: &[&str]) -> Value {
    let mut all = vec!["-o", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = cli(api, key, &all);
    assert_eq!(code, 0, "{args:?}: {stdout} {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{args:?}: not JSON: {stdout}"))
}

/// Polls a list command until it has `n` rows (bounded).
fn wait_rows(api: &str, key: &str, args: &[&str], n: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = json(api, key, args)["data"].as_array().cloned().unwrap_or_default();
        if rows.len() >= n {
            return rows;
        }
        assert!(Instant::now() < deadline, "{args:?}: {} rows, expected {n}", rows.len());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_service_from_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut settings = Settings {
        database_url: format!("sqlite://{}/delivery.db", dir.path().display()),
        listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
        api_keys: vec![ADMIN_KEY.into()],
        allow_insecure_loopback: true,
        request_timeout: Duration::from_secs(2),
        ..Settings::default()
    };
    settings.worker.poll_interval = Duration::from_millis(20);
    settings.worker.schedule =
        dropship_webhooks::delivery::RetrySchedule { max_retries: 0, ..Default::default() }.validate().unwrap();
    let service = runtime.block_on(Service::start(settings, Arc::new(SystemClock))).unwrap();
    let api = format!("http://{}", service.address.unwrap());
    let api = api.as_str();
    let receiver = Receiver::start();

    // Accounts and a key of the account's own (admin key).
    let account = json(api, ADMIN_KEY, &["accounts", "create", "acme", "--name", "Acme"]);
    assert_eq!(account["id"], "acme");
    let key = json(api, ADMIN_KEY, &["accounts", "create-key", "acme"])["key"].as_str().unwrap().to_owned();
    let key = key.as_str();
    let (code, text, _) = cli(api, key, &["accounts", "list"]);
    assert_eq!((code, text.trim().starts_with("id=acme")), (0, true), "{text}");

    // Endpoints.
    let url = format!("http://{}/hook", receiver.address);
    let created =
        json(api, key, &["endpoints", "create", "--url", &url, "--topic", "order.created", "--rate-limit", "5"]);
    let endpoint = created["id"].as_str().unwrap().to_owned();
    assert!(created["secret"]["value"].as_str().unwrap().starts_with("whsec_"));
    let edited = json(api, key, &["endpoints", "edit", &endpoint, "--description", "from the terminal"]);
    assert_eq!(edited["description"], "from the terminal");
    let (code, text, _) = cli(api, key, &["endpoints", "list"]);
    assert!(code == 0 && text.contains(&url) && text.contains("status=HEALTHY"), "{text}");
    assert_eq!(json(api, key, &["endpoints", "deactivate", &endpoint])["active"], false);
    assert_eq!(json(api, key, &["endpoints", "activate", &endpoint])["active"], true);

    // Secrets: add one, list both (no values), expire the first.
    let added = json(api, key, &["secrets", "add", &endpoint, "--label", "2027"]);
    assert!(added["value"].as_str().unwrap().starts_with("whsec_"));
    let secrets = json(api, key, &["secrets", "list", &endpoint])["data"].as_array().cloned().unwrap();
    assert_eq!(secrets.len(), 2);
    assert!(secrets.iter().all(|secret| secret.get("value").is_none()));
    let first = secrets.iter().find(|secret| secret["label"].is_null()).unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(json(api, key, &["secrets", "expire", &endpoint, &first, "--at", "1"])["active"], false);
    assert_eq!(json(api, key, &["secrets", "delete", &endpoint, &first])["deleted"], true);
    let rolled = json(api, key, &["secrets", "roll", &endpoint, "--label", "2028", "--overlap-seconds", "60"]);
    assert_eq!(rolled["expiring"].as_array().map(Vec::len), Some(1), "{rolled}");

    // An event the receiver refuses: given up at once (no retries in this service).
    receiver.status.store(503, Ordering::SeqCst);
    let sent = json(api, key, &["events", "send", "order.created", "--set", "data.id=ord_cli", "--id", "evt_cli_1"]);
    assert_eq!(sent["deliveries"], 1);
    let failed = wait_rows(api, key, &["deliveries", "list", "--status", "failed"], 1);
    let delivery = failed[0]["id"].as_str().unwrap().to_owned();
    let attempts = json(api, key, &["attempts", "list", "--endpoint", &endpoint]);
    let attempt = attempts["data"][0]["id"].as_str().unwrap().to_owned();
    let detail = json(api, key, &["attempts", "show", &attempt]);
    assert_eq!(detail["response"]["status"], 503);
    let (_, text, _) = cli(api, key, &["attempts", "show", &attempt]);
    assert!(text.contains("< HTTP 503") && text.contains("> webhook-signature: v1,"), "{text}");

    // Healed: resend that one.
    receiver.status.store(200, Ordering::SeqCst);
    let resent = json(api, key, &["resend", &delivery]);
    assert_eq!(resent["trigger"], "manual");
    wait_rows(api, key, &["deliveries", "list", "--status", "succeeded"], 1);
    let shown = json(api, key, &["deliveries", "show", &delivery]);
    assert_eq!(shown["attempts"].as_array().unwrap().len(), 2);

    // Two more fail; recover them: the preview, the real run, and the same run again.
    receiver.status.store(500, Ordering::SeqCst);
    json(api, key, &["events", "send", "order.created", "--id", "evt_cli_2"]);
    json(api, key, &["events", "send", "order.created", "--id", "evt_cli_3"]);
    wait_rows(api, key, &["deliveries", "list", "--status", "failed"], 2);
    receiver.status.store(200, Ordering::SeqCst);
    let (code, text, _) = cli(api, key, &["recover", &endpoint, "--dry-run"]);
    assert!(code == 0 && text.contains("would resend 2 deliveries (about 0.4 s at the rate limit)"), "{text}");
    assert_eq!(json(api, key, &["recover", &endpoint])["count"], 2);
    assert_eq!(json(api, key, &["recover", &endpoint])["count"], 0);
    wait_rows(api, key, &["deliveries", "list", "--status", "succeeded"], 3);
    let events = json(api, key, &["events", "list"]);
    assert_eq!(events["data"].as_array().unwrap().len(), 3);

    // The live tail: a test event's attempt arrives as one JSON line.
    let tail = Command::cargo_bin("dropship-webhooks")
        .unwrap()
        .args(["tail", "--count", "1", "-o", "json"])
        .env("DROPSHIP_API_URL", api)
        .env("DROPSHIP_API_KEY", key)
        .env("DROPSHIP_ACCOUNT", "acme")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let before = receiver.seen.load(Ordering::SeqCst);
    json(api, key, &["endpoints", "test", &endpoint]);
    let output = tail.wait_with_output().unwrap();
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!((line["trigger"].as_str(), line["outcome"].as_str()), (Some("test"), Some("success")), "{line}");
    assert!(receiver.seen.load(Ordering::SeqCst) > before);

    // Errors: the API's (exit 4, with its code), none at all (exit 3), a missing key (exit 2).
    let (code, _, stderr) = cli(api, key, &["endpoints", "show", "ep_missing"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("404 not_found"), "{stderr}");
    let (code, _, stderr) = cli(api, key, &["accounts", "delete", "acme"]);
    assert_eq!(code, 4, "{stderr}");
    assert!(stderr.contains("forbidden"), "{stderr}");
    let (code, _, _) = cli("http://127.0.0.1:1", key, &["endpoints", "list"]);
    assert_eq!(code, 3);
    let output = Command::cargo_bin("dropship-webhooks")
        .unwrap()
        .args(["endpoints", "list", "--api", api, "--account", "acme"])
        .env_remove("DROPSHIP_API_KEY")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));

    // Deleting the endpoint ends it.
    assert_eq!(json(api, key, &["endpoints", "delete", &endpoint])["deleted"], true);
    runtime.block_on(service.shutdown());
}
