//! Signing: the stored secrets as the core's [`Secret`]s, and one core [`Webhook`] per endpoint for the worker,
//! built once from all of its secrets (expiries included, so its keys are derived once) and kept while the
//! secrets and scheme are unchanged. Each attempt signs with the secrets active on the service clock
//! ([`Webhook::sign_active_at`]) while the signed timestamp is the wall time receivers check.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use dropship_webhooks::{Secret, SecretSet, Webhook, WebhookError};

use crate::clock::wall_ms;
use crate::store::{EndpointRow, SecretRow};

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
    rows.iter().filter(|row| secret_of(row).is_active_at(now_seconds)).cloned().collect()
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
        // Only the live ones: expired secrets stay listed until purged, and must not count toward the cap.
        let signer = self.signer(endpoint, &live_secrets(secrets, clock_seconds))?;
        Ok(signer.sign_active_at(message_id, timestamp, clock_seconds, body)?.into_vec())
    }

    /// The endpoint's signer: the cached one while its scheme and secrets are the same, else a new one.
    pub fn signer(&self, endpoint: &EndpointRow, secrets: &[SecretRow]) -> Result<Arc<Webhook>, WebhookError> {
        let fingerprint = fingerprint(endpoint, secrets);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((known, signer)) = cache.get(&endpoint.id) {
            if *known == fingerprint {
                return Ok(signer.clone());
            }
        }
        let signer = Arc::new(Webhook::with_scheme(secret_set(secrets), endpoint.scheme)?);
        if cache.len() >= MAX_CACHED_SIGNERS {
            cache.clear();
        }
        cache.insert(endpoint.id.clone(), (fingerprint, signer.clone()));
        Ok(signer)
    }
}

/// What a signer is built from: the scheme and each secret's id, value, expiry and label (a secret's value never
/// changes under its id, but an expiry does).
fn fingerprint(endpoint: &EndpointRow, secrets: &[SecretRow]) -> u64 {
    let mut hasher = DefaultHasher::new();
    endpoint.scheme.hash(&mut hasher);
    for secret in secrets {
        (&secret.id, &secret.value, secret.expires_at, &secret.label).hash(&mut hasher);
    }
    hasher.finish()
}
