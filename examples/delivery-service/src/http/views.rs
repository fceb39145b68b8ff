//! What the API answers: every response shape.

use serde_json::{json, Value};

use crate::delivery::signing::{fingerprint_of, is_live};
use crate::http::error::ApiError;
use crate::model::{EndpointRow, SecretRow};
use crate::store::operational::{OperationalWebhookRow, NOTICE_TYPES};

pub(crate) fn endpoint_json(endpoint: &EndpointRow) -> Value {
    json!({
        "id": endpoint.id,
        "accountId": endpoint.account_id,
        "url": endpoint.url,
        "description": endpoint.description,
        "topics": endpoint.topics,
        "method": endpoint.method.name(),
        "scheme": endpoint.scheme.name(),
        "rateLimit": endpoint.rate_limit,
        "burstLimit": endpoint.burst_limit,
        "enabled": endpoint.enabled,
        "active": endpoint.is_active(),
        "health": { "status": endpoint.health.status.name(), "failingSince": endpoint.health.failing_since },
        "disabledReason": endpoint.disabled_reason,
        "slowedUntil": endpoint.slowed_until,
        "createdAt": endpoint.created_at,
        "updatedAt": endpoint.updated_at,
    })
}

pub(crate) fn secret_json(secret: &SecretRow, now_seconds: u64) -> Value {
    json!({
        "id": secret.id,
        "label": secret.label,
        "expiresAt": secret.expires_at,
        "active": is_live(secret, now_seconds),
        // Tells secrets apart and matches the one a receiver holds; nothing of the value.
        "fingerprint": fingerprint_of(&secret.value),
        "createdAt": secret.created_at,
    })
}

/// A new secret as answered once, with its value.
pub(crate) fn new_secret_json(secret: &SecretRow) -> Value {
    json!({
        "id": secret.id, "value": secret.value, "label": secret.label, "expiresAt": secret.expires_at,
        "fingerprint": fingerprint_of(&secret.value), "createdAt": secret.created_at,
    })
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|error| ApiError::internal(&error))
}

pub(crate) fn operational_webhook_json(row: &OperationalWebhookRow) -> Value {
    json!({
        "url": row.url,
        "fingerprint": fingerprint_of(&row.secret),
        "types": NOTICE_TYPES,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
    })
}
