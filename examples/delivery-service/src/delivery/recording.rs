//! What an outcome changes, decided here and written through the store in one transaction per batch: each
//! delivery's next step and attempt; each endpoint's verdicts (health by [`crate::rules::health_verdict`] or the rule
//! given, slow-down by [`slow_down_verdict`]); the operational notices they cause (a delivery given up, an endpoint
//! switched off); and the console's hourly counts.
//!
//! [`record`] never loops: one transaction for the batch; if the database refuses it, each outcome in a transaction
//! of its own, so one row that cannot be written never takes the others with it. A row the database refuses on its
//! own is recorded in a minimal form (without what the receiver answered, the error saying why); if even that is
//! refused it is given up (`unrecorded`: its lease runs out and it is attempted again). While the database cannot
//! be reached, what is left is answered in `waiting`, for the worker to record again.

use std::collections::BTreeMap;

use serde_json::json;

use crate::model::{AttemptRecord, Claim, Completion, CompletionReport, HourKey, NextStep, FAILED_REASON, GONE_REASON};
use crate::rules::{latency_bucket, outcome_class, slow_down_verdict, Outcome, Verdict, VerdictRule};
use crate::store::operational::{Notice, DELIVERY_EXHAUSTED, ENDPOINT_DISABLED};
use crate::store::recording::{EndpointForVerdict, COMPLETION_ROWS_PER_STATEMENT};
use crate::store::{is_unreachable, Store};

/// Records a batch of outcomes (see the module's documentation); only claims still the worker's are recorded: a
/// claim lost to another worker (its lease ran out) records nothing and decides no health.
pub async fn record(
    store: &Store,
    completions: &[Completion],
    now: i64,
    verdict_rule: VerdictRule,
) -> CompletionReport {
    let backend = store.backend();
    let batch_error = match record_together(store, completions, now, verdict_rule).await {
        Ok(report) => return report,
        Err(error) if is_unreachable(backend, &error) => {
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
            match record_together(store, std::slice::from_ref(completion), now, verdict_rule).await {
                Ok(one) => {
                    report.absorb(one);
                    continue;
                }
                Err(error) if is_unreachable(backend, &error) => {
                    report.waiting.extend(index..completions.len());
                    return report;
                }
                Err(error) => error.to_string(),
            }
        };
        tracing::error!(%error, delivery = %completion.claim.delivery_id, "an outcome was refused; recording it without the receiver's answer");
        let minimal = completion.minimal(&error);
        match record_together(store, std::slice::from_ref(&minimal), now, verdict_rule).await {
            Ok(one) => report.absorb(one),
            Err(error) if is_unreachable(backend, &error) => {
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

/// The notice of a delivery given up after its last retry.
fn exhausted_notice(claim: &Claim, record: &AttemptRecord) -> Notice {
    Notice {
        account_id: claim.account_id.clone(),
        kind: DELIVERY_EXHAUSTED,
        data: json!({
            "deliveryId": claim.delivery_id,
            "endpointId": claim.endpoint_id,
            "eventId": claim.event_id,
            "topic": claim.topic,
            "attempts": claim.attempts,
            "lastError": record.error,
        }),
        key: None,
    }
}

/// The notice of an endpoint the service switched off (FAILED, or 410 Gone).
fn disabled_notice(endpoint_id: &str, endpoint: &EndpointForVerdict, verdict: &Verdict) -> Notice {
    Notice {
        account_id: endpoint.account_id.clone(),
        kind: ENDPOINT_DISABLED,
        data: json!({
            "endpointId": endpoint_id,
            "url": endpoint.url,
            "reason": if verdict.gone { "gone" } else { "failed" },
            "detail": if verdict.gone { GONE_REASON } else { FAILED_REASON },
            "failingSince": verdict.state.health.failing_since.or(endpoint.state.health.failing_since),
        }),
        key: None,
    }
}

/// The hourly count an attempt adds to.
fn hour_key(claim: &Claim, record: &AttemptRecord) -> HourKey {
    HourKey {
        endpoint_id: claim.endpoint_id.clone(),
        account_id: claim.account_id.clone(),
        hour: record.started_at - record.started_at.rem_euclid(3_600_000),
        class: outcome_class(record.next == NextStep::Succeeded, record.error_class, record.status_code),
        bucket: latency_bucket(record.latency_ms),
    }
}

/// What an attempt tells its endpoint's verdicts.
fn outcome_of(record: &AttemptRecord) -> Outcome {
    Outcome {
        succeeded: record.next == NextStep::Succeeded,
        started_at_ms: record.started_at,
        gone: record.gone,
        slow_down_ms: record.slow_down_ms,
    }
}

async fn record_together(
    store: &Store,
    completions: &[Completion],
    now: i64,
    verdict_rule: VerdictRule,
) -> Result<CompletionReport, sqlx::Error> {
    let mut report = CompletionReport::default();
    if completions.is_empty() {
        return Ok(report);
    }
    let mut tx = store.write_tx().await?;
    // Outcomes per endpoint, in order.
    let mut outcomes: BTreeMap<&str, Vec<Outcome>> = BTreeMap::new();
    // Operational notices, queued with the outcomes that caused them.
    let mut notices = Vec::new();
    let mut hours: BTreeMap<HourKey, i64> = BTreeMap::new();
    // Endpoints with a retry, due again at the batch's earliest retry (a turn that finds nothing due yet only
    // recomputes the due time).
    let mut retried = Vec::new();
    let mut retry_at = i64::MAX;
    for chunk in completions.chunks(COMPLETION_ROWS_PER_STATEMENT) {
        let written = store.finish_deliveries(&mut tx, chunk, now).await?;
        let (recorded, stale): (Vec<&Completion>, Vec<&Completion>) =
            chunk.iter().partition(|completion| written.contains(&completion.claim.delivery_id));
        // Taken over (or deleted with its endpoint): the worker that holds it now reports.
        report.stale.extend(stale.iter().map(|completion| completion.claim.delivery_id.clone()));
        if recorded.is_empty() {
            continue;
        }
        store.insert_attempts(&mut tx, &recorded).await?;
        for Completion { claim, record } in recorded {
            *hours.entry(hour_key(claim, record)).or_default() += 1;
            if record.exhausted {
                notices.push(exhausted_notice(claim, record));
            }
            outcomes.entry(claim.endpoint_id.as_str()).or_default().push(outcome_of(record));
            if let NextStep::RetryAt(at) = record.next {
                retried.push(claim.endpoint_id.as_str());
                retry_at = retry_at.min(at);
            }
        }
    }
    // In id order, as every writer that locks several endpoint rows does, so none of them deadlock.
    for (endpoint_id, outcomes) in outcomes {
        if let Some(latest) =
            outcomes.iter().filter(|outcome| outcome.succeeded).map(|outcome| outcome.started_at_ms).max()
        {
            store.note_success(&mut tx, endpoint_id, latest).await?;
        }
        // Read unlocked first: most verdicts change nothing (a success on a healthy endpoint), and a locked endpoint
        // row would make other workers' claims pass it by. Lock only to write a change: at most two reads.
        let mut decided = None;
        for locked in [false, true] {
            let Some(endpoint) = store.endpoint_for_verdict(&mut tx, endpoint_id, locked).await? else { break };
            let verdict = verdict_rule(endpoint.state, &outcomes);
            let slowing = slow_down_verdict(endpoint.slowed, &outcomes, now);
            let unchanged = verdict.state == endpoint.state && slowing == endpoint.slowed;
            if unchanged || locked || !store.verdicts_need_locks() {
                decided = Some((endpoint, verdict, slowing));
                break;
            }
        }
        let Some((endpoint, verdict, slowing)) = decided else { continue };
        if slowing != endpoint.slowed {
            if slowing.until != endpoint.slowed.until {
                tracing::info!(endpoint = endpoint_id, until = ?slowing.until, "the receiver asked to slow down; endpoint paused");
            }
            store.set_slow_down(&mut tx, endpoint_id, slowing).await?;
        }
        if verdict.state == endpoint.state {
            continue;
        }
        if verdict.turned_failed {
            report.failed_endpoints.push(endpoint_id.to_owned());
            tracing::warn!(endpoint = endpoint_id, "endpoint FAILED after 3 days of failures; deactivated");
        }
        if verdict.turned_failed || verdict.gone {
            notices.push(disabled_notice(endpoint_id, &endpoint, &verdict));
        }
        if verdict.gone {
            tracing::warn!(endpoint = endpoint_id, "the receiver answered 410 Gone; endpoint deactivated");
        }
        let reason = verdict.gone.then_some(GONE_REASON);
        store.set_endpoint_state(&mut tx, endpoint_id, verdict.state, reason, now).await?;
    }
    if !notices.is_empty() {
        store.queue_notices(&mut tx, &notices, now).await?;
    }
    store.add_attempt_hours(&mut tx, &hours).await?;
    tx.commit().await?;
    if !hours.is_empty() {
        store.attempts_recorded();
    }
    store.mark_due(&retried, retry_at).await;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ErrorClass, SentRequest};
    use crate::rules::EndpointState;

    fn healthy() -> EndpointState {
        EndpointState { enabled: true, health: dropship_webhooks::delivery::EndpointHealth::HEALTHY }
    }

    fn claim() -> Claim {
        Claim {
            delivery_id: "dlv_1".into(),
            account_id: "acme".into(),
            event_id: "evt_1".into(),
            endpoint_id: "ep_1".into(),
            topic: "order.created".into(),
            attempts: 11,
            claims: 11,
            trigger: crate::model::Trigger::Scheduled,
            single_attempt: false,
            queued_at: 0,
            start_after_ms: 0,
            burst_limited: false,
        }
    }

    fn record(next: NextStep, status: Option<i64>, class: Option<ErrorClass>, latency_ms: i64) -> AttemptRecord {
        AttemptRecord {
            request: SentRequest::default(),
            response_headers: Vec::new(),
            started_at: 7_200_000 + 1_234,
            latency_ms,
            status_code: status,
            error_class: class,
            error: class.map(|_| "the endpoint answered HTTP 503".into()),
            response_body: Vec::new(),
            next,
            gone: false,
            slow_down_ms: None,
            exhausted: next == NextStep::GiveUp,
        }
    }

    #[test]
    fn an_attempt_counts_in_its_hour_by_class_and_latency() {
        let key = hour_key(&claim(), &record(NextStep::Succeeded, Some(204), None, 30));
        assert_eq!((key.hour, key.class.as_str(), key.bucket), (7_200_000, "", 2));
        let key = hour_key(&claim(), &record(NextStep::RetryAt(1), Some(503), Some(ErrorClass::Http), 30_000));
        assert_eq!((key.class.as_str(), key.bucket), ("http 5xx", 11));
        let key = hour_key(&claim(), &record(NextStep::RetryAt(1), Some(404), Some(ErrorClass::Http), 5));
        assert_eq!((key.class.as_str(), key.bucket), ("http 4xx", 0));
    }

    #[test]
    fn a_delivery_given_up_names_its_last_error() {
        let given_up = record(NextStep::GiveUp, Some(503), Some(ErrorClass::Http), 10);
        let notice = exhausted_notice(&claim(), &given_up);
        assert_eq!(notice.kind, DELIVERY_EXHAUSTED);
        assert_eq!(notice.data["attempts"], 11);
        assert_eq!(notice.data["lastError"], "the endpoint answered HTTP 503");
    }

    #[test]
    fn a_switched_off_endpoint_says_why() {
        let endpoint = EndpointForVerdict {
            state: healthy(),
            slowed: Default::default(),
            account_id: "acme".into(),
            url: "https://hooks.example.com/".into(),
        };
        let gone = Verdict {
            state: EndpointState { enabled: false, health: dropship_webhooks::delivery::EndpointHealth::HEALTHY },
            turned_failed: false,
            gone: true,
        };
        let notice = disabled_notice("ep_1", &endpoint, &gone);
        assert_eq!((notice.data["reason"].as_str(), notice.data["detail"].as_str()), (Some("gone"), Some(GONE_REASON)));
        let outcome = outcome_of(&record(NextStep::Succeeded, Some(200), None, 1));
        assert!(outcome.succeeded && !outcome.gone);
    }
}
