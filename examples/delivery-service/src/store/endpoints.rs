//! Endpoint configurations and their signing secrets (sealed at rest).

use std::collections::HashMap;

use dropship_webhooks::delivery::{EndpointHealth, HealthStatus};
use dropship_webhooks::endpoint::DeliveryMethod;
use dropship_webhooks::Scheme;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::dialect::bool_int;
use super::Store;
use crate::model::{EndpointRow, EndpointUpdate, SecretRow};
use crate::rules::ACTIVE_ENDPOINT_SQL;

impl Store {
    pub(crate) fn endpoint_from_row(row: &AnyRow) -> Result<EndpointRow, sqlx::Error> {
        let decode = |error: dropship_webhooks::WebhookError| sqlx::Error::Decode(Box::new(error));
        let topics: String = row.try_get("topics")?;
        let health: String = row.try_get("health")?;
        let failing_since: Option<i64> = row.try_get("failing_since")?;
        let number = |name: &str| -> Result<u32, sqlx::Error> {
            u32::try_from(row.try_get::<i64, _>(name)?).map_err(|e| sqlx::Error::Decode(Box::new(e)))
        };
        Ok(EndpointRow {
            id: row.try_get("id")?,
            disabled_reason: row.try_get("disabled_reason")?,
            slowed_until: row.try_get("slowed_until")?,
            last_success_at: row.try_get("last_success_at")?,
            due_at: row.try_get("due_at")?,
            account_id: row.try_get("account_id")?,
            url: row.try_get("url")?,
            description: row.try_get("description")?,
            topics: serde_json::from_str(&topics).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            method: DeliveryMethod::from_name(&row.try_get::<String, _>("method")?).map_err(decode)?,
            scheme: Scheme::from_name(&row.try_get::<String, _>("scheme")?).map_err(decode)?,
            rate_limit: number("rate_limit")?,
            burst_limit: number("burst_limit")?,
            enabled: row.try_get::<i64, _>("enabled")? != 0,
            health: EndpointHealth {
                status: HealthStatus::from_name(&health).map_err(decode)?,
                failing_since: failing_since.and_then(|since| u64::try_from(since).ok()),
            },
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }

    fn secret_from_row(&self, row: &AnyRow) -> Result<SecretRow, sqlx::Error> {
        let id: String = row.try_get("id")?;
        let stored: String = row.try_get("value")?;
        let value = self.sealer.open(&id, &stored).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        Ok(SecretRow {
            id,
            endpoint_id: row.try_get("endpoint_id")?,
            value,
            label: row.try_get("label")?,
            expires_at: row.try_get("expires_at")?,
            created_at: row.try_get("created_at")?,
        })
    }

    /// Inserts an endpoint with its first secret; `Ok(false)` if the URL is already configured in its account.
    pub async fn insert_endpoint(&self, endpoint: &EndpointRow, secret: &SecretRow) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let inserted = sqlx::query(
            "INSERT INTO endpoints (id, url, description, topics, method, scheme, rate_limit, burst_limit, enabled,
             health, failing_since, created_at, updated_at, account_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11, $11, $12) ON CONFLICT (account_id, url) DO NOTHING",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.url)
        .bind(&endpoint.description)
        .bind(serde_json::to_string(&endpoint.topics).unwrap_or_else(|_| "[]".into()))
        .bind(endpoint.method.name())
        .bind(endpoint.scheme.name())
        .bind(i64::from(endpoint.rate_limit))
        .bind(i64::from(endpoint.burst_limit))
        .bind(bool_int(endpoint.enabled))
        .bind(endpoint.health.status.name())
        .bind(endpoint.created_at)
        .bind(&endpoint.account_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        self.insert_secret_in(&mut tx, secret).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_secret_in(
        &self,
        executor: &mut sqlx::AnyConnection,
        secret: &SecretRow,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "INSERT INTO secrets (id, endpoint_id, value, label, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&secret.id)
        .bind(&secret.endpoint_id)
        .bind(self.sealer.seal(&secret.id, &secret.value).map_err(|error| sqlx::Error::Encode(Box::new(error)))?)
        .bind(secret.label.clone())
        .bind(secret.expires_at)
        .bind(secret.created_at)
        .execute(&mut *executor)
        .await?;
        Ok(())
    }

    /// Adds a secret to an endpoint.
    pub async fn insert_secret(&self, secret: &SecretRow) -> Result<(), sqlx::Error> {
        let mut tx = self.write_tx().await?;
        self.insert_secret_in(&mut tx, secret).await?;
        tx.commit().await
    }

    /// Rewrites an endpoint as `endpoint`, only if it is still exactly `previous` (compare-and-set): a worker's
    /// health verdict or another edit that landed since the read is never overwritten with stale values.
    pub async fn update_endpoint(
        &self,
        previous: &EndpointRow,
        endpoint: &EndpointRow,
    ) -> Result<EndpointUpdate, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let result = sqlx::query(
            "UPDATE endpoints SET url = $2, description = $3, topics = $4, method = $5, rate_limit = $6,
             burst_limit = $7, enabled = $8, health = $9, failing_since = $10, updated_at = $11,
             disabled_reason = $22 WHERE id = $1 AND url = $12 AND description = $13 AND topics = $14 AND method = $15
             AND rate_limit = $16 AND burst_limit = $17 AND enabled = $18 AND health = $19
             AND COALESCE(failing_since, -1) = COALESCE($20, -1) AND updated_at = $21",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.url)
        .bind(&endpoint.description)
        .bind(serde_json::to_string(&endpoint.topics).unwrap_or_else(|_| "[]".into()))
        .bind(endpoint.method.name())
        .bind(i64::from(endpoint.rate_limit))
        .bind(i64::from(endpoint.burst_limit))
        .bind(bool_int(endpoint.enabled))
        .bind(endpoint.health.status.name())
        .bind(endpoint.health.failing_since.and_then(|since| i64::try_from(since).ok()))
        .bind(endpoint.updated_at)
        .bind(&previous.url)
        .bind(&previous.description)
        .bind(serde_json::to_string(&previous.topics).unwrap_or_else(|_| "[]".into()))
        .bind(previous.method.name())
        .bind(i64::from(previous.rate_limit))
        .bind(i64::from(previous.burst_limit))
        .bind(bool_int(previous.enabled))
        .bind(previous.health.status.name())
        .bind(previous.health.failing_since.and_then(|since| i64::try_from(since).ok()))
        .bind(previous.updated_at)
        .bind(endpoint.disabled_reason.clone())
        .execute(&mut *tx)
        .await;
        match result {
            Ok(done) => {
                tx.commit().await?;
                Ok(if done.rows_affected() > 0 { EndpointUpdate::Done } else { EndpointUpdate::Changed })
            }
            Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Ok(EndpointUpdate::UrlTaken),
            Err(error) => Err(error),
        }
    }

    /// One endpoint of an account.
    pub async fn endpoint(&self, account_id: &str, id: &str) -> Result<Option<EndpointRow>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM endpoints WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::endpoint_from_row).transpose()
    }

    /// An account's endpoints subscribed to `topic` that take deliveries now (enabled and not FAILED).
    pub async fn subscribed_endpoints(&self, account_id: &str, topic: &str) -> Result<Vec<String>, sqlx::Error> {
        let rows = sqlx::query(&format!(
            "SELECT id, topics FROM endpoints WHERE account_id = $1 AND {ACTIVE_ENDPOINT_SQL} ORDER BY created_at, id"
        ))
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        let mut ids = Vec::new();
        for row in rows {
            let topics: Vec<String> = serde_json::from_str(&row.try_get::<String, _>("topics")?)
                .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
            if topics.iter().any(|name| name == topic) {
                ids.push(row.try_get("id")?);
            }
        }
        Ok(ids)
    }

    /// Endpoints by id, with their secrets.
    pub async fn endpoints_with_secrets(
        &self,
        ids: &[&str],
    ) -> Result<HashMap<String, (EndpointRow, Vec<SecretRow>)>, sqlx::Error> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let list = self.params().list(ids.len());
        let endpoints_sql = format!("SELECT * FROM endpoints WHERE id IN ({list})");
        let secrets_sql = format!("SELECT * FROM secrets WHERE endpoint_id IN ({list}) ORDER BY created_at, id");
        let (mut endpoints, mut secrets) = (sqlx::query(&endpoints_sql), sqlx::query(&secrets_sql));
        for id in ids {
            endpoints = endpoints.bind(*id);
            secrets = secrets.bind(*id);
        }
        // Side by side on two connections (a claim waits for one round of reads, not two).
        let (endpoint_rows, secret_rows) =
            tokio::try_join!(endpoints.fetch_all(&self.pool), secrets.fetch_all(&self.pool))?;
        let mut found: HashMap<String, (EndpointRow, Vec<SecretRow>)> = HashMap::new();
        for row in endpoint_rows {
            let endpoint = Self::endpoint_from_row(&row)?;
            found.insert(endpoint.id.clone(), (endpoint, Vec::new()));
        }
        for row in secret_rows {
            let secret = self.secret_from_row(&row)?;
            if let Some((_, list)) = found.get_mut(&secret.endpoint_id) {
                list.push(secret);
            }
        }
        Ok(found)
    }

    /// Deletes an account's endpoint with its secrets, queue and history; whether it existed.
    pub async fn delete_endpoint(&self, account_id: &str, id: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let deleted = sqlx::query("DELETE FROM endpoints WHERE id = $1 AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        if deleted.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM attempts WHERE endpoint_id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(deleted.rows_affected() > 0)
    }

    /// An endpoint's secrets, oldest first.
    pub async fn secrets(&self, endpoint_id: &str) -> Result<Vec<SecretRow>, sqlx::Error> {
        let rows = sqlx::query("SELECT * FROM secrets WHERE endpoint_id = $1 ORDER BY created_at, id")
            .bind(endpoint_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|row| self.secret_from_row(row)).collect()
    }

    /// Sets (or clears) a secret's expiry; whether the secret exists on that endpoint.
    pub async fn set_secret_expiry(
        &self,
        endpoint_id: &str,
        secret_id: &str,
        expires_at: Option<i64>,
    ) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("UPDATE secrets SET expires_at = $3 WHERE id = $2 AND endpoint_id = $1")
            .bind(endpoint_id)
            .bind(secret_id)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Rolls an endpoint's secrets: adds `new` and gives every secret of its endpoint still active at `until`
    /// (unix seconds) the expiry `until`, in one transaction. Returns the ids given the expiry.
    pub async fn roll_secret(&self, new: &SecretRow, until: i64) -> Result<Vec<String>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let rows = sqlx::query(
            "SELECT id FROM secrets WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY id",
        )
        .bind(&new.endpoint_id)
        .bind(until)
        .fetch_all(&mut *tx)
        .await?;
        let expiring: Vec<String> = rows.iter().map(|row| row.try_get("id")).collect::<Result<_, _>>()?;
        sqlx::query(
            "UPDATE secrets SET expires_at = $2 WHERE endpoint_id = $1 AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(&new.endpoint_id)
        .bind(until)
        .execute(&mut *tx)
        .await?;
        self.insert_secret_in(&mut tx, new).await?;
        tx.commit().await?;
        Ok(expiring)
    }

    /// Deletes one secret of an endpoint; whether it existed.
    pub async fn delete_secret(&self, endpoint_id: &str, secret_id: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM secrets WHERE id = $2 AND endpoint_id = $1")
            .bind(endpoint_id)
            .bind(secret_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }
}
