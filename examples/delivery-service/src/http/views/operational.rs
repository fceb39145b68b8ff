//! Operational webhooks and their notices, as the API shows them.

use super::*;

/// An account's operational webhook (its secret's fingerprint, never the secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperationalWebhookOut {
    /// Where notices go.
    pub url: String,
    /// The secret's fingerprint.
    pub fingerprint: String,
    /// The notice types sent.
    pub types: Vec<String>,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms.
    pub updated_at: i64,
}

impl From<&OperationalWebhookRow> for OperationalWebhookOut {
    fn from(row: &OperationalWebhookRow) -> Self {
        Self {
            url: row.url.clone(),
            fingerprint: fingerprint_of(&row.secret),
            types: NOTICE_TYPES.iter().map(|kind| (*kind).to_owned()).collect(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `PUT …/operational-webhook`: the destination and its secret, shown this once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct OperationalWebhookSetOut {
    /// The destination.
    #[serde(flatten)]
    pub webhook: OperationalWebhookOut,
    /// The `whsec_` secret notices are signed with.
    pub secret: String,
}

/// An operational notice, with its delivery status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoticeOut {
    /// `opev_…` (its `webhook-id`).
    pub id: String,
    /// The account it concerns.
    pub account_id: String,
    /// `account` or `service`.
    pub destination: String,
    /// `endpoint.disabled`, `delivery.exhausted` or `secret.expiring`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The notice as sent.
    #[schema(value_type = Object)]
    pub body: Value,
    /// Attempts so far.
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

impl From<NoticeRow> for NoticeOut {
    fn from(row: NoticeRow) -> Self {
        Self {
            body: serde_json::from_str(&row.body).unwrap_or(Value::Null),
            id: row.id,
            account_id: row.account_id,
            destination: row.destination,
            kind: row.kind,
            attempts: row.attempts,
            status: row.status,
            last_error: row.last_error,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
