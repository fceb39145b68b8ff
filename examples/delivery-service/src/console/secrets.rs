//! The signing-secret forms the seeds ask for beyond adding one: the expiry date of an active secret changed
//! (a date, validated: never in the past), and a compromised secret replaced in one confirmed step with a choice of
//! overlap (the API's roll). Dates are whole days in UTC, as the date inputs give them.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use serde_json::json;

use crate::http::views::{RolledSecretOut, SecretOut};

use super::endpoints::{endpoint_action, Notice};
use super::{ConsoleState, Refusal};

const DAY_SECONDS: i64 = 86_400;

/// `YYYY-MM-DD` as the unix seconds of that day's start in UTC; None when it is not such a date.
pub(crate) fn date_start(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if year.len() != 4 || month.len() != 2 || day.len() != 2 {
        return None;
    }
    let (year, month, day): (i64, i64, i64) = (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month) || day < 1 || day > *days_in_month.get(usize::try_from(month - 1).ok()?)? {
        return None;
    }
    // Days from 1970-01-01 by the civil-from-days inverse (proleptic Gregorian, March-based years).
    let (y, m) = if month <= 2 { (year - 1, month + 9) } else { (year, month - 3) };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    Some((era * 146_097 + day_of_era - 719_468) * DAY_SECONDS)
}

/// The expiry a date input asks for, or the sentence saying why not: a real date after today (UTC).
pub(crate) fn future_date(text: &str, now_seconds: i64) -> Result<i64, String> {
    let Some(start) = date_start(text) else {
        return Err("Pick an expiry date (year, month and day).".into());
    };
    if start <= now_seconds - now_seconds.rem_euclid(DAY_SECONDS) {
        return Err("Pick an expiry date after today: a secret cannot expire in the past.".into());
    }
    Ok(start)
}

/// `POST …/secrets/{secret_id}/expiry`: a new expiry date for an active secret.
pub(crate) async fn set_expiry(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id, secret_id)): Path<(String, String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    endpoint_action(
        &state,
        &headers,
        &account,
        &id,
        &body,
        |form, now| {
            let at = future_date(form.get("expiresOn").unwrap_or_default(), now)?;
            Ok((Method::PATCH, format!("/secrets/{secret_id}"), json!({ "expiresAt": at })))
        },
        |secret: SecretOut| Notice {
            text: Some(format!(
                "The secret {} now expires on {}.",
                secret.fingerprint,
                secret.expires_at.map(day_text).unwrap_or_default()
            )),
            ..Notice::default()
        },
    )
    .await
}

/// `POST …/secrets/replace`: a new secret, the active ones expiring after the chosen overlap, once confirmed.
pub(crate) async fn replace(
    State(state): State<ConsoleState>,
    headers: HeaderMap,
    Path((account, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, Refusal> {
    endpoint_action(
        &state,
        &headers,
        &account,
        &id,
        &body,
        |form, _| {
            if form.get("confirm").is_none() {
                return Err("Tick the box to confirm: the current secret stops working after the overlap.".into());
            }
            let overlap = match form.get("overlap").unwrap_or("86400") {
                "0" => 0,
                "3600" => 3600,
                "604800" => 604_800,
                _ => 86_400,
            };
            Ok((Method::POST, "/secrets/roll".into(), json!({ "overlapSeconds": overlap })))
        },
        |rolled: RolledSecretOut| Notice {
            text: Some(if rolled.expiring.is_empty() {
                "Secret replaced.".into()
            } else {
                format!(
                    "Secret replaced: the old one is accepted until {} UTC, then only the new one.",
                    minute_text(rolled.old_secrets_expire_at.saturating_mul(1000))
                )
            }),
            secret: Some(rolled.secret.value),
            error: None,
        },
    )
    .await
}

/// Unix seconds as `YYYY-MM-DD` (UTC).
pub(crate) fn day_text(seconds: i64) -> String {
    super::when(Some(seconds.saturating_mul(1000))).get(..10).unwrap_or_default().to_owned()
}

/// Unix ms as `YYYY-MM-DD HH:MM` (UTC).
pub(crate) fn minute_text(ms: i64) -> String {
    super::when(Some(ms)).replace('T', " ").get(..16).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_the_start_of_their_day_in_utc() {
        assert_eq!(date_start("1970-01-01"), Some(0));
        assert_eq!(date_start("2026-12-07"), Some(1_796_601_600));
        assert_eq!(date_start("2024-02-29"), Some(1_709_164_800));
        for wrong in ["2025-02-29", "2026-13-01", "2026-00-10", "2026-1-1", "tomorrow", "", "2026-12-32"] {
            assert_eq!(date_start(wrong), None, "{wrong}");
        }
        assert_eq!(day_text(1_796_601_600 + 3600), "2026-12-07");
    }

    #[test]
    fn an_expiry_date_must_be_after_today() {
        let noon = 1_796_601_600 + 12 * 3600; // 2026-12-07 12:00 UTC
        assert!(future_date("2026-12-07", noon).is_err(), "today is refused");
        assert!(future_date("2026-12-06", noon).is_err(), "the past is refused");
        assert_eq!(future_date("2026-12-08", noon), Ok(1_796_688_000));
        assert!(matches!(future_date("08/12/2026", noon), Err(problem) if problem.contains("Pick an expiry date")));
    }
}
