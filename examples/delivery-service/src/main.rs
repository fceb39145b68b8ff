//! `delivery-service`: the reference webhook sender. `delivery-service --help` lists every option.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use delivery_service::sealing::KeySource;
use delivery_service::settings::defaults;
use delivery_service::{Clock, ScaledClock, Service, Settings, SystemClock};
use dropship_webhooks::delivery::RetrySchedule;

/// Reference webhook delivery service for dropship-webhooks.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Options {
    /// Database: an embedded SQLite file, or Postgres shared by several processes.
    #[arg(long, value_name = "URL", env = "DATABASE_URL", default_value = defaults::DATABASE_URL)]
    database_url: String,
    /// Address of the JSON API.
    #[arg(long, value_name = "ADDR", env = "DELIVERY_LISTEN", default_value = defaults::LISTEN)]
    listen: SocketAddr,
    /// An admin API key to accept (stored hashed; may be repeated). Needed on the first run.
    /// (Prefer DELIVERY_API_KEY or --api-key-file: the process list shows argv.)
    #[arg(value_name = "KEY", long = "api-key", env = "DELIVERY_API_KEY", hide_env_values = true)]
    api_keys: Vec<String>,
    /// A file of admin API keys, one per line (stored hashed).
    #[arg(long, value_name = "PATH", env = "DELIVERY_API_KEY_FILE")]
    api_key_file: Option<std::path::PathBuf>,
    /// A file holding the 64 hex digits of the key that encrypts signing secrets at rest. Without it (or
    /// DELIVERY_SECRETS_KEY), a SQLite database gets a key file made beside it; Postgres needs one given.
    #[arg(long, value_name = "PATH", env = "DELIVERY_SECRETS_KEY_FILE")]
    secrets_key_file: Option<std::path::PathBuf>,
    /// Run only the worker, no API (scale out deliveries on Postgres).
    #[arg(long, env = "DELIVERY_WORKER_ONLY")]
    worker_only: bool,
    /// Run only the API, no worker.
    #[arg(long, env = "DELIVERY_API_ONLY", conflicts_with = "worker_only")]
    api_only: bool,
    /// DEVELOPMENT ONLY: allow http:// and loopback targets (127.0.0.1, ::1, localhost).
    #[arg(long, env = "DELIVERY_ALLOW_INSECURE_LOOPBACK")]
    allow_insecure_loopback: bool,
    /// Ordinary API connections served at once (live streams are counted apart). When every one is taken, a new
    /// connection takes the place of the one that has waited longest on its client.
    #[arg(long, value_name = "N", env = "DELIVERY_MAX_CONNECTIONS", default_value_t = defaults::MAX_CONNECTIONS)]
    max_connections: usize,
    /// Live streams open at once over the whole service.
    #[arg(long, value_name = "N", env = "DELIVERY_MAX_STREAMS", default_value_t = defaults::MAX_STREAMS)]
    max_streams: usize,
    /// Live streams open at once per account, and per key (then 429 too_many_streams).
    #[arg(long, value_name = "N", env = "DELIVERY_MAX_STREAMS_PER_ACCOUNT", default_value_t = defaults::MAX_STREAMS_PER_ACCOUNT)]
    max_streams_per_account: usize,
    /// Seconds a live stream lasts before it ends (clients resume with Last-Event-ID).
    #[arg(long, value_name = "N", env = "DELIVERY_STREAM_MAX_SECONDS", default_value_t = defaults::STREAM_MAX_SECONDS)]
    stream_max_seconds: u64,
    /// Seconds an API client has to send a request's headers, and then its body.
    #[arg(long, value_name = "N", env = "DELIVERY_REQUEST_READ_TIMEOUT_SECONDS", default_value_t = defaults::REQUEST_READ_TIMEOUT_SECONDS)]
    request_read_timeout_seconds: u64,
    /// Requests in flight at once, over all endpoints.
    #[arg(long, value_name = "N", env = "DELIVERY_CONCURRENCY", default_value_t = defaults::CONCURRENCY)]
    concurrency: usize,
    /// Seconds a claimed delivery is held before another worker may take it over.
    #[arg(long, value_name = "N", env = "DELIVERY_LEASE_SECONDS", default_value_t = defaults::LEASE_SECONDS)]
    lease_seconds: u64,
    /// Delivery request timeout in seconds.
    #[arg(long, value_name = "N", env = "DELIVERY_REQUEST_TIMEOUT_SECONDS", default_value_t = defaults::REQUEST_TIMEOUT_SECONDS)]
    request_timeout_seconds: u64,
    /// Milliseconds between queue polls when idle.
    #[arg(long, value_name = "N", env = "DELIVERY_POLL_MS", default_value_t = defaults::POLL_MS)]
    poll_ms: u64,
    /// Days of delivery history to keep.
    #[arg(long, value_name = "N", env = "DELIVERY_RETENTION_DAYS", default_value_t = defaults::RETENTION_DAYS)]
    retention_days: u64,
    /// Days an expired secret is kept (listed, deletable) before it is purged.
    #[arg(long, value_name = "N", env = "DELIVERY_EXPIRED_SECRET_RETENTION_DAYS", default_value_t = defaults::EXPIRED_SECRET_RETENTION_DAYS)]
    expired_secret_retention_days: u64,
    /// Delay after the first failure, in ms (default 30000, the core's schedule; it doubles up to the cap).
    #[arg(long, value_name = "N", env = "DELIVERY_RETRY_BASE_MS")]
    retry_base_ms: Option<u64>,
    /// Cap of the retry delay, in ms (default 7200000: 2 h).
    #[arg(long, value_name = "N", env = "DELIVERY_RETRY_MAX_MS")]
    retry_max_ms: Option<u64>,
    /// Retries after the first attempt (default 10).
    #[arg(long, value_name = "N", env = "DELIVERY_MAX_RETRIES")]
    max_retries: Option<u32>,
    /// Run the service clock this many times faster than real time (demos of the retry schedule).
    #[arg(long, value_name = "N", env = "DELIVERY_TIME_SCALE", default_value_t = 1)]
    time_scale: u32,
    /// Fixed DNS answer, `host=ip` (may be repeated), like curl --resolve.
    #[arg(value_name = "HOST=IP", long = "resolve", value_parser = parse_resolve)]
    resolve: Vec<(String, IpAddr)>,
    /// Service-wide operational webhook: every account's notices (endpoint disabled, delivery given up, only
    /// secret expiring) also go there, signed with the `whsec_` secret in DELIVERY_OPERATIONAL_WEBHOOK_SECRET or
    /// --operational-webhook-secret-file.
    #[arg(long, value_name = "URL", env = "DELIVERY_OPERATIONAL_WEBHOOK_URL")]
    operational_webhook_url: Option<String>,
    /// The base URL people reach the service at (e.g. https://webhooks.example.com): console links are made
    /// under it. Without it, console links are paths (`/console/enter?token=…`).
    #[arg(long, value_name = "URL", env = "DELIVERY_PUBLIC_URL")]
    public_url: Option<String>,
    /// Origins that may show the console in a frame (the platform's settings page), comma-separated, e.g.
    /// https://app.example.com. The console's cookies then become SameSite=None; Secure; Partitioned, so the
    /// service must be reached over https.
    #[arg(long, value_name = "ORIGINS", env = "DELIVERY_CONSOLE_FRAME_ANCESTORS", value_delimiter = ',')]
    console_frame_ancestors: Vec<String>,
    /// The console header's name in place of "Webhooks" (the platform's own).
    #[arg(long, value_name = "NAME", env = "DELIVERY_CONSOLE_BRAND_NAME")]
    console_brand_name: Option<String>,
    /// A logo shown before the name: an https URL or a path on this service.
    #[arg(long, value_name = "URL", env = "DELIVERY_CONSOLE_LOGO_URL")]
    console_logo_url: Option<String>,
    /// The console's accent colour (links, primary buttons) as #rrggbb; refused below 4.5:1 contrast on white.
    #[arg(long, value_name = "#RRGGBB", env = "DELIVERY_CONSOLE_ACCENT")]
    console_accent: Option<String>,
    /// A font family for the console that the platform's pages already load (nothing is fetched).
    #[arg(long, value_name = "FAMILY", env = "DELIVERY_CONSOLE_FONT")]
    console_font: Option<String>,
    /// How log lines are written: `text` for people, `json` (one object per line) for a log pipeline.
    #[arg(long, value_name = "FORMAT", env = "DELIVERY_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Serve Prometheus metrics at http://ADDR/metrics (a listener of its own, e.g. 127.0.0.1:9090).
    #[arg(long, value_name = "ADDR", env = "DELIVERY_METRICS_LISTEN")]
    metrics_listen: Option<SocketAddr>,
    /// Print the API's OpenAPI 3.1 document and exit.
    #[arg(long)]
    openapi: bool,
    /// Print these options as a Markdown table and exit (`make generate` puts it in the README).
    #[arg(long, hide = true)]
    options_markdown: bool,
    /// Print a new strong admin API key (192 bits from the OS generator) and exit.
    #[arg(long)]
    generate_api_key: bool,
    /// File holding the service-wide operational webhook's `whsec_` secret.
    #[arg(long, value_name = "PATH", env = "DELIVERY_OPERATIONAL_WEBHOOK_SECRET_FILE")]
    operational_webhook_secret_file: Option<std::path::PathBuf>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The options as a Markdown table (flag, environment variable, default, what it does), from clap's own description,
/// so the README's table cannot drift from `--help`.
fn options_markdown() -> String {
    use clap::CommandFactory;
    let mut table = String::from("| option | environment | default | what it does |\n|---|---|---|---|\n");
    for arg in Options::command().get_arguments() {
        let Some(long) = arg.get_long() else { continue };
        if arg.is_hide_set() || long == "help" || long == "version" {
            continue;
        }
        let takes_value = arg.get_action().takes_values();
        let flag = match arg.get_value_names() {
            _ if !takes_value => format!("`--{long}`"),
            Some([name, ..]) => format!("`--{long} <{name}>`"),
            _ => format!("`--{long} <{}>`", arg.get_id().as_str().to_uppercase()),
        };
        let env = arg.get_env().map(|name| format!("`{}`", name.to_string_lossy())).unwrap_or_default();
        let default: Vec<String> =
            arg.get_default_values().iter().map(|value| value.to_string_lossy().into_owned()).collect();
        let default = if default.is_empty() { String::new() } else { format!("`{}`", default.join(",")) };
        let help = arg.get_long_help().or(arg.get_help()).map(|text| text.to_string()).unwrap_or_default();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ").replace('|', "\\|");
        table.push_str(&format!("| {flag} | {env} | {default} | {help} |\n"));
    }
    table
}

fn parse_resolve(text: &str) -> Result<(String, IpAddr), String> {
    let (host, ip) = text.split_once('=').ok_or("expected host=ip")?;
    Ok((host.to_owned(), ip.parse().map_err(|e| format!("{ip}: {e}"))?))
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = Options::parse();
    let filter = || {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
    };
    match options.log_format {
        // One JSON object per line, with the fields of the spans a line is in (a delivery's id, endpoint, account).
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
        // Colours only for a terminal: a container's log driver or a file gets plain text.
        LogFormat::Text => tracing_subscriber::fmt()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_env_filter(filter())
            .with_writer(std::io::stderr)
            .init(),
    }
    if options.openapi {
        print!("{}", delivery_service::http::openapi::document());
        return ExitCode::SUCCESS;
    }
    if options.options_markdown {
        print!("{}", options_markdown());
        return ExitCode::SUCCESS;
    }
    if options.generate_api_key {
        return match delivery_service::service::generate_admin_key() {
            Ok(key) => {
                println!("{key}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: the OS random generator failed: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let defaults = RetrySchedule::default();
    let schedule = RetrySchedule {
        base_delay_ms: options.retry_base_ms.unwrap_or(defaults.base_delay_ms),
        max_delay_ms: options.retry_max_ms.unwrap_or(defaults.max_delay_ms),
        max_retries: options.max_retries.unwrap_or(defaults.max_retries),
        ..defaults
    }
    .validate();
    let schedule = match schedule {
        Ok(schedule) => schedule,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let mut resolve: HashMap<String, Vec<IpAddr>> = HashMap::new();
    for (host, ip) in options.resolve {
        resolve.entry(host).or_default().push(ip);
    }
    let mut api_keys = options.api_keys;
    if let Some(file) = &options.api_key_file {
        match std::fs::read_to_string(file) {
            Ok(text) => api_keys.extend(text.lines().map(str::trim).filter(|line| !line.is_empty()).map(str::to_owned)),
            Err(error) => {
                eprintln!("error: reading the API key file {}: {error}", file.display());
                return ExitCode::from(2);
            }
        }
    }
    // Like the API keys, the secret comes from the environment or a file, never from argv.
    let operational_webhook = match options.operational_webhook_url {
        None => None,
        Some(url) => {
            let secret = match &options.operational_webhook_secret_file {
                Some(file) => match std::fs::read_to_string(file) {
                    Ok(text) => text.trim().to_owned(),
                    Err(error) => {
                        eprintln!("error: reading the operational webhook secret file {}: {error}", file.display());
                        return ExitCode::from(2);
                    }
                },
                None => std::env::var("DELIVERY_OPERATIONAL_WEBHOOK_SECRET").unwrap_or_default(),
            };
            if secret.is_empty() {
                eprintln!(
                    "error: --operational-webhook-url needs its whsec_ secret in DELIVERY_OPERATIONAL_WEBHOOK_SECRET \
                     or --operational-webhook-secret-file"
                );
                return ExitCode::from(2);
            }
            Some(delivery_service::delivery::operational::ServiceWide { url, secret })
        }
    };
    let defaults = Settings::default();
    let request_timeout = Duration::from_secs(options.request_timeout_seconds.max(1));
    let settings = Settings {
        database_url: options.database_url,
        listen: (!options.worker_only).then_some(options.listen),
        api_keys,
        // The key itself is read from the environment only, never from argv (the process list shows argv).
        secrets_key: match (options.secrets_key_file, std::env::var("DELIVERY_SECRETS_KEY").ok()) {
            (Some(path), _) => KeySource::File(path),
            (None, Some(hex)) => KeySource::Hex(hex),
            (None, None) => KeySource::NextToDatabase,
        },
        allow_insecure_loopback: options.allow_insecure_loopback,
        run_worker: !options.api_only,
        worker: delivery_service::delivery::worker::WorkerSettings {
            concurrency: options.concurrency.max(1),
            lease_ms: i64::try_from(options.lease_seconds.saturating_mul(1000)).unwrap_or(i64::MAX),
            poll_interval: Duration::from_millis(options.poll_ms.max(1)),
            schedule,
            ..defaults.worker.clone()
        },
        request_timeout,
        retention: Duration::from_secs(options.retention_days.saturating_mul(86_400)),
        expired_secret_retention: Duration::from_secs(options.expired_secret_retention_days.saturating_mul(86_400)),
        resolve,
        server: delivery_service::http::server::ServerLimits {
            max_connections: options.max_connections.max(1),
            header_read_timeout: Duration::from_secs(options.request_read_timeout_seconds.max(1)),
            body_read_timeout: Duration::from_secs(options.request_read_timeout_seconds.max(1)),
            streams: delivery_service::http::stream::StreamLimits {
                max_total: options.max_streams.max(1),
                per_account: options.max_streams_per_account.max(1),
                per_key: options.max_streams_per_account.max(1),
                max_lifetime: Duration::from_secs(options.stream_max_seconds.max(1)),
            },
            ..delivery_service::http::server::ServerLimits::default()
        },
        operational_webhook,
        public_url: options.public_url,
        console_look: delivery_service::console::ConsoleLook {
            frame_ancestors: options
                .console_frame_ancestors
                .into_iter()
                .map(|origin| origin.trim().to_owned())
                .collect(),
            brand_name: options.console_brand_name,
            logo_url: options.console_logo_url,
            accent: options.console_accent,
            font: options.console_font,
        },
        metrics_listen: options.metrics_listen,
        ..defaults
    };
    let clock: Arc<dyn Clock> =
        if options.time_scale > 1 { Arc::new(ScaledClock::new(options.time_scale)) } else { Arc::new(SystemClock) };
    let service = match Service::start(settings, clock).await {
        Ok(service) => service,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(address) = service.metrics_address {
        // Before the API's line: scripts read up to that one.
        println!("metrics on http://{address}/metrics");
    }
    if let Some(address) = service.address {
        // Machine-readable for scripts that start the service on port 0.
        println!("listening on http://{address}");
    }
    wait_for_signal().await;
    service.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
