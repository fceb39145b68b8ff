//! The option sets the cold helpers take (retry schedule, endpoint health, endpoint configuration), each described
//! once with `option_set!`: every field with its JavaScript name (camelCase), its Python name (snake_case, the Rust
//! name), its kind and its default. The bindings hand an option set over as JSON text — the JavaScript layer as
//! `JSON.stringify` writes it, the Python extension by writing the mapping out — read with the crate's own JSON
//! parser, and get answers back in their own casing (each set's `to_json`), so no binding lists a field, a default or a
//! casing of its own.
//!
//! The JavaScript number rule ([`whole_number`]) lives here as well: option fields follow it, and the JavaScript
//! bindings read their bare number arguments (timestamps, counts) by the same rule.

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use crate::delivery::DEFAULT_FAILURE_WINDOW_SECONDS;
use crate::endpoint::DeliveryMethod;
use crate::error::WebhookError;
use crate::secret::{Secret, SecretSet};
use crate::sink::write_json_string;
use crate::webhook::{Scheme, Webhook, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_TOLERANCE_SECONDS};
use crate::wire::{JsonNode, JsonTree};

/// How a language spells option names: JavaScript `camelCase`, Python `snake_case`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Casing {
    /// `baseDelayMs` (JavaScript, and the JSON of the delivery service's API).
    Camel,
    /// `base_delay_ms` (Python).
    Snake,
}

impl Casing {
    /// The name of a field in this casing.
    pub fn pick(self, camel: &'static str, snake: &'static str) -> &'static str {
        match self {
            Self::Camel => camel,
            Self::Snake => snake,
        }
    }
}

/// A JavaScript number (seconds, a count) as `u64`: finite, 0 to 2⁵³ − 1; fractions are dropped. Anything else is
/// `invalid_option` naming the option.
pub fn whole_number(value: f64, name: &'static str) -> Result<u64, WebhookError> {
    if !value.is_finite() || !(0.0..=9_007_199_254_740_991.0).contains(&value) {
        return Err(WebhookError::InvalidOption { name, problem: "it must be a whole number of 0 or more" });
    }
    // In range and finite, so the cast only drops the fraction.
    Ok(value as u64)
}

/// [`whole_number`] that must also fit in 32 bits.
pub fn whole_number_u32(value: f64, name: &'static str) -> Result<u32, WebhookError> {
    narrow(whole_number(value, name)?, name)
}

fn narrow(value: u64, name: &'static str) -> Result<u32, WebhookError> {
    u32::try_from(value).map_err(|_| WebhookError::InvalidOption { name, problem: "it must be below 4294967296" })
}

/// A kind of value an option field holds, read from JSON. `name` is the field's name in the caller's casing, for
/// the error; `casing` is passed on to nested option sets.
pub(crate) trait OptionKind: Sized {
    /// Reads a present, non-null value.
    fn read(value: JsonNode<'_, '_>, name: &'static str, casing: Casing) -> Result<Self, WebhookError>;
}

/// A kind of value an option set's answer holds, written as JSON.
pub(crate) trait WriteOption {
    /// Appends the value's JSON.
    fn write(&self, out: &mut String);
}

impl WriteOption for u64 {
    fn write(&self, out: &mut String) {
        // Digits only, so no formatting machinery.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut rest = *self;
        loop {
            at -= 1;
            if let Some(digit) = digits.get_mut(at) {
                *digit = b'0' + (rest % 10) as u8;
            }
            rest /= 10;
            if rest == 0 || at == 0 {
                break;
            }
        }
        digits.get(at..).unwrap_or_default().iter().for_each(|&digit| out.push(char::from(digit)));
    }
}

impl WriteOption for u32 {
    fn write(&self, out: &mut String) {
        u64::from(*self).write(out);
    }
}

impl<T: WriteOption> WriteOption for Option<T> {
    fn write(&self, out: &mut String) {
        match self {
            Some(value) => value.write(out),
            None => out.push_str("null"),
        }
    }
}

impl WriteOption for &str {
    fn write(&self, out: &mut String) {
        write_json_string(out, self);
    }
}

impl WriteOption for String {
    fn write(&self, out: &mut String) {
        write_json_string(out, self);
    }
}

impl WriteOption for Vec<String> {
    fn write(&self, out: &mut String) {
        out.push('[');
        for (index, item) in self.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            item.write(out);
        }
        out.push(']');
    }
}

impl WriteOption for DeliveryMethod {
    fn write(&self, out: &mut String) {
        write_json_string(out, self.name());
    }
}

/// Writes one member of an object: `,"name":` (no comma before the first), then the value.
pub(crate) fn write_member(out: &mut String, name: &str, value: &dyn WriteOption) {
    if !out.ends_with('{') {
        out.push(',');
    }
    write_json_string(out, name);
    out.push(':');
    value.write(out);
}

/// The most a whole number given with a fraction or exponent may be: JavaScript's largest exact integer.
const MAX_SAFE_INTEGER: u64 = 9_007_199_254_740_991;

impl OptionKind for u64 {
    fn read(value: JsonNode<'_, '_>, name: &'static str, _: Casing) -> Result<Self, WebhookError> {
        // Integers exactly (a u64 above 2⁵³ included, as Python ints may be); other numbers by the JS rule.
        match value.whole_part() {
            // `-0` and `-0.5` are 0.
            Some((negative, magnitude, exact))
                if (!negative || magnitude == 0) && (exact || magnitude <= MAX_SAFE_INTEGER) =>
            {
                Ok(magnitude)
            }
            _ => Err(WebhookError::InvalidOption { name, problem: "it must be a whole number of 0 or more" }),
        }
    }
}

impl OptionKind for u32 {
    fn read(value: JsonNode<'_, '_>, name: &'static str, casing: Casing) -> Result<Self, WebhookError> {
        narrow(u64::read(value, name, casing)?, name)
    }
}

impl<T: OptionKind> OptionKind for Option<T> {
    fn read(value: JsonNode<'_, '_>, name: &'static str, casing: Casing) -> Result<Self, WebhookError> {
        T::read(value, name, casing).map(Some)
    }
}

impl OptionKind for String {
    fn read(value: JsonNode<'_, '_>, name: &'static str, _: Casing) -> Result<Self, WebhookError> {
        value.text().map(ToOwned::to_owned).ok_or(WebhookError::InvalidOption { name, problem: "it must be a string" })
    }
}

impl OptionKind for Vec<String> {
    fn read(value: JsonNode<'_, '_>, name: &'static str, _: Casing) -> Result<Self, WebhookError> {
        let invalid = || WebhookError::InvalidOption { name, problem: "it must be a list of strings" };
        let items = value.elements().ok_or_else(invalid)?;
        items.map(|item| item.text().map(ToOwned::to_owned).ok_or_else(invalid)).collect()
    }
}

impl OptionKind for Scheme {
    fn read(value: JsonNode<'_, '_>, name: &'static str, casing: Casing) -> Result<Self, WebhookError> {
        Self::from_name(&String::read(value, name, casing)?)
    }
}

impl OptionKind for DeliveryMethod {
    fn read(value: JsonNode<'_, '_>, _: &'static str, _: Casing) -> Result<Self, WebhookError> {
        // Anything but a name is refused by the same rule as an unknown name.
        Self::from_name(value.text().unwrap_or(""))
    }
}

/// A secret set: one secret or a list, each a string or `{secret, expiresAt?, label?}` ([`SecretOptions`]); a bad
/// entry is `invalid_secret` naming its position.
impl OptionKind for SecretSet {
    fn read(value: JsonNode<'_, '_>, _: &'static str, casing: Casing) -> Result<Self, WebhookError> {
        let one = |item: JsonNode<'_, '_>, index: usize| -> Result<Secret, WebhookError> {
            if let Some(text) = item.text() {
                return Ok(Secret::new(text));
            }
            if !item.is_object() {
                return Err(WebhookError::InvalidSecret {
                    index,
                    problem: "each secret must be a string or an object with `secret`",
                });
            }
            let options = SecretOptions::read(item, casing).map_err(|_| WebhookError::InvalidSecret {
                index,
                problem: "its `secret` and `label` must be strings and its expiry a whole number of seconds",
            })?;
            let text = options
                .secret
                .ok_or(WebhookError::InvalidSecret { index, problem: "each secret must have a string `secret`" })?;
            Ok(Secret::new(text).with_expiry(options.expires_at).with_label(options.label))
        };
        match value.elements() {
            Some(items) => items.enumerate().map(|(index, item)| one(item, index)).collect(),
            None => Ok(SecretSet::from(one(value, 0)?)),
        }
    }
}

impl SecretSet {
    /// A secret set from JSON text in `casing`: one secret or a list, each a string or `{secret, expiresAt?,
    /// label?}`; a bad entry is `invalid_secret` naming its position.
    pub fn from_options(text: &str, casing: Casing) -> Result<Self, WebhookError> {
        let tree = parse_options(Some(text))?;
        Self::read(tree.root(), "secrets", casing)
    }
}

/// Parses an option set's JSON text; none is `null` (every default).
pub(crate) fn parse_options(text: Option<&str>) -> Result<JsonTree<'_>, WebhookError> {
    JsonTree::parse(text.unwrap_or("null"))
        .map_err(|_| WebhookError::InvalidOption { name: "options", problem: "they must be JSON (an object)" })
}

/// Declares an option set: the struct, its defaults, and its reader from JSON in either casing. One line per field:
/// `rust_name "camelName": Type = default,` with its doc comment above.
macro_rules! option_set {
    // `writable`: also an answer the bindings hand back, written as JSON in the caller's casing.
    (writable $($set:tt)*) => {
        $crate::options::option_set!($($set)*);
        $crate::options::option_set!(@write $($set)*);
    };
    (
        @write
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident $camel:literal : $kind:ty = $default:expr ),* $(,)?
        }
    ) => {
        impl $name {
            /// The set as JSON text with its names in `casing`, fields in declaration order.
            pub fn to_json(&self, casing: Casing) -> String {
                let mut out = String::from("{");
                $( $crate::options::write_member(&mut out, casing.pick($camel, stringify!($field)), &self.$field); )*
                out.push('}');
                out
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident $camel:literal : $kind:ty = $default:expr ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $kind, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            /// Every field's name: `(camelCase, snake_case)`.
            pub const FIELD_NAMES: &'static [(&'static str, &'static str)] = &[$( ($camel, stringify!($field)) ),*];

            /// Reads the option set from JSON text in `casing` (none: every default); absent or `null` fields take
            /// the defaults, unknown keys are ignored.
            pub fn from_json(text: Option<&str>, casing: Casing) -> Result<Self, WebhookError> {
                let tree = $crate::options::parse_options(text)?;
                Self::read(tree.root(), casing)
            }

            /// [`Self::from_json`] over a parsed value.
            pub(crate) fn read(value: $crate::wire::JsonNode<'_, '_>, casing: Casing) -> Result<Self, WebhookError> {
                let mut options = Self::default();
                if value.is_null() {
                    return Ok(options);
                }
                if !value.is_object() {
                    return Err(WebhookError::InvalidOption { name: stringify!($name), problem: "it must be an object" });
                }
                $(
                    let name = casing.pick($camel, stringify!($field));
                    if let Some(value) = value.member(name).filter(|value| !value.is_null()) {
                        options.$field = <$kind as $crate::options::OptionKind>::read(value, name, casing)?;
                    }
                )*
                Ok(options)
            }
        }
    };
}
pub(crate) use option_set;

option_set! {
    writable
    /// One secret of a [`SecretSet`] as an object.
    #[derive(Debug, Clone)]
    pub struct SecretOptions {
        /// The secret's text.
        secret "secret": Option<String> = None,
        /// Unix seconds after which it no longer verifies nor signs.
        expires_at "expiresAt": Option<u64> = None,
        /// Reported when this secret matched.
        label "label": Option<String> = None,
    }
}

option_set! {
    writable
    /// How a [`Webhook`] checks and signs, as the bindings' constructors take it; the defaults are the receiver's.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct WebhookOptions {
        /// Standard Webhooks (`standard`) or fabric (`fabric`).
        scheme "scheme": Scheme = Scheme::Standard,
        /// How far a message timestamp may lie from the time of the check, both ways.
        tolerance_seconds "toleranceSeconds": u64 = DEFAULT_TOLERANCE_SECONDS,
        /// The longest body verified, in bytes; longer ones are `payload_too_large` (the helpers' 413).
        body_limit_bytes "bodyLimitBytes": u64 = DEFAULT_BODY_LIMIT_BYTES,
    }
}

impl WebhookOptions {
    /// A [`Webhook`] over `secrets` with these options.
    pub fn build(self, secrets: SecretSet) -> Result<Webhook, WebhookError> {
        Ok(Webhook::with_scheme(secrets, self.scheme)?
            .tolerance(self.tolerance_seconds)
            .body_limit(self.body_limit_bytes))
    }
}

/// The defaults a binding exports as constants (`DEFAULT_TOLERANCE_SECONDS`, `DEFAULT_FAILURE_WINDOW_SECONDS`), as
/// JSON in `casing`: `{"toleranceSeconds": 300, "failureWindowSeconds": 259200}`.
pub fn defaults_json(casing: Casing) -> String {
    let mut out = String::from("{");
    write_member(&mut out, casing.pick("toleranceSeconds", "tolerance_seconds"), &DEFAULT_TOLERANCE_SECONDS);
    write_member(
        &mut out,
        casing.pick("failureWindowSeconds", "failure_window_seconds"),
        &DEFAULT_FAILURE_WINDOW_SECONDS,
    );
    write_member(&mut out, casing.pick("bodyLimitBytes", "body_limit_bytes"), &DEFAULT_BODY_LIMIT_BYTES);
    out.push('}');
    out
}

impl WriteOption for Scheme {
    fn write(&self, out: &mut String) {
        write_json_string(out, self.name());
    }
}

/// Renames the field an error names into `casing`, by `names` (`(camelCase, snake_case)` pairs): the core's rules
/// name fields in camelCase.
pub fn in_casing(error: WebhookError, names: &[(&'static str, &'static str)], casing: Casing) -> WebhookError {
    let rename = |name: &'static str| {
        names.iter().find(|(camel, _)| *camel == name).map_or(name, |(camel, snake)| casing.pick(camel, snake))
    };
    match error {
        WebhookError::InvalidOption { name, problem } => WebhookError::InvalidOption { name: rename(name), problem },
        WebhookError::InvalidEndpoint { field, problem } => {
            WebhookError::InvalidEndpoint { field: rename(field), problem }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_follow_the_javascript_rule() {
        assert_eq!(whole_number(1.9, "n"), Ok(1));
        assert_eq!(whole_number(9_007_199_254_740_991.0, "n"), Ok(9_007_199_254_740_991));
        for bad in [-1.0, f64::NAN, f64::INFINITY, 9_007_199_254_740_992.0] {
            assert_eq!(whole_number(bad, "n").map_err(|error| error.code()), Err("invalid_option"), "{bad}");
        }
        assert_eq!(whole_number_u32(4_294_967_295.0, "n"), Ok(u32::MAX));
        assert!(whole_number_u32(4_294_967_296.0, "n").is_err());
    }

    #[test]
    fn option_fields_read_in_either_casing_and_name_the_field() {
        let camel = SecretOptions::from_json(Some(r#"{"secret": "s", "expiresAt": 5.5}"#), Casing::Camel).unwrap();
        assert_eq!((camel.secret.as_deref(), camel.expires_at), (Some("s"), Some(5)));
        let snake = SecretOptions::from_json(Some(r#"{"expires_at": 7, "expiresAt": 1}"#), Casing::Snake).unwrap();
        assert_eq!(snake.expires_at, Some(7));
        let bad = SecretOptions::from_json(Some(r#"{"expires_at": "NaN"}"#), Casing::Snake).unwrap_err();
        assert_eq!(
            bad,
            WebhookError::InvalidOption { name: "expires_at", problem: "it must be a whole number of 0 or more" }
        );
        for bad in ["[1]", "{", r#"{"expiresAt": -1}"#, r#"{"expiresAt": 1e300}"#, r#"{"expiresAt": true}"#] {
            assert_eq!(
                SecretOptions::from_json(Some(bad), Casing::Camel).unwrap_err().code(),
                "invalid_option",
                "{bad}"
            );
        }
        let big = SecretOptions::from_json(Some(r#"{"expiresAt": 18446744073709551615}"#), Casing::Camel).unwrap();
        assert_eq!(big.expires_at, Some(u64::MAX));
        let fraction = SecretOptions::from_json(Some(r#"{"expiresAt": 9007199254740991.5}"#), Casing::Camel).unwrap();
        assert_eq!(fraction.expires_at, Some(9_007_199_254_740_991));
        assert!(SecretOptions::from_json(None, Casing::Camel).unwrap().secret.is_none());
    }

    #[test]
    fn secret_sets_name_the_bad_entry() {
        let set = SecretSet::from_options(r#"["whsec_a", {"secret": "b", "label": "new"}]"#, Casing::Camel);
        assert_eq!(set.map(|set| set.len()), Ok(2));
        assert_eq!(SecretSet::from_options(r#""one""#, Casing::Camel).map(|set| set.len()), Ok(1));
        for (bad, index) in
            [(r#"["a", {"label": "x"}]"#, 1), (r#"["a", "b", 3]"#, 2), (r#"[{"secret": "a", "expiresAt": -1}]"#, 0)]
        {
            let error = SecretSet::from_options(bad, Casing::Camel).unwrap_err();
            assert!(matches!(error, WebhookError::InvalidSecret { index: at, .. } if at == index), "{bad}: {error:?}");
        }
    }

    #[test]
    fn answers_are_written_in_the_callers_casing() {
        let options = SecretOptions { secret: Some("a \"b\"".into()), expires_at: Some(u64::MAX), label: None };
        assert_eq!(
            options.to_json(Casing::Camel),
            r#"{"secret":"a \"b\"","expiresAt":18446744073709551615,"label":null}"#
        );
        assert_eq!(
            options.to_json(Casing::Snake),
            r#"{"secret":"a \"b\"","expires_at":18446744073709551615,"label":null}"#
        );
        let zero = SecretOptions { expires_at: Some(0), ..SecretOptions::default() };
        assert_eq!(zero.to_json(Casing::Camel), r#"{"secret":null,"expiresAt":0,"label":null}"#);
    }
}
