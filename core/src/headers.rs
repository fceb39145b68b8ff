//! Header access: case-insensitive lookup over whatever header container the caller has.
//!
//! Bindings turn their runtime's headers (a JS object, a Fetch `Headers`, a Python mapping) into name/value pairs
//! or implement [`HeaderSource`] directly; either way the names the schemes need, their aliases and the case rules
//! live here only.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

/// The Standard Webhooks message id header.
pub const WEBHOOK_ID: &str = "webhook-id";
/// The Standard Webhooks timestamp header (unix seconds).
pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// The Standard Webhooks signature header (`v1,<base64>` entries separated by spaces).
pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
/// The fabric Dropship body-signature header.
pub const FABRIC_SIGNATURE: &str = "fabric-dropship-signature";

/// Alias of [`WEBHOOK_ID`] sent by Svix.
pub const SVIX_ID: &str = "svix-id";
/// Alias of [`WEBHOOK_TIMESTAMP`] sent by Svix.
pub const SVIX_TIMESTAMP: &str = "svix-timestamp";
/// Alias of [`WEBHOOK_SIGNATURE`] sent by Svix.
pub const SVIX_SIGNATURE: &str = "svix-signature";

/// Every header name the schemes read, canonical names first; bindings may use it to pick headers cheaply.
pub const RELEVANT_HEADERS: &[&str] =
    &[WEBHOOK_ID, WEBHOOK_TIMESTAMP, WEBHOOK_SIGNATURE, FABRIC_SIGNATURE, SVIX_ID, SVIX_TIMESTAMP, SVIX_SIGNATURE];

/// The values of the [`RELEVANT_HEADERS`], by position: what a binding passes when its host looked each name up
/// itself (a Node `IncomingHttpHeaders` object has lowercase names), which spares converting the names.
#[derive(Debug, Clone, Copy, Default)]
pub struct RelevantHeaders<'a>(pub [Option<&'a str>; 7]);

impl HeaderSource for RelevantHeaders<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        let position = RELEVANT_HEADERS.iter().position(|relevant| relevant.eq_ignore_ascii_case(name))?;
        self.0.get(position).copied().flatten()
    }
}

/// Anything that can answer "what is the value of header `name`?".
///
/// `name` is always given in lowercase; an implementation must match it without regard to ASCII case. When a
/// header occurs several times, return the first occurrence.
pub trait HeaderSource {
    /// The value of the header called `name` (any case), if present.
    fn header(&self, name: &str) -> Option<&str>;
}

impl<T: HeaderSource + ?Sized> HeaderSource for &T {
    fn header(&self, name: &str) -> Option<&str> {
        (**self).header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for [(K, V)] {
    fn header(&self, name: &str) -> Option<&str> {
        self.iter().find(|(key, _)| key.as_ref().eq_ignore_ascii_case(name)).map(|(_, value)| value.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderSource for [(K, V); N] {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&str> {
        self.as_slice().header(name)
    }
}

impl<V: AsRef<str>> HeaderSource for BTreeMap<String, V> {
    fn header(&self, name: &str) -> Option<&str> {
        // Exact (lowercase) key first: the common case for maps built from HTTP/2 or Node headers.
        self.get(name)
            .or_else(|| self.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value))
            .map(AsRef::as_ref)
    }
}

/// Each header that goes by another name too, with that name: the one list verification and tools (the command
/// line's "missing header" explanation) read.
pub const HEADER_ALIASES: &[(&str, &str)] =
    &[(WEBHOOK_ID, SVIX_ID), (WEBHOOK_TIMESTAMP, SVIX_TIMESTAMP), (WEBHOOK_SIGNATURE, SVIX_SIGNATURE)];

/// The other name `name` (canonical) is accepted under, if any.
pub fn alias_of(name: &str) -> Option<&'static str> {
    HEADER_ALIASES.iter().find(|(canonical, _)| *canonical == name).map(|(_, alias)| *alias)
}

/// Looks a header up under its canonical name, then under its alias ([`HEADER_ALIASES`]).
pub(crate) fn header_or_alias<'h, H: HeaderSource + ?Sized>(headers: &'h H, name: &str) -> Option<&'h str> {
    headers.header(name).or_else(|| alias_of(name).and_then(|alias| headers.header(alias)))
}

/// Header values may carry optional whitespace around them (RFC 9110 §5.5); it is never part of the value.
pub(crate) fn trim_ows(value: &str) -> &str {
    value.trim_matches(|c: char| c == ' ' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevant_headers_answer_by_position() {
        assert_eq!(RELEVANT_HEADERS.len(), 7);
        let headers = RelevantHeaders([Some("msg_1"), None, None, Some("abc"), None, None, Some("v1,x")]);
        assert_eq!(headers.header(WEBHOOK_ID), Some("msg_1"));
        assert_eq!(headers.header("Fabric-Dropship-Signature"), Some("abc"));
        assert_eq!(headers.header(SVIX_SIGNATURE), Some("v1,x"));
        assert_eq!(headers.header(WEBHOOK_TIMESTAMP), None);
        assert_eq!(headers.header("content-type"), None);
    }

    #[test]
    fn pairs_match_any_case_and_first_wins() {
        let pairs = [("Webhook-ID", "a"), ("webhook-id", "b")];
        assert_eq!(pairs.header("webhook-id"), Some("a"));
        assert_eq!(pairs.header("webhook-signature"), None);
    }

    #[test]
    fn maps_match_any_case() {
        let mut map = BTreeMap::new();
        map.insert(String::from("SVIX-ID"), "x");
        assert_eq!(header_or_alias(&map, WEBHOOK_ID), Some("x"));
    }
}
