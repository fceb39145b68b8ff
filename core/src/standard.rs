//! The Standard Webhooks v1 header grammar: message id, timestamp and the `v1,<base64>` signature list.
//!
//! Only parsing and limits live here; the HMAC work is in [`crate::webhook`]. Every limit refuses absurd input
//! before any work is done on it.

use alloc::vec::Vec;

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;

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

/// Checks a message id: visible ASCII only (it travels in a header and is signed verbatim), 1 to 256 bytes.
pub(crate) fn check_message_id(id: &str) -> Result<&str, &'static str> {
    let id = trim_ows(id);
    if id.is_empty() {
        return Err("it is empty");
    }
    if id.len() > MAX_ID_BYTES {
        return Err("it is longer than 256 bytes");
    }
    if !id.bytes().all(|byte| byte.is_ascii_graphic()) {
        return Err("it may only contain visible ASCII characters, without spaces");
    }
    Ok(id)
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

/// Parses a signature header into the decoded `v1` tags it carries.
///
/// Entries of other versions are skipped (a future sender may add `v2` beside `v1`); a `v1` entry that is not a
/// 32-byte base64 value is skipped too, so one damaged entry cannot hide a good one. A header that holds no entry
/// of the `version,value` shape at all is refused.
pub(crate) fn parse_signature_header(value: &str) -> Result<Vec<Tag>, &'static str> {
    if value.len() > MAX_SIGNATURE_HEADER_BYTES {
        return Err("it is longer than 8 KiB");
    }
    let value = trim_ows(value);
    if value.is_empty() {
        return Err("it is empty (expected `v1,<base64>` entries separated by spaces)");
    }
    let mut tags = Vec::new();
    let mut well_formed = 0usize;
    for (count, entry) in value
        .split([' ', '\t'])
        .filter(|entry| !entry.is_empty())
        .enumerate()
    {
        if count >= MAX_SIGNATURE_ENTRIES {
            return Err("it holds more than 64 entries");
        }
        let Some((version, signature)) = entry.split_once(',') else {
            continue;
        };
        if version.is_empty() || signature.is_empty() {
            continue;
        }
        well_formed += 1;
        if version == VERSION_V1 {
            if let Some(tag) = decode_base64_tag(signature) {
                tags.push(tag);
            }
        }
    }
    if well_formed == 0 {
        return Err("it holds no `version,signature` entry (expected `v1,<base64>` entries separated by spaces)");
    }
    Ok(tags)
}

/// Decodes standard base64 (padded or not) of exactly 32 bytes.
pub(crate) fn decode_base64_tag(text: &str) -> Option<Tag> {
    // 32 bytes are 43 characters unpadded, 44 with the single `=`.
    let unpadded = match text.len() {
        44 => text.strip_suffix('=')?,
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
        assert_eq!(
            parse_timestamp(" 1700000000\t"),
            Ok((1_700_000_000, "1700000000"))
        );
        assert_eq!(parse_timestamp("0001"), Ok((1, "0001")));
        for bad in [
            "",
            "-1",
            "+1",
            "1.5",
            "1e9",
            "0x10",
            "１２",
            "18446744073709551616",
            "123456789012345678901",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(
            parse_timestamp("18446744073709551615"),
            Ok((u64::MAX, "18446744073709551615"))
        );
    }

    #[test]
    fn unknown_versions_and_damaged_entries_are_skipped() {
        let good = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let tags =
            parse_signature_header(&alloc::format!("v2,xyz v1,short {good}")).unwrap_or_default();
        assert_eq!(tags, alloc::vec![[0u8; 32]]);
        assert_eq!(parse_signature_header("v1a,abc"), Ok(alloc::vec![]));
        assert!(parse_signature_header("garbage").is_err());
    }

    #[test]
    fn absurd_headers_are_refused() {
        let many = "v1,a ".repeat(MAX_SIGNATURE_ENTRIES + 1);
        assert!(parse_signature_header(&many).is_err());
        let long = "v1,".repeat(3000);
        assert!(parse_signature_header(&long).is_err());
    }
}
