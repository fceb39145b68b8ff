//! The console's sign-in links and sessions. Tokens and session ids are random (256 bits) and stored as SHA-256
//! hashes, so a copy of the database opens nothing; a link is used once, a session ends after an idle time.

use sqlx::Row;

use super::Store;

/// A console session as its requests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The account it may see; `None` for an admin session (every account).
    pub account_id: Option<String>,
    /// The token every form of the session carries.
    pub csrf: String,
    /// The API key that opened it (an admin key signed in, or the key that made the console link): revoking the
    /// key ends the session.
    pub key_id: String,
}

/// A console link that may still be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLink {
    /// The account it opens.
    pub account_id: String,
    /// The key that made it.
    pub key_id: String,
}

/// How opening a link ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkUse {
    /// The link was good: the account it opens and the key that made it.
    Opened(ConsoleLink),
    /// Unknown, already used or expired.
    Refused,
}

impl Store {
    /// Stores a sign-in link for `account_id`, made by the key `key_id`, valid until `expires_at` (unix ms).
    pub async fn add_console_link(
        &self,
        token_hash: &str,
        link: &ConsoleLink,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO console_links (token_hash, account_id, key_id, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(&link.account_id)
        .bind(&link.key_id)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A link that is still good (unused, not expired), without using it: what its confirmation page shows.
    pub async fn peek_console_link(&self, token_hash: &str, now: i64) -> Result<Option<ConsoleLink>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT account_id, key_id FROM console_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok(ConsoleLink { account_id: row.try_get("account_id")?, key_id: row.try_get("key_id")? }))
            .transpose()
    }

    /// Uses a link: marks it used in the same statement that checks it, so two requests racing with one link
    /// cannot both open a session.
    pub async fn use_console_link(&self, token_hash: &str, now: i64) -> Result<LinkUse, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "UPDATE console_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING account_id, key_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(match row {
            Some(row) => {
                LinkUse::Opened(ConsoleLink { account_id: row.try_get("account_id")?, key_id: row.try_get("key_id")? })
            }
            None => LinkUse::Refused,
        })
    }

    /// Opens a session (its id hashed), for `account_id` or, with `None`, for an admin; `key_id` is the key it
    /// stands on.
    pub async fn open_console_session(
        &self,
        id_hash: &str,
        account_id: Option<&str>,
        key_id: &str,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, account_id, key_id, csrf, created_at, seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $5, $6)",
        )
        .bind(id_hash)
        .bind(account_id)
        .bind(key_id)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session of a cookie, if it is live: not past its end, seen within `idle_ms`, and its key not revoked.
    /// Each use moves its idle clock.
    pub async fn console_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<ConsoleSession>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let row = sqlx::query(
            "UPDATE console_sessions SET seen_at = $2 WHERE id_hash = $1 AND expires_at > $2 AND seen_at + $3 > $2
             AND EXISTS (SELECT 1 FROM api_keys k WHERE k.id = console_sessions.key_id AND k.revoked_at IS NULL)
             RETURNING account_id, csrf, key_id",
        )
        .bind(id_hash)
        .bind(now)
        .bind(idle_ms)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        row.map(|row| {
            Ok(ConsoleSession {
                account_id: row.try_get("account_id")?,
                csrf: row.try_get("csrf")?,
                key_id: row.try_get("key_id")?,
            })
        })
        .transpose()
    }

    /// Ends a session.
    pub async fn close_console_session(&self, id_hash: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1").bind(id_hash).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session and unused link that stands on a key (it was revoked).
    pub async fn end_console_access_of_key(&self, key_id: &str) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM console_sessions WHERE key_id = $1").bind(key_id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM console_links WHERE key_id = $1 AND used_at IS NULL")
            .bind(key_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await
    }

    /// Whether the key with this id exists and is not revoked.
    pub async fn key_is_live(&self, key_id: &str) -> Result<bool, sqlx::Error> {
        let row = sqlx::query("SELECT 1 AS live FROM api_keys WHERE id = $1 AND revoked_at IS NULL")
            .bind(key_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

/// Upper bounds (ms) of the latency buckets the console's percentiles and charts are read from.
pub const LATENCY_BUCKETS_MS: [i64; 11] = [10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000];

/// Attempts of one endpoint in one hour (or in a whole window), counted by outcome, error class and latency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttemptCounts {
    /// Successful attempts.
    pub successes: i64,
    /// Failed attempts by class: `timeout`, `dns`, `tls`, `connect`, `network`, `http 4xx`, `http 5xx`, …
    pub failures: std::collections::BTreeMap<String, i64>,
    /// Attempts per latency bucket ([`LATENCY_BUCKETS_MS`], one more for slower ones).
    pub latency: [i64; LATENCY_BUCKETS_MS.len() + 1],
}

impl AttemptCounts {
    /// Every attempt counted.
    pub fn total(&self) -> i64 {
        self.successes + self.failures.values().sum::<i64>()
    }

    /// The upper bound (ms) of the bucket holding the `quantile` (0–1) of the latencies; `None` without attempts
    /// or past the last bound.
    pub fn latency_at_most(&self, quantile: f64) -> Option<i64> {
        let total = self.latency.iter().sum::<i64>();
        if total == 0 {
            return None;
        }
        let wanted = (quantile * total as f64).ceil().max(1.0) as i64;
        let mut seen = 0;
        for (index, count) in self.latency.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return LATENCY_BUCKETS_MS.get(index).copied();
            }
        }
        None
    }
}

/// The class an attempt is counted under: empty for a success, HTTP failures by their family, other failures by
/// their error class.
pub fn outcome_class(succeeded: bool, error_class: Option<&str>, status_code: Option<i64>) -> String {
    match (succeeded, error_class) {
        (true, _) => String::new(),
        (false, Some("http")) if status_code.is_some_and(|code| code < 500) => "http 4xx".into(),
        (false, Some("http")) => "http 5xx".into(),
        (false, class) => class.unwrap_or("other").into(),
    }
}

/// The latency bucket of `latency_ms` ([`LATENCY_BUCKETS_MS`]; the last one is for anything slower).
pub fn latency_bucket(latency_ms: i64) -> i64 {
    LATENCY_BUCKETS_MS.iter().position(|bound| latency_ms < *bound).unwrap_or(LATENCY_BUCKETS_MS.len()) as i64
}

/// One hour's count of one endpoint's attempts of one class and latency bucket, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HourKey {
    /// The endpoint.
    pub endpoint_id: String,
    /// Its account.
    pub account_id: String,
    /// The hour's start (unix ms).
    pub hour: i64,
    /// See [`outcome_class`].
    pub class: String,
    /// See [`latency_bucket`].
    pub bucket: i64,
}

fn add_row(counts: &mut AttemptCounts, row: &sqlx::any::AnyRow) -> Result<(), sqlx::Error> {
    let class: String = row.try_get("class")?;
    let bucket = usize::try_from(row.try_get::<i64, _>("bucket")?).unwrap_or(0);
    let n: i64 = row.try_get("n")?;
    if class.is_empty() {
        counts.successes += n;
    } else {
        *counts.failures.entry(class).or_default() += n;
    }
    if let Some(slot) = counts.latency.get_mut(bucket) {
        *slot += n;
    }
    Ok(())
}

/// Hour rows written by one statement (6 parameters each).
const HOUR_ROWS_PER_STATEMENT: usize = 200;

impl Store {
    /// Adds counted attempts to their hours, inside the transaction that records them.
    pub(crate) async fn add_attempt_hours(
        &self,
        tx: &mut sqlx::AnyConnection,
        counts: &std::collections::BTreeMap<HourKey, i64>,
    ) -> Result<(), sqlx::Error> {
        let rows: Vec<(&HourKey, &i64)> = counts.iter().collect();
        for chunk in rows.chunks(HOUR_ROWS_PER_STATEMENT) {
            let mut params = self.params();
            let values = params.rows(chunk.len(), 6);
            let statement = format!(
                "INSERT INTO attempt_hours (endpoint_id, account_id, hour, class, bucket, n) VALUES {values}
                 ON CONFLICT (endpoint_id, hour, class, bucket) DO UPDATE SET n = attempt_hours.n + excluded.n"
            );
            let mut query = sqlx::query(&statement);
            for (key, n) in chunk {
                query = query
                    .bind(&key.endpoint_id)
                    .bind(&key.account_id)
                    .bind(key.hour)
                    .bind(&key.class)
                    .bind(key.bucket)
                    .bind(**n);
            }
            query.execute(&mut *tx).await?;
        }
        Ok(())
    }

    /// Each endpoint's attempts of an account in the hours since `since` (unix ms; its whole hour counts): for the
    /// endpoints list.
    pub async fn attempt_counts_by_endpoint(
        &self,
        account_id: &str,
        since: i64,
    ) -> Result<std::collections::HashMap<String, AttemptCounts>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT endpoint_id, class, bucket, CAST(SUM(n) AS BIGINT) AS n FROM attempt_hours
             WHERE account_id = $1 AND hour >= $2
             GROUP BY endpoint_id, class, bucket",
        )
        .bind(account_id)
        .bind(since - since.rem_euclid(3_600_000))
        .fetch_all(&self.pool)
        .await?;
        let mut counts: std::collections::HashMap<String, AttemptCounts> = std::collections::HashMap::new();
        for row in &rows {
            add_row(counts.entry(row.try_get("endpoint_id")?).or_default(), row)?;
        }
        Ok(counts)
    }

    /// One endpoint's attempts per hour since `since` (unix ms; its whole hour counts), oldest first:
    /// `(hour start, counts)`.
    pub async fn attempt_counts_by_hour(
        &self,
        endpoint_id: &str,
        since: i64,
    ) -> Result<Vec<(i64, AttemptCounts)>, sqlx::Error> {
        let rows =
            sqlx::query("SELECT hour, class, bucket, n FROM attempt_hours WHERE endpoint_id = $1 AND hour >= $2")
                .bind(endpoint_id)
                .bind(since - since.rem_euclid(3_600_000))
                .fetch_all(&self.pool)
                .await?;
        let mut hours: std::collections::BTreeMap<i64, AttemptCounts> = std::collections::BTreeMap::new();
        for row in &rows {
            add_row(hours.entry(row.try_get("hour")?).or_default(), row)?;
        }
        Ok(hours.into_iter().collect())
    }

    /// When the endpoint last accepted an attempt (unix ms).
    pub async fn last_success(&self, endpoint_id: &str) -> Result<Option<i64>, sqlx::Error> {
        let row = sqlx::query(
            "SELECT started_at FROM attempts WHERE endpoint_id = $1 AND outcome = 'success'
             ORDER BY started_at DESC LIMIT 1",
        )
        .bind(endpoint_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| row.try_get("started_at")).transpose()
    }
}
