//! One attempt: the request ([`send`], the only I/O) and what follows from its answer ([`decide`], pure): success,
//! a retry at a time from the core's schedule (or the receiver's `Retry-After`), or giving up — for a 410 Gone, an
//! abort answer, a single resend, or the schedule running out — and whether the endpoint must slow down.

use dropship_webhooks::delivery::RetrySchedule;
use dropship_webhooks::endpoint::DeliveryMethod;

use crate::delivery::net::{check_literal_host, classify, describe, AddressPolicy};
use crate::model::{Claim, EndpointRow, ErrorClass, NextStep};
use crate::received::header_value;
use crate::rules::SLOW_DOWN_STATUSES;

/// The response header by which a receiver asks that one delivery not be retried, and its value.
pub const ABORT_HEADER: &str = "webhook-delivery";
/// See [`ABORT_HEADER`].
pub const ABORT_VALUE: &str = "abort-message";

/// The most of a response body kept in the history.
pub const RESPONSE_EXCERPT_BYTES: usize = 16 * 1024;

/// What came back: the status, `Retry-After`, the headers and the start of the body, as bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if sent.
    pub retry_after: Option<String>,
    /// The headers, as received (values not UTF-8 are replaced, [`header_value`]).
    pub headers: Vec<(String, String)>,
    /// The start of the body (at most [`RESPONSE_EXCERPT_BYTES`]), as it came.
    pub body: Vec<u8>,
}

/// Why no answer came: an error class (`timeout`, `dns`, `blocked`, `connect`, `tls`, `network`, `signing`,
/// `config`) and the error in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The error class.
    pub class: ErrorClass,
    /// The error in words.
    pub message: String,
}

/// Where a request goes: the guarded client, its address policy and the endpoint.
#[derive(Clone, Copy)]
pub struct Target<'a> {
    /// The guarded client ([`crate::delivery::net`]).
    pub client: &'a reqwest::Client,
    /// Which addresses may be reached.
    pub policy: AddressPolicy,
    /// The endpoint sent to.
    pub endpoint: &'a EndpointRow,
}

/// Sends one request with the signature `headers`; `sent_headers` gets every header sent (for the history).
pub async fn send(
    target: Target<'_>,
    headers: &[(&'static str, String)],
    body: &[u8],
    sent_headers: &mut Vec<(String, String)>,
) -> Result<Answer, Failure> {
    sent_headers.push(("content-type".into(), "application/json".into()));
    sent_headers.extend(headers.iter().map(|(name, value)| ((*name).to_owned(), value.clone())));
    let url = reqwest::Url::parse(&target.endpoint.url)
        .map_err(|error| Failure { class: ErrorClass::Config, message: format!("bad URL: {error}") })?;
    check_literal_host(&url, target.policy)
        .map_err(|blocked| Failure { class: ErrorClass::Blocked, message: blocked.to_string() })?;
    let method = match target.endpoint.method {
        DeliveryMethod::Post => reqwest::Method::POST,
        DeliveryMethod::Put => reqwest::Method::PUT,
        DeliveryMethod::Patch => reqwest::Method::PATCH,
    };
    let mut request = target.client.request(method, url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let mut response = request
        .body(body.to_vec())
        .send()
        .await
        .map_err(|error| Failure { class: classify(&error), message: describe(&error) })?;
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").and_then(|value| value.to_str().ok()).map(str::to_owned);
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), header_value(value.as_bytes())))
        .collect();
    // Kept as bytes: a receiver's answer is data, whatever it holds (NULs, another encoding, binary).
    let mut excerpt = Vec::new();
    // Bounded: the body ends, or the excerpt is full.
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = RESPONSE_EXCERPT_BYTES - excerpt.len();
                excerpt.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if excerpt.len() >= RESPONSE_EXCERPT_BYTES {
                    break;
                }
            }
            Ok(None) => break,
            // The status already arrived; a body cut short only shortens the excerpt.
            Err(_) => break,
        }
    }
    Ok(Answer { status, retry_after, headers, body: excerpt })
}

/// The time a decision is made at: the service clock, in ms and in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// Unix ms.
    pub ms: i64,
    /// Unix seconds.
    pub seconds: u64,
}

/// What follows from an attempt's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The HTTP status, if an answer came.
    pub status_code: Option<i64>,
    /// `None` on success.
    pub error_class: Option<ErrorClass>,
    /// The error in words.
    pub error: Option<String>,
    /// Succeeded, retry at, or give up.
    pub next: NextStep,
    /// A 410 Gone: the endpoint is switched off.
    pub gone: bool,
    /// A 429, 502 or 504: the endpoint pauses at least this long (its `Retry-After`; 0: the rule's own pause).
    pub slow_down_ms: Option<i64>,
    /// Given up because the schedule ran out (not a 410, an abort answer or a single resend).
    pub exhausted: bool,
}

/// Decides what follows an attempt of `claim` that got `answer`, by the retry `schedule`, at `now`; `random` in
/// `[0, 1)` draws the retry's jitter.
pub fn decide(
    claim: &Claim,
    answer: &Result<Answer, Failure>,
    schedule: &RetrySchedule,
    now: Now,
    random: f64,
) -> Decision {
    let (status_code, error_class, error, retry_after) = match answer {
        Ok(answer) if (200..300).contains(&answer.status) => (Some(i64::from(answer.status)), None, None, None),
        Ok(answer) => (
            Some(i64::from(answer.status)),
            Some(ErrorClass::Http),
            Some(format!("the endpoint answered HTTP {}", answer.status)),
            answer.retry_after.as_deref(),
        ),
        Err(failure) => (None, Some(failure.class), Some(failure.message.clone()), None),
    };
    // The receiver may ask for this one delivery not to be retried (a poison message it will never accept).
    let aborted = answer.as_ref().is_ok_and(|answer| {
        answer.headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case(ABORT_HEADER) && value.trim().eq_ignore_ascii_case(ABORT_VALUE)
        })
    });
    let gone = status_code == Some(410);
    // Overwhelmed (429, 502, 504): the endpoint is paused, as long as its Retry-After asks if it says.
    let slow_down_ms =
        status_code.filter(|status| SLOW_DOWN_STATUSES.iter().any(|slow| i64::from(*slow) == *status)).map(|_| {
            let asked = schedule.retry_after_ms(retry_after, now.seconds);
            asked.and_then(|ms| i64::try_from(ms).ok()).unwrap_or(0)
        });
    let mut exhausted = false;
    let (next, error) = if error_class.is_none() {
        (NextStep::Succeeded, error)
    } else if gone {
        (
            NextStep::GiveUp,
            Some("the endpoint answered HTTP 410 Gone: not retried, and the endpoint is deactivated".into()),
        )
    } else if aborted {
        (NextStep::GiveUp, Some(format!("the receiver answered {ABORT_HEADER}: {ABORT_VALUE}: not retried")))
    } else if claim.single_attempt {
        // A resend or recovery of a finished delivery is one attempt.
        (NextStep::GiveUp, error)
    } else {
        let failures = u32::try_from(claim.attempts).unwrap_or(u32::MAX);
        let next = match schedule.next_delay_ms(failures, random) {
            None => {
                exhausted = true;
                NextStep::GiveUp
            }
            Some(scheduled) => {
                let asked = schedule.retry_after_ms(retry_after, now.seconds);
                let delay = i64::try_from(asked.unwrap_or(scheduled)).unwrap_or(i64::MAX);
                NextStep::RetryAt(now.ms.saturating_add(delay))
            }
        };
        (next, error)
    };
    Decision { status_code, error_class, error, next, gone, slow_down_ms, exhausted }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Now = Now { ms: 1_790_000_000_000, seconds: 1_790_000_000 };

    fn claim(attempts: i64, single_attempt: bool) -> Claim {
        Claim {
            delivery_id: "dlv_1".into(),
            account_id: "acme".into(),
            event_id: "evt_1".into(),
            endpoint_id: "ep_1".into(),
            topic: "order.created".into(),
            attempts,
            claims: attempts,
            trigger: crate::model::Trigger::Scheduled,
            single_attempt,
            queued_at: 0,
            start_after_ms: 0,
            burst_limited: false,
        }
    }

    fn answered(status: u16, headers: &[(&str, &str)]) -> Result<Answer, Failure> {
        let headers = headers.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        let retry_after = None;
        Ok(Answer { status, retry_after, headers, body: Vec::new() })
    }

    fn schedule() -> RetrySchedule {
        RetrySchedule::default()
    }

    #[test]
    fn a_2xx_succeeds() {
        let decision = decide(&claim(1, false), &answered(204, &[]), &schedule(), NOW, 0.5);
        assert_eq!((decision.next, decision.error_class, decision.status_code), (NextStep::Succeeded, None, Some(204)));
    }

    #[test]
    fn a_failure_is_retried_on_the_schedule_until_it_runs_out() {
        let first = decide(&claim(1, false), &answered(503, &[]), &schedule(), NOW, 0.5);
        // 30 s, no jitter at the middle of the draw.
        assert_eq!(first.next, NextStep::RetryAt(NOW.ms + 30_000));
        assert_eq!(first.error.as_deref(), Some("the endpoint answered HTTP 503"));
        let network = Err(Failure { class: ErrorClass::Connect, message: "refused".into() });
        assert_eq!(decide(&claim(2, false), &network, &schedule(), NOW, 0.5).error_class, Some(ErrorClass::Connect));
        let last = decide(&claim(11, false), &answered(500, &[]), &schedule(), NOW, 0.5);
        assert_eq!((last.next, last.exhausted), (NextStep::GiveUp, true));
    }

    #[test]
    fn retry_after_sets_the_retry_and_the_pause() {
        let mut slow = answered(429, &[]);
        if let Ok(answer) = &mut slow {
            answer.retry_after = Some("120".into());
        }
        let decision = decide(&claim(1, false), &slow, &schedule(), NOW, 0.5);
        assert_eq!(decision.next, NextStep::RetryAt(NOW.ms + 120_000));
        assert_eq!(decision.slow_down_ms, Some(120_000));
        assert_eq!(decide(&claim(1, false), &answered(502, &[]), &schedule(), NOW, 0.5).slow_down_ms, Some(0));
        assert_eq!(decide(&claim(1, false), &answered(500, &[]), &schedule(), NOW, 0.5).slow_down_ms, None);
    }

    #[test]
    fn gone_abort_and_single_attempts_give_up_at_once() {
        let gone = decide(&claim(1, false), &answered(410, &[]), &schedule(), NOW, 0.5);
        assert_eq!((gone.next, gone.gone, gone.exhausted), (NextStep::GiveUp, true, false));
        let aborted =
            decide(&claim(1, false), &answered(400, &[("Webhook-Delivery", " Abort-Message ")]), &schedule(), NOW, 0.5);
        assert_eq!((aborted.next, aborted.exhausted), (NextStep::GiveUp, false));
        assert!(aborted.error.is_some_and(|error| error.contains("not retried")));
        let resent = decide(&claim(1, true), &answered(500, &[]), &schedule(), NOW, 0.5);
        assert_eq!((resent.next, resent.exhausted), (NextStep::GiveUp, false));
    }
}
