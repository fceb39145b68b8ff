//! The one error type of the crate, with a stable `code()` for every kind.
//!
//! The codes are part of the public API: the Node, Python and WebAssembly bindings expose the same strings, and
//! the shared test vectors in `tests/vectors/` name them. Never rename one; add a new variant instead.

use alloc::string::String;
use core::fmt;

use crate::options::WriteOption;

/// Which family an error belongs to; the bindings map it to `WebhookVerificationError` or `WebhookPayloadError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Headers, secrets, timestamp or signature: the request cannot be trusted.
    Verification,
    /// The body: not raw bytes, not JSON, or not the shape of an event.
    Payload,
    /// A caller-supplied option or configuration (scheme name, random bytes, endpoint settings) is out of range.
    Usage,
}

/// Every error code with its family and the HTTP status a receiver answers it with, in declaration order: the one
/// list of codes ([`WebhookError::code`] maps each variant to its row). 401 when the request cannot be trusted, 400
/// for a body or option that is wrong, 413 for a body over the limit, 500 for `payload_not_raw` (the receiver handed
/// over a parsed body: a server bug, and the sender should retry once it is fixed).
const ERRORS: &[(&str, ErrorKind, u16)] = &[
    ("missing_header", ErrorKind::Verification, 401),
    ("invalid_header", ErrorKind::Verification, 401),
    ("invalid_secret", ErrorKind::Verification, 401),
    ("no_active_secret", ErrorKind::Verification, 401),
    ("timestamp_too_old", ErrorKind::Verification, 401),
    ("timestamp_too_new", ErrorKind::Verification, 401),
    ("no_matching_signature", ErrorKind::Verification, 401),
    ("payload_not_raw", ErrorKind::Payload, 500),
    ("invalid_json", ErrorKind::Payload, 400),
    ("invalid_payload", ErrorKind::Payload, 400),
    ("payload_too_large", ErrorKind::Payload, 413),
    ("invalid_endpoint", ErrorKind::Usage, 400),
    ("invalid_option", ErrorKind::Usage, 400),
];

/// The codes of [`ERRORS`], for [`WebhookError::CODES`]. Evaluated at compile time only, where an index out of
/// range is a build error, not a panic.
#[allow(clippy::indexing_slicing)]
const fn codes() -> [&'static str; ERRORS.len()] {
    let mut codes = [""; ERRORS.len()];
    let mut row = 0;
    while row < ERRORS.len() {
        codes[row] = ERRORS[row].0;
        row += 1;
    }
    codes
}

/// Everything that can go wrong while verifying, signing or parsing a webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// A header the scheme needs is absent (or only present under a name that is not accepted).
    MissingHeader {
        /// The canonical header name, e.g. `webhook-signature`.
        name: &'static str,
    },
    /// A header is present but malformed or absurdly large.
    InvalidHeader {
        /// The canonical header name.
        name: &'static str,
        /// What is wrong with it, in words.
        problem: &'static str,
    },
    /// A secret could not be used as a key.
    InvalidSecret {
        /// Position of the secret in the secret set (0 when generating one).
        index: usize,
        /// What is wrong with it, in words.
        problem: &'static str,
    },
    /// Every secret in the set has expired at the time of the check.
    NoActiveSecret {
        /// How many secrets the set holds.
        count: usize,
    },
    /// The message timestamp is older than the tolerance allows: a replay or a long delay.
    TimestampTooOld {
        /// The timestamp the message carries (unix seconds).
        timestamp: u64,
        /// The time of the check (unix seconds).
        now: u64,
        /// The tolerance in seconds.
        tolerance: u64,
    },
    /// The message timestamp lies further in the future than the tolerance allows.
    TimestampTooNew {
        /// The timestamp the message carries (unix seconds).
        timestamp: u64,
        /// The time of the check (unix seconds).
        now: u64,
        /// The tolerance in seconds.
        tolerance: u64,
    },
    /// No signature in the header matches any active secret.
    NoMatchingSignature {
        /// How many signatures of the supported version the header carried.
        candidates: usize,
        /// How many secrets were active at the time of the check.
        active_secrets: usize,
    },
    /// The body handed to the library was already parsed (a JS object, a Python dict) instead of raw bytes.
    PayloadNotRaw {
        /// What was received instead, e.g. `object` or `dict`.
        found: String,
    },
    /// The body is not valid JSON.
    InvalidJson {
        /// The parser's description, with line and column.
        message: String,
    },
    /// The body is JSON but not an event of the expected shape.
    InvalidPayload {
        /// What is missing or of the wrong type, with the field path.
        message: String,
    },
    /// The body is larger than the receiver's limit (a framework helper's `limit`); refused before it is read
    /// to the end, so an unsigned flood costs no memory.
    PayloadTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// An endpoint configuration breaks a rule (URL not https or not public, unknown topic, bad method or limit).
    InvalidEndpoint {
        /// The configuration field at fault: `url`, `topics`, `method`, `rateLimit` or `burstLimit`.
        field: &'static str,
        /// What is wrong, in words.
        problem: String,
    },
    /// An option passed by the caller is out of range or unknown.
    InvalidOption {
        /// The option's name as the API spells it.
        name: &'static str,
        /// What is wrong with it, in words.
        problem: &'static str,
    },
}

impl ErrorKind {
    /// The family's name as the bindings spell it: `verification`, `payload` or `usage`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Verification => "verification",
            Self::Payload => "payload",
            Self::Usage => "usage",
        }
    }
}

impl WebhookError {
    /// Every code with its family and HTTP status, as JSON `[[code, [family, status]], …]`: what a binding needs
    /// to rebuild errors (class by family) from a code.
    pub fn catalog_json() -> String {
        // Written by hand rather than through serde_json, whose serializer the WebAssembly module would carry for it.
        let mut out = String::from("[");
        for (code, kind, status) in ERRORS {
            if out.len() > 1 {
                out.push(',');
            }
            out.push('[');
            code.write(&mut out);
            out.push_str(",[");
            kind.name().write(&mut out);
            out.push(',');
            u64::from(*status).write(&mut out);
            out.push_str("]]");
        }
        out.push(']');
        out
    }

    /// Every code this crate can return, in declaration order.
    pub const CODES: &'static [&'static str] = &codes();

    /// The stable machine-readable code, identical in every language binding.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingHeader { .. } => "missing_header",
            Self::InvalidHeader { .. } => "invalid_header",
            Self::InvalidSecret { .. } => "invalid_secret",
            Self::NoActiveSecret { .. } => "no_active_secret",
            Self::TimestampTooOld { .. } => "timestamp_too_old",
            Self::TimestampTooNew { .. } => "timestamp_too_new",
            Self::NoMatchingSignature { .. } => "no_matching_signature",
            Self::PayloadNotRaw { .. } => "payload_not_raw",
            Self::InvalidJson { .. } => "invalid_json",
            Self::InvalidPayload { .. } => "invalid_payload",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::InvalidEndpoint { .. } => "invalid_endpoint",
            Self::InvalidOption { .. } => "invalid_option",
        }
    }

    /// The family of the error, which decides the exception class in the bindings.
    pub fn kind(&self) -> ErrorKind {
        Self::kind_of_code(self.code()).unwrap_or(ErrorKind::Usage)
    }

    /// The family of an error code, for bindings that rebuild errors from their code; `None` for an unknown code.
    pub fn kind_of_code(code: &str) -> Option<ErrorKind> {
        ERRORS.iter().find(|(known, ..)| *known == code).map(|(_, kind, _)| *kind)
    }

    /// The HTTP status a receiver should answer a refused webhook with: 401 when the request cannot be trusted, 400
    /// for a body or option that is wrong, 413 for a body over the limit, and 500 for `payload_not_raw` (the receiver
    /// itself handed over a parsed body: a server bug, and the sender should retry once it is fixed).
    pub fn http_status(&self) -> u16 {
        Self::http_status_of_code(self.code()).unwrap_or(400)
    }

    /// [`WebhookError::http_status`] by code, for bindings that rebuild errors from their code.
    pub fn http_status_of_code(code: &str) -> Option<u16> {
        ERRORS.iter().find(|(known, ..)| *known == code).map(|(.., status)| *status)
    }

    /// The error a binding raises when it is handed an already-parsed body; `found` names what it got.
    pub fn payload_not_raw(found: impl Into<String>) -> Self {
        Self::PayloadNotRaw { found: found.into() }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHeader { name } => {
                write!(f, "missing the `{name}` header")?;
                if let Some(alias) = name.strip_prefix("webhook-") {
                    write!(f, " (`svix-{alias}` is accepted too)")?;
                }
                f.write_str(
                    "; pass every header of the request, and check that the sender signs with the scheme configured here",
                )
            }
            Self::InvalidHeader { name, problem } => write!(f, "the `{name}` header is invalid: {problem}"),
            Self::InvalidSecret { index, problem } => write!(
                f,
                "secret #{index} is invalid: {problem}; copy the whole secret exactly as it was shown when it was created"
            ),
            Self::NoActiveSecret { count } => write!(
                f,
                "all {count} secret(s) have expired; add a new secret before the last one expires so rotation has no downtime"
            ),
            Self::TimestampTooOld { timestamp, now, tolerance } => write!(
                f,
                "the message timestamp {timestamp} is {} s older than now ({now}), beyond the tolerance of {tolerance} s: \
                 a replayed or long-delayed message; if you process stored requests later, pass the time they were received as `now`",
                now.saturating_sub(*timestamp)
            ),
            Self::TimestampTooNew { timestamp, now, tolerance } => write!(
                f,
                "the message timestamp {timestamp} is {} s ahead of now ({now}), beyond the tolerance of {tolerance} s: \
                 check this machine's clock (NTP) or the `now` you passed",
                timestamp.saturating_sub(*now)
            ),
            Self::NoMatchingSignature { candidates: 0, .. } => f.write_str(
                "the signature header holds no signature of a supported version (`v1,<base64>` for Standard Webhooks)",
            ),
            Self::NoMatchingSignature { candidates, active_secrets } => write!(
                f,
                "none of the {candidates} signature(s) matches any of the {active_secrets} active secret(s); \
                 verify the raw request body exactly as received (a body parsed as JSON and serialized again does not match), \
                 and check that the secret is the one configured for this endpoint"
            ),
            Self::PayloadNotRaw { found } => write!(
                f,
                "the body must be the raw request bytes (bytes, Buffer, Uint8Array or string), not an already-parsed {found}; \
                 signatures cover the exact bytes sent, so read the raw body (e.g. express.raw() instead of express.json(), \
                 request.get_data() in Flask, await request.body() in Starlette)"
            ),
            Self::InvalidJson { message } => write!(f, "the body is not valid JSON: {message}"),
            Self::InvalidPayload { message } => write!(f, "the body is not a valid event: {message}"),
            Self::PayloadTooLarge { limit } => write!(
                f,
                "the body is over the limit of {limit} bytes"
            ),
            Self::InvalidEndpoint { field, problem } => write!(f, "the endpoint's `{field}` is invalid: {problem}"),
            Self::InvalidOption { name, problem } => write!(f, "the option `{name}` is invalid: {problem}"),
        }
    }
}

impl core::error::Error for WebhookError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec::Vec;

    #[test]
    fn the_error_catalog_json_is_what_serde_writes() {
        let catalog: Vec<(&str, (&str, u16))> =
            ERRORS.iter().map(|(code, kind, status)| (*code, (kind.name(), *status))).collect();
        assert_eq!(WebhookError::catalog_json(), serde_json::to_string(&catalog).unwrap());
    }

    fn one_of_each() -> Vec<WebhookError> {
        vec![
            WebhookError::MissingHeader { name: "webhook-id" },
            WebhookError::InvalidHeader { name: "webhook-id", problem: "x" },
            WebhookError::InvalidSecret { index: 0, problem: "x" },
            WebhookError::NoActiveSecret { count: 1 },
            WebhookError::TimestampTooOld { timestamp: 1, now: 400, tolerance: 300 },
            WebhookError::TimestampTooNew { timestamp: 400, now: 1, tolerance: 300 },
            WebhookError::NoMatchingSignature { candidates: 1, active_secrets: 1 },
            WebhookError::payload_not_raw("dict"),
            WebhookError::InvalidJson { message: "x".into() },
            WebhookError::InvalidPayload { message: "x".into() },
            WebhookError::PayloadTooLarge { limit: 1 },
            WebhookError::InvalidEndpoint { field: "url", problem: "x".into() },
            WebhookError::InvalidOption { name: "scheme", problem: "x" },
        ]
    }

    #[test]
    fn codes_are_listed_in_order_and_unique() {
        let codes: Vec<&str> = one_of_each().iter().map(WebhookError::code).collect();
        assert_eq!(codes, WebhookError::CODES);
    }

    #[test]
    fn kind_of_code_agrees_with_kind() {
        for error in one_of_each() {
            assert_eq!(WebhookError::kind_of_code(error.code()), Some(error.kind()), "{}", error.code());
        }
        assert_eq!(WebhookError::kind_of_code("nope"), None);
    }

    #[test]
    fn http_statuses() {
        let statuses: Vec<u16> = one_of_each().iter().map(WebhookError::http_status).collect();
        assert_eq!(statuses, [401, 401, 401, 401, 401, 401, 401, 500, 400, 400, 413, 400, 400]);
    }

    #[test]
    fn every_message_says_something() {
        for error in one_of_each() {
            let message = error.to_string();
            assert!(message.len() > 10, "{error:?} has a terse message: {message}");
        }
    }

    #[test]
    fn mismatch_message_hints_at_reserialized_bodies() {
        let message = WebhookError::NoMatchingSignature { candidates: 2, active_secrets: 1 }.to_string();
        assert!(message.contains("raw request body"), "{message}");
    }
}
