//! The delivery service from a terminal: accounts, endpoints, secrets, events, deliveries and attempts, resend,
//! recover and the live tail, over the service's JSON API (`--api`, `--key`, `--account`, or the environment
//! variables `DROPSHIP_API_URL`, `DROPSHIP_API_KEY`, `DROPSHIP_ACCOUNT`).
//!
//! With `-o json` each command prints the API's answer as one JSON document (`tail`: one JSON line per attempt);
//! the text form prints one line per row. An error answer from the API exits with 4 and prints its code and
//! message; no answer at all (nothing listening, a timeout) exits with 3.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};

use crate::{exit, print_json, Failure, Finish, Format};

/// Where the service is and who calls it.
#[derive(Args, Clone)]
pub struct Connection {
    /// The delivery service's base URL.
    #[arg(long, env = "DROPSHIP_API_URL", default_value = "http://127.0.0.1:8080", global = true)]
    api: String,
    /// The API key (admin or account key). Prefer the environment variable: argv is visible to other users.
    #[arg(long, env = "DROPSHIP_API_KEY", hide_env_values = true, global = true)]
    key: Option<String>,
    /// The account to act in.
    #[arg(long, env = "DROPSHIP_ACCOUNT", global = true)]
    account: Option<String>,
}

/// History filters shared by the delivery and attempt lists.
#[derive(Args, Clone, Default)]
pub struct Filters {
    /// Only this endpoint's rows.
    #[arg(long)]
    endpoint: Option<String>,
    /// Delivery status (`pending`, `succeeded`, `failed`) or attempt outcome (`success`, `failure`).
    #[arg(long)]
    status: Option<String>,
    /// Topic.
    #[arg(long)]
    topic: Option<String>,
    /// Error class (`timeout`, `dns`, `blocked`, `connect`, `tls`, `network`, `http`, `signing`).
    #[arg(long)]
    error_class: Option<String>,
    /// From this time on (unix ms).
    #[arg(long)]
    since: Option<i64>,
    /// Before this time (unix ms).
    #[arg(long)]
    until: Option<i64>,
    /// Rows per page (at most 500).
    #[arg(long)]
    limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    #[arg(long)]
    cursor: Option<String>,
}

/// `accounts …`
#[derive(Subcommand)]
pub enum AccountsCommand {
    /// List the accounts the key reaches.
    List,
    /// Create an account (admin key): an id you choose, e.g. your customer's id.
    Create {
        id: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Show one account.
    Show { id: String },
    /// Delete an account and everything of it (admin key).
    Delete { id: String },
    /// Make an API key that reaches only this account (shown once).
    CreateKey { id: String },
}

/// `endpoints …`
#[derive(Subcommand)]
pub enum EndpointsCommand {
    /// List the account's endpoints.
    List,
    /// Show one endpoint.
    Show { id: String },
    /// Create an endpoint; its first secret is shown once.
    Create(EndpointFields),
    /// Change an endpoint (only the options given).
    Edit {
        id: String,
        #[command(flatten)]
        fields: EndpointFields,
    },
    /// Switch an endpoint on (a FAILED one gets a fresh start).
    Activate { id: String },
    /// Switch an endpoint off.
    Deactivate { id: String },
    /// Delete an endpoint with its secrets and history.
    Delete { id: String },
    /// Send a test event (the topic's sample) to one endpoint.
    Test {
        id: String,
        #[arg(long)]
        topic: Option<String>,
    },
}

/// An endpoint's settable fields.
#[derive(Args, Default)]
pub struct EndpointFields {
    /// The target URL.
    #[arg(long)]
    url: Option<String>,
    /// A subscribed topic (repeat).
    #[arg(long = "topic")]
    topics: Vec<String>,
    /// Requests per second, 0 for no limit.
    #[arg(long)]
    rate_limit: Option<u32>,
    /// Requests in flight at once, 0 for no limit.
    #[arg(long)]
    burst_limit: Option<u32>,
    /// POST, PUT or PATCH.
    #[arg(long)]
    method: Option<String>,
    /// `standard` or `fabric` (creation only).
    #[arg(long)]
    scheme: Option<String>,
    /// Free text.
    #[arg(long)]
    description: Option<String>,
}

/// `secrets …`
#[derive(Subcommand)]
pub enum SecretsCommand {
    /// List an endpoint's secrets (never their values).
    List { endpoint: String },
    /// Add a secret (generated unless --value); its value is shown once.
    Add {
        endpoint: String,
        #[arg(long)]
        value: Option<String>,
        #[arg(long)]
        label: Option<String>,
        /// Unix seconds.
        #[arg(long)]
        expires_at: Option<i64>,
    },
    /// Expire a secret at a time (unix seconds; now by default).
    Expire {
        endpoint: String,
        secret: String,
        #[arg(long)]
        at: Option<i64>,
    },
    /// Add a new secret and expire the active ones after an overlap (24 h by default, at most 7 days).
    Roll {
        endpoint: String,
        #[arg(long)]
        label: Option<String>,
        /// Seconds the old secrets keep signing beside the new one.
        #[arg(long)]
        overlap_seconds: Option<i64>,
    },
    /// Delete an expired secret.
    Delete { endpoint: String, secret: String },
}

/// `events …`
#[derive(Subcommand)]
pub enum EventsCommand {
    /// Send an event to every subscribed endpoint of the account.
    Send {
        topic: String,
        /// The event's data from a file (`-`: stdin); the topic's sample data by default.
        #[arg(long)]
        data: Option<String>,
        /// Change one value of the data: `path=value`, dotted from `data` (`data.id=ord_7`) (repeat).
        #[arg(long = "set")]
        sets: Vec<String>,
        /// The event id (makes the call idempotent).
        #[arg(long)]
        id: Option<String>,
    },
    /// List the account's events.
    List {
        #[command(flatten)]
        filters: Filters,
    },
}

/// `deliveries …` and `attempts …`
#[derive(Subcommand)]
pub enum HistoryCommand {
    /// List, newest first.
    List {
        #[command(flatten)]
        filters: Filters,
    },
    /// Show one, in full.
    Show { id: String },
}

/// `recover`'s arguments.
#[derive(Args)]
pub struct RecoverArgs {
    /// The endpoint.
    endpoint: String,
    /// `failed` (the default) or `succeeded`.
    #[arg(long)]
    status: Option<String>,
    /// Deliveries created from this time on (unix ms).
    #[arg(long)]
    since: Option<i64>,
    /// Deliveries created before this time (unix ms).
    #[arg(long)]
    until: Option<i64>,
    #[arg(long)]
    topic: Option<String>,
    #[arg(long)]
    error_class: Option<String>,
    /// Only count them and say how long the resend takes.
    #[arg(long)]
    dry_run: bool,
}

/// `tail`'s arguments.
#[derive(Args)]
pub struct TailArgs {
    /// Stop after this many attempts (default: run until interrupted).
    #[arg(long)]
    count: Option<usize>,
}

/// A client of the service's API.
pub struct Client {
    connection: Connection,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

fn api_error(status: u16, body: &str) -> Failure {
    let answer: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let code = answer["error"]["code"].as_str().unwrap_or("http");
    let message = answer["error"]["message"].as_str().map_or_else(|| body.chars().take(300).collect(), str::to_owned);
    Failure { code: exit::API, message: format!("the API answered {status} {code}: {message}") }
}

impl Client {
    /// A client for `connection`.
    pub fn new(connection: Connection) -> Result<Self, Failure> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| Failure::usage(error.to_string()))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|error| Failure::network(error.to_string()))?;
        Ok(Self { connection, http, runtime })
    }

    fn request(&self, method: reqwest::Method, path: &str) -> Result<reqwest::RequestBuilder, Failure> {
        let key = self.connection.key.as_deref().ok_or_else(|| {
            Failure::usage("no API key: pass --key or set DROPSHIP_API_KEY (the environment keeps it out of ps)")
        })?;
        let url = format!("{}{path}", self.connection.api.trim_end_matches('/'));
        Ok(self.http.request(method, url).bearer_auth(key))
    }

    /// One call; the answer's JSON (`null` for an empty answer).
    pub fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, Failure> {
        let mut request = self.request(method, path)?.timeout(Duration::from_secs(30));
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        self.runtime.block_on(async {
            let response =
                request.send().await.map_err(|error| Failure::network(format!("{}: {error}", self.connection.api)))?;
            let status = response.status().as_u16();
            let text = response.text().await.map_err(|error| Failure::network(error.to_string()))?;
            if status >= 400 {
                return Err(api_error(status, &text));
            }
            Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) })
        })
    }

    /// The account path, `/v1/accounts/<account>`.
    fn account(&self) -> Result<String, Failure> {
        let account = self
            .connection
            .account
            .as_deref()
            .ok_or_else(|| Failure::usage("no account: pass --account or set DROPSHIP_ACCOUNT"))?;
        Ok(format!("/v1/accounts/{}", encode(account)))
    }
}

/// Percent-encodes a path segment or query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn query(filters: &Filters, status_key: &str) -> String {
    let pairs: Vec<(&str, Option<String>)> = vec![
        ("endpointId", filters.endpoint.clone()),
        (status_key, filters.status.clone()),
        ("topic", filters.topic.clone()),
        ("errorClass", filters.error_class.clone()),
        ("since", filters.since.map(|n| n.to_string())),
        ("until", filters.until.map(|n| n.to_string())),
        ("limit", filters.limit.map(|n| n.to_string())),
        ("cursor", filters.cursor.clone()),
    ];
    let text: Vec<String> =
        pairs.into_iter().filter_map(|(key, value)| value.map(|value| format!("{key}={}", encode(&value)))).collect();
    if text.is_empty() {
        String::new()
    } else {
        format!("?{}", text.join("&"))
    }
}

/// A row as one line of `key=value` pairs, the named fields in order.
fn line(row: &Value, fields: &[&str]) -> String {
    fields
        .iter()
        .filter_map(|field| {
            let value = field.split('.').try_fold(row, |value, key| value.get(key))?;
            let text = match value {
                Value::Null => return None,
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            Some(format!("{}={text}", field.rsplit('.').next().unwrap_or(field)))
        })
        .collect::<Vec<_>>()
        .join("  ")
}

/// Prints an answer: JSON as is, or one line per row (with the next page's cursor).
fn show(format: Format, answer: &Value, fields: &[&str]) {
    match format {
        Format::Json => print_json(answer),
        Format::Text => {
            if let Some(rows) = answer["data"].as_array() {
                for row in rows {
                    println!("{}", line(row, fields));
                }
                if let Some(cursor) = answer["nextCursor"].as_str() {
                    eprintln!("more: --cursor {cursor}");
                }
            } else if !answer.is_null() {
                println!("{}", line(answer, fields));
            }
        }
    }
}

const ACCOUNT_FIELDS: &[&str] = &["id", "name", "createdAt"];
const ENDPOINT_FIELDS: &[&str] =
    &["id", "url", "topics", "active", "health.status", "rateLimit", "burstLimit", "secret.value"];
const SECRET_FIELDS: &[&str] = &["id", "label", "active", "expiresAt", "fingerprint", "value", "expiring"];
const EVENT_FIELDS: &[&str] = &["id", "topic", "deliveries", "duplicate", "createdAt"];
const DELIVERY_FIELDS: &[&str] =
    &["id", "eventId", "endpointId", "topic", "status", "trigger", "lastErrorClass", "createdAt"];
const ATTEMPT_FIELDS: &[&str] =
    &["id", "deliveryId", "attempt", "trigger", "outcome", "statusCode", "errorClass", "latencyMs", "startedAt"];

fn json_fields(fields: &EndpointFields) -> Value {
    let mut body = Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(value) = value {
            body.insert(key.to_owned(), value);
        }
    };
    put("url", fields.url.clone().map(Value::from));
    put("topics", (!fields.topics.is_empty()).then(|| json!(fields.topics)));
    put("rateLimit", fields.rate_limit.map(Value::from));
    put("burstLimit", fields.burst_limit.map(Value::from));
    put("method", fields.method.clone().map(Value::from));
    put("scheme", fields.scheme.clone().map(Value::from));
    put("description", fields.description.clone().map(Value::from));
    Value::Object(body)
}

use reqwest::Method;

/// `accounts …`
pub fn accounts(format: Format, connection: Connection, command: AccountsCommand) -> Finish {
    let client = Client::new(connection)?;
    let answer = match command {
        AccountsCommand::List => client.call(Method::GET, "/v1/accounts", None)?,
        AccountsCommand::Create { id, name } => {
            client.call(Method::POST, "/v1/accounts", Some(json!({ "id": id, "name": name.unwrap_or_default() })))?
        }
        AccountsCommand::Show { id } => client.call(Method::GET, &format!("/v1/accounts/{}", encode(&id)), None)?,
        AccountsCommand::Delete { id } => {
            client.call(Method::DELETE, &format!("/v1/accounts/{}", encode(&id)), None)?;
            json!({ "deleted": id })
        }
        AccountsCommand::CreateKey { id } => {
            let key = client.call(Method::POST, &format!("/v1/accounts/{}/keys", encode(&id)), None)?;
            show(format, &key, &["id", "prefix", "key"]);
            return Ok(exit::OK);
        }
    };
    show(format, &answer, &[ACCOUNT_FIELDS, &["deleted"]].concat());
    Ok(exit::OK)
}

/// `endpoints …`
pub fn endpoints(format: Format, connection: Connection, command: EndpointsCommand) -> Finish {
    let client = Client::new(connection)?;
    let base = format!("{}/endpoints", client.account()?);
    let one = |id: &str| format!("{base}/{}", encode(id));
    let answer = match command {
        EndpointsCommand::List => client.call(Method::GET, &base, None)?,
        EndpointsCommand::Show { id } => client.call(Method::GET, &one(&id), None)?,
        EndpointsCommand::Create(fields) => {
            if fields.url.is_none() || fields.topics.is_empty() {
                return Err(Failure::usage("an endpoint needs --url and at least one --topic"));
            }
            client.call(Method::POST, &base, Some(json_fields(&fields)))?
        }
        EndpointsCommand::Edit { id, fields } => {
            if fields.scheme.is_some() {
                return Err(Failure::usage("the scheme is chosen when an endpoint is created"));
            }
            client.call(Method::PATCH, &one(&id), Some(json_fields(&fields)))?
        }
        EndpointsCommand::Activate { id } => client.call(Method::POST, &format!("{}/activate", one(&id)), None)?,
        EndpointsCommand::Deactivate { id } => client.call(Method::POST, &format!("{}/deactivate", one(&id)), None)?,
        EndpointsCommand::Delete { id } => {
            client.call(Method::DELETE, &one(&id), None)?;
            json!({ "id": id, "deleted": true })
        }
        EndpointsCommand::Test { id, topic } => {
            let answer = client.call(Method::POST, &format!("{}/test", one(&id)), Some(json!({ "topic": topic })))?;
            show(format, &answer, EVENT_FIELDS);
            return Ok(exit::OK);
        }
    };
    show(format, &answer, &[ENDPOINT_FIELDS, &["deleted"]].concat());
    Ok(exit::OK)
}

/// `secrets …`
pub fn secrets(format: Format, connection: Connection, command: SecretsCommand) -> Finish {
    let client = Client::new(connection)?;
    let base = |endpoint: &str| -> Result<String, Failure> {
        Ok(format!("{}/endpoints/{}/secrets", client.account()?, encode(endpoint)))
    };
    let answer = match command {
        SecretsCommand::List { endpoint } => client.call(Method::GET, &base(&endpoint)?, None)?,
        SecretsCommand::Add { endpoint, value, label, expires_at } => client.call(
            Method::POST,
            &base(&endpoint)?,
            Some(json!({ "value": value, "label": label, "expiresAt": expires_at })),
        )?,
        SecretsCommand::Expire { endpoint, secret, at } => {
            let at = at.unwrap_or_else(|| i64::try_from(crate::now_seconds()).unwrap_or(i64::MAX));
            let path = format!("{}/{}", base(&endpoint)?, encode(&secret));
            client.call(Method::PATCH, &path, Some(json!({ "expiresAt": at })))?
        }
        SecretsCommand::Roll { endpoint, label, overlap_seconds } => client.call(
            Method::POST,
            &format!("{}/roll", base(&endpoint)?),
            Some(json!({ "label": label, "overlapSeconds": overlap_seconds })),
        )?,
        SecretsCommand::Delete { endpoint, secret } => {
            client.call(Method::DELETE, &format!("{}/{}", base(&endpoint)?, encode(&secret)), None)?;
            json!({ "id": secret, "deleted": true })
        }
    };
    show(format, &answer, &[SECRET_FIELDS, &["deleted"]].concat());
    Ok(exit::OK)
}

/// `events …`
pub fn events(format: Format, connection: Connection, command: EventsCommand) -> Finish {
    let client = Client::new(connection)?;
    let base = format!("{}/events", client.account()?);
    let answer = match command {
        EventsCommand::Send { topic, data, sets, id } => {
            // The service wraps `data` in its own envelope: only the data goes, with `--set` paths from it.
            let (topic, sample) = crate::send::sample_event(&topic, data.as_deref())?;
            let mut event = json!({ "topic": topic, "data": sample["data"] });
            crate::send::apply_sets(&mut event, &sets)?;
            if let Some(id) = id {
                event["id"] = Value::from(id);
            }
            client.call(Method::POST, &base, Some(event))?
        }
        EventsCommand::List { filters } => {
            client.call(Method::GET, &format!("{base}{}", query(&filters, "status")), None)?
        }
    };
    show(format, &answer, EVENT_FIELDS);
    Ok(exit::OK)
}

/// `deliveries …`
pub fn deliveries(format: Format, connection: Connection, command: HistoryCommand) -> Finish {
    let client = Client::new(connection)?;
    match command {
        HistoryCommand::List { filters } => {
            let path = format!("{}/deliveries{}", client.account()?, query(&filters, "status"));
            show(format, &client.call(Method::GET, &path, None)?, DELIVERY_FIELDS);
        }
        HistoryCommand::Show { id } => {
            let answer = client.call(Method::GET, &format!("/v1/deliveries/{}", encode(&id)), None)?;
            match format {
                Format::Json => print_json(&answer),
                Format::Text => {
                    println!("{}", line(&answer, DELIVERY_FIELDS));
                    for attempt in answer["attempts"].as_array().into_iter().flatten() {
                        println!("  {}", line(attempt, ATTEMPT_FIELDS));
                    }
                }
            }
        }
    }
    Ok(exit::OK)
}

/// `attempts …`
pub fn attempts(format: Format, connection: Connection, command: HistoryCommand) -> Finish {
    let client = Client::new(connection)?;
    match command {
        HistoryCommand::List { filters } => {
            let path = format!("{}/attempts{}", client.account()?, query(&filters, "outcome"));
            show(format, &client.call(Method::GET, &path, None)?, ATTEMPT_FIELDS);
        }
        HistoryCommand::Show { id } => {
            let answer = client.call(Method::GET, &format!("/v1/attempts/{}", encode(&id)), None)?;
            match format {
                Format::Json => print_json(&answer),
                Format::Text => {
                    println!("{}", line(&answer, ATTEMPT_FIELDS));
                    println!(
                        "> {} {}",
                        answer["request"]["method"].as_str().unwrap_or(""),
                        answer["request"]["url"].as_str().unwrap_or("")
                    );
                    for pair in answer["request"]["headers"].as_array().into_iter().flatten() {
                        println!("> {}: {}", pair[0].as_str().unwrap_or(""), pair[1].as_str().unwrap_or(""));
                    }
                    if let Some(status) = answer["response"]["status"].as_i64() {
                        println!("< HTTP {status}");
                        for pair in answer["response"]["headers"].as_array().into_iter().flatten() {
                            println!("< {}: {}", pair[0].as_str().unwrap_or(""), pair[1].as_str().unwrap_or(""));
                        }
                        println!("{}", answer["response"]["body"].as_str().unwrap_or(""));
                    } else {
                        println!("< no response: {}", answer["error"].as_str().unwrap_or(""));
                    }
                }
            }
        }
    }
    Ok(exit::OK)
}

/// `resend <delivery>`
pub fn resend(format: Format, connection: Connection, delivery: &str) -> Finish {
    let client = Client::new(connection)?;
    let answer = client.call(Method::POST, &format!("/v1/deliveries/{}/resend", encode(delivery)), None)?;
    show(format, &answer, DELIVERY_FIELDS);
    Ok(exit::OK)
}

/// `recover <endpoint>`
pub fn recover(format: Format, connection: Connection, args: RecoverArgs) -> Finish {
    let client = Client::new(connection)?;
    let path = format!("{}/endpoints/{}/recover", client.account()?, encode(&args.endpoint));
    let body = json!({
        "status": args.status.unwrap_or_else(|| "failed".into()), "since": args.since, "until": args.until,
        "topic": args.topic, "errorClass": args.error_class, "dryRun": args.dry_run,
    });
    let answer = client.call(Method::POST, &path, Some(body))?;
    match format {
        Format::Json => print_json(&answer),
        Format::Text => {
            let count = answer["count"].as_u64().unwrap_or(0);
            let duration = answer["estimatedSeconds"].as_f64().map_or_else(
                || "no rate limit".to_owned(),
                |seconds| format!("about {seconds:.1} s at the rate limit"),
            );
            if args.dry_run {
                println!("would resend {count} deliveries ({duration}); run again without --dry-run to queue them");
            } else {
                println!("queued {count} deliveries ({duration})");
            }
        }
    }
    Ok(exit::OK)
}

/// `tail`: the account's live stream, one line (or JSON line) per attempt.
pub fn tail(format: Format, connection: Connection, args: TailArgs) -> Finish {
    let client = Client::new(connection)?;
    let path = format!("{}/stream", client.account()?);
    let request = client.request(Method::GET, &path)?.header("accept", "text/event-stream");
    client.runtime.block_on(async {
        let mut response =
            request.send().await.map_err(|error| Failure::network(format!("{}: {error}", client.connection.api)))?;
        let status = response.status().as_u16();
        if status >= 400 {
            let text = response.text().await.unwrap_or_default();
            return Err(api_error(status, &text));
        }
        let mut pending = String::new();
        let mut shown = 0;
        loop {
            if args.count.is_some_and(|count| shown >= count) {
                return Ok(exit::OK);
            }
            let chunk = tokio::select! {
                chunk = response.chunk() => chunk.map_err(|error| Failure::network(error.to_string()))?,
                _ = tokio::signal::ctrl_c() => return Ok(exit::OK),
            };
            let Some(chunk) = chunk else { return Err(Failure::network("the stream ended")) };
            pending.push_str(&String::from_utf8_lossy(&chunk));
            // Events end with a blank line; keep a partial one for the next chunk.
            while let Some(end) = pending.find("\n\n") {
                let event: String = pending.drain(..end + 2).collect();
                let Some(data) = event.lines().find_map(|line| line.strip_prefix("data: ")) else { continue };
                let Ok(attempt) = serde_json::from_str::<Value>(data) else { continue };
                match format {
                    Format::Json => print_json(&attempt),
                    Format::Text => println!(
                        "{}",
                        line(
                            &attempt,
                            &[
                                "topic",
                                "eventId",
                                "endpointId",
                                "outcome",
                                "statusCode",
                                "errorClass",
                                "latencyMs",
                                "trigger"
                            ]
                        )
                    ),
                }
                shown += 1;
                if args.count.is_some_and(|count| shown >= count) {
                    return Ok(exit::OK);
                }
            }
        }
    })
}
