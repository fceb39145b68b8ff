//! Tolerant field decoders: platforms disagree on ids (strings vs integers), money (numbers vs decimal strings) and
//! send `null` for empty lists. Each decoder accepts every documented spelling and yields one canonical type.

use alloc::string::{String, ToString};
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// `null` or a missing field becomes the type's default (an empty list, an empty map).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Accepts a string or an integer (fabric ids are integers, Modern Dropship ids strings) and yields its text.
struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = String;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an id (string or integer)")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<String, E> {
        Ok(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
        Ok(value.to_string())
    }
}

/// A required id: string or integer.
pub(crate) fn id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    deserializer.deserialize_any(IdVisitor)
}

/// An optional id: string, integer or null.
pub(crate) fn optional_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Option::<IdOrNumber>::deserialize(deserializer).map(|value| value.map(|IdOrNumber(text)| text))
}

/// Newtype so `Option` and sequences can reuse [`IdVisitor`].
pub(crate) struct IdOrNumber(pub(crate) String);

impl<'de> Deserialize<'de> for IdOrNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IdVisitor).map(IdOrNumber)
    }
}

/// Money and other decimals: a JSON number or a decimal string, kept as decimal text (`"25.96"`) so no precision is
/// lost to binary floating point.
struct DecimalVisitor;

impl Visitor<'_> for DecimalVisitor {
    type Value = String;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a decimal number or a decimal string")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<String, E> {
        let digits = value.strip_prefix('-').unwrap_or(value);
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
        let numeric = |part: &str| !part.is_empty() && part.bytes().all(|byte| byte.is_ascii_digit());
        if numeric(whole) && numeric(fraction) {
            Ok(value.to_string())
        } else {
            Err(E::invalid_value(de::Unexpected::Str(value), &self))
        }
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<String, E> {
        Ok(value.to_string())
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<String, E> {
        if value.is_finite() {
            Ok(value.to_string())
        } else {
            Err(E::invalid_value(de::Unexpected::Float(value), &self))
        }
    }
}

/// An optional decimal: number, decimal string or null.
pub(crate) fn optional_decimal<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct Decimal(String);
    impl<'de> Deserialize<'de> for Decimal {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(DecimalVisitor).map(Decimal)
        }
    }
    Option::<Decimal>::deserialize(deserializer).map(|value| value.map(|Decimal(text)| text))
}
