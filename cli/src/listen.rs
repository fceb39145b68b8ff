//! `listen`: a receiver on localhost that verifies and prints every webhook it gets, and with `--forward-to` passes
//! the exact bytes and headers on to the developer's own receiver and prints its answer.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use clap::Args;
use dropship_webhooks::{canonical_event_json, generate_secret, Scheme};
use serde_json::{json, Value};

use crate::diagnose::{self, Outcome, SecretArg};
use crate::{exit, print_json, secret_args, Failure, Finish, Format, SchemeArg};

/// `listen`'s arguments.
#[derive(Args)]
pub struct ListenArgs {
    /// The port on 127.0.0.1 (0: any free one, printed on stderr).
    #[arg(long, default_value_t = 3000)]
    port: u16,
    /// The secret(s) senders sign with; without one, the listener's own (kept in its config file).
    #[arg(long = "secret")]
    secrets: Vec<String>,
    #[arg(long, value_enum, default_value_t = SchemeArg::Standard)]
    scheme: SchemeArg,
    /// Pass each request on (exact body and headers) to this URL and print its answer.
    #[arg(long)]
    forward_to: Option<String>,
    /// Print the secret the listener verifies with, and exit.
    #[arg(long)]
    print_secret: bool,
}

struct Listener {
    secrets: Vec<SecretArg>,
    scheme: Scheme,
    format: Format,
    forward_to: Option<String>,
    client: reqwest::Client,
}

/// Where the listener keeps its own secret: `$DROPSHIP_WEBHOOKS_CONFIG_DIR`, else `$XDG_CONFIG_HOME/dropship-webhooks`,
/// else `~/.config/dropship-webhooks`.
fn config_file() -> Result<PathBuf, Failure> {
    let dir = if let Some(dir) = std::env::var_os("DROPSHIP_WEBHOOKS_CONFIG_DIR") {
        PathBuf::from(dir)
    } else if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME") {
        PathBuf::from(dir).join("dropship-webhooks")
    } else if let Some(home) = std::env::var_os("HOME") {
        PathBuf::from(home).join(".config").join("dropship-webhooks")
    } else {
        return Err(Failure::usage("no config directory: set DROPSHIP_WEBHOOKS_CONFIG_DIR or pass --secret"));
    };
    Ok(dir.join("listen.json"))
}

/// The listener's own secret: read from its config file, or made and written there (mode 600) the first time.
fn own_secret() -> Result<String, Failure> {
    let file = config_file()?;
    if let Ok(text) = std::fs::read_to_string(&file) {
        let secret = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|config| config.get("secret").and_then(Value::as_str).map(str::to_owned));
        return secret.ok_or_else(|| Failure::usage(format!("{} has no \"secret\"", file.display())));
    }
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|error| Failure::usage(format!("no randomness: {error}")))?;
    let secret = generate_secret(&random)?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir).map_err(|error| Failure::usage(format!("{}: {error}", dir.display())))?;
    }
    let text = format!("{}\n", json!({ "secret": secret }));
    write_private(&file, &text).map_err(|error| Failure::usage(format!("{}: {error}", file.display())))?;
    Ok(secret)
}

#[cfg(unix)]
fn write_private(file: &PathBuf, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(file)?.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(file: &PathBuf, text: &str) -> std::io::Result<()> {
    std::fs::write(file, text)
}

/// A few words about the event's data: its id, then its other scalar fields and the length of its non-empty lists.
fn summary(event: &Value) -> String {
    let Some(data) = event.get("data").and_then(Value::as_object) else { return String::new() };
    let mut parts = Vec::new();
    let fields = data.get_key_value("id").into_iter().chain(data.iter().filter(|(key, _)| key.as_str() != "id"));
    for (key, value) in fields {
        match value {
            Value::String(text) => parts.push(format!("{key}={text}")),
            Value::Number(number) => parts.push(format!("{key}={number}")),
            Value::Bool(flag) => parts.push(format!("{key}={flag}")),
            Value::Array(items) if !items.is_empty() => parts.push(format!("{key}: {} item(s)", items.len())),
            _ => {}
        }
        if parts.len() == 5 {
            parts.push("…".into());
            break;
        }
    }
    parts.join(", ")
}

/// Headers a proxy does not pass on (they describe this hop, not the message).
fn hop_by_hop(name: &str) -> bool {
    matches!(name, "host" | "content-length" | "connection" | "transfer-encoding" | "keep-alive" | "upgrade")
}

async fn receive(
    State(listener): State<Arc<Listener>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let pairs: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let now = crate::now_seconds();
    let outcome = diagnose::Check {
        secrets: &listener.secrets,
        scheme: listener.scheme,
        tolerance: dropship_webhooks::DEFAULT_TOLERANCE_SECONDS,
        headers: &pairs,
        body: &body,
        now,
    }
    .verify();
    let mut line = json!({ "method": method.as_str(), "path": uri.path() });
    let (status, answer) = match outcome {
        Ok(Outcome::Valid(verified)) => match canonical_event_json(&body) {
            Ok(canonical) => {
                let event: Value = serde_json::from_str(&canonical).unwrap_or(Value::Null);
                line["valid"] = json!(true);
                line["topic"] = event["topic"].clone();
                line["id"] = event["id"].clone();
                line["messageId"] = json!(verified.id);
                line["secretIndex"] = json!(verified.secret_index);
                line["summary"] = json!(summary(&event));
                (StatusCode::NO_CONTENT, Value::Null)
            }
            Err(error) => {
                line["valid"] = json!(false);
                line["code"] = json!(error.code());
                line["reason"] = json!(error.to_string());
                (StatusCode::BAD_REQUEST, json!({ "error": error.code() }))
            }
        },
        Ok(Outcome::Invalid { code, reason, .. }) => {
            line["valid"] = json!(false);
            line["code"] = json!(code);
            line["reason"] = json!(reason);
            (StatusCode::UNAUTHORIZED, json!({ "error": code }))
        }
        Err(error) => {
            line["valid"] = json!(false);
            line["code"] = json!(error.code());
            line["reason"] = json!(error.to_string());
            (StatusCode::INTERNAL_SERVER_ERROR, json!({ "error": error.code() }))
        }
    };
    let forwarded = match &listener.forward_to {
        Some(url) => Some(forward(&listener.client, url, &method, &headers, &body).await),
        None => None,
    };
    if let Some(result) = &forwarded {
        line["forwarded"] = match result {
            Ok((status, latency_ms, text)) => json!({ "status": status, "latencyMs": latency_ms, "response": text }),
            Err(problem) => json!({ "error": problem }),
        };
    }
    print_line(listener.format, &line);
    match forwarded {
        // The sender gets the developer's receiver's answer.
        Some(Ok((status, _, text))) => {
            (StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY), text).into_response()
        }
        Some(Err(problem)) => (StatusCode::BAD_GATEWAY, problem).into_response(),
        None if answer.is_null() => status.into_response(),
        None => (status, [("content-type", "application/json")], answer.to_string()).into_response(),
    }
}

async fn forward(
    client: &reqwest::Client,
    url: &str,
    method: &Method,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(u16, f64, String), String> {
    let method = reqwest::Method::from_bytes(method.as_str().as_bytes()).map_err(|error| error.to_string())?;
    let mut request = client.request(method, url);
    for (name, value) in headers {
        if !hop_by_hop(name.as_str()) {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    let started = Instant::now();
    let response = request.body(body.clone()).send().await.map_err(|error| format!("{url}: {error}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    Ok((status, (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0, text))
}

fn print_line(format: Format, line: &Value) {
    if format == Format::Json {
        print_json(line);
        return;
    }
    let text = |key: &str| line.get(key).and_then(Value::as_str).unwrap_or("").to_owned();
    if line["valid"] == json!(true) {
        println!("✔ {} {} (secret #{}) {}", text("topic"), text("id"), line["secretIndex"], text("summary"));
    } else {
        println!("✘ {} {}: {}", text("path"), text("code"), text("reason"));
    }
    if let Some(forwarded) = line.get("forwarded") {
        match forwarded.get("status") {
            Some(status) => {
                println!("  → forwarded: HTTP {status} in {} ms {}", forwarded["latencyMs"], forwarded["response"])
            }
            None => println!("  → forwarding failed: {}", forwarded["error"]),
        }
    }
}

/// Runs `listen` until interrupted.
pub fn listen(format: Format, args: ListenArgs) -> Finish {
    let secrets = if args.secrets.is_empty() { vec![own_secret()?] } else { args.secrets.clone() };
    if args.print_secret {
        match format {
            Format::Json => print_json(&json!({ "secrets": secrets })),
            Format::Text => secrets.iter().for_each(|secret| println!("{secret}")),
        }
        return Ok(exit::OK);
    }
    let secrets = secret_args(&secrets)?;
    crate::webhook(&secrets, args.scheme.into())?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| Failure::usage(error.to_string()))?;
    let listener =
        Arc::new(Listener { secrets, scheme: args.scheme.into(), format, forward_to: args.forward_to, client });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| Failure::usage(error.to_string()))?;
    runtime.block_on(async move {
        let address = SocketAddr::from(([127, 0, 0, 1], args.port));
        let socket = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|error| Failure::network(format!("cannot listen on {address}: {error}")))?;
        let bound = socket.local_addr().map_err(|error| Failure::network(error.to_string()))?;
        eprintln!("listening on http://{bound}/ (Ctrl-C to stop)");
        let app = Router::new().fallback(receive).with_state(listener);
        axum::serve(socket, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|error| Failure::network(error.to_string()))
    })?;
    Ok(exit::OK)
}
