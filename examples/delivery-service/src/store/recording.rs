//! Recording outcomes: each delivery's next step, its attempt, the endpoint's verdicts, operational notices and the
//! console's hourly counts, in one transaction per batch.

use std::collections::{BTreeMap, HashSet};

use dropship_webhooks::delivery::{EndpointHealth, HealthStatus};
use sqlx::Row;

use super::console::{latency_bucket, outcome_class, HourKey};
use super::dialect::bool_int;
use super::operational::{Notice, DELIVERY_EXHAUSTED, ENDPOINT_DISABLED};
use super::{headers_json, is_unreachable, Backend, Store};
use crate::model::{new_id, Completion, CompletionReport, NextStep, FAILED_REASON, GONE_REASON};
use crate::received::storable_option;
use crate::rules::{slow_down_verdict, EndpointState, Outcome, SlowDown, VerdictRule};

/// Outcomes recorded by one statement of a completion batch (13 parameters per attempt row, well under both
/// databases' parameter limits).
const COMPLETION_ROWS_PER_STATEMENT: usize = 256;

impl Store {
    /// Records a batch of outcomes: each delivery's next step, its attempt, and each endpoint's state as
    /// `verdict_rule` (the service's, [`crate::rules::health_verdict`]) decides it from the endpoint's outcomes —
    /// only for claims still the worker's: a claim lost to another worker (its lease ran out) records nothing and
    /// decides no health.
    ///
    /// One transaction for the batch; if the database refuses it, each outcome in a transaction of its own, so one
    /// row that cannot be written never takes the others with it. A row the database refuses on its own is
    /// recorded in a minimal form (without what the receiver answered, the error saying why); if even that is
    /// refused it is given up (`unrecorded`: its lease runs out and it is attempted again). While the database
    /// cannot be reached, what is left is answered in `waiting`, to be recorded again: nothing here loops.
    pub async fn complete(&self, completions: &[Completion], now: i64, verdict_rule: VerdictRule) -> CompletionReport {
        let batch_error = match self.complete_together(completions, now, verdict_rule).await {
            Ok(report) => return report,
            Err(error) if is_unreachable(self.backend, &error) => {
                tracing::warn!(%error, count = completions.len(), "the database is unreachable; outcomes wait");
                return CompletionReport { waiting: (0..completions.len()).collect(), ..CompletionReport::default() };
            }
            Err(error) => error,
        };
        if completions.len() > 1 {
            tracing::warn!(error = %batch_error, count = completions.len(), "recording a batch failed; recording it row by row");
        }
        let mut report = CompletionReport::default();
        for (index, completion) in completions.iter().enumerate() {
            let error = if completions.len() == 1 {
                batch_error.to_string()
            } else {
                match self.complete_together(std::slice::from_ref(completion), now, verdict_rule).await {
                    Ok(one) => {
                        report.absorb(one);
                        continue;
                    }
                    Err(error) if is_unreachable(self.backend, &error) => {
                        report.waiting.extend(index..completions.len());
                        return report;
                    }
                    Err(error) => error.to_string(),
                }
            };
            tracing::error!(%error, delivery = %completion.claim.delivery_id, "an outcome was refused; recording it without the receiver's answer");
            let minimal = completion.minimal(&error);
            match self.complete_together(std::slice::from_ref(&minimal), now, verdict_rule).await {
                Ok(one) => report.absorb(one),
                Err(error) if is_unreachable(self.backend, &error) => {
                    report.waiting.extend(index..completions.len());
                    return report;
                }
                Err(error) => {
                    tracing::error!(%error, delivery = %completion.claim.delivery_id, "could not record an outcome; its lease runs out and it is attempted again");
                    report.unrecorded.push(completion.claim.delivery_id.clone());
                }
            }
        }
        report
    }

    async fn complete_together(
        &self,
        completions: &[Completion],
        now: i64,
        verdict_rule: VerdictRule,
    ) -> Result<CompletionReport, sqlx::Error> {
        let mut report = CompletionReport::default();
        if completions.is_empty() {
            return Ok(report);
        }
        let mut tx = self.write_tx().await?;
        // Outcomes per endpoint in order: (success, started at).
        let mut verdicts: BTreeMap<&str, Vec<Outcome>> = BTreeMap::new();
        // Operational notices, queued with the outcomes that caused them.
        let mut notices = Vec::new();
        // The console's hourly counts, kept with the attempts.
        let mut hours: BTreeMap<HourKey, i64> = BTreeMap::new();
        // Endpoints with a retry, due again at the batch's earliest retry (a turn that finds nothing due yet only
        // recomputes the due time).
        let mut retried = Vec::new();
        let mut retry_at = i64::MAX;
        for chunk in completions.chunks(COMPLETION_ROWS_PER_STATEMENT) {
            // Each row's next step, only where the claim is still this worker's (`claims` unchanged) and not yet
            // finished (a lease is held: writing it again, after a commit whose answer was lost, finds it finished),
            // in one statement: the rows written come back.
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
                    NextStep::Succeeded => ("succeeded", None),
                    NextStep::RetryAt(at) => ("pending", Some(at)),
                    NextStep::GiveUp => ("failed", None),
                };
                update = update
                    .bind(&completion.claim.delivery_id)
                    .bind(completion.claim.claims)
                    .bind(status)
                    .bind(next_at)
                    .bind(storable_option(completion.record.error.clone()))
                    .bind(completion.record.error_class);
            }
            let written: HashSet<String> =
                update.fetch_all(&mut *tx).await?.iter().map(|row| row.try_get("id")).collect::<Result<_, _>>()?;
            let (recorded, stale): (Vec<&Completion>, Vec<&Completion>) =
                chunk.iter().partition(|completion| written.contains(&completion.claim.delivery_id));
            // Taken over (or deleted with its endpoint): the worker that holds it now reports.
            report.stale.extend(stale.iter().map(|completion| completion.claim.delivery_id.clone()));
            if recorded.is_empty() {
                continue;
            }
            // `recorded_at` is the database's clock, the one order every process agrees on (the live stream
            // follows it).
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
            for completion in &recorded {
                let (claim, record) = (&completion.claim, &completion.record);
                insert = insert
                    .bind(new_id("att"))
                    .bind(&claim.account_id)
                    .bind(&claim.delivery_id)
                    .bind(&claim.endpoint_id)
                    .bind(&claim.event_id)
                    .bind(&claim.topic)
                    .bind(claim.attempts)
                    .bind(&claim.trigger)
                    .bind(record.started_at)
                    .bind(record.latency_ms)
                    .bind(record.status_code)
                    .bind(if record.next == NextStep::Succeeded { "success" } else { "failure" })
                    .bind(record.error_class)
                    .bind(storable_option(record.error.clone()))
                    .bind(&record.request.method)
                    .bind(&record.request.url)
                    .bind(headers_json(&record.request.headers))
                    .bind(headers_json(&record.response_headers))
                    .bind("")
                    .bind(record.response_body.clone());
            }
            insert.execute(&mut *tx).await?;
            for completion in recorded {
                let (claim, record) = (&completion.claim, &completion.record);
                let key = HourKey {
                    endpoint_id: claim.endpoint_id.clone(),
                    account_id: claim.account_id.clone(),
                    hour: record.started_at - record.started_at.rem_euclid(3_600_000),
                    class: outcome_class(record.next == NextStep::Succeeded, record.error_class, record.status_code),
                    bucket: latency_bucket(record.latency_ms),
                };
                *hours.entry(key).or_default() += 1;
                if record.exhausted {
                    notices.push(Notice {
                        account_id: claim.account_id.clone(),
                        kind: DELIVERY_EXHAUSTED,
                        data: serde_json::json!({
                            "deliveryId": claim.delivery_id,
                            "endpointId": claim.endpoint_id,
                            "eventId": claim.event_id,
                            "topic": claim.topic,
                            "attempts": claim.attempts,
                            "lastError": record.error,
                        }),
                        key: None,
                    });
                }
                verdicts.entry(claim.endpoint_id.as_str()).or_default().push(Outcome {
                    succeeded: record.next == NextStep::Succeeded,
                    started_at_ms: record.started_at,
                    gone: record.gone,
                    slow_down_ms: record.slow_down_ms,
                });
                if let NextStep::RetryAt(at) = record.next {
                    retried.push(claim.endpoint_id.as_str());
                    retry_at = retry_at.min(at);
                }
            }
        }
        // In id order, as every writer that locks several endpoint rows does, so none of them deadlock.
        for (endpoint_id, outcomes) in verdicts {
            // Read unlocked first: most verdicts change nothing (a success on a healthy endpoint), and a locked
            // endpoint row would make other workers' claims pass it by. Lock only to write a change.
            let mut locked = false;
            // At most two turns: unlocked, then (Postgres, when the verdict changes something) locked.
            let found = loop {
                // Not `FOR UPDATE`: that would conflict with the key-share lock an enqueue's foreign key takes.
                let lock = if locked && self.backend == Backend::Postgres { " FOR NO KEY UPDATE" } else { "" };
                let row = sqlx::query(&format!(
                    "SELECT health, failing_since, enabled, slow_downs, slowed_until, account_id, url FROM endpoints
                     WHERE id = $1{lock}"
                ))
                .bind(endpoint_id)
                .fetch_optional(&mut *tx)
                .await?;
                let Some(row) = row else { break None };
                let slowed = SlowDown {
                    level: row.try_get::<i64, _>("slow_downs")?,
                    until: row.try_get::<Option<i64>, _>("slowed_until")?,
                };
                let status: String = row.try_get("health")?;
                let since: Option<i64> = row.try_get("failing_since")?;
                let before = EndpointState {
                    enabled: row.try_get::<i64, _>("enabled")? != 0,
                    health: EndpointHealth {
                        status: HealthStatus::from_name(&status).unwrap_or(HealthStatus::Healthy),
                        failing_since: since.and_then(|s| u64::try_from(s).ok()),
                    },
                };
                let verdict = verdict_rule(before, &outcomes);
                let slowing = slow_down_verdict(slowed, &outcomes, now);
                let unchanged = verdict.state == before && slowing == slowed;
                if unchanged || locked || self.backend == Backend::Sqlite {
                    let target: (String, String) = (row.try_get("account_id")?, row.try_get("url")?);
                    break Some((before, verdict, slowed, slowing, target));
                }
                locked = true;
            };
            let Some((before, verdict, slowed, slowing, (account_id, url))) = found else { continue };
            if slowing != slowed {
                if slowing.until != slowed.until {
                    tracing::info!(endpoint = endpoint_id, until = ?slowing.until, "the receiver asked to slow down; endpoint paused");
                }
                sqlx::query("UPDATE endpoints SET slow_downs = $2, slowed_until = $3 WHERE id = $1")
                    .bind(endpoint_id)
                    .bind(slowing.level)
                    .bind(slowing.until)
                    .execute(&mut *tx)
                    .await?;
            }
            if verdict.state == before {
                continue;
            }
            if verdict.turned_failed {
                report.failed_endpoints.push(endpoint_id.to_owned());
                tracing::warn!(endpoint = endpoint_id, "endpoint FAILED after 3 days of failures; deactivated");
            }
            if verdict.turned_failed || verdict.gone {
                notices.push(Notice {
                    account_id,
                    kind: ENDPOINT_DISABLED,
                    data: serde_json::json!({
                        "endpointId": endpoint_id,
                        "url": url,
                        "reason": if verdict.gone { "gone" } else { "failed" },
                        "detail": if verdict.gone { GONE_REASON } else { FAILED_REASON },
                        "failingSince": verdict.state.health.failing_since.or(before.health.failing_since),
                    }),
                    key: None,
                });
            }
            let reason = verdict.gone.then_some(GONE_REASON);
            if verdict.gone {
                tracing::warn!(endpoint = endpoint_id, "the receiver answered 410 Gone; endpoint deactivated");
            }
            sqlx::query(
                "UPDATE endpoints SET health = $2, failing_since = $3, enabled = $4, updated_at = $5,
                 disabled_reason = COALESCE($6, disabled_reason) WHERE id = $1",
            )
            .bind(endpoint_id)
            .bind(verdict.state.health.status.name())
            .bind(verdict.state.health.failing_since.and_then(|s| i64::try_from(s).ok()))
            .bind(bool_int(verdict.state.enabled))
            .bind(now)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
        }
        if !notices.is_empty() {
            self.queue_notices(&mut tx, &notices, now).await?;
        }
        self.add_attempt_hours(&mut tx, &hours).await?;
        tx.commit().await?;
        if !hours.is_empty() {
            self.recorded.send_modify(|count| *count = count.wrapping_add(1));
        }
        self.mark_due(&retried, retry_at).await;
        Ok(report)
    }
}
