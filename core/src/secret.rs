//! Secrets and secret sets: several active at once, each with an optional expiry and label.
//!
//! Rotation without downtime is "add the new secret, then expire the old one": while both are active the sender
//! signs with both and the receiver accepts either. A secret's value never changes.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use crate::error::WebhookError;

/// The prefix of Standard Webhooks secrets.
pub const SECRET_PREFIX: &str = "whsec_";
/// The fewest key bytes a Standard Webhooks secret may carry.
pub const MIN_KEY_BYTES: usize = 24;
/// The most key bytes a Standard Webhooks secret may carry.
pub const MAX_KEY_BYTES: usize = 64;
/// How many key bytes [`generate_secret`] is usually given.
pub const DEFAULT_KEY_BYTES: usize = 32;
/// The most secrets a set may hold: a rotation needs two or three, and every active secret adds a signature to
/// each request, whose header the receiver must accept (64 entries at most).
pub const MAX_SECRETS: usize = 32;
/// The longest fabric (plain string) secret accepted, in bytes.
pub const MAX_FABRIC_SECRET_BYTES: usize = 1024;

/// Standard base64 that accepts the padding or its absence, as secrets are copied by hand.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// One secret: its text as the user holds it, an optional expiry and an optional label.
///
/// The text is only interpreted when a [`crate::Webhook`] is built, because the scheme decides what it means
/// (`whsec_`+base64 key bytes for Standard Webhooks, the string's UTF-8 bytes for fabric).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    value: String,
    expires_at: Option<u64>,
    label: Option<String>,
}

impl Secret {
    /// A secret that never expires and has no label.
    pub fn new(value: impl Into<String>) -> Self {
        Self { value: value.into(), expires_at: None, label: None }
    }

    /// Sets the expiry: the secret is usable while `now < expires_at` (unix seconds).
    #[must_use]
    pub fn expires_at(mut self, expires_at: u64) -> Self {
        self.expires_at = Some(expires_at);
        self
    }

    /// Sets or clears the expiry.
    #[must_use]
    pub fn with_expiry(mut self, expires_at: Option<u64>) -> Self {
        self.expires_at = expires_at;
        self
    }

    /// Sets a label that verification reports when this secret matched (e.g. `"2026-q4"`).
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets or clears the label.
    #[must_use]
    pub fn with_label(mut self, label: Option<String>) -> Self {
        self.label = label;
        self
    }

    /// The secret's text, exactly as given.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The expiry (unix seconds), if any.
    pub fn expiry(&self) -> Option<u64> {
        self.expires_at
    }

    /// The label, if any.
    pub fn label_text(&self) -> Option<&str> {
        self.label.as_deref()
    }

    /// Whether the secret may sign and verify at `now` (unix seconds).
    pub fn is_active_at(&self, now: u64) -> bool {
        active_at(self.expires_at, now)
    }
}

/// The expiry rule on its own, for callers that hold a secret's expiry without the secret (a sender's stored rows):
/// active at `now` unless it has an expiry at or before `now` (unix seconds; the expiry itself is excluded).
pub fn active_at(expires_at: Option<u64>, now: u64) -> bool {
    expires_at.is_none_or(|expiry| now < expiry)
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("value", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("label", &self.label)
            .finish()
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

/// An ordered set of secrets; verification reports the index of the one that matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecretSet {
    secrets: Vec<Secret>,
}

impl SecretSet {
    /// An empty set (a [`crate::Webhook`] needs at least one secret).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret at the end.
    pub fn push(&mut self, secret: impl Into<Secret>) {
        self.secrets.push(secret.into());
    }

    /// Adds a secret at the end, builder style.
    #[must_use]
    pub fn with(mut self, secret: impl Into<Secret>) -> Self {
        self.push(secret);
        self
    }

    /// The secrets, in order.
    pub fn secrets(&self) -> &[Secret] {
        &self.secrets
    }

    /// How many secrets the set holds, active or not.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Whether the set holds no secret.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

impl From<Secret> for SecretSet {
    fn from(secret: Secret) -> Self {
        Self { secrets: alloc::vec![secret] }
    }
}

impl From<&str> for SecretSet {
    fn from(value: &str) -> Self {
        Secret::new(value).into()
    }
}

impl From<String> for SecretSet {
    fn from(value: String) -> Self {
        Secret::new(value).into()
    }
}

impl From<Vec<Secret>> for SecretSet {
    fn from(secrets: Vec<Secret>) -> Self {
        Self { secrets }
    }
}

impl<S: Into<Secret>, const N: usize> From<[S; N]> for SecretSet {
    fn from(secrets: [S; N]) -> Self {
        secrets.into_iter().collect()
    }
}

impl<S: Into<Secret>> FromIterator<S> for SecretSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self { secrets: iter.into_iter().map(Into::into).collect() }
    }
}

/// Decodes a Standard Webhooks secret (`whsec_` + base64; the prefix may be left out) into its key bytes.
pub(crate) fn decode_standard_key(value: &str) -> Result<Vec<u8>, &'static str> {
    // Surrounding whitespace is never part of base64, and trailing newlines from env files are common.
    let trimmed = value.trim_matches(|c: char| c.is_ascii_whitespace());
    let encoded = trimmed.strip_prefix(SECRET_PREFIX).unwrap_or(trimmed);
    if encoded.is_empty() {
        return Err("it is empty (expected `whsec_` followed by base64)");
    }
    // Longest legal encoding of MAX_KEY_BYTES is 88 characters; refuse anything far beyond before decoding.
    if encoded.len() > 4 * MAX_KEY_BYTES.div_ceil(3) {
        return Err("it is longer than 64 key bytes");
    }
    let key = LENIENT_BASE64.decode(encoded).map_err(|_| "the part after `whsec_` is not standard base64")?;
    if key.len() < MIN_KEY_BYTES {
        return Err("it decodes to fewer than 24 key bytes");
    }
    if key.len() > MAX_KEY_BYTES {
        return Err("it decodes to more than 64 key bytes");
    }
    Ok(key)
}

/// Checks a fabric secret, whose key is the string's UTF-8 bytes exactly as given.
pub(crate) fn check_fabric_key(value: &str) -> Result<&[u8], &'static str> {
    if value.is_empty() {
        return Err("it is empty");
    }
    if value.len() > MAX_FABRIC_SECRET_BYTES {
        return Err("it is longer than 1024 bytes");
    }
    Ok(value.as_bytes())
}

/// Makes a new `whsec_` secret from caller-supplied random bytes (24 to 64 of them; 32 is the usual choice).
///
/// The core reads no randomness itself: pass bytes from the platform's CSPRNG (`getrandom`, `crypto.getRandomValues`,
/// `os.urandom`).
pub fn generate_secret(random_bytes: &[u8]) -> Result<String, WebhookError> {
    if !(MIN_KEY_BYTES..=MAX_KEY_BYTES).contains(&random_bytes.len()) {
        return Err(WebhookError::InvalidOption {
            name: "random_bytes",
            problem: "a secret needs 24 to 64 random bytes (32 is usual)",
        });
    }
    let mut secret = String::with_capacity(SECRET_PREFIX.len() + 4 * random_bytes.len().div_ceil(3));
    secret.push_str(SECRET_PREFIX);
    STANDARD.encode_string(random_bytes, &mut secret);
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("whsec_c2VjcmV0LXZhbHVlLXRoYXQtaXMtbG9uZy1lbm91Z2g=").label("a");
        let shown = format!("{secret:?} {:?}", SecretSet::from(secret.clone()));
        assert!(!shown.contains("c2VjcmV0"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }

    #[test]
    fn expiry_is_exclusive() {
        let secret = Secret::new("x").expires_at(100);
        assert!(secret.is_active_at(99));
        assert!(!secret.is_active_at(100));
        assert!(Secret::new("x").is_active_at(u64::MAX));
    }

    #[test]
    fn generated_secrets_round_trip() {
        let secret = generate_secret(&[7u8; 32]).unwrap_or_default();
        assert_eq!(decode_standard_key(&secret), Ok(alloc::vec![7u8; 32]));
        assert!(generate_secret(&[0u8; 23]).is_err());
        assert!(generate_secret(&[0u8; 65]).is_err());
    }
}
