//! Signing: the stored secrets as the core's [`Secret`]s, and one core [`Webhook`] per endpoint for the worker,
//! built once from all of its secrets (expiries included, so its keys are derived once) and kept while the
//! secrets and scheme are unchanged. Each attempt signs with the secrets active on the service clock
//! ([`Webhook::sign_active_at`]) while the signed timestamp is the wall time receivers check.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use dropship_webhooks::secret::active_at;
use dropship_webhooks::{Secret, SecretSet, Webhook, WebhookError};

use crate::clock::wall_ms;
use crate::model::{EndpointRow, SecretRow};

/// Above this many endpoints the cache starts over rather than grow without bound (a signer is cheap to rebuild).
const MAX_CACHED_SIGNERS: usize = 10_000;

/// A stored secret as the core's [`Secret`].
pub fn secret_of(row: &SecretRow) -> Secret {
    Secret::new(row.value.clone())
        .with_expiry(row.expires_at.and_then(|at| u64::try_from(at).ok()))
        .with_label(row.label.clone())
}

/// The secrets not expired at `now_seconds`: the ones that sign, and the ones the cap of
/// [`dropship_webhooks::secret::MAX_SECRETS`] counts (an expired secret is kept for the record until it is purged).
pub fn live_secrets(rows: &[SecretRow], now_seconds: u64) -> Vec<SecretRow> {
    rows.iter().filter(|row| is_live(row, now_seconds)).cloned().collect()
}

/// Whether a stored secret is active at `now_seconds` (the core's expiry rule, without building the secret).
pub fn is_live(row: &SecretRow, now_seconds: u64) -> bool {
    // A negative expiry cannot be stored (the API refuses it); read as already past.
    active_at(row.expires_at.map(|at| u64::try_from(at).unwrap_or(0)), now_seconds)
}

/// A short public fingerprint of a secret value (the first 8 bytes of its SHA-256, hex): enough to tell secrets
/// apart and to match one a receiver holds, nothing of the value itself.
pub fn fingerprint_of(value: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(value.as_bytes());
    format!("sha256:{}", hex::encode(&digest[..8]))
}

/// An endpoint's stored secrets as the core's set.
pub fn secret_set(rows: &[SecretRow]) -> SecretSet {
    SecretSet::from(rows.iter().map(secret_of).collect::<Vec<_>>())
}

/// The worker's signers, one per endpoint.
#[derive(Default)]
pub struct Signers {
    /// Endpoint id → (fingerprint of its scheme and secrets, the signer built from them).
    cache: Mutex<HashMap<String, (u64, Arc<Webhook>)>>,
}

impl Signers {
    /// The headers for one delivery: every secret active at `clock_seconds` signs; the signed timestamp is the
    /// wall time.
    pub fn sign(
        &self,
        endpoint: &EndpointRow,
        secrets: &[SecretRow],
        message_id: &str,
        clock_seconds: u64,
        body: &[u8],
    ) -> Result<Vec<(&'static str, String)>, WebhookError> {
        let timestamp = u64::try_from(wall_ms() / 1000).unwrap_or(0);
        let signer = self.signer_at(endpoint, secrets, Some(clock_seconds))?;
        Ok(signer.sign_active_at(message_id, timestamp, clock_seconds, body)?.into_vec())
    }

    /// The endpoint's signer over every secret: the cached one while its scheme and secrets are the same.
    pub fn signer(&self, endpoint: &EndpointRow, secrets: &[SecretRow]) -> Result<Arc<Webhook>, WebhookError> {
        self.signer_at(endpoint, secrets, None)
    }

    /// The endpoint's signer over the secrets live at `now_seconds` (all with `None`; expired ones stay stored until purged and
    /// must not count toward the cap): the cached one while those are the same, else a new one. The live set is
    /// filtered without copying on the way (every attempt asks); rows are copied only to build a new signer.
    fn signer_at(
        &self,
        endpoint: &EndpointRow,
        secrets: &[SecretRow],
        now_seconds: Option<u64>,
    ) -> Result<Arc<Webhook>, WebhookError> {
        let live = || secrets.iter().filter(|row| now_seconds.is_none_or(|now| is_live(row, now)));
        let fingerprint = fingerprint(endpoint, live());
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((known, signer)) = cache.get(&endpoint.id) {
            if *known == fingerprint {
                return Ok(signer.clone());
            }
        }
        let rows: Vec<SecretRow> = live().cloned().collect();
        let signer = Arc::new(Webhook::with_scheme(secret_set(&rows), endpoint.scheme)?);
        if cache.len() >= MAX_CACHED_SIGNERS {
            cache.clear();
        }
        cache.insert(endpoint.id.clone(), (fingerprint, signer.clone()));
        Ok(signer)
    }
}

/// What a signer is built from: the scheme and each secret's id, value, expiry and label (a secret's value never
/// changes under its id, but an expiry does).
fn fingerprint<'a>(endpoint: &EndpointRow, secrets: impl Iterator<Item = &'a SecretRow>) -> u64 {
    let mut hasher = DefaultHasher::new();
    endpoint.scheme.hash(&mut hasher);
    for secret in secrets {
        (&secret.id, &secret.value, secret.expires_at, &secret.label).hash(&mut hasher);
    }
    hasher.finish()
}
