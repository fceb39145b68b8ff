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
}

/// How opening a link ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkUse {
    /// The link was good: the account it opens.
    Opened(String),
    /// Unknown, already used or expired.
    Refused,
}

impl Store {
    /// Stores a sign-in link for `account_id`, valid until `expires_at` (unix ms).
    pub async fn add_console_link(
        &self,
        token_hash: &str,
        account_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        sqlx::query(
            "INSERT INTO console_links (token_hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Uses a link: marks it used in the same statement that checks it, so two requests racing with one link
    /// cannot both open a session.
    pub async fn use_console_link(&self, token_hash: &str, now: i64) -> Result<LinkUse, sqlx::Error> {
        let _writing = self.writing().await;
        let row = sqlx::query(
            "UPDATE console_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING account_id",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(row) => LinkUse::Opened(row.try_get("account_id")?),
            None => LinkUse::Refused,
        })
    }

    /// Opens a session (its id hashed), for `account_id` or, with `None`, for an admin.
    pub async fn open_console_session(
        &self,
        id_hash: &str,
        account_id: Option<&str>,
        csrf: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        sqlx::query(
            "INSERT INTO console_sessions (id_hash, account_id, csrf, created_at, seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $4, $5)",
        )
        .bind(id_hash)
        .bind(account_id)
        .bind(csrf)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session of a cookie, if it is live: not past its end and seen within `idle_ms`. Each use moves its
    /// idle clock.
    pub async fn console_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<ConsoleSession>, sqlx::Error> {
        let _writing = self.writing().await;
        let row = sqlx::query(
            "UPDATE console_sessions SET seen_at = $2 WHERE id_hash = $1 AND expires_at > $2 AND seen_at + $3 > $2
             RETURNING account_id, csrf",
        )
        .bind(id_hash)
        .bind(now)
        .bind(idle_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| Ok(ConsoleSession { account_id: row.try_get("account_id")?, csrf: row.try_get("csrf")? }))
            .transpose()
    }

    /// Ends a session.
    pub async fn close_console_session(&self, id_hash: &str) -> Result<(), sqlx::Error> {
        let _writing = self.writing().await;
        sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1").bind(id_hash).execute(&self.pool).await?;
        Ok(())
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

/// The SQL that puts an attempt's latency in its bucket.
fn bucket_sql() -> String {
    let arms: String = LATENCY_BUCKETS_MS
        .iter()
        .enumerate()
        .map(|(index, bound)| format!(" WHEN latency_ms < {bound} THEN {index}"))
        .collect();
    format!("CASE{arms} ELSE {} END", LATENCY_BUCKETS_MS.len())
}

/// HTTP failures by their family, the other classes as they are.
const CLASS_SQL: &str =
    "CASE WHEN outcome = 'success' THEN '' WHEN error_class = 'http' AND status_code < 500 THEN 'http 4xx'
     WHEN error_class = 'http' THEN 'http 5xx' ELSE COALESCE(error_class, 'other') END";

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

impl Store {
    /// Each endpoint's attempts of an account since `since` (unix ms): for the endpoints list.
    pub async fn attempt_counts_by_endpoint(
        &self,
        account_id: &str,
        since: i64,
    ) -> Result<std::collections::HashMap<String, AttemptCounts>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT endpoint_id, {CLASS_SQL} AS class, {} AS bucket, COUNT(*) AS n FROM attempts
             WHERE account_id = $1 AND started_at >= $2 GROUP BY endpoint_id, 2, 3",
            bucket_sql()
        ))
        .bind(account_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut counts: std::collections::HashMap<String, AttemptCounts> = std::collections::HashMap::new();
        for row in &rows {
            add_row(counts.entry(row.try_get("endpoint_id")?).or_default(), row)?;
        }
        Ok(counts)
    }

    /// One endpoint's attempts per hour since `since` (unix ms), oldest first: `(hour start, counts)`.
    pub async fn attempt_counts_by_hour(
        &self,
        endpoint_id: &str,
        since: i64,
    ) -> Result<Vec<(i64, AttemptCounts)>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT started_at / 3600000 AS hour, {CLASS_SQL} AS class, {} AS bucket, COUNT(*) AS n FROM attempts
             WHERE endpoint_id = $1 AND started_at >= $2 GROUP BY 1, 2, 3",
            bucket_sql()
        ))
        .bind(endpoint_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        let mut hours: std::collections::BTreeMap<i64, AttemptCounts> = std::collections::BTreeMap::new();
        for row in &rows {
            let hour: i64 = row.try_get("hour")?;
            add_row(hours.entry(hour.saturating_mul(3_600_000)).or_default(), row)?;
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
