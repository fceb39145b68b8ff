//! The Standard Webhooks v1 header grammar: message id, timestamp and the `v1,<base64>` signature list.
//!
//! Only parsing and limits live here; the HMAC work is in [`crate::webhook`]. Every limit refuses absurd input
//! before any work is done on it.

use alloc::vec::Vec;

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;

use crate::ct::bytes_equal;
use crate::headers::trim_ows;

/// The longest message id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// The most digits a timestamp may have (`u64::MAX` has 20).
pub const MAX_TIMESTAMP_DIGITS: usize = 20;
/// The longest signature header accepted, in bytes.
pub const MAX_SIGNATURE_HEADER_BYTES: usize = 8 * 1024;
/// The most space-separated entries a signature header may hold.
pub const MAX_SIGNATURE_ENTRIES: usize = 64;
/// The byte length of an HMAC-SHA256 tag.
pub const TAG_BYTES: usize = 32;

/// The version prefix of the signatures this crate makes and checks.
pub(crate) const VERSION_V1: &str = "v1";

/// An HMAC-SHA256 tag.
pub(crate) type Tag = [u8; TAG_BYTES];

/// Checks a message id (`webhook-id`): visible ASCII only (it travels in a header and is signed verbatim), 1 to 256
/// bytes after trimming spaces and tabs; returns it trimmed, or what is wrong in words.
pub fn check_message_id(id: &str) -> Result<&str, &'static str> {
    let id = trim_ows(id);
    if id.is_empty() {
        return Err("it is empty");
    }
    if id.len() > MAX_ID_BYTES {
        return Err("it is longer than 256 bytes");
    }
    // A fold without early exit lets the compiler check many bytes per instruction.
    if !id.bytes().fold(true, |visible, byte| visible & byte.is_ascii_graphic()) {
        return Err("it may only contain visible ASCII characters, without spaces");
    }
    Ok(id)
}

/// [`check_message_id`] for a sender: the id may not contain `.` either. The signed content is
/// `{id}.{timestamp}.{body}`, and a sender that never puts the separator in an id keeps every signed content
/// readable one way only. Receivers verify with [`check_message_id`] alone: they rebuild the content from the
/// headers as received, and other senders' ids may hold a `.`.
pub fn check_signing_id(id: &str) -> Result<&str, &'static str> {
    let id = check_message_id(id)?;
    if id.contains('.') {
        return Err("`.` separates the signed `id.timestamp.body`");
    }
    Ok(id)
}

/// The longest signed prefix: id, dot, timestamp digits, dot.
const MAX_PREFIX_BYTES: usize = MAX_ID_BYTES + 1 + MAX_TIMESTAMP_DIGITS + 1;

/// The signed content before the body, `{id}.{timestamp}.`, assembled on the stack so the MAC sees two updates.
pub(crate) struct SignedPrefix {
    bytes: [u8; MAX_PREFIX_BYTES],
    len: usize,
}

impl SignedPrefix {
    /// Assembles the prefix from an id and timestamp digits already checked against their limits.
    pub(crate) fn new(id: &str, timestamp_digits: &str) -> Self {
        let mut prefix = Self { bytes: [0; MAX_PREFIX_BYTES], len: 0 };
        for part in [id.as_bytes(), b".", timestamp_digits.as_bytes(), b"."] {
            let end = prefix.len + part.len();
            if let Some(slot) = prefix.bytes.get_mut(prefix.len..end) {
                slot.copy_from_slice(part);
                prefix.len = end;
            }
        }
        prefix
    }

    /// The assembled bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// Parses a timestamp header: unix seconds as plain decimal digits, nothing else (no sign, no fraction).
///
/// Returns the number and the digits as received, since the signature covers the header text verbatim.
pub(crate) fn parse_timestamp(text: &str) -> Result<(u64, &str), &'static str> {
    let digits = trim_ows(text);
    if digits.is_empty() {
        return Err("it is empty (expected unix seconds)");
    }
    if digits.len() > MAX_TIMESTAMP_DIGITS {
        return Err("it has more than 20 digits");
    }
    let mut value: u64 = 0;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return Err("it must be unix seconds as plain decimal digits");
        }
        value = value
            .checked_mul(10)
            .and_then(|tens| tens.checked_add(u64::from(byte - b'0')))
            .ok_or("it does not fit in 64 bits")?;
    }
    Ok((value, digits))
}

/// Parses a signature header into its `v1` signature texts (still encoded; decoded lazily while matching).
///
/// Entries of other versions are skipped (a future sender may add `v2` beside `v1`); a `v1` entry that is not a
/// 32-byte base64 value is skipped when matching, so one damaged entry cannot hide a good one. A header that holds
/// no entry of the `version,value` shape at all is refused.
pub(crate) fn parse_signature_header(value: &str) -> Result<Vec<&str>, &'static str> {
    if value.len() > MAX_SIGNATURE_HEADER_BYTES {
        return Err("it is longer than 8 KiB");
    }
    if let Some(signatures) = canonical_v1_signatures(value) {
        return Ok(signatures);
    }
    let mut v1_signatures = Vec::new();
    let mut well_formed = 0usize;
    for (count, entry) in split_on_whitespace(value).enumerate() {
        if count >= MAX_SIGNATURE_ENTRIES {
            return Err("it holds more than 64 entries");
        }
        let Some((version, signature)) = entry.split_once(',') else { continue };
        if version.is_empty() || signature.is_empty() {
            continue;
        }
        well_formed += 1;
        if version == VERSION_V1 {
            v1_signatures.push(signature);
        }
    }
    if well_formed == 0 {
        return Err(if trim_ows(value).is_empty() {
            "it is empty (expected `v1,<base64>` entries separated by spaces)"
        } else {
            "it holds no `version,signature` entry (expected `v1,<base64>` entries separated by spaces)"
        });
    }
    Ok(v1_signatures)
}

/// The fast path for the form every sender uses: `v1,` + 44 base64 characters, entries joined by one space.
///
/// Checking that shape takes a few comparisons per entry instead of a scan of every byte; anything else (other
/// versions, padding removed, extra whitespace) returns `None` and goes through the general parser, which yields
/// the same signatures for such headers: a 47-byte slot cannot hide a second decodable entry.
fn canonical_v1_signatures(value: &str) -> Option<Vec<&str>> {
    const ENTRY: usize = 3 + 44;
    let stride = ENTRY + 1;
    let count = value.len().checked_add(1)? / stride;
    if count == 0 || count > MAX_SIGNATURE_ENTRIES || count * stride != value.len() + 1 {
        return None;
    }
    let bytes = value.as_bytes();
    let mut signatures = Vec::with_capacity(count);
    for (index, entry) in bytes.chunks(stride).enumerate() {
        let separated = entry.len() == ENTRY || entry.get(ENTRY) == Some(&b' ');
        if !separated || !entry.starts_with(b"v1,") {
            return None;
        }
        let start = index * stride + 3;
        signatures.push(value.get(start..start + 44)?);
    }
    Some(signatures)
}

/// Splits a header value on spaces and tabs, dropping empty pieces.
pub(crate) fn split_on_whitespace(value: &str) -> Entries<'_, impl Fn(u8) -> bool> {
    split_entries(value, |byte| byte == b' ' || byte == b'\t')
}

/// Splits `value` on the ASCII bytes `is_separator` accepts, dropping empty pieces.
pub(crate) fn split_entries<F: Fn(u8) -> bool>(value: &str, is_separator: F) -> Entries<'_, F> {
    Entries { rest: value, is_separator }
}

/// Iterator of [`split_entries`]. It scans bytes, which is safe for UTF-8 because the separators are ASCII and so
/// never occur inside a multi-byte character: every cut is a character boundary.
pub(crate) struct Entries<'v, F> {
    rest: &'v str,
    is_separator: F,
}

impl<'v, F: Fn(u8) -> bool> Iterator for Entries<'v, F> {
    type Item = &'v str;

    fn next(&mut self) -> Option<&'v str> {
        let bytes = self.rest.as_bytes();
        let start = bytes.iter().position(|&byte| !(self.is_separator)(byte))?;
        let tail = bytes.get(start..)?;
        let end = tail.iter().position(|&byte| (self.is_separator)(byte)).map_or(bytes.len(), |len| start + len);
        let entry = self.rest.get(start..end)?;
        self.rest = self.rest.get(end..)?;
        Some(entry)
    }
}

/// Length of a tag in padded base64.
pub(crate) const TAG_BASE64_LEN: usize = 44;

/// A tag as padded standard base64, the form `v1` signatures are sent in.
pub(crate) fn encode_base64_tag(tag: &Tag) -> [u8; TAG_BASE64_LEN] {
    let mut text = [0u8; TAG_BASE64_LEN];
    // 32 bytes always encode to exactly 44 characters, so this cannot fail; a zeroed buffer would match nothing.
    let _ = STANDARD.encode_slice(tag, &mut text);
    text
}

/// Whether a received signature is `expected` in base64, with or without its `=` padding, in constant time.
///
/// Comparing text instead of decoding accepts exactly what a strict decoder would: base64 of 32 bytes has one
/// canonical spelling, so any other text (other alphabet, stray bits, wrong length) fails to match.
pub(crate) fn base64_tag_matches(expected: &[u8; TAG_BASE64_LEN], received: &&str) -> bool {
    let received = received.as_bytes();
    match received.len() {
        TAG_BASE64_LEN => bytes_equal(expected, received),
        43 => expected.get(..43).is_some_and(|unpadded| bytes_equal(unpadded, received)),
        _ => false,
    }
}

/// Whether a received `v1` signature could be the base64 of a 32-byte tag at all (43 characters of the standard
/// alphabet, or 44 ending in `=`). Looks at public input only: a header none of whose signatures passes cannot
/// match any secret, so verification skips computing one HMAC per active secret over the body.
pub(crate) fn could_be_base64_tag(received: &&str) -> bool {
    let text = received.as_bytes();
    let digits = match text.split_last() {
        Some((b'=', digits)) if text.len() == TAG_BASE64_LEN => digits,
        _ if text.len() == TAG_BASE64_LEN - 1 => text,
        _ => return false,
    };
    digits.iter().all(|&byte| byte.is_ascii_alphanumeric() || byte == b'+' || byte == b'/')
}

/// Decodes standard base64 (padded or not) of exactly 32 bytes.
pub(crate) fn decode_base64_tag(text: &str) -> Option<Tag> {
    // 32 bytes are 43 characters unpadded, 44 with the single `=`.
    let unpadded = match text.len() {
        TAG_BASE64_LEN => text.strip_suffix('=')?,
        43 => text,
        _ => return None,
    };
    let mut tag = [0u8; TAG_BYTES];
    match STANDARD_NO_PAD.decode_slice(unpadded, &mut tag) {
        Ok(TAG_BYTES) => Some(tag),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_plain_digits() {
        assert_eq!(parse_timestamp(" 1700000000\t"), Ok((1_700_000_000, "1700000000")));
        assert_eq!(parse_timestamp("0001"), Ok((1, "0001")));
        for bad in ["", "-1", "+1", "1.5", "1e9", "0x10", "１２", "18446744073709551616", "123456789012345678901"] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(parse_timestamp("18446744073709551615"), Ok((u64::MAX, "18446744073709551615")));
    }

    #[test]
    fn unknown_versions_and_damaged_entries_are_skipped() {
        let good = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let entries = alloc::format!("v2,xyz v1,short {good}");
        let signatures = parse_signature_header(&entries).unwrap_or_default();
        assert_eq!(signatures, alloc::vec!["short", &good[3..]]);
        assert!(base64_tag_matches(&encode_base64_tag(&[0u8; 32]), &signatures[1]));
        assert!(!base64_tag_matches(&encode_base64_tag(&[0u8; 32]), &signatures[0]));
        assert_eq!(parse_signature_header("v1a,abc"), Ok(alloc::vec![]));
        assert!(parse_signature_header("garbage").is_err());
    }

    #[test]
    fn only_base64_of_32_bytes_could_be_a_tag() {
        let tag = encode_base64_tag(&[7u8; 32]);
        let padded = core::str::from_utf8(&tag).unwrap_or_default();
        for plausible in [padded, &padded[..43]] {
            assert!(could_be_base64_tag(&plausible), "{plausible:?}");
        }
        let wrong_alphabet = padded.replace('H', "-");
        for implausible in
            ["", "short", &padded[..42], &wrong_alphabet, "A".repeat(44).as_str(), "=".repeat(43).as_str()]
        {
            assert!(!could_be_base64_tag(&implausible), "{implausible:?}");
        }
    }

    #[test]
    fn absurd_headers_are_refused() {
        let many = "v1,a ".repeat(MAX_SIGNATURE_ENTRIES + 1);
        assert!(parse_signature_header(&many).is_err());
        let long = "v1,".repeat(3000);
        assert!(parse_signature_header(&long).is_err());
    }
}
