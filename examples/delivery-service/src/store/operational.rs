//! Operational webhooks in the database: each account's destination (its secret sealed like endpoint secrets) and
//! the queue of notices for it and for the service-wide destination.
//!
//! Notices are queued in the transaction of what caused them (an outcome that turned an endpoint FAILED, a delivery
//! given up), so none is lost and none is sent for something that was rolled back; the sender
//! ([`crate::delivery::operational`]) claims them with a lease, as the worker claims deliveries.

use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::history::Conditions;
use super::{Backend, Store};
use crate::model::new_id;
use crate::model::{Cursor, Page};
use crate::received::storable_text;

/// An endpoint was switched off by the service: it turned FAILED after its failure window, or answered 410 Gone.
pub const ENDPOINT_DISABLED: &str = "endpoint.disabled";
/// A delivery was given up after its last retry.
pub const DELIVERY_EXHAUSTED: &str = "delivery.exhausted";
/// An endpoint's only active secret expires soon ([`EXPIRY_NOTICE_SECONDS`]); one notice per secret.
pub const SECRET_EXPIRING: &str = "secret.expiring";
/// Every notice type, for the documentation and the API.
pub const NOTICE_TYPES: [&str; 3] = [ENDPOINT_DISABLED, DELIVERY_EXHAUSTED, SECRET_EXPIRING];
/// How long before its expiry an only active secret is announced.
pub const EXPIRY_NOTICE_SECONDS: i64 = 7 * 86_400;

/// An account's operational webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationalWebhookRow {
    /// The account it belongs to.
    pub account_id: String,
    /// Where notices go.
    pub url: String,
    /// The `whsec_` secret notices are signed with (opened).
    pub secret: String,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// A notice to queue.
#[derive(Debug, Clone)]
pub struct Notice {
    /// The account it concerns.
    pub account_id: String,
    /// One of [`NOTICE_TYPES`].
    pub kind: &'static str,
    /// The notice's `data`.
    pub data: Value,
    /// A fixed id instead of a random one: queuing the same notice again changes nothing.
    pub key: Option<String>,
}

/// A queued notice, as claimed or listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    /// `opev_…`, the `webhook-id` it is signed with.
    pub id: String,
    /// The account it concerns.
    pub account_id: String,
    /// `account` or `service`.
    pub destination: String,
    /// One of [`NOTICE_TYPES`].
    pub kind: String,
    /// The JSON sent.
    pub body: String,
    /// Attempts so far (a claim counts as one).
    pub attempts: i64,
    /// `pending`, `delivered`, `failed` or `dropped`.
    pub status: String,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

/// What came of one attempt to send a notice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeOutcome {
    /// The destination answered 2xx.
    Delivered,
    /// Failed; tried again at this time (unix ms).
    RetryAt(i64, String),
    /// Failed for the last time.
    Failed(String),
    /// Its destination is no longer configured.
    Dropped,
}

/// A notice's destination as one key: `service`, or `account:<id>` for an account's own URL.
pub fn destination_key(notice: &NoticeRow) -> String {
    if notice.destination == "service" {
        "service".to_owned()
    } else {
        format!("account:{}", notice.account_id)
    }
}

/// [`destination_key`] in SQL.
const DESTINATION_KEY_SQL: &str = "CASE WHEN destination = 'service' THEN 'service' ELSE 'account:' || account_id END";

/// The sealing id of an account's operational secret.
fn sealing_id(account_id: &str) -> String {
    format!("opwh_{account_id}")
}

impl Store {
    /// Sets (or replaces) an account's operational webhook.
    pub async fn set_operational_webhook(
        &self,
        account_id: &str,
        url: &str,
        secret: &str,
        now: i64,
    ) -> Result<OperationalWebhookRow, sqlx::Error> {
        let sealed =
            self.sealer.seal(&sealing_id(account_id), secret).map_err(|error| sqlx::Error::Encode(Box::new(error)))?;
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO operational_webhooks (account_id, url, secret, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (account_id) DO UPDATE SET url = $2, secret = $3, updated_at = $4",
        )
        .bind(account_id)
        .bind(url)
        .bind(sealed)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.operational_webhook(account_id).await?.ok_or(sqlx::Error::RowNotFound)
    }

    /// An account's operational webhook, if it has one.
    pub async fn operational_webhook(&self, account_id: &str) -> Result<Option<OperationalWebhookRow>, sqlx::Error> {
        let row = sqlx::query("SELECT * FROM operational_webhooks WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let stored: String = row.try_get("secret")?;
        let secret =
            self.sealer.open(&sealing_id(account_id), &stored).map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        Ok(Some(OperationalWebhookRow {
            account_id: row.try_get("account_id")?,
            url: row.try_get("url")?,
            secret,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        }))
    }

    /// Removes an account's operational webhook; whether it had one. Notices still queued for it are dropped
    /// when their turn comes.
    pub async fn delete_operational_webhook(&self, account_id: &str) -> Result<bool, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM operational_webhooks WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Queues `notices` inside `tx`: one for the account's operational webhook when it has one, one for the
    /// service-wide destination when it is configured. A keyed notice queued before is not queued again.
    pub(crate) async fn queue_notices(
        &self,
        tx: &mut sqlx::AnyConnection,
        notices: &[Notice],
        now: i64,
    ) -> Result<(), sqlx::Error> {
        for notice in notices {
            let body = json!({
                "type": notice.kind,
                "timestamp": dropship_webhooks::time::rfc3339_ms(now),
                "data": notice.data,
            })
            .to_string();
            let mut destinations = vec!["account"];
            if self.service_notices {
                destinations.push("service");
            }
            for destination in destinations {
                let id = match &notice.key {
                    Some(key) => format!("opev_{key}_{destination}"),
                    None => new_id("opev"),
                };
                // The account's copy only when it has somewhere to go; `WHERE` also lets SQLite parse the upsert.
                let only_if = if destination == "account" {
                    "EXISTS (SELECT 1 FROM operational_webhooks w WHERE w.account_id = $2)"
                } else {
                    "1 = 1"
                };
                sqlx::query(&format!(
                    "INSERT INTO operational_events (id, account_id, destination, type, body, created_at,
                       next_attempt_at, updated_at)
                     SELECT $1, $2, $3, $4, $5, $6, $6, $6 WHERE {only_if}
                     ON CONFLICT (id) DO NOTHING"
                ))
                .bind(id)
                .bind(&notice.account_id)
                .bind(destination)
                .bind(notice.kind)
                .bind(&body)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
        }
        Ok(())
    }

    /// Queues a [`SECRET_EXPIRING`] notice for every endpoint whose only active secret expires within
    /// [`EXPIRY_NOTICE_SECONDS`] of `now_seconds` (once per secret); returns how many secrets were announced now.
    pub async fn queue_expiring_secret_notices(&self, now_seconds: i64, now_ms: i64) -> Result<usize, sqlx::Error> {
        let rows = sqlx::query(
            "SELECT s.id, s.label, s.expires_at, e.id AS endpoint_id, e.account_id, e.url FROM secrets s
             JOIN endpoints e ON e.id = s.endpoint_id
             WHERE s.expires_at > $1 AND s.expires_at <= $2
               AND (SELECT COUNT(*) FROM secrets o WHERE o.endpoint_id = s.endpoint_id
                    AND (o.expires_at IS NULL OR o.expires_at > $1)) = 1
               AND NOT EXISTS (SELECT 1 FROM operational_events n
                               WHERE n.id IN ('opev_exp_' || s.id || '_account', 'opev_exp_' || s.id || '_service'))",
        )
        .bind(now_seconds)
        .bind(now_seconds.saturating_add(EXPIRY_NOTICE_SECONDS))
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let notices = rows
            .iter()
            .map(|row| -> Result<Notice, sqlx::Error> {
                let secret_id: String = row.try_get("id")?;
                Ok(Notice {
                    account_id: row.try_get("account_id")?,
                    kind: SECRET_EXPIRING,
                    data: json!({
                        "endpointId": row.try_get::<String, _>("endpoint_id")?,
                        "url": row.try_get::<String, _>("url")?,
                        "secretId": secret_id,
                        "label": row.try_get::<Option<String>, _>("label")?,
                        "expiresAt": row.try_get::<i64, _>("expires_at")?,
                    }),
                    key: Some(format!("exp_{secret_id}")),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.write_tx().await?;
        self.queue_notices(&mut tx, &notices, now_ms).await?;
        tx.commit().await?;
        Ok(notices.len())
    }

    /// Claims due notices for `lease_ms` (each claim is an attempt; another sender takes over a notice whose lease
    /// ran out): up to `limit` in all, at most `per_destination` for any one destination (taking turns: every
    /// destination's first notice comes before any destination's second), none for the destinations in `busy`
    /// ([`destination_key`]), whose notices this sender has in flight.
    pub async fn claim_notices(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
        per_destination: i64,
        busy: &[String],
    ) -> Result<Vec<NoticeRow>, sqlx::Error> {
        let mut tx = self.write_tx().await?;
        let skip_locked = if self.backend == Backend::Postgres { "FOR UPDATE SKIP LOCKED" } else { "" };
        let mut params = self.params();
        let (now_param, lease_param, limit_param, turn_param) =
            (params.one(), params.one(), params.one(), params.one());
        let not_busy = if busy.is_empty() {
            String::new()
        } else {
            format!("AND {DESTINATION_KEY_SQL} NOT IN ({})", params.list(busy.len()))
        };
        let statement = format!(
            "UPDATE operational_events SET attempts = attempts + 1, next_attempt_at = {now_param} + {lease_param},
             updated_at = {now_param}
             WHERE id IN (SELECT id FROM operational_events WHERE id IN (
               SELECT id FROM (
                 SELECT id, next_attempt_at, ROW_NUMBER() OVER (
                   PARTITION BY {DESTINATION_KEY_SQL} ORDER BY next_attempt_at, id) AS turn
                 FROM operational_events WHERE status = 'pending' AND next_attempt_at <= {now_param} {not_busy}
               ) ranked WHERE turn <= {turn_param} ORDER BY turn, next_attempt_at, id LIMIT {limit_param})
             {skip_locked})
             RETURNING *"
        );
        // SQLite binds `?` in the order the text names them; Postgres by number.
        let mut query = sqlx::query(&statement);
        if self.backend == Backend::Postgres {
            query = query.bind(now).bind(lease_ms).bind(limit).bind(per_destination);
        } else {
            query = query.bind(now).bind(lease_ms).bind(now).bind(now);
        }
        for key in busy {
            query = query.bind(key);
        }
        if self.backend == Backend::Sqlite {
            query = query.bind(per_destination).bind(limit);
        }
        let rows = query.fetch_all(&mut *tx).await?;
        tx.commit().await?;
        rows.iter().map(notice_from_row).collect()
    }

    /// Records what came of a claimed notice's attempt.
    pub async fn finish_notice(&self, id: &str, outcome: &NoticeOutcome, now: i64) -> Result<(), sqlx::Error> {
        let (status, next_at, error) = match outcome {
            NoticeOutcome::Delivered => ("delivered", None, None),
            NoticeOutcome::RetryAt(at, error) => ("pending", Some(*at), Some(storable_text(error))),
            NoticeOutcome::Failed(error) => ("failed", None, Some(storable_text(error))),
            NoticeOutcome::Dropped => ("dropped", None, Some("its destination is no longer configured".into())),
        };
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE operational_events SET status = $2, next_attempt_at = COALESCE($3, next_attempt_at),
             last_error = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(id)
        .bind(status)
        .bind(next_at)
        .bind(error.map(std::borrow::Cow::into_owned))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// An account's notices, newest first, a page at a time.
    pub async fn notices(
        &self,
        account_id: &str,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<Page<NoticeRow>, sqlx::Error> {
        let mut conditions = Conditions::new(self.params());
        conditions.equals("account_id", Some(&account_id.to_owned()));
        conditions.after("created_at", cursor, true);
        self.page("SELECT * FROM operational_events", conditions, "created_at", true, limit, |row| {
            let notice = notice_from_row(row)?;
            let cursor = Cursor { at: notice.created_at, id: notice.id.clone() };
            Ok((notice, cursor))
        })
        .await
    }
}

fn notice_from_row(row: &AnyRow) -> Result<NoticeRow, sqlx::Error> {
    Ok(NoticeRow {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        destination: row.try_get("destination")?,
        kind: row.try_get("type")?,
        body: row.try_get("body")?,
        attempts: row.try_get("attempts")?,
        status: row.try_get("status")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}
