//! The console's figures: attempts counted per endpoint and hour by outcome class and latency bucket, kept as
//! outcomes are recorded, so rates, percentiles and charts read a few hundred rows instead of every attempt.

use std::collections::{BTreeMap, HashMap};

use sqlx::Row;

use super::Store;
use crate::model::{AttemptCounts, HourKey};

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
        counts: &BTreeMap<HourKey, i64>,
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
    ) -> Result<HashMap<String, AttemptCounts>, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT endpoint_id, class, bucket, CAST(SUM(n) AS BIGINT) AS n FROM attempt_hours
             WHERE account_id = $1 AND hour >= $2
             GROUP BY endpoint_id, class, bucket",
        )
        .bind(account_id)
        .bind(since - since.rem_euclid(3_600_000))
        .fetch_all(&self.pool)
        .await?;
        let mut counts: HashMap<String, AttemptCounts> = HashMap::new();
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
        let mut hours: BTreeMap<i64, AttemptCounts> = BTreeMap::new();
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
