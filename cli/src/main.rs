//! `dropship-webhooks`: the command line for developers writing a webhook receiver. Signed samples of any topic
//! sent to a local URL, a `verify` that says why a signature failed, and a local listener — every rule, sample and
//! signature from the core crate — and the delivery service from a terminal (accounts, endpoints, secrets, events,
//! deliveries, attempts, resend, recover, tail; [`service`]).
//!
//! Contract: data on stdout, diagnostics on stderr; `-o json` prints one JSON document (JSON lines for `listen` and
//! `tail`); never a prompt. Exit codes: 0 ok, 1 verification failed (or the receiver refused), 2 bad usage,
//! 3 network, 4 API error.

mod diagnose;
mod listen;
mod send;
mod service;

use std::io::Read;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Parser, Subcommand, ValueEnum};
use dropship_webhooks::{generate_secret, Scheme, Webhook};
use serde_json::{json, Value};

use crate::diagnose::{Outcome, SecretArg};

/// Exit codes, documented in `--help`.
pub mod exit {
    /// Done.
    pub const OK: u8 = 0;
    /// A signature did not verify, or the receiver refused the request.
    pub const VERIFICATION: u8 = 1;
    /// Bad usage: an unknown flag, a malformed value (clap uses 2 as well).
    pub const USAGE: u8 = 2;
    /// The network: nothing listens there, a timeout, a refused connection.
    pub const NETWORK: u8 = 3;
    /// The delivery service's API answered with an error (its code and message are printed).
    pub const API: u8 = 4;
}

#[derive(Parser)]
#[command(name = "dropship-webhooks", version, about = "Sign, send, receive and verify dropship webhooks.")]
#[command(after_help = "Exit codes: 0 ok, 1 verification failed (or the receiver refused), 2 bad usage, 3 network, \
                        4 API error. Data goes to stdout, diagnostics to stderr; -o json prints JSON.")]
struct Cli {
    /// Output format.
    #[arg(short, long, value_enum, global = true, default_value_t = Format::Text)]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemeArg {
    Standard,
    Fabric,
}

impl From<SchemeArg> for Scheme {
    fn from(scheme: SchemeArg) -> Self {
        match scheme {
            SchemeArg::Standard => Scheme::Standard,
            SchemeArg::Fabric => Scheme::Fabric,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print a new `whsec_` secret (32 random bytes from the OS).
    #[command(after_help = "Example:\n  dropship-webhooks generate-secret")]
    GenerateSecret,
    /// Print the headers that sign a body.
    #[command(
        after_help = "Example:\n  echo '{\"id\":\"evt_1\",\"topic\":\"order.created\",\"data\":{\"id\":\"o1\"}}' | \\\n    \
                            dropship-webhooks sign --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    )]
    Sign {
        /// The secret to sign with (repeat for several; `SECRET@UNIX` gives one an expiry).
        #[arg(long = "secret", required = true)]
        secrets: Vec<String>,
        /// The message id (default: a new `msg_` id).
        #[arg(long)]
        id: Option<String>,
        /// The timestamp, unix seconds (default: now).
        #[arg(long)]
        timestamp: Option<u64>,
        #[arg(long, value_enum, default_value_t = SchemeArg::Standard)]
        scheme: SchemeArg,
        /// The body: a file, or `-` for stdin (the default).
        #[arg(long, default_value = "-")]
        body: String,
    },
    /// Check a signature, and say why it fails.
    #[command(
        after_help = "Example:\n  dropship-webhooks verify --secret whsec_… --header 'webhook-id: msg_1' \\\n    \
                            --header 'webhook-timestamp: 1790000000' --header 'webhook-signature: v1,…' --body body.json\n\n\
                            Reasons it names: clock skew against the tolerance (by how many seconds), a secret that \
                            matches but has expired, no secret matching, a body that matches once re-serialized \
                            (compact, Python-style or indented JSON), a missing header and its alias."
    )]
    Verify {
        /// A secret to try (repeat; `SECRET@UNIX` says when it expired or expires).
        #[arg(long = "secret", required = true)]
        secrets: Vec<String>,
        /// A request header, `name: value` (repeat).
        #[arg(long = "header", short = 'H')]
        headers: Vec<String>,
        /// The time of the check, unix seconds (default: now).
        #[arg(long)]
        now: Option<u64>,
        /// How far the timestamp may lie from now, in seconds.
        #[arg(long, default_value_t = dropship_webhooks::DEFAULT_TOLERANCE_SECONDS)]
        tolerance: u64,
        #[arg(long, value_enum, default_value_t = SchemeArg::Standard)]
        scheme: SchemeArg,
        /// The body: a file, or `-` for stdin (the default).
        #[arg(long, default_value = "-")]
        body: String,
    },
    /// Send a signed event of a topic (its sample, or your data) to a URL.
    #[command(
        after_help = "Example:\n  dropship-webhooks trigger order.created --url http://127.0.0.1:3000/webhooks \\\n    \
                            --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw --set data.purchaseOrderNumber=PO-7"
    )]
    Trigger(send::TriggerArgs),
    /// Receive webhooks on localhost: verify and print each, optionally forward it.
    #[command(
        after_help = "Example:\n  dropship-webhooks listen --port 3000 --forward-to http://127.0.0.1:8000/webhooks\n\n\
                            Without --secret it uses a secret of its own, kept in its config file (the same on every \
                            run); --print-secret prints it."
    )]
    Listen(listen::ListenArgs),
    /// The delivery service's accounts and their keys.
    #[command(
        after_help = "Example:\n  DROPSHIP_API_KEY=… dropship-webhooks accounts create retailer-1042 --name 'Northwind'\n  \
                            dropship-webhooks accounts create-key retailer-1042"
    )]
    Accounts {
        #[command(flatten)]
        connection: service::Connection,
        #[command(subcommand)]
        command: service::AccountsCommand,
    },
    /// An account's endpoint configurations.
    #[command(after_help = "Example:\n  dropship-webhooks endpoints create --account retailer-1042 \\\n    \
                            --url https://example.com/webhooks --topic order.created --rate-limit 10")]
    Endpoints {
        #[command(flatten)]
        connection: service::Connection,
        #[command(subcommand)]
        command: service::EndpointsCommand,
    },
    /// An endpoint's signing secrets: list, add (rotate), expire.
    #[command(after_help = "Example:\n  dropship-webhooks secrets add ep_… --label 2027 --account retailer-1042")]
    Secrets {
        #[command(flatten)]
        connection: service::Connection,
        #[command(subcommand)]
        command: service::SecretsCommand,
    },
    /// Send an event through the service, or list the account's events.
    #[command(
        after_help = "Example:\n  dropship-webhooks events send order.created --set data.id=ord_7 --account retailer-1042"
    )]
    Events {
        #[command(flatten)]
        connection: service::Connection,
        #[command(subcommand)]
        command: service::EventsCommand,
    },
    /// The account's deliveries: list with filters, show one with its attempts.
    #[command(
        after_help = "Example:\n  dropship-webhooks deliveries list --status failed --endpoint ep_… --account retailer-1042"
    )]
    Deliveries {
        #[command(flatten)]
        connection: service::Connection,
        #[command(subcommand)]
        command: service::HistoryCommand,
    },
    /// The account's attempts: list with filters, show one's request and response.
    #[command(after_help = "Example:\n  dropship-webhooks attempts show att_… --account retailer-1042")]
    Attempts {
        #[command(flatten)]
        connection: service::Connection,
        #[command(subcommand)]
        command: service::HistoryCommand,
    },
    /// Send one delivery again now.
    #[command(after_help = "Example:\n  dropship-webhooks resend dlv_…")]
    Resend {
        #[command(flatten)]
        connection: service::Connection,
        /// The delivery.
        delivery: String,
    },
    /// Send an endpoint's failed deliveries again (preview with --dry-run).
    #[command(
        after_help = "Example:\n  dropship-webhooks recover ep_… --since 1790000000000 --dry-run --account retailer-1042"
    )]
    Recover {
        #[command(flatten)]
        connection: service::Connection,
        #[command(flatten)]
        args: service::RecoverArgs,
    },
    /// Follow the account's attempts as they finish (Server-Sent Events).
    #[command(after_help = "Example:\n  dropship-webhooks tail --account retailer-1042 -o json")]
    Tail {
        #[command(flatten)]
        connection: service::Connection,
        #[command(flatten)]
        args: service::TailArgs,
    },
}

/// What a command ends with: the exit code, after its output was printed.
type Finish = Result<u8, Failure>;

/// A command that could not run: the message (stderr) and the exit code.
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    /// Bad usage (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self { code: exit::USAGE, message: message.into() }
    }

    /// A network failure (exit 3).
    pub fn network(message: impl Into<String>) -> Self {
        Self { code: exit::NETWORK, message: message.into() }
    }
}

impl From<dropship_webhooks::WebhookError> for Failure {
    fn from(error: dropship_webhooks::WebhookError) -> Self {
        Self::usage(format!("{} ({})", error, error.code()))
    }
}

/// Unix seconds now.
pub fn now_seconds() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// A body from a file or stdin (`-`), as bytes, exactly.
pub fn read_body(source: &str) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    if source == "-" {
        std::io::stdin().read_to_end(&mut body).map_err(|error| Failure::usage(format!("reading stdin: {error}")))?;
    } else {
        body = std::fs::read(source).map_err(|error| Failure::usage(format!("reading {source}: {error}")))?;
    }
    Ok(body)
}

/// Secrets from the command line (`SECRET` or `SECRET@UNIX`).
pub fn secret_args(texts: &[String]) -> Result<Vec<SecretArg>, Failure> {
    texts.iter().map(|text| SecretArg::parse(text).map_err(Failure::usage)).collect()
}

/// A signer over `secrets`.
pub fn webhook(secrets: &[SecretArg], scheme: Scheme) -> Result<Webhook, Failure> {
    Ok(Webhook::with_scheme(diagnose::secret_set(secrets, false), scheme)?)
}

/// A new id: `prefix`, `_` and 16 random bytes in hex (`msg_…` for messages, `evt_…` for events).
pub fn random_id(prefix: &str) -> Result<String, Failure> {
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|error| Failure::usage(format!("no randomness: {error}")))?;
    Ok(format!("{prefix}_{}", random.iter().map(|byte| format!("{byte:02x}")).collect::<String>()))
}

/// Prints `value` as JSON (one line).
pub fn print_json(value: &Value) {
    println!("{value}");
}

fn generate(format: Format) -> Finish {
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|error| Failure::usage(format!("no randomness: {error}")))?;
    let secret = generate_secret(&random)?;
    match format {
        Format::Json => print_json(&json!({ "secret": secret })),
        Format::Text => println!("{secret}"),
    }
    Ok(exit::OK)
}

fn sign(
    format: Format,
    secrets: &[String],
    id: Option<String>,
    timestamp: Option<u64>,
    scheme: SchemeArg,
    body: &str,
) -> Finish {
    let signer = webhook(&secret_args(secrets)?, scheme.into())?;
    let body = read_body(body)?;
    let id = match id {
        Some(id) => id,
        None => random_id("msg")?,
    };
    let signed = signer.sign(&id, timestamp.unwrap_or_else(now_seconds), &body)?;
    match format {
        Format::Json => {
            let headers: serde_json::Map<String, Value> =
                signed.iter().map(|(name, value)| (name.to_owned(), Value::from(value))).collect();
            print_json(&json!({ "headers": headers }));
        }
        Format::Text => signed.iter().for_each(|(name, value)| println!("{name}: {value}")),
    }
    Ok(exit::OK)
}

/// `name: value` pairs from `--header`.
fn header_pairs(texts: &[String]) -> Result<Vec<(String, String)>, Failure> {
    texts
        .iter()
        .map(|text| {
            let (name, value) = text
                .split_once(':')
                .ok_or_else(|| Failure::usage(format!("--header `{text}` is not `name: value`")))?;
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn verify(
    format: Format,
    secrets: &[String],
    headers: &[String],
    now: Option<u64>,
    tolerance: u64,
    scheme: SchemeArg,
    body: &str,
) -> Finish {
    let secrets = secret_args(secrets)?;
    let headers = header_pairs(headers)?;
    let body = read_body(body)?;
    let now = now.unwrap_or_else(now_seconds);
    let check =
        diagnose::Check { secrets: &secrets, scheme: scheme.into(), tolerance, headers: &headers, body: &body, now };
    let outcome = check.verify()?;
    match outcome {
        Outcome::Valid(verified) => {
            match format {
                Format::Json => print_json(&json!({
                    "valid": true, "secretIndex": verified.secret_index, "secretLabel": verified.secret_label,
                    "id": verified.id, "timestamp": verified.timestamp,
                })),
                Format::Text => {
                    let id = verified.id.as_deref().map(|id| format!(", message {id}")).unwrap_or_default();
                    println!("valid: signed with secret #{}{id}", verified.secret_index);
                }
            }
            Ok(exit::OK)
        }
        Outcome::Invalid { code, reason, details } => {
            match format {
                Format::Json => {
                    print_json(&json!({ "valid": false, "code": code, "reason": reason, "details": details }));
                }
                Format::Text => println!("invalid ({code}): {reason}"),
            }
            Ok(exit::VERIFICATION)
        }
    }
}

fn run(cli: Cli) -> Finish {
    let format = cli.output;
    match cli.command {
        Command::GenerateSecret => generate(format),
        Command::Sign { secrets, id, timestamp, scheme, body } => sign(format, &secrets, id, timestamp, scheme, &body),
        Command::Verify { secrets, headers, now, tolerance, scheme, body } => {
            verify(format, &secrets, &headers, now, tolerance, scheme, &body)
        }
        Command::Trigger(args) => send::trigger(format, args),
        Command::Listen(args) => listen::listen(format, args),
        Command::Accounts { connection, command } => service::accounts(format, connection, command),
        Command::Endpoints { connection, command } => service::endpoints(format, connection, command),
        Command::Secrets { connection, command } => service::secrets(format, connection, command),
        Command::Events { connection, command } => service::events(format, connection, command),
        Command::Deliveries { connection, command } => service::deliveries(format, connection, command),
        Command::Attempts { connection, command } => service::attempts(format, connection, command),
        Command::Resend { connection, delivery } => service::resend(format, connection, &delivery),
        Command::Recover { connection, args } => service::recover(format, connection, args),
        Command::Tail { connection, args } => service::tail(format, connection, args),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}
