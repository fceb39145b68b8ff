//! The API's HTTP server: axum's router behind an accept loop of its own, for the limits `axum::serve` does not
//! offer.
//!
//! - **Connections**: at most `max_connections` ordinary connections at once. When every slot is taken, a new
//!   connection takes the slot of the one that has waited on its client longest (for a request's head or body),
//!   so clients that connect and then stall — one account's, or anyone's before signing in — cannot lock out
//!   the API, event intake or `/healthz`; only connections the service is working for are never closed this way.
//! - **Heads and bodies**: a connection must send a request's head within `header_read_timeout`; every request's
//!   body is read here, before any route, within `body_read_timeout` and up to a size limit (2 MB for the API, a
//!   few KB for the console's forms): 408 `request_timeout` or 413 `payload_too_large` otherwise. One layer for the
//!   whole router: no route can read a body without a limit.
//! - **Streams**: a live stream (`…/stream`) leaves the ordinary slots when it starts ([`ConnectionHandle::streaming`]);
//!   streams have their own caps ([`crate::http::stream`]), so they cannot take slots from ordinary requests.
//!
//! At shutdown each connection finishes its request in flight and closes.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use tower::ServiceExt;

use crate::http::error::{ApiError, ErrorCode};
use crate::http::stream::StreamLimits;

/// The server's limits.
#[derive(Debug, Clone, Copy)]
pub struct ServerLimits {
    /// Ordinary connections served at once (live streams are counted apart, by [`StreamLimits`]).
    pub max_connections: usize,
    /// Time for a connection to send a request's head (and between requests on a kept-alive connection).
    pub header_read_timeout: Duration,
    /// Time to read a request's body.
    pub body_read_timeout: Duration,
    /// Largest API request body.
    pub max_api_body: usize,
    /// Largest console request body (its forms are small).
    pub max_console_body: usize,
    /// Live streams' caps and lifetime.
    pub streams: StreamLimits,
}

impl Default for ServerLimits {
    fn default() -> Self {
        use crate::settings::defaults;
        Self {
            max_connections: defaults::MAX_CONNECTIONS,
            header_read_timeout: Duration::from_secs(defaults::REQUEST_READ_TIMEOUT_SECONDS),
            body_read_timeout: Duration::from_secs(defaults::REQUEST_READ_TIMEOUT_SECONDS),
            max_api_body: defaults::MAX_API_BODY_BYTES,
            max_console_body: defaults::MAX_CONSOLE_BODY_BYTES,
            streams: StreamLimits::default(),
        }
    }
}

/// How long a connection must have waited on its client before another may take its slot: a client that has
/// just connected is sending its request.
const EVICTABLE_AFTER_MS: u64 = 50;

/// What a connection is doing, as the eviction sees it.
const WAITING: u8 = 0;
/// Reading a request's body.
const READING: u8 = 1;
/// The service is answering: never evicted.
const WORKING: u8 = 2;
/// Carrying a live stream: outside the ordinary slots, never evicted.
const STREAMING: u8 = 3;

/// One connection's state, shared by its task, its requests and the accept loop.
struct Connection {
    phase: AtomicU8,
    /// When the phase last changed (ms since the server started).
    since_ms: AtomicU64,
    /// Its ordinary slot, while it holds one.
    slot: Mutex<Option<OwnedSemaphorePermit>>,
    /// Closes the connection (it was evicted).
    close: Notify,
    epoch: Instant,
}

impl Connection {
    fn set(&self, phase: u8) {
        self.phase.store(phase, Ordering::SeqCst);
        self.since_ms.store(u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }
}

/// A request's connection, in the request's extensions (absent for in-process requests, such as the console's).
#[derive(Clone)]
pub struct ConnectionHandle(Arc<Connection>);

impl ConnectionHandle {
    /// The connection carries a live stream from now on: it gives its ordinary slot back (streams are counted
    /// apart) and is never evicted.
    pub fn streaming(&self) {
        self.0.set(STREAMING);
        drop(self.0.slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take());
    }

    fn working(&self) {
        self.0.set(WORKING);
    }
}

/// Serves `app` on `listener` until `stop` turns true; returns once every connection has closed.
pub async fn serve(listener: TcpListener, app: Router, limits: ServerLimits, mut stop: watch::Receiver<bool>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let open: Arc<Mutex<HashMap<u64, Arc<Connection>>>> = Arc::default();
    let epoch = Instant::now();
    let mut next_id: u64 = 0;
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = until_stopped(&mut stop) => break,
            // Reap finished connections as they go, so the set does not grow with the process's life.
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: wait a moment rather than spin.
                tracing::warn!(%error, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => match evict_one(&open, &slots, epoch).await {
                Some(slot) => slot,
                None => {
                    tracing::warn!(max = limits.max_connections, "every connection is busy; closing a new connection");
                    drop(stream);
                    continue;
                }
            },
        };
        let connection = Arc::new(Connection {
            phase: AtomicU8::new(WAITING),
            since_ms: AtomicU64::new(0),
            slot: Mutex::new(Some(slot)),
            close: Notify::new(),
            epoch,
        });
        connection.set(WAITING);
        next_id += 1;
        let id = next_id;
        open.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id, connection.clone());
        let open = open.clone();
        let app = app.clone();
        let mut stop = stop.clone();
        connections.spawn(async move {
            let handle = ConnectionHandle(connection.clone());
            let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
                answer(app.clone(), handle.clone(), limits, request)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
            let served = builder.serve_connection(TokioIo::new(stream), service);
            let mut served = std::pin::pin!(served);
            tokio::select! {
                _ = served.as_mut() => {}
                () = connection.close.notified() => {}
                () = until_stopped(&mut stop) => {
                    served.as_mut().graceful_shutdown();
                    let _ = served.await;
                }
            }
            open.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&id);
        });
    }
    while connections.join_next().await.is_some() {}
}

/// Closes the connection that has waited on its client longest (for a request's head or body) and takes its
/// slot; `None` when every connection is being worked for.
async fn evict_one(
    open: &Mutex<HashMap<u64, Arc<Connection>>>,
    slots: &Arc<Semaphore>,
    epoch: Instant,
) -> Option<OwnedSemaphorePermit> {
    let now_ms = u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
    let victim = {
        let open = open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        open.values()
            .filter(|connection| matches!(connection.phase.load(Ordering::SeqCst), WAITING | READING))
            .filter(|connection| {
                now_ms.saturating_sub(connection.since_ms.load(Ordering::SeqCst)) >= EVICTABLE_AFTER_MS
            })
            .min_by_key(|connection| connection.since_ms.load(Ordering::SeqCst))
            .cloned()
    }?;
    // Marked working so no other accept picks it too; its task drops the connection and the slot with it.
    victim.set(WORKING);
    victim.close.notify_one();
    // Its slot comes back once the last reference to it is gone: this one too.
    drop(victim);
    tokio::time::timeout(Duration::from_secs(1), slots.clone().acquire_owned()).await.ok()?.ok()
}

/// One request: its body read within the limits, then the router.
async fn answer(
    app: Router,
    handle: ConnectionHandle,
    limits: ServerLimits,
    request: hyper::Request<hyper::body::Incoming>,
) -> Result<Response, std::convert::Infallible> {
    handle.0.set(READING);
    let (mut parts, body) = request.into_parts();
    let console = parts.uri.path() == "/console" || parts.uri.path().starts_with("/console/");
    let most = if console { limits.max_console_body } else { limits.max_api_body };
    let response = match read_body(body, most, limits.body_read_timeout).await {
        Ok(bytes) => {
            handle.working();
            parts.extensions.insert(handle.clone());
            let Ok(response) = app.oneshot(Request::from_parts(parts, Body::from(bytes))).await;
            response
        }
        Err(refusal) => {
            handle.working();
            let mut response = refusal.into_response();
            // The rest of the body is unread: the connection cannot carry another request.
            response.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
            response
        }
    };
    if handle.0.phase.load(Ordering::SeqCst) != STREAMING {
        handle.0.set(WAITING);
    }
    Ok(response)
}

/// The whole body, at most `most` bytes, within `within`.
async fn read_body(body: hyper::body::Incoming, most: usize, within: Duration) -> Result<axum::body::Bytes, ApiError> {
    use http_body_util::BodyExt;
    let limited = http_body_util::Limited::new(body, most);
    match tokio::time::timeout(within, limited.collect()).await {
        Err(_) => Err(ApiError::new(
            ErrorCode::RequestTimeout,
            format!("the request body did not arrive within {} s", within.as_secs()),
        )),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => Err(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("the request body is over this route's limit ({most} bytes)"),
        )),
        Ok(Err(error)) => {
            Err(ApiError::new(ErrorCode::InvalidJson, format!("the request body could not be read: {error}")))
        }
    }
}

/// Resolves once `stop` is true (the guard `wait_for` returns is dropped here, not held across the caller's awaits).
async fn until_stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}
