//! The command line end to end: the built binary, a listener it starts, a loopback receiver of the test's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use assert_cmd::cargo::CommandCargoExt;
use dropship_webhooks::{Webhook, TOPICS};
use serde_json::{json, Value};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const TS: u64 = 1_790_000_000;

fn cli() -> Command {
    let mut command = Command::cargo_bin("dropship-webhooks").unwrap();
    command.env_remove("DROPSHIP_WEBHOOKS_CONFIG_DIR");
    command
}

/// Runs the CLI with `stdin`; returns the exit code, stdout and stderr.
fn run(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child =
        cli().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    // A command refused for its arguments exits before it reads stdin: a broken pipe here is its answer, not a failure.
    if let Err(error) = child.stdin.take().unwrap().write_all(stdin) {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json_out(args: &[&str], stdin: &[u8]) -> (i32, Value) {
    let (code, stdout, stderr) = run(args, stdin);
    let value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("not JSON: {stdout} / {stderr}"));
    (code, value)
}

/// Headers for `body` signed with `secret`, as `--header` arguments.
fn signed(secret: &str, body: &[u8], timestamp: u64) -> Vec<String> {
    let webhook = Webhook::new(secret).unwrap();
    webhook.sign("msg_cli", timestamp, body).unwrap().iter().map(|(name, value)| format!("{name}: {value}")).collect()
}

fn verify(secrets: &[&str], headers: &[String], body: &[u8], now: u64) -> (i32, Value) {
    let mut args = vec!["verify", "-o", "json", "--now"];
    let now = now.to_string();
    args.push(&now);
    for secret in secrets {
        args.extend(["--secret", secret]);
    }
    for header in headers {
        args.extend(["--header", header]);
    }
    json_out(&args, body)
}

#[test]
fn generate_secret_prints_a_whsec_secret() {
    let (code, stdout, _) = run(&["generate-secret"], b"");
    assert_eq!(code, 0);
    let secret = stdout.trim();
    assert!(secret.starts_with("whsec_") && Webhook::new(secret).is_ok(), "{secret}");
    let (code, value) = json_out(&["generate-secret", "-o", "json"], b"");
    assert_eq!(code, 0);
    assert_ne!(value["secret"].as_str().unwrap(), secret, "two secrets are never the same");
}

#[test]
fn sign_then_verify() {
    let body = br#"{"id":"evt_1","topic":"order.created","data":{"id":"ord_1"}}"#;
    let (code, stdout, _) = run(&["sign", "--secret", SECRET, "--id", "msg_cli", "--timestamp", &TS.to_string()], body);
    assert_eq!(code, 0);
    let headers: Vec<String> = stdout.lines().map(str::to_owned).collect();
    assert_eq!(headers, signed(SECRET, body, TS));
    let (code, verdict) = verify(&[OTHER, SECRET], &headers, body, TS + 5);
    assert_eq!((code, &verdict["valid"], &verdict["secretIndex"]), (0, &json!(true), &json!(1)));
    let (code, stdout, _) = run(
        &[
            "verify",
            "--secret",
            SECRET,
            "--now",
            &TS.to_string(),
            "-H",
            &headers[0],
            "-H",
            &headers[1],
            "-H",
            &headers[2],
        ],
        body,
    );
    assert_eq!((code, stdout.trim()), (0, "valid: signed with secret #0, message msg_cli"));
}

#[test]
fn verify_says_why() {
    let body = br#"{"id":"evt_1","topic":"order.created","data":{"id":"ord_1","lines":[{"sku":"A","quantity":2}]}}"#;
    let headers = signed(SECRET, body, TS);

    let (code, old) = verify(&[SECRET], &headers, body, TS + 1000);
    assert_eq!((code, old["code"].as_str()), (1, Some("timestamp_too_old")));
    assert_eq!(old["details"]["skewSeconds"], json!(-1000));
    assert!(old["reason"].as_str().unwrap().contains("1000 s in the past"), "{old}");

    let (_, new) = verify(&[SECRET], &headers, body, TS - 400);
    assert_eq!((new["code"].as_str(), &new["details"]["skewSeconds"]), (Some("timestamp_too_new"), &json!(400)));

    let expired = format!("{SECRET}@{}", TS - 60);
    let (code, stale) = verify(&[OTHER, &expired], &headers, body, TS);
    assert_eq!((code, stale["code"].as_str()), (1, Some("no_matching_signature")));
    assert_eq!(stale["details"]["matchedExpiredSecret"], json!(1));
    assert!(stale["reason"].as_str().unwrap().contains("expired at"), "{stale}");

    let (_, wrong) = verify(&[OTHER], &headers, body, TS);
    assert_eq!(wrong["details"], json!({ "signatures": 1, "activeSecrets": 1 }));
    assert!(wrong["reason"].as_str().unwrap().starts_with("no secret matches"), "{wrong}");

    // The classic: the body was parsed and written again before the check.
    // (JSON.stringify(JSON.parse(body), null, 2) keeps the key order; serde_json's Value would sort it.)
    let pretty = "{\n  \"id\": \"evt_1\",\n  \"topic\": \"order.created\",\n  \"data\": {\n    \"id\": \"ord_1\",\n    \"lines\": [\n      {\n        \"sku\": \"A\",\n        \"quantity\": 2\n      }\n    ]\n  }\n}";
    let (_, reserialized) = verify(&[SECRET], &headers, pretty.as_bytes(), TS);
    assert_eq!(reserialized["details"]["matchesRelaidBody"], json!("Compact"), "{reserialized}");
    let python_style = br#"{"id": "evt_1", "topic": "order.created", "data": {"id": "ord_1"}}"#;
    let python_headers = signed(SECRET, python_style, TS);
    let (_, python) =
        verify(&[SECRET], &python_headers, br#"{"id":"evt_1","topic":"order.created","data":{"id":"ord_1"}}"#, TS);
    assert_eq!(python["details"]["matchesRelaidBody"], json!("PythonDefault"), "{python}");

    let (code, missing) = verify(&[SECRET], &headers[..2], body, TS);
    assert_eq!((code, missing["code"].as_str()), (1, Some("missing_header")));
    assert_eq!(missing["details"], json!({ "header": "webhook-signature", "aliases": ["svix-signature"] }));

    let (code, _, stderr) = run(&["verify", "--secret", SECRET, "--header", "no colon"], body);
    assert_eq!(code, 2, "{stderr}");
}

/// A child process (the listener) whose stdout lines arrive on a channel, killed when dropped.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Running {
    fn next_line(&self) -> Value {
        let line = self.lines.recv_timeout(Duration::from_secs(20)).expect("the listener printed nothing");
        serde_json::from_str(&line).unwrap_or_else(|_| panic!("not JSON: {line}"))
    }
}

fn start_listener(extra: &[&str]) -> Running {
    let mut child = cli()
        .args(["listen", "--port", "0", "-o", "json"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let url = first.split_whitespace().find(|word| word.starts_with("http://")).expect(&first).to_owned();
    let (sender, lines) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    Running { child, lines, url }
}

#[test]
fn every_topic_triggered_is_verified_by_listen() {
    let listener = start_listener(&["--secret", SECRET]);
    let url = format!("{}webhooks", listener.url);
    for topic in TOPICS {
        let (code, sent) = json_out(&["trigger", topic.name, "--url", &url, "--secret", SECRET, "-o", "json"], b"");
        assert_eq!((code, &sent["status"]), (0, &json!(204)), "{}: {sent}", topic.name);
        let seen = listener.next_line();
        assert_eq!((&seen["valid"], seen["topic"].as_str()), (&json!(true), Some(topic.name)), "{seen}");
        assert_eq!(seen["id"], sent["sent"]["id"]);
    }
    // --set and --data change what is sent; a change that breaks the topic's shape is refused before sending.
    let (code, sent) = json_out(
        &[
            "trigger",
            "order.created",
            "--url",
            &url,
            "--secret",
            SECRET,
            "-o",
            "json",
            "--set",
            "data.id=ord_set",
            "--set",
            "data.purchaseOrderNumber=\"PO-7\"",
        ],
        b"",
    );
    assert_eq!(code, 0, "{sent}");
    let seen = listener.next_line();
    assert!(seen["summary"].as_str().unwrap().contains("id=ord_set"), "{seen}");
    let (code, _) = json_out(
        &["trigger", "connection.created", "--url", &url, "--secret", SECRET, "-o", "json", "--data", "-"],
        br#"{"id":"conn_9","status":"active"}"#,
    );
    assert_eq!(code, 0);
    assert_eq!(listener.next_line()["summary"], json!("id=conn_9, status=active"));
    let (code, _, stderr) =
        run(&["trigger", "order.created", "--url", &url, "--secret", SECRET, "--set", "data.lines=5"], b"");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("does not fit order.created"), "{stderr}");
    // Signed with another secret: the listener refuses it and says why; the sender sees 401.
    let (code, sent) = json_out(&["trigger", "order.created", "--url", &url, "--secret", OTHER, "-o", "json"], b"");
    assert_eq!((code, &sent["status"]), (1, &json!(401)));
    assert_eq!(listener.next_line()["code"], json!("no_matching_signature"));
}

#[test]
fn trigger_to_nothing_is_a_network_error() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}/");
    let (code, _, stderr) = run(&["trigger", "order.created", "--url", &url, "--secret", SECRET], b"");
    assert_eq!(code, 3, "{stderr}");
    let (code, _, stderr) = run(&["trigger", "order.nothing", "--url", &url, "--secret", SECRET], b"");
    assert_eq!(code, 2);
    assert!(stderr.contains("order.created"), "the error lists the topics: {stderr}");
}

/// One HTTP/1.1 request read off a socket: its header lines and its body, byte for byte.
fn read_request(stream: &mut TcpStream) -> (Vec<(String, String)>, Vec<u8>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut headers = Vec::new();
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let Some((name, value)) = line.trim_end().split_once(':') else { break };
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length: usize = headers.iter().find(|(name, _)| name == "content-length").unwrap().1.parse().unwrap();
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (headers, body)
}

#[test]
fn listen_forwards_the_exact_bytes_and_headers() {
    // The developer's receiver: records what arrives and answers 202.
    let receiver = TcpListener::bind("127.0.0.1:0").unwrap();
    let forward_to = format!("http://127.0.0.1:{}/hook", receiver.local_addr().unwrap().port());
    let (sender, received) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = receiver.accept().unwrap();
        let request = read_request(&mut stream);
        stream.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 8\r\nconnection: close\r\n\r\nrecorded").unwrap();
        sender.send(request).unwrap();
    });
    let listener = start_listener(&["--secret", SECRET, "--forward-to", &forward_to]);
    // Odd whitespace, unicode, escapes: what a re-serializing proxy would change.
    let body = "{ \"id\" : \"evt_ü\",\n\t\"topic\":\"order.created\", \"data\": {\"id\": \"ord_✓\", \"note\": \"a\\u00e9\\n\" }  }\n"
        .as_bytes();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let headers = Webhook::new(SECRET).unwrap().sign("msg_fwd", now, body).unwrap();
    let port = listener.url.trim_start_matches("http://").trim_end_matches('/').rsplit(':').next().unwrap().to_owned();
    let mut stream = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let mut request = format!("POST /webhooks HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n", body.len());
    for (name, value) in headers.iter() {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 202"), "the sender gets the receiver's answer: {answer}");

    let (forwarded_headers, forwarded_body) = received.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(forwarded_body, body, "the body arrives byte for byte");
    assert!(Webhook::new(SECRET).unwrap().verify_signature(forwarded_headers.as_slice(), &forwarded_body, now).is_ok());
    let line = listener.next_line();
    assert_eq!((&line["valid"], &line["forwarded"]["status"]), (&json!(true), &json!(202)), "{line}");
    assert_eq!(line["forwarded"]["response"], json!("recorded"));
}

#[test]
fn listen_keeps_its_own_secret_between_runs() {
    let dir = std::env::temp_dir().join(format!("dropship-webhooks-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let print = || {
        let output =
            cli().args(["listen", "--print-secret"]).env("DROPSHIP_WEBHOOKS_CONFIG_DIR", &dir).output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap().trim().to_owned()
    };
    let first = print();
    assert!(Webhook::new(first.as_str()).is_ok(), "{first}");
    assert_eq!(print(), first);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("listen.json")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_command_has_an_example_in_its_help() {
    for command in [
        "generate-secret",
        "sign",
        "verify",
        "trigger",
        "listen",
        "accounts",
        "endpoints",
        "secrets",
        "events",
        "deliveries",
        "attempts",
        "resend",
        "recover",
        "tail",
    ] {
        let output = cli().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success() && help.contains("Example:"), "{command}: {help}");
    }
}
