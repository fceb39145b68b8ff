//! What receivers send back is data, never trusted text.
//!
//! A receiver may answer with any bytes: NULs, invalid UTF-8, UTF-16, binary. The service keeps some of it (the
//! start of the body, the headers, error texts that quote them) and shows it in the API and the console, on SQLite
//! and on Postgres — and Postgres' `TEXT` refuses U+0000, which SQLite stores. Everything of a receiver's answer
//! that is kept goes through this module on its way in:
//!
//! - the body excerpt is kept as bytes (`attempts.response_body`, `BYTEA`/BLOB), exactly as it came;
//! - headers are kept as a JSON list (NUL and other control characters escaped by JSON itself);
//! - any other text (an error's words) goes through [`storable_text`], which no text column refuses.
//!
//! On the way out, [`body_text`] gives the API its `body` (lossless when the bytes are UTF-8) and [`visible`]
//! gives the console a view where control characters and invalid bytes show as escapes.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` as every database's text column stores it: control characters other than tab, line feed and carriage
/// return (U+0000 above all, which Postgres refuses) become `\u{…}` escapes. Text without them is borrowed as is.
pub fn storable_text(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unstorable) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for character in text.chars() {
        if is_unstorable(character) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(character));
        } else {
            out.push(character);
        }
    }
    Cow::Owned(out)
}

/// Control characters a text column or a person should not get raw.
fn is_unstorable(character: char) -> bool {
    character.is_control() && !matches!(character, '\t' | '\n' | '\r')
}

/// An optional text through [`storable_text`].
pub fn storable_option(text: Option<String>) -> Option<String> {
    text.map(|text| match storable_text(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
    })
}

/// A response header's value as text: bytes that are not UTF-8 (HTTP allows obs-text) are replaced, never dropped
/// silently; the value is stored inside JSON, which escapes control characters itself.
pub fn header_value(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A kept body as the API answers it: the text itself when the bytes are UTF-8 (NULs included — JSON escapes
/// them), else the lossy text and the exact bytes in base64.
pub fn body_text(bytes: &[u8]) -> (String, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_owned(), None),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), Some(base64(bytes))),
    }
}

/// Bytes for a person to read: UTF-8 text as it is, line breaks and tabs kept; every other control character and
/// every byte that is not part of valid UTF-8 as an escape (`\x00`, `\xff`), so nothing is hidden or altered
/// unseen.
pub fn visible(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for character in chunk.valid().chars() {
            if is_unstorable(character) {
                let code = u32::from(character);
                if code < 0x100 {
                    let _ = write!(out, "\\x{code:02x}");
                } else {
                    let _ = write!(out, "\\u{{{code:x}}}");
                }
            } else {
                out.push(character);
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4).
pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storable_text_escapes_nul_and_controls_but_keeps_line_breaks() {
        assert!(matches!(storable_text("plain text\n\twith breaks"), Cow::Borrowed(_)));
        assert_eq!(storable_text("ok\0"), "ok\\u{0}");
        assert_eq!(storable_text("a\u{1b}[31mred\u{7f}"), "a\\u{1b}[31mred\\u{7f}");
        assert_eq!(storable_option(Some("x\0".into())), Some("x\\u{0}".into()));
        assert_eq!(storable_option(None), None);
    }

    #[test]
    fn visible_shows_every_byte_that_is_not_plain_text() {
        assert_eq!(visible(b"ok\0"), "ok\\x00");
        assert_eq!(visible(b"caf\xc3\xa9 \xff\xfe line\nnext\ttab"), "café \\xff\\xfe line\nnext\ttab");
        // UTF-16LE "hi": every second byte a NUL.
        assert_eq!(visible(b"h\0i\0"), "h\\x00i\\x00");
        assert_eq!(visible("\u{85}".as_bytes()), "\\x85");
    }

    #[test]
    fn body_text_is_lossless_for_utf8_and_gives_base64_otherwise() {
        assert_eq!(body_text(b"ok\0"), ("ok\0".to_owned(), None));
        let (text, exact) = body_text(b"\xff\x00a");
        assert_eq!(text, "\u{fffd}\0a");
        assert_eq!(exact.as_deref(), Some("/wBh"));
    }

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected, "{input}");
        }
    }
}
