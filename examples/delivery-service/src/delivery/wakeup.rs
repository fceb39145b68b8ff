//! Wakes this process's worker when another process announces due work. On Postgres every worker process listens on
//! [`DUE_CHANNEL`] (sqlx's `PgListener`) and a notification wakes its dispatcher at once, so an event posted to an
//! API process on another machine is claimed within milliseconds instead of at the next poll
//! ([`crate::store::Store::announce_due`] sends them). The poll stays as the safety net: a notification sent while
//! the listener is reconnecting is lost and costs one poll interval, never a delivery.

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

use crate::store::DUE_CHANNEL;

/// Longest wait between two attempts to (re)connect the listener.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Listens for announcements on `database_url` (a Postgres URL) until `shutdown` turns true, waking `wake` for each.
pub fn spawn(database_url: String, wake: Arc<Notify>, mut shutdown: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        // For the process's life, on purpose: while the listener is down the poll covers, and the backoff is capped
        // at 5 s so a database back from an outage is heard again soon.
        let mut failures: u32 = 0;
        while !*shutdown.borrow() {
            match listen(&database_url, &wake, &mut shutdown).await {
                Ok(()) => return,
                Err(error) => {
                    failures = failures.saturating_add(1);
                    let backoff = Duration::from_millis(100u64 << failures.min(6)).min(MAX_BACKOFF);
                    tracing::warn!(%error, retry_in_ms = backoff.as_millis(), "listening for due work failed; polling meanwhile");
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => {}
                        _ = shutdown.changed() => {}
                    }
                }
            }
        }
    })
}

/// One listening connection: wakes the worker for each notification until shutdown (`Ok`) or a failure (`Err`).
/// A connection lost in between is reconnected by `PgListener::recv` itself.
async fn listen(database_url: &str, wake: &Notify, shutdown: &mut watch::Receiver<bool>) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(database_url).await?;
    listener.listen(DUE_CHANNEL).await?;
    // Work announced before this connection listened is found by this wake-up's claim.
    wake.notify_one();
    loop {
        tokio::select! {
            notification = listener.recv() => {
                notification?;
                wake.notify_one();
            }
            _ = shutdown.changed() => return Ok(()),
        }
    }
}
