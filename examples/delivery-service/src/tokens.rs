//! Secret tokens: console links and session ids are 256 random bits, kept only as their SHA-256 (a copy of the
//! database opens nothing).

use sha2::{Digest, Sha256};

/// 32 bytes of the OS generator as 64 hex digits.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex::encode(bytes))
}

/// A token as stored: its SHA-256, in hex.
pub fn hashed(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A duration in ms, for times stored in ms.
pub fn ms(duration: std::time::Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
