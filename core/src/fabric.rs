//! The fabric Dropship compat scheme: `fabric-dropship-signature` = HMAC-SHA256 over the raw body.
//!
//! fabric sends one lowercase-hex signature; verification also accepts uppercase hex and base64. When several
//! secrets are active this crate signs with each and separates the values by spaces (an extension: with one secret
//! the header is exactly what fabric sends). There is no timestamp, so there is no replay window: deduplicate by
//! the event id in the body.

use alloc::vec::Vec;

use crate::headers::trim_ows;
use crate::standard::{decode_base64_tag, split_entries, Tag, TAG_BYTES};

/// The longest fabric signature header accepted, in bytes.
pub const MAX_FABRIC_HEADER_BYTES: usize = 4 * 1024;
/// The most signatures a fabric header may hold.
pub const MAX_FABRIC_ENTRIES: usize = 64;

/// Parses a fabric signature header into the tags it carries (hex of either case, or base64).
pub(crate) fn parse_fabric_header(value: &str) -> Result<Vec<Tag>, &'static str> {
    if value.len() > MAX_FABRIC_HEADER_BYTES {
        return Err("it is longer than 4 KiB");
    }
    let value = trim_ows(value);
    if value.is_empty() {
        return Err("it is empty (expected the HMAC-SHA256 of the body as hex)");
    }
    let mut tags = Vec::new();
    for (count, entry) in split_entries(value, |byte| matches!(byte, b' ' | b'\t' | b',')).enumerate() {
        if count >= MAX_FABRIC_ENTRIES {
            return Err("it holds more than 64 signatures");
        }
        if let Some(tag) = decode_hex_tag(entry).or_else(|| decode_base64_tag(entry)) {
            tags.push(tag);
        }
    }
    if tags.is_empty() {
        return Err("it holds no signature of 64 hex digits or 32 bytes of base64");
    }
    Ok(tags)
}

/// Decodes 64 hex digits of either case.
fn decode_hex_tag(text: &str) -> Option<Tag> {
    if text.len() != 2 * TAG_BYTES {
        return None;
    }
    let mut tag = [0u8; TAG_BYTES];
    hex::decode_to_slice(text, &mut tag).ok()?;
    Some(tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_both_cases_and_base64_decode_alike() {
        let lower = "ab".repeat(32);
        let upper = "AB".repeat(32);
        let base64 = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=";
        for text in [lower.as_str(), upper.as_str(), base64] {
            assert_eq!(parse_fabric_header(text), Ok(alloc::vec![[0xab; 32]]), "{text}");
        }
        assert!(parse_fabric_header("zz").is_err());
    }
}
