//! Why a signature check failed, in plain words: the core's verdict, then the checks a developer would make by hand
//! — would a secret match if it had not expired, would the body match in the shape a JSON library writes it, is the
//! clock the problem and by how much, which header (or alias) is missing.

use dropship_webhooks::headers::alias_of;
use dropship_webhooks::{Scheme, Secret, SecretSet, Verified, Webhook, WebhookError};
use serde_json::{json, Value};

/// A secret as given on the command line: its text, and optionally when it expired or expires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretArg {
    /// The secret (`whsec_…`, or a fabric string).
    pub value: String,
    /// Unix seconds after which it no longer verifies.
    pub expires_at: Option<u64>,
}

impl SecretArg {
    /// Reads `VALUE` or `VALUE@UNIX_SECONDS` (an expiry); `@` never occurs in a `whsec_` secret.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.rsplit_once('@') {
            Some((value, at)) if !at.is_empty() && at.bytes().all(|byte| byte.is_ascii_digit()) => {
                let expires_at = at.parse().map_err(|_| format!("the expiry of `{value}@{at}` is too large"))?;
                Ok(Self { value: value.to_owned(), expires_at: Some(expires_at) })
            }
            _ => Ok(Self { value: text.to_owned(), expires_at: None }),
        }
    }
}

/// The outcome of `verify`: what matched, or why nothing did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The signature is valid.
    Valid(Verified),
    /// It is not: the core's error and the explanation found for it.
    Invalid {
        /// The core's stable code (`no_matching_signature`, `timestamp_too_old`, …).
        code: &'static str,
        /// What is wrong and what to do, in words.
        reason: String,
        /// Facts behind the reason, for `-o json`.
        details: Value,
    },
}

/// The secrets as the core's set; `ignore_expiry` drops every expiry (to ask "would it match if still active?").
pub fn secret_set(secrets: &[SecretArg], ignore_expiry: bool) -> SecretSet {
    secrets
        .iter()
        .map(|secret| {
            Secret::new(secret.value.clone()).with_expiry(if ignore_expiry { None } else { secret.expires_at })
        })
        .collect()
}

/// The body re-written the way common JSON libraries write a parsed value: key order and values kept, only the
/// whitespace changes. (Numbers and string escapes that a library would also normalize are left as they are.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `JSON.stringify(value)`, `serde_json::to_string`: no spaces.
    Compact,
    /// Python's `json.dumps(value)`: `", "` and `": "`.
    PythonDefault,
    /// `JSON.stringify(value, null, 2)`, `json.dumps(value, indent=2)`.
    Indented(usize),
}

impl Layout {
    fn describe(self) -> String {
        match self {
            Self::Compact => "compact JSON (as JSON.stringify or serde_json write it)".into(),
            Self::PythonDefault => "JSON with \", \" and \": \" separators (as Python's json.dumps writes it)".into(),
            Self::Indented(width) => format!("JSON indented by {width} spaces"),
        }
    }
}

/// `body` (valid JSON) re-laid out; `None` when it is not JSON.
fn relayout(body: &[u8], layout: Layout) -> Option<Vec<u8>> {
    serde_json::from_slice::<Value>(body).ok()?;
    let mut out = Vec::with_capacity(body.len() + body.len() / 4);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    // Whether the last token opened a container: `{}` and `[]` stay on one line.
    let mut just_opened = false;
    let newline = |out: &mut Vec<u8>, depth: usize, width: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * width));
    };
    for &byte in body {
        if in_string {
            out.push(byte);
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        }
        let closing = matches!(byte, b'}' | b']');
        if let Layout::Indented(width) = layout {
            if closing {
                depth = depth.saturating_sub(1);
                if !just_opened {
                    newline(&mut out, depth, width);
                }
            } else if just_opened {
                newline(&mut out, depth, width);
            }
        }
        just_opened = false;
        out.push(byte);
        match byte {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                just_opened = true;
            }
            b',' => match layout {
                Layout::Compact => {}
                Layout::PythonDefault => out.push(b' '),
                Layout::Indented(width) => newline(&mut out, depth, width),
            },
            b':' if layout != Layout::Compact => out.push(b' '),
            _ => {}
        }
    }
    Some(out)
}

/// One signature check: what was received and what it is checked with.
pub struct Check<'a> {
    /// The secrets to try.
    pub secrets: &'a [SecretArg],
    /// The signing scheme.
    pub scheme: Scheme,
    /// How far the timestamp may lie from `now`, in seconds.
    pub tolerance: u64,
    /// The request's headers.
    pub headers: &'a [(String, String)],
    /// The request's body, as received.
    pub body: &'a [u8],
    /// The time of the check, unix seconds.
    pub now: u64,
}

impl Check<'_> {
    fn webhook(&self, ignore_expiry: bool) -> Result<Webhook, WebhookError> {
        Ok(Webhook::with_scheme(secret_set(self.secrets, ignore_expiry), self.scheme)?.tolerance(self.tolerance))
    }

    /// Checks the signature, and explains a failure.
    pub fn verify(&self) -> Result<Outcome, WebhookError> {
        let error = match self.webhook(false)?.verify_signature(self.headers, self.body, self.now) {
            Ok(verified) => return Ok(Outcome::Valid(verified)),
            Err(error) => error,
        };
        let code = error.code();
        let invalid = |reason: String, details: Value| Ok(Outcome::Invalid { code, reason, details });
        match &error {
            WebhookError::TimestampTooOld { timestamp, now, tolerance } => {
                let skew = now - timestamp;
                invalid(
                    format!(
                        "the timestamp is {skew} s in the past, beyond the tolerance of {tolerance} s: a replayed \
                         request, a delivery delayed in a queue, or a clock that is behind (check NTP on both ends)"
                    ),
                    json!({ "timestamp": timestamp, "now": now, "skewSeconds": -i128::from(skew), "toleranceSeconds": tolerance }),
                )
            }
            WebhookError::TimestampTooNew { timestamp, now, tolerance } => {
                let skew = timestamp - now;
                invalid(
                    format!(
                        "the timestamp is {skew} s in the future, beyond the tolerance of {tolerance} s: the sender's \
                         clock is ahead of this one (or the timestamp is in milliseconds, not seconds)"
                    ),
                    json!({ "timestamp": timestamp, "now": now, "skewSeconds": skew, "toleranceSeconds": tolerance }),
                )
            }
            WebhookError::MissingHeader { name } => {
                let also: Vec<&str> = alias_of(name).into_iter().collect();
                let looked = match alias_of(name) {
                    Some(alias) => format!("`{name}` (and its alias `{alias}`)"),
                    None => format!("`{name}`"),
                };
                invalid(
                    format!("the request has no {looked} header: pass every header the sender sent, names in any case"),
                    json!({ "header": name, "aliases": also }),
                )
            }
            WebhookError::NoActiveSecret { count } => invalid(
                format!("none of the {count} secret(s) is active at {}: every one has expired", self.now),
                json!({ "secrets": count, "now": self.now }),
            ),
            WebhookError::NoMatchingSignature { candidates, active_secrets } => {
                self.explain_no_match(code, *candidates, *active_secrets)
            }
            _ => invalid(error.to_string(), json!({})),
        }
    }

    /// Why no secret matched: an expired one would, the body would once re-laid out, or it is the secret or the body.
    fn explain_no_match(&self, code: &'static str, candidates: usize, active: usize) -> Result<Outcome, WebhookError> {
        if let Ok(verified) = self.webhook(true)?.verify_signature(self.headers, self.body, self.now) {
            let expired_at = self.secrets.get(verified.secret_index).and_then(|secret| secret.expires_at).unwrap_or(0);
            return Ok(Outcome::Invalid {
                code,
                reason: format!(
                    "the signature matches secret #{}, which expired at {expired_at} ({} s before now): the sender \
                     still signs with it; give it a later expiry, or have the sender sign with the active secret",
                    verified.secret_index,
                    self.now.saturating_sub(expired_at)
                ),
                details: json!({ "matchedExpiredSecret": verified.secret_index, "expiredAt": expired_at, "now": self.now }),
            });
        }
        let webhook = self.webhook(false)?;
        for layout in [Layout::Compact, Layout::PythonDefault, Layout::Indented(2), Layout::Indented(4)] {
            let Some(relaid) = relayout(self.body, layout) else { break };
            if relaid != self.body && webhook.verify_signature(self.headers, &relaid, self.now).is_ok() {
                return Ok(Outcome::Invalid {
                    code,
                    reason: format!(
                        "the signature matches this body re-written as {}: the body was parsed and serialized again \
                         before the check (or the sender signed it in that form). Verify the raw bytes as received",
                        layout.describe()
                    ),
                    details: json!({ "matchesRelaidBody": format!("{layout:?}") }),
                });
            }
        }
        Ok(Outcome::Invalid {
            code,
            reason: format!(
                "no secret matches: {candidates} signature(s) in the header, checked against {active} active \
                 secret(s). The secret is wrong (copy it whole, `whsec_` prefix included) or the body is not the \
                 bytes that were signed"
            ),
            details: json!({ "signatures": candidates, "activeSecrets": active }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_what_json_libraries_write() {
        let body = br#"{ "a" : [1, {"b": "x, y: {z}"}], "c": {}, "d": [] }"#;
        let text = |layout| String::from_utf8(relayout(body, layout).unwrap_or_default()).unwrap_or_default();
        assert_eq!(text(Layout::Compact), r#"{"a":[1,{"b":"x, y: {z}"}],"c":{},"d":[]}"#);
        assert_eq!(text(Layout::PythonDefault), r#"{"a": [1, {"b": "x, y: {z}"}], "c": {}, "d": []}"#);
        assert_eq!(
            text(Layout::Indented(2)),
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": \"x, y: {z}\"\n    }\n  ],\n  \"c\": {},\n  \"d\": []\n}"
        );
        assert_eq!(relayout(b"{nope", Layout::Compact), None);
    }

    #[test]
    fn secrets_take_an_optional_expiry() {
        assert_eq!(SecretArg::parse("whsec_a@17"), Ok(SecretArg { value: "whsec_a".into(), expires_at: Some(17) }));
        assert_eq!(SecretArg::parse("me@example"), Ok(SecretArg { value: "me@example".into(), expires_at: None }));
    }
}
