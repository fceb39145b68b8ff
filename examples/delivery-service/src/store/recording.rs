//! The statements that record outcomes, inside the transaction [`crate::delivery::recording`] opens: each
//! delivery's next step, its attempt row, the endpoint's state and slow-down as the rules decided them. What to
//! write is decided there; this only writes.

use std::collections::HashSet;

use dropship_webhooks::delivery::{EndpointHealth, HealthStatus};
use sqlx::{AnyConnection, Row};

use super::dialect::bool_int;
use super::{headers_json, Backend, Store};
use crate::model::{new_id, AttemptOutcome, Completion, DeliveryStatus, ErrorClass, NextStep};
use crate::received::storable_option;
use crate::rules::{EndpointState, SlowDown};

/// Outcomes recorded by one statement (13 parameters per attempt row, well under both databases' limits).
pub const COMPLETION_ROWS_PER_STATEMENT: usize = 256;

/// What recording reads of an endpoint to decide its verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointForVerdict {
    /// Its switch and health.
    pub state: EndpointState,
    /// Its slow-down.
    pub slowed: SlowDown,
    /// Its account (for a notice).
    pub account_id: String,
    /// Its URL (for a notice).
    pub url: String,
}

impl Store {
    /// Writes each delivery's next step (at most [`COMPLETION_ROWS_PER_STATEMENT`]), only where the claim is still
    /// the worker's (`claims` unchanged) and not yet finished (a lease is held: writing it again, after a commit
    /// whose answer was lost, finds it finished); the ids written.
    pub(crate) async fn finish_deliveries(
        &self,
        tx: &mut AnyConnection,
        chunk: &[Completion],
        now: i64,
    ) -> Result<HashSet<String>, sqlx::Error> {
        let mut params = self.params();
        let statement = format!(
            "UPDATE deliveries SET status = v.column3, next_attempt_at = COALESCE(v.column4, deliveries.next_attempt_at),
             lease_owner = NULL, lease_until = NULL, last_error = v.column5, last_error_class = v.column6,
             trigger_kind = 'scheduled', single_attempt = 0, updated_at = {}
             FROM (VALUES {}) AS v WHERE deliveries.id = v.column1 AND deliveries.claims = v.column2
             AND deliveries.lease_owner IS NOT NULL
             RETURNING deliveries.id",
            params.one(),
            params.rows(chunk.len(), 6)
        );
        let mut update = sqlx::query(&statement).bind(now);
        for completion in chunk {
            let (status, next_at) = match completion.record.next {
                NextStep::Succeeded => (DeliveryStatus::Succeeded, None),
                NextStep::RetryAt(at) => (DeliveryStatus::Pending, Some(at)),
                NextStep::GiveUp => (DeliveryStatus::Failed, None),
            };
            update = update
                .bind(&completion.claim.delivery_id)
                .bind(completion.claim.claims)
                .bind(status.name())
                .bind(next_at)
                .bind(storable_option(completion.record.error.clone()))
                .bind(completion.record.error_class.map(ErrorClass::name));
        }
        update.fetch_all(&mut *tx).await?.iter().map(|row| row.try_get("id")).collect()
    }

    /// Inserts the attempt rows of recorded outcomes. `recorded_at` is the database's clock, the one order every
    /// process agrees on (the live stream follows it).
    pub(crate) async fn insert_attempts(
        &self,
        tx: &mut AnyConnection,
        recorded: &[&Completion],
    ) -> Result<(), sqlx::Error> {
        let mut params = self.params();
        let rows: Vec<String> = (0..recorded.len())
            .map(|_| {
                let head = params.list(10);
                let tail = params.list(10);
                format!("({head}, {}, {tail})", self.database_now())
            })
            .collect();
        let statement = format!(
            "INSERT INTO attempts (id, account_id, delivery_id, endpoint_id, event_id, topic, attempt, trigger_kind,
             started_at, latency_ms, recorded_at, status_code, outcome, error_class, error, request_method,
             request_url, request_headers, response_headers, response_excerpt, response_body) VALUES {}",
            rows.join(", ")
        );
        let mut insert = sqlx::query(&statement);
        for completion in recorded {
            let (claim, record) = (&completion.claim, &completion.record);
            insert = insert
                .bind(new_id("att"))
                .bind(&claim.account_id)
                .bind(&claim.delivery_id)
                .bind(&claim.endpoint_id)
                .bind(&claim.event_id)
                .bind(&claim.topic)
                .bind(claim.attempts)
                .bind(claim.trigger.name())
                .bind(record.started_at)
                .bind(record.latency_ms)
                .bind(record.status_code)
                .bind(
                    if record.next == NextStep::Succeeded { AttemptOutcome::Success } else { AttemptOutcome::Failure }
                        .name(),
                )
                .bind(record.error_class.map(ErrorClass::name))
                .bind(storable_option(record.error.clone()))
                .bind(&record.request.method)
                .bind(&record.request.url)
                .bind(headers_json(&record.request.headers))
                .bind(headers_json(&record.response_headers))
                .bind("")
                .bind(record.response_body.clone());
        }
        insert.execute(&mut *tx).await?;
        Ok(())
    }

    /// An endpoint's state for its verdicts; `locked` locks its row (Postgres) for writing a change. Not
    /// `FOR UPDATE`: that would conflict with the key-share lock an enqueue's foreign key takes.
    pub(crate) async fn endpoint_for_verdict(
        &self,
        tx: &mut AnyConnection,
        endpoint_id: &str,
        locked: bool,
    ) -> Result<Option<EndpointForVerdict>, sqlx::Error> {
        let lock = if locked && self.backend == Backend::Postgres { " FOR NO KEY UPDATE" } else { "" };
        let row = sqlx::query(&format!(
            "SELECT health, failing_since, enabled, slow_downs, slowed_until, account_id, url FROM endpoints
             WHERE id = $1{lock}"
        ))
        .bind(endpoint_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let status: String = row.try_get("health")?;
        let since: Option<i64> = row.try_get("failing_since")?;
        Ok(Some(EndpointForVerdict {
            state: EndpointState {
                enabled: row.try_get::<i64, _>("enabled")? != 0,
                health: EndpointHealth {
                    status: HealthStatus::from_name(&status).unwrap_or(HealthStatus::Healthy),
                    failing_since: since.and_then(|s| u64::try_from(s).ok()),
                },
            },
            slowed: SlowDown {
                level: row.try_get::<i64, _>("slow_downs")?,
                until: row.try_get::<Option<i64>, _>("slowed_until")?,
            },
            account_id: row.try_get("account_id")?,
            url: row.try_get("url")?,
        }))
    }

    /// Whether a row lock is needed to write a verdict safely (Postgres: workers in several processes decide at
    /// once; SQLite has one writer).
    pub(crate) fn verdicts_need_locks(&self) -> bool {
        self.backend == Backend::Postgres
    }

    /// Writes an endpoint's slow-down.
    pub(crate) async fn set_slow_down(
        &self,
        tx: &mut AnyConnection,
        endpoint_id: &str,
        slowing: SlowDown,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("UPDATE endpoints SET slow_downs = $2, slowed_until = $3 WHERE id = $1")
            .bind(endpoint_id)
            .bind(slowing.level)
            .bind(slowing.until)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Writes an endpoint's switch and health, with why the service switched it off (kept when `None`).
    pub(crate) async fn set_endpoint_state(
        &self,
        tx: &mut AnyConnection,
        endpoint_id: &str,
        state: EndpointState,
        disabled_reason: Option<&str>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE endpoints SET health = $2, failing_since = $3, enabled = $4, updated_at = $5,
             disabled_reason = COALESCE($6, disabled_reason) WHERE id = $1",
        )
        .bind(endpoint_id)
        .bind(state.health.status.name())
        .bind(state.health.failing_since.and_then(|s| i64::try_from(s).ok()))
        .bind(bool_int(state.enabled))
        .bind(now)
        .bind(disabled_reason)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Notes an endpoint's latest success, writing its row at most once a minute (a busy endpoint succeeds many
    /// times a second; the console shows the time to the minute).
    pub(crate) async fn note_success(
        &self,
        tx: &mut AnyConnection,
        endpoint_id: &str,
        at: i64,
    ) -> Result<(), sqlx::Error> {
        // Within the minute of this process's last write the row is current enough: no statement at all, so a busy
        // endpoint's successes cost a map lookup, not a round trip on the recorder's path. (Another process's write
        // is caught by the statement's own condition; a batch rolled back after this leaves the time at most a
        // minute behind.) A poisoned map only costs the statement.
        if let Ok(mut noted) = self.success_noted.lock() {
            if noted.get(endpoint_id).is_some_and(|&last| last >= at.saturating_sub(60_000)) {
                return Ok(());
            }
            // Bounded: one entry per endpoint this process records for, forgotten wholesale past 100,000.
            if noted.len() >= 100_000 {
                noted.clear();
            }
            noted.insert(endpoint_id.to_owned(), at);
        }
        sqlx::query(
            "UPDATE endpoints SET last_success_at = $2 WHERE id = $1 AND (last_success_at IS NULL OR last_success_at < $3)",
        )
        .bind(endpoint_id)
        .bind(at)
        .bind(at.saturating_sub(60_000))
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// Tells this process's live streams that attempts were recorded.
    pub(crate) fn attempts_recorded(&self) {
        self.recorded.send_modify(|count| *count = count.wrapping_add(1));
    }
}
