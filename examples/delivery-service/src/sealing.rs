//! Signing secrets at rest: each value is stored sealed with AES-256-GCM (RustCrypto's `aes-gcm`) under the
//! service's secrets key, with a fresh 96-bit nonce per value and the secret's id as associated data, so a sealed
//! value copied onto another secret's row does not open. A stored value reads `enc:v1:<hex nonce><hex sealed>`.
//!
//! The key comes from `--secrets-key-file` (a file holding 64 hex digits) or `DELIVERY_SECRETS_KEY` (the same
//! digits). Without either, a SQLite database gets a key file made next to it on first start (mode 0600); Postgres
//! needs one given, since every process sharing the database must hold the same key.

use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};

/// What marks a sealed value (and its format version).
pub const SEALED_PREFIX: &str = "enc:v1:";

const NONCE_BYTES: usize = 12;

/// Where the secrets key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// 64 hex digits given directly (`DELIVERY_SECRETS_KEY`).
    Hex(String),
    /// A file holding 64 hex digits (`--secrets-key-file`).
    File(PathBuf),
    /// Neither given: a key file next to the SQLite database, made on first start.
    NextToDatabase,
}

/// The cipher for secrets at rest.
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Sealer(..)")
    }
}

/// A value that could not be sealed (no randomness for its nonce), or a sealed value that does not open (another
/// key, another row, or damage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealError(pub String);

impl std::fmt::Display for SealError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "sealing secrets at rest: {}", self.0)
    }
}

impl std::error::Error for SealError {}

impl Sealer {
    /// A sealer for a 256-bit key.
    pub fn new(key: [u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new(&key.into()) }
    }

    /// Whether a stored value is sealed (values from before sealing are not, until the service seals them).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED_PREFIX)
    }

    /// Seals `value` for the secret `secret_id`.
    pub fn seal(&self, secret_id: &str, value: &str) -> Result<String, SealError> {
        let mut nonce = [0u8; NONCE_BYTES];
        // Without the OS generator no nonce can be trusted: refuse to store rather than risk reusing one.
        getrandom::fill(&mut nonce).map_err(|error| SealError(format!("no random nonce: {error}")))?;
        let payload = Payload { msg: value.as_bytes(), aad: secret_id.as_bytes() };
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .map_err(|_| SealError("the value is too long to seal".into()))?;
        Ok(format!("{SEALED_PREFIX}{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// Opens a stored value of the secret `secret_id`; a value not sealed (an old row) is returned as it is.
    pub fn open(&self, secret_id: &str, stored: &str) -> Result<String, SealError> {
        let Some(sealed) = stored.strip_prefix(SEALED_PREFIX) else { return Ok(stored.to_owned()) };
        let bytes = hex::decode(sealed).map_err(|_| SealError("the stored value is not hex".into()))?;
        if bytes.len() < NONCE_BYTES {
            return Err(SealError("the stored value is too short".into()));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let opened =
            self.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: secret_id.as_bytes() }).map_err(
                |_| SealError("a stored secret does not decrypt: wrong secrets key, or the row was altered".into()),
            )?;
        String::from_utf8(opened).map_err(|_| SealError("the value is not UTF-8".into()))
    }
}

/// 64 hex digits (surrounding whitespace ignored) as a key.
pub fn parse_key(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text.trim()).map_err(|_| "the secrets key must be 64 hex digits".to_owned())?;
    <[u8; 32]>::try_from(bytes).map_err(|_| "the secrets key must be 64 hex digits (32 bytes)".to_owned())
}

/// Where the key file of a SQLite database lives: `data/delivery.db` → `data/delivery.secrets-key`.
pub fn key_file_beside(database_path: &Path) -> PathBuf {
    database_path.with_extension("secrets-key")
}

/// The key for `source`; `sqlite_path` is the SQLite database file (`None` on Postgres). Returns the key and, when
/// a key file was made, its path (for the caller to announce).
pub fn resolve_key(source: &KeySource, sqlite_path: Option<&Path>) -> Result<([u8; 32], Option<PathBuf>), String> {
    match source {
        KeySource::Hex(text) => Ok((parse_key(text)?, None)),
        KeySource::File(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|error| format!("reading the secrets key file {}: {error}", path.display()))?;
            Ok((parse_key(&text).map_err(|error| format!("{}: {error}", path.display()))?, None))
        }
        KeySource::NextToDatabase => {
            let Some(database) = sqlite_path else {
                return Err("Postgres needs the secrets key given (--secrets-key-file or DELIVERY_SECRETS_KEY): \
                            every process sharing the database must use the same key"
                    .into());
            };
            let path = key_file_beside(database);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok((parse_key(&text).map_err(|error| format!("{}: {error}", path.display()))?, None)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                    let mut key = [0u8; 32];
                    getrandom::fill(&mut key).map_err(|error| format!("the OS random generator failed: {error}"))?;
                    match write_new_key_file(&path, &key) {
                        Ok(()) => Ok((key, Some(path))),
                        // Another process made it first: use that one.
                        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                            resolve_key(&KeySource::File(path), None)
                        }
                        Err(error) => Err(format!("making the secrets key file {}: {error}", path.display())),
                    }
                }
                Err(error) => Err(format!("reading the secrets key file {}: {error}", path.display())),
            }
        }
    }
}

fn write_new_key_file(path: &Path, key: &[u8; 32]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    // Written whole to a file of its own name only once complete would be nicer, but `create_new` is what keeps
    // two processes from making two keys; a reader that finds it empty fails with a clear message and retries.
    let mut file = options.open(path)?;
    file.write_all(format!("{}\n", hex::encode(key)).as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_for_their_row_and_key() {
        let sealer = Sealer::new([7; 32]);
        let sealed = sealer.seal("sec_1", "whsec_abc").unwrap();
        assert!(Sealer::is_sealed(&sealed));
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(sealer.open("sec_1", &sealed).unwrap(), "whsec_abc");
        assert!(sealer.open("sec_2", &sealed).is_err(), "moved onto another row");
        assert!(Sealer::new([8; 32]).open("sec_1", &sealed).is_err(), "another key");
        assert_ne!(sealer.seal("sec_1", "whsec_abc").unwrap(), sealed, "a fresh nonce each time");
        assert_eq!(sealer.open("sec_1", "whsec_plain").unwrap(), "whsec_plain", "an old row reads as it is");
        assert!(sealer.open("sec_1", "enc:v1:zz").is_err());
        assert!(sealer.open("sec_1", "enc:v1:00").is_err());
    }

    #[test]
    fn a_key_file_is_made_once_beside_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("delivery.db");
        let (key, made) = resolve_key(&KeySource::NextToDatabase, Some(&database)).unwrap();
        assert_eq!(made.as_deref(), Some(dir.path().join("delivery.secrets-key").as_path()));
        let (again, made_again) = resolve_key(&KeySource::NextToDatabase, Some(&database)).unwrap();
        assert_eq!((again, made_again), (key, None));
        assert!(resolve_key(&KeySource::NextToDatabase, None).unwrap_err().contains("Postgres"));
        assert!(resolve_key(&KeySource::Hex("12".into()), None).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("delivery.secrets-key")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
